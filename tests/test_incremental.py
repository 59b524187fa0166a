"""Incremental analysis (analysis/incremental.py): after every edit, the findings are exactly a
fresh full `analyze()`'s, on the edited file and on every file the edit reaches."""
from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_lsp.analysis.incremental import Analysis, analyze_workspace
from netpol_lsp.analysis.run import analyze
from netpol_lsp.analysis.selection import selector_key
from netpol_lsp.config import Config
from netpol_lsp.manifests.parse import ChunkMemo
from netpol_lsp.workspace import Workspace, load_source

# --- a model workspace: documents in files, rendered to YAML --------------------------------

NAMESPACES = ["a", "b", "c"]  # "c" is defined by no Namespace at first: NP003
APPS = ["web", "db", "api"]
IMAGES = ["nginx", "postgres", "flannel"]  # a database (NP020, NP021); a CNI that does not enforce (NP030)
PORTS = [("http", 80), ("sql", 5432), (None, 5432), None]  # None: no ports (a database by its image)
PEERS = ["pod:web", "pod:api", "pod:nope", "ns:b", "ns:team=x", "all-pods", "none", "ns:b+pod:api",
         # the findings profile's shapes (issue 17): broad namespaceSelectors with a podSelector
         "broad+pod:api", "broad+tier:front"]
ENVS = {"a": "prod", "b": "staging", "c": "dev"}  # a Namespace's env label, by its name
POLICY_PORTS = ["sql", "http", "5432", "none"]
TYPES = [None, "[Ingress]", "[Ingress, Egress]", "[Egress]"]
SUPPRESSIONS = [None, "disable=NP021", "disable=NP001", "disable-file=NP070", "disable=NP004"]


@dataclass
class Doc:
    kind: str  # Namespace | Deployment | DaemonSet | NetworkPolicy | ConfigMap
    name: str
    namespace: str = "a"
    app: str = "web"
    image: str = "nginx"
    port: int = 0  # index into PORTS
    host_network: bool = False
    rules: list = field(default_factory=list)  # (peer, port) pairs of a policy's ingress
    types: Optional[str] = None
    egress_dns: bool = False
    value: str = "1"  # a ConfigMap's data, or a Namespace's team label
    tier: str = "back"  # a workload's second template label
    suppression: Optional[str] = None

    def render(self) -> str:
        lines = ["apiVersion: " + {"Namespace": "v1", "ConfigMap": "v1", "NetworkPolicy": "networking.k8s.io/v1"}
                 .get(self.kind, "apps/v1")]
        if self.suppression:
            lines.append(f"# netpol-lsp: {self.suppression}")
        lines.append(f"kind: {self.kind}")
        if self.kind == "Namespace":
            lines.append(f"metadata: {{name: {self.name}, labels: {{team: {self.value}, env: {ENVS[self.name]}}}}}")
            return "\n".join(lines)
        lines.append(f"metadata: {{name: {self.name}, namespace: {self.namespace}}}")
        if self.kind == "ConfigMap":
            lines.append(f"data: {{setting: '{self.value}'}}")
        elif self.kind == "NetworkPolicy":
            lines += self._policy()
        else:
            lines += self._workload()
        return "\n".join(lines)

    def _workload(self) -> list[str]:
        ports = ""
        if PORTS[self.port] is not None:
            name, number = PORTS[self.port]
            ports = f", ports: [{{containerPort: {number}" + (f", name: {name}}}]" if name else "}]")
        out = ["spec:", "  template:", f"    metadata: {{labels: {{app: {self.app}, tier: {self.tier}}}}}", "    spec:"]
        if self.host_network:
            out.append("      hostNetwork: true")
        out += ["      containers:", f"      - {{name: c, image: '{self.image}:1'{ports}}}"]
        return out

    def _policy(self) -> list[str]:
        out = ["spec:", f"  podSelector: {{matchLabels: {{app: {self.app}}}}}"]
        if self.types:
            out.append(f"  policyTypes: {self.types}")
        out.append("  ingress:" if self.rules else "  ingress: []")
        for peer, port in self.rules:
            out.append("  - from:" if peer != "none" else "  - ports: []")
            if peer.startswith("pod:"):
                out.append(f"    - podSelector: {{matchLabels: {{app: {peer[4:]}}}}}")
            elif peer.startswith("ns:b"):
                out.append("    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}")
                if peer.endswith("+pod:api"):  # the same peer: api pods in namespace b
                    out.append("      podSelector: {matchLabels: {app: api}}")
            elif peer == "ns:team=x":
                # NP004 where the OR looks like a mistake: namespace a has team=x (overlap), or api
                # pods live in a team=x namespace (a policy of another namespace: its evidence crosses)
                out += ["    - namespaceSelector: {matchLabels: {team: x}}",
                        "    - podSelector: {matchLabels: {app: api}}"]
            elif peer == "all-pods":
                out.append("    - podSelector: {}")
            elif peer.startswith("broad+"):  # every team's prod and staging namespaces
                out += ["    - namespaceSelector: {matchExpressions: [{key: team, operator: Exists},"
                        " {key: env, operator: In, values: [prod, staging]}]}",
                        "      podSelector: {matchLabels: {%s: %s}}" % tuple(peer[6:].split(":"))]
                out[-1] = out[-1].replace("{pod: ", "{app: ")
            if port != "none" and peer != "none":
                out.append(f"    ports: [{{port: {port}}}]")
        if self.egress_dns:
            out += ["  egress:", "  - ports: [{port: 53, protocol: UDP}]"]
        return out


def render(docs: list[Doc], header: int) -> str:
    return "# header\n" * header + "\n---\n".join(d.render() for d in docs) + "\n"


