/*
 * omnitls — PKCS#12 bundles (see pkcs12.h).
 *
 * Why core looks inside before a backend does: the engines disagree on
 * what they open. OpenSSL 3 (hence Node v20) refuses RC2 and RC4 without
 * its legacy provider ("Unsupported PKCS12 PFX data"), wolfSSL 5.5 cannot
 * even decode an `openssl pkcs12 -legacy` file, GnuTLS opens it. Core
 * decides once, from the algorithm identifiers that are visible without
 * the password, so every backend gives the same answer; and a bundle that
 * is not DER at all is OTLS_E_DER_BAD before any backend sees it.
 */
#include "pkcs12.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "der.h"
#include "x509.h"

/* OID contents (RFC 7292, RFC 8018, NIST). */
static const uint8_t OID_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
static const uint8_t OID_ENCRYPTED_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06};
static const uint8_t OID_SHROUDED_KEY_BAG[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                               0x01, 0x0c, 0x0a, 0x01, 0x02};
static const uint8_t OID_PBES2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d};
static const uint8_t OID_PBKDF2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c};
static const uint8_t OID_PBE_SHA1_3DES[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                            0x0d, 0x01, 0x0c, 0x01, 0x03};
static const uint8_t OID_DES_EDE3_CBC[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x07};
static const uint8_t OID_AES128_CBC[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02};
static const uint8_t OID_AES192_CBC[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x16};
static const uint8_t OID_AES256_CBC[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a};

#define OID_IS(d, oid)                                                                             \
  ((size_t)((d).end - (d).p) == sizeof(oid) && memcmp((d).p, oid, sizeof(oid)) == 0)

/* --- the structure check --------------------------------------------------- */

struct check {
  char *detail;
  size_t detail_len;
};

static int malformed(struct check *ck, const char *what) {
  otls__detail(ck->detail, ck->detail_len, "pfx: not a DER PKCS#12 PFX (%s)", what);
  return OTLS_E_DER_BAD;
}

static int unsupported(struct check *ck, const char *what, const struct otls__der *oid) {
  char text[96] = "";
  if (oid != NULL &&
      otls__oid_text(oid->p, (size_t)(oid->end - oid->p), false, text, sizeof(text)) < 0)
    text[0] = 0;
  otls__detail(ck->detail, ck->detail_len, "pfx: unsupported %s%s%s", what, text[0] ? " " : "",
               text);
  return OTLS_E_UNSUPPORTED_PFX;
}

/* The cipher of an AlgorithmIdentifier (SEQUENCE contents): one every backend opens? */
static int check_cipher(struct check *ck, struct otls__der alg) {
  struct otls__der oid, params, kdf, kdf_oid, enc, enc_oid;
  if (otls__der_expect(&alg, DER_OID, &oid) < 0)
    return malformed(ck, "encryption algorithm");
  if (OID_IS(oid, OID_PBE_SHA1_3DES))
    return 0;
  if (!OID_IS(oid, OID_PBES2))
    return unsupported(ck, "encryption algorithm", &oid);
  /* PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme } (RFC 8018 A.4) */
  if (otls__der_expect(&alg, DER_SEQUENCE, &params) < 0 ||
      otls__der_expect(&params, DER_SEQUENCE, &kdf) < 0 ||
      otls__der_expect(&params, DER_SEQUENCE, &enc) < 0 ||
      otls__der_expect(&kdf, DER_OID, &kdf_oid) < 0 ||
      otls__der_expect(&enc, DER_OID, &enc_oid) < 0)
    return malformed(ck, "PBES2 parameters");
  if (!OID_IS(kdf_oid, OID_PBKDF2))
    return unsupported(ck, "key derivation", &kdf_oid);
  if (!OID_IS(enc_oid, OID_AES128_CBC) && !OID_IS(enc_oid, OID_AES192_CBC) &&
      !OID_IS(enc_oid, OID_AES256_CBC) && !OID_IS(enc_oid, OID_DES_EDE3_CBC))
    return unsupported(ck, "cipher", &enc_oid);
  return 0;
}

/* SafeContents ::= SEQUENCE OF SafeBag; shrouded key bags name their cipher. */
static int check_safe_contents(struct check *ck, struct otls__der octets) {
  struct otls__der bags, bag, bag_id, value, epki, alg;
  if (otls__der_expect(&octets, DER_SEQUENCE, &bags) < 0 || !otls__der_empty(&octets))
    return malformed(ck, "SafeContents");
  while (!otls__der_empty(&bags)) {
    if (otls__der_expect(&bags, DER_SEQUENCE, &bag) < 0 ||
        otls__der_expect(&bag, DER_OID, &bag_id) < 0 || otls__der_expect(&bag, 0xa0, &value) < 0)
      return malformed(ck, "SafeBag");
    if (!OID_IS(bag_id, OID_SHROUDED_KEY_BAG))
      continue;
    /* EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } */
    if (otls__der_expect(&value, DER_SEQUENCE, &epki) < 0 ||
        otls__der_expect(&epki, DER_SEQUENCE, &alg) < 0)
      return malformed(ck, "shrouded key bag");
    int rv = check_cipher(ck, alg);
    if (rv < 0)
      return rv;
  }
  return 0;
}

