/*
 * omnitls — PEM decoding (RFC 7468), the one parser of PEM text (private).
 * Text outside BEGIN/END blocks is ignored (as OpenSSL does); anything wrong
 * inside a block is an error.
 */
#ifndef OTLS_CORE_PEM_H
#define OTLS_CORE_PEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct otls__pem_block {
  char label[48];        /* "CERTIFICATE", "PRIVATE KEY", ... */
  const uint8_t *text;   /* the whole block, BEGIN line to END line */
  size_t text_len;
  bool has_headers;      /* RFC 1421 headers (e.g. Proc-Type: 4,ENCRYPTED) */
  uint8_t *der;          /* decoded body, malloc'ed; caller frees */
  size_t der_len;
};

/*
 * Find and decode the next block in [*p, end). Returns 1 with *blk filled
 * (caller frees blk->der) and *p advanced past it, 0 when no further block
 * exists, or OTLS_E_PEM_BAD / OTLS_E_NOMEM.
 */
int otls__pem_next(const uint8_t **p, const uint8_t *end, struct otls__pem_block *blk);

#endif
