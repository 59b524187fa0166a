"""tests/bad_inputs/: every hostile file gives exactly the finding (or silence) expected.json names,
through `check`; the rest of the workspace is still analysed. The server runs the same corpus in
tests/lsp/test_bad_inputs_lsp.py."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
GOOD = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: still-analysed\n---\n" \
       "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: still-analysed}\n" \
       "spec:\n  podSelector: {matchLabels: {app: nothing}}\n  policyTypes: [Ingress]\n"


def check(*paths):
    proc = subprocess.run([sys.executable, "-m", "netpol_lsp", "check", "--format", "json", "--fail-on", "never",
                           *map(str, paths)], capture_output=True, text=True, timeout=60)  # a hang guard, not a timing
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def summarize(report, name):
    return sorted([f["rule"], f["severity"], f["message"]] for f in report["findings"] if f["path"].endswith("/" + name))


@pytest.fixture(scope="module")
def corpus_report():
    return check(CORPUS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_input(corpus_report, name):
    found = summarize(corpus_report, name)
    expected = sorted(EXPECTED[name])
    assert [f[:2] for f in found] == [e[:2] for e in expected], found
    for (_, _, message), (_, _, fragment) in zip(found, expected):
        assert fragment in message


def test_rest_of_the_workspace_still_analysed(tmp_path):
    for path in CORPUS.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "good.yaml").write_text(GOOD)
    report = check(tmp_path)
    assert [f["rule"] for f in report["findings"] if f["path"].endswith("good.yaml")] == ["NP001"]


def test_file_system_oddities(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(GOOD)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "good.yaml").write_text(GOOD)
    os.symlink("loop-b.yaml", ws / "loop-a.yaml")
    os.symlink("loop-a.yaml", ws / "loop-b.yaml")
    os.symlink(outside / "secret.yaml", ws / "escape.yaml")
    os.mkfifo(ws / "pipe.yaml")
    (ws / "folder.yaml").mkdir()
    (ws / "folder.yaml" / "inner.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: inner}\n")
    (ws / "huge.yaml").write_bytes(b"# padding\n" * (7 * 1024 * 1024))  # 70 MiB, past the 64 MiB limit
    report = check(ws)
    by_file = {Path(f["path"]).name: (f["rule"], f["message"]) for f in report["findings"]}
    assert by_file["loop-a.yaml"][0] == "NP091" and "looping" in by_file["loop-a.yaml"][1]
    assert by_file["escape.yaml"] == ("NP091", by_file["escape.yaml"][1]) and "outside the workspace" in by_file["escape.yaml"][1]
    assert "not a regular file" in by_file["pipe.yaml"][1]
    assert "larger than the 64.0 MiB limit" in by_file["huge.yaml"][1]
    assert by_file["good.yaml"][0] == "NP001"  # still analysed, and the outside file was not read
    assert not any("secret" in f["path"] for f in report["findings"])


def test_file_deleted_between_listing_and_reading(tmp_path):
    from netpol_lsp.config import Config
    from netpol_lsp.loader import Candidate, read_candidate

    gone = read_candidate(Candidate("gone.yaml", tmp_path / "gone.yaml"), Config())
    assert gone.skipped and "disappeared" in gone.parse_problems[0].message
