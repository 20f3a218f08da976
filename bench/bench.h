/*
 * omnitls benchmarks — the interface between the harness (harness.c) and the
 * two implementations of the same work compiled into each bench-<backend>:
 *
 *   bench_raw   bench/raw/raw_<backend>.c  the backend's own API, directly
 *   bench_otls  bench/omnitls_work.c       omnitls' public API only
 *
 * This header includes no TLS library header: wolfSSL's headers must never
 * share a translation unit with OpenSSL's, and the harness talks to both
 * sides only through the function table below.
 *
 * The work (identical on both sides, see docs/performance.md):
 *  - client and server in one process, every byte through memory;
 *  - the server presents the test PKI's chain (leaf + intermediate), the
 *    client trusts ca.pem, verifies the chain and the name "localhost" (also
 *    sent as SNI) — omnitls' default client behaviour;
 *  - the offer is omnitls' default: TLS 1.3 suites AES-128-GCM, AES-256-GCM,
 *    CHACHA20 then ECDHE AEAD suites for TLS 1.2; groups X25519, P-256, P-384;
 *  - sessions as omnitls does them by default: the server issues exactly one
 *    ticket per full handshake (TLS 1.3: a NewSessionTicket right after the
 *    handshake; TLS 1.2: in its last flight), and the client takes it in
 *    and serialises the session in the backend's own format (omnitls: for
 *    its `session` event / otls_conn_session()). Every handshake loop moves
 *    that ticket to the client and has the client process it;
 *  - resumption scenarios: one session is obtained once (env_new), then each
 *    handshake is a new connection pair resuming it — by ticket (TLS 1.3) or
 *    by session id (TLS 1.2, server without tickets, the session kept in the
 *    server's cache: omnitls' core cache / the backend's own) — and fails
 *    unless both ends report the handshake resumed.
 */
#ifndef OMNITLS_BENCH_H
#define OMNITLS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What a scenario sets up: one client context and one server context. */
enum bench_cert { BENCH_CERT_EC, BENCH_CERT_RSA };

/* How the scenario's handshakes begin. */
enum bench_resume {
  BENCH_FULL,      /* full handshakes (the server still issues its ticket) */
  BENCH_TICKET,    /* resume the env's session by ticket */
  BENCH_SESSION_ID /* resume by session id: the server issues no tickets
                      (OTLS_OP_NO_TICKET / SSL_OP_NO_TICKET ...) and keeps
                      the session in its cache */
};

struct bench_setup {
  const char *pki_dir;  /* output of tests/fixtures/gen-pki.sh */
  enum bench_cert cert; /* server-ec-chain.pem (P-256) or server-rsa-chain.pem */
  bool tls12;           /* both sides limited to TLS 1.2 (maxVersion "TLSv1.2") */
  enum bench_resume resume;
};

/* The name both sides send as SNI and the client checks in the certificate. */
#define BENCH_HOST "localhost"

/* Largest plaintext read at once by the server side. */
#define BENCH_READ_BUF (16u * 1024u)

/* What one handshake negotiated, as each side's own API reports it. */
struct bench_negotiated {
  char protocol[16]; /* "TLSv1.3", "TLSv1.2" */
  uint16_t suite;    /* IANA two-byte id */
  char suite_name[64];
  /* The first flight of each side as it went on the wire (ClientHello;
   * ServerHello...), for the key-share and group checks. */
  uint8_t cflight[4096];
  size_t cflight_len;
  uint8_t flight[16384];
  size_t flight_len;
  /* Ciphertext bytes each way over the whole handshake, ticket included. */
  size_t c2s_bytes, s2c_bytes;
  /* Sessions the client was given (TLS 1.3 tickets, or the TLS 1.2 session
   * of a full handshake), as its own API counts them. */
  unsigned tickets;
  /* Each end's own answer to "was this handshake resumed?". */
  bool client_resumed, server_resumed;
};

struct bench_impl {
  const char *name; /* "raw" or "omnitls" */
  /* Contexts for one scenario; NULL (after printing why) on failure. */
  void *(*env_new)(const struct bench_setup *s);
  void (*env_free)(void *env);
  /* Why this side cannot do the work of `s` (NULL: it can). */
  const char *(*unsupported)(const struct bench_setup *s);
  /* One handshake on a fresh connection pair, freed afterwards: a full one,
   * or one resuming the env's session (-1 unless both ends resumed). 0 / -1. */
  int (*handshake)(void *env);
  /* One handshake as above, reporting what was negotiated. 0 / -1. */
  int (*probe)(void *env, struct bench_negotiated *out);
  /* A connection pair with the handshake (as above) done; NULL on failure. */
  void *(*pair_open)(void *env);
  void (*pair_close)(void *pair);
  /* The client writes `data` (size * nwrites bytes) in `nwrites` writes of
   * `size` bytes, each moved to the server at once; the server reads all of
   * it, BENCH_READ_BUF at a time. 0 / -1. */
  int (*transfer)(void *pair, const uint8_t *data, size_t size, size_t nwrites);
};

/* Keep a copy of a side's first flight (the first non-empty call wins). */
static inline void bench_keep(uint8_t *dst, size_t cap, size_t *len, const void *p, size_t n) {
  if (*len == 0 && n > 0) {
    *len = n < cap ? n : cap;
    memcpy(dst, p, *len);
  }
}

extern const struct bench_impl bench_raw;
extern const struct bench_impl bench_otls;

/* omnitls' client or server context for a scenario (omnitls_work.c);
 * NULL after printing why. Free with otls_context_free(). */
struct otls_context;
struct otls_context *bench_otls_context(const struct bench_setup *s, bool server);

/* The backend and its version, as the raw side sees it. */
const char *bench_raw_backend(void);
const char *bench_raw_version(void);

/* File names inside the PKI directory; writes "<dir>/<name>" into buf. */
const char *bench_path(char *buf, size_t cap, const char *dir, const char *name);
const char *bench_chain_file(enum bench_cert c);
const char *bench_key_file(enum bench_cert c);

#endif /* OMNITLS_BENCH_H */
