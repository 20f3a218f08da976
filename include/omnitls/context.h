/*
 * omnitls — the secure context (Node.js: `tls.createSecureContext()`).
 *
 * A context holds credentials (private key and certificate chain), trust
 * anchors, the allowed protocol range and verification policy. It is built
 * once from an options struct, is immutable afterwards, is reference-counted,
 * and may be shared by any number of connections on any number of threads.
 */
#ifndef OMNITLS_CONTEXT_H
#define OMNITLS_CONTEXT_H

#include "common.h"

OTLS_BEGIN_DECLS

/*
 * A secure context (opaque; Node.js: the object `tls.createSecureContext()`
 * returns). Built by otls_context_new(), immutable afterwards,
 * reference-counted (otls_context_ref() / otls_context_free()) and
 * shareable across threads. Every connection holds its own reference.
 */
typedef struct otls_context otls_context;

/*
 * Where a PEM (or, for `pfx`, DER) item comes from: bytes in memory
 * (`data` + `len`) or, when `data` is NULL, the file at `path`.
 * `passphrase` is a per-item passphrase for a `key` or `pfx` item; NULL
 * means "use the shared `passphrase` of the options" (ignored on `cert`,
 * `ca`, `crl` and `dhparam` items). Node.js: an element of
 * `key`/`cert`/`ca`, `{pem, passphrase}` for a key, `{buf, passphrase}` for
 * a pfx.
 */
typedef struct otls_source {
  /* The item's bytes, or NULL to read the file at `path` instead. Borrowed:
   * read during otls_context_new() only. */
  const void *data;
  /* The number of bytes at `data`. */
  size_t len;
  /* The file to read when `data` is NULL (read once, by otls_context_new();
   * a file that cannot be read is OTLS_E_FILE). */
  const char *path;
  /* This item's passphrase (`key` and `pfx` items), or NULL for the
   * options' shared `passphrase`. */
  const char *passphrase;
} otls_source;

/*
 * otls_source_mem() / otls_source_file() — an otls_source for bytes in
 * memory (`data`, `len`) or for the file at `path`, with no passphrase of
 * its own: `otls_source key = otls_source_file("key.pem");`.
 */
static inline otls_source otls_source_mem(const void *data, size_t len) {
  otls_source s = {data, len, NULL, NULL};
  return s;
}
static inline otls_source otls_source_file(const char *path) {
  otls_source s = {NULL, 0, path, NULL};
  return s;
}

/*
 * OTLS_CONTEXT_OPTIONS_V1 — the first layout of otls_context_options;
 * OTLS_CONTEXT_OPTIONS_VERSION — the layout of this header, which
 * otls_context_options_init() stores in `version`. otls_context_new()
 * accepts versions 1 to OTLS_CONTEXT_OPTIONS_VERSION and answers
 * OTLS_E_INVAL to any other.
 */
#define OTLS_CONTEXT_OPTIONS_V1 1u
#define OTLS_CONTEXT_OPTIONS_VERSION OTLS_CONTEXT_OPTIONS_V1

/*
 * Options of otls_context_new(): Node.js's `tls.createSecureContext()`
 * options, one field each (named in snake_case; each field says which).
 * Fill with otls_context_options_init() first, then set what you need.
 * Everything is read (and copied or parsed) during otls_context_new();
 * nothing has to outlive that call.
 */
