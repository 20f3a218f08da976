/*
 * omnitls — X.509 DER parsing (see x509.h). RFC 5280 §4.1.
 *
 * The second half of this file reproduces how Node.js v20 prints
 * certificate parts through OpenSSL 3.0 (crypto/asn1/a_strex.c,
 * crypto/objects/obj_dat.c, crypto/x509/v3_purp.c and Node's
 * src/crypto/crypto_common.cc); the comments name the function each piece
 * stands for, so a difference can be traced to its source.
 */
#include "x509.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "oid_table.h"

static const uint8_t OID_SAN[] = {0x55, 0x1d, 0x11};
static const uint8_t OID_BASIC_CONSTRAINTS[] = {0x55, 0x1d, 0x13};
static const uint8_t OID_KEY_USAGE[] = {0x55, 0x1d, 0x0f};
static const uint8_t OID_EXT_KEY_USAGE[] = {0x55, 0x1d, 0x25};
static const uint8_t OID_SKID[] = {0x55, 0x1d, 0x0e};
static const uint8_t OID_AKID[] = {0x55, 0x1d, 0x23};
static const uint8_t OID_AIA[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
static const uint8_t OID_PROXY_CERT_INFO[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0e};

#define OID_IS(blob_p, blob_len, oid)                                                              \
  ((blob_len) == sizeof(oid) && memcmp((blob_p), (oid), sizeof(oid)) == 0)

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

/* The fields of a UTCTime / GeneralizedTime as this parser accepts them. */
struct tm_fields {
  int year, mon, day, h, mi, s;
};

static int time_fields(unsigned tag, const uint8_t *p, size_t len, struct tm_fields *f) {
  if (tag == DER_UTCTIME) {
    if (len != 13 || p[12] != 'Z')
      return -1;
    int yy = digits(p, 2);
    if (yy < 0)
      return -1;
    f->year = yy >= 50 ? 1900 + yy : 2000 + yy; /* RFC 5280 §4.1.2.5.1 */
    p += 2;
  } else if (tag == DER_GENTIME) {
    if (len != 15 || p[14] != 'Z')
      return -1;
    f->year = digits(p, 4);
    if (f->year < 0)
      return -1;
    p += 4;
  } else {
    return -1;
  }
  f->mon = digits(p, 2);
  f->day = digits(p + 2, 2);
  f->h = digits(p + 4, 2);
  f->mi = digits(p + 6, 2);
  f->s = digits(p + 8, 2);
  if (f->mon < 1 || f->mon > 12 || f->day < 1 || f->day > 31 || f->h < 0 || f->h > 23 ||
      f->mi < 0 || f->mi > 59 || f->s < 0 || f->s > 60)
    return -1;
  return 0;
}

int otls__asn1_time(unsigned tag, const uint8_t *p, size_t len, int64_t *out) {
  struct tm_fields f;
  if (time_fields(tag, p, len, &f) < 0)
    return -1;
  *out = days_from_civil(f.year, (unsigned)f.mon, (unsigned)f.day) * 86400 + f.h * 3600 +
         f.mi * 60 + f.s;
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
    if (OID_IS(oid.p, olen, OID_SAN)) {
      struct otls__der names;
      if (otls__der_expect(&val, DER_SEQUENCE, &names) < 0)
        return -1;
      /* OpenSSL (and so Node) reads the first SAN extension. */
      if (!x->has_san) {
        x->has_san = true;
        x->san.data = names.p;
        x->san.len = (size_t)(names.end - names.p);
      }
    } else if (OID_IS(oid.p, olen, OID_BASIC_CONSTRAINTS)) {
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
  struct otls__der alg, alg_oid;
  if (otls__der_expect(&tbs, DER_SEQUENCE, &alg) < 0 || /* signature algorithm */
      otls__der_expect(&alg, DER_OID, &alg_oid) < 0)
    return OTLS_E_DER_BAD;
  x->sig_alg.data = alg_oid.p;
  x->sig_alg.len = (size_t)(alg_oid.end - alg_oid.p);
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
    *(i == 0 ? &x->not_before_tag : &x->not_after_tag) = tag;
    *(i == 0 ? &x->not_before_raw : &x->not_after_raw) = (struct otls__blob){v, l};
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
  struct otls__text t = {0};
  if (otls__x509_san_text(x, &t) == 1 && !t.oom)
    otls__append(buf, cap, &used, t.p, t.len);
  otls__text_free(&t);
  return used;
}

/* === text building ========================================================= */

static bool text_reserve(struct otls__text *t, size_t n) {
  if (t->oom)
    return false;
  if (n > SIZE_MAX / 2 - t->len) {
    t->oom = true;
    return false;
  }
  if (t->len + n + 1 <= t->cap)
    return true;
  size_t cap = t->cap ? t->cap : 64;
  while (cap < t->len + n + 1)
    cap *= 2;
  char *p = realloc(t->p, cap);
  if (p == NULL) {
    t->oom = true;
    return false;
  }
  t->p = p;
  t->cap = cap;
  return true;
}

void otls__text_add(struct otls__text *t, const void *p, size_t n) {
  if (!text_reserve(t, n))
    return;
  if (n)
    memcpy(t->p + t->len, p, n);
  t->len += n;
  t->p[t->len] = 0;
}

void otls__text_adds(struct otls__text *t, const char *s) {
  otls__text_add(t, s, strlen(s));
}

void otls__text_addf(struct otls__text *t, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof(tmp)) {
    otls__text_add(t, tmp, (size_t)n);
    return;
  }
  if (!text_reserve(t, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
}

void otls__text_free(struct otls__text *t) {
  free(t->p);
  memset(t, 0, sizeof(*t));
}

/* Append code point `c` (<= 0x10FFFF, not a surrogate) as UTF-8. */
static void put_utf8(struct otls__text *t, uint32_t c) {
  uint8_t b[4];
  size_t n;
  if (c < 0x80) {
    b[0] = (uint8_t)c;
    n = 1;
  } else if (c < 0x800) {
    b[0] = (uint8_t)(0xc0 | c >> 6);
    b[1] = (uint8_t)(0x80 | (c & 0x3f));
    n = 2;
  } else if (c < 0x10000) {
    b[0] = (uint8_t)(0xe0 | c >> 12);
    b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
    b[2] = (uint8_t)(0x80 | (c & 0x3f));
    n = 3;
  } else {
    b[0] = (uint8_t)(0xf0 | c >> 18);
    b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
    b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
    b[3] = (uint8_t)(0x80 | (c & 0x3f));
    n = 4;
  }
  otls__text_add(t, b, n);
}

void otls__utf8_sanitize(struct otls__text *t) {
  if (t->oom || t->p == NULL)
    return;
  const uint8_t *s = (const uint8_t *)t->p;
  size_t n = t->len, i = 0;
  /* Fast path: most text is valid. */
  bool clean = true;
  for (size_t k = 0; k < n; k++)
    if (s[k] >= 0x80) {
      clean = false;
      break;
    }
  if (clean)
    return;
  struct otls__text out = {0};
  /* The WHATWG UTF-8 decoder (Encoding Standard §9.1.1), which V8 follows. */
  while (i < n) {
    uint8_t b = s[i];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b < 0x80) {
      otls__text_add(&out, &s[i++], 1);
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b == 0xe0)
        lo = 0xa0;
      if (b == 0xed)
        hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b == 0xf0)
        lo = 0x90;
      if (b == 0xf4)
        hi = 0x8f;
    } else {
      otls__text_add(&out, "\xef\xbf\xbd", 3);
      i++;
      continue;
    }
    size_t j = 1;
    for (; j <= need; j++) {
      if (i + j >= n || s[i + j] < lo || s[i + j] > hi)
        break;
      lo = 0x80;
      hi = 0xbf;
    }
    if (j > need) {
      otls__text_add(&out, &s[i], need + 1);
      i += need + 1;
    } else {
      /* The maximal subpart s[i..i+j) is one U+FFFD; s[i+j] is read again. */
      otls__text_add(&out, "\xef\xbf\xbd", 3);
      i += j;
    }
  }
  if (out.oom) {
    otls__text_free(&out);
    t->oom = true;
    return;
  }
  otls__text_free(t);
  *t = out;
  if (t->p == NULL) /* cannot happen (n > 0), but keep the invariant */
    otls__text_add(t, "", 0);
}