int otls__pkcs12_check(const uint8_t *der, size_t len, char *detail, size_t detail_len) {
  struct check ck = {detail, detail_len};
  struct otls__der d = otls__der_init(der, len), pfx, version, auth, type, explicit0, octets, safes;
  /* PFX ::= SEQUENCE { version INTEGER, authSafe ContentInfo, macData MacData OPTIONAL } */
  if (der == NULL || otls__der_expect(&d, DER_SEQUENCE, &pfx) < 0 || !otls__der_empty(&d))
    return malformed(&ck, "outer SEQUENCE");
  if (otls__der_expect(&pfx, DER_INTEGER, &version) < 0 ||
      otls__der_expect(&pfx, DER_SEQUENCE, &auth) < 0)
    return malformed(&ck, "version / authSafe");
  struct otls__der mac;
  bool has_mac = !otls__der_empty(&pfx);
  if (has_mac && (otls__der_expect(&pfx, DER_SEQUENCE, &mac) < 0 || !otls__der_empty(&pfx)))
    return malformed(&ck, "macData");
  if (otls__der_expect(&auth, DER_OID, &type) < 0)
    return malformed(&ck, "authSafe content type");
  if (!OID_IS(type, OID_DATA))
    return unsupported(&ck, "integrity mode (authSafe content type)", &type);
  if (otls__der_expect(&auth, 0xa0, &explicit0) < 0 ||
      otls__der_expect(&explicit0, DER_OCTET_STRING, &octets) < 0 || !otls__der_empty(&explicit0) ||
      !otls__der_empty(&auth))
    return malformed(&ck, "authSafe content");
  /* AuthenticatedSafe ::= SEQUENCE OF ContentInfo */
  if (otls__der_expect(&octets, DER_SEQUENCE, &safes) < 0 || !otls__der_empty(&octets))
    return malformed(&ck, "AuthenticatedSafe");
  size_t n = 0;
  while (!otls__der_empty(&safes)) {
    struct otls__der ci, ctype, content;
    if (otls__der_expect(&safes, DER_SEQUENCE, &ci) < 0 ||
        otls__der_expect(&ci, DER_OID, &ctype) < 0 || otls__der_expect(&ci, 0xa0, &content) < 0 ||
        !otls__der_empty(&ci))
      return malformed(&ck, "ContentInfo");
    int rv;
    if (OID_IS(ctype, OID_DATA)) {
      struct otls__der inner;
      if (otls__der_expect(&content, DER_OCTET_STRING, &inner) < 0 || !otls__der_empty(&content))
        return malformed(&ck, "data ContentInfo");
      rv = check_safe_contents(&ck, inner);
    } else if (OID_IS(ctype, OID_ENCRYPTED_DATA)) {
      /*
       * EncryptedData ::= SEQUENCE { version INTEGER, EncryptedContentInfo ::=
       * SEQUENCE { contentType, contentEncryptionAlgorithm, [0] IMPLICIT OCTET STRING } }
       */
      struct otls__der ed, ver, eci, eci_type, alg;
      if (otls__der_expect(&content, DER_SEQUENCE, &ed) < 0 || !otls__der_empty(&content) ||
          otls__der_expect(&ed, DER_INTEGER, &ver) < 0 ||
          otls__der_expect(&ed, DER_SEQUENCE, &eci) < 0 ||
          otls__der_expect(&eci, DER_OID, &eci_type) < 0 ||
          otls__der_expect(&eci, DER_SEQUENCE, &alg) < 0)
        return malformed(&ck, "encryptedData ContentInfo");
      rv = check_cipher(&ck, alg);
    } else {
      rv = unsupported(&ck, "privacy mode (ContentInfo type)", &ctype);
    }
    if (rv < 0)
      return rv;
    n++;
  }
  if (n == 0)
    return malformed(&ck, "empty AuthenticatedSafe");
  /*
   * OpenSSL 3.0's PKCS12_parse() insists on a MAC when given a password
   * (Node v20: "mac absent"); the other engines would open such a bundle.
   * Refused on every backend, like Node.
   */
  if (!has_mac) {
    otls__detail(ck.detail, ck.detail_len,
                 "pfx: no MAC (integrity check): refused, as Node v20 "
                 "refuses it (\"mac absent\")");
    return OTLS_E_UNSUPPORTED_PFX;
  }
  return 0;
}

/* --- DER writing ----------------------------------------------------------- */

