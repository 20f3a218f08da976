/*
 * The certificate object against Node.js v20 itself: for every certificate
 * of the test PKI, and for a zoo of unusual ones (cert_zoo.js), what
 * otls_cert_to_json() prints must be byte for byte what Node prints for
 * JSON.stringify(getPeerCertificate()), and the chain behind
 * otls_cert_peer() must link the same issuers as getPeerCertificate(true).
 *
 * Node runs the scripts next to this file (cert_json.js, cert_zoo.js); the
 * directory is taken from $OTLS_NODE_DIR, else from this file's path.
 * Without a `node` executable every test exits 77 (not run).
 */
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "otls_test.h"
#include "pem.h"
#include "x509.h"

static void need_node(void) {
  if (system("node --version >/dev/null 2>&1") != 0)
    otls_test_skip("node is not installed");
}

static const char *script(const char *name) {
  static char path[1024];
  const char *dir = getenv("OTLS_NODE_DIR");
  if (dir != NULL) {
    snprintf(path, sizeof(path), "%s/%s", dir, name);
  } else {
    const char *slash = strrchr(__FILE__, '/');
    int n = slash ? (int)(slash - __FILE__) : 1;
    snprintf(path, sizeof(path), "%.*s/%s", n, slash ? __FILE__ : ".", name);
  }
  return path;
}

/* Run a shell command; its whole stdout (caller frees). Fails the test unless it exits 0. */
static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  FILE *p = popen(cmd, "r");
  CHECK(p != NULL);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  CHECK(buf != NULL);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += n;
    if (cap - len < 2) {
      cap *= 2;
      buf = realloc(buf, cap);
      CHECK(buf != NULL);
    }
  }
  buf[len] = 0;
  int st = pclose(p);
  if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    otls_test_fail(__FILE__, __LINE__, "command failed (%d): %s", st, cmd);
  return buf;
}

/* The next '\n'-terminated line of *p (NUL-terminated in place), or NULL. */
static char *next_line(char **p) {
  if (*p == NULL || **p == 0)
    return NULL;
  char *line = *p, *nl = strchr(line, '\n');
  if (nl) {
    *nl = 0;
    *p = nl + 1;
  } else {
    *p = line + strlen(line);
  }
  return line;
}

static void check_json(const char *what, const otls_cert *cert, const char *want) {
  char *got;
  size_t len;
  CHECK_ERR(otls_cert_to_json(cert, &got, &len), 0);
  CHECK_INT(len, strlen(got));
  if (strcmp(got, want) != 0) {
    size_t i = 0;
    while (got[i] && got[i] == want[i])
      i++;
    size_t from = i > 60 ? i - 60 : 0;
    otls_test_fail(
        __FILE__, __LINE__,
        "%s: JSON differs from Node's at byte %zu:\n  node:   ...%.160s\n  omnitls: ...%.160s",
        what, i, want + from, got + from);
  }
  free(got);
}

/* One TLS server Node runs: `key` and the PEM files `certs` (leaf first). */
struct node_case {
  char what[128];
  char key[1100];
  char certs[4][1100];
  size_t n;
};

/* Node's output for all cases (one node process); caller frees. */
static char *node_chains(const struct node_case *cases, size_t n) {
  char batch[] = "/tmp/otls-cert-batch-XXXXXX";
  int fd = mkstemp(batch);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  CHECK(f != NULL);
  for (size_t i = 0; i < n; i++) {
    fprintf(f, "%s", cases[i].key);
    for (size_t k = 0; k < cases[i].n; k++)
      fprintf(f, " %s", cases[i].certs[k]);
    fprintf(f, "\n");
  }
  CHECK(fclose(f) == 0);
  char *out = run("node '%s' --batch '%s'", script("cert_json.js"), batch);
  unlink(batch);
  return out;
}

/*
 * Compare the next case of Node's output (at *p) with the chain omnitls
 * builds from the same files, certificate by certificate, and the end:
 * "SELF" (the last is its own issuer) or "END".
 */
static void compare_chain(const struct node_case *nc, char **p) {
  /*
   * The omnitls side is built by the code behind otls_cert_peer() (which
   * tests/unit/test_cert.c runs over TLS) from the same DER, without a
   * handshake: some backends refuse a CA certificate as a server's
   * (BoringSSL checks its keyUsage), which Node does not.
   */
  struct otls__blob chain[16];
  uint8_t *ders[16];
  size_t nder = 0;
  for (size_t i = 0; i < nc->n; i++) {
    uint8_t *data;
    size_t len;
    CHECK_ERR(otls__read_file(nc->certs[i], &data, &len), 0);
    const uint8_t *q = data;
    struct otls__pem_block blk;
    while (otls__pem_next(&q, data + len, &blk) == 1) {
      CHECK(nder < 16);
      ders[nder] = blk.der;
      chain[nder].data = blk.der;
      chain[nder].len = blk.der_len;
      nder++;
    }
    free(data);
  }
  otls_cert *leaf = NULL;
  CHECK_ERR(otls__cert_chain(chain, nder, true, &leaf), 0);
  CHECK(leaf != NULL);
  char *line;
  const otls_cert *c = leaf;
  size_t depth = 0;
  while ((line = next_line(p)) != NULL && line[0] == '{') {
    char label[256];
    snprintf(label, sizeof(label), "%s, certificate %zu of the chain", nc->what, depth);
    if (c == NULL)
      otls_test_fail(__FILE__, __LINE__, "%s: Node links more issuers than omnitls", label);
    check_json(label, c, line);
    const otls_cert *next = otls_cert_issuer(c);
    depth++;
    c = next == c ? NULL : next;
  }
  if (line == NULL)
    otls_test_fail(__FILE__, __LINE__, "%s: no SELF/END line from Node", nc->what);
  if (c != NULL)
    otls_test_fail(__FILE__, __LINE__, "%s: omnitls links more issuers than Node (%zu)", nc->what,
                   depth);
  const otls_cert *last = leaf;
  while (otls_cert_issuer(last) != NULL && otls_cert_issuer(last) != last)
    last = otls_cert_issuer(last);
  if (strcmp(otls_cert_issuer(last) == last ? "SELF" : "END", line) != 0)
    otls_test_fail(__FILE__, __LINE__, "%s: Node ends with %s", nc->what, line);
  otls_cert_free(leaf);
  for (size_t i = 0; i < nder; i++)
    free(ders[i]);
}

