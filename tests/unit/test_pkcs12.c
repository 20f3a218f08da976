/*
 * Unit tests for core/pkcs12.c: the PFX structure and algorithm check, the
 * PKCS#8 wrapping of keys, and opening bundles through the backend.
 */
#include "internal.h"
#include "otls_test.h"
#include "pem.h"
#include "pkcs12.h"
#include "x509.h"

/* --- a tiny DER writer for synthetic bundles ------------------------------- */

struct der {
  uint8_t buf[1024];
  size_t len;
};

/* tag + length + the bytes of `inner` (or of data/len). */
static struct der tlv(uint8_t tag, const void *data, size_t len) {
  struct der d = {.len = 0};
  d.buf[d.len++] = tag;
  if (len < 0x80) {
    d.buf[d.len++] = (uint8_t)len;
  } else {
    d.buf[d.len++] = 0x82;
    d.buf[d.len++] = (uint8_t)(len >> 8);
    d.buf[d.len++] = (uint8_t)len;
  }
  CHECK(d.len + len <= sizeof(d.buf));
  if (len)
    memcpy(d.buf + d.len, data, len);
  d.len += len;
  return d;
}

static struct der wrap(uint8_t tag, struct der inner) {
  return tlv(tag, inner.buf, inner.len);
}

static struct der cat(struct der a, struct der b) {
  CHECK(a.len + b.len <= sizeof(a.buf));
  memcpy(a.buf + a.len, b.buf, b.len);
  a.len += b.len;
  return a;
}

static const uint8_t OID_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
static const uint8_t OID_ENC_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06};
static const uint8_t OID_SIGNED_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
static const uint8_t OID_RC2_40[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x06};
static const uint8_t OID_3DES[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x03};
static const uint8_t OID_PBES2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d};
static const uint8_t OID_PBKDF2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c};
static const uint8_t OID_RC2_CBC[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x02};
static const uint8_t OID_AES256_CBC[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a};
static const uint8_t OID_SHROUDED[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                       0x01, 0x0c, 0x0a, 0x01, 0x02};

static struct der oid(const uint8_t *o, size_t n) {
  return tlv(0x06, o, n);
}
#define OID(o) oid(o, sizeof(o))

/* AlgorithmIdentifier for PBES2 with PBKDF2 and `cipher`. */
static struct der pbes2(struct der cipher_oid) {
  static const uint8_t salt_iter[] = {0x04, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01};
  struct der kdf = wrap(0x30, cat(OID(OID_PBKDF2), tlv(0x30, salt_iter, sizeof(salt_iter))));
  static const uint8_t iv[8] = {0};
  struct der enc = wrap(0x30, cat(cipher_oid, tlv(0x04, iv, sizeof(iv))));
  return wrap(0x30, cat(OID(OID_PBES2), wrap(0x30, cat(kdf, enc))));
}

/* MacData ::= SEQUENCE { DigestInfo { sha256, digest }, salt, iterations } */
static struct der mac_data(void) {
  static const uint8_t sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
  static const uint8_t digest[32] = {0}, salt[8] = {0}, iter[] = {0x08, 0x00};
  struct der alg = wrap(0x30, cat(oid(sha256, sizeof(sha256)), tlv(0x05, NULL, 0)));
  struct der di = wrap(0x30, cat(alg, tlv(0x04, digest, sizeof(digest))));
  return wrap(0x30, cat(cat(di, tlv(0x04, salt, sizeof(salt))), tlv(0x02, iter, sizeof(iter))));
}

/* PFX { 3, authSafe data { AuthenticatedSafe { contents } }, macData (when `mac`) } */
static struct der pfx_mac(struct der contents, bool mac) {
  static const uint8_t three[] = {0x03};
  struct der auth_safe = wrap(0x30, contents);
  struct der ci = wrap(0x30, cat(OID(OID_DATA), wrap(0xa0, wrap(0x04, auth_safe))));
  struct der body = cat(tlv(0x02, three, 1), ci);
  return wrap(0x30, mac ? cat(body, mac_data()) : body);
}

