#!/usr/bin/env bash
# examples/https_server: HTTP/1.1 "hello world" with ALPN. A client offering
# h2 and http/1.1 gets http/1.1 (openssl s_client, curl); one offering only
# h2 is refused with no_application_protocol.
#   https.sh HTTPS_SERVER
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
server=${1:?}
command -v openssl >/dev/null || fail "openssl is not installed"
command -v curl >/dev/null || fail "curl is not installed"

start server "$server" "$PKI/server-rsa-chain.pem" "$PKI/server-rsa.key" 0 3
# Two pipelined requests on one connection: keep-alive, then close.
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\nGET /again HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
  timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$PKI/ca.pem" -verify_return_error -alpn h2,http/1.1 -ign_eof \
    >"$WORK/openssl.out" 2>&1 || fail "openssl s_client failed"
expect_fixed "$WORK/openssl.out" "ALPN protocol: http/1.1" "openssl: ALPN did not choose http/1.1"
[ "$(grep -c '^hello world' "$WORK/openssl.out")" = 2 ] || fail "openssl: want two 'hello world'"
[ "$(grep -c '^HTTP/1.1 200 OK' "$WORK/openssl.out")" = 2 ] || fail "openssl: want two HTTP/1.1 200"
# curl offers h2 and http/1.1 (--http2) and must fall back to HTTP/1.1.
timeout 20 curl -sS --http2 --cacert "$PKI/ca.pem" --resolve "localhost:$PORT:127.0.0.1" \
  -w '\nversion=%{http_version}\n' "https://localhost:$PORT/" >"$WORK/curl.out" 2>&1 ||
  fail "curl failed"
expect_fixed "$WORK/curl.out" "hello world" "curl: no 'hello world'"
expect_fixed "$WORK/curl.out" "version=1.1" "curl: not HTTP/1.1"
# Only h2 offered: no protocol in common, the handshake fails.
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' |
  timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$PKI/ca.pem" -alpn h2 >"$WORK/h2only.out" 2>&1
wait_server || fail "https_server exited with an error"
grep -q '^hello world' "$WORK/h2only.out" && fail "a client offering only h2 got an answer"
[ "$(grep -c '^secureConnection alpnProtocol http/1.1' "$WORK/server.out")" = 2 ] ||
  fail "the server did not log two http/1.1 connections"
expect_fixed "$WORK/server.out" "tlsClientError ERR_SSL_NO_APPLICATION_PROTOCOL" \
  "no tlsClientError for a client offering only h2"
echo "PASS: https example"
