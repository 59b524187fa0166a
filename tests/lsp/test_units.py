"""The server's pieces without a process: guard, node lookup, state, diagnostics table, settings."""
from __future__ import annotations

import asyncio
import textwrap

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError

from netpol_lsp.config import Config
from netpol_lsp.findings import Finding, Related, Severity
from netpol_lsp.lsp.diagnostics import DiagnosticTable, group, to_diagnostic
from netpol_lsp.lsp.guard import guarded
from netpol_lsp.lsp.node_at import node_path_at, object_at
from netpol_lsp.lsp.settings import ServerSettings, merge, section_of, server_settings
from netpol_lsp.lsp.state import ServerState
from netpol_lsp.manifests import parse_text
from netpol_lsp.model import build_objects
from netpol_lsp.span import Span


class FakeServer:
    def __init__(self):
        self.logged: list[types.LogMessageParams] = []

    def window_log_message(self, params):
        self.logged.append(params)


def test_a_failing_request_is_logged_and_answered_with_an_error():
    server = FakeServer()

    @guarded("textDocument/hover", request=True)
    def hover(ls, params):
        raise KeyError("boom")

    with pytest.raises(JsonRpcInternalError) as raised:
        hover(server, None)
    assert "boom" in raised.value.message
    [logged] = server.logged
    assert logged.type == types.MessageType.Error
    assert "textDocument/hover failed" in logged.message and "KeyError" in logged.message


def test_a_failing_notification_is_logged_and_swallowed():
    server = FakeServer()

    @guarded("textDocument/didChange", request=False)
    async def changed(ls, params):
        raise ValueError("bad")

    assert asyncio.run(changed(server, None)) is None
    assert "didChange failed" in server.logged[0].message


POLICY = textwrap.dedent("""\
    # a comment
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: p
    spec:
      podSelector:
        matchLabels:
          app: web
      ingress:
        - from:
            - namespaceSelector: {}
    ---
    kind: List
    apiVersion: v1
    items:
      - apiVersion: v1
        kind: Pod
        metadata: {name: pod, labels: {app: web}}
    """)


def test_node_path_at_walks_keys_before_values():
    parsed = parse_text(POLICY)
    path = node_path_at(parsed.documents, 5, 0)  # `spec` at column 0, right after metadata's block
    assert path.keys == ["spec"] and path.on_key
    path = node_path_at(parsed.documents, 8, 12)  # inside `web`
    assert path.keys == ["spec", "podSelector", "matchLabels", "app"] and not path.on_key
    assert path.anchor == path.leaf.span
    path = node_path_at(parsed.documents, 11, 16)
    assert path.keys == ["spec", "ingress", 0, "from", 0, "namespaceSelector"] and path.on_key
    assert node_path_at(parsed.documents, 0, 3) is None  # a comment
    assert node_path_at(parsed.documents, 999, 0) is None
    assert node_path_at(parsed.documents, 12, 1) is None  # the separator


def test_object_at_finds_a_list_item_not_the_list():
    parsed = parse_text(POLICY)
    document = parsed.documents[1]
    objects, _ = build_objects(document.root, "f.yaml", document.index)
    path = node_path_at(parsed.documents, 17, 10)  # the Pod's `kind`
    obj, keys, nodes = object_at(objects, path)
    assert (obj.kind, obj.name, keys) == ("Pod", "pod", ["kind"])
    assert nodes[0] is obj.node


