#!/usr/bin/env bash
# Runs a real multi-process consolidb cluster on loopback: N nodes from the fat
# jar, joined over Hazelcast TCP-IP, with mutual TLS on the event bus and a
# shared cluster secret. For trying failures by hand and for tests.
#
#   scripts/cluster.sh up N            start N nodes one after the other, each ready before the next
#   scripts/cluster.sh down            SIGTERM every node (SIGKILL after 40 s)
#   scripts/cluster.sh status          one line per node (exit 3 when one is not up)
#   scripts/cluster.sh rolling-restart restart node 1, 2, … in turn, each rejoined before the next
#   scripts/cluster.sh kill I | freeze I | thaw I     SIGKILL | SIGSTOP | SIGCONT node I
#   scripts/cluster.sh restart I       SIGTERM node I, start it again, wait until ready
#
# `up`, `restart` and `rolling-restart` print, per node started,
#   node<i> http=http://127.0.0.1:<port> pid=<pid>
# and `status` the same with ` state=up|down|frozen` appended (pid=- when down).
#
# Node i (from 1) listens on HTTP CLUSTER_HTTP_BASE+i (8180+i), Hazelcast
# CLUSTER_HZ_BASE+i (5820+i) and the event bus CLUSTER_EB_BASE+i (5920+i). Its
# certificate is node<i> from scripts/certs.sh (in CLUSTER_CERTS_DIR,
# .consolidb/certs); the secret is generated once into <state>/secret.
# DATABASE_URL and REDIS_URL come from the environment, else from
# .consolidb/services.env (`scripts/services.sh up` is run when it is missing).
# The jar is built (offline) when target/consolidb.jar is missing.
#
# Environment: CLUSTER_STATE_DIR (.consolidb/cluster: node<i>.pid, .log, .env),
# CLUSTER_WAIT_SECONDS (120: readiness timeout per node), CLUSTER_JVM_FLAGS
# (-Xms64m -Xmx256m -XX:+UseSerialGC), CONSOLIDB_ENV (development),
# SHUTDOWN_DRAIN_SECONDS (2), DB_MIGRATE (true), CERT_SANS (see scripts/certs.sh).
# Other variables (API_TOKEN, LOG_LEVEL, …) pass through to the nodes: give every
# command the same ones (a node restarted later gets those of that command).
set -euo pipefail
shopt -s inherit_errexit

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${CLUSTER_STATE_DIR:-$REPO_ROOT/.consolidb/cluster}"
CERTS_DIR="${CLUSTER_CERTS_DIR:-$REPO_ROOT/.consolidb/certs}"
SERVICES_ENV="${SERVICES_ENV_FILE:-$REPO_ROOT/.consolidb/services.env}"
JAR="$REPO_ROOT/target/consolidb.jar"
HOST=127.0.0.1

HTTP_BASE="${CLUSTER_HTTP_BASE:-8180}"
HZ_BASE="${CLUSTER_HZ_BASE:-5820}"
EB_BASE="${CLUSTER_EB_BASE:-5920}"
WAIT_SECONDS="${CLUSTER_WAIT_SECONDS:-120}"
JVM_FLAGS="${CLUSTER_JVM_FLAGS:--Xms64m -Xmx256m -XX:+UseSerialGC}"
# Longer than a node's own stop (drain plus shutdown.timeoutSeconds, 30 s by default).
STOP_SECONDS=40
# Without cluster.members in /health, how long a restarted node gets to rejoin.
REJOIN_GRACE_SECONDS=3
MAX_NODES=20

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

for var in HTTP_BASE HZ_BASE EB_BASE WAIT_SECONDS; do
  [[ ${!var} =~ ^[0-9]+$ ]] || die "$var must be a number, not '${!var}'"
done

# ----------------------------------------------------------------- nodes

