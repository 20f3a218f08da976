/*
 * omnitls — the sans-IO connection.
 *
 * An otls_conn never touches a socket. The application moves bytes:
 *
 *   received ciphertext  --otls_conn_feed()-->          [conn]
 *   [conn]  --otls_conn_output()/otls_conn_consume()--> ciphertext to send
 *   plaintext            --otls_conn_write()-->         [conn]
 *   [conn]  --otls_conn_read()-->                       plaintext
 *
 * and asks otls_conn_wants() what the connection needs next. This is how
 * omnitls runs TLS over any duplex (Node.js: `new tls.TLSSocket(duplex)`),
 * and what the socket and event layers are built on.
 *
 * A typical loop: call otls_conn_handshake() until it returns 0; whenever a
 * call returns OTLS_E_WANT_READ, first send all pending output
 * (otls_conn_output), then feed the next ciphertext received from the peer
 * and call again. After the handshake use otls_conn_read()/otls_conn_write()
 * the same way; otls_conn_shutdown() queues close_notify.
 *
 * Output never blocks: ciphertext accumulates in the connection until taken,
 * so OTLS_E_WANT_WRITE is never returned by this layer. Input is bounded:
 * otls_conn_feed() accepts at most what fits (see OTLS_CONN_INPUT_MAX).
 */
#ifndef OMNITLS_CONN_H
#define OMNITLS_CONN_H

#include "common.h"
#include "context.h"

OTLS_BEGIN_DECLS

/*
 * One TLS connection, client or server, without I/O (opaque; Node.js: a
 * `tls.TLSSocket` over a duplex). Made by otls_conn_new() from a context,
 * released with otls_conn_free(). Belongs to one thread at a time.
 */
typedef struct otls_conn otls_conn;
struct otls_sni_map;

/* Largest amount of unprocessed ciphertext a connection buffers. */
#define OTLS_CONN_INPUT_MAX (64u * 1024u)

/*
 * OTLS_CONN_OPTIONS_V1 — the first layout of otls_conn_options;
 * OTLS_CONN_OPTIONS_VERSION — the layout of this header, which
 * otls_conn_options_init() stores in `version`. otls_conn_new() accepts
 * versions 1 to OTLS_CONN_OPTIONS_VERSION and answers OTLS_E_INVAL to
 * any other (e.g. 0: options that were never initialised).
 */
#define OTLS_CONN_OPTIONS_V1 1u
#define OTLS_CONN_OPTIONS_VERSION OTLS_CONN_OPTIONS_V1

/*
 * Options of otls_conn_new() (Node.js: the per-socket options of
 * `tls.connect()` and `new tls.TLSSocket()`, and the server options that
 * concern each connection). Fill with otls_conn_options_init() first, then
 * set what you need. Strings and buffers are copied by otls_conn_new();
 * `sni_map` is borrowed and `user` is handed back to the callbacks.
 */
