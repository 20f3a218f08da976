/*
 * omnitls benchmarks — the harness of bench-<backend>: scenarios, A/B
 * timing, statistics and output. It never touches a TLS library; the two
 * sides are reached through struct bench_impl (bench.h).
 *
 * Method (docs/performance.md):
 *  - per scenario, first one probe handshake on each side: both must have
 *    negotiated the scenario's protocol and suite (each side's own API) and,
 *    as the first flights on the wire show, its key-exchange group without
 *    a HelloRetryRequest, the clients must have sent the same key shares
 *    and session extensions, both ends must report a full handshake or a
 *    resumption as the scenario says, and the clients must have been given
 *    the same number of sessions (one after a full handshake); otherwise
 *    exit 1 (--check prints what each side did);
 *  - resumption scenarios: each side gets one session once (env_new), then
 *    every handshake resumes it on a new pair and fails unless both ends
 *    resumed — during the timed slices too;
 *  - a scenario one side cannot do on this variant (bench_impl.unsupported)
 *    is reported as not run, with the reason;
 *  - a warm-up slice per side, then N repetitions, each one fixed-length
 *    slice of raw and one of omnitls, the order alternating (AB, BA, ...);
 *  - a rate is work done / thread CPU time in the slice (the slice itself is
 *    wall time), so time spent descheduled by other processes on the machine
 *    does not count; it is single-threaded CPU-bound work;
 *  - ratio = omnitls / raw per repetition; reported: both medians, the
 *    median of the paired ratios and its min and max;
 *  - heap: glibc mallinfo2() (uordblks + hblkhd) before and after opening
 *    1,000 established connection pairs (--quick: 100), divided by their
 *    number;
 *  - event-* scenarios (event.h, event.c): omnitls' libuv server and clients
 *    against Node.js', in processes of their own; side A is Node, side B
 *    omnitls, the rest as above (warm-up, alternating pairs, median of the
 *    paired ratios omnitls/node), a rate being work per CPU-second of the
 *    server process.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "event.h"

/* K_EVENT: the event server (omnitls' libuv server and clients) against
 * Node.js, each in processes of their own (event.h): no raw side. */
enum kind { K_HANDSHAKE, K_BULK, K_HEAP, K_EVENT };

struct scenario {
  const char *name;
  const char *unit;
  enum kind kind;
  enum bench_cert cert;
  bool tls12;
  enum bench_resume resume;
  size_t write_size; /* bulk; K_EVENT: 0 = handshakes, else bulk */
  unsigned conns;    /* K_EVENT: concurrent clients */
  /* What both sides must negotiate. */
  const char *protocol;
  uint16_t suite;
  uint16_t group; /* 0: no key exchange (a resumed TLS 1.2 handshake) */
};

#define GROUP_X25519 29
#define HS "handshakes/s"

