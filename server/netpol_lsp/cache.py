"""The warm-start cache: parsed files, and the findings of a whole run, under XDG_CACHE_HOME.

One folder per set of roots and configuration file holds:
- `index.marshal`: every file's identity (size, mtime in ns, content hash), and
  `files.bin`: every file packed (packing.py). A file whose size and mtime are what was stored is not read
  again; git's racy-clean rule applies: a file modified within `RACY_NS` of the moment the
  cache was written is read again anyway, since its mtime cannot tell a later edit apart.
- `results/<key>`: the findings of a run, keyed by every file's path and content hash, the
  configuration's text, the selected rules and the version. When nothing changed, `check`
  prints them without parsing or analysing anything.
Anything unreadable, from another version or half-written is ignored and rewritten: the
cache can only make a run faster, never different. Writes go to a temporary file and are
renamed into place, so a crash or two runs at once never leave a torn file behind.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Optional

from . import __version__
from .config import Config
from .findings import Finding, from_plain, to_plain

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the packed form or the entries change
RACY_NS = 2_000_000_000
MAX_RESULTS = 8  # result files kept per folder, newest first


def code_fingerprint() -> str:
    """The installed package as it is: every module, schema and rule page by path, size and
    mtime. A cache made by other code (a newer commit of the same version, an edit while
    developing) is not used: its parsed files or findings could differ."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for folder, _, files in sorted(os.walk(package, followlinks=True)):
        for name in sorted(files):
            if name.endswith((".py", ".json", ".md")):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"\0{folder}/{name}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _forget_old_code(current: Path, days: int = 7) -> None:
    """Caches of other code (older versions, earlier commits) unused for a week are removed."""
    try:
        for sibling in current.parent.iterdir():
            if sibling != current and sibling.name.startswith("v") and \
                    time.time() - sibling.stat().st_mtime > days * 86400:
                shutil.rmtree(sibling, ignore_errors=True)
    except OSError:
        pass


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "netpol-lsp"


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class WorkspaceCache:
    def __init__(self, roots: list[str], config: Config, folder: Optional[Path] = None):
        config_text = ""
        if config.path:
            try:
                config_text = Path(config.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                config_text = "<unreadable>"
        self.config_digest = hashlib.sha256(f"{config.path}\0{config_text}".encode()).hexdigest()
        where = "\0".join(sorted(os.path.abspath(r) for r in roots)) + "\0" + self.config_digest
        code = f"v{__version__}-{FORMAT}-{code_fingerprint()}"
        self.folder = folder or cache_root() / code / hashlib.sha256(where.encode()).hexdigest()[:24]
        self.entries: dict[str, tuple] = {}  # display path -> (size, mtime_ns, content hash)
        self._packed: Optional[dict] = None  # display path -> marshal of the packed file (bytes or a view)
        # Files packed in this run wait for save() in an unnamed file in the cache folder, not in
        # memory: ~100 MB for 10,000 files of the findings profile at policy factor 2.
        self._spill = None
        self._spilled: dict[str, tuple[int, int]] = {}  # display path -> (offset, length) in _spill
        self.written_ns = 0
        self.changed = False

    # -- files -------------------------------------------------------------------------
    # Two files: the small index of identities (all a run that changes nothing reads) and the
    # packed files themselves.

    def load(self) -> None:
        stored = self._read("index.marshal")
        if stored is not None:
            self.written_ns, self.entries = stored

    def packed(self, display: str) -> Optional[bytes]:
        spilled = self._spilled.get(display)
        if spilled is not None:
            return self._read_spilled(*spilled)
        if self._packed is None:
            self._packed = self._read_files()
        return self._packed.get(display)

    def fresh(self, display: str, size: int, mtime_ns: int) -> bool:
        """True when the file's size and mtime are what was stored, and it has a packed form."""
        entry = self.entries.get(display)
        if entry is None or entry[0] != size or entry[1] != mtime_ns:
            return False
        return mtime_ns < self.written_ns - RACY_NS  # else modified too close to the last write to be sure

    def store(self, display: str, size: int, mtime_ns: int, digest: str, packed: bytes) -> None:
        self.entries[display] = (size, mtime_ns, digest)
        if self._packed is None:  # keep the other files' packed forms: save() writes them all
            self._packed = self._read_files() if self.entries else {}
        if self._spill_file() is not None:
            try:
                offset = self._spill.seek(0, os.SEEK_END)
                self._spill.write(packed)
            except OSError as err:  # a full disk: keep it in memory instead
                log.info("cannot spill to the cache folder: %s", err)
            else:
                self._spilled[display] = (offset, len(packed))
                self._packed.pop(display, None)
                self.changed = True
                return
        self._spilled.pop(display, None)
        self._packed[display] = packed
        self.changed = True

    def _spill_file(self):
        if self._spill is None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._spill = tempfile.TemporaryFile(dir=self.folder, prefix=".spill-")
            except OSError as err:  # a read-only home: the packed files stay in memory
                log.info("cannot spill to the cache folder: %s", err)
                self._spill = False
        return self._spill or None

    def _read_spilled(self, offset: int, length: int) -> bytes:
        self._spill.seek(offset)
        return self._spill.read(length)

    def forget_others(self, keep: set[str]) -> None:
        for gone in set(self.entries) - keep:
            del self.entries[gone]
            if self._packed is not None:
                self._packed.pop(gone, None)
            self._spilled.pop(gone, None)
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        packed, spilled = self._packed or {}, self._spilled
        entries = {path: entry for path, entry in self.entries.items() if path in packed or path in spilled}
        written = time.time_ns()
        # files.bin: a marshal'd table of (path, length), then the packed files one after the
        # other, written piece by piece: no second copy of them all in memory (53 MB for 10k files)
        table = marshal.dumps((FORMAT, [(path, spilled[path][1] if path in spilled else len(packed[path]))
                                        for path in entries]))
        parts = (self._read_spilled(*spilled[path]) if path in spilled else packed[path] for path in entries)
        self._write(self.folder / "files.bin", [len(table).to_bytes(8, "little"), table], parts)
        self._write(self.folder / "index.marshal", [marshal.dumps((FORMAT, (written, entries)))])
        self.changed = False
        _forget_old_code(self.folder.parent)

    def let_go(self) -> None:
        """Drops the packed files held for save() (tens of MB); read again if asked for."""
        self._packed = None
        if self._spill:
            self._spill.close()
        self._spill, self._spilled = None, {}

    def _read_files(self) -> dict:
        try:
            with open(self.folder / "files.bin", "rb") as handle:
                data = memoryview(handle.read())
            size = int.from_bytes(data[:8], "little")
            form, table = marshal.loads(data[8:8 + size])
            if form != FORMAT:
                return {}
            out, offset = {}, 8 + size
            for path, length in table:
                out[path] = data[offset:offset + length]  # a view: marshal.loads takes it as is
                offset += length
            if offset != len(data):
                raise ValueError("the table does not match the data")
            return out
        except FileNotFoundError:
            return {}
        except Exception as err:  # torn, corrupt: start afresh
            log.info("ignoring the cache file %s/files.bin: %s", self.folder, err)
            return {}

    def _read(self, name: str):
        try:
            with open(self.folder / name, "rb") as handle:
                # loads(read()): marshal.load on a file reads it in small pieces, 8x slower
                form, payload = marshal.loads(handle.read())
            return payload if form == FORMAT else None
        except FileNotFoundError:
            return None
        except Exception as err:  # torn, corrupt, another Python's marshal: start afresh
            log.info("ignoring the cache file %s/%s: %s", self.folder, name, err)
            return None

    # -- whole results -----------------------------------------------------------------

    def result_key(self, paths: list[str], *parts: str) -> str:
        digest = hashlib.sha256(self.config_digest.encode())
        for part in parts:
            digest.update(b"\0" + part.encode())
        for path in sorted(paths):
            digest.update(f"\0{path}\0{self.entries[path][2]}".encode())
        return digest.hexdigest()[:32]

    def can_key(self, paths: list[str]) -> bool:
        return all(path in self.entries for path in paths)

    def load_result(self, key: str) -> Optional[tuple[list[Finding], dict]]:
        """(findings, summary) stored under the key, or None."""
        try:
            with open(self.folder / "results" / key, "rb") as handle:
                findings, summary = marshal.loads(handle.read())
            return [from_plain(plain) for plain in findings], dict(summary)
        except FileNotFoundError:
            return None
        except Exception as err:
            log.info("ignoring the cached result %s: %s", key, err)
            return None

    def save_result(self, key: str, findings: list[Finding], summary: dict) -> None:
        folder = self.folder / "results"
        self._write(folder / key, [marshal.dumps(([to_plain(f) for f in findings], summary))])
        try:
            kept = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[MAX_RESULTS:]:
                old.unlink()
        except OSError:
            pass

    def _write(self, path: Path, parts: list[bytes], more=()) -> None:
        """`more`: further parts, made one at a time as they are written."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                for part in parts:
                    handle.write(part)
                for part in more:
                    handle.write(part)
            os.replace(temporary, path)
        except OSError as err:  # a read-only home, a full disk: run without a cache
            log.info("cannot write the cache %s: %s", path, err)
