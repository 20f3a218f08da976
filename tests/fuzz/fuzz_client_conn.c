/*
 * Fuzz target: a client connection fed an arbitrary server flight through
 * the sans-IO API (ServerHello, certificates, key exchange, records, alerts,
 * tickets...), on each backend variant. The client sends its ClientHello
 * first (dropped), then gets the fuzzer's bytes: byte 0 picks how they are
 * cut into feeds (see fuzz_run). Corpus: real server flights of each backend
 * answering its own client, TLS 1.3 and TLS 1.2 (capture_flights.c); their
 * encrypted parts do not match this client's keys, the plaintext parts
 * (TLS 1.2 Certificate, ServerKeyExchange) are parsed in full.
 */
#include "fuzz_conn_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static otls_context *ctx;
  if (ctx == NULL)
    ctx = fuzz_context(false);
  static const uint8_t alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  otls_conn_options o;
  otls_conn_options_init(&o);
  o.servername = "localhost";
  o.alpn_protocols = alpn;
  o.alpn_protocols_len = sizeof(alpn);
  o.reject_unauthorized = 0; /* go as far as the bytes allow */
  otls_conn *c = NULL;
  if (otls_conn_new(&c, ctx, &o) < 0)
    abort();
  if (otls_conn_handshake(c) != OTLS_E_WANT_READ)
    abort();
  fuzz_drain(c);
  fuzz_run(c, data, size);
  otls_conn_free(c);
  return 0;
}
