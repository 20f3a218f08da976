/*
 * omnitls — the secure context: user options are parsed and checked here,
 * once, and the backend gets a normalised configuration (backend.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ciphers.h"
#include "client_hello.h"
#include "der.h"
#include "internal.h"
#include "pem.h"
#include "pkcs12.h"
#include "x509.h"

void otls_context_options_init(otls_context_options *opts) {
  if (opts == NULL)
    return;
  memset(opts, 0, sizeof(*opts));
  opts->version = OTLS_CONTEXT_OPTIONS_VERSION;
  opts->reject_unauthorized = true;
}

/* The bytes of a source: borrowed (*owned = NULL) or read from its file. */
OTLS_MUST_CHECK static int source_bytes(const otls_source *s, const uint8_t **data, size_t *len,
                                        uint8_t **owned, const char *what, char *detail,
                                        size_t detail_len) {
  *owned = NULL;
  if (s->data != NULL) {
    *data = s->data;
    *len = s->len;
    return 0;
  }
  if (s->path == NULL) {
    otls__detail(detail, detail_len, "%s: neither data nor path given", what);
    return OTLS_E_INVAL;
  }
  int rv = otls__read_file(s->path, owned, len);
  if (rv < 0) {
    otls__detail(detail, detail_len, "%s: cannot read '%s'", what, s->path);
    return rv;
  }
  *data = *owned;
  return 0;
}

static bool is_cert_label(const char *l) {
  return strcmp(l, "CERTIFICATE") == 0 || strcmp(l, "X509 CERTIFICATE") == 0;
}

static bool is_key_label(const char *l) {
  return strcmp(l, "PRIVATE KEY") == 0 || strcmp(l, "ENCRYPTED PRIVATE KEY") == 0 ||
         strcmp(l, "RSA PRIVATE KEY") == 0 || strcmp(l, "EC PRIVATE KEY") == 0;
}

/*
 * Decode every block with an accepted label from each source into `out`.
 * A source with no such block is an error (Node: "no start line").
 * Certificates are parsed to make sure they are well-formed DER.
 */
OTLS_MUST_CHECK static int load_blocks_at(const otls_source *src, size_t n, size_t base,
                                          const char *what, bool (*accept)(const char *),
                                          bool parse_cert, struct otls__der_list *out, char *detail,
                                          size_t detail_len) {
  for (size_t i = base; i < base + n; i++) {
    const uint8_t *data;
    size_t len;
    uint8_t *owned;
    int rv = source_bytes(&src[i - base], &data, &len, &owned, what, detail, detail_len);
    if (rv < 0)
      return rv;
    const uint8_t *p = data, *end = data + len;
    size_t found = 0;
    struct otls__pem_block blk;
    while ((rv = otls__pem_next(&p, end, &blk)) == 1) {
      if (accept(blk.label)) {
        struct otls__x509 x;
        if (parse_cert && otls__x509_parse(blk.der, blk.der_len, &x) < 0) {
          otls__detail(detail, detail_len, "%s #%zu: certificate %zu is not valid DER", what, i,
                       found);
          rv = OTLS_E_DER_BAD;
        } else {
          rv = otls__der_list_add(out, blk.der, blk.der_len);
          found++;
        }
      }
      free(blk.der);
      if (rv < 0)
        break;
    }
    free(owned);
    if (rv < 0) {
      if (rv == OTLS_E_PEM_BAD)
        otls__detail(detail, detail_len, "%s #%zu: malformed PEM block", what, i);
      return rv;
    }
    if (found == 0) {
      otls__detail(detail, detail_len, "%s #%zu: no PEM block of the expected type", what, i);
      return OTLS_E_PEM_NO_START_LINE;
    }
  }
  return 0;
}

OTLS_MUST_CHECK static int load_blocks(const otls_source *src, size_t n, const char *what,
                                       bool (*accept)(const char *), bool parse_cert,
                                       struct otls__der_list *out, char *detail,
                                       size_t detail_len) {
  return load_blocks_at(src, n, 0, what, accept, parse_cert, out, detail, detail_len);
}

static bool accept_cert(const char *l) { return is_cert_label(l); }
static bool accept_dh(const char *l) {
  return strcmp(l, "DH PARAMETERS") == 0;
}
static bool accept_crl(const char *l) { return strcmp(l, "X509 CRL") == 0; }

