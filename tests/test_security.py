"""The promises of the README's "Limits and promises", tested on the real command line and server:

(a) no network at run time: every command and a server session run with a socket guard (a
    sitecustomize on PYTHONPATH that makes connect, name lookups, bind and sendto raise and
    records the attempt) and still work;
(b) no writes anywhere but where the user asked: the workspace (read-only and writable copies),
    $HOME, the XDG folders, the working folder and $TMPDIR are the same file for file (path,
    type, size, mtime, mode) before and after; `connectivity -o FILE` adds exactly that file;
(c) symlinks out of the workspace are not followed, by `check`, `connectivity`, `explain` and
    the server's workspace indexing: what lies behind them never shows up.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "three-tier-broken"
TIMEOUT = 30  # a hang guard, not a timing

SOCKET_GUARD = textwrap.dedent('''
    """Test guard: no network. Every attempt is written to $NETPOL_NET_LOG and fails."""
    import os
    import socket

    def _refuse(name):
        def refuse(*args, **kwargs):
            with open(os.environ["NETPOL_NET_LOG"], "a") as log:
                log.write(f"{name} {args[1:] if name.startswith('socket.') else args}\\n")
            raise OSError(f"network access is forbidden here ({name})")
        return refuse

    for _name in ("connect", "connect_ex", "bind", "sendto"):
        setattr(socket.socket, _name, _refuse("socket." + _name))
    for _name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, _name, _refuse(_name))
''')


# -- running things ------------------------------------------------------------------------

def environment(tmp_path: Path, guard: bool = False) -> dict:
    """A clean environment: HOME and the XDG folders in tmp_path, no bytecode written, the
    socket guard on PYTHONPATH when asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "PYTHON", "NETPOL_LSP_"))}
    homes = tmp_path / "homes"
    for name in ("home", "cache", "config", "data", "state", "tmp", "cwd"):
        (homes / name).mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(homes / "home"), XDG_CACHE_HOME=str(homes / "cache"), XDG_CONFIG_HOME=str(homes / "config"),
               XDG_DATA_HOME=str(homes / "data"), XDG_STATE_HOME=str(homes / "state"), TMPDIR=str(homes / "tmp"),
               PYTHONDONTWRITEBYTECODE="1")  # the interpreter's .pyc files are not ours to judge
    if guard:
        site = tmp_path / "guard"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(SOCKET_GUARD)
        env["PYTHONPATH"] = str(site)
        env["NETPOL_NET_LOG"] = str(tmp_path / "network-attempts.log")
    return env


def run(env: dict, *args: str, expect: tuple = (0, 1)) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "netpol_lsp", *args], capture_output=True, text=True, env=env,
                          cwd=Path(env["HOME"]).parent / "cwd", timeout=TIMEOUT)
    assert proc.returncode in expect and "Traceback" not in proc.stderr, (args, proc.returncode, proc.stderr)
    return proc


