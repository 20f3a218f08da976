/*
 * Unit tests for core/cert.c (the certificate object) and the printing half
 * of core/x509.c. The byte-for-byte comparison with Node.js itself is in
 * tests/node/test_cert_node.c; here each field is pinned on its own, partly
 * against the `openssl` command (which prints through the same OpenSSL
 * routines Node uses), and malformed input is thrown at the parser.
 */
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "otls_test.h"
#include "pem.h"
#include "x509.h"

/* --- helpers ------------------------------------------------------------------ */

static otls_cert *load(const char *name) {
  uint8_t *data;
  size_t len;
  CHECK_ERR(otls__read_file(pki(name), &data, &len), 0);
  otls_cert *c = NULL;
  CHECK_ERR(otls_cert_from_pem(&c, data, len), 0);
  CHECK(c != NULL);
  free(data);
  return c;
}

/* DER of the first certificate in a PKI file (caller frees). */
static uint8_t *load_der(const char *name, size_t *len) {
  uint8_t *data;
  size_t n;
  CHECK_ERR(otls__read_file(pki(name), &data, &n), 0);
  const uint8_t *p = data;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, data + n, &blk), 1);
  free(data);
  *len = blk.der_len;
  return blk.der;
}

static char *json_of(const otls_cert *c) {
  char *j = NULL;
  CHECK_ERR(otls_cert_to_json(c, &j, NULL), 0);
  CHECK(j != NULL);
  return j;
}

/* The first line `openssl <args>` prints, after "<prefix>=" (static buffer). */
static const char *openssl_field(const char *args, const char *prefix) {
  static char line[4096];
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), "OPENSSL_CONF=/dev/null openssl %s", args);
  FILE *p = popen(cmd, "r");
  CHECK(p != NULL);
  line[0] = 0;
  CHECK(fgets(line, sizeof(line), p) != NULL);
  pclose(p);
  line[strcspn(line, "\n")] = 0;
  size_t n = strlen(prefix);
  if (strncmp(line, prefix, n) != 0 || line[n] != '=')
    otls_test_fail(__FILE__, __LINE__, "openssl %s printed \"%s\"", args, line);
  return line + n + 1;
}

/* A cert generated at test time with the openssl command into a temp dir. */
static otls_cert *generate(const char *subj) {
  char dir[] = "/tmp/otls-cert-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char cmd[2048];
  snprintf(cmd, sizeof(cmd),
           "OPENSSL_CONF=/dev/null openssl req -x509 -new -key '%s' -subj '%s' -multivalue-rdn "
           "-days 1 -out '%s/c.pem' >/dev/null 2>&1",
           pki("server-ec.key"), subj, dir);
  CHECK(system(cmd) == 0);
  char path[64];
  snprintf(path, sizeof(path), "%s/c.pem", dir);
  uint8_t *data;
  size_t len;
  CHECK_ERR(otls__read_file(path, &data, &len), 0);
  otls_cert *c = NULL;
  CHECK_ERR(otls_cert_from_pem(&c, data, len), 0);
  free(data);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  return c;
}

/* --- a small DER writer for synthetic certificates ------------------------------ */

typedef struct {
  uint8_t *p;
  size_t n;
} B;
#define END ((B){NULL, (size_t)-1})

static B hex(const char *h) {
  B b = {malloc(strlen(h) / 2 + 1), 0};
  CHECK(b.p != NULL);
  for (; h[0] && h[1]; h += 2) {
    while (*h == ' ')
      h++;
    unsigned v;
    CHECK(sscanf(h, "%2x", &v) == 1);
    b.p[b.n++] = (uint8_t)v;
  }
  return b;
}

/* tag || length || the parts (freed), concatenated. */
static B tlv(uint8_t tag, ...) {
  va_list ap;
  size_t total = 0;
  va_start(ap, tag);
  for (B x = va_arg(ap, B); x.n != (size_t)-1; x = va_arg(ap, B))
    total += x.n;
  va_end(ap);
  B out = {malloc(total + 6), 0};
  CHECK(out.p != NULL);
  out.p[out.n++] = tag;
  if (total < 0x80) {
    out.p[out.n++] = (uint8_t)total;
  } else if (total < 0x100) {
    out.p[out.n++] = 0x81;
    out.p[out.n++] = (uint8_t)total;
  } else {
    out.p[out.n++] = 0x82;
    out.p[out.n++] = (uint8_t)(total >> 8);
    out.p[out.n++] = (uint8_t)total;
  }
  va_start(ap, tag);
  for (B x = va_arg(ap, B); x.n != (size_t)-1; x = va_arg(ap, B)) {
    if (x.n)
      memcpy(out.p + out.n, x.p, x.n);
    out.n += x.n;
    free(x.p);
  }
  va_end(ap);
  return out;
}

static B str(uint8_t tag, const char *s) {
  B b = {malloc(strlen(s) + 1), strlen(s)};
  memcpy(b.p, s, b.n);
  return tlv(tag, b, END);
}

static B spki_of(const char *pem_name) {
  size_t len;
  uint8_t *der = load_der(pem_name, &len);
  struct otls__x509 x;
  CHECK_ERR(otls__x509_parse(der, len, &x), 0);
  B b = {malloc(x.spki.len), x.spki.len};
  memcpy(b.p, x.spki.data, x.spki.len);
  free(der);
  return b;
}

