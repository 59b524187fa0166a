"""NP087 tier-not-analysed: what netpol-lsp cannot see in a cluster policy's rule, said once
per rule: `nodes` and `domainNames` peers (node addresses, DNS answers), `networks` CIDRs that
may hold pod addresses (manifests carry none), IPv6 CIDRs, and peers of an unknown shape that
make the rule fail closed."""
from __future__ import annotations

from ..analysis.ipset import IPSet
from ..findings import Severity
from .base import finding

ID = "NP087"
NAME = "tier-not-analysed"
SEVERITY = Severity.INFO
SUMMARY = "a cluster policy rule with peers the analysis cannot evaluate (nodes, domainNames, partial networks)"

ALL_IPV4 = IPSet.all()
# never pod addresses: link-local (cloud metadata) and loopback
NOT_PODS = IPSet.from_cidr("169.254.0.0/16") | IPSet.from_cidr("127.0.0.0/8")


def check(ctx):
    for policy in ctx.cluster_policies():
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                notes = list(_notes(rule))
                if notes:
                    yield finding(ID, f"{rule.label} of {policy.label}: not analysed: {'; '.join(notes)}",
                                  policy.path, rule.peers_key.span if rule.peers_key is not None else rule.node.span)


def _notes(rule):
    kinds = {peer.kind for peer in rule.peers}
    if "nodes" in kinds:
        yield "nodes peers (node addresses are not in the manifests): taken to match nothing"
    if "domainNames" in kinds:
        yield "domainNames peers (what they resolve to is not known here): taken to match nothing"
    if "unknown" in kinds:
        if rule.action == "Accept":
            yield "a peer of no known kind: the rule fails closed and matches no traffic"
        else:
            yield "a peer of no known kind: the rule fails closed and denies all traffic"
    partial, ipv6 = [], []
    for peer in rule.peers:
        if peer.kind != "networks":
            continue
        whole = IPSet.none()
        for text, _node in peer.networks:
            try:
                whole = whole | IPSet.from_cidr(text)
            except ValueError:
                if ":" in text:
                    ipv6.append(text)
                continue
        if not whole.is_empty() and not whole.covers(ALL_IPV4) and not NOT_PODS.covers(whole):
            partial.extend(t for t, _n in peer.networks if ":" not in t)
    if partial:
        yield (f"networks {', '.join(partial)} may hold pod addresses, which manifests do not carry: matched "
               "against addresses outside the cluster only")
    if ipv6:
        yield f"IPv6 networks {', '.join(ipv6)} (the analysis models IPv4)"
