/*
 * omnitls s_client — connect, report the TLS session, relay stdin/stdout.
 * Flags are named like `openssl s_client`'s.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static const char synopsis[] = "-connect HOST:PORT [options]";
static const struct cli_flag flags[] = {
    {"connect", "HOST:PORT", "where to connect (default localhost:4433; [::1]:PORT for IPv6)"},
    {"servername", "NAME", "SNI name to send (default: the host, unless it is an IP address)"},
    {"noservername", NULL, "send no SNI"},
    {"CAfile", "FILE", "trusted CA certificates (PEM); default: the system store"},
    {"cert", "FILE", "client certificate chain (PEM)"},
    {"key", "FILE", "client private key (PEM; default: in -cert)"},
    {"pass", "ARG", "key / pfx passphrase: pass:X, env:VAR, file:PATH"},
    {"pfx", "FILE", "client key and certificate chain as a PKCS#12 bundle (opened with -pass)"},
    {"CRL", "FILE", "certificate revocation lists (PEM) to check the server's chain against"},
    {"cipher", "STR", "cipher suites for TLS <= 1.2, OpenSSL's cipher-string syntax"},
    {"ciphersuites", "LIST",
     "TLS 1.3 cipher suites (colon list); joined with -cipher into "
     "Node's one `ciphers` string"},
    {"curves", "LIST", "key-exchange groups, colon list (ecdhCurve: X25519:P-256, auto)"},
    {"tls1_2", NULL, "only TLS 1.2"},
    {"tls1_3", NULL, "only TLS 1.3"},
    {"verify_return_error", NULL, "fail the handshake on a verification error (the default)"},
    {"insecure", NULL, "do not reject an unverified server (rejectUnauthorized: false)"},
    {"timeout", "MS", "give up connecting and handshaking after MS milliseconds"},
    {"json", NULL, "print one JSON line describing the session (Node.js property names)"},
    {"quiet", NULL, "no session summary on stderr"},
    {NULL, NULL, NULL},
};

/* Report a failure: stderr, and a JSON line when asked. */
static int fail(bool json, int code, const char *detail) {
  cli_error(code, detail);
  if (json) {
    struct json j;
    json_init(&j);
    cli_json_error_begin(&j, code, detail);
    json_object_end(&j);
    json_print_line(&j, stdout);
    json_free(&j);
  }
  return EXIT_FAIL;
}

static void print_summary(otls_socket *s, const char *host, const char *port) {
  otls_conn *c = otls_socket_conn(s);
  otls_cipher_info ci;
  fprintf(stderr, "CONNECTED %s:%s (%s)\n", host, port, otls_backend_name());
  fprintf(stderr, "Protocol: %s\n", otls_conn_protocol(c));
  if (otls_conn_cipher(c, &ci) == 0)
    fprintf(stderr, "Cipher: %s (%s)\n", ci.name, ci.standard_name);
  otls_ephemeral_key_info k;
  if (otls_conn_ephemeral_key_info(c, &k) == 0 && k.type)
    fprintf(stderr, "Server Temp Key: %s%s%s, %u bits\n", k.type, k.name ? " " : "",
            k.name ? k.name : "", k.size);
  const char *sni = otls_conn_servername(c);
  fprintf(stderr, "Servername: %s\n", sni ? sni : "(none)");
  const char *ae = otls_conn_authorization_error(c);
  fprintf(stderr, "Verification: %s\n", ae ? ae : "OK");
  fprintf(stderr, "---\n");
  fflush(stderr);
}

