/*
 * omnitls — X.509 certificate parsing from DER (private). The one parser of
 * certificates in omnitls: backends hand over DER, core reads it.
 *
 * Besides the structure, this file knows how Node.js v20 (over OpenSSL 3.0)
 * *prints* certificate parts — names, GeneralNames, times, object
 * identifiers — because the certificate object (core/cert.c) and the
 * identity check (core/identity.c) must show exactly Node's text.
 */
#ifndef OTLS_CORE_X509_H
#define OTLS_CORE_X509_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "der.h"

struct otls__x509 {
  struct otls__blob tbs;     /* the whole TBSCertificate TLV contents */
  int version;               /* 1..3 */
  struct otls__blob serial;  /* INTEGER contents */
  struct otls__blob sig_alg; /* TBSCertificate signature algorithm: OID contents */
  struct otls__blob issuer;  /* Name: full TLV (for byte comparison) */
  struct otls__blob subject; /* Name: full TLV */
  struct otls__blob spki;    /* SubjectPublicKeyInfo: full TLV */
  int64_t not_before;        /* seconds since the epoch (UTC) */
  int64_t not_after;
  unsigned not_before_tag; /* DER_UTCTIME or DER_GENTIME */
  unsigned not_after_tag;
  struct otls__blob not_before_raw; /* the time's contents ("261127045000Z") */
  struct otls__blob not_after_raw;
  bool has_san;
  struct otls__blob san;        /* GeneralNames contents (the first SAN extension) */
  bool is_ca;                   /* basicConstraints cA */
  struct otls__blob extensions; /* Extensions SEQUENCE contents (may be empty) */
};

/* GeneralName tags (context-specific, as the identifier byte). */
#define OTLS__GN_OTHER 0xa0
#define OTLS__GN_EMAIL 0x81
#define OTLS__GN_DNS 0x82
#define OTLS__GN_X400 0xa3
#define OTLS__GN_DIRNAME 0xa4
#define OTLS__GN_EDIPARTY 0xa5
#define OTLS__GN_URI 0x86
#define OTLS__GN_IP 0x87
#define OTLS__GN_RID 0x88

/* Parse a certificate. 0, or OTLS_E_DER_BAD. `x` borrows from `der`. */
int otls__x509_parse(const uint8_t *der, size_t len, struct otls__x509 *x);

/* true when subject and issuer names are byte-identical (self-issued). */
bool otls__x509_self_issued(const struct otls__x509 *x);

/*
 * Iterate the values of one attribute type in a Name (full TLV), e.g. the
 * CN (oid 55 04 03). `*pos` starts at 0. Returns 1 with the value's tag and
 * contents, 0 at the end, -1 on malformed input.
 */
int otls__x509_name_next(const struct otls__blob *name, const uint8_t *oid, size_t oid_len,
                         size_t *pos, unsigned *tag, struct otls__blob *value);

/*
 * Node's `subjectaltname` string ("DNS:a, IP Address:127.0.0.1, email:...,
 * URI:..., DirName:..., othername:..., Registered ID:..."), every
 * GeneralName form exactly as Node v20 prints it, truncated to fit `cap`
 * (always NUL-terminated when cap > 0). Returns its length; "" (0) when the
 * certificate has no SAN or it cannot be decoded.
 */
size_t otls__x509_san_string(const struct otls__x509 *x, char *buf, size_t cap);

/* Parse an ASN.1 UTCTime / GeneralizedTime into epoch seconds. */
int otls__asn1_time(unsigned tag, const uint8_t *p, size_t len, int64_t *out);

/*
 * Check that `der` is one well-formed X.509 CRL (RFC 5280 §5.1: the
 * structure, and every time a valid UTCTime / GeneralizedTime). Engines
 * differ on what they accept when loading a CRL (GnuTLS refuses a bad time,
 * OpenSSL, BoringSSL and wolfSSL keep it), so core decides: 0 or
 * OTLS_E_DER_BAD. Signatures are the engine's business.
 */
int otls__crl_check(const uint8_t *der, size_t len);

/* --- text building ------------------------------------------------------- */

/*
 * A growable, always NUL-terminated byte string. An allocation failure
 * sticks (`oom`) and later appends do nothing; check once at the end.
 */
