"""Static pods (ownerReferences to a Node, as kubeadm and minikube write their mirror pods) are
each their own endpoint `ns/podname[Pod]`: the kubelet runs each alone, so two static pods on
one node are two endpoints, with their own policies, in connectivity and in every rule."""
from __future__ import annotations

from netpol_lsp.analysis.connectivity import compute_connectivity
from netpol_lsp.analysis.explain import describe

from conftest import findings_of, make_workspace, workload


def static_pod(name: str, component: str, port: int) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}-node1
  namespace: kube-system
  labels: {{component: {component}, tier: control-plane}}
  ownerReferences:
  - {{apiVersion: v1, kind: Node, name: node1, controller: true, uid: n1}}
spec:
  containers: [{{name: {component}, image: registry.k8s.io/{component}:v1.30.0, ports: [{{containerPort: {port}}}]}}]
"""


ETCD_POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: etcd-from-apiserver, namespace: kube-system}
spec:
  podSelector: {matchLabels: {component: etcd}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {component: kube-apiserver}}}]
    ports: [{port: 2379}]
"""

FILES = {
    "apiserver.yaml": static_pod("kube-apiserver", "kube-apiserver", 6443),
    "etcd.yaml": static_pod("etcd", "etcd", 2379),
    "scheduler.yaml": static_pod("kube-scheduler", "kube-scheduler", 10259),
    "policy.yaml": ETCD_POLICY,
}


def test_static_pods_are_separate_endpoints_in_connectivity():
    result = compute_connectivity(make_workspace(FILES))
    assert sorted(result.endpoints) == ["kube-system/etcd-node1[Pod]", "kube-system/kube-apiserver-node1[Pod]",
                                        "kube-system/kube-scheduler-node1[Pod]"]
    pairs = {(c.src, c.dst): c.conn.canonical() for c in result.connections}
    # etcd admits the API server on 2379 only; the scheduler, a static pod on the same node, not at all
    assert pairs[("kube-system/kube-apiserver-node1[Pod]", "kube-system/etcd-node1[Pod]")] == "TCP 2379"
    assert ("kube-system/kube-scheduler-node1[Pod]", "kube-system/etcd-node1[Pod]") not in pairs
    assert pairs[("kube-system/etcd-node1[Pod]", "kube-system/kube-scheduler-node1[Pod]")] == "All Connections"


def test_rules_and_prose_name_the_static_pod_itself():
    workspace = make_workspace(FILES)
    assert describe(workload(workspace, "kube-system/etcd-node1")) == "Pod kube-system/etcd-node1"
    assert workload(workspace, "kube-system/etcd-node1").owner is None
    assert [f.rule for f in findings_of(FILES)] == []


def test_a_pod_with_a_real_controller_still_merges_into_it():
    owned = static_pod("cache-5d4-x7k2p", "cache", 6379).replace(
        "kind: Node, name: node1", "kind: ReplicaSet, name: cache-5d4")
    assert workload(make_workspace({"a.yaml": owned}), "kube-system/cache-5d4-x7k2p-node1").endpoint \
        == "kube-system/cache-5d4[ReplicaSet]"
