"""Kustomize repositories as the cluster receives them: one view per render root, no double
counting, shared findings reported once with their roots, --kustomize, clusters, duplicates,
remote resources. Expected findings were worked out by hand from the fixtures."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from netpol_lsp.cli import main

DATA = Path(__file__).parent / "data" / "kustomize"


def check(capsys, *args) -> tuple[int, list[dict], str]:
    code = main(["check", "--no-cache", "--format", "json", "--fail-on", "never", *args])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip() else {"findings": []}
    return code, out["findings"], captured.err


def brief(findings: list[dict], root: Path) -> list[tuple]:
    return [(f["rule"], os.path.relpath(f["path"], root), f["range"]["start"]["line"]) for f in findings]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def test_shop_roots_are_analysed_as_rendered(capsys):
    root = DATA / "shop"
    _, findings, _ = check(capsys, str(root))
    # prod's JSON 6902 patch adds a peer from namespace monitoring, which this cluster lacks (NP003,
    # on the patch's own line); staging's patch removes the policy's policyTypes (NP010, at the
    # policy in the base). Nothing else: the component's DNS rule is applied (no NP012), the
    # deleted loadgenerator and the patch files are no workloads, labels match after commonLabels.
    assert brief(findings, root) == [
        ("NP010", "base/policies.yaml", 22),
        ("NP003", "overlays/prod/db-policy-metrics.json", 2),
    ]
    assert findings[0]["message"].endswith("(in overlays/staging)")
    assert findings[1]["message"].endswith("(in overlays/prod)")
    line = (root / "overlays/prod/db-policy-metrics.json").read_text().splitlines()[1]
    assert findings[1]["range"]["start"]["column"] == line.index('"monitoring"') + 1  # the name, in the JSON file
    assert "namespace 'monitoring'" in findings[1]["message"]


def test_a_finding_several_roots_share_is_reported_once_naming_them(capsys, tmp_path):
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [policy.yaml]\n",
        "base/policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny}
            spec:
              podSelector: {}
        """,
        "overlays/prod/kustomization.yaml": "namespace: prod\nresources: [../../base]\n",
        "overlays/staging/kustomization.yaml": "namespace: staging\nresources: [../../base]\n",
    })
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP010")
    assert brief(findings, tmp_path) == [("NP010", "base/policy.yaml", 4)]
    assert findings[0]["message"].endswith("(in overlays/prod, overlays/staging)")
    # one root only: its findings, named after it
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP010", "--kustomize",
                           str(tmp_path / "overlays/staging"))
    assert len(findings) == 1 and findings[0]["message"].endswith(" (in overlays/staging)")


def test_platform_labels_from_the_kustomization_match_the_policy(capsys):
    # the Kubeflow shape: a Deployment whose pod template has no labels until `labels` adds them,
    # namespaced by its kustomization; the policy's namespace comes from another kustomization
    _, findings, _ = check(capsys, str(DATA / "platform"))
    assert findings == []


