"""Reading a whole repository: the warm-start cache first, then worker processes for the rest.

`plan()` stats every file and takes from the cache (cache.py) those whose size and mtime did
not change; `load()` reads the others, lean and with their per-file rule work done, on every
core (parallel.py), and unpacks the cached ones. `check` asks `unchanged()` in between: when
no file changed it can print the stored findings without loading anything.
"""
from __future__ import annotations

import marshal
import os
from functools import partial
from typing import Optional

from .cache import WorkspaceCache, content_hash
from .collector import release_free_memory
from .config import Config
from .manifests import ParseLimits
from .model.slim import slim as slim_source
from .loader import Candidate, LoadResult, count_source, discover, read_candidate, recount
from .packing import pack, unpack
from .parallel import map_in_order
from .workspace import SourceFile, Workspace


class BulkLoad:
    def __init__(self, paths: list[str], config: Config, cache: Optional[WorkspaceCache] = None,
                 nested: Optional[list[str]] = None, candidates: Optional[list[Candidate]] = None):
        """`candidates` instead of the files under `paths`: e.g. a git revision's, read in memory."""
        self.paths = paths
        self.config = config
        self.cache = cache
        self.reads_stdin = "-" in paths  # rendered YAML on standard input, read when loading
        self.candidates = list(discover([path for path in paths if path != "-"], config, nested)) \
            if candidates is None else candidates
        from .render.helm import find_charts

        self.charts = find_charts(self.candidates)
        self.hits: set[int] = set()  # indexes of the candidates the cache has unchanged
        if cache is not None:
            cache.load()
            self.hits = {index for index, candidate in enumerate(self.candidates) if is_fresh(cache, candidate)}

    def unchanged(self) -> bool:
        """Every file came from the cache, and the cache holds no file that is gone."""
        return (self.cache is not None and self.replayable and len(self.hits) == len(self.candidates)
                and len(self.cache.entries) == len(self.candidates))

    @property
    def replayable(self) -> bool:
        """Whether the files alone decide the findings: not with standard input, nor with a Helm
        chart (its _helpers.tpl, values files and helm's version are not among the files)."""
        return not self.reads_stdin and not self.charts

    def displays(self) -> list[str]:
        return [candidate.display for candidate in self.candidates]

    def load(self, jobs: Optional[int] = None, slim: bool = False) -> LoadResult:
        """slim: the NetworkPolicies keep only the nodes their model points at (model/slim.py),
        for a one-shot run that prints no fix; the cache still gets whole trees."""
        if self.hits:  # a hit whose packed form is missing (files.bin lost) is read again
            self.hits = {i for i in self.hits if self.cache.packed(self.candidates[i].display) is not None}
        misses = [c for index, c in enumerate(self.candidates) if index not in self.hits and c.source is None]
        large = {id(c) for c in misses if is_large(c)}
        identify = self.cache is not None  # the content hash is for the cache only
        # slimmed as each file is read or unpacked, so the whole trees never stand together
        limits = ParseLimits(max_depth=self.config.limits.max_depth, max_aliases=self.config.limits.max_aliases) \
            if slim else None
        unpack_one = partial(_unpack_identified, config=self.config, keep=self.cache is not None, slim=limits)
        local = partial(read_identified, config=self.config, identify=identify, slim=limits)
        if slim and self.cache is not None:  # each file's packed form to the cache (its spill file) as it comes
            unpack_one, local = partial(_stored, unpack_one, self.cache), partial(_stored, local, self.cache)
        read = map_in_order(partial(read_identified, config=self.config, identify=identify),
                            [c for c in misses if id(c) not in large],
                            jobs, pack=_pack_identified, unpack=unpack_one, local=local)
        read.reverse()  # taken from the end, so each result is let go once it is in the workspace
        workspace = Workspace(self.config)
        result = LoadResult(workspace)
        for index, candidate in enumerate(self.candidates):
            if candidate.source is not None:
                source = candidate.source
            elif index in self.hits:
                source = unpack(marshal.loads(self.cache.packed(candidate.display)), self.config)
                if slim:
                    slim_source(source, limits)
            elif id(candidate) in large:
                # read here, once, and not packed: a packed copy (for a worker's reply or the
                # cache) would double the memory a bundle of tens of MiB takes
                source, identity, packed = read_identified(candidate, self.config, slim=limits)
            else:
                source, identity, packed = read.pop()
                if self.cache is not None and identity is not None:
                    self.cache.store(candidate.display, *identity, packed or marshal.dumps(pack(source)))
            workspace.put(source)
            count_source(result, source)
        if self.cache is not None:
            self.cache.forget_others(set(self.displays()))
        if self.charts or self.reads_stdin:
            import sys

            from .render.helm import add_rendered

            add_rendered(result, self.charts, sys.stdin.buffer.read() if self.reads_stdin else None, self.config)
            recount(result)  # rendered files replaced their templates; standard input added some
        release_free_memory()
        return result


