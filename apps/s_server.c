/*
 * omnitls s_server — a TLS server on the event layer (omnitls/uv.h, libuv):
 * many clients at once, each answered as it speaks (-www: a tiny HTTP
 * server; -echo: echo; default: relay stdin to the clients and what they
 * send to stdout). Flags are named like `openssl s_server`'s.
 *
 * One otls_uv_server (Node's tls.createServer) does the accepting and the
 * handshakes; this file only reacts to its events: secureConnection,
 * tlsClientError, OCSPRequest, and each socket's data/drain/error/close.
 * With -workers N, N such servers run on N threads (otls_uv_workers), one
 * loop each, sharing the port, the context and its session cache; the
 * callbacks below then run on those threads: what they share is either
 * read-only, atomic (`ended`) or printed under `out_lock`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "omnitls/uv.h"

static const struct cli_flag flags[] = {
    {"accept", "[HOST:]PORT", "where to listen (PORT 0: pick a free port); default 4433 on all addresses"},
    {"cert", "FILE", "server certificate (PEM, leaf first; may hold the chain)"},
    {"key", "FILE", "private key (PEM; default: in -cert)"},
    {"cert_chain", "FILE", "more chain certificates (PEM)"},
    {"pass", "ARG", "key / pfx passphrase: pass:X, env:VAR, file:PATH"},
    {"pfx", "FILE",
     "key and certificate chain as a PKCS#12 bundle (opened with -pass); with "
     "-cert too, a second key/certificate pair"},
    {"dhparam", "FILE", "DH parameters (PEM) for the TLS 1.2 DHE suites"},
    {"CRL", "FILE", "certificate revocation lists (PEM) to check client certificates against"},
    {"cipher", "STR", "cipher suites for TLS <= 1.2, OpenSSL's cipher-string syntax"},
    {"ciphersuites", "LIST",
     "TLS 1.3 cipher suites (colon list); joined with -cipher into "
     "Node's one `ciphers` string"},
    {"curves", "LIST", "key-exchange groups, colon list (ecdhCurve: X25519:P-256, auto)"},
    {"CAfile", "FILE", "CA certificates to verify client certificates with"},
    {"verify", "DEPTH", "ask for a client certificate, accept the connection anyway"},
    {"Verify", "DEPTH", "require a valid client certificate"},
    {"www", NULL, "answer GET requests with a small HTTP/1.0 page (keep-alive)"},
    {"echo", NULL, "send back what the client sends"},
    {"naccept", "N",
     "exit after N connections have ended (completed or failed; N 0: exit once listening)"},
    {"tls1_2", NULL, "only TLS 1.2"},
    {"tls1_3", NULL, "only TLS 1.3"},
    {"timeout", "MS",
     "handshake timeout (handshakeTimeout) and idle timeout of a connection (default 30000; 0: none)"},
    {"handshake_timeout", "MS", "handshake timeout alone (default: -timeout)"},
    {"max_connections", "N", "close connections beyond N open ones at once (maxConnections)"},
    {"alpn", "LIST", "accept these application protocols, ours first (ALPNProtocols)"},
    {"status_file", "FILE", "staple this DER OCSP response when asked (OCSPRequest)"},
    {"servername_context", "NAME:CERT:KEY",
     "serve CERT/KEY to clients asking for NAME (wildcards as addContext; repeatable)"},
    {"ticket_keys", "HEX", "the 48-byte session-ticket key, 96 hex digits (ticketKeys)"},
    {"no_ticket", NULL, "issue no session tickets (session ids for TLS 1.2 instead)"},
    {"json", NULL,
     "log one JSON line per event on stdout (secureConnection with the TLSSocket "
     "properties, tlsClientError, error; Node's names)"},
    {"quiet", NULL, "no per-connection messages on stderr"},
    {"workers", "N",
     "N event loops on N threads accepting on one port (SO_REUSEPORT), one session cache; "
     "needs -www or -echo"},
    {NULL, NULL, NULL},
};

enum mode { MODE_RELAY, MODE_WWW, MODE_ECHO };

#define MAX_CONTEXTS 32
#define REQ_MAX 8192

struct relay;

/* What every loop shares. Set up before the first loop runs, then only
 * `ended` (atomic) and the output (under `out_lock`) change. */
struct server {
  otls_context *ctx;
  otls_conn_options co; /* ALPN and the SNI contexts, for every connection */
  uint8_t alpn[1024];
  otls_sni_map *sni;
  uint8_t *ocsp;
  size_t ocsp_len;
  enum mode mode;
  bool json, quiet;
  unsigned idle_timeout_ms;
  long naccept;           /* -1: serve for ever */
  atomic_long ended;      /* connections that completed or failed */
  pthread_mutex_t out_lock; /* one line at a time on stdout / stderr */
  otls_uv_server *srv;                /* one loop */
  _Atomic(otls_uv_workers *) workers; /* -workers: set before the first accept */
  atomic_bool stopping;               /* -workers: otls_uv_workers_close() was called */
  struct relay *relay; /* MODE_RELAY: stdin */
  struct client *clients; /* MODE_RELAY: the secure connections */
  unsigned nclients;
};