def test_kustomize_option_errors_are_one_line(capsys, tmp_path):
    assert main(["check", "--no-cache", "--kustomize", str(DATA / "shop/base"), str(DATA / "shop")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a render root" in err[0] and "overlays/prod" in err[0]
    write(tmp_path, {"web.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"})
    assert main(["check", "--no-cache", "--kustomize", "x", str(tmp_path)]) == 2
    assert "no kustomization" in capsys.readouterr().err


def test_connectivity_and_explain_read_one_root(capsys):
    shop = str(DATA / "shop")
    assert main(["connectivity", "--no-cache", shop]) == 2  # two roots: which one?
    assert "--kustomize" in capsys.readouterr().err
    assert main(["connectivity", "--no-cache", "--format", "json", "--kustomize", str(DATA / "shop/overlays/prod"),
                 shop]) == 0
    pairs = json.loads(capsys.readouterr().out)
    text = json.dumps(pairs)
    assert "shop-prod/prod-api[Deployment]" in text and "loadgenerator" not in text
    assert main(["explain", "--no-cache", "--kustomize", str(DATA / "shop/overlays/staging"),
                 "--policy", "shop-staging/api-from-web-stg", shop]) == 0
    assert "shop-staging" in capsys.readouterr().out


def test_remote_resource_is_said_once_and_what_it_hides_is_not_guessed(capsys, tmp_path):
    write(tmp_path, {
        "kustomization.yaml": """
            namespace: shop
            resources:
            - https://github.com/example/shop//deploy?ref=v1.0.0
            - policy.yaml
        """,
        "policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: api}
            spec:
              podSelector: {matchLabels: {app: api}}
              policyTypes: [Ingress]
        """,
    })
    _, findings, _ = check(capsys, str(tmp_path))
    # the api pods may come from the remote base: no NP001, one NP072 on the URL's line
    assert brief(findings, tmp_path) == [("NP072", "kustomization.yaml", 3)]
    assert "not fetched" in findings[0]["message"]


def test_missing_file_and_unmatched_patch_are_build_errors(capsys, tmp_path):
    write(tmp_path, {
        "kustomization.yaml": """
            resources:
            - policy.yaml
            - gone.yaml
            patches:
            - patch: |-
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: nothing}
                spec: {replicas: 2}
        """,
        "policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
        """,
    })
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP073")
    assert brief(findings, tmp_path) == [("NP073", "kustomization.yaml", 3), ("NP073", "kustomization.yaml", 5)]
    assert "does not exist" in findings[0]["message"] and "no object matches" in findings[1]["message"]


def test_pre_rendered_bundle_is_merged_with_its_source_and_a_different_one_is_reported(capsys, tmp_path):
    policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: api, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: api}}
          policyTypes: [Ingress]
          ingress:
          - from: [{podSelector: {matchLabels: {app: web}}}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          template:
            metadata: {labels: {app: api}}
            spec: {containers: [{name: api, image: api}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: web}]}
    """
    # the bundle writes its keys sorted, as kustomize build does: still the same objects
    bundle = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: api, namespace: shop}
        spec:
          ingress:
          - from: [{podSelector: {matchLabels: {app: web}}}]
          podSelector: {matchLabels: {app: api}}
          policyTypes: [Ingress]
    """
    write(tmp_path, {"base/kustomization.yaml": "resources: [all.yaml]\n", "base/all.yaml": policy,
                     "install.yaml": bundle, "namespace-install.yaml": bundle})
    _, findings, _ = check(capsys, str(tmp_path))
    assert findings == []  # not NP070 "redundant" against itself, nor NP071
    write(tmp_path, {"install.yaml": bundle.replace("app: web}}}]", "app: web}}}]\n  ports: [{port: 80}]")})
    (tmp_path / "namespace-install.yaml").unlink()
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP071")
    assert brief(findings, tmp_path) == [("NP071", "base/all.yaml", 2), ("NP071", "install.yaml", 2)]
    assert "install.yaml:2" in findings[0]["message"] and "whichever is applied last" in findings[0]["message"]


def test_roots_declared_in_one_cluster_see_each_other(capsys, tmp_path):
    write(tmp_path, {
        ".netpol-lsp.yaml": "kustomize:\n  clusters:\n  - [apps, policies]\n",
        "apps/kustomization.yaml": "namespace: shop\nresources: [web.yaml, ns.yaml]\n",
        "apps/web.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: web}]}
        """,
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
        "policies/kustomization.yaml": "namespace: shop\nresources: [policy.yaml, ../apps/ns.yaml]\n",
        "policies/policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Ingress]
        """,
    })
    _, findings, _ = check(capsys, str(tmp_path))
    assert findings == []  # the policy's pods come from the other root; the shared Namespace is merged
    (tmp_path / ".netpol-lsp.yaml").write_text("kustomize:\n  roots: [policies]\n")
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP001")
    assert brief(findings, tmp_path) == [("NP001", "policies/policy.yaml", 5)]
    assert "(in " not in findings[0]["message"]  # one root: nothing to tell apart


