"""The server splits its root as `netpol-lsp check` does: a folder with its own .netpol-lsp.yaml
is its own cluster wherever it is found, so a file gets the same findings in the editor as from
check, whatever root the editor was opened on."""
from __future__ import annotations

import asyncio
import contextlib
import io
import json
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from netpol_lsp.cli import main
from netpol_lsp.commands.common import prepare_workspaces

from .helpers import capabilities, codes, open_file, start, wait_diagnostics, wait_for, write
from .test_diff_lsp import ADDED_PEER, BASE, change, git

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ("examples/three-tier", "examples/three-tier-broken")


def check(*folders: Path) -> dict[str, list[tuple]]:
    """check's findings of the folders: (rule, LSP range, message) per file URI."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "--format", "json", "--fail-on", "never", *map(str, folders)])
    found: dict[str, list[tuple]] = {}
    for f in json.loads(out.getvalue())["findings"]:
        start, end = f["range"]["start"], f["range"]["end"]  # 1-based; LSP is 0-based
        where = (start["line"] - 1, start["column"] - 1, end["line"] - 1, end["column"] - 1)
        found.setdefault(Path(f["path"]).resolve().as_uri(), []).append((f["rule"], where, f["message"]))
    return {uri: sorted(items) for uri, items in found.items()}


def as_tuples(diagnostics) -> list[tuple]:
    return sorted((str(d.code), (d.range.start.line, d.range.start.character, d.range.end.line,
                                 d.range.end.character), d.message) for d in diagnostics)


def progress_ended(client: LanguageClient, at_least: int) -> bool:
    ends = [reports for reports in client.progress_reports.values()
            if reports and isinstance(reports[-1], types.WorkDoneProgressEnd)]
    return len(ends) >= at_least and len(ends) == len(client.progress_reports)


async def indexed(client: LanguageClient, folder: Path) -> int:
    """Waits until each cluster check makes of the folder has indexed (each reports its own
    progress); returns how many there are. A server that makes fewer is waited for 20 s only:
    what it then answers is compared all the same (a difference says more than a timeout)."""
    clusters = len(prepare_workspaces([str(folder)], None, use_cache=False))
    with contextlib.suppress(AssertionError):
        await wait_for(client, types.PROGRESS, lambda: progress_ended(client, clusters), timeout=20)
    return clusters


@pytest.mark.parametrize("root", ["", "examples", "examples/three-tier"], ids=["repository", "examples", "three-tier"])
async def test_the_editor_gives_what_check_gives_whatever_the_root(client: LanguageClient, root):
    folder = REPO / root
    expected: dict[str, list[tuple]] = {}
    files: list[str] = []
    for example in EXAMPLES:
        if not (REPO / example).is_relative_to(folder):
            continue  # outside the root: not the editor's workspace
        expected.update(check(REPO / example))
        files += [p.as_uri() for p in sorted((REPO / example).glob("*.yaml"))]
    assert any(expected.values()) or root == "examples/three-tier"  # three-tier itself is clean

    await start(client, folder)
    clusters = await indexed(client, folder)
    # a pull is answered once every cluster's analysis of what it indexed is done
    report = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    pulled = {item.uri: as_tuples(item.items) for item in report.items if item.items}
    pushed = {uri: as_tuples(d) for uri, d in client.diagnostics.items() if d}
    for uri in files:
        assert pulled.get(uri, []) == expected.get(uri, []), uri
        assert pushed.get(uri, []) == expected.get(uri, []), uri
    assert progress_ended(client, clusters)  # one cluster for each workspace check makes
    if root == "":  # one server for this too: rooted at the repository, it reads both examples
        await requests_go_to_the_cluster_of_the_document(client)


async def requests_go_to_the_cluster_of_the_document(client: LanguageClient):
    # the repository root holds both examples, each with its own StatefulSet shop/db: the lens
    # and the hover of three-tier-broken's policy count its own cluster's database only
    uri = open_file(client, REPO / "examples/three-tier-broken/db-policy.yaml")
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    titles = [lens.command.title for lens in lenses if lens.command is not None]
    assert any(title.startswith("selects 1 workload ") for title in titles), titles
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=6, character=10)))
    assert hover is not None and "selects 1 workload" in hover.contents.value


FLANNEL = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel-ds, namespace: kube-flannel}
spec:
  selector: {matchLabels: {app: flannel}}
  template:
    metadata: {labels: {app: flannel}}
    spec: {containers: [{name: kube-flannel, image: docker.io/flannel/flannel:v0.25.1}]}
"""
POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


def changed_on_disk(client: LanguageClient, path: Path, kind: types.FileChangeType) -> None:
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=path.as_uri(), type=kind)]))


async def settled(client: LanguageClient, indexings: int) -> dict[str, list[str]]:
    """After `indexings` more clusters (re)indexed and the analyses are done: the rule ids the
    client holds per URI."""
    total = len(client.progress_reports) + indexings
    await wait_for(client, types.PROGRESS, lambda: progress_ended(client, total))
    await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    return {uri: codes(d) for uri, d in client.diagnostics.items()}


