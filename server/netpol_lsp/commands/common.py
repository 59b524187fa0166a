"""What every command does first: find the configuration and load the workspace."""
from __future__ import annotations

import gc
import os
from pathlib import Path

from ..cli import UsageError
from ..config import Config, find_config, load_config
from ..loader import LoadResult, UnreadablePath


def config_for(paths: list[str], explicit: str | None) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"{explicit}: no such configuration file")
        return load_config(path)
    start = Path(paths[0]) if paths else Path(".")
    return load_config(find_config(start.resolve() if start.exists() else Path(".").resolve()))


def prepare(paths: list[str], explicit_config: str | None, use_cache: bool = True):
    """The configuration found, the files listed and checked against the warm-start cache
    (bulk.BulkLoad): nothing parsed yet."""
    from ..bulk import BulkLoad
    from ..cache import WorkspaceCache

    # A one-shot command builds hundreds of thousands of long-lived nodes and frees them at
    # exit: the cyclic collector would rescan them all again and again (5x the parse time).
    gc.disable()
    config = config_for(paths, explicit_config)
    cache = WorkspaceCache(paths, config) if use_cache and not os.environ.get("NETPOL_LSP_NO_CACHE") else None
    try:
        return BulkLoad(paths, config, cache)
    except UnreadablePath as err:
        raise UsageError(str(err)) from None


def load(paths: list[str], explicit_config: str | None, use_cache: bool = True, candidates=None,
         config: Config | None = None) -> LoadResult:
    """The workspace of the paths; with `candidates` (and their `config`), of those files
    instead (a git revision's, in memory; never cached: the cache is keyed by files on disk)."""
    if candidates is not None:
        from ..bulk import BulkLoad

        gc.disable()  # as in prepare()
        bulk = BulkLoad([], config or Config(), None, candidates=candidates)
    else:
        bulk = prepare(paths, explicit_config, use_cache)
    loaded = bulk.load()
    if bulk.cache is not None:
        bulk.cache.save()
    return loaded


def unknown_name(what: str, given: str, known, plural: str | None = None) -> str:
    """One line for a NS/NAME that names nothing: the close names, or a few of the known ones."""
    import difflib

    names = sorted(set(known))
    if not names:
        return f"no {what} named {given}: the paths hold no {what}"
    close = difflib.get_close_matches(given, names, n=5, cutoff=0.6)
    if not close:  # the same name in another namespace, or a name that starts the same
        short = given.rsplit("/", 1)[-1]
        close = [n for n in names if n.rsplit("/", 1)[-1] == short or n.startswith(given)][:5]
    if close:
        return f"no {what} named {given}; did you mean: {', '.join(close)}?"
    shown = names[:8]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    return f"no {what} named {given} (expected NS/NAME); {plural or what + 's'}: {', '.join(shown)}{more}"