/* A v3 certificate with this subject, key and extensions (or none: exts.n == 0). */
static B make_cert(B subject, B spki, B exts) {
  B ext_part = exts.n ? tlv(0xa3, tlv(0x30, exts, END), END) : (free(exts.p), (B){NULL, 0});
  B tbs =
      tlv(0x30, hex("a003020102"), hex("020101"), hex("300a06082a8648ce3d040302"),
          tlv(0x30, tlv(0x31, tlv(0x30, hex("0603550403"), str(0x0c, "issuer"), END), END), END),
          tlv(0x30, str(0x17, "240101000000Z"), str(0x17, "250101000000Z"), END), subject, spki,
          ext_part, END);
  return tlv(0x30, tbs, hex("300a06082a8648ce3d040302"), hex("0309003006020101020101"), END);
}

static B cn_name(const char *cn) {
  return tlv(0x30, tlv(0x31, tlv(0x30, hex("0603550403"), str(0x0c, cn), END), END), END);
}

static otls_cert *from_b(B der) {
  otls_cert *c = NULL;
  int rv = otls_cert_from_der(&c, der.p, der.n);
  free(der.p);
  if (rv < 0)
    otls_test_fail(__FILE__, __LINE__, "otls_cert_from_der: %s", otls_err_name(rv));
  return c;
}

/* An in-process handshake: `certs` (PKI files, leaf first) served with `key`. */
struct pair {
  otls_context *sctx, *cctx;
  otls_conn *client, *server;
};

static void handshake(struct pair *p, const char *key, const char *c1, const char *c2) {
  /* One chain is one source: the files concatenated. */
  uint8_t *a, *b = NULL;
  size_t alen, blen = 0;
  CHECK_ERR(otls__read_file(pki(c1), &a, &alen), 0);
  if (c2)
    CHECK_ERR(otls__read_file(pki(c2), &b, &blen), 0);
  uint8_t *chain = malloc(alen + blen + 1);
  CHECK(chain != NULL);
  memcpy(chain, a, alen);
  if (blen)
    memcpy(chain + alen, b, blen);
  free(a);
  free(b);
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source src = otls_source_mem(chain, alen + blen);
  otls_source ks = otls_source_file(pki(key));
  o.cert = &src;
  o.cert_count = 1;
  o.key = &ks;
  o.key_count = 1;
  char detail[256];
  CHECK_ERR(otls_context_new(&p->sctx, &o, detail, sizeof(detail)), 0);
  free(chain);
  otls_context_options_init(&o);
  CHECK_ERR(otls_context_new(&p->cctx, &o, detail, sizeof(detail)), 0);
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.reject_unauthorized = 0;
  CHECK_ERR(otls_conn_new(&p->client, p->cctx, &co), 0);
  otls_conn_options_init(&co);
  co.is_server = true;
  CHECK_ERR(otls_conn_new(&p->server, p->sctx, &co), 0);
  CHECK_ERR(pump_handshake(p->client, p->server, NULL, NULL), 0);
}

static void pair_free(struct pair *p) {
  otls_conn_free(p->client);
  otls_conn_free(p->server);
  otls_context_free(p->cctx);
  otls_context_free(p->sctx);
}

static const otls_cert_name_entry *find(const otls_cert_name_entry *e, int n, const char *type) {
  for (int i = 0; i < n; i++)
    if (strcmp(e[i].type, type) == 0)
      return &e[i];
  return NULL;
}

/* --- building -------------------------------------------------------------------- */

TEST(cert_from_pem_reads_the_first_certificate_of_a_chain) {
  otls_cert *c = load("server-rsa-chain.pem");
  const otls_cert_name_entry *e;
  int n = otls_cert_subject_name(c, &e);
  CHECK(n > 0);
  CHECK_STR(find(e, n, "CN")->value, "localhost");
  otls_cert_free(c);
}

TEST(cert_from_pem_skips_blocks_before_the_certificate) {
  uint8_t *key, *cert;
  size_t klen, clen;
  CHECK_ERR(otls__read_file(pki("server-ec.key"), &key, &klen), 0);
  CHECK_ERR(otls__read_file(pki("server-ec.pem"), &cert, &clen), 0);
  uint8_t *both = malloc(klen + clen);
  memcpy(both, key, klen);
  memcpy(both + klen, cert, clen);
  otls_cert *c = NULL;
  CHECK_ERR(otls_cert_from_pem(&c, both, klen + clen), 0);
  CHECK_STR(otls_cert_asn1_curve(c), "prime256v1");
  otls_cert_free(c);
  free(both);
  free(key);
  free(cert);
}

TEST(cert_from_pem_without_a_certificate_fails_with_no_start_line) {
  uint8_t *key;
  size_t klen;
  CHECK_ERR(otls__read_file(pki("server-ec.key"), &key, &klen), 0);
  otls_cert *c = (otls_cert *)1;
  CHECK_ERR(otls_cert_from_pem(&c, key, klen), OTLS_E_PEM_NO_START_LINE);
  CHECK(c == NULL);
  CHECK_ERR(otls_cert_from_pem(&c, "", 0), OTLS_E_PEM_NO_START_LINE);
  static const char bad[] = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
  CHECK_ERR(otls_cert_from_pem(&c, bad, sizeof(bad) - 1), OTLS_E_PEM_BAD);
  free(key);
}

