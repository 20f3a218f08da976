/*
 * Unit tests for core/client_hello.c: record assembly and ClientHello
 * parsing on hand-built hellos (every rule, with the exact error code), and
 * on the real first flight of this variant's backend client.
 */
#include "client_hello.h"
#include "internal.h"
#include "otls_test.h"

/* --- a small hello builder ------------------------------------------------ */

/* Room for the largest message plus headroom for oversize cases. */
#define HB_CAP (OTLS__CH_MAX_LEN + 1024)

struct hb {
  uint8_t b[HB_CAP];
  size_t n;
  size_t open_at[8];  /* where each open vector's length field is */
  unsigned open_w[8]; /* its width in bytes */
  int depth;
};

static void put(struct hb *h, const void *p, size_t n) {
  CHECK(n <= HB_CAP - h->n);
  memcpy(h->b + h->n, p, n);
  h->n += n;
}

static void put8(struct hb *h, unsigned v) {
  uint8_t b = (uint8_t)v;
  put(h, &b, 1);
}

static void put16(struct hb *h, unsigned v) {
  put8(h, v >> 8);
  put8(h, v);
}

static void fill(struct hb *h, uint8_t byte, size_t n) {
  CHECK(n <= HB_CAP - h->n);
  memset(h->b + h->n, byte, n);
  h->n += n;
}

/* Start a vector with a `w`-byte length prefix, filled in by close_vec(). */
static void open_vec(struct hb *h, unsigned w) {
  CHECK(h->depth < 8);
  h->open_at[h->depth] = h->n;
  h->open_w[h->depth] = w;
  h->depth++;
  fill(h, 0, w);
}

static void close_vec(struct hb *h) {
  CHECK(h->depth > 0);
  h->depth--;
  size_t at = h->open_at[h->depth], w = h->open_w[h->depth];
  size_t len = h->n - at - w;
  CHECK(len < ((size_t)1 << (8 * w)));
  for (size_t i = 0; i < w; i++)
    h->b[at + i] = (uint8_t)(len >> (8 * (w - 1 - i)));
}

/* One extension from raw body bytes. */
static void ext(struct hb *h, unsigned type, const void *body, size_t len) {
  put16(h, type);
  open_vec(h, 2);
  put(h, body, len);
  close_vec(h);
}

/* The handshake header and fixed fields up to (not including) session_id. */
static void hello_head(struct hb *h) {
  memset(h, 0, sizeof(*h));
  put8(h, 1); /* client_hello */
  open_vec(h, 3);
  put16(h, 0x0303);
  fill(h, 0xAA, 32); /* random */
}

/* session_id (32 x 0x55), suites 1301 1302 c02f, compression {null}. */
static void hello_std_fields(struct hb *h) {
  open_vec(h, 1);
  fill(h, 0x55, 32);
  close_vec(h);
  open_vec(h, 2);
  put16(h, 0x1301);
  put16(h, 0x1302);
  put16(h, 0xc02f);
  close_vec(h);
  put8(h, 1);
  put8(h, 0);
}

/*
 * A standard hello whose extensions block holds `exts` verbatim (each
 * extension already encoded); exts == NULL: no extensions block at all.
 */
static void hello_with_exts(struct hb *h, const void *exts, size_t len) {
  hello_head(h);
  hello_std_fields(h);
  if (exts != NULL) {
    open_vec(h, 2);
    put(h, exts, len);
    close_vec(h);
  }
  close_vec(h);
  CHECK_INT(h->depth, 0);
}

/* A hello whose bytes after `random` are `tail` verbatim. */
static void hello_with_tail(struct hb *h, const void *tail, size_t len) {
  hello_head(h);
  put(h, tail, len);
  close_vec(h);
}

/*
 * Wrap `msg` in handshake records of at most `chunk` payload bytes
 * (record version 3.1, as clients send). Returns the length written.
 */
static size_t recordize(const uint8_t *msg, size_t len, size_t chunk, uint8_t *out, size_t cap) {
  size_t n = 0;
  for (size_t off = 0; off < len; off += chunk) {
    size_t take = len - off < chunk ? len - off : chunk;
    CHECK(take + 5 <= cap - n);
    out[n++] = 22;
    out[n++] = 3;
    out[n++] = 1;
    out[n++] = (uint8_t)(take >> 8);
    out[n++] = (uint8_t)take;
    memcpy(out + n, msg + off, take);
    n += take;
  }
  return n;
}

static int parse(const struct hb *h, struct otls__client_hello *ch) {
  return otls__ch_parse(h->b, h->n, ch);
}

