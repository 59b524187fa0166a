"""Slimmed policies (model/slim.py, what `check` loads): the same findings as whole trees, and a
stub that is read gives back the very tree the file has, with the model's own nodes in it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netpol_lsp.analysis.rendered import analyze_checked
from netpol_lsp.bulk import BulkLoad
from netpol_lsp.config import Config
from netpol_lsp.manifests import ParseLimits
from netpol_lsp.manifests.nodes import Mapping, Scalar, Sequence
from netpol_lsp.model import NetworkPolicy
from netpol_lsp.model import slim as slimming
from netpol_lsp.rules import fixes
from netpol_lsp.workspace import load_source

ROOT = Path(__file__).resolve().parent.parent

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: front
      podSelector:
        matchExpressions:
        - {key: tier, operator: In, values: [web, edge]}
    ports:
    - port: 8080
      protocol: TCP
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
  - {}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}}
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The findings profile (NP002, NP070, broad namespaceSelectors) with Kustomize roots that
    set a namespace and labels: their views build the policies again from new roots."""
    out = tmp_path_factory.mktemp("slim-corpus")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_corpus.py"), str(out), "--files", "200",
                    "--profile", "findings", "--policies-per-namespace-factor", "2", "--mistake-rate", "0.2"],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def _tree(node):
    if node is None:
        return None
    if isinstance(node, Scalar):
        return ("scalar", tuple(node.span), node.value, node.type)
    if isinstance(node, Sequence):
        return ("seq", tuple(node.span), [_tree(item) for item in node.items])
    assert isinstance(node, Mapping)
    return ("map", tuple(node.span), [(_tree(k), _tree(v)) for k, v in node.pairs()])


def _findings(paths, slim: bool) -> list[tuple]:
    bulk = BulkLoad(paths, Config())
    loaded = bulk.load(jobs=1, slim=slim)
    with fixes.unwanted():
        found = analyze_checked(loaded.workspace)
    return [(f.rule, int(f.severity), f.path, tuple(f.span), f.message,
             [(r.path, tuple(r.span), r.message) for r in f.related]) for f in found]


def test_slim_check_finds_what_whole_trees_find(corpus):
    whole = _findings([str(corpus)], slim=False)
    assert {f[0] for f in whole} >= {"NP002", "NP070"}  # the corpus exercises what reads the model
    assert _findings([str(corpus)], slim=True) == whole


def test_a_read_stub_is_the_tree_again_with_the_models_nodes():
    whole = load_source("p.yaml", POLICY, Config())
    source = load_source("p.yaml", POLICY, Config())
    expected = [_tree(doc.root) for doc in whole.documents]
    assert slimming.slim(source, ParseLimits()) == 1  # the policy's document; the Service stays whole
    policy = next(o for o in source.objects if isinstance(o, NetworkPolicy))
    rule = policy.ingress[0]
    # what the model holds of the spec is a stub now: its children let go
    assert type(policy.spec_node) is slimming.StubMapping and type(rule.node) is slimming.StubMapping
    assert type(rule.peers[0].pod_selector.expressions[0].node) is slimming.StubMapping
    assert type(policy.node) is Mapping  # the root and metadata stay whole (a render reads them)
    # the model's answers without the tree
    assert rule.peers[0].keys == 2 and rule.first_key.value == "from" and policy.types_count == 2
    # read: the same tree, the model's own nodes in it
    assert [_tree(doc.root) for doc in source.documents] == expected
    assert type(policy.spec_node) is Mapping
    assert policy.spec_node.get("podSelector") is policy.pod_selector.node
    assert policy.spec_node.get("ingress").items[0] is rule.node
    assert rule.node.get("ports").items[0] is rule.ports[0].node
    assert rule.peers[0].node.get("podSelector").get("matchExpressions").items[0] is \
        rule.peers[0].pod_selector.expressions[0].node


def test_a_render_of_the_same_spec_takes_the_slimmed_policys_model():
    from netpol_lsp.model import build_objects

    source = load_source("p.yaml", POLICY, Config())
    slimming.slim(source, ParseLimits())
    policy = next(o for o in source.objects if isinstance(o, NetworkPolicy))
    # a Kustomize view: a new root over the same children (the spec node among them)
    new_root = Mapping.of_flat(policy.node._at, policy.node.flat)
    objects, problems = build_objects(new_root, "p.yaml", 0)
    assert type(policy.spec_node) is slimming.StubMapping  # not read
    (again,) = objects
    assert again.ingress is policy.ingress and again.pod_selector is policy.pod_selector
    assert again.spec_node is policy.spec_node and problems == []


def test_a_slimmed_files_text_is_kept_compressed_and_reads_the_same():
    import copy

    text = "\n---\n".join(POLICY.replace("name: api\n", f"name: api-{n}\n") for n in range(8)) + "# é \U0001f600\n"
    assert len(text) >= slimming.ZIP_FROM
    source = load_source("big.yaml", text, Config())
    slimming.slim(source, ParseLimits())
    assert "text" not in vars(source) and len(source._zipped_text) < len(text) // 3
    assert source.text == text and source.lines[-2] == "# é \U0001f600"
    assert copy.copy(source).text == text  # a view's copy (analysis/views._copy) keeps it compressed
    small = load_source("p.yaml", POLICY, Config())  # under ZIP_FROM
    slimming.slim(small, ParseLimits())
    assert vars(small)["text"] == POLICY  # a small file: not worth it