/* The key: the first private-key block of the source, kept as PEM text. */
OTLS_MUST_CHECK static int load_key(const otls_source *src, size_t index, char **pem,
                                    size_t *pem_len, bool *encrypted, char *detail,
                                    size_t detail_len) {
  const uint8_t *data;
  size_t len;
  uint8_t *owned;
  int rv = source_bytes(src, &data, &len, &owned, "key", detail, detail_len);
  if (rv < 0)
    return rv;
  const uint8_t *p = data, *end = data + len;
  struct otls__pem_block blk;
  *pem = NULL;
  while ((rv = otls__pem_next(&p, end, &blk)) == 1) {
    bool key = is_key_label(blk.label);
    free(blk.der);
    if (!key)
      continue;
    *encrypted = strcmp(blk.label, "ENCRYPTED PRIVATE KEY") == 0 ||
                 (blk.has_headers && memmem(blk.text, blk.text_len, "ENCRYPTED", 9) != NULL);
    *pem = strndup((const char *)blk.text, blk.text_len);
    *pem_len = blk.text_len;
    rv = *pem ? 0 : OTLS_E_NOMEM;
    break;
  }
  free(owned);
  if (rv == OTLS_E_PEM_BAD)
    otls__detail(detail, detail_len, "key #%zu: malformed PEM block", index);
  else if (rv == 0 && *pem == NULL) {
    otls__detail(detail, detail_len, "key #%zu: no PEM private key block", index);
    rv = OTLS_E_PEM_NO_START_LINE;
  }
  return rv;
}

/* --- key/certificate pairs ------------------------------------------------- */

/* One pair while the context is built (core owns it; wiped when done). */
struct pair {
  struct otls__der_list chain;
  char *key_pem;
  size_t key_pem_len;
  const char *pass;
};

static void pairs_free(struct pair *pairs, size_t n) {
  for (size_t i = 0; pairs && i < n; i++) {
    otls__der_list_clear(&pairs[i].chain);
    if (pairs[i].key_pem) {
      explicit_bzero(pairs[i].key_pem, pairs[i].key_pem_len);
      free(pairs[i].key_pem);
    }
  }
  free(pairs);
}

/*
 * The certificate "slot" a key type occupies in OpenSSL (one pair per
 * slot: a second one of the same type replaces the first there, while
 * GnuTLS would keep both and use the first): every EC curve shares one.
 */
static const char *key_slot(enum otls__key_type t) {
  switch (t) {
  case OTLS__KEY_RSA: return "RSA";
  case OTLS__KEY_RSA_PSS: return "RSA-PSS";
  case OTLS__KEY_EC: return "EC";
  case OTLS__KEY_DSA: return "DSA";
  case OTLS__KEY_ED25519: return "Ed25519";
  case OTLS__KEY_ED448: return "Ed448";
  default: return NULL;
  }
}

OTLS_MUST_CHECK static int check_key_types(const struct pair *pairs, size_t n, char *detail,
                                           size_t detail_len) {
  const char *slot[16];
  for (size_t i = 0; i < n && i < OTLS_ARRAY_SIZE(slot); i++) {
    struct otls__x509 x;
    struct otls__spki k;
    slot[i] = NULL;
    if (otls__x509_parse(pairs[i].chain.items[0].data, pairs[i].chain.items[0].len, &x) < 0)
      continue;
    otls__x509_spki(&x.spki, &k);
    slot[i] = key_slot(k.type);
    for (size_t j = 0; slot[i] && j < i; j++)
      if (slot[j] && strcmp(slot[j], slot[i]) == 0) {
        otls__detail(detail, detail_len,
                     "key/certificate pairs #%zu and #%zu are both %s: one pair per key type", j, i,
                     slot[i]);
        return OTLS_E_INVAL;
      }
  }
  return 0;
}

/*
 * Every key/certificate pair: key[i] with cert[i], then each pfx bundle
 * (Node: `key`/`cert` arrays and `pfx`). Each key keeps its own passphrase,
 * else the shared one.
 */
