/* omnitls — helpers of the hostile-input tests (see hostile_util.h). */
#include "hostile_util.h"

#include <stdlib.h>
#include <string.h>

#include "otls_test.h"

void hb_put(struct hbuf *b, const void *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len)
      cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    CHECK(p != NULL);
    b->p = p;
    b->cap = cap;
  }
  if (len)
    memcpy(b->p + b->len, data, len);
  b->len += len;
}

void hb_u8(struct hbuf *b, unsigned v) {
  uint8_t x = (uint8_t)v;
  hb_put(b, &x, 1);
}

void hb_u16(struct hbuf *b, unsigned v) {
  uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  hb_put(b, x, 2);
}

void hb_u24(struct hbuf *b, unsigned v) {
  uint8_t x[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  hb_put(b, x, 3);
}

void hb_free(struct hbuf *b) {
  free(b->p);
  memset(b, 0, sizeof(*b));
}

static void ext(struct hbuf *exts, unsigned type, const struct hbuf *body) {
  hb_u16(exts, type);
  hb_u16(exts, (unsigned)body->len);
  hb_put(exts, body->p, body->len);
}

void build_client_hello(struct hbuf *out, const struct hello_spec *spec, size_t frag) {
  static const uint16_t default_suites[] = {0xc02f, 0xc02b}; /* ECDHE-{RSA,ECDSA}-AES128-GCM-SHA256 */
  static const uint8_t null_compression[] = {0};
  const uint16_t *suites = spec->suites ? spec->suites : default_suites;
  size_t n_suites = spec->suites ? spec->n_suites : 2;
  const uint8_t *comp = spec->compression ? spec->compression : null_compression;
  size_t n_comp = spec->compression ? spec->n_compression : 1;

  struct hbuf exts = {0}, e = {0};
  if (spec->sni) {
    hb_u16(&e, (unsigned)(spec->sni_len + 3));
    hb_u8(&e, 0); /* host_name */
    hb_u16(&e, (unsigned)spec->sni_len);
    hb_put(&e, spec->sni, spec->sni_len);
    ext(&exts, 0x0000, &e);
    hb_free(&e);
  }
  hb_u16(&e, 4); /* supported_groups: x25519, secp256r1 */
  hb_u16(&e, 0x001d);
  hb_u16(&e, 0x0017);
  ext(&exts, 0x000a, &e);
  hb_free(&e);
  hb_u8(&e, 1); /* ec_point_formats: uncompressed */
  hb_u8(&e, 0);
  ext(&exts, 0x000b, &e);
  hb_free(&e);
  static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501};
  hb_u16(&e, (unsigned)(2 * (sizeof(sigalgs) / sizeof(sigalgs[0]))));
  for (size_t i = 0; i < (sizeof(sigalgs) / sizeof(sigalgs[0])); i++)
    hb_u16(&e, sigalgs[i]);
  ext(&exts, 0x000d, &e);
  hb_free(&e);
  ext(&exts, 0x0017, &e); /* extended_master_secret, empty */
  hb_u8(&e, 0);           /* renegotiation_info: empty renegotiated_connection */
  ext(&exts, 0xff01, &e);
  hb_free(&e);
  if (spec->supported_versions_12) {
    hb_u8(&e, 2);
    hb_u16(&e, 0x0303);
    ext(&exts, 0x002b, &e);
    hb_free(&e);
  }

  struct hbuf body = {0};
  hb_u16(&body, spec->legacy_version ? spec->legacy_version : 0x0303);
  for (int i = 0; i < 32; i++)
    hb_u8(&body, (unsigned)(i * 7 + 1)); /* random */
  hb_u8(&body, 0);                       /* no session id */
  hb_u16(&body, (unsigned)(2 * n_suites));
  for (size_t i = 0; i < n_suites; i++)
    hb_u16(&body, suites[i]);
  hb_u8(&body, (unsigned)n_comp);
  hb_put(&body, comp, n_comp);
  hb_u16(&body, (unsigned)exts.len);
  hb_put(&body, exts.p, exts.len);
  hb_free(&exts);

  struct hbuf msg = {0};
  hb_u8(&msg, 1); /* client_hello */
  hb_u24(&msg, (unsigned)body.len);
  hb_put(&msg, body.p, body.len);
  hb_free(&body);

  struct hbuf rec = {0};
  hb_u8(&rec, 22);
  hb_u16(&rec, 0x0301);
  hb_u16(&rec, (unsigned)msg.len);
  hb_put(&rec, msg.p, msg.len);
  hb_free(&msg);
  if (frag == 0) {
    hb_put(out, rec.p, rec.len);
  } else {
    reframe(out, rec.p, rec.len, frag);
  }
  hb_free(&rec);
}

