"""Hover: what the thing under the cursor does, in Markdown with a short first line.

- a NetworkPolicy's kind or name: the policy explained (what it selects, its effective
  policyTypes, each rule in plain English with the workloads each peer matches);
- spec.podSelector, a peer's podSelector / namespaceSelector / ipBlock: what it matches;
- a rule: that rule in plain English; a rule's port: the containers that declare it;
- a workload's kind, name or pod template labels: the policies selecting it and its effective
  ingress and egress (who may connect, on which ports);
- a workload's container port: who may connect to it;
- a cluster policy (ClusterNetworkPolicy, Admin/BaselineAdminNetworkPolicy): explained, its
  subject's workloads, and for a rule what it decides here (lsp/hover_tiers.py).

Policy and workload explanations are analysis/explain.py's (the `explain` command's text);
the narrower hovers (a selector, a peer, a rule, a port) are written here.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from ..analysis import explain as analysis_explain
from ..model import ClusterPolicy, NetworkPolicy, Peer, PortSpec, Rule, Selector, Workload
from ..model.objects import WORKLOAD_KINDS, ContainerPort
from ..rules.base import RuleContext
from ..span import Span
from ..workspace import SourceFile
from .hover_tiers import cluster_policy_hover
from .node_at import Key, node_path_at, object_at

CAP = 10  # longest list shown; the rest is counted

Link = Callable[[str, Span], str]  # (path, span) -> a Markdown link to that place


def hover_markdown(ctx: RuleContext, source: SourceFile, line: int, col: int, link: Link,
                   policy_note: Optional[Callable[[NetworkPolicy], Optional[str]]] = None) -> Optional[tuple[str, Span]]:
    """The hover text at a position and the span it is about; None where there is nothing to say.
    `policy_note` adds a section to a policy's own hover (its connectivity against a base)."""
    path = node_path_at(source.documents, line, col)
    if path is None:
        return None
    found = object_at(source.objects, path)
    if found is None:
        return None
    obj, keys, nodes = found
    text = None
    if isinstance(obj, NetworkPolicy):
        text = _policy_hover(ctx, obj, keys, nodes, link)
        note = policy_note(obj) if policy_note is not None and text and _is_identity(keys) else None
        if note:
            text = f"{text}\n\n{note}"
    elif isinstance(obj, Workload):
        text = _workload_hover(ctx, obj, keys, nodes, link)
    elif isinstance(obj, ClusterPolicy):
        text = cluster_policy_hover(ctx, obj, keys, link)
    if not text:
        return None
    return text, path.anchor


# --- dispatch -------------------------------------------------------------------------------

def _is_identity(keys: list[Key]) -> bool:
    return keys in (["kind"], ["metadata", "name"])


def _policy_hover(ctx, policy: NetworkPolicy, keys: list[Key], nodes, link: Link) -> Optional[str]:
    if _is_identity(keys):
        return explain_policy(ctx, policy, link)
    if keys[:2] == ["spec", "podSelector"]:
        return _selected_text(ctx, policy, link)
    if keys[:2] == ["spec", "policyTypes"]:
        return _policy_types_text(policy)
    if len(keys) == 2 and keys[0] == "spec" and keys[1] in ("ingress", "egress"):
        return "\n".join(_direction_lines(ctx, policy, keys[1]))
    if len(keys) >= 3 and keys[0] == "spec" and keys[1] in ("ingress", "egress") and isinstance(keys[2], int):
        rule = next((r for r in policy.rules(keys[1]) if r.index == keys[2]), None)
        if rule is None:
            return None
        peers_key = "from" if keys[1] == "ingress" else "to"
        if len(keys) >= 5 and keys[3] == peers_key and isinstance(keys[4], int):
            peer = next((p for p in rule.peers or () if p.index == keys[4]), None)
            if peer is not None:
                return _peer_text(ctx, policy, rule, peer, keys[5] if len(keys) > 5 else None, link)
        if len(keys) >= 5 and keys[3] == "ports" and isinstance(keys[4], int):
            spec = next((s for s in rule.ports or () if s.node is nodes[5]), None)
            if spec is not None:
                return _port_text(ctx, policy, rule, spec, link)
        return _rule_hover(ctx, policy, rule)
    return None


