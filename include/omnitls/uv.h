/*
 * omnitls — the event layer on libuv: Node.js's `tls.Server`, `tls.connect`
 * and `tls.TLSSocket`, driven by a uv_loop_t (the loop Node runs on).
 *
 * Not included from <omnitls.h>, because it needs <uv.h>:
 *
 *   #include <omnitls.h>
 *   #include <omnitls/uv.h>
 *
 * Built into the library when libuv is found (CMake OMNITLS_WITH_UV=ON).
 *
 * Conventions beyond common.h:
 *  - Every object belongs to the thread that runs its loop. Every function
 *    here must be called on that thread — except otls_uv_workers_*, whose
 *    own thread rules are stated there.
 *  - Write callbacks, on_data, on_end, on_drain and on_close are never
 *    called from inside otls_uv_socket_write/_end/_destroy/_resume (as
 *    with libuv). on_error may be, when that very call hits a fatal error
 *    (the transport refused the data); the call then returns the error
 *    too. otls_uv_socket_feed() runs the connection and may fire any event.
 *  - Callbacks may destroy their socket or close their server.
 *  - Objects close asynchronously: `otls_uv_socket_destroy()` and
 *    `otls_uv_server_close()` start closing; the memory is released right
 *    after the `close` callback returns (libuv's uv_close()). The pointer
 *    stays valid, and further calls are harmless no-ops or OTLS_E_CLOSED,
 *    until then.
 *  - Errors are OTLS_E_* codes; libuv errors are mapped (UV_ECONNREFUSED ->
 *    OTLS_E_CONNREFUSED, UV_EAI_NONAME -> OTLS_E_NOTFOUND, ...). A detail
 *    sentence is kept on the object (otls_uv_socket_error()).
 */
#ifndef OMNITLS_UV_H
#define OMNITLS_UV_H

#include <uv.h>

#include "../omnitls.h"

OTLS_BEGIN_DECLS

/*
 * otls_uv_server — a TLS server on a libuv loop (opaque; Node.js:
 * `tls.Server`). Made by otls_uv_server_new(), closed (and released) with
 * otls_uv_server_close().
 *
 * otls_uv_socket — one TLS connection on a libuv loop, client or accepted
 * (opaque; Node.js: `tls.TLSSocket`). Made by otls_uv_connect(),
 * otls_uv_connect_path(), otls_uv_connect_fd(), otls_uv_wrap() or handed
 * to `on_secure_connection`; closed with otls_uv_socket_end() or
 * otls_uv_socket_destroy(), released after its `on_close` event.
 */
typedef struct otls_uv_server otls_uv_server;
typedef struct otls_uv_socket otls_uv_socket;

/* Default write queue high-water mark (Node.js: `writableHighWaterMark`). */
#define OTLS_UV_HIGH_WATER_MARK (16u * 1024u)
/* Default handshake timeout (Node.js: `handshakeTimeout`, 120 s). */
#define OTLS_UV_HANDSHAKE_TIMEOUT_MS 120000u

/* ---------------------------------------------------------------------- */
/* The TLS socket (Node.js: tls.TLSSocket)                                */
/* ---------------------------------------------------------------------- */

/*
 * Events of a TLS socket. Any may be NULL. Set them with
 * otls_uv_socket_set_events(), before the loop runs again after the socket
 * was handed to you (in secureConnection, or right after otls_uv_connect).
 */
typedef struct otls_uv_socket_events {
  /*
   * Decrypted data (Node.js: 'data'). `data` is valid during the call only.
   * With no `on_data` the data is discarded.
   */
  void (*on_data)(otls_uv_socket *s, const uint8_t *data, size_t len);
  /*
   * The peer sent close_notify (Node.js: 'end'). As Node does by default
   * (allowHalfOpen: false), omnitls then ends its own side too; the socket
   * closes once both sides are done.
   */
  void (*on_end)(otls_uv_socket *s);
  /*
   * A fatal error (Node.js: 'error'): an OTLS_E_* code; the detail is in
   * otls_uv_socket_error(). `on_close` follows.
   */
  void (*on_error)(otls_uv_socket *s, int err);
  /*
   * The write queue emptied after otls_uv_socket_write() returned 0
   * (Node.js: 'drain').
   */
  void (*on_drain)(otls_uv_socket *s);
  /*
   * The socket is closed (Node.js: 'close'). `had_error` tells whether
   * on_error was called. The socket's memory is released when this returns;
   * it is the last event.
   */
  void (*on_close)(otls_uv_socket *s, bool had_error);
} otls_uv_socket_events;

