/*
 * Fuzz target: a server connection fed arbitrary bytes through the sans-IO
 * API (core's ClientHello pre-parse, SNI and ALPN decisions, then the
 * backend's whole handshake and record layer). Built per backend variant.
 * Input: byte 0 picks how the rest is cut into feeds (see fuzz_run), the
 * rest is what the client sent. Corpus: real first flights of each
 * backend's client (tests/fuzz/capture_flights.c).
 */
#include "fuzz_conn_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static otls_context *ctx;
  if (ctx == NULL)
    ctx = fuzz_context(true);
  static const uint8_t alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  otls_conn_options o;
  otls_conn_options_init(&o);
  o.is_server = true;
  o.alpn_protocols = alpn;
  o.alpn_protocols_len = sizeof(alpn);
  o.alpn_allow_no_overlap = true;
  otls_conn *c = NULL;
  if (otls_conn_new(&c, ctx, &o) < 0)
    abort();
  fuzz_run(c, data, size);
  otls_conn_free(c);
  return 0;
}
