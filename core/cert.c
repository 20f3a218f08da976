/*
 * omnitls — the certificate object (see include/omnitls/cert.h).
 *
 * Node.js v20 builds getPeerCertificate() in src/crypto/crypto_common.cc
 * (X509ToObject, GetPeerCert) and finishes it in lib/_tls_common.js
 * (translatePeerCertificate). This file follows those two, field by field
 * and in the same order; core/x509.c supplies OpenSSL's text forms.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "omnitls/cert.h"
#include "pem.h"
#include "x509.h"

/* A field Node sets, leaves undefined, or sets to null. */
enum field_state {
  FIELD_ABSENT = 0,
  FIELD_SET,
  FIELD_NULL,
};

struct cert_name {
  bool ok; /* false: Node's `subject` / `issuer` is undefined */
  otls_cert_name_entry *e;
  size_t n;
  struct otls__text store; /* the strings the entries point into */
};

struct otls_cert {
  uint8_t *der;
  size_t der_len;
  struct otls__x509 x;

  struct otls_cert *issuer;     /* borrowed: otls_cert_issuer() */
  struct otls_cert *owned_next; /* the issuers a chain head owns, in a list */

  struct cert_name subject, issuer_name;
  enum field_state san_state;
  struct otls__text san;
  enum field_state ia_state;
  otls_cert_access_entry *ia;
  size_t n_ia;
  struct otls__text ia_store;
  bool ca;

  enum otls__key_type key_type;
  struct otls__text modulus; /* empty (p == NULL) unless RSA */
  char exponent[24];
  int bits;
  uint8_t *pubkey;
  size_t pubkey_len;
  const char *asn1_curve, *nist_curve;

  char valid_from[32], valid_to[32];
  char fp1[3 * 20], fp256[3 * 32], fp512[3 * 64]; /* "" when no digest */

  bool has_eku;
  const char **eku;
  size_t n_eku;
  struct otls__text eku_store;

  struct otls__text serial;
};

/* --- small helpers ----------------------------------------------------------- */

static const char hex_upper[] = "0123456789ABCDEF";

/* DER header (tag, definite minimal length) into `t`. */
static void der_hdr(struct otls__text *t, uint8_t tag, size_t len) {
  uint8_t h[6];
  size_t n = 0;
  h[n++] = tag;
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

static int bit_length(const struct otls__blob *mag) {
  if (mag->len == 0)
    return 0;
  int top = 8;
  while (top > 0 && !(mag->data[0] & (1u << (top - 1))))
    top--;
  return (int)(mag->len - 1) * 8 + top;
}

/* bn_i2c(): an unsigned magnitude as INTEGER contents (a 00 first when the top bit is set). */
static void add_uint(struct otls__text *t, const struct otls__blob *mag) {
  bool pad = bit_length(mag) % 8 == 0; /* also for zero: one 00 byte */
  der_hdr(t, 0x02, mag->len + pad);
  if (pad)
    otls__text_add(t, "", 1);
  otls__text_add(t, mag->data, mag->len);
}

/* --- names -------------------------------------------------------------------- */

/* GetX509NameObject(): types as short names (or dotted), values as UTF-8. */
static int build_name(const struct otls__blob *der, struct cert_name *out) {
  struct otls__x509_attr *a;
  int n = otls__x509_name_list(der, &a);
  if (n == OTLS_E_DER_BAD)
    return 0; /* not ok: no such field */
  if (n < 0)
    return n;
  size_t *type_off = NULL, *val_off = NULL, *val_len = NULL;
  const char **type_static = NULL;
  int rv = 0;
  if (n > 0) {
    out->e = calloc((size_t)n, sizeof(*out->e));
    type_off = calloc((size_t)n, sizeof(*type_off));
    val_off = calloc((size_t)n, sizeof(*val_off));
    val_len = calloc((size_t)n, sizeof(*val_len));
    type_static = calloc((size_t)n, sizeof(*type_static));
    if (out->e == NULL || type_off == NULL || val_off == NULL || val_len == NULL ||
        type_static == NULL) {
      rv = OTLS_E_NOMEM;
      goto out;
    }
  }
  otls__text_add(&out->store, "", 0);
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    type_static[i] = otls__oid_sn(a[i].oid.data, a[i].oid.len);
    if (type_static[i] == NULL) {
      char buf[80]; /* Node: OBJ_obj2txt(type_buf, 80, type, true) */
      otls__oid_text(a[i].oid.data, a[i].oid.len, true, buf, sizeof(buf));
      type_off[i] = out->store.len;
      otls__text_add(&out->store, buf, strlen(buf) + 1);
    }
    val_off[i] = out->store.len;
    if (otls__asn1_string_utf8(a[i].tag, a[i].value.data, a[i].value.len, &out->store) < 0)
      ok = false; /* Node: the whole name is undefined */
    val_len[i] = out->store.len - val_off[i];
    otls__text_add(&out->store, "", 1);
  }
  if (out->store.oom) {
    rv = OTLS_E_NOMEM;
    goto out;
  }
  if (!ok) {
    free(out->e);
    out->e = NULL;
    goto out;
  }
  for (int i = 0; i < n; i++) {
    out->e[i].type = type_static[i] ? type_static[i] : out->store.p + type_off[i];
    out->e[i].value = out->store.p + val_off[i];
    out->e[i].value_len = val_len[i];
    out->e[i].rdn = a[i].rdn;
  }
  out->n = (size_t)n;
  out->ok = true;
out:
  free(type_off);
  free(val_off);
  free(val_len);
  free(type_static);
  free(a);
  return rv;
}

