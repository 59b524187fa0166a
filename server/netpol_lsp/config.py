"""`.netpol-lsp.yaml`: the workspace's settings, with defaults for everything."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .span import Span

CONFIG_NAME = ".netpol-lsp.yaml"

DEFAULT_DATABASE_PORTS = (3306, 5432, 6379, 27017, 9042, 1433, 1521, 9200, 11211, 2379, 26257, 5984)


@dataclass
class Limits:
    max_file_bytes: int = 64 * 1024 * 1024  # rendered bundles of 5-10 MiB are common
    max_depth: int = 100
    max_aliases: int = 1000


@dataclass(frozen=True)
class ChartSettings:
    release_name: Optional[str] = None
    namespace: Optional[str] = None
    values: tuple[str, ...] = ()  # relative to the chart's folder


@dataclass
class HelmSettings:
    path: Optional[str] = None  # the executable; None: helm on PATH
    enabled: bool = True  # `path: false` turns rendering off
    charts: dict[str, ChartSettings] = field(default_factory=dict)  # folder relative to the config -> settings


@dataclass
class ConfigProblem:
    span: Span
    message: str
    path: tuple = ()  # the JSON path of the offending value, when known
    outcome: str = "the default is used"  # what was done about it

    @property
    def top_key(self) -> str:
        return str(self.path[0]) if self.path else ""


def describe_problem(problem) -> str:
    """The text of a configuration finding, the same in `check` and in the editor."""
    outcome = getattr(problem, "outcome", "the default is used")
    return f"Configuration: {problem.message} ({outcome})"


@dataclass
class Config:
    cni: Optional[str] = None
    default_namespace: str = "default"
    rules: dict[str, str] = field(default_factory=dict)  # id or name -> off | error | warning | info
    database_ports: tuple[int, ...] = DEFAULT_DATABASE_PORTS
    exclude: list[str] = field(default_factory=list)
    assume_namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    kustomize_roots: Optional[list[str]] = None  # folders of the render roots; None: every unused kustomization
    kustomize_clusters: list[list[str]] = field(default_factory=list)  # roots analysed together
    # "per-root" (default): every root is what one `kubectl apply -k` creates (what it would miss
    # of other roots named once, NP075); "shared": roots that share no file are one system (one
    # view; overlays of one base are alternatives, a view each). Per-root became the default once
    # an edit cost it no more than shared views (benchmarks/README.md, "Per-root views, session 6")
    kustomize_views: str = "per-root"
    operators: tuple = ()  # render.operators.DeclaredKind: custom resources that make pods
    helm: "HelmSettings" = field(default_factory=lambda: HelmSettings())
    path: Optional[str] = None  # where it was read from
    problems: list[ConfigProblem] = field(default_factory=list)


def find_config(start: Path) -> Optional[Path]:
    """The nearest .netpol-lsp.yaml in start or a parent."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def group_by_config(paths: list[str]) -> dict[Optional[Path], list[str]]:
    """The paths grouped by the configuration that governs them (the nearest .netpol-lsp.yaml in
    or above each; for a path that does not exist, in or above its parent): one workspace per
    group, in the order the paths were given. check and the language server both start here."""
    groups: dict[Optional[Path], list[str]] = {}
    for given in paths:
        groups.setdefault(find_config(Path(given).resolve()), []).append(given)
    return groups


def load_config(path: Optional[Path]) -> Config:
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        config = Config(path=str(path))
        config.problems.append(ConfigProblem(Span(0, 0, 0, 0), f"cannot read the configuration: {err}"))
        return config
    return parse_config(text, str(path))


