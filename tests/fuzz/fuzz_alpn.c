/*
 * Fuzz target: ALPN wire lists (core/alpn.c) — otls_alpn_encode() on the
 * input as a comma-separated string, the wire-list check and iterator on
 * the input as a list, and the server's choice between its two halves.
 *
 * Besides memory safety, the target checks what must always hold and aborts
 * otherwise: an encoded list is valid and decodes back to the input; a
 * valid list is iterated to its exact end; a choice is a protocol of the
 * server's list that the client offered; encoding never writes past `cap`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alpn.h"
#include "client_hello.h"
#include "omnitls.h"

static void check_encode(const uint8_t *data, size_t size) {
  char *str = malloc(size + 1);
  if (str == NULL)
    return;
  memcpy(str, data, size);
  str[size] = 0;
  size_t slen = strlen(str);
  uint8_t out[1024];
  int n = otls_alpn_encode(str, out, sizeof(out));
  if (n >= 0) {
    if (n == 0 || !otls__alpn_wire_valid(out, (size_t)n))
      abort();
    /* Decode back: the names joined by ',' are the input. */
    size_t off = 0, pos = 0, name_len;
    const uint8_t *name;
    while (otls__alpn_next(out, (size_t)n, &off, &name, &name_len)) {
      if (pos != 0 && str[pos++] != ',')
        abort();
      if (pos + name_len > slen || memcmp(str + pos, name, name_len) != 0)
        abort();
      pos += name_len;
    }
    if (off != (size_t)n || pos != slen)
      abort();
  } else if (n != OTLS_E_INVAL && n != OTLS_E_BUFFER_FULL) {
    abort();
  }
  /* A small buffer: the same answer or BUFFER_FULL, and nothing past cap. */
  size_t cap = size ? data[0] % 32 : 0;
  uint8_t small[40];
  memset(small, 0xa5, sizeof(small));
  int m = otls_alpn_encode(str, small, cap);
  if (m >= 0 && m != n)
    abort();
  if (m < 0 && m != OTLS_E_BUFFER_FULL && m != n)
    abort();
  for (size_t i = cap; i < sizeof(small); i++)
    if (small[i] != 0xa5)
      abort();
  free(str);
}

static void check_wire(const uint8_t *w, size_t len) {
  bool valid = otls__alpn_wire_valid(w, len);
  size_t off = 0, name_len, count = 0;
  const uint8_t *name;
  while (otls__alpn_next(w, len, &off, &name, &name_len)) {
    if (name < w || name_len == 0 || name + name_len > w + len)
      abort();
    if (!otls__alpn_contains(w, len, name, name_len))
      abort();
    count++;
  }
  if (valid && (off != len || count == 0))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_encode(data, size);
  check_wire(data, size);
  /* Server list | client list, split where byte 0 says. */
  size_t cut = size ? data[0] % (size + 1) : 0;
  const uint8_t *srv = data, *cli = data + cut;
  size_t srv_len = cut, cli_len = size - cut;
  check_wire(cli, cli_len);
  const uint8_t *name;
  size_t name_len;
  if (otls__alpn_select(srv, srv_len, cli, cli_len, &name, &name_len)) {
    if (name < srv || name + name_len > srv + srv_len)
      abort();
    if (!otls__alpn_contains(cli, cli_len, name, name_len) ||
        !otls__alpn_contains(srv, srv_len, name, name_len))
      abort();
  }
  return 0;
}