/* One connection after its handshake (the socket's user data). */
struct client {
  struct server *sv;
  otls_uv_socket *s;
  struct client *prev, *next; /* MODE_RELAY: sv->clients */
  uv_timer_t idle;
  bool idle_on, idle_ending;
  bool blocked; /* the write queue reached its mark: wait for drain */
  bool done;    /* -www: the answer that closes the connection was sent */
  char remote[INET6_ADDRSTRLEN];
  int remote_port;
  size_t have; /* -www: bytes of the request head(s) in req */
  char req[REQ_MAX + 16384];
};

/* --- output ---------------------------------------------------------------- */

static void addr_string(const struct sockaddr_storage *ss, char *out, size_t n, int *port) {
  strcpy(out, "?");
  *port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)n);
    *port = ntohs(a->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)n);
    *port = ntohs(a->sin6_port);
  }
}

/* Print a finished JSON document as one line, not interleaved with others. */
static void print_json(struct server *sv, struct json *j) {
  pthread_mutex_lock(&sv->out_lock);
  (void)json_print_line(j, stdout);
  pthread_mutex_unlock(&sv->out_lock);
  json_free(j);
}

__attribute__((format(printf, 2, 3))) static void say(struct server *sv, const char *fmt, ...) {
  if (sv->quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&sv->out_lock);
  vfprintf(stderr, fmt, ap);
  pthread_mutex_unlock(&sv->out_lock);
  va_end(ap);
}

/*
 * A failure. Before the handshake completed (Node's 'tlsClientError') the
 * event layer does not say which socket it was, so the line carries no
 * address; after it ("error") it does.
 */
/* `remote` NULL: the peer's address is not known. */
static void log_error(struct server *sv, const char *event, const char *remote, int remote_port,
                      int code, const char *detail) {
  if (!detail || !*detail)
    detail = otls_strerror(code);
  if (remote)
    say(sv, "%s from %s:%d: %s: %s (%s)\n", event, remote, remote_port, otls_err_name(code),
        detail, cli_errno_ident(code));
  else
    say(sv, "%s: %s: %s (%s)\n", event, otls_err_name(code), detail, cli_errno_ident(code));
  if (!sv->json)
    return;
  struct json j;
  json_init(&j);
  json_object_begin(&j);
  json_kv_string(&j, "event", event);
  if (remote) {
    json_kv_string(&j, "remoteAddress", remote);
    json_kv_int(&j, "remotePort", remote_port);
  }
  json_kv_string(&j, "code", otls_err_name(code)); /* Node's err.code */
  json_kv_string(&j, "error", otls_err_name(code));
  json_kv_string(&j, "message", detail);
  json_object_end(&j);
  print_json(sv, &j);
}

static void log_secure(struct server *sv, const struct client *c) {
  otls_conn *conn = otls_uv_socket_conn(c->s);
  if (!sv->quiet) {
    /* One line: who, protocol, cipher, then what was negotiated beyond. */
    otls_cipher_info ci = {0};
    otls_conn_cipher(conn, &ci);
    size_t alen = 0;
    const uint8_t *alpn = otls_conn_alpn_protocol(conn, &alen);
    const char *sni = otls_conn_servername(conn), *ae = otls_conn_authorization_error(conn);
    otls_cert *peer = NULL;
    (void)otls_cert_peer(conn, false, &peer);
    pthread_mutex_lock(&sv->out_lock);
    fprintf(stderr, "connection from %s:%d: %s %s", c->remote, c->remote_port,
            otls_conn_protocol(conn), ci.name ? ci.name : "?");
    if (alpn)
      fprintf(stderr, ", ALPN %.*s", (int)alen, (const char *)alpn);
    if (sni) {
      fprintf(stderr, ", servername ");
      cli_put_safe(stderr, sni, strlen(sni));
    }
    if (otls_conn_is_session_reused(conn))
      fprintf(stderr, ", resumed");
    if (peer) {
      const otls_cert_name_entry *e;
      int n = otls_cert_subject_name(peer, &e);
      fprintf(stderr, ", client certificate ");
      cli_put_name(stderr, e, n);
    }
    if (ae)
      fprintf(stderr, " verify error %s", ae);
    fputc('\n', stderr);
    pthread_mutex_unlock(&sv->out_lock);
    otls_cert_free(peer);
  }
  if (!sv->json)
    return;
  struct json j;
  json_init(&j);
  json_object_begin(&j);
  json_kv_string(&j, "event", "secureConnection");
  json_kv_string(&j, "remoteAddress", c->remote);
  json_kv_int(&j, "remotePort", c->remote_port);
  cli_json_tls_info(&j, conn);
  json_object_end(&j);
  print_json(sv, &j);
}

/* --- the end of the server -------------------------------------------------- */

static void relay_stop(struct server *sv);

static void on_server_closed(otls_uv_server *srv) {
  struct server *sv = otls_uv_server_data(srv);
  sv->srv = NULL;
  relay_stop(sv); /* the last handle of the loop: uv_run() returns */
}

/* Stop accepting; the loop(s) end once the open connections have ended.
 * Called on the loop's thread, or any worker's (otls_uv_workers_close()
 * is thread-safe). */
