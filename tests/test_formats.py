"""CI formats of `netpol-lsp check`: SARIF 2.1.0 (validated against the official schema kept in
tests/data), GitHub Actions workflow commands, JUnit XML."""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netpol_lsp import __version__
from netpol_lsp.cli import main
from netpol_lsp.findings import Finding, Related, Severity
from netpol_lsp.report.github import escape_data, escape_property, render_github
from netpol_lsp.report.junit import render_junit
from netpol_lsp.report.sarif import fingerprint, render_sarif, sarif_log
from netpol_lsp.rules.docs import rule_page_text, rule_url
from netpol_lsp.rules.registry import RULES
from netpol_lsp.span import Span
from shop_db import DB, OPEN_POLICY

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def workspace_dir(tmp_path):
    old = os.getcwd()
    os.chdir(tmp_path)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "db.yaml").write_text(DB, encoding="utf-8")
    (tmp_path / "k8s" / "db policy.yaml").write_text(OPEN_POLICY, encoding="utf-8")  # a space in the name
    (tmp_path / "k8s" / "api.yaml").write_text(DB.replace("name: db", "name: api").replace("app: db", "app: api")
                                               .replace("containerPort: 5432", "containerPort: 8080")
                                               .replace("postgres:16", "example/api:1"), encoding="utf-8")
    (tmp_path / "k8s" / "broken.yaml").write_text("kind: [\n", encoding="utf-8")
    (tmp_path / ".netpol-lsp.yaml").write_text("cni: flanel\n", encoding="utf-8")
    yield tmp_path
    os.chdir(old)


def run(capsys, *args) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


def sample_findings() -> list[Finding]:
    return [
        Finding("NP020", "open-database-port", Severity.WARNING, "TCP 5432 is open: 100% of pods, a,b: c",
                "k8s/policy.yaml", Span(11, 4, 11, 8),
                [Related("k8s/db.yaml", Span(1, 6, 1, 17), "the database"),
                 Related("k8s/db.yaml", Span(1, 6, 1, 17), "the database")]),
        Finding("NP010", "implicit-policy-types", Severity.INFO, "line one\nline two\r\nend", "k8s/a,b:c.yaml",
                Span(5, 0, 5, 0)),
        Finding("NP041", "invalid-port-range", Severity.ERROR, "endPort below port", "k8s/policy.yaml",
                Span(20, 8, 20, 15)),
    ]


# --- SARIF ----------------------------------------------------------------------------------------

def test_the_stored_schema_is_the_sarif_2_1_0_schema():
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    assert {"result", "reportingDescriptor", "region", "location", "run"} <= set(SCHEMA["definitions"])


def test_sarif_of_a_real_check_is_valid(workspace_dir, capsys):
    code, out = run(capsys, "--format", "sarif", "k8s")
    assert code == 1
    log = json.loads(out)
    VALIDATOR.validate(log)
    (run_,) = log["runs"]
    rule_ids = {r["ruleId"] for r in run_["results"]}
    assert {"NP020", "NP090", "NP060"} <= rule_ids  # NP060: the bad config, on the config file
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]}
    assert "k8s/db%20policy.yaml" in uris and ".netpol-lsp.yaml" in uris


def test_sarif_validates_with_every_kind_of_finding():
    VALIDATOR.validate(sarif_log(sample_findings()))
    VALIDATOR.validate(sarif_log([]))


def test_sarif_tool_and_rules():
    log = sarif_log(sample_findings())
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "netpol-lsp" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [r.ID for r in RULES]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for descriptor, rule in zip(driver["rules"], RULES):
        assert descriptor["name"] == rule.NAME
        assert descriptor["shortDescription"]["text"].lower().startswith(rule.SUMMARY[:20].lower())
        assert descriptor["fullDescription"]["text"]
        assert descriptor["help"]["markdown"] == rule_page_text(rule.ID)
        assert descriptor["help"]["text"]
        assert descriptor["helpUri"] == rule_url(rule.ID)
        assert descriptor["defaultConfiguration"]["level"] == levels[str(rule.SEVERITY)]
    assert log["runs"][0]["columnKind"] == "utf16CodeUnits"


