#!/usr/bin/env bash
# omnitls CLI tool subcommands: x509, check-identity, ciphers; and the
# s_client / s_server context flags (-pfx, -pass, -cipher, -ciphersuites,
# -curves, -dhparam, -CRL), client and server of the same variant over
# loopback.
#   OMNITLS=<omnitls-backend binary> OTLS_PKI_DIR=<pki> cli.sh CASE
set -u
: "${OMNITLS:?}" "${OTLS_PKI_DIR:?}"
HERE=$(cd "$(dirname "$0")" && pwd)
# start_omnitls_server, wait_server, fail (with the logs), expect_fixed, ...
. "$HERE/../interop/lib.sh"
P=$OTLS_PKI_DIR

# Does this variant have a capability (omnitls version)?
has_cap() { "$OMNITLS" version | grep -q "^capabilities:.* $1\( \|$\)"; }

# client NAME ARGS... — omnitls s_client to the server started last, with
# stdin closed (it sends close_notify once connected); its JSON line in
# $WORK/NAME.json, stderr in $WORK/NAME.err; returns its exit status.
client() {
  local name=$1 rc=0
  shift
  timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost -json \
    "$@" </dev/null >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
  [ "$rc" -ne 124 ] || fail "s_client $name timed out"
  return "$rc"
}

# server ARGS... — omnitls s_server on 127.0.0.1, one JSON line per
# connection, in $SERVER_OUT (a new file per server: no stale ACCEPT line).
NSERVER=0
server() {
  NSERVER=$((NSERVER + 1))
  SERVER_OUT=$WORK/server$NSERVER.out
  start_omnitls_server "$OMNITLS" "server$NSERVER" -accept 127.0.0.1:0 -json "$@"
}

# server_fails WHAT CODE ARGS... — s_server must refuse to start with CODE.
server_fails() {
  local what=$1 code=$2 rc=0
  shift 2
  timeout 20 "$OMNITLS" s_server -accept 127.0.0.1:0 -naccept 0 "$@" \
    >"$WORK/refused.out" 2>"$WORK/refused.err" || rc=$?
  [ "$rc" = 1 ] || fail "$what: s_server exited $rc, want 1"
  grep -q "^error: $code" "$WORK/refused.err" || fail "$what: no '$code' error"
}

