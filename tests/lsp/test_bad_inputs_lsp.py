"""tests/bad_inputs/ through the server: the same findings as `check`, and the server lives on.

Two ways in, as in an editor: every file opened with the text an editor would show (binary,
invalid UTF-8 and UTF-16 files decoded the way an editor decodes them), and every file read
from disk by the workspace indexing, with the file-system oddities of the check-side test
(symlink loop, symlink out of the workspace, FIFO, a folder named *.yaml, a 50 MiB file).
The reference is `check --format json` on a folder holding exactly what the server saw.
"""
from __future__ import annotations

import asyncio
import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import TIMEOUT, open_file, start, wait_for

CORPUS = Path(__file__).parents[1] / "bad_inputs"
SEVERITY = {types.DiagnosticSeverity.Error: "error", types.DiagnosticSeverity.Warning: "warning",
            types.DiagnosticSeverity.Information: "info", types.DiagnosticSeverity.Hint: "hint"}
GOOD = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: still-analysed\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: still-analysed}\n"
        "spec:\n  podSelector: {matchLabels: {app: nothing}}\n  policyTypes: [Ingress]\n")


def editor_text(data: bytes) -> str:
    """What an editor shows for these bytes: UTF-16 by its BOM, else UTF-8 with U+FFFD for bad bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig", errors="replace")


def check_summary(folder: Path) -> dict[str, list]:
    proc = subprocess.run([sys.executable, "-m", "netpol_lsp", "check", "--format", "json", "--fail-on", "never",
                           str(folder)], capture_output=True, text=True, timeout=60)  # a hang guard, not a timing
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    out: dict[str, list] = {}
    for f in json.loads(proc.stdout)["findings"]:
        name = os.path.relpath(f["path"], folder)
        out.setdefault(name, []).append((f["rule"], f["severity"], f["range"]["start"]["line"]))
    return {name: sorted(found) for name, found in out.items()}


def server_summary(client: LanguageClient, folder: Path) -> dict[str, list]:
    out = {}
    for uri, diagnostics in client.diagnostics.items():
        if not diagnostics:
            continue
        name = os.path.relpath(uri[len("file://"):], folder)
        out[name] = sorted((str(d.code), SEVERITY[d.severity], d.range.start.line + 1) for d in diagnostics)
    return out


async def agree_with_check(client: LanguageClient, folder: Path, expected: dict) -> None:
    """Waits for the server's diagnostics to settle on check's, then compares them (with a diff)."""
    try:
        await wait_for(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                       lambda: server_summary(client, folder) == expected, timeout=30)
    except AssertionError:
        pass
    assert server_summary(client, folder) == expected


async def hover_works(client: LanguageClient, path: Path) -> None:
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=types.Position(line=6, character=2))),
        TIMEOUT)
    assert result is not None and "NetworkPolicy still-analysed/p" in result.contents.value


def copy_corpus(folder: Path) -> None:
    folder.mkdir()
    for path in CORPUS.iterdir():
        if path.name != "expected.json":
            (folder / path.name).write_bytes(path.read_bytes())
    (folder / "good.yaml").write_text(GOOD)


async def test_corpus_opened_in_the_editor(client: LanguageClient, tmp_path):
    ws = tmp_path / "ws"
    copy_corpus(ws)  # on disk: the original bytes; the buffers win over them
    seen = tmp_path / "seen"  # what the server is shown, written as UTF-8: check's input
    seen.mkdir()
    texts = {path.name: editor_text(path.read_bytes()) for path in sorted(ws.iterdir())}
    for name, text in texts.items():
        (seen / name).write_bytes(text.encode("utf-8"))
    expected = check_summary(seen)
    assert expected["nul-bytes.yaml"] == [("NP091", "info", 1)]  # still binary when decoded
    assert "invalid-utf8.yaml" not in expected  # U+FFFD is valid text: nothing to say
    assert expected["good.yaml"] == [("NP001", "info", 10)]  # no workloads there: what it could not check

    await start(client, ws)
    for version, (name, text) in enumerate(texts.items(), start=1):
        open_file(client, ws / name, version=version, text=text)
    await agree_with_check(client, ws, expected)
    await hover_works(client, ws / "good.yaml")
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]


async def test_corpus_read_from_disk_by_indexing(client: LanguageClient, tmp_path):
    ws = tmp_path / "ws"
    copy_corpus(ws)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(GOOD.replace("still-analysed", "leaked"))
    (outside / "dir").mkdir()
    (outside / "dir" / "inner.yaml").write_text(GOOD.replace("still-analysed", "leaked-dir"))
    os.symlink("loop-b.yaml", ws / "loop-a.yaml")
    os.symlink("loop-a.yaml", ws / "loop-b.yaml")
    os.symlink(outside / "secret.yaml", ws / "escape.yaml")
    os.symlink(outside / "dir", ws / "escape-dir")
    os.mkfifo(ws / "pipe.yaml")
    (ws / "folder.yaml").mkdir()
    (ws / "folder.yaml" / "inner.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: inner}\n")
    (ws / "huge.yaml").write_bytes(b"# padding\n" * (7 * 1024 * 1024))  # 70 MiB, past the 64 MiB limit
    unreadable = ws / "unreadable.yaml"
    unreadable.write_text(GOOD)
    unreadable.chmod(0)  # root reads it anyway: then it is just one more good file

    expected = check_summary(ws)
    assert expected["nul-bytes.yaml"] == [("NP091", "info", 1)]
    assert expected["invalid-utf8.yaml"] == [("NP090", "error", 4)]
    assert expected["huge.yaml"] == [("NP091", "info", 1)]
    assert expected["escape.yaml"] == [("NP091", "info", 1)]
    assert not any("escape-dir" in name for name in expected)

    await start(client, ws)  # nothing opened: every file comes from the indexing
    await agree_with_check(client, ws, expected)
    await hover_works(client, ws / "good.yaml")
    # what lies outside was never read: its namespace and its policy appear nowhere
    assert not any("leaked" in d.message for ds in client.diagnostics.values() for d in ds)
    assert all(uri.startswith(ws.as_uri() + "/") for uri in client.diagnostics)
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]



# Valid YAML: each separator is followed by a `#`, so what follows it is a comment again.
SEPARATED = ("apiVersion: networking.k8s.io/v1  # pasted from a web page:\u2028# a line separator\n"
             "kind: NetworkPolicy  # a next-line\x85# and a paragraph separator\u2029# in comments\n"
             "metadata: {name: p, namespace: still-analysed}\n"
             "spec:\n"
             "  podSelector: {matchLabels: {app: nothing}}\n"
             "  policyTypes: [Ingress]\n")
# Broken by one: YAML ends the comment at the separator, and ` the rest` is no key.
BROKEN_BY_SEPARATOR = "apiVersion: v1  # é😀\u2028 the rest\nkind: Namespace\nmetadata: {name: x}\n"


async def test_line_separators_in_the_text_do_not_shift_positions(client: LanguageClient, tmp_path):
    """YAML 1.1 (PyYAML, and Kubernetes' go-yaml) also ends lines at U+0085, U+2028 and U+2029;
    LSP and editors do not: positions count lines as the editor does, in check as in the server."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "namespace.yaml").write_text(GOOD.split("---")[0])
    (ws / "separated.yaml").write_text(SEPARATED, encoding="utf-8")
    (ws / "broken.yaml").write_text(BROKEN_BY_SEPARATOR, encoding="utf-8")
    report = subprocess.run([sys.executable, "-m", "netpol_lsp", "check", "--format", "json", "--fail-on", "never",
                             str(ws)], capture_output=True, text=True, timeout=60)
    found = {(Path(f["path"]).name, f["rule"]): (f["range"]["start"]["line"], f["range"]["start"]["column"])
             for f in json.loads(report.stdout)["findings"]}
    assert found[("separated.yaml", "NP001")] == (5, 3)  # `podSelector`, line 5 as an editor counts
    assert found[("broken.yaml", "NP090")] == (1, len("apiVersion: v1  # é😀\u2028 ".encode("utf-16-le")) // 2 + 1)

    await start(client, ws)
    for name in ("separated.yaml", "broken.yaml"):
        open_file(client, ws / name, text=(ws / name).read_text(encoding="utf-8"))
    await agree_with_check(client, ws, check_summary(ws))
    for (name, rule), (line, column) in found.items():
        [diagnostic] = [d for d in client.diagnostics[(ws / name).as_uri()] if d.code == rule]
        assert (diagnostic.range.start.line + 1, diagnostic.range.start.character + 1) == (line, column)
