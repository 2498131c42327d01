#!/usr/bin/env bash
# The benchmark harness: brings the services up, builds the node, loads the fixed data set
# (100k restaurants; 1M analytics events in full mode, 200k in quick mode), starts the node from
# the fat jar with the JVM flags of k8s/base/deployment.yaml and runs every comparison with both sides
# alternating in one run. Writes target/bench/report.json and target/bench/report.md.
#
#   scripts/bench.sh [--quick|--full|--scale]   (default --quick: about 12 minutes on 2 cores; --full about 30)
#
# --scale loads a second data set ten times larger (1M restaurants, 10M events over 600 days) into
# the consolidb_bench_scale database once (tens of minutes; kept for later runs) and runs only the
# scale ratios: the same uncached reads on both sets (docs/BENCHMARKS.md "Scale").
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:---quick}"
case "$mode" in --quick|--full|--scale) ;; *) echo "usage: scripts/bench.sh [--quick|--full|--scale]" >&2; exit 2 ;; esac

scripts/services.sh up
if ! command -v wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null || echo "wrk unavailable: HTTP ratios will be skipped" >&2
fi
set -a
# shellcheck disable=SC1091
. .consolidb/services.env
set +a

./mvnw -B -q package -DskipTests
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
out=target/bench
[[ $mode == --scale ]] && out=target/bench/scale # the quick or full report stays
mkdir -p "$out"
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.consolidb.bench.BenchHarness "$mode" --out "$out" --jar target/consolidb.jar