struct otls__text {
  char *p;
  size_t len, cap;
  bool oom;
};
void otls__text_add(struct otls__text *t, const void *p, size_t n);
void otls__text_adds(struct otls__text *t, const char *s);
void otls__text_addf(struct otls__text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void otls__text_free(struct otls__text *t);

/*
 * Replace invalid UTF-8 the way V8 does when Node makes a JS string from
 * OpenSSL's output (String::NewFromUtf8: each maximal invalid subpart
 * becomes U+FFFD, as in the WHATWG decoder).
 */
void otls__utf8_sanitize(struct otls__text *t);

/* --- object identifiers and names, as OpenSSL 3.0 prints them ------------- */

/* true when `oid` (contents) is a valid OBJECT IDENTIFIER encoding. */
bool otls__oid_valid(const uint8_t *oid, size_t len);

/* OpenSSL's short / long name for `oid`; NULL when OpenSSL does not know it. */
const char *otls__oid_sn(const uint8_t *oid, size_t len);
const char *otls__oid_ln(const uint8_t *oid, size_t len);

/*
 * OBJ_obj2txt(buf, cap, oid, numeric): the long name when known and
 * !numeric, else the dotted numbers; truncated to cap - 1 bytes as OpenSSL
 * does. Returns 0, or -1 for an invalid encoding (buf is then "").
 */
int otls__oid_text(const uint8_t *oid, size_t len, bool numeric, char *buf, size_t cap);

/*
 * ASN1_STRING_to_UTF8(): the value of a Name attribute (tag + contents) as
 * UTF-8, appended to `out`. Returns 0, or -1 when OpenSSL cannot convert it
 * (not a string type, invalid UTF-8, an odd-length BMPString, a surrogate or
 * a code point past U+10FFFF): Node then shows no `subject` / `issuer`.
 */
int otls__asn1_string_utf8(unsigned tag, const uint8_t *v, size_t len, struct otls__text *out);

/*
 * ASN1_TIME_print(): "Nov 27 04:50:00 2026 GMT" (the day padded with a
 * space), or "Bad time value" for a date OpenSSL rejects (Feb 30, second 60).
 */
void otls__asn1_time_print(unsigned tag, const uint8_t *p, size_t len, char out[32]);

/*
 * The attributes of a Name (full TLV), in order: type OID (contents), value
 * tag and contents, and the index of the RDN each belongs to (equal for the
 * members of a multi-valued RDN). Returns the count (*out malloc'ed, NULL
 * when 0), OTLS_E_DER_BAD when the Name is malformed, or OTLS_E_NOMEM.
 */
struct otls__x509_attr {
  struct otls__blob oid;
  unsigned tag;
  struct otls__blob value;
  size_t rdn;
};
int otls__x509_name_list(const struct otls__blob *name, struct otls__x509_attr **out);

/* --- extensions ---------------------------------------------------------- */

/*
 * Find extension `oid` (contents). Returns how many times it occurs (0 when
 * absent), with the first occurrence's extnValue contents in `*value` and
 * its critical flag in `*critical` (either may be NULL).
 */
int otls__x509_ext(const struct otls__x509 *x, const uint8_t *oid, size_t oid_len,
                   struct otls__blob *value, bool *critical);

/*
 * OpenSSL's view of the extensions it interprets (x509v3_cache_extensions):
 * false when basicConstraints, keyUsage, extendedKeyUsage, the key
 * identifiers or subjectAltName occur twice or do not decode. OpenSSL then
 * treats the certificate as invalid: not a CA, issuer of nothing.
 */
bool otls__x509_exts_valid(const struct otls__x509 *x);

/* keyUsage bits as OpenSSL holds them (ex_kusage); -1 when there is none. */
int otls__x509_key_usage(const struct otls__x509 *x);
#define OTLS__KU_DIGITAL_SIGNATURE 0x0080
#define OTLS__KU_KEY_CERT_SIGN 0x0004

/* X509_check_ca() == 1: Node's `ca`. */
bool otls__x509_node_ca(const struct otls__x509 *x);

/*
 * X509_check_issued(issuer, subject) == X509_V_OK: names match (OpenSSL's
 * canonical comparison), the subject's authorityKeyIdentifier matches the
 * issuer, the signature algorithm fits the issuer's key type, and the
 * issuer's keyUsage allows certificate signing. No signature is checked.
 */
bool otls__x509_check_issued(const struct otls__x509 *issuer, const struct otls__x509 *subject);

/*
 * Print the GeneralNames of the (first) subjectAltName extension the way
 * Node does. Returns 1 with the text appended to `out` (already through
 * otls__utf8_sanitize), 0 when there is no SAN, -1 when it cannot be decoded
 * (Node: `subjectaltname: null`).
 */
int otls__x509_san_text(const struct otls__x509 *x, struct otls__text *out);

/*
 * Node's infoAccess text before tls.js splits it: one line per
 * AccessDescription, "<method long name> - <GeneralName as in the SAN>".
 * Returns 1 / 0 (no extension) / -1 (cannot be decoded) like the above.
 */
int otls__x509_aia_text(const struct otls__x509 *x, struct otls__text *out);

/*
 * Every extendedKeyUsage OID in dotted form, each NUL-terminated, one after
 * another in `out`. Returns the count (>= 0), or -1 when Node shows none
 * (absent, duplicated or not decodable).
 */
int otls__x509_eku_text(const struct otls__x509 *x, struct otls__text *out);

/* --- the public key --------------------------------------------------------- */

enum otls__key_type {
  OTLS__KEY_UNKNOWN = 0, /* not decodable by OpenSSL, or an unknown algorithm */
  OTLS__KEY_RSA,
  OTLS__KEY_RSA_PSS,
  OTLS__KEY_EC,
  OTLS__KEY_DSA,
  OTLS__KEY_ED25519,
  OTLS__KEY_ED448,
  OTLS__KEY_X25519,
  OTLS__KEY_X448,
};

struct otls__spki {
  enum otls__key_type type;
  struct otls__blob n, e;  /* RSA: modulus and exponent magnitudes, no leading zeros */
  struct otls__blob point; /* EC: the encoded point */
  const char *curve;       /* EC named curve: OpenSSL's short name ("prime256v1");
                              NULL for explicit parameters */
  const char *nist_curve;  /* "P-256", or NULL when the curve has no NIST name */
  int curve_bits;          /* EC: bits of the group order */
};

/* Decode a SubjectPublicKeyInfo (full TLV) as OpenSSL 3.0 would. */
void otls__x509_spki(const struct otls__blob *spki, struct otls__spki *out);

/* --- the certificate object (core/cert.c) -------------------------------- */

struct otls_cert;

/*
 * The object otls_cert_peer() builds, from a chain given as DER blobs
 * (leaf first): the leaf and, when `detailed`, its issuers linked as Node
 * links them. 0 with *out set (NULL when n == 0), or OTLS_E_DER_BAD (the
 * leaf does not parse) / OTLS_E_NOMEM.
 */
int otls__cert_chain(const struct otls__blob *chain, size_t n, bool detailed,
                     struct otls_cert **out);

#endif
