"""Issue 16's nine measured cases, each on a fixture of the shape found in a public repository
(tests/precision/ holds whole workspaces with their complete expected findings)."""
from __future__ import annotations

import textwrap

import pytest

from conftest import findings_of, make_workspace
from netpol_lsp.analysis.incremental import analyze_workspace
from netpol_lsp.analysis.suggest import one_edit_apart
from netpol_lsp.config import Config, parse_config
from netpol_lsp.workspace import Workspace


def deployment(name, namespace, labels, kind="Deployment", image="example/app:1", extra_spec="", ports=()):
    label_text = "".join(f"\n        {k}: {v}" for k, v in labels.items())
    port_text = "".join(f"\n        - containerPort: {p}" for p in ports)
    port_block = f"\n        ports:{port_text}" if ports else ""
    return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n"
            f"  template:\n    metadata:\n      labels:{label_text}\n    spec:{extra_spec}\n      containers:\n"
            f"      - name: main\n        image: {image}{port_block}\n")


def namespace(name, labels=None):
    label_text = "".join(f"\n    {k}: {v}" for k, v in (labels or {}).items())
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n" + (f"  labels:{label_text}\n" if labels else "")


def policy(name, ns, spec):
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
            f"spec:\n{textwrap.indent(textwrap.dedent(spec).strip(), '  ')}\n")


def of(found, rule):
    return [f for f in found if f.rule == rule]


# --- 1. NP004 never beside an empty selector; only where the OR looks like a mistake ------------

KATIB_SPEC = """
podSelector:
  matchLabels:
    katib.kubeflow.org/component: db-manager
policyTypes: [Ingress]
ingress:
- from:
  - namespaceSelector:
      matchLabels:
        app.kubernetes.io/part-of: kubeflow-profile
  # allow all pods from the same namespace
  - podSelector: {}
  ports:
  - port: 6789
"""


def test_np004_silent_beside_an_empty_pod_selector_katib_shape():
    files = {"ns.yaml": namespace("kubeflow") + "---\n" + namespace("alice", {"app.kubernetes.io/part-of": "kubeflow-profile"}),
             "db-manager.yaml": deployment("katib-db-manager", "kubeflow", {"katib.kubeflow.org/component": "db-manager"}),
             "trial.yaml": deployment("trial", "alice", {"app": "trial"}),
             "katib-db-manager.yaml": policy("katib-db-manager", "kubeflow", KATIB_SPEC)}
    assert of(findings_of(files), "NP004") == []


def test_np004_silent_when_the_or_reads_as_meant():
    # "from the ops namespaces, or from web in my namespace": web lives here, not in ops
    spec = KATIB_SPEC.replace("app.kubernetes.io/part-of: kubeflow-profile", "team: ops") \
        .replace("  - podSelector: {}", "  - podSelector:\n      matchLabels:\n        app: web")
    files = {"ns.yaml": namespace("shop") + "---\n" + namespace("ops", {"team": "ops"}),
             "w.yaml": deployment("web", "shop", {"app": "web"}) + "---\n" + deployment("prom", "ops", {"app": "prometheus"})
             + "---\n" + deployment("db", "shop", {"katib.kubeflow.org/component": "db-manager"}),
             "p.yaml": policy("p", "shop", spec)}
    assert of(findings_of(files), "NP004") == []


def test_np004_fires_when_the_peers_overlap_and_names_the_evidence():
    spec = KATIB_SPEC.replace("app.kubernetes.io/part-of: kubeflow-profile", "team: shop") \
        .replace("  - podSelector: {}", "  - podSelector:\n      matchLabels:\n        app: web")
    files = {"ns.yaml": namespace("shop", {"team": "shop"}),
             "w.yaml": deployment("web", "shop", {"app": "web"}) + "---\n"
             + deployment("db", "shop", {"katib.kubeflow.org/component": "db-manager"}),
             "p.yaml": policy("p", "shop", spec)}
    (found,) = of(findings_of(files), "NP004")
    assert "namespace shop itself has team=shop" in found.message


# --- 2. NP002: an empty selector always matches ---------------------------------------------

FLUX_ALLOW_EGRESS = """
podSelector: {}
ingress:
- from:
  - podSelector: {}
egress:
- {}
policyTypes: [Ingress, Egress]
"""


def test_np002_never_on_an_empty_pod_selector_peer_flux_shape():
    found = findings_of({"policies/allow-egress.yaml": policy("allow-egress", "flux-system", FLUX_ALLOW_EGRESS)})
    assert of(found, "NP002") == []