OTLS_MUST_CHECK static int load_pairs(const otls_context_options *o, struct pair **out,
                                      size_t *n_out, char *detail, size_t detail_len) {
  size_t n = o->key_count + o->pfx_count;
  *out = NULL;
  *n_out = 0;
  if (o->key_count != o->cert_count) {
    otls__detail(detail, detail_len, "%zu key(s) but %zu certificate chain(s): %s", o->key_count,
                 o->cert_count,
                 o->key_count > o->cert_count ? "a key needs a certificate"
                                              : "a certificate needs a key");
    return OTLS_E_NO_CERT;
  }
  if (n == 0)
    return 0;
  if (n > 1 && !otls_backend_has(OTLS_CAP_MULTI_CERT)) {
    otls__detail(detail, detail_len,
                 "%zu key/certificate pairs: the %s backend holds one per context", n,
                 otls__backend.name);
    return OTLS_E_UNSUPPORTED;
  }
  if (n > 16) {
    otls__detail(detail, detail_len, "%zu key/certificate pairs: at most 16", n);
    return OTLS_E_INVAL;
  }
  struct pair *pairs = calloc(n, sizeof(*pairs));
  if (pairs == NULL)
    return OTLS_E_NOMEM;
  int rv = 0;
  for (size_t i = 0; i < o->key_count && rv == 0; i++) {
    struct pair *pr = &pairs[i];
    bool encrypted = false;
    if ((rv = load_blocks_at(&o->cert[i], 1, i, "cert", accept_cert, true, &pr->chain, detail,
                             detail_len)) < 0 ||
        (rv = load_key(&o->key[i], i, &pr->key_pem, &pr->key_pem_len, &encrypted, detail,
                       detail_len)) < 0)
      break;
    pr->pass = o->key[i].passphrase ? o->key[i].passphrase : o->passphrase;
    if (!encrypted) {
      pr->pass = NULL;
    } else if (pr->pass == NULL) {
      otls__detail(detail, detail_len, "key #%zu: encrypted, but no passphrase was given", i);
      rv = OTLS_E_BAD_DECRYPT;
    }
  }
  for (size_t i = 0; i < o->pfx_count && rv == 0; i++) {
    struct pair *pr = &pairs[o->key_count + i];
    const uint8_t *data;
    size_t len;
    uint8_t *owned;
    char why[200] = "";
    if ((rv = source_bytes(&o->pfx[i], &data, &len, &owned, "pfx", detail, detail_len)) < 0)
      break;
    const char *pass = o->pfx[i].passphrase ? o->pfx[i].passphrase : o->passphrase;
    rv = otls__pkcs12_load(data, len, pass, &pr->chain, &pr->key_pem, &pr->key_pem_len, why,
                           sizeof(why));
    free(owned);
    if (rv < 0)
      otls__detail(detail, detail_len, "pfx #%zu: %s", i, why);
  }
  if (rv == 0)
    rv = check_key_types(pairs, n, detail, detail_len);
  if (rv < 0) {
    pairs_free(pairs, n);
    return rv;
  }
  *out = pairs;
  *n_out = n;
  return 0;
}

/* --- secureOptions ----------------------------------------------------------- */

/* OpenSSL 3.0's SSL_OP_* names, for a detail that says which bit is refused. */
static const struct {
  unsigned bit;
  const char *name;
} op_names[] = {
    {0, "SSL_OP_NO_EXTENDED_MASTER_SECRET"},
    {1, "SSL_OP_CLEANSE_PLAINTEXT"},
    {2, "SSL_OP_LEGACY_SERVER_CONNECT"},
    {3, "SSL_OP_ENABLE_KTLS"},
    {4, "SSL_OP_TLSEXT_PADDING"},
    {6, "SSL_OP_SAFARI_ECDHE_ECDSA_BUG"},
    {7, "SSL_OP_IGNORE_UNEXPECTED_EOF"},
    {8, "SSL_OP_ALLOW_CLIENT_RENEGOTIATION"},
    {9, "SSL_OP_DISABLE_TLSEXT_CA_NAMES"},
    {10, "SSL_OP_ALLOW_NO_DHE_KEX"},
    {11, "SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS"},
    {12, "SSL_OP_NO_QUERY_MTU"},
    {13, "SSL_OP_COOKIE_EXCHANGE"},
    {15, "SSL_OP_CISCO_ANYCONNECT"},
    {16, "SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION"},
    {18, "SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION"},
    {19, "SSL_OP_NO_ENCRYPT_THEN_MAC"},
    {20, "SSL_OP_ENABLE_MIDDLEBOX_COMPAT"},
    {21, "SSL_OP_PRIORITIZE_CHACHA"},
    {23, "SSL_OP_TLS_ROLLBACK_BUG"},
    {24, "SSL_OP_NO_ANTI_REPLAY"},
    {31, "SSL_OP_CRYPTOPRO_TLSEXT_BUG"},
};

/*
 * Apply `secureOptions` to the protocol range and the other settings it
 * stands for (context.h). OpenSSL (ssl_get_min_max_version) keeps the
 * highest run of enabled versions: a disabled version below an enabled one
 * cuts off everything under it.
 */