def parse_config(text: str, path: Optional[str] = None) -> Config:
    """A bad value is a problem at its position, and only that value falls back to its default:
    one bad rule severity, exclude glob or namespace is dropped, the rest of its key is kept."""
    from .config_schema import validate_config
    from .manifests import parse_text
    from .manifests.nodes import Mapping, Scalar, to_python

    config = Config(path=path)
    parsed = parse_text(text)
    for problem in parsed.problems:
        config.problems.append(ConfigProblem(problem.span, problem.message))
    root = parsed.documents[0].root if parsed.documents else None
    if root is None or (isinstance(root, Scalar) and root.type == "null"):
        return config  # empty, or only comments: the defaults
    if not isinstance(root, Mapping):
        config.problems.append(ConfigProblem(root.span, "the configuration must be a mapping"))
        return config
    dropped: list[tuple] = []
    switches: dict[str, str] = {}
    for problem in validate_config(root):
        if problem.validator == "propertyNames" and tuple(problem.path) == ("rules",):
            continue  # each unknown rule key is reported on the key itself, below
        switch = _bare_switch(problem)
        if switch is not None:  # unambiguous under `rules`: not worth a finding
            switches[str(problem.path[1])] = switch
            continue
        config.problems.append(problem)
        dropped.append(_drop_path(tuple(problem.path)))
    config.problems.extend(_unknown_rules(root.get("rules")))
    try:
        values = to_python(root)
    except ValueError:
        return config
    for bad in dropped:
        _drop(values, bad)
    if values.get("cni"):
        config.cni = str(values["cni"]).lower()
    if values.get("defaultNamespace"):
        config.default_namespace = str(values["defaultNamespace"])
    rules = values.get("rules") if isinstance(values.get("rules"), dict) else {}
    config.rules = {str(k): str(v).lower() for k, v in rules.items() if isinstance(v, str)}
    config.rules.update(switches)
    ports = values.get("databasePorts")
    if isinstance(ports, list):
        config.database_ports = tuple(sorted(set(DEFAULT_DATABASE_PORTS) | set(ports)))
    elif isinstance(ports, dict):
        if "replace" in ports:
            config.database_ports = tuple(sorted(set(ports["replace"])))
        if "add" in ports:
            config.database_ports = tuple(sorted(set(config.database_ports) | set(ports["add"])))
    config.exclude = [str(g) for g in values.get("exclude") or [] if g is not _DROPPED]
    config.assume_namespaces = {str(ns): {str(k): str(v) for k, v in (labels or {}).items()}
                                for ns, labels in (values.get("assumeNamespaces") or {}).items()}
    kustomize = values.get("kustomize") or {}
    if isinstance(kustomize.get("roots"), list):
        config.kustomize_roots = [str(r) for r in kustomize["roots"] if r is not _DROPPED]
    if kustomize.get("views") in ("shared", "per-root"):
        config.kustomize_views = kustomize["views"]
    config.kustomize_clusters = [[str(r) for r in group] for group in kustomize.get("clusters") or []
                                 if isinstance(group, list)]
    config.operators = _operators(values.get("operators"))
    config.helm = _helm(values.get("helm"))
    limits = values.get("limits") or {}
    config.limits = Limits(
        max_file_bytes=int(limits.get("maxFileBytes", Limits.max_file_bytes)),
        max_depth=int(limits.get("maxDepth", Limits.max_depth)),
        max_aliases=int(limits.get("maxAliases", Limits.max_aliases)),
    )
    return config


def _operators(items) -> tuple:
    from .render.operators import DeclaredKind

    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("kind") or not item.get("group"):
            continue
        ports = tuple((int(p["port"]), p.get("name"), p.get("protocol", "TCP"))
                      for p in item.get("ports") or [] if isinstance(p, dict) and isinstance(p.get("port"), int))
        out.append(DeclaredKind(str(item["kind"]), str(item["group"]),
                                tuple((str(k), str(v)) for k, v in (item.get("labels") or {}).items()),
                                tuple(str(p) for p in item.get("podLabels") or []),
                                tuple(str(p) for p in item.get("containers") or []), ports))
    return tuple(out)


def _helm(values) -> HelmSettings:
    settings = HelmSettings()
    if not isinstance(values, dict):
        return settings
    path = values.get("path")
    if path is False:
        settings.enabled = False
    elif isinstance(path, str) and path:
        settings.path = path
    for folder, chart in (values.get("charts") or {}).items():
        if isinstance(chart, dict):
            settings.charts[str(folder).rstrip("/") or "."] = ChartSettings(
                chart.get("releaseName"), chart.get("namespace"), tuple(str(v) for v in chart.get("values") or []))
    return settings


_DROPPED = object()
_PER_ENTRY = ("rules", "assumeNamespaces", "exclude", "limits", "operators")  # a bad entry drops only itself


def _drop_path(path: tuple) -> tuple:
    if len(path) >= 2 and path[0] in _PER_ENTRY:
        return path[:2]
    return path[:1]


def _drop(values: dict, path: tuple) -> None:
    if not path:
        return
    parent = values
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(parent, dict):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent[last] = _DROPPED


def _bare_switch(problem) -> Optional[str]:
    """`NP020: off` unquoted is the YAML (1.1) boolean false: people mean "off", and they write it
    that way in every linter's configuration. Read it as "off" (and `on`/`true` as "on")."""
    from .manifests.nodes import Scalar

    path = tuple(problem.path)
    node = getattr(problem, "node", None)
    if len(path) != 2 or path[0] != "rules" or not isinstance(node, Scalar) or node.type != "bool":
        return None
    return "on" if node.python() else "off"


def _unknown_rules(node) -> list[ConfigProblem]:
    """A rules key that is neither a rule id nor a rule name: a problem on the key, and ignored."""
    import difflib

    from .manifests.nodes import Mapping, Scalar
    from .rules.registry import RULES, resolve_rule

    if not isinstance(node, Mapping):
        return []
    known = [r.ID for r in RULES] + [r.NAME for r in RULES]
    problems = []
    for key, _ in node.items:
        if not isinstance(key, Scalar) or resolve_rule(str(key.value)) is not None:
            continue
        guess = difflib.get_close_matches(str(key.value), known, n=1, cutoff=0.6)
        hint = f" (did you mean {guess[0]}?)" if guess else ""
        problems.append(ConfigProblem(key.span, f"rules: unknown rule '{key.value}'{hint}; `netpol-lsp rules` "
                                      "lists them", ("rules", str(key.value)), "ignored"))
    return problems
