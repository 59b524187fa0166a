"""The editor features end to end, against a real server process: code actions, go to definition,
find references, code lens, completion, document and workspace symbols, inlay hints.

Expected values are worked out by hand from the manifests below (0-based lines and UTF-16
columns, as LSP counts them)."""
from __future__ import annotations

from collections import Counter
from typing import Optional

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import SERVER
from .helpers import capabilities, open_file, replace_all, start, wait_diagnostics, wait_for, write

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels:
    team: payments
"""

APPS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: frontend
        tier: web
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend-canary
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: frontend
        tier: canary
    spec:
      containers:
        - name: web
          image: nginx
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: api
          ports:
            - name: http
              containerPort: 8080
            - name: metrics
              containerPort: 9090
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: billing
  namespace: payments
spec:
  template:
    metadata:
      labels:
        app: billing
    spec:
      containers:
        - name: billing
          image: billing
          ports:
            - name: grpc
              containerPort: 50051
"""

POLICIES = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: api
  policyTypes:
    - Ingress
    - Egress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: frontend
      ports:
        - protocol: TCP
          port: http
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              team: payments
      ports:
        - port: grpc
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: frontend-open
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: frontend
  policyTypes: [Ingress]
  ingress:
    - {}
"""

# where the workloads and namespaces are: their labels, `labels:` to the last label
FRONTEND = (8, 6, 10, 17)
CANARY = (27, 6, 29, 20)
API = (43, 6, 44, 16)
PAYMENTS = (11, 2, 12, 18)


def shop(tmp_path):
    return write(tmp_path, {"namespaces.yaml": NAMESPACES, "apps.yaml": APPS, "policies.yaml": POLICIES})


def where(location) -> tuple:
    r = location.range
    return (location.uri.rsplit("/", 1)[-1], r.start.line, r.start.character, r.end.line, r.end.character)


def at(uri: str, line: int, character: int):
    return dict(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character))


async def ready(client: LanguageClient, tmp_path, caps: Optional[types.ClientCapabilities] = None):
    """Starts the server on the shop workspace, opens the policies, waits for the full analysis."""
    files = shop(tmp_path)
    await start(client, tmp_path, caps=caps)
    uri = open_file(client, files["policies.yaml"])

    def indexed():
        return any(reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
                   for reports in client.progress_reports.values())

    await wait_for(client, types.PROGRESS, indexed)
    await wait_diagnostics(client, uri, lambda d: any(x.code == "NP012" for x in d))  # needs the pods: indexed
    return files, uri


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")
async def shop_client(lsp_client: LanguageClient, tmp_path_factory):
    """One server on the shop workspace, indexed, shared by the tests that only ask (no edit, no
    capability of their own): one start and one indexing for them all instead of one each.
    `lsp_client.shop` is (root, files, uri of policies.yaml)."""
    root = tmp_path_factory.mktemp("shop")
    lsp_client.shop = (root, *await ready(lsp_client, root))
    yield
    if lsp_client.capabilities is None:
        lsp_client.exit(None)  # initialize failed: without this, teardown waits forever
    else:
        await lsp_client.shutdown_session()


shared = pytest.mark.asyncio(loop_scope="module")  # the loop shop_client's server lives on


# --- capabilities -----------------------------------------------------------------------------

async def test_the_features_are_advertised(client: LanguageClient, tmp_path):
    result = await start(client, tmp_path)
    caps = result.capabilities
    assert list(caps.code_action_provider.code_action_kinds) == [types.CodeActionKind.QuickFix]
    assert caps.definition_provider and caps.references_provider
    assert caps.code_lens_provider is not None
    assert list(caps.completion_provider.trigger_characters) == [" "]
    assert caps.document_symbol_provider and caps.workspace_symbol_provider
    assert caps.inlay_hint_provider


# --- code actions -----------------------------------------------------------------------------

BROKEN = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-typo
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: apii
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: frontend
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: frontend
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: frontend
  policyTypes:
    - Ingress
  ingress:
    - {}
  egress:
    - ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: billing
  namespace: payments
spec:
  podSelector:
    matchLabels:
      app: billing
  policyTypes:
    - Egress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: frontend
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: frontnd
      ports:
        - port: 9000
          endPort: 8000
"""

