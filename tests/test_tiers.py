"""The Admin and Baseline tiers in the connectivity engine, case by case.

The workspace is tests/data/tiers/base.yaml: namespaces gryffindor, slytherin, hufflepuff and
ravenclaw (label house=<name>), each with one StatefulSet (harry, draco, cedric, luna) serving
TCP 80 (web), TCP 8080 (alt), UDP 53 (dns), UDP 5353 (mdns), SCTP 9003 and 9005. The scenarios
follow the network-policy-api conformance tests (priority, Pass into NetworkPolicy and into
Baseline, CIDR networks, named ports, both API versions); every expected value is worked out by
hand from the API's documented order: Admin by priority, rules in order, first match wins ->
NetworkPolicy -> Baseline -> allowed.
"""
from __future__ import annotations

from pathlib import Path

from netpol_lsp.analysis.connectivity import compute_connectivity
from netpol_lsp.workspace import Workspace

BASE = (Path(__file__).parent / "data" / "tiers" / "base.yaml").read_text(encoding="utf-8")
NAMES = {"gryffindor": "gryffindor/harry[StatefulSet]", "slytherin": "slytherin/draco[StatefulSet]",
         "hufflepuff": "hufflepuff/cedric[StatefulSet]", "ravenclaw": "ravenclaw/luna[StatefulSet]"}
ALL = "All Connections"


def connections(*documents: str) -> dict[tuple[str, str], str]:
    workspace = Workspace()
    workspace.set_text("base.yaml", BASE)
    for number, text in enumerate(documents):
        workspace.set_text(f"policy-{number}.yaml", text)
    short = {v: k for k, v in NAMES.items()}
    return {(short.get(c.src, c.src), short.get(c.dst, c.dst)): c.conn.canonical()
            for c in compute_connectivity(workspace).connections}


def cnp(name: str, tier: str, priority: int, subject: str, body: str) -> str:
    return (f"apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n"
            f"  name: {name}\nspec:\n  tier: {tier}\n  priority: {priority}\n  subject:\n"
            f"    namespaces:\n      matchLabels: {{house: {subject}}}\n{body}")


def np(namespace: str, body: str) -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n"
            f"  namespace: {namespace}\nspec:\n  podSelector: {{}}\n{body}")


FROM_SLYTHERIN_DENY = """  ingress:
  - name: from-slytherin
    action: Deny
    from:
    - namespaces:
        matchLabels: {house: slytherin}
"""
FROM_SLYTHERIN_ACCEPT = FROM_SLYTHERIN_DENY.replace("action: Deny", "action: Accept")
FROM_SLYTHERIN_PASS = FROM_SLYTHERIN_DENY.replace("action: Deny", "action: Pass")


def test_without_cluster_policies_everything_is_open():
    found = connections()
    assert found[("slytherin", "gryffindor")] == ALL
    assert found[("0.0.0.0/0", "gryffindor")] == ALL


def test_admin_deny_ingress_and_no_implicit_isolation():
    found = connections(cnp("deny", "Admin", 10, "gryffindor", FROM_SLYTHERIN_DENY))
    assert ("slytherin", "gryffindor") not in found
    # the policy isolates nothing else: other sources, and the subject's egress, stay open
    assert found[("hufflepuff", "gryffindor")] == ALL
    assert found[("0.0.0.0/0", "gryffindor")] == ALL
    assert found[("gryffindor", "slytherin")] == ALL


def test_lower_priority_number_wins_and_changing_it_flips_the_outcome():
    deny10 = cnp("deny", "Admin", 10, "gryffindor", FROM_SLYTHERIN_DENY)
    accept20 = cnp("accept", "Admin", 20, "gryffindor", FROM_SLYTHERIN_ACCEPT)
    assert ("slytherin", "gryffindor") not in connections(deny10, accept20)
    deny30 = deny10.replace("priority: 10", "priority: 30")
    assert connections(deny30, accept20)[("slytherin", "gryffindor")] == ALL


def test_admin_accept_overrides_a_networkpolicy_that_denies():
    deny_all = np("gryffindor", "  policyTypes: [Ingress]\n")
    found = connections(deny_all, cnp("accept", "Admin", 5, "gryffindor", FROM_SLYTHERIN_ACCEPT))
    assert found[("slytherin", "gryffindor")] == ALL
    assert ("hufflepuff", "gryffindor") not in found  # the NetworkPolicy decides for the others


def test_egress_accept_does_not_open_the_destination_ingress():
    egress = """  egress:
  - name: to-slytherin
    action: Accept
    to:
    - namespaces:
        matchLabels: {house: slytherin}
"""
    found = connections(cnp("out", "Admin", 5, "gryffindor", egress), np("slytherin", "  policyTypes: [Ingress]\n"))
    assert ("gryffindor", "slytherin") not in found


