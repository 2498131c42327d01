#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL and Redis:
# brings the local services up (scripts/services.sh), then `./mvnw -B verify`.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=TcpProxyTest
# Exits with Maven's exit code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/services.sh up
exec ./mvnw -B verify "$@"
