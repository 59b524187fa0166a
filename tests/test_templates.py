"""Templates are found per document, by structure: `{{` where YAML structure stands (a whole
line, the start of a value or list item, a key) makes a template; inside quoted or block
scalars, or inside a plain value, it is text. Only that document is left out; files under a
Helm chart's templates/ folder are templates whatever they look like."""
from __future__ import annotations

import json
import textwrap

import pytest

from netpol_lsp.cli import main
from netpol_lsp.manifests import parse_text
from netpol_lsp.manifests.templates import template_line

from conftest import findings_of, make_workspace

CONFIGMAP_WITH_BRACES = """
apiVersion: v1
kind: ConfigMap
metadata: {name: greetings, namespace: shop}
data:
  double: "hello {{ .Name }}"
  single: '{{ .Values.x }}'
  block: |
    {{- range .Items }}
    name: {{ .Name }}
    {{- end }}
  folded: >
    {{ template "x" . }}
"""

# kube-prometheus's `kubectl kustomize` output: annotations are plain scalars with {{ }} inside,
# folded over lines, the continuation line starting with {{
PROMETHEUS_RULE = """
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: prometheus-rules, namespace: monitoring}
spec:
  groups:
  - name: prometheus
    rules:
    - alert: PrometheusRuleFailures
      annotations:
        description: Prometheus {{$labels.namespace}}/{{$labels.pod}} has failed to
          {{ printf "%.0f" $value }} rule groups.
        summary: "Pod {{ $labels.pod }} is down"
      expr: increase(prometheus_rule_evaluation_failures_total[5m]) > 0
"""

GRAFANA_DASHBOARD = """
apiVersion: v1
kind: ConfigMap
metadata: {name: grafana-dashboard-pods, namespace: monitoring, labels: {grafana_dashboard: "1"}}
data:
  pods.json: |-
    {"panels": [{"legendFormat": "{{pod}}", "targets": [{"expr": "sum by (pod) (rate(x[5m]))"}]}]}
"""

ISTIO_INJECTOR = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  config: "policy: enabled\\ntemplates:\\n  sidecar: |\\n    {{- if .Values.x }}\\n"
"""

WORKLOAD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: example/api:1}]}
"""

HELM_POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .Release.Name }}-api
  namespace: shop
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
"""


@pytest.mark.parametrize("text", [CONFIGMAP_WITH_BRACES, PROMETHEUS_RULE, GRAFANA_DASHBOARD, ISTIO_INJECTOR],
                         ids=["configmap", "prometheusrule", "grafana", "istio"])
def test_braces_in_text_are_not_templates(text):
    parsed = parse_text(text)
    assert parsed.problems == [] and len(parsed.documents) == 1 and parsed.documents[0].root is not None
    assert findings_of({"a.yaml": text}) == []


@pytest.mark.parametrize("text, line", [
    ("metadata:\n  name: {{ .Release.Name }}-db\n", 1),  # the start of a value
    ("metadata:\n  labels:\n    {{- include \"x.labels\" . | nindent 4 }}\n", 2),  # a whole line
    ("metadata:\n{{- if .Values.x }}\n  name: a\n{{- end }}\n", 1),  # a whole line that breaks the YAML
    ("args:\n- {{ .Values.a }}\n", 1),  # a list item
    ("args: [a, {{ .b }}]\n", 0),  # an item of a flow list
    ("data:\n  key-{{ .Values.k }}: 1\n", 1),  # a key
])
def test_braces_where_structure_stands_make_a_template(text, line):
    assert template_line(text) == line


def test_a_github_expression_in_a_plain_value_is_text():
    assert template_line("run: echo ${{ github.sha }}\n") is None


def test_only_the_template_document_is_left_out():
    text = WORKLOAD + "---" + HELM_POLICY + "---" + CONFIGMAP_WITH_BRACES
    workspace = make_workspace({"bundle.yaml": text})
    assert [o.kind for o in workspace.files["bundle.yaml"].objects] == ["Deployment"]
    found = findings_of({"bundle.yaml": text})
    assert [(f.rule, f.severity.name) for f in found] == [("NP092", "WARNING")]
    # the {{ of `name:` in the second document: lines 0-8 are WORKLOAD (0 blank), 9 is `---`,
    # 10-12 apiVersion, kind, metadata, and 13 `  name: {{ ...`, column 8
    assert (found[0].span.start_line, found[0].span.start_col) == (13, 8)
    assert "holds a NetworkPolicy" in found[0].message and "line 14" in found[0].message


def test_a_template_document_holding_nothing_relevant_is_info():
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    found = findings_of({"cm.yaml": configmap})
    assert [(f.rule, f.severity.name) for f in found] == [("NP091", "INFO")]


def test_files_under_a_charts_templates_folder_are_templates(tmp_path, capsys):
    chart = tmp_path / "mychart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: mychart\nversion: 0.1.0\n")
    # valid YAML with quoted template text: a template all the same, for it sits in templates/
    (chart / "templates" / "policy.yaml").write_text(
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: "{{ .Release.Name }}"\n'
        'spec:\n  podSelector: {}\n')
    (chart / "templates" / "config.yaml").write_text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n')
    (tmp_path / "app.yaml").write_text(textwrap.dedent(WORKLOAD))
    # a folder named templates without a Chart.yaml beside it is an ordinary folder
    (tmp_path / "other" / "templates").mkdir(parents=True)
    (tmp_path / "other" / "templates" / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    # named one by one, as an editor or a pre-commit hook does: the chart is not among the paths
    # (a folder holding Chart.yaml is rendered with helm or is one NP096, tests/test_helm.py)
    named = [chart / "templates" / "policy.yaml", chart / "templates" / "config.yaml", tmp_path / "app.yaml",
             tmp_path / "other" / "templates" / "ns.yaml"]
    code = main(["check", "--no-cache", "--format", "json", *map(str, named)])
    report = json.loads(capsys.readouterr().out)
    by_file = {f["path"].rsplit("/", 1)[-1]: (f["rule"], f["severity"], f["message"]) for f in report["findings"]}
    assert by_file["policy.yaml"][:2] == ("NP092", "warning") and "Helm chart" in by_file["policy.yaml"][2]
    assert by_file["config.yaml"][:2] == ("NP091", "info")
    assert "ns.yaml" not in by_file and "app.yaml" not in by_file
    assert code == 1
