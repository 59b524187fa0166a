"""Small workspaces and waiting helpers for the LSP tests."""
from __future__ import annotations

import asyncio
import contextlib
import io
import json
import textwrap
from pathlib import Path
from typing import Callable, Optional

from lsprotocol import types
from pytest_lsp import LanguageClient

TIMEOUT = 20.0  # seconds: generous for slow CI machines, never slept through


def write(root: Path, files: dict[str, str]) -> dict[str, Path]:
    out = {}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        out[name] = path
    return out


def capabilities(progress: bool = True, pull: bool = False, watch: bool = False,
                 configuration: bool = False) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=progress),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True,
                                                                           version_support=True),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
        ),
        workspace=types.WorkspaceClientCapabilities(
            configuration=configuration,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watch),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull else None,
        ),
    )


async def start(client: LanguageClient, root: Optional[Path], options: Optional[dict] = None,
                caps: Optional[types.ClientCapabilities] = None) -> types.InitializeResult:
    return await client.initialize_session(types.InitializeParams(
        capabilities=caps or capabilities(),
        root_uri=root.as_uri() if root else None,
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)] if root else None,
        initialization_options=options if options is not None else {"debounceMs": 20},
    ))


def open_file(client: LanguageClient, path: Path, version: int = 1, text: Optional[str] = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="yaml", version=version, text=text if text is not None else path.read_text())))
    return uri


async def wait_for(client: LanguageClient, method: str, condition: Callable[[], bool], timeout: float = TIMEOUT):
    """Waits until condition() holds (the client's state changes as `method` messages arrive),
    polling: a cancelled wait_for_notification future left in pytest-lsp's table would be
    resolved later and break the client's reader (InvalidStateError), which ends the server."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() >= deadline:
            raise AssertionError(f"timed out waiting for {method}")
        await asyncio.sleep(0.05)
    return True


async def wait_diagnostics(client: LanguageClient, uri: str, condition: Callable[[list], bool],
                           timeout: float = TIMEOUT) -> list[types.Diagnostic]:
    await wait_for(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                   lambda: uri in client.diagnostics and condition(list(client.diagnostics[uri])), timeout)
    return list(client.diagnostics[uri])


def check_report(folder: Path) -> dict:
    """`netpol-lsp check --format json --fail-on never FOLDER`, the server's reference, run in this
    process: the same analysis as the command line, without a process start (~0.5 s of CPU)."""
    from netpol_lsp.cli import main  # noqa: PLC0415

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", "--format", "json", "--fail-on", "never", str(folder)])
    assert code == 0, out.getvalue()[-2000:]
    return json.loads(out.getvalue())


def codes(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def replace_all(client: LanguageClient, uri: str, old_text: str, new_text: str, version: int) -> None:
    """A didChange replacing the whole document with an incremental (ranged) edit."""
    lines = old_text.split("\n")
    end = types.Position(line=len(lines) - 1, character=len(lines[-1]))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=0, character=0), end=end), text=new_text)]))


async def raw_request(client: LanguageClient, method: str, params, timeout: float = TIMEOUT):
    """Sends a request exactly as given (no typing, no checks): how a buggy client would."""
    import json
    import uuid
    from concurrent.futures import Future

    protocol = client.protocol
    msg_id = f"raw-{uuid.uuid4()}"
    future: Future = Future()
    protocol._request_futures[msg_id] = future
    protocol._result_types[msg_id] = None
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    protocol.writer.write(f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
    return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
