/*
 * omnitls benchmarks — the in-memory "wire" of the raw wolfSSL and GnuTLS
 * baselines: one byte queue per direction, appended to by the sender's IO
 * callback and drained by the receiver's (like an OpenSSL memory BIO shared
 * by both ends). Capacity is kept once grown, as a memory BIO keeps its.
 */
#ifndef OMNITLS_BENCH_MEMQ_H
#define OMNITLS_BENCH_MEMQ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct memq {
  uint8_t *data;
  size_t head, tail, cap;
  size_t total; /* bytes ever appended */
};

static inline size_t memq_len(const struct memq *q) {
  return q->tail - q->head;
}

static inline int memq_append(struct memq *q, const void *p, size_t n) {
  if (q->cap - q->tail < n) {
    size_t len = q->tail - q->head;
    if (q->head > 0) {
      memmove(q->data, q->data + q->head, len);
      q->head = 0;
      q->tail = len;
    }
    if (q->cap - q->tail < n) {
      size_t want = q->cap ? q->cap : 4096;
      while (want - len < n)
        want *= 2;
      uint8_t *d = realloc(q->data, want);
      if (d == NULL)
        return -1;
      q->data = d;
      q->cap = want;
    }
  }
  memcpy(q->data + q->tail, p, n);
  q->tail += n;
  q->total += n;
  return 0;
}

static inline size_t memq_take(struct memq *q, void *p, size_t n) {
  size_t len = q->tail - q->head;
  if (n > len)
    n = len;
  memcpy(p, q->data + q->head, n);
  q->head += n;
  if (q->head == q->tail)
    q->head = q->tail = 0;
  return n;
}

static inline void memq_free(struct memq *q) {
  free(q->data);
  memset(q, 0, sizeof(*q));
}

#endif /* OMNITLS_BENCH_MEMQ_H */
