/*
 * The bad-input suite, event-layer part: misuse of otls_uv_* objects —
 * destroy twice, reads (data events) after destroy, writes after end, a
 * server closed twice. TLS runs over an in-memory duplex pair on one loop
 * (otls_uv_wrap), so no network is involved. Each test ends with
 * uv_loop_close() == 0 (every handle closed, every object released) and a
 * sans-IO handshake that still works.
 * The renegotiation flood runs over TCP on 127.0.0.1 instead: a real
 * otls_uv_server with several clients at once.
 */
#include <stdlib.h>
#include <string.h>

#include "hostile_util.h"
#include "omnitls/uv.h"
#include "otls_test.h"

/* One end of the in-memory duplex: bytes written by the peer wait in `inbox`
 * and are fed on the next loop iteration (never from inside a write). */
struct end {
  otls_uv_socket *s;
  struct end *peer;
  uv_timer_t deliver;
  uint8_t *inbox;
  size_t inbox_len;
  bool gone, eof;
  /* what the test observes */
  bool secure, closed, had_error;
  unsigned closes;
  int err;
  size_t got;
};

static void deliver(uv_timer_t *t) {
  struct end *m = t->data;
  if (m->gone)
    return;
  if (m->inbox_len) {
    uint8_t *p = m->inbox;
    size_t n = m->inbox_len;
    m->inbox = NULL;
    m->inbox_len = 0;
    (void)otls_uv_socket_feed(m->s, p, n);
    free(p);
  }
  if (m->eof && !m->gone && m->inbox_len == 0) {
    m->eof = false;
    (void)otls_uv_socket_feed_eof(m->s);
  }
}

static int d_write(otls_uv_socket *s, const uint8_t *buf, size_t len, void *data) {
  struct end *m = data, *p = m->peer;
  if (!p->gone) {
    p->inbox = realloc(p->inbox, p->inbox_len + len);
    CHECK(p->inbox != NULL);
    memcpy(p->inbox + p->inbox_len, buf, len);
    p->inbox_len += len;
    CHECK_INT(uv_timer_start(&p->deliver, deliver, 0, 0), 0);
  }
  otls_uv_socket_write_done(s, 0);
  return 0;
}

static void d_shutdown(otls_uv_socket *s, void *data) {
  struct end *m = data, *p = m->peer;
  if (!p->gone) {
    p->eof = true;
    CHECK_INT(uv_timer_start(&p->deliver, deliver, 0, 0), 0);
  }
}

static void d_close(otls_uv_socket *s, void *data) {
  struct end *m = data;
  m->gone = true;
  free(m->inbox);
  m->inbox = NULL;
  m->inbox_len = 0;
  uv_close((uv_handle_t *)&m->deliver, NULL);
}

static void on_secure(otls_uv_socket *s) {
  struct end *m = otls_uv_socket_data(s);
  m->secure = true;
}

static void on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct end *m = otls_uv_socket_data(s);
  CHECK(!m->closed);
  m->got += len;
}

static void on_error(otls_uv_socket *s, int err) {
  struct end *m = otls_uv_socket_data(s);
  m->err = err;
}

static void on_close(otls_uv_socket *s, bool had_error) {
  struct end *m = otls_uv_socket_data(s);
  m->closes++;
  m->closed = true;
  m->had_error = had_error;
  m->s = NULL;
}

struct pair {
  uv_loop_t loop;
  otls_context *cctx, *sctx;
  struct end c, s;
};

