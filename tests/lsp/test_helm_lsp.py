"""The language server renders Helm charts too (render/helm.py): a template's diagnostics are
those of what helm made of it, a save in the chart renders it again, and a chart that cannot be
rendered is one NP096 on its Chart.yaml (tests/test_helm.py, on the server's state). `helm` is a
stand-in printing tests/data/helm's output."""
from __future__ import annotations

import shutil
import stat
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import codes, open_file, start, wait_diagnostics

DATA = Path(__file__).resolve().parent.parent / "data" / "helm"


def chart_with_helm(root: Path, rendered: str) -> Path:
    """The chart in root/ws (the workspace folder); helm and what it prints outside it."""
    shutil.copytree(DATA / "web", root / "ws" / "web")
    output = root / "rendered.txt"
    output.write_text(rendered)
    helm = root / "bin" / "helm"
    helm.parent.mkdir()
    helm.write_text(f"#!/bin/sh\ncat {output}\n")
    helm.chmod(helm.stat().st_mode | stat.S_IXUSR)
    (root / "ws" / ".netpol-lsp.yaml").write_text(f"helm: {{path: {helm}}}\n")
    return output


async def test_a_template_shows_the_findings_of_its_rendered_output(client: LanguageClient, tmp_path):
    rendered = (DATA / "web-rendered.yaml").read_text()
    output = chart_with_helm(tmp_path, rendered)
    workspace = tmp_path / "ws"
    await start(client, workspace)
    uri = open_file(client, workspace / "web" / "templates" / "networkpolicy.yaml")

    diagnostics = await wait_diagnostics(client, uri, lambda d: "NP001" in codes(d))
    assert codes(diagnostics) == ["NP001"], [(d.code, d.range, d.message) for d in diagnostics]
    assert (diagnostics[0].range.start.line, diagnostics[0].range.start.character) == (5, 2)  # `podSelector`

    # the typo fixed in values.yaml: saved, the chart is rendered again and the finding goes
    output.write_text(rendered.replace("app.kubernetes.io/name: webb", "app.kubernetes.io/name: web"))
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=(workspace / "web" / "values.yaml").as_uri())))
    assert await wait_diagnostics(client, uri, lambda d: d == []) == []

    # a helper changed on disk (the client watches *.tpl): rendered again, the finding is back
    output.write_text(rendered)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[types.FileEvent(
        uri=(workspace / "web" / "templates" / "_helpers.tpl").as_uri(), type=types.FileChangeType.Changed)]))
    assert codes(await wait_diagnostics(client, uri, lambda d: "NP001" in codes(d))) == ["NP001"]
