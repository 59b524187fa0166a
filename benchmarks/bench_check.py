"""Time `netpol-lsp check` on a corpus beside the time PyYAML's libyaml composer alone needs.

    python benchmarks/generate_corpus.py /tmp/np-corpus --files 10000
    python benchmarks/bench_check.py /tmp/np-corpus [--repeat 3]
    python benchmarks/bench_check.py /tmp/np-findings --profile findings   # generated when missing

Measured in the same run, repeat after repeat, so the ratios hold on a noisy machine
(medians are printed): the compose baseline (one core, garbage collector paused, every node
kept); a cold check (--no-cache); a warm check (a second run over the unchanged files, the
cache in a temporary XDG_CACHE_HOME); and `netpol-lsp --version` (start-up). Peak memory is
the largest resident set of the cold checks.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

from netpol_lsp.parallel import usable_cores

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import ensure_corpus, run_usage  # noqa: E402


def compose_only(root: str) -> tuple[float, float, int, int]:
    """compose_here in a child process: this process stays small, since Linux carries a
    process's peak RSS over into the children it forks (their ru_maxrss would start at ours)."""
    out = subprocess.run([sys.executable, __file__, root, "--compose-child"], capture_output=True, text=True,
                         check=True).stdout
    seconds, cpu, files, documents = json.loads(out)
    return seconds, cpu, files, documents


def compose_here(root: str) -> tuple[float, float, int, int]:
    """Wall and CPU seconds to compose every manifest with libyaml, one core, garbage collector
    paused."""
    paths = [os.path.join(d, f) for d, _, files in os.walk(root) for f in files
             if f.endswith((".yaml", ".yml", ".json"))]
    kept = []
    gc.disable()
    start, cpu = time.perf_counter(), time.process_time()
    documents = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for node in yaml.compose_all(handle.read(), Loader=yaml.CSafeLoader):
                kept.append(node)  # kept, as an index would keep it
                documents += 1
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    gc.enable()
    return elapsed, cpu, len(paths), documents


def timed(command: list[str], env: dict | None = None, peaks: list | None = None, cpus: list | None = None) -> float:
    """Wall seconds of one run; its own peak RSS (wait4, not the maximum over every child so
    far) is appended to `peaks`, its CPU seconds (with its worker processes) to `cpus`."""
    seconds, usage, _ = run_usage(command, env=env)
    if peaks is not None:
        peaks.append(usage.ru_maxrss / 1024)
    if cpus is not None:
        cpus.append(usage.ru_utime + usage.ru_stime)
    return seconds


def check_command(root: str, extra: list[str]) -> list[str]:
    return ["netpol-lsp", "check", "--format", "json", "--fail-on", "never", *extra, root]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", choices=["monorepo", "findings"], default="monorepo",
                        help="generate the corpus with this generate_corpus.py profile when it is missing")
    parser.add_argument("--files", type=int, default=10000, help="the corpus size when it is generated")
    parser.add_argument("--check-args", default="", help="extra arguments for check, e.g. --no-cache")
    parser.add_argument("--compose-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compose_child:
        print(json.dumps(compose_here(args.corpus)))
        return 0
    if not os.path.isdir(args.corpus):
        from pathlib import Path

        ensure_corpus(Path(args.corpus), args.files, 1, args.profile)
    extra = args.check_args.split()
    warm_env = {"XDG_CACHE_HOME": tempfile.mkdtemp(prefix="np-bench-cache-")}  # added to the environment
    timed(check_command(args.corpus, extra), warm_env)  # fills the cache
    composes, colds, warms, starts, cold_peaks, warm_peaks = [], [], [], [], [], []
    compose_cpus, cold_cpus, ratios = [], [], []
    for _ in range(args.repeat):
        seconds, cpu, files, documents = compose_only(args.corpus)
        composes.append(seconds)
        compose_cpus.append(cpu)
        colds.append(timed(check_command(args.corpus, ["--no-cache", *extra]), peaks=cold_peaks, cpus=cold_cpus))
        ratios.append(colds[-1] / seconds)  # each cold check beside the compose just before it
        warms.append(timed(check_command(args.corpus, extra), warm_env, peaks=warm_peaks))
        starts.append(timed(["netpol-lsp", "--version"]))
    compose, cold, warm = statistics.median(composes), statistics.median(colds), statistics.median(warms)
    rounded = lambda values: [round(v, 2) for v in values]  # noqa: E731
    print(f"corpus: {files} files, {documents} documents, {usable_cores()} usable cores")
    print(f"libyaml compose alone (1 core, gc paused): median {compose:.2f} s  {rounded(composes)}"
          f"   CPU {statistics.median(compose_cpus):.2f} s")
    print(f"netpol-lsp check, cold (--no-cache):       median {cold:.2f} s  {rounded(colds)}"
          f"   CPU {statistics.median(cold_cpus):.2f} s (with its worker)")
    print(f"netpol-lsp check, warm (unchanged files):  median {warm:.2f} s  {rounded(warms)}")
    print(f"netpol-lsp --version:                      median {statistics.median(starts) * 1000:.0f} ms")
    print(f"ratio cold check / compose: {cold / compose:.2f}   (target <= 2.0, issue 17); "
          f"per pair run one after the other: {rounded(ratios)}")
    print(f"ratio warm / cold:          {warm / cold:.2f}   (target <= 0.20)")
    print(f"peak memory (max RSS of the main process), cold: {max(cold_peaks):.0f} MB, warm: {max(warm_peaks):.0f} MB"
          "   (target <= 400)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
