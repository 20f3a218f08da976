/*
 * omnitls benchmarks — the work of bench.h written directly against GnuTLS
 * 3.7: client and server sessions in one process over memory.
 *
 * Transport: GnuTLS push/pull functions over one byte queue per direction
 * (memq.h): the sender's push appends, the receiver's pull drains.
 *
 * Configured to do what omnitls does by default (docs/performance.md): an
 * explicit priority string with TLS 1.2..1.3, omnitls' ciphers and groups in
 * its order, no tickets, the client verifies the chain against ca.pem and
 * the name "localhost" during the handshake. Everything else is GnuTLS'
 * default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "../bench.h"
#include "memq.h"

#define PRIORITY_COMMON                                                                            \
  "NORMAL:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:"        \
  "+ECDHE-ECDSA:+ECDHE-RSA:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:%NO_ETM"
#define PRIORITY_13 PRIORITY_COMMON ":-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define PRIORITY_12 PRIORITY_COMMON ":-VERS-ALL:+VERS-TLS1.2"

struct env {
  gnutls_certificate_credentials_t client, server;
  gnutls_priority_t prio;
};

struct pair {
  gnutls_session_t c, s;
  struct memq c2s, s2c;
};

const char *bench_raw_backend(void) {
  return "gnutls";
}

const char *bench_raw_version(void) {
  static char v[64];
  snprintf(v, sizeof(v), "GnuTLS %s", gnutls_check_version(NULL));
  return v;
}

static void report(const char *what, int rv) {
  fprintf(stderr, "raw gnutls: %s: %s (%d)\n", what, gnutls_strerror(rv), rv);
}

static ssize_t push(gnutls_transport_ptr_t p, const void *buf, size_t len) {
  if (memq_append(p, buf, len) < 0) {
    errno = ENOMEM;
    return -1;
  }
  return (ssize_t)len;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *buf, size_t len) {
  size_t n = memq_take(p, buf, len);
  if (n == 0) {
    errno = EAGAIN; /* GnuTLS reads the system errno unless told otherwise */
    return -1;
  }
  return (ssize_t)n;
}

static int pull_timeout(gnutls_transport_ptr_t p, unsigned ms) {
  (void)ms;
  return memq_len(p) > 0 ? 1 : 0;
}

static void *env_new(const struct bench_setup *s) {
  char chain[1024], key[1024], ca[1024];
  int rv;
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  if ((rv = gnutls_certificate_allocate_credentials(&e->server)) < 0 ||
      (rv = gnutls_certificate_allocate_credentials(&e->client)) < 0) {
    report("credentials", rv);
    goto out_free;
  }
  if ((rv = gnutls_certificate_set_x509_key_file(
           e->server, bench_path(chain, sizeof(chain), s->pki_dir, bench_chain_file(s->cert)),
           bench_path(key, sizeof(key), s->pki_dir, bench_key_file(s->cert)),
           GNUTLS_X509_FMT_PEM)) < 0) {
    report("server credentials", rv);
    goto out_free;
  }
  if ((rv = gnutls_certificate_set_x509_trust_file(
           e->client, bench_path(ca, sizeof(ca), s->pki_dir, "ca.pem"), GNUTLS_X509_FMT_PEM)) < 1) {
    report("client CA", rv);
    goto out_free;
  }
  if ((rv = gnutls_priority_init(&e->prio, s->tls12 ? PRIORITY_12 : PRIORITY_13, NULL)) < 0) {
    report("priority", rv);
    goto out_free;
  }
  return e;
out_free:
  gnutls_certificate_free_credentials(e->server);
  gnutls_certificate_free_credentials(e->client);
  free(e);
  return NULL;
}

static void env_free(void *p) {
  struct env *e = p;
  gnutls_priority_deinit(e->prio);
  gnutls_certificate_free_credentials(e->server);
  gnutls_certificate_free_credentials(e->client);
  free(e);
}

static void pair_free(struct pair *pr) {
  if (pr->c)
    gnutls_deinit(pr->c);
  if (pr->s)
    gnutls_deinit(pr->s);
  memq_free(&pr->c2s);
  memq_free(&pr->s2c);
}