def test_state_maps_uris_and_lets_open_buffers_win(tmp_path):
    manifest = tmp_path / "a b.yaml"
    manifest.write_text("kind: ConfigMap\n")
    state = ServerState(Config())
    state.set_roots([tmp_path.as_uri()])
    uri = manifest.as_uri()
    assert "%20" in uri
    path = state.open_document(uri, "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", 1)
    assert path == str(manifest) and state.uri_for(path) == uri
    assert path in state.pending and state.is_workspace_file(path)
    assert state.disk_changed(path, deleted=False) is False  # the buffer wins
    before = state.revision
    snapshot = state.snapshot()
    parsed = snapshot.materialize()
    state.adopt(parsed)
    assert state.workspace.files[path].objects[0].kind == "Pod" and not state.pending
    assert state.revision == before  # parsing is not a change
    state.close_document(uri)  # back to the disk's text
    assert state.workspace.files[path].text == "kind: ConfigMap\n"
    assert state.uri_for("untitled:Untitled-1") == "untitled:Untitled-1"
    assert state.path_for("untitled:Untitled-1") == "untitled:Untitled-1"


def test_stale_parses_are_not_adopted(tmp_path):
    state = ServerState(Config())
    uri = (tmp_path / "x.yaml").as_uri()
    state.open_document(uri, "kind: A\n", 1)
    snapshot = state.snapshot()
    state.change_document(uri, "kind: B\n", 2)
    state.adopt(snapshot.materialize())
    assert not state.is_current(snapshot)
    assert state.pending[str(tmp_path / "x.yaml")].text == "kind: B\n"


def _finding(path, line, rule="NP001", related=()):
    return Finding(rule, "unmatched-pod-selector", Severity.WARNING, "m", path, Span(line, 0, line, 4), list(related))


def test_diagnostics_carry_code_link_source_severity_related():
    found = _finding("/w/b.yaml", 3, related=[Related("/w/a.yaml", Span(1, 0, 1, 4), "compared")])
    diagnostic = to_diagnostic(found, lambda p: "file://" + p)
    assert diagnostic.code == "NP001" and diagnostic.source == "netpol-lsp"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code_description.href.endswith("NP001-unmatched-pod-selector.md")
    assert diagnostic.related_information[0].location.uri == "file:///w/a.yaml"
    assert diagnostic.tags is None


def test_the_table_sends_only_changes_and_clears_files_that_have_none():
    table = DiagnosticTable()
    uri_for = lambda p: "file://" + p  # noqa: E731
    first = table.update(group([_finding("/a", 1), _finding("/b", 2)], uri_for), {"file:///a": 4})
    assert [(u.uri, u.version, len(u.diagnostics)) for u in first] == [("file:///a", 4, 1), ("file:///b", None, 1)]
    assert table.update(group([_finding("/a", 1), _finding("/b", 2)], uri_for), {}) == []
    second = table.update(group([_finding("/a", 1)], uri_for), {})
    assert [(u.uri, u.diagnostics) for u in second] == [("file:///b", [])]
    report = table.report("file:///a", None)
    assert report.kind == "full" and table.report("file:///a", report.result_id).kind == "unchanged"
    scoped = table.update({}, {}, scope={"file:///a"})  # while indexing: only the open buffers
    assert [u.uri for u in scoped] == ["file:///a"]


def test_settings_merge_over_the_file_and_server_keys():
    base = Config(rules={"NP020": "error"}, exclude=["charts/**"])
    merged, warnings = merge(base, {"rules": {"NP010": "off"}, "exclude": ["vendor/**"], "cni": "calico",
                                    "databasePorts": {"replace": [5432]}})
    assert merged.rules == {"NP020": "error", "NP010": "off"}
    assert merged.exclude == ["charts/**", "vendor/**"] and merged.cni == "calico"
    assert merged.database_ports == (5432,) and warnings == []
    _, warnings = merge(base, {"cni": "nonsense"})
    assert warnings and "cni" in warnings[0]
    assert section_of({"netpol-lsp": {"cni": "x"}}) == {"cni": "x"} and section_of(None) == {}
    settings, warnings = server_settings({"debounceMs": 0, "diagnosticMode": "push"})
    assert settings == ServerSettings(debounce_ms=0, diagnostic_mode="push") and not warnings
    _, warnings = server_settings({"debounceMs": "soon"})
    assert warnings
