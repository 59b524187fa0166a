#!/usr/bin/env python3
"""Time `netpol-lsp connectivity` and measure its memory, by phase.

    python benchmarks/bench_connectivity.py [PATH ...] [--repeat 3] [--tracemalloc]
        [--conformance ../shared/conformance] [--corpus /tmp/np-corpus]

Without PATHs it measures the largest conformance case (by input size) and, when it exists,
the corpus made by `python benchmarks/generate_corpus.py /tmp/np-corpus --files 10000`.
Each target runs in a child process of its own, so peak RSS (resource.getrusage) is that
target's alone. Phases: load (read, parse, model), compute (the engine, best of --repeat runs,
each on a fresh Engine), render (JSON). --tracemalloc adds the peak of Python allocations
during one compute (slower: tracing costs time, the timings above it are taken without it).

Not run by the test suite; numbers are for the closing notes, never for asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _input_bytes(folder: str) -> int:
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(base, name))
            except OSError:
                pass
    return total


def largest_case(conformance: str) -> str | None:
    cases = os.path.join(conformance, "cases")
    if not os.path.isdir(cases):
        return None
    inputs = [os.path.join(cases, c, "input") for c in os.listdir(cases)]
    inputs = [i for i in inputs if os.path.isdir(i)]
    return max(inputs, key=_input_bytes) if inputs else None


def measure(path: str, repeat: int, trace: bool) -> dict:
    """One target, in this process: the child's side."""
    sys.path.insert(0, os.path.join(ROOT, "server"))
    from netpol_lsp.analysis.connectivity import Engine
    from netpol_lsp.commands.common import load
    from netpol_lsp.report.connectivity import render

    t0 = time.perf_counter()
    loaded = load([path], None)
    workspace = loaded.workspace
    workloads, policies = len(workspace.workloads), len(workspace.policies)
    load_s = time.perf_counter() - t0
    rss_after_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    times = []
    result = None
    engine = None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        engine = Engine(workspace)
        result = engine.compute()
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    text = render(result.connections, "json", result)
    render_s = time.perf_counter() - t
    out = {
        "path": path,
        "files": loaded.files_seen,
        "documents": loaded.documents,
        "workloads": workloads,
        "classes": len(engine.classes()),
        "policies": policies,
        "external_atoms": len(engine.external_atoms()),
        "connections": len(result.connections),
        "json_bytes": len(text),
        "load_s": round(load_s, 3),
        "compute_s": round(min(times), 3),
        "compute_runs_s": [round(x, 3) for x in times],
        "render_json_s": round(render_s, 3),
        "peak_rss_mb_after_load": round(rss_after_load / 1024, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if trace:
        import tracemalloc

        tracemalloc.start()
        Engine(workspace).compute()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["compute_tracemalloc_peak_mb"] = round(peak / 1e6, 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tracemalloc", action="store_true")
    ap.add_argument("--conformance", default=os.path.join(os.path.dirname(ROOT), "shared", "conformance"))
    ap.add_argument("--corpus", default="/tmp/np-corpus")
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # the child's entry point
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.repeat, args.tracemalloc)))
        return 0
    paths = list(args.paths)
    if not paths:
        case = largest_case(args.conformance)
        if case:
            paths.append(case)
        else:
            print(f"no conformance cases under {args.conformance}", file=sys.stderr)
        if os.path.isdir(args.corpus):
            paths.append(args.corpus)
        else:
            print(f"no corpus at {args.corpus}: python benchmarks/generate_corpus.py {args.corpus} --files 10000",
                  file=sys.stderr)
    if not paths:
        return 2
    results = []
    for path in paths:
        argv = [sys.executable, os.path.abspath(__file__), "--one", path, "--repeat", str(args.repeat)]
        if args.tracemalloc:
            argv.append("--tracemalloc")
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{path}: failed\n{proc.stderr}", file=sys.stderr)
            return 1
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        print(r["path"])
        print(f"  {r['files']} files, {r['documents']} documents, {r['workloads']} workloads "
              f"({r['classes']} classes), {r['policies']} policies, {r['external_atoms']} external ranges")
        print(f"  {r['connections']} connections ({r['json_bytes'] / 1e6:.1f} MB of JSON)")
        print(f"  load {r['load_s']:.3f} s   compute {r['compute_s']:.3f} s (best of {len(r['compute_runs_s'])})"
              f"   render json {r['render_json_s']:.3f} s")
        line = f"  peak RSS {r['peak_rss_mb_after_load']:.1f} MB after load, {r['peak_rss_mb']:.1f} MB at the end"
        if "compute_tracemalloc_peak_mb" in r:
            line += f"; compute allocates at most {r['compute_tracemalloc_peak_mb']:.1f} MB (tracemalloc)"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