static struct der pfx(struct der contents) {
  return pfx_mac(contents, true);
}

/* ContentInfo encryptedData with algorithm `alg` (an AlgorithmIdentifier TLV). */
static struct der encrypted(struct der alg) {
  static const uint8_t zero[] = {0x00}, ct[] = {0xaa, 0xbb};
  struct der eci = wrap(0x30, cat(cat(OID(OID_DATA), alg), tlv(0x80, ct, sizeof(ct))));
  struct der ed = wrap(0x30, cat(tlv(0x02, zero, 1), eci));
  return wrap(0x30, cat(OID(OID_ENC_DATA), wrap(0xa0, ed)));
}

/* ContentInfo data holding one shrouded key bag encrypted with `alg`. */
static struct der shrouded(struct der alg) {
  static const uint8_t ct[] = {0x01, 0x02};
  struct der epki = wrap(0x30, cat(alg, tlv(0x04, ct, sizeof(ct))));
  struct der bag = wrap(0x30, cat(OID(OID_SHROUDED), wrap(0xa0, epki)));
  struct der safe_contents = wrap(0x30, bag);
  return wrap(0x30, cat(OID(OID_DATA), wrap(0xa0, wrap(0x04, safe_contents))));
}

static int check(struct der d) {
  char detail[256] = "";
  int rv = otls__pkcs12_check(d.buf, d.len, detail, sizeof(detail));
  if (rv < 0) {
    CHECK(detail[0] != 0);
    printf("  -> %s: %s\n", otls_err_name(rv), detail);
  }
  return rv;
}

TEST(pfx_check_accepts_pbes2_aes_and_pkcs12_3des) {
  CHECK_ERR(check(pfx(encrypted(pbes2(OID(OID_AES256_CBC))))), 0);
  CHECK_ERR(check(pfx(encrypted(wrap(0x30, OID(OID_3DES))))), 0);
  CHECK_ERR(check(pfx(shrouded(pbes2(OID(OID_AES256_CBC))))), 0);
  CHECK_ERR(
      check(pfx(cat(encrypted(wrap(0x30, OID(OID_3DES))), shrouded(wrap(0x30, OID(OID_3DES)))))),
      0);
}

/* No MAC: OpenSSL 3.0 (Node v20) refuses it, so every backend does. */
TEST(pfx_check_refuses_a_bundle_without_mac) {
  CHECK_ERR(check(pfx_mac(encrypted(pbes2(OID(OID_AES256_CBC))), true)), 0);
  CHECK_ERR(check(pfx_mac(encrypted(pbes2(OID(OID_AES256_CBC))), false)), OTLS_E_UNSUPPORTED_PFX);
  uint8_t *der;
  size_t len;
  CHECK_INT(otls__read_file(pki("server-rsa-nomac.p12"), &der, &len), 0);
  CHECK_ERR(otls__pkcs12_check(der, len, NULL, 0), OTLS_E_UNSUPPORTED_PFX);
  free(der);
}

TEST(pfx_check_refuses_rc2_everywhere_it_can_see_it) {
  char detail[256];
  struct der rc2 = pfx(encrypted(wrap(0x30, OID(OID_RC2_40))));
  CHECK_ERR(otls__pkcs12_check(rc2.buf, rc2.len, detail, sizeof(detail)), OTLS_E_UNSUPPORTED_PFX);
  CHECK(strstr(detail, "1.2.840.113549.1.12.1.6") != NULL ||
        strstr(detail, "pbeWithSHA1And40BitRC2-CBC") != NULL);
  CHECK_ERR(check(pfx(shrouded(wrap(0x30, OID(OID_RC2_40))))), OTLS_E_UNSUPPORTED_PFX);
  CHECK_ERR(check(pfx(encrypted(pbes2(OID(OID_RC2_CBC))))), OTLS_E_UNSUPPORTED_PFX);
  /* Behind a good one too. */
  CHECK_ERR(
      check(pfx(cat(encrypted(pbes2(OID(OID_AES256_CBC))), shrouded(wrap(0x30, OID(OID_RC2_40)))))),
      OTLS_E_UNSUPPORTED_PFX);
}

