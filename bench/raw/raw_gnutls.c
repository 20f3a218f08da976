/*
 * omnitls benchmarks — the work of bench.h written directly against GnuTLS
 * 3.7: client and server sessions in one process over memory.
 *
 * Transport: GnuTLS push/pull functions over one byte queue per direction
 * (memq.h): the sender's push appends, the receiver's pull drains.
 *
 * Configured to do what omnitls does by default (docs/performance.md): an
 * explicit priority string with TLS 1.2..1.3, omnitls' ciphers and groups in
 * its order, the client verifies the chain against ca.pem and the name
 * "localhost" during the handshake. Sessions as omnitls' GnuTLS backend:
 * tickets on both sides; the server (GNUTLS_NO_AUTO_SEND_TICKET) sends
 * exactly one TLS 1.3 ticket itself right after a full handshake
 * (gnutls_session_ticket_send), a TLS 1.2 ticket in its last flight, under
 * one key per env (gnutls_session_ticket_key_generate); session lifetime
 * 300 s. The client counts TLS 1.3 NewSessionTickets in a handshake hook
 * and exports the session (gnutls_session_get_data2) once the call that
 * read one has returned, and after a full TLS 1.2 handshake; it resumes
 * with gnutls_session_set_data. For session ids the server enables no
 * tickets and stores sessions through GnuTLS' db functions in a small
 * cache here (GnuTLS has no cache of its own). Everything else is GnuTLS'
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

/* The server's session cache for session ids (db functions). */
#define CACHE_SLOTS 64

struct cache_entry {
  uint8_t key[32];
  size_t key_len;
  uint8_t *data;
  size_t data_len;
};

struct env {
  gnutls_certificate_credentials_t client, server;
  gnutls_priority_t prio;
  enum bench_resume resume;
  gnutls_datum_t ticket_key; /* the server's ticket key */
  struct cache_entry cache[CACHE_SLOTS];
  size_t cache_next; /* the slot the next store replaces */
  uint8_t *session;  /* resumption: the client's exported session */
  size_t session_len;
};

