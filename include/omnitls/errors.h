/*
 * omnitls — error codes.
 *
 * Every failing public call returns one of the negative codes below. The
 * table is the only source of the codes, their stable names and their
 * messages. Where Node.js has an `err.code` for the same condition, the name
 * is that string (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...);
 * names starting with `ERR_OTLS_` are omnitls' own.
 *
 * OTLS_E_WANT_READ and OTLS_E_WANT_WRITE are not failures: they tell a
 * non-blocking caller what the connection needs before the call can make
 * progress.
 *
 * Values are part of the ABI and never change once released.
 */
#ifndef OMNITLS_ERRORS_H
#define OMNITLS_ERRORS_H

#include "common.h"

OTLS_BEGIN_DECLS

/*
 * The table of error codes, an X-macro: X(SUFFIX, value, "name",
 * "message") for each code OTLS_E_SUFFIX. It is the only source of
 * enum otls_errno, otls_err_name() and otls_strerror(); expand it with
 * your own X to build a table of your own (e.g. a switch over every code).
 */
#define OTLS_ERRNO_MAP(X)                                                          \
  X(NOMEM, -1, "ENOMEM", "out of memory")                                          \
  X(INVAL, -2, "ERR_INVALID_ARG_VALUE", "invalid argument")                        \
  X(WANT_READ, -3, "WANT_READ", "more input from the peer is needed")              \
  X(WANT_WRITE, -4, "WANT_WRITE", "pending output must be sent first")            \
  X(UNSUPPORTED, -5, "ERR_OTLS_UNSUPPORTED", "not supported by this backend")      \
  X(INTERNAL, -6, "ERR_OTLS_INTERNAL", "internal error in the TLS backend")        \
  X(STATE, -7, "ERR_OTLS_BAD_STATE", "operation not valid in the current state")   \
  X(CLOSED, -8, "ERR_STREAM_DESTROYED", "the connection is closed")                \
  X(WRITE_AFTER_END, -9, "ERR_STREAM_WRITE_AFTER_END", "write after end")          \
  X(BUFFER_FULL, -10, "ERR_OTLS_BUFFER_FULL", "input buffer is full; read first")  \
  X(WANT_CALLBACK, -11, "ERR_OTLS_WANT_CALLBACK",                                  \
    "the handshake waits for the application to answer an event")                 \
  /* files and credentials */                                                      \
  X(FILE, -20, "ENOENT", "cannot read file")                                       \
  X(PEM_NO_START_LINE, -21, "ERR_OSSL_PEM_NO_START_LINE",                          \
    "no PEM data found (expecting a BEGIN line)")                                  \
  X(PEM_BAD, -22, "ERR_OSSL_PEM_BAD_BASE64_DECODE", "malformed PEM data")          \
  X(DER_BAD, -23, "ERR_OSSL_ASN1_WRONG_TAG", "malformed DER (ASN.1) data")         \
  X(BAD_DECRYPT, -24, "ERR_OSSL_BAD_DECRYPT",                                      \
    "cannot decrypt the private key (wrong or missing passphrase)")                \
  X(KEY_MISMATCH, -25, "ERR_OSSL_X509_KEY_VALUES_MISMATCH",                        \
    "private key does not match the certificate")                                 \
  X(BAD_KEY, -26, "ERR_OSSL_UNSUPPORTED", "unsupported or invalid private key")    \
  X(BAD_VERSION, -27, "ERR_TLS_INVALID_PROTOCOL_VERSION",                          \
    "invalid or unsupported TLS protocol version")                                 \
  X(NO_CERT, -28, "ERR_OTLS_NO_CERTIFICATE",                                       \
    "a key was given without a certificate, or the reverse")                      \
  X(NO_CIPHER_MATCH, -29, "ERR_SSL_NO_CIPHER_MATCH", "no cipher suite matches")   \
  X(INVALID_PROTOCOL_METHOD, -30, "ERR_TLS_INVALID_PROTOCOL_METHOD",               \
    "unknown or disabled secureProtocol method")                                   \
  X(PROTOCOL_VERSION_CONFLICT, -31, "ERR_TLS_PROTOCOL_VERSION_CONFLICT",           \
    "minVersion/maxVersion conflict with secureProtocol")                          \
  X(UNSUPPORTED_PFX, -32, "ERR_CRYPTO_UNSUPPORTED_OPERATION",                     \
    "unsupported PKCS12 PFX data (e.g. legacy RC2 or RC4 encryption)")             \
  /* handshake and records */                                                      \
  X(HANDSHAKE, -40, "ERR_SSL_HANDSHAKE_FAILURE", "TLS handshake failed")           \
  X(PROTOCOL, -41, "ERR_SSL_PROTOCOL_ERROR", "TLS protocol error (bad record)")    \
  X(PEER_ALERT, -42, "ERR_SSL_ALERT_RECEIVED", "the peer sent a fatal alert")      \
  X(VERSION_MISMATCH, -43, "ERR_SSL_UNSUPPORTED_PROTOCOL",                         \
    "no protocol version in common with the peer")                                 \
  X(NO_SHARED_CIPHER, -44, "ERR_SSL_NO_SHARED_CIPHER",                             \
    "no cipher suite in common with the peer")                                     \
  X(PEER_CERT_REQUIRED, -45, "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",          \
    "the peer did not send a certificate")                                        \
  X(TRUNCATED, -46, "ERR_SSL_UNEXPECTED_EOF_WHILE_READING",                        \
    "the peer closed the transport without close_notify")                         \
  X(CONNRESET, -47, "ECONNRESET",                                                  \
    "the peer disconnected before the TLS connection was established")            \
  X(HANDSHAKE_TIMEOUT, -48, "ERR_TLS_HANDSHAKE_TIMEOUT", "TLS handshake timeout")  \
  X(BAD_CLIENT_HELLO, -49, "ERR_OTLS_BAD_CLIENT_HELLO", "malformed ClientHello")    \
  X(EXCESSIVE_MESSAGE_SIZE, -50, "ERR_SSL_EXCESSIVE_MESSAGE_SIZE",                 \
    "handshake message too large")                                                \
  X(NO_APPLICATION_PROTOCOL, -51, "ERR_SSL_NO_APPLICATION_PROTOCOL",               \
    "no application protocol (ALPN) in common with the peer")                     \
  X(BAD_SESSION, -52, "ERR_OTLS_BAD_SESSION",                                      \
    "the session is corrupt, expired, or from another backend")                   \
  X(DH_PARAM_SIZE, -53, "ERR_TLS_DH_PARAM_SIZE",                                   \
    "the server's DH parameter is smaller than minDHSize")                        \
  X(SESSION_ATTACK, -54, "ERR_TLS_SESSION_ATTACK",                                 \
    "TLS session renegotiation attack previously detected")                       \
  X(RENEGOTIATION_DISABLED, -55, "ERR_TLS_RENEGOTIATION_DISABLED",                  \
    "TLS session renegotiation disabled for this socket")                          \
  X(WRONG_SSL_VERSION, -56, "ERR_SSL_WRONG_SSL_VERSION",                           \
    "not possible with the negotiated protocol version (renegotiation needs TLS 1.2)") \
  /* sockets */                                                                    \
  X(SYSCALL, -60, "ERR_OTLS_SYSCALL", "system call failed")                        \
  X(NOTFOUND, -61, "ENOTFOUND", "host name not found")                             \
  X(CONNREFUSED, -62, "ECONNREFUSED", "connection refused")                        \
  X(TIMEDOUT, -63, "ETIMEDOUT", "operation timed out")                             \
  X(ADDRINUSE, -64, "EADDRINUSE", "address already in use")                        \
  X(PIPE, -65, "EPIPE", "broken pipe")                                             \
  /* certificate verification (Node's / OpenSSL's names) */                      \
  X(UNABLE_TO_GET_ISSUER_CERT, -100, "UNABLE_TO_GET_ISSUER_CERT",                  \
    "unable to get issuer certificate")                                           \
  X(UNABLE_TO_GET_CRL, -101, "UNABLE_TO_GET_CRL", "unable to get certificate CRL") \
  X(CERT_SIGNATURE_FAILURE, -102, "CERT_SIGNATURE_FAILURE",                        \
    "certificate signature failure")                                              \
  X(CERT_NOT_YET_VALID, -103, "CERT_NOT_YET_VALID", "certificate is not yet valid") \
  X(CERT_HAS_EXPIRED, -104, "CERT_HAS_EXPIRED", "certificate has expired")         \
  X(DEPTH_ZERO_SELF_SIGNED_CERT, -105, "DEPTH_ZERO_SELF_SIGNED_CERT",              \
    "self-signed certificate")                                                    \
  X(SELF_SIGNED_CERT_IN_CHAIN, -106, "SELF_SIGNED_CERT_IN_CHAIN",                  \
    "self-signed certificate in certificate chain")                               \
  X(UNABLE_TO_GET_ISSUER_CERT_LOCALLY, -107, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",  \
    "unable to get local issuer certificate")                                     \
  X(UNABLE_TO_VERIFY_LEAF_SIGNATURE, -108, "UNABLE_TO_VERIFY_LEAF_SIGNATURE",      \
    "unable to verify the first certificate")                                     \
  X(CERT_REVOKED, -109, "CERT_REVOKED", "certificate revoked")                     \
  X(INVALID_CA, -110, "INVALID_CA", "invalid CA certificate")                      \
  X(CERT_CHAIN_TOO_LONG, -111, "CERT_CHAIN_TOO_LONG",                              \
    "certificate chain too long")                                                 \
  X(INVALID_PURPOSE, -112, "INVALID_PURPOSE", "unsupported certificate purpose")   \
  X(CERT_UNTRUSTED, -113, "CERT_UNTRUSTED", "certificate not trusted")             \
  X(CERT_REJECTED, -114, "CERT_REJECTED", "certificate rejected")                  \
  X(CERT_ALTNAME_INVALID, -115, "ERR_TLS_CERT_ALTNAME_INVALID",                    \
    "hostname/IP does not match certificate's altnames")

/*
 * The error codes: OTLS_OK and one negative OTLS_E_* value per entry of
 * OTLS_ERRNO_MAP. Functions return them as `int`. Each value's stable name
 * (otls_err_name(), Node's `err.code` where Node has one) and message
 * (otls_strerror()) are listed with it.
 */
enum otls_errno {
  /* Success (0): not an error. otls_err_name() calls it "OK". */
  OTLS_OK = 0,
#define OTLS__ERRNO_ENUM(suffix, value, name, msg) OTLS_E_##suffix = (value),
  OTLS_ERRNO_MAP(OTLS__ERRNO_ENUM)
#undef OTLS__ERRNO_ENUM
};

/*
 * otls_err_name() — the stable name of an error code ("CERT_HAS_EXPIRED").
 * Returns "OK" for 0 and "ERR_OTLS_UNKNOWN" for a value not in the table.
 * Never allocates; the string is static.
 */
OTLS_EXTERN const char *otls_err_name(int code);

/*
 * otls_strerror() — a one-line English description of an error code.
 * Never allocates; the string is static. Node.js: `err.message`.
 */
OTLS_EXTERN const char *otls_strerror(int code);

/*
 * otls_err_from_name() — the code for a stable name, or OTLS_E_INVAL when the
 * name is unknown.
 */
OTLS_EXTERN int otls_err_from_name(const char *name);

/*
 * otls_err_is_verify() — true when `code` is a certificate-verification
 * failure (the codes Node reports in `authorizationError`).
 */
OTLS_EXTERN bool otls_err_is_verify(int code);

OTLS_END_DECLS

#endif /* OMNITLS_ERRORS_H */