/* === object identifiers ==================================================== */

bool otls__oid_valid(const uint8_t *oid, size_t len) {
  /* c2i_ASN1_OBJECT(): non-empty, no 0x80 padding, last byte ends an arc. */
  if (len == 0 || (oid[len - 1] & 0x80))
    return false;
  for (size_t i = 0; i < len; i++)
    if (oid[i] == 0x80 && (i == 0 || !(oid[i - 1] & 0x80)))
      return false;
  return true;
}

static const struct oid_name *oid_lookup(const uint8_t *oid, size_t len) {
  size_t lo = 0, hi = OTLS_ARRAY_SIZE(oid_names);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct oid_name *e = &oid_names[mid];
    int c = e->len < len ? -1 : e->len > len ? 1 : memcmp(e->der, oid, len);
    if (c == 0)
      return e;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const char *otls__oid_sn(const uint8_t *oid, size_t len) {
  const struct oid_name *e = oid_lookup(oid, len);
  return e ? e->sn : NULL;
}

const char *otls__oid_ln(const uint8_t *oid, size_t len) {
  const struct oid_name *e = oid_lookup(oid, len);
  return e ? (e->ln ? e->ln : e->sn) : NULL;
}

/* A decimal number of any size: little-endian base-1e9 limbs. */
struct bigdec {
  uint32_t limb[160]; /* 1440 digits: 586 bytes of 7-bit groups need 1235 */
  size_t n;
};

static void bigdec_muladd(struct bigdec *b, uint32_t mul, uint32_t add) {
  uint64_t carry = add;
  for (size_t i = 0; i < b->n; i++) {
    uint64_t v = (uint64_t)b->limb[i] * mul + carry;
    b->limb[i] = (uint32_t)(v % 1000000000u);
    carry = v / 1000000000u;
  }
  while (carry && b->n < OTLS_ARRAY_SIZE(b->limb)) {
    b->limb[b->n++] = (uint32_t)(carry % 1000000000u);
    carry /= 1000000000u;
  }
}

/* b -= v, for b >= v. */
static void bigdec_sub(struct bigdec *b, uint32_t v) {
  for (size_t i = 0; i < b->n && v; i++) {
    if (b->limb[i] >= v) {
      b->limb[i] -= v;
      v = 0;
    } else {
      b->limb[i] = b->limb[i] + 1000000000u - v;
      v = 1;
    }
  }
  while (b->n > 1 && b->limb[b->n - 1] == 0)
    b->n--;
}

static void bigdec_print(const struct bigdec *b, struct otls__text *t) {
  otls__text_addf(t, "%u", b->n ? b->limb[b->n - 1] : 0);
  for (size_t i = b->n - 1; i-- > 0;)
    otls__text_addf(t, "%09u", b->limb[i]);
}

int otls__oid_text(const uint8_t *oid, size_t len, bool numeric, char *buf, size_t cap) {
  if (cap)
    buf[0] = 0;
  if (!numeric) {
    const char *ln = otls__oid_ln(oid, len);
    if (ln != NULL) {
      size_t used = 0;
      otls__append(buf, cap, &used, ln, strlen(ln));
      return 0;
    }
  }
  /* OBJ_obj2txt() refuses more than 586 bytes (CVE-2023-2650). */
  if (len == 0 || len > 586 || !otls__oid_valid(oid, len))
    return -1;
  struct otls__text t = {0};
  bool first = true;
  size_t i = 0;
  while (i < len) {
    struct bigdec v = {{0}, 1};
    for (;;) {
      uint8_t c = oid[i++];
      bigdec_muladd(&v, 128, c & 0x7f);
      if (!(c & 0x80))
        break;
    }
    if (first) {
      first = false;
      /* 0..39 -> 0.x, 40..79 -> 1.x, 80.. -> 2.(v-80) */
      unsigned arc = 2;
      if (v.n == 1 && v.limb[0] < 80)
        arc = v.limb[0] / 40;
      bigdec_sub(&v, arc * 40);
      otls__text_addf(&t, "%u", arc);
    }
    otls__text_add(&t, ".", 1);
    bigdec_print(&v, &t);
  }
  if (t.oom) {
    otls__text_free(&t);
    return -1;
  }
  size_t used = 0;
  otls__append(buf, cap, &used, t.p, t.len);
  otls__text_free(&t);
  return 0;
}

/* === strings ================================================================ */

/* UTF8_getc() + is_unicode_valid(): one strict UTF-8 sequence. */
static int utf8_next(const uint8_t *p, size_t len, uint32_t *cp) {
  uint8_t b = p[0];
  size_t n;
  uint32_t v, min;
  if (b < 0x80) {
    *cp = b;
    return 1;
  } else if ((b & 0xe0) == 0xc0) {
    n = 2, v = b & 0x1f, min = 0x80;
  } else if ((b & 0xf0) == 0xe0) {
    n = 3, v = b & 0x0f, min = 0x800;
  } else if ((b & 0xf8) == 0xf0) {
    n = 4, v = b & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (len < n)
    return -1;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return -1;
    v = v << 6 | (p[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
    return -1;
  *cp = v;
  return (int)n;
}

/* Bytes per character of a string type, as tag2nbyte[] in a_strex.c / a_mbstr.c. */
static int tag_width(unsigned tag) {
  switch (tag) {
  case DER_UTF8: return 0;
  case 0x12: /* NumericString */
  case DER_PRINTABLE:
  case DER_T61:
  case DER_IA5:
  case DER_UTCTIME:
  case DER_GENTIME:
  case 0x1a: /* VisibleString */ return 1;
  case DER_UNIVERSAL: return 4;
  case DER_BMP: return 2;
  default: return -1;
  }
}

int otls__asn1_string_utf8(unsigned tag, const uint8_t *v, size_t len, struct otls__text *out) {
  int w = tag_width(tag);
  if (w < 0)
    return -1;
  if (w == 0) {
    for (size_t i = 0; i < len;) {
      uint32_t cp;
      int n = utf8_next(v + i, len - i, &cp);
      if (n < 0)
        return -1;
      i += (size_t)n;
    }
    otls__text_add(out, v, len);
    return 0;
  }
  if (len % (size_t)w)
    return -1;
  /* Check everything first: a failure must leave `out` untouched. */
  for (size_t i = 0; i < len; i += (size_t)w) {
    uint32_t c = 0;
    for (int k = 0; k < w; k++)
      c = c << 8 | v[i + (size_t)k];
    if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      return -1;
  }
  for (size_t i = 0; i < len; i += (size_t)w) {
    uint32_t c = 0;
    for (int k = 0; k < w; k++)
      c = c << 8 | v[i + (size_t)k];
    put_utf8(out, c);
  }
  return 0;
}

/* === times ================================================================== */

void otls__asn1_time_print(unsigned tag, const uint8_t *p, size_t len, char out[32]) {
  static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  struct tm_fields f;
  /* ossl_asn1_time_to_tm(): the day must exist in its month, no second 60. */
  if (time_fields(tag, p, len, &f) < 0 || f.s > 59) {
    snprintf(out, 32, "Bad time value");
    return;
  }
  int leap = (f.year % 4 == 0 && f.year % 100 != 0) || f.year % 400 == 0;
  int md = mdays[f.mon - 1] + (f.mon == 2 ? leap : 0);
  if (f.day > md) {
    snprintf(out, 32, "Bad time value");
    return;
  }
  /* ASN1_TIME_print(): "%s %2d %02d:%02d:%02d %d GMT" */
  snprintf(out, 32, "%s %2d %02d:%02d:%02d %d GMT", mon[f.mon - 1], f.day, f.h, f.mi, f.s, f.year);
}

/* === extensions ============================================================= */

int otls__x509_ext(const struct otls__x509 *x, const uint8_t *oid, size_t oid_len,
                   struct otls__blob *value, bool *critical) {
  int count = 0;
  if (x->extensions.len == 0) /* none (data may be NULL) */
    return 0;
  struct otls__der exts = otls__der_init(x->extensions.data, x->extensions.len);
  while (!otls__der_empty(&exts)) {
    struct otls__der ext, o, crit, val;
    bool is_crit = false;
    if (otls__der_expect(&exts, DER_SEQUENCE, &ext) < 0 || otls__der_expect(&ext, DER_OID, &o) < 0)
      break;
    if (otls__der_peek(&ext) == DER_BOOLEAN) {
      if (otls__der_expect(&ext, DER_BOOLEAN, &crit) < 0)
        break;
      is_crit = crit.end - crit.p == 1 && crit.p[0] != 0;
    }
    if (otls__der_expect(&ext, DER_OCTET_STRING, &val) < 0)
      break;
    if ((size_t)(o.end - o.p) == oid_len && memcmp(o.p, oid, oid_len) == 0) {
      if (count++ == 0) {
        if (value)
          *value = (struct otls__blob){val.p, (size_t)(val.end - val.p)};
        if (critical)
          *critical = is_crit;
      }
    }
  }
  return count;
}

/* An INTEGER as c2i_ASN1_INTEGER() accepts it: non-empty, minimal. */
static bool integer_ok(const uint8_t *p, size_t len) {
  if (len == 0)
    return false;
  if (len > 1 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80))))
    return false;
  return true;
}

/* BASIC_CONSTRAINTS: SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER OPTIONAL }. */
static int decode_bc(const struct otls__blob *v, bool *ca) {
  struct otls__der d = otls__der_init(v->data, v->len), seq, b, n;
  *ca = false;
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0)
    return -1;
  if (otls__der_peek(&seq) == DER_BOOLEAN) {
    if (otls__der_expect(&seq, DER_BOOLEAN, &b) < 0 || b.end - b.p != 1)
      return -1;
    *ca = b.p[0] != 0;
  }
  if (otls__der_peek(&seq) == DER_INTEGER) {
    if (otls__der_expect(&seq, DER_INTEGER, &n) < 0 || !integer_ok(n.p, (size_t)(n.end - n.p)) ||
        (n.p[0] & 0x80)) /* a negative pathlen makes the certificate invalid */
      return -1;
  }
  return otls__der_empty(&seq) ? 0 : -1;
}

