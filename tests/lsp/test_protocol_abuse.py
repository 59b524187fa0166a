"""Protocol abuse: the server as a raw subprocess, spoken to over stdio by a tiny Content-Length
framing client that can send anything, and never blocks: every read has a timeout, so a hang
fails the test instead of stalling it.

Each abuse is answered as JSON-RPC 2.0 and LSP say (or ignored where they say so), and a valid
request sent afterwards still gets its answer.
"""
from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "three-tier-broken"
TIMEOUT = 60.0  # seconds for one answer: generous for a loaded 2-core CI machine, never slept through
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
SERVER_NOT_INITIALIZED = -32002


class RawServer:
    """`netpol-lsp serve` with pipes, a reader thread that frames what it writes, and a queue."""

    def __init__(self, log_path: Path):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "netpol_lsp", "serve", "--stdio"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.inbox: queue.Queue = queue.Queue()
        self.seen: list[dict] = []  # everything received, answers and notifications
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    if line == b"\r\n":
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                assert length is not None, "a message without Content-Length"
                self.inbox.put(json.loads(out.read(length)))
        finally:
            self.inbox.put(None)  # end of stream

    # -- sending -----------------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send_body(self, body: bytes, length: Optional[int] = None) -> None:
        self.send_bytes(b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body)

    def send(self, message: dict, length_delta: int = 0) -> None:
        body = json.dumps(message).encode()
        self.send_body(body, len(body) + length_delta)

    def request(self, method: str, params: Any = None) -> int:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, timeout: float = TIMEOUT) -> dict:
        try:
            message = self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message from the server in {timeout} s (hung?)") from None
        if message is None:
            raise AssertionError(f"the server closed its output (exit code {self.proc.poll()})")
        self.seen.append(message)
        if "method" in message and "id" in message:  # a request of the server's: answer it
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        return message

    def answer(self, msg_id, timeout: float = TIMEOUT) -> dict:
        """The response to `msg_id` (notifications on the way are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if "method" not in message and message.get("id") == msg_id:
                return message

    def call(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> dict:
        return self.answer(self.request(method, params), timeout)

    def error_response(self, timeout: float = TIMEOUT) -> dict:
        """The next error response (one answering no request of ours, such as id null)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if "error" in message:
                return message

    def quiet(self, seconds: float = 0.3) -> list[dict]:
        """Everything that arrives within `seconds` (to show that nothing does)."""
        got = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                break
            if message is None:
                break
            self.seen.append(message)
            got.append(message)
        return got

    def error_logs(self) -> list[str]:
        return [m["params"]["message"] for m in self.seen
                if m.get("method") == "window/logMessage" and m["params"]["type"] == 1]

    # -- session -----------------------------------------------------------------------------

    def initialize(self, root: Optional[Path] = None) -> dict:
        answer = self.call("initialize", {
            "processId": None, "capabilities": {},
            "rootUri": root.as_uri() if root else None,
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}] if root else None,
            "initializationOptions": {"debounceMs": 20}})
        assert "result" in answer and answer["result"]["capabilities"]["hoverProvider"], answer
        self.notify("initialized", {})
        return answer

    def still_serving(self, uri: str = "file:///nowhere.yaml") -> None:
        """A valid request gets its (empty) answer."""
        answer = self.call("textDocument/hover", hover(uri, 0, 0))
        assert answer.get("result", "missing") is None, answer

    def wait_exit(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("the server did not exit") from None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.log.close()


def hover(uri: str, line: int, character: int) -> dict:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def diagnostics_of(server: RawServer, uri: str) -> Optional[list]:
    found = None
    for m in server.seen:
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
            found = m["params"]["diagnostics"]
    return found


def wait_diagnostics(server: RawServer, uri: str, condition, timeout: float = TIMEOUT) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = diagnostics_of(server, uri)
        if found is not None and condition(found):
            return found
        server.receive(max(0.01, deadline - time.monotonic()))


@pytest.fixture
def server(tmp_path):
    raw = RawServer(tmp_path / "server.log")
    yield raw
    raw.close()  # stderr (pygls logs what it could not read, with tracebacks) stays in server.log


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root)
    return root


