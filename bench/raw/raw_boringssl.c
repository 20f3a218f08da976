/*
 * omnitls benchmarks — the work of bench.h written directly against
 * BoringSSL (Debian's android-libboringssl): client and server SSL objects
 * in one process over memory.
 *
 * Transport: one byte queue per direction (memq.h, as for wolfSSL and
 * GnuTLS) behind a minimal BIO: the sender's BIO appends, the receiver's
 * drains. Not BoringSSL's memory BIO, which zeroes the grown part of its
 * buffer on every write and moves the remaining bytes on every partial read
 * (about 10% of the 16 KiB bulk work in instructions), nor a BIO pair, whose
 * two fixed 17 KiB rings would dominate the idle-connection heap figure.
 *
 * Configured to do what omnitls does by default (docs/performance.md):
 * TLS 1.2..1.3, omnitls' TLS 1.2 suite and group order (BoringSSL's TLS 1.3
 * suites are fixed: AES-128-GCM first), the client verifies the chain
 * against ca.pem and the name "localhost". Sessions as omnitls' BoringSSL
 * backend: the server issues one ticket per full handshake
 * (SSL_CTX_set_num_tickets(1)) and, since BoringSSL holds TLS 1.3 tickets
 * until the next write, flushes them with an empty SSL_write once its
 * handshake is done; the client has no internal session cache and
 * serialises each new session with SSL_SESSION_to_bytes in its new-session
 * callback, and resumes from those bytes. For session ids the server has
 * SSL_OP_NO_TICKET and BoringSSL's own server session cache. Everything
 * else is BoringSSL's default (tickets under its own keys: AES-128-CBC +
 * HMAC-SHA256, as omnitls' key callback).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/base.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../bench.h"
#include "memq.h"

#define TLS12_SUITES                                                                               \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                     \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                     \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define GROUPS "X25519:P-256:P-384"

struct env {
  SSL_CTX *client, *server;
  uint8_t *session; /* resumption: the serialised session to resume */
  size_t session_len;
};

struct pair {
  SSL *c, *s;
  struct memq c2s, s2c;
  uint8_t *sess; /* the client's newest session, SSL_SESSION_to_bytes */
  size_t sess_len;
  unsigned tickets; /* sessions the client was given */
};

/* The BIO: data = the queue; BIO_set_app_data would do as well. */
static BIO_METHOD *queue_method;

static int bio_write(BIO *b, const char *buf, int len) {
  BIO_clear_retry_flags(b);
  return memq_append(BIO_get_data(b), buf, (size_t)len) < 0 ? -1 : len;
}

static int bio_read(BIO *b, char *buf, int len) {
  BIO_clear_retry_flags(b);
  size_t n = memq_take(BIO_get_data(b), buf, (size_t)len);
  if (n == 0) {
    BIO_set_retry_read(b);
    return -1;
  }
  return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)b;
  (void)num;
  (void)ptr;
  return cmd == BIO_CTRL_FLUSH;
}

static int bio_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static BIO *queue_bio(struct memq *q) {
  BIO *b = BIO_new(queue_method);
  if (b)
    BIO_set_data(b, q);
  return b;
}

#define STR2(x) #x
#define STR(x) STR2(x)

const char *bench_raw_backend(void) {
  return "boringssl";
}
const char *bench_raw_version(void) {
  return "BoringSSL (API " STR(BORINGSSL_API_VERSION) ")";
}

static void report(const char *what) {
  char msg[256] = "no error queued";
  unsigned long e = ERR_get_error();
  if (e)
    ERR_error_string_n(e, msg, sizeof(msg));
  fprintf(stderr, "raw boringssl: %s: %s\n", what, msg);
  ERR_clear_error();
}

/* Client: each new session (TLS 1.3 ticket, TLS 1.2 session) serialised. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess) {
  struct pair *pr = SSL_get_app_data(ssl);
  if (pr == NULL || !SSL_SESSION_is_resumable(sess))
    return 0;
  uint8_t *der = NULL;
  size_t len = 0;
  if (SSL_SESSION_to_bytes(sess, &der, &len) && len > 0) {
    OPENSSL_free(pr->sess);
    pr->sess = der;
    pr->sess_len = len;
    pr->tickets++;
  }
  return 0; /* no reference kept */
}

static SSL_CTX *ctx_new(bool server, const struct bench_setup *s) {
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == NULL)
    return NULL;
  if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, s->tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) ||
      !SSL_CTX_set_strict_cipher_list(ctx, TLS12_SUITES) ||
      !SSL_CTX_set1_curves_list(ctx, GROUPS)) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  if (!server) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    return ctx;
  }
  if (s->resume == BENCH_SESSION_ID) {
    /* No tickets: TLS 1.2 sessions get an id and go to the server's cache. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  } else {
    /* One ticket per full handshake, as omnitls' servers. */
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 1);
  }
  /*
   * The session id context and lifetimes omnitls' servers give their
   * sessions ("omnitls", Node's 300 s): the same session bytes inside the
   * tickets, so the same bytes on the wire.
   */
  if (!SSL_CTX_set_session_id_context(ctx, (const uint8_t *)"omnitls", 7)) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  SSL_CTX_set_timeout(ctx, 300);
  SSL_CTX_set_session_psk_dhe_timeout(ctx, 300);
  return ctx;
}

