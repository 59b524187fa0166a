"""What the suite needs beyond Python, and what happens when it is missing.

The README's test command (scripts/test.sh) installs every tool and sets
NETPOL_LSP_REQUIRE_ALL=1, as CI does with CI=true: there a missing tool or corpus fails the test
that needs it. Elsewhere (plain `pytest` in a clone) the test is skipped with the tool's name
and how to get it, and tests/conftest.py fails a strict run that skipped anything at all.
"""
from __future__ import annotations

import os
import shutil

import pytest


def strict() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("NETPOL_LSP_REQUIRE_ALL") == "1"


def missing(what: str, how: str) -> None:
    """Skip (or, in a strict run, fail) naming what is missing and how to install it."""
    message = f"{what} is missing: {how}"
    if strict():
        pytest.fail(f"{message} (a strict run: CI or scripts/test.sh must provide it)")
    pytest.skip(message)


def tool(name: str, how: str) -> str:
    """The path of an executable on PATH, or skip/fail naming it."""
    path = shutil.which(name)
    if path is None:
        missing(f"`{name}`", how)
    return path
