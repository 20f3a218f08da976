/* Fuzz target: the cipher-string evaluator (core/ciphers.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciphers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Any bytes, NUL-terminated where the input ends (or at an embedded NUL). */
  char *s = malloc(size + 1);
  if (s == NULL)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  static const unsigned backends[] = {OTLS__BK_OPENSSL, OTLS__BK_BORINGSSL, OTLS__BK_WOLFSSL,
                                      OTLS__BK_GNUTLS};
  struct otls__cipher_list l;
  for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
    /* An empty string means the process default: still a valid call. */
    if (otls__ciphers_eval(s, backends[i], &l, NULL, 0) == 0) {
      if (l.n == 0 || l.n > OTLS_CIPHERS_MAX || l.n13 > l.n)
        abort();
      /* Every id is a known suite of that backend, and none repeats. */
      for (size_t j = 0; j < l.n; j++) {
        const struct otls__suite *st = otls__suite_by_id(l.ids[j]);
        if (st == NULL || !(st->backends & backends[i]) ||
            (j < l.n13) != (st->min_version == OTLS__TLS1_3))
          abort();
        for (size_t k = 0; k < j; k++)
          if (l.ids[k] == l.ids[j])
            abort();
      }
    }
  }
  free(s);
  return 0;
}
