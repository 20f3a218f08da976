#!/usr/bin/env bash
# omnitls interop tests: one case per run, named on the command line.
#
#   OTLS_PKI_DIR=build/pki OMNITLS=build/apps/omnitls-openssl run.sh CASE
#
# Cases (CTest: interop.<backend>.<case>):
#   www_openssl_client_tls12|13   omnitls s_server -www  <-  openssl s_client
#   www_curl_tls12|13             omnitls s_server -www  <-  curl (keep-alive)
#   www_curl_ipv6                 the same over ::1
#   client_json_openssl_server_tls12|13
#                                 omnitls s_client -json ->  openssl s_server
#   client_cert_tls12|13          s_server -Verify 1     <-  openssl s_client -cert
#   client_cert_missing_rejected  s_server -Verify 1     <-  openssl s_client, no cert
#   client_cert_optional          s_server -verify 1     <-  openssl s_client, no cert
#   client_rejects_expired_server omnitls s_client -> openssl s_server (expired
#                                 certificate): exit 1, CERT_HAS_EXPIRED
#   client_insecure_expired_server  the same with -insecure: connects, and
#                                 reports authorized:false + the error name
#   resume_openssl_client_tls12|13  omnitls s_server -alpn -status_file <- openssl s_client
#                                 -reconnect -status -alpn: resumes, ALPN, staple
#   resume_client_openssl_server_tls12|13  omnitls s_client -reconnect -status -alpn
#                                 -> openssl s_server -status_file
#   node_resume_client_tls12|13   omnitls s_server <- Node (session event, resume, OCSP)
#   node_resume_server_tls12|13   omnitls s_client -reconnect -> Node (OCSPRequest)
#   node_concurrent_clients_tls12|13  omnitls s_server -echo <- 8 Node clients at once
#                                 (64 KiB each, ALPN http/1.1)
#   node_uv_echo_client_tls12|13  examples/echo_client (event layer, client certificate)
#                                 -> Node's documented echo server (requestCert)
#   node_uv_duplex_client_tls12|13  examples/duplex_client (TLS over its own
#                                 transport) -> Node tls.createServer
#   renegotiate_openssl_client    omnitls s_server -echo <- openssl s_client, which
#                                 renegotiates ("R") between two lines: both echoed
#   renegotiation_limit_openssl_client  the same with 4 renegotiations: the server
#                                 ends the connection with ERR_TLS_SESSION_ATTACK
#   omnitls_client_<b>_tls12|13   omnitls s_server -www  <-  omnitls-<b> s_client
#                                 (OMNITLS_CLIENT = that binary)
#
# Exit status: 0 pass, 1 fail, 77 skipped (e.g. no IPv6 loopback).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

CASE=${1:?usage: run.sh CASE}

need openssl
need timeout

SERVER_CERT=(-cert "$PKI/server-rsa-chain.pem" -key "$PKI/server-rsa.key")
# Two pipelined HTTP/1.1 requests: the first keeps the connection, the second
# asks the server to close it.
TWO_REQUESTS=$'GET /first HTTP/1.1\r\nHost: localhost\r\n\r\nGET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'

# version flag for our tools and openssl's: tls12 -> -tls1_2
vflag() { echo "-tls1_${1#tls1}"; }
vname() { echo "TLSv1.${1#tls1}"; }

# The JSON line of the server's secureConnection must agree with what the
# client saw: protocol, cipher, servername.
check_server_json() {
  local proto=$1 cipher=$2 sni=$3 line
  expect_json_lines "$WORK/server.out"
  line=$(json_event "$WORK/server.out" secureConnection)
  [ -n "$line" ] || fail "the server logged no secureConnection event"
  echo "$line" >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" "\"protocol\":\"$proto\"" "server JSON: protocol is not $proto"
  expect_fixed "$WORK/server-event.json" "\"cipher\":{\"name\":\"$cipher\"" "server JSON: cipher is not $cipher"
  expect_fixed "$WORK/server-event.json" "\"servername\":$sni" "server JSON: servername is not $sni"
  expect_fixed "$WORK/server-event.json" '"remoteAddress":"' "server JSON: no remoteAddress"
}

