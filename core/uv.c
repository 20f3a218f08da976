/*
 * omnitls — the event layer on libuv (uv.h): Node's tls.Server, tls.connect
 * and TLSSocket over a sans-IO otls_conn, and the multi-worker server.
 *
 * One TLS socket = one otls_conn + a transport (a libuv stream — TCP or a
 * unix-domain socket — or the application's duplex callbacks) + three
 * timers (handshake timeout; the "next tick" that completes duplex writes
 * outside the duplex's call and starts a lookup; the idle timeout of
 * otls_uv_socket_set_timeout()).
 *
 * Received ciphertext is read straight into the connection's input
 * (otls_conn_input_space(): no copy). Only what the connection cannot take
 * yet (its input is bounded, OTLS_CONN_INPUT_MAX) goes to `rbuf`, allocated
 * for the occasion, and reading stops until it is taken: a paused socket so
 * pushes back on the peer through TCP flow control. When a burst of input
 * has been handled the connection releases its empty buffers
 * (otls_conn_release_buffers()), so an idle socket holds none.
 *
 * Ciphertext produced by the connection is copied into one write request
 * per flush (a `struct wreq`), which carries the callback of the plaintext
 * write it came from. Requests come from a small per-socket pool and go
 * back to it when they complete, so a socket in steady state allocates
 * nothing per record (DESIGN.md §6); the pool keeps at most WREQ_POOL
 * requests of at most WREQ_POOL_CAP bytes each, so memory stays bounded.
 * The bytes accepted by write() and not yet completed are the write queue
 * measured against the high-water mark.
 *
 * Closing follows libuv: destroy() closes the handles; when the last close
 * callback (and any getaddrinfo still in the thread pool) has come back,
 * pending write callbacks fail with OTLS_E_CLOSED, on_close fires, the
 * memory is released.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "internal.h"
#include "omnitls/uv.h"

/* One TLS record plus its worst-case overhead. */
#define RBUF_SIZE (16384u + 512u)
/* Plaintext handed to on_data per call. */
#define PLAIN_SIZE 16384u
/* Plaintext is encrypted in slices so one write request stays near a record
 * train of this size whatever the caller passes. */
#define WRITE_SLICE (64u * 1024u)
/* The write request pool: how many completed requests a socket keeps, and
 * the largest one it keeps (a slice's records plus their overhead). */
#define WREQ_POOL 2u
#define WREQ_POOL_CAP (WRITE_SLICE + 4096u)
/* Smallest buffer of a new request, so that sizes that vary a little
 * (records of a stream) reuse one request without growing it. */
#define WREQ_MIN_CAP (16384u + 1024u)

struct wreq {
  uv_write_t req;
  struct wreq *next;
  otls_uv_socket *s;
  otls_uv_write_cb cb;
  void *arg;
  size_t plain_len; /* counted in the write queue */
  size_t len;       /* bytes in data[]: ciphertext, or plaintext while pending */
  size_t cap;       /* room in data[] */
  uint8_t data[];
};

/* T_STREAM: a libuv stream (TCP, or a unix-domain socket with is_pipe). */
enum transport { T_STREAM, T_DUPLEX };

/* The libuv handle of a stream: TCP or a unix-domain socket. */
union stream {
  uv_handle_t h;
  uv_stream_t st;
  uv_tcp_t tcp;
  uv_pipe_t pipe;
};

struct otls_uv_socket {
  uv_loop_t *loop;
  otls_conn *conn;
  otls_uv_server *server;
  otls_uv_socket *prev, *next; /* in the server's list */
  enum transport kind;
  bool is_pipe; /* T_STREAM over a unix-domain socket */
  union stream io;
  otls_uv_duplex duplex;
  uv_timer_t timer; /* handshake timeout */
  uv_timer_t tick;  /* "next tick": duplex completions, deferred pump, lookup */
  uv_timer_t idle;  /* otls_uv_socket_set_timeout() */
  uv_getaddrinfo_t gai;
  uv_connect_t creq;
  uv_shutdown_t sreq;
  /* addresses to connect to, tried in turn */
  struct sockaddr_storage *addrs;
  size_t naddrs, next_addr;
  unsigned port;
  /* the `lookup` hook (Node.js: `lookup`) */
  otls_uv_lookup_cb lookup;
  void *lookup_data;
  char *host;
  bool lookup_due, lookup_wait;
  otls_uv_socket_events ev;
  otls_uv_secure_cb secure_cb;
  otls_uv_timeout_cb idle_cb;
  unsigned idle_ms;
  void *data;
  size_t hwm;
  unsigned hs_timeout_ms;
  /* write requests: pending (plaintext, before the handshake) and in flight */
  struct wreq *pending, **pending_tail;
  struct wreq *inflight, **inflight_tail; /* duplex: completion order */
  struct wreq *pool;                      /* completed requests kept for reuse */
  unsigned npool;
  size_t wreq_allocs; /* requests malloc'd or grown (otls__uv_socket_write_allocs) */
  size_t queue;       /* plaintext bytes accepted, callbacks not fired */
  unsigned duplex_done; /* duplex completions waiting for the tick */
  int duplex_done_err;
  /* received ciphertext not yet taken by the connection */
  uint8_t *rbuf; /* RBUF_SIZE bytes, only while something is staged */
  size_t roff, rlen;
  bool rdirect;  /* the last on_alloc gave the connection's own input space */
  unsigned open_handles; /* handles whose close callback is awaited */
  bool io_inited, connected, reading, want_read;
  bool gai_active;
  bool secure; /* handshake done */
  bool paused;
  bool in_pump, repump;
  bool eof_fed;    /* the transport ended */
  bool conn_eof;   /* ... and the connection was told, after rbuf */
  bool ended;      /* end() called */
  bool shut_sent;  /* transport half-closed */
  bool peer_ended; /* close_notify received (or clean EOF) */
  bool need_drain;
  bool closing;
  bool had_error;
  char err[OTLS__ERRBUF];
};

struct otls_uv_server {
  uv_loop_t *loop;
  otls_context *ctx;
  otls_conn_options co; /* copied from opts.conn_options */
  uint8_t *alpn;        /* our copy of co.alpn_protocols */
  otls_sni_map *sni;    /* otls_uv_server_add_context() */
  uv_timer_t anchor;    /* always open: its close callback ends the server */
  union stream *io;     /* the listening handle (heap: a failed one closes apart) */
  bool is_pipe;
  otls_uv_server_options opts;
  otls_uv_socket *conns;
  unsigned nconns;
  unsigned nstray; /* refused connections and failed listeners still closing */
  bool listening, closing, anchor_closed;
  otls_uv_server_close_cb close_cb;
};

static void pump(otls_uv_socket *s);
static void fail(otls_uv_socket *s, int err);
static void flush(otls_uv_socket *s, otls_uv_write_cb cb, void *arg, size_t plain_len);
static void server_maybe_finish(otls_uv_server *srv);

__attribute__((format(printf, 2, 3))) static void set_error(otls_uv_socket *s, const char *fmt,
                                                            ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof(s->err), fmt, ap);
  va_end(ap);
}

/* The only place that translates libuv errors. */
static int map_uv(int e) {
  switch (e) {
  case UV_ENOMEM:
  case UV_ENOBUFS:
  case UV_EAI_MEMORY: return OTLS_E_NOMEM;
  case UV_ECONNREFUSED: return OTLS_E_CONNREFUSED;
  case UV_ETIMEDOUT: return OTLS_E_TIMEDOUT;
  case UV_EPIPE: return OTLS_E_PIPE;
  case UV_ECONNRESET:
  case UV_EOF: return OTLS_E_CONNRESET;
  case UV_EADDRINUSE: return OTLS_E_ADDRINUSE;
  case UV_ENOENT: return OTLS_E_FILE; /* a unix socket path that is not there */
  case UV_EAI_NONAME:
  case UV_EAI_NODATA:
  case UV_EAI_AGAIN:
  case UV_EAI_FAIL: return OTLS_E_NOTFOUND;
  case UV_EINVAL:
  case UV_EAI_FAMILY:
  case UV_EAFNOSUPPORT: return OTLS_E_INVAL;
  case UV_ECANCELED: return OTLS_E_CLOSED;
  default: return OTLS_E_SYSCALL;
  }
}

static int uv_fail(otls_uv_socket *s, const char *what, int e) {
  set_error(s, "%s: %s", what, uv_strerror(e));
  return map_uv(e);
}

/* --- closing ---------------------------------------------------------------- */

