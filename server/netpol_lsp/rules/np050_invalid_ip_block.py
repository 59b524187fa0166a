"""NP050 invalid-ip-block: a bad CIDR, or an except outside its cidr."""
from __future__ import annotations

import ipaddress

from ..findings import Severity
from .base import finding

ID = "NP050"
NAME = "invalid-ip-block"
SEVERITY = Severity.ERROR
SUMMARY = "bad CIDR; except outside cidr"


def check(ctx):
    for policy in ctx.policies():
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    block = peer.ip_block
                    if block is None:
                        continue
                    network = _network(block.cidr)
                    if isinstance(network, str):
                        node = block.cidr_node or block.node
                        yield finding(ID, f"cidr '{block.cidr}' {network}, so the API server rejects the policy. "
                                      "Write an address and a prefix length, like 10.0.0.0/8",
                                      policy.path, node.span)
                        continue
                    for text, node in block.excepts:
                        inner = _network(text)
                        if isinstance(inner, str):
                            yield finding(ID, f"except '{text}' {inner}, so the API server rejects the policy. "
                                          "Write an address and a prefix length, like 10.1.0.0/16",
                                          policy.path, node.span)
                        elif inner.version != network.version or not inner.subnet_of(network):
                            yield finding(ID, f"except '{text}' is not inside cidr {block.cidr}, so the API "
                                          "server rejects the policy. Keep except within cidr, or remove it", policy.path, node.span)


def _network(text: str):
    """An ip_network, or the reason the text is not a CIDR."""
    if "/" not in text:
        return "is not a CIDR (it needs a prefix length, such as /32)"
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return "is not a valid CIDR"
