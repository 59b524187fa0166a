"""ConnectionSet: hand-checked examples, the corpus's canonical text, and properties
checked against Python sets and against the corpus's own connlist.py."""
from __future__ import annotations

import copy
import functools
import importlib.util
import json
import pickle
from pathlib import Path

import pytest

from needs import missing
from hypothesis import given
from hypothesis import strategies as st

from netpol_lsp.analysis.portset import MAX_PORT, PROTOCOLS, ConnectionSet

CS = ConnectionSet
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"


# --- hand-checked examples

def test_adjacent_ranges_merge():
    assert str(CS.ports("TCP", 80) | CS.ports("TCP", 81, 90)) == "TCP 80-90"


def test_all_minus_one_port():
    assert str(CS.all() - CS.ports("TCP", 53)) == "SCTP 1-65535;TCP 1-52,54-65535;UDP 1-65535"


def test_extremes():
    assert str(CS.all()) == "All Connections"
    assert str(CS.none()) == "No Connections"
    assert CS.all().is_all() and not CS.all().is_empty()
    assert CS.none().is_empty() and not CS.none().is_all()
    assert CS.all() is CS.all() and CS.none() is CS.none()


def test_three_full_protocols_are_all():
    s = CS.protocol("UDP") | CS.protocol("TCP") | CS.ports("SCTP", 1, MAX_PORT)
    assert s.is_all() and s is CS.all() and str(s) == "All Connections"
    assert (CS.all() - CS.protocol("TCP") - CS.protocol("UDP") - CS.protocol("SCTP")).is_empty()


def test_full_protocol_in_partial_set():
    assert str(CS.protocol("TCP") | CS.ports("UDP", 53)) == "TCP 1-65535;UDP 53"


def test_protocols_sorted_ports_ascending():
    s = CS.ports("UDP", 53) | CS.ports("TCP", 8080, 8090) | CS.ports("TCP", 80) | CS.ports("SCTP", 9090)
    assert str(s) == "SCTP 9090;TCP 80,8080-8090;UDP 53"
    assert s.canonical() == str(s)


def test_overlap_and_containment():
    s = CS.ports("TCP", 10, 20) | CS.ports("TCP", 15, 30) | CS.ports("TCP", 12)
    assert str(s) == "TCP 10-30"
    assert str(s & CS.ports("TCP", 25, 40)) == "TCP 25-30"
    assert str(s - CS.ports("TCP", 11, 12) - CS.ports("TCP", 30)) == "TCP 10,13-29"
    assert (s & CS.ports("UDP", 10, 30)).is_empty()


def test_protocols_are_separate():
    assert (CS.ports("TCP", 53) & CS.ports("UDP", 53)).is_empty()
    assert str(CS.ports("TCP", 53) | CS.ports("UDP", 53)) == "TCP 53;UDP 53"


def test_queries():
    s = CS.parse("TCP 80,8080-8090;UDP 53")
    assert s.ranges("TCP") == ((80, 80), (8080, 8090))
    assert s.ranges("UDP") == ((53, 53),)
    assert s.ranges("SCTP") == ()
    assert s.contains("TCP", 80) and s.contains("TCP", 8080) and s.contains("TCP", 8085)
    assert s.contains("TCP", 8090) and not s.contains("TCP", 8091) and not s.contains("TCP", 79)
    assert not s.contains("TCP", 53) and s.contains("UDP", 53)
    assert CS.all().contains("SCTP", 1) and CS.all().contains("UDP", MAX_PORT)
    assert not CS.none().contains("TCP", 80)
    assert s.covers(CS.ports("TCP", 8081, 8089)) and s.covers(CS.none()) and s.covers(s)
    assert not s.covers(CS.ports("TCP", 8089, 8091))
    assert CS.all().covers(s) and not s.covers(CS.all())


def test_value_semantics():
    a = CS.ports("TCP", 80) | CS.ports("TCP", 81)
    b = CS.ports("TCP", 80, 81)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != CS.ports("UDP", 80, 81)
    assert a != "TCP 80-81" and a is not None


def test_immutable():
    s = CS.ports("TCP", 80)
    with pytest.raises(AttributeError):
        s._r = ((), (), ())
    with pytest.raises(AttributeError):
        s.extra = 1
    with pytest.raises(AttributeError):
        del s._r
    with pytest.raises(TypeError):
        CS()


def test_copy_and_pickle():
    s = CS.parse("TCP 80;UDP 53")
    assert copy.copy(s) == s and copy.deepcopy(s) == s and pickle.loads(pickle.dumps(s)) == s
    assert pickle.loads(pickle.dumps(CS.all())) is CS.all()
    assert copy.deepcopy(CS.none()) is CS.none()


@pytest.mark.parametrize("args", [("TCP", 0), ("TCP", 65536), ("TCP", 90, 80), ("TCP", 1, 65536),
                                  ("ICMP", 80), ("tcp", 80)])
def test_ports_rejects(args):
    with pytest.raises(ValueError):
        CS.ports(*args)


def test_unknown_protocol_in_queries():
    with pytest.raises(ValueError, match="unknown protocol 'HTTP'"):
        CS.all().contains("HTTP", 80)
    with pytest.raises(ValueError):
        CS.all().ranges("tcp")


# --- parse

@pytest.mark.parametrize("text", [
    "All Connections", "No Connections", "TCP 53", "UDP 53", "SCTP 8956,9090", "TCP 8080,9090;UDP 8080",
    "TCP 8081-8082;UDP 9091", "TCP 1-65535;UDP 53", "SCTP 1-65535;TCP 1-52,54-65535;UDP 1-65535",
])
def test_parse_canonical_round_trip(text):
    assert str(CS.parse(text)) == text