void reframe(struct hbuf *out, const uint8_t *in, size_t len, size_t frag) {
  size_t off = 0;
  while (off + 5 <= len) {
    uint8_t type = in[off];
    unsigned ver = (unsigned)(in[off + 1] << 8 | in[off + 2]);
    size_t n = (size_t)(in[off + 3] << 8 | in[off + 4]);
    CHECK(off + 5 + n <= len);
    for (size_t k = 0; k < n; k += frag) {
      size_t m = n - k < frag ? n - k : frag;
      hb_u8(out, type);
      hb_u16(out, ver);
      hb_u16(out, (unsigned)m);
      hb_put(out, in + off + 5 + k, m);
    }
    off += 5 + n;
  }
  CHECK_INT(off, len);
}

otls_context *hostile_server_ctx(void) {
  return make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL);
}

otls_context *hostile_client_ctx(void) { return make_ctx(NULL, NULL, "ca.pem"); }

otls_conn *new_server_conn(otls_context *sctx) {
  otls_conn_options so;
  otls_conn_options_init(&so);
  so.is_server = true;
  otls_conn *s = NULL;
  CHECK_ERR(otls_conn_new(&s, sctx, &so), 0);
  return s;
}

otls_conn *new_client_conn(otls_context *cctx) {
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.servername = "localhost";
  otls_conn *c = NULL;
  CHECK_ERR(otls_conn_new(&c, cctx, &co), 0);
  return c;
}

void make_pair(otls_context *cctx, otls_context *sctx, otls_conn **client, otls_conn **server) {
  *client = new_client_conn(cctx);
  *server = new_server_conn(sctx);
}

void handshake_pair(otls_conn **client, otls_conn **server, otls_context **cctx,
                    otls_context **sctx) {
  *cctx = hostile_client_ctx();
  *sctx = hostile_server_ctx();
  make_pair(*cctx, *sctx, client, server);
  int ce, se;
  CHECK_ERR(pump_handshake(*client, *server, &ce, &se), 0);
  CHECK_ERR(ce, 0);
  CHECK_ERR(se, 0);
}

static void expect_read(otls_conn *c, const char *want) {
  char buf[64];
  int n;
  /* TLS 1.3 tickets come before the data: read until something arrives. */
  for (int i = 0; i < 4; i++) {
    n = otls_conn_read(c, buf, sizeof(buf));
    if (n != OTLS_E_WANT_READ)
      break;
  }
  CHECK_INT(n, (int)strlen(want));
  CHECK(memcmp(buf, want, strlen(want)) == 0);
}

void another_connection_still_works(void) {
  otls_conn *c, *s;
  otls_context *cctx, *sctx;
  handshake_pair(&c, &s, &cctx, &sctx);
  CHECK(otls_conn_is_authorized(c));
  CHECK_INT(otls_conn_write(c, "ping", 4), 4);
  CHECK(pump_once(c, s) > 0);
  expect_read(s, "ping");
  CHECK_INT(otls_conn_write(s, "pong", 4), 4);
  CHECK(pump_once(s, c) > 0);
  expect_read(c, "pong");
  CHECK_ERR(otls_conn_shutdown(c), 0);
  CHECK(pump_once(c, s) > 0);
  char buf[8];
  CHECK_INT(otls_conn_read(s, buf, sizeof(buf)), 0);
  CHECK(otls_conn_is_peer_closed(s));
  CHECK_ERR(otls_conn_shutdown(s), 0);
  CHECK(pump_once(s, c) > 0);
  CHECK_INT(otls_conn_read(c, buf, sizeof(buf)), 0);
  CHECK(otls_conn_wants(c) & OTLS_WANTS_CLOSED);
  otls_conn_free(c);
  otls_conn_free(s);
  otls_context_free(cctx);
  otls_context_free(sctx);
}

void feed_all(otls_conn *c, const void *data, size_t len) {
  int n = otls_conn_feed(c, data, len);
  CHECK_INT(n, (int)len);
}

int first_output_record(otls_conn *c, const uint8_t **body, size_t *len) {
  size_t n;
  const uint8_t *p = otls_conn_output(c, &n);
  if (p == NULL || n < 5)
    return -1;
  size_t rl = (size_t)(p[3] << 8 | p[4]);
  if (5 + rl > n)
    return -1;
  *body = p + 5;
  *len = rl;
  return p[0];
}
