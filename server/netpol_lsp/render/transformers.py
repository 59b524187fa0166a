"""The transformers of one kustomization, in Kustomize's order, over the objects it built.

Kustomize runs: patchesStrategicMerge, patches, namespace, namePrefix, nameSuffix, labels
(commonLabels and `labels`), commonAnnotations, patchesJson6902 (then replicas, images and
replacements, which change nothing the analysis reads, or are reported as not applied).
"""
from __future__ import annotations

import re
from typing import Optional

from ..manifests.nodes import Mapping, Node, Scalar, Sequence
from ..span import Span
from .fields import CLUSTER_SCOPED, SELECTOR_LABELS, TEMPLATE_LABELS
from .patch import DELETE, PatchError, apply_json6902, is_null, merge

_IDENTITY = ("apiVersion", "kind")


def _text(node: Optional[Node]) -> str:
    return node.value if isinstance(node, Scalar) and node.type != "null" else ""


def _items(node: Optional[Node]) -> list[Node]:
    return node.items if isinstance(node, Sequence) else []


def _pairs(node: Optional[Node]) -> list[tuple[Scalar, Node]]:
    return [(k, v) for k, v in node.items if isinstance(k, Scalar)] if isinstance(node, Mapping) else []


def _set(mapping: Mapping, key: str, value: Node, key_span: Span) -> Mapping:
    """mapping with `key` set to value (the key node kept when it was there)."""
    items = list(mapping.items)
    for i, (k, _) in enumerate(items):
        if isinstance(k, Scalar) and k.value == key:
            items[i] = (k, value)
            return Mapping(mapping.span, items)
    items.append((Scalar(key_span, key, "str"), value))
    return Mapping(mapping.span, items)


def _at(node: Node, steps: tuple[str, ...], change, create: bool, span: Span) -> Node:
    """node with change(mapping or None) applied at the end of steps ("[]": every list item);
    a missing field is created only when `create` (Kustomize's fieldspec `create`)."""
    if not steps:
        return change(node if isinstance(node, Mapping) else None)
    step = steps[0]
    if step == "[]":
        if not isinstance(node, Sequence):
            return node
        return Sequence(node.span, [_at(item, steps[1:], change, create, span) for item in node.items])
    if not isinstance(node, Mapping):
        return node
    child = node.get(step)
    if child is None or is_null(child):
        if not create:
            return node
        child = Mapping(span, []) if len(steps) > 1 else None
        if child is None:
            return _set(node, step, change(None), span)
    return _set(node, step, _at(child, steps[1:], change, create, span), span)


