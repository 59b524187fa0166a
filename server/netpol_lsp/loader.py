"""Finding and reading manifest files from disk, safely.

Folders are searched recursively for *.yaml, *.yml and *.json; symlinks that lead outside the
root are not followed; anything unreadable becomes a skipped file with its reason, never an
exception. Only a path the user named that cannot be read at all is an error (exit 2).
"""
from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from .config import CONFIG_NAME, Config
from .manifests import read_manifest_bytes
from .manifests.nodes import Mapping, Scalar
from .manifests.parse import LEFT_OUT, ParseProblem
from .manifests.reading import BINARY, SNIFF
from .manifests.sniff import relevant_kind, relevant_kind_in_stream
from .workspace import SourceFile, Workspace, load_source, skipped_source

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


class UnreadablePath(Exception):
    """A path the user named does not exist or cannot be read."""


@dataclass
class Candidate:
    display: str  # as the user would write it
    real: Path
    problem: Optional[str] = None  # a reason to skip without reading
    data: Optional[bytes] = None  # the content, when it comes from memory (a git revision), not `real`
    source: Optional[SourceFile] = None  # already read (the same blob on the other side of a diff)


@dataclass
class LoadResult:
    workspace: Workspace
    files_seen: int = 0
    documents: int = 0  # analysed
    skipped_documents: int = 0  # left out of files that were otherwise read (templates)
    skipped_files: int = 0  # left out whole (too large, binary, a chart's template, ...)
    manifests: int = 0  # documents that are Kubernetes objects (apiVersion and kind)
    skipped: list[str] = field(default_factory=list)


def is_excluded(display: str, config: Config) -> bool:
    """Whether an `exclude` glob matches the path: as the user named it, or relative to the
    folder of the configuration file (the workspace root). `**/` may match no folder at all,
    a glob also matches any path ending in it, and `dir/` or `dir/**` leaves the folder out."""
    if not config.exclude:
        return False
    candidates = {_normalize(display)}
    if config.path:
        try:
            relative = os.path.relpath(os.path.abspath(display), os.path.dirname(os.path.abspath(config.path)))
        except ValueError:  # another drive on Windows
            relative = ""
        if relative and not relative.startswith(".."):
            candidates.add(_normalize(relative))
    for pattern in config.exclude:
        pattern = _normalize(pattern)
        variants = {pattern, pattern.rstrip("/")}
        if pattern.startswith("**/"):
            variants.add(pattern[3:])
        if pattern.endswith("/**"):
            variants.add(pattern[:-3])
        variants.discard("")
        for candidate in candidates:
            for variant in variants:
                if fnmatch.fnmatch(candidate, variant) or fnmatch.fnmatch(candidate, f"*/{variant}") \
                        or ("/" not in variant and fnmatch.fnmatch(os.path.basename(candidate), variant)):
                    return True
    return False


def _normalize(path: str) -> str:
    path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def discover(paths: list[str], config: Config, nested: Optional[list[str]] = None) -> Iterator[Candidate]:
    """The files under the paths. nested: when a list, a folder below a path that holds its own
    .netpol-lsp.yaml is its own workspace (its own cluster): it is not walked, and its path is
    appended to the list instead."""
    for given in paths:
        path = Path(given)
        try:
            info = path.stat()
        except OSError as err:
            raise UnreadablePath(f"{given}: {err.strerror or err}") from None
        if stat.S_ISDIR(info.st_mode):
            if not os.access(path, os.R_OK | os.X_OK):
                raise UnreadablePath(f"{given}: permission denied")
            yield from walk_folder(path, path.resolve(), given, config, nested)
        else:
            if not os.access(path, os.R_OK):
                raise UnreadablePath(f"{given}: permission denied")
            yield Candidate(given, path)


def walk_folder(folder: Path, root: Path, display_root: str, config: Config,
                nested: Optional[list[str]] = None) -> Iterator[Candidate]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        display = os.path.join(display_root, entry.name) if display_root not in ("", ".") else entry.name
        if is_excluded(display, config):
            continue
        try:
            is_link = entry.is_symlink()
            if entry.is_dir(follow_symlinks=False):
                if entry.name in SKIP_DIRS:
                    continue
                if nested is not None and os.path.isfile(os.path.join(entry.path, CONFIG_NAME)):
                    nested.append(display)
                    continue
                yield from walk_folder(Path(entry.path), root, display, config, nested)
                continue
        except OSError:
            continue
        # `Kustomization` (no suffix) is the third name Kustomize accepts for a kustomization
        if not (entry.name.endswith(MANIFEST_SUFFIXES) or entry.name == "Kustomization") or entry.name == CONFIG_NAME:
            continue
        if is_link:
            try:
                target = Path(entry.path).resolve(strict=True)
            except (OSError, RuntimeError):
                yield Candidate(display, Path(entry.path), "skipped: broken or looping symlink")
                continue
            if root not in target.parents and target != root:
                yield Candidate(display, Path(entry.path),
                                f"skipped: symlink to {target}, outside the workspace (not followed)")
                continue
            if target.is_dir():
                continue  # a folder named *.yaml behind a link: not followed into
        elif entry.is_dir():
            continue
        yield Candidate(display, Path(entry.path))


