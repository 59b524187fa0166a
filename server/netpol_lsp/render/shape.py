"""A kustomization's fields with the wrong shape: each is a problem at its place (Kustomize
refuses the file), and the rest of the kustomization is read without it."""
from __future__ import annotations

from ..manifests.nodes import Mapping, Node, Scalar, Sequence

_LISTS = ("resources", "bases", "components", "patchesStrategicMerge", "patches", "patchesJson6902", "labels")
_STRING_MAPS = ("commonLabels", "commonAnnotations")
_STRINGS = ("namespace", "namePrefix", "nameSuffix")


def _null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.type == "null"


def _string_map(node: Node, what: str, problems: list) -> Mapping:
    if not isinstance(node, Mapping):
        problems.append((node, f"{what} must be a mapping of strings"))
        return Mapping(node.span, [])
    kept = []
    for key, value in node.items:
        if isinstance(key, Scalar) and isinstance(value, Scalar):
            kept.append((key, value))
        else:
            problems.append((value, f"a value of {what} must be a string"))
    return Mapping(node.span, kept)


def clean(spec: Node) -> tuple[Mapping, list[tuple[Node, str]]]:
    """(the kustomization without its misshapen fields, [(node, message)])."""
    problems: list[tuple[Node, str]] = []
    if not isinstance(spec, Mapping):
        if spec is not None and not _null(spec):
            problems.append((spec, "a kustomization must be a mapping"))
        return Mapping(spec.span if spec is not None else (0, 0, 0, 0), []), problems
    kept = []
    for key, value in spec.items:
        name = key.value if isinstance(key, Scalar) else ""
        if _null(value):
            continue
        if name in _LISTS:
            if not isinstance(value, Sequence):
                problems.append((value, f"'{name}' must be a list"))
                continue
            items = []
            for item in value.items:
                if name in ("resources", "bases", "components") and not (isinstance(item, Scalar) and item.value):
                    problems.append((item, f"an entry of '{name}' must be a path"))
                elif name in ("patches", "patchesJson6902", "labels") and not isinstance(item, Mapping):
                    problems.append((item, f"an entry of '{name}' must be a mapping"))
                elif name == "patchesStrategicMerge" and not isinstance(item, Scalar):
                    problems.append((item, "an entry of 'patchesStrategicMerge' must be a path or a patch's text"))
                elif name == "labels":
                    pairs = item.get("pairs")
                    entry = [(k, v) for k, v in item.items if not (isinstance(k, Scalar) and k.value == "pairs")]
                    if pairs is not None and not _null(pairs):
                        entry.append((item.key("pairs"), _string_map(pairs, "labels.pairs", problems)))
                    items.append(Mapping(item.span, entry))
                else:
                    items.append(item)
            value = Sequence(value.span, items)
        elif name in _STRING_MAPS:
            value = _string_map(value, f"'{name}'", problems)
        elif name in _STRINGS and not isinstance(value, Scalar):
            problems.append((value, f"'{name}' must be a string"))
            continue
        kept.append((key, value))
    return Mapping(spec.span, kept), problems
