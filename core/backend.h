/*
 * omnitls — the backend contract (private).
 *
 * A backend performs the protocol and reports facts; every decision a user
 * could observe is made in core/ (DESIGN.md §1). Each backend directory
 * exports exactly one `const struct otls_backend` (named otls__backend) and
 * nothing else. A NULL slot means "not provided".
 *
 * Transport: a backend never owns I/O. Its transport callbacks (BIO,
 * wolfSSL IO callbacks, GnuTLS push/pull) call otls__tx_recv() and
 * otls__tx_send() on the core connection it was created for.
 *
 * Errors: backend functions return 0 or a negative OTLS_E_* code, and put
 * the backend's own message in the connection / detail via
 * otls__conn_set_error() or otls__detail(). Each backend has exactly one
 * function translating its native errors, and one translating its native
 * verification results into OTLS__VF_* facts.
 */
#ifndef OTLS_CORE_BACKEND_H
#define OTLS_CORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnitls/errors.h"
#include "omnitls/version.h"

struct otls_conn;

/* A DER (or other binary) blob borrowed from its owner. */
struct otls__blob {
  const uint8_t *data;
  size_t len;
};

/* Protocol version numbers as on the wire. */
#define OTLS__TLS1_0 0x0301
#define OTLS__TLS1_1 0x0302
#define OTLS__TLS1_2 0x0303
#define OTLS__TLS1_3 0x0304

/*
 * One key/certificate pair of a context: the normalised form of `key[i]` +
 * `cert[i]`, or of one `pfx` bundle.
 */
struct otls__cred {
  /* Own chain, leaf first, as DER; n_chain >= 1. */
  const struct otls__blob *chain;
  size_t n_chain;
  /*
   * Private key: one PEM block exactly as the user gave it (possibly
   * encrypted, PKCS#8 or traditional; from a pfx: unencrypted PKCS#8),
   * NUL-terminated, plus its passphrase (NULL = none). The backend decrypts
   * it, and must report a wrong or missing passphrase as OTLS_E_BAD_DECRYPT
   * and a key that does not match chain[0] as OTLS_E_KEY_MISMATCH.
   */
  const char *key_pem;
  size_t key_pem_len;
  const char *key_passphrase;
};

/*
 * The normalised context configuration handed to a backend. Every field is
 * explicit; the backend must not fall back to its own defaults or to system
 * configuration for anything listed here. All memory is owned by core and
 * is valid only during ctx_new(): the backend copies what it keeps.
 */
struct otls__ctx_config {
  uint16_t min_version; /* OTLS__TLS1_x */
  uint16_t max_version;

  /*
   * Key/certificate pairs, in the user's order (key/cert pairs, then pfx
   * bundles); n_creds == 0: no certificate. More than one only when the
   * backend has OTLS_CAP_MULTI_CERT, and never two of one key type (core
   * checks both). The server picks the pair by what the client can use,
   * never by the SNI name.
   */
  const struct otls__cred *creds;
  size_t n_creds;

  /* Trust anchors as DER. When use_system_ca, load ca_file instead. */
  const struct otls__blob *ca;
  size_t n_ca;
  bool use_system_ca;
  const char *ca_file; /* the system bundle path, always set */

  /* CRLs as DER; when n_crl > 0, check leaf and intermediates. */
  const struct otls__blob *crl;
  size_t n_crl;

  /* Server: request a client certificate / require one. */
  bool request_cert;
  bool require_cert;

  /*
   * Cipher suites, in preference order, as two-byte ids; TLS 1.3 and
   * TLS <= 1.2 suites mixed, core has validated them against the backend's
   * table. The backend enables exactly these.
   */
  const uint16_t *suites;
  size_t n_suites;
  /* Server: choose the suite in our order, not the client's. */
  bool honor_cipher_order;

  /*
   * Server: Diffie-Hellman parameters for TLS <= 1.2 DHE suites, PKCS#3
   * DHParameter DER (len 0 = none); core has checked the prime is at least
   * 1024 bits. The backend uses exactly these (never an RFC 7919 FFDHE
   * group of its own choice in their place).
   */
  struct otls__blob dhparam;

  /* Key-exchange groups, in preference order, as TLS NamedGroup ids. */
  const uint16_t *groups;
  size_t n_groups;

