/*
 * omnitls — the OpenSSL backend: the slots shared with BoringSSL come from
 * ossl_common.c; this file names the variant and its capabilities.
 */
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "ossl_common.h"

static const char *ossl_version(void) { return OpenSSL_version(OPENSSL_VERSION); }

const struct otls_backend otls__backend = {
    .name = "openssl",
    .caps = (1ull << OTLS_CAP_TLS1_3) | (1ull << OTLS_CAP_TLS1_2) | (1ull << OTLS_CAP_TLS1_1) |
            (1ull << OTLS_CAP_TLS1_0) | (1ull << OTLS_CAP_ENCRYPTED_KEYS) |
            (1ull << OTLS_CAP_CLIENT_CERT) | (1ull << OTLS_CAP_CRL) |
            (1ull << OTLS_CAP_TLS13_CIPHERS) | (1ull << OTLS_CAP_CLIENT_CIPHER_ORDER) |
            (1ull << OTLS_CAP_EXACT_CIPHERS) | (1ull << OTLS_CAP_ECDH_X448) |
            (1ull << OTLS_CAP_ECDH_CURVE_REFUSAL) | (1ull << OTLS_CAP_DHPARAM) |
            (1ull << OTLS_CAP_FINISHED) | (1ull << OTLS_CAP_TICKET_KEY_ROTATION) |
            (1ull << OTLS_CAP_OCSP_CLIENT) | (1ull << OTLS_CAP_OCSP_STAPLE) |
            (1ull << OTLS_CAP_MULTI_CERT) | (1ull << OTLS_CAP_RENEGOTIATION) |
            (1ull << OTLS_CAP_TLS_TICKET) |
            (1ull << OTLS_CAP_NPN),
    .version = ossl_version,
    .global_init = otls__ossl_global_init,
    OTLS__OSSL_COMMON_SLOTS,
};