# (its first policy is not named api: policies.yaml defines NetworkPolicy shop/api, and a second,
# different definition of it is NP071)
# rule -> (line of the diagnostic, the titles of its actions: fixes first, then the comment)
EXPECTED_ACTIONS = {
    "NP010": (5, ["Write policyTypes: [Ingress] (what Kubernetes infers)", "Disable NP010 on this line"]),
    "NP001": (6, ["Change app=apii to app=api (the label of Deployment shop/api)", "Disable NP001 on this line"]),
    "NP011": (28, ["Add Egress to policyTypes (enforce the egress rules)", "Remove the ignored egress rules",
                   "Disable NP011 on this line"]),
    "NP012": (44, ["Allow DNS: add an egress rule to kube-dns in kube-system on UDP and TCP 53",
                   "Disable NP012 on this line"]),
    "NP070": (58, ["Disable NP070 on this line"]),
    # app=frontend is on two workloads (frontend, frontend-canary): no fix that widens to several
    "NP002": (59, ["Disable NP002 on this line"]),
    "NP041": (64, ["Swap port and endPort (port: 8000, endPort: 9000)", "Disable NP041 on this line"]),
}


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Applies LSP text edits (non-overlapping, positions in the original text, UTF-16)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line]
        units, index = 0, 0
        while index < len(line) and units < position.character:
            units += 2 if ord(line[index]) > 0xFFFF else 1
            index += 1
        return starts[position.line] + index

    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    for edit in ordered:
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def said(diagnostics) -> Counter:
    return Counter((str(d.code), d.message) for d in diagnostics)


async def test_quick_fixes_remove_their_finding_and_nothing_else(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    files.update(write(tmp_path, {"broken.yaml": BROKEN}))
    caps = capabilities()
    caps.workspace.workspace_edit = types.WorkspaceEditClientCapabilities(document_changes=True)
    await start(client, tmp_path, caps=caps)
    uri = open_file(client, files["broken.yaml"], version=1)
    original = await wait_diagnostics(client, uri, lambda d: sorted(str(x.code) for x in d) == sorted(EXPECTED_ACTIONS))
    version = 1

    for diagnostic in sorted(original, key=lambda d: d.range.start.line):
        line, titles = EXPECTED_ACTIONS[str(diagnostic.code)]
        assert diagnostic.range.start.line == line, diagnostic.code
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic])))
        assert [a.title for a in actions] == titles
        assert all(a.kind == types.CodeActionKind.QuickFix and list(a.diagnostics) == [diagnostic] for a in actions)
        assert actions[0].is_preferred or len(titles) == 1
        expected = said(original) - Counter([(str(diagnostic.code), diagnostic.message)])
        requested = version  # the edits are for the text as it was when they were asked for
        for action in actions:
            [change] = action.edit.document_changes
            assert change.text_document.uri == uri and change.text_document.version == requested
            fixed = apply_text_edits(BROKEN, change.edits)
            assert fixed != BROKEN
            version += 1
            replace_all(client, uri, BROKEN, fixed, version)
            await wait_diagnostics(client, uri, lambda d: said(d) == expected)  # gone, and nothing else changed
            version += 1
            replace_all(client, uri, fixed, BROKEN, version)
            await wait_diagnostics(client, uri, lambda d: said(d) == said(original))


