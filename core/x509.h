/*
 * omnitls — X.509 certificate parsing from DER (private). The one parser of
 * certificates in omnitls: backends hand over DER, core reads it.
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
  struct otls__blob issuer;  /* Name: full TLV (for byte comparison) */
  struct otls__blob subject; /* Name: full TLV */
  struct otls__blob spki;    /* SubjectPublicKeyInfo: full TLV */
  int64_t not_before;        /* seconds since the epoch (UTC) */
  int64_t not_after;
  bool has_san;
  struct otls__blob san;     /* GeneralNames contents */
  bool is_ca;                /* basicConstraints cA */
  struct otls__blob extensions; /* Extensions SEQUENCE contents (may be empty) */
};

/* GeneralName tags (context-specific, as the identifier byte). */
#define OTLS__GN_EMAIL 0x81
#define OTLS__GN_DNS 0x82
#define OTLS__GN_DIRNAME 0xa4
#define OTLS__GN_URI 0x86
#define OTLS__GN_IP 0x87

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
 * URI:..."), truncated to fit `cap`. Returns its length.
 */
size_t otls__x509_san_string(const struct otls__x509 *x, char *buf, size_t cap);

/* Parse an ASN.1 UTCTime / GeneralizedTime into epoch seconds. */
int otls__asn1_time(unsigned tag, const uint8_t *p, size_t len, int64_t *out);

#endif
