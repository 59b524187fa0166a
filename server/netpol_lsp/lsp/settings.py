"""The server's settings: initializationOptions and the `netpol-lsp` configuration section.

Two kinds of keys live in the section. Analysis keys (cni, defaultNamespace, rules, exclude,
databasePorts, assumeNamespaces) mean what they mean in `.netpol-lsp.yaml` and are merged over
that file: a key the editor sets wins, `rules` are merged rule by rule, `exclude` globs add up,
`databasePorts` adds to (or, with `{replace: [...]}`, replaces) the file's ports. Server keys
(debounceMs, diagnosticMode, diffBase) only tune the server; diagnosticMode is read from
initializationOptions only (push or pull is settled at initialize).

initializationOptions may carry the keys flat or under "netpol-lsp"; workspace/configuration
and didChangeConfiguration carry the section.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

from ..config import Config, find_config, load_config, parse_config
from ..findings import Finding, Severity

SECTION = "netpol-lsp"
ANALYSIS_KEYS = ("cni", "defaultNamespace", "rules", "exclude", "databasePorts", "assumeNamespaces")
DEFAULT_DEBOUNCE_MS = 120
DIAGNOSTIC_MODES = ("auto", "push", "pull")


@dataclass(frozen=True)
class ServerSettings:
    debounce_ms: int = DEFAULT_DEBOUNCE_MS  # 0: analyse on every change at once
    # auto: pull when the client pulls and can be asked to refresh, else push; push | pull: forced
    diagnostic_mode: str = "auto"
    diff_base: str = "HEAD"  # the git revision code lenses compare connectivity with; "" for none


def section_of(value: Any) -> dict:
    """The `netpol-lsp` settings out of whatever a client sent: the section itself, a dict that
    holds it under "netpol-lsp" (or {"netpol-lsp": {...}} nested one more level), or nothing."""
    if not isinstance(value, dict):
        return {}
    inner = value.get(SECTION)
    if isinstance(inner, dict):
        return inner
    return value


def server_settings(section: dict, previous: ServerSettings = ServerSettings()) -> tuple[ServerSettings, list[str]]:
    """The server keys of a section, and a warning for each value that makes no sense."""
    warnings = []
    settings = previous
    if "debounceMs" in section:
        value = section["debounceMs"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 10_000:
            settings = replace(settings, debounce_ms=int(value))
        else:
            warnings.append(f"debounceMs must be a number of milliseconds (0-10000), not {value!r}")
    if "diagnosticMode" in section:
        value = section["diagnosticMode"]
        if value in DIAGNOSTIC_MODES:
            settings = replace(settings, diagnostic_mode=value)
        else:
            warnings.append(f"diagnosticMode must be one of {', '.join(DIAGNOSTIC_MODES)}, not {value!r}")
    if "diffBase" in section:
        value = section["diffBase"]
        if value is None or value is False:
            settings = replace(settings, diff_base="")
        elif isinstance(value, str) and not value.startswith("-") and "\n" not in value:
            settings = replace(settings, diff_base=value.strip())
        else:
            warnings.append(f"diffBase must be a git revision (HEAD, main, ...) or \"\" for none, not {value!r}")
    return settings, warnings


def config_path(roots: list[str]) -> Optional[str]:
    """`.netpol-lsp.yaml` of the first workspace folder that has one (in it or in a parent
    folder), found the way `netpol-lsp check` finds it."""
    for root in roots:
        found = find_config(Path(root))
        if found is not None:
            return os.path.normpath(str(found))
    return None


def base_config(path: Optional[str], buffer_text: Optional[str]) -> Config:
    """The configuration file's settings: from its open buffer when it is open, else the disk."""
    if path is None:
        return Config()
    if buffer_text is not None:
        return parse_config(buffer_text, path)
    return load_config(Path(path))


def merge(base: Config, section: dict) -> tuple[Config, list[str]]:
    """The file's configuration with the editor's analysis keys over it; warnings for bad values.
    The editor's keys are read by the same parser as the file (a bad entry is dropped alone)."""
    wanted = {key: section[key] for key in ANALYSIS_KEYS if key in section and section[key] is not None}
    if not wanted:
        return base, []
    try:
        text = json.dumps(wanted)
    except (TypeError, ValueError) as err:
        return base, [f"settings are not plain JSON values: {err}"]
    editor = parse_config(text, None)
    warnings = [f"setting {p.message} (ignored)" for p in editor.problems]
    bad = {getattr(p, "top_key", "") for p in editor.problems}
    merged = replace(base)
    if "cni" in wanted and "cni" not in bad and editor.cni:
        merged.cni = editor.cni
    if "defaultNamespace" in wanted and "defaultNamespace" not in bad:
        merged.default_namespace = editor.default_namespace
    if "rules" in wanted:
        merged.rules = {**base.rules, **editor.rules}
    if "exclude" in wanted:
        merged.exclude = list(base.exclude) + [g for g in editor.exclude if g not in base.exclude]
    if "assumeNamespaces" in wanted:
        merged.assume_namespaces = {**base.assume_namespaces, **editor.assume_namespaces}
    if "databasePorts" in wanted and "databasePorts" not in bad:
        ports = wanted["databasePorts"]
        if isinstance(ports, list):
            merged.database_ports = tuple(sorted(set(base.database_ports) | set(ports)))
        elif isinstance(ports, dict):
            current = set(ports["replace"]) if "replace" in ports else set(base.database_ports)
            merged.database_ports = tuple(sorted(current | set(ports.get("add", ()))))
    return merged, warnings


def config_findings(config: Config) -> list[Finding]:
    """A bad `.netpol-lsp.yaml` is a finding on that file (the defaults are used), as in check."""
    if not config.path:
        return []
    return [Finding("NP060", "schema", Severity.ERROR, f"Configuration: {p.message} (the default is used)",
                    config.path, p.span) for p in config.problems]
