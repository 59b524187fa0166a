"""The editor features' handlers: code actions, definition, references, code lens, completion,
document and workspace symbols, inlay hints.

Each takes the session and the request's params, finds the file in the analysis context the
cluster that reads it (cluster.py) already has (the last analysis when it is current, else the
newest text parsed - never a new analysis), and hands it to its module (actions.py, navigation.py, lens.py, completion.py,
symbols.py, inlay.py) off the message loop. A document the server does not know, or a position
outside it, gets an empty answer. `register` adds one of them to the server, guarded.
"""
from __future__ import annotations

import asyncio
from typing import Callable, Optional

from lsprotocol import types

from ..findings import TextEdit
from ..rules.base import RuleContext
from ..workspace import SourceFile
from . import actions, completion, inlay, lens, navigation, symbols
from .guard import guarded
from .positions import from_position, from_range, to_range
from ..render.origin import ORIGIN_LINE, is_written
from .rendered import for_path


def register(server, method: str, handler: Callable, options=None) -> None:
    """Serves `method` with `handler(session, params)` (a coroutine), guarded like every handler."""

    async def serve(ls, params):
        return await handler(ls.session, params)

    serve.__name__ = serve.__qualname__ = getattr(handler, "__name__", method)
    server.feature(method, options)(guarded(method, request=True)(serve))


def _get(obj, *names):
    for name in names:
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


async def _view(session, uri: str, rendered: bool = True) -> Optional[tuple[RuleContext, SourceFile]]:
    """The analysis context and the file to answer on. With Kustomize roots, a file a root
    renders is given as rendered (rendered=False: its own objects, in the view's context)."""
    cluster = session.cluster_of(uri)
    state = cluster.state
    path = state.path_for(uri)
    if path not in state.workspace.files and path not in state.pending:
        return None
    context, snapshot = await cluster.scheduler.context_now()
    source = snapshot.workspace.files.get(path)
    if source is None or source.skipped:
        return None
    shown_context, shown = for_path(context, path, source)  # a file a kustomization renders: as its root renders it
    return (shown_context, shown) if rendered else (shown_context, source)


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def _locations(session, uri: str, places) -> list[types.Location]:
    uri_for = session.cluster_of(uri).state.uri_for
    return [types.Location(uri=uri_for(path), range=to_range(span)) for path, span in places
            if not is_written(span)]  # a field a kustomization wrote has no place of its own to go to


# --- code actions ---------------------------------------------------------------------------

def _current_text(state, path: str) -> Optional[str]:
    pending = state.pending.get(path)
    if pending is not None:
        return pending.text
    source = state.workspace.files.get(path)
    return source.text if source is not None else None


async def code_actions(session, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    cluster = session.cluster_of(uri)
    state = cluster.state
    path = state.path_for(uri)
    result = cluster.scheduler.last or cluster.scheduler.last_local  # what the client was told
    source = result.snapshot.workspace.files.get(path) if result is not None else None
    if source is None or source.skipped or _current_text(state, path) != source.text:
        return []  # not analysed, or edited since: the next diagnostics bring their own fixes
    document = state.open.get(path)
    version = document.version if document is not None else None
    versioned = bool(_get(session.capabilities, "workspace", "workspace_edit", "document_changes"))

    def edit_for(found: tuple[TextEdit, ...]) -> types.WorkspaceEdit:
        text_edits = actions.to_text_edits(found)
        if versioned:
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=text_edits)])
        return types.WorkspaceEdit(changes={uri: text_edits})

    findings = result.findings_of(path)
    return actions.code_actions(params, findings, source.lines, state.uri_for, edit_for,
                                comments=not path.lower().endswith(".json"))


# --- navigation -----------------------------------------------------------------------------

async def definition(session, params: types.DefinitionParams) -> Optional[list[types.Location]]:
    view = await _view(session, params.text_document.uri)
    if view is None:
        return None
    line, col = from_position(params.position)
    places = await _off_loop(navigation.definition, *view, line, col)
    return None if places is None else _locations(session, params.text_document.uri, places)


async def references(session, params: types.ReferenceParams) -> Optional[list[types.Location]]:
    view = await _view(session, params.text_document.uri)
    if view is None:
        return None
    line, col = from_position(params.position)
    include = bool(_get(params, "context", "include_declaration"))
    places = await _off_loop(navigation.references, *view, line, col, include)
    return None if places is None else _locations(session, params.text_document.uri, places)


# --- code lens, completion, symbols, inlay hints --------------------------------------------

async def code_lens(session, params: types.CodeLensParams) -> list[types.CodeLens]:
    uri = params.text_document.uri
    view = await _view(session, uri)
    if view is None:
        return []
    cluster = session.cluster_of(uri)
    found = await _off_loop(lens.code_lenses, *view, uri, cluster.state.uri_for)
    found = [item for item in found if item.range.start.line < ORIGIN_LINE]
    return found + cluster.diff.lenses(cluster.state.path_for(uri), view[1], uri)


async def complete(session, params: types.CompletionParams) -> types.CompletionList:
    view = await _view(session, params.text_document.uri, rendered=False)
    if view is None:
        return types.CompletionList(is_incomplete=False, items=[])
    line, col = from_position(params.position)
    trigger = _get(params, "context", "trigger_character")
    items = await _off_loop(completion.complete, *view, line, col, trigger)
    return types.CompletionList(is_incomplete=False, items=items)


async def document_symbols(session, params: types.DocumentSymbolParams):
    uri = params.text_document.uri
    view = await _view(session, uri, rendered=False)
    if view is None:
        return []
    found = symbols.document_symbols(view[1])
    if _get(session.capabilities, "text_document", "document_symbol", "hierarchical_document_symbol_support"):
        return found
    return symbols.flatten(found, uri)


async def workspace_symbols(session, params: types.WorkspaceSymbolParams) -> list[types.SymbolInformation]:
    found = []  # every cluster's
    for cluster in list(session.clusters):
        context, _snapshot = await cluster.scheduler.context_now()
        found += await _off_loop(symbols.workspace_symbols, context, params.query or "", cluster.state.uri_for)
    return found[:symbols.LIMIT]


async def inlay_hints(session, params: types.InlayHintParams) -> list[types.InlayHint]:
    view = await _view(session, params.text_document.uri)
    if view is None:
        return []
    found = await _off_loop(inlay.inlay_hints, *view, from_range(params.range))
    return [hint for hint in found if hint.position.line < ORIGIN_LINE]


COMPLETION_OPTIONS = completion.OPTIONS
CODE_ACTION_OPTIONS = actions.OPTIONS