async def test_quick_fixes_without_context_diagnostics_and_filtered_by_kind(client: LanguageClient, tmp_path):
    files = shop(tmp_path)
    files.update(write(tmp_path, {"broken.yaml": BROKEN}))
    await start(client, tmp_path)
    uri = open_file(client, files["broken.yaml"])
    await wait_diagnostics(client, uri, lambda d: len(d) == len(EXPECTED_ACTIONS))

    def request(line, only=None):
        return client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)),
            context=types.CodeActionContext(diagnostics=[], only=only)))

    # the client sent no diagnostics: the findings on the requested range
    actions = await request(64)
    assert [a.title for a in actions] == EXPECTED_ACTIONS["NP041"][1]
    edits = actions[0].edit.changes[uri]  # no documentChanges support: plain changes
    assert [(e.range.start.line, e.new_text) for e in edits] == [(63, "8000"), (64, "9000")]
    disable = actions[1].edit.changes[uri]
    assert [(e.range.start.line, e.range.start.character, e.new_text) for e in disable] == \
        [(64, 0, "          # netpol-lsp: disable=NP041\n")]
    assert list(await request(64, only=[types.CodeActionKind.Refactor])) == []
    assert list(await request(2)) == []  # nothing there
    unknown = (tmp_path / "nowhere.yaml").as_uri()
    assert list(await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=unknown),
        range=types.Range(start=types.Position(line=900, character=0), end=types.Position(line=901, character=0)),
        context=types.CodeActionContext(diagnostics=[])))) == []


# --- navigation -------------------------------------------------------------------------------

@shared
async def test_definition_goes_from_selectors_to_what_they_match(shop_client: LanguageClient):
    client = shop_client
    tmp_path, files, uri = client.shop

    async def definition(line, character):
        found = await client.text_document_definition_async(types.DefinitionParams(**at(uri, line, character)))
        return None if found is None else [where(location) for location in found]

    # spec.podSelector (its key, its labels): the selected workload's pod template labels
    assert await definition(6, 4) == [("apps.yaml", *API)]
    assert await definition(8, 10) == [("apps.yaml", *API)]
    # a peer's podSelector: both frontends
    assert await definition(16, 16) == [("apps.yaml", *FRONTEND), ("apps.yaml", *CANARY)]
    # a namespaceSelector: the Namespace's labels; kube-system is not defined in the workspace
    assert await definition(24, 16) == [("namespaces.yaml", *PAYMENTS)]
    assert await definition(30, 16) == []
    # a named port: the container ports declaring it on the selected pods
    assert await definition(19, 18) == [("apps.yaml", 50, 14, 51, 33)]
    # nothing to go to
    assert await definition(3, 9) is None
    assert await definition(500, 2) is None
    unknown = (tmp_path / "nowhere.yaml").as_uri()
    assert await client.text_document_definition_async(types.DefinitionParams(**at(unknown, 0, 0))) is None


@shared
async def test_references_go_from_workloads_to_the_selectors_matching_them(shop_client: LanguageClient):
    client = shop_client
    tmp_path, files, uri = client.shop
    apps = files["apps.yaml"].as_uri()

    async def references(target, line, character, declaration=False):
        found = await client.text_document_references_async(types.ReferenceParams(
            **at(target, line, character), context=types.ReferenceContext(include_declaration=declaration)))
        return None if found is None else [where(location) for location in found]

    # the api's labels: the podSelectors of policy api and of default-deny (`{}`: every pod)
    assert await references(apps, 44, 10) == [("policies.yaml", 6, 2, 8, 14), ("policies.yaml", 46, 2, 46, 17)]
    # the frontend (on its kind): selected by default-deny and frontend-open, matched by api's peer
    expected = [("policies.yaml", 46, 2, 46, 17), ("policies.yaml", 55, 2, 57, 19), ("policies.yaml", 14, 10, 16, 27)]
    assert await references(apps, 1, 2) == expected
    assert await references(apps, 9, 10, declaration=True) == [("apps.yaml", *FRONTEND)] + expected
    # a Namespace's labels: the namespaceSelectors matching it
    assert await references(files["namespaces.yaml"].as_uri(), 12, 6) == [("policies.yaml", 22, 10, 24, 28)]
    assert await references(files["namespaces.yaml"].as_uri(), 5, 6) == []
    # not a workload's identity or labels: nothing
    assert await references(apps, 14, 12) is None
    assert await references(apps, 900, 0) is None