static void stop_server(struct server *sv) {
  otls_uv_workers *w = atomic_load(&sv->workers);
  if (w) {
    if (!atomic_exchange(&sv->stopping, true))
      otls_uv_workers_close(w);
  }
  else if (sv->srv)
    otls_uv_server_close(sv->srv, on_server_closed);
}

/* A connection completed or failed: -naccept counts these. */
static void connection_ended(struct server *sv) {
  long n = atomic_fetch_add(&sv->ended, 1) + 1;
  if (sv->naccept >= 0 && n == sv->naccept)
    stop_server(sv);
}

/* --- stdin (MODE_RELAY) ------------------------------------------------------ */

/*
 * stdin may be a terminal, a pipe, a file or /dev/null, none of which libuv
 * can poll in every case, so one thread reads it with blocking read(2) and
 * hands each chunk to the loop through a uv_async_t. It reads only while
 * the loop asks for more (`want`): while a client is connected and none of
 * them is blocked by backpressure — so what is typed before a client
 * connects goes to that client, as with a one-at-a-time server.
 *
 * The struct is static: the thread may still be blocked in read(2) when
 * the process exits, and must never touch freed memory.
 */
struct relay {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  uv_async_t async;
  bool want;   /* loop -> thread: read one more chunk */
  bool ready;  /* thread -> loop: buf[0..len) (or the end: eof) is waiting */
  bool eof;    /* stdin ended (or failed) */
  bool closed; /* the loop is done: the thread must stop */
  size_t len;
  char buf[16384];
};
static struct relay the_relay = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
};

static void *relay_thread(void *arg) {
  struct relay *r = arg;
  for (;;) {
    pthread_mutex_lock(&r->lock);
    /* A chunk is read only when asked for, and never over one the loop
     * has not taken yet. */
    while ((!r->want || r->ready) && !r->closed)
      pthread_cond_wait(&r->cond, &r->lock);
    bool closed = r->closed;
    r->want = false;
    pthread_mutex_unlock(&r->lock);
    if (closed)
      return NULL;
    ssize_t n;
    do
      n = read(STDIN_FILENO, r->buf, sizeof(r->buf));
    while (n < 0 && errno == EINTR);
    pthread_mutex_lock(&r->lock);
    if (r->closed) {
      pthread_mutex_unlock(&r->lock);
      return NULL;
    }
    r->len = n > 0 ? (size_t)n : 0;
    r->eof = n <= 0;
    r->ready = true;
    uv_async_send(&r->async);
    pthread_mutex_unlock(&r->lock);
    if (n <= 0)
      return NULL;
  }
}

/* Ask the thread for more input when someone can take it. */
static void relay_update_want(struct server *sv) {
  struct relay *r = sv->relay;
  if (r == NULL)
    return;
  bool want = sv->nclients > 0;
  for (struct client *c = sv->clients; c && want; c = c->next)
    if (c->blocked)
      want = false;
  pthread_mutex_lock(&r->lock);
  if (want && !r->ready && !r->eof && !r->closed) {
    r->want = true;
    pthread_cond_signal(&r->cond);
  }
  pthread_mutex_unlock(&r->lock);
}

/* Send a chunk of stdin to every client; end them all at the end of stdin. */
static void relay_deliver(struct server *sv) {
  struct relay *r = sv->relay;
  if (r == NULL)
    return;
  pthread_mutex_lock(&r->lock);
  bool ready = r->ready, eof = r->eof;
  pthread_mutex_unlock(&r->lock);
  if (ready && r->len && sv->nclients == 0)
    return; /* kept for the next client */
  for (struct client *c = sv->clients, *nx; c; c = nx) {
    nx = c->next;
    if (ready && r->len && otls_uv_socket_write(c->s, r->buf, r->len, NULL, NULL) == 0)
      c->blocked = true;
    if (eof) /* also every client that comes later */
      (void)otls_uv_socket_end(c->s);
  }
  if (!ready)
    return;
  pthread_mutex_lock(&r->lock);
  r->ready = false;
  r->len = 0;
  pthread_mutex_unlock(&r->lock);
  relay_update_want(sv);
}

static void on_relay_async(uv_async_t *a) {
  relay_deliver(a->data);
}

static int relay_start(struct server *sv, uv_loop_t *loop) {
  struct relay *r = &the_relay;
  int e = uv_async_init(loop, &r->async, on_relay_async);
  if (e < 0)
    return OTLS_E_SYSCALL;
  r->async.data = sv;
  pthread_t t;
  if (pthread_create(&t, NULL, relay_thread, r) != 0) {
    uv_close((uv_handle_t *)&r->async, NULL);
    return OTLS_E_SYSCALL;
  }
  pthread_detach(t);
  sv->relay = r;
  return 0;
}

static void relay_stop(struct server *sv) {
  struct relay *r = sv->relay;
  if (r == NULL)
    return;
  sv->relay = NULL;
  pthread_mutex_lock(&r->lock);
  r->closed = true;
  pthread_cond_signal(&r->cond);
  pthread_mutex_unlock(&r->lock);
  uv_close((uv_handle_t *)&r->async, NULL);
}

/* --- -www ------------------------------------------------------------------ */

