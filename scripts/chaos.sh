#!/usr/bin/env bash
# Runs failure scenarios against real consolidb processes and prints what they measured.
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
# Environment: TEST_DATABASE_URL and TEST_REDIS_URL (else .consolidb/services.env,
# written by scripts/services.sh up), CHAOS_MAVEN_FLAGS (-o: offline; empty to allow downloads).
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

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    cluster) [[ $# -eq 0 ]] || usage; cmd_cluster ;;
    *) usage ;;
  esac
}

main "$@"