static size_t hdr_len(size_t n) {
  size_t h = 2;
  for (size_t v = n; n >= 0x80 && v > 0; v >>= 8)
    h++;
  return h;
}

static uint8_t *put_hdr(uint8_t *p, uint8_t tag, size_t n) {
  *p++ = tag;
  if (n < 0x80) {
    *p++ = (uint8_t)n;
    return p;
  }
  size_t bytes = hdr_len(n) - 2;
  *p++ = (uint8_t)(0x80 | bytes);
  for (size_t i = bytes; i > 0; i--)
    *p++ = (uint8_t)(n >> (8 * (i - 1)));
  return p;
}

int otls__pkcs8_wrap(const uint8_t *key, size_t key_len, const struct otls__blob *spki,
                     uint8_t **out, size_t *out_len) {
  struct otls__der d = otls__der_init(key, key_len), seq, ver;
  *out = NULL;
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0 || !otls__der_empty(&d) ||
      otls__der_expect(&seq, DER_INTEGER, &ver) < 0)
    return OTLS_E_DER_BAD;
  if (otls__der_peek(&seq) == DER_SEQUENCE) { /* PrivateKeyInfo already */
    if ((*out = malloc(key_len)) == NULL)
      return OTLS_E_NOMEM;
    memcpy(*out, key, key_len);
    *out_len = key_len;
    return 0;
  }
  /* SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, ... } */
  struct otls__der s = otls__der_init(spki->data, spki->len), sp, alg;
  if (otls__der_expect(&s, DER_SEQUENCE, &sp) < 0)
    return OTLS_E_DER_BAD;
  const uint8_t *alg_start = sp.p;
  if (otls__der_expect(&sp, DER_SEQUENCE, &alg) < 0)
    return OTLS_E_DER_BAD;
  size_t alg_len = (size_t)(sp.p - alg_start);
  /* PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, privateKey OCTET STRING } */
  static const uint8_t version0[] = {0x02, 0x01, 0x00};
  size_t body = sizeof(version0) + alg_len + hdr_len(key_len) + key_len;
  size_t total = hdr_len(body) + body;
  uint8_t *buf = malloc(total), *p = buf;
  if (buf == NULL)
    return OTLS_E_NOMEM;
  p = put_hdr(p, DER_SEQUENCE, body);
  memcpy(p, version0, sizeof(version0));
  p += sizeof(version0);
  memcpy(p, alg_start, alg_len);
  p += alg_len;
  p = put_hdr(p, DER_OCTET_STRING, key_len);
  memcpy(p, key, key_len);
  *out = buf;
  *out_len = total;
  return 0;
}

/* --- opening a bundle ------------------------------------------------------- */

struct found {
  uint8_t *key;
  size_t key_len;
  bool key_twice;
  struct otls__der_list certs;
  ssize_t leaf; /* index in certs, -1 = none */
  bool leaf_twice;
};

static int sink_key(void *arg, const uint8_t *der, size_t len) {
  struct found *f = arg;
  if (f->key != NULL) {
    f->key_twice = true;
    return 0;
  }
  if ((f->key = malloc(len ? len : 1)) == NULL)
    return OTLS_E_NOMEM;
  memcpy(f->key, der, len);
  f->key_len = len;
  return 0;
}

static int sink_cert(void *arg, const uint8_t *der, size_t len, bool leaf) {
  struct found *f = arg;
  int rv = otls__der_list_add(&f->certs, der, len);
  if (rv < 0)
    return rv;
  if (leaf) {
    if (f->leaf >= 0)
      f->leaf_twice = true;
    else
      f->leaf = (ssize_t)f->certs.n - 1;
  }
  return 0;
}

static int blob_cmp(const struct otls__blob *a, const struct otls__blob *b) {
  if (a->len != b->len)
    return a->len < b->len ? -1 : 1;
  return memcmp(a->data, b->data, a->len);
}

/*
 * The chain to send: the leaf, its issuer from the bundle, that one's
 * issuer, ... (each certificate once), then the rest in byte order — the
 * same on every backend, whatever order its parser hands them over in.
 */
