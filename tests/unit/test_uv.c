/*
 * core/uv.c — the libuv event layer: a TLS server and clients on one loop
 * over 127.0.0.1 (echo, 1,000 concurrent connections, graceful close,
 * handshake timeout, garbage, backpressure, max_connections, idle timeout,
 * write-request reuse), over unix-domain sockets in a temporary directory
 * and over already-connected fds, with a `lookup` hook, ticket keys set on
 * servers, TLS over an application's in-memory duplex pair, and the
 * multi-worker server resuming sessions across its threads. Every test
 * ends with uv_loop_close() == 0: every handle was closed, so every object
 * was released.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "omnitls/uv.h"
#include "otls_test.h"

/* --- the environment: one loop, a server, clients -------------------------- */

struct env {
  uv_loop_t loop;
  uv_timer_t watchdog;
  otls_context *sctx, *cctx;
  otls_uv_server *srv;
  bool srv_closed;
  unsigned nclients, closed, secured, client_errors;
  int last_client_error; /* tlsClientError */
  char last_client_detail[256];
  unsigned nclient_errors;
  unsigned client_error_had_address;
  size_t srv_bytes_at_close; /* received by the server when its close cb ran */
  unsigned conns_at_close;
  bool close_server_when_done;
  bool slow_reader; /* server pauses each socket for a while */
  size_t srv_bytes;
  void (*on_secure)(struct env *e, otls_uv_socket *s);
};

static void on_watchdog(uv_timer_t *t) {
  otls_test_fail(__FILE__, __LINE__, "the test did not finish in time");
}

static void env_init_cert(struct env *e, const otls_uv_server_options *o, const char *cert,
                          const char *key) {
  memset(e, 0, sizeof(*e));
  CHECK_INT(uv_loop_init(&e->loop), 0);
  e->loop.data = e;
  CHECK_INT(uv_timer_init(&e->loop, &e->watchdog), 0);
  CHECK_INT(uv_timer_start(&e->watchdog, on_watchdog, 60000, 0), 0);
  uv_unref((uv_handle_t *)&e->watchdog);
  e->sctx = make_ctx(cert, key, NULL);
  e->cctx = make_ctx(NULL, NULL, "ca.pem");
  if (o) {
    CHECK_ERR(otls_uv_server_new(&e->srv, &e->loop, e->sctx, o), 0);
    CHECK_ERR(otls_uv_server_listen(e->srv, "127.0.0.1", 0), 0);
    CHECK(otls_uv_server_port(e->srv) != 0);
  }
  e->close_server_when_done = true;
}

static void env_init(struct env *e, const otls_uv_server_options *o) {
  env_init_cert(e, o, "server-rsa-chain.pem", "server-rsa.key");
}

static void on_srv_closed(otls_uv_server *srv) {
  struct env *e = otls_uv_server_data(srv);
  e->srv_closed = true;
  e->srv_bytes_at_close = e->srv_bytes;
  e->conns_at_close = otls_uv_server_connections(srv);
}

static void env_run_and_free(struct env *e) {
  CHECK_INT(uv_run(&e->loop, UV_RUN_DEFAULT), 0);
  uv_close((uv_handle_t *)&e->watchdog, NULL);
  CHECK_INT(uv_run(&e->loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&e->loop), 0);
  otls_context_free(e->sctx);
  otls_context_free(e->cctx);
}

/* --- an echo server ------------------------------------------------------------ */

static void srv_on_drain(otls_uv_socket *s) {
  otls_uv_socket_resume(s);
}

static void srv_on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct env *e = otls_uv_server_data(otls_uv_socket_server(s));
  e->srv_bytes += len;
  int rv = otls_uv_socket_write(s, data, len, NULL, NULL);
  CHECK(rv >= 0);
  if (rv == 0)
    otls_uv_socket_pause(s); /* Node: pipe() backpressure */
}

static void srv_resume(uv_timer_t *t) {
  otls_uv_socket *s = t->data;
  otls_uv_socket_resume(s);
  uv_close((uv_handle_t *)t, (uv_close_cb)free);
}

static void on_secure_connection(otls_uv_server *srv, otls_uv_socket *s) {
  struct env *e = otls_uv_server_data(srv);
  e->secured++;
  CHECK(otls_conn_is_handshake_done(otls_uv_socket_conn(s)));
  CHECK(otls_conn_is_server(otls_uv_socket_conn(s)));
  otls_uv_socket_events ev = {.on_data = srv_on_data, .on_drain = srv_on_drain};
  otls_uv_socket_set_events(s, &ev);
  if (e->slow_reader) {
    otls_uv_socket_pause(s);
    uv_timer_t *t = malloc(sizeof(*t));
    CHECK(t != NULL);
    CHECK_INT(uv_timer_init(otls_uv_server_loop(srv), t), 0);
    t->data = s;
    CHECK_INT(uv_timer_start(t, srv_resume, 300, 0), 0);
  }
  if (e->on_secure)
    e->on_secure(e, s);
}

static void on_tls_client_error(otls_uv_server *srv, otls_uv_socket *s, int err,
                                const char *detail) {
  struct env *e = otls_uv_server_data(srv);
  /* Node passes the tlsSocket: its address is there during the call. */
  struct sockaddr_storage ss;
  if (otls_uv_socket_remote_address(s, &ss) == 0)
    e->client_error_had_address++;
  e->nclient_errors++;
  e->last_client_error = err;
  snprintf(e->last_client_detail, sizeof(e->last_client_detail), "%s", detail);
  CHECK(detail != NULL && *detail);
}

static void server_options(otls_uv_server_options *o, struct env *e) {
  otls_uv_server_options_init(o);
  o->on_secure_connection = on_secure_connection;
  o->on_tls_client_error = on_tls_client_error;
  o->data = e;
}

/* --- an echo client: sends a payload, checks it comes back, ends ---------------- */

#define CHUNK 16384u

struct client {
  struct env *env;
  otls_uv_socket *s;
  uint8_t *payload;
  size_t len, sent, got;
  size_t max_queue;
  bool secure, ended, closed, hold; /* hold: do not send until told */
  int err;
  char greeting[64];
};

static void client_send_more(struct client *c) {
  while (c->sent < c->len) {
    size_t n = c->len - c->sent < CHUNK ? c->len - c->sent : CHUNK;
    int rv = otls_uv_socket_write(c->s, c->payload + c->sent, n, NULL, NULL);
    if (rv == OTLS_E_WANT_WRITE)
      return; /* on_drain continues */
    CHECK(rv >= 0);
    c->sent += n;
    size_t q = otls_uv_socket_write_queue_size(c->s);
    if (q > c->max_queue)
      c->max_queue = q;
    if (rv == 0)
      return;
  }
}

static void cl_on_drain(otls_uv_socket *s) {
  struct client *c = otls_uv_socket_data(s);
  client_send_more(c);
}

static void cl_on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct client *c = otls_uv_socket_data(s);
  CHECK(c->got + len <= c->len);
  if (memcmp(c->payload + c->got, data, len) != 0)
    otls_test_fail(__FILE__, __LINE__, "echoed data differs at offset %zu", c->got);
  c->got += len;
  if (c->got == c->len && !c->ended) {
    c->ended = true;
    CHECK_ERR(otls_uv_socket_end(s), 0);
    CHECK_ERR(otls_uv_socket_write(s, "x", 1, NULL, NULL), OTLS_E_WRITE_AFTER_END);
  }
}

static void cl_on_error(otls_uv_socket *s, int err) {
  struct client *c = otls_uv_socket_data(s);
  c->err = err;
  c->env->client_errors++;
}

static void cl_on_close(otls_uv_socket *s, bool had_error) {
  struct client *c = otls_uv_socket_data(s);
  CHECK_INT(had_error, c->err != 0);
  c->closed = true;
  c->s = NULL;
  struct env *e = c->env;
  e->closed++;
  if (e->closed == e->nclients && e->close_server_when_done && e->srv)
    otls_uv_server_close(e->srv, on_srv_closed);
}

static void cl_on_secure(otls_uv_socket *s) {
  struct client *c = otls_uv_socket_data(s);
  c->secure = true;
  otls_conn *conn = otls_uv_socket_conn(s);
  CHECK(otls_conn_is_authorized(conn));
  CHECK(otls_conn_protocol(conn) != NULL);
  if (!c->hold)
    client_send_more(c);
}

static const otls_uv_socket_events client_events = {
    .on_data = cl_on_data,
    .on_drain = cl_on_drain,
    .on_error = cl_on_error,
    .on_close = cl_on_close,
};

static void fill_payload(struct client *c, size_t len, unsigned seed) {
  c->payload = malloc(len ? len : 1);
  CHECK(c->payload != NULL);
  c->len = len;
  for (size_t i = 0; i < len; i++)
    c->payload[i] = (uint8_t)(i * 31 + seed);
}

static void client_start(struct env *e, struct client *c, size_t len, unsigned seed) {
  c->env = e;
  fill_payload(c, len, seed);
  CHECK_ERR(otls_uv_connect(&c->s, &e->loop, e->cctx, "127.0.0.1", otls_uv_server_port(e->srv),
                            NULL, cl_on_secure),
            0);
  otls_uv_socket_set_data(c->s, c);
  otls_uv_socket_set_events(c->s, &client_events);
  e->nclients++;
}

/* --- tests ------------------------------------------------------------------------ */

static void greet(struct env *e, otls_uv_socket *s) {
  struct sockaddr_storage ss;
  CHECK_ERR(otls_uv_socket_remote_address(s, &ss), 0);
  CHECK_INT(ss.ss_family, AF_INET);
}

TEST(uv_server_and_client_echo_data_both_ways) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  e.on_secure = greet;
  struct client c = {0};
  client_start(&e, &c, 5000, 1);
  env_run_and_free(&e);
  CHECK(c.secure);
  CHECK(c.closed);
  CHECK_INT(c.err, 0);
  CHECK_INT(c.got, 5000);
  CHECK_INT(e.secured, 1);
  CHECK_INT(e.srv_bytes, 5000);
  CHECK(e.srv_closed);
  CHECK_INT(e.nclient_errors, 0);
  free(c.payload);
}

