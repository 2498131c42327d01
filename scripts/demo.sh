#!/usr/bin/env bash
# Brings PostgreSQL and Redis up, builds the jar and runs one node in the development
# environment, which migrates the schema and seeds 10k demo restaurants on first start.
# Extra arguments go to the node (e.g. --cluster). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh up
if [ ! -f target/consolidb.jar ] || [ -n "$(find src conf pom.xml -newer target/consolidb.jar -print -quit)" ]; then
  ./mvnw -B -q package -DskipTests
fi
set -a
# shellcheck disable=SC1091
. .consolidb/services.env
set +a
export CONSOLIDB_ENV="${CONSOLIDB_ENV:-development}"
exec java ${JAVA_OPTS:--Xmx256m} -jar target/consolidb.jar run "$@"