static void finish(otls_uv_socket *s) {
  if (s->open_handles || s->gai_active)
    return;
  /* Writes that never completed (duplex, or never sent). */
  struct wreq *lists[2] = {s->inflight, s->pending};
  s->inflight = s->pending = NULL;
  for (int i = 0; i < 2; i++) {
    for (struct wreq *w = lists[i], *nx; w; w = nx) {
      nx = w->next;
      s->queue -= w->plain_len;
      if (w->cb)
        w->cb(s, OTLS_E_CLOSED, w->arg);
      free(w);
    }
  }
  for (struct wreq *w = s->pool, *nx; w; w = nx) {
    nx = w->next;
    free(w);
  }
  free(s->addrs);
  free(s->host);
  if (s->ev.on_close)
    s->ev.on_close(s, s->had_error);
  otls_uv_server *srv = s->server;
  if (srv) {
    if (s->prev)
      s->prev->next = s->next;
    else
      srv->conns = s->next;
    if (s->next)
      s->next->prev = s->prev;
    srv->nconns--;
  }
  otls_conn_free(s->conn);
  free(s->rbuf);
  free(s);
  if (srv)
    server_maybe_finish(srv);
}

static void on_handle_closed(uv_handle_t *h) {
  otls_uv_socket *s = h->data;
  s->open_handles--;
  finish(s);
}

void otls_uv_socket_destroy(otls_uv_socket *s) {
  if (s == NULL || s->closing)
    return;
  s->closing = true;
  if (s->gai_active)
    (void)uv_cancel((uv_req_t *)&s->gai); /* the callback still comes */
  if (s->kind == T_DUPLEX && s->duplex.close)
    s->duplex.close(s, s->duplex.data);
  if (s->io_inited) {
    s->open_handles++;
    uv_close(&s->io.h, on_handle_closed);
  }
  s->open_handles += 3;
  uv_close((uv_handle_t *)&s->timer, on_handle_closed);
  uv_close((uv_handle_t *)&s->tick, on_handle_closed);
  uv_close((uv_handle_t *)&s->idle, on_handle_closed);
}

/* A fatal error: report it (tlsClientError before secureConnection, else
 * on_error) and close. */
static void fail(otls_uv_socket *s, int err) {
  if (s->closing)
    return;
  if (s->err[0] == '\0')
    set_error(s, "%s", otls_strerror(err));
  s->had_error = true;
  otls_uv_server *srv = s->server;
  if (srv && !s->secure) {
    if (srv->opts.on_tls_client_error)
      srv->opts.on_tls_client_error(srv, s, err, s->err);
  } else if (s->ev.on_error) {
    s->ev.on_error(s, err);
  }
  otls_uv_socket_destroy(s);
}

/* A fatal error of the connection: keep its detail text. */
static void conn_fail(otls_uv_socket *s, int rv) {
  const char *d = otls_conn_error(s->conn);
  set_error(s, "%s", d && *d ? d : otls_strerror(rv));
  flush(s, NULL, NULL, 0); /* the alert, best effort */
  fail(s, rv);
}

/* --- writing ciphertext ------------------------------------------------------ */

/* Activity on the socket: the idle timeout starts over (Node.js refreshes
 * its timer on every read and write, lib/net.js `_unrefTimer`). */
static void on_idle(uv_timer_t *t);

static void touch(otls_uv_socket *s) {
  if (s->idle_ms && !s->closing)
    (void)uv_timer_start(&s->idle, on_idle, s->idle_ms, 0);
}

/* A write request with room for `len` bytes: from the pool when one is
 * there (grown if it is too small), else a new one. NULL: out of memory. */
static struct wreq *wreq_get(otls_uv_socket *s, size_t len) {
  struct wreq *w = s->pool;
  if (w) {
    s->pool = w->next;
    s->npool--;
    if (w->cap < len) {
      struct wreq *g = realloc(w, sizeof(*w) + len);
      if (g == NULL) {
        free(w);
        return NULL;
      }
      w = g;
      w->cap = len;
      s->wreq_allocs++;
    }
  } else {
    size_t cap = len < WREQ_MIN_CAP ? WREQ_MIN_CAP : len;
    if ((w = malloc(sizeof(*w) + cap)) == NULL)
      return NULL;
    w->cap = cap;
    s->wreq_allocs++;
  }
  size_t cap = w->cap;
  memset(w, 0, sizeof(*w));
  w->cap = cap;
  w->s = s;
  return w;
}

/* A request is done: keep it for the next flush, within the pool's bounds. */
static void wreq_put(otls_uv_socket *s, struct wreq *w) {
  if (s->closing || s->npool >= WREQ_POOL || w->cap > WREQ_POOL_CAP) {
    free(w);
    return;
  }
  w->next = s->pool;
  s->pool = w;
  s->npool++;
}

/* For tests (declared there): how many requests this socket allocated or
 * grew. Steady state adds none. */
size_t otls__uv_socket_write_allocs(const otls_uv_socket *s);
size_t otls__uv_socket_write_allocs(const otls_uv_socket *s) {
  return s ? s->wreq_allocs : 0;
}

static void write_completed(otls_uv_socket *s, struct wreq *w, int status) {
  s->queue -= w->plain_len;
  otls_uv_write_cb cb = w->cb;
  void *arg = w->arg;
  wreq_put(s, w);
  if (cb)
    cb(s, status, arg);
  if (s->closing)
    return;
  if (status < 0) {
    fail(s, status);
    return;
  }
  touch(s);
  if (s->need_drain && s->queue == 0) {
    s->need_drain = false;
    if (s->ev.on_drain)
      s->ev.on_drain(s);
  }
}

static void on_tcp_write(uv_write_t *req, int status) {
  struct wreq *w = (struct wreq *)req;
  otls_uv_socket *s = w->s;
  int rv = status < 0 ? (s->closing ? OTLS_E_CLOSED : uv_fail(s, "write", status)) : 0;
  write_completed(s, w, rv);
}

/* Send all pending output of the connection as one write request carrying
 * `cb` (which then counts `plain_len` in the queue). */
static void flush(otls_uv_socket *s, otls_uv_write_cb cb, void *arg, size_t plain_len) {
  if (s->closing || (s->kind == T_STREAM && !s->connected))
    return;
  size_t len;
  const uint8_t *p = otls_conn_output(s->conn, &len);
  if (len == 0 && cb == NULL)
    return;
  struct wreq *w = wreq_get(s, len);
  if (w == NULL) {
    set_error(s, "out of memory");
    fail(s, OTLS_E_NOMEM);
    return;
  }
  if (len)
    memcpy(w->data, p, len);
  otls_conn_consume(s->conn, len);
  w->cb = cb;
  w->arg = arg;
  w->plain_len = plain_len;
  w->len = len;
  touch(s);
  if (s->kind == T_STREAM) {
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)len);
    int e = uv_write(&w->req, &s->io.st, &b, 1, on_tcp_write);
    if (e < 0) {
      w->next = s->pending; /* failed at finish() with OTLS_E_CLOSED */
      s->pending = w;
      fail(s, uv_fail(s, "write", e));
    }
    return;
  }
  /* duplex: in-order completions through otls_uv_socket_write_done() */
  *s->inflight_tail = w;
  s->inflight_tail = &w->next;
  int rv = s->duplex.write(s, w->data, w->len, s->duplex.data);
  if (rv < 0) {
    set_error(s, "the duplex's write failed: %s", otls_strerror(rv));
    fail(s, rv);
  }
}

static void on_tick(uv_timer_t *t);

void otls_uv_socket_write_done(otls_uv_socket *s, int status) {
  if (s == NULL || s->kind != T_DUPLEX || s->closing)
    return;
  /* Completed on the next tick, never inside the duplex's own call. */
  s->duplex_done++;
  if (status < 0 && s->duplex_done_err == 0)
    s->duplex_done_err = status;
  (void)uv_timer_start(&s->tick, on_tick, 0, 0);
}

static void duplex_tick(otls_uv_socket *s) {
  while (s->duplex_done && s->inflight && !s->closing) {
    struct wreq *w = s->inflight;
    s->inflight = w->next;
    if (s->inflight == NULL)
      s->inflight_tail = &s->inflight;
    s->duplex_done--;
    write_completed(s, w, 0);
  }
  s->duplex_done = 0; /* completions without a write are ignored */
  if (!s->closing && s->duplex_done_err) {
    set_error(s, "the duplex's write failed: %s", otls_strerror(s->duplex_done_err));
    fail(s, s->duplex_done_err);
  }
  if (!s->closing)
    pump(s);
}

/* --- half-close ---------------------------------------------------------------- */

static void maybe_close_after_end(otls_uv_socket *s) {
  if (!s->closing && s->shut_sent && s->peer_ended)
    otls_uv_socket_destroy(s);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  otls_uv_socket *s = req->data;
  if (s->closing)
    return;
  if (status < 0) {
    fail(s, uv_fail(s, "shutdown", status));
    return;
  }
  maybe_close_after_end(s);
}

/* close_notify out, then half-close the transport. */
static void do_end(otls_uv_socket *s) {
  if (s->shut_sent || s->closing)
    return;
  (void)otls_conn_shutdown(s->conn);
  flush(s, NULL, NULL, 0);
  if (s->closing)
    return;
  s->shut_sent = true;
  if (s->kind == T_STREAM) {
    s->sreq.data = s;
    int e = uv_shutdown(&s->sreq, &s->io.st, on_shutdown);
    if (e < 0)
      fail(s, uv_fail(s, "shutdown", e));
    return;
  }
  if (s->duplex.shutdown)
    s->duplex.shutdown(s, s->duplex.data);
  maybe_close_after_end(s);
}