def initial_files() -> dict[str, tuple[list[Doc], int]]:
    """Files as teams would have them. Findings on policies.yaml point into apps.yaml (NP020's
    database, NP001's workloads compared); those on the other policy files depend on other
    files' namespaces, workloads and policies without pointing into them: policies.yaml selects
    into namespace b, b-policies.yaml into namespace a, c-policies.yaml into nothing."""
    return {
        "namespaces.yaml": ([Doc("Namespace", "a", value="x"), Doc("Namespace", "b", value="y")], 0),
        "apps.yaml": ([Doc("Deployment", "web", app="web"),
                       Doc("Deployment", "db", app="db", image="postgres", port=1)], 0),
        "b-apps.yaml": ([Doc("Deployment", "api", namespace="b", app="api")], 0),
        "more-apps.yaml": ([Doc("DaemonSet", "agent", image="nginx", port=3),
                            Doc("Deployment", "cache", app="web", image="postgres", port=3)], 0),
        "policies.yaml": ([Doc("NetworkPolicy", "p1", app="db", rules=[("pod:web", "sql"), ("all-pods", "sql")]),
                           Doc("NetworkPolicy", "p2", app="web",
                               rules=[("pod:api", "http"), ("ns:b", "5432"), ("ns:b+pod:api", "http")]),
                           Doc("NetworkPolicy", "p3", app="api", rules=[("none", "none")])], 1),
        "team-policies.yaml": ([Doc("NetworkPolicy", "p4", app="web", types="[Ingress, Egress]",
                                    rules=[("ns:team=x", "http")])], 0),
        "b-policies.yaml": ([Doc("NetworkPolicy", "p5", namespace="b", app="api", rules=[("ns:team=x", "http")])], 0),
        "c-policies.yaml": ([Doc("NetworkPolicy", "p6", namespace="c", rules=[("pod:web", "http")])], 0),
        # broad namespaceSelectors (prod and staging of every team), one peer naming a retired app
        "broad-policies.yaml": ([Doc("NetworkPolicy", "p7", namespace="b", app="api",
                                     rules=[("broad+pod:api", "http"), ("broad+tier:front", "http"),
                                            ("pod:nope", "http")])], 0),
        "config.yaml": ([Doc("ConfigMap", "settings")], 0),
    }


# --- edits ----------------------------------------------------------------------------------

EDITS = ["comment", "app", "namespace", "image", "port", "host", "peer", "types", "dns", "suppress", "value",
         "kind", "add-doc", "drop-doc", "move-doc", "remove-file", "restore-file", "rename", "tier", "rule-port"]
WORKLOAD_KINDS = ["Deployment", "DaemonSet", "StatefulSet"]


def apply_edit(files: dict, removed: dict, edit: tuple) -> list[str]:
    """Applies one edit (operation, file, document, choice) to the model; returns the paths it touched."""
    op, which, which_doc, choice = edit
    if op == "restore-file":
        if not removed:
            return []
        path = sorted(removed)[which % len(removed)]
        files[path] = removed.pop(path)  # back at the end of the file table
        return [path]
    paths = sorted(files)
    if not paths:
        return []
    path = paths[which % len(paths)]
    docs, header = files[path]
    if op == "comment":
        files[path] = (docs, (header + 1) % 3)
        return [path]
    if op == "remove-file":
        removed[path] = files.pop(path)
        return [path]
    if op == "add-doc":
        kind = ["Deployment", "DaemonSet", "NetworkPolicy", "Namespace", "ConfigMap"][choice % 5]
        docs.append(Doc(kind, NAMESPACES[choice % 3] if kind == "Namespace" else f"n{choice}",
                        namespace=NAMESPACES[choice % 3], app=APPS[choice % 3], image=IMAGES[choice % 3],
                        rules=[(PEERS[choice % len(PEERS)], POLICY_PORTS[choice % 4])]))
        return [path]
    if not docs:
        return []
    doc = docs[which_doc % len(docs)]
    if op == "drop-doc":
        docs.remove(doc)
    elif op == "move-doc":  # two files change at once
        docs.remove(doc)
        target = paths[(which + 1) % len(paths)]
        files[target][0].insert(0, doc)
        return [path, target]
    elif op == "app":
        doc.app = APPS[((APPS.index(doc.app) if doc.app in APPS else -1) + 1 + choice) % 3]
    elif op == "namespace":
        doc.namespace = NAMESPACES[(NAMESPACES.index(doc.namespace) + 1 + choice) % 3]
    elif op == "rename":
        doc.name = NAMESPACES[choice % 3] if doc.kind == "Namespace" else f"{doc.name[0]}{choice % 4}"
    elif op == "image":
        doc.image = IMAGES[choice % 3]
    elif op == "port":
        doc.port = choice % len(PORTS)
    elif op == "host":
        doc.host_network = not doc.host_network
    elif op == "peer":
        rule = (PEERS[choice % len(PEERS)], POLICY_PORTS[(choice // 7) % 4])
        if doc.rules and choice % 3 == 0:
            doc.rules[choice % len(doc.rules)] = rule
        elif len(doc.rules) < 3:
            doc.rules.append(rule)
        else:
            doc.rules.pop(0)
    elif op == "tier":  # a template label value changed (not the key other selectors read)
        doc.tier = "front" if doc.tier == "back" else "back"
    elif op == "rule-port" and doc.rules:  # a rule's port changed, its peer kept
        peer, port = doc.rules[choice % len(doc.rules)]
        doc.rules[choice % len(doc.rules)] = (peer, POLICY_PORTS[(POLICY_PORTS.index(port) + 1 + choice) % 4])
    elif op == "types":
        doc.types = TYPES[choice % len(TYPES)]
    elif op == "dns":
        doc.egress_dns = not doc.egress_dns
    elif op == "suppress":
        doc.suppression = SUPPRESSIONS[choice % len(SUPPRESSIONS)]
    elif op == "value":
        doc.value = ["y", "x", "1"][choice % 3] if doc.value == "x" else ["x", "y", "2"][choice % 3]
    elif op == "kind" and doc.kind in WORKLOAD_KINDS:
        doc.kind = WORKLOAD_KINDS[(WORKLOAD_KINDS.index(doc.kind) + 1 + choice) % 3]
    return [path]


def next_workspace(previous: Workspace, files: dict, touched: list[str],
                   memos: Optional[dict] = None) -> Workspace:
    """What the server's analysis sees after an edit: a copy of the file table with the touched
    files parsed again (a restored one at the end) or gone, every other file the same SourceFile.
    memos: parsed as the server parses a buffer, reusing the documents (and their objects) the
    edit left alone or only moved (parse.ChunkMemo)."""
    workspace = Workspace(previous.config)
    workspace.files = {p: s for p, s in previous.files.items() if p in files}
    for path in touched:
        if path in files:
            docs, header = files[path]
            if memos is None:
                workspace.set_text(path, render(docs, header))
            else:
                workspace.put(load_source(path, render(docs, header), workspace.config,
                                          memo=memos.setdefault(path, ChunkMemo())))
    return workspace


def reparsed(workspace: Workspace) -> Workspace:
    """The same texts, parsed afresh: nothing carried over from earlier versions."""
    copy = Workspace(workspace.config)
    for path, source in workspace.files.items():
        copy.set_text(path, source.text)
    return copy


def fresh_copy(workspace: Workspace) -> Workspace:
    """The same files, indexed and analysed from scratch."""
    copy = Workspace(workspace.config)
    copy.files = dict(workspace.files)
    return copy


def first_analysis(files: dict, config: Config) -> tuple[Workspace, Analysis]:
    workspace = Workspace(config)
    for path, (docs, header) in files.items():
        workspace.set_text(path, render(docs, header))
    return workspace, analyze_workspace(workspace)


def check_step(workspace: Workspace, analysis: Analysis) -> None:
    fresh = fresh_copy(workspace)
    assert analysis.findings() == analyze(fresh)
    for index in (workspace.index, fresh.index):
        assert index.namespace_postings is not None  # built lazily: on both sides, to compare them
    kept = vars(workspace.index).get("_matches")
    carried = ("_matches", "_identity_paths")  # tables kept across edits, checked below
    swapped = {k: v for k, v in vars(workspace.index).items() if k not in carried}
    assert swapped == {k: v for k, v in vars(fresh.index).items() if k not in carried}  # what indexing builds
    if kept is not None:
        check_kept_matches(kept, fresh, workspace.index)
    paths = vars(workspace.index).get("_identity_paths")
    if paths is not None:  # a listed file that no longer holds the identity is allowed: it is read
        for key, where in fresh.index.identity_paths(fresh).items():
            assert [p for p in paths.get(key, ()) if p in where] == where


def check_kept_matches(kept, fresh: Workspace, swapped) -> None:
    """Every answer the index carried over from earlier analyses is what the fresh workspace
    answers (the same workloads; the NamespaceInfos of the index that carries them)."""
    from netpol_lsp.analysis.selection import Resolver

    resolver = Resolver(fresh)
    by_key = {}
    for policy in fresh.index.policies:
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    for selector in (peer.namespace_selector, peer.pod_selector):
                        if selector is not None:
                            by_key[selector_key(selector)] = selector
        by_key[selector_key(policy.pod_selector)] = policy.pod_selector
    for namespace, answers in kept.pods.items():
        for key, found in answers.items():
            if key in by_key:
                assert found == resolver._workloads_matching(namespace, by_key[key])
    for key, found in kept.namespaces.items():
        if key in by_key:
            assert [ns.name for ns in found] == [ns.name for ns in fresh.index.namespaces.values()
                                                 if by_key[key].matches(ns.labels)]
            assert all(ns is swapped.namespaces[ns.name] for ns in found)
    for (ns_key, pod_key), found in kept.peers.items():
        if ns_key in by_key and (pod_key == () or pod_key in by_key):
            expected = [w for ns in fresh.index.namespaces.values() if by_key[ns_key].matches(ns.labels)
                        for w in fresh.index.workloads_by_ns.get(ns.name, ())
                        if pod_key == () or by_key[pod_key].matches(w.template_labels)]
            assert found == expected


edits = st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 7), st.integers(0, 3), st.integers(0, 40)),
                 min_size=1, max_size=15)


