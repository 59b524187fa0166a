"""Each rule of the check issue: a failing case (rule and anchor line checked) and a passing one."""
import textwrap

import pytest

from conftest import findings_of
from netpol_lsp.config import Config

SHOP = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: frontend
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 80
          name: http
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  template:
    metadata:
      labels:
        role: db
    spec:
      containers:
      - name: mysql
        image: mysql:8
        ports:
        - containerPort: 3306
          name: mysql
"""

DB_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: shop
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: frontend
    ports:
    - port: 3306
"""


def run(policy_text, rule, config=None, workloads=SHOP):
    found = findings_of({"workloads.yaml": workloads, "policy.yaml": textwrap.dedent(policy_text)}, config)
    return [f for f in found if f.rule == rule]


def lines(found):
    return [f.span.start_line + 1 for f in found]  # 1-based, as an editor shows them


def test_baseline_is_clean():
    assert findings_of({"workloads.yaml": SHOP, "policy.yaml": DB_POLICY}) == []


def test_np001_typo_selector_anchored_on_pod_selector_key():
    found = run(DB_POLICY.replace("role: db", "role: dbb"), "NP001")
    assert lines(found) == [7]  # the `podSelector:` key
    assert "role=dbb" in found[0].message and "did you mean role=db" in found[0].message
    assert "StatefulSet shop/db" in found[0].message
    assert found[0].related and found[0].related[0].path == "workloads.yaml"


def test_np001_silent_when_selector_matches():
    assert run(DB_POLICY, "NP001") == []


def test_np002_unmatched_peer_on_its_selector():
    found = run(DB_POLICY.replace("app: frontend", "app: frontnd"), "NP002")
    assert lines(found) == [13]  # the peer's `podSelector:` key
    assert "did you mean app=frontend" in found[0].message
    assert run(DB_POLICY, "NP002") == []


def test_np002_namespace_selector_matching_no_namespace():
    text = DB_POLICY.replace("    - podSelector:\n        matchLabels:\n          app: frontend",
                             "    - namespaceSelector:\n        matchLabels:\n          team: nobody")
    found = run(text, "NP002")
    assert lines(found) == [13] and "none has team=nobody" in found[0].message
    assert found[0].severity.name == "INFO"  # no typo of a label: namespaces made later may have it


def test_np003_unknown_namespace_in_selector_value():
    text = DB_POLICY.replace("    - podSelector:\n        matchLabels:\n          app: frontend",
                             "    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: shpo")
    found = run(text, "NP003")
    assert lines(found) == [15] and "did you mean 'shop'" in found[0].message


def test_np003_policy_in_unknown_namespace():
    found = run(DB_POLICY.replace("namespace: shop", "namespace: shoop"), "NP003")
    assert lines(found) == [5]
    assert run(DB_POLICY, "NP003") == []


def test_np010_missing_policy_types_on_spec():
    found = run(DB_POLICY.replace("  policyTypes: [Ingress]\n", ""), "NP010")
    assert lines(found) == [6] and found[0].severity.name == "INFO"
    assert "infers Ingress only" in found[0].message
    assert run(DB_POLICY, "NP010") == []


def test_np011_egress_rules_ignored_on_egress_key():
    text = DB_POLICY + "  egress:\n  - to:\n    - podSelector: {}\n"
    found = run(text, "NP011")
    assert lines(found) == [18] and "policyTypes is [Ingress] without Egress" in found[0].message
    assert run(text.replace("[Ingress]", "[Ingress, Egress]"), "NP011") == []


def test_np012_egress_without_dns_on_policy_types():
    text = DB_POLICY.replace("[Ingress]", "[Ingress, Egress]") + "  egress:\n  - to:\n    - podSelector: {}\n    ports:\n    - port: 443\n"
    found = run(text, "NP012")
    assert lines(found) == [10]
    with_dns = text + "  - ports:\n    - port: 53\n      protocol: UDP\n"
    assert run(with_dns, "NP012") == []


def test_np012_dns_opened_by_another_policy_is_fine():
    text = DB_POLICY.replace("[Ingress]", "[Egress]") + "---\n" + DB_POLICY.replace("name: db\n  namespace", "name: dns\n  namespace").replace(
        "[Ingress]", "[Egress]").split("  ingress:")[0] + "  egress:\n  - ports:\n    - port: 53\n      protocol: UDP\n"
    found = run(text, "NP012")
    assert found == []


def test_np020_database_open_to_every_namespace_on_the_rule():
    text = DB_POLICY.replace("    - podSelector:\n        matchLabels:\n          app: frontend",
                             "    - namespaceSelector: {}")
    found = run(text, "NP020")
    assert lines(found) == [12]  # the rule's `from:` key
    assert "TCP 3306 of StatefulSet shop/db" in found[0].message and "every namespace" in found[0].message
    assert run(DB_POLICY, "NP020") == []


def test_np020_rule_without_from_and_other_port_is_fine():
    text = DB_POLICY.replace("  - from:\n    - podSelector:\n        matchLabels:\n          app: frontend\n    ports:",
                             "  - ports:").replace("3306", "9104")
    assert run(text, "NP020") == []  # only the metrics port is open to everyone