static void pair_start(struct pair *p) {
  memset(p, 0, sizeof(*p));
  CHECK_INT(uv_loop_init(&p->loop), 0);
  p->cctx = hostile_client_ctx();
  p->sctx = hostile_server_ctx();
  struct end *ends[2] = {&p->c, &p->s};
  otls_uv_duplex d[2];
  for (int i = 0; i < 2; i++) {
    ends[i]->peer = ends[1 - i];
    CHECK_INT(uv_timer_init(&p->loop, &ends[i]->deliver), 0);
    ends[i]->deliver.data = ends[i];
    memset(&d[i], 0, sizeof(d[i]));
    d[i].data = ends[i];
    d[i].write = d_write;
    d[i].shutdown = d_shutdown;
    d[i].close = d_close;
  }
  otls_uv_socket_options so, co;
  otls_uv_socket_options_init(&so);
  so.is_server = true;
  otls_uv_socket_options_init(&co);
  co.servername = "localhost";
  CHECK_ERR(otls_uv_wrap(&p->s.s, &p->loop, p->sctx, &d[1], &so, on_secure), 0);
  CHECK_ERR(otls_uv_wrap(&p->c.s, &p->loop, p->cctx, &d[0], &co, on_secure), 0);
  otls_uv_socket_events ev = {
      .on_data = on_data, .on_error = on_error, .on_close = on_close};
  for (int i = 0; i < 2; i++) {
    otls_uv_socket_set_data(ends[i]->s, ends[i]);
    otls_uv_socket_set_events(ends[i]->s, &ev);
  }
  /* Run until both handshakes are done. */
  for (int i = 0; i < 1000 && !(p->c.secure && p->s.secure); i++)
    uv_run(&p->loop, UV_RUN_ONCE);
  CHECK(p->c.secure && p->s.secure);
}

static void pair_finish(struct pair *p) {
  if (p->c.s)
    otls_uv_socket_destroy(p->c.s);
  if (p->s.s)
    otls_uv_socket_destroy(p->s.s);
  CHECK_INT(uv_run(&p->loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&p->loop), 0);
  CHECK_INT(p->c.closes, 1);
  CHECK_INT(p->s.closes, 1);
  otls_context_free(p->cctx);
  otls_context_free(p->sctx);
}

TEST(uv_destroy_twice_and_destroy_null_are_harmless) {
  struct pair p;
  pair_start(&p);
  otls_uv_socket *s = p.s.s;
  otls_uv_socket_destroy(s);
  otls_uv_socket_destroy(s); /* valid until on_close: a no-op */
  otls_uv_socket_destroy(NULL);
  CHECK(!p.s.closed); /* close is asynchronous */
  CHECK_ERR(otls_uv_socket_write(s, "x", 1, NULL, NULL), OTLS_E_CLOSED);
  CHECK_ERR(otls_uv_socket_end(s), OTLS_E_CLOSED);
  pair_finish(&p);
  CHECK(!p.s.had_error);
  another_connection_still_works();
}

TEST(uv_no_data_is_delivered_after_destroy) {
  struct pair p;
  pair_start(&p);
  /* The client's data is on its way (in the server's inbox) ... */
  CHECK(otls_uv_socket_write(p.c.s, "late data", 9, NULL, NULL) >= 0);
  for (int i = 0; i < 10 && p.s.inbox_len == 0; i++)
    uv_run(&p.loop, UV_RUN_NOWAIT);
  CHECK(p.s.inbox_len > 0);
  CHECK_INT(p.s.got, 0);
  /* ... when the server is destroyed: no on_data for it, ever. */
  otls_uv_socket *s = p.s.s;
  otls_uv_socket_destroy(s);
  CHECK_ERR(otls_uv_socket_feed(s, "more", 4), OTLS_E_CLOSED);
  pair_finish(&p);
  CHECK_INT(p.s.got, 0);
  another_connection_still_works();
}

TEST(uv_write_after_end_is_write_after_end) {
  struct pair p;
  pair_start(&p);
  CHECK_ERR(otls_uv_socket_end(p.c.s), 0);
  CHECK_ERR(otls_uv_socket_end(p.c.s), 0); /* twice is harmless */
  CHECK_ERR(otls_uv_socket_write(p.c.s, "x", 1, NULL, NULL), OTLS_E_WRITE_AFTER_END);
  /* The server sees a clean end and both sides close without error. */
  CHECK_INT(uv_run(&p.loop, UV_RUN_DEFAULT), 0);
  CHECK(p.c.closed && p.s.closed);
  CHECK(!p.c.had_error && !p.s.had_error);
  pair_finish(&p);
  another_connection_still_works();
}

