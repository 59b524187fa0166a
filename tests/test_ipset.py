"""IPSet: hand-checked examples, the corpus's CIDR lists, and properties checked against
Python sets and the ipaddress module."""
from __future__ import annotations

import copy
import ipaddress
import json
import pickle
from pathlib import Path

import pytest

from needs import missing
from hypothesis import given
from hypothesis import strategies as st

from netpol_lsp.analysis.ipset import MAX_ADDRESS, IPSet, cut_points

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"
EVERYTHING_BUT_10 = "0.0.0.0/5,8.0.0.0/7,11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,64.0.0.0/2,128.0.0.0/1"


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


# --- hand-checked examples

def test_from_cidr():
    assert IPSet.from_cidr("10.0.0.0/8").intervals() == ((ip("10.0.0.0"), ip("10.255.255.255")),)
    assert IPSet.from_cidr("192.168.1.7/32").intervals() == ((ip("192.168.1.7"),) * 2,)
    assert IPSet.from_cidr("0.0.0.0/0") is IPSet.all()
    assert str(IPSet.from_cidr("172.16.0.0/12")) == "172.16.0.0/12"


def test_host_bits_are_masked():
    assert IPSet.from_cidr("10.1.2.3/8") == IPSet.from_cidr("10.0.0.0/8")
    assert str(IPSet.from_cidr("192.168.1.77/24")) == "192.168.1.0/24"


def test_all_minus_10_slash_8():
    rest = IPSet.all() - IPSet.from_cidr("10.0.0.0/8")
    assert str(rest) == EVERYTHING_BUT_10
    # the same, from ipaddress
    want = sorted(ipaddress.ip_network("0.0.0.0/0").address_exclude(ipaddress.ip_network("10.0.0.0/8")))
    assert rest.to_cidrs() == [str(n) for n in want]


def test_cidr_with_except():
    block = IPSet.from_cidr("10.0.0.0/16") - IPSet.from_cidr("10.0.1.0/24") - IPSet.from_cidr("10.0.3.0/24")
    assert str(block) == "10.0.0.0/24,10.0.2.0/24,10.0.4.0/22,10.0.8.0/21,10.0.16.0/20,10.0.32.0/19,10.0.64.0/18,10.0.128.0/17"


def test_union_intersection():
    a = IPSet.from_cidr("10.0.0.0/9") | IPSet.from_cidr("10.128.0.0/9")
    assert a == IPSet.from_cidr("10.0.0.0/8") and str(a) == "10.0.0.0/8"
    assert str(IPSet.from_cidr("10.0.0.0/8") & IPSet.from_cidr("10.20.0.0/16")) == "10.20.0.0/16"
    assert (IPSet.from_cidr("10.0.0.0/8") & IPSet.from_cidr("11.0.0.0/8")).is_empty()
    assert str(IPSet.from_cidr("10.0.0.0/8") | IPSet.from_cidr("11.0.0.0/8")) == "10.0.0.0/7"
    assert str(IPSet.from_cidr("11.0.0.0/8") | IPSet.from_cidr("12.0.0.0/8")) == "11.0.0.0/8,12.0.0.0/8"


def test_extremes():
    assert str(IPSet.all()) == "0.0.0.0/0" and IPSet.all().intervals() == ((0, MAX_ADDRESS),)
    assert IPSet.none().is_empty() and str(IPSet.none()) == "" and IPSet.none().to_cidrs() == []
    assert (IPSet.all() - IPSet.all()) is IPSet.none()
    assert (IPSet.from_cidr("0.0.0.0/1") | IPSet.from_cidr("128.0.0.0/1")) is IPSet.all()


def test_from_ranges():
    s = IPSet.from_ranges([(ip("10.0.0.5"), ip("10.0.0.9")), (ip("10.0.0.0"), ip("10.0.0.4")), (7, 3000)])
    assert s.intervals() == ((7, 3000), (ip("10.0.0.0"), ip("10.0.0.9")))
    assert str(IPSet.from_ranges([(ip("10.0.0.0"), ip("10.0.0.9"))])) == "10.0.0.0/29,10.0.0.8/31"
    assert IPSet.from_ranges([]) is IPSet.none()
    for bad in ([(5, 4)], [(-1, 3)], [(0, MAX_ADDRESS + 1)]):
        with pytest.raises(ValueError):
            IPSet.from_ranges(bad)