/* Index just past the blank line ending the request head, or 0. */
static size_t head_end(const char *b, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (b[i] != '\n')
      continue;
    if (b[i + 1] == '\n')
      return i + 2;
    if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
      return i + 3;
  }
  return 0;
}

/* Does the header `name` (with its colon) exist with a value containing `token`? */
static bool header_has(const char *head, const char *name, const char *token) {
  size_t nl = strlen(name);
  for (const char *p = strchr(head, '\n'); p; p = strchr(p + 1, '\n')) {
    if (strncasecmp(p + 1, name, nl) != 0)
      continue;
    const char *v = p + 1 + nl, *e = strchr(v, '\n');
    size_t vl = e ? (size_t)(e - v) : strlen(v);
    char val[256];
    if (vl >= sizeof(val))
      vl = sizeof(val) - 1;
    memcpy(val, v, vl);
    val[vl] = 0;
    if (strcasestr(val, token))
      return true;
  }
  return false;
}

/* Queue `len` bytes to the client; false when it must wait for drain. */
static bool send_to(struct client *c, const void *p, size_t len) {
  int rv = otls_uv_socket_write(c->s, p, len, NULL, NULL);
  if (rv < 0) {
    otls_uv_socket_destroy(c->s); /* cannot happen while we honour drain */
    return false;
  }
  if (rv == 0) {
    c->blocked = true;
    otls_uv_socket_pause(c->s);
    return false;
  }
  return true;
}

/*
 * Answer one request head. HTTP/1.1 keeps the connection unless the client
 * says "Connection: close"; HTTP/1.0 only when it says "keep-alive" (RFC
 * 9112 §9.3) — so `openssl s_client` sending a bare HTTP/1.0 request gets
 * its answer and a close instead of a hang. Returns false when the client
 * must wait for drain.
 */
static bool www_answer(struct client *c, const char *req, size_t len) {
  char head[REQ_MAX + 1];
  if (len > REQ_MAX)
    len = REQ_MAX;
  memcpy(head, req, len);
  head[len] = 0;
  char method[16] = "", target[1024] = "", version[16] = "";
  sscanf(head, "%15s %1023s %15s", method, target, version);
  bool v11 = strcmp(version, "HTTP/1.1") == 0, v10 = strcmp(version, "HTTP/1.0") == 0;
  bool keep = (v11 && !header_has(head, "connection:", "close")) ||
              (v10 && header_has(head, "connection:", "keep-alive"));

  otls_conn *conn = otls_uv_socket_conn(c->s);
  char body[1024];
  const char *status = "200 OK";
  int bl;
  if (strcmp(method, "GET") != 0) {
    status = "405 Method Not Allowed";
    keep = false;
    bl = snprintf(body, sizeof(body), "omnitls s_server: only GET is served\n");
  } else {
    otls_cipher_info ci = {0};
    otls_conn_cipher(conn, &ci);
    const char *sni = otls_conn_servername(conn), *ae = otls_conn_authorization_error(conn);
    bl = snprintf(body, sizeof(body),
                  "omnitls s_server (%s)\n"
                  "Protocol: %s\n"
                  "Cipher: %s\n"
                  "Cipher-Standard-Name: %s\n"
                  "Servername: %s\n"
                  "Client-Certificate: %s\n"
                  "Authorized: %s\n",
                  otls_backend_name(), otls_conn_protocol(conn), ci.name ? ci.name : "?",
                  ci.standard_name ? ci.standard_name : "?", sni ? sni : "(none)",
                  otls_conn_peer_cert_count(conn) ? "yes" : "no",
                  otls_conn_is_authorized(conn) ? "yes" : (ae ? ae : "no"));
  }
  char resp[2048];
  int rl = snprintf(resp, sizeof(resp),
                    "HTTP/1.0 %s\r\n"
                    "Content-Type: text/plain\r\n"
                    "Content-Length: %d\r\n"
                    "Connection: %s\r\n"
                    "\r\n%s",
                    status, bl, keep ? "keep-alive" : "close", body);
  if (!keep) {
    c->done = true; /* what the client sends after this is ignored */
    (void)otls_uv_socket_write(c->s, resp, (size_t)rl, NULL, NULL);
    (void)otls_uv_socket_end(c->s);
    return true;
  }
  return send_to(c, resp, (size_t)rl);
}

/* Answer every complete request head buffered, as long as the client reads. */
static void www_serve(struct client *c) {
  while (!c->done && !c->blocked) {
    size_t end = head_end(c->req, c->have);
    if (end == 0) {
      if (c->have >= REQ_MAX) {
        static const char big[] = "HTTP/1.0 431 Request Header Fields Too Large\r\n"
                                  "Content-Length: 0\r\nConnection: close\r\n\r\n";
        c->done = true;
        (void)otls_uv_socket_write(c->s, big, sizeof(big) - 1, NULL, NULL);
        (void)otls_uv_socket_end(c->s);
      }
      return;
    }
    bool go_on = www_answer(c, c->req, end);
    memmove(c->req, c->req + end, c->have - end);
    c->have -= end;
    if (!go_on)
      return;
  }
}

/* --- connection events ------------------------------------------------------ */

static void on_idle(uv_timer_t *t);