def _workload_hover(ctx, workload: Workload, keys: list[Key], nodes, link: Link) -> Optional[str]:
    labels_path = list(WORKLOAD_KINDS.get(workload.kind, ())) + ["metadata", "labels"]
    if _is_identity(keys) or keys[:len(labels_path)] == labels_path:
        return explain_workload(ctx, workload, link)
    for index, key in enumerate(keys):
        if key == "ports" and index >= 2 and keys[index - 2] in ("containers", "initContainers") \
                and len(keys) > index + 1:
            port_node = nodes[index + 2]
            port = next((p for p in workload.ports if p.node is port_node), None)
            if port is not None:
                return _container_port_text(ctx, workload, port, link)
    return None


# --- words ----------------------------------------------------------------------------------

def _code(text: str) -> str:
    return f"`{text}`"


def selector_text(selector: Optional[Selector]) -> str:
    if selector is None:
        return _code("{}")
    if not selector.valid:
        return "an invalid selector (the API server rejects it: it matches nothing)"
    return _code("{}") if selector.is_empty() else _code(selector.text())


def describe(workload: Workload) -> str:
    return f"{workload.kind} {workload.namespace}/{workload.name}"


def _capped(lines: list[str], cap: int = CAP) -> list[str]:
    if len(lines) <= cap:
        return lines
    return lines[:cap] + [f"- … and {len(lines) - cap} more"]


def _workload_lines(workloads: Iterable[Workload], link: Link) -> list[str]:
    return _capped([f"- {describe(w)} — {link(w.path, w.kind_span)}" for w in workloads])


def _names(workloads: list[Workload], cap: int = 3) -> str:
    if not workloads:
        return "no workload in the workspace"
    names = ", ".join(describe(w) for w in workloads[:cap])
    return names + (f" and {len(workloads) - cap} more" if len(workloads) > cap else "")


def _count(n: int, noun: str) -> str:
    if n == 0:
        return f"no {noun}"
    return f"{n} {noun}" + ("" if n == 1 else "s")


def peer_phrase(policy: NetworkPolicy, peer: Peer) -> str:
    if peer.ip_block is not None:
        text = f"addresses in {_code(peer.ip_block.cidr or '?')}"
        if peer.ip_block.excepts:
            text += " except " + ", ".join(_code(e) for e, _ in peer.ip_block.excepts)
        return text
    pods, namespaces = peer.pod_selector, peer.namespace_selector
    if pods is None and namespaces is None:
        return "nothing (an empty peer the API server rejects)"
    if namespaces is None:
        who = "every pod" if pods.is_empty() else f"pods {selector_text(pods)}"
        return f"{who} in namespace {_code(policy.namespace)}"
    where = "every namespace" if namespaces.is_empty() else f"namespaces {selector_text(namespaces)}"
    who = "every pod" if pods is None or pods.is_empty() else f"pods {selector_text(pods)}"
    return f"{who} in {where}"


def port_phrase(spec: PortSpec) -> str:
    if not spec.valid:
        return "an invalid port (matches nothing)"
    if spec.port is None:
        return f"every {spec.protocol} port"
    if isinstance(spec.port, str):
        return f"{spec.protocol} port named {_code(spec.port)}"
    if spec.end_port is not None:
        return f"{spec.protocol} {spec.port}-{spec.end_port}"
    return f"{spec.protocol} {spec.port}"


def rule_sentence(ctx: RuleContext, policy: NetworkPolicy, rule: Rule) -> str:
    towards = "from" if rule.direction == "ingress" else "to"
    if rule.all_peers:
        peers = "every source, in and outside the cluster" if rule.direction == "ingress" \
            else "every destination, in and outside the cluster"
        who = f"{towards} {peers}"
    else:
        parts = []
        for peer in rule.peers:
            phrase = peer_phrase(policy, peer)
            if peer.ip_block is None:
                phrase += f" ({_names(ctx.resolver.peer_workloads(policy, peer))})"
            parts.append(phrase)
        who = f"{towards} " + "; or ".join(parts)
    ports = "on every port" if rule.all_ports else "on " + ", ".join(port_phrase(s) for s in rule.ports)
    return f"Allow {who}, {ports}"


# --- policies -------------------------------------------------------------------------------

def explain_policy(ctx: RuleContext, policy: NetworkPolicy, link: Link) -> str:
    """The `explain` command's text for the policy, as Markdown."""
    return analysis_explain.explain_policy(ctx, policy, markdown=True)


