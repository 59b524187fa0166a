"""Is a document a template (Helm, Go templates) rather than a manifest? Decided by structure.

`{{` makes a template only where YAML structure stands: at the start of a value, of a list
item or of a whole line (libyaml reads it there as two flow mappings opening), or inside a key.
Inside a quoted or block scalar, and inside a plain value after its first character, it is
text: a ConfigMap's "hello {{ .Name }}", a PrometheusRule's `{{ $labels.pod }}`, a Grafana
dashboard, an Argo CD ApplicationSet's '{{path}}' are manifests. A document that does not
parse is a template when `{{` stands at a structural place in its text (a whole line, a list
item, right after `key:`) or on the line where parsing failed.
"""
from __future__ import annotations

import re
from typing import Optional

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

# In text that did not parse: `{{` opening a line or a list item, or right after `key:` with no
# quote before it on the line.
_STRUCTURAL = re.compile(r"^[ \t]*(?:-[ \t]+)*\{\{|^[^#\"'\n]*?:[ \t]+\{\{", re.MULTILINE)


def template_line(chunk: str) -> Optional[int]:
    """The 0-based line of the chunk where template syntax stands in its structure, or None
    when the chunk is not a template."""
    if "{{" not in chunk:
        return None
    previous = None
    try:
        for token in yaml.scan(chunk, Loader=_Loader):
            cls = token.__class__
            if cls is yaml.FlowMappingStartToken and previous.__class__ is yaml.FlowMappingStartToken:
                here, before = token.start_mark, previous.start_mark
                if here.line == before.line and here.column == before.column + 1:
                    return here.line
            elif cls is yaml.ScalarToken and token.plain and previous.__class__ is yaml.KeyToken \
                    and "{{" in token.value:
                return token.start_mark.line
            previous = token
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        failed = mark.line if mark is not None else None
        lines = chunk.split("\n")
        for number, line in enumerate(lines):
            if failed is not None and number > failed:
                break
            if "{{" in line and not line.lstrip().startswith("#") and _STRUCTURAL.match(line):
                return number
        if failed is not None and failed < len(lines) and "{{" in lines[failed].split(" #", 1)[0]:
            return failed
    return None