def read_candidate(candidate: Candidate, config: Config, lean: bool = False) -> SourceFile:
    if candidate.problem:
        return skipped_source(candidate.display, candidate.problem)
    if candidate.data is not None:
        return source_from_bytes(candidate.display, candidate.data, config, lean)
    path = candidate.real
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return skipped_source(candidate.display, "skipped: a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            return skipped_source(candidate.display, "skipped: not a regular file (FIFO, socket or device)")
        if info.st_size > config.limits.max_file_bytes:
            with open(path, "rb") as handle:  # what it may hold, read a block at a time
                kind = relevant_kind_in_stream(handle)
            return skipped_source(candidate.display,
                                  f"skipped: {_mib(info.st_size)} is larger than the "
                                  f"{_mib(config.limits.max_file_bytes)} limit (limits.maxFileBytes)."
                                  f"{_holds(kind)}", "skipped-manifest" if kind else "skipped")
        with open(path, "rb") as handle:
            # the size stat gave, and a byte more to see a file that grew: reading up to the
            # limit would allocate the whole limit (64 MiB) for every small file
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(config.limits.max_file_bytes + 1 - len(data))
        chart = helm_chart_of(str(path))
        if chart is not None:
            return chart_template_source(candidate.display, chart, data.decode("utf-8", "replace"))
    except FileNotFoundError:
        return skipped_source(candidate.display, "skipped: the file disappeared while it was being read")
    except OSError as err:
        return skipped_source(candidate.display, f"skipped: cannot read it ({err.strerror or err})")
    if len(data) > config.limits.max_file_bytes:
        return source_from_bytes(candidate.display, data, config, lean)
    result = read_manifest_bytes(data)
    del data  # the parse needs the text only: a large file's bytes are not kept beside it
    return source_from_read(candidate.display, result, config, lean)


def source_from_bytes(display: str, data: bytes, config: Config, lean: bool = False) -> SourceFile:
    if len(data) > config.limits.max_file_bytes:  # grew while it was read
        kind = relevant_kind(data[:config.limits.max_file_bytes].decode("utf-8", "replace"))
        return skipped_source(display, f"skipped: larger than the {_mib(config.limits.max_file_bytes)} limit "
                              f"(limits.maxFileBytes).{_holds(kind)}", "skipped-manifest" if kind else "skipped")
    return source_from_read(display, read_manifest_bytes(data), config, lean)


def source_from_read(display: str, result, config: Config, lean: bool = False) -> SourceFile:
    """A file's decoded text (manifests.reading.ReadResult) loaded, or skipped with the reason."""
    problems = [ParseProblem(span, message, kind) for kind, span, message in result.problems]
    if result.text is None:
        source = skipped_source(display, problems[0].message if problems else "skipped")
        return source
    return load_source(display, result.text, config, problems, lean)


def source_from_text(display: str, text: str, config: Config, memo=None) -> SourceFile:
    """An editor's buffer: the limits and skips a file read from disk gets (source_from_bytes),
    so the server says what `check` says about the same text saved."""
    limit = config.limits.max_file_bytes
    if len(text) * 4 > limit:  # only then can its UTF-8 form be over the limit
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > limit:
            kind = relevant_kind(text)
            return skipped_source(display, f"skipped: {_mib(size)} is larger than the {_mib(limit)} limit "
                                  f"(limits.maxFileBytes).{_holds(kind)}", "skipped-manifest" if kind else "skipped")
    if "\x00" in text[:SNIFF]:
        return skipped_source(display, BINARY)
    chart = helm_chart_of(display)
    if chart is not None:
        return chart_template_source(display, chart, text)
    return load_source(display, text, config, memo=memo)


def helm_chart_of(path: str) -> Optional[str]:
    """The folder of the Helm chart whose templates/ folder holds the file, or None: every
    file there is a template, whatever its text looks like."""
    folder = os.path.dirname(os.path.abspath(path))
    if f"{os.sep}templates" not in folder:  # no folder above it is a templates/ folder
        return None
    while True:
        parent = os.path.dirname(folder)
        if os.path.basename(folder) == "templates" and _is_chart(parent):
            return parent
        if parent == folder:
            return None
        folder = parent


def _is_chart(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "Chart.yaml"))


def chart_template_source(display: str, chart: str, text: str) -> SourceFile:
    kind = relevant_kind(text)
    shown = os.path.relpath(chart) if not os.path.relpath(chart).startswith("..") else chart
    return skipped_source(display, f"skipped: a template of the Helm chart {shown} (its templates/ folder)."
                          f"{_holds(kind)} Render it (helm template) to check it",
                          "skipped-manifest" if kind else "skipped")


def _holds(kind: Optional[str]) -> str:
    return f" It holds a {kind}, which the analysis does not see." if kind else ""


def _mib(size: int) -> str:
    return f"{size / 1048576:.1f} MiB"


def load_paths(paths: list[str], config: Config, jobs: Optional[int] = None, cache=None) -> LoadResult:
    """Every manifest under the paths, read lean (only what the analysis reads), on every core,
    from the warm-start cache where a file did not change (bulk.py)."""
    from .bulk import BulkLoad

    return BulkLoad(paths, config, cache).load(jobs)


def count_source(result: LoadResult, source: SourceFile) -> None:
    """Adds a file's documents, analysed and left out, to the totals of the run."""
    result.files_seen += 1
    result.documents += len(source.documents)
    if source.skipped:
        result.skipped_files += 1
    else:
        result.skipped_documents += sum(1 for p in source.parse_problems if p.kind in LEFT_OUT)
    result.manifests += sum(1 for d in source.documents if is_manifest(d.root))


def recount(result: LoadResult) -> None:
    """The totals again from the workspace's files, once files were replaced (Helm)."""
    result.files_seen = result.documents = result.skipped_documents = result.skipped_files = result.manifests = 0
    for source in result.workspace.files.values():
        count_source(result, source)


def is_manifest(root) -> bool:
    """A Kubernetes object (or List): a mapping with an apiVersion and a kind."""
    return isinstance(root, Mapping) and isinstance(root.get("kind"), Scalar) \
        and isinstance(root.get("apiVersion"), Scalar)
