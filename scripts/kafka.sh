#!/usr/bin/env bash
# Throwaway single-node Kafka (KRaft, broker+controller in one JVM) for tests and CI.
#
#   scripts/kafka.sh start   # fetch jars once, start, wait until ready; last stdout line: KAFKA_BROKERS=127.0.0.1:<port>
#   scripts/kafka.sh stop    # TERM (then KILL), remove the state dir
#   scripts/kafka.sh restart # stop and start again on the same port and data (broker restart tests)
#   scripts/kafka.sh halt [KILL] # stop the broker (TERM, or KILL at once) but keep its port and data (outage tests)
#   scripts/kafka.sh resume  # start a halted broker again on the same port and data, wait until ready
#   scripts/kafka.sh status  # exit 0 and print KAFKA_BROKERS=... when running, exit 1 otherwise
#   scripts/kafka.sh fetch   # only fetch the jars into the cache (e.g. to warm a CI machine)
#
# Environment:
#   KAFKA_VERSION            Kafka release (default: <kafka.version> in scripts/kafka/pom.xml)
#   SWITCHYARD_CACHE         jar cache root (default: $HOME/.cache/switchyard); jars go to <root>/kafka-<version>/jars
#   KAFKA_STATE_DIR          pid/brokers/config/log/data (default: ${TMPDIR:-/tmp}/switchyard-kafka)
#   KAFKA_PORT               broker port (default: a free loopback port); KAFKA_CONTROLLER_PORT likewise
#   KAFKA_HEAP_OPTS          default: -Xms128m -Xmx512m
#   KAFKA_JVM_OPTS           extra JVM options
#   KAFKA_START_TIMEOUT      seconds to wait for the broker to answer metadata requests (default 90)
#   KAFKA_STOP_TIMEOUT       seconds between TERM and KILL (default 20)
#   SWITCHYARD_OWNER_PID     when set, a watchdog stops the broker once that process is gone
#                            (so an interrupted test run does not leave a JVM behind)
#
# Only the KAFKA_BROKERS line goes to stdout; progress and errors go to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/scripts/kafka/pom.xml"
KAFKA_VERSION="${KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)}"
CACHE_DIR="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}/kafka-$KAFKA_VERSION"
JARS="$CACHE_DIR/jars"
STATE="${KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/switchyard-kafka}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

kafka_major() { echo "${KAFKA_VERSION%%.*}"; }

# pid of our broker if it is alive (and really is our java process), else nothing
running_pid() {
  [ -f "$STATE/kafka.pid" ] || return 1
  local pid
  pid="$(cat "$STATE/kafka.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka'; then
    return 1 # pid reused by something else
  fi
  echo "$pid"
}

fetch() {
  if [ -f "$JARS/.complete" ]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "Kafka $KAFKA_VERSION jars are not in $JARS and mvn is not installed (apt-get install maven)"
  log "fetching Kafka $KAFKA_VERSION jars into $JARS (once)"
  mkdir -p "$CACHE_DIR"
  local tmp="$CACHE_DIR/jars.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$POM" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" >&2; then
    rm -rf "$tmp"
    die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar after mvn"; }
  touch "$tmp/.complete"
  # another start may have raced us here; either copy is fine
  if ! mv -T "$tmp" "$JARS" 2>/dev/null; then
    rm -rf "$tmp"
  fi
  [ -f "$JARS/.complete" ] || die "jar cache $JARS is incomplete"
}

# print N free loopback ports (kernel-chosen, all held open at once so they differ)
free_ports() {
  local n="$1"
  if command -v node >/dev/null 2>&1; then
    node -e '
      const net = require("net"); const n = +process.argv[1]; const servers = []; const ports = [];
      const next = () => { if (ports.length === n) { servers.forEach((s) => s.close()); console.log(ports.join(" ")); return; }
        const s = net.createServer(); servers.push(s);
        s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); next(); }); };
      next();' "$n"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$n"
  else
    die "need node or python3 to pick free ports (or set KAFKA_PORT and KAFKA_CONTROLLER_PORT)"
  fi
}

random_cluster_id() {
  # Kafka cluster ids are 16 random bytes, URL-safe base64 without padding. Like Kafka's own
  # Uuid.randomUuid, draw again when the id starts with '-': the storage tool would read it as an option.
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [ "${id:0:1}" != "-" ] && break
  done
  echo "$id"
}

