"""Code actions: the quick fixes of the diagnostics the client shows at a place.

The fixes themselves are the rules' (Finding.fixes, built in rules/fixes.py from the parser's
spans); this module matches the client's diagnostics to the findings of the analysis they came
from, and adds to each one "Disable NPxxx on this line": a `# netpol-lsp: disable=NPxxx`
comment on the line above, indented like the finding's line (or the rule added to such a
comment already there). Fixes are offered only while the text is the one they were computed
on: after an edit, the next analysis brings new diagnostics and new fixes.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Optional

from lsprotocol import types

from ..findings import Finding, Fix, TextEdit
from ..span import Span, utf16_len
from .diagnostics import SOURCE, to_diagnostic
from .positions import to_range

KINDS = [types.CodeActionKind.QuickFix]
OPTIONS = types.CodeActionOptions(code_action_kinds=KINDS)

_DISABLE = re.compile(r"^\s*#\s*netpol-lsp:\s*disable\s*=\s*([A-Za-z0-9_.\-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_.\-]+)*)")


def disable_fix(lines: list[str], rule: str, line: int) -> Optional[Fix]:
    """`# netpol-lsp: disable=RULE` above `line`, or RULE added to the disable comment there."""
    if not 0 <= line < len(lines):
        return None
    title = f"Disable {rule} on this line"
    if line > 0:
        match = _DISABLE.match(lines[line - 1])
        if match:
            if rule in [t.strip() for t in match.group(1).split(",")]:
                return None
            end = utf16_len(lines[line - 1][:match.end(1)])
            return Fix(title, (TextEdit(Span(line - 1, end, line - 1, end), f",{rule}"),))
    text = lines[line]
    indent = text[:len(text) - len(text.lstrip(" \t"))]
    newline = "\r\n" if text.endswith("\r") else "\n"
    return Fix(title, (TextEdit(Span(line, 0, line, 0), f"{indent}# netpol-lsp: disable={rule}{newline}"),))


def _overlaps(span: Span, rng: types.Range) -> bool:
    """On the lines of the range (a cursor asks for the actions of its line)."""
    return span.start_line <= rng.end.line and rng.start.line <= span.end_line


def _same(diagnostic: types.Diagnostic, found: Finding) -> bool:
    return str(diagnostic.code) == found.rule and diagnostic.range == to_range(found.span) \
        and (not diagnostic.message or diagnostic.message == found.message)


def code_actions(params: types.CodeActionParams, findings: Iterable[Finding], lines: list[str],
                 uri_for: Callable[[str], str], edit_for: Callable[[tuple[TextEdit, ...]], types.WorkspaceEdit],
                 comments: bool = True) -> list[types.CodeAction]:
    """The quick fixes for the diagnostics in params.context (or, when the client sent none, for
    the findings overlapping params.range). `findings` are the findings of this document in the
    analysis the client's diagnostics came from, `lines` its text (the one they were computed on)."""
    only = params.context.only if params.context is not None else None
    if only and not any(types.CodeActionKind.QuickFix.value.startswith(str(getattr(k, "value", k))) for k in only):
        return []
    findings = list(findings)
    pairs: list[tuple[types.Diagnostic, Finding]] = []
    sent = [d for d in (params.context.diagnostics if params.context is not None else None) or ()
            if d.source == SOURCE and d.code is not None]
    if sent:
        for diagnostic in sent:
            found = next((f for f in findings if _same(diagnostic, f)), None)
            if found is not None:
                pairs.append((diagnostic, found))
    else:
        pairs = [(to_diagnostic(f, uri_for, related_support=False), f) for f in findings
                 if _overlaps(f.span, params.range)]
    actions: list[types.CodeAction] = []
    disables: list[types.CodeAction] = []
    seen: set = set()
    for diagnostic, found in pairs:
        for number, fix in enumerate(found.fixes):
            actions.append(types.CodeAction(title=fix.title, kind=types.CodeActionKind.QuickFix,
                                            diagnostics=[diagnostic], is_preferred=number == 0 or None,
                                            edit=edit_for(fix.edits)))
        fix = disable_fix(lines, found.rule, found.span.start_line) if comments else None
        if fix is not None and fix.edits not in seen:
            seen.add(fix.edits)
            disables.append(types.CodeAction(title=fix.title, kind=types.CodeActionKind.QuickFix,
                                             diagnostics=[diagnostic], edit=edit_for(fix.edits)))
    return actions + disables


def to_text_edits(found: Iterable[TextEdit]) -> list[types.TextEdit]:
    return [types.TextEdit(range=to_range(e.span), new_text=e.new_text) for e in found]