OTLS_MUST_CHECK static int apply_secure_options(uint64_t ops, uint16_t *min, uint16_t *max,
                                                bool *honor, bool *no_ticket,
                                                bool *no_renegotiation, char *detail,
                                                size_t detail_len) {
  static const uint64_t known = OTLS_OP_NO_TICKET | OTLS_OP_NO_COMPRESSION |
                                OTLS_OP_CIPHER_SERVER_PREFERENCE | OTLS_OP_NO_SSLv3 |
                                OTLS_OP_NO_TLSv1 | OTLS_OP_NO_TLSv1_1 | OTLS_OP_NO_TLSv1_2 |
                                OTLS_OP_NO_TLSv1_3 | OTLS_OP_NO_RENEGOTIATION;
  uint64_t unknown = ops & ~known;
  if (unknown) {
    unsigned bit = 0;
    while (!(unknown & (1ull << bit)))
      bit++;
    const char *name = NULL;
    for (size_t i = 0; i < OTLS_ARRAY_SIZE(op_names); i++)
      if (op_names[i].bit == bit)
        name = op_names[i].name;
    otls__detail(detail, detail_len, "secureOptions: bit 0x%llx (%s) is not supported",
                 (unsigned long long)(1ull << bit), name ? name : "unknown");
    return OTLS_E_INVAL;
  }
  if (ops & OTLS_OP_CIPHER_SERVER_PREFERENCE)
    *honor = true;
  *no_ticket = (ops & OTLS_OP_NO_TICKET) != 0;
  *no_renegotiation = (ops & OTLS_OP_NO_RENEGOTIATION) != 0;
  static const struct {
    uint16_t v;
    uint64_t op;
  } off[] = {{OTLS__TLS1_3, OTLS_OP_NO_TLSv1_3},
             {OTLS__TLS1_2, OTLS_OP_NO_TLSv1_2},
             {OTLS__TLS1_1, OTLS_OP_NO_TLSv1_1},
             {OTLS__TLS1_0, OTLS_OP_NO_TLSv1}};
  uint16_t hi = 0, lo = 0;
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(off); i++) {
    uint16_t v = off[i].v;
    if (v > *max || v < *min)
      continue;
    bool on = !(ops & off[i].op);
    if (on && hi == 0)
      hi = lo = v;
    else if (on && lo == v + 1)
      lo = v;
    else if (!on && hi != 0)
      break;
  }
  if (hi == 0) {
    otls__detail(detail, detail_len,
                 "secureOptions disable every protocol version of the range %s..%s",
                 otls__version_name(*min), otls__version_name(*max));
    return OTLS_E_BAD_VERSION;
  }
  *min = lo;
  *max = hi;
  return 0;
}

/*
 * Node's secureProtocol methods and the range each stands for
 * (src/crypto/crypto_context.cc, SecureContext::Init). min 0 = "the lowest
 * version the engine has" (OpenSSL's meaning of a 0 minimum); SSLv23 keeps
 * the default minimum. The _client/_server variants only choose the side,
 * which omnitls sets per connection.
 */
static const struct {
  const char *name;
  uint16_t min, max; /* 0 = lowest available / default minimum */
} methods[] = {
    {"TLS_method", 0, OTLS__TLS1_3},
    {"SSLv23_method", OTLS__TLS1_2, OTLS__TLS1_2},
    {"TLSv1_method", OTLS__TLS1_0, OTLS__TLS1_0},
    {"TLSv1_1_method", OTLS__TLS1_1, OTLS__TLS1_1},
    {"TLSv1_2_method", OTLS__TLS1_2, OTLS__TLS1_2},
};

/* "TLSv1_2_server_method" -> "TLSv1_2_method" in `buf`; false when no variant. */
static bool strip_side(const char *name, char *buf, size_t len) {
  static const char *const sides[] = {"_server_method", "_client_method"};
  size_t n = strlen(name);
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(sides); i++) {
    size_t sl = strlen(sides[i]);
    if (n > sl && n - sl + sizeof("_method") <= len && strcmp(name + n - sl, sides[i]) == 0) {
      memcpy(buf, name, n - sl);
      memcpy(buf + n - sl, "_method", sizeof("_method"));
      return true;
    }
  }
  return false;
}

OTLS_MUST_CHECK static int secure_protocol_range(const char *method, uint16_t *min, uint16_t *max,
                                                 char *detail, size_t detail_len) {
  char base[64];
  const char *name = strip_side(method, base, sizeof(base)) ? base : method;
  if (strcmp(name, "SSLv2_method") == 0 || strcmp(name, "SSLv3_method") == 0) {
    otls__detail(detail, detail_len, "%.5s methods disabled", name);
    return OTLS_E_INVALID_PROTOCOL_METHOD;
  }
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(methods); i++) {
    if (strcmp(name, methods[i].name) != 0)
      continue;
    *max = methods[i].max;
    if (methods[i].min != 0 || strcmp(name, "SSLv23_method") == 0) {
      *min = methods[i].min;
      return 0;
    }
    /* The lowest version the backend has (wolfSSL: no TLS 1.0). */
    static const struct {
      uint16_t v;
      enum otls_cap cap;
    } low[] = {{OTLS__TLS1_0, OTLS_CAP_TLS1_0},
               {OTLS__TLS1_1, OTLS_CAP_TLS1_1},
               {OTLS__TLS1_2, OTLS_CAP_TLS1_2},
               {OTLS__TLS1_3, OTLS_CAP_TLS1_3}};
    for (size_t j = 0; j < OTLS_ARRAY_SIZE(low); j++)
      if (otls_backend_has(low[j].cap)) {
        *min = low[j].v;
        return 0;
      }
    *min = OTLS__TLS1_2;
    return 0;
  }
  otls__detail(detail, detail_len, "Unknown method: %s", method);
  return OTLS_E_INVALID_PROTOCOL_METHOD;
}

