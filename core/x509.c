/* omnitls — X.509 DER parsing (see x509.h). RFC 5280 §4.1. */
#include "x509.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

static const uint8_t OID_SAN[] = {0x55, 0x1d, 0x11};
static const uint8_t OID_BASIC_CONSTRAINTS[] = {0x55, 0x1d, 0x13};

static int digits(const uint8_t *p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

int otls__asn1_time(unsigned tag, const uint8_t *p, size_t len, int64_t *out) {
  int year;
  if (tag == DER_UTCTIME) {
    if (len != 13 || p[12] != 'Z')
      return -1;
    int yy = digits(p, 2);
    if (yy < 0)
      return -1;
    year = yy >= 50 ? 1900 + yy : 2000 + yy; /* RFC 5280 §4.1.2.5.1 */
    p += 2;
  } else if (tag == DER_GENTIME) {
    if (len != 15 || p[14] != 'Z')
      return -1;
    year = digits(p, 4);
    if (year < 0)
      return -1;
    p += 4;
  } else {
    return -1;
  }
  int mon = digits(p, 2), day = digits(p + 2, 2), h = digits(p + 4, 2), mi = digits(p + 6, 2),
      s = digits(p + 8, 2);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 60)
    return -1;
  *out = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + h * 3600 + mi * 60 + s;
  return 0;
}

static int parse_extensions(struct otls__der *exts, struct otls__x509 *x) {
  while (!otls__der_empty(exts)) {
    struct otls__der ext, oid, val;
    if (otls__der_expect(exts, DER_SEQUENCE, &ext) < 0 || otls__der_expect(&ext, DER_OID, &oid) < 0)
      return -1;
    if (otls__der_peek(&ext) == DER_BOOLEAN) {
      struct otls__der crit;
      if (otls__der_expect(&ext, DER_BOOLEAN, &crit) < 0)
        return -1;
    }
    if (otls__der_expect(&ext, DER_OCTET_STRING, &val) < 0 || !otls__der_empty(&ext))
      return -1;
    size_t olen = (size_t)(oid.end - oid.p);
    if (olen == sizeof(OID_SAN) && memcmp(oid.p, OID_SAN, olen) == 0) {
      struct otls__der names;
      if (otls__der_expect(&val, DER_SEQUENCE, &names) < 0)
        return -1;
      x->has_san = true;
      x->san.data = names.p;
      x->san.len = (size_t)(names.end - names.p);
    } else if (olen == sizeof(OID_BASIC_CONSTRAINTS) &&
               memcmp(oid.p, OID_BASIC_CONSTRAINTS, olen) == 0) {
      struct otls__der bc, ca;
      if (otls__der_expect(&val, DER_SEQUENCE, &bc) < 0)
        return -1;
      if (otls__der_peek(&bc) == DER_BOOLEAN && otls__der_expect(&bc, DER_BOOLEAN, &ca) == 0 &&
          ca.end - ca.p == 1)
        x->is_ca = ca.p[0] != 0;
    }
  }
  return 0;
}

int otls__x509_parse(const uint8_t *der, size_t len, struct otls__x509 *x) {
  memset(x, 0, sizeof(*x));
  struct otls__der top = otls__der_init(der, len), cert, tbs, tmp;
  if (otls__der_expect(&top, DER_SEQUENCE, &cert) < 0 || !otls__der_empty(&top))
    return OTLS_E_DER_BAD;
  if (otls__der_expect(&cert, DER_SEQUENCE, &tbs) < 0)
    return OTLS_E_DER_BAD;
  x->tbs.data = tbs.p;
  x->tbs.len = (size_t)(tbs.end - tbs.p);
  x->version = 1;
  if (otls__der_peek(&tbs) == 0xa0) {
    struct otls__der ver, vi;
    if (otls__der_expect(&tbs, 0xa0, &ver) < 0 || otls__der_expect(&ver, DER_INTEGER, &vi) < 0 ||
        vi.end - vi.p != 1 || vi.p[0] > 2)
      return OTLS_E_DER_BAD;
    x->version = vi.p[0] + 1;
  }
  if (otls__der_expect(&tbs, DER_INTEGER, &tmp) < 0 || tmp.p == tmp.end)
    return OTLS_E_DER_BAD;
  x->serial.data = tmp.p;
  x->serial.len = (size_t)(tmp.end - tmp.p);
  if (otls__der_expect(&tbs, DER_SEQUENCE, &tmp) < 0) /* signature algorithm */
    return OTLS_E_DER_BAD;
  const uint8_t *start = tbs.p;
  if (otls__der_expect(&tbs, DER_SEQUENCE, &tmp) < 0)
    return OTLS_E_DER_BAD;
  x->issuer.data = start;
  x->issuer.len = (size_t)(tbs.p - start);
  struct otls__der validity;
  if (otls__der_expect(&tbs, DER_SEQUENCE, &validity) < 0)
    return OTLS_E_DER_BAD;
  for (int i = 0; i < 2; i++) {
    unsigned tag;
    const uint8_t *v;
    size_t l;
    if (otls__der_next(&validity, &tag, &v, &l) < 0 ||
        otls__asn1_time(tag, v, l, i == 0 ? &x->not_before : &x->not_after) < 0)
      return OTLS_E_DER_BAD;
  }
  start = tbs.p;
  if (otls__der_expect(&tbs, DER_SEQUENCE, &tmp) < 0)
    return OTLS_E_DER_BAD;
  x->subject.data = start;
  x->subject.len = (size_t)(tbs.p - start);
  start = tbs.p;
  if (otls__der_expect(&tbs, DER_SEQUENCE, &tmp) < 0)
    return OTLS_E_DER_BAD;
  x->spki.data = start;
  x->spki.len = (size_t)(tbs.p - start);
  /* issuerUniqueID [1], subjectUniqueID [2] (implicit, primitive or constructed) */
  while (otls__der_peek(&tbs) == 0x81 || otls__der_peek(&tbs) == 0x82 ||
         otls__der_peek(&tbs) == 0xa1 || otls__der_peek(&tbs) == 0xa2) {
    unsigned tag;
    const uint8_t *v;
    size_t l;
    if (otls__der_next(&tbs, &tag, &v, &l) < 0)
      return OTLS_E_DER_BAD;
  }
  if (otls__der_peek(&tbs) == 0xa3) {
    struct otls__der wrap, exts;
    if (otls__der_expect(&tbs, 0xa3, &wrap) < 0 || otls__der_expect(&wrap, DER_SEQUENCE, &exts) < 0)
      return OTLS_E_DER_BAD;
    x->extensions.data = exts.p;
    x->extensions.len = (size_t)(exts.end - exts.p);
    if (parse_extensions(&exts, x) < 0)
      return OTLS_E_DER_BAD;
  }
  if (!otls__der_empty(&tbs))
    return OTLS_E_DER_BAD;
  /* signatureAlgorithm, signatureValue */
  if (otls__der_expect(&cert, DER_SEQUENCE, &tmp) < 0 ||
      otls__der_expect(&cert, DER_BIT_STRING, &tmp) < 0 || !otls__der_empty(&cert))
    return OTLS_E_DER_BAD;
  return 0;
}

