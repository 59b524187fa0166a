"""Old and foreign policy kinds: a NetworkPolicy in a removed API version is an error (NP093)
and analysed as v1; a policy kind the analysis does not model is named once per object (NP094),
and connectivity/explain print the same caveat above their output."""
from __future__ import annotations

import textwrap

from netpol_lsp.analysis.connectivity import compute_connectivity
from netpol_lsp.cli import main

from conftest import findings_of, make_workspace
from test_nested_workspaces import FLANNEL

API = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: example/api:1, ports: [{containerPort: 8080}]}]}
"""

V1BETA1_TYPO = """
apiVersion: extensions/v1beta1
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: apii}}
  policyTypes: [Ingress]
"""

CILIUM = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api-l7, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: api}}
  ingress: [{fromEndpoints: [{matchLabels: {app: web}}]}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-all}
spec: {selector: all(), types: [Ingress, Egress]}
---
apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: acnp-deny}
spec: {priority: 5, appliedTo: [{podSelector: {}}], ingress: [{action: Drop}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: modelled-elsewhere}
spec: {priority: 10, subject: {namespaces: {}}, ingress: []}
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: only-a-preview}
spec: {selector: all(), types: [Ingress]}
"""


def of(found, rule):
    return [(f.span.start_line + 1, f.message) for f in found if f.rule == rule]


def test_v1beta1_policy_is_an_error_and_analysed_as_v1():
    found = findings_of({"api.yaml": API, "policy.yaml": V1BETA1_TYPO})
    # line 2 of the policy file (1 is the blank line the fixture starts with) holds apiVersion
    assert [line for line, _ in of(found, "NP093")] == [2]
    assert "no longer served since Kubernetes 1.16" in of(found, "NP093")[0][1]
    # the typo the v1 version catches is caught here too (analysed as v1)
    assert [line for line, _ in of(found, "NP001")] == [6]
    fix = [f for f in found if f.rule == "NP093"][0].fixes[0]
    assert [e.new_text for e in fix.edits] == ["networking.k8s.io/v1"]
    assert fix.edits[0].span.start_line == 1 and fix.edits[0].span.start_col == len("apiVersion: ")


def test_networking_v1beta1_policy_and_its_isolation():
    policy = V1BETA1_TYPO.replace("extensions/v1beta1", "networking.k8s.io/v1beta1").replace("apii", "api")
    found = findings_of({"api.yaml": API, "policy.yaml": policy})
    assert [f.rule for f in found] == ["NP093"]
    assert "networking.k8s.io/v1beta1" in found[0].message
    # analysed as v1: it isolates shop/api for ingress, so nothing may reach it
    result = compute_connectivity(make_workspace({"api.yaml": API, "policy.yaml": policy}))
    assert not [c for c in result.connections if c.dst == "shop/api[Deployment]"]


def test_a_foreign_policy_is_named_once_per_object():
    found = findings_of({"api.yaml": API, "cilium.yaml": CILIUM})
    assert [f.rule for f in found] == ["NP094"] * 3
    messages = [f.message for f in found]
    assert messages[0].startswith("CiliumNetworkPolicy shop/api-l7 is not analysed: connectivity and "
                                  "isolation here ignore it")
    assert messages[1].startswith("GlobalNetworkPolicy deny-all is not analysed")
    assert messages[2].startswith("ClusterNetworkPolicy acnp-deny is not analysed") and "Antrea" in messages[2]
    assert [f.span.start_line + 1 for f in found] == [3, 10, 15]  # each at its `kind:` (line 1 is blank)


