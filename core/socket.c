/*
 * omnitls — a TLS connection bound to a file descriptor (socket.h).
 *
 * A thin driver around the sans-IO otls_conn: ciphertext the connection
 * produces goes out with send(2) straight from the connection's output
 * buffer (no copy), and ciphertext is received straight into the
 * connection's input buffer (otls_conn_input_space(): no copy either).
 *
 * Blocking mode waits in poll(2) (so a timeout can apply and an fd that
 * happens to be O_NONBLOCK still behaves); non-blocking mode returns
 * OTLS_E_WANT_READ / OTLS_E_WANT_WRITE, as libtls does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* One TLS record (16 KiB of plaintext) plus its worst-case overhead. */
/* Blocking writes are encrypted and sent in slices of this size, so the
 * connection's output buffer stays around one record whatever `len` is. */
#define WRITE_SLICE 16384u

struct otls_socket {
  otls_conn *conn;
  int fd;
  bool own_fd;
  bool nonblocking;
  bool is_sock;     /* fd is a socket: send/recv with MSG_NOSIGNAL, shutdown */
  bool connecting;  /* non-blocking connect in progress */
  bool eof;         /* end of stream seen and fed to the connection */
  bool wr_shut;     /* shutdown(SHUT_WR) done */
  int timeout_ms;
  /* Non-blocking connect: the addresses not tried yet (freed once connected). */
  struct addrinfo *ai_list;
  struct addrinfo *ai_next;
  /* The connect failure reported when every address failed: the most
   * specific one seen (a refusal beats "address family not supported"). */
  int connect_rv;
  char connect_err[OTLS__ERRBUF];
  /* Received ciphertext not yet accepted by the connection. */
  char err[OTLS__ERRBUF];
};

__attribute__((format(printf, 2, 3))) static void set_error(struct otls_socket *s,
                                                            const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof(s->err), fmt, ap);
  va_end(ap);
}

/* --- time ------------------------------------------------------------------ */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 = no deadline. */
static int64_t deadline_after(int timeout_ms) {
  return timeout_ms > 0 ? now_ms() + timeout_ms : 0;
}

/* --- errno mapping: the only place that translates errno ------------------- */

static int map_errno(int e) {
  switch (e) {
  case ENOMEM:
  case ENOBUFS:
    return OTLS_E_NOMEM;
  case ECONNREFUSED:
    return OTLS_E_CONNREFUSED;
  case ETIMEDOUT:
    return OTLS_E_TIMEDOUT;
  case EPIPE:
    return OTLS_E_PIPE;
  case ECONNRESET:
    return OTLS_E_CONNRESET;
  case EADDRINUSE:
    return OTLS_E_ADDRINUSE;
  default:
    return OTLS_E_SYSCALL;
  }
}

/* Record errno `e` from syscall `what` in the detail text; return its code. */
OTLS_MUST_CHECK static int sys_fail(struct otls_socket *s, const char *what, int e) {
  if (s)
    set_error(s, "%s: %s", what, strerror(e));
  return map_errno(e);
}

/* A fatal error from the connection: keep its detail text on the socket. */
OTLS_MUST_CHECK static int conn_fail(struct otls_socket *s, int rv) {
  const char *d = otls_conn_error(s->conn);
  set_error(s, "%s", d && *d ? d : otls_strerror(rv));
  return rv;
}

OTLS_MUST_CHECK static int set_nonblock(int fd, bool on) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0)
    return -1;
  int nfl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  return nfl == fl ? 0 : fcntl(fd, F_SETFL, nfl);
}

/*
 * Wait until the fd is ready for `events`. Non-blocking mode: report what is
 * needed instead. Blocking mode: poll until ready or `deadline` (0 = none),
 * then `timeout_err`.
 */