TEST(cert_constructors_reject_null_arguments) {
  otls_cert *c;
  CHECK_ERR(otls_cert_from_der(NULL, "", 0), OTLS_E_INVAL);
  CHECK_ERR(otls_cert_from_der(&c, NULL, 5), OTLS_E_INVAL);
  CHECK(c == NULL);
  CHECK_ERR(otls_cert_from_pem(NULL, "", 0), OTLS_E_INVAL);
  CHECK_ERR(otls_cert_from_pem(&c, NULL, 5), OTLS_E_INVAL);
  CHECK_ERR(otls_cert_from_der(&c, NULL, 0), OTLS_E_DER_BAD);
  CHECK_ERR(otls_cert_peer(NULL, true, &c), OTLS_E_INVAL);
  char *j;
  CHECK_ERR(otls_cert_to_json(NULL, &j, NULL), OTLS_E_INVAL);
  CHECK(j == NULL);
}

TEST(cert_accessors_and_free_accept_null) {
  otls_cert_free(NULL);
  CHECK(otls_cert_issuer(NULL) == NULL);
  CHECK(otls_cert_subjectaltname(NULL) == NULL);
  CHECK(!otls_cert_is_ca(NULL));
  CHECK(otls_cert_modulus(NULL) == NULL);
  CHECK_INT(otls_cert_bits(NULL), 0);
  size_t len = 1;
  CHECK(otls_cert_raw(NULL, &len) == NULL);
  CHECK_INT(len, 0);
  const otls_cert_name_entry *e;
  CHECK_ERR(otls_cert_subject_name(NULL, &e), OTLS_E_INVAL);
}

TEST(cert_from_der_rejects_every_truncation) {
  size_t len;
  uint8_t *der = load_der("server-rsa.pem", &len);
  for (size_t cut = 0; cut < len; cut++) {
    otls_cert *c = (otls_cert *)1;
    CHECK_ERR(otls_cert_from_der(&c, der, cut), OTLS_E_DER_BAD);
    CHECK(c == NULL);
  }
  free(der);
}

TEST(cert_from_der_rejects_trailing_bytes) {
  size_t len;
  uint8_t *der = load_der("server-ec.pem", &len);
  uint8_t *more = malloc(len + 1);
  memcpy(more, der, len);
  more[len] = 0;
  otls_cert *c;
  CHECK_ERR(otls_cert_from_der(&c, more, len + 1), OTLS_E_DER_BAD);
  free(more);
  free(der);
}

TEST(cert_from_der_survives_every_corrupted_byte) {
  size_t len;
  uint8_t *der = load_der("server-rsa.pem", &len);
  static const uint8_t values[] = {0x00, 0x01, 0x30, 0x7f, 0x80, 0x81, 0x84, 0xff};
  int built = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t save = der[i];
    for (size_t v = 0; v < sizeof(values); v++) {
      der[i] = values[v];
      otls_cert *c = NULL;
      int rv = otls_cert_from_der(&c, der, len);
      if (rv == 0) {
        /* Whatever got through must print. */
        char *j = json_of(c);
        free(j);
        otls_cert_free(c);
        built++;
      } else {
        CHECK_ERR(rv, OTLS_E_DER_BAD);
      }
    }
    der[i] = save;
  }
  CHECK(built > 0);
  free(der);
}

/* --- names ----------------------------------------------------------------------- */

TEST(cert_subject_lists_attributes_in_certificate_order) {
  otls_cert *c = load("server-rsa.pem");
  const otls_cert_name_entry *e;
  CHECK_INT(otls_cert_subject_name(c, &e), 6);
  static const char *const want[6][2] = {{"C", "US"},      {"ST", "CA"},   {"L", "San Francisco"},
                                         {"O", "omnitls"}, {"OU", "Test"}, {"CN", "localhost"}};
  for (int i = 0; i < 6; i++) {
    CHECK_STR(e[i].type, want[i][0]);
    CHECK_STR(e[i].value, want[i][1]);
    CHECK_INT(e[i].value_len, strlen(want[i][1]));
    CHECK_INT(e[i].rdn, i);
  }
  otls_cert_free(c);
}

TEST(cert_issuer_name_is_the_issuers_subject) {
  otls_cert *c = load("server-ec.pem");
  const otls_cert_name_entry *e;
  CHECK_INT(otls_cert_issuer_name(c, &e), 2);
  CHECK_STR(e[0].type, "O");
  CHECK_STR(e[0].value, "omnitls");
  CHECK_STR(e[1].type, "CN");
  CHECK_STR(e[1].value, "omnitls Test Intermediate CA");
  otls_cert_free(c);
}

TEST(cert_multi_valued_rdn_entries_share_an_rdn_index) {
  otls_cert *c = generate("/O=a/O=b/CN=x+OU=y");
  const otls_cert_name_entry *e;
  CHECK_INT(otls_cert_subject_name(c, &e), 4);
  CHECK_STR(e[0].value, "a");
  CHECK_INT(e[0].rdn, 0);
  CHECK_STR(e[1].value, "b");
  CHECK_INT(e[1].rdn, 1);
  CHECK_INT(e[2].rdn, 2);
  CHECK_INT(e[3].rdn, 2);
  CHECK(find(e, 4, "CN") != NULL && find(e, 4, "OU") != NULL);
  otls_cert_free(c);
}

