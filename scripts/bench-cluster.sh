#!/usr/bin/env bash
# One node vs three: wrk on GET /api/v1/restaurants/{id} (served from the node-local cache tier
# after the first read) against a 3-node cluster started by scripts/cluster.sh, in alternating
# rounds: all WRK_CONNECTIONS on node 1 ("one"), then the same connections split over nodes 1-3
# ("three", three wrk at once). Prints every round and the median ratio three / one.
#
#   scripts/bench-cluster.sh [ROUNDS] [SECONDS]     (3 rounds of 10 s)
#
# On a 2-core machine the three JVMs and wrk share the same cores: the ratio shows what spreading
# costs, not how a cluster scales. Its own state directory and ports (HTTP 8380+i, Hazelcast
# 5880+i, event bus 5980+i) keep it apart from a cluster started by hand. Needs wrk (installed
# from the OS packages when missing) and the database that scripts/services.sh starts, with data
# (a development node seeds demo restaurants into an empty table).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS="${1:-3}"
SECONDS_PER_ROUND="${2:-10}"
CONNECTIONS="${WRK_CONNECTIONS:-48}"
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $SECONDS_PER_ROUND =~ ^[1-9][0-9]*$ ]] || {
  echo "usage: scripts/bench-cluster.sh [ROUNDS] [SECONDS]" >&2; exit 2; }

if ! command -v wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
fi
export CLUSTER_STATE_DIR="${CLUSTER_STATE_DIR:-$PWD/target/bench-cluster}"
export CLUSTER_HTTP_BASE=8380 CLUSTER_HZ_BASE=5880 CLUSTER_EB_BASE=5980
trap 'scripts/cluster.sh down >/dev/null 2>&1 || true' EXIT
scripts/cluster.sh up 3 >/dev/null

url() { echo "http://127.0.0.1:$((CLUSTER_HTTP_BASE + $1))/api/v1/restaurants/$ID"; }
ID=$(curl -sf "http://127.0.0.1:$((CLUSTER_HTTP_BASE + 1))/api/v1/restaurants?city=New%20York&size=1" |
  grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
[[ -n $ID ]] || { echo "no restaurant to read: is the database seeded?" >&2; exit 1; }
for i in 1 2 3; do curl -sf -o /dev/null "$(url "$i")"; done # fill each node's local tier

rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
ones=() threes=()
for ((r = 1; r <= ROUNDS; r++)); do
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" "$(url 1)" >target/bench-cluster/one.txt
  one=$(rps target/bench-cluster/one.txt)
  for i in 1 2 3; do
    wrk -t1 -c$((CONNECTIONS / 3)) -d"${SECONDS_PER_ROUND}s" "$(url "$i")" >"target/bench-cluster/three-$i.txt" &
  done
  wait
  three=$(awk '/^Requests\/sec:/ {s += $2} END {printf "%.1f", s}' target/bench-cluster/three-*.txt)
  printf 'round %d: one node %s req/s, three nodes %s req/s\n' "$r" "$one" "$three"
  ones+=("$one") threes+=("$three")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
m1=$(median "${ones[@]}") m3=$(median "${threes[@]}")
printf 'median: one node %s req/s, three nodes %s req/s, three / one = %s\n' "$m1" "$m3" \
  "$(awk -v a="$m3" -v b="$m1" 'BEGIN {printf "%.3f", a / b}')"