class Session:
    """A language server session over stdio: Content-Length framing, every read with a timeout."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen([sys.executable, "-m", "netpol_lsp", "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     cwd=Path(env["HOME"]).parent / "cwd")
        self.inbox: queue.Queue = queue.Queue()
        self.diagnostics: dict[str, list] = {}
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line or length is None:
                self.inbox.put(None)
                return
            self.inbox.put(json.loads(out.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def receive(self, deadline: float) -> dict:
        try:
            message = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("the server did not answer in time") from None
        assert message is not None, self.proc.stderr.read().decode()
        if message.get("method") == "textDocument/publishDiagnostics":
            self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
        elif "method" in message and "id" in message:  # the server's own requests: say yes
            self.send({"id": message["id"], "result": None})
        return message

    def call(self, method: str, params) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self.receive(deadline)
            if "method" not in message and message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result")

    def wait_for(self, condition) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            self.receive(deadline)

    def start(self, root: Path) -> None:
        self.call("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {},
                                 "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                                 "initializationOptions": {"debounceMs": 20}})
        self.send({"method": "initialized", "params": {}})

    def stop(self) -> int:
        self.call("shutdown", None)
        self.send({"method": "exit", "params": None})
        try:
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def server_session(env: dict, root: Path, until: Path) -> Session:
    """Indexes root until `until` has diagnostics, hovers its first `kind`, shuts down cleanly."""
    session = Session(env)
    session.start(root)
    uri = until.as_uri()
    session.wait_for(lambda: uri in session.diagnostics)
    line = until.read_text().split("\n").index(next(x for x in until.read_text().split("\n") if x.startswith("kind:")))
    session.hover = session.call("textDocument/hover", {"textDocument": {"uri": uri},
                                                        "position": {"line": line, "character": 2}})
    assert session.stop() == 0
    return session


# -- (a) no network --------------------------------------------------------------------------

def test_the_socket_guard_is_on(tmp_path):
    env = environment(tmp_path, guard=True)
    proc = subprocess.run([sys.executable, "-c", "import socket; socket.getaddrinfo('example.com', 443)"],
                          capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert proc.returncode != 0 and "network access is forbidden" in proc.stderr
    assert "getaddrinfo" in Path(env["NETPOL_NET_LOG"]).read_text()


def test_no_network_at_run_time(tmp_path):
    env = environment(tmp_path, guard=True)
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    report = json.loads(run(env, "check", "--format", "json", str(ws)).stdout)
    assert {f["rule"] for f in report["findings"]} >= {"NP001", "NP012", "NP020", "NP030"}
    sarif = json.loads(run(env, "check", "--format", "sarif", str(ws)).stdout)
    assert sarif["runs"][0]["results"]
    assert "shop/web[Deployment]" in run(env, "connectivity", str(ws)).stdout
    assert "digraph" in run(env, "connectivity", "--format", "dot", str(ws)).stdout
    assert "NetworkPolicy shop/api-allow-web" in run(env, "explain", str(ws)).stdout
    assert "NP001" in run(env, "rules", "NP001").stdout

    session = server_session(env, ws, ws / "web-policy.yaml")
    assert any(d["code"] == "NP010" for d in session.diagnostics[(ws / "web-policy.yaml").as_uri()])
    assert "NetworkPolicy" in session.hover["contents"]["value"]

    attempts = Path(env["NETPOL_NET_LOG"])
    assert not attempts.exists(), attempts.read_text()


# -- (b) no writes ---------------------------------------------------------------------------

def snapshot(*roots: Path) -> dict:
    """Every path under the roots with its type, size, mtime and mode; the warm-start cache
    ($XDG_CACHE_HOME/netpol-lsp, the one place netpol-lsp writes by itself) left out."""
    out = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            if Path(folder).name == "cache" and "netpol-lsp" in dirs:
                dirs.remove("netpol-lsp")
            for name in dirs + files:
                path = os.path.join(folder, name)
                info = os.lstat(path)
                out[path] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns, stat.S_IMODE(info.st_mode))
                if name == "cache" and Path(folder).name == "homes":
                    out[path] = out[path][:2] + out[path][3:]  # $XDG_CACHE_HOME: its mtime moves with ours
        info = os.lstat(root)
        out[str(root)] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns, stat.S_IMODE(info.st_mode))
    return out


def make_read_only(root: Path) -> None:
    for folder, dirs, files in os.walk(root):
        for name in files + dirs:
            path = Path(folder) / name
            path.chmod(path.stat().st_mode & ~0o222)
    root.chmod(root.stat().st_mode & ~0o222)


def make_writable(root: Path) -> None:
    root.chmod(root.stat().st_mode | 0o200)
    for folder, dirs, files in os.walk(root):
        for name in files + dirs:
            path = Path(folder) / name
            path.chmod(path.stat().st_mode | 0o200)


COMMANDS = [
    ("check",), ("check", "--format", "json"), ("check", "--format", "sarif"), ("check", "--format", "github"),
    ("connectivity",), ("connectivity", "--format", "json"), ("connectivity", "--format", "mermaid"),
    ("explain",), ("explain", "--workload", "shop/web"),
    *([("connectivity", "--format", "svg")] if shutil.which("dot") else []),  # Graphviz, through a pipe
]


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "writable"])
def test_nothing_is_written_but_what_was_asked(tmp_path, read_only):
    env = environment(tmp_path)
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    (ws / ".netpol-lsp.yaml").write_text("defaultNamespace: shop\n")  # a config file is read, never written
    homes = tmp_path / "homes"
    if read_only:
        make_read_only(ws)
    try:
        before = snapshot(ws, homes)
        for command in COMMANDS:
            run(env, *command, str(ws))
        server_session(env, ws, ws / "web-policy.yaml")
        assert snapshot(ws, homes) == before
        assert (homes / "cache" / "netpol-lsp").is_dir()  # the cache was on, and written only there

        out = tmp_path / "out"
        out.mkdir()
        before_out = snapshot(out)
        run(env, "connectivity", "--format", "json", "-o", str(out / "connections.json"), str(ws))
        after = snapshot(out)
        added = set(after) - set(before_out)
        assert added == {str(out / "connections.json")}
        assert json.loads((out / "connections.json").read_text())
        assert snapshot(ws, homes) == before  # and still nothing else
    finally:
        make_writable(ws)


def test_diff_reads_revisions_without_writing(tmp_path):
    """`diff` and the server's diff lens read git revisions in memory: the repository (.git
    included), $HOME, the XDG folders and $TMPDIR stay the same (writable, so a write would show)."""
    env = environment(tmp_path)
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run([*git, *args], cwd=ws, check=True, capture_output=True, env=env)
    policy = ws / "web-policy.yaml"
    policy.write_text(policy.read_text().replace("port: 80", "port: 8080"))  # an uncommitted change
    homes = tmp_path / "homes"
    before = snapshot(ws, homes)
    assert "netpol-lsp diff: HEAD (" in run(env, "diff", "HEAD", "--path", str(ws)).stdout
    assert json.loads(run(env, "diff", "main", str(ws), "--format", "sarif").stdout)["runs"][0]["results"]
    session = Session(env)
    session.start(ws)
    whole = session.call("workspace/executeCommand", {"command": "netpol-lsp.diff"})
    assert whole["available"] is True and whole["changes"], whole
    assert session.stop() == 0
    assert snapshot(ws, homes) == before


def test_no_cache_writes_nothing_at_all(tmp_path):
    env = environment(tmp_path)
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    homes = tmp_path / "homes"
    before = snapshot(ws, homes)
    for command in COMMANDS:
        if command[0] in ("check", "connectivity", "explain"):
            run(env, command[0], "--no-cache", *command[1:], str(ws))
    assert snapshot(ws, homes) == before
    assert not (homes / "cache" / "netpol-lsp").exists()


def test_commands_run_from_inside_the_workspace_write_nothing_there(tmp_path):
    env = environment(tmp_path)
    cwd = Path(env["HOME"]).parent / "cwd"
    shutil.copytree(EXAMPLE, cwd, dirs_exist_ok=True)  # the working folder is the workspace: `check` with no path
    homes = tmp_path / "homes"
    before = snapshot(homes)
    run(env, "check")
    run(env, "connectivity")
    run(env, "explain")
    assert snapshot(homes) == before


# -- (c) symlinks out of the workspace --------------------------------------------------------

LEAKED = """
apiVersion: v1
kind: Namespace
metadata:
  name: leaked
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: leaked-app
  namespace: shop