# the defaults, and a configuration that turns on NP022 and assumes namespace c with a label
CONFIGS = [Config(), Config(rules={"NP022": "on"}, assume_namespaces={"c": {"team": "x"}})]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits, st.sampled_from(CONFIGS))
def test_after_every_edit_the_incremental_findings_are_a_full_analysis(steps, config):
    files, removed = initial_files(), {}
    workspace, analysis = first_analysis(files, config)
    memos: dict = {}  # every edited file parsed as the server parses an open buffer
    for edit in steps:
        touched = apply_edit(files, removed, edit)
        if not touched:
            continue
        workspace = next_workspace(workspace, files, touched, memos)
        analysis = analyze_workspace(workspace, (), analysis)
        check_step(workspace, analysis)
        assert analysis.findings() == analyze(reparsed(workspace))  # the memo's reuse changes nothing


# --- the same edits in a repository with Kustomize roots (analysis/rendered.py) --------------

# one root that shares nothing (joins every view), two alternatives reading one file (a view
# each, findings merged and named by root), a namespace written by a kustomization (findings
# moved to its line), and a suppression there that a moved finding uses
KUSTOMIZATIONS = {
    "kustomization.yaml": "resources: [b-apps.yaml, broad-policies.yaml]\n",
    "r1/kustomization.yaml": "namespace: ghost  # netpol-lsp: disable=NP003\nresources: [../c-policies.yaml]\n",
    "r2/kustomization.yaml": "namespace: b\nresources: [../c-policies.yaml]\n",
}


def with_kustomizations(workspace: Workspace) -> Workspace:
    for path, text in KUSTOMIZATIONS.items():
        if path not in workspace.files:
            workspace.set_text(path, text)
    return workspace


def next_kustomized(previous: Workspace, files: dict, touched: list[str]) -> Workspace:
    """next_workspace, the kustomizations kept as they were (the same SourceFiles, in place)."""
    following = next_workspace(previous, files | {p: None for p in KUSTOMIZATIONS}, [p for p in touched if p in files])
    return following


def shared() -> Config:
    """Roots that share no file in one view, overlays of one base apart (no NP075)."""
    return Config(kustomize_views="shared")


def per_root() -> Config:
    """A view per root: a root's "matches nothing" that another root answers is an NP075 note."""
    config = Config()
    config.kustomize_views = "per-root"
    return config