static unsigned server_closes;
static void on_server_closed(otls_uv_server *srv) { server_closes++; }
static void on_secure_connection(otls_uv_server *srv, otls_uv_socket *s) {}

TEST(uv_server_close_twice_is_harmless) {
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  otls_context *sctx = hostile_server_ctx();
  otls_uv_server_options o;
  otls_uv_server_options_init(&o);
  o.on_secure_connection = on_secure_connection;
  otls_uv_server *srv;
  CHECK_ERR(otls_uv_server_new(&srv, &loop, sctx, &o), 0);
  CHECK_ERR(otls_uv_server_listen(srv, "127.0.0.1", 0), 0);
  otls_uv_server_close(srv, on_server_closed);
  otls_uv_server_close(srv, on_server_closed);
  CHECK_ERR(otls_uv_server_listen(srv, "127.0.0.1", 0), OTLS_E_STATE);
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(server_closes, 1);
  CHECK_INT(uv_loop_close(&loop), 0);
  otls_context_free(sctx);
  another_connection_still_works();
}

/* --- a renegotiation flood over loopback --------------------------------------- */

/*
 * A TLS 1.2 client renegotiates again and again against an otls_uv_server
 * on 127.0.0.1 while another client exchanges data with the same server.
 * The first OTLS_CLIENT_RENEG_LIMIT renegotiations complete; the next one
 * fails the flooder's server socket with exactly OTLS_E_SESSION_ATTACK
 * (Node's ERR_TLS_SESSION_ATTACK, tls.CLIENT_RENEG_LIMIT); the other client
 * and a new one are served throughout.
 */
struct flood {
  uv_loop_t loop;
  uv_timer_t kick, wake;
  otls_context *sctx, *cctx;
  otls_uv_server *srv;
  otls_uv_socket *flooder, *bystander;
  /* flooder */
  unsigned reneg_ok, reneg_failed, reneg_calls;
  int reneg_err, flooder_err, last_call_err;
  bool flooder_closed, flooder_had_error;
  /* bystander (and the late client) */
  unsigned echoes, echoes_after_flood, late_secure;
  bool by_closed, by_had_error, late_closed, late_had_error;
  /* server */
  unsigned srv_secure, srv_errors, srv_closed, srv_closed_err, srv_client_errors;
  int srv_err;
  unsigned srv_renegs_at_error;
  bool srv_gone;
};
static struct flood rf;

static void rf_srv_data(otls_uv_socket *s, const uint8_t *d, size_t n) {
  CHECK(otls_uv_socket_write(s, d, n, NULL, NULL) >= 0);
}
static void rf_srv_error(otls_uv_socket *s, int err) {
  rf.srv_errors++;
  rf.srv_err = err;
  rf.srv_renegs_at_error = otls_conn_renegotiations(otls_uv_socket_conn(s));
}
static void rf_srv_close(otls_uv_socket *s, bool had_error) {
  rf.srv_closed++;
  rf.srv_closed_err += had_error;
}
static void rf_secure_connection(otls_uv_server *srv, otls_uv_socket *s) {
  static const otls_uv_socket_events ev = {
      .on_data = rf_srv_data, .on_error = rf_srv_error, .on_close = rf_srv_close};
  rf.srv_secure++;
  otls_uv_socket_set_events(s, &ev);
}
static void rf_client_error(otls_uv_server *srv, otls_uv_socket *s, int err, const char *d) {
  rf.srv_client_errors++;
}
static void rf_server_closed(otls_uv_server *srv) {
  rf.srv_gone = true;
}

static void rf_reneg_done(otls_conn *c, int err, void *arg);

/* The next renegotiation, from the loop (not from inside the callback of
 * the previous one). */
