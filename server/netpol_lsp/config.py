"""`.netpol-lsp.yaml`: the workspace's settings, with defaults for everything."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .span import Span

CONFIG_NAME = ".netpol-lsp.yaml"

DEFAULT_DATABASE_PORTS = (3306, 5432, 6379, 27017, 9042, 1433, 1521, 9200, 11211, 2379, 26257, 5984)


@dataclass
class Limits:
    max_file_bytes: int = 5 * 1024 * 1024
    max_depth: int = 100
    max_aliases: int = 1000


@dataclass
class ConfigProblem:
    span: Span
    message: str


@dataclass
class Config:
    cni: Optional[str] = None
    default_namespace: str = "default"
    rules: dict[str, str] = field(default_factory=dict)  # id or name -> off | error | warning | info
    database_ports: tuple[int, ...] = DEFAULT_DATABASE_PORTS
    exclude: list[str] = field(default_factory=list)
    assume_namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
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
    """A bad value is a problem at its position and the default is kept."""
    from .config_schema import validate_config
    from .manifests import parse_text
    from .manifests.nodes import Mapping, to_python

    config = Config(path=path)
    parsed = parse_text(text)
    for problem in parsed.problems:
        config.problems.append(ConfigProblem(problem.span, problem.message))
    root = parsed.documents[0].root if parsed.documents else None
    if root is None:
        return config
    if not isinstance(root, Mapping):
        config.problems.append(ConfigProblem(root.span, "the configuration must be a mapping"))
        return config
    bad_keys = set()
    for problem in validate_config(root):
        config.problems.append(problem)
        bad_keys.add(problem.top_key)
    values = {k: to_python(v) for k, v in ((key.value, value) for key, value in root.items) if k not in bad_keys}
    if values.get("cni"):
        config.cni = str(values["cni"]).lower()
    if values.get("defaultNamespace"):
        config.default_namespace = str(values["defaultNamespace"])
    config.rules = {str(k): str(v).lower() for k, v in (values.get("rules") or {}).items()}
    ports = values.get("databasePorts")
    if isinstance(ports, list):
        config.database_ports = tuple(sorted(set(DEFAULT_DATABASE_PORTS) | set(ports)))
    elif isinstance(ports, dict):
        if "replace" in ports:
            config.database_ports = tuple(sorted(set(ports["replace"])))
        if "add" in ports:
            config.database_ports = tuple(sorted(set(config.database_ports) | set(ports["add"])))
    config.exclude = [str(g) for g in values.get("exclude") or []]
    config.assume_namespaces = {str(ns): {str(k): str(v) for k, v in (labels or {}).items()}
                                for ns, labels in (values.get("assumeNamespaces") or {}).items()}
    limits = values.get("limits") or {}
    config.limits = Limits(
        max_file_bytes=int(limits.get("maxFileBytes", Limits.max_file_bytes)),
        max_depth=int(limits.get("maxDepth", Limits.max_depth)),
        max_aliases=int(limits.get("maxAliases", Limits.max_aliases)),
    )
    return config


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")