TEST(cert_repeated_attributes_print_as_a_json_array) {
  otls_cert *c = generate("/O=a/O=b/CN=x+OU=y");
  char *j = json_of(c);
  static const char want[] = "{\"subject\":{\"O\":[\"a\",\"b\"],";
  CHECK(strncmp(j, want, sizeof(want) - 1) == 0);
  free(j);
  otls_cert_free(c);
}

TEST(cert_attribute_types_without_a_short_name_print_as_dotted_oids) {
  B name = tlv(0x30, tlv(0x31, tlv(0x30, hex("06032a0304"), str(0x0c, "custom"), END), END), END);
  otls_cert *c = from_b(make_cert(name, spki_of("server-ec.pem"), (B){NULL, 0}));
  const otls_cert_name_entry *e;
  CHECK_INT(otls_cert_subject_name(c, &e), 1);
  CHECK_STR(e[0].type, "1.2.3.4");
  CHECK_STR(e[0].value, "custom");
  otls_cert_free(c);
}

TEST(cert_string_types_are_converted_to_utf8) {
  /* BMPString "Ü", T61String (Latin-1) "é", UniversalString U+1F600 */
  B name = tlv(0x30, tlv(0x31, tlv(0x30, hex("0603550403"), hex("1e0200dc"), END), END),
               tlv(0x31, tlv(0x30, hex("060355040a"), hex("1401e9"), END), END),
               tlv(0x31, tlv(0x30, hex("060355040b"), hex("1c040001f600"), END), END), END);
  otls_cert *c = from_b(make_cert(name, spki_of("server-ec.pem"), (B){NULL, 0}));
  const otls_cert_name_entry *e;
  CHECK_INT(otls_cert_subject_name(c, &e), 3);
  CHECK_STR(e[0].value, "\xc3\x9c");
  CHECK_STR(e[1].value, "\xc3\xa9");
  CHECK_STR(e[2].value, "\xf0\x9f\x98\x80");
  otls_cert_free(c);
}

TEST(cert_values_with_nul_bytes_keep_their_length_and_print_escaped) {
  B v = hex("0c03610062"); /* UTF8String "a\0b" */
  B name = tlv(0x30, tlv(0x31, tlv(0x30, hex("0603550403"), v, END), END), END);
  otls_cert *c = from_b(make_cert(name, spki_of("server-ec.pem"), (B){NULL, 0}));
  const otls_cert_name_entry *e;
  CHECK_INT(otls_cert_subject_name(c, &e), 1);
  CHECK_INT(e[0].value_len, 3);
  CHECK(memcmp(e[0].value, "a\0b", 3) == 0);
  char *j = json_of(c);
  CHECK(strstr(j, "{\"subject\":{\"CN\":\"a\\u0000b\"}") == j);
  free(j);
  otls_cert_free(c);
}

TEST(cert_with_an_unconvertible_attribute_has_no_subject) {
  /* A BMPString of odd length: Node's subject is undefined. */
  B name = tlv(0x30, tlv(0x31, tlv(0x30, hex("0603550403"), hex("1e03004100"), END), END), END);
  otls_cert *c = from_b(make_cert(name, spki_of("server-ec.pem"), (B){NULL, 0}));
  const otls_cert_name_entry *e;
  CHECK_ERR(otls_cert_subject_name(c, &e), OTLS_E_DER_BAD);
  CHECK(e == NULL);
  CHECK(otls_cert_issuer_name(c, &e) == 1);
  char *j = json_of(c);
  CHECK(strncmp(j, "{\"issuer\":", 10) == 0);
  free(j);
  otls_cert_free(c);
}

/* --- extensions -------------------------------------------------------------------- */

TEST(cert_subjectaltname_prints_every_name_as_node_does) {
  otls_cert *c = load("server-rsa.pem");
  CHECK_STR(otls_cert_subjectaltname(c),
            "DNS:localhost, DNS:*.example.test, IP Address:127.0.0.1, "
            "IP Address:0:0:0:0:0:0:0:1, email:admin@example.test, URI:https://localhost/");
  otls_cert_free(c);
}

TEST(cert_without_san_has_no_subjectaltname) {
  otls_cert *c = load("client.pem");
  CHECK(otls_cert_subjectaltname(c) == NULL);
  char *j = json_of(c);
  CHECK(strstr(j, "subjectaltname") == NULL);
  free(j);
  otls_cert_free(c);
}

TEST(cert_with_an_undecodable_san_shows_subjectaltname_null) {
  /* A GeneralName with tag [9], which does not exist. */
  B san = tlv(0x30, hex("0603551d11"), tlv(0x04, tlv(0x30, hex("890101"), END), END), END);
  otls_cert *c = from_b(make_cert(cn_name("x"), spki_of("server-ec.pem"), san));
  CHECK(otls_cert_subjectaltname(c) == NULL);
  char *j = json_of(c);
  CHECK(strstr(j, ",\"subjectaltname\":null,\"ca\":false,") != NULL);
  free(j);
  otls_cert_free(c);
}

