#!/usr/bin/env bash
# Runs examples/echo_server + examples/echo_client (Node's tls echo pair)
# over 127.0.0.1 and checks the echoed text.
set -euo pipefail
server=$1 client=$2
pki=${OTLS_PKI_DIR:?}
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
timeout 30 "$server" "$pki/server-rsa-chain.pem" "$pki/server-rsa.key" 0 1 >"$out" &
pid=$!
for _ in $(seq 200); do grep -q '^PORT' "$out" && break; sleep 0.05; done
port=$(sed -n 's/^PORT //p' "$out")
[ -n "$port" ] || { echo "server did not start"; cat "$out"; exit 1; }
got=$(timeout 20 "$client" "$pki/ca.pem" localhost "$port" "hello omnitls")
echo "$got"
grep -q "client connected authorized" <<<"$got"
grep -q "welcome!" <<<"$got"
grep -q "hello omnitls" <<<"$got"
wait "$pid"
grep -q "server connected" "$out"
echo "echo example: ok"