def kustomized_files(config: Config) -> dict:
    """initial_files; with a view per root, r1 and r2 also deploy batch pods that a peer of the
    root "." reads: alone, "." does not see them, beside them it does (one NP075 for ".")."""
    files = initial_files()
    if config.kustomize_views == "per-root":
        files["c-policies.yaml"][0].append(Doc("Deployment", "batch", namespace="c", app="batch"))
        files["broad-policies.yaml"][0][0].rules.append(("pod:batch", "http"))
    return files


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits, st.sampled_from([shared(), per_root()]))
def test_with_kustomizations_after_every_edit_the_findings_are_what_check_finds(steps, config):
    """Edits of loose files keep the render and the views (only the files a view checked again
    are placed and merged again); edits of rendered files render again. Either way: check's
    findings (analyze_checked, the views built from scratch)."""
    from netpol_lsp.analysis.rendered import analyze_checked

    files, removed = kustomized_files(config), {}
    workspace, _ = first_analysis(files, config)
    workspace = with_kustomizations(workspace)
    analysis = analyze_workspace(workspace)
    for edit in steps:
        touched = apply_edit(files, removed, edit)
        if not touched:
            continue
        following = next_kustomized(workspace, files, touched)
        analysis = analyze_workspace(following, (), analysis)
        assert analysis.findings() == analyze_checked(fresh_copy(following))
        workspace = following
    assert analysis.views is not None


@pytest.mark.parametrize("config", [shared(), per_root()], ids=["shared", "per-root"])
def test_with_kustomizations_each_edit_of_a_loose_file_once(config):
    """The edits that keep the views, on each loose file: a file's last finding going away
    (its policy dropped), suppressions, peers, comments."""
    from netpol_lsp.analysis.rendered import analyze_checked

    initial = kustomized_files(config)
    start, _ = first_analysis(initial, config)
    start = with_kustomizations(start)
    start_analysis = analyze_workspace(start)
    assert ("NP075" in {f.rule for f in start_analysis.findings()}) == (config.kustomize_views == "per-root")
    claimed = start_analysis.views.rendered.claimed
    kept = 0
    for op in ("drop-doc", "suppress", "peer", "comment"):
        for which, path in enumerate(sorted(initial)):
            for choice in (0, 1):
                if path in claimed:
                    continue
                files = copy.deepcopy(initial)
                touched = apply_edit(files, {}, (op, which, 0, choice))
                following = next_kustomized(start, files, touched)
                analysis = analyze_workspace(following, (), start_analysis)
                kept += analysis.views.rendered is start_analysis.views.rendered and analysis.rechecked is not None
                assert analysis.findings() == analyze_checked(fresh_copy(following)), (op, path, choice)
    assert kept >= 40  # most of them keep the views and place only what they re-checked (a Namespace's do not)


def test_with_kustomizations_a_loose_file_edit_keeps_the_render():
    files = initial_files()
    workspace, _ = first_analysis(files, Config())
    workspace = with_kustomizations(workspace)
    before = analyze_workspace(workspace)
    # r1's namespace ghost is unknown (NP003, moved to the kustomization's line, where a comment
    # suppresses it: used, so no NP099 either); r2's namespace b has no web pods
    assert not [f for f in before.findings() if f.rule in ("NP003", "NP099")]
    assert [(f.rule, f.message.rsplit("(in ", 1)[1]) for f in before.findings()
            if f.path == "c-policies.yaml"][0] == ("NP010", "r1, r2)")  # both roots render it
    touched = apply_edit(files, {}, ("peer", sorted(files).index("policies.yaml"), 1, 2))
    after = analyze_workspace(next_kustomized(workspace, files, touched), (), before)
    assert after.views.rendered is before.views.rendered  # not rendered again
    from netpol_lsp.analysis.rendered import analyze_checked

    assert after.findings() == analyze_checked(fresh_copy(after.workspace))


def test_with_kustomizations_kept_views_let_their_earlier_versions_go():
    """A view kept across edits knows what was swapped into it, not its earlier versions: after
    a few edits the first view's workspace is gone (a chain of them grew the server by 100 MB
    in 150 edits)."""
    import gc
    import weakref

    files = initial_files()
    workspace, _ = first_analysis(files, Config())
    workspace = with_kustomizations(workspace)
    analysis = analyze_workspace(workspace)
    first = weakref.ref(analysis.views.everything.workspace)
    for _ in range(3):
        touched = apply_edit(files, {}, ("comment", sorted(files).index("policies.yaml"), 0, 0))
        workspace = next_kustomized(workspace, files, touched)
        analysis = analyze_workspace(workspace, (), analysis)
        assert analysis.views.everything.workspace.swapped is not None  # the view was kept, not built
    gc.collect()
    assert first() is None


@pytest.fixture(scope="module")
def initial_analysis() -> tuple[Workspace, Analysis]:
    return first_analysis(initial_files(), Config())


# restore-file needs a file removed by an earlier edit: one edit from the start has none (the
# random sequences above restore files)
@pytest.mark.parametrize("op", [op for op in EDITS if op != "restore-file"])
def test_every_single_edit_of_the_initial_workspace_gives_a_full_analysis(op, initial_analysis):
    """Each edit once, on each file and document: a sweep that does not rely on luck to reach
    the one edit that changes a finding in another file. Edits that leave the same files (an
    index that wraps around to the same document, a choice the operation does not read) are
    checked once: the analysis of the same workspace from the same start is the same."""
    initial = initial_files()
    start, start_analysis = initial_analysis
    seen = set()
    for which in range(len(initial)):
        for which_doc in range(max(len(docs) for docs, _ in initial.values())):
            # the choice picks a peer for these two; for the others 5 values reach every variant
            for choice in range(len(PEERS) if op in ("peer", "add-doc") else len(SUPPRESSIONS)):
                files = copy.deepcopy(initial)
                touched = apply_edit(files, {}, (op, which, which_doc, choice))
                # what next_workspace reads: the paths left, and the touched files' new text
                after = (tuple(files), tuple((p, render(*files[p]) if p in files else None) for p in touched))
                if touched and after not in seen:
                    seen.add(after)
                    workspace = next_workspace(start, files, touched)
                    check_step(workspace, analyze_workspace(workspace, (), start_analysis))
    assert seen  # every operation applies to the initial files


# --- the cross-file cases, one by one -------------------------------------------------------

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
"""

DB = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]
"""

