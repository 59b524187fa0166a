"""A read file as plain tuples: how parsed files travel between processes and into the cache.

Pickling a SourceFile object by object costs more than parsing it again (every node and
span goes through Python's reduce protocol). Packed, a file is nested tuples of strings and
ints, which pickle and marshal write and read in C; unpacking makes the nodes back and builds
the objects again from them (build.py is cheap next to parsing). Per-file rule results
(`per_file` of a rule module: a list of (message, span)) travel with the file.
"""
from __future__ import annotations

from .config import Config
from .manifests.nodes import Mapping, Node, Scalar, Sequence, TypedScalar
from .manifests.parse import Document, ParseProblem
from .model import build_objects
from .rules.registry import PER_FILE_RULE_IDS
from .span import Span
from .workspace import SourceFile

_new_span = tuple.__new__
_MAPPING, _SEQUENCE = "M", "Q"  # in the type slot of a packed node; scalars have their YAML type there


def pack(source: SourceFile) -> tuple:
    documents = tuple((d.index, d.start_line, d.end_line, None if d.root is None else _pack_node(d.root))
                      for d in source.documents)
    problems = tuple((tuple(p.span), p.message, p.kind) for p in source.parse_problems)
    cache = {rule: tuple((message, tuple(span)) for message, span in results)
             for rule, results in source.cache.items() if rule in PER_FILE_RULE_IDS}
    return (source.path, source.text, source.skipped, source.lean, documents, problems, cache)


def unpack(packed: tuple, config: Config) -> SourceFile:
    path, text, skipped, lean, documents, problems, cache = packed
    source = SourceFile(path, text, skipped=skipped, lean=lean)
    source.parse_problems = [ParseProblem(_new_span(Span, span), message, kind) for span, message, kind in problems]
    for index, start, end, root in documents:
        doc = Document(None if root is None else _unpack_node(root), index, start, end)
        source.documents.append(doc)
        objects, model_problems = build_objects(doc.root, path, index, config.default_namespace,
                                               config.operators)
        source.objects.extend(objects)
        source.model_problems.extend(model_problems)
    source.cache = {rule: [(message, _new_span(Span, span)) for message, span in results]
                    for rule, results in cache.items()}
    return source


def _pack_node(node: Node) -> tuple:
    # a node's span travels packed as it is kept (an int), or as a plain tuple when it did not fit
    at = node._at
    if at.__class__ is not int:
        at = tuple(at)
    cls = node.__class__
    if cls is Scalar or cls is TypedScalar:
        return (at, node.value, node.type)
    if cls is Mapping:
        return (at, tuple([_pack_node(part) for part in node.flat]), _MAPPING)
    return (at, tuple(_pack_node(item) for item in node.items), _SEQUENCE)


def _unpack_node(packed: tuple) -> Node:
    at, content, kind = packed
    if at.__class__ is tuple:
        at = _new_span(Span, at)
    if kind == _MAPPING:
        return Mapping.of_flat(at, tuple([_unpack_node(item) for item in content]))
    if kind == _SEQUENCE:
        return Sequence(at, tuple([_unpack_node(item) for item in content]))
    return Scalar(at, content, kind)

