/*
 * Unit tests for core/identity.c (checkServerIdentity).
 *
 * The rules are checked three ways: the fixture certificates; the shared
 * case table tests/unit/identity_cases.txt through the name-level function;
 * and Node.js itself (tests/node/identity_cases.js) on the same table and on
 * crafted DER certificates — omnitls must give Node's answer and Node's
 * reason, byte for byte.
 */
#include <arpa/inet.h>
#include <unistd.h>

#include "internal.h"
#include "otls_test.h"
#include "pem.h"
#include "x509.h"

#define REASON_MAX 8192

static uint8_t *load_der(const char *name, size_t *len) {
  uint8_t *data;
  size_t n;
  CHECK_INT(otls__read_file(pki(name), &data, &n), 0);
  const uint8_t *p = data;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, data + n, &blk), 1);
  free(data);
  *len = blk.der_len;
  return blk.der;
}

static int check(const char *host, const char *cert, char *reason, size_t rlen) {
  size_t len;
  uint8_t *der = load_der(cert, &len);
  int rv = otls__check_identity(host, der, len, reason, rlen);
  /* The public function is the same check. */
  char reason2[REASON_MAX];
  CHECK_ERR(otls_check_server_identity(host, der, len, reason2, sizeof(reason2)), rv);
  CHECK_STR(reason2, reason);
  free(der);
  return rv;
}

#define OK(host, cert) CHECK_ERR(check(host, cert, reason, sizeof(reason)), 0)
#define BAD(host, cert)                                                                            \
  CHECK_ERR(check(host, cert, reason, sizeof(reason)), OTLS_E_CERT_ALTNAME_INVALID)

TEST(identity_matches_dns_names_case_insensitively) {
  char reason[REASON_MAX];
  OK("localhost", "server-rsa.pem");
  CHECK_STR(reason, "");
  OK("LOCALHOST", "server-rsa.pem");
  OK("localhost.", "server-rsa.pem");  /* trailing dot */
  OK("localhost..", "server-rsa.pem"); /* Node strips a dot twice (unfqdn + splitHost) */
  BAD("otherhost", "server-rsa.pem");
  CHECK_STR(reason, "Host: otherhost. is not in the cert's altnames: DNS:localhost, "
                    "DNS:*.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, "
                    "email:admin@example.test, URI:https://localhost/");
}

TEST(identity_wildcard_covers_exactly_one_label) {
  char reason[REASON_MAX];
  OK("a.example.test", "server-rsa.pem");
  OK("WWW.Example.Test", "server-rsa.pem");
  BAD("example.test", "server-rsa.pem");
  BAD("a.b.example.test", "server-rsa.pem");
  OK(".example.test", "server-rsa.pem"); /* as Node: '*' may match an empty label */
}

TEST(identity_matches_ip_addresses_only_against_ip_sans) {
  char reason[REASON_MAX];
  OK("127.0.0.1", "server-rsa.pem");
  OK("::1", "server-rsa.pem");
  OK("0:0:0:0:0:0:0:1", "server-rsa.pem");
  BAD("127.0.0.2", "server-rsa.pem");
  CHECK_STR(reason, "IP: 127.0.0.2 is not in the cert's list: 127.0.0.1, ::1");
  /* The wronghost cert has no IP SANs: its CN/DNS never match an IP. */
  BAD("127.0.0.1", "wronghost.pem");
  CHECK_STR(reason, "IP: 127.0.0.1 is not in the cert's list: ");
}

TEST(identity_reports_the_reason_for_a_dns_mismatch) {
  char reason[REASON_MAX];
  BAD("localhost", "wronghost.pem");
  CHECK_STR(reason, "Host: localhost. is not in the cert's altnames: DNS:wrong.example.test");
}