OTLS_MUST_CHECK static int check_versions(const otls_context_options *o, uint16_t *min,
                                          uint16_t *max, char *detail, size_t detail_len) {
  *min = OTLS__TLS1_2;
  *max = OTLS__TLS1_3;
  if (o->secure_protocol) {
    /* Node checks the conflict before the method name (lib/_tls_common.js). */
    const char *v = o->min_version ? o->min_version : o->max_version;
    if (v) {
      otls__detail(detail, detail_len,
                   "TLS protocol version \"%s\" conflicts with "
                   "secureProtocol \"%s\"",
                   v, o->secure_protocol);
      return OTLS_E_PROTOCOL_VERSION_CONFLICT;
    }
    int rv = secure_protocol_range(o->secure_protocol, min, max, detail, detail_len);
    if (rv < 0)
      return rv;
  }
  if (o->min_version && otls__version_parse(o->min_version, min) < 0) {
    otls__detail(detail, detail_len, "minVersion '%s' is not a TLS version", o->min_version);
    return OTLS_E_BAD_VERSION;
  }
  if (o->max_version && otls__version_parse(o->max_version, max) < 0) {
    otls__detail(detail, detail_len, "maxVersion '%s' is not a TLS version", o->max_version);
    return OTLS_E_BAD_VERSION;
  }
  if (*min > *max) {
    otls__detail(detail, detail_len, "minVersion is above maxVersion");
    return OTLS_E_BAD_VERSION;
  }
  return 0;
}

/* Every version of the final range must be one the backend has. */
OTLS_MUST_CHECK static int check_version_caps(uint16_t min, uint16_t max, char *detail,
                                              size_t detail_len) {
  static const struct {
    uint16_t v;
    enum otls_cap cap;
  } need[] = {{OTLS__TLS1_0, OTLS_CAP_TLS1_0},
              {OTLS__TLS1_1, OTLS_CAP_TLS1_1},
              {OTLS__TLS1_2, OTLS_CAP_TLS1_2},
              {OTLS__TLS1_3, OTLS_CAP_TLS1_3}};
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(need); i++)
    if (need[i].v >= min && need[i].v <= max && !otls_backend_has(need[i].cap)) {
      otls__detail(detail, detail_len, "%s is not available with the %s backend",
                   otls__version_name(need[i].v), otls__backend.name);
      return OTLS_E_UNSUPPORTED;
    }
  return 0;
}

/*
 * ecdhCurve names (OpenSSL's group names and aliases, which Node passes
 * through to SSL_CTX_set1_curves_list) -> TLS NamedGroup ids (RFC 8446
 * §4.2.7). `node` is the name Node reports (getEphemeralKeyInfo().name:
 * OpenSSL's short name).
 */
static const struct {
  const char *name;
  uint16_t id;
} group_names[] = {
    {"P-256", 23}, {"prime256v1", 23}, {"secp256r1", 23}, {"P-384", 24}, {"secp384r1", 24},
    {"P-521", 25}, {"secp521r1", 25},  {"X25519", 29},    {"X448", 30},
};

static const struct {
  uint16_t id;
  const char *node;
} group_node[] = {
    {23, "prime256v1"}, {24, "secp384r1"}, {25, "secp521r1"}, {29, "X25519"}, {30, "X448"},
};

const char *otls__group_node_name(uint16_t id) {
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(group_node); i++)
    if (group_node[i].id == id)
      return group_node[i].node;
  return NULL;
}

const char *otls_default_ecdh_curves(void) {
  return "X25519:P-256:P-384";
}

#define MAX_GROUPS 8

/*
 * Parse `ecdhCurve` into NamedGroup ids. NULL or "auto" = the defaults.
 * OpenSSL (hence Node) rejects unknown names, empty elements and repeated
 * groups; so do we, on every backend.
 */
