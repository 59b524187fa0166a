"""Neovim: editors/neovim/netpol-lsp.lua, driving the server from Neovim's own LSP client.

Headless Neovim (Debian's `neovim`, 0.7.x: `vim.lsp.start_client`) loads the config file users
load, opens every file of a copy of examples/three-tier-broken, and reads the diagnostics back
with vim.diagnostic.get() and one hover. They must be exactly the findings of
`netpol-lsp check --format json` on the same folder: same file, rule, line and column.

Without nvim the test skips on a developer's machine and fails in CI (CI=true), where .ci/run
installs it (apt-get install -y --no-install-recommends neovim).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from needs import tool

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "editors" / "neovim" / "netpol-lsp.lua"
DRIVER = ROOT / "tests" / "editors" / "nvim_driver.lua"
EXAMPLE = ROOT / "examples" / "three-tier-broken"


def _nvim() -> str:
    return tool("nvim", "Debian: apt-get install -y --no-install-recommends neovim")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["NETPOL_LSP_COMMAND"] = json.dumps([sys.executable, "-m", "netpol_lsp", "serve", "--stdio"])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "server"), env.get("PYTHONPATH")]))
    return env


def _check(workspace: Path, env: dict[str, str]) -> set[tuple[str, str, int, int]]:
    """check --format json: {(file, rule, line, column)}, 0-based like LSP."""
    run = subprocess.run([sys.executable, "-m", "netpol_lsp", "check", ".", "--format", "json", "--fail-on", "never"],
                         cwd=workspace, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    found = set()
    for finding in json.loads(run.stdout)["findings"]:
        start = finding["range"]["start"]
        rel = (workspace / finding["path"]).resolve().relative_to(workspace.resolve()).as_posix()
        found.add((rel, finding["rule"], start["line"] - 1, start["column"] - 1))
    return found


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the example with a .git folder: the config's root markers find the folder itself."""
    if not EXAMPLE.is_dir():
        pytest.fail(f"{EXAMPLE} is missing")
    target = tmp_path / "three-tier-broken"
    shutil.copytree(EXAMPLE, target)
    (target / ".git").mkdir()
    return target


def test_neovim_diagnostics_and_hover_match_check(workspace: Path, tmp_path: Path) -> None:
    nvim = _nvim()
    env = _env()
    expected = _check(workspace, env)
    assert expected, "check found nothing in examples/three-tier-broken: the example changed?"
    files = sorted(str(p) for p in workspace.rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                   and ".git" not in p.parts)

    policy = workspace / "api-allow-web.yaml"
    kind_line = next(i for i, line in enumerate(policy.read_text().splitlines()) if line.startswith("kind:"))
    out = tmp_path / "nvim-result.json"
    env.update({
        "NETPOL_NVIM_CONFIG": str(CONFIG),
        "NETPOL_NVIM_FILES": json.dumps(files),
        "NETPOL_NVIM_EXPECT": str(len(expected)),
        "NETPOL_NVIM_HOVER": json.dumps({"file": str(policy), "line": kind_line, "character": 2}),
        "NETPOL_NVIM_OUT": str(out),
        "NETPOL_NVIM_TIMEOUT": "90000",
        "HOME": str(tmp_path),  # no user config, no shada
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    })
    run = subprocess.run([nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {DRIVER}"],
                         cwd=workspace, env=env, capture_output=True, text=True, timeout=240,
                         stdin=subprocess.DEVNULL)
    assert out.exists(), f"nvim wrote no result ({run.returncode})\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    result = json.loads(out.read_text())
    assert "error" not in result, result.get("error")

    # one client, started from the config file, rooted at the folder its markers found
    assert [c["name"] for c in result["clients"]] == ["netpol_lsp"]
    assert Path(result["clients"][0]["root"]).resolve() == workspace.resolve()

    got = set()
    for diagnostic in result["diagnostics"]:
        assert diagnostic["source"] == "netpol-lsp", diagnostic
        assert diagnostic["href"] and diagnostic["href"].endswith(".md"), diagnostic
        rel = Path(diagnostic["file"]).resolve().relative_to(workspace.resolve()).as_posix()
        got.add((rel, diagnostic["code"], diagnostic["lnum"], diagnostic["col"]))
    assert len(result["diagnostics"]) == len(got)  # nothing twice
    assert got == expected, f"\n  neovim only: {sorted(got - expected)}\n  check only:  {sorted(expected - got)}"
    np001 = [d for d in result["diagnostics"] if d["code"] == "NP001"]
    assert np001 and all(d["related"] > 0 for d in np001)  # the workloads it was compared with

    hover = result["hover"]
    assert hover, result.get("hover_error")
    first = hover.split("\n")[0]
    assert first.startswith("**NetworkPolicy shop/api-allow-web**") and "selects 0 workloads" in first
    assert "`name=api-pods`" in hover
