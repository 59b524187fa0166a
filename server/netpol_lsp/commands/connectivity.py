"""`netpol-lsp connectivity`: the allowed connections, as a list or a graph."""
from __future__ import annotations

import sys

from ..cli import UsageError
from .common import load, require_objects, print_caveats, rendered_workspace, unknown_name


def run_connectivity(args) -> int:
    from ..analysis.connectivity import compute_connectivity
    from ..report.connectivity import focus_endpoints, narrow, render

    loaded = load(args.paths, args.config, use_cache=not args.no_cache)
    require_objects(loaded, args.paths)
    workspace = rendered_workspace(loaded.workspace, args.kustomize)
    print_caveats(workspace)
    result = compute_connectivity(workspace)
    focus = None
    if args.focus_workload:
        focus = focus_endpoints(result, args.focus_workload)
        if not focus:
            raise UsageError(unknown_name("workload", args.focus_workload,
                                          [e.split("[", 1)[0] for e in result.endpoints]))
    connections = narrow(result.connections, focus, args.exclude_external)
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
