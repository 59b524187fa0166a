"""Editing fuzz over a real server process: random keystrokes, the server keeps up and agrees with check.

For a few fixed seeds (deterministic, no hypothesis shrinking needed), the client opens files of
examples/three-tier-broken (salted with é, 😀 - a surrogate pair in UTF-16 - and CJK, and with
several documents joined by `---`), then sends 30-60 incremental edits: insertions and deletions
at random positions, some inside a surrogate pair, some across a `---` separator, with short
pauses so that analyses run on intermediate texts. Between edits it asks hover, documentSymbol
(when the server offers it) and pull diagnostics, each of which must be answered without error.
The client keeps its own copy of every text, applying each change in UTF-16 units as LSP defines
them; after the last edit, the server's diagnostics of every file must equal `check --format json`
on the final texts (rule, line, column, message).

The model counts positions as LSP does: lines end at \n (the only break typed here); a column
past the end of a line means its end (pygls used to eat the line break there); a position
between the two code units of a surrogate pair names no character boundary, which LSP leaves
open: here, as in pygls, it means the boundary after that character.
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import TIMEOUT, capabilities, check_report, start, wait_for

EXAMPLE = Path(__file__).parents[2] / "examples" / "three-tier-broken"
# more seeds for a longer hunt: NETPOL_LSP_FUZZ_SEEDS=1-200 (or 3,5,8)
_RANGE = os.environ.get("NETPOL_LSP_FUZZ_SEEDS", "")
SEEDS = (list(range(int(_RANGE.split("-")[0]), int(_RANGE.split("-")[1]) + 1)) if "-" in _RANGE
         else [int(s) for s in _RANGE.split(",") if s]) or [1, 7, 42, 2024, 31337, 8]

SNIPPETS = ["é", "😀", "日本語", "商店", "x", "\n", "---\n", "\n---\n", "app: web", "app: wéb", ": ", "  ", "- ",
            "{", "}", "[", "]", "'", '"', "#", "😀😀", "ñandú", "&a ", "*a", "!!python/object:os.system ",
            "port: 5432\n", "namespace: 商店\n", "  - Egress\n", "\t", "kind: Pod\n", "名前: 😀\n"]


# -- the client's own model of a document, in LSP's terms -----------------------------------

def units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def offset(text: str, line: int, character: int) -> int:
    """An LSP position (UTF-16 column) as an index into text. Past the last line: the end; past
    the end of a line: its end; inside a surrogate pair: after the character."""
    starts = line_starts(text)
    if line >= len(starts):
        return len(text)
    start = starts[line]
    end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
    counted, index = 0, start
    while index < end and counted < character:
        counted += units(text[index])
        index += 1
    return index


def position(text: str, index: int) -> types.Position:
    starts = line_starts(text)
    line = max(i for i, s in enumerate(starts) if s <= index)
    return types.Position(line=line, character=sum(units(c) for c in text[starts[line]:index]))


def apply(text: str, change: types.TextDocumentContentChangePartial) -> str:
    start = offset(text, change.range.start.line, change.range.start.character)
    end = offset(text, change.range.end.line, change.range.end.character)
    return text[:start] + change.text + text[max(start, end):]


def random_position(rng: random.Random, text: str) -> types.Position:
    """Any line, any UTF-16 column on it - now and then one inside a surrogate pair or next to
    a wide character, where mistakes in unit counting show."""
    wide = [i for i, c in enumerate(text) if ord(c) > 0x7F]
    if wide and rng.random() < 0.35:
        index = rng.choice(wide)
        pos = position(text, index)
        if units(text[index]) == 2 and rng.random() < 0.6:
            return types.Position(line=pos.line, character=pos.character + 1)  # between the two units
        return types.Position(line=pos.line, character=pos.character + rng.choice([0, 1]))
    starts = line_starts(text)
    line = rng.randrange(len(starts))
    end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
    width = sum(units(c) for c in text[starts[line]:end])
    return types.Position(line=line, character=rng.randint(0, width))


def random_change(rng: random.Random, text: str) -> types.TextDocumentContentChangePartial:
    kind = rng.random()
    separators = [m.start() for m in re.finditer("^---$", text, re.M)]
    if separators and kind < 0.15:  # a deletion across a document separator
        at = rng.choice(separators)
        start = position(text, max(0, at - rng.randint(1, 12)))
        end = position(text, min(len(text), at + 3 + rng.randint(1, 12)))
        return types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text="")
    start = random_position(rng, text)
    if kind < 0.55:  # an insertion
        return types.TextDocumentContentChangePartial(range=types.Range(start=start, end=start),
                                                      text=rng.choice(SNIPPETS))
    # a deletion (or a replacement), within the line or across a few lines
    if rng.random() < 0.6:
        end = types.Position(line=start.line, character=start.character + rng.randint(1, 8))
    else:
        end = types.Position(line=start.line + rng.randint(1, 3), character=rng.randint(0, 20))
    replacement = rng.choice(SNIPPETS) if kind > 0.85 else ""
    return types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=replacement)


# -- the workspace --------------------------------------------------------------------------

def salted_workspace(root: Path) -> None:
    """The broken three-tier example, with wide characters and multi-document files."""
    shutil.copytree(EXAMPLE, root)
    web = (root / "web.yaml").read_text()
    web = "# café 😀 日本語: the storefront\n" + web.replace(
        "metadata:\n  name: web\n", "metadata:\n  name: web\n  annotations:\n    note: \"crème brûlée 😀 商店\"\n", 1)
    (root / "web.yaml").write_text(web)
    # the API, its policies and the database policy in one file, as Helm output would be
    parts = [(root / name).read_text() for name in ("api.yaml", "api-allow-web.yaml", "api-egress.yaml")]
    for name in ("api.yaml", "api-allow-web.yaml", "api-egress.yaml"):
        (root / name).unlink()
    (root / "api-bundle.yaml").write_text("# 😀 API 接口\n" + "---\n".join(parts))
    policy = (root / "web-policy.yaml").read_text()
    (root / "web-policy.yaml").write_text(policy + "---\n# ünïcödé 😀😀 —\n" + (root / "db-policy.yaml").read_text())
    (root / "db-policy.yaml").unlink()


EDITED = ["web.yaml", "api-bundle.yaml", "web-policy.yaml", "namespace.yaml"]


def check_findings(folder: Path) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in check_report(folder)["findings"]:
        start = f["range"]["start"]
        out.setdefault(os.path.relpath(f["path"], folder), []).append(
            (f["rule"], start["line"], start["column"], f["message"].replace(str(folder), "<root>")))
    return {name: sorted(found) for name, found in out.items()}


def server_findings(client: LanguageClient, folder: Path) -> dict[str, list]:
    out = {}
    for uri, diagnostics in client.diagnostics.items():
        if diagnostics:
            out[os.path.relpath(uri[len("file://"):], folder)] = sorted(
                (str(d.code), d.range.start.line + 1, d.range.start.character + 1,
                 d.message.replace(str(folder), "<root>")) for d in diagnostics)
    return out


async def ask(client: LanguageClient, rng: random.Random, uri: str, text: str, symbols: bool) -> None:
    """One request between edits; it must be answered, and without an error."""
    what = rng.choice(["hover", "hover", "symbols", "pull"])
    where = random_position(rng, text)
    if what == "symbols" and symbols:
        request = client.text_document_document_symbol_async(types.DocumentSymbolParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    elif what == "pull":
        request = client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    else:
        request = client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=where))
    await asyncio.wait_for(request, TIMEOUT)


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_edits_end_where_check_does(client: LanguageClient, tmp_path, seed):
    rng = random.Random(seed)
    ws = tmp_path / "ws"
    salted_workspace(ws)
    caps = capabilities()
    caps.text_document.document_symbol = types.DocumentSymbolClientCapabilities(
        hierarchical_document_symbol_support=True)
    result = await start(client, ws, caps=caps)
    symbols = bool(result.capabilities.document_symbol_provider)

    texts = {name: (ws / name).read_text() for name in EDITED}
    versions = {name: 1 for name in EDITED}
    for name, text in texts.items():
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=(ws / name).as_uri(), language_id="yaml", version=1, text=text)))

    for _ in range(rng.randint(30, 60)):
        name = rng.choice(EDITED)
        change = random_change(rng, texts[name])
        texts[name] = apply(texts[name], change)
        versions[name] += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=(ws / name).as_uri(), version=versions[name]),
            content_changes=[change]))
        if rng.random() < 0.3:
            await ask(client, rng, (ws / name).as_uri(), texts[name], symbols)
        if rng.random() < 0.2:
            await asyncio.sleep(rng.choice([0.005, 0.03, 0.08]))  # let a debounced analysis start

    final = tmp_path / "final"
    shutil.copytree(ws, final)
    for name, text in texts.items():
        (final / name).write_text(text, encoding="utf-8")
    expected = check_findings(final)
    try:
        await wait_for(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                       lambda: server_findings(client, ws) == expected, timeout=TIMEOUT)
    except AssertionError:
        pass
    assert server_findings(client, ws) == expected, f"seed {seed}: final texts {texts!r}"
    for name, text in texts.items():  # and the server's copy of each text is the client's
        await ask(client, rng, (ws / name).as_uri(), text, symbols)
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error], client.log_messages


def test_changes_are_applied_as_lsp_counts_positions():
    """The server's own edit application (pygls's strays at line ends and odd line breaks)."""
    from netpol_lsp.lsp.positions import apply_change

    def change(l1, c1, l2, c2, text=""):
        return types.TextDocumentContentChangePartial(range=types.Range(
            start=types.Position(line=l1, character=c1), end=types.Position(line=l2, character=c2)), text=text)

    assert apply_change("abc\ndef\n", change(0, 1, 0, 4)) == "a\ndef\n"  # past the line's end: not its break
    assert apply_change("abc\ndef", change(1, 9, 1, 9, "!")) == "abc\ndef!"  # past the last line's end
    assert apply_change("abc\ndef\n", change(5, 0, 9, 9, "!")) == "abc\ndef\n!"  # past the last line
    assert apply_change("a\r\nb\rc\nd", change(2, 0, 2, 1, "C")) == "a\r\nb\rC\nd"  # \r\n and \r end lines
    assert apply_change("a\u2028b\x0cc\x85d\ne", change(1, 0, 1, 1, "E")) == "a\u2028b\x0cc\x85d\nE"  # these do not
    assert apply_change("x😀y", change(0, 2, 0, 2, "!")) == "x😀!y"  # inside the pair: after it
    assert apply_change("x😀y", change(0, 1, 0, 3)) == "xy"
    assert apply_change("abc", change(0, 2, 0, 1)) == "ac"  # a reversed range
    assert apply_change("", change(0, 0, 0, 0, "new")) == "new"
    assert apply_change("old", types.TextDocumentContentChangeWholeDocument(text="new")) == "new"
    for brk in ("\n", "\r\n", "\r"):  # far lines take another road: the same answers
        text = brk.join(f"l{i}é" for i in range(200))
        assert apply_change(text, change(100, 1, 101, 9, "X")) == text.replace(f"l100é{brk}l101é", "lX", 1)
        assert apply_change(text, change(199, 9, 300, 0, "!")) == text + "!"
        assert apply_change(text, change(300, 0, 300, 0, "!")) == text + "!"
