#!/usr/bin/env python3
"""Time "did you mean" (NP001 and NP002 with their suggestions) on a namespace full of typos.

    python benchmarks/bench_suggest.py [--workloads 200 400 1000] [--repeat 3]

For each size W it writes, in a temporary folder, one namespace of W Deployments (five labels
each, one of them unique) and 2W policies whose peer selects a label one typo (or a prefix)
away from an existing one: 2W unmatched peers, each asking for a suggestion. It prints the CPU
time of the analysis with only NP001 and NP002 selected (best and median of --repeat runs): the
suggestions dominate it, and it should grow linearly with the findings, not with findings times
workloads (issue 17: difflib over every label of every workload for each finding).

Not run by the test suite; numbers are for the closing notes, never for asserts.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "server"))

from netpol_lsp.analysis.run import analyze  # noqa: E402
from netpol_lsp.config import Config  # noqa: E402
from netpol_lsp.loader import load_paths  # noqa: E402


def write_workspace(folder: str, workloads: int) -> None:
    rng = random.Random(1)
    docs = []
    for i in range(workloads):
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: svc-{i}, namespace: big}}
spec:
  template:
    metadata:
      labels: {{app: service-{i}, tier: t{i % 7}, team: team-{i % 13}, version: v{i % 3}, app.kubernetes.io/part-of: platform}}
    spec:
      containers: [{{name: c, image: example/svc:{i}}}]
""")
    with open(os.path.join(folder, "workloads.yaml"), "w", encoding="utf-8") as out:
        out.write("---\n".join(docs))
    docs = []
    for i in range(2 * workloads):
        target = f"service-{rng.randrange(workloads)}"
        wrong = target[:-1] + "x" + target[-1:] if i % 2 else "svc-" + target  # a typo, or no typo at all
        docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p-{i}, namespace: big}}
spec:
  podSelector: {{matchLabels: {{app: service-{i % workloads}}}}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {{matchLabels: {{app: {wrong}}}}}
""")
    with open(os.path.join(folder, "policies.yaml"), "w", encoding="utf-8") as out:
        out.write("---\n".join(docs))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", type=int, nargs="+", default=[200, 400, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    for size in args.workloads:
        with tempfile.TemporaryDirectory(prefix="netpol-bench-suggest-") as folder:
            write_workspace(folder, size)
            workspace = load_paths([folder], Config(), jobs=1).workspace
            times = []
            for _ in range(args.repeat):
                workspace._index = None  # a fresh index and resolution each run
                start = time.process_time()
                found = analyze(workspace, select=["NP001", "NP002"])
                times.append(time.process_time() - start)
            times.sort()
            suggested = sum("did you mean" in f.message for f in found)
            print(f"{size} workloads, {len(found)} findings ({suggested} with a suggestion): "
                  f"best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