OTLS_MUST_CHECK static int parse_groups(const char *spec, uint16_t *out, size_t *n, char *detail,
                                        size_t detail_len) {
  *n = 0;
  if (spec == NULL || strcmp(spec, "auto") == 0) {
    memcpy(out, otls__default_groups, otls__n_default_groups * sizeof(uint16_t));
    *n = otls__n_default_groups;
    return 0;
  }
  const char *p = spec;
  for (;;) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    uint16_t id = 0;
    for (size_t i = 0; i < OTLS_ARRAY_SIZE(group_names) && id == 0; i++)
      if (strlen(group_names[i].name) == len && strncasecmp(p, group_names[i].name, len) == 0)
        id = group_names[i].id;
    if (id == 0) {
      otls__detail(detail, detail_len, "ecdhCurve: unknown curve '%.*s' in \"%s\"", (int)len, p,
                   spec);
      return OTLS_E_INVAL;
    }
    for (size_t i = 0; i < *n; i++)
      if (out[i] == id) {
        otls__detail(detail, detail_len, "ecdhCurve: curve '%.*s' repeated in \"%s\"", (int)len, p,
                     spec);
        return OTLS_E_INVAL;
      }
    if (*n == MAX_GROUPS) {
      otls__detail(detail, detail_len, "ecdhCurve: too many curves in \"%s\"", spec);
      return OTLS_E_INVAL;
    }
    if (id == 30 && !otls_backend_has(OTLS_CAP_ECDH_X448)) {
      otls__detail(detail, detail_len, "ecdhCurve: X448 is not available with the %s backend",
                   otls__backend.name);
      return OTLS_E_UNSUPPORTED;
    }
    out[(*n)++] = id;
    if (end == NULL)
      return 0;
    p = end + 1;
  }
}

/*
 * PKCS#3 DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER,
 * privateValueLength INTEGER OPTIONAL }. Node refuses a prime under 1024
 * bits (SecureContext::SetDHParam: ERR_INVALID_ARG_VALUE).
 */
OTLS_MUST_CHECK static int check_dhparam(const struct otls__blob *der, char *detail,
                                         size_t detail_len) {
  struct otls__der d = otls__der_init(der->data, der->len), seq, prime, base;
  if (otls__der_expect(&d, DER_SEQUENCE, &seq) < 0 || !otls__der_empty(&d) ||
      otls__der_expect(&seq, DER_INTEGER, &prime) < 0 ||
      otls__der_expect(&seq, DER_INTEGER, &base) < 0 || otls__der_empty(&prime) ||
      otls__der_empty(&base) || (prime.p[0] & 0x80)) {
    otls__detail(detail, detail_len, "dhparam: not a PKCS#3 DHParameter");
    return OTLS_E_DER_BAD;
  }
  while (prime.p < prime.end && prime.p[0] == 0)
    prime.p++;
  size_t bits = (size_t)(prime.end - prime.p) * 8;
  for (uint8_t top = prime.p < prime.end ? prime.p[0] : 0; bits > 0 && !(top & 0x80); top <<= 1)
    bits--;
  if (bits < 1024) {
    otls__detail(detail, detail_len, "DH parameter is less than 1024 bits (%zu)", bits);
    return OTLS_E_INVAL;
  }
  return 0;
}

/*
 * A backend whose TLS 1.3 suites are fixed (BoringSSL) can honour a string
 * naming TLS 1.3 suites only when it names exactly the default ones.
 */
OTLS_MUST_CHECK static int check_tls13_suites(const struct otls__cipher_list *l, char *detail,
                                              size_t detail_len) {
  if (!l->tls13_named || otls_backend_has(OTLS_CAP_TLS13_CIPHERS))
    return 0;
  size_t n13 = 0;
  for (size_t i = 0; i < otls__n_default_suites; i++)
    if (otls__suite_by_id(otls__default_suites[i])->min_version == OTLS__TLS1_3)
      n13++;
  if (l->n13 == n13 && memcmp(l->ids, otls__default_suites, n13 * sizeof(uint16_t)) == 0)
    return 0;
  otls__detail(detail, detail_len, "the %s backend cannot choose its TLS 1.3 cipher suites",
               otls__backend.name);
  return OTLS_E_UNSUPPORTED;
}

static void context_destroy(otls_context *ctx) {
  if (ctx->bctx)
    otls__backend.ctx_free(ctx->bctx);
  if (ctx->tickets_ready)
    otls__tickets_free(&ctx->tickets);
  if (ctx->sessions_ready)
    otls__sess_cache_free(&ctx->sessions);
  otls__der_list_clear(&ctx->chain);
  free(ctx->npn);
  free(ctx);
}