/* --- infoAccess ---------------------------------------------------------------- */

/*
 * JSONParse() of a string literal PrintAltName() wrote: `"` ... `"`, with
 * \\, \" and \u00XX escapes. Appends the decoded UTF-8.
 */
static void json_unquote(struct otls__text *out, const char *s, size_t n) {
  size_t i = 1;
  while (i < n && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < n) {
      char c = s[i + 1];
      if (c == 'u' && i + 5 < n) {
        unsigned v = 0;
        bool okhex = true;
        for (int k = 2; k < 6; k++) {
          char h = s[i + (size_t)k];
          v <<= 4;
          if (h >= '0' && h <= '9')
            v |= (unsigned)(h - '0');
          else if (h >= 'a' && h <= 'f')
            v |= (unsigned)(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F')
            v |= (unsigned)(h - 'A' + 10);
          else
            okhex = false;
        }
        if (okhex) {
          if (v >= 0xd800 && v <= 0xdfff)
            v = 0xfffd;
          uint8_t b[3];
          size_t bl;
          if (v < 0x80) {
            b[0] = (uint8_t)v;
            bl = 1;
          } else if (v < 0x800) {
            b[0] = (uint8_t)(0xc0 | v >> 6);
            b[1] = (uint8_t)(0x80 | (v & 0x3f));
            bl = 2;
          } else {
            b[0] = (uint8_t)(0xe0 | v >> 12);
            b[1] = (uint8_t)(0x80 | ((v >> 6) & 0x3f));
            b[2] = (uint8_t)(0x80 | (v & 0x3f));
            bl = 3;
          }
          otls__text_add(out, b, bl);
          i += 6;
          continue;
        }
      }
      const char *rep = c == 'n'   ? "\n"
                        : c == 't' ? "\t"
                        : c == 'r' ? "\r"
                        : c == 'b' ? "\b"
                        : c == 'f' ? "\f"
                                   : NULL;
      if (rep)
        otls__text_add(out, rep, 1);
      else
        otls__text_add(out, &c, 1);
      i += 2;
      continue;
    }
    otls__text_add(out, &s[i], 1);
    i++;
  }
}

/*
 * translatePeerCertificate(): each line "key:value" (up to the first ':' of
 * the line; a line without one is skipped), a value starting with '"' is
 * JSON-decoded.
 */
