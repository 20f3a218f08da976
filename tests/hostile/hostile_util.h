/*
 * omnitls — helpers shared by the hostile-input and secure-defaults tests:
 * a ClientHello written byte by byte (so a test can send what no engine's
 * client would), record framing, and "the process carries on" checks.
 */
#ifndef OTLS_HOSTILE_UTIL_H
#define OTLS_HOSTILE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnitls.h"

/* A growable byte string. */
struct hbuf {
  uint8_t *p;
  size_t len, cap;
};
void hb_put(struct hbuf *b, const void *data, size_t len);
void hb_u8(struct hbuf *b, unsigned v);
void hb_u16(struct hbuf *b, unsigned v);
void hb_u24(struct hbuf *b, unsigned v);
void hb_free(struct hbuf *b);

/* What goes into a handcrafted ClientHello. */
struct hello_spec {
  unsigned legacy_version;       /* 0x0303 unless set */
  const uint16_t *suites;        /* NULL: ECDHE-RSA/ECDSA-AES128-GCM-SHA256 */
  size_t n_suites;
  const uint8_t *compression;    /* NULL: {0} */
  size_t n_compression;
  const uint8_t *sni;            /* server_name bytes (may contain NUL); NULL: none */
  size_t sni_len;
  bool supported_versions_12;    /* add supported_versions = {TLS 1.2} */
};

/* The ClientHello as one handshake record (or several records of at most
 * `frag` bytes each when frag > 0). */
void build_client_hello(struct hbuf *out, const struct hello_spec *spec, size_t frag);

/* Re-frame the handshake bytes of the records in `in` into records of at most
 * `frag` bytes of payload (same content type, version). */
void reframe(struct hbuf *out, const uint8_t *in, size_t len, size_t frag);

/* A server context on server-rsa, a client context trusting ca.pem. */
otls_context *hostile_server_ctx(void);
otls_context *hostile_client_ctx(void);

/* A server connection; a client connection asking for "localhost". */
otls_conn *new_server_conn(otls_context *sctx);
otls_conn *new_client_conn(otls_context *cctx);

/* A client + server pair on those contexts, the client asking for "localhost". */
void make_pair(otls_context *cctx, otls_context *sctx, otls_conn **client, otls_conn **server);

/* A full handshake between a fresh pair, checked to succeed. */
void handshake_pair(otls_conn **client, otls_conn **server, otls_context **cctx,
                    otls_context **sctx);

/*
 * The process carries on: a new client and server (new contexts) complete a
 * handshake, exchange data both ways and close cleanly with close_notify.
 * Every bad-input test ends with it.
 */
void another_connection_still_works(void);

/* Feed all of `data` to `c` (fails the test if it does not fit). */
void feed_all(otls_conn *c, const void *data, size_t len);

/* The first record of `c`'s pending output: content type, or -1 when none. */
int first_output_record(otls_conn *c, const uint8_t **body, size_t *len);

#endif
