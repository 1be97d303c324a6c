#!/usr/bin/env bash
# Installs the npm payment peer, once, under the given directory (the cargo target directory's
# `npm-peers/`): Alipay's official Node SDK, `alipay-sdk` 4.x, whose certificate helpers
# (getSN and friends) and signature checks run offline. Concurrent callers wait for the first.
set -euo pipefail
dir="${1:?usage: install-npm.sh <dir>}"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -f "$dir/node_modules/alipay-sdk/package.json" ] \
    && grep -q '"version": "4\.' "$dir/node_modules/alipay-sdk/package.json"; then
    exit 0
fi
command -v npm >/dev/null || { echo "npm is needed for the alipay-sdk peer" >&2; exit 1; }
[ -f "$dir/package.json" ] || echo '{"name":"luffy-npm-peers","private":true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "alipay-sdk@4"
