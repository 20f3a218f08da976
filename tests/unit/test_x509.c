/* Unit tests for core/x509.c and core/der.c */
#include <time.h>

#include "internal.h"
#include "otls_test.h"
#include "pem.h"
#include "x509.h"

/* DER of the first certificate in a PKI file (caller frees). */
static uint8_t *load_der(const char *name, size_t *len) {
  uint8_t *data;
  size_t n;
  CHECK_INT(otls__read_file(pki(name), &data, &n), 0);
  const uint8_t *p = data;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, data + n, &blk), 1);
  free(data);
  *len = blk.der_len;
  return blk.der;
}

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03};

TEST(x509_parses_a_leaf) {
  size_t len;
  uint8_t *der = load_der("server-rsa.pem", &len);
  struct otls__x509 x;
  CHECK_INT(otls__x509_parse(der, len, &x), 0);
  CHECK_INT(x.version, 3);
  CHECK(x.has_san);
  CHECK(!x.is_ca);
  CHECK(!otls__x509_self_issued(&x));
  time_t now = time(NULL);
  CHECK(x.not_before < now && now < x.not_after);
  size_t pos = 0;
  unsigned tag;
  struct otls__blob cn;
  CHECK_INT(otls__x509_name_next(&x.subject, OID_CN, 3, &pos, &tag, &cn), 1);
  CHECK_INT(cn.len, 9);
  CHECK(memcmp(cn.data, "localhost", 9) == 0);
  CHECK_INT(otls__x509_name_next(&x.subject, OID_CN, 3, &pos, &tag, &cn), 0);
  free(der);
}

TEST(x509_sees_a_ca_and_a_self_issued_root) {
  size_t len;
  uint8_t *der = load_der("ca.pem", &len);
  struct otls__x509 x;
  CHECK_INT(otls__x509_parse(der, len, &x), 0);
  CHECK(x.is_ca);
  CHECK(otls__x509_self_issued(&x));
  free(der);
}

TEST(x509_rejects_every_truncation) {
  size_t len;
  uint8_t *der = load_der("server-ec.pem", &len);
  struct otls__x509 x;
  for (size_t cut = 0; cut < len; cut++)
    CHECK_ERR(otls__x509_parse(der, cut, &x), OTLS_E_DER_BAD);
  free(der);
}

TEST(x509_rejects_corrupted_lengths) {
  size_t len;
  uint8_t *der = load_der("server-ec.pem", &len);
  struct otls__x509 x;
  /* Flip every length-ish byte: must never crash; most must fail. */
  for (size_t i = 0; i < len; i++) {
    uint8_t save = der[i];
    der[i] = 0xff;
    (void)otls__x509_parse(der, len, &x);
    der[i] = 0x84;
    (void)otls__x509_parse(der, len, &x);
    der[i] = save;
  }
  der[1] = 0x85; /* 5-byte length form: refused */
  CHECK_ERR(otls__x509_parse(der, len, &x), OTLS_E_DER_BAD);
  free(der);
}

TEST(asn1_times_are_parsed_as_utc) {
  int64_t t;
  CHECK_INT(otls__asn1_time(DER_UTCTIME, (const uint8_t *)"700101000000Z", 13, &t), 0);
  CHECK_INT(t, 0);
  CHECK_INT(otls__asn1_time(DER_UTCTIME, (const uint8_t *)"491231235959Z", 13, &t), 0);
  CHECK_INT(t, 2524607999LL);
  CHECK_INT(otls__asn1_time(DER_GENTIME, (const uint8_t *)"20500101000000Z", 15, &t), 0);
  CHECK_INT(t, 2524608000LL);
  CHECK_INT(otls__asn1_time(DER_UTCTIME, (const uint8_t *)"701301000000Z", 13, &t), -1);
  CHECK_INT(otls__asn1_time(DER_UTCTIME, (const uint8_t *)"7001010000002", 13, &t), -1);
  CHECK_INT(otls__asn1_time(DER_GENTIME, (const uint8_t *)"2050010100000Z", 14, &t), -1);
}