int otls_uv_socket_end(otls_uv_socket *s) {
  if (s == NULL)
    return OTLS_E_INVAL;
  if (s->closing)
    return OTLS_E_CLOSED;
  s->ended = true;
  if (s->secure && s->pending == NULL)
    do_end(s);
  return s->closing && s->had_error ? OTLS_E_CLOSED : 0;
}

/* --- reading and the state machine ------------------------------------------- */

static void set_reading(otls_uv_socket *s, bool on);

/* Feed what rbuf holds. Returns <0 on a fatal error (already reported). */
static int feed_rbuf(otls_uv_socket *s) {
  while (s->roff < s->rlen) {
    int n = otls_conn_feed(s->conn, s->rbuf + s->roff, s->rlen - s->roff);
    if (n < 0) {
      conn_fail(s, n);
      return n;
    }
    if (n == 0)
      break;
    s->roff += (size_t)n;
  }
  if (s->roff == s->rlen) {
    s->roff = s->rlen = 0;
    free(s->rbuf);
    s->rbuf = NULL;
    /* The end of stream goes in only after every byte before it. */
    if (s->eof_fed && !s->conn_eof) {
      s->conn_eof = true;
      int rv = otls_conn_feed_eof(s->conn);
      if (rv < 0) {
        conn_fail(s, rv);
        return rv;
      }
    }
  }
  return 0;
}

static void became_secure(otls_uv_socket *s) {
  s->secure = true;
  uv_timer_stop(&s->timer);
  otls_uv_server *srv = s->server;
  if (srv)
    srv->opts.on_secure_connection(srv, s);
  else if (s->secure_cb)
    s->secure_cb(s);
  if (s->closing)
    return;
  /* Writes queued before the handshake, in order. */
  while (s->pending && !s->closing) {
    struct wreq *w = s->pending;
    s->pending = w->next;
    if (s->pending == NULL)
      s->pending_tail = &s->pending;
    int rv = otls_conn_write(s->conn, w->data, w->len);
    if (rv < 0) {
      s->queue -= w->plain_len;
      if (w->cb)
        w->cb(s, rv, w->arg);
      wreq_put(s, w);
      conn_fail(s, rv);
      return;
    }
    /* The queue counted w->plain_len in write(); the flushed request
     * carries that count now. */
    flush(s, w->cb, w->arg, w->plain_len);
    wreq_put(s, w);
  }
  if (!s->closing && s->ended)
    do_end(s);
}

static void pump_once(otls_uv_socket *s) {
  if (feed_rbuf(s) < 0)
    return;
  if (!s->secure) {
    int rv = otls_conn_handshake(s->conn);
    if (rv == OTLS_E_WANT_CALLBACK)
      return; /* an ..._done() answer re-starts the pump */
    if (rv == OTLS_E_WANT_READ) {
      flush(s, NULL, NULL, 0);
      if (!s->closing && s->conn_eof) {
        set_error(s, "%s", otls_strerror(OTLS_E_CONNRESET));
        fail(s, OTLS_E_CONNRESET);
      }
      return;
    }
    if (rv < 0) {
      conn_fail(s, rv);
      return;
    }
    flush(s, NULL, NULL, 0);
    if (s->closing)
      return;
    became_secure(s);
    if (s->closing)
      return;
  }
  uint8_t plain[PLAIN_SIZE];
  while (!s->paused && !s->closing && !s->peer_ended) {
    int n = otls_conn_read(s->conn, plain, sizeof(plain));
    if (n > 0) {
      if (s->ev.on_data)
        s->ev.on_data(s, plain, (size_t)n);
      if (feed_rbuf(s) < 0)
        return;
      continue;
    }
    if (n == 0) {
      s->peer_ended = true;
      flush(s, NULL, NULL, 0); /* e.g. a key update answer */
      if (s->closing)
        return;
      if (s->ev.on_end)
        s->ev.on_end(s);
      if (s->closing)
        return;
      /* allowHalfOpen: false — end our side too. */
      s->ended = true;
      if (s->pending == NULL)
        do_end(s);
      maybe_close_after_end(s);
      return;
    }
    if (n == OTLS_E_WANT_READ) {
      flush(s, NULL, NULL, 0); /* post-handshake messages, alerts */
      return;
    }
    conn_fail(s, n);
    return;
  }
}

/* Run the state machine; re-entrant calls are folded into the outer one. */
static void pump(otls_uv_socket *s) {
  if (s->in_pump) {
    s->repump = true;
    return;
  }
  s->in_pump = true;
  do {
    s->repump = false;
    pump_once(s);
  } while (s->repump && !s->closing);
  s->in_pump = false;
  if (!s->closing) {
    /* Read the transport only while the connection can take more. */
    bool want = !s->eof_fed && s->rlen == 0 && !(s->peer_ended);
    set_reading(s, want);
    /* The burst is handled: an idle connection keeps no empty buffers. */
    otls_conn_release_buffers(s->conn);
  }
}

/* Where the next read goes: the connection itself, else the staging buffer. */
static bool read_space(otls_uv_socket *s, uint8_t **p, size_t *len) {
  s->rdirect = false;
  if (s->rlen == 0 && otls_conn_input_space(s->conn, p, len) == 0) {
    s->rdirect = true;
    return true;
  }
  if (s->rbuf == NULL && (s->rbuf = malloc(RBUF_SIZE)) == NULL)
    return false;
  *p = s->rbuf + s->rlen;
  *len = RBUF_SIZE - s->rlen;
  return *len > 0;
}

/* `n` bytes arrived where read_space() said. */
static void read_done(otls_uv_socket *s, size_t n) {
  if (s->rdirect) {
    s->rdirect = false;
    (void)otls_conn_input_commit(s->conn, n); /* n <= the space given */
  } else {
    s->rlen += n;
  }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  otls_uv_socket *s = h->data;
  (void)hint;
  uint8_t *p = NULL;
  size_t len = 0;
  if (!read_space(s, &p, &len))
    *buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
  else
    *buf = uv_buf_init((char *)p, (unsigned)len);
}

static void on_eof(otls_uv_socket *s) {
  s->eof_fed = true;
  pump(s); /* feed_rbuf() passes the end on once rbuf is empty */
}

static void on_tcp_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  otls_uv_socket *s = st->data;
  if (buf->base)
    read_done(s, n > 0 ? (size_t)n : 0);
  if (s->closing)
    return;
  if (n == UV_ENOBUFS) {
    fail(s, OTLS_E_NOMEM);
    return;
  }
  if (n > 0) {
    touch(s);
    pump(s);
    return;
  }
  if (n == UV_EOF || (n == UV_ECONNRESET && s->secure)) {
    set_reading(s, false);
    on_eof(s);
    return;
  }
  if (n < 0)
    fail(s, uv_fail(s, "read", (int)n));
}

static void set_reading(otls_uv_socket *s, bool on) {
  if (s->reading == on)
    return;
  if (s->kind == T_STREAM) {
    if (!s->connected)
      return;
    if (on) {
      int e = uv_read_start(&s->io.st, on_alloc, on_tcp_read);
      if (e < 0) {
        fail(s, uv_fail(s, "read", e));
        return;
      }
    } else {
      uv_read_stop(&s->io.st);
    }
  } else if (on ? s->duplex.read_start != NULL : s->duplex.read_stop != NULL) {
    (on ? s->duplex.read_start : s->duplex.read_stop)(s, s->duplex.data);
  }
  s->reading = on;
}

static void start_lookup(otls_uv_socket *s);

static void on_tick(uv_timer_t *t) {
  otls_uv_socket *s = t->data;
  if (s->closing)
    return;
  if (s->lookup_due) {
    start_lookup(s);
    return;
  }
  if (s->duplex_done)
    duplex_tick(s);
  else
    pump(s);
}

/* Node.js: `handshakeTimeout` — the socket is destroyed with
 * ERR_TLS_HANDSHAKE_TIMEOUT (lib/_tls_wrap.js, _handleTimeout). */
static void on_handshake_timeout(uv_timer_t *t) {
  otls_uv_socket *s = t->data;
  if (s->closing || s->secure)
    return;
  set_error(s, "TLS handshake timeout (%u ms)", s->hs_timeout_ms);
  fail(s, OTLS_E_HANDSHAKE_TIMEOUT);
}

/* Node.js: socket.setTimeout() — the 'timeout' event; the socket stays
 * open. The timer starts again with the next activity (touch()). */
static void on_idle(uv_timer_t *t) {
  otls_uv_socket *s = t->data;
  if (s->closing || s->idle_ms == 0)
    return;
  if (s->idle_cb)
    s->idle_cb(s);
}

