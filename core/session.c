/*
 * omnitls — the public session blob (Node.js: `getSession()` / `session`).
 *
 * A session is self-describing so that a blob from another backend, another
 * format version, or a damaged file is recognised and refused here, the same
 * way on every backend, instead of in (or past) a backend's own parser:
 *
 *   "OTLS"  magic                                 4 bytes
 *   1       format version                        1 byte
 *   n       backend name length                   1 byte, then n bytes
 *   t       creation time, Unix seconds           8 bytes, big-endian
 *   v       chain verification result (-code)     2 bytes, big-endian
 *   k       peer certificates                     1 byte, then k times:
 *             DER length 3 bytes, then the DER
 *   l       backend data length                   4 bytes, then l bytes
 *   h       64-bit hash of everything before it  8 bytes, big-endian
 *           (otls__session_checksum: 8 bytes a step)
 *
 * and nothing after it. The checksum catches damage (a truncated or edited
 * file, a blob from something else); it is no protection against a blob
 * crafted on purpose, which needs no more than the session it imitates —
 * so a cheap hash serves (a SHA-256 here cost more than the rest of a
 * resumption's overhead). The peer chain and its verification result travel
 * with the session because backends keep at most the leaf in their own
 * session format: a resumed connection shows the same peer certificate,
 * `authorized` and `authorizationError` as the one that made the session,
 * on every backend. The backend data is whatever the backend produced
 * (i2d_SSL_SESSION, gnutls_session_get_data2, ...).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "session.h"

#define MAGIC "OTLS"
#define FORMAT 2 /* 1: the same with a byte-wise FNV-1a checksum */
#define MAX_DATA (64u * 1024u)
#define MAX_CERT 0xffffffu
#define SUM_LEN 8

/* Little-endian 64-bit load, whatever the host's byte order. */
static uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static uint64_t sum_step(uint64_t h, uint64_t w) {
  h ^= w * 0x9e3779b97f4a7c15ull;
  h = (h << 27 | h >> 37) * 0xbf58476d1ce4e5b9ull;
  return h;
}

/*
 * A non-cryptographic 64-bit hash that takes 8 bytes a step (a byte-wise
 * FNV-1a was still 20,000 instructions for a 3.6 KB GnuTLS session): a
 * multiply-rotate-multiply per word, the length and the trailing bytes in a
 * last word, then a final avalanche so that every input bit reaches every
 * output bit. Detects damage; not a MAC (see above).
 */
void otls__session_checksum(const uint8_t *p, size_t len, uint8_t out[8]) {
  uint64_t h = 0x6f6d6e69746c7301ull ^ (uint64_t)len;
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    h = sum_step(h, load64(p + i));
  uint64_t last = (uint64_t)(len & 7) << 56;
  for (size_t k = 0; i + k < len; k++)
    last |= (uint64_t)p[i + k] << (8 * k);
  h = sum_step(h, last);
  h ^= h >> 31;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 29;
  for (int k = 7; k >= 0; k--, h >>= 8)
    out[k] = (uint8_t)h;
}

static int checksum(const uint8_t *p, size_t len, uint8_t out[SUM_LEN]) {
  otls__session_checksum(p, len, out);
  return 0;
}

static uint8_t *put(uint8_t *p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--)
    *p++ = (uint8_t)(v >> (8 * i));
  return p;
}

int otls__session_wrap(const struct otls__session *s, uint8_t **out, size_t *out_len) {
  const char *name = otls__backend.name;
  size_t nl = strlen(name);
  if (s->data_len == 0 || s->data_len > MAX_DATA || nl > 255 || s->n_chain > OTLS__SESSION_MAX_CHAIN ||
      s->verify_error > 0 || s->verify_error < -0xffff)
    return OTLS_E_INVAL;
  size_t total = 4 + 1 + 1 + nl + 8 + 2 + 1 + 4 + s->data_len + SUM_LEN;
  for (size_t i = 0; i < s->n_chain; i++) {
    if (s->chain[i].len == 0 || s->chain[i].len > MAX_CERT)
      return OTLS_E_INVAL;
    total += 3 + s->chain[i].len;
  }
  uint8_t *b = malloc(total), *p = b;
  if (b == NULL)
    return OTLS_E_NOMEM;
  memcpy(p, MAGIC, 4);
  p += 4;
  *p++ = FORMAT;
  *p++ = (uint8_t)nl;
  memcpy(p, name, nl);
  p += nl;
  p = put(p, (uint64_t)time(NULL), 8);
  p = put(p, (uint64_t)(-s->verify_error), 2);
  *p++ = (uint8_t)s->n_chain;
  for (size_t i = 0; i < s->n_chain; i++) {
    p = put(p, s->chain[i].len, 3);
    memcpy(p, s->chain[i].data, s->chain[i].len);
    p += s->chain[i].len;
  }
  p = put(p, s->data_len, 4);
  memcpy(p, s->data, s->data_len);
  p += s->data_len;
  if (checksum(b, (size_t)(p - b), p) < 0) {
    free(b);
    return OTLS_E_INTERNAL;
  }
  *out = b;
  *out_len = total;
  return 0;
}

/* Read `bytes` big-endian bytes at *off, if they are there. */
static bool get(const uint8_t *b, size_t len, size_t *off, int bytes, uint64_t *v) {
  if (len - *off < (size_t)bytes)
    return false;
  uint64_t x = 0;
  for (int i = 0; i < bytes; i++)
    x = (x << 8) | b[(*off)++];
  *v = x;
  return true;
}

int otls__session_unwrap(const uint8_t *blob, size_t len, struct otls__session *s) {
  memset(s, 0, sizeof(*s));
  if (blob == NULL || len < 4 + 1 + 1 + SUM_LEN || memcmp(blob, MAGIC, 4) != 0 ||
      blob[4] != FORMAT)
    return OTLS_E_BAD_SESSION;
  /* Everything below is inside a checksummed blob, but is still checked. */
  size_t body = len - SUM_LEN;
  uint8_t sum[SUM_LEN];
  if (checksum(blob, body, sum) < 0 || memcmp(sum, blob + body, SUM_LEN) != 0)
    return OTLS_E_BAD_SESSION;
  size_t nl = blob[5], off = 6;
  const char *name = otls__backend.name;
  if (body - off < nl || nl != strlen(name) || memcmp(blob + off, name, nl) != 0)
    return OTLS_E_BAD_SESSION;
  off += nl;
  uint64_t t, v, k, l;
  if (!get(blob, body, &off, 8, &t) || !get(blob, body, &off, 2, &v) ||
      !get(blob, body, &off, 1, &k) || k > OTLS__SESSION_MAX_CHAIN)
    return OTLS_E_BAD_SESSION;
  s->created = t;
  s->verify_error = -(int)v;
  if (s->verify_error != 0 && !otls_err_is_verify(s->verify_error))
    return OTLS_E_BAD_SESSION;
  for (size_t i = 0; i < k; i++) {
    uint64_t cl;
    if (!get(blob, body, &off, 3, &cl) || cl == 0 || body - off < cl)
      return OTLS_E_BAD_SESSION;
    s->chain[i].data = blob + off;
    s->chain[i].len = (size_t)cl;
    off += (size_t)cl;
  }
  s->n_chain = (size_t)k;
  if (!get(blob, body, &off, 4, &l) || l == 0 || l > MAX_DATA || body - off != l)
    return OTLS_E_BAD_SESSION;
  s->data = blob + off;
  s->data_len = (size_t)l;
  return 0;
}
