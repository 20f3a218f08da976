/* omnitls — small shared helpers: detail text, files, DER lists. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

void otls__detail(char *detail, size_t detail_len, const char *fmt, ...) {
  if (detail == NULL || detail_len == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, detail_len, fmt, ap);
  va_end(ap);
}

#define OTLS__FILE_MAX (64u * 1024u * 1024u)

int otls__read_file(const char *path, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return OTLS_E_FILE;
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > OTLS__FILE_MAX) {
    fclose(f);
    return OTLS_E_FILE;
  }
  size_t size = (size_t)st.st_size;
  /* One spare byte so text can be NUL-terminated by callers. */
  uint8_t *buf = malloc(size + 1);
  if (buf == NULL) {
    fclose(f);
    return OTLS_E_NOMEM;
  }
  size_t got = fread(buf, 1, size, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || got != size) {
    free(buf);
    return OTLS_E_FILE;
  }
  buf[size] = 0;
  *data = buf;
  *len = size;
  return 0;
}

int otls__der_list_add(struct otls__der_list *l, const uint8_t *der, size_t len) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    struct otls__blob *items = realloc(l->items, cap * sizeof(*items));
    if (items == NULL)
      return OTLS_E_NOMEM;
    l->items = items;
    l->cap = cap;
  }
  uint8_t *copy = malloc(len ? len : 1);
  if (copy == NULL)
    return OTLS_E_NOMEM;
  memcpy(copy, der, len);
  l->items[l->n].data = copy;
  l->items[l->n].len = len;
  l->n++;
  return 0;
}

void otls__der_list_clear(struct otls__der_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free((void *)l->items[i].data);
  free(l->items);
  l->items = NULL;
  l->n = l->cap = 0;
}

void otls__append(char *buf, size_t cap, size_t *used, const char *s, size_t n) {
  if (cap == 0 || *used + 1 >= cap)
    return;
  size_t room = cap - *used - 1;
  if (n > room)
    n = room;
  memcpy(buf + *used, s, n);
  *used += n;
  buf[*used] = 0;
}