static void compare_all(const struct node_case *cases, size_t n) {
  char *out = node_chains(cases, n);
  char *p = out;
  for (size_t i = 0; i < n; i++)
    compare_chain(&cases[i], &p);
  CHECK(next_line(&p) == NULL);
  free(out);
}

static void set_case(struct node_case *nc, const char *what, const char *key) {
  snprintf(nc->what, sizeof(nc->what), "%s", what);
  snprintf(nc->key, sizeof(nc->key), "%s", key);
  nc->n = 0;
}

static void add_cert(struct node_case *nc, const char *path) {
  CHECK(nc->n < 4);
  snprintf(nc->certs[nc->n++], sizeof(nc->certs[0]), "%s", path);
}

TEST(cert_json_matches_node_for_every_fixture) {
  need_node();
  static const char *const names[] = {
      "server-rsa", "server-ec", "client",         "expired", "notyet", "selfsigned",  "wronghost",
      "revoked",    "unknownca", "ocsp-responder", "ca",      "inter",  "untrusted-ca"};
  static struct node_case cases[OTLS_ARRAY_SIZE(names)];
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(names); i++) {
    char key[1100], chain[1100];
    snprintf(key, sizeof(key), "%s.key", pki(names[i]));
    snprintf(chain, sizeof(chain), "%s-chain.pem", pki(names[i]));
    if (access(chain, R_OK) != 0)
      snprintf(chain, sizeof(chain), "%s.pem", pki(names[i]));
    set_case(&cases[i], names[i], key);
    add_cert(&cases[i], chain);
  }
  compare_all(cases, OTLS_ARRAY_SIZE(cases));
}

TEST(cert_issuer_links_match_node_for_unordered_and_partial_chains) {
  need_node();
  static const struct {
    const char *what, *key, *certs[4];
  } defs[] = {
      {"leaf, intermediate, root", "server-rsa.key", {"server-rsa.pem", "inter.pem", "ca.pem"}},
      {"leaf, root, intermediate", "server-rsa.key", {"server-rsa.pem", "ca.pem", "inter.pem"}},
      {"leaf, unrelated root, intermediate, root",
       "server-rsa.key",
       {"server-rsa.pem", "untrusted-ca.pem", "inter.pem", "ca.pem"}},
      {"intermediate and root", "inter.key", {"inter.pem", "ca.pem"}},
      {"leaf, unrelated root, intermediate",
       "server-ec.key",
       {"server-ec.pem", "untrusted-ca.pem", "inter.pem"}},
      {"self-signed leaf, unrelated intermediate",
       "selfsigned.key",
       {"selfsigned.pem", "inter.pem"}},
      {"leaf and its untrusted root", "unknownca.key", {"unknownca.pem", "untrusted-ca.pem"}},
      {"leaf sent twice", "server-ec.key", {"server-ec.pem", "server-ec.pem", "inter.pem"}},
  };
  static struct node_case cases[OTLS_ARRAY_SIZE(defs)];
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(defs); i++) {
    set_case(&cases[i], defs[i].what, pki(defs[i].key));
    for (size_t k = 0; k < 4 && defs[i].certs[k]; k++)
      add_cert(&cases[i], pki(defs[i].certs[k]));
  }
  compare_all(cases, OTLS_ARRAY_SIZE(cases));
}

TEST(cert_json_matches_node_for_unusual_certificates) {
  need_node();
  char dir[] = "/tmp/otls-cert-zoo-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char *list = run("node '%s' '%s' '%s'", script("cert_zoo.js"), pki(""), dir);
  static struct node_case cases[64];
  size_t n = 0;
  char *p = list, *line;
  while ((line = next_line(&p)) != NULL) {
    char name[128], key[1100], file[1100];
    CHECK(sscanf(line, "%127s %1099s %1099s", name, key, file) == 3);
    CHECK(n < OTLS_ARRAY_SIZE(cases));
    set_case(&cases[n], name, key);
    add_cert(&cases[n], file);
    n++;
  }
  CHECK(n > 20);
  compare_all(cases, n);
  /* The public constructor gives the same object as the chain builder. */
  for (size_t i = 0; i < n; i++) {
    uint8_t *pem;
    size_t len;
    CHECK_ERR(otls__read_file(cases[i].certs[0], &pem, &len), 0);
    otls_cert *c = NULL;
    CHECK_ERR(otls_cert_from_pem(&c, pem, len), 0);
    char *j;
    CHECK_ERR(otls_cert_to_json(c, &j, NULL), 0);
    CHECK(strncmp(j, "{\"subject\":", 11) == 0 || strncmp(j, "{\"issuer\":", 10) == 0);
    free(j);
    otls_cert_free(c);
    free(pem);
  }
  free(list);
  char rm[1200];
  snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
  CHECK(system(rm) == 0);
}