static int build_info_access(struct otls_cert *c) {
  struct otls__text raw = {0};
  int st = otls__x509_aia_text(&c->x, &raw);
  if (raw.oom) {
    otls__text_free(&raw);
    return OTLS_E_NOMEM;
  }
  if (st <= 0) {
    c->ia_state = st == 0 ? FIELD_ABSENT : FIELD_NULL;
    otls__text_free(&raw);
    return 0;
  }
  c->ia_state = FIELD_SET;
  size_t lines = 1;
  for (size_t i = 0; i < raw.len; i++)
    lines += raw.p[i] == '\n';
  size_t *koff = calloc(lines, sizeof(*koff)), *voff = calloc(lines, sizeof(*voff)),
         *vlen = calloc(lines, sizeof(*vlen));
  int rv = 0;
  if (koff == NULL || voff == NULL || vlen == NULL ||
      (c->ia = calloc(lines, sizeof(*c->ia))) == NULL) {
    rv = OTLS_E_NOMEM;
    goto out;
  }
  otls__text_add(&c->ia_store, "", 0);
  size_t n = 0;
  for (size_t pos = 0; pos <= raw.len && raw.len > 0;) {
    const char *line = raw.p + pos;
    const char *nl = memchr(line, '\n', raw.len - pos);
    size_t llen = nl ? (size_t)(nl - line) : raw.len - pos;
    const char *colon = memchr(line, ':', llen);
    if (colon != NULL) {
      size_t klen = (size_t)(colon - line);
      const char *val = colon + 1;
      size_t vl = llen - klen - 1;
      koff[n] = c->ia_store.len;
      otls__text_add(&c->ia_store, line, klen);
      otls__text_add(&c->ia_store, "", 1);
      voff[n] = c->ia_store.len;
      if (vl > 0 && val[0] == '"')
        json_unquote(&c->ia_store, val, vl);
      else
        otls__text_add(&c->ia_store, val, vl);
      vlen[n] = c->ia_store.len - voff[n];
      otls__text_add(&c->ia_store, "", 1);
      n++;
    }
    if (nl == NULL)
      break;
    pos += llen + 1;
  }
  if (c->ia_store.oom) {
    rv = OTLS_E_NOMEM;
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    c->ia[i].key = c->ia_store.p + koff[i];
    c->ia[i].value = c->ia_store.p + voff[i];
    c->ia[i].value_len = vlen[i];
  }
  c->n_ia = n;
out:
  free(koff);
  free(voff);
  free(vlen);
  otls__text_free(&raw);
  return rv;
}

/* --- the key ------------------------------------------------------------------- */

static int build_key(struct otls_cert *c) {
  struct otls__spki k;
  otls__x509_spki(&c->x.spki, &k);
  c->key_type = k.type;
  if (k.type == OTLS__KEY_RSA) {
    /* BN_print(): uppercase hex without leading zeros, "0" for zero. */
    bool started = false;
    for (size_t i = 0; i < k.n.len; i++) {
      for (int sh = 4; sh >= 0; sh -= 4) {
        unsigned v = (k.n.data[i] >> sh) & 15;
        if (started || v) {
          otls__text_add(&c->modulus, &hex_upper[v], 1);
          started = true;
        }
      }
    }
    if (!started)
      otls__text_add(&c->modulus, "0", 1);
    c->bits = bit_length(&k.n);
    /* BN_get_word(): all ones when the exponent does not fit in 64 bits. */
    uint64_t e = 0;
    if (k.e.len > 8) {
      e = UINT64_MAX;
    } else {
      for (size_t i = 0; i < k.e.len; i++)
        e = e << 8 | k.e.data[i];
    }
    snprintf(c->exponent, sizeof(c->exponent), "0x%" PRIx64, e);
    /* i2d_RSA_PUBKEY(): SubjectPublicKeyInfo { {rsaEncryption, NULL}, BIT STRING RSAPublicKey } */
    struct otls__text rsa = {0}, ints = {0}, bits = {0}, spki = {0};
    add_uint(&ints, &k.n);
    add_uint(&ints, &k.e);
    der_hdr(&rsa, 0x30, ints.len);
    otls__text_add(&rsa, ints.p, ints.len);
    der_hdr(&bits, 0x03, rsa.len + 1);
    otls__text_add(&bits, "", 1);
    otls__text_add(&bits, rsa.p, rsa.len);
    static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                  0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    der_hdr(&spki, 0x30, sizeof(alg) + bits.len);
    otls__text_add(&spki, alg, sizeof(alg));
    otls__text_add(&spki, bits.p, bits.len);
    int rv = 0;
    if (ints.oom || rsa.oom || bits.oom || spki.oom || c->modulus.oom) {
      rv = OTLS_E_NOMEM;
    } else {
      c->pubkey = (uint8_t *)spki.p;
      c->pubkey_len = spki.len;
      spki.p = NULL;
    }
    otls__text_free(&ints);
    otls__text_free(&rsa);
    otls__text_free(&bits);
    otls__text_free(&spki);
    return rv;
  }
  if (k.type == OTLS__KEY_EC) {
    /* EC_GROUP_order_bits(); the point re-encoded in the form it came in. */
    c->bits = k.curve_bits;
    c->asn1_curve = k.curve;
    c->nist_curve = k.nist_curve;
    c->pubkey = malloc(k.point.len ? k.point.len : 1);
    if (c->pubkey == NULL)
      return OTLS_E_NOMEM;
    memcpy(c->pubkey, k.point.data, k.point.len);
    c->pubkey_len = k.point.len;
    /*
     * OpenSSL 3 hands the key back uncompressed: a hybrid point (06/07 || X || Y)
     * becomes 04 || X || Y. (A compressed point would need the curve
     * arithmetic to decompress; it stays as it came — see cert.h.)
     */
    if (c->pubkey_len > 0 && (c->pubkey[0] == 0x06 || c->pubkey[0] == 0x07))
      c->pubkey[0] = 0x04;
  }
  return 0;
}

