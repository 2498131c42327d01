#!/usr/bin/env bash
# The restore drill: proves that the pgBackRest repository can bring a database back to a point in
# time, table by table.
#
#   1. seeds the drill database (tables with rows) in the archived cluster, unless --database names
#      an existing one, which the drill then only reads;
#   2. takes a backup (pgbackrest backup --type=full, or --type);
#   3. writes more rows (WAL the restore must replay), then, with every table locked against writes,
#      creates a restore point (pg_create_restore_point) and records each table's row count and
#      checksum (md5 of its rows in text form, sorted);
#   4. writes, updates and deletes more rows (what the restore must NOT bring back), and waits until
#      the WAL holding the restore point is archived (pgbackrest check);
#   5. restores that backup into a scratch data directory with --type=name --target=<point>, starts
#      it on a scratch port (archiving off, Unix socket only) until it is promoted;
#   6. compares the count and checksum of every table with the recorded ones, prints a table, and
#      exits 1 on any mismatch (a table missing, added, or different); the scratch cluster is
#      stopped and removed whatever happens.
#
#   scripts/restore-drill.sh [--database NAME] [--type full|diff|incr] [--keep] [--self-test-mismatch]
#
# --keep leaves the scratch cluster's files (stopped) and the drill database for a look;
# --self-test-mismatch deletes one row of the first table in the restored copy before comparing,
# so the drill must fail: it proves the comparison sees a difference.
#
# Environment: PGBACKREST_CONFIG and PGBACKREST_STANZA (else TEST_PGBACKREST_CONFIG and
# TEST_PGBACKREST_STANZA from .consolidb/services.env, written by scripts/services.sh up),
# DRILL_PG_CLUSTER (the archived cluster, version/name; else TEST_BACKUP_PG_CLUSTER),
# DRILL_PORT (the scratch cluster's port, 5442), DRILL_ROWS (rows per table at the start, 5000).
# Runs as root (pgBackRest and PostgreSQL run as postgres). Exit 0 all tables match, 1 a mismatch,
# 2 bad usage, 3 a step failed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_FILE="${SERVICES_ENV_FILE:-$REPO_ROOT/.consolidb/services.env}"
DRILL_DB_DEFAULT=consolidb_drill
DATABASE=$DRILL_DB_DEFAULT
TYPE=full
KEEP=0
TAMPER=0

log() { printf '[drill] %s\n' "$*" >&2; }
fail() { printf '[drill] FAILED: %s\n' "$*" >&2; exit 3; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --database) DATABASE=${2:?}; shift 2 ;;
    --type) TYPE=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --self-test-mismatch) TAMPER=1; shift ;;
    *) usage ;;
  esac