TEST(identity_rejects_garbage_der) {
  char reason[REASON_MAX];
  uint8_t junk[10] = {0x30, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
  CHECK_ERR(otls__check_identity("localhost", junk, sizeof(junk), reason, sizeof(reason)),
            OTLS_E_CERT_ALTNAME_INVALID);
  CHECK_STR(reason, "Cert cannot be parsed");
  CHECK_ERR(otls_check_server_identity("localhost", junk, sizeof(junk), reason, sizeof(reason)),
            OTLS_E_DER_BAD);
  CHECK_STR(reason, "Cert cannot be parsed");
}

TEST(identity_public_function_rejects_bad_arguments) {
  char reason[REASON_MAX] = "x";
  size_t len;
  uint8_t *der = load_der("server-rsa.pem", &len);
  CHECK_ERR(otls_check_server_identity(NULL, der, len, reason, sizeof(reason)), OTLS_E_INVAL);
  CHECK_STR(reason, "");
  CHECK_ERR(otls_check_server_identity("localhost", NULL, 1, reason, sizeof(reason)), OTLS_E_INVAL);
  CHECK_ERR(otls_check_server_identity("localhost", der, len, NULL, 1), OTLS_E_INVAL);
  /* No reason buffer is fine; a short one truncates. */
  CHECK_ERR(otls_check_server_identity("localhost", der, len, NULL, 0), 0);
  CHECK_ERR(otls_check_server_identity("nope", der, len, NULL, 0), OTLS_E_CERT_ALTNAME_INVALID);
  char small[12];
  CHECK_ERR(otls_check_server_identity("nope", der, len, small, sizeof(small)),
            OTLS_E_CERT_ALTNAME_INVALID);
  CHECK_STR(small, "Host: nope.");
  free(der);
}

/* --- the shared case table -------------------------------------------------- */

struct bytes {
  uint8_t *p; /* always NUL-terminated */
  size_t n;
};

struct id_case {
  int line;
  struct bytes host, san, expected;
  bool has_san;
  struct bytes *cn;
  size_t n_cn;
};

struct table {
  struct id_case *c;
  size_t n;
};

/* The directory of this source file: the table and the Node script live there. */
static const char *source_path(const char *rel) {
  static char buf[2][1024];
  static int slot;
  slot ^= 1;
  const char *f = __FILE__, *slash = strrchr(f, '/');
  int dl = slash ? (int)(slash - f) : 1;
  snprintf(buf[slot], sizeof(buf[slot]), "%.*s/%s", dl, slash ? f : ".", rel);
  return buf[slot];
}

static int hex(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The table's escapes: \\ \t \n \r \xNN. */
static struct bytes decode(const char *s, size_t n, int line) {
  struct bytes b = {malloc(n + 1), 0};
  CHECK(b.p != NULL);
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\\') {
      b.p[b.n++] = (uint8_t)s[i];
      continue;
    }
    char e = i + 1 < n ? s[++i] : 0;
    if (e == '\\' || e == 't' || e == 'n' || e == 'r') {
      b.p[b.n++] = (uint8_t)(e == '\\' ? '\\' : e == 't' ? '\t' : e == 'n' ? '\n' : '\r');
    } else if (e == 'x' && i + 2 < n && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      b.p[b.n++] = (uint8_t)(hex(s[i + 1]) << 4 | hex(s[i + 2]));
      i += 2;
    } else {
      otls_test_fail(__FILE__, __LINE__, "identity_cases.txt:%d: bad escape \\%c", line, e);
    }
  }
  b.p[b.n] = 0;
  return b;
}

/* The inverse, for messages: printable ASCII stays, the rest is \xNN. */
static const char *show(const uint8_t *p, size_t n) {
  static char buf[4][4 * REASON_MAX];
  static int slot;
  slot = (slot + 1) % 4;
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < sizeof(buf[slot]); i++) {
    if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '\\')
      o += (size_t)snprintf(buf[slot] + o, 5, "\\x%02x", p[i]);
    else
      buf[slot][o++] = (char)p[i];
  }
  buf[slot][o] = 0;
  return buf[slot];
}

static size_t split_tabs(char *s, char **f, size_t max) {
  size_t n = 0;
  for (char *p = s;; p++) {
    if (n < max)
      f[n] = p;
    n++;
    p = strchr(p, '\t');
    if (p == NULL)
      break;
    *p = 0;
  }
  return n;
}

static struct table load_table(void) {
  const char *path = source_path("identity_cases.txt");
  uint8_t *data;
  size_t len;
  if (otls__read_file(path, &data, &len) < 0)
    otls_test_fail(__FILE__, __LINE__, "cannot read %s", path);
  struct table t = {calloc(len / 4 + 1, sizeof(struct id_case)), 0};
  CHECK(t.c != NULL);
  char *text = malloc(len + 1);
  CHECK(text != NULL);
  memcpy(text, data, len);
  text[len] = 0;
  free(data);
  int line = 0;
  for (char *s = text, *next; s != NULL && *s; s = next) {
    line++;
    next = strchr(s, '\n');
    if (next)
      *next++ = 0;
    if (*s == 0 || *s == '#')
      continue;
    char *f[4];
    if (split_tabs(s, f, 4) != 4)
      otls_test_fail(__FILE__, __LINE__, "identity_cases.txt:%d: want 4 TAB-separated fields",
                     line);
    struct id_case *c = &t.c[t.n++];
    c->line = line;
    c->host = decode(f[0], strlen(f[0]), line);
    c->has_san = strcmp(f[1], "-") != 0;
    c->san = decode(c->has_san ? f[1] : "", c->has_san ? strlen(f[1]) : 0, line);
    c->expected = decode(f[3], strlen(f[3]), line);
    if (strcmp(f[2], "-") != 0) {
      c->n_cn = 1;
      for (char *p = f[2]; (p = strchr(p, '|')) != NULL; p++)
        c->n_cn++;
      c->cn = calloc(c->n_cn, sizeof(*c->cn));
      CHECK(c->cn != NULL);
      char *p = f[2];
      for (size_t i = 0; i < c->n_cn; i++) {
        char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        c->cn[i] = decode(p, l, line);
        p += l + 1;
      }
    }
  }
  free(text);
  return t;
}

