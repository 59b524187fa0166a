"""One analysis for every front: run the enabled rules over a workspace and return the findings.

The CLI and the language server both call `analyze`; they never analyse twice or differently.
"""
from __future__ import annotations

import logging
from typing import Iterable, Optional

from ..findings import Finding, Severity
from ..rules.base import RuleContext
from ..rules.registry import RULES, enabled_by_default, resolve_rule
from ..workspace import Workspace

log = logging.getLogger(__name__)


def rule_selection(config_rules: dict[str, str], select: Iterable[str] = (), ignore: Iterable[str] = ()):
    """(rule module, severity) for every rule that runs, after the config and --select/--ignore."""
    overrides = {}
    for key, value in config_rules.items():
        rule = resolve_rule(key)
        if rule is not None:
            overrides[rule.ID] = value
    selected = {r.ID for r in (resolve_rule(s) for s in select) if r is not None}
    ignored = {r.ID for r in (resolve_rule(s) for s in ignore) if r is not None}
    chosen = []
    for rule in RULES:
        setting = overrides.get(rule.ID)
        if selected:
            if rule.ID not in selected:
                continue
        elif setting == "off" or (setting is None and not enabled_by_default(rule)):
            continue
        if rule.ID in ignored:
            continue
        try:
            severity = rule.SEVERITY if setting in (None, "off", "on") else Severity.parse(setting)
        except KeyError:  # a value the configuration check already reported: keep the default
            severity = rule.SEVERITY
        chosen.append((rule, severity))
    return chosen


def analyze(workspace: Workspace, select: Iterable[str] = (), ignore: Iterable[str] = (),
            context: Optional[RuleContext] = None) -> list[Finding]:
    """Every finding, sorted; with a scoped context, the findings on the files in its scope."""
    ctx = context or RuleContext(workspace)
    findings: list[Finding] = []
    chosen = rule_selection(workspace.config.rules, select, ignore)
    for rule, severity in chosen:
        try:
            for found in rule.check(ctx):
                if severity != rule.SEVERITY and found.severity == rule.SEVERITY:
                    found.severity = severity
                findings.append(found)
        except Exception:  # a bug in one rule must not hide the others' findings
            log.exception("rule %s failed", rule.ID)
    from .suppress import apply_suppressions

    # knows which rules ran, so a suppression of a rule that ran and matched nothing is NP099
    findings = apply_suppressions(workspace, findings, ran={rule.ID: severity for rule, severity in chosen},
                                  paths=ctx.scope)
    rendered = {path for path in {f.path for f in findings} if getattr(workspace.files.get(path), "rendered", False)}
    for found in findings:  # a fix's edit is of the rendered text, not of the template the file shows
        if found.path in rendered and found.fixes:
            found.fixes = []
    findings.sort(key=Finding.sort_key)
    return findings