def test_sarif_results():
    log = sarif_log(sample_findings())
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run_["results"]}
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    np020 = by_rule["NP020"]
    assert np020["level"] == "warning" and by_rule["NP010"]["level"] == "note" and by_rule["NP041"]["level"] == "error"
    assert np020["message"]["text"].startswith("TCP 5432")
    location = np020["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "k8s/policy.yaml"
    assert location["region"] == {"startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 9}
    (related,) = np020["relatedLocations"]  # the duplicate is dropped: relatedLocations are unique
    assert related["message"]["text"] == "the database"
    assert related["physicalLocation"]["region"]["startLine"] == 2
    assert set(np020["partialFingerprints"]) == {"primaryLocationLineHash"}


def _fingerprints(files: dict[str, str], capsys) -> dict[tuple[str, int], str]:
    for name, text in files.items():
        Path(name).write_text(text, encoding="utf-8")
    code, out = run(capsys, "--format", "sarif", ".")
    results = json.loads(out)["runs"][0]["results"]
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]):
            r["partialFingerprints"]["primaryLocationLineHash"] for r in results}


def test_fingerprints_follow_a_finding_when_lines_move(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = _fingerprints({"db.yaml": DB, "policy.yaml": OPEN_POLICY}, capsys)
    moved = "# a comment\n# and another\n" + OPEN_POLICY
    after = _fingerprints({"db.yaml": DB, "policy.yaml": moved}, capsys)
    assert list(before) == [("NP020", 12)] and list(after) == [("NP020", 14)]
    assert before[("NP020", 12)] == after[("NP020", 14)]  # the line number is not part of it


def test_fingerprints_differ_by_rule_path_text_and_occurrence():
    base = fingerprint("NP020", "a.yaml", "- from:", 1)
    assert base == fingerprint("NP020", "a.yaml", "- from:", 1)
    assert len({base, fingerprint("NP021", "a.yaml", "- from:", 1), fingerprint("NP020", "b.yaml", "- from:", 1),
                fingerprint("NP020", "a.yaml", "- to:", 1), fingerprint("NP020", "a.yaml", "- from:", 2)}) == 5


def test_identical_lines_get_distinct_fingerprints(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    twice = OPEN_POLICY + "---\n" + OPEN_POLICY.replace("name: db-ingress", "name: db-ingress-2").replace(
        "- namespaceSelector: {}", "- ipBlock:\n        cidr: 0.0.0.0/0")
    prints = _fingerprints({"db.yaml": DB, "policy.yaml": twice}, capsys)
    np020 = [v for (rule, _), v in prints.items() if rule == "NP020"]
    assert len(np020) == 2 and len(set(np020)) == 2
    assert sorted(p.rsplit(":", 1)[1] for p in np020) == ["1", "2"]


def test_sarif_paths_outside_the_current_folder_are_file_uris(tmp_path):
    outside = str(tmp_path.parent / "elsewhere" / "x.yaml")
    finding = Finding("NP090", "yaml-syntax", Severity.ERROR, "bad", outside, Span(0, 0, 0, 1))
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        log = sarif_log([finding])
    finally:
        os.chdir(old)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///")
    VALIDATOR.validate(log)


def test_render_sarif_is_json_text():
    text = render_sarif(sample_findings())
    assert text.endswith("\n") and json.loads(text)["version"] == "2.1.0"


# --- GitHub workflow commands -----------------------------------------------------------------------

def test_github_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_commands():
    lines = render_github(sample_findings()).splitlines()
    assert len(lines) == 3
    by_level = {line.split(" ", 1)[0]: line for line in lines}
    assert set(by_level) == {"::warning", "::notice", "::error"}
    warning = by_level["::warning"]
    head, message = warning[2:].split("::", 1)
    assert head == ("warning file=k8s/policy.yaml,line=12,col=5,endLine=12,endColumn=9,"
                    "title=NP020 open-database-port")
    assert message.startswith("TCP 5432 is open: 100%25 of pods, a,b: c%0A  k8s/db.yaml:2:7: the database")
    notice = by_level["::notice"]
    assert "file=k8s/a%2Cb%3Ac.yaml,line=6,col=1,title=NP010 implicit-policy-types::" in notice
    assert "endLine" not in notice  # an empty span has no end
    assert notice.endswith("::line one%0Aline two%0D%0Aend")


def test_github_format_from_check(workspace_dir, capsys):
    code, out = run(capsys, "--format", "github", str(workspace_dir / "k8s"))
    assert code == 1
    lines = out.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert any("file=k8s/db policy.yaml," in line for line in lines)  # absolute paths made relative


# --- JUnit ------------------------------------------------------------------------------------------

def test_junit_parses_and_counts(workspace_dir, capsys):
    code, out = run(capsys, "--format", "junit", "k8s")
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    names = [c.get("name") for c in cases]
    assert names == sorted(names)
    assert {"k8s/api.yaml", "k8s/db.yaml", "k8s/db policy.yaml", "k8s/broken.yaml"} <= set(names)
    failures = [f for c in cases for f in c.findall("failure")]
    assert int(suite.get("failures")) == len(failures) == int(root.get("failures"))
    assert int(suite.get("tests")) == len(cases)
    by_name = {c.get("name"): c for c in cases}
    assert by_name["k8s/api.yaml"].findall("failure") == []  # a clean file passes
    (np090,) = by_name["k8s/broken.yaml"].findall("failure")
    assert np090.get("type") == "NP090" and np090.text.startswith("k8s/broken.yaml:")


def test_junit_threshold_and_escaping():
    text = render_junit(sample_findings() + [
        Finding("NP001", "x", Severity.WARNING, "<&> \x01 \"quoted\"", "z.yaml", Span(0, 0, 0, 1))],
        files=["k8s/policy.yaml", "clean.yaml"], fail_on="error")
    root = ET.fromstring(text)
    suite = root.find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"k8s/policy.yaml", "clean.yaml", "k8s/a,b:c.yaml", "z.yaml"}
    assert suite.get("failures") == "1"  # only the error fails with --fail-on error
    (failure,) = cases["k8s/policy.yaml"].findall("failure")
    assert failure.get("type") == "NP041"
    assert "NP020" in cases["k8s/policy.yaml"].find("system-out").text
    assert "<&> \ufffd \"quoted\"" in cases["z.yaml"].find("system-out").text


# --- CI files -----------------------------------------------------------------------------------------

def test_pre_commit_hook():
    import re

    import yaml

    root = Path(__file__).resolve().parent.parent
    hook, *_others = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))  # diff's: test_diff
    assert hook["id"] == "netpol-lsp" and hook["entry"] == "netpol-lsp check" and hook["language"] == "python"
    pattern = re.compile(hook["files"])
    assert all(pattern.search(name) for name in ("a.yaml", "k8s/b.yml", "c.json"))
    assert not any(pattern.search(name) for name in ("README.md", "x.yaml.bak", "main.py"))
    ci = (root / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "github/codeql-action/upload-sarif" in ci and "--format sarif" in ci and "id: netpol-lsp" in ci


# -- --format json: written a finding at a time, as json.dumps(indent=2) writes the document --

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # any character, escapes included
_SPAN = st.builds(Span, *[st.integers(0, 10**6)] * 4)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.builds(Finding, _TEXT, _TEXT, st.sampled_from(list(Severity)), _TEXT, _TEXT, _SPAN,
                          st.lists(st.builds(Related, _TEXT, _SPAN, _TEXT), max_size=3)), max_size=4),
       st.integers(0, 10**5), st.integers(0, 10**5))
def test_the_json_report_is_what_json_dumps_writes(findings, files, documents):
    from netpol_lsp.report.findings_json import finding_dict, render_json

    expected = {"version": 1, "findings": [finding_dict(f) for f in findings],
                "summary": {"files": files, "documents": documents, "skippedDocuments": 0, "skippedFiles": 0,
                            "findings": len(findings)}}
    assert render_json(findings, {"files": files, "documents": documents}) == json.dumps(expected, indent=2) + "\n"
