/* omnitls — test framework and shared helpers (see otls_test.h). */
#include "otls_test.h"

#include <stdarg.h>

#define MAX_TESTS 256

static struct {
  const char *name;
  otls_test_fn fn;
} tests[MAX_TESTS];
static size_t n_tests;

void otls_test_register(const char *name, otls_test_fn fn) {
  if (n_tests < MAX_TESTS) {
    tests[n_tests].name = name;
    tests[n_tests].fn = fn;
    n_tests++;
  }
}

void otls_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  fflush(NULL);
  exit(1);
}

static void (*skip_hook)(void);

void otls_test_on_skip(void (*hook)(void)) { skip_hook = hook; }

void otls_test_skip(const char *reason) {
  if (skip_hook)
    skip_hook();
  printf("SKIP (backend %s): %s\n", otls_backend_name(), reason);
  fflush(NULL);
  exit(77);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n_tests; i++)
      printf("%s\n", tests[i].name);
    return 0;
  }
  int ran = 0;
  for (size_t i = 0; i < n_tests; i++) {
    if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
      continue;
    printf("[%s] %s\n", otls_backend_name(), tests[i].name);
    fflush(stdout);
    tests[i].fn();
    ran++;
  }
  if (ran == 0) {
    fprintf(stderr, "no test named '%s'\n", argc > 1 ? argv[1] : "");
    return 2;
  }
  return 0;
}

const char *pki(const char *name) {
  /* A ring: a context built from a dozen files needs them all at once. */
  static char path[16][1024];
  static int slot;
  const char *dir = getenv("OTLS_PKI_DIR");
  if (dir == NULL)
    otls_test_fail(__FILE__, __LINE__, "OTLS_PKI_DIR is not set");
  slot = (slot + 1) % 16;
  snprintf(path[slot], sizeof(path[slot]), "%s/%s", dir, name);
  return path[slot];
}

otls_context *make_ctx(const char *cert, const char *key, const char *ca) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source c = otls_source_file(cert ? pki(cert) : NULL);
  otls_source k = otls_source_file(key ? pki(key) : NULL);
  otls_source a = otls_source_file(ca ? pki(ca) : NULL);
  if (cert) {
    o.cert = &c;
    o.cert_count = 1;
  }
  if (key) {
    o.key = &k;
    o.key_count = 1;
  }
  if (ca) {
    o.ca = &a;
    o.ca_count = 1;
  }
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0)
    otls_test_fail(__FILE__, __LINE__, "otls_context_new: %s: %s", otls_err_name(rv), detail);
  return ctx;
}

int pump_once(otls_conn *from, otls_conn *to) {
  size_t len;
  const uint8_t *p = otls_conn_output(from, &len);
  size_t moved = 0;
  while (len > 0) {
    int n = otls_conn_feed(to, p, len);
    if (n < 0)
      return n;
    if (n == 0)
      break; /* receiver full: let it process first */
    otls_conn_consume(from, (size_t)n);
    moved += (size_t)n;
    p = otls_conn_output(from, &len);
  }
  return (int)moved;
}

int pump_handshake(otls_conn *client, otls_conn *server, int *cerr, int *serr) {
  int c = OTLS_E_WANT_READ, s = OTLS_E_WANT_READ;
  /* Run both sides until a whole round moves no bytes: then nothing changes. */
  for (int round = 0; round < 200; round++) {
    if (c == OTLS_E_WANT_READ)
      c = otls_conn_handshake(client);
    int a = pump_once(client, server);
    if (s == OTLS_E_WANT_READ)
      s = otls_conn_handshake(server);
    int b = pump_once(server, client);
    if (a <= 0 && b <= 0 && round > 0)
      break;
  }
  if (cerr)
    *cerr = c;
  if (serr)
    *serr = s;
  if (c < 0)
    return c;
  return s < 0 ? s : 0;
}
