#!/usr/bin/env python3
"""didChange -> publishDiagnostics latency of `netpol-lsp serve` on a 2,000-line file.

    python benchmarks/lsp_latency.py [CORPUS] [--edits 100] [--file big/app-bundle.yaml]
                                     [--debounce-ms 0] [--profile]

CORPUS defaults to /tmp/np-corpus, generated with
`python benchmarks/generate_corpus.py CORPUS --files 10000` when missing. The server runs as a
real process over stdio (pygls's client), with the debounce disabled through the
initializationOption debounceMs (0). After the workspace is indexed, each edit alternately
inserts and removes a comment line at the top of the file (so every diagnostic moves and is
republished), and the time from sending didChange to receiving publishDiagnostics for that
version is recorded (or, when the edit leaves that file's diagnostics unchanged and nothing is
published for it, until the server answers a textDocument/diagnostic pull for it, which it does
once that version is analysed). Prints p50/p95/max, then with --profile the medians of the server's
per-edit job (lsp/scheduler.compute after a full analysis: parse the buffer, analyse
incrementally) and the top 25 functions (cProfile, cumulative) of one edit, measured in this
process on the same workspace.

Not run by the test suite; numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import subprocess
import os
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent


def ensure_corpus(corpus: Path, files: int, profile: str = "monorepo") -> None:
    if (corpus / "big" / "app-bundle.yaml").is_file():
        return
    if corpus.is_dir() and any(corpus.iterdir()):
        return  # a workspace of its own (examples/, a repository): measured as it is, never written into
    print(f"generating {corpus} ({files} files, profile {profile})...", file=sys.stderr)
    subprocess.run([sys.executable, str(HERE / "generate_corpus.py"), str(corpus), "--files", str(files),
                    "--profile", profile], check=True, stdout=subprocess.DEVNULL)


# --- the edits people make (issue 17), each a change and its undo --------------------------

def _documents(lines: list[str]):
    """(kind, first line, end line) of every document of a multi-document YAML file."""
    start, kind = 0, None
    for i, line in enumerate(lines + ["---"]):
        if line.startswith("---") or i == len(lines):
            yield kind, start, i
            start, kind = i + 1, None
        elif line.startswith("kind: "):
            kind = line[6:].strip()


def _line_after(lines, start, end, *path) -> int | None:
    """The first line below the nested keys `path` (each found after the previous one)."""
    i = start
    for key in path:
        while i < end and lines[i].strip() not in (key, "- " + key):
            i += 1
        if i >= end:
            return None
        i += 1
    return i if i < end else None


def _changed_value(text: str, kind: str, path: tuple) -> str:
    lines = text.split("\n")
    for doc_kind, start, end in _documents(lines):
        if doc_kind == kind:
            i = _line_after(lines, start, end, *path)
            if i is not None and ": " in lines[i]:
                lines[i] += "x"  # a typo; the undo restores it
                return "\n".join(lines)
    raise SystemExit(f"no {kind} with {'/'.join(path)} in the edited file")


def _changed_port(text: str) -> str:
    lines = text.split("\n")
    for doc_kind, start, end in _documents(lines):
        if doc_kind == "NetworkPolicy":
            for i in range(start, end):
                head, _, value = lines[i].rpartition("port: ")
                if head.strip() in ("", "-") and value.isdigit():
                    lines[i] = head + "port: " + str(int(value) + 1)
                    return "\n".join(lines)
    raise SystemExit("no numeric port in a NetworkPolicy of the edited file")


PASTED = """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: pasted-allow-monitoring
  namespace: {namespace}
spec:
  podSelector:
    matchLabels:
      tier: backend
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
    ports:
    - protocol: TCP
      port: 9102