static int session_new(gnutls_session_t *s, struct env *e, bool server, struct memq *in,
                       struct memq *out) {
  /* NO_TICKETS: no resumption on either side (omnitls has no session API). */
  unsigned flags = GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS | (server ? GNUTLS_SERVER : GNUTLS_CLIENT);
  int rv = gnutls_init(s, flags);
  if (rv < 0) {
    *s = NULL;
    return rv;
  }
  if ((rv = gnutls_priority_set(*s, e->prio)) < 0 ||
      (rv = gnutls_credentials_set(*s, GNUTLS_CRD_CERTIFICATE, server ? e->server : e->client)) < 0)
    return rv;
  gnutls_transport_set_ptr2(*s, in, out);
  gnutls_transport_set_push_function(*s, push);
  gnutls_transport_set_pull_function(*s, pull);
  gnutls_transport_set_pull_timeout_function(*s, pull_timeout);
  if (!server) {
    if ((rv = gnutls_server_name_set(*s, GNUTLS_NAME_DNS, BENCH_HOST, sizeof(BENCH_HOST) - 1)) < 0)
      return rv;
    gnutls_session_set_verify_cert(*s, BENCH_HOST, 0);
  }
  return 0;
}

static int pair_init(struct env *e, struct pair *pr) {
  memset(pr, 0, sizeof(*pr));
  int rv = session_new(&pr->c, e, false, &pr->s2c, &pr->c2s);
  if (rv == 0)
    rv = session_new(&pr->s, e, true, &pr->c2s, &pr->s2c);
  if (rv < 0) {
    report("session", rv);
    pair_free(pr);
    return -1;
  }
  return 0;
}

static int step(gnutls_session_t s, bool *done, const char *who) {
  if (*done)
    return 0;
  int rv = gnutls_handshake(s);
  if (rv == 0) {
    *done = true;
    return 0;
  }
  if (!gnutls_error_is_fatal(rv))
    return 0;
  report(who, rv);
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
  fprintf(stderr, "raw gnutls: the handshake did not complete\n");
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

/* The two-byte id of the negotiated suite, from GnuTLS' own table. */
static uint16_t suite_id(gnutls_session_t s) {
  gnutls_protocol_t ver = gnutls_protocol_get_version(s);
  gnutls_kx_algorithm_t kx = gnutls_kx_get(s), ekx;
  gnutls_cipher_algorithm_t c = gnutls_cipher_get(s), ec;
  gnutls_mac_algorithm_t m = gnutls_mac_get(s), em;
  gnutls_protocol_t ev;
  unsigned char cs[2];
  for (size_t i = 0; gnutls_cipher_suite_info(i, cs, &ekx, &ec, &em, &ev) != NULL; i++) {
    if (ec != c)
      continue;
    if (ver == GNUTLS_TLS1_3 ? ev == GNUTLS_TLS1_3 : (ev != GNUTLS_TLS1_3 && ekx == kx && em == m))
      return (uint16_t)(cs[0] << 8 | cs[1]);
  }
  return 0;
}

static int probe(void *env, struct bench_negotiated *out) {
  struct pair pr;
  if (handshake_pair(env, &pr, out) < 0)
    return -1;
  gnutls_protocol_t v = gnutls_protocol_get_version(pr.c);
  snprintf(out->protocol, sizeof(out->protocol), "%s",
           v == GNUTLS_TLS1_3   ? "TLSv1.3"
           : v == GNUTLS_TLS1_2 ? "TLSv1.2"
                                : "?");
  const char *name = gnutls_ciphersuite_get(pr.c);
  snprintf(out->suite_name, sizeof(out->suite_name), "%s", name ? name : "?");
  out->suite = suite_id(pr.c);
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
    /* gnutls_record_send sends at most one record per call. */
    const uint8_t *q = data + i * size;
    for (size_t left = size; left > 0;) {
      ssize_t r = gnutls_record_send(pr->c, q, left);
      if (r < 0) {
        report("client write", (int)r);
        return -1;
      }
      q += r;
      left -= (size_t)r;
    }
    ssize_t r;
    while ((r = gnutls_record_recv(pr->s, buf, sizeof(buf))) > 0 || r == GNUTLS_E_INTERRUPTED)
      got += r > 0 ? (size_t)r : 0;
    if (r != GNUTLS_E_AGAIN) {
      report("server read", (int)r);
      return -1;
    }
  }
  if (got != size * nwrites) {
    fprintf(stderr, "raw gnutls: the server read %zu bytes of %zu\n", got, size * nwrites);
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
