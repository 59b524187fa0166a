#!/usr/bin/env python3
"""didChange -> publishDiagnostics latency of `netpol-lsp serve`, per kind of edit (issue 17).

    python benchmarks/lsp_latency.py [CORPUS] [--edits 30] [--file big/app-bundle.yaml]
                                     [--corpus-profile monorepo|findings] [--debounce-ms 0]
                                     [--warm-only] [--fresh] [--profile [--profile-kind KIND]] [--in-process-only]

CORPUS defaults to /tmp/np-corpus, generated with `generate_corpus.py CORPUS --files 10000
--profile P` when missing. The server runs as a real process over stdio (pygls's client), with
the debounce disabled through the initializationOption debounceMs (0). After the workspace is
indexed, `--edits` edits of each kind (EDIT_KINDS: a selector value in a policy, a template
label in a workload, a rule's port, a policy pasted, a comment; each a change and its undo in
turn) are sent, and the time from didChange to publishDiagnostics for that version of the file
is recorded (or, when the edit leaves that file's diagnostics unchanged and nothing is
published for it, until the server answers a textDocument/diagnostic pull for it, which it does
once that version is analysed), with the last diagnostics of the other files the edit reaches.
Prints a table (p50/p95/max, the other files', the server's RSS); with --profile, the per-edit
job timed in this process for every kind and one edit under cProfile (see profile()).

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


def ensure_corpus(corpus: Path, files: int, profile: str = "monorepo") -> bool:
    """Generates the corpus when it is missing; True when it did (its profile is then known)."""
    if (corpus / "big" / "app-bundle.yaml").is_file():
        return False
    if corpus.is_dir() and any(corpus.iterdir()):
        return False  # a workspace of its own (examples/, a repository): measured as it is, never written into
    print(f"generating {corpus} ({files} files, profile {profile})...", file=sys.stderr)
    subprocess.run([sys.executable, str(HERE / "generate_corpus.py"), str(corpus), "--files", str(files),
                    "--profile", profile], check=True, stdout=subprocess.DEVNULL)
    return True


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


# --fresh: each change is one the server has not seen (a number in it), so no memo of an earlier
# version (parse.ChunkMemo keeps the last two: an undo is found where it was) answers it
_FRESH: list = [None]


def _mark() -> str:
    return "" if _FRESH[0] is None else str(_FRESH[0])


def _changed_value(text: str, kind: str, path: tuple) -> str:
    lines = text.split("\n")
    for doc_kind, start, end in _documents(lines):
        if doc_kind == kind:
            i = _line_after(lines, start, end, *path)
            if i is not None and ": " in lines[i]:
                lines[i] += "x" + _mark()  # a typo; the undo restores it
                return "\n".join(lines)
    raise SystemExit(f"no {kind} with {'/'.join(path)} in the edited file")


def _changed_port(text: str) -> str:
    lines = text.split("\n")
    for doc_kind, start, end in _documents(lines):
        if doc_kind == "NetworkPolicy":
            for i in range(start, end):
                head, _, value = lines[i].rpartition("port: ")
                if head.strip() in ("", "-") and value.isdigit():
                    lines[i] = head + "port: " + str(int(value) + 1 + (_FRESH[0] or 0) % 1000)
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
    pasted = PASTED.format(namespace=namespace).replace("pasted-allow-monitoring", "pasted-allow-monitoring" + _mark())
    return text + ("" if text.endswith("\n") else "\n") + pasted


EDIT_KINDS = {
    "selector value in a policy": lambda t: _changed_value(t, "NetworkPolicy", ("spec:", "podSelector:", "matchLabels:")),
    "template label in a workload": lambda t: _changed_value(t, "Deployment", ("template:", "metadata:", "labels:")),
    "port of a rule": _changed_port,
    "policy pasted": _pasted,
    "comment": lambda t: f"# benchmark edit{_mark()}\n" + t,
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
                  kinds: list[str] | None = None, pause_ms: int = 0, diff_base: str | None = None,
                  fresh: bool = False) -> dict:
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
            _FRESH[0] = n if fresh else None
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


def table(result: dict, title: str) -> str:
    """The per-kind table: the edited file's p50/p95/max, the other files' (the last of them
    after each edit that reached any) p50/p95/max, and the server's RSS."""
    lines = [f"\n| edit ({title}) | p50 ms | p95 ms | max ms | edits reaching other files | "
             "other files' last diagnostics p50 / p95 / max ms |", "|---|---:|---:|---:|---:|---:|"]
    for kind, values in result["latencies"].items():
        ms = [x * 1000 for x in values]
        other = [x * 1000 for x in result["others"].get(kind, [])]
        tail = (f"{len(other)} | {statistics.median(other):.0f} / {percentile(other, 0.95):.0f} / {max(other):.0f}"
                if other else "0 | -")
        lines.append(f"| {kind} | {statistics.median(ms):.0f} | {percentile(ms, 0.95):.0f} | {max(ms):.0f} | {tail} |")
    memory = result["memory"]
    lines.append(f"\nserver RSS after indexing {memory['indexed'][0]:.0f} MB, after the edits "
                 f"{memory['edited'][0]:.0f} MB (peak {memory['edited'][1]:.0f} MB)")
    return "\n".join(lines)


