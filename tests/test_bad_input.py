"""Bad input becomes findings at positions, never a crash; `check` exits 2 only for unreadable paths."""
import json
import subprocess
import sys

from netpol_lsp.cli import main
from netpol_lsp.config import Config
from netpol_lsp.loader import source_from_bytes

WRONG_TYPES = b"""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: [not, a, string]
  namespace: {a: b}
  labels: [x]
spec:
  podSelector: "everything"
  policyTypes: Ingress
  ingress:
    from: nobody
  egress:
  - to: 7
    ports:
    - port: [80]
      protocol: 6
      endPort: "high"
  - to:
    - ipBlock: 10.0.0.0/8
    - podSelector:
        matchLabels: [app, web]
        matchExpressions: {key: a}
    - namespaceSelector:
        matchExpressions:
        - key: team
          operator: Equals
          values: x
"""


def check_json(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    good = tmp_path / "good.yaml"
    good.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fine\n")
    code, out = run_cli(["check", "--format", "json", str(tmp_path)])
    return code, json.loads(out)


def run_cli(argv):
    proc = subprocess.run([sys.executable, "-m", "netpol_lsp", *argv], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout


def of(report, name):
    return [(f["rule"], f["range"]["start"]["line"]) for f in report["findings"] if f["path"].endswith(name)]


def test_half_typed_document(tmp_path):
    code, report = check_json(tmp_path, "half.yaml", b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: [\n")
    assert of(report, "half.yaml") == [("NP090", 7)]
    assert report["summary"]["files"] == 2 and code == 1


def test_tabs_for_indentation(tmp_path):
    code, report = check_json(tmp_path, "tabs.yaml", b"apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: x\n")
    found = [f for f in report["findings"] if f["path"].endswith("tabs.yaml")]
    assert [(f["rule"], f["range"]["start"]["line"]) for f in found] == [("NP090", 4)]
    assert "tabs" in found[0]["message"]


def test_binary_file_is_skipped_with_reason(tmp_path):
    code, report = check_json(tmp_path, "blob.yaml", bytes(range(256)) * 4)
    found = [f for f in report["findings"] if f["path"].endswith("blob.yaml")]
    assert [(f["rule"], f["severity"]) for f in found] == [("NP091", "info")]
    assert "binary" in found[0]["message"] and code == 0


def test_invalid_utf8_reported_at_the_byte(tmp_path):
    code, report = check_json(tmp_path, "latin1.yaml", b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: caf\xe9\n")
    found = [f for f in report["findings"] if f["path"].endswith("latin1.yaml")]
    assert [(f["rule"], f["range"]["start"]["line"], f["range"]["start"]["column"]) for f in found] == [("NP090", 4, 12)]


def test_empty_file_is_silent(tmp_path):
    code, report = check_json(tmp_path, "empty.yaml", b"")
    assert of(report, "empty.yaml") == [] and code == 0


def test_wrong_type_in_every_field(tmp_path):
    source = source_from_bytes("wrong.yaml", WRONG_TYPES, Config())
    assert source.objects  # the policy is still built from what makes sense
    code, report = check_json(tmp_path, "wrong.yaml", WRONG_TYPES)
    lines = {line for rule, line in of(report, "wrong.yaml") if rule == "NP060"}
    # every wrong field is named at its own line: name, namespace, labels, podSelector, policyTypes,
    # ingress, to, port, protocol, endPort, ipBlock, matchLabels, matchExpressions, operator, values
    for expected in (4, 5, 6, 8, 9, 10, 13, 15, 16, 17, 19, 21, 22, 26, 27):
        assert expected in lines, (expected, sorted(lines))


def test_unreadable_path_named_by_the_user_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "netpol_lsp", "check", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("netpol-lsp: ") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_rule_is_a_usage_error(tmp_path, capsys):
    assert main(["check", "--select", "NP999", str(tmp_path)]) == 2
    assert "unknown rule 'NP999'" in capsys.readouterr().err


def test_unreadable_file_inside_a_folder_is_skipped(tmp_path, monkeypatch, capsys):
    # CI runs as root, which reads any file: simulate the permission error the loader would meet
    from netpol_lsp import loader

    (tmp_path / "secret.yaml").write_text("kind: x\n")
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    real_open = open

    def guarded(path, *args, **kwargs):
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(loader, "open", guarded, raising=False)
    assert main(["check", "--format", "json", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["message"]) for f in report["findings"]] == [
        ("NP091", "skipped: cannot read it (Permission denied)")]
    assert report["summary"]["files"] == 2


def test_fail_on_threshold_and_exit_codes(tmp_path):
    (tmp_path / "p.yaml").write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
                                     "spec:\n  podSelector: {}\n")
    # only NP010 (info): clean at the default threshold, failing with --fail-on info
    assert run_cli(["check", str(tmp_path)])[0] == 0
    assert run_cli(["check", "--fail-on", "info", str(tmp_path)])[0] == 1
    assert run_cli(["check", "--fail-on", "never", "--format", "json", str(tmp_path)])[0] == 0
