#!/usr/bin/env python3
"""netpol-lsp beside yaml-language-server (editing) and checkov (CI), on the same inputs.

    python benchmarks/side_by_side.py [--corpus /tmp/np-sbs] [--files 1000] [--edits 20]
        [--repeats 3] [--tools DIR] [--yls PATH] [--checkov PATH] [--yls-all-documents]

1. Editing: yaml-language-server and `netpol-lsp serve` are driven by the same LSP client over
   stdio (pygls), with CORPUS as the workspace, on CORPUS/big/app-bundle.yaml (2,000 lines):
   didOpen -> first publishDiagnostics, then --edits didChange edits (a comment line inserted
   and removed at the top, as lsp_latency.py does) -> publishDiagnostics, median. netpol-lsp
   runs with debounceMs 0; yaml-language-server validates the NetworkPolicy documents against
   the bundled schemas/networkpolicy.schema.json (every document with --yls-all-documents;
   offline: schema store and CRD store disabled) and always waits 200 ms before validating,
   which is reported apart.
2. CI: `checkov -d CORPUS --framework kubernetes` (offline flags) against
   `netpol-lsp check CORPUS --format json` (cold: an empty cache folder for every run),
   alternated, medians over --repeats, with each one's peak RSS.

yaml-language-server is looked for at --yls, then DIR/node_modules/.bin under --tools, then on
PATH; checkov at --checkov, then on PATH. A tool that is missing is reported with how to install
it and skipped (exit 0). Run by hand, never by the test suite; numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from _common import (HERE, NETPOL_LSP, ensure_corpus, fmt_seconds, netpol_lsp_version, run_check, run_measured,
                     speed_ratio)

SCHEMA = (HERE.parent / "schemas" / "networkpolicy.schema.json").resolve()
YLS_DELAY = 0.2  # yaml-language-server's validationDelayMs: fixed, no setting changes it
YLS_INSTALL = "npm install --prefix /tmp/yls yaml-language-server, then --tools /tmp/yls"
CHECKOV_INSTALL = ("python3 -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov, "
                   "then --checkov /tmp/checkov-venv/bin/checkov")
# checkov without the network: no platform metadata download, no PyPI version check.
CHECKOV_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE"}


async def edit_latency(cmd: list[str], root: Path, target: Path, edits: int, sections: dict,
                       init_options: dict | None = None, env: dict | None = None) -> dict:
    """didOpen and didChange -> publishDiagnostics of one server, driven like an editor would;
    sections answer the server's workspace/configuration requests."""
    client = LanguageClient("netpol-lsp-side-by-side", "1")
    arrivals: asyncio.Queue = asyncio.Queue()
    configured = asyncio.Event()
    in_progress: set = set()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams):
        arrivals.put_nowait((time.perf_counter(), params.uri, params.version, len(params.diagnostics)))

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def on_configuration(params: types.ConfigurationParams):
        configured.set()
        return [sections.get(item.section) for item in params.items]

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def on_create(params):
        return None

    @client.feature(types.PROGRESS)
    def on_progress(params: types.ProgressParams):
        kind = params.value.get("kind") if isinstance(params.value, dict) else None
        if kind == "begin":
            in_progress.add(params.token)
        elif kind == "end":
            in_progress.discard(params.token)

    async def diagnostics_for(uri: str, version: int | None, sent: float) -> tuple[float, int]:
        while True:
            when, got_uri, got_version, count = await asyncio.wait_for(arrivals.get(), timeout=300)
            # yaml-language-server publishes without a version; netpol-lsp with one
            if got_uri == uri and got_version in (None, version):
                return when - sent, count

    await client.start_io(*cmd, env={**os.environ, **(env or {})})
    result = await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(configuration=True),
            window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=root.as_uri(), workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=init_options))
    client.initialized(types.InitializedParams())
    # Both servers pull their settings after `initialized`: open only once they have them, so
    # the first validation already uses the schema / the debounce setting.
    await asyncio.wait_for(configured.wait(), timeout=30)
    uri, text = target.as_uri(), target.read_text()
    sent = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=text)))
    first, _ = await diagnostics_for(uri, 1, sent)
    # Let indexing (netpol-lsp's workspace scan) and any re-validation after settings finish.
    while True:
        try:
            await asyncio.wait_for(arrivals.get(), timeout=2.0)
        except asyncio.TimeoutError:
            if not in_progress:
                break

    latencies, count, line = [], 0, "# benchmark edit\n"
    for n in range(edits):
        version = n + 2
        end = types.Position(line=n % 2, character=0)  # even: insert the line; odd: remove it
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=0, character=0), end=end), text="" if n % 2 else line)
        while not arrivals.empty():
            arrivals.get_nowait()  # stale publications must not count for this edit
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))
        latency, count = await diagnostics_for(uri, version, sent)
        latencies.append(latency)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    info = result.server_info
    return {"server": f"{info.name} {info.version}" if info else cmd[0], "first": first,
            "median": statistics.median(latencies), "edits": len(latencies), "diagnostics": count}


