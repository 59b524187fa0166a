"""How YAML 1.1 types a scalar: the one place both parse paths and the edits ask."""
from __future__ import annotations

import re

TAG_TYPES = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
}

# YAML 1.1 implicit types of plain scalars, as PyYAML's SafeLoader resolves them
_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"""
                  r"""|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""")
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"""
                    r"""|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF".split())
# a plain scalar whose first character is none of these is a string (plain_type's first test)
MAYBE_TYPED = frozenset("0123456789+-.~nNyYtTfFoO")


def plain_type(value: str) -> str:
    """The type PyYAML's SafeLoader gives a plain (unquoted, untagged) scalar."""
    if not value:
        return "null"
    if value[0] not in MAYBE_TYPED:
        return "str"  # most scalars: names, images, labels
    if value in _NULLS:
        return "null"
    if value in _BOOLS:
        return "bool"
    if _INT.match(value):
        return "int"
    if _FLOAT.match(value):
        return "float"
    return "str"
