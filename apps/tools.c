/*
 * omnitls CLI — certificate, identity and cipher tools:
 *
 *   omnitls x509 -in cert.pem [-chain] [-json]   a certificate (Node's object with -json)
 *   omnitls check-identity HOST cert.pem [-json] tls.checkServerIdentity()
 *   omnitls ciphers [STRING] [-v] [-json]        the evaluated cipher list
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

/* Read a whole file; NULL (message printed) on failure. */
static char *slurp(const char *path, size_t *len) {
  char *buf = (char *)cli_read_file(path, len);
  if (buf == NULL) {
    char d[512];
    snprintf(d, sizeof(d), "cannot read '%s'", path);
    cli_error(OTLS_E_FILE, d);
  }
  return buf;
}

static const struct cli_flag x509_flags[] = {
    {"in", "FILE", "PEM file holding the certificate(s) (\"-\": standard input)"},
    {"chain", NULL, "show every certificate of the file, not only the first"},
    {"json", NULL,
     "print each certificate as one line of JSON: the object of Node.js's "
     "getPeerCertificate(), as JSON.stringify() prints it"},
    {NULL, NULL, NULL},
};

int cmd_x509(int argc, char **argv) {
  struct cli_args a = {
      .argc = argc,
      .argv = argv,
      .cmd = "x509",
      .synopsis = "-in FILE [-chain] [-json]",
      .about = "Show a PEM certificate: subject, issuer, validity, serial number, subject "
               "alternative names, public key, CA flag, extended key usage and fingerprints. "
               "The certificate is parsed by omnitls's own X.509 parser, the one behind "
               "getPeerCertificate(), so the output is the same on every backend.",
      .flags = x509_flags,
  };
  const char *in = NULL, *v;
  bool chain = false, json = false;
  const struct cli_flag *f;
  while ((f = cli_next(&a, &v)) != NULL) {
    if (!strcmp(f->name, "in"))
      in = v;
    else if (!strcmp(f->name, "chain"))
      chain = true;
    else
      json = true;
  }
  if (in == NULL)
    cli_usage_error(&a, "-in FILE is required");
  size_t len;
  char *pem = slurp(strcmp(in, "-") ? in : "/dev/stdin", &len);
  if (pem == NULL)
    return EXIT_FAIL;
  int status = EXIT_OK, count = 0;
  const char *p = pem;
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  while ((p = strstr(p, begin)) != NULL) {
    otls_cert *cert = NULL;
    int rv = otls_cert_from_pem(&cert, p, len - (size_t)(p - pem));
    char *text = NULL;
    size_t tlen = 0;
    if (rv == 0 && json)
      rv = otls_cert_to_json(cert, &text, &tlen);
    if (rv < 0) {
      char d[512];
      snprintf(d, sizeof(d), "certificate %d of %s: %s", count + 1, in, otls_strerror(rv));
      cli_error(rv, d);
      otls_cert_free(cert);
      status = EXIT_FAIL;
      break;
    }
    if (json) {
      fwrite(text, 1, tlen, stdout);
      fputc('\n', stdout);
      free(text);
    } else {
      if (chain)
        printf("%sCertificate %d:\n", count ? "\n" : "", count + 1);
      cli_print_cert(stdout, cert, chain ? "  " : "");
    }
    otls_cert_free(cert);
    count++;
    if (!chain)
      break;
    p += sizeof(begin) - 1;
  }
  if (count == 0 && status == EXIT_OK) {
    char d[512];
    snprintf(d, sizeof(d), "no certificate in %s", in);
    cli_error(OTLS_E_PEM_NO_START_LINE, d);
    status = EXIT_FAIL;
  }
  free(pem);
  return fflush(stdout) == 0 ? status : EXIT_FAIL;
}

static const struct cli_flag identity_flags[] = {
    {"json", NULL,
     "print one JSON object: {\"host\", \"ok\": true} or {\"host\", \"ok\": false, \"code\", "
     "\"reason\"}"},
    {NULL, NULL, NULL},
};

