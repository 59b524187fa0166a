"""NP070 redundant-rule: a rule wholly covered by another rule of a policy selecting the same
workloads (or more).

Conservative: a rule is flagged only when the coverage holds for any cluster, not just for the
workloads this workspace happens to contain. So the covering policy must live in the same
namespace and its podSelector must follow from the covered one's (same or fewer requirements);
every peer of the covered rule must be covered by a peer of the other (selectors compared by
their requirements, ipBlocks as address sets), and its ports by the other's ports (numbers and
ranges as sets; a named port only by the same name or by the whole protocol).
"""
from __future__ import annotations

from typing import Optional

from ..analysis.connectivity import ip_block_set
from ..analysis.ports import port_spec_set
from ..analysis.portset import ConnectionSet
from ..findings import Related, Severity
from ..manifests.nodes import Mapping
from ..model import NetworkPolicy, Peer, Rule, Selector
from ..model.objects import NAMESPACE_NAME_LABEL, Requirement
from .base import finding, policy_label
from ..analysis.selection import SHARED_LIMIT
from .coverage_index import SelectorIndex, peer_keys_inner, peer_keys_outer

ID = "NP070"
NAME = "redundant-rule"
SEVERITY = Severity.INFO
SUMMARY = "a rule wholly covered by another rule of a policy selecting the same workloads"


def check(ctx):
    # coverage is judged among all the policies of a namespace, whatever the scope
    namespaces = sorted({policy.namespace for policy in ctx.policies()})
    by_namespace = ctx.workspace.index.policies_by_ns
    for direction in ("ingress", "egress"):
        for namespace in namespaces:
            policies = [p for p in by_namespace.get(namespace, ()) if _can_cover(p, direction)]
            if policies:
                yield from _check_namespace(ctx, policies, direction)


def _can_cover(policy: NetworkPolicy, direction: str) -> bool:
    return bool(policy.affects(direction) and policy.rules(direction) and policy.pod_selector is not None
                and policy.pod_selector.valid)


def _check_namespace(ctx, policies: list[NetworkPolicy], direction: str):
    entries = sorted(((p, r) for p in policies for r in p.rules(direction)),
                     key=lambda e: (e[0].name, e[0].path, e[1].index))  # by name: file order must not matter
    order = {id(rule): i for i, (_, rule) in enumerate(entries)}
    policy_cover: dict[tuple[int, int], bool] = {}

    def covers(outer: NetworkPolicy, inner: NetworkPolicy) -> bool:
        key = (id(outer), id(inner))
        if key not in policy_cover:
            policy_cover[key] = policy_covers(outer, inner)
        return policy_cover[key]

    # the candidate covering rules of a rule come from an index, not from every pair
    # (coverage_index.py): a namespace of thousands of policies checks in near-linear time
    index = _rule_index(entries, policies[0].namespace)
    policy_index = SelectorIndex()
    for policy in policies:
        policy_index.add(policy.pod_selector, policy)
    covering_policies: dict[int, list[NetworkPolicy]] = {}

    def candidates(policy: NetworkPolicy, rule: Rule) -> list[tuple[NetworkPolicy, Rule]]:
        """A superset of the rules that can cover `rule`: those of the policies covering its
        policy, or those with a peer that can cover one of its peers, whichever is fewer."""
        outers = covering_policies.get(id(policy))
        if outers is None:
            outers = covering_policies[id(policy)] = [
                p for p in policy_index.candidates(policy.pod_selector) if covers(p, policy)]
        by_policy = sum(len(p.rules(direction)) for p in outers)
        keys = _candidate_keys(index, rule)
        if by_policy <= index.count(keys):
            return [(p, r) for p in outers for r in p.rules(direction)]
        return index.lookup(keys)

    memo: dict[int, list[tuple[NetworkPolicy, Rule]]] = {}

    def coverers(policy: NetworkPolicy, rule: Rule) -> list[tuple[NetworkPolicy, Rule]]:
        """The rules that cover `rule`, in entry order (the earlier of two equal rules covers
        the later one only)."""
        found = memo.get(id(rule))
        if found is not None:
            return found
        found = []
        for other_policy, other in candidates(policy, rule):
            if other is rule or not covers(other_policy, policy):
                continue
            if not rule_covers(other_policy, other, policy, rule):
                continue
            mutual = covers(policy, other_policy) and rule_covers(policy, rule, other_policy, other)
            if mutual and order[id(other)] > order[id(rule)]:
                continue  # equal rules: the later one is the redundant one
            found.append((other_policy, other))
        found.sort(key=lambda c: order[id(c[1])])
        memo[id(rule)] = found
        return found

    for policy, rule in entries:
        if not ctx.in_scope(policy.path):
            continue  # only the scope's findings are reported: the others' coverers are not needed
        found = coverers(policy, rule)
        if not found:
            continue
        # point at a covering rule that is not itself redundant, when there is one
        other_policy, other = next((c for c in found if not coverers(*c)), found[0])
        where = "this policy" if other_policy is policy else policy_label(other_policy)
        more = "" if other_policy is policy or covers(policy, other_policy) else " (and more pods)"
        message = (f"{direction} rule {rule.index + 1} is redundant: {direction} rule {other.index + 1} of {where} "
                   f"already allows every peer and port it allows, to the same pods{more}. Remove it, "
                   "or narrow the other rule if this one says what was meant")
        related = [Related(other_policy.path, _anchor(other),
                           f"{direction} rule {other.index + 1} of {policy_label(other_policy)} covers it")]
        yield finding(ID, message, policy.path, _anchor(rule), related)