done
[[ $TYPE =~ ^(full|diff|incr)$ ]] || usage
[[ $DATABASE =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "--database: a plain lower-case name" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "run as root (pgBackRest and PostgreSQL run as postgres)" >&2; exit 2; }

env_value() { [[ -f $ENV_FILE ]] && sed -n "s/^$1=//p" "$ENV_FILE" | tail -1; }
CONFIG=${PGBACKREST_CONFIG:-$(env_value TEST_PGBACKREST_CONFIG)}
STANZA=${PGBACKREST_STANZA:-$(env_value TEST_PGBACKREST_STANZA)}
CLUSTER=${DRILL_PG_CLUSTER:-$(env_value TEST_BACKUP_PG_CLUSTER)}
SCRATCH_PORT=${DRILL_PORT:-5442}
ROWS=${DRILL_ROWS:-5000}
[[ -n $CONFIG && -n $STANZA && -n $CLUSTER ]] ||
  fail "no pgBackRest configuration, stanza or cluster: run scripts/services.sh up (or set PGBACKREST_CONFIG, PGBACKREST_STANZA, DRILL_PG_CLUSTER)"
[[ $SCRATCH_PORT =~ ^[0-9]+$ && $ROWS =~ ^[0-9]+$ ]] || { echo "DRILL_PORT and DRILL_ROWS must be numbers" >&2; exit 2; }

VER=${CLUSTER%%/*}
PORT=$(pg_lsclusters -h | awk -v v="$VER" -v n="${CLUSTER#*/}" '$1 == v && $2 == n { print $3 }')
[[ -n $PORT ]] || fail "no PostgreSQL cluster $CLUSTER"
BIN=/usr/lib/postgresql/$VER/bin
SCRATCH=""
WORK=$(mktemp -d) # the recorded and restored fingerprints
POINT="drill-$(date -u +%Y%m%dT%H%M%S)-$$"
STARTED=$SECONDS

as_postgres() { (cd / && runuser -u postgres -- "$@"); }
pgbackrest() { as_postgres pgbackrest --config="$CONFIG" --stanza="$STANZA" "$@"; }
# psql on the archived cluster (Unix socket, peer authentication as postgres)
sql() { local db=$1; shift; PGOPTIONS='-c client_min_messages=warning' as_postgres psql -X -q -At -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$PORT" -d "$db" "$@"; }
# psql on the scratch cluster
scratch_sql() { local db=$1; shift; PGOPTIONS='-c client_min_messages=warning' as_postgres psql -X -q -At -v ON_ERROR_STOP=1 -h "$SCRATCH" -p "$SCRATCH_PORT" -d "$db" "$@"; }

cleanup() {
  local rc=$?
  rm -rf "$WORK"
  if [[ -n $SCRATCH && -d $SCRATCH ]]; then
    if [[ -f $SCRATCH/data/postmaster.pid ]]; then
      as_postgres "$BIN/pg_ctl" -D "$SCRATCH/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    if ((KEEP)); then
      log "kept the scratch cluster's files in $SCRATCH"
    else
      rm -rf "$SCRATCH"
    fi
  fi
  if [[ $DATABASE == "$DRILL_DB_DEFAULT" ]] && ((!KEEP)); then
    sql postgres -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  exit $rc
}
trap cleanup EXIT

pg_isready -q -h /var/run/postgresql -p "$PORT" -t 5 || fail "the archived cluster $CLUSTER (port $PORT) is not running"
if pg_isready -q -h 127.0.0.1 -p "$SCRATCH_PORT" -t 1 >/dev/null 2>&1; then
  fail "port $SCRATCH_PORT is taken: set DRILL_PORT to a free port"
fi

# Every ordinary table of the database, as schema.table, system schemas left out.
TABLES_SQL="SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_%' ORDER BY 1"

# One line per table: name|rows|checksum. The checksum is the md5 of every row's text form, sorted
# by that text, so it needs no knowledge of keys.
fingerprint() {
  local run=$1 db=$2 table
  while read -r table; do
    [[ -n $table ]] || continue
    "$run" "$db" -c "SELECT '$table' || '|' || count(*) || '|' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM $table t"
  done < <("$run" "$db" -c "$TABLES_SQL")
}

# ---------------------------------------------------------------------- 1. seed
if [[ $DATABASE == "$DRILL_DB_DEFAULT" ]]; then
  log "seeding $DATABASE in $CLUSTER: 3 tables, $ROWS rows each"
  sql postgres -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" -c "CREATE DATABASE $DATABASE"
  sql "$DATABASE" <<SQL
SET client_min_messages = warning;
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id bigint PRIMARY KEY, name text NOT NULL, city text);
CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES shop.customers, amount numeric(12, 2) NOT NULL, placed timestamptz NOT NULL);
CREATE TABLE public.events (id bigserial PRIMARY KEY, kind text NOT NULL, payload jsonb);
INSERT INTO shop.customers SELECT g, 'customer ' || g, (ARRAY['Lyon', 'Porto', 'Turin'])[1 + g % 3]
  FROM generate_series(1, $ROWS) g;
INSERT INTO shop.orders (customer_id, amount, placed)
  SELECT 1 + g % $ROWS, (g % 997) / 10.0, timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, $ROWS) g;
INSERT INTO public.events (kind, payload) SELECT 'seed', jsonb_build_object('n', g) FROM generate_series(1, $ROWS) g;
SQL
else
  sql postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1 || fail "no database $DATABASE in $CLUSTER"
  log "reading $DATABASE in $CLUSTER (no rows written)"
fi

# -------------------------------------------------------------------- 2. backup
log "pgbackrest backup --type=$TYPE (stanza $STANZA)"
pgbackrest --type="$TYPE" backup || fail "pgbackrest backup failed (see its log directory)"
# the newest backup is listed last ("full backup: 20261205-101500F")
LABEL=$(pgbackrest info | awk '/ backup: / { label = $3 } END { print label }')
[[ -n $LABEL ]] || fail "pgbackrest info lists no backup"
log "backup $LABEL"

# --------------------------------------------- 3. more rows, restore point, record
if [[ $DATABASE == "$DRILL_DB_DEFAULT" ]]; then
  sql "$DATABASE" -c "INSERT INTO shop.orders (customer_id, amount, placed)
      SELECT 1 + g % $ROWS, 1.5, now() FROM generate_series(1, 500) g" \
    -c "UPDATE shop.customers SET city = 'Bergen' WHERE id % 10 = 0" \
    -c "INSERT INTO public.events (kind, payload) SELECT 'after-backup', '{}' FROM generate_series(1, 250)"
fi
# The locks (SHARE: reads go on, writes wait) make the recorded state exactly the state at the
# restore point, even with other writers.
RECORDED=$(mktemp "$WORK/recorded.XXXXXX")
{
  echo "BEGIN;"
  sql "$DATABASE" -c "$TABLES_SQL" | sed 's/.*/LOCK TABLE & IN SHARE MODE;/'
  echo "SELECT 'point|' || pg_create_restore_point('$POINT') || '|' || now();"
  sql "$DATABASE" -c "$TABLES_SQL" | while read -r table; do
    echo "SELECT '$table' || '|' || count(*) || '|' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM $table t;"
  done
  echo "COMMIT;"
} | sql "$DATABASE" >"$RECORDED" || fail "recording the tables at the restore point failed"
POINT_LSN=$(awk -F'|' '$1 == "point" { print $2 }' "$RECORDED")
POINT_TIME=$(awk -F'|' '$1 == "point" { print $3 }' "$RECORDED")
sed -i '/^point|/d' "$RECORDED"
log "restore point $POINT at $POINT_LSN ($POINT_TIME): $(wc -l <"$RECORDED") table(s) recorded"