def find_yls(args) -> str | None:
    candidates = [args.yls] if args.yls else []
    if args.tools:
        candidates.append(str(Path(args.tools) / "node_modules" / ".bin" / "yaml-language-server"))
    candidates.append("yaml-language-server")
    found = next((path for c in candidates if (path := shutil.which(c))), None)
    return found if found and shutil.which("node") else None  # the .bin script runs under node


def yls_settings(schema_uri: str) -> dict:
    return {"yaml": {
        "validate": True,
        "schemas": {schema_uri: ["*.yaml", "*.yml"]},
        "schemaStore": {"enable": False},        # would download the schemastore.org catalog
        "kubernetesCRDStore": {"enable": False},  # would download CRD schemas
        "hover": False, "completion": False, "format": {"enable": False},
    }}


def networkpolicy_only_schema(folder: Path) -> str:
    """A schema applying the bundled one to NetworkPolicy documents only, as netpol-lsp's NP060
    does: associated directly, every Deployment and Service of the file fails it."""
    path = folder / "networkpolicy-documents.schema.json"
    path.write_text(json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "if": {"properties": {"kind": {"const": "NetworkPolicy"}}, "required": ["kind"]},
        "then": {"$ref": SCHEMA.as_uri()}}))
    return path.as_uri()


def editing(args, corpus: Path) -> None:
    target = corpus / "big" / "app-bundle.yaml"
    lines = target.read_text().count("\n")
    print(f"\n== Editing: {target} ({lines} lines), workspace {corpus}, {args.edits} edits ==")
    print("Both servers driven by the same client: didOpen -> first publishDiagnostics, then "
          "didChange -> publishDiagnostics (median).")
    no_debounce = {"debounceMs": 0}  # like lsp_latency.py: time the analysis, not the pause
    with tempfile.TemporaryDirectory() as cache:  # cold: no warm-start cache from earlier runs
        ours = asyncio.run(edit_latency([*NETPOL_LSP, "serve", "--stdio"], corpus, target, args.edits,
                                        {"netpol-lsp": no_debounce}, no_debounce, {"XDG_CACHE_HOME": cache}))
    print(f"{ours['server']} (debounceMs 0): didOpen {fmt_seconds(ours['first'])}, didChange median "
          f"{fmt_seconds(ours['median'])} ({ours['diagnostics']} diagnostics)")
    yls = find_yls(args)
    if not yls:
        print(f"yaml-language-server: not installed (how to install: {YLS_INSTALL})")
        return
    with tempfile.TemporaryDirectory() as folder:
        schema = SCHEMA.as_uri() if args.yls_all_documents else networkpolicy_only_schema(Path(folder))
        theirs = asyncio.run(edit_latency([yls, "--stdio"], corpus, target, args.edits, yls_settings(schema)))
    applied = "every document" if args.yls_all_documents else "NetworkPolicy documents"
    work = theirs["median"] - YLS_DELAY
    print(f"{theirs['server']} ({SCHEMA.name} on {applied}): didOpen {fmt_seconds(theirs['first'])}, didChange median "
          f"{fmt_seconds(theirs['median'])}, both including its fixed {YLS_DELAY * 1000:.0f} ms validation delay "
          f"({theirs['diagnostics']} diagnostics)")
    print("as the editor sees it: " + speed_ratio("yaml-language-server", theirs["median"], ours["median"]))
    print("work only (its delay subtracted): " + speed_ratio("yaml-language-server", work, ours["median"]))