WEB = DB.replace("StatefulSet", "Deployment").replace("db", "web").replace("postgres", "nginx") \
    .replace("5432", "8080")
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
SETTINGS = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {level: info}\n"


class EditedWorkspace:
    """A workspace edited file by file, analysed incrementally, checked against a full analysis."""

    def __init__(self, files: dict[str, str], config: Optional[Config] = None):
        self.workspace = Workspace(config or Config())
        for path, text in files.items():
            self.workspace.set_text(path, textwrap.dedent(text))
        self.analysis = analyze_workspace(self.workspace)

    def edit(self, path: str, text: Optional[str]) -> Analysis:
        workspace = Workspace(self.workspace.config)
        workspace.files = dict(self.workspace.files)
        if text is None:
            workspace.remove(path)
        else:
            workspace.set_text(path, text)
        self.workspace = workspace
        self.analysis = analyze_workspace(workspace, (), self.analysis)
        check_step(workspace, self.analysis)
        return self.analysis

    def rules(self, path: str) -> list[str]:
        return [f.rule for f in self.analysis.findings_of(path)]


def test_a_comment_rechecks_only_the_edited_file():
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": DB, "policy.yaml": POLICY, "settings.yaml": SETTINGS})
    before = edited.analysis
    after = edited.edit("settings.yaml", "# tuned by ops\n" + SETTINGS.replace("info", "debug"))
    assert after.rechecked == {"settings.yaml"}
    assert after.findings_of("policy.yaml") is before.findings_of("policy.yaml")  # reused, not recomputed


def test_a_label_added_to_a_deployment_fixes_the_policy_in_another_file():
    unlabelled = DB.replace("app: db", "app: dbx")
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": unlabelled, "policy.yaml": POLICY})
    assert "NP001" in edited.rules("policy.yaml")
    after = edited.edit("db.yaml", DB)
    assert after.rechecked == {"db.yaml", "policy.yaml"}  # the namespace's files, not ns.yaml
    assert "NP001" not in edited.rules("policy.yaml")


def test_a_label_changed_in_one_namespace_rechecks_the_policies_that_select_into_it():
    other = "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n"
    into_web = POLICY.replace("{podSelector: {matchLabels: {app: web}}}",
                              "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}, "
                              "podSelector: {matchLabels: {app: web}}}")
    edited = EditedWorkspace({"ns.yaml": NAMESPACE + "---\n" + other, "db.yaml": DB, "policy.yaml": into_web,
                              "web.yaml": WEB.replace("namespace: shop", "namespace: web"),
                              "settings.yaml": SETTINGS})
    assert "NP002" not in edited.rules("policy.yaml")
    after = edited.edit("web.yaml", WEB.replace("namespace: shop", "namespace: web").replace("app: web", "app: webx"))
    assert after.rechecked == {"web.yaml", "policy.yaml"}  # namespace web's files, and the policy selecting into it
    assert "NP002" in edited.rules("policy.yaml")


BROAD_PEER = ("{namespaceSelector: {matchExpressions: [{key: team, operator: Exists}, "
              "{key: env, operator: In, values: [prod, staging]}]}, podSelector: {matchLabels: {%s}}}")


def _teams() -> dict[str, str]:
    """Namespaces shop and web (prod), a policy in shop letting in web's `app: web` pods through a
    broad namespaceSelector, one reading `tier`, and web's own policy."""
    namespaces = ("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: a, env: prod}}\n---\n"
                  "apiVersion: v1\nkind: Namespace\nmetadata: {name: web, labels: {team: b, env: prod}}\n")
    web = WEB.replace("namespace: shop", "namespace: web").replace("{app: web}", "{app: web, tier: front}")
    by_app = POLICY.replace("{podSelector: {matchLabels: {app: web}}}", BROAD_PEER % "app: web")
    by_tier = POLICY.replace("name: db,", "name: db-tier,").replace(
        "{podSelector: {matchLabels: {app: web}}}", BROAD_PEER % "tier: front")
    own = POLICY.replace("namespace: shop", "namespace: web").replace("name: db,", "name: web,") \
        .replace("{app: db}", "{app: web}")
    return {"ns.yaml": namespaces, "db.yaml": DB, "by-app.yaml": by_app, "by-tier.yaml": by_tier,
            "web.yaml": web, "web-policy.yaml": own, "settings.yaml": SETTINGS}


def test_a_label_value_change_rechecks_only_the_peers_reading_that_key():
    edited = EditedWorkspace(_teams())
    assert "NP002" not in edited.rules("by-app.yaml") and "NP002" not in edited.rules("by-tier.yaml")
    web = edited.workspace.files["web.yaml"].text
    after = edited.edit("web.yaml", web.replace("tier: front", "tier: back"))
    # web's own policies, and the broad peer reading `tier`; not the one reading only `app`
    assert after.rechecked == {"web.yaml", "web-policy.yaml", "by-tier.yaml"}
    assert "NP002" in edited.rules("by-tier.yaml") and "NP002" not in edited.rules("by-app.yaml")
    after = edited.edit("web.yaml", web.replace("app: web,", "app: webx,"))
    assert after.rechecked == {"web.yaml", "web-policy.yaml", "by-app.yaml", "by-tier.yaml"}  # tier back, app changed
    assert "NP002" in edited.rules("by-app.yaml") and "NP002" not in edited.rules("by-tier.yaml")


def test_a_label_edit_after_a_policy_edit_rechecks_the_peer_that_edit_wrote():
    """The reach of a label edit is kept per namespace across edits (peer_index): a policy file
    edited in between, whose broad peer now reads the edited key, is re-checked on the next
    label edit, and one whose peer stopped reading it is not."""
    edited = EditedWorkspace(_teams())
    web = edited.workspace.files["web.yaml"].text
    edited.edit("web.yaml", web.replace("tier: front", "tier: back"))  # asks which peers read `tier`
    by_app = edited.workspace.files["by-app.yaml"].text
    by_tier = edited.workspace.files["by-tier.yaml"].text
    edited.edit("by-app.yaml", by_app.replace("{app: web}}", "{tier: back}}"))  # reads `tier` now
    edited.edit("by-tier.yaml", by_tier.replace("{tier: front}}", "{app: web}}"))  # reads `app` now
    assert "NP002" not in edited.rules("by-app.yaml")
    after = edited.edit("web.yaml", web)  # tier back to front: by-app's peer matches nothing
    assert after.rechecked == {"web.yaml", "web-policy.yaml", "by-app.yaml"}
    assert "NP002" in edited.rules("by-app.yaml") and "NP002" not in edited.rules("by-tier.yaml")


