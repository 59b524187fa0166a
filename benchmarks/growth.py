#!/usr/bin/env python3
"""How `netpol-lsp check` time and peak memory grow with files and with NetworkPolicies.

    python benchmarks/growth.py [--sizes 1000,5000,10000,50000] [--factors 1,2,5,10]
                                [--policy-files 10000] [--repeats 3] [--work /tmp/np-growth]
    python benchmarks/growth.py --quick      # sizes 200,500,1000; factors 1,2 on 1000 files; 1 repeat
    python benchmarks/growth.py --profile findings --out benchmarks/growth-findings

Each point runs `netpol-lsp check CORPUS --format json` as a subprocess (exit 1, findings, is
fine; 2 is a failure) --repeats times, cold (an empty cache folder each time), and keeps the
median wall time and the median peak RSS.
Corpora come from generate_corpus.py and are cached under --work. Series 1: --sizes files;
series 2: --policy-files files with --policies-per-namespace-factor in --factors (only the
NetworkPolicies grow). For each series the exponent b of y = a * n^b is fitted by least
squares on log-log. Writes benchmarks/growth.png (two panels) and benchmarks/growth.md
(printed too). Needs numpy and matplotlib; run by hand, never by the test suite.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import textwrap
from pathlib import Path

import numpy as np

from _common import HERE, ensure_corpus, netpol_lsp_version, run_check


def measure(corpus: Path, repeats: int) -> tuple[float, float, list[float]]:
    """Median seconds, median peak RSS (MB) and all times of `check` on corpus."""
    runs = [run_check(corpus) for _ in range(repeats)]
    times = [seconds for seconds, _, _ in runs]
    return statistics.median(times), statistics.median(rss for _, rss, _ in runs) / 2**20, times


def fit(n: list[float], y: list[float]) -> tuple[float, float]:
    """(a, b) of y = a * n^b, least squares on log-log."""
    b, log_a = np.polyfit(np.log(n), np.log(y), 1)
    return float(np.exp(log_a)), float(b)


def plot(series: dict, fits: dict, path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullLocator

    plain = FuncFormatter(lambda v, _: f"{v:g}")  # 1.2 and 5000, not 1.2x10^0 and 5x10^3

    fig, panels = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, (key, xlabel) in zip(panels, [("files", "files"), ("policies", "NetworkPolicy documents")]):
        rows = series[key]
        if not rows:
            ax.set_visible(False)
            continue
        n = np.array([r["n"] for r in rows], dtype=float)
        grid = np.geomspace(n.min(), n.max(), 50)
        mem_ax = ax.twinx()  # seconds and MB on one panel need two y axes
        for axis, metric, unit, colour, marker in [(ax, "seconds", "time (s)", "tab:blue", "o"),
                                                   (mem_ax, "rss_mb", "peak RSS (MB)", "tab:red", "s")]:
            axis.loglog(n, [r[metric] for r in rows], marker, color=colour, label=unit)
            if key in fits:
                a, b = fits[key][metric]
                axis.loglog(grid, a * grid ** b, "-", color=colour, alpha=0.6, label=f"fit: {unit} ~ n^{b:.2f}")
            axis.set_ylabel(unit, color=colour)
            axis.yaxis.set_major_formatter(plain)
            axis.yaxis.set_minor_formatter(plain)
        ax.set_xlabel(xlabel)
        ax.set_xticks(n, [f"{x:g}" for x in n])  # the measured sizes themselves
        ax.xaxis.set_minor_locator(NullLocator())
        handles = ax.get_legend_handles_labels()[0] + mem_ax.get_legend_handles_labels()[0]
        ax.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize="small")
        ax.grid(True, which="both", alpha=0.3)
    panels[0].set_title("check vs files")
    panels[1].set_title("check vs NetworkPolicies (same files)")
    fig.suptitle(textwrap.fill(title, 130), fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def markdown(series: dict, fits: dict, header: str) -> str:
    lines = [header, "",
             "| series | files | documents | NetworkPolicies | median time (s) | runs (s) | peak RSS (MB) |",
             "|---|---:|---:|---:|---:|---|---:|"]
    for key in ("files", "policies"):
        for r in series[key]:
            name = f"files {r['files']}" if key == "files" else f"factor {r['factor']}"
            runs = ", ".join(f"{t:.2f}" for t in r["times"])
            lines.append(f"| {name} | {r['files']} | {r['documents']} | {r['networkpolicies']} | "
                         f"{r['seconds']:.2f} | {runs} | {r['rss_mb']:.0f} |")
    lines += ["", "Peak RSS is the largest single process (ru_maxrss from wait4), not a sum over worker processes.",
              "", "Growth exponent b of y = a * n^b (least squares on log-log):", "",
              "| n | time b | memory b |", "|---|---:|---:|"]
    for key, label in [("files", "files"), ("policies", "NetworkPolicy documents")]:
        if key in fits:
            lines.append(f"| {label} | {fits[key]['seconds'][1]:.2f} | {fits[key]['rss_mb'][1]:.2f} |")
    return "\n".join(lines) + "\n"


def int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int_list, default=[1000, 5000, 10000, 50000], help="file counts")
    parser.add_argument("--factors", type=int_list, default=[1, 2, 5, 10],
                        help="--policies-per-namespace-factor values, on --policy-files files")
    parser.add_argument("--policy-files", type=int, default=10000, help="corpus size of the policy series")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/np-growth"), help="corpus cache")
    parser.add_argument("--out", type=Path, default=HERE / "growth", help="writes OUT.png and OUT.md")
    parser.add_argument("--profile", choices=["monorepo", "findings"], default="monorepo",
                        help="generate_corpus.py's profile (findings: issue 17's many-findings repo)")
    parser.add_argument("--quick", action="store_true", help="sizes 200,500,1000; factors 1,2 on 1000 files; 1 repeat")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.factors, args.repeats, args.policy_files = [200, 500, 1000], [1, 2], 1, 1000
    args.work.mkdir(parents=True, exist_ok=True)

    measured: dict[tuple[int, int], dict] = {}  # (files, factor) -> row; the shared point runs once

    def point(files: int, factor: int) -> dict:
        if (files, factor) not in measured:
            suffix = "" if args.profile == "monorepo" else f"-{args.profile}"
            corpus = args.work / f"files-{files}-x{factor}{suffix}"
            stats = ensure_corpus(corpus, files, factor, args.profile)
            seconds, rss_mb, times = measure(corpus, args.repeats)
            print(f"files {files:>6} factor {factor:>2}: {stats['networkpolicies']:>6} policies, "
                  f"median {seconds:.2f} s, peak RSS {rss_mb:.0f} MB", file=sys.stderr, flush=True)
            measured[files, factor] = {**stats, "factor": factor, "seconds": seconds, "rss_mb": rss_mb,
                                       "times": times}
        return measured[files, factor]

    series = {"files": [{**point(n, 1), "n": n} for n in args.sizes]}
    series["policies"] = [{**(row := point(args.policy_files, f)), "n": row["networkpolicies"]}
                          for f in args.factors]
    fits = {key: {metric: fit([r["n"] for r in rows], [r[metric] for r in rows])
                  for metric in ("seconds", "rss_mb")}
            for key, rows in series.items() if len(rows) >= 2}  # a line needs two points

    # The fixed cost (interpreter and imports) flattens the exponents at small n: show it.
    empty = args.work / "empty"  # one Namespace: a folder with no object at all is a usage error (exit 2)
    empty.mkdir(exist_ok=True)
    (empty / "namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: empty\n")
    startup = measure(empty, args.repeats)[0]

    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    header = (f"netpol-lsp {netpol_lsp_version()} `check --format json` (cold){' --quick' if args.quick else ''}, "
              f"corpus profile {args.profile}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}, {when}; "
              f"median of {args.repeats} run(s); policy series on {args.policy_files} files; "
              f"start-up (check of a folder with one Namespace) {startup:.2f} s")
    table = markdown(series, fits, header)
    print(table)
    args.out.with_suffix(".md").write_text(table)
    plot(series, fits, args.out.with_suffix(".png"), header.replace("`", ""))
    print(f"wrote {args.out.with_suffix('.md')} and {args.out.with_suffix('.png')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