/* Called when a write's data was handed to the transport (status 0), or
 * with an error (OTLS_E_CLOSED when the socket closed first). */
typedef void (*otls_uv_write_cb)(otls_uv_socket *s, int status, void *arg);

/* Client: the handshake completed (Node.js: 'secureConnect' / the
 * tls.connect() callback). Failures go to on_error instead. */
typedef void (*otls_uv_secure_cb)(otls_uv_socket *s);

/* otls_uv_socket_set_events() — install the event callbacks (copied). */
OTLS_EXTERN void otls_uv_socket_set_events(otls_uv_socket *s, const otls_uv_socket_events *ev);

/* otls_uv_socket_set_data() / otls_uv_socket_data() — store and read back
 * one pointer of the application's (NULL until set; NULL for a NULL
 * socket). omnitls never touches it. Node.js: properties on the socket
 * object. */
OTLS_EXTERN void otls_uv_socket_set_data(otls_uv_socket *s, void *data);
OTLS_EXTERN void *otls_uv_socket_data(const otls_uv_socket *s);

/*
 * otls_uv_socket_write() — send `len` bytes of plaintext. The data is copied.
 * Before the handshake completes it is queued and sent afterwards.
 * `cb` (may be NULL) fires once the encrypted data was handed to the
 * transport, or with an error.
 * Returns 1 when the caller may keep writing, 0 when the queue reached the
 * high-water mark (the data was accepted; wait for on_drain) — Node.js's
 * `write()` returning true/false. Returns OTLS_E_WANT_WRITE without
 * accepting the data (and without calling `cb`) when the queue is already
 * at the high-water mark, so a queue never exceeds the mark plus one
 * write. Other errors: OTLS_E_WRITE_AFTER_END after otls_uv_socket_end(),
 * OTLS_E_CLOSED after a failure or destroy(), OTLS_E_INVAL, OTLS_E_NOMEM.
 */
OTLS_EXTERN int otls_uv_socket_write(otls_uv_socket *s, const void *data, size_t len,
                                     otls_uv_write_cb cb, void *arg);

/* Bytes accepted by write() whose callback has not fired yet.
 * Node.js: `writableLength`. */
OTLS_EXTERN size_t otls_uv_socket_write_queue_size(const otls_uv_socket *s);

/*
 * otls_uv_socket_renegotiate() — otls_conn_renegotiate() on the socket's
 * connection, and send what it queued (Node.js:
 * `tlsSocket.renegotiate(options, callback)`). `cb` fires on the loop when
 * the new handshake completes (err 0) or the connection fails. Returns 0, or
 * OTLS_E_STATE before the handshake, OTLS_E_CLOSED once closing, and the
 * errors of otls_conn_renegotiate() (OTLS_E_UNSUPPORTED,
 * OTLS_E_WRONG_SSL_VERSION, OTLS_E_RENEGOTIATION_DISABLED ...).
 */
OTLS_EXTERN int otls_uv_socket_renegotiate(otls_uv_socket *s, const otls_renegotiate_options *opts,
                                           otls_renegotiate_cb cb, void *arg);

/*
 * otls_uv_socket_end() — send close_notify after the queued writes, then
 * half-close the transport (Node.js: `end()`). The socket closes once the
 * peer has ended too. Returns 0 (twice is harmless) or OTLS_E_CLOSED.
 */
OTLS_EXTERN int otls_uv_socket_end(otls_uv_socket *s);

/*
 * otls_uv_socket_destroy() — close now, without close_notify (Node.js:
 * `destroy()`). Pending writes complete with OTLS_E_CLOSED; on_close
 * follows (asynchronously). Accepts NULL; twice is harmless.
 */
OTLS_EXTERN void otls_uv_socket_destroy(otls_uv_socket *s);

/*
 * otls_uv_socket_pause() / _resume() — stop / restart delivering on_data
 * (Node.js: `pause()` / `resume()`). While paused, the transport stops
 * being read once the connection's input buffer is full, so the peer is
 * slowed down by TCP flow control. _is_paused() tells which state the
 * socket is in (Node.js: `isPaused()`).
 */
OTLS_EXTERN void otls_uv_socket_pause(otls_uv_socket *s);
OTLS_EXTERN void otls_uv_socket_resume(otls_uv_socket *s);
OTLS_EXTERN bool otls_uv_socket_is_paused(const otls_uv_socket *s);