class Transformers:
    def __init__(self, renderer, spec: Mapping, kpath: str, root):
        self.renderer = renderer
        self.origins = renderer.origins
        self.spec = spec
        self.kpath = kpath
        self.root = root

    def written(self, node: Node) -> Node:
        return self.origins.written(node, self.kpath)

    def written_str(self, node: Scalar) -> Scalar:
        """A label, annotation or namespace value: Kustomize writes it as a string."""
        return Scalar(self.origins.span(self.kpath, node.span), _text(node) if node.type != "null" else "", "str")

    def note(self, res, what: str, node: Node) -> None:
        res.notes.append((what, self.kpath, node.span.start_line))

    def problem(self, rule: str, node: Node, message: str) -> None:
        path, span = self.origins.locate(self.kpath, node.span)
        self.renderer.problem(self.root, rule, path, span, message)

    def run(self, objects: list) -> list:
        spec = self.spec
        for entry in _items(spec.get("patchesStrategicMerge")):
            for patch in self.renderer.patch_source(entry, self.kpath, self.root):
                objects = self.strategic(objects, patch, None, entry)
        for entry in _items(spec.get("patches")):
            objects = self.patch_entry(objects, entry)
        if _text(spec.get("namespace")):
            objects = [self.namespace(res, spec.get("namespace")) for res in objects]
        for key in ("namePrefix", "nameSuffix"):
            if _text(spec.get(key)):
                objects = [self.affix(res, key, spec.get(key)) for res in objects]
        common = _pairs(spec.get("commonLabels"))
        if common:
            objects = [self.labels(res, common, True, True) for res in objects]
        for entry in _items(spec.get("labels")):
            if isinstance(entry, Mapping):
                if entry.get("fields") is not None:
                    self.problem("NP074", entry.key("fields"), "'labels.fields' (custom label fields) is not "
                                 "applied by netpol-lsp: labels it adds there are not seen")
                selectors = _text(entry.get("includeSelectors")).lower() == "true"
                templates = selectors or _text(entry.get("includeTemplates")).lower() == "true"
                pairs = _pairs(entry.get("pairs"))
                if pairs:
                    objects = [self.labels(res, pairs, selectors, templates) for res in objects]
        annotations = _pairs(spec.get("commonAnnotations"))
        if annotations:
            objects = [self.annotate(res, annotations) for res in objects]
        for entry in _items(spec.get("patchesJson6902")):
            if isinstance(entry, Mapping):
                for patch in self.patch_documents(entry):
                    objects = self.json6902(objects, patch, entry.get("target"), entry)
        return objects

    # -- patches ----------------------------------------------------------------------------

    def patch_documents(self, entry: Mapping) -> list[Node]:
        if entry.get("path") is not None:
            return self.renderer.patch_source(entry.get("path"), self.kpath, self.root, allow_inline=False)
        if entry.get("patch") is not None:
            return self.renderer.patch_source(entry.get("patch"), self.kpath, self.root)
        self.problem("NP073", entry, "a patch needs 'path' or 'patch': kustomize build fails")
        return []

    def patch_entry(self, objects: list, entry: Node) -> list:
        if not isinstance(entry, Mapping):
            self.problem("NP073", entry, "a 'patches' entry must be a mapping with path or patch")
            return objects
        target = entry.get("target")
        for patch in self.patch_documents(entry):
            if isinstance(patch, Sequence):
                objects = self.json6902(objects, patch, target, entry)
            elif isinstance(patch, Mapping):
                objects = self.strategic(objects, patch, target, entry)
        return objects

    def strategic(self, objects: list, patch: Node, target: Optional[Node], entry: Node) -> list:
        if not isinstance(patch, Mapping):
            self.problem("NP073", entry, "a strategic merge patch must be a mapping")
            return objects
        if isinstance(target, Mapping):
            chosen = self.select(objects, target)
        else:
            chosen = self.by_identity(objects, patch)
            if not chosen:
                meta = patch.get("metadata")
                self.problem("NP073", entry, f"no object matches the patch of {_text(patch.get('kind'))} "
                             f"{_text(meta.get('name')) if isinstance(meta, Mapping) else ''}: kustomize build fails")
                return objects
        # the patch's identity is the target's: its kind, apiVersion and name must not land in the object
        body = [(k, v) for k, v in patch.items if not (isinstance(k, Scalar) and k.value in _IDENTITY)]
        meta = patch.get("metadata")
        if isinstance(meta, Mapping):
            kept = [(k, v) for k, v in meta.items if not (isinstance(k, Scalar) and k.value in ("name", "namespace"))]
            body = [(k, Mapping(meta.span, kept) if k.value == "metadata" else v) for k, v in body]
        body = Mapping(patch.span, body)
        out = []
        chosen = {id(res) for res in chosen}
        for res in objects:
            if id(res) not in chosen:
                out.append(res)
                continue
            merged = merge(res.root, body)
            if merged is DELETE:
                continue  # `$patch: delete`: the object is gone
            out.append(self.changed(res, merged, "patched by", entry))
        return out

    def json6902(self, objects: list, patch: Node, target: Optional[Node], entry: Node) -> list:
        if not isinstance(target, Mapping):
            self.problem("NP073", entry, "a JSON 6902 patch needs a target: kustomize build fails")
            return objects
        if not isinstance(patch, Sequence):
            self.problem("NP073", entry, "a JSON 6902 patch must be a list of operations")
            return objects
        out = []
        chosen = {id(res) for res in self.select(objects, target)}
        for res in objects:
            if id(res) in chosen:
                try:
                    # a lean read keeps a NetworkPolicy whole (model/reads.py): only others may miss a field
                    lean = self.renderer.files[res.path].lean and res.kind != "NetworkPolicy"
                    res = self.changed(res, apply_json6902(res.root, patch, lean), "patched by", entry)
                except PatchError as err:
                    self.problem("NP073", err.node or entry, f"JSON 6902 patch {err}: kustomize build fails")
            out.append(res)
        return out

    def changed(self, res, root: Node, what: str, entry: Node):
        from .kustomize import Res

        new = Res(root, res.path, res.doc_index, res.names, list(res.notes))
        if new.name and new.name not in new.names:
            new.names = new.names + (new.name,)
        self.note(new, what, entry)
        return new

    def by_identity(self, objects: list, patch: Mapping) -> list:
        meta = patch.get("metadata")
        name = _text(meta.get("name")) if isinstance(meta, Mapping) else ""
        namespace = _text(meta.get("namespace")) if isinstance(meta, Mapping) else ""
        kind = _text(patch.get("kind"))
        return [res for res in objects if res.kind == kind and name in res.names
                and (not namespace or res.namespace in ("", namespace))]

    def select(self, objects: list, target: Mapping) -> list:
        """Kustomize's patch target: exact group, version and kind; name and namespace as
        anchored regular expressions; label and annotation selectors."""
        chosen = []
        for res in objects:
            version = _text(res.root.get("apiVersion"))
            checks = (("group", res.group), ("version", version.rsplit("/", 1)[-1]), ("kind", res.kind))
            if any(_text(target.get(key)) and _text(target.get(key)) != value for key, value in checks):
                continue
            if not _full_match(_text(target.get("name")), res.names) or \
                    not _full_match(_text(target.get("namespace")), (res.namespace,)):
                continue
            if not _selector_matches(_text(target.get("labelSelector")), res.labels):
                continue
            meta = res.root.get("metadata")
            notes = meta.get("annotations") if isinstance(meta, Mapping) else None
            if not _selector_matches(_text(target.get("annotationSelector")),
                                     {k.value: _text(v) for k, v in _pairs(notes)}):
                continue
            chosen.append(res)
        return chosen

    # -- namespace, names, labels, annotations ---------------------------------------------------

    def namespace(self, res, node: Scalar):
        value = self.written_str(node)
        kind = res.kind
        if kind in CLUSTER_SCOPED and kind != "Namespace":
            return res
        field = "name" if kind == "Namespace" else "namespace"
        meta = res.root.get("metadata")
        meta = meta if isinstance(meta, Mapping) else Mapping(value.span, [])
        new = self.changed_quietly(res, _set(res.root, "metadata", _set(meta, field, value, value.span), value.span))
        if kind == "Namespace" and new.name not in new.names:
            new.names = new.names + (new.name,)
        self.note(new, f"{'name' if kind == 'Namespace' else 'namespace'}: set to {value.value} by", node)
        return new

    def affix(self, res, key: str, node: Scalar):
        if res.kind in ("Namespace", "CustomResourceDefinition"):
            return res
        meta = res.root.get("metadata")
        old = meta.get("name") if isinstance(meta, Mapping) else None
        if not isinstance(old, Scalar):
            return res
        affix = _text(node)
        value = affix + old.value if key == "namePrefix" else old.value + affix
        # the name stays where the resource wrote it: the prefix is only part of it
        new = self.changed_quietly(res, _set(res.root, "metadata", _set(meta, "name", Scalar(old.span, value, "str"),
                                                                           old.span), meta.span))
        new.names = new.names + (value,)
        self.note(new, f"name: {key} '{affix}' added by", node)
        return new

    def labels(self, res, pairs: list, selectors: bool, templates: bool):
        written = [(Scalar(self.origins.span(self.kpath, k.span), k.value, "str"), self.written_str(v)) for k, v in pairs]
        span = written[0][0].span

        def add(mapping: Optional[Mapping]) -> Mapping:
            out = mapping if mapping is not None else Mapping(span, [])
            for key, value in written:
                out = _set(out, key.value, value, key.span)
            return out

        root = _at(res.root, ("metadata", "labels"), add, True, span)
        fields = []
        if templates:
            fields += TEMPLATE_LABELS.get(res.kind, [])
        if selectors and (res.kind != "NetworkPolicy" or res.group == "networking.k8s.io"):
            fields += SELECTOR_LABELS.get(res.kind, [])
        for steps, create in fields:
            root = _at(root, steps, add, create, span)
        new = self.changed_quietly(res, root)
        text = ", ".join(f"{k.value}={_text(v)}" for k, v in pairs)
        where = "labels" + (", pod template labels" if templates and res.kind in TEMPLATE_LABELS else "") + \
                (" and selectors" if selectors and res.kind in SELECTOR_LABELS else "")
        self.note(new, f"{where}: {text} added by", pairs[0][0])
        return new

    def annotate(self, res, pairs: list):
        written = [(Scalar(self.origins.span(self.kpath, k.span), k.value, "str"), self.written_str(v)) for k, v in pairs]
        span = written[0][0].span

        def add(mapping: Optional[Mapping]) -> Mapping:
            out = mapping if mapping is not None else Mapping(span, [])
            for key, value in written:
                out = _set(out, key.value, value, key.span)
            return out

        new = self.changed_quietly(res, _at(res.root, ("metadata", "annotations"), add, True, span))
        self.note(new, "annotations: " + ", ".join(k.value for k, _ in pairs) + " added by", pairs[0][0])
        return new

    def changed_quietly(self, res, root: Node):
        from .kustomize import Res

        return Res(root, res.path, res.doc_index, res.names, list(res.notes))


