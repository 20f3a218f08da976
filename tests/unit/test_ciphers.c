/*
 * Unit tests for core/ciphers.c and core/suites.c: OpenSSL's cipher-string
 * grammar evaluated by omnitls, checked against the `openssl` binary itself;
 * Node's handling of TLS 1.3 names; errors; the process default;
 * getCiphers().
 */
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ciphers.h"
#include "otls_test.h"

extern char **environ;

/* --- helpers ------------------------------------------------------------- */

static struct otls__cipher_list eval_ok(const char *str, unsigned backends) {
  struct otls__cipher_list l;
  char detail[256] = "";
  int rv = otls__ciphers_eval(str, backends, &l, detail, sizeof(detail));
  if (rv != 0)
    otls_test_fail(__FILE__, __LINE__, "\"%s\": %s (%s)", str, otls_err_name(rv), detail);
  return l;
}

static int eval_err(const char *str, unsigned backends) {
  struct otls__cipher_list l;
  char detail[256] = "";
  int rv = otls__ciphers_eval(str, backends, &l, detail, sizeof(detail));
  if (rv < 0)
    CHECK(detail[0] != '\0'); /* every failure says why */
  return rv;
}

static void print_ids(const char *label, const uint16_t *ids, size_t n) {
  fprintf(stderr, "    %s (%zu):", label, n);
  for (size_t i = 0; i < n; i++) {
    const struct otls__suite *s = otls__suite_by_id(ids[i]);
    fprintf(stderr, " %s", s ? s->name : "?");
  }
  fprintf(stderr, "\n");
}

/* Compare a list with the expected ids; print both on a mismatch. */
static void check_ids(const char *what, const uint16_t *got, size_t n, const uint16_t *want,
                      size_t wn) {
  if (n == wn && memcmp(got, want, n * sizeof(uint16_t)) == 0)
    return;
  fprintf(stderr, "  %s:\n", what);
  print_ids("got ", got, n);
  print_ids("want", want, wn);
  otls_test_fail(__FILE__, __LINE__, "%s: lists differ", what);
}

#define IDS(...) ((const uint16_t[]){__VA_ARGS__}), (sizeof((const uint16_t[]){__VA_ARGS__}) / 2)

static bool have_openssl_binary(void) {
  return system("command -v openssl >/dev/null 2>&1") == 0;
}

/*
 * `openssl ciphers -V STR`, TLS <= 1.2 part only, restricted to suites in
 * omnitls' table. Returns false when openssl rejects the string.
 */
static bool openssl_ciphers(const char *str, uint16_t *ids, size_t *n) {
  char cmd[8192];
  CHECK(strchr(str, '\'') == NULL);
  snprintf(cmd, sizeof(cmd), "openssl ciphers -V -- '%s' 2>/dev/null", str);
  FILE *f = popen(cmd, "r");
  CHECK(f != NULL);
  char line[512];
  *n = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    unsigned hi, lo;
    char name[128], version[32];
    if (sscanf(line, " 0x%x,0x%x - %127s %31s", &hi, &lo, name, version) != 4)
      continue;
    if (strcmp(version, "TLSv1.3") == 0)
      continue; /* OpenSSL always lists its TLS 1.3 suites first */
    uint16_t id = (uint16_t)(hi << 8 | lo);
    if (otls__suite_by_id(id) == NULL)
      continue;
    if (*n < OTLS_CIPHERS_MAX)
      ids[(*n)++] = id;
  }
  int status = pclose(f);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * Run one TEST of this program in a fresh process with OMNITLS_CIPHER_LIST
 * set (the variable is read once per process). Returns its exit status.
 */
