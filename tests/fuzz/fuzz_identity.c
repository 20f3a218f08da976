/*
 * Fuzz target: checkServerIdentity on extracted names (core/identity.c,
 * otls__check_identity_names).
 *
 * Input: lines separated by '\n'. The first line is the host (up to a NUL);
 * each further line is one identity, its first byte saying which:
 *   D<dns name>   I<binary IP address>   C<CN, UTF-8>   S<subjectaltname text>
 * Lines starting with anything else are ignored.
 *
 * Besides memory safety, the target checks what must always hold: the result
 * is 0 or OTLS_E_CERT_ALTNAME_INVALID, a success leaves the reason empty, and
 * a short reason buffer gets a NUL-terminated prefix of the full reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_NAMES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct otls__blob dns[MAX_NAMES], ip[MAX_NAMES], cn[MAX_NAMES];
  struct otls__id_names names;
  memset(&names, 0, sizeof(names));
  names.dns = dns;
  names.ip = ip;
  names.cn = cn;
  char *host = NULL, *san = NULL;

  const uint8_t *p = data, *end = data + size;
  for (int first = 1; p <= end; first = 0) {
    const uint8_t *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    const uint8_t *e = nl ? nl : end;
    size_t n = (size_t)(e - p);
    if (first) {
      host = strndup(n > 0 ? (const char *)p : "", n);
    } else if (n > 0) {
      struct otls__blob b = {p + 1, n - 1};
      if (p[0] == 'D' && names.n_dns < MAX_NAMES)
        dns[names.n_dns++] = b;
      else if (p[0] == 'I' && names.n_ip < MAX_NAMES)
        ip[names.n_ip++] = b;
      else if (p[0] == 'C' && names.n_cn < MAX_NAMES)
        cn[names.n_cn++] = b;
      else if (p[0] == 'S' && san == NULL)
        san = strndup((const char *)p + 1, n - 1);
    }
    if (nl == NULL)
      break;
    p = nl + 1;
  }
  if (host == NULL)
    goto out;
  names.subjectaltname = san;

  static char reason[1 << 16], small[17];
  int rv = otls__check_identity_names(host, &names, reason, sizeof(reason));
  if (rv != 0 && rv != OTLS_E_CERT_ALTNAME_INVALID)
    abort();
  if (rv == 0 && reason[0] != 0)
    abort();
  if (rv != 0 && reason[0] == 0)
    abort();
  memset(small, 'x', sizeof(small));
  if (otls__check_identity_names(host, &names, small, sizeof(small)) != rv)
    abort();
  size_t sl = strnlen(small, sizeof(small));
  if (sl == sizeof(small) || strncmp(small, reason, sl) != 0)
    abort();
  if (otls__check_identity_names(host, &names, NULL, 0) != rv)
    abort();
out:
  free(host);
  free(san);
  return 0;
}