  /* Number of TLS 1.3 session tickets a server sends per full handshake. */
  unsigned num_tickets;
  /* Server: lifetime of sessions and tickets, seconds (> 0). */
  unsigned session_timeout;

  /*
   * Server: the session id context (`sessionIdContext`), 0..32 bytes
   * (len 0 = none). Applied where the engine has one.
   */
  struct otls__blob session_id_context;

  /*
   * secureOptions bits for the session and renegotiation policy.
   * no_ticket (SSL_OP_NO_TICKET): the server issues no tickets at all —
   * TLS <= 1.2 then resumes by session id (core's cache), TLS 1.3 not at all.
   * no_renegotiation (SSL_OP_NO_RENEGOTIATION): refuse every renegotiation
   * the peer starts with a no_renegotiation warning alert and carry on;
   * otherwise a backend with OTLS_CAP_RENEGOTIATION follows it (core's
   * policy decides through otls__conn_reneg_start()).
   */
  bool no_ticket;
  bool no_renegotiation;

  /*
   * NPN list, wire format (NULL = no NPN: a client sends no NPN extension,
   * a server advertises nothing). Server: advertise exactly this list.
   * Client: offer NPN, and let core pick (otls__npn_select()).
   */
  const uint8_t *npn;
  size_t npn_len;
};

/* Per-connection configuration (valid only during conn_new). */
struct otls__conn_config {
  bool is_server;
  /* Client: the SNI name to send (NULL = none). */
  const char *servername;
  /*
   * Client: the ALPN offer, wire format (NULL = none).
   * Server: the one protocol core chose, as bare bytes without a length
   * prefix (NULL = none: negotiate no ALPN even if the client offered it).
   * The server backend selects exactly this protocol and never sends
   * no_application_protocol by itself (core decides that before).
   */
  const uint8_t *alpn;
  size_t alpn_len;
  /* Client: the backend's session bytes (from otls__conn_new_session) to resume. */
  const uint8_t *session;
  size_t session_len;
  /* Client: ask for a stapled OCSP response (otherwise never ask). */
  bool request_ocsp;
  /*
   * Server: the OCSP response to staple when the client asks for one
   * (NULL = none). Core already knows the client asked.
   */
  const uint8_t *ocsp_response;
  size_t ocsp_response_len;
};

/*
 * Where a backend's pkcs12_parse() puts what it found (core owns the
 * storage; each callback returns 0 or OTLS_E_NOMEM, which the backend
 * passes on).
 */
struct otls__pkcs12_sink {
  void *arg;
  /*
   * The private key, unencrypted DER: PKCS#8 PrivateKeyInfo, or the
   * algorithm's own form (RSAPrivateKey, ECPrivateKey; core wraps it into
   * PKCS#8 with the leaf's algorithm). Called once.
   */
  int (*key)(void *arg, const uint8_t *der, size_t len);
  /* Each certificate, DER; `leaf`: the one matching the key. */
  int (*cert)(void *arg, const uint8_t *der, size_t len, bool leaf);
};

/*
 * Verification facts reported by a backend after the handshake. The backend
 * verifies the peer chain against the context's trust store (and CRLs) but
 * never fails the handshake over it; core turns these facts into one
 * canonical error (core/verify.c) so all backends agree.
 */
#define OTLS__VF_ISSUER 0x0001u        /* chain does not reach a trust anchor */
#define OTLS__VF_EXPIRED 0x0002u       /* some certificate has expired */
#define OTLS__VF_NOT_YET_VALID 0x0004u /* some certificate is not valid yet */
#define OTLS__VF_REVOKED 0x0008u       /* revoked by a loaded CRL */
#define OTLS__VF_NO_CRL 0x0010u        /* CRL checking on, but no CRL for an issuer */
#define OTLS__VF_SIGNATURE 0x0020u     /* a signature does not verify */
#define OTLS__VF_INVALID_CA 0x0040u    /* an issuer is not a valid CA */
#define OTLS__VF_PURPOSE 0x0080u       /* key usage / EKU does not allow this use */
#define OTLS__VF_OTHER 0x8000u         /* anything else (detail has the text) */

/* Results of a backend I/O step. */
enum otls__io {
  OTLS__IO_OK = 0, /* done / made progress */
  OTLS__IO_WANT_READ = 1,
  OTLS__IO_CLOSED = 2, /* close_notify received (read only) */
};

