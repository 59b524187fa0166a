"""VS Code: editors/vscode builds, lints, passes its tests and packages to a .vsix.

Runs `npm ci && npm run compile && npm run lint && npm test && npm run package` in
editors/vscode. The extension's own tests (node:test, with the `vscode` module stubbed) cover
the settings mapping, the server discovery order and the connectivity webview's HTML; nothing
here downloads VS Code. Everything comes from the npm registry.

Without node/npm the test skips on a developer's machine and fails in CI (CI=true).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from needs import tool as require_tool

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
VSIX = EXTENSION / "netpol-lsp.vsix"

STEPS = [
    (["npm", "ci"], 900),
    (["npm", "run", "compile"], 300),
    (["npm", "run", "lint"], 300),
    (["npm", "test"], 300),
    (["npm", "run", "package"], 600),
]


def _require(tool: str) -> str:
    return require_tool(tool, "Node 20+ and npm build editors/vscode (Debian: apt-get install -y nodejs npm)")


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def test_vscode_extension_builds_lints_tests_and_packages() -> None:
    _require("node")
    npm = _require("npm")
    if VSIX.exists():
        VSIX.unlink()
    env = dict(os.environ)
    env.setdefault("npm_config_fund", "false")
    env.setdefault("npm_config_audit", "false")
    env.setdefault("npm_config_update_notifier", "false")
    outputs = {}
    for (command, timeout) in STEPS:
        run = subprocess.run([npm, *command[1:]], cwd=EXTENSION, env=env, capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
        if run.returncode != 0 and command == ["npm", "ci"]:
            # one retry for a registry hiccup; a real problem fails twice
            run = subprocess.run([npm, *command[1:]], cwd=EXTENSION, env=env, capture_output=True, text=True,
                                 timeout=timeout, stdin=subprocess.DEVNULL)
        outputs[" ".join(command)] = run.stdout
        assert run.returncode == 0, (
            f"`{' '.join(command)}` failed ({run.returncode}) in editors/vscode\n"
            f"--- stdout\n{_tail(run.stdout)}\n--- stderr\n{_tail(run.stderr)}")

    # node:test's summary: every test passed, and there were some
    summary = outputs["npm test"]
    assert "# fail 0" in summary, _tail(summary)
    passed = [int(line.split()[-1]) for line in summary.splitlines() if line.startswith("# pass ")]
    assert passed and passed[-1] >= 20, _tail(summary)

    assert VSIX.is_file(), "npm run package made no netpol-lsp.vsix"
    with zipfile.ZipFile(VSIX) as vsix:
        names = set(vsix.namelist())
        for required in ("extension/package.json", "extension/dist/extension.js",
                         "extension/media/mermaid.min.js", "extension/media/connectivity.js",
                         "extension/LICENSE.txt", "extension/readme.md"):
            assert required in names, f"{required} missing from the .vsix: {sorted(names)}"
        assert not any(n.startswith(("extension/src/", "extension/node_modules/", "extension/out/"))
                       for n in names), sorted(names)
