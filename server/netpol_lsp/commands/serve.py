"""`netpol-lsp serve`: the language server on stdio (the default) or TCP."""
from __future__ import annotations

import logging
import os
import sys

from ..cli import UsageError


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--tcp wants HOST:PORT, not '{text}'")
    return host or "127.0.0.1", int(port)


def run_serve(args) -> int:
    address = _address(args.tcp) if args.tcp else None
    level = os.environ.get("NETPOL_LSP_LOG", "warning").upper()
    # stdout is the protocol's channel: logs go to stderr, which editors show as the server's log
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level, logging.WARNING),
                        format="netpol-lsp %(levelname)s %(name)s: %(message)s")
    from ..collector import tune_for_server
    from ..lsp.server import create_server

    tune_for_server()
    server = create_server()
    if address is not None:
        server.start_tcp(*address)
    else:
        from ..lsp.guard import ResyncingReader

        server.start_io(stdin=ResyncingReader(sys.stdin.buffer))
    # exit after shutdown is a clean stop (0); an exit without shutdown, or a lost client, is not (1)
    if getattr(server.protocol, "_shutdown", False):
        return 0
    if address is None:
        print("netpol-lsp serve: the client closed the connection before a shutdown request "
              "(an editor starts this command and talks LSP over stdin/stdout)", file=sys.stderr)
    return 1
