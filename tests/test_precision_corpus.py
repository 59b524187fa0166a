"""tests/precision/: small workspaces in the shapes of real repositories, each with the complete,
hand-checked list of the findings it must produce (expected.txt: `RULE severity file:line`,
1-based lines, `#` comments). Any missing or extra finding fails: a warning must be true in the
cluster the manifests describe, and where the analysis cannot see, it says less."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from netpol_lsp.analysis.run import analyze
from netpol_lsp.config import CONFIG_NAME, load_config
from netpol_lsp.loader import load_paths

CORPUS = Path(__file__).resolve().parent / "precision"
WORKSPACES = sorted(p for p in CORPUS.iterdir() if (p / "expected.txt").is_file())


def expected(folder: Path) -> list[str]:
    lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def actual(folder: Path) -> list[str]:
    config_path = folder / CONFIG_NAME
    config = load_config(config_path if config_path.is_file() else None)
    assert not config.problems, config.problems
    loaded = load_paths([str(folder)], config, jobs=1)
    return sorted(f"{f.rule} {f.severity} {os.path.relpath(f.path, folder)}:{f.span.start_line + 1}"
                  for f in analyze(loaded.workspace))


def test_the_corpus_has_at_least_fifteen_workspaces():
    assert len(WORKSPACES) >= 15


@pytest.mark.parametrize("folder", WORKSPACES, ids=lambda p: p.name)
def test_findings_are_exactly_the_expected_ones(folder):
    assert actual(folder) == expected(folder)


@pytest.mark.parametrize("folder", WORKSPACES, ids=lambda p: p.name)
def test_the_editor_sees_the_same(folder):
    """The language server builds open buffers whole and the rest lean: both see these findings."""
    from netpol_lsp.workspace import Workspace, load_source

    config_path = folder / CONFIG_NAME
    config = load_config(config_path if config_path.is_file() else None)
    whole = Workspace(config)
    for path in sorted(folder.rglob("*.y*ml")):
        if path.name != CONFIG_NAME:
            whole.put(load_source(os.path.relpath(path, folder), path.read_text(encoding="utf-8"), config))
    found = sorted(f"{f.rule} {f.severity} {f.path}:{f.span.start_line + 1}" for f in analyze(whole))
    assert found == expected(folder)