int otls_context_new(otls_context **out, const otls_context_options *o, char *detail,
                     size_t detail_len) {
  otls__detail(detail, detail_len, "%s", "");
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  if (o == NULL || o->version == 0 || o->version > OTLS_CONTEXT_OPTIONS_VERSION) {
    otls__detail(detail, detail_len, "options not initialised with otls_context_options_init()");
    return OTLS_E_INVAL;
  }
  if ((o->key_count && !o->key) || (o->cert_count && !o->cert) || (o->ca_count && !o->ca) ||
      (o->crl_count && !o->crl) || (o->pfx_count && !o->pfx)) {
    otls__detail(detail, detail_len, "a count is set but its array is NULL");
    return OTLS_E_INVAL;
  }
  int rv = otls__global_init();
  if (rv < 0) {
    otls__detail(detail, detail_len, "backend initialisation failed");
    return rv;
  }

  otls_context *ctx = calloc(1, sizeof(*ctx));
  if (ctx == NULL)
    return OTLS_E_NOMEM;
  atomic_init(&ctx->refs, 1);
  struct otls__der_list ca = {0}, crl = {0}, dh = {0};
  struct pair *pairs = NULL;
  size_t n_pairs = 0;
  struct otls__cred *creds = NULL;
  bool honor = o->honor_cipher_order, no_ticket = false, no_renegotiation = false;

  if ((rv = check_versions(o, &ctx->min_version, &ctx->max_version, detail, detail_len)) < 0 ||
      (rv = apply_secure_options(o->secure_options, &ctx->min_version, &ctx->max_version, &honor,
                                 &no_ticket, &no_renegotiation, detail, detail_len)) < 0 ||
      (rv = check_version_caps(ctx->min_version, ctx->max_version, detail, detail_len)) < 0)
    goto out_free;
  if ((o->ticket_keys == NULL) != (o->ticket_keys_len == 0) ||
      (rv = otls__tickets_init(&ctx->tickets, o->ticket_keys, o->ticket_keys_len)) < 0) {
    otls__detail(detail, detail_len, "ticket_keys: need exactly %u bytes", OTLS_TICKET_KEYS_LEN);
    rv = OTLS_E_INVAL;
    goto out_free;
  }
  ctx->tickets_ready = true;
  if ((rv = otls__sess_cache_init(&ctx->sessions)) < 0)
    goto out_free;
  ctx->sessions_ready = true;
  ctx->session_timeout = o->session_timeout ? o->session_timeout : 300;
  if (o->session_id_context) {
    size_t n = strlen(o->session_id_context);
    if (n > sizeof(ctx->session_id_context)) {
      otls__detail(detail, detail_len, "sessionIdContext: %zu bytes, at most %zu", n,
                   sizeof(ctx->session_id_context));
      rv = OTLS_E_INVAL;
      goto out_free;
    }
    memcpy(ctx->session_id_context, o->session_id_context, n);
    ctx->session_id_context_len = n;
  }
  if (o->npn_protocols || o->npn_protocols_len) {
    if (!otls_backend_has(OTLS_CAP_NPN)) {
      otls__detail(detail, detail_len, "NPN is not supported by the %s backend",
                   otls__backend.name);
      rv = OTLS_E_UNSUPPORTED;
      goto out_free;
    }
    if (!otls__alpn_wire_valid(o->npn_protocols, o->npn_protocols_len)) {
      otls__detail(detail, detail_len, "npnProtocols: not a valid wire-format list");
      rv = OTLS_E_INVAL;
      goto out_free;
    }
    if ((ctx->npn = malloc(o->npn_protocols_len)) == NULL) {
      rv = OTLS_E_NOMEM;
      goto out_free;
    }
    memcpy(ctx->npn, o->npn_protocols, o->npn_protocols_len);
    ctx->npn_len = o->npn_protocols_len;
  }
  if (o->crl_count && !otls_backend_has(OTLS_CAP_CRL)) {
    otls__detail(detail, detail_len, "CRLs are not supported by the %s backend",
                 otls__backend.name);
    rv = OTLS_E_UNSUPPORTED;
    goto out_free;
  }
  if ((rv = load_pairs(o, &pairs, &n_pairs, detail, detail_len)) < 0)
    goto out_free;
  if (n_pairs) {
    if ((creds = calloc(n_pairs, sizeof(*creds))) == NULL) {
      rv = OTLS_E_NOMEM;
      goto out_free;
    }
    for (size_t i = 0; i < n_pairs; i++)
      creds[i] = (struct otls__cred){
          .chain = pairs[i].chain.items,
          .n_chain = pairs[i].chain.n,
          .key_pem = pairs[i].key_pem,
          .key_pem_len = pairs[i].key_pem_len,
          .key_passphrase = pairs[i].pass,
      };
    ctx->has_cert = true;
  }
  if ((rv = load_blocks(o->ca, o->ca_count, "ca", accept_cert, true, &ca, detail, detail_len)) < 0)
    goto out_free;
  if ((rv = load_blocks(o->crl, o->crl_count, "crl", accept_crl, false, &crl, detail,
                        detail_len)) < 0)
    goto out_free;
  for (size_t i = 0; i < crl.n; i++) {
    if ((rv = otls__crl_check(crl.items[i].data, crl.items[i].len)) < 0) {
      otls__detail(detail, detail_len, "crl: CRL %zu is not valid DER", i);
      goto out_free;
    }
  }

  if (o->dhparam) {
    if (!otls_backend_has(OTLS_CAP_DHPARAM)) {
      otls__detail(detail, detail_len, "dhparam: the %s backend has no DHE", otls__backend.name);
      rv = OTLS_E_UNSUPPORTED;
      goto out_free;
    }
    rv = load_blocks(o->dhparam, 1, "dhparam", accept_dh, false, &dh, detail, detail_len);
    if (rv < 0 || (rv = check_dhparam(&dh.items[0], detail, detail_len)) < 0)
      goto out_free;
  }

  uint16_t groups[MAX_GROUPS];
  size_t n_groups;
  if ((rv = parse_groups(o->ecdh_curve, groups, &n_groups, detail, detail_len)) < 0)
    goto out_free;

  ctx->reject_unauthorized = o->reject_unauthorized;
  ctx->request_cert = o->request_cert;
  ctx->no_ticket = no_ticket;
  ctx->no_renegotiation = no_renegotiation;

  struct otls__cipher_list *suites = malloc(sizeof(*suites));
  if (suites == NULL) {
    rv = OTLS_E_NOMEM;
    goto out_free;
  }
  if ((rv = otls__ciphers_eval(o->ciphers, otls__backend_bit(), suites, detail, detail_len)) < 0 ||
      (rv = check_tls13_suites(suites, detail, detail_len)) < 0) {
    free(suites);
    goto out_free;
  }

  struct otls__ctx_config cfg = {
      .min_version = ctx->min_version,
      .max_version = ctx->max_version,
      .creds = creds,
      .n_creds = n_pairs,
      .ca = ca.items,
      .n_ca = ca.n,
      .use_system_ca = o->ca_count == 0,
      .ca_file = OTLS__SYSTEM_CA_FILE,
      .crl = crl.items,
      .n_crl = crl.n,
      .request_cert = o->request_cert,
      .require_cert = o->request_cert && o->reject_unauthorized,
      .suites = suites->ids,
      .n_suites = suites->n,
      .honor_cipher_order = honor,
      .dhparam = dh.n ? dh.items[0] : (struct otls__blob){NULL, 0},
      .groups = groups,
      .n_groups = n_groups,
      .num_tickets = 1,
      .session_timeout = o->session_timeout ? o->session_timeout : 300,
      .session_id_context = {ctx->session_id_context, ctx->session_id_context_len},
      .no_ticket = no_ticket,
      .no_renegotiation = no_renegotiation,
      .npn = ctx->npn,
      .npn_len = ctx->npn_len,
  };
  rv = otls__backend.ctx_new(&ctx->bctx, &cfg, detail, detail_len);
  free(suites);
  if (rv < 0) {
    ctx->bctx = NULL;
    goto out_free;
  }
  /* The context keeps the first pair's chain (its own certificate). */
  if (n_pairs) {
    ctx->chain = pairs[0].chain;
    pairs[0].chain = (struct otls__der_list){0};
  }
  rv = 0;
  *out = ctx;
  ctx = NULL;

out_free:
  otls__der_list_clear(&ca);
  otls__der_list_clear(&crl);
  otls__der_list_clear(&dh);
  free(creds);
  pairs_free(pairs, n_pairs);
  if (ctx)
    context_destroy(ctx);
  return rv;
}

otls_context *otls_context_ref(otls_context *ctx) {
  if (ctx)
    atomic_fetch_add_explicit(&ctx->refs, 1, memory_order_relaxed);
  return ctx;
}

void otls_context_free(otls_context *ctx) {
  if (ctx == NULL)
    return;
  if (atomic_fetch_sub_explicit(&ctx->refs, 1, memory_order_acq_rel) == 1)
    context_destroy(ctx);
}

bool otls_context_has_cert(const otls_context *ctx) { return ctx && ctx->has_cert; }

const uint8_t *otls__context_session_id_context(const otls_context *ctx, size_t *len) {
  *len = ctx ? ctx->session_id_context_len : 0;
  return *len ? ctx->session_id_context : NULL;
}