typedef struct otls_conn_options {
  /* Set by otls_conn_options_init(); do not change. */
  unsigned version;

  /* true: act as the TLS server; false: the client (default). */
  bool is_server;

  /*
   * Client: the SNI server name to send. NULL = none. An IP address is never
   * sent as SNI (RFC 6066 §3); it is still used for the identity check.
   * Node.js: `servername`.
   */
  const char *servername;

  /*
   * Client: the name the server's certificate must match (checkServerIdentity).
   * NULL = `servername`; when both are NULL the identity is not checked.
   * Node.js: `host`.
   */
  const char *host;

  /*
   * Override the context's reject_unauthorized for this connection:
   * -1 = inherit (default), 0 = false, 1 = true. Node.js: `rejectUnauthorized`.
   */
  int reject_unauthorized;

  /* --- ALPN ---------------------------------------------------------------- */
  /*
   * The application protocols to offer (client) or accept (server), in
   * preference order, in ALPN wire format: each name preceded by its length
   * byte (build it with otls_alpn_encode()). NULL = no ALPN. A malformed list
   * (an empty name, a length running past the end) is OTLS_E_INVAL.
   * The server picks, in core, the first of its own protocols that the client
   * offered. Node.js: `ALPNProtocols`.
   */
  const uint8_t *alpn_protocols;
  size_t alpn_protocols_len;

  /*
   * Server: choose the protocol yourself instead (Node.js: `ALPNCallback`).
   * Called during the handshake with the client's offer (wire format) when
   * the client offered ALPN; return the position of the chosen protocol in
   * that list (0 = the first), or -1 to refuse the connection with the fatal
   * `no_application_protocol` alert. Exclusive with `alpn_protocols` on a
   * server (OTLS_E_INVAL, as Node's ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS).
   */
  int (*alpn_callback)(otls_conn *c, const char *servername, const uint8_t *offer,
                       size_t offer_len, void *user);

  /*
   * Server: when the client's protocols and ours have none in common, go on
   * without ALPN instead of failing with `no_application_protocol` (alert
   * 120, OTLS_E_NO_APPLICATION_PROTOCOL; Node v20's behaviour). Default false.
   */
  bool alpn_allow_no_overlap;

  /* --- SNI (server) --------------------------------------------------------- */
  /*
   * Contexts by server name (Node.js: `server.addContext()`): when the client
   * asks for a name matching one of the map's patterns, the connection uses
   * that context instead of its own. Borrowed: keep the map alive as long as
   * connections use it. NULL = none.
   */
  const struct otls_sni_map *sni_map;

  /*
   * Choose the context yourself (Node.js: `SNICallback(servername, cb)`).
   * Called once, when the client sent a server name, before the backend sees
   * the ClientHello; answer with otls_conn_sni_done() — inside the callback
   * or later (the handshake then returns OTLS_E_WANT_CALLBACK until you do).
   * Replaces `sni_map`.
   */
  void (*sni_callback)(otls_conn *c, const char *servername, void *user);

  /* --- sessions -------------------------------------------------------------- */
  /*
   * Client: a session from otls_conn_session() or an `on_session` event to
   * resume (Node.js: `session`). A blob that is corrupt, expired or made by
   * another backend is not an error here: the handshake is a full one and
   * otls_conn_session_error() says why the session was not used.
   */
  const uint8_t *session;
  size_t session_len;

  /*
   * Client: called for each session the server gives us (each TLS 1.3
   * NewSessionTicket, or the TLS 1.2 session at the end of the handshake)
   * with a blob to pass as `session` later (Node.js: the `session` event).
   * The blob is valid during the call only.
   */
  void (*on_session)(otls_conn *c, const uint8_t *session, size_t len, void *user);

  /*
   * Server, TLS <= 1.2 session IDs (TLS 1.3 resumes by tickets only): an
   * external session store in place of the context's own cache.
   * `on_new_session` (Node.js: `newSession`) gets each new session's id and
   * data (a self-describing blob); the handshake's last flight is held until
   * otls_conn_new_session_done() — inside the callback or later.
   * `on_resume_session` (Node.js: `resumeSession`) is asked, before the
   * backend runs, for the session of a client that offers a session id
   * (and no ticket) in a handshake that can only be TLS <= 1.2; answer
   * with otls_conn_resume_session_done(), now or later.
   */
  void (*on_new_session)(otls_conn *c, const uint8_t *id, size_t id_len, const uint8_t *data,
                         size_t len, void *user);
  void (*on_resume_session)(otls_conn *c, const uint8_t *id, size_t id_len, void *user);

  /* --- OCSP stapling ----------------------------------------------------- */
  /*
   * Client: ask the server to staple an OCSP response (Node.js:
   * `requestOCSP`); read it with otls_conn_ocsp_response(). Needs
   * OTLS_CAP_OCSP_CLIENT (otherwise OTLS_E_UNSUPPORTED from otls_conn_new).
   */
  bool request_ocsp;

  /*
   * Server: the client asked for a staple (Node.js: `OCSPRequest`). `cert`
   * and `issuer` are the DER of the certificate being served and of its
   * issuer (the next certificate of the chain; issuer_len 0 when the chain
   * has none). Answer with otls_conn_ocsp_done(), now or later.
   * Called after the SNI choice, so `cert` is the chosen context's.
   * Needs OTLS_CAP_OCSP_STAPLE (otherwise OTLS_E_UNSUPPORTED from
   * otls_conn_new).
   */
  void (*ocsp_request)(otls_conn *c, const uint8_t *cert, size_t cert_len, const uint8_t *issuer,
                       size_t issuer_len, void *user);

  /* Passed to every callback above. */
  void *user;
  /*
   * Client: the smallest DH prime (bits) accepted from a server that picks
   * a finite-field (DHE) key exchange. After the handshake, a smaller prime
   * fails it with OTLS_E_DH_PARAM_SIZE (no alert is sent, as with Node,
   * which destroys the socket), before the certificate is even looked at.
   * 0 = the default, 1024 (Node's). 1024 bits is also each engine's own
   * floor (OpenSSL's security level 1), so a value under 1024 acts as 1024
   * on every backend. Ignored by servers and for ECDHE.
   * Node.js: `minDHSize`.
   */
  unsigned min_dh_size;
} otls_conn_options;

