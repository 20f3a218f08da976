/*
 * omnitls — the one cipher-suite table. Every name omnitls reports comes
 * from here; backends only report the two-byte id (DESIGN.md §1).
 *
 * The TLS <= 1.2 rows are in the order of OpenSSL 3.0's own table
 * (ssl/s3_lib.c), because OpenSSL breaks ties between equally preferred
 * suites by that order and core/ciphers.c must reproduce its choices. The
 * attributes are those `openssl ciphers -V` reports on OpenSSL 3.0, and the
 * HIGH / FIPS / NOT_DEFAULT classes those of its HIGH, FIPS and
 * COMPLEMENTOFDEFAULT aliases; the 3DES rows (compiled out of OpenSSL 3's
 * default build, "weak-ssl-ciphers") carry OpenSSL's source values.
 *
 * The backend column says who implements each suite, as each library
 * reports it on Debian 12 (OpenSSL 3.0: `ALL:COMPLEMENTOFALL` plus the TLS
 * 1.3 CCM suites; BoringSSL: SSL_CTX_get_ciphers() after "ALL" plus its
 * three fixed TLS 1.3 suites; wolfSSL 5.5.4: wolfSSL_get_ciphers_iana();
 * GnuTLS 3.7.9: gnutls_cipher_suite_info()). Suites no OpenSSL build has a
 * name for (GnuTLS's Camellia-GCM, wolfSSL's ECDHE-PSK-AES-GCM, ...) and
 * RC4 are not listed.
 */
#include <string.h>

#include "ciphers.h"
#include "internal.h"

/* clang-format off */
#define T(id_, v_, name_, iana_, kx_, au_, enc_, mac_, str_, bits_, alg_, bk_)                   \
  {.id = (id_), .min_version = OTLS__##v_, .name = (name_), .iana = (iana_),                     \
   .kx = OTLS__KX_##kx_, .auth = OTLS__AU_##au_, .enc = OTLS__ENC_##enc_,                        \
   .mac = OTLS__MAC_##mac_, .strength = (str_), .bits = (bits_), .alg_bits = (alg_),             \
   .backends = (bk_)}
/* Shorthands for the table only. */
#define HI OTLS__STR_HIGH
#define MED OTLS__STR_MEDIUM
#define NUL OTLS__STR_NONE
#define FIPS OTLS__STR_FIPS
#define ND OTLS__STR_NOT_DEFAULT
#define O OTLS__BK_OPENSSL
#define B OTLS__BK_BORINGSSL
#define W OTLS__BK_WOLFSSL
#define G OTLS__BK_GNUTLS

/*  T(id, minimum version, OpenSSL name, IANA name,
 *    kx, auth, enc, mac, strength classes, strength bits, key bits, backends) */