# --- omnitls s_server -www  <-  openssl s_client ----------------------------
www_openssl_client() {
  local v=$1 proto cipher
  proto=$(vname "$v")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -www -json -naccept 1
  printf '%s' "$TWO_REQUESTS" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" \
    -servername localhost -verify_hostname localhost -CAfile "$PKI/ca.pem" \
    -verify_return_error "$(vflag "$v")" -ign_eof >"$WORK/client.out" 2>&1 ||
    fail "openssl s_client failed"
  wait_server || fail "omnitls s_server exited with an error"
  expect "$WORK/client.out" "^New, $proto, Cipher is " "openssl did not negotiate $proto"
  expect_fixed "$WORK/client.out" "Verify return code: 0 (ok)" "openssl did not verify the server"
  [ "$(grep -c 'HTTP/1.0 200 OK' "$WORK/client.out")" = 2 ] ||
    fail "expected two HTTP 200 answers on one connection"
  expect "$WORK/client.out" "^Connection: keep-alive" "no keep-alive answer"
  expect "$WORK/client.out" "^Connection: close" "no close answer to 'Connection: close'"
  expect "$WORK/client.out" "^Protocol: $proto" "the page does not show $proto"
  cipher=$(sed -n "s/^New, $proto, Cipher is //p" "$WORK/client.out" | head -n1)
  expect_fixed "$WORK/client.out" "Cipher: $cipher" "the page does not show the cipher $cipher"
  check_server_json "$proto" "$cipher" '"localhost"'
}

# --- omnitls s_server -www  <-  curl -------------------------------------------
www_curl() {
  local v=$1 host=${2:-127.0.0.1} proto body
  need curl
  proto=$(vname "$v")
  local vopts=(--tlsv1.3)
  [ "$v" = tls12 ] && vopts=(--tlsv1.2 --tls-max 1.2)
  local listen="$host:0" resolve="localhost:PORT:$host"
  if [ "$host" = "::1" ]; then
    listen="[::1]:0"
    resolve="localhost:PORT:[::1]"
  fi
  start_omnitls_server "$OMNITLS" server -accept "$listen" "${SERVER_CERT[@]}" -www -json -naccept 1
  # Two URLs, one connection (the server takes only one): keep-alive works.
  timeout 20 curl -sS --fail --cacert "$PKI/ca.pem" "${vopts[@]}" \
    --resolve "${resolve/PORT/$PORT}" -w 'code=%{http_code} connects=%{num_connects}\n' \
    "https://localhost:$PORT/" "https://localhost:$PORT/again" >"$WORK/client.out" 2>"$WORK/client.err" ||
    fail "curl failed"
  [ "$(grep -c "^Protocol: $proto" "$WORK/client.out")" = 2 ] ||
    fail "expected two pages showing $proto"
  [ "$(grep -c '^code=200' "$WORK/client.out")" = 2 ] || fail "expected two HTTP 200 answers"
  expect "$WORK/client.out" "connects=0" "curl did not reuse the connection"
  body=$(sed -n 's/^Cipher: //p' "$WORK/client.out" | head -n1)
  [ -n "$body" ] || fail "the page shows no cipher"
  wait_server || fail "omnitls s_server exited with an error"
  check_server_json "$proto" "$body" '"localhost"'
}

www_curl_ipv6() {
  # Only where the ::1 loopback exists.
  if ! timeout 10 "$OMNITLS" s_server -accept '[::1]:0' "${SERVER_CERT[@]}" -naccept 0 \
      >"$WORK/probe.out" 2>&1; then
    grep -q EADDRNOTAVAIL "$WORK/probe.out" || grep -q -i "address" "$WORK/probe.out" &&
      skip "no IPv6 loopback here"
    fail "omnitls s_server cannot listen on ::1"
  fi
  www_curl tls13 ::1
}

# --- omnitls s_client -json  ->  openssl s_server ---------------------------
client_json_openssl_server() {
  local v=$1 proto cipher raw line
  proto=$(vname "$v")
  # -rev: answer each line reversed (and never read stdin).
  start_openssl_server oserver -cert "$PKI/server-rsa.pem" -key "$PKI/server-rsa.key" \
    -cert_chain "$PKI/inter.pem" "$(vflag "$v")" -naccept 1 -rev
  printf 'hello omnitls\n' | timeout 20 "$OMNITLS" s_client -connect "localhost:$PORT" \
    -CAfile "$PKI/ca.pem" -json >"$WORK/client.out" 2>"$WORK/client.err" ||
    fail "omnitls s_client exited with an error"
  wait_server || fail "openssl s_server exited with an error"
  expect_json_lines "$WORK/client.out"
  line=$(head -n1 "$WORK/client.out")
  echo "$line" >"$WORK/client-event.json"
  case $line in '{'*) ;; *) fail "the first line of output is not the JSON object" ;; esac
  expect_fixed "$WORK/client-event.json" "\"protocol\":\"$proto\"" "protocol is not $proto"
  expect_fixed "$WORK/client-event.json" '"authorized":true' "not authorized"
  expect_fixed "$WORK/client-event.json" '"authorizationError":null' "authorizationError is set"
  expect_fixed "$WORK/client-event.json" '"servername":"localhost"' "servername is not localhost"
  expect_fixed "$WORK/client-event.json" '"alpnProtocol":false' "alpnProtocol"
  expect_fixed "$WORK/client-event.json" '"isSessionReused":false' "isSessionReused"
  cipher=$(sed -n 's/^Ciphersuite: //p' "$WORK/oserver.out" | head -n1)
  [ -n "$cipher" ] || fail "openssl s_server reported no cipher"
  expect_fixed "$WORK/client-event.json" "\"cipher\":{\"name\":\"$cipher\"" "cipher is not $cipher"
  expect_fixed "$WORK/client-event.json" "\"version\":\"$proto\"}" "cipher.version is not $proto"
  raw=$(cert_fp256 "$PKI/server-rsa.pem")
  expect_fixed "$WORK/client-event.json" "\"fingerprint256\":\"$raw\"" \
    "peerCertificate is not the server's certificate"
  expect_fixed "$WORK/client-event.json" '"peerCertificate":{"subject":{"C":"US","ST":"CA","L":"San Francisco","O":"omnitls","OU":"Test","CN":"localhost"}' \
    "peerCertificate.subject is not Node's object"
  expect_fixed "$WORK/oserver.out" "Protocol version: $proto" "openssl s_server did not see $proto"
  expect_fixed "$WORK/client.out" "sltinmo olleh" "the data did not make the round trip"
}

