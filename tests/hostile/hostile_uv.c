/*
 * The bad-input suite, event-layer part: misuse of otls_uv_* objects —
 * destroy twice, reads (data events) after destroy, writes after end, a
 * server closed twice. TLS runs over an in-memory duplex pair on one loop
 * (otls_uv_wrap), so no network is involved. Each test ends with
 * uv_loop_close() == 0 (every handle closed, every object released) and a
 * sans-IO handshake that still works.
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