static void free_table(struct table *t) {
  for (size_t i = 0; i < t->n; i++) {
    free(t->c[i].host.p);
    free(t->c[i].san.p);
    free(t->c[i].expected.p);
    for (size_t j = 0; j < t->c[i].n_cn; j++)
      free(t->c[i].cn[j].p);
    free(t->c[i].cn);
  }
  free(t->c);
}

/*
 * Node's JSON string literal inside a subjectaltname (jsonStringPattern, then
 * JSONParse) at s[q] == '"'. Appends the value to out: \u0000-\u00ff as that
 * byte — the inverse of how Node escapes a raw SAN byte — higher code points
 * in UTF-8. Returns the literal's length, or 0 when it is not one.
 */
static size_t json_string(const char *s, size_t n, size_t q, uint8_t *out, size_t *o) {
  size_t i = q + 1;
  while (i < n && s[i] != '"') {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20)
      return 0;
    if (c != '\\') {
      out[(*o)++] = c;
      i++;
      continue;
    }
    if (i + 1 >= n)
      return 0;
    char e = s[i + 1];
    const char *simple = strchr("\"\\/bfnrt", e);
    if (e != 0 && simple != NULL) {
      static const char map[] = "\"\\/\b\f\n\r\t";
      out[(*o)++] = (uint8_t)map[simple - "\"\\/bfnrt"];
      i += 2;
    } else if (e == 'u' && i + 5 < n && hex(s[i + 2]) >= 0 && hex(s[i + 3]) >= 0 &&
               hex(s[i + 4]) >= 0 && hex(s[i + 5]) >= 0) {
      unsigned cp =
          (unsigned)(hex(s[i + 2]) << 12 | hex(s[i + 3]) << 8 | hex(s[i + 4]) << 4 | hex(s[i + 5]));
      if (cp <= 0xff) {
        out[(*o)++] = (uint8_t)cp;
      } else if (cp < 0x800) {
        out[(*o)++] = (uint8_t)(0xc0 | cp >> 6);
        out[(*o)++] = (uint8_t)(0x80 | (cp & 0x3f));
      } else {
        out[(*o)++] = (uint8_t)(0xe0 | cp >> 12);
        out[(*o)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (uint8_t)(0x80 | (cp & 0x3f));
      }
      i += 6;
    } else {
      return 0;
    }
  }
  return i < n ? i + 1 - q : 0;
}

static size_t find_from(const char *s, size_t n, size_t from, char c) {
  if (from >= n)
    return SIZE_MAX;
  const char *p = memchr(s + from, c, n - from);
  return p ? (size_t)(p - s) : SIZE_MAX;
}

struct case_names {
  struct otls__id_names names;
  struct otls__blob *dns, *ip, *cn;
  uint8_t *text; /* decoded tokens */
  uint8_t (*addr)[16];
};

/* One token of the list: "DNS:x" and "IP Address:x" count, the rest not. */
static void add_token(struct case_names *cn, const uint8_t *t, size_t l) {
  if (l >= 4 && memcmp(t, "DNS:", 4) == 0) {
    cn->dns[cn->names.n_dns++] = (struct otls__blob){t + 4, l - 4};
  } else if (l >= 11 && memcmp(t, "IP Address:", 11) == 0) {
    /* canonicalizeIP(): uv_inet_pton, AF_INET then AF_INET6 minus any %zone. */
    char a[64];
    size_t al = l - 11 < sizeof(a) - 1 ? l - 11 : sizeof(a) - 1;
    memcpy(a, t + 11, al);
    a[al] = 0;
    uint8_t *dst = cn->addr[cn->names.n_ip];
    size_t len = 0;
    if (inet_pton(AF_INET, a, dst) == 1) {
      len = 4;
    } else {
      char *pct = strchr(a, '%');
      if (pct)
        *pct = 0;
      if (inet_pton(AF_INET6, a, dst) == 1)
        len = 16;
    }
    cn->ip[cn->names.n_ip++] = (struct otls__blob){dst, len}; /* 0: Node's undefined */
  }
}

/*
 * The case's identities as Node reads them from `cert`: the subjectaltname
 * string split like lib/tls.js does (", ", or splitEscapedAltNames() when it
 * holds a '"'). false when Node would throw ERR_TLS_CERT_ALTNAME_FORMAT.
 */
