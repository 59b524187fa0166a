"""NP060 schema: a NetworkPolicy that breaks the Kubernetes schema (unknown field, wrong type, bad enum),
and fields of other objects with a shape the cluster would reject."""
from __future__ import annotations

import threading
from collections import OrderedDict

from ..findings import Severity
from ..manifests.edits import text_of
from ..manifests.lines import Lines
from ..manifests.nodes import Mapping, Scalar
from ..model.policy_kinds import REMOVED_POLICY_VERSIONS, is_kubernetes_policy
from ..schema_check import validate
from ..span import Span
from .base import finding

ID = "NP060"
NAME = "schema"
SEVERITY = Severity.ERROR
SUMMARY = "a manifest that breaks the NetworkPolicy schema (unknown field, wrong type, bad enum)"

SCHEMA = "networkpolicy.schema.json"
# the network-policy-api kinds, told from Antrea's own ClusterNetworkPolicy by their API group
CLUSTER_SCHEMAS = {
    "ClusterNetworkPolicy": "clusternetworkpolicy.schema.json",
    "AdminNetworkPolicy": "adminnetworkpolicy.schema.json",
    "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicy.schema.json",
}


def check(ctx):
    for source in ctx.files():
        # A file's schema errors depend on that file alone: computed once per version of it, so
        # a keystroke elsewhere re-validates nothing.
        problems = source.cache.get(ID)
        if problems is None:
            problems = source.cache[ID] = per_file(source)
        for message, span in problems:
            yield finding(ID, message, source.path, span)


def per_file(source) -> list:
    """(message, span) of every schema problem of one file: computed where the file is read."""
    out = []
    reported = set()
    # an editor's buffer (built whole, not lean): the problems of its documents are kept by
    # their text, so a keystroke validates the edited document only, wherever the others moved
    lines = None if source.lean or source.rendered else text_of(source).lines  # shared with the fixes
    shared = {d.start_line for d, after in zip(source.documents, source.documents[1:])
              if d.start_line == after.start_line}  # JSON values on one line: not told apart by text
    for doc in source.documents:
        if doc.root is None:  # not read (a syntax error, a limit): nothing to validate, nothing kept
            continue
        found = _validated(doc.root) if lines is None or doc.start_line in shared else _kept(doc, lines)
        for message, span in found:
            key = span.start_line  # the schema and the model may both see it: once a line
            if key not in reported:
                reported.add(key)
                out.append((message, span))
    for problem in source.model_problems:
        key = problem.span.start_line
        if key not in reported:
            reported.add(key)
            out.append((problem.message[0].upper() + problem.message[1:], problem.span))
    return out


RECENT_DOCUMENTS = 512  # documents of edited buffers whose problems are kept, by their text
_recent: "OrderedDict[str, list]" = OrderedDict()  # text -> problems, lines counted from its first
_recent_lock = threading.Lock()  # the hover's analysis may run beside the edits'


def _kept(doc, lines: Lines) -> list:
    text = lines.join(doc.start_line, doc.end_line)
    with _recent_lock:
        kept = _recent.get(text)
        if kept is not None:
            _recent.move_to_end(text)
    if kept is None:
        found = _validated(doc.root)
        kept = [(message, _moved(span, -doc.start_line)) for message, span in found]
        with _recent_lock:
            _recent[text] = kept
            while len(_recent) > RECENT_DOCUMENTS:
                _recent.popitem(last=False)
        return found
    return [(message, _moved(span, doc.start_line)) for message, span in kept]


def _moved(span: Span, lines: int) -> Span:
    return Span(span.start_line + lines, span.start_col, span.end_line + lines, span.end_col)


def _validated(root) -> list:
    """(message, span) of the schema problems of one document's policies."""
    out = []
    for policy, schema in _policies(root):
        removed = policy.get("apiVersion").value in REMOVED_POLICY_VERSIONS  # NP093 says it
        for error in validate(policy, schema):
            if _explained_elsewhere(error) or (removed and tuple(error.path) == ("apiVersion",)):
                continue
            out.append((error.message, error.span))
    return out


def _policies(root):
    if not isinstance(root, Mapping):
        return
    kind = root.get("kind")
    if not isinstance(kind, Scalar):
        return
    version = root.get("apiVersion")
    version = version.value if isinstance(version, Scalar) else ""
    if is_kubernetes_policy(kind.value, version):  # removed versions too: analysed as v1 (NP093)
        yield root, SCHEMA
    elif kind.value in CLUSTER_SCHEMAS and version.startswith("policy.networking.k8s.io/"):
        yield root, CLUSTER_SCHEMAS[kind.value]
    elif kind.value.endswith("List"):
        items = root.get("items")
        for item in getattr(items, "items", ()):
            yield from _policies(item)


def _explained_elsewhere(error) -> bool:
    """endPort ordering (NP041) and CIDR text (NP050) have their own, better messages."""
    last = error.path[-1] if error.path else ""
    return last in ("endPort", "cidr") or "except" in error.path
