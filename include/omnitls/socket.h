/*
 * omnitls — a TLS connection bound to a file descriptor.
 *
 * For programs with their own loop (or none). Blocking by default; in
 * non-blocking mode every call may return OTLS_E_WANT_READ or
 * OTLS_E_WANT_WRITE, meaning "wait until the fd is readable / writable
 * (poll), then call the same function again" — the libtls model.
 *
 * otls_socket_write() in non-blocking mode: when it returns a count, that
 * many bytes were accepted (encrypted and queued) — some may still be queued
 * in the socket; later calls, and otls_socket_flush(), send them first.
 * When it returns OTLS_E_WANT_WRITE nothing of this call was accepted.
 */
#ifndef OMNITLS_SOCKET_H
#define OMNITLS_SOCKET_H

#include "common.h"
#include "conn.h"
#include "context.h"

OTLS_BEGIN_DECLS

/*
 * A TLS connection on a file descriptor (opaque; Node.js: a `tls.TLSSocket`
 * on a net.Socket, without the event loop). Made by otls_socket_connect(),
 * otls_socket_connect_unix(), otls_socket_accept() or otls_socket_wrap_fd();
 * released with otls_socket_free(). Belongs to one thread at a time.
 */
typedef struct otls_socket otls_socket;

/*
 * OTLS_SOCKET_OPTIONS_V1 — the first layout of otls_socket_options;
 * OTLS_SOCKET_OPTIONS_VERSION — the layout of this header, which
 * otls_socket_options_init() stores in `version`. Versions 0 and above
 * OTLS_SOCKET_OPTIONS_VERSION are OTLS_E_INVAL.
 */
#define OTLS_SOCKET_OPTIONS_V1 1u
#define OTLS_SOCKET_OPTIONS_VERSION OTLS_SOCKET_OPTIONS_V1

/*
 * Options of otls_socket_connect(), otls_socket_connect_unix(),
 * otls_socket_accept() and otls_socket_wrap_fd(); NULL there means the
 * defaults of otls_socket_options_init().
 */
typedef struct otls_socket_options {
  /* Set by otls_socket_options_init(); do not change. */
  unsigned version;

  /* Non-blocking mode (the fd is switched to O_NONBLOCK). Default false. */
  bool nonblocking;

  /*
   * Client: SNI name. NULL = the host given to otls_socket_connect() unless
   * it is an IP address. "" = send no SNI. Node.js: `servername`.
   */
  const char *servername;

  /* -1 inherit from the context (default), 0/1 override. */
  int reject_unauthorized;

  /*
   * Blocking mode only: give up on connect and handshake after this many
   * milliseconds with OTLS_E_TIMEDOUT / OTLS_E_HANDSHAKE_TIMEOUT.
   * 0 = no limit (default).
   */
  int timeout_ms;

  /* otls_socket_wrap_fd(): close the fd in otls_socket_free(). Default true. */
  bool own_fd;

  /*
   * Further connection options (ALPN, SNI map or callback, session, events:
   * see otls_conn_options), or NULL. The socket sets the role, `servername`,
   * `host` and `reject_unauthorized` itself from the fields above.
   */
  const otls_conn_options *conn_options;
} otls_socket_options;

/* otls_socket_options_init() — fill in the defaults listed above. */
OTLS_EXTERN void otls_socket_options_init(otls_socket_options *opts);

/*
 * otls_socket_connect() — resolve `host` (getaddrinfo; IPv4 and IPv6, tried
 * in order) and connect to `port` (number or service name), then create a
 * client connection. In blocking mode the handshake is run before returning;
 * in non-blocking mode call otls_socket_handshake() until it returns 0.
 * Errors: OTLS_E_INVAL, OTLS_E_NOMEM, OTLS_E_NOTFOUND, OTLS_E_CONNREFUSED,
 * OTLS_E_TIMEDOUT, OTLS_E_SYSCALL, and every error of otls_conn_handshake().
 * Node.js: `tls.connect(port, host)`.
 */
OTLS_EXTERN int otls_socket_connect(otls_socket **out, otls_context *ctx, const char *host,
                                    const char *port, const otls_socket_options *opts);

/* otls_socket_connect_unix() — the same over a unix-domain socket `path`. */
OTLS_EXTERN int otls_socket_connect_unix(otls_socket **out, otls_context *ctx,
                                         const char *path, const otls_socket_options *opts);

/*
 * otls_socket_wrap_fd() — a TLS connection over an already connected fd
 * (`is_server` picks the role). No I/O happens here; the handshake runs on
 * the first call that needs it or on otls_socket_handshake().
 * Node.js: `new tls.TLSSocket(socket)`.
 */
OTLS_EXTERN int otls_socket_wrap_fd(otls_socket **out, otls_context *ctx, int fd,
                                    bool is_server, const otls_socket_options *opts);

/*
 * otls_socket_listen() — create a listening TCP socket on `host` (NULL =
 * all addresses, IPv6 with IPv4-mapped when available) and `port` ("0" =
 * ephemeral). Sets SO_REUSEADDR. Returns the fd (>= 0) or OTLS_E_ADDRINUSE,
 * OTLS_E_NOTFOUND, OTLS_E_SYSCALL.
 */
OTLS_EXTERN int otls_socket_listen(const char *host, const char *port, int backlog);

/*
 * otls_socket_accept() — accept one TCP connection on `listen_fd` and create
 * a server connection for it. In blocking mode the handshake runs before
 * returning (a failed handshake returns its error and closes the fd).
 * Non-blocking listen fds give OTLS_E_WANT_READ when nothing is pending.
 */
OTLS_EXTERN int otls_socket_accept(otls_socket **out, otls_context *ctx, int listen_fd,
                                   const otls_socket_options *opts);

/* otls_socket_handshake() — run the handshake; 0 when done. */
OTLS_EXTERN int otls_socket_handshake(otls_socket *s);

/*
 * otls_socket_read() — bytes read (> 0), 0 at a clean close_notify end,
 * OTLS_E_WANT_READ/WANT_WRITE (non-blocking), or a fatal error
 * (OTLS_E_TRUNCATED: the peer closed TCP without close_notify).
 */
OTLS_EXTERN int otls_socket_read(otls_socket *s, void *buf, size_t len);

/* otls_socket_write() — see the file comment; blocking mode writes all. */
OTLS_EXTERN int otls_socket_write(otls_socket *s, const void *buf, size_t len);

/* otls_socket_flush() — send queued ciphertext; 0 when nothing is left. */
OTLS_EXTERN int otls_socket_flush(otls_socket *s);

/*
 * otls_socket_close() — send close_notify and flush it (Node.js: `end()`),
 * then shut down the write side of the fd. The fd stays open for reading
 * the peer's close_notify until otls_socket_free().
 */
OTLS_EXTERN int otls_socket_close(otls_socket *s);

/* otls_socket_free() — release the socket (closing the fd if owned). NULL ok. */
OTLS_EXTERN void otls_socket_free(otls_socket *s);

/* otls_socket_fd() — the file descriptor. */
OTLS_EXTERN int otls_socket_fd(const otls_socket *s);

/*
 * otls_socket_conn() — the underlying sans-IO connection, for every query of
 * conn.h (protocol, cipher, authorized, peer certificate, ...). Owned by the
 * socket.
 */
OTLS_EXTERN otls_conn *otls_socket_conn(otls_socket *s);

/* otls_socket_error() — a sentence about the last failure, or "". */
OTLS_EXTERN const char *otls_socket_error(const otls_socket *s);

OTLS_END_DECLS

#endif /* OMNITLS_SOCKET_H */
