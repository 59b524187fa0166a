"""`netpol-lsp connectivity`: the allowed connections, as a list or a graph."""
from __future__ import annotations

import sys

from .common import load


def run_connectivity(args) -> int:
    from ..analysis.connectivity import compute_connectivity
    from ..report.connectivity import narrow, render

    loaded = load(args.paths, args.config)
    result = compute_connectivity(loaded.workspace)
    connections = narrow(result.connections, args.focus_workload, args.exclude_external)
    text = render(connections, args.format, result)
    if args.output:
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(args.output, mode) as handle:
            handle.write(text)
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
    else:
        sys.stdout.write(text)
    return 0
