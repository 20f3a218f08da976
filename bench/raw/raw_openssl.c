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
 * TLS 1.2..1.3, omnitls' suite and group order, the client verifies the
 * chain against ca.pem and the name "localhost". Sessions as omnitls'
 * OpenSSL backend: the server issues one ticket per full handshake
 * (SSL_CTX_set_num_tickets(1)), the client has no internal session cache
 * and serialises each new session with i2d_SSL_SESSION in its new-session
 * callback, and resumes from those bytes (d2i_SSL_SESSION). For session ids
 * the server has SSL_OP_NO_TICKET and OpenSSL's own server session cache.
 * Everything else is OpenSSL's default (e.g. read/write buffers are kept,
 * and tickets are encrypted under OpenSSL's own keys: AES-256-CBC where
 * omnitls' key callback uses Node's AES-128-CBC).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
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
  uint8_t ticket_key[48]; /* Node's layout: 16 name | 16 HMAC | 16 AES */
  uint8_t *session;       /* resumption: the serialised session to resume */
  size_t session_len;
};

struct pair {
  SSL *c, *s;
  BIO *c2s, *s2c;
  unsigned char *sess; /* the client's newest session, i2d_SSL_SESSION */
  int sess_len;
  unsigned tickets; /* sessions the client was given */
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

/* Client: each new session (TLS 1.3 ticket, TLS 1.2 session) serialised. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess) {
  struct pair *pr = SSL_get_app_data(ssl);
  if (pr == NULL || !SSL_SESSION_is_resumable(sess))
    return 0;
  unsigned char *der = NULL;
  int n = i2d_SSL_SESSION(sess, &der);
  if (n > 0) {
    OPENSSL_free(pr->sess);
    pr->sess = der;
    pr->sess_len = n;
    pr->tickets++;
  }
  return 0; /* no reference kept */
}

/*
 * Server tickets under one key of the env's own, in Node's scheme (what
 * Node and omnitls install): AES-128-CBC + HMAC-SHA256, a 16-byte key name.
 * Not OpenSSL's built-in keys: with those a TLS 1.3 server renews the
 * ticket on every resumption (one more NewSessionTicket) where a callback
 * that answers 1 does not, so the resumed handshakes would not be the same
 * work. Returns 1 (ticket made / key found), 0 (unknown key), -1 (error).
 */
static int ticket_key_cb(SSL *ssl, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cipher,
                         EVP_MAC_CTX *mac, int enc) {
  const uint8_t *key = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
  if (enc) {
    memcpy(name, key, 16);
    if (RAND_bytes(iv, 16) != 1)
      return -1;
  } else if (memcmp(name, key, 16) != 0) {
    return 0;
  }
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                          OSSL_PARAM_construct_end()};
  if (!EVP_MAC_init(mac, key + 16, 16, params) ||
      !(enc ? EVP_EncryptInit_ex(cipher, EVP_aes_128_cbc(), NULL, key + 32, iv)
            : EVP_DecryptInit_ex(cipher, EVP_aes_128_cbc(), NULL, key + 32, iv)))
    return -1;
  return 1;
}

static SSL_CTX *ctx_new(bool server, const struct bench_setup *s) {
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == NULL)
    return NULL;
  if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, s->tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) ||
      !SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) || !SSL_CTX_set_cipher_list(ctx, TLS12_SUITES) ||
      !SSL_CTX_set1_groups_list(ctx, GROUPS)) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  if (!server) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
  } else if (s->resume == BENCH_SESSION_ID) {
    /* No tickets: TLS 1.2 sessions get an id and go to the server's cache. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  } else {
    /* One ticket per full handshake, as omnitls' servers. */
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 1);
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb);
  }
  if (server) {
    /*
     * The session id context and lifetime omnitls' servers give their
     * sessions ("omnitls", Node's 300 s): the same session bytes inside the
     * tickets, so the same bytes on the wire.
     */
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"omnitls", 7);
    SSL_CTX_set_timeout(ctx, 300);
  }
  return ctx;
}

static int get_session(struct env *e);

static void *env_new(const struct bench_setup *s) {
  char chain[1024], key[1024], ca[1024];
  if (!OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL)) {
    report("OPENSSL_init_ssl");
    return NULL;
  }
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->server = ctx_new(true, s);
  e->client = ctx_new(false, s);
  if (e->server == NULL || e->client == NULL || RAND_bytes(e->ticket_key, 48) != 1) {
    report("SSL_CTX configuration");
    goto out_free;
  }
  SSL_CTX_set_app_data(e->server, e->ticket_key);
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
  /*
   * Closed as far as the session cache is concerned: SSL_free() of a
   * connection that was not shut down drops its session from the server's
   * cache (there is no close_notify exchange in this work).
   */
  if (pr->s)
    SSL_set_shutdown(pr->s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(pr->c);
  SSL_free(pr->s);
  OPENSSL_free(pr->sess);
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
  SSL_set_app_data(pr->c, pr);
  if (e->session) {
    const unsigned char *p = e->session;
    SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)e->session_len);
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
  unsigned char buf[256];
  int n = SSL_read(c, buf, sizeof(buf));
  if (n <= 0 && SSL_get_error(c, n) == SSL_ERROR_WANT_READ)
    return 0;
  report(n > 0 ? "client read: unexpected data" : "client read");
  return -1;
}

/*
 * One handshake on a new pair: resuming e->session when there is one. The
 * loop ends when both ends are done, nothing is left in the BIOs, and the
 * client has taken in everything the server sent (its ticket included).
 */
static int handshake_pair(struct env *e, struct pair *pr, struct bench_negotiated *capture) {
  if (pair_init(e, pr) < 0)
    return -1;
  bool cdone = false, sdone = false;
  for (int round = 0; round < 16; round++) {
    char *p;
    long n;
    if (!cdone ? step(pr->c, &cdone) < 0 : BIO_ctrl_pending(pr->s2c) > 0 && client_read(pr->c) < 0)
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

/* A resumption that did not resume, on either end, fails the benchmark. */
static int check_resumed(const struct env *e, const struct pair *pr) {
  if (e->session == NULL)
    return 0;
  int c = SSL_session_reused(pr->c), s = SSL_session_reused(pr->s);
  if (c == 1 && s == 1)
    return 0;
  fprintf(stderr, "raw openssl: the handshake was not resumed (client: %s, server: %s)\n",
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
    fprintf(stderr, "raw openssl: the client got no session to resume\n");
    pair_free(&pr);
    return -1;
  }
  e->session = pr.sess;
  e->session_len = (size_t)pr.sess_len;
  pr.sess = NULL;
  pair_free(&pr);
  return 0;
}

static int probe(void *env, struct bench_negotiated *out) {
  struct pair pr;
  if (handshake_pair(env, &pr, out) < 0)
    return -1;
  out->c2s_bytes = BIO_number_written(pr.c2s);
  out->s2c_bytes = BIO_number_written(pr.s2c);
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
    .unsupported = NULL,
    .env_new = env_new,
    .env_free = env_free,
    .handshake = handshake,
    .probe = probe,
    .pair_open = pair_open,
    .pair_close = pair_close,
    .transfer = transfer,
};
