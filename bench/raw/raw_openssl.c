/*
 * omnitls benchmarks — the work of bench.h written directly against
 * OpenSSL 3: client and server SSL objects in one process over memory.
 *
 * Transport: one memory BIO per direction, shared by both ends (the client's
 * wbio is the server's rbio and vice versa): the leanest in-memory transport
 * OpenSSL offers — each record is copied into the BIO by the writer and out
 * of it by the reader, with no pump in between.
 *
 * Configured to do what omnitls does by default (docs/performance.md):
 * TLS 1.2..1.3, omnitls' suite and group order, no tickets or session cache,
 * the client verifies the chain against ca.pem and the name "localhost".
 * Everything else is OpenSSL's default (e.g. read/write buffers are kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../bench.h"

#define TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define TLS12_SUITES                                                                               \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                     \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                     \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define GROUPS "X25519:P-256:P-384"

struct env {
  SSL_CTX *client, *server;
};

struct pair {
  SSL *c, *s;
  BIO *c2s, *s2c;
};

const char *bench_raw_backend(void) {
  return "openssl";
}
const char *bench_raw_version(void) {
  return OpenSSL_version(OPENSSL_VERSION);
}

static void report(const char *what) {
  char msg[256] = "no error queued";
  unsigned long e = ERR_get_error();
  if (e)
    ERR_error_string_n(e, msg, sizeof(msg));
  fprintf(stderr, "raw openssl: %s: %s\n", what, msg);
  ERR_clear_error();
}

static SSL_CTX *ctx_new(bool server, bool tls12) {
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == NULL)
    return NULL;
  if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) ||
      !SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) || !SSL_CTX_set_cipher_list(ctx, TLS12_SUITES) ||
      !SSL_CTX_set1_groups_list(ctx, GROUPS)) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  /* No resumption on either side: omnitls has no session API yet. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  return ctx;
}

static void *env_new(const struct bench_setup *s) {
  char chain[1024], key[1024], ca[1024];
  if (!OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL)) {
    report("OPENSSL_init_ssl");
    return NULL;
  }
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->server = ctx_new(true, s->tls12);
  e->client = ctx_new(false, s->tls12);
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
  free(e);
}

static void pair_free(struct pair *pr) {
  SSL_free(pr->c);
  SSL_free(pr->s);
}

/* Two SSLs joined by two memory BIOs; each SSL owns one reference of each. */
static int pair_init(struct env *e, struct pair *pr) {
  memset(pr, 0, sizeof(*pr));
  pr->c2s = BIO_new(BIO_s_mem());
  pr->s2c = BIO_new(BIO_s_mem());
  pr->c = SSL_new(e->client);
  pr->s = SSL_new(e->server);
  if (!pr->c2s || !pr->s2c || !pr->c || !pr->s) {
    BIO_free(pr->c2s);
    BIO_free(pr->s2c);
    pair_free(pr);
    report("SSL_new");
    return -1;
  }
  /* An empty BIO means "retry later", not end of stream. */
  BIO_set_mem_eof_return(pr->c2s, -1);
  BIO_set_mem_eof_return(pr->s2c, -1);
  BIO_up_ref(pr->c2s);
  BIO_up_ref(pr->s2c);
  SSL_set_bio(pr->c, pr->s2c, pr->c2s);
  SSL_set_bio(pr->s, pr->c2s, pr->s2c);
  if (!SSL_set_tlsext_host_name(pr->c, BENCH_HOST) || !SSL_set1_host(pr->c, BENCH_HOST)) {
    report("SNI / host");
    pair_free(pr);
    return -1;
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
    return 0;
  }
  if (SSL_get_error(ssl, ret) == SSL_ERROR_WANT_READ)
    return 0;
  report(SSL_is_server(ssl) ? "server handshake" : "client handshake");
  return -1;
}

static int handshake_pair(struct env *e, struct pair *pr, struct bench_negotiated *capture) {
  if (pair_init(e, pr) < 0)
    return -1;
  bool cdone = false, sdone = false;
  for (int round = 0; round < 16; round++) {
    char *p;
    long n;
    if (step(pr->c, &cdone) < 0)
      break;
    if (capture && (n = BIO_get_mem_data(pr->c2s, &p)) > 0)
      bench_keep(capture->cflight, sizeof(capture->cflight), &capture->cflight_len, p, (size_t)n);
    if (step(pr->s, &sdone) < 0)
      break;
    if (capture && (n = BIO_get_mem_data(pr->s2c, &p)) > 0)
      bench_keep(capture->flight, sizeof(capture->flight), &capture->flight_len, p, (size_t)n);
    if (cdone && sdone && BIO_ctrl_pending(pr->c2s) == 0 && BIO_ctrl_pending(pr->s2c) == 0)
      return 0;
  }
  fprintf(stderr, "raw openssl: the handshake did not complete\n");
  pair_free(pr);
  return -1;
}

static int handshake(void *env) {
  struct pair pr;
  if (handshake_pair(env, &pr, NULL) < 0)
    return -1;
  pair_free(&pr);
  return 0;
}

static int probe(void *env, struct bench_negotiated *out) {
  struct pair pr;
  if (handshake_pair(env, &pr, out) < 0)
    return -1;
  const SSL_CIPHER *c = SSL_get_current_cipher(pr.c);
  snprintf(out->protocol, sizeof(out->protocol), "%s", SSL_get_version(pr.c));
  out->suite = c ? SSL_CIPHER_get_protocol_id(c) : 0;
  snprintf(out->suite_name, sizeof(out->suite_name), "%s", c ? SSL_CIPHER_standard_name(c) : "?");
  long vr = SSL_get_verify_result(pr.c);
  pair_free(&pr);
  if (vr != X509_V_OK) {
    fprintf(stderr, "raw openssl: verification: %s\n", X509_verify_cert_error_string(vr));
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
    fprintf(stderr, "raw openssl: the server read %zu bytes of %zu\n", got, size * nwrites);
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
