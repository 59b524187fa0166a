"""Suppressions in the manifests: a comment on the line or the line above, a comment for the
whole document, an annotation on an object; and NP099 for the ones that suppress nothing."""
from __future__ import annotations

import pytest

from conftest import findings_of, make_workspace
from netpol_lsp.analysis.run import analyze
from netpol_lsp.analysis.suppress import scan
from netpol_lsp.config import Config, parse_config
from netpol_lsp.findings import Severity
from shop_db import DB, OPEN_POLICY

FROM_LINE = 11  # 0-based line of `- from:`: where NP020 is anchored (the `from` key)


def rules(found):
    return [f.rule for f in found]


def with_line(text: str, line: int, comment: str, trailing: bool = False) -> str:
    lines = text.split("\n")
    if trailing:
        lines[line] += "  " + comment
    else:
        indent = len(lines[line]) - len(lines[line].lstrip())
        lines.insert(line, " " * indent + comment)
    return "\n".join(lines)


def test_the_unsuppressed_finding():
    found = findings_of({"db.yaml": DB, "policy.yaml": OPEN_POLICY})
    assert rules(found) == ["NP020"]
    assert found[0].span.start_line == FROM_LINE


def test_comment_on_the_line_above():
    policy = with_line(OPEN_POLICY, FROM_LINE, "# netpol-lsp: disable=NP020")
    assert findings_of({"db.yaml": DB, "policy.yaml": policy}) == []


def test_trailing_comment_on_the_same_line():
    policy = with_line(OPEN_POLICY, FROM_LINE, "# netpol-lsp: disable=open-database-port", trailing=True)
    assert findings_of({"db.yaml": DB, "policy.yaml": policy}) == []


def test_ids_and_names_mixed_with_a_reason():
    policy = with_line(OPEN_POLICY, FROM_LINE,
                       "# netpol-lsp: disable=NP002, open-database-port the backup job needs it (OPS-12)")
    found = findings_of({"db.yaml": DB, "policy.yaml": policy})
    assert rules(found) == ["NP099"]  # NP002 matched nothing; the reason text is not a rule
    assert "NP002" in found[0].message


def test_a_comment_two_lines_above_does_not_count():
    lines = OPEN_POLICY.split("\n")
    lines.insert(FROM_LINE - 1, "  # netpol-lsp: disable=NP020")
    found = findings_of({"db.yaml": DB, "policy.yaml": "\n".join(lines)})
    assert sorted(rules(found)) == ["NP020", "NP099"]


def test_disable_file_covers_its_document_only():
    second = OPEN_POLICY.replace("db-ingress", "db-ingress-2").replace(
        "- namespaceSelector: {}", "- ipBlock:\n        cidr: 0.0.0.0/0")
    two_docs = OPEN_POLICY + "---\n" + second
    lines = two_docs.split("\n")
    lines.insert(3, "# netpol-lsp: disable-file=NP020")
    found = findings_of({"db.yaml": DB, "policy.yaml": "\n".join(lines)})
    assert rules(found) == ["NP020"]
    assert found[0].span.start_line > len(OPEN_POLICY.split("\n"))  # the second document's


def test_disable_file_at_the_end_of_a_document():
    policy = OPEN_POLICY + "# netpol-lsp: disable-file=NP020\n"
    assert findings_of({"db.yaml": DB, "policy.yaml": policy}) == []


def test_annotation_on_the_object():
    policy = OPEN_POLICY.replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n"
                                 "    netpol-lsp.io/disable: \"NP020,NP021\"\n", 1)
    found = findings_of({"db.yaml": DB, "policy.yaml": policy})
    assert rules(found) == ["NP099"]  # NP021 found nothing in the policy's document
    assert "NP021" in found[0].message
    assert found[0].span.start_line == 6  # the annotation's value


def test_annotation_on_a_workload():
    db = DB.replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n"
                    "    netpol-lsp.io/disable: database-not-isolated\n", 1)
    assert findings_of({"db.yaml": db}) == []
    assert rules(findings_of({"db.yaml": DB})) == ["NP021"]


# --- NP099 unused-suppression ------------------------------------------------------------------

NAMESPACE = "apiVersion: v1\nkind: Namespace  # netpol-lsp: disable=NP001\nmetadata:\n  name: shop\n"


def test_unused_suppression_is_reported_on_the_rule_id():
    (found,) = findings_of({"ns.yaml": NAMESPACE})
    assert found.rule == "NP099" and found.name == "unused-suppression"
    assert found.severity == Severity.INFO
    assert found.path == "ns.yaml"
    line = NAMESPACE.split("\n")[1]
    assert found.span == (1, line.index("NP001"), 1, line.index("NP001") + 5)
    assert "NP001 (unmatched-pod-selector)" in found.message


def test_only_the_unused_id_of_a_list_is_reported():
    policy = with_line(OPEN_POLICY, FROM_LINE, "# netpol-lsp: disable=NP020,NP004")
    (found,) = findings_of({"db.yaml": DB, "policy.yaml": policy})
    assert found.rule == "NP099" and "NP004" in found.message
    text = policy.split("\n")[FROM_LINE]
    assert found.span.start_col == text.index("NP004")


def test_unknown_rule_in_a_suppression_is_reported():
    policy = with_line(OPEN_POLICY, FROM_LINE, "# netpol-lsp: disable=NP02O")
    found = findings_of({"db.yaml": DB, "policy.yaml": policy})
    assert sorted(rules(found)) == ["NP020", "NP099"]
    unused = next(f for f in found if f.rule == "NP099")
    assert "'NP02O' is not a rule" in unused.message