int otls_uv_socket_set_timeout(otls_uv_socket *s, unsigned ms, otls_uv_timeout_cb cb) {
  if (s == NULL)
    return OTLS_E_INVAL;
  if (s->closing)
    return OTLS_E_CLOSED;
  s->idle_ms = ms;
  s->idle_cb = cb;
  if (ms)
    (void)uv_timer_start(&s->idle, on_idle, ms, 0);
  else
    (void)uv_timer_stop(&s->idle);
  return 0;
}

/* --- creating sockets ------------------------------------------------------- */

void otls_uv_socket_options_init(otls_uv_socket_options *opts) {
  memset(opts, 0, sizeof(*opts));
  opts->version = OTLS_UV_SOCKET_OPTIONS_V1;
  opts->reject_unauthorized = -1;
}

static bool is_ip_literal(const char *h) {
  unsigned char a[16];
  return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

/* Allocate a socket with its connection and timers (not yet any transport). */
static int socket_new(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                      const otls_conn_options *co, size_t hwm, unsigned hs_timeout_ms) {
  otls_uv_socket *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return OTLS_E_NOMEM;
  int rv = otls_conn_new(&s->conn, ctx, co);
  if (rv < 0) {
    free(s);
    return rv;
  }
  s->loop = loop;
  s->hwm = hwm ? hwm : OTLS_UV_HIGH_WATER_MARK;
  s->hs_timeout_ms = hs_timeout_ms;
  s->pending_tail = &s->pending;
  s->inflight_tail = &s->inflight;
  /* uv_timer_init() cannot fail on a valid loop. */
  (void)uv_timer_init(loop, &s->timer);
  (void)uv_timer_init(loop, &s->tick);
  (void)uv_timer_init(loop, &s->idle);
  s->timer.data = s->tick.data = s->idle.data = s;
  if (hs_timeout_ms)
    (void)uv_timer_start(&s->timer, on_handshake_timeout, hs_timeout_ms, 0);
  *out = s;
  return 0;
}

/* A client's connection options. `connect_host` is the host given to
 * otls_uv_connect(), or "localhost" for a path or fd (as Node.js, whose
 * tls.connect() host defaults to 'localhost'). */
static void conn_options(otls_conn_options *co, const otls_uv_socket_options *o,
                         const char *connect_host) {
  if (o->conn_options)
    *co = *o->conn_options;
  else
    otls_conn_options_init(co);
  co->is_server = o->is_server;
  co->reject_unauthorized = o->reject_unauthorized;
  if (!o->is_server) {
    /* Node: servername defaults to the host unless it is an IP (RFC 6066
     * §3); "" sends none. The identity is checked against `host`, else
     * `servername || connect host`. */
    const char *sni = o->servername;
    if (sni == NULL && connect_host && !is_ip_literal(connect_host))
      sni = connect_host;
    co->servername = sni && *sni ? sni : NULL;
    co->host = o->host ? o->host : (o->servername && *o->servername ? o->servername : connect_host);
  }
}

/* Checks shared by the client constructors; fills `co`. */
static int client_args(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                       const otls_uv_socket_options **opts, otls_uv_socket_options *dflt) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (*opts == NULL) {
    otls_uv_socket_options_init(dflt);
    *opts = dflt;
  }
  if (loop == NULL || ctx == NULL || (*opts)->version != OTLS_UV_SOCKET_OPTIONS_V1 ||
      (*opts)->is_server)
    return OTLS_E_INVAL;
  return 0;
}

/* A client stream socket with its connection (no transport yet). */
static int client_new(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                      const otls_uv_socket_options *opts, const char *connect_host,
                      otls_uv_secure_cb secure_cb) {
  otls_conn_options co;
  conn_options(&co, opts, connect_host);
  int rv = socket_new(out, loop, ctx, &co, opts->high_water_mark, opts->handshake_timeout_ms);
  if (rv < 0)
    return rv;
  (*out)->kind = T_STREAM;
  (*out)->secure_cb = secure_cb;
  return 0;
}

/* A constructor failed after socket_new(): close quietly (nothing was
 * reported, the caller gets the error instead). */
static int abandon(otls_uv_socket *s, int rv) {
  s->ev.on_close = NULL;
  otls_uv_socket_destroy(s);
  return rv;
}

static void try_connect(otls_uv_socket *s);

/* A failed attempt's handle is closed; then the next address is tried. */
static void on_retry_closed(uv_handle_t *h) {
  otls_uv_socket *s = h->data;
  s->open_handles--;
  if (s->closing)
    finish(s);
  else
    try_connect(s);
}

/* Connecting failed with `rv`: try the next address, or fail. */
static void connect_failed(otls_uv_socket *s, int rv) {
  if (s->next_addr >= s->naddrs) {
    fail(s, rv);
    return;
  }
  s->io_inited = false;
  s->open_handles++;
  uv_close(&s->io.h, on_retry_closed);
}

static void on_connect(uv_connect_t *req, int status) {
  otls_uv_socket *s = req->data;
  if (s->closing)
    return;
  if (status < 0) {
    connect_failed(s, uv_fail(s, "connect", status));
    return;
  }
  s->connected = true;
  free(s->addrs);
  s->addrs = NULL;
  s->naddrs = s->next_addr = 0;
  pump(s); /* the ClientHello */
}

static void try_connect(otls_uv_socket *s) {
  const struct sockaddr *sa = (const struct sockaddr *)&s->addrs[s->next_addr++];
  int e = uv_tcp_init(s->loop, &s->io.tcp);
  if (e < 0) {
    fail(s, uv_fail(s, "socket", e));
    return;
  }
  s->io.h.data = s;
  s->io_inited = true;
  (void)uv_tcp_nodelay(&s->io.tcp, 1);
  s->creq.data = s;
  e = uv_tcp_connect(&s->creq, &s->io.tcp, sa, on_connect);
  if (e < 0)
    connect_failed(s, uv_fail(s, "connect", e));
}

/* Connect to `n` resolved addresses (their ports are set here). */
static void connect_addrs(otls_uv_socket *s, const struct sockaddr_storage *a, size_t n) {
  s->addrs = calloc(n, sizeof(*s->addrs));
  if (s->addrs == NULL) {
    set_error(s, "out of memory");
    fail(s, OTLS_E_NOMEM);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    s->addrs[i] = a[i];
    if (a[i].ss_family == AF_INET6)
      ((struct sockaddr_in6 *)&s->addrs[i])->sin6_port = htons((uint16_t)s->port);
    else
      ((struct sockaddr_in *)&s->addrs[i])->sin_port = htons((uint16_t)s->port);
  }
  s->naddrs = n;
  s->next_addr = 0;
  try_connect(s);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  otls_uv_socket *s = req->data;
  s->gai_active = false;
  if (s->closing) {
    if (res)
      uv_freeaddrinfo(res);
    finish(s);
    return;
  }
  size_t n = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
        ai->ai_addrlen <= sizeof(struct sockaddr_storage))
      n++;
  if (status < 0 || n == 0) {
    if (res)
      uv_freeaddrinfo(res);
    fail(s, uv_fail(s, "getaddrinfo", status < 0 ? status : UV_EAI_NONAME));
    return;
  }
  struct sockaddr_storage *a = calloc(n, sizeof(*a));
  if (a == NULL) {
    uv_freeaddrinfo(res);
    set_error(s, "out of memory");
    fail(s, OTLS_E_NOMEM);
    return;
  }
  size_t i = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
        ai->ai_addrlen <= sizeof(struct sockaddr_storage))
      memcpy(&a[i++], ai->ai_addr, ai->ai_addrlen);
  uv_freeaddrinfo(res);
  connect_addrs(s, a, n);
  free(a);
}

/* The `lookup` hook, on the tick after otls_uv_connect() (so the events
 * are set by then). */
static void start_lookup(otls_uv_socket *s) {
  s->lookup_due = false;
  s->lookup_wait = true;
  s->lookup(s, s->host, s->port, s->lookup_data);
}

int otls_uv_lookup_done(otls_uv_socket *s, const struct sockaddr_storage *addrs, size_t n,
                        int err) {
  if (s == NULL || (addrs == NULL && n))
    return OTLS_E_INVAL;
  if (!s->lookup_wait)
    return OTLS_E_STATE;
  s->lookup_wait = false;
  if (s->closing)
    return OTLS_E_CLOSED;
  if (err < 0) {
    set_error(s, "lookup of \"%s\" failed: %s (%s)", s->host, otls_strerror(err),
              otls_err_name(err));
    fail(s, err);
    return 0;
  }
  if (n == 0) {
    set_error(s, "lookup of \"%s\" gave no address", s->host);
    fail(s, OTLS_E_NOTFOUND);
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    if (addrs[i].ss_family != AF_INET && addrs[i].ss_family != AF_INET6) {
      set_error(s, "lookup of \"%s\" gave an address of family %d, not IPv4 or IPv6", s->host,
                (int)addrs[i].ss_family);
      fail(s, OTLS_E_INVAL);
      return 0;
    }
  }
  connect_addrs(s, addrs, n);
  return 0;
}