/*
 * otls_alpn_encode() — build an ALPN wire list from a comma-separated list
 * of names ("h2,http/1.1"). Writes at most `cap` bytes to `out`; returns the
 * length, or OTLS_E_INVAL for an empty name or a name over 255 bytes, or
 * OTLS_E_BUFFER_FULL when `cap` is too small.
 */
OTLS_EXTERN int otls_alpn_encode(const char *list, uint8_t *out, size_t cap);

/*
 * Contexts chosen by server name (Node.js: `server.addContext(hostname,
 * context)`). Patterns match as Node's do — the whole name, where `*`
 * stands for any run of characters other than '.', so "*.example.com"
 * matches "a.example.com" but neither "example.com" nor "a.b.example.com",
 * and the most recently added matching pattern wins — except that the
 * comparison ignores ASCII case (DNS names are case-insensitive; Node's
 * regular expression is not). A name matching no pattern keeps the
 * connection's own context, as in Node.
 */
typedef struct otls_sni_map otls_sni_map;

/* otls_sni_map_new() — an empty map. OTLS_E_NOMEM / OTLS_E_INVAL. */
OTLS_EXTERN int otls_sni_map_new(otls_sni_map **out);

/*
 * otls_sni_map_add() — map `pattern` to `ctx` (a reference is taken; the
 * context needs a certificate). OTLS_E_INVAL for an empty pattern or a
 * context without a certificate, OTLS_E_NOMEM.
 */
OTLS_EXTERN int otls_sni_map_add(otls_sni_map *map, const char *pattern, otls_context *ctx);

/* otls_sni_map_find() — the context for `servername`, or NULL. Borrowed. */
OTLS_EXTERN otls_context *otls_sni_map_find(const otls_sni_map *map, const char *servername);

/* otls_sni_map_free() — release the map and its context references. NULL ok. */
OTLS_EXTERN void otls_sni_map_free(otls_sni_map *map);

/* otls_conn_options_init() — defaults: client, no SNI, inherit policy. */
OTLS_EXTERN void otls_conn_options_init(otls_conn_options *opts);

/*
 * otls_conn_new() — create a connection using `ctx` (a reference is taken).
 * `opts` may be NULL for a client with defaults.
 * Errors: OTLS_E_INVAL (NULL ctx, bad options, a server role on a context
 * with no certificate), OTLS_E_NOMEM, OTLS_E_INTERNAL (the backend failed).
 */
OTLS_EXTERN int otls_conn_new(otls_conn **out, otls_context *ctx,
                              const otls_conn_options *opts);

/* otls_conn_free() — release the connection. Accepts NULL. Sends nothing. */
OTLS_EXTERN void otls_conn_free(otls_conn *c);

/* --- moving ciphertext ------------------------------------------------- */

/*
 * otls_conn_feed() — hand received ciphertext to the connection.
 * Returns the number of bytes accepted (0..len; less than `len` when the
 * input buffer is full: process it with handshake/read, then feed the rest),
 * or OTLS_E_INVAL, OTLS_E_NOMEM, OTLS_E_STATE (after otls_conn_feed_eof).
 */
OTLS_EXTERN int otls_conn_feed(otls_conn *c, const void *data, size_t len);

/*
 * otls_conn_input_space() / otls_conn_input_commit() — otls_conn_feed()
 * without the copy: receive straight into the connection's input buffer.
 * input_space sets *buf / *len to room for up to *len bytes (*len > 0,
 * at most one maximum-size TLS record) and returns 0, or OTLS_E_BUFFER_FULL
 * (process input with handshake/read first), OTLS_E_STATE (after
 * otls_conn_feed_eof), OTLS_E_NOMEM, OTLS_E_INVAL. Write up to *len bytes
 * there (e.g. `recv(fd, buf, len, 0)`), then input_commit(c, n) with the
 * count written (0 is allowed); `buf` is valid until the next call on `c`.
 * input_commit returns 0, or OTLS_E_INVAL when n exceeds the space given.
 */
OTLS_EXTERN int otls_conn_input_space(otls_conn *c, uint8_t **buf, size_t *len);
OTLS_EXTERN int otls_conn_input_commit(otls_conn *c, size_t n);