def test_pass_hands_over_to_the_networkpolicy():
    allow_8080 = np("gryffindor", """  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {house: slytherin}
    ports:
    - port: 8080
""")
    found = connections(cnp("pass", "Admin", 10, "gryffindor", FROM_SLYTHERIN_PASS), allow_8080)
    assert found[("slytherin", "gryffindor")] == "TCP 8080"
    assert ("hufflepuff", "gryffindor") not in found


def test_pass_skips_the_rest_of_the_admin_tier_and_reaches_the_baseline():
    deny_later = cnp("deny", "Admin", 50, "gryffindor", FROM_SLYTHERIN_DENY)
    passing = cnp("pass", "Admin", 10, "gryffindor", FROM_SLYTHERIN_PASS)
    # nothing below: the passed traffic is allowed by default, the later Deny never sees it
    assert connections(passing, deny_later)[("slytherin", "gryffindor")] == ALL
    banp = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  ingress:
  - name: deny-udp-from-slytherin
    action: Deny
    from:
    - namespaces:
        matchLabels: {house: slytherin}
    ports:
    - portRange: {protocol: UDP, start: 1, end: 65535}
"""
    found = connections(passing, deny_later, banp)
    assert found[("slytherin", "gryffindor")] == "SCTP 1-65535;TCP 1-65535"
    # the baseline also reaches pods no admin rule touched
    assert found[("slytherin", "hufflepuff")] == "SCTP 1-65535;TCP 1-65535"


def test_networkpolicy_overrides_the_baseline():
    baseline = cnp("default", "Baseline", 10, "gryffindor", """  ingress:
  - name: deny-all
    action: Deny
    from:
    - namespaces: {}
""")
    allow_ravenclaw = np("gryffindor", """  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {house: ravenclaw}
""")
    found = connections(baseline, allow_ravenclaw)
    assert found[("ravenclaw", "gryffindor")] == ALL
    assert ("hufflepuff", "gryffindor") not in found
    # outside the cluster is no `namespaces` peer: the baseline lets it through, the NetworkPolicy not
    assert ("0.0.0.0/0", "gryffindor") not in found
    assert connections(baseline)[("0.0.0.0/0", "gryffindor")] == ALL
    assert ("ravenclaw", "gryffindor") not in connections(baseline)


def test_first_matching_rule_decides_per_port():
    rules = """  egress:
  - name: accept-udp-53
    action: Accept
    to:
    - namespaces:
        matchLabels: {house: hufflepuff}
    protocols:
    - udp:
        destinationPort:
          number: 53
  - name: accept-tcp-range
    action: Accept
    to:
    - namespaces:
        matchLabels: {house: hufflepuff}
    protocols:
    - tcp:
        destinationPort:
          range: {start: 80, end: 8080}
  - name: deny-rest
    action: Deny
    to:
    - namespaces:
        matchLabels: {house: hufflepuff}
"""
    found = connections(cnp("ports", "Admin", 3, "gryffindor", rules))
    assert found[("gryffindor", "hufflepuff")] == "TCP 80-8080;UDP 53"
    assert found[("gryffindor", "ravenclaw")] == ALL


def test_networks_cidr_everything_matches_pods_too():
    rules = """  egress:
  - name: accept-slytherin
    action: Accept
    to:
    - pods:
        namespaceSelector:
          matchLabels: {house: slytherin}
        podSelector: {}
  - name: deny-internet
    action: Deny
    to:
    - networks: [0.0.0.0/0, "::/0"]
"""
    found = connections(cnp("cidr", "Admin", 85, "gryffindor", rules))
    assert found[("gryffindor", "slytherin")] == ALL
    assert ("gryffindor", "hufflepuff") not in found  # 0.0.0.0/0 holds every pod address
    assert not any(src == "gryffindor" and "/" in dst and "[" not in dst for src, dst in found)
    assert found[("hufflepuff", "ravenclaw")] == ALL


def test_networks_cidr_cuts_the_outside_world():
    rules = """  egress:
  - name: deny-private
    action: Deny
    to:
    - networks: [10.0.0.0/8]
