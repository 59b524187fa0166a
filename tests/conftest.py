"""Shared test helpers: build a workspace from inline manifests, run the one analysis."""
from __future__ import annotations

import compileall
import os
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/needs.py, for the test folders below too
from needs import strict  # noqa: E402

from netpol_lsp.analysis.connectivity import Engine
from netpol_lsp.analysis.run import analyze
from netpol_lsp.config import Config
from netpol_lsp.workspace import Workspace

# The warm-start cache would let one test's run answer another's (tests monkeypatch rules):
# off for the suite, and tests/test_cache.py turns it on in a folder of its own.
os.environ["NETPOL_LSP_NO_CACHE"] = "1"


def make_workspace(files: dict[str, str], config: Config | None = None) -> Workspace:
    workspace = Workspace(config or Config())
    for path, text in files.items():
        workspace.set_text(path, textwrap.dedent(text))
    return workspace


def findings_of(files: dict[str, str], config: Config | None = None, **kwargs):
    return analyze(make_workspace(files, config), **kwargs)


def rules_of(found) -> list[str]:
    return sorted({f.rule for f in found})


def workload(workspace: Workspace, qualified: str):
    for w in workspace.workloads:
        if f"{w.namespace}/{w.name}" == qualified:
            return w
    raise KeyError(qualified)


def allowed(workspace: Workspace, src: str, dst: str) -> str:
    engine = Engine(workspace)
    return engine.allowed(workload(workspace, src), workload(workspace, dst)).canonical()


@pytest.fixture
def ws():
    return make_workspace


def pytest_configure(config):
    """Byte-compiles netpol_lsp once, before any test runs (in the xdist controller, before its
    workers start). The suite starts several hundred `python -m netpol_lsp` processes; with
    PYTHONDONTWRITEBYTECODE set (as on the machine CI runs on; test_security.py sets it on purpose)
    an editable install has no .pyc files, and every one of those processes compiled the whole
    package again: about 0.2 s of CPU each. Python reads .pyc files whatever that variable says,
    and ignores a stale one (its header records the source's mtime and size)."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller did it
        return
    import netpol_lsp  # noqa: PLC0415

    package = Path(netpol_lsp.__file__).parent
    if os.access(package, os.W_OK):  # an installed, read-only copy was compiled by pip
        compileall.compile_dir(str(package), quiet=2)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In a strict run (CI, scripts/test.sh) nothing may be skipped: a skip would hide a missing
    tool that the README's test command promised to install."""
    skipped = terminalreporter.stats.get("skipped", [])
    if strict() and skipped:
        terminalreporter.write_line(f"strict run: {len(skipped)} test(s) skipped; every test must run here",
                                    red=True)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if strict() and reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = 1
