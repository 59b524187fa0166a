"""Building editors/vscode once per test run, for test_vscode.py and test_vscode_web.py.

Both need the built extension, and two builds in the same folder at once would destroy each
other's node_modules (npm ci deletes it). So the first test to ask builds, under a file lock,
and records the outcome (each step's return code and output) with the run's id; the other one,
in the same process or in another pytest-xdist worker of the same run, waits for the lock and
reads the record. A later run reuses a successful build only when nothing it was built from
changed (every file of editors/vscode but node_modules/, out/ and the .vsix, and the node and
npm versions): scripts/test.sh runs the suite twice, against two sets of Python dependencies,
which the extension's build does not read.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
VSIX = EXTENSION / "netpol-lsp.vsix"
# out/ is the compiler's output folder (git-ignored), which npm ci leaves alone
LOCK = EXTENSION / "out" / ".netpol-test-build.lock"
RECORD = EXTENSION / "out" / ".netpol-test-build.json"

STEPS = [
    (["npm", "ci"], 900),
    (["npm", "run", "compile"], 300),
    (["npm", "run", "lint"], 300),
    (["npm", "test"], 300),
    (["npm", "run", "package"], 600),
]


def _run_id() -> str:
    # shared by every xdist worker of one run; without xdist the process is the run
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid-{os.getpid()}"


def _inputs_key(npm: str) -> str:
    digest = hashlib.sha256()
    files = []
    for folder, dirs, names in os.walk(EXTENSION):
        if Path(folder) == EXTENSION:
            dirs[:] = [d for d in dirs if d not in ("node_modules", "out")]
        files += [Path(folder) / name for name in names if not name.endswith(".vsix")]
    for path in sorted(files):
        digest.update(str(path.relative_to(EXTENSION)).encode() + b"\0" + path.read_bytes() + b"\0")
    for tool in ("node", npm):
        version = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=60)
        digest.update(version.stdout.encode())
    return digest.hexdigest()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("npm_config_fund", "false")
    env.setdefault("npm_config_audit", "false")
    env.setdefault("npm_config_update_notifier", "false")
    return env


def _build(npm: str) -> dict:
    if VSIX.exists():
        VSIX.unlink()
    steps = []
    for (command, timeout) in STEPS:
        run = subprocess.run([npm, *command[1:]], cwd=EXTENSION, env=_env(), capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
        if run.returncode != 0 and command == ["npm", "ci"]:
            # one retry for a registry hiccup; a real problem fails twice
            run = subprocess.run([npm, *command[1:]], cwd=EXTENSION, env=_env(), capture_output=True, text=True,
                                 timeout=timeout, stdin=subprocess.DEVNULL)
        steps.append({"command": " ".join(command), "returncode": run.returncode,
                      "stdout": run.stdout, "stderr": run.stderr})
        if run.returncode != 0:
            break
    return {"run": _run_id(), "inputs": _inputs_key(npm), "steps": steps}


def build_extension(npm: str) -> dict:
    """{"steps": [{"command", "returncode", "stdout", "stderr"}, ...]}: the build of this run
    (made now, or read back). The steps stop at the first that failed."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record: Optional[dict] = None
        if RECORD.exists():
            try:
                record = json.loads(RECORD.read_text())
            except ValueError:
                record = None
        succeeded = record is not None and all(s["returncode"] == 0 for s in record["steps"])
        same = record is not None and (record.get("run") == _run_id()
                                       or (succeeded and record.get("inputs") == _inputs_key(npm)))
        if not same or (succeeded and not VSIX.is_file()):
            record = _build(npm)
            RECORD.parent.mkdir(parents=True, exist_ok=True)
            RECORD.write_text(json.dumps(record))
        return record


def failed_step(record: dict) -> Optional[str]:
    """A report of the first failed step, or None when all of them passed."""
    for step in record["steps"]:
        if step["returncode"] != 0:
            return (f"`{step['command']}` failed ({step['returncode']}) in editors/vscode\n"
                    f"--- stdout\n{tail(step['stdout'])}\n--- stderr\n{tail(step['stderr'])}")
    return None


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def which_npm() -> Optional[str]:
    return shutil.which("npm") if shutil.which("node") else None
