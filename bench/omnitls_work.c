/*
 * omnitls benchmarks — the work of bench.h through omnitls' public API only:
 * two otls_conn (client and server) in one process, ciphertext moved with
 * otls_conn_output() -> otls_conn_feed() -> otls_conn_consume().
 *
 * Everything is left at omnitls' defaults except what the scenario names:
 * the server's key and chain, the client's CA, SNI/host "localhost",
 * maxVersion "TLSv1.2" for the TLS 1.2 scenarios, OTLS_OP_NO_TICKET on the
 * server for session-id resumption, and the `session` to resume. By default
 * the server issues one ticket per full handshake and the client keeps the
 * serialised session for otls_conn_session(); no `on_session` callback is
 * set (core then defers wrapping the session into its blob until asked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omnitls.h"

#include "bench.h"

struct env {
  otls_context *client, *server;
  enum bench_resume resume;
  uint8_t *session; /* otls_conn_session() of the first handshake */
  size_t session_len;
};

struct pair {
  otls_conn *c, *s;
};

static void report(const char *what, int rv, const otls_conn *c) {
  fprintf(stderr, "omnitls: %s: %s (%s)%s%s\n", what, otls_err_name(rv), otls_strerror(rv),
          c ? ": " : "", c ? otls_conn_error(c) : "");
}

static int get_session(struct env *e);

/*
 * One side's context for the scenario `s`, as omnitls' defaults give it but
 * for what the scenario names: the server's key and chain, the test CA,
 * maxVersion "TLSv1.2", no tickets for session-id resumption. Shared with
 * the event scenarios' processes (event_omnitls.c). NULL after printing why.
 */
struct otls_context *bench_otls_context(const struct bench_setup *s, bool server) {
  char chain[1024], key[1024], ca[1024], detail[512] = "";
  otls_source src_chain =
      otls_source_file(bench_path(chain, sizeof(chain), s->pki_dir, bench_chain_file(s->cert)));
  otls_source src_key =
      otls_source_file(bench_path(key, sizeof(key), s->pki_dir, bench_key_file(s->cert)));
  otls_source src_ca = otls_source_file(bench_path(ca, sizeof(ca), s->pki_dir, "ca.pem"));
  otls_context_options o;
  otls_context_options_init(&o);
  if (server) {
    o.key = &src_key;
    o.key_count = 1;
    o.cert = &src_chain;
    o.cert_count = 1;
    /* Session ids: no tickets, so the server keeps sessions in core's cache. */
    if (s->resume == BENCH_SESSION_ID)
      o.secure_options = OTLS_OP_NO_TICKET;
  }
  /* The server's own trust is unused; give it the test CA so that context
   * creation does not load the system bundle (not part of the work). */
  o.ca = &src_ca;
  o.ca_count = 1;
  if (s->tls12)
    o.max_version = "TLSv1.2";
  otls_context *ctx;
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0) {
    fprintf(stderr, "omnitls: %s context: %s: %s\n", server ? "server" : "client",
            otls_err_name(rv), detail);
    return NULL;
  }
  return ctx;
}

static void *env_new(const struct bench_setup *s) {
  struct env *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  if ((e->server = bench_otls_context(s, true)) == NULL ||
      (e->client = bench_otls_context(s, false)) == NULL)
    goto out_free;
  e->resume = s->resume;
  if (s->resume != BENCH_FULL && get_session(e) < 0)
    goto out_free;
  return e;
out_free:
  otls_context_free(e->client);
  otls_context_free(e->server);
  free(e);
  return NULL;
}

static void env_free(void *p) {
  struct env *e = p;
  if (e == NULL)
    return;
  otls_context_free(e->client);
  otls_context_free(e->server);
  free(e->session);
  free(e);
}

/*
 * Move all pending ciphertext from `from` to `to`; optionally keep a copy
 * and count it. `*moved` (if not NULL) is set when any byte was moved.
 */
