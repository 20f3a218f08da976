/*
 * omnitls — a growable byte queue (private): append at the tail, consume
 * from the head. Allocated once and reused; compacted lazily.
 */
#ifndef OTLS_CORE_BUF_H
#define OTLS_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

struct otls__buf {
  uint8_t *data;
  size_t head; /* first unread byte */
  size_t tail; /* one past the last byte */
  size_t cap;
};

static inline size_t otls__buf_len(const struct otls__buf *b) { return b->tail - b->head; }
/* Never NULL (an empty, never-allocated queue gives a valid empty range):
 * NULL + 0 is undefined behaviour, and callers do arithmetic on the result. */
static inline const uint8_t *otls__buf_peek(const struct otls__buf *b) {
  static const uint8_t empty[1];
  return b->data ? b->data + b->head : empty;
}

/*
 * Make room for n more bytes at the tail (compacting or growing) and return
 * where they go, without adding them; NULL on allocation failure.
 * otls__buf_commit() then adds the bytes written there.
 */
uint8_t *otls__buf_reserve(struct otls__buf *b, size_t n);
static inline void otls__buf_commit(struct otls__buf *b, size_t n) { b->tail += n; }
/* Append; returns 0 or -1 on allocation failure. */
int otls__buf_append(struct otls__buf *b, const void *p, size_t n);
/* Drop n bytes from the head (n is clamped). */
void otls__buf_consume(struct otls__buf *b, size_t n);
/* Copy up to n bytes out of the head and consume them; returns the count. */
size_t otls__buf_take(struct otls__buf *b, void *p, size_t n);
void otls__buf_free(struct otls__buf *b);

#endif
