#!/usr/bin/env bash
# Makes the development CA and signing key once, in dev-keys/ beside this
# script (git-ignored), for tests and development images only: bundle.sh
# signs with them and build.sh puts the CA into the image as the keyring
# when no RAUC_KEY / RAUC_KEYRING is given.
set -euo pipefail
keys=$(cd "$(dirname "$0")" && pwd)/dev-keys
[ -f "$keys/dev.key.pem" ] && [ -f "$keys/ca.cert.pem" ] && exit 0
echo "dev-keys.sh: making a development CA and signing key in $keys (git-ignored; for tests only)" >&2
mkdir -p "$keys"
openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/O=danbib kiosk/CN=development CA" \
	-keyout "$keys/ca.key.pem" -out "$keys/ca.cert.pem" 2>/dev/null
openssl req -newkey rsa:3072 -nodes -subj "/O=danbib kiosk/CN=development signing key" \
	-keyout "$keys/dev.key.pem" -out "$keys/dev.csr.pem" 2>/dev/null
openssl x509 -req -in "$keys/dev.csr.pem" -CA "$keys/ca.cert.pem" -CAkey "$keys/ca.key.pem" \
	-CAcreateserial -days 3650 -out "$keys/dev.cert.pem" 2>/dev/null
chmod 0600 "$keys"/*.key.pem
