"""Connectivity renderers: one line per allowed pair, sorted, stable, diffable."""
from __future__ import annotations

import csv
import io
import json

from ..analysis.connectivity import Connection, ConnectivityResult


def is_external(endpoint: str) -> bool:
    return not endpoint.endswith("]")


def narrow(connections: list[Connection], focus, exclude_external: bool) -> list[Connection]:
    """Only the connections of the focused endpoint(s) (a NS/NAME, a ns/name[Kind], or a set of
    endpoint names), and/or only those between workloads."""
    out = connections
    if focus:
        if isinstance(focus, str):
            out = [c for c in out if _is(c.src, focus) or _is(c.dst, focus)]
        else:
            wanted = set(focus)
            out = [c for c in out if c.src in wanted or c.dst in wanted]
    if exclude_external:
        out = [c for c in out if not (is_external(c.src) or is_external(c.dst))]
    return out


def focus_endpoints(result: ConnectivityResult, focus: str) -> set[str]:
    """The endpoints a --focus-workload names: ns/name (any kind), ns/name[Kind], or the name of
    a pod whose controller names the endpoint. Empty when nothing matches."""
    found = set()
    for endpoint, pods in result.endpoints.items():
        if _is(endpoint, focus) or any(f"{p.namespace}/{p.name}" == focus for p in pods):
            found.add(endpoint)
    return found


def _is(endpoint: str, focus: str) -> bool:
    name = endpoint.split("[", 1)[0]
    return name == focus or endpoint == focus


def render(connections: list[Connection], fmt: str, result: ConnectivityResult):
    if fmt == "json":
        return json.dumps([c.as_dict() for c in connections], indent=2) + "\n"
    if fmt == "txt":
        return "".join(f"{c.src} => {c.dst} : {c.conn.canonical()}\n" for c in connections)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["src", "dst", "conn"])
        for c in connections:
            writer.writerow([c.src, c.dst, c.conn.canonical()])
        return buffer.getvalue()
    if fmt == "md":
        lines = ["| src | dst | conn |", "|-----|-----|------|"]
        lines += [f"| {c.src} | {c.dst} | {c.conn.canonical()} |" for c in connections]
        return "\n".join(lines) + "\n"
    from .graph import render_graph

    return render_graph(connections, fmt, result)
