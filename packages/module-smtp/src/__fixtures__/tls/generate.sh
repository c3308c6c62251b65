#!/bin/sh
# Regenerates the test certificates (valid 100 years): a CA, a server certificate it signs for
# localhost, 127.0.0.1, ::1 and 127.77.12.34 (the SMTP_HOST canary of the tests), and one it signs for
# mail.example.test only (for the hostname check). The CA's key is thrown away. Run in this directory.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ca-key.pem" -out ca.pem \
  -days 36500 -subj "/CN=scoped-mcp test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
issue() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1-key.pem" -out "$tmp/$1.csr" -subj "/CN=$2"
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n' "$3" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey "$tmp/ca-key.pem" -CAcreateserial -CAserial "$tmp/ca.srl" \
    -out "$1.pem" -days 36500 -extfile "$tmp/$1.ext"
}
issue localhost localhost 'DNS:localhost,IP:127.0.0.1,IP:::1,IP:127.77.12.34'
issue wrong-host mail.example.test 'DNS:mail.example.test'