int otls_uv_connect(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx, const char *host,
                    unsigned port, const otls_uv_socket_options *opts,
                    otls_uv_secure_cb secure_cb) {
  otls_uv_socket_options dflt;
  int rv = client_args(out, loop, ctx, &opts, &dflt);
  if (rv < 0)
    return rv;
  if (host == NULL || *host == '\0' || port == 0 || port > 65535)
    return OTLS_E_INVAL;
  otls_uv_socket *s;
  if ((rv = client_new(&s, loop, ctx, opts, host, secure_cb)) < 0)
    return rv;
  s->port = port;
  if (opts->lookup) {
    /* Node.js `lookup`: the application resolves, on the next tick. */
    if ((s->host = strdup(host)) == NULL)
      return abandon(s, OTLS_E_NOMEM);
    s->lookup = opts->lookup;
    s->lookup_data = opts->lookup_data;
    s->lookup_due = true;
    (void)uv_timer_start(&s->tick, on_tick, 0, 0);
    *out = s;
    return 0;
  }
  char service[8];
  snprintf(service, sizeof(service), "%u", port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
  s->gai.data = s;
  int e = uv_getaddrinfo(loop, &s->gai, on_resolved, host, service, &hints);
  if (e < 0)
    return abandon(s, map_uv(e));
  s->gai_active = true;
  *out = s;
  return 0;
}

int otls_uv_connect_path(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                         const char *path, const otls_uv_socket_options *opts,
                         otls_uv_secure_cb secure_cb) {
  otls_uv_socket_options dflt;
  int rv = client_args(out, loop, ctx, &opts, &dflt);
  if (rv < 0)
    return rv;
  if (path == NULL || *path == '\0' || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
    return OTLS_E_INVAL;
  otls_uv_socket *s;
  if ((rv = client_new(&s, loop, ctx, opts, "localhost", secure_cb)) < 0)
    return rv;
  s->is_pipe = true;
  int e = uv_pipe_init(loop, &s->io.pipe, 0);
  if (e < 0)
    return abandon(s, map_uv(e));
  s->io.h.data = s;
  s->io_inited = true;
  s->creq.data = s;
  /* Errors (ENOENT, ECONNREFUSED, ...) come to on_connect, on the loop. */
  uv_pipe_connect(&s->creq, &s->io.pipe, path, on_connect);
  *out = s;
  return 0;
}

int otls_uv_connect_fd(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx, int fd,
                       const otls_uv_socket_options *opts, otls_uv_secure_cb secure_cb) {
  otls_uv_socket_options dflt;
  int rv = client_args(out, loop, ctx, &opts, &dflt);
  if (rv < 0)
    return rv;
  if (fd < 0)
    return OTLS_E_INVAL;
  uv_handle_type type = uv_guess_handle(fd);
  if (type != UV_TCP && type != UV_NAMED_PIPE)
    return OTLS_E_INVAL;
  struct sockaddr_storage peer;
  socklen_t plen = sizeof(peer);
  if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0)
    return OTLS_E_INVAL; /* not a connected socket */
  otls_uv_socket *s;
  if ((rv = client_new(&s, loop, ctx, opts, "localhost", secure_cb)) < 0)
    return rv;
  s->is_pipe = type == UV_NAMED_PIPE;
  int e = s->is_pipe ? uv_pipe_init(loop, &s->io.pipe, 0) : uv_tcp_init(loop, &s->io.tcp);
  if (e == 0) {
    s->io.h.data = s;
    s->io_inited = true;
    /* From here on the handle owns the fd (closed with the socket). */
    e = s->is_pipe ? uv_pipe_open(&s->io.pipe, fd) : uv_tcp_open(&s->io.tcp, fd);
  }
  if (e < 0)
    return abandon(s, map_uv(e)); /* the handle never took the fd: still the caller's */
  if (!s->is_pipe)
    (void)uv_tcp_nodelay(&s->io.tcp, 1);
  s->connected = true;
  (void)uv_timer_start(&s->tick, on_tick, 0, 0); /* the ClientHello, on the next tick */
  *out = s;
  return 0;
}

int otls_uv_wrap(otls_uv_socket **out, uv_loop_t *loop, otls_context *ctx,
                 const otls_uv_duplex *duplex, const otls_uv_socket_options *opts,
                 otls_uv_secure_cb secure_cb) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  otls_uv_socket_options dflt;
  if (opts == NULL) {
    otls_uv_socket_options_init(&dflt);
    opts = &dflt;
  }
  if (loop == NULL || ctx == NULL || duplex == NULL || duplex->write == NULL ||
      opts->version != OTLS_UV_SOCKET_OPTIONS_V1)
    return OTLS_E_INVAL;
  otls_conn_options co;
  conn_options(&co, opts, NULL);
  otls_uv_socket *s;
  int rv = socket_new(&s, loop, ctx, &co, opts->high_water_mark, opts->handshake_timeout_ms);
  if (rv < 0)
    return rv;
  s->kind = T_DUPLEX;
  s->duplex = *duplex;
  s->secure_cb = secure_cb;
  s->connected = true;
  (void)uv_timer_start(&s->tick, on_tick, 0, 0); /* the first flight */
  *out = s;
  return 0;
}

int otls_uv_socket_feed(otls_uv_socket *s, const void *data, size_t len) {
  if (s == NULL || (data == NULL && len))
    return OTLS_E_INVAL;
  if (s->kind != T_DUPLEX)
    return OTLS_E_STATE;
  if (s->closing)
    return OTLS_E_CLOSED;
  if (s->eof_fed)
    return OTLS_E_STATE;
  if (len)
    touch(s);
  const uint8_t *p = data;
  while (len && !s->closing) {
    if (s->rlen == 0) {
      /* Nothing staged: straight to the connection. */
      int n = otls_conn_feed(s->conn, p, len);
      if (n < 0) {
        conn_fail(s, n);
        return n;
      }
      p += n;
      len -= (size_t)n;
      if (n > 0) {
        pump(s);
        continue;
      }
    }
    if (s->rlen == RBUF_SIZE) {
      /* The connection is full (a paused socket) and so is rbuf: let the
       * connection take what it can, else keep the rest on the heap. */
      pump(s);
      if (s->closing)
        break;
      if (s->rlen == RBUF_SIZE) {
        set_error(s, "the duplex kept sending after read_stop");
        fail(s, OTLS_E_BUFFER_FULL);
        return OTLS_E_BUFFER_FULL;
      }
      continue;
    }
    if (s->rbuf == NULL && (s->rbuf = malloc(RBUF_SIZE)) == NULL) {
      fail(s, OTLS_E_NOMEM);
      return OTLS_E_NOMEM;
    }
    if (s->roff) {
      memmove(s->rbuf, s->rbuf + s->roff, s->rlen - s->roff);
      s->rlen -= s->roff;
      s->roff = 0;
    }
    size_t n = RBUF_SIZE - s->rlen;
    if (n > len)
      n = len;
    memcpy(s->rbuf + s->rlen, p, n);
    s->rlen += n;
    p += n;
    len -= n;
    pump(s);
  }
  return 0;
}

int otls_uv_socket_feed_eof(otls_uv_socket *s) {
  if (s == NULL)
    return OTLS_E_INVAL;
  if (s->kind != T_DUPLEX)
    return OTLS_E_STATE;
  if (s->closing)
    return OTLS_E_CLOSED;
  if (s->eof_fed)
    return 0;
  on_eof(s);
  return 0;
}

/* --- the socket's public calls ---------------------------------------------- */

void otls_uv_socket_set_events(otls_uv_socket *s, const otls_uv_socket_events *ev) {
  if (s == NULL)
    return;
  if (ev)
    s->ev = *ev;
  else
    memset(&s->ev, 0, sizeof(s->ev));
}

void otls_uv_socket_set_data(otls_uv_socket *s, void *data) {
  if (s)
    s->data = data;
}

void *otls_uv_socket_data(const otls_uv_socket *s) {
  return s ? s->data : NULL;
}

otls_conn *otls_uv_socket_conn(const otls_uv_socket *s) {
  return s ? s->conn : NULL;
}

otls_uv_server *otls_uv_socket_server(const otls_uv_socket *s) {
  return s ? s->server : NULL;
}

const char *otls_uv_socket_error(const otls_uv_socket *s) {
  return s ? s->err : "";
}

size_t otls_uv_socket_write_queue_size(const otls_uv_socket *s) {
  return s ? s->queue : 0;
}

bool otls_uv_socket_is_paused(const otls_uv_socket *s) {
  return s && s->paused;
}

int otls_uv_socket_renegotiate(otls_uv_socket *s, const otls_renegotiate_options *opts,
                               otls_renegotiate_cb cb, void *arg) {
  if (s == NULL)
    return OTLS_E_INVAL;
  if (s->closing)
    return OTLS_E_CLOSED;
  if (!s->secure)
    return OTLS_E_STATE;
  int rv = otls_conn_renegotiate(s->conn, opts, cb, arg);
  if (rv == 0)
    flush(s, NULL, NULL, 0);
  return rv;
}