"""
    found = connections(cnp("cidr", "Admin", 1, "gryffindor", rules))
    outside = {dst: conn for (src, dst), conn in found.items() if src == "gryffindor" and "[" not in dst
               and dst not in NAMES}
    assert outside == {"0.0.0.0/5,8.0.0.0/7,11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,64.0.0.0/2,128.0.0.0/1": ALL}
    # pod addresses are unknown: a partial CIDR is taken to match no pod (NP087 says so)
    assert found[("gryffindor", "slytherin")] == ALL


def test_named_ports_v1alpha1_and_both_versions_together():
    anp = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: dns-only
spec:
  priority: 4
  subject:
    pods:
      namespaceSelector:
        matchLabels: {house: gryffindor}
      podSelector: {}
  ingress:
  - name: allow-dns
    action: Allow
    from:
    - namespaces:
        matchLabels: {house: ravenclaw}
    ports:
    - namedPort: dns
  - name: deny-rest
    action: Deny
    from:
    - namespaces:
        matchLabels: {house: ravenclaw}
"""
    deny_slytherin = cnp("deny", "Admin", 10, "gryffindor", FROM_SLYTHERIN_DENY)
    found = connections(anp, deny_slytherin)
    assert found[("ravenclaw", "gryffindor")] == "UDP 53"
    assert ("slytherin", "gryffindor") not in found
    assert found[("hufflepuff", "gryffindor")] == ALL


def test_a_peer_the_model_cannot_read_fails_closed():
    unknown = """  ingress:
  - name: future-peer
    action: {action}
    from:
    - futurePeer: {{}}
"""
    deny = connections(cnp("x", "Admin", 1, "gryffindor", unknown.format(action="Deny")))
    assert not any(dst == "gryffindor" for _src, dst in deny)  # Deny: deny all
    passing = connections(cnp("x", "Admin", 1, "gryffindor", unknown.format(action="Pass")))
    assert not any(dst == "gryffindor" for _src, dst in passing)  # Pass fails closed to deny all too
    accept = connections(np("gryffindor", "  policyTypes: [Ingress]\n"),
                         cnp("x", "Admin", 1, "gryffindor", unknown.format(action="Accept")))
    assert not any(dst == "gryffindor" for _src, dst in accept)  # Accept: matches nothing


def test_host_network_pods_are_outside_the_tiers():
    host = BASE.split("---\n")[-1].replace("name: luna", "name: node-agent").replace(
        "    spec:\n      containers:", "    spec:\n      hostNetwork: true\n      containers:")
    deny = cnp("deny-ravenclaw", "Admin", 1, "ravenclaw", """  ingress:
  - name: deny-all
    action: Deny
    from:
    - namespaces: {}
""")
    found = connections(host, deny)
    assert ("gryffindor", "ravenclaw") not in found
    assert found[("gryffindor", "ravenclaw/node-agent[StatefulSet]")] == ALL


def test_antreas_own_clusternetworkpolicy_is_not_this_api():
    antrea = cnp("antrea", "Admin", 1, "gryffindor", FROM_SLYTHERIN_DENY).replace(
        "policy.networking.k8s.io/v1alpha2", "crd.antrea.io/v1beta1")
    assert connections(antrea)[("slytherin", "gryffindor")] == ALL


def test_baseline_tier_priorities_and_a_baseline_pass():
    allow_first = cnp("b-allow", "Baseline", 1, "gryffindor", FROM_SLYTHERIN_ACCEPT)
    deny_later = cnp("b-deny", "Baseline", 2, "gryffindor", FROM_SLYTHERIN_DENY)
    assert connections(allow_first, deny_later)[("slytherin", "gryffindor")] == ALL
    assert ("slytherin", "gryffindor") not in connections(allow_first.replace("priority: 1", "priority: 3"), deny_later)
    # a Pass in the Baseline tier skips the later Baseline Deny and ends in the default: allowed
    passing = cnp("b-pass", "Baseline", 1, "gryffindor", FROM_SLYTHERIN_PASS)
    assert connections(passing, deny_later)[("slytherin", "gryffindor")] == ALL


def test_egress_pass_goes_to_the_networkpolicy_egress_and_v1beta1_reads_the_same():
    body = """  egress:
  - name: pass-to-hufflepuff
    action: Pass
    to:
    - namespaces:
        matchLabels: {house: hufflepuff}
  - name: deny-hufflepuff
    action: Deny
    to:
    - namespaces:
        matchLabels: {house: hufflepuff}
"""
    egress_dns_only = np("gryffindor", """  policyTypes: [Egress]
  egress:
  - ports:
    - port: 53
      protocol: UDP
""")
    policy = cnp("p", "Admin", 2, "gryffindor", body).replace("v1alpha2", "v1beta1")
    found = connections(policy, egress_dns_only)
    assert found[("gryffindor", "hufflepuff")] == "UDP 53"
    assert found[("gryffindor", "ravenclaw")] == "UDP 53"  # the NetworkPolicy alone decides there


def test_a_pods_peer_without_pod_selector_is_every_pod_of_its_namespaces():
    body = """  ingress:
  - name: deny-ravenclaw-pods
    action: Deny
    from:
    - pods:
        namespaceSelector:
          matchLabels: {house: ravenclaw}
"""
    found = connections(cnp("x", "Admin", 1, "gryffindor", body))
    assert ("ravenclaw", "gryffindor") not in found
    assert found[("hufflepuff", "gryffindor")] == ALL
