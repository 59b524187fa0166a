"""NP099 unused-suppression: a suppression comment or annotation that suppresses nothing.

The work is done where suppressions are applied (analysis/suppress.py), after every other rule
has run: only then is it known which suppressions matched a finding. This module gives the rule
its id, name, severity and page, so it can be selected, ignored and configured like any other.
"""
from __future__ import annotations

from ..findings import Severity

ID = "NP099"
NAME = "unused-suppression"
SEVERITY = Severity.INFO
SUMMARY = "a suppression comment or annotation that suppresses nothing"


def check(ctx):
    return iter(())
