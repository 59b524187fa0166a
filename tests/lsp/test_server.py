"""The language server end to end: a real server process over stdio, driven by pytest-lsp."""
from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from pygls.exceptions import JsonRpcException, JsonRpcMethodNotFound

from .helpers import (capabilities, codes, open_file, raw_request, replace_all, start, wait_diagnostics, wait_for,
                      write)

NAMESPACE = """
apiVersion: v1
kind: Namespace
metadata:
  name: shop
"""

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 8080
"""

API = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: api
"""

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-allow-api
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: api
      ports:
        - protocol: TCP
          port: http
"""

COMPOSE = """
services:
  web:
    image: nginx
    ports: ["8080:80"]
"""


def shop(tmp_path, web_label: str = "web"):
    return write(tmp_path, {"namespace.yaml": NAMESPACE, "web.yaml": WEB.replace("        app: web", f"        app: {web_label}"),
                            "api.yaml": API, "policy.yaml": POLICY})


def has(rule):
    return lambda diagnostics: rule in codes(diagnostics)


def lacks(rule):
    return lambda diagnostics: rule not in codes(diagnostics)


async def test_diagnostics_on_open_carry_code_link_source_and_related(client: LanguageClient, tmp_path):
    files = shop(tmp_path, web_label="webx")  # the policy's app=web now selects nothing: NP001
    await start(client, tmp_path)
    uri = open_file(client, files["policy.yaml"], version=7)

    diagnostics = await wait_diagnostics(client, uri, has("NP001"))

    assert codes(diagnostics) == ["NP001", "NP010"]
    np001 = next(d for d in diagnostics if d.code == "NP001")
    assert np001.source == "netpol-lsp"
    assert np001.severity == types.DiagnosticSeverity.Warning
    assert np001.code_description.href.endswith("NP001-unmatched-pod-selector.md")
    assert np001.code_description.href.startswith(("file://", "https://"))
    assert (np001.range.start.line, np001.range.start.character) == (6, 2)  # `podSelector`, as check says 7:3
    assert "did you mean app=webx" in np001.message
    related = {r.location.uri: r for r in np001.related_information}  # the workloads compared
    assert set(related) == {files["web.yaml"].as_uri(), files["api.yaml"].as_uri()}
    web = related[files["web.yaml"].as_uri()]
    assert "app=webx" in web.message and web.location.range.start.line == 1  # its `kind`
    # the first diagnostics of the opened file already came with its version
    assert not client.messages  # no window/showMessage noise
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]


async def test_edit_of_another_file_republishes_the_policy_file(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])
    web_text = files["web.yaml"].read_text()
    web_uri = open_file(client, files["web.yaml"], text=web_text)
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])

    broken = web_text.replace("        app: web", "        app: webx")
    replace_all(client, web_uri, web_text, broken, version=2)
    diagnostics = await wait_diagnostics(client, policy_uri, has("NP001"))
    assert "app=webx" in next(d.message for d in diagnostics if d.code == "NP001")

    replace_all(client, web_uri, broken, web_text, version=3)
    await wait_diagnostics(client, policy_uri, lacks("NP001"))
    assert codes(client.diagnostics[policy_uri]) == ["NP010"]


async def test_lines_added_above_a_workload_move_the_related_location_in_the_policy_file(client: LanguageClient,
                                                                                         tmp_path):
    # the policy's NP001 points at web.yaml's `kind`; comments typed above it move that line, and
    # the policy file, which nobody edited, is republished with the new place
    files = shop(tmp_path, web_label="webx")
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])
    web_text = files["web.yaml"].read_text()
    web_uri = open_file(client, files["web.yaml"], text=web_text)

    def web_line(diagnostics) -> int:
        np001 = next(d for d in diagnostics if d.code == "NP001")
        return next(r.location.range.start.line for r in np001.related_information if r.location.uri == web_uri)

    diagnostics = await wait_diagnostics(client, policy_uri, has("NP001"))
    assert web_line(diagnostics) == 1
    replace_all(client, web_uri, web_text, "# owned by the web team\n# on call: #web\n" + web_text, version=2)
    await wait_diagnostics(client, policy_uri, lambda d: "NP001" in codes(d) and web_line(d) == 3)


async def test_the_edited_file_is_published_before_the_other_files_it_reaches(client: LanguageClient, tmp_path):
    # a comment above web.yaml's Deployment moves the related location of policy.yaml's NP001; a
    # policy pasted below it gives web.yaml diagnostics of its own: web.yaml's go out first
    # (the other files' were sent in path order, policy.yaml before web.yaml)
    files = shop(tmp_path, web_label="webx")
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])
    web_text = files["web.yaml"].read_text()
    web_uri = open_file(client, files["web.yaml"], text=web_text)
    await wait_diagnostics(client, policy_uri, has("NP001"))
    order = []

    class Recording(dict):
        def __setitem__(self, uri, diagnostics):
            order.append(uri)
            super().__setitem__(uri, diagnostics)

    client.diagnostics = Recording(client.diagnostics)
    edited = "# owned by the web team\n" + web_text + "---\n" + POLICY.replace("web-allow-api", "second")
    replace_all(client, web_uri, web_text, edited, version=2)
    await wait_diagnostics(client, web_uri, has("NP001"))
    await wait_diagnostics(client, policy_uri, lambda d: any(
        r.location.range.start.line == 2 for x in d if x.code == "NP001" for r in x.related_information or ()))
    assert order.index(web_uri) < order.index(policy_uri)


async def test_small_incremental_edits_are_applied_and_debounced(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])
    # type "x" after `app: web` in the policy's podSelector (line 8), one key stroke at a time
    line, col = 8, len("      app: web")
    for version, char in enumerate("xyz", start=2):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=policy_uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=line, character=col),
                                  end=types.Position(line=line, character=col)), text=char)]))
        col += 1
    diagnostics = await wait_diagnostics(client, policy_uri, has("NP001"))
    assert "app=webxyz" in next(d.message for d in diagnostics if d.code == "NP001")


async def test_hover_explains_policy_selector_port_and_workload(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])

    async def hover(uri, line, character):
        result = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
        assert result is None or result.contents.kind == types.MarkupKind.Markdown
        return result.contents.value if result else None

    # on kind or name: the `explain` text of the policy (analysis/explain.py), short first line
    on_kind = await hover(policy_uri, 1, 3)
    first, *rest = on_kind.split("\n")
    assert first.startswith("**NetworkPolicy shop/web-allow-api**") and "selects 1 workload" in first
    body = "\n".join(rest)
    assert "`Deployment shop/web`" in body  # what it selects
    assert "from pods with `app=api` in namespace `shop` (`Deployment shop/api`)" in body  # the rule, its peer
    assert "TCP 8080" in body  # the named port, resolved on the selected pod
    assert await hover(policy_uri, 3, 9) == on_kind  # metadata.name says the same

    on_selector = await hover(policy_uri, 6, 4)
    assert on_selector.startswith("**podSelector `app=web`** — selects 1 workload in namespace `shop`")
    assert "- Deployment shop/web — [web.yaml:2](" in on_selector

    on_peer = await hover(policy_uri, 11, 12)
    assert on_peer.startswith("**from pods `app=api` in namespace `shop`** — matches 1 workload")
    assert "Deployment shop/api" in on_peer

    on_port = await hover(policy_uri, 16, 17)
    assert on_port.startswith("**TCP port named `http`** — declared by 1 container port of 1 selected workload")
    assert "Deployment shop/web, container `web`: 8080/TCP (`http`)" in on_port

    web_uri = files["web.yaml"].as_uri()  # not open: hover reads the indexed file
    on_labels = await hover(web_uri, 12, 10)  # the pod template's labels: the workload explained
    first, *rest = on_labels.split("\n")
    assert first.startswith("**Deployment shop/web**") and "ingress isolated" in first
    assert "`shop/web-allow-api` (Ingress)" in on_labels  # the policy selecting it
    assert "from `Deployment shop/api`: `TCP 8080`" in on_labels  # its effective ingress
    assert await hover(web_uri, 1, 2) == on_labels  # on its kind: the same

    on_ingress = await hover(policy_uri, 9, 3)
    assert on_ingress.startswith("**Ingress**:\n1. Allow from pods `app=api`")
    on_rule = await hover(policy_uri, 10, 7)
    assert on_rule.startswith("**Ingress rule 1 of shop/web-allow-api**")
    assert await hover(policy_uri, 0, 2) is None  # apiVersion: nothing to say


async def test_pull_diagnostics(client: LanguageClient, tmp_path):
    files = shop(tmp_path, web_label="webx")
    await start(client, tmp_path, caps=capabilities(pull=True))
    policy_uri = open_file(client, files["policy.yaml"])

    async def pull():
        return await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=policy_uri)))

    # the first answer may come before the workspace is indexed (single-file rules only); the
    # server asks the client to pull again (workspace/diagnostic/refresh) once it knows more
    # (refreshes are counted before each pull: the refresh may be read before the test resumes
    # after a stale answer, and counting after it would wait for one more that never comes)
    refreshes = client.diagnostic_refresh_count
    report = await pull()
    while codes(report.items) != ["NP001", "NP010"]:
        assert codes(report.items) == ["NP010"]
        await wait_for(client, types.WORKSPACE_DIAGNOSTIC_REFRESH, lambda: client.diagnostic_refresh_count > refreshes)
        refreshes = client.diagnostic_refresh_count
        report = await pull()
    assert report.kind == "full"
    assert report.items[0].source == "netpol-lsp"

    again = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=policy_uri), previous_result_id=report.result_id))
    assert again.kind == "unchanged" and again.result_id == report.result_id

    workspace = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    by_uri = {item.uri: item for item in workspace.items}
    assert codes(by_uri[policy_uri].items) == ["NP001", "NP010"]
    assert by_uri[policy_uri].version == 1  # open: with its version

    clean = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=files["api.yaml"].as_uri())))
    assert clean.kind == "full" and list(clean.items) == []
    assert client.diagnostics == {}  # a client that pulls is not pushed to as well


async def test_indexing_reports_work_done_progress(client: LanguageClient, tmp_path):
    shop(tmp_path)
    write(tmp_path, {f"more/app{i}.yaml": API.replace("name: api", f"name: api{i}") for i in range(40)})
    await start(client, tmp_path)

    def ended():
        return any(reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
                   for reports in client.progress_reports.values())

    await wait_for(client, types.PROGRESS, ended)
    [reports] = client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].title.startswith("netpol-lsp")
    middle = [r for r in reports[1:-1] if isinstance(r, types.WorkDoneProgressReport)]
    assert middle and middle[-1].percentage == 100
    percentages = [r.percentage for r in middle]
    assert percentages == sorted(percentages)
    assert "44 files" in reports[-1].message


async def test_the_opened_file_comes_first_with_single_file_rules(client: LanguageClient, tmp_path):
    # the policy's pods live in web.yaml, read only when indexing reaches it: before that, the
    # opened file gets the rules that need no other file (NP010), never a false NP001
    files = shop(tmp_path)
    write(tmp_path, {f"bulk/app{i:04}.yaml": API.replace("name: api", f"name: api{i}") for i in range(600)})
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])

    def ended():
        return any(reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
                   for reports in client.progress_reports.values())

    first = await wait_diagnostics(client, policy_uri, lambda d: True)
    assert not ended(), "the opened file's diagnostics should come before the workspace is indexed"
    assert codes(first) == ["NP010"]
    await wait_for(client, types.PROGRESS, ended)
    await asyncio.sleep(0.2)
    assert codes(client.diagnostics[policy_uri]) == ["NP010"]  # and the whole analysis agrees


async def test_workspace_folders_added_later_are_indexed(client: LanguageClient, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    files = shop(first)
    write(second, {"web.yaml": WEB.replace("name: web\n  namespace", "name: web2\n  namespace")})
    files["web.yaml"].unlink()  # the policy's pods are in the other folder
    await start(client, first)
    policy_uri = open_file(client, files["policy.yaml"])
    await wait_diagnostics(client, policy_uri, has("NP001"))
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[types.WorkspaceFolder(uri=second.as_uri(), name="two")],
                                                removed=[])))
    await wait_diagnostics(client, policy_uri, lacks("NP001"))


async def test_bad_requests_are_answered_and_the_server_lives_on(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    files.update(write(tmp_path, {"compose.yaml": COMPOSE}))
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])
    compose_uri = open_file(client, files["compose.yaml"])
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])

    unknown = (tmp_path / "nowhere.yaml").as_uri()
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=unknown), position=types.Position(line=0, character=0))) is None
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=policy_uri),
        position=types.Position(line=5000, character=99))) is None
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=compose_uri),
        position=types.Position(line=1, character=3))) is None

    # params the server cannot read: an error answer, not a dead server
    with pytest.raises(JsonRpcException):
        await raw_request(client, types.TEXT_DOCUMENT_HOVER, {"textDocument": {"uri": 42}, "position": "here"})
    with pytest.raises(JsonRpcMethodNotFound):
        await raw_request(client, "netpol-lsp/noSuchMethod", {})

    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=policy_uri), position=types.Position(line=1, character=3)))
    assert result is not None and "web-allow-api" in result.contents.value
    assert client.diagnostics.get(compose_uri, []) == []  # not Kubernetes: no noise
    assert not client.messages


async def test_did_change_configuration_takes_effect(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    await start(client, tmp_path)
    policy_uri = open_file(client, files["policy.yaml"])
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])

    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"netpol-lsp": {"rules": {"implicit-policy-types": "off", "NP001": "error"}}}))
    await wait_diagnostics(client, policy_uri, lambda d: d == [])

    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"netpol-lsp": {"rules": {"NP010": "error"}}}))
    diagnostics = await wait_diagnostics(client, policy_uri, has("NP010"))
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error


async def test_configuration_is_pulled_and_the_config_file_is_read(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    write(tmp_path, {".netpol-lsp.yaml": "cni: flannel\n"})
    client.set_configuration({"rules": {"NP010": "off"}}, section="netpol-lsp")
    await start(client, tmp_path, caps=capabilities(configuration=True))
    policy_uri = open_file(client, files["policy.yaml"])
    diagnostics = await wait_diagnostics(client, policy_uri, has("NP030"))  # flannel, from the file
    assert codes(diagnostics) == ["NP030"]  # NP010 off, from the client's settings

    client.set_configuration({"rules": {"NP010": "info"}, "cni": "calico"}, section="netpol-lsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])


async def test_watched_files_are_registered_and_disk_changes_republish(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    registrations = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        registrations.extend(params.registrations)

    await start(client, tmp_path, caps=capabilities(watch=True))
    policy_uri = open_file(client, files["policy.yaml"])
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])
    [watch] = [r for r in registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    globs = [w["globPattern"] for w in watch.register_options["watchers"]]  # options arrive untyped
    assert "**/*.{yaml,yml,json}" in globs and "**/.netpol-lsp.yaml" in globs

    files["web.yaml"].unlink()  # the policy's pods are gone
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=files["web.yaml"].as_uri(), type=types.FileChangeType.Deleted)]))
    await wait_diagnostics(client, policy_uri, has("NP001"))

    write(tmp_path, {"web2.yaml": WEB})
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(tmp_path / "web2.yaml").as_uri(), type=types.FileChangeType.Created)]))
    await wait_diagnostics(client, policy_uri, lacks("NP001"))

    # the open buffer wins over the disk: a disk change to an open file is ignored
    files["policy.yaml"].write_text("kind: nothing\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=policy_uri, type=types.FileChangeType.Changed)]))
    await asyncio.sleep(0.3)
    assert codes(client.diagnostics[policy_uri]) == ["NP010"]


async def test_close_of_a_file_outside_the_workspace_clears_it(client: LanguageClient, tmp_path):
    workspace = tmp_path / "ws"
    outside = tmp_path / "outside"
    files = shop(workspace)
    [stray] = write(outside, {"stray.yaml": POLICY.replace("app: web", "app: nothing")}).values()
    await start(client, workspace)
    stray_uri = open_file(client, stray)
    await wait_diagnostics(client, stray_uri, has("NP001"))
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=stray_uri)))
    await wait_diagnostics(client, stray_uri, lambda d: d == [])
    assert files  # the workspace itself is untouched


async def test_shutdown_and_exit(client: LanguageClient, tmp_path):
    shop(tmp_path)
    await start(client, tmp_path)
    await client.shutdown_async(None)
    client.exit(None)
    assert await asyncio.wait_for(client._server.wait(), timeout=10) == 0
    client.capabilities = None  # already shut down: the fixture has nothing left to do
