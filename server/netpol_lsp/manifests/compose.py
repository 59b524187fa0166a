"""The fast path of parse.py: libyaml's C composer, then our nodes for what is wanted.

PyYAML's CSafeLoader builds its node tree in C, far faster than a Python loop over the
event stream can. The tree is then turned into our position-keeping nodes, either whole or
only along the branches a `keep` trie names (see model/reads.py): a ConfigMap's data or a
container's env never become objects of ours, and PyYAML's tree is freed at once.

Only ordinary input takes this path. Anchors, aliases and tags (where the event builder
bounds alias expansion and reads tags its own way), duplicate keys, nesting past the limit,
a syntax error: all of these raise `Unusual`, and parse.py reads the chunk again with the
event builder, which reports each at its exact place. So both paths give identical nodes
(tests/test_compose_paths.py checks that on a generated corpus).
"""
from __future__ import annotations

import re
from sys import intern
from typing import Callable, Optional, Union

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .nodes import Mapping, Node, Scalar, Sequence
from ..span import packed_span
from .scalars import MAYBE_TYPED, plain_type

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: the event builder does it all
    CParser = object
    _HAVE_LIBYAML = False
else:
    _HAVE_LIBYAML = True

# An anchor (&a), an alias (*a) or a tag (!t) is a token: after a space, a flow indicator or
# at the start of a line, and followed by its name. Text in quotes may match too ("a && b"):
# that only costs speed. `*"` is let through (a cron schedule's last field, "* * * * *"): an
# alias of that name needs an anchor `&"`, which matches, or it is an error, which falls back.
_SPECIAL = re.compile(r"(?:^|[\s\[\]{},])(?:[&!][^\s\[\]{},]|\*[^\s\[\]{},\"'])", re.MULTILINE)
# libyaml's composer recurses in C: past some ten thousand levels it overflows the C stack.
# Nesting needs one of these characters per level, so few of them means shallow enough.
_NESTING = ("[", "{", "-", ":", "?")
_SAFE_NESTING = 5_000

# What to build: a dict of key -> trie for a mapping's wanted keys (lists: the same trie for
# every item), True for a whole subtree, or a function that picks the trie from the node.
Trie = Union[bool, dict, Callable[[MappingNode], "Trie"]]


class Unusual(Exception):
    """Input this path does not handle the way the event builder does: use that one."""


def suitable(chunk: str) -> bool:
    """True when the C composer can take the chunk safely and give what the event builder would."""
    if not _HAVE_LIBYAML:
        return False
    if ("&" in chunk or "*" in chunk or "!" in chunk) and _SPECIAL.search(chunk):
        return False
    if len(chunk) > _SAFE_NESTING and sum(chunk.count(c) for c in _NESTING) > _SAFE_NESTING:
        return False
    return True


class _Loader(CParser):
    """libyaml's C composer with the resolver taken out: PyYAML resolves every scalar's
    type in Python (a third of its compose time); we type only the scalars we keep."""

    def descend_resolver(self, parent, index):
        pass

    def ascend_resolver(self):
        pass

    def resolve(self, kind, value, implicit):
        return _PLAIN if kind is ScalarNode and implicit[0] else _OTHER


_PLAIN, _OTHER = "?", "!"  # tags of the lean tree: a plain untagged scalar, anything else


def compose(chunk: str, span: Callable, keep: Trie, max_depth: int, budget: list[int],
            offset: Optional[int] = None) -> Optional[Node]:
    """The chunk's document as our nodes (None for an empty one). `span(start_mark, end_mark)`
    makes positions; `budget` (a one-item list) counts nodes like the event builder does.
    `offset`: the chunk's first line when its columns need no conversion (ASCII): positions
    are then packed here, without a call per node."""
    try:
        root = _Loader(chunk).get_single_node()
    except yaml.YAMLError:
        raise Unusual() from None
    if root is None:
        return None
    used = 1 if root.__class__ is ScalarNode else _audit(root, 0, max_depth)
    if used > budget[0]:
        raise Unusual()
    budget[0] -= used
    if offset is not None:
        return _AsciiConverter(offset).convert(root, keep)
    return _Converter(span).convert(root, keep)


