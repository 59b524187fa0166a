"""`.netpol-lsp.yaml`: found next to or above the checked path, or given with --config; every
key does what the README says; a bad value is a finding on the configuration file and only that
value falls back to its default."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from netpol_lsp.cli import main
from netpol_lsp.config import DEFAULT_DATABASE_PORTS, Config, parse_config
from netpol_lsp.loader import load_paths

DB = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: example/db:1
        ports:
        - containerPort: {port}
"""

NS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def check(capsys, *args) -> tuple[int, list[dict]]:
    code = main(["check", "--format", "json", "--fail-on", "info", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)["findings"]


def rules_in(findings) -> list[str]:
    return sorted(f["rule"] for f in findings)


@pytest.fixture
def cwd(tmp_path):
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


# --- where the configuration comes from ---------------------------------------------------------

def test_nearest_config_in_a_parent_folder_is_used(cwd, capsys):
    write(cwd, {".netpol-lsp.yaml": 'rules:\n  NP021: "off"\n', "deploy/app/db.yaml": DB.format(port=5432)})
    code, found = check(capsys, "deploy/app")
    assert (code, found) == (0, [])
    code, found = check(capsys, "deploy/app/db.yaml")  # a file: its folder's nearest config
    assert (code, found) == (0, [])


def test_config_in_the_checked_folder_wins_over_a_parent(cwd, capsys):
    write(cwd, {".netpol-lsp.yaml": 'rules:\n  NP021: "off"\n', "app/.netpol-lsp.yaml": "cni: calico\n",
                "app/db.yaml": DB.format(port=5432)})
    code, found = check(capsys, "app")
    assert rules_in(found) == ["NP021"]


def test_explicit_config_file_wins(cwd, capsys):
    write(cwd, {".netpol-lsp.yaml": "cni: calico\n", "ci/strict.yaml": "rules:\n  database-not-isolated: error\n",
                "db.yaml": DB.format(port=5432)})
    code, found = check(capsys, "--config", "ci/strict.yaml", "db.yaml")
    assert [(f["rule"], f["severity"]) for f in found] == [("NP021", "error")]
    code, found = check(capsys, "db.yaml")
    assert [(f["rule"], f["severity"]) for f in found] == [("NP021", "warning")]


def test_missing_explicit_config_is_a_usage_error(cwd, capsys):
    write(cwd, {"db.yaml": DB.format(port=5432)})
    assert main(["check", "--config", "nope.yaml", "db.yaml"]) == 2
    assert "nope.yaml" in capsys.readouterr().err


# --- rules: off or a severity, by id or by name -----------------------------------------------------

@pytest.mark.parametrize("setting, expected", [
    ('NP021: "off"', []),
    ('database-not-isolated: "off"', []),
    ("np021: error", [("NP021", "error")]),
    ("database-not-isolated: info", [("NP021", "info")]),
    ("NP022: info", [("NP021", "warning"), ("NP022", "info"), ("NP022", "info")]),  # off by default: on
])
def test_rules_by_id_or_name(cwd, capsys, setting, expected):
    write(cwd, {".netpol-lsp.yaml": f"rules:\n  {setting}\n", "db.yaml": DB.format(port=5432)})
    code, found = check(capsys, ".")
    assert [(f["rule"], f["severity"]) for f in found] == expected


@pytest.mark.parametrize("switch, expected", [("off", []), ("false", []), ("no", []),
                                            ("on", ["NP021"]), ("true", ["NP021"])])
def test_bare_off_and_on_are_switches_not_errors(cwd, capsys, switch, expected):
    # the README's own example writes `NP010: off` unquoted: YAML 1.1 reads it as false
    write(cwd, {".netpol-lsp.yaml": f"rules:\n  NP021: {switch}\n", "db.yaml": DB.format(port=5432)})
    code, found = check(capsys, ".")
    assert rules_in(found) == expected


def test_unknown_rule_in_config_is_a_finding_on_its_key_and_the_rest_applies(cwd, capsys):
    write(cwd, {".netpol-lsp.yaml": 'rules:\n  NP021: "off"\n  open-db-port: "off"\n  NP999: error\n',
                "db.yaml": DB.format(port=5432)})
    code, found = check(capsys, ".")
    assert rules_in(found) == ["NP060", "NP060"]
    messages = {f["range"]["start"]["line"]: f["message"] for f in found}
    assert "unknown rule 'open-db-port'" in messages[3] and "did you mean open-database-port?" in messages[3]
    assert "unknown rule 'NP999'" in messages[4] and messages[4].endswith("(ignored)")
    assert all(f["path"] == ".netpol-lsp.yaml" for f in found)


def test_bad_severity_drops_only_that_entry():
    config = parse_config('rules:\n  NP021: warn\n  NP010: "off"\n', ".netpol-lsp.yaml")
    assert config.rules == {"NP010": "off"}
    (problem,) = config.problems
    assert problem.span.start_line == 1 and "warn" in problem.message


# --- databasePorts ------------------------------------------------------------------------------

@pytest.mark.parametrize("setting, port, flagged", [
    ("", 5432, True),
    ("", 8529, False),
    ("databasePorts: [8529]", 8529, True),               # a list adds
    ("databasePorts: [8529]", 5432, True),
    ("databasePorts: {add: [8529]}", 8529, True),
    ("databasePorts: {replace: [8529]}", 8529, True),    # replace: only these
    ("databasePorts: {replace: [8529]}", 5432, False),
])
def test_database_ports_add_or_replace(cwd, capsys, setting, port, flagged):
    write(cwd, {".netpol-lsp.yaml": setting + "\n", "db.yaml": DB.format(port=port)})
    code, found = check(capsys, ".")
    assert rules_in(found) == (["NP021"] if flagged else [])


def test_database_ports_parse():
    assert parse_config("databasePorts: [8529]").database_ports == tuple(sorted({*DEFAULT_DATABASE_PORTS, 8529}))
    assert parse_config("databasePorts: {replace: [8529, 7687]}").database_ports == (7687, 8529)
    bad = parse_config("databasePorts: [5432, 70000]", ".netpol-lsp.yaml")
    assert bad.database_ports == DEFAULT_DATABASE_PORTS and len(bad.problems) == 1


# --- exclude ------------------------------------------------------------------------------------

BROKEN = "apiVersion: v1\nkind: [\n"  # a YAML error: NP090 unless excluded


@pytest.mark.parametrize("pattern", ["legacy/**", "legacy", "legacy/", "**/old.yaml", "old.yaml",
                                     "legacy/*.yaml", "**/legacy/**"])
def test_exclude_globs(cwd, capsys, pattern):
    write(cwd, {".netpol-lsp.yaml": f"exclude:\n- '{pattern}'\n", "legacy/old.yaml": BROKEN,
                "current.yaml": NS})
    code, found = check(capsys, ".")
    assert found == [], pattern


def test_exclude_is_relative_to_the_config_folder(cwd, capsys):
    write(cwd, {".netpol-lsp.yaml": "exclude:\n- deploy/legacy/**\n", "deploy/legacy/old.yaml": BROKEN,
                "deploy/ns.yaml": NS})
    os.chdir(cwd / "deploy")
    code, found = check(capsys, ".")
    assert found == []
    os.chdir(cwd)
    code, found = check(capsys, "deploy")
    assert found == []


def test_exclude_keeps_what_it_does_not_match(cwd, capsys):
    write(cwd, {".netpol-lsp.yaml": "exclude:\n- '**/*.tmpl.yaml'\n", "a.tmpl.yaml": BROKEN, "b.yaml": BROKEN})
    code, found = check(capsys, ".")
    assert [(f["rule"], f["path"]) for f in found] == [("NP090", "b.yaml")]


# --- namespaces -----------------------------------------------------------------------------------

POLICY_TO_MONITORING = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-monitoring
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
"""


def test_assume_namespaces(cwd, capsys):
    write(cwd, {"ns.yaml": NS, "policy.yaml": POLICY_TO_MONITORING, "db.yaml": DB.format(port=8080)})
    code, found = check(capsys, ".")
    assert "NP003" in rules_in(found)  # monitoring is unknown (and so the peer matches nothing)
    write(cwd, {".netpol-lsp.yaml": "assumeNamespaces:\n  monitoring:\n    team: ops\n"})
    code, found = check(capsys, ".")
    assert found == []


def test_assumed_namespace_labels_resolve_selectors():
    config = parse_config("assumeNamespaces:\n  monitoring:\n    team: ops\n")
    assert config.assume_namespaces == {"monitoring": {"team": "ops"}}
    from netpol_lsp.workspace import Workspace

    workspace = Workspace(config)
    info = workspace.namespace("monitoring")
    assert info.assumed and info.labels == {"team": "ops", "kubernetes.io/metadata.name": "monitoring"}


def test_default_namespace(cwd, capsys):
    unnamespaced = POLICY_TO_MONITORING.replace("  namespace: shop\n", "").replace(
        "podSelector: {}", "podSelector:\n    matchLabels:\n      app: db")
    write(cwd, {"ns.yaml": NS, "policy.yaml": unnamespaced, "db.yaml": DB.format(port=8080),
                ".netpol-lsp.yaml": "assumeNamespaces:\n  monitoring: {}\n"})
    code, found = check(capsys, ".")
    assert rules_in(found) == ["NP001"]  # the policy lives in `default`, the db in shop
    write(cwd, {".netpol-lsp.yaml": "defaultNamespace: shop\nassumeNamespaces:\n  monitoring: {}\n"})
    code, found = check(capsys, ".")
    assert found == []


# --- a bad configuration -------------------------------------------------------------------------

@pytest.mark.parametrize("text, line", [
    ("cni: flanel\n", 1),
    ("defaultNamespace: Shop_1\n", 1),
    ("exclude: charts/\n", 1),
    ("unknownKey: 1\n", 1),
    ("rules:\n  NP020: [off]\n", 2),
    ("cni: [\n", 2),  # YAML syntax
])
def test_bad_config_is_a_finding_on_the_config_and_defaults_are_used(cwd, capsys, text, line):
    write(cwd, {".netpol-lsp.yaml": text, "db.yaml": DB.format(port=5432)})
    code, found = check(capsys, ".")
    problems = [f for f in found if f["path"] == ".netpol-lsp.yaml"]
    assert problems and all(f["rule"] == "NP060" and f["severity"] == "error" for f in problems)
    assert problems[0]["range"]["start"]["line"] == line
    assert "(the default is used)" in problems[0]["message"]
    assert [f["rule"] for f in found if f["path"] != ".netpol-lsp.yaml"] == ["NP021"]  # defaults: still checked
    assert code == 1


def test_bad_value_keeps_the_other_keys():
    config = parse_config("cni: flanel\ndefaultNamespace: shop\nexclude:\n- ok/**\n- 7\n", "c.yaml")
    assert config.cni is None and config.default_namespace == "shop"
    assert config.exclude == ["ok/**"]
    assert sorted(p.span.start_line for p in config.problems) == [0, 4]


def test_empty_or_comment_only_config_is_the_defaults():
    for text in ("", "# nothing here\n", "---\n"):
        config = parse_config(text, "c.yaml")
        assert config.problems == [] and config.rules == {} and config.database_ports == DEFAULT_DATABASE_PORTS


def test_config_must_be_a_mapping():
    config = parse_config("- cni: calico\n", "c.yaml")
    assert config.cni is None and len(config.problems) == 1


def test_loader_uses_config_limits(tmp_path):
    write(tmp_path, {"big.yaml": NS + "#" * 200})
    loaded = load_paths([str(tmp_path)], parse_config("limits:\n  maxFileBytes: 100\n"))
    (source,) = loaded.workspace.files.values()
    assert source.skipped and "limit" in source.parse_problems[0].message
    assert Config().limits.max_file_bytes > 100
