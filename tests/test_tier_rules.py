"""Findings on the cluster tiers: NP060 on the three kinds, NP080-NP087, each case worked out by
hand on tests/data/tiers/base.yaml (namespaces gryffindor, slytherin, hufflepuff, ravenclaw with
label house=<name>, one StatefulSet each)."""
from __future__ import annotations

from pathlib import Path

from netpol_lsp.analysis.run import analyze
from netpol_lsp.config import Config
from netpol_lsp.workspace import Workspace

BASE = (Path(__file__).parent / "data" / "tiers" / "base.yaml").read_text(encoding="utf-8")


def findings(*documents: str, cni: str | None = None, base: str = BASE):
    config = Config()
    config.cni = cni
    workspace = Workspace(config)
    workspace.set_text("base.yaml", base)
    for number, text in enumerate(documents):
        workspace.set_text(f"p{number}.yaml", text)
    return [f for f in analyze(workspace) if f.path != "base.yaml"]


def ids(found) -> list[str]:
    return sorted(f.rule for f in found)


def at(found, rule: str) -> list[tuple[str, int]]:
    """(file, 1-based line) of a rule's findings."""
    return sorted((f.path, f.span.start_line + 1) for f in found if f.rule == rule)


def anp(name: str, priority: int, subject: str, body: str) -> str:
    return (f"apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: {name}\n"
            f"spec:\n  priority: {priority}\n  subject:\n    namespaces:\n      matchLabels:\n        house: {subject}\n"
            f"{body}")


def rule(action: str, house: str, name: str = "", direction: str = "ingress", ports: str = "") -> str:
    towards = "from" if direction == "ingress" else "to"
    return (f"  - name: {name or action.lower() + '-' + house}\n    action: {action}\n    {towards}:\n"
            f"    - namespaces:\n        matchLabels:\n          house: {house}\n{ports}")


INGRESS = "  ingress:\n"


# --- NP060 ------------------------------------------------------------------------------------

def test_schema_errors_on_the_three_kinds_land_on_the_field():
    cnp = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: bad
spec:
  tier: admin
  priority: 1001
  subject:
    namespaces: {}
  ingress:
  - action: Allow
    from:
    - namespaces: {}
"""
    found = findings(cnp)
    assert at(found, "NP060") == [("p0.yaml", 6), ("p0.yaml", 7), ("p0.yaml", 11)]
    messages = " ".join(f.message for f in found if f.rule == "NP060")
    assert "Admin, Baseline" in messages and "Accept, Deny, Pass" in messages
    # v1alpha1 says Allow, and a peer must set exactly one field
    bad_anp = anp("x", 1, "gryffindor", INGRESS + rule("Accept", "slytherin") + "    - {}\n")
    found = findings(bad_anp)
    assert at(found, "NP060") == [("p0.yaml", 13), ("p0.yaml", 18)]  # the action, the empty peer
    assert any("must set exactly one of namespaces, pods; it sets none" in f.message for f in found)


def test_valid_policies_of_both_versions_have_no_schema_error():
    cnp = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: ok
spec:
  tier: Baseline
  priority: 3
  subject:
    pods:
      namespaceSelector: {}
      podSelector:
        matchLabels: {house: gryffindor}
  egress:
  - name: dns
    action: Accept
    to:
    - networks: [10.96.0.10/32]
    protocols:
    - udp:
        destinationPort:
          number: 53
    - tcp:
        destinationPort:
          range: {start: 53, end: 54}
"""
    banp = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  ingress:
  - action: Deny
    from:
    - pods:
        namespaceSelector: {}
        podSelector: {}
    ports:
    - portRange: {protocol: UDP, start: 1, end: 1024}
    - namedPort: web