def _policy_types_line(policy: NetworkPolicy) -> str:
    effective = ", ".join(policy.effective_types) or "none"
    if policy.policy_types is None:
        why = "Egress because egress has rules" if "Egress" in policy.effective_types else \
            "not Egress, since there are no egress rules"
        return f"Effective policyTypes: {effective} (not written: Kubernetes infers Ingress, and {why})"
    return f"Effective policyTypes: {effective} (as written)"


def _policy_types_text(policy: NetworkPolicy) -> str:
    lines = [f"**policyTypes of {policy.namespace}/{policy.name}**: {', '.join(policy.effective_types) or 'none'}",
             "", _policy_types_line(policy)]
    for direction, name in (("ingress", "Ingress"), ("egress", "Egress")):
        if name not in policy.effective_types and policy.rules(direction):
            lines.append(f"- the {_count(len(policy.rules(direction)), direction + ' rule')} are ignored: "
                         f"{name} is not among the policyTypes")
    return "\n".join(lines)


def _direction_lines(ctx, policy: NetworkPolicy, direction: str) -> list[str]:
    title = "Ingress" if direction == "ingress" else "Egress"
    rules = policy.rules(direction)
    if not policy.affects(direction):
        if rules:
            return [f"**{title}**: {_count(len(rules), 'rule')} written but ignored: "
                    f"policyTypes does not include {title}, so this policy does not restrict {direction}"]
        return [f"**{title}**: not restricted by this policy"]
    if not rules:
        what = "all incoming traffic is denied" if direction == "ingress" else \
            "all outgoing traffic is denied, DNS included"
        return [f"**{title}**: no rules: {what} (unless another policy selecting the same pods allows it)"]
    lines = [f"**{title}**:"]
    lines += [f"{n}. {rule_sentence(ctx, policy, rule)}" for n, rule in enumerate(rules, 1)]
    return lines


def _selected_text(ctx, policy: NetworkPolicy, link: Link) -> str:
    selected = ctx.resolver.selected(policy)
    lines = [f"**podSelector {selector_text(policy.pod_selector)}** — selects "
             f"{_count(len(selected), 'workload')} in namespace {_code(policy.namespace)}"]
    if selected:
        lines += [""] + _workload_lines(selected, link)
    else:
        others = ctx.workspace.index.workloads_by_ns.get(policy.namespace, [])
        lines += ["", f"No pod template in namespace {policy.namespace} has these labels "
                      f"({_count(len(others), 'workload')} there): the policy applies to nothing."]
    return "\n".join(lines)


def _rule_hover(ctx, policy: NetworkPolicy, rule: Rule) -> str:
    title = "Ingress" if rule.direction == "ingress" else "Egress"
    head = f"**{title} rule {rule.index + 1} of {policy.namespace}/{policy.name}**"
    if not policy.affects(rule.direction):
        head += f" — ignored: policyTypes does not include {title}"
    text = "\n".join([head, "", rule_sentence(ctx, policy, rule)])
    if ctx.engine.tiers is not None:  # the Admin rules that decide this rule's traffic first
        from ..analysis.explain import _Out
        from ..analysis.explain_tiers import tier_lines_for_policy

        out = _Out(True)
        tier_lines_for_policy(ctx, policy, out, only=rule)
        if out.lines:
            text += "\n\n" + out.text()
    return text


def _peer_text(ctx, policy: NetworkPolicy, rule: Rule, peer: Peer, part: Optional[Key], link: Link) -> str:
    towards = "from" if rule.direction == "ingress" else "to"
    if peer.ip_block is not None and (part in (None, "ipBlock") or peer.pod_selector is None):
        return "\n".join([f"**ipBlock** — {peer_phrase(policy, peer)}", "",
                          "Addresses outside the cluster: pod IPs are matched by selectors, not by ipBlock "
                          "(on most CNIs)."])
    if part == "namespaceSelector" and peer.namespace_selector is not None:
        namespaces = ctx.resolver.namespaces_matching(peer.namespace_selector)
        lines = [f"**namespaceSelector {selector_text(peer.namespace_selector)}** — matches "
                 f"{_count(len(namespaces), 'namespace')}"]
        if namespaces:
            lines.append("")
            ns_lines = []
            for ns in namespaces:
                where = link(ns.defined_by.path, ns.defined_by.kind_span) if ns.defined_by is not None else \
                    ("assumed in the configuration" if ns.assumed else "not defined in the workspace")
                ns_lines.append(f"- {ns.name} — {where}")
            lines += _capped(ns_lines)
        workloads = ctx.resolver.peer_workloads(policy, peer)
        lines += ["", f"This peer ({peer_phrase(policy, peer)}) matches {_count(len(workloads), 'workload')}."]
        return "\n".join(lines)
    workloads = ctx.resolver.peer_workloads(policy, peer)
    lines = [f"**{towards} {peer_phrase(policy, peer)}** — matches {_count(len(workloads), 'workload')}"]
    if workloads:
        lines += [""] + _workload_lines(workloads, link)
    else:
        lines += ["", "No workload in the workspace matches this peer: the rule allows nothing through it."]
    return "\n".join(lines)


