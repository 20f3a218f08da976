/*
 * omnitls — the command-line tool: a TLS client and server with flags named
 * like the openssl tool's, built once per backend (omnitls-<backend>).
 *
 *   omnitls s_client -connect HOST:PORT [...]
 *   omnitls s_server -accept [HOST:]PORT -cert F -key F [...]
 *   omnitls version
 *   omnitls x509 -in cert.pem [-chain]
 *   omnitls check-identity HOST cert.pem
 *   omnitls ciphers [STRING] [-v] [-json]
 *
 * Exit status: 0 success, 1 TLS or network failure, 2 bad command line.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *help;
} commands[] = {
    {"s_client", cmd_s_client, "connect to a TLS server and relay stdin/stdout"},
    {"s_server", cmd_s_server, "accept TLS connections (-www, -echo, or relay)"},
    {"version", cmd_version, "library version, backend and capabilities"},
    {"x509", cmd_x509, "print a certificate as Node's getPeerCertificate() JSON"},
    {"check-identity", cmd_check_identity, "tls.checkServerIdentity(host, cert)"},
    {"ciphers", cmd_ciphers, "evaluate a cipher string (OpenSSL grammar + TLS 1.3 names)"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: omnitls <command> [options]   (omnitls <command> -help for its options)\n\n"
             "commands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf(f, "\nThis omnitls runs on %s.\n", otls_backend_name());
}

static const char version_synopsis[] = "[-json]";
static const struct cli_flag version_flags[] = {
    {"json", NULL, "print one JSON object"},
    {NULL, NULL, NULL},
};

int cmd_version(int argc, char **argv) {
  struct cli_args a = {argc, 0, argv, "version", version_synopsis, version_flags};
  bool json = false;
  const struct cli_flag *f;
  const char *v;
  while ((f = cli_next(&a, &v)) != NULL)
    json = true; /* the only flag */
  if (json) {
    struct json j;
    json_init(&j);
    json_object_begin(&j);
    json_kv_string(&j, "version", otls_version_string());
    json_kv_string(&j, "backend", otls_backend_name());
    json_kv_string(&j, "backendVersion", otls_backend_version());
    json_key(&j, "capabilities");
    json_array_begin(&j);
    for (int c = 0; c < OTLS_CAP__COUNT; c++)
      if (otls_backend_has((enum otls_cap)c))
        json_string(&j, otls_cap_name((enum otls_cap)c));
    json_array_end(&j);
    json_object_end(&j);
    int rv = json_print_line(&j, stdout);
    json_free(&j);
    return rv < 0 ? EXIT_FAIL : EXIT_OK;
  }
  printf("omnitls %s\n", otls_version_string());
  printf("backend: %s (%s)\n", otls_backend_name(), otls_backend_version());
  printf("capabilities:");
  for (int c = 0; c < OTLS_CAP__COUNT; c++)
    if (otls_backend_has((enum otls_cap)c))
      printf(" %s", otls_cap_name((enum otls_cap)c));
  printf("\n");
  return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
      !strcmp(cmd, "help")) {
    usage(stdout);
    return EXIT_OK;
  }
  if (!strcmp(cmd, "-version") || !strcmp(cmd, "--version"))
    cmd = "version";
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (!strcmp(cmd, commands[i].name))
      return commands[i].fn(argc - 2, argv + 2);
  fprintf(stderr, "omnitls: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return EXIT_USAGE;
}
