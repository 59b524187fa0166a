"""`--format junit`: JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure).

One testsuite "netpol-lsp"; one testcase per checked file (classname: the file's folder); one
<failure> per finding at or above the --fail-on threshold, with the rule as its type and
`path:line:col: severity[rule] message` (plus related locations) as its text. Findings below
the threshold go to the testcase's <system-out>, so they are visible without failing it.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from typing import Iterable, Optional

from ..findings import Finding

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
THRESHOLDS = {"error": 3, "warning": 2, "info": 1, "never": 99}


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _line(found: Finding) -> str:
    text = f"{found.path}:{found.span.start_line + 1}:{found.span.start_col + 1}: {found.severity}[{found.rule}] " \
           f"{found.message}"
    for item in found.related:
        text += f"\n  {item.path}:{item.span.start_line + 1}:{item.span.start_col + 1}: {item.message}"
    return text


def render_junit(findings: list[Finding], summary: Optional[dict] = None, files: Optional[Iterable[str]] = None,
                 fail_on: str = "warning") -> str:
    threshold = THRESHOLDS.get(fail_on, 2)
    by_file: dict[str, list[Finding]] = {}
    for path in files or ():
        by_file.setdefault(path, [])
    for found in sorted(findings, key=Finding.sort_key):
        by_file.setdefault(found.path, []).append(found)
    failures = sum(1 for f in findings if int(f.severity) >= threshold)
    suites = ET.Element("testsuites", name="netpol-lsp", tests=str(len(by_file)), failures=str(failures),
                        errors="0", time="0")
    suite = ET.SubElement(suites, "testsuite", name="netpol-lsp", tests=str(len(by_file)),
                          failures=str(failures), errors="0", skipped="0", time="0")
    for path in sorted(by_file):
        folder = os.path.dirname(path).replace(os.sep, "/") or "."
        case = ET.SubElement(suite, "testcase", classname=_clean(folder), name=_clean(path), file=_clean(path),
                             time="0")
        below = []
        for found in by_file[path]:
            if int(found.severity) >= threshold:
                failure = ET.SubElement(case, "failure", type=found.rule,
                                        message=_clean(f"{found.severity}[{found.rule}] {found.message}"))
                failure.text = _clean(_line(found))
            else:
                below.append(_clean(_line(found)))
        if below:
            ET.SubElement(case, "system-out").text = "\n".join(below)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