TEST(pfx_check_refuses_public_key_modes) {
  /* authSafe signed (public-key integrity mode) */
  static const uint8_t three[] = {0x03};
  struct der ver = tlv(0x02, three, 1);
  struct der signed_ci = wrap(0x30, cat(OID(OID_SIGNED_DATA), wrap(0xa0, wrap(0x30, ver))));
  CHECK_ERR(check(wrap(0x30, cat(cat(ver, signed_ci), mac_data()))), OTLS_E_UNSUPPORTED_PFX);
  /* a ContentInfo of another type (envelopedData: public-key privacy mode) */
  static const uint8_t env[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03};
  CHECK_ERR(check(pfx(wrap(0x30, cat(OID(env), wrap(0xa0, wrap(0x30, ver)))))),
            OTLS_E_UNSUPPORTED_PFX);
}

TEST(pfx_check_refuses_malformed_der) {
  CHECK_ERR(otls__pkcs12_check(NULL, 0, NULL, 0), OTLS_E_DER_BAD);
  struct der good = pfx(encrypted(pbes2(OID(OID_AES256_CBC))));
  for (size_t cut = 0; cut < good.len; cut++)
    CHECK_ERR(otls__pkcs12_check(good.buf, cut, NULL, 0), OTLS_E_DER_BAD);
  /* trailing bytes */
  struct der more = good;
  more.buf[more.len++] = 0;
  CHECK_ERR(check(more), OTLS_E_DER_BAD);
  /* an empty AuthenticatedSafe */
  CHECK_ERR(check(pfx((struct der){.len = 0})), OTLS_E_DER_BAD);
  /* BER indefinite length */
  static const uint8_t ber[] = {0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00};
  CHECK_ERR(otls__pkcs12_check(ber, sizeof(ber), NULL, 0), OTLS_E_DER_BAD);
}

TEST(pfx_check_accepts_the_fixture_bundles) {
  static const char *const files[] = {
      "server-rsa.p12", "server-rsa-3des.p12",      "server-ec.p12",
      "client.p12",     "server-rsa-fullchain.p12", "certs-only.p12"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    uint8_t *der;
    size_t len;
    CHECK_INT(otls__read_file(pki(files[i]), &der, &len), 0);
    char detail[256] = "";
    int rv = otls__pkcs12_check(der, len, detail, sizeof(detail));
    if (rv < 0)
      printf("%s: %s\n", files[i], detail);
    CHECK_ERR(rv, 0);
    free(der);
  }
}

/* --- PKCS#8 wrapping ---------------------------------------------------------- */

/* The DER of the one PEM block of a PKI file. */
static uint8_t *pki_der(const char *name, size_t *len) {
  uint8_t *pem;
  size_t pem_len;
  CHECK_INT(otls__read_file(pki(name), &pem, &pem_len), 0);
  const uint8_t *p = pem;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, pem + pem_len, &blk), 1);
  free(pem);
  *len = blk.der_len;
  return blk.der;
}

TEST(pkcs8_wrap_keeps_a_private_key_info) {
  size_t klen, clen, olen;
  uint8_t *key = pki_der("server-ec.key", &klen); /* PKCS#8 already */
  uint8_t *cert = pki_der("server-ec.pem", &clen);
  struct otls__x509 x;
  CHECK_INT(otls__x509_parse(cert, clen, &x), 0);
  uint8_t *out;
  CHECK_ERR(otls__pkcs8_wrap(key, klen, &x.spki, &out, &olen), 0);
  CHECK_INT(olen, klen);
  CHECK(memcmp(out, key, klen) == 0);
  free(out);
  free(key);
  free(cert);
}

