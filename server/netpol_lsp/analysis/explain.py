"""What a policy or a workload really does, in plain English: the hover text and `explain`.

Built once as small dataclasses (the facts: which policies, which rules, which peers, which
ports), then rendered as Markdown (hover) or as terminal text. The first line is short: it is
the hover's title.

    explain_policy(ctx, policy, markdown=True) -> str
    explain_workload(ctx, workload, markdown=True) -> str

`ctx` is a rules.base.RuleContext: its resolver and engine are the ones the rules use, so the
explanation and the diagnostics never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..cni import display_name, enforces
from ..model import NetworkPolicy, Peer, PortSpec, Rule, Workload
from ..model.objects import NAMESPACE_NAME_LABEL
from .dns import dns_protocols
from .portset import ConnectionSet

MAX_LISTED = 5  # workloads named after a peer before "and N more"
MAX_GRANTS = 12  # peers listed per direction of a workload before "and N more"

DIRECTIONS = ("ingress", "egress")
TYPE_OF = {"ingress": "Ingress", "egress": "Egress"}


# -- the facts ------------------------------------------------------------------------------

@dataclass
class PeerFacts:
    """One `from`/`to` item: what it says and what it matches in the workspace."""

    kind: str  # "pods" | "ipBlock" | "invalid"
    pod_selector: Optional[str] = None  # kubectl selector text; None: no podSelector
    pod_selector_all: bool = False  # podSelector: {}
    namespace_selector: Optional[str] = None
    namespace_selector_all: bool = False
    namespace_name: Optional[str] = None  # the one namespace named by the peer or the policy's own
    namespaces: list[str] = field(default_factory=list)  # namespaces matched by namespaceSelector
    cidr: Optional[str] = None
    excepts: list[str] = field(default_factory=list)
    workloads: list[str] = field(default_factory=list)  # "Deployment shop/api", in workspace order
    invalid_selector: bool = False


@dataclass
class PortFacts:
    """One `ports` item."""

    protocol: str
    port: Optional[int | str]
    end_port: Optional[int]
    valid: bool
    resolved: dict[int, list[str]] = field(default_factory=dict)  # named port -> {number: destinations}


@dataclass
class RuleFacts:
    direction: str
    index: int
    enforced: bool  # False: the direction is not among the effective policyTypes
    all_peers: bool
    peers: list[PeerFacts]
    all_ports: bool
    ports: list[PortFacts]
    admits: ConnectionSet  # the union of its ports over the destinations (for a quick summary)


@dataclass
class PolicyFacts:
    title: str  # "NetworkPolicy shop/allow-api"
    namespace: str
    selector: str
    selector_all: bool
    selector_invalid: bool
    selected: list[str]
    host_network: list[str]  # selected workloads that run with hostNetwork: true
    types: tuple[str, ...]
    types_inferred: bool
    has_egress_rules: bool
    rules: list[RuleFacts]
    dns: set[str]  # protocols on which some egress rule allows port 53
    cni: Optional[tuple[str, str]]  # (display name, how it is known) when it does not enforce


@dataclass
class Grant:
    """What one peer may do with the workload in one direction, by the workload's own policies."""

    peer: str  # "Deployment shop/api", "10.0.0.0/8 except 10.1.0.0/16", or "anyone"
    kind: str  # "workload" | "external" | "anyone"
    conn: ConnectionSet  # allowed by the workload's side
    by: list[str]  # "shop/allow-api ingress[0]"
    effective: Optional[ConnectionSet] = None  # the part of conn the peer's own policies let through too
    itself: bool = False
    tiers: bool = False  # the workspace has Admin/Baseline policies: they may narrow it too


@dataclass
class SideFacts:
    direction: str
    isolated: bool
    policies: list[str]  # the isolating policies, ns/name
    grants: list[Grant]
    dns: set[str] = field(default_factory=set)  # egress: protocols on which port 53 is allowed
    tiered: bool = False  # Admin or Baseline rules apply to it in this direction


@dataclass
class WorkloadFacts:
    title: str  # "Deployment shop/db"
    selector_labels: str
    selecting: list[tuple[str, tuple[str, ...]]]  # (ns/name, effective types) of every selecting policy
    sides: list[SideFacts]
    host_network: bool
    cni: Optional[tuple[str, str]]