static void rf_kick(uv_timer_t *t) {
  if (rf.flooder == NULL)
    return;
  int rv = otls_uv_socket_renegotiate(rf.flooder, NULL, rf_reneg_done, NULL);
  rf.reneg_calls++;
  rf.last_call_err = rv;
}

static void rf_reneg_done(otls_conn *c, int err, void *arg) {
  if (err == 0) {
    rf.reneg_ok++;
    /* A limit not enforced: fail now rather than flood for ever. */
    CHECK(rf.reneg_ok <= OTLS_CLIENT_RENEG_LIMIT + 5);
    CHECK_INT(uv_timer_start(&rf.kick, rf_kick, 0, 0), 0);
  } else {
    rf.reneg_failed++;
    rf.reneg_err = err;
  }
}

static void rf_flooder_secure(otls_uv_socket *s) {
  CHECK_STR(otls_conn_protocol(otls_uv_socket_conn(s)), "TLSv1.2");
  CHECK_INT(uv_timer_start(&rf.kick, rf_kick, 0, 0), 0);
}
static void rf_flooder_error(otls_uv_socket *s, int err) {
  rf.flooder_err = err;
}
static void rf_flooder_close(otls_uv_socket *s, bool had_error) {
  rf.flooder_closed = true;
  rf.flooder_had_error = had_error;
  rf.flooder = NULL;
}

static void rf_ping(otls_uv_socket *s) {
  CHECK(otls_uv_socket_write(s, "ping", 4, NULL, NULL) >= 0);
}
static void rf_by_data(otls_uv_socket *s, const uint8_t *d, size_t n) {
  CHECK_INT(n, 4);
  CHECK(memcmp(d, "ping", 4) == 0);
  rf.echoes++;
  if (rf.flooder_closed)
    rf.echoes_after_flood++;
  if (rf.echoes_after_flood >= 5)
    CHECK_ERR(otls_uv_socket_end(s), 0);
  else
    rf_ping(s);
}
static void rf_by_close(otls_uv_socket *s, bool had_error) {
  rf.by_closed = true;
  rf.by_had_error = had_error;
  rf.bystander = NULL;
}
static void rf_late_secure(otls_uv_socket *s) {
  rf.late_secure++;
  CHECK_ERR(otls_uv_socket_end(s), 0);
}
static void rf_late_close(otls_uv_socket *s, bool had_error) {
  rf.late_closed = true;
  rf.late_had_error = had_error;
}

static void rf_wake(uv_timer_t *t) {}

static void rf_run_until(bool *flag, const char *what) {
  uint64_t end = uv_hrtime() / 1000000u + 60000u;
  while (!*flag) {
    if (uv_hrtime() / 1000000u > end)
      otls_test_fail(__FILE__, __LINE__, "timed out waiting for %s", what);
    uv_run(&rf.loop, UV_RUN_ONCE);
  }
}

static otls_uv_socket *rf_connect(otls_uv_secure_cb secure, const otls_uv_socket_events *ev) {
  otls_uv_socket_options o;
  otls_uv_socket_options_init(&o);
  o.servername = "localhost";
  otls_uv_socket *s;
  CHECK_ERR(
      otls_uv_connect(&s, &rf.loop, rf.cctx, "127.0.0.1", otls_uv_server_port(rf.srv), &o, secure),
      0);
  otls_uv_socket_set_events(s, ev);
  return s;
}

