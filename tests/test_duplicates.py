"""Two definitions of one object in a repository without kustomizations (a manifest and a
pre-rendered bundle of it, tests/data/duplicates): identical ones are analysed once, different
ones are NP071 at both places. Expected values worked out by hand from the fixture."""
from __future__ import annotations

import json
from pathlib import Path

from netpol_lsp.analysis.incremental import analyze_workspace
from netpol_lsp.cli import main
from netpol_lsp.lsp.lens import lens_title
from netpol_lsp.model import NetworkPolicy
from netpol_lsp.rules.base import RuleContext
from netpol_lsp.workspace import Workspace

DATA = Path(__file__).parent / "data" / "duplicates"
SOURCE, BUNDLE = "app/db.yaml", "bundle/install.yaml"


def files(port: int = 5432) -> dict[str, str]:
    texts = {name: (DATA / name).read_text() for name in (SOURCE, BUNDLE)}
    texts[BUNDLE] = texts[BUNDLE].replace("- port: 5432", f"- port: {port}")
    return texts


def workspace_of(texts: dict[str, str]) -> Workspace:
    workspace = Workspace()
    for path, text in texts.items():
        workspace.set_text(path, text)
    return workspace


def test_an_identical_bundle_copy_is_analysed_once(capsys):
    # without the merge, the bundle's policy is NP070 "redundant" against its source, and each
    # policy selects two StatefulSets shop/db
    code = main(["check", "--no-cache", "--format", "json", str(DATA)])
    assert code == 0 and json.loads(capsys.readouterr().out)["findings"] == []
    workspace = workspace_of(files())
    ctx = RuleContext(workspace)
    assert [w.path for w in workspace.index.workloads if w.name == "db"] == [SOURCE]  # the first in file order
    for path in (SOURCE, BUNDLE):
        policy = next(o for o in workspace.files[path].objects if isinstance(o, NetworkPolicy))
        assert [(w.kind, w.name) for w in ctx.resolver.selected(policy)] == [("StatefulSet", "db")]
        assert lens_title(ctx, policy).startswith("selects 1 workload")


def test_a_different_copy_is_reported_at_both_places():
    workspace = workspace_of(files(port=5433))
    found = [(f.rule, f.path, f.span.start_line) for f in analyze_workspace(workspace).findings()]
    # the two NetworkPolicy shop/db differ (port 5432 and 5433); the StatefulSets are the same
    assert found == [("NP071", SOURCE, 13), ("NP071", BUNDLE, 18)]


def test_editing_one_copy_incrementally_gives_what_a_fresh_analysis_gives():
    workspace = workspace_of(files())
    analysis = analyze_workspace(workspace)
    assert analysis.findings() == []
    for port, expected in ((5433, 2), (5432, 0)):
        after = Workspace(workspace.config)
        after.files = dict(workspace.files)
        after.set_text(BUNDLE, files(port)[BUNDLE])
        analysis = analyze_workspace(after, (), analysis)
        fresh = workspace_of(dict(zip(after.files, (s.text for s in after.files.values()))))
        assert analysis.findings() == analyze_workspace(fresh).findings()
        assert [f.rule for f in analysis.findings()] == ["NP071"] * expected
        workspace = after
