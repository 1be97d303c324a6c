#!/usr/bin/env bash
# Installs the independent payment peers the interoperability tests talk to, once, under the
# given directory (the cargo target directory's `peers/`): a Python virtualenv with the PyPI
# package wechatpayv3 2.x. Concurrent callers wait for the first. Needs python3 with venv
# (Debian: python3-venv, installed with apt-get when missing).
set -euo pipefail
dir="${1:?usage: install.sh <dir>}"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -x "$dir/venv/bin/python" ] && "$dir/venv/bin/python" -c "import wechatpayv3" 2>/dev/null; then
    exit 0
fi
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    SUDO=""
    if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
rm -rf "$dir/venv"
python3 -m venv "$dir/venv"
"$dir/venv/bin/pip" install -q --disable-pip-version-check "wechatpayv3>=2,<3"