def test_requests_before_initialize_are_refused(server, workspace):
    web = (workspace / "web.yaml").as_uri()
    answer = server.call("textDocument/hover", hover(web, 1, 2))
    assert answer["error"]["code"] == SERVER_NOT_INITIALIZED and answer["id"] == 1
    answer = server.call("shutdown")
    assert answer["error"]["code"] == SERVER_NOT_INITIALIZED
    # notifications before initialize are dropped: this document is not open afterwards
    server.notify("textDocument/didOpen", {"textDocument": {"uri": web, "languageId": "yaml", "version": 1,
                                                             "text": "kind: Nothing\n"}})
    server.notify("initialized", {})
    assert server.quiet() == []
    server.initialize(workspace)
    server.still_serving()
    wait_diagnostics(server, (workspace / "web-policy.yaml").as_uri(), lambda d: True)  # indexed
    answer = server.call("textDocument/hover", hover(web, 2, 2))  # the disk's web.yaml, not that buffer
    assert "Deployment shop/web" in answer["result"]["contents"]["value"]
    assert server.error_logs() == []


def test_malformed_json_is_answered_with_parse_error(server):
    server.initialize()
    for body in (b'{"jsonrpc": "2.0", "id": 5, "method": "textDocument/hov',  # cut short
                 b"not json at all",
                 b'{"jsonrpc": "2.0", "id": 6, "method": "shutdown",}',  # a trailing comma
                 b"\xff\xfe\xfa invalid UTF-8 \xc3",
                 b""):  # an empty body
        server.send_body(body)
        if body:
            error = server.error_response()
            assert error["id"] is None and error["error"]["code"] == PARSE_ERROR, (body, error)
        server.still_serving()
    server.call("shutdown")  # the cut-short and comma'd bodies were not taken for requests


def test_json_that_is_not_a_request_is_an_invalid_request(server):
    server.initialize()
    for body, msg_id in ((b"[1, 2, 3]", None),  # a batch: LSP has none
                         (b'"just a string"', None),
                         (b"42", None),
                         (b'{"id": 7, "method": "textDocument/hover"}', 7),  # no "jsonrpc"
                         (b'{"jsonrpc": "1.0", "id": 8, "method": "shutdown"}', 8)):
        server.send_body(body)
        error = server.error_response()
        assert error["error"]["code"] == INVALID_REQUEST and error["id"] == msg_id, (body, error)
        server.still_serving()
    # params of the wrong shape: InvalidParams for the request, the server goes on
    answer = server.call("textDocument/hover", {"textDocument": {"uri": 42}, "position": {"line": -1}})
    assert answer["error"]["code"] == INVALID_PARAMS
    server.still_serving()


@pytest.mark.parametrize("delta", [-7, +1, +40])
def test_a_wrong_content_length_costs_one_message_not_the_session(server, delta):
    server.initialize()
    server.send({"jsonrpc": "2.0", "id": 100, "method": "textDocument/hover",
                 "params": hover("file:///x.yaml", 0, 0)}, length_delta=delta)
    if delta > 0:  # the server waits for the missing bytes: the next message pays for them
        server.notify("$/netpol-lsp/filler", {"padding": "x" * 64})
    error = server.error_response()
    assert error["error"]["code"] == PARSE_ERROR and error["id"] is None
    # the rest of the broken message and the next header come as one line: found again
    for _ in range(3):
        server.still_serving()


def test_a_header_without_a_length_is_skipped(server):
    server.initialize()
    server.send_bytes(b"Content-Length: lots\r\n\r\n{}")
    server.send_bytes(b"X-Whatever: 1\r\n\r\n")
    for _ in range(2):
        server.still_serving()


def test_unknown_methods(server):
    server.initialize()
    for method in ("netpol-lsp/noSuchMethod", "$/noSuchRequest", "textDocument/noSuchThing"):
        answer = server.call(method, {"a": 1})
        assert answer["error"]["code"] == METHOD_NOT_FOUND, answer
    server.notify("netpol-lsp/noSuchNotification", {"a": 1})
    server.notify("$/noSuchNotification")
    assert [m for m in server.quiet() if "id" in m] == []  # a notification is never answered
    server.still_serving()
    assert server.error_logs() == []  # the client was answered -32601: no error message on top