static bool case_names(const struct id_case *c, struct case_names *out) {
  memset(out, 0, sizeof(*out));
  size_t n = c->san.n, cap = n + 1;
  const char *s = (const char *)c->san.p;
  out->dns = calloc(cap, sizeof(*out->dns));
  out->ip = calloc(cap, sizeof(*out->ip));
  out->addr = calloc(cap, sizeof(*out->addr));
  out->text = malloc(cap);
  out->cn = calloc(c->n_cn + 1, sizeof(*out->cn));
  CHECK(out->dns && out->ip && out->addr && out->text && out->cn);
  for (size_t i = 0; i < c->n_cn; i++)
    out->cn[i] = (struct otls__blob){c->cn[i].p, c->cn[i].n};
  out->names.cn = out->cn;
  out->names.n_cn = c->n_cn;
  out->names.dns = out->dns;
  out->names.ip = out->ip;
  out->names.subjectaltname = c->has_san ? s : NULL;
  if (!c->has_san || n == 0) /* `if (altNames)` */
    return true;
  size_t o = 0, tok = 0;
  if (memchr(s, '"', n) == NULL) {
    for (size_t i = 0; i <= n; i++) {
      if (i == n || (s[i] == ',' && i + 1 < n && s[i + 1] == ' ')) {
        memcpy(out->text + o, s + tok, i - tok);
        add_token(out, out->text + o, i - tok);
        o += i - tok;
        tok = i + 2;
        i++;
      }
    }
    return true;
  }
  size_t off = 0, start = 0; /* splitEscapedAltNames() */
  while (off < n) {
    size_t sep = find_from(s, n, off, ','), quote = find_from(s, n, off, '"');
    if (quote != SIZE_MAX && (sep == SIZE_MAX || quote < sep)) {
      memcpy(out->text + o, s + off, quote - off);
      o += quote - off;
      size_t l = json_string(s, n, quote, out->text, &o);
      if (l == 0)
        return false;
      off = quote + l;
    } else if (sep != SIZE_MAX) {
      memcpy(out->text + o, s + off, sep - off);
      o += sep - off;
      add_token(out, out->text + start, o - start);
      start = o;
      off = sep + 2;
    } else {
      memcpy(out->text + o, s + off, n - off);
      o += n - off;
      off = n;
    }
  }
  add_token(out, out->text + start, o - start);
  return true;
}

static void free_case_names(struct case_names *cn) {
  free(cn->dns);
  free(cn->ip);
  free(cn->addr);
  free(cn->text);
  free(cn->cn);
}

/* omnitls' answer for a case, in the table's terms. */
static const char *evaluate(const struct id_case *c, char *reason, size_t cap) {
  struct case_names cn;
  const char *r;
  if (!case_names(c, &cn)) {
    r = "throw ERR_TLS_CERT_ALTNAME_FORMAT";
  } else {
    int rv = otls__check_identity_names((const char *)c->host.p, &cn.names, reason, cap);
    if (rv == 0) {
      CHECK_STR(reason, "");
      r = "ok";
    } else {
      CHECK_ERR(rv, OTLS_E_CERT_ALTNAME_INVALID);
      r = reason;
    }
  }
  free_case_names(&cn);
  return r;
}

/*
 * A C string against an expected byte string; a NUL in `want` (from a CN)
 * ends the C string early, so only that prefix can be compared.
 */
static bool same(const char *got, const struct bytes *want) {
  size_t gl = strlen(got);
  return gl <= want->n && memcmp(got, want->p, gl) == 0 && (gl == want->n || want->p[gl] == 0);
}

TEST(identity_case_table_gives_the_expected_results) {
  struct table t = load_table();
  char reason[REASON_MAX];
  int failures = 0;
  for (size_t i = 0; i < t.n; i++) {
    const struct id_case *c = &t.c[i];
    const char *got = evaluate(c, reason, sizeof(reason));
    if (!same(got, &c->expected)) {
      failures++;
      fprintf(stderr, "identity_cases.txt:%d: host \"%s\"\n  got  \"%s\"\n  want \"%s\"\n", c->line,
              show(c->host.p, c->host.n), show((const uint8_t *)got, strlen(got)),
              show(c->expected.p, c->expected.n));
    }
  }
  printf("%zu cases, %d failed\n", t.n, failures);
  CHECK(t.n >= 150);
  free_table(&t);
  CHECK_INT(failures, 0);
}

/* --- agreement with Node.js ------------------------------------------------------ */

