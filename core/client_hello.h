/*
 * omnitls — ClientHello pre-parse (private; DESIGN.md §2).
 *
 * The server side of core buffers the client's first flight, finds the
 * ClientHello in it, and reads what the application's hooks need (SNI name,
 * ALPN offer, session id / ticket / PSK presence, status_request) before
 * any backend sees a byte. Everything here parses untrusted input: every
 * length is checked, nothing is read past `len`, and the fuzz target
 * tests/fuzz/fuzz_client_hello.c runs both functions.
 */
#ifndef OTLS_CORE_CLIENT_HELLO_H
#define OTLS_CORE_CLIENT_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The largest ClientHello handshake message accepted (body, without the
 * 4-byte handshake header). Real ones are under 2 KiB (a few KiB with
 * post-quantum key shares); Node's parser stops at 16 KiB too.
 */
#define OTLS__CH_MAX_LEN 16384u

/* What was read from one ClientHello. Pointers point into the message. */
struct otls__client_hello {
  /*
   * The first record's version field. It is not part of the message, so
   * otls__ch_parse() leaves it 0; the caller, who has the records, fills
   * it (bytes 1..2 of what it gave otls__ch_assemble()).
   */
  uint16_t record_version;
  uint16_t legacy_version; /* ClientHello.client_version */

  const uint8_t *session_id; /* legacy_session_id, 0..32 bytes */
  size_t session_id_len;

  const uint8_t *cipher_suites; /* 2-byte ids, big-endian */
  size_t cipher_suites_len;     /* even, >= 2 */

  /*
   * server_name: the host_name entry, NULL when the extension is absent or
   * has no host_name entry. 1..255 bytes, never contains a NUL byte (a
   * name with a NUL, or longer, makes the hello malformed).
   */
  const uint8_t *servername;
  size_t servername_len;

  /*
   * application_layer_protocol_negotiation: the ProtocolNameList contents
   * (wire format: length-prefixed names, each 1..255 bytes, at least one).
   * NULL when the extension is absent.
   */
  const uint8_t *alpn;
  size_t alpn_len;

  bool status_request;     /* status_request with status_type ocsp (1) */
  bool has_session_ticket; /* session_ticket extension present (TLS 1.2) */
  size_t session_ticket_len; /* its data length (0 = asks for a new ticket) */
  bool has_psk;            /* pre_shared_key present (TLS 1.3 resumption) */
  bool has_early_data;     /* early_data present */

  /* supported_versions: 2-byte versions; NULL when absent. */
  const uint8_t *supported_versions;
  size_t supported_versions_len;

  /* supported_groups: 2-byte NamedGroup ids; NULL when absent. */
  const uint8_t *groups;
  size_t groups_len;

  /* signature_algorithms: 2-byte SignatureScheme ids; NULL when absent. */
  const uint8_t *sig_algs;
  size_t sig_algs_len;
};

/*
 * otls__ch_assemble() — look for a whole ClientHello at the start of the
 * bytes received so far (`in`, `in_len`: TLS records, possibly split
 * anywhere, the hello possibly spread over several handshake records,
 * each at most 2^14 bytes of payload).
 *
 * Returns 1 and sets *msg (malloc'd; the caller frees it) and *msg_len to
 * the whole handshake message including its 4-byte header, when complete;
 * 0 when more bytes are needed; or:
 *  - OTLS_E_BAD_CLIENT_HELLO: the first record is not a handshake record
 *    (content type 22), a record version's major byte is not 3, a record
 *    is empty, the first handshake message is not a ClientHello (type 1),
 *    or a record of another content type comes before the hello is whole;
 *  - OTLS_E_EXCESSIVE_MESSAGE_SIZE: the declared hello length is over
 *    OTLS__CH_MAX_LEN, or a record's length is over 2^14;
 *  - OTLS_E_NOMEM.
 * The input is only read, never consumed: the caller hands the same bytes
 * to the backend afterwards.
 */
int otls__ch_assemble(const uint8_t *in, size_t in_len, uint8_t **msg, size_t *msg_len);

/*
 * otls__ch_coalesce() — the records that carry the first `msg_len` bytes of
 * handshake data in `in` (the ClientHello, as otls__ch_assemble() found it),
 * rewritten as few records as possible (at most 2^14 bytes each), so that
 * every backend sees the same well-formed first flight however the client
 * fragmented it (wolfSSL fails on a hello split into 1-byte records).
 * Returns 1 with *out (malloc'd) replacing in[0 .. *used); 0 when nothing
 * is to be gained; OTLS_E_BAD_CLIENT_HELLO, OTLS_E_NOMEM.
 */
int otls__ch_coalesce(const uint8_t *in, size_t in_len, size_t msg_len, uint8_t **out,
                      size_t *out_len, size_t *used);

/*
 * otls__ch_parse() — read a ClientHello message (with its 4-byte header,
 * as otls__ch_assemble() returns it) into `out`. Returns 0, or
 * OTLS_E_BAD_CLIENT_HELLO for anything malformed: a length that runs past
 * its container, trailing bytes, an empty or odd cipher-suite list, no
 * compression methods, a duplicated extension, a malformed server_name /
 * ALPN / supported_versions / supported_groups / signature_algorithms
 * body, a pre_shared_key extension that is not the last one.
 * Unknown extensions are skipped.
 */
int otls__ch_parse(const uint8_t *msg, size_t len, struct otls__client_hello *out);

/*
 * otls__alpn_wire_valid() — true when `wire` is a well-formed, non-empty
 * ALPN ProtocolNameList body (each name 1..255 bytes, nothing left over).
 */
bool otls__alpn_wire_valid(const uint8_t *wire, size_t len);

#endif /* OTLS_CORE_CLIENT_HELLO_H */