OTLS_MUST_CHECK static int wait_fd(struct otls_socket *s, short events, int64_t deadline, int timeout_err) {
  if (s->nonblocking)
    return (events & POLLIN) ? OTLS_E_WANT_READ : OTLS_E_WANT_WRITE;
  for (;;) {
    int ms = -1;
    if (deadline) {
      int64_t left = deadline - now_ms();
      if (left <= 0)
        goto timed_out;
      ms = left > INT_MAX ? INT_MAX : (int)left;
    }
    struct pollfd p = {.fd = s->fd, .events = events};
    int n = poll(&p, 1, ms);
    if (n > 0)
      return 0; /* ready, or an error the next syscall will report */
    if (n == 0)
      goto timed_out;
    if (errno != EINTR)
      return sys_fail(s, "poll", errno);
  }
timed_out:
  set_error(s, "%s", otls_strerror(timeout_err));
  return timeout_err;
}

/* --- moving ciphertext --------------------------------------------------- */

/*
 * Send pending output. Returns 0 when all is sent, OTLS_E_WANT_WRITE
 * (non-blocking) or an error.
 */
OTLS_MUST_CHECK static int flush_out(struct otls_socket *s, int64_t deadline, int timeout_err) {
  for (;;) {
    size_t len;
    const uint8_t *p = otls_conn_output(s->conn, &len);
    if (len == 0)
      return 0;
    if (deadline) {
      int rv = wait_fd(s, POLLOUT, deadline, timeout_err);
      if (rv < 0)
        return rv;
    }
    ssize_t n = s->is_sock ? send(s->fd, p, len, MSG_NOSIGNAL) : write(s->fd, p, len);
    if (n > 0) {
      otls_conn_consume(s->conn, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int rv = wait_fd(s, POLLOUT, deadline, timeout_err);
      if (rv < 0)
        return rv;
      continue;
    }
    return sys_fail(s, s->is_sock ? "send" : "write", n < 0 ? errno : EPIPE);
  }
}

/* Best effort: send what is pending (an alert) without waiting for long. */
static void flush_quietly(struct otls_socket *s) {
  char keep[OTLS__ERRBUF];
  memcpy(keep, s->err, sizeof(keep));
  if (flush_out(s, s->nonblocking ? 0 : deadline_after(1000), OTLS_E_TIMEDOUT) < 0) {
    /* best effort: the error that matters is the one being reported */
  }
  memcpy(s->err, keep, sizeof(keep));
}

/*
 * Give the connection more ciphertext: what is still buffered, else one
 * recv(). Returns 1 when something (data or end of stream) was fed,
 * OTLS_E_WANT_READ (non-blocking) or an error.
 */
OTLS_MUST_CHECK static int fill_in(struct otls_socket *s, int64_t deadline, int timeout_err) {
  if (s->eof) {
    /* The connection was told; it must not ask again. */
    set_error(s, "read past the end of stream");
    return otls_conn_is_handshake_done(s->conn) ? OTLS_E_TRUNCATED : OTLS_E_CONNRESET;
  }
  int rv;
  for (;;) {
    if (deadline) {
      /* About to wait for the peer: an idle connection holds no buffers. */
      otls_conn_release_buffers(s->conn);
      rv = wait_fd(s, POLLIN, deadline, timeout_err);
      if (rv < 0)
        return rv;
    }
    /* Straight into the connection's input: no copy of our own. */
    uint8_t *space = NULL;
    size_t room = 0;
    rv = otls_conn_input_space(s->conn, &space, &room);
    if (rv == OTLS_E_BUFFER_FULL) {
      /* The connection's input is full yet it asks for more: cannot happen
       * with records of legal size. Fail instead of spinning. */
      set_error(s, "the connection's input buffer is full");
      return OTLS_E_PROTOCOL;
    }
    if (rv < 0)
      return conn_fail(s, rv);
    ssize_t n = s->is_sock ? recv(s->fd, space, room, 0) : read(s->fd, space, room);
    if (otls_conn_input_commit(s->conn, n > 0 ? (size_t)n : 0) < 0)
      return conn_fail(s, OTLS_E_INTERNAL);
    if (n > 0)
      return 1;
    if (n == 0) {
      s->eof = true;
      rv = otls_conn_feed_eof(s->conn);
      return rv < 0 ? conn_fail(s, rv) : 1;
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      otls_conn_release_buffers(s->conn);
      rv = wait_fd(s, POLLIN, deadline, timeout_err);
      if (rv < 0)
        return rv;
      continue;
    }
    if (errno == ECONNRESET && otls_conn_is_handshake_done(s->conn)) {
      /* A reset after the handshake is an end of stream without close_notify;
       * let the connection say whether the data ended cleanly. */
      s->eof = true;
      rv = otls_conn_feed_eof(s->conn);
      return rv < 0 ? conn_fail(s, rv) : 1;
    }
    return sys_fail(s, s->is_sock ? "recv" : "read", errno);
  }
}

/* --- connecting --------------------------------------------------------- */

/*
 * Start connecting the socket to `ai` (creating it, or replacing the fd
 * under the same number so a caller polling it keeps the right one).
 * Returns 0 connected, 1 in progress, or a negative code.
 */
OTLS_MUST_CHECK static int start_connect(struct otls_socket *s, const struct addrinfo *ai, bool nb) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | (nb ? SOCK_NONBLOCK : 0),
                  ai->ai_protocol);
  if (fd < 0)
    return sys_fail(s, "socket", errno);
  if (s->fd < 0) {
    s->fd = fd;
  } else {
    if (dup3(fd, s->fd, O_CLOEXEC) < 0) {
      int e = errno;
      close(fd);
      return sys_fail(s, "dup3", e);
    }
    close(fd);
  }
  if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
    int one = 1;
    (void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  int rv;
  do
    rv = connect(s->fd, ai->ai_addr, ai->ai_addrlen);
  while (rv < 0 && errno == EINTR && !nb);
  if (rv == 0)
    return 0;
  if (errno == EINPROGRESS || errno == EINTR)
    return 1;
  return sys_fail(s, "connect", errno);
}

