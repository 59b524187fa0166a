"""NP002 unmatched-peer: a from/to peer whose pod or namespace selector matches nothing."""
from __future__ import annotations

from ..findings import Severity
from . import fixes
from .base import describe_workload, did_you_mean, finding

ID = "NP002"
NAME = "unmatched-peer"
SEVERITY = Severity.WARNING
SUMMARY = "a from/to peer whose pod or namespace selector matches nothing"


def check(ctx):
    index = ctx.workspace.index
    defines_namespaces = bool(index.defined_namespaces)
    for policy in ctx.policies():
        for direction in ("ingress", "egress"):
            word = "from" if direction == "ingress" else "to"
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    if not peer.is_cluster_peer or ctx.resolver.peer_workloads(policy, peer):
                        continue
                    explained = _explain(ctx, policy, peer, word, defines_namespaces)
                    if explained:
                        message, guess = explained
                        selector = peer.pod_selector or peer.namespace_selector
                        found = finding(ID, message, policy.path, selector.anchor)
                        if guess is not None:
                            fix = fixes.replace_label(ctx, policy.path, *guess)
                            if fix is not None:
                                found.fixes.append(fix)
                        yield found


def _explain(ctx, policy, peer, word, defines_namespaces):
    """The message, and the "did you mean" as (selector, old pair, new pair, owner) or None."""
    index = ctx.workspace.index
    if peer.namespace_selector is not None:
        namespaces = ctx.resolver.namespaces_matching(peer.namespace_selector)
        if not namespaces:
            if not peer.namespace_selector.valid:
                return None
            if not defines_namespaces and not _names_namespace(peer.namespace_selector):
                return None  # the workspace defines no Namespace: we cannot know their labels
            message = f"'{word}' peer matches nothing: no namespace has {peer.namespace_selector.text()}"
            guess = did_you_mean(peer.namespace_selector, list(index.namespaces.values()), lambda ns: ns.labels)
            fix = None
            if guess:
                owner = f"Namespace {guess[2].name}"
                message += f" (did you mean {guess[1]}, on {owner}?)"
                fix = (peer.namespace_selector, guess[0], guess[1], owner)
            return message + ", so this peer allows no traffic", fix
        if any(index.unknown_pods_by_ns.get(ns.name) for ns in namespaces):
            return None  # pods an operator makes of a kind nobody described may match (NP097)
        populated = [ns for ns in namespaces if index.workloads_by_ns.get(ns.name)]
        if not populated:
            return None  # namespaces outside this repository (kube-system, ...): we cannot see their pods
        if peer.pod_selector is None or not peer.pod_selector.valid:
            return None
        candidates = [w for ns in populated for w in index.workloads_by_ns[ns.name]]
        where = ", ".join(ns.name for ns in populated[:5])
    else:
        if peer.pod_selector is None or not peer.pod_selector.valid:
            return None
        if index.unknown_pods_by_ns.get(policy.namespace):
            return None  # pods an operator makes of a kind nobody described may match (NP097)
        candidates = index.workloads_by_ns.get(policy.namespace, [])
        where = policy.namespace
        if not candidates:
            return (f"'{word}' peer matches no pod: namespace {policy.namespace} has no workloads in this "
                    f"workspace with {peer.pod_selector.text()}, so this peer allows no traffic"), None
    plural = "s" if "," in where else ""
    message = (f"'{word}' peer matches no pod: no pod template in namespace{plural} {where} has "
               f"{peer.pod_selector.text()}")
    guess = did_you_mean(peer.pod_selector, candidates)
    fix = None
    if guess:
        owner = describe_workload(guess[2])
        message += f" (did you mean {guess[1]}, on {owner}?)"
        fix = (peer.pod_selector, guess[0], guess[1], owner)
    return message + ", so this peer allows no traffic", fix


def _names_namespace(selector) -> bool:
    from ..model.objects import NAMESPACE_NAME_LABEL

    return NAMESPACE_NAME_LABEL in selector.match_labels or any(
        r.key == NAMESPACE_NAME_LABEL for r in selector.expressions)
