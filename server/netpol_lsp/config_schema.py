"""Validation of `.netpol-lsp.yaml` against schemas/config.schema.json."""
from __future__ import annotations

from .manifests.nodes import Node
from .schema_check import SchemaError, validate


def validate_config(root: Node) -> list[SchemaError]:
    return list(validate(root, "config.schema.json"))