/* Remember a failed address's error if it says more than what we have. */
static void note_connect_error(struct otls_socket *s, int rv) {
  if (s->connect_rv == 0 || s->connect_rv == OTLS_E_SYSCALL || rv != OTLS_E_SYSCALL) {
    s->connect_rv = rv;
    memcpy(s->connect_err, s->err, sizeof(s->err));
  }
}

/* Every address failed: report the error kept by note_connect_error(). */
OTLS_MUST_CHECK static int connect_failed(struct otls_socket *s) {
  if (s->connect_rv == 0) {
    set_error(s, "no address to connect to");
    return OTLS_E_NOTFOUND;
  }
  memcpy(s->err, s->connect_err, sizeof(s->err));
  return s->connect_rv;
}

/* SO_ERROR of a finished non-blocking connect: 0 or the errno. */
static int connect_result(int fd) {
  int e = 0;
  socklen_t l = sizeof(e);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
    return errno;
  return e;
}

/* Blocking connect to the addresses in order, within `timeout_ms`. */
OTLS_MUST_CHECK static int connect_blocking(struct otls_socket *s, const struct addrinfo *list) {
  int64_t deadline = deadline_after(s->timeout_ms);
  bool timed = deadline != 0;
  for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    int rv = start_connect(s, ai, timed);
    if (rv == 1) {
      rv = wait_fd(s, POLLOUT, deadline, OTLS_E_TIMEDOUT);
      if (rv == OTLS_E_TIMEDOUT)
        return rv;
      if (rv == 0) {
        int e = connect_result(s->fd);
        rv = e ? sys_fail(s, "connect", e) : 0;
      }
    }
    if (rv == 0)
      return timed && set_nonblock(s->fd, false) < 0 ? sys_fail(s, "fcntl", errno) : 0;
    note_connect_error(s, rv);
  }
  return connect_failed(s);
}

/*
 * Non-blocking connect: advance it. Returns 0 when connected,
 * OTLS_E_WANT_WRITE while in progress, or (every address failed) the most
 * specific error seen.
 */