static void shell_quote(char *out, size_t cap, const char *s) {
  size_t o = 0;
  out[o++] = '\'';
  for (; *s && o + 6 < cap; s++) {
    if (*s == '\'') {
      memcpy(out + o, "'\\''", 4);
      o += 4;
    } else {
      out[o++] = *s;
    }
  }
  out[o++] = '\'';
  out[o] = 0;
}

/* Skip (77) when there is no `node` to compare with. */
static void require_node(void) {
  FILE *p = popen("node --version 2>/dev/null", "r");
  char v[64] = "";
  if (p == NULL || fgets(v, sizeof(v), p) == NULL || v[0] != 'v') {
    if (p)
      pclose(p);
    otls_test_skip("node (Node.js) is not installed: cannot compare with Node");
  }
  pclose(p);
}

/*
 * Run the Node side; each output line "<n>\t<escaped result>" goes to got[n].
 * Returns the number of lines, or -1 when node failed (its stderr shows why).
 */
static long run_node(const char *args, struct bytes *got, size_t max) {
  char script[2048];
  shell_quote(script, sizeof(script), source_path("../node/identity_cases.js"));
  size_t cl = strlen(script) + strlen(args) + 8;
  char *cmd = malloc(cl);
  CHECK(cmd != NULL);
  snprintf(cmd, cl, "node %s %s", script, args);
  FILE *p = popen(cmd, "r");
  free(cmd);
  CHECK(p != NULL);
  static char line[8 * REASON_MAX];
  size_t n = 0;
  while (fgets(line, sizeof(line), p) != NULL) {
    line[strcspn(line, "\n")] = 0;
    if (line[0] == '#') {
      printf("%s\n", line);
      continue;
    }
    char *tab = strchr(line, '\t');
    if (tab == NULL)
      otls_test_fail(__FILE__, __LINE__, "unexpected output from node: %s", line);
    long k = strtol(line, NULL, 10);
    if (k < 0 || (size_t)k >= max || got[k].p != NULL)
      otls_test_fail(__FILE__, __LINE__, "unexpected output from node: %s", line);
    got[k] = decode(tab + 1, strlen(tab + 1), (int)k);
    n++;
  }
  return pclose(p) == 0 ? (long)n : -1;
}

TEST(identity_case_table_agrees_with_node) {
  require_node();
  struct table t = load_table();
  int max_line = t.n ? t.c[t.n - 1].line + 1 : 1;
  struct bytes *node = calloc((size_t)max_line, sizeof(*node));
  CHECK(node != NULL);
  char args[2048];
  shell_quote(args, sizeof(args), source_path("identity_cases.txt"));
  CHECK_INT(run_node(args, node, (size_t)max_line), t.n);
  char reason[REASON_MAX];
  int failures = 0;
  for (size_t i = 0; i < t.n; i++) {
    const struct id_case *c = &t.c[i];
    const struct bytes *want = &node[c->line];
    CHECK(want->p != NULL);
    const char *got = evaluate(c, reason, sizeof(reason));
    if (!same(got, want)) {
      failures++;
      fprintf(stderr, "identity_cases.txt:%d: host \"%s\"\n  omnitls \"%s\"\n  node    \"%s\"\n",
              c->line, show(c->host.p, c->host.n), show((const uint8_t *)got, strlen(got)),
              show(want->p, want->n));
    }
  }
  printf("%zu cases compared with node, %d differ\n", t.n, failures);
  for (int i = 0; i < max_line; i++)
    free(node[i].p);
  free(node);
  free_table(&t);
  CHECK_INT(failures, 0);
}

/* --- crafted certificates, checked by omnitls and by Node ------------------------ */

struct dbuf {
  uint8_t b[4096];
  size_t n;
};

static void put_raw(struct dbuf *d, const void *p, size_t n) {
  CHECK(d->n + n <= sizeof(d->b));
  memcpy(d->b + d->n, p, n);
  d->n += n;
}

static void put_tlv(struct dbuf *d, uint8_t tag, const void *v, size_t n) {
  uint8_t h[4] = {tag};
  size_t hl;
  if (n < 0x80) {
    h[1] = (uint8_t)n;
    hl = 2;
  } else if (n < 0x100) {
    h[1] = 0x81, h[2] = (uint8_t)n;
    hl = 3;
  } else {
    h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n;
    hl = 4;
  }
  put_raw(d, h, hl);
  put_raw(d, v, n);
}

#define OID_CN "\x55\x04\x03"
#define OID_O "\x55\x04\x0a"

struct attr {
  int rdn; /* attributes with the same rdn share one SET (a multi-valued RDN) */
  const char *oid;
  uint8_t tag;
  const char *val;
  size_t len;
};
#define A(rdn, oid, tag, lit)                                                                      \
  { rdn, oid, tag, lit, sizeof(lit) - 1 }