const struct otls__suite otls__suites[] = {
    T(0x1301, TLS1_3, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
      ANY,      ANY,   AES128GCM,        AEAD,   HI,              128, 128, O | B | W | G),
    T(0x1302, TLS1_3, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384",
      ANY,      ANY,   AES256GCM,        AEAD,   HI,              256, 256, O | B | W | G),
    T(0x1303, TLS1_3, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
      ANY,      ANY,   CHACHA20POLY1305, AEAD,   HI,              256, 256, O | B | W | G),
    T(0x1304, TLS1_3, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256",
      ANY,      ANY,   AES128CCM,        AEAD,   HI | ND,         128, 128, O | W | G),
    T(0x1305, TLS1_3, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256",
      ANY,      ANY,   AES128CCM8,       AEAD,   HI | ND,         128, 128, O | W | G),
    T(0x0001, SSL3, "NULL-MD5", "TLS_RSA_WITH_NULL_MD5",
      RSA,      RSA,   eNULL,            MD5,    NUL,             0,   0,   O | G),
    T(0x0002, SSL3, "NULL-SHA", "TLS_RSA_WITH_NULL_SHA",
      RSA,      RSA,   eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | G),
    T(0x000A, SSL3, "DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
      RSA,      RSA,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, B | G),
    T(0x0013, SSL3, "DHE-DSS-DES-CBC3-SHA", "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
      DHE,      DSS,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, G),
    T(0x0016, SSL3, "DHE-RSA-DES-CBC3-SHA", "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
      DHE,      RSA,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, W | G),
    T(0x001B, SSL3, "ADH-DES-CBC3-SHA", "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
      DHE,      NULL,  3DES,             SHA1,   MED | ND | FIPS, 112, 168, G),
    T(0x002F, SSL3, "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
      RSA,      RSA,   AES128,           SHA1,   HI | FIPS,       128, 128, O | B | G),
    T(0x0032, SSL3, "DHE-DSS-AES128-SHA", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
      DHE,      DSS,   AES128,           SHA1,   HI | FIPS | ND,  128, 128, O | G),
    T(0x0033, SSL3, "DHE-RSA-AES128-SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
      DHE,      RSA,   AES128,           SHA1,   HI | FIPS,       128, 128, O | W | G),
    T(0x0034, SSL3, "ADH-AES128-SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA",
      DHE,      NULL,  AES128,           SHA1,   HI | FIPS | ND,  128, 128, O | W | G),
    T(0x0035, SSL3, "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA",
      RSA,      RSA,   AES256,           SHA1,   HI | FIPS,       256, 256, O | B | G),
    T(0x0038, SSL3, "DHE-DSS-AES256-SHA", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
      DHE,      DSS,   AES256,           SHA1,   HI | FIPS | ND,  256, 256, O | G),
    T(0x0039, SSL3, "DHE-RSA-AES256-SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
      DHE,      RSA,   AES256,           SHA1,   HI | FIPS,       256, 256, O | W | G),
    T(0x003A, SSL3, "ADH-AES256-SHA", "TLS_DH_anon_WITH_AES_256_CBC_SHA",
      DHE,      NULL,  AES256,           SHA1,   HI | FIPS | ND,  256, 256, O | G),
    T(0x003B, TLS1_2, "NULL-SHA256", "TLS_RSA_WITH_NULL_SHA256",
      RSA,      RSA,   eNULL,            SHA256, NUL | FIPS,      0,   0,   O | G),
    T(0x003C, TLS1_2, "AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256",
      RSA,      RSA,   AES128,           SHA256, HI | FIPS,       128, 128, O | G),
    T(0x003D, TLS1_2, "AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256",
      RSA,      RSA,   AES256,           SHA256, HI | FIPS,       256, 256, O | G),
    T(0x0040, TLS1_2, "DHE-DSS-AES128-SHA256", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
      DHE,      DSS,   AES128,           SHA256, HI | FIPS | ND,  128, 128, O | G),
    T(0x0067, TLS1_2, "DHE-RSA-AES128-SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
      DHE,      RSA,   AES128,           SHA256, HI | FIPS,       128, 128, O | W | G),
    T(0x006A, TLS1_2, "DHE-DSS-AES256-SHA256", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
      DHE,      DSS,   AES256,           SHA256, HI | FIPS | ND,  256, 256, O | G),
    T(0x006B, TLS1_2, "DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
      DHE,      RSA,   AES256,           SHA256, HI | FIPS,       256, 256, O | W | G),
    T(0x006C, TLS1_2, "ADH-AES128-SHA256", "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
      DHE,      NULL,  AES128,           SHA256, HI | FIPS | ND,  128, 128, O | G),
    T(0x006D, TLS1_2, "ADH-AES256-SHA256", "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
      DHE,      NULL,  AES256,           SHA256, HI | FIPS | ND,  256, 256, O | G),
    T(0x009C, TLS1_2, "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
      RSA,      RSA,   AES128GCM,        AEAD,   HI | FIPS,       128, 128, O | B | G),
    T(0x009D, TLS1_2, "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384",
      RSA,      RSA,   AES256GCM,        AEAD,   HI | FIPS,       256, 256, O | B | G),
    T(0x009E, TLS1_2, "DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
      DHE,      RSA,   AES128GCM,        AEAD,   HI | FIPS,       128, 128, O | W | G),
    T(0x009F, TLS1_2, "DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
      DHE,      RSA,   AES256GCM,        AEAD,   HI | FIPS,       256, 256, O | W | G),
    T(0x00A2, TLS1_2, "DHE-DSS-AES128-GCM-SHA256", "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
      DHE,      DSS,   AES128GCM,        AEAD,   HI | FIPS | ND,  128, 128, O | G),
    T(0x00A3, TLS1_2, "DHE-DSS-AES256-GCM-SHA384", "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
      DHE,      DSS,   AES256GCM,        AEAD,   HI | FIPS | ND,  256, 256, O | G),
    T(0x00A6, TLS1_2, "ADH-AES128-GCM-SHA256", "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
      DHE,      NULL,  AES128GCM,        AEAD,   HI | FIPS | ND,  128, 128, O | G),
    T(0x00A7, TLS1_2, "ADH-AES256-GCM-SHA384", "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
      DHE,      NULL,  AES256GCM,        AEAD,   HI | FIPS | ND,  256, 256, O | W | G),
    T(0xC09C, TLS1_2, "AES128-CCM", "TLS_RSA_WITH_AES_128_CCM",
      RSA,      RSA,   AES128CCM,        AEAD,   HI | ND,         128, 128, O | G),
    T(0xC09D, TLS1_2, "AES256-CCM", "TLS_RSA_WITH_AES_256_CCM",
      RSA,      RSA,   AES256CCM,        AEAD,   HI | ND,         256, 256, O | G),
    T(0xC09E, TLS1_2, "DHE-RSA-AES128-CCM", "TLS_DHE_RSA_WITH_AES_128_CCM",
      DHE,      RSA,   AES128CCM,        AEAD,   HI | ND,         128, 128, O | G),
    T(0xC09F, TLS1_2, "DHE-RSA-AES256-CCM", "TLS_DHE_RSA_WITH_AES_256_CCM",
      DHE,      RSA,   AES256CCM,        AEAD,   HI | ND,         256, 256, O | G),
    T(0xC0A0, TLS1_2, "AES128-CCM8", "TLS_RSA_WITH_AES_128_CCM_8",
      RSA,      RSA,   AES128CCM8,       AEAD,   HI | ND,         128, 128, O | G),
    T(0xC0A1, TLS1_2, "AES256-CCM8", "TLS_RSA_WITH_AES_256_CCM_8",
      RSA,      RSA,   AES256CCM8,       AEAD,   HI | ND,         256, 256, O | G),
    T(0xC0A2, TLS1_2, "DHE-RSA-AES128-CCM8", "TLS_DHE_RSA_WITH_AES_128_CCM_8",
      DHE,      RSA,   AES128CCM8,       AEAD,   HI | ND,         128, 128, O | G),
    T(0xC0A3, TLS1_2, "DHE-RSA-AES256-CCM8", "TLS_DHE_RSA_WITH_AES_256_CCM_8",
      DHE,      RSA,   AES256CCM8,       AEAD,   HI | ND,         256, 256, O | G),
    T(0xC0A4, TLS1_2, "PSK-AES128-CCM", "TLS_PSK_WITH_AES_128_CCM",
      PSK,      PSK,   AES128CCM,        AEAD,   HI | ND,         128, 128, O | G),
    T(0xC0A5, TLS1_2, "PSK-AES256-CCM", "TLS_PSK_WITH_AES_256_CCM",
      PSK,      PSK,   AES256CCM,        AEAD,   HI | ND,         256, 256, O | G),
    T(0xC0A6, TLS1_2, "DHE-PSK-AES128-CCM", "TLS_DHE_PSK_WITH_AES_128_CCM",
      DHEPSK,   PSK,   AES128CCM,        AEAD,   HI | ND,         128, 128, O | W | G),
    T(0xC0A7, TLS1_2, "DHE-PSK-AES256-CCM", "TLS_DHE_PSK_WITH_AES_256_CCM",
      DHEPSK,   PSK,   AES256CCM,        AEAD,   HI | ND,         256, 256, O | W | G),
    T(0xC0A8, TLS1_2, "PSK-AES128-CCM8", "TLS_PSK_WITH_AES_128_CCM_8",
      PSK,      PSK,   AES128CCM8,       AEAD,   HI | ND,         128, 128, O | G),
    T(0xC0A9, TLS1_2, "PSK-AES256-CCM8", "TLS_PSK_WITH_AES_256_CCM_8",
      PSK,      PSK,   AES256CCM8,       AEAD,   HI | ND,         256, 256, O | G),
    T(0xC0AA, TLS1_2, "DHE-PSK-AES128-CCM8", "TLS_PSK_DHE_WITH_AES_128_CCM_8",
      DHEPSK,   PSK,   AES128CCM8,       AEAD,   HI | ND,         128, 128, O | G),
    T(0xC0AB, TLS1_2, "DHE-PSK-AES256-CCM8", "TLS_PSK_DHE_WITH_AES_256_CCM_8",
      DHEPSK,   PSK,   AES256CCM8,       AEAD,   HI | ND,         256, 256, O | G),
    T(0xC0AC, TLS1_2, "ECDHE-ECDSA-AES128-CCM", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
      ECDHE,    ECDSA, AES128CCM,        AEAD,   HI | ND,         128, 128, O | W | G),
    T(0xC0AD, TLS1_2, "ECDHE-ECDSA-AES256-CCM", "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
      ECDHE,    ECDSA, AES256CCM,        AEAD,   HI | ND,         256, 256, O | G),
    T(0xC0AE, TLS1_2, "ECDHE-ECDSA-AES128-CCM8", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
      ECDHE,    ECDSA, AES128CCM8,       AEAD,   HI | ND,         128, 128, O | W | G),
    T(0xC0AF, TLS1_2, "ECDHE-ECDSA-AES256-CCM8", "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
      ECDHE,    ECDSA, AES256CCM8,       AEAD,   HI | ND,         256, 256, O | W | G),
    T(0xC006, TLS1_0, "ECDHE-ECDSA-NULL-SHA", "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
      ECDHE,    ECDSA, eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | W | G),
    T(0xC008, TLS1_0, "ECDHE-ECDSA-DES-CBC3-SHA", "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
      ECDHE,    ECDSA, 3DES,             SHA1,   MED | ND | FIPS, 112, 168, W | G),
    T(0xC009, TLS1_0, "ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
      ECDHE,    ECDSA, AES128,           SHA1,   HI | FIPS,       128, 128, O | B | W | G),
    T(0xC00A, TLS1_0, "ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      ECDHE,    ECDSA, AES256,           SHA1,   HI | FIPS,       256, 256, O | B | W | G),
    T(0xC010, TLS1_0, "ECDHE-RSA-NULL-SHA", "TLS_ECDHE_RSA_WITH_NULL_SHA",
      ECDHE,    RSA,   eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | G),
    T(0xC012, TLS1_0, "ECDHE-RSA-DES-CBC3-SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
      ECDHE,    RSA,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, W | G),
    T(0xC013, TLS1_0, "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
      ECDHE,    RSA,   AES128,           SHA1,   HI | FIPS,       128, 128, O | B | W | G),
    T(0xC014, TLS1_0, "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      ECDHE,    RSA,   AES256,           SHA1,   HI | FIPS,       256, 256, O | B | W | G),
    T(0xC015, TLS1_0, "AECDH-NULL-SHA", "TLS_ECDH_anon_WITH_NULL_SHA",
      ECDHE,    NULL,  eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | G),
    T(0xC017, TLS1_0, "AECDH-DES-CBC3-SHA", "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
      ECDHE,    NULL,  3DES,             SHA1,   MED | ND | FIPS, 112, 168, G),
    T(0xC018, TLS1_0, "AECDH-AES128-SHA", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
      ECDHE,    NULL,  AES128,           SHA1,   HI | FIPS | ND,  128, 128, O | G),
    T(0xC019, TLS1_0, "AECDH-AES256-SHA", "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
      ECDHE,    NULL,  AES256,           SHA1,   HI | FIPS | ND,  256, 256, O | G),
    T(0xC023, TLS1_2, "ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      ECDHE,    ECDSA, AES128,           SHA256, HI | FIPS,       128, 128, O | W | G),
    T(0xC024, TLS1_2, "ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
      ECDHE,    ECDSA, AES256,           SHA384, HI | FIPS,       256, 256, O | W | G),
    T(0xC027, TLS1_2, "ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
      ECDHE,    RSA,   AES128,           SHA256, HI | FIPS,       128, 128, O | W | G),
    T(0xC028, TLS1_2, "ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
      ECDHE,    RSA,   AES256,           SHA384, HI | FIPS,       256, 256, O | W | G),
    T(0xC02B, TLS1_2, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      ECDHE,    ECDSA, AES128GCM,        AEAD,   HI | FIPS,       128, 128, O | B | W | G),
    T(0xC02C, TLS1_2, "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      ECDHE,    ECDSA, AES256GCM,        AEAD,   HI | FIPS,       256, 256, O | B | W | G),
    T(0xC02F, TLS1_2, "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      ECDHE,    RSA,   AES128GCM,        AEAD,   HI | FIPS,       128, 128, O | B | W | G),
    T(0xC030, TLS1_2, "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      ECDHE,    RSA,   AES256GCM,        AEAD,   HI | FIPS,       256, 256, O | B | W | G),
    T(0x002C, SSL3, "PSK-NULL-SHA", "TLS_PSK_WITH_NULL_SHA",
      PSK,      PSK,   eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | G),
    T(0x002D, SSL3, "DHE-PSK-NULL-SHA", "TLS_DHE_PSK_WITH_NULL_SHA",
      DHEPSK,   PSK,   eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | G),
    T(0x002E, SSL3, "RSA-PSK-NULL-SHA", "TLS_RSA_PSK_WITH_NULL_SHA",
      RSAPSK,   RSA,   eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | G),
    T(0x008B, SSL3, "PSK-3DES-EDE-CBC-SHA", "TLS_PSK_WITH_3DES_EDE_CBC_SHA",
      PSK,      PSK,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, G),
    T(0x008C, SSL3, "PSK-AES128-CBC-SHA", "TLS_PSK_WITH_AES_128_CBC_SHA",
      PSK,      PSK,   AES128,           SHA1,   HI | FIPS,       128, 128, O | B | G),
    T(0x008D, SSL3, "PSK-AES256-CBC-SHA", "TLS_PSK_WITH_AES_256_CBC_SHA",
      PSK,      PSK,   AES256,           SHA1,   HI | FIPS,       256, 256, O | B | G),
    T(0x008F, SSL3, "DHE-PSK-3DES-EDE-CBC-SHA", "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA",
      DHEPSK,   PSK,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, G),
    T(0x0090, SSL3, "DHE-PSK-AES128-CBC-SHA", "TLS_DHE_PSK_WITH_AES_128_CBC_SHA",
      DHEPSK,   PSK,   AES128,           SHA1,   HI | FIPS,       128, 128, O | G),
    T(0x0091, SSL3, "DHE-PSK-AES256-CBC-SHA", "TLS_DHE_PSK_WITH_AES_256_CBC_SHA",
      DHEPSK,   PSK,   AES256,           SHA1,   HI | FIPS,       256, 256, O | G),
    T(0x0093, SSL3, "RSA-PSK-3DES-EDE-CBC-SHA", "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA",
      RSAPSK,   RSA,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, G),
    T(0x0094, SSL3, "RSA-PSK-AES128-CBC-SHA", "TLS_RSA_PSK_WITH_AES_128_CBC_SHA",
      RSAPSK,   RSA,   AES128,           SHA1,   HI | FIPS,       128, 128, O | G),
    T(0x0095, SSL3, "RSA-PSK-AES256-CBC-SHA", "TLS_RSA_PSK_WITH_AES_256_CBC_SHA",
      RSAPSK,   RSA,   AES256,           SHA1,   HI | FIPS,       256, 256, O | G),
    T(0x00A8, TLS1_2, "PSK-AES128-GCM-SHA256", "TLS_PSK_WITH_AES_128_GCM_SHA256",
      PSK,      PSK,   AES128GCM,        AEAD,   HI | FIPS,       128, 128, O | G),
    T(0x00A9, TLS1_2, "PSK-AES256-GCM-SHA384", "TLS_PSK_WITH_AES_256_GCM_SHA384",
      PSK,      PSK,   AES256GCM,        AEAD,   HI | FIPS,       256, 256, O | G),
    T(0x00AA, TLS1_2, "DHE-PSK-AES128-GCM-SHA256", "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
      DHEPSK,   PSK,   AES128GCM,        AEAD,   HI | FIPS,       128, 128, O | W | G),
    T(0x00AB, TLS1_2, "DHE-PSK-AES256-GCM-SHA384", "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384",
      DHEPSK,   PSK,   AES256GCM,        AEAD,   HI | FIPS,       256, 256, O | W | G),
    T(0x00AC, TLS1_2, "RSA-PSK-AES128-GCM-SHA256", "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256",
      RSAPSK,   RSA,   AES128GCM,        AEAD,   HI | FIPS,       128, 128, O | G),
    T(0x00AD, TLS1_2, "RSA-PSK-AES256-GCM-SHA384", "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384",
      RSAPSK,   RSA,   AES256GCM,        AEAD,   HI | FIPS,       256, 256, O | G),
    T(0x00AE, TLS1_0, "PSK-AES128-CBC-SHA256", "TLS_PSK_WITH_AES_128_CBC_SHA256",
      PSK,      PSK,   AES128,           SHA256, HI | FIPS,       128, 128, O | G),
    T(0x00AF, TLS1_0, "PSK-AES256-CBC-SHA384", "TLS_PSK_WITH_AES_256_CBC_SHA384",
      PSK,      PSK,   AES256,           SHA384, HI | FIPS,       256, 256, O | G),
    T(0x00B0, TLS1_0, "PSK-NULL-SHA256", "TLS_PSK_WITH_NULL_SHA256",
      PSK,      PSK,   eNULL,            SHA256, NUL | FIPS,      0,   0,   O | G),
    T(0x00B1, TLS1_0, "PSK-NULL-SHA384", "TLS_PSK_WITH_NULL_SHA384",
      PSK,      PSK,   eNULL,            SHA384, NUL | FIPS,      0,   0,   O | G),
    T(0x00B2, TLS1_0, "DHE-PSK-AES128-CBC-SHA256", "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256",
      DHEPSK,   PSK,   AES128,           SHA256, HI | FIPS,       128, 128, O | W | G),
    T(0x00B3, TLS1_0, "DHE-PSK-AES256-CBC-SHA384", "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384",
      DHEPSK,   PSK,   AES256,           SHA384, HI | FIPS,       256, 256, O | W | G),
    T(0x00B4, TLS1_0, "DHE-PSK-NULL-SHA256", "TLS_DHE_PSK_WITH_NULL_SHA256",
      DHEPSK,   PSK,   eNULL,            SHA256, NUL | FIPS,      0,   0,   O | W | G),
    T(0x00B5, TLS1_0, "DHE-PSK-NULL-SHA384", "TLS_DHE_PSK_WITH_NULL_SHA384",
      DHEPSK,   PSK,   eNULL,            SHA384, NUL | FIPS,      0,   0,   O | W | G),
    T(0x00B6, TLS1_0, "RSA-PSK-AES128-CBC-SHA256", "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256",
      RSAPSK,   RSA,   AES128,           SHA256, HI | FIPS,       128, 128, O | G),
    T(0x00B7, TLS1_0, "RSA-PSK-AES256-CBC-SHA384", "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384",
      RSAPSK,   RSA,   AES256,           SHA384, HI | FIPS,       256, 256, O | G),
    T(0x00B8, TLS1_0, "RSA-PSK-NULL-SHA256", "TLS_RSA_PSK_WITH_NULL_SHA256",
      RSAPSK,   RSA,   eNULL,            SHA256, NUL | FIPS,      0,   0,   O | G),
    T(0x00B9, TLS1_0, "RSA-PSK-NULL-SHA384", "TLS_RSA_PSK_WITH_NULL_SHA384",
      RSAPSK,   RSA,   eNULL,            SHA384, NUL | FIPS,      0,   0,   O | G),
    T(0xC01A, SSL3, "SRP-3DES-EDE-CBC-SHA", "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA",
      SRP,      SRP,   3DES,             SHA1,   MED | ND,        112, 168, G),
    T(0xC01B, SSL3, "SRP-RSA-3DES-EDE-CBC-SHA", "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA",
      SRP,      RSA,   3DES,             SHA1,   MED | ND,        112, 168, G),
    T(0xC01C, SSL3, "SRP-DSS-3DES-EDE-CBC-SHA", "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA",
      SRP,      DSS,   3DES,             SHA1,   MED | ND,        112, 168, G),
    T(0xC01D, SSL3, "SRP-AES-128-CBC-SHA", "TLS_SRP_SHA_WITH_AES_128_CBC_SHA",
      SRP,      SRP,   AES128,           SHA1,   HI,              128, 128, O | G),
    T(0xC01E, SSL3, "SRP-RSA-AES-128-CBC-SHA", "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA",
      SRP,      RSA,   AES128,           SHA1,   HI,              128, 128, O | G),
    T(0xC01F, SSL3, "SRP-DSS-AES-128-CBC-SHA", "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA",
      SRP,      DSS,   AES128,           SHA1,   HI | ND,         128, 128, O | G),
    T(0xC020, SSL3, "SRP-AES-256-CBC-SHA", "TLS_SRP_SHA_WITH_AES_256_CBC_SHA",
      SRP,      SRP,   AES256,           SHA1,   HI,              256, 256, O | G),
    T(0xC021, SSL3, "SRP-RSA-AES-256-CBC-SHA", "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA",
      SRP,      RSA,   AES256,           SHA1,   HI,              256, 256, O | G),
    T(0xC022, SSL3, "SRP-DSS-AES-256-CBC-SHA", "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA",
      SRP,      DSS,   AES256,           SHA1,   HI | ND,         256, 256, O | G),
    T(0xC034, TLS1_0, "ECDHE-PSK-3DES-EDE-CBC-SHA", "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA",
      ECDHEPSK, PSK,   3DES,             SHA1,   MED | ND | FIPS, 112, 168, G),
    T(0xC035, TLS1_0, "ECDHE-PSK-AES128-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
      ECDHEPSK, PSK,   AES128,           SHA1,   HI | FIPS,       128, 128, O | B | G),
    T(0xC036, TLS1_0, "ECDHE-PSK-AES256-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
      ECDHEPSK, PSK,   AES256,           SHA1,   HI | FIPS,       256, 256, O | B | G),
    T(0xC037, TLS1_0, "ECDHE-PSK-AES128-CBC-SHA256", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
      ECDHEPSK, PSK,   AES128,           SHA256, HI | FIPS,       128, 128, O | W | G),
    T(0xC038, TLS1_0, "ECDHE-PSK-AES256-CBC-SHA384", "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
      ECDHEPSK, PSK,   AES256,           SHA384, HI | FIPS,       256, 256, O | G),
    T(0xC039, TLS1_0, "ECDHE-PSK-NULL-SHA", "TLS_ECDHE_PSK_WITH_NULL_SHA",
      ECDHEPSK, PSK,   eNULL,            SHA1,   NUL | FIPS,      0,   0,   O | G),
    T(0xC03A, TLS1_0, "ECDHE-PSK-NULL-SHA256", "TLS_ECDHE_PSK_WITH_NULL_SHA256",
      ECDHEPSK, PSK,   eNULL,            SHA256, NUL | FIPS,      0,   0,   O | W | G),
    T(0xC03B, TLS1_0, "ECDHE-PSK-NULL-SHA384", "TLS_ECDHE_PSK_WITH_NULL_SHA384",
      ECDHEPSK, PSK,   eNULL,            SHA384, NUL | FIPS,      0,   0,   O | G),
    T(0xCCAA, TLS1_2, "DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      DHE,      RSA,   CHACHA20POLY1305, AEAD,   HI,              256, 256, O | W | G),
    T(0xCCA8, TLS1_2, "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      ECDHE,    RSA,   CHACHA20POLY1305, AEAD,   HI,              256, 256, O | B | W | G),
    T(0xCCA9, TLS1_2, "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      ECDHE,    ECDSA, CHACHA20POLY1305, AEAD,   HI,              256, 256, O | B | W | G),
    T(0xCCAB, TLS1_2, "PSK-CHACHA20-POLY1305", "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
      PSK,      PSK,   CHACHA20POLY1305, AEAD,   HI,              256, 256, O | W | G),
    T(0xCCAC, TLS1_2, "ECDHE-PSK-CHACHA20-POLY1305", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
      ECDHEPSK, PSK,   CHACHA20POLY1305, AEAD,   HI,              256, 256, O | B | W | G),
    T(0xCCAD, TLS1_2, "DHE-PSK-CHACHA20-POLY1305", "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
      DHEPSK,   PSK,   CHACHA20POLY1305, AEAD,   HI,              256, 256, O | W | G),
    T(0xCCAE, TLS1_2, "RSA-PSK-CHACHA20-POLY1305", "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256",
      RSAPSK,   RSA,   CHACHA20POLY1305, AEAD,   HI,              256, 256, O | G),
    T(0x00BA, TLS1_2, "CAMELLIA128-SHA256", "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
      RSA,      RSA,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0x00BD, TLS1_2, "DHE-DSS-CAMELLIA128-SHA256", "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
      DHE,      DSS,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0x00BE, TLS1_2, "DHE-RSA-CAMELLIA128-SHA256", "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
      DHE,      RSA,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | W | G),
    T(0x00BF, TLS1_2, "ADH-CAMELLIA128-SHA256", "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
      DHE,      NULL,  CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0x00C0, TLS1_2, "CAMELLIA256-SHA256", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
      RSA,      RSA,   CAMELLIA256,      SHA256, HI | ND,         256, 256, O | G),
    T(0x00C3, TLS1_2, "DHE-DSS-CAMELLIA256-SHA256", "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
      DHE,      DSS,   CAMELLIA256,      SHA256, HI | ND,         256, 256, O | G),
    T(0x00C4, TLS1_2, "DHE-RSA-CAMELLIA256-SHA256", "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
      DHE,      RSA,   CAMELLIA256,      SHA256, HI | ND,         256, 256, O | W | G),
    T(0x00C5, TLS1_2, "ADH-CAMELLIA256-SHA256", "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
      DHE,      NULL,  CAMELLIA256,      SHA256, HI | ND,         256, 256, O | G),
    T(0x0084, SSL3, "CAMELLIA256-SHA", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
      RSA,      RSA,   CAMELLIA256,      SHA1,   HI | ND,         256, 256, O | G),
    T(0x0087, SSL3, "DHE-DSS-CAMELLIA256-SHA", "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
      DHE,      DSS,   CAMELLIA256,      SHA1,   HI | ND,         256, 256, O | G),
    T(0x0088, SSL3, "DHE-RSA-CAMELLIA256-SHA", "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
      DHE,      RSA,   CAMELLIA256,      SHA1,   HI | ND,         256, 256, O | W | G),
    T(0x0089, SSL3, "ADH-CAMELLIA256-SHA", "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA",
      DHE,      NULL,  CAMELLIA256,      SHA1,   HI | ND,         256, 256, O | G),
    T(0x0041, SSL3, "CAMELLIA128-SHA", "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
      RSA,      RSA,   CAMELLIA128,      SHA1,   HI | ND,         128, 128, O | G),
    T(0x0044, SSL3, "DHE-DSS-CAMELLIA128-SHA", "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
      DHE,      DSS,   CAMELLIA128,      SHA1,   HI | ND,         128, 128, O | G),
    T(0x0045, SSL3, "DHE-RSA-CAMELLIA128-SHA", "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
      DHE,      RSA,   CAMELLIA128,      SHA1,   HI | ND,         128, 128, O | W | G),
    T(0x0046, SSL3, "ADH-CAMELLIA128-SHA", "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA",
      DHE,      NULL,  CAMELLIA128,      SHA1,   HI | ND,         128, 128, O | G),
    T(0xC072, TLS1_2, "ECDHE-ECDSA-CAMELLIA128-SHA256", "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
      ECDHE,    ECDSA, CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0xC073, TLS1_2, "ECDHE-ECDSA-CAMELLIA256-SHA384", "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
      ECDHE,    ECDSA, CAMELLIA256,      SHA384, HI | ND,         256, 256, O | G),
    T(0xC076, TLS1_2, "ECDHE-RSA-CAMELLIA128-SHA256", "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
      ECDHE,    RSA,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0xC077, TLS1_2, "ECDHE-RSA-CAMELLIA256-SHA384", "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
      ECDHE,    RSA,   CAMELLIA256,      SHA384, HI | ND,         256, 256, O | G),
    T(0xC094, TLS1_0, "PSK-CAMELLIA128-SHA256", "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256",
      PSK,      PSK,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0xC095, TLS1_0, "PSK-CAMELLIA256-SHA384", "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384",
      PSK,      PSK,   CAMELLIA256,      SHA384, HI | ND,         256, 256, O | G),
    T(0xC096, TLS1_0, "DHE-PSK-CAMELLIA128-SHA256", "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
      DHEPSK,   PSK,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0xC097, TLS1_0, "DHE-PSK-CAMELLIA256-SHA384", "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384",
      DHEPSK,   PSK,   CAMELLIA256,      SHA384, HI | ND,         256, 256, O | G),
    T(0xC098, TLS1_0, "RSA-PSK-CAMELLIA128-SHA256", "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256",
      RSAPSK,   RSA,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0xC099, TLS1_0, "RSA-PSK-CAMELLIA256-SHA384", "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384",
      RSAPSK,   RSA,   CAMELLIA256,      SHA384, HI | ND,         256, 256, O | G),
    T(0xC09A, TLS1_0, "ECDHE-PSK-CAMELLIA128-SHA256", "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
      ECDHEPSK, PSK,   CAMELLIA128,      SHA256, HI | ND,         128, 128, O | G),
    T(0xC09B, TLS1_0, "ECDHE-PSK-CAMELLIA256-SHA384", "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384",
      ECDHEPSK, PSK,   CAMELLIA256,      SHA384, HI | ND,         256, 256, O | G),
    T(0xC050, TLS1_2, "ARIA128-GCM-SHA256", "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
      RSA,      RSA,   ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC051, TLS1_2, "ARIA256-GCM-SHA384", "TLS_RSA_WITH_ARIA_256_GCM_SHA384",
      RSA,      RSA,   ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
    T(0xC052, TLS1_2, "DHE-RSA-ARIA128-GCM-SHA256", "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
      DHE,      RSA,   ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC053, TLS1_2, "DHE-RSA-ARIA256-GCM-SHA384", "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
      DHE,      RSA,   ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
    T(0xC056, TLS1_2, "DHE-DSS-ARIA128-GCM-SHA256", "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
      DHE,      DSS,   ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC057, TLS1_2, "DHE-DSS-ARIA256-GCM-SHA384", "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384",
      DHE,      DSS,   ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
    T(0xC05C, TLS1_2, "ECDHE-ECDSA-ARIA128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
      ECDHE,    ECDSA, ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC05D, TLS1_2, "ECDHE-ECDSA-ARIA256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
      ECDHE,    ECDSA, ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
    T(0xC060, TLS1_2, "ECDHE-ARIA128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
      ECDHE,    RSA,   ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC061, TLS1_2, "ECDHE-ARIA256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
      ECDHE,    RSA,   ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
    T(0xC06A, TLS1_2, "PSK-ARIA128-GCM-SHA256", "TLS_PSK_WITH_ARIA_128_GCM_SHA256",
      PSK,      PSK,   ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC06B, TLS1_2, "PSK-ARIA256-GCM-SHA384", "TLS_PSK_WITH_ARIA_256_GCM_SHA384",
      PSK,      PSK,   ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
    T(0xC06C, TLS1_2, "DHE-PSK-ARIA128-GCM-SHA256", "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256",
      DHEPSK,   PSK,   ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC06D, TLS1_2, "DHE-PSK-ARIA256-GCM-SHA384", "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384",
      DHEPSK,   PSK,   ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
    T(0xC06E, TLS1_2, "RSA-PSK-ARIA128-GCM-SHA256", "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256",
      RSAPSK,   RSA,   ARIA128GCM,       AEAD,   HI | ND,         128, 128, O),
    T(0xC06F, TLS1_2, "RSA-PSK-ARIA256-GCM-SHA384", "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384",
      RSAPSK,   RSA,   ARIA256GCM,       AEAD,   HI | ND,         256, 256, O),
};
/* clang-format on */
#undef T
#undef HI
#undef MED
#undef NUL
#undef FIPS
#undef ND
#undef O
#undef B
#undef W
#undef G

const size_t otls__n_suites = OTLS_ARRAY_SIZE(otls__suites);
_Static_assert(OTLS_ARRAY_SIZE(otls__suites) <= OTLS_CIPHERS_MAX, "OTLS_CIPHERS_MAX is too small");

const struct otls__suite *otls__suite_by_id(uint16_t id) {
  for (size_t i = 0; i < otls__n_suites; i++)
    if (otls__suites[i].id == id)
      return &otls__suites[i];
  return NULL;
}

static bool name_is(const char *s, const char *name, size_t len) {
  return strncmp(s, name, len) == 0 && s[len] == '\0';
}

const struct otls__suite *otls__suite_by_name(const char *name, size_t len) {
  for (size_t i = 0; i < otls__n_suites; i++)
    if (name_is(otls__suites[i].name, name, len) || name_is(otls__suites[i].iana, name, len))
      return &otls__suites[i];
  return NULL;
}

unsigned otls__backend_bit(void) {
  static const struct {
    const char *name;
    unsigned bit;
  } bits[] = {{"openssl", OTLS__BK_OPENSSL},
              {"boringssl", OTLS__BK_BORINGSSL},
              {"wolfssl", OTLS__BK_WOLFSSL},
              {"gnutls", OTLS__BK_GNUTLS}};
  const char *name = otls_backend_name();
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(bits); i++)
    if (strcmp(name, bits[i].name) == 0)
      return bits[i].bit;
  return 0;
}

/*
 * The default list. TLS 1.3 first, then ECDHE with AEAD only. AES-128-GCM
 * leads the TLS 1.3 suites (Node puts AES-256 first) because BoringSSL
 * cannot reorder its TLS 1.3 suites and always offers AES-128-GCM first:
 * with this order every backend negotiates the same suite by default.
 */
const uint16_t otls__default_suites[] = {
    0x1301, 0x1302, 0x1303, /* TLS 1.3 */
    0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
};
const size_t otls__n_default_suites = OTLS_ARRAY_SIZE(otls__default_suites);

/* The same list as a cipher string (tests check they agree). */
const char otls__default_cipher_string[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* X25519, P-256, P-384 (RFC 8446 NamedGroup ids). */
const uint16_t otls__default_groups[] = {29, 23, 24};
const size_t otls__n_default_groups = OTLS_ARRAY_SIZE(otls__default_groups);

const char *otls__version_name(uint16_t v) {
  switch (v) {
  case OTLS__TLS1_3: return "TLSv1.3";
  case OTLS__TLS1_2: return "TLSv1.2";
  case OTLS__TLS1_1: return "TLSv1.1";
  case OTLS__TLS1_0: return "TLSv1";
  case 0x0300: return "SSLv3";
  }
  return NULL;
}

/* Node's spellings; "TLSv1.0" is accepted as an alias of "TLSv1". */
int otls__version_parse(const char *s, uint16_t *v) {
  static const struct {
    const char *name;
    uint16_t v;
  } names[] = {{"TLSv1.3", OTLS__TLS1_3}, {"TLSv1.2", OTLS__TLS1_2}, {"TLSv1.1", OTLS__TLS1_1},
               {"TLSv1", OTLS__TLS1_0},   {"TLSv1.0", OTLS__TLS1_0}};
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(names); i++)
    if (strcmp(s, names[i].name) == 0) {
      *v = names[i].v;
      return 0;
    }
  return OTLS_E_BAD_VERSION;
}