OTLS_MUST_CHECK static int connect_step(struct otls_socket *s) {
  while (s->connecting) {
    struct pollfd p = {.fd = s->fd, .events = POLLOUT};
    int n = poll(&p, 1, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return sys_fail(s, "poll", errno);
    if (n == 0)
      return OTLS_E_WANT_WRITE;
    int e = connect_result(s->fd);
    if (e == 0) {
      s->connecting = false;
      break;
    }
    note_connect_error(s, sys_fail(s, "connect", e));
    /* Next address, if any. */
    for (;;) {
      const struct addrinfo *ai = s->ai_next;
      if (ai == NULL) {
        s->connecting = false;
        freeaddrinfo(s->ai_list);
        s->ai_list = s->ai_next = NULL;
        return connect_failed(s);
      }
      s->ai_next = ai->ai_next;
      int rv = start_connect(s, ai, true);
      if (rv == 1)
        break;
      if (rv == 0) {
        s->connecting = false;
        break;
      }
      note_connect_error(s, rv);
    }
  }
  if (s->ai_list) {
    freeaddrinfo(s->ai_list);
    s->ai_list = s->ai_next = NULL;
  }
  return 0;
}

/* --- creating sockets ------------------------------------------------------ */

void otls_socket_options_init(otls_socket_options *opts) {
  if (opts == NULL)
    return;
  memset(opts, 0, sizeof(*opts));
  opts->version = OTLS_SOCKET_OPTIONS_VERSION;
  opts->reject_unauthorized = -1;
  opts->own_fd = true;
}

static bool options_ok(const otls_socket_options *o) {
  return o->version != 0 && o->version <= OTLS_SOCKET_OPTIONS_VERSION &&
         o->reject_unauthorized >= -1 && o->reject_unauthorized <= 1 && o->timeout_ms >= 0;
}

static bool is_ip_literal(const char *h) {
  struct in6_addr a;
  return inet_pton(AF_INET, h, &a) == 1 || inet_pton(AF_INET6, h, &a) == 1;
}

/*
 * Allocate the socket object and its connection (no fd yet when fd < 0).
 * `host` is the client's destination host name (NULL when unknown).
 */
OTLS_MUST_CHECK static int socket_new(struct otls_socket **out, otls_context *ctx, int fd, bool is_server,
                      const char *host, const otls_socket_options *opts) {
  *out = NULL;
  struct otls_socket *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return OTLS_E_NOMEM;
  s->fd = fd;
  s->own_fd = opts->own_fd;
  s->nonblocking = opts->nonblocking;
  s->timeout_ms = opts->timeout_ms;
  s->is_sock = true;

  otls_conn_options co;
  if (opts->conn_options)
    co = *opts->conn_options;
  else
    otls_conn_options_init(&co);
  co.is_server = is_server;
  co.reject_unauthorized = opts->reject_unauthorized;
  if (!is_server) {
    /* Node.js: SNI defaults to the host unless it is an IP address (RFC 6066
     * §3); "" sends none. The identity is checked against `servername ||
     * host`, as Node's checkServerIdentity(options.servername || host). */
    const char *sni = opts->servername;
    if (sni == NULL && host && !is_ip_literal(host))
      sni = host;
    co.servername = sni && *sni ? sni : NULL;
    co.host = opts->servername && *opts->servername ? opts->servername : host;
  }
  int rv = otls_conn_new(&s->conn, ctx, &co);
  if (rv < 0) {
    free(s);
    return rv;
  }
  *out = s;
  return 0;
}

/* Set up an fd we were given or accepted: kind and blocking mode. */
OTLS_MUST_CHECK static int adopt_fd(struct otls_socket *s) {
  struct stat st;
  if (fstat(s->fd, &st) < 0)
    return sys_fail(s, "fstat", errno);
  s->is_sock = S_ISSOCK(st.st_mode);
  if (s->nonblocking && set_nonblock(s->fd, true) < 0)
    return sys_fail(s, "fcntl", errno);
  return 0;
}

static int gai_to_err(int g) {
  switch (g) {
  case EAI_MEMORY:
    return OTLS_E_NOMEM;
  case EAI_SYSTEM:
    return map_errno(errno);
  case EAI_SERVICE:
  case EAI_BADFLAGS:
  case EAI_SOCKTYPE:
    return OTLS_E_INVAL;
  default:
    return OTLS_E_NOTFOUND;
  }
}

/* Run the handshake (blocking mode) right after a socket was created;
 * on failure free it and return the error. */
OTLS_MUST_CHECK static int finish_blocking(struct otls_socket **out, struct otls_socket *s) {
  if (!s->nonblocking) {
    int rv = otls_socket_handshake(s);
    if (rv < 0) {
      otls_socket_free(s);
      return rv;
    }
  }
  *out = s;
  return 0;
}

int otls_socket_connect(otls_socket **out, otls_context *ctx, const char *host,
                        const char *port, const otls_socket_options *opts) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  otls_socket_options defaults;
  if (opts == NULL) {
    otls_socket_options_init(&defaults);
    opts = &defaults;
  }
  if (ctx == NULL || host == NULL || *host == 0 || port == NULL || *port == 0 ||
      !options_ok(opts))
    return OTLS_E_INVAL;

  /* No AI_ADDRCONFIG: it would hide ::1 on hosts with only loopback IPv6. */
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  struct addrinfo *list = NULL;
  int g = getaddrinfo(host, port, &hints, &list);
  if (g != 0)
    return gai_to_err(g);

  struct otls_socket *s;
  int rv = socket_new(&s, ctx, -1, false, host, opts);
  if (rv < 0) {
    freeaddrinfo(list);
    return rv;
  }
  s->own_fd = true;
  if (!s->nonblocking) {
    rv = connect_blocking(s, list);
    freeaddrinfo(list);
    if (rv < 0) {
      otls_socket_free(s);
      return rv;
    }
    return finish_blocking(out, s);
  }

  /* Non-blocking: start on the first address that does not fail at once;
   * otls_socket_handshake() finishes the connect (and tries the rest). */
  s->ai_list = list;
  for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    s->ai_next = ai->ai_next;
    rv = start_connect(s, ai, true);
    if (rv >= 0) {
      s->connecting = rv == 1;
      if (!s->connecting) {
        freeaddrinfo(s->ai_list);
        s->ai_list = s->ai_next = NULL;
      }
      *out = s;
      return 0;
    }
    note_connect_error(s, rv);
  }
  rv = connect_failed(s);
  otls_socket_free(s);
  return rv;
}

