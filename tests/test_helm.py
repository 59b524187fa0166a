"""Helm charts (render/helm.py): a chart rendered by `helm template` (a stand-in executable that
prints the checked-in output of tests/data/helm: see its README), rendered YAML on standard input,
and a chart that cannot be rendered. Positions are the templates' lines, counted by hand."""
from __future__ import annotations

import io
import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from netpol_lsp.cli import main
from netpol_lsp.render.helm import line_map, split_by_source

DATA = Path(__file__).resolve().parent / "data" / "helm"
RENDERED = DATA / "web-rendered.yaml"


def run(capsys, monkeypatch, *args, stdin: bytes | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def findings(out: str) -> list[tuple]:
    return [(f["path"], f["rule"], f["range"]["start"]["line"], f["range"]["start"]["column"])
            for f in json.loads(out)["findings"]]


@pytest.fixture
def chart(tmp_path, monkeypatch):
    """The test chart copied into a workspace of its own (tmp/ws), no NETPOL_LSP_HELM."""
    monkeypatch.delenv("NETPOL_LSP_HELM", raising=False)
    shutil.copytree(DATA / "web", tmp_path / "ws" / "web")
    return tmp_path / "ws"


def stand_in_helm(folder: Path, script: str) -> Path:
    """An executable named helm outside the workspace (folder/..): a configuration may name it."""
    helm = folder.parent / "bin" / "helm"
    helm.parent.mkdir()
    helm.write_text("#!/bin/sh\n" + script)
    helm.chmod(helm.stat().st_mode | stat.S_IXUSR)
    return helm


def test_the_rendered_policy_is_reported_at_its_template_line(chart, capsys, monkeypatch):
    args_file = chart / "args"
    helm = stand_in_helm(chart, f'echo "$@" > {args_file}\ncat {RENDERED}\n')
    (chart / ".netpol-lsp.yaml").write_text(
        f"helm:\n  path: {helm}\n  charts:\n    web: {{releaseName: shop, namespace: shop, values: [prod.yaml]}}\n")
    monkeypatch.chdir(chart)
    code, out, err = run(capsys, monkeypatch, "check", "web", "--format", "json")
    assert code == 1, err
    # templates/networkpolicy.yaml line 6 is `  podSelector:`; the key starts in column 3
    assert findings(out) == [("web/templates/networkpolicy.yaml", "NP001", 6, 3)]
    message = json.loads(out)["findings"][0]["message"]
    assert "namespace shop" in message  # objects without a namespace land in the release's
    assert "did you mean app.kubernetes.io/name=web, on Deployment shop/shop-web?" in message
    assert args_file.read_text().split() == ["template", "shop", "web", "--namespace", "shop",
                                             "--values", "web/prod.yaml"]


def test_connectivity_reads_the_rendered_chart(chart, capsys, monkeypatch):
    helm = stand_in_helm(chart, f"cat {RENDERED}\n")
    monkeypatch.setenv("PATH", f"{helm.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(chart)
    code, out, err = run(capsys, monkeypatch, "connectivity", "web")
    assert code == 0, err
    assert "default/shop-web[Deployment]" in out


def test_without_helm_a_chart_is_one_warning(chart, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(chart / "nothing-here"))
    monkeypatch.chdir(chart)
    code, out, err = run(capsys, monkeypatch, "check", "web", "--format", "json")
    assert code == 2 and "nothing was checked" in err, err  # the chart was all there was (issue 14, item 4)
    found = json.loads(out)["findings"]
    assert findings(out) == [("web/Chart.yaml", "NP096", 1, 1)]
    assert "helm is not on PATH" in found[0]["message"]
    assert "helm template web | netpol-lsp check -" in found[0]["message"]
    assert json.loads(out)["summary"]["skippedFiles"] == 2  # its two templates, left out


def test_a_failing_helm_template_is_one_warning_with_its_reason(chart, capsys, monkeypatch):
    helm = stand_in_helm(chart, 'echo "Error: template: web/templates/x.yaml:3: unexpected EOF" >&2\nexit 1\n')
    (chart / ".netpol-lsp.yaml").write_text(f"helm: {{path: {helm}}}\n")
    monkeypatch.chdir(chart)
    code, out, err = run(capsys, monkeypatch, "check", "web", "--format", "json")
    assert code == 2 and "nothing was checked" in err, err  # the chart was all there was
    (found,) = json.loads(out)["findings"]
    assert found["rule"] == "NP096"
    assert "helm template failed: Error: template: web/templates/x.yaml:3: unexpected EOF" in found["message"]


def test_rendered_yaml_on_stdin_keeps_the_source_mapping(capsys, monkeypatch):
    monkeypatch.chdir(DATA / "web")  # helm template . | netpol-lsp check -
    code, out, err = run(capsys, monkeypatch, "check", "-", "--format", "json", stdin=RENDERED.read_bytes())
    assert code == 1, err
    assert findings(out) == [("templates/networkpolicy.yaml", "NP001", 6, 3)]
    assert json.loads(out)["summary"]["documents"] == 2


def test_stdin_far_from_the_chart_names_the_source_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, monkeypatch, "check", "-", "--format", "json", stdin=RENDERED.read_bytes())
    assert code == 1, err
    # no template found from here: positions in the rendered document, which has the same shape
    assert findings(out) == [("web/templates/networkpolicy.yaml", "NP001", 6, 3)]


def test_connectivity_from_stdin(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, monkeypatch, "connectivity", "-", stdin=RENDERED.read_bytes())
    assert code == 0, err
    assert "default/shop-web[Deployment]" in out


def test_plain_yaml_on_stdin_is_one_file(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    policy = b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
    code, out, err = run(capsys, monkeypatch, "check", "-", "--format", "json", stdin=policy)
    assert code == 0, err
    assert [(f["path"], f["rule"]) for f in json.loads(out)["findings"]] == [("<stdin>", "NP010")]


def test_split_by_source_groups_documents_by_template():
    text = ("---\n# Source: web/templates/a.yaml\nkind: A\n---\n# Source: web/templates/b.yaml\nkind: B\n"
            "---\n# Source: web/templates/a.yaml\nkind: C\n")
    assert split_by_source(text) == [("web/templates/a.yaml", "kind: A\n"), ("web/templates/b.yaml", "kind: B\n"),
                                     ("web/templates/a.yaml", "kind: C\n")]


def test_lines_an_include_wrote_go_to_the_templates_first_line():
    template = ["metadata:", "  name: {{ .Release.Name }}-web", "  labels:",
                '    {{- include "web.labels" . | nindent 4 }}', "spec:", "  replicas: {{ .Values.replicaCount }}"]
    rendered = ["metadata:", "  name: shop-web", "  labels:", "    app.kubernetes.io/name: web", "spec:",
                "  replicas: 2"]
    assert line_map(rendered, template) == [0, 1, 2, None, 4, 5]


def test_the_server_state_holds_one_warning_for_a_chart_it_cannot_render(chart):
    from netpol_lsp.analysis.run import analyze
    from netpol_lsp.config import parse_config
    from netpol_lsp.lsp.indexing import discover
    from netpol_lsp.lsp.state import ServerState, copy_workspace
    from netpol_lsp.render.helm import find_charts, render_charts
    from netpol_lsp.loader import read_candidate

    config = parse_config("helm: {path: false}\n")
    state = ServerState(config)
    state.roots = [str(chart)]
    candidates = discover(state.roots, config)
    state.add_indexed([read_candidate(c, config, lean=True) for c in candidates])
    state.charts = find_charts(candidates)
    state.apply_rendered(render_charts(state.charts, config))
    template = str(chart / "web" / "templates" / "networkpolicy.yaml")
    state.open_document(template, (chart / "web" / "templates" / "networkpolicy.yaml").read_text(), 1)
    found = analyze(copy_workspace(state.workspace))  # what a snapshot of the server analyses
    assert [(f.rule, f.path) for f in found] == [("NP096", str(chart / "web" / "Chart.yaml"))]
    assert "helm rendering is turned off (helm.path: false)" in found[0].message


def test_a_configuration_cannot_make_check_run_a_program_of_the_repository(chart, capsys, monkeypatch):
    marker = chart.parent / "ran"
    inside = chart / "tools" / "helm"
    inside.parent.mkdir()
    inside.write_text(f"#!/bin/sh\ntouch {marker}\n")
    inside.chmod(inside.stat().st_mode | stat.S_IXUSR)
    for named in (inside, shutil.which("sh")):  # its own script, or a shell that would run ./template
        (chart / ".netpol-lsp.yaml").write_text(f"helm: {{path: {named}}}\n")
        monkeypatch.chdir(chart)
        code, out, err = run(capsys, monkeypatch, "check", "web", "--format", "json")
        (found,) = json.loads(out)["findings"]
        assert found["rule"] == "NP096" and f"helm.path {named} is not run" in found["message"]
    assert not marker.exists()


def test_netpol_lsp_helm_names_the_helm_to_run(chart, capsys, monkeypatch):
    helm = stand_in_helm(chart, f"cat {RENDERED}\n")
    monkeypatch.setenv("NETPOL_LSP_HELM", str(helm))
    monkeypatch.chdir(chart)
    code, out, err = run(capsys, monkeypatch, "check", "web", "--format", "json")
    assert findings(out) == [("web/templates/networkpolicy.yaml", "NP001", 6, 3)]


def test_a_suppression_comment_in_the_template_applies_to_the_rendered_policy(chart, capsys, monkeypatch):
    template = chart / "web" / "templates" / "networkpolicy.yaml"
    template.write_text(template.read_text().replace("  podSelector:", "  # netpol-lsp: disable=NP001\n  podSelector:"))
    monkeypatch.chdir(chart / "web")
    code, out, err = run(capsys, monkeypatch, "check", "-", "--format", "json", stdin=RENDERED.read_bytes())
    assert (code, findings(out)) == (0, [])


def test_a_library_chart_is_not_rendered_and_says_nothing(chart, capsys, monkeypatch):
    chart_yaml = chart / "web" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text() + "type: library\n")
    monkeypatch.setenv("PATH", str(chart / "nothing-here"))
    monkeypatch.chdir(chart)
    code, out, err = run(capsys, monkeypatch, "check", "web", "--format", "json")
    # nothing reported about the chart; but nothing was checked either (issue 14, item 4)
    assert (code, findings(out)) == (2, []) and "no Kubernetes object" in err