struct pair {
  gnutls_session_t c, s;
  struct memq c2s, s2c;
  uint8_t *sess; /* the client's newest session, gnutls_session_get_data2 */
  size_t sess_len;
  unsigned tickets;         /* sessions the client was given */
  unsigned tickets_pending; /* TLS 1.3 tickets seen, not exported yet */
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

static int db_store(void *ptr, gnutls_datum_t key, gnutls_datum_t data) {
  struct env *e = ptr;
  if (key.size == 0 || key.size > sizeof(e->cache[0].key))
    return -1;
  struct cache_entry *slot = &e->cache[e->cache_next];
  uint8_t *copy = malloc(data.size);
  if (copy == NULL)
    return -1;
  memcpy(copy, data.data, data.size);
  free(slot->data);
  memcpy(slot->key, key.data, key.size);
  slot->key_len = key.size;
  slot->data = copy;
  slot->data_len = data.size;
  e->cache_next = (e->cache_next + 1) % CACHE_SLOTS;
  return 0;
}

static struct cache_entry *db_find(struct env *e, gnutls_datum_t key) {
  for (size_t i = 0; i < CACHE_SLOTS; i++)
    if (e->cache[i].data && e->cache[i].key_len == key.size &&
        memcmp(e->cache[i].key, key.data, key.size) == 0)
      return &e->cache[i];
  return NULL;
}

static gnutls_datum_t db_retrieve(void *ptr, gnutls_datum_t key) {
  gnutls_datum_t d = {NULL, 0};
  struct cache_entry *ent = db_find(ptr, key);
  /* GnuTLS frees the copy with gnutls_free. */
  if (ent && (d.data = gnutls_malloc(ent->data_len)) != NULL) {
    memcpy(d.data, ent->data, ent->data_len);
    d.size = (unsigned)ent->data_len;
  }
  return d;
}

static int db_remove(void *ptr, gnutls_datum_t key) {
  struct cache_entry *ent = db_find(ptr, key);
  if (ent == NULL)
    return -1;
  free(ent->data);
  memset(ent, 0, sizeof(*ent));
  return 0;
}

static int get_session(struct env *e);
static void env_free(void *p);

static void *env_new(const struct bench_setup *s) {
  char chain[1024], key[1024], ca[1024];
  int rv;
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->resume = s->resume;
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
  if (s->resume != BENCH_SESSION_ID &&
      (rv = gnutls_session_ticket_key_generate(&e->ticket_key)) < 0) {
    report("ticket key", rv);
    goto out_free;
  }
  if (s->resume != BENCH_FULL && get_session(e) < 0)
    goto out_free;
  return e;
out_free:
  env_free(e);
  return NULL;
}

static void env_free(void *p) {
  struct env *e = p;
  if (e->prio)
    gnutls_priority_deinit(e->prio);
  gnutls_certificate_free_credentials(e->server);
  gnutls_certificate_free_credentials(e->client);
  if (e->ticket_key.data) {
    gnutls_memset(e->ticket_key.data, 0, e->ticket_key.size);
    gnutls_free(e->ticket_key.data);
  }
  for (size_t i = 0; i < CACHE_SLOTS; i++)
    free(e->cache[i].data);
  free(e->session);
  free(e);
}

static void pair_free(struct pair *pr) {
  if (pr->c)
    gnutls_deinit(pr->c);
  if (pr->s)
    gnutls_deinit(pr->s);
  memq_free(&pr->c2s);
  memq_free(&pr->s2c);
  free(pr->sess);
}

/* Client: a TLS 1.3 NewSessionTicket came in (exported after the call). */
static int ticket_hook(gnutls_session_t s, unsigned int htype, unsigned when, unsigned int incoming,
                       const gnutls_datum_t *msg) {
  (void)htype;
  (void)when;
  (void)msg;
  struct pair *pr = gnutls_session_get_ptr(s);
  if (incoming && gnutls_protocol_get_version(s) == GNUTLS_TLS1_3)
    pr->tickets_pending++;
  return 0;
}

/* Client: keep the current session, serialised by GnuTLS. */
static void keep_session(struct pair *pr) {
  gnutls_datum_t d = {NULL, 0};
  if (gnutls_session_get_data2(pr->c, &d) == 0 && d.data && d.size > 0) {
    uint8_t *copy = malloc(d.size);
    if (copy) {
      memcpy(copy, d.data, d.size);
      free(pr->sess);
      pr->sess = copy;
      pr->sess_len = d.size;
      pr->tickets++;
    }
  }
  gnutls_free(d.data);
}

static void take_tickets(struct pair *pr) {
  for (; pr->tickets_pending > 0; pr->tickets_pending--)
    keep_session(pr);
}

static int session_new(gnutls_session_t *s, struct env *e, struct pair *pr, bool server,
                       struct memq *in, struct memq *out) {
  /* Server: TLS 1.3 tickets are sent by hand, exactly one (end_handshake). */
  unsigned flags =
      GNUTLS_NONBLOCK | (server ? GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET : GNUTLS_CLIENT);
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
  if (server) {
    gnutls_db_set_cache_expiration(*s, 300);
    if (e->resume == BENCH_SESSION_ID) {
      gnutls_db_set_ptr(*s, e);
      gnutls_db_set_store_function(*s, db_store);
      gnutls_db_set_retrieve_function(*s, db_retrieve);
      gnutls_db_set_remove_function(*s, db_remove);
    } else if ((rv = gnutls_session_ticket_enable_server(*s, &e->ticket_key)) < 0) {
      return rv;
    }
  } else {
    if ((rv = gnutls_server_name_set(*s, GNUTLS_NAME_DNS, BENCH_HOST, sizeof(BENCH_HOST) - 1)) < 0)
      return rv;
    gnutls_session_set_verify_cert(*s, BENCH_HOST, 0);
    gnutls_session_set_ptr(*s, pr);
    gnutls_handshake_set_hook_function(*s, GNUTLS_HANDSHAKE_NEW_SESSION_TICKET, GNUTLS_HOOK_POST,
                                       ticket_hook);
    if (e->session && (rv = gnutls_session_set_data(*s, e->session, e->session_len)) < 0)
      return rv;
  }
  return 0;
}

static int pair_init(struct env *e, struct pair *pr) {
  memset(pr, 0, sizeof(*pr));
  int rv = session_new(&pr->c, e, pr, false, &pr->s2c, &pr->c2s);
  if (rv == 0)
    rv = session_new(&pr->s, e, pr, true, &pr->c2s, &pr->s2c);
  if (rv < 0) {
    report("session", rv);
    pair_free(pr);
    return -1;
  }
  return 0;
}

/*
 * The end of a handshake, as omnitls' backend. Client: the session of a
 * full TLS 1.2 handshake, then any TLS 1.3 ticket seen. Server: exactly one
 * TLS 1.3 ticket after a full handshake, none after a resumption.
 */
static int end_handshake(gnutls_session_t s, struct pair *pr, bool server) {
  bool tls13 = gnutls_protocol_get_version(s) == GNUTLS_TLS1_3;
  if (!server) {
    if (!tls13 && !gnutls_session_is_resumed(s))
      keep_session(pr);
    take_tickets(pr);
    return 0;
  }
  if (!tls13 || gnutls_session_is_resumed(s))
    return 0;
  int rv;
  while ((rv = gnutls_session_ticket_send(s, 1, 0)) == GNUTLS_E_AGAIN || rv == GNUTLS_E_INTERRUPTED)
    ;
  if (rv < 0)
    report("server: sending the ticket", rv);
  return rv < 0 ? -1 : 0;
}

static int step(gnutls_session_t s, struct pair *pr, bool server, bool *done) {
  if (*done)
    return 0;
  int rv = gnutls_handshake(s);
  if (rv == 0) {
    *done = true;
    return end_handshake(s, pr, server);
  }
  if (!gnutls_error_is_fatal(rv))
    return 0;
  report(server ? "server handshake" : "client handshake", rv);
  return -1;
}

/*
 * The client after its handshake: take in what the server sent since (the
 * TLS 1.3 NewSessionTicket, after which GnuTLS returns AGAIN). No
 * application data comes: anything but AGAIN with nothing left is a failure.
 */
static int client_read(struct pair *pr) {
  uint8_t buf[256];
  ssize_t r;
  do {
    r = gnutls_record_recv(pr->c, buf, sizeof(buf));
    take_tickets(pr);
  } while ((r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) && memq_len(&pr->s2c) > 0);
  if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
    return 0;
  if (r >= 0)
    fprintf(stderr, "raw gnutls: client read: unexpected data or end\n");
  else
    report("client read", (int)r);
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
    if (!cdone ? step(pr->c, pr, false, &cdone) < 0 : memq_len(&pr->s2c) > 0 && client_read(pr) < 0)
      break;
    if (capture)
      bench_keep(capture->cflight, sizeof(capture->cflight), &capture->cflight_len,
                 pr->c2s.data + pr->c2s.head, memq_len(&pr->c2s));
    if (step(pr->s, pr, true, &sdone) < 0)
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

/* A resumption that did not resume, on either end, fails the benchmark. */
static int check_resumed(const struct env *e, const struct pair *pr) {
  if (e->session == NULL)
    return 0;
  int c = gnutls_session_is_resumed(pr->c), s = gnutls_session_is_resumed(pr->s);
  if (c && s)
    return 0;
  fprintf(stderr, "raw gnutls: the handshake was not resumed (client: %s, server: %s)\n",
          c ? "resumed" : "full", s ? "resumed" : "full");
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
    fprintf(stderr, "raw gnutls: the client got no session to resume\n");
    pair_free(&pr);
    return -1;
  }
  e->session = pr.sess;
  e->session_len = pr.sess_len;
  pr.sess = NULL;
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
  out->c2s_bytes = pr.c2s.total;
  out->s2c_bytes = pr.s2c.total;
  out->tickets = pr.tickets;
  out->client_resumed = gnutls_session_is_resumed(pr.c) != 0;
  out->server_resumed = gnutls_session_is_resumed(pr.s) != 0;
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