int otls_socket_connect_unix(otls_socket **out, otls_context *ctx, const char *path,
                             const otls_socket_options *opts) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  otls_socket_options defaults;
  if (opts == NULL) {
    otls_socket_options_init(&defaults);
    opts = &defaults;
  }
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  if (ctx == NULL || path == NULL || *path == 0 || strlen(path) >= sizeof(sun.sun_path) ||
      !options_ok(opts))
    return OTLS_E_INVAL;
  memcpy(sun.sun_path, path, strlen(path) + 1);
  struct addrinfo ai = {.ai_family = AF_UNIX, .ai_socktype = SOCK_STREAM,
                        .ai_addr = (struct sockaddr *)&sun, .ai_addrlen = sizeof(sun)};

  struct otls_socket *s;
  int rv = socket_new(&s, ctx, -1, false, NULL, opts);
  if (rv < 0)
    return rv;
  s->own_fd = true;
  if (!s->nonblocking) {
    rv = connect_blocking(s, &ai);
    if (rv < 0) {
      otls_socket_free(s);
      return rv;
    }
    return finish_blocking(out, s);
  }
  rv = start_connect(s, &ai, true);
  if (rv < 0) {
    otls_socket_free(s);
    return rv;
  }
  s->connecting = rv == 1;
  *out = s;
  return 0;
}

int otls_socket_wrap_fd(otls_socket **out, otls_context *ctx, int fd, bool is_server,
                        const otls_socket_options *opts) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  otls_socket_options defaults;
  if (opts == NULL) {
    otls_socket_options_init(&defaults);
    opts = &defaults;
  }
  if (ctx == NULL || fd < 0 || !options_ok(opts))
    return OTLS_E_INVAL;
  struct otls_socket *s;
  int rv = socket_new(&s, ctx, fd, is_server, NULL, opts);
  if (rv < 0)
    return rv;
  if ((rv = adopt_fd(s)) < 0) {
    s->own_fd = false; /* on failure the caller keeps its fd */
    otls_socket_free(s);
    return rv;
  }
  *out = s;
  return 0;
}