# -- building the facts ---------------------------------------------------------------------

def describe(workload: Workload) -> str:
    """How a workload is named in prose: its controller for a Pod that has one."""
    if workload.owner is not None:
        return f"{workload.owner[0]} {workload.namespace}/{workload.owner[1]}"
    return f"{workload.kind} {workload.namespace}/{workload.name}"


def _unique(items) -> list:
    return list(dict.fromkeys(items))


def _cni_problem(ctx) -> Optional[tuple[str, str]]:
    info = ctx.cni
    if info is None or enforces(info.name):
        return None
    return display_name(info.name), info.how()


def _peer_facts(ctx, policy: NetworkPolicy, peer: Peer) -> PeerFacts:
    if peer.ip_block is not None:
        if peer.pod_selector is not None or peer.namespace_selector is not None:
            return PeerFacts("invalid")
        return PeerFacts("ipBlock", cidr=peer.ip_block.cidr, excepts=[text for text, _node in peer.ip_block.excepts])
    if not peer.is_cluster_peer:
        return PeerFacts("invalid")
    facts = PeerFacts("pods")
    if peer.pod_selector is not None:
        facts.pod_selector = peer.pod_selector.text()
        facts.pod_selector_all = peer.pod_selector.is_empty()
        facts.invalid_selector |= not peer.pod_selector.valid
    if peer.namespace_selector is not None:
        selector = peer.namespace_selector
        facts.namespace_selector = selector.text()
        facts.namespace_selector_all = selector.is_empty()
        facts.invalid_selector |= not selector.valid
        if list(selector.match_labels) == [NAMESPACE_NAME_LABEL] and not selector.expressions:
            facts.namespace_name = selector.match_labels[NAMESPACE_NAME_LABEL]
        facts.namespaces = sorted(ns.name for ns in ctx.resolver.namespaces_matching(selector))
    else:
        facts.namespace_name = policy.namespace
    facts.workloads = _unique(describe(w) for w in ctx.resolver.peer_workloads(policy, peer))
    return facts


def _port_facts(ctx, spec: PortSpec, destinations: list[Workload]) -> PortFacts:
    facts = PortFacts(spec.protocol, spec.port, spec.end_port, spec.valid)
    if spec.valid and isinstance(spec.port, str) and spec.end_port is None:
        for destination in destinations:
            for number in destination.resolve_named_port(spec.port, spec.protocol):
                names = facts.resolved.setdefault(number, [])
                label = describe(destination)
                if label not in names:
                    names.append(label)
    return facts


def _rule_facts(ctx, policy: NetworkPolicy, rule: Rule, selected: list[Workload]) -> RuleFacts:
    peers = [] if rule.all_peers else [_peer_facts(ctx, policy, p) for p in rule.peers]
    if rule.direction == "ingress":
        destinations = selected
    elif rule.all_peers:
        destinations = list(ctx.workspace.workloads)
    else:
        destinations = _unique(w for p in rule.peers for w in ctx.resolver.peer_workloads(policy, p))
    ports = [] if rule.all_ports else [_port_facts(ctx, spec, destinations) for spec in rule.ports]
    admits = ConnectionSet.none()
    for destination in destinations or [None]:
        admits = admits | ctx.engine.rule_ports(rule, destination)
    return RuleFacts(rule.direction, rule.index, policy.affects(rule.direction), rule.all_peers, peers,
                     rule.all_ports, ports, admits)


def policy_facts(ctx, policy: NetworkPolicy) -> PolicyFacts:
    selected = ctx.resolver.selected(policy)
    rules = [_rule_facts(ctx, policy, rule, selected)
             for direction in DIRECTIONS for rule in policy.rules(direction)]
    return PolicyFacts(
        title=f"NetworkPolicy {policy.namespace}/{policy.name}",
        namespace=policy.namespace,
        selector=policy.pod_selector.text() if policy.pod_selector is not None else "{} (everything)",
        selector_all=policy.pod_selector is None or policy.pod_selector.is_empty(),
        selector_invalid=policy.pod_selector is not None and not policy.pod_selector.valid,
        selected=_unique(describe(w) for w in selected),
        host_network=_unique(describe(w) for w in selected if w.host_network),
        types=policy.effective_types,
        types_inferred=policy.policy_types is None,
        has_egress_rules=bool(policy.egress),
        rules=rules,
        dns=dns_protocols(policy.rules("egress")) if policy.affects("egress") else set(),
        cni=_cni_problem(ctx),
    )


