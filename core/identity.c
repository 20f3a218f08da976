/*
 * omnitls — checkServerIdentity: does the peer's certificate name `host`?
 *
 * The rules are Node.js v20's tls.checkServerIdentity() (lib/tls.js), which
 * applies RFC 6125 its own way; where the two differ, Node wins, because
 * omnitls promises Node's behaviour:
 *
 *  - a host that is an IP address (net.isIP, zone id allowed) is compared
 *    with the IP SANs only, as addresses (any textual form); never with DNS
 *    SANs nor the CN;
 *  - any other host is compared with the DNS SANs, or with the subject CN(s)
 *    only when the certificate has no DNS SAN at all; URI and email SANs are
 *    never identifiers;
 *  - one trailing dot is dropped from the host, and one more (plus one from
 *    the pattern) before labels are compared; ASCII case-insensitively;
 *  - a pattern with an empty label or a byte outside 0x21..0x7f matches
 *    nothing; the host itself is not screened;
 *  - one '*' in the left-most label may stand for any (possibly empty) run
 *    of characters ("b*z.example.com" is allowed), except in a label holding
 *    "xn--" (compared literally: RFC 6125 §6.4.3) and in a pattern of fewer
 *    than three labels ("*.com", "*"); a second '*' matches nothing.
 *
 * The failure text is Node's `err.reason`, byte for byte.
 *
 * Two layers: otls__check_identity_names() works on identities already
 * extracted (and is what the case table and the fuzz target drive);
 * otls__check_identity() / otls_check_server_identity() extract them from DER
 * the way Node builds `cert.subject` and `cert.subjectaltname`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "internal.h"
#include "x509.h"

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03};

/* --- names ------------------------------------------------------------------ */

/* String#replace(/[A-Z]/g, ...) in splitHost(): ASCII only, locale-free. */
static unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool ieq(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
      return false;
  return true;
}

/* Node's unfqdn(): drop one trailing dot. */
static size_t unfqdn(const char *s, size_t n) {
  return (n > 0 && s[n - 1] == '.') ? n - 1 : n;
}

static size_t count_byte(const char *s, size_t n, char c) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += s[i] == c;
  return k;
}

static bool has_alabel_marker(const char *s, size_t n) {
  for (size_t i = 0; i + 4 <= n; i++)
    if (ieq(s + i, "xn--", 4))
      return true;
  return false;
}

/*
 * Node's check(hostParts, pattern, true). `h`/`hn` is the host after both of
 * Node's unfqdn() passes. Labels are not split into arrays: with equal label
 * counts, "every label right of the first is equal" is "the text from the
 * first dot on is equal", so no label limit exists that Node does not have.
 */
static bool match_pattern(const char *h, size_t hn, const char *p, size_t pn) {
  if (pn == 0) /* "Empty strings, null, undefined, etc. never match." */
    return false;
  pn = unfqdn(p, pn);
  if (count_byte(h, hn, '.') != count_byte(p, pn, '.'))
    return false;
  /* A pattern with an empty label ("bad..example.com", ".a.com") never matches. */
  if (pn == 0 || p[0] == '.' || p[pn - 1] == '.' || memmem(p, pn, "..", 2) != NULL)
    return false;
  /* U-labels, controls and blanks: /[^\u0021-\u007F]/u (0x7f itself passes). */
  for (size_t i = 0; i < pn; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c < 0x21 || c > 0x7f)
      return false;
  }
  const char *hdot = memchr(h, '.', hn), *pdot = memchr(p, '.', pn);
  size_t hl = hdot ? (size_t)(hdot - h) : hn, pl = pdot ? (size_t)(pdot - p) : pn;
  if (hn - hl != pn - pl || !ieq(h + hl, p + pl, hn - hl))
    return false;

  const char *star = memchr(p, '*', pl);
  if (star == NULL || has_alabel_marker(p, pl)) /* RFC 6125 §6.4.3: no '*' in A-labels */
    return hl == pl && ieq(h, p, pl);
  size_t pre = (size_t)(star - p), suf = pl - pre - 1;
  if (memchr(star + 1, '*', suf) != NULL) /* more than one wildcard */
    return false;
  if (count_byte(p, pn, '.') < 2) /* *.tld (and a bare "*") */
    return false;
  if (pre + suf > hl)
    return false;
  return ieq(h, p, pre) && ieq(h + hl - suf, star + 1, suf);
}