/* Two fds per connection in this process (client and server end). */
static void raise_fd_limit(rlim_t want) {
  struct rlimit rl;
  CHECK_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur >= want)
    return;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
    otls_test_fail(__FILE__, __LINE__, "the fd limit is %llu, this test needs %llu",
                   (unsigned long long)rl.rlim_max, (unsigned long long)want);
  rl.rlim_cur = want;
  CHECK_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

TEST(uv_thousand_concurrent_connections_each_echo_64_kib) {
  enum { N = 1000 };
  raise_fd_limit(2 * N + 256);
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  o.backlog = N;
  /* ECDSA: the handshakes cost a fraction of RSA's, the data dominates. */
  env_init_cert(&e, &o, "server-ec-chain.pem", "server-ec.key");
  struct client *cs = calloc(N, sizeof(*cs));
  CHECK(cs != NULL);
  for (unsigned i = 0; i < N; i++)
    client_start(&e, &cs[i], 64 * 1024, i);
  env_run_and_free(&e);
  for (unsigned i = 0; i < N; i++) {
    CHECK_ERR(cs[i].err, 0);
    CHECK_INT(cs[i].got, 64 * 1024);
    free(cs[i].payload);
  }
  CHECK_INT(e.secured, N);
  CHECK_INT(e.srv_bytes, (size_t)N * 64 * 1024);
  CHECK_INT(e.nclient_errors, 0);
  free(cs);
}

/* --- graceful close ---------------------------------------------------------------- */

static struct client *g_hold;
static unsigned g_nhold;

static void refused_close(otls_uv_socket *s, bool had_error) {
  int *err = otls_uv_socket_data(s);
  CHECK(had_error);
  CHECK(*err != 0);
}

static void refused_error(otls_uv_socket *s, int err) {
  int *out = otls_uv_socket_data(s);
  *out = err;
}

static int g_refused_err;
static unsigned g_port;

static void close_when_all_secure(struct env *e, otls_uv_socket *s) {
  if (e->secured < g_nhold)
    return;
  /* Every connection is established and none has sent yet: close the
   * server now, then let them work. */
  otls_uv_server_close(e->srv, on_srv_closed);
  otls_uv_server_close(e->srv, NULL); /* harmless */
  CHECK_INT(otls_uv_server_connections(e->srv), g_nhold);
  for (unsigned i = 0; i < g_nhold; i++)
    client_send_more(&g_hold[i]);
  /* Not accepting any more. */
  otls_uv_socket *r;
  CHECK_INT(otls_uv_server_port(e->srv), 0); /* closing: no address */
  CHECK_ERR(otls_uv_connect(&r, &e->loop, e->cctx, "127.0.0.1", g_port, NULL, NULL), 0);
  otls_uv_socket_set_data(r, &g_refused_err);
  otls_uv_socket_events ev = {.on_error = refused_error, .on_close = refused_close};
  otls_uv_socket_set_events(r, &ev);
}

TEST(uv_server_close_waits_for_connections_in_flight) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  unsigned port = otls_uv_server_port(e.srv);
  g_port = port;
  e.close_server_when_done = false;
  e.on_secure = close_when_all_secure;
  enum { N = 5 };
  struct client cs[N];
  memset(cs, 0, sizeof(cs));
  g_hold = cs;
  g_nhold = N;
  for (unsigned i = 0; i < N; i++) {
    cs[i].hold = true;
    client_start(&e, &cs[i], 256 * 1024, i);
  }
  env_run_and_free(&e);
  CHECK(port != 0);
  CHECK(e.srv_closed);
  /* Only after the last connection finished its work and closed. */
  CHECK_INT(e.srv_bytes_at_close, (size_t)N * 256 * 1024);
  CHECK_INT(e.conns_at_close, 0);
  for (unsigned i = 0; i < N; i++) {
    CHECK_ERR(cs[i].err, 0);
    CHECK_INT(cs[i].got, 256 * 1024);
    free(cs[i].payload);
  }
  CHECK_ERR(g_refused_err, OTLS_E_CONNREFUSED);
}

/* --- raw TCP peers: silent, or sending garbage ---------------------------------- */

struct raw {
  uv_tcp_t tcp;
  uv_connect_t creq;
  uv_write_t wreq;
  const char *send;
  bool eof;
  char buf[4096];
};

static void raw_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  struct raw *r = h->data;
  *b = uv_buf_init(r->buf, sizeof(r->buf));
}

static void raw_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  struct raw *r = st->data;
  if (n < 0) {
    r->eof = true;
    uv_close((uv_handle_t *)&r->tcp, NULL);
  }
}

static void raw_connected(uv_connect_t *req, int status) {
  struct raw *r = req->data;
  CHECK_INT(status, 0);
  CHECK_INT(uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read), 0);
  if (r->send) {
    uv_buf_t b = uv_buf_init((char *)r->send, (unsigned)strlen(r->send));
    CHECK_INT(uv_write(&r->wreq, (uv_stream_t *)&r->tcp, &b, 1, NULL), 0);
  }
}

static void raw_start(struct env *e, struct raw *r, const char *send) {
  memset(r, 0, sizeof(*r));
  r->send = send;
  CHECK_INT(uv_tcp_init(&e->loop, &r->tcp), 0);
  r->tcp.data = r->creq.data = r;
  struct sockaddr_in a;
  CHECK_INT(uv_ip4_addr("127.0.0.1", (int)otls_uv_server_port(e->srv), &a), 0);
  CHECK_INT(uv_tcp_connect(&r->creq, &r->tcp, (struct sockaddr *)&a, raw_connected), 0);
}

static struct env *g_env;
static struct client g_late;

static void start_tls_client_later(uv_timer_t *t) {
  client_start(g_env, &g_late, 1000, 7);
  uv_close((uv_handle_t *)t, NULL);
}

TEST(uv_handshake_timeout_reports_tls_client_error_while_others_are_served) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  o.handshake_timeout_ms = 400;
  env_init(&e, &o);
  g_env = &e;
  memset(&g_late, 0, sizeof(g_late));
  struct raw r;
  raw_start(&e, &r, NULL);
  /* A TLS client arrives while the silent one is stalling. */
  uv_timer_t t;
  CHECK_INT(uv_timer_init(&e.loop, &t), 0);
  CHECK_INT(uv_timer_start(&t, start_tls_client_later, 50, 0), 0);
  env_run_and_free(&e);
  CHECK_INT(e.nclient_errors, 1);
  CHECK_ERR(e.last_client_error, OTLS_E_HANDSHAKE_TIMEOUT);
  CHECK_STR(otls_err_name(e.last_client_error), "ERR_TLS_HANDSHAKE_TIMEOUT");
  CHECK(r.eof); /* the server dropped the silent client */
  CHECK_ERR(g_late.err, 0);
  CHECK_INT(g_late.got, 1000);
  CHECK_INT(e.secured, 1);
  free(g_late.payload);
}

static void close_server_after_error(uv_timer_t *t) {
  struct env *e = t->data;
  if (e->nclient_errors == 0)
    return;
  otls_uv_server_close(e->srv, on_srv_closed);
  uv_close((uv_handle_t *)t, NULL);
}

TEST(uv_garbage_client_hello_reports_tls_client_error) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  struct raw r;
  raw_start(&e, &r, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  uv_timer_t t;
  CHECK_INT(uv_timer_init(&e.loop, &t), 0);
  t.data = &e;
  CHECK_INT(uv_timer_start(&t, close_server_after_error, 10, 10), 0);
  env_run_and_free(&e);
  CHECK_INT(e.nclient_errors, 1);
  CHECK_INT(e.client_error_had_address, 1);
  int err = e.last_client_error;
  /* Core reads the ClientHello before any backend: one answer for all four. */
  if (err != OTLS_E_BAD_CLIENT_HELLO)
    otls_test_fail(__FILE__, __LINE__, "tlsClientError %s (%s): want ERR_OTLS_BAD_CLIENT_HELLO",
                   otls_err_name(err), e.last_client_detail);
  CHECK(r.eof);
  CHECK_INT(e.secured, 0);
}

/* --- backpressure ----------------------------------------------------------------- */

TEST(uv_slow_reader_keeps_the_write_queue_under_the_high_water_mark) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  e.slow_reader = true;
  struct client c = {0};
  enum { TOTAL = 16 * 1024 * 1024 };
  client_start(&e, &c, TOTAL, 3);
  env_run_and_free(&e);
  CHECK_ERR(c.err, 0);
  CHECK_INT(c.got, TOTAL);
  CHECK_INT(e.srv_bytes, TOTAL);
  /* The queue filled up (the reader was slow) but stayed bounded. */
  CHECK(c.max_queue >= OTLS_UV_HIGH_WATER_MARK);
  if (c.max_queue > OTLS_UV_HIGH_WATER_MARK + CHUNK)
    otls_test_fail(__FILE__, __LINE__, "write queue reached %zu bytes", c.max_queue);
  free(c.payload);
}

/* --- max_connections ------------------------------------------------------------- */

static struct client g_mc[3];
static void mc_on_close(otls_uv_socket *s, bool had_error);

static void start_third(struct env *e, otls_uv_socket *s) {
  if (e->secured == 2) {
    CHECK_INT(otls_uv_server_connections(e->srv), 2);
    client_start(e, &g_mc[2], 100, 2);
    otls_uv_socket_events ev = client_events;
    ev.on_close = mc_on_close;
    otls_uv_socket_set_events(g_mc[2].s, &ev);
  }
}

static void mc_on_close(otls_uv_socket *s, bool had_error) {
  struct client *c = otls_uv_socket_data(s);
  cl_on_close(s, had_error);
  if (c == &g_mc[2]) {
    /* The refused one is gone: let the first two finish. */
    for (int i = 0; i < 2; i++)
      client_send_more(&g_mc[i]);
  }
}