/* --- the rest ------------------------------------------------------------------ */

static void fingerprint(int alg, const uint8_t *der, size_t len, char *out, size_t cap) {
  out[0] = 0;
  if (otls__backend.digest == NULL)
    return;
  uint8_t md[64];
  int n = otls__backend.digest(alg, der, len, md);
  if (n <= 0 || (size_t)n * 3 > cap)
    return;
  for (int i = 0; i < n; i++) {
    out[3 * i] = hex_upper[md[i] >> 4];
    out[3 * i + 1] = hex_upper[md[i] & 15];
    out[3 * i + 2] = ':';
  }
  out[3 * n - 1] = 0;
}

/* BN_bn2hex(ASN1_INTEGER_to_BN(serial)): whole bytes, "-" for negatives, "0" for zero. */
static void serial_hex(const struct otls__blob *s, struct otls__text *out) {
  bool neg = s->len > 0 && (s->data[0] & 0x80);
  uint8_t *mag = malloc(s->len ? s->len : 1);
  if (mag == NULL) {
    out->oom = true;
    return;
  }
  memcpy(mag, s->data, s->len);
  if (neg) { /* two's complement -> magnitude */
    for (size_t i = 0; i < s->len; i++)
      mag[i] = (uint8_t)~mag[i];
    for (size_t i = s->len; i-- > 0;)
      if (++mag[i] != 0)
        break;
  }
  size_t i = 0;
  while (i < s->len && mag[i] == 0)
    i++;
  if (i == s->len) {
    otls__text_add(out, "0", 1);
  } else {
    if (neg)
      otls__text_add(out, "-", 1);
    for (; i < s->len; i++) {
      char b[2] = {hex_upper[mag[i] >> 4], hex_upper[mag[i] & 15]};
      otls__text_add(out, b, 2);
    }
  }
  free(mag);
}

static void cert_free_one(struct otls_cert *c) {
  free(c->der);
  free(c->subject.e);
  otls__text_free(&c->subject.store);
  free(c->issuer_name.e);
  otls__text_free(&c->issuer_name.store);
  otls__text_free(&c->san);
  free(c->ia);
  otls__text_free(&c->ia_store);
  otls__text_free(&c->modulus);
  free(c->pubkey);
  free(c->eku);
  otls__text_free(&c->eku_store);
  otls__text_free(&c->serial);
  free(c);
}