# --- code lens --------------------------------------------------------------------------------

@shared
async def test_code_lens_counts_and_resolves_to_the_selected_workloads(shop_client: LanguageClient):
    client = shop_client
    tmp_path, files, uri = client.shop
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(lens.range.start.line, lens.command.title) for lens in lenses] == [
        (0, "selects 1 workload · ingress from 2 · egress to 1"),
        (40, "selects 3 workloads · ingress: deny all · egress: deny all"),
        (49, "selects 2 workloads · ingress from anywhere"),
    ]
    command = lenses[0].command
    assert command.command == "netpol-lsp.showReferences"
    target, position, locations = command.arguments
    assert target == uri and position == {"line": 0, "character": 0}
    assert locations == [{"uri": files["apps.yaml"].as_uri(),
                          "range": {"start": {"line": 43, "character": 6}, "end": {"line": 44, "character": 16}}}]
    # the same places as go to definition on the podSelector
    definition = await client.text_document_definition_async(types.DefinitionParams(**at(uri, 6, 4)))
    assert [where(d) for d in definition] == [("apps.yaml", *API)]
    frontends = lenses[2].command.arguments[2]
    assert [(loc["range"]["start"]["line"]) for loc in frontends] == [FRONTEND[0], CANARY[0]]

    unknown = (tmp_path / "nowhere.yaml").as_uri()
    assert list(await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=unknown)))) == []


async def test_lenses_and_hints_are_asked_for_again_once_the_workspace_is_indexed(client: LanguageClient, tmp_path):
    # a lens drawn while indexing counts the open buffers' pods only ("selects 0 workloads");
    # the client is told to fetch lenses and hints again when the first whole result is out
    refreshed = Counter()

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        refreshed["lens"] += 1

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_hint_refresh(params: None) -> None:
        refreshed["hint"] += 1

    caps = capabilities()
    caps.workspace.code_lens = types.CodeLensWorkspaceClientCapabilities(refresh_support=True)
    caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    files, uri = await ready(client, tmp_path, caps)
    await wait_for(client, types.WORKSPACE_CODE_LENS_REFRESH, lambda: refreshed["lens"] and refreshed["hint"])
    assert refreshed == Counter(lens=1, hint=1)  # once, not after every edit
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert lenses[0].command.title == "selects 1 workload · ingress from 2 · egress to 1"


# --- completion -------------------------------------------------------------------------------

def edited(line: int, new: str) -> str:
    lines = POLICIES.split("\n")
    lines[line] = new
    return "\n".join(lines)


COMPLETIONS = [
    # (line, its new text, cursor column, where the replaced word starts, [(label, detail, inserted text)])
    (8, "      app: ", 11, 11, [("frontend", "app=frontend · 2 workloads", "frontend"),
                               ("api", "app=api · 1 workload", "api")]),
    (8, "      app: fr", 13, 11, [("frontend", "app=frontend · 2 workloads", "frontend"),
                                 ("api", "app=api · 1 workload", "api")]),
    (8, "      ", 6, 6, [("app", "app · 3 workloads", "app: "), ("tier", "tier · 2 workloads", "tier: ")]),
    (16, "              ti", 16, 14, [("app", "app · 3 workloads", "app: "), ("tier", "tier · 2 workloads", "tier: ")]),
    (24, "              team: ", 20, 20, [("payments", "team=payments · 1 namespace", "payments"),
                                          ("shop", "team=shop · 1 namespace", "shop")]),
    (11, "    - ", 6, 6, [("Egress", "policyType", "Egress")]),
    (18, "        - protocol: ", 20, 20, [("TCP", "protocol (default TCP)", "TCP"),
                                           ("UDP", "protocol (default TCP)", "UDP"),
                                           ("SCTP", "protocol (default TCP)", "SCTP")]),
    (19, "          port: ", 16, 16, [("http", "http = TCP 8080 · 1 workload", "http"),
                                       ("metrics", "metrics = TCP 9090 · 1 workload", "metrics")]),
    (26, "        - port: ", 16, 16, [("grpc", "grpc = TCP 50051 · 1 workload", "grpc")]),
    (33, "              k8s", 17, 14, []),  # kube-system has no workloads in the workspace
]