def test_connectivity_and_explain_print_the_caveat_above_their_output(tmp_path, capsys):
    (tmp_path / "api.yaml").write_text(textwrap.dedent(API))
    (tmp_path / "cilium.yaml").write_text(CILIUM)
    assert main(["connectivity", "--no-cache", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == ("netpol-lsp: caveat: CiliumNetworkPolicy shop/api-l7 is not analysed: "
                                   "connectivity and isolation here ignore it (Cilium enforces it beside "
                                   "the Kubernetes NetworkPolicies)")
    assert len(err.splitlines()) == 3 and "shop/api[Deployment]" in out
    assert main(["explain", "--no-cache", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("Caveat: CiliumNetworkPolicy shop/api-l7 is not analysed")
    assert lines[2].startswith("Caveat: ClusterNetworkPolicy acnp-deny") and lines[3] == ""
    assert "shop/api" in out


def test_without_foreign_policies_no_caveat(tmp_path, capsys):
    (tmp_path / "api.yaml").write_text(textwrap.dedent(API))
    assert main(["connectivity", "--no-cache", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


POSTGRES = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16, ports: [{containerPort: 5432}]}]}
"""


def test_np021_stays_silent_where_an_unseen_policy_may_isolate_the_database():
    assert [f.rule for f in findings_of({"db.yaml": POSTGRES})] == ["NP021"]
    namespaced = CILIUM.split("---")[0]  # the CiliumNetworkPolicy in shop
    assert [f.rule for f in findings_of({"db.yaml": POSTGRES, "c.yaml": namespaced})] == ["NP094"]
    elsewhere = namespaced.replace("namespace: shop", "namespace: web")
    assert sorted(f.rule for f in findings_of({"db.yaml": POSTGRES, "c.yaml": elsewhere})) == ["NP021", "NP094"]
    cluster_wide = CILIUM.split("---")[1]  # a Calico GlobalNetworkPolicy: every namespace
    assert [f.rule for f in findings_of({"db.yaml": POSTGRES, "c.yaml": cluster_wide})] == ["NP094"]


def test_connectivity_names_the_namespaces_whose_pods_it_cannot_see(tmp_path, capsys):
    """A folder of policies for workloads deployed from elsewhere: the list is empty because the
    pods are unseen, not because nothing may connect; stderr says so, naming the namespaces."""
    (tmp_path / "api.yaml").write_text(textwrap.dedent(API))
    (tmp_path / "policies.yaml").write_text(textwrap.dedent("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny, namespace: payments}
        spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-api, namespace: payments}
        spec: {podSelector: {matchLabels: {app: api}}, ingress: [{}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: api, namespace: shop}
        spec: {podSelector: {}, ingress: [{}]}
        """))
    assert main(["connectivity", "--no-cache", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    # shop has its workload: only payments is named, with its two policies
    assert err.splitlines() == ["netpol-lsp: caveat: no workload in the checked paths runs in payments "
                                "(2 policies): the connections of their pods are not listed; add the "
                                "manifests of those workloads to the paths to see them"]
    assert "shop/api[Deployment]" in out


def test_connectivity_and_explain_name_pods_operators_make_that_are_not_modelled(tmp_path, capsys):
    (tmp_path / "api.yaml").write_text(textwrap.dedent(API))
    (tmp_path / "db.yaml").write_text(textwrap.dedent("""
        apiVersion: acid.zalan.do/v1
        kind: postgresql
        metadata: {name: orders-db, namespace: shop}
        spec: {teamId: orders}
        """))
    assert main(["connectivity", "--no-cache", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == ["netpol-lsp: caveat: the pods operators make of postgresql shop/orders-db are not "
                                "in this analysis: their labels and ports are not known (NP097 says how to "
                                "declare them)"]
    assert "shop/api[Deployment]" in out and "orders-db" not in out
    assert main(["explain", "--no-cache", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("Caveat: the pods operators make of postgresql shop/orders-db")


DENY_SHOP = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Egress], ingress: [{from: [{podSelector: {}}]}]}
"""


def test_connectivity_says_when_the_cni_does_not_do_what_the_api_says(tmp_path, capsys):
    (tmp_path / "api.yaml").write_text(textwrap.dedent(API))
    (tmp_path / "deny.yaml").write_text(DENY_SHOP)
    (tmp_path / "flannel.yaml").write_text(textwrap.dedent(FLANNEL))
    assert main(["connectivity", "--no-cache", str(tmp_path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["netpol-lsp: caveat: the cluster's CNI is Flannel (detected from DaemonSet "
                   "kube-flannel/kube-flannel-ds, with no kube-network-policies container and no Calico beside "
                   "it), which does not enforce NetworkPolicy: there every connection is open, and the "
                   "connections here are what the policies would allow where enforced"]
    # Cilium enforces the ingress rule that policyTypes [Egress] leaves out: said, naming the policy
    (tmp_path / "flannel.yaml").unlink()
    (tmp_path / ".netpol-lsp.yaml").write_text("cni: cilium\n")
    assert main(["connectivity", "--no-cache", str(tmp_path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("netpol-lsp: caveat: ingress rules outside policyTypes (shop/deny) "
                                               "follow the Kubernetes API here (ignored), but the cluster's CNI, "
                                               "Cilium (declared in the configuration), enforces ingress rules")
    # Calico follows the API: nothing to say
    (tmp_path / ".netpol-lsp.yaml").write_text("cni: calico\n")
    assert main(["connectivity", "--no-cache", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""