/*
 * otls_conn_release_buffers() — free the connection's ciphertext buffers
 * if they are empty, and the engine's own record buffers where it keeps
 * them between records (OpenSSL: about 34 KB; omnitls does not set
 * SSL_MODE_RELEASE_BUFFERS, which frees them after every record); they are
 * allocated again when next needed. Call it
 * when the transport goes quiet (otls_socket does before it waits for the
 * peer; the event layer after each burst of input), not per record: an
 * idle connection then holds no buffers of its own. Accepts NULL.
 */
OTLS_EXTERN void otls_conn_release_buffers(otls_conn *c);

/*
 * otls_conn_feed_eof() — the transport reached end of stream (TCP FIN).
 * Afterwards, reads report 0 only if the peer sent close_notify; otherwise
 * OTLS_E_TRUNCATED (after the handshake) or OTLS_E_CONNRESET (during it).
 */
OTLS_EXTERN int otls_conn_feed_eof(otls_conn *c);

/*
 * otls_conn_output() — peek at the ciphertext waiting to be sent.
 * Returns a pointer to `*len` bytes (NULL and 0 when there is none), valid
 * until the next call on `c`. Remove what was sent with otls_conn_consume().
 */
OTLS_EXTERN const uint8_t *otls_conn_output(otls_conn *c, size_t *len);

/* otls_conn_consume() — drop `n` bytes (at most the pending amount) of output. */
OTLS_EXTERN void otls_conn_consume(otls_conn *c, size_t n);

/*
 * otls_conn_take() — copy up to `cap` bytes of pending output into `buf`
 * and consume them. Returns the number copied (0 when none).
 */
OTLS_EXTERN size_t otls_conn_take(otls_conn *c, void *buf, size_t cap);

/* otls_conn_pending_output() — how many bytes of ciphertext are waiting. */
OTLS_EXTERN size_t otls_conn_pending_output(const otls_conn *c);

/* What the connection needs next (bits of otls_conn_wants()). */
#define OTLS_WANTS_READ 0x1u   /* feed more ciphertext */
#define OTLS_WANTS_WRITE 0x2u  /* output is pending: send it */
#define OTLS_WANTS_CLOSED 0x4u /* finished: closed cleanly or failed */
#define OTLS_WANTS_CALLBACK 0x8u /* the handshake waits for an answer (..._done()) */

/* otls_conn_wants() — a combination of OTLS_WANTS_* bits. */
OTLS_EXTERN unsigned otls_conn_wants(const otls_conn *c);

/* --- the protocol ------------------------------------------------------ */

/*
 * otls_conn_handshake() — advance the handshake with the input fed so far.
 * Returns 0 once the handshake is complete (and the peer verified according
 * to the policy), OTLS_E_WANT_READ when more input is needed, or a fatal
 * error: OTLS_E_HANDSHAKE, OTLS_E_PEER_ALERT, OTLS_E_VERSION_MISMATCH,
 * OTLS_E_NO_SHARED_CIPHER, OTLS_E_PEER_CERT_REQUIRED, OTLS_E_PROTOCOL,
 * OTLS_E_CONNRESET, a verification code (when rejecting unauthorized
 * peers; see otls_err_is_verify()), OTLS_E_CERT_ALTNAME_INVALID,
 * OTLS_E_DH_PARAM_SIZE (client: the server's DH prime is under min_dh_size).
 * After a fatal error any pending output (an alert) should still be sent.
 * Node.js: the `secureConnect` / `secureConnection` moment.
 */
OTLS_EXTERN int otls_conn_handshake(otls_conn *c);

/*
 * otls_conn_read() — read decrypted application data. Runs the handshake
 * first if it is not complete. Returns the number of bytes (> 0), 0 when the
 * peer closed cleanly with close_notify, OTLS_E_WANT_READ, or a fatal error
 * (OTLS_E_TRUNCATED when the transport ended without close_notify,
 * OTLS_E_PROTOCOL, OTLS_E_PEER_ALERT, ...).
 */
OTLS_EXTERN int otls_conn_read(otls_conn *c, void *buf, size_t len);

/*
 * otls_conn_write() — encrypt application data into the output buffer.
 * Runs the handshake first if it is not complete. Returns `len` (all data is
 * accepted; large writes become several records), OTLS_E_WANT_READ while the
 * handshake waits for input, OTLS_E_WRITE_AFTER_END after
 * otls_conn_shutdown(), OTLS_E_CLOSED after a fatal error, or a fatal error.
 * Lengths above INT_MAX are OTLS_E_INVAL.
 */