TEST(uv_renegotiation_flood_hits_the_limit_and_others_carry_on) {
  memset(&rf, 0, sizeof(rf));
  otls_context_options co;
  otls_context_options_init(&co);
  otls_source ca = otls_source_file(pki("ca.pem"));
  co.ca = &ca;
  co.ca_count = 1;
  co.max_version = "TLSv1.2"; /* TLS 1.3 has no renegotiation */
  char detail[256];
  CHECK_ERR(otls_context_new(&rf.cctx, &co, detail, sizeof(detail)), 0);
  if (!otls_backend_has(OTLS_CAP_RENEGOTIATION)) {
    otls_conn *c = new_client_conn(rf.cctx);
    CHECK_ERR(otls_conn_renegotiate(c, NULL, NULL, NULL), OTLS_E_UNSUPPORTED);
    otls_conn_free(c);
    otls_context_free(rf.cctx);
    otls_test_skip("no renegotiation in this backend (checked: OTLS_E_UNSUPPORTED)");
  }
  rf.sctx = hostile_server_ctx();
  CHECK_INT(uv_loop_init(&rf.loop), 0);
  CHECK_INT(uv_timer_init(&rf.loop, &rf.kick), 0);
  CHECK_INT(uv_timer_init(&rf.loop, &rf.wake), 0);
  CHECK_INT(uv_timer_start(&rf.wake, rf_wake, 50, 50), 0);
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = rf_secure_connection;
  so.on_tls_client_error = rf_client_error;
  CHECK_ERR(otls_uv_server_new(&rf.srv, &rf.loop, rf.sctx, &so), 0);
  CHECK_ERR(otls_uv_server_listen(rf.srv, "127.0.0.1", 0), 0);

  static const otls_uv_socket_events by_ev = {.on_data = rf_by_data, .on_close = rf_by_close};
  static const otls_uv_socket_events fl_ev = {.on_error = rf_flooder_error,
                                              .on_close = rf_flooder_close};
  rf.bystander = rf_connect(rf_ping, &by_ev);
  rf.flooder = rf_connect(rf_flooder_secure, &fl_ev);
  rf_run_until(&rf.flooder_closed, "the flooder to be cut off");
  rf_run_until(&rf.by_closed, "the other client to finish");
  static const otls_uv_socket_events late_ev = {.on_close = rf_late_close};
  (void)rf_connect(rf_late_secure, &late_ev);
  rf_run_until(&rf.late_closed, "a new client after the flood");

  /* The limit, exactly: three renegotiations completed, the fourth failed
   * the server's socket with ERR_TLS_SESSION_ATTACK. */
  CHECK_INT(rf.reneg_ok, OTLS_CLIENT_RENEG_LIMIT);
  CHECK_INT(rf.srv_errors, 1);
  CHECK_ERR(rf.srv_err, OTLS_E_SESSION_ATTACK);
  CHECK_STR(otls_err_name(rf.srv_err), "ERR_TLS_SESSION_ATTACK");
  CHECK_INT(rf.srv_renegs_at_error, OTLS_CLIENT_RENEG_LIMIT);
  CHECK_INT(rf.srv_client_errors, 0);
  /* The flooder saw its connection fail (its last renegotiation did not
   * complete). */
  CHECK(rf.flooder_had_error);
  CHECK(rf.flooder_err != 0);
  CHECK(rf.reneg_failed <= 1);
  /* Everyone else carried on. */
  CHECK(rf.echoes_after_flood >= 5);
  CHECK(!rf.by_had_error);
  CHECK_INT(rf.late_secure, 1);
  CHECK(!rf.late_had_error);
  CHECK_INT(rf.srv_secure, 3);
  printf("reneg flood: %u renegotiations completed, then server %s, client %s; other client "
         "%u echoes (%u after)\n",
         rf.reneg_ok, otls_err_name(rf.srv_err), otls_err_name(rf.flooder_err), rf.echoes,
         rf.echoes_after_flood);

  otls_uv_server_close(rf.srv, rf_server_closed);
  uv_close((uv_handle_t *)&rf.kick, NULL);
  uv_close((uv_handle_t *)&rf.wake, NULL);
  CHECK_INT(uv_run(&rf.loop, UV_RUN_DEFAULT), 0);
  CHECK(rf.srv_gone);
  CHECK_INT(rf.srv_closed, 3);
  CHECK_INT(rf.srv_closed_err, 1);
  CHECK_INT(uv_loop_close(&rf.loop), 0);
  otls_context_free(rf.cctx);
  otls_context_free(rf.sctx);
  another_connection_still_works();
}
