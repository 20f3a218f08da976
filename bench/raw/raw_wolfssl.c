/*
 * omnitls benchmarks — the work of bench.h written directly against wolfSSL
 * (Debian's libwolfssl 5.5): client and server WOLFSSL objects in one
 * process over memory.
 *
 * Transport: wolfSSL IO callbacks over one byte queue per direction
 * (memq.h): the sender's callback appends, the receiver's drains.
 *
 * Configured to do what omnitls does by default (docs/performance.md):
 * TLS 1.2..1.3, omnitls' suite and group order, the client verifies the
 * chain against ca.pem and the name "localhost", and a read that would
 * block returns at once (SSL_MODE_AUTO_RETRY cleared: over memory a retry
 * only repeats the same empty read). Sessions as omnitls' wolfSSL backend:
 * no session cache (OFF, then NO_INTERNAL: this build still "adds" every
 * session that has a ticket); the server issues one TLS 1.3 ticket per full
 * handshake (wolfSSL_CTX_set_num_tickets(1)) and a TLS 1.2 one in its last
 * flight, under wolfSSL's own per-context keys; the client asks for TLS 1.2
 * tickets (wolfSSL_UseSessionTicket), counts TLS 1.3 tickets in its ticket
 * callback and serialises each session (wolfSSL_i2d_SSL_SESSION) in the
 * new-session callback that follows, or from the connection when that
 * callback was skipped; a full TLS 1.2 handshake's session when it
 * completes. It resumes from those bytes (wolfSSL_d2i_SSL_SESSION).
 * Everything else is wolfSSL's default.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench.h"
#include "memq.h"

#define SUITES                                                                                     \
  "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"                \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                     \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                     \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

struct env {
  WOLFSSL_CTX *client, *server;
  uint8_t *session; /* resumption: the serialised session to resume */
  size_t session_len;
};

struct pair {
  WOLFSSL *c, *s;
  struct memq c2s, s2c;
  uint8_t *sess; /* the client's newest session, wolfSSL_i2d_SSL_SESSION */
  size_t sess_len;
  unsigned tickets;         /* sessions the client was given */
  unsigned tickets_pending; /* TLS 1.3 tickets seen, not serialised yet */
};

const char *bench_raw_backend(void) {
  return "wolfssl";
}

const char *bench_raw_version(void) {
  static char v[64];
  snprintf(v, sizeof(v), "wolfSSL %s", wolfSSL_lib_version());
  return v;
}

static void report(const char *what, WOLFSSL *ssl, int ret) {
  char msg[WOLFSSL_MAX_ERROR_SZ] = "";
  int err = ssl ? wolfSSL_get_error(ssl, ret) : ret;
  wolfSSL_ERR_error_string_n((unsigned long)err, msg, sizeof(msg));
  fprintf(stderr, "raw wolfssl: %s: %s (%d)\n", what, msg, err);
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  (void)ssl;
  size_t n = memq_take(ctx, buf, (size_t)sz);
  return n ? (int)n : WOLFSSL_CBIO_ERR_WANT_READ;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  (void)ssl;
  return memq_append(ctx, buf, (size_t)sz) < 0 ? WOLFSSL_CBIO_ERR_GENERAL : sz;
}

/* Client: keep `sess` serialised as the newest session. */
static void keep_session(struct pair *pr, WOLFSSL_SESSION *sess) {
  int n;
  if (!wolfSSL_SESSION_is_resumable(sess) || (n = wolfSSL_i2d_SSL_SESSION(sess, NULL)) <= 0)
    return;
  uint8_t *der = malloc((size_t)n), *q = der;
  if (der == NULL || wolfSSL_i2d_SSL_SESSION(sess, &q) != n) {
    free(der);
    return;
  }
  free(pr->sess);
  pr->sess = der;
  pr->sess_len = (size_t)n;
  pr->tickets++;
}

/* Client: keep the connection's current session. */
static void keep_current(struct pair *pr) {
  WOLFSSL_SESSION *sess = wolfSSL_get1_session(pr->c);
  if (sess) {
    keep_session(pr, sess);
    wolfSSL_SESSION_free(sess);
  }
}

