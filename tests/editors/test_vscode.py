"""VS Code: editors/vscode builds, lints, passes its tests and packages to a .vsix.

Runs `npm ci && npm run compile && npm run lint && npm test && npm run package` in
editors/vscode. The extension's own tests (node:test, with the `vscode` module stubbed) cover
the settings mapping, the server discovery order and the connectivity webview's HTML; nothing
here downloads VS Code (test_vscode_web.py runs the built extension in a real one). Everything
comes from the npm registry. The build is shared with test_vscode_web.py (vscode_build.py).

Without node/npm the test skips naming them, and fails in a strict run (CI, scripts/test.sh).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from vscode_build import VSIX, build_extension, failed_step, tail

from needs import tool as require_tool

ROOT = Path(__file__).resolve().parents[2]


def _require(tool: str) -> str:
    return require_tool(tool, "Node 20+ and npm build editors/vscode (Debian: apt-get install -y nodejs npm)")


@pytest.mark.xdist_group("vscode")  # with test_vscode_web.py, which uses this build
def test_vscode_extension_builds_lints_tests_and_packages() -> None:
    _require("node")
    record = build_extension(_require("npm"))
    failure = failed_step(record)
    assert failure is None, failure
    outputs = {step["command"]: step for step in record["steps"]}

    # node:test's summary: every test passed, and there were some
    summary = outputs["npm test"]["stdout"]
    assert "# fail 0" in summary, tail(summary)
    passed = [int(line.split()[-1]) for line in summary.splitlines() if line.startswith("# pass ")]
    assert passed and passed[-1] >= 20, tail(summary)

    # no warnings: npm's (e.g. install scripts no allowScripts entry covers) nor vsce's
    for step in ("npm ci", "npm run package"):
        text = outputs[step]["stdout"] + outputs[step]["stderr"]
        warnings = [line for line in text.splitlines() if "npm warn" in line.lower() or "WARNING" in line]
        assert not warnings, f"`{step}` warned:\n" + "\n".join(warnings)

    assert VSIX.is_file(), "npm run package made no netpol-lsp.vsix"
    with zipfile.ZipFile(VSIX) as vsix:
        names = set(vsix.namelist())
        for required in ("extension/package.json", "extension/dist/extension.js",
                         "extension/media/mermaid.min.js", "extension/media/connectivity.js",
                         "extension/LICENSE.txt", "extension/readme.md"):
            assert required in names, f"{required} missing from the .vsix: {sorted(names)}"
        assert not any(n.startswith(("extension/src/", "extension/node_modules/", "extension/out/"))
                       for n in names), sorted(names)


def test_publisher_and_repository_are_marked_until_published() -> None:
    """Item 6 of issue 13: either real values, or placeholders that say so and say what to do."""
    manifest = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text())
    assert manifest["publisher"] and manifest["repository"]["url"]
    guide = ROOT / "editors" / "vscode" / "PUBLISHING.md"
    if "//" in manifest:  # still placeholders: the note points to the guide, which names both values
        assert "PUBLISHING.md" in manifest["//"]
        text = guide.read_text()
        assert f'"publisher": "{manifest["publisher"]}"' in text
        assert manifest["repository"]["url"] in text
