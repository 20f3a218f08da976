/*
 * omnitls — ClientHello pre-parse (see client_hello.h).
 *
 * Two steps, both over untrusted bytes:
 *  - otls__ch_assemble() walks the TLS records (RFC 8446 §5.1, RFC 5246
 *    §6.2.1) and joins the handshake fragments of the first message;
 *  - otls__ch_parse() reads that message (RFC 8446 §4.1.2, RFC 5246
 *    §7.4.1.2) and the few extensions the server hooks need.
 * Lengths are only ever compared against what remains ("end - p"), never
 * added to a pointer before that check, so nothing can overflow or read
 * past the end.
 */
#include "client_hello.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
#define RECORD_MAX 16384u
#define RECORD_HEADER 5u
#define CT_HANDSHAKE 22u
#define HS_CLIENT_HELLO 1u
#define HS_HEADER 4u

/* Extension types (IANA "TLS ExtensionType Values"). */
#define EXT_SERVER_NAME 0u
#define EXT_STATUS_REQUEST 5u
#define EXT_SUPPORTED_GROUPS 10u
#define EXT_SIGNATURE_ALGORITHMS 13u
#define EXT_ALPN 16u
#define EXT_SESSION_TICKET 35u
#define EXT_PRE_SHARED_KEY 41u
#define EXT_EARLY_DATA 42u
#define EXT_SUPPORTED_VERSIONS 43u

/* --- assembling the message from records --------------------------------- */

/*
 * One pass over the records in `in`. Without `dst` it only validates and
 * measures: returns 1 and sets *total (header included) once the whole
 * message is there. With `dst` (at least *total bytes, from a first pass
 * over the same input) it also copies the message out. Keeping one walker
 * for both passes means the copy can never disagree with the checks.
 */
