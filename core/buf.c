/* omnitls — byte queue (see buf.h). */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

int otls__buf_append(struct otls__buf *b, const void *p, size_t n) {
  if (n == 0)
    return 0;
  if (b->cap - b->tail < n) {
    size_t len = b->tail - b->head;
    /* Reuse the space in front of head before growing. */
    if (b->head > 0) {
      memmove(b->data, b->data + b->head, len);
      b->head = 0;
      b->tail = len;
    }
    if (b->cap - b->tail < n) {
      size_t want = b->cap ? b->cap : 4096;
      while (want - len < n) {
        if (want > SIZE_MAX / 2)
          return -1;
        want *= 2;
      }
      uint8_t *d = realloc(b->data, want);
      if (d == NULL)
        return -1;
      b->data = d;
      b->cap = want;
    }
  }
  memcpy(b->data + b->tail, p, n);
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
