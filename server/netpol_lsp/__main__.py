"""`python -m netpol_lsp ...`: the same command line as the `netpol-lsp` script."""
import sys

from .cli import main

sys.exit(main())