spec:
  selector: {matchLabels: {app: leaked}}
  template:
    metadata: {labels: {app: leaked}}
    spec: {containers: [{name: c, image: leaked}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: leaked-policy, namespace: leaked}
spec:
  podSelector: {matchLabels: {app: nowhere-leaked}}
  policyTypes: [Ingress]
"""

# selects what lives outside: NP001 while the outside is (rightly) not read
INSIDE = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: wants-outside, namespace: shop}
spec:
  podSelector: {matchLabels: {app: leaked}}
  policyTypes: [Ingress]
"""


@pytest.fixture
def escaping_workspace(tmp_path) -> Path:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "target.yaml").write_text(LEAKED)  # "leaked" is in what it says, not in its name
    (outside / "dir" / "target.yaml").write_text(LEAKED)
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    (ws / "inside.yaml").write_text(INSIDE)
    os.symlink(outside / "target.yaml", ws / "escape.yaml")  # a file
    os.symlink(outside / "dir", ws / "escape-dir")  # a folder
    os.symlink(outside / "dir", ws / "escape-dir.yaml")  # a folder, with a manifest's name
    os.symlink(tmp_path, ws / "parent")  # the folder above, which holds the workspace itself
    os.symlink(ws / "web-policy.yaml", ws / "web-again.yml")  # inside the workspace: followed
    return ws


def test_check_does_not_follow_symlinks_out_of_the_workspace(tmp_path, escaping_workspace):
    ws = escaping_workspace
    env = environment(tmp_path, guard=True)
    report = json.loads(run(env, "check", "--format", "json", str(ws)).stdout)
    by_file: dict[str, list] = {}
    for f in report["findings"]:
        by_file.setdefault(os.path.relpath(f["path"], ws), []).append(f)
    for name in ("escape.yaml", "escape-dir.yaml"):  # said so, where a manifest's name was seen
        assert [(f["rule"], f["severity"]) for f in by_file[name]] == [("NP091", "info")]
        assert "outside the workspace (not followed)" in by_file[name][0]["message"]
    assert not [name for name in by_file if name.startswith(("escape-dir/", "parent"))]
    assert [f["rule"] for f in by_file["inside.yaml"] if f["rule"] == "NP001"] == ["NP001"]
    assert not [f for f in report["findings"] if "leaked" in f["message"].replace("app=leaked", "")]
    assert "web-again.yml" in by_file  # a link that stays inside is read like any file

    connectivity = run(env, "connectivity", str(ws)).stdout
    explained = run(env, "explain", str(ws)).stdout
    assert "leaked-app" not in connectivity and "leaked-app" not in explained
    assert "leaked-policy" not in explained


def test_the_server_does_not_follow_symlinks_out_of_the_workspace(tmp_path, escaping_workspace):
    ws = escaping_workspace
    env = environment(tmp_path, guard=True)
    inside = (ws / "inside.yaml").as_uri()
    session = server_session(env, ws, ws / "inside.yaml")
    published = session.diagnostics
    assert "NP001" in [d["code"] for d in published[inside]]  # the outside pods were not read
    for name in ("escape.yaml", "escape-dir.yaml"):
        escape = published[(ws / name).as_uri()]
        assert [d["code"] for d in escape] == ["NP091"] and "not followed" in escape[0]["message"]
    assert all(uri.startswith(ws.as_uri() + "/") for uri in published)
    assert not [uri for uri in published if "/escape-dir/" in uri or "/parent/" in uri]
    assert not [d for ds in published.values() for d in ds if "leaked" in d["message"].replace("app=leaked", "")]
    assert session.hover is None or "leaked-app" not in session.hover["contents"]["value"]
