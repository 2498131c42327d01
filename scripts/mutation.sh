#!/usr/bin/env bash
# Mutation testing with PIT (not part of the default test run): for each package, mutates its
# classes and runs the tests of the same package (integration tests included, against the real
# PostgreSQL and Redis that scripts/services.sh brings up). Prints the share of mutants killed per
# package; reports (HTML, CSV) in target/pit-reports/<package>/.
#
#   scripts/mutation.sh [package ...]
#     default packages: query cache http config health restaurant user analytics service
#
# Environment (all optional):
#   MUTATION_SERVICES=skip        use the PostgreSQL and Redis already running (TEST_DATABASE_URL,
#                                 TEST_REDIS_URL or .consolidb/services.env) instead of
#                                 `scripts/services.sh up`
#   MUTATION_TARGET_TESTS=globs   tests to run against the mutants (comma-separated globs);
#                                 default: the package's own, io.consolidb.<package>.*
#   MUTATION_TARGET_CLASSES=globs classes to mutate; default io.consolidb.<package>.*
#   MUTATION_PIT_ARGS="-D..."     further PIT options, e.g. -DtimeoutConstant=3000 or
#                                 -DexcludedTestClasses=...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=("$@")
if [[ ${#packages[@]} -eq 0 ]]; then
  packages=(query cache http config health restaurant user analytics service)
fi
if [[ ${MUTATION_SERVICES:-up} != skip ]]; then
  scripts/services.sh up
fi
./mvnw -B -q -P mutation test-compile

summary=()
for p in "${packages[@]}"; do
  if [[ ! $p =~ ^[a-z.]+$ ]]; then
    echo "not a package name: $p" >&2
    exit 2
  fi
  out="target/pit-reports/$p"
  # shellcheck disable=SC2086 # MUTATION_PIT_ARGS is split into options on purpose
  ./mvnw -B -q -P mutation org.pitest:pitest-maven:mutationCoverage \
    -DtargetClasses="${MUTATION_TARGET_CLASSES:-io.consolidb.$p.*}" \
    -DtargetTests="${MUTATION_TARGET_TESTS:-io.consolidb.$p.*}" \
    -DreportsDirectory="$out" ${MUTATION_PIT_ARGS:-}
  # mutations.csv: file, class, mutator, method, line, status, killing test
  summary+=("$(awk -F, -v p="$p" '{ total++; if ($6 == "KILLED" || $6 == "TIMED_OUT" || $6 == "MEMORY_ERROR") killed++ }
    END { printf "%-12s %4d mutants, %4d killed: %5.1f %%\n", p, total, killed, total ? 100 * killed / total : 0 }' \
    "$out/mutations.csv")")
done
printf '%s\n' "${summary[@]}"