/* --- IP addresses ------------------------------------------------------------- */

/* Node's net.isIPv4(): exactly four 0..255, no leading zeros. */
static bool parse_ipv4(const char *s, size_t n, uint8_t out[4]) {
  size_t i = 0;
  for (int k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= n || s[i] != '.')
        return false;
      i++;
    }
    size_t start = i;
    unsigned v = 0;
    while (i < n && i - start < 3 && s[i] >= '0' && s[i] <= '9')
      v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == start || (i - start > 1 && s[start] == '0') || v > 255)
      return false;
    out[k] = (uint8_t)v;
  }
  return i == n;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool zone_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '.' || c == ':';
}

/*
 * Node's net.isIPv6(): RFC 4291 text, 1..4 hex digits a group, one "::" at
 * most, an optional trailing dotted quad, then an optional "%zone" of
 * [0-9a-zA-Z-.:]+ — which canonicalizeIP() (libuv's inet_pton) drops.
 */
static bool parse_ipv6(const char *s, size_t n, uint8_t out[16]) {
  const char *pct = memchr(s, '%', n);
  if (pct != NULL) {
    size_t z = (size_t)(pct - s) + 1;
    if (z == n)
      return false;
    for (size_t i = z; i < n; i++)
      if (!zone_char(s[i]))
        return false;
    n = (size_t)(pct - s);
  }
  uint8_t tmp[16];
  size_t groups = 0, i = 0;
  long gap = -1;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (n >= 1 && s[0] == ':') {
    return false;
  }
  while (i < n) {
    size_t e = i;
    while (e < n && s[e] != ':')
      e++;
    if (memchr(s + i, '.', e - i) != NULL) {
      /* The dotted quad is the last thing, and counts as two groups. */
      if (e != n || groups > 6 || !parse_ipv4(s + i, e - i, tmp + 2 * groups))
        return false;
      groups += 2;
      break;
    }
    if (e == i || e - i > 4 || groups == 8)
      return false;
    unsigned v = 0;
    for (size_t k = i; k < e; k++) {
      int d = hexval(s[k]);
      if (d < 0)
        return false;
      v = v << 4 | (unsigned)d;
    }
    tmp[2 * groups] = (uint8_t)(v >> 8);
    tmp[2 * groups + 1] = (uint8_t)v;
    groups++;
    if (e == n)
      break;
    if (e + 1 < n && s[e + 1] == ':') {
      if (gap >= 0)
        return false;
      gap = (long)groups;
      i = e + 2;
    } else {
      i = e + 1;
      if (i == n) /* a trailing single ':' */
        return false;
    }
  }
  if (gap < 0 ? groups != 8 : groups > 7)
    return false;
  memset(out, 0, 16);
  if (gap < 0) {
    memcpy(out, tmp, 16);
  } else {
    size_t head = 2 * (size_t)gap, tail = 2 * groups - head;
    memcpy(out, tmp, head);
    memcpy(out + 16 - tail, tmp + head, tail);
  }
  return true;
}

/* net.isIP(host) ? 4 or 16 with the address in `out` : 0. */
static size_t parse_ip(const char *s, size_t n, uint8_t out[16]) {
  if (parse_ipv4(s, n, out))
    return 4;
  if (parse_ipv6(s, n, out))
    return 16;
  return 0;
}

/*
 * canonicalizeIP() of an IP SAN as Node prints it: libuv's inet_ntop (the
 * BIND algorithm: longest run of two or more zero groups compressed, the
 * first one on a tie; "::a.b.c.d" and "::ffff:a.b.c.d" keep the dotted quad).
 * Any other length is Node's "<invalid length=N>", which canonicalizes to
 * `undefined` and so shows as an empty list item.
 */
