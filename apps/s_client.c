/*
 * omnitls s_client — connect, report the TLS session, relay stdin/stdout.
 * Flags are named like `openssl s_client`'s; the summary goes to stderr
 * (unless -quiet), so stdout carries only the server's data (and the
 * -json line).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

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
    {"verify_return_error", NULL,
     "fail on a verification error (the default: rejectUnauthorized: true); the error "
     "(CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...) is printed and the exit status is 1"},
    {"insecure", NULL,
     "do not reject an unverified server (rejectUnauthorized: false): the summary shows the "
     "verification error, the session goes on, and it does not change the exit status"},
    {"timeout", "MS", "give up connecting and handshaking after MS milliseconds"},
    {"alpn", "LIST", "offer these application protocols, comma-separated (ALPNProtocols)"},
    {"status", NULL, "ask the server to staple an OCSP response (requestOCSP)"},
    {"sess_in", "FILE", "resume the session saved in FILE (session)"},
    {"sess_out", "FILE", "save each session the server gives to FILE (getSession)"},
    {"reconnect", NULL, "connect 5 more times, resuming the session; no stdin relay"},
    {"keymatexport", "LABEL", "export keying material with LABEL (exportKeyingMaterial)"},
    {"keymatexportlen", "N", "how many bytes -keymatexport derives (default 20)"},
    {"showcerts", NULL, "show every certificate the server sent, not only its leaf"},
    {"brief", NULL, "a short summary on stderr: protocol, cipher, peer, verification"},
    {"quiet", NULL, "no summary on stderr: only the server's data on stdout"},
    {"ign_eof", NULL,
     "at the end of stdin, keep the connection open until the server closes it "
     "(default: send close_notify, as at Ctrl-D)"},
    {"json", NULL,
     "also print one JSON line describing the session on stdout, before the server's "
     "data (Node.js TLSSocket property names; on failure {\"error\", \"message\", "
     "\"otlsCode\"})"},
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
  return cli_exit_status(code);
}

enum summary { SUMMARY_NONE, SUMMARY_BRIEF, SUMMARY_FULL };

/* The verification line: "OK", or the error, its reason and what was done. */
static void put_verification(FILE *f, otls_conn *c, bool rejecting) {
  int code = otls_conn_verify_error(c);
  const char *name = otls_conn_authorization_error(c);
  if (code == 0 && name == NULL) {
    fprintf(f, "Verification: OK\n");
    return;
  }
  if (code == 0)
    code = cli_errno_by_name(name);
  fprintf(f, "Verification error: %s (%s)%s\n", name ? name : otls_err_name(code),
          code ? otls_strerror(code) : "?",
          rejecting ? "" : "; connection kept (-insecure)");
}

/* The chain as the server sent it, one short entry per certificate, as openssl's. */
static void put_chain(FILE *f, otls_conn *c) {
  size_t n = otls_conn_peer_cert_count(c);
  fprintf(f, "Certificate chain (%zu sent)\n", n);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *der;
    size_t len;
    otls_cert *cert = NULL;
    if (otls_conn_peer_cert_der(c, i, &der, &len) < 0 ||
        otls_cert_from_der(&cert, der, len) < 0) {
      fprintf(f, " %zu (does not parse)\n", i);
      continue;
    }
    const otls_cert_name_entry *e;
    int k = otls_cert_subject_name(cert, &e);
    fprintf(f, " %zu s:", i);
    cli_put_name(f, e, k);
    k = otls_cert_issuer_name(cert, &e);
    fprintf(f, "\n   i:");
    cli_put_name(f, e, k);
    const char *from = otls_cert_valid_from(cert), *to = otls_cert_valid_to(cert);
    fprintf(f, "\n   v:NotBefore: %s; NotAfter: %s\n", from ? from : "?", to ? to : "?");
    otls_cert_free(cert);
  }
}