http_port() { echo $((HTTP_BASE + $1)); }
node_url() { echo "http://$HOST:$(http_port "$1")"; }
env_file() { echo "$STATE_DIR/node$1.env"; }
pid_file() { echo "$STATE_DIR/node$1.pid"; }
log_file() { echo "$STATE_DIR/node$1.log"; }

# The node count of the cluster `up` made: one env file per node.
node_count() {
  local n=0
  while [[ -f "$(env_file $((n + 1)))" ]]; do n=$((n + 1)); done
  echo "$n"
}

require_node() {
  local i=${1:-} n
  [[ $i =~ ^[1-9][0-9]*$ ]] || usage
  n=$(node_count)
  ((n > 0)) || die "no cluster in $STATE_DIR: run 'scripts/cluster.sh up N' first"
  ((i <= n)) || die "node$i does not exist: the cluster has $n nodes"
}

# Process state letter of a pid (R, S, T, Z, …); fails when there is no such process.
proc_state() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  echo "${stat%% *}"
}

# A pid is ours while it lives (a zombie does not) and still runs our jar:
# a stale pid file may name a recycled pid.
is_node_process() {
  local pid=$1 state cmdline
  state=$(proc_state "$pid") || return 1
  [[ $state != Z && $state != X ]] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"-jar $JAR run"* ]]
}

# Prints the pid of node i when it runs; fails otherwise.
node_pid() {
  local file pid
  file=$(pid_file "$1")
  [[ -f $file ]] || return 1
  pid=$(cat "$file")
  [[ $pid =~ ^[0-9]+$ ]] && is_node_process "$pid" && echo "$pid"
}

node_line() { echo "node$1 http=$(node_url "$1") pid=$2"; }

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

ready() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(node_url "$1")/health/ready" 2>/dev/null)" == 200 ]]
}

start_node() {
  local i=$1 env log pid_f pid
  env=$(env_file "$i")
  log=$(log_file "$i")
  pid_f=$(pid_file "$i")
  [[ -f $env ]] || die "$env is missing: run 'scripts/cluster.sh up N' first"
  rm -f "$pid_f"
  printf '=== %s: starting node%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$i" >>"$log"
  # The node gets its own session (setsid): it outlives this script and a
  # terminal's hangup. The shell in between writes the pid the jar then runs as.
  (
    set -a
    # shellcheck disable=SC1090
    . "$env"
    set +a
    unset METRICS_PORT # /metrics on the HTTP port: one port fewer per node
    cd "$REPO_ROOT"
    # shellcheck disable=SC2016,SC2086
    exec setsid bash -c 'echo $$ >"$0"; exec nohup "$@"' "$pid_f" java $CLUSTER_JVM_FLAGS -jar "$JAR" run
  ) </dev/null >>"$log" 2>&1 &
  local deadline=$((SECONDS + 10))
  until [[ -s $pid_f ]]; do
    ((SECONDS < deadline)) || die "node$i did not start (see $log)"
    sleep 0.05
  done
  pid=$(cat "$pid_f")
  echo "$pid"
}

# Waits until node i answers 200 on /health/ready. On timeout or exit, prints
# the end of its log, stops it and fails.
wait_ready() {
  local i=$1 pid=$2 deadline=$((SECONDS + WAIT_SECONDS))
  until ready "$i"; do
    if ! is_node_process "$pid"; then
      log "node$i (pid $pid) exited before it was ready; end of $(log_file "$i"):"
      tail -n 40 "$(log_file "$i")" >&2
      rm -f "$(pid_file "$i")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "node$i (pid $pid) not ready on $(node_url "$i")/health/ready within ${WAIT_SECONDS}s; end of $(log_file "$i"):"
      tail -n 40 "$(log_file "$i")" >&2
      stop_node "$i"
      return 1
    fi
    sleep 0.5
  done
}