int otls_uv_socket_write(otls_uv_socket *s, const void *data, size_t len, otls_uv_write_cb cb,
                         void *arg) {
  if (s == NULL || (data == NULL && len) || len > INT_MAX)
    return OTLS_E_INVAL;
  if (s->closing || s->had_error)
    return OTLS_E_CLOSED;
  if (s->ended)
    return OTLS_E_WRITE_AFTER_END;
  if (s->queue >= s->hwm) {
    s->need_drain = true;
    return OTLS_E_WANT_WRITE;
  }
  if (!s->secure || s->pending) {
    struct wreq *w = wreq_get(s, len);
    if (w == NULL)
      return OTLS_E_NOMEM;
    if (len)
      memcpy(w->data, data, len);
    w->cb = cb;
    w->arg = arg;
    w->plain_len = w->len = len;
    *s->pending_tail = w;
    s->pending_tail = &w->next;
    s->queue += len;
  } else {
    /* Encrypt in slices; the callback rides on the last request. */
    const uint8_t *p = data;
    size_t left = len;
    do {
      size_t n = left > WRITE_SLICE ? WRITE_SLICE : left;
      int rv = otls_conn_write(s->conn, p, n);
      if (rv < 0) {
        conn_fail(s, rv);
        return rv;
      }
      p += n;
      left -= n;
      s->queue += n;
      if (left == 0)
        flush(s, cb, arg, len);
      else
        flush(s, NULL, NULL, 0);
      if (s->closing)
        return OTLS_E_CLOSED;
    } while (left);
  }
  if (s->queue >= s->hwm) {
    s->need_drain = true;
    return 0;
  }
  return 1;
}

void otls_uv_socket_pause(otls_uv_socket *s) {
  if (s)
    s->paused = true;
}

void otls_uv_socket_resume(otls_uv_socket *s) {
  if (s == NULL || !s->paused || s->closing)
    return;
  s->paused = false;
  /* Deliver what is buffered on the next tick, not inside this call. */
  (void)uv_timer_start(&s->tick, on_tick, 0, 0);
}

/* A unix-domain socket's address as a sockaddr_un: AF_UNIX and the path
 * ("" for an unnamed end, e.g. a connecting client's own). */
static int pipe_addr(const uv_pipe_t *p, struct sockaddr_storage *out, bool peer) {
  struct sockaddr_un *un = (struct sockaddr_un *)out;
  memset(out, 0, sizeof(*out));
  un->sun_family = AF_UNIX;
  size_t len = sizeof(un->sun_path);
  int e = peer ? uv_pipe_getpeername(p, un->sun_path, &len)
               : uv_pipe_getsockname(p, un->sun_path, &len);
  if (e < 0) {
    memset(out, 0, sizeof(*out));
    return map_uv(e);
  }
  if (len < sizeof(un->sun_path))
    un->sun_path[len] = '\0';
  return 0;
}

static int sock_addr(const otls_uv_socket *s, struct sockaddr_storage *out, bool peer) {
  if (s == NULL || out == NULL)
    return OTLS_E_INVAL;
  if (s->kind != T_STREAM || !s->connected || s->closing)
    return OTLS_E_STATE;
  if (s->is_pipe)
    return pipe_addr(&s->io.pipe, out, peer);
  int len = (int)sizeof(*out);
  int e = peer ? uv_tcp_getpeername(&s->io.tcp, (struct sockaddr *)out, &len)
               : uv_tcp_getsockname(&s->io.tcp, (struct sockaddr *)out, &len);
  return e < 0 ? map_uv(e) : 0;
}

int otls_uv_socket_remote_address(const otls_uv_socket *s, struct sockaddr_storage *out) {
  return sock_addr(s, out, true);
}

int otls_uv_socket_local_address(const otls_uv_socket *s, struct sockaddr_storage *out) {
  return sock_addr(s, out, false);
}

/* --- the server ----------------------------------------------------------------- */

void otls_uv_server_options_init(otls_uv_server_options *opts) {
  memset(opts, 0, sizeof(*opts));
  opts->version = OTLS_UV_SERVER_OPTIONS_V1;
  opts->handshake_timeout_ms = OTLS_UV_HANDSHAKE_TIMEOUT_MS;
  opts->backlog = 511;
}

int otls_uv_server_new(otls_uv_server **out, uv_loop_t *loop, otls_context *ctx,
                       const otls_uv_server_options *opts) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (loop == NULL || ctx == NULL || opts == NULL || opts->version != OTLS_UV_SERVER_OPTIONS_V1 ||
      opts->on_secure_connection == NULL || !otls_context_has_cert(ctx))
    return OTLS_E_INVAL;
  if ((opts->on_ocsp_request || (opts->conn_options && opts->conn_options->ocsp_request)) &&
      !otls_backend_has(OTLS_CAP_OCSP_STAPLE))
    return OTLS_E_UNSUPPORTED;
  otls_uv_server *srv = calloc(1, sizeof(*srv));
  if (srv == NULL)
    return OTLS_E_NOMEM;
  const otls_conn_options *co = opts->conn_options;
  if (co && co->alpn_protocols) {
    /* Keep our own copy: the caller's list may not outlive this call. */
    if ((srv->alpn = malloc(co->alpn_protocols_len ? co->alpn_protocols_len : 1)) == NULL) {
      free(srv);
      return OTLS_E_NOMEM;
    }
    memcpy(srv->alpn, co->alpn_protocols, co->alpn_protocols_len);
  }
  /* The listening handle comes with listen(); the anchor is always there
   * so that close() always ends through a libuv close callback. */
  (void)uv_timer_init(loop, &srv->anchor);
  srv->anchor.data = srv;
  srv->loop = loop;
  srv->ctx = otls_context_ref(ctx);
  srv->opts = *opts;
  if (srv->opts.backlog <= 0)
    srv->opts.backlog = 511;
  if (co)
    srv->co = *co;
  else
    otls_conn_options_init(&srv->co);
  if (srv->alpn)
    srv->co.alpn_protocols = srv->alpn;
  srv->opts.conn_options = NULL;
  *out = srv;
  return 0;
}

static void on_stray_closed(uv_handle_t *h) {
  otls_uv_server *srv = h->data;
  free(h);
  srv->nstray--;
  server_maybe_finish(srv);
}

/* --- server events answered later (DESIGN.md §2) ------------------------------ */

static void uv_sni_cb(otls_conn *c, const char *servername, void *user) {
  (void)user;
  otls_uv_socket *s = c->layer;
  s->server->opts.on_sni(s->server, s, servername);
}

static void uv_new_session_cb(otls_conn *c, const uint8_t *id, size_t id_len,
                              const uint8_t *data, size_t len, void *user) {
  (void)user;
  otls_uv_socket *s = c->layer;
  s->server->opts.on_new_session(s->server, s, id, id_len, data, len);
}

static void uv_resume_session_cb(otls_conn *c, const uint8_t *id, size_t id_len, void *user) {
  (void)user;
  otls_uv_socket *s = c->layer;
  s->server->opts.on_resume_session(s->server, s, id, id_len);
}

static void uv_ocsp_cb(otls_conn *c, const uint8_t *cert, size_t cert_len, const uint8_t *issuer,
                       size_t issuer_len, void *user) {
  (void)user;
  otls_uv_socket *s = c->layer;
  s->server->opts.on_ocsp_request(s->server, s, cert, cert_len, issuer, issuer_len);
}

/* An answer arrived: continue the handshake, unless it came from inside it. */
static int answered(otls_uv_socket *s, int rv) {
  if (rv == 0 && !s->closing)
    pump(s);
  return rv;
}

int otls_uv_sni_done(otls_uv_socket *s, otls_context *ctx, int err) {
  if (s == NULL)
    return OTLS_E_INVAL;
  return answered(s, otls_conn_sni_done(s->conn, ctx, err));
}

int otls_uv_new_session_done(otls_uv_socket *s) {
  if (s == NULL)
    return OTLS_E_INVAL;
  return answered(s, otls_conn_new_session_done(s->conn));
}

int otls_uv_resume_session_done(otls_uv_socket *s, const uint8_t *data, size_t len) {
  if (s == NULL)
    return OTLS_E_INVAL;
  return answered(s, otls_conn_resume_session_done(s->conn, data, len));
}

int otls_uv_ocsp_done(otls_uv_socket *s, const uint8_t *resp, size_t len, int err) {
  if (s == NULL)
    return OTLS_E_INVAL;
  return answered(s, otls_conn_ocsp_done(s->conn, resp, len, err));
}

int otls_uv_server_add_context(otls_uv_server *srv, const char *pattern, otls_context *ctx) {
  if (srv == NULL)
    return OTLS_E_INVAL;
  if (srv->sni == NULL) {
    int rv = otls_sni_map_new(&srv->sni);
    if (rv < 0)
      return rv;
  }
  return otls_sni_map_add(srv->sni, pattern, ctx);
}