TEST(cert_unsafe_alt_names_are_quoted_as_json_strings) {
  B san = tlv(0x30, hex("0603551d11"),
              tlv(0x04, tlv(0x30, str(0x82, "a,b.example"), hex("870501020304ff"), END), END), END);
  otls_cert *c = from_b(make_cert(cn_name("x"), spki_of("server-ec.pem"), san));
  CHECK_STR(otls_cert_subjectaltname(c),
            "DNS:\"a\\u002cb.example\", IP Address:<invalid length=5>");
  otls_cert_free(c);
}

TEST(x509_san_string_truncates_to_the_buffer) {
  size_t len;
  uint8_t *der = load_der("server-rsa.pem", &len);
  struct otls__x509 x;
  CHECK_ERR(otls__x509_parse(der, len, &x), 0);
  char buf[12];
  CHECK_INT(otls__x509_san_string(&x, buf, sizeof(buf)), 11);
  CHECK_STR(buf, "DNS:localho");
  free(der);
}

TEST(cert_info_access_lists_ocsp_and_ca_issuers) {
  otls_cert *c = load("server-rsa.pem");
  const otls_cert_access_entry *ia;
  CHECK_INT(otls_cert_info_access(c, &ia), 2);
  CHECK_STR(ia[0].key, "OCSP - URI");
  CHECK_STR(ia[0].value, "http://127.0.0.1:8888/ocsp");
  CHECK_STR(ia[1].key, "CA Issuers - URI");
  CHECK_STR(ia[1].value, "http://127.0.0.1:8888/inter.pem");
  char *j = json_of(c);
  CHECK(strstr(j, "\"infoAccess\":{\"OCSP - URI\":[\"http://127.0.0.1:8888/ocsp\"],"
                  "\"CA Issuers - URI\":[\"http://127.0.0.1:8888/inter.pem\"]}") != NULL);
  free(j);
  otls_cert_free(c);
}

TEST(cert_ca_is_true_only_for_ca_certificates) {
  static const struct {
    const char *name;
    bool ca;
  } cases[] = {{"ca.pem", true},          {"inter.pem", true},       {"untrusted-ca.pem", true},
               {"server-rsa.pem", false}, {"selfsigned.pem", false}, {"client.pem", false}};
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(cases); i++) {
    otls_cert *c = load(cases[i].name);
    if (otls_cert_is_ca(c) != cases[i].ca)
      otls_test_fail(__FILE__, __LINE__, "%s: ca is %d", cases[i].name, !cases[i].ca);
    otls_cert_free(c);
  }
}

TEST(cert_ca_is_false_when_key_usage_forbids_certificate_signing) {
  /* basicConstraints cA TRUE, keyUsage digitalSignature only */
  B exts = tlv(0x30, hex("0603551d13 0101ff 0405 30030101ff"), END);
  B ku = tlv(0x30, hex("0603551d0f 0101ff 0404 03020780"), END);
  B both = {malloc(exts.n + ku.n), exts.n + ku.n};
  memcpy(both.p, exts.p, exts.n);
  memcpy(both.p + exts.n, ku.p, ku.n);
  free(exts.p);
  free(ku.p);
  otls_cert *c = from_b(make_cert(cn_name("x"), spki_of("server-ec.pem"), both));
  CHECK(!otls_cert_is_ca(c));
  otls_cert_free(c);
}

TEST(cert_ext_key_usage_lists_the_oids) {
  otls_cert *c = load("server-rsa.pem");
  const char *const *oids;
  CHECK(otls_cert_has_ext_key_usage(c));
  CHECK_INT(otls_cert_ext_key_usage(c, &oids), 2);
  CHECK_STR(oids[0], "1.3.6.1.5.5.7.3.1");
  CHECK_STR(oids[1], "1.3.6.1.5.5.7.3.2");
  otls_cert_free(c);
  c = load("ca.pem");
  CHECK(!otls_cert_has_ext_key_usage(c));
  CHECK_INT(otls_cert_ext_key_usage(c, &oids), 0);
  char *j = json_of(c);
  CHECK(strstr(j, "ext_key_usage") == NULL);
  free(j);
  otls_cert_free(c);
}

/* --- the key ------------------------------------------------------------------------ */

TEST(cert_rsa_key_shows_modulus_exponent_bits_and_spki) {
  otls_cert *c = load("server-rsa.pem");
  char args[1200];
  snprintf(args, sizeof(args), "x509 -in '%s' -noout -modulus", pki("server-rsa.pem"));
  CHECK_STR(otls_cert_modulus(c), openssl_field(args, "Modulus"));
  CHECK_STR(otls_cert_exponent(c), "0x10001");
  CHECK_INT(otls_cert_bits(c), 2048);
  CHECK(otls_cert_asn1_curve(c) == NULL);
  size_t len, dlen;
  const uint8_t *pk = otls_cert_pubkey(c, &len);
  uint8_t *der = load_der("server-rsa.pem", &dlen);
  struct otls__x509 x;
  CHECK_ERR(otls__x509_parse(der, dlen, &x), 0);
  CHECK_INT(len, x.spki.len);
  CHECK(memcmp(pk, x.spki.data, len) == 0);
  free(der);
  otls_cert_free(c);
}

