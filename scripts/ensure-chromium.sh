#!/usr/bin/env bash
# Makes sure the Chromium that the browser tests drive (test/cli/html/report-in-chromium.test.ts,
# through playwright-core) is installed: Debian's `chromium` package, never a tool's own browser
# download. Runs before `npm test` as the "pretest" script, so a fresh machine (CI runs as root
# with Debian's apt reachable) gets it without a manual step.
#
#   CHROMIUM_PATH=/path/to/chromium   use that browser instead of /usr/bin/chromium (no install)
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
# A font too: Chromium's package depends on none, and the report's CSS asks for Liberation Sans.
PACKAGES=(chromium fonts-liberation)

log() { echo "ensure-chromium: $*"; }
fail() {
  echo "ensure-chromium: $*" >&2
  exit 1
}
version() { "$1" --version 2>/dev/null || echo "version unknown"; }

if [ -x "$CHROMIUM" ]; then
  log "using $CHROMIUM ($(version "$CHROMIUM"))"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  fail "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"
fi

if ! command -v apt-get >/dev/null 2>&1; then
  fail "$CHROMIUM is missing and this machine has no apt-get to install Debian's chromium package.
  Install Chromium yourself and run the tests with CHROMIUM_PATH=/path/to/chromium npm test."
fi

if [ "$(id -u)" -eq 0 ]; then
  AS_ROOT=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  AS_ROOT=(sudo -n)
else
  fail "$CHROMIUM is missing, and installing Debian's chromium package needs root.
  Run: sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}
  (or point CHROMIUM_PATH at a Chromium you have)."
fi

apt() { ${AS_ROOT[@]+"${AS_ROOT[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
install() { apt install -y -q --no-install-recommends "${PACKAGES[@]}"; }

log "$CHROMIUM is missing: installing Debian packages ${PACKAGES[*]} (apt-get install)"
if ! install; then
  # A fresh machine may have no package lists yet, or stale ones: refresh them only then.
  log "apt-get install failed; refreshing the package lists (apt-get update) and trying again"
  apt update -q || fail "apt-get update failed: is a Debian mirror reachable from this machine?"
  install || fail "apt-get install ${PACKAGES[*]} failed (see apt's messages above)"
fi

[ -x "$CHROMIUM" ] || fail "installed ${PACKAGES[*]}, but $CHROMIUM is still missing"
log "installed $CHROMIUM ($(version "$CHROMIUM"))"
