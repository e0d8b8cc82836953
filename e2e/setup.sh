#!/usr/bin/env bash
# Installs the e2e harness package (code-server 4.100.3, playwright-core) from e2e/package-lock.json.
# Needs the apt packages .ci/run installs: chromium libkrb5-dev pkg-config ripgrep (and g++/make/python3).
# Pitfalls handled here (see ../shared/reference/e2e-feasibility.md):
#  - code-server's postinstall refuses to run as root without unsafe-perm (e2e/.npmrc);
#  - @vscode/ripgrep 1.15.11 downloads rg from GitHub (no network here): its cache is pre-seeded with Debian's rg;
#  - node-pty's postinstall runs `npx node-gyp` and needs npm_config_yes=true without a TTY.
set -euo pipefail
cd "$(dirname "$0")"
if [ -x node_modules/.bin/code-server ] && [ -f node_modules/playwright-core/package.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "e2e: dependencies already installed"; exit 0
fi
command -v rg >/dev/null || { echo "e2e/setup.sh: needs ripgrep (apt-get install ripgrep)" >&2; exit 1; }
export TMPDIR="$PWD/.tmp"
cache="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
[ -f "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ] || tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
npm_config_yes=true npm ci --no-audit --no-fund