/* -timeout: the connection is idle when no data came for that long. */
static void idle_arm(struct client *c) {
  if (c->idle_on && !c->idle_ending)
    (void)uv_timer_start(&c->idle, on_idle, c->sv->idle_timeout_ms, 0);
}

static void on_data(otls_uv_socket *s, const uint8_t *p, size_t n) {
  struct client *c = otls_uv_socket_data(s);
  idle_arm(c);
  switch (c->sv->mode) {
  case MODE_ECHO:
    /* socket.pipe(socket): stop reading while the echo cannot be sent. */
    (void)send_to(c, p, n);
    break;
  case MODE_WWW:
    /* At most REQ_MAX bytes wait here between calls (more without a
     * complete head is a 431), and one call brings at most one record:
     * the buffer always has room. */
    if (c->done)
      break;
    if (n > sizeof(c->req) - c->have)
      n = sizeof(c->req) - c->have;
    memcpy(c->req + c->have, p, n);
    c->have += n;
    www_serve(c);
    break;
  default:
    pthread_mutex_lock(&c->sv->out_lock);
    fwrite(p, 1, n, stdout);
    fflush(stdout);
    pthread_mutex_unlock(&c->sv->out_lock);
    break;
  }
}

static void on_drain(otls_uv_socket *s) {
  struct client *c = otls_uv_socket_data(s);
  c->blocked = false;
  otls_uv_socket_resume(s);
  if (c->sv->mode == MODE_WWW)
    www_serve(c);
  else if (c->sv->mode == MODE_RELAY)
    relay_update_want(c->sv);
}

static void on_error(otls_uv_socket *s, int err) {
  struct client *c = otls_uv_socket_data(s);
  /* A client that just drops TCP (as HTTP clients do between requests) is
   * routine; anything else is worth a line. */
  if (err != OTLS_E_TRUNCATED && err != OTLS_E_CONNRESET)
    log_error(c->sv, "error", c->remote, c->remote_port, err, otls_uv_socket_error(s));
}

static void on_idle_closed(uv_handle_t *h) {
  free(h->data);
}

static void on_close(otls_uv_socket *s, bool had_error) {
  (void)had_error;
  struct client *c = otls_uv_socket_data(s);
  struct server *sv = c->sv;
  if (sv->mode == MODE_RELAY) {
    if (c->prev)
      c->prev->next = c->next;
    else
      sv->clients = c->next;
    if (c->next)
      c->next->prev = c->prev;
    sv->nclients--;
  }
  uv_close((uv_handle_t *)&c->idle, on_idle_closed);
  if (sv->mode == MODE_RELAY)
    relay_update_want(sv);
  connection_ended(sv);
}

/* No data for -timeout: close_notify; still nothing after as long again: drop. */
static void on_idle(uv_timer_t *t) {
  struct client *c = t->data;
  if (!c->idle_ending) {
    c->idle_ending = true;
    (void)otls_uv_socket_end(c->s);
    (void)uv_timer_start(&c->idle, on_idle, c->sv->idle_timeout_ms, 0);
    return;
  }
  otls_uv_socket_destroy(c->s);
}

/* Node: 'secureConnection'. */
static void on_secure_connection(otls_uv_server *srv, otls_uv_socket *s) {
  struct server *sv = otls_uv_server_data(srv);
  struct client *c = calloc(1, sizeof(*c));
  if (c == NULL) {
    log_error(sv, "error", NULL, 0, OTLS_E_NOMEM, "out of memory");
    otls_uv_socket_destroy(s); /* no events set: nothing else will count it */
    connection_ended(sv);
    return;
  }
  c->sv = sv;
  c->s = s;
  struct sockaddr_storage ss;
  if (otls_uv_socket_remote_address(s, &ss) == 0)
    addr_string(&ss, c->remote, sizeof(c->remote), &c->remote_port);
  else
    strcpy(c->remote, "?");
  (void)uv_timer_init(otls_uv_server_loop(srv), &c->idle);
  c->idle.data = c;
  otls_uv_socket_set_data(s, c);
  otls_uv_socket_events ev = {
      .on_data = on_data, .on_drain = on_drain, .on_error = on_error, .on_close = on_close};
  otls_uv_socket_set_events(s, &ev);
  log_secure(sv, c);
  if (sv->idle_timeout_ms) {
    c->idle_on = true;
    (void)uv_timer_start(&c->idle, on_idle, sv->idle_timeout_ms, 0);
  }
  if (sv->mode == MODE_RELAY) {
    c->next = sv->clients;
    if (sv->clients)
      sv->clients->prev = c;
    sv->clients = c;
    sv->nclients++;
    relay_deliver(sv); /* input that waited for a client, or the end of it */
    relay_update_want(sv);
  }
}

/* Node: 'tlsClientError'. */
static void on_tls_client_error(otls_uv_server *srv, otls_uv_socket *s, int err,
                                const char *detail) {
  struct server *sv = otls_uv_server_data(srv);
  /* Node passes the tlsSocket: its address is known during the call. */
  char remote[INET6_ADDRSTRLEN];
  int port = 0;
  struct sockaddr_storage ss;
  bool known = otls_uv_socket_remote_address(s, &ss) == 0;
  if (known)
    addr_string(&ss, remote, sizeof(remote), &port);
  log_error(sv, "tlsClientError", known ? remote : NULL, port, err, detail);
  connection_ended(sv);
}