def test_a_label_change_rechecks_the_did_you_mean_of_a_peer_that_matches_nothing():
    files = _teams()
    # a typo in the key: the peer reads `tierr`, and its did-you-mean offers web's `tier: front`
    files["by-typo.yaml"] = files["by-tier.yaml"].replace("name: db-tier,", "name: db-typo,") \
        .replace("{tier: front}", "{tierr: front}")
    edited = EditedWorkspace(files)
    assert "tier=front" in next(f.message for f in edited.analysis.findings_of("by-typo.yaml") if f.rule == "NP002")
    web = edited.workspace.files["web.yaml"].text
    after = edited.edit("web.yaml", web.replace("tier: front", "tier: back"))  # check_step: as a full analysis
    assert "by-typo.yaml" in after.rechecked and "by-app.yaml" not in after.rechecked
    assert not any("tier=front" in f.message for f in edited.analysis.findings_of("by-typo.yaml"))


def test_a_label_change_rechecks_an_or_of_two_peers_that_looks_for_pods_in_another_namespace():
    files = _teams()
    # NP004: a namespaceSelector peer and a podSelector peer, ORed; web's pods are in namespace web
    files["or.yaml"] = POLICY.replace("name: db,", "name: db-or,").replace(
        "{podSelector: {matchLabels: {app: web}}}",
        "{namespaceSelector: {matchLabels: {team: b}}}, {podSelector: {matchLabels: {app: web}}}")
    edited = EditedWorkspace(files)
    assert "NP004" in edited.rules("or.yaml")
    web = edited.workspace.files["web.yaml"].text
    after = edited.edit("web.yaml", web.replace("app: web,", "app: webx,"))  # check_step: as a full analysis
    assert "or.yaml" in after.rechecked and "NP004" not in edited.rules("or.yaml")


def test_a_policy_change_does_not_recheck_the_policies_selecting_into_its_namespace():
    edited = EditedWorkspace(_teams())
    own = edited.workspace.files["web-policy.yaml"].text
    after = edited.edit("web-policy.yaml", own.replace("port: 5432", "port: 5433"))
    assert after.rechecked == {"web-policy.yaml", "web.yaml"}  # its namespace's policies and workloads


def test_a_pasted_policy_rechecks_its_namespace_not_the_workspace():
    edited = EditedWorkspace(_teams())
    own = edited.workspace.files["web-policy.yaml"].text
    pasted = own.replace("name: web,", "name: web-copy,").replace("{app: web}}", "{app: gone}}")
    after = edited.edit("web-policy.yaml", own + "---\n" + pasted)  # check_step: as a full analysis
    assert after.rechecked == {"web-policy.yaml", "web.yaml"}
    assert "NP001" in edited.rules("web-policy.yaml")  # the pasted one selects nothing
    after = edited.edit("web-policy.yaml", own)  # and deleted again
    assert after.rechecked == {"web-policy.yaml", "web.yaml"} and "NP001" not in edited.rules("web-policy.yaml")


def test_a_renamed_namespace_makes_the_policy_name_an_unknown_one():
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": DB, "policy.yaml": POLICY})
    assert "NP003" not in edited.rules("policy.yaml")
    edited.edit("ns.yaml", NAMESPACE.replace("shop", "shops"))
    edited.edit("db.yaml", DB.replace("shop", "shops"))
    assert "NP003" in edited.rules("policy.yaml")


def test_a_new_policy_isolating_the_database_clears_np021_on_its_workload():
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": DB, "web.yaml": WEB})
    assert "NP021" in edited.rules("db.yaml")
    edited.edit("policy.yaml", POLICY)
    assert "NP021" not in edited.rules("db.yaml")


def test_lines_moved_above_a_related_location_move_it_in_the_other_files_finding():
    # NP070: p2's rule is covered by p1's, in another file; the finding on p2 points at p1's rule
    p1 = POLICY.replace("name: db", "name: p1")
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": DB, "web.yaml": WEB, "p1.yaml": p1,
                              "p2.yaml": POLICY.replace("name: db", "name: p2")})
    [redundant] = [f for f in edited.analysis.findings_of("p2.yaml") if f.rule == "NP070"]
    assert redundant.related[0].path == "p1.yaml"
    after = edited.edit("p1.yaml", "# owned by the db team\n# reviewed\n" + p1)
    assert after.rechecked == {"p1.yaml", "p2.yaml"}
    [moved] = [f for f in edited.analysis.findings_of("p2.yaml") if f.rule == "NP070"]
    assert moved.related[0].span.start_line == redundant.related[0].span.start_line + 2


def test_a_flannel_daemonset_in_one_file_flags_every_policy_and_its_position_follows():
    flannel = DB.replace("StatefulSet", "DaemonSet").replace("postgres", "flannel").replace("db", "kube-flannel")
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "cni.yaml": flannel, "policy.yaml": POLICY})
    [before] = [f for f in edited.analysis.findings_of("policy.yaml") if f.rule == "NP030"]
    edited.edit("cni.yaml", "# the cluster network\n" + flannel)
    [after] = [f for f in edited.analysis.findings_of("policy.yaml") if f.rule == "NP030"]
    assert after.related[0].span.start_line == before.related[0].span.start_line + 1
    edited.edit("cni.yaml", "# the cluster network\n" + flannel.replace("flannel", "calico"))
    assert "NP030" not in edited.rules("policy.yaml")


def test_a_suppression_that_suppresses_nothing_is_np099_in_its_own_file_only():
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": DB, "web.yaml": WEB})
    assert edited.rules("db.yaml") == ["NP021"]
    after = edited.edit("web.yaml", "# netpol-lsp: disable=NP021\n" + WEB)
    assert after.rechecked == {"web.yaml"}
    assert edited.rules("web.yaml") == ["NP099"]
    edited.edit("db.yaml", DB.replace("kind:", "# netpol-lsp: disable=NP021\nkind:"))
    assert "NP021" not in edited.rules("db.yaml") and "NP099" not in edited.rules("db.yaml")


