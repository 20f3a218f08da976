#!/usr/bin/env bash
# docs/getting-started.md: hello_server + hello_client (blocking sockets)
# over 127.0.0.1, inspected with `omnitls s_client`, and the three common
# errors of the guide with their exact codes.
#   guide-getting-started.sh HELLO_SERVER HELLO_CLIENT OMNITLS
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
server=${1:?} client=${2:?} omnitls=${3:?}

# Four connections: a good one, an untrusted CA, a wrong name, s_client.
start server "$server" "$PKI/server-rsa-chain.pem" "$PKI/server-rsa.key" 0 4
timeout 20 "$client" "$PKI/ca.pem" localhost "$PORT" "hello omnitls" >"$WORK/ok.out" 2>&1 ||
  fail "hello_client failed"
expect_fixed "$WORK/ok.out" ", authorized" "the client did not verify the server"
expect_fixed "$WORK/ok.out" "received: hello omnitls" "no echo"

rc=0
timeout 20 "$client" "$PKI/untrusted-ca.pem" localhost "$PORT" "x" >"$WORK/untrusted.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a server from another CA was accepted (exit $rc)"
expect_fixed "$WORK/untrusted.out" "error: UNABLE_TO_GET_ISSUER_CERT_LOCALLY" \
  "untrusted CA: want UNABLE_TO_GET_ISSUER_CERT_LOCALLY"

rc=0
timeout 20 "$client" "$PKI/ca.pem" 127.0.0.1 "$PORT" "x" not-this-server.test \
  >"$WORK/wrongname.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a server with another name was accepted (exit $rc)"
expect_fixed "$WORK/wrongname.out" "error: ERR_TLS_CERT_ALTNAME_INVALID" \
  "wrong name: want ERR_TLS_CERT_ALTNAME_INVALID"

echo "via s_client" | timeout 20 "$omnitls" s_client -connect "localhost:$PORT" \
  -CAfile "$PKI/ca.pem" >"$WORK/s_client.out" 2>"$WORK/s_client.err" || fail "s_client failed"
expect_fixed "$WORK/s_client.out" "via s_client" "s_client: no echo"
expect_fixed "$WORK/s_client.err" "Verification: OK" "s_client: not verified"
expect_fixed "$WORK/s_client.err" "Servername: localhost" "s_client: no SNI"
wait_server || fail "hello_server exited with an error"
[ "$(grep -c '^client connected: TLSv1' "$WORK/server.out")" -ge 2 ] ||
  fail "the server did not log the connections"
expect_fixed "$WORK/server.out" "SNI localhost" "the server saw no SNI name"

# An encrypted key: a wrong or missing passphrase is ERR_OSSL_BAD_DECRYPT.
for pass in "-pass wrong-pass" ""; do
  rc=0
  # shellcheck disable=SC2086
  timeout 20 "$server" $pass "$PKI/server-rsa-chain.pem" "$PKI/server-rsa-enc.key" 0 1 \
    >"$WORK/badpass.out" 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "a wrong passphrase ('$pass') was accepted (exit $rc)"
  expect_fixed "$WORK/badpass.out" "error: ERR_OSSL_BAD_DECRYPT" "want ERR_OSSL_BAD_DECRYPT"
done
start encserver "$server" -pass test-pass "$PKI/server-rsa-chain.pem" "$PKI/server-rsa-enc.key" 0 1
timeout 20 "$client" "$PKI/ca.pem" localhost "$PORT" "encrypted key" >"$WORK/enc.out" 2>&1 ||
  fail "the client failed against the server with the encrypted key"
expect_fixed "$WORK/enc.out" "received: encrypted key" "encrypted key: no echo"
wait_server || fail "hello_server -pass exited with an error"
if grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK"/* 2>/dev/null; then
  fail "a sanitizer reported an error"
fi
echo "PASS: getting-started guide"
