"""The cluster tiers in plain English, for hover and `explain`: a cluster policy explained, and
which tier, policy, rule and action decided the connections of a workload or a NetworkPolicy's
rules (the engine's Decisions, analysis/tiers.py)."""
from __future__ import annotations

from ..model import ClusterPolicy, NetworkPolicy, TierPeer, TierRule, Workload
from ..model.cluster import ADMIN
from .explain import _conn_text, _listing, _Out, _plural, describe
from .tiers import DEFAULT, Decision, effective_action

MAX_LINES = 12


def _peer_text(out: _Out, ctx, peer: TierPeer) -> str:
    tiers = ctx.tiers
    if peer.kind == "unknown":
        return "a peer of no known kind (the rule fails closed)"
    if peer.kind in ("nodes", "domainNames"):
        what = peer.namespace_selector.text() if peer.kind == "nodes" else ", ".join(t for t, _ in peer.networks)
        return f"{peer.kind} {out.code(what)} (not analysed)"
    if peer.kind == "networks":
        return "networks " + ", ".join(out.code(t) for t, _ in peer.networks)
    text = f"namespaces {out.code(peer.namespace_selector.text())}"
    if peer.kind == "pods":
        text = f"pods {out.code(peer.pod_selector.text())} in {text}"
    matched = [] if tiers is None else sorted({describe(w) for w in tiers.peer_workloads(peer)})
    return text + (f" ({_listing(out, matched)})" if matched else " (no workload here)")


def _ports_text(out: _Out, rule: TierRule) -> str:
    if rule.ports is None:
        return "all ports"
    parts = []
    for port in rule.ports:
        if not port.valid:
            continue
        if port.name is not None:
            parts.append(f"named port {out.code(port.name)}")
        elif port.start == port.end:
            parts.append(out.code(f"{port.protocol} {port.start}"))
        else:
            parts.append(out.code(f"{port.protocol} {port.start}-{port.end}"))
    return ", ".join(parts) if parts else "no valid port (matches nothing)"


def rule_sentence(out: _Out, ctx, rule: TierRule) -> str:
    action = effective_action(rule) or "no valid action"
    written = f" ({rule.written_action})" if rule.written_action and rule.written_action != action else ""
    towards = "from" if rule.direction == "ingress" else "to"
    peers = "; ".join(_peer_text(out, ctx, p) for p in rule.peers) or "no peer"
    return f"{out.bold(action)}{written} {towards} {peers}, on {_ports_text(out, rule)}"


def explain_cluster_policy(ctx, policy: ClusterPolicy, markdown: bool = True) -> str:
    out = _Out(markdown)
    tiers = ctx.tiers
    subjects = [] if tiers is None else sorted({describe(w) for w in tiers.subjects(policy)})
    out.lines.append(f"{out.bold(policy.label)}: selects {_plural(len(subjects), 'workload')}")
    if policy.tier == ADMIN:
        out.para("Admin tier: evaluated before every NetworkPolicy, lower priority first, rules in order; the first "
                 "rule that matches a connection decides it. Accept and Deny are final; Pass hands the connection "
                 "to NetworkPolicy (then to the Baseline tier). It isolates nothing by itself.")
    else:
        out.para("Baseline tier: evaluated only for connections that no Admin rule decided and no NetworkPolicy "
                 "isolates in that direction; the first matching rule decides, what none matches is allowed.")
    if not policy.subject_valid or policy.subject_namespaces is None:
        out.para("Its subject is missing or invalid: it selects nothing.")
    else:
        scope = f"namespaces {out.code(policy.subject_namespaces.text())}"
        if policy.subject_pods is not None:
            scope = f"pods {out.code(policy.subject_pods.text())} in {scope}"
        out.para(f"Subject: {scope}: " + (_listing(out, subjects, 10) if subjects else "no workload here") +
                 " (host-network pods are never selected).")
    for direction in ("ingress", "egress"):
        rules = policy.rules(direction)
        if not rules:
            out.para(f"{out.bold(direction.title())}: no rules, no effect.")
            continue
        out.para(f"{out.bold(direction.title())}, in order:")
        for rule in rules:
            out.bullet(f"{out.code(rule.label)} {rule_sentence(out, ctx, rule)}")
    if tiers is not None and policy.priority is not None:
        same = [p.label for p in tiers.by_tier.get(policy.tier, ()) if p is not policy and p.priority == policy.priority]
        if same:
            out.para(f"Same priority as {_listing(out, same)}: where their rules overlap, which one wins is up to "
                     "the implementation.")
    return out.text()


