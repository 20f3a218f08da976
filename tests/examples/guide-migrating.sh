#!/usr/bin/env bash
# docs/migrating-from-openssl.md and docs/migrating-from-libtls.md: the two
# ported clients (examples/guide/openssl_port.c, libtls_port.c) against
# `omnitls s_server -echo` on 127.0.0.1.
#   guide-migrating.sh OPENSSL_PORT LIBTLS_PORT OMNITLS
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
oport=${1:?} lport=${2:?} omnitls=${3:?}

# openssl_port: a full handshake, then a resumed one; ALPN http/1.1.
start server "$omnitls" s_server -accept 127.0.0.1:0 -cert "$PKI/server-rsa-chain.pem" \
  -key "$PKI/server-rsa.key" -echo -alpn http/1.1 -json -naccept 2
timeout 20 "$oport" "$PKI/ca.pem" localhost "$PORT" >"$WORK/openssl_port.out" 2>&1 ||
  fail "openssl_port failed"
wait_server || fail "s_server exited with an error"
o=$WORK/openssl_port.out
expect_fixed "$o" "ALPN http/1.1, verify OK, reused no" "first connection"
expect_fixed "$o" "ALPN http/1.1, verify OK, reused yes" "the session was not resumed"
expect_fixed "$o" "server certificate: CN=localhost, issuer CN=omnitls Test Intermediate CA" \
  "certificate names"
grep -Eq '^sha256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}$' "$o" || fail "no SHA-256 fingerprint"
grep -Eq '^keying material: [0-9a-f]{32}$' "$o" || fail "no keying material"
[ "$(grep -c '^echo: ping$' "$o")" = 2 ] || fail "want two echoes"
[ "$(grep -c '"alpnProtocol":"http/1.1"' "$WORK/server.out")" = 2 ] || fail "server: ALPN"

# libtls_port: non-blocking; verified, then an untrusted CA with -insecure.
start server2 "$omnitls" s_server -accept 127.0.0.1:0 -cert "$PKI/server-rsa-chain.pem" \
  -key "$PKI/server-rsa.key" -echo -naccept 3
timeout 20 "$lport" "$PKI/ca.pem" localhost "$PORT" "non-blocking hello" \
  >"$WORK/libtls.out" 2>&1 || fail "libtls_port failed"
expect_fixed "$WORK/libtls.out" "verification OK" "libtls_port: not verified"
expect_fixed "$WORK/libtls.out" "peer certificate: DNS:localhost" "libtls_port: no certificate"
expect_fixed "$WORK/libtls.out" "received: non-blocking hello" "libtls_port: no echo"
timeout 20 "$lport" -insecure "$PKI/untrusted-ca.pem" localhost "$PORT" "insecure hello" \
  >"$WORK/insecure.out" 2>&1 || fail "libtls_port -insecure failed"
expect_fixed "$WORK/insecure.out" "verification UNABLE_TO_GET_ISSUER_CERT_LOCALLY" \
  "-insecure: the verification result was not reported"
expect_fixed "$WORK/insecure.out" "received: insecure hello" "-insecure: no echo"
rc=0
timeout 20 "$lport" "$PKI/untrusted-ca.pem" localhost "$PORT" "x" >"$WORK/reject.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "libtls_port accepted an untrusted server (exit $rc)"
expect_fixed "$WORK/reject.out" "handshake: UNABLE_TO_GET_ISSUER_CERT_LOCALLY" \
  "libtls_port: want UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
wait_server || fail "s_server exited with an error"
if grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK"/* 2>/dev/null; then
  fail "a sanitizer reported an error"
fi
echo "PASS: migration guides"
