/*
 * omnitls — checkServerIdentity: does the peer's certificate name `host`?
 * Follows Node.js' tls.checkServerIdentity() rules (RFC 6125 as Node
 * applies it): IP addresses only against IP SANs; DNS names against DNS SANs,
 * or the subject CN only when there is no DNS SAN; URI SANs ignored; a
 * wildcard only in the left-most label, at most one, never in a *.tld
 * pattern nor in an A-label (xn--); trailing dots ignored; ASCII
 * case-insensitive; names with bytes outside 0x21..0x7e never match.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "x509.h"

#define MAX_LABELS 128

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03};

struct labels {
  const char *p[MAX_LABELS];
  size_t len[MAX_LABELS];
  size_t n;
};

/* Split on '.', after dropping one trailing dot. -1 when too many labels. */
static int split(const char *s, size_t n, struct labels *out) {
  if (n > 0 && s[n - 1] == '.')
    n--;
  out->n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (out->n == MAX_LABELS)
        return -1;
      out->p[out->n] = s + start;
      out->len[out->n] = i - start;
      out->n++;
      start = i + 1;
    }
  }
  return 0;
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

static bool label_eq(const char *a, size_t an, const char *b, size_t bn) {
  if (an != bn)
    return false;
  for (size_t i = 0; i < an; i++)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

static bool match_pattern(const struct labels *host, const char *pat, size_t pat_len) {
  struct labels pp;
  if (pat_len == 0 || split(pat, pat_len, &pp) < 0)
    return false;
  if (pp.n != host->n)
    return false;
  for (size_t i = 0; i < pp.n; i++) {
    if (pp.len[i] == 0)
      return false;
    for (size_t j = 0; j < pp.len[i]; j++) {
      unsigned char ch = (unsigned char)pp.p[i][j];
      if (ch < 0x21 || ch > 0x7f)
        return false;
    }
  }
  for (size_t i = pp.n; i-- > 1;)
    if (!label_eq(host->p[i], host->len[i], pp.p[i], pp.len[i]))
      return false;
  const char *hs = host->p[0], *ps = pp.p[0];
  size_t hn = host->len[0], pn = pp.len[0];
  const char *star = memchr(ps, '*', pn);
  bool alabel = pn >= 4 && (memcmp(ps, "xn--", 4) == 0 || memmem(ps, pn, "xn--", 4) != NULL);
  if (star == NULL || alabel)
    return label_eq(hs, hn, ps, pn);
  if (memchr(star + 1, '*', pn - (size_t)(star - ps) - 1) != NULL)
    return false; /* more than one wildcard */
  if (pp.n <= 2)
    return false; /* *.tld */
  size_t pre = (size_t)(star - ps), suf = pn - pre - 1;
  if (pre + suf > hn)
    return false;
  return label_eq(hs, pre, ps, pre) && label_eq(hs + hn - suf, suf, star + 1, suf);
}

static void ip_to_text(const uint8_t *v, size_t l, char *out, size_t cap) {
  if (l == 4)
    inet_ntop(AF_INET, v, out, (socklen_t)cap);
  else if (l == 16)
    inet_ntop(AF_INET6, v, out, (socklen_t)cap);
  else
    snprintf(out, cap, "<invalid>");
}

int otls__check_identity(const char *host, const uint8_t *leaf_der, size_t leaf_len,
                         char *reason, size_t reason_len) {
  struct otls__x509 x;
  char tmp[64];
  if (otls__x509_parse(leaf_der, leaf_len, &x) < 0) {
    otls__detail(reason, reason_len, "Cert cannot be parsed");
    return OTLS_E_CERT_ALTNAME_INVALID;
  }
  size_t hlen = strlen(host);
  char *h = strndup(host, hlen);
  if (h == NULL)
    return OTLS_E_NOMEM;
  if (hlen > 0 && h[hlen - 1] == '.')
    h[--hlen] = 0;

  uint8_t addr[16];
  size_t alen = 0;
  if (inet_pton(AF_INET, h, addr) == 1)
    alen = 4;
  else if (inet_pton(AF_INET6, h, addr) == 1)
    alen = 16;

  bool valid = false, any_dns = false;
  int rv = OTLS_E_CERT_ALTNAME_INVALID;
  char list[512] = "";
  size_t used = 0;
  struct labels hl;
  bool host_ok = alen == 0 && split(h, hlen, &hl) == 0;

  if (x.has_san) {
    struct otls__der it = otls__der_init(x.san.data, x.san.len);
    while (!otls__der_empty(&it)) {
      unsigned tag;
      const uint8_t *v;
      size_t l;
      if (otls__der_next(&it, &tag, &v, &l) < 0)
        break;
      if (alen && tag == OTLS__GN_IP) {
        if (l == alen && memcmp(v, addr, alen) == 0)
          valid = true;
        ip_to_text(v, l, tmp, sizeof(tmp));
        if (used)
          otls__append(list, sizeof(list), &used, ", ", 2);
        otls__append(list, sizeof(list), &used, tmp, strlen(tmp));
      } else if (tag == OTLS__GN_DNS) {
        any_dns = true;
        if (host_ok && match_pattern(&hl, (const char *)v, l))
          valid = true;
      }
    }
  }
  if (alen) {
    if (!valid)
      otls__detail(reason, reason_len, "IP: %s is not in the cert's list: %s", h, list);
  } else if (any_dns) {
    if (!valid) {
      char sans[1024];
      otls__x509_san_string(&x, sans, sizeof(sans));
      otls__detail(reason, reason_len, "Host: %s. is not in the cert's altnames: %s", h, sans);
    }
  } else {
    size_t pos = 0;
    unsigned tag;
    struct otls__blob cn;
    bool have_cn = false;
    while (otls__x509_name_next(&x.subject, OID_CN, sizeof(OID_CN), &pos, &tag, &cn) == 1) {
      have_cn = true;
      if (host_ok && match_pattern(&hl, (const char *)cn.data, cn.len))
        valid = true;
    }
    if (!have_cn)
      otls__detail(reason, reason_len, "Cert does not contain a DNS name");
    else if (!valid)
      otls__detail(reason, reason_len, "Host: %s. is not cert's CN", h);
  }
  if (valid) {
    rv = 0;
    otls__detail(reason, reason_len, "%s", "");
  }
  free(h);
  return rv;
}