"""
    assert "NP060" not in ids(findings(cnp, banp))


# --- NP080 ------------------------------------------------------------------------------------

def test_unmatched_subject_and_peer():
    found = findings(anp("typo", 5, "gryffindorr", INGRESS + rule("Deny", "slytherin")),
                     anp("peer-typo", 6, "gryffindor", INGRESS + rule("Deny", "slythrin")))
    assert at(found, "NP080") == [("p0.yaml", 7), ("p1.yaml", 15)]  # subject:, the peer
    assert "no namespace has house=gryffindorr" in found[0].message or any(
        "house=gryffindorr" in f.message for f in found)


def test_a_subject_of_only_host_network_pods_selects_nothing():
    host = BASE.replace("    spec:\n      containers:", "    spec:\n      hostNetwork: true\n      containers:")
    found = findings(anp("x", 5, "gryffindor", INGRESS + rule("Deny", "slytherin")), base=host)
    assert any(f.rule == "NP080" and "hostNetwork" in f.message for f in found)


# --- NP081 ------------------------------------------------------------------------------------

def test_same_priority_with_different_actions_on_the_same_traffic():
    deny = anp("deny", 10, "gryffindor", INGRESS + rule("Deny", "slytherin"))
    allow = anp("allow", 10, "gryffindor", INGRESS + rule("Allow", "slytherin"))
    found = findings(deny, allow)
    assert at(found, "NP081") == [("p0.yaml", 6), ("p1.yaml", 6)]
    # different priorities: ordered, no ambiguity (the later Allow is shadowed instead)
    found = findings(deny, allow.replace("priority: 10", "priority: 11"))
    assert "NP081" not in ids(found) and at(found, "NP082") == [("p1.yaml", 12)]
    # the same action, or disjoint traffic: nothing to choose between
    assert "NP081" not in ids(findings(deny, anp("deny2", 10, "gryffindor", INGRESS + rule("Deny", "slytherin"))))
    assert "NP081" not in ids(findings(deny, anp("allow-h", 10, "gryffindor", INGRESS + rule("Allow", "hufflepuff"))))


# --- NP082 ------------------------------------------------------------------------------------

def test_a_rule_after_a_broader_one_is_shadowed():
    ports = "    ports:\n    - portNumber: {protocol: TCP, port: 80}\n"
    body = INGRESS + rule("Deny", "slytherin", "deny-all") + rule("Allow", "slytherin", "allow-web", ports=ports)
    found = findings(anp("x", 5, "gryffindor", body))
    assert at(found, "NP082") == [("p0.yaml", 18)]  # the second rule's item
    assert "deny-all" in next(f.message for f in found if f.rule == "NP082")
    # the narrow rule first: both decide something
    body = INGRESS + rule("Allow", "slytherin", "allow-web", ports=ports) + rule("Deny", "slytherin", "deny-all")
    assert "NP082" not in ids(findings(anp("x", 5, "gryffindor", body)))


# --- NP083 ------------------------------------------------------------------------------------

def test_pass_to_nothing_and_pass_to_a_networkpolicy():
    passing = anp("pass", 5, "gryffindor", INGRESS + rule("Pass", "slytherin"))
    assert at(findings(passing), "NP083") == [("p0.yaml", 13)]  # action: Pass
    isolate = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n  namespace: gryffindor\n"
               "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n")
    assert "NP083" not in ids(findings(passing, isolate))
    banp = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  ingress:
  - action: Deny
    from:
    - namespaces:
        matchLabels: {house: slytherin}
"""
    assert "NP083" not in ids(findings(passing, banp))


# --- NP084 ------------------------------------------------------------------------------------

ALLOW_SLYTHERIN = """apiVersion: networking.k8s.io/v1
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
        matchLabels: {house: slytherin}
"""


