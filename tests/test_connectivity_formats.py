"""`netpol-lsp connectivity` output: txt/csv/md lines, the dot and mermaid graphs, svg, and the
--focus-workload / --exclude-external narrowing.

The workspace is small enough to work out by hand (no egress policy anywhere, so every workload
may send anything; ingress is isolated for shop/api and shop/db only):

    web/frontend -> shop/api        TCP 8080   (api-ingress: namespaceSelector team=web, port "http")
    shop/api     -> shop/db         TCP 5432   (db-ingress: podSelector app=api)
    shop/*       -> web/frontend    All        (frontend is not isolated)
    203.0.113.0/24 -> shop/api      TCP 8080   (api-ingress: ipBlock, port "http")
    0.0.0.0/0    -> web/frontend    All
    every workload -> 0.0.0.0/0     All
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import textwrap

import pytest

from needs import tool

from netpol_lsp.analysis.connectivity import Connection, ConnectivityResult
from netpol_lsp.analysis.portset import ConnectionSet
from netpol_lsp.cli import main
from netpol_lsp.report.graph import mermaid_size_warning, render_dot, render_mermaid

MANIFESTS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {team: web}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: api, image: api, ports: [{containerPort: 8080, name: http}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: pg, image: postgres, ports: [{containerPort: 5432}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: web}
spec:
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: web}}
    - ipBlock: {cidr: 203.0.113.0/24}
    ports: [{port: http}]
"""

EXPECTED_TXT = """\
0.0.0.0/0 => web/frontend[Deployment] : All Connections
203.0.113.0/24 => shop/api[Deployment] : TCP 8080
shop/api[Deployment] => 0.0.0.0/0 : All Connections
shop/api[Deployment] => shop/db[StatefulSet] : TCP 5432
shop/api[Deployment] => web/frontend[Deployment] : All Connections
shop/db[StatefulSet] => 0.0.0.0/0 : All Connections
shop/db[StatefulSet] => web/frontend[Deployment] : All Connections
web/frontend[Deployment] => 0.0.0.0/0 : All Connections
web/frontend[Deployment] => shop/api[Deployment] : TCP 8080
"""

OWNED_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: cache-5d4-x7k2p
  namespace: shop
  labels: {app: cache}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: cache-5d4, controller: true, uid: u1}]
spec:
  containers: [{name: redis, image: redis}]