struct gn {
  uint8_t tag;
  const char *val;
  size_t len;
};
#define G(tag, lit)                                                                                \
  { tag, lit, sizeof(lit) - 1 }

struct crafted {
  const char *what;
  /* Node (OpenSSL's d2i_X509) refuses it; omnitls then has no CN either. */
  bool node_rejects;
  struct attr subject[6]; /* ends at the first entry without an oid */
  struct gn san[6];       /* ends at the first entry without a tag; none: no SAN */
  const char *hosts[7];   /* NULL-terminated */
};

static size_t n_hosts(const struct crafted *k) {
  size_t n = 0;
  while (k->hosts[n] != NULL)
    n++;
  return n;
}

static void build_cert(const struct crafted *k, const struct otls__blob *spki, struct dbuf *out) {
  static const uint8_t sigalg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                   0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}; /* ecdsa-with-SHA256 */
  struct dbuf subj = {0}, name = {0}, tbs = {0}, tmp = {0};
  for (int r = 0; r < 6; r++) {
    struct dbuf set = {0};
    for (size_t i = 0; k->subject[i].oid != NULL; i++) {
      if (k->subject[i].rdn != r)
        continue;
      struct dbuf atv = {0};
      put_tlv(&atv, DER_OID, k->subject[i].oid, 3);
      put_tlv(&atv, k->subject[i].tag, k->subject[i].val, k->subject[i].len);
      put_tlv(&set, DER_SEQUENCE, atv.b, atv.n);
    }
    if (set.n)
      put_tlv(&subj, DER_SET, set.b, set.n);
  }
  put_tlv(&name, DER_SEQUENCE, subj.b, subj.n);

  put_raw(&tbs, "\xa0\x03\x02\x01\x02", 5); /* v3 */
  put_raw(&tbs, "\x02\x01\x01", 3);         /* serial */
  put_raw(&tbs, sigalg, sizeof(sigalg));
  static const char issuer[] = "\x30\x15\x31\x13\x30\x11\x06\x03\x55\x04\x03\x0c\x0a"
                               "omnitls CA";
  put_raw(&tbs, issuer, sizeof(issuer) - 1);
  static const char validity[] = "\x30\x1e\x17\x0d"
                                 "250101000000Z"
                                 "\x17\x0d"
                                 "491231000000Z";
  put_raw(&tbs, validity, sizeof(validity) - 1);
  put_raw(&tbs, name.b, name.n);
  put_raw(&tbs, spki->data, spki->len);
  if (k->san[0].tag != 0) {
    struct dbuf gns = {0}, seq = {0}, ext = {0}, exts = {0};
    for (size_t i = 0; k->san[i].tag != 0; i++)
      put_tlv(&gns, k->san[i].tag, k->san[i].val, k->san[i].len);
    put_tlv(&seq, DER_SEQUENCE, gns.b, gns.n);
    put_tlv(&ext, DER_OID, "\x55\x1d\x11", 3);
    put_tlv(&ext, DER_OCTET_STRING, seq.b, seq.n);
    put_tlv(&exts, DER_SEQUENCE, ext.b, ext.n);
    put_tlv(&tmp, DER_SEQUENCE, exts.b, exts.n);
    put_tlv(&tbs, 0xa3, tmp.b, tmp.n);
  }
  struct dbuf cert = {0};
  put_tlv(&cert, DER_SEQUENCE, tbs.b, tbs.n);
  put_raw(&cert, sigalg, sizeof(sigalg));
  put_raw(&cert, "\x03\x09\x00\x30\x06\x02\x01\x01\x02\x01\x01", 11);
  out->n = 0;
  put_tlv(out, DER_SEQUENCE, cert.b, cert.n);
}

/*
 * Subjects and SANs whose conversion Node does its own way: string types
 * (BMP, Universal, T61 as Latin-1), multi-valued RDNs, repeated and empty CNs,
 * a NUL in a CN, an attribute OpenSSL cannot convert, and IP SANs of every
 * length. OpenSSL 3 refuses a certificate with an unconvertible attribute
 * when it parses it (d2i_X509), so Node never sees one; omnitls, whose other
 * backends may accept it, then reads no subject — what Node's code does when
 * the conversion fails.
 */