def ci(args, corpus: Path) -> None:
    print(f"\n== CI: {args.files} files under {corpus}, median of {args.repeats} ==")
    ours = [*NETPOL_LSP, "check", str(corpus), "--format", "json"]
    print(f"netpol-lsp: $ {' '.join(ours)}  (each run with an empty XDG_CACHE_HOME: cold)")
    checkov = shutil.which(args.checkov or "checkov")
    if checkov:
        version = subprocess.run([checkov, "--version"], capture_output=True, text=True,
                                 env={**os.environ, **CHECKOV_ENV}).stdout
        name = f"checkov {version.strip()}"
        # --soft-fail: exit 0 with failed checks, so a non-zero exit is a real error; --quiet
        # leaves the passed checks out of the JSON (netpol-lsp reports only findings, too)
        theirs = [checkov, "-d", str(corpus), "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
                  "--skip-download", "--soft-fail"]
        print(f"{name}: $ {' '.join([*(f'{k}={v}' for k, v in CHECKOV_ENV.items()), *theirs])}")
    else:
        print(f"checkov: not installed (how to install: {CHECKOV_INSTALL})")
    runs: dict[str, list] = {"netpol-lsp": []}
    for _ in range(args.repeats):  # alternated, so that load drifts hit both alike
        seconds, rss, found = run_check(corpus)
        runs["netpol-lsp"].append((seconds, rss, f"{found['documents']} documents, {found['findings']} findings"))
        if checkov:
            seconds, rss, out = run_measured(theirs, env=CHECKOV_ENV)
            runs.setdefault(name, []).append((seconds, rss, checkov_summary(out)))
    medians = {}
    for tool, results in runs.items():
        medians[tool] = statistics.median(seconds for seconds, _, _ in results)
        rss = statistics.median(rss for _, rss, _ in results) / 2**20
        print(f"{tool}: median {fmt_seconds(medians[tool])} ({', '.join(f'{s:.2f}' for s, _, _ in results)} s), "
              f"peak RSS {rss:.0f} MB, {results[-1][2]}")
    if checkov:
        print(speed_ratio("checkov", medians[name], medians["netpol-lsp"]))


def checkov_summary(output: str) -> str:
    """What checkov found, to show it did the work."""
    data = json.loads(output)
    if isinstance(data, list):  # a list when it ran more than one framework
        data = data[0]
    found = data["summary"]
    return f"{found['resource_count']} resources, {found['failed']} failed / {found['passed']} passed checks"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/np-sbs"), help="generated when missing")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--profile", choices=["monorepo", "findings"], default="monorepo",
                        help="generate_corpus.py's profile when the corpus is generated")
    parser.add_argument("--edits", type=int, default=20, help="didChange edits per language server")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each CI tool")
    parser.add_argument("--tools", help="folder holding node_modules/.bin/yaml-language-server")
    parser.add_argument("--yls", help="path of the yaml-language-server executable")
    parser.add_argument("--checkov", help="path of the checkov executable")
    parser.add_argument("--yls-all-documents", action="store_true",
                        help="apply the NetworkPolicy schema to every document, not only NetworkPolicies")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    ensure_corpus(corpus, args.files, 1, args.profile)
    print(f"netpol-lsp {netpol_lsp_version()}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}")
    editing(args, corpus)
    ci(args, corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
