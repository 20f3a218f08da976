/*
 * omnitls — ALPN: wire lists and the server's choice (DESIGN.md §1: the
 * protocol is chosen here, once, for every backend).
 */
#include <string.h>

#include "alpn.h"
#include "client_hello.h"
#include "internal.h"

int otls_alpn_encode(const char *list, uint8_t *out, size_t cap) {
  if (list == NULL || (out == NULL && cap > 0))
    return OTLS_E_INVAL;
  size_t used = 0;
  const char *p = list;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == 0 || n > 255)
      return OTLS_E_INVAL;
    if (cap - used < n + 1)
      return OTLS_E_BUFFER_FULL;
    out[used++] = (uint8_t)n;
    memcpy(out + used, p, n);
    used += n;
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  if (used > 0xffff)
    return OTLS_E_INVAL;
  return (int)used;
}

bool otls__alpn_next(const uint8_t *wire, size_t len, size_t *off, const uint8_t **name,
                     size_t *name_len) {
  if (*off >= len)
    return false;
  size_t n = wire[*off];
  if (n == 0 || n > len - *off - 1)
    return false;
  *name = wire + *off + 1;
  *name_len = n;
  *off += 1 + n;
  return true;
}

bool otls__alpn_contains(const uint8_t *wire, size_t len, const uint8_t *name, size_t name_len) {
  size_t off = 0;
  const uint8_t *p;
  size_t n;
  while (otls__alpn_next(wire, len, &off, &p, &n))
    if (n == name_len && memcmp(p, name, n) == 0)
      return true;
  return false;
}

bool otls__alpn_select(const uint8_t *server, size_t server_len, const uint8_t *client,
                       size_t client_len, const uint8_t **name, size_t *name_len) {
  size_t off = 0;
  const uint8_t *p;
  size_t n;
  while (otls__alpn_next(server, server_len, &off, &p, &n)) {
    if (otls__alpn_contains(client, client_len, p, n)) {
      *name = p;
      *name_len = n;
      return true;
    }
  }
  return false;
}
