/* Unit tests for core/pem.c */
#include "internal.h"
#include "otls_test.h"
#include "pem.h"

static int decode_all(const char *text, char labels[][48], size_t max, size_t *n) {
  const uint8_t *p = (const uint8_t *)text, *end = p + strlen(text);
  struct otls__pem_block blk;
  int rv;
  *n = 0;
  while ((rv = otls__pem_next(&p, end, &blk)) == 1) {
    if (*n < max)
      memcpy(labels[*n], blk.label, sizeof(blk.label));
    (*n)++;
    free(blk.der);
  }
  return rv;
}

TEST(pem_decodes_blocks_and_skips_text_between_them) {
  const char *t = "junk before\n-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"
                  "garbage in between\n"
                  "-----BEGIN PRIVATE KEY-----\r\nd29y\r\nbGQ=\r\n-----END PRIVATE KEY-----\n";
  char labels[4][48];
  size_t n;
  CHECK_INT(decode_all(t, labels, 4, &n), 0);
  CHECK_INT(n, 2);
  CHECK_STR(labels[0], "CERTIFICATE");
  CHECK_STR(labels[1], "PRIVATE KEY");
}

TEST(pem_body_is_base64_decoded) {
  const char *t = "-----BEGIN X-----\naGVs\nbG8=\n-----END X-----\n";
  const uint8_t *p = (const uint8_t *)t;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, p + strlen(t), &blk), 1);
  CHECK_INT(blk.der_len, 5);
  CHECK(memcmp(blk.der, "hello", 5) == 0);
  CHECK(!blk.has_headers);
  free(blk.der);
}

TEST(pem_headers_are_detected_and_skipped) {
  const char *t = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                  "DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\naGVsbG8=\n"
                  "-----END RSA PRIVATE KEY-----\n";
  const uint8_t *p = (const uint8_t *)t;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, p + strlen(t), &blk), 1);
  CHECK(blk.has_headers);
  CHECK_INT(blk.der_len, 5);
  free(blk.der);
}

TEST(pem_rejects_bad_base64) {
  char labels[1][48];
  size_t n;
  CHECK_ERR(decode_all("-----BEGIN X-----\naGV$bG8=\n-----END X-----\n", labels, 1, &n),
            OTLS_E_PEM_BAD);
  CHECK_ERR(decode_all("-----BEGIN X-----\naGVsbG8\n-----END X-----\n", labels, 1, &n),
            OTLS_E_PEM_BAD); /* missing padding */
  CHECK_ERR(decode_all("-----BEGIN X-----\naG=Vs\n-----END X-----\n", labels, 1, &n),
            OTLS_E_PEM_BAD); /* data after padding */
  CHECK_ERR(decode_all("-----BEGIN X-----\n\n-----END X-----\n", labels, 1, &n),
            OTLS_E_PEM_BAD); /* empty */
}

TEST(pem_rejects_missing_or_mismatched_end) {
  char labels[1][48];
  size_t n;
  CHECK_ERR(decode_all("-----BEGIN X-----\naGVsbG8=\n", labels, 1, &n), OTLS_E_PEM_BAD);
  CHECK_ERR(decode_all("-----BEGIN X-----\naGVsbG8=\n-----END Y-----\n", labels, 1, &n),
            OTLS_E_PEM_BAD);
  CHECK_ERR(decode_all("-----BEGIN ", labels, 1, &n), OTLS_E_PEM_BAD);
}

TEST(pem_without_blocks_finds_nothing) {
  char labels[1][48];
  size_t n;
  CHECK_INT(decode_all("no pem here", labels, 1, &n), 0);
  CHECK_INT(n, 0);
  CHECK_INT(decode_all("", labels, 1, &n), 0);
}

TEST(pem_rejects_oversized_label) {
  char labels[1][48];
  size_t n;
  char t[512];
  char lab[100];
  memset(lab, 'A', 99);
  lab[99] = 0;
  snprintf(t, sizeof(t), "-----BEGIN %s-----\naGVsbG8=\n-----END %s-----\n", lab, lab);
  CHECK_ERR(decode_all(t, labels, 1, &n), OTLS_E_PEM_BAD);
}
