/*
 * omnitls — PKCS#12 bundles (`pfx`) (private). Core checks a bundle's
 * structure and its encryption algorithms, the backend opens it
 * (backend.h: pkcs12_parse), and core turns the result into a normal
 * key/certificate pair: the chain in order, the key as unencrypted PKCS#8
 * PEM.
 */
#ifndef OTLS_CORE_PKCS12_H
#define OTLS_CORE_PKCS12_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/*
 * Check that `der` is exactly one DER PFX (RFC 7292 §4): version, an
 * authSafe of type data holding ContentInfos of type data or
 * encryptedData, and every encryption algorithm visible without the
 * password (encryptedData and shrouded key bags) one that every backend
 * opens: PBES2 with PBKDF2 and AES-CBC or DES-EDE3-CBC, or PKCS#12
 * pbeWithSHAAnd3-KeyTripleDES-CBC. Returns 0, OTLS_E_DER_BAD (malformed),
 * or OTLS_E_UNSUPPORTED_PFX (another algorithm or content type: RC2, RC4,
 * DES, public-key integrity or privacy mode; or no MAC at all, which
 * OpenSSL 3.0, hence Node v20, refuses: "mac absent").
 */
int otls__pkcs12_check(const uint8_t *der, size_t len, char *detail, size_t detail_len);

/*
 * Open a bundle with `pass` (NULL = the empty password) through the
 * backend: checks it (above), then fills `chain` (leaf first, then its
 * issuers from the bundle in chain order, then any other certificates in
 * a fixed order) and `*key_pem` (malloc'ed, NUL-terminated, unencrypted
 * PKCS#8 "PRIVATE KEY" PEM; the caller wipes and frees it). Returns 0 or
 * the errors of otls__pkcs12_check() and of the backend's pkcs12_parse()
 * (OTLS_E_BAD_DECRYPT, OTLS_E_DER_BAD, OTLS_E_NO_CERT, OTLS_E_NOMEM).
 */
int otls__pkcs12_load(const uint8_t *der, size_t len, const char *pass,
                      struct otls__der_list *chain, char **key_pem, size_t *key_pem_len,
                      char *detail, size_t detail_len);

/*
 * Wrap a private key into PKCS#8 PrivateKeyInfo when it is in its
 * algorithm's own form (RSAPrivateKey, ECPrivateKey, ...), with the
 * AlgorithmIdentifier of `spki` (the matching certificate's
 * SubjectPublicKeyInfo, full TLV); a PrivateKeyInfo is copied as it is.
 * *out is malloc'ed. Returns 0, OTLS_E_DER_BAD or OTLS_E_NOMEM.
 */
int otls__pkcs8_wrap(const uint8_t *key, size_t key_len, const struct otls__blob *spki,
                     uint8_t **out, size_t *out_len);

#endif
