"""A folder with its own .netpol-lsp.yaml is its own workspace (its own cluster) wherever it is
found: a file gets the same findings whichever folder above it was checked."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from netpol_lsp.cli import main

ROOT = Path(__file__).resolve().parents[1]


def check_json(capsys, *paths) -> tuple[int, list[tuple]]:
    code = main(["check", "--format", "json", *map(str, paths)])
    report = json.loads(capsys.readouterr().out)
    found = [(Path(f["path"]).resolve(), f["rule"], f["range"]["start"]["line"], f["message"])
             for f in report["findings"]]
    return code, sorted(found)


def test_the_examples_give_the_same_findings_from_any_folder(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    _, together = check_json(capsys, "examples")
    _, broken = check_json(capsys, "examples/three-tier-broken")
    _, fixed = check_json(capsys, "examples/three-tier")
    assert together == sorted(broken + fixed)
    assert fixed == []  # three-tier declares cni: calico; the sibling's Flannel is another cluster
    assert {rule for _, rule, _, _ in broken} >= {"NP030", "NP001"}


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


FLANNEL = """\
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: kube-flannel-ds, namespace: kube-flannel}
    spec:
      selector: {matchLabels: {app: flannel}}
      template:
        metadata: {labels: {app: flannel}}
        spec: {containers: [{name: kube-flannel, image: docker.io/flannel/flannel:v0.25.1}]}
"""
POLICY = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny-all, namespace: default}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
"""


def test_a_nested_configuration_makes_a_separate_cluster(capsys, tmp_path):
    write(tmp_path, {
        "flannel-cluster/flannel.yaml": FLANNEL,
        "flannel-cluster/policy.yaml": POLICY,
        "calico-cluster/.netpol-lsp.yaml": "cni: calico\n",
        "calico-cluster/policy.yaml": POLICY,
    })
    _, found = check_json(capsys, tmp_path)
    np030 = {path.parent.name for path, rule, _, _ in found if rule == "NP030"}
    assert np030 == {"flannel-cluster"}  # without the split, Flannel would be applied to both


def test_a_configuration_named_on_the_command_line_makes_one_workspace(capsys, tmp_path):
    write(tmp_path, {
        "a/flannel.yaml": FLANNEL,
        "b/.netpol-lsp.yaml": "cni: calico\n",
        "b/policy.yaml": POLICY,
        "one.yaml": "cni: flannel\n",
    })
    _, found = check_json(capsys, "--config", tmp_path / "one.yaml", tmp_path)
    assert {(path.parent.name, rule) for path, rule, _, _ in found if rule == "NP030"} == {("b", "NP030")}


def test_connectivity_over_several_clusters_asks_for_one(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["connectivity", "examples"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "examples/three-tier" in err and "examples/three-tier-broken" in err


def test_a_folder_named_and_found_below_another_named_one_is_read_once(capsys, tmp_path):
    write(tmp_path, {
        "outer/flannel.yaml": FLANNEL,
        "outer/team/.netpol-lsp.yaml": "cni: calico\n",
        "outer/team/policy.yaml": POLICY.replace("      policyTypes: [Ingress]\n", ""),  # NP010
    })
    _, found = check_json(capsys, tmp_path / "outer", tmp_path / "outer" / "team")
    _, alone = check_json(capsys, tmp_path / "outer" / "team")
    team = [f for f in found if f[0].parent.name == "team"]
    assert team == alone and alone  # once, as its own cluster (not twice: named, and nested in outer)
