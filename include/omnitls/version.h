/*
 * omnitls — library version, the compiled-in backend and its capabilities.
 */
#ifndef OMNITLS_VERSION_H
#define OMNITLS_VERSION_H

#include "common.h"

OTLS_BEGIN_DECLS

/*
 * OTLS_VERSION_MAJOR / OTLS_VERSION_MINOR / OTLS_VERSION_PATCH — the
 * version of these headers (the library's SONAME carries the major). The
 * library actually linked may be newer: ask otls_version_num().
 */
#define OTLS_VERSION_MAJOR 0
#define OTLS_VERSION_MINOR 1
#define OTLS_VERSION_PATCH 0
/*
 * The header version as one number, 0xMMmmpp (major, minor, patch: 0.1.0
 * is 0x000100), for `#if OTLS_VERSION_NUM >= 0x000200` tests; compare with
 * otls_version_num() at run time.
 */
#define OTLS_VERSION_NUM \
  ((OTLS_VERSION_MAJOR << 16) | (OTLS_VERSION_MINOR << 8) | OTLS_VERSION_PATCH)
/* The header version as text, "MAJOR.MINOR.PATCH" (otls_version_string()
 * at run time). */
#define OTLS_VERSION_STRING "0.1.0"

/*
 * Capability bits. Each names the public option or event it enables. A
 * feature whose bit is not set answers OTLS_E_UNSUPPORTED at the moment it is
 * requested (when the option is set), never in the middle of a handshake.
 */
#define OTLS_CAP_MAP(X)                                                   \
  X(TLS1_3, 0, "tls1.3", "TLS 1.3")                                       \
  X(TLS1_2, 1, "tls1.2", "TLS 1.2")                                       \
  X(TLS1_1, 2, "tls1.1", "TLS 1.1 (only when asked for by minVersion)")   \
  X(TLS1_0, 3, "tls1.0", "TLS 1.0 (only when asked for by minVersion)")   \
  X(ENCRYPTED_KEYS, 4, "encrypted-keys", "passphrase-protected keys")     \
  X(CLIENT_CERT, 5, "client-cert", "requestCert / client certificates")   \
  X(CRL, 6, "crl", "certificate revocation lists")                        \
  X(MULTI_CERT, 7, "multi-cert", "several key/certificate pairs on one context")  \
  X(TLS13_CIPHERS, 8, "tls13-ciphers", "choosing the TLS 1.3 cipher suites")      \
  X(CLIENT_CIPHER_ORDER, 9, "client-cipher-order",                                \
    "a server that follows the client's suite order (honorCipherOrder=false)")  \
  X(EXACT_CIPHERS, 10, "exact-ciphers",                                           \
    "the engine enables exactly the evaluated suite list, in order")             \
  X(ECDH_X448, 11, "ecdh-x448", "the X448 key-exchange group in ecdhCurve")      \
  X(ECDH_CURVE_REFUSAL, 12, "ecdh-curve-refusal",                                 \
    "a server with no ecdhCurve group in common with the client refuses it with "  \
    "a handshake_failure alert")                                                   \
  X(DHPARAM, 13, "dhparam", "custom Diffie-Hellman parameters for DHE suites (dhparam)") \
  X(FINISHED, 16, "finished",                                                     \
    "the Finished messages (getFinished/getPeerFinished) in TLS 1.2 and 1.3")   \
  X(TICKET_KEY_ROTATION, 17, "ticket-key-rotation",                               \
    "tickets made under the previous ticket key still resume after setTicketKeys") \
  X(OCSP_CLIENT, 18, "ocsp-client",                                               \
    "a client can ask for and read the server's stapled OCSP response")          \
  X(OCSP_STAPLE, 19, "ocsp-staple", "a server can staple any OCSP response given to it") \
  X(RENEGOTIATION, 20, "renegotiation",                                           \
    "TLS 1.2 renegotiation: renegotiate(), and following a peer's renegotiation") \
  X(TLS_TICKET, 21, "tls-ticket", "a client can read the raw session ticket (getTLSTicket)") \
  X(NPN, 22, "npn", "Next Protocol Negotiation (npn_protocols) in TLS <= 1.2")

/*
 * The capabilities, one value per entry of OTLS_CAP_MAP: OTLS_CAP_<SUFFIX>
 * is the bit number of that entry. Ask otls_backend_has() whether the
 * library's backend provides one; otls_cap_name() gives its short name.
 */
enum otls_cap {
#define OTLS__CAP_ENUM(suffix, bit, name, desc) OTLS_CAP_##suffix = (bit),
  OTLS_CAP_MAP(OTLS__CAP_ENUM)
#undef OTLS__CAP_ENUM
  /* One past the highest capability (not itself one; some values below it
   * are unused): loop `for (c = 0; c < OTLS_CAP__COUNT; c++)` and skip the
   * values otls_cap_name() answers NULL for. */
  OTLS_CAP__COUNT
};

/* otls_version_string() — "0.1.0". Static string. */
OTLS_EXTERN const char *otls_version_string(void);

/* otls_version_num() — OTLS_VERSION_NUM of the library actually linked. */
OTLS_EXTERN unsigned otls_version_num(void);

/*
 * otls_backend_name() — the TLS engine this library variant was built on:
 * "openssl", "boringssl", "wolfssl" or "gnutls". Static string.
 */
OTLS_EXTERN const char *otls_backend_name(void);

/*
 * otls_backend_version() — the engine's own version text as it reports it
 * at run time (e.g. "OpenSSL 3.0.19 ..."). Static string.
 */
OTLS_EXTERN const char *otls_backend_version(void);

/* otls_backend_has() — true when the compiled-in backend provides `cap`. */
OTLS_EXTERN bool otls_backend_has(enum otls_cap cap);

/*
 * otls_cap_name() — the short stable name of a capability ("tls1.3"), or
 * NULL for an unknown value. Static string.
 */
OTLS_EXTERN const char *otls_cap_name(enum otls_cap cap);

OTLS_END_DECLS

#endif /* OMNITLS_VERSION_H */
