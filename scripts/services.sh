#!/usr/bin/env bash
# Brings the local PostgreSQL and Redis that consolidb needs up on 127.0.0.1.
#
# Works on a fresh Debian/Ubuntu machine without systemd (containers, CI):
# installs the OS packages when missing, drives PostgreSQL through the Debian
# cluster tools (pg_lsclusters / pg_ctlcluster) and starts redis-server
# directly as a daemon. Safe to run again: a second `up` only checks.
#
#   scripts/services.sh up | down | status
#   scripts/services.sh pg-start | pg-stop | redis-start | redis-stop
#   scripts/services.sh redis-pause | redis-resume     (SIGSTOP / SIGCONT)
#   scripts/services.sh backup-up | backup-down   (only the backup cluster; `up`/`down` include it)
#   scripts/services.sh replica-up | replica-down | replica-drop   (only the read replica; REPLICA=1 `up`
#                                  includes it, `down` stops it, replica-drop removes it and its slot)
#   scripts/services.sh browser    (Debian's chromium + chromium-driver, for the browser tests)
#   scripts/services.sh kubectl    (Debian's kubernetes-client unpacked under .consolidb/tools, for
#                                   the manifest tests' `kubectl kustomize`; prints its path)
#
# `up` also brings up a second PostgreSQL cluster, `tls` on PG_TLS_PORT, that
# accepts the consolidb role over verified TLS only (hostssl), with a CA and a
# server certificate for localhost/127.0.0.1 made by scripts/certs.sh in
# PG_TLS_DIR; a second CA there (other-ca/ca.pem) signs nothing it serves.
# The TLS tests use them (docs/SECURITY.md "PostgreSQL TLS").
# `up` also starts a second Redis that speaks only TLS, with an ACL user and the
# default user disabled, for the Redis TLS tests (TLS_REDIS_PORT; certificates
# from scripts/certs.sh under the state dir).
#
# `up` also brings up a third PostgreSQL cluster, `backup` on PG_BACKUP_PORT, with WAL archived by
# pgBackRest (installed from the Debian package) into a repository under the state dir
# (stanza consolidb, repo1-retention-full BACKUP_RETENTION_FULL): `consolidb backup` and
# scripts/restore-drill.sh use it (docs/BACKUPS.md).
#
# REPLICA=1 `up` also brings up a fourth cluster, `replica` on PG_REPLICA_PORT (5443): a streaming
# hot standby of the main cluster (pg_basebackup -R, replication slot PG_REPLICA_SLOT), and writes
# DATABASE_READ_URL and TEST_READ_DATABASE_URL (docs/OPERATIONS.md "Read replicas").
#
# Environment: PGPORT (5432), REDIS_PORT (6379), TLS_REDIS_PORT (6391), SERVICES_TLS (1; 0 leaves
# the TLS PostgreSQL and Redis out), SERVICES_WAIT_SECONDS (30),
# PG_CLUSTER_NAME (the name of a cluster created for PGPORT; main, or consolidb when main exists),
# PG_TLS_PORT (5440), PG_BACKUP_PORT (5441), BACKUP_RETENTION_FULL (2), SERVICES_BACKUP (1; 0 leaves
# the backup cluster out), PG_TLS_DIR (the TLS cluster's CAs and certificates; /var/lib/consolidb-pgtls),
# CONSOLIDB_STATE_DIR (Redis pid/log/data; /var/lib/consolidb),
# SERVICES_ENV_FILE (where `up` writes the URLs).
# `up` prints the connection URLs and writes them to .consolidb/services.env
# at the repository root, where the tests find them.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_FILE="${SERVICES_ENV_FILE:-$REPO_ROOT/.consolidb/services.env}"

PGPORT="${PGPORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
TLS_REDIS_PORT="${TLS_REDIS_PORT:-6391}"
WAIT_SECONDS="${SERVICES_WAIT_SECONDS:-30}"
STATE_DIR="${CONSOLIDB_STATE_DIR:-/var/lib/consolidb}"
HOST=127.0.0.1
if ! [[ $PGPORT =~ ^[0-9]+$ && $REDIS_PORT =~ ^[0-9]+$ && $TLS_REDIS_PORT =~ ^[0-9]+$ ]]; then
  echo "PGPORT/REDIS_PORT/TLS_REDIS_PORT must be numbers" >&2
  exit 2
fi

# Fixed local development credentials for the local services and the tests (not a secret).
DB_USER=consolidb
DB_PASSWORD=consolidb
DATABASES=(consolidb consolidb_test consolidb_bench consolidb_bench_scale)
EXTENSIONS=(cube earthdistance)

REDIS_PIDFILE="$STATE_DIR/redis-$REDIS_PORT.pid"
REDIS_LOGFILE="$STATE_DIR/redis-$REDIS_PORT.log"
REDIS_DIR="$STATE_DIR/redis-$REDIS_PORT"

# The TLS Redis: its own directory (config, certificates, pid, log). Fixed local development
# credentials for the tests, like DB_PASSWORD (not a secret).
TLS_REDIS_DIR="$STATE_DIR/redis-tls-$TLS_REDIS_PORT"
TLS_REDIS_CERTS="$TLS_REDIS_DIR/certs"
TLS_REDIS_USER=consolidb
TLS_REDIS_PASSWORD=consolidb-tls

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

require_root() {
  [[ $EUID -eq 0 ]] && return 0
  if command -v sudo >/dev/null 2>&1; then
    log "not root: re-running with sudo"
    exec sudo -E PGPORT="$PGPORT" REDIS_PORT="$REDIS_PORT" "$0" "$@"
  fi
  die "must run as root (package installs, pg_ctlcluster, Redis state in $STATE_DIR)"
}

# ---------------------------------------------------------------- packages

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
  export DEBIAN_FRONTEND=noninteractive
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    apt-get update -q >/dev/null
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  apt-get install -y -q "$@" >/dev/null
}

