/*
 * omnitls — the cipher-string evaluator and the suite attributes (private).
 *
 * core/suites.c holds the one suite table; core/ciphers.c evaluates
 * OpenSSL's cipher-string grammar against it (openssl-ciphers(1)) and turns
 * a Node.js `ciphers` option into an explicit, ordered list of two-byte
 * suite ids (DESIGN.md §1). The context passes that list to its backend.
 *
 * The attribute bits below mirror the ones OpenSSL 3.0 uses in ssl_local.h,
 * so that every alias selects exactly the suites OpenSSL selects.
 */
#ifndef OTLS_CORE_CIPHERS_H
#define OTLS_CORE_CIPHERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* SSLv3 as a suite's minimum version (never negotiated by omnitls). */
#define OTLS__SSL3 0x0300

/* Key exchange (struct otls__suite.kx). TLS 1.3 suites have none (ANY). */
#define OTLS__KX_ANY 0x0000u
#define OTLS__KX_RSA 0x0001u
#define OTLS__KX_DHE 0x0002u
#define OTLS__KX_ECDHE 0x0004u
#define OTLS__KX_PSK 0x0008u
#define OTLS__KX_RSAPSK 0x0040u
#define OTLS__KX_ECDHEPSK 0x0080u
#define OTLS__KX_DHEPSK 0x0100u
#define OTLS__KX_SRP 0x0020u
#define OTLS__KX_ALL_PSK (OTLS__KX_PSK | OTLS__KX_RSAPSK | OTLS__KX_ECDHEPSK | OTLS__KX_DHEPSK)

/* Authentication (struct otls__suite.auth). */
#define OTLS__AU_ANY 0x0000u
#define OTLS__AU_RSA 0x0001u
#define OTLS__AU_DSS 0x0002u
#define OTLS__AU_NULL 0x0004u
#define OTLS__AU_ECDSA 0x0008u
#define OTLS__AU_PSK 0x0010u
#define OTLS__AU_SRP 0x0040u

/* Bulk encryption (struct otls__suite.enc). */
#define OTLS__ENC_DES 0x00000001u
#define OTLS__ENC_3DES 0x00000002u
#define OTLS__ENC_RC4 0x00000004u
#define OTLS__ENC_RC2 0x00000008u
#define OTLS__ENC_IDEA 0x00000010u
#define OTLS__ENC_eNULL 0x00000020u
#define OTLS__ENC_AES128 0x00000040u
#define OTLS__ENC_AES256 0x00000080u
#define OTLS__ENC_CAMELLIA128 0x00000100u
#define OTLS__ENC_CAMELLIA256 0x00000200u
#define OTLS__ENC_SEED 0x00000800u
#define OTLS__ENC_AES128GCM 0x00001000u
#define OTLS__ENC_AES256GCM 0x00002000u
#define OTLS__ENC_AES128CCM 0x00004000u
#define OTLS__ENC_AES256CCM 0x00008000u
#define OTLS__ENC_AES128CCM8 0x00010000u
#define OTLS__ENC_AES256CCM8 0x00020000u
#define OTLS__ENC_CHACHA20POLY1305 0x00080000u
#define OTLS__ENC_ARIA128GCM 0x00100000u
#define OTLS__ENC_ARIA256GCM 0x00200000u
#define OTLS__ENC_AESGCM (OTLS__ENC_AES128GCM | OTLS__ENC_AES256GCM)
#define OTLS__ENC_AESCCM                                                                           \
  (OTLS__ENC_AES128CCM | OTLS__ENC_AES256CCM | OTLS__ENC_AES128CCM8 | OTLS__ENC_AES256CCM8)
#define OTLS__ENC_AES (OTLS__ENC_AES128 | OTLS__ENC_AES256 | OTLS__ENC_AESGCM | OTLS__ENC_AESCCM)
#define OTLS__ENC_CAMELLIA (OTLS__ENC_CAMELLIA128 | OTLS__ENC_CAMELLIA256)
#define OTLS__ENC_ARIA (OTLS__ENC_ARIA128GCM | OTLS__ENC_ARIA256GCM)
#define OTLS__ENC_CBC                                                                              \
  (OTLS__ENC_DES | OTLS__ENC_3DES | OTLS__ENC_RC2 | OTLS__ENC_IDEA | OTLS__ENC_AES128 |            \
   OTLS__ENC_AES256 | OTLS__ENC_CAMELLIA128 | OTLS__ENC_CAMELLIA256 | OTLS__ENC_SEED)

/* Record MAC (struct otls__suite.mac). */
#define OTLS__MAC_MD5 0x01u
#define OTLS__MAC_SHA1 0x02u
#define OTLS__MAC_SHA256 0x10u
#define OTLS__MAC_SHA384 0x20u
#define OTLS__MAC_AEAD 0x40u

/*
 * Strength classes (struct otls__suite.strength), as OpenSSL 3.0 assigns
 * them: exactly one of NONE/LOW/MEDIUM/HIGH, plus FIPS, plus NOT_DEFAULT for
 * suites outside OpenSSL's DEFAULT ("COMPLEMENTOFDEFAULT"). DEFAULT itself
 * is "ALL:!COMPLEMENTOFDEFAULT:!eNULL".
 */
