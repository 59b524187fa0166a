"""End-to-end LSP tests: a real `python -m netpol_lsp serve` process driven over stdio."""
from __future__ import annotations

import sys

import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = [sys.executable, "-m", "netpol_lsp", "serve", "--stdio"]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    # initialize is sent by each test (each has its own workspace); shutdown and exit here
    yield
    server = getattr(lsp_client, "_server", None)
    if lsp_client.capabilities is None and server is not None and server.returncode is None:
        lsp_client.exit(None)  # the test failed before initialize: without this, teardown waits forever
    else:
        await lsp_client.shutdown_session()
