"""netpol-lsp: static analyzer and language server for Kubernetes NetworkPolicy."""

__version__ = "0.1.0"