TEST(uv_connections_over_max_connections_are_closed_at_once) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  o.max_connections = 2;
  env_init(&e, &o);
  e.on_secure = start_third;
  memset(g_mc, 0, sizeof(g_mc));
  for (int i = 0; i < 2; i++) {
    g_mc[i].hold = true;
    client_start(&e, &g_mc[i], 1000, (unsigned)i);
  }
  otls_uv_socket_events ev = client_events;
  ev.on_close = mc_on_close;
  for (int i = 0; i < 2; i++)
    otls_uv_socket_set_events(g_mc[i].s, &ev);
  /* The third is started from secureConnection; its events are set there. */
  env_run_and_free(&e);
  CHECK_INT(e.secured, 2);
  CHECK(g_mc[2].closed);
  CHECK(!g_mc[2].secure);
  CHECK_ERR(g_mc[2].err, OTLS_E_CONNRESET);
  for (int i = 0; i < 2; i++) {
    CHECK_ERR(g_mc[i].err, 0);
    CHECK_INT(g_mc[i].got, 1000);
  }
  for (int i = 0; i < 3; i++)
    free(g_mc[i].payload);
}

/* --- a custom duplex: two in-memory ends on the loop ---------------------------- */

struct mem_end {
  uv_loop_t *loop;
  otls_uv_socket *s;
  struct mem_end *peer;
  uv_timer_t deliver; /* delivers `inbox` to s on the next tick */
  uint8_t *inbox;
  size_t inbox_len;
  bool reading, eof_pending, gone;
  unsigned writes;
};

static void mem_deliver(uv_timer_t *t) {
  struct mem_end *m = t->data;
  if (m->gone || !m->reading)
    return;
  if (m->inbox_len) {
    uint8_t *p = m->inbox;
    size_t n = m->inbox_len;
    m->inbox = NULL;
    m->inbox_len = 0;
    CHECK_ERR(otls_uv_socket_feed(m->s, p, n), 0);
    free(p);
  }
  if (m->eof_pending && !m->gone && m->inbox_len == 0) {
    m->eof_pending = false;
    CHECK_ERR(otls_uv_socket_feed_eof(m->s), 0);
  }
}

static int mem_write(otls_uv_socket *s, const uint8_t *buf, size_t len, void *data) {
  struct mem_end *m = data, *p = m->peer;
  m->writes++;
  if (!p->gone) {
    p->inbox = realloc(p->inbox, p->inbox_len + len);
    CHECK(p->inbox != NULL);
    memcpy(p->inbox + p->inbox_len, buf, len);
    p->inbox_len += len;
    CHECK_INT(uv_timer_start(&p->deliver, mem_deliver, 0, 0), 0);
  }
  otls_uv_socket_write_done(s, 0); /* allowed from inside write() */
  return 0;
}

static void mem_read_start(otls_uv_socket *s, void *data) {
  struct mem_end *m = data;
  m->reading = true;
  CHECK_INT(uv_timer_start(&m->deliver, mem_deliver, 0, 0), 0);
}

static void mem_read_stop(otls_uv_socket *s, void *data) {
  struct mem_end *m = data;
  m->reading = false;
}

static void mem_shutdown(otls_uv_socket *s, void *data) {
  struct mem_end *m = data, *p = m->peer;
  if (p->gone)
    return;
  p->eof_pending = true;
  CHECK_INT(uv_timer_start(&p->deliver, mem_deliver, 0, 0), 0);
}

static void mem_close(otls_uv_socket *s, void *data) {
  struct mem_end *m = data;
  m->gone = true;
  free(m->inbox);
  m->inbox = NULL;
  m->inbox_len = 0;
  uv_close((uv_handle_t *)&m->deliver, NULL);
}

static void mem_init(uv_loop_t *loop, struct mem_end *m, struct mem_end *peer, otls_uv_duplex *d) {
  memset(m, 0, sizeof(*m));
  m->loop = loop;
  m->peer = peer;
  CHECK_INT(uv_timer_init(loop, &m->deliver), 0);
  m->deliver.data = m;
  memset(d, 0, sizeof(*d));
  d->data = m;
  d->write = mem_write;
  d->read_start = mem_read_start;
  d->read_stop = mem_read_stop;
  d->shutdown = mem_shutdown;
  d->close = mem_close;
}

struct duplex_srv {
  bool secure, closed;
  size_t got;
};

static void dsrv_on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct duplex_srv *d = otls_uv_socket_data(s);
  d->got += len;
  int rv = otls_uv_socket_write(s, data, len, NULL, NULL);
  CHECK(rv >= 0);
  if (rv == 0)
    otls_uv_socket_pause(s);
}

static void dsrv_on_close(otls_uv_socket *s, bool had_error) {
  struct duplex_srv *d = otls_uv_socket_data(s);
  CHECK(!had_error);
  d->closed = true;
}

static void dsrv_on_secure(otls_uv_socket *s) {
  struct duplex_srv *d = otls_uv_socket_data(s);
  d->secure = true;
  CHECK_STR(otls_conn_servername(otls_uv_socket_conn(s)), "localhost");
}

static int g_write_cb_calls;

static void count_write_cb(otls_uv_socket *s, int status, void *arg) {
  CHECK_ERR(status, 0);
  g_write_cb_calls++;
}

TEST(uv_tls_runs_over_an_application_duplex_pair) {
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  otls_context *sctx = make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL);
  otls_context *cctx = make_ctx(NULL, NULL, "ca.pem");
  struct mem_end a, b;
  otls_uv_duplex da, db;
  mem_init(&loop, &a, &b, &da);
  mem_init(&loop, &b, &a, &db);

  otls_uv_socket_options so;
  otls_uv_socket_options_init(&so);
  so.is_server = true;
  so.handshake_timeout_ms = 10000;
  struct duplex_srv ds = {0};
  CHECK_ERR(otls_uv_wrap(&b.s, &loop, sctx, &db, &so, dsrv_on_secure), 0);
  otls_uv_socket_set_data(b.s, &ds);
  otls_uv_socket_events sev = {
      .on_data = dsrv_on_data, .on_drain = srv_on_drain, .on_close = dsrv_on_close};
  otls_uv_socket_set_events(b.s, &sev);

  otls_uv_socket_options co;
  otls_uv_socket_options_init(&co);
  co.servername = "localhost";
  struct client c = {0};
  fill_payload(&c, 100000, 9);
  CHECK_ERR(otls_uv_wrap(&a.s, &loop, cctx, &da, &co, cl_on_secure), 0);
  c.s = a.s;
  struct env e; /* only the counters of cl_on_close */
  memset(&e, 0, sizeof(e));
  e.nclients = 1;
  c.env = &e;
  otls_uv_socket_set_data(a.s, &c);
  otls_uv_socket_set_events(a.s, &client_events);
  /* A write before the handshake is queued, then sent; its cb fires. */
  c.hold = true;
  CHECK_INT(otls_uv_socket_write(a.s, c.payload, 10, count_write_cb, NULL), 1);
  c.sent = 10;
  c.hold = false;
  struct sockaddr_storage ss;
  CHECK_ERR(otls_uv_socket_remote_address(a.s, &ss), OTLS_E_STATE);
  CHECK_ERR(otls_uv_socket_feed(NULL, "x", 1), OTLS_E_INVAL);

  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&loop), 0);
  CHECK(c.secure);
  CHECK(c.closed);
  CHECK_ERR(c.err, 0);
  CHECK_INT(c.got, 100000);
  CHECK(ds.secure);
  CHECK(ds.closed);
  CHECK_INT(ds.got, 100000);
  CHECK_INT(g_write_cb_calls, 1);
  CHECK(a.writes > 0 && b.writes > 0);
  free(c.payload);
  otls_context_free(sctx);
  otls_context_free(cctx);
}

/* --- errors ----------------------------------------------------------------------- */

static void store_error(otls_uv_socket *s, int err) {
  *(int *)otls_uv_socket_data(s) = err;
}

TEST(uv_connect_to_a_closed_port_reports_connection_refused) {
  struct env e;
  env_init(&e, NULL);
  /* Find a free port: bind a server, read its port, close it. */
  otls_uv_server_options o;
  server_options(&o, &e);
  otls_uv_server *srv;
  CHECK_ERR(otls_uv_server_new(&srv, &e.loop, e.sctx, &o), 0);
  CHECK_ERR(otls_uv_server_listen(srv, "127.0.0.1", 0), 0);
  CHECK_ERR(otls_uv_server_listen(srv, "127.0.0.1", 0), OTLS_E_INVAL);
  unsigned port = otls_uv_server_port(srv);
  otls_uv_server_close(srv, NULL);
  CHECK_INT(uv_run(&e.loop, UV_RUN_NOWAIT), 0);
  int err = 0;
  otls_uv_socket *s;
  CHECK_ERR(otls_uv_connect(&s, &e.loop, e.cctx, "127.0.0.1", port, NULL, NULL), 0);
  otls_uv_socket_set_data(s, &err);
  otls_uv_socket_events ev = {.on_error = store_error};
  otls_uv_socket_set_events(s, &ev);
  otls_uv_socket *bad = s;
  CHECK_ERR(otls_uv_connect(&bad, &e.loop, e.cctx, "127.0.0.1", 0, NULL, NULL), OTLS_E_INVAL);
  CHECK(bad == NULL);
  env_run_and_free(&e);
  CHECK_ERR(err, OTLS_E_CONNREFUSED);
}

/* --- server events answered later: SNI, newSession; ALPN; client sessions ------------ */

struct ext_env {
  struct env e;
  otls_context *ec_ctx, *client12;
  int sni_calls, new_session_calls;
  char sni_name[64];
  uint8_t *session; /* the client's, from on_session */
  size_t session_len;
  int session_events;
  int round; /* 0: full handshake, 1: resumed */
  bool reused[2];
  bool alpn_h2[2], leaf_ec[2];
};

struct later {
  uv_timer_t t;
  otls_uv_socket *s;
  int what; /* 0 sni, 1 new session */
  otls_context *ctx;
};

static void later_fire(uv_timer_t *t) {
  struct later *l = t->data;
  if (l->what == 0)
    CHECK_ERR(otls_uv_sni_done(l->s, l->ctx, 0), 0);
  else
    CHECK_ERR(otls_uv_new_session_done(l->s), 0);
  uv_close((uv_handle_t *)t, (uv_close_cb)free);
}

static void answer_later(otls_uv_server *srv, otls_uv_socket *s, int what, otls_context *ctx) {
  struct later *l = calloc(1, sizeof(*l));
  CHECK(l != NULL);
  l->s = s;
  l->what = what;
  l->ctx = ctx;
  l->t.data = l;
  CHECK_INT(uv_timer_init(otls_uv_server_loop(srv), &l->t), 0);
  CHECK_INT(uv_timer_start(&l->t, later_fire, 20, 0), 0);
}

