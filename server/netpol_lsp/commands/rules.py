"""`netpol-lsp rules`: the rule catalog, or one rule's page."""
from __future__ import annotations

import sys

from ..cli import UsageError


def run_rules(args) -> int:
    from ..rules.registry import RULES, enabled_by_default, resolve_rule

    wanted = getattr(args, "rule", None)
    if not wanted:
        sys.stdout.write(render_catalog(RULES, enabled_by_default))
        return 0
    rule = resolve_rule(wanted)
    if rule is None:
        raise UsageError(f"unknown rule '{wanted}' (run `netpol-lsp rules` for the list)")
    from ..rules.docs import rule_page_text

    text = rule_page_text(rule.ID)
    if text is None:  # an install without the pages: say what we know
        text = (f"# {rule.ID} {rule.NAME}\n\n{rule.SUMMARY}\n\nDefault severity: {rule.SEVERITY}.\n\n"
                "(The rule's page is not installed.)\n")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def render_catalog(rules, enabled_by_default) -> str:
    width = max(len(r.NAME) for r in rules)
    lines = []
    for rule in rules:
        severity = str(rule.SEVERITY)
        if not enabled_by_default(rule):
            severity += " (off)"
        lines.append(f"{rule.ID}  {rule.NAME:<{width}}  {severity:<13}  {rule.SUMMARY}")
    lines.append("")
    lines.append("`netpol-lsp rules ID_OR_NAME` prints a rule's page; configure rules in .netpol-lsp.yaml "
                 "(rules: {NP020: \"off\"}) or per line with `# netpol-lsp: disable=NP020`.")
    return "\n".join(lines) + "\n"