def _rule_index(entries: list[tuple[NetworkPolicy, Rule]], namespace: str) -> SelectorIndex:
    """Every rule filed by the peers it has (a rule covers another only if one of its peers
    covers the other's first peer), or under "all peers"."""
    index = SelectorIndex()
    for item in entries:
        rule = item[1]
        if rule.all_peers:
            index.add_key(("all peers",), item)
            continue
        for peer in rule.peers:
            selected = peer.namespace_selector is not None and _selects_namespace(peer.namespace_selector, namespace)
            for key, selector in peer_keys_outer(peer, selected):
                if selector is None:
                    index.add_key(key, item)
                else:
                    index.add(selector, item, key)
    return index


def _candidate_keys(index: SelectorIndex, rule: Rule) -> list:
    keys = [("all peers",)]
    if rule.all_peers:
        return keys  # only a rule allowing every peer covers it
    # every peer must be covered: the one with the fewest candidates narrows best
    return keys + min((peer_keys_inner(peer) for peer in rule.peers), key=index.count)


def _anchor(rule: Rule):
    if rule.first_key is not None:  # the model kept it: the tree need not be read (model/slim.py)
        return rule.first_key.span
    node = rule.node
    if isinstance(node, Mapping) and node.flat:
        return node.flat[0].span
    return node.span


# --- coverage, certain for any cluster ------------------------------------------------------

def policy_covers(outer: NetworkPolicy, inner: NetworkPolicy) -> bool:
    """Every pod inner selects, outer selects too."""
    return outer.namespace == inner.namespace and selector_covers(outer.pod_selector, inner.pod_selector)


def rule_covers(outer_policy: NetworkPolicy, outer: Rule, inner_policy: NetworkPolicy, inner: Rule) -> bool:
    if outer.direction != inner.direction or outer_policy.namespace != inner_policy.namespace:
        return False
    if not ports_cover(outer, inner):
        return False
    if outer.all_peers:
        return True
    if inner.all_peers:
        return False
    return all(any(peer_covers(q, p, inner_policy.namespace) for q in outer.peers) for p in inner.peers)


def peer_covers(outer: Peer, inner: Peer, namespace: str) -> bool:
    """Every endpoint inner matches, outer matches too (both peers of policies in `namespace`)."""
    if inner.ip_block is not None or outer.ip_block is not None:
        if inner.ip_block is None or outer.ip_block is None or inner.is_cluster_peer or outer.is_cluster_peer:
            return False
        if inner.pod_selector is not None or inner.namespace_selector is not None:
            return False
        if outer.pod_selector is not None or outer.namespace_selector is not None:
            return False
        inner_set = ip_block_set(inner.ip_block.cidr, inner.ip_block.excepts)
        outer_set = ip_block_set(outer.ip_block.cidr, outer.ip_block.excepts)
        return inner_set is not None and outer_set is not None and outer_set.covers(inner_set)
    if not inner.is_cluster_peer or not outer.is_cluster_peer:
        return False
    # the namespaces
    if outer.namespace_selector is not None:
        if inner.namespace_selector is None:
            if not _selects_namespace(outer.namespace_selector, namespace):
                return False
        elif not selector_covers(outer.namespace_selector, inner.namespace_selector):
            return False
    elif inner.namespace_selector is not None:
        return False  # outer: the policy's namespace only; inner: namespaces by labels
    # the pods within them
    if outer.pod_selector is None:
        return True
    if not outer.pod_selector.valid:
        return False
    if outer.pod_selector.is_empty():
        return True
    if inner.pod_selector is None:
        return False
    return selector_covers(outer.pod_selector, inner.pod_selector)


