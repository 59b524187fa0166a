"""Bytes -> text, or a clear reason why a file is not a manifest we can read."""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Optional

from ..span import Span


BINARY = "skipped: binary file (contains NUL bytes), not a manifest"
SNIFF = 8192  # NUL bytes this near the start make a file binary


@dataclass
class ReadResult:
    text: Optional[str]  # None when the file is skipped
    problems: list = field(default_factory=list)  # (kind, Span, message): "syntax" or "skipped"


def read_manifest_bytes(data: bytes) -> ReadResult:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return ReadResult(data.decode("utf-16"))
        except UnicodeDecodeError:
            return ReadResult(None, [("skipped", Span(0, 0, 0, 0), "skipped: not valid UTF-16 text")])
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if b"\x00" in data[:SNIFF]:
        return ReadResult(None, [("skipped", Span(0, 0, 0, 0), BINARY)])
    try:
        return ReadResult(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        before = data[: err.start]
        line = before.count(b"\n")
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace"))
        text = data.decode("utf-8", "replace")
        message = (f"Invalid UTF-8 (byte 0x{data[err.start]:02x}): Kubernetes manifests must be UTF-8; "
                   "the bad bytes were read as U+FFFD")
        return ReadResult(text, [("syntax", Span(line, col, line, col + 1), message)])