async def test_completion_offers_what_the_workspace_holds(client: LanguageClient, tmp_path):
    files, uri = await ready(client, tmp_path)
    current, version = POLICIES, 1

    async def complete(line, character, trigger=None):
        context = types.CompletionContext(trigger_kind=types.CompletionTriggerKind.TriggerCharacter,
                                          trigger_character=trigger) if trigger else None
        found = await client.text_document_completion_async(types.CompletionParams(
            **at(uri, line, character), context=context))
        return sorted(found.items, key=lambda i: i.sort_text)

    for line, new, character, word_start, expected in COMPLETIONS:
        text = edited(line, new)
        version += 1
        replace_all(client, uri, current, text, version)
        current = text
        items = await complete(line, character)
        assert [(i.label, i.detail, i.text_edit.new_text) for i in items] == expected, (line, new)
        for item in items:  # the typed part of the word is replaced
            assert item.text_edit.range == types.Range(start=types.Position(line=line, character=word_start),
                                                       end=types.Position(line=line, character=character))

    # a space typed in the indentation asks for nothing
    text = edited(16, "              ")
    version += 1
    replace_all(client, uri, current, text, version)
    assert await complete(16, 14, trigger=" ") == []
    assert [i.label for i in await complete(16, 14)] == ["app", "tier"]


async def test_completion_in_a_document_that_does_not_parse(client: LanguageClient, tmp_path):
    files, uri = await ready(client, tmp_path)
    # a podSelector being added next to the payments namespaceSelector, a key half typed, and a
    # line after it that makes the document unreadable: the peer's pods are in payments
    broken = POLICIES.replace("              team: payments\n", "              team: payments\n"
                              "          podSelector:\n            matchLabels:\n              a\n              x: 1\n")
    replace_all(client, uri, POLICIES, broken, 2)
    await wait_diagnostics(client, uri, lambda d: any(x.code == "NP090" for x in d))
    found = await client.text_document_completion_async(types.CompletionParams(**at(uri, 27, 15)))
    assert [(i.label, i.detail, i.text_edit.new_text) for i in found.items] == [("app", "app · 1 workload", "app: ")]
    edit = found.items[0].text_edit
    assert (edit.range.start.character, edit.range.end.character) == (14, 15)


@shared
async def test_completion_on_unknown_documents_and_positions(shop_client: LanguageClient):
    client = shop_client
    tmp_path, files, uri = client.shop
    unknown = (tmp_path / "nowhere.yaml").as_uri()
    for target, line, character in ((unknown, 0, 0), (uri, 999, 3), (uri, 3, 400), (uri, 0, 5)):
        found = await client.text_document_completion_async(types.CompletionParams(**at(target, line, character)))
        assert found is None or list(found.items) == []


# --- symbols ----------------------------------------------------------------------------------