OTLS_MUST_CHECK static int walk_records(const uint8_t *in, size_t in_len, uint8_t *dst,
                                        size_t *total) {
  uint8_t hdr[HS_HEADER];
  size_t got = 0;          /* handshake bytes seen so far */
  size_t want = HS_HEADER; /* the header until it is read, then header + body */
  size_t pos = 0;

  while (pos < in_len) {
    const uint8_t *r = in + pos;
    size_t avail = in_len - pos;
    /*
     * Each field is judged as soon as its byte is there, so garbage (a
     * plain-HTTP request, an SSLv2 hello) is refused from its first byte
     * rather than after waiting for a "record" that never comes.
     */
    if (r[0] != CT_HANDSHAKE)
      return OTLS_E_BAD_CLIENT_HELLO;
    if (avail < 2)
      return 0;
    if (r[1] != 3) /* every TLS/SSLv3 record version is 3.x */
      return OTLS_E_BAD_CLIENT_HELLO;
    if (avail < RECORD_HEADER)
      return 0;
    size_t rlen = (size_t)r[3] << 8 | r[4];
    if (rlen > RECORD_MAX)
      return OTLS_E_EXCESSIVE_MESSAGE_SIZE;
    /* RFC 5246 §6.2.1: no zero-length handshake fragments. */
    if (rlen == 0)
      return OTLS_E_BAD_CLIENT_HELLO;

    /* The fragment may still be arriving: use what is there of it. */
    const uint8_t *p = r + RECORD_HEADER;
    size_t have = avail - RECORD_HEADER;
    bool partial = have < rlen;
    if (!partial)
      have = rlen;

    while (have > 0 && got < want) {
      size_t take;
      if (got < HS_HEADER) {
        /* The 4-byte header itself may be split over records. */
        take = HS_HEADER - got;
        if (take > have)
          take = have;
        memcpy(hdr + got, p, take);
        got += take;
        if (hdr[0] != HS_CLIENT_HELLO)
          return OTLS_E_BAD_CLIENT_HELLO;
        if (got == HS_HEADER) {
          size_t body = (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
          /* Decided now, before any of the body is buffered or awaited. */
          if (body > OTLS__CH_MAX_LEN)
            return OTLS_E_EXCESSIVE_MESSAGE_SIZE;
          want = HS_HEADER + body;
          if (dst != NULL)
            memcpy(dst, hdr, HS_HEADER);
        }
      } else {
        take = want - got;
        if (take > have)
          take = have;
        if (dst != NULL)
          memcpy(dst + got, p, take);
        got += take;
      }
      p += take;
      have -= take;
    }
    if (got == want) {
      *total = want;
      return 1;
    }
    if (partial)
      return 0;
    pos += RECORD_HEADER + rlen; /* <= in_len: the whole record was there */
  }
  return 0;
}

int otls__ch_assemble(const uint8_t *in, size_t in_len, uint8_t **msg, size_t *msg_len) {
  *msg = NULL;
  *msg_len = 0;
  size_t total = 0;
  int rv = walk_records(in, in_len, NULL, &total);
  if (rv != 1)
    return rv;
  /* total <= 4 + OTLS__CH_MAX_LEN: the only allocation, and it is bounded. */
  uint8_t *buf = malloc(total);
  if (buf == NULL)
    return OTLS_E_NOMEM;
  size_t again = 0;
  rv = walk_records(in, in_len, buf, &again);
  if (rv != 1 || again != total) { /* cannot happen: same input, same walk */
    free(buf);
    return OTLS_E_BAD_CLIENT_HELLO;
  }
  *msg = buf;
  *msg_len = total;
  return 1;
}

/* --- a bounded reader ---------------------------------------------------- */

struct rd {
  const uint8_t *p;
  const uint8_t *end;
};

static size_t left(const struct rd *r) {
  return (size_t)(r->end - r->p);
}

OTLS_MUST_CHECK static bool get_u8(struct rd *r, size_t *v) {
  if (left(r) < 1)
    return false;
  *v = r->p[0];
  r->p += 1;
  return true;
}

OTLS_MUST_CHECK static bool get_u16(struct rd *r, size_t *v) {
  if (left(r) < 2)
    return false;
  *v = (size_t)r->p[0] << 8 | r->p[1];
  r->p += 2;
  return true;
}

/* Take `n` bytes as a sub-reader. */
OTLS_MUST_CHECK static bool get_bytes(struct rd *r, size_t n, struct rd *sub) {
  if (left(r) < n)
    return false;
  sub->p = r->p;
  sub->end = r->p + n;
  r->p += n;
  return true;
}

/* A vector with a 1- or 2-byte length prefix (RFC 8446 §3.4). */
OTLS_MUST_CHECK static bool get_vec8(struct rd *r, struct rd *sub) {
  size_t n;
  return get_u8(r, &n) && get_bytes(r, n, sub);
}

OTLS_MUST_CHECK static bool get_vec16(struct rd *r, struct rd *sub) {
  size_t n;
  return get_u16(r, &n) && get_bytes(r, n, sub);
}

/*
 * An extension body that is exactly one vector of 2-byte ids, non-empty
 * (supported_groups, signature_algorithms: RFC 8446 §4.2.3, §4.2.7 say
 * <2..2^16-2>).
 */
OTLS_MUST_CHECK static bool u16_list(struct rd *ext, const uint8_t **list, size_t *len) {
  struct rd v;
  if (!get_vec16(ext, &v) || left(ext) != 0)
    return false;
  if (left(&v) < 2 || left(&v) % 2 != 0)
    return false;
  *list = v.p;
  *len = left(&v);
  return true;
}

/* --- extensions ---------------------------------------------------------- */

/*
 * RFC 6066 §3: ServerNameList server_name_list<1..2^16-1>, at most one
 * name per type. Only host_name (0) is kept; other types, of which none is
 * defined, are skipped with the opaque<1..2^16-1> shape every entry has.
 */
OTLS_MUST_CHECK static bool ext_server_name(struct rd *ext, struct otls__client_hello *ch) {
  struct rd list;
  if (!get_vec16(ext, &list) || left(ext) != 0 || left(&list) == 0)
    return false;
  while (left(&list) > 0) {
    size_t type;
    struct rd name;
    if (!get_u8(&list, &type) || !get_vec16(&list, &name) || left(&name) == 0)
      return false;
    if (type != 0)
      continue;
    if (ch->servername != NULL)
      return false; /* a second host_name */
    /*
     * A DNS name fits in 255 bytes (RFC 1035 §2.3.4), and one with a NUL
     * would read differently to C code further along than to the peer.
     */
    if (left(&name) > 255 || memchr(name.p, 0, left(&name)) != NULL)
      return false;
    ch->servername = name.p;
    ch->servername_len = left(&name);
  }
  return true;
}

/*
 * RFC 6066 §8: CertificateStatusRequest. Only ocsp (1) is understood; its
 * body is two vectors (responder ids, request extensions) and nothing more.
 * Other status types are ignored as OpenSSL does.
 */
OTLS_MUST_CHECK static bool ext_status_request(struct rd *ext, struct otls__client_hello *ch) {
  size_t type;
  if (!get_u8(ext, &type))
    return false;
  if (type != 1)
    return true;
  struct rd ids, exts;
  if (!get_vec16(ext, &ids) || !get_vec16(ext, &exts) || left(ext) != 0)
    return false;
  ch->status_request = true;
  return true;
}

/* RFC 7301 §3.1: ProtocolNameList protocol_name_list<2..2^16-1>. */
OTLS_MUST_CHECK static bool ext_alpn(struct rd *ext, struct otls__client_hello *ch) {
  struct rd list;
  if (!get_vec16(ext, &list) || left(ext) != 0)
    return false;
  if (!otls__alpn_wire_valid(list.p, left(&list)))
    return false;
  ch->alpn = list.p;
  ch->alpn_len = left(&list);
  return true;
}

/* RFC 8446 §4.2.1: ProtocolVersion versions<2..254>. */
OTLS_MUST_CHECK static bool ext_supported_versions(struct rd *ext, struct otls__client_hello *ch) {
  struct rd v;
  if (!get_vec8(ext, &v) || left(ext) != 0)
    return false;
  if (left(&v) < 2 || left(&v) % 2 != 0)
    return false;
  ch->supported_versions = v.p;
  ch->supported_versions_len = left(&v);
  return true;
}

OTLS_MUST_CHECK static bool parse_extension(unsigned type, struct rd *ext,
                                            struct otls__client_hello *ch) {
  switch (type) {
  case EXT_SERVER_NAME: return ext_server_name(ext, ch);
  case EXT_STATUS_REQUEST: return ext_status_request(ext, ch);
  case EXT_SUPPORTED_GROUPS: return u16_list(ext, &ch->groups, &ch->groups_len);
  case EXT_SIGNATURE_ALGORITHMS: return u16_list(ext, &ch->sig_algs, &ch->sig_algs_len);
  case EXT_ALPN: return ext_alpn(ext, ch);
  case EXT_SESSION_TICKET:
    /* RFC 5077 §3.2: empty asks for a ticket, otherwise it is the ticket. */
    ch->has_session_ticket = true;
    ch->session_ticket_len = left(ext);
    return true;
  case EXT_PRE_SHARED_KEY: ch->has_psk = true; return true;
  case EXT_EARLY_DATA: ch->has_early_data = true; return true;
  case EXT_SUPPORTED_VERSIONS: return ext_supported_versions(ext, ch);
  default: return true; /* unknown extensions are skipped */
  }
}

OTLS_MUST_CHECK static bool parse_extensions(struct rd *exts, struct otls__client_hello *ch) {
  /*
   * RFC 8446 §4.2: no two extensions of the same type. One bit per possible
   * type (8 KiB on the stack) keeps the check linear whatever the count.
   */
  uint8_t seen[65536 / 8];
  memset(seen, 0, sizeof(seen));
  while (left(exts) > 0) {
    size_t type;
    struct rd body;
    if (!get_u16(exts, &type) || !get_vec16(exts, &body))
      return false;
    if (seen[type >> 3] & (1u << (type & 7)))
      return false;
    seen[type >> 3] |= (uint8_t)(1u << (type & 7));
    /* RFC 8446 §4.2.11: pre_shared_key MUST be the last extension. */
    if (type == EXT_PRE_SHARED_KEY && left(exts) != 0)
      return false;
    if (!parse_extension((unsigned)type, &body, ch))
      return false;
  }
  return true;
}

/* --- the message --------------------------------------------------------- */

OTLS_MUST_CHECK static bool parse_body(struct rd *r, struct otls__client_hello *ch) {
  size_t hi, lo;
  struct rd random, sid, suites, comp, exts;
  if (!get_u8(r, &hi) || !get_u8(r, &lo))
    return false;
  ch->legacy_version = (uint16_t)(hi << 8 | lo);
  if (!get_bytes(r, 32, &random))
    return false;
  if (!get_vec8(r, &sid) || left(&sid) > 32)
    return false;
  ch->session_id = sid.p;
  ch->session_id_len = left(&sid);
  /* CipherSuite cipher_suites<2..2^16-2>: whole 2-byte ids, at least one. */
  if (!get_vec16(r, &suites) || left(&suites) < 2 || left(&suites) % 2 != 0)
    return false;
  ch->cipher_suites = suites.p;
  ch->cipher_suites_len = left(&suites);
  /* CompressionMethod legacy_compression_methods<1..2^8-1>. */
  if (!get_vec8(r, &comp) || left(&comp) == 0)
    return false;
  /*
   * RFC 5246 §7.4.1.2: a hello may end here (no extensions block, as
   * TLS 1.0 clients send); if there is anything more it must be exactly
   * one extensions vector.
   */
  if (left(r) == 0)
    return true;
  if (!get_vec16(r, &exts) || left(r) != 0)
    return false;
  return parse_extensions(&exts, ch);
}

int otls__ch_parse(const uint8_t *msg, size_t len, struct otls__client_hello *out) {
  struct otls__client_hello ch;
  memset(&ch, 0, sizeof(ch));
  memset(out, 0, sizeof(*out));
  if (len < HS_HEADER || msg[0] != HS_CLIENT_HELLO)
    return OTLS_E_BAD_CLIENT_HELLO;
  size_t body = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];
  /* The declared length must be exactly what follows: no more, no less. */
  if (body != len - HS_HEADER)
    return OTLS_E_BAD_CLIENT_HELLO;
  struct rd r = {msg + HS_HEADER, msg + len};
  if (!parse_body(&r, &ch))
    return OTLS_E_BAD_CLIENT_HELLO;
  *out = ch;
  return 0;
}