static void ext_on_sni(otls_uv_server *srv, otls_uv_socket *s, const char *name) {
  struct ext_env *x = otls_uv_server_data(srv);
  x->sni_calls++;
  snprintf(x->sni_name, sizeof(x->sni_name), "%s", name);
  answer_later(srv, s, 0, x->ec_ctx);
}

static void ext_on_session(otls_conn *c, const uint8_t *blob, size_t len, void *user) {
  (void)c;
  struct ext_env *x = user;
  x->session_events++;
  free(x->session);
  x->session = malloc(len);
  CHECK(x->session != NULL);
  memcpy(x->session, blob, len);
  x->session_len = len;
}

static void ext_client_closed(otls_uv_socket *s, bool had_error) {
  struct ext_env *x = otls_uv_socket_data(s);
  CHECK(!had_error);
  x->e.closed++;
}

static void ext_on_secure_client(otls_uv_socket *s);

static void ext_connect(struct ext_env *x) {
  static const uint8_t alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1', 2, 'h', '2'};
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.alpn_protocols = alpn;
  co.alpn_protocols_len = sizeof(alpn);
  co.on_session = ext_on_session;
  co.user = x;
  co.session = x->round ? x->session : NULL;
  co.session_len = x->round ? x->session_len : 0;
  otls_uv_socket_options so;
  otls_uv_socket_options_init(&so);
  so.servername = "ec.example.test";
  so.reject_unauthorized = 0;
  so.conn_options = &co;
  otls_uv_socket *s;
  CHECK_ERR(otls_uv_connect(&s, &x->e.loop, x->client12, "127.0.0.1",
                            otls_uv_server_port(x->e.srv), &so, ext_on_secure_client),
            0);
  otls_uv_socket_set_data(s, x);
  otls_uv_socket_events ev = {.on_close = ext_client_closed};
  otls_uv_socket_set_events(s, &ev);
}

static void ext_on_secure_client(otls_uv_socket *s) {
  struct ext_env *x = otls_uv_socket_data(s);
  otls_conn *c = otls_uv_socket_conn(s);
  size_t len = 0;
  const uint8_t *p = otls_conn_alpn_protocol(c, &len);
  x->alpn_h2[x->round] = p && len == 2 && memcmp(p, "h2", 2) == 0;
  otls_cert *leaf = NULL;
  CHECK_ERR(otls_cert_peer(c, false, &leaf), 0);
  x->leaf_ec[x->round] = leaf && otls_cert_asn1_curve(leaf) != NULL;
  otls_cert_free(leaf);
  x->reused[x->round] = otls_conn_is_session_reused(c);
  CHECK_ERR(otls_uv_socket_end(s), 0);
}

static void ext_on_secure_server(struct env *e, otls_uv_socket *s) {
  struct ext_env *x = (struct ext_env *)e;
  (void)s;
  if (x->round == 0 && e->secured == 1) {
    /* Let the first client finish (it holds the session by then). */
  }
}

static void ext_next(uv_timer_t *t) {
  struct ext_env *x = t->data;
  if (x->round == 0 && x->e.closed == 1 && x->session) {
    x->round = 1;
    ext_connect(x);
  } else if (x->round == 1 && x->e.closed == 2) {
    uv_close((uv_handle_t *)t, NULL);
    otls_uv_server_close(x->e.srv, on_srv_closed);
  }
}

TEST(uv_server_answers_sni_later_with_alpn_and_ticket_resumption) {
  struct ext_env x;
  memset(&x, 0, sizeof(x));
  static const uint8_t srv_alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.alpn_protocols = srv_alpn;
  co.alpn_protocols_len = sizeof(srv_alpn);
  otls_uv_server_options o;
  server_options(&o, &x.e);
  o.data = &x;
  o.conn_options = &co;
  o.on_sni = ext_on_sni;
  env_init(&x.e, &o);
  x.e.on_secure = ext_on_secure_server;
  x.e.close_server_when_done = false;
  x.ec_ctx = make_ctx("server-ec-chain.pem", "server-ec.key", NULL);
  otls_context_options copts;
  otls_context_options_init(&copts);
  copts.max_version = "TLSv1.2";
  otls_source ca = otls_source_file(pki("ca.pem"));
  copts.ca = &ca;
  copts.ca_count = 1;
  CHECK_ERR(otls_context_new(&x.client12, &copts, NULL, 0), 0);
  ext_connect(&x);
  uv_timer_t next;
  CHECK_INT(uv_timer_init(&x.e.loop, &next), 0);
  next.data = &x;
  CHECK_INT(uv_timer_start(&next, ext_next, 10, 10), 0);
  env_run_and_free(&x.e);
  CHECK_INT(x.sni_calls, 2);
  CHECK_STR(x.sni_name, "ec.example.test");
  CHECK(x.alpn_h2[0] && x.alpn_h2[1]);
  CHECK(x.leaf_ec[0] && x.leaf_ec[1]);
  CHECK(!x.reused[0]);
  CHECK(x.reused[1]);
  CHECK(x.session_events >= 1);
  CHECK_INT(x.e.secured, 2);
  CHECK_INT(x.e.nclient_errors, 0);
  free(x.session);
  otls_context_free(x.ec_ctx);
  otls_context_free(x.client12);
}

/* A TLS 1.2 server that issues no tickets: it resumes by session id only. */
static otls_context *make_tls12_session_id_server_ctx(void) {
  otls_context_options so;
  otls_context_options_init(&so);
  otls_source cert = otls_source_file(pki("server-rsa-chain.pem"));
  otls_source key = otls_source_file(pki("server-rsa.key"));
  so.cert = &cert;
  so.cert_count = 1;
  so.key = &key;
  so.key_count = 1;
  so.secure_options = OTLS_OP_NO_TICKET;
  so.max_version = "TLSv1.2";
  otls_context *ctx;
  CHECK_ERR(otls_context_new(&ctx, &so, NULL, 0), 0);
  return ctx;
}

/* newSession (a TLS 1.2 server without tickets) and OCSPRequest, both answered later. */
static uint8_t *ocsp_bytes;
static size_t ocsp_len;

struct later2 {
  uv_timer_t t;
  otls_uv_socket *s;
};

static void ocsp_fire(uv_timer_t *t) {
  struct later2 *l = t->data;
  CHECK_ERR(otls_uv_ocsp_done(l->s, ocsp_bytes, ocsp_len, 0), 0);
  uv_close((uv_handle_t *)t, (uv_close_cb)free);
}

static void ext_on_ocsp(otls_uv_server *srv, otls_uv_socket *s, const uint8_t *cert,
                        size_t cert_len, const uint8_t *issuer, size_t issuer_len) {
  CHECK(cert_len > 0 && issuer_len > 0 && cert && issuer);
  struct later2 *l = calloc(1, sizeof(*l));
  CHECK(l != NULL);
  l->s = s;
  l->t.data = l;
  CHECK_INT(uv_timer_init(otls_uv_server_loop(srv), &l->t), 0);
  CHECK_INT(uv_timer_start(&l->t, ocsp_fire, 20, 0), 0);
}

struct ns_env {
  struct env e;
  int news;
  bool stapled;
};

static void ns_client_secure(otls_uv_socket *s) {
  struct ns_env *x = otls_uv_socket_data(s);
  size_t len = 0;
  const uint8_t *p = otls_conn_ocsp_response(otls_uv_socket_conn(s), &len);
  x->stapled = p && len == ocsp_len && memcmp(p, ocsp_bytes, len) == 0;
  CHECK_ERR(otls_uv_socket_end(s), 0);
}

static void ns_client_closed(otls_uv_socket *s, bool had_error) {
  struct ns_env *x = otls_uv_socket_data(s);
  CHECK(!had_error);
  otls_uv_server_close(x->e.srv, on_srv_closed);
}

static void ns_on_new_session(otls_uv_server *srv, otls_uv_socket *s, const uint8_t *id,
                              size_t id_len, const uint8_t *data, size_t len) {
  struct ns_env *x = otls_uv_server_data(srv);
  (void)id, (void)id_len, (void)data, (void)len;
  x->news++;
  answer_later(srv, s, 1, NULL);
}

TEST(uv_server_answers_new_session_and_ocsp_request_later) {
  if (!otls_backend_has(OTLS_CAP_OCSP_CLIENT) || !otls_backend_has(OTLS_CAP_OCSP_STAPLE))
    otls_test_skip("no OCSP stapling to a client that can read it on this backend");
  struct ns_env x;
  memset(&x, 0, sizeof(x));
  FILE *f = fopen(pki("ocsp-good.der"), "rb");
  CHECK(f != NULL);
  static uint8_t buf[8192];
  ocsp_len = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  ocsp_bytes = buf;
  otls_uv_server_options o;
  server_options(&o, &x.e);
  o.data = &x;
  o.on_new_session = ns_on_new_session;
  o.on_ocsp_request = ext_on_ocsp;
  memset(&x.e, 0, sizeof(x.e));
  CHECK_INT(uv_loop_init(&x.e.loop), 0);
  x.e.sctx = NULL;
  /* A TLS 1.2 server without tickets: the session id goes to newSession. */
  x.e.sctx = make_tls12_session_id_server_ctx();
  x.e.cctx = make_ctx(NULL, NULL, "ca.pem");
  CHECK_ERR(otls_uv_server_new(&x.e.srv, &x.e.loop, x.e.sctx, &o), 0);
  CHECK_ERR(otls_uv_server_listen(x.e.srv, "127.0.0.1", 0), 0);
  CHECK_INT(uv_timer_init(&x.e.loop, &x.e.watchdog), 0);
  CHECK_INT(uv_timer_start(&x.e.watchdog, on_watchdog, 60000, 0), 0);
  uv_unref((uv_handle_t *)&x.e.watchdog);
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.request_ocsp = true;
  otls_uv_socket_options cso;
  otls_uv_socket_options_init(&cso);
  cso.conn_options = &co;
  otls_uv_socket *s;
  CHECK_ERR(otls_uv_connect(&s, &x.e.loop, x.e.cctx, "localhost", otls_uv_server_port(x.e.srv),
                            &cso, ns_client_secure),
            0);
  otls_uv_socket_set_data(s, &x);
  otls_uv_socket_events ev = {.on_close = ns_client_closed};
  otls_uv_socket_set_events(s, &ev);
  env_run_and_free(&x.e);
  CHECK_INT(x.news, 1);
  CHECK(x.stapled);
  CHECK_INT(x.e.secured, 1);
}

