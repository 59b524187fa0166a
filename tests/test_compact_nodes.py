"""Nodes keep their span packed in one int, scalars are interned, and a file's lines are
found without a list of them: what the parse gives is unchanged by any of it."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netpol_lsp.manifests.lines import Lines
from netpol_lsp.manifests.nodes import Mapping, Scalar, Sequence, moved
from netpol_lsp.manifests.parse import parse_text, split_documents
from netpol_lsp.model.reads import object_trie
from netpol_lsp.packing import _pack_node, _unpack_node
from netpol_lsp.span import Span, pack_span, unpack_span

numbers = st.integers(min_value=0, max_value=2**40)


@given(numbers, numbers, st.integers(min_value=0, max_value=2**33), numbers)
def test_a_span_comes_back_as_it_went_in(start_line, start_col, lines, end_col):
    span = Span(start_line, start_col, start_line + lines, end_col)
    assert unpack_span(pack_span(span)) == span
    node = Scalar(span, "x", "str")
    assert node.span == span and isinstance(node.span, Span)


def test_spans_that_do_not_fit_stay_spans():
    for span in (Span(3, 1, 2, 0), Span(-1, 0, 0, 0), Span(0, 2**32, 0, 2**32 + 1)):
        assert pack_span(span) is span
        assert Scalar(span, "x", "str").span == span
    assert pack_span(None) is None and Mapping(None, []).span is None
    assert pack_span(Span(0, 0, 0, 0)) == 0  # the packed form is the int, not a tuple
    assert pack_span(Span(7, 2, 9, 5)) == 7 << 32 | 2 << 23 | 5 << 11 | 2 << 1  # the short layout
    assert pack_span(Span(7, 2000, 9, 5)) == (7 | 2000 << 32 | 5 << 64 | 2 << 96) << 1 | 1  # the long one
    assert pack_span(Span(2**29, 0, 2**29, 1)) < 2**100 and pack_span(Span(2**20, 1000, 2**20 + 500, 4000)) < 2**60


def test_a_span_set_later_is_packed_too():
    node = Mapping(None, [])
    node.span = Span(1000, 4, 1002, 0)
    assert node._at.__class__ is int and node.span == Span(1000, 4, 1002, 0)


def test_moved_and_packed_nodes_keep_their_spans():
    key, value = Scalar(Span(10, 2, 10, 5), "app", "str"), Scalar(Span(10, 7, 10, 10), "web", "str")
    far = Scalar(Span(0, 2**33, 0, 2**33 + 3), "far", "str")  # kept as a Span
    tree = Mapping(Span(9, 0, 12, 0), [(key, Sequence(Span(10, 7, 11, 0), [value, far]))])
    down = moved(tree, 5)
    assert down.span == Span(14, 0, 17, 0)
    assert down.items[0][0].span == Span(15, 2, 15, 5)
    assert down.items[0][1].items[1].span == Span(5, 2**33, 5, 2**33 + 3)
    back = _unpack_node(_pack_node(down))
    assert back.items[0][1].items[0].span == Span(15, 7, 15, 10) and back.items[0][1].items[0].value == "web"
    assert back.items[0][1].items[1].span == Span(5, 2**33, 5, 2**33 + 3)


def test_the_lean_parse_interns_short_scalars():
    text = "".join(f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  labels: {{app: web}}\n"
                   for i in range(3))
    roots = [d.root for d in parse_text(text, keep=object_trie).documents]
    labels = [r.get("metadata").get("labels") for r in roots]
    assert labels[0].items[0][0].value is labels[2].items[0][0].value  # "app", one string
    assert labels[0].get("app").value is labels[1].get("app").value
    assert [r.get("metadata").get("name").span for r in roots] == [Span(4 + 6 * i, 8, 4 + 6 * i, 13)
                                                                     for i in range(3)]


texts = st.lists(st.sampled_from(["a: 1", "---", "--- # c", "...", "", "  b: [1, 2]", "---x: 1", "é: ü", "- x"]),
                 max_size=12).map("\n".join)


@given(texts)
def test_lines_are_the_split_lines_whatever_is_asked_first(text):
    expected = text.split("\n")
    lines = Lines(text)
    separators = list(lines.separator_lines())
    assert separators == [n for n, line in enumerate(expected) if line.startswith(("---", "..."))]
    for number in separators:  # known without the array of every line's start
        assert lines[number] == expected[number]
    assert lines._starts is None
    assert len(lines) == len(expected)
    for start in range(len(expected) + 1):
        for end in range(start, len(expected) + 1):
            assert lines.join(start, end) == "\n".join(expected[start:end])
    assert [lines[n] for n in range(len(expected))] == expected
    assert lines[1:3] == expected[1:3] and lines[:] == expected
    assert split_documents(expected) == split_documents(lines)


@given(numbers, numbers, st.integers(min_value=0, max_value=2**33), numbers,
       st.integers(min_value=-2**34, max_value=2**34))
def test_a_moved_node_keeps_its_span_but_the_lines(start_line, start_col, lines, end_col, by):
    """moved() shifts the packed int itself when it can: the same span as packing the moved
    numbers anew, whatever the layout (short, long, or a Span that fits neither)."""
    span = Span(start_line, start_col, start_line + lines, end_col)
    shifted = moved(Scalar(span, "x", "str"), by)
    assert shifted.span == Span(start_line + by, start_col, start_line + lines + by, end_col)