async def test_document_symbols_nest_the_rules(client: LanguageClient, tmp_path):
    caps = capabilities()
    caps.text_document.document_symbol = types.DocumentSymbolClientCapabilities(
        hierarchical_document_symbol_support=True)
    files, uri = await ready(client, tmp_path, caps=caps)
    found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(s.name, s.kind, s.detail) for s in found] == [
        ("NetworkPolicy shop/api", types.SymbolKind.Struct, "policyTypes: Ingress, Egress"),
        ("NetworkPolicy shop/default-deny", types.SymbolKind.Struct, "policyTypes: Ingress, Egress"),
        ("NetworkPolicy shop/frontend-open", types.SymbolKind.Struct, "policyTypes: Ingress"),
    ]
    api = found[0]
    selection = api.selection_range
    assert (selection.start.line, selection.start.character, selection.end.character) == (3, 8, 11)  # `api`
    assert [(c.name, c.detail, c.range.start.line) for c in api.children] == [
        ("ingress rule 1", "from app=frontend · TCP http", 13),
        ("egress rule 1", "to namespaces team=payments · TCP grpc", 21),
        ("egress rule 2", "to namespaces kubernetes.io/metadata.name=kube-system / k8s-app=kube-dns · UDP 53, TCP 53",
         27),
    ]
    assert not found[1].children
    assert [(c.name, c.detail) for c in found[2].children] == [("ingress rule 1", "from anywhere · all ports")]

    namespaces = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=files["namespaces.yaml"].as_uri())))
    assert [s.name for s in namespaces] == ["Namespace shop", "Namespace payments"]
    unknown = (tmp_path / "nowhere.yaml").as_uri()
    assert list(await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=unknown)))) == []


@shared
async def test_document_symbols_flat_for_clients_without_hierarchy(shop_client: LanguageClient):
    client = shop_client
    tmp_path, files, uri = client.shop
    found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(s.name, s.container_name) for s in found] == [
        ("NetworkPolicy shop/api", None), ("ingress rule 1", "NetworkPolicy shop/api"),
        ("egress rule 1", "NetworkPolicy shop/api"), ("egress rule 2", "NetworkPolicy shop/api"),
        ("NetworkPolicy shop/default-deny", None),
        ("NetworkPolicy shop/frontend-open", None), ("ingress rule 1", "NetworkPolicy shop/frontend-open"),
    ]
    assert all(s.location.uri == uri for s in found)


@shared
async def test_workspace_symbols_find_policies_and_workloads(shop_client: LanguageClient):
    client = shop_client
    tmp_path, files, uri = client.shop

    async def search(query):
        found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))
        return [(s.name, s.location.uri.rsplit("/", 1)[-1], s.location.range.start.line) for s in found]

    assert await search("fro") == [("Deployment shop/frontend", "apps.yaml", 3),
                                   ("Deployment shop/frontend-canary", "apps.yaml", 22),
                                   ("NetworkPolicy shop/frontend-open", "policies.yaml", 52)]
    assert await search("api") == [("Deployment shop/api", "apps.yaml", 38), ("NetworkPolicy shop/api", "policies.yaml", 3)]
    assert await search("pb") == [("Deployment payments/billing", "apps.yaml", 58)]  # p…b, in order
    assert await search("CANARY") == [("Deployment shop/frontend-canary", "apps.yaml", 22)]
    assert await search("zzz") == []
    assert len(await search("")) == 7  # 3 policies, 4 workloads


# --- inlay hints ------------------------------------------------------------------------------

@shared
async def test_inlay_hints_count_what_each_selector_matches(shop_client: LanguageClient):
    client = shop_client
    tmp_path, files, uri = client.shop

    async def hints(first, last):
        found = await client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=first, character=0), end=types.Position(line=last, character=0))))
        return [(h.position.line, h.position.character, h.label) for h in found]

    assert await hints(0, 60) == [
        (6, 14, "→ 1 pod"),
        (14, 22, "→ 2 pods"),
        (22, 28, "→ 1 namespace · 1 pod"),
        (28, 28, "→ 1 namespace"),
        (31, 22, "→ 0 pods"),
        (46, 17, "→ 3 pods"),
        (55, 14, "→ 2 pods"),
    ]
    assert await hints(40, 50) == [(46, 17, "→ 3 pods")]
    found = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=14, character=0), end=types.Position(line=14, character=0))))
    assert found[0].padding_left and "Deployment shop/frontend-canary" in found[0].tooltip
    assert await hints(500, 600) == []
    unknown = (tmp_path / "nowhere.yaml").as_uri()
    assert list(await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=unknown),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=9, character=0))))) == []
