#!/usr/bin/env bash
# docs/sans-io.md: the sans-IO pair over a socketpair (examples/guide/sans_io.c):
# a paused SNI callback, the echo, close_notify both ways; then an untrusted
# CA, where both ends fail and say why.
#   guide-sans-io.sh SANS_IO
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
prog=${1:?}

timeout 20 "$prog" "$PKI/server-rsa-chain.pem" "$PKI/server-rsa.key" "$PKI/ca.pem" \
  >"$WORK/ok.out" 2>&1 || fail "sans_io failed"
for line in "server: SNI callback for 'localhost', answered later" \
  "server: wants an answer (OTLS_WANTS_CALLBACK)" ", authorized" \
  "client: echo 'hello, sans-IO'" "server: received 'hello, sans-IO'" \
  "server: close_notify received" "client: close_notify received"; do
  expect_fixed "$WORK/ok.out" "$line" "missing: $line"
done

rc=0
timeout 20 "$prog" "$PKI/server-rsa-chain.pem" "$PKI/server-rsa.key" "$PKI/untrusted-ca.pem" \
  >"$WORK/bad.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "an untrusted server was accepted (exit $rc)"
expect_fixed "$WORK/bad.out" "client: failed: UNABLE_TO_GET_ISSUER_CERT_LOCALLY" \
  "the client did not fail with UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
expect_fixed "$WORK/bad.out" "server: failed: " "the server did not see the failure"
if grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK"/* 2>/dev/null; then
  fail "a sanitizer reported an error"
fi
echo "PASS: sans-IO guide"
