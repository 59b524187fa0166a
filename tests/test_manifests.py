"""The parse layer: exact spans (UTF-16 columns), types, documents, and hostile YAML."""
from netpol_lsp.manifests import ParseLimits, parse_text
from netpol_lsp.manifests.nodes import Mapping, Scalar, Sequence
from netpol_lsp.span import Span


def root(text, index=0):
    return parse_text(text).documents[index].root


def test_spans_of_keys_and_values():
    doc = root("kind: Pod\nmetadata:\n  name: web\n")
    assert doc.key("kind").span == Span(0, 0, 0, 4)
    assert doc.get("kind").span == Span(0, 6, 0, 9)
    assert doc.get("metadata").get("name").span == Span(2, 8, 2, 11)


def test_columns_are_utf16_units():
    # "é" is one UTF-16 unit, "😀" is two (a surrogate pair)
    doc = root("a: é😀x\nb: ok\n")
    assert doc.get("a").span == Span(0, 3, 0, 7)
    assert doc.get("b").span == Span(1, 3, 1, 5)


def test_yaml_11_scalar_types():
    doc = root("i: 80\ns: '80'\nb: yes\nn: ~\nf: 1.5\no: 0o17\nx: web\n")
    assert [(k.value, v.type) for k, v in doc.items] == [
        ("i", "int"), ("s", "str"), ("b", "bool"), ("n", "null"), ("f", "float"), ("o", "str"), ("x", "str")]
    assert doc.get("i").python() == 80 and doc.get("b").python() is True


def test_documents_keep_their_lines_and_a_bad_one_does_not_hide_the_others():
    parsed = parse_text("a: 1\n---\nb: [\n---\nc: 3\n")
    assert [d.root is None for d in parsed.documents] == [False, True, False]
    assert parsed.documents[2].root.get("c").span.start_line == 4
    assert len(parsed.problems) == 1 and parsed.problems[0].span.start_line == 3


def test_glued_separator_is_read_and_reported():
    parsed = parse_text("a: 1\n---b: 2\nc: 3\n")
    assert [d.root.keys() for d in parsed.documents] == [["a"], ["b", "c"]]
    assert parsed.documents[1].root.key("b").span == Span(1, 3, 1, 4)
    assert [p.kind for p in parsed.problems] == ["glued-separator"]


def test_duplicate_keys_keep_the_last_and_are_reported():
    parsed = parse_text("name: a\nname: b\n")
    assert parsed.documents[0].root.get("name").value == "b"
    assert [(p.kind, p.span.start_line) for p in parsed.problems] == [("duplicate-key", 1)]


def test_aliases_are_shared_not_expanded_and_bounded():
    doc = root("a: &x {k: v}\nb: *x\n")
    assert doc.get("a") is doc.get("b")
    bomb = "a: &a [1]\n" + "".join(f"b{i}: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" for i in range(200))
    parsed = parse_text(bomb, ParseLimits(max_aliases=1000))
    assert parsed.documents[0].root is None and "alias" in parsed.problems[0].message


def test_nesting_is_bounded():
    parsed = parse_text("[" * 5000 + "]" * 5000, ParseLimits(max_depth=100))
    assert parsed.problems and "deeper than 100" in parsed.problems[0].message


def test_helm_templates_are_skipped():
    parsed = parse_text("metadata:\n  name: {{ .Release.Name }}\n")
    assert not parsed.skipped and parsed.documents == []  # the document is left out, not the file
    assert parsed.problems[0].kind == "template" and parsed.problems[0].span.start_line == 1


def test_json_manifests_parse_with_positions():
    doc = root('{"kind": "Pod",\n "metadata": {"name": "x"}}')
    assert isinstance(doc, Mapping) and doc.get("metadata").get("name").span.start_line == 1


def test_tags_never_construct_objects():
    doc = root("a: !!python/object:os.system ls\nb: !custom 3\n")
    assert isinstance(doc.get("a"), Scalar) and doc.get("a").value == "ls"
    assert isinstance(doc.get("b"), Scalar)


def test_top_level_scalar_and_list():
    assert isinstance(root("just text\n"), Scalar)
    assert isinstance(root("- a\n- b\n"), Sequence)