# Waits until a process is gone (or a zombie); fails after $2 seconds.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while is_node_process "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# SIGTERM (the node drains and stops), SIGKILL after STOP_SECONDS.
stop_node() {
  local i=$1 pid
  if pid=$(node_pid "$i"); then
    log "stopping node$i (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true # a frozen node cannot act on SIGTERM
    if ! wait_gone "$pid" "$STOP_SECONDS"; then
      log "node$i (pid $pid) still running after ${STOP_SECONDS}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || die "node$i (pid $pid) survived SIGKILL"
    fi
  fi
  rm -f "$(pid_file "$i")"
}

# Number of members /health reports for node i under cluster.members (a count
# or a list); prints nothing when the field is absent or /health does not answer.
members_seen() {
  local body
  body=$(curl -s --max-time 3 "$(node_url "$1")/health" 2>/dev/null) || return 0
  [[ -n $body ]] || return 0
  if command -v jq >/dev/null 2>&1; then
    jq -r '(.cluster? // {}) | .members? | if type == "array" then length elif type == "number" then . else empty end' \
      <<<"$body" 2>/dev/null || true
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
try:
    m = (json.loads(sys.stdin.read()).get("cluster") or {}).get("members")
except Exception:
    m = None
if isinstance(m, list): print(len(m))
elif isinstance(m, int) and not isinstance(m, bool): print(m)
' <<<"$body" 2>/dev/null || true
  fi
}

# After a restart: until node i sees all n members when /health reports them,
# else a fixed grace period for it to rejoin. An application that joined as a full
# Hazelcast member (not as the lite member HazelcastClusterConfig.clientClusterManager
# makes, which /health counts under clients) is counted too, so more than n is fine.
wait_members() {
  local i=$1 n=$2 seen deadline=$((SECONDS + WAIT_SECONDS))
  seen=$(members_seen "$i")
  if [[ -z $seen ]]; then
    sleep "$REJOIN_GRACE_SECONDS"
    return 0
  fi
  until [[ $seen =~ ^[0-9]+$ ]] && ((seen >= n)); do
    if ((SECONDS >= deadline)); then
      log "node$i sees $seen of $n members after ${WAIT_SECONDS}s; end of $(log_file "$i"):"
      tail -n 40 "$(log_file "$i")" >&2
      return 1
    fi
    sleep 0.5
    seen=$(members_seen "$i")
    [[ -n $seen ]] || seen="?"
  done
}

restart_node() {
  local i=$1 pid
  stop_node "$i"
  pid=$(start_node "$i")
  wait_ready "$i" "$pid" || exit 1
  echo "$pid"
}

# --------------------------------------------------------- preparation

ensure_jar() {
  [[ -f $JAR ]] && return 0
  log "building $JAR (./mvnw -B -q -o package -DskipTests)"
  (cd "$REPO_ROOT" && ./mvnw -B -q -o package -DskipTests)
  [[ -f $JAR ]] || die "the build did not produce $JAR"
}

# DATABASE_URL and REDIS_URL: the environment's, else services.env's.
service_urls() {
  if [[ -n ${DATABASE_URL:-} && -n ${REDIS_URL:-} ]]; then
    return 0
  fi
  if [[ ! -f $SERVICES_ENV ]]; then
    log "$SERVICES_ENV is missing: running scripts/services.sh up"
    "$REPO_ROOT/scripts/services.sh" up >/dev/null
    [[ -f $SERVICES_ENV ]] || die "scripts/services.sh up did not write $SERVICES_ENV"
  fi
  if [[ -z ${DATABASE_URL:-} ]]; then
    DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$SERVICES_ENV" | tail -n 1)
  fi
  if [[ -z ${REDIS_URL:-} ]]; then
    REDIS_URL=$(sed -n 's/^REDIS_URL=//p' "$SERVICES_ENV" | tail -n 1)
  fi
  [[ -n $DATABASE_URL && -n $REDIS_URL ]] || die "no DATABASE_URL or REDIS_URL in $SERVICES_ENV"
}