struct otls_backend {
  const char *name; /* "openssl", ... */
  /* capability bitmask: 1ull << OTLS_CAP_x */
  uint64_t caps;

  /* The engine's version text at run time. */
  const char *(*version)(void);

  /* One-time global initialisation; called once, thread-safely, by core. */
  int (*global_init)(void);

  /*
   * Context. `detail` (size detail_len) receives the backend's message on
   * failure. Returns 0 or OTLS_E_*.
   */
  int (*ctx_new)(void **out, const struct otls__ctx_config *cfg, char *detail,
                 size_t detail_len);
  void (*ctx_free)(void *bctx);

  /*
   * Connection. `conn` is the core connection the transport belongs to;
   * `cfg` is valid only during the call. Returns 0 or OTLS_E_*.
   * A server connection is created only once core has read the ClientHello
   * and run the application's hooks, on the context they chose.
   */
  int (*conn_new)(void **out, void *bctx, struct otls_conn *conn,
                  const struct otls__conn_config *cfg);
  void (*conn_free)(void *bc);

  /*
   * Drive the handshake. Returns OTLS__IO_OK when complete,
   * OTLS__IO_WANT_READ, or a negative OTLS_E_* (message set on the conn).
   * The backend must not fail the handshake because of peer-certificate
   * verification (record-don't-fail), except for a missing certificate
   * when require_cert is set.
   */
  int (*handshake)(void *bc);

  /*
   * Read plaintext: *n bytes (> 0) with OTLS__IO_OK, OTLS__IO_WANT_READ,
   * OTLS__IO_CLOSED on close_notify, or negative OTLS_E_* (transport EOF
   * without close_notify is OTLS_E_TRUNCATED).
   */
  int (*read)(void *bc, void *buf, size_t len, size_t *n);

  /*
   * Write all `len` bytes (loop over partial writes; output never blocks).
   * Returns OTLS__IO_OK or negative OTLS_E_*.
   */
  int (*write)(void *bc, const void *buf, size_t len);

  /* Queue close_notify. Returns 0 or OTLS_E_*. */
  int (*shutdown)(void *bc);

  /* --- facts after the handshake --- */
  uint16_t (*protocol)(void *bc);  /* wire version, 0 if unknown */
  uint16_t (*cipher_id)(void *bc); /* two-byte suite id, 0 if unknown */
  /*
   * The key-exchange group used, as a TLS NamedGroup id (23 = P-256,
   * 29 = X25519, 256 = ffdhe2048, ...); 0 when unknown or when the key
   * exchange used no named group (RSA, TLS 1.2 DHE with explicit params).
   */
  uint16_t (*group)(void *bc);

  /*
   * The chain the peer sent, leaf first, as DER. `out` has room for `max`
   * entries; returns the count (may be 0) — the data stays valid until the
   * next call on bc or its free.
   */
  size_t (*peer_chain)(void *bc, struct otls__blob *out, size_t max);

  /* OTLS__VF_* facts for the peer chain (0 = verified). */
  unsigned (*verify_facts)(void *bc);

  /* SNI name the client sent (server side), NULL when none. */
  const char *(*servername)(void *bc);

  /* The alert that ended the connection, -1 if none; *sent = we sent it. */
  int (*alert)(void *bc, bool *sent);

  /*
   * The ALPN protocol agreed (bare bytes), or NULL/0. The pointer stays valid
   * until the next call on bc.
   */
  const uint8_t *(*alpn_selected)(void *bc, size_t *len);

  /* Client: the stapled OCSP response, or NULL. Valid until the next call. */
  const uint8_t *(*ocsp_response)(void *bc, size_t *len);

  /* true when this handshake resumed a session. */
  bool (*session_reused)(void *bc);

  /*
   * RFC 5705 / RFC 8446 §7.5 exporter: fill `out` (len bytes). `context`
   * NULL = no context (which differs from an empty one in TLS 1.2).
   * Returns 0 or OTLS_E_*.
   */
  int (*export_keying_material)(void *bc, uint8_t *out, size_t len, const char *label,
                                size_t label_len, const uint8_t *context, size_t context_len);

