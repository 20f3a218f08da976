/*
 * omnitls — what the two connection fuzz targets share: contexts built once
 * from the compiled-in credentials, and a driver that runs a connection over
 * the fuzzer's bytes through the sans-IO API only.
 *
 * Besides memory safety, the driver checks what must always hold and aborts
 * otherwise: every call returns 0, a count, or a known OTLS_E_* code (never
 * OTLS_E_WANT_WRITE, which this layer does not return); once a connection
 * has failed it stays failed with the same code; feeding never accepts more
 * than OTLS_CONN_INPUT_MAX bytes.
 */
#ifndef OTLS_FUZZ_CONN_COMMON_H
#define OTLS_FUZZ_CONN_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_creds.h"
#include "omnitls.h"

static otls_context *fuzz_context(bool server) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source cert = otls_source_mem(fuzz_cert_pem, sizeof(fuzz_cert_pem) - 1);
  otls_source key = otls_source_mem(fuzz_key_pem, sizeof(fuzz_key_pem) - 1);
  if (server) {
    o.cert = &cert;
    o.cert_count = 1;
    o.key = &key;
    o.key_count = 1;
  }
  o.ca = &cert; /* never the system store: it is slow to load */
  o.ca_count = 1;
  otls_context *ctx = NULL;
  if (otls_context_new(&ctx, &o, NULL, 0) < 0)
    abort();
  return ctx;
}

static void fuzz_check_code(int rv) {
  if (rv >= 0)
    return;
  if (rv == OTLS_E_WANT_WRITE || strcmp(otls_err_name(rv), "ERR_OTLS_UNKNOWN") == 0)
    abort();
}

/* Take (and drop) what the connection wants to send. */
static void fuzz_drain(otls_conn *c) {
  uint8_t sink[4096];
  while (otls_conn_take(c, sink, sizeof(sink)) > 0)
    ;
}

/*
 * Feed `data` to `c` in pieces (the first byte picks the piece size, so the
 * fuzzer also explores records split across feeds), running the connection
 * after each piece, then end the transport.
 */
static void fuzz_run(otls_conn *c, const uint8_t *data, size_t size) {
  size_t step = 1 << 16;
  if (size > 0) {
    unsigned sel = data[0];
    data++;
    size--;
    if (sel < 0x40)
      step = 1 + sel * 7; /* 1..442 bytes */
  }
  uint8_t buf[2048];
  for (size_t off = 0; off < size;) {
    size_t n = size - off < step ? size - off : step;
    int fed = otls_conn_feed(c, data + off, n);
    fuzz_check_code(fed);
    if (fed < 0 || (size_t)fed > n)
      abort();
    off += (size_t)fed;
    int rv = otls_conn_handshake(c);
    fuzz_check_code(rv);
    if (rv == 0) {
      for (int i = 0; i < 4; i++) {
        rv = otls_conn_read(c, buf, sizeof(buf));
        fuzz_check_code(rv);
        if (rv <= 0)
          break;
      }
      if (rv > 0 || rv == OTLS_E_WANT_READ)
        fuzz_check_code(otls_conn_write(c, "pong", 4));
    }
    fuzz_drain(c);
    if (rv < 0 && rv != OTLS_E_WANT_READ) {
      /* A failure stays put. */
      if (otls_conn_handshake(c) != rv || otls_conn_write(c, "x", 1) != OTLS_E_CLOSED)
        abort();
      break;
    }
    if (fed == 0)
      break; /* input full and nothing consumed it */
  }
  fuzz_check_code(otls_conn_feed_eof(c));
  fuzz_check_code(otls_conn_read(c, buf, sizeof(buf)));
  fuzz_check_code(otls_conn_shutdown(c));
  fuzz_drain(c);
  (void)otls_conn_wants(c);
  (void)otls_conn_protocol(c);
  (void)otls_conn_servername(c);
  size_t alen;
  (void)otls_conn_alpn_protocol(c, &alen);
}

#endif