/* --- unix-domain sockets ----------------------------------------------------------- */

struct tmpdir {
  char dir[64];
  char path[128];
};

static void tmpdir_make(struct tmpdir *t) {
  snprintf(t->dir, sizeof(t->dir), "/tmp/otls-uv-XXXXXX");
  CHECK(mkdtemp(t->dir) != NULL);
  snprintf(t->path, sizeof(t->path), "%s/tls.sock", t->dir);
}

static void tmpdir_remove(struct tmpdir *t) {
  (void)unlink(t->path);
  CHECK_INT(rmdir(t->dir), 0);
}

static void unix_greet(struct env *e, otls_uv_socket *s) {
  (void)e;
  struct sockaddr_storage ss;
  CHECK_ERR(otls_uv_socket_local_address(s, &ss), 0);
  CHECK_INT(ss.ss_family, AF_UNIX);
  CHECK(strstr(((struct sockaddr_un *)&ss)->sun_path, "/tls.sock") != NULL);
  CHECK_ERR(otls_uv_socket_remote_address(s, &ss), 0);
  CHECK_INT(ss.ss_family, AF_UNIX);
  CHECK_STR(((struct sockaddr_un *)&ss)->sun_path, ""); /* an unnamed client end */
}

static void cl_unix_secure(otls_uv_socket *s) {
  struct client *c = otls_uv_socket_data(s);
  struct sockaddr_storage ss;
  CHECK_ERR(otls_uv_socket_remote_address(s, &ss), 0);
  CHECK_INT(ss.ss_family, AF_UNIX);
  CHECK(strstr(((struct sockaddr_un *)&ss)->sun_path, "/tls.sock") != NULL);
  /* The host defaults to "localhost", as in Node: SNI and identity. */
  CHECK_STR(otls_conn_servername(otls_uv_socket_conn(s)), "localhost");
  (void)c;
  cl_on_secure(s);
}

TEST(uv_server_and_client_echo_over_a_unix_socket) {
  struct tmpdir t;
  tmpdir_make(&t);
  struct env e;
  env_init(&e, NULL);
  e.on_secure = unix_greet;
  otls_uv_server_options o;
  server_options(&o, &e);
  CHECK_ERR(otls_uv_server_new(&e.srv, &e.loop, e.sctx, &o), 0);
  CHECK_ERR(otls_uv_server_address(e.srv, &(struct sockaddr_storage){0}), OTLS_E_STATE);
  CHECK_ERR(otls_uv_server_listen_path(e.srv, t.path), 0);
  CHECK_ERR(otls_uv_server_listen_path(e.srv, t.path), OTLS_E_INVAL); /* already listening */
  struct stat st;
  CHECK_INT(stat(t.path, &st), 0);
  CHECK(S_ISSOCK(st.st_mode));
  /* address(): AF_UNIX and the path; no port. */
  struct sockaddr_storage ss;
  CHECK_ERR(otls_uv_server_address(e.srv, &ss), 0);
  CHECK_INT(ss.ss_family, AF_UNIX);
  CHECK_STR(((struct sockaddr_un *)&ss)->sun_path, t.path);
  CHECK_INT(otls_uv_server_port(e.srv), 0);

  /* Node: listen(path) on a path that is taken is EADDRINUSE. */
  otls_uv_server *other;
  CHECK_ERR(otls_uv_server_new(&other, &e.loop, e.sctx, &o), 0);
  CHECK_ERR(otls_uv_server_listen_path(other, t.path), OTLS_E_ADDRINUSE);
  CHECK_ERR(otls_uv_server_listen_path(other, ""), OTLS_E_INVAL);
  otls_uv_server_close(other, NULL);

  struct client c = {0};
  c.env = &e;
  fill_payload(&c, 100000, 4);
  CHECK_ERR(otls_uv_connect_path(&c.s, &e.loop, e.cctx, t.path, NULL, cl_unix_secure), 0);
  otls_uv_socket_set_data(c.s, &c);
  otls_uv_socket_set_events(c.s, &client_events);
  e.nclients = 1;
  env_run_and_free(&e);
  CHECK(c.secure);
  CHECK_ERR(c.err, 0);
  CHECK_INT(c.got, 100000);
  CHECK_INT(e.srv_bytes, 100000);
  CHECK_INT(e.secured, 1);
  CHECK(e.srv_closed);
  /* libuv removed the socket file when the server closed. */
  CHECK_INT(stat(t.path, &st), -1);
  CHECK_INT(errno, ENOENT);
  free(c.payload);
  tmpdir_remove(&t);
}

TEST(uv_connect_path_to_a_missing_socket_reports_enoent) {
  struct tmpdir t;
  tmpdir_make(&t);
  struct env e;
  env_init(&e, NULL);
  int err = 0;
  otls_uv_socket *s;
  CHECK_ERR(otls_uv_connect_path(&s, &e.loop, e.cctx, t.path, NULL, NULL), 0);
  otls_uv_socket_set_data(s, &err);
  otls_uv_socket_events ev = {.on_error = store_error};
  otls_uv_socket_set_events(s, &ev);
  char longpath[200];
  memset(longpath, 'a', sizeof(longpath) - 1);
  longpath[sizeof(longpath) - 1] = '\0';
  otls_uv_socket *bad;
  CHECK_ERR(otls_uv_connect_path(&bad, &e.loop, e.cctx, longpath, NULL, NULL), OTLS_E_INVAL);
  CHECK(bad == NULL);
  env_run_and_free(&e);
  CHECK_ERR(err, OTLS_E_FILE);
  CHECK_STR(otls_err_name(err), "ENOENT");
  tmpdir_remove(&t);
}

/* --- a client on an fd the application connected ------------------------------- */

static otls_uv_server *g_usrv;

static void fd_on_close(otls_uv_socket *s, bool had_error) {
  struct client *c = otls_uv_socket_data(s);
  cl_on_close(s, had_error); /* closes the TCP server after the last one */
  if (c->env->closed == c->env->nclients)
    otls_uv_server_close(g_usrv, NULL);
}

static bool fd_is_closed(int fd) {
  return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

static int connect_blocking(const struct sockaddr *sa, socklen_t len) {
  int fd = socket(sa->sa_family, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  CHECK_INT(connect(fd, sa, len), 0);
  return fd;
}

TEST(uv_client_runs_over_already_connected_tcp_and_unix_fds) {
  struct tmpdir t;
  tmpdir_make(&t);
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o); /* TCP server on 127.0.0.1 */
  otls_uv_server *usrv;
  CHECK_ERR(otls_uv_server_new(&usrv, &e.loop, e.sctx, &o), 0);
  CHECK_ERR(otls_uv_server_listen_path(usrv, t.path), 0);
  g_usrv = usrv;

  /* Not a connected socket: refused, and the fd stays ours. */
  int lone = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(lone >= 0);
  otls_uv_socket *bad;
  CHECK_ERR(otls_uv_connect_fd(&bad, &e.loop, e.cctx, lone, NULL, NULL), OTLS_E_INVAL);
  CHECK(bad == NULL);
  CHECK_INT(close(lone), 0);
  CHECK_ERR(otls_uv_connect_fd(&bad, &e.loop, e.cctx, -1, NULL, NULL), OTLS_E_INVAL);

  struct sockaddr_in in;
  CHECK_INT(uv_ip4_addr("127.0.0.1", (int)otls_uv_server_port(e.srv), &in), 0);
  int tfd = connect_blocking((struct sockaddr *)&in, sizeof(in));
  struct sockaddr_un un;
  memset(&un, 0, sizeof(un));
  un.sun_family = AF_UNIX;
  CHECK(strlen(t.path) < sizeof(un.sun_path));
  memcpy(un.sun_path, t.path, strlen(t.path) + 1);
  int ufd = connect_blocking((struct sockaddr *)&un, sizeof(un));

  struct client c[2];
  memset(c, 0, sizeof(c));
  int fds[2] = {tfd, ufd};
  otls_uv_socket_events ev = client_events;
  ev.on_close = fd_on_close;
  for (int i = 0; i < 2; i++) {
    c[i].env = &e;
    fill_payload(&c[i], 70000, (unsigned)i);
    CHECK_ERR(otls_uv_connect_fd(&c[i].s, &e.loop, e.cctx, fds[i], NULL, cl_on_secure), 0);
    otls_uv_socket_set_data(c[i].s, &c[i]);
    otls_uv_socket_set_events(c[i].s, &ev);
  }
  e.nclients = 2;
  struct sockaddr_storage ss;
  CHECK_ERR(otls_uv_socket_remote_address(c[0].s, &ss), 0);
  CHECK_INT(ss.ss_family, AF_INET);
  CHECK_INT(ntohs(((struct sockaddr_in *)&ss)->sin_port), otls_uv_server_port(e.srv));
  CHECK_ERR(otls_uv_socket_remote_address(c[1].s, &ss), 0);
  CHECK_INT(ss.ss_family, AF_UNIX);
  env_run_and_free(&e);
  for (int i = 0; i < 2; i++) {
    CHECK(c[i].secure);
    CHECK_ERR(c[i].err, 0);
    CHECK_INT(c[i].got, 70000);
    free(c[i].payload);
  }
  CHECK_INT(e.secured, 2);
  /* The sockets owned the fds and closed them. */
  CHECK(fd_is_closed(tfd));
  CHECK(fd_is_closed(ufd));
  tmpdir_remove(&t);
}

/* --- the lookup hook (Node.js: `lookup`) ------------------------------------------- */

struct lookup_env {
  int calls;
  char host[64];
  unsigned port;
  bool later; /* answer from a timer rather than from inside the hook */
  int fail_with; /* answer with this error instead of an address */
  uv_timer_t t;
  otls_uv_socket *s;
};

static void lookup_answer(otls_uv_socket *s, struct lookup_env *l) {
  if (l->fail_with) {
    CHECK_ERR(otls_uv_lookup_done(s, NULL, 0, l->fail_with), 0);
    return;
  }
  /* The made-up name is the loopback: one IPv4 address (port ignored). */
  struct sockaddr_storage a;
  memset(&a, 0, sizeof(a));
  CHECK_INT(uv_ip4_addr("127.0.0.1", 1, (struct sockaddr_in *)&a), 0);
  CHECK_ERR(otls_uv_lookup_done(s, &a, 1, 0), 0);
  CHECK_ERR(otls_uv_lookup_done(s, &a, 1, 0), OTLS_E_STATE); /* answered already */
}

static void lookup_later(uv_timer_t *t) {
  struct lookup_env *l = t->data;
  lookup_answer(l->s, l);
  uv_close((uv_handle_t *)t, NULL);
}

static void test_lookup(otls_uv_socket *s, const char *host, unsigned port, void *data) {
  struct lookup_env *l = data;
  l->calls++;
  snprintf(l->host, sizeof(l->host), "%s", host);
  l->port = port;
  if (!l->later) {
    lookup_answer(s, l);
    return;
  }
  l->s = s;
  l->t.data = l;
  struct client *c = otls_uv_socket_data(s);
  CHECK_INT(uv_timer_init(&c->env->loop, &l->t), 0);
  CHECK_INT(uv_timer_start(&l->t, lookup_later, 20, 0), 0);
}

static unsigned g_lookup_port;

static void lookup_on_error(otls_uv_socket *s, int err) {
  cl_on_error(s, err);
  /* The detail names the host that failed. */
  if (strstr(otls_uv_socket_error(s), "echo.omnitls.invalid") == NULL)
    otls_test_fail(__FILE__, __LINE__, "detail \"%s\" does not name the host",
                   otls_uv_socket_error(s));
}

static void lookup_client(struct env *e, struct client *c, struct lookup_env *l) {
  g_lookup_port = otls_uv_server_port(e->srv);
  otls_uv_socket_options so;
  otls_uv_socket_options_init(&so);
  so.lookup = test_lookup;
  so.lookup_data = l;
  so.servername = "localhost"; /* the certificate's name */
  c->env = e;
  fill_payload(c, 3000, 5);
  CHECK_ERR(otls_uv_connect(&c->s, &e->loop, e->cctx, "echo.omnitls.invalid",
                            otls_uv_server_port(e->srv), &so, cl_on_secure),
            0);
  otls_uv_socket_set_data(c->s, c);
  otls_uv_socket_events ev = client_events;
  ev.on_error = lookup_on_error;
  otls_uv_socket_set_events(c->s, &ev);
  CHECK_INT(l->calls, 0); /* never from inside connect() */
  e->nclients++;
}

TEST(uv_lookup_hook_maps_a_made_up_name_to_loopback) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  struct lookup_env now = {0}, later = {.later = true};
  struct client c[2];
  memset(c, 0, sizeof(c));
  lookup_client(&e, &c[0], &now);
  lookup_client(&e, &c[1], &later);
  env_run_and_free(&e);
  struct lookup_env *ls[2] = {&now, &later};
  for (int i = 0; i < 2; i++) {
    CHECK_INT(ls[i]->calls, 1);
    CHECK_STR(ls[i]->host, "echo.omnitls.invalid");
    CHECK_INT(ls[i]->port, g_lookup_port);
    CHECK(c[i].secure);
    CHECK_ERR(c[i].err, 0);
    CHECK_INT(c[i].got, 3000);
    free(c[i].payload);
  }
  CHECK_INT(e.secured, 2);
}

