#!/usr/bin/env bash
# Runs failure scenarios against real consolidb processes and prints what they measured.
#
#   scripts/chaos.sh [case ...]        (no case: every case but cluster)
#
# Cases against one node from target/consolidb.jar (built here), with a PostgreSQL
# cluster and a Redis of their own (PostgreSQL cluster `chaos` on port 5439, Redis on
# 6390, made by scripts/services.sh), so stopping them disturbs nothing else:
#   pg-crash         keyed writes under load, PostgreSQL stopped -m immediate, started 5 s later
#   backends-killed  pg_terminate_backend of every node connection, ten times, under load
#   half-open        the packets of the node's open connections dropped silently (nftables)
#   conn-limit       max_connections taken by another client: fast 503, then recovery
#   lock             a held row lock and a table lock: 504 for those, other routes unaffected
#   db-down          PostgreSQL stopped: breaker fail-fast, stale entries served within the bound
#   overload         the bulkheads' goal: BENCH_ONLY=overload scripts/bench.sh --quick (main services)
#   redis-oom        Redis at maxmemory (noeviction): no stale read, breaker settles, hits recover
#   redis-flap       Redis stopped and started 10 times in 30 s: no stale read, connections bounded
# Each prints `<case>: PASS|FAIL <figures>`; target/chaos/report.{json,md} keep the table; the exit
# status is 1 when a case failed. Installs nftables from the OS packages when missing.
#
#   scripts/chaos.sh cluster
#
# `cluster`: the scenarios of ClusterFailoverIT on a 3-node cluster that
# scripts/cluster.sh starts from target/consolidb.jar (built here): a rolling
# restart, SIGKILL of one node, SIGSTOP of one node for 30 s, and an update read
# back on the other nodes, while a client JVM calls through the event-bus proxies
# and HTTP reads go through a readiness-driven balancer. Takes 3-4 minutes.
# Prints the table (also in target/cluster-report.md); exit 1 when a bound was
# not met. The nodes use HTTP 8281-8283, Hazelcast 5861-5863, the event bus
# 5961-5963 and target/cluster-failover/ as their state directory, and are
# stopped at the end.
#
# Environment: TEST_DATABASE_URL and TEST_REDIS_URL for `cluster` (else .consolidb/services.env,
# written by scripts/services.sh up), CHAOS_PGPORT (5439), CHAOS_REDIS_PORT (6390),
# CHAOS_MAVEN_FLAGS (-o: offline; empty to allow downloads).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPORT="$REPO_ROOT/target/cluster-report.md"

log() { printf '[chaos] %s\n' "$*" >&2; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

cmd_cluster() {
  local rc=0
  rm -f "$REPORT"
  log "./mvnw verify, ClusterFailoverIT only (output in target/chaos-cluster.log)"
  mkdir -p "$REPO_ROOT/target"
  # shellcheck disable=SC2086
  (cd "$REPO_ROOT" && ./mvnw -B ${CHAOS_MAVEN_FLAGS--o} verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=ClusterFailoverIT) >"$REPO_ROOT/target/chaos-cluster.log" 2>&1 || rc=$?
  if [[ -f $REPORT ]]; then
    cat "$REPORT"
  else
    log "no report was written; end of target/chaos-cluster.log:"
    tail -n 60 "$REPO_ROOT/target/chaos-cluster.log" >&2
  fi
  if ((rc != 0)); then
    log "some bounds were not met (or the run failed): see target/chaos-cluster.log and target/failsafe-reports/"
    exit 1
  fi
}

# The node cases: chaos services of their own, the jar, then io.consolidb.chaos.ChaosRunner.
cmd_node_cases() {
  local out="$REPO_ROOT/target/chaos"
  mkdir -p "$out"
  if ! command -v nft >/dev/null 2>&1; then
    log "installing nftables (half-open drops packets with it)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables >/dev/null
  fi
  local -a services_env=(PGPORT="${CHAOS_PGPORT:-5439}" REDIS_PORT="${CHAOS_REDIS_PORT:-6390}"
    PG_CLUSTER_NAME=chaos CONSOLIDB_STATE_DIR=/var/lib/consolidb-chaos SERVICES_ENV_FILE="$out/services.env"
    SERVICES_TLS=0 SERVICES_BACKUP=0)
  env "${services_env[@]}" "$REPO_ROOT/scripts/services.sh" up >/dev/null
  log "building the jar and the test classes (output in target/chaos/build.log)"
  # shellcheck disable=SC2086
  (cd "$REPO_ROOT" && ./mvnw -B -q ${CHAOS_MAVEN_FLAGS--o} package -DskipTests \
    && ./mvnw -B -q ${CHAOS_MAVEN_FLAGS--o} dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/chaos/classpath.txt) >"$out/build.log" 2>&1 \
    || { tail -n 40 "$out/build.log" >&2; exit 1; }
  local DATABASE_URL REDIS_URL PG_CLUSTER
  DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$out/services.env")
  REDIS_URL=$(sed -n 's/^REDIS_URL=//p' "$out/services.env")
  PG_CLUSTER=$(sed -n 's/^PG_CLUSTER=//p' "$out/services.env")
  cd "$REPO_ROOT"
  env "${services_env[@]}" CHAOS_DATABASE_URL="$DATABASE_URL" CHAOS_REDIS_URL="$REDIS_URL" \
    CHAOS_PG_CLUSTER="$PG_CLUSTER" CHAOS_JAR=target/consolidb.jar CHAOS_OUT=target/chaos \
    java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/chaos/classpath.txt)" \
    io.consolidb.chaos.ChaosRunner "$@"
}

main() {
  if [[ ${1:-} == cluster ]]; then
    shift
    [[ $# -eq 0 ]] || usage
    cmd_cluster
    return
  fi
  for name in "$@"; do
    [[ $name =~ ^[a-z-]+$ ]] || usage
  done
  cmd_node_cases "$@"
}

main "$@"