def server_memory(pid: int) -> tuple[float, float]:
    """(resident, peak resident) MB of the server process now, from /proc (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return (float("nan"), float("nan"))
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def profile(corpus: Path, target: Path, edits: int = 20, profiled: str = "comment") -> str:
    """The server's per-edit job (lsp/scheduler.compute: parse the buffer, analyse
    incrementally), driven in this process through ServerState as the server drives it, after a
    full analysis: wall and CPU medians over `edits` edits of every kind, then the `profiled`
    kind's third edit under cProfile (the machine's other load shows in wall time, less in CPU)."""
    import gc

    from netpol_lsp.config import find_config, load_config
    from netpol_lsp.loader import load_paths
    from netpol_lsp.lsp.diagnostics import group
    from netpol_lsp.lsp.scheduler import compute
    from netpol_lsp.lsp.state import ServerState

    config = load_config(find_config(corpus))
    loaded = load_paths([str(corpus)], config)
    state = ServerState(config)
    state.add_indexed(loaded.workspace.files.values())  # as the indexer does: into the journaled table
    text = target.read_text()
    uri = target.as_uri()
    state.open_document(uri, text, 1)
    started = time.perf_counter()
    result = compute(state.snapshot())
    state.adopt(result.parsed)
    full = time.perf_counter() - started
    gc.freeze()  # as the server does once the workspace is indexed
    stream = io.StringIO()
    stream.write(f"in process: full analysis after indexing {full * 1000:.0f} ms ({len(result.findings)} findings); "
                 f"per edit (compute, then the diagnostics of the files it re-checked), medians over {edits}:\n\n"
                 "| edit | wall ms | CPU ms | files re-checked |\n|---|---:|---:|---:|\n")
    version = 1
    stats = None
    for kind, make in EDIT_KINDS.items():
        try:
            make(text)
        except SystemExit:
            continue
        walls, cpus, rechecked = [], [], []
        for n in range(edits):
            version += 1
            state.change_document(uri, make(text) if n % 2 == 0 else text, version)
            profiler = cProfile.Profile() if kind == profiled and n == 2 else None
            w0, c0 = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            new = compute(state.snapshot(), result)
            changed = new.changed_since(result)
            group((f for path in changed or () for f in new.findings_of(path)), state.uri_for)
            if profiler:
                profiler.disable()
                stats = profiler
            walls.append((time.perf_counter() - w0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
            rechecked.append(len(new.analysis.rechecked) if new.analysis.rechecked is not None else -1)
            state.adopt(new.parsed)
            result = new
        stream.write(f"| {kind} | {statistics.median(walls):.1f} | {statistics.median(cpus):.1f} | "
                     f"{statistics.median(rechecked):.0f} |\n")
    if stats is not None:
        stream.write(f"\ncProfile of one '{profiled}' edit:\n")
        pstats.Stats(stats, stream=stream).sort_stats("cumulative").print_stats(30)
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
    parser.add_argument("--profile-kind", default="comment", choices=list(EDIT_KINDS), help="the edit --profile profiles")
    parser.add_argument("--in-process-only", action="store_true", help="only the in-process timing (--profile), no server")
    parser.add_argument("--warm-only", action="store_true", help="skip the cold start (its cache is written first)")
    parser.add_argument("--fresh", action="store_true",
                        help="every change new (a number in it): no earlier version's parse answers it; the undo "
                             "still restores the original text")
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    generated = ensure_corpus(corpus, args.files, args.corpus_profile)
    target = corpus / args.file
    lines = target.read_text().count("\n")
    print(f"workspace: {corpus} ({sum(1 for _ in corpus.rglob('*.yaml'))} yaml files); edited: {args.file} "
          f"({lines} lines); debounce {args.debounce_ms} ms")
    if args.in_process_only:
        print(profile(corpus, target, min(args.edits, 20), args.profile_kind))
        return 0
    # a cold start (an empty cache folder), then a warm one on the cache the first one wrote
    cache_env = dict(os.environ, XDG_CACHE_HOME=tempfile.mkdtemp(prefix="np-lsp-cache-"))
    cache_env.pop("NETPOL_LSP_NO_CACHE", None)
    for start in ("cold", "warm"):
        if start == "cold" and args.warm_only:  # the cache still has to be written: quietly, no edits
            asyncio.run(measure(corpus, target, 0, args.debounce_ms, cache_env, kinds=["comment"]))
            continue
        result = asyncio.run(measure(corpus, target, args.edits if start == "warm" else 2, args.debounce_ms,
                                     cache_env, kinds=None if start == "warm" else ["comment"],
                                     pause_ms=args.pause_ms if start == "warm" else 0, diff_base=args.diff_base,
                                     fresh=args.fresh))
        memory = result["memory"]
        print(f"{start} start: opened file's first diagnostics {result['first']:.2f} s after initialize; "
              f"indexing done {result['indexed']:.1f} s; workspace diagnostics published "
              f"({result['files_with_diagnostics']} files) {result['ready']:.1f} s; server RSS after indexing "
              f"{memory['indexed'][0]:.0f} MB (peak {memory['indexed'][1]:.0f} MB)")
    print(table(result, f"{args.edits} each, {corpus.name}, " + (f"profile {args.corpus_profile}, " if generated else "")
                + args.file + (", fresh changes" if args.fresh else "")))
    if args.profile:
        print()
        print(profile(corpus, target, min(args.edits, 20), args.profile_kind))
    return 0


if __name__ == "__main__":
    sys.exit(main())