static const struct crafted crafted[] = {
    {.what = "BMPString CN",
     .subject = {A(0, OID_CN, DER_BMP, "\0l\0o\0c\0a\0l\0h\0o\0s\0t")},
     .hosts = {"localhost", "LOCALHOST.", "other"}},
    {.what = "UniversalString CN",
     .subject = {A(0, OID_CN, DER_UNIVERSAL, "\0\0\0*\0\0\0.\0\0\0a\0\0\0.\0\0\0b")},
     .hosts = {"x.a.b", "a.b"}},
    {.what = "T61String CN is Latin-1",
     .subject = {A(0, OID_CN, DER_T61, "caf\xe9.example")},
     .hosts = {"caf\xc3\xa9.example", "cafe.example"}},
    {.what = "UTF8String CN with a U-label",
     .subject = {A(0, OID_CN, DER_UTF8, "b\xc3\xbc\x63her.example")},
     .hosts = {"b\xc3\xbc\x63her.example", "xn--bcher-kva.example"}},
    {.what = "multi-valued RDN with two CNs",
     .subject = {A(0, OID_CN, DER_UTF8, "a.example"), A(0, OID_CN, DER_UTF8, "b.example"),
                 A(1, OID_O, DER_PRINTABLE, "omnitls")},
     .hosts = {"a.example", "b.example", "c.example"}},
    {.what = "CNs in separate RDNs",
     .subject = {A(0, OID_CN, DER_PRINTABLE, "x.example"), A(1, OID_O, DER_UTF8, "omnitls"),
                 A(2, OID_CN, DER_IA5, "*.y.example")},
     .hosts = {"x.example", "a.y.example", "y.example"}},
    {.what = "CN with a NUL byte",
     .subject = {A(0, OID_CN, DER_UTF8, "a\0.example")},
     .hosts = {"a.example", "a"}},
    {.what = "one empty CN",
     .subject = {A(0, OID_O, DER_UTF8, "omnitls"), A(1, OID_CN, DER_UTF8, "")},
     .hosts = {"a.example"}},
    {.what = "two empty CNs",
     .subject = {A(0, OID_CN, DER_UTF8, ""), A(1, OID_CN, DER_PRINTABLE, "")},
     .hosts = {"a.example"}},
    {.what = "invalid UTF-8 in another attribute drops the subject",
     .node_rejects = true,
     .subject = {A(0, OID_O, DER_UTF8, "\xff"), A(1, OID_CN, DER_UTF8, "localhost")},
     .hosts = {"localhost"}},
    {.what = "odd-length BMPString drops the subject",
     .node_rejects = true,
     .subject = {A(0, OID_CN, DER_BMP, "\0l\0")},
     .hosts = {"l"}},
    {.what = "surrogate in a BMPString drops the subject",
     .node_rejects = true,
     .subject = {A(0, OID_CN, DER_UTF8, "localhost"), A(1, OID_O, DER_BMP, "\xd8\x00")},
     .hosts = {"localhost"}},
    {.what = "IP SANs of every length",
     .subject = {A(0, OID_CN, DER_UTF8, "localhost")},
     .san = {G(OTLS__GN_IP, "\x0a\x00\x00\x01"),
             G(OTLS__GN_IP, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\x00\x00\x02"),
             G(OTLS__GN_IP, "\x01\x02\x03\x04\x05"),
             G(OTLS__GN_IP, "\x20\x01\x0d\xb8\0\0\0\0\0\x01\0\0\0\0\0\x01")},
     .hosts = {"10.0.0.1", "::ffff:10.0.0.2", "10.0.0.2", "2001:db8::1:0:0:1", "10.0.0.3",
               "localhost"}},
    {.what = "URI and email SANs fall back to the CN",
     .subject = {A(0, OID_CN, DER_UTF8, "*.example")},
     .san = {G(OTLS__GN_URI, "https://a.example/"), G(OTLS__GN_EMAIL, "x@a.example")},
     .hosts = {"a.example", "example", "b.example."}},
    {.what = "a DNS SAN hides the CN",
     .subject = {A(0, OID_CN, DER_UTF8, "localhost")},
     .san = {G(OTLS__GN_DNS, "a.example"), G(OTLS__GN_DNS, "b*z.example.com")},
     .hosts = {"localhost", "a.example", "bz.example.com", "baz.example.com", "bar.example.com"}},
    {.what = "DEL passes Node's screen",
     .subject = {A(0, OID_CN, DER_UTF8, "x")},
     .san = {G(OTLS__GN_DNS, "a\x7f.example")},
     .hosts = {"a\x7f.example"}},
};

static void encode_arg(char *out, size_t cap, const char *s) {
  size_t o = 0;
  for (; *s && o + 5 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c > 0x7e || c == '\\' || c == '\'')
      o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    else
      out[o++] = (char)c;
  }
  out[o] = 0;
}

/* One certificate to compare on: its DER in a temporary file, and its hosts. */
struct der_job {
  const struct crafted *k;
  uint8_t *der;
  size_t len;
  const char *const *hosts;
  size_t n_hosts;
  char path[32];
};

#define MAX_JOBS 32
#define MAX_RESULTS (MAX_JOBS * 8)