def _selects_namespace(selector: Selector, namespace: str) -> bool:
    """The selector certainly matches the namespace: it is empty, or it asks only for the
    automatic kubernetes.io/metadata.name label, and that label matches."""
    if not selector.valid:
        return False
    keys = set(selector.match_labels) | {r.key for r in selector.expressions}
    if keys - {NAMESPACE_NAME_LABEL}:
        return False
    return selector.matches({NAMESPACE_NAME_LABEL: namespace})


def selector_covers(outer: Optional[Selector], inner: Optional[Selector]) -> bool:
    """Every label set inner matches, outer matches too: each requirement of outer follows
    from inner's requirements."""
    if outer is None or inner is None or not outer.valid or not inner.valid:
        return False
    if outer.is_empty():
        return True
    for key, value in outer.match_labels.items():
        if not _implied(Requirement(key, "In", (value,)), inner):
            return False
    return all(_implied(requirement, inner) for requirement in outer.expressions)


def _implied(requirement: Requirement, inner: Selector) -> bool:
    key = requirement.key
    wanted = set(requirement.values)
    possible: Optional[set[str]] = None  # the values inner allows for the key; None: unconstrained
    if key in inner.match_labels:
        possible = {inner.match_labels[key]}
    exists = possible is not None
    absent = False
    excluded: set[str] = set()
    for r in inner.expressions:
        if r.key != key:
            continue
        if r.operator == "In":
            possible = set(r.values) if possible is None else possible & set(r.values)
            exists = True
        elif r.operator == "Exists":
            exists = True
        elif r.operator == "DoesNotExist":
            absent = True
        elif r.operator == "NotIn":
            excluded |= set(r.values)
    if possible is not None:
        possible -= excluded
    op = requirement.operator
    if op == "Exists":
        return exists
    if op == "DoesNotExist":
        return absent
    if op == "In":
        return possible is not None and possible <= wanted
    if op == "NotIn":
        if absent:
            return True
        if possible is not None:
            return not (possible & wanted)
        return wanted <= excluded
    return False


def ports_cover(outer: Rule, inner: Rule) -> bool:
    return _summary_covers(port_summary(outer), port_summary(inner))


def port_summary(rule: Rule) -> tuple:
    """(every port?, valid?, numeric ConnectionSet, named (port, protocol) pairs, the ports one
    by one): what ports_cover compares, built once per rule (rules are never changed) and kept
    once per distinct list of ports (most rules repeat a few: TCP 8080, UDP and TCP 53)."""
    found = rule._port_summary
    if found is not None:
        return found
    content = None if rule.all_ports else tuple(
        (spec.protocol, spec.port.__class__, spec.port, spec.end_port.__class__, spec.end_port, spec.valid)
        for spec in rule.ports)  # the classes: 1 == True == 1.0, but they are not the same port
    try:
        found = _SUMMARIES.get(content)
    except TypeError:  # a malformed value: not shared
        content, found = (), None
    if found is None:
        found = _port_summary(rule)
        if content != ():
            if len(_SUMMARIES) >= SHARED_LIMIT:
                _SUMMARIES.clear()
            _SUMMARIES[content] = found
    rule._port_summary = found
    return found


_SUMMARIES: dict = {}  # the content of a rule's port specs (None: every port) -> its summary


def _port_summary(rule: Rule) -> tuple:
    if rule.all_ports:
        return (True, True, None, None, ())
    if not all(spec.valid for spec in rule.ports):
        return (False, False, None, None, ())
    numeric = ConnectionSet.none()
    named = set()
    each = []
    for spec in rule.ports:
        if isinstance(spec.port, str):
            if spec.end_port is None:
                named.add((spec.port, spec.protocol))
                each.append(("named", (spec.port, spec.protocol), ConnectionSet.protocol(spec.protocol)))
            # else: allows nothing (NP041)
        else:
            allowed = port_spec_set(spec, None)
            numeric = numeric | allowed
            each.append(("number", None, allowed))
    return (False, True, numeric, named, tuple(each))


def _summary_covers(outer: tuple, inner: tuple) -> bool:
    if outer[0]:
        return True
    if inner[0]:
        return False
    if not outer[1] or not inner[1]:
        return False
    numeric, named = outer[2], outer[3]
    for kind, pair, allowed in inner[4]:
        if kind == "named":
            if pair in named or numeric.covers(allowed):
                continue
            return False
        if not numeric.covers(allowed):
            return False
    return True