# --- verification failures seen by omnitls s_client --------------------------
client_rejects_expired_server() {
  local rc=0
  start_openssl_server oserver -cert "$PKI/expired.pem" -key "$PKI/expired.key" \
    -cert_chain "$PKI/inter.pem" -naccept 1 -rev
  printf 'hello\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
    -CAfile "$PKI/ca.pem" -json >"$WORK/client.out" 2>"$WORK/client.err" || rc=$?
  [ "$rc" = 1 ] || fail "omnitls s_client exited with $rc, expected 1"
  expect_json_lines "$WORK/client.out"
  expect "$WORK/client.err" '^error: CERT_HAS_EXPIRED: ' "no 'error: CERT_HAS_EXPIRED: ...' on stderr"
  expect_fixed "$WORK/client.out" '{"error":"CERT_HAS_EXPIRED","message":"' "no JSON error line"
  expect_not "$WORK/client.out" '"protocol"' "a session was reported"
}

client_insecure_expired_server() {
  start_openssl_server oserver -cert "$PKI/expired.pem" -key "$PKI/expired.key" \
    -cert_chain "$PKI/inter.pem" -naccept 1 -rev
  printf 'hello\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
    -CAfile "$PKI/ca.pem" -insecure -json >"$WORK/client.out" 2>"$WORK/client.err" ||
    fail "omnitls s_client -insecure exited with an error"
  expect_json_lines "$WORK/client.out"
  head -n1 "$WORK/client.out" >"$WORK/client-event.json"
  expect_fixed "$WORK/client-event.json" '"authorized":false' "authorized is not false"
  expect_fixed "$WORK/client-event.json" '"authorizationError":"CERT_HAS_EXPIRED"' \
    "authorizationError is not CERT_HAS_EXPIRED"
  expect_fixed "$WORK/client.out" "olleh" "the data did not make the round trip"
}

# --- client certificates ----------------------------------------------------------
client_cert() {
  local v=$1 proto raw
  proto=$(vname "$v")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" \
    -CAfile "$PKI/ca.pem" -Verify 1 -www -json -naccept 1
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" \
    -servername localhost -CAfile "$PKI/ca.pem" -verify_return_error "$(vflag "$v")" \
    -cert "$PKI/client.pem" -key "$PKI/client.key" -cert_chain "$PKI/inter.pem" \
    -ign_eof >"$WORK/client.out" 2>&1 || fail "openssl s_client failed"
  wait_server || fail "omnitls s_server exited with an error"
  expect "$WORK/client.out" "HTTP/1.0 200 OK" "no HTTP answer"
  expect "$WORK/client.out" "^Client-Certificate: yes" "the server saw no client certificate"
  expect "$WORK/client.out" "^Authorized: yes" "the client was not authorized"
  expect_json_lines "$WORK/server.out"
  json_event "$WORK/server.out" secureConnection >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" "\"protocol\":\"$proto\"" "server JSON: protocol"
  expect_fixed "$WORK/server-event.json" '"authorized":true' "server JSON: not authorized"
  raw=$(cert_fp256 "$PKI/client.pem")
  expect_fixed "$WORK/server-event.json" "\"fingerprint256\":\"$raw\"" \
    "server JSON: peerCertificate is not the client's certificate"
}

client_cert_missing_rejected() {
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" \
    -CAfile "$PKI/ca.pem" -Verify 1 -www -json -naccept 1
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" \
    -servername localhost -CAfile "$PKI/ca.pem" -ign_eof >"$WORK/client.out" 2>&1
  wait_server || fail "omnitls s_server exited with an error"
  expect_not "$WORK/client.out" "^HTTP/1.0 200" "a client without a certificate got an answer"
  expect_json_lines "$WORK/server.out"
  json_event "$WORK/server.out" tlsClientError >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" '"error":"ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"' \
    "the server did not report ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"
  expect_not "$WORK/server.out" '"event":"secureConnection"' "the handshake succeeded"
}

