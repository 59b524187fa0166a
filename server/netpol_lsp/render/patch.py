"""Patches on node trees: strategic merge (as Kustomize applies it to built-in kinds) and
JSON 6902. Trees are never changed in place: a patch returns new mappings and lists along the
paths it touches and shares the rest, so a base rendered into two overlays is read once."""
from __future__ import annotations

from typing import Callable, Optional

from ..manifests.nodes import Mapping, Node, Scalar, Sequence

DELETE = object()  # what merge() returns for `$patch: delete`

# list fields merged item by item (their patchMergeKey in the Kubernetes API); other lists are replaced
_MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "imagePullSecrets": "name", "hostAliases": "ip", "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}
_IN_CONTAINER = ("containers", "initContainers", "ephemeralContainers")


class PatchError(Exception):
    """A patch that `kustomize build` refuses (a JSON 6902 path that is not there, ...)."""

    def __init__(self, message: str, node: Optional[Node] = None):
        super().__init__(message)
        self.node = node


def is_null(node: Optional[Node]) -> bool:
    return isinstance(node, Scalar) and node.type == "null"


def directive(node: Node) -> Optional[str]:
    if isinstance(node, Mapping):
        value = node.get("$patch")
        if isinstance(value, Scalar):
            return value.value
    return None


def strip(node: Node) -> Node:
    """The patch's own content without its `$` directives (what lands in the object)."""
    if isinstance(node, Mapping):
        return Mapping(node.span, [(k, strip(v)) for k, v in node.items
                                   if not (isinstance(k, Scalar) and k.value.startswith("$"))])
    if isinstance(node, Sequence):
        return Sequence(node.span, [strip(item) for item in node.items
                                    if directive(item) not in ("replace", "delete")])
    return node


def merge(target: Optional[Node], patch: Node, trail: tuple[str, ...] = ()):
    """`target` with the strategic merge patch applied; DELETE when the patch deletes it."""
    if isinstance(patch, Mapping):
        kind = directive(patch)
        if kind == "delete":
            return DELETE
        if kind == "replace" or not isinstance(target, Mapping):
            return strip(patch)
        items = list(target.items)
        for key, value in patch.items:
            if not isinstance(key, Scalar) or key.value.startswith("$"):
                continue
            at = next((i for i, (k, _) in enumerate(items) if isinstance(k, Scalar) and k.value == key.value), None)
            if is_null(value):
                if at is not None:
                    del items[at]
                continue
            merged = merge(items[at][1] if at is not None else None, value, trail + (key.value,))
            if merged is DELETE:
                if at is not None:
                    del items[at]
            elif at is not None:
                items[at] = (items[at][0], merged)
            else:
                items.append((key, merged))
        return Mapping(target.span, items)
    if isinstance(patch, Sequence):
        if any(directive(item) == "replace" for item in patch.items) or not isinstance(target, Sequence):
            return strip(patch)
        field = trail[-1] if trail else ""
        key = _MERGE_KEYS.get(field)
        if field == "ports":
            key = "containerPort" if any(step in _IN_CONTAINER for step in trail) else "port"
        if key is None:
            return strip(patch)
        items = list(target.items)
        for item in patch.items:
            wanted = item.get(key) if isinstance(item, Mapping) else None
            if not isinstance(wanted, Scalar):
                items.append(strip(item))
                continue
            at = next((i for i, old in enumerate(items) if isinstance(old, Mapping)
                       and isinstance(old.get(key), Scalar) and old.get(key).value == wanted.value), None)
            if directive(item) == "delete":
                if at is not None:
                    del items[at]
            elif at is not None:
                merged = merge(items[at], item, trail)
                items[at] = merged
            else:
                items.append(strip(item))
        return Sequence(target.span, items)
    return patch


# -- JSON 6902 --------------------------------------------------------------------------------

