#!/usr/bin/env bash
# Issues a development CA and node certificates for the event bus's mutual TLS
# (CLUSTER_TLS_CERT / CLUSTER_TLS_KEY / CLUSTER_TLS_CA).
#
#   scripts/certs.sh [--dir DIR] [--days N] NAME...
#
# DIR defaults to .consolidb/certs at the repository root (git-ignored). The CA
# (ca.pem, ca-key.pem; valid 10 years) is created once and reused. Each NAME
# gets NAME.pem and NAME-key.pem (EC P-256, unencrypted PKCS#8, mode 600),
# signed by the CA, valid N days (825), for both serverAuth and clientAuth:
# every member is a TLS server and a TLS client of the others. The
# subjectAltName holds DNS:NAME, DNS:localhost, IP:127.0.0.1 and the entries of
# CERT_SANS (comma-separated, e.g. DNS:consolidb-0.consolidb-cluster,IP:10.0.0.5).
# Running it again for a name re-issues that name (new key). Prints the paths
# it wrote, one a line. Development only: the CA key sits next to the certificates.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$REPO_ROOT/.consolidb/certs"
DAYS=825
CA_DAYS=3650
CA_SUBJECT="/O=consolidb/CN=consolidb development CA"

log() { printf '[certs] %s\n' "$*" >&2; }
die() { printf '[certs] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

ensure_openssl() {
  command -v openssl >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "openssl not found and no apt-get: install openssl yourself"
  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "openssl not found: install the openssl package (needs root)"
    sudo=(sudo)
  fi
  log "apt-get install -y openssl"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >/dev/null
  command -v openssl >/dev/null 2>&1 || die "openssl still missing after install"
}

# The extra subjectAltName entries of CERT_SANS, validated, as ", A, B" (empty when none).
extra_sans() {
  local raw=${CERT_SANS:-} entry out=""
  local entries=()
  IFS=',' read -r -a entries <<<"$raw"
  for entry in "${entries[@]}"; do
    entry="${entry#"${entry%%[![:space:]]*}"}"
    entry="${entry%"${entry##*[![:space:]]}"}"
    [[ -z "$entry" ]] && continue
    [[ $entry =~ ^(DNS|IP|URI|email):[^[:space:],]+$ ]] ||
      die "CERT_SANS entry '$entry' must look like DNS:host, IP:address, URI:uri or email:address"
    out+=", $entry"
  done
  printf '%s' "$out"
}

# A self-contained OpenSSL configuration, so that the system's openssl.cnf
# (whose default extensions differ between versions) adds nothing.
write_config() {
  local file=$1 name=${2:-} sans=${3:-}
  {
    echo '[req]'
    echo 'distinguished_name = dn'
    echo 'prompt = no'
    echo '[dn]'
    echo '[v3_ca]'
    echo 'basicConstraints = critical, CA:TRUE, pathlen:0'
    echo 'keyUsage = critical, keyCertSign, cRLSign'
    echo 'subjectKeyIdentifier = hash'
    if [[ -n "$name" ]]; then
      echo '[v3_node]'
      echo 'basicConstraints = critical, CA:FALSE'
      echo 'keyUsage = critical, digitalSignature'
      echo 'extendedKeyUsage = serverAuth, clientAuth'
      echo "subjectAltName = DNS:$name, DNS:localhost, IP:127.0.0.1$sans"
      echo 'subjectKeyIdentifier = hash'
      echo 'authorityKeyIdentifier = keyid, issuer'
    fi
  } >"$file"
}

# EC P-256; genpkey writes unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), which
# Vert.x's PemKeyCertOptions reads.
new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

random_serial() { echo "0x$(openssl rand -hex 16)"; }

ensure_ca() {
  local ca="$DIR/ca.pem" ca_key="$DIR/ca-key.pem"
  if [[ -f "$ca" && -f "$ca_key" ]]; then
    log "reusing the CA in $ca"
    return 0
  fi
  if [[ -f "$ca" || -f "$ca_key" ]]; then
    die "only one of ca.pem and ca-key.pem is in $DIR: remove it (and every certificate it signed) to start a new CA"
  fi
  local conf="$WORK/ca.cnf"
  write_config "$conf"
  new_key "$WORK/ca-key.pem"
  openssl req -config "$conf" -new -x509 -sha256 -days "$CA_DAYS" -key "$WORK/ca-key.pem" \
    -subj "$CA_SUBJECT" -extensions v3_ca -set_serial "$(random_serial)" -out "$WORK/ca.pem"
  mv "$WORK/ca-key.pem" "$ca_key"
  mv "$WORK/ca.pem" "$ca"
  chmod 644 "$ca"
  echo "$ca"
  echo "$ca_key"
}

issue() {
  local name=$1 sans=$2
  local conf="$WORK/$name.cnf" key="$WORK/$name-key.pem" csr="$WORK/$name.csr" cert="$WORK/$name.pem"
  write_config "$conf" "$name" "$sans"
  new_key "$key"
  openssl req -config "$conf" -new -sha256 -key "$key" -subj "/O=consolidb/CN=$name" -out "$csr"
  openssl x509 -req -sha256 -days "$DAYS" -in "$csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca-key.pem" \
    -set_serial "$(random_serial)" -extfile "$conf" -extensions v3_node -out "$cert" 2>/dev/null
  # A CA key that does not belong to ca.pem would sign certificates nobody accepts.
  openssl verify -purpose sslserver -CAfile "$DIR/ca.pem" "$cert" >/dev/null ||
    die "$name.pem does not verify against $DIR/ca.pem (do ca.pem and ca-key.pem belong together?)"
  openssl verify -purpose sslclient -CAfile "$DIR/ca.pem" "$cert" >/dev/null ||
    die "$name.pem is not accepted as a TLS client certificate"
  mv "$key" "$DIR/$name-key.pem"
  mv "$cert" "$DIR/$name.pem"
  chmod 644 "$DIR/$name.pem"
  echo "$DIR/$name.pem"
  echo "$DIR/$name-key.pem"
}

main() {
  local names=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) [[ $# -ge 2 ]] || usage; DIR=$2; shift 2 ;;
      --dir=*) DIR=${1#--dir=}; shift ;;
      --days) [[ $# -ge 2 ]] || usage; DAYS=$2; shift 2 ;;
      --days=*) DAYS=${1#--days=}; shift ;;
      -h | --help) usage ;;
      -*) log "unknown option $1"; usage ;;
      *) names+=("$1"); shift ;;
    esac
  done
  [[ ${#names[@]} -gt 0 ]] || usage
  [[ $DAYS =~ ^[1-9][0-9]*$ ]] || die "--days must be a positive number of days, not '$DAYS'"
  local name
  for name in "${names[@]}"; do
    # The name is a file name and a DNS subjectAltName.
    [[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ && $name != ca ]] ||
      die "name '$name' must be a host name (letters, digits, '.', '-'), and not 'ca'"
  done
  local sans
  sans=$(extra_sans)

  ensure_openssl
  umask 077
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  WORK=$(mktemp -d "$DIR/.work.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT

  ensure_ca
  for name in "${names[@]}"; do
    issue "$name" "$sans"
  done
}

main "$@"
