/*
 * omnitls — the BoringSSL backend (Debian's android-libboringssl). The
 * slots shared with OpenSSL come from backends/openssl/ossl_common.c.
 */
#include <openssl/base.h>
#include <openssl/crypto.h>

#include "../openssl/ossl_common.h"

#define STR2(x) #x
#define STR(x) STR2(x)

static const char *boring_version(void) { return "BoringSSL (API " STR(BORINGSSL_API_VERSION) ")"; }

const struct otls_backend otls__backend = {
    .name = "boringssl",
    /*
     * One certificate slot per context (BACKENDS.md §6): no MULTI_CERT.
     * TLS 1.3 suites are fixed: no TLS13_CIPHERS.
     */
    .caps = (1ull << OTLS_CAP_TLS1_3) | (1ull << OTLS_CAP_TLS1_2) | (1ull << OTLS_CAP_TLS1_1) |
            (1ull << OTLS_CAP_TLS1_0) | (1ull << OTLS_CAP_ENCRYPTED_KEYS) |
            (1ull << OTLS_CAP_CLIENT_CERT) | (1ull << OTLS_CAP_CRL) |
            (1ull << OTLS_CAP_CLIENT_CIPHER_ORDER) | (1ull << OTLS_CAP_EXACT_CIPHERS) |
            (1ull << OTLS_CAP_ECDH_CURVE_REFUSAL) | (1ull << OTLS_CAP_TICKET_KEY_ROTATION) |
            (1ull << OTLS_CAP_OCSP_CLIENT) | (1ull << OTLS_CAP_OCSP_STAPLE) |
            (1ull << OTLS_CAP_TLS_TICKET) |
            (1ull << OTLS_CAP_NPN),
    .version = boring_version,
    .global_init = otls__ossl_global_init,
    OTLS__OSSL_COMMON_SLOTS,
};