typedef struct otls_context_options {
  /* Set by otls_context_options_init(); do not change. */
  unsigned version;

  /*
   * Private keys in PEM (`key`), one per item (the first private-key block
   * of the item); each may be encrypted (PKCS#8 `ENCRYPTED PRIVATE KEY` or
   * traditional `Proc-Type: 4,ENCRYPTED`), and is then opened with the
   * item's own `passphrase`, else the shared `passphrase`. A wrong or
   * missing passphrase is OTLS_E_BAD_DECRYPT — never a key silently
   * skipped. `key[i]` pairs with `cert[i]`: key_count must equal
   * cert_count (else OTLS_E_NO_CERT), and each key must match the leaf of
   * its chain (else OTLS_E_KEY_MISMATCH).
   *
   * Several pairs (e.g. an RSA and an ECDSA one, Node's `key: [rsa, ec]`)
   * need OTLS_CAP_MULTI_CERT (OpenSSL, GnuTLS; else OTLS_E_UNSUPPORTED):
   * the server then picks the pair the client can use (its cipher suites
   * and signature algorithms), never by the SNI name. At most one pair per
   * key type (RSA, RSA-PSS, EC of any curve, Ed25519, Ed448, DSA): two of
   * one type are OTLS_E_INVAL. Every `pfx` item is one more pair.
   * Node.js: `key`.
   */
  const otls_source *key;
  size_t key_count;

  /*
   * Certificate chains in PEM, one per key: item i is the chain of key[i],
   * its leaf first, then the intermediates (not the root), as Node wants
   * each element of `cert`. Node.js: `cert`.
   */
  const otls_source *cert;
  size_t cert_count;

  /*
   * Shared passphrase for encrypted keys and PKCS#12 bundles, used by
   * items with no `passphrase` of their own. Node.js: `passphrase`.
   */
  const char *passphrase;

  /*
   * Trusted CA certificates in PEM; when given, they replace the default
   * trust store. When `ca_count` is 0 the system store
   * (/etc/ssl/certs/ca-certificates.crt) is used. Node.js: `ca`.
   */
  const otls_source *ca;
  size_t ca_count;

  /*
   * Certificate revocation lists in PEM (several per item allowed). When
   * any is given, the peer's chain is checked against them (leaf and
   * intermediates). Needs OTLS_CAP_CRL. Node.js: `crl`.
   */
  const otls_source *crl;
  size_t crl_count;

  /*
   * `min_version` / `max_version`: the protocol range as Node spells it:
   * "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1". NULL = the default:
   * TLSv1.2 .. TLSv1.3.
   * Node.js: `minVersion` / `maxVersion`.
   */
  const char *min_version;
  const char *max_version;

  /*
   * Verify the peer's certificate chain and fail the handshake when it is
   * not trusted (client: always verified; server: only with `request_cert`).
   * Default true. When false, the connection completes and
   * otls_conn_is_authorized() / otls_conn_authorization_error() tell the
   * result. Node.js: `rejectUnauthorized`.
   */
  bool reject_unauthorized;

  /*
   * Server: ask the client for a certificate. Default false.
   * Node.js: `requestCert`.
   */
  bool request_cert;

  /*
   * Cipher suites, in OpenSSL's cipher-string grammar plus TLS 1.3 suite
   * names, exactly as Node's `ciphers` option (see ciphers.h for the rules).
   * NULL = the process default (otls_default_ciphers()). A string that
   * selects nothing is OTLS_E_NO_CIPHER_MATCH; naming TLS 1.3 suites other
   * than the default three on a backend without OTLS_CAP_TLS13_CIPHERS is
   * OTLS_E_UNSUPPORTED. Node.js: `ciphers`.
   */
  const char *ciphers;

  /*
   * Server: pick the suite by our order instead of the client's. Default
   * false; `secure_options` with OTLS_OP_CIPHER_SERVER_PREFERENCE sets it
   * too. Node.js: `honorCipherOrder`.
   */
  bool honor_cipher_order;

  /*
   * Key-exchange groups, in preference order: a colon-separated list of
   * names as OpenSSL and Node spell them — "P-256" (also "prime256v1",
   * "secp256r1"), "P-384" ("secp384r1"), "P-521" ("secp521r1"), "X25519",
   * "X448"; case-insensitive — or "auto" for the default list
   * (otls_default_ecdh_curves()). NULL = OTLS_DEFAULT_ECDH_CURVE.
   * An unknown or repeated name, or an empty list, is OTLS_E_INVAL; X448 on
   * a backend without OTLS_CAP_ECDH_X448 is OTLS_E_UNSUPPORTED. The same
   * list limits the groups a client offers and a server accepts; with no
   * group in common the handshake fails. Node.js: `ecdhCurve`.
   */
  const char *ecdh_curve;

  /*
   * The protocol range by OpenSSL method name, as Node's `secureProtocol`:
   * "TLS_method" (every version the backend has, TLSv1 .. TLSv1.3),
   * "SSLv23_method" (the default minimum .. TLSv1.2), "TLSv1_method",
   * "TLSv1_1_method", "TLSv1_2_method" (exactly that version), each also
   * with "_client_"/"_server_" ("TLSv1_2_server_method"); the side is set
   * per connection, so those variants mean the same range. Node has no
   * "TLSv1_3_method": use min_version = "TLSv1.3".
   * Unknown names and the SSLv2/SSLv3 methods are
   * OTLS_E_INVALID_PROTOCOL_METHOD; setting it together with `min_version`
   * or `max_version` is OTLS_E_PROTOCOL_VERSION_CONFLICT; a version the
   * backend lacks is OTLS_E_UNSUPPORTED. NULL = not used.
   * Node.js: `secureProtocol`.
   */
  const char *secure_protocol;

  /*
   * Server: Diffie-Hellman parameters for the TLS <= 1.2 DHE suites, one PEM
   * "DH PARAMETERS" (PKCS#3) item. The server uses exactly these parameters.
   * A prime under 1024 bits is OTLS_E_INVAL (Node: ERR_INVALID_ARG_VALUE,
   * "DH parameter is less than 1024 bits"); no such PEM block is
   * OTLS_E_PEM_NO_START_LINE; malformed DER is OTLS_E_DER_BAD; a backend
   * without OTLS_CAP_DHPARAM (BoringSSL: no DHE at all) answers
   * OTLS_E_UNSUPPORTED. NULL = none. Node.js: `dhparam`.
   */
  const otls_source *dhparam;

  /*
   * Server: the session-ticket key, 48 bytes (16 key name, 16 HMAC key,
   * 16 AES key), as Node's `ticketKeys`. Servers given the same key resume
   * each other's tickets (same backend: ticket formats differ between
   * backends). NULL = a random key of this context's own, so a ticket never
   * resumes on another context. Any other length is OTLS_E_INVAL.
   */
  const uint8_t *ticket_keys;
  size_t ticket_keys_len;

  /*
   * Server: how long sessions and tickets stay resumable, in seconds.
   * 0 = the default, 300 (Node's). Node.js: `sessionTimeout`.
   */
  unsigned session_timeout;

  /*
   * PKCS#12 bundles (`.p12` / `.pfx`), DER, in memory or a file. Each
   * holds one private key and its certificate (plus, optionally, chain
   * certificates) and is one key/certificate pair, after the `key`/`cert`
   * pairs (so two pairs or more need OTLS_CAP_MULTI_CERT, as above). Each
   * item is opened with its own `passphrase`, else the shared one (NULL:
   * the empty password). The chain sent is the bundle's certificate that
   * matches the key, then the bundle's other certificates, issuers in
   * chain order first.
   * Errors: a wrong or missing passphrase (the MAC or the decryption
   * fails) is OTLS_E_BAD_DECRYPT; bytes that are not a DER PKCS#12 PFX
   * (also PEM, or BER with indefinite lengths) are OTLS_E_DER_BAD; a
   * bundle encrypted with RC2 or RC4 (`openssl pkcs12 -legacy`), or with
   * anything other than PBES2 (AES-CBC or 3DES-CBC) or PKCS#12
   * pbeWithSHAAnd3-KeyTripleDES-CBC, is OTLS_E_UNSUPPORTED_PFX on every
   * backend (as Node v20 on OpenSSL 3); a bundle without a key, or without
   * the key's certificate, is OTLS_E_NO_CERT.
   * Unlike Node, the bundle's other certificates are not added to the
   * trust store (Node adds them, as `ca` would); pass them in `ca` to
   * trust them. Node.js: `pfx`.
   */
  const otls_source *pfx;
  size_t pfx_count;

  /*
   * Server: the session id context (at most 32 bytes; longer is
   * OTLS_E_INVAL; NULL or "" = none). Sessions are resumed only within the
   * same context. Kept on the context and given to the engine where it has
   * one (OpenSSL, BoringSSL, wolfSSL); omnitls' own session cache uses it
   * too. Node.js: `sessionIdContext`.
   */
  const char *session_id_context;

  /*
   * OpenSSL SSL_OP_* option bits, as Node's `secureOptions` takes them from
   * `crypto.constants` (the OTLS_OP_* constants below have the same values).
   * Meaningful bits:
   *  - OTLS_OP_NO_TLSv1, _NO_TLSv1_1, _NO_TLSv1_2, _NO_TLSv1_3: take that
   *    version out of the protocol range (after min/max_version or
   *    secure_protocol). As in OpenSSL, what stays is the highest run of
   *    enabled versions without a gap; none left is OTLS_E_BAD_VERSION.
   *  - OTLS_OP_CIPHER_SERVER_PREFERENCE: the same as honor_cipher_order.
   *  - OTLS_OP_NO_TICKET: the server issues no session tickets; TLS <= 1.2
   *    clients then resume by session id (the context's cache, or
   *    newSession/resumeSession), TLS 1.3 clients not at all.
   *  - OTLS_OP_NO_RENEGOTIATION: refuse every renegotiation the peer
   *    starts (a no_renegotiation warning alert; the connection carries on)
   *    and otls_conn_renegotiate() (OTLS_E_RENEGOTIATION_DISABLED).
   *  - OTLS_OP_NO_SSLv2 (0), OTLS_OP_NO_SSLv3, OTLS_OP_NO_COMPRESSION:
   *    always in force in omnitls; accepted and ignored.
   * Any other bit is OTLS_E_INVAL, with a detail naming it (omnitls never
   * silently ignores an option). 0 = none. Node.js: `secureOptions`.
   */
  uint64_t secure_options;

  /*
   * NPN (Next Protocol Negotiation, the pre-ALPN extension; TLS <= 1.2,
   * capability OTLS_CAP_NPN), wire format as otls_alpn_encode() makes it.
   * Server: the protocols advertised; client: those it may pick from. The
   * client picks the first protocol of the server's list that it also has
   * (else its own first, as NPN specifies). ALPN takes precedence: when
   * ALPN agreed on a protocol, NPN is not used. NULL = no NPN (default).
   * Node.js: the `NPNProtocols` option of Node <= 9 (Node v20 has no NPN).
   * A context with NPN is only for TLS <= 1.2 peers in effect.
   */
  const uint8_t *npn_protocols;
  size_t npn_protocols_len;
} otls_context_options;

