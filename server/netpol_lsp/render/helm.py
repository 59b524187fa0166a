"""Helm charts: rendered with `helm template` when helm can be run, and every rendered document
mapped back to the template it came from through helm's `# Source: <chart>/<path>` comments.

A rendered object is analysed as if it were written in its template: the SourceFile keeps the
template's path and text (what the user edits, where suppression comments are read), its nodes
carry positions in the template. A rendered line is placed on the template line that holds the
same key (the same whole line first, then the same key), searching forward from the line the
previous one was placed on, then from the top; a line no template line explains (text an
`include` or `toYaml` wrote) is placed on the template's first line.

Without helm, each chart is one NP096 warning: its templates are not analysed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Optional

from ..config import Config
from ..manifests.nodes import Mapping, Node, Sequence
from ..span import Span
from ..workspace import SourceFile, load_source

CHART_FILE = "Chart.yaml"
SOURCE_LINE = re.compile(r"^# Source: (\S.*?)\s*$")
_KEY = re.compile(r"^(?:-\s+)*([^\s:#'\"{][^:#]*?|'[^']*'|\"[^\"]*\"):(?:\s|$)")
TIMEOUT_SECONDS = 120


@dataclass
class Chart:
    folder: str  # as the user would write it (display)
    real: Path
    name: str  # Chart.yaml's name: the first part of helm's `# Source:` paths
    library: bool = False  # `type: library`: helpers for other charts, nothing of its own to render


@dataclass
class RenderNote:
    """An NP096 finding: a chart that was not analysed, on its Chart.yaml."""

    path: str
    message: str
    span: Span = Span(0, 0, 0, 0)


# -- finding charts --------------------------------------------------------------------------------

def chart_name(chart_yaml: Path) -> str:
    try:
        text = chart_yaml.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return chart_yaml.parent.name
    match = re.search(r"^name:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    return match.group(1) if match else chart_yaml.parent.name


def find_charts(candidates: Iterable) -> list[Chart]:
    """The charts among the files found (a folder holding Chart.yaml), outermost first; a chart
    inside another chart's folder (a subchart under charts/) is rendered with its parent."""
    charts: list[Chart] = []
    for candidate in sorted(candidates, key=lambda c: c.display.count("/")):
        if os.path.basename(candidate.display) != CHART_FILE or candidate.problem:
            continue
        folder = os.path.dirname(candidate.display) or "."
        if any(_inside(folder, chart.folder) for chart in charts):
            continue
        real = Path(candidate.real)
        charts.append(Chart(folder, real.parent, chart_name(real), _is_library(real)))
    return charts


