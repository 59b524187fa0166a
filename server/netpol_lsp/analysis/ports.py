"""A rule's `ports` as a ConnectionSet, resolved on one destination workload."""
from __future__ import annotations

from typing import Optional

from ..model import PortSpec, Rule, Workload
from .portset import MAX_PORT, ConnectionSet

ALL = ConnectionSet.all()
NONE = ConnectionSet.none()


def port_spec_set(spec: PortSpec, destination: Optional[Workload]) -> ConnectionSet:
    """One `ports` item. A named port needs the destination's containers; outside the cluster
    (destination None) it matches nothing. Values the API server would reject add nothing."""
    if not spec.valid:
        return NONE
    if spec.port is None:
        return NONE if spec.end_port is not None else ConnectionSet.protocol(spec.protocol)
    if isinstance(spec.port, str):
        if spec.end_port is not None or destination is None:
            return NONE
        found = NONE
        for number in destination.resolve_named_port(spec.port, spec.protocol):
            if 1 <= number <= MAX_PORT:
                found = found | ConnectionSet.ports(spec.protocol, number)
        return found
    start = spec.port
    end = spec.end_port if spec.end_port is not None else start
    if not (1 <= start <= end <= MAX_PORT):
        return NONE
    return ConnectionSet.ports(spec.protocol, start, end)


def rule_ports(rule: Rule, destination: Optional[Workload]) -> ConnectionSet:
    if rule.all_ports:
        return ALL
    found = NONE
    for spec in rule.ports:
        found = found | port_spec_set(spec, destination)
    return found


def uses_named_ports(rule: Rule) -> bool:
    return any(isinstance(spec.port, str) for spec in rule.ports or ())