OTLS_EXTERN int otls_conn_write(otls_conn *c, const void *buf, size_t len);

/*
 * otls_conn_shutdown() — queue a close_notify alert (Node.js: `end()`).
 * Returns 0; calling it twice is harmless. Reading stays possible until the
 * peer's close_notify arrives.
 */
OTLS_EXTERN int otls_conn_shutdown(otls_conn *c);

/* --- queries ----------------------------------------------------------- */

/* true once the handshake completed successfully. */
OTLS_EXTERN bool otls_conn_is_handshake_done(const otls_conn *c);

/* true for a server-side connection. */
OTLS_EXTERN bool otls_conn_is_server(const otls_conn *c);

/* true when the peer's close_notify was received. */
OTLS_EXTERN bool otls_conn_is_peer_closed(const otls_conn *c);

/*
 * otls_conn_protocol() — negotiated version as Node names it: "TLSv1.3",
 * "TLSv1.2", "TLSv1.1", "TLSv1"; NULL before the handshake.
 * Node.js: `tlsSocket.getProtocol()`.
 */
OTLS_EXTERN const char *otls_conn_protocol(const otls_conn *c);

/*
 * A cipher suite as Node's `tlsSocket.getCipher()` describes it
 * ({ name, standardName, version }), plus its code point. Filled by
 * otls_conn_cipher(), otls_cipher_lookup() and otls_cipher_lookup_name();
 * the strings are static.
 */
typedef struct otls_cipher_info {
  const char *name;          /* OpenSSL-style name, "TLS_AES_256_GCM_SHA384" / "ECDHE-RSA-AES128-GCM-SHA256" */
  const char *standard_name; /* IANA name */
  const char *version;       /* minimum protocol of the suite: "TLSv1.3" or "TLSv1.2" */
  uint16_t id;               /* the two-byte suite number */
} otls_cipher_info;

/*
 * otls_conn_cipher() — the negotiated cipher suite. Strings are static.
 * Returns 0, or OTLS_E_STATE before the handshake.
 * Node.js: `tlsSocket.getCipher()`.
 */
OTLS_EXTERN int otls_conn_cipher(const otls_conn *c, otls_cipher_info *out);

/*
 * otls_conn_ecdh_group() — the elliptic-curve group of the key exchange, by
 * the name Node gives it in `getEphemeralKeyInfo().name`: "X25519", "X448",
 * "prime256v1", "secp384r1", "secp521r1". NULL before the handshake, and
 * when the key exchange was not ECDHE (RSA, DHE). Static string. Both sides
 * can ask (Node answers only on the client). The group is chosen from the
 * contexts' `ecdh_curve` lists.
 */
OTLS_EXTERN const char *otls_conn_ecdh_group(const otls_conn *c);

/*
 * The ephemeral key of the key exchange, as Node's
 * `tlsSocket.getEphemeralKeyInfo()` describes it. With `type` NULL the
 * object is empty (`{}`: no ephemeral key, e.g. RSA key exchange).
 */
typedef struct otls_ephemeral_key_info {
  const char *type; /* "ECDH" (also X25519 / X448) or "DH"; NULL = none */
  const char *name; /* ECDH only: "prime256v1", "secp384r1", "secp521r1",
                       "X25519", "X448"; NULL for DH */
  unsigned size;    /* bits: 256, 384, 521, 253 (X25519), 448 (X448), or
                       the DH prime's size */
} otls_ephemeral_key_info;

/*
 * otls_conn_ephemeral_key_info() — the server's ephemeral key, on a client
 * after the handshake: {ECDH, "X25519", 253}, {ECDH, "prime256v1", 256},
 * {DH, NULL, 2048} (TLS 1.2 DHE, or a TLS 1.3 ffdhe group), or empty.
 * Strings are static. Returns 0; OTLS_E_STATE on a server (Node returns
 * null there) and before the handshake has completed (Node returns {}
 * there); OTLS_E_INVAL for NULL arguments.
 * Node.js: `tlsSocket.getEphemeralKeyInfo()`.
 */
OTLS_EXTERN int otls_conn_ephemeral_key_info(const otls_conn *c, otls_ephemeral_key_info *out);

/*
 * otls_conn_is_authorized() — true when the peer's certificate chain was
 * verified against the trust store and (client) matched the host.
 * Node.js: `tlsSocket.authorized`.
 */
OTLS_EXTERN bool otls_conn_is_authorized(const otls_conn *c);