static void print_summary(FILE *f, otls_socket *s, const char *host, const char *port,
                          enum summary how, bool showcerts, bool rejecting) {
  otls_conn *c = otls_socket_conn(s);
  otls_cipher_info ci = {0};
  bool have_cipher = otls_conn_cipher(c, &ci) == 0;
  otls_cert *leaf = NULL;
  (void)otls_cert_peer(c, false, &leaf);
  size_t alen = 0;
  const uint8_t *alpn = otls_conn_alpn_protocol(c, &alen);
  bool reused = otls_conn_is_session_reused(c);

  if (how == SUMMARY_BRIEF) {
    /* openssl s_client -brief's lines. */
    fprintf(f, "CONNECTION ESTABLISHED\n");
    fprintf(f, "Protocol version: %s\n", otls_conn_protocol(c));
    fprintf(f, "Ciphersuite: %s\n", have_cipher ? ci.name : "?");
    if (leaf) {
      const otls_cert_name_entry *e;
      int k = otls_cert_subject_name(leaf, &e);
      fprintf(f, "Peer certificate: ");
      cli_put_name(f, e, k);
      fputc('\n', f);
    } else {
      fprintf(f, "No peer certificate\n");
    }
    if (alpn)
      fprintf(f, "ALPN protocol: %.*s\n", (int)alen, (const char *)alpn);
    if (reused)
      fprintf(f, "Session reused\n");
    put_verification(f, c, rejecting);
    otls_cert_free(leaf);
    fflush(f);
    return;
  }

  fprintf(f, "CONNECTED to %s:%s (%s on %s)\n", host, port, cli_prog, otls_backend_name());
  fprintf(f, "---\n");
  if (showcerts) {
    put_chain(f, c);
    fprintf(f, "---\n");
  }
  if (leaf) {
    fprintf(f, "Server certificate\n");
    cli_print_cert(f, leaf, "  ");
  } else {
    fprintf(f, "No server certificate\n");
  }
  fprintf(f, "---\n");
  fprintf(f, "Protocol: %s\n", otls_conn_protocol(c));
  if (have_cipher)
    fprintf(f, "Cipher: %s (%s)\n", ci.name, ci.standard_name);
  otls_ephemeral_key_info k;
  if (otls_conn_ephemeral_key_info(c, &k) == 0 && k.type)
    fprintf(f, "Server Temp Key: %s%s%s, %u bits\n", k.type, k.name ? " " : "",
            k.name ? k.name : "", k.size);
  if (alpn)
    fprintf(f, "ALPN protocol: %.*s\n", (int)alen, (const char *)alpn);
  else
    fprintf(f, "No ALPN negotiated\n");
  const char *sni = otls_conn_servername(c);
  fprintf(f, "Servername: %s\n", sni ? sni : "(none)");
  fprintf(f, "Session reused: %s\n", reused ? "yes" : "no");
  put_verification(f, c, rejecting);
  fprintf(f, "---\n");
  /* openssl s_client's line, which scripts grep for. */
  fprintf(f, "%s, %s, Cipher is %s\n", reused ? "Reused" : "New", otls_conn_protocol(c),
          have_cipher ? ci.name : "?");
  otls_cert_free(leaf);
  fflush(f);
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
  struct cli_args a = {
      .argc = argc,
      .argv = argv,
      .cmd = "s_client",
      .synopsis = "[-connect HOST:PORT] [options]",
      .about =
          "Connect to a TLS server, verify its certificate chain and name, and print a "
          "summary of the session on stderr (protocol, cipher, ALPN, the server's "
          "certificate, the verification result, whether the session was resumed). Then "
          "relay: what is typed on stdin goes to the server, what the server sends comes "
          "out on stdout. The end of stdin (Ctrl-D) sends close_notify; the tool exits "
          "once the server has closed too.\n\n"
          "The server is verified by default (Node's rejectUnauthorized: true): a failure "
          "ends the connection with exit status 1 and the error name "
          "(CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...). With -insecure the "
          "session goes on and only the summary shows the error.",
      .flags = flags,
  };
  struct cli_tls t = {.reject_unauthorized = true};
  const char *connect = "localhost:4433", *servername = NULL;
  bool json = false, no_sni = false, status = false, reconnect = false;
  bool showcerts = false, ign_eof = false;
  enum summary how = SUMMARY_FULL;
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
      how = SUMMARY_NONE;
    else if (!strcmp(n, "brief"))
      how = SUMMARY_BRIEF;
    else if (!strcmp(n, "showcerts"))
      showcerts = true;
    else if (!strcmp(n, "ign_eof"))
      ign_eof = true;
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
    if (how != SUMMARY_NONE) {
      print_summary(stderr, s, host, port, how, showcerts, t.reject_unauthorized);
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
      if (!reconnect && how == SUMMARY_FULL)
        fprintf(stderr, "---\n");
      fflush(stderr);
    }
    free(km);
    if (reconnect) {
      cli_close(s, 500);
      continue;
    }
  }
  if (ss.write_error) {
    rc = fail(json, OTLS_E_FILE, "-sess_out: cannot write the session file");
    goto out;
  }
  if (reconnect) {
    rc = EXIT_OK;
    goto out;
  }

  struct relay_result rr;
  rv = cli_relay(s, STDIN_FILENO, STDOUT_FILENO, !ign_eof, &rr);
  if (rv == 0) {
    rc = EXIT_OK;
  } else if (rv == OTLS_E_TRUNCATED && rr.sent_close) {
    /* We had finished; a peer that drops TCP instead of answering our
     * close_notify loses nothing we asked for (openssl s_client exits 0 too). */
    if (how != SUMMARY_NONE)
      fprintf(stderr, "note: the peer closed without close_notify\n");
    rc = EXIT_OK;
  } else {
    cli_error(rv, otls_socket_error(s));
    rc = cli_exit_status(rv);
  }
out:
  otls_socket_free(s);
  otls_context_free(ctx);
  free(ss.blob);
  free(hp);
  return rc;
}
