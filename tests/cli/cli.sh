#!/usr/bin/env bash
# omnitls CLI tool subcommands: x509, check-identity, ciphers.
#   OMNITLS=<omnitls-backend binary> OTLS_PKI_DIR=<pki> cli.sh CASE
set -u
: "${OMNITLS:?}" "${OTLS_PKI_DIR:?}"
P=$OTLS_PKI_DIR
fail() { echo "FAIL: $*" >&2; exit 1; }
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
  *) echo "unknown case $1" >&2; exit 2 ;;
esac
echo "PASS: $1"