static int move(otls_conn *from, otls_conn *to, struct bench_negotiated *capture, bool *moved) {
  size_t n;
  const uint8_t *p;
  while ((p = otls_conn_output(from, &n)) != NULL) {
    if (capture && otls_conn_is_server(from)) {
      bench_keep(capture->flight, sizeof(capture->flight), &capture->flight_len, p, n);
      capture->s2c_bytes += n;
    } else if (capture) {
      bench_keep(capture->cflight, sizeof(capture->cflight), &capture->cflight_len, p, n);
      capture->c2s_bytes += n;
    }
    if (moved)
      *moved = true;
    int fed = otls_conn_feed(to, p, n);
    if (fed <= 0) {
      report("feed", fed, to);
      return -1;
    }
    otls_conn_consume(from, (size_t)fed);
    if ((size_t)fed < n)
      return 1; /* the receiver's input is full: it must read first */
  }
  return 0;
}

static int step(otls_conn *c) {
  int rv = otls_conn_handshake(c);
  if (rv == 0 || rv == OTLS_E_WANT_READ)
    return 0;
  report(otls_conn_is_server(c) ? "server handshake" : "client handshake", rv, c);
  return -1;
}

/*
 * The client after its handshake: take in what the server sent since (the
 * TLS 1.3 NewSessionTicket). There is no application data: anything but
 * "want read" is a failure.
 */
static int client_read(otls_conn *c) {
  uint8_t buf[256];
  int rv = otls_conn_read(c, buf, sizeof(buf));
  if (rv == OTLS_E_WANT_READ)
    return 0;
  if (rv >= 0)
    fprintf(stderr, "omnitls: the client read %d bytes of unexpected data\n", rv);
  else
    report("client read", rv, c);
  return -1;
}

/*
 * One handshake on a new pair: resuming e->session when there is one. The
 * loop ends when both ends are done, nothing is left to move and the client
 * has taken in everything the server sent (its ticket included).
 */
static int handshake_pair(struct env *e, struct pair *pr, struct bench_negotiated *capture) {
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.servername = BENCH_HOST;
  co.session = e->session;
  co.session_len = e->session_len;
  otls_conn_options so;
  otls_conn_options_init(&so);
  so.is_server = true;
  pr->c = pr->s = NULL;
  int rv = otls_conn_new(&pr->c, e->client, &co);
  if (rv == 0)
    rv = otls_conn_new(&pr->s, e->server, &so);
  if (rv < 0) {
    report("otls_conn_new", rv, NULL);
    goto out_free;
  }
  bool fed = false; /* the client has input it has not looked at */
  for (int round = 0; round < 16; round++) {
    if (!otls_conn_is_handshake_done(pr->c) ? step(pr->c) < 0 : fed && client_read(pr->c) < 0)
      goto out_free;
    fed = false;
    if (move(pr->c, pr->s, capture, NULL) < 0 || step(pr->s) < 0 ||
        move(pr->s, pr->c, capture, &fed) < 0)
      goto out_free;
    if (otls_conn_is_handshake_done(pr->c) && otls_conn_is_handshake_done(pr->s) && !fed &&
        otls_conn_pending_output(pr->c) == 0 && otls_conn_pending_output(pr->s) == 0)
      return 0;
  }
  fprintf(stderr, "omnitls: the handshake did not complete\n");
out_free:
  otls_conn_free(pr->c);
  otls_conn_free(pr->s);
  return -1;
}

/* A resumption that did not resume, on either end, fails the benchmark. */
static int check_resumed(const struct env *e, const struct pair *pr) {
  if (e->session == NULL)
    return 0;
  bool c = otls_conn_is_session_reused(pr->c), s = otls_conn_is_session_reused(pr->s);
  if (c && s)
    return 0;
  fprintf(stderr, "omnitls: the handshake was not resumed (client: %s, server: %s; session: %s)\n",
          c ? "resumed" : "full", s ? "resumed" : "full",
          otls_conn_session_error(pr->c) ? otls_err_name(otls_conn_session_error(pr->c)) : "taken");
  return -1;
}

static int handshake(void *env) {
  struct pair pr;
  if (handshake_pair(env, &pr, NULL) < 0)
    return -1;
  int rv = check_resumed(env, &pr);
  otls_conn_free(pr.c);
  otls_conn_free(pr.s);
  return rv;
}