def test_a_file_removed_and_read_again_keeps_the_first_namespace_definition_right():
    # two files define Namespace shop with different labels: the first in the file table wins,
    # and a file read again moves to the end of it
    labelled = NAMESPACE.replace("{name: shop}", "{name: shop, labels: {team: x}}")
    policy = POLICY.replace("{podSelector: {matchLabels: {app: web}}}", "{namespaceSelector: {matchLabels: {team: x}}}")
    edited = EditedWorkspace({"ns1.yaml": labelled, "ns2.yaml": NAMESPACE, "db.yaml": DB, "policy.yaml": policy})
    assert "NP002" not in edited.rules("policy.yaml")
    workspace = Workspace(edited.workspace.config)
    workspace.files = dict(edited.workspace.files)
    source = workspace.files.pop("ns1.yaml")
    workspace.put(source)  # same text, read again: now last
    edited.workspace, edited.analysis = workspace, analyze_workspace(workspace, (), edited.analysis)
    check_step(workspace, edited.analysis)
    assert "NP002" in edited.rules("policy.yaml")  # ns2's unlabelled shop is the one that counts now


def test_a_different_configuration_or_rule_selection_is_analysed_in_full():
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": DB})
    workspace = Workspace(Config(cni="flannel"))
    workspace.files = dict(edited.workspace.files)
    assert analyze_workspace(workspace, (), edited.analysis).rechecked is None
    same = Workspace(edited.workspace.config)
    same.files = dict(edited.workspace.files)
    assert analyze_workspace(same, ("NP021",), edited.analysis).rechecked is None


def test_a_cilium_policy_in_the_databases_namespace_silences_np021_until_it_moves():
    cilium = ("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: db, namespace: shop}\n"
              "spec: {endpointSelector: {matchLabels: {app: db}}}\n")
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "db.yaml": DB, "web.yaml": WEB})
    assert "NP021" in edited.rules("db.yaml")
    edited.edit("cilium.yaml", cilium)  # check_step: the same findings as a full analysis
    assert "NP021" not in edited.rules("db.yaml") and edited.rules("cilium.yaml") == ["NP094"]
    edited.edit("cilium.yaml", cilium.replace("namespace: shop", "namespace: web"))
    assert "NP021" in edited.rules("db.yaml")


def test_with_kustomizations_loose_edits_follow_the_views_instead_of_building_them(monkeypatch):
    """The loose-file edits above mostly keep each view and swap the edited file in
    (views.views_after_edit), and their findings are still what check finds (asserted there)."""
    import netpol_lsp.analysis.rendered as rendered

    followed = []
    original = rendered.views_after_edit
    monkeypatch.setattr(rendered, "views_after_edit", lambda *a: followed.append(original(*a)) or followed[-1])
    test_with_kustomizations_each_edit_of_a_loose_file_once(Config())
    assert sum(v is not None for v in followed) >= 40


# --- one view per root (kustomize.views: per-root): several roots, loose edits that reach some --

PER_ROOT = Config(kustomize_views="per-root")

# roots deploying into namespace b (its apps and policies), c (a policy whose pods are loose
# workloads' business only if they move there), a (written by the kustomization), and ghost
# (broad namespaceSelectors: they reach every team's prod and staging namespaces); the loose
# files live in a. A loose edit in a reaches ra, rb (its team=x peer) and rg, not rc.
ROOTS = {
    "rb/kustomization.yaml": "resources: [../b-apps.yaml, ../b-policies.yaml]\n",
    "rc/kustomization.yaml": "resources: [../c-policies.yaml]\n",
    "ra/kustomization.yaml": "namespace: a\nresources: [../team-policies.yaml]\n",
    "rg/kustomization.yaml": "namespace: ghost\nresources: [../broad-policies.yaml]\n",
}
# a kustomization edited: its namespace moved (ra), or a file added to its resources (rc)
ROOT_EDITS = [("ra/kustomization.yaml", "namespace: b\nresources: [../team-policies.yaml]\n"),
              ("rc/kustomization.yaml", "resources: [../c-policies.yaml, ../config.yaml]\n")]


def with_roots(workspace: Workspace, texts: dict) -> Workspace:
    for path, text in texts.items():
        if path not in workspace.files or workspace.files[path].text != text:
            workspace.set_text(path, text)
    return workspace


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.tuples(st.sampled_from(EDITS), st.integers(0, 7), st.integers(0, 3), st.integers(0, 40)),
                          st.integers(0, len(ROOT_EDITS) - 1)), min_size=1, max_size=12))
def test_per_root_views_after_every_edit_the_findings_are_what_check_finds(steps):
    """Per-root views: after edits of loose files (each root's view re-checked only
    when the edit can reach it), of files the roots render, and of the kustomizations, the
    findings are check's (every view built and analysed from scratch)."""
    from netpol_lsp.analysis.rendered import analyze_checked

    files, removed = initial_files(), {}
    texts = dict(ROOTS)
    workspace, _ = first_analysis(files, PER_ROOT)
    workspace = with_roots(workspace, texts)
    analysis = analyze_workspace(workspace)
    assert len(analysis.views.views) == 4  # one per root
    for edit in steps:
        if isinstance(edit, int):  # a kustomization changed (undone the next time)
            path, text = ROOT_EDITS[edit]
            texts[path] = ROOTS[path] if texts[path] == text else text
            touched = []
        else:
            touched = apply_edit(files, removed, edit)
            if not touched:
                continue
        following = next_workspace(workspace, files | {p: None for p in texts}, [p for p in touched if p in files])
        following = with_roots(following, texts)
        analysis = analyze_workspace(following, (), analysis)
        assert analysis.findings() == analyze_checked(fresh_copy(following))
        workspace = following


