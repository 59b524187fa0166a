"""Emacs: editors/emacs/netpol-lsp.el, tested headless.

The end-to-end test runs batch Emacs with eglot (Debian: emacs-nox, elpa-eglot,
elpa-yaml-mode) on a copy of examples/three-tier-broken: it opens every file that
`netpol-lsp check` has findings for, lets eglot start the server from the entry the package
put in `eglot-server-programs`, sends a change, starts flymake, and prints flymake's
diagnostics. They must be the findings of `check --format json` for the same files: the same
rule on the same line and column, from source "netpol-lsp".

The lsp-mode registration is checked without a server (Debian: elpa-lsp-mode).

Without Emacs (or eglot, yaml-mode, lsp-mode) the tests skip on a developer's machine and
fail in CI (CI=true), where .ci/run installs them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from needs import missing

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "editors" / "emacs" / "netpol-lsp.el"
E2E = ROOT / "tests" / "editors" / "emacs_e2e.el"
EXAMPLE = ROOT / "examples" / "three-tier-broken"
RESULT_PREFIX = "NETPOL-E2E-RESULT: "


def _missing(what: str) -> None:
    missing(what, "Debian: apt-get install -y emacs-nox elpa-eglot elpa-yaml-mode elpa-lsp-mode")


def _emacs() -> str:
    emacs = shutil.which("emacs")
    if emacs is None:
        _missing("emacs is not installed")
    return emacs


def _require_features(emacs: str, *features: str) -> None:
    for feature in features:
        probe = subprocess.run([emacs, "--batch", "--eval", f"(require '{feature})"],
                               capture_output=True, text=True, timeout=60)
        if probe.returncode != 0:
            _missing(f"the Emacs package {feature} is not installed")


def _server_env() -> dict[str, str]:
    """Run the server of this checkout with this interpreter, whatever is on PATH."""
    env = dict(os.environ)
    env["NETPOL_LSP_COMMAND"] = json.dumps([sys.executable, "-m", "netpol_lsp", "serve"])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "server"), env.get("PYTHONPATH")]))
    return env


def _check(workspace: Path, env: dict[str, str]) -> dict[str, set[tuple[str, int, int]]]:
    """check --format json, per file relative to the workspace: {(rule, line, column)}, 1-based."""
    run = subprocess.run(
        [sys.executable, "-m", "netpol_lsp", "check", ".", "--format", "json", "--fail-on", "never"],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, f"check failed ({run.returncode}):\n{run.stderr}"
    per_file: dict[str, set[tuple[str, int, int]]] = {}
    for finding in json.loads(run.stdout)["findings"]:
        rel = (workspace / finding["path"]).resolve().relative_to(workspace.resolve()).as_posix()
        start = finding["range"]["start"]
        per_file.setdefault(rel, set()).add((finding["rule"], start["line"], start["column"]))
    return per_file


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the example outside any repository, so the project root is the folder itself."""
    if not EXAMPLE.is_dir():
        pytest.fail(f"{EXAMPLE} is missing")
    target = tmp_path / "three-tier-broken"
    shutil.copytree(EXAMPLE, target)
    return target