/* Once per env: a full handshake whose client session the others resume. */
static int get_session(struct env *e) {
  struct pair pr;
  if (handshake_pair(e, &pr, NULL) < 0)
    return -1;
  int rv = otls_conn_session(pr.c, &e->session, &e->session_len);
  if (rv < 0)
    report("otls_conn_session", rv, pr.c);
  otls_conn_free(pr.c);
  otls_conn_free(pr.s);
  return rv < 0 ? -1 : 0;
}

static int probe(void *env, struct bench_negotiated *out) {
  struct pair pr;
  if (handshake_pair(env, &pr, out) < 0)
    return -1;
  const char *proto = otls_conn_protocol(pr.c);
  otls_cipher_info ci;
  int rv = otls_conn_cipher(pr.c, &ci);
  if (proto && rv == 0) {
    snprintf(out->protocol, sizeof(out->protocol), "%s", proto);
    snprintf(out->suite_name, sizeof(out->suite_name), "%s", ci.standard_name);
    out->suite = ci.id;
    out->tickets = otls_conn_tickets(pr.c);
    out->client_resumed = otls_conn_is_session_reused(pr.c);
    out->server_resumed = otls_conn_is_session_reused(pr.s);
  } else {
    report("otls_conn_cipher", rv, pr.c);
  }
  otls_conn_free(pr.c);
  otls_conn_free(pr.s);
  return proto && rv == 0 ? 0 : -1;
}

static void *pair_open(void *env) {
  struct pair *pr = malloc(sizeof(*pr));
  if (pr && handshake_pair(env, pr, NULL) < 0) {
    free(pr);
    return NULL;
  }
  if (pr) {
    /* Idle now: what otls_socket and the event layer do when a connection
     * goes quiet (the raw side has no such step: its engine keeps what it
     * keeps). */
    otls_conn_release_buffers(pr->c);
    otls_conn_release_buffers(pr->s);
  }
  return pr;
}

static void pair_close(void *p) {
  struct pair *pr = p;
  otls_conn_free(pr->c);
  otls_conn_free(pr->s);
  free(pr);
}

/* The server reads everything it was fed; returns bytes read or -1. */
static long drain(otls_conn *s) {
  static uint8_t buf[BENCH_READ_BUF];
  long total = 0;
  for (;;) {
    int n = otls_conn_read(s, buf, sizeof(buf));
    if (n > 0) {
      total += n;
      continue;
    }
    if (n == OTLS_E_WANT_READ)
      return total;
    report("server read", n, s);
    return -1;
  }
}

static int transfer(void *p, const uint8_t *data, size_t size, size_t nwrites) {
  struct pair *pr = p;
  size_t got = 0;
  for (size_t i = 0; i < nwrites; i++) {
    int rv = otls_conn_write(pr->c, data + i * size, size);
    if (rv != (int)size) {
      report("client write", rv, pr->c);
      return -1;
    }
    int more;
    do {
      if ((more = move(pr->c, pr->s, NULL, NULL)) < 0)
        return -1;
      long n = drain(pr->s);
      if (n < 0)
        return -1;
      got += (size_t)n;
    } while (more);
  }
  if (got != size * nwrites) {
    fprintf(stderr, "omnitls: the server read %zu bytes of %zu\n", got, size * nwrites);
    return -1;
  }
  return 0;
}

/*
 * omnitls' wolfSSL backend keeps no server session cache (wolfSSL's own is
 * process-global and ignores the context, so it stays off) and reports no
 * sessions to core's: its servers resume by tickets only. (With
 * OTLS_OP_NO_TICKET this build's server still issues a TLS 1.2 ticket, and
 * the client resumes with that: not the session-id work.)
 */
static const char *unsupported(const struct bench_setup *s) {
  if (s->resume == BENCH_SESSION_ID && strcmp(otls_backend_name(), "wolfssl") == 0)
    return "omnitls' wolfSSL servers do not resume by session id, only by ticket "
           "(backends/wolfssl/README.md)";
  return NULL;
}

const struct bench_impl bench_otls = {
    .name = "omnitls",
    .unsupported = unsupported,
    .env_new = env_new,
    .env_free = env_free,
    .handshake = handshake,
    .probe = probe,
    .pair_open = pair_open,
    .pair_close = pair_close,
    .transfer = transfer,
};