/* X509ToObject() */
static int cert_build(const uint8_t *der, size_t len, struct otls_cert **out) {
  *out = NULL;
  int rv = otls__global_init();
  if (rv < 0)
    return rv;
  struct otls_cert *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return OTLS_E_NOMEM;
  if ((c->der = malloc(len ? len : 1)) == NULL) {
    rv = OTLS_E_NOMEM;
    goto out_free;
  }
  memcpy(c->der, der, len);
  c->der_len = len;
  if ((rv = otls__x509_parse(c->der, len, &c->x)) < 0)
    goto out_free;

  if ((rv = build_name(&c->x.subject, &c->subject)) < 0 ||
      (rv = build_name(&c->x.issuer, &c->issuer_name)) < 0)
    goto out_free;

  int st = otls__x509_san_text(&c->x, &c->san);
  if (c->san.oom) {
    rv = OTLS_E_NOMEM;
    goto out_free;
  }
  c->san_state = st > 0 ? FIELD_SET : st == 0 ? FIELD_ABSENT : FIELD_NULL;

  if ((rv = build_info_access(c)) < 0)
    goto out_free;
  c->ca = otls__x509_node_ca(&c->x);
  if ((rv = build_key(c)) < 0)
    goto out_free;

  otls__asn1_time_print(c->x.not_before_tag, c->x.not_before_raw.data, c->x.not_before_raw.len,
                        c->valid_from);
  otls__asn1_time_print(c->x.not_after_tag, c->x.not_after_raw.data, c->x.not_after_raw.len,
                        c->valid_to);

  fingerprint(OTLS__MD_SHA1, c->der, len, c->fp1, sizeof(c->fp1));
  fingerprint(OTLS__MD_SHA256, c->der, len, c->fp256, sizeof(c->fp256));
  fingerprint(OTLS__MD_SHA512, c->der, len, c->fp512, sizeof(c->fp512));

  int n = otls__x509_eku_text(&c->x, &c->eku_store);
  if (c->eku_store.oom) {
    rv = OTLS_E_NOMEM;
    goto out_free;
  }
  if (n >= 0) {
    c->has_eku = true;
    if (n > 0 && (c->eku = calloc((size_t)n, sizeof(*c->eku))) == NULL) {
      rv = OTLS_E_NOMEM;
      goto out_free;
    }
    size_t off = 0;
    for (int i = 0; i < n && off < c->eku_store.len; i++) {
      c->eku[i] = c->eku_store.p + off;
      off += strlen(c->eku[i]) + 1;
      c->n_eku++;
    }
  }

  serial_hex(&c->x.serial, &c->serial);
  if (c->serial.oom) {
    rv = OTLS_E_NOMEM;
    goto out_free;
  }
  *out = c;
  return 0;
out_free:
  cert_free_one(c);
  return rv;
}

/* --- public: building ---------------------------------------------------------- */

int otls_cert_from_der(otls_cert **out, const void *der, size_t len) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (der == NULL && len > 0)
    return OTLS_E_INVAL;
  return cert_build(der ? der : (const uint8_t *)"", len, out);
}

int otls_cert_from_pem(otls_cert **out, const void *pem, size_t len) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (pem == NULL && len > 0)
    return OTLS_E_INVAL;
  const uint8_t *p = pem ? pem : (const uint8_t *)"", *end = p + len;
  for (;;) {
    struct otls__pem_block blk;
    int rv = otls__pem_next(&p, end, &blk);
    if (rv < 0)
      return rv;
    if (rv == 0)
      return OTLS_E_PEM_NO_START_LINE;
    if (strcmp(blk.label, "CERTIFICATE") == 0 || strcmp(blk.label, "X509 CERTIFICATE") == 0) {
      rv = cert_build(blk.der, blk.der_len, out);
      free(blk.der);
      return rv;
    }
    free(blk.der);
  }
}

void otls_cert_free(otls_cert *cert) {
  while (cert != NULL) {
    struct otls_cert *next = cert->owned_next;
    cert_free_one(cert);
    cert = next;
  }
}

/*
 * AddIssuerChainToObject(): link `leaf` to the other certificates of the
 * chain, each used once, taking the first that issued the current one.
 * `*last` gets the certificate the links end at.
 */
static int link_chain(const struct otls__blob *chain, size_t n, struct otls_cert *leaf,
                      struct otls_cert **last) {
  *last = leaf;
  if (n < 2)
    return 0;
  struct otls__x509 *pool = calloc(n - 1, sizeof(*pool));
  size_t *idx = calloc(n - 1, sizeof(*idx));
  int rv = 0;
  if (pool == NULL || idx == NULL) {
    rv = OTLS_E_NOMEM;
    goto out;
  }
  size_t left = 0;
  for (size_t i = 1; i < n; i++) {
    /* One that does not parse cannot be anybody's issuer. */
    if (otls__x509_parse(chain[i].data, chain[i].len, &pool[left]) == 0)
      idx[left++] = i;
  }
  struct otls_cert *cur = leaf, *tail = leaf;
  for (;;) {
    size_t i = 0;
    while (i < left && !otls__x509_check_issued(&pool[i], &cur->x))
      i++;
    if (i == left)
      break;
    struct otls_cert *iss;
    if ((rv = cert_build(chain[idx[i]].data, chain[idx[i]].len, &iss)) < 0)
      goto out;
    cur->issuer = iss;
    tail->owned_next = iss; /* freed with the leaf */
    tail = cur = iss;
    /* sk_X509_delete(): the others keep their order. */
    memmove(&pool[i], &pool[i + 1], (left - i - 1) * sizeof(*pool));
    memmove(&idx[i], &idx[i + 1], (left - i - 1) * sizeof(*idx));
    left--;
    /*
     * Node v20 then tests `i == sk_X509_num(peer_certs)` to see whether the
     * search failed, which is also true when the issuer just taken was the
     * last one left: the links stop there. Reproduced, so that the same
     * chain gives the same object ([leaf, root, intermediate] ends at the
     * intermediate).
     */
    if (i == left)
      break;
  }
  *last = cur;
out:
  free(pool);
  free(idx);
  return rv;
}

