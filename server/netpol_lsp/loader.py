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
from .manifests.parse import ParseProblem
from .manifests.reading import BINARY, SNIFF
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
    documents: int = 0
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


def discover(paths: list[str], config: Config) -> Iterator[Candidate]:
    for given in paths:
        path = Path(given)
        try:
            info = path.stat()
        except OSError as err:
            raise UnreadablePath(f"{given}: {err.strerror or err}") from None
        if stat.S_ISDIR(info.st_mode):
            if not os.access(path, os.R_OK | os.X_OK):
                raise UnreadablePath(f"{given}: permission denied")
            yield from walk_folder(path, path.resolve(), given, config)
        else:
            if not os.access(path, os.R_OK):
                raise UnreadablePath(f"{given}: permission denied")
            yield Candidate(given, path)


def walk_folder(folder: Path, root: Path, display_root: str, config: Config) -> Iterator[Candidate]:
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
                if entry.name not in SKIP_DIRS:
                    yield from walk_folder(Path(entry.path), root, display, config)
                continue
        except OSError:
            continue
        if not entry.name.endswith(MANIFEST_SUFFIXES) or entry.name == CONFIG_NAME:
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
            return skipped_source(candidate.display,
                                  f"skipped: {_mib(info.st_size)} is larger than the "
                                  f"{_mib(config.limits.max_file_bytes)} limit (limits.maxFileBytes)")
        with open(path, "rb") as handle:
            data = handle.read(config.limits.max_file_bytes + 1)
    except FileNotFoundError:
        return skipped_source(candidate.display, "skipped: the file disappeared while it was being read")
    except OSError as err:
        return skipped_source(candidate.display, f"skipped: cannot read it ({err.strerror or err})")
    return source_from_bytes(candidate.display, data, config, lean)


def source_from_bytes(display: str, data: bytes, config: Config, lean: bool = False) -> SourceFile:
    if len(data) > config.limits.max_file_bytes:
        return skipped_source(display, f"skipped: larger than the {_mib(config.limits.max_file_bytes)} limit "
                              "(limits.maxFileBytes)")
    result = read_manifest_bytes(data)
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
            return skipped_source(display, f"skipped: {_mib(size)} is larger than the {_mib(limit)} limit "
                                  "(limits.maxFileBytes)")
    if "\x00" in text[:SNIFF]:
        return skipped_source(display, BINARY)
    return load_source(display, text, config, memo=memo)


def _mib(size: int) -> str:
    return f"{size / 1048576:.1f} MiB"


def load_paths(paths: list[str], config: Config, jobs: Optional[int] = None, cache=None) -> LoadResult:
    """Every manifest under the paths, read lean (only what the analysis reads), on every core,
    from the warm-start cache where a file did not change (bulk.py)."""
    from .bulk import BulkLoad

    return BulkLoad(paths, config, cache).load(jobs)