/* Try one address for listen(); returns the fd or a negative code. */
static int listen_on(const struct addrinfo *ai, bool dual_stack, int backlog) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0)
    return map_errno(errno);
  int one = 1, zero = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
    goto fail;
  if (ai->ai_family == AF_INET6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof(int)) < 0)
    goto fail;
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0)
    goto fail;
  return fd;
fail:;
  int e = errno;
  close(fd);
  return map_errno(e);
}

int otls_socket_listen(const char *host, const char *port, int backlog) {
  if (port == NULL || *port == 0)
    return OTLS_E_INVAL;
  if (backlog <= 0)
    backlog = SOMAXCONN;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE};
  if (host && *host == 0)
    host = NULL;
  struct addrinfo *list = NULL;
  int g = getaddrinfo(host, port, &hints, &list);
  if (g != 0)
    return gai_to_err(g);
  int rv = OTLS_E_NOTFOUND;
  /* No host: prefer one IPv6 socket that also takes IPv4 (mapped addresses);
   * fall back to the IPv4 wildcard where IPv6 is unavailable. */
  for (int pass = host ? 1 : 0; pass < 2; pass++) {
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
      if (pass == 0 && ai->ai_family != AF_INET6)
        continue;
      rv = listen_on(ai, host == NULL, backlog);
      if (rv >= 0 || rv == OTLS_E_ADDRINUSE)
        goto out;
    }
  }
out:
  freeaddrinfo(list);
  return rv;
}

int otls_socket_accept(otls_socket **out, otls_context *ctx, int listen_fd,
                       const otls_socket_options *opts) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  otls_socket_options defaults;
  if (opts == NULL) {
    otls_socket_options_init(&defaults);
    opts = &defaults;
  }
  if (ctx == NULL || listen_fd < 0 || !options_ok(opts))
    return OTLS_E_INVAL;
  int fd;
  do
    fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
  if (fd < 0)
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? OTLS_E_WANT_READ : map_errno(errno);
  struct otls_socket *s;
  int rv = socket_new(&s, ctx, fd, true, NULL, opts);
  if (rv < 0) {
    close(fd);
    return rv;
  }
  s->own_fd = true; /* we accepted it: it is ours whatever own_fd says */
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if ((rv = adopt_fd(s)) < 0) {
    otls_socket_free(s);
    return rv;
  }
  return finish_blocking(out, s);
}

/* --- the protocol ------------------------------------------------------- */

/* Handshake driver; `deadline` is 0 or the moment to give up (blocking). */
OTLS_MUST_CHECK static int handshake(struct otls_socket *s, int64_t deadline) {
  if (s->connecting) {
    int rv = connect_step(s);
    if (rv < 0)
      return rv;
  }
  for (;;) {
    int hs = otls_conn_handshake(s->conn);
    if (hs < 0 && hs != OTLS_E_WANT_READ) {
      flush_quietly(s); /* the alert telling the peer why */
      return conn_fail(s, hs);
    }
    /* Send our flight before waiting for the peer's — and, once done, the
     * last one (client Finished) before reporting success. */
    int rv = flush_out(s, deadline, OTLS_E_HANDSHAKE_TIMEOUT);
    if (rv < 0)
      return rv;
    if (hs == 0)
      return 0;
    rv = fill_in(s, deadline, OTLS_E_HANDSHAKE_TIMEOUT);
    if (rv < 0)
      return rv;
  }
}

/* Run the handshake if it is not complete (the start of read/write). */
OTLS_MUST_CHECK static int ensure_handshake(struct otls_socket *s) {
  if (!s->connecting && otls_conn_is_handshake_done(s->conn))
    return 0;
  return handshake(s, s->nonblocking ? 0 : deadline_after(s->timeout_ms));
}

int otls_socket_handshake(otls_socket *s) {
  if (s == NULL)
    return OTLS_E_INVAL;
  s->err[0] = 0;
  if (otls_conn_is_handshake_done(s->conn) && !s->connecting) {
    /* Done; make sure our last flight actually left. */
    return flush_out(s, 0, OTLS_E_TIMEDOUT);
  }
  return ensure_handshake(s);
}

