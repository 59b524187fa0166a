"""The rule pages in rules/ are test fixtures: every page's failing example yields exactly its
rule, its passing example yields nothing at all, and pages and registry agree.

Conventions (rules/README.md): in the "Example" and "Use instead" sections every ```yaml block
is one file of a small workspace, named by its `title="..."` attribute or example-N.yaml; a
block titled `.netpol-lsp.yaml` is the workspace's configuration.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from netpol_lsp.analysis.rendered import analyze_checked
from netpol_lsp.config import CONFIG_NAME, load_config
from netpol_lsp.loader import load_paths
from netpol_lsp.rules.docs import normalize_summary, page_filename, parse_page, rule_page_path, rule_url
from netpol_lsp.rules.registry import RULES, enabled_by_default

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
PAGES = sorted(p for p in RULES_DIR.glob("NP*.md"))
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")


def _page(rule):
    return parse_page((RULES_DIR / page_filename(rule)).read_text(encoding="utf-8"))


def write_workspace(page, section: str, folder: Path) -> list[Path]:
    """The section's yaml blocks as files in folder; returns the files written."""
    blocks = [b for b in page.blocks(section) if b.language in ("yaml", "yml", "json")]
    written = []
    for number, block in enumerate(blocks, 1):
        name = block.title or f"example-{number}.{'json' if block.language == 'json' else 'yaml'}"
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.code, encoding="utf-8")
        written.append(target)
    return written


def run_section(rule, section: str, folder: Path):
    page = _page(rule)
    files = write_workspace(page, section, folder)
    assert any(f.name != CONFIG_NAME for f in files), f"{section} of {rule.ID} has no yaml block"
    config_path = folder / CONFIG_NAME
    config = load_config(config_path if config_path.is_file() else None)
    assert not config.problems, f"{section} of {rule.ID}: bad configuration {config.problems}"
    if not enabled_by_default(rule):
        config.rules.setdefault(rule.ID, str(rule.SEVERITY))  # the page shows it switched on
    loaded = load_paths([str(folder)], config)
    return analyze_checked(loaded.workspace)  # as check does: Kustomize roots rendered


def describe(findings) -> str:
    return "\n".join(f"{f.path}:{f.span.start_line + 1}: {f.rule} {f.message}" for f in findings)


# --- pages and registry agree ---------------------------------------------------------------

def test_every_rule_has_a_page_and_every_page_a_rule():
    expected = {page_filename(rule) for rule in RULES}
    present = {p.name for p in PAGES}
    assert expected - present == set(), "rules without a page"
    assert present - expected == set(), "pages without a rule (or named differently from ID-name.md)"


def test_the_package_reads_the_pages_through_its_data_folder():
    for rule in RULES:
        path = rule_page_path(rule.ID)
        assert path is not None and path.is_file(), rule.ID
        assert path.resolve() == (RULES_DIR / page_filename(rule)).resolve()
        assert rule_url(rule.ID) == path.resolve().as_uri()
        assert rule_url(rule.NAME) == rule_url(rule.ID)
    assert rule_url("NP999") is None


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_page_layout_matches_the_module(rule):
    page = _page(rule)
    assert page.title == f"{rule.ID} {rule.NAME}"
    assert normalize_summary(page.summary) == normalize_summary(rule.SUMMARY), \
        "the line under the title must be the module's SUMMARY"
    assert f"Default severity: {rule.SEVERITY}." in page.default_line
    assert ("Off by default" in page.default_line) == (not enabled_by_default(rule))
    for heading in SECTIONS:
        assert page.sections.get(heading, "").strip(), f"section '{heading}' is missing or empty"
    assert list(page.sections)[:len(SECTIONS)] == list(SECTIONS), "sections in ruff's order"


# --- the examples -----------------------------------------------------------------------------

@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_failing_example_yields_exactly_its_rule(rule, tmp_path):
    found = run_section(rule, "Example", tmp_path)
    assert found, f"the failing example of {rule.ID} yields nothing"
    assert {f.rule for f in found} == {rule.ID}, describe(found)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_passing_example_is_silent(rule, tmp_path):
    found = run_section(rule, "Use instead", tmp_path)
    assert found == [], describe(found)


# --- netpol-lsp rules ---------------------------------------------------------------------------

def _cli(capsys, *args):
    from netpol_lsp.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_lists_every_rule_with_severity_and_summary(capsys):
    code, out, err = _cli(capsys, "rules")
    assert code == 0, err
    lines = out.splitlines()
    for rule in RULES:
        line = next(l for l in lines if l.startswith(rule.ID + " "))
        assert rule.NAME in line and str(rule.SEVERITY) in line and rule.SUMMARY in line
        assert ("(off)" in line) == (not enabled_by_default(rule))


@pytest.mark.parametrize("key", ["NP020", "np020", "open-database-port"])
def test_rules_prints_one_page(key, capsys):
    code, out, err = _cli(capsys, "rules", key)
    assert code == 0, err
    assert out == (RULES_DIR / "NP020-open-database-port.md").read_text(encoding="utf-8")


def test_rules_unknown_is_a_usage_error(capsys):
    code, out, err = _cli(capsys, "rules", "NP999")
    assert code == 2
    assert "unknown rule 'NP999'" in err
    assert out == ""
