/* omnitls — the public session blob (private; core/session.c). */
#ifndef OTLS_CORE_SESSION_H
#define OTLS_CORE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define OTLS__SESSION_MAX_CHAIN 16

/* A session's parts; all pointers are borrowed. */
struct otls__session {
  uint64_t created;  /* Unix seconds */
  int verify_error;  /* 0 or the chain's verification code (not the identity check) */
  struct otls__blob chain[OTLS__SESSION_MAX_CHAIN]; /* the peer's chain, leaf first */
  size_t n_chain;
  const uint8_t *data; /* the backend's own session bytes */
  size_t data_len;
};

/* The blob's checksum of `len` bytes (8 bytes out). */
void otls__session_checksum(const uint8_t *p, size_t len, uint8_t out[8]);

/* Serialise into a malloc'd blob. 0, OTLS_E_INVAL, OTLS_E_NOMEM, OTLS_E_INTERNAL. */
int otls__session_wrap(const struct otls__session *s, uint8_t **out, size_t *out_len);

/*
 * Check a blob and point `s` into it. 0 or OTLS_E_BAD_SESSION (bad magic,
 * format, checksum or lengths, or a session of another backend).
 */
int otls__session_unwrap(const uint8_t *blob, size_t len, struct otls__session *s);

#endif
