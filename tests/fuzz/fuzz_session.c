/*
 * Fuzz target: the session blob a client hands back (core/session.c,
 * otls__session_unwrap), the SNI pattern matcher (core/sni.c) and the ALPN
 * list encoder (core/alpn.c) — all fed by bytes an application may have read
 * from disk or from a peer.
 *
 * The blob ends in a checksum, which random bytes never match; so each input
 * is also tried with the correct checksum appended, to reach the parser
 * behind it. Besides memory safety the target checks what must hold: a
 * successful unwrap points only inside the blob, and re-wrapping its parts
 * gives a blob that unwraps to the same parts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_hello.h"
#include "internal.h"
#include "session.h"

static void check_inside(const struct otls__session *s, const uint8_t *b, size_t n) {
  if (s->data < b || s->data_len > n || s->data > b + n - s->data_len)
    abort();
  for (size_t i = 0; i < s->n_chain; i++)
    if (s->chain[i].data < b || s->chain[i].len > n || s->chain[i].data > b + n - s->chain[i].len)
      abort();
}

static void try_blob(const uint8_t *b, size_t n) {
  struct otls__session s;
  if (otls__session_unwrap(b, n, &s) != 0)
    return;
  check_inside(&s, b, n);
  uint8_t *again;
  size_t again_len;
  if (otls__session_wrap(&s, &again, &again_len) != 0)
    return;
  struct otls__session t;
  if (otls__session_unwrap(again, again_len, &t) != 0 || t.data_len != s.data_len ||
      memcmp(t.data, s.data, s.data_len) != 0 || t.n_chain != s.n_chain ||
      t.verify_error != s.verify_error)
    abort();
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try_blob(data, size);
  /* The same bytes with a valid checksum. */
  uint8_t *b = malloc(size + 8);
  if (b == NULL)
    return 0;
  memcpy(b, data, size);
  otls__session_checksum(data, size, b + size);
  try_blob(b, size + 8);
  free(b);

  /* "pattern\nname" for the SNI matcher; the whole input as an ALPN list. */
  char *text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = 0;
  char *nl = strchr(text, '\n');
  if (nl) {
    *nl = 0;
    (void)otls__sni_match(text, nl + 1);
  }
  uint8_t wire[512];
  int n = otls_alpn_encode(text, wire, sizeof(wire));
  if (n > 0) {
    if (!otls__alpn_wire_valid(wire, (size_t)n))
      abort();
  }
  free(text);
  return 0;
}