int otls__cert_chain(const struct otls__blob *chain, size_t n, bool detailed, otls_cert **out) {
  *out = NULL;
  if (n == 0)
    return 0; /* Node: {} */
  int rv;
  struct otls_cert *leaf, *last;
  if ((rv = cert_build(chain[0].data, chain[0].len, &leaf)) < 0)
    return rv;
  if (detailed) {
    if ((rv = link_chain(chain, n, leaf, &last)) < 0) {
      otls_cert_free(leaf);
      return rv;
    }
    /* GetLastIssuedCert() would continue from the local trust store here. */
    /* "Last certificate should be self-signed." */
    if (otls__x509_check_issued(&last->x, &last->x))
      last->issuer = last;
  }
  *out = leaf;
  return 0;
}

int otls_cert_peer(const otls_conn *c, bool detailed, otls_cert **out) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (c == NULL)
    return OTLS_E_INVAL;
  size_t n = otls_conn_peer_cert_count(c);
  if (n == 0)
    return 0;
  struct otls__blob *chain = calloc(n, sizeof(*chain));
  if (chain == NULL)
    return OTLS_E_NOMEM;
  int rv = 0;
  for (size_t i = 0; i < n && rv == 0; i++)
    rv = otls_conn_peer_cert_der(c, i, &chain[i].data, &chain[i].len);
  if (rv == 0)
    rv = otls__cert_chain(chain, n, detailed, out);
  free(chain);
  return rv;
}

int otls_cert_local(const otls_conn *c, otls_cert **out) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (c == NULL)
    return OTLS_E_INVAL;
  const struct otls__der_list *chain = &c->ctx->chain;
  if (chain->n == 0)
    return 0;
  /* Node's getCertificate() is the leaf alone (no issuerCertificate). */
  return otls__cert_chain(chain->items, 1, false, out);
}

const otls_cert *otls_cert_issuer(const otls_cert *cert) {
  return cert ? cert->issuer : NULL;
}

/* --- public: fields ------------------------------------------------------------ */

int otls_cert_subject_name(const otls_cert *cert, const otls_cert_name_entry **entries) {
  if (entries)
    *entries = NULL;
  if (cert == NULL || entries == NULL)
    return OTLS_E_INVAL;
  if (!cert->subject.ok)
    return OTLS_E_DER_BAD;
  *entries = cert->subject.e;
  return (int)cert->subject.n;
}

int otls_cert_issuer_name(const otls_cert *cert, const otls_cert_name_entry **entries) {
  if (entries)
    *entries = NULL;
  if (cert == NULL || entries == NULL)
    return OTLS_E_INVAL;
  if (!cert->issuer_name.ok)
    return OTLS_E_DER_BAD;
  *entries = cert->issuer_name.e;
  return (int)cert->issuer_name.n;
}

const char *otls_cert_subjectaltname(const otls_cert *cert) {
  return cert && cert->san_state == FIELD_SET ? cert->san.p : NULL;
}

size_t otls_cert_info_access(const otls_cert *cert, const otls_cert_access_entry **entries) {
  if (entries)
    *entries = cert && cert->n_ia ? cert->ia : NULL;
  return cert ? cert->n_ia : 0;
}

bool otls_cert_is_ca(const otls_cert *cert) {
  return cert && cert->ca;
}

bool otls_cert_has_ext_key_usage(const otls_cert *cert) {
  return cert && cert->has_eku;
}

size_t otls_cert_ext_key_usage(const otls_cert *cert, const char *const **oids) {
  if (oids)
    *oids = cert ? (const char *const *)cert->eku : NULL;
  return cert ? cert->n_eku : 0;
}

const char *otls_cert_modulus(const otls_cert *cert) {
  return cert && cert->key_type == OTLS__KEY_RSA ? cert->modulus.p : NULL;
}

const char *otls_cert_exponent(const otls_cert *cert) {
  return cert && cert->key_type == OTLS__KEY_RSA ? cert->exponent : NULL;
}

