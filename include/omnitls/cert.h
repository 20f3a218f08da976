/*
 * omnitls — the certificate object (Node.js: `tlsSocket.getPeerCertificate()`).
 *
 * An otls_cert is built by omnitls itself from the certificate's DER, with
 * one parser, so every field reads the same whichever TLS backend is inside.
 * Each field shows exactly what Node.js v20 shows for the same certificate
 * (Node prints through OpenSSL 3.0; omnitls reproduces that text), and
 * otls_cert_to_json() prints exactly `JSON.stringify(cert)`.
 *
 * Objects are immutable once built (so one may be read from several threads
 * at once). Strings and buffers returned by the
 * accessors belong to the certificate and stay valid until it is freed
 * (for an issuer reached with otls_cert_issuer(): until the certificate
 * it was reached from is freed). Accessors accept NULL and then return
 * NULL / 0 / false.
 *
 * A field Node leaves out (`modulus` of an EC key, `subjectaltname` of a
 * certificate without that extension) reads as NULL here. Fingerprints need
 * the backend's digests; on a backend that provides none they read NULL and
 * are left out of the JSON.
 */
#ifndef OMNITLS_CERT_H
#define OMNITLS_CERT_H

#include "common.h"
#include "conn.h"

OTLS_BEGIN_DECLS

/*
 * A parsed X.509 certificate (opaque), as Node.js's certificate object:
 * made by otls_cert_from_der(), otls_cert_from_pem(), otls_cert_peer() or
 * otls_cert_local(), read with the accessors below, released with
 * otls_cert_free(). Immutable, so it may be read from several threads.
 */
typedef struct otls_cert otls_cert;

/* --- building ------------------------------------------------------------ */

/*
 * otls_cert_from_der() — build the object for one X.509 certificate in DER
 * (exactly `len` bytes, nothing after it). Returns 0 with *out set.
 * Errors: OTLS_E_INVAL (out NULL, der NULL with len > 0), OTLS_E_DER_BAD
 * (not a certificate: truncated, corrupted, trailing bytes), OTLS_E_NOMEM.
 * The bytes are copied. Free with otls_cert_free().
 * Node.js: the object getPeerCertificate() returns for this certificate
 * (without issuerCertificate).
 */
OTLS_EXTERN int otls_cert_from_der(otls_cert **out, const void *der, size_t len);

/*
 * otls_cert_from_pem() — the same from PEM text: the first
 * "-----BEGIN CERTIFICATE-----" (or "X509 CERTIFICATE") block; other blocks
 * before it (a key, parameters) are skipped.
 * Errors: OTLS_E_INVAL, OTLS_E_PEM_NO_START_LINE (no certificate block),
 * OTLS_E_PEM_BAD (a malformed block), OTLS_E_DER_BAD, OTLS_E_NOMEM.
 */
OTLS_EXTERN int otls_cert_from_pem(otls_cert **out, const void *pem, size_t len);

/*
 * otls_cert_peer() — the certificate the peer of `c` presented, built from
 * the chain it sent (otls_conn_peer_cert_der()).
 *
 * With `detailed`, issuers are linked as Node links `issuerCertificate`:
 * starting at the leaf, the next issuer is any certificate the peer sent
 * that issued the current one (names, key identifiers, key type and
 * keyUsage as OpenSSL's X509_check_issued(); signatures are not checked),
 * each used once, the first in the order sent. The links stop where no
 * issuer is found — and, as in Node v20, right after an issuer that was the
 * last certificate left to search (so [leaf, root, intermediate] ends at
 * the intermediate). When the certificate the links end at is self-signed,
 * otls_cert_issuer() returns that same certificate. Without `detailed`,
 * only the leaf (no issuer).
 *
 * Returns 0 with *out set, or 0 with *out NULL when the peer sent no
 * certificate (before the handshake, a client that sent none, a session
 * resumed without one) — Node.js returns `{}` then.
 * Errors: OTLS_E_INVAL (c or out NULL), OTLS_E_DER_BAD (the leaf does not
 * parse; an issuer that does not parse is skipped), OTLS_E_NOMEM.
 * The object is independent of `c` (it may outlive it). Free it (and every
 * issuer with it) with otls_cert_free().
 *
 * Node.js: `tlsSocket.getPeerCertificate(detailed)`. Node also completes
 * the chain from the local trust store after the last certificate the peer
 * sent; omnitls stops at what the peer sent.
 */
OTLS_EXTERN int otls_cert_peer(const otls_conn *c, bool detailed, otls_cert **out);

/*
 * otls_cert_local() — the certificate this side presents: on a server, the
 * leaf of the context chosen for the connection (by SNI, too); on a client,
 * its own client certificate. Sets *out = NULL and returns 0 when there is
 * none. Node.js: `tlsSocket.getCertificate()`.
 */