def _decision_text(out: _Out, decision: Decision) -> str:
    """"TCP 80 denied by the Admin tier: ClusterNetworkPolicy x (...), ingress rule 'y' (Deny)"."""
    conn = _conn_text(out, decision.conn)
    if decision.rule is None:
        if decision.tier == DEFAULT:
            return f"{conn} allowed (no tier decides: the default)"
        return f"{conn} {'allowed' if decision.action == 'Accept' else 'denied'} by NetworkPolicy"
    verbs = {"Accept": "accepted", "Deny": "denied", "Pass": "passed to the next tier"}
    return (f"{conn} {verbs.get(decision.action, decision.action)} by the {decision.tier} tier: "
            f"{out.code(decision.policy.label)}, {out.code(decision.rule.label)} ({decision.rule.written_action})")


def tier_lines_for_workload(ctx, workload: Workload, out: _Out) -> None:
    """What the cluster tiers decide for the workload's connections with the others."""
    engine, tiers = ctx.engine, ctx.tiers
    if tiers is None:
        return
    lines = []
    for direction in ("ingress", "egress"):
        for cls in engine.classes():
            other = cls.rep
            if other is workload or cls is engine.class_of(workload):
                continue
            trace: list[Decision] = []
            if direction == "ingress":
                engine.direction(other, workload, "ingress", trace)
            else:
                engine.direction(workload, other, "egress", trace)
            if any(d.rule is not None for d in trace):
                towards = "from" if direction == "ingress" else "to"
                lines.append(f"{towards} {out.code(describe(other))}: "
                             + "; then ".join(_decision_text(out, d) for d in trace))
    admin = [p.label for p in tiers.by_tier[ADMIN] if tiers.subject_selects(p, workload)]
    base = [p.label for p in tiers.by_tier["Baseline"] if tiers.subject_selects(p, workload)]
    if not admin and not base and not lines:
        return
    head = []
    if admin:
        head.append(f"Admin tier: {_listing(out, admin)}")
    if base:
        head.append(f"Baseline tier: {_listing(out, base)}")
    out.para(f"{out.bold('Cluster tiers')}: " + ("; ".join(head) if head else "its peers' policies only") + ".")
    for line in lines[:MAX_LINES]:
        out.bullet(line)
    if len(lines) > MAX_LINES:
        out.bullet(f"and {len(lines) - MAX_LINES} more")


def tier_lines_for_policy(ctx, policy: NetworkPolicy, out: _Out, only=None) -> None:
    """The Admin rules that decide a NetworkPolicy rule's connections before it is consulted
    (of one rule, `only`, when given)."""
    engine, tiers = ctx.engine, ctx.tiers
    if tiers is None:
        return
    lines = []
    selected = ctx.resolver.selected(policy)
    for direction in ("ingress", "egress"):
        if not policy.affects(direction):
            continue
        for rule in policy.rules(direction):
            if rule.all_peers or (only is not None and rule is not only):
                continue
            for subject in selected:
                for peer in rule.peers:
                    if not peer.is_cluster_peer:
                        continue
                    for other in ctx.resolver.peer_workloads(policy, peer):
                        if other is subject:
                            continue
                        destination = other if direction == "egress" else subject
                        allowed = engine.rule_ports(rule, destination)
                        trace: list[Decision] = []
                        tiers.evaluate(subject, direction, tiers.workload_matcher(other), destination,
                                       allowed, trace)
                        for decision in trace:
                            if decision.tier != ADMIN or decision.action == "Pass":
                                continue
                            part = decision.conn & allowed
                            if part.is_empty():
                                continue
                            towards = "from" if direction == "ingress" else "to"
                            shown = Decision(decision.tier, decision.action, part, decision.policy, decision.rule)
                            line = (f"{out.code(f'{direction}[{rule.index}]')} {towards} {out.code(describe(other))}: "
                                    f"{_decision_text(out, shown)}, before this policy")
                            if line not in lines:
                                lines.append(line)
    if lines:
        out.para(f"{out.bold('Overridden by the Admin tier')} (evaluated before NetworkPolicy):")
        for line in lines[:MAX_LINES]:
            out.bullet(line)
        if len(lines) > MAX_LINES:
            out.bullet(f"and {len(lines) - MAX_LINES} more")
    if only is not None:
        return
    selected_ids = {id(w) for w in selected}
    baseline = [p for p in tiers.by_tier["Baseline"] if any(tiers.subject_selects(p, w) for w in selected)]
    if baseline and selected_ids:
        types = " and ".join(policy.effective_types) or "no direction"
        out.para(f"The Baseline tier ({_listing(out, [p.label for p in baseline])}) no longer applies to the pods this "
                 f"policy isolates, for {types}: NetworkPolicy decides first.")
