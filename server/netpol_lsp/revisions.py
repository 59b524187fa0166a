"""A git revision's manifests, read into memory: nothing is checked out or written.

`git ls-tree` lists the revision's files under the paths asked for, `git cat-file --batch`
hands their bytes over a pipe, and each becomes a loader Candidate holding its content, named
as the same file in the working tree would be (`k8s/db.yaml` for the path `k8s`), so both sides
of a diff speak of the same files. The walk applies what loader.walk_folder applies on disk:
manifest suffixes, skipped folders, the configuration's `exclude` globs, and symlinks followed
only to a file under the same path.
"""
from __future__ import annotations

import hashlib
import os
import posixpath
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .config import CONFIG_NAME, Config
from .loader import MANIFEST_SUFFIXES, SKIP_DIRS, Candidate, is_excluded

GIT_TIMEOUT = 60  # seconds: a hang guard for a huge repository, not a timing


class RevisionError(Exception):
    """Not a git repository, not a revision, or git is missing: one line for the user."""


@dataclass(frozen=True)
class Revision:
    root: str  # the repository's top folder
    name: str  # as the user wrote it: HEAD, main, HEAD~1
    commit: str  # the full commit id

    @property
    def short(self) -> str:
        return self.commit[:12]


def _git(args: list[str], cwd: str, data: Optional[bytes] = None) -> bytes:
    env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, env=env,
                              timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise RevisionError("git is not installed (needed to read a revision)") from None
    except (OSError, subprocess.TimeoutExpired) as err:
        raise RevisionError(f"git failed: {err}") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RevisionError(reason[-1] if reason else f"git {args[0]} failed (exit {proc.returncode})")
    return proc.stdout


def repository_root(cwd: str = ".") -> Optional[str]:
    """The top folder of the git repository holding cwd, or None."""
    try:
        out = _git(["rev-parse", "--show-toplevel"], cwd)
    except RevisionError:
        return None
    return out.decode("utf-8", "surrogateescape").strip() or None


def resolve(name: str, cwd: str = ".") -> Revision:
    """The commit a revision names; RevisionError when there is none."""
    root = repository_root(cwd)
    if root is None:
        raise RevisionError(f"{name}: not a file or folder, and {os.path.abspath(cwd)} is not in a git repository")
    if name.startswith("-"):
        raise RevisionError(f"{name}: not a revision")
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"], root)
    except RevisionError:
        raise RevisionError(f"{name}: neither a file or folder nor a revision of the repository at {root}") from None
    return Revision(root, name, commit.decode().strip())


def _repository_path(given: str, root: str) -> str:
    """A path as the user gave it (relative to the working folder) -> relative to the repository."""
    relative = os.path.relpath(os.path.realpath(os.path.abspath(given)), os.path.realpath(root))
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        raise RevisionError(f"{given}: outside the repository at {root}")
    return "" if relative == "." else relative.replace(os.sep, "/")


@dataclass
class _Entry:
    mode: str
    kind: str  # blob | commit | tree
    object_id: str
    size: Optional[int]


def _list_tree(revision: Revision, prefix: str) -> dict[str, _Entry]:
    args = ["ls-tree", "-r", "-z", "--long", "--full-tree", revision.commit]
    if prefix:
        args += ["--", prefix]
    out = _git(args, revision.root)
    entries = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, object_id, size = meta.decode().split()
        entries[path.decode("utf-8", "surrogateescape")] = _Entry(mode, kind, object_id,
                                                                   None if size == "-" else int(size))
    return entries


def read_blobs(root: str, object_ids: list[str]) -> dict[str, bytes]:
    """Many blobs through one `git cat-file --batch`."""
    if not object_ids:
        return {}
    wanted = list(dict.fromkeys(object_ids))
    out = _git(["cat-file", "--batch"], root, ("\n".join(wanted) + "\n").encode())
    blobs, at = {}, 0
    for object_id in wanted:
        end = out.index(b"\n", at)
        header = out[at:end].decode().split()
        at = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        blobs[object_id] = out[at:at + size]
        at += size + 1  # the content is followed by a newline
    return blobs


@dataclass
class Listed:
    """One manifest of a revision: its name as on disk, and its blob or why it is skipped."""

    display: str
    path: str  # in the repository
    object_id: Optional[str]  # None when skipped
    problem: Optional[str] = None


