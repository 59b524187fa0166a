#!/usr/bin/env python3
"""What connectivity diffs cost: `netpol-lsp diff HEAD` and the server's comparison per edit.

    python benchmarks/bench_diff.py REPO [--file PATH] [--runs 5]

REPO is a git repository of manifests (e.g. the corpus of generate_corpus.py, committed:
`git init -q && git add -A && git commit -qm base`). PATH (relative to REPO) is a policy file
to edit; by default the first networkpolicy.yaml under teams/. Measured, in this process:
- the base side as the server reads it once: git ls-tree + cat-file, parse, endpoint table;
- one comparison after an edit of PATH (a port number changed in memory, never on disk): the
  changed namespaces, both sides' pairs in them, blame; the median of --runs;
- the same comparison over every namespace (what an edit of a cluster-wide object costs);
and, as a subprocess, `netpol-lsp diff HEAD` with PATH edited the same way in a copy of REPO's
index (a temporary worktree is NOT used: the edit is written to REPO and restored at the end).
Not run by the test suite; numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo", type=Path)
    parser.add_argument("--file", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    repo = args.repo.resolve()
    target = repo / args.file if args.file else next(sorted((repo / "teams").rglob("networkpolicy.yaml")).__iter__())

    from netpol_lsp.analysis.compare import changed_namespaces, compare_sides, differing_files
    from netpol_lsp.analysis.connectivity import Engine
    from netpol_lsp.analysis.diff_blame import DiffSide
    from netpol_lsp.bulk import BulkLoad
    from netpol_lsp.config import find_config, load_config
    from netpol_lsp.revisions import candidates, resolve
    from netpol_lsp.workspace import load_source

    config = load_config(find_config(repo))
    started = time.perf_counter()
    revision = resolve("HEAD", str(repo))
    found, _ = candidates(revision, [str(repo)], config)
    base = BulkLoad([], config, None, candidates=found).load(jobs=1).workspace
    base_engine = Engine(base)
    endpoints = base_engine.compute(set()).endpoints
    base_side = DiffSide(base, endpoints, base_engine)
    print(f"base side: {len(found)} files read from git, parsed, endpoint table: {time.perf_counter() - started:.2f} s")

    text = target.read_text()
    edited = re.sub(r"port: \S+", "port: 1234", text, count=1)  # one port of one rule
    current = BulkLoad([], config, None, candidates=found).load(jobs=1).workspace
    current.put(load_source(str(target), edited, config))
    times, changes, namespaces = [], 0, None
    for _ in range(args.runs):
        started = time.perf_counter()
        namespaces = changed_namespaces(differing_files(base.files, current.files))
        old = base_engine.compute(namespaces)
        engine = Engine(current)
        new = engine.compute(namespaces)
        comparison = compare_sides(base_side, old.connections, DiffSide(current, new.endpoints, engine), new.connections)
        times.append(time.perf_counter() - started)
        changes = len(comparison.diff.changes)
    print(f"one edit of {target.relative_to(repo)}: {changes} pair changes in {len(namespaces or ())} namespace(s), "
          f"median {statistics.median(times) * 1000:.0f} ms over {args.runs} runs (file texts compared, both sides)")
    started = time.perf_counter()
    old = Engine(base).compute(None)
    engine = Engine(current)
    new = engine.compute(None)
    compare_sides(DiffSide(base, old.endpoints), old.connections, DiffSide(current, new.endpoints, engine),
                  new.connections)
    print(f"the same over every namespace: {time.perf_counter() - started:.2f} s")

    target.write_text(edited)
    try:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "netpol_lsp", "diff", "HEAD", "--format", "json", "--no-cache"],
                              cwd=repo, capture_output=True, text=True)
        print(f"netpol-lsp diff HEAD (subprocess, exit {proc.returncode}): {time.perf_counter() - started:.2f} s")
    finally:
        target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