"""


@pytest.fixture
def workspace_dir(tmp_path):
    (tmp_path / "app.yaml").write_text(textwrap.dedent(MANIFESTS))
    return tmp_path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["connectivity", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def lines(text: str) -> list[str]:
    return text.splitlines()


# -- the list formats ---------------------------------------------------------------------

def test_txt_is_one_sorted_line_per_pair(capsys, workspace_dir):
    code, out, _ = run(capsys, workspace_dir)
    assert code == 0
    assert out == EXPECTED_TXT


def test_csv_has_a_header_and_the_same_rows(capsys, workspace_dir):
    code, out, _ = run(capsys, "--format", "csv", workspace_dir)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["src", "dst", "conn"]
    assert [f"{s} => {d} : {c}" for s, d, c in rows[1:]] == lines(EXPECTED_TXT)


def test_md_is_a_table_with_the_same_rows(capsys, workspace_dir):
    code, out, _ = run(capsys, "--format", "md", workspace_dir)
    assert code == 0
    table = lines(out)
    assert table[0] == "| src | dst | conn |"
    assert re.fullmatch(r"\|-+\|-+\|-+\|", table[1])
    assert table[2:] == [f"| {line.replace(' => ', ' | ').replace(' : ', ' | ')} |" for line in lines(EXPECTED_TXT)]


def test_json_is_the_canonical_list(capsys, workspace_dir):
    import json

    code, out, _ = run(capsys, "--format", "json", workspace_dir)
    assert code == 0
    data = json.loads(out)
    assert [f"{e['src']} => {e['dst']} : {e['conn']}" for e in data] == lines(EXPECTED_TXT)


# -- narrowing ----------------------------------------------------------------------------

def test_focus_workload_keeps_its_pairs_both_ways(capsys, workspace_dir):
    code, out, _ = run(capsys, "--focus-workload", "shop/api", workspace_dir)
    assert code == 0
    assert lines(out) == [line for line in lines(EXPECTED_TXT) if "shop/api[" in line]
    assert len(lines(out)) == 5  # 203.0.113.0/24 in, out to 0.0.0.0/0, db, frontend, frontend in


def test_focus_workload_accepts_the_endpoint_name_with_its_kind(capsys, workspace_dir):
    code, out, _ = run(capsys, "--focus-workload", "shop/db[StatefulSet]", workspace_dir)
    assert code == 0
    assert lines(out) == [line for line in lines(EXPECTED_TXT) if "shop/db[" in line]


def test_focus_workload_by_pod_name_finds_its_controller(capsys, workspace_dir):
    (workspace_dir / "pod.yaml").write_text(textwrap.dedent(OWNED_POD))
    code, out, _ = run(capsys, "--focus-workload", "shop/cache-5d4-x7k2p", workspace_dir)
    assert code == 0
    # the cache is isolated in neither direction; api and db admit only their own peers
    assert lines(out) == [
        "0.0.0.0/0 => shop/cache-5d4[ReplicaSet] : All Connections",
        "shop/api[Deployment] => shop/cache-5d4[ReplicaSet] : All Connections",
        "shop/cache-5d4[ReplicaSet] => 0.0.0.0/0 : All Connections",
        "shop/cache-5d4[ReplicaSet] => web/frontend[Deployment] : All Connections",
        "shop/db[StatefulSet] => shop/cache-5d4[ReplicaSet] : All Connections",
        "web/frontend[Deployment] => shop/cache-5d4[ReplicaSet] : All Connections",
    ]


def test_focus_workload_unknown_is_a_usage_error_with_close_names(capsys, workspace_dir):
    code, out, err = run(capsys, "--focus-workload", "shop/apy", workspace_dir)
    assert code == 2
    assert out == ""
    assert "no workload named shop/apy" in err and "shop/api" in err
    assert len(err.strip().splitlines()) == 1


def test_exclude_external_drops_every_cidr_endpoint(capsys, workspace_dir):
    code, out, _ = run(capsys, "--exclude-external", workspace_dir)
    assert code == 0
    assert lines(out) == [
        "shop/api[Deployment] => shop/db[StatefulSet] : TCP 5432",
        "shop/api[Deployment] => web/frontend[Deployment] : All Connections",
        "shop/db[StatefulSet] => web/frontend[Deployment] : All Connections",
        "web/frontend[Deployment] => shop/api[Deployment] : TCP 8080",
    ]


def test_focus_and_exclude_external_together(capsys, workspace_dir):
    code, out, _ = run(capsys, "--focus-workload", "shop/api", "--exclude-external", "--format", "csv", workspace_dir)
    assert code == 0
    assert lines(out) == [
        "src,dst,conn",
        "shop/api[Deployment],shop/db[StatefulSet],TCP 5432",
        "shop/api[Deployment],web/frontend[Deployment],All Connections",
        "web/frontend[Deployment],shop/api[Deployment],TCP 8080",
    ]


def test_output_file(capsys, workspace_dir, tmp_path):
    target = tmp_path / "out.txt"
    code, out, _ = run(capsys, "-o", target, workspace_dir)
    assert code == 0 and out == ""
    assert target.read_text() == EXPECTED_TXT


# -- dot ----------------------------------------------------------------------------------

def _dot(capsys, *argv) -> str:
    code, out, _ = run(capsys, "--format", "dot", *argv)
    assert code == 0
    return out


def test_dot_groups_workloads_by_namespace_and_externals_outside(capsys, workspace_dir):
    out = _dot(capsys, workspace_dir)
    assert out.startswith("digraph connectivity {\n") and out.endswith("}\n")
    clusters = re.findall(r"subgraph (cluster_\d+) \{\n    label=\"namespace ([^\"]+)\"", out)
    assert [name for _id, name in clusters] == ["shop", "web"]
    body = {}
    for match in re.finditer(r"subgraph cluster_\d+ \{\n    label=\"namespace ([^\"]+)\";[^\n]*\n(.*?)\n  \}", out, re.S):
        body[match.group(1)] = match.group(2)
    assert '"shop/api[Deployment]" [label="api\\nDeployment"]' in body["shop"]
    assert '"shop/db[StatefulSet]" [label="db\\nStatefulSet"]' in body["shop"]
    assert '"web/frontend[Deployment]"' in body["web"] and "shop/" not in body["web"]
    # external ranges: their own nodes, a distinct shape, outside every cluster
    outside = out[out.rindex("  }\n"):]
    for cidr in ("0.0.0.0/0", "203.0.113.0/24"):
        assert re.search(rf'^  "{re.escape(cidr)}" \[label="{re.escape(cidr)}", shape=hexagon', outside, re.M)
        assert cidr not in "".join(body.values())


def test_dot_edges_carry_the_canonical_ports_and_all_connections_stand_out(capsys, workspace_dir):
    out = _dot(capsys, workspace_dir)
    edges = re.findall(r'^  "([^"]+)" -> "([^"]+)" \[label="([^"]+)"(.*)\];$', out, re.M)
    assert [f"{s} => {d} : {label}" for s, d, label, _rest in edges] == lines(EXPECTED_TXT)
    for _s, _d, label, rest in edges:
        if label == "All Connections":
            assert "penwidth=2" in rest and "style=bold" in rest
        else:
            assert rest == ""


def test_dot_is_deterministic_whatever_the_input_order(workspace_dir):
    conns = [Connection("shop/a[Pod]", "shop/b[Pod]", ConnectionSet.parse("TCP 80")),
             Connection("0.0.0.0/0", "shop/a[Pod]", ConnectionSet.all()),
             Connection("web/c[Pod]", "shop/b[Pod]", ConnectionSet.parse("UDP 53;TCP 53"))]
    first = render_dot(conns)
    assert render_dot(list(reversed(conns))) == first
    assert render_mermaid(list(reversed(conns))) == render_mermaid(conns)


def test_dot_shows_isolated_workloads_only_when_not_narrowed():
    conns = [Connection("a/x[Pod]", "a/y[Pod]", ConnectionSet.parse("TCP 80"))]
    result = ConnectivityResult(conns, {"a/x[Pod]": [], "a/y[Pod]": [], "a/lonely[Pod]": []})
    whole = render_dot(conns, result)
    assert '"a/lonely[Pod]"' in whole and "no allowed connection" in whole
    narrowed = render_dot([], result)  # everything filtered out: no lonely nodes either
    assert "a/lonely" not in narrowed


def test_dot_escapes_quotes_and_backslashes():
    out = render_dot([Connection('n/we"ird\\x[Pod]', "n/b[Pod]", ConnectionSet.all())])
    assert '"n/we\\"ird\\\\x[Pod]" -> "n/b[Pod]"' in out


def test_dot_caps_long_cidr_lists_in_labels():
    cidrs = ",".join(f"10.{i}.0.0/16" for i in range(0, 20, 2))
    out = render_dot([Connection(cidrs, "a/b[Pod]", ConnectionSet.all())])
    assert "and 5 more" in out
    assert f'"{cidrs}" [label=' in out  # the node id keeps the whole list


# -- mermaid ------------------------------------------------------------------------------

NODE_ID = r"[A-Za-z][A-Za-z0-9_]*"


def test_mermaid_is_a_flowchart_with_a_subgraph_per_namespace(capsys, workspace_dir):
    code, out, err = run(capsys, "--format", "mermaid", workspace_dir)
    assert code == 0 and err == ""
    text = lines(out)
    assert text[0] == "flowchart LR"
    subgraphs = [line.strip() for line in text if line.strip().startswith("subgraph ")]
    assert subgraphs == ['subgraph ns0_shop["namespace shop"]', 'subgraph ns1_web["namespace web"]']
    assert sum(1 for line in text if line.strip() == "end") == 2
    nodes = dict(re.findall(rf'^    ({NODE_ID})\["([^"]+)"\]$', out, re.M))
    assert sorted(nodes.values()) == ["api<br/>Deployment", "db<br/>StatefulSet", "frontend<br/>Deployment"]
    externals = dict(re.findall(rf'^  ({NODE_ID})\{{\{{"([^"]+)"\}}\}}$', out, re.M))
    assert sorted(externals.values()) == ["0.0.0.0/0", "203.0.113.0/24"]


def test_mermaid_edges_are_quoted_labels_between_safe_ids(capsys, workspace_dir):
    code, out, _ = run(capsys, "--format", "mermaid", workspace_dir)
    names = {}
    for node_id, label in re.findall(rf'^\s+({NODE_ID})(?:\["|\{{\{{")([^"]+)"', out, re.M):
        names[node_id] = label
    edges = re.findall(rf'^  ({NODE_ID}) (-->|==>)\|"([^"]*)"\| ({NODE_ID})$', out, re.M)
    assert len(edges) == len(lines(EXPECTED_TXT))
    for src, arrow, label, dst in edges:
        assert src in names and dst in names
        assert (arrow == "==>") == (label == "All Connections")
    wide = [str(i) for i, (_s, arrow, _l, _d) in enumerate(edges) if arrow == "==>"]
    assert f"  linkStyle {','.join(wide)} stroke:#c5221f,stroke-width:2px,color:#c5221f" in lines(out)
    # every line is one of the statements above, a class line or a subgraph frame
    for line in lines(out)[1:]:
        assert re.match(r"^\s+(subgraph |end$|direction LR$|classDef |class |linkStyle |"
                        rf"{NODE_ID}(\[\"|\{{\{{\")|{NODE_ID} (-->|==>)\|)", line), line


def test_mermaid_escapes_quotes_in_labels():
    out = render_mermaid([Connection('n/we"ird[Pod]', "n/b[Pod]", ConnectionSet.parse("TCP 80"))])
    assert 'we#quot;ird<br/>Pod' in out
    assert '"we"ird' not in out


def test_mermaid_warns_when_renderers_would_refuse_it():
    assert mermaid_size_warning("flowchart LR\n", 10) is None
    assert "501 edges" in mermaid_size_warning("x", 501)
    assert "maxTextSize" in mermaid_size_warning("x" * 60_000, 10)


# -- svg ----------------------------------------------------------------------------------

def test_svg_without_graphviz_says_how_to_get_it(capsys, workspace_dir, monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, out, err = run(capsys, "--format", "svg", workspace_dir)
    assert code == 2
    assert out == ""
    message = err.strip()
    assert len(message.splitlines()) == 1
    assert "Graphviz" in message and "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "--format dot" in message


def _need_dot():
    tool("dot", "Graphviz: apt-get install -y graphviz (scripts/test.sh does)")


def test_svg_with_graphviz(capsys, workspace_dir, tmp_path):
    _need_dot()
    target = tmp_path / "graph.svg"
    code, _out, err = run(capsys, "--format", "svg", "-o", target, workspace_dir)
    assert code == 0, err
    svg = target.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    for text in ("namespace shop", "namespace web", "frontend", "203.0.113.0/24", "TCP 5432", "All Connections"):
        assert text in svg


def test_svg_to_stdout_is_bytes(capfdbinary, workspace_dir):
    _need_dot()
    code = main(["connectivity", "--format", "svg", str(workspace_dir)])
    out, _err = capfdbinary.readouterr()
    assert code == 0
    assert b"<svg" in out


def test_dot_output_is_accepted_by_graphviz(capsys, workspace_dir):
    import subprocess

    _need_dot()
    source = _dot(capsys, workspace_dir)
    proc = subprocess.run(["dot", "-Tplain"], input=source, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
