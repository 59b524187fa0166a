"""NP075 cross-root-dependency: a Kustomize render root whose selectors (or named ports, or
isolation) match nothing in what `kubectl apply -k ROOT` creates, but would match objects other
roots deploy, while the configuration does not say whether those roots share its cluster.
Said once per root, naming the other roots and how to declare the cluster; the "matches
nothing" findings it stands for are not reported (they may be false). Made where the views'
findings are merged (analysis/rendered.py), not by a check of one view."""
from __future__ import annotations

from ..findings import Severity

ID = "NP075"
NAME = "cross-root-dependency"
SEVERITY = Severity.INFO
SUMMARY = "a Kustomize root whose selectors match only what other roots deploy, with no declared cluster"


def check(ctx):
    return iter(())  # analysis/rendered.py compares each root's view with the view of every root
