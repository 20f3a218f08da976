#!/usr/bin/env bash
# omnitls CLI tool subcommands: x509, check-identity, ciphers; the help,
# the exit statuses and the man page; s_client's summary and relay against
# omnitls s_server and openssl s_server; and the s_client / s_server context
# flags (-pfx, -pass, -cipher, -ciphersuites, -curves, -dhparam, -CRL),
# client and server of the same variant over loopback.
#   OMNITLS=<omnitls-backend binary> OTLS_PKI_DIR=<pki> [OTLS_MAN_SOURCE=<omnitls.1.in>] cli.sh CASE
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

# server_fails WHAT CODE ARGS... — s_server must refuse to start with CODE:
# exit status 77 for ERR_OTLS_UNSUPPORTED (not on this backend), else 1.
server_fails() {
  local what=$1 code=$2 rc=0 want=1
  shift 2
  [ "$code" != ERR_OTLS_UNSUPPORTED ] || want=77
  timeout 20 "$OMNITLS" s_server -accept 127.0.0.1:0 -naccept 0 "$@" \
    >"$WORK/refused.out" 2>"$WORK/refused.err" || rc=$?
  [ "$rc" = "$want" ] || fail "$what: s_server exited $rc, want $want"
  grep -q "^error: $code: .* (OTLS_E_[A-Z0-9_]*)\$" "$WORK/refused.err" ||
    fail "$what: no 'error: $code: ... (OTLS_E_...)' line"
}

# The name the tool calls itself in messages.
PROG=${OMNITLS##*/}

# usage_error WHAT ARGS... — `omnitls ARGS` must exit 2 and print exactly
# two lines on stderr, the second "see '<prog> <cmd> --help'", nothing on stdout.
usage_error() {
  local what=$1 rc=0
  shift
  "$OMNITLS" "$@" >"$WORK/usage.out" 2>"$WORK/usage.err" </dev/null || rc=$?
  [ "$rc" = 2 ] || fail "$what: exited $rc, want 2"
  [ ! -s "$WORK/usage.out" ] || fail "$what: printed on stdout"
  [ "$(wc -l <"$WORK/usage.err")" = 2 ] || fail "$what: want a 2-line message, got: $(cat "$WORK/usage.err")"
  local see="see '$PROG --help'"
  case $1 in s_client | s_server | version | x509 | check-identity | ciphers) see="see '$PROG $1 --help'" ;; esac
  [ "$(sed -n 2p "$WORK/usage.err")" = "$see" ] || fail "$what: the second line is not: $see"
}

# The commands `omnitls --help` lists.
commands() { "$OMNITLS" --help | sed -n '/^commands:/,/^$/s/^  \([a-z0-9_-]*\)  .*/\1/p'; }

# help_options CMD — "NAME ARG" (ARG may be empty) for each option CMD --help prints.
help_options() {
  "$OMNITLS" "$1" --help | sed -n '/^options:/,/^$/p' | awk -F '  +' '/^  -/ { print $2 }' |
    grep -v '^-help,'
}