client_cert_optional() {
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" \
    -CAfile "$PKI/ca.pem" -verify 1 -www -json -naccept 1
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" \
    -servername localhost -CAfile "$PKI/ca.pem" -verify_return_error -ign_eof \
    >"$WORK/client.out" 2>&1 || fail "openssl s_client failed"
  wait_server || fail "omnitls s_server exited with an error"
  expect "$WORK/client.out" "HTTP/1.0 200 OK" "no HTTP answer"
  expect "$WORK/client.out" "^Client-Certificate: no" "the page claims a client certificate"
  json_event "$WORK/server.out" secureConnection >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" '"authorized":false' "server JSON: authorized"
  expect_fixed "$WORK/server-event.json" '"peerCertificate":{}' "server JSON: peerCertificate"
}

# --- omnitls <-> omnitls (any two backends) -------------------------------------
omnitls_client() {
  local v=$1 proto cipher line
  : "${OMNITLS_CLIENT:?OMNITLS_CLIENT must be the omnitls-<backend> binary of the client}"
  proto=$(vname "$v")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" \
    "$(vflag "$v")" -www -json -naccept 1
  printf '%s' "$TWO_REQUESTS" | timeout 20 "$OMNITLS_CLIENT" s_client \
    -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$PKI/ca.pem" -json \
    >"$WORK/client.out" 2>"$WORK/client.err" || fail "omnitls s_client exited with an error"
  wait_server || fail "omnitls s_server exited with an error"
  expect_json_lines "$WORK/client.out"
  head -n1 "$WORK/client.out" >"$WORK/client-event.json"
  expect_fixed "$WORK/client-event.json" "\"protocol\":\"$proto\"" "client JSON: protocol"
  expect_fixed "$WORK/client-event.json" '"authorized":true' "client JSON: not authorized"
  cipher=$(sed -n 's/.*"cipher":{"name":"\([^"]*\)".*/\1/p' "$WORK/client-event.json")
  [ -n "$cipher" ] || fail "client JSON: no cipher"
  [ "$(grep -c 'HTTP/1.0 200 OK' "$WORK/client.out")" = 2 ] ||
    fail "expected two HTTP 200 answers on one connection"
  check_server_json "$proto" "$cipher" '"localhost"'
  [ -z "${RESULT_FILE:-}" ] || echo "ok $proto $cipher" >"$RESULT_FILE"
}

# --- GnuTLS's command-line peers -------------------------------------------------
gnutls_prio() { echo "NORMAL:-VERS-ALL:+VERS-TLS1.${1#tls1}"; }

# omnitls s_server -www  <-  gnutls-cli
www_gnutls_client() {
  local v=$1 proto
  need gnutls-cli
  proto=$(vname "$v")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -www -json -naccept 1
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 gnutls-cli --x509cafile "$PKI/ca.pem" \
    --priority "$(gnutls_prio "$v")" -p "$PORT" localhost >"$WORK/client.out" 2>&1 ||
    fail "gnutls-cli failed"
  wait_server || fail "omnitls s_server exited with an error"
  expect_fixed "$WORK/client.out" "(TLS1.${v#tls1}-" "gnutls-cli did not negotiate $proto"
  expect "$WORK/client.out" "HTTP/1.0 200 OK" "no HTTP answer"
  expect "$WORK/client.out" "^Protocol: $proto" "the page does not show $proto"
  json_event "$WORK/server.out" secureConnection >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" "\"protocol\":\"$proto\"" "server JSON: protocol"
  expect_fixed "$WORK/server-event.json" '"servername":"localhost"' "server JSON: servername"
}

# omnitls s_client  ->  gnutls-serv --echo
client_gnutls_server() {
  local v=$1 proto attempt=0
  need gnutls-serv
  proto=$(vname "$v")
  while [ $((attempt += 1)) -le 20 ]; do
    PORT=$((20000 + RANDOM % 40000))
    timeout 50 gnutls-serv --echo --x509certfile "$PKI/server-rsa-chain.pem" \
      --x509keyfile "$PKI/server-rsa.key" --priority "$(gnutls_prio "$v")" -p "$PORT" \
      </dev/null >"$WORK/gserver.out" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    # Ready once its IPv4 socket is bound ("...IPv4 ... port N...done");
    # a port taken by someone else ("bind() failed") means: try another.
    local tries=0 ready=0
    while [ $((tries += 1)) -le 50 ]; do
      if grep -q "IPv4.*port $PORT\.\.\.bind() failed" "$WORK/gserver.out" 2>/dev/null; then
        break
      fi
      if grep -q "IPv4.*port $PORT\.\.\.done" "$WORK/gserver.out" 2>/dev/null; then
        ready=1
        break
      fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    [ "$ready" = 1 ] && break
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  done
  [ "$ready" = 1 ] || fail "gnutls-serv did not start listening on 127.0.0.1"
  printf 'hello gnutls\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
    -servername localhost -CAfile "$PKI/ca.pem" -json >"$WORK/client.out" 2>"$WORK/client.err" ||
    fail "omnitls s_client exited with an error"
  head -n1 "$WORK/client.out" >"$WORK/client-event.json"
  expect_fixed "$WORK/client-event.json" "\"protocol\":\"$proto\"" "client JSON: protocol"
  expect_fixed "$WORK/client-event.json" '"authorized":true' "client JSON: not authorized"
  expect_fixed "$WORK/client.out" "hello gnutls" "the echo did not come back"
}