def pointer(text: str) -> list[str]:
    if text == "":
        return []
    if not text.startswith("/"):
        raise PatchError(f"path '{text}' does not start with '/'")
    return [token.replace("~1", "/").replace("~0", "~") for token in text[1:].split("/")]


def _child(node: Node, token: str) -> Optional[Node]:
    if isinstance(node, Mapping):
        return node.get(token)
    if isinstance(node, Sequence) and token.isdigit() and int(token) < len(node.items):
        return node.items[int(token)]
    return None


def _with_child(node: Node, token: str, value: Optional[Node], insert: bool = False) -> Node:
    """node with its child `token` set to value (None: removed; insert: added into a list)."""
    if isinstance(node, Mapping):
        items = list(node.items)
        at = next((i for i, (k, _) in enumerate(items) if isinstance(k, Scalar) and k.value == token), None)
        if value is None:
            if at is None:
                raise PatchError(f"no field '{token}' to remove")
            del items[at]
        elif at is None:
            items.append((Scalar(value.span, token, "str"), value))
        else:
            items[at] = (items[at][0], value)
        return Mapping(node.span, items)
    if isinstance(node, Sequence):
        items = list(node.items)
        if token == "-" and insert:
            items.append(value)
        elif token.isdigit() and int(token) <= len(items) - (0 if insert else 1):
            index = int(token)
            if value is None:
                del items[index]
            elif insert:
                items.insert(index, value)
            else:
                items[index] = value
        else:
            raise PatchError(f"index '{token}' is out of the list's range")
        return Sequence(node.span, items)
    raise PatchError(f"'{token}' is below a value that is not a mapping or a list")


def _edit(node: Node, tokens: list[str], action: Callable[[Node, str], Node]) -> Node:
    if len(tokens) == 1:
        return action(node, tokens[0])
    child = _child(node, tokens[0])
    if child is None:
        raise PatchError(f"no field '{tokens[0]}' on the path")
    return _with_child(node, tokens[0], _edit(child, tokens[1:], action))


def _get(node: Node, tokens: list[str]) -> Node:
    for token in tokens:
        node = _child(node, token)
        if node is None:
            raise PatchError(f"no field '{token}' on the path")
    return node


def apply_json6902(root: Node, operations: Sequence, lenient: bool = False) -> Node:
    """lenient: the object was read lean (only what the analysis reads): an operation on a path
    that is not there may be on a field left out, so it is skipped instead of refused."""
    for operation in operations.items:
        if not isinstance(operation, Mapping):
            raise PatchError("a JSON 6902 operation must be a mapping", operation)
        op_node, path_node = operation.get("op"), operation.get("path")
        op = op_node.value if isinstance(op_node, Scalar) else ""
        try:
            tokens = pointer(path_node.value if isinstance(path_node, Scalar) else "")
            if not tokens and op != "test":
                raise PatchError("the path is the whole object")
            value = operation.get("value")
            if op in ("add", "replace"):
                if value is None:
                    raise PatchError(f"'{op}' needs a value")
                if op == "replace":
                    _get(root, tokens)
                root = _edit(root, tokens, lambda parent, last: _with_child(parent, last, value, insert=op == "add"))
            elif op == "remove":
                root = _edit(root, tokens, lambda parent, last: _with_child(parent, last, None))
            elif op in ("move", "copy"):
                source_node = operation.get("from")
                source = pointer(source_node.value if isinstance(source_node, Scalar) else "")
                moved = _get(root, source)
                if op == "move":
                    root = _edit(root, source, lambda parent, last: _with_child(parent, last, None))
                root = _edit(root, tokens, lambda parent, last: _with_child(parent, last, moved, insert=True))
            elif op != "test":
                raise PatchError(f"unknown operation '{op}'")
        except PatchError as err:
            if lenient and op in ("replace", "remove", "move", "copy", "test", "add"):
                continue
            raise PatchError(f"{op} {path_node.value if isinstance(path_node, Scalar) else ''}: {err}",
                             operation) from None
    return root