def _targets(ctx, policy: NetworkPolicy, rule: Rule) -> list[Workload]:
    """The pods a rule's ports are opened on: the selected pods for ingress, the peers for egress."""
    if rule.direction == "ingress":
        return ctx.resolver.selected(policy)
    if rule.all_peers:
        return list(ctx.workspace.workloads)
    seen, out = set(), []
    for peer in rule.peers:
        for workload in ctx.resolver.peer_workloads(policy, peer):
            if id(workload) not in seen:
                seen.add(id(workload))
                out.append(workload)
    return out


def _port_text(ctx, policy: NetworkPolicy, rule: Rule, spec: PortSpec, link: Link) -> str:
    targets = _targets(ctx, policy, rule)
    declared = []
    for workload in targets:
        for port in workload.ports:
            if _declares(port, spec):
                number = f"{port.number}/{port.protocol}" if port.number is not None else port.protocol
                name = f" ({_code(port.name)})" if port.name else ""
                declared.append(f"- {describe(workload)}, container {_code(port.container or '?')}: "
                                f"{number}{name} — {link(workload.path, port.node.span)}")
    where = "selected workload" if rule.direction == "ingress" else "destination workload"
    lines = [f"**{port_phrase(spec)}** — declared by {_count(len(declared), 'container port')} "
             f"of {_count(len(targets), where)}"]
    if declared:
        lines += [""] + _capped(declared)
    elif isinstance(spec.port, str):
        lines += ["", f"No target container declares a port named {_code(spec.port)}: "
                      "the rule opens nothing on those pods."]
    else:
        lines += ["", "No target container declares it (for a numeric port that is allowed, "
                      "but nothing is known to listen there)."]
    return "\n".join(lines)


def _declares(port: ContainerPort, spec: PortSpec) -> bool:
    if port.protocol != spec.protocol:
        return False
    if spec.port is None:
        return True
    if isinstance(spec.port, str):
        return port.name == spec.port
    if port.number is None:
        return False
    return spec.port <= port.number <= (spec.end_port if spec.end_port is not None else spec.port)


# --- workloads ------------------------------------------------------------------------------

def explain_workload(ctx: RuleContext, workload: Workload, link: Link) -> str:
    """The `explain` command's text for the workload, as Markdown."""
    return analysis_explain.explain_workload(ctx, workload, markdown=True)


def _container_port_text(ctx, workload: Workload, port: ContainerPort, link: Link) -> str:
    number = f"{port.number}/{port.protocol}" if port.number is not None else port.protocol
    name = f" ({_code(port.name)})" if port.name else ""
    lines = [f"**containerPort {number}{name}** of {describe(workload)}, container {_code(port.container or '?')}", ""]
    if port.number is None:
        return "\n".join(lines + ["No port number: no policy can open it."])
    if not ctx.resolver.isolating(workload, "ingress"):
        return "\n".join(lines + ["Ingress is not isolated: every source may connect to it "
                                  "(unless the source's own egress policies forbid it)."])
    engine = ctx.engine
    sources = []
    for other in engine.candidates(workload, "ingress", ctx.workspace.workloads):
        if other.endpoint != workload.endpoint and engine.allowed(other, workload).contains(port.protocol, port.number):
            if other.endpoint not in sources:
                sources.append(other.endpoint)
    for atom in engine.external_atoms():
        if engine.from_external(workload, atom).contains(port.protocol, port.number):
            sources.append(f"outside the cluster ({atom})")
    if not sources:
        return "\n".join(lines + ["No policy lets anything connect to this port."])
    return "\n".join(lines + ["May connect to it:"] + _capped([f"- {s}" for s in sources]))


__all__ = ["hover_markdown", "explain_policy", "explain_workload", "rule_sentence", "peer_phrase", "port_phrase"]