def test_each_root_is_its_own_apply_and_what_other_roots_answer_is_said_once(capsys, tmp_path):
    # one kustomization per application (they share no file): each is what one kubectl apply -k
    # creates; api's peer app=web matches only what the root apps/web deploys, so whether it
    # matches anything depends on an undeclared cluster: one NP075, no NP002
    app = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: NAME}
        spec:
          template:
            metadata: {labels: {app: NAME}}
            spec: {containers: [{name: NAME, image: NAME}]}
    """
    write(tmp_path, {
        "apps/api/kustomization.yaml": "namespace: shop\nresources: [deploy.yaml, policy.yaml]\n",
        "apps/api/deploy.yaml": app.replace("NAME", "api"),
        "apps/api/policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: api}
            spec:
              podSelector: {matchLabels: {app: api}}
              policyTypes: [Ingress]
              ingress:
              - from: [{podSelector: {matchLabels: {app: web}}}, {podSelector: {matchLabels: {app: wbe}}}]
        """,
        "apps/web/kustomization.yaml": "namespace: shop\nresources: [deploy.yaml]\n",
        "apps/web/deploy.yaml": app.replace("NAME", "web"),
        # per-root views: the default; the clusters line names roots from this file's folder
        ".netpol-lsp.yaml": "defaultNamespace: default\n",
    })
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP001,NP002,NP075")
    # app=wbe matches nothing anywhere: still a warning, whose typo fix is the other root's
    # workload; app=web: the info, at its selector
    assert brief(findings, tmp_path) == [("NP075", "apps/api/policy.yaml", 8), ("NP002", "apps/api/policy.yaml", 8)]
    note = findings[0]["message"]
    assert findings[0]["severity"] == "info" and findings[0]["range"]["start"]["column"] == 13
    assert "objects that web deploys would match it" in note and "(NP002)" in note
    assert "clusters: [[apps/api, apps/web]]" in note
    assert "app=wbe (did you mean app=web, on Deployment shop/web?)" in findings[1]["message"]
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP001,NP002")
    assert brief(findings, tmp_path) == [("NP002", "apps/api/policy.yaml", 8)]  # NP075 off: no warning back
    # connectivity reads roots that share no file together, and says so on stderr
    assert main(["connectivity", "--no-cache", "--format", "json", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "2 Kustomize render roots and no declared cluster" in captured.err
    assert {(p["src"], p["dst"]) for p in json.loads(captured.out) if p["dst"] == "shop/api[Deployment]"} == \
        {("shop/web[Deployment]", "shop/api[Deployment]")}
    # declared one cluster: analysed together, no info
    (tmp_path / ".netpol-lsp.yaml").write_text("kustomize:\n  clusters: [[apps/api, apps/web]]\n")
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP001,NP002,NP075")
    assert brief(findings, tmp_path) == [("NP002", "apps/api/policy.yaml", 8)]
    # declared apart, the web pods are not in api's cluster: NP002, a warning
    (tmp_path / ".netpol-lsp.yaml").write_text("kustomize:\n  clusters: [[apps/api], [apps/web]]\n")
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP001,NP002,NP075")
    assert brief(findings, tmp_path) == [("NP002", "apps/api/policy.yaml", 8)] * 2
    # shared views (the default before): roots that share no file are one system, no info
    (tmp_path / ".netpol-lsp.yaml").write_text("kustomize: {views: shared}\n")
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP001,NP002,NP075")
    assert brief(findings, tmp_path) == [("NP002", "apps/api/policy.yaml", 8)]
    assert "app=wbe" in findings[0]["message"]


def test_a_database_isolated_only_by_another_roots_policy_is_named_not_warned(capsys, tmp_path):
    # root a: a policy for app=web and a database; root b: the web Deployment and the policy that
    # isolates a's database. Alone, a's policy selects nothing (NP001) and its database is open
    # (NP021); b's policy selects nothing (NP001). Beside each other neither holds: one NP075
    # per root, naming the other, at the first place (a/db.yaml's kind before a/policy.yaml's)
    write(tmp_path, {
        ".netpol-lsp.yaml": "defaultNamespace: default\nkustomize: {views: per-root}\n",
        "a/kustomization.yaml": "namespace: shop\nresources: [policy.yaml, db.yaml]\n",
        "a/policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Ingress]
        """,
        "a/db.yaml": """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              template:
                metadata: {labels: {app: db}}
                spec: {containers: [{name: db, image: postgres:16, ports: [{containerPort: 5432}]}]}
        """,
        "b/kustomization.yaml": "namespace: shop\nresources: [web.yaml]\n",
        "b/web.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: nginx}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: db}
            spec:
              podSelector: {matchLabels: {app: db}}
              policyTypes: [Ingress]
        """,
    })
    _, findings, _ = check(capsys, str(tmp_path))
    assert brief(findings, tmp_path) == [("NP075", "a/db.yaml", 2), ("NP075", "b/web.yaml", 13)]
    assert "leaves 2 references unmatched (NP001, NP021)" in findings[0]["message"]
    assert "objects that b deploys" in findings[0]["message"] and "clusters: [[a, b]]" in findings[0]["message"]
    assert [os.path.relpath(r["path"], tmp_path) for r in findings[0]["related"]] == ["a/policy.yaml"]
    assert "objects that a deploys" in findings[1]["message"] and "(NP001)" in findings[1]["message"]
    # a comment suppresses it where it is reported (and is then not an unused suppression, NP099)
    db = tmp_path / "a/db.yaml"
    db.write_text(db.read_text().replace("kind: StatefulSet", "kind: StatefulSet  # netpol-lsp: disable=NP075"))
    _, findings, _ = check(capsys, str(tmp_path))
    assert brief(findings, tmp_path) == [("NP075", "b/web.yaml", 13)]


def test_loose_files_and_other_roots_namespaces_join_a_roots_view(tmp_path):
    # a loose file's workload is applied beside every root (no NP002, no NP075 for it); the
    # Namespace another root defines for a namespace this root deploys into is there, with its
    # labels (apply -k of apps/api needs it in its cluster); one it does not deploy into is not
    from netpol_lsp.analysis.views import build_views
    from netpol_lsp.config import Config
    from netpol_lsp.loader import load_paths

    write(tmp_path, {
        "namespaces/kustomization.yaml": "resources: [shop.yaml, other.yaml]\n",
        "namespaces/shop.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: shop}}\n",
        "namespaces/other.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: other, labels: {team: x}}\n",
        "apps/api/kustomization.yaml": "namespace: shop\nresources: [policy.yaml]\n",
        "apps/api/policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: api}
            spec:
              podSelector: {matchLabels: {app: tool}}
              policyTypes: [Ingress]
        """,
        "tools/tool.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: tool, namespace: shop}
            spec:
              template:
                metadata: {labels: {app: tool}}
                spec: {containers: [{name: tool, image: tool}]}
        """,
    })
    per_root = Config()
    per_root.kustomize_views = "per-root"
    workspace = load_paths([str(tmp_path)], per_root).workspace
    views = build_views(workspace)
    api = next(v for v in views.views if v.name == "apps/api")
    index = api.workspace.index
    assert index.namespace("shop").labels == {"team": "shop", "kubernetes.io/metadata.name": "shop"}
    assert "other" not in index.defined_namespaces
    assert [w.name for w in index.workloads] == ["tool"]
    from netpol_lsp.analysis.rendered import analyze_views
    assert [f.rule for f in analyze_views(views)] == []
    # the view's index, joined from the loose files' one, is the one indexing the view gives
    from netpol_lsp.workspace import Workspace

    fresh = Workspace(api.workspace.config)
    fresh.files = dict(api.workspace.files)
    assert api.workspace._index is not None
    for built in (index, fresh.index):
        built.identities(), built.namespace_postings  # lazily built: on both sides, to compare them
    assert index is not fresh.index and "_postings_from" in vars(index)  # its postings: the loose files' joined
    left_out = {"services", "_postings_from", "_matches"}
    assert {k: v for k, v in vars(index).items() if k not in left_out} == \
        {k: v for k, v in vars(fresh.index).items() if k not in left_out}


def test_written_fields_point_at_the_kustomization_line(capsys, tmp_path):
    write(tmp_path, {
        "kustomization.yaml": "namespace: ghost\nresources: [policy.yaml]\n",
        "policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
        """,
    })
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP003")
    # the namespace the kustomization wrote does not exist: said at `namespace: ghost`
    assert brief(findings, tmp_path) == [("NP003", "kustomization.yaml", 1)]
    assert findings[0]["range"]["start"]["column"] == len("namespace: ") + 1


def test_a_repository_without_kustomizations_is_read_as_before(capsys):
    code = main(["check", "--no-cache", "--format", "json", "--fail-on", "never",
                 str(Path(__file__).parent.parent / "examples" / "three-tier-broken")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out["findings"]) == 10
    assert not any("(in " in f["message"] for f in out["findings"])


def test_a_finding_moved_to_a_kustomization_line_is_suppressed_there(capsys, tmp_path):
    write(tmp_path, {
        "kustomization.yaml": "namespace: ghost  # netpol-lsp: disable=NP003\nresources: [policy.yaml]\n",
        "policy.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
        """,
    })
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP003,NP099")
    assert findings == []


def test_remote_bases_in_a_Kustomization_file_are_reported_not_fetched(capsys):
    # the file is named `Kustomization` (no suffix); both remote forms are reported, and the
    # policy whose pods the remote install.yaml defines is not said to select nothing
    root = DATA / "remote"
    _, findings, _ = check(capsys, str(root))
    assert brief(findings, root) == [("NP072", "overlays/prod/Kustomization", 5),
                                     ("NP072", "overlays/prod/Kustomization", 6)]
    assert "install.yaml" in findings[0]["message"] and "not fetched" in findings[1]["message"]


def test_the_servers_reused_analysis_equals_a_fresh_one_after_edits():
    """The language server re-analyses only the views whose files changed: after each edit its
    findings are those of a fresh analysis (what check prints)."""
    from netpol_lsp.analysis.incremental import analyze_workspace
    from netpol_lsp.analysis.rendered import analyze_checked
    from netpol_lsp.config import Config
    from netpol_lsp.loader import load_paths
    from netpol_lsp.workspace import Workspace, load_source

    config = Config()
    loaded = load_paths([str(DATA / "shop")], config).workspace
    prod = str(DATA / "shop/overlays/prod/kustomization.yaml")
    base_policy = str(DATA / "shop/base/policies.yaml")
    edits = [
        (prod, lambda t: t.replace("namespace: shop-prod", "namespace: monitoring")),  # NP002/NP003 go
        (base_policy, lambda t: t.replace("app: api\n    ports", "app: apii\n    ports")),  # NP002 in both roots
        (prod, lambda t: t),  # the same text again: a new version of the file, nothing changes
    ]
    def plain(findings):
        return [(f.rule, f.path, tuple(f.span), f.message) for f in findings]

    previous = analyze_workspace(loaded)
    assert plain(previous.findings()) == plain(analyze_checked(loaded))
    current = loaded
    for path, change in edits:
        following = Workspace(config)
        for name, source in current.files.items():
            following.files[name] = load_source(name, change(source.text), config) if name == path else source
        analysis = analyze_workspace(following, previous=previous)
        assert plain(analysis.findings()) == plain(analyze_checked(following))
        previous, current = analysis, following
    # the typo in the base holds in both roots, said once per root: the messages name each root's pods
    np002 = [f for f in previous.findings() if f.rule == "NP002"]
    assert len(np002) == 2 and np002[0].span == np002[1].span and np002[0].path == base_policy
    assert {f.message.rsplit(" (in ", 1)[1] for f in np002} == {"overlays/prod)", "overlays/staging)"}


def test_a_reused_render_gives_root_views_the_edited_loose_files(tmp_path):
    # the language server reuses a render while no file a kustomization reads changed: the root
    # views must still see a loose file as it is now (the loose files' table is not kept stale)
    from netpol_lsp.analysis.rendered import analyze_views
    from netpol_lsp.analysis.views import build_views
    from netpol_lsp.config import Config
    from netpol_lsp.loader import load_paths

    tool = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: tool, namespace: shop}
        spec:
          template:
            metadata: {labels: {app: LABEL}}
            spec: {containers: [{name: tool, image: tool}]}
    """
    policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: NAME}
        spec:
          podSelector: {matchLabels: {app: tool}}
          policyTypes: [Ingress]
    """
    write(tmp_path, {"a/kustomization.yaml": "namespace: shop\nresources: [policy.yaml]\n",
                     "a/policy.yaml": policy.replace("NAME", "a"),
                     "b/kustomization.yaml": "namespace: shop\nresources: [policy.yaml]\n",
                     "b/policy.yaml": policy.replace("NAME", "b"),
                     "tools/tool.yaml": tool.replace("LABEL", "tool")})
    workspace = load_paths([str(tmp_path)], Config()).workspace
    views = build_views(workspace)
    assert analyze_views(views) == []
    edited = [p for p in workspace.files if p.endswith("tool.yaml")][0]
    workspace.set_text(edited, textwrap.dedent(tool.replace("LABEL", "tools")).lstrip("\n"))
    again = build_views(workspace, rendered=views.rendered)
    assert again.rendered is views.rendered
    assert sorted((f.rule, os.path.relpath(f.path, tmp_path)) for f in analyze_views(again)) == [
        ("NP001", "a/policy.yaml"), ("NP001", "b/policy.yaml")]


def test_the_server_keeps_root_findings_across_a_quiet_loose_edit_and_stays_exact(tmp_path):
    # roots a and b beside a loose file: a comment inserted in it keeps what other files read of
    # it, so root views keep their findings, but a's NP001 lists the loose workload (a position
    # in the edited file): that view is analysed again; a label change reaches every view
    from netpol_lsp.analysis.incremental import analyze_workspace
    from netpol_lsp.analysis.rendered import analyze_checked
    from netpol_lsp.config import Config
    from netpol_lsp.loader import load_paths
    from netpol_lsp.workspace import Workspace, load_source

    policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: NAME}
        spec:
          podSelector: {matchLabels: {app: LABEL}}
          policyTypes: [Ingress]
    """
    write(tmp_path, {"a/kustomization.yaml": "namespace: shop\nresources: [policy.yaml]\n",
                     "a/policy.yaml": policy.replace("NAME", "a").replace("LABEL", "nothing"),
                     "b/kustomization.yaml": "namespace: shop\nresources: [policy.yaml]\n",
                     "b/policy.yaml": policy.replace("NAME", "b").replace("LABEL", "tool"),
                     "tools/tool.yaml": """
                         apiVersion: apps/v1
                         kind: Deployment
                         metadata: {name: tool, namespace: shop}
                         spec:
                           template:
                             metadata: {labels: {app: tool}}
                             spec: {containers: [{name: tool, image: tool}]}
                     """})
    config = Config()
    config.kustomize_views = "per-root"  # a view per root: the edits must keep each one exact
    current = load_paths([str(tmp_path)], config).workspace
    tool = next(p for p in current.files if p.endswith("tool.yaml"))
    previous = analyze_workspace(current)

    def plain(findings):
        return [(f.rule, f.path, tuple(f.span), f.message, [(r.path, tuple(r.span)) for r in f.related])
                for f in findings]

    assert [f.rule for f in previous.findings()] == ["NP001"]
    for change in (lambda t: "# a comment\n" + t, lambda t: t.replace("app: tool", "app: tools"),
                   lambda t: "# another\n" + t):
        following = Workspace(config)
        for name, source in current.files.items():
            following.files[name] = load_source(name, change(source.text), config) if name == tool else source
        analysis = analyze_workspace(following, previous=previous)
        assert plain(analysis.findings()) == plain(analyze_checked(following))
        kept = analysis.view_results[("b", False)] is previous.view_results[("b", False)]
        if change("").startswith("# a comment"):  # b's findings point nowhere into the loose file: kept
            assert kept and analysis.view_results[("a", False)] is not previous.view_results[("a", False)]
            views, contexts = analysis.context.kustomize
            assert "b" not in contexts and contexts["b"].workspace.files[tool] is following.files[tool]
        previous, current = analysis, following
    assert [f.rule for f in previous.findings()] == ["NP001", "NP001"]


def test_a_namespace_only_another_root_deploys_into_is_named_by_that_root(capsys, tmp_path):
    """Per-root views: root a's kustomization puts its policy in namespace ghost,
    where a deploys nothing and no Namespace is defined (NP003, at the kustomization's
    `namespace:` line); root b deploys a workload into ghost. The NP075 note names b (it said
    "other roots": the name was read from the text at the kustomization's line)."""
    write(tmp_path, {
        "a/kustomization.yaml": "namespace: ghost\nresources: [policy.yaml]\n",
        "a/policy.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
                         "spec: {podSelector: {}, policyTypes: [Ingress]}\n",
        "b/kustomization.yaml": "namespace: ghost\nresources: [app.yaml]\n",
        "b/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                      "spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}\n",
        ".netpol-lsp.yaml": "kustomize: {views: per-root}\n",
    })
    _, findings, _ = check(capsys, str(tmp_path), "--select", "NP003,NP075")
    assert [(f["rule"], os.path.relpath(f["path"], tmp_path)) for f in findings] == [("NP075", "a/kustomization.yaml")]
    assert "objects that b deploys would match it" in findings[0]["message"]