RSA=(-cert "$P/server-rsa-chain.pem" -key "$P/server-rsa.key")
case ${1:?} in
  x509)
    out=$("$OMNITLS" x509 -in "$P/server-rsa.pem") || fail "x509 exited $?"
    [[ $out == '{"subject":{"C":"US","ST":"CA","L":"San Francisco","O":"omnitls","OU":"Test","CN":"localhost"},"issuer":'* ]] ||
      fail "unexpected JSON: ${out:0:200}"
    fp=$(openssl x509 -in "$P/server-rsa.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
    [[ $out == *"\"fingerprint256\":\"$fp\""* ]] || fail "fingerprint256 differs from openssl's"
    n=$("$OMNITLS" x509 -in "$P/server-rsa-chain.pem" -chain | wc -l)
    [ "$n" = 2 ] || fail "-chain printed $n lines, want 2"
    "$OMNITLS" x509 -in /dev/null >/dev/null 2>&1 && fail "an empty file was accepted"
    ;;
  check_identity)
    [ "$("$OMNITLS" check-identity localhost "$P/server-rsa.pem")" = ok ] || fail "localhost"
    [ "$("$OMNITLS" check-identity 127.0.0.1 "$P/server-rsa.pem")" = ok ] || fail "127.0.0.1"
    out=$("$OMNITLS" check-identity localhost "$P/wronghost.pem"); rc=$?
    [ "$rc" = 1 ] || fail "a wrong host exited $rc"
    [ "$out" = "ERR_TLS_CERT_ALTNAME_INVALID: Host: localhost. is not in the cert's altnames: DNS:wrong.example.test" ] ||
      fail "unexpected reason: $out"
    "$OMNITLS" check-identity localhost >/dev/null 2>&1; [ $? = 2 ] || fail "usage error is not exit 2"
    ;;
  ciphers)
    out=$("$OMNITLS" ciphers ECDHE-RSA-AES128-GCM-SHA256) || fail "ciphers exited $?"
    [ "$out" = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256" ] ||
      fail "unexpected list: $out"
    "$OMNITLS" ciphers -json 'ECDHE-RSA-AES256-GCM-SHA384' | grep -Fq '{"name":"ECDHE-RSA-AES256-GCM-SHA384","standardName":"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384","version":"TLSv1.2"}' ||
      fail "-json"
    "$OMNITLS" ciphers NOPE 2>&1 | grep -q '^error: ERR_SSL_NO_CIPHER_MATCH' || fail "no-match error"
    ;;
  s_pfx)
    # Server key and chain from a PKCS#12 bundle; the client's too (-Verify).
    server -pfx "$P/server-rsa.p12" -pass pass:test-pass -CAfile "$P/ca.pem" -Verify 1 \
      -naccept 1
    client ok -CAfile "$P/ca.pem" -pfx "$P/client.p12" -pass pass:test-pass ||
      fail "s_client -pfx exited with an error"
    wait_server || fail "s_server -pfx exited with an error"
    expect_fixed "$WORK/ok.json" '"authorized":true' "the client did not trust the pfx server"
    expect_fixed "$WORK/ok.json" "\"fingerprint256\":\"$(cert_fp256 "$P/server-rsa.pem")\"" \
      "the server did not send the pfx's certificate"
    expect_fixed "$SERVER_OUT" '"authorized":true' "the server did not accept the pfx client"
    expect_fixed "$SERVER_OUT" "\"fingerprint256\":\"$(cert_fp256 "$P/client.pem")\"" \
      "the client did not send the pfx's certificate"
    # A wrong passphrase, and a file that is no bundle.
    server_fails "wrong -pass" ERR_OSSL_BAD_DECRYPT -pfx "$P/server-rsa.p12" -pass pass:nope
    server_fails "PEM as -pfx" ERR_OSSL_ASN1_WRONG_TAG -pfx "$P/server-rsa.key" -pass pass:x
    server_fails "RC2 -pfx" ERR_CRYPTO_UNSUPPORTED_OPERATION -pfx "$P/server-rsa-legacy.p12" \
      -pass pass:test-pass
    ;;
  s_pass)
    server -cert "$P/server-rsa-chain.pem" -key "$P/server-rsa-enc.key" -pass pass:test-pass \
      -naccept 1
    client ok -CAfile "$P/ca.pem" || fail "s_client exited with an error"
    wait_server || fail "s_server exited with an error"
    expect_fixed "$WORK/ok.json" '"authorized":true' "no handshake with the encrypted key"
    server_fails "wrong -pass" ERR_OSSL_BAD_DECRYPT -cert "$P/server-rsa-chain.pem" \
      -key "$P/server-rsa-enc.key" -pass pass:wrong
    export OTLS_CLI_PASS=test-pass
    server -cert "$P/server-rsa-chain.pem" -key "$P/server-rsa-enc-trad.key" \
      -pass env:OTLS_CLI_PASS -naccept 1
    client env -CAfile "$P/ca.pem" || fail "s_client exited with an error (env:)"
    wait_server || fail "s_server -pass env: exited with an error"
    ;;
  s_cipher)
    # TLS 1.2 only: GnuTLS enables ciphers rather than suites, and a TLS 1.3
    # suite's cipher would widen the TLS 1.2 list (README: exact-ciphers).
    server "${RSA[@]}" -cipher ECDHE-RSA-AES256-GCM-SHA384 -tls1_2 -naccept 1
    client ok -CAfile "$P/ca.pem" -tls1_2 \
      -cipher 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' ||
      fail "s_client -cipher exited with an error"
    wait_server || fail "s_server -cipher exited with an error"
    expect_fixed "$WORK/ok.json" '"cipher":{"name":"ECDHE-RSA-AES256-GCM-SHA384"' "-cipher"
    # No suite in common: the client gets the server's handshake_failure.
    server "${RSA[@]}" -cipher ECDHE-RSA-AES256-GCM-SHA384 -tls1_2 -naccept 1
    client none -CAfile "$P/ca.pem" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 &&
      fail "a client with no suite in common connected"
    wait_server
    expect_fixed "$WORK/none.json" '"error":"ERR_SSL_ALERT_RECEIVED"' "no alert for no shared suite"
    expect_fixed "$SERVER_OUT" '"error":"ERR_SSL_NO_SHARED_CIPHER"' "server: no shared cipher"
    client_rc=0
    timeout 20 "$OMNITLS" s_client -connect 127.0.0.1:1 -cipher NOPE </dev/null \
      >/dev/null 2>"$WORK/nomatch.err" || client_rc=$?
    [ "$client_rc" = 1 ] && grep -q '^error: ERR_SSL_NO_CIPHER_MATCH' "$WORK/nomatch.err" ||
      fail "-cipher NOPE: want ERR_SSL_NO_CIPHER_MATCH"
    ;;
  s_ciphersuites)
    if ! has_cap tls13-ciphers; then
      # Checked, not assumed: the engine refuses to choose TLS 1.3 suites.
      server_fails "-ciphersuites" ERR_OTLS_UNSUPPORTED "${RSA[@]}" \
        -ciphersuites TLS_CHACHA20_POLY1305_SHA256
      skip "TLS 1.3 suites cannot be chosen on this backend (checked: ERR_OTLS_UNSUPPORTED)"
    fi
    # One string from both flags: TLS 1.3 from -ciphersuites, TLS 1.2 from
    # -cipher. ChaCha20 in both, so that GnuTLS (ciphers, not suites) enables
    # exactly these two.
    server "${RSA[@]}" -ciphersuites TLS_CHACHA20_POLY1305_SHA256 \
      -cipher ECDHE-RSA-CHACHA20-POLY1305 -naccept 2
    client v13 -CAfile "$P/ca.pem" || fail "s_client (TLS 1.3) exited with an error"
    client v12 -CAfile "$P/ca.pem" -tls1_2 || fail "s_client (TLS 1.2) exited with an error"
    wait_server || fail "s_server -ciphersuites exited with an error"
    expect_fixed "$WORK/v13.json" '"cipher":{"name":"TLS_CHACHA20_POLY1305_SHA256"' "TLS 1.3 suite"
    expect_fixed "$WORK/v12.json" '"cipher":{"name":"ECDHE-RSA-CHACHA20-POLY1305"' "TLS 1.2 suite"
    # The client side; -ciphersuites alone keeps the default TLS 1.2 list.
    server "${RSA[@]}" -naccept 2
    client c13 -CAfile "$P/ca.pem" -ciphersuites TLS_CHACHA20_POLY1305_SHA256 \
      -cipher ECDHE-RSA-CHACHA20-POLY1305 || fail "s_client -ciphersuites exited with an error"
    client c12 -CAfile "$P/ca.pem" -ciphersuites TLS_CHACHA20_POLY1305_SHA256 -tls1_2 ||
      fail "s_client -ciphersuites -tls1_2 exited with an error"
    wait_server || fail "s_server exited with an error"
    expect_fixed "$WORK/c13.json" '"cipher":{"name":"TLS_CHACHA20_POLY1305_SHA256"' \
      "client TLS 1.3 suite"
    expect_fixed "$WORK/c12.json" '"cipher":{"name":"ECDHE-RSA-AES128-GCM-SHA256"' \
      "client TLS 1.2 default"
    ;;
  s_curves)
    server "${RSA[@]}" -curves P-384 -naccept 2
    client v13 -CAfile "$P/ca.pem" -curves X25519:P-384 || fail "s_client -curves exited with an error"
    client v12 -CAfile "$P/ca.pem" -curves secp384r1 -tls1_2 ||
      fail "s_client -curves -tls1_2 exited with an error"
    wait_server || fail "s_server -curves exited with an error"
    for v in v13 v12; do
      expect_fixed "$WORK/$v.json" '"ephemeralKeyInfo":{"type":"ECDH","name":"secp384r1","size":384}' \
        "$v: the group is not secp384r1"
    done
    server_fails "unknown curve" ERR_INVALID_ARG_VALUE "${RSA[@]}" -curves P-999
    ;;
  s_dhparam)
    if ! has_cap dhparam; then
      server_fails "-dhparam" ERR_OTLS_UNSUPPORTED "${RSA[@]}" -dhparam "$P/dh2048.pem"
      skip "no DHE on this backend (checked: ERR_OTLS_UNSUPPORTED)"
    fi
    server "${RSA[@]}" -dhparam "$P/dh2048.pem" -cipher DHE-RSA-AES128-GCM-SHA256 -tls1_2 \
      -naccept 1
    client ok -CAfile "$P/ca.pem" -cipher DHE-RSA-AES128-GCM-SHA256 ||
      fail "s_client exited with an error"
    wait_server || fail "s_server -dhparam exited with an error"
    expect_fixed "$WORK/ok.json" '"cipher":{"name":"DHE-RSA-AES128-GCM-SHA256"' "no DHE suite"
    expect_fixed "$WORK/ok.json" '"ephemeralKeyInfo":{"type":"DH","size":2048}' "DH size"
    server_fails "a certificate as -dhparam" ERR_OSSL_PEM_NO_START_LINE "${RSA[@]}" \
      -dhparam "$P/ca.pem"
    ;;
  s_crl)
    if ! has_cap crl; then
      server_fails "-CRL" ERR_OTLS_UNSUPPORTED "${RSA[@]}" -CRL "$P/crl-all.pem"
      skip "no CRL support on this backend (checked: ERR_OTLS_UNSUPPORTED)"
    fi
    # Client: a revoked server, then a chain whose root issued no CRL we have.
    server -cert "$P/revoked-chain.pem" -key "$P/revoked.key" -naccept 1
    client revoked -CAfile "$P/ca.pem" -CRL "$P/crl-all.pem" && fail "a revoked server was accepted"
    wait_server
    expect_fixed "$WORK/revoked.json" '"error":"CERT_REVOKED"' "-CRL: want CERT_REVOKED"
    server "${RSA[@]}" -naccept 2
    client nocrl -CAfile "$P/ca.pem" -CRL "$P/crl.pem" -insecure || fail "s_client -insecure failed"
    client good -CAfile "$P/ca.pem" -CRL "$P/crl-all.pem" || fail "s_client -CRL (good) failed"
    wait_server || fail "s_server exited with an error"
    expect_fixed "$WORK/nocrl.json" '"authorizationError":"UNABLE_TO_GET_CRL"' "want UNABLE_TO_GET_CRL"
    expect_fixed "$WORK/good.json" '"authorized":true' "a good chain with all CRLs"
    # Server: client certificates checked against the CRLs.
    server "${RSA[@]}" -CAfile "$P/ca.pem" -Verify 1 -CRL "$P/crl.pem" -naccept 1
    client cc -CAfile "$P/ca.pem" -cert "$P/client-chain.pem" -key "$P/client.key"
    wait_server
    expect_fixed "$SERVER_OUT" '"error":"UNABLE_TO_GET_CRL"' "server -CRL: want UNABLE_TO_GET_CRL"
    server "${RSA[@]}" -CAfile "$P/ca.pem" -Verify 1 -CRL "$P/crl-all.pem" -naccept 1
    client cc2 -CAfile "$P/ca.pem" -cert "$P/client-chain.pem" -key "$P/client.key" ||
      fail "a good client certificate was refused"
    wait_server || fail "s_server -CRL exited with an error"
    expect_fixed "$SERVER_OUT" '"authorized":true' "server -CRL: the client is not authorized"
    ;;
  s_servername_context)
    # -servername_context NAME:CERT:KEY (wildcards as Node's addContext).
    server "${RSA[@]}" -servername_context "*.wild.test:$P/server-ec-chain.pem:$P/server-ec.key" \
      -naccept 2
    timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername a.wild.test -json \
      -insecure -CAfile "$P/ca.pem" </dev/null >"$WORK/sni.json" 2>"$WORK/sni.err" ||
      fail "s_client (a.wild.test) failed"
    client plain -CAfile "$P/ca.pem" || fail "s_client (localhost) failed"
    wait_server || fail "s_server exited with an error"
    expect_fixed "$WORK/sni.json" '"asn1Curve":"prime256v1"' "the SNI context's EC leaf was not served"
    expect_fixed "$WORK/plain.json" '"bits":2048' "the default RSA leaf was not served"
    expect_fixed "$SERVER_OUT" '"servername":"a.wild.test"' "the server saw no SNI name"
    ;;
  s_sessions)
    # -sess_out / -sess_in across two client processes; -ticket_keys shared by
    # two server processes; -no_ticket + TLS 1.2 resumes by session id.
    KEYS=$(printf '%096d' 7)
    server "${RSA[@]}" -ticket_keys "$KEYS" -naccept 1
    client first -CAfile "$P/ca.pem" -sess_out "$WORK/sess.bin" || fail "s_client -sess_out failed"
    wait_server || fail "s_server exited with an error"
    [ -s "$WORK/sess.bin" ] || fail "-sess_out wrote no session"
    expect_fixed "$WORK/first.json" '"tickets":1' "the client counted no ticket"
    server "${RSA[@]}" -ticket_keys "$KEYS" -naccept 1
    client again -CAfile "$P/ca.pem" -sess_in "$WORK/sess.bin" || fail "s_client -sess_in failed"
    wait_server || fail "the second s_server exited with an error"
    expect_fixed "$WORK/again.json" '"isSessionReused":true' "no resumption on a server with the same key"
    server "${RSA[@]}" -naccept 1
    client other -CAfile "$P/ca.pem" -sess_in "$WORK/sess.bin" || fail "s_client -sess_in (other key)"
    wait_server
    expect_fixed "$WORK/other.json" '"isSessionReused":false' "resumed on a server with another key"
    server "${RSA[@]}" -no_ticket -tls1_2 -naccept 6
    client ids -CAfile "$P/ca.pem" -reconnect || fail "s_client -reconnect (session ids) failed"
    wait_server || fail "s_server -no_ticket exited with an error"
    [ "$(grep -c '"isSessionReused":true' "$WORK/ids.json")" = 5 ] ||
      fail "TLS 1.2 session ids did not resume 5 times"
    ;;
  s_keymatexport)
    server "${RSA[@]}" -naccept 1
    client km -CAfile "$P/ca.pem" -keymatexport EXPERIMENTAL-omnitls -keymatexportlen 32 ||
      fail "s_client -keymatexport failed"
    wait_server || fail "s_server exited with an error"
    grep -Eq '"keyingMaterial":"[0-9a-f]{64}"' "$WORK/km.json" || fail "no 32-byte keyingMaterial"
    ;;
  s_concurrent)
    # The event-layer server: clients at the same time, a garbage ClientHello
    # and a silent client failing (tlsClientError) while the others go on;
    # -naccept counts every connection that ended, completed or failed.
    server "${RSA[@]}" -echo -handshake_timeout 1500 -naccept 4
    # Two clients that stay connected until both handshakes are logged: a
    # server taking one connection at a time cannot pass this.
    for n in a b; do
      (sleep 4; echo "bye $n") | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -CAfile "$P/ca.pem" >"$WORK/$n.out" 2>"$WORK/$n.err" &
      eval "pid_$n=\$!"
      PIDS+=("$!")
    done
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot open a TCP connection"
    printf 'GET / HTTP/1.0\r\n\r\n' >&3 # not a ClientHello
    exec 4<>"/dev/tcp/127.0.0.1/$PORT" # says nothing: handshake timeout
    tries=0
    until [ "$(grep -c '"event":"secureConnection"' "$SERVER_OUT")" = 2 ]; do
      [ $((tries += 1)) -le 30 ] || fail "two clients were not served at the same time"
      sleep 0.1
    done
    kill -0 "$pid_a" 2>/dev/null && kill -0 "$pid_b" 2>/dev/null ||
      fail "a client ended before both were connected"
    wait "$pid_a" || fail "client a failed"
    wait "$pid_b" || fail "client b failed"
    wait_server || fail "s_server exited with an error"
    exec 3>&- 4>&-
    expect_json_lines "$SERVER_OUT"
    expect_fixed "$WORK/a.out" "bye a" "client a got no echo"
    expect_fixed "$WORK/b.out" "bye b" "client b got no echo"
    expect "$SERVER_OUT" '{"event":"tlsClientError","remoteAddress":"127.0.0.1","remotePort":[0-9]+,"code":"ERR_OTLS_BAD_CLIENT_HELLO"' \
      "no tlsClientError for a garbage ClientHello"
    expect "$SERVER_OUT" '{"event":"tlsClientError","remoteAddress":"127.0.0.1","remotePort":[0-9]+,"code":"ERR_TLS_HANDSHAKE_TIMEOUT"' \
      "no tlsClientError for a silent client"
    ;;
  s_naccept_www)
    # -www with keep-alive and -naccept: the server ends after the third
    # connection has ended, whatever their order.
    server "${RSA[@]}" -www -naccept 3
    for n in 1 2 3; do
      printf 'GET /%s HTTP/1.1\r\nHost: localhost\r\n\r\nGET /again HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$n" |
        timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
          -CAfile "$P/ca.pem" >"$WORK/www$n.out" 2>"$WORK/www$n.err" &
      PIDS+=("$!")
    done
    wait_server || fail "s_server -www -naccept 3 exited with an error"
    for n in 1 2 3; do
      tries=0
      until [ "$(grep -c '^HTTP/1.0 200 OK' "$WORK/www$n.out")" = 2 ]; do
        [ $((tries += 1)) -le 50 ] || fail "client $n did not get two answers"
        sleep 0.1
      done
    done
    [ "$(grep -c '"event":"secureConnection"' "$SERVER_OUT")" = 3 ] || fail "want 3 connections"
    ;;
  s_workers)
    # -workers 2: two loops on two threads, one port. -naccept counts the
    # connections of both; their JSON lines never interleave.
    server "${RSA[@]}" -echo -workers 2 -naccept 8
    pids=()
    for n in 1 2 3 4 5 6 7 8; do
      (echo "hello $n"; sleep 1) | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -CAfile "$P/ca.pem" >"$WORK/w$n.out" 2>"$WORK/w$n.err" &
      pids+=("$!")
      PIDS+=("$!")
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a client of the workers failed"; done
    wait_server || fail "s_server -workers 2 exited with an error"
    expect_json_lines "$SERVER_OUT"
    [ "$(grep -c '^{"event":"secureConnection",' "$SERVER_OUT")" = 8 ] ||
      fail "want 8 secureConnection lines, each on its own line"
    [ "$(wc -l <"$SERVER_OUT")" = 9 ] || fail "want the ACCEPT line and 8 JSON lines"
    for n in 1 2 3 4 5 6 7 8; do
      expect_fixed "$WORK/w$n.out" "hello $n" "client $n got no echo"
    done
    # A session made on one worker resumes on any: one session cache (TLS
    # 1.2 session ids) and one set of ticket keys (TLS 1.3 tickets).
    server "${RSA[@]}" -echo -workers 2 -no_ticket -tls1_2 -naccept 6
    client ids -CAfile "$P/ca.pem" -reconnect || fail "s_client -reconnect (session ids) failed"
    wait_server || fail "s_server -workers -no_ticket exited with an error"
    [ "$(grep -c '"isSessionReused":true' "$WORK/ids.json")" = 5 ] ||
      fail "TLS 1.2 session ids did not resume 5 times across the workers"
    server "${RSA[@]}" -echo -workers 2 -naccept 6
    client tickets -CAfile "$P/ca.pem" -reconnect || fail "s_client -reconnect (tickets) failed"
    wait_server || fail "s_server -workers exited with an error"
    [ "$(grep -c '"isSessionReused":true' "$WORK/tickets.json")" = 5 ] ||
      fail "TLS 1.3 tickets did not resume 5 times across the workers"
    # stdin cannot be relayed to several loops: a usage error.
    rc=0
    timeout 20 "$OMNITLS" s_server -accept 127.0.0.1:0 "${RSA[@]}" -workers 2 -naccept 0 \
      </dev/null >/dev/null 2>"$WORK/relay.err" || rc=$?
    [ "$rc" = 2 ] || fail "-workers without -www/-echo exited $rc, want 2"
    ;;
  *) echo "unknown case $1" >&2; exit 2 ;;
esac
echo "PASS: $1"