/*
 * otls_uv_socket_conn() — the underlying sans-IO connection, for every
 * introspection call (otls_conn_protocol, _cipher, _is_authorized,
 * _servername, _peer_cert_der, ...). Never NULL. Do not feed, read, write
 * or free it. Node.js: the TLSSocket's getters.
 */
OTLS_EXTERN otls_conn *otls_uv_socket_conn(const otls_uv_socket *s);

/* The server that accepted the socket, or NULL for a client socket. */
OTLS_EXTERN otls_uv_server *otls_uv_socket_server(const otls_uv_socket *s);

/*
 * otls_uv_socket_remote_address() / otls_uv_socket_local_address() — the
 * transport's addresses (Node.js: `remoteAddress`/`remotePort`, `address()`).
 * TCP: a sockaddr_in / sockaddr_in6. A unix-domain socket: a sockaddr_un
 * (ss_family AF_UNIX) whose sun_path is the bound path, or "" for an
 * unnamed end (a connecting client's own address, as Node's `undefined`).
 * Returns 0, OTLS_E_STATE when the socket is not (or no longer) a connected
 * stream socket (a wrapped duplex has no address), OTLS_E_INVAL.
 */
OTLS_EXTERN int otls_uv_socket_remote_address(const otls_uv_socket *s,
                                              struct sockaddr_storage *out);
OTLS_EXTERN int otls_uv_socket_local_address(const otls_uv_socket *s, struct sockaddr_storage *out);

/* A sentence about the last failure of the socket, or "". */
OTLS_EXTERN const char *otls_uv_socket_error(const otls_uv_socket *s);

/* The socket was idle for the time given to otls_uv_socket_set_timeout()
 * (Node.js: the 'timeout' event). */
typedef void (*otls_uv_timeout_cb)(otls_uv_socket *s);

/*
 * otls_uv_socket_set_timeout() — call `cb` once the socket has seen no
 * activity (no ciphertext read from or written to its transport, no write
 * completed) for `ms` milliseconds (Node.js: `socket.setTimeout(ms, cb)`).
 * As in Node, the socket is *not* closed: `cb` decides (e.g. end() or
 * destroy()). It fires once per idle period; the next activity starts the
 * timer again. `ms` = 0 turns it off; a new call replaces the previous
 * timeout and callback. `cb` may be NULL (nothing happens on timeout).
 * Returns 0, OTLS_E_INVAL (NULL socket), OTLS_E_CLOSED (closing).
 */
OTLS_EXTERN int otls_uv_socket_set_timeout(otls_uv_socket *s, unsigned ms, otls_uv_timeout_cb cb);

/* ---------------------------------------------------------------------- */
/* Client sockets: tls.connect() and new TLSSocket(duplex)                */
/* ---------------------------------------------------------------------- */

/* The layout version of otls_uv_socket_options, set by
 * otls_uv_socket_options_init(); the only one accepted. */
#define OTLS_UV_SOCKET_OPTIONS_V1 1u

/*
 * The `lookup` hook (Node.js: the `lookup` option of tls.connect()): called
 * with the host and port given to otls_uv_connect(), on the loop iteration
 * after that call returned (never inside it), instead of getaddrinfo.
 * Answer with otls_uv_lookup_done(), from inside the hook or later.
 * `host` is valid until the answer; `data` is the options' `lookup_data`.
 */
typedef void (*otls_uv_lookup_cb)(otls_uv_socket *s, const char *host, unsigned port,
                                  void *data);

/*
 * Options of otls_uv_connect(), otls_uv_connect_path(), otls_uv_connect_fd()
 * and otls_uv_wrap() (Node.js: the options of `tls.connect()` and
 * `new tls.TLSSocket()`). Fill with otls_uv_socket_options_init() first;
 * NULL options mean those defaults.
 */
typedef struct otls_uv_socket_options {
  /* Set by otls_uv_socket_options_init(); do not change. */
  unsigned version;
  /* otls_uv_wrap() only: act as the TLS server (Node.js: `isServer`). */
  bool is_server;
  /*
   * SNI name. NULL = the host given to otls_uv_connect() (an IP address is
   * never sent as SNI), "localhost" for otls_uv_connect_path() and
   * otls_uv_connect_fd() (Node's default host); "" = none.
   * Node.js: `servername`.
   */
  const char *servername;
  /* The name the certificate must match; NULL = `servername` when set,
   * else the connect host ("localhost" for a path or an fd).
   * Node.js: `host` / checkServerIdentity. */
  const char *host;
  /* -1 = the context's policy (default), 0 / 1. Node.js: `rejectUnauthorized`. */
  int reject_unauthorized;
  /* Write queue high-water mark; 0 = OTLS_UV_HIGH_WATER_MARK. */
  size_t high_water_mark;
  /* Fail the handshake with OTLS_E_HANDSHAKE_TIMEOUT after this long;
   * 0 = no timeout (the default for clients, as in Node). */
  unsigned handshake_timeout_ms;

  /*
   * Further connection options: ALPN, `session`, `on_session` ... (see
   * otls_conn_options); the fields above take precedence. NULL = none.
   */
  const otls_conn_options *conn_options;

  /* otls_uv_connect() only: resolve the host with this hook instead of
   * getaddrinfo (Node.js: `lookup`). NULL = getaddrinfo (default). */
  otls_uv_lookup_cb lookup;
  void *lookup_data; /* passed to `lookup` */
} otls_uv_socket_options;

