"""The connectivity conformance corpus (../shared/conformance beside the repository).

Every case is compared in-process (fast, one test per case, the oracle's own comparison), and
the corpus's runner is run over the real command line (`python -m netpol_lsp connectivity
--format json`) on every case, in shards. Without the corpus the tests skip on a developer's machine and
FAIL in CI (env CI set): CI must never pass by not running them.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from needs import missing

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT.parent / "shared" / "conformance"
CASES = CONFORMANCE / "cases"


def _cases() -> list[str]:
    if not CASES.is_dir():
        return []
    return sorted(c.name for c in CASES.iterdir() if (c / "expected.json").is_file() and (c / "input").is_dir())


def _require_corpus() -> None:
    if _cases():
        return
    missing(f"the conformance corpus ({CONFORMANCE})", "it comes with ../shared beside this repository")


def _connlist():
    sys.path.insert(0, str(CONFORMANCE))
    try:
        import connlist  # noqa: PLC0415
    finally:
        sys.path.remove(str(CONFORMANCE))
    return connlist


def test_corpus_is_present():
    _require_corpus()
    assert len(_cases()) >= 68


@pytest.mark.parametrize("case", _cases() or ["(no corpus)"])
def test_case(case):
    _require_corpus()
    from netpol_lsp.analysis.connectivity import compute_connectivity
    from netpol_lsp.commands.common import load

    folder = CASES / case
    loaded = load([str(folder / "input")], None)
    actual = compute_connectivity(loaded.workspace).as_list()
    expected = json.loads((folder / "expected.json").read_text())
    diffs = _connlist().compare(expected, actual)
    assert not diffs, f"{case}: {len(diffs)} differences, first: " + "; ".join(diffs[:5])


# The runner starts one process per case, one case after the other: in four shards (every fourth
# case, through the runner's --cases folder) the xdist workers share them instead of one worker
# running all 68 at the end of the suite.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_runner_over_the_command_line(shard, tmp_path):
    _require_corpus()
    cases = _cases()[shard::SHARDS]
    folder = tmp_path / "cases"
    folder.mkdir()
    for case in cases:
        (folder / case).symlink_to(CASES / case, target_is_directory=True)
    command = f"{shlex.quote(sys.executable)} -m netpol_lsp connectivity --format json {{input}}"
    proc = subprocess.run([sys.executable, str(CONFORMANCE / "run.py"), "--cmd", command, "--cases", str(folder)],
                          capture_output=True, text=True, timeout=1800, cwd=ROOT)
    summary = re.search(r"^(\d+) passed, (\d+) failed$", proc.stdout, re.M)
    assert summary, proc.stdout[-2000:] + proc.stderr[-2000:]
    passed, failed = int(summary.group(1)), int(summary.group(2))
    assert failed == 0, proc.stdout[-4000:]
    assert cases and passed == len(cases)
    assert proc.returncode == 0


def test_the_runner_shards_cover_every_case_once():
    _require_corpus()
    shards = [_cases()[shard::SHARDS] for shard in range(SHARDS)]
    assert sorted(case for shard in shards for case in shard) == _cases()
