"""Every handler wrapped: an exception is logged to the client (window/logMessage) and, for a
request, answered with a JSON-RPC error; the server goes on serving."""
from __future__ import annotations

import functools
import inspect
import logging
import sys
import traceback

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError

log = logging.getLogger("netpol_lsp.lsp")


def log_to_client(server, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
    """window/logMessage, never raising (the client may be gone)."""
    try:
        server.window_log_message(types.LogMessageParams(type=kind, message=message))
    except Exception:  # pragma: no cover - nothing left to tell
        log.debug("could not log to the client: %s", message)


def report_exception(server, what: str, error: BaseException) -> None:
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    log.error("%s failed: %s", what, text)
    log_to_client(server, f"netpol-lsp: {what} failed: {error!r}\n{text}")


def guarded(method: str, request: bool):
    """Decorator for a handler `fn(ls, params)`, sync or async."""

    def decorate(fn):
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def wrapper(ls, params):
                try:
                    return await fn(ls, params)
                except JsonRpcException:
                    raise  # already an LSP error, meant for the client
                except Exception as error:
                    report_exception(ls, method, error)
                    if request:
                        raise JsonRpcInternalError.of(sys.exc_info()) from None
                    return None
        else:
            @functools.wraps(fn)
            def wrapper(ls, params):
                try:
                    return fn(ls, params)
                except JsonRpcException:
                    raise
                except Exception as error:
                    report_exception(ls, method, error)
                    if request:
                        raise JsonRpcInternalError.of(sys.exc_info()) from None
                    return None
        return wrapper

    return decorate


def spawn(server, coro, what: str):
    """A background task whose failure is reported like a handler's."""
    import asyncio

    task = asyncio.ensure_future(coro)

    def done(t: "asyncio.Task") -> None:
        if t.cancelled():
            return
        error = t.exception()
        if error is not None:
            report_exception(server, what, error)

    task.add_done_callback(done)
    return task


# -- the protocol's own rules, before any handler runs ---------------------------------------

PARSE_ERROR = -32700  # JSON-RPC 2.0: the body is not JSON
INVALID_REQUEST = -32600  # JSON-RPC 2.0: JSON, but not a request object
SERVER_NOT_INITIALIZED = -32002  # LSP: a request before `initialize`


def _send_error(protocol, msg_id, code: int, message: str) -> None:
    # written as a plain dict: the typed message would leave out a null id, which JSON-RPC requires
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})


def answer_parse_error(protocol, error: BaseException) -> bool:
    """The read loop could not decode a message body: JSON-RPC says answer -32700 with id null
    (pygls only logs it). True when the error was that."""
    if not isinstance(error, (ValueError, UnicodeDecodeError)):  # JSONDecodeError is a ValueError
        return False
    _send_error(protocol, None, PARSE_ERROR, f"Parse error: {error}")
    return True


def refuse(protocol, message) -> bool:
    """Deals with a message no handler should see, as JSON-RPC and LSP want; True when it did.

    - JSON that is not a JSON-RPC 2.0 message (a list, a scalar, no "jsonrpc"): -32600, id null
      unless it has a usable id (pygls would raise or drop it silently).
    - Before `initialize`: a request gets -32002 ServerNotInitialized, a notification is dropped,
      `exit` excepted.
    - After `shutdown`: a request gets -32600 (pygls drops it: the client would wait forever).
    - didChange of a document never opened: dropped (pygls would raise a KeyError at the client).
    """
    if isinstance(message, dict) or not hasattr(message, "jsonrpc") or message.jsonrpc != "2.0":
        msg_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
        if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
            msg_id = None
        _send_error(protocol, msg_id, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message")
        return True
    method = getattr(message, "method", None)
    if method is None:
        return False  # a response to one of our requests
    is_request = getattr(message, "id", None) is not None
    if getattr(protocol, "_workspace", None) is None and method not in (types.INITIALIZE, types.EXIT):
        if is_request:
            _send_error(protocol, message.id, SERVER_NOT_INITIALIZED,
                        f"{method}: the server is not initialized (send initialize first)")
        return True
    if getattr(protocol, "_shutdown", False) and method != types.EXIT:
        if is_request:
            _send_error(protocol, message.id, INVALID_REQUEST, f"{method}: the server is shutting down")
        return True
    if method == types.TEXT_DOCUMENT_DID_CHANGE:
        from urllib.parse import unquote

        uri = message.params.text_document.uri
        if unquote(uri) not in protocol.workspace.text_documents:
            log.warning("didChange of %s, which was never opened: ignored", uri)
            return True
    return False


class ResyncingReader:
    """stdin for pygls' read loop, which never finds its feet again after a wrong Content-Length:
    the rest of a body and the next header arrive as one line (`...}Content-Length: 57`), which
    its header pattern does not match, and so on for every later message. Here such a line is cut
    back to its header: one message is lost, not all that follow."""

    HEADER = b"Content-Length:"

    def __init__(self, raw):
        self.raw = raw

    def readline(self) -> bytes:
        line = self.raw.readline()
        at = line.find(self.HEADER)
        if at > 0:
            log.warning("skipped %d bytes of an unreadable message", at)
            return line[at:]
        return line

    def read(self, n: int) -> bytes:
        return self.raw.read(n)
