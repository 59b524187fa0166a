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
