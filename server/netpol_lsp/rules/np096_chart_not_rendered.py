"""NP096 chart-not-rendered: a Helm chart (a folder with Chart.yaml) whose templates could not be
rendered (helm is not installed, or `helm template` failed), so nothing in it was analysed."""
from __future__ import annotations

from ..findings import Severity
from .base import finding

ID = "NP096"
NAME = "chart-not-rendered"
SEVERITY = Severity.WARNING
SUMMARY = "a Helm chart that could not be rendered with helm template, so its templates are not analysed"


def check(ctx):
    for note in ctx.workspace.render_notes:
        if ctx.in_scope(note.path):
            yield finding(ID, note.message, note.path, note.span)