  /*
   * The Finished message we sent (peer = false) or received (peer = true):
   * copies up to `cap` bytes into `out` and returns the full length, or
   * OTLS_E_UNSUPPORTED. NULL slot: no OTLS_CAP_FINISHED.
   */
  int (*finished)(void *bc, bool peer, uint8_t *out, size_t cap);

  /* TLS 1.3 KeyUpdate; `request_peer`: ask the peer to update too. */
  int (*key_update)(void *bc, bool request_peer);

  /*
   * TLS <= 1.2 renegotiation (OTLS_CAP_RENEGOTIATION). Start a new
   * handshake on an established connection: queue the HelloRequest (server)
   * or ClientHello (client); the handshake then runs inside read(). A
   * server asks for a client certificate in it when `request_cert`
   * (verification is record-don't-fail, as in the first handshake, and the
   * facts are reset). Returns 0 or OTLS_E_*.
   *
   * Every backend with the capability reports each renegotiation handshake
   * — the peer's or our own — to core: otls__conn_reneg_start() when it
   * begins (a refusal ends the connection) and otls__conn_reneg_done() when
   * it completes. Without the capability, a peer's renegotiation is refused
   * with a no_renegotiation warning alert.
   */
  int (*renegotiate)(void *bc, bool request_cert);

  /*
   * Client: the session ticket the server sent last (opaque bytes, as on
   * the wire), or NULL/0 when none. Valid until the next call on bc.
   * NULL slot: no OTLS_CAP_TLS_TICKET.
   */
  const uint8_t *(*tls_ticket)(void *bc, size_t *len);

  /* The protocol NPN agreed on (bare bytes), or NULL/0. Valid until the next call. */
  const uint8_t *(*npn_selected)(void *bc, size_t *len);

  /*
   * Optional: free the record buffers the engine keeps between records,
   * when nothing is buffered in them (an idle connection). Core calls it
   * from otls_conn_release_buffers(), which the socket and event layers call
   * whenever their transport goes quiet. NULL: the engine frees idle buffers
   * itself, or keeps none.
   */
  void (*release_buffers)(void *bc);

  /* --- crypto helpers core needs --- */
  /*
   * Hash `len` bytes with OTLS__MD_*; `out` has room for 64 bytes. Returns
   * the digest length, or OTLS_E_UNSUPPORTED / OTLS_E_INTERNAL.
   */
  int (*digest)(int alg, const void *data, size_t len, uint8_t *out);

  /*
   * Open a PKCS#12 bundle (DER; core has checked its structure and its
   * encryption algorithms) with `pass` (never NULL; "" for none) and hand
   * the private key and every certificate to `sink`. Returns 0,
   * OTLS_E_BAD_DECRYPT (MAC or decryption failure: wrong passphrase),
   * OTLS_E_DER_BAD, OTLS_E_NO_CERT (no key, or no certificate for it),
   * OTLS_E_NOMEM; the backend's message goes to `detail`.
   */
  int (*pkcs12_parse)(const uint8_t *der, size_t len, const char *pass,
                      const struct otls__pkcs12_sink *sink, char *detail, size_t detail_len);

  /*
   * Client, after the handshake: the server's ephemeral key. Sets *group to
   * the TLS NamedGroup id when the key exchange used a named group (ECDHE,
   * X25519/X448, TLS 1.3 ffdhe*), else *dh_bits to the size of the DH
   * prime (TLS <= 1.2 DHE with explicit parameters); both 0 when there was
   * no ephemeral key (RSA key exchange). Returns 0 or OTLS_E_*.
   */
  int (*peer_tmp_key)(void *bc, uint16_t *group, unsigned *dh_bits);
};

/* Digest algorithms for otls_backend.digest. */
#define OTLS__MD_SHA1 1
#define OTLS__MD_SHA256 2
#define OTLS__MD_SHA384 3
#define OTLS__MD_SHA512 4

/* The backend compiled into this variant. */
extern const struct otls_backend otls__backend;

/* --- core services for backends ---------------------------------------- */