TEST(cert_ec_key_shows_curve_bits_and_point) {
  otls_cert *c = load("server-ec.pem");
  CHECK_STR(otls_cert_asn1_curve(c), "prime256v1");
  CHECK_STR(otls_cert_nist_curve(c), "P-256");
  CHECK_INT(otls_cert_bits(c), 256);
  CHECK(otls_cert_modulus(c) == NULL);
  CHECK(otls_cert_exponent(c) == NULL);
  size_t len;
  const uint8_t *pk = otls_cert_pubkey(c, &len);
  CHECK_INT(len, 65);
  CHECK_INT(pk[0], 0x04);
  otls_cert_free(c);
}

TEST(cert_ec_compressed_point_is_shown_as_encoded) {
  /* Node decompresses it (04 || X || Y); omnitls has no curve arithmetic. */
  B spki = hex("3039301306072a8648ce3d020106082a8648ce3d030107032200"
               "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
  otls_cert *c = from_b(make_cert(cn_name("x"), spki, (B){NULL, 0}));
  size_t len;
  const uint8_t *pk = otls_cert_pubkey(c, &len);
  CHECK_INT(len, 33);
  CHECK_INT(pk[0], 0x03);
  CHECK_STR(otls_cert_asn1_curve(c), "prime256v1");
  otls_cert_free(c);
}

TEST(cert_ec_explicit_parameters_show_bits_but_no_curve_name) {
  /* Node names prime256v1 for these parameters; omnitls does not compare them. */
  B spki =
      tlv(0x30,
          tlv(0x30, hex("06072a8648ce3d0201"),
              hex("3081f7020101302c06072a8648ce3d0101022100ffffffff0000000100000000000000000000"
                  "0000ffffffffffffffffffffffff305b0420ffffffff00000001000000000000000000000000"
                  "fffffffffffffffffffffffc04205ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f6"
                  "3bce3c3e27d2604b031500c49d360886e704936a6678e1139d26b7819f7e900441046b17d1f2"
                  "e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7"
                  "eb4a7c0f9e162bce33576b315ececbb6406837bf51f5022100ffffffff00000000ffffffffff"
                  "ffffffbce6faada7179e84f3b9cac2fc632551020101"),

              END),
          hex("03420004"
              "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
              "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
          END);
  otls_cert *c = from_b(make_cert(cn_name("x"), spki, (B){NULL, 0}));
  CHECK_INT(otls_cert_bits(c), 256);
  CHECK(otls_cert_asn1_curve(c) == NULL);
  size_t len;
  CHECK(otls_cert_pubkey(c, &len) != NULL);
  CHECK_INT(len, 65);
  otls_cert_free(c);
}

TEST(cert_other_key_types_have_no_key_fields) {
  /* Ed25519 */
  B spki = hex("302a300506032b6570032100"
               "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  otls_cert *c = from_b(make_cert(cn_name("x"), spki, (B){NULL, 0}));
  CHECK_INT(otls_cert_bits(c), 0);
  CHECK(otls_cert_pubkey(c, NULL) == NULL);
  char *j = json_of(c);
  CHECK(strstr(j, "\"ca\":false,\"valid_from\"") != NULL);
  free(j);
  otls_cert_free(c);
}

/* --- validity, digests, serial, raw ---------------------------------------------- */

TEST(cert_validity_is_printed_as_openssl_prints_it) {
  otls_cert *c = load("server-rsa.pem");
  char args[1200];
  snprintf(args, sizeof(args), "x509 -in '%s' -noout -startdate", pki("server-rsa.pem"));
  CHECK_STR(otls_cert_valid_from(c), openssl_field(args, "notBefore"));
  snprintf(args, sizeof(args), "x509 -in '%s' -noout -enddate", pki("server-rsa.pem"));
  CHECK_STR(otls_cert_valid_to(c), openssl_field(args, "notAfter"));
  CHECK(otls_cert_not_before(c) < otls_cert_not_after(c));
  otls_cert_free(c);
}

TEST(cert_time_pads_a_one_digit_day_with_a_space) {
  char out[32];
  otls__asn1_time_print(DER_UTCTIME, (const uint8_t *)"261107045000Z", 13, out);
  CHECK_STR(out, "Nov  7 04:50:00 2026 GMT");
  otls__asn1_time_print(DER_GENTIME, (const uint8_t *)"20501231235959Z", 15, out);
  CHECK_STR(out, "Dec 31 23:59:59 2050 GMT");
  otls__asn1_time_print(DER_UTCTIME, (const uint8_t *)"500101000000Z", 13, out);
  CHECK_STR(out, "Jan  1 00:00:00 1950 GMT");
}

TEST(cert_time_of_a_date_that_does_not_exist_is_bad_time_value) {
  char out[32];
  otls__asn1_time_print(DER_UTCTIME, (const uint8_t *)"230229000000Z", 13, out);
  CHECK_STR(out, "Bad time value");
  otls__asn1_time_print(DER_UTCTIME, (const uint8_t *)"240229000000Z", 13, out);
  CHECK_STR(out, "Feb 29 00:00:00 2024 GMT");
  otls__asn1_time_print(DER_GENTIME, (const uint8_t *)"21000229000000Z", 15, out);
  CHECK_STR(out, "Bad time value");
  otls__asn1_time_print(DER_UTCTIME, (const uint8_t *)"231231235960Z", 13, out);
  CHECK_STR(out, "Bad time value");
  otls__asn1_time_print(DER_UTCTIME, (const uint8_t *)"2312312359Z", 11, out);
  CHECK_STR(out, "Bad time value");
}

TEST(cert_fingerprints_match_openssl) {
  /* Needs the backend's digest slot (wolfSSL and GnuTLS get it later). */
  otls_cert *c = load("server-ec.pem");
  static const char *const algs[3] = {"sha1", "sha256", "sha512"};
  const char *got[3] = {otls_cert_fingerprint(c), otls_cert_fingerprint256(c),
                        otls_cert_fingerprint512(c)};
  static const char *const prefix[3] = {"sha1 Fingerprint", "sha256 Fingerprint",
                                        "sha512 Fingerprint"};
  for (int i = 0; i < 3; i++) {
    char args[1200];
    snprintf(args, sizeof(args), "x509 -in '%s' -noout -fingerprint -%s", pki("server-ec.pem"),
             algs[i]);
    CHECK(got[i] != NULL);
    CHECK_STR(got[i], openssl_field(args, prefix[i]));
  }
  otls_cert_free(c);
}

TEST(cert_serial_number_matches_openssl) {
  otls_cert *c = load("server-rsa.pem");
  char args[1200];
  snprintf(args, sizeof(args), "x509 -in '%s' -noout -serial", pki("server-rsa.pem"));
  CHECK_STR(otls_cert_serial_number(c), openssl_field(args, "serial"));
  otls_cert_free(c);
}

TEST(cert_raw_is_the_der_it_was_built_from) {
  size_t len, rlen;
  uint8_t *der = load_der("server-ec.pem", &len);
  otls_cert *c;
  CHECK_ERR(otls_cert_from_der(&c, der, len), 0);
  const uint8_t *raw = otls_cert_raw(c, &rlen);
  CHECK_INT(rlen, len);
  CHECK(raw != der && memcmp(raw, der, len) == 0);
  free(der);
  char *j = json_of(c);
  /* raw is last, as a Node Buffer: {"type":"Buffer","data":[48,130,...]} */
  const char *r = strstr(j, ",\"raw\":{\"type\":\"Buffer\",\"data\":[48,130,");
  CHECK(r != NULL);
  CHECK_STR(j + strlen(j) - 3, "]}}");
  free(j);
  otls_cert_free(c);
}

TEST(cert_to_json_keeps_nodes_key_order) {
  otls_cert *c = load("server-rsa.pem");
  char *j = json_of(c);
  static const char *const keys[] = {"\"subject\":",
                                     "\"issuer\":",
                                     "\"subjectaltname\":",
                                     "\"infoAccess\":",
                                     "\"ca\":",
                                     "\"modulus\":",
                                     "\"bits\":",
                                     "\"exponent\":",
                                     "\"pubkey\":",
                                     "\"valid_from\":",
                                     "\"valid_to\":",
                                     "\"fingerprint\":",
                                     "\"fingerprint256\":",
                                     "\"fingerprint512\":",
                                     "\"ext_key_usage\":",
                                     "\"serialNumber\":",
                                     "\"raw\":"};
  const char *at = j;
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(keys); i++) {
    const char *k = strstr(at, keys[i]);
    if (k == NULL)
      otls_test_fail(__FILE__, __LINE__, "%s missing or out of order", keys[i]);
    at = k;
  }
  free(j);
  otls_cert_free(c);
}

/* --- the peer's chain ---------------------------------------------------------------- */

TEST(cert_peer_links_issuers_up_to_the_last_certificate_sent) {
  struct pair p = {0};
  handshake(&p, "server-rsa.key", "server-rsa-chain.pem", NULL);
  otls_cert *leaf = NULL;
  CHECK_ERR(otls_cert_peer(p.client, true, &leaf), 0);
  CHECK(leaf != NULL);
  const otls_cert *inter = otls_cert_issuer(leaf);
  CHECK(inter != NULL && inter != leaf);
  CHECK(otls_cert_is_ca(inter));
  CHECK(otls_cert_issuer(inter) == NULL); /* the root was not sent */
  otls_cert_free(leaf);
  pair_free(&p);
}

TEST(cert_peer_self_signed_root_is_its_own_issuer) {
  struct pair p = {0};
  handshake(&p, "server-rsa.key", "server-rsa-chain.pem", "ca.pem");
  otls_cert *leaf = NULL;
  CHECK_ERR(otls_cert_peer(p.client, true, &leaf), 0);
  const otls_cert *inter = otls_cert_issuer(leaf);
  CHECK(inter != NULL && inter != leaf);
  const otls_cert *root = otls_cert_issuer(inter);
  CHECK(root != NULL && root != inter);
  CHECK(otls_cert_issuer(root) == root);
  otls_cert_free(leaf);
  pair_free(&p);

  memset(&p, 0, sizeof(p));
  handshake(&p, "selfsigned.key", "selfsigned.pem", NULL);
  otls_cert *self = NULL;
  CHECK_ERR(otls_cert_peer(p.client, true, &self), 0);
  CHECK(otls_cert_issuer(self) == self);
  otls_cert_free(self);
  pair_free(&p);
}

TEST(cert_chain_stops_after_an_issuer_that_was_the_last_one_left) {
  /* [leaf, root, intermediate]: Node v20 links the intermediate, then stops. */
  size_t l0, l1, l2;
  uint8_t *d0 = load_der("server-rsa.pem", &l0), *d1 = load_der("ca.pem", &l1),
          *d2 = load_der("inter.pem", &l2);
  struct otls__blob chain[3] = {{d0, l0}, {d1, l1}, {d2, l2}};
  otls_cert *leaf = NULL;
  CHECK_ERR(otls__cert_chain(chain, 3, true, &leaf), 0);
  const otls_cert *inter = otls_cert_issuer(leaf);
  CHECK(inter != NULL);
  CHECK(otls_cert_issuer(inter) == NULL);
  otls_cert_free(leaf);
  /* [leaf, intermediate, root]: all the way, the root its own issuer. */
  struct otls__blob ordered[3] = {{d0, l0}, {d2, l2}, {d1, l1}};
  CHECK_ERR(otls__cert_chain(ordered, 3, true, &leaf), 0);
  const otls_cert *root = otls_cert_issuer(otls_cert_issuer(leaf));
  CHECK(root != NULL && otls_cert_issuer(root) == root);
  otls_cert_free(leaf);
  free(d0);
  free(d1);
  free(d2);
}

TEST(cert_peer_without_detail_has_no_issuer) {
  struct pair p = {0};
  handshake(&p, "server-rsa.key", "server-rsa-chain.pem", "ca.pem");
  otls_cert *c = NULL;
  CHECK_ERR(otls_cert_peer(p.client, false, &c), 0);
  CHECK(c != NULL);
  CHECK(otls_cert_issuer(c) == NULL);
  otls_cert_free(c);
  pair_free(&p);
}

TEST(cert_peer_before_the_handshake_gives_no_certificate) {
  otls_context *ctx = make_ctx(NULL, NULL, NULL);
  otls_conn *conn = NULL;
  CHECK_ERR(otls_conn_new(&conn, ctx, NULL), 0);
  otls_cert *c = (otls_cert *)1;
  CHECK_ERR(otls_cert_peer(conn, true, &c), 0);
  CHECK(c == NULL);
  otls_conn_free(conn);
  otls_context_free(ctx);
}

TEST(cert_peer_outlives_its_connection) {
  struct pair p = {0};
  handshake(&p, "server-ec.key", "server-ec-chain.pem", NULL);
  otls_cert *c = NULL;
  CHECK_ERR(otls_cert_peer(p.client, true, &c), 0);
  pair_free(&p);
  CHECK_STR(otls_cert_asn1_curve(c), "prime256v1");
  CHECK(otls_cert_is_ca(otls_cert_issuer(c)));
  otls_cert_free(c);
}

/* --- OpenSSL's text forms ------------------------------------------------------------ */

TEST(cert_oid_text_prints_names_and_arcs_of_any_size) {
  char buf[128];
  static const uint8_t ocsp[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};
  CHECK_INT(otls__oid_text(ocsp, sizeof(ocsp), false, buf, sizeof(buf)), 0);
  CHECK_STR(buf, "OCSP");
  CHECK_INT(otls__oid_text(ocsp, sizeof(ocsp), true, buf, sizeof(buf)), 0);
  CHECK_STR(buf, "1.3.6.1.5.5.7.48.1");
  /* 2.999.18446744073709551616 (2^64) */
  static const uint8_t big[] = {0x88, 0x37, 0x82, 0x80, 0x80, 0x80,
                                0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  CHECK_INT(otls__oid_text(big, sizeof(big), true, buf, sizeof(buf)), 0);
  CHECK_STR(buf, "2.999.18446744073709551616");
  CHECK_INT(otls__oid_text(big, sizeof(big), true, buf, 8), 0);
  CHECK_STR(buf, "2.999.1");
  static const uint8_t bad[] = {0x2a, 0x86};
  CHECK_INT(otls__oid_text(bad, sizeof(bad), true, buf, sizeof(buf)), -1);
  CHECK_STR(buf, "");
  CHECK_STR(otls__oid_sn((const uint8_t *)"\x55\x04\x03", 3), "CN");
  CHECK(otls__oid_sn((const uint8_t *)"\x2a\x03\x04", 3) == NULL);
}

TEST(cert_text_replaces_invalid_utf8_as_v8_does) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"plain", "plain"},
      {"\xc3\xa9", "\xc3\xa9"},
      {"\xc3\x28", "\xef\xbf\xbd("},
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate */
      {"\xf0\x9f\x98", "\xef\xbf\xbd"},                         /* truncated: one */
      {"\xff", "\xef\xbf\xbd"},
      {"\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong */
  };
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(cases); i++) {
    struct otls__text t = {0};
    otls__text_adds(&t, cases[i].in);
    otls__utf8_sanitize(&t);
    CHECK_STR(t.p, cases[i].out);
    otls__text_free(&t);
  }
}
