"""Connectivity against git HEAD in the editor: the lens above a policy a change goes through,
its hover, and the whole diff through workspace/executeCommand. The workspace is the
hand-checked one of tests/test_diff.py, committed to a fresh repository."""
from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient
from test_diff import BASE, CASES

from .helpers import TIMEOUT, open_file, start

ADDED_PEER = CASES["added-peer"][0]["db-ingress.yaml"]


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, env=env,
                   check=True, capture_output=True)


def repository(root: Path) -> Path:
    root.mkdir()
    for name, text in BASE.items():
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return root


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def lenses(client: LanguageClient, uri: str) -> list[tuple[int, str, str]]:
    found = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    return [(lens.range.start.line, lens.command.title, lens.command.command) for lens in found]


async def diff_lenses_until(client: LanguageClient, uri: str, condition) -> list:
    """The `vs ...` lenses, asked again until condition holds (the diff follows the diagnostics)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        found = [lens for lens in await lenses(client, uri) if lens[1].startswith("vs ")]
        if condition(found):
            return found
        if loop.time() > deadline:
            raise AssertionError(f"diff lenses never became right: {found}")
        await asyncio.sleep(0.1)


async def whole_diff(client: LanguageClient) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(command="netpol-lsp.diff"))


async def test_lens_hover_and_whole_diff_against_head(client: LanguageClient, tmp_path):
    root = repository(tmp_path / "repo")
    await start(client, root)
    uri = open_file(client, root / "db-ingress.yaml")
    # an edit in the buffer, not saved: probe (namespace team=tools) may now reach db on 5432
    change(client, uri, 2, ADDED_PEER)
    found = await diff_lenses_until(client, uri, lambda f: f)
    assert found == [(0, "vs HEAD: +1 connection", "netpol-lsp.showDiff")]
    # the other policies' files have no diff lens: nothing goes through them
    api = open_file(client, root / "api-policy.yaml")
    assert [lens for lens in await lenses(client, api) if lens[1].startswith("vs ")] == []

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=2)))
    text = hover.contents.value
    assert "**Connectivity vs HEAD (" in text and "**: +1 connection" in text
    assert "- `+` tools/probe[Deployment] → shop/db[StatefulSet]: TCP 5432" in text.splitlines()

    result = await whole_diff(client)
    assert result["available"] is True and result["summary"] == {"added": 1, "removed": 0, "changed": 0}
    assert result["changes"] == [{"src": "tools/probe[Deployment]", "dst": "shop/db[StatefulSet]", "change": "added",
                                  "old": "No Connections", "new": "TCP 5432", "added": "TCP 5432",
                                  "removed": "No Connections", "policies": ["shop/db-ingress"]}]
    assert "| + added | `tools/probe[Deployment]` | `shop/db[StatefulSet]` | — | TCP 5432 | `shop/db-ingress` |" \
        in result["markdown"].splitlines()

    # back to the committed text: no difference, no lens
    change(client, uri, 3, BASE["db-ingress.yaml"])
    assert await diff_lenses_until(client, uri, lambda f: not f) == []
    assert (await whole_diff(client))["summary"] == {"added": 0, "removed": 0, "changed": 0}


async def test_removed_connections_and_another_base(client: LanguageClient, tmp_path):
    root = repository(tmp_path / "repo")
    (root / "db-ingress.yaml").write_text(ADDED_PEER)
    git(root, "commit", "-qam", "probe may reach db")
    # against the first commit, the file on disk (probe allowed) adds a pair; the buffer that
    # takes the api peer away removes another one
    await start(client, root, {"debounceMs": 20, "diffBase": "HEAD~1"})
    uri = open_file(client, root / "db-ingress.yaml")
    change(client, uri, 2, ADDED_PEER.replace("        - podSelector: {matchLabels: {app: api}}\n", ""))
    found = await diff_lenses_until(client, uri, lambda f: f and "-" in f[0][1])
    assert found == [(0, "vs HEAD~1: +1 connection, -1", "netpol-lsp.showDiff")]


async def test_outside_a_repository_and_turned_off(client: LanguageClient, tmp_path):
    root = tmp_path / "plain"
    root.mkdir()
    for name, text in BASE.items():
        (root / name).write_text(text)
    await start(client, root)
    uri = open_file(client, root / "db-ingress.yaml")
    result = await whole_diff(client)
    assert result["available"] is False and result["reason"] == f"{root} is not in a git repository"
    assert [lens for lens in await lenses(client, uri) if lens[1].startswith("vs ")] == []
    # diffBase "" turns the comparison off
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"netpol-lsp": {"diffBase": ""}}))
    result = await whole_diff(client)
    assert result["available"] is False and result["reason"] == "diffBase is off"