/* Fill `opts` with the defaults: version set, reject_unauthorized -1 (the
 * context's policy), everything else 0 / NULL. */
OTLS_EXTERN void otls_uv_socket_options_init(otls_uv_socket_options *opts);

/*
 * otls_uv_connect() — resolve `host` (uv_getaddrinfo), connect over TCP
 * (trying each address in turn) and run the client handshake
 * (Node.js: `tls.connect(port, host, options, callback)`).
 * `secure_cb` (may be NULL) fires when the handshake completes; every
 * failure (OTLS_E_NOTFOUND, OTLS_E_CONNREFUSED, a handshake or verification
 * error, ...) goes to on_error, then on_close. Set the events right after
 * this call returns. `opts` may be NULL.
 * Returns 0, or synchronously OTLS_E_INVAL / OTLS_E_NOMEM / the error of
 * otls_conn_new() (then `*out` is NULL and no callback fires).
 */
OTLS_EXTERN int otls_uv_connect(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                                const char *host, unsigned port, const otls_uv_socket_options *opts,
                                otls_uv_secure_cb secure_cb);

/*
 * otls_uv_lookup_done() — the answer to the `lookup` hook: `n` IPv4/IPv6
 * addresses (sockaddr_in / sockaddr_in6 in sockaddr_storage; copied; their
 * port is ignored, the connect port is used), tried in order as
 * getaddrinfo's; or a negative OTLS_E_* `err` (e.g. OTLS_E_NOTFOUND,
 * Node's ENOTFOUND), which fails the socket: on_error gets exactly `err`,
 * the detail names the host. `err` = 0 with no address fails with
 * OTLS_E_NOTFOUND; an address of another family with OTLS_E_INVAL.
 * Events (on_error, on_close) may fire from inside this call.
 * Returns 0 (the answer was taken, including when it fails the socket),
 * OTLS_E_INVAL, OTLS_E_STATE (no lookup is waiting for an answer),
 * OTLS_E_CLOSED (the socket was destroyed meanwhile; the answer is
 * dropped). Never call it after the socket's on_close.
 */
OTLS_EXTERN int otls_uv_lookup_done(otls_uv_socket *s, const struct sockaddr_storage *addrs,
                                    size_t n, int err);

/*
 * otls_uv_connect_path() — connect to the unix-domain socket `path` and run
 * the client handshake (Node.js: `tls.connect({path})`). As in Node, the
 * host defaults to "localhost": the SNI name sent and the name the
 * certificate must match, unless opts->servername / opts->host say
 * otherwise. Failures (OTLS_E_FILE = ENOENT when nothing is at `path`,
 * OTLS_E_CONNREFUSED, handshake errors) go to on_error, then on_close.
 * Returns 0, or synchronously OTLS_E_INVAL (NULL/empty path, a path
 * longer than sun_path, `is_server` set), OTLS_E_NOMEM, the error of
 * otls_conn_new().
 */
OTLS_EXTERN int otls_uv_connect_path(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                                     const char *path, const otls_uv_socket_options *opts,
                                     otls_uv_secure_cb secure_cb);

/*
 * otls_uv_connect_fd() — TLS client over `fd`, a socket the application
 * has already connected (TCP or unix-domain; Node.js: `tls.connect({socket})`
 * over a net.Socket). On success the TLS socket owns `fd`: it is made
 * non-blocking and closed with the socket. The host defaults to
 * "localhost" as for otls_uv_connect_path(). The handshake starts on the
 * next loop iteration.
 * Returns 0, or synchronously — and then `fd` is still the caller's —
 * OTLS_E_INVAL (not a connected stream socket, `is_server` set),
 * OTLS_E_NOMEM, a mapped libuv error, the error of otls_conn_new().
 */
