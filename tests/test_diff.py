"""`netpol-lsp diff`: hand-checked connectivity changes between two workspaces.

The base workspace (BASE) and what it allows, worked out by hand:
- shop/db admits only shop/api, on TCP 5432 (db-ingress);
- shop/api admits shop/web and every pod of namespaces labelled team=tools, on TCP 8080, and
  may send only to shop/db on TCP 5432 (api-policy, Ingress and Egress);
- shop/web (tier=front) may send only to 10.0.0.0/8 except 10.1.0.0/16 on TCP 443 and to
  shop/api on TCP 8080 (web-egress); nothing isolates its ingress;
- tools/probe is isolated in no direction.
Each case edits one thing; the expected lines are the pairs that edit changes, and nothing else.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from netpol_lsp.cli import main

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: tools, labels: {team: tools}}
"""

WORKLOADS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: probe, namespace: tools}
spec:
  selector: {matchLabels: {app: probe}}
  template:
    metadata: {labels: {app: probe}}
    spec: {containers: [{name: probe, image: busybox}]}
"""

DB_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: api}}
      ports: [{protocol: TCP, port: 5432}]
"""

API_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-policy, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: web}}
        - namespaceSelector: {matchLabels: {team: tools}}
      ports: [{protocol: TCP, port: 8080}]
  egress:
    - to:
        - podSelector: {matchLabels: {app: db}}
      ports: [{protocol: TCP, port: 5432}]
"""

WEB_EGRESS = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {tier: front}}
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
      ports: [{protocol: TCP, port: 443}]
    - to:
        - podSelector: {matchLabels: {app: api}}
      ports: [{protocol: TCP, port: 8080}]
"""

BASE = {"namespaces.yaml": NAMESPACES, "workloads.yaml": WORKLOADS, "db-ingress.yaml": DB_INGRESS,
        "api-policy.yaml": API_POLICY, "web-egress.yaml": WEB_EGRESS}


def edited(file: str, old: str, new: str) -> dict:
    files = dict(BASE)
    assert old in files[file], (file, old)
    files[file] = files[file].replace(old, new, 1)
    return files


# case -> (the edited workspace, the expected text lines between the header and the summary)
CASES = {
    "added-peer": (
        edited("db-ingress.yaml", "        - podSelector: {matchLabels: {app: api}}\n",
               "        - podSelector: {matchLabels: {app: api}}\n"
               "        - namespaceSelector: {matchLabels: {team: tools}}\n"),
        ["+ tools/probe[Deployment] => shop/db[StatefulSet] : TCP 5432  [shop/db-ingress]"]),
    "removed-peer": (
        edited("api-policy.yaml", "        - namespaceSelector: {matchLabels: {team: tools}}\n", ""),
        ["- tools/probe[Deployment] => shop/api[Deployment] : TCP 8080  [shop/api-policy]"]),
    # web's own egress allows only 8080 to api: only probe gains 8443
    "ports": (
        edited("api-policy.yaml", "ports: [{protocol: TCP, port: 8080}]",
               "ports: [{protocol: TCP, port: 8080}, {protocol: TCP, port: 8443}]"),
        ["~ tools/probe[Deployment] => shop/api[Deployment] : +TCP 8443 (was TCP 8080, now TCP 8080,8443)"
         "  [shop/api-policy]"]),
    "ipblock-except": (
        edited("web-egress.yaml", "except: [10.1.0.0/16]", "except: [10.1.0.0/16, 10.2.0.0/16]"),
        ["- shop/web[Deployment] => 10.2.0.0/16 : TCP 443  [shop/web-egress]"]),
    # egress rules left under policyTypes [Ingress] are ignored: api's egress opens to everything
    # (to db nothing changes: db admits api on TCP 5432 only, as before)
    "policy-types-drop-egress": (
        edited("api-policy.yaml", "policyTypes: [Ingress, Egress]", "policyTypes: [Ingress]"),
        ["+ shop/api[Deployment] => 0.0.0.0/0 : All Connections  [shop/api-policy]",
         "+ shop/api[Deployment] => shop/web[Deployment] : All Connections  [shop/api-policy]",
         "+ shop/api[Deployment] => tools/probe[Deployment] : All Connections  [shop/api-policy]"]),
    "namespace-label": (
        edited("namespaces.yaml", "{name: tools, labels: {team: tools}}", "{name: tools, labels: {team: tooling}}"),
        ["- tools/probe[Deployment] => shop/api[Deployment] : TCP 8080  [shop/api-policy]"]),
    # web's egress (tier=front) still allows api on 8080; api's ingress (app=web) no longer matches
    "workload-label": (
        edited("workloads.yaml", "{labels: {app: web, tier: front}}", "{labels: {app: webapp, tier: front}}"),
        ["- shop/web[Deployment] => shop/api[Deployment] : TCP 8080  [shop/api-policy]"]),
}


