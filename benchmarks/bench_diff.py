#!/usr/bin/env python3
"""What connectivity diffs cost: `netpol-lsp diff HEAD`, and the server's comparison per edit.

    python benchmarks/bench_diff.py REPO [--file PATH] [--runs 3]

REPO is a git repository of manifests, e.g. the corpus of generate_corpus.py committed
(`git init -q && git add -A && git commit -qm base`). PATH (relative to REPO, default
big/app-bundle.yaml) is the file edited: its first `port: N` becomes `port: 1234`.
- In this process, as the server does it (lsp/diffview.py): the workspace loaded, then the
  base side built once (files equal to HEAD shared), then one comparison after the edit
  (median of --runs, CPU seconds of this process, and wall).
- `netpol-lsp diff HEAD --format json --no-cache` as a subprocess, with PATH edited on disk
  (restored afterwards): wall time and the CPU time of it and its workers.
Not run by the test suite; numbers depend on the machine (and its load: CPU time says more).
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo", type=Path)
    parser.add_argument("--file", default="big/app-bundle.yaml")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    repo = args.repo.resolve()
    target = repo / args.file

    from netpol_lsp.config import find_config, load_config
    from netpol_lsp.loader import load_paths
    from netpol_lsp.lsp.diffview import DiffTracker
    from netpol_lsp.rules.base import RuleContext
    from netpol_lsp.workspace import load_source

    config = load_config(find_config(repo))
    workspace = load_paths([str(repo)], config).workspace
    gc.freeze()  # as the server does after indexing
    tracker = DiffTracker(lambda view: None)
    cpu, wall = time.process_time(), time.perf_counter()
    tracker._base_side([str(repo)], config, dict(workspace.files))
    print(f"base side (HEAD, {len(workspace.files)} files): {time.process_time() - cpu:.2f} s CPU, "
          f"{time.perf_counter() - wall:.2f} s wall")

    text = target.read_text()
    edited = re.sub(r"port: \d+", "port: 1234", text, count=1)
    workspace.put(load_source(str(target), edited, config))
    context = RuleContext(workspace)
    cpus, walls, view = [], [], None
    for run in range(args.runs):
        result = SimpleNamespace(snapshot=SimpleNamespace(workspace=workspace, revision=run), context=context)
        cpu, wall = time.process_time(), time.perf_counter()
        view = tracker.compute(result, [str(repo)])
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    print(f"one comparison after editing {args.file}: {len(view.comparison.diff.changes)} changed pairs; "
          f"median {statistics.median(cpus):.2f} s CPU, {statistics.median(walls):.2f} s wall ({args.runs} runs)")

    target.write_text(edited)
    try:
        before = os.times()
        wall = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "netpol_lsp", "diff", "HEAD", "--format", "json", "--no-cache"],
                              cwd=repo, capture_output=True, text=True)
        after = os.times()
        print(f"netpol-lsp diff HEAD (exit {proc.returncode}): {time.perf_counter() - wall:.2f} s wall, "
              f"{after.children_user - before.children_user + after.children_system - before.children_system:.2f} s CPU")
    finally:
        target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
