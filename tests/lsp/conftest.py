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
    await lsp_client.shutdown_session()