static size_t format_ip(const uint8_t *v, size_t len, char *out, size_t cap) {
  size_t n = 0;
  out[0] = 0;
  if (len == 4)
    return (size_t)snprintf(out, cap, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
  if (len != 16)
    return 0;
  unsigned w[8];
  for (int i = 0; i < 8; i++)
    w[i] = (unsigned)v[2 * i] << 8 | v[2 * i + 1];
  int best = -1, best_len = 0, cur = -1, cur_len = 0;
  for (int i = 0; i < 8; i++) {
    if (w[i] == 0) {
      if (cur < 0)
        cur = i, cur_len = 0;
      cur_len++;
    } else if (cur >= 0) {
      if (best < 0 || cur_len > best_len)
        best = cur, best_len = cur_len;
      cur = -1;
    }
  }
  if (cur >= 0 && (best < 0 || cur_len > best_len))
    best = cur, best_len = cur_len;
  if (best >= 0 && best_len < 2)
    best = -1;
  for (int i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + best_len) {
      if (i == best)
        n += (size_t)snprintf(out + n, cap - n, ":");
      continue;
    }
    if (i != 0)
      n += (size_t)snprintf(out + n, cap - n, ":");
    if (i == 6 && best == 0 &&
        (best_len == 6 || (best_len == 7 && w[7] != 1) || (best_len == 5 && w[5] == 0xffff))) {
      n += (size_t)snprintf(out + n, cap - n, "%u.%u.%u.%u", v[12], v[13], v[14], v[15]);
      return n;
    }
    n += (size_t)snprintf(out + n, cap - n, "%x", w[i]);
  }
  if (best >= 0 && best + best_len == 8)
    n += (size_t)snprintf(out + n, cap - n, ":");
  return n;
}

/* --- the check on extracted names ----------------------------------------------- */

/* `subject.CN` is truthy: an array (two or more values) or a non-empty string. */
static bool cn_truthy(const struct otls__id_names *nm) {
  return nm->n_cn >= 2 || (nm->n_cn == 1 && nm->cn[0].len > 0);
}

static void put(char *buf, size_t cap, size_t *used, const void *s, size_t n) {
  if (n > 0) /* an empty name may come as (NULL, 0) */
    otls__append(buf, cap, used, (const char *)s, n);
}
static void puts_(char *buf, size_t cap, size_t *used, const char *s) {
  otls__append(buf, cap, used, s, strlen(s));
}

int otls__check_identity_names(const char *host, const struct otls__id_names *nm, char *reason,
                               size_t reason_len) {
  /* Node's reason is built on the host with one trailing dot removed. */
  size_t hn = unfqdn(host, strlen(host));
  size_t used = 0;
  bool valid = false;
  if (reason != NULL && reason_len > 0)
    reason[0] = 0;
  else
    reason_len = 0;

  uint8_t addr[16];
  size_t alen = parse_ip(host, hn, addr);
  if (alen > 0) {
    for (size_t i = 0; i < nm->n_ip && !valid; i++)
      valid = nm->ip[i].len == alen && memcmp(nm->ip[i].data, addr, alen) == 0;
    if (!valid) {
      puts_(reason, reason_len, &used, "IP: ");
      put(reason, reason_len, &used, host, hn);
      puts_(reason, reason_len, &used, " is not in the cert's list: ");
      for (size_t i = 0; i < nm->n_ip; i++) {
        char tmp[64];
        size_t l = format_ip(nm->ip[i].data, nm->ip[i].len, tmp, sizeof(tmp));
        if (i > 0)
          puts_(reason, reason_len, &used, ", ");
        put(reason, reason_len, &used, tmp, l);
      }
    }
  } else if (nm->n_dns > 0 || cn_truthy(nm)) {
    size_t mn = unfqdn(host, hn); /* splitHost() drops a second dot */
    /* Match against the CN only if no DNS SAN exists (RFC 6125 §6.4.4). */
    bool use_dns = nm->n_dns > 0;
    const struct otls__blob *pat = use_dns ? nm->dns : nm->cn;
    size_t n_pat = use_dns ? nm->n_dns : nm->n_cn;
    for (size_t i = 0; i < n_pat && !valid; i++)
      valid = match_pattern(host, mn, (const char *)pat[i].data, pat[i].len);
    if (!valid) {
      puts_(reason, reason_len, &used, "Host: ");
      put(reason, reason_len, &used, host, hn);
      if (use_dns) {
        puts_(reason, reason_len, &used, ". is not in the cert's altnames: ");
        puts_(reason, reason_len, &used, nm->subjectaltname ? nm->subjectaltname : "");
      } else {
        /* `${cn}`: an array joins with ",". */
        puts_(reason, reason_len, &used, ". is not cert's CN: ");
        for (size_t i = 0; i < nm->n_cn; i++) {
          if (i > 0)
            puts_(reason, reason_len, &used, ",");
          put(reason, reason_len, &used, nm->cn[i].data, nm->cn[i].len);
        }
      }
    }
  } else {
    puts_(reason, reason_len, &used, "Cert does not contain a DNS name");
  }
  if (valid) {
    if (reason_len > 0)
      reason[0] = 0;
    return 0;
  }
  return OTLS_E_CERT_ALTNAME_INVALID;
}