bool otls__alpn_wire_valid(const uint8_t *wire, size_t len) {
  if (wire == NULL || len == 0)
    return false;
  size_t i = 0;
  while (i < len) {
    size_t n = wire[i];
    /* Names are 1..255 bytes (RFC 7301 §3.1) and must fit in what is left. */
    if (n == 0 || n > len - i - 1)
      return false;
    i += 1 + n;
  }
  return true;
}

int otls__ch_coalesce(const uint8_t *in, size_t in_len, size_t msg_len, uint8_t **out,
                      size_t *out_len, size_t *used) {
  *out = NULL;
  *out_len = 0;
  *used = 0;
  size_t pos = 0, payload = 0, records = 0;
  while (payload < msg_len) {
    if (in_len - pos < RECORD_HEADER)
      return OTLS_E_BAD_CLIENT_HELLO;
    size_t rlen = (size_t)in[pos + 3] << 8 | in[pos + 4];
    if (in[pos] != CT_HANDSHAKE || rlen > in_len - pos - RECORD_HEADER)
      return OTLS_E_BAD_CLIENT_HELLO;
    payload += rlen;
    pos += RECORD_HEADER + rlen;
    records++;
  }
  size_t n_out = (payload + RECORD_MAX - 1) / RECORD_MAX;
  if (records <= n_out)
    return 0; /* already as few records as can be */
  uint8_t *o = malloc(payload + n_out * RECORD_HEADER);
  if (o == NULL)
    return OTLS_E_NOMEM;
  /* Copy the payloads behind one header per RECORD_MAX bytes. */
  size_t w = 0, left = 0, rd = 0;
  while (rd < pos) {
    size_t rlen = (size_t)in[rd + 3] << 8 | in[rd + 4];
    const uint8_t *p = in + rd + RECORD_HEADER;
    for (size_t k = 0; k < rlen; k++) {
      if (left == 0) {
        left = payload >= RECORD_MAX ? RECORD_MAX : payload;
        o[w++] = CT_HANDSHAKE;
        o[w++] = in[1];
        o[w++] = in[2];
        o[w++] = (uint8_t)(left >> 8);
        o[w++] = (uint8_t)left;
        payload -= left;
      }
      o[w++] = p[k];
      left--;
    }
    rd += RECORD_HEADER + rlen;
  }
  *out = o;
  *out_len = w;
  *used = pos;
  return 1;
}