OTLS_EXTERN int otls_uv_connect_fd(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                                   int fd, const otls_uv_socket_options *opts,
                                   otls_uv_secure_cb secure_cb);

/*
 * A duplex transport provided by the application (Node.js: the `socket`
 * given to `new tls.TLSSocket(socket)`). Ciphertext flows:
 *   omnitls -> write() -> the peer;  the peer -> otls_uv_socket_feed() -> omnitls.
 */
typedef struct otls_uv_duplex {
  void *data; /* passed back to every callback */
  /*
   * Send `len` bytes (valid until the matching otls_uv_socket_write_done()).
   * Call otls_uv_socket_write_done() once per write, in order, when the data
   * was sent (it may be called from inside write()). Return 0, or a negative
   * OTLS_E_* code to fail the socket. Required.
   */
  int (*write)(otls_uv_socket *s, const uint8_t *buf, size_t len, void *data);
  /* read_start / read_stop: start / stop calling otls_uv_socket_feed()
   * (flow control). Optional. */
  void (*read_start)(otls_uv_socket *s, void *data);
  void (*read_stop)(otls_uv_socket *s, void *data);
  /* Half-close: no more writes will come (after close_notify). Optional. */
  void (*shutdown)(otls_uv_socket *s, void *data);
  /* The TLS socket is closing: stop all calls with `s` now. Optional. */
  void (*close)(otls_uv_socket *s, void *data);
} otls_uv_duplex;

/*
 * otls_uv_wrap() — TLS over the application's duplex (`duplex` is copied).
 * Client by default, server with opts->is_server. `secure_cb` as for
 * otls_uv_connect(). The handshake starts on the next loop iteration.
 * Returns 0, OTLS_E_INVAL (no write callback, NULL loop/ctx), OTLS_E_NOMEM,
 * or the error of otls_conn_new().
 */
OTLS_EXTERN int otls_uv_wrap(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                             const otls_uv_duplex *duplex, const otls_uv_socket_options *opts,
                             otls_uv_secure_cb secure_cb);

/*
 * otls_uv_socket_feed() — ciphertext received by a wrapped duplex. Always
 * takes all of it (what the connection cannot take yet is buffered and
 * read_stop is called). Returns 0, OTLS_E_STATE on a TCP socket,
 * OTLS_E_CLOSED, OTLS_E_NOMEM. Events may fire from inside this call.
 */
OTLS_EXTERN int otls_uv_socket_feed(otls_uv_socket *s, const void *data, size_t len);

/* otls_uv_socket_feed_eof() — the duplex reached its end (Node.js: 'end'
 * of the underlying stream). Returns 0, OTLS_E_STATE, OTLS_E_CLOSED. */
OTLS_EXTERN int otls_uv_socket_feed_eof(otls_uv_socket *s);

/* otls_uv_socket_write_done() — the duplex finished the oldest write
 * (status 0, or a negative OTLS_E_* code, which fails the socket). */
OTLS_EXTERN void otls_uv_socket_write_done(otls_uv_socket *s, int status);

/* ---------------------------------------------------------------------- */
/* The server (Node.js: tls.Server)                                       */
/* ---------------------------------------------------------------------- */

/* The layout version of otls_uv_server_options, set by
 * otls_uv_server_options_init(); the only one accepted. */
#define OTLS_UV_SERVER_OPTIONS_V1 1u

/*
 * Options of otls_uv_server_new() (Node.js: the options and events of
 * `tls.createServer()`). Fill with otls_uv_server_options_init() first;
 * `on_secure_connection` is required. Copied by otls_uv_server_new().
 */