static const struct scenario scenarios[] = {
    {.name = "handshake-tls13-x25519-ecdsa-p256",
     .unit = HS,
     .kind = K_HANDSHAKE,
     .cert = BENCH_CERT_EC,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "handshake-tls13-x25519-rsa2048",
     .unit = HS,
     .kind = K_HANDSHAKE,
     .cert = BENCH_CERT_RSA,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "handshake-tls12-ecdhe-ecdsa-aes128gcm",
     .unit = HS,
     .kind = K_HANDSHAKE,
     .cert = BENCH_CERT_EC,
     .tls12 = true,
     .protocol = "TLSv1.2",
     .suite = 0xC02B,
     .group = GROUP_X25519},
    /* TLS 1.3 resumption is psk_dhe_ke: a new X25519 exchange, no certificate. */
    {.name = "resume-tls13-ticket-x25519-ecdsa-p256",
     .unit = HS,
     .kind = K_HANDSHAKE,
     .cert = BENCH_CERT_EC,
     .resume = BENCH_TICKET,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    /* An abbreviated TLS 1.2 handshake: no key exchange at all. */
    {.name = "resume-tls12-session-id-ecdsa-aes128gcm",
     .unit = HS,
     .kind = K_HANDSHAKE,
     .cert = BENCH_CERT_EC,
     .tls12 = true,
     .resume = BENCH_SESSION_ID,
     .protocol = "TLSv1.2",
     .suite = 0xC02B,
     .group = 0},
    {.name = "bulk-16k-tls13-aes128gcm",
     .unit = "MB/s",
     .kind = K_BULK,
     .cert = BENCH_CERT_EC,
     .write_size = 16384,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "bulk-1k-tls13-aes128gcm",
     .unit = "MB/s",
     .kind = K_BULK,
     .cert = BENCH_CERT_EC,
     .write_size = 1024,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "heap-idle-pair-tls13",
     .unit = "bytes/pair",
     .kind = K_HEAP,
     .cert = BENCH_CERT_EC,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    /* The event server against Node.js: full handshakes (connect, handshake,
     * end) and 16 KiB writes client -> server, with 1, 16, 256 clients. */
    {.name = "event-handshake-tls13-x25519-ecdsa-p256-c1",
     .unit = HS,
     .kind = K_EVENT,
     .cert = BENCH_CERT_EC,
     .conns = 1,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "event-handshake-tls13-x25519-ecdsa-p256-c16",
     .unit = HS,
     .kind = K_EVENT,
     .cert = BENCH_CERT_EC,
     .conns = 16,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "event-handshake-tls13-x25519-ecdsa-p256-c256",
     .unit = HS,
     .kind = K_EVENT,
     .cert = BENCH_CERT_EC,
     .conns = 256,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "event-bulk-16k-tls13-aes128gcm-c1",
     .unit = "MB/s",
     .kind = K_EVENT,
     .cert = BENCH_CERT_EC,
     .write_size = 16384,
     .conns = 1,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "event-bulk-16k-tls13-aes128gcm-c16",
     .unit = "MB/s",
     .kind = K_EVENT,
     .cert = BENCH_CERT_EC,
     .write_size = 16384,
     .conns = 16,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
    {.name = "event-bulk-16k-tls13-aes128gcm-c256",
     .unit = "MB/s",
     .kind = K_EVENT,
     .cert = BENCH_CERT_EC,
     .write_size = 16384,
     .conns = 256,
     .protocol = "TLSv1.3",
     .suite = 0x1301,
     .group = GROUP_X25519},
};
#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Bytes moved per bulk work unit, whatever the write size. */
#define BULK_CHUNK (256u * 1024u)
#define MAX_REPS 64

struct params {
  double warmup; /* seconds per side */
  double slice;  /* seconds per repetition per side */
  int reps;
  int heap_reps;
  int heap_pairs; /* connection pairs held open per heap repetition */
  /* Event scenarios: longer slices (a slice starts and drains up to 256
   * connections), fewer of them. */
  double ev_warmup, ev_slice;
  int ev_reps;
};

static const struct params full = {0.3, 0.2, 21, 3, 1000, 0.25, 0.25, 5};
/* --quick checks the harness: no warm-up and one pair for the event
 * scenarios (a 256-client slice drains 256 handshakes on each side). */
static const struct params quick = {0.05, 0.1, 3, 2, 100, 0, 0.05, 1};

struct result {
  const struct scenario *sc;
  double raw, otls, ratio, ratio_min, ratio_max;
  double node;    /* K_EVENT: Node.js' rate; ratio = omnitls / node */
  bool have_node; /* K_EVENT: Node.js ran */
  /* K_EVENT: the same per second of wall time (medians), and their ratio */
  double otls_wall, node_wall, ratio_wall;
  char negotiated[128];
  const char *skipped; /* why the scenario cannot run on this variant */
};

static uint8_t bulk_data[BULK_CHUNK];

/* --- small helpers ---------------------------------------------------------- */

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench-%s: ", bench_raw_backend());
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

const char *bench_path(char *buf, size_t cap, const char *dir, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
  return buf;
}

const char *bench_chain_file(enum bench_cert c) {
  return c == BENCH_CERT_EC ? "server-ec-chain.pem" : "server-rsa-chain.pem";
}

const char *bench_key_file(enum bench_cert c) {
  return c == BENCH_CERT_EC ? "server-ec.key" : "server-rsa.key";
}

static double now(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *v, int n) {
  double s[MAX_REPS];
  memcpy(s, v, (size_t)n * sizeof(*v));
  qsort(s, (size_t)n, sizeof(*s), cmp_double);
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static const char *group_name(uint16_t g) {
  switch (g) {
  case 23: return "P-256";
  case 24: return "P-384";
  case 25: return "P-521";
  case 29: return "X25519";
  case 30: return "X448";
  case 0: return "none";
  }
  return "other";
}

/* --- what the server's first flight says ------------------------------------ */

struct wire {
  uint16_t version; /* supported_versions if present, else legacy_version */
  uint16_t suite;
  uint16_t group; /* TLS 1.3 key_share or TLS 1.2 ServerKeyExchange curve */
  bool server_hello;
  bool hrr;
};

/* What the client's first flight (the ClientHello) offered. */
struct hello {
  bool seen;
  size_t session_id_len;
  size_t n_suites;
  uint16_t shares[8]; /* key_share groups */
  size_t n_shares;
  uint16_t groups[16]; /* supported_groups */
  size_t n_groups;
  size_t n_sigalgs;
  uint16_t ext[32]; /* extension types in order */
  size_t n_ext;
  size_t ticket_len; /* session_ticket extension: the ticket offered */
  size_t len;        /* ClientHello body length */
};

/* RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

static void parse_server_hello(const uint8_t *b, size_t n, struct wire *w) {
  if (n < 38)
    return;
  w->server_hello = true;
  w->version = (uint16_t)(b[0] << 8 | b[1]);
  w->hrr = memcmp(b + 2, hrr_random, 32) == 0;
  size_t k = 34;
  k += 1 + b[k]; /* legacy_session_id */
  if (k + 3 > n)
    return;
  w->suite = (uint16_t)(b[k] << 8 | b[k + 1]);
  k += 3; /* suite, compression */
  if (k + 2 > n)
    return;
  size_t end = k + 2 + (size_t)(b[k] << 8 | b[k + 1]);
  if (end > n)
    end = n;
  for (k += 2; k + 4 <= end;) {
    uint16_t type = (uint16_t)(b[k] << 8 | b[k + 1]);
    size_t len = (size_t)(b[k + 2] << 8 | b[k + 3]);
    const uint8_t *d = b + k + 4;
    if (k + 4 + len > end)
      break;
    if (type == 43 && len >= 2) /* supported_versions */
      w->version = (uint16_t)(d[0] << 8 | d[1]);
    if (type == 51 && len >= 2) /* key_share: group first */
      w->group = (uint16_t)(d[0] << 8 | d[1]);
    k += 4 + len;
  }
}

static uint16_t u16(const uint8_t *b) {
  return (uint16_t)(b[0] << 8 | b[1]);
}

static void parse_client_hello(const uint8_t *b, size_t n, struct hello *h) {
  h->seen = true;
  h->len = n;
  size_t k = 34; /* legacy_version, random */
  if (k + 1 > n)
    return;
  h->session_id_len = b[k];
  k += 1 + b[k]; /* legacy_session_id */
  if (k + 2 > n)
    return;
  h->n_suites = u16(b + k) / 2;
  k += 2 + u16(b + k);
  if (k + 1 > n)
    return;
  k += 1 + b[k]; /* compression methods */
  if (k + 2 > n)
    return;
  size_t end = k + 2 + u16(b + k);
  if (end > n)
    end = n;
  for (k += 2; k + 4 <= end;) {
    uint16_t type = u16(b + k);
    size_t len = u16(b + k + 2);
    const uint8_t *d = b + k + 4;
    if (k + 4 + len > end)
      break;
    if (h->n_ext < 32)
      h->ext[h->n_ext++] = type;
    if (type == 35) /* session_ticket */
      h->ticket_len = len;
    if (type == 10 && len >= 2) /* supported_groups */
      for (size_t i = 2; i + 2 <= len && h->n_groups < 16; i += 2)
        h->groups[h->n_groups++] = u16(d + i);
    if (type == 13 && len >= 2) /* signature_algorithms */
      h->n_sigalgs = u16(d) / 2;
    if (type == 51 && len >= 2) /* key_share: client_shares */
      for (size_t i = 2; i + 4 <= len && h->n_shares < 8; i += 4 + u16(d + i + 2))
        h->shares[h->n_shares++] = u16(d + i);
    k += 4 + len;
  }
}

/* The handshake messages of the plaintext records at the start of a flight. */
static size_t handshake_bytes(const uint8_t *p, size_t n, uint8_t *hs, size_t cap) {
  size_t hn = 0;
  for (size_t i = 0; i + 5 <= n;) {
    size_t len = (size_t)(p[i + 3] << 8 | p[i + 4]);
    if (i + 5 + len > n || p[i] == 23)
      break;
    if (p[i] == 22 && hn + len <= cap) {
      memcpy(hs + hn, p + i + 5, len);
      hn += len;
    }
    i += 5 + len;
  }
  return hn;
}

static void parse_hello(const uint8_t *p, size_t n, struct hello *h) {
  static uint8_t hs[sizeof(((struct bench_negotiated *)0)->cflight)];
  size_t hn = handshake_bytes(p, n, hs, sizeof(hs));
  memset(h, 0, sizeof(*h));
  if (hn >= 4 && hs[0] == 1) {
    size_t len = (size_t)(hs[1] << 16 | hs[2] << 8 | hs[3]);
    parse_client_hello(hs + 4, len + 4 <= hn ? len : hn - 4, h);
  }
}

static void parse_flight(const uint8_t *p, size_t n, struct wire *w) {
  static uint8_t hs[sizeof(((struct bench_negotiated *)0)->flight)];
  size_t hn = handshake_bytes(p, n, hs, sizeof(hs));
  memset(w, 0, sizeof(*w));
  for (size_t j = 0; j + 4 <= hn;) {
    size_t len = (size_t)(hs[j + 1] << 16 | hs[j + 2] << 8 | hs[j + 3]);
    const uint8_t *b = hs + j + 4;
    if (j + 4 + len > hn)
      break;
    if (hs[j] == 2)
      parse_server_hello(b, len, w);
    if (hs[j] == 12 && len >= 3 && b[0] == 3) /* ServerKeyExchange, named_curve */
      w->group = (uint16_t)(b[1] << 8 | b[2]);
    j += 4 + len;
  }
}

static const char *version_name(uint16_t v) {
  switch (v) {
  case 0x0304: return "TLSv1.3";
  case 0x0303: return "TLSv1.2";
  case 0x0302: return "TLSv1.1";
  case 0x0301: return "TLSv1";
  }
  return "?";
}

static void list_groups(char *buf, size_t cap, const uint16_t *g, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && used < cap; i++) {
    int k = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", group_name(g[i]));
    if (k < 0)
      break;
    used += (size_t)k;
  }
}

static void describe(FILE *f, const char *who, const struct bench_negotiated *neg,
                     const struct hello *h, const struct wire *w) {
  char shares[96], groups[160], ext[200];
  list_groups(shares, sizeof(shares), h->shares, h->n_shares);
  list_groups(groups, sizeof(groups), h->groups, h->n_groups);
  size_t used = 0;
  ext[0] = 0;
  for (size_t i = 0; i < h->n_ext && used < sizeof(ext); i++) {
    int k = snprintf(ext + used, sizeof(ext) - used, "%s%u", i ? "," : "", h->ext[i]);
    used += k > 0 ? (size_t)k : 0;
  }
  fprintf(f,
          "  %-7s ClientHello %zu bytes: session id %zu bytes, %zu suites, %zu signature "
          "algorithms, groups %s, key shares %s, extensions %s\n"
          "  %-7s server: %s %s 0x%04X, wire %s 0x%04X group %s%s\n"
          "  %-7s %s; the client got %u session%s; %zu bytes client->server, %zu server->client\n",
          who, h->len, h->session_id_len, h->n_suites, h->n_sigalgs, groups, shares, ext, "",
          neg->protocol, neg->suite_name, neg->suite, version_name(w->version), w->suite,
          group_name(w->group), w->hrr ? " (HelloRetryRequest)" : "", "",
          neg->client_resumed && neg->server_resumed ? "resumed on both ends"
          : neg->client_resumed                      ? "resumed on the client only"
          : neg->server_resumed                      ? "resumed on the server only"
                                                     : "full handshake",
          neg->tickets, neg->tickets == 1 ? "" : "s", neg->c2s_bytes, neg->s2c_bytes);
}

/* How far the two sides' wire byte counts may differ (check_negotiation). */
#define WIRE_SLACK 16

/* Whether a ClientHello carries extension `type`. */
static bool has_ext(const struct hello *h, uint16_t type) {
  for (size_t i = 0; i < h->n_ext; i++)
    if (h->ext[i] == type)
      return true;
  return false;
}

/*
 * Once per scenario: both sides negotiated what the scenario says, as their
 * APIs report it and as the wire shows it, the clients sent the same key
 * shares and the same session extensions, the handshake was a full one or a
 * resumption on both ends as the scenario says, and each client was given
 * its session the same way: exactly one ticket after a full handshake (what
 * an omnitls server issues by default), as many on both sides after a
 * resumption. Exits on any difference; `verbose` prints what both sides did.
 */
static void check_negotiation(const struct scenario *sc, void *env_raw, void *env_otls,
                              char *summary, size_t cap, bool verbose) {
  static struct bench_negotiated neg[2];
  const struct bench_impl *im[2] = {&bench_raw, &bench_otls};
  void *env[2] = {env_raw, env_otls};
  struct wire w[2];
  struct hello h[2];
  bool bad = false;
  for (int i = 0; i < 2; i++) {
    memset(&neg[i], 0, sizeof(neg[i]));
    if (im[i]->probe(env[i], &neg[i]) < 0)
      die("%s: %s: the probe handshake failed", sc->name, im[i]->name);
    parse_flight(neg[i].flight, neg[i].flight_len, &w[i]);
    parse_hello(neg[i].cflight, neg[i].cflight_len, &h[i]);
  }
  for (int i = 0; i < 2; i++) {
    const char *who = im[i]->name;
    if (strcmp(neg[i].protocol, sc->protocol) != 0 || neg[i].suite != sc->suite) {
      fprintf(stderr, "bench-%s: %s: %s negotiated %s %s (0x%04X), expected %s 0x%04X\n",
              bench_raw_backend(), sc->name, who, neg[i].protocol, neg[i].suite_name, neg[i].suite,
              sc->protocol, sc->suite);
      bad = true;
    }
    if (!w[i].server_hello || w[i].hrr || w[i].group != sc->group || w[i].suite != neg[i].suite ||
        strcmp(version_name(w[i].version), neg[i].protocol) != 0) {
      fprintf(stderr,
              "bench-%s: %s: %s: the wire says %s suite 0x%04X group %s%s (API: %s 0x%04X), "
              "expected group %s in one round trip\n",
              bench_raw_backend(), sc->name, who, version_name(w[i].version), w[i].suite,
              group_name(w[i].group), w[i].hrr ? " after a HelloRetryRequest" : "", neg[i].protocol,
              neg[i].suite, group_name(sc->group));
      bad = true;
    }
    if (!h[i].seen) {
      fprintf(stderr, "bench-%s: %s: %s: no ClientHello seen\n", bench_raw_backend(), sc->name,
              who);
      bad = true;
    }
    bool resume = sc->resume != BENCH_FULL;
    if (neg[i].client_resumed != resume || neg[i].server_resumed != resume) {
      fprintf(stderr, "bench-%s: %s: %s: client %s, server %s; expected %s\n", bench_raw_backend(),
              sc->name, who, neg[i].client_resumed ? "resumed" : "full handshake",
              neg[i].server_resumed ? "resumed" : "full handshake",
              resume ? "a resumption on both ends" : "a full handshake");
      bad = true;
    }
    /* What the client offered to resume: a PSK (TLS 1.3 ticket), or a
     * session id and no TLS 1.2 ticket. */
    if ((sc->resume == BENCH_TICKET && !has_ext(&h[i], 41)) ||
        (sc->resume == BENCH_SESSION_ID && (h[i].session_id_len == 0 || h[i].ticket_len > 0))) {
      fprintf(stderr,
              "bench-%s: %s: %s: the ClientHello does not resume by %s (session id %zu bytes, "
              "ticket %zu bytes, pre_shared_key %s)\n",
              bench_raw_backend(), sc->name, who,
              sc->resume == BENCH_TICKET ? "ticket" : "session id", h[i].session_id_len,
              h[i].ticket_len, has_ext(&h[i], 41) ? "present" : "absent");
      bad = true;
    }
    if (!resume && neg[i].tickets != 1) {
      fprintf(stderr, "bench-%s: %s: %s: the client got %u sessions, expected exactly 1\n",
              bench_raw_backend(), sc->name, who, neg[i].tickets);
      bad = true;
    }
  }
  if (neg[0].tickets != neg[1].tickets) {
    fprintf(stderr, "bench-%s: %s: the raw client got %u sessions, the omnitls client %u\n",
            bench_raw_backend(), sc->name, neg[0].tickets, neg[1].tickets);
    bad = true;
  }
  /*
   * The same messages: the bytes each way agree but for a few (an ECDSA
   * signature's DER length varies by a byte or two; GnuTLS' raw client adds
   * a 9-byte status_request) — a ticket more or less is hundreds.
   */
  for (int d = 0; d < 2; d++) {
    size_t a = d ? neg[0].s2c_bytes : neg[0].c2s_bytes, b = d ? neg[1].s2c_bytes : neg[1].c2s_bytes;
    if ((a > b ? a - b : b - a) > WIRE_SLACK) {
      fprintf(stderr, "bench-%s: %s: %s: raw sent %zu bytes, omnitls %zu\n", bench_raw_backend(),
              sc->name, d ? "server->client" : "client->server", a, b);
      bad = true;
    }
  }
  /* session_ticket, pre_shared_key, psk_key_exchange_modes: the same offer. */
  static const uint16_t session_ext[] = {35, 41, 45};
  for (size_t k = 0; k < sizeof(session_ext) / sizeof(session_ext[0]); k++) {
    if (has_ext(&h[0], session_ext[k]) != has_ext(&h[1], session_ext[k])) {
      fprintf(stderr, "bench-%s: %s: extension %u is in the %s ClientHello only\n",
              bench_raw_backend(), sc->name, session_ext[k],
              has_ext(&h[0], session_ext[k]) ? "raw" : "omnitls");
      bad = true;
    }
  }
  if (strcmp(neg[0].protocol, neg[1].protocol) != 0 || neg[0].suite != neg[1].suite ||
      w[0].group != w[1].group) {
    fprintf(stderr, "bench-%s: %s: raw negotiated %s %s %s, omnitls %s %s %s\n",
            bench_raw_backend(), sc->name, neg[0].protocol, neg[0].suite_name,
            group_name(w[0].group), neg[1].protocol, neg[1].suite_name, group_name(w[1].group));
    bad = true;
  }
  /* Each key share is a key generation on the client: the same work means
   * the same shares. */
  if (h[0].n_shares != h[1].n_shares ||
      memcmp(h[0].shares, h[1].shares, h[0].n_shares * sizeof(h[0].shares[0])) != 0) {
    fprintf(stderr, "bench-%s: %s: the clients sent different key shares\n", bench_raw_backend(),
            sc->name);
    bad = true;
  }
  if (verbose || bad) {
    FILE *f = bad ? stderr : stdout;
    fprintf(f, "%s (%s):\n", sc->name, bench_raw_backend());
    for (int i = 0; i < 2; i++)
      describe(f, im[i]->name, &neg[i], &h[i], &w[i]);
  }
  if (bad)
    die("%s: the two sides did not do the same work", sc->name);
  if (sc->resume == BENCH_FULL)
    snprintf(summary, cap, "%s %s %s", neg[1].protocol, neg[1].suite_name, group_name(w[1].group));
  else
    snprintf(summary, cap, "%s %s%s%s, resumed (%s)", neg[1].protocol, neg[1].suite_name,
             w[1].group ? " " : "", w[1].group ? group_name(w[1].group) : "",
             sc->resume == BENCH_TICKET ? "ticket" : "session id");
}

/* --- timing ----------------------------------------------------------------------- */

struct side {
  const struct bench_impl *im;
  void *env;
  void *pair; /* bulk: one established pair per side for the whole scenario */
};

/* One unit of work; returns what it counts (handshakes or bytes). */
static double work_unit(const struct scenario *sc, struct side *s) {
  if (sc->kind == K_HANDSHAKE) {
    if (s->im->handshake(s->env) < 0)
      die("%s: %s: handshake failed", sc->name, s->im->name);
    return 1;
  }
  size_t n = BULK_CHUNK / sc->write_size;
  if (s->im->transfer(s->pair, bulk_data, sc->write_size, n) < 0)
    die("%s: %s: transfer failed", sc->name, s->im->name);
  return (double)(n * sc->write_size);
}

/* Work for `seconds` of wall time; the rate per second of CPU time. */
static double slice(const struct scenario *sc, struct side *s, double seconds) {
  double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
  double units = 0;
  do
    units += work_unit(sc, s);
  while (now(CLOCK_MONOTONIC) - w0 < seconds);
  double cpu = now(CLOCK_THREAD_CPUTIME_ID) - c0;
  double rate = units / cpu;
  return sc->kind == K_BULK ? rate / 1e6 : rate;
}

static size_t heap_in_use(void) {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

/* Heap bytes per established idle connection pair, over n pairs held open
 * at once. */
static double heap_per_pair(const struct scenario *sc, struct side *s, int n) {
  void **pairs = calloc((size_t)n, sizeof *pairs); /* before the first reading */
  if (pairs == NULL)
    die("%s: out of memory", sc->name);
  size_t before = heap_in_use();
  for (int i = 0; i < n; i++)
    if ((pairs[i] = s->im->pair_open(s->env)) == NULL)
      die("%s: %s: cannot open connection pair %d", sc->name, s->im->name, i);
  size_t after = heap_in_use();
  for (int i = 0; i < n; i++)
    s->im->pair_close(pairs[i]);
  free(pairs);
  return ((double)after - (double)before) / n;
}

static double measure(const struct scenario *sc, struct side *s, const struct params *p) {
  return sc->kind == K_HEAP ? heap_per_pair(sc, s, p->heap_pairs) : slice(sc, s, p->slice);
}

static struct bench_setup setup_of(const struct scenario *sc, const char *pki) {
  return (struct bench_setup){
      .pki_dir = pki, .cert = sc->cert, .tls12 = sc->tls12, .resume = sc->resume};
}

/* Why one of the two sides cannot do the scenario's work; NULL if both can. */
static const char *unsupported(const struct scenario *sc) {
  if (sc->kind == K_EVENT)
    return bench_ev_unsupported();
  struct bench_setup setup = setup_of(sc, "");
  const struct bench_impl *im[2] = {&bench_raw, &bench_otls};
  for (int i = 0; i < 2; i++) {
    const char *why = im[i]->unsupported ? im[i]->unsupported(&setup) : NULL;
    if (why)
      return why;
  }
  return NULL;
}

/* The median of the paired ratios, and their min and max. */
static void summarize_ratios(struct result *r, const double *ratio, int reps) {
  r->ratio = median(ratio, reps);
  r->ratio_min = r->ratio_max = ratio[0];
  for (int k = 1; k < reps; k++) {
    if (ratio[k] < r->ratio_min)
      r->ratio_min = ratio[k];
    if (ratio[k] > r->ratio_max)
      r->ratio_max = ratio[k];
  }
}

/* --- the event server against Node.js (event.h) ------------------------------------ */

static struct ev_config ev_cfg;

static const char *suite_name(uint16_t suite) {
  switch (suite) {
  case 0x1301: return "TLS_AES_128_GCM_SHA256";
  case 0x1302: return "TLS_AES_256_GCM_SHA384";
  case 0x1303: return "TLS_CHACHA20_POLY1305_SHA256";
  }
  return "other";
}

/*
 * Both sides' probe connections must have negotiated the scenario's
 * protocol, suite and group (each client's own API: getProtocol(),
 * getCipher(), getEphemeralKeyInfo()); the tickets each client was given
 * go into the summary (Node's server sends its own number).
 */
static void check_event_negotiation(const struct scenario *sc, char neg[2][160], bool node,
                                    char *summary, size_t cap, bool verbose) {
  unsigned tickets[2] = {0, 0};
  bool bad = false;
  for (int i = node ? 0 : 1; i < 2; i++) {
    char proto[16], suite[64], group[32];
    if (sscanf(neg[i], "%15s %63s %31s %u", proto, suite, group, &tickets[i]) != 4 ||
        strcmp(proto, sc->protocol) != 0 || strcmp(suite, suite_name(sc->suite)) != 0 ||
        strcmp(group, group_name(sc->group)) != 0) {
      fprintf(stderr, "bench-%s: %s: %s negotiated '%s', not %s %s %s\n", bench_raw_backend(),
              sc->name, i == EV_NODE ? "node" : "omnitls", neg[i], sc->protocol,
              suite_name(sc->suite), group_name(sc->group));
      bad = true;
    }
    if (verbose)
      printf("%s (%s): %s: %s (protocol suite group tickets)\n", sc->name, bench_raw_backend(),
             i == EV_NODE ? "node" : "omnitls", neg[i]);
  }
  if (bad)
    die("%s: the two sides did not do the same work", sc->name);
  if (node)
    snprintf(summary, cap, "%s %s %s; tickets: omnitls %u, node %u", sc->protocol,
             suite_name(sc->suite), group_name(sc->group), tickets[EV_OMNITLS], tickets[EV_NODE]);
  else
    snprintf(summary, cap, "%s %s %s; tickets: %u", sc->protocol, suite_name(sc->suite),
             group_name(sc->group), tickets[EV_OMNITLS]);
}

/*
 * Node.js is side A, omnitls side B, as raw and omnitls elsewhere: a
 * warm-up slice each, then pairs of slices in alternating order.
 */
static void run_event(const struct scenario *sc, const struct params *p, bool check_only,
                      struct result *r) {
  char neg[2][160];
  enum ev_mode mode = sc->write_size ? EV_BULK : EV_HANDSHAKE;
  if (ev_begin(&ev_cfg, mode, sc->conns, sc->write_size ? sc->write_size : 1, neg) < 0)
    die("%s: cannot start the event processes", sc->name);
  bool node = ev_have_node();
  check_event_negotiation(sc, neg, node, r->negotiated, sizeof(r->negotiated), check_only);
  if (check_only) {
    ev_end();
    return;
  }
  double v[2][MAX_REPS], w[2][MAX_REPS], ratio[MAX_REPS], ratio_wall[MAX_REPS];
  int reps = p->ev_reps;
  for (int i = node ? 0 : 1; i < 2 && p->ev_warmup > 0; i++)
    (void)ev_slice((enum ev_side)i, p->ev_warmup, NULL);
  for (int k = 0; k < reps; k++) {
    int first = node ? k % 2 : 1;
    v[first][k] = ev_slice((enum ev_side)first, p->ev_slice, &w[first][k]);
    if (node) {
      v[!first][k] = ev_slice((enum ev_side)!first, p->ev_slice, &w[!first][k]);
      ratio[k] = v[EV_OMNITLS][k] / v[EV_NODE][k];
      ratio_wall[k] = w[EV_OMNITLS][k] / w[EV_NODE][k];
    }
  }
  ev_end();
  r->otls = median(v[EV_OMNITLS], reps);
  r->otls_wall = median(w[EV_OMNITLS], reps);
  if (node) {
    r->have_node = true;
    r->node = median(v[EV_NODE], reps);
    r->node_wall = median(w[EV_NODE], reps);
    r->ratio_wall = median(ratio_wall, reps);
    summarize_ratios(r, ratio, reps);
  }
}

static void run_scenario(const struct scenario *sc, const char *pki, const struct params *p,
                         bool check_only, struct result *r) {
  struct bench_setup setup = setup_of(sc, pki);
  struct side side[2] = {{&bench_raw, NULL, NULL}, {&bench_otls, NULL, NULL}};
  memset(r, 0, sizeof(*r));
  r->sc = sc;
  if ((r->skipped = unsupported(sc)) != NULL) {
    if (check_only)
      printf("%s (%s): not run: %s\n", sc->name, bench_raw_backend(), r->skipped);
    return;
  }
  if (sc->kind == K_EVENT) {
    run_event(sc, p, check_only, r);
    return;
  }
  for (int i = 0; i < 2; i++)
    if ((side[i].env = side[i].im->env_new(&setup)) == NULL)
      die("%s: %s: cannot set up the contexts", sc->name, side[i].im->name);
  check_negotiation(sc, side[0].env, side[1].env, r->negotiated, sizeof(r->negotiated), check_only);
  if (check_only) {
    for (int i = 0; i < 2; i++)
      side[i].im->env_free(side[i].env);
    return;
  }

  int reps = sc->kind == K_HEAP ? p->heap_reps : p->reps;
  double v[2][MAX_REPS], ratio[MAX_REPS];
  for (int i = 0; i < 2; i++) {
    if (sc->kind == K_BULK && (side[i].pair = side[i].im->pair_open(side[i].env)) == NULL)
      die("%s: %s: cannot open a connection pair", sc->name, side[i].im->name);
    /* Warm-up: caches, lazily built tables, allocator pools. */
    if (sc->kind == K_HEAP) {
      for (int j = 0; j < 8; j++) {
        void *q = side[i].im->pair_open(side[i].env);
        if (q == NULL)
          die("%s: %s: cannot open a connection pair", sc->name, side[i].im->name);
        side[i].im->pair_close(q);
      }
    } else {
      (void)slice(sc, &side[i], p->warmup);
    }
  }
  for (int k = 0; k < reps; k++) {
    int first = k % 2; /* AB, BA, AB, ... */
    v[first][k] = measure(sc, &side[first], p);
    v[!first][k] = measure(sc, &side[!first], p);
    ratio[k] = v[0][k] > 0 ? v[1][k] / v[0][k] : 0;
  }
  r->raw = median(v[0], reps);
  r->otls = median(v[1], reps);
  summarize_ratios(r, ratio, reps);
  for (int i = 0; i < 2; i++) {
    if (side[i].pair)
      side[i].im->pair_close(side[i].pair);
    side[i].im->env_free(side[i].env);
  }
}

/* --- profiling: N units of one side, for callgrind ---------------------------- */

/*
 * Not static and never inlined, so that
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_profile_loop
 * counts exactly the measured work of one side.
 */
__attribute__((noinline)) void bench_profile_loop(const struct scenario *sc, struct side *s,
                                                  long n) {
  for (long i = 0; i < n; i++)
    (void)(sc->kind == K_HEAP ? heap_per_pair(sc, s, full.heap_pairs) : work_unit(sc, s));
}

/*
 * Both sides are set up and warmed up, as in a measured run: the backends
 * keep process-wide state (wolfSSL's ECC fixed-point cache, for one) that
 * the other side's setup would otherwise change.
 */
static int profile(const char *pki, const char *name, const char *impl, long n) {
  const struct scenario *sc = NULL;
  for (size_t i = 0; i < N_SCENARIOS; i++)
    if (strcmp(scenarios[i].name, name) == 0)
      sc = &scenarios[i];
  if (sc == NULL)
    die("unknown scenario '%s'", name);
  if (strcmp(impl, "raw") != 0 && strcmp(impl, "omnitls") != 0)
    die("--profile: the side is 'raw' or 'omnitls', not '%s'", impl);
  if (sc->kind == K_EVENT)
    die("%s: several processes, no raw side: not for --profile", sc->name);
  const char *why = unsupported(sc);
  if (why)
    die("%s: not run on this variant: %s", sc->name, why);
  struct bench_setup setup = setup_of(sc, pki);
  struct side side[2] = {{&bench_raw, NULL, NULL}, {&bench_otls, NULL, NULL}};
  for (int i = 0; i < 2; i++) {
    if ((side[i].env = side[i].im->env_new(&setup)) == NULL)
      die("%s: %s: cannot set up the contexts", sc->name, side[i].im->name);
    if (sc->kind == K_BULK && (side[i].pair = side[i].im->pair_open(side[i].env)) == NULL)
      die("%s: %s: cannot open a connection pair", sc->name, side[i].im->name);
    (void)(sc->kind == K_HEAP ? heap_per_pair(sc, &side[i], full.heap_pairs) : work_unit(sc, &side[i]));
  }
  bench_profile_loop(sc, &side[strcmp(impl, "raw") == 0 ? 0 : 1], n);
  for (int i = 0; i < 2; i++) {
    if (side[i].pair)
      side[i].im->pair_close(side[i].pair);
    side[i].im->env_free(side[i].env);
  }
  return 0;
}

/* --- output -------------------------------------------------------------------------- */

static void print_row(FILE *f, const struct result *r) {
  if (r->skipped) {
    fprintf(f, "%-40s %-9s %-12s %12s %12s %7s  %-11s  not run: %s\n", r->sc->name,
            bench_raw_backend(), r->sc->unit, "-", "-", "-", "-", r->skipped);
    fflush(f);
    return;
  }
  char range[32];
  snprintf(range, sizeof(range), "%.3f-%.3f", r->ratio_min, r->ratio_max);
  if (r->sc->kind == K_EVENT) {
    /* No raw side: the ratio is omnitls / Node.js. */
    if (r->have_node)
      fprintf(f,
              "%-40s %-9s %-12s %12s %12.1f %7.3f  %-11s  node %.1f, ratio omnitls/node, per server "
              "CPU s; wall: %.1f vs %.1f, %.3f; %s\n",
              r->sc->name, bench_raw_backend(), r->sc->unit, "-", r->otls, r->ratio, range,
              r->node, r->otls_wall, r->node_wall, r->ratio_wall, r->negotiated);
    else
      fprintf(f, "%-40s %-9s %-12s %12s %12.1f %7s  %-11s  node not run; wall %.1f; %s\n",
              r->sc->name, bench_raw_backend(), r->sc->unit, "-", r->otls, "-", "-", r->otls_wall,
              r->negotiated);
    fflush(f);
    return;
  }
  fprintf(f, "%-40s %-9s %-12s %12.1f %12.1f %7.3f  %-11s  %s\n", r->sc->name, bench_raw_backend(),
          r->sc->unit, r->raw, r->otls, r->ratio, range, r->negotiated);
  fflush(f);
}

static int write_json(const char *path, const struct result *r, size_t n) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fputs("[\n", f);
  for (size_t i = 0; i < n; i++)
    if (r[i].skipped)
      fprintf(f,
              "  {\"scenario\": \"%s\", \"backend\": \"%s\", \"unit\": \"%s\", \"raw\": null, "
              "\"omnitls\": null, \"ratio\": null, \"ratio_min\": null, \"ratio_max\": null, "
              "\"node\": null, \"not_run\": \"%s\"}%s\n",
              r[i].sc->name, bench_raw_backend(), r[i].sc->unit, r[i].skipped,
              i + 1 < n ? "," : "");
    else if (r[i].sc->kind == K_EVENT && r[i].have_node)
      fprintf(f,
              "  {\"scenario\": \"%s\", \"backend\": \"%s\", \"unit\": \"%s\", \"raw\": null, "
              "\"omnitls\": %.1f, \"ratio\": %.4f, \"ratio_min\": %.4f, \"ratio_max\": %.4f, "
              "\"node\": %.1f, \"ratio_of\": \"omnitls/node\", \"per\": \"server CPU second\", "
              "\"omnitls_wall\": %.1f, \"node_wall\": %.1f, \"ratio_wall\": %.4f}%s\n",
              r[i].sc->name, bench_raw_backend(), r[i].sc->unit, r[i].otls, r[i].ratio,
              r[i].ratio_min, r[i].ratio_max, r[i].node, r[i].otls_wall, r[i].node_wall,
              r[i].ratio_wall, i + 1 < n ? "," : "");
    else if (r[i].sc->kind == K_EVENT)
      fprintf(f,
              "  {\"scenario\": \"%s\", \"backend\": \"%s\", \"unit\": \"%s\", \"raw\": null, "
              "\"omnitls\": %.1f, \"ratio\": null, \"ratio_min\": null, \"ratio_max\": null, "
              "\"node\": null, \"ratio_of\": \"omnitls/node\", \"per\": \"server CPU second\", "
              "\"omnitls_wall\": %.1f, \"node_wall\": null, \"ratio_wall\": null}%s\n",
              r[i].sc->name, bench_raw_backend(), r[i].sc->unit, r[i].otls, r[i].otls_wall,
              i + 1 < n ? "," : "");
    else
      fprintf(f,
              "  {\"scenario\": \"%s\", \"backend\": \"%s\", \"unit\": \"%s\", \"raw\": %.1f, "
              "\"omnitls\": %.1f, \"ratio\": %.4f, \"ratio_min\": %.4f, \"ratio_max\": %.4f, "
              "\"node\": null}%s\n",
              r[i].sc->name, bench_raw_backend(), r[i].sc->unit, r[i].raw, r[i].otls, r[i].ratio,
              r[i].ratio_min, r[i].ratio_max, i + 1 < n ? "," : "");
  fputs("]\n", f);
  return fclose(f) == 0 ? 0 : -1;
}

static int write_tsv(const char *path, const struct result *r, size_t n) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (r[i].skipped)
      fprintf(f, "%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\tnot run: %s\n", r[i].sc->name,
              bench_raw_backend(), r[i].sc->unit, r[i].skipped);
    else if (r[i].sc->kind == K_EVENT && r[i].have_node)
      fprintf(f, "%s\t%s\t%s\t-\t%.1f\t%.1f\t%.4f\t%.4f\t%.4f\t%.1f\t%.1f\t%.4f\t%s\n",
              r[i].sc->name, bench_raw_backend(), r[i].sc->unit, r[i].otls, r[i].node, r[i].ratio,
              r[i].ratio_min, r[i].ratio_max, r[i].otls_wall, r[i].node_wall, r[i].ratio_wall,
              r[i].negotiated);
    else if (r[i].sc->kind == K_EVENT)
      fprintf(f, "%s\t%s\t%s\t-\t%.1f\t-\t-\t-\t-\t%.1f\t-\t-\t%s\n", r[i].sc->name,
              bench_raw_backend(), r[i].sc->unit, r[i].otls, r[i].otls_wall, r[i].negotiated);
    else
      fprintf(f, "%s\t%s\t%s\t%.1f\t%.1f\t-\t%.4f\t%.4f\t%.4f\t-\t-\t-\t%s\n", r[i].sc->name,
              bench_raw_backend(), r[i].sc->unit, r[i].raw, r[i].otls, r[i].ratio, r[i].ratio_min,
              r[i].ratio_max, r[i].negotiated);
  return fclose(f) == 0 ? 0 : -1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench-%s [--quick] [--json FILE] [--tsv FILE] [--pki DIR] [--only SCENARIO]\n"
          "       bench-%s --check [--pki DIR] [--only SCENARIO]   (what both sides negotiate)\n"
          "       bench-%s --profile SCENARIO raw|omnitls N [--pki DIR]\n"
          "       bench-%s --about | --list   (--list: scenario, unit[, why not run here])\n"
          "Event scenarios: --node NODE --node-script bench/node/evbench.js run Node.js\n"
          "  against the event server (without them: omnitls only)\n"
          "PKI: --pki, else $OTLS_PKI_DIR (made by tests/fixtures/gen-pki.sh DIR)\n",
          bench_raw_backend(), bench_raw_backend(), bench_raw_backend(), bench_raw_backend());
}