def _side_facts(ctx, workload: Workload, direction: str) -> SideFacts:
    resolver, engine = ctx.resolver, ctx.engine
    policies = resolver.isolating(workload, direction)
    side = SideFacts(direction, bool(policies), [f"{p.namespace}/{p.name}" for p in policies], [])
    if not policies:
        return side
    ingress = direction == "ingress"
    grants: dict[tuple[str, str], Grant] = {}
    members: dict[str, list[Workload]] = {}  # workload peer label -> its pods

    def grant(key: tuple[str, str], kind: str, conn: ConnectionSet, ref: str) -> None:
        if conn.is_empty():
            return
        found = grants.get(key)
        if found is None:
            grants[key] = Grant(key[1], kind, conn, [ref])
        else:
            found.conn = found.conn | conn
            if ref not in found.by:
                found.by.append(ref)

    own = describe(workload)
    for policy in policies:
        for rule in policy.rules(direction):
            ref = f"{policy.namespace}/{policy.name} {direction}[{rule.index}]"
            if rule.all_peers:
                # named ports of an egress rule resolve on each destination: say "on its named port"
                conn = engine.rule_ports(rule, workload if ingress else None)
                if not ingress and not rule.all_ports and any(isinstance(s.port, str) for s in rule.ports):
                    for cls in engine.classes():
                        conn = conn | engine.rule_ports(rule, cls.rep)
                grant(("anyone", "anyone"), "anyone", conn, ref)
                continue
            for peer in rule.peers:
                if peer.ip_block is not None:
                    if peer.pod_selector is None and peer.namespace_selector is None:
                        text = peer.ip_block.cidr
                        excepts = [t for t, _node in peer.ip_block.excepts]
                        if excepts:
                            text += " except " + ", ".join(excepts)
                        grant(("external", text), "external", engine.rule_ports(rule, workload if ingress else None), ref)
                    continue
                for other in resolver.peer_workloads(policy, peer):
                    label = describe(other)
                    pods = members.setdefault(label, [])
                    if other not in pods:
                        pods.append(other)
                    grant(("workload", label), "workload", engine.rule_ports(rule, workload if ingress else other), ref)
    for (kind, label), found in grants.items():
        if kind != "workload":
            continue
        found.itself = label == own
        effective = ConnectionSet.none()
        for other in members[label]:
            effective = effective | (engine.allowed(other, workload) if ingress else engine.allowed(workload, other))
        found.effective = effective & found.conn  # what of this grant gets through both sides
        found.tiers = engine.tiers is not None
    order = {"anyone": 0, "workload": 1, "external": 2}
    side.grants = sorted(grants.values(), key=lambda g: (order[g.kind], g.peer))
    if not ingress:
        side.dns = dns_protocols([r for p in policies for r in p.rules("egress")])
    return side


def _tiered(ctx, workload: Workload, side: SideFacts) -> SideFacts:
    tiers = ctx.engine.tiers
    side.tiered = tiers is not None and any(tiers.chain(workload, side.direction, t) for t in ("Admin", "Baseline"))
    return side


def workload_facts(ctx, workload: Workload) -> WorkloadFacts:
    selecting = [(f"{p.namespace}/{p.name}", p.effective_types) for p in ctx.resolver.selecting(workload)]
    labels = ",".join(f"{k}={v}" for k, v in sorted(workload.template_labels.items()))
    return WorkloadFacts(
        title=f"{workload.kind} {workload.namespace}/{workload.name}",
        selector_labels=labels,
        selecting=selecting,
        sides=[_tiered(ctx, workload, _side_facts(ctx, workload, d)) for d in DIRECTIONS],
        host_network=workload.host_network,
        cni=_cni_problem(ctx),
    )


# -- rendering ------------------------------------------------------------------------------