/* Length of a ticket key (Node.js: `ticketKeys`). */
#define OTLS_TICKET_KEYS_LEN 48u

/*
 * otls_context_get_ticket_keys() — copy the current ticket key (48 bytes).
 * Node.js: `server.getTicketKeys()`.
 */
OTLS_EXTERN int otls_context_get_ticket_keys(otls_context *ctx, uint8_t *keys, size_t len);

/*
 * otls_context_set_ticket_keys() — replace the ticket key at run time
 * (thread-safe; connections in progress are fine). New tickets use the new
 * key; tickets made under the previous key still resume (and are then
 * replaced) where the backend has OTLS_CAP_TICKET_KEY_ROTATION, otherwise
 * they give a full handshake. OTLS_E_INVAL unless len is 48.
 * Node.js: `server.setTicketKeys(keys)`.
 */
OTLS_EXTERN int otls_context_set_ticket_keys(otls_context *ctx, const uint8_t *keys,
                                             size_t len);

/*
 * OTLS_OP_* — OpenSSL's SSL_OP_* values (OpenSSL 3.0, Node's
 * `crypto.constants`) for the `secure_options` field; what each does in
 * omnitls is listed there. OTLS_OP_NO_SSLv2 is 0, as in OpenSSL 3.0;
 * OTLS_OP_NO_SSLv3 and OTLS_OP_NO_COMPRESSION are always in force.
 */
