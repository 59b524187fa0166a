#!/usr/bin/env python3
"""How the rules scale with the policies of ONE namespace (issue 17: NP070 used to compare all
pairs of a namespace's rules).

    python benchmarks/bench_big_namespace.py [--sizes 500,1000,2000,5000] [--repeat 3]
    PYTHONPATH=/path/to/other/checkout/server python benchmarks/bench_big_namespace.py  # another version

One file holds a namespace of N NetworkPolicies and N/2 Deployments, written the way teams write
them (deterministic): each app's policy selects it by matchLabels or an In expression and lets
in two or three callers (matchLabels, a broad `team Exists, env In (prod, staging)`
namespaceSelector, an ipBlock), on numeric and named ports; every tenth policy repeats an
earlier one's rule with fewer ports (NP070 finds it), six select every pod. Parsed once; then,
in this process with the collector paused, NP070 alone and every default rule are timed (CPU seconds of
this process, median of --repeat) and the exponent b of time = a * N^b is fitted over the sizes.
"""
from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import sys
import time

from netpol_lsp.analysis.run import analyze
from netpol_lsp.config import Config
from netpol_lsp.workspace import Workspace

BROAD = ("namespaceSelector: {matchExpressions: [{key: team, operator: Exists}, "
         "{key: env, operator: In, values: [prod, staging]}]}")


def namespace_text(policies: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    apps = [f"svc-{i}" for i in range(max(2, policies // 2))]
    docs = []
    for app in apps:
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {app}, namespace: big}}
spec:
  template:
    metadata: {{labels: {{app: {app}, tier: {rng.choice(['backend', 'frontend'])}}}}}
    spec:
      containers: [{{name: main, image: 'registry/{app}:1', ports: [{{name: http, containerPort: 8080}}]}}]""")
    rules_of: list[str] = []
    for i in range(policies):
        app = apps[i % len(apps)]
        if i % 97 == 0 and i < 500:  # a handful of namespace-wide policies, whatever N
            selector = "{}"
        elif rng.random() < 0.7:
            selector = f"{{matchLabels: {{app: {app}}}}}"
        else:
            selector = f"{{matchExpressions: [{{key: app, operator: In, values: [{app}]}}]}}"
        if i % 10 == 9 and rules_of:
            rules = [rng.choice(rules_of).replace(", {port: 9090}", "")]  # a narrower copy
        else:
            rules = []
            for _ in range(rng.randint(1, 3)):
                caller = rng.choice(apps)
                peer = rng.choice([f"podSelector: {{matchLabels: {{app: {caller}}}}}",
                                   f"{BROAD}\n      podSelector: {{matchLabels: {{tier: backend}}}}",
                                   f"ipBlock: {{cidr: 10.{rng.randrange(256)}.0.0/16}}"])
                ports = rng.choice(["[{port: 8080}, {port: 9090}]", "[{port: http}]", "[{port: 8080}]"])
                rules.append(f"  - from:\n    - {peer}\n    ports: {ports}")
            rules_of.extend(rules)
        docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p{i}, namespace: big}}
spec:
  podSelector: {selector}
  policyTypes: [Ingress]
  ingress:
""" + "\n".join(rules))
    return "\n---\n".join(docs) + "\n"


def timed(workspace: Workspace, select: list[str], repeat: int) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        workspace._changed()  # a fresh index and resolver each time
        workspace.index
        gc.disable()
        start = time.process_time()  # CPU time of this process: the machine may be shared
        found = len(analyze(workspace, select))
        times.append(time.process_time() - start)
        gc.enable()
    return statistics.median(times), found


def exponent(ns: list[int], ys: list[float]) -> float:
    lx, ly = [math.log(n) for n in ns], [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,1000,2000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    rows = []
    print("| policies in one namespace | NP070 alone s | NP070 findings | every default rule s |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        workspace = Workspace(Config())
        workspace.set_text("/bench/big.yaml", namespace_text(n))
        np070, found = timed(workspace, ["NP070"], args.repeat)
        every, _ = timed(workspace, [], args.repeat)
        rows.append((n, np070, every))
        print(f"| {n} | {np070:.3f} | {found} | {every:.3f} |", flush=True)
    if len(rows) >= 2:
        print(f"\nexponent (time ~ N^b): NP070 {exponent(sizes, [r[1] for r in rows]):.2f}, "
              f"every rule {exponent(sizes, [r[2] for r in rows]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
