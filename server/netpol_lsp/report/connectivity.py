"""Connectivity renderers: one line per allowed pair, sorted, stable, diffable."""
from __future__ import annotations

import csv
import io
import json

from ..analysis.connectivity import Connection, ConnectivityResult


def is_external(endpoint: str) -> bool:
    return not endpoint.endswith("]")


def narrow(connections: list[Connection], focus: str | None, exclude_external: bool) -> list[Connection]:
    out = connections
    if focus:
        out = [c for c in out if _is(c.src, focus) or _is(c.dst, focus)]
    if exclude_external:
        out = [c for c in out if not (is_external(c.src) or is_external(c.dst))]
    return out


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