def test_per_root_views_a_loose_edit_re_checks_only_the_roots_it_reaches():
    """A template label (tier) of a loose workload in namespace a changed: the root deploying
    into a (ra) and the one whose peer from elsewhere reads tier (rg's broad+tier:front) are
    re-checked; rb (its team=x peer reads no pod label) and rc (namespace c, a pod-only peer)
    keep their previous findings."""
    from netpol_lsp.analysis.rendered import analyze_checked

    files = initial_files()
    workspace, _ = first_analysis(files, PER_ROOT)
    workspace = with_roots(workspace, ROOTS)
    before = analyze_workspace(workspace)
    touched = apply_edit(files, {}, ("tier", sorted(files).index("apps.yaml"), 0, 0))
    after = analyze_workspace(next_workspace(workspace, files | {p: None for p in ROOTS}, touched), (), before)
    assert after.views.rendered is before.views.rendered
    same = {name for (name, everything), result in after.view_results.items()
            if not everything and result is before.view_results[(name, everything)]}
    assert same == {"rb", "rc"}
    assert after.findings() == analyze_checked(fresh_copy(after.workspace))


def test_per_root_views_an_edit_of_a_rendered_file_re_checks_only_the_roots_that_read_it():
    """b-policies.yaml, which only rb renders, changed (a peer): every root is rendered again,
    but only rb's view is analysed again; ra, rc and rg keep their findings."""
    from netpol_lsp.analysis.rendered import analyze_checked

    files = initial_files()
    workspace, _ = first_analysis(files, PER_ROOT)
    workspace = with_roots(workspace, ROOTS)
    before = analyze_workspace(workspace)
    touched = apply_edit(files, {}, ("peer", sorted(files).index("b-policies.yaml"), 0, 3))
    after = analyze_workspace(next_workspace(workspace, files | {p: None for p in ROOTS}, touched), (), before)
    assert after.views.rendered is not before.views.rendered  # rendered again
    # kept: the same findings table (the analysis itself may be let go of its view)
    same = {name for (name, everything), result in after.view_results.items()
            if not everything and result.by_path is before.view_results[(name, everything)].by_path}
    assert same == {"ra", "rc", "rg"}
    assert after.findings() == analyze_checked(fresh_copy(after.workspace))


def test_per_root_views_an_edit_of_a_rendered_file_renders_only_the_roots_that_read_it():
    """b-policies.yaml, which only rb renders, changed: rb is built again; ra, rc and rg are the
    very roots of the earlier render (objects included), and the view of everything keeps its
    copies of their files, so its incremental analysis sees only b-policies.yaml changed."""
    from netpol_lsp.analysis.rendered import analyze_checked

    files = initial_files()
    workspace, _ = first_analysis(files, PER_ROOT)
    workspace = with_roots(workspace, ROOTS)
    before = analyze_workspace(workspace)
    touched = apply_edit(files, {}, ("peer", sorted(files).index("b-policies.yaml"), 0, 3))
    after = analyze_workspace(next_workspace(workspace, files | {p: None for p in ROOTS}, touched), (), before)
    old, new = before.views.rendered.roots, after.views.rendered.roots
    assert {folder for folder in new if new[folder] is old[folder]} == {"ra", "rc", "rg"}
    old_files, new_files = before.views.everything.workspace.files, after.views.everything.workspace.files
    assert new_files["c-policies.yaml"] is old_files["c-policies.yaml"]  # rc's rendered copy, kept
    assert new_files["b-policies.yaml"] is not old_files["b-policies.yaml"]
    assert after.rechecked is not None  # merged again file by file, not the whole workspace
    assert after.findings() == analyze_checked(fresh_copy(after.workspace))


@pytest.mark.parametrize("edit", [("drop-doc", "broad-policies.yaml"), ("remove-file", "broad-policies.yaml"),
                                  ("remove-file", "b-policies.yaml")])
def test_per_root_views_a_rendered_file_emptied_or_removed_leaves_none_of_its_findings(edit):
    """A root's only policy dropped, or a file roots read removed: the root is rendered again and
    the findings its view had on that file (and moved to its kustomization) go with it, while the
    other roots keep their placement."""
    from netpol_lsp.analysis.rendered import analyze_checked

    op, name = edit
    files, removed = initial_files(), {}
    workspace, _ = first_analysis(files, PER_ROOT)
    workspace = with_roots(workspace, ROOTS)
    before = analyze_workspace(workspace)
    assert before.findings_of(name)
    touched = apply_edit(files, removed, (op, sorted(files).index(name), 0, 0))
    following = with_roots(next_workspace(workspace, files | {p: None for p in ROOTS},
                                          [p for p in touched if p in files]), ROOTS)
    after = analyze_workspace(following, (), before)
    assert after.findings() == analyze_checked(fresh_copy(following))


def test_per_root_views_let_go_of_all_but_the_last_views_and_stay_exact(monkeypatch):
    """With one root view kept made (LIVE_VIEWS), the others keep only their findings: a view
    reached again is analysed whole, and the findings stay check's through loose edits, edits of
    rendered files and of a kustomization."""
    import netpol_lsp.analysis.rendered as rendered
    from netpol_lsp.analysis.rendered import analyze_checked

    monkeypatch.setattr(rendered, "LIVE_VIEWS", 1)
    files, removed = initial_files(), {}
    texts = dict(ROOTS)
    workspace, _ = first_analysis(files, PER_ROOT)
    workspace = with_roots(workspace, texts)
    analysis = analyze_workspace(workspace)
    steps = [("tier", 0, 0, 0), ("app", 1, 0, 1), ("peer", 2, 0, 4), 0, ("namespace", 3, 0, 2), ("tier", 4, 1, 0),
             ("image", 0, 1, 1), 1, ("peer", 5, 0, 8), ("add-doc", 6, 0, 1), ("drop-doc", 7, 0, 0), 0, 1]
    for edit in steps:
        if isinstance(edit, int):
            path, text = ROOT_EDITS[edit]
            texts[path] = ROOTS[path] if texts[path] == text else text
            touched = []
        else:
            touched = apply_edit(files, removed, edit)
        following = with_roots(next_workspace(workspace, files | {p: None for p in texts},
                                              [p for p in touched if p in files]), texts)
        analysis = analyze_workspace(following, (), analysis)
        assert analysis.findings() == analyze_checked(fresh_copy(following)), edit
        made = [v.name for v in analysis.views.views if isinstance(v.made, Workspace)]
        assert len(made) <= 1, made
        workspace = following
