"""The README is the front door: its sample output and its rule table must stay true."""
import subprocess
import sys
from pathlib import Path

from netpol_lsp.rules.registry import RULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_sample_check_output_is_what_check_prints():
    marker = "`netpol-lsp check examples/three-tier-broken` prints (exit code 1):\n\n```\n"
    start = README.index(marker) + len(marker)
    shown = README[start:README.index("```", start)]
    proc = subprocess.run([sys.executable, "-m", "netpol_lsp", "check", "examples/three-tier-broken"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == shown


def test_rule_table_lists_every_rule():
    for rule in RULES:
        assert f"| {rule.ID} | {rule.NAME} |" in README


def test_quick_start_commands_exist():
    assert ("python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/netpol-lsp check "
            "examples/three-tier-broken") in README
    assert "bash scripts/test.sh" in README and (ROOT / "scripts" / "test.sh").is_file()
    assert (ROOT / ".ci" / "run").read_text().count("scripts/test.sh") == 1
