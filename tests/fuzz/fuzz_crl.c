/*
 * Fuzz target: CRL loading — the `crl` option of a context. Core finds the
 * "X509 CRL" PEM blocks; the backend parses the DER and installs it, so
 * this target runs on every backend variant. Input: PEM text when it starts
 * with "-----", otherwise DER, wrapped into a PEM block here so that the
 * backend's DER parser sees the fuzzer's bytes. The trust store is the
 * compiled-in certificate (never the system store: slow to load).
 *
 * Besides memory safety, the target checks that the answer is 0 or a
 * documented loading error, and that a context is returned only on success.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_creds.h"
#include "omnitls.h"

static char *pem_wrap(const uint8_t *der, size_t len, size_t *out_len) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char begin[] = "-----BEGIN X509 CRL-----\n", end[] = "-----END X509 CRL-----\n";
  size_t cap = sizeof(begin) + sizeof(end) + (len + 2) / 3 * 4 + len / 48 + 2;
  char *s = malloc(cap);
  if (s == NULL)
    return NULL;
  size_t w = 0;
  memcpy(s, begin, sizeof(begin) - 1);
  w += sizeof(begin) - 1;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)der[i] << 16 | (i + 1 < len ? (unsigned)der[i + 1] << 8 : 0) |
                 (i + 2 < len ? der[i + 2] : 0);
    s[w++] = tab[(v >> 18) & 63];
    s[w++] = tab[(v >> 12) & 63];
    s[w++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
    s[w++] = i + 2 < len ? tab[v & 63] : '=';
    if ((i / 3 + 1) % 16 == 0)
      s[w++] = '\n';
  }
  s[w++] = '\n';
  memcpy(s + w, end, sizeof(end) - 1);
  w += sizeof(end) - 1;
  *out_len = w;
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *owned = NULL;
  const void *pem = data;
  size_t pem_len = size;
  if (size < 5 || memcmp(data, "-----", 5) != 0) {
    owned = pem_wrap(data, size, &pem_len);
    if (owned == NULL)
      return 0;
    pem = owned;
  }
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source ca = otls_source_mem(fuzz_cert_pem, sizeof(fuzz_cert_pem) - 1);
  otls_source crl = otls_source_mem(pem, pem_len);
  o.ca = &ca;
  o.ca_count = 1;
  o.crl = &crl;
  o.crl_count = 1;
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if ((rv == 0) != (ctx != NULL))
    abort();
  switch (rv) {
  case 0:
  case OTLS_E_PEM_NO_START_LINE:
  case OTLS_E_PEM_BAD:
  case OTLS_E_DER_BAD:
  case OTLS_E_UNSUPPORTED: /* a backend without OTLS_CAP_CRL */
  case OTLS_E_NOMEM:
    break;
  default:
    fprintf(stderr, "unexpected %s: %s\n", otls_err_name(rv), detail);
    abort();
  }
  otls_context_free(ctx);
  free(owned);
  return 0;
}
