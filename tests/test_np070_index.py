"""NP070's candidate index (rules/coverage_index.py) never misses a cover: whenever the exact
pairwise test says outer covers inner, outer is among inner's candidates; and NP070 over a big
namespace grows about linearly."""
from __future__ import annotations


from hypothesis import given, settings
from hypothesis import strategies as st

from netpol_lsp.model import Peer, Selector
from netpol_lsp.model.objects import NAMESPACE_NAME_LABEL, IPBlock, Requirement
from netpol_lsp.rules.coverage_index import SelectorIndex, peer_keys_inner, peer_keys_outer
from netpol_lsp.rules.np070_redundant_rule import _selects_namespace, peer_covers, selector_covers

KEYS = ["app", "tier", NAMESPACE_NAME_LABEL]
VALUES = ["a", "b", "c"]
OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Bogus"]

requirements = st.builds(
    lambda key, op, values: Requirement(key, op, () if op in ("Exists", "DoesNotExist") else tuple(values)),
    st.sampled_from(KEYS), st.sampled_from(OPERATORS), st.lists(st.sampled_from(VALUES), max_size=3))
selectors = st.builds(
    lambda labels, expressions, valid: Selector(labels, expressions, None, valid=valid),
    st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2),
    st.lists(requirements, max_size=3),
    st.sampled_from([True, True, True, False]))


def _peer(kind: int, pod, ns) -> Peer:
    if kind == 0:
        return Peer(None, None, IPBlock("10.0.0.0/8", None, [], None), None, 0)
    if kind == 1:
        return Peer(pod, None, None, None, 0)
    if kind == 2:
        return Peer(None, ns, None, None, 0)
    if kind == 3:
        return Peer(pod, ns, None, None, 0)
    return Peer(None, None, None, None, 0)  # `{}`: matches nothing


peers = st.builds(_peer, st.integers(0, 4), selectors, selectors)


@settings(max_examples=80, deadline=None)
@given(st.lists(selectors, min_size=1, max_size=8), selectors)
def test_every_covering_selector_is_a_candidate(outers, inner):
    index = SelectorIndex()
    items = [("outer", i) for i in range(len(outers))]
    for selector, item in zip(outers, items):
        index.add(selector, item)
    candidates = index.candidates(inner)
    for selector, item in zip(outers, items):
        if selector_covers(selector, inner):
            assert item in candidates, (selector, inner)
    assert len(candidates) == len(set(map(id, candidates)))  # each once


@settings(max_examples=80, deadline=None)
@given(st.lists(peers, min_size=1, max_size=6), peers, st.sampled_from(["a", "b"]))
def test_every_covering_peer_is_a_candidate(outers, inner, namespace):
    index = SelectorIndex()
    items = [("outer", i) for i in range(len(outers))]
    for peer, item in zip(outers, items):
        selected = peer.namespace_selector is not None and _selects_namespace(peer.namespace_selector, namespace)
        for key, selector in peer_keys_outer(peer, selected):
            if selector is None:
                index.add_key(key, item)
            else:
                index.add(selector, item, key)
    candidates = index.lookup(peer_keys_inner(inner))
    for peer, item in zip(outers, items):
        if peer_covers(peer, inner, namespace):
            assert item in candidates, (peer, inner)


# every way of constraining one key, for an exhaustive check on one key
ONE_KEY = [({"app": "a"}, []), *[({}, [Requirement("app", op, values)]) for op, values in [
    ("In", ("a",)), ("In", ("a", "b")), ("In", ()), ("NotIn", ("a",)), ("NotIn", ()), ("Exists", ()),
    ("DoesNotExist", ())]]]


def test_every_cover_on_one_key_is_found_exhaustively():
    def selector(*parts):
        labels = {k: v for part in parts for k, v in part[0].items()}
        return Selector(labels, [r for part in parts for r in part[1]], None)

    outers = [selector(part) for part in ONE_KEY]
    inners = [selector(a, b) for a in ONE_KEY for b in ONE_KEY] + [selector(a) for a in ONE_KEY]
    index = SelectorIndex()
    for number, outer in enumerate(outers):
        index.add(outer, number)
    covers = 0
    for inner in inners:
        candidates = index.candidates(inner)
        for number, outer in enumerate(outers):
            if selector_covers(outer, inner):
                covers += 1
                assert number in candidates, (outer, inner)
    assert covers > 100  # the grid reaches many covers, not a few


def test_a_contradictory_inner_selector_is_covered_by_any_selector_on_its_key():
    index = SelectorIndex()
    index.add(Selector({"app": "a"}, [], None), "app=a")
    index.add(Selector({"tier": "x"}, [], None), "tier=x")
    # app=b AND app In (a): nothing matches it, so app=a covers it (vacuously); tier=x does not
    inner = Selector({"app": "b"}, [Requirement("app", "In", ("a",))], None)
    assert selector_covers(Selector({"app": "a"}, [], None), inner)
    assert index.candidates(inner) == ["app=a"]


def _namespace_of(policies: int) -> str:
    docs = []
    for i in range(policies):
        # every policy selects its own app; its rule 2 allows all that its rule 1 does (NP070)
        app = f"app-{i}"
        caller = f"app-{i - 1 if i % 10 == 0 else i + 1}"
        docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p{i}, namespace: big}}
spec:
  podSelector: {{matchLabels: {{app: {app}}}}}
  ingress:
  - from:
    - podSelector: {{matchLabels: {{app: {caller}}}}}
    ports: [{{port: 8080}}]
  - from:
    - podSelector: {{matchLabels: {{app: {caller}}}}}
    - namespaceSelector: {{matchLabels: {{team: t{i % 7}}}}}
    ports: [{{port: 8080}}, {{port: 9090}}]
""")
    return "---\n".join(docs)


def _np070_comparisons(tmp_path, monkeypatch, policies: int) -> tuple[int, int]:
    """How many policy and rule comparisons NP070 makes on a namespace of `policies`, and its
    findings."""
    from netpol_lsp.analysis.run import analyze
    from netpol_lsp.config import Config
    from netpol_lsp.rules import np070_redundant_rule as np070
    from netpol_lsp.workspace import Workspace

    calls = [0]

    def counted(function):
        def wrapper(*args):
            calls[0] += 1
            return function(*args)
        return wrapper

    monkeypatch.setattr(np070, "policy_covers", counted(np070.policy_covers))
    monkeypatch.setattr(np070, "rule_covers", counted(np070.rule_covers))
    workspace = Workspace(Config())
    workspace.set_text(str(tmp_path / f"{policies}.yaml"), _namespace_of(policies))
    found = analyze(workspace, select=["NP070"])
    monkeypatch.undo()
    return calls[0], len(found)


def test_a_big_namespace_checks_in_near_linear_time(tmp_path, monkeypatch):
    small_compared, small_found = _np070_comparisons(tmp_path, monkeypatch, 150)
    big_compared, big_found = _np070_comparisons(tmp_path, monkeypatch, 600)
    # rule 1 of every policy is covered by its rule 2 (same caller, more ports): one each
    assert small_found == 150 and big_found == 600
    # comparisons, not seconds (no timed assertions): pairwise would be 16x for 4x the
    # policies, and 150 * 150 at the small size already; an index about 4x
    assert small_compared < 150 * 20, small_compared
    assert big_compared <= 5 * small_compared, (small_compared, big_compared)
