"""Never analyse less than the user believes: big bundles are read (64 MiB by default), what is
left out is a warning when it may hold a policy, a workload or a namespace, the summary counts
what was analysed and skipped, a run that found no Kubernetes object fails, a JSON stream is
several documents, and a YAML file that is no manifest never fails the run."""
from __future__ import annotations

import json
import textwrap

from netpol_lsp.cli import main
from netpol_lsp.config import Config, parse_config
from netpol_lsp.loader import load_paths
from netpol_lsp.manifests.sniff import WORKLOADS, relevant_kind
from netpol_lsp.model.objects import WORKLOAD_KINDS

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: shop}
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec: {containers: [{name: api, image: example/api:1}]}
    """)
TYPO_POLICY = textwrap.dedent("""\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: api, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: apii}}
      policyTypes: [Ingress]
    """)


def check(capsys, *argv):
    code = main(["check", "--no-cache", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def check_json(capsys, *argv):
    code, out, err = check(capsys, "--format", "json", *argv)
    return code, json.loads(out), err


# -- size ------------------------------------------------------------------------------------

def test_the_default_limit_reads_real_bundles():
    assert Config().limits.max_file_bytes >= 64 * 1024 * 1024


def test_a_20_mib_bundle_is_analysed_to_its_last_document(tmp_path, capsys):
    # 20 dashboards of 1 MiB each (the bulk of a rendered monitoring bundle), then the app
    dashboard = "    " + '{"expr": "sum(rate(x[5m]))", "legendFormat": "{{pod}}"},' * 18 + "\n"
    lines = dashboard * (1048576 // len(dashboard) + 1)
    configmaps = [f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash-{i}\n  namespace: shop\n"
                  f"data:\n  d.json: |\n{lines}" for i in range(20)]
    bundle = "---\n".join(configmaps + [NAMESPACE, DEPLOYMENT, TYPO_POLICY])
    (tmp_path / "bundle.yaml").write_text(bundle)
    assert (tmp_path / "bundle.yaml").stat().st_size > 20 * 1048576
    code, report, _ = check_json(capsys, tmp_path / "bundle.yaml")
    assert [f["rule"] for f in report["findings"]] == ["NP001"]
    assert report["findings"][0]["range"]["start"]["line"] == bundle.count("\n") - 1  # podSelector, 1-based
    assert report["summary"]["documents"] == 23 and report["summary"]["skippedFiles"] == 0
    assert code == 1


def test_past_the_limit_a_file_that_holds_a_policy_is_a_warning(tmp_path, capsys):
    (tmp_path / ".netpol-lsp.yaml").write_text("limits:\n  maxFileBytes: 1000\n")
    (tmp_path / "big.yaml").write_text("#" * 2000 + "\n---\n" + TYPO_POLICY)
    (tmp_path / "data.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + "#" * 2000 + "\n")
    (tmp_path / "ns.yaml").write_text(NAMESPACE)
    code, report, _ = check_json(capsys, tmp_path)
    found = {f["path"].rsplit("/", 1)[-1]: (f["rule"], f["severity"], f["message"]) for f in report["findings"]}
    assert found["big.yaml"][:2] == ("NP092", "warning")
    assert "larger than the 0.0 MiB limit" in found["big.yaml"][2] and "holds a NetworkPolicy" in found["big.yaml"][2]
    assert found["data.yaml"][:2] == ("NP091", "info")
    assert report["summary"]["skippedFiles"] == 2 and code == 1


def test_the_kind_is_seen_across_a_block_boundary(tmp_path):
    from netpol_lsp.manifests import sniff

    text = b"#" * (sniff._BLOCK - 5) + b"\nkind: Deployment\n"
    path = tmp_path / "x.yaml"
    path.write_bytes(text)
    with open(path, "rb") as handle:
        assert sniff.relevant_kind_in_stream(handle) == "Deployment"


def test_sniffed_kinds():
    assert set(WORKLOADS) == set(WORKLOAD_KINDS)
    assert relevant_kind('{"kind": "CiliumNetworkPolicy", "x": 1}') == "CiliumNetworkPolicy"
    assert relevant_kind("kind: PodDisruptionBudget\n") is None
    assert relevant_kind("  - kind: StatefulSet\n") == "StatefulSet"
    assert relevant_kind("kind: ConfigMap\ndata:\n  blurb: the kind: of thing\n") is None


# -- the summary and a run that checked nothing ------------------------------------------------

def test_summary_counts_documents_analysed_and_skipped(tmp_path, capsys):
    template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    (tmp_path / "app.yaml").write_text("---\n".join([NAMESPACE, template, DEPLOYMENT]))
    code, out, _ = check(capsys, tmp_path)
    assert out.splitlines()[-1] == ("1 finding (0 errors, 0 warnings, 1 info) in 1 file, 2 documents, "
                                    "1 document skipped")
    code, report, _ = check_json(capsys, tmp_path)
    assert report["summary"] == {"files": 1, "documents": 2, "skippedDocuments": 1, "skippedFiles": 0,
                                 "findings": 1}
    assert code == 0


def test_no_kubernetes_object_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "mkdocs.yml").write_text("site_name: docs\nnav:\n- Home: index.md\n")
    (tmp_path / "policy.yaml").write_text(TYPO_POLICY.replace("name: api,", "name: {{ .Release.Name }},"))
    code, out, err = check(capsys, tmp_path)
    assert code == 2
    assert err.startswith("netpol-lsp: no Kubernetes object (a document with apiVersion and kind) in ")
    assert err.rstrip().endswith("nothing was checked (2 files read, 1 document skipped)")
    assert "warning[NP092]" in out  # the findings are still printed
    code, _, _ = check(capsys, "--fail-on", "never", tmp_path)
    assert code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = check(capsys, empty)
    assert code == 2 and "no manifest file (*.yaml, *.yml, *.json) in" in err


def test_connectivity_and_explain_on_nothing_are_usage_errors(tmp_path, capsys):
    # an empty answer would read as "no connection is allowed" / "nothing to explain"
    (tmp_path / "mkdocs.yml").write_text("site_name: docs\n")
    for command in ("connectivity", "explain"):
        code = main([command, "--no-cache", str(tmp_path)])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert err.strip() == (f"netpol-lsp: no Kubernetes object (a document with apiVersion and kind) in "
                               f"{tmp_path}: nothing was checked (1 file read)")
    (tmp_path / "ns.yaml").write_text(NAMESPACE)  # one object: an answer, exit 0
    assert main(["explain", "--no-cache", str(tmp_path)]) == 0


# -- streams and non-manifests -----------------------------------------------------------------

def test_concatenated_json_objects_are_several_documents(tmp_path, capsys):
    def one_line(text):
        return json.dumps(__import__("yaml").safe_load(text))
    stream = one_line(NAMESPACE) + one_line(DEPLOYMENT) + "\n" + one_line(TYPO_POLICY) + "\n"
    (tmp_path / "stream.json").write_text(stream)
    loaded = load_paths([str(tmp_path)], Config())
    source = loaded.workspace.files[str(tmp_path / "stream.json")]
    assert [(o.kind, o.name) for o in source.objects] == [("Namespace", "shop"), ("Deployment", "api"),
                                                         ("NetworkPolicy", "api")]
    code, report, _ = check_json(capsys, tmp_path)
    (found,) = report["findings"]
    # the typo on the second line of the file, at the column of "podSelector"'s value in it
    assert found["rule"] == "NP001" and found["range"]["start"]["line"] == 2
    assert stream.split("\n")[1][found["range"]["start"]["column"] - 1:].startswith('"podSelector"')
    assert report["summary"]["documents"] == 3 and code == 1


def test_a_yaml_file_that_is_no_manifest_never_fails_the_run(tmp_path, capsys):
    (tmp_path / "mkdocs.yml").write_text("site_name: docs\ntheme: material\nsite_name: again\n")
    (tmp_path / "broken.yml").write_text("jobs:\n  test: [unclosed\n")
    (tmp_path / "app.yaml").write_text("---\n".join([NAMESPACE, DEPLOYMENT]))
    code, report, _ = check_json(capsys, tmp_path)
    found = sorted((f["path"].rsplit("/", 1)[-1], f["rule"], f["severity"]) for f in report["findings"])
    assert found == [("broken.yml", "NP090", "info"), ("mkdocs.yml", "NP090", "info")]
    assert code == 0
    # the same duplicate key in a manifest is still a warning
    (tmp_path / "mkdocs.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nkind: ConfigMap\n")
    code, report, _ = check_json(capsys, tmp_path)
    assert ("mkdocs.yml", "warning") in [(f["path"].rsplit("/", 1)[-1], f["severity"]) for f in report["findings"]]


def test_large_files_are_read_in_place_and_in_order(tmp_path, monkeypatch):
    from netpol_lsp import bulk

    monkeypatch.setattr(bulk, "LARGE_FILE_BYTES", 200)  # DEPLOYMENT is larger, the others not
    (tmp_path / "a-ns.yaml").write_text(NAMESPACE)
    (tmp_path / "b-app.yaml").write_text(DEPLOYMENT)
    (tmp_path / "c-policy.yaml").write_text(TYPO_POLICY.replace("apii", "api"))
    loaded = load_paths([str(tmp_path)], Config(), jobs=2)
    assert [(o.kind, o.path.rsplit("/", 1)[-1]) for o in loaded.workspace.objects()] == [
        ("Namespace", "a-ns.yaml"), ("Deployment", "b-app.yaml"), ("NetworkPolicy", "c-policy.yaml")]
    assert loaded.documents == 3 and loaded.manifests == 3
