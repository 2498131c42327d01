#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL and Redis:
# brings the local services up (scripts/services.sh, with the read replica: REPLICA=1) and
# installs the headless browser the browser tests drive and the kubectl the manifest tests render
# with, then `./mvnw -B verify`.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=TcpProxyTest
# Exits with Maven's exit code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REPLICA=1 scripts/services.sh up
scripts/services.sh browser
scripts/services.sh kubectl >/dev/null
exec ./mvnw -B verify "$@"