def test_np020_config_adds_database_ports():
    text = DB_POLICY.replace("    - podSelector:\n        matchLabels:\n          app: frontend\n", "    - namespaceSelector: {}\n")
    workloads = SHOP.replace("3306", "7000").replace("mysql:8", "custom-store")
    text = text.replace("3306", "7000")
    assert run(text, "NP020", workloads=workloads) == []
    config = Config(database_ports=(7000,))
    assert lines(run(text, "NP020", config, workloads)) == [12]


def test_np021_unisolated_database_on_kind():
    found = run(DB_POLICY.replace("role: db", "role: other"), "NP021")
    assert lines(found) == [25]  # `kind: StatefulSet` in workloads.yaml
    assert found[0].path == "workloads.yaml"
    assert run(DB_POLICY, "NP021") == []


def test_np030_flannel_from_config_and_from_daemonset():
    found = run(DB_POLICY, "NP030", Config(cni="flannel"))
    assert lines(found) == [2] and "Flannel" in found[0].message
    assert run(DB_POLICY, "NP030", Config(cni="calico")) == []
    flannel = SHOP + """---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel-ds, namespace: kube-flannel}
spec:
  template:
    metadata: {labels: {app: flannel}}
    spec:
      containers: [{name: kube-flannel, image: docker.io/flannel/flannel:v0.25.1}]
"""
    found = run(DB_POLICY, "NP030", workloads=flannel)
    assert lines(found) == [2] and "kube-flannel/kube-flannel-ds" in found[0].message


def test_np040_named_port_nobody_declares():
    found = run(DB_POLICY.replace("- port: 3306", "- port: mysqll"), "NP040")
    assert lines(found) == [17] and "declared: mysql/TCP" in found[0].message
    assert run(DB_POLICY.replace("- port: 3306", "- port: mysql"), "NP040") == []


@pytest.mark.parametrize("ports, message", [
    ("- port: 3310\n      endPort: 3306", "below port 3310"),
    ("- port: mysql\n      endPort: 3310", "named port"),
    ("- protocol: TCP\n      endPort: 3310", "without a port"),
])
def test_np041_invalid_ranges_on_end_port(ports, message):
    found = run(DB_POLICY.replace("- port: 3306", ports), "NP041")
    assert lines(found) == [18] and message in found[0].message


def test_np041_valid_range_is_fine():
    assert run(DB_POLICY.replace("- port: 3306", "- port: 3306\n      endPort: 3310"), "NP041") == []


def test_np050_bad_cidr_and_except_outside():
    peers = "    - ipBlock:\n        cidr: 10.0.0.0/33\n    - ipBlock:\n        cidr: 10.0.0.0/8\n        except:\n        - 192.168.0.0/16\n"
    text = DB_POLICY.replace("    - podSelector:\n        matchLabels:\n          app: frontend\n", peers)
    found = run(text, "NP050")
    assert lines(found) == [14, 18]
    good = peers.replace("/33", "/16").replace("192.168.0.0/16", "10.1.0.0/16")
    assert run(DB_POLICY.replace("    - podSelector:\n        matchLabels:\n          app: frontend\n", good), "NP050") == []


def test_np090_syntax_error_keeps_other_documents():
    broken = SHOP + "---\nkind: [unclosed\n"
    found = findings_of({"workloads.yaml": broken, "policy.yaml": DB_POLICY})
    unclosed = broken.split("\n").index("kind: [unclosed") + 1  # 1-based line of the bad flow list
    # libyaml stops where it expected ',' or ']': the start of the next line
    assert [(f.rule, f.span.start_line + 1) for f in found] == [("NP090", unclosed + 1)]


def test_helm_template_skipped_with_info():
    found = findings_of({"chart.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n"})
    assert [(f.rule, f.severity.name) for f in found] == [("NP091", "INFO")]
    assert "Helm or Go template" in found[0].message


def test_non_kubernetes_yaml_is_silent():
    compose = "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"
    workflow = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    assert findings_of({"docker-compose.yaml": compose, ".github/workflows/ci.yml": workflow}) == []


def test_select_and_ignore_by_id_or_name():
    text = DB_POLICY.replace("role: db", "role: dbb")
    files = {"workloads.yaml": SHOP, "policy.yaml": text}
    assert {f.rule for f in findings_of(files)} == {"NP001", "NP021"}
    assert {f.rule for f in findings_of(files, select=["unmatched-pod-selector"])} == {"NP001"}
    assert {f.rule for f in findings_of(files, ignore=["NP001"])} == {"NP021"}


def test_np003_never_suggests_the_unknown_name_itself():
    found = run(DB_POLICY.replace("namespace: shop", "namespace: billing"), "NP003")
    assert len(found) == 1 and "did you mean" not in found[0].message


def test_np011_silent_when_policy_types_is_invalid():
    text = DB_POLICY.replace("[Ingress]", "[ingress]") + "  egress:\n  - to:\n    - podSelector: {}\n"
    assert run(text, "NP011") == []
    assert [f.rule for f in findings_of({"w.yaml": SHOP, "p.yaml": text}) if f.rule == "NP060"] == ["NP060"]
