"""What every command does first: find the configuration and load the workspace."""
from __future__ import annotations

import gc
import os
from pathlib import Path

from ..cli import UsageError
from ..config import CONFIG_NAME, Config, find_config, group_by_config, load_config
from ..loader import LoadResult, UnreadablePath


def config_for(paths: list[str], explicit: str | None) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise UsageError(f"{explicit}: no such configuration file")
        if path.is_dir():
            raise UsageError(f"{explicit}: a folder, not a configuration file")
        # anything else that reads (a FIFO, /dev/null: an empty configuration) is read
        return load_config(path)
    start = Path(paths[0]) if paths else Path(".")
    return load_config(find_config(start.resolve() if start.exists() else Path(".").resolve()))


def prepare(paths: list[str], explicit_config: str | None, use_cache: bool = True,
            nested: list[str] | None = None, config: Config | None = None):
    """The configuration found, the files listed and checked against the warm-start cache
    (bulk.BulkLoad): nothing parsed yet."""
    from ..bulk import BulkLoad
    from ..cache import WorkspaceCache

    # A one-shot command builds hundreds of thousands of long-lived nodes and frees them at
    # exit: the cyclic collector would rescan them all again and again (5x the parse time).
    gc.disable()
    config = config or config_for(paths, explicit_config)
    cache = WorkspaceCache(paths, config) if use_cache and not os.environ.get("NETPOL_LSP_NO_CACHE") else None
    try:
        return BulkLoad(paths, config, cache, nested)
    except UnreadablePath as err:
        raise UsageError(str(err)) from None


def prepare_workspaces(paths: list[str], explicit_config: str | None, use_cache: bool = True) -> list:
    """One BulkLoad per workspace the paths hold. A folder with its own .netpol-lsp.yaml is its own
    workspace (its own cluster) wherever it is found, so a file gets the same findings whichever
    folder above it was named; the rest is read with the configuration nearest each path. A
    configuration named with --config makes everything one workspace."""
    if explicit_config:
        return [prepare(paths, explicit_config, use_cache)]
    pending = list(group_by_config(paths or ["."]).items())
    # a folder named and also found below another named one is one workspace, read once
    seen = {found.resolve() for found, _ in pending if found is not None}
    loads = []
    while pending:
        found, group = pending.pop(0)
        nested: list[str] = []
        bulk = prepare(group, None, use_cache, nested, config=load_config(found))
        if bulk.candidates or found is not None:
            loads.append(bulk)
        for folder in nested:
            config = Path(folder) / CONFIG_NAME
            if config.resolve() not in seen:
                seen.add(config.resolve())
                pending.append((config, [folder]))
    return loads or [prepare(paths, None, use_cache)]


def load(paths: list[str], explicit_config: str | None, use_cache: bool = True, candidates=None,
         config: Config | None = None) -> LoadResult:
    """The one workspace the paths hold; a usage error when they hold several clusters. With
    `candidates` (and their `config`), the workspace of those files instead (a git revision's,
    in memory; never cached: the cache is keyed by files on disk)."""
    if candidates is not None:
        from ..bulk import BulkLoad

        gc.disable()  # as in prepare()
        bulk = BulkLoad([], config or Config(), None, candidates=candidates)
    else:
        loads = prepare_workspaces(paths, explicit_config, use_cache)
        if len(loads) > 1:
            roots = ", ".join(" ".join(bulk.paths) for bulk in loads)
            raise UsageError(f"the paths hold {len(loads)} workspaces, each its own cluster (a folder with its "
                             f"own .netpol-lsp.yaml): name one of them ({roots})")
        bulk = loads[0]
    loaded = bulk.load()
    if bulk.cache is not None:
        bulk.cache.save()
    return loaded


def require_objects(loaded: LoadResult, paths: list[str]) -> None:
    """connectivity and explain on paths that hold no Kubernetes object: a usage error (exit 2),
    as for check, never an empty answer that reads as "nothing is allowed"."""
    from .check import nothing_checked

    if loaded.manifests:
        return
    summary = {"files": loaded.files_seen, "documents": loaded.documents,
               "skippedDocuments": loaded.skipped_documents, "skippedFiles": loaded.skipped_files}
    raise UsageError(nothing_checked(paths or ["."], summary))


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


def rendered_workspace(workspace, root: str | None, caveat: bool = True):
    """The workspace a command reads: as loaded, or, when the paths hold Kustomize render roots,
    the view of one root (--kustomize ROOT, or the only one there is). caveat: say on stderr
    that several roots are read as one cluster (diff reads two workspaces: it says it once)."""
    from ..analysis.views import UnknownRoot, build_views

    try:
        views = build_views(workspace, root)
    except UnknownRoot as err:
        raise UsageError(str(err)) from None
    if views is None:
        return workspace
    if len(views.views) > 1:
        if views.alternatives or not views.check_absence:
            what = "that are alternatives" if views.alternatives else "in declared clusters"
            raise UsageError(f"the paths hold {len(views.views)} Kustomize render roots {what} ("
                             f"{'; '.join(v.name for v in views.views)}): name one with --kustomize ROOT")
        # roots that share no file, no cluster declared: read together, and said so
        import sys

        if caveat:
            print(f"netpol-lsp: caveat: the paths hold {len(views.views)} Kustomize render roots and no declared "
                  "cluster: they are read as one cluster (name one with --kustomize ROOT, or declare "
                  "kustomize.clusters)", file=sys.stderr)
        return views.everything.workspace
    return views.views[0].workspace if views.views else views.everything.workspace


def print_caveats(workspace) -> None:
    """What the output cannot show (analysis/caveats.py), on stderr above it."""
    import sys

    from ..analysis.caveats import caveats

    for line in caveats(workspace):
        print(f"netpol-lsp: caveat: {line}", file=sys.stderr)