static int run_child(const char *test, const char *cipher_list) {
  static char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  CHECK(len > 0);
  self[len] = '\0';
  CHECK(setenv("OMNITLS_CIPHER_LIST", cipher_list, 1) == 0);
  CHECK(setenv("OTLS_TEST_CHILD", "1", 1) == 0);
  char *argv[] = {self, (char *)test, NULL};
  pid_t pid;
  CHECK(posix_spawn(&pid, self, NULL, NULL, argv, environ) == 0);
  unsetenv("OMNITLS_CIPHER_LIST");
  unsetenv("OTLS_TEST_CHILD");
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool in_child(void) {
  return getenv("OTLS_TEST_CHILD") != NULL;
}

/* --- agreement with OpenSSL ---------------------------------------------------- */

/* Node.js v20's tls.DEFAULT_CIPHERS. */
#define NODE_DEFAULT_CIPHERS                                                                       \
  "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"                    \
  "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"         \
  "ECDHE-ECDSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:"               \
  "DHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:DHE-RSA-AES256-SHA384:"                           \
  "ECDHE-RSA-AES256-SHA256:DHE-RSA-AES256-SHA256:HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:"       \
  "!PSK:!SRP:!CAMELLIA"

static const char *const openssl_strings[] = {
    /* the examples of the issue */
    "HIGH:!aNULL:!MD5",
    "ECDHE+AESGCM:!SHA384",
    "AES256-SHA:@STRENGTH",
    "DEFAULT:-AES128",
    "ALL:+RSA",
    "kECDHE+AESGCM",
    "ECDHE-RSA-AES128-GCM-SHA256:HIGH:!aNULL",
    NODE_DEFAULT_CIPHERS,
    /* Mozilla "intermediate" */
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
    /* whole sets: the initial preference order */
    "ALL",
    "ALL:COMPLEMENTOFALL",
    "COMPLEMENTOFALL",
    "DEFAULT",
    "COMPLEMENTOFDEFAULT",
    "HIGH",
    "FIPS",
    /* key exchange and authentication */
    "kRSA",
    "RSA",
    "ALL:!RSA",
    "kEDH",
    "DHE",
    "EDH:!aNULL",
    "DH",
    "ECDH",
    "ADH",
    "AECDH",
    "aECDSA",
    "ECDSA+AES256",
    "aRSA:!kRSA",
    "DSS",
    "aNULL",
    "PSK",
    "kPSK:@STRENGTH",
    "kDHEPSK:kECDHEPSK:kRSAPSK",
    "aPSK",
    "SRP",
    /* encryption and MAC */
    "AES",
    "AES128",
    "AES256:!SHA1",
    "AESGCM",
    "AESCCM",
    "AESCCM8",
    "CHACHA20",
    "CAMELLIA",
    "ARIA:ARIA128",
    "CBC",
    "eNULL",
    "NULL",
    "MD5",
    "SHA1",
    "SHA:!aNULL",
    "SHA256",
    "SHA384",
    /* protocol versions */
    "TLSv1.2",
    "TLSv1.0",
    "TLSv1",
    "SSLv3",
    "TLSv1.2+AESGCM:TLSv1.0+SHA1",
    /* operators */
    "HIGH:-AES128:AES128",
    "HIGH:!AES128:AES128",
    "ALL:-ECDHE:+kRSA:@STRENGTH",
    "DEFAULT:!ECDHE:@SECLEVEL=0",
    "@STRENGTH:ALL",
    "AES256-SHA:AES128-SHA:@STRENGTH",
    "ECDHE:!aECDSA:+SHA1",
    "HIGH:+AES256:+SHA",
    "ALL:-SHA1:+AESGCM",
    "ALL:+MD5:+aNULL",
    "DEFAULT:+aRSA:-DHE",
    "CHACHA20:AESGCM:!DSS",
    "HIGH:MEDIUM:!aNULL:@STRENGTH",
    "HIGH!aNULL",
    "-aNULL:HIGH:-SHA1:+kRSA",
    /* combinations and their quirks */
    "kECDHE+aRSA+AES128:kECDHE+aRSA",
    "RSA+AES128-SHA",
    "AES128-SHA+RSA",
    "COMPLEMENTOFDEFAULT+HIGH",
    "HIGH+COMPLEMENTOFDEFAULT",
    "kRSA+kDHE:AES128-SHA",
    "FOO+HIGH:AES256-SHA",
    "HIGH:!kRSA:!kDHE:!PSK:!SRP:!aNULL",
    /* separators, unknown words, Suite B */
    "ECDHE-ECDSA-AES256-GCM-SHA384,ECDHE-RSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305;"
    "AES128-SHA",
    "HIGH:FOO:!aNULL",
    "SUITEB128",
    "SUITEB192:!ECDSA",
    "DEFAULTS",
    /* selects nothing, or a syntax error: both fail */
    "MEDIUM",
    "LOW",
    "3DES",
    "!aNULL",
    "FOO",
    "@FOO",
    "ECDHE+",
    "HIGH:!!aNULL",
    "@SECLEVEL=9:HIGH",
};

TEST(openssl_agrees_on_suites_and_order_for_representative_strings) {
  if (!have_openssl_binary())
    otls_test_skip("no `openssl` binary to compare with");
  size_t failures = 0;
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(openssl_strings); i++) {
    const char *s = openssl_strings[i];
    uint16_t want[OTLS_CIPHERS_MAX];
    size_t wn;
    bool ok = openssl_ciphers(s, want, &wn);
    struct otls__cipher_list l;
    int rv = otls__ciphers_eval(s, OTLS__BK_OPENSSL, &l, NULL, 0);
    const uint16_t *got = l.ids + l.n13;
    size_t gn = rv == 0 ? l.n - l.n13 : 0;
    bool same = ok ? rv == 0 && gn == wn && memcmp(got, want, wn * sizeof(uint16_t)) == 0 : rv < 0;
    if (!same) {
      failures++;
      fprintf(stderr, "  \"%s\": openssl %s, omnitls %s\n", s, ok ? "ok" : "fails",
              otls_err_name(rv));
      if (ok && rv == 0) {
        print_ids("omnitls", got, gn);
        print_ids("openssl", want, wn);
      }
    }
  }
  printf("  %zu strings compared, %zu differ\n", OTLS_ARRAY_SIZE(openssl_strings), failures);
  CHECK(OTLS_ARRAY_SIZE(openssl_strings) >= 40);
  CHECK_INT(failures, 0);
}