/*
 * Run every job through one Node process ("--der <file> <host>..." per
 * certificate: starting node dominates the cost) and compare each answer
 * with otls_check_server_identity(). Returns the number of disagreements.
 */
static int compare_der(struct der_job *jobs, size_t n_jobs) {
  static char args[64 * 1024];
  char q[1024], e[512];
  size_t o = 0, n_results = 0;
  for (size_t j = 0; j < n_jobs; j++) {
    strcpy(jobs[j].path, "/tmp/otls-identity-XXXXXX");
    int fd = mkstemp(jobs[j].path);
    CHECK(fd >= 0);
    CHECK(write(fd, jobs[j].der, jobs[j].len) == (ssize_t)jobs[j].len);
    close(fd);
    shell_quote(q, sizeof(q), jobs[j].path);
    o += (size_t)snprintf(args + o, sizeof(args) - o, " --der %s", q);
    for (size_t i = 0; i < jobs[j].n_hosts; i++) {
      encode_arg(e, sizeof(e), jobs[j].hosts[i]);
      shell_quote(q, sizeof(q), e);
      o += (size_t)snprintf(args + o, sizeof(args) - o, " %s", q);
    }
    n_results += jobs[j].n_hosts;
  }
  CHECK(o < sizeof(args) - 1 && n_results <= MAX_RESULTS);
  static struct bytes node[MAX_RESULTS];
  memset(node, 0, sizeof(node));
  long got_n = run_node(args, node, MAX_RESULTS);
  for (size_t j = 0; j < n_jobs; j++)
    unlink(jobs[j].path);
  CHECK_INT(got_n, n_results);

  int failures = 0;
  size_t r = 0;
  for (size_t j = 0; j < n_jobs; j++) {
    const struct der_job *jb = &jobs[j];
    for (size_t i = 0; i < jb->n_hosts; i++, r++) {
      char reason[REASON_MAX];
      int rv = otls_check_server_identity(jb->hosts[i], jb->der, jb->len, reason, sizeof(reason));
      const char *got = rv == 0 ? "ok" : reason;
      if (rv != 0)
        CHECK_ERR(rv, OTLS_E_CERT_ALTNAME_INVALID);
      if (jb->k->node_rejects) {
        /* No peer can present it through OpenSSL; omnitls reads no subject. */
        CHECK(node[r].n >= 12 && memcmp(node[r].p, "unparseable ", 12) == 0);
        CHECK_STR(got, "Cert does not contain a DNS name");
      } else if (!same(got, &node[r])) {
        failures++;
        fprintf(stderr, "%s: host \"%s\"\n  omnitls \"%s\"\n  node    \"%s\"\n", jb->k->what,
                show((const uint8_t *)jb->hosts[i], strlen(jb->hosts[i])),
                show((const uint8_t *)got, strlen(got)), show(node[r].p, node[r].n));
      }
      free(node[r].p);
    }
  }
  printf("%zu certificates, %zu hosts compared with node, %d differ\n", n_jobs, n_results,
         failures);
  return failures;
}

TEST(identity_der_certificates_are_read_as_node_reads_them) {
  require_node();
  size_t len;
  uint8_t *fixture = load_der("server-ec.pem", &len);
  struct otls__x509 x;
  CHECK_INT(otls__x509_parse(fixture, len, &x), 0);
  struct der_job jobs[MAX_JOBS];
  size_t n = 0;
  static struct dbuf built[OTLS_ARRAY_SIZE(crafted)];
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(crafted); i++) {
    build_cert(&crafted[i], &x.spki, &built[i]);
    jobs[n++] = (struct der_job){&crafted[i],      built[i].b,           built[i].n,
                                 crafted[i].hosts, n_hosts(&crafted[i]), ""};
  }
  /* And the generated fixtures, as a TLS peer would present them. */
  static const char *const fixtures[] = {"server-rsa.pem", "server-ec.pem", "wronghost.pem",
                                         "client.pem",     "ca.pem",        "selfsigned.pem"};
  static const char *const hosts[] = {"localhost", "a.example.test",     "127.0.0.1",
                                      "::2",       "wrong.example.test", "x.y.example.test"};
  static struct crafted fixture_info[OTLS_ARRAY_SIZE(fixtures)];
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(fixtures); i++) {
    fixture_info[i].what = fixtures[i];
    size_t l;
    uint8_t *der = load_der(fixtures[i], &l);
    jobs[n++] = (struct der_job){&fixture_info[i], der, l, hosts, OTLS_ARRAY_SIZE(hosts), ""};
  }
  CHECK(n <= MAX_JOBS);
  int failures = compare_der(jobs, n);
  for (size_t i = OTLS_ARRAY_SIZE(crafted); i < n; i++)
    free(jobs[i].der);
  free(fixture);
  CHECK_INT(failures, 0);
}
