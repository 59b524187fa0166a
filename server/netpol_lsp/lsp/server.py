"""The language server: thin handlers that hand each message to the session (session.py).

Every handler is guarded (guard.py): an exception is logged with window/logMessage and a
request gets a JSON-RPC error back; the server keeps serving.
"""
from __future__ import annotations

import logging
import sys
from typing import Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from .. import __version__
from . import diffview, features
from .guard import answer_parse_error, guarded, log_to_client, refuse, report_exception
from .positions import apply_change
from .session import Session

log = logging.getLogger(__name__)


class _Answered:
    """A request that could not be read and was already answered with an error."""

    jsonrpc = None


class NetpolProtocol(LanguageServerProtocol):
    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            # pygls would log it and leave the request unanswered: the client would wait forever
            if isinstance(data, dict) and "id" in data and "method" in data and "error" not in data:
                cause = error.__cause__
                reason = str(cause).splitlines()[0] if cause is not None else str(error)
                answer = JsonRpcInvalidParams(f"cannot read the params of {data.get('method')}: {reason}")
                self._send_response(data["id"], error=answer.to_response_error())
                log_to_client(self._server, f"netpol-lsp: {answer.message}", types.MessageType.Warning)
                return _Answered()
            raise

    def handle_message(self, message):
        if isinstance(message, _Answered) or refuse(self, message):
            return
        return super().handle_message(message)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        # Spans are UTF-16 (span.py), LSP's default: never take another encoding the client offers.
        if params.capabilities is not None and params.capabilities.general is not None:
            params.capabilities.general.position_encodings = None
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        # the edits applied as LSP counts positions (positions.py says where pygls does not)
        document = self.workspace.get_text_document(params.text_document.uri)
        text = document.source
        for change in params.content_changes:
            text = apply_change(text, change)
        self.workspace.update_text_document(params.text_document, types.TextDocumentContentChangeWholeDocument(text))
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None


class NetpolLanguageServer(LanguageServer):
    def __init__(self):
        super().__init__("netpol-lsp", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=NetpolProtocol)
        self.session = Session(self)

    def report_server_error(self, error: Exception, source) -> None:
        # Failed requests were logged and answered by the guard; what reaches here is a
        # protocol-level failure (bad JSON, bad params): log it, do not pop up a message.
        log.error("%s: %s", getattr(source, "__name__", source), error)
        if source is JsonRpcException and answer_parse_error(self.protocol, error):  # from the read loop
            return
        # an unknown method is the client's business (it got -32601): a log line, not an error
        level = types.MessageType.Log if "Method Not Found" in str(error) else types.MessageType.Error
        log_to_client(self, f"netpol-lsp: {error}", level)


def create_server() -> NetpolLanguageServer:
    server = NetpolLanguageServer()

    @server.feature(types.INITIALIZE)
    @guarded(types.INITIALIZE, request=True)
    def initialize(ls: NetpolLanguageServer, params: types.InitializeParams) -> None:
        ls.session.initialize(params)

    @server.feature(types.INITIALIZED)
    @guarded(types.INITIALIZED, request=False)
    async def initialized(ls: NetpolLanguageServer, params: types.InitializedParams) -> None:
        await ls.session.initialized()

    @server.feature(types.SHUTDOWN)
    @guarded(types.SHUTDOWN, request=True)
    def shutdown(ls: NetpolLanguageServer, params: None) -> None:
        ls.session.shutdown()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded(types.TEXT_DOCUMENT_DID_OPEN, request=False)
    def did_open(ls: NetpolLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.session.opened(params.text_document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(types.TEXT_DOCUMENT_DID_CHANGE, request=False)
    def did_change(ls: NetpolLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.session.changed(params)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    @guarded(types.TEXT_DOCUMENT_DID_SAVE, request=False)
    def did_save(ls: NetpolLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.session.saved(params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(types.TEXT_DOCUMENT_DID_CLOSE, request=False)
    def did_close(ls: NetpolLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.session.closed(params)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded(types.WORKSPACE_DID_CHANGE_WATCHED_FILES, request=False)
    def did_change_watched_files(ls: NetpolLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.session.files_changed(params)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    @guarded(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, request=False)
    def did_change_workspace_folders(ls: NetpolLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.session.folders_changed(params)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded(types.WORKSPACE_DID_CHANGE_CONFIGURATION, request=False)
    async def did_change_configuration(ls: NetpolLanguageServer,
                                       params: types.DidChangeConfigurationParams) -> None:
        await ls.session.configuration_changed(params)

    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                    types.DiagnosticOptions(identifier="netpol-lsp", inter_file_dependencies=True,
                                            workspace_diagnostics=True))
    @guarded(types.TEXT_DOCUMENT_DIAGNOSTIC, request=True)
    async def document_diagnostic(ls: NetpolLanguageServer, params: types.DocumentDiagnosticParams):
        return await ls.session.document_diagnostic(params)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    @guarded(types.WORKSPACE_DIAGNOSTIC, request=True)
    async def workspace_diagnostic(ls: NetpolLanguageServer, params: types.WorkspaceDiagnosticParams):
        return await ls.session.workspace_diagnostic(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(types.TEXT_DOCUMENT_HOVER, request=True)
    async def hover(ls: NetpolLanguageServer, params: types.HoverParams) -> Optional[types.Hover]:
        return await ls.session.hover(params)

    @server.command(diffview.SERVER_COMMAND)
    async def whole_diff(ls: NetpolLanguageServer, *args) -> dict:
        try:
            return await ls.session.whole_diff(*args)
        except Exception as error:  # logged; the client gets an error answer, the server goes on
            report_exception(ls, diffview.SERVER_COMMAND, error)
            raise JsonRpcInternalError.of(sys.exc_info()) from None

    # editor features (features.py), one line each
    features.register(server, types.TEXT_DOCUMENT_CODE_ACTION, features.code_actions, features.CODE_ACTION_OPTIONS)
    features.register(server, types.TEXT_DOCUMENT_DEFINITION, features.definition)
    features.register(server, types.TEXT_DOCUMENT_REFERENCES, features.references)
    features.register(server, types.TEXT_DOCUMENT_CODE_LENS, features.code_lens, types.CodeLensOptions())
    features.register(server, types.TEXT_DOCUMENT_COMPLETION, features.complete, features.COMPLETION_OPTIONS)
    features.register(server, types.TEXT_DOCUMENT_DOCUMENT_SYMBOL, features.document_symbols)
    features.register(server, types.WORKSPACE_SYMBOL, features.workspace_symbols)
    features.register(server, types.TEXT_DOCUMENT_INLAY_HINT, features.inlay_hints)

    return server