TEST(table_attributes_match_openssl_s_descriptions) {
  if (!have_openssl_binary())
    otls_test_skip("no `openssl` binary to compare with");
  FILE *f = popen("openssl ciphers -V -ciphersuites "
                  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                  "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256 ALL:COMPLEMENTOFALL",
                  "r");
  CHECK(f != NULL);
  char line[512];
  size_t n = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    unsigned hi, lo;
    char name[128], version[32], kx[32], au[32], enc[64], mac[32];
    if (sscanf(line, " 0x%x,0x%x - %127s %31s Kx=%31s Au=%31s Enc=%63s Mac=%31s", &hi, &lo, name,
               version, kx, au, enc, mac) != 8)
      continue;
    const struct otls__suite *s = otls__suite_by_id((uint16_t)(hi << 8 | lo));
    CHECK(s != NULL);
    struct otls__suite_text t;
    otls__suite_text(s, &t);
    CHECK_STR(s->name, name);
    /* `openssl ciphers` says "TLSv1" where SSL_CIPHER_get_version() says "TLSv1.0" */
    CHECK_STR(strcmp(t.version, "TLSv1.0") == 0 ? "TLSv1" : t.version, version);
    CHECK_STR(t.kx, kx);
    CHECK_STR(t.auth, au);
    CHECK_STR(t.enc, enc);
    CHECK_STR(t.mac, mac);
    CHECK(s->backends & OTLS__BK_OPENSSL);
    n++;
  }
  CHECK(pclose(f) == 0);
  /* and every suite flagged "OpenSSL" was listed by it */
  size_t flagged = 0;
  for (size_t i = 0; i < otls__n_suites; i++)
    flagged += (otls__suites[i].backends & OTLS__BK_OPENSSL) != 0;
  CHECK_INT(n, flagged);
}

/* --- TLS 1.3 names, as Node.js takes them ---------------------------------------- */

TEST(tls13_names_come_first_in_the_order_given) {
  struct otls__cipher_list l =
      eval_ok("ECDHE-RSA-AES128-GCM-SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
              OTLS__BK_OPENSSL);
  check_ids("list", l.ids, l.n, IDS(0x1303, 0x1302, 0xC02F));
  CHECK_INT(l.n13, 2);
  CHECK(l.tls13_named);
}

TEST(a_string_without_tls13_names_keeps_the_default_tls13_suites) {
  struct otls__cipher_list l = eval_ok("ECDHE-RSA-AES256-GCM-SHA384", OTLS__BK_OPENSSL);
  check_ids("list", l.ids, l.n, IDS(0x1301, 0x1302, 0x1303, 0xC030));
  CHECK(!l.tls13_named);
}

TEST(tls13_names_alone_select_no_tls12_suite) {
  struct otls__cipher_list l = eval_ok("TLS_AES_128_GCM_SHA256", OTLS__BK_OPENSSL);
  check_ids("list", l.ids, l.n, IDS(0x1301));
}

