"""The bundled JSON Schemas: valid draft 2020-12, accept real policies, and reject broken ones
with an error that points at the offending field (NP060 turns that path into a span)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def load_schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


NP_SCHEMA = load_schema("networkpolicy.schema.json")
CONFIG_SCHEMA = load_schema("config.schema.json")
NP = Draft202012Validator(NP_SCHEMA)
CONFIG = Draft202012Validator(CONFIG_SCHEMA)


def errors(validator: Draft202012Validator, instance) -> list[tuple[list, str]]:
    return sorted(((list(e.absolute_path), e.validator) for e in validator.iter_errors(instance)), key=repr)


def policy(spec_yaml: str, **meta) -> dict:
    """A NetworkPolicy whose spec is the given YAML (parsed the way PyYAML would)."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "test", "namespace": "shop", **meta},
        "spec": yaml.safe_load(spec_yaml),
    }


# --- the schemas themselves ------------------------------------------------------------------

@pytest.mark.parametrize("schema", [NP_SCHEMA, CONFIG_SCHEMA], ids=["networkpolicy", "config"])
def test_schema_is_valid_draft_2020_12(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _declared_properties(node, where="#"):
    """(location, name, subschema) of every declared property, skipping if/then conditions."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}/properties/{name}", sub
        for key, value in node.items():
            if key not in ("if", "then"):
                yield from _declared_properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _declared_properties(value, f"{where}/{i}")


@pytest.mark.parametrize("schema", [NP_SCHEMA, CONFIG_SCHEMA], ids=["networkpolicy", "config"])
def test_every_property_has_a_one_line_description(schema):
    """The language server shows these on hover."""
    bad = [where for where, sub in _declared_properties(schema)
           if not sub.get("description") or "\n" in sub["description"]]
    assert bad == []


# --- NetworkPolicy: accepted ----------------------------------------------------------------

VALID_POLICIES = {
    "default-deny-all": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  namespace: shop
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  - Egress
""",
    "ipblock-with-except": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: egress-internet-not-metadata
  namespace: shop
  labels:
    app.kubernetes.io/part-of: shop
    tier: "1"
  annotations:
    owner: platform-team
spec:
  podSelector:
    matchLabels:
      app: checkout
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except:
        - 169.254.169.254/32
        - 10.0.0.0/8
    - ipBlock:
        cidr: 2001:db8::/32
    ports:
    - protocol: TCP
      port: 443
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
""",
    "namespace-and-pod-selector": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-from-api
  namespace: data
spec:
  podSelector:
    matchExpressions:
    - key: app
      operator: In
      values: [postgres, postgres-replica]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          team: shop
        matchExpressions:
        - {key: environment, operator: NotIn, values: [dev, test]}
      podSelector:
        matchLabels:
          app: api
    - podSelector:
        matchExpressions:
        - {key: backup-agent, operator: Exists}
        - {key: quarantined, operator: DoesNotExist, values: []}
    ports:
    - port: 5432
""",
    "named-port": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-from-ingress-controller
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: ["Ingress"]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: ingress-nginx
    ports:
    - port: http
    - port: metrics
      protocol: TCP
""",
    "end-port": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: media-rtp
  namespace: media
spec:
  podSelector:
    matchLabels:
      app: media-relay
  policyTypes: [Ingress, Egress]
  ingress:
  - ports:
    - protocol: UDP
      port: 32000
      endPort: 32768
    - protocol: SCTP
      port: 9899
  egress:
  - {}
""",
    "allow-all-ingress": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
spec:
  podSelector: {}
  ingress:
  - {}
""",
    # What `kubectl create --dry-run=client -o yaml` and server read-back look like.
    "kubectl-output": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  creationTimestamp: null
  generation: 1
  resourceVersion: "123456"
  uid: 1f0c7a2e-5d1b-4c1e-9a53-0e2a0f6e2b11
  name: api
  namespace: shop
  finalizers: []
  managedFields:
  - manager: kubectl-client-side-apply
    operation: Update
  ownerReferences:
  - apiVersion: apps/v1
    kind: Deployment
    name: api
    uid: 9b0c7a2e-5d1b-4c1e-9a53-0e2a0f6e2b22
    controller: true
  somethingNewInObjectMeta: allowed
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
  - from:
    - podSelector: {}
status: {}
""",
    # The API server decodes null as "absent": these are accepted by the cluster too.
    "null-fields": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: nulls
  labels:
spec:
  podSelector:
  policyTypes:
  ingress:
  - from:
    ports:
    - port:
      protocol: TCP
""",
}


@pytest.mark.parametrize("name", list(VALID_POLICIES))
def test_valid_policies_pass(name):
    assert errors(NP, yaml.safe_load(VALID_POLICIES[name])) == []


def test_spec_may_omit_pod_selector():
    # Kubernetes defaults a missing spec.podSelector to {} (all pods in the namespace).
    assert errors(NP, policy("policyTypes: [Ingress]")) == []


# --- NetworkPolicy: rejected, and where -----------------------------------------------------

INVALID_POLICIES = {
    "unknown-field-in-spec": (
        "podselector: {}\npolicyTypes: [Ingress]",
        ["spec"], "additionalProperties",
    ),
    "lowercase-policy-type": (
        "podSelector: {}\npolicyTypes: [ingress]",
        ["spec", "policyTypes", 0], "enum",
    ),
    "duplicate-policy-type": (
        "podSelector: {}\npolicyTypes: [Ingress, Ingress]",
        ["spec", "policyTypes"], "uniqueItems",
    ),
    "lowercase-protocol": (
        "podSelector: {}\ningress:\n- ports:\n  - protocol: tcp\n    port: 80",
        ["spec", "ingress", 0, "ports", 0, "protocol"], "enum",
    ),
    "port-zero": (
        "podSelector: {}\ningress:\n- ports:\n  - port: 0",
        ["spec", "ingress", 0, "ports", 0, "port"], "minimum",
    ),
    "port-too-large": (
        "podSelector: {}\negress:\n- ports:\n  - port: 70000",
        ["spec", "egress", 0, "ports", 0, "port"], "maximum",
    ),
    "end-port-too-large": (
        "podSelector: {}\negress:\n- ports:\n  - port: 1000\n    endPort: 65536",
        ["spec", "egress", 0, "ports", 0, "endPort"], "maximum",
    ),
    "empty-named-port": (
        "podSelector: {}\ningress:\n- ports:\n  - port: ''",
        ["spec", "ingress", 0, "ports", 0, "port"], "minLength",
    ),
    "boolean-port": (
        "podSelector: {}\ningress:\n- ports:\n  - port: true",
        ["spec", "ingress", 0, "ports", 0, "port"], "type",
    ),
    "unquoted-number-label-value": (
        "podSelector:\n  matchLabels:\n    app: 80",
        ["spec", "podSelector", "matchLabels", "app"], "type",
    ),
    "unquoted-boolean-label-value": (
        "podSelector: {}\ningress:\n- from:\n  - namespaceSelector:\n      matchLabels:\n        monitoring: true",
        ["spec", "ingress", 0, "from", 0, "namespaceSelector", "matchLabels", "monitoring"], "type",
    ),
    "operator-equals": (
        "podSelector:\n  matchExpressions:\n  - {key: app, operator: Equals, values: [web]}",
        ["spec", "podSelector", "matchExpressions", 0, "operator"], "enum",
    ),
    "expression-without-key": (
        "podSelector:\n  matchExpressions:\n  - {operator: Exists}",
        ["spec", "podSelector", "matchExpressions", 0], "required",
    ),
    "in-without-values": (
        "podSelector:\n  matchExpressions:\n  - {key: app, operator: In}",
        ["spec", "podSelector", "matchExpressions", 0], "required",
    ),
    "in-with-empty-values": (
        "podSelector:\n  matchExpressions:\n  - {key: app, operator: NotIn, values: []}",
        ["spec", "podSelector", "matchExpressions", 0, "values"], "minItems",
    ),
    "exists-with-values": (
        "podSelector:\n  matchExpressions:\n  - {key: app, operator: Exists, values: [web]}",
        ["spec", "podSelector", "matchExpressions", 0, "values"], "maxItems",
    ),
    "unknown-field-in-selector": (
        "podSelector:\n  matchLabel:\n    app: web",
        ["spec", "podSelector"], "additionalProperties",
    ),
    "ipblock-without-cidr": (
        "podSelector: {}\negress:\n- to:\n  - ipBlock:\n      except: [10.0.0.0/8]",
        ["spec", "egress", 0, "to", 0, "ipBlock"], "required",
    ),
    "ipblock-unknown-field": (
        "podSelector: {}\negress:\n- to:\n  - ipBlock:\n      cidr: 10.0.0.0/8\n      exclude: [10.1.0.0/16]",
        ["spec", "egress", 0, "to", 0, "ipBlock"], "additionalProperties",
    ),
    "from-not-an-array": (
        "podSelector: {}\ningress:\n- from:\n    podSelector: {}",
        ["spec", "ingress", 0, "from"], "type",
    ),
    "unknown-field-in-peer": (
        "podSelector: {}\ningress:\n- from:\n  - podselector: {}",
        ["spec", "ingress", 0, "from", 0], "additionalProperties",
    ),
    "unknown-field-in-rule": (
        "podSelector: {}\ningress:\n- to:\n  - podSelector: {}",
        ["spec", "ingress", 0], "additionalProperties",
    ),
    "unknown-field-in-port": (
        "podSelector: {}\ningress:\n- ports:\n  - port: 80\n    targetPort: 8080",
        ["spec", "ingress", 0, "ports", 0], "additionalProperties",
    ),
    "null-rule-item": (
        "podSelector: {}\ningress:\n-",
        ["spec", "ingress", 0], "type",
    ),
}


@pytest.mark.parametrize("name", list(INVALID_POLICIES))
def test_invalid_policies_fail_at_the_right_place(name):
    spec_yaml, path, validator = INVALID_POLICIES[name]
    assert errors(NP, policy(spec_yaml)) == [(path, validator)]


def test_cidr_syntax_and_port_order_are_left_to_the_rules():
    # NP050 and NP041 explain these better than a schema message could.
    spec = """
podSelector: {}
egress:
- to:
  - ipBlock: {cidr: not-a-cidr, except: [also-not]}
  ports:
  - {port: 9000, endPort: 8000}
  - {port: http, endPort: 9000}
"""
    assert errors(NP, policy(spec)) == []


@pytest.mark.parametrize(
    "document, path, validator",
    [
        ({"apiVersion": "extensions/v1beta1", "kind": "NetworkPolicy"}, ["apiVersion"], "const"),
        ({"apiVersion": "networking.k8s.io/v1", "kind": "Networkpolicy"}, ["kind"], "const"),
        ({"kind": "NetworkPolicy"}, [], "required"),
        ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "specs": {}}, [], "additionalProperties"),
        ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "x", "labels": {"version": 1.0}}}, ["metadata", "labels", "version"], "type"),
        ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "x", "annotations": {"enabled": True}}}, ["metadata", "annotations", "enabled"], "type"),
    ],
)
def test_invalid_top_level(document, path, validator):
    assert errors(NP, document) == [(path, validator)]


# --- config file ------------------------------------------------------------------------------

VALID_CONFIG = """
cni: calico
defaultNamespace: shop
rules:
  NP020: error
  unmatched-pod-selector: warning
  NP010: "off"
  redundant-rule: info
databasePorts: [5433, 7687]
exclude:
  - charts/**
  - "**/*.tmpl.yaml"
assumeNamespaces:
  kube-system: {}
  ingress-nginx:
    app.kubernetes.io/name: ingress-nginx
limits:
  maxFileBytes: 5000000
  maxDepth: 64
  maxAliases: 100
"""


def test_valid_config():
    assert errors(CONFIG, yaml.safe_load(VALID_CONFIG)) == []


@pytest.mark.parametrize("ports", [{"replace": [5432, 3306]}, {"add": [9042]}, [], {"add": []}])
def test_database_ports_forms(ports):
    assert errors(CONFIG, {"databasePorts": ports}) == []


def test_empty_config_is_valid():
    assert errors(CONFIG, {}) == []


@pytest.mark.parametrize(
    "config, path, validator",
    [
        ({"cnI": "calico"}, [], "additionalProperties"),
        ({"cni": "Calico"}, ["cni"], "enum"),
        ({"cni": "weave-net"}, ["cni"], "enum"),
        ({"rules": {"NP020": "warn"}}, ["rules", "NP020"], "enum"),
        # unquoted `off` is a YAML 1.1 boolean
        ({"rules": {"NP020": False}}, ["rules", "NP020"], "enum"),
        # a bad key is reported on the mapping (the key itself is the error's instance)
        ({"rules": {"open_database_port": "off"}}, ["rules"], "pattern"),
        ({"rules": {"NP20": "off"}}, ["rules"], "pattern"),
        ({"defaultNamespace": "My_Namespace"}, ["defaultNamespace"], "pattern"),
        ({"databasePorts": [5432, 0]}, ["databasePorts", 1], "minimum"),
        ({"databasePorts": {"replace": [70000]}}, ["databasePorts", "replace", 0], "maximum"),
        ({"databasePorts": {"replace": [5432], "add": [1]}}, ["databasePorts"], "maxProperties"),
        ({"databasePorts": {"remove": [5432]}}, ["databasePorts"], "additionalProperties"),
        ({"databasePorts": "5432"}, ["databasePorts"], "type"),
        ({"exclude": "charts/**"}, ["exclude"], "type"),
        ({"assumeNamespaces": {"monitoring": {"team": 7}}}, ["assumeNamespaces", "monitoring", "team"], "type"),
        ({"limits": {"maxDepth": 0}}, ["limits", "maxDepth"], "minimum"),
        ({"limits": {"maxNodes": 10}}, ["limits"], "additionalProperties"),
    ],
)
def test_invalid_config(config, path, validator):
    assert errors(CONFIG, config) == [(path, validator)]


def test_config_yaml_off_must_be_quoted():
    # The reason the case above matters: this is what a user types.
    assert errors(CONFIG, yaml.safe_load("rules:\n  NP020: off\n")) == [(["rules", "NP020"], "enum")]
    assert errors(CONFIG, yaml.safe_load("rules:\n  NP020: 'off'\n")) == []


def test_bad_rule_key_error_names_the_key():
    (error,) = CONFIG.iter_errors({"rules": {"NP20": "off"}})
    assert error.instance == "NP20"


def test_an_edited_buffer_keeps_each_documents_problems_where_the_document_moved(monkeypatch):
    """NP060 keeps the problems of an open buffer's documents by their text (np060_schema._kept):
    after lines are added above, the same problems come back on the lines they moved to, without
    validating the unchanged document again, and equal to a fresh parse's."""
    from netpol_lsp.config import Config
    from netpol_lsp.manifests.parse import ChunkMemo
    from netpol_lsp.rules import np060_schema
    from netpol_lsp.workspace import load_source

    broken = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\n"
              "spec:\n  podSelector: {}\n  policyTypes: [Ingres]\n")
    fine = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    text = fine + "---\n" + broken
    memo = ChunkMemo()
    first = np060_schema.per_file(load_source("/b.yaml", text, Config(), memo=memo))
    assert [span.start_line for _, span in first] == [9]  # the bad enum, line 10
    validated = []
    real = np060_schema.validate
    monkeypatch.setattr(np060_schema, "validate", lambda root, schema: validated.append(root) or real(root, schema))
    moved = np060_schema.per_file(load_source("/b.yaml", "# one\n# two\n" + text, Config(), memo=memo))
    assert [(m, span.start_line) for m, span in moved] == [(first[0][0], 11)]
    assert validated == []  # the policy's problems kept, not validated again
    fresh = np060_schema.per_file(load_source("/c.yaml", "# one\n# two\n" + fine + "---\n" + broken + "\n",
                                              Config(), lean=True))
    assert [(m, tuple(span)) for m, span in fresh] == [(m, tuple(span)) for m, span in moved]