async def test_a_configuration_created_or_deleted_moves_the_folder_between_clusters(client: LanguageClient,
                                                                                    tmp_path):
    # two policies, not two identical copies of one (those are analysed once: NP030 at one of them)
    files = write(tmp_path, {"flannel.yaml": FLANNEL, "team/policy.yaml": POLICY,
                             "team/other.yaml": POLICY.replace("deny-all", "deny-other")})

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        return None

    await start(client, tmp_path, caps=capabilities(watch=True))
    opened = open_file(client, files["team/policy.yaml"])
    other = files["team/other.yaml"].as_uri()  # not open: its diagnostics come from indexing
    found = await settled(client, 1)
    # one cluster: the Flannel DaemonSet is the CNI of the team's policies
    assert found[opened] == found[other] == ["NP030"]

    config = tmp_path / "team" / ".netpol-lsp.yaml"
    config.write_text("cni: calico\n")
    changed_on_disk(client, config, types.FileChangeType.Created)
    found = await settled(client, 2)  # the root's cluster walks again and finds team/: its own cluster
    assert found.get(opened, []) == found.get(other, []) == []  # on Calico: NP030 cleared

    config.unlink()
    changed_on_disk(client, config, types.FileChangeType.Deleted)
    found = await settled(client, 1)  # team/'s cluster dropped, the root's walks again
    assert found[opened] == found[other] == ["NP030"]  # once: no entry left by the dropped cluster

    # a new configuration saved from the editor says it too (a client without file watchers)
    config.write_text("cni: calico\n")
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=open_file(client, config))))
    found = await settled(client, 2)
    assert found.get(opened, []) == found.get(other, []) == []


async def test_several_workspace_folders_are_split_as_check_splits_them(client: LanguageClient, tmp_path):
    # a and b share no configuration: one cluster, as `check a b` reads them (b's policy is
    # under a's Flannel); c has its own (Calico), and so has a/team below a: clusters of their own
    files = write(tmp_path, {"a/flannel.yaml": FLANNEL, "a/team/.netpol-lsp.yaml": "cni: calico\n",
                             "a/team/policy.yaml": POLICY.replace("  policyTypes: [Ingress]\n", ""),
                             "b/policy.yaml": POLICY, "c/.netpol-lsp.yaml": "cni: calico\n", "c/policy.yaml": POLICY})
    folders = [tmp_path / name for name in ("a", "b", "c")]
    expected = check(*folders)
    assert {Path(uri).parent.name for uri, items in expected.items() if any(r == "NP030" for r, _, _ in items)} == {"b"}
    assert [r for r, _, _ in expected[files["a/team/policy.yaml"].as_uri()]] == ["NP010"]

    await client.initialize_session(types.InitializeParams(
        capabilities=capabilities(), initialization_options={"debounceMs": 20},
        workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders]))
    clusters = len(prepare_workspaces([str(f) for f in folders], None, use_cache=False))
    assert clusters == 3  # {a, b}, a/team, c
    with contextlib.suppress(AssertionError):
        await wait_for(client, types.PROGRESS, lambda: progress_ended(client, clusters), timeout=20)
    report = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    pulled = {item.uri: as_tuples(item.items) for item in report.items if item.items}
    assert pulled == expected


async def test_the_connectivity_diff_of_a_nested_cluster_and_of_every_cluster(client: LanguageClient, tmp_path):
    # the hand-checked workspace of tests/test_diff.py in team/ (its own cluster), committed; the
    # root's cluster holds no file of it, at HEAD either: no difference there
    root = tmp_path / "repo"
    write(root, {f"team/{name}": text for name, text in BASE.items()})
    write(root, {"team/.netpol-lsp.yaml": "cni: calico\n"})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    await start(client, root)
    uri = open_file(client, root / "team" / "db-ingress.yaml")
    change(client, uri, 2, ADDED_PEER)  # probe (namespace team=tools) may now reach db on 5432
    await indexed(client, root)

    async def diff(*arguments):
        return await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="netpol-lsp.diff", arguments=list(arguments)))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while (team := await diff(uri))["summary"] != {"added": 1, "removed": 0, "changed": 0} and loop.time() < deadline:
        await asyncio.sleep(0.1)  # the buffer's edit analysed first
    assert team["available"] and team["summary"] == {"added": 1, "removed": 0, "changed": 0}
    every = await diff()
    assert [(Path(c["folders"]).name, c["summary"]) for c in every["clusters"]] == [
        ("repo", {"added": 0, "removed": 0, "changed": 0}), ("team", {"added": 1, "removed": 0, "changed": 0})]
    assert every["summary"] == {"added": 1, "removed": 0, "changed": 0}


def test_a_path_goes_to_the_deepest_cluster_and_a_carved_folder_is_not_read_around_it():
    from netpol_lsp.lsp.cluster import deepest
    from netpol_lsp.lsp.state import ServerState

    class Named:  # deepest() reads only the folders
        def __init__(self, *roots):
            self.roots = list(roots)

    outer, team, other = Named("/r"), Named("/r/team"), Named("/s", "/t")
    clusters = [outer, team, other]
    first = lambda: clusters[0]  # noqa: E731
    assert deepest(clusters, "/r/team/policy.yaml", first) is team
    assert deepest(clusters, "/r/teams/policy.yaml", first) is outer  # a name that only starts the same
    assert deepest(clusters, "/t/x.yaml", first) is other
    assert deepest(clusters, "/elsewhere/x.yaml", first) is outer  # outside every folder: the first

    state = ServerState()
    state.roots, state.carved = ["/r"], ("/r/team",)
    assert state.root_of("/r/a.yaml") == "/r"
    assert state.root_of("/r/team/a.yaml") is None and not state.is_workspace_file("/r/team/a.yaml")
    assert state.root_of("/r/teams/a.yaml") == "/r"