pg_installed() {
  command -v pg_lsclusters >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1 &&
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

ensure_packages() {
  local missing=()
  pg_installed || missing+=(postgresql)
  { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; } ||
    missing+=(redis-server)
  if [[ ${#missing[@]} -gt 0 ]]; then
    apt_install "${missing[@]}"
  fi
  pg_installed || die "PostgreSQL still missing after install"
}

# ----------------------------------------------------------------- browser

# Debian's Chromium and its driver (the driver package pins the same browser version). Ubuntu's
# packages of these names only install a snap, which does not run without snapd: refuse them.
ensure_browser() {
  if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    log "browser: $(/usr/bin/chromedriver --version 2>/dev/null | awk '{print $1, $2}')"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install chromium and chromedriver yourself"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  APT_UPDATED=1
  local candidate
  candidate=$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ {print $2}')
  case "$candidate" in
    "" | "(none)" | *snap*)
      die "no Debian chromium package here (candidate '${candidate:-none}'): the browser tests need chromium and chromium-driver" ;;
  esac
  apt_install --no-install-recommends chromium chromium-driver
  [[ -x /usr/bin/chromedriver ]] || die "chromedriver still missing after install"
  log "browser: $(/usr/bin/chromedriver --version 2>/dev/null | awk '{print $1, $2}')"
}

# ----------------------------------------------------------------- kubectl

# The manifest tests render k8s/ with `kubectl kustomize`. Debian's kubernetes-client package is
# unpacked into the repository's .consolidb/tools rather than installed: an operator's own kubectl
# in /usr/bin (often newer) is left alone, and the tests always render with the same version.
KUBECTL_DIR="$REPO_ROOT/.consolidb/tools/kubernetes-client"
ensure_kubectl() {
  local kubectl="$KUBECTL_DIR/usr/bin/kubectl"
  if [[ ! -x $kubectl ]]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: the manifest tests need Debian's kubernetes-client"
    local download
    download=$(mktemp -d)
    # apt's sandbox user must be able to write where the package lands
    chmod 0777 "$download"
    export DEBIAN_FRONTEND=noninteractive
    if ! (cd "$download" && apt-get download -q kubernetes-client >/dev/null 2>&1); then
      apt-get update -q >/dev/null
      (cd "$download" && apt-get download -q kubernetes-client >/dev/null) ||
        die "apt-get download kubernetes-client failed"
    fi
    rm -rf "$KUBECTL_DIR"
    mkdir -p "$KUBECTL_DIR"
    dpkg-deb -x "$download"/kubernetes-client_*.deb "$KUBECTL_DIR"
    rm -rf "$download"
    [[ -x $kubectl ]] || die "no kubectl in Debian's kubernetes-client package"
  fi
  log "kubectl: $("$kubectl" version --client --short 2>/dev/null || "$kubectl" version --client 2>&1 | head -1)"
  echo "$kubectl"
}

# -------------------------------------------------------------- PostgreSQL

PG_VER=""
PG_NAME=""

# Sets PG_VER/PG_NAME to the cluster listening on $PGPORT; returns 1 if none.
find_cluster() {
  local ver name port _rest
  while read -r ver name port _rest; do
    if [[ "$port" == "$PGPORT" ]]; then
      PG_VER=$ver PG_NAME=$name
      return 0
    fi
  done < <(pg_lsclusters -h 2>/dev/null || true)
  return 1
}

newest_pg_version() {
  local dir ver best=""
  for dir in /usr/lib/postgresql/*/bin/postgres; do
    ver=${dir#/usr/lib/postgresql/}
    ver=${ver%%/*}
    if [[ -z "$best" ]] || (( ${ver%%.*} > ${best%%.*} )); then best=$ver; fi
  done
  [[ -n "$best" ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  echo "$best"
}

ensure_cluster() {
  find_cluster && return 0
  local ver name=${PG_CLUSTER_NAME:-main}
  ver=$(newest_pg_version)
  # Another cluster may already be called main (on another port).
  if [[ -z ${PG_CLUSTER_NAME:-} && -d "/etc/postgresql/$ver/main" ]]; then name=consolidb; fi
  log "creating PostgreSQL $ver cluster '$name' on port $PGPORT"
  pg_createcluster --port "$PGPORT" "$ver" "$name" >/dev/null
  find_cluster || die "cluster $ver/$name created but not listed on port $PGPORT"
}

pg_online() {
  pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VER" -v n="$PG_NAME" \
    '$1 == v && $2 == n && $4 ~ /^online/ { found = 1 } END { exit !found }'
}

pg_ready() { pg_isready -q -h "$HOST" -p "$PGPORT" -t 1 >/dev/null 2>&1; }

wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@"; do
    if (( SECONDS >= deadline )); then
      die "$what did not answer within ${WAIT_SECONDS}s"
    fi
    sleep 0.2
  done
}

pg_start() {
  ensure_cluster
  if ! pg_online; then
    log "starting PostgreSQL cluster $PG_VER/$PG_NAME on port $PGPORT"
    pg_ctlcluster "$PG_VER" "$PG_NAME" start
  fi
  wait_for "PostgreSQL on $HOST:$PGPORT" pg_ready
}

pg_stop() {
  if find_cluster && pg_online; then
    log "stopping PostgreSQL cluster $PG_VER/$PG_NAME"
    pg_ctlcluster "$PG_VER" "$PG_NAME" stop -m fast
  else
    log "PostgreSQL on port $PGPORT is not running"
  fi
}

# psql as the postgres superuser over the cluster's Unix socket (peer auth).
psql_su() {
  (cd / && env -u PGHOST -u PGUSER -u PGDATABASE -u PGPASSWORD \
    runuser -u postgres -- psql --cluster "$PG_VER/$PG_NAME" -X -q -v ON_ERROR_STOP=1 "$@")
}

tcp_login_works() {
  PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -At -h "$HOST" -p "$PGPORT" \
    -U "$DB_USER" -d "${DATABASES[0]}" -c 'SELECT 1' >/dev/null 2>&1
}

HBA_MARKER='# consolidb: password login over TCP on loopback (scripts/services.sh)'

# Debian's default pg_hba.conf already has `host all all 127.0.0.1/32
# scram-sha-256`; other setups may not. Only when the login fails do we put
# our own line first (first match wins) and reload.
ensure_tcp_password_auth() {
  tcp_login_works && return 0
  local hba
  hba=$(psql_su -At -c 'SHOW hba_file')
  if ! grep -qF "$HBA_MARKER" "$hba"; then
    log "adding a scram-sha-256 line for $DB_USER on $HOST to $hba"
    local tmp
    tmp=$(mktemp)
    {
      echo "$HBA_MARKER"
      echo "host    all    $DB_USER    $HOST/32    scram-sha-256"
      cat "$hba"
    } >"$tmp"
    cat "$tmp" >"$hba" # keep owner and mode of the original
    rm -f "$tmp"
    psql_su -c 'SELECT pg_reload_conf()' >/dev/null
    sleep 0.5
  fi
  tcp_login_works || die "password login as $DB_USER on $HOST:$PGPORT still fails; see pg_hba.conf ($hba)"
}

provision_pg() {
  # CREATEROLE: tests make short-lived login roles with passwords of their own (SecretsNeverLeakTest).
  # Always (re)set the password so it is hashed with the current
  # password_encryption (scram-sha-256) and matches the fixed dev password.
  psql_su -d postgres <<SQL
SET client_min_messages = warning;
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB CREATEROLE PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB CREATEROLE PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
SQL
  local db ext
  for db in "${DATABASES[@]}"; do
    psql_su -d postgres <<SQL
SELECT format('CREATE DATABASE %I OWNER %I', '$db', '$DB_USER')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \gexec
ALTER DATABASE $db OWNER TO $DB_USER;
SQL
    for ext in "${EXTENSIONS[@]}"; do
      # cube first: earthdistance depends on it. Needs superuser.
      psql_su -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS $ext"
    done
  done
}

# The extra clusters (backup, replica): each has a fixed name on its port.
# Sets the variable named $3 to the version of cluster $2 on port $1; returns 1 if no cluster
# listens there (and stops when another cluster does).
named_cluster_version() {
  local want_port=$1 want_name=$2 ver name port _rest
  while read -r ver name port _rest; do
    if [[ "$port" == "$want_port" ]]; then
      [[ "$name" == "$want_name" ]] || die "port $want_port is taken by cluster $ver/$name, not $want_name"
      printf -v "$3" '%s' "$ver"
      return 0
    fi
  done < <(pg_lsclusters -h 2>/dev/null || true)
  return 1
}

# Whether cluster $1/$2 is online.
named_cluster_online() {
  pg_lsclusters -h 2>/dev/null | awk -v v="$1" -v n="$2" '$1 == v && $2 == n && $4 ~ /^online/ { f = 1 } END { exit !f }'
}

# psql as the postgres superuser on cluster $1 (version/name) over its socket.
psql_cluster() {
  local cluster=$1; shift
  (cd / && env -u PGHOST -u PGUSER -u PGDATABASE -u PGPASSWORD     runuser -u postgres -- psql --cluster "$cluster" -X -q -v ON_ERROR_STOP=1 "$@")
}

# ------------------------------------------------------- PostgreSQL over TLS

PG_TLS_PORT="${PG_TLS_PORT:-5440}"
PG_TLS_DIR="${PG_TLS_DIR:-/var/lib/consolidb-pgtls}"
PG_TLS_NAME=tls
PG_TLS_DATABASE=consolidb_tls
PG_TLS_BENCH_DATABASE=consolidb_bench_tls
PG_TLS_VER=""
[[ $PG_TLS_PORT =~ ^[0-9]+$ ]] || { echo "PG_TLS_PORT must be a number" >&2; exit 2; }

# Sets PG_TLS_VER to the version of the cluster on $PG_TLS_PORT; returns 1 if none.
find_tls_cluster() {
  local ver name port _rest
  while read -r ver name port _rest; do
    if [[ "$port" == "$PG_TLS_PORT" ]]; then
      [[ "$name" == "$PG_TLS_NAME" ]] || die "port $PG_TLS_PORT is taken by cluster $ver/$name, not $PG_TLS_NAME"
      PG_TLS_VER=$ver
      return 0
    fi
  done < <(pg_lsclusters -h 2>/dev/null || true)
  return 1
}

# The CA, the server certificate and a second CA, issued once: the server keeps
# serving what a test run trusted, and a second `up` changes nothing. Readable by
# everyone but the keys: the tests may run as another user.
ensure_pg_tls_certs() {
  if [[ ! -f "$PG_TLS_DIR/localhost.pem" ]]; then
    log "issuing the TLS PostgreSQL's CA and server certificate in $PG_TLS_DIR"
    "$REPO_ROOT/scripts/certs.sh" --dir "$PG_TLS_DIR" localhost >/dev/null
  fi
  if [[ ! -f "$PG_TLS_DIR/other-ca/ca.pem" ]]; then
    "$REPO_ROOT/scripts/certs.sh" --dir "$PG_TLS_DIR/other-ca" wrong.example >/dev/null
  fi
  chmod 755 "$PG_TLS_DIR" "$PG_TLS_DIR/other-ca"
  chmod 644 "$PG_TLS_DIR/ca.pem" "$PG_TLS_DIR/other-ca/ca.pem"
}

psql_tls() {
  (cd / && env -u PGHOST -u PGUSER -u PGDATABASE -u PGPASSWORD \
    runuser -u postgres -- psql --cluster "$PG_TLS_VER/$PG_TLS_NAME" -X -q -v ON_ERROR_STOP=1 "$@")
}

pg_tls_ready() { pg_isready -q -h "$HOST" -p "$PG_TLS_PORT" -t 1 >/dev/null 2>&1; }

# Cluster `tls`: ssl on with our certificate; TCP logins only over TLS (no `host`
# line, so a plaintext attempt is refused); peer login for the postgres superuser
# on the Unix socket. Listens on 127.0.0.2 too: the certificate does not name
# that address, which is how the tests meet a host name that does not match.
pg_tls_start() {
  ensure_pg_tls_certs
  if ! find_tls_cluster; then
    local ver
    ver=$(newest_pg_version)
    log "creating PostgreSQL $ver cluster '$PG_TLS_NAME' on port $PG_TLS_PORT (TLS only)"
    pg_createcluster --port "$PG_TLS_PORT" "$ver" "$PG_TLS_NAME" >/dev/null
    find_tls_cluster || die "cluster $ver/$PG_TLS_NAME created but not listed on port $PG_TLS_PORT"
  fi
  local etc="/etc/postgresql/$PG_TLS_VER/$PG_TLS_NAME"
  install -o postgres -g postgres -m 644 "$PG_TLS_DIR/localhost.pem" "$etc/server.crt"
  install -o postgres -g postgres -m 600 "$PG_TLS_DIR/localhost-key.pem" "$etc/server.key"
  mkdir -p "$etc/conf.d"
  cat >"$etc/conf.d/consolidb-tls.conf" <<CONF
# scripts/services.sh: the TLS-only cluster of the tests
listen_addresses = '127.0.0.1,127.0.0.2'
ssl = on
ssl_cert_file = '$etc/server.crt'
ssl_key_file = '$etc/server.key'
ssl_min_protocol_version = 'TLSv1.2'
CONF
  # The one exception: the benchmark's own database there also takes plaintext, so that
  # pg_tls_vs_plain compares the two transports on one server (docs/BENCHMARKS.md).
  cat >"$etc/pg_hba.conf" <<HBA
# scripts/services.sh: TLS only over TCP (the benchmark's database excepted)
local   all   postgres                 peer
hostssl all   $DB_USER   127.0.0.0/8   scram-sha-256
hostnossl $PG_TLS_BENCH_DATABASE $DB_USER 127.0.0.1/32 scram-sha-256
HBA
  chown postgres:postgres "$etc/conf.d/consolidb-tls.conf" "$etc/pg_hba.conf"
  if pg_lsclusters -h | awk -v v="$PG_TLS_VER" -v n="$PG_TLS_NAME" '$1 == v && $2 == n && $4 ~ /^online/ { f = 1 } END { exit !f }'; then
    pg_ctlcluster "$PG_TLS_VER" "$PG_TLS_NAME" reload # certificates or access may have changed
  else
    log "starting PostgreSQL cluster $PG_TLS_VER/$PG_TLS_NAME on port $PG_TLS_PORT"
    pg_ctlcluster "$PG_TLS_VER" "$PG_TLS_NAME" start
  fi
  wait_for "PostgreSQL (TLS) on $HOST:$PG_TLS_PORT" pg_tls_ready
  provision_extra_cluster psql_tls "$PG_TLS_DATABASE"
  provision_extra_cluster psql_tls "$PG_TLS_BENCH_DATABASE"
}

# The consolidb role, one database it owns and the extensions, on the cluster of the TLS or the
# backup tests: $1 is the psql function that reaches that cluster as postgres, $2 the database.
provision_extra_cluster() {
  local psql_fn=$1 database=$2
  "$psql_fn" -d postgres <<SQL
SET client_min_messages = warning;
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
SELECT format('CREATE DATABASE %I OWNER %I', '$database', '$DB_USER')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$database') \gexec
SQL
  local ext
  for ext in "${EXTENSIONS[@]}"; do
    "$psql_fn" -d "$database" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS $ext"
  done
}

# ------------------------------------------------- PostgreSQL with pgBackRest

# Cluster `backup` on PG_BACKUP_PORT: WAL archiving (archive_mode needs a restart, which the
# shared cluster must never get) through pgBackRest into a repository directory under the state
# dir, stanza `consolidb`. `consolidb backup` and scripts/restore-drill.sh use it (docs/BACKUPS.md).
PG_BACKUP_PORT="${PG_BACKUP_PORT:-5441}"
PG_BACKUP_NAME=backup
PG_BACKUP_DATABASE=consolidb_backup
PG_BACKUP_VER=""
BACKUP_DIR="$STATE_DIR/pgbackrest"
BACKUP_CONFIG="$BACKUP_DIR/pgbackrest.conf"
BACKUP_STANZA=consolidb
BACKUP_RETENTION_FULL="${BACKUP_RETENTION_FULL:-2}"
[[ $PG_BACKUP_PORT =~ ^[0-9]+$ ]] || { echo "PG_BACKUP_PORT must be a number" >&2; exit 2; }
[[ $BACKUP_RETENTION_FULL =~ ^[0-9]+$ ]] || { echo "BACKUP_RETENTION_FULL must be a number" >&2; exit 2; }

# SERVICES_BACKUP=0 leaves the backup cluster out of up/down/status (scripts/chaos.sh).
backup_services() { [[ "${SERVICES_BACKUP:-1}" != 0 ]]; }

# Sets PG_BACKUP_VER to the version of the cluster on $PG_BACKUP_PORT; returns 1 if none.
find_backup_cluster() { named_cluster_version "$PG_BACKUP_PORT" "$PG_BACKUP_NAME" PG_BACKUP_VER; }

backup_online() { named_cluster_online "$PG_BACKUP_VER" "$PG_BACKUP_NAME"; }

psql_backup() { psql_cluster "$PG_BACKUP_VER/$PG_BACKUP_NAME" "$@"; }

# pgBackRest as the postgres OS user (it owns the data directory and the repository).
pgbackrest_as_postgres() {
  (cd / && runuser -u postgres -- pgbackrest --config="$BACKUP_CONFIG" --stanza="$BACKUP_STANZA" "$@")
}

pg_backup_ready() { pg_isready -q -h "$HOST" -p "$PG_BACKUP_PORT" -t 1 >/dev/null 2>&1; }

# The repository, its log directory and the configuration; rewritten on every `up` (same content
# unless a setting changed). Readable by everyone: `consolidb backup status` may run as another user.
backup_config() {
  install -d -o postgres -g postgres -m 750 "$BACKUP_DIR/repo"
  install -d -o postgres -g postgres -m 755 "$BACKUP_DIR" "$BACKUP_DIR/log"
  local tmp
  tmp=$(mktemp)
  cat >"$tmp" <<CONF
# scripts/services.sh: the local pgBackRest repository of the backup cluster
[global]
repo1-path=$BACKUP_DIR/repo
repo1-retention-full=$BACKUP_RETENTION_FULL
log-path=$BACKUP_DIR/log
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=lz4

[$BACKUP_STANZA]
pg1-path=/var/lib/postgresql/$PG_BACKUP_VER/$PG_BACKUP_NAME
pg1-port=$PG_BACKUP_PORT
pg1-socket-path=/var/run/postgresql
CONF
  install -o postgres -g postgres -m 644 "$tmp" "$BACKUP_CONFIG"
  rm -f "$tmp"
}

pg_backup_start() {
  command -v pgbackrest >/dev/null 2>&1 || apt_install pgbackrest
  if ! find_backup_cluster; then
    local ver
    ver=$(newest_pg_version)
    log "creating PostgreSQL $ver cluster '$PG_BACKUP_NAME' on port $PG_BACKUP_PORT (WAL archived by pgBackRest)"
    pg_createcluster --port "$PG_BACKUP_PORT" "$ver" "$PG_BACKUP_NAME" >/dev/null
    find_backup_cluster || die "cluster $ver/$PG_BACKUP_NAME created but not listed on port $PG_BACKUP_PORT"
  fi
  backup_config
  local etc="/etc/postgresql/$PG_BACKUP_VER/$PG_BACKUP_NAME"
  local conf="$etc/conf.d/consolidb-backup.conf" tmp
  mkdir -p "$etc/conf.d"
  tmp=$(mktemp)
  cat >"$tmp" <<CONF
# scripts/services.sh: WAL archiving through pgBackRest
listen_addresses = '127.0.0.1'
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$BACKUP_CONFIG --stanza=$BACKUP_STANZA archive-push %p'
archive_timeout = 60
max_wal_senders = 3
CONF
  local restart=0
  if ! cmp -s "$tmp" "$conf"; then
    install -o postgres -g postgres -m 644 "$tmp" "$conf"
    restart=1 # archive_mode and wal_level only change with a restart
  fi
  rm -f "$tmp"
  if backup_online && ((restart)); then
    log "restarting PostgreSQL cluster $PG_BACKUP_VER/$PG_BACKUP_NAME (archiving settings changed)"
    pg_ctlcluster "$PG_BACKUP_VER" "$PG_BACKUP_NAME" restart -m fast
  elif ! backup_online; then
    log "starting PostgreSQL cluster $PG_BACKUP_VER/$PG_BACKUP_NAME on port $PG_BACKUP_PORT"
    pg_ctlcluster "$PG_BACKUP_VER" "$PG_BACKUP_NAME" start
  fi
  wait_for "PostgreSQL (backup) on $HOST:$PG_BACKUP_PORT" pg_backup_ready
  provision_extra_cluster psql_backup "$PG_BACKUP_DATABASE"
  # stanza-create is idempotent; `check` proves a WAL segment reaches the repository.
  if ! pgbackrest_as_postgres info --output=json 2>/dev/null | grep -q '"status":{"code":[02]'; then
    log "pgbackrest stanza-create (stanza $BACKUP_STANZA, repository $BACKUP_DIR/repo)"
    pgbackrest_as_postgres stanza-create
  fi
  pgbackrest_as_postgres check || die "pgbackrest check failed: WAL archiving of $PG_BACKUP_VER/$PG_BACKUP_NAME does not reach $BACKUP_DIR/repo (see $BACKUP_DIR/log)"
}

pg_backup_stop() {
  if find_backup_cluster && backup_online; then
    log "stopping PostgreSQL cluster $PG_BACKUP_VER/$PG_BACKUP_NAME"
    pg_ctlcluster "$PG_BACKUP_VER" "$PG_BACKUP_NAME" stop -m fast
  else
    log "PostgreSQL (backup) on port $PG_BACKUP_PORT is not running"
  fi
}

# The lines of the environment file about the backup cluster.
backup_env_lines() {
  echo "TEST_BACKUP_DATABASE_URL=postgresql://$DB_USER:$DB_PASSWORD@$HOST:$PG_BACKUP_PORT/$PG_BACKUP_DATABASE"
  echo "TEST_BACKUP_PG_CLUSTER=$PG_BACKUP_VER/$PG_BACKUP_NAME"
  echo "TEST_PGBACKREST_CONFIG=$BACKUP_CONFIG"
  echo "TEST_PGBACKREST_STANZA=$BACKUP_STANZA"
}

# ------------------------------------------------------- PostgreSQL replica

# REPLICA=1: cluster `replica` on PG_REPLICA_PORT, a hot standby streaming from the main cluster
# ($PGPORT): `pg_basebackup -R` into a cluster of its own, with a physical replication slot on the
# primary (PG_REPLICA_SLOT) so the primary keeps the WAL the replica has not received yet. It
# replays every database of the primary. The primary is only ever reloaded (a replication line in
# its pg_hba.conf when none lets postgres in over the socket), never restarted. A second `up`
# keeps a healthy replica (online, in recovery, its WAL receiver streaming); a broken one is
# dropped and built again. `down` stops it and keeps the slot (WAL accumulates on the primary
# while it is down); `replica-drop` removes the cluster and the slot.
# 5443, not 5442: scripts/restore-drill.sh starts its scratch cluster on 5442
PG_REPLICA_PORT="${PG_REPLICA_PORT:-5443}"
PG_REPLICA_NAME=replica
PG_REPLICA_SLOT="${PG_REPLICA_SLOT:-consolidb_replica}"
PG_REPLICA_VER=""
[[ $PG_REPLICA_PORT =~ ^[0-9]+$ ]] || { echo "PG_REPLICA_PORT must be a number" >&2; exit 2; }
[[ $PG_REPLICA_SLOT =~ ^[a-z0-9_]+$ ]] || { echo "PG_REPLICA_SLOT must be lower-case letters, digits, _" >&2; exit 2; }

replica_services() { [[ "${REPLICA:-0}" != 0 ]]; }

# Sets PG_REPLICA_VER to the version of the cluster on $PG_REPLICA_PORT; returns 1 if none.
find_replica_cluster() { named_cluster_version "$PG_REPLICA_PORT" "$PG_REPLICA_NAME" PG_REPLICA_VER; }

replica_online() { named_cluster_online "$PG_REPLICA_VER" "$PG_REPLICA_NAME"; }

psql_replica() { psql_cluster "$PG_REPLICA_VER/$PG_REPLICA_NAME" "$@"; }

pg_replica_ready() { pg_isready -q -h "$HOST" -p "$PG_REPLICA_PORT" -t 1 >/dev/null 2>&1; }

# In recovery with its WAL receiver streaming from the primary (replay may be paused: still healthy).
replica_streaming() {
  [[ "$(psql_replica -At -d postgres -c "SELECT pg_is_in_recovery() AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')" 2>/dev/null)" == t ]]
}

replica_healthy() {
  find_replica_cluster || return 1
  if ! replica_online; then
    pg_ctlcluster "$PG_REPLICA_VER" "$PG_REPLICA_NAME" start 2>/dev/null || return 1
  fi
  # pg_ctlcluster start returns once it accepts connections; streaming follows within moments
  local deadline=$((SECONDS + WAIT_SECONDS))
  until pg_replica_ready && replica_streaming; do
    (( SECONDS < deadline )) || return 1
    sleep 0.2
  done
}

# The primary must let postgres replicate over its Unix socket (Debian's default pg_hba.conf
# does); otherwise one line first, and a reload (never a restart: the cluster is shared).
ensure_primary_replication() {
  local level
  level=$(psql_su -At -d postgres -c 'SHOW wal_level')
  [[ $level == replica || $level == logical ]] ||
    die "wal_level is '$level' on $PG_VER/$PG_NAME: a replica needs 'replica' (a restart, which this script never does)"
  [[ "$(psql_su -At -d postgres -c 'SHOW max_wal_senders')" != 0 ]] ||
    die "max_wal_senders is 0 on $PG_VER/$PG_NAME: a replica needs at least 1 (a restart)"
  if [[ "$(psql_su -At -d postgres -c "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'local' AND 'replication' = ANY(database) AND ('postgres' = ANY(user_name) OR 'all' = ANY(user_name))")" == 0 ]]; then
    local hba tmp
    hba=$(psql_su -At -c 'SHOW hba_file')
    log "adding a local replication line for postgres to $hba (reload)"
    tmp=$(mktemp)
    { echo '# consolidb: the local replica streams over the socket (scripts/services.sh)'
      echo 'local   replication   postgres   peer'
      cat "$hba"; } >"$tmp"
    cat "$tmp" >"$hba"
    rm -f "$tmp"
    psql_su -d postgres -c 'SELECT pg_reload_conf()' >/dev/null
    sleep 0.5
  fi
  psql_su -d postgres -c "SELECT pg_create_physical_replication_slot('$PG_REPLICA_SLOT') WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '$PG_REPLICA_SLOT')" >/dev/null
}

pg_replica_start() {
  if replica_healthy; then
    return 0
  fi
  ensure_primary_replication
  if find_replica_cluster; then
    log "PostgreSQL replica $PG_REPLICA_VER/$PG_REPLICA_NAME is broken: building it again"
    pg_dropcluster --stop "$PG_REPLICA_VER" "$PG_REPLICA_NAME"
  fi
  log "creating PostgreSQL $PG_VER cluster '$PG_REPLICA_NAME' on port $PG_REPLICA_PORT, a replica of $PG_VER/$PG_NAME"
  pg_createcluster --port "$PG_REPLICA_PORT" "$PG_VER" "$PG_REPLICA_NAME" >/dev/null
  find_replica_cluster || die "cluster $PG_VER/$PG_REPLICA_NAME created but not listed on port $PG_REPLICA_PORT"
  local data="/var/lib/postgresql/$PG_REPLICA_VER/$PG_REPLICA_NAME"
  local etc="/etc/postgresql/$PG_REPLICA_VER/$PG_REPLICA_NAME"
  # hot_standby_feedback off: with it on, the replica's xmin (reported every 10 s) holds back the
  # primary's vacuum horizon, so a VACUUM right after a load cannot mark pages all-visible and
  # the plan tests that expect index-only scans saw other plans. A replica read that conflicts
  # with recovery is cancelled instead, and the node runs it again on the primary.
  install -d -o postgres -g postgres "$etc/conf.d"
  printf '%s\n' '# scripts/services.sh: a hot standby for read-routing tests' 'hot_standby = on' \
    'hot_standby_feedback = off' >"$etc/conf.d/consolidb-replica.conf"
  chown postgres:postgres "$etc/conf.d/consolidb-replica.conf"
  find "$data" -mindepth 1 -delete
  (cd / && runuser -u postgres -- pg_basebackup -h /var/run/postgresql -p "$PGPORT" -D "$data" \
    -R -S "$PG_REPLICA_SLOT" -X stream -c fast) || die "pg_basebackup from $PG_VER/$PG_NAME failed"
  log "starting PostgreSQL replica $PG_REPLICA_VER/$PG_REPLICA_NAME on port $PG_REPLICA_PORT"
  pg_ctlcluster "$PG_REPLICA_VER" "$PG_REPLICA_NAME" start
  wait_for "PostgreSQL (replica) on $HOST:$PG_REPLICA_PORT" pg_replica_ready
  wait_for "the replica's WAL receiver" replica_streaming
}

pg_replica_stop() {
  if find_replica_cluster && replica_online; then
    log "stopping PostgreSQL replica $PG_REPLICA_VER/$PG_REPLICA_NAME"
    pg_ctlcluster "$PG_REPLICA_VER" "$PG_REPLICA_NAME" stop -m fast
  else
    log "PostgreSQL replica on port $PG_REPLICA_PORT is not running"
  fi
}

pg_replica_drop() {
  if find_replica_cluster; then
    log "dropping PostgreSQL replica $PG_REPLICA_VER/$PG_REPLICA_NAME"
    pg_dropcluster --stop "$PG_REPLICA_VER" "$PG_REPLICA_NAME"
  fi
  find_cluster && psql_su -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$PG_REPLICA_SLOT' AND NOT active" >/dev/null
}

# The lines of the environment file about the replica (its databases are the primary's).
replica_env_lines() {
  local base="postgresql://$DB_USER:$DB_PASSWORD@$HOST:$PG_REPLICA_PORT"
  echo "DATABASE_READ_URL=$base/${DATABASES[0]}"
  echo "TEST_READ_DATABASE_URL=$base/${DATABASES[1]}"
  echo "TEST_REPLICA_PG_CLUSTER=$PG_REPLICA_VER/$PG_REPLICA_NAME"
}

replica_status() {
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! find_replica_cluster; then
    echo "replica:    absent (no cluster on port $PG_REPLICA_PORT)"; return 3
  fi
  if ! pg_replica_ready; then
    echo "replica:    down ($PG_REPLICA_VER/$PG_REPLICA_NAME on $HOST:$PG_REPLICA_PORT)"; return 3
  fi
  local state
  state=$(psql_replica -At -d postgres -c "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'not streaming') || ', replayed ' || coalesce(pg_last_wal_replay_lsn()::text, '?') || CASE WHEN pg_is_wal_replay_paused() THEN ' (replay paused)' ELSE '' END" 2>/dev/null || echo '?')
  echo "replica:    up   ($PG_REPLICA_VER/$PG_REPLICA_NAME on $HOST:$PG_REPLICA_PORT, $state)"
}

# ------------------------------------------------------------------- Redis

# Bounded: a paused (SIGSTOP) server accepts the connection but never replies.
redis_cli() { timeout 3 redis-cli -h "$HOST" -p "$REDIS_PORT" "$@"; }

redis_ready() { [[ "$(redis_cli ping 2>/dev/null)" == "PONG" ]]; }

# Our pidfile first (answers even when the server is paused), else ask the
# server on the port (one started by someone else).
redis_pid() {
  local pid=""
  if [[ -f "$REDIS_PIDFILE" ]]; then
    pid=$(cat "$REDIS_PIDFILE")
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server* ]] || pid=""
  fi
  if [[ -z "$pid" ]]; then
    pid=$(redis_cli info server 2>/dev/null | awk -F: '/^process_id:/ { print $2 }' | tr -d '\r')
  fi
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

redis_start() {
  local pid
  if redis_ready; then
    return 0
  fi
  if pid=$(redis_pid); then
    die "Redis (pid $pid) on port $REDIS_PORT does not answer: paused? try 'redis-resume'"
  fi
  mkdir -p "$REDIS_DIR"
  log "starting redis-server on $HOST:$REDIS_PORT (log $REDIS_LOGFILE)"
  # No persistence: this is a cache for development and tests.
  redis-server --bind "$HOST" --port "$REDIS_PORT" --protected-mode yes \
    --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOGFILE" \
    --dir "$REDIS_DIR" --save '' --appendonly no
  wait_for "Redis on $HOST:$REDIS_PORT" redis_ready
}

redis_stop() {
  local pid
  if ! pid=$(redis_pid); then
    log "Redis on port $REDIS_PORT is not running"
    rm -f "$REDIS_PIDFILE"
    return 0
  fi
  log "stopping Redis (pid $pid)"
  kill -CONT "$pid" 2>/dev/null || true # a paused server cannot shut down
  redis_cli shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + WAIT_SECONDS))
  while kill -0 "$pid" 2>/dev/null; do
    (( SECONDS < deadline )) || die "Redis (pid $pid) did not stop within ${WAIT_SECONDS}s"
    sleep 0.1
  done
  rm -f "$REDIS_PIDFILE"
}

redis_signal() {
  local sig=$1 pid
  pid=$(redis_pid) || die "Redis on port $REDIS_PORT is not running"
  kill "-$sig" "$pid"
  log "sent SIG$sig to Redis (pid $pid)"
}

# --------------------------------------------------------------- TLS Redis

tls_redis_cli() {
  timeout 3 redis-cli -h "$HOST" -p "$TLS_REDIS_PORT" --tls --cacert "$TLS_REDIS_CERTS/ca.pem" \
    --user "$TLS_REDIS_USER" --pass "$TLS_REDIS_PASSWORD" --no-auth-warning "$@"
}

tls_redis_ready() { [[ "$(tls_redis_cli ping 2>/dev/null)" == "PONG" ]]; }

tls_redis_pid() {
  local pid
  [[ -f "$TLS_REDIS_DIR/redis.pid" ]] || return 1
  pid=$(cat "$TLS_REDIS_DIR/redis.pid")
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server* ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# A CA and a server certificate (SAN DNS:localhost, IP:127.0.0.1), made once; the directory is
# readable by the tests (the keys stay 600).
tls_redis_certs() {
  if [[ ! -f "$TLS_REDIS_CERTS/redis.pem" || ! -f "$TLS_REDIS_CERTS/redis-key.pem" ]]; then
    log "issuing the TLS Redis certificate in $TLS_REDIS_CERTS"
    "$REPO_ROOT/scripts/certs.sh" --dir "$TLS_REDIS_CERTS" redis >/dev/null
  fi
  chmod 755 "$TLS_REDIS_DIR" "$TLS_REDIS_CERTS"
}

# Only TLS (port 0), no client certificates; the default user is off, so only the ACL user
# gets in. Its rights are what consolidb needs: everything but the dangerous commands
# (FLUSHALL, KEYS, CONFIG, ...), plus INFO for `check`.
tls_redis_config() {
  cat <<CONF
bind $HOST
port 0
tls-port $TLS_REDIS_PORT
tls-cert-file $TLS_REDIS_CERTS/redis.pem
tls-key-file $TLS_REDIS_CERTS/redis-key.pem
tls-ca-cert-file $TLS_REDIS_CERTS/ca.pem
tls-auth-clients no
protected-mode yes
daemonize yes
pidfile $TLS_REDIS_DIR/redis.pid
logfile $TLS_REDIS_DIR/redis.log
dir $TLS_REDIS_DIR
save ""
appendonly no
user default off
user $TLS_REDIS_USER on >$TLS_REDIS_PASSWORD ~* &* +@all -@dangerous +info
CONF
}

tls_redis_start() {
  local pid
  tls_redis_ready && return 0
  if pid=$(tls_redis_pid); then
    die "the TLS Redis (pid $pid) on port $TLS_REDIS_PORT does not answer: see $TLS_REDIS_DIR/redis.log"
  fi
  mkdir -p "$TLS_REDIS_DIR"
  tls_redis_certs
  (umask 077 && tls_redis_config >"$TLS_REDIS_DIR/redis.conf")
  log "starting the TLS redis-server on $HOST:$TLS_REDIS_PORT (log $TLS_REDIS_DIR/redis.log)"
  redis-server "$TLS_REDIS_DIR/redis.conf" ||
    die "redis-server refused the TLS configuration (built without TLS?): see $TLS_REDIS_DIR/redis.log"
  wait_for "the TLS Redis on $HOST:$TLS_REDIS_PORT" tls_redis_ready
}

tls_redis_stop() {
  local pid
  if ! pid=$(tls_redis_pid); then
    log "the TLS Redis on port $TLS_REDIS_PORT is not running"
    return 0
  fi
  log "stopping the TLS Redis (pid $pid)"
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + WAIT_SECONDS))
  while kill -0 "$pid" 2>/dev/null; do
    (( SECONDS < deadline )) || die "the TLS Redis (pid $pid) did not stop within ${WAIT_SECONDS}s"
    sleep 0.1
  done
  rm -f "$TLS_REDIS_DIR/redis.pid"
}

# ------------------------------------------------------------------ output

write_env() {
  local base="postgresql://$DB_USER:$DB_PASSWORD@$HOST:$PGPORT"
  local redis="redis://$HOST:$REDIS_PORT"
  local lines=(
    "DATABASE_URL=$base/${DATABASES[0]}"
    "TEST_DATABASE_URL=$base/${DATABASES[1]}"
    "BENCH_DATABASE_URL=$base/${DATABASES[2]}"
    "SCALE_DATABASE_URL=$base/${DATABASES[3]}"
    "REDIS_URL=$redis"
    "TEST_REDIS_URL=$redis"
    "PG_CLUSTER=$PG_VER/$PG_NAME"
    "TEST_TLS_DATABASE_URL=postgresql://$DB_USER:$DB_PASSWORD@$HOST:$PG_TLS_PORT/$PG_TLS_DATABASE"
    "TEST_PG_TLS_CA=$PG_TLS_DIR/ca.pem"
    "BENCH_TLS_DATABASE_URL=postgresql://$DB_USER:$DB_PASSWORD@$HOST:$PG_TLS_PORT/$PG_TLS_BENCH_DATABASE"
    "TEST_PG_TLS_OTHER_CA=$PG_TLS_DIR/other-ca/ca.pem"
    "TEST_TLS_REDIS_URL=rediss://$TLS_REDIS_USER:$TLS_REDIS_PASSWORD@$HOST:$TLS_REDIS_PORT"
    "TEST_REDIS_TLS_CA=$TLS_REDIS_CERTS/ca.pem"
  )
  if backup_services; then
    mapfile -t -O "${#lines[@]}" lines < <(backup_env_lines)
  fi
  if replica_services; then
    mapfile -t -O "${#lines[@]}" lines < <(replica_env_lines)
  fi
  mkdir -p "$(dirname "$ENV_FILE")"
  printf '%s\n' "${lines[@]}" >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  if [[ -n "${SUDO_UID:-}" ]]; then
    chown "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$ENV_FILE" "$(dirname "$ENV_FILE")" || true
  fi
  printf '%s\n' "${lines[@]}"
  log "wrote $ENV_FILE"
}

# `backup-up` alone: replaces the backup lines of an existing environment file, keeps the rest.
merge_backup_env() {
  mkdir -p "$(dirname "$ENV_FILE")"
  { [[ -f $ENV_FILE ]] && grep -v -e '^TEST_BACKUP_' -e '^TEST_PGBACKREST_' "$ENV_FILE"; backup_env_lines; } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  backup_env_lines
  log "wrote the backup lines of $ENV_FILE"
}

backup_status() {
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! find_backup_cluster; then
    echo "backup:     absent (no cluster on port $PG_BACKUP_PORT)"; return 3
  fi
  if ! pg_backup_ready; then
    echo "backup:     down ($PG_BACKUP_VER/$PG_BACKUP_NAME on $HOST:$PG_BACKUP_PORT)"; return 3
  fi
  local archived
  archived=$(psql_backup -At -d postgres -c "SELECT archived_count || ' WAL archived, ' || failed_count || ' failed' FROM pg_stat_archiver" 2>/dev/null || echo '?')
  echo "backup:     up   ($PG_BACKUP_VER/$PG_BACKUP_NAME on $HOST:$PG_BACKUP_PORT, $archived, repository $BACKUP_DIR/repo)"
}

status() {
  local rc=0 pid
  if command -v pg_lsclusters >/dev/null 2>&1 && find_cluster; then
    if pg_ready; then
      echo "postgresql: up   ($PG_VER/$PG_NAME on $HOST:$PGPORT)"
    else
      echo "postgresql: down ($PG_VER/$PG_NAME on $HOST:$PGPORT)"; rc=3
    fi
  else
    echo "postgresql: absent (no cluster on port $PGPORT)"; rc=3
  fi
  if command -v redis-cli >/dev/null 2>&1 && redis_ready; then
    echo "redis:      up   ($HOST:$REDIS_PORT, pid $(redis_pid || echo '?'))"
  elif command -v redis-cli >/dev/null 2>&1 && pid=$(redis_pid); then
    echo "redis:      hung ($HOST:$REDIS_PORT, pid $pid does not answer; paused?)"; rc=3
  else
    echo "redis:      down ($HOST:$REDIS_PORT)"; rc=3
  fi
  if backup_services; then backup_status || rc=3; fi
  # the replica only when asked for, or when one exists
  if replica_services || { command -v pg_lsclusters >/dev/null 2>&1 && find_replica_cluster; }; then
    replica_status || rc=3
  fi
  return $rc
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

# SERVICES_TLS=0 leaves the TLS PostgreSQL and Redis out (scripts/chaos.sh: its own services on
# other ports need no second TLS pair, and must not touch the one the tests use).
tls_services() { [[ "${SERVICES_TLS:-1}" != 0 ]]; }

main() {
  local cmd=${1:-}
  case "$cmd" in
    up)
      require_root "$@"
      ensure_packages
      pg_start
      provision_pg
      ensure_tcp_password_auth
      if tls_services; then pg_tls_start; fi
      if backup_services; then pg_backup_start; fi
      if replica_services; then pg_replica_start; fi
      redis_start
      if tls_services; then tls_redis_start; fi
      write_env
      ;;
    down)
      require_root "$@"
      pg_stop
      redis_stop
      if tls_services; then tls_redis_stop; fi
      if backup_services; then pg_backup_stop; fi
      pg_replica_stop
      ;;
    status) status ;;
    backup-up) require_root "$@"; pg_backup_start; merge_backup_env ;;
    backup-down) require_root "$@"; pg_backup_stop ;;
    replica-up) require_root "$@"; pg_start; pg_replica_start; replica_env_lines ;;
    replica-down) require_root "$@"; pg_replica_stop ;;
    replica-drop) require_root "$@"; pg_replica_drop ;;
    browser) require_root "$@"; ensure_browser ;;
    kubectl) ensure_kubectl ;;
    pg-start) require_root "$@"; pg_start ;;
    pg-stop) require_root "$@"; pg_stop ;;
    redis-start) require_root "$@"; redis_start ;;
    redis-stop) require_root "$@"; redis_stop ;;
    redis-pause) require_root "$@"; redis_signal STOP ;;
    redis-resume) require_root "$@"; redis_signal CONT ;;
    *) usage ;;
  esac
}

main "$@"