/* A BIT STRING's contents: the unused-bits byte, then the bits. */
static bool bit_string_ok(const uint8_t *p, size_t len) {
  return len >= 1 && p[0] <= 7 && !(len == 1 && p[0] != 0);
}

static int decode_ku(const struct otls__blob *v) {
  struct otls__der d = otls__der_init(v->data, v->len), bs;
  if (otls__der_expect(&d, DER_BIT_STRING, &bs) < 0)
    return -1;
  size_t len = (size_t)(bs.end - bs.p);
  if (!bit_string_ok(bs.p, len))
    return -1;
  /* c2i_ASN1_BIT_STRING() clears the unused bits of the last byte. */
  uint8_t b0 = len > 1 ? bs.p[1] : 0, b1 = len > 2 ? bs.p[2] : 0;
  if (len == 2)
    b0 &= (uint8_t)(0xff << bs.p[0]);
  if (len == 3)
    b1 &= (uint8_t)(0xff << bs.p[0]);
  return b0 | b1 << 8;
}

/* SEQUENCE OF OBJECT IDENTIFIER; appends each in dotted form to `out` (may be NULL). */
static int decode_eku(const struct otls__blob *v, struct otls__text *out, int *count) {
  struct otls__der d = otls__der_init(v->data, v->len), seq, o;
  *count = 0;
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0)
    return -1;
  while (!otls__der_empty(&seq)) {
    if (otls__der_expect(&seq, DER_OID, &o) < 0 || !otls__oid_valid(o.p, (size_t)(o.end - o.p)))
      return -1;
    if (out) {
      char buf[256]; /* Node: OBJ_obj2txt(buf, 256, ..., 1) */
      if (otls__oid_text(o.p, (size_t)(o.end - o.p), true, buf, sizeof(buf)) < 0)
        continue;
      otls__text_add(out, buf, strlen(buf) + 1);
    }
    (*count)++;
  }
  return 0;
}

/* AUTHORITY_KEYID: SEQUENCE { [0] keyid, [1] issuer GeneralNames, [2] serial }. */
struct akid {
  bool has_keyid, has_issuer, has_serial;
  struct otls__blob keyid, issuer_names, serial;
};

static int decode_general_names(const uint8_t *p, size_t len);

static int decode_akid(const struct otls__blob *v, struct akid *a) {
  struct otls__der d = otls__der_init(v->data, v->len), seq, f;
  memset(a, 0, sizeof(*a));
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0)
    return -1;
  if (otls__der_peek(&seq) == 0x80) {
    if (otls__der_expect(&seq, 0x80, &f) < 0)
      return -1;
    a->has_keyid = true;
    a->keyid = (struct otls__blob){f.p, (size_t)(f.end - f.p)};
  }
  if (otls__der_peek(&seq) == 0xa1) {
    if (otls__der_expect(&seq, 0xa1, &f) < 0 ||
        decode_general_names(f.p, (size_t)(f.end - f.p)) < 0)
      return -1;
    a->has_issuer = true;
    a->issuer_names = (struct otls__blob){f.p, (size_t)(f.end - f.p)};
  }
  if (otls__der_peek(&seq) == 0x82) {
    if (otls__der_expect(&seq, 0x82, &f) < 0 || !integer_ok(f.p, (size_t)(f.end - f.p)))
      return -1;
    a->has_serial = true;
    a->serial = (struct otls__blob){f.p, (size_t)(f.end - f.p)};
  }
  return otls__der_empty(&seq) ? 0 : -1;
}

static int decode_skid(const struct otls__blob *v, struct otls__blob *id) {
  struct otls__der d = otls__der_init(v->data, v->len), os;
  if (otls__der_expect(&d, DER_OCTET_STRING, &os) < 0)
    return -1;
  *id = (struct otls__blob){os.p, (size_t)(os.end - os.p)};
  return 0;
}

static int decode_san(const struct otls__blob *v) {
  struct otls__der d = otls__der_init(v->data, v->len), seq;
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0)
    return -1;
  return decode_general_names(seq.p, (size_t)(seq.end - seq.p));
}

bool otls__x509_exts_valid(const struct otls__x509 *x) {
  struct otls__blob v;
  int n;
  bool ca;
  struct akid a;
  struct otls__blob id;
  int cnt;
  if ((n = otls__x509_ext(x, OID_BASIC_CONSTRAINTS, sizeof(OID_BASIC_CONSTRAINTS), &v, NULL)) > 1 ||
      (n == 1 && decode_bc(&v, &ca) < 0))
    return false;
  if ((n = otls__x509_ext(x, OID_KEY_USAGE, sizeof(OID_KEY_USAGE), &v, NULL)) > 1 ||
      (n == 1 && decode_ku(&v) < 0))
    return false;
  if ((n = otls__x509_ext(x, OID_EXT_KEY_USAGE, sizeof(OID_EXT_KEY_USAGE), &v, NULL)) > 1 ||
      (n == 1 && decode_eku(&v, NULL, &cnt) < 0))
    return false;
  if ((n = otls__x509_ext(x, OID_SKID, sizeof(OID_SKID), &v, NULL)) > 1 ||
      (n == 1 && decode_skid(&v, &id) < 0))
    return false;
  if ((n = otls__x509_ext(x, OID_AKID, sizeof(OID_AKID), &v, NULL)) > 1 ||
      (n == 1 && decode_akid(&v, &a) < 0))
    return false;
  if ((n = otls__x509_ext(x, OID_SAN, sizeof(OID_SAN), &v, NULL)) > 1 ||
      (n == 1 && decode_san(&v) < 0))
    return false;
  return true;
}

int otls__x509_key_usage(const struct otls__x509 *x) {
  struct otls__blob v;
  if (otls__x509_ext(x, OID_KEY_USAGE, sizeof(OID_KEY_USAGE), &v, NULL) != 1)
    return -1;
  return decode_ku(&v);
}

/* ku_reject(): a keyUsage is present and lacks `bit`. */
static bool ku_reject(const struct otls__x509 *x, int bit) {
  int ku = otls__x509_key_usage(x);
  return ku >= 0 && !(ku & bit);
}

bool otls__x509_node_ca(const struct otls__x509 *x) {
  /* X509_check_ca() -> check_ca() == 1 */
  struct otls__blob v;
  bool ca;
  if (!otls__x509_exts_valid(x) || ku_reject(x, OTLS__KU_KEY_CERT_SIGN))
    return false;
  if (otls__x509_ext(x, OID_BASIC_CONSTRAINTS, sizeof(OID_BASIC_CONSTRAINTS), &v, NULL) != 1 ||
      decode_bc(&v, &ca) < 0)
    return false;
  return ca;
}

