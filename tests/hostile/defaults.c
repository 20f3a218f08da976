/*
 * Secure defaults (issue 8), asserted on every backend with nothing but
 * otls_*_options_init(): TLS 1.2 minimum, no weak suites offered or
 * accepted, certificate and host name verification on the client, no
 * compression, close_notify on end(). Peers that would be refused are
 * handcrafted ClientHellos (hostile_util.c), so no engine's own API is used.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_hello.h"
#include "hostile_util.h"
#include "otls_test.h"

/* Fields of a ClientHello the parser in core does not keep. */
struct raw_hello {
  unsigned legacy_version;
  const uint8_t *suites;
  size_t suites_len;
  const uint8_t *compression;
  size_t compression_len;
};

/* The client's first flight, assembled and parsed. *msg is malloc'd. */
static void client_first_flight(otls_conn *c, uint8_t **msg, size_t *len,
                                struct otls__client_hello *ch, struct raw_hello *raw) {
  CHECK_ERR(otls_conn_handshake(c), OTLS_E_WANT_READ);
  size_t n;
  const uint8_t *p = otls_conn_output(c, &n);
  CHECK_INT(otls__ch_assemble(p, n, msg, len), 1);
  CHECK_ERR(otls__ch_parse(*msg, *len, ch), 0);
  const uint8_t *b = *msg + 4;
  raw->legacy_version = (unsigned)(b[0] << 8 | b[1]);
  size_t off = 2 + 32;
  off += 1 + b[off]; /* session id */
  raw->suites_len = (size_t)(b[off] << 8 | b[off + 1]);
  raw->suites = b + off + 2;
  off += 2 + raw->suites_len;
  raw->compression_len = b[off];
  raw->compression = b + off + 1;
}