def test_parse_values():
    assert CS.parse("TCP 80,8080-8090;UDP 53") == (
        CS.ports("TCP", 80) | CS.ports("TCP", 8080, 8090) | CS.ports("UDP", 53))
    assert CS.parse("All Connections") is CS.all()
    assert CS.parse("No Connections") is CS.none()
    assert CS.parse("SCTP 1-65535;TCP 1-65535;UDP 1-65535") is CS.all()


def test_parse_accepts_unsorted_overlapping_text():
    assert str(CS.parse("UDP 53;TCP 90,80-85,84-86")) == "TCP 80-86,90;UDP 53"
    assert str(CS.parse(" TCP 80 ; TCP 81 ")) == "TCP 80-81"


@pytest.mark.parametrize("text", ["", "TCP", "TCP ", "TCP 0", "TCP 65536", "TCP 90-80", "ICMP 1",
                                  "tcp 80", "TCP http", "TCP 80;", "TCP 80,", "TCP 80 UDP 53",
                                  "TCP 80,UDP 53", "all connections", "TCP \u0663"])
def test_parse_rejects(text):
    with pytest.raises(ValueError):
        CS.parse(text)


def test_corpus_conn_strings_round_trip():
    cases = sorted((CONFORMANCE / "cases").glob("*/expected.json"))
    if not cases:
        missing(f"the conformance corpus ({CONFORMANCE})", "it comes with ../shared beside this repository")
    conns = {e["conn"] for path in cases for e in json.loads(path.read_text())}
    assert len(conns) > 10
    for text in conns:
        assert str(CS.parse(text)) == text


# --- properties against Python sets over a small port universe

SMALL = 40
Ref = frozenset  # of (protocol, port) pairs


def _expand(s: ConnectionSet) -> Ref:
    return Ref((p, x) for p in PROTOCOLS for a, b in s.ranges(p) for x in range(a, b + 1))


@st.composite
def small_sets(draw) -> tuple[ConnectionSet, Ref]:
    s, ref = CS.none(), set()
    for _ in range(draw(st.integers(0, 6))):
        p = draw(st.sampled_from(PROTOCOLS))
        a = draw(st.integers(1, SMALL))
        b = draw(st.integers(a, min(a + 12, SMALL)))
        s = s | CS.ports(p, a, b)
        ref |= {(p, x) for x in range(a, b + 1)}
    return s, Ref(ref)


def _check_invariants(s: ConnectionSet) -> None:
    for p in PROTOCOLS:
        r = s.ranges(p)
        assert all(1 <= a <= b <= MAX_PORT for a, b in r)
        assert all(r[i][1] + 1 < r[i + 1][0] for i in range(len(r) - 1)), r  # sorted, non-adjacent


@given(small_sets(), small_sets())
def test_algebra_matches_python_sets(x, y):
    (a, ra), (b, rb) = x, y
    assert _expand(a) == ra
    for got, want in ((a | b, ra | rb), (a & b, ra & rb), (a - b, ra - rb), (b - a, rb - ra)):
        _check_invariants(got)
        assert _expand(got) == want
        assert got.is_empty() == (not want)
    assert a.covers(b) == (rb <= ra)
    assert (a == b) == (ra == rb) and (str(a) == str(b)) == (ra == rb)
    for p in PROTOCOLS:
        for port in (1, 2, SMALL // 2, SMALL, SMALL + 1):
            assert a.contains(p, port) == ((p, port) in ra)


# --- properties over the whole port space

BOUNDS = (1, 2, 52, 53, 54, 1000, 65534, MAX_PORT)


@st.composite
def wide_sets(draw) -> ConnectionSet:
    s = draw(st.sampled_from([CS.none(), CS.all(), CS.protocol("TCP"), CS.protocol("SCTP")]))
    for _ in range(draw(st.integers(0, 5))):
        a, b = sorted(draw(st.sampled_from(BOUNDS)) for _ in range(2))
        part = CS.ports(draw(st.sampled_from(PROTOCOLS)), a, b)
        s = draw(st.sampled_from([s | part, s - part, s & part, s | part]))
    return s


@given(wide_sets(), wide_sets())
def test_algebra_laws(a, b):
    for got in (a | b, a & b, a - b):
        _check_invariants(got)
        assert CS.parse(str(got)) == got
    assert (a | b) - b == a - b
    assert (a - b) | (a & b) == a
    assert ((a - b) & b).is_empty()
    assert CS.all() - (a | b) == (CS.all() - a) & (CS.all() - b)
    assert (a | b).covers(a) and a.covers(a & b)
    assert (a | b).is_all() == ((a | b) == CS.all())
    for p in PROTOCOLS:
        for port in BOUNDS:
            assert (a - b).contains(p, port) == (a.contains(p, port) and not b.contains(p, port))


@functools.cache
def _load_connlist():
    path = CONFORMANCE / "connlist.py"
    if not path.exists():
        missing(f"the conformance corpus ({CONFORMANCE})", "it comes with ../shared beside this repository")
    spec = importlib.util.spec_from_file_location("connlist", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@given(wide_sets())
def test_canonical_agrees_with_corpus_tool(s):
    connlist = _load_connlist()
    text = str(s)
    assert connlist.canon_conn(text) == text
    parsed = connlist.parse_conn(text)
    if parsed is not None:  # None means all
        assert {p: r for p, (r, _) in parsed.items()} == {p: list(s.ranges(p)) for p in PROTOCOLS if s.ranges(p)}
