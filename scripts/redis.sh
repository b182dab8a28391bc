#!/usr/bin/env bash
# Throwaway Redis for tests and CI.
#
#   scripts/redis.sh start   # install redis-server if missing, start, wait for PING; last stdout line: REDIS_URL=redis://127.0.0.1:<port>
#   scripts/redis.sh stop    # shut down (TERM, then KILL), remove the state dir
#   scripts/redis.sh status  # exit 0 and print REDIS_URL=... when running, exit 1 otherwise
#   scripts/redis.sh halt [KILL] # stop the server (TERM, or KILL at once) but keep its port and data (outage tests)
#   scripts/redis.sh resume  # start a halted server again on the same port and data, wait for PING
#   scripts/redis.sh restart # halt TERM, then resume
#   scripts/redis.sh install # only make sure redis-server is installed
#
# Environment:
#   REDIS_STATE_DIR        pidfile/logfile/dir (default: ${TMPDIR:-/tmp}/switchyard-redis)
#   REDIS_PORT             port (default: a free loopback port)
#   REDIS_APPENDONLY       yes: persist with an append-only file (appendfsync everysec), as production
#                          should, so what Redis acknowledged survives a kill; default no (nothing persists)
#   REDIS_START_TIMEOUT    seconds to wait for PING (default 20)
#   REDIS_STOP_TIMEOUT     seconds between TERM and KILL (default 10)
#   SWITCHYARD_OWNER_PID   when set, a watchdog stops the server once that process is gone
#
# Only the REDIS_URL line goes to stdout; progress and errors go to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${REDIS_STATE_DIR:-${TMPDIR:-/tmp}/switchyard-redis}"
START_TIMEOUT="${REDIS_START_TIMEOUT:-20}"
STOP_TIMEOUT="${REDIS_STOP_TIMEOUT:-10}"

log() { echo "redis.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# our redis-server's pid if it is alive, else nothing
running_pid() {
  [ -f "$STATE/redis.pid" ] || return 1
  local pid
  pid="$(cat "$STATE/redis.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'redis-server'; then
    return 1 # pid reused by something else
  fi
  echo "$pid"
}

install_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "redis-server is not installed and there is no apt-get to install it"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "redis-server is not installed; not root and no passwordless sudo (install it: apt-get install redis-server)"
    fi
  fi
  log "installing redis-server with apt-get"
  # Keep the package's init script from starting a system-wide redis on :6379:
  # a policy-rc.d that denies service starts, only while we install and only if none exists.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  {
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold redis-server
  } >&2 || rc=$?
  [ "$made_policy" = 1 ] && "${sudo[@]}" rm -f "$policy"
  [ "$rc" = 0 ] || die "apt-get install redis-server failed (exit $rc)"
  command -v redis-server >/dev/null 2>&1 || die "redis-server still not on PATH after apt-get install"
}

free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    die "need node or python3 to pick a free port (or set REDIS_PORT)"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ready = our daemon wrote its pidfile (redis does that after binding), is alive, and answers on
# the port; with redis-cli we also check that the server answering is that very process.
ready() {
  local port="$1" pid="$2"
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p')" = "$pid" ]
  else
    # RESP inline PING over bash's /dev/tcp
    local reply
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    reply="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "PING\r\n" >&3 && head -c 5 <&3' _ "$port" 2>/dev/null)" || return 1
    [ "$reply" = "+PONG" ]
  fi
}

start_watchdog() {
  local owner="$1"
  kill -0 "$owner" 2>/dev/null || return 0
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  REDIS_STATE_DIR="$STATE" nohup bash -c '
    owner="$1"; script="$2"
    while kill -0 "$owner" 2>/dev/null; do sleep 2; done
    exec bash "$script" stop' _ "$owner" "$ROOT/scripts/redis.sh" \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$STATE/watchdog.pid"
}

start_once() {
  local port="$1"
  rm -rf "$STATE"
  mkdir -p "$STATE"
  # persistence: no RDB snapshots; an AOF only with REDIS_APPENDONLY=yes; everything lives in the state dir
  case "${REDIS_APPENDONLY:-no}" in
    yes) echo "--appendonly yes --appendfsync everysec" >"$STATE/persistence" ;;
    no) echo "--appendonly no" >"$STATE/persistence" ;;
    *) die "REDIS_APPENDONLY must be yes or no (got ${REDIS_APPENDONLY})" ;;
  esac
  launch "$port"
}

