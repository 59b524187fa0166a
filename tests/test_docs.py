"""The docs say what the commands print today, and their links lead somewhere."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP_PARTS = {"node_modules", ".git", ".venv", ".venv-test", "out"}
DOCS = sorted(p for p in ROOT.rglob("*.md") if not SKIP_PARTS & set(p.relative_to(ROOT).parts))
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}


def links(path: Path):
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    for match in LINK.finditer(text):
        target = match.group(1)
        if not re.match(r"^[a-z]+:", target):  # http:, https:, mailto: are not checked (no network)
            yield target


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc):
    broken = []
    for target in links(doc):
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)}: broken links {broken}"


def test_the_docs_were_found():
    names = {str(p.relative_to(ROOT)) for p in DOCS}
    assert {"README.md", "docs/ci.md", "docs/editors.md", "examples/README.md"} <= names


def run(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netpol_lsp", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


EXAMPLES = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")


def test_examples_readme_shows_what_connectivity_prints():
    marker = "`netpol-lsp connectivity examples/three-tier` prints"
    start = EXAMPLES.index("```\n", EXAMPLES.index(marker)) + 4
    shown = EXAMPLES[start:EXAMPLES.index("```", start)]
    done = run("connectivity", "examples/three-tier")
    assert done.returncode == 0 and done.stdout == shown


def test_examples_readme_table_is_where_check_reports():
    section = EXAMPLES[EXAMPLES.index("## `three-tier-broken/`"):]
    rows = re.findall(r"^\| (.+?) \| (NP\d{3}) ", section, re.M)
    done = run("check", "--format", "json", "examples/three-tier-broken")
    assert done.returncode == 1
    found = {(Path(f["path"]).name, f["rule"]) for f in json.loads(done.stdout)["findings"]}
    table = set()
    for where, rule in rows:
        if where.startswith("each of the"):
            table |= {(name, r) for name, r in found if r == rule}
            assert len({name for name, r in found if r == rule}) == {"five": 5}[where.split()[3]]
        else:
            table.add((where.strip("`"), rule))
    assert table == found
