"""The command line's small promises: one line for a usage error, both spellings of a format,
the right exit codes, plurals that read right."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netpol_lsp.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "three-tier")


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse exits by itself on a usage error
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [
    [],
    ["check", "--format", "xml", EXAMPLE],
    ["check", "--bogus"],
    ["connectivity", "--format", "pdf", EXAMPLE],
    ["frobnicate"],
])
def test_a_usage_error_is_one_line_and_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "--help" in err


@pytest.mark.parametrize("command, spellings", [
    ("check", ["text", "txt", "TEXT"]),
    ("connectivity", ["txt", "text"]),
    ("connectivity", ["md", "markdown"]),
    ("explain", ["text", "txt"]),
    ("explain", ["markdown", "md"]),
])
def test_both_spellings_of_a_format_print_the_same(capsys, command, spellings):
    extra = ["--workload", "shop/db"] if command == "explain" else []
    outputs = {run(capsys, command, "--format", name, EXAMPLE, *extra)[1] for name in spellings}
    assert len(outputs) == 1 and outputs.pop().strip()


def test_config_dev_null_is_an_empty_configuration(capsys):
    code, out, err = run(capsys, "check", "--config", "/dev/null", EXAMPLE)
    assert (code, err) == (0, "")
    code, _, err = run(capsys, "check", "--config", str(ROOT / "examples"), EXAMPLE)
    assert code == 2 and "a folder, not a configuration file" in err


def test_plurals_of_the_summary(capsys, tmp_path):
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n")
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert out.strip().endswith("in 1 file, 1 document"), out


def test_serve_with_no_client_says_so():
    done = subprocess.run([sys.executable, "-m", "netpol_lsp", "serve"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "closed the connection before a shutdown request" in done.stderr
