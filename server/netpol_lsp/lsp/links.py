"""Where a rule's documentation page is, as a URI a client can open (codeDescription.href)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..rules.base import DOCS_URL
from ..rules.registry import RULES_BY_ID


@lru_cache(maxsize=None)
def rule_page_uri(rule_id: str) -> str:
    """file:// URI of the rule's page shipped in the package (data/rules/<ID>-<name>.md); in a
    source checkout without packaged pages, the page in the repository's rules/ folder; else
    the page on the web. Always a URI: clients reject a diagnostic whose href is not one."""
    try:  # the rule pages' own module, when present, is the one place that knows where pages live
        from ..rules.docs import rule_url
    except ImportError:
        rule_url = None
    if rule_url is not None:
        url = rule_url(rule_id)
        if url:
            return url
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:
        return DOCS_URL.format(id=rule_id, name="").replace("-.md", ".md")
    filename = f"{rule.ID}-{rule.NAME}.md"
    try:
        packaged = resources.files("netpol_lsp") / "data" / "rules" / filename
        if packaged.is_file():
            return Path(str(packaged)).resolve().as_uri()
    except (OSError, TypeError, ValueError):  # a zipped install: no file path to point at
        pass
    checkout = Path(__file__).resolve().parents[3] / "rules" / filename
    if checkout.is_file():
        return checkout.as_uri()
    return DOCS_URL.format(id=rule.ID, name=rule.NAME)
