"""The server's indexing reader: worker processes, lean files and the warm-start cache give the
same files as reading each one directly."""
from __future__ import annotations

import shutil
from pathlib import Path

from netpol_lsp.cache import WorkspaceCache
from netpol_lsp.config import Config
from netpol_lsp.loader import read_candidate
from netpol_lsp.lsp.indexing import Reader, discover
from netpol_lsp.rules.registry import prepare_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _shape(source):
    return (source.path, source.lean, [(o.kind, o.namespace, o.name, o.kind_span) for o in source.objects],
            [(tuple(p.span), p.message) for p in source.parse_problems], source.cache.get("NP060"))


def test_processes_and_cache_give_what_a_direct_read_gives(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    config = Config()
    candidates = discover([str(root)], config)
    assert len(candidates) > 5
    direct = []
    for candidate in candidates:
        source = read_candidate(candidate, config, lean=True)
        prepare_file(source)
        direct.append(_shape(source))

    cache = WorkspaceCache([str(root)], config, folder=tmp_path / "cache")
    reader = Reader(config, cache, processes=2)  # spawned workers, as for a big workspace
    try:
        read = reader.finish(candidates, reader.start(candidates))
    finally:
        reader.close()
    assert [_shape(s) for s in read] == direct
    cache.save()

    again = WorkspaceCache([str(root)], config, folder=tmp_path / "cache")
    again.load()
    again.written_ns += 10 * 10**9  # as if written well after the files' mtimes (not racily clean)
    warm = Reader(config, again, processes=1)
    assert all(warm.fresh(c) for c in candidates)
    assert [_shape(s) for s in warm.from_cache(candidates)] == direct


def _print_and_read(batch, config):
    print("a stray print in a worker")  # noqa: T201 - what the test guards against
    from netpol_lsp.bulk import read_packed_batch
    return read_packed_batch(batch, config)


def test_worker_processes_never_write_to_the_protocol_channel(tmp_path, capfd, monkeypatch):
    import netpol_lsp.lsp.indexing as indexing

    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    config = Config()
    candidates = discover([str(root)], config)
    monkeypatch.setattr(indexing, "read_packed_batch", _print_and_read)
    reader = Reader(config, None, processes=2)
    try:
        assert len(reader.finish(candidates, reader.start(candidates))) == len(candidates)
    finally:
        reader.close()
    out, err = capfd.readouterr()
    assert "a stray print" not in out and "a stray print" in err


class _BrokenFuture:
    def result(self):
        raise RuntimeError("a process in the pool was terminated abruptly")


def test_a_failed_worker_process_is_read_in_the_server(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    config = Config()
    candidates = discover([str(root)], config)
    reader = Reader(config, None, processes=1)
    assert [_shape(s) for s in reader.finish(candidates, _BrokenFuture())] == \
           [_shape(s) for s in reader.finish(candidates, None)]


def test_large_files_are_read_in_the_server_and_not_cached(tmp_path, monkeypatch):
    """A bundle over bulk.LARGE_FILE_BYTES is parsed where it is needed, never packed for a
    worker's reply or the cache: a packed copy would double its memory."""
    from netpol_lsp import bulk
    from netpol_lsp.config import Config
    from netpol_lsp.loader import Candidate

    monkeypatch.setattr(bulk, "LARGE_FILE_BYTES", 10)
    path = tmp_path / "big.yaml"
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: big}\n")
    source, identity, packed = bulk.read_identified(Candidate(str(path), path), Config())
    assert [o.name for o in source.objects] == ["big"] and identity is None and packed is None
    assert bulk.is_large(Candidate(str(path), path))