typedef struct otls_uv_server_options {
  /* Set by otls_uv_server_options_init(); do not change. */
  unsigned version;
  /*
   * A handshake completed (Node.js: 'secureConnection'). Install the
   * socket's events here. Required.
   */
  void (*on_secure_connection)(otls_uv_server *srv, otls_uv_socket *s);
  /*
   * A connection failed before its handshake completed (Node.js:
   * 'tlsClientError', which passes the error and the tlsSocket):
   * OTLS_E_HANDSHAKE_TIMEOUT, OTLS_E_CONNRESET (the client went away), a
   * handshake or protocol error. `s` and `detail` (a sentence) are valid
   * during the call only: ask `s` for its addresses
   * (otls_uv_socket_remote_address()) or connection facts there; it is
   * destroyed right after (do not keep it, write to it or destroy it).
   */
  void (*on_tls_client_error)(otls_uv_server *srv, otls_uv_socket *s, int err,
                              const char *detail);
  /* Node.js: `handshakeTimeout`. Default 120000; 0 = none. */
  unsigned handshake_timeout_ms;
  /* Node.js: `server.maxConnections`. Connections beyond it are closed
   * as soon as accepted. 0 = no limit (default). */
  unsigned max_connections;
  /* listen(2) backlog; default 511 (Node's). */
  int backlog;
  /* Write high-water mark of accepted sockets; 0 = OTLS_UV_HIGH_WATER_MARK. */
  size_t high_water_mark;
  /*
   * Set SO_REUSEPORT on the TCP socket before bind(2), so that several
   * servers (threads or processes of the same user) listen on one port and
   * the kernel spreads connections over them (otls_uv_workers_start() sets
   * it). Node.js: `reusePort`. TCP only: otls_uv_server_listen_path() with
   * it is OTLS_E_INVAL.
   */
  bool reuse_port;
  /* User data, see otls_uv_server_data(). */
  void *data;

  /*
   * Connection options for every accepted socket: ALPN (`alpn_protocols`,
   * `alpn_callback`, `alpn_allow_no_overlap`), `sni_map`, ... (see
   * otls_conn_options; copied at otls_uv_server_new(); the role is set by
   * the server, and the events below take the place of the connection's
   * `sni_callback`, `on_new_session` and `on_resume_session`). NULL = none.
   */
  const otls_conn_options *conn_options;

  /*
   * Node.js `SNICallback(servername, cb)`: choose the context for a client
   * that sent a server name; answer with otls_uv_sni_done(), now or later.
   * NULL: the contexts of otls_uv_server_add_context(), else the server's.
   */
  void (*on_sni)(otls_uv_server *srv, otls_uv_socket *s, const char *servername);
  /*
   * Node.js 'newSession' (TLS <= 1.2 session IDs): store `data` under `id`,
   * then call otls_uv_new_session_done(). NULL: the context's own cache.
   */
  void (*on_new_session)(otls_uv_server *srv, otls_uv_socket *s, const uint8_t *id,
                         size_t id_len, const uint8_t *data, size_t len);
  /*
   * Node.js 'resumeSession': look `id` up and answer with
   * otls_uv_resume_session_done() (NULL data = not found).
   */
  void (*on_resume_session)(otls_uv_server *srv, otls_uv_socket *s, const uint8_t *id,
                            size_t id_len);
  /*
   * Node.js 'OCSPRequest': the client asked for a staple; `cert` / `issuer`
   * are DER. Answer with otls_uv_ocsp_done(). NULL: no stapling. Needs
   * OTLS_CAP_OCSP_STAPLE (else otls_uv_server_new() is OTLS_E_UNSUPPORTED).
   */
  void (*on_ocsp_request)(otls_uv_server *srv, otls_uv_socket *s, const uint8_t *cert,
                          size_t cert_len, const uint8_t *issuer, size_t issuer_len);
} otls_uv_server_options;

/*
 * otls_uv_server_add_context() — serve `ctx` to clients asking for a server
 * name matching `pattern` (Node.js: `server.addContext(hostname, context)`;
 * matching rules in otls_sni_map_add()). Used when `on_sni` is NULL.
 */
OTLS_EXTERN int otls_uv_server_add_context(otls_uv_server *srv, const char *pattern,
                                           otls_context *ctx);

/*
 * Answers to the server events above (Node.js: the `callback` argument of
 * SNICallback, 'newSession', 'resumeSession', 'OCSPRequest'); each
 * re-starts the paused handshake, from inside the event or later, and may
 * fire events. They return 0, OTLS_E_INVAL (NULL socket), or the error of
 * the matching otls_conn_*_done() (OTLS_E_STATE when nothing is waiting
 * for that answer).
 */
OTLS_EXTERN int otls_uv_sni_done(otls_uv_socket *s, otls_context *ctx, int err);
OTLS_EXTERN int otls_uv_new_session_done(otls_uv_socket *s);
OTLS_EXTERN int otls_uv_resume_session_done(otls_uv_socket *s, const uint8_t *data, size_t len);
OTLS_EXTERN int otls_uv_ocsp_done(otls_uv_socket *s, const uint8_t *resp, size_t len, int err);

/* Fill `opts` with the defaults: version set, handshake_timeout_ms
 * OTLS_UV_HANDSHAKE_TIMEOUT_MS, backlog 511, everything else 0 / NULL. */
OTLS_EXTERN void otls_uv_server_options_init(otls_uv_server_options *opts);