# Files above this are read in this process and not kept in the warm-start cache (bundles).
LARGE_FILE_BYTES = 8 << 20


def is_large(candidate: Candidate) -> bool:
    return _size(candidate) > LARGE_FILE_BYTES


def _size(candidate: Candidate) -> int:
    if candidate.problem is not None:
        return 0
    if candidate.data is not None:  # in memory (a git revision's)
        return len(candidate.data)
    try:
        return os.stat(candidate.real).st_size
    except OSError:
        return 0


def is_fresh(cache: WorkspaceCache, candidate: Candidate) -> bool:
    """The cache has the file as it is on disk (same size and mtime, not racily clean)."""
    if candidate.problem is not None:
        return False
    try:
        info = os.stat(candidate.real)
    except OSError:
        return False
    return cache.fresh(candidate.display, info.st_size, info.st_mtime_ns)


def read_identified(candidate: Candidate, config: Config, identify: bool = True, slim: Optional[ParseLimits] = None):
    """(source, (size, mtime_ns, content hash) or None when it should not be cached, None).
    identify=False: no identity (nothing is cached: the hash would be work for nothing).
    slim: the policies keep only what their model holds (model/slim.py); then the third item
    is the packed whole file when it has an identity (the cache keeps whole trees)."""
    from .rules.registry import prepare_file

    try:  # stat first: a change while reading shows as a newer mtime next time
        info = os.stat(candidate.real) if candidate.problem is None and candidate.data is None else None
    except OSError:
        info = None
    source = read_candidate(candidate, config, lean=True)
    prepare_file(source)
    identity = None if not identify or info is None or info.st_size > LARGE_FILE_BYTES \
        else (info.st_size, info.st_mtime_ns, content_hash(source.text))  # a large file is not cached
    packed = None  # packed form: only for what a worker sends, or for the cache before slimming
    if slim is not None:
        if identity is not None:
            packed = marshal.dumps(pack(source))
        slim_source(source, slim)
    return source, identity, packed


def _stored(read_one, cache: WorkspaceCache, *args) -> tuple:
    """read_one(*args), its packed form given to the cache at once (which spills it to disk)
    rather than held with every other file's until all are read: (source, None, None) then."""
    source, identity, packed = read_one(*args)
    if identity is None or packed is None:
        return source, identity, packed
    cache.store(source.path, *identity, packed)
    return source, None, None


def _pack_identified(read: tuple) -> tuple:
    source, identity, _ = read
    return marshal.dumps(pack(source)), identity


def _unpack_identified(sent: tuple, config: Config, keep: bool = True,
                       slim: Optional[ParseLimits] = None) -> tuple[SourceFile, Optional[tuple], bytes]:
    """A worker's result: the source, its identity, and its packed bytes when `keep` (for the
    cache: a tenth of the memory the tuples would take; without a cache they are let go).
    slim: as read_identified's."""
    blob, identity = sent
    source = unpack(marshal.loads(blob), config)
    if slim is not None:
        slim_source(source, slim)
    return source, identity, blob if keep else None


def read_packed_batch(batch: list[Candidate], config: Config) -> list[tuple]:
    """(packed bytes, identity) of each file: what a worker process of the server sends back."""
    return [_pack_identified(read_identified(candidate, config)) for candidate in batch]


def quiet_worker() -> None:
    """Initializer of the server's worker processes: they inherit its stdout, which is the
    language server protocol's channel; anything printed there would corrupt it, so stdout
    goes to stderr (the editor's log) instead."""
    import sys

    os.dup2(2, 1)
    sys.stdout = sys.stderr