# exit 1 when something is added (the default --fail-on): new pairs or new ports
EXIT = {"added-peer": 1, "removed-peer": 0, "ports": 1, "ipblock-except": 0, "policy-types-drop-egress": 1,
        "namespace-label": 0, "workload-label": 0}


def write(folder: Path, files: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", "--no-cache", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("case", list(CASES))
def test_each_change_gives_exactly_its_pairs(tmp_path, capsys, case):
    files, expected = CASES[case]
    old, new = write(tmp_path / "old", BASE), write(tmp_path / "new", files)
    code, out, _ = run(capsys, str(old), str(new))
    lines = out.splitlines()
    assert lines[0] == f"netpol-lsp diff: {old} -> {new}"
    assert lines[1:-1] == expected
    assert code == EXIT[case]


def test_the_same_workspace_has_no_change(tmp_path, capsys):
    old, new = write(tmp_path / "old", BASE), write(tmp_path / "new", BASE)
    code, out, _ = run(capsys, str(old), str(new))
    assert code == 0 and out.splitlines()[1:] == ["no change in connectivity"]


def test_fail_on(tmp_path, capsys):
    old = write(tmp_path / "old", BASE)
    removed = write(tmp_path / "removed", CASES["removed-peer"][0])
    added = write(tmp_path / "added", CASES["added-peer"][0])
    assert run(capsys, str(old), str(removed))[0] == 0  # default: only added connections fail
    assert run(capsys, str(old), str(removed), "--fail-on", "removed")[0] == 1
    assert run(capsys, str(old), str(removed), "--fail-on", "any")[0] == 1
    assert run(capsys, str(old), str(added), "--fail-on", "removed")[0] == 0
    assert run(capsys, str(old), str(added), "--fail-on", "never")[0] == 0
    assert run(capsys, str(old), str(added))[0] == 1


def test_json_markdown_and_sarif(tmp_path, capsys):
    old = write(tmp_path / "old", BASE)
    new = write(tmp_path / "new", CASES["ports"][0])
    _, out, _ = run(capsys, str(old), str(new), "--format", "json")
    report = json.loads(out)
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert report["changes"] == [{"src": "tools/probe[Deployment]", "dst": "shop/api[Deployment]",
                                  "change": "changed", "old": "TCP 8080", "new": "TCP 8080,8443",
                                  "added": "TCP 8443", "removed": "No Connections",
                                  "policies": ["shop/api-policy"]}]
    for spelling in ("md", "markdown"):
        _, out, _ = run(capsys, str(old), str(new), "--format", spelling)
        assert "| ~ changed | `tools/probe[Deployment]` | `shop/api[Deployment]` | TCP 8080 | TCP 8080,8443 | " \
               "`shop/api-policy` |" in out.splitlines()
    _, out, _ = run(capsys, str(old), str(new), "--format", "sarif")
    result = json.loads(out)["runs"][0]["results"][0]
    assert result["ruleId"] == "connectivity-changed" and result["level"] == "warning"
    location = result["locations"][0]["physicalLocation"]
    # the policy's `kind:` line in the new side's file
    assert location["artifactLocation"]["uri"].endswith("new/api-policy.yaml")
    assert location["region"]["startLine"] == 2


def test_graphs_colour_added_green_and_removed_red(tmp_path, capsys):
    old = write(tmp_path / "old", BASE)
    new = write(tmp_path / "new", edited("db-ingress.yaml", "        - podSelector: {matchLabels: {app: api}}\n",
                                         "        - namespaceSelector: {matchLabels: {team: tools}}\n"))
    _, out, _ = run(capsys, str(old), str(new), "--format", "dot")
    edges = [line for line in out.splitlines() if "\" -> \"" in line]
    assert len(edges) == 2
    added = next(e for e in edges if e.startswith('  "tools/probe[Deployment]" -> "shop/db[StatefulSet]"'))
    removed = next(e for e in edges if e.startswith('  "shop/api[Deployment]" -> "shop/db[StatefulSet]"'))
    assert 'label="+TCP 5432"' in added and '"#188038"' in added
    assert 'label="-TCP 5432"' in removed and '"#c5221f"' in removed
    _, out, _ = run(capsys, str(old), str(new), "--format", "mermaid")
    assert any(line.startswith("  linkStyle") and "#188038" in line for line in out.splitlines())
    assert any(line.startswith("  linkStyle") and "#c5221f" in line for line in out.splitlines())


def test_bad_sides_exit_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not a git repository
    code, out, err = run(capsys, "main")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "not in a git repository" in err
    write(tmp_path / "a", BASE)
    code, _, err = run(capsys, "a")  # a path alone: nothing to compare it with
    assert code == 2 and len(err.strip().splitlines()) == 1


# -- git revisions -------------------------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                          env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    """A repository: the base committed, then the added-peer edit committed; k8s/ holds them."""
    root = tmp_path / "repo"
    write(root / "k8s", BASE)
    (root / "README.md").write_text("not a manifest\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    write(root / "k8s", CASES["added-peer"][0])
    git(root, "commit", "-qam", "probe may reach db")
    return root


def test_two_revisions(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "HEAD~1", "HEAD")
    assert out.splitlines()[1:-1] == CASES["added-peer"][1] and code == 1
    assert out.splitlines()[0].startswith("netpol-lsp diff: HEAD~1 (") and " -> HEAD (" in out.splitlines()[0]
    code, out, _ = run(capsys, "HEAD", "HEAD~1", "--path", "k8s")
    assert out.splitlines()[1:-1] == ["- tools/probe[Deployment] => shop/db[StatefulSet] : TCP 5432  [shop/db-ingress]"]


def test_a_revision_against_the_working_tree(repo, capsys, monkeypatch):
    status = git(repo, "status", "--porcelain")
    write(repo / "k8s", edited("db-ingress.yaml", "        - podSelector: {matchLabels: {app: api}}\n", ""))
    monkeypatch.chdir(repo / "k8s")  # run from a subfolder: it is what is compared
    code, out, _ = run(capsys, "HEAD")
    # HEAD admits api and probe to db on 5432; now the rule lists no peer, which means every
    # peer, outside the cluster too; web's egress still keeps web away from db
    assert "working tree" in out.splitlines()[0]
    assert out.splitlines()[1:-1] == ["+ 0.0.0.0/0 => shop/db[StatefulSet] : TCP 5432  [shop/db-ingress]"]
    assert code == 1
    assert git(repo, "status", "--porcelain") == status + " M k8s/db-ingress.yaml\n"  # nothing else touched
    code, out, _ = run(capsys, "main", ".")  # a revision and a path: that path in both
    assert out.splitlines()[1:-1] == ["+ 0.0.0.0/0 => shop/db[StatefulSet] : TCP 5432  [shop/db-ingress]"]


def test_a_folder_the_revision_lacks_is_an_empty_side(repo, capsys, monkeypatch):
    write(repo / "extra", {"ns.yaml": NAMESPACES})
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "HEAD", "--path", "extra")
    assert "extra does not exist in HEAD" in err
    assert out.splitlines()[1:] == ["no change in connectivity"] and code == 0


def test_bad_revision_exits_2(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "no-such-branch")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "no-such-branch: neither a file or folder nor a revision" in err
    code, _, err = run(capsys, "HEAD", "--path", str(repo.parent))  # the revision is of the path's repository
    assert code == 2 and f"{repo.parent} is not in a git repository" in err
    code, _, err = run(capsys, "HEAD", "--path", "k8s", "--path", str(repo.parent))
    assert code == 2 and f"{repo.parent}: outside the repository at" in err


# -- CI documentation ---------------------------------------------------------------------

def test_pre_commit_hook_and_workflow(tmp_path, capsys, repo, monkeypatch):
    import shlex

    import yaml

    from netpol_lsp.report.conndiff import MARKDOWN_MARKER

    root = Path(__file__).resolve().parent.parent
    hooks = {h["id"]: h for h in yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    hook = hooks["netpol-lsp-diff"]
    assert hook["pass_filenames"] is False and hook["verbose"] is True
    # the entry, run in a repository whose working tree adds a connection, prints it and passes
    write(repo / "k8s", CASES["ports"][0])
    monkeypatch.chdir(repo)
    program, *args = shlex.split(hook["entry"])
    assert program == "netpol-lsp"
    assert main([*args, "--no-cache"]) == 0
    assert "~ tools/probe[Deployment] => shop/api[Deployment]" in capsys.readouterr().out
    assert main([*args, "--no-cache", "--fail-on", "added"]) == 1  # args: [--fail-on, added] make it a gate
    ci = (root / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "--format markdown" in ci and "id: netpol-lsp-diff" in ci and f"startsWith('{MARKDOWN_MARKER}')" in ci


def test_outside_ranges_compare_piece_by_piece():
    """Each side names external ranges by its own cuts: the diff cuts both again and reports
    only the addresses whose connections differ, merged per (before, after)."""
    from netpol_lsp.analysis.conndiff import diff_connections
    from netpol_lsp.analysis.connectivity import Connection
    from netpol_lsp.analysis.portset import ConnectionSet

    https, both = ConnectionSet.parse("TCP 443"), ConnectionSet.parse("TCP 80,443")
    old = [Connection("ns/w[Deployment]", "0.0.0.0/0", https)]
    new = [Connection("ns/w[Deployment]", "0.0.0.0/5,8.0.0.0/7,11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,"
                      "64.0.0.0/2,128.0.0.0/1", https),
           Connection("ns/w[Deployment]", "10.0.0.0/8", both),
           Connection("1.2.3.0/24", "ns/w[Deployment]", https)]
    changes = diff_connections(old, new).changes
    assert [(c.src, c.dst, c.kind, c.added.canonical(), c.removed.canonical()) for c in changes] == [
        ("1.2.3.0/24", "ns/w[Deployment]", "added", "TCP 443", "No Connections"),
        ("ns/w[Deployment]", "10.0.0.0/8", "changed", "TCP 80", "No Connections"),
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_the_changed_namespaces_hold_the_whole_diff(tmp_path, case):
    """What the CLI and the server compare (only the namespaces whose files differ) is what a
    comparison of everything finds; a changed kustomization means every namespace."""
    from netpol_lsp.analysis.compare import changed_namespaces, compare, differing_files
    from netpol_lsp.config import Config
    from netpol_lsp.loader import load_paths

    old = load_paths([str(write(tmp_path / "old", BASE))], Config()).workspace
    new = load_paths([str(write(tmp_path / "new", CASES[case][0]))], Config()).workspace
    old.files = {p.replace("/old/", "/x/"): s for p, s in old.files.items()}  # the same paths on both sides
    new.files = {p.replace("/new/", "/x/"): s for p, s in new.files.items()}
    namespaces = changed_namespaces(differing_files(old.files, new.files))
    assert namespaces and namespaces <= {"shop", "tools"}
    everything = compare(old, new).diff.changes
    assert compare(old, new, namespaces).diff.changes == everything and everything
    from types import SimpleNamespace

    kustomization = SimpleNamespace(path="x/overlays/prod/kustomization.yaml", objects=[])
    assert changed_namespaces([(kustomization, kustomization)]) is None


def test_a_cluster_tier_change_compares_every_namespace(tmp_path, capsys):
    """An Admin ClusterNetworkPolicy denying shop's ingress from team=tools: probe loses api
    (8080, which api-policy allowed) and web (everything: nothing isolated web's ingress);
    probe never reached db. The cluster-scoped object makes the comparison cover every namespace."""
    admin = ("apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n"
             "  name: shop-guard\nspec:\n  tier: Admin\n  priority: 10\n  subject:\n    namespaces:\n"
             "      matchLabels: {team: shop}\n  ingress:\n  - name: no-tools\n    action: Deny\n    from:\n"
             "    - namespaces:\n        matchLabels: {team: tools}\n")
    old, new = write(tmp_path / "old", BASE), write(tmp_path / "new", {**BASE, "admin.yaml": admin})
    code, out, _ = run(capsys, str(old), str(new))
    assert out.splitlines()[1:] == [
        "- tools/probe[Deployment] => shop/api[Deployment] : TCP 8080",
        "- tools/probe[Deployment] => shop/web[Deployment] : All Connections",
        "0 pairs added, 2 removed, 0 changed (ports)"]
    assert code == 0


def test_svg_draws_added_green_and_removed_red(tmp_path, capsys):
    from needs import tool

    tool("dot", "apt-get install graphviz")
    old = write(tmp_path / "old", BASE)
    new = write(tmp_path / "new", edited("db-ingress.yaml", "        - podSelector: {matchLabels: {app: api}}\n",
                                         "        - namespaceSelector: {matchLabels: {team: tools}}\n"))
    target = tmp_path / "diff.svg"
    code, out, err = run(capsys, str(old), str(new), "--format", "svg", "-o", str(target))
    svg = target.read_text()
    assert code == 1 and out == "" and err == "" and svg.lstrip().startswith("<?xml")
    assert 'stroke="#188038"' in svg and 'stroke="#c5221f"' in svg  # the added and the removed edge
    assert ">+TCP 5432</text>" in svg and ">&#45;TCP 5432</text>" in svg


def test_a_kustomize_root_of_a_revision(tmp_path, capsys, monkeypatch):
    """The view of a render root, as connectivity reads it: dropping the dns-egress component
    from overlays/prod opens prod's egress (its default-deny-egress policy is gone) and changes
    nothing in overlays/staging."""
    root = tmp_path / "repo"
    shutil.copytree(Path(__file__).parent / "data" / "kustomize" / "shop", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    prod = root / "overlays" / "prod" / "kustomization.yaml"
    prod.write_text(prod.read_text().replace("components:\n- ../../components/dns-egress\n", ""))
    monkeypatch.chdir(root)
    code, out, _ = run(capsys, "HEAD", "--kustomize", "overlays/prod")
    lines = out.splitlines()
    assert code == 1 and lines[-1] == "2 pairs added, 0 removed, 5 changed (ports)"
    assert "+ shop-prod/prod-web[Deployment] => shop-prod/prod-api[Deployment] : TCP 8080  " \
           "[shop-prod/prod-default-deny-egress]" in lines
    code, out, _ = run(capsys, "HEAD", "--kustomize", "overlays/staging")
    assert code == 0 and out.splitlines()[1:] == ["no change in connectivity"]


def test_several_roots_read_as_one_cluster_are_said_once(tmp_path, capsys):
    """Two render roots that share no file, per-root views, no cluster declared: diff reads
    both sides as one cluster each, and says so once (it said it once per side)."""
    files = {".netpol-lsp.yaml": "kustomize: {views: per-root}\n",
             "a/kustomization.yaml": "resources: [app.yaml]\n",
             "a/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n"
                           "spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}\n",
             "b/kustomization.yaml": "resources: [policy.yaml]\n",
             "b/policy.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                              "metadata: {name: deny, namespace: b}\nspec: {podSelector: {}}\n"}
    for side in ("old", "new"):
        for name, text in files.items():
            (tmp_path / side / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / side / name).write_text(text)
    code, _, err = run(capsys, str(tmp_path / "old"), str(tmp_path / "new"))
    assert code == 0
    assert err.count("Kustomize render roots and no declared cluster") == 1
