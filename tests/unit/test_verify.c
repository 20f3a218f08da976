/* Unit tests for core/verify.c: one canonical code from backend facts. */
#include "internal.h"
#include "otls_test.h"
#include "pem.h"

struct chain {
  struct otls__blob b[4];
  size_t n;
};

static void load_chain(const char *name, struct chain *c) {
  uint8_t *data;
  size_t n;
  CHECK_INT(otls__read_file(pki(name), &data, &n), 0);
  const uint8_t *p = data;
  struct otls__pem_block blk;
  c->n = 0;
  while (c->n < 4 && otls__pem_next(&p, data + n, &blk) == 1) {
    c->b[c->n].data = blk.der;
    c->b[c->n].len = blk.der_len;
    c->n++;
  }
  free(data);
}

static void free_chain(struct chain *c) {
  for (size_t i = 0; i < c->n; i++)
    free((void *)c->b[i].data);
}

TEST(no_peer_certificate_is_unable_to_get_issuer_cert) {
  CHECK_ERR(otls__verify_classify(0, NULL, 0), OTLS_E_UNABLE_TO_GET_ISSUER_CERT);
}

TEST(issuer_failures_are_refined_from_the_chain) {
  struct chain c;
  load_chain("selfsigned.pem", &c);
  CHECK_ERR(otls__verify_classify(OTLS__VF_ISSUER, c.b, c.n), OTLS_E_DEPTH_ZERO_SELF_SIGNED_CERT);
  free_chain(&c);
  load_chain("unknownca-chain.pem", &c);
  CHECK_ERR(otls__verify_classify(OTLS__VF_ISSUER, c.b, c.n),
            OTLS_E_UNABLE_TO_VERIFY_LEAF_SIGNATURE);
  free_chain(&c);
  load_chain("server-rsa-chain.pem", &c);
  CHECK_ERR(otls__verify_classify(OTLS__VF_ISSUER, c.b, c.n),
            OTLS_E_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  free_chain(&c);
  /* leaf + intermediate + a self-signed root that is not trusted */
  struct chain a, r;
  load_chain("server-rsa-chain.pem", &a);
  load_chain("ca.pem", &r);
  a.b[a.n++] = r.b[0];
  CHECK_ERR(otls__verify_classify(OTLS__VF_ISSUER, a.b, a.n), OTLS_E_SELF_SIGNED_CERT_IN_CHAIN);
  free_chain(&a);
}

TEST(later_verification_stages_win_like_openssl) {
  struct chain c;
  load_chain("server-rsa-chain.pem", &c);
  CHECK_ERR(otls__verify_classify(0, c.b, c.n), 0);
  CHECK_ERR(otls__verify_classify(OTLS__VF_ISSUER | OTLS__VF_EXPIRED, c.b, c.n),
            OTLS_E_CERT_HAS_EXPIRED);
  CHECK_ERR(otls__verify_classify(OTLS__VF_REVOKED | OTLS__VF_NOT_YET_VALID, c.b, c.n),
            OTLS_E_CERT_NOT_YET_VALID);
  CHECK_ERR(otls__verify_classify(OTLS__VF_REVOKED | OTLS__VF_ISSUER, c.b, c.n),
            OTLS_E_CERT_REVOKED);
  CHECK_ERR(otls__verify_classify(OTLS__VF_NO_CRL, c.b, c.n), OTLS_E_UNABLE_TO_GET_CRL);
  CHECK_ERR(otls__verify_classify(OTLS__VF_SIGNATURE, c.b, c.n), OTLS_E_CERT_SIGNATURE_FAILURE);
  CHECK_ERR(otls__verify_classify(OTLS__VF_INVALID_CA, c.b, c.n), OTLS_E_INVALID_CA);
  CHECK_ERR(otls__verify_classify(OTLS__VF_PURPOSE, c.b, c.n), OTLS_E_INVALID_PURPOSE);
  CHECK_ERR(otls__verify_classify(OTLS__VF_OTHER, c.b, c.n), OTLS_E_CERT_REJECTED);
  free_chain(&c);
}