/*
 * otls_uv_server_new() — a TLS server on `loop` using `ctx` (a reference is
 * taken; it must hold a certificate). Node.js: `tls.createServer()`.
 * Returns 0, OTLS_E_INVAL (NULL argument, no on_secure_connection, a
 * context without a certificate), OTLS_E_NOMEM.
 * Once created, the server must be closed with otls_uv_server_close().
 */
OTLS_EXTERN int otls_uv_server_new(otls_uv_server **out, uv_loop_t *loop, otls_context *ctx,
                                   const otls_uv_server_options *opts);

/*
 * otls_uv_server_listen() — bind and listen on TCP `host`:`port` (an IPv4
 * or IPv6 literal; NULL = "::" dual-stack, falling back to "0.0.0.0";
 * port 0 = an ephemeral port, see otls_uv_server_address()).
 * Node.js: `server.listen(port, host)`.
 * Returns 0, OTLS_E_INVAL (not an IP literal, already listening),
 * OTLS_E_ADDRINUSE, OTLS_E_SYSCALL, OTLS_E_STATE (closing).
 */
OTLS_EXTERN int otls_uv_server_listen(otls_uv_server *srv, const char *host, unsigned port);

/*
 * otls_uv_server_listen_path() — listen on the unix-domain socket `path`
 * (Node.js: `server.listen(path)`). As in Node, a file already at `path`
 * is OTLS_E_ADDRINUSE (remove a stale one first); the file is removed when
 * the server closes. Accepted sockets work as TCP ones (their addresses
 * are AF_UNIX, see otls_uv_socket_remote_address()).
 * Returns 0, OTLS_E_INVAL (NULL/empty path, longer than sun_path, already
 * listening, `reuse_port` set), OTLS_E_ADDRINUSE, OTLS_E_FILE (ENOENT: no
 * such directory), OTLS_E_SYSCALL (e.g. permission denied), OTLS_E_STATE
 * (closing).
 */
OTLS_EXTERN int otls_uv_server_listen_path(otls_uv_server *srv, const char *path);

/*
 * The bound address (Node.js: `server.address()`): a sockaddr_in /
 * sockaddr_in6 for TCP; for a unix-domain socket a sockaddr_un with
 * ss_family AF_UNIX and sun_path = the path (Node returns the path string).
 * Returns 0, OTLS_E_STATE when not listening (or closing), OTLS_E_INVAL.
 */
OTLS_EXTERN int otls_uv_server_address(const otls_uv_server *srv, struct sockaddr_storage *out);

/* The bound TCP port, or 0 when not listening or listening on a path. */
OTLS_EXTERN unsigned otls_uv_server_port(const otls_uv_server *srv);

/* Open connections, including those still in their handshake
 * (Node.js: `server.getConnections()`). */
OTLS_EXTERN unsigned otls_uv_server_connections(const otls_uv_server *srv);

/* The server has closed (Node.js: 'close'); its memory is released when
 * this returns. */
typedef void (*otls_uv_server_close_cb)(otls_uv_server *srv);

/*
 * otls_uv_server_close() — stop accepting; existing connections go on.
 * `cb` (may be NULL) fires once the last connection has closed; the
 * server's memory is released when it returns (Node.js: `server.close(cb)`,
 * the 'close' event). Calling it again is harmless (the first cb stays).
 */
OTLS_EXTERN void otls_uv_server_close(otls_uv_server *srv, otls_uv_server_close_cb cb);

/* The options' `data` pointer (NULL for NULL). */
OTLS_EXTERN void *otls_uv_server_data(const otls_uv_server *srv);
/* The loop the server runs on (NULL for NULL). */
OTLS_EXTERN uv_loop_t *otls_uv_server_loop(const otls_uv_server *srv);

/*
 * otls_uv_server_get_ticket_keys() / _set_ticket_keys() — the session
 * ticket key, OTLS_TICKET_KEYS_LEN (48) bytes (Node.js:
 * `server.getTicketKeys()` / `server.setTicketKeys(keys)`). They are the
 * server's context's (otls_context_get_ticket_keys() /
 * otls_context_set_ticket_keys(), whose rules apply: thread-safe, the
 * previous key still decrypts after a set), so they act on every server
 * and worker sharing that context. Servers (contexts) given the same key
 * resume each other's tickets (same backend).
 * Returns 0, OTLS_E_INVAL (NULL argument, `len` not 48).
 */
OTLS_EXTERN int otls_uv_server_get_ticket_keys(const otls_uv_server *srv, uint8_t *keys,
                                               size_t len);
OTLS_EXTERN int otls_uv_server_set_ticket_keys(otls_uv_server *srv, const uint8_t *keys,
                                               size_t len);