def test_eglot_flymake_diagnostics_match_check(workspace: Path) -> None:
    emacs = _emacs()
    _require_features(emacs, "eglot", "yaml-mode")
    env = _server_env()
    expected = _check(workspace, env)
    files = sorted(f for f in expected if f.endswith((".yaml", ".yml")))
    assert files, "check found nothing in examples/three-tier-broken: the example changed?"

    env["NETPOL_E2E_ROOT"] = str(workspace)
    env["NETPOL_E2E_FILES"] = "\n".join(files)
    env["NETPOL_E2E_TIMEOUT"] = "120"
    env["HOME"] = str(workspace.parent)  # no user init, no ~/.emacs.d state
    run = subprocess.run(
        [emacs, "--batch", "-l", str(PACKAGE.relative_to(ROOT)), "-l", str(E2E.relative_to(ROOT))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    assert run.returncode == 0 and lines, (
        f"batch Emacs failed ({run.returncode})\n--- stdout\n{run.stdout[-5000:]}\n--- stderr\n{run.stderr[-5000:]}")
    result = json.loads(lines[-1][len(RESULT_PREFIX):])

    # eglot started the server from the entry netpol-lsp.el put in eglot-server-programs
    assert result["server_class"] == "netpol-lsp-eglot-server"

    got: dict[str, set[tuple[str, int, int]]] = {}
    for rel, diagnostics in result["files"].items():
        got[rel] = set()
        for diag in diagnostics:
            assert diag["source"] == "netpol-lsp", diag
            assert diag["code"] and diag["code"].startswith("NP"), diag
            assert f"[{diag['code']}]" in diag["message"] or diag["code"] in diag["message"], diag
            # Emacs columns are 0-based characters; check prints 1-based columns
            got[rel].add((diag["code"], diag["line"], diag["column"] + 1))

    assert sorted(got) == files
    for rel in files:
        want = expected.get(rel, set())
        assert {(r, line) for r, line, _ in got[rel]} == {(r, line) for r, line, _ in want}, (
            f"{rel}: rule+line differ\n  flymake: {sorted(got[rel])}\n  check:   {sorted(want)}")
        assert got[rel] == want, f"{rel}: columns differ\n  flymake: {sorted(got[rel])}\n  check:   {sorted(want)}"


def test_package_byte_compiles_cleanly(tmp_path: Path) -> None:
    emacs = _emacs()
    _require_features(emacs, "eglot")
    copy = tmp_path / "netpol-lsp.el"
    shutil.copy(PACKAGE, copy)
    run = subprocess.run(
        [emacs, "--batch", "--eval", "(setq byte-compile-error-on-warn t)", "-f", "batch-byte-compile", str(copy)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0 and (tmp_path / "netpol-lsp.elc").exists(), run.stderr


LSP_MODE_PROBE = r"""
(progn
  (require 'lsp-mode)
  (setq netpol-lsp-cni "Calico"
        netpol-lsp-rules '(("NP010" . "off") ("open-database-port" . "error"))
        netpol-lsp-database-ports '(5432))
  (let* ((client (gethash 'netpol-lsp lsp-clients))
         (activate (lsp--client-activation-fn client))
         (out (make-hash-table :test #'equal)))
    (puthash "server_id" (symbol-name (lsp--client-server-id client)) out)
    (puthash "add_on" (if (lsp--client-add-on? client) t :json-false) out)
    (puthash "connects" (if (functionp (plist-get (lsp--client-new-connection client) :connect)) t :json-false) out)
    (puthash "command" (vconcat netpol-lsp-command) out)
    (puthash "activates_yaml" (if (funcall activate "/x/p.yaml" 'yaml-mode) t :json-false) out)
    (puthash "activates_json" (if (funcall activate "/x/p.json" 'json-mode) t :json-false) out)
    (puthash "activates_python" (if (funcall activate "/x/p.py" 'python-mode) t :json-false) out)
    (puthash "section" (lsp-configuration-section "netpol-lsp") out)
    (puthash "init" (funcall (lsp--client-initialization-options client)) out)
    (princ (concat "RESULT: " (json-encode out) "\n"))))
"""


def test_lsp_mode_client_registration() -> None:
    emacs = _emacs()
    _require_features(emacs, "lsp-mode")
    run = subprocess.run(
        [emacs, "--batch", "-l", str(PACKAGE), "--eval", LSP_MODE_PROBE],
        capture_output=True, text=True, timeout=120,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT: ")]
    assert run.returncode == 0 and lines, run.stderr[-3000:]
    result = json.loads(lines[-1][len("RESULT: "):])
    settings = {"cni": "calico", "rules": {"NP010": "off", "open-database-port": "error"}, "databasePorts": [5432]}
    assert result == {
        "server_id": "netpol-lsp",
        "add_on": True,
        "connects": True,
        "command": ["netpol-lsp", "serve"],
        "activates_yaml": True,
        "activates_json": True,
        "activates_python": False,
        "section": {"netpol-lsp": settings},
        "init": settings,
    }
