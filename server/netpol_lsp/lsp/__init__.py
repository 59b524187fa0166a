"""The language server (pygls): document sync, diagnostics, hover. server.py is the entry."""
