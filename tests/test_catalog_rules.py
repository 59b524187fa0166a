"""The rules added with the catalog: NP004 and-or-peer, NP013 dns-single-protocol, NP022
pod-not-isolated, NP070 redundant-rule (their pages' examples run in test_rule_pages.py)."""
from __future__ import annotations

import pytest

from conftest import findings_of
from netpol_lsp.config import Config
from netpol_lsp.model.objects import Requirement, Selector
from netpol_lsp.rules.np070_redundant_rule import selector_covers

WORKLOADS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: ops
  labels:
    team: ops
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: api
        tier: backend
    spec:
      containers:
      - name: api
        image: example/api:1
        ports:
        - containerPort: 8080
          name: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prometheus
  namespace: ops
spec:
  template:
    metadata:
      labels:
        app: prometheus
    spec:
      containers:
      - name: prometheus
        image: prom/prometheus
"""


def policy(name: str, spec: str, namespace: str = "shop") -> str:
    body = "\n".join("  " + line if line else line for line in spec.strip("\n").split("\n"))
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\nspec:\n{body}\n")


def run(*policies: str, config: Config | None = None, select=("NP004", "NP013", "NP022", "NP070")):
    files = {"workloads.yaml": WORKLOADS}
    for i, text in enumerate(policies):
        files[f"policy{i}.yaml"] = text
    return findings_of(files, config, select=list(select))


def of(found, rule):
    return [f for f in found if f.rule == rule]


# --- NP004 and-or-peer ----------------------------------------------------------------------------

NS_THEN_POD = """\
podSelector:
  matchLabels:
    app: api
policyTypes: [Ingress]
ingress:
- from:
  - namespaceSelector:
      matchLabels:
        team: ops
  - podSelector:
      matchLabels:
        app: prometheus