def _audit(node, depth: int, max_depth: int) -> int:
    """Nodes the event builder would count (collections twice). Raises Unusual on a duplicate
    key, a key that is not a scalar, or nesting past max_depth: each is reported wherever it
    is, so every collection is visited."""
    if depth >= max_depth:
        raise Unusual()
    used = 2
    if node.__class__ is MappingNode:
        pairs = node.value
        if len(pairs) > 1 and len({k.value for k, _ in pairs}) != len(pairs):
            raise Unusual()  # a duplicate key (or a complex key: its value is a list)
        for key, value in pairs:
            if key.__class__ is not ScalarNode:
                raise Unusual()
            used += 2 if value.__class__ is ScalarNode else 1 + _audit(value, depth + 1, max_depth)
    else:
        for item in node.value:
            used += 1 if item.__class__ is ScalarNode else _audit(item, depth + 1, max_depth)
    return used


# Items are tuples (nothing changes a parsed tree): a tuple is a third smaller than the list it
# is copied from; a mapping's are flat (nodes.Mapping), no tuple per pair.
# Scalars this short are interned: keys and label values repeat across thousands of objects,
# and libyaml makes a new string for each. Long ones (a last-applied-configuration) rarely do.
_INTERN = 64


class _Converter:
    def __init__(self, span: Callable):
        self.span = span

    def node_span(self, node):
        return self.span(node.start_mark, node.end_mark)

    def convert(self, node, keep: Trie) -> Node:
        if callable(keep):
            keep = keep(node)
        span = self.node_span(node)
        if node.__class__ is ScalarNode:
            value = node.value
            if len(value) <= _INTERN:
                value = intern(value)
            return Scalar(span, value, plain_type(value) if node.tag is _PLAIN and not node.style else "str")
        return self.collection(span, node, keep)

    def collection(self, span, node, keep: Trie) -> Node:
        """A sequence or mapping, its items converted (a mapping's only along `keep`)."""
        convert = self.convert
        if node.__class__ is SequenceNode:
            return Sequence(span, tuple([convert(item, keep) for item in node.value]))
        if keep is True:
            return Mapping.of_flat(span, tuple([convert(part, True) for pair in node.value for part in pair]))
        flat = []
        for key, value in node.value:
            wanted = keep.get(key.value, False)
            if wanted is not False:
                flat.append(convert(key, True))
                flat.append(convert(value, wanted))
        return Mapping.of_flat(span, tuple(flat))


class _AsciiConverter(_Converter):
    """The same, with code-point columns (an ASCII chunk): spans in span.packed_span's short
    layout are packed here, without a Span, and a scalar that can only be a string is made
    without asking plain_type: a call less per node, of the million a big repository has
    (0.42 -> 0.31 s to convert 3,000 files of the findings corpus). Collections are the base's."""

    def __init__(self, offset: int):
        self.offset = offset

    def convert(self, node, keep: Trie) -> Node:
        if keep is not True and keep.__class__ is not dict:
            keep = keep(node)
        start, end = node.start_mark, node.end_mark
        line = self.offset + start.line
        column, end_column, lines = start.column, end.column, end.line - start.line
        if column < 1024 and end_column < 4096 and lines < 512 and line < 1 << 28:
            span = line << 32 | lines << 23 | end_column << 11 | column << 1  # the short layout
        else:
            span = packed_span(line, column, line + lines, end_column)
        if node.__class__ is ScalarNode:
            value = node.value
            if len(value) <= _INTERN:
                value = intern(value)
            if node.tag is not _PLAIN or node.style or (value and value[0] not in MAYBE_TYPED):
                return Scalar(span, value)  # a string
            return Scalar(span, value, plain_type(value))
        return self.collection(span, node, keep)