/*
 * otls_conn_verify_error() — 0 when authorized, otherwise the verification
 * error code (a value for which otls_err_is_verify() is true).
 */
OTLS_EXTERN int otls_conn_verify_error(const otls_conn *c);

/*
 * otls_conn_authorization_error() — the name of the verification failure
 * ("CERT_HAS_EXPIRED"), or NULL when authorized or not verified.
 * Node.js: `tlsSocket.authorizationError`.
 */
OTLS_EXTERN const char *otls_conn_authorization_error(const otls_conn *c);

/*
 * otls_conn_servername() — client: the SNI name sent; server: the name the
 * client asked for. NULL when none. Node.js: `tlsSocket.servername`.
 */
OTLS_EXTERN const char *otls_conn_servername(const otls_conn *c);

/*
 * otls_conn_peer_cert_count() / otls_conn_peer_cert_der() — the certificate
 * chain the peer sent, leaf at index 0, as DER. The pointer stays valid until
 * the connection is freed. Returns 0, or OTLS_E_INVAL for an index out of
 * range. Node.js: `getPeerCertificate().raw` and its issuer chain.
 */
OTLS_EXTERN size_t otls_conn_peer_cert_count(const otls_conn *c);
OTLS_EXTERN int otls_conn_peer_cert_der(const otls_conn *c, size_t index,
                                        const uint8_t **der, size_t *len);

/*
 * otls_conn_error() — a sentence about the last failure on this connection
 * (including the backend's own message), or "" when none.
 */
OTLS_EXTERN const char *otls_conn_error(const otls_conn *c);

/*
 * otls_conn_alert() — the TLS alert that ended the connection: its number
 * (e.g. 42 bad_certificate) or -1 when none; `*sent` (may be NULL) tells
 * whether we sent it (true) or received it (false).
 */
OTLS_EXTERN int otls_conn_alert(const otls_conn *c, bool *sent);

/* --- answers to handshake events ---------------------------------------- */

/*
 * otls_conn_sni_done() — answer `sni_callback`: use `ctx` (a reference is
 * taken; NULL = keep the connection's own context), or fail the handshake
 * with `err` (< 0; the client gets an internal_error alert). Then call
 * otls_conn_handshake() again. OTLS_E_STATE when no answer is awaited,
 * OTLS_E_INVAL for a context without a certificate.
 */
OTLS_EXTERN int otls_conn_sni_done(otls_conn *c, otls_context *ctx, int err);

/*
 * otls_conn_new_session_done() — the `on_new_session` data is stored: let
 * the handshake finish. OTLS_E_STATE when nothing waits for it.
 */
OTLS_EXTERN int otls_conn_new_session_done(otls_conn *c);

/*
 * otls_conn_resume_session_done() — answer `on_resume_session` with the data
 * stored for that id (NULL/0: not found, a full handshake follows). Data that
 * is not a session of this backend counts as not found. OTLS_E_STATE when no
 * answer is awaited.
 */
OTLS_EXTERN int otls_conn_resume_session_done(otls_conn *c, const uint8_t *data, size_t len);

/*
 * otls_conn_ocsp_done() — answer `ocsp_request`: staple `resp` (DER, copied;
 * NULL = staple nothing), or fail the handshake with `err` < 0 (Node: an
 * error destroys the socket; the client gets an internal_error alert).
 * OTLS_E_STATE when no answer is awaited.
 */
OTLS_EXTERN int otls_conn_ocsp_done(otls_conn *c, const uint8_t *resp, size_t len, int err);

/*
 * otls_conn_ocsp_response() — client: the OCSP response the server stapled
 * (DER, valid while the connection lives), or NULL (none, or not asked
 * for). Node.js: the `OCSPResponse` event's buffer.
 */
OTLS_EXTERN const uint8_t *otls_conn_ocsp_response(const otls_conn *c, size_t *len);

/* --- ALPN and sessions ----------------------------------------------------- */

/*
 * otls_conn_alpn_protocol() — the negotiated application protocol; sets
 * `*len` and returns a pointer valid while the connection lives, or NULL when
 * none was agreed (Node.js: `alpnProtocol` = false).
 */
OTLS_EXTERN const uint8_t *otls_conn_alpn_protocol(const otls_conn *c, size_t *len);

/*
 * otls_conn_session() — the current session as a self-describing blob
 * (omnitls format version, backend name, protocol, creation time, the
 * backend's own bytes), for the `session` option. Sets a malloc'd copy in
 * `*out` (free() it). OTLS_E_STATE when there is none (before the
 * handshake, on a server, or a server that issues none).
 * Node.js: `tlsSocket.getSession()`.
 */
