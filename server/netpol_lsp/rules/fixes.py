"""The fixes rules attach to their findings: minimal text edits from the parser's spans
(manifests/edits.py), so the editor's quick fixes and any other front apply the same change.

Each builder returns a Fix, or None when the manifest has a shape it cannot edit safely.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, Optional

from ..findings import Fix, TextEdit
from ..manifests import edits
from ..manifests.edits import Style, Text
from ..manifests.nodes import Mapping, Scalar, Sequence
from ..model import NetworkPolicy, PortSpec, Selector
from .base import RuleContext

DNS_RULE = {
    "to": [{
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}


# Whether the front shows fixes: the editor's quick fixes do; no report of `check` prints one, and
# building them keeps every edited file's text sliced in lines (edits.Text) until the run ends
_WANTED: ContextVar[bool] = ContextVar("fixes wanted", default=True)


@contextmanager
def unwanted() -> Iterator[None]:
    """Rules attach no fix while this is open (`check`: its reports show none)."""
    token = _WANTED.set(False)
    try:
        yield
    finally:
        _WANTED.reset(token)


def wanted() -> bool:
    return _WANTED.get()


def _text(ctx: RuleContext, path: str) -> Optional[Text]:
    if not _WANTED.get():
        return None
    source = ctx.workspace.files.get(path)
    if source is None or source.skipped:
        return None
    return edits.text_of(source)


def _fix(title: str, *found: Optional[TextEdit]) -> Optional[Fix]:
    if not found or any(edit is None for edit in found):
        return None
    return Fix(title, tuple(found))


def _spec(policy: NetworkPolicy) -> Optional[Mapping]:
    return policy.spec_node if isinstance(policy.spec_node, Mapping) else None


def explicit_policy_types(ctx: RuleContext, policy: NetworkPolicy) -> Optional[Fix]:
    """NP010: write the policyTypes Kubernetes infers, before ingress/egress as usual."""
    text, spec = _text(ctx, policy.path), _spec(policy)
    if text is None or spec is None:
        return None
    inferred = list(policy.effective_types)
    edit = edits.add_key(text, spec, "policyTypes", inferred, Style.of(text, policy.node),
                         before=("ingress", "egress"))
    return _fix(f"Write policyTypes: [{', '.join(inferred)}] (what Kubernetes infers)", edit)


def add_policy_type(ctx: RuleContext, policy: NetworkPolicy, type_name: str) -> Optional[Fix]:
    """NP011: add the missing type, so the written rules are enforced."""
    text, spec = _text(ctx, policy.path), _spec(policy)
    if text is None or spec is None:
        return None
    written = spec.get("policyTypes")
    style = Style.of(text, policy.node)
    if isinstance(written, Sequence):
        edit = edits.append_item(text, written, type_name, style)
    else:
        edit = edits.set_value(text, spec, "policyTypes", [type_name], style)
    direction = type_name.lower()
    return _fix(f"Add {type_name} to policyTypes (enforce the {direction} rules)", edit)


def remove_rules(ctx: RuleContext, policy: NetworkPolicy, direction: str) -> Optional[Fix]:
    """NP011: remove the rules the policyTypes leave unenforced."""
    text, spec = _text(ctx, policy.path), _spec(policy)
    if text is None or spec is None:
        return None
    return _fix(f"Remove the ignored {direction} rules", edits.remove_key(text, spec, direction))


def allow_dns(ctx: RuleContext, policy: NetworkPolicy) -> Optional[Fix]:
    """NP012: an egress rule to the cluster DNS (kube-dns in kube-system), UDP and TCP 53."""
    text, spec = _text(ctx, policy.path), _spec(policy)
    if text is None or spec is None:
        return None
    style = Style.of(text, policy.node)
    egress = spec.get("egress")
    if not spec.has("egress"):
        edit = edits.add_key(text, spec, "egress", [DNS_RULE], style)
    elif isinstance(egress, Sequence) and (egress.items or text.is_flow(spec)):
        edit = edits.append_item(text, egress, DNS_RULE, style)
    else:  # `egress:` (null) or `egress: []` in a block spec: the rule as a block list
        edit = edits.set_value(text, spec, "egress", [DNS_RULE], style)
    return _fix("Allow DNS: add an egress rule to kube-dns in kube-system on UDP and TCP 53", edit)


def replace_label(ctx: RuleContext, path: str, selector: Selector, old: str, new: str,
                  owner: str) -> Optional[Fix]:
    """NP001/NP002 "did you mean": change the matchLabels pair `old` (k=v) into `new`."""
    text = _text(ctx, path)
    if text is None:
        return None
    labels = selector.node.get("matchLabels") if isinstance(selector.node, Mapping) else None
    if not isinstance(labels, Mapping):
        return None
    old_key, old_value = old.split("=", 1)
    new_key, new_value = new.split("=", 1)
    for key, value in labels.pairs():
        if not (isinstance(key, Scalar) and key.value == old_key and isinstance(value, Scalar)):
            continue
        found = []
        if new_key != old_key:
            if labels.has(new_key):
                return None  # a duplicate key would be worse than the typo
            found.append(edits.replace_scalar(text, key, new_key))
        if new_value != old_value:
            found.append(edits.replace_scalar(text, value, new_value))
        return _fix(f"Change {old} to {new} (the label of {owner})", *found)
    return None


def swap_range(ctx: RuleContext, path: str, spec: PortSpec) -> Optional[Fix]:
    """NP041: port and endPort written the wrong way round."""
    text = _text(ctx, path)
    if text is None or spec.port_node is None or spec.end_port_node is None:
        return None
    first, second = edits.swap(text, spec.port_node, spec.end_port_node)
    return _fix(f"Swap port and endPort (port: {spec.end_port}, endPort: {spec.port})", first, second)