#define OTLS__STR_NONE 0x01u
#define OTLS__STR_LOW 0x02u
#define OTLS__STR_MEDIUM 0x04u
#define OTLS__STR_HIGH 0x08u
#define OTLS__STR_FIPS 0x10u
#define OTLS__STR_NOT_DEFAULT 0x20u
#define OTLS__STR_STRONG_MASK 0x1fu
#define OTLS__STR_DEFAULT_MASK 0x20u

/* Backends that implement a suite (struct otls__suite.backends). */
#define OTLS__BK_OPENSSL 0x01u
#define OTLS__BK_BORINGSSL 0x02u
#define OTLS__BK_WOLFSSL 0x04u
#define OTLS__BK_GNUTLS 0x08u

/* The OTLS__BK_* bit of the backend compiled into this variant. */
unsigned otls__backend_bit(void);

/* The whole table, in OpenSSL's source order (TLS 1.3 suites first). */
extern const struct otls__suite otls__suites[];
extern const size_t otls__n_suites;

/*
 * A suite by OpenSSL name or IANA name (exact, case-sensitive, as OpenSSL
 * compares them); NULL when unknown.
 */
const struct otls__suite *otls__suite_by_name(const char *name, size_t len);

/* A suite's attributes as `openssl ciphers -v` prints them. Static strings. */
struct otls__suite_text {
  const char *version; /* SSL_CIPHER_get_version(): "TLSv1.2", "TLSv1.0", "SSLv3" */
  const char *kx;      /* "ECDH", "DH", "RSA", "PSK", ..., "any" */
  const char *auth;    /* "RSA", "ECDSA", "DSS", "None", "PSK", "SRP", "any" */
  const char *enc;     /* "AESGCM(128)", "AES(256)", "CHACHA20/POLY1305(256)", ... */
  const char *mac;     /* "AEAD", "SHA1", "SHA256", "SHA384", "MD5" */
};
void otls__suite_text(const struct otls__suite *s, struct otls__suite_text *out);

/* The built-in default cipher string; it evaluates to otls__default_suites. */
extern const char otls__default_cipher_string[];

/* Longest cipher string accepted (longer is OTLS_E_INVAL). */
#define OTLS__CIPHERS_MAXLEN 4096

/* What a cipher string evaluated to. */
struct otls__cipher_list {
  uint16_t ids[OTLS_CIPHERS_MAX]; /* TLS 1.3 suites first, then TLS <= 1.2 */
  size_t n;                       /* total */
  size_t n13;                     /* how many of ids[] are TLS 1.3 suites */
  bool tls13_named;               /* false: the default TLS 1.3 suites were kept */
  int seclevel;                   /* last @SECLEVEL=n, or -1 when none */
  bool suiteb;                    /* the string began with SUITEB128/SUITEB192... */
};

/*
 * Evaluate a cipher string for the backends in `backends` (OTLS__BK_* bits;
 * a suite is kept when it has at least one of them). NULL or "" means the
 * process default (otls_default_ciphers()).
 *
 * The rules, as Node.js applies them to `ciphers` (lib/internal/tls/
 * secure-context.js, processCiphers) on top of OpenSSL 3.0's grammar:
 *  - the string is split into elements at ':' (and ',', ' ', ';', which
 *    OpenSSL's grammar also treats as separators); empty elements go;
 *  - an element starting with "TLS_" that names a TLS 1.3 suite, or names
 *    no suite at all, belongs to the TLS 1.3 list; every other element
 *    (including IANA names of TLS <= 1.2 suites) is a rule of the TLS <= 1.2
 *    cipher string, evaluated exactly as SSL_CTX_set_cipher_list() does;
 *  - TLS 1.3 suites come first, in the order named; when the string names
 *    none, the default TLS 1.3 suites (otls__default_suites) are kept;
 *  - OTLS_E_NO_CIPHER_MATCH when the TLS <= 1.2 rules select no suite, or
 *    when TLS 1.3 elements are present and none is a suite this backend
 *    has; OTLS_E_INVAL for a string with no element at all, a string longer
 *    than OTLS__CIPHERS_MAXLEN, or a syntax error (a rule that is not a
 *    word, "@" + an unknown command, "@SECLEVEL=" outside 0..5).
 * `detail` (may be NULL) receives a sentence on failure.
 *
 * For a context: otls__ciphers_eval(opts->ciphers, otls__backend_bit(), &l,
 * detail, len), then cfg->suites = l.ids, cfg->n_suites = l.n; l.seclevel
 * (when >= 0) is the OpenSSL security level the string asked for.
 */
OTLS_MUST_CHECK int otls__ciphers_eval(const char *str, unsigned backends,
                                       struct otls__cipher_list *out, char *detail,
                                       size_t detail_len);

#endif /* OTLS_CORE_CIPHERS_H */
