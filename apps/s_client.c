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
    {"alpn", "LIST", "offer these application protocols, comma-separated (ALPNProtocols)"},
    {"status", NULL, "ask the server to staple an OCSP response (requestOCSP)"},
    {"sess_in", "FILE", "resume the session saved in FILE (session)"},
    {"sess_out", "FILE", "save each session the server gives to FILE (getSession)"},
    {"reconnect", NULL, "connect 5 more times, resuming the session; no stdin relay"},
    {"keymatexport", "LABEL", "export keying material with LABEL (exportKeyingMaterial)"},
    {"keymatexportlen", "N", "how many bytes -keymatexport derives (default 20)"},
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

/* Sessions the server gives: kept for -reconnect, written to -sess_out. */
struct sessions {
  uint8_t *blob;
  size_t len;
  const char *out;
  int write_error;
};

static void on_session(otls_conn *c, const uint8_t *blob, size_t len, void *user) {
  (void)c;
  struct sessions *ss = user;
  uint8_t *copy = malloc(len);
  if (copy == NULL)
    return;
  memcpy(copy, blob, len);
  free(ss->blob);
  ss->blob = copy;
  ss->len = len;
  if (ss->out) {
    FILE *f = fopen(ss->out, "wb");
    if (f == NULL || fwrite(blob, 1, len, f) != len)
      ss->write_error = 1;
    if (f && fclose(f) != 0)
      ss->write_error = 1;
  }
}

/*
 * After the handshake: let post-handshake messages (TLS 1.3 tickets) in.
 * Returns 0, or the error that ended the connection meanwhile.
 */
static int drain(otls_socket *s, bool keep) {
  char buf[4096];
  for (int i = 0; i < 4; i++) {
    int n = cli_read(s, buf, sizeof(buf), 300);
    if (n == OTLS_E_TIMEDOUT || n == 0)
      return 0;
    if (n < 0)
      return n;
    /* Data the server sent first is the user's: out it goes, as relay would. */
    if (keep && write(STDOUT_FILENO, buf, (size_t)n) < 0)
      return 0;
  }
  return 0;
}

int cmd_s_client(int argc, char **argv) {
  struct cli_args a = {argc, 0, argv, "s_client", synopsis, flags};
  struct cli_tls t = {.reject_unauthorized = true};
  const char *connect = "localhost:4433", *servername = NULL;
  bool json = false, quiet = false, no_sni = false, status = false, reconnect = false;
  const char *alpn_list = NULL, *sess_in = NULL, *keymat_label = NULL;
  int keymat_len = 20;
  struct sessions ss = {0};
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
    else if (!strcmp(n, "alpn"))
      alpn_list = v;
    else if (!strcmp(n, "status"))
      status = true;
    else if (!strcmp(n, "sess_in"))
      sess_in = v;
    else if (!strcmp(n, "sess_out"))
      ss.out = v;
    else if (!strcmp(n, "reconnect"))
      reconnect = true;
    else if (!strcmp(n, "keymatexport"))
      keymat_label = v;
    else if (!strcmp(n, "keymatexportlen"))
      keymat_len = cli_int(&a, n, v);
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

  uint8_t alpn[1024];
  otls_conn_options co;
  otls_conn_options_init(&co);
  if (alpn_list) {
    int n = otls_alpn_encode(alpn_list, alpn, sizeof(alpn));
    if (n < 0)
      cli_usage_error(&a, "-alpn: '%s' is not a list of 1..255-byte names", alpn_list);
    co.alpn_protocols = alpn;
    co.alpn_protocols_len = (size_t)n;
  }
  if (status && !otls_backend_has(OTLS_CAP_OCSP_CLIENT)) {
    rc = fail(json, OTLS_E_UNSUPPORTED, "-status: this backend cannot give the client the staple");
    goto out;
  }
  co.request_ocsp = status;
  co.on_session = on_session;
  co.user = &ss;
  if (sess_in && (ss.blob = cli_read_file(sess_in, &ss.len)) == NULL) {
    char d[300];
    snprintf(d, sizeof(d), "-sess_in: cannot read '%s'", sess_in);
    rc = fail(json, OTLS_E_FILE, d);
    goto out;
  }
  if (keymat_label && (keymat_len < 1 || keymat_len > 16384))
    cli_usage_error(&a, "-keymatexportlen: 1..16384");

  for (int round = 0; round <= (reconnect ? 5 : 0); round++) {
    co.session = ss.blob;
    co.session_len = ss.len;
    otls_socket_options so;
    otls_socket_options_init(&so);
    so.nonblocking = true; /* one poll loop for the handshake and the relay */
    so.servername = no_sni ? "" : servername;
    so.conn_options = &co;
    otls_socket_free(s);
    s = NULL;
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
    otls_conn *c = otls_socket_conn(s);
    if ((reconnect || ss.out) && (rv = drain(s, !reconnect)) < 0) {
      rc = fail(json, rv, otls_socket_error(s));
      goto out;
    }
    uint8_t *km = NULL;
    if (keymat_label) {
      km = malloc((size_t)keymat_len);
      if (km && otls_conn_export_keying_material(c, km, (size_t)keymat_len, keymat_label, NULL,
                                                 0) < 0) {
        free(km);
        km = NULL;
      }
    }
    if (json) {
      struct json j;
      json_init(&j);
      json_object_begin(&j);
      cli_json_tls_info(&j, c);
      cli_json_ephemeral_key_info(&j, c);
      cli_json_conn_extras(&j, c);
      if (keymat_label)
        cli_json_hex(&j, "keyingMaterial", km, km ? (size_t)keymat_len : 0);
      json_object_end(&j);
      json_print_line(&j, stdout);
      json_free(&j);
    }
    if (!quiet) {
      print_summary(s, host, port);
      otls_cipher_info ci = {0};
      otls_conn_cipher(c, &ci);
      /* openssl s_client's line, which scripts grep for. */
      fprintf(stderr, "%s, %s, Cipher is %s\n", otls_conn_is_session_reused(c) ? "Reused" : "New",
              otls_conn_protocol(c), ci.name ? ci.name : "?");
      size_t alen = 0;
      const uint8_t *ap = otls_conn_alpn_protocol(c, &alen);
      if (ap)
        fprintf(stderr, "ALPN protocol: %.*s\n", (int)alen, (const char *)ap);
      if (status) {
        size_t olen = 0;
        fprintf(stderr, "OCSP response: %s\n",
                otls_conn_ocsp_response(c, &olen) ? "stapled" : "no response sent");
      }
      if (km) {
        fprintf(stderr, "Keying material: ");
        for (int i = 0; i < keymat_len; i++)
          fprintf(stderr, "%02X", km[i]);
        fprintf(stderr, "\n");
      }
    }
    free(km);
    if (reconnect) {
      cli_close(s, 500);
      continue;
    }
  }
  if (ss.write_error) {
    cli_error(OTLS_E_FILE, "-sess_out: cannot write the session file");
    goto out;
  }
  if (reconnect) {
    rc = EXIT_OK;
    goto out;
  }

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
  free(ss.blob);
  free(hp);
  return rc;
}
