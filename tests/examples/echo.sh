#!/usr/bin/env bash
# examples/echo_server + examples/echo_client: Node's tls echo pair with
# client certificates required, over 127.0.0.1 — PEM and PKCS#12
# credentials on both sides, and a client without a certificate refused.
#   echo.sh ECHO_SERVER ECHO_CLIENT
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
server=${1:?} client=${2:?}

# 1. key + cert (PEM); three connections, then the server exits.
start server "$server" "$PKI/server-rsa-chain.pem" "$PKI/server-rsa.key" "$PKI/ca.pem" 0 3
timeout 20 "$client" "$PKI/client-chain.pem" "$PKI/client.key" "$PKI/ca.pem" localhost "$PORT" \
  "hello omnitls" >"$WORK/pem.out" 2>&1 || fail "the client (PEM) failed"
timeout 20 "$client" -pfx "$PKI/client.p12" test-pass "$PKI/ca.pem" localhost "$PORT" \
  "hello pfx" >"$WORK/pfx.out" 2>&1 || fail "the client (-pfx) failed"
rc=0
timeout 20 "$client" -nocert "$PKI/ca.pem" localhost "$PORT" "no cert" >"$WORK/nocert.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a client without a certificate exited $rc, want 1"
wait_server || fail "echo_server exited with an error"
for f in pem pfx; do
  expect_fixed "$WORK/$f.out" "client connected authorized" "$f: the client did not trust the server"
  expect_fixed "$WORK/$f.out" "welcome!" "$f: no welcome"
done
expect_fixed "$WORK/pem.out" "hello omnitls" "PEM: no echo"
expect_fixed "$WORK/pfx.out" "hello pfx" "pfx: no echo"
expect_fixed "$WORK/nocert.out" "error: " "the refused client reported no error"
[ "$(grep -c '^server connected authorized' "$WORK/server.out")" = 2 ] ||
  fail "the server did not authorize the two clients with certificates"
expect_fixed "$WORK/server.out" "tlsClientError ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE" \
  "the client without a certificate was not refused"

# 2. The PKCS#12 variant of the server: key and chain from server-rsa.p12.
start pfxserver "$server" -pfx "$PKI/server-rsa.p12" test-pass "$PKI/ca.pem" 0 1
timeout 20 "$client" "$PKI/client-chain.pem" "$PKI/client.key" "$PKI/ca.pem" localhost "$PORT" \
  "hello pfx server" >"$WORK/pfxserver-client.out" 2>&1 || fail "the client failed (pfx server)"
wait_server || fail "echo_server -pfx exited with an error"
expect_fixed "$WORK/pfxserver-client.out" "client connected authorized" \
  "the pfx server's chain was not trusted"
expect_fixed "$WORK/pfxserver-client.out" "hello pfx server" "pfx server: no echo"
expect_fixed "$WORK/pfxserver.out" "server connected authorized" "pfx server: client not authorized"
echo "PASS: echo examples"