def listing(revision: Revision, paths: list[str], config: Config) -> tuple[list[Listed], list[str]]:
    """The manifests of the revision under each path (named as on disk), and the paths that
    do not exist in the revision (a folder the change adds: that side is empty there)."""
    found: list[Listed] = []
    missing: list[str] = []
    limit = config.limits.max_file_bytes
    for given in paths:
        prefix = _repository_path(given, revision.root)
        entries = _list_tree(revision, prefix)
        if not entries:
            missing.append(given)
            continue
        chosen: list[tuple[str, str, _Entry]] = []  # (display, repository path, entry)
        for path, entry in sorted(entries.items()):
            inner = path[len(prefix):].lstrip("/") if prefix else path
            if not inner:  # the path named one file
                display = given
            else:
                display = inner if given in ("", ".") else posixpath.join(given.rstrip("/"), inner)
                parts = inner.split("/")
                if any(part in SKIP_DIRS for part in parts[:-1]) or not _listed(display, config):
                    continue
            name = path.rsplit("/", 1)[-1]
            if inner and (not name.endswith(MANIFEST_SUFFIXES) or name == CONFIG_NAME):
                continue
            chosen.append((display, path, entry))
        links = read_blobs(revision.root, [entry.object_id for _, _, entry in chosen if entry.mode == "120000"])
        for display, path, entry in chosen:
            problem = None
            if entry.kind != "blob":
                problem = "skipped: a git submodule, not read from the revision"
            elif entry.mode == "120000":
                text = links.get(entry.object_id, b"").decode("utf-8", "surrogateescape")
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), text))
                linked = entries.get(target)
                if linked is None or linked.kind != "blob" or linked.mode == "120000":
                    problem = f"skipped: symlink to {target}, not a file under {given} in {revision.name} (not followed)"
                else:
                    entry = linked
            if problem is None and entry.size is not None and entry.size > limit:
                problem = (f"skipped: {entry.size / 1048576:.1f} MiB is larger than the "
                           f"{limit / 1048576:.1f} MiB limit (limits.maxFileBytes)")
            found.append(Listed(display, path, None if problem else entry.object_id, problem))
    return found, missing


def read_listed(revision: Revision, listed: list[Listed], known=None) -> list[Candidate]:
    """Loader candidates holding the listed files' bytes (skipped ones with their reason).
    `known(display, object_id)` may give a SourceFile already read with that very content:
    it is used as it is, neither read from git nor parsed again."""
    reuse = {}
    if known is not None:
        for item in listed:
            if item.object_id is not None:
                found = known(item.display, item.object_id)
                if found is not None:
                    reuse[item.display] = found
    blobs = read_blobs(revision.root, [item.object_id for item in listed
                                       if item.object_id is not None and item.display not in reuse])
    out = []
    for item in listed:
        real = Path(revision.root, item.path)
        if item.display in reuse:
            out.append(Candidate(item.display, real, source=reuse[item.display]))
        elif item.object_id is None:
            out.append(Candidate(item.display, real, item.problem))
        elif item.object_id not in blobs:
            out.append(Candidate(item.display, real, f"skipped: git could not read it from {revision.name}"))
        else:
            out.append(Candidate(item.display, real, data=blobs[item.object_id]))
    return out


def candidates(revision: Revision, paths: list[str], config: Config, known=None) -> tuple[list[Candidate], list[str]]:
    """listing() read: every manifest of the revision under the paths, as loader candidates
    (see read_listed for `known`)."""
    listed, missing = listing(revision, paths, config)
    return read_listed(revision, listed, known), missing


def same_content(files: dict) -> Callable[[str, str], Optional[object]]:
    """known() for read_listed: the file of `files` (display -> SourceFile) at that name, when
    its text is the blob's content."""
    def known(display: str, object_id: str):
        source = files.get(display)
        if source is None or source.skipped or blob_id(source.text, len(object_id)) != object_id:
            return None
        return source
    return known


def blob_id(text: str, object_id_length: int = 40) -> str:
    """The id git gives a file holding this text (UTF-8): equal ids, equal content."""
    data = text.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256 if object_id_length == 64 else hashlib.sha1  # a sha256 repository
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


def _listed(display: str, config: Config) -> bool:
    """Not left out by an `exclude` glob (the file, or a folder above it)."""
    parts = display.split("/")
    for end in range(1, len(parts) + 1):
        if is_excluded("/".join(parts[:end]), config):
            return False
    return True