static int order_chain(struct found *f, struct otls__der_list *chain, char *detail,
                       size_t detail_len) {
  size_t n = f->certs.n;
  struct otls__x509 *x = calloc(n, sizeof(*x));
  bool *used = calloc(n, sizeof(*used));
  int rv = OTLS_E_NOMEM;
  if (x == NULL || used == NULL)
    goto out;
  for (size_t i = 0; i < n; i++)
    if (otls__x509_parse(f->certs.items[i].data, f->certs.items[i].len, &x[i]) < 0) {
      otls__detail(detail, detail_len, "pfx: certificate %zu is not valid DER", i);
      rv = OTLS_E_DER_BAD;
      goto out;
    }
  size_t cur = (size_t)f->leaf;
  used[cur] = true;
  if ((rv = otls__der_list_add(chain, f->certs.items[cur].data, f->certs.items[cur].len)) < 0)
    goto out;
  for (;;) {
    if (otls__x509_self_issued(&x[cur]))
      break;
    size_t next = n;
    for (size_t i = 0; i < n && next == n; i++)
      if (!used[i] && otls__x509_check_issued(&x[i], &x[cur]))
        next = i;
    if (next == n)
      break;
    used[next] = true;
    cur = next;
    if ((rv = otls__der_list_add(chain, f->certs.items[cur].data, f->certs.items[cur].len)) < 0)
      goto out;
  }
  for (;;) {
    size_t best = n;
    for (size_t i = 0; i < n; i++)
      if (!used[i] && (best == n || blob_cmp(&f->certs.items[i], &f->certs.items[best]) < 0))
        best = i;
    if (best == n)
      break;
    used[best] = true;
    if ((rv = otls__der_list_add(chain, f->certs.items[best].data, f->certs.items[best].len)) < 0)
      goto out;
  }
  rv = 0;
out:
  free(x);
  free(used);
  return rv;
}

/* Base64 PEM of `der` with `label`, 64 characters a line (RFC 7468). */
static int pem_encode(const char *label, const uint8_t *der, size_t len, char **out,
                      size_t *out_len) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t chars = (len + 2) / 3 * 4;
  size_t cap = 2 * (strlen(label) + 32) + chars + chars / 64 + 2;
  char *buf = malloc(cap), *p = buf;
  if (buf == NULL)
    return OTLS_E_NOMEM;
  p += sprintf(p, "-----BEGIN %s-----\n", label);
  size_t col = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)der[i] << 16;
    size_t rem = len - i;
    if (rem > 1)
      v |= (uint32_t)der[i + 1] << 8;
    if (rem > 2)
      v |= der[i + 2];
    *p++ = b64[(v >> 18) & 63];
    *p++ = b64[(v >> 12) & 63];
    *p++ = rem > 1 ? b64[(v >> 6) & 63] : '=';
    *p++ = rem > 2 ? b64[v & 63] : '=';
    if ((col += 4) == 64) {
      *p++ = '\n';
      col = 0;
    }
  }
  if (col)
    *p++ = '\n';
  p += sprintf(p, "-----END %s-----\n", label);
  *out = buf;
  *out_len = (size_t)(p - buf);
  return 0;
}

int otls__pkcs12_load(const uint8_t *der, size_t len, const char *pass,
                      struct otls__der_list *chain, char **key_pem, size_t *key_pem_len,
                      char *detail, size_t detail_len) {
  *key_pem = NULL;
  int rv = otls__pkcs12_check(der, len, detail, detail_len);
  if (rv < 0)
    return rv;
  if (otls__backend.pkcs12_parse == NULL) {
    otls__detail(detail, detail_len, "pfx: the %s backend cannot open PKCS#12 bundles",
                 otls__backend.name);
    return OTLS_E_UNSUPPORTED;
  }
  struct found f = {.leaf = -1};
  const struct otls__pkcs12_sink sink = {&f, sink_key, sink_cert};
  uint8_t *pkcs8 = NULL;
  size_t pkcs8_len = 0;
  rv = otls__backend.pkcs12_parse(der, len, pass ? pass : "", &sink, detail, detail_len);
  if (rv < 0)
    goto out;
  if (f.key == NULL || f.leaf < 0 || f.key_twice || f.leaf_twice) {
    otls__detail(detail, detail_len, "pfx: %s",
                 f.key == NULL ? "no private key in the bundle"
                 : f.leaf < 0  ? "no certificate for the private key in the bundle"
                               : "more than one private key in the bundle");
    rv = OTLS_E_NO_CERT;
    goto out;
  }
  if ((rv = order_chain(&f, chain, detail, detail_len)) < 0)
    goto out;
  struct otls__x509 leaf;
  if (otls__x509_parse(chain->items[0].data, chain->items[0].len, &leaf) < 0 ||
      (rv = otls__pkcs8_wrap(f.key, f.key_len, &leaf.spki, &pkcs8, &pkcs8_len)) < 0) {
    otls__detail(detail, detail_len, "pfx: the private key is not valid DER");
    rv = rv < 0 ? rv : OTLS_E_DER_BAD;
    goto out;
  }
  rv = pem_encode("PRIVATE KEY", pkcs8, pkcs8_len, key_pem, key_pem_len);
out:
  if (f.key) {
    explicit_bzero(f.key, f.key_len);
    free(f.key);
  }
  if (pkcs8) {
    explicit_bzero(pkcs8, pkcs8_len);
    free(pkcs8);
  }
  otls__der_list_clear(&f.certs);
  if (rv < 0)
    otls__der_list_clear(chain);
  return rv;
}
