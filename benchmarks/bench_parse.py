"""The parse-path candidates, side by side on the same files, in one run.

    python benchmarks/bench_parse.py /tmp/np-corpus [--repeat 3] [--ruamel-rt-files 500]

Every candidate reads the same texts (already in memory), one core, the garbage collector
paused, and keeps what it builds (as an index would). Printed: median seconds, ratio to
PyYAML's libyaml composer, and the memory the kept results take (tracemalloc would slow the
parsers; the resident-set growth of a fresh child process is measured instead).

- ruamel round-trip: ruamel.yaml's default loader (comments, positions, round trip); slow, so
  timed on --ruamel-rt-files files and scaled to the corpus;
- ruamel C compose: ruamel.yaml's safe loader composing with its C parser;
- PyYAML libyaml compose: yaml.compose_all with CSafeLoader (the issue's baseline);
- netpol events: our event builder alone (the path anything unusual takes);
- netpol fast whole: CParser without PyYAML's resolver, every node ours (editor buffers);
- netpol fast lean: the same, only the branches model/reads.py names (check, the index);
- rapidyaml raw parse: ryml.parse_in_arena, no Python objects, no positions (when installed);
- json.loads: the same documents as JSON text, for scale.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import yaml

CANDIDATES = ["ruamel round-trip", "ruamel C compose", "PyYAML libyaml compose", "netpol events",
              "netpol fast whole", "netpol fast lean", "rapidyaml raw parse", "json.loads"]


def manifest_texts(root: str) -> list[str]:
    paths = sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files
                   if f.endswith((".yaml", ".yml", ".json")))
    return [open(p, encoding="utf-8").read() for p in paths]


def run_candidate(name: str, texts: list[str]) -> list:
    """Parses every text with one candidate and returns what it keeps."""
    if name == "ruamel round-trip":
        from ruamel.yaml import YAML
        loader = YAML()
        return [list(loader.load_all(t)) for t in texts]
    if name == "ruamel C compose":
        from ruamel.yaml import YAML
        loader = YAML(typ="safe")
        return [list(loader.compose_all(t)) for t in texts]
    if name == "PyYAML libyaml compose":
        return [list(yaml.compose_all(t, Loader=yaml.CSafeLoader)) for t in texts]
    if name.startswith("netpol"):
        from netpol_lsp.manifests import compose, parse
        from netpol_lsp.model.reads import object_trie
        if name == "netpol events":
            compose.suitable = lambda chunk: False
        keep = object_trie if name.endswith("lean") else True
        return [parse.parse_text(t, keep=keep) for t in texts]
    if name == "rapidyaml raw parse":
        import ryml
        return [ryml.parse_in_arena(t.encode()) for t in texts]
    if name == "json.loads":
        jsons = [json.dumps(list(yaml.load_all(t, Loader=yaml.CSafeLoader)), default=str) for t in texts]
        start = time.perf_counter()
        kept = [json.loads(j) for j in jsons]
        return [time.perf_counter() - start, kept]  # conversion to JSON is not timed
    raise ValueError(name)


def child(name: str, corpus: str, limit: int) -> None:
    """One measurement in a fresh process: prints seconds and kept megabytes as JSON."""
    texts = manifest_texts(corpus)
    scale = 1.0
    if limit and len(texts) > limit:
        scale, texts = len(texts) / limit, texts[:limit]
    gc.disable()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    kept = run_candidate(name, texts)
    seconds = time.perf_counter() - start
    if name == "json.loads":
        seconds = kept[0]
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps({"seconds": seconds * scale, "mb": grown * scale, "scaled": scale != 1.0}))


def available(name: str) -> bool:
    module = {"rapidyaml raw parse": "ryml", "ruamel round-trip": "ruamel.yaml", "ruamel C compose": "ruamel.yaml"}
    try:
        __import__(module.get(name, "yaml"))
        return True
    except ImportError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ruamel-rt-files", type=int, default=500,
                        help="files the round-trip loader reads (scaled to the corpus)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.corpus, args.limit)
        return 0
    results: dict[str, list[dict]] = {name: [] for name in CANDIDATES if available(name)}
    for _ in range(args.repeat):  # interleaved: a slow minute of the machine hits every candidate
        for name in results:
            limit = args.ruamel_rt_files if name == "ruamel round-trip" else 0
            out = subprocess.run([sys.executable, __file__, args.corpus, "--child", name, "--limit", str(limit)],
                                 capture_output=True, text=True, check=True).stdout
            results[name].append(json.loads(out))
    base = statistics.median(r["seconds"] for r in results["PyYAML libyaml compose"])
    print(f"{'candidate':26} {'median s':>9} {'x libyaml':>9} {'kept MB':>8}")
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        mb = statistics.median(r["mb"] for r in runs)
        note = "  (scaled from a sample)" if runs[0]["scaled"] else ""
        print(f"{name:26} {seconds:9.2f} {seconds / base:9.2f} {mb:8.0f}{note}")
    for name in CANDIDATES:
        if name not in results:
            print(f"{name:26} not installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
