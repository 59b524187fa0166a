"""Kustomize, read natively: what `kubectl apply -k ROOT` would create, built on our own nodes.

A folder holding kustomization.yaml, kustomization.yml or Kustomization is a kustomization; one
that no other kustomization uses (as a resource or a component) is a render root. A root is
built as Kustomize builds it: its resources (files, and folders recursively), then its
components, then its transformers in Kustomize's order (strategic merge patches, patches,
namespace, name prefix and suffix, labels, annotations, JSON 6902 patches). Nodes taken from a
resource keep their span in that file; a node a kustomization wrote stands for the line that
wrote it (origin.py). Remote resources are never fetched: they are reported (NP072).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..manifests import ParseLimits, parse_text
from ..manifests.nodes import Mapping, Node, Scalar, Sequence
from ..span import Span
from .origin import Origins
from .shape import clean

log = logging.getLogger(__name__)

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|\.git(?:/|$)")
# fields that change nothing the analysis reads
_HARMLESS = {"apiVersion", "kind", "metadata", "resources", "components", "bases", "namespace", "namePrefix",
             "nameSuffix", "commonLabels", "labels", "commonAnnotations", "patchesStrategicMerge", "patches",
             "patchesJson6902", "replicas", "images", "configMapGenerator", "secretGenerator",
             "generatorOptions", "buildMetadata", "sortOptions"}


def is_kustomization(path: str) -> bool:
    # endswith first: a check of every path on every edit must cost next to nothing
    return path.endswith(KUSTOMIZATION_NAMES) and os.path.basename(path) in KUSTOMIZATION_NAMES


@dataclass
class Problem:
    rule: str  # NP072 remote, NP073 kustomize refuses it, NP074 not followed or not applied
    path: str
    span: Span
    message: str


@dataclass(eq=False)
class Res:
    """One object on its way through the transformers."""

    root: Mapping
    path: str  # the resource file it came from
    doc_index: int
    names: tuple[str, ...] = ()  # every name it had, for patches that name it by an earlier one
    notes: list[str] = field(default_factory=list)  # what transformers changed, for hover

    @property
    def kind(self) -> str:
        return _text(self.root.get("kind"))

    @property
    def group(self) -> str:
        version = _text(self.root.get("apiVersion"))
        return version.split("/")[0] if "/" in version else ""

    @property
    def name(self) -> str:
        return _text(_meta(self.root).get("name"))

    @property
    def namespace(self) -> str:
        return _text(_meta(self.root).get("namespace"))

    @property
    def labels(self) -> dict[str, str]:
        labels = _meta(self.root).get("labels")
        return {k.value: _text(v) for k, v in labels.items if isinstance(k, Scalar)} if isinstance(labels, Mapping) else {}


@dataclass
class Root:
    dir: str  # the root's folder, as the files are named
    path: str  # its kustomization file
    objects: list[Res] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # every file its build read
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Rendered:
    roots: dict[str, Root]  # by folder
    claimed: set[str]  # files that belong to a kustomization: analysed only through its roots
    origins: Origins
    problems: list[Problem] = field(default_factory=list)  # of files no root reads
    memo: dict = field(default_factory=dict)  # what the views built of it (analysis/views.py)
    kustomizations: list[str] = field(default_factory=list)  # every kustomization file


def _text(node: Optional[Node]) -> str:
    return node.value if isinstance(node, Scalar) and node.type != "null" else ""


def _meta(root: Mapping) -> Mapping:
    meta = root.get("metadata")
    return meta if isinstance(meta, Mapping) else Mapping(root.span, [])


def _items(node: Optional[Node]) -> list[Node]:
    return node.items if isinstance(node, Sequence) else []


def _pairs(node: Optional[Node]) -> list[tuple[Scalar, Node]]:
    return [(k, v) for k, v in node.items if isinstance(k, Scalar)] if isinstance(node, Mapping) else []


class Renderer:
    """Builds every root of a set of files (SourceFiles by path) in one pass."""

    def __init__(self, files: dict, limits: ParseLimits = ParseLimits(), exists: Callable[[str], bool] = os.path.exists,
                 origins: Optional[Origins] = None):
        self.files = files
        self.by_norm = {os.path.normpath(path): path for path in files}
        self.limits = limits
        self.exists = exists
        self.origins = origins if origins is not None else Origins()
        self.parsed: dict[str, list] = {}
        self.specs: dict[str, tuple] = {}
        self.kustomizations = {os.path.normpath(os.path.dirname(p)): p for p in files if is_kustomization(p)}

    # -- reading -----------------------------------------------------------------------------

    def documents(self, path: str, whole: bool = True) -> list:
        """A file's documents. A resource is read as it was loaded (lean or whole: what the
        analysis reads is there); a kustomization or a patch is parsed whole, once."""
        source = self.files[path]
        if not whole or not source.lean:
            return source.documents
        docs = self.parsed.get(path)
        if docs is None:
            docs = [] if source.skipped else parse_text(source.text, self.limits).documents
            self.parsed[path] = docs
        return docs

    def spec(self, kpath: str, root: Optional["Root"] = None) -> Mapping:
        """The kustomization's fields, those with a wrong shape left out (and reported to root)."""
        done = self.specs.get(kpath)
        if done is None:
            docs = self.documents(kpath)
            done = self.specs[kpath] = clean(docs[0].root if docs else None)
        if root is not None:
            for node, message in done[1]:
                self.problem(root, "NP073", kpath, node.span, f"{message}: kustomize build fails")
        return done[0]

    def kustomization_in(self, folder: str) -> Optional[str]:
        return self.kustomizations.get(os.path.normpath(folder))

    def references(self, kpath: str) -> list[str]:
        """The kustomization files that `kpath` uses as resources or components."""
        folder = os.path.dirname(kpath)
        spec = self.spec(kpath)
        found = []
        for key in ("resources", "bases", "components"):
            for entry in _items(spec.get(key)):
                target = self.kustomization_in(os.path.join(folder, _text(entry)))
                if target is not None and _text(entry) and not _REMOTE.search(_text(entry)):
                    found.append(target)
        return found

    # -- roots ---------------------------------------------------------------------------------

    def render(self, named: Optional[set[str]] = None, previous: Optional[Rendered] = None,
               before: Optional[dict] = None) -> Rendered:
        """named: absolute folders of the roots to build (the configuration's `kustomize.roots`);
        by default every kustomization that no other one uses, components aside.

        previous: the render of `before` (path -> SourceFile), the same paths: a root whose
        files are all the same versions is taken as it was built (its objects, files and
        problems are a function of those files alone), and the kustomizations and patches that
        did not change are not parsed again. An edit of one base renders only the roots that read it."""
        reusing = previous is not None and before is not None and before.keys() == self.files.keys()
        if reusing:
            for kpath, (source, spec) in previous.memo.get("render specs", {}).items():
                if self.files.get(kpath) is source:
                    self.specs[kpath] = spec
            for path, (source, docs) in previous.memo.get("render parsed", {}).items():
                if self.files.get(path) is source:
                    self.parsed[path] = docs
        used = {ref for kpath in self.kustomizations.values() for ref in self.references(kpath)}
        roots: dict[str, Root] = {}
        claimed: set[str] = set()
        for kpath in sorted(self.kustomizations.values()):
            folder = os.path.dirname(kpath) or "."
            if named is not None:
                if os.path.abspath(folder) not in named:
                    continue
            elif _text(self.spec(kpath).get("kind")) == "Component" or kpath in used:
                continue
            was = previous.roots.get(folder) if reusing else None
            if was is not None and was.path == kpath and all(self.files.get(p) is before.get(p) for p in was.files):
                root = was
            else:
                root = Root(folder, kpath)
                root.objects = self.build(kpath, [], root, ())
            roots[folder] = root
            claimed |= root.files
        rendered = Rendered(roots, claimed, self.origins)
        rendered.memo["render specs"] = {kpath: (self.files[kpath], spec) for kpath, spec in self.specs.items()}
        rendered.memo["render parsed"] = {path: (self.files[path], docs) for path, docs in self.parsed.items()}
        for kpath in sorted(self.kustomizations.values()):  # components and bases no root reads
            if kpath not in claimed:
                scratch = Root(os.path.dirname(kpath), kpath)
                self.build(kpath, [], scratch, ())
                claimed |= scratch.files
                rendered.problems.extend(scratch.problems)
        rendered.claimed = claimed | set(self.kustomizations.values())
        rendered.kustomizations = sorted(self.kustomizations.values())
        return rendered

    # -- a kustomization -----------------------------------------------------------------------

    def build(self, kpath: str, objects: list[Res], root: Root, stack: tuple[str, ...]) -> list[Res]:
        """`objects` with this kustomization's resources added and its transformers applied
        (a component gets its parent's objects; a resource folder starts from none)."""
        root.files.add(kpath)
        spec = self.spec(kpath, root)
        folder = os.path.dirname(kpath)
        stack = stack + (kpath,)
        for key, value in _pairs(spec):
            if key.value not in _HARMLESS and not key.value.startswith("x-"):
                self.problem(root, "NP074", kpath, key.span,
                             f"'{key.value}' is not applied by netpol-lsp: the objects it adds or changes are "
                             "not seen, and findings on them may be missing or wrong")
        objects = list(objects)
        for key in ("resources", "bases"):
            for entry in _items(spec.get(key)):
                objects.extend(self.resource(entry, folder, kpath, root, stack))
        for entry in _items(spec.get("components")):
            target = self.reference(entry, folder, kpath, root, stack, "component")
            if target is not None:
                objects = self.build(target, objects, root, stack)
        try:
            return self.transform(spec, kpath, objects, root)
        except Exception as err:  # a bug here must not hide the rest of the repository
            log.exception("rendering %s failed", kpath)
            self.problem(root, "NP074", kpath, Span(0, 0, 0, 0),
                         f"the transformers of this kustomization could not be applied (internal error: {err!r}); "
                         "its objects are analysed as its resources wrote them")
            return objects

    def reference(self, entry: Node, folder: str, kpath: str, root: Root, stack: tuple[str, ...],
                  what: str) -> Optional[str]:
        """The kustomization a resources/components entry names, or None (reported)."""
        name = _text(entry)
        if not name:
            self.problem(root, "NP073", kpath, entry.span, f"a {what} entry must be a path")
            return None
        if _REMOTE.search(name):
            self.problem(root, "NP072", kpath, entry.span,
                         f"remote {what} '{name}' is not fetched (netpol-lsp never uses the network): "
                         "the workloads, namespaces and policies it adds are not seen, so selectors that "
                         "match them may be reported as matching nothing")
            return None
        target = self.kustomization_in(os.path.join(folder, name))
        if target is None:
            self.missing(entry, name, folder, kpath, root, what)
        elif target in stack:
            self.problem(root, "NP073", kpath, entry.span,
                         f"{what} '{name}' includes this kustomization again (a cycle): kustomize build fails")
            return None
        return target

    def resource(self, entry: Node, folder: str, kpath: str, root: Root, stack: tuple[str, ...]) -> list[Res]:
        name = _text(entry)
        path = self.by_norm.get(os.path.normpath(os.path.join(folder, name))) if name else None
        if path is not None and not is_kustomization(path):
            root.files.add(path)
            return self.objects_of(path)
        target = self.reference(entry, folder, kpath, root, stack, "resource")
        if target is None:
            return []
        return self.build(target, [], root, stack)

    def missing(self, entry: Node, name: str, folder: str, kpath: str, root: Root, what: str) -> None:
        full = os.path.join(folder, name)
        if any(self.exists(os.path.join(full, k)) for k in KUSTOMIZATION_NAMES) or (
                self.exists(full) and not os.path.isdir(full)):
            self.problem(root, "NP074", kpath, entry.span,
                         f"{what} '{name}' is not among the files checked (outside the checked paths, or "
                         "excluded): not read, so what it adds is not seen; check a folder that holds it")
        elif self.exists(full):
            self.problem(root, "NP073", kpath, entry.span,
                         f"{what} '{name}' is a folder without a kustomization: kustomize build fails")
        else:
            self.problem(root, "NP073", kpath, entry.span, f"{what} '{name}' does not exist: kustomize build fails")

    def objects_of(self, path: str) -> list[Res]:
        out = []
        for doc in self.documents(path, whole=False):
            node = doc.root
            if not isinstance(node, Mapping) or not _text(node.get("kind")):
                continue
            if _text(node.get("kind")).endswith("List") and isinstance(node.get("items"), Sequence):
                items = [item for item in node.get("items").items if isinstance(item, Mapping)]
            else:
                items = [node]
            for item in items:
                res = Res(item, path, doc.index)
                res.names = (res.name,)
                out.append(res)
        return out

    def problem(self, root: Root, rule: str, path: str, span: Span, message: str) -> None:
        root.problems.append(Problem(rule, path, span, message))

    # -- transformers --------------------------------------------------------------------------

    def transform(self, spec: Mapping, kpath: str, objects: list[Res], root: Root) -> list[Res]:
        from .transformers import Transformers

        return Transformers(self, spec, kpath, root).run(objects)

    def patch_source(self, entry: Node, kpath: str, root: Root, allow_inline: bool = True):
        """(nodes of the patch's documents, written for their real place) from a path or an
        inline patch; [] when it cannot be read (reported)."""
        folder = os.path.dirname(kpath)
        text = _text(entry)
        if isinstance(entry, Scalar) and allow_inline and ("\n" in text or text.lstrip().startswith(("[", "{"))):
            shift = self.inline_shift(kpath, entry)
            parsed = parse_text(text, self.limits)
            for problem in parsed.problems:
                self.problem(root, "NP073", kpath, shift(problem.span),
                             f"the inline patch does not parse: {problem.message}; kustomize build fails")
            return [self.origins.written(d.root, kpath, shift) for d in parsed.documents if d.root is not None]
        path = self.by_norm.get(os.path.normpath(os.path.join(folder, text))) if text else None
        if path is None:
            self.missing(entry, text, folder, kpath, root, "patch")
            return []
        root.files.add(path)
        return [self.origins.written(d.root, path) for d in self.documents(path) if d.root is not None]

    def inline_shift(self, kpath: str, scalar: Scalar):
        """Maps spans inside an inline patch's text to the kustomization file: a block scalar's
        content starts on the next line, indented; any other string maps to itself."""
        lines = self.files[kpath].text.split("\n")
        start = scalar.span.start_line
        header = lines[start][scalar.span.start_col:].lstrip() if start < len(lines) else ""
        if not header.startswith(("|", ">")) or start + 1 >= len(lines):
            return lambda span: scalar.span
        indent = len(lines[start + 1]) - len(lines[start + 1].lstrip(" "))
        return lambda span: Span(start + 1 + span.start_line, indent + span.start_col,
                                 start + 1 + span.end_line, indent + span.end_col)