/*
 * Client, TLS 1.3: called as a NewSessionTicket comes in, before wolfSSL
 * has stored its nonce and age (a session serialised here would not
 * resume): only counted here, serialised in new_session_cb().
 */
static int ticket_cb(WOLFSSL *ssl, const unsigned char *ticket, int len, void *arg) {
  (void)ticket;
  (void)len;
  struct pair *pr = arg;
  if (wolfSSL_version(ssl) == TLS1_3_VERSION)
    pr->tickets_pending++;
  return 0;
}

/* Client: wolfSSL "adds" the completed session. */
static int new_session_cb(WOLFSSL *ssl, WOLFSSL_SESSION *sess) {
  struct pair *pr = wolfSSL_get_app_data(ssl);
  if (pr == NULL || pr->tickets_pending == 0 || sess == NULL)
    return 0;
  pr->tickets_pending--;
  keep_session(pr, sess);
  return 0; /* no reference kept */
}

/* After a call that may have read a ticket new_session_cb() did not see. */
static void flush_tickets(struct pair *pr) {
  for (; pr->tickets_pending > 0; pr->tickets_pending--)
    keep_current(pr);
}

static WOLFSSL_CTX *ctx_new(bool server, const struct bench_setup *s) {
  bool tls12 = s->tls12;
  WOLFSSL_METHOD *m = server ? (tls12 ? wolfTLSv1_2_server_method() : wolfSSLv23_server_method())
                             : (tls12 ? wolfTLSv1_2_client_method() : wolfSSLv23_client_method());
  WOLFSSL_CTX *ctx = wolfSSL_CTX_new(m);
  if (ctx == NULL)
    return NULL;
  int groups[] = {WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1, WOLFSSL_ECC_SECP384R1};
  int ok = wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) == WOLFSSL_SUCCESS &&
           wolfSSL_CTX_set_cipher_list(ctx, SUITES) == WOLFSSL_SUCCESS;
  /* TLS 1.3 groups (key-share order) exist only on a TLS 1.3-capable
   * context; a TLS 1.2 one takes the supported_groups list. */
  if (tls12) {
    for (size_t i = 0; ok && i < sizeof(groups) / sizeof(groups[0]); i++)
      ok = wolfSSL_CTX_UseSupportedCurve(ctx, (word16)groups[i]) == WOLFSSL_SUCCESS;
  } else {
    ok = ok && wolfSSL_CTX_set_groups(ctx, groups, 3) == WOLFSSL_SUCCESS;
  }
  if (!ok) {
    wolfSSL_CTX_free(ctx);
    return NULL;
  }
  wolfSSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
  if (server && s->resume == BENCH_SESSION_ID) {
    /* No tickets: sessions go to wolfSSL's own (process-global) cache. */
    ok = wolfSSL_CTX_NoTicketTLSv12(ctx) == WOLFSSL_SUCCESS &&
         (tls12 || wolfSSL_CTX_no_ticket_TLSv13(ctx) == 0);
  } else {
    /* No session cache: OFF, then NO_INTERNAL (OFF is only taken alone). */
    ok = wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF) == WOLFSSL_SUCCESS &&
         wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_NO_INTERNAL) == WOLFSSL_SUCCESS;
    if (server) /* one TLS 1.3 ticket per full handshake, as omnitls' servers */
      ok = ok && wolfSSL_CTX_set_num_tickets(ctx, 1) == WOLFSSL_SUCCESS;
    else
      wolfSSL_CTX_sess_set_new_cb(ctx, new_session_cb);
  }
  if (!ok) {
    wolfSSL_CTX_free(ctx);
    return NULL;
  }
  wolfSSL_CTX_SetIORecv(ctx, io_recv);
  wolfSSL_CTX_SetIOSend(ctx, io_send);
  return ctx;
}

static int get_session(struct env *e);