class _Out:
    """Markdown or terminal text, one paragraph or bullet at a time."""

    def __init__(self, markdown: bool):
        self.md = markdown
        self.lines: list[str] = []

    def code(self, text: str) -> str:
        if not self.md:
            return text
        fence = "``" if "`" in text else "`"
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}"

    def bold(self, text: str) -> str:
        return f"**{text}**" if self.md else text

    def para(self, text: str) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines.append(text)

    def bullet(self, text: str, level: int = 0) -> None:
        if self.md:
            self.lines.append("  " * level + "- " + text)
        else:
            self.lines.append("  " * (level + 1) + "- " + text)

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _listing(out: _Out, names: list[str], limit: int = MAX_LISTED) -> str:
    shown = [out.code(n) for n in names[:limit]]
    if len(names) > limit:
        return ", ".join(shown) + f" and {len(names) - limit} more"
    if len(shown) > 1:
        return ", ".join(shown[:-1]) + " and " + shown[-1]
    return shown[0] if shown else ""


def _conn_text(out: _Out, conn: ConnectionSet) -> str:
    if conn.is_all():
        return "all ports and protocols"
    return out.code(conn.canonical())


def _port_text(out: _Out, port: PortFacts) -> str:
    if not port.valid:
        return f"an invalid {port.protocol} port (ignored: it matches nothing)"
    if port.port is None:
        if port.end_port is not None:
            return f"an {port.protocol} endPort without port (matches nothing)"
        return f"every {port.protocol} port"
    if isinstance(port.port, str):
        if port.end_port is not None:
            return f"named port {out.code(port.port)} with endPort (invalid: matches nothing)"
        text = f"{port.protocol} port named {out.code(port.port)}"
        if not port.resolved:
            return text + " (no destination declares it: matches nothing)"
        if len(port.resolved) == 1:
            number = next(iter(port.resolved))
            return text + f" (= {out.code(f'{port.protocol} {number}')})"
        parts = [f"{number} on {_listing(out, names, 2)}" for number, names in sorted(port.resolved.items())]
        return text + " (" + "; ".join(parts) + ")"
    if port.end_port is not None:
        return out.code(f"{port.protocol} {port.port}-{port.end_port}")
    return out.code(f"{port.protocol} {port.port}")


def _join_and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _ports_text(out: _Out, rule: RuleFacts) -> str:
    if rule.all_ports:
        return "all ports and protocols"
    return _join_and([_port_text(out, p) for p in rule.ports])


def _namespaces_text(out: _Out, peer: PeerFacts) -> str:
    if peer.namespace_selector is None or peer.namespace_name is not None:
        return f"namespace {out.code(peer.namespace_name or '')}"
    if peer.namespace_selector_all:
        return "every namespace"
    text = f"namespaces with {out.code(peer.namespace_selector)}"
    if peer.namespaces:
        return text + f", i.e. {_listing(out, peer.namespaces)}"
    return text + " (no namespace in the workspace has these labels)"


def _peer_text(out: _Out, peer: PeerFacts) -> str:
    if peer.kind == "invalid":
        return "an invalid peer (ipBlock together with a selector: the API server rejects it)"
    if peer.kind == "ipBlock":
        text = f"addresses in {out.code(peer.cidr or '')}"
        if peer.excepts:
            text += " except " + _join_and([out.code(e) for e in peer.excepts])
        return text + " (outside the cluster)"
    if peer.invalid_selector:
        return "an invalid selector (the API server rejects it: it matches nothing)"
    where = _namespaces_text(out, peer)
    if peer.pod_selector is None or peer.pod_selector_all:
        text = f"every pod in {where}"
    else:
        text = f"pods with {out.code(peer.pod_selector)} in {where}"
    if peer.workloads:
        return text + f" ({_listing(out, peer.workloads)})"
    return text + " (matches no workload in the workspace)"


def _rule_sentence(out: _Out, rule: RuleFacts) -> str:
    towards = "from" if rule.direction == "ingress" else "to"
    if rule.all_peers:
        whom = "anyone (every pod in every namespace and every address outside the cluster)"
        if rule.direction == "egress":
            whom = "anywhere (every pod in every namespace and every address outside the cluster)"
    else:
        whom = "; or ".join(_peer_text(out, p) for p in rule.peers)
    sentence = f"allows {_ports_text(out, rule)} {towards} {whom}"
    if not rule.enforced:
        sentence += f" — ignored: {TYPE_OF[rule.direction]} is not among the policy's policyTypes"
    elif not rule.all_ports and rule.admits.is_empty():
        sentence += " — admits nothing: none of its ports is valid or resolves"
    return sentence