int cmd_s_client(int argc, char **argv) {
  struct cli_args a = {argc, 0, argv, "s_client", synopsis, flags};
  struct cli_tls t = {.reject_unauthorized = true};
  const char *connect = "localhost:4433", *servername = NULL;
  bool json = false, quiet = false, no_sni = false;
  int timeout_ms = 0;
  const struct cli_flag *f;
  const char *v;
  while ((f = cli_next(&a, &v)) != NULL) {
    const char *n = f->name;
    if (!strcmp(n, "connect"))
      connect = v;
    else if (!strcmp(n, "servername"))
      servername = v;
    else if (!strcmp(n, "noservername"))
      no_sni = true;
    else if (!strcmp(n, "CAfile"))
      t.cafile = v;
    else if (!strcmp(n, "cert"))
      t.cert = v;
    else if (!strcmp(n, "key"))
      t.key = v;
    else if (!strcmp(n, "pass"))
      t.pass = v;
    else if (!strcmp(n, "pfx"))
      t.pfx = v;
    else if (!strcmp(n, "CRL"))
      t.crl = v;
    else if (!strcmp(n, "cipher"))
      t.cipher = v;
    else if (!strcmp(n, "ciphersuites"))
      t.ciphersuites = v;
    else if (!strcmp(n, "curves"))
      t.curves = v;
    else if (!strcmp(n, "tls1_2"))
      t.min_version = t.max_version = "TLSv1.2";
    else if (!strcmp(n, "tls1_3"))
      t.min_version = t.max_version = "TLSv1.3";
    else if (!strcmp(n, "verify_return_error"))
      t.reject_unauthorized = true;
    else if (!strcmp(n, "insecure"))
      t.reject_unauthorized = false;
    else if (!strcmp(n, "timeout"))
      timeout_ms = cli_int(&a, n, v);
    else if (!strcmp(n, "json"))
      json = true;
    else if (!strcmp(n, "quiet"))
      quiet = true;
  }
  if (t.key && !t.cert)
    cli_usage_error(&a, "-key needs -cert");
  if (t.ciphersuites && !*t.ciphersuites)
    cli_usage_error(&a, "-ciphersuites needs at least one suite (limit TLS 1.3 with -tls1_2)");
  char *hp = strdup(connect);
  const char *host, *port;
  if (hp == NULL)
    return fail(json, OTLS_E_NOMEM, NULL);
  if (!cli_split_hostport(hp, false, &host, &port))
    cli_usage_error(&a, "-connect: expected HOST:PORT, got '%s'", connect);

  signal(SIGPIPE, SIG_IGN); /* stdout may go away; the library needs nothing */
  int rc = EXIT_FAIL;
  otls_context *ctx = NULL;
  otls_socket *s = NULL;
  char detail[512] = "";
  int rv = cli_context(&ctx, &t, detail, sizeof(detail));
  if (rv < 0) {
    rc = fail(json, rv, detail);
    goto out;
  }

  otls_socket_options so;
  otls_socket_options_init(&so);
  so.nonblocking = true; /* one poll loop for the handshake and the relay */
  so.servername = no_sni ? "" : servername;
  rv = otls_socket_connect(&s, ctx, host, port, &so);
  if (rv < 0) {
    char d[300];
    snprintf(d, sizeof(d), "cannot connect to %s:%s: %s", host, port, otls_strerror(rv));
    rc = fail(json, rv, d);
    goto out;
  }
  rv = cli_handshake(s, timeout_ms);
  if (rv < 0) {
    rc = fail(json, rv, otls_socket_error(s));
    goto out;
  }
  if (json) {
    struct json j;
    json_init(&j);
    json_object_begin(&j);
    cli_json_tls_info(&j, otls_socket_conn(s));
    cli_json_ephemeral_key_info(&j, otls_socket_conn(s));
    json_object_end(&j);
    json_print_line(&j, stdout);
    json_free(&j);
  }
  if (!quiet)
    print_summary(s, host, port);

  struct relay_result rr;
  rv = cli_relay(s, STDIN_FILENO, STDOUT_FILENO, &rr);
  if (rv == 0) {
    rc = EXIT_OK;
  } else if (rv == OTLS_E_TRUNCATED && rr.sent_close) {
    /* We had finished; a peer that drops TCP instead of answering our
     * close_notify loses nothing we asked for (openssl s_client exits 0 too). */
    if (!quiet)
      fprintf(stderr, "note: the peer closed without close_notify\n");
    rc = EXIT_OK;
  } else {
    cli_error(rv, otls_socket_error(s));
  }
out:
  otls_socket_free(s);
  otls_context_free(ctx);
  free(hp);
  return rc;
}