ensure_secret() {
  local file="$STATE_DIR/secret"
  if [[ ! -s $file ]]; then
    openssl rand -hex 32 >"$file.tmp"
    chmod 600 "$file.tmp"
    mv "$file.tmp" "$file"
    log "generated the cluster secret in $file"
  fi
  cat "$file"
}

ensure_certs() {
  local n=$1 i missing=()
  for ((i = 1; i <= n; i++)); do
    if [[ ! -f $CERTS_DIR/ca.pem || ! -f $CERTS_DIR/node$i.pem || ! -f $CERTS_DIR/node$i-key.pem ]]; then
      missing+=("node$i")
    fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    "$REPO_ROOT/scripts/certs.sh" --dir "$CERTS_DIR" "${missing[@]}" >/dev/null
  fi
}

write_env() {
  local i=$1 n=$2 members=$3 secret=$4
  local lines=(
    CONSOLIDB_ENV="${CONSOLIDB_ENV:-development}"
    HTTP_HOST="$HOST"
    HTTP_PORT="$(http_port "$i")"
    CLUSTER_ENABLED=true
    CLUSTER_HOST="$HOST"
    CLUSTER_PORT="$((HZ_BASE + i))"
    CLUSTER_EVENT_BUS_PORT="$((EB_BASE + i))"
    CLUSTER_MEMBERS="$members"
    CLUSTER_EXPECTED_MEMBERS="$n"
    CLUSTER_TLS_CERT="$CERTS_DIR/node$i.pem"
    CLUSTER_TLS_KEY="$CERTS_DIR/node$i-key.pem"
    CLUSTER_TLS_CA="$CERTS_DIR/ca.pem"
    CLUSTER_SECRET="$secret"
    DATABASE_URL="$DATABASE_URL"
    REDIS_URL="$REDIS_URL"
    DB_MIGRATE="${DB_MIGRATE:-true}"
    SHUTDOWN_DRAIN_SECONDS="${SHUTDOWN_DRAIN_SECONDS:-2}"
    CLUSTER_JVM_FLAGS="$JVM_FLAGS"
  )
  local line value file q="'"
  file=$(env_file "$i")
  # Sourced by start_node, so every value is single-quoted. Holds the secret: mode 600.
  for line in "${lines[@]}"; do
    value=${line#*=}
    printf "%s='%s'\n" "${line%%=*}" "${value//$q/$q\\$q$q}"
  done >"$file.tmp"
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

# ------------------------------------------------------------- commands

# A fresh Debian/Ubuntu machine may have no curl: installed from the OS packages (needs root).
ensure_curl() {
  command -v curl >/dev/null 2>&1 && return 0
  if ! command -v apt-get >/dev/null 2>&1 || [[ $EUID -ne 0 ]]; then
    die "curl not found: install the curl package"
  fi
  log "apt-get install -y curl"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl >/dev/null || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl >/dev/null
  } || die "could not install curl"
}

cmd_up() {
  local n=${1:-} i port running=()
  [[ $n =~ ^[1-9][0-9]*$ ]] || usage
  ((n <= MAX_NODES)) || die "at most $MAX_NODES nodes"
  command -v java >/dev/null 2>&1 || die "java not found"
  ensure_curl
  mkdir -p "$STATE_DIR"
  chmod 700 "$STATE_DIR"
  for ((i = 1; i <= $(node_count); i++)); do
    node_pid "$i" >/dev/null && running+=("node$i")
  done
  [[ ${#running[@]} -eq 0 ]] || die "${running[*]} already running: 'scripts/cluster.sh down' first"
  for ((i = 1; i <= n; i++)); do
    for port in "$(http_port "$i")" "$((HZ_BASE + i))" "$((EB_BASE + i))"; do
      ! port_busy "$port" || die "port $port (node$i) is already in use on $HOST"
    done
  done

  ensure_jar
  service_urls
  ensure_certs "$n"
  local secret members=""
  secret=$(ensure_secret)
  for ((i = 1; i <= n; i++)); do
    members+="${members:+,}$HOST:$((HZ_BASE + i))"
  done
  rm -f "$STATE_DIR"/node*.env "$STATE_DIR"/node*.pid "$STATE_DIR"/node*.log
  for ((i = 1; i <= n; i++)); do
    write_env "$i" "$n" "$members" "$secret"
  done

  local pid
  for ((i = 1; i <= n; i++)); do
    pid=$(start_node "$i")
    if ! wait_ready "$i" "$pid"; then
      log "stopping the nodes this 'up' started"
      cmd_down >/dev/null
      exit 1
    fi
    node_line "$i" "$pid"
  done
}

cmd_down() {
  local n i pid pids=()
  n=$(node_count)
  # All at once: every node drains in parallel.
  for ((i = 1; i <= n; i++)); do
    if pid=$(node_pid "$i"); then
      log "stopping node$i (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      kill -CONT "$pid" 2>/dev/null || true
      pids[i]=$pid
    fi
  done
  local deadline=$((SECONDS + STOP_SECONDS))
  for ((i = 1; i <= n; i++)); do
    pid=${pids[i]:-}
    if [[ -n $pid ]] && ! wait_gone "$pid" $((deadline - SECONDS > 0 ? deadline - SECONDS : 0)); then
      log "node$i (pid $pid) still running after ${STOP_SECONDS}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || log "node$i (pid $pid) survived SIGKILL"
    fi
    rm -f "$(pid_file "$i")"
  done
}

cmd_status() {
  local n i pid state rc=0
  n=$(node_count)
  ((n > 0)) || { log "no cluster in $STATE_DIR"; return 3; }
  for ((i = 1; i <= n; i++)); do
    if pid=$(node_pid "$i"); then
      state=up
      [[ $(proc_state "$pid") == T ]] && state=frozen
    else
      pid=- state=down
    fi
    [[ $state == up ]] || rc=3
    echo "$(node_line "$i" "$pid") state=$state"
  done
  return $rc
}

cmd_signal() {
  local sig=$1 i=$2 pid
  require_node "$i"
  pid=$(node_pid "$i") || die "node$i is not running"
  kill "-$sig" "$pid"
  case "$sig" in
    KILL)
      wait_gone "$pid" 10 || die "node$i (pid $pid) survived SIGKILL"
      rm -f "$(pid_file "$i")"
      log "node$i (pid $pid) killed"
      ;;
    STOP) log "node$i (pid $pid) frozen (SIGSTOP)" ;;
    CONT) log "node$i (pid $pid) thawed (SIGCONT)" ;;
  esac
}

cmd_restart() {
  local i=${1:-} pid
  require_node "$i"
  pid=$(restart_node "$i")
  node_line "$i" "$pid"
}

cmd_rolling_restart() {
  local n i pid
  n=$(node_count)
  ((n > 0)) || die "no cluster in $STATE_DIR: run 'scripts/cluster.sh up N' first"
  for ((i = 1; i <= n; i++)); do
    pid=$(restart_node "$i")
    wait_members "$i" "$n" || exit 1
    node_line "$i" "$pid"
  done
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) [[ $# -eq 1 ]] || usage; cmd_up "$1" ;;
    down) [[ $# -eq 0 ]] || usage; cmd_down ;;
    status) [[ $# -eq 0 ]] || usage; cmd_status ;;
    rolling-restart) [[ $# -eq 0 ]] || usage; cmd_rolling_restart ;;
    kill) [[ $# -eq 1 ]] || usage; cmd_signal KILL "$1" ;;
    freeze) [[ $# -eq 1 ]] || usage; cmd_signal STOP "$1" ;;
    thaw) [[ $# -eq 1 ]] || usage; cmd_signal CONT "$1" ;;
    restart) [[ $# -eq 1 ]] || usage; cmd_restart "$1" ;;
    *) usage ;;
  esac
}

main "$@"
