#!/usr/bin/env bash
# Prints the path of a PgBouncer new enough for prepared statements in transaction mode
# (>= 1.21). Debian 12 ships 1.18, so when no such pgbouncer is installed this builds Debian's
# own source package of a later release (trixie's 1.24.1, with Debian's patches) into
# <install dir>, once: `apt-get source` through a private apt state, then configure/make. Needs
# root or sudo only to apt-get the build dependencies when they are missing.
# Usage: deploy/local/pgbouncer-build.sh <install dir>   (e.g. target/pgbouncer)
set -euo pipefail
out="${1:?usage: pgbouncer-build.sh <install dir>}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

new_enough() {
    local version
    version="$("$1" --version 2>/dev/null | awk 'NR==1 {print $2}')" || return 1
    local major="${version%%.*}" rest="${version#*.}"
    local minor="${rest%%.*}"
    [ -n "$major" ] && [ -n "$minor" ] || return 1
    [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 21 ]; }
}

for candidate in "$(command -v pgbouncer 2>/dev/null || true)" /usr/sbin/pgbouncer "$out/bin/pgbouncer"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && new_enough "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

# One build at a time (parallel tests may all ask).
exec 9>"$out/.build.lock"
flock 9
if [ -x "$out/bin/pgbouncer" ] && new_enough "$out/bin/pgbouncer"; then
    echo "$out/bin/pgbouncer"
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
missing=()
for package in libevent-dev libc-ares-dev libssl-dev pkg-config dpkg-dev make gcc; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} with apt-get (to build PgBouncer)" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work="$out/build"
rm -rf "$work"
mkdir -p "$work/apt/sources.list.d" "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
cat > "$work/apt/sources.list.d/trixie-src.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(
    -o "Dir::Etc::SourceList=/dev/null"
    -o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
    -o "Dir::State::Lists=$work/apt/lists"
    -o "Dir::Cache=$work/apt/cache"
    -o "APT::Sandbox::User=root"
)
echo "fetching Debian trixie's pgbouncer source package" >&2
apt-get "${apt_options[@]}" update -qq >&2
(cd "$work/src" && apt-get "${apt_options[@]}" source --download-only pgbouncer >&2)
dsc="$(ls "$work"/src/pgbouncer_*.dsc | head -n 1)"
dpkg-source -x "$dsc" "$work/src/pgbouncer" >&2
echo "building $(basename "$dsc" .dsc)" >&2
(
    cd "$work/src/pgbouncer"
    ./configure --prefix="$out" --with-cares --without-systemd --without-pam --without-ldap >"$work/configure.log" 2>&1
    make -j"$(nproc)" >"$work/make.log" 2>&1
    make install >"$work/install.log" 2>&1
) || { echo "building PgBouncer failed; see $work/*.log" >&2; exit 1; }
chmod -R a+rX "$out"
new_enough "$out/bin/pgbouncer" || { echo "the built PgBouncer is older than 1.21" >&2; exit 1; }
echo "$out/bin/pgbouncer"