#define OTLS_OP_NO_SSLv2 0x0ull
#define OTLS_OP_NO_TICKET 0x4000ull
#define OTLS_OP_NO_COMPRESSION 0x20000ull
#define OTLS_OP_CIPHER_SERVER_PREFERENCE 0x400000ull
#define OTLS_OP_NO_SSLv3 0x2000000ull
#define OTLS_OP_NO_TLSv1 0x4000000ull
#define OTLS_OP_NO_TLSv1_2 0x8000000ull
#define OTLS_OP_NO_TLSv1_1 0x10000000ull
#define OTLS_OP_NO_TLSv1_3 0x20000000ull
#define OTLS_OP_NO_RENEGOTIATION 0x40000000ull

/* Node.js: `tls.DEFAULT_ECDH_CURVE`. */
#define OTLS_DEFAULT_ECDH_CURVE "auto"

/*
 * otls_default_ecdh_curves() — what "auto" stands for, as a static
 * colon-separated list in preference order: "X25519:P-256:P-384".
 */
OTLS_EXTERN const char *otls_default_ecdh_curves(void);

/* otls_context_options_init() — fill `opts` with the defaults above. */
OTLS_EXTERN void otls_context_options_init(otls_context_options *opts);

/*
 * otls_context_new() — build a secure context.
 *
 * Returns 0 and sets `*out`, or a negative code with `*out` = NULL:
 * OTLS_E_INVAL (NULL/inconsistent options, unknown option version),
 * OTLS_E_NOMEM, OTLS_E_FILE (a `path` cannot be read), OTLS_E_PEM_NO_START_LINE,
 * OTLS_E_PEM_BAD, OTLS_E_DER_BAD, OTLS_E_BAD_DECRYPT (wrong/missing
 * passphrase), OTLS_E_KEY_MISMATCH, OTLS_E_BAD_KEY, OTLS_E_NO_CERT,
 * OTLS_E_UNSUPPORTED_PFX, OTLS_E_BAD_VERSION, OTLS_E_UNSUPPORTED (an
 * option the backend cannot honour), and the codes listed with each
 * option above. `detail`, when not NULL, receives a sentence describing the
 * failure (truncated to `detail_len`), including the backend's message.
 *
 * The caller owns one reference; release it with otls_context_free().
 * Node.js: `tls.createSecureContext(options)`.
 */
OTLS_EXTERN int otls_context_new(otls_context **out, const otls_context_options *opts,
                                 char *detail, size_t detail_len);

/* otls_context_ref() — take another reference; returns `ctx`. Thread-safe. */
OTLS_EXTERN otls_context *otls_context_ref(otls_context *ctx);

/*
 * otls_context_free() — drop one reference; the context is destroyed when
 * the last one goes (connections hold their own). Accepts NULL. Thread-safe.
 */
OTLS_EXTERN void otls_context_free(otls_context *ctx);

/* otls_context_has_cert() — true when the context carries a key + certificate. */
OTLS_EXTERN bool otls_context_has_cert(const otls_context *ctx);

OTLS_END_DECLS

#endif /* OMNITLS_CONTEXT_H */