"""


def _pasted(text: str) -> str:
    namespace = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                      if line.strip().startswith("namespace: ")), "default")
    return text + ("" if text.endswith("\n") else "\n") + PASTED.format(namespace=namespace)


EDIT_KINDS = {
    "selector value in a policy": lambda t: _changed_value(t, "NetworkPolicy", ("spec:", "podSelector:", "matchLabels:")),
    "template label in a workload": lambda t: _changed_value(t, "Deployment", ("template:", "metadata:", "labels:")),
    "port of a rule": _changed_port,
    "policy pasted": _pasted,
    "comment": lambda t: "# benchmark edit\n" + t,
}


def line_change(old: str, new: str) -> types.TextDocumentContentChangePartial:
    """The smallest whole-line replacement that turns old into new."""
    a, b = old.split("\n"), new.split("\n")
    top = 0
    while top < min(len(a), len(b)) and a[top] == b[top]:
        top += 1
    bottom = 0
    while bottom < min(len(a), len(b)) - top and a[-1 - bottom] == b[-1 - bottom]:
        bottom += 1
    replaced = "".join(line + "\n" for line in b[top:len(b) - bottom])
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=top, character=0),
                          end=types.Position(line=len(a) - bottom, character=0)), text=replaced)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def measure(corpus: Path, target: Path, edits: int, debounce_ms: int, env: dict | None = None,
                  kinds: list[str] | None = None, pause_ms: int = 0, diff_base: str | None = None) -> dict:
    client = LanguageClient("netpol-lsp-bench", "1")
    published: dict[str, list] = {}
    arrivals: asyncio.Queue = asyncio.Queue()
    progress_done = asyncio.Event()
    progress: dict[str, str] = {}  # token -> the last kind: each cluster indexes with its own

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams):
        published[params.uri] = params.diagnostics
        arrivals.put_nowait((time.perf_counter(), params.uri, params.version, len(params.diagnostics)))

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def on_create(params):
        return None

    @client.feature(types.PROGRESS)
    def on_progress(params: types.ProgressParams):
        value = params.value if isinstance(params.value, dict) else {}
        progress[str(params.token)] = value.get("kind", "")
        if value.get("kind") == "end" and all(kind == "end" for kind in progress.values()):
            progress_done.set()

    await client.start_io(sys.executable, "-m", "netpol_lsp", "serve", "--stdio", env=env)
    uri = target.as_uri()
    started = time.perf_counter()
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=corpus.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=corpus.as_uri(), name=corpus.name)],
        initialization_options={"debounceMs": debounce_ms,
                                **({} if diff_base is None else {"diffBase": diff_base})}))
    client.initialized(types.InitializedParams())
    text = target.read_text()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=text)))
    first = None
    # the opened file comes first (single-file rules), before indexing ends; a file with nothing
    # to say gets no publish: then the answer to a pull (given once it is analysed) says when
    pulled = asyncio.ensure_future(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri))))
    while first is None:
        getter = asyncio.ensure_future(arrivals.get())
        done, _ = await asyncio.wait({getter, pulled}, timeout=900, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            when, got_uri, _version, _count = getter.result()
            if got_uri == uri:
                first = when - started
        else:
            getter.cancel()
            first = time.perf_counter() - started
    await pulled
    await asyncio.wait_for(progress_done.wait(), timeout=900)
    indexed = time.perf_counter() - started
    # the analysis of the whole workspace after indexing: a pull is answered once it is done
    await asyncio.wait_for(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri))), timeout=1800)
    # the full analysis after indexing: wait until the queue is quiet (5 s), and keep the
    # time of the last diagnostics that arrived, not of the end of the wait
    ready = indexed
    while True:
        try:
            when, *_ = await asyncio.wait_for(arrivals.get(), timeout=5.0)
            ready = when - started
        except asyncio.TimeoutError:
            break
    files_with_diagnostics = sum(1 for d in published.values() if d)
    memory = {"indexed": server_memory(client._server.pid)}

    latencies: dict[str, list[float]] = {}
    others: dict[str, list[float]] = {}  # the last other file's diagnostics after each edit
    current = text
    version = 1
    for kind, make in (EDIT_KINDS.items() if kinds is None else [(k, EDIT_KINDS[k]) for k in kinds]):
        original = current
        try:
            make(original)
        except SystemExit as why:  # this file has nothing to edit that way (--file)
            print(f"skipped '{kind}': {why}", file=sys.stderr)
            continue
        for n in range(edits):
            new_text = make(original) if n % 2 == 0 else original  # the change, then its undo
            change = line_change(current, new_text)
            current = new_text
            version += 1
            if pause_ms:  # a typist's pause: the server's work after diagnostics (the diff lens) runs now
                await asyncio.sleep(pause_ms / 1000)
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change]))
            # an edit that leaves the file's diagnostics as they were publishes nothing for it:
            # then the answer to a pull request (given once that version is analysed) ends the wait
            pulled = asyncio.ensure_future(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri))))
            last_other = None
            while True:
                getter = asyncio.ensure_future(arrivals.get())
                done, _ = await asyncio.wait({getter, pulled}, timeout=900, return_when=asyncio.FIRST_COMPLETED)
                if not done:
                    raise TimeoutError(f"no diagnostics for version {version} ({kind})")
                if getter in done:
                    when, got_uri, got_version, _count = getter.result()
                    if got_uri == uri and got_version == version:
                        latencies.setdefault(kind, []).append(when - sent)
                        break
                    if got_uri != uri:
                        last_other = when - sent
                else:
                    getter.cancel()
                if pulled in done and getter not in done:
                    latencies.setdefault(kind, []).append(time.perf_counter() - sent)
                    break
            if not pulled.done():
                await pulled
            while True:  # the other files this edit reaches: until 0.5 s pass without any
                try:
                    when, got_uri, _v, _c = await asyncio.wait_for(arrivals.get(), timeout=0.5)
                    if got_uri != uri:
                        last_other = when - sent
                except asyncio.TimeoutError:
                    break
            if last_other is not None:
                others.setdefault(kind, []).append(last_other)
    memory["edited"] = server_memory(client._server.pid)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"first": first, "indexed": indexed, "ready": ready, "latencies": latencies, "others": others,
            "files_with_diagnostics": files_with_diagnostics, "memory": memory}


def server_memory(pid: int) -> tuple[float, float]:
    """(resident, peak resident) MB of the server process now, from /proc (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return (float("nan"), float("nan"))
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def profile(corpus: Path, target: Path, edits: int = 20) -> str:
    """The server's per-edit job (lsp/scheduler.compute, then the diagnostics of the files it
    analysed again), on the same workspace, in this process: timed over `edits` edits after a
    full analysis, then one of them under cProfile."""
    import gc

    from netpol_lsp.config import find_config, load_config
    from netpol_lsp.loader import load_paths, source_from_text
    from netpol_lsp.lsp.diagnostics import group
    from netpol_lsp.lsp.scheduler import compute
    from netpol_lsp.lsp.state import ServerState

    config = load_config(find_config(corpus))
    loaded = load_paths([str(corpus)], config)
    state = ServerState(config)
    state.workspace = loaded.workspace
    text = target.read_text()
    uri = target.as_uri()
    state.open_document(uri, text, 1)
    started = time.perf_counter()
    result = compute(state.snapshot())
    state.adopt(result.parsed)
    full = time.perf_counter() - started
    gc.freeze()  # as the server does once the workspace is indexed

    def edit(version: int):
        state.change_document(uri, ("# benchmark edit\n" if version % 2 == 0 else "") + text, version)
        t0 = time.perf_counter()
        snapshot = state.snapshot()
        t1 = time.perf_counter()
        new = compute(snapshot, result)
        t2 = time.perf_counter()
        changed = new.changed_since(result)
        group((f for path in changed or () for f in new.findings_of(path)), state.uri_for)
        t3 = time.perf_counter()
        state.adopt(new.parsed)
        return new, (t1 - t0, t2 - t1, t3 - t2)

    timings = []
    for version in range(2, edits + 2):
        result, times = edit(version)
        timings.append(times)
    parses = []
    for _ in range(edits):  # the share of the parse: the same buffer parsed alone
        t0 = time.perf_counter()
        source_from_text(str(target), text, config)
        parses.append(time.perf_counter() - t0)
    profiler = cProfile.Profile()
    profiler.enable()
    result, _ = edit(edits + 2)
    profiler.disable()
    snapshot_ms, compute_ms, diagnostics_ms = (statistics.median(t[i] for t in timings) * 1000 for i in range(3))
    stream = io.StringIO()
    stream.write(f"full analysis after indexing: {full * 1000:.0f} ms ({len(result.findings)} findings). Per edit, "
                 f"medians over {edits} edits, in process: snapshot (dict copy of {len(state.workspace.files)} "
                 f"files) {snapshot_ms:.1f} ms; compute (parse {target.name} + incremental analysis of "
                 f"{len(result.analysis.rechecked or ())} files) {compute_ms:.1f} ms, of which the parse alone "
                 f"{statistics.median(parses) * 1000:.1f} ms; diagnostics of those files {diagnostics_ms:.1f} ms\n\n")
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
    return stream.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="/tmp/np-corpus")
    parser.add_argument("--files", type=int, default=10000, help="corpus size when it must be generated")
    parser.add_argument("--file", default="big/app-bundle.yaml", help="the edited file, relative to the corpus")
    parser.add_argument("--edits", type=int, default=30, help="edits of each kind (a change, its undo, ...)")
    parser.add_argument("--corpus-profile", default="monorepo", choices=["monorepo", "findings"],
                        help="generate_corpus.py's profile, when the corpus must be generated")
    parser.add_argument("--debounce-ms", type=int, default=0)
    parser.add_argument("--pause-ms", type=int, default=0,
                        help="wait this long before each edit (lets the work after diagnostics run)")
    parser.add_argument("--diff-base", default=None,
                        help="the diffBase setting (\"\" turns the connectivity diff off; default HEAD)")
    parser.add_argument("--profile", action="store_true", help="also time the per-edit job in process, and profile one")
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    ensure_corpus(corpus, args.files, args.corpus_profile)
    target = corpus / args.file
    lines = target.read_text().count("\n")
    print(f"workspace: {corpus} ({sum(1 for _ in corpus.rglob('*.yaml'))} yaml files); edited: {args.file} "
          f"({lines} lines); debounce {args.debounce_ms} ms")
    # a cold start (an empty cache folder), then a warm one on the cache the first one wrote
    cache_env = dict(os.environ, XDG_CACHE_HOME=tempfile.mkdtemp(prefix="np-lsp-cache-"))
    cache_env.pop("NETPOL_LSP_NO_CACHE", None)
    for start in ("cold", "warm"):
        result = asyncio.run(measure(corpus, target, args.edits if start == "warm" else 2, args.debounce_ms,
                                     cache_env, kinds=None if start == "warm" else ["comment"],
                                     pause_ms=args.pause_ms if start == "warm" else 0, diff_base=args.diff_base))
        memory = result["memory"]
        print(f"{start} start: opened file's first diagnostics {result['first']:.2f} s after initialize; "
              f"indexing done {result['indexed']:.1f} s; workspace diagnostics published "
              f"({result['files_with_diagnostics']} files) {result['ready']:.1f} s; server RSS after indexing "
              f"{memory['indexed'][0]:.0f} MB (peak {memory['indexed'][1]:.0f} MB)")
    print(f"\n| edit ({args.edits} each, {corpus.name}) | p50 ms | p95 ms | max ms | "
          "other files: edits reaching them | their last diagnostics p50 / max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, values in result["latencies"].items():
        ms = [x * 1000 for x in values]
        other = [x * 1000 for x in result["others"].get(kind, [])]
        tail = f"{len(other)} | {statistics.median(other):.0f} / {max(other):.0f}" if other else "0 | -"
        print(f"| {kind} | {statistics.median(ms):.0f} | {percentile(ms, 0.95):.0f} | {max(ms):.0f} | {tail} |")
    print(f"\nserver RSS after the edits {memory['edited'][0]:.0f} MB (peak {memory['edited'][1]:.0f} MB)")
    if args.profile:
        print()
        print(profile(corpus, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
