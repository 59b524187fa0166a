"""Text -> YAML nodes with exact spans, tolerant of half-typed documents."""
from .nodes import Mapping, Node, Scalar, Sequence
from .parse import Document, ParsedFile, ParseLimits, ParseProblem, parse_text
from .reading import ReadResult, read_manifest_bytes

__all__ = [
    "Mapping", "Node", "Scalar", "Sequence", "Document", "ParsedFile", "ParseLimits",
    "ParseProblem", "parse_text", "ReadResult", "read_manifest_bytes",
]