RSA=(-cert "$P/server-rsa-chain.pem" -key "$P/server-rsa.key")
case ${1:?} in
  no_system_ca)
    # A machine without a system CA bundle (no ca-certificates package, as
    # on a minimal Debian): a context without `ca` gets an empty store on
    # every backend, as with Node — a server starts and serves, a client
    # fails verification, not context creation. The bundle is hidden by a
    # tmpfs in a mount namespace of this test's own (root only; else Not Run).
    if [ -z "${OTLS_NO_SYSTEM_CA_NS:-}" ]; then
      [ -e /etc/ssl/certs ] || { echo "no /etc/ssl/certs to hide"; exit 77; }
      command -v unshare >/dev/null || { echo "no unshare(1)"; exit 77; }
      unshare --mount --propagation private true 2>/dev/null ||
        { echo "cannot make a mount namespace (not root?)"; exit 77; }
      OTLS_NO_SYSTEM_CA_NS=1 exec unshare --mount --propagation private \
        sh -c 'mount -t tmpfs tmpfs /etc/ssl/certs && exec "$0" no_system_ca' "$0"
    fi
    [ ! -e /etc/ssl/certs/ca-certificates.crt ] || fail "the system bundle is still visible"
    server "${RSA[@]}"
    client trusted -CAfile "$P/ca.pem" || fail "a client given ca.pem could not connect"
    grep -q '"authorized":true' "$WORK/trusted.json" || fail "not authorized with ca.pem"
    rc=0
    client untrusted || rc=$?
    [ "$rc" = 1 ] || fail "a client with the (empty) system store exited $rc, want 1"
    grep -q '^error: UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ' "$WORK/untrusted.err" ||
      fail "want UNABLE_TO_GET_ISSUER_CERT_LOCALLY, got: $(cat "$WORK/untrusted.err")"
    echo "empty system store: the server serves, an unconfigured client fails verification"
    ;;
  x509)
    out=$("$OMNITLS" x509 -in "$P/server-rsa.pem" -json) || fail "x509 -json exited $?"
    [[ $out == '{"subject":{"C":"US","ST":"CA","L":"San Francisco","O":"omnitls","OU":"Test","CN":"localhost"},"issuer":'* ]] ||
      fail "unexpected JSON: ${out:0:200}"
    fp=$(openssl x509 -in "$P/server-rsa.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
    [[ $out == *"\"fingerprint256\":\"$fp\""* ]] || fail "fingerprint256 differs from openssl's"
    n=$("$OMNITLS" x509 -in "$P/server-rsa-chain.pem" -chain -json | wc -l)
    [ "$n" = 2 ] || fail "-chain -json printed $n lines, want 2"
    # For people by default: one "Label: value" line each, values as openssl's.
    "$OMNITLS" x509 -in "$P/server-rsa.pem" >"$WORK/x509.txt" || fail "x509 exited $?"
    expect "$WORK/x509.txt" '^Subject: +C=US, ST=CA, L=San Francisco, O=omnitls, OU=Test, CN=localhost$' "Subject line"
    expect "$WORK/x509.txt" '^Issuer: +O=omnitls, CN=omnitls Test Intermediate CA$' "Issuer line"
    end=$(openssl x509 -in "$P/server-rsa.pem" -noout -enddate | sed 's/^notAfter=//')
    expect_fixed "$WORK/x509.txt" "Not After:            $end" "Not After differs from openssl's ($end)"
    serial=$(openssl x509 -in "$P/server-rsa.pem" -noout -serial | sed 's/^serial=//')
    expect_fixed "$WORK/x509.txt" "Serial Number:        $serial" "serial differs from openssl's"
    expect_fixed "$WORK/x509.txt" "SHA-256 Fingerprint:  $fp" "SHA-256 fingerprint differs from openssl's"
    expect "$WORK/x509.txt" '^Subject Alt Names: +DNS:localhost, ' "no subject alternative names"
    expect "$WORK/x509.txt" '^Public Key: +RSA 2048 bits' "no RSA key line"
    expect_not "$WORK/x509.txt" '^[{]' "JSON without -json"
    "$OMNITLS" x509 -in "$P/server-ec.pem" | grep -Eq '^Public Key: +EC prime256v1 \(256 bits\)$' ||
      fail "no EC key line"
    [ "$("$OMNITLS" x509 -in "$P/server-rsa-chain.pem" -chain | grep -c '^Certificate [12]:$')" = 2 ] ||
      fail "-chain did not show 2 certificates"
    # Failures: exit 1 and an error line naming the code.
    rc=0; "$OMNITLS" x509 -in /dev/null >/dev/null 2>"$WORK/x.err" || rc=$?
    [ "$rc" = 1 ] || fail "an empty file: exit $rc, want 1"
    expect "$WORK/x.err" '^error: ERR_OSSL_PEM_NO_START_LINE: .*\(OTLS_E_PEM_NO_START_LINE\)$' "empty file error"
    rc=0; "$OMNITLS" x509 -in "$WORK/missing.pem" >/dev/null 2>"$WORK/x.err" || rc=$?
    [ "$rc" = 1 ] || fail "a missing file: exit $rc, want 1"
    expect "$WORK/x.err" '^error: ENOENT: .*\(OTLS_E_FILE\)$' "missing file error"
    usage_error "x509 without -in" x509
    ;;
  check_identity)
    [ "$("$OMNITLS" check-identity localhost "$P/server-rsa.pem")" = ok ] || fail "localhost"
    [ "$("$OMNITLS" check-identity 127.0.0.1 "$P/server-rsa.pem")" = ok ] || fail "127.0.0.1"
    out=$("$OMNITLS" check-identity localhost "$P/wronghost.pem"); rc=$?
    [ "$rc" = 1 ] || fail "a wrong host exited $rc"
    [ "$out" = "ERR_TLS_CERT_ALTNAME_INVALID: Host: localhost. is not in the cert's altnames: DNS:wrong.example.test" ] ||
      fail "unexpected reason: $out"
    usage_error "check-identity with one operand" check-identity localhost
    usage_error "check-identity with three operands" check-identity a b c
    out=$("$OMNITLS" check-identity -json localhost "$P/server-rsa.pem") || fail "-json: ok exited $?"
    [ "$out" = '{"host":"localhost","ok":true}' ] || fail "-json ok: $out"
    out=$("$OMNITLS" check-identity localhost "$P/wronghost.pem" -json); rc=$?
    [ "$rc" = 1 ] || fail "-json: a wrong host exited $rc"
    [ "$out" = '{"host":"localhost","ok":false,"code":"ERR_TLS_CERT_ALTNAME_INVALID","reason":"Host: localhost. is not in the cert'"'"'s altnames: DNS:wrong.example.test"}' ] ||
      fail "-json mismatch: $out"
    ;;
  ciphers)
    out=$("$OMNITLS" ciphers ECDHE-RSA-AES128-GCM-SHA256) || fail "ciphers exited $?"
    [ "$out" = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256" ] ||
      fail "unexpected list: $out"
    "$OMNITLS" ciphers -json 'ECDHE-RSA-AES256-GCM-SHA384' | grep -Fq '{"name":"ECDHE-RSA-AES256-GCM-SHA384","standardName":"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384","version":"TLSv1.2"}' ||
      fail "-json"
    rc=0; "$OMNITLS" ciphers NOPE >/dev/null 2>"$WORK/c.err" || rc=$?
    [ "$rc" = 1 ] || fail "no match: exit $rc, want 1"
    expect "$WORK/c.err" '^error: ERR_SSL_NO_CIPHER_MATCH: .*\(OTLS_E_NO_CIPHER_MATCH\)$' "no-match error"
    usage_error "two cipher strings" ciphers HIGH LOW
    "$OMNITLS" ciphers -v TLS_AES_128_GCM_SHA256 | grep -Eq '^0x13,0x01 +TLS_AES_128_GCM_SHA256 +TLS_AES_128_GCM_SHA256 +TLSv1.3$' ||
      fail "-v line"
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
  help)
    # --help, -help and -h of every command: the usage on stdout, exit 0,
    # each option described; `help CMD` prints the same.
    cmds=$(commands)
    for c in s_client s_server version x509 check-identity ciphers help; do
      grep -qx "$c" <<<"$cmds" || fail "omnitls --help does not list $c"
    done
    for c in $cmds; do
      [ "$c" != help ] || continue
      for h in --help -help -h; do
        rc=0
        "$OMNITLS" "$c" "$h" >"$WORK/h.out" 2>"$WORK/h.err" </dev/null || rc=$?
        [ "$rc" = 0 ] || fail "$c $h exited $rc"
        [ ! -s "$WORK/h.err" ] || fail "$c $h wrote on stderr"
        head -n1 "$WORK/h.out" | grep -q "^usage: $PROG $c " || fail "$c $h: no usage line first"
        grep -qx 'options:' "$WORK/h.out" || fail "$c $h: no options"
        grep -qx '  77  not supported by this backend (OTLS_E_UNSUPPORTED)' "$WORK/h.out" ||
          fail "$c $h: exit statuses not listed"
      done
      "$OMNITLS" help "$c" >"$WORK/help-cmd.out" || fail "help $c exited $?"
      cmp -s "$WORK/h.out" "$WORK/help-cmd.out" || fail "'help $c' differs from '$c -h'"
      # Every option has a description (no bare flag in the table).
      "$OMNITLS" "$c" --help | sed -n '/^options:/,/^$/p' | awk -F '  +' '/^  -/ && NF < 3 { getline nx; if (substr(nx, 1, 28) !~ /^ *$/ || substr(nx, 29, 1) ~ /^ ?$/) bad = bad $2 " " } END { if (bad) { print bad; exit 1 } }' ||
        fail "$c: an option without a description"
    done
    # Top level: --help, -h, help; exit statuses 0 1 2 77 explained.
    for h in --help -help -h help; do
      "$OMNITLS" $h >"$WORK/top.out" 2>"$WORK/top.err" || fail "omnitls $h exited $?"
      [ ! -s "$WORK/top.err" ] || fail "omnitls $h wrote on stderr"
      for code in 0 1 2 77; do
        grep -Eq "^  $code +[a-z]" "$WORK/top.out" || fail "omnitls $h does not explain exit status $code"
      done
    done
    # Usage errors: one line saying what, one line pointing at the help, exit 2.
    usage_error "unknown option" s_client -nope
    expect_fixed "$WORK/usage.err" "$PROG s_client: unknown option '-nope'" "the unknown option is not named"
    usage_error "missing value" s_client -connect
    expect_fixed "$WORK/usage.err" "$PROG s_client: option -connect needs a value (HOST:PORT)" "missing value"
    usage_error "missing value" s_server -accept
    usage_error "bad -connect" s_client -connect nohostport
    usage_error "bad number" s_server -cert x -naccept many
    usage_error "s_server without a certificate" s_server -accept 0
    usage_error "stray operand" s_client extra
    usage_error "unknown option" version -nope
    usage_error "unknown option" x509 -in x -text
    usage_error "unknown option" ciphers -V
    usage_error "unknown option" check-identity -x a b
    usage_error "unknown command" nope
    usage_error "help on an unknown command" help nope
    rc=0; "$OMNITLS" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 2 ] || fail "no command: exit $rc, want 2"
    # --version and version agree.
    [ "$("$OMNITLS" --version)" = "$("$OMNITLS" version)" ] || fail "--version differs from version"
    ;;
  man_options)
    # The man page describes every command and every option its --help
    # prints (with the same value name), and nothing --help does not know.
    MAN=${OTLS_MAN_SOURCE:?OTLS_MAN_SOURCE must point at docs/man/omnitls.1.in}
    sed 's/\\-/-/g' "$MAN" >"$WORK/man.txt" # roff's \- is a plain dash here
    for c in $(commands); do
      awk -v c="$c" '$0 == ".SS " c { on = 1; next } /^\.S[SH] / { on = 0 } on' "$WORK/man.txt" \
        >"$WORK/man-$c.txt"
      [ -s "$WORK/man-$c.txt" ] || fail "the man page has no section '.SS $c'"
      [ "$c" != help ] || continue
      help_options "$c" >"$WORK/opts-$c.txt"
      [ -s "$WORK/opts-$c.txt" ] || fail "$c --help lists no option"
      while read -r name arg; do
        if [ -n "$arg" ]; then
          line=".BI $name \" ${arg,,}\""
        else
          line=".B $name"
        fi
        grep -Fqx -- "$line" "$WORK/man-$c.txt" || fail "man page, section $c: no '$line' for $name"
      done <"$WORK/opts-$c.txt"
      # The other way: each option the section defines (.TP + .B/.BI) is real.
      while read -r name; do
        grep -q -- "^$name\( \|\$\)" "$WORK/opts-$c.txt" ||
          fail "man page, section $c: $name is not an option of $c"
      done < <(awk 'p { print; p = 0 } /^\.TP$/ { p = 1 }' "$WORK/man-$c.txt" | awk '/^\.BI? -/ { print $2 }')
    done
    # The exit statuses, as --help gives them.
    awk '/^\.SH EXIT STATUS/ { on = 1; next } /^\.SH / { on = 0 } on' "$WORK/man.txt" >"$WORK/man-exit.txt"
    for code in 0 1 2 77; do
      grep -qx ".B $code" "$WORK/man-exit.txt" || fail "EXIT STATUS does not list $code"
      grep -Eq "^  $code +[a-z]" <("$OMNITLS" --help) || fail "--help does not list exit status $code"
    done
    # It renders without a warning.
    if command -v groff >/dev/null 2>&1; then
      sed -e 's/@OMNITLS_MAN_NAME_UPPER@/OMNITLS/; s/@OMNITLS_MAN_NAME_ROFF@/omnitls/g' \
        -e 's/@OMNITLS_MAN_VERSION@/0/; s/@OMNITLS_MAN_BACKEND@/test/' "$MAN" >"$WORK/omnitls.1"
      groff -man -Tutf8 -ww -z "$WORK/omnitls.1" 2>"$WORK/groff.err" || fail "groff failed"
      [ ! -s "$WORK/groff.err" ] || fail "groff warns: $(cat "$WORK/groff.err")"
    fi
    ;;
  s_client_summary)
    # s_client as people use it, stdin from a pipe, against omnitls s_server:
    # the summary on stderr, only the server's data on stdout, close_notify
    # at the end of stdin, exit 0.
    server "${RSA[@]}" -echo -alpn h2,http/1.1 -naccept 10 # 4 clients, then 1 + 5 -reconnect
    printf 'hello omnitls\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
      -servername localhost -CAfile "$P/ca.pem" -alpn h2 -showcerts >"$WORK/full.out" \
      2>"$WORK/full.err" || fail "s_client exited $?"
    [ "$(cat "$WORK/full.out")" = "hello omnitls" ] || fail "stdout is not just the echo: $(head -c 300 "$WORK/full.out")"
    for re in '^CONNECTED to 127\.0\.0\.1:[0-9]+ ' '^Certificate chain \(2 sent\)$' \
      '^ 0 s:C=US, ST=CA, L=San Francisco, O=omnitls, OU=Test, CN=localhost$' \
      '^ 1 s:O=omnitls, CN=omnitls Test Intermediate CA$' '^Server certificate$' \
      '^  Subject: +C=US, ST=CA, L=San Francisco, O=omnitls, OU=Test, CN=localhost$' \
      '^  Issuer: +O=omnitls, CN=omnitls Test Intermediate CA$' '^  Not Before: +[A-Z][a-z]{2} [ 0-9]{2} ' \
      '^  Not After: +[A-Z][a-z]{2} [ 0-9]{2} ' '^Protocol: TLSv1\.3$' '^Cipher: TLS_[A-Z0-9_]+ \(TLS_' \
      '^ALPN protocol: h2$' '^Servername: localhost$' '^Session reused: no$' '^Verification: OK$' \
      '^New, TLSv1\.3, Cipher is TLS_'; do
      expect "$WORK/full.err" "$re" "the summary has no line /$re/"
    done
    # -brief: openssl's short form; -quiet: nothing; -json: a line before the data.
    printf 'brief\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
      -CAfile "$P/ca.pem" -brief -tls1_2 >"$WORK/brief.out" 2>"$WORK/brief.err" || fail "-brief exited $?"
    [ "$(cat "$WORK/brief.out")" = brief ] || fail "-brief: stdout is not just the echo"
    [ "$(head -n1 "$WORK/brief.err")" = "CONNECTION ESTABLISHED" ] || fail "-brief: first line"
    for re in '^Protocol version: TLSv1\.2$' '^Ciphersuite: ECDHE-' '^Peer certificate: .*CN=localhost$' \
      '^Verification: OK$'; do
      expect "$WORK/brief.err" "$re" "-brief has no line /$re/"
    done
    expect_not "$WORK/brief.err" '^Server certificate' "-brief printed the full summary"
    printf 'quiet\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
      -CAfile "$P/ca.pem" -quiet >"$WORK/quiet.out" 2>"$WORK/quiet.err" || fail "-quiet exited $?"
    [ "$(cat "$WORK/quiet.out")" = quiet ] && [ ! -s "$WORK/quiet.err" ] || fail "-quiet printed more"
    printf 'json\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
      -CAfile "$P/ca.pem" -json -quiet >"$WORK/json.out" 2>"$WORK/json.err" || fail "-json exited $?"
    head -n1 "$WORK/json.out" | grep -q '^{"protocol":"TLSv1.3",' || fail "-json: no JSON line first"
    [ "$(sed -n 2p "$WORK/json.out")" = json ] || fail "-json: the data does not follow the JSON line"
    # Resumption shows: -reconnect resumes 5 times ("Reused, ..." as openssl).
    timeout 30 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$P/ca.pem" \
      -reconnect </dev/null >"$WORK/re.out" 2>"$WORK/re.err" || fail "-reconnect exited $?"
    [ "$(grep -c '^Session reused: yes$' "$WORK/re.err")" = 5 ] || fail "want 5 'Session reused: yes'"
    [ "$(grep -c '^Reused, TLSv1\.3, Cipher is ' "$WORK/re.err")" = 5 ] || fail "want 5 'Reused, ...' lines"
    wait_server || fail "s_server exited with an error"
    expect "$SERVER_OUT" '"alpnProtocol":"h2"' "the server did not log ALPN h2"

    # -ign_eof: the end of stdin does not close; the server's data still comes.
    # (s_server relays its stdin: one line after a second, then it closes.)
    (sleep 1; echo "late line") | timeout 50 "$OMNITLS" s_server -accept 127.0.0.1:0 "${RSA[@]}" \
      -naccept 1 >"$WORK/relay.out" 2>"$WORK/relay.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    tries=0
    until PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1://p' "$WORK/relay.out") && [ -n "$PORT" ]; do
      [ $((tries += 1)) -le 100 ] || fail "the relaying s_server did not start"
      sleep 0.1
    done
    timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$P/ca.pem" \
      -ign_eof -quiet </dev/null >"$WORK/ign.out" 2>"$WORK/ign.err" || fail "-ign_eof exited $?"
    [ "$(cat "$WORK/ign.out")" = "late line" ] || fail "-ign_eof: the server's line did not come"
    wait_server || fail "s_server (relay) exited with an error"

    # Verification: a failure ends with exit 1 and its name and code, unless
    # -insecure, where the summary shows it and the exit status is 0.
    server -cert "$P/expired-chain.pem" -key "$P/expired.key" -naccept 2
    rc=0
    printf 'x\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
      -CAfile "$P/ca.pem" >"$WORK/exp.out" 2>"$WORK/exp.err" || rc=$?
    [ "$rc" = 1 ] || fail "an expired server: exit $rc, want 1"
    expect "$WORK/exp.err" '^error: CERT_HAS_EXPIRED: .*\(OTLS_E_CERT_HAS_EXPIRED\)$' "no CERT_HAS_EXPIRED error line"
    expect_not "$WORK/exp.err" '^Protocol:' "a summary of a rejected session"
    printf 'x\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost \
      -CAfile "$P/ca.pem" -insecure >"$WORK/ins.out" 2>"$WORK/ins.err" || fail "-insecure: exit $?"
    expect_fixed "$WORK/ins.err" "Verification error: CERT_HAS_EXPIRED (certificate has expired); connection kept (-insecure)" \
      "-insecure: the summary does not show the verification error"
    wait_server
    server -cert "$P/wronghost-chain.pem" -key "$P/wronghost.key" -naccept 1
    rc=0
    timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$P/ca.pem" \
      </dev/null >"$WORK/host.out" 2>"$WORK/host.err" || rc=$?
    [ "$rc" = 1 ] || fail "a wrong host: exit $rc, want 1"
    expect "$WORK/host.err" '^error: ERR_TLS_CERT_ALTNAME_INVALID: .*\(OTLS_E_CERT_ALTNAME_INVALID\)$' \
      "no ERR_TLS_CERT_ALTNAME_INVALID error line"
    wait_server
    # Nobody listening: exit 1, ECONNREFUSED.
    rc=0
    timeout 20 "$OMNITLS" s_client -connect 127.0.0.1:1 </dev/null >/dev/null 2>"$WORK/refused.err" || rc=$?
    [ "$rc" = 1 ] || fail "connection refused: exit $rc, want 1"
    expect "$WORK/refused.err" '^error: ECONNREFUSED: .*\(OTLS_E_CONNREFUSED\)$' "no ECONNREFUSED line"
    # A capability this backend lacks: exit 77.
    if ! has_cap ocsp-client; then
      rc=0
      timeout 20 "$OMNITLS" s_client -connect 127.0.0.1:1 -status </dev/null >/dev/null 2>"$WORK/u.err" || rc=$?
      [ "$rc" = 77 ] || fail "-status without the capability: exit $rc, want 77"
      expect "$WORK/u.err" '^error: ERR_OTLS_UNSUPPORTED: .*\(OTLS_E_UNSUPPORTED\)$' "no ERR_OTLS_UNSUPPORTED line"
    fi
    ;;
  s_client_openssl_server)
    # s_client against openssl s_server (-rev: it answers each line
    # reversed) on 127.0.0.1: the summary, the relay, and the close_notify
    # sent at the end of stdin, which openssl's -msg shows arriving.
    need openssl
    for v in tls1_3 tls1_2; do
      start_openssl_server "os-$v" -cert "$P/server-rsa.pem" -cert_chain "$P/inter.pem" \
        -key "$P/server-rsa.key" -alpn h2 -naccept 1 -rev -msg
      printf 'hello openssl\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -CAfile "$P/ca.pem" -alpn h2 "-$v" >"$WORK/$v.out" 2>"$WORK/$v.err" ||
        fail "s_client -$v against openssl s_server exited $?"
      wait_server || true
      [ "$(cat "$WORK/$v.out")" = "lssnepo olleh" ] || fail "-$v: stdout is not openssl's answer"
      proto=TLSv1.3; [ "$v" = tls1_3 ] || proto=TLSv1.2
      for re in "^Protocol: $proto\$" '^ALPN protocol: h2$' '^Verification: OK$' \
        '^  Subject: +C=US, ST=CA, L=San Francisco, O=omnitls, OU=Test, CN=localhost$' \
        "^New, $proto, Cipher is "; do
        expect "$WORK/$v.err" "$re" "-$v: the summary has no line /$re/"
      done
      expect "$WORK/os-$v.out" '^<<< TLS 1\.[23], Alert \[length 0002\], warning close_notify$' \
        "-$v: openssl s_server got no close_notify from s_client"
    done
    # Verification failure against a foreign server: exit 1; -insecure: 0.
    start_openssl_server os-exp -cert "$P/expired.pem" -cert_chain "$P/inter.pem" \
      -key "$P/expired.key" -naccept 2 -rev
    rc=0
    printf 'x\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -CAfile "$P/ca.pem" \
      >"$WORK/exp.out" 2>"$WORK/exp.err" || rc=$?
    [ "$rc" = 1 ] || fail "expired openssl server: exit $rc, want 1"
    expect "$WORK/exp.err" '^error: CERT_HAS_EXPIRED: ' "no CERT_HAS_EXPIRED line"
    printf 'abc\n' | timeout 20 "$OMNITLS" s_client -connect "127.0.0.1:$PORT" -CAfile "$P/ca.pem" \
      -insecure -brief >"$WORK/ins.out" 2>"$WORK/ins.err" || fail "-insecure exited $?"
    [ "$(cat "$WORK/ins.out")" = cba ] || fail "-insecure: no answer"
    expect "$WORK/ins.err" '^Verification error: CERT_HAS_EXPIRED ' "-insecure -brief: no verification error"
    wait_server || true
    ;;
  *) echo "unknown case $1" >&2; exit 2 ;;
esac
# Sanitizer builds: a report in any log fails, also from a process whose
# exit status the case did not look at.
no_sanitizer_reports
echo "PASS: $1"