/* ---------------------------------------------------------------------- */
/* Several cores: N threads, one loop and one server each (Node: cluster)  */
/* ---------------------------------------------------------------------- */

/*
 * A set of worker threads, each with its own uv loop and otls_uv_server
 * listening on the same port with SO_REUSEPORT (the kernel spreads the
 * connections), all sharing one context — so one session cache and one
 * ticket key: a session made on one worker resumes on another.
 *
 * Thread rules: each worker's server and its sockets belong to that
 * worker's thread (the server callbacks run there, and every otls_uv_*
 * call on them must be made there). otls_uv_workers_close() may be called
 * from any thread; _port/_count/_data from any thread while `w` lives;
 * otls_uv_workers_join() from a thread that is not a worker.
 * Do not close a worker's server yourself: use otls_uv_workers_close().
 * Handles the application creates on a worker's loop should be closed by
 * the time the server has closed; any left are closed by _join().
 */
typedef struct otls_uv_workers otls_uv_workers;

/* The layout version of otls_uv_workers_options, set by
 * otls_uv_workers_options_init(); the only one accepted. */
#define OTLS_UV_WORKERS_OPTIONS_V1 1u
/* Upper bound of `workers` (more is OTLS_E_INVAL). */
#define OTLS_UV_WORKERS_MAX 1024u

/* Options of otls_uv_workers_start(). Fill with
 * otls_uv_workers_options_init() first. */
typedef struct otls_uv_workers_options {
  unsigned version;                 /* set by _init */
  unsigned workers;                 /* threads; 0 = number of CPUs (uv_available_parallelism) */
  const char *host;                 /* as otls_uv_server_listen; NULL = "::" */
  unsigned port;                    /* 0 = one ephemeral port shared by all workers */
  const otls_uv_server_options *server_options; /* copied; its callbacks run on the worker threads */
  /* On each worker thread, after its server is listening and before the loop runs (may be NULL). */
  void (*on_worker_start)(otls_uv_workers *w, unsigned index, otls_uv_server *srv);
  /* The application's pointer, returned by otls_uv_workers_data(). */
  void *data;
} otls_uv_workers_options;

/* Fill `o` with the defaults (all zero, version set). Accepts NULL. */
OTLS_EXTERN void otls_uv_workers_options_init(otls_uv_workers_options *o);

/*
 * Starts N threads, each with its own uv loop and otls_uv_server on the same
 * port (SO_REUSEPORT), all sharing ctx (its session cache and ticket keys
 * are thread-safe). Returns once every worker listens, or an error (then
 * nothing is left running).
 *
 * Details: `server_options` is copied with `reuse_port` forced on; its
 * `data` is every worker's otls_uv_server_data(); its `conn_options` is
 * read during this call only. Every worker's `on_worker_start` has returned
 * when this returns 0. A reference to `ctx` is held until _join().
 * Returns 0, OTLS_E_INVAL (NULL argument, wrong version, no
 * on_secure_connection, port > 65535, more than OTLS_UV_WORKERS_MAX
 * workers, a context without a certificate, a host that is not an IP
 * literal), OTLS_E_ADDRINUSE (the port is taken by a socket without
 * SO_REUSEPORT), OTLS_E_SYSCALL, OTLS_E_NOMEM, an error of
 * otls_uv_server_new().
 */
OTLS_EXTERN int otls_uv_workers_start(otls_uv_workers **out, otls_context *ctx,
                                      const otls_uv_workers_options *o);
/* The port every worker listens on (the ephemeral one when 0 was asked). */
OTLS_EXTERN unsigned otls_uv_workers_port(const otls_uv_workers *w);
/* How many workers run. */
OTLS_EXTERN unsigned otls_uv_workers_count(const otls_uv_workers *w);
/* The options' `data`. */
OTLS_EXTERN void *otls_uv_workers_data(const otls_uv_workers *w);
/* Thread-safe, callable from any thread including a worker's callbacks: each worker closes its server gracefully (otls_uv_server_close semantics) and its loop ends. */
OTLS_EXTERN void otls_uv_workers_close(otls_uv_workers *w);
/* From a non-worker thread: waits until every worker's loop has ended, joins the threads, frees w. Returns 0.
 * (OTLS_E_INVAL for NULL.) Call otls_uv_workers_close() first, or from a
 * worker, else this waits for ever. */
OTLS_EXTERN int otls_uv_workers_join(otls_uv_workers *w);

OTLS_END_DECLS

#endif /* OMNITLS_UV_H */