/* === names ================================================================== */

struct name_entry {
  struct otls__blob oid;   /* contents */
  unsigned tag;            /* the value's identifier byte */
  struct otls__blob value; /* the value's contents */
  struct otls__blob tlv;   /* the value's whole TLV */
  size_t rdn;              /* index of its RelativeDistinguishedName */
};

/*
 * Split a Name (full TLV) into its attributes, in order. Returns the count
 * (entries malloc'ed into *out, NULL when none), OTLS_E_DER_BAD when
 * malformed, or OTLS_E_NOMEM.
 */
static int name_entries(const uint8_t *p, size_t len, struct name_entry **out) {
  *out = NULL;
  struct otls__der top = otls__der_init(p, len), rdns;
  if (otls__der_expect(&top, DER_SEQUENCE, &rdns) < 0 || !otls__der_empty(&top))
    return OTLS_E_DER_BAD;
  /* Each attribute takes at least 6 bytes (30 04 06 00 xx 00): a bound. */
  size_t cap = len / 6 + 1, n = 0, rdn = 0;
  struct name_entry *e = calloc(cap, sizeof(*e));
  if (e == NULL)
    return OTLS_E_NOMEM;
  while (!otls__der_empty(&rdns)) {
    struct otls__der set;
    if (otls__der_expect(&rdns, DER_SET, &set) < 0)
      goto bad;
    while (!otls__der_empty(&set)) {
      struct otls__der atv, oid;
      unsigned tag;
      const uint8_t *v;
      size_t l;
      if (otls__der_expect(&set, DER_SEQUENCE, &atv) < 0 ||
          otls__der_expect(&atv, DER_OID, &oid) < 0)
        goto bad;
      const uint8_t *tlv = atv.p;
      if (otls__der_next(&atv, &tag, &v, &l) < 0 || !otls__der_empty(&atv) || n == cap)
        goto bad;
      e[n].oid = (struct otls__blob){oid.p, (size_t)(oid.end - oid.p)};
      e[n].tag = tag;
      e[n].value = (struct otls__blob){v, l};
      e[n].tlv = (struct otls__blob){tlv, (size_t)(v + l - tlv)};
      e[n].rdn = rdn;
      n++;
    }
    rdn++;
  }
  if (n == 0) {
    free(e);
    return 0;
  }
  *out = e;
  return (int)n;
bad:
  free(e);
  return OTLS_E_DER_BAD;
}

int otls__x509_name_list(const struct otls__blob *name, struct otls__x509_attr **out) {
  struct name_entry *e;
  int n = name_entries(name->data, name->len, &e);
  *out = NULL;
  if (n <= 0)
    return n;
  struct otls__x509_attr *a = calloc((size_t)n, sizeof(*a));
  if (a == NULL) {
    free(e);
    return OTLS_E_NOMEM;
  }
  for (int i = 0; i < n; i++) {
    a[i].oid = e[i].oid;
    a[i].tag = e[i].tag;
    a[i].value = e[i].value;
    a[i].rdn = e[i].rdn;
  }
  free(e);
  *out = a;
  return n;
}

/* Value tags an X509_NAME_ENTRY (ASN1_PRINTABLE, an MSTRING) decodes. */
static bool name_value_tag_ok(const struct name_entry *e) {
  unsigned t = e->tag;
  if (t == DER_SEQUENCE)
    return true;
  if (t & 0xe0) /* not universal, or constructed (BER only) */
    return false;
  switch (t) {
  case DER_BIT_STRING: return bit_string_ok(e->value.data, e->value.len);
  case 0x07:
  case 0x08:
  case 0x09:
  case 0x0a:
  case 0x0b:
  case 0x0d:
  case 0x0e:
  case 0x0f:
  case 0x1d: /* B_ASN1_UNKNOWN */
  case DER_UTF8:
  case 0x12:
  case DER_PRINTABLE:
  case DER_T61:
  case DER_IA5: return true;
  case DER_UNIVERSAL: return e->value.len % 4 == 0;
  case DER_BMP: return e->value.len % 2 == 0;
  default: return false;
  }
}

/* Types x509_name_canon() converts (ASN1_MASK_CANON). */
static bool canon_type(unsigned tag) {
  return tag == DER_UTF8 || tag == DER_BMP || tag == DER_UNIVERSAL || tag == DER_PRINTABLE ||
         tag == DER_T61 || tag == DER_IA5 || tag == 0x1a;
}

static bool is_space(uint8_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

/* asn1_string_canon(): UTF-8, trimmed, inner blanks collapsed, ASCII lower-cased. */
static int canon_value(const struct name_entry *e, struct otls__text *out) {
  struct otls__text u = {0};
  if (otls__asn1_string_utf8(e->tag, e->value.data, e->value.len, &u) < 0) {
    otls__text_free(&u);
    return -1;
  }
  const uint8_t *s = (const uint8_t *)u.p;
  size_t a = 0, b = u.len;
  while (a < b && is_space(s[a]))
    a++;
  while (b > a && is_space(s[b - 1]))
    b--;
  for (size_t i = a; i < b;) {
    if (s[i] & 0x80) {
      otls__text_add(out, &s[i++], 1);
    } else if (is_space(s[i])) {
      otls__text_add(out, " ", 1);
      while (i < b && is_space(s[i]))
        i++;
    } else {
      char c = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
      otls__text_add(out, &c, 1);
      i++;
    }
  }
  otls__text_free(&u);
  return 0;
}

static void add_len(struct otls__text *t, size_t n) {
  uint8_t b[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  otls__text_add(t, b, 4);
}

struct canon_item {
  char *p;
  size_t len;
};

static int canon_item_cmp(const void *a, const void *b) {
  const struct canon_item *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->p, y->p, n);
  if (c)
    return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * x509_name_canon(): a byte string that is equal for two names exactly when
 * X509_NAME_cmp() says they are. Returns 0, or -1 when OpenSSL would not
 * decode the name.
 */
static int name_canon(const uint8_t *p, size_t len, struct otls__text *out) {
  struct name_entry *e;
  int n = name_entries(p, len, &e);
  if (n < 0)
    return -1;
  int rv = 0;
  struct canon_item *items = n ? calloc((size_t)n, sizeof(*items)) : NULL;
  if (n && items == NULL) {
    free(e);
    return -1;
  }
  for (int i = 0; i < n && rv == 0; i++) {
    struct otls__text t = {0};
    add_len(&t, e[i].oid.len);
    otls__text_add(&t, e[i].oid.data, e[i].oid.len);
    if (canon_type(e[i].tag)) {
      otls__text_add(&t, "\x0c", 1);
      size_t at = t.len;
      add_len(&t, 0);
      if (canon_value(&e[i], &t) < 0)
        rv = -1;
      else if (!t.oom) {
        size_t vl = t.len - at - 4;
        uint8_t b[4] = {(uint8_t)(vl >> 24), (uint8_t)(vl >> 16), (uint8_t)(vl >> 8), (uint8_t)vl};
        memcpy(t.p + at, b, 4);
      }
    } else {
      otls__text_add(&t, &(uint8_t){(uint8_t)e[i].tag}, 1);
      add_len(&t, e[i].value.len);
      otls__text_add(&t, e[i].value.data, e[i].value.len);
    }
    if (t.oom)
      rv = -1;
    items[i].p = t.p;
    items[i].len = t.len;
  }
  /* One SET per RDN, its members in a fixed order (DER sorts SET OF). */
  for (int i = 0; i < n && rv == 0;) {
    int j = i;
    while (j < n && e[j].rdn == e[i].rdn)
      j++;
    qsort(items + i, (size_t)(j - i), sizeof(*items), canon_item_cmp);
    otls__text_add(out, "{", 1);
    add_len(out, (size_t)(j - i));
    for (int k = i; k < j; k++) {
      add_len(out, items[k].len);
      otls__text_add(out, items[k].p, items[k].len);
    }
    i = j;
  }
  if (out->oom)
    rv = -1;
  for (int i = 0; i < n; i++)
    free(items[i].p);
  free(items);
  free(e);
  return rv;
}

/* X509_NAME_cmp(a, b) == 0 (both full Name TLVs). */
static bool name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  if (alen == blen && memcmp(a, b, alen) == 0)
    return true;
  struct otls__text ca = {0}, cb = {0};
  bool eq = name_canon(a, alen, &ca) == 0 && name_canon(b, blen, &cb) == 0 && ca.len == cb.len &&
            (ca.len == 0 || memcmp(ca.p, cb.p, ca.len) == 0);
  otls__text_free(&ca);
  otls__text_free(&cb);
  return eq;
}

/* d2i_X509_NAME() would accept this Name (full TLV): every value decodes and canonicalizes. */
static bool name_decodes(const uint8_t *p, size_t len) {
  struct name_entry *e;
  int n = name_entries(p, len, &e);
  if (n < 0)
    return false;
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    if (!otls__oid_valid(e[i].oid.data, e[i].oid.len) || !name_value_tag_ok(&e[i]))
      ok = false;
    else if (canon_type(e[i].tag)) {
      struct otls__text t = {0};
      ok = otls__asn1_string_utf8(e[i].tag, e[i].value.data, e[i].value.len, &t) == 0;
      otls__text_free(&t);
    }
  }
  free(e);
  return ok;
}