TEST(uv_lookup_hook_failure_reaches_on_error_with_its_code) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  struct lookup_env notfound = {.later = true, .fail_with = OTLS_E_NOTFOUND};
  struct lookup_env timedout = {.fail_with = OTLS_E_TIMEDOUT};
  struct client c[2];
  memset(c, 0, sizeof(c));
  lookup_client(&e, &c[0], &notfound);
  lookup_client(&e, &c[1], &timedout);
  env_run_and_free(&e);
  CHECK_ERR(c[0].err, OTLS_E_NOTFOUND);
  CHECK_STR(otls_err_name(c[0].err), "ENOTFOUND");
  CHECK_ERR(c[1].err, OTLS_E_TIMEDOUT);
  CHECK(c[0].closed && c[1].closed);
  CHECK(!c[0].secure && !c[1].secure);
  CHECK_INT(e.secured, 0);
  CHECK_INT(e.nclient_errors, 0); /* nothing ever reached the server */
  free(c[0].payload);
  free(c[1].payload);
}

/* --- idle timeout (Node.js: socket.setTimeout) ------------------------------------- */

enum { IDLE_MS = 200 };

struct idle_client {
  struct client c; /* first: cl_on_* find it through the socket's data */
  int fires;
  uint64_t armed_at, fired_at[4];
  bool echoed;
};

static void idle_on_timeout(otls_uv_socket *s) {
  struct idle_client *ic = otls_uv_socket_data(s);
  uv_loop_t *loop = &ic->c.env->loop;
  CHECK(ic->fires < 4);
  ic->fired_at[ic->fires++] = uv_now(loop);
  /* The socket is still open: Node leaves it to the listener. */
  CHECK(!ic->c.closed);
  CHECK(ic->c.s != NULL);
  if (ic->fires == 1) {
    /* First idle period: now send; the echo is activity. */
    client_send_more(&ic->c);
  } else {
    /* Idle again after the echo: end. */
    CHECK(ic->echoed);
    CHECK_ERR(otls_uv_socket_end(s), 0);
  }
}

static void idle_on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct idle_client *ic = otls_uv_socket_data(s);
  ic->c.got += len;
  if (ic->c.got == ic->c.len) {
    ic->echoed = true;
    ic->armed_at = uv_now(&ic->c.env->loop);
  }
}

static void idle_on_secure(otls_uv_socket *s) {
  struct idle_client *ic = otls_uv_socket_data(s);
  ic->c.secure = true;
  CHECK_ERR(otls_uv_socket_set_timeout(s, 50, NULL), 0); /* replaced below */
  CHECK_ERR(otls_uv_socket_set_timeout(s, 0, NULL), 0);  /* off */
  CHECK_ERR(otls_uv_socket_set_timeout(s, IDLE_MS, idle_on_timeout), 0);
  ic->armed_at = uv_now(&ic->c.env->loop);
}

TEST(uv_set_timeout_fires_on_an_idle_socket_without_closing_it) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  struct idle_client ic;
  memset(&ic, 0, sizeof(ic));
  ic.c.env = &e;
  ic.c.hold = true;
  fill_payload(&ic.c, 2000, 6);
  CHECK_ERR(otls_uv_connect(&ic.c.s, &e.loop, e.cctx, "127.0.0.1", otls_uv_server_port(e.srv),
                            NULL, idle_on_secure),
            0);
  CHECK_ERR(otls_uv_socket_set_timeout(NULL, 10, NULL), OTLS_E_INVAL);
  otls_uv_socket_set_data(ic.c.s, &ic);
  otls_uv_socket_events ev = client_events;
  ev.on_data = idle_on_data;
  otls_uv_socket_set_events(ic.c.s, &ev);
  e.nclients = 1;
  uint64_t t0 = uv_now(&e.loop);
  env_run_and_free(&e);
  CHECK_ERR(ic.c.err, 0);
  CHECK(ic.c.closed);
  CHECK(ic.echoed);
  CHECK_INT(ic.c.got, 2000);
  /* Fired exactly twice: once idle after the handshake (the 50 ms one was
   * replaced and turned off), once idle after the echo. */
  CHECK_INT(ic.fires, 2);
  CHECK(ic.fired_at[0] >= t0 + IDLE_MS);
  CHECK(ic.fired_at[1] >= ic.armed_at + IDLE_MS - 1);
  free(ic.c.payload);
}

/* --- write requests are reused (DESIGN.md §6: no allocation per record) ------------- */

size_t otls__uv_socket_write_allocs(const otls_uv_socket *s); /* core/uv.c, for tests */

enum { PING_COUNT = 2000, PING_LEN = 3000, PING_WARM = 200 };

struct ping {
  struct env *env;
  otls_uv_socket *s, *srv_s;
  uint8_t buf[PING_LEN];
  unsigned sent, echoed;
  size_t got;
  size_t c_allocs_warm, s_allocs_warm, c_allocs_end, s_allocs_end;
};

static struct ping g_ping;

static void ping_send(struct ping *p) {
  memset(p->buf, (int)(p->sent & 0xff), sizeof(p->buf));
  CHECK(otls_uv_socket_write(p->s, p->buf, sizeof(p->buf), NULL, NULL) >= 0);
  p->sent++;
}

static void ping_on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct ping *p = otls_uv_socket_data(s);
  p->got += len;
  while (p->got >= PING_LEN * (size_t)(p->echoed + 1))
    p->echoed++;
  if (p->echoed < p->sent)
    return;
  if (p->echoed == PING_WARM) {
    p->c_allocs_warm = otls__uv_socket_write_allocs(p->s);
    p->s_allocs_warm = otls__uv_socket_write_allocs(p->srv_s);
  }
  if (p->sent < PING_COUNT) {
    ping_send(p);
    return;
  }
  p->c_allocs_end = otls__uv_socket_write_allocs(p->s);
  p->s_allocs_end = otls__uv_socket_write_allocs(p->srv_s);
  CHECK_ERR(otls_uv_socket_end(s), 0);
}

static void ping_on_secure(otls_uv_socket *s) {
  ping_send(otls_uv_socket_data(s));
}

static void ping_srv_secure(struct env *e, otls_uv_socket *s) {
  (void)e;
  g_ping.srv_s = s;
}

static void ping_on_close(otls_uv_socket *s, bool had_error) {
  struct ping *p = otls_uv_socket_data(s);
  CHECK(!had_error);
  otls_uv_server_close(p->env->srv, on_srv_closed);
}

