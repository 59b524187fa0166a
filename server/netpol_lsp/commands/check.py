"""`netpol-lsp check`: the findings, compiler-style, JSON, SARIF, GitHub or JUnit, with exit codes."""
from __future__ import annotations

import os
import sys

from ..cli import UsageError
from .common import prepare_workspaces

THRESHOLDS = {"error": 3, "warning": 2, "info": 1, "never": 99}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def run_check(args) -> int:
    from ..analysis.views import UnknownRoot
    from ..rules.registry import resolve_rule

    for name in _split(args.select) + _split(args.ignore):
        if resolve_rule(name) is None:
            raise UsageError(f"unknown rule '{name}' (see: netpol-lsp rules)")
    select, ignore = _split(args.select), _split(args.ignore)
    summary = {"files": 0, "documents": 0, "skippedDocuments": 0, "skippedFiles": 0, "manifests": 0}
    findings, workspaces, files = [], [], []
    unknown = []  # --kustomize ROOT: the workspaces it is not a root of
    for bulk in prepare_workspaces(args.paths, args.config, use_cache=not args.no_cache):
        try:
            found, counted, workspace = _check_one(bulk, select, ignore, args.kustomize)
        except UnknownRoot as err:
            unknown.append(str(err))
            continue
        findings += _config_findings(bulk.config) + found
        for key in summary:
            summary[key] += counted.get(key, 0)
        workspaces.append(workspace)
        files += bulk.displays()
    if not workspaces and unknown:
        raise UsageError(unknown[0])
    if len(workspaces) > 1:  # each workspace's findings came sorted; together they are sorted again
        findings.sort(key=lambda f: f.sort_key())
    workspace = _Workspaces(workspaces) if len(workspaces) > 1 else workspaces[0]
    if args.format == "json":  # written a finding at a time: a big report is never one text in memory
        from ..report.findings_json import json_chunks
        for chunk in json_chunks(findings, summary):
            sys.stdout.write(chunk)
    else:
        sys.stdout.write(render(findings, summary, args, workspace, files))
    if not summary["manifests"]:
        # nothing was checked: never a silent success (exit 2 unless --fail-on never)
        print(f"netpol-lsp: {nothing_checked(args.paths, summary)}", file=sys.stderr)
        if args.fail_on != "never":
            return 2
    threshold = THRESHOLDS[args.fail_on]
    return 1 if any(int(f.severity) >= threshold for f in findings) else 0


def _check_one(bulk, select, ignore, root=None):
    """The findings of one workspace: from the cache when no file changed since they were stored.
    With Kustomize roots, one analysis per root (analysis/rendered.py); root: --kustomize."""
    from ..analysis.rendered import analyze_checked

    cache = bulk.cache
    key = (*select, "\0", *ignore, "\0", root or "")
    stored = None
    if bulk.unchanged():  # no file changed since a run that stored its findings: print those
        stored = cache.load_result(cache.result_key(bulk.displays(), *key))
    if stored is not None:
        findings, summary = stored
        return findings, summary, None
    from ..rules import fixes

    loaded = bulk.load(slim=True)  # policies without their whole trees: a fix would read them
    with fixes.unwanted():  # no report prints a fix: the stored result holds none either
        findings = analyze_checked(loaded.workspace, select, ignore, root)
    summary = {"files": loaded.files_seen, "documents": loaded.documents,
               "skippedDocuments": loaded.skipped_documents, "skippedFiles": loaded.skipped_files,
               "manifests": loaded.manifests}
    if cache is not None:
        cache.save()
        if cache.can_key(bulk.displays()) and bulk.replayable:
            cache.save_result(cache.result_key(bulk.displays(), *key), findings, summary)
    return findings, summary, loaded.workspace


class _Workspaces:
    """What the reports read of a workspace (its files), over several."""

    def __init__(self, workspaces):
        self.files = {}
        for workspace in workspaces:
            if workspace is not None:
                self.files.update(workspace.files)


def nothing_checked(paths: list[str], summary: dict) -> str:
    from ..report.findings_text import skipped_text

    files = summary.get("files", 0)
    where = " ".join(paths)
    if not files:
        return f"no manifest file (*.yaml, *.yml, *.json) in {where}: nothing was checked"
    return (f"no Kubernetes object (a document with apiVersion and kind) in {where}: nothing was checked "
            f"({files} file{'s' if files != 1 else ''} read{skipped_text(summary)})")


def render(findings, summary, args, workspace=None, files=None) -> str:
    fmt = args.format
    if fmt == "json":
        from ..report.findings_json import render_json
        return render_json(findings, summary)
    if fmt == "sarif":
        from ..report.sarif import render_sarif
        return render_sarif(findings, workspace)
    if fmt == "github":
        from ..report.github import render_github
        return render_github(findings)
    if fmt == "junit":
        from ..report.junit import render_junit
        files = files if files is not None else list(workspace.files) if workspace is not None else None
        return render_junit(findings, summary, files, getattr(args, "fail_on", "warning"))
    from ..report.findings_text import render_text
    return render_text(findings, summary, color=_use_color(args.color))


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _config_findings(config):
    """A bad .netpol-lsp.yaml is a finding on that file; the defaults were used."""
    from ..config import describe_problem
    from ..findings import Finding, Severity

    return [Finding("NP060", "schema", Severity.ERROR, describe_problem(p),
                    os.path.relpath(config.path) if config.path else ".netpol-lsp.yaml", p.span)
            for p in config.problems]
