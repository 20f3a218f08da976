/* omnitls — byte queue (see buf.h). */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

uint8_t *otls__buf_reserve(struct otls__buf *b, size_t n) {
  if (b->cap - b->tail < n) {
    size_t len = b->tail - b->head;
    /* Reuse the space in front of head before growing. */
    if (b->head > 0) {
      memmove(b->data, b->data + b->head, len);
      b->head = 0;
      b->tail = len;
    }
    if (b->cap - b->tail < n) {
      /* Double, or grow to exactly what is needed when that is more. */
      if (n > SIZE_MAX - len || b->cap > SIZE_MAX / 2)
        return NULL;
      size_t want = b->cap * 2 < 4096 ? 4096 : b->cap * 2;
      if (want < len + n)
        want = len + n;
      uint8_t *d = realloc(b->data, want);
      if (d == NULL)
        return NULL;
      b->data = d;
      b->cap = want;
    }
  }
  return b->data + b->tail;
}

int otls__buf_append(struct otls__buf *b, const void *p, size_t n) {
  if (n == 0)
    return 0;
  uint8_t *dst = otls__buf_reserve(b, n);
  if (dst == NULL)
    return -1;
  memcpy(dst, p, n);
  b->tail += n;
  return 0;
}

void otls__buf_consume(struct otls__buf *b, size_t n) {
  size_t len = b->tail - b->head;
  if (n >= len) {
    b->head = b->tail = 0;
    return;
  }
  b->head += n;
}

size_t otls__buf_take(struct otls__buf *b, void *p, size_t n) {
  size_t len = b->tail - b->head;
  if (n > len)
    n = len;
  if (n) {
    memcpy(p, b->data + b->head, n);
    otls__buf_consume(b, n);
  }
  return n;
}

void otls__buf_free(struct otls__buf *b) {
  free(b->data);
  b->data = NULL;
  b->head = b->tail = b->cap = 0;
}