int main(int argc, char **argv) {
  /* The event scenarios' omnitls server and client processes (event.c). */
  if (argc > 1 && (strcmp(argv[1], "--ev-server") == 0 || strcmp(argv[1], "--ev-client") == 0))
    return bench_ev_child(argc, argv);
  const struct params *p = &full;
  const char *json = NULL, *tsv = NULL, *only = NULL, *pki = getenv("OTLS_PKI_DIR");
  const char *prof_sc = NULL, *prof_side = NULL;
  long prof_n = 0;
  bool check_only = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool more = i + 1 < argc;
    if (strcmp(a, "--quick") == 0) {
      p = &quick;
    } else if (strcmp(a, "--json") == 0 && more) {
      json = argv[++i];
    } else if (strcmp(a, "--tsv") == 0 && more) {
      tsv = argv[++i];
    } else if (strcmp(a, "--pki") == 0 && more) {
      pki = argv[++i];
    } else if (strcmp(a, "--only") == 0 && more) {
      only = argv[++i];
    } else if (strcmp(a, "--node") == 0 && more) {
      ev_cfg.node = argv[++i];
    } else if (strcmp(a, "--node-script") == 0 && more) {
      ev_cfg.script = argv[++i];
    } else if (strcmp(a, "--profile") == 0 && i + 3 < argc) {
      prof_sc = argv[++i];
      prof_side = argv[++i];
      prof_n = strtol(argv[++i], NULL, 10);
    } else if (strcmp(a, "--check") == 0) {
      check_only = true;
    } else if (strcmp(a, "--about") == 0) {
      printf("%s\n", bench_raw_version());
      return 0;
    } else if (strcmp(a, "--list") == 0) {
      /* A third column, when present, says why a scenario is not run here. */
      for (size_t k = 0; k < N_SCENARIOS; k++) {
        const char *why = unsupported(&scenarios[k]);
        printf("%s\t%s%s%s\n", scenarios[k].name, scenarios[k].unit, why ? "\t" : "",
               why ? why : "");
      }
      return 0;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (pki == NULL || *pki == '\0') {
    usage(stderr);
    return 2;
  }
  for (size_t i = 0; i < sizeof(bulk_data); i++)
    bulk_data[i] = (uint8_t)(i * 131u + 7u);
  if (prof_sc)
    return profile(pki, prof_sc, prof_side, prof_n);
  ev_cfg.pki = pki;

  static struct result res[N_SCENARIOS];
  size_t n = 0;
  for (size_t i = 0; i < N_SCENARIOS; i++) {
    if (only && strcmp(only, scenarios[i].name) != 0)
      continue;
    run_scenario(&scenarios[i], pki, p, check_only, &res[n]);
    if (!check_only)
      print_row(stdout, &res[n]);
    n++;
  }
  ev_shutdown();
  if (n == 0)
    die("no scenario named '%s' (see --list)", only);
  if (check_only)
    return 0;
  if (json && write_json(json, res, n) < 0)
    die("cannot write %s: %s", json, strerror(errno));
  if (tsv && write_tsv(tsv, res, n) < 0)
    die("cannot write %s: %s", tsv, strerror(errno));
  return 0;
}