/* Close a listening handle apart from the server (a failed listen, or
 * close()); the server ends only once it is gone. */
static void close_listener(otls_uv_server *srv) {
  if (srv->io == NULL)
    return;
  srv->nstray++;
  uv_close(&srv->io->h, on_stray_closed);
  srv->io = NULL;
  srv->listening = false;
}

/*
 * Accept the pending connection and close it at once. Also what happens to
 * a connection the server cannot take on (no memory): libuv stops watching
 * the listening socket until its pending connection is accepted, so leaving
 * it there would stop the server accepting anything, ever.
 */
static void refuse_connection(otls_uv_server *srv, uv_stream_t *st) {
  union stream *t = malloc(sizeof(*t));
  int e = t == NULL ? UV_ENOMEM
                    : srv->is_pipe ? uv_pipe_init(srv->loop, &t->pipe, 0)
                                   : uv_tcp_init(srv->loop, &t->tcp);
  if (e < 0) {
    free(t);
    return;
  }
  t->h.data = srv;
  (void)uv_accept(st, &t->st);
  srv->nstray++;
  uv_close(&t->h, on_stray_closed);
}

static void on_connection(uv_stream_t *st, int status) {
  otls_uv_server *srv = st->data;
  if (status < 0 || srv->closing)
    return; /* a failed accept(2) concerns one connection, not the server */
  if (srv->opts.max_connections && srv->nconns >= srv->opts.max_connections) {
    /* Node.js: connections over maxConnections are closed at once. */
    refuse_connection(srv, st);
    return;
  }
  otls_conn_options co = srv->co;
  co.is_server = true;
  if (srv->opts.on_sni)
    co.sni_callback = uv_sni_cb;
  else if (srv->sni && co.sni_map == NULL)
    co.sni_map = srv->sni;
  co.on_new_session = srv->opts.on_new_session ? uv_new_session_cb : NULL;
  co.on_resume_session = srv->opts.on_resume_session ? uv_resume_session_cb : NULL;
  if (srv->opts.on_ocsp_request)
    co.ocsp_request = uv_ocsp_cb;
  otls_uv_socket *s;
  if (socket_new(&s, srv->loop, srv->ctx, &co, srv->opts.high_water_mark,
                 srv->opts.handshake_timeout_ms) < 0) {
    refuse_connection(srv, st);
    return;
  }
  s->conn->layer = s;
  s->kind = T_STREAM;
  s->is_pipe = srv->is_pipe;
  s->server = srv;
  s->next = srv->conns;
  if (srv->conns)
    srv->conns->prev = s;
  srv->conns = s;
  srv->nconns++;
  int e = s->is_pipe ? uv_pipe_init(srv->loop, &s->io.pipe, 0) : uv_tcp_init(srv->loop, &s->io.tcp);
  if (e < 0) {
    otls_uv_socket_destroy(s);
    refuse_connection(srv, st);
    return;
  }
  s->io.h.data = s;
  s->io_inited = true;
  e = uv_accept(st, &s->io.st);
  if (e < 0) {
    otls_uv_socket_destroy(s);
    return;
  }
  if (!s->is_pipe)
    (void)uv_tcp_nodelay(&s->io.tcp, 1);
  s->connected = true;
  pump(s); /* starts reading the ClientHello */
}

/* Bind a fresh TCP handle of `family` to `sa` and listen. On failure the
 * handle is closed again (a failed bind leaves it unusable). */
static int listen_tcp_once(otls_uv_server *srv, const struct sockaddr *sa) {
  union stream *io = calloc(1, sizeof(*io));
  if (io == NULL)
    return OTLS_E_NOMEM;
  int e = uv_tcp_init_ex(srv->loop, &io->tcp, sa->sa_family);
  if (e < 0) {
    free(io);
    return e == UV_EAFNOSUPPORT ? OTLS_E_UNSUPPORTED : map_uv(e);
  }
  io->h.data = srv;
  srv->io = io;
  if (srv->opts.reuse_port) {
    /* libuv 1.44 has no flag for it: set it on the socket before bind(2). */
    uv_os_fd_t fd;
    int one = 1;
    if (uv_fileno(&io->h, &fd) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
      close_listener(srv);
      return OTLS_E_SYSCALL;
    }
  }
  e = uv_tcp_bind(&io->tcp, sa, 0);
  if (e == 0)
    e = uv_listen(&io->st, srv->opts.backlog, on_connection);
  if (e < 0) {
    close_listener(srv);
    return e == UV_EAFNOSUPPORT || e == UV_EADDRNOTAVAIL ? OTLS_E_UNSUPPORTED : map_uv(e);
  }
  return 0;
}

int otls_uv_server_listen(otls_uv_server *srv, const char *host, unsigned port) {
  if (srv == NULL || port > 65535)
    return OTLS_E_INVAL;
  if (srv->closing)
    return OTLS_E_STATE;
  if (srv->listening)
    return OTLS_E_INVAL;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  const char *h = host ? host : "::";
  if (uv_ip6_addr(h, (int)port, (struct sockaddr_in6 *)&ss) != 0 &&
      uv_ip4_addr(h, (int)port, (struct sockaddr_in *)&ss) != 0)
    return OTLS_E_INVAL;
  srv->is_pipe = false;
  int rv = listen_tcp_once(srv, (const struct sockaddr *)&ss);
  if (rv == OTLS_E_UNSUPPORTED && host == NULL) {
    /* No IPv6 on this host: Node falls back to 0.0.0.0. */
    (void)uv_ip4_addr("0.0.0.0", (int)port, (struct sockaddr_in *)&ss);
    rv = listen_tcp_once(srv, (const struct sockaddr *)&ss);
  }
  if (rv == OTLS_E_UNSUPPORTED)
    rv = OTLS_E_INVAL; /* an address this host does not have */
  if (rv < 0)
    return rv;
  srv->listening = true;
  return 0;
}