/* The one suite table (core/suites.c). */
struct otls__suite {
  uint16_t id;
  uint16_t min_version; /* OTLS__TLS1_x, or 0x0300 */
  const char *name;     /* OpenSSL name */
  const char *iana;     /* IANA name */
  /* OpenSSL 3.0's classification; the bit values are in core/ciphers.h. */
  uint32_t kx, auth, enc, mac; /* OTLS__KX_*, OTLS__AU_*, OTLS__ENC_*, OTLS__MAC_* */
  uint8_t strength;            /* OTLS__STR_*: HIGH/MEDIUM/..., FIPS, NOT_DEFAULT */
  uint8_t backends;            /* OTLS__BK_*: the backends that implement it */
  uint16_t bits, alg_bits;     /* strength bits, bulk-cipher key bits */
};
/* Look a suite up by its two-byte id; NULL when omnitls does not know it. */
const struct otls__suite *otls__suite_by_id(uint16_t id);

/*
 * Transport pull: copy up to `len` received bytes. Returns the count (> 0),
 * 0 when nothing is buffered (would block), or -1 at transport EOF with
 * nothing buffered.
 */
long otls__tx_recv(struct otls_conn *c, void *buf, size_t len);

/* Transport push: append `len` bytes of output. Returns len or -1 (ENOMEM). */
long otls__tx_send(struct otls_conn *c, const void *buf, size_t len);

/* true once otls_conn_feed_eof() was called (and input is drained). */
bool otls__tx_eof(const struct otls_conn *c);

/*
 * Client backends call this each time a new resumable session becomes
 * available — each TLS 1.3 NewSessionTicket processed, or a TLS 1.2
 * handshake completing with a session id or ticket — with the session
 * serialised in the backend's own format (what conn_new takes back as
 * cfg->session). Core copies it, wraps it into the public blob, and raises
 * the `session` event after the backend call returns. Returns 0 or
 * OTLS_E_NOMEM. Safe to call from inside backend callbacks.
 */
int otls__conn_new_session(struct otls_conn *c, const uint8_t *data, size_t len);

/*
 * Server session cache (TLS <= 1.2 session IDs). A server backend reports
 * each new session with its id and its own serialised bytes, and looks a
 * session id up when a client offers one: otls__server_session_get() returns
 * 1 with the bytes (valid until the next call on the connection), or 0.
 * Core decides where sessions live (the context's cache or the
 * application's newSession/resumeSession store).
 */
void otls__server_session_new(struct otls_conn *c, const uint8_t *id, size_t id_len,
                              const uint8_t *data, size_t len);
int otls__server_session_get(struct otls_conn *c, const uint8_t *id, size_t id_len,
                             const uint8_t **data, size_t *len);

/*
 * Session-ticket keys of the connection's context (core/tickets.c), for
 * server backends that encrypt tickets through a callback. A key is Node's
 * 48 bytes: 16 name | 16 HMAC-SHA256 key | 16 AES-128-CBC key.
 * otls__ticket_key_find() returns 1 for the current key, 2 for the previous
 * one (decrypt, then issue a new ticket), 0 when the name is unknown.
 */
void otls__ticket_key_current(struct otls_conn *c, uint8_t key[48]);
int otls__ticket_key_find(struct otls_conn *c, const uint8_t name[16], uint8_t key[48]);

/*
 * Renegotiation (TLS <= 1.2). A backend calls otls__conn_reneg_start() when
 * a renegotiation handshake begins — the peer's ClientHello / HelloRequest,
 * or our own renegotiate() — and otls__conn_reneg_done() when it has
 * completed. reneg_start() returns 0 to go on, or a negative OTLS_E_* when
 * core's policy refuses it (the limit, disableRenegotiation): the backend
 * then stops and returns that code from read() if it can; core fails the
 * connection with it after the backend call in any case. Both only record
 * state (safe inside engine callbacks); core acts after the call returns.
 */
int otls__conn_reneg_start(struct otls_conn *c);
void otls__conn_reneg_done(struct otls_conn *c);

/*
 * Client NPN: the server advertised `server` (wire format); core picks the
 * protocol (*name, *name_len: bare bytes, valid for the connection's life).
 * Returns 0, or OTLS_E_INVAL when the server's list is malformed.
 */
int otls__npn_select(struct otls_conn *c, const uint8_t *server, size_t server_len,
                     const uint8_t **name, size_t *name_len);

/* Record a message about the last failure on the connection. */
void otls__conn_set_error(struct otls_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Format into a caller's detail buffer (NULL/0 allowed). */
void otls__detail(char *detail, size_t detail_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* OTLS_CORE_BACKEND_H */
