"""The fast parse path, lean trees, packing and parallel reading give what the slow, whole,
single-process path gives: the same nodes (spans, values, types), problems and findings."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netpol_lsp import bulk, parallel
from netpol_lsp.analysis.run import analyze
from netpol_lsp.config import Config
from netpol_lsp.loader import load_paths
from netpol_lsp.manifests import compose, parse
from netpol_lsp.manifests.nodes import Mapping, Scalar, Sequence
from netpol_lsp.packing import pack, unpack
from netpol_lsp.workspace import Workspace, load_source

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [ROOT / "tests" / "bad_inputs", ROOT / "examples", ROOT.parent / "shared" / "conformance"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_corpus.py"), str(out), "--files", "500",
                    "--mistake-rate", "0.2"], check=True, stdout=subprocess.DEVNULL)
    return out


def _manifests(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*")
                  if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


def _tree(node):
    if node is None:
        return None
    if isinstance(node, Scalar):
        return ("scalar", tuple(node.span), node.value, node.type)
    if isinstance(node, Sequence):
        return ("seq", tuple(node.span), [_tree(item) for item in node.items])
    assert isinstance(node, Mapping)
    return ("map", tuple(node.span), [(_tree(k), _tree(v)) for k, v in node.items])


def _parsed(text: str):
    result = parse.parse_text(text)
    return ([(d.index, d.start_line, d.end_line, _tree(d.root)) for d in result.documents],
            [(tuple(p.span), p.message, p.kind) for p in result.problems], result.skipped)


def _findings(workspace: Workspace) -> list[tuple]:
    return [(f.rule, f.severity, f.path, tuple(f.span), f.message, [(r.path, tuple(r.span), r.message) for r in f.related])
            for f in analyze(workspace)]


def test_fast_path_gives_the_event_builders_nodes(corpus, monkeypatch):
    paths = _manifests(corpus, *SAMPLES)
    assert len(paths) > 500
    texts = []
    for path in paths:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
    fast = [_parsed(text) for text in texts]
    monkeypatch.setattr(compose, "suitable", lambda chunk: False)
    slow = [_parsed(text) for text in texts]
    assert fast == slow


def test_the_fast_path_is_taken_for_ordinary_documents():
    assert compose.suitable("kind: CronJob\nspec:\n  schedule: \"*/5 * * * *\"\n")
    assert compose.suitable("url: http://x/?a=1&b=2\n")


@pytest.mark.parametrize("chunk", ["a: &x 1\nb: *x\n", "a: !!int '5'\n", "- *x\n", "a: !custom 1\n",
                                   "[" * 20000 + "]" * 20000])
def test_anchors_tags_and_deep_nesting_go_to_the_event_builder(chunk):
    assert not compose.suitable(chunk)


def test_deep_flow_nesting_is_a_finding_not_a_crash():
    # libyaml's own composer overflows the C stack on this; the event builder stops at the limit
    result = parse.parse_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert result.documents[0].root is None
    assert "Nesting deeper than 100" in result.problems[0].message


@pytest.mark.parametrize("text, message", [
    ("a: 1\na: 2\n", "Duplicate key 'a'"),
    ("x:\n  - {b: 1, b: 2}\n", "Duplicate key 'b'"),
])
def test_duplicate_keys_anywhere_are_reported_by_either_path(text, message):
    assert compose.suitable(text)
    assert any(p.message.startswith(message) for p in parse.parse_text(text).problems)


def test_lean_trees_keep_what_the_rules_read(corpus):
    config = Config()
    whole, lean = Workspace(config), Workspace(config)
    for path in _manifests(corpus):
        text = path.read_text(encoding="utf-8")
        whole.put(load_source(str(path), text, config))
        lean.put(load_source(str(path), text, config, lean=True))
    found = _findings(whole)
    assert len({f[0] for f in found}) >= 6  # the mistakes the generator injects, several rules
    assert _findings(lean) == found


def test_lean_trees_drop_what_no_rule_reads():
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {app: a}\ndata:\n  big: text\n"
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n"
            "  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers:\n"
            "      - name: c\n        image: nginx\n        env: [{name: A, value: b}]\n"
            "        ports: [{containerPort: 80}]\n")
    source = load_source("x.yaml", text, Config(), lean=True)
    config_map, deployment = (d.root for d in source.documents)
    assert config_map.keys() == ["apiVersion", "kind", "metadata"]
    assert deployment.get("spec").keys() == ["template"]
    container = deployment.get("spec").get("template").get("spec").get("containers").items[0]
    assert container.keys() == ["name", "image", "ports"]
    assert [o.kind for o in source.objects] == ["Deployment"]
    assert source.objects[0].ports[0].number == 80
    assert source.objects[0].template_labels == {"app": "d"}


def test_packing_round_trips_nodes_objects_and_per_file_results(corpus):
    config = Config()
    original = load_paths([str(corpus)], config, jobs=1).workspace
    copy = Workspace(config)
    for source in original.files.values():
        again = unpack(pack(source), config)
        assert [_tree(d.root) for d in again.documents] == [_tree(d.root) for d in source.documents]
        assert [(o.kind, o.namespace, o.name) for o in again.objects] == \
               [(o.kind, o.namespace, o.name) for o in source.objects]
        copy.put(again)
    assert _findings(copy) == _findings(original)


def test_reading_in_worker_processes_gives_the_same_findings(corpus, monkeypatch):
    config = Config()
    alone = _findings(load_paths([str(corpus)], config, jobs=1).workspace)
    monkeypatch.setattr(parallel, "MIN_FILES_PER_WORKER", 10)
    unpacked = []  # files that came back from a worker process
    monkeypatch.setattr(bulk, "unpack", lambda packed, config: unpacked.append(packed[0]) or unpack(packed, config))
    together = load_paths([str(corpus)], config, jobs=2).workspace
    assert len(unpacked) > 100
    assert list(together.files) == list(load_paths([str(corpus)], config, jobs=1).workspace.files)
    assert _findings(together) == alone


# -- an editor buffer parsed again after an edit: documents it left alone are reused ---------

_DOCUMENTS = [
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: a}\n",
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n"
    "spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - podSelector: {}\n",
    "kind: ConfigMap\napiVersion: v1\ndata:\n  a: 1\n  a: 2\n",  # a duplicate key: a problem to move
    "a: [unclosed\n",  # a syntax error
    "x: &a {b: 1}\ny: *a\n",  # an alias: the event builder's path
    "name: caf\u00e9 \U0001F600\nother: x\n",  # UTF-16 columns
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(range(len(_DOCUMENTS))), max_size=5),
                          st.integers(0, 3)), min_size=1, max_size=6))
def test_a_buffer_parsed_with_its_memo_reads_as_if_parsed_afresh(versions):
    memo = parse.ChunkMemo()
    for chosen, comments in versions:
        text = "# top\n" * comments + "---\n".join(_DOCUMENTS[i] for i in chosen)
        with_memo = parse.parse_text(text, memo=memo)
        fresh = parse.parse_text(text)
        assert [(d.index, d.start_line, d.end_line, _tree(d.root)) for d in with_memo.documents] == \
               [(d.index, d.start_line, d.end_line, _tree(d.root)) for d in fresh.documents]
        assert [(tuple(p.span), p.message) for p in with_memo.problems] == \
               [(tuple(p.span), p.message) for p in fresh.problems]


def test_documents_an_edit_left_alone_are_not_parsed_again(monkeypatch):
    memo = parse.ChunkMemo()
    text = "---\n".join(_DOCUMENTS[:2])
    first = parse.parse_text(text, memo=memo)
    composed = []
    original = parse._compose_chunk
    monkeypatch.setattr(parse, "_compose_chunk", lambda parsed, chunk, *rest: composed.append(chunk) or
                        original(parsed, chunk, *rest))
    second = parse.parse_text("# a new first line\n" + text, memo=memo)
    assert composed == ["# a new first line\n" + _DOCUMENTS[0].rstrip("\n")]  # only the edited document
    assert second.documents[1].root.span.start_line == first.documents[1].root.span.start_line + 1


def test_an_undo_finds_the_documents_of_the_version_before_where_they_were(monkeypatch):
    """A line typed at the top and taken back: the second parse moves the documents down, the
    undo gets the first parse's own nodes back (ChunkMemo.older), with nothing composed or moved."""
    memo = parse.ChunkMemo()
    text = "---\n".join(_DOCUMENTS[:2])
    first = parse.parse_text(text, memo=memo)
    parse.parse_text("# typed\n" + text, memo=memo)
    calls = []
    monkeypatch.setattr(parse, "_compose_chunk", lambda *args: calls.append("compose"))
    monkeypatch.setattr(parse, "moved", lambda *args: calls.append("moved"))
    undone = parse.parse_text(text, memo=memo)
    assert calls == []
    assert [d.root for d in undone.documents] == [d.root for d in first.documents]
    assert all(a is b for a, b in zip((d.root for d in undone.documents), (d.root for d in first.documents)))