OTLS_EXTERN int otls_conn_session(const otls_conn *c, uint8_t **out, size_t *len);

/*
 * otls_conn_is_session_reused() — true when the handshake resumed a session.
 * Node.js: `tlsSocket.isSessionReused()`.
 */
OTLS_EXTERN bool otls_conn_is_session_reused(const otls_conn *c);

/*
 * otls_conn_session_error() — client: 0 when the `session` option was usable
 * (or not given), else why it was not offered: OTLS_E_BAD_SESSION (corrupt,
 * from another backend, or expired).
 */
OTLS_EXTERN int otls_conn_session_error(const otls_conn *c);

/* otls_conn_tickets() — client: how many sessions (tickets) the server sent. */
OTLS_EXTERN unsigned otls_conn_tickets(const otls_conn *c);

/* --- introspection and control -------------------------------------------- */

/*
 * otls_conn_export_keying_material() — derive `len` bytes (1..16384) from
 * the session's keys with `label` (NUL-terminated) and an optional
 * `context` (NULL = none), as RFC 5705 / RFC 8446 §7.5 define; both peers
 * get the same bytes. OTLS_E_STATE before the handshake, OTLS_E_INVAL.
 * Node.js: `tlsSocket.exportKeyingMaterial(length, label, context)`.
 */
OTLS_EXTERN int otls_conn_export_keying_material(const otls_conn *c, uint8_t *out, size_t len,
                                                 const char *label, const uint8_t *context,
                                                 size_t context_len);

/*
 * otls_conn_finished() — the latest Finished message we sent (`peer` =
 * false) or received (true): copies up to `cap` bytes and returns the full
 * length (12 in TLS 1.2; the hash length in TLS 1.3). OTLS_E_STATE before the
 * handshake, OTLS_E_UNSUPPORTED without OTLS_CAP_FINISHED.
 * Node.js: `getFinished()` / `getPeerFinished()`.
 */
OTLS_EXTERN int otls_conn_finished(const otls_conn *c, bool peer, uint8_t *out, size_t cap);

/*
 * otls_conn_set_max_send_fragment() — cap the plaintext of each record we
 * send at `size` bytes (512..16384; default 16384). Done by omnitls itself,
 * so every backend splits writes the same way. OTLS_E_INVAL out of range.
 * Node.js: `tlsSocket.setMaxSendFragment(size)` (which returns a boolean).
 */
OTLS_EXTERN int otls_conn_set_max_send_fragment(otls_conn *c, size_t size);

/*
 * otls_conn_key_update() — TLS 1.3: send a KeyUpdate (new traffic keys for
 * what we send), and ask the peer to update its keys too when
 * `request_peer`. OTLS_E_STATE before the handshake or on TLS 1.2.
 */
OTLS_EXTERN int otls_conn_key_update(otls_conn *c, bool request_peer);

/*
 * otls_conn_npn_protocol() — the protocol agreed by NPN (bare bytes, not
 * NUL-terminated; `len` set), or NULL when NPN was not used (no NPN on a
 * side, ALPN agreed instead, TLS 1.3). Node.js <= 9: `npnProtocol`.
 */
OTLS_EXTERN const uint8_t *otls_conn_npn_protocol(const otls_conn *c, size_t *len);

/*
 * otls_conn_tls_ticket() — client: the session ticket the server sent last
 * (opaque bytes, for debugging; Node.js: `tlsSocket.getTLSTicket()`).
 * Sets `data` and `len` to it (valid until the next call on `c`), or to NULL/0
 * when there is none — always on a server, as in Node. Returns 0,
 * OTLS_E_STATE before the handshake, OTLS_E_UNSUPPORTED without
 * OTLS_CAP_TLS_TICKET (GnuTLS keeps tickets inside its session format).
 */
OTLS_EXTERN int otls_conn_tls_ticket(const otls_conn *c, const uint8_t **data, size_t *len);

/* ---------------------------------------------------------------------- */
/* Renegotiation (TLS 1.2 and earlier; capability OTLS_CAP_RENEGOTIATION)  */
/* ---------------------------------------------------------------------- */