OTLS_EXTERN int otls_cert_local(const otls_conn *c, otls_cert **out);

/* otls_cert_free() — free a certificate and the issuers linked from it. NULL ok.
 * Only pass objects returned by a constructor above, never an issuer. */
OTLS_EXTERN void otls_cert_free(otls_cert *cert);

/*
 * otls_cert_issuer() — the issuer's certificate object (Node:
 * `issuerCertificate`), the certificate itself for a self-signed end of the
 * chain, or NULL when there is none (not detailed, or the chain stops).
 * Owned by the certificate it was reached from; do not free it.
 */
OTLS_EXTERN const otls_cert *otls_cert_issuer(const otls_cert *cert);

/* --- names --------------------------------------------------------------- */

/* One attribute of a distinguished name. */
typedef struct otls_cert_name_entry {
  /*
   * The attribute type as Node prints it: OpenSSL's short name ("C", "ST",
   * "L", "O", "OU", "CN", "emailAddress", "serialNumber", "DC", "UID", ...)
   * or the dotted OID when OpenSSL has none ("1.2.3.4").
   */
  const char *type;
  /* The value in UTF-8, converted from its ASN.1 string type; it may contain NUL bytes. */
  const char *value;
  size_t value_len;
  /*
   * Index of the RelativeDistinguishedName: attributes of one multi-valued
   * RDN ("CN=x+OU=y") share it. Node flattens them.
   */
  size_t rdn;
} otls_cert_name_entry;

/*
 * otls_cert_subject_name() / otls_cert_issuer_name() — the subject's or the
 * issuer's name, attributes in certificate order (RDN order, then order
 * inside the RDN). Returns the number of entries (0 for an empty name) with
 * *entries pointing at them (owned by the certificate), or OTLS_E_DER_BAD
 * when a value is not a string OpenSSL can convert to UTF-8 (Node then has
 * no `subject` / `issuer` at all), or OTLS_E_INVAL.
 * Node.js: `cert.subject` / `cert.issuer`, objects keyed by `type`, where an
 * attribute that occurs more than once becomes an array of its values.
 */
OTLS_EXTERN int otls_cert_subject_name(const otls_cert *cert, const otls_cert_name_entry **entries);
OTLS_EXTERN int otls_cert_issuer_name(const otls_cert *cert, const otls_cert_name_entry **entries);

/* --- extensions ---------------------------------------------------------- */

/*
 * otls_cert_subjectaltname() — Node's `subjectaltname`: "DNS:a.example,
 * IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:x@y, URI:https://z/,
 * DirName:CN=x, othername:UPN:u@d, Registered ID:1.2.3, X400Name:<unsupported>,
 * EdiPartyName:<unsupported>", a name that needs it quoted and escaped as a
 * JSON string (`URI:"http://a\u002cb"`). NULL when the certificate has no
 * subjectAltName; NULL also when the extension cannot be decoded (Node:
 * `subjectaltname: null`, which otls_cert_to_json() prints).
 */
OTLS_EXTERN const char *otls_cert_subjectaltname(const otls_cert *cert);

/* One authorityInfoAccess entry. */
typedef struct otls_cert_access_entry {
  const char *key;   /* "OCSP - URI", "CA Issuers - URI", "<method> - <GeneralName type>" */
  const char *value; /* "http://127.0.0.1:8888/ocsp"; may contain NUL bytes */
  size_t value_len;
} otls_cert_access_entry;

/*
 * otls_cert_info_access() — the authorityInfoAccess entries in certificate
 * order. Returns the count with *entries set (owned by the certificate);
 * 0 when there is none, or it cannot be decoded.
 * Node.js: `cert.infoAccess`, an object mapping each key (in order of first
 * appearance) to the array of its values.
 */
OTLS_EXTERN size_t otls_cert_info_access(const otls_cert *cert,
                                         const otls_cert_access_entry **entries);

/*
 * otls_cert_is_ca() — Node's `ca`: OpenSSL's X509_check_ca() == 1, i.e.
 * basicConstraints says cA and a keyUsage, if present, allows keyCertSign.
 */
OTLS_EXTERN bool otls_cert_is_ca(const otls_cert *cert);

/*
 * otls_cert_has_ext_key_usage() / otls_cert_ext_key_usage() — Node's
 * `ext_key_usage`: the extendedKeyUsage OIDs in dotted form
 * ("1.3.6.1.5.5.7.3.1"). The count is returned and *oids (may be NULL) set
 * to an array owned by the certificate. Node leaves the field out when
 * there is no such extension (has_ext_key_usage() false).
 */
