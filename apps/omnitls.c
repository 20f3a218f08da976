/*
 * omnitls — the command-line tool: a TLS client and server with flags named
 * like the openssl tool's, built once per backend (omnitls-<backend>).
 *
 *   omnitls s_client -connect HOST:PORT [...]
 *   omnitls s_server -accept [HOST:]PORT -cert F -key F [...]
 *   omnitls version [-json]
 *   omnitls x509 -in cert.pem [-chain] [-json]
 *   omnitls check-identity HOST cert.pem [-json]
 *   omnitls ciphers [STRING] [-v] [-json]
 *   omnitls help [COMMAND]
 *
 * Output is for people by default; -json prints JSON lines for scripts.
 * Exit status (cli.h): 0 success, 1 the operation failed, 2 bad command
 * line, 77 not supported by this backend.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *help;
} commands[] = {
    {"s_client", cmd_s_client, "connect to a TLS server, show the session, relay stdin/stdout"},
    {"s_server", cmd_s_server, "accept TLS connections (-www, -echo, or relay stdin/stdout)"},
    {"version", cmd_version, "library version, backend and its capabilities"},
    {"x509", cmd_x509, "show a certificate (-json: Node's getPeerCertificate() object)"},
    {"check-identity", cmd_check_identity, "tls.checkServerIdentity(host, cert)"},
    {"ciphers", cmd_ciphers, "evaluate a cipher string (OpenSSL grammar + TLS 1.3 names)"},
    {"help", NULL, "help on the tool, or on one command (omnitls help COMMAND)"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s <command> [options]\n"
          "       %s <command> --help      options of one command (also -help, -h)\n"
          "       %s help [<command>]\n"
          "       %s --version             the same as: %s version\n\n"
          "commands:\n",
          cli_prog, cli_prog, cli_prog, cli_prog, cli_prog);
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].help);
  fprintf(f,
          "\nOutput is for people by default; -json prints JSON (one document per line,\n"
          "Node.js property names) for scripts. Options start with one dash, as the\n"
          "openssl tool's (--option is accepted too).\n"
          "\nexit status:\n%s"
          "\nThis %s runs on the %s backend (%s). See also: man %s\n",
          cli_exit_status_help, cli_prog, otls_backend_name(), otls_backend_version(), cli_prog);
}

/* One line and a pointer to the help, as for a command's usage error. */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", cli_prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nsee '%s --help'\n", cli_prog);
  return EXIT_USAGE;
}

static int find_command(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (commands[i].fn && !strcmp(name, commands[i].name))
      return (int)i;
  return -1;
}

static const struct cli_flag version_flags[] = {
    {"json", NULL, "print one JSON object: version, backend, backendVersion, capabilities"},
    {NULL, NULL, NULL},
};

int cmd_version(int argc, char **argv) {
  struct cli_args a = {
      .argc = argc,
      .argv = argv,
      .cmd = "version",
      .synopsis = "[-json]",
      .about = "Print the omnitls version, the TLS backend this binary is built on and its "
               "version, and the capabilities of that backend: the optional features "
               "(OCSP stapling, renegotiation, DHE, ...) that some backends cannot provide. "
               "An option that needs a missing capability fails with "
               "ERR_OTLS_UNSUPPORTED (exit status 77).",
      .flags = version_flags,
  };
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
  if (argc > 0 && argv[0] && *argv[0]) {
    const char *slash = strrchr(argv[0], '/');
    cli_prog = slash ? slash + 1 : argv[0];
  }
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
  }
  if (!strcmp(cmd, "help")) {
    if (argc == 2) {
      usage(stdout);
      return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
    }
    if (argc > 3)
      return usage_error("help takes one command, got '%s' too", argv[3]);
    int i = find_command(argv[2]);
    if (i < 0)
      return usage_error("unknown command '%s'", argv[2]);
    char help[] = "--help", *args[] = {help, NULL};
    return commands[i].fn(1, args); /* prints the help and exits 0 */
  }
  if (!strcmp(cmd, "-version") || !strcmp(cmd, "--version"))
    cmd = "version";
  int i = find_command(cmd);
  if (i < 0)
    return cmd[0] == '-' ? usage_error("unknown option '%s' (a command comes first)", cmd)
                         : usage_error("unknown command '%s'", cmd);
  return commands[i].fn(argc - 2, argv + 2);
}