"""


def test_np004_namespace_then_pod():
    text = policy("p", NS_THEN_POD)
    (found,) = of(run(text), "NP004")
    lines = text.split("\n")
    assert lines[found.span.start_line].strip() == "- podSelector:"
    assert "ORed" in found.message and "namespaces with team=ops" in found.message
    (related,) = found.related
    assert lines[related.span.start_line].strip() == "- namespaceSelector:"
    (fix,) = found.fixes
    (edit,) = fix.edits
    fixed_lines = list(lines)
    line = fixed_lines[edit.span.start_line]
    fixed_lines[edit.span.start_line] = line[:edit.span.start_col] + edit.new_text + line[edit.span.end_col:]
    fixed = "\n".join(fixed_lines)
    assert "    - namespaceSelector:\n        matchLabels:\n          team: ops\n      podSelector:" in fixed
    assert of(run(fixed), "NP004") == []


def test_np004_pod_then_namespace():
    spec = NS_THEN_POD.replace("  - namespaceSelector:\n      matchLabels:\n        team: ops\n", "") + \
        "  - namespaceSelector:\n      matchLabels:\n        team: ops\n"
    (found,) = of(run(policy("p", spec)), "NP004")
    assert "remove the '-' before namespaceSelector" in found.message


@pytest.mark.parametrize("peers", [
    "  - namespaceSelector:\n      matchLabels:\n        team: ops\n    podSelector:\n      matchLabels:\n        app: web\n",
    "  - podSelector:\n      matchLabels:\n        app: web\n  - podSelector:\n      matchLabels:\n        app: api\n",
    "  - ipBlock:\n      cidr: 10.0.0.0/8\n  - podSelector:\n      matchLabels:\n        app: web\n",
])
def test_np004_not_for_and_peers_or_other_pairs(peers):
    spec = "podSelector: {}\npolicyTypes: [Ingress]\ningress:\n- from:\n" + peers
    assert of(run(policy("p", spec)), "NP004") == []


def test_np004_flow_style_has_no_fix():
    spec = ("podSelector: {}\npolicyTypes: [Egress]\negress:\n- to: [{namespaceSelector: {matchLabels: {team: ops}}}, "
            "{podSelector: {matchLabels: {app: prometheus}}}]\n")
    (found,) = of(run(policy("p", spec)), "NP004")
    assert found.fixes == [] and "'to' peers" in found.message


# --- NP013 dns-single-protocol ---------------------------------------------------------------------

def dns_policy(name, ports, selector="app: api"):
    return policy(name, f"podSelector:\n  matchLabels:\n    {selector}\npolicyTypes: [Egress]\negress:\n"
                        f"- ports:\n{ports}")


UDP = "  - port: 53\n    protocol: UDP\n"
TCP = "  - port: 53\n    protocol: TCP\n"


@pytest.mark.parametrize("ports, missing", [(UDP, "TCP"), (TCP, "UDP"), ("  - port: 53\n", "UDP"),
                                            ("  - port: 1\n    endPort: 1024\n    protocol: UDP\n", "TCP"),
                                            ("  - port: dns\n    protocol: UDP\n", "TCP")])
def test_np013_one_protocol(ports, missing):
    text = dns_policy("p", ports)
    (found,) = of(run(text), "NP013")
    assert f"Allow {missing} 53" in found.message and "Deployment shop/api" in found.message
    assert text.split("\n")[found.span.start_line].strip().startswith("- port:")


@pytest.mark.parametrize("ports", [UDP + TCP, "  - protocol: UDP\n  - protocol: TCP\n", "  - port: 443\n"])
def test_np013_silent_with_both_or_neither(ports):
    assert of(run(dns_policy("p", ports)), "NP013") == []


def test_np013_other_policy_opens_the_other_protocol():
    assert of(run(dns_policy("udp", UDP), dns_policy("tcp", TCP, selector="tier: backend")), "NP013") == []
    # a policy for other pods does not help
    assert len(of(run(dns_policy("udp", UDP), dns_policy("tcp", TCP, selector="app: web")), "NP013")) == 2


def test_np013_not_when_egress_is_not_isolated():
    text = policy("p", "podSelector: {}\npolicyTypes: [Ingress]\negress:\n- ports:\n" + UDP)
    assert of(run(text), "NP013") == []


# --- NP022 pod-not-isolated ------------------------------------------------------------------------

def test_np022_is_off_by_default():
    assert of(findings_of({"workloads.yaml": WORKLOADS}), "NP022") == []


def test_np022_per_direction():
    ingress_only = policy("p", "podSelector:\n  matchLabels:\n    app: api\npolicyTypes: [Ingress]\n")
    found = of(run(ingress_only, select=["NP022"]), "NP022")
    messages = sorted(f.message for f in found)
    assert len(found) == 5  # api: egress; web and prometheus: both directions
    assert sum("shop/api" in m for m in messages) == 1
    assert any("shop/api is not isolated for egress" in m for m in messages)
    lines = WORKLOADS.split("\n")
    assert all(lines[f.span.start_line].startswith("kind: Deployment") for f in found)


def test_np022_enabled_in_config_and_host_network():
    host = WORKLOADS.replace("    spec:\n      containers:\n      - name: web",
                             "    spec:\n      hostNetwork: true\n      containers:\n      - name: web")
    found = of(findings_of({"w.yaml": host}, Config(rules={"pod-not-isolated": "warning"})), "NP022")
    web = [f for f in found if "shop/web" in f.message]
    assert len(web) == 1 and "hostNetwork" in web[0].message
    assert all(str(f.severity) == "warning" for f in found)


# --- NP070 redundant-rule --------------------------------------------------------------------------

API = "podSelector:\n  matchLabels:\n    app: api\n"
FROM_WEB = "- from:\n  - podSelector:\n      matchLabels:\n        app: web\n  ports:\n  - port: 8080\n"


def ingress(rules: str, selector: str = API) -> str:
    return selector + "policyTypes: [Ingress]\ningress:\n" + rules


def test_np070_identical_rules_flag_the_second():
    text = policy("p", ingress(FROM_WEB + FROM_WEB))
    (found,) = of(run(text), "NP070")
    assert "ingress rule 2 is redundant: ingress rule 1 of this policy" in found.message
    (related,) = found.related
    assert related.span.start_line < found.span.start_line
    assert text.split("\n")[found.span.start_line].strip() == "- from:"


def test_np070_covered_by_an_allow_all_policy_for_the_namespace():
    narrow = policy("narrow", ingress(FROM_WEB))
    wide = policy("wide", ingress("- {}\n", selector="podSelector: {}\n"))
    (found,) = of(run(narrow, wide), "NP070")
    assert found.path == "policy0.yaml" and "NetworkPolicy shop/wide" in found.message
    assert "(and more pods)" in found.message
    assert found.related[0].path == "policy1.yaml"


@pytest.mark.parametrize("covering", [
    "- from:\n  - podSelector: {}\n",                                         # every pod of shop, every port
    "- from:\n  - namespaceSelector: {}\n  ports:\n  - port: 8000\n    endPort: 9000\n",
    "- from:\n  - namespaceSelector:\n      matchLabels:\n        kubernetes.io/metadata.name: shop\n",
    "- from:\n  - podSelector:\n      matchExpressions:\n      - {key: app, operator: In, values: [web, api]}\n",
    "- from:\n  - podSelector:\n      matchExpressions:\n      - {key: app, operator: Exists}\n  ports:\n  - protocol: TCP\n",
    "- ports:\n  - port: 8080\n",                                            # no from: every peer
])
def test_np070_covering_rules(covering):
    found = of(run(policy("p", ingress(covering + FROM_WEB))), "NP070")
    assert len(found) == 1 and "ingress rule 2 is redundant" in found[0].message


@pytest.mark.parametrize("other", [
    "- from:\n  - podSelector:\n      matchLabels:\n        app: web\n  ports:\n  - port: 8081\n",   # other port
    "- from:\n  - podSelector:\n      matchLabels:\n        app: api\n  ports:\n  - port: 8080\n",   # other peer
    "- from:\n  - podSelector:\n      matchLabels:\n        app: web\n  ports:\n  - port: 8080\n    protocol: UDP\n",
    "- from:\n  - namespaceSelector:\n      matchLabels:\n        team: shop\n",  # labels may change: not certain
    "- from:\n  - podSelector:\n      matchLabels:\n        app: web\n  ports:\n  - port: http\n",     # named vs numbered
])
def test_np070_not_covering(other):
    assert of(run(policy("p", ingress(other + FROM_WEB))), "NP070") == []


def test_np070_named_ports():
    named = "- from:\n  - podSelector:\n      matchLabels:\n        app: web\n  ports:\n  - port: http\n"
    assert len(of(run(policy("p", ingress(named + named))), "NP070")) == 1
    numbered_then_named = FROM_WEB + named
    assert of(run(policy("p", ingress(numbered_then_named))), "NP070") == []


def test_np070_needs_the_same_namespace_and_a_covering_selector():
    other_ns = policy("wide", ingress("- {}\n", selector="podSelector: {}\n"), namespace="ops")
    assert of(run(policy("narrow", ingress(FROM_WEB)), other_ns), "NP070") == []
    # tier=backend selects the same pods here, but not by its requirements: not certain
    by_tier = policy("tier", ingress(FROM_WEB, selector="podSelector:\n  matchLabels:\n    tier: backend\n"))
    found = of(run(policy("narrow", ingress(FROM_WEB)), by_tier), "NP070")
    assert found == []


def test_np070_ignores_directions_the_policy_does_not_enforce():
    wide = policy("wide", "podSelector: {}\npolicyTypes: [Egress]\ningress:\n- {}\negress:\n- {}\n")
    assert of(run(policy("narrow", ingress(FROM_WEB)), wide), "NP070") == []


def test_np070_egress_and_ip_blocks():
    spec = ("podSelector: {}\npolicyTypes: [Egress]\negress:\n"
            "- to:\n  - ipBlock:\n      cidr: 10.0.0.0/8\n      except: [10.1.0.0/16]\n"
            "- to:\n  - ipBlock:\n      cidr: 10.2.0.0/16\n  ports:\n  - port: 443\n"
            "- to:\n  - ipBlock:\n      cidr: 10.1.2.0/24\n")
    found = of(run(policy("p", spec)), "NP070")
    assert [f.message.split(" is ")[0] for f in found] == ["egress rule 2"]  # 10.1.2.0/24 is in the except


@pytest.mark.parametrize("outer, inner, covered", [
    ({}, {"app": "web"}, True),
    ({"app": "web"}, {"app": "web", "tier": "x"}, True),
    ({"app": "web", "tier": "x"}, {"app": "web"}, False),
    ({"app": "web"}, {"app": "api"}, False),
])
def test_selector_covers_match_labels(outer, inner, covered):
    assert selector_covers(Selector(outer, [], None), Selector(inner, [], None)) is covered


def test_selector_covers_expressions():
    def sel(*reqs, labels=None):
        return Selector(labels or {}, [Requirement(k, op, tuple(v)) for k, op, v in reqs], None)

    assert selector_covers(sel(("app", "In", ["a", "b"])), sel(labels={"app": "a"}))
    assert not selector_covers(sel(("app", "In", ["a"])), sel(("app", "In", ["a", "b"])))
    assert selector_covers(sel(("app", "Exists", [])), sel(("app", "In", ["a"])))
    assert selector_covers(sel(("app", "NotIn", ["x"])), sel(("app", "DoesNotExist", [])))
    assert selector_covers(sel(("app", "NotIn", ["x"])), sel(("app", "NotIn", ["x", "y"])))
    assert not selector_covers(sel(("app", "NotIn", ["x", "y"])), sel(("app", "NotIn", ["x"])))
    assert selector_covers(sel(("app", "NotIn", ["x"])), sel(labels={"app": "a"}))
    assert not selector_covers(sel(("app", "DoesNotExist", [])), sel(labels={"tier": "a"}))
    assert not selector_covers(sel(("app", "In", ["a"])), Selector({}, [], None, valid=False))