def render_policy(facts: PolicyFacts, markdown: bool = True) -> str:
    out = _Out(markdown)
    types = ", ".join(facts.types) if facts.types else "none"
    count = _plural(len(facts.selected), "workload")
    out.lines.append(f"{out.bold(facts.title)}: selects {count}; policyTypes {types}"
                     f"{' (inferred)' if facts.types_inferred else ''}")
    if facts.cni:
        out.para(f"Not enforced: the CNI, {facts.cni[0]} ({facts.cni[1]}), does not enforce NetworkPolicy; "
                 "the cluster accepts this policy and ignores it.")
    # what it selects
    if facts.selector_invalid:
        what = "Its podSelector is invalid (the API server rejects it): it selects nothing."
    else:
        scope = f"every pod in namespace {out.code(facts.namespace)}" if facts.selector_all else \
            f"pods with {out.code(facts.selector)} in namespace {out.code(facts.namespace)}"
        if facts.selected:
            what = f"Selects {scope}: {_listing(out, facts.selected, 10)}."
        else:
            what = f"Selects {scope}: no workload in the workspace matches."
    out.para(what)
    if facts.host_network:
        out.para(f"{_listing(out, facts.host_network)} run{'s' if len(facts.host_network) == 1 else ''} with "
                 f"{out.code('hostNetwork: true')}: most CNIs do not apply NetworkPolicy to host-network pods, "
                 "so this policy likely does not constrain them.")
    # policyTypes
    if facts.types_inferred:
        why = "spec.egress has rules" if facts.has_egress_rules else "spec.egress has no rules"
        out.para(f"policyTypes: {types}, inferred ({out.code('policyTypes')} is absent and {why}).")
    else:
        out.para(f"policyTypes: {types}.")
    # the rules, per direction
    for direction in DIRECTIONS:
        rules = [r for r in facts.rules if r.direction == direction]
        heading = out.bold(TYPE_OF[direction])
        enforced = TYPE_OF[direction] in facts.types
        if not enforced:
            if rules:
                out.para(f"{heading}: not isolated by this policy; its {_plural(len(rules), direction + ' rule')} "
                         f"{'is' if len(rules) == 1 else 'are'} ignored because {TYPE_OF[direction]} is not "
                         "among its policyTypes.")
                for rule in rules:
                    out.bullet(f"{out.code(f'{direction}[{rule.index}]')} {_rule_sentence(out, rule)}")
            else:
                out.para(f"{heading}: not restricted by this policy.")
            continue
        if not rules:
            if direction == "ingress":
                out.para(f"{heading}: denies all ingress to the selected pods (no ingress rules), "
                         "unless another policy allows it.")
            else:
                out.para(f"{heading}: denies all egress from the selected pods (no egress rules), DNS included, "
                         "unless another policy allows it.")
            continue
        if direction == "ingress":
            out.para(f"{heading}: the selected pods accept only what these rules (or other policies selecting "
                     "them) allow; all other ingress to them is denied:")
        else:
            out.para(f"{heading}: the selected pods may open only what these rules (or other policies selecting "
                     "them) allow; all other egress from them is denied:")
        for rule in rules:
            out.bullet(f"{out.code(f'{direction}[{rule.index}]')} {_rule_sentence(out, rule)}")
        if direction == "egress" and not facts.dns:
            out.para(f"No egress rule here allows DNS ({out.code('UDP 53')}/{out.code('TCP 53')}): unless another "
                     "policy does, name lookups from the selected pods fail.")
    return out.text()


def _grant_line(out: _Out, grant: Grant, direction: str) -> str:
    towards = "from" if direction == "ingress" else "to"
    if grant.kind == "anyone":
        whom = "anyone, in or outside the cluster" if direction == "ingress" else "anywhere, in or outside the cluster"
    elif grant.kind == "external":
        whom = f"{out.code(grant.peer)} (outside the cluster)"
    else:
        whom = out.code(grant.peer) + (" (itself)" if grant.itself else "")
    text = f"{towards} {whom}: {_conn_text(out, grant.conn)}"
    text += " — " + ", ".join(out.code(b) for b in grant.by)
    if grant.effective is not None and grant.effective != grant.conn and not grant.itself:
        other = "the sender's egress" if direction == "ingress" else "the destination's ingress"
        if grant.tiers:  # an Admin rule on this side may be what narrows it (see "Cluster tiers")
            other = f"the Admin tier or {other}"
        if grant.effective.is_empty():
            text += f"; but {other} policies block it"
        else:
            text += f"; but {other} policies narrow it to {_conn_text(out, grant.effective)}"
    return text