/*
 * Renegotiation policy, the same on every backend that has it (Node.js
 * v20's): a peer may renegotiate; at most OTLS_CLIENT_RENEG_LIMIT
 * renegotiations started by the peer within OTLS_CLIENT_RENEG_WINDOW
 * seconds of each other (the window restarts after a quiet period that
 * long); one more fails the connection with OTLS_E_SESSION_ATTACK. This is
 * Node's client-initiated renegotiation limit (`tls.CLIENT_RENEG_LIMIT`,
 * `tls.CLIENT_RENEG_WINDOW`); omnitls applies it on clients too (to a
 * server sending HelloRequests), and does not count renegotiations the
 * application started itself. OTLS_OP_NO_RENEGOTIATION in the context's
 * `secure_options` refuses every renegotiation politely instead (a
 * no_renegotiation warning alert; the connection carries on).
 * Backends without OTLS_CAP_RENEGOTIATION refuse a peer's renegotiation.
 */
#define OTLS_CLIENT_RENEG_LIMIT 3
#define OTLS_CLIENT_RENEG_WINDOW 600

/* The layout version of otls_renegotiate_options, set by
 * otls_renegotiate_options_init(). */
#define OTLS_RENEGOTIATE_OPTIONS_V1 1u

/* Node.js: the `options` of `tlsSocket.renegotiate(options, callback)`. */
typedef struct otls_renegotiate_options {
  /* Set by otls_renegotiate_options_init(); do not change. */
  unsigned version;
  /*
   * Server: ask for a client certificate in the new handshake (1), or not
   * (0); -1 (default) = as the context says (`request_cert`).
   */
  int request_cert;
  /*
   * Fail the connection when the certificate received in the new handshake
   * does not verify (1) or only record it (0); -1 (default) = as the
   * connection does now.
   */
  int reject_unauthorized;
} otls_renegotiate_options;

/*
 * otls_renegotiate_options_init() — the defaults: version set,
 * request_cert and reject_unauthorized -1 (unchanged from the first
 * handshake).
 */
OTLS_EXTERN void otls_renegotiate_options_init(otls_renegotiate_options *opts);

/*
 * Called once the renegotiation ends: `err` 0 when the new handshake
 * completed (the peer's certificate, authorized/verify_error, protocol and
 * cipher now describe it), else the OTLS_E_* that failed the connection.
 * Runs inside otls_conn_read() (or the call that drove the handshake).
 */
typedef void (*otls_renegotiate_cb)(otls_conn *c, int err, void *arg);

/*
 * otls_conn_renegotiate() — start a new handshake on an established TLS
 * <= 1.2 connection (Node.js: `tlsSocket.renegotiate(options, callback)`).
 * Queues the HelloRequest (server) or ClientHello (client) as output; keep
 * feeding input and calling otls_conn_read() as usual — application data
 * keeps flowing — and `cb` (may be NULL) fires when it completes.
 * `opts` may be NULL. Returns 0, or:
 *   OTLS_E_UNSUPPORTED            no OTLS_CAP_RENEGOTIATION;
 *   OTLS_E_WRONG_SSL_VERSION      the connection is TLS 1.3 (no renegotiation);
 *   OTLS_E_RENEGOTIATION_DISABLED otls_conn_disable_renegotiation() was called,
 *                                 or the context has OTLS_OP_NO_RENEGOTIATION;
 *   OTLS_E_STATE                  the handshake is not done, a renegotiation
 *                                 is already running, or end() was called;
 *   OTLS_E_INVAL                  bad options.
 * On error `cb` is not called.
 */
OTLS_EXTERN int otls_conn_renegotiate(otls_conn *c, const otls_renegotiate_options *opts,
                                      otls_renegotiate_cb cb, void *arg);

/*
 * otls_conn_disable_renegotiation() — from now on a renegotiation started
 * by the peer fails the connection with OTLS_E_RENEGOTIATION_DISABLED, and
 * otls_conn_renegotiate() is refused (Node.js:
 * `tlsSocket.disableRenegotiation()`). Returns 0 or OTLS_E_INVAL.
 */
OTLS_EXTERN int otls_conn_disable_renegotiation(otls_conn *c);

/* true while a renegotiation started by either side has not completed. */
OTLS_EXTERN bool otls_conn_is_renegotiating(const otls_conn *c);

/* How many renegotiations completed on this connection (either side's). */
OTLS_EXTERN unsigned otls_conn_renegotiations(const otls_conn *c);

/* otls_alert_name() — "handshake_failure" for 40 etc.; NULL when unknown. */
OTLS_EXTERN const char *otls_alert_name(int alert);

OTLS_END_DECLS

#endif /* OMNITLS_CONN_H */