# start redis-server on the state dir as it is (data included) and wait for PING
launch() {
  local port="$1"
  # shellcheck disable=SC2046 # the persistence options are words
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes \
    --save '' $(cat "$STATE/persistence") --dir "$STATE" \
    --daemonize yes --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" \
    --databases 16 --maxmemory 256mb --maxmemory-policy noeviction >&2 || return 1
  local i pid=""
  for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    if [ -s "$STATE/redis.pid" ]; then
      pid="$(cat "$STATE/redis.pid")"
      kill -0 "$pid" 2>/dev/null || return 1
      if ready "$port" "$pid"; then
        echo "redis://127.0.0.1:$port" >"$STATE/url"
        return 0
      fi
    elif [ "$i" -gt 30 ]; then
      return 1 # redis writes the pidfile right after binding, in milliseconds: it failed to start
    fi
    sleep 0.1
  done
  return 1
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid, state $STATE)"
    echo "REDIS_URL=$(cat "$STATE/url")"
    return 0
  fi
  install_redis
  local attempt port
  for attempt in 1 2 3; do
    port="${REDIS_PORT:-$(free_port)}"
    if port_in_use "$port"; then
      [ -n "${REDIS_PORT:-}" ] && die "port $port (REDIS_PORT) is already in use"
      continue
    fi
    if start_once "$port"; then
      [ -n "${SWITCHYARD_OWNER_PID:-}" ] && start_watchdog "$SWITCHYARD_OWNER_PID"
      log "ready on 127.0.0.1:$port (pid $(cat "$STATE/redis.pid"), redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p'))"
      echo "REDIS_URL=redis://127.0.0.1:$port"
      return 0
    fi
    log "start on port $port failed (attempt $attempt):"
    tail -n 10 "$STATE/redis.log" >&2 2>/dev/null || true
    stop_server
    [ -n "${REDIS_PORT:-}" ] && break # a fixed port will not get better
  done
  die "Redis did not start"
}

stop_server() {
  local pid i wd signal="${1:-TERM}"
  if pid="$(running_pid)"; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop after ${STOP_TIMEOUT}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [ -f "$STATE/watchdog.pid" ]; then
    wd="$(cat "$STATE/watchdog.pid")"
    if [ -n "$wd" ] && [ "$wd" != "$$" ]; then kill "$wd" 2>/dev/null || true; fi
  fi
  rm -f "$STATE/redis.pid" "$STATE/watchdog.pid"
}

cmd_stop() {
  if [ ! -d "$STATE" ]; then
    log "not running (no $STATE)"
    return 0
  fi
  stop_server
  rm -rf "$STATE"
  log "stopped"
}

# stop the server (TERM, or KILL at once: no shutdown save), keeping its port and data for cmd_resume
cmd_halt() {
  [ -f "$STATE/url" ] || die "not started (no $STATE/url)"
  case "$1" in TERM | KILL) ;; *) die "halt takes TERM or KILL, not $1" ;; esac
  stop_server "$1"
  log "halted ($1)"
}

# start a halted server again on the same port and data (it reloads its AOF, if it has one)
cmd_resume() {
  [ -f "$STATE/url" ] || die "not started (no $STATE/url)"
  local url pid
  url="$(cat "$STATE/url")"
  if pid="$(running_pid)"; then
    log "already running (pid $pid, state $STATE)"
  else
    rm -f "$STATE/redis.pid"
    launch "${url##*:}" || { tail -n 10 "$STATE/redis.log" >&2 2>/dev/null || true; die "Redis did not start again"; }
    [ -n "${SWITCHYARD_OWNER_PID:-}" ] && start_watchdog "$SWITCHYARD_OWNER_PID"
    log "resumed on ${url##*/} (pid $(cat "$STATE/redis.pid"))"
  fi
  echo "REDIS_URL=$url"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid, state $STATE)"
    echo "REDIS_URL=$(cat "$STATE/url")"
    return 0
  fi
  log "not running"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  halt) cmd_halt "${2:-TERM}" ;;
  resume) cmd_resume ;;
  restart) cmd_halt TERM && cmd_resume ;;
  install) install_redis ;;
  *) echo "usage: $0 start|stop|status|halt [TERM|KILL]|resume|restart|install" >&2; exit 2 ;;
esac