/* Assemble `in` and check the result is exactly `want`. */
static void check_assembles_to(const uint8_t *in, size_t in_len, const uint8_t *want,
                               size_t want_len) {
  uint8_t *msg = (uint8_t *)"not set";
  size_t msg_len = 12345;
  CHECK_INT(otls__ch_assemble(in, in_len, &msg, &msg_len), 1);
  CHECK_INT(msg_len, want_len);
  CHECK(memcmp(msg, want, want_len) == 0);
  free(msg);
}

static bool has_u16(const uint8_t *list, size_t len, unsigned v) {
  for (size_t i = 0; i + 1 < len; i += 2)
    if (((unsigned)list[i] << 8 | list[i + 1]) == v)
      return true;
  return false;
}

#define LIT(s) (const uint8_t *)(s), sizeof(s) - 1

/* --- the message ------------------------------------------------------- */

TEST(client_hello_without_extensions_is_parsed) {
  struct hb h;
  hello_with_exts(&h, NULL, 0); /* TLS 1.0 style: no extensions block */
  struct otls__client_hello ch;
  memset(&ch, 0xff, sizeof(ch));
  CHECK_ERR(parse(&h, &ch), 0);
  CHECK_INT(ch.legacy_version, 0x0303);
  CHECK_INT(ch.record_version, 0);
  CHECK_INT(ch.session_id_len, 32);
  CHECK(ch.session_id == h.b + 4 + 2 + 32 + 1);
  CHECK_INT(ch.session_id[0], 0x55);
  CHECK_INT(ch.cipher_suites_len, 6);
  CHECK(has_u16(ch.cipher_suites, ch.cipher_suites_len, 0x1301));
  CHECK(has_u16(ch.cipher_suites, ch.cipher_suites_len, 0xc02f));
  CHECK(ch.servername == NULL);
  CHECK_INT(ch.servername_len, 0);
  CHECK(ch.alpn == NULL);
  CHECK(ch.supported_versions == NULL);
  CHECK(ch.groups == NULL);
  CHECK(ch.sig_algs == NULL);
  CHECK(!ch.status_request);
  CHECK(!ch.has_session_ticket);
  CHECK(!ch.has_psk);
  CHECK(!ch.has_early_data);
}

TEST(client_hello_with_empty_extensions_block_is_parsed) {
  struct hb h;
  hello_with_exts(&h, "", 0);
  struct otls__client_hello ch;
  CHECK_ERR(parse(&h, &ch), 0);
  CHECK_INT(ch.cipher_suites_len, 6);
  CHECK(ch.servername == NULL);
}

TEST(client_hello_extensions_are_parsed_with_their_values) {
  struct hb e;
  memset(&e, 0, sizeof(e));
  /* server_name: an unknown name type first (skipped), then host_name. */
  put16(&e, 0);
  open_vec(&e, 2);
  open_vec(&e, 2);
  put8(&e, 7);
  put(&e, LIT("\x00\x03xyz"));
  put8(&e, 0);
  put16(&e, 11);
  put(&e, LIT("example.com"));
  close_vec(&e);
  close_vec(&e);
  ext(&e, 5, LIT("\x01\x00\x00\x00\x00"));              /* status_request ocsp */
  ext(&e, 10, LIT("\x00\x04\x00\x1d\x00\x17"));         /* x25519, secp256r1 */
  ext(&e, 13, LIT("\x00\x06\x04\x03\x08\x04\x04\x01")); /* 3 schemes */
  ext(&e, 16, LIT("\x00\x0c\x02h2\x08http/1.1"));       /* ALPN */
  ext(&e, 0xfafa, LIT("\x01\x02\x03"));                 /* unknown: skipped */
  ext(&e, 35, LIT("TICKET"));                           /* session_ticket */
  ext(&e, 42, "", 0);                                   /* early_data */
  ext(&e, 43, LIT("\x04\x03\x04\x03\x03"));             /* 1.3, 1.2 */
  ext(&e, 41, LIT("\x00\x00\x00\x00"));                 /* pre_shared_key, last */

  struct hb h;
  hello_with_exts(&h, e.b, e.n);
  struct otls__client_hello ch;
  CHECK_ERR(parse(&h, &ch), 0);
  CHECK_INT(ch.servername_len, 11);
  CHECK(memcmp(ch.servername, "example.com", 11) == 0);
  CHECK(ch.status_request);
  CHECK_INT(ch.groups_len, 4);
  CHECK(memcmp(ch.groups, "\x00\x1d\x00\x17", 4) == 0);
  CHECK_INT(ch.sig_algs_len, 6);
  CHECK(memcmp(ch.sig_algs, "\x04\x03\x08\x04\x04\x01", 6) == 0);
  CHECK_INT(ch.alpn_len, 12);
  CHECK(memcmp(ch.alpn, "\x02h2\x08http/1.1", 12) == 0);
  CHECK(ch.has_session_ticket);
  CHECK_INT(ch.session_ticket_len, 6);
  CHECK(ch.has_early_data);
  CHECK_INT(ch.supported_versions_len, 4);
  CHECK(has_u16(ch.supported_versions, ch.supported_versions_len, 0x0304));
  CHECK(has_u16(ch.supported_versions, ch.supported_versions_len, 0x0303));
  CHECK(ch.has_psk);
  /* Pointers point into the message. */
  CHECK(ch.servername > h.b && ch.servername + ch.servername_len <= h.b + h.n);
  CHECK(ch.alpn > h.b && ch.alpn + ch.alpn_len <= h.b + h.n);
}