TEST(uv_steady_writes_reuse_their_write_requests) {
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  e.on_secure = ping_srv_secure;
  memset(&g_ping, 0, sizeof(g_ping));
  g_ping.env = &e;
  CHECK_ERR(otls_uv_connect(&g_ping.s, &e.loop, e.cctx, "127.0.0.1", otls_uv_server_port(e.srv),
                            NULL, ping_on_secure),
            0);
  otls_uv_socket_set_data(g_ping.s, &g_ping);
  otls_uv_socket_events ev = {.on_data = ping_on_data, .on_close = ping_on_close};
  otls_uv_socket_set_events(g_ping.s, &ev);
  env_run_and_free(&e);
  CHECK_INT(g_ping.echoed, PING_COUNT);
  CHECK_INT(e.srv_bytes, (size_t)PING_COUNT * PING_LEN);
  /* Some requests while warming up (handshake flights, the first records)... */
  CHECK(g_ping.c_allocs_warm >= 1);
  CHECK(g_ping.s_allocs_warm >= 1);
  /* ...and none at all for the 1,800 round trips after. */
  CHECK_INT(g_ping.c_allocs_end, g_ping.c_allocs_warm);
  CHECK_INT(g_ping.s_allocs_end, g_ping.s_allocs_warm);
}

/* --- resumption: a client that keeps the newest session --------------------------- */

/*
 * The server answers each connection with one byte — who served it (a
 * server or worker index) and whether the server resumed — then ends.
 * The client offers its newest session and remembers who issued it.
 */
struct rclient {
  uv_loop_t *loop;
  otls_context *cctx;
  uint8_t *session, *fresh;
  size_t session_len, fresh_len;
  int session_src; /* who served the connection that gave `session` */
  int offered_src; /* the same, for the session offered this time */
  bool reused, srv_reused, done, secure;
  int served_by, err;
};

static void rc_on_session(otls_conn *c, const uint8_t *blob, size_t len, void *user) {
  (void)c;
  struct rclient *r = user;
  free(r->fresh);
  r->fresh = malloc(len);
  CHECK(r->fresh != NULL);
  memcpy(r->fresh, blob, len);
  r->fresh_len = len;
}

static void rc_on_secure(otls_uv_socket *s) {
  struct rclient *r = otls_uv_socket_data(s);
  r->secure = true;
  r->reused = otls_conn_is_session_reused(otls_uv_socket_conn(s));
}

static void rc_on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct rclient *r = otls_uv_socket_data(s);
  CHECK_INT(len, 1);
  CHECK_INT(r->served_by, -1);
  r->served_by = data[0] & 0x7f;
  r->srv_reused = (data[0] & 0x80) != 0;
}

static void rc_on_error(otls_uv_socket *s, int err) {
  struct rclient *r = otls_uv_socket_data(s);
  r->err = err;
  otls_test_fail(__FILE__, __LINE__, "client: %s (%s)", otls_err_name(err), otls_uv_socket_error(s));
}

static void rc_on_close(otls_uv_socket *s, bool had_error) {
  struct rclient *r = otls_uv_socket_data(s);
  CHECK(!had_error);
  r->done = true;
}

/* Start one connection to 127.0.0.1:port offering the newest session. */
static void rc_start(struct rclient *r, unsigned port) {
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.on_session = rc_on_session;
  co.user = r;
  co.session = r->session;
  co.session_len = r->session_len;
  otls_uv_socket_options so;
  otls_uv_socket_options_init(&so);
  so.servername = "localhost";
  so.conn_options = &co;
  r->done = r->secure = r->reused = r->srv_reused = false;
  r->served_by = -1;
  r->offered_src = r->session ? r->session_src : -1;
  otls_uv_socket *s;
  CHECK_ERR(otls_uv_connect(&s, r->loop, r->cctx, "127.0.0.1", port, &so, rc_on_secure), 0);
  otls_uv_socket_set_data(s, r);
  otls_uv_socket_events ev = {
      .on_data = rc_on_data, .on_error = rc_on_error, .on_close = rc_on_close};
  otls_uv_socket_set_events(s, &ev);
}

/* The connection closed: check it, keep a new session. */
static void rc_finish(struct rclient *r) {
  CHECK(r->done);
  CHECK(r->secure);
  CHECK(r->served_by >= 0);
  CHECK_INT(r->reused, r->srv_reused); /* both ends agree */
  if (r->fresh) {
    /* A new session (ticket, or a full handshake's id) from this server. */
    free(r->session);
    r->session = r->fresh;
    r->session_len = r->fresh_len;
    r->fresh = NULL;
    r->session_src = r->served_by;
  }
}

/* One connection; runs the client's loop until it closed. */
static void rc_connect_once(struct rclient *r, unsigned port) {
  rc_start(r, port);
  while (!r->done)
    uv_run(r->loop, UV_RUN_ONCE);
  rc_finish(r);
}

/* Server side: tell the client who served it, then end. */
static void answer_who(otls_uv_socket *s, int who) {
  uint8_t b = (uint8_t)who;
  if (otls_conn_is_session_reused(otls_uv_socket_conn(s)))
    b |= 0x80;
  CHECK(otls_uv_socket_write(s, &b, 1, NULL, NULL) >= 0);
  CHECK_ERR(otls_uv_socket_end(s), 0);
}

/* --- ticket keys set on servers ----------------------------------------------------- */

static otls_uv_server *g_tk_srv[2];

static void tk_on_secure(otls_uv_server *srv, otls_uv_socket *s) {
  answer_who(s, srv == g_tk_srv[0] ? 0 : 1);
}

TEST(uv_server_ticket_keys_read_back_and_resume_across_servers) {
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  /* Two contexts: each starts with a random key of its own. */
  otls_context *ctx[2] = {make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL),
                          make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL)};
  otls_uv_server_options o;
  otls_uv_server_options_init(&o);
  o.on_secure_connection = tk_on_secure;
  unsigned port[2];
  for (int i = 0; i < 2; i++) {
    CHECK_ERR(otls_uv_server_new(&g_tk_srv[i], &loop, ctx[i], &o), 0);
    CHECK_ERR(otls_uv_server_listen(g_tk_srv[i], "127.0.0.1", 0), 0);
    port[i] = otls_uv_server_port(g_tk_srv[i]);
  }
  uint8_t k0[OTLS_TICKET_KEYS_LEN], k1[OTLS_TICKET_KEYS_LEN], key[OTLS_TICKET_KEYS_LEN];
  CHECK_ERR(otls_uv_server_get_ticket_keys(g_tk_srv[0], k0, sizeof(k0)), 0);
  CHECK_ERR(otls_uv_server_get_ticket_keys(g_tk_srv[1], k1, sizeof(k1)), 0);
  CHECK(memcmp(k0, k1, sizeof(k0)) != 0);
  CHECK_ERR(otls_uv_server_get_ticket_keys(g_tk_srv[0], k0, 47), OTLS_E_INVAL);
  CHECK_ERR(otls_uv_server_set_ticket_keys(NULL, k0, sizeof(k0)), OTLS_E_INVAL);

  struct rclient r;
  memset(&r, 0, sizeof(r));
  r.loop = &loop;
  r.cctx = make_ctx(NULL, NULL, "ca.pem");
  /* Control: a session of server 0 does not resume on server 1 (other key). */
  rc_connect_once(&r, port[0]);
  CHECK(!r.reused);
  CHECK(r.session != NULL);
  rc_connect_once(&r, port[1]);
  CHECK_INT(r.served_by, 1);
  CHECK(!r.reused);

  /* One key set on both servers: read back, and the servers resume each
   * other's tickets. */
  for (size_t i = 0; i < sizeof(key); i++)
    key[i] = (uint8_t)(0xa5 ^ (i * 7));
  for (int i = 0; i < 2; i++) {
    CHECK_ERR(otls_uv_server_set_ticket_keys(g_tk_srv[i], key, sizeof(key)), 0);
    CHECK_ERR(otls_uv_server_get_ticket_keys(g_tk_srv[i], k0, sizeof(k0)), 0);
    CHECK(memcmp(k0, key, sizeof(key)) == 0);
    CHECK_ERR(otls_context_get_ticket_keys(ctx[i], k1, sizeof(k1)), 0);
    CHECK(memcmp(k1, key, sizeof(key)) == 0);
  }
  free(r.session);
  r.session = NULL;
  r.session_len = 0;
  rc_connect_once(&r, port[0]); /* a full handshake: a ticket under `key` */
  CHECK(!r.reused);
  CHECK_INT(r.session_src, 0);
  rc_connect_once(&r, port[1]);
  CHECK_INT(r.served_by, 1);
  CHECK_INT(r.offered_src, 0);
  CHECK(r.reused);
  rc_connect_once(&r, port[0]); /* and back (a ticket of 1 when it gave one) */
  CHECK_INT(r.served_by, 0);
  CHECK(r.reused);

  for (int i = 0; i < 2; i++)
    otls_uv_server_close(g_tk_srv[i], NULL);
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&loop), 0);
  free(r.session);
  free(r.fresh);
  otls_context_free(r.cctx);
  otls_context_free(ctx[0]);
  otls_context_free(ctx[1]);
}

/* --- several cores: the multi-worker server ---------------------------------------- */

enum { NWORKERS = 2, MAX_ATTEMPTS = 400 };

/* Which worker this thread is: set in on_worker_start, read by the same
 * thread's server callbacks (no sharing between threads). */
static _Thread_local int tl_worker = -1;

struct workers_env {
  otls_uv_server *srv[NWORKERS]; /* written by each worker, read after start returned */
  atomic_uint served[NWORKERS], resumed[NWORKERS], starts;
  atomic_int wrong_thread;
};

static struct workers_env g_w;

static void w_on_worker_start(otls_uv_workers *w, unsigned index, otls_uv_server *srv) {
  CHECK(index < NWORKERS);
  CHECK(otls_uv_workers_data(w) == &g_w);
  CHECK(otls_uv_server_data(srv) == &g_w);
  CHECK(otls_uv_server_port(srv) != 0); /* already listening */
  tl_worker = (int)index;
  g_w.srv[index] = srv;
  atomic_fetch_add(&g_w.starts, 1);
}

static void w_on_secure(otls_uv_server *srv, otls_uv_socket *s) {
  int me = tl_worker;
  if (me < 0 || srv != g_w.srv[me]) {
    atomic_fetch_add(&g_w.wrong_thread, 1);
    otls_uv_socket_destroy(s);
    return;
  }
  atomic_fetch_add(&g_w.served[me], 1);
  if (otls_conn_is_session_reused(otls_uv_socket_conn(s)))
    atomic_fetch_add(&g_w.resumed[me], 1);
  answer_who(s, me);
}

