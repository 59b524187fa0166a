"""The warm-start cache: a second run on unchanged files parses nothing and prints the same;
any change, a corrupt cache or --no-cache gives what a cold run gives."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from netpol_lsp import cli
from netpol_lsp.cache import RACY_NS, WorkspaceCache, cache_root
from netpol_lsp.config import Config
from netpol_lsp.manifests import parse

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "three-tier-broken"
OLD = 1_600_000_000 * 10**9  # an mtime far older than any cache write: not "racily clean"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.delenv("NETPOL_LSP_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    target = tmp_path / "repo"
    shutil.copytree(EXAMPLE, target)
    for path in target.rglob("*"):
        os.utime(path, ns=(OLD, OLD))
    return target


def run(capsys, *args) -> tuple[int, dict]:
    code = cli.main(["check", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def forbid_parsing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("parsed although nothing changed")
    monkeypatch.setattr(parse, "parse_text", fail)
    import netpol_lsp.workspace as workspace
    monkeypatch.setattr(workspace, "parse_text", fail)


def test_a_second_run_on_unchanged_files_parses_nothing_and_says_the_same(repo, capsys, monkeypatch):
    cold = run(capsys, str(repo))
    assert cold[1]["findings"], "the broken example has findings"
    assert list(cache_root().rglob("index.marshal")) and list(cache_root().rglob("files.bin"))
    forbid_parsing(monkeypatch)
    assert run(capsys, str(repo)) == cold


def test_an_edited_file_is_read_again(repo, capsys, monkeypatch):
    cold = run(capsys, str(repo))
    policy = next(p for p in repo.rglob("*.yaml") if "NetworkPolicy" in p.read_text())
    policy.write_text(policy.read_text() + "\n# a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n")
    os.utime(policy, ns=(OLD + 10**9, OLD + 10**9))
    warm = run(capsys, str(repo))
    monkeypatch.setenv("NETPOL_LSP_NO_CACHE", "1")
    assert run(capsys, str(repo)) == warm
    assert warm[1]["summary"]["documents"] == cold[1]["summary"]["documents"] + 1


def test_a_deleted_or_added_file_is_not_answered_from_the_cache(repo, capsys, monkeypatch):
    run(capsys, str(repo))
    victim = sorted(repo.rglob("*.yaml"))[0]
    victim.unlink()
    after_delete = run(capsys, str(repo))
    monkeypatch.setenv("NETPOL_LSP_NO_CACHE", "1")
    assert run(capsys, str(repo)) == after_delete


def test_lost_packed_files_are_read_again(repo, capsys, monkeypatch):
    cold = run(capsys, str(repo))
    for stored in cache_root().rglob("files.bin"):
        stored.unlink()
    narrowed = run(capsys, str(repo), "--select", "NP001,NP002")  # no stored result: files needed
    assert run(capsys, str(repo)) == cold
    monkeypatch.setenv("NETPOL_LSP_NO_CACHE", "1")
    assert run(capsys, str(repo), "--select", "NP001,NP002") == narrowed


def test_a_truncated_packed_file_is_ignored(repo, capsys, monkeypatch):
    cold = run(capsys, str(repo))
    for stored in cache_root().rglob("files.bin"):
        stored.write_bytes(stored.read_bytes()[:-10])
    narrowed = run(capsys, str(repo), "--select", "NP001,NP002")  # needs the files: read again
    monkeypatch.setenv("NETPOL_LSP_NO_CACHE", "1")
    assert run(capsys, str(repo), "--select", "NP001,NP002") == narrowed
    assert run(capsys, str(repo)) == cold


def test_a_corrupt_cache_is_ignored_and_rewritten(repo, capsys):
    cold = run(capsys, str(repo))
    for stored in cache_root().rglob("*"):
        if stored.is_file():
            stored.write_bytes(b"\x00garbage")
    assert run(capsys, str(repo)) == cold
    assert run(capsys, str(repo)) == cold


def test_no_cache_neither_reads_nor_writes(repo, capsys):
    cold = run(capsys, str(repo), "--no-cache")
    assert not cache_root().exists()
    assert run(capsys, str(repo), "--no-cache") == cold


def test_a_file_changed_right_after_the_cache_was_written_is_read_again(tmp_path):
    cache = WorkspaceCache([str(tmp_path)], Config(), folder=tmp_path / "c")
    cache.written_ns = OLD + 100 * 10**9
    cache.entries["a.yaml"] = (10, OLD, "hash")
    assert cache.fresh("a.yaml", 10, OLD)
    assert not cache.fresh("a.yaml", 11, OLD)  # size differs
    assert not cache.fresh("a.yaml", 10, OLD + 1)  # mtime differs
    cache.entries["a.yaml"] = (10, cache.written_ns - RACY_NS // 2, "hash")
    assert not cache.fresh("a.yaml", 10, cache.written_ns - RACY_NS // 2)  # racily clean


def test_the_selected_rules_are_part_of_the_key(repo, capsys):
    everything = run(capsys, str(repo))
    only = run(capsys, str(repo), "--select", "NP001")
    assert {f["rule"] for f in only[1]["findings"]} <= {"NP001"}
    assert run(capsys, str(repo)) == everything


def test_a_cache_made_by_other_code_is_not_used(repo, capsys, monkeypatch):
    import netpol_lsp.cache as cache_module
    import netpol_lsp.workspace as workspace

    cold = run(capsys, str(repo))
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "other-code")
    parses = []
    original = workspace.parse_text
    monkeypatch.setattr(workspace, "parse_text", lambda *a, **k: parses.append(1) or original(*a, **k))
    assert run(capsys, str(repo)) == cold
    assert parses, "a cache written by other code answered"
