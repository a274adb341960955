#!/usr/bin/env bash
# Writes throwaway TLS material for the security tests into DIR:
#   ca.pem                      the test CA
#   server.pem, server.key      server certificate (SAN IP:127.0.0.1, DNS:localhost) from ca
#   client.pem, client.key      client certificate, subject CN=alice, from ca
#   other-ca.pem                an unrelated CA
#   other-client.pem/.key       client certificate, CN=mallory, from other-ca
# Keys are EC P-256 (fast to make). Usage: make_test_certs.sh DIR
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"

new_ca() {  # name cn
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" 2>/dev/null
}

new_cert() {  # name cn ca ext
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

new_ca ca "eventlog test CA"
new_ca other-ca "unrelated test CA"
new_cert server localhost ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
new_cert client alice ca "extendedKeyUsage=clientAuth"
new_cert other-client mallory other-ca "extendedKeyUsage=clientAuth"
