"""The rule pages: where each rule's Markdown page is, its URI, and what is written in it.

Every rule has a page `rules/<ID>-<name>.md` in the repository, shipped in the package as
`netpol_lsp/data/rules/` (a symlink to the repository's rules/ in a checkout). The page is the
one source of a rule's documentation: `netpol-lsp rules NP020` prints it, SARIF carries it as
the rule's help, and the LSP's codeDescription and SARIF's helpUri point at it.

Page layout (see rules/README.md): a `# <ID> <name>` title, the rule's one-line summary, a
line with its default severity, then the sections "What it does", "Why is this bad?",
"Example" (a failing workspace), "Use instead" (a passing one) and "Options".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional

WEB_URL = "https://github.com/netpol-lsp/netpol-lsp/blob/main/rules/{file}"
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")

_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_TITLE_ATTR = re.compile(r"""title\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")


def page_filename(rule) -> str:
    return f"{rule.ID}-{rule.NAME}.md"


def _rule(rule_id_or_module):
    from .registry import resolve_rule

    if isinstance(rule_id_or_module, str):
        return resolve_rule(rule_id_or_module)
    return rule_id_or_module


def pages_dir() -> Optional[Path]:
    """The folder of the installed pages; in a checkout whose data/rules link is missing, the
    repository's rules/ folder. None inside a zipped install (no file path to point at)."""
    try:
        packaged = resources.files("netpol_lsp") / "data" / "rules"
        if packaged.is_dir():
            return Path(str(packaged))
    except (OSError, TypeError, ValueError):
        pass
    checkout = Path(__file__).resolve().parents[3] / "rules"
    return checkout if checkout.is_dir() else None


def rule_page_path(rule_id: str) -> Optional[Path]:
    """The installed page of a rule (id or name), or None if the rule or its page is unknown."""
    rule = _rule(rule_id)
    folder = pages_dir()
    if rule is None or folder is None:
        return None
    path = folder / page_filename(rule)
    return path if path.is_file() else None


@lru_cache(maxsize=None)
def rule_url(rule_id: str) -> Optional[str]:
    """The page as a URI: file:// of the installed page, else the page on the web; None for an
    unknown rule. The LSP (codeDescription.href) and SARIF (helpUri) both point here."""
    rule = _rule(rule_id)
    if rule is None:
        return None
    path = rule_page_path(rule.ID)
    if path is not None:
        return path.resolve().as_uri()
    return WEB_URL.format(file=page_filename(rule))


@lru_cache(maxsize=None)
def rule_page_text(rule_id: str) -> Optional[str]:
    path = rule_page_path(rule_id)
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# --- what a page says ----------------------------------------------------------------------

@dataclass
class CodeBlock:
    info: str  # the fence's info string: `yaml title=".netpol-lsp.yaml"`
    code: str

    @property
    def language(self) -> str:
        return self.info.split(None, 1)[0].lower() if self.info.strip() else ""

    @property
    def title(self) -> Optional[str]:
        match = _TITLE_ATTR.search(self.info)
        if not match:
            return None
        return next(g for g in match.groups() if g is not None)


@dataclass
class RulePage:
    title: str  # "NP020 open-database-port"
    summary: str  # the first paragraph after the title
    default_line: str  # "Default severity: warning. Enabled by default."
    sections: dict[str, str] = field(default_factory=dict)  # heading -> Markdown body

    @property
    def rule_id(self) -> str:
        return self.title.split()[0] if self.title else ""

    def blocks(self, section: str) -> list[CodeBlock]:
        body = self.sections.get(section, "")
        return [CodeBlock(m.group("info").strip(), m.group("code")) for m in _FENCE.finditer(body)]

    def first_paragraph(self, section: str) -> str:
        body = self.sections.get(section, "").strip()
        paragraph = body.split("\n\n", 1)[0] if body else ""
        return " ".join(line.strip() for line in paragraph.splitlines())


def parse_page(text: str) -> RulePage:
    title, summary, default_line = "", "", ""
    sections: dict[str, list[str]] = {}
    current: Optional[list[str]] = None
    preamble: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if line.startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if not in_fence and line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
            continue
        (current if current is not None else preamble).append(line)
    paragraphs = [p.strip() for p in "\n".join(preamble).split("\n\n") if p.strip()]
    if paragraphs:
        summary = " ".join(paragraphs[0].split())
    if len(paragraphs) > 1:
        default_line = " ".join(paragraphs[1].split())
    return RulePage(title, summary, default_line, {k: "\n".join(v).strip("\n") for k, v in sections.items()})


def normalize_summary(text: str) -> str:
    """Summary text compared loosely: no Markdown code ticks, case, or final period."""
    text = text.replace("`", "").strip().rstrip(".").strip()
    return " ".join(text.split()).lower()


def rule_page(rule_id: str) -> Optional[RulePage]:
    text = rule_page_text(rule_id)
    return parse_page(text) if text is not None else None
