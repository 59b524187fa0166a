#!/usr/bin/env bash
# Installs what tests/editors/test_vscode_web.py needs to drive a real VS Code: code-server (VS Code
# in the browser, from the npm registry), playwright-core (npm) and Debian's Chromium.
# Idempotent: a second run only checks and exits within a second or two.
#
# Where: $NETPOL_LSP_VSCODE_WEB, default ~/.cache/netpol-lsp-vscode-web/<versions>: outside the
# clone, so a fresh clone on the same machine reuses it, and outside ~/.cache/netpol-lsp, whose
# old entries the analysis cache removes. The test looks in the same place.
#
# Everything comes from the npm registry and Debian; nothing is downloaded from anywhere else:
# - code-server 4.100.3 (VS Code 1.100.3) is the newest release that runs on Node 20; later ones
#   require Node 22 or 24.
# - Its native modules are compiled here (build-essential, python3; kerberos needs libkrb5-dev).
# - @vscode/ripgrep's install script would download rg from GitHub: it is given Debian's ripgrep
#   (13.0.0, the version it wants) through the download cache it looks in first.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_CORE_VERSION=1.65.2
RIPGREP_PACKAGE_VERSION=1.15.11   # the @vscode/ripgrep that code-server 4.100.3's VS Code pins
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

DEST="${NETPOL_LSP_VSCODE_WEB:-${XDG_CACHE_HOME:-$HOME/.cache}/netpol-lsp-vscode-web/$CODE_SERVER_VERSION-$PLAYWRIGHT_CORE_VERSION}"
STAMP="$DEST/.installed"

DEBIAN_PACKAGES="chromium ripgrep build-essential pkg-config python3 libkrb5-dev"
bash "$(cd "$(dirname "$0")" && pwd)/debian-packages.sh" $DEBIAN_PACKAGES

if [ -f "$STAMP" ] && [ -x "$DEST/node_modules/.bin/code-server" ] \
        && [ -f "$DEST/node_modules/playwright-core/package.json" ]; then
    exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
if [ "$node_major" != 20 ]; then
    echo "install-vscode-web.sh: code-server $CODE_SERVER_VERSION needs Node 20 (found: $node_major)" >&2
    exit 1
fi

echo "installing code-server $CODE_SERVER_VERSION and playwright-core $PLAYWRIGHT_CORE_VERSION into $DEST"
rm -rf "$DEST"
mkdir -p "$DEST"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# @vscode/ripgrep looks for its release archive in $TMPDIR/vscode-ripgrep-cache-<version>/ before
# it asks GitHub; put Debian's rg there.
mkdir -p "$work/rg" "$work/tmp/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION"
cp "$(command -v rg)" "$work/rg/rg"
tar -czf "$work/tmp/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION/$RIPGREP_ASSET" -C "$work/rg" rg

cd "$DEST"
echo '{"private": true}' > package.json
export TMPDIR="$work/tmp" npm_config_yes=true npm_config_fund=false npm_config_audit=false \
    npm_config_update_notifier=false
npm_quiet() {  # the log only when it fails
    "$@" >"$work/npm.log" 2>&1 || { tail -40 "$work/npm.log" >&2; echo "install-vscode-web.sh: $* failed in $PWD" >&2; exit 1; }
}
# code-server's own install script (postinstall.sh) runs `npm install` in lib/vscode and
# lib/vscode/extensions and makes three symlinks. It is done here step by step instead, because
# npm 11.19+ skips the install scripts of dependencies that no allowScripts field approves, and
# those scripts compile VS Code's native modules (and fetch rg); the flag that lets them run is
# accepted on the command line only. Older npm has no such policy and no such flag.
allow=""
if [ "$(npm config get dangerously-allow-all-scripts 2>/dev/null)" = false ]; then
    allow="--dangerously-allow-all-scripts"
fi
npm_quiet npm install --no-save --ignore-scripts \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
# the one other install script among code-server's dependencies: argon2 (its prebuilt binary
# is on GitHub, so node-pre-gyp falls back to compiling it)
npm_quiet npm rebuild argon2 $allow
cd "$DEST/node_modules/code-server/lib/vscode"
# node-pty's script runs `npx node-gyp` (npm_config_yes: without asking)
npm_quiet npm install --omit=dev $allow
ln -sfn node_modules node_modules.asar
ln -sfn code-linux.sh bin/remote-cli/code-server
ln -sfn browser-linux.sh bin/helpers/browser.sh
cd extensions
npm_quiet npm install --omit=dev $allow
cd "$DEST"

XDG_CONFIG_HOME="$work" "$DEST/node_modules/.bin/code-server" --version >/dev/null
test -e "$DEST/node_modules/argon2/lib/binding/napi-v3/argon2.node" \
    || { echo "install-vscode-web.sh: argon2 was not built" >&2; exit 1; }
for built in node_modules/@vscode/ripgrep/bin/rg node_modules/@vscode/spdlog/build/Release/spdlog.node \
        node_modules/node-pty/build/Release/pty.node; do
    test -e "$DEST/node_modules/code-server/lib/vscode/$built" \
        || { echo "install-vscode-web.sh: $built was not built" >&2; exit 1; }
done
echo "code-server $CODE_SERVER_VERSION playwright-core $PLAYWRIGHT_CORE_VERSION" > "$STAMP"
echo "installed into $DEST"