/*
 * A bare ECPrivateKey (as wolfSSL hands it out of a bundle, without the
 * curve) becomes PrivateKeyInfo { 0, the certificate's algorithm, key }:
 * here exactly the PKCS#8 the fixture started as.
 */
TEST(pkcs8_wrap_adds_the_certificates_algorithm) {
  size_t klen, clen, olen;
  uint8_t *key = pki_der("server-ec.key", &klen);
  uint8_t *cert = pki_der("server-ec.pem", &clen);
  struct otls__x509 x;
  CHECK_INT(otls__x509_parse(cert, clen, &x), 0);
  /* PrivateKeyInfo ::= SEQUENCE { INTEGER, AlgorithmIdentifier, OCTET STRING { key } } */
  struct otls__der d = otls__der_init(key, klen), seq, ver, alg, inner;
  CHECK_INT(otls__der_expect(&d, DER_SEQUENCE, &seq), 0);
  CHECK_INT(otls__der_expect(&seq, DER_INTEGER, &ver), 0);
  CHECK_INT(otls__der_expect(&seq, DER_SEQUENCE, &alg), 0);
  CHECK_INT(otls__der_expect(&seq, DER_OCTET_STRING, &inner), 0);
  uint8_t *out;
  CHECK_ERR(otls__pkcs8_wrap(inner.p, (size_t)(inner.end - inner.p), &x.spki, &out, &olen), 0);
  CHECK_INT(olen, klen);
  CHECK(memcmp(out, key, klen) == 0);
  free(out);
  /* Not a key at all. */
  static const uint8_t junk[] = {0x04, 0x01, 0x00};
  CHECK_ERR(otls__pkcs8_wrap(junk, sizeof(junk), &x.spki, &out, &olen), OTLS_E_DER_BAD);
  free(key);
  free(cert);
}

/* --- opening bundles through the backend ----------------------------------------- */

static void load_ok(const char *file, const char *pass, size_t want_chain) {
  uint8_t *der;
  size_t len;
  CHECK_INT(otls__read_file(pki(file), &der, &len), 0);
  struct otls__der_list chain = {0};
  char *key_pem = NULL, detail[256] = "";
  size_t key_len = 0;
  int rv = otls__pkcs12_load(der, len, pass, &chain, &key_pem, &key_len, detail, sizeof(detail));
  if (rv < 0)
    printf("%s: %s\n", file, detail);
  CHECK_ERR(rv, 0);
  CHECK_INT(chain.n, want_chain);
  CHECK(key_pem != NULL && strlen(key_pem) == key_len);
  CHECK(strncmp(key_pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
  CHECK(strstr(key_pem, "-----END PRIVATE KEY-----\n") != NULL);
  free(key_pem);
  otls__der_list_clear(&chain);
  free(der);
}

TEST(pkcs12_load_gives_the_chain_and_an_unencrypted_key) {
  load_ok("server-rsa.p12", "test-pass", 2);
  load_ok("server-rsa-3des.p12", "test-pass", 2);
  load_ok("server-ec.p12", "other-pass", 2);
  load_ok("server-rsa-fullchain.p12", "test-pass", 3);
}

TEST(pkcs12_load_reports_a_wrong_password) {
  uint8_t *der;
  size_t len;
  CHECK_INT(otls__read_file(pki("server-rsa.p12"), &der, &len), 0);
  struct otls__der_list chain = {0};
  char *key_pem = NULL;
  size_t key_len;
  CHECK_ERR(otls__pkcs12_load(der, len, "nope", &chain, &key_pem, &key_len, NULL, 0),
            OTLS_E_BAD_DECRYPT);
  CHECK_ERR(otls__pkcs12_load(der, len, NULL, &chain, &key_pem, &key_len, NULL, 0),
            OTLS_E_BAD_DECRYPT);
  CHECK(key_pem == NULL);
  CHECK_INT(chain.n, 0);
  free(der);
}