int otls_uv_server_listen_path(otls_uv_server *srv, const char *path) {
  if (srv == NULL || path == NULL || *path == '\0' ||
      strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
    return OTLS_E_INVAL;
  if (srv->closing)
    return OTLS_E_STATE;
  if (srv->listening || srv->opts.reuse_port)
    return OTLS_E_INVAL;
  union stream *io = calloc(1, sizeof(*io));
  if (io == NULL)
    return OTLS_E_NOMEM;
  int e = uv_pipe_init(srv->loop, &io->pipe, 0);
  if (e < 0) {
    free(io);
    return map_uv(e);
  }
  io->h.data = srv;
  srv->io = io;
  srv->is_pipe = true;
  /* Node.js: listen(path) on an existing file fails with EADDRINUSE;
   * libuv removes the file when the handle closes. */
  e = uv_pipe_bind(&io->pipe, path);
  if (e == 0)
    e = uv_listen(&io->st, srv->opts.backlog, on_connection);
  if (e < 0) {
    close_listener(srv);
    return map_uv(e);
  }
  srv->listening = true;
  return 0;
}

int otls_uv_server_address(const otls_uv_server *srv, struct sockaddr_storage *out) {
  if (srv == NULL || out == NULL)
    return OTLS_E_INVAL;
  if (!srv->listening || srv->closing)
    return OTLS_E_STATE;
  if (srv->is_pipe)
    return pipe_addr(&srv->io->pipe, out, false);
  int len = (int)sizeof(*out);
  int e = uv_tcp_getsockname(&srv->io->tcp, (struct sockaddr *)out, &len);
  return e < 0 ? map_uv(e) : 0;
}

unsigned otls_uv_server_port(const otls_uv_server *srv) {
  struct sockaddr_storage ss;
  if (otls_uv_server_address(srv, &ss) < 0)
    return 0;
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  if (ss.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  return 0; /* a unix-domain socket */
}

unsigned otls_uv_server_connections(const otls_uv_server *srv) {
  return srv ? srv->nconns : 0;
}

void *otls_uv_server_data(const otls_uv_server *srv) {
  return srv ? srv->opts.data : NULL;
}

uv_loop_t *otls_uv_server_loop(const otls_uv_server *srv) {
  return srv ? srv->loop : NULL;
}

/* Node.js server.getTicketKeys() / setTicketKeys(): the server's context's
 * key (core/tickets.c; thread-safe, shared by every server on ctx). */
int otls_uv_server_get_ticket_keys(const otls_uv_server *srv, uint8_t *keys, size_t len) {
  if (srv == NULL)
    return OTLS_E_INVAL;
  return otls_context_get_ticket_keys(srv->ctx, keys, len);
}

int otls_uv_server_set_ticket_keys(otls_uv_server *srv, const uint8_t *keys, size_t len) {
  if (srv == NULL)
    return OTLS_E_INVAL;
  return otls_context_set_ticket_keys(srv->ctx, keys, len);
}

static void server_maybe_finish(otls_uv_server *srv) {
  if (!srv->closing || !srv->anchor_closed || srv->nconns || srv->nstray)
    return;
  if (srv->close_cb)
    srv->close_cb(srv);
  otls_context_free(srv->ctx);
  otls_sni_map_free(srv->sni);
  free(srv->alpn);
  free(srv);
}

static void on_server_closed(uv_handle_t *h) {
  otls_uv_server *srv = h->data;
  srv->anchor_closed = true;
  server_maybe_finish(srv);
}

void otls_uv_server_close(otls_uv_server *srv, otls_uv_server_close_cb cb) {
  if (srv == NULL || srv->closing)
    return;
  srv->closing = true;
  srv->close_cb = cb;
  close_listener(srv);
  uv_close((uv_handle_t *)&srv->anchor, on_server_closed);
}

/* --- several cores: one loop and one server per thread ------------------------ */

/*
 * Each worker owns a loop, a server listening with SO_REUSEPORT on the
 * shared port (the kernel spreads connections over the listeners), and an
 * async handle through which otls_uv_workers_close() reaches it from any
 * thread. All are built on the calling thread before the worker's thread
 * starts (uv_thread_create() orders the two), so a failure is undone there
 * and nothing is left running. The context is shared: its refcount is
 * atomic, its session cache and ticket keys are locked (core/session_cache.c,
 * core/tickets.c), and the backends keep no unlocked per-context state
 * that a server connection writes.
 */
struct worker {
  otls_uv_workers *w;
  unsigned index;
  uv_loop_t loop;
  uv_async_t wake;
  otls_uv_server *srv;
  uv_thread_t tid;
  bool loop_inited, thread_started;
};

struct otls_uv_workers {
  otls_context *ctx;
  otls_uv_workers_options opts;
  otls_uv_server_options sopts;
  unsigned n;
  unsigned port;
  struct worker *ws;
  atomic_bool closing;
  uv_mutex_t lock;
  uv_cond_t cond;
  unsigned started; /* threads past on_worker_start, under lock */
};

void otls_uv_workers_options_init(otls_uv_workers_options *o) {
  if (o == NULL)
    return;
  memset(o, 0, sizeof(*o));
  o->version = OTLS_UV_WORKERS_OPTIONS_V1;
}

/* Close the worker's server (gracefully) and its wake-up handle: then the
 * loop ends once the last connection has. On the worker's loop thread. */
static void worker_stop(struct worker *wk) {
  if (wk->srv) {
    otls_uv_server_close(wk->srv, NULL);
    wk->srv = NULL;
  }
  if (!uv_is_closing((uv_handle_t *)&wk->wake))
    uv_close((uv_handle_t *)&wk->wake, NULL);
}

/* On the worker's loop: otls_uv_workers_close() was called. */
static void on_worker_wake(uv_async_t *a) {
  struct worker *wk = a->data;
  if (atomic_load(&wk->w->closing))
    worker_stop(wk);
}

static void worker_main(void *arg) {
  struct worker *wk = arg;
  otls_uv_workers *w = wk->w;
  if (w->opts.on_worker_start)
    w->opts.on_worker_start(w, wk->index, wk->srv);
  uv_mutex_lock(&w->lock);
  w->started++;
  uv_cond_signal(&w->cond);
  uv_mutex_unlock(&w->lock);
  (void)uv_run(&wk->loop, UV_RUN_DEFAULT);
}

static void close_leftover(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

/* The worker's loop has ended (or never ran): release it. */
static void worker_release(struct worker *wk) {
  if (!wk->loop_inited)
    return;
  worker_stop(wk); /* its thread is gone (or never ran): this thread owns the loop now */
  (void)uv_run(&wk->loop, UV_RUN_DEFAULT);
  /* Handles the application left on the loop (unreferenced ones do not
   * keep it running): close them so that the loop can be freed. */
  uv_walk(&wk->loop, close_leftover, NULL);
  (void)uv_run(&wk->loop, UV_RUN_DEFAULT);
  (void)uv_loop_close(&wk->loop);
  wk->loop_inited = false;
}

static void workers_free(otls_uv_workers *w) {
  for (unsigned i = 0; i < w->n; i++)
    worker_release(&w->ws[i]);
  uv_cond_destroy(&w->cond);
  uv_mutex_destroy(&w->lock);
  otls_context_free(w->ctx);
  free(w->ws);
  free(w);
}

/* Build worker `i` on this thread: its loop, wake-up handle, listening server. */
static int worker_setup(otls_uv_workers *w, unsigned i) {
  struct worker *wk = &w->ws[i];
  wk->w = w;
  wk->index = i;
  int e = uv_loop_init(&wk->loop);
  if (e < 0)
    return map_uv(e);
  wk->loop_inited = true;
  e = uv_async_init(&wk->loop, &wk->wake, on_worker_wake);
  if (e < 0) {
    (void)uv_loop_close(&wk->loop);
    wk->loop_inited = false;
    return map_uv(e);
  }
  wk->wake.data = wk;
  int rv = otls_uv_server_new(&wk->srv, &wk->loop, w->ctx, &w->sopts);
  if (rv < 0)
    return rv;
  /* Worker 0 picks the port when 0 was asked; the others join it. */
  rv = otls_uv_server_listen(wk->srv, w->opts.host, i == 0 ? w->opts.port : w->port);
  if (rv < 0)
    return rv;
  if (i == 0)
    w->port = otls_uv_server_port(wk->srv);
  return 0;
}

int otls_uv_workers_start(otls_uv_workers **out, otls_context *ctx,
                          const otls_uv_workers_options *o) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (ctx == NULL || o == NULL || o->version != OTLS_UV_WORKERS_OPTIONS_V1 ||
      o->server_options == NULL || o->server_options->version != OTLS_UV_SERVER_OPTIONS_V1 ||
      o->server_options->on_secure_connection == NULL || o->port > 65535 ||
      !otls_context_has_cert(ctx))
    return OTLS_E_INVAL;
  unsigned n = o->workers ? o->workers : uv_available_parallelism();
  if (n == 0)
    n = 1;
  if (n > OTLS_UV_WORKERS_MAX)
    return OTLS_E_INVAL;
  otls_uv_workers *w = calloc(1, sizeof(*w));
  if (w == NULL)
    return OTLS_E_NOMEM;
  if ((w->ws = calloc(n, sizeof(*w->ws))) == NULL) {
    free(w);
    return OTLS_E_NOMEM;
  }
  if (uv_mutex_init(&w->lock) != 0) {
    free(w->ws);
    free(w);
    return OTLS_E_NOMEM;
  }
  if (uv_cond_init(&w->cond) != 0) {
    uv_mutex_destroy(&w->lock);
    free(w->ws);
    free(w);
    return OTLS_E_NOMEM;
  }
  w->ctx = otls_context_ref(ctx);
  w->opts = *o;
  w->sopts = *o->server_options;
  w->sopts.reuse_port = true;
  w->opts.server_options = &w->sopts;
  w->n = n;
  atomic_init(&w->closing, false);
  int rv = 0;
  for (unsigned i = 0; i < n && rv == 0; i++)
    rv = worker_setup(w, i);
  if (rv < 0) {
    workers_free(w); /* no thread runs yet: everything closes here */
    return rv;
  }
  for (unsigned i = 0; i < n; i++) {
    struct worker *wk = &w->ws[i];
    if (uv_thread_create(&wk->tid, worker_main, wk) != 0) {
      /* Stop the ones running, undo the rest here. */
      otls_uv_workers_close(w);
      for (unsigned j = 0; j < i; j++)
        (void)uv_thread_join(&w->ws[j].tid);
      workers_free(w);
      return OTLS_E_NOMEM;
    }
    wk->thread_started = true;
  }
  uv_mutex_lock(&w->lock);
  while (w->started < n)
    uv_cond_wait(&w->cond, &w->lock);
  uv_mutex_unlock(&w->lock);
  *out = w;
  return 0;
}

unsigned otls_uv_workers_port(const otls_uv_workers *w) {
  return w ? w->port : 0;
}

unsigned otls_uv_workers_count(const otls_uv_workers *w) {
  return w ? w->n : 0;
}

void *otls_uv_workers_data(const otls_uv_workers *w) {
  return w ? w->opts.data : NULL;
}

void otls_uv_workers_close(otls_uv_workers *w) {
  if (w == NULL)
    return;
  atomic_store(&w->closing, true);
  /* uv_async_send() is the one libuv call that is safe from any thread. */
  for (unsigned i = 0; i < w->n; i++)
    if (w->ws[i].loop_inited)
      (void)uv_async_send(&w->ws[i].wake);
}

int otls_uv_workers_join(otls_uv_workers *w) {
  if (w == NULL)
    return OTLS_E_INVAL;
  for (unsigned i = 0; i < w->n; i++)
    if (w->ws[i].thread_started)
      (void)uv_thread_join(&w->ws[i].tid);
  workers_free(w);
  return 0;
}