# --- Node.js v20 -------------------------------------------------------------------
# start_node_server MODE ARGS... — node_peer.js MODE in the background; PORT.
start_node_server() {
  local mode=$1 line tries=0
  shift
  timeout 50 node "$HERE/node_peer.js" "$mode" "$PKI" "$@" >"$WORK/nserver.out" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  while [ $((tries += 1)) -le 100 ]; do
    line=$(grep -m1 '^ACCEPT ' "$WORK/nserver.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$line" ] || fail "the node server did not start"
  PORT=${line##*:}
}

node_client() {
  local v=$1 proto
  need node
  proto=$(vname "$v")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -echo -json -naccept 1
  timeout 20 node "$HERE/node_peer.js" client "$PKI" "$proto" "$PORT" "hello node" \
    >"$WORK/client.out" 2>"$WORK/client.err" || fail "the node client failed"
  wait_server || fail "omnitls s_server exited with an error"
  head -n1 "$WORK/client.out" >"$WORK/client-event.json"
  expect_fixed "$WORK/client-event.json" "\"protocol\":\"$proto\"" "node: protocol"
  expect_fixed "$WORK/client-event.json" '"authorized":true' "node: not authorized"
  expect_fixed "$WORK/client.out" "hello node" "the echo did not come back"
  local cipher
  cipher=$(sed -n 's/.*"cipher":{"name":"\([^"]*\)".*/\1/p' "$WORK/client-event.json")
  json_event "$WORK/server.out" secureConnection >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" "\"cipher\":{\"name\":\"$cipher\"" \
    "omnitls and node disagree on the cipher"
}

# omnitls s_server -echo  <-  8 Node.js clients at once (64 KiB each, ALPN).
node_concurrent_clients() {
  local v=$1 proto n=8
  need node
  proto=$(vname "$v")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -echo -json \
    -alpn h2,http/1.1 -naccept "$n"
  timeout 30 node "$HERE/node_peer.js" concurrent-client "$PKI" "$proto" "$PORT" "$n" \
    >"$WORK/client.out" 2>"$WORK/client.err" || fail "the node clients failed"
  wait_server || fail "omnitls s_server exited with an error"
  expect_json_lines "$WORK/server.out"
  expect_fixed "$WORK/client.out" "{\"done\":$n}" "not every node client got its echo"
  [ "$(grep -c "\"protocol\":\"$proto\".*\"alpnProtocol\":\"http/1.1\",\"echoed\":65536" "$WORK/client.out")" = "$n" ] ||
    fail "want $n clients with $proto, ALPN http/1.1 and 64 KiB echoed"
  [ "$(grep '"event":"secureConnection"' "$WORK/server.out" | grep -c '"alpnProtocol":"http/1.1"')" = "$n" ] ||
    fail "the server did not log $n connections with ALPN http/1.1"
}

node_server() {
  local v=$1 proto
  need node
  proto=$(vname "$v")
  start_node_server server "$proto"
  printf 'hello from omnitls\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
    -servername localhost -CAfile "$PKI/ca.pem" -json >"$WORK/client.out" 2>"$WORK/client.err" ||
    fail "omnitls s_client exited with an error"
  wait_server || fail "the node server exited with an error"
  head -n1 "$WORK/client.out" >"$WORK/client-event.json"
  expect_fixed "$WORK/client-event.json" "\"protocol\":\"$proto\"" "client JSON: protocol"
  expect_fixed "$WORK/client-event.json" '"authorized":true' "client JSON: not authorized"
  expect_fixed "$WORK/client.out" "hello from omnitls" "the echo did not come back"
  grep '^{' "$WORK/nserver.out" | head -n1 >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" '"servername":"localhost"' "node saw no SNI"
  local cipher
  cipher=$(sed -n 's/.*"cipher":{"name":"\([^"]*\)".*/\1/p' "$WORK/client-event.json")
  expect_fixed "$WORK/server-event.json" "\"name\":\"$cipher\"" "omnitls and node disagree on the cipher"
}

# examples/echo_client (otls_uv_connect) -> Node's documented echo server
# with requestCert: the client certificate, welcome!, the echo.
node_uv_echo_client() {
  local v=$1 proto
  need node
  : "${OMNITLS_UV_ECHO_CLIENT:?the echo_client example of this variant}"
  proto=$(vname "$v")
  start_node_server echo-server "$proto" 1
  timeout 20 "$OMNITLS_UV_ECHO_CLIENT" "$PKI/client-chain.pem" "$PKI/client.key" "$PKI/ca.pem" \
    localhost "$PORT" "hello node" >"$WORK/client.out" 2>"$WORK/client.err" ||
    fail "echo_client failed"
  wait_server || fail "the node server exited with an error"
  expect_fixed "$WORK/client.out" "client connected authorized $proto" "echo_client: not $proto / authorized"
  expect_fixed "$WORK/client.out" "welcome!" "no welcome from node"
  expect_fixed "$WORK/client.out" "hello node" "the echo did not come back"
  grep '^{' "$WORK/nserver.out" | head -n1 >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" '"authorized":true' "node did not authorize the client certificate"
  expect_fixed "$WORK/server-event.json" '"peerCN":"' "node saw no client certificate"
  expect_fixed "$WORK/server-event.json" "\"protocol\":\"$proto\"" "node: protocol"
}

# examples/duplex_client (otls_uv_wrap over the program's own TCP) -> Node.
node_uv_duplex_client() {
  local v=$1 proto cipher
  need node
  : "${OMNITLS_UV_DUPLEX_CLIENT:?the duplex_client example of this variant}"
  proto=$(vname "$v")
  start_node_server server "$proto"
  timeout 20 "$OMNITLS_UV_DUPLEX_CLIENT" "$PKI/ca.pem" 127.0.0.1 "$PORT" "hello over a duplex" \
    localhost >"$WORK/client.out" 2>"$WORK/client.err" || fail "duplex_client failed"
  wait_server || fail "the node server exited with an error"
  expect_fixed "$WORK/client.out" "protocol: $proto" "duplex_client: not $proto"
  expect_fixed "$WORK/client.out" "authorized: true" "duplex_client: not authorized"
  expect_fixed "$WORK/client.out" "hello over a duplex" "the echo did not come back"
  cipher=$(sed -n 's/^cipher: //p' "$WORK/client.out")
  grep '^{' "$WORK/nserver.out" | head -n1 >"$WORK/server-event.json"
  expect_fixed "$WORK/server-event.json" '"servername":"localhost"' "node saw no SNI"
  expect_fixed "$WORK/server-event.json" "\"name\":\"$cipher\"" "omnitls and node disagree on the cipher"
}

# --- sessions, ALPN and OCSP stapling (issue 5) -----------------------------------------
has_cap() { "$OMNITLS" version | grep -q "^capabilities:.* $1\( \|\$\)"; }
OCSP_HEX() { od -An -v -tx1 "$PKI/ocsp-good.der" | tr -d ' \n'; }

# omnitls s_server (-alpn, -status_file)  <-  openssl s_client: resumption, ALPN, staple.
resume_openssl_client() {
  local v=$1 proto n
  proto=$(vname "$v")
  # Stapling is checked where the backend has it (capability ocsp-staple).
  local staple=()
  has_cap ocsp-staple && staple=(-status_file "$PKI/ocsp-good.der")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -www -json \
    -alpn h2,http/1.1 "${staple[@]}" -naccept 6
  if [ "$v" = tls12 ]; then
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 30 openssl s_client -connect "127.0.0.1:$PORT" \
      -servername localhost -CAfile "$PKI/ca.pem" -verify_return_error -tls1_2 -reconnect \
      -status -alpn h2 >"$WORK/client.out" 2>&1 || fail "openssl s_client failed"
  else
    # openssl s_client -reconnect does not wait for TLS 1.3 tickets: save and reuse.
    for i in 1 2 3 4 5 6; do
      local sess=()
      [ "$i" = 1 ] && sess=(-sess_out "$WORK/sess.pem") || sess=(-sess_in "$WORK/sess.pem")
      printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -CAfile "$PKI/ca.pem" -verify_return_error -tls1_3 -status \
        -alpn h2 "${sess[@]}" -ign_eof >>"$WORK/client.out" 2>&1 || fail "openssl s_client failed"
    done
  fi
  wait_server || fail "omnitls s_server exited with an error"
  n=$(grep -c "^Reused, $proto" "$WORK/client.out")
  [ "$n" -ge 5 ] || fail "openssl resumed $n of 5 reconnections"
  expect_fixed "$WORK/client.out" "ALPN protocol: h2" "no ALPN h2"
  if [ ${#staple[@]} -gt 0 ]; then
    expect_fixed "$WORK/client.out" "OCSP Response Status: successful" "no OCSP staple"
  fi
  [ "$(grep '"event":"secureConnection"' "$WORK/server.out" | grep -c '"isSessionReused":true')" -ge 5 ] ||
    fail "the server did not report the resumptions"
}

# omnitls s_client -reconnect -status -alpn  ->  openssl s_server.
resume_client_openssl_server() {
  local v=$1 proto
  proto=$(vname "$v")
  local status=()
  has_cap ocsp-client && status=(-status)
  start_openssl_server oserver -cert "$PKI/server-rsa.pem" -key "$PKI/server-rsa.key" \
    -cert_chain "$PKI/inter.pem" "$(vflag "$v")" -alpn h2 -status_file "$PKI/ocsp-good.der" \
    -naccept 6 -www
  timeout 30 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$PKI/ca.pem" -reconnect "${status[@]}" -alpn h2,http/1.1 -json \
    >"$WORK/client.out" 2>"$WORK/client.err" </dev/null || fail "omnitls s_client -reconnect failed"
  [ "$(grep -c '^{' "$WORK/client.out")" = 6 ] || fail "expected 6 JSON lines"
  [ "$(grep -c '"isSessionReused":true' "$WORK/client.out")" = 5 ] ||
    fail "omnitls did not resume 5 times"
  expect_fixed "$WORK/client.out" "\"protocol\":\"$proto\"" "protocol"
  expect_fixed "$WORK/client.out" '"alpnProtocol":"h2"' "ALPN"
  if [ ${#status[@]} -gt 0 ]; then
    [ "$(grep -c "\"ocspResponse\":\"$(OCSP_HEX)\"" "$WORK/client.out")" -ge 1 ] ||
      fail "the staple differs from the file openssl s_server sent"
  fi
}

# omnitls s_server  <-  Node.js client: session event, resumption, ALPN, OCSPResponse.
node_resume_client() {
  local v=$1 proto
  need node
  proto=$(vname "$v")
  local staple=()
  has_cap ocsp-staple && staple=(-status_file "$PKI/ocsp-good.der")
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -echo -json \
    -alpn h2 "${staple[@]}" -naccept 2
  timeout 20 node "$HERE/node_peer.js" resume-client "$PKI" "$proto" "$PORT" \
    >"$WORK/client.out" 2>"$WORK/client.err" || fail "the node client failed"
  wait_server || fail "omnitls s_server exited with an error"
  [ "$(grep -c '^{' "$WORK/client.out")" = 2 ] || fail "expected 2 connections"
  head -n1 "$WORK/client.out" >"$WORK/first.json"
  tail -n1 "$WORK/client.out" >"$WORK/second.json"
  expect_fixed "$WORK/first.json" '"haveSession":true' "node got no session event"
  expect_fixed "$WORK/first.json" '"isSessionReused":false' "the first connection resumed"
  expect_fixed "$WORK/second.json" '"isSessionReused":true' "node did not resume"
  expect_fixed "$WORK/second.json" "\"protocol\":\"$proto\"" "protocol"
  expect_fixed "$WORK/first.json" '"alpnProtocol":"h2"' "ALPN"
  if [ ${#staple[@]} -gt 0 ]; then
    expect_fixed "$WORK/first.json" "\"ocspResponse\":\"$(OCSP_HEX)\"" "node got another staple"
  fi
}

# omnitls s_client -reconnect  ->  Node.js server (ALPNProtocols, OCSPRequest).
node_resume_server() {
  local v=$1 proto
  need node
  proto=$(vname "$v")
  local status=()
  has_cap ocsp-client && status=(-status)
  start_node_server resume-server "$proto" 6
  timeout 30 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$PKI/ca.pem" -reconnect "${status[@]}" -alpn h2 -json \
    >"$WORK/client.out" 2>"$WORK/client.err" </dev/null || fail "omnitls s_client -reconnect failed"
  wait_server || fail "the node server exited with an error"
  [ "$(grep -c '"isSessionReused":true' "$WORK/client.out")" = 5 ] || fail "omnitls did not resume 5 times"
  [ "$(grep -c '"isSessionReused":true' "$WORK/nserver.out")" = 5 ] || fail "node did not see 5 resumptions"
  expect_fixed "$WORK/client.out" '"alpnProtocol":"h2"' "ALPN"
  if [ ${#status[@]} -gt 0 ]; then
    [ "$(grep -c "\"ocspResponse\":\"$(OCSP_HEX)\"" "$WORK/client.out")" -ge 1 ] ||
      fail "the staple differs from the one node sent"
  fi
}

# --- renegotiation (TLS 1.2; capability renegotiation) -------------------------------
# openssl s_client renegotiates on a line "R"; `n` renegotiations between two lines.
renegotiate_openssl_client() {
  local n=$1
  has_cap renegotiation || skip "no renegotiation in this backend"
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -echo -json \
    -tls1_2 -naccept 1
  { printf 'first line\n'; for _ in $(seq "$n"); do sleep 0.5; printf 'R\n'; done
    sleep 0.7; printf 'second line\n'; sleep 0.7; } |
    timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
      -CAfile "$PKI/ca.pem" -verify_return_error -tls1_2 >"$WORK/client.out" 2>&1
  [ "$(grep -c RENEGOTIATING "$WORK/client.out")" = "$n" ] || fail "expected $n renegotiations"
  expect_fixed "$WORK/client.out" "first line" "the line before the renegotiation was not echoed"
  if [ "$n" -le 3 ]; then
    expect_fixed "$WORK/client.out" "second line" "the line after the renegotiation was not echoed"
    wait_server || fail "omnitls s_server exited with an error"
    expect_not "$WORK/server.out" '"event":"error"' "the server reported an error"
  else
    expect_not "$WORK/client.out" "second line" "the connection survived renegotiation $n"
    wait_server || true
    expect_fixed "$WORK/server.out" '"code":"ERR_TLS_SESSION_ATTACK"' \
      "the server did not end the connection with ERR_TLS_SESSION_ATTACK"
  fi
}

# --- the default trust store --------------------------------------------------------
# With no -CAfile the client must trust exactly the system bundle
# (/etc/ssl/certs/ca-certificates.crt) on every backend (BoringSSL's own
# default path does not exist on Debian). In a private mount namespace the
# bundle is replaced by the test root for the duration of one client run.
system_trust_store() {
  [ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
  command -v unshare >/dev/null 2>&1 || skip "unshare (util-linux) is not installed"
  unshare -m true 2>/dev/null || skip "mount namespaces are not permitted here"
  start_omnitls_server "$OMNITLS" server -accept 127.0.0.1:0 "${SERVER_CERT[@]}" -www -json -naccept 2
  # 1. The real bundle does not know the test root: rejected.
  local rc=0
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 "$OMNITLS" s_client -connect "localhost:$PORT" -json \
    >"$WORK/client1.out" 2>"$WORK/client1.err" || rc=$?
  [ "$rc" = 1 ] || fail "a server unknown to the system store was accepted (exit $rc)"
  expect_fixed "$WORK/client1.out" '"error":"UNABLE_TO_GET_ISSUER_CERT_LOCALLY"' \
    "the default store did not reject the test chain as expected"
  # 2. A bundle holding the test root: authorized.
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 unshare -m sh -c '
      mount --bind "$1" /etc/ssl/certs/ca-certificates.crt && shift && exec "$@"' sh \
    "$PKI/ca.pem" "$OMNITLS" s_client -connect "localhost:$PORT" -json \
    >"$WORK/client2.out" 2>"$WORK/client2.err" || fail "the client failed with the test root as system store"
  head -n1 "$WORK/client2.out" >"$WORK/client-event.json"
  expect_fixed "$WORK/client-event.json" '"authorized":true' "the system store was not used"
  wait_server || fail "omnitls s_server exited with an error"
}

case $CASE in
  system_trust_store) system_trust_store ;;
  renegotiate_openssl_client) renegotiate_openssl_client 1 ;;
  renegotiation_limit_openssl_client) renegotiate_openssl_client 4 ;;
  resume_openssl_client_tls1[23]) resume_openssl_client "${CASE##*_}" ;;
  resume_client_openssl_server_tls1[23]) resume_client_openssl_server "${CASE##*_}" ;;
  node_resume_client_tls1[23]) node_resume_client "${CASE##*_}" ;;
  node_resume_server_tls1[23]) node_resume_server "${CASE##*_}" ;;
  www_gnutls_client_tls1[23]) www_gnutls_client "${CASE##*_}" ;;
  client_gnutls_server_tls1[23]) client_gnutls_server "${CASE##*_}" ;;
  node_client_tls1[23]) node_client "${CASE##*_}" ;;
  node_server_tls1[23]) node_server "${CASE##*_}" ;;
  node_concurrent_clients_tls1[23]) node_concurrent_clients "${CASE##*_}" ;;
  node_uv_echo_client_tls1[23]) node_uv_echo_client "${CASE##*_}" ;;
  node_uv_duplex_client_tls1[23]) node_uv_duplex_client "${CASE##*_}" ;;
  www_openssl_client_tls1[23]) www_openssl_client "${CASE##*_}" ;;
  www_curl_tls1[23]) www_curl "${CASE##*_}" ;;
  www_curl_ipv6) www_curl_ipv6 ;;
  client_json_openssl_server_tls1[23]) client_json_openssl_server "${CASE##*_}" ;;
  client_cert_tls1[23]) client_cert "${CASE##*_}" ;;
  client_cert_missing_rejected) client_cert_missing_rejected ;;
  client_cert_optional) client_cert_optional ;;
  client_rejects_expired_server) client_rejects_expired_server ;;
  client_insecure_expired_server) client_insecure_expired_server ;;
  omnitls_client_*_tls1[23]) omnitls_client "${CASE##*_}" ;;
  *)
    echo "run.sh: unknown case '$CASE'" >&2
    exit 2
    ;;
esac
no_sanitizer_reports
echo "PASS: $CASE"