/* --- extraction from DER ------------------------------------------------------------ */

static size_t put_utf8(uint8_t *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (uint8_t)(0xc0 | cp >> 6);
    o[1] = (uint8_t)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (uint8_t)(0xe0 | cp >> 12);
    o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (uint8_t)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (uint8_t)(0xf0 | cp >> 18);
  o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (uint8_t)(0x80 | (cp & 0x3f));
  return 4;
}

static bool unicode_ok(uint32_t cp) {
  return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/* Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
static bool utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      k = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      k = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      k = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (n - i < k)
      return false;
    for (size_t j = 1; j < k; j++) {
      if ((s[i + j] & 0xc0) != 0x80)
        return false;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if (cp < min || !unicode_ok(cp))
      return false;
    i += k;
  }
  return true;
}

/*
 * One attribute value as Node puts it in `cert.subject`: OpenSSL's
 * ASN1_STRING_to_UTF8(). One-byte string types are Latin-1; BMP and
 * Universal strings are UCS-2/UCS-4 big-endian; UTF8String must be valid.
 * `out` holds at least 2 * len bytes. -1 when OpenSSL would fail, which makes
 * Node's whole `subject` undefined.
 */
static int attr_to_utf8(unsigned tag, const uint8_t *v, size_t len, uint8_t *out, size_t *olen) {
  size_t n = 0;
  switch (tag) {
  case DER_UTF8:
    if (!utf8_valid(v, len))
      return -1;
    memcpy(out, v, len);
    n = len;
    break;
  case 0x12: /* NumericString */
  case DER_PRINTABLE:
  case DER_T61:
  case DER_IA5:
  case DER_UTCTIME:
  case DER_GENTIME:
  case 0x1a: /* VisibleString (ISO646String) */
    for (size_t i = 0; i < len; i++)
      n += put_utf8(out + n, v[i]);
    break;
  case DER_BMP:
  case DER_UNIVERSAL: {
    size_t w = tag == DER_BMP ? 2 : 4;
    if (len % w != 0)
      return -1;
    for (size_t i = 0; i < len; i += w) {
      uint32_t cp = 0;
      for (size_t j = 0; j < w; j++)
        cp = cp << 8 | v[i + j];
      if (!unicode_ok(cp))
        return -1;
      n += put_utf8(out + n, cp);
    }
    break;
  }
  default: return -1;
  }
  *olen = n;
  return 0;
}

struct extracted {
  struct otls__id_names names;
  struct otls__blob *dns, *ip, *cn;
  uint8_t *cn_text;
  char *san_text;
};

static void extracted_free(struct extracted *e) {
  free(e->dns);
  free(e->ip);
  free(e->cn);
  free(e->cn_text);
  free(e->san_text);
}

/*
 * The subject's CN values, in order, including every CN of a multi-valued
 * RDN (Node flattens them). When any attribute cannot be converted, Node's
 * `subject` is undefined: no CN at all.
 */
static int extract_cns(const struct otls__x509 *x, struct extracted *e) {
  size_t cap = x->subject.len / 4 + 1;
  e->cn = calloc(cap, sizeof(*e->cn));
  e->cn_text = malloc(2 * x->subject.len + 1);
  if (e->cn == NULL || e->cn_text == NULL)
    return OTLS_E_NOMEM;
  size_t used = 0, n = 0;
  struct otls__der top = otls__der_init(x->subject.data, x->subject.len), rdns;
  if (otls__der_expect(&top, DER_SEQUENCE, &rdns) < 0)
    return 0;
  while (!otls__der_empty(&rdns)) {
    struct otls__der set;
    if (otls__der_expect(&rdns, DER_SET, &set) < 0)
      return 0;
    while (!otls__der_empty(&set)) {
      struct otls__der atv, oid;
      unsigned tag;
      const uint8_t *v;
      size_t l, ol;
      if (otls__der_expect(&set, DER_SEQUENCE, &atv) < 0 ||
          otls__der_expect(&atv, DER_OID, &oid) < 0 || otls__der_next(&atv, &tag, &v, &l) < 0 ||
          attr_to_utf8(tag, v, l, e->cn_text + used, &ol) < 0)
        return 0; /* n_cn stays 0: `subject` is undefined */
      if ((size_t)(oid.end - oid.p) == sizeof(OID_CN) &&
          memcmp(oid.p, OID_CN, sizeof(OID_CN)) == 0 && n < cap) {
        e->cn[n].data = e->cn_text + used;
        e->cn[n].len = ol;
        n++;
      }
      used += ol;
    }
  }
  e->names.cn = e->cn;
  e->names.n_cn = n;
  return 0;
}

/* DNS and IP SANs as raw values (Node's escaping of them round-trips). */
static int extract_sans(const struct otls__x509 *x, struct extracted *e) {
  if (!x->has_san)
    return 0;
  size_t cap = x->san.len / 2 + 1;
  e->dns = calloc(cap, sizeof(*e->dns));
  e->ip = calloc(cap, sizeof(*e->ip));
  if (e->dns == NULL || e->ip == NULL)
    return OTLS_E_NOMEM;
  struct otls__der it = otls__der_init(x->san.data, x->san.len);
  while (!otls__der_empty(&it)) {
    unsigned tag;
    const uint8_t *v;
    size_t l;
    if (otls__der_next(&it, &tag, &v, &l) < 0)
      break;
    if (tag == OTLS__GN_DNS)
      e->dns[e->names.n_dns++] = (struct otls__blob){v, l};
    else if (tag == OTLS__GN_IP)
      e->ip[e->names.n_ip++] = (struct otls__blob){v, l};
  }
  e->names.dns = e->dns;
  e->names.ip = e->ip;
  return 0;
}

/* 0, OTLS_E_CERT_ALTNAME_INVALID, OTLS_E_DER_BAD (reason untouched) or OTLS_E_NOMEM. */
static int check_der(const char *host, const uint8_t *der, size_t len, char *reason,
                     size_t reason_len) {
  struct otls__x509 x;
  if (otls__x509_parse(der, len, &x) < 0)
    return OTLS_E_DER_BAD;
  struct extracted e;
  memset(&e, 0, sizeof(e));
  int rv;
  if ((rv = extract_sans(&x, &e)) < 0 || (rv = extract_cns(&x, &e)) < 0)
    goto out_free;
  rv = otls__check_identity_names(host, &e.names, reason, reason_len);
  if (rv == OTLS_E_CERT_ALTNAME_INVALID && x.has_san && reason != NULL && reason_len > 0) {
    /* The reason quotes the certificate's altnames: that text is built only
     * when the check has failed (it is most of a successful check's cost),
     * never longer than the reason. */
    if ((e.san_text = malloc(reason_len)) == NULL) {
      rv = OTLS_E_NOMEM;
      goto out_free;
    }
    otls__x509_san_string(&x, e.san_text, reason_len);
    e.names.subjectaltname = e.san_text;
    rv = otls__check_identity_names(host, &e.names, reason, reason_len);
  }
out_free:
  extracted_free(&e);
  return rv;
}

int otls__check_identity(const char *host, const uint8_t *leaf_der, size_t leaf_len, char *reason,
                         size_t reason_len) {
  int rv = check_der(host, leaf_der, leaf_len, reason, reason_len);
  if (rv == OTLS_E_DER_BAD) {
    otls__detail(reason, reason_len, "Cert cannot be parsed");
    rv = OTLS_E_CERT_ALTNAME_INVALID;
  }
  return rv;
}

int otls_check_server_identity(const char *host, const uint8_t *der, size_t len, char *reason,
                               size_t reason_len) {
  if (reason != NULL && reason_len > 0)
    reason[0] = 0;
  if (host == NULL || (der == NULL && len > 0) || (reason == NULL && reason_len > 0))
    return OTLS_E_INVAL;
  int rv = check_der(host, der, len, reason, reason_len);
  if (rv == OTLS_E_DER_BAD)
    otls__detail(reason, reason_len, "Cert cannot be parsed");
  return rv;
}