static void hex_upper(struct otls__text *t, const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    char b[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
    otls__text_add(t, b, 2);
  }
}

static void der_header(struct otls__text *t, unsigned tag, size_t len) {
  uint8_t h[6];
  size_t n = 0;
  h[n++] = (uint8_t)tag;
  if (len < 0x80) {
    h[n++] = (uint8_t)len;
  } else {
    size_t k = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
    h[n++] = (uint8_t)(0x80 | k);
    while (k--)
      h[n++] = (uint8_t)(len >> (8 * k));
  }
  otls__text_add(t, h, n);
}

/* do_dump() with ASN1_STRFLGS_DUMP_DER: "#" and the value's DER in hex. */
static void dump_value(const struct name_entry *e, struct otls__text *out) {
  struct otls__text der = {0};
  if (e->tag == DER_SEQUENCE) {
    otls__text_add(&der, e->tlv.data, e->tlv.len); /* kept as it came */
  } else if (e->tag == DER_BIT_STRING) {
    /* re-encoded: the unused bits of the last byte cleared */
    size_t l = e->value.len;
    der_header(&der, e->tag, l);
    if (l == 1) {
      otls__text_add(&der, "\0", 1);
    } else {
      otls__text_add(&der, e->value.data, l - 1);
      uint8_t last = (uint8_t)(e->value.data[l - 1] & (0xff << e->value.data[0]));
      otls__text_add(&der, &last, 1);
    }
  } else {
    der_header(&der, e->tag, e->value.len);
    otls__text_add(&der, e->value.data, e->value.len);
  }
  otls__text_add(out, "#", 1);
  if (!der.oom)
    hex_upper(out, (const uint8_t *)der.p, der.len);
  else
    out->oom = true;
  otls__text_free(&der);
}

/*
 * do_esc_char() with ASN1_STRFLGS_ESC_2253 only (Node clears ESC_CTRL and
 * ESC_MSB): ",+\"\\<>;" always, '#' first, ' ' first or last get a
 * backslash; everything else passes through as it is.
 */
static void esc_2253(struct otls__text *out, uint8_t c, bool first, bool last) {
  bool esc = false;
  if (c < 0x80) {
    if (strchr(",+\"\\<>;", c) && c != 0)
      esc = true;
    else if (c == '#' && first && !last) /* a one-byte value is "last", not "first" */
      esc = true;
    else if (c == ' ' && (first || last))
      esc = true;
  }
  if (esc)
    otls__text_add(out, "\\", 1);
  otls__text_add(out, &c, 1);
}

/* do_print_ex() of one value (ESC_2253 | UTF8_CONVERT | DUMP_UNKNOWN | DUMP_DER). */
static void print_value_2253(const struct name_entry *e, bool known, struct otls__text *out) {
  int w = (e->tag & 0xe0) ? -1 : tag_width(e->tag);
  if (!known || w < 0) {
    dump_value(e, out);
    return;
  }
  const uint8_t *p = e->value.data;
  size_t n = e->value.len;
  if (w == 0 || w == 1) {
    /* UTF8String bytes are printed as they are; Latin-1 becomes UTF-8. */
    for (size_t i = 0; i < n; i++) {
      bool first = i == 0, last = i + 1 == n;
      if (w == 1 && p[i] >= 0x80) {
        put_utf8(out, p[i]);
      } else {
        esc_2253(out, p[i], first && !last, last);
      }
    }
    return;
  }
  for (size_t i = 0; i + (size_t)w <= n; i += (size_t)w) {
    uint32_t c = 0;
    for (int k = 0; k < w; k++)
      c = c << 8 | p[i + (size_t)k];
    bool first = i == 0, last = i + (size_t)w == n;
    if (c < 0x80)
      esc_2253(out, (uint8_t)c, first && !last, last);
    else if (c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff))
      put_utf8(out, c);
    /* else UTF8_putc() fails and OpenSSL drops the character */
  }
}

/*
 * X509_NAME_print_ex(out, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB &
 * ~ASN1_STRFLGS_ESC_CTRL): Node's DirName text. Last RDN first, "," between
 * RDNs and "+" inside one, short names (or the dotted OID).
 */
static int name_print_2253(const uint8_t *p, size_t len, struct otls__text *out) {
  struct name_entry *e;
  int n = name_entries(p, len, &e);
  if (n < 0)
    return -1;
  for (int k = 0; k < n; k++) {
    const struct name_entry *x = &e[n - 1 - k];
    if (k > 0)
      otls__text_add(out, e[n - k].rdn == x->rdn ? "+" : ",", 1);
    const char *sn = otls__oid_sn(x->oid.data, x->oid.len);
    if (sn != NULL) {
      otls__text_adds(out, sn);
    } else {
      char buf[80];
      otls__oid_text(x->oid.data, x->oid.len, true, buf, sizeof(buf));
      otls__text_adds(out, buf);
    }
    otls__text_add(out, "=", 1);
    print_value_2253(x, sn != NULL, out);
  }
  free(e);
  return 0;
}

/* === GeneralName ============================================================ */

/* Node's IsSafeAltName(). */
static bool alt_name_safe(const uint8_t *s, size_t n, bool utf8) {
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\' || c == ',' || c == '\'')
      return false;
    if (utf8) {
      if (c < ' ' || c == 0x7f)
        return false;
    } else if (c < ' ' || c > '~') {
      return false;
    }
  }
  return true;
}

/* Node's PrintAltName(): as-is when safe, else a JSON string literal. */
static void print_alt_name(struct otls__text *out, const uint8_t *s, size_t n, bool utf8,
                           const char *prefix) {
  if (alt_name_safe(s, n, utf8)) {
    if (prefix) {
      otls__text_adds(out, prefix);
      otls__text_add(out, ":", 1);
    }
    otls__text_add(out, s, n);
    return;
  }
  otls__text_add(out, "\"", 1);
  if (prefix) {
    otls__text_adds(out, prefix);
    otls__text_add(out, ":", 1);
  }
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '\\')
      otls__text_add(out, "\\\\", 2);
    else if (c == '"')
      otls__text_add(out, "\\\"", 2);
    else if ((c >= ' ' && c != ',' && c <= '~') || (utf8 && (c & 0x80)))
      otls__text_add(out, &c, 1);
    else
      otls__text_addf(out, "\\u00%02x", c);
  }
  otls__text_add(out, "\"", 1);
}

/* An ANY value as OpenSSL decodes it (ASN1_ANY): 0, or -1 when it would fail. */
static int any_ok(unsigned tag, const uint8_t *v, size_t l) {
  if ((tag & 0xc0) != 0) /* not universal: kept as V_ASN1_OTHER */
    return 0;
  if (tag & 0x20) /* constructed: SEQUENCE / SET, or a BER string we do not collect */
    return tag == DER_SEQUENCE || tag == DER_SET ? 0 : -1;
  switch (tag) {
  case DER_BOOLEAN: return l == 1 ? 0 : -1;
  case DER_NULL: return l == 0 ? 0 : -1;
  case DER_OID: return otls__oid_valid(v, l) ? 0 : -1;
  case DER_INTEGER:
  case 0x0a: return integer_ok(v, l) ? 0 : -1;
  case DER_BIT_STRING: return bit_string_ok(v, l) ? 0 : -1;
  case DER_BMP: return l % 2 ? -1 : 0;
  case DER_UNIVERSAL: return l % 4 ? -1 : 0;
  case DER_UTCTIME: return l < 13 ? -1 : 0;
  case DER_GENTIME: return l < 15 ? -1 : 0;
  default: return 0;
  }
}