def test_np002_never_on_an_empty_pod_selector_peer_beside_workloads():
    files = {"d.yaml": deployment("api", "shop", {"app": "api"}),
             "p.yaml": policy("same-ns", "shop", FLUX_ALLOW_EGRESS)}
    assert of(findings_of(files), "NP002") == []


# --- 3. NP012: DNS from another policy when no pod is visible --------------------------------

def test_np012_answered_by_a_covering_policy_without_visible_pods():
    web = policy("web-egress", "shop", """
        podSelector:
          matchLabels:
            app: web
        policyTypes: [Egress]
        egress:
        - to:
          - podSelector:
              matchLabels:
                app: db
          ports:
          - port: 5432
        """)
    allow_all = policy("allow-all-egress", "shop", "podSelector: {}\npolicyTypes: [Egress]\negress:\n- {}\n")
    assert of(findings_of({"web.yaml": web, "all.yaml": allow_all}), "NP012") == []
    (found,) = of(findings_of({"web.yaml": web}), "NP012")  # alone, it does block DNS
    assert "the selected pods" in found.message


# --- 4. NP030: the CNI table knows who enforces -----------------------------------------------

FLANNEL = deployment("kube-flannel-ds", "kube-flannel", {"app": "flannel"}, kind="DaemonSet",
                     image="docker.io/flannel/flannel:v0.26.1", extra_spec="\n      hostNetwork: true")
NETPOL = FLANNEL.replace("        image: docker.io/flannel/flannel:v0.26.1\n",
                         "        image: docker.io/flannel/flannel:v0.26.1\n      - name: kube-network-policies\n"
                         "        image: registry.k8s.io/networking/kube-network-policies:v0.6.0\n")
CALICO_NODE = deployment("calico-node", "kube-system", {"k8s-app": "calico-node"}, kind="DaemonSet",
                         image="docker.io/calico/node:v3.28.0", extra_spec="\n      hostNetwork: true")
CANAL = deployment("canal", "kube-system", {"k8s-app": "canal"}, kind="DaemonSet",
                   image="docker.io/calico/node:v3.28.0", extra_spec="\n      hostNetwork: true")
DENY = policy("deny", "shop", "podSelector: {}\npolicyTypes: [Ingress]\n")


@pytest.mark.parametrize("cni", [NETPOL, FLANNEL + "---\n" + CALICO_NODE, CANAL + "---\n" + FLANNEL],
                         ids=["flannel-netpol-enabled", "calico-beside-flannel", "canal"])
def test_np030_silent_where_flannel_deployments_enforce(cni):
    assert of(findings_of({"cni.yaml": cni, "deny.yaml": DENY}), "NP030") == []


def test_np030_flannel_alone_names_its_evidence_and_k3s():
    (found,) = of(findings_of({"cni.yaml": FLANNEL, "deny.yaml": DENY}), "NP030")
    assert "kube-flannel/kube-flannel-ds, with no kube-network-policies container" in found.message
    assert "cni: k3s" in found.message


def test_np030_k3s_declared_enforces():
    config = parse_config("cni: k3s\n")
    assert config.problems == [] and config.cni == "k3s"
    assert of(findings_of({"cni.yaml": FLANNEL, "deny.yaml": DENY}, config), "NP030") == []


# --- 5. NP011: what the CNI does with rules outside policyTypes -------------------------------

EGRESS_ONLY_WITH_INGRESS = policy("p", "shop", """
    podSelector: {}
    policyTypes: [Egress]
    ingress:
    - from:
      - podSelector: {}
    egress:
    - {}
    """)


def test_np011_under_cilium_says_cilium_enforces_them():
    (found,) = of(findings_of({"p.yaml": EGRESS_ONLY_WITH_INGRESS}, Config(cni="cilium")), "NP011")
    assert "Cilium (declared in the configuration)" in found.message and "cilium/cilium#48703" in found.message
    assert "the selected pods are isolated for ingress" in found.message


def test_np011_under_aws_says_policy_types_are_ignored():
    (found,) = of(findings_of({"p.yaml": EGRESS_ONLY_WITH_INGRESS}, Config(cni="aws-vpc-cni")), "NP011")
    assert "ignores policyTypes" in found.message


def test_np011_without_a_known_cni_speaks_of_the_api():
    (found,) = of(findings_of({"p.yaml": EGRESS_ONLY_WITH_INGRESS}), "NP011")
    assert "Kubernetes does not enforce it" in found.message


# --- 6. NP021: a Job running a database image is a client ----------------------------------

CONFIGURE_CANAL = deployment("configure-canal", "kube-system", {"k8s-app": "configure-canal"}, kind="Job",
                             image="quay.io/coreos/etcd:v3.5.1", extra_spec="\n      hostNetwork: true")