/* Node: 'OCSPRequest' — staple -status_file. */
static void on_ocsp_request(otls_uv_server *srv, otls_uv_socket *s, const uint8_t *cert,
                            size_t cert_len, const uint8_t *issuer, size_t issuer_len) {
  (void)cert, (void)cert_len, (void)issuer, (void)issuer_len;
  struct server *sv = otls_uv_server_data(srv);
  (void)otls_uv_ocsp_done(s, sv->ocsp, sv->ocsp_len, 0);
}

/* --- start-up -------------------------------------------------------------- */

/* The listen address as an IP literal (a name is resolved once, here). */
static int listen_host(const char *host, char *out, size_t n) {
  unsigned char a[16];
  if (host == NULL || inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1) {
    snprintf(out, n, "%s", host ? host : "");
    return 0;
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
  if (getaddrinfo(host, NULL, &hints, &res) != 0)
    return OTLS_E_NOTFOUND;
  int port;
  addr_string((struct sockaddr_storage *)(void *)res->ai_addr, out, n, &port);
  freeaddrinfo(res);
  return 0;
}

static void print_listening(const struct sockaddr_storage *ss) {
  char addr[INET6_ADDRSTRLEN];
  int port;
  addr_string(ss, addr, sizeof(addr), &port);
  if (ss->ss_family == AF_INET6)
    printf("ACCEPT [%s]:%d\n", addr, port);
  else
    printf("ACCEPT %s:%d\n", addr, port);
  fflush(stdout);
}

static int run_one_loop(struct server *sv, const otls_uv_server_options *so, const char *host,
                        unsigned port) {
  uv_loop_t loop;
  int e = uv_loop_init(&loop);
  if (e < 0) {
    cli_error(OTLS_E_SYSCALL, uv_strerror(e));
    return EXIT_FAIL;
  }
  int rc = EXIT_FAIL;
  int rv = otls_uv_server_new(&sv->srv, &loop, sv->ctx, so);
  if (rv < 0) {
    cli_error(rv, rv == OTLS_E_UNSUPPORTED ? "this backend cannot staple OCSP responses"
                                           : "cannot create the server");
    rc = cli_exit_status(rv);
    goto out_loop;
  }
  rv = otls_uv_server_listen(sv->srv, host, port);
  if (rv < 0) {
    char detail[256];
    snprintf(detail, sizeof(detail), "cannot listen on address %s port %u", host ? host : "*",
             port);
    cli_error(rv, detail);
    stop_server(sv);
    (void)uv_run(&loop, UV_RUN_DEFAULT);
    goto out_loop;
  }
  struct sockaddr_storage ss;
  (void)otls_uv_server_address(sv->srv, &ss);
  print_listening(&ss);
  if (sv->mode == MODE_RELAY && (rv = relay_start(sv, &loop)) < 0) {
    cli_error(rv, "cannot start reading stdin");
    stop_server(sv);
    (void)uv_run(&loop, UV_RUN_DEFAULT);
    goto out_loop;
  }
  if (sv->naccept == 0)
    stop_server(sv);
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  rc = EXIT_OK;
out_loop:
  if (uv_loop_close(&loop) != 0)
    rc = EXIT_FAIL; /* a handle left open: a bug here */
  return rc;
}

/* A worker's server exists, before it accepts: remember the set. */
static void on_worker_start(otls_uv_workers *w, unsigned index, otls_uv_server *srv) {
  (void)index, (void)srv;
  struct server *sv = otls_uv_workers_data(w);
  atomic_store(&sv->workers, w);
}

static int run_workers(struct server *sv, const otls_uv_server_options *so, const char *host,
                       unsigned port, unsigned n) {
  otls_uv_workers_options wo;
  otls_uv_workers_options_init(&wo);
  wo.workers = n;
  wo.host = host;
  wo.port = port;
  wo.server_options = so;
  wo.on_worker_start = on_worker_start;
  wo.data = sv;
  otls_uv_workers *w;
  int rv = otls_uv_workers_start(&w, sv->ctx, &wo);
  if (rv < 0) {
    char detail[256];
    snprintf(detail, sizeof(detail), "cannot start %u workers listening on address %s port %u",
             n, host ? host : "*", port);
    cli_error(rv, detail);
    return cli_exit_status(rv);
  }
  atomic_store(&sv->workers, w);
  unsigned bound = otls_uv_workers_port(w);
  pthread_mutex_lock(&sv->out_lock);
  if (host == NULL)
    printf("ACCEPT *:%u\n", bound);
  else if (strchr(host, ':'))
    printf("ACCEPT [%s]:%u\n", host, bound);
  else
    printf("ACCEPT %s:%u\n", host, bound);
  fflush(stdout);
  pthread_mutex_unlock(&sv->out_lock);
  /* -naccept 0, or reached before `workers` was known to the callbacks. */
  if (sv->naccept >= 0 && atomic_load(&sv->ended) >= sv->naccept &&
      !atomic_exchange(&sv->stopping, true))
    otls_uv_workers_close(w);
  rv = otls_uv_workers_join(w);
  if (rv < 0) {
    cli_error(rv, "a worker failed");
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

int cmd_s_server(int argc, char **argv) {
  struct cli_args a = {
      .argc = argc,
      .argv = argv,
      .cmd = "s_server",
      .synopsis = "[-accept [HOST:]PORT] {-cert FILE [-key FILE] | -pfx FILE} [options]",
      .about =
          "Accept TLS connections, many at once, on the omnitls event layer (libuv). Once "
          "listening it prints \"ACCEPT HOST:PORT\" on stdout (with -accept PORT 0, the "
          "port picked). Each client is answered as it speaks: -www serves a small page "
          "describing the session, -echo sends back what the client sends, and by default "
          "stdin is sent to the clients and what they send comes out on stdout.\n\n"
          "Every connection is logged on stderr in one line (unless -quiet); -json logs "
          "each event as a JSON line on stdout. -naccept N exits once N connections have "
          "ended (the exit status is then 0, even if some of them failed).",
      .flags = flags,
  };
  struct cli_tls t = {.reject_unauthorized = false};
  struct server sv = {.mode = MODE_RELAY, .naccept = -1};
  const char *accept = "4433";
  const char *alpn_list = NULL, *status_file = NULL;
  const char *contexts[MAX_CONTEXTS];
  size_t n_contexts = 0;
  uint8_t ticket_keys[OTLS_TICKET_KEYS_LEN];
  int timeout_ms = 30000, hs_timeout_ms = -1, max_connections = 0, workers = 0;
  const struct cli_flag *f;
  const char *v;
  while ((f = cli_next(&a, &v)) != NULL) {
    const char *n = f->name;
    if (!strcmp(n, "accept"))
      accept = v;
    else if (!strcmp(n, "cert"))
      t.cert = v;
    else if (!strcmp(n, "key"))
      t.key = v;
    else if (!strcmp(n, "cert_chain"))
      t.cert_chain = v;
    else if (!strcmp(n, "pass"))
      t.pass = v;
    else if (!strcmp(n, "pfx"))
      t.pfx = v;
    else if (!strcmp(n, "dhparam"))
      t.dhparam = v;
    else if (!strcmp(n, "CRL"))
      t.crl = v;
    else if (!strcmp(n, "cipher"))
      t.cipher = v;
    else if (!strcmp(n, "ciphersuites"))
      t.ciphersuites = v;
    else if (!strcmp(n, "curves"))
      t.curves = v;
    else if (!strcmp(n, "CAfile"))
      t.cafile = v;
    else if (!strcmp(n, "verify") || !strcmp(n, "Verify")) {
      (void)cli_int(&a, n, v); /* the depth: the chain limit is the library's */
      t.request_cert = true;
      t.reject_unauthorized = n[0] == 'V';
    } else if (!strcmp(n, "www"))
      sv.mode = MODE_WWW;
    else if (!strcmp(n, "echo"))
      sv.mode = MODE_ECHO;
    else if (!strcmp(n, "naccept"))
      sv.naccept = cli_int(&a, n, v);
    else if (!strcmp(n, "tls1_2"))
      t.min_version = t.max_version = "TLSv1.2";
    else if (!strcmp(n, "tls1_3"))
      t.min_version = t.max_version = "TLSv1.3";
    else if (!strcmp(n, "timeout"))
      timeout_ms = cli_int(&a, n, v);
    else if (!strcmp(n, "handshake_timeout"))
      hs_timeout_ms = cli_int(&a, n, v);
    else if (!strcmp(n, "max_connections"))
      max_connections = cli_int(&a, n, v);
    else if (!strcmp(n, "workers")) {
      workers = cli_int(&a, n, v);
      if (workers < 1 || workers > 256)
        cli_usage_error(&a, "-workers: 1..256");
    }
    else if (!strcmp(n, "json"))
      sv.json = true;
    else if (!strcmp(n, "quiet"))
      sv.quiet = true;
    else if (!strcmp(n, "alpn"))
      alpn_list = v;
    else if (!strcmp(n, "status_file"))
      status_file = v;
    else if (!strcmp(n, "servername_context")) {
      if (n_contexts == MAX_CONTEXTS)
        cli_usage_error(&a, "-servername_context: at most %d", MAX_CONTEXTS);
      contexts[n_contexts++] = v;
    } else if (!strcmp(n, "ticket_keys")) {
      if (strlen(v) != 2 * OTLS_TICKET_KEYS_LEN)
        cli_usage_error(&a, "-ticket_keys: need %u hex digits", 2 * OTLS_TICKET_KEYS_LEN);
      for (unsigned i = 0; i < OTLS_TICKET_KEYS_LEN; i++) {
        unsigned x;
        if (sscanf(v + 2 * i, "%2x", &x) != 1)
          cli_usage_error(&a, "-ticket_keys: not hex");
        ticket_keys[i] = (uint8_t)x;
      }
      t.ticket_keys = ticket_keys;
    } else if (!strcmp(n, "no_ticket"))
      t.no_ticket = true;
  }
  if (t.cert == NULL && t.pfx == NULL)
    cli_usage_error(&a, "-cert or -pfx is required");
  if (t.key && !t.cert)
    cli_usage_error(&a, "-key needs -cert");
  if (t.ciphersuites && !*t.ciphersuites)
    cli_usage_error(&a, "-ciphersuites needs at least one suite (limit TLS 1.3 with -tls1_2)");
  if (workers && sv.mode == MODE_RELAY)
    cli_usage_error(&a, "-workers needs -www or -echo (stdin cannot be relayed to several loops)");
  char *hp = strdup(accept);
  const char *host, *port_s;
  if (hp == NULL)
    return EXIT_FAIL;
  if (!cli_split_hostport(hp, true, &host, &port_s))
    cli_usage_error(&a, "-accept: expected [HOST:]PORT, got '%s'", accept);
  char *end;
  unsigned long port = strtoul(port_s, &end, 10);
  if (*end || end == port_s || port > 65535)
    cli_usage_error(&a, "-accept: '%s' is not a port number", port_s);
  sv.idle_timeout_ms = (unsigned)timeout_ms;

  signal(SIGPIPE, SIG_IGN);
  pthread_mutex_init(&sv.out_lock, NULL);
  atomic_init(&sv.ended, 0);
  atomic_init(&sv.workers, NULL);
  atomic_init(&sv.stopping, false);
  int rc = EXIT_FAIL;
  char detail[512] = "";
  char host_ip[INET6_ADDRSTRLEN] = "";
  int rv = cli_context(&sv.ctx, &t, detail, sizeof(detail));
  if (rv < 0) {
    cli_error(rv, detail);
    rc = cli_exit_status(rv);
    goto out;
  }
  otls_conn_options_init(&sv.co);
  if (alpn_list) {
    int n = otls_alpn_encode(alpn_list, sv.alpn, sizeof(sv.alpn));
    if (n < 0)
      cli_usage_error(&a, "-alpn: '%s' is not a list of 1..255-byte names", alpn_list);
    sv.co.alpn_protocols = sv.alpn;
    sv.co.alpn_protocols_len = (size_t)n;
  }
  if (status_file) {
    if (!otls_backend_has(OTLS_CAP_OCSP_STAPLE)) {
      cli_error(OTLS_E_UNSUPPORTED, "-status_file: this backend cannot staple OCSP responses");
      rc = EXIT_UNSUPPORTED;
      goto out;
    }
    if ((sv.ocsp = cli_read_file(status_file, &sv.ocsp_len)) == NULL) {
      snprintf(detail, sizeof(detail), "-status_file: cannot read '%s'", status_file);
      cli_error(OTLS_E_FILE, detail);
      goto out;
    }
  }
  for (size_t i = 0; i < n_contexts; i++) {
    /* NAME:CERT:KEY, the other settings as for the default context
     * (Node's server.addContext(hostname, context)). */
    char *spec = strdup(contexts[i]);
    char *cert = spec ? strchr(spec, ':') : NULL;
    char *key = cert ? strchr(cert + 1, ':') : NULL;
    if (key == NULL)
      cli_usage_error(&a, "-servername_context: expected NAME:CERT:KEY, got '%s'", contexts[i]);
    *cert++ = 0;
    *key++ = 0;
    struct cli_tls ct = t;
    ct.cert = cert;
    ct.key = key;
    ct.cert_chain = NULL;
    ct.pfx = NULL;
    otls_context *ctx = NULL;
    rv = cli_context(&ctx, &ct, detail, sizeof(detail));
    if (rv == 0 && sv.sni == NULL)
      rv = otls_sni_map_new(&sv.sni);
    if (rv == 0)
      rv = otls_sni_map_add(sv.sni, spec, ctx);
    otls_context_free(ctx);
    free(spec);
    if (rv < 0) {
      cli_error(rv, detail);
      rc = cli_exit_status(rv);
      goto out;
    }
  }
  /* One map, read-only from here on: shared by every connection. */
  sv.co.sni_map = sv.sni;
  if (listen_host(host, host_ip, sizeof(host_ip)) < 0) {
    snprintf(detail, sizeof(detail), "-accept: cannot resolve '%s'", host);
    cli_error(OTLS_E_NOTFOUND, detail);
    goto out;
  }

  /* tls.createServer(options): the events above, the connection options. */
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = on_secure_connection;
  so.on_tls_client_error = on_tls_client_error;
  so.handshake_timeout_ms = (unsigned)(hs_timeout_ms >= 0 ? hs_timeout_ms : timeout_ms);
  so.max_connections = (unsigned)max_connections;
  so.conn_options = &sv.co;
  so.data = &sv;
  if (sv.ocsp)
    so.on_ocsp_request = on_ocsp_request;
  if (workers)
    rc = run_workers(&sv, &so, host ? host_ip : NULL, (unsigned)port, (unsigned)workers);
  else
    rc = run_one_loop(&sv, &so, host ? host_ip : NULL, (unsigned)port);
out:
  otls_context_free(sv.ctx);
  otls_sni_map_free(sv.sni);
  free(sv.ocsp);
  free(hp);
  pthread_mutex_destroy(&sv.out_lock);
  return rc;
}
