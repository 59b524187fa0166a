"""NP002 unmatched-peer: a from/to peer whose pod or namespace selector matches nothing."""
from __future__ import annotations

from ..analysis.isolation import SYSTEM_NAMESPACES
from ..findings import Severity
from . import fixes, np004_and_or_peer
from .base import describe_workload, finding, suggest_namespaces, suggest_pods
from .np003_unknown_namespace import names_unknown_namespace

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
                    if peer.namespace_selector is None and np004_and_or_peer.explains(ctx, policy, rule, peer):
                        continue  # the OR that was meant as an AND: NP004 says so, one cause one finding
                    explained = _explain(ctx, policy, peer, word, defines_namespaces)
                    if explained:
                        message, guess = explained
                        selector = peer.pod_selector or peer.namespace_selector
                        if isinstance(message, _Info):
                            found = finding(ID, str(message), policy.path, peer.namespace_selector.anchor,
                                            severity=Severity.INFO)
                        else:
                            found = finding(ID, message, policy.path, selector.anchor)
                        if guess is not None:
                            fix = fixes.replace_label(ctx, policy.path, *guess)
                            if fix is not None:
                                found.fixes.append(fix)
                        yield found


class _Info(str):
    """A message about what could not be checked: reported as an info."""


REMEDY = ". Fix the selector to the labels of the pods it is meant for, or remove the peer if no such pods run"


def _explain(ctx, policy, peer, word, defines_namespaces):
    """The message, and the "did you mean" as (selector, old pair, new pair, owner) or None.
    None altogether when the peer cannot be shown to match nothing: an empty selector matches
    every pod of its scope, present or future; a namespace the workspace holds no pods of may
    have any, and kube-system holds the cluster's own components (CoreDNS...) that
    repositories do not show."""
    index = ctx.workspace.index
    if peer.namespace_selector is not None:
        namespaces = ctx.resolver.namespaces_matching(peer.namespace_selector)
        if not namespaces:
            if not peer.namespace_selector.valid:
                return None
            if names_unknown_namespace(index, peer.namespace_selector):
                return None  # NP003 names the unknown namespace: one cause, one finding
            if not defines_namespaces and not _names_namespace(peer.namespace_selector):
                return None  # the workspace defines no Namespace: we cannot know their labels
            text = peer.namespace_selector.text()
            guess = suggest_namespaces(ctx, peer.namespace_selector)
            if guess:
                owner = f"Namespace {guess.owner.name}"
                return (f"'{word}' peer matches nothing: no namespace has {text} (did you mean {guess.new}, on "
                        f"{owner}?), so this peer allows no traffic. Fix the selector to the labels of the namespaces "
                        "it is meant for"), (peer.namespace_selector, guess.old, guess.new, owner)
            # namespaces made later (by a controller, by another repository) may have the labels
            return _Info(f"'{word}' peer matches no namespace of the workspace: none has {text}, so the namespaces it "
                         "admits, if a controller or another repository makes them, could not be checked. Define "
                         "them, or list them with their labels under assumeNamespaces"), None
        if any(index.unknown_pods_by_ns.get(ns.name) for ns in namespaces):
            return None  # pods an operator makes of a kind nobody described may match (NP097)
        populated = [ns.name for ns in namespaces
                     if index.workloads_by_ns.get(ns.name) and ns.name not in SYSTEM_NAMESPACES]
        if len(populated) < len(namespaces):
            return None  # a namespace whose pods are not in this repository (kube-system, ...) may have them
        if peer.pod_selector is None or not peer.pod_selector.valid or peer.pod_selector.is_empty():
            return None
        where = ", ".join(populated[:5])
    else:
        if peer.pod_selector is None or not peer.pod_selector.valid or peer.pod_selector.is_empty():
            return None
        if index.unknown_pods_by_ns.get(policy.namespace):
            return None  # pods an operator makes of a kind nobody described may match (NP097)
        populated = [policy.namespace]
        if not index.workloads_by_ns.get(policy.namespace) or policy.namespace in SYSTEM_NAMESPACES:
            return None  # no workloads of this namespace here: NP001 says once what it could not check
        where = policy.namespace
    plural = "s" if len(populated) > 1 else ""
    message = (f"'{word}' peer matches no pod: no pod template in namespace{plural} {where} has "
               f"{peer.pod_selector.text()}")
    guess = suggest_pods(ctx, peer.pod_selector, populated)
    fix = None
    if guess:
        owner = describe_workload(guess.owner)
        message += f" (did you mean {guess.new}, on {owner}?)"
        fix = (peer.pod_selector, guess.old, guess.new, owner)
    return message + ", so this peer allows no traffic" + REMEDY, fix


def _names_namespace(selector) -> bool:
    from ..model.objects import NAMESPACE_NAME_LABEL

    return NAMESPACE_NAME_LABEL in selector.match_labels or any(
        r.key == NAMESPACE_NAME_LABEL for r in selector.expressions)
