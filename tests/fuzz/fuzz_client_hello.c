/*
 * Fuzz target: the ClientHello pre-parse (core/client_hello.c).
 *
 * Input: the bytes a server received first (TLS records). They go through
 * otls__ch_assemble() and, when a whole hello is there, otls__ch_parse();
 * the raw input is also parsed directly as a handshake message, and checked
 * with otls__alpn_wire_valid().
 *
 * Besides memory safety, the target checks what must always hold and aborts
 * otherwise: an assembled message is a ClientHello of at most
 * OTLS__CH_MAX_LEN bytes of body, only known codes are returned, and a
 * successful parse points only inside the message, with a servername of
 * 1..255 bytes and no NUL, a valid ALPN list and whole 2-byte lists.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_hello.h"
#include "omnitls.h"

static void check_inside(const uint8_t *msg, size_t len, const uint8_t *p, size_t n) {
  if (p == NULL) {
    if (n != 0)
      abort();
    return;
  }
  if (p < msg || n > len || (size_t)(p - msg) > len - n)
    abort();
}

static void check_parsed(const uint8_t *msg, size_t len, const struct otls__client_hello *ch) {
  check_inside(msg, len, ch->session_id, ch->session_id_len);
  check_inside(msg, len, ch->cipher_suites, ch->cipher_suites_len);
  check_inside(msg, len, ch->servername, ch->servername_len);
  check_inside(msg, len, ch->alpn, ch->alpn_len);
  check_inside(msg, len, ch->supported_versions, ch->supported_versions_len);
  check_inside(msg, len, ch->groups, ch->groups_len);
  check_inside(msg, len, ch->sig_algs, ch->sig_algs_len);
  if (ch->session_id_len > 32)
    abort();
  if (ch->cipher_suites_len < 2 || ch->cipher_suites_len % 2 != 0)
    abort();
  if (ch->servername != NULL && (ch->servername_len == 0 || ch->servername_len > 255 ||
                                 memchr(ch->servername, 0, ch->servername_len) != NULL))
    abort();
  if (ch->alpn != NULL && !otls__alpn_wire_valid(ch->alpn, ch->alpn_len))
    abort();
  if (ch->supported_versions_len % 2 != 0 || ch->groups_len % 2 != 0 || ch->sig_algs_len % 2 != 0)
    abort();
  if (ch->session_ticket_len != 0 && !ch->has_session_ticket)
    abort();
}

static void parse_one(const uint8_t *msg, size_t len) {
  struct otls__client_hello ch;
  int rv = otls__ch_parse(msg, len, &ch);
  if (rv == 0)
    check_parsed(msg, len, &ch);
  else if (rv != OTLS_E_BAD_CLIENT_HELLO)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *msg = NULL;
  size_t msg_len = 0;
  int rv = otls__ch_assemble(data, size, &msg, &msg_len);
  if (rv == 1) {
    if (msg == NULL || msg_len < 4 || msg_len > 4 + OTLS__CH_MAX_LEN || msg[0] != 1)
      abort();
    parse_one(msg, msg_len);
    free(msg);
  } else if (rv != 0 && rv != OTLS_E_BAD_CLIENT_HELLO && rv != OTLS_E_EXCESSIVE_MESSAGE_SIZE &&
             rv != OTLS_E_NOMEM) {
    abort();
  } else if (msg != NULL) {
    abort();
  }

  /* The same bytes taken as a handshake message (what a record layer would give). */
  parse_one(data, size);

  (void)otls__alpn_wire_valid(data, size);
  return 0;
}