static int get_session(struct env *e);

static void *env_new(const struct bench_setup *s) {
  char chain[1024], key[1024], ca[1024];
  if (queue_method == NULL) {
    queue_method = BIO_meth_new(BIO_TYPE_SOURCE_SINK | BIO_get_new_index(), "bench queue");
    if (queue_method == NULL || !BIO_meth_set_write(queue_method, bio_write) ||
        !BIO_meth_set_read(queue_method, bio_read) || !BIO_meth_set_ctrl(queue_method, bio_ctrl) ||
        !BIO_meth_set_create(queue_method, bio_create)) {
      report("BIO_meth_new");
      return NULL;
    }
  }
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->server = ctx_new(true, s);
  e->client = ctx_new(false, s);
  if (e->server == NULL || e->client == NULL) {
    report("SSL_CTX configuration");
    goto out_free;
  }
  if (SSL_CTX_use_certificate_chain_file(e->server, bench_path(chain, sizeof(chain), s->pki_dir,
                                                               bench_chain_file(s->cert))) != 1 ||
      SSL_CTX_use_PrivateKey_file(e->server,
                                  bench_path(key, sizeof(key), s->pki_dir, bench_key_file(s->cert)),
                                  SSL_FILETYPE_PEM) != 1) {
    report("server credentials");
    goto out_free;
  }
  if (SSL_CTX_load_verify_locations(e->client, bench_path(ca, sizeof(ca), s->pki_dir, "ca.pem"),
                                    NULL) != 1) {
    report("client CA");
    goto out_free;
  }
  SSL_CTX_set_verify(e->client, SSL_VERIFY_PEER, NULL);
  if (s->resume != BENCH_FULL && get_session(e) < 0)
    goto out_free;
  return e;
out_free:
  SSL_CTX_free(e->server);
  SSL_CTX_free(e->client);
  free(e);
  return NULL;
}

static void env_free(void *p) {
  struct env *e = p;
  SSL_CTX_free(e->server);
  SSL_CTX_free(e->client);
  OPENSSL_free(e->session);
  free(e);
}

static void pair_free(struct pair *pr) {
  SSL_free(pr->c);
  SSL_free(pr->s);
  memq_free(&pr->c2s);
  memq_free(&pr->s2c);
  OPENSSL_free(pr->sess);
}

/* Two SSLs joined by two queues; each SSL reads one and writes the other. */
static int pair_init(struct env *e, struct pair *pr) {
  memset(pr, 0, sizeof(*pr));
  pr->c = SSL_new(e->client);
  pr->s = SSL_new(e->server);
  BIO *cr = queue_bio(&pr->s2c), *cw = queue_bio(&pr->c2s);
  BIO *sr = queue_bio(&pr->c2s), *sw = queue_bio(&pr->s2c);
  if (!pr->c || !pr->s || !cr || !cw || !sr || !sw) {
    BIO_free(cr);
    BIO_free(cw);
    BIO_free(sr);
    BIO_free(sw);
    pair_free(pr);
    report("SSL_new");
    return -1;
  }
  SSL_set_bio(pr->c, cr, cw);
  SSL_set_bio(pr->s, sr, sw);
  if (!SSL_set_tlsext_host_name(pr->c, BENCH_HOST) || !SSL_set1_host(pr->c, BENCH_HOST)) {
    report("SNI / host");
    pair_free(pr);
    return -1;
  }
  SSL_set_app_data(pr->c, pr);
  if (e->session) {
    SSL_SESSION *sess = SSL_SESSION_from_bytes(e->session, e->session_len, e->client);
    int ok = sess != NULL && SSL_set_session(pr->c, sess);
    SSL_SESSION_free(sess);
    if (!ok) {
      report("resuming the session");
      pair_free(pr);
      return -1;
    }
  }
  SSL_set_connect_state(pr->c);
  SSL_set_accept_state(pr->s);
  return 0;
}

static int step(SSL *ssl, bool *done) {
  if (*done)
    return 0;
  int ret = SSL_do_handshake(ssl);
  if (ret == 1) {
    *done = true;
    /* A server holds its TLS 1.3 tickets until the next write: flush them. */
    if (SSL_is_server(ssl) && SSL_write(ssl, "", 0) < 0) {
      report("server: flushing the tickets");
      return -1;
    }
    return 0;
  }
  if (SSL_get_error(ssl, ret) == SSL_ERROR_WANT_READ)
    return 0;
  report(SSL_is_server(ssl) ? "server handshake" : "client handshake");
  return -1;
}

/*
 * The client after its handshake: take in what the server sent since (the
 * TLS 1.3 NewSessionTicket). No application data comes: want-read or fail.
 */
static int client_read(SSL *c) {
  uint8_t buf[256];
  int n = SSL_read(c, buf, sizeof(buf));
  if (n <= 0 && SSL_get_error(c, n) == SSL_ERROR_WANT_READ)
    return 0;
  report(n > 0 ? "client read: unexpected data" : "client read");
  return -1;
}