bool otls__x509_self_issued(const struct otls__x509 *x) {
  return x->issuer.len == x->subject.len &&
         memcmp(x->issuer.data, x->subject.data, x->issuer.len) == 0;
}

int otls__x509_name_next(const struct otls__blob *name, const uint8_t *oid, size_t oid_len,
                         size_t *pos, unsigned *tag, struct otls__blob *value) {
  struct otls__der top = otls__der_init(name->data, name->len), seq;
  if (otls__der_expect(&top, DER_SEQUENCE, &seq) < 0)
    return -1;
  const uint8_t *base = seq.p;
  if (*pos > (size_t)(seq.end - seq.p))
    return -1;
  seq.p += *pos;
  while (!otls__der_empty(&seq)) {
    struct otls__der set, atv, o;
    if (otls__der_expect(&seq, DER_SET, &set) < 0)
      return -1;
    /* A match ends this call; the next one resumes after the whole RDN. */
    int found = 0;
    while (!otls__der_empty(&set)) {
      const uint8_t *v;
      size_t l;
      unsigned t;
      if (otls__der_expect(&set, DER_SEQUENCE, &atv) < 0 ||
          otls__der_expect(&atv, DER_OID, &o) < 0 || otls__der_next(&atv, &t, &v, &l) < 0)
        return -1;
      if (!found && (size_t)(o.end - o.p) == oid_len && memcmp(o.p, oid, oid_len) == 0) {
        *tag = t;
        value->data = v;
        value->len = l;
        found = 1;
      }
    }
    if (found) {
      *pos = (size_t)(seq.p - base);
      return 1;
    }
  }
  *pos = (size_t)(seq.p - base);
  return 0;
}

size_t otls__x509_san_string(const struct otls__x509 *x, char *buf, size_t cap) {
  size_t used = 0;
  if (cap)
    buf[0] = 0;
  if (!x->has_san)
    return 0;
  struct otls__der it = otls__der_init(x->san.data, x->san.len);
  while (!otls__der_empty(&it)) {
    unsigned tag;
    const uint8_t *v;
    size_t l;
    if (otls__der_next(&it, &tag, &v, &l) < 0)
      break;
    char tmp[64];
    const char *prefix = NULL;
    const uint8_t *text = v;
    size_t tlen = l;
    switch (tag) {
    case OTLS__GN_DNS: prefix = "DNS:"; break;
    case OTLS__GN_EMAIL: prefix = "email:"; break;
    case OTLS__GN_URI: prefix = "URI:"; break;
    case OTLS__GN_IP:
      prefix = "IP Address:";
      if (l == 4) {
        snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
      } else if (l == 16) {
        /* OpenSSL's (and Node's) form: 8 groups, hex, no compression. */
        int n = 0;
        for (int i = 0; i < 8; i++)
          n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, "%s%X", i ? ":" : "",
                        (unsigned)(v[2 * i] << 8 | v[2 * i + 1]));
      } else {
        snprintf(tmp, sizeof(tmp), "<invalid>");
      }
      text = (const uint8_t *)tmp;
      tlen = strlen(tmp);
      break;
    default:
      /* Other name forms arrive with the full certificate object. */
      continue;
    }
    if (used)
      otls__append(buf, cap, &used, ", ", 2);
    otls__append(buf, cap, &used, prefix, strlen(prefix));
    otls__append(buf, cap, &used, (const char *)text, tlen);
  }
  return used;
}