static void run_workers_resumption(otls_context *sctx, const char *what) {
  memset(&g_w, 0, sizeof(g_w));
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = w_on_secure;
  so.data = &g_w;
  otls_uv_workers_options wo;
  otls_uv_workers_options_init(&wo);
  CHECK_INT(wo.version, OTLS_UV_WORKERS_OPTIONS_V1);
  wo.workers = NWORKERS;
  wo.host = "127.0.0.1";
  wo.port = 0;
  wo.server_options = &so;
  wo.on_worker_start = w_on_worker_start;
  wo.data = &g_w;
  otls_uv_workers *w;
  CHECK_ERR(otls_uv_workers_start(&w, sctx, &wo), 0);
  /* Every worker listens and has run on_worker_start. */
  CHECK_INT(atomic_load(&g_w.starts), NWORKERS);
  CHECK_INT(otls_uv_workers_count(w), NWORKERS);
  CHECK(otls_uv_workers_data(w) == &g_w);
  unsigned port = otls_uv_workers_port(w);
  CHECK(port != 0);
  CHECK(g_w.srv[0] != NULL && g_w.srv[1] != NULL && g_w.srv[0] != g_w.srv[1]);

  /* The client runs on this thread's own loop. */
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  struct rclient r;
  memset(&r, 0, sizeof(r));
  r.loop = &loop;
  r.cctx = make_ctx(NULL, NULL, "ca.pem");
  unsigned seen[NWORKERS] = {0}, crossed = 0, attempts = 0, not_reused = 0;
  rc_connect_once(&r, port); /* the first session */
  CHECK(!r.reused);
  CHECK(r.session != NULL);
  seen[r.served_by]++;
  while (attempts < MAX_ATTEMPTS && (crossed < 2 || !seen[0] || !seen[1])) {
    attempts++;
    rc_connect_once(&r, port);
    CHECK(r.served_by < NWORKERS);
    seen[r.served_by]++;
    if (!r.reused)
      not_reused++;
    else if (r.offered_src != r.served_by)
      crossed++; /* made on one worker, resumed on the other */
  }
  /* Then a burst: many clients at once, all offering the same session, so
   * that both workers resume from the shared context concurrently. */
  enum { BURST = 48 };
  struct rclient *b = calloc(BURST, sizeof(*b));
  CHECK(b != NULL);
  unsigned burst_seen[NWORKERS] = {0};
  for (unsigned i = 0; i < BURST; i++) {
    b[i].loop = &loop;
    b[i].cctx = r.cctx;
    b[i].session = malloc(r.session_len);
    CHECK(b[i].session != NULL);
    memcpy(b[i].session, r.session, r.session_len);
    b[i].session_len = r.session_len;
    b[i].session_src = r.session_src;
    rc_start(&b[i], port);
  }
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  for (unsigned i = 0; i < BURST; i++) {
    rc_finish(&b[i]);
    CHECK(b[i].reused);
    burst_seen[b[i].served_by]++;
    free(b[i].session);
    free(b[i].fresh);
  }
  free(b);
  otls_uv_workers_close(w);
  otls_uv_workers_close(w); /* harmless */
  CHECK_ERR(otls_uv_workers_join(w), 0);
  CHECK_INT(uv_loop_close(&loop), 0);
  if (crossed < 2 || !seen[0] || !seen[1])
    otls_test_fail(__FILE__, __LINE__,
                   "%s: after %u connections: worker 0 served %u, worker 1 %u; %u resumptions "
                   "crossed workers",
                   what, attempts + 1, seen[0], seen[1], crossed);
  fprintf(stderr, "%s: %u connections, worker 0 served %u, worker 1 %u, %u resumptions crossed\n",
          what, attempts + 1, seen[0], seen[1], crossed);
  /* Every offered session resumed, whichever worker got the connection. */
  CHECK_INT(not_reused, 0);
  CHECK_INT(atomic_load(&g_w.wrong_thread), 0);
  CHECK_INT(atomic_load(&g_w.served[0]) + atomic_load(&g_w.served[1]), attempts + 1 + BURST);
  CHECK_INT(atomic_load(&g_w.resumed[0]) + atomic_load(&g_w.resumed[1]), attempts + BURST);
  fprintf(stderr, "%s: burst of %u: worker 0 served %u, worker 1 %u\n", what, BURST,
          burst_seen[0], burst_seen[1]);
  free(r.session);
  free(r.fresh);
  otls_context_free(r.cctx);
}

TEST(uv_workers_resume_tls13_tickets_across_workers) {
  otls_context *sctx = make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL);
  run_workers_resumption(sctx, "TLS 1.3 tickets");
  otls_context_free(sctx);
}

TEST(uv_workers_resume_tls12_session_ids_across_workers) {
  /* A TLS 1.2 server without tickets: sessions live in the context's
   * session cache, shared by the workers (and wolfSSL then resumes ids
   * also for clients that send the ticket extension, its README trap 36). */
  otls_context *sctx = make_tls12_session_id_server_ctx();
  run_workers_resumption(sctx, "TLS 1.2 session ids");
  otls_context_free(sctx);
}

static void never_secure(otls_uv_server *srv, otls_uv_socket *s) {
  (void)srv, (void)s;
  otls_test_fail(__FILE__, __LINE__, "no connection was expected");
}

TEST(uv_workers_start_fails_cleanly_on_a_taken_port_and_bad_options) {
  otls_context *sctx = make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL);
  otls_context *noc = make_ctx(NULL, NULL, "ca.pem");
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = never_secure;
  otls_uv_workers_options wo;
  otls_uv_workers_options_init(&wo);
  wo.workers = 2;
  wo.host = "127.0.0.1";
  otls_uv_workers *w = (otls_uv_workers *)&wo;
  CHECK_ERR(otls_uv_workers_start(&w, sctx, &wo), OTLS_E_INVAL); /* no server options */
  CHECK(w == NULL);
  wo.server_options = &so;
  CHECK_ERR(otls_uv_workers_start(&w, noc, &wo), OTLS_E_INVAL); /* no certificate */
  wo.host = "localhost";
  CHECK_ERR(otls_uv_workers_start(&w, sctx, &wo), OTLS_E_INVAL); /* not an IP literal */
  wo.host = "127.0.0.1";
  wo.workers = OTLS_UV_WORKERS_MAX + 1;
  CHECK_ERR(otls_uv_workers_start(&w, sctx, &wo), OTLS_E_INVAL);
  wo.workers = 2;

  /* A server without SO_REUSEPORT holds the port: no worker can join it. */
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  otls_uv_server *plain;
  CHECK_ERR(otls_uv_server_new(&plain, &loop, sctx, &so), 0);
  CHECK_ERR(otls_uv_server_listen(plain, "127.0.0.1", 0), 0);
  wo.port = otls_uv_server_port(plain);
  CHECK_ERR(otls_uv_workers_start(&w, sctx, &wo), OTLS_E_ADDRINUSE);
  CHECK(w == NULL);
  otls_uv_server_close(plain, NULL);
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&loop), 0);

  /* 0 workers = one per CPU; closed right away from this thread. */
  wo.workers = 0;
  wo.port = 0;
  CHECK_ERR(otls_uv_workers_start(&w, sctx, &wo), 0);
  CHECK_INT(otls_uv_workers_count(w), uv_available_parallelism());
  otls_uv_workers_close(w);
  CHECK_ERR(otls_uv_workers_join(w), 0);
  otls_context_free(sctx);
  otls_context_free(noc);
}

/* --- renegotiation over the event layer (capability: renegotiation) --------------- */

struct reneg_env {
  int calls, err;
  size_t peer_certs;
  bool client_sent;
};
static struct reneg_env reneg;

static void srv_reneg_done(otls_conn *c, int err, void *arg) {
  otls_uv_socket *s = arg;
  reneg.calls++;
  reneg.err = err;
  reneg.peer_certs = otls_conn_peer_cert_count(c);
  /* Data still flows after it: greet, then end. */
  CHECK(otls_uv_socket_write(s, "renegotiated", 12, NULL, NULL) >= 0);
  CHECK_ERR(otls_uv_socket_end(s), 0);
}

static void reneg_on_secure(struct env *e, otls_uv_socket *s) {
  (void)e;
  otls_renegotiate_options ro;
  otls_renegotiate_options_init(&ro);
  ro.request_cert = 1;
  ro.reject_unauthorized = 0;
  CHECK_ERR(otls_uv_socket_renegotiate(s, &ro, srv_reneg_done, s), 0);
  CHECK_ERR(otls_uv_socket_renegotiate(s, &ro, srv_reneg_done, s), OTLS_E_STATE);
}

TEST(uv_server_renegotiates_to_ask_for_a_client_certificate) {
  if (!otls_backend_has(OTLS_CAP_RENEGOTIATION))
    otls_test_skip("no renegotiation in this backend (OTLS_E_UNSUPPORTED)");
  memset(&reneg, 0, sizeof(reneg));
  struct env e;
  otls_uv_server_options o;
  server_options(&o, &e);
  env_init(&e, &o);
  e.on_secure = reneg_on_secure;
  /* A TLS 1.2 client that has a certificate the server did not ask for yet. */
  otls_context_free(e.cctx);
  otls_context_options co;
  otls_context_options_init(&co);
  otls_source cert = otls_source_file(pki("client-chain.pem"));
  otls_source key = otls_source_file(pki("client.key"));
  otls_source ca = otls_source_file(pki("ca.pem"));
  co.cert = &cert;
  co.cert_count = 1;
  co.key = &key;
  co.key_count = 1;
  co.ca = &ca;
  co.ca_count = 1;
  co.max_version = "TLSv1.2";
  CHECK_ERR(otls_context_new(&e.cctx, &co, NULL, 0), 0);
  struct client c = {0};
  c.hold = true;
  client_start(&e, &c, 12, 1);
  memcpy(c.payload, "renegotiated", 12); /* what the server sends after it */
  env_run_and_free(&e);
  CHECK_INT(reneg.calls, 1);
  CHECK_ERR(reneg.err, 0);
  CHECK_INT(reneg.peer_certs, 2);
  CHECK(c.secure);
  CHECK(c.closed);
  CHECK_INT(c.err, 0);
  CHECK_INT(c.got, 12);
  free(c.payload);
}
