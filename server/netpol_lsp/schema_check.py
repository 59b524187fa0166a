"""Validate YAML nodes against the bundled JSON Schemas, with errors anchored on the node.

jsonschema reports a path into plain data; we walk the same path through our nodes so the
error lands on the offending key (unknown fields) or value (wrong type, bad enum), and we
rewrite its message in the user's words ("did you mean podSelector?").
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator, Optional

from .manifests.nodes import Mapping, Node, Scalar, Sequence, to_python


@dataclass
class SchemaError:
    node: Node
    message: str
    path: tuple  # the JSON path of the offending value
    validator: str

    @property
    def top_key(self) -> str:
        return str(self.path[0]) if self.path else ""

    @property
    def span(self):
        return self.node.span


@lru_cache(maxsize=None)
def load_schema(name: str) -> Optional[dict]:
    try:
        text = resources.files("netpol_lsp").joinpath("data", "schemas", name).read_text(encoding="utf-8")
    except (OSError, FileNotFoundError):
        return None
    return json.loads(text)


@lru_cache(maxsize=None)
def _validator(name: str):
    import jsonschema

    schema = load_schema(name)
    if schema is None:
        return None
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


@lru_cache(maxsize=None)
def _fast_check(name: str):
    """A compiled validator (fastjsonschema) that only says yes or no, 10x faster than jsonschema.

    Nearly every manifest is valid, so jsonschema, which explains errors well, runs only on the
    few that this one rejects. Our schemas use no keyword that draft-07 reads differently
    (tests/test_schema_prefilter.py checks that both agree)."""
    import fastjsonschema

    schema = load_schema(name)
    if schema is None:
        return None
    return fastjsonschema.compile(dict(schema, **{"$schema": "http://json-schema.org/draft-07/schema#"}))


def is_valid_fast(data, schema_name: str) -> bool:
    import fastjsonschema

    check = _fast_check(schema_name)
    if check is None:
        return True
    try:
        check(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validate(root: Node, schema_name: str) -> Iterator[SchemaError]:
    if load_schema(schema_name) is None:
        return
    try:
        data = to_python(root)
    except ValueError:
        return  # too large to expand: the parser already said so
    if is_valid_fast(data, schema_name):
        return
    # jsonschema only now: importing it and building its validator costs a process about 0.1 s,
    # which a workspace of valid manifests never needs
    validator = _validator(schema_name)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        yield from _explain(root, error)


def _walk(root: Node, path) -> tuple[Node, Optional[Node]]:
    """(value node at path, key node of its last step)."""
    node, key_node = root, None
    for step in path:
        if isinstance(node, Mapping) and isinstance(step, str):
            key_node = node.key(step)
            child = node.get(step)
            if child is None:
                break
            node = child
        elif isinstance(node, Sequence) and isinstance(step, int) and step < len(node.items):
            node, key_node = node.items[step], None
        else:
            break
    return node, key_node


def _explain(root: Node, error) -> Iterator[SchemaError]:
    path = tuple(error.absolute_path)
    node, key_node = _walk(root, path)
    where = _dotted(path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(node, Mapping):
        allowed = sorted((error.schema.get("properties") or {}).keys())
        for key in node.flat[::2]:
            if isinstance(key, Scalar) and key.value not in allowed:
                guess = difflib.get_close_matches(key.value, allowed, n=1, cutoff=0.6)
                if not guess:
                    guess = [a for a in allowed if a.lower() == key.value.lower()]
                hint = f": did you mean {guess[0]}?" if guess else f" (allowed: {', '.join(allowed)})"
                owner = f"in {where}" if where else "here"
                yield SchemaError(key, f"Unknown field '{key.value}' {owner}{hint} "
                                  "The API server rejects it (or drops it without strict validation).",
                                  path + (key.value,), kind)
        return
    if kind == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        value = error.instance
        yield SchemaError(node, f"'{value}' is not allowed in {where or 'this field'}: use one of {allowed}",
                          path, kind)
        return
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield SchemaError(key_node or node, f"{where or 'This object'} is missing the required field '{missing}'",
                          path, kind)
        return
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        if key_node is not None and isinstance(node, (Mapping, Sequence)):
            node = key_node  # a block collection spans many lines: point at its key
        yield SchemaError(node, f"{where or 'This value'} must be {_article(expected)}, "
                          f"not {_json_type(error.instance)}", path, kind)
        return
    if kind in ("minProperties", "maxProperties") and error.schema.get("maxProperties") == 1:
        # "exactly one of" (the network-policy-api's subjects, peers and ports)
        choices = ", ".join(sorted((error.schema.get("properties") or {}).keys()))
        written = ", ".join(str(k) for k in error.instance) if isinstance(error.instance, dict) else ""
        told = f"; it sets {written}" if written else "; it sets none"
        if key_node is not None and isinstance(node, (Mapping, Sequence)) and kind == "maxProperties":
            node = key_node
        yield SchemaError(node, f"{where or 'This object'} must set exactly one of {choices}{told}", path, kind)
        return
    if kind in ("minimum", "maximum"):
        yield SchemaError(node, f"{where} is {error.instance}, outside the allowed range "
                          f"({error.message.split(' is ')[-1]})", path, kind)
        return
    yield SchemaError(node, f"{where or 'This value'}: {error.message}", path, kind)


def _dotted(path) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _json_type(value) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"
