#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs the whole suite.
# The editor tests drive real editors (Neovim, Emacs) and build the VS Code extension with npm;
# connectivity --format svg needs Graphviz.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES="neovim emacs-nox elpa-eglot elpa-yaml-mode elpa-lsp-mode graphviz"
missing=""
for pkg in $DEBIAN_PACKAGES; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    echo "installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
