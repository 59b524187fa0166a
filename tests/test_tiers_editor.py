"""The cluster tiers in the editor and the incremental analysis: hover, code lens, inlay hints, go
to definition and completion on a ClusterNetworkPolicy / AdminNetworkPolicy, NetworkPolicy hovers
that name the Admin rules overriding them, and edits that must give a full analysis's findings."""
from __future__ import annotations

from pathlib import Path

from netpol_lsp.analysis.incremental import analyze_workspace
from netpol_lsp.analysis.run import analyze
from netpol_lsp.lsp.completion import complete
from netpol_lsp.lsp.hover import hover_markdown
from netpol_lsp.lsp.inlay import inlay_hints
from netpol_lsp.lsp.lens import code_lenses
from netpol_lsp.lsp.navigation import definition
from netpol_lsp.rules.base import RuleContext
from netpol_lsp.workspace import Workspace

BASE = (Path(__file__).parent / "data" / "tiers" / "base.yaml").read_text(encoding="utf-8")

ADMIN = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: guard-gryffindor
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces:
      matchLabels:
        house: gryffindor
  ingress:
  - name: deny-slytherin
    action: Deny
    from:
    - namespaces:
        matchLabels:
          house: slytherin
  egress:
  - name: web-to-ravenclaw
    action: Accept
    to:
    - pods:
        namespaceSelector:
          matchLabels:
            house: ravenclaw
        podSelector: {}
    protocols:
    - destinationNamedPort: web
"""
NETPOL = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-slytherin
  namespace: gryffindor
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          house: slytherin
"""


def link(path, span) -> str:
    return f"[{path}:{span.start_line + 1}]"


def workspace_with(*texts: str):
    workspace = Workspace()
    workspace.set_text("base.yaml", BASE)
    sources = [workspace.set_text(f"p{n}.yaml", text) for n, text in enumerate(texts)]
    return workspace, RuleContext(workspace), sources


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n")) if needle in line)


def test_hover_on_the_policy_names_its_tier_priority_and_subject():
    _ws, ctx, (source,) = workspace_with(ADMIN)
    text, _span = hover_markdown(ctx, source, line_of(ADMIN, "name: guard"), 9, link)
    assert "Admin tier, priority 10" in text and "StatefulSet gryffindor/harry" in text
    assert "**Deny** from namespaces `house=slytherin`" in text


def test_hover_on_a_rule_says_what_it_decides_here():
    _ws, ctx, (source,) = workspace_with(ADMIN)
    text, _span = hover_markdown(ctx, source, line_of(ADMIN, "action: Accept"), 6, link)
    # the named port web is TCP 80 on luna's container
    assert "`StatefulSet gryffindor/harry` -> `StatefulSet ravenclaw/luna`: TCP 80" in text


def test_networkpolicy_hover_names_the_admin_rule_that_overrides_it():
    _ws, ctx, (_admin, netpol) = workspace_with(ADMIN, NETPOL)
    text, _span = hover_markdown(ctx, netpol, line_of(NETPOL, "name: allow"), 9, link)
    assert "Overridden by the Admin tier" in text
    assert "denied by the Admin tier" in text and "deny-slytherin" in text


def test_workload_hover_says_which_tier_decided():
    _ws, ctx, (_admin,) = workspace_with(ADMIN)
    base = _ws.files["base.yaml"]
    text, _span = hover_markdown(ctx, base, line_of(BASE, "name: harry"), 9, link)
    assert "Cluster tiers" in text
    assert "from `StatefulSet slytherin/draco`: all ports and protocols denied by the Admin tier" in text


def test_code_lens_inlay_hints_and_definition():
    _ws, ctx, (source,) = workspace_with(ADMIN)
    lenses = code_lenses(ctx, source, "file:///p0.yaml", lambda p: "file:///" + p)
    assert [lens.command.title for lens in lenses] == [
        "Admin tier, priority 10 · selects 1 workload · ingress: 1 Deny · egress: 1 Accept"]
    hints = {h.position.line: h.label for h in inlay_hints(ctx, source)}
    assert hints[line_of(ADMIN, "subject:")] == "→ 1 pod"
    assert hints[line_of(ADMIN, "- pods:")] == "→ 1 pod"
    places = definition(ctx, source, line_of(ADMIN, "- pods:") + 1, 8)
    assert [p[0] for p in places] == ["base.yaml"]
    assert places[0][1].start_line > line_of(BASE, "name: luna")


def test_completion_offers_the_kinds_words_and_the_workspaces_labels():
    partial = ADMIN.replace("    action: Deny", "    action: ")
    _ws, ctx, (source,) = workspace_with(partial)
    at = line_of(partial, "    action: ")
    assert [i.label for i in complete(ctx, source, at, len("    action: "))] == ["Accept", "Deny", "Pass"]
    v1 = partial.replace("policy.networking.k8s.io/v1alpha2", "policy.networking.k8s.io/v1alpha1").replace(
        "kind: ClusterNetworkPolicy", "kind: AdminNetworkPolicy")
    _ws, ctx, (source,) = workspace_with(v1)
    assert [i.label for i in complete(ctx, source, at, len("    action: "))] == ["Allow", "Deny", "Pass"]
    named = ADMIN.replace("destinationNamedPort: web", "destinationNamedPort: ")
    _ws, ctx, (source,) = workspace_with(named)
    at = line_of(named, "destinationNamedPort:")
    labels = [i.label for i in complete(ctx, source, at, len(named.split("\n")[at]))]
    assert "web" in labels and "dns" in labels


def test_edits_of_a_cluster_policy_give_the_findings_of_a_full_analysis():
    workspace, _ctx, _sources = workspace_with(ADMIN, NETPOL)
    analysis = analyze_workspace(workspace)
    assert "NP084" in [f.rule for f in analysis.findings_of("p1.yaml")]
    steps = [("p0.yaml", ADMIN.replace("action: Deny", "action: Pass")),  # the NetworkPolicy's finding goes
             ("p0.yaml", ADMIN),  # and comes back
             ("base.yaml", BASE.replace("house: slytherin\n    spec", "house: slytherinx\n    spec")),
             ("p0.yaml", "# moved\n" + ADMIN)]
    for path, text in steps:
        edited = Workspace(workspace.config)
        edited.files = dict(workspace.files)
        edited.set_text(path, text)
        analysis = analyze_workspace(edited, (), analysis)
        full = analyze(edited)
        assert analysis.findings() == full, path
        workspace = edited


def test_networkpolicy_rule_hover_names_the_admin_rule_too():
    _ws, ctx, (_admin, netpol) = workspace_with(ADMIN, NETPOL)
    text, _span = hover_markdown(ctx, netpol, line_of(NETPOL, "- from:"), 4, link)
    assert "Overridden by the Admin tier" in text and "deny-slytherin" in text


def test_explain_command_takes_a_cluster_policy_by_name(tmp_path, capsys):
    from netpol_lsp.cli import main

    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "admin.yaml").write_text(ADMIN, encoding="utf-8")
    assert main(["explain", str(tmp_path), "--no-cache", "--policy", "guard-gryffindor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ClusterNetworkPolicy guard-gryffindor (Admin tier, priority 10): selects 1 workload")
    assert main(["explain", str(tmp_path), "--no-cache", "--workload", "slytherin/draco"]) == 0
    out = capsys.readouterr().out
    assert "to StatefulSet gryffindor/harry: all ports and protocols denied by the Admin tier" not in out
    assert main(["explain", str(tmp_path), "--no-cache", "--workload", "gryffindor/harry"]) == 0
    assert "denied by the Admin tier" in capsys.readouterr().out