int otls_cert_bits(const otls_cert *cert) {
  return cert ? cert->bits : 0;
}

const uint8_t *otls_cert_pubkey(const otls_cert *cert, size_t *len) {
  if (len)
    *len = cert ? cert->pubkey_len : 0;
  return cert ? cert->pubkey : NULL;
}

const char *otls_cert_asn1_curve(const otls_cert *cert) {
  return cert ? cert->asn1_curve : NULL;
}
const char *otls_cert_nist_curve(const otls_cert *cert) {
  return cert ? cert->nist_curve : NULL;
}
const char *otls_cert_valid_from(const otls_cert *cert) {
  return cert ? cert->valid_from : NULL;
}
const char *otls_cert_valid_to(const otls_cert *cert) {
  return cert ? cert->valid_to : NULL;
}
int64_t otls_cert_not_before(const otls_cert *cert) {
  return cert ? cert->x.not_before : 0;
}
int64_t otls_cert_not_after(const otls_cert *cert) {
  return cert ? cert->x.not_after : 0;
}

const char *otls_cert_fingerprint(const otls_cert *cert) {
  return cert && cert->fp1[0] ? cert->fp1 : NULL;
}
const char *otls_cert_fingerprint256(const otls_cert *cert) {
  return cert && cert->fp256[0] ? cert->fp256 : NULL;
}
const char *otls_cert_fingerprint512(const otls_cert *cert) {
  return cert && cert->fp512[0] ? cert->fp512 : NULL;
}

const char *otls_cert_serial_number(const otls_cert *cert) {
  return cert ? cert->serial.p : NULL;
}

const uint8_t *otls_cert_raw(const otls_cert *cert, size_t *len) {
  if (len)
    *len = cert ? cert->der_len : 0;
  return cert ? cert->der : NULL;
}

/* --- JSON ---------------------------------------------------------------------- */

/* JSON.stringify() of a string (UTF-8 in, UTF-8 out; only what it must escape). */
static void json_str(struct otls__text *t, const char *s, size_t n) {
  otls__text_add(t, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    const char *esc = NULL;
    char u[7];
    switch (c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    default:
      if (c < 0x20) {
        snprintf(u, sizeof(u), "\\u%04x", c);
        esc = u;
      }
    }
    if (esc) {
      otls__text_add(t, s + i - run, run);
      run = 0;
      otls__text_adds(t, esc);
    } else {
      run++;
    }
  }
  otls__text_add(t, s + n - run, run);
  otls__text_add(t, "\"", 1);
}

static void json_key(struct otls__text *t, bool *first, const char *k) {
  if (!*first)
    otls__text_add(t, ",", 1);
  *first = false;
  json_str(t, k, strlen(k));
  otls__text_add(t, ":", 1);
}

static void json_buffer(struct otls__text *t, const uint8_t *p, size_t n) {
  otls__text_adds(t, "{\"type\":\"Buffer\",\"data\":[");
  for (size_t i = 0; i < n; i++)
    otls__text_addf(t, i ? ",%u" : "%u", p[i]);
  otls__text_adds(t, "]}");
}

/*
 * A name object: keys in order of first appearance, a key seen again turns
 * into an array of all its values. (No attribute name is an array index, so
 * V8 keeps insertion order.)
 */
static void json_name(struct otls__text *t, const struct cert_name *nm) {
  otls__text_add(t, "{", 1);
  bool first = true;
  for (size_t i = 0; i < nm->n; i++) {
    const char *k = nm->e[i].type;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(nm->e[j].type, k) == 0;
    if (seen)
      continue;
    size_t count = 0;
    for (size_t j = i; j < nm->n; j++)
      count += strcmp(nm->e[j].type, k) == 0;
    json_key(t, &first, k);
    if (count > 1)
      otls__text_add(t, "[", 1);
    bool vfirst = true;
    for (size_t j = i; j < nm->n; j++) {
      if (strcmp(nm->e[j].type, k) != 0)
        continue;
      if (!vfirst)
        otls__text_add(t, ",", 1);
      vfirst = false;
      json_str(t, nm->e[j].value, nm->e[j].value_len);
    }
    if (count > 1)
      otls__text_add(t, "]", 1);
  }
  otls__text_add(t, "}", 1);
}