def test_covers():
    ten = IPSet.from_cidr("10.0.0.0/8")
    assert ten.covers(IPSet.from_cidr("10.1.0.0/16")) and ten.covers(IPSet.none()) and ten.covers(ten)
    assert not ten.covers(IPSet.from_cidr("10.0.0.0/7"))
    assert IPSet.all().covers(ten) and not ten.covers(IPSet.all())


def test_value_semantics():
    a = IPSet.from_cidr("10.0.0.0/9") | IPSet.from_cidr("10.128.0.0/9")
    b = IPSet.from_cidr("10.0.0.0/8")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != "10.0.0.0/8" and a != IPSet.from_cidr("11.0.0.0/8")


def test_immutable_copy_pickle():
    s = IPSet.from_cidr("10.0.0.0/8")
    with pytest.raises(AttributeError):
        s._iv = ()
    with pytest.raises(AttributeError):
        del s._iv
    with pytest.raises(TypeError):
        IPSet()
    assert copy.deepcopy(s) == s and pickle.loads(pickle.dumps(s)) == s
    assert pickle.loads(pickle.dumps(IPSet.all())) is IPSet.all()


@pytest.mark.parametrize("text", ["", "10.0.0.0", "10.0.0.0/33", "300.0.0.0/8", "10.0.0/8", "abc/8",
                                  "10.0.0.0/255.0.0.0", "10.0.0.0/-1", " 10.0.0.0/8", "010.0.0.0/8",
                                  "10.0.0.0/8/8"])
def test_invalid_cidr(text):
    with pytest.raises(ValueError, match="invalid CIDR"):
        IPSet.from_cidr(text)


@pytest.mark.parametrize("text", ["::/0", "2001:db8::/32", "::ffff:10.0.0.0/104"])
def test_ipv6_is_refused_clearly(text):
    with pytest.raises(ValueError, match="IPv6"):
        IPSet.from_cidr(text)


def test_cut_points_one_block():
    atoms = cut_points([IPSet.from_cidr("10.0.0.0/8")])
    assert [str(a) for a in atoms] == [
        "0.0.0.0/5,8.0.0.0/7", "10.0.0.0/8", "11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,64.0.0.0/2,128.0.0.0/1"]


def test_cut_points_nested_and_edges():
    atoms = cut_points([IPSet.from_cidr("0.0.0.0/1"), IPSet.from_cidr("64.0.0.0/2"),
                        IPSet.from_cidr("255.255.255.255/32")])
    assert [str(a) for a in atoms] == [
        "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2,192.0.0.0/3,224.0.0.0/4,240.0.0.0/5,248.0.0.0/6,"
        "252.0.0.0/7,254.0.0.0/8,255.0.0.0/9,255.128.0.0/10,255.192.0.0/11,255.224.0.0/12,"
        "255.240.0.0/13,255.248.0.0/14,255.252.0.0/15,255.254.0.0/16,255.255.0.0/17,"
        "255.255.128.0/18,255.255.192.0/19,255.255.224.0/20,255.255.240.0/21,255.255.248.0/22,"
        "255.255.252.0/23,255.255.254.0/24,255.255.255.0/25,255.255.255.128/26,"
        "255.255.255.192/27,255.255.255.224/28,255.255.255.240/29,255.255.255.248/30,"
        "255.255.255.252/31,255.255.255.254/32", "255.255.255.255/32"]


def test_cut_points_trivial():
    assert cut_points([]) == [IPSet.all()]
    assert cut_points([IPSet.all(), IPSet.none()]) == [IPSet.all()]