static void *env_new(const struct bench_setup *s) {
  char chain[1024], key[1024], ca[1024];
  int r;
  if (wolfSSL_Init() != WOLFSSL_SUCCESS)
    return NULL;
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->server = ctx_new(true, s);
  e->client = ctx_new(false, s);
  if (e->server == NULL || e->client == NULL) {
    fprintf(stderr, "raw wolfssl: context configuration failed\n");
    goto out_free;
  }
  if ((r = wolfSSL_CTX_use_certificate_chain_file(
           e->server, bench_path(chain, sizeof(chain), s->pki_dir, bench_chain_file(s->cert)))) !=
          WOLFSSL_SUCCESS ||
      (r = wolfSSL_CTX_use_PrivateKey_file(
           e->server, bench_path(key, sizeof(key), s->pki_dir, bench_key_file(s->cert)),
           WOLFSSL_FILETYPE_PEM)) != WOLFSSL_SUCCESS) {
    report("server credentials", NULL, r);
    goto out_free;
  }
  if ((r = wolfSSL_CTX_load_verify_locations(
           e->client, bench_path(ca, sizeof(ca), s->pki_dir, "ca.pem"), NULL)) != WOLFSSL_SUCCESS) {
    report("client CA", NULL, r);
    goto out_free;
  }
  wolfSSL_CTX_set_verify(e->client, WOLFSSL_VERIFY_PEER, NULL);
  if (s->resume != BENCH_FULL && get_session(e) < 0)
    goto out_free;
  return e;
out_free:
  wolfSSL_CTX_free(e->server);
  wolfSSL_CTX_free(e->client);
  free(e);
  return NULL;
}

static void env_free(void *p) {
  struct env *e = p;
  wolfSSL_CTX_free(e->server);
  wolfSSL_CTX_free(e->client);
  free(e->session);
  free(e);
}

static void pair_free(struct pair *pr) {
  wolfSSL_free(pr->c);
  wolfSSL_free(pr->s);
  memq_free(&pr->c2s);
  memq_free(&pr->s2c);
  free(pr->sess);
}

static int pair_init(struct env *e, struct pair *pr) {
  memset(pr, 0, sizeof(*pr));
  pr->c = wolfSSL_new(e->client);
  pr->s = wolfSSL_new(e->server);
  if (pr->c == NULL || pr->s == NULL) {
    pair_free(pr);
    fprintf(stderr, "raw wolfssl: wolfSSL_new failed\n");
    return -1;
  }
  wolfSSL_SetIOReadCtx(pr->c, &pr->s2c);
  wolfSSL_SetIOWriteCtx(pr->c, &pr->c2s);
  wolfSSL_SetIOReadCtx(pr->s, &pr->c2s);
  wolfSSL_SetIOWriteCtx(pr->s, &pr->s2c);
  if (wolfSSL_UseSNI(pr->c, WOLFSSL_SNI_HOST_NAME, BENCH_HOST, sizeof(BENCH_HOST) - 1) !=
          WOLFSSL_SUCCESS ||
      wolfSSL_check_domain_name(pr->c, BENCH_HOST) != WOLFSSL_SUCCESS) {
    fprintf(stderr, "raw wolfssl: SNI / host failed\n");
    pair_free(pr);
    return -1;
  }
  /*
   * Sessions: TLS 1.2 tickets only when asked for; TLS 1.3 ones counted.
   * The side first: setting it resets what wolfSSL_set_session() set (the
   * session's extended-master-secret flag, hence the ClientHello).
   */
  wolfSSL_set_connect_state(pr->c);
  if (wolfSSL_set_app_data(pr->c, pr) != WOLFSSL_SUCCESS ||
      wolfSSL_UseSessionTicket(pr->c) != WOLFSSL_SUCCESS ||
      wolfSSL_set_SessionTicket_cb(pr->c, ticket_cb, pr) != WOLFSSL_SUCCESS) {
    fprintf(stderr, "raw wolfssl: session tickets failed\n");
    pair_free(pr);
    return -1;
  }
  if (e->session) {
    const unsigned char *q = e->session;
    WOLFSSL_SESSION *sess = wolfSSL_d2i_SSL_SESSION(NULL, &q, (long)e->session_len);
    int r = sess ? wolfSSL_set_session(pr->c, sess) : WOLFSSL_FAILURE;
    wolfSSL_SESSION_free(sess);
    if (r != WOLFSSL_SUCCESS) {
      fprintf(stderr, "raw wolfssl: cannot resume the session\n");
      pair_free(pr);
      return -1;
    }
  }
  wolfSSL_set_accept_state(pr->s);
  return 0;
}

