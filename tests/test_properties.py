"""Property tests: random workspaces of namespaces, workloads and policies (valid and broken)."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_workspace
from netpol_lsp.analysis.connectivity import compute_connectivity
from netpol_lsp.analysis.run import analyze
from netpol_lsp.report.findings_json import render_json

NAMESPACES = ["a", "b"]
KEYS = ["app", "tier"]
VALUES = ["web", "db", "api"]

labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2)


def flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in mapping.items()) + "}"


@st.composite
def selectors(draw):
    expressions = draw(st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
                                          st.sampled_from(VALUES)), max_size=1))
    parts = [f"matchLabels: {flow(draw(labels))}"]
    for key, op, value in expressions:
        values = f", values: [{value}]" if op in ("In", "NotIn") else ""
        parts.append(f"matchExpressions: [{{key: {key}, operator: {op}{values}}}]")
    return "{" + ", ".join(parts) + "}"


@st.composite
def peers(draw):
    kind = draw(st.sampled_from(["pod", "ns", "both", "ip", "broken"]))
    if kind == "pod":
        return f"{{podSelector: {draw(selectors())}}}"
    if kind == "ns":
        return f"{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {draw(st.sampled_from(NAMESPACES))}}}}}}}"
    if kind == "both":
        return f"{{namespaceSelector: {{}}, podSelector: {draw(selectors())}}}"
    if kind == "ip":
        return "{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}"
    return draw(st.sampled_from(["{podSelector: 7}", "{ipBlock: {cidr: nonsense}}", "[1, 2]", "{}"]))


@st.composite
def rules(draw):
    parts = []
    if draw(st.booleans()):
        parts.append(f"from: [{', '.join(draw(st.lists(peers(), max_size=2)))}]")
    if draw(st.booleans()):
        port = draw(st.sampled_from(["80", "5432", "http", "'x'", "[1]"]))
        parts.append(f"ports: [{{port: {port}, protocol: {draw(st.sampled_from(['TCP', 'UDP', 'tcp']))}}}]")
    return "{" + ", ".join(parts) + "}"


@st.composite
def policies(draw, index):
    ns = draw(st.sampled_from(NAMESPACES))
    types = draw(st.sampled_from([None, "[Ingress]", "[Egress]", "[Ingress, Egress]"]))
    ingress = draw(st.lists(rules(), max_size=2))
    egress = [r.replace("from:", "to:") for r in draw(st.lists(rules(), max_size=2))]
    text = (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{index}, namespace: {ns}}}\n"
            f"spec:\n  podSelector: {draw(selectors())}\n")
    if types:
        text += f"  policyTypes: {types}\n"
    if ingress or draw(st.booleans()):
        text += f"  ingress: [{', '.join(ingress)}]\n"
    if egress:
        text += f"  egress: [{', '.join(egress)}]\n"
    return text


@st.composite
def workspaces(draw):
    docs = [f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n" for ns in NAMESPACES]
    for i in range(draw(st.integers(1, 4))):
        ns = draw(st.sampled_from(NAMESPACES))
        docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{i}, namespace: {ns}}}\nspec:\n"
                    f"  template:\n    metadata: {{labels: {flow(draw(labels))}}}\n    spec:\n      containers:\n"
                    f"      - {{name: c, image: nginx, ports: [{{containerPort: 8080, name: http}}]}}\n")
    pols = [draw(policies(i)) for i in range(draw(st.integers(0, 3)))]
    return docs, pols


def build(docs, pols, split=True):
    if split:
        return make_workspace({"workloads.yaml": "---\n".join(docs), "policies.yaml": "---\n".join(pols) or "\n"})
    return make_workspace({"all.yaml": "---\n".join(docs + pols)})


def connections(ws):
    return {(c["src"], c["dst"]): c["conn"] for c in compute_connectivity(ws).as_list()}


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(workspaces())
def test_findings_lie_inside_their_files_and_json_has_the_documented_shape(space):
    ws = build(*space)
    found = analyze(ws)
    for f in found:
        lines = ws.files[f.path].text.split("\n")
        assert 0 <= f.span.start_line <= f.span.end_line < len(lines)
        assert (f.span.start_line, f.span.start_col) <= (f.span.end_line, f.span.end_col)
    report = json.loads(render_json(found, {"files": 2, "documents": 0}))
    assert set(report) == {"version", "findings", "summary"}
    for item in report["findings"]:
        assert set(item) == {"rule", "name", "severity", "path", "range", "message", "related"}
        assert item["range"]["start"]["line"] >= 1 and item["range"]["start"]["column"] >= 1


def external_at(conns, workload, outward, address):
    """The connection the outside address has with workload in the given direction, or None."""
    from netpol_lsp.analysis.ipset import IPSet

    for (src, dst), conn in conns.items():
        ext, wl = (dst, src) if outward else (src, dst)
        if wl == workload and not ext.endswith("]"):
            for cidr in ext.split(","):
                if IPSet.from_cidr(cidr).covers(IPSet.from_ranges([(address, address)])):
                    return conn
    return None


def boundaries(conns):
    from netpol_lsp.analysis.ipset import IPSet

    points = {0}
    for src, dst in conns:
        for end in (src, dst):
            if not end.endswith("]"):
                for cidr in end.split(","):
                    points.update(a for a, _ in IPSet.from_cidr(cidr).intervals())
    return points


@SETTINGS
@given(workspaces(), rules())
def test_adding_a_rule_never_removes_a_connection(space, extra):
    from netpol_lsp.analysis.portset import ConnectionSet

    docs, pols = space
    if not pols or "ingress: [" not in pols[0]:
        return
    before = connections(build(docs, pols))
    widened = pols[0].replace("ingress: [", f"ingress: [{extra}, ", 1)
    after = connections(build(docs, [widened] + pols[1:]))

    def covers(new, old):
        return ConnectionSet.parse(new or "No Connections").covers(ConnectionSet.parse(old)) \
            if old != "All Connections" else new == "All Connections"

    for (src, dst), conn in before.items():
        if src.endswith("]") and dst.endswith("]"):
            assert covers(after.get((src, dst)), conn)
    # outside the cluster the new rule may cut the address space differently: compare address by address
    workloads = {e for pair in before for e in pair if e.endswith("]")}
    for address in boundaries(before) | boundaries(after):
        for workload in workloads:
            for outward in (True, False):
                old = external_at(before, workload, outward, address)
                if old is not None:
                    assert covers(external_at(after, workload, outward, address), old)


@SETTINGS
@given(workspaces())
def test_allow_all_policy_equals_no_policy_and_no_policies_is_full_connectivity(space):
    docs, _ = space
    none = connections(build(docs, []))
    allow_all = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: all, namespace: %s}\n"
                 "spec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{}]\n  egress: [{}]\n")
    assert connections(build(docs, [allow_all % ns for ns in NAMESPACES])) == none
    assert set(none.values()) == {"All Connections"}


@SETTINGS
@given(workspaces(), st.randoms())
def test_order_of_files_and_documents_does_not_change_findings(space, rnd):
    docs, pols = space

    def key(ws):
        return sorted((f.rule, f.message) for f in analyze(ws))

    shuffled_docs, shuffled_pols = docs[:], pols[:]
    rnd.shuffle(shuffled_docs)
    rnd.shuffle(shuffled_pols)
    assert key(build(docs, pols)) == key(build(shuffled_docs, shuffled_pols))
    assert connections(build(docs, pols)) == connections(build(shuffled_docs, shuffled_pols, split=False))