# ------------------------------------------------ 4. writes the restore must not see
if [[ $DATABASE == "$DRILL_DB_DEFAULT" ]]; then
  sql "$DATABASE" -c "INSERT INTO shop.orders (customer_id, amount, placed) SELECT 1, 99.99, now() FROM generate_series(1, 300)" \
    -c "UPDATE shop.orders SET amount = amount + 1 WHERE id % 7 = 0" \
    -c "DELETE FROM public.events WHERE id % 5 = 0" \
    -c "CREATE TABLE public.late (id int)"
fi
pgbackrest check >/dev/null || fail "pgbackrest check: the WAL with the restore point did not reach the repository"

# ------------------------------------------------------------------- 5. restore
SCRATCH=$(mktemp -d /var/tmp/consolidb-drill.XXXXXX)
chown postgres:postgres "$SCRATCH"
chmod 700 "$SCRATCH"
log "pgbackrest restore --set=$LABEL --type=name --target=$POINT into $SCRATCH/data"
pgbackrest restore --set="$LABEL" --pg1-path="$SCRATCH/data" --type=name --target="$POINT" \
  --target-action=promote --archive-mode=off >/dev/null || fail "pgbackrest restore failed"
# The Debian cluster keeps its configuration in /etc, outside the backup: the scratch cluster gets
# its own, local socket only.
as_postgres tee "$SCRATCH/data/postgresql.conf" >/dev/null <<CONF
port = $SCRATCH_PORT
listen_addresses = ''
unix_socket_directories = '$SCRATCH'
archive_mode = off
shared_buffers = 32MB
CONF
printf 'local all postgres peer\n' | as_postgres tee "$SCRATCH/data/pg_hba.conf" >/dev/null
as_postgres touch "$SCRATCH/data/pg_ident.conf"
as_postgres "$BIN/pg_ctl" -D "$SCRATCH/data" -l "$SCRATCH/postgresql.log" -w -t 120 start >/dev/null ||
  { tail -n 20 "$SCRATCH/postgresql.log" >&2; fail "the restored cluster did not start"; }
deadline=$((SECONDS + 120))
until [[ $(scratch_sql postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null) == f ]]; do
  ((SECONDS < deadline)) || { tail -n 20 "$SCRATCH/postgresql.log" >&2; fail "the restored cluster was not promoted within 120 s"; }
  sleep 0.2
done
REACHED=$(grep -o 'recovery stopping at restore point[^,]*' "$SCRATCH/postgresql.log" | tail -1 || true)
log "restored cluster up on $SCRATCH (port $SCRATCH_PORT): ${REACHED:-recovery done}"

# ------------------------------------------------------------------- 6. compare
if ((TAMPER)); then
  first=$(head -1 "$RECORDED" | cut -d'|' -f1)
  log "self-test: deleting one row of $first in the restored copy"
  scratch_sql "$DATABASE" -c "DELETE FROM $first WHERE ctid = (SELECT ctid FROM $first LIMIT 1)" >/dev/null
fi
RESTORED=$WORK/restored
NOW=$WORK/now
NAMES=$WORK/names
fingerprint scratch_sql "$DATABASE" >"$RESTORED"
fingerprint sql "$DATABASE" >"$NOW"

# table|rows|md5 lines of the three states, joined by table name: a table missing or added is a
# mismatch too.
cut -d'|' -f1 "$RECORDED" "$RESTORED" | sort -u >"$NAMES"
set +e
awk -F'|' '
  FILENAME == ARGV[1] { rec[$1] = $2; recmd5[$1] = $3; nrec++ }
  FILENAME == ARGV[2] { res[$1] = $2; resmd5[$1] = $3; nres++ }
  FILENAME == ARGV[3] { now[$1] = $2 }
  FILENAME == ARGV[4] { sorted[++n] = $1 }
  END {
    printf "%-22s %13s %9s %9s  %s\n", "table", "rows at point", "restored", "live now", "checksum at point -> restored"
    for (i = 1; i <= n; i++) {
      t = sorted[i]
      ok = (t in rec) && (t in res) && rec[t] == res[t] && recmd5[t] == resmd5[t]
      bad += !ok
      verdict = ok ? "ok " recmd5[t] : "MISMATCH " ((t in rec) ? recmd5[t] : "(absent)") " -> " ((t in res) ? resmd5[t] : "(absent)")
      printf "%-22s %13s %9s %9s  %s\n", t, (t in rec) ? rec[t] : "-", (t in res) ? res[t] : "-", (t in now) ? now[t] : "-", verdict
    }
    printf "%d table(s) recorded, %d restored, %d mismatch(es)\n", nrec, nres, bad
    exit bad ? 1 : 0
  }' "$RECORDED" "$RESTORED" "$NOW" "$NAMES"
rc=$?
set -e
log "restore drill $( ((rc == 0)) && echo passed || echo FAILED) in $((SECONDS - STARTED)) s (backup $LABEL, restore point $POINT)"
exit $rc
