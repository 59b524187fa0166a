"""What is under the cursor: the path of keys from a document's root down to a position.

Hover, code actions and completion all start here. The walk looks at keys before values (a
block value's span ends where the next key begins), treats containers as half-open spans
and scalars as closed ones (a cursor just after a word is still on it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

from ..manifests.nodes import Mapping, Node, Scalar, Sequence
from ..manifests.parse import Document
from ..model import K8sObject
from ..span import Span

Key = Union[str, int]


@dataclass
class NodePath:
    document: Document
    keys: list[Key] = field(default_factory=list)  # from the root: "spec", "ingress", 0, "from", ...
    nodes: list[Node] = field(default_factory=list)  # nodes[0] is the root; nodes[i + 1] is under keys[i]
    on_key: bool = False  # the position is on the last key itself, not inside its value
    key_node: Optional[Scalar] = None  # that key, when on_key

    @property
    def leaf(self) -> Node:
        return self.nodes[-1]

    @property
    def anchor(self) -> Span:
        """The span to highlight: the key under the cursor, or the innermost node."""
        return self.key_node.span if self.key_node is not None else self.leaf.span

    def relative_to(self, node: Node) -> Optional[tuple[list[Key], list[Node]]]:
        """The keys and nodes below `node` (which must be on the path), node first."""
        for index, candidate in enumerate(self.nodes):
            if candidate is node:
                return self.keys[index:], self.nodes[index:]
        return None


def _inside(span: Span, line: int, col: int, closed: bool) -> bool:
    if (line, col) < (span.start_line, span.start_col):
        return False
    if closed:
        return (line, col) <= (span.end_line, span.end_col)
    return (line, col) < (span.end_line, span.end_col)


def _contains(node: Node, line: int, col: int) -> bool:
    return _inside(node.span, line, col, closed=isinstance(node, Scalar))


def document_at(documents: Iterable[Document], line: int) -> Optional[Document]:
    for document in documents:
        if document.start_line <= line < document.end_line:
            return document
    return None


def node_path_at(documents: Iterable[Document], line: int, col: int) -> Optional[NodePath]:
    """The path to the innermost node at (line, col), UTF-16 column; None when the position is
    outside every document's root node (a comment, a blank line between documents, past the end)."""
    document = document_at(documents, line)
    if document is None or document.root is None or not _contains(document.root, line, col):
        return None
    path = NodePath(document, [], [document.root])
    node: Node = document.root
    while True:
        if isinstance(node, Mapping):
            for key, _value in node.items:
                if isinstance(key, Scalar) and _inside(key.span, line, col, closed=True):
                    path.keys.append(key.value)
                    path.nodes.append(_value)
                    path.on_key, path.key_node = True, key
                    return path
            for key, value in node.items:
                if _contains(value, line, col):
                    path.keys.append(key.value if isinstance(key, Scalar) else repr(key))
                    path.nodes.append(value)
                    node = value
                    break
            else:
                return path
        elif isinstance(node, Sequence):
            for index, item in enumerate(node.items):
                if _contains(item, line, col):
                    path.keys.append(index)
                    path.nodes.append(item)
                    node = item
                    break
            else:
                return path
        else:
            return path


def object_at(objects: Iterable[K8sObject], path: NodePath) -> Optional[tuple[K8sObject, list[Key], list[Node]]]:
    """The innermost object on the path (a List's item rather than the List), with the keys and
    nodes from that object's root mapping down to the position."""
    by_node = {id(obj.node): obj for obj in objects}
    for index in range(len(path.nodes) - 1, -1, -1):
        obj = by_node.get(id(path.nodes[index]))
        if obj is not None:
            return obj, path.keys[index:], path.nodes[index:]
    return None
