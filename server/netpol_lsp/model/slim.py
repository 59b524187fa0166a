"""NetworkPolicies without their whole node trees, for `check` (benchmarks/README.md, "Memory
with many policies, session 6").

A policy's document is parsed whole (model/reads.py): every key and value a node with its
span, ~108 nodes per policy of the findings profile, 183 MB for the 15,902 policies at policy
factor 5, more than the model and the findings together. Once the model is built and the
per-file rules ran, the analysis reads the model and, of the tree, almost only the spans of
the nodes the model points at. So `slim(source)` keeps those nodes and lets the rest go: each
mapping or sequence the model (or the document) points at becomes a stub, the same object
with its span and no children. A stub that is read (`get`, `flat`, `items`, `len`...) is
restored in place from a fresh parse of the file's text (kept, few at a time), with the
model's own nodes put back where the fresh tree has their twins, so every node the model holds
stays the node the tree holds: identities and answers are as before, only slower.

The language server keeps whole trees (hover, completion and fixes read them); this is for
one-shot runs, whose reports print no fix.
"""
from __future__ import annotations

import zlib
from collections import OrderedDict
from dataclasses import is_dataclass
from typing import Optional

from ..manifests import ParseLimits, parse_text
from ..manifests.nodes import Mapping, Node, Scalar, Sequence
from .objects import NetworkPolicy
from .reads import object_trie

_RAW_FLAT = Mapping.__dict__["flat"]  # the slots themselves, under the stubs' properties
_RAW_ITEMS = Sequence.__dict__["items"]


class _Home:
    """Where a stub's children are found again: its file and document; and the policy whose
    nodes they are, with the problems met building its spec, so that building the same spec
    again (a Kustomize view's copy of the document: a new root and metadata, the same spec
    node) takes the model from it instead of reading the tree (build.py)."""

    __slots__ = ("source", "index", "limits", "policy", "problems")

    def __init__(self, source, index: int, limits: ParseLimits, policy=None, problems=()):
        self.source, self.index, self.limits = source, index, limits
        self.policy, self.problems = policy, problems


def built_spec(spec) -> Optional[tuple]:
    """(the policy built from this spec node, the problems its spec gave) when the spec is a
    stub (model/build.py asks, before reading it); else None."""
    if spec.__class__ is not StubMapping:
        return None
    home = _RAW_FLAT.__get__(spec, Mapping)
    if home.policy is None or home.policy.spec_node is not spec:
        return None
    return home.policy, home.problems


class StubMapping(Mapping):
    """A mapping whose children were let go (its slot holds its _Home): restored when read."""

    __slots__ = ()

    @property
    def flat(self):
        return _restore(self).flat

    @flat.setter
    def flat(self, value) -> None:
        _RAW_FLAT.__set__(self, value)
        self.__class__ = Mapping


class StubSequence(Sequence):
    """A sequence whose items were let go: restored when read."""

    __slots__ = ()

    @property
    def items(self):
        return _restore(self).items

    @items.setter
    def items(self, value) -> None:
        _RAW_ITEMS.__set__(self, value)
        self.__class__ = Sequence


def slim(source, limits: ParseLimits) -> int:
    """Lets go of the trees of the file's NetworkPolicy documents (how many it slimmed) and
    keeps its text compressed. Not for rendered files (their nodes point into another text)."""
    if source.skipped or source.rendered or not source.text:
        return 0
    by_doc: dict[int, list] = {}
    for obj in source.objects:
        by_doc.setdefault(obj.doc_index, []).append(obj)
    done = 0
    for doc in source.documents:
        objects = by_doc.get(doc.index)
        if not objects or not all(isinstance(obj, NetworkPolicy) for obj in objects):
            continue  # a List of other kinds too, or nothing built: kept whole
        for obj in objects:
            _slim_policy(obj, source, doc.index, limits)
        done += 1
    if len(source.text) >= ZIP_FROM:
        _zip_text(source)
    return done


# A file's text is kept compressed (zlib, fastest level): with ten times the policies the text is
# 130 MB of the 10k findings corpus, 184 MB at 50,000 files, and once the files are read only
# suppressions, a stub's restore and a few reports read it again. Small files gain little for
# the time (files under 2 KiB are a fifth of the text of the 10k findings corpus), so they stay.
ZIP_FROM = 2048
_ZIPPED: dict[type, type] = {}


def _zip_text(source) -> None:
    """Keeps the source's text compressed; `source.text` decompresses it on each read."""
    cls = source.__class__
    zipped = _ZIPPED.get(cls)
    if zipped is None:
        zipped = _ZIPPED[cls] = type(cls.__name__, (cls,), {
            "__doc__": f"{cls.__doc__ or cls.__name__} (its text kept compressed: model/slim.py)",
            "text": property(_unzipped, _zipped), "__slots__": ()})
    text = source.text
    source.__class__ = zipped
    del source.__dict__["text"]
    source.text = text


def _unzipped(source) -> str:
    return zlib.decompress(source._zipped_text).decode("utf-8", "surrogatepass")