def test_admin_deny_kills_a_networkpolicy_allow_on_its_line():
    found = findings(anp("deny", 5, "gryffindor", INGRESS + rule("Deny", "slytherin")), ALLOW_SLYTHERIN)
    assert at(found, "NP084") == [("p1.yaml", 10)]
    hit = next(f for f in found if f.rule == "NP084")
    assert "deny-slytherin" in hit.message and hit.related[0].path == "p0.yaml"
    # a Deny of one port leaves the rest of the allow alive: no finding
    ports = "    ports:\n    - portNumber: {protocol: TCP, port: 80}\n"
    found = findings(anp("deny", 5, "gryffindor", INGRESS + rule("Deny", "slytherin", ports=ports)), ALLOW_SLYTHERIN)
    assert "NP084" not in ids(found)


# --- NP085 / NP086 / NP087 --------------------------------------------------------------------

def test_priority_outside_what_ovn_kubernetes_implements():
    policy = anp("x", 150, "gryffindor", INGRESS + rule("Deny", "slytherin"))
    assert at(findings(policy, cni="ovn-kubernetes"), "NP085") == [("p0.yaml", 6)]
    assert "NP085" not in ids(findings(policy, cni="calico"))
    assert "NP085" not in ids(findings(policy))
    assert "NP085" not in ids(findings(policy.replace("150", "99"), cni="ovn-kubernetes"))


def test_baseline_not_named_default_is_rejected_and_left_out():
    banp = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: shop-baseline
spec:
  subject:
    namespaces: {}
  ingress:
  - action: Deny
    from:
    - namespaces: {}
"""
    assert at(findings(banp), "NP086") == [("p0.yaml", 4)]
    assert "NP086" not in ids(findings(banp.replace("shop-baseline", "default")))


def test_what_is_not_analysed_is_said_once_per_rule():
    cnp = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: egress
spec:
  tier: Admin
  priority: 1
  subject:
    namespaces: {}
  egress:
  - name: nodes-and-names
    action: Accept
    to:
    - nodes: {}
    - domainNames: [example.com]
    - networks: [10.0.0.0/8]
  - name: everything
    action: Deny
    to:
    - networks: [0.0.0.0/0]
"""
    found = [f for f in findings(cnp) if f.rule == "NP087"]
    assert [(f.path, f.span.start_line + 1) for f in found] == [("p0.yaml", 13)]
    assert "nodes" in found[0].message and "domainNames" in found[0].message and "10.0.0.0/8" in found[0].message


# --- what the tiers change in the NetworkPolicy rules ----------------------------------------

DB = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: gryffindor
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: postgres
        image: postgres:16
        ports:
        - containerPort: 5432
"""


def test_admin_accept_for_dns_silences_np012():
    deny_egress = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: no-egress\n"
                   "  namespace: gryffindor\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n")
    assert "NP012" in ids(findings(deny_egress))
    dns = anp("dns", 1, "gryffindor", "  egress:\n" + rule(
        "Allow", "ravenclaw", direction="egress", ports="    ports:\n    - portNumber: {protocol: UDP, port: 53}\n"))
    assert "NP012" not in ids(findings(deny_egress, dns))


def test_admin_deny_in_front_of_a_database_silences_np020_and_np021():
    assert "NP021" in ids(findings(DB))
    guard = anp("guard-db", 1, "gryffindor", INGRESS + rule("Deny", "slytherin"))
    assert "NP021" not in ids(findings(DB, guard))
    open_db = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: db\n  namespace: gryffindor\n"
               "spec:\n  podSelector:\n    matchLabels: {app: db}\n  policyTypes: [Ingress]\n  ingress:\n"
               "  - from:\n    - namespaceSelector: {}\n")
    assert "NP020" in ids(findings(DB, open_db))
    assert "NP020" not in ids(findings(DB, open_db, guard))


def test_a_named_port_with_a_networks_peer_is_rejected():
    cnp = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: named-out
spec:
  tier: Admin
  priority: 1
  subject:
    namespaces: {}
  egress:
  - action: Accept
    to:
    - networks: [192.0.2.0/24]
    protocols:
    - destinationNamedPort: web
"""
    found = [f for f in findings(cnp) if f.rule == "NP060"]
    assert [(f.span.start_line + 1, "named port" in f.message) for f in found] == [(12, True)]