check_java() {
  command -v java >/dev/null 2>&1 || die "java is not installed (Kafka $KAFKA_VERSION needs Java 17+)"
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  if [ -n "$v" ] && [ "$(kafka_major)" -ge 4 ] && [ "$v" -lt 17 ]; then
    die "Kafka $KAFKA_VERSION needs Java 17+, found Java $v"
  fi
}

write_config() {
  local port="$1" cport="$2"
  local quorum
  if [ "$(kafka_major)" -ge 4 ]; then
    # 4.x: dynamic quorum, formatted with --standalone
    quorum="controller.quorum.bootstrap.servers=127.0.0.1:$cport"
  else
    quorum="controller.quorum.voters=1@127.0.0.1:$cport"
  fi
  cat >"$STATE/server.properties" <<EOF
# generated by scripts/kafka.sh
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
$quorum
log.dirs=$STATE/data
num.network.threads=2
num.io.threads=2
background.threads=2
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
log.segment.bytes=1048576
log.retention.hours=1
log.retention.check.interval.ms=60000
log.cleaner.dedupe.buffer.size=2097152
log.cleaner.threads=1
log.flush.interval.messages=9223372036854775807
EOF
  cat >"$STATE/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

format_storage() {
  local cid="$1"
  local extra=()
  [ "$(kafka_major)" -ge 4 ] && extra=(--standalone)
  local cls
  for cls in kafka.tools.StorageTool org.apache.kafka.tools.StorageTool; do
    if java -Xmx256m -cp "$JARS/*" -Dlog4j2.configurationFile="$STATE/log4j2.properties" \
        "$cls" format -t "$cid" -c "$STATE/server.properties" "${extra[@]}" >"$STATE/format.log" 2>&1; then
      return 0
    fi
    grep -q 'Could not find or load main class' "$STATE/format.log" || break
  done
  tail -n 30 "$STATE/format.log" >&2
  die "formatting the KRaft storage failed"
}

# Wait until the broker answers metadata requests (kafkajs admin listTopics), or the JVM dies.
wait_ready() {
  local pid="$1" brokers="$2"
  if command -v node >/dev/null 2>&1 && (cd "$ROOT" && node -e 'require.resolve("kafkajs")' 2>/dev/null); then
    (cd "$ROOT" && node -e '
      const { Kafka, logLevel } = require("kafkajs");
      const [brokers, pid, timeoutS] = process.argv.slice(1);
      const deadline = Date.now() + Number(timeoutS) * 1000;
      const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
      (async () => {
        let last = "";
        while (Date.now() < deadline) {
          if (!alive()) { console.error("kafka.sh: broker process " + pid + " exited"); process.exit(2); }
          const admin = new Kafka({ clientId: "switchyard-kafka-sh", brokers: brokers.split(","),
            logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000,
            retry: { retries: 0 } }).admin();
          try {
            await admin.connect();
            await admin.listTopics();
            // also wait for the group coordinator (creates __consumer_offsets), so the first
            // consumer of a test run does not crash on "coordinator is loading"
            await admin.describeGroups(["switchyard-kafka-sh-warmup"]);
            await admin.disconnect();
            process.exit(0);
          }
          catch (e) { last = e && e.message; try { await admin.disconnect(); } catch {} }
          await new Promise((r) => setTimeout(r, 500));
        }
        console.error("kafka.sh: broker not ready after " + timeoutS + "s: " + last); process.exit(1);
      })();' "$brokers" "$pid" "$START_TIMEOUT")
  else
    log "kafkajs not installed; waiting for the port only"
    local port="${brokers##*:}" i
    for ((i = 0; i < START_TIMEOUT * 2; i++)); do
      kill -0 "$pid" 2>/dev/null || { log "broker process $pid exited"; return 2; }
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
      sleep 0.5
    done
    return 1
  fi
}

start_watchdog() {
  local owner="$1"
  kill -0 "$owner" 2>/dev/null || return 0
  # fully detached: no inherited stdout/stderr, so callers reading our output see EOF when we exit
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  KAFKA_STATE_DIR="$STATE" KAFKA_VERSION="$KAFKA_VERSION" nohup bash -c '
    owner="$1"; script="$2"
    while kill -0 "$owner" 2>/dev/null; do sleep 2; done
    exec bash "$script" stop' _ "$owner" "$ROOT/scripts/kafka.sh" \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$STATE/watchdog.pid"
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid, state $STATE)"
    echo "KAFKA_BROKERS=$(cat "$STATE/brokers")"
    return 0
  fi
  check_java
  fetch

  local t0=$SECONDS port cport ports
  if [ -n "${KAFKA_PORT:-}" ]; then
    port="$KAFKA_PORT"
    cport="${KAFKA_CONTROLLER_PORT:-$(free_ports 1)}"
    # never mistake somebody else's broker on a fixed port for ours
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port (KAFKA_PORT) is already in use"
    fi
  else
    ports="$(free_ports 2)"
    port="${ports%% *}"
    cport="${KAFKA_CONTROLLER_PORT:-${ports##* }}"
  fi

  rm -rf "$STATE"
  mkdir -p "$STATE/data"
  write_config "$port" "$cport"
  format_storage "$(random_cluster_id)"

  launch "$port"
  log "ready in $((SECONDS - t0))s"
  echo "KAFKA_BROKERS=127.0.0.1:$port"
}

# start the JVM on the configured state dir and wait until it answers
launch() {
  local port="$1" pid
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port (state $STATE)"
  # shellcheck disable=SC2086
  nohup java ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} \
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$STATE/log4j2.properties" \
    ${KAFKA_JVM_OPTS:-} \
    -cp "$JARS/*" kafka.Kafka "$STATE/server.properties" \
    </dev/null >>"$STATE/kafka.log" 2>&1 &
  pid=$!
  echo "$pid" >"$STATE/kafka.pid"
  echo "127.0.0.1:$port" >"$STATE/brokers"
  [ -n "${SWITCHYARD_OWNER_PID:-}" ] && start_watchdog "$SWITCHYARD_OWNER_PID"

  if ! wait_ready "$pid" "127.0.0.1:$port"; then
    log "last lines of $STATE/kafka.log:"
    tail -n 40 "$STATE/kafka.log" >&2 || true
    cmd_stop_keep_log
    die "Kafka did not become ready"
  fi
}

# stop the broker and start it again on the same port and data (a broker restart, for tests)
cmd_restart() {
  cmd_halt TERM
  cmd_resume
}

# stop the broker (TERM, or KILL at once), keeping its port and data for cmd_resume
cmd_halt() {
  [ -f "$STATE/brokers" ] || die "not started (no $STATE/brokers)"
  case "$1" in TERM | KILL) ;; *) die "halt takes TERM or KILL, not $1" ;; esac
  cmd_stop_keep_log "$1"
  log "halted"
}

# start a halted broker again on the same port and data
cmd_resume() {
  [ -f "$STATE/brokers" ] || die "not started (no $STATE/brokers)"
  local broker pid
  broker="$(cat "$STATE/brokers")"
  if pid="$(running_pid)"; then
    log "already running (pid $pid, state $STATE)"
  else
    launch "${broker##*:}"
    log "resumed"
  fi
  echo "KAFKA_BROKERS=$broker"
}

kill_pid() {
  local pid="$1" signal="${2:-TERM}" i
  kill "-$signal" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "pid $pid did not stop after ${STOP_TIMEOUT}s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# stop the broker (signal $1, default TERM) and the watchdog; leave the state dir (after a failed
# start so the log stays, and for halt/resume)
cmd_stop_keep_log() {
  local pid wd
  if pid="$(running_pid)"; then
    kill_pid "$pid" "${1:-TERM}"
  fi
  if [ -f "$STATE/watchdog.pid" ]; then
    wd="$(cat "$STATE/watchdog.pid")"
    # never signal ourselves (the watchdog execs this script for "stop")
    if [ -n "$wd" ] && [ "$wd" != "$$" ]; then kill "$wd" 2>/dev/null || true; fi
  fi
  rm -f "$STATE/kafka.pid" "$STATE/watchdog.pid"
}

cmd_stop() {
  if [ ! -d "$STATE" ]; then
    log "not running (no $STATE)"
    return 0
  fi
  cmd_stop_keep_log
  rm -rf "$STATE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid, state $STATE)"
    echo "KAFKA_BROKERS=$(cat "$STATE/brokers")"
    return 0
  fi
  log "not running"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_restart ;;
  halt) cmd_halt "${2:-TERM}" ;;
  resume) cmd_resume ;;
  status) cmd_status ;;
  fetch) check_java; fetch; log "jars in $JARS" ;;
  *) echo "usage: $0 start|stop|restart|halt [TERM|KILL]|resume|status|fetch" >&2; exit 2 ;;
esac