/* A DirectoryString (EDIPARTYNAME members): Printable, T61, BMP, Universal or UTF8. */
static int dirstring_ok(struct otls__der *d) {
  unsigned tag;
  const uint8_t *v;
  size_t l;
  if (otls__der_next(d, &tag, &v, &l) < 0 || !otls__der_empty(d))
    return -1;
  switch (tag) {
  case DER_PRINTABLE:
  case DER_T61:
  case DER_UTF8: return 0;
  case DER_BMP: return l % 2 ? -1 : 0;
  case DER_UNIVERSAL: return l % 4 ? -1 : 0;
  default: return -1;
  }
}

/* The othername types Node names (OpenSSL 3.0 GENERAL_NAME_print). */
struct othername_type {
  uint8_t len;
  const char *oid;
  const char *prefix;
  bool utf8;
};
static const struct othername_type othername_types[] = {
    {8, "\x2b\x06\x01\x05\x05\x07\x08\x09", "SmtpUTF8Mailbox", true},
    {8, "\x2b\x06\x01\x05\x05\x07\x08\x05", "XmppAddr", true},
    {8, "\x2b\x06\x01\x05\x05\x07\x08\x07", "SRVName", false},
    {10, "\x2b\x06\x01\x04\x01\x82\x37\x14\x02\x03", "UPN", true},
    {8, "\x2b\x06\x01\x05\x05\x07\x08\x08", "NAIRealm", true},
};

/*
 * Decode one GeneralName as OpenSSL does and, when `out` is not NULL,
 * print it as Node's PrintGeneralName(). 0, or -1 when it does not decode.
 */
static int general_name(unsigned tag, const uint8_t *v, size_t l, struct otls__text *out) {
  struct otls__der d = otls__der_init(v, l), sub;
  switch (tag) {
  case OTLS__GN_DNS:
  case OTLS__GN_EMAIL:
  case OTLS__GN_URI:
    if (out) {
      otls__text_adds(out, tag == OTLS__GN_DNS     ? "DNS:"
                           : tag == OTLS__GN_EMAIL ? "email:"
                                                   : "URI:");
      print_alt_name(out, v, l, false, NULL);
    }
    return 0;
  case OTLS__GN_IP:
    if (out) {
      otls__text_adds(out, "IP Address:");
      if (l == 4) {
        otls__text_addf(out, "%d.%d.%d.%d", v[0], v[1], v[2], v[3]);
      } else if (l == 16) {
        for (int j = 0; j < 8; j++)
          otls__text_addf(out, j ? ":%X" : "%X", (unsigned)(v[2 * j] << 8 | v[2 * j + 1]));
      } else {
        otls__text_addf(out, "<invalid length=%zu>", l);
      }
    }
    return 0;
  case OTLS__GN_RID: {
    if (!otls__oid_valid(v, l))
      return -1;
    if (out) {
      char buf[256];
      otls__oid_text(v, l, true, buf, sizeof(buf));
      otls__text_adds(out, "Registered ID:");
      otls__text_adds(out, buf);
    }
    return 0;
  }
  case OTLS__GN_DIRNAME: {
    const uint8_t *np = d.p;
    if (otls__der_expect(&d, DER_SEQUENCE, &sub) < 0 || !otls__der_empty(&d))
      return -1;
    size_t nlen = (size_t)(d.p - np);
    if (!name_decodes(np, nlen))
      return -1;
    if (out) {
      struct otls__text t = {0};
      otls__text_adds(out, "DirName:");
      if (name_print_2253(np, nlen, &t) < 0) {
        otls__text_free(&t);
        return -1;
      }
      print_alt_name(out, (const uint8_t *)(t.p ? t.p : ""), t.len, true, NULL);
      if (t.oom)
        out->oom = true;
      otls__text_free(&t);
    }
    return 0;
  }
  case OTLS__GN_OTHER: {
    struct otls__der oid, wrap;
    unsigned vt;
    const uint8_t *vv;
    size_t vl;
    if (otls__der_expect(&d, DER_OID, &oid) < 0 ||
        !otls__oid_valid(oid.p, (size_t)(oid.end - oid.p)) ||
        otls__der_expect(&d, 0xa0, &wrap) < 0 || !otls__der_empty(&d) ||
        otls__der_next(&wrap, &vt, &vv, &vl) < 0 || !otls__der_empty(&wrap) ||
        any_ok(vt, vv, vl) < 0)
      return -1;
    if (out) {
      const struct othername_type *ot = NULL;
      size_t olen = (size_t)(oid.end - oid.p);
      for (size_t i = 0; i < OTLS_ARRAY_SIZE(othername_types); i++)
        if (othername_types[i].len == olen && memcmp(othername_types[i].oid, oid.p, olen) == 0)
          ot = &othername_types[i];
      if (ot == NULL || vt != (ot->utf8 ? DER_UTF8 : DER_IA5)) {
        otls__text_adds(out, "othername:<unsupported>");
      } else {
        otls__text_adds(out, "othername:");
        print_alt_name(out, vv, vl, ot->utf8, ot->prefix);
      }
    }
    return 0;
  }
  case OTLS__GN_X400:
    /* ORAddress, kept as an opaque SEQUENCE */
    if (out)
      otls__text_adds(out, "X400Name:<unsupported>");
    return 0;
  case OTLS__GN_EDIPARTY: {
    /* SEQUENCE { nameAssigner [0] EXPLICIT DirectoryString OPTIONAL, partyName [1] EXPLICIT ... }
     */
    if (otls__der_peek(&d) == 0xa0) {
      if (otls__der_expect(&d, 0xa0, &sub) < 0 || dirstring_ok(&sub) < 0)
        return -1;
    }
    if (otls__der_expect(&d, 0xa1, &sub) < 0 || dirstring_ok(&sub) < 0 || !otls__der_empty(&d))
      return -1;
    if (out)
      otls__text_adds(out, "EdiPartyName:<unsupported>");
    return 0;
  }
  default: return -1;
  }
}

/* GeneralNames contents: every element decodes. */
static int decode_general_names(const uint8_t *p, size_t len) {
  struct otls__der it = otls__der_init(p, len);
  while (!otls__der_empty(&it)) {
    unsigned tag;
    const uint8_t *v;
    size_t l;
    if (otls__der_next(&it, &tag, &v, &l) < 0 || general_name(tag, v, l, NULL) < 0)
      return -1;
  }
  return 0;
}

int otls__x509_san_text(const struct otls__x509 *x, struct otls__text *out) {
  if (!x->has_san)
    return 0;
  /* SafeX509SubjectAltNamePrint(): decode all, then print ", "-separated. */
  if (decode_general_names(x->san.data, x->san.len) < 0)
    return -1;
  struct otls__text t = {0};
  otls__text_add(&t, "", 0);
  struct otls__der it = otls__der_init(x->san.data, x->san.len);
  bool first = true;
  while (!otls__der_empty(&it)) {
    unsigned tag;
    const uint8_t *v;
    size_t l;
    if (otls__der_next(&it, &tag, &v, &l) < 0)
      break;
    if (!first)
      otls__text_add(&t, ", ", 2);
    first = false;
    if (general_name(tag, v, l, &t) < 0) {
      otls__text_free(&t);
      return -1;
    }
  }
  otls__utf8_sanitize(&t);
  if (t.oom)
    out->oom = true;
  else
    otls__text_add(out, t.p, t.len);
  otls__text_free(&t);
  return 1;
}

