#!/usr/bin/env bash
# Debian's chromium for the browser tests (test/browser/), which playwright-core drives: it downloads
# no browser of its own. `bash scripts/chromium.sh install` installs the package (with fonts-liberation,
# so that screenshots have text) when no chromium is on PATH; `bash scripts/chromium.sh path` prints it.
set -euo pipefail

die() {
  echo "[chromium] $*" >&2
  exit 1
}

find_chromium() {
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

install_chromium() {
  find_chromium >/dev/null && return 0
  command -v apt-get >/dev/null 2>&1 || die "chromium is not installed and there is no apt-get to install it"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "chromium is not installed; not root and no passwordless sudo (install it: apt-get install chromium fonts-liberation)"
    fi
  fi
  echo "[chromium] installing chromium with apt-get" >&2
  {
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation
  } >&2 || die "apt-get install chromium failed"
  find_chromium >/dev/null || die "chromium still not on PATH after apt-get install"
}

case "${1:-}" in
  install) install_chromium ;;
  path) find_chromium || die "no chromium on PATH" ;;
  *) die "usage: $0 install|path" ;;
esac
