/*
 * omnitls CLI — certificate, identity and cipher tools:
 *
 *   omnitls x509 -in cert.pem [-chain]       Node's certificate object as JSON
 *   omnitls check-identity HOST cert.pem      tls.checkServerIdentity()
 *   omnitls ciphers [STRING] [-v] [-json]     the evaluated cipher list
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

/* Read a whole file; NULL (message printed) on failure. */
static char *slurp(const char *path, size_t *len) {
  char *buf = (char *)cli_read_file(path, len);
  if (buf == NULL)
    fprintf(stderr, "omnitls: cannot read '%s'\n", path);
  return buf;
}

static const char x509_synopsis[] = "-in FILE [-chain]";
static const struct cli_flag x509_flags[] = {
    {"in", "FILE", "PEM file holding the certificate(s)"},
    {"chain", NULL, "print every certificate of the file, one JSON line each"},
    {NULL, NULL, NULL},
};

int cmd_x509(int argc, char **argv) {
  struct cli_args a = {argc, 0, argv, "x509", x509_synopsis, x509_flags};
  const char *in = NULL, *v;
  bool chain = false;
  const struct cli_flag *f;
  while ((f = cli_next(&a, &v)) != NULL) {
    if (!strcmp(f->name, "in"))
      in = v;
    else
      chain = true;
  }
  if (in == NULL)
    cli_usage_error(&a, "-in FILE is required");
  size_t len;
  char *pem = slurp(in, &len);
  if (pem == NULL)
    return EXIT_FAIL;
  int status = EXIT_OK, count = 0;
  const char *p = pem;
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  while ((p = strstr(p, begin)) != NULL) {
    otls_cert *cert = NULL;
    int rv = otls_cert_from_pem(&cert, p, len - (size_t)(p - pem));
    char *json = NULL;
    size_t jlen = 0;
    if (rv == 0)
      rv = otls_cert_to_json(cert, &json, &jlen);
    otls_cert_free(cert);
    if (rv < 0) {
      fprintf(stderr, "error: %s: certificate %d of %s: %s\n", otls_err_name(rv), count + 1, in,
              otls_strerror(rv));
      status = EXIT_FAIL;
      break;
    }
    fwrite(json, 1, jlen, stdout);
    fputc('\n', stdout);
    free(json);
    count++;
    if (!chain)
      break;
    p += sizeof(begin) - 1;
  }
  if (count == 0 && status == EXIT_OK) {
    fprintf(stderr, "error: %s: no certificate in %s\n", otls_err_name(OTLS_E_PEM_NO_START_LINE), in);
    status = EXIT_FAIL;
  }
  free(pem);
  return fflush(stdout) == 0 ? status : EXIT_FAIL;
}

int cmd_check_identity(int argc, char **argv) {
  if (argc == 1 && (!strcmp(argv[0], "-help") || !strcmp(argv[0], "--help"))) {
    printf("usage: omnitls check-identity HOST CERT.pem\n\n"
           "Checks HOST against the certificate as Node's tls.checkServerIdentity() does:\n"
           "prints 'ok' (exit 0), or the error code and Node's reason (exit 1).\n");
    return EXIT_OK;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: omnitls check-identity HOST CERT.pem\n");
    return EXIT_USAGE;
  }
  size_t len;
  char *pem = slurp(argv[1], &len);
  if (pem == NULL)
    return EXIT_FAIL;
  otls_cert *cert = NULL;
  int rv = otls_cert_from_pem(&cert, pem, len);
  free(pem);
  if (rv < 0) {
    fprintf(stderr, "error: %s: %s\n", otls_err_name(rv), otls_strerror(rv));
    return EXIT_FAIL;
  }
  size_t dlen = 0;
  const uint8_t *der = otls_cert_raw(cert, &dlen);
  char reason[1024];
  rv = otls_check_server_identity(argv[0], der, dlen, reason, sizeof(reason));
  otls_cert_free(cert);
  if (rv == 0) {
    printf("ok\n");
    return EXIT_OK;
  }
  printf("%s: %s\n", otls_err_name(rv), reason[0] ? reason : otls_strerror(rv));
  return EXIT_FAIL;
}

static const char ciphers_synopsis[] = "[STRING] [-v] [-json]";
static const struct cli_flag ciphers_flags[] = {
    {"v", NULL, "also print the IANA name and protocol version of each suite"},
    {"json", NULL, "print a JSON array of {name, standardName, version}"},
    {NULL, NULL, NULL},
};

int cmd_ciphers(int argc, char **argv) {
  /* One optional operand (the string), anywhere among the flags. */
  const char *str = NULL;
  char *flags[16];
  int nflags = 0;
  for (int i = 0; i < argc; i++) {
    if (argv[i][0] == '-' && nflags < 16)
      flags[nflags++] = argv[i];
    else if (str == NULL)
      str = argv[i];
    else {
      fprintf(stderr, "omnitls ciphers: only one cipher string may be given\n");
      return EXIT_USAGE;
    }
  }
  struct cli_args a = {nflags, 0, flags, "ciphers", ciphers_synopsis, ciphers_flags};
  bool verbose = false, json = false;
  const struct cli_flag *f;
  const char *v;
  while ((f = cli_next(&a, &v)) != NULL) {
    if (!strcmp(f->name, "v"))
      verbose = true;
    else
      json = true;
  }
  uint16_t ids[OTLS_CIPHERS_MAX];
  size_t n = 0;
  int rv = otls_ciphers_eval(str, ids, OTLS_CIPHERS_MAX, &n);
  if (rv < 0) {
    fprintf(stderr, "error: %s: %s\n", otls_err_name(rv), otls_strerror(rv));
    return EXIT_FAIL;
  }
  struct json j;
  json_init(&j);
  if (json)
    json_array_begin(&j);
  for (size_t i = 0; i < n; i++) {
    otls_cipher_info ci;
    if (otls_cipher_lookup(ids[i], &ci) < 0)
      continue;
    if (json) {
      json_object_begin(&j);
      json_kv_string(&j, "name", ci.name);
      json_kv_string(&j, "standardName", ci.standard_name);
      json_kv_string(&j, "version", ci.version);
      json_object_end(&j);
    } else if (verbose) {
      printf("0x%02X,0x%02X %-32s %-48s %s\n", ids[i] >> 8, ids[i] & 0xff, ci.name,
             ci.standard_name, ci.version);
    } else {
      printf("%s%s", i ? ":" : "", ci.name);
    }
  }
  if (json) {
    json_array_end(&j);
    rv = json_print_line(&j, stdout);
  } else if (!verbose) {
    printf("\n");
  }
  json_free(&j);
  return (rv < 0 || fflush(stdout) != 0) ? EXIT_FAIL : EXIT_OK;
}