def test_a_joined_index_puts_the_roots_namespaces_in_the_loose_files_postings_in_name_order():
    """A root's view index is the loose files' one joined with the root's objects: its namespace
    postings (what namespaceSelectors look up) are the loose files' with the root's Namespaces
    put in at their place by name, and a namespace the loose files only implied (c, by a
    workload) taken out of the postings of its implied labels: as indexing every file gives."""
    from netpol_lsp.config import Config
    from netpol_lsp.workspace import Workspace

    def namespace(name, labels):
        return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n"

    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: c}\n"
                  "spec: {template: {metadata: {labels: {app: w}}, spec: {containers: [{name: w, image: w}]}}}\n")
    loose = {"loose.yaml": "---\n".join([namespace("a", "{team: x}"), namespace("d", "{team: x, env: prod}"),
                                         deployment])}
    root = {"root.yaml": "---\n".join([namespace("b", "{team: x, env: prod}"), namespace("c", "{team: x}")])}
    config = Config()
    workspaces = []
    for texts in (loose, root, {**loose, **root}):
        workspace = Workspace(config)
        for path, text in texts.items():
            workspace.set_text(path, text)
        workspaces.append(workspace)
    joined = workspaces[0].index.joined(workspaces[1].index, config)
    names = {pair: [ns.name for ns in found] for pair, found in joined.namespace_postings.items()}
    assert names[("team", "x")] == ["a", "b", "c", "d"]
    assert names[("env", "prod")] == ["b", "d"]
    assert names[("kubernetes.io/metadata.name", "c")] == ["c"]
    fresh = {pair: [(ns.name, ns.labels) for ns in found] for pair, found in workspaces[2].index.namespace_postings.items()}
    assert {pair: [(ns.name, ns.labels) for ns in found] for pair, found in joined.namespace_postings.items()} == fresh
    assert joined.namespace_postings[("kubernetes.io/metadata.name", "c")][0].labels == \
        {"team": "x", "kubernetes.io/metadata.name": "c"}