/* A cipher-suite name that must never be on by default. */
static bool weak_suite(uint16_t id) {
  otls_cipher_info ci;
  if (otls_cipher_lookup(id, &ci) < 0)
    return false; /* SCSVs and GREASE: not suites */
  static const char *const bad[] = {"RC4", "DES", "MD5", "EXP", "NULL", "anon", "ADH", "AECDH",
                                    "PSK", "SRP", "IDEA", "SEED", "RC2"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if (strstr(ci.name, bad[i]) || strstr(ci.standard_name, bad[i])) {
      printf("  weak suite 0x%04x %s / %s\n", id, ci.name, ci.standard_name);
      return true;
    }
  return false;
}

TEST(default_protocol_range_is_tls12_to_tls13_in_the_client_hello) {
  otls_context *cctx = hostile_client_ctx();
  otls_conn *c;
  CHECK_ERR(otls_conn_new(&c, cctx, NULL), 0);
  uint8_t *msg;
  size_t len;
  struct otls__client_hello ch;
  struct raw_hello raw;
  client_first_flight(c, &msg, &len, &ch, &raw);
  CHECK_INT(raw.legacy_version, 0x0303);
  CHECK(ch.supported_versions != NULL);
  bool has13 = false, has12 = false;
  for (size_t i = 0; i + 1 < ch.supported_versions_len; i += 2) {
    unsigned v = (unsigned)(ch.supported_versions[i] << 8 | ch.supported_versions[i + 1]);
    if ((v & 0x0f0f) == 0x0a0a)
      continue; /* GREASE */
    if (v == 0x0304)
      has13 = true;
    else if (v == 0x0303)
      has12 = true;
    else
      otls_test_fail(__FILE__, __LINE__, "the client offers version 0x%04x", v);
  }
  CHECK(has12);
  CHECK(has13 == otls_backend_has(OTLS_CAP_TLS1_3));
  free(msg);
  otls_conn_free(c);
  otls_context_free(cctx);
}

TEST(tls11_only_client_is_refused_with_protocol_version) {
  /* legacy_version TLS 1.1, no supported_versions: a TLS 1.1-only client. */
  /* The CBC-SHA suites of TLS 1.1, and one GCM suite the control below needs
   * (the default list has no CBC suite). */
  static const uint16_t suites[] = {0xc013, 0xc014, 0x002f, 0x0035, 0xc02f};
  struct hello_spec spec = {.legacy_version = 0x0302, .suites = suites, .n_suites = 5};
  struct hbuf hello = {0};
  build_client_hello(&hello, &spec, 0);
  otls_context *sctx = hostile_server_ctx();
  otls_conn *s = new_server_conn(sctx);
  feed_all(s, hello.p, hello.len);
  int rv = otls_conn_handshake(s);
  printf("  -> %s: %s\n", otls_err_name(rv), otls_conn_error(s));
  CHECK_ERR(rv, OTLS_E_VERSION_MISMATCH);
  bool sent = false;
  CHECK_INT(otls_conn_alert(s, &sent), 70 /* protocol_version */);
  CHECK(sent);
  const uint8_t *body;
  size_t len;
  CHECK_INT(first_output_record(s, &body, &len), 21);
  CHECK_INT(body[1], 70);
  CHECK(otls_conn_protocol(s) == NULL);
  otls_conn_free(s);
  otls_context_free(sctx);
  hb_free(&hello);
  /* The same hello as TLS 1.2 is answered: the refusal was the version. */
  spec.legacy_version = 0x0303;
  build_client_hello(&hello, &spec, 0);
  sctx = hostile_server_ctx();
  s = new_server_conn(sctx);
  feed_all(s, hello.p, hello.len);
  CHECK_ERR(otls_conn_handshake(s), OTLS_E_WANT_READ);
  CHECK_INT(first_output_record(s, &body, &len), 22);
  CHECK_INT(body[0], 2); /* server_hello */
  otls_conn_free(s);
  otls_context_free(sctx);
  hb_free(&hello);
}

TEST(tls10_and_tls11_need_an_explicit_min_version) {
  /* The options' defaults leave the range unset: TLS 1.2 .. TLS 1.3. */
  otls_context_options o;
  otls_context_options_init(&o);
  CHECK(o.min_version == NULL);
  CHECK(o.max_version == NULL);
  CHECK(o.secure_protocol == NULL);
  /* A client and server that agree use TLS 1.3 (or 1.2 without it). */
  otls_conn *c, *s;
  otls_context *cctx, *sctx;
  handshake_pair(&c, &s, &cctx, &sctx);
  CHECK_STR(otls_conn_protocol(c), otls_backend_has(OTLS_CAP_TLS1_3) ? "TLSv1.3" : "TLSv1.2");
  otls_conn_free(c);
  otls_conn_free(s);
  otls_context_free(cctx);
  otls_context_free(sctx);
}

TEST(default_cipher_list_has_no_weak_suites) {
  uint16_t ids[OTLS_CIPHERS_MAX];
  size_t n = 0;
  CHECK_ERR(otls_ciphers_eval(NULL, ids, OTLS_CIPHERS_MAX, &n), 0);
  CHECK(n > 0);
  for (size_t i = 0; i < n; i++)
    CHECK(!weak_suite(ids[i]));
  /* And what a default client actually offers. */
  otls_context *cctx = hostile_client_ctx();
  otls_conn *c;
  CHECK_ERR(otls_conn_new(&c, cctx, NULL), 0);
  uint8_t *msg;
  size_t len;
  struct otls__client_hello ch;
  struct raw_hello raw;
  client_first_flight(c, &msg, &len, &ch, &raw);
  size_t real = 0;
  for (size_t i = 0; i + 1 < raw.suites_len; i += 2) {
    uint16_t id = (uint16_t)(raw.suites[i] << 8 | raw.suites[i + 1]);
    CHECK(!weak_suite(id));
    otls_cipher_info ci;
    if (otls_cipher_lookup(id, &ci) == 0) {
      /* Forward secrecy and AEAD only: TLS 1.3 suites or ECDHE with GCM/ChaCha. */
      bool ok = strncmp(ci.standard_name, "TLS_AES_", 8) == 0 ||
                strncmp(ci.standard_name, "TLS_CHACHA20_", 13) == 0 ||
                (strncmp(ci.standard_name, "TLS_ECDHE_", 10) == 0 &&
                 (strstr(ci.standard_name, "_GCM_") || strstr(ci.standard_name, "CHACHA20")));
      if (!ok)
        otls_test_fail(__FILE__, __LINE__, "default client offers %s", ci.standard_name);
      real++;
    }
  }
  CHECK(real > 0);
  free(msg);
  otls_conn_free(c);
  otls_context_free(cctx);
}

TEST(server_refuses_a_client_offering_only_weak_suites) {
  static const uint16_t weak[] = {
      0x0004, /* RC4-MD5 */          0x0005, /* RC4-SHA */
      0x000a, /* DES-CBC3-SHA */     0x0009, /* DES-CBC-SHA */
      0x0003, /* EXP-RC4-MD5 */      0x0008, /* EXP-DES-CBC-SHA */
      0x0001, /* NULL-MD5 */         0x0002, /* NULL-SHA */
      0x003b, /* NULL-SHA256 */      0xc010, /* ECDHE-RSA-NULL-SHA */
      0x0034, /* ADH-AES128-SHA */   0x00a6, /* ADH-AES128-GCM-SHA256 */
      0xc018, /* AECDH-AES128-SHA */ 0xc011, /* ECDHE-RSA-RC4-SHA */
      0xc012, /* ECDHE-RSA-DES-CBC3-SHA */
  };
  struct hello_spec spec = {.suites = weak, .n_suites = sizeof(weak) / sizeof(weak[0])};
  struct hbuf hello = {0};
  build_client_hello(&hello, &spec, 0);
  otls_context *sctx = hostile_server_ctx();
  otls_conn *s = new_server_conn(sctx);
  feed_all(s, hello.p, hello.len);
  int rv = otls_conn_handshake(s);
  printf("  -> %s: %s\n", otls_err_name(rv), otls_conn_error(s));
  CHECK_ERR(rv, OTLS_E_NO_SHARED_CIPHER);
  bool sent = false;
  CHECK_INT(otls_conn_alert(s, &sent), 40 /* handshake_failure */);
  CHECK(sent);
  otls_conn_free(s);
  otls_context_free(sctx);
  hb_free(&hello);
}

TEST(client_verifies_the_certificate_by_default) {
  otls_context_options o;
  otls_context_options_init(&o);
  CHECK(o.reject_unauthorized);
  /* No `ca`: the system store, which does not hold the test root. */
  otls_context *cctx = NULL;
  CHECK_ERR(otls_context_new(&cctx, &o, NULL, 0), 0);
  otls_context *sctx = hostile_server_ctx();
  otls_conn *c, *s;
  make_pair(cctx, sctx, &c, &s);
  int ce, se;
  pump_handshake(c, s, &ce, &se);
  CHECK_ERR(ce, OTLS_E_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  CHECK(!otls_conn_is_authorized(c));
  CHECK(!otls_conn_is_handshake_done(c));
  CHECK_STR(otls_conn_authorization_error(c), "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
  otls_conn_free(c);
  otls_conn_free(s);
  otls_context_free(cctx);
  otls_context_free(sctx);
}

TEST(client_checks_the_host_name_by_default) {
  otls_context *cctx = hostile_client_ctx(), *sctx = hostile_server_ctx();
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.servername = "other.invalid";
  otls_conn *c, *s = new_server_conn(sctx);
  CHECK_ERR(otls_conn_new(&c, cctx, &co), 0);
  int ce, se;
  pump_handshake(c, s, &ce, &se);
  CHECK_ERR(ce, OTLS_E_CERT_ALTNAME_INVALID);
  CHECK(!otls_conn_is_handshake_done(c));
  otls_conn_free(c);
  otls_conn_free(s);
  /* The socket API checks the host it connected to the same way. */
  otls_socket_options sopt;
  otls_socket_options_init(&sopt);
  CHECK_INT(sopt.reject_unauthorized, -1); /* inherit: the context's true */
  otls_context_free(cctx);
  otls_context_free(sctx);
}

TEST(compression_is_never_offered_nor_accepted) {
  /* The client offers only the null method. */
  otls_context *cctx = hostile_client_ctx();
  otls_conn *c;
  CHECK_ERR(otls_conn_new(&c, cctx, NULL), 0);
  uint8_t *msg;
  size_t len;
  struct otls__client_hello ch;
  struct raw_hello raw;
  client_first_flight(c, &msg, &len, &ch, &raw);
  CHECK_INT(raw.compression_len, 1);
  CHECK_INT(raw.compression[0], 0);
  free(msg);
  otls_conn_free(c);
  otls_context_free(cctx);

  /* The server, offered DEFLATE first, picks null. */
  static const uint8_t deflate_first[] = {1, 0};
  struct hello_spec spec = {.compression = deflate_first, .n_compression = 2};
  struct hbuf hello = {0};
  build_client_hello(&hello, &spec, 0);
  otls_context *sctx = hostile_server_ctx();
  otls_conn *s = new_server_conn(sctx);
  feed_all(s, hello.p, hello.len);
  CHECK_ERR(otls_conn_handshake(s), OTLS_E_WANT_READ);
  const uint8_t *body;
  size_t blen;
  CHECK_INT(first_output_record(s, &body, &blen), 22);
  CHECK_INT(body[0], 2); /* server_hello */
  size_t off = 4 + 2 + 32;
  off += 1 + body[off]; /* session id */
  CHECK(off + 3 <= blen);
  CHECK_INT(body[off + 2], 0); /* compression_method: null */
  otls_conn_free(s);
  hb_free(&hello);

  /* Offered DEFLATE only, it refuses. */
  static const uint8_t deflate_only[] = {1};
  spec.compression = deflate_only;
  spec.n_compression = 1;
  build_client_hello(&hello, &spec, 0);
  s = new_server_conn(sctx);
  feed_all(s, hello.p, hello.len);
  int rv = otls_conn_handshake(s);
  printf("  deflate only -> %s: %s\n", otls_err_name(rv), otls_conn_error(s));
  /* Alerts differ (OpenSSL decode_error, the others illegal_parameter); the code does not. */
  CHECK_ERR(rv, OTLS_E_PROTOCOL);
  CHECK(!otls_conn_is_handshake_done(s));
  int type = first_output_record(s, &body, &blen);
  CHECK(type == -1 || type == 21); /* an alert or nothing, never a ServerHello */
  otls_conn_free(s);
  hb_free(&hello);
  otls_context_free(sctx);
}

/* Check that what `from` queued after shutdown is a close_notify for `to`. */
static void check_close_notify(otls_conn *from, otls_conn *to) {
  CHECK(otls_conn_pending_output(from) > 0);
  CHECK(pump_once(from, to) > 0);
  char b[8];
  int rv;
  while ((rv = otls_conn_read(to, b, sizeof(b))) > 0)
    ;
  CHECK_INT(rv, 0); /* a clean end, not OTLS_E_TRUNCATED */
  CHECK(otls_conn_is_peer_closed(to));
}

TEST(close_notify_is_sent_on_end) {
  otls_conn *c, *s;
  otls_context *cctx, *sctx;
  handshake_pair(&c, &s, &cctx, &sctx);
  CHECK_ERR(otls_conn_shutdown(c), 0);
  check_close_notify(c, s);
  CHECK_ERR(otls_conn_shutdown(s), 0);
  check_close_notify(s, c);
  otls_conn_free(c);
  otls_conn_free(s);
  otls_context_free(cctx);
  otls_context_free(sctx);

  /* In TLS 1.2 the record is visibly an alert: warning(1) close_notify(0), encrypted. */
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source ca = otls_source_file(pki("ca.pem"));
  o.ca = &ca;
  o.ca_count = 1;
  o.max_version = "TLSv1.2";
  CHECK_ERR(otls_context_new(&cctx, &o, NULL, 0), 0);
  sctx = hostile_server_ctx();
  make_pair(cctx, sctx, &c, &s);
  CHECK_ERR(pump_handshake(c, s, NULL, NULL), 0);
  CHECK_STR(otls_conn_protocol(c), "TLSv1.2");
  (void)pump_once(s, c);
  CHECK_ERR(otls_conn_shutdown(c), 0);
  const uint8_t *body;
  size_t len;
  CHECK_INT(first_output_record(c, &body, &len), 21);
  check_close_notify(c, s);
  otls_conn_free(c);
  otls_conn_free(s);
  otls_context_free(cctx);
  otls_context_free(sctx);
}

struct reader {
  pthread_t th;
  otls_socket *s;
  int end;
};

static void *read_to_end(void *arg) {
  struct reader *r = arg;
  char b[64];
  do
    r->end = otls_socket_read(r->s, b, sizeof(b));
  while (r->end > 0);
  return NULL;
}

TEST(socket_close_sends_close_notify) {
  int sp[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
  otls_context *cctx = hostile_client_ctx(), *sctx = hostile_server_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.servername = "localhost";
  o.timeout_ms = 10000;
  otls_socket *cs;
  struct reader r = {0};
  CHECK_ERR(otls_socket_wrap_fd(&cs, cctx, sp[0], false, &o), 0);
  CHECK_ERR(otls_socket_wrap_fd(&r.s, sctx, sp[1], true, &o), 0);
  CHECK(pthread_create(&r.th, NULL, read_to_end, &r) == 0);
  CHECK_ERR(otls_socket_handshake(cs), 0);
  CHECK_INT(otls_socket_write(cs, "bye", 3), 3);
  CHECK_ERR(otls_socket_close(cs), 0);
  pthread_join(r.th, NULL);
  CHECK_INT(r.end, 0); /* the server saw close_notify, not a bare FIN */
  otls_socket_free(cs);
  otls_socket_free(r.s);
  otls_context_free(cctx);
  otls_context_free(sctx);
}
