"""Requests on a workspace with Kustomize roots: answered in the view that renders the file.

A file a kustomization reads is shown, for hover and navigation, as that root renders it (its
objects with the namespace, names and labels the transformers gave them, their nodes still at
their place in the file); a loose file is read in the first view (loose files are in every
view). Hover adds what the transformers changed ("namespace: set to shop by ../kustomization.yaml:3").
"""
from __future__ import annotations

from typing import Optional

from ..manifests.parse import Document
from ..rules.base import RuleContext
from ..span import Span
from ..workspace import SourceFile
from .node_at import node_path_at


def for_path(context: RuleContext, path: str, source: SourceFile) -> tuple[RuleContext, SourceFile]:
    kustomize = getattr(context, "kustomize", None)
    if kustomize is None:
        return context, source
    views, contexts = kustomize
    view = views.view_of(path)
    if view is None:
        return context, source
    shown = view.workspace.files.get(path)
    if shown is None:
        return context, source
    if path in views.rendered.claimed:
        # the rendered objects' trees, each in its document's lines (a List's items: the first)
        lines = {d.index: (d.start_line, d.end_line) for d in source.documents}
        documents = []
        for obj in shown.objects:
            start, end = lines.get(obj.doc_index, (0, 0))
            documents.append(Document(obj.node, obj.doc_index, start, end))
        shown = SourceFile(path, source.text, documents, shown.objects, source.parse_problems,
                           shown.model_problems, source.skipped, shown.cache, source.lean)
    return contexts[view.name], shown


def notes_at(context: RuleContext, source: SourceFile, line: int, col: int) -> tuple[list[str], Optional[Span]]:
    """What kustomizations changed in the object at the position, when the cursor is on its
    metadata or its pod template's metadata."""
    kustomize = getattr(context, "kustomize", None)
    if kustomize is None:
        return [], None
    views = kustomize[0]
    if source.path not in views.rendered.claimed:
        return [], None
    at = node_path_at(source.documents, line, col)
    if at is None or "metadata" not in at.keys:
        return [], None
    texts = []
    for res, text in views.notes(source.path):
        if any(node is res.root for node in at.nodes) and text not in texts:
            texts.append(text)
    return texts, at.anchor


def hover_with_render(hover, context: RuleContext, source: SourceFile, line: int, col: int, link):
    """The hover (lsp/hover.py's) in the view that renders the file, with the transformers' notes."""
    shown_context, shown = for_path(context, source.path, source)
    found = hover(shown_context, shown, line, col, link)
    notes, anchor = notes_at(context, shown, line, col)
    if not notes:
        return found
    text = "\n".join(f"- {note}" for note in notes)
    if found is None:
        return f"**Kustomize**\n\n{text}", anchor
    return f"{found[0]}\n\n**Kustomize**\n\n{text}", found[1]