int otls__x509_aia_text(const struct otls__x509 *x, struct otls__text *out) {
  struct otls__blob v;
  if (otls__x509_ext(x, OID_AIA, sizeof(OID_AIA), &v, NULL) == 0)
    return 0;
  /* AUTHORITY_INFO_ACCESS: SEQUENCE OF SEQUENCE { accessMethod OID, accessLocation GeneralName } */
  struct otls__der d = otls__der_init(v.data, v.len), seq;
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0)
    return -1;
  struct otls__der check = seq;
  while (!otls__der_empty(&check)) {
    struct otls__der ad, m;
    unsigned tag;
    const uint8_t *gv;
    size_t gl;
    if (otls__der_expect(&check, DER_SEQUENCE, &ad) < 0 || otls__der_expect(&ad, DER_OID, &m) < 0 ||
        !otls__oid_valid(m.p, (size_t)(m.end - m.p)) || otls__der_next(&ad, &tag, &gv, &gl) < 0 ||
        !otls__der_empty(&ad) || general_name(tag, gv, gl, NULL) < 0)
      return -1;
  }
  struct otls__text t = {0};
  otls__text_add(&t, "", 0);
  bool first = true;
  while (!otls__der_empty(&seq)) {
    struct otls__der ad, m;
    unsigned tag;
    const uint8_t *gv;
    size_t gl;
    if (otls__der_expect(&seq, DER_SEQUENCE, &ad) < 0 || otls__der_expect(&ad, DER_OID, &m) < 0 ||
        otls__der_next(&ad, &tag, &gv, &gl) < 0)
      break;
    if (!first)
      otls__text_add(&t, "\n", 1);
    first = false;
    char method[80]; /* i2t_ASN1_OBJECT(objtmp, 80, ...) */
    otls__oid_text(m.p, (size_t)(m.end - m.p), false, method, sizeof(method));
    otls__text_addf(&t, "%s - ", method);
    if (general_name(tag, gv, gl, &t) < 0) {
      otls__text_free(&t);
      return -1;
    }
  }
  otls__utf8_sanitize(&t);
  if (t.oom)
    out->oom = true;
  else
    otls__text_add(out, t.p, t.len);
  otls__text_free(&t);
  return 1;
}

int otls__x509_eku_text(const struct otls__x509 *x, struct otls__text *out) {
  struct otls__blob v;
  int count;
  /* X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL): NULL when repeated. */
  if (otls__x509_ext(x, OID_EXT_KEY_USAGE, sizeof(OID_EXT_KEY_USAGE), &v, NULL) != 1)
    return -1;
  size_t mark = out->len;
  if (decode_eku(&v, out, &count) < 0) {
    if (!out->oom && out->p) {
      out->len = mark;
      out->p[mark] = 0;
    }
    return -1;
  }
  return count;
}

/* === public keys ============================================================ */

static const uint8_t OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t OID_RSA_PSS[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
static const uint8_t OID_EC_PUBLIC_KEY[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_DSA[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t OID_X25519[] = {0x2b, 0x65, 0x6e};
static const uint8_t OID_X448[] = {0x2b, 0x65, 0x6f};
static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70};
static const uint8_t OID_ED448[] = {0x2b, 0x65, 0x71};

static const struct oid_curve *curve_lookup(const uint8_t *oid, size_t len) {
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(oid_curves); i++)
    if (oid_curves[i].len == len && memcmp(oid_curves[i].der, oid, len) == 0)
      return &oid_curves[i];
  return NULL;
}

static struct otls__blob strip_zeros(const uint8_t *p, size_t n) {
  while (n > 0 && p[0] == 0)
    p++, n--;
  return (struct otls__blob){p, n};
}

void otls__x509_spki(const struct otls__blob *spki, struct otls__spki *out) {
  memset(out, 0, sizeof(*out));
  struct otls__der d = otls__der_init(spki->data, spki->len), seq, alg, oid, bits;
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0 ||
      otls__der_expect(&seq, DER_SEQUENCE, &alg) < 0 || otls__der_expect(&alg, DER_OID, &oid) < 0 ||
      otls__der_expect(&seq, DER_BIT_STRING, &bits) < 0 || bits.p == bits.end || bits.p[0] > 7)
    return;
  const uint8_t *key = bits.p + 1;
  size_t klen = (size_t)(bits.end - key), olen = (size_t)(oid.end - oid.p);
  if (OID_IS(oid.p, olen, OID_RSA) || OID_IS(oid.p, olen, OID_RSA_PSS)) {
    /* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }; the
     * BIGNUM decoder reads both as unsigned magnitudes. Bytes after it are ignored. */
    struct otls__der k = otls__der_init(key, klen), rk, n, e;
    if (otls__der_expect(&k, DER_SEQUENCE, &rk) < 0 || otls__der_expect(&rk, DER_INTEGER, &n) < 0 ||
        otls__der_expect(&rk, DER_INTEGER, &e) < 0 || !otls__der_empty(&rk))
      return;
    out->n = strip_zeros(n.p, (size_t)(n.end - n.p));
    out->e = strip_zeros(e.p, (size_t)(e.end - e.p));
    out->type = OTLS__KEY_RSA;
    if (OID_IS(oid.p, olen, OID_RSA_PSS))
      out->type = OTLS__KEY_RSA_PSS;
  } else if (OID_IS(oid.p, olen, OID_EC_PUBLIC_KEY)) {
    unsigned ptag;
    const uint8_t *pv;
    size_t pl;
    if (otls__der_next(&alg, &ptag, &pv, &pl) < 0)
      return; /* implicitlyCA / absent parameters: not decodable */
    if (ptag == DER_SEQUENCE) {
      /*
       * Explicit ECParameters { version, fieldID, curve, base, order, cofactor }:
       * OpenSSL decodes them (and names the curve when they equal a built-in
       * one, which omnitls does not). Bits come from the order.
       */
      struct otls__der ep = otls__der_init(pv, pl), f;
      if (otls__der_expect(&ep, DER_INTEGER, &f) < 0 ||
          otls__der_expect(&ep, DER_SEQUENCE, &f) < 0 ||
          otls__der_expect(&ep, DER_SEQUENCE, &f) < 0 ||
          otls__der_expect(&ep, DER_OCTET_STRING, &f) < 0 ||
          otls__der_expect(&ep, DER_INTEGER, &f) < 0 || klen == 0)
        return;
      struct otls__blob order = strip_zeros(f.p, (size_t)(f.end - f.p));
      if (order.len == 0 ||
          !(key[0] == 0x02 || key[0] == 0x03 || key[0] == 0x04 || key[0] == 0x06 || key[0] == 0x07))
        return;
      int top = 8;
      while (top > 0 && !(order.data[0] & (1u << (top - 1))))
        top--;
      out->type = OTLS__KEY_EC;
      out->point = (struct otls__blob){key, klen};
      out->curve_bits = (int)(order.len - 1) * 8 + top;
      return;
    }
    const struct oid_curve *c = ptag == DER_OID ? curve_lookup(pv, pl) : NULL;
    if (c == NULL)
      return;
    /* EC_POINT_oct2point(): the encodings and their lengths (not the curve equation). */
    size_t f = (size_t)c->field_len;
    bool ok = false;
    if (klen == 1 + f && (key[0] == 0x02 || key[0] == 0x03))
      ok = true;
    else if (klen == 1 + 2 * f && (key[0] == 0x04 || key[0] == 0x06 || key[0] == 0x07))
      ok = true;
    if (!ok)
      return;
    out->type = OTLS__KEY_EC;
    out->point = (struct otls__blob){key, klen};
    out->curve = c->sn;
    out->nist_curve = c->nist;
    out->curve_bits = c->order_bits;
  } else if (OID_IS(oid.p, olen, OID_DSA)) {
    out->type = OTLS__KEY_DSA;
  } else if (OID_IS(oid.p, olen, OID_ED25519)) {
    out->type = klen == 32 ? OTLS__KEY_ED25519 : OTLS__KEY_UNKNOWN;
  } else if (OID_IS(oid.p, olen, OID_ED448)) {
    out->type = klen == 57 ? OTLS__KEY_ED448 : OTLS__KEY_UNKNOWN;
  } else if (OID_IS(oid.p, olen, OID_X25519)) {
    out->type = klen == 32 ? OTLS__KEY_X25519 : OTLS__KEY_UNKNOWN;
  } else if (OID_IS(oid.p, olen, OID_X448)) {
    out->type = klen == 56 ? OTLS__KEY_X448 : OTLS__KEY_UNKNOWN;
  }
}

/* === issuers ================================================================ */

