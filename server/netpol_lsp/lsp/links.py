"""Where a rule's documentation page is, as a URI a client can open (codeDescription.href)."""
from __future__ import annotations

from ..rules.docs import WEB_URL, rule_url


def rule_page_uri(rule_id: str) -> str:
    """rules.docs.rule_url (the installed page, else the web page), and a URI even for an
    unknown id: clients reject a diagnostic whose href is not one."""
    return rule_url(rule_id) or WEB_URL.format(file="README.md")