int otls_socket_read(otls_socket *s, void *buf, size_t len) {
  if (s == NULL || (buf == NULL && len > 0))
    return OTLS_E_INVAL;
  s->err[0] = 0;
  int rv = ensure_handshake(s);
  if (rv < 0)
    return rv;
  if (len > INT_MAX)
    len = INT_MAX;
  for (;;) {
    int n = otls_conn_read(s->conn, buf, len);
    if (n != OTLS_E_WANT_READ && n < 0) {
      flush_quietly(s);
      return conn_fail(s, n);
    }
    /* Reading can produce output (a KeyUpdate answer, a pending alert), and
     * earlier writes may have left some queued. */
    int f = flush_out(s, 0, OTLS_E_TIMEDOUT);
    if (n >= 0)
      return n; /* data first; a send failure shows on the next call */
    if (f < 0 && f != OTLS_E_WANT_WRITE)
      return f;
    rv = fill_in(s, 0, OTLS_E_TIMEDOUT);
    if (rv == OTLS_E_WANT_READ && f == OTLS_E_WANT_WRITE)
      return f; /* nothing to read; what we queued must go out first */
    if (rv < 0)
      return rv;
  }
}

int otls_socket_write(otls_socket *s, const void *buf, size_t len) {
  if (s == NULL || (buf == NULL && len > 0))
    return OTLS_E_INVAL;
  s->err[0] = 0;
  int rv = ensure_handshake(s);
  if (rv < 0)
    return rv;
  if (len > INT_MAX)
    len = INT_MAX;
  /* Earlier output first: in non-blocking mode WANT_WRITE here means nothing
   * of this call was accepted. */
  if ((rv = flush_out(s, 0, OTLS_E_TIMEDOUT)) < 0)
    return rv;
  const uint8_t *p = buf;
  size_t done = 0;
  while (done < len) {
    size_t n = len - done > WRITE_SLICE ? WRITE_SLICE : len - done;
    rv = otls_conn_write(s->conn, p + done, n);
    if (rv < 0)
      return conn_fail(s, rv);
    done += n;
    rv = flush_out(s, 0, OTLS_E_TIMEDOUT);
    if (rv == OTLS_E_WANT_WRITE)
      break; /* accepted and queued; flushed by later calls */
    if (rv < 0)
      return rv;
  }
  return (int)done;
}

int otls_socket_flush(otls_socket *s) {
  if (s == NULL)
    return OTLS_E_INVAL;
  s->err[0] = 0;
  if (s->connecting)
    return ensure_handshake(s);
  return flush_out(s, 0, OTLS_E_TIMEDOUT);
}

int otls_socket_close(otls_socket *s) {
  if (s == NULL)
    return OTLS_E_INVAL;
  s->err[0] = 0;
  if (s->connecting) {
    /* Never connected: nothing to say to the peer. */
    s->wr_shut = true;
    return 0;
  }
  /* Before the handshake completed there is no close_notify to send
   * (OTLS_E_STATE); the transport is shut down all the same. */
  int rv = otls_conn_shutdown(s->conn);
  if (rv < 0 && rv != OTLS_E_STATE)
    return conn_fail(s, rv);
  if ((rv = flush_out(s, 0, OTLS_E_TIMEDOUT)) < 0)
    return rv;
  if (!s->wr_shut && s->is_sock) {
    if (shutdown(s->fd, SHUT_WR) < 0 && errno != ENOTCONN)
      return sys_fail(s, "shutdown", errno);
  }
  s->wr_shut = true;
  return 0;
}

void otls_socket_free(otls_socket *s) {
  if (s == NULL)
    return;
  if (s->own_fd && s->fd >= 0)
    close(s->fd);
  if (s->ai_list)
    freeaddrinfo(s->ai_list);
  otls_conn_free(s->conn);
  free(s);
}

int otls_socket_fd(const otls_socket *s) { return s ? s->fd : OTLS_E_INVAL; }

otls_conn *otls_socket_conn(otls_socket *s) { return s ? s->conn : NULL; }

const char *otls_socket_error(const otls_socket *s) { return s ? s->err : ""; }
