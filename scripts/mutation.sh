#!/usr/bin/env bash
# Mutation testing with PIT (not part of the default test run): for each package, mutates its
# classes and runs the tests of the same package (integration tests included, against the real
# PostgreSQL and Redis that scripts/services.sh brings up). Prints the share of mutants killed per
# package; reports (HTML, CSV) in target/pit-reports/<package>/.
#
#   scripts/mutation.sh [package ...]
#     default packages: query cache http config health restaurant user analytics service
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=("$@")
if [[ ${#packages[@]} -eq 0 ]]; then
  packages=(query cache http config health restaurant user analytics service)
fi
scripts/services.sh up
./mvnw -B -q -P mutation test-compile

summary=()
for p in "${packages[@]}"; do
  if [[ ! $p =~ ^[a-z.]+$ ]]; then
    echo "not a package name: $p" >&2
    exit 2
  fi
  out="target/pit-reports/$p"
  ./mvnw -B -q -P mutation org.pitest:pitest-maven:mutationCoverage \
    -DtargetClasses="io.consolidb.$p.*" -DtargetTests="io.consolidb.$p.*" -DreportsDirectory="$out"
  # mutations.csv: file, class, mutator, method, line, status, killing test
  summary+=("$(awk -F, -v p="$p" '{ total++; if ($6 == "KILLED" || $6 == "TIMED_OUT" || $6 == "MEMORY_ERROR") killed++ }
    END { printf "%-12s %4d mutants, %4d killed: %5.1f %%\n", p, total, killed, total ? 100 * killed / total : 0 }' \
    "$out/mutations.csv")")
done
printf '%s\n' "${summary[@]}"