def test_did_change_of_a_document_never_opened_is_ignored(server, workspace):
    server.initialize(workspace)
    never = (workspace / "web.yaml").as_uri()
    server.notify("textDocument/didChange", {
        "textDocument": {"uri": never, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                            "text": "garbage: ["}]})
    server.notify("textDocument/didChange", {"textDocument": {"uri": "untitled:Untitled-9", "version": 2},
                                             "contentChanges": [{"text": "whole: text"}]})
    server.notify("textDocument/didClose", {"textDocument": {"uri": "untitled:Untitled-9"}})
    server.still_serving()
    # the disk's web.yaml was analysed, not the change: no yaml-syntax error on it
    wait_diagnostics(server, (workspace / "web-policy.yaml").as_uri(), lambda d: True)
    assert not [d for d in diagnostics_of(server, never) or [] if d["code"] == "NP090"]
    assert server.error_logs() == []


def test_a_huge_did_change(server, workspace):
    # a buffer over the file size limit (64 MiB by default; 5 MB here, so the test stays quick)
    with open(workspace / ".netpol-lsp.yaml", "a") as config:
        config.write("limits: {maxFileBytes: 5000000}\n")
    server.initialize(workspace)
    uri = (workspace / "web.yaml").as_uri()
    text = (workspace / "web.yaml").read_text()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                             "text": text}})
    wait_diagnostics(server, (workspace / "web-policy.yaml").as_uri(), lambda d: True)
    started = time.monotonic()
    huge = ("# " + "é" * 60 + " padding\n") * 80_000  # 10 MB of UTF-8, 5.6 M UTF-16 units
    assert len(huge.encode()) > 10_000_000
    server.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                            "text": huge}]})
    server.still_serving()
    answer = server.call("textDocument/hover", hover(uri, 80_001, 3))
    assert "result" in answer, answer
    # too large to analyse, as `check` would say of the same file on disk: a warning (NP092),
    # since the text left out holds a Deployment
    found = wait_diagnostics(server, uri, lambda d: any(x["code"] == "NP092" for x in d))
    assert "limit" in found[0]["message"] and "Deployment" in found[0]["message"]
    # and back: the change undone, the file is analysed again
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                             "contentChanges": [{"text": text}]})
    wait_diagnostics(server, uri, lambda d: not any(x["code"] == "NP092" for x in d))
    answer = server.call("textDocument/hover", hover(uri, 2, 2))
    assert "Deployment" in answer["result"]["contents"]["value"]
    assert time.monotonic() - started < 60  # a hang guard, not a benchmark
    assert server.error_logs() == []


def test_positions_far_outside_the_document(server, workspace):
    server.initialize(workspace)
    uri = (workspace / "web.yaml").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                             "text": (workspace / "web.yaml").read_text()}})
    for line, character in ((10 ** 6, 0), (1, 10 ** 6), (2 ** 31 - 1, 2 ** 31 - 1)):
        assert server.call("textDocument/hover", hover(uri, line, character))["result"] is None
    server.notify("textDocument/didChange", {  # an edit past the end: clamped, as LSP wants
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 10 ** 6, "character": 0},
                                      "end": {"line": 10 ** 6, "character": 5}}, "text": "# tail\n"}]})
    answer = server.call("textDocument/hover", hover(uri, 2, 2))
    assert "Deployment" in answer["result"]["contents"]["value"]
    assert server.error_logs() == []


def test_shutdown_then_exit_exits_0(server):
    server.initialize()
    assert server.call("shutdown") == {"jsonrpc": "2.0", "id": server.next_id, "result": None}
    answer = server.call("textDocument/hover", hover("file:///x.yaml", 0, 0))
    assert answer["error"]["code"] == INVALID_REQUEST  # after shutdown, per LSP
    server.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.yaml", "languageId": "yaml",
                                                             "version": 1, "text": "a: b\n"}})
    server.notify("exit")
    assert server.wait_exit() == 0


def test_exit_without_shutdown_exits_1(server):
    server.initialize()
    server.notify("exit")
    assert server.wait_exit() == 1


def test_exit_before_initialize_exits_1(server):
    server.notify("exit")
    assert server.wait_exit() == 1


def test_a_client_that_goes_away_ends_the_server(server):
    server.initialize()
    server.proc.stdin.close()
    assert server.wait_exit() == 1