def _is_library(chart_yaml: Path) -> bool:
    try:
        text = chart_yaml.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^type:\s*['\"]?library\b", text, re.MULTILINE) is not None


def _inside(path: str, folder: str) -> bool:
    return folder == "." or path == folder or path.startswith(folder.rstrip("/") + "/")


HELM_ENV = "NETPOL_LSP_HELM"  # the helm executable, set by the person running netpol-lsp (CI, a shell)


def helm_executable(config: Config) -> tuple[Optional[str], str]:
    """(the helm to run, "") or (None, why none runs). A repository's .netpol-lsp.yaml may name
    helm, but not a program of its own: a path inside the configuration's folder, or a program
    not named helm, is refused (checking a repository must not run code it brings along)."""
    if not config.helm.enabled:
        return None, "helm rendering is turned off (helm.path: false)"
    chosen = os.environ.get(HELM_ENV)
    if chosen:
        found = shutil.which(chosen)
        return (found, "") if found else (None, f"{HELM_ENV}={chosen} cannot be run")
    if config.helm.path:
        found = shutil.which(config.helm.path)
        if found is None:
            return None, f"helm.path {config.helm.path} cannot be run"
        real = os.path.realpath(found)
        home = os.path.realpath(os.path.dirname(os.path.abspath(config.path))) if config.path else None
        if "helm" not in os.path.basename(real).lower() or (home and real.startswith(home.rstrip(os.sep) + os.sep)):
            return None, (f"helm.path {config.helm.path} is not run: the configuration may name a helm installed "
                          f"outside the repository, not a program of its own (set {HELM_ENV} to choose any)")
        return found, ""
    found = shutil.which("helm")
    return (found, "") if found else (None, "helm is not on PATH")


# -- rendering ---------------------------------------------------------------------------------------

def chart_settings(chart: Chart, config: Config):
    from ..config import ChartSettings

    base = os.path.dirname(os.path.abspath(config.path)) if config.path else os.getcwd()
    relative = os.path.relpath(os.path.abspath(chart.real), base).replace(os.sep, "/")
    for folder, settings in config.helm.charts.items():
        if folder.rstrip("/") in (relative, chart.folder.rstrip("/")):
            return settings
    return ChartSettings()


def helm_command(helm: str, chart: Chart, config: Config) -> list[str]:
    settings = chart_settings(chart, config)
    command = [helm, "template"]
    if settings.release_name:
        command.append(settings.release_name)
    command.append(str(chart.real))
    if settings.namespace:
        command += ["--namespace", settings.namespace]
    for values in settings.values:  # the chart's own values.yaml is always read first by helm
        command += ["--values", str(chart.real / values)]
    return command


def run_helm(helm: str, chart: Chart, config: Config) -> tuple[Optional[str], Optional[str]]:
    """(rendered text, None) or (None, why it failed)."""
    try:
        done = subprocess.run(helm_command(helm, chart, config), capture_output=True, timeout=TIMEOUT_SECONDS,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"helm template did not finish within {TIMEOUT_SECONDS} s"
    except OSError as err:
        return None, f"cannot run {helm}: {err.strerror or err}"
    if done.returncode != 0:
        lines = [l for l in done.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
        return None, f"helm template failed: {lines[-1] if lines else f'exit code {done.returncode}'}"
    return done.stdout.decode("utf-8", "replace"), None


# -- splitting helm's output by template ---------------------------------------------------------------

def split_by_source(text: str) -> list[tuple[Optional[str], str]]:
    """(the `# Source:` path or None, the document's text) for each document, in order."""
    out: list[tuple[Optional[str], str]] = []
    current: list[str] = []
    source: Optional[str] = None

    def flush():
        if any(line.strip() and not line.lstrip().startswith("#") for line in current):
            out.append((source, "\n".join(current).rstrip("\n") + "\n"))

    for line in text.split("\n"):
        if line.rstrip() == "---" or line.startswith("--- "):
            flush()
            current, source = [], None
            continue
        match = SOURCE_LINE.match(line)
        if match and source is None and not any(l.strip() for l in current):
            source = match.group(1)
            continue
        current.append(line)
    flush()
    return out


def grouped(documents: list[tuple[Optional[str], str]]) -> dict[Optional[str], list[str]]:
    groups: dict[Optional[str], list[str]] = {}
    for source, text in documents:
        groups.setdefault(source, []).append(text)
    return groups


# -- mapping rendered lines to template lines -------------------------------------------------------

def _key(line: str) -> Optional[str]:
    match = _KEY.match(line.strip())
    return match.group(1).strip("'\"") if match else None


def line_map(rendered: list[str], template: list[str]) -> list[Optional[int]]:
    """For each rendered line, the template line that holds it, or None."""
    stripped = [t.strip() for t in template]
    keys = [_key(t) for t in template]
    out: list[Optional[int]] = []
    cursor = 0
    for line in rendered:
        text = line.strip()
        if not text or text.startswith("#"):
            out.append(None)
            continue
        key = _key(line)
        found = _search(text, key, stripped, keys, cursor, len(template))
        if found is None:
            found = _search(text, key, stripped, keys, 0, cursor)
        else:
            cursor = found
        out.append(found)
    return out


def _search(text, key, stripped, keys, start, end) -> Optional[int]:
    for index in range(start, end):
        if stripped[index] == text:
            return index
    if key is not None:
        for index in range(start, end):
            if keys[index] == key:
                return index
    return None


class _Mapper:
    def __init__(self, rendered: list[str], template: list[str]):
        self.rendered = rendered
        self.template = template or [""]
        self.lines = line_map(rendered, self.template)

    def line(self, rendered_line: int) -> Optional[int]:
        return self.lines[rendered_line] if 0 <= rendered_line < len(self.lines) else None

    def span(self, span: Span) -> Span:
        start = self.line(span.start_line)
        if start is None:
            return Span(0, 0, 0, len(self.template[0]))
        target = self.template[start]
        token = self.rendered[span.start_line][span.start_col:].split(":")[0].strip().strip("-").strip()
        col = target.find(token) if token else -1
        if col < 0:
            col = len(target) - len(target.lstrip())
        end = self.line(span.end_line)
        if end is None or end < start or (end == start and span.end_line != span.start_line):
            return Span(start, col, start, max(col, len(target)))
        end_text = self.template[end]
        end_col = len(end_text) if end != start else max(col, min(len(end_text), col + span.end_col - span.start_col))
        return Span(start, col, end, end_col)


def _remap(node: Node, mapper: _Mapper, seen: set) -> None:
    if id(node) in seen:  # an alias: the same node under two keys
        return
    seen.add(id(node))
    node.span = mapper.span(node.span)
    if isinstance(node, Mapping):
        for key, value in node.items:
            _remap(key, mapper, seen)
            _remap(value, mapper, seen)
    elif isinstance(node, Sequence):
        for item in node.items:
            _remap(item, mapper, seen)


def mapped_source(path: str, rendered_docs: list[str], template_text: Optional[str], config: Config) -> SourceFile:
    """The rendered documents of one template as a file at the template's path: positions in
    the template when its text is known, else in the rendered text (which is then the file's)."""
    rendered = "---\n".join(rendered_docs)
    source = load_source(path, rendered, config, lean=False)
    if template_text is None:
        return source
    mapper = _Mapper(rendered.split("\n"), template_text.split("\n"))
    seen: set = set()
    for doc in source.documents:
        if doc.root is not None:
            _remap(doc.root, mapper, seen)
        doc.start_line = mapper.line(doc.start_line) or 0
        doc.end_line = len(mapper.template)
    for problem in source.parse_problems:
        problem.span = mapper.span(problem.span)
    for problem in source.model_problems:
        problem.span = mapper.span(problem.span)
    source.text = template_text
    source.rendered = True
    return source


def read_text(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# -- the two ways in: a chart folder, and helm's output on standard input ---------------------------

def render_chart(chart: Chart, helm: str, config: Config) -> tuple[list[SourceFile], Optional[str]]:
    """The chart's templates as rendered files, or the reason it could not be rendered."""
    text, error = run_helm(helm, chart, config)
    if text is None:
        return [], error
    settings = chart_settings(chart, config)
    local = replace(config, default_namespace=settings.namespace) if settings.namespace else config
    sources = []
    for source_path, docs in grouped(split_by_source(text)).items():
        rest = source_path.split("/", 1)[1] if source_path and "/" in source_path else (source_path or "rendered.yaml")
        display = rest if chart.folder == "." else f"{chart.folder}/{rest}"
        sources.append(mapped_source(display, docs, read_text(chart.real / rest), local))
    return sources, None


def sources_from_stream(text: str, config: Config, display: str = "<stdin>") -> list[SourceFile]:
    """Rendered YAML from standard input (`helm template . | netpol-lsp check -`): each `# Source:`
    group at the template it names when that file is found from here (the chart folder or its
    parent), else under the `# Source:` path with the rendered text; the rest as one file."""
    sources = []
    for source_path, docs in grouped(split_by_source(text)).items():
        if source_path is None:
            sources.append(load_source(display, "---\n".join(docs), config))
            continue
        found = _template_on_disk(source_path)
        template = read_text(found) if found is not None else None
        path = os.path.relpath(found) if found is not None else source_path
        sources.append(mapped_source(path, docs, template, config))
    return sources


def _template_on_disk(source_path: str) -> Optional[Path]:
    here = Path.cwd()
    direct = here / source_path
    if direct.is_file():
        return direct
    name, _, rest = source_path.partition("/")
    if rest and (here / CHART_FILE).is_file() and chart_name(here / CHART_FILE) == name and (here / rest).is_file():
        return here / rest
    return None


def not_rendered_message(chart: Chart, reason: str) -> str:
    return (f"Helm chart {chart.name} ({chart.folder}) is not analysed: {reason}. Its templates take no part in "
            f"the analysis. Install helm (or set {HELM_ENV} or helm.path in .netpol-lsp.yaml), or check its output: "
            f"helm template {chart.folder} | netpol-lsp check -")


@dataclass
class ChartRender:
    """What rendering one chart gave: its templates as rendered files, or why it could not."""

    chart: Chart
    sources: list
    note: Optional[RenderNote] = None


def render_charts(charts: list[Chart], config: Config) -> list[ChartRender]:
    helm, reason = helm_executable(config) if charts else (None, "")
    renders = []
    for chart in charts:
        if chart.library:  # `helm template` refuses it; the charts that use it render its helpers
            renders.append(ChartRender(chart, []))
            continue
        if helm is None:
            renders.append(ChartRender(chart, [], RenderNote(_chart_yaml(chart), not_rendered_message(chart, reason))))
            continue
        sources, error = render_chart(chart, helm, config)
        note = RenderNote(_chart_yaml(chart), not_rendered_message(chart, error)) if error is not None else None
        renders.append(ChartRender(chart, sources, note))
    return renders


def replacements(render: ChartRender, paths: Iterable[str], text_of) -> dict[str, SourceFile]:
    """The files of a rendered chart: every template file among `paths` (rendered or not, the
    chart stands for them: one note, not one a file), then what helm rendered."""
    out = {path: SourceFile(path, text_of(path)) for path in paths if _is_template_of(path, render.chart.folder)}
    for source in render.sources:
        out[source.path] = source
    return out


def add_rendered(result, charts: list[Chart], stdin: Optional[bytes], config: Config) -> None:
    """Puts into a loaded workspace (loader.LoadResult) each chart's rendered templates in place
    of the template files, an NP096 note for each chart that could not be rendered, and the
    documents read from standard input."""
    workspace = result.workspace
    for render in render_charts(charts, config):
        if render.note is not None:
            workspace.render_notes.append(render.note)
        for path, source in replacements(render, list(workspace.files), lambda p: workspace.files[p].text).items():
            if render.note is not None:
                source.skipped = True  # not rendered: left out (NP096 says so once for the chart)
            if path not in workspace.files:
                result.files_seen += 1
            workspace.put(source)
            result.documents += len(source.documents)
    if stdin is not None:
        text = stdin.decode("utf-8", "replace")
        for source in sources_from_stream(text, config):
            workspace.put(source)
            result.files_seen += 1
            result.documents += len(source.documents)


def chart_yaml_path(chart: Chart) -> str:
    return _chart_yaml(chart)


def _chart_yaml(chart: Chart) -> str:
    return CHART_FILE if chart.folder == "." else f"{chart.folder}/{CHART_FILE}"


def in_chart(path: str, chart: Chart) -> bool:
    return _inside(path, chart.folder)


def _is_template_of(path: str, folder: str) -> bool:
    relative = path if folder == "." else path[len(folder) + 1:] if path.startswith(folder + "/") else None
    return relative is not None and (relative.startswith("templates/") or "/templates/" in relative)