TEST(client_hello_empty_session_ticket_asks_for_a_new_one) {
  struct hb h;
  hello_with_exts(&h, LIT("\x00\x23\x00\x00"));
  struct otls__client_hello ch;
  CHECK_ERR(parse(&h, &ch), 0);
  CHECK(ch.has_session_ticket);
  CHECK_INT(ch.session_ticket_len, 0);
}

/* clang-format off */
/* Extension blocks, each a whole (encoded) list; all in a standard hello. */
static const struct {
  const char *what;
  const char *exts;
  size_t len;
  int want;
} ext_cases[] = {
#define EXTS(s) s, sizeof(s) - 1
    {"sni with only an unknown name type", EXTS("\x00\x00\x00\x06\x00\x04\x05\x00\x01x"), 0},
    {"sni empty list", EXTS("\x00\x00\x00\x02\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"sni no body", EXTS("\x00\x00\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"sni empty host_name", EXTS("\x00\x00\x00\x05\x00\x03\x00\x00\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"sni host_name past its list",
     EXTS("\x00\x00\x00\x07\x00\x05\x00\x00\x05" "ab"), OTLS_E_BAD_CLIENT_HELLO},
    {"sni list shorter than the extension",
     EXTS("\x00\x00\x00\x08\x00\x04\x00\x00\x01" "a" "zz"), OTLS_E_BAD_CLIENT_HELLO},
    {"sni two host_names",
     EXTS("\x00\x00\x00\x0a\x00\x08\x00\x00\x01" "a" "\x00\x00\x01" "b"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"sni host_name with NUL", EXTS("\x00\x00\x00\x08\x00\x06\x00\x00\x03" "a\0b"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"status_request other type ignored", EXTS("\x00\x05\x00\x02\x02\xff"), 0},
    {"status_request empty", EXTS("\x00\x05\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"status_request ocsp truncated", EXTS("\x00\x05\x00\x03\x01\x00\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"status_request ocsp trailing", EXTS("\x00\x05\x00\x06\x01\x00\x00\x00\x00\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"groups empty", EXTS("\x00\x0a\x00\x02\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"groups odd", EXTS("\x00\x0a\x00\x05\x00\x03\x00\x1d\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"groups list shorter than the extension", EXTS("\x00\x0a\x00\x05\x00\x02\x00\x1d\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"groups list past the extension", EXTS("\x00\x0a\x00\x04\x00\x04\x00\x1d"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"sig_algs empty", EXTS("\x00\x0d\x00\x02\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"sig_algs odd", EXTS("\x00\x0d\x00\x03\x00\x01\x04"), OTLS_E_BAD_CLIENT_HELLO},
    {"alpn entry of length 0", EXTS("\x00\x10\x00\x06\x00\x04\x02h2\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"alpn only an empty entry", EXTS("\x00\x10\x00\x03\x00\x01\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"alpn empty list", EXTS("\x00\x10\x00\x02\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"alpn entry past the list", EXTS("\x00\x10\x00\x05\x00\x03\x03h2"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"alpn trailing after the list", EXTS("\x00\x10\x00\x06\x00\x03\x02h2\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"supported_versions one entry", EXTS("\x00\x2b\x00\x03\x02\x03\x04"), 0},
    {"supported_versions empty", EXTS("\x00\x2b\x00\x01\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"supported_versions odd", EXTS("\x00\x2b\x00\x04\x03\x03\x04\x03"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"supported_versions 2-byte length", EXTS("\x00\x2b\x00\x04\x00\x02\x03\x04"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"supported_versions trailing", EXTS("\x00\x2b\x00\x04\x02\x03\x04\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"duplicate extension", EXTS("\x00\x17\x00\x00\x00\x17\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"duplicate known extension", EXTS("\x00\x2a\x00\x00\x00\x0b\x00\x00\x00\x2a\x00\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"psk not last", EXTS("\x00\x29\x00\x00\x00\x17\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"psk last", EXTS("\x00\x17\x00\x00\x00\x29\x00\x00"), 0},
    {"extension past the block", EXTS("\x00\x17\x00\x04\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"half an extension header", EXTS("\x00\x17\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"one stray byte", EXTS("\x00"), OTLS_E_BAD_CLIENT_HELLO},
#undef EXTS
};
/* clang-format on */

TEST(client_hello_extension_cases_give_the_exact_result) {
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(ext_cases); i++) {
    struct hb h;
    hello_with_exts(&h, ext_cases[i].exts, ext_cases[i].len);
    struct otls__client_hello ch;
    int rv = parse(&h, &ch);
    if (rv != ext_cases[i].want)
      printf("  case: %s\n", ext_cases[i].what);
    CHECK_ERR(rv, ext_cases[i].want);
  }
}

/* clang-format off */
/* Bodies after `random`: session_id, cipher_suites, compression, extensions. */
static const struct {
  const char *what;
  const char *tail;
  size_t len;
  int want;
} body_cases[] = {
#define TAIL(s) s, sizeof(s) - 1
    {"minimal", TAIL("\x00" "\x00\x02\x13\x01" "\x01\x00"), 0},
    {"nothing after random", TAIL(""), OTLS_E_BAD_CLIENT_HELLO},
    {"session id past the end", TAIL("\x05\x01\x02"), OTLS_E_BAD_CLIENT_HELLO},
    {"session id of 33 bytes",
     TAIL("\x21" "123456789012345678901234567890123" "\x00\x02\x13\x01" "\x01\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"session id of 32 bytes",
     TAIL("\x20" "12345678901234567890123456789012" "\x00\x02\x13\x01" "\x01\x00"), 0},
    {"empty cipher list", TAIL("\x00" "\x00\x00" "\x01\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"odd cipher list", TAIL("\x00" "\x00\x03\x13\x01\x13" "\x01\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"cipher list past the end", TAIL("\x00" "\x00\x08\x13\x01"), OTLS_E_BAD_CLIENT_HELLO},
    {"no compression methods", TAIL("\x00" "\x00\x02\x13\x01" "\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"compression past the end", TAIL("\x00" "\x00\x02\x13\x01" "\x02\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"no compression field", TAIL("\x00" "\x00\x02\x13\x01"), OTLS_E_BAD_CLIENT_HELLO},
    {"extensions block past the end",
     TAIL("\x00" "\x00\x02\x13\x01" "\x01\x00" "\x00\x05\x00\x17\x00\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"trailing bytes after the extensions",
     TAIL("\x00" "\x00\x02\x13\x01" "\x01\x00" "\x00\x04\x00\x17\x00\x00" "\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"one byte where the extensions block goes",
     TAIL("\x00" "\x00\x02\x13\x01" "\x01\x00" "\x00"), OTLS_E_BAD_CLIENT_HELLO},
#undef TAIL
};
/* clang-format on */

TEST(client_hello_body_cases_give_the_exact_result) {
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(body_cases); i++) {
    struct hb h;
    hello_with_tail(&h, body_cases[i].tail, body_cases[i].len);
    struct otls__client_hello ch;
    int rv = parse(&h, &ch);
    if (rv != body_cases[i].want)
      printf("  case: %s\n", body_cases[i].what);
    CHECK_ERR(rv, body_cases[i].want);
  }
}

TEST(client_hello_length_must_match_exactly) {
  struct hb h;
  hello_with_exts(&h, LIT("\x00\x17\x00\x00"));
  struct otls__client_hello ch;
  CHECK_ERR(parse(&h, &ch), 0);
  /* Trailing bytes after the declared message. */
  h.b[h.n] = 0;
  CHECK_ERR(otls__ch_parse(h.b, h.n + 1, &ch), OTLS_E_BAD_CLIENT_HELLO);
  /*
   * Trailing bytes that would read as an empty extensions block: only the
   * declared length can tell they are not part of the hello.
   */
  hello_with_exts(&h, NULL, 0);
  CHECK_ERR(parse(&h, &ch), 0);
  h.b[h.n] = 0;
  h.b[h.n + 1] = 0;
  CHECK_ERR(otls__ch_parse(h.b, h.n + 2, &ch), OTLS_E_BAD_CLIENT_HELLO);
  /* Truncated: the declared length runs past the end. */
  CHECK_ERR(otls__ch_parse(h.b, h.n - 1, &ch), OTLS_E_BAD_CLIENT_HELLO);
  /* Shorter than the header, and not a ClientHello. */
  CHECK_ERR(otls__ch_parse(h.b, 3, &ch), OTLS_E_BAD_CLIENT_HELLO);
  CHECK_ERR(otls__ch_parse(h.b, 0, &ch), OTLS_E_BAD_CLIENT_HELLO);
  h.b[0] = 2;
  CHECK_ERR(parse(&h, &ch), OTLS_E_BAD_CLIENT_HELLO);
}

TEST(client_hello_failed_parse_leaves_nothing_behind) {
  struct hb h;
  /* A valid server_name, then a duplicate: the name must not leak out. */
  hello_with_exts(&h, LIT("\x00\x00\x00\x06\x00\x04\x00\x00\x01"
                          "a"
                          "\x00\x17\x00\x00"
                          "\x00\x17\x00\x00"));
  struct otls__client_hello ch;
  memset(&ch, 0xff, sizeof(ch));
  CHECK_ERR(parse(&h, &ch), OTLS_E_BAD_CLIENT_HELLO);
  CHECK(ch.servername == NULL);
  CHECK(ch.cipher_suites == NULL);
}

/* server_name with a host_name of `n` bytes of 'a' (NUL at `nul_at` if >= 0). */
static int parse_sni_of(size_t n, long nul_at, struct otls__client_hello *ch, struct hb *h) {
  struct hb e;
  memset(&e, 0, sizeof(e));
  put16(&e, 0);
  open_vec(&e, 2);
  open_vec(&e, 2);
  put8(&e, 0);
  open_vec(&e, 2);
  fill(&e, 'a', n);
  if (nul_at >= 0)
    e.b[e.n - n + (size_t)nul_at] = 0;
  close_vec(&e);
  close_vec(&e);
  close_vec(&e);
  hello_with_exts(h, e.b, e.n);
  return parse(h, ch);
}

TEST(client_hello_sni_of_255_bytes_is_accepted_and_256_rejected) {
  struct hb h;
  struct otls__client_hello ch;
  CHECK_ERR(parse_sni_of(255, -1, &ch, &h), 0);
  CHECK_INT(ch.servername_len, 255);
  CHECK_INT(ch.servername[254], 'a');
  CHECK_ERR(parse_sni_of(1, -1, &ch, &h), 0);
  CHECK_INT(ch.servername_len, 1);
  CHECK_ERR(parse_sni_of(256, -1, &ch, &h), OTLS_E_BAD_CLIENT_HELLO);
}

TEST(client_hello_sni_with_a_nul_byte_is_rejected) {
  struct hb h;
  struct otls__client_hello ch;
  CHECK_ERR(parse_sni_of(10, 9, &ch, &h), OTLS_E_BAD_CLIENT_HELLO);
  CHECK_ERR(parse_sni_of(10, 0, &ch, &h), OTLS_E_BAD_CLIENT_HELLO);
  CHECK_ERR(parse_sni_of(10, 4, &ch, &h), OTLS_E_BAD_CLIENT_HELLO);
}

TEST(client_hello_alpn_wire_needs_names_of_1_to_255_bytes) {
  CHECK(otls__alpn_wire_valid(LIT("\x02h2")));
  CHECK(otls__alpn_wire_valid(LIT("\x02h2\x08http/1.1")));
  CHECK(!otls__alpn_wire_valid(LIT("")));
  CHECK(!otls__alpn_wire_valid(NULL, 0));
  CHECK(!otls__alpn_wire_valid(LIT("\x00")));
  CHECK(!otls__alpn_wire_valid(LIT("\x02h2\x00")));
  CHECK(!otls__alpn_wire_valid(LIT("\x03h2")));
  CHECK(!otls__alpn_wire_valid(LIT("\x02h2\x01")));
  uint8_t big[256];
  big[0] = 255;
  memset(big + 1, 'p', 255);
  CHECK(otls__alpn_wire_valid(big, 256));
  CHECK(!otls__alpn_wire_valid(big, 255));
}

/* --- records ------------------------------------------------------------- */

/* A hello of some size with server_name and ALPN, for the record tests. */
static void record_test_hello(struct hb *h) {
  hello_with_exts(h, LIT("\x00\x00\x00\x0e\x00\x0c\x00\x00\x09localhost"
                         "\x00\x10\x00\x05\x00\x03\x02h2"));
  struct otls__client_hello ch;
  CHECK_ERR(parse(h, &ch), 0);
}

static uint8_t rec[8 * HB_CAP];

TEST(client_hello_in_one_record_is_assembled) {
  struct hb h;
  record_test_hello(&h);
  size_t n = recordize(h.b, h.n, 16384, rec, sizeof(rec));
  CHECK_INT(n, h.n + 5);
  check_assembles_to(rec, n, h.b, h.n);
}

TEST(client_hello_in_one_byte_records_is_assembled) {
  struct hb h;
  record_test_hello(&h);
  size_t n = recordize(h.b, h.n, 1, rec, sizeof(rec));
  CHECK_INT(n, h.n * 6);
  check_assembles_to(rec, n, h.b, h.n);
  uint8_t *msg;
  size_t msg_len;
  CHECK_INT(otls__ch_assemble(rec, n, &msg, &msg_len), 1);
  struct otls__client_hello ch;
  CHECK_ERR(otls__ch_parse(msg, msg_len, &ch), 0);
  CHECK_INT(ch.servername_len, 9);
  CHECK(memcmp(ch.servername, "localhost", 9) == 0);
  free(msg);
}

TEST(client_hello_over_three_records_is_assembled) {
  struct hb h;
  record_test_hello(&h);
  size_t chunk = (h.n + 2) / 3;
  size_t n = recordize(h.b, h.n, chunk, rec, sizeof(rec));
  CHECK_INT(n, h.n + 15); /* exactly three record headers */
  check_assembles_to(rec, n, h.b, h.n);
}

TEST(client_hello_of_the_largest_size_over_two_records_is_assembled) {
  struct hb h;
  hello_head(&h);
  hello_std_fields(&h);
  /* Pad with an unknown extension up to exactly OTLS__CH_MAX_LEN. */
  open_vec(&h, 2);
  put16(&h, 0xffce);
  size_t pad = OTLS__CH_MAX_LEN + 4 - h.n - 2;
  open_vec(&h, 2);
  fill(&h, 0, pad);
  close_vec(&h);
  close_vec(&h);
  close_vec(&h);
  CHECK_INT(h.n, OTLS__CH_MAX_LEN + 4);
  struct otls__client_hello ch;
  CHECK_ERR(parse(&h, &ch), 0);
  size_t n = recordize(h.b, h.n, 16384, rec, sizeof(rec));
  CHECK_INT(n, h.n + 10);
  check_assembles_to(rec, n, h.b, h.n);
}

TEST(client_hello_every_partial_prefix_needs_more) {
  struct hb h;
  record_test_hello(&h);
  size_t chunks[] = {16384, 1, 7, (h.n + 2) / 3};
  for (size_t c = 0; c < OTLS_ARRAY_SIZE(chunks); c++) {
    size_t n = recordize(h.b, h.n, chunks[c], rec, sizeof(rec));
    for (size_t k = 0; k < n; k++) {
      uint8_t *msg = NULL;
      size_t msg_len = 0;
      int rv = otls__ch_assemble(rec, k, &msg, &msg_len);
      if (rv != 0)
        printf("  chunk %zu, prefix %zu of %zu\n", chunks[c], k, n);
      CHECK_INT(rv, 0);
      CHECK(msg == NULL);
    }
    check_assembles_to(rec, n, h.b, h.n);
  }
}

TEST(client_hello_bytes_after_the_hello_are_left_alone) {
  struct hb h;
  record_test_hello(&h);
  size_t n = recordize(h.b, h.n, 16384, rec, sizeof(rec));
  /* A ChangeCipherSpec and the start of a garbage record follow. */
  memcpy(rec + n, "\x14\x03\x03\x00\x01\x01\xff\x00", 8);
  check_assembles_to(rec, n + 8, h.b, h.n);
  /* The hello record may still be arriving past the message's end. */
  uint8_t one[64 + 5];
  struct hb small;
  hello_with_tail(&small, LIT("\x00"
                              "\x00\x02\x13\x01"
                              "\x01\x00"));
  CHECK(small.n + 10 <= sizeof(one));
  size_t m = recordize(small.b, small.n, 16384, one, sizeof(one));
  one[4] = (uint8_t)(one[4] + 10); /* the record claims 10 more bytes */
  check_assembles_to(one, m, small.b, small.n);
}

/* clang-format off */
/* Records built by hand: how assembly fails, from the first byte it can. */
static const struct {
  const char *what;
  const char *in;
  size_t len;
  int want;
} record_cases[] = {
#define IN(s) s, sizeof(s) - 1
    {"application data first", IN("\x17"), OTLS_E_BAD_CLIENT_HELLO},
    {"alert first", IN("\x15\x03\x01\x00\x02\x02\x28"), OTLS_E_BAD_CLIENT_HELLO},
    {"plain HTTP", IN("GET / HTTP/1.1\r\n"), OTLS_E_BAD_CLIENT_HELLO},
    {"SSLv2 hello", IN("\x80\x2e\x01\x00\x02"), OTLS_E_BAD_CLIENT_HELLO},
    {"version major 2", IN("\x16\x02"), OTLS_E_BAD_CLIENT_HELLO},
    {"version major 4", IN("\x16\x04\x01\x00\x04\x01\x00\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"empty first record", IN("\x16\x03\x01\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"server hello", IN("\x16\x03\x03\x00\x04\x02"), OTLS_E_BAD_CLIENT_HELLO},
    {"hello request", IN("\x16\x03\x03\x00\x04\x00\x00\x00\x00"), OTLS_E_BAD_CLIENT_HELLO},
    {"record of 2^14 + 1", IN("\x16\x03\x01\x40\x01"), OTLS_E_EXCESSIVE_MESSAGE_SIZE},
    {"record of 65535", IN("\x16\x03\x01\xff\xff\x01"), OTLS_E_EXCESSIVE_MESSAGE_SIZE},
    {"declared 16385", IN("\x16\x03\x01\x00\x04\x01\x00\x40\x01"),
     OTLS_E_EXCESSIVE_MESSAGE_SIZE},
    {"declared 2^24 - 1", IN("\x16\x03\x01\x00\x04\x01\xff\xff\xff"),
     OTLS_E_EXCESSIVE_MESSAGE_SIZE},
    {"declared 16385 over 1-byte records",
     IN("\x16\x03\x01\x00\x01\x01" "\x16\x03\x01\x00\x01\x00" "\x16\x03\x01\x00\x01\x40"
        "\x16\x03\x01\x00\x01\x01"),
     OTLS_E_EXCESSIVE_MESSAGE_SIZE},
    {"declared 16384 waits", IN("\x16\x03\x01\x00\x04\x01\x00\x40\x00"), 0},
    {"handshake type split, wrong",
     IN("\x16\x03\x01\x00\x01\x02"), OTLS_E_BAD_CLIENT_HELLO},
    {"second record not handshake",
     IN("\x16\x03\x01\x00\x04\x01\x00\x00\x30" "\x17\x03\x03\x00\x01\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"second record CCS", IN("\x16\x03\x01\x00\x04\x01\x00\x00\x30" "\x14"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"second record version major 2",
     IN("\x16\x03\x01\x00\x04\x01\x00\x00\x30" "\x16\x02\x01\x00\x01\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"second record empty", IN("\x16\x03\x01\x00\x04\x01\x00\x00\x30" "\x16\x03\x01\x00\x00"),
     OTLS_E_BAD_CLIENT_HELLO},
    {"second record too large",
     IN("\x16\x03\x01\x00\x04\x01\x00\x00\x30" "\x16\x03\x01\x40\x01"),
     OTLS_E_EXCESSIVE_MESSAGE_SIZE},
    {"second record partial waits", IN("\x16\x03\x01\x00\x04\x01\x00\x00\x30" "\x16\x03"), 0},
    {"nothing yet", IN(""), 0},
#undef IN
};
/* clang-format on */

TEST(client_hello_record_cases_give_the_exact_result) {
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(record_cases); i++) {
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    int rv =
        otls__ch_assemble((const uint8_t *)record_cases[i].in, record_cases[i].len, &msg, &msg_len);
    if (rv != record_cases[i].want)
      printf("  case: %s\n", record_cases[i].what);
    CHECK_ERR(rv, record_cases[i].want);
    CHECK(msg == NULL);
  }
}

TEST(client_hello_oversized_length_is_refused_from_the_first_nine_bytes) {
  /* Just the record header and the handshake header: no body at all. */
  const uint8_t nine[9] = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x40, 0x01};
  uint8_t *msg = NULL;
  size_t msg_len = 0;
  CHECK_ERR(otls__ch_assemble(nine, sizeof(nine), &msg, &msg_len), OTLS_E_EXCESSIVE_MESSAGE_SIZE);
  CHECK(msg == NULL);
  /* Eight bytes do not tell yet. */
  CHECK_ERR(otls__ch_assemble(nine, 8, &msg, &msg_len), 0);
  /* The largest allowed length waits for its bytes instead. */
  const uint8_t max[9] = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x40, 0x00};
  CHECK_ERR(otls__ch_assemble(max, sizeof(max), &msg, &msg_len), 0);
}

/* --- real hellos from this variant's client --------------------------------- */

#define REAL_SNI "clienthello.example.test"

/* The first flight of a fresh client connection (malloc'd copy). */
static uint8_t *real_client_hello(size_t *len) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_context *ctx = NULL;
  char detail[256] = "";
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0)
    otls_test_fail(__FILE__, __LINE__, "otls_context_new: %s: %s", otls_err_name(rv), detail);
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.servername = REAL_SNI;
  otls_conn *c = NULL;
  CHECK_ERR(otls_conn_new(&c, ctx, &co), 0);
  CHECK_ERR(otls_conn_handshake(c), OTLS_E_WANT_READ);
  size_t n;
  const uint8_t *p = otls_conn_output(c, &n);
  CHECK(p != NULL && n > 5);
  uint8_t *copy = malloc(n);
  CHECK(copy != NULL);
  memcpy(copy, p, n);
  *len = n;
  otls_conn_free(c);
  otls_context_free(ctx);
  return copy;
}

TEST(real_client_hello_is_assembled_and_parsed) {
  size_t n;
  uint8_t *flight = real_client_hello(&n);
  printf("  %s first flight: %zu bytes\n", otls_backend_name(), n);
  CHECK_INT(flight[0], 22);
  size_t rlen = (size_t)flight[3] << 8 | flight[4];
  CHECK(rlen + 5 <= n);

  /* The hello is the whole first record. */
  uint8_t *msg = NULL;
  size_t msg_len = 0;
  CHECK_INT(otls__ch_assemble(flight, n, &msg, &msg_len), 1);
  CHECK_INT(msg_len, rlen);
  CHECK(memcmp(msg, flight + 5, rlen) == 0);

  struct otls__client_hello ch;
  CHECK_ERR(otls__ch_parse(msg, msg_len, &ch), 0);
  CHECK(ch.servername != NULL);
  CHECK_INT(ch.servername_len, strlen(REAL_SNI));
  CHECK(memcmp(ch.servername, REAL_SNI, strlen(REAL_SNI)) == 0);
  CHECK(ch.cipher_suites_len >= 2);
  CHECK(ch.supported_versions != NULL);
  CHECK(has_u16(ch.supported_versions, ch.supported_versions_len, 0x0304));
  CHECK(ch.groups != NULL);
  CHECK(has_u16(ch.groups, ch.groups_len, 29)); /* x25519 */
  CHECK(ch.sig_algs != NULL && ch.sig_algs_len >= 2);
  CHECK(!ch.has_psk); /* a fresh client has nothing to resume */

  /* The same hello re-cut into 1-byte records assembles to the same bytes. */
  uint8_t *small = malloc(msg_len * 6);
  CHECK(small != NULL);
  size_t sn = recordize(msg, msg_len, 1, small, msg_len * 6);
  check_assembles_to(small, sn, msg, msg_len);
  /* And any prefix of the real flight's first record needs more. */
  for (size_t k = 0; k < rlen + 5; k++) {
    uint8_t *m = NULL;
    size_t ml = 0;
    CHECK_INT(otls__ch_assemble(flight, k, &m, &ml), 0);
  }
  free(small);
  free(msg);
  free(flight);
}

TEST(real_client_hello_without_servername_has_no_sni) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_context *ctx = NULL;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  otls_conn *c = NULL;
  CHECK_ERR(otls_conn_new(&c, ctx, NULL), 0);
  CHECK_ERR(otls_conn_handshake(c), OTLS_E_WANT_READ);
  size_t n;
  const uint8_t *p = otls_conn_output(c, &n);
  CHECK(p != NULL && n > 5);
  uint8_t *msg = NULL;
  size_t msg_len = 0;
  CHECK_INT(otls__ch_assemble(p, n, &msg, &msg_len), 1);
  struct otls__client_hello ch;
  CHECK_ERR(otls__ch_parse(msg, msg_len, &ch), 0);
  CHECK(ch.servername == NULL);
  CHECK(ch.cipher_suites_len >= 2);
  free(msg);
  otls_conn_free(c);
  otls_context_free(ctx);
}