def test_corpus_external_endpoints_print_back():
    cases = sorted((CONFORMANCE / "cases").glob("*/expected.json"))
    if not cases:
        missing(f"the conformance corpus ({CONFORMANCE})", "it comes with ../shared beside this repository")
    externals = {ep for path in cases for e in json.loads(path.read_text())
                 for ep in (e["src"], e["dst"]) if not ep.endswith("]") and not ep.startswith("{")}
    assert externals
    for text in externals:
        s = IPSet.none()
        for cidr in text.split(","):
            s = s | IPSet.from_cidr(cidr)
        assert str(s) == text


# --- properties against Python sets over a small address universe

SMALL = 64


@st.composite
def small_sets(draw) -> tuple[IPSet, frozenset[int]]:
    ranges = []
    for _ in range(draw(st.integers(0, 6))):
        a = draw(st.integers(0, SMALL - 1))
        ranges.append((a, draw(st.integers(a, min(a + 10, SMALL - 1)))))
    return IPSet.from_ranges(ranges), frozenset(x for a, b in ranges for x in range(a, b + 1))


def _expand(s: IPSet) -> frozenset[int]:
    return frozenset(x for a, b in s.intervals() for x in range(a, b + 1))


def _check_invariants(s: IPSet) -> None:
    iv = s.intervals()
    assert all(0 <= a <= b <= MAX_ADDRESS for a, b in iv)
    assert all(iv[i][1] + 1 < iv[i + 1][0] for i in range(len(iv) - 1)), iv


@given(small_sets(), small_sets())
def test_algebra_matches_python_sets(x, y):
    (a, ra), (b, rb) = x, y
    assert _expand(a) == ra
    for got, want in ((a | b, ra | rb), (a & b, ra & rb), (a - b, ra - rb), (b - a, rb - ra)):
        _check_invariants(got)
        assert _expand(got) == want
        assert got.is_empty() == (not want)
    assert a.covers(b) == (rb <= ra)
    assert (a == b) == (ra == rb)


# --- properties over the whole address space

addresses = st.one_of(st.integers(0, MAX_ADDRESS), st.sampled_from([0, 1, 2**24, 2**31 - 1, 2**31, MAX_ADDRESS - 1, MAX_ADDRESS]))
raw_ranges = st.lists(st.tuples(addresses, addresses).map(sorted).map(tuple), max_size=6)


@given(raw_ranges)
def test_to_cidrs_is_what_ipaddress_collapses_to(ranges):
    nets = [n for a, b in ranges for n in ipaddress.summarize_address_range(
        ipaddress.IPv4Address(a), ipaddress.IPv4Address(b))]
    s = IPSet.from_ranges(ranges)
    assert s.to_cidrs() == [str(n) for n in ipaddress.collapse_addresses(nets)]
    assert str(s) == ",".join(s.to_cidrs())


@given(st.lists(raw_ranges.map(IPSet.from_ranges), max_size=5))
def test_cut_points_partition(sets):
    atoms = cut_points(sets)
    covered = IPSet.none()
    for prev, atom in zip([None] + atoms, atoms):
        (first, last), = atom.intervals()  # one interval each
        if prev is None:
            assert first == 0
        else:
            assert prev.intervals()[0][1] + 1 == first  # ascending, disjoint, no gaps
            # minimal: neighbours differ in membership of some input
            assert any(s.covers(prev) != s.covers(atom) for s in sets)
        for s in sets:
            assert s.covers(atom) or (s & atom).is_empty()
        covered = covered | atom
    assert atoms[-1].intervals()[0][1] == MAX_ADDRESS and covered is IPSet.all()


@given(raw_ranges.map(IPSet.from_ranges), raw_ranges.map(IPSet.from_ranges))
def test_algebra_laws(a, b):
    for got in (a | b, a & b, a - b):
        _check_invariants(got)
    assert (a - b) | (a & b) == a
    assert ((a - b) & b).is_empty()
    assert IPSet.all() - (a | b) == (IPSet.all() - a) & (IPSet.all() - b)
    assert (a | b).covers(a) and a.covers(a & b)
