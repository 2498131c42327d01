#!/usr/bin/env bash
# Ingestion benchmark: events/s committed through POST /api/v1/analytics/events (batches of 1000)
# vs the same rows as a multi-row INSERT run by pgbench, alternating, median of several rounds.
# Needs PostgreSQL (scripts/services.sh up) and pgbench on the PATH.
# Knobs: -Dbench.clients=4 -Dbench.rounds=5 -Dbench.seconds=5 (pass them as arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -o verify -Dtest.excludedGroups= -Dgroups=benchmark -Dtest=IngestionBenchmark \
  -Dsurefire.failIfNoSpecifiedTests=false "$@"
cat target/bench/ingest.txt