static int step(WOLFSSL *ssl, bool *done, const char *who) {
  if (*done)
    return 0;
  int ret = wolfSSL_negotiate(ssl);
  if (ret == WOLFSSL_SUCCESS) {
    *done = true;
    return 0;
  }
  if (wolfSSL_get_error(ssl, ret) == WOLFSSL_ERROR_WANT_READ)
    return 0;
  report(who, ssl, ret);
  return -1;
}

/* The client's handshake step, and its sessions: as omnitls' backend. */
static int client_step(struct pair *pr, bool *done) {
  if (step(pr->c, done, "client handshake") < 0)
    return -1;
  flush_tickets(pr);
  /* TLS 1.2: the session of a full handshake (id or ticket). */
  if (*done && wolfSSL_version(pr->c) <= TLS1_2_VERSION && wolfSSL_session_reused(pr->c) != 1)
    keep_current(pr);
  return 0;
}

/*
 * The client after its handshake: take in what the server sent since (the
 * TLS 1.3 NewSessionTicket). No application data comes: want-read or fail.
 */
static int client_read(struct pair *pr) {
  uint8_t buf[256];
  int r = wolfSSL_read(pr->c, buf, sizeof(buf));
  int err = r > 0 ? 0 : wolfSSL_get_error(pr->c, r);
  flush_tickets(pr);
  if (err == WOLFSSL_ERROR_WANT_READ)
    return 0;
  if (r > 0)
    fprintf(stderr, "raw wolfssl: client read: unexpected data\n");
  else
    report("client read", pr->c, r);
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
    if (!cdone ? client_step(pr, &cdone) < 0 : memq_len(&pr->s2c) > 0 && client_read(pr) < 0)
      break;
    if (capture)
      bench_keep(capture->cflight, sizeof(capture->cflight), &capture->cflight_len,
                 pr->c2s.data + pr->c2s.head, memq_len(&pr->c2s));
    if (step(pr->s, &sdone, "server handshake") < 0)
      break;
    if (capture)
      bench_keep(capture->flight, sizeof(capture->flight), &capture->flight_len,
                 pr->s2c.data + pr->s2c.head, memq_len(&pr->s2c));
    if (cdone && sdone && memq_len(&pr->c2s) == 0 && memq_len(&pr->s2c) == 0)
      return 0;
  }
  fprintf(stderr, "raw wolfssl: the handshake did not complete\n");
  pair_free(pr);
  return -1;
}

/* A resumption that did not resume, on either end, fails the benchmark. */
static int check_resumed(const struct env *e, const struct pair *pr) {
  if (e->session == NULL)
    return 0;
  int c = wolfSSL_session_reused(pr->c), s = wolfSSL_session_reused(pr->s);
  if (c == 1 && s == 1)
    return 0;
  fprintf(stderr, "raw wolfssl: the handshake was not resumed (client: %s, server: %s)\n",
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
    fprintf(stderr, "raw wolfssl: the client got no session to resume\n");
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
  out->client_resumed = wolfSSL_session_reused(pr.c) == 1;
  out->server_resumed = wolfSSL_session_reused(pr.s) == 1;
  int cs = wolfSSL_get_current_cipher_suite(pr.c);
  const char *name =
      wolfSSL_get_cipher_name_iana_from_suite((unsigned char)(cs >> 8), (unsigned char)cs);
  snprintf(out->protocol, sizeof(out->protocol), "%s", wolfSSL_get_version(pr.c));
  snprintf(out->suite_name, sizeof(out->suite_name), "%s", name ? name : "?");
  out->suite = cs > 0 ? (uint16_t)cs : 0;
  pair_free(&pr);
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
    int r = wolfSSL_write(pr->c, data + i * size, (int)size);
    if (r != (int)size) {
      report("client write", pr->c, r);
      return -1;
    }
    while ((r = wolfSSL_read(pr->s, buf, sizeof(buf))) > 0)
      got += (size_t)r;
    if (wolfSSL_get_error(pr->s, r) != WOLFSSL_ERROR_WANT_READ) {
      report("server read", pr->s, r);
      return -1;
    }
  }
  if (got != size * nwrites) {
    fprintf(stderr, "raw wolfssl: the server read %zu bytes of %zu\n", got, size * nwrites);
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
