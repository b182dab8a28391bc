#!/usr/bin/env bash
# Runs a command under another Node major (default 24, the current LTS) without touching the
# machine's Node: the npm registry ships Node binaries as the `node` package, installed once into
# ~/.cache/switchyard/node-<major>. Its bin directory goes first on PATH, so `node`, `npx` and every
# child process the command spawns (the test helpers spawn process.execPath) use it.
#
#   scripts/node-lts.sh [--major 24] -- npx jest      # the test suite on Node 24
#   scripts/node-lts.sh --path                        # print that Node's bin directory
set -euo pipefail

MAJOR=24
if [ "${1:-}" = "--major" ]; then MAJOR="$2"; shift 2; fi
CACHE="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}/node-$MAJOR"

log() { echo "node-lts.sh: $*" >&2; }

if ! "$CACHE/node_modules/.bin/node" --version >/dev/null 2>&1; then
  log "installing node@$MAJOR from the npm registry into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund "node@$MAJOR" >&2
fi
BIN="$CACHE/node_modules/.bin"
if [ "${1:-}" = "--path" ]; then echo "$BIN"; exit 0; fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { log "usage: scripts/node-lts.sh [--major N] -- <command...>"; exit 2; }
log "running on Node $("$BIN/node" --version): $*"
PATH="$BIN:$PATH" exec "$@"