/* The key type a signature algorithm needs (OBJ_find_sigid_algs). */
static enum otls__key_type sig_key_type(const struct otls__blob *alg) {
  static const struct {
    uint8_t len;
    const char *oid;
    enum otls__key_type type;
  } sigs[] = {
      /* PKCS#1 v1.5: md2, md4, md5, sha1, sha256, sha384, sha512, sha224, sha512-224/256 */
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x02", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x03", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x04", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0e", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0f", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x10", OTLS__KEY_RSA},
      {5, "\x2b\x0e\x03\x02\x1d", OTLS__KEY_RSA},                 /* sha1WithRSA (OIW) */
      {6, "\x2b\x24\x03\x03\x01\x02", OTLS__KEY_RSA},             /* ripemd160WithRSA */
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x0d", OTLS__KEY_RSA}, /* sha3-224..512 with RSA */
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x0e", OTLS__KEY_RSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x0f", OTLS__KEY_RSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x10", OTLS__KEY_RSA},
      {9, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a", OTLS__KEY_RSA_PSS},
      /* ECDSA: sha1, sha224, sha256, sha384, sha512, sha3-* */
      {7, "\x2a\x86\x48\xce\x3d\x04\x01", OTLS__KEY_EC},
      {8, "\x2a\x86\x48\xce\x3d\x04\x03\x01", OTLS__KEY_EC},
      {8, "\x2a\x86\x48\xce\x3d\x04\x03\x02", OTLS__KEY_EC},
      {8, "\x2a\x86\x48\xce\x3d\x04\x03\x03", OTLS__KEY_EC},
      {8, "\x2a\x86\x48\xce\x3d\x04\x03\x04", OTLS__KEY_EC},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x09", OTLS__KEY_EC},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x0a", OTLS__KEY_EC},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x0b", OTLS__KEY_EC},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x0c", OTLS__KEY_EC},
      /* DSA: sha1, sha224, sha256, sha3-* */
      {7, "\x2a\x86\x48\xce\x38\x04\x03", OTLS__KEY_DSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x01", OTLS__KEY_DSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x02", OTLS__KEY_DSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x05", OTLS__KEY_DSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x06", OTLS__KEY_DSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x07", OTLS__KEY_DSA},
      {9, "\x60\x86\x48\x01\x65\x03\x04\x03\x08", OTLS__KEY_DSA},
      {3, "\x2b\x65\x70", OTLS__KEY_ED25519},
      {3, "\x2b\x65\x71", OTLS__KEY_ED448},
  };
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(sigs); i++)
    if (sigs[i].len == alg->len && memcmp(sigs[i].oid, alg->data, alg->len) == 0)
      return sigs[i].type;
  return OTLS__KEY_UNKNOWN;
}

/* Compare two INTEGER contents by value (ASN1_INTEGER_cmp() == 0). */
static bool integer_equal(const struct otls__blob *a, const struct otls__blob *b) {
  struct otls__blob x = *a, y = *b;
  while (x.len > 1 &&
         ((x.data[0] == 0 && !(x.data[1] & 0x80)) || (x.data[0] == 0xff && (x.data[1] & 0x80))))
    x.data++, x.len--;
  while (y.len > 1 &&
         ((y.data[0] == 0 && !(y.data[1] & 0x80)) || (y.data[0] == 0xff && (y.data[1] & 0x80))))
    y.data++, y.len--;
  return x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
}

/* X509_check_akid(issuer, subject's AKID) == X509_V_OK */
static bool akid_matches(const struct otls__x509 *issuer, const struct akid *a) {
  if (a->has_keyid) {
    struct otls__blob v, skid;
    if (otls__x509_ext(issuer, OID_SKID, sizeof(OID_SKID), &v, NULL) == 1 &&
        decode_skid(&v, &skid) == 0 &&
        (skid.len != a->keyid.len || memcmp(skid.data, a->keyid.data, skid.len) != 0))
      return false;
  }
  if (a->has_serial && !integer_equal(&issuer->serial, &a->serial))
    return false;
  if (a->has_issuer) {
    /* Only the first directoryName counts. */
    struct otls__der it = otls__der_init(a->issuer_names.data, a->issuer_names.len);
    while (!otls__der_empty(&it)) {
      unsigned tag;
      const uint8_t *v;
      size_t l;
      if (otls__der_next(&it, &tag, &v, &l) < 0)
        break;
      if (tag == OTLS__GN_DIRNAME)
        return name_equal(v, l, issuer->issuer.data, issuer->issuer.len);
    }
  }
  return true;
}

bool otls__x509_check_issued(const struct otls__x509 *issuer, const struct otls__x509 *subject) {
  /* ossl_x509_likely_issued() */
  if (!name_equal(issuer->subject.data, issuer->subject.len, subject->issuer.data,
                  subject->issuer.len))
    return false;
  if (!otls__x509_exts_valid(issuer) || !otls__x509_exts_valid(subject))
    return false;
  struct otls__blob v;
  struct akid a;
  if (otls__x509_ext(subject, OID_AKID, sizeof(OID_AKID), &v, NULL) == 1 &&
      (decode_akid(&v, &a) < 0 || !akid_matches(issuer, &a)))
    return false;
  /* check_sig_alg_match() */
  struct otls__spki k;
  otls__x509_spki(&issuer->spki, &k);
  enum otls__key_type want = sig_key_type(&subject->sig_alg);
  if (k.type == OTLS__KEY_UNKNOWN || want == OTLS__KEY_UNKNOWN)
    return false;
  if (k.type != want && !(k.type == OTLS__KEY_RSA && want == OTLS__KEY_RSA_PSS))
    return false;
  /* ossl_x509_signing_allowed() */
  bool proxy =
      otls__x509_ext(subject, OID_PROXY_CERT_INFO, sizeof(OID_PROXY_CERT_INFO), NULL, NULL) > 0;
  return !ku_reject(issuer, proxy ? OTLS__KU_DIGITAL_SIGNATURE : OTLS__KU_KEY_CERT_SIGN);
}

/* --- CRLs ------------------------------------------------------------------- */

static int crl_time(struct otls__der *d) {
  unsigned tag;
  const uint8_t *v;
  size_t l;
  int64_t t;
  if (otls__der_next(d, &tag, &v, &l) < 0 || (tag != DER_UTCTIME && tag != DER_GENTIME))
    return -1;
  return otls__asn1_time(tag, v, l, &t);
}

static bool next_is_time(const struct otls__der *d) {
  int t = otls__der_peek(d);
  return t == DER_UTCTIME || t == DER_GENTIME;
}

int otls__crl_check(const uint8_t *der, size_t len) {
  struct otls__der all = otls__der_init(der, len), crl, tbs, skip, list;
  if (otls__der_expect(&all, DER_SEQUENCE, &crl) < 0 || !otls__der_empty(&all) ||
      otls__der_expect(&crl, DER_SEQUENCE, &tbs) < 0)
    return OTLS_E_DER_BAD;
  if (otls__der_peek(&tbs) == DER_INTEGER && otls__der_expect(&tbs, DER_INTEGER, &skip) < 0)
    return OTLS_E_DER_BAD;
  if (otls__der_expect(&tbs, DER_SEQUENCE, &skip) < 0 || /* signature */
      otls__der_expect(&tbs, DER_SEQUENCE, &skip) < 0 || /* issuer */
      crl_time(&tbs) < 0 ||                               /* thisUpdate */
      (next_is_time(&tbs) && crl_time(&tbs) < 0))         /* nextUpdate */
    return OTLS_E_DER_BAD;
  if (otls__der_peek(&tbs) == DER_SEQUENCE) {
    if (otls__der_expect(&tbs, DER_SEQUENCE, &list) < 0)
      return OTLS_E_DER_BAD;
    while (!otls__der_empty(&list)) {
      struct otls__der entry;
      if (otls__der_expect(&list, DER_SEQUENCE, &entry) < 0 ||
          otls__der_expect(&entry, DER_INTEGER, &skip) < 0 || crl_time(&entry) < 0 ||
          (!otls__der_empty(&entry) && otls__der_expect(&entry, DER_SEQUENCE, &skip) < 0) ||
          !otls__der_empty(&entry))
        return OTLS_E_DER_BAD;
    }
  }
  if (otls__der_peek(&tbs) == 0xa0 && otls__der_expect(&tbs, 0xa0, &skip) < 0)
    return OTLS_E_DER_BAD;
  if (!otls__der_empty(&tbs) || otls__der_expect(&crl, DER_SEQUENCE, &skip) < 0 ||
      otls__der_expect(&crl, DER_BIT_STRING, &skip) < 0 || !otls__der_empty(&crl))
    return OTLS_E_DER_BAD;
  return 0;
}