def test_np021_not_on_canal_configure_job():
    assert of(findings_of({"canal.yaml": CONFIGURE_CANAL}), "NP021") == []


def test_np021_on_an_etcd_statefulset_by_image_with_evidence():
    etcd = deployment("etcd", "infra", {"app": "etcd"}, kind="StatefulSet", image="quay.io/coreos/etcd:v3.5.1")
    (found,) = of(findings_of({"etcd.yaml": etcd}), "NP021")
    assert "runs quay.io/coreos/etcd:v3.5.1 (a database image serving 2379)" in found.message


# --- 7. did you mean: typos only, never a wider selection --------------------------------------

def _np001(workloads: str, selector_labels: dict):
    labels = "".join(f"\n    {k}: {v}" for k, v in selector_labels.items())
    found = findings_of({"w.yaml": workloads,
                         "p.yaml": policy("p", "ns", f"podSelector:\n  matchLabels:{labels}\npolicyTypes: [Ingress]")})
    (np001,) = of(found, "NP001")
    return np001


@pytest.mark.parametrize("workloads, wrong", [
    (deployment("prometheus-k8s", "ns", {"app.kubernetes.io/part-of": "kube-prometheus"}),
     {"app.kubernetes.io/name": "prometheus"}),
    (deployment("argocd-repo-server", "ns", {"app.kubernetes.io/name": "argocd-repo-server"}),
     {"app.kubernetes.io/name": "argocd-server"}),
    (deployment("argocd-application-controller", "ns", {"app.kubernetes.io/name": "argocd-application-controller"}),
     {"app.kubernetes.io/name": "argocd-notifications-controller"}),
], ids=["another-key", "another-component", "another-controller"])
def test_did_you_mean_never_offers_another_selection(workloads, wrong):
    found = _np001(workloads, wrong)
    assert "did you mean" not in found.message and found.fixes == []


def test_did_you_mean_offers_a_value_typo_and_a_key_typo():
    found = _np001(deployment("frontend", "ns", {"app": "frontend"}), {"app": "frontnd"})
    assert "did you mean app=frontend, on Deployment ns/frontend?" in found.message and found.fixes
    found = _np001(deployment("frontend", "ns", {"app": "frontend"}), {"apps": "frontend"})
    assert "did you mean app=frontend" in found.message and found.fixes


def test_did_you_mean_never_widens_to_several_workloads():
    workloads = (deployment("frontend", "ns", {"app": "frontend"}) + "---\n"
                 + deployment("frontend-canary", "ns", {"app": "frontend"}))
    found = _np001(workloads, {"app": "frontnd"})
    assert "did you mean" not in found.message and found.fixes == []


@pytest.mark.parametrize("a, b, expected", [
    ("frontnd", "frontend", True), ("frontend", "frontnd", True), ("wbe", "web", True), ("dbx", "dby", True),
    ("argocd-server", "argocd-repo-server", False), ("db", "db", False), ("ab", "ba", True), ("abc", "cab", False),
])
def test_one_edit_apart(a, b, expected):
    assert one_edit_apart(a, b) is expected


# --- 8. one selector, one finding --------------------------------------------------------------

def test_an_unknown_namespace_in_an_in_selector_is_np003_alone():
    spec = """
        podSelector: {}
        policyTypes: [Ingress]
        ingress:
        - from:
          - namespaceSelector:
              matchExpressions:
              - key: kubernetes.io/metadata.name
                operator: In
                values: [istio-system]
        """
    found = findings_of({"ns.yaml": namespace("shop"), "d.yaml": deployment("api", "shop", {"app": "api"}),
                         "p.yaml": policy("p", "shop", spec)})
    assert [f.rule for f in found if f.rule in ("NP002", "NP003")] == ["NP003"]


# --- 9. findings real repositories needed -------------------------------------------------------

SOCK_SHOP_NS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: sock-shop
  annotations:
    net.beta.kubernetes.io/network-policy: |
      {
        "ingress": {
          "isolation": "DefaultDeny"
        }
      }
