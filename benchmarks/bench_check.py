"""Time `netpol-lsp check` on a corpus beside the time PyYAML's libyaml composer alone needs.

    python benchmarks/generate_corpus.py /tmp/np-corpus --files 10000
    python benchmarks/bench_check.py /tmp/np-corpus [--repeat 3]

Both are measured in the same run, so the ratio holds on a noisy machine; medians are printed.
Peak memory is the check process's maximum resident set size.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import time

import yaml


def compose_only(root: str) -> tuple[float, int, int]:
    """Seconds to compose every manifest with libyaml, one core, garbage collector paused."""
    paths = [os.path.join(d, f) for d, _, files in os.walk(root) for f in files
             if f.endswith((".yaml", ".yml", ".json"))]
    kept = []
    gc.disable()
    start = time.perf_counter()
    documents = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for node in yaml.compose_all(handle.read(), Loader=yaml.CSafeLoader):
                kept.append(node)  # kept, as an index would keep it
                documents += 1
    elapsed = time.perf_counter() - start
    gc.enable()
    return elapsed, len(paths), documents


def check_once(root: str, extra: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-m", "netpol_lsp", "check", "--format", "json", "--fail-on", "never",
                           *extra, root], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"check failed: {proc.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check-args", default="", help="extra arguments for check, e.g. --no-cache")
    args = parser.parse_args()
    extra = args.check_args.split()
    composes, checks = [], []
    peak_kb = 0
    for _ in range(args.repeat):
        seconds, files, documents = compose_only(args.corpus)
        composes.append(seconds)
        seconds, peak_kb = check_once(args.corpus, extra)
        checks.append(seconds)
    compose, check = statistics.median(composes), statistics.median(checks)
    print(f"corpus: {files} files, {documents} documents")
    print(f"libyaml compose alone (1 core, gc paused): median {compose:.2f} s  {composes}")
    print(f"netpol-lsp check (whole command):          median {check:.2f} s  {checks}")
    print(f"ratio check / compose: {check / compose:.2f}")
    print(f"check peak memory (max RSS): {peak_kb / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
