"""Does a list of egress rules leave a way to DNS?"""
from __future__ import annotations

from ..model import Rule
from .ports import rule_ports

DNS_PORT_NAMES = ("dns", "dns-tcp", "dns-udp")


def dns_protocols(rules: list[Rule]) -> set[str]:
    """The protocols ('UDP', 'TCP') on which some rule allows port 53 to some peer."""
    found = set()
    for rule in rules:
        ports = rule_ports(rule, None)
        for protocol in ("UDP", "TCP"):
            if ports.contains(protocol, 53):
                found.add(protocol)
        for spec in rule.ports or ():
            if isinstance(spec.port, str) and spec.port in DNS_PORT_NAMES:
                found.add(spec.protocol)
    return found


def allows_dns(rules: list[Rule]) -> bool:
    return bool(dns_protocols(rules))