def test_suppression_of_a_rule_that_did_not_run_is_not_judged():
    policy = with_line(OPEN_POLICY, FROM_LINE, "# netpol-lsp: disable=NP020,NP022")  # NP022 is off by default
    assert findings_of({"db.yaml": DB, "policy.yaml": policy}) == []
    config = Config(rules={"NP020": "off"})
    assert findings_of({"db.yaml": DB, "policy.yaml": policy}, config) == []
    assert findings_of({"db.yaml": DB, "policy.yaml": policy}, select=["NP021"]) == []


def test_np099_can_be_selected_ignored_and_configured():
    db = DB.replace("kind: StatefulSet", "kind: StatefulSet  # netpol-lsp: disable=NP001")
    files = {"db.yaml": db}
    assert "NP099" in rules(findings_of(files))
    assert "NP099" not in rules(findings_of(files, ignore=["unused-suppression"]))
    assert "NP099" not in rules(findings_of(files, Config(rules={"NP099": "off"})))
    (found,) = [f for f in findings_of(files, parse_config("rules:\n  NP099: warning\n")) if f.rule == "NP099"]
    assert found.severity == Severity.WARNING
    assert rules(findings_of(files, select=["NP099"])) == []  # NP001 did not run: nothing to judge


def test_disable_file_np099_silences_unused_suppressions():
    db = DB.replace("kind: StatefulSet", "kind: StatefulSet  # netpol-lsp: disable=NP001") + \
        "# netpol-lsp: disable-file=NP099\n"
    assert "NP099" not in rules(findings_of({"db.yaml": db}))


def test_two_suppressions_of_one_finding_are_both_used():
    policy = with_line(OPEN_POLICY, FROM_LINE, "# netpol-lsp: disable=NP020")
    policy = with_line(policy, FROM_LINE + 1, "# netpol-lsp: disable=NP020", trailing=True)
    assert findings_of({"db.yaml": DB, "policy.yaml": policy}) == []


def test_suppression_columns_are_utf16():
    text = NAMESPACE.replace("  name: shop\n", "  name: shop\n  annotations:\n"
                             "    note: \"\U0001F512 locked\"  # netpol-lsp: disable=NP001\n")
    text = text.replace("  # netpol-lsp: disable=NP001", "", 1)  # only the one after the emoji
    (found,) = findings_of({"ns.yaml": text})
    line = text.split("\n")[5]
    assert found.rule == "NP099" and found.span.start_line == 5
    assert found.span.start_col == line.index("NP001") + 1  # the emoji is two UTF-16 units


def test_text_in_strings_is_not_a_suppression():
    db = DB.replace("image: postgres:16", "image: \"postgres:16#netpol-lsp: disable=NP021\"")
    assert rules(findings_of({"db.yaml": db})) == ["NP021"]


def test_scan_lists_every_suppression():
    text = "# netpol-lsp: disable-file=NP001\nkind: Namespace  # netpol-lsp: disable=NP002,bogus\n" \
           "metadata:\n  name: x\n"
    workspace = make_workspace({"a.yaml": text})
    found = scan(workspace.files["a.yaml"])
    assert [(s.kind, s.token, s.rule_id) for s in found] == [
        ("file", "NP001", "NP001"), ("line", "NP002", "NP002"), ("line", "bogus", None)]
    assert (found[1].first_line, found[1].last_line) == (1, 1)  # where it is written


# three-tier-broken's db-policy: NP020 lands on `- from:` (line 16, 0-based 15) and its message
# quotes the peer on the next line; people put the comment at the end of that peer
OPEN_DB = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-open, namespace: shop}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {}{peer}
      ports:
        - {protocol: TCP, port: 3306}{port}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {role: db}}
  template:
    metadata: {labels: {role: db}}
    spec: {containers: [{name: db, image: mysql:8, ports: [{containerPort: 3306}]}]}
"""
COMMENT = "  # netpol-lsp: disable=NP020 the backup job"


@pytest.mark.parametrize("peer, port, suppressed", [
    ("", "", False),
    (COMMENT, "", True),   # on the peer the message quotes: a line of the node the finding is about
    ("", COMMENT, False),  # the ports are not the node `from:` is about: an unused suppression
])
def test_a_comment_inside_the_node_a_finding_is_about_suppresses_it(peer, port, suppressed):
    text = OPEN_DB.replace("{peer}", peer).replace("{port}", port)
    found = findings_of({"db.yaml": text}, select=["NP020", "NP099"])
    assert sorted(rules(found)) == ([] if suppressed else ["NP020", "NP099"] if port else ["NP020"])


def test_a_comment_two_lines_above_a_one_line_finding_suppresses_nothing():
    text = OPEN_DB.replace("{peer}", "").replace("{port}", "").replace(
        "  ingress:\n", "  ingress:" + COMMENT + "\n  # a line between\n", 1)
    found = findings_of({"db.yaml": text}, select=["NP020", "NP099"])
    assert sorted(rules(found)) == ["NP020", "NP099"]


def test_suppressed_findings_do_not_fail_the_check(tmp_path, capsys):
    from netpol_lsp.cli import main

    (tmp_path / "db.yaml").write_text(DB.replace("kind: StatefulSet",
                                                 "kind: StatefulSet  # netpol-lsp: disable=NP021"))
    assert main(["check", str(tmp_path)]) == 0
    (tmp_path / "db.yaml").write_text(DB)
    assert main(["check", str(tmp_path)]) == 1
    capsys.readouterr()


def test_analyze_without_suppression_comments_is_unchanged():
    workspace = make_workspace({"db.yaml": DB, "policy.yaml": OPEN_POLICY})
    assert rules(analyze(workspace)) == ["NP020"]