def _zipped(source, text: str) -> None:
    source._zipped_text = zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def _slim_policy(policy: NetworkPolicy, source, index: int, limits: ParseLimits) -> None:
    """Stubs the nodes of the policy's spec it holds. The root and its metadata stay whole: a
    Kustomize render reads them (kind, name, namespace, labels) and writes a new root over
    them; and they are small."""
    spec = policy.spec_node
    problems = ()
    if spec is not None and policy.pod_selector is not None and policy.pod_selector.key_node is not None \
            and policy.pod_selector.key_node is policy.node.key("spec"):
        spec = None  # no podSelector: its anchor is the root's key, which a render may rewrite
    if isinstance(spec, Mapping):
        first, last = _lines(spec)
        problems = tuple(p for p in source.model_problems if first <= _lines_of(p.span) <= last)
    home = _Home(source, index, limits, policy if isinstance(spec, Mapping) else None, problems)
    root = policy.node
    for node in _held([policy], None):
        if node is root:
            continue
        if node.__class__ is Mapping:
            _RAW_FLAT.__set__(node, home)
            node.__class__ = StubMapping
        elif node.__class__ is Sequence:
            _RAW_ITEMS.__set__(node, home)
            node.__class__ = StubSequence


def _lines(node) -> tuple:
    span = node.span
    return (span.start_line, span.start_col), (span.end_line, span.end_col)


def _lines_of(span) -> tuple:
    return (span.start_line, span.start_col)


def _held(objects: list, root: Optional[Node]) -> list[Node]:
    """Every node the objects (and the document) hold, each once."""
    found: dict[int, Node] = {}
    if root is not None:
        found[id(root)] = root
    pending = list(objects)
    while pending:
        value = pending.pop()
        if isinstance(value, Node):
            found[id(value)] = value
        elif value.__class__ in (list, tuple):
            pending.extend(value)
        elif is_dataclass(value) and not isinstance(value, type):
            # by field names, not vars(): that would make each object's __dict__ (in 3.11 its
            # attributes live inline until asked for it), 288k dicts, 35 MB at policy factor 5
            pending.extend([getattr(value, name) for name in value.__dataclass_fields__])
    return list(found.values())


# Fresh parses of the files whose stubs were read last: id(source) -> (source, {document index:
# {(packed span, family): fresh node}}). A handful: rules read a policy's nodes together.
_FRESH: "OrderedDict[int, tuple]" = OrderedDict()
FILES_KEPT = 4


def _family(node) -> str:
    return "m" if isinstance(node, Mapping) else "s" if isinstance(node, Sequence) else "v"


def _restore(stub: Node) -> Node:
    """Gives the stub its children back (and its class): those of its twin in a fresh parse."""
    mapping = isinstance(stub, Mapping)
    home = _RAW_FLAT.__get__(stub, Mapping) if mapping else _RAW_ITEMS.__get__(stub, Sequence)
    twin = _fresh(home).get((stub._at, _family(stub)))
    if twin is None:  # cannot happen for a file that did not change in memory: say so loudly
        raise RuntimeError(f"{home.source.path}: a node at {stub.span} is not in the file's text again")
    if mapping:
        _RAW_FLAT.__set__(stub, _RAW_FLAT.__get__(twin, Mapping))
        stub.__class__ = Mapping
    else:
        _RAW_ITEMS.__set__(stub, _RAW_ITEMS.__get__(twin, Sequence))
        stub.__class__ = Sequence
    return stub


def _fresh(home: _Home) -> dict:
    """The fresh nodes of the stub's document, by (packed span, family), their children
    grafted: where the model holds a node, the model's node is the child."""
    source = home.source
    entry = _FRESH.get(id(source))
    if entry is None:
        keep = object_trie if source.lean else True
        tables = {}
        for doc in parse_text(source.text, home.limits, keep=keep).documents:
            mine = [obj for obj in source.objects if obj.doc_index == doc.index]
            held = {(node._at, _family(node)): node for node in _held(mine, _root_of(source, doc.index))}
            table: dict = {}
            _graft(doc.root, held, table)
            tables[doc.index] = table
        entry = _FRESH[id(source)] = (source, tables)
        while len(_FRESH) > FILES_KEPT:
            _FRESH.popitem(last=False)
    else:
        _FRESH.move_to_end(id(source))
    return entry[1].get(home.index, {})


def _root_of(source, index: int):
    return next((doc.root for doc in source.documents if doc.index == index), None)


def _graft(node, held: dict, table: dict):
    """What a parent takes for this fresh node: the model's twin when it holds one, else the
    fresh node, its children grafted likewise. `table` gets every fresh node, grafted."""
    if node is None:
        return None
    key = (node._at, _family(node))
    if key not in table:
        table[key] = node
        if node.__class__ is Mapping:
            _RAW_FLAT.__set__(node, tuple([_graft(part, held, table) for part in _RAW_FLAT.__get__(node, Mapping)]))
        elif node.__class__ is Sequence:
            _RAW_ITEMS.__set__(node, tuple([_graft(item, held, table) for item in _RAW_ITEMS.__get__(node, Sequence)]))
    mine = held.get(key)
    return mine if mine is not None else table[key]
