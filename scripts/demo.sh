#!/usr/bin/env bash
# omnitls — the main job: build omnitls, start an omnitls TLS server on
# localhost with the test PKI, connect an omnitls client to it and print the
# negotiated connection as JSON (Node.js property names).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset all >/dev/null
cmake --build --preset all -j"$jobs" >/dev/null

bin=build/all/apps
pki=build/all/demo-pki
tests/fixtures/gen-pki.sh "$pki"

backend=${OMNITLS_DEMO_BACKEND:-openssl}
out=$(mktemp)
trap 'kill "$srv" 2>/dev/null || true; rm -f "$out" "$out.err"' EXIT
"$bin/omnitls-$backend" s_server -accept 127.0.0.1:0 -cert "$pki/server-rsa-chain.pem" \
  -key "$pki/server-rsa.key" -www -naccept 1 >"$out" 2>"$out.err" &
srv=$!
for _ in $(seq 100); do
  grep -q '^ACCEPT' "$out" && break
  sleep 0.05
done
port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$out" | head -n1)
echo "omnitls ($backend) server listening on 127.0.0.1:$port"
printf 'GET / HTTP/1.0\r\n\r\n' |
  timeout 20 "$bin/omnitls-$backend" s_client -connect "localhost:$port" -CAfile "$pki/ca.pem" 2>&1
wait "$srv" || true
echo "--- the server's log"
cat "$out.err"