int cmd_check_identity(int argc, char **argv) {
  struct cli_args a = {
      .argc = argc,
      .argv = argv,
      .cmd = "check-identity",
      .synopsis = "HOST CERT.pem [-json]",
      .about = "Check HOST (a DNS name or an IP address) against the first certificate in "
               "CERT.pem as Node.js's tls.checkServerIdentity() does (RFC 6125: subject "
               "alternative names, wildcards, the CN only when there are none). Prints "
               "'ok' (exit 0), or Node's error code and reason (exit 1).",
      .flags = identity_flags,
      .max_operands = 2,
  };
  bool json = false;
  const struct cli_flag *f;
  const char *v;
  while ((f = cli_next(&a, &v)) != NULL)
    json = true; /* the only flag */
  if (a.noperands != 2)
    cli_usage_error(&a, "need HOST and CERT.pem");
  const char *host = a.operands[0], *file = a.operands[1];
  size_t len;
  char *pem = slurp(file, &len);
  if (pem == NULL)
    return EXIT_FAIL;
  otls_cert *cert = NULL;
  int rv = otls_cert_from_pem(&cert, pem, len);
  free(pem);
  if (rv < 0) {
    cli_error(rv, file);
    return EXIT_FAIL;
  }
  size_t dlen = 0;
  const uint8_t *der = otls_cert_raw(cert, &dlen);
  char reason[1024] = "";
  rv = otls_check_server_identity(host, der, dlen, reason, sizeof(reason));
  otls_cert_free(cert);
  const char *why = reason[0] ? reason : otls_strerror(rv);
  if (json) {
    struct json j;
    json_init(&j);
    json_object_begin(&j);
    json_kv_string(&j, "host", host);
    json_kv_bool(&j, "ok", rv == 0);
    if (rv < 0) {
      json_kv_string(&j, "code", otls_err_name(rv));
      json_kv_string(&j, "reason", why);
    }
    json_object_end(&j);
    int prv = json_print_line(&j, stdout);
    json_free(&j);
    if (prv < 0)
      return EXIT_FAIL;
  } else if (rv == 0) {
    printf("ok\n");
  } else {
    printf("%s: ", otls_err_name(rv));
    cli_put_safe(stdout, why, strlen(why));
    printf("\n");
  }
  if (fflush(stdout) != 0)
    return EXIT_FAIL;
  return rv == 0 ? EXIT_OK : EXIT_FAIL;
}

static const struct cli_flag ciphers_flags[] = {
    {"v", NULL, "one suite per line: its code point, OpenSSL name, IANA name and version"},
    {"json", NULL, "print one JSON array of {name, standardName, version}"},
    {NULL, NULL, NULL},
};

int cmd_ciphers(int argc, char **argv) {
  struct cli_args a = {
      .argc = argc,
      .argv = argv,
      .cmd = "ciphers",
      .synopsis = "[STRING] [-v] [-json]",
      .about = "Print the cipher suites that STRING selects, in order, as a colon list of "
               "OpenSSL names. STRING uses OpenSSL's cipher-string grammar (HIGH, !aNULL, "
               "+, -, @STRENGTH, ...) plus TLS 1.3 suite names, as Node.js's `ciphers` "
               "option; without STRING, the default list (OMNITLS_CIPHER_LIST, else "
               "Node's default). omnitls evaluates the string itself, against one suite "
               "table, the same way on every backend.",
      .flags = ciphers_flags,
      .max_operands = 1,
  };
  bool verbose = false, json = false;
  const struct cli_flag *f;
  const char *v;
  while ((f = cli_next(&a, &v)) != NULL) {
    if (!strcmp(f->name, "v"))
      verbose = true;
    else
      json = true;
  }
  const char *str = a.noperands ? a.operands[0] : NULL;
  uint16_t ids[OTLS_CIPHERS_MAX];
  size_t n = 0;
  int rv = otls_ciphers_eval(str, ids, OTLS_CIPHERS_MAX, &n);
  if (rv < 0) {
    cli_error(rv, NULL);
    return cli_exit_status(rv);
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
