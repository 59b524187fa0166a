"""`python -m netpol_lsp ...`: the same command line as the `netpol-lsp` script."""
import sys

from .cli import main

if __name__ == "__main__":  # not when a spawned worker process (lsp/indexing.py) imports it
    sys.exit(main())
