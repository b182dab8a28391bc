#!/usr/bin/env bash
# Centrifugo, the peer the bench compares Switchyard with (bench/centrifugo.ts, bench/connections.ts).
# Built from source with the Go toolchain into a cache outside the repository, once.
#
#   scripts/centrifugo.sh [path]  # build if missing; last stdout line: the binary's path
#   scripts/centrifugo.sh find    # the path if already built, exit 1 otherwise (never builds)
#
# Environment:
#   CENTRIFUGO_VERSION   release to build (default 6.9.1)
#   SWITCHYARD_CACHE     cache root (default: $HOME/.cache/switchyard); the binary goes to
#                        <root>/centrifugo-v<version>/centrifugo
#
# Needs `go` and the Go module proxy (github.com/centrifugal/centrifugo/v6). Only the path goes to
# stdout; progress and errors go to stderr.
set -euo pipefail

CENTRIFUGO_VERSION="${CENTRIFUGO_VERSION:-6.9.1}"
CACHE_DIR="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}/centrifugo-v$CENTRIFUGO_VERSION"
BIN="$CACHE_DIR/centrifugo"
MODULE="github.com/centrifugal/centrifugo/v${CENTRIFUGO_VERSION%%.*}"

log() { echo "centrifugo.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

build() {
  [ -x "$BIN" ] && return 0
  command -v go >/dev/null 2>&1 || die "Centrifugo $CENTRIFUGO_VERSION is not in $CACHE_DIR and go is not installed (https://go.dev/dl/)"
  log "building Centrifugo $CENTRIFUGO_VERSION into $CACHE_DIR (once; a few minutes)"
  mkdir -p "$CACHE_DIR"
  # Into a directory of its own, renamed into place when complete: an interrupted build leaves no
  # half-written binary that `find` would take for a good one.
  local tmp="$CACHE_DIR/build.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # The release's version string, as the project's own release builds set it.
  if ! GOBIN="$tmp" CGO_ENABLED=0 go install -ldflags "-X $MODULE/internal/build.Version=$CENTRIFUGO_VERSION" "$MODULE@v$CENTRIFUGO_VERSION" >&2; then
    rm -rf "$tmp"
    die "go install $MODULE@v$CENTRIFUGO_VERSION failed"
  fi
  mv "$tmp/centrifugo" "$BIN"
  rm -rf "$tmp"
  log "built $BIN"
}

case "${1:-path}" in
  path) build; echo "$BIN" ;;
  find) [ -x "$BIN" ] || { log "not built: $BIN (run scripts/centrifugo.sh to build it)"; exit 1; }; echo "$BIN" ;;
  *) echo "usage: $0 [path|find]" >&2; exit 2 ;;
esac