def _full_match(pattern: str, values) -> bool:
    if not pattern:
        return True
    try:
        compiled = re.compile(pattern)
    except re.error:
        return pattern in values
    return any(compiled.fullmatch(value or "") for value in values)


_REQUIREMENT = re.compile(r"\s*([^,=!\s()]+)\s*(?:(==|=|!=)\s*([^,\s()]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*(?:,|$)")


def _selector_matches(text: str, labels: dict[str, str]) -> bool:
    """A label selector string (a=b, a!=b, a, !a, a in (x,y), a notin (x)) against labels."""
    text = text.strip()
    if not text:
        return True
    position = 0
    while position < len(text):
        negated = text[position:].lstrip().startswith("!")
        if negated:
            position = text.index("!", position) + 1
        match = _REQUIREMENT.match(text, position)
        if match is None or match.end() == position:
            return False
        key, op, value, set_op, values = match.groups()
        position = match.end()
        if negated:
            if key in labels:
                return False
        elif op in ("=", "=="):
            if labels.get(key) != value:
                return False
        elif op == "!=":
            if labels.get(key) == value:
                return False
        elif set_op == "in":
            if labels.get(key) not in {v.strip() for v in values.split(",")}:
                return False
        elif set_op == "notin":
            if key in labels and labels[key] in {v.strip() for v in values.split(",")}:
                return False
        elif key not in labels:
            return False
    return True