TEST(tls13_names_are_listed_once_and_unknown_ones_ignored) {
  struct otls__cipher_list l =
      eval_ok("TLS_AES_256_GCM_SHA384:TLS_FOO:TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256",
              OTLS__BK_OPENSSL);
  check_ids("list", l.ids, l.n, IDS(0x1302, 0x1304));
}

TEST(unknown_tls13_names_alone_are_no_cipher_match) {
  CHECK_ERR(eval_err("TLS_FOO", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
  /* BoringSSL has no TLS 1.3 CCM suite */
  CHECK_ERR(eval_err("TLS_AES_128_CCM_SHA256:HIGH", OTLS__BK_BORINGSSL), OTLS_E_NO_CIPHER_MATCH);
}

TEST(tls12_rules_that_select_nothing_fail_even_beside_tls13_names) {
  /* Node: setCiphers("!aNULL") throws ERR_SSL_NO_CIPHER_MATCH */
  CHECK_ERR(eval_err("TLS_AES_128_GCM_SHA256:!aNULL", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
  CHECK_ERR(eval_err("TLS_AES_128_GCM_SHA256:FOO", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
}

TEST(tls13_names_with_an_operator_are_ignored_like_unknown_words) {
  struct otls__cipher_list l =
      eval_ok("ECDHE-RSA-AES128-GCM-SHA256:!TLS_AES_128_GCM_SHA256", OTLS__BK_OPENSSL);
  check_ids("list", l.ids, l.n, IDS(0x1301, 0x1302, 0x1303, 0xC02F));
}

/* --- names, operators, errors ------------------------------------------------- */

TEST(iana_names_select_tls12_suites) {
  struct otls__cipher_list l = eval_ok("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", OTLS__BK_OPENSSL);
  check_ids("list", l.ids, l.n, IDS(0x1301, 0x1302, 0x1303, 0xC02F));
  CHECK(!l.tls13_named);
  l = eval_ok("AES128-SHA:AES256-SHA:!TLS_RSA_WITH_AES_128_CBC_SHA", OTLS__BK_OPENSSL);
  check_ids("list", l.ids + l.n13, l.n - l.n13, IDS(0x0035));
}

TEST(unknown_words_are_ignored) {
  struct otls__cipher_list l = eval_ok("FOO:AES128-SHA:!BAR:+BAZ:FOO+AES256-SHA", OTLS__BK_OPENSSL);
  check_ids("list", l.ids + l.n13, l.n - l.n13, IDS(0x002F));
}

TEST(exclamation_removes_for_good_and_minus_allows_re_adding) {
  struct otls__cipher_list l =
      eval_ok("AES128-SHA:AES256-SHA:-AES128-SHA:AES128-SHA", OTLS__BK_OPENSSL);
  check_ids("minus", l.ids + l.n13, l.n - l.n13, IDS(0x0035, 0x002F));
  l = eval_ok("AES128-SHA:AES256-SHA:!AES128-SHA:AES128-SHA", OTLS__BK_OPENSSL);
  check_ids("exclamation", l.ids + l.n13, l.n - l.n13, IDS(0x0035));
}

TEST(plus_moves_suites_to_the_end) {
  struct otls__cipher_list l =
      eval_ok("AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:+kRSA", OTLS__BK_OPENSSL);
  check_ids("list", l.ids + l.n13, l.n - l.n13, IDS(0xC02F, 0x002F, 0x0035));
}

TEST(strength_sorts_by_strength_bits_keeping_order_within_a_class) {
  struct otls__cipher_list l =
      eval_ok("AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA:@STRENGTH",
              OTLS__BK_OPENSSL);
  check_ids("list", l.ids + l.n13, l.n - l.n13, IDS(0x0035, 0xC014, 0x002F, 0xC02F));
}

TEST(seclevel_is_recorded_and_changes_nothing_else) {
  struct otls__cipher_list a = eval_ok("HIGH:!aNULL", OTLS__BK_OPENSSL);
  struct otls__cipher_list b = eval_ok("HIGH:!aNULL:@SECLEVEL=3", OTLS__BK_OPENSSL);
  CHECK_INT(a.seclevel, -1);
  CHECK_INT(b.seclevel, 3);
  check_ids("list", b.ids, b.n, a.ids, a.n);
  CHECK_INT(eval_ok("@SECLEVEL=0:HIGH:@SECLEVEL=5", OTLS__BK_OPENSSL).seclevel, 5);
}

TEST(suite_b_replaces_the_whole_string_as_openssl_does) {
  struct otls__cipher_list l = eval_ok("SUITEB128:!ECDSA", OTLS__BK_OPENSSL);
  CHECK(l.suiteb);
  check_ids("list", l.ids + l.n13, l.n - l.n13, IDS(0xC02B, 0xC02C));
}

TEST(default_is_a_keyword_only_at_the_start) {
  struct otls__cipher_list a = eval_ok("DEFAULT", OTLS__BK_OPENSSL);
  struct otls__cipher_list b = eval_ok("ALL:!COMPLEMENTOFDEFAULT:!eNULL", OTLS__BK_OPENSSL);
  check_ids("DEFAULT", a.ids, a.n, b.ids, b.n);
  CHECK_ERR(eval_err("HIGH:!HIGH:DEFAULT", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
  /* elements are split first and empty ones dropped, as Node does */
  struct otls__cipher_list c = eval_ok(":DEFAULT", OTLS__BK_OPENSSL);
  check_ids(":DEFAULT", c.ids, c.n, a.ids, a.n);
}

TEST(a_string_selecting_nothing_is_no_cipher_match) {
  CHECK_ERR(eval_err("!aNULL", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
  CHECK_ERR(eval_err("FOO", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
  CHECK_ERR(eval_err("MEDIUM:LOW", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
  CHECK_ERR(eval_err("HIGH:!HIGH", OTLS__BK_OPENSSL), OTLS_E_NO_CIPHER_MATCH);
  CHECK_STR(otls_err_name(OTLS_E_NO_CIPHER_MATCH), "ERR_SSL_NO_CIPHER_MATCH");
  CHECK_INT(OTLS_E_NO_CIPHER_MATCH, -29);
}

TEST(syntax_errors_are_inval) {
  static const char *const bad[] = {"@FOO",         "HIGH:@FOO",   "ECDHE+",     "ECDHE++AES",
                                    "HIGH:!!aNULL", "+",           "!",          "@",
                                    "HIGH:@",       "@SECLEVEL=9", "@SECLEVEL=", "@SECLEVEL=10",
                                    "HIGH:*",       "HIGH:\x80",   "HIGH:(x)",   "-:HIGH"};
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(bad); i++) {
    int rv = eval_err(bad[i], OTLS__BK_OPENSSL);
    if (rv != OTLS_E_INVAL)
      otls_test_fail(__FILE__, __LINE__, "\"%s\": got %s", bad[i], otls_err_name(rv));
  }
}

TEST(underscores_are_name_characters_unlike_in_openssl) {
  /* OpenSSL fails on "HIGH:_x"; omnitls reads "_x" as an unknown name. */
  struct otls__cipher_list a = eval_ok("HIGH:_x", OTLS__BK_OPENSSL);
  struct otls__cipher_list b = eval_ok("HIGH", OTLS__BK_OPENSSL);
  check_ids("list", a.ids, a.n, b.ids, b.n);
}

TEST(a_string_of_separators_only_is_inval) {
  CHECK_ERR(eval_err(":", OTLS__BK_OPENSSL), OTLS_E_INVAL);
  CHECK_ERR(eval_err(" ,;: ", OTLS__BK_OPENSSL), OTLS_E_INVAL);
}

TEST(strings_longer_than_4096_bytes_are_inval) {
  char s[4098];
  memset(s, ':', sizeof(s));
  memcpy(s, "HIGH", 4);
  s[4096] = '\0';
  eval_ok(s, OTLS__BK_OPENSSL);
  s[4096] = ':';
  s[4097] = '\0';
  CHECK_ERR(eval_err(s, OTLS__BK_OPENSSL), OTLS_E_INVAL);
}

/* --- backends ----------------------------------------------------------------- */

TEST(the_backend_mask_keeps_only_suites_the_backend_has) {
  static const unsigned backends[] = {OTLS__BK_OPENSSL, OTLS__BK_BORINGSSL, OTLS__BK_WOLFSSL,
                                      OTLS__BK_GNUTLS};
  for (size_t b = 0; b < OTLS_ARRAY_SIZE(backends); b++) {
    struct otls__cipher_list l = eval_ok("ALL:COMPLEMENTOFALL", backends[b]);
    for (size_t i = 0; i < l.n; i++)
      CHECK(otls__suite_by_id(l.ids[i])->backends & backends[b]);
  }
  /* BoringSSL: no DHE, 20 TLS <= 1.2 suites (BACKENDS.md) */
  CHECK_ERR(eval_err("DHE", OTLS__BK_BORINGSSL), OTLS_E_NO_CIPHER_MATCH);
  struct otls__cipher_list l = eval_ok("ALL", OTLS__BK_BORINGSSL);
  CHECK_INT(l.n - l.n13, 20);
  /* the same string keeps OpenSSL's order on every backend */
  struct otls__cipher_list o = eval_ok("ECDHE+AESGCM:AES128-SHA:@STRENGTH", OTLS__BK_OPENSSL);
  struct otls__cipher_list g = eval_ok("ECDHE+AESGCM:AES128-SHA:@STRENGTH", OTLS__BK_GNUTLS);
  check_ids("gnutls = openssl", g.ids, g.n, o.ids, o.n);
}

TEST(default_string_evaluates_to_the_default_suite_list) {
  static const unsigned backends[] = {OTLS__BK_OPENSSL, OTLS__BK_BORINGSSL, OTLS__BK_WOLFSSL,
                                      OTLS__BK_GNUTLS};
  for (size_t b = 0; b < OTLS_ARRAY_SIZE(backends); b++) {
    struct otls__cipher_list l = eval_ok(otls__default_cipher_string, backends[b]);
    check_ids("default", l.ids, l.n, otls__default_suites, otls__n_default_suites);
  }
}

TEST(public_eval_uses_this_variant_s_backend) {
  uint16_t ids[OTLS_CIPHERS_MAX];
  size_t n = 0;
  CHECK_ERR(otls_ciphers_eval("ALL:COMPLEMENTOFALL", ids, OTLS_CIPHERS_MAX, &n), 0);
  CHECK(n > 0);
  for (size_t i = 0; i < n; i++)
    CHECK(otls__suite_by_id(ids[i])->backends & otls__backend_bit());
  CHECK(otls__backend_bit() != 0);
}

TEST(eval_reports_the_size_needed_when_the_buffer_is_small) {
  uint16_t ids[4];
  size_t n = 0;
  CHECK_ERR(otls_ciphers_eval("HIGH", NULL, 0, &n), 0);
  size_t need = n;
  CHECK(need > 4);
  CHECK_ERR(otls_ciphers_eval("HIGH", ids, 4, &n), OTLS_E_INVAL);
  CHECK_INT(n, need);
  CHECK_ERR(otls_ciphers_eval("HIGH", NULL, 4, &n), OTLS_E_INVAL);
  CHECK_ERR(otls_ciphers_eval("HIGH", ids, 4, NULL), OTLS_E_INVAL);
  CHECK_ERR(otls_ciphers_eval("@FOO", ids, 4, &n), OTLS_E_INVAL);
}

/* --- the process default ------------------------------------------------------- */

TEST(null_or_empty_string_means_the_process_default) {
  if (in_child())
    return;
  uint16_t a[OTLS_CIPHERS_MAX], b[OTLS_CIPHERS_MAX];
  size_t na, nb;
  CHECK_STR(otls_default_ciphers(), otls__default_cipher_string);
  CHECK_ERR(otls_ciphers_eval(NULL, a, OTLS_CIPHERS_MAX, &na), 0);
  CHECK_ERR(otls_ciphers_eval("", b, OTLS_CIPHERS_MAX, &nb), 0);
  check_ids("NULL", a, na, otls__default_suites, otls__n_default_suites);
  check_ids("\"\"", b, nb, otls__default_suites, otls__n_default_suites);
}

TEST(set_default_ciphers_validates_and_replaces_the_default) {
  if (in_child())
    return;
  CHECK_ERR(otls_set_default_ciphers("FOO"), OTLS_E_NO_CIPHER_MATCH);
  CHECK_ERR(otls_set_default_ciphers(""), OTLS_E_INVAL);
  CHECK_ERR(otls_set_default_ciphers("@FOO"), OTLS_E_INVAL);
  CHECK_STR(otls_default_ciphers(), otls__default_cipher_string);

  CHECK_ERR(otls_set_default_ciphers("TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES256-GCM-SHA384"), 0);
  const char *kept = otls_default_ciphers();
  CHECK_STR(kept, "TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES256-GCM-SHA384");
  uint16_t ids[OTLS_CIPHERS_MAX];
  size_t n;
  CHECK_ERR(otls_ciphers_eval(NULL, ids, OTLS_CIPHERS_MAX, &n), 0);
  check_ids("new default", ids, n, IDS(0x1302, 0xC030));

  CHECK_ERR(otls_set_default_ciphers(NULL), 0);
  CHECK_STR(otls_default_ciphers(), otls__default_cipher_string);
  /* a string returned earlier stays valid */
  CHECK_STR(kept, "TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES256-GCM-SHA384");
}

TEST(environment_variable_sets_the_default_at_first_use) {
  if (!in_child()) {
    CHECK_INT(run_child("environment_variable_sets_the_default_at_first_use",
                        "ECDHE-RSA-AES256-GCM-SHA384:TLS_CHACHA20_POLY1305_SHA256"),
              0);
    return;
  }
  CHECK_STR(otls_default_ciphers(), "ECDHE-RSA-AES256-GCM-SHA384:TLS_CHACHA20_POLY1305_SHA256");
  uint16_t ids[OTLS_CIPHERS_MAX];
  size_t n;
  CHECK_ERR(otls_ciphers_eval(NULL, ids, OTLS_CIPHERS_MAX, &n), 0);
  check_ids("from the environment", ids, n, IDS(0x1303, 0xC030));
  /* read once: changing it later does nothing */
  setenv("OMNITLS_CIPHER_LIST", "HIGH", 1);
  CHECK_STR(otls_default_ciphers(), "ECDHE-RSA-AES256-GCM-SHA384:TLS_CHACHA20_POLY1305_SHA256");
}

TEST(a_bad_environment_variable_fails_evaluation_until_replaced) {
  if (!in_child()) {
    CHECK_INT(run_child("a_bad_environment_variable_fails_evaluation_until_replaced", "FOO"), 0);
    return;
  }
  /* Node keeps a bad --tls-cipher-list; contexts using it fail */
  CHECK_STR(otls_default_ciphers(), "FOO");
  uint16_t ids[OTLS_CIPHERS_MAX];
  size_t n;
  CHECK_ERR(otls_ciphers_eval(NULL, ids, OTLS_CIPHERS_MAX, &n), OTLS_E_NO_CIPHER_MATCH);
  CHECK_ERR(otls_set_default_ciphers("HIGH"), 0);
  CHECK_ERR(otls_ciphers_eval(NULL, ids, OTLS_CIPHERS_MAX, &n), 0);
}

/* --- lookups and getCiphers() -------------------------------------------------- */

TEST(lookup_reports_names_as_get_cipher_does) {
  otls_cipher_info ci;
  CHECK_ERR(otls_cipher_lookup(0xC02F, &ci), 0);
  CHECK_INT(ci.id, 0xC02F);
  CHECK_STR(ci.name, "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK_STR(ci.standard_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  CHECK_STR(ci.version, "TLSv1.2");
  CHECK_ERR(otls_cipher_lookup(0xC013, &ci), 0);
  CHECK_STR(ci.version, "TLSv1.0");
  CHECK_ERR(otls_cipher_lookup(0x0035, &ci), 0);
  CHECK_STR(ci.version, "SSLv3");
  CHECK_ERR(otls_cipher_lookup(0x1302, &ci), 0);
  CHECK_STR(ci.name, "TLS_AES_256_GCM_SHA384");
  CHECK_STR(ci.version, "TLSv1.3");
  CHECK_ERR(otls_cipher_lookup(0x000A, &ci), 0); /* 3DES: known, though not to OpenSSL 3 */
  CHECK_STR(ci.name, "DES-CBC3-SHA");
  CHECK_ERR(otls_cipher_lookup(0xFFFF, &ci), OTLS_E_INVAL);
  CHECK_ERR(otls_cipher_lookup(0xC02F, NULL), OTLS_E_INVAL);
}

TEST(table_classes_follow_openssl_3) {
  const struct otls__suite *s = otls__suite_by_id(0xC02F);
  struct otls__suite_text t;
  otls__suite_text(s, &t);
  CHECK_STR(t.kx, "ECDH");
  CHECK_STR(t.auth, "RSA");
  CHECK_STR(t.enc, "AESGCM(128)");
  CHECK_STR(t.mac, "AEAD");
  CHECK_INT(s->bits, 128);
  CHECK(s->strength & OTLS__STR_HIGH);
  CHECK(!(s->strength & OTLS__STR_NOT_DEFAULT));
  s = otls__suite_by_id(0x000A); /* 3DES: MEDIUM, outside DEFAULT */
  CHECK((s->strength & (OTLS__STR_MEDIUM | OTLS__STR_NOT_DEFAULT)) ==
        (OTLS__STR_MEDIUM | OTLS__STR_NOT_DEFAULT));
  CHECK_INT(s->bits, 112);
  CHECK(!(s->backends & OTLS__BK_OPENSSL) && (s->backends & OTLS__BK_BORINGSSL));
  s = otls__suite_by_id(0x0002); /* NULL-SHA: no strength at all */
  CHECK(s->strength & OTLS__STR_NONE);
  CHECK_INT(s->bits, 0);
}

TEST(lookup_by_name_accepts_both_names_in_any_case) {
  otls_cipher_info ci;
  CHECK_ERR(otls_cipher_lookup_name("ecdhe-rsa-aes128-gcm-sha256", &ci), 0);
  CHECK_INT(ci.id, 0xC02F);
  CHECK_ERR(otls_cipher_lookup_name("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", &ci), 0);
  CHECK_INT(ci.id, 0xC030);
  CHECK_ERR(otls_cipher_lookup_name("tls_aes_128_gcm_sha256", &ci), 0);
  CHECK_INT(ci.id, 0x1301);
  CHECK_ERR(otls_cipher_lookup_name("HIGH", &ci), OTLS_E_INVAL);
  CHECK_ERR(otls_cipher_lookup_name(NULL, &ci), OTLS_E_INVAL);
}

TEST(get_ciphers_lists_supported_suites_lower_case_and_sorted) {
  size_t n = 0;
  CHECK_ERR(otls_get_ciphers(NULL, 0, &n), 0);
  size_t supported = 0;
  for (size_t i = 0; i < otls__n_suites; i++)
    supported += (otls__suites[i].backends & otls__backend_bit()) != 0;
  CHECK_INT(n, supported);
  const char *names[OTLS_CIPHERS_MAX];
  CHECK_ERR(otls_get_ciphers(names, OTLS_CIPHERS_MAX, &n), 0);
  bool has13 = false, has12 = false;
  for (size_t i = 0; i < n; i++) {
    for (const char *c = names[i]; *c; c++)
      CHECK(!(*c >= 'A' && *c <= 'Z'));
    if (i > 0)
      CHECK(strcmp(names[i - 1], names[i]) < 0);
    otls_cipher_info ci;
    CHECK_ERR(otls_cipher_lookup_name(names[i], &ci), 0);
    CHECK(otls__suite_by_id(ci.id)->backends & otls__backend_bit());
    has13 = has13 || strcmp(names[i], "tls_aes_128_gcm_sha256") == 0;
    has12 = has12 || strcmp(names[i], "ecdhe-rsa-aes128-gcm-sha256") == 0;
  }
  CHECK(has13 && has12);
  CHECK_ERR(otls_get_ciphers(names, 3, &n), OTLS_E_INVAL);
  CHECK_INT(n, supported);
  CHECK_ERR(otls_get_ciphers(names, 3, NULL), OTLS_E_INVAL);
}

TEST(table_ids_and_names_are_unique) {
  for (size_t i = 0; i < otls__n_suites; i++) {
    const struct otls__suite *a = &otls__suites[i];
    CHECK(a->backends != 0);
    CHECK(otls__suite_by_id(a->id) == a);
    CHECK(otls__suite_by_name(a->name, strlen(a->name)) == a);
    CHECK(otls__suite_by_name(a->iana, strlen(a->iana)) == a);
    CHECK((a->min_version == OTLS__TLS1_3) == ((a->id >> 8) == 0x13));
    CHECK(a->bits <= 256 && a->bits <= a->alg_bits);
  }
  CHECK(otls__n_suites <= OTLS_CIPHERS_MAX);
}