OTLS_EXTERN bool otls_cert_has_ext_key_usage(const otls_cert *cert);
OTLS_EXTERN size_t otls_cert_ext_key_usage(const otls_cert *cert, const char *const **oids);

/* --- the public key ------------------------------------------------------ */

/* otls_cert_modulus() / otls_cert_exponent() — RSA (rsaEncryption) keys:
 * Node's `modulus` (uppercase hex, no leading zeros) and `exponent`
 * ("0x10001"). NULL for other keys. */
OTLS_EXTERN const char *otls_cert_modulus(const otls_cert *cert);
OTLS_EXTERN const char *otls_cert_exponent(const otls_cert *cert);

/* Node's `bits`: the RSA modulus size, or the EC group order size; 0 for other keys. */
OTLS_EXTERN int otls_cert_bits(const otls_cert *cert);

/*
 * otls_cert_pubkey() — Node's `pubkey`: for RSA the SubjectPublicKeyInfo in
 * DER (re-encoded as OpenSSL does), for EC the point uncompressed
 * (04 || X || Y). NULL (and *len 0) for other keys. `len` may be NULL.
 *
 * Where omnitls differs from Node (it does no curve arithmetic): a
 * compressed point (02/03 || X) is returned as it is encoded, where Node
 * decompresses it; a point that is not on its curve is accepted, where
 * Node shows no key fields at all.
 */
OTLS_EXTERN const uint8_t *otls_cert_pubkey(const otls_cert *cert, size_t *len);

/*
 * otls_cert_asn1_curve() / otls_cert_nist_curve() — EC keys on a named
 * curve: Node's `asn1Curve` ("prime256v1") and `nistCurve`
 * ("P-256"; NULL when the curve has no NIST name). NULL for other keys, and
 * for explicit curve parameters — where Node names the built-in curve whose
 * parameters they equal (its `bits` are the same).
 */
OTLS_EXTERN const char *otls_cert_asn1_curve(const otls_cert *cert);
OTLS_EXTERN const char *otls_cert_nist_curve(const otls_cert *cert);

/* --- validity, digests, serial, DER -------------------------------------- */

/*
 * otls_cert_valid_from() / otls_cert_valid_to() — Node's `valid_from` /
 * `valid_to`: "Nov  7 04:50:00 2026 GMT" (the day padded with a space, as
 * OpenSSL's ASN1_TIME_print()).
 */
OTLS_EXTERN const char *otls_cert_valid_from(const otls_cert *cert);
OTLS_EXTERN const char *otls_cert_valid_to(const otls_cert *cert);

/* otls_cert_not_before() / otls_cert_not_after() — the same instants as
 * seconds since the epoch (UTC). 0 for NULL. */
OTLS_EXTERN int64_t otls_cert_not_before(const otls_cert *cert);
OTLS_EXTERN int64_t otls_cert_not_after(const otls_cert *cert);

/*
 * otls_cert_fingerprint() / otls_cert_fingerprint256() /
 * otls_cert_fingerprint512() — Node's `fingerprint` (SHA-1),
 * `fingerprint256`, `fingerprint512`: the digest of the DER as uppercase
 * hex pairs joined by ':'. NULL when the backend provides no such digest.
 */
OTLS_EXTERN const char *otls_cert_fingerprint(const otls_cert *cert);
OTLS_EXTERN const char *otls_cert_fingerprint256(const otls_cert *cert);
OTLS_EXTERN const char *otls_cert_fingerprint512(const otls_cert *cert);

/* Node's `serialNumber`: uppercase hex, whole bytes ("0F"), "-" first when negative. */
OTLS_EXTERN const char *otls_cert_serial_number(const otls_cert *cert);

/* Node's `raw`: the certificate's DER. `len` may be NULL. */
OTLS_EXTERN const uint8_t *otls_cert_raw(const otls_cert *cert, size_t *len);

/* --- JSON ---------------------------------------------------------------- */

/*
 * otls_cert_to_json() — exactly what Node.js v20 prints for
 * `JSON.stringify(cert)` of this certificate's getPeerCertificate() object,
 * without `issuerCertificate` (JSON cannot print the self-reference of a
 * root): same keys, same order, `raw` and `pubkey` as
 * {"type":"Buffer","data":[...]}, compact, UTF-8.
 * Returns 0 with *out a NUL-terminated string the caller frees with free(),
 * and *len (may be NULL) its length. Errors: OTLS_E_INVAL, OTLS_E_NOMEM.
 */
OTLS_EXTERN int otls_cert_to_json(const otls_cert *cert, char **out, size_t *len);

OTLS_END_DECLS

#endif /* OMNITLS_CERT_H */
