"""Helix: editors/helix/languages.toml is valid TOML that adds netpol-lsp beside the YAML and
JSON servers. (Helix itself is not packaged for Debian 12, so there is no end-to-end test.)"""
from __future__ import annotations

from pathlib import Path


try:
    import tomllib
except ImportError:  # Python 3.10: the test extras install tomli
    import tomli as tomllib

SNIPPET = Path(__file__).resolve().parents[2] / "editors" / "helix" / "languages.toml"


def test_helix_snippet() -> None:
    config = tomllib.loads(SNIPPET.read_text(encoding="utf-8"))
    server = config["language-server"]["netpol-lsp"]
    assert server["command"] == "netpol-lsp"
    assert server["args"] == ["serve"]
    assert isinstance(server.get("config", {}).get("netpol-lsp", {}), dict)
    languages = {entry["name"]: entry["language-servers"] for entry in config["language"]}
    assert languages["yaml"] == ["yaml-language-server", "netpol-lsp"]
    assert languages["json"][-1] == "netpol-lsp" and len(languages["json"]) == 2
