/*
 * Fuzz target: the X.509 parser (core/x509.c) and the certificate object
 * built on it (core/cert.c) — every field, the JSON, and the issuer check.
 * Input: arbitrary bytes taken as one DER certificate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "omnitls.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct otls__x509 x;
  if (otls__x509_parse(data, size, &x) == 0) {
    char san[64];
    (void)otls__x509_san_string(&x, san, sizeof(san));
    (void)otls__x509_check_issued(&x, &x);
    (void)otls__x509_node_ca(&x);
  }
  otls_cert *c = NULL;
  if (otls_cert_from_der(&c, data, size) != 0)
    return 0;
  const otls_cert_name_entry *e;
  int n = otls_cert_subject_name(c, &e);
  for (int i = 0; i < n; i++)
    (void)strlen(e[i].type);
  n = otls_cert_issuer_name(c, &e);
  for (int i = 0; i < n; i++)
    (void)strlen(e[i].type);
  const char *s = otls_cert_subjectaltname(c);
  if (s)
    (void)strlen(s);
  const otls_cert_access_entry *ia;
  size_t m = otls_cert_info_access(c, &ia);
  for (size_t i = 0; i < m; i++)
    (void)strlen(ia[i].key);
  const char *const *oids;
  m = otls_cert_ext_key_usage(c, &oids);
  for (size_t i = 0; i < m; i++)
    (void)strlen(oids[i]);
  char *json = NULL;
  size_t len;
  if (otls_cert_to_json(c, &json, &len) == 0 && strlen(json) != len)
    abort(); /* the JSON never holds a raw NUL */
  free(json);
  otls_cert_free(c);
  return 0;
}
