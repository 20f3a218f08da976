/*
 * omnitls benchmarks — the work of bench.h written directly against wolfSSL
 * (Debian's libwolfssl 5.5): client and server WOLFSSL objects in one
 * process over memory.
 *
 * Transport: wolfSSL IO callbacks over one byte queue per direction
 * (memq.h): the sender's callback appends, the receiver's drains.
 *
 * Configured to do what omnitls does by default (docs/performance.md):
 * TLS 1.2..1.3, omnitls' suite and group order, no tickets or session cache,
 * the client verifies the chain against ca.pem and the name "localhost".
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
};

struct pair {
  WOLFSSL *c, *s;
  struct memq c2s, s2c;
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

static WOLFSSL_CTX *ctx_new(bool server, bool tls12) {
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
  /* No resumption on either side: omnitls has no session API yet. */
  wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);
  if (server)
    wolfSSL_CTX_no_ticket_TLSv13(ctx);
  wolfSSL_CTX_SetIORecv(ctx, io_recv);
  wolfSSL_CTX_SetIOSend(ctx, io_send);
  return ctx;
}

static void *env_new(const struct bench_setup *s) {
  char chain[1024], key[1024], ca[1024];
  int r;
  if (wolfSSL_Init() != WOLFSSL_SUCCESS)
    return NULL;
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->server = ctx_new(true, s->tls12);
  e->client = ctx_new(false, s->tls12);
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
  free(e);
}

static void pair_free(struct pair *pr) {
  wolfSSL_free(pr->c);
  wolfSSL_free(pr->s);
  memq_free(&pr->c2s);
  memq_free(&pr->s2c);
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
  wolfSSL_set_connect_state(pr->c);
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

static int handshake_pair(struct env *e, struct pair *pr, struct bench_negotiated *capture) {
  if (pair_init(e, pr) < 0)
    return -1;
  bool cdone = false, sdone = false;
  for (int round = 0; round < 16; round++) {
    if (step(pr->c, &cdone, "client handshake") < 0)
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