def render_workload(facts: WorkloadFacts, markdown: bool = True) -> str:
    out = _Out(markdown)
    states = []
    for side in facts.sides:
        if side.isolated:
            states.append(f"{side.direction} isolated ({_plural(len(side.policies), 'policy')})")
        else:
            states.append(f"{side.direction} open")
    out.lines.append(f"{out.bold(facts.title)}: {', '.join(states)}")
    if facts.cni:
        out.para(f"Not enforced: the CNI, {facts.cni[0]} ({facts.cni[1]}), does not enforce NetworkPolicy; "
                 "in the cluster this workload's traffic is not restricted at all.")
    if facts.host_network:
        out.para(f"Runs with {out.code('hostNetwork: true')}: most CNIs do not apply NetworkPolicy to host-network "
                 "pods (their traffic is the node's), so what follows likely does not hold in the cluster.")
    if facts.selecting:
        out.para(f"Selected by (pod labels {out.code(facts.selector_labels or '(none)')}):")
        for name, types in facts.selecting:
            what = ", ".join(types) if types else "no policyTypes: enforces nothing"
            out.bullet(f"{out.code(name)} ({what})")
    else:
        out.para(f"No NetworkPolicy selects it (pod labels {out.code(facts.selector_labels or '(none)')}).")
    for side in facts.sides:
        heading = out.bold("Receives" if side.direction == "ingress" else "Sends")
        if not side.isolated and side.tiered:
            out.para(f"{heading}: no NetworkPolicy isolates its {side.direction}: the Admin and Baseline rules "
                     "below decide what they match; everything else is open"
                     + (", unless the sender's own egress policies forbid it." if side.direction == "ingress"
                        else ", unless the destination's ingress policies forbid it."))
            continue
        if not side.isolated:
            if side.direction == "ingress":
                out.para(f"{heading}: not isolated for ingress: any pod or address may connect, on every port, "
                         "unless the sender's own egress policies forbid it.")
            else:
                out.para(f"{heading}: not isolated for egress: it may connect anywhere, on every port, "
                         "unless the destination's ingress policies forbid it.")
            continue
        by = _listing(out, side.policies)
        if not side.grants:
            out.para(f"{heading}: isolated for {side.direction} by {by}, and no rule allows anything: "
                     f"all {side.direction} is denied" + (", DNS included." if side.direction == "egress" else "."))
            continue
        out.para(f"{heading}: isolated for {side.direction} by {by}; allowed:")
        for grant in side.grants[:MAX_GRANTS]:
            out.bullet(_grant_line(out, grant, side.direction))
        if len(side.grants) > MAX_GRANTS:
            out.bullet(f"and {len(side.grants) - MAX_GRANTS} more")
        denied = [f"All other {side.direction} is denied."]
        if side.direction == "egress" and not side.dns:
            denied.append(f"That includes DNS ({out.code('UDP 53')}/{out.code('TCP 53')}): no egress rule allows it, "
                          "so name lookups fail.")
        out.para(" ".join(denied))
    return out.text()


# -- the two entry points the hover and `explain` call --------------------------------------

def explain_policy(ctx, policy: NetworkPolicy, markdown: bool = True) -> str:
    text = render_policy(policy_facts(ctx, policy), markdown)
    from .explain_tiers import tier_lines_for_policy

    return text + _tiers_text(ctx, markdown, lambda out: tier_lines_for_policy(ctx, policy, out))


def explain_workload(ctx, workload: Workload, markdown: bool = True) -> str:
    text = render_workload(workload_facts(ctx, workload), markdown)
    from .explain_tiers import tier_lines_for_workload

    return text + _tiers_text(ctx, markdown, lambda out: tier_lines_for_workload(ctx, workload, out))


def _tiers_text(ctx, markdown: bool, fill) -> str:
    """What the Admin and Baseline tiers add (explain_tiers.py), when the workspace has them."""
    if ctx.engine.tiers is None:
        return ""
    out = _Out(markdown)
    fill(out)
    extra = out.text()
    return "\n" + extra if extra.strip() else ""

