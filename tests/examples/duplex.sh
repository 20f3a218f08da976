#!/usr/bin/env bash
# examples/duplex_client: TLS over a transport the program drives itself,
# against omnitls s_server -echo (the event-layer server).
#   duplex.sh DUPLEX_CLIENT OMNITLS
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
client=${1:?} omnitls=${2:?}

start server "$omnitls" s_server -accept 127.0.0.1:0 -cert "$PKI/server-rsa-chain.pem" \
  -key "$PKI/server-rsa.key" -echo -json -naccept 1
timeout 20 "$client" "$PKI/ca.pem" 127.0.0.1 "$PORT" "hello over my own duplex" localhost \
  >"$WORK/client.out" 2>&1 || fail "duplex_client failed"
wait_server || fail "omnitls s_server exited with an error"
expect_fixed "$WORK/client.out" "authorized: true" "the client did not verify the server"
expect_fixed "$WORK/client.out" "hello over my own duplex" "no echo"
expect_fixed "$WORK/server.out" '"servername":"localhost"' "the server saw no SNI name"
# The wrong name: verification fails inside the handshake.
start server2 "$omnitls" s_server -accept 127.0.0.1:0 -cert "$PKI/server-rsa-chain.pem" \
  -key "$PKI/server-rsa.key" -echo -naccept 1
rc=0
timeout 20 "$client" "$PKI/ca.pem" 127.0.0.1 "$PORT" "x" not-this-server.test \
  >"$WORK/wrong.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a server with another name was accepted (exit $rc)"
expect_fixed "$WORK/wrong.out" "error: ERR_TLS_CERT_ALTNAME_INVALID" "want ERR_TLS_CERT_ALTNAME_INVALID"
wait_server
echo "PASS: duplex example"