"""


def test_np023_the_obsolete_default_deny_annotation():
    (found,) = of(findings_of({"ns.yaml": SOCK_SHOP_NS}), "NP023")
    assert found.span.start_line == 5 and "ignores since 1.7" in found.message


def test_np024_a_policy_that_selects_only_host_network_pods():
    exporter = deployment("node-exporter", "monitoring", {"app.kubernetes.io/name": "node-exporter"}, kind="DaemonSet",
                          image="quay.io/prometheus/node-exporter:v1.8.2", extra_spec="\n      hostNetwork: true")
    spec = "podSelector:\n  matchLabels:\n    app.kubernetes.io/name: node-exporter\npolicyTypes: [Ingress]\n"
    (found,) = of(findings_of({"ds.yaml": exporter, "p.yaml": policy("node-exporter", "monitoring", spec)}), "NP024")
    assert found.path == "p.yaml" and "DaemonSet monitoring/node-exporter" in found.message


def _three_namespaces(isolated=("a", "b")):
    files = {f"{ns}.yaml": deployment("api", ns, {"app": "api"}) for ns in ("a", "b", "c")}
    for ns in isolated:
        files[f"{ns}-deny.yaml"] = policy("deny", ns, "podSelector: {}\npolicyTypes: [Ingress]\n")
    return files


def test_np025_once_for_the_namespace_left_open_among_isolated_sisters():
    found = of(findings_of(_three_namespaces()), "NP025")
    assert [(f.path, f.severity.name) for f in found] == [("c.yaml", "INFO")]
    assert "2 sister namespaces (a, b)" in found[0].message
    assert of(findings_of(_three_namespaces(isolated=("a",))), "NP025") == []  # b is open too


def test_np025_follows_an_edit_in_another_namespace_incrementally():
    workspace = make_workspace(_three_namespaces())
    before = analyze_workspace(workspace)
    assert [f.rule for f in before.findings_of("c.yaml")] == ["NP025"]
    edited = Workspace(workspace.config)
    edited.files = dict(workspace.files)
    edited.set_text("b-deny.yaml", policy("deny", "b", "podSelector: {}\npolicyTypes: []\n"))
    after = analyze_workspace(edited, (), before)
    assert after.rechecked is not None  # incremental, not a full analysis
    assert after.findings_of("c.yaml") == []
    assert [f.message for f in after.findings()] == [f.message for f in analyze_workspace(edited).findings()]


# --- what the analysis cannot see: said once, as an info -----------------------------------------

def test_kube_system_selectors_are_not_claimed_to_match_nothing():
    coredns_policy = policy("coredns", "kube-system", "podSelector:\n  matchLabels:\n    k8s-app: kube-dns\n"
                                                      "policyTypes: [Ingress]\ningress:\n- ports:\n  - port: 53\n"
                                                      "    protocol: UDP\n")
    dns_egress = policy("dns", "shop", """
        podSelector: {}
        policyTypes: [Egress]
        egress:
        - to:
          - namespaceSelector:
              matchLabels:
                kubernetes.io/metadata.name: kube-system
            podSelector:
              matchLabels:
                k8s-app: kube-dns
        """)
    found = findings_of({"calico.yaml": CALICO_NODE, "coredns.yaml": coredns_policy, "dns.yaml": dns_egress,
                         "api.yaml": deployment("api", "shop", {"app": "api"})})
    assert of(found, "NP002") == []
    (np001,) = of(found, "NP001")
    assert np001.severity.name == "INFO" and "kubectl get pods -n kube-system" in np001.message


def test_a_policy_only_namespace_gets_one_info_not_a_warning_per_selector():
    policies = {f"p{i}.yaml": policy(f"p{i}", "default", f"podSelector:\n  matchLabels:\n    app: a{i}\n"
                                                         "policyTypes: [Ingress]\ningress:\n- from:\n"
                                                         "  - podSelector:\n      matchLabels:\n        app: b\n")
                for i in range(3)}
    found = findings_of(policies)
    assert [(f.rule, f.severity.name, f.path) for f in found] == [("NP001", "INFO", "p0.yaml")]
    assert "3 policies" in found[0].message


def test_an_or_meant_as_an_and_is_np004_alone():
    # prometheus runs in monitoring only: the pod-only peer matches nothing because the OR was meant as AND
    spec = """
        podSelector:
          matchLabels:
            app: api
        policyTypes: [Ingress]
        ingress:
        - from:
          - namespaceSelector:
              matchLabels:
                kubernetes.io/metadata.name: monitoring
          - podSelector:
              matchLabels:
                app: prometheus
        """
    files = {"ns.yaml": namespace("shop") + "---\n" + namespace("monitoring"),
             "w.yaml": deployment("api", "shop", {"app": "api"}) + "---\n"
             + deployment("prometheus", "monitoring", {"app": "prometheus"}),
             "p.yaml": policy("p", "shop", spec)}
    found = findings_of(files)
    assert [f.rule for f in found if f.rule in ("NP002", "NP004")] == ["NP004"]
    assert "Deployment monitoring/prometheus" in of(found, "NP004")[0].message