static void json_info_access(struct otls__text *t, const struct otls_cert *c) {
  otls__text_add(t, "{", 1);
  bool first = true;
  for (size_t i = 0; i < c->n_ia; i++) {
    const char *k = c->ia[i].key;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(c->ia[j].key, k) == 0;
    if (seen)
      continue;
    json_key(t, &first, k);
    otls__text_add(t, "[", 1);
    bool vfirst = true;
    for (size_t j = i; j < c->n_ia; j++) {
      if (strcmp(c->ia[j].key, k) != 0)
        continue;
      if (!vfirst)
        otls__text_add(t, ",", 1);
      vfirst = false;
      json_str(t, c->ia[j].value, c->ia[j].value_len);
    }
    otls__text_add(t, "]", 1);
  }
  otls__text_add(t, "}", 1);
}

int otls_cert_to_json(const otls_cert *c, char **out, size_t *len) {
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (c == NULL || out == NULL)
    return OTLS_E_INVAL;
  struct otls__text t = {0};
  bool first = true;
  otls__text_add(&t, "{", 1);
  if (c->subject.ok) {
    json_key(&t, &first, "subject");
    json_name(&t, &c->subject);
  }
  if (c->issuer_name.ok) {
    json_key(&t, &first, "issuer");
    json_name(&t, &c->issuer_name);
  }
  if (c->san_state != FIELD_ABSENT) {
    json_key(&t, &first, "subjectaltname");
    if (c->san_state == FIELD_NULL)
      otls__text_adds(&t, "null");
    else
      json_str(&t, c->san.p, c->san.len);
  }
  if (c->ia_state != FIELD_ABSENT) {
    json_key(&t, &first, "infoAccess");
    if (c->ia_state == FIELD_NULL)
      otls__text_adds(&t, "null");
    else
      json_info_access(&t, c);
  }
  json_key(&t, &first, "ca");
  otls__text_adds(&t, c->ca ? "true" : "false");
  if (c->key_type == OTLS__KEY_RSA) {
    json_key(&t, &first, "modulus");
    json_str(&t, c->modulus.p, c->modulus.len);
    json_key(&t, &first, "bits");
    otls__text_addf(&t, "%d", c->bits);
    json_key(&t, &first, "exponent");
    json_str(&t, c->exponent, strlen(c->exponent));
    json_key(&t, &first, "pubkey");
    json_buffer(&t, c->pubkey, c->pubkey_len);
  } else if (c->key_type == OTLS__KEY_EC) {
    if (c->bits > 0) {
      json_key(&t, &first, "bits");
      otls__text_addf(&t, "%d", c->bits);
    }
    json_key(&t, &first, "pubkey");
    json_buffer(&t, c->pubkey, c->pubkey_len);
    if (c->asn1_curve) {
      json_key(&t, &first, "asn1Curve");
      json_str(&t, c->asn1_curve, strlen(c->asn1_curve));
    }
    if (c->nist_curve) {
      json_key(&t, &first, "nistCurve");
      json_str(&t, c->nist_curve, strlen(c->nist_curve));
    }
  }
  json_key(&t, &first, "valid_from");
  json_str(&t, c->valid_from, strlen(c->valid_from));
  json_key(&t, &first, "valid_to");
  json_str(&t, c->valid_to, strlen(c->valid_to));
  static const char *const fp_keys[3] = {"fingerprint", "fingerprint256", "fingerprint512"};
  const char *fps[3] = {c->fp1, c->fp256, c->fp512};
  for (int i = 0; i < 3; i++) {
    if (fps[i][0]) {
      json_key(&t, &first, fp_keys[i]);
      json_str(&t, fps[i], strlen(fps[i]));
    }
  }
  if (c->has_eku) {
    json_key(&t, &first, "ext_key_usage");
    otls__text_add(&t, "[", 1);
    for (size_t i = 0; i < c->n_eku; i++) {
      if (i)
        otls__text_add(&t, ",", 1);
      json_str(&t, c->eku[i], strlen(c->eku[i]));
    }
    otls__text_add(&t, "]", 1);
  }
  json_key(&t, &first, "serialNumber");
  json_str(&t, c->serial.p, c->serial.len);
  json_key(&t, &first, "raw");
  json_buffer(&t, c->der, c->der_len);
  otls__text_add(&t, "}", 1);
  if (t.oom) {
    otls__text_free(&t);
    return OTLS_E_NOMEM;
  }
  *out = t.p;
  if (len)
    *len = t.len;
  return 0;
}