/*
 * One handshake on a new pair: resuming e->session when there is one. The
 * loop ends when both ends are done, both queues are empty, and the client
 * has taken in everything the server sent (its ticket included).
 */
static int handshake_pair(struct env *e, struct pair *pr, struct bench_negotiated *capture) {
  if (pair_init(e, pr) < 0)
    return -1;
  bool cdone = false, sdone = false;
  for (int round = 0; round < 16; round++) {
    if (!cdone ? step(pr->c, &cdone) < 0 : memq_len(&pr->s2c) > 0 && client_read(pr->c) < 0)
      break;
    if (capture)
      bench_keep(capture->cflight, sizeof(capture->cflight), &capture->cflight_len,
                 pr->c2s.data + pr->c2s.head, memq_len(&pr->c2s));
    if (step(pr->s, &sdone) < 0)
      break;
    if (capture)
      bench_keep(capture->flight, sizeof(capture->flight), &capture->flight_len,
                 pr->s2c.data + pr->s2c.head, memq_len(&pr->s2c));
    if (cdone && sdone && memq_len(&pr->c2s) == 0 && memq_len(&pr->s2c) == 0)
      return 0;
  }
  fprintf(stderr, "raw boringssl: the handshake did not complete\n");
  pair_free(pr);
  return -1;
}

/* A resumption that did not resume, on either end, fails the benchmark. */
static int check_resumed(const struct env *e, const struct pair *pr) {
  if (e->session == NULL)
    return 0;
  int c = SSL_session_reused(pr->c), s = SSL_session_reused(pr->s);
  if (c == 1 && s == 1)
    return 0;
  fprintf(stderr, "raw boringssl: the handshake was not resumed (client: %s, server: %s)\n",
          c == 1 ? "resumed" : "full", s == 1 ? "resumed" : "full");
  return -1;
}

static int handshake(void *env) {
  struct pair pr;
  if (handshake_pair(env, &pr, NULL) < 0)
    return -1;
  int rv = check_resumed(env, &pr);
  pair_free(&pr);
  return rv;
}

/* Once per env: a full handshake whose client session the others resume. */
static int get_session(struct env *e) {
  struct pair pr;
  if (handshake_pair(e, &pr, NULL) < 0)
    return -1;
  if (pr.sess == NULL) {
    fprintf(stderr, "raw boringssl: the client got no session to resume\n");
    pair_free(&pr);
    return -1;
  }
  e->session = pr.sess;
  e->session_len = pr.sess_len;
  pr.sess = NULL;
  pair_free(&pr);
  return 0;
}

static int probe(void *env, struct bench_negotiated *out) {
  struct pair pr;
  if (handshake_pair(env, &pr, out) < 0)
    return -1;
  out->c2s_bytes = pr.c2s.total;
  out->s2c_bytes = pr.s2c.total;
  out->tickets = pr.tickets;
  out->client_resumed = SSL_session_reused(pr.c) == 1;
  out->server_resumed = SSL_session_reused(pr.s) == 1;
  const SSL_CIPHER *c = SSL_get_current_cipher(pr.c);
  snprintf(out->protocol, sizeof(out->protocol), "%s", SSL_get_version(pr.c));
  out->suite = c ? SSL_CIPHER_get_protocol_id(c) : 0;
  snprintf(out->suite_name, sizeof(out->suite_name), "%s", c ? SSL_CIPHER_standard_name(c) : "?");
  long vr = SSL_get_verify_result(pr.c);
  pair_free(&pr);
  if (vr != X509_V_OK) {
    fprintf(stderr, "raw boringssl: verification: %s\n", X509_verify_cert_error_string(vr));
    return -1;
  }
  return 0;
}

static void *pair_open(void *env) {
  struct pair *pr = malloc(sizeof(*pr));
  if (pr && handshake_pair(env, pr, NULL) < 0) {
    free(pr);
    return NULL;
  }
  return pr;
}

static void pair_close(void *p) {
  pair_free(p);
  free(p);
}

static int transfer(void *p, const uint8_t *data, size_t size, size_t nwrites) {
  static uint8_t buf[BENCH_READ_BUF];
  struct pair *pr = p;
  size_t got = 0;
  for (size_t i = 0; i < nwrites; i++) {
    if (SSL_write(pr->c, data + i * size, (int)size) != (int)size) {
      report("client write");
      return -1;
    }
    int n;
    while ((n = SSL_read(pr->s, buf, sizeof(buf))) > 0)
      got += (size_t)n;
    if (SSL_get_error(pr->s, n) != SSL_ERROR_WANT_READ) {
      report("server read");
      return -1;
    }
  }
  if (got != size * nwrites) {
    fprintf(stderr, "raw boringssl: the server read %zu bytes of %zu\n", got, size * nwrites);
    return -1;
  }
  return 0;
}

const struct bench_impl bench_raw = {
    .name = "raw",
    .env_new = env_new,
    .env_free = env_free,
    .handshake = handshake,
    .probe = probe,
    .pair_open = pair_open,
    .pair_close = pair_close,
    .transfer = transfer,
};
