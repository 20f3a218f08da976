/*
 * omnitls — one canonical verification result from backend facts.
 *
 * Backends report what they found (OTLS__VF_*); this file picks the code the
 * user sees, the same on every backend. Where several problems exist, the one
 * OpenSSL (and so Node.js) would report is chosen: OpenSSL's verifier, run
 * with a callback that accepts every error, leaves the *last* error it met —
 * chain building, then extensions, then revocation, then per certificate
 * signature and validity period — so later stages win.
 *
 * "Issuer" failures are refined from the chain the peer sent, because some
 * backends (wolfSSL, GnuTLS) cannot tell them apart:
 *   one certificate, self-issued          -> DEPTH_ZERO_SELF_SIGNED_CERT
 *   last certificate sent is self-issued  -> SELF_SIGNED_CERT_IN_CHAIN
 *   one certificate                       -> UNABLE_TO_VERIFY_LEAF_SIGNATURE
 *   otherwise                             -> UNABLE_TO_GET_ISSUER_CERT_LOCALLY
 */
#include "internal.h"
#include "x509.h"

static int classify_issuer(const struct otls__blob *chain, size_t n) {
  struct otls__x509 x;
  if (n == 1) {
    if (otls__x509_parse(chain[0].data, chain[0].len, &x) == 0 && otls__x509_self_issued(&x))
      return OTLS_E_DEPTH_ZERO_SELF_SIGNED_CERT;
    return OTLS_E_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
  }
  if (otls__x509_parse(chain[n - 1].data, chain[n - 1].len, &x) == 0 && otls__x509_self_issued(&x))
    return OTLS_E_SELF_SIGNED_CERT_IN_CHAIN;
  return OTLS_E_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
}

int otls__verify_classify(unsigned facts, const struct otls__blob *chain, size_t n) {
  if (n == 0)
    return OTLS_E_UNABLE_TO_GET_ISSUER_CERT; /* Node: no peer certificate */
  if (facts & OTLS__VF_EXPIRED)
    return OTLS_E_CERT_HAS_EXPIRED;
  if (facts & OTLS__VF_NOT_YET_VALID)
    return OTLS_E_CERT_NOT_YET_VALID;
  if (facts & OTLS__VF_SIGNATURE)
    return OTLS_E_CERT_SIGNATURE_FAILURE;
  if (facts & OTLS__VF_REVOKED)
    return OTLS_E_CERT_REVOKED;
  if (facts & OTLS__VF_NO_CRL)
    return OTLS_E_UNABLE_TO_GET_CRL;
  if (facts & OTLS__VF_INVALID_CA)
    return OTLS_E_INVALID_CA;
  if (facts & OTLS__VF_PURPOSE)
    return OTLS_E_INVALID_PURPOSE;
  if (facts & OTLS__VF_ISSUER)
    return classify_issuer(chain, n);
  if (facts & OTLS__VF_OTHER)
    return OTLS_E_CERT_REJECTED;
  return 0;
}
