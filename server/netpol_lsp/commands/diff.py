"""`netpol-lsp diff OLD [NEW]`: what a change does to connectivity.

Each side is a file or folder, or a git revision of the repository holding the working folder
(read from git into memory: nothing is checked out or written). One side given: that revision
(or path) against the working tree. Two paths compare those two; a revision and a path compare
that path in the revision with the path now; two revisions compare the `--path` folders
(default: the working folder) in each. Both sides are loaded the way `check` loads (common.py),
with the same configuration.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Optional

from ..cli import UsageError
from .common import config_for, load, print_caveats, rendered_workspace

FAIL_ON = ("added", "removed", "any", "never")


@dataclass
class SideSpec:
    given: str
    revision: Optional[object] = None  # revisions.Revision, or None for a path
    working_tree: bool = False  # the implicit NEW side

    def label(self, paths: list[str]) -> str:
        where = "" if paths == ["."] else f" ({', '.join(paths)})"
        if self.revision is not None:
            return f"{self.given} ({self.revision.short}){where}"
        if self.working_tree:
            return f"working tree{where}"
        return self.given


def _side(given: str, where: str) -> SideSpec:
    """A path when it exists, else a revision of the repository holding `where`."""
    from ..revisions import RevisionError, resolve

    if os.path.exists(given):
        return SideSpec(given)
    folder = where if os.path.isdir(where) else os.path.dirname(os.path.abspath(where))
    try:
        return SideSpec(given, resolve(given, folder))
    except RevisionError as err:
        raise UsageError(str(err)) from None


def run_diff(args) -> int:
    from ..analysis.compare import changed_namespaces, compare, differing_files
    from ..report.conndiff import Labels, render

    # revisions are of the repository holding the first --path, or the path side, or the working folder
    where = next((p for p in [*(args.path or ()), args.old, args.new] if p is not None and os.path.exists(p)), ".")
    old = _side(args.old, where)
    new = _side(args.new, where) if args.new is not None else SideSpec(".", working_tree=True)
    paths = _paths(old, new, args.path)
    old_paths, new_paths = paths
    config = config_for(new_paths if new.revision is None else old_paths, args.config)
    use_cache = not args.no_cache
    # a path side first: a revision's files with the same content are then taken from it
    if new.revision is None and old.revision is not None:
        new_ws = _load(new, new_paths, config, args.config, use_cache)
        old_ws = _load(old, old_paths, config, args.config, use_cache, new_ws.files)
    else:
        old_ws = _load(old, old_paths, config, args.config, use_cache)
        new_ws = _load(new, new_paths, config, args.config, use_cache, old_ws.files)
    if not old_ws.files and not new_ws.files:
        raise UsageError("nothing to compare: neither side holds a manifest (*.yaml, *.yml, *.json)")
    # the view of a Kustomize render root, as connectivity reads it (--kustomize ROOT)
    old_view, new_view = rendered_workspace(old_ws, args.kustomize, caveat=False), rendered_workspace(new_ws, args.kustomize)
    print_caveats(new_view)
    # only the namespaces whose files differ can differ (analysis/compare.py); rendered views move
    # objects between namespaces (a kustomization's namespace:), so with views everything is compared
    rendered = old_view is not old_ws or new_view is not new_ws
    namespaces = None if rendered else changed_namespaces(differing_files(old_ws.files, new_ws.files))
    comparison = compare(old_view, new_view, namespaces)
    labels = Labels(old.label(old_paths), new.label(new_paths))
    text = render(comparison, args.format, labels)
    if args.output:
        with open(args.output, "wb" if isinstance(text, bytes) else "w") as handle:
            handle.write(text)
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
    else:
        sys.stdout.write(text)
    return _exit_code(comparison.diff, args.fail_on)


def _paths(old: SideSpec, new: SideSpec, asked: Optional[list[str]]) -> tuple[list[str], list[str]]:
    """The paths each side reads: a path side names its own; a revision reads the other side's
    path, or the --path ones (default: the working folder)."""
    old_is_path = old.revision is None
    new_is_path = new.revision is None and not new.working_tree
    if old_is_path and new.working_tree:
        raise UsageError(f"{old.given} is a path: give a second path to compare it with, or give a git "
                         "revision (netpol-lsp diff main)")
    if old_is_path or new_is_path:
        if asked:
            raise UsageError("--path goes with revisions only: a path side names its own files")
        if old_is_path and new_is_path:
            return [old.given], [new.given]
        shared = [old.given if old_is_path else new.given]
        return shared, shared
    shared = asked or ["."]
    return shared, shared


def _load(spec: SideSpec, paths: list[str], config, explicit_config: Optional[str], use_cache: bool,
          other: Optional[dict] = None):
    """A side's workspace; a revision's files whose content is that of the same file in
    `other` (the other side's files) are taken from there, not read and parsed again."""
    if spec.revision is None:
        return load(paths, explicit_config, use_cache).workspace
    from ..revisions import RevisionError, candidates, same_content

    try:
        found, missing = candidates(spec.revision, paths, config, same_content(other) if other else None)
    except RevisionError as err:
        raise UsageError(str(err)) from None
    for path in missing:
        print(f"netpol-lsp: {path} does not exist in {spec.given}: that side is empty there", file=sys.stderr)
    from ..render.helm import find_charts

    charts = find_charts(found)
    if charts:  # helm renders folders on disk: the working tree's chart stands for the revision's
        where = ", ".join(chart.folder for chart in charts)
        print(f"netpol-lsp: Helm charts ({where}) are rendered from the working tree on both sides, "
              f"not from {spec.given}: changes inside them are not compared", file=sys.stderr)
    return load(paths, explicit_config, candidates=found, config=config).workspace


def _exit_code(diff, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    if fail_on == "added":
        return 1 if diff.added else 0
    if fail_on == "removed":
        return 1 if diff.removed else 0
    return 1 if diff.changes else 0
