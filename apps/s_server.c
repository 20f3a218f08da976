/*
 * omnitls s_server — accept TLS connections one after another and answer
 * them (-www: a tiny HTTP server; -echo: echo; default: relay stdin/stdout).
 * Flags are named like `openssl s_server`'s.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static const char synopsis[] = "-accept [HOST:]PORT {-cert FILE -key FILE | -pfx FILE} [options]";
static const struct cli_flag flags[] = {
    {"accept", "[HOST:]PORT", "where to listen (PORT 0: pick a free port); default 4433 on all addresses"},
    {"cert", "FILE", "server certificate (PEM, leaf first; may hold the chain)"},
    {"key", "FILE", "private key (PEM; default: in -cert)"},
    {"cert_chain", "FILE", "more chain certificates (PEM)"},
    {"pass", "ARG", "key / pfx passphrase: pass:X, env:VAR, file:PATH"},
    {"pfx", "FILE",
     "key and certificate chain as a PKCS#12 bundle (opened with -pass); with "
     "-cert too, a second key/certificate pair"},
    {"dhparam", "FILE", "DH parameters (PEM) for the TLS 1.2 DHE suites"},
    {"CRL", "FILE", "certificate revocation lists (PEM) to check client certificates against"},
    {"cipher", "STR", "cipher suites for TLS <= 1.2, OpenSSL's cipher-string syntax"},
    {"ciphersuites", "LIST",
     "TLS 1.3 cipher suites (colon list); joined with -cipher into "
     "Node's one `ciphers` string"},
    {"curves", "LIST", "key-exchange groups, colon list (ecdhCurve: X25519:P-256, auto)"},
    {"CAfile", "FILE", "CA certificates to verify client certificates with"},
    {"verify", "DEPTH", "ask for a client certificate, accept the connection anyway"},
    {"Verify", "DEPTH", "require a valid client certificate"},
    {"www", NULL, "answer GET requests with a small HTTP/1.0 page (keep-alive)"},
    {"echo", NULL, "send back what the client sends"},
    {"naccept", "N", "exit after N connections"},
    {"tls1_2", NULL, "only TLS 1.2"},
    {"tls1_3", NULL, "only TLS 1.3"},
    {"timeout", "MS", "handshake timeout and idle timeout (default 30000)"},
    {"alpn", "LIST", "accept these application protocols, ours first (ALPNProtocols)"},
    {"status_file", "FILE", "staple this DER OCSP response when asked (OCSPRequest)"},
    {"servername_context", "NAME:CERT:KEY",
     "serve CERT/KEY to clients asking for NAME (wildcards as addContext; repeatable)"},
    {"ticket_keys", "HEX", "the 48-byte session-ticket key, 96 hex digits (ticketKeys)"},
    {"no_ticket", NULL, "issue no session tickets (session ids for TLS 1.2 instead)"},
    {"json", NULL, "log one JSON line per connection (Node.js property names)"},
    {"quiet", NULL, "no per-connection messages on stderr"},
    {NULL, NULL, NULL},
};

enum mode { MODE_RELAY, MODE_WWW, MODE_ECHO };

struct server {
  otls_context *ctx;
  otls_conn_options co; /* ALPN, SNI contexts, OCSP for every connection */
  uint8_t alpn[1024];
  otls_sni_map *sni;
  uint8_t *ocsp;
  size_t ocsp_len;
  enum mode mode;
  bool json, quiet;
  int timeout_ms;
  struct json j;
  char remote[INET6_ADDRSTRLEN];
  int remote_port;
};

/* --- logging --------------------------------------------------------------- */

static void peer_address(struct server *sv, int fd) {
  struct sockaddr_storage ss;
  socklen_t l = sizeof(ss);
  strcpy(sv->remote, "?");
  sv->remote_port = 0;
  if (getpeername(fd, (struct sockaddr *)&ss, &l) != 0)
    return;
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, sv->remote, sizeof(sv->remote));
    sv->remote_port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, sv->remote, sizeof(sv->remote));
    sv->remote_port = ntohs(a->sin6_port);
  }
}

static void log_event_begin(struct server *sv, const char *event) {
  json_reset(&sv->j);
  json_object_begin(&sv->j);
  json_kv_string(&sv->j, "event", event);
  json_kv_string(&sv->j, "remoteAddress", sv->remote);
  json_kv_int(&sv->j, "remotePort", sv->remote_port);
}

/* A failure on a connection: stderr and, with -json, an event line. */
static void log_error(struct server *sv, const char *event, int code, const char *detail) {
  if (!detail || !*detail)
    detail = otls_strerror(code);
  if (!sv->quiet)
    fprintf(stderr, "%s from %s:%d: %s: %s\n", event, sv->remote, sv->remote_port,
            otls_err_name(code), detail);
  if (sv->json) {
    log_event_begin(sv, event);
    json_kv_string(&sv->j, "error", otls_err_name(code));
    json_kv_string(&sv->j, "message", detail);
    json_object_end(&sv->j);
    json_print_line(&sv->j, stdout);
  }
}

static void log_secure(struct server *sv, otls_socket *s) {
  otls_conn *c = otls_socket_conn(s);
  if (!sv->quiet) {
    otls_cipher_info ci = {0};
    otls_conn_cipher(c, &ci);
    const char *ae = otls_conn_authorization_error(c);
    fprintf(stderr, "connection from %s:%d: %s %s%s%s\n", sv->remote, sv->remote_port,
            otls_conn_protocol(c), ci.name ? ci.name : "?", ae ? " verify error " : "",
            ae ? ae : "");
  }
  if (sv->json) {
    log_event_begin(sv, "secureConnection");
    cli_json_tls_info(&sv->j, c);
    json_object_end(&sv->j);
    json_print_line(&sv->j, stdout);
  }
}

/* --- -www ------------------------------------------------------------------ */

/* Index just past the blank line ending the request head, or 0. */
static size_t head_end(const char *b, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (b[i] != '\n')
      continue;
    if (b[i + 1] == '\n')
      return i + 2;
    if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
      return i + 3;
  }
  return 0;
}

/* Does the header `name` (with its colon) exist with a value containing `token`? */
static bool header_has(const char *head, const char *name, const char *token) {
  size_t nl = strlen(name);
  for (const char *p = strchr(head, '\n'); p; p = strchr(p + 1, '\n')) {
    if (strncasecmp(p + 1, name, nl) != 0)
      continue;
    const char *v = p + 1 + nl, *e = strchr(v, '\n');
    size_t vl = e ? (size_t)(e - v) : strlen(v);
    char val[256];
    if (vl >= sizeof(val))
      vl = sizeof(val) - 1;
    memcpy(val, v, vl);
    val[vl] = 0;
    if (strcasestr(val, token))
      return true;
  }
  return false;
}

/*
 * Answer one request head. HTTP/1.1 keeps the connection unless the client
 * says "Connection: close"; HTTP/1.0 only when it says "keep-alive" (RFC
 * 9112 §9.3) — so `openssl s_client` sending a bare HTTP/1.0 request gets
 * its answer and a close instead of a hang.
 */
static int www_answer(struct server *sv, otls_socket *s, const char *req, size_t len,
                      bool *keep) {
  char head[8192];
  if (len >= sizeof(head))
    len = sizeof(head) - 1;
  memcpy(head, req, len);
  head[len] = 0;
  char method[16] = "", target[1024] = "", version[16] = "";
  sscanf(head, "%15s %1023s %15s", method, target, version);
  bool v11 = strcmp(version, "HTTP/1.1") == 0, v10 = strcmp(version, "HTTP/1.0") == 0;
  *keep = (v11 && !header_has(head, "connection:", "close")) ||
          (v10 && header_has(head, "connection:", "keep-alive"));

  otls_conn *c = otls_socket_conn(s);
  char body[1024];
  const char *status = "200 OK";
  int bl;
  if (strcmp(method, "GET") != 0) {
    status = "405 Method Not Allowed";
    *keep = false;
    bl = snprintf(body, sizeof(body), "omnitls s_server: only GET is served\n");
  } else {
    otls_cipher_info ci = {0};
    otls_conn_cipher(c, &ci);
    const char *sni = otls_conn_servername(c), *ae = otls_conn_authorization_error(c);
    bl = snprintf(body, sizeof(body),
                  "omnitls s_server (%s)\n"
                  "Protocol: %s\n"
                  "Cipher: %s\n"
                  "Cipher-Standard-Name: %s\n"
                  "Servername: %s\n"
                  "Client-Certificate: %s\n"
                  "Authorized: %s\n",
                  otls_backend_name(), otls_conn_protocol(c), ci.name ? ci.name : "?",
                  ci.standard_name ? ci.standard_name : "?", sni ? sni : "(none)",
                  otls_conn_peer_cert_count(c) ? "yes" : "no",
                  otls_conn_is_authorized(c) ? "yes" : (ae ? ae : "no"));
  }
  char resp[2048];
  int rl = snprintf(resp, sizeof(resp),
                    "HTTP/1.0 %s\r\n"
                    "Content-Type: text/plain\r\n"
                    "Content-Length: %d\r\n"
                    "Connection: %s\r\n"
                    "\r\n%s",
                    status, bl, *keep ? "keep-alive" : "close", body);
  return cli_write_all(s, resp, (size_t)rl, sv->timeout_ms);
}

static int serve_www(struct server *sv, otls_socket *s) {
  char req[8192];
  size_t have = 0;
  for (;;) {
    size_t end = head_end(req, have);
    if (end) {
      bool keep;
      int rv = www_answer(sv, s, req, end, &keep);
      if (rv < 0 || !keep)
        return rv;
      memmove(req, req + end, have - end);
      have -= end;
      continue;
    }
    if (have == sizeof(req)) {
      static const char big[] = "HTTP/1.0 431 Request Header Fields Too Large\r\n"
                                "Content-Length: 0\r\nConnection: close\r\n\r\n";
      return cli_write_all(s, big, sizeof(big) - 1, sv->timeout_ms);
    }
    int n = cli_read(s, req + have, sizeof(req) - have, sv->timeout_ms);
    if (n <= 0)
      return n;
    have += (size_t)n;
  }
}

static int serve_echo(struct server *sv, otls_socket *s) {
  char buf[16384];
  for (;;) {
    int n = cli_read(s, buf, sizeof(buf), sv->timeout_ms);
    if (n <= 0)
      return n;
    int rv = cli_write_all(s, buf, (size_t)n, sv->timeout_ms);
    if (rv < 0)
      return rv;
  }
}

/* --- the accept loop ------------------------------------------------------- */

/* OCSPRequest: staple -status_file (or nothing). */
static void ocsp_request(otls_conn *c, const uint8_t *cert, size_t cert_len, const uint8_t *issuer,
                         size_t issuer_len, void *user) {
  (void)cert, (void)cert_len, (void)issuer, (void)issuer_len;
  struct server *sv = user;
  (void)otls_conn_ocsp_done(c, sv->ocsp, sv->ocsp_len, 0);
}

static void serve_one(struct server *sv, int lfd) {
  otls_socket_options so;
  otls_socket_options_init(&so);
  so.nonblocking = true;
  so.conn_options = &sv->co;
  otls_socket *s;
  int rv = otls_socket_accept(&s, sv->ctx, lfd, &so);
  if (rv < 0) {
    strcpy(sv->remote, "?");
    sv->remote_port = 0;
    log_error(sv, "error", rv, "accept failed");
    struct timespec ts = {0, 100 * 1000 * 1000}; /* e.g. EMFILE: do not spin */
    nanosleep(&ts, NULL);
    return;
  }
  peer_address(sv, otls_socket_fd(s));
  rv = cli_handshake(s, sv->timeout_ms);
  if (rv < 0) {
    log_error(sv, "tlsClientError", rv, otls_socket_error(s));
    otls_socket_free(s); /* the alert, if any, was sent by the handshake */
    return;
  }
  log_secure(sv, s);
  struct relay_result rr;
  switch (sv->mode) {
  case MODE_WWW:
    rv = serve_www(sv, s);
    break;
  case MODE_ECHO:
    rv = serve_echo(sv, s);
    break;
  default:
    rv = cli_relay(s, STDIN_FILENO, STDOUT_FILENO, &rr);
    break;
  }
  /* A client that just drops TCP (as HTTP clients do between requests) is
   * routine; anything else is worth a line. */
  if (rv < 0 && rv != OTLS_E_TRUNCATED && rv != OTLS_E_CONNRESET)
    log_error(sv, "error", rv, otls_socket_error(s));
  if (rv == 0 || rv == OTLS_E_TIMEDOUT)
    cli_close(s, 2000);
  otls_socket_free(s);
}

static void print_listening(int lfd) {
  struct sockaddr_storage ss;
  socklen_t l = sizeof(ss);
  char addr[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (getsockname(lfd, (struct sockaddr *)&ss, &l) == 0) {
    if (ss.ss_family == AF_INET6) {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
      inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
      port = ntohs(a->sin6_port);
      printf("ACCEPT [%s]:%u\n", addr, port);
    } else {
      struct sockaddr_in *a = (struct sockaddr_in *)&ss;
      inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
      port = ntohs(a->sin_port);
      printf("ACCEPT %s:%u\n", addr, port);
    }
  }
  fflush(stdout);
}

int cmd_s_server(int argc, char **argv) {
  struct cli_args a = {argc, 0, argv, "s_server", synopsis, flags};
  struct cli_tls t = {.reject_unauthorized = false};
  struct server sv = {.mode = MODE_RELAY, .timeout_ms = 30000};
  const char *accept = "4433";
  const char *alpn_list = NULL, *status_file = NULL;
  const char *contexts[32];
  size_t n_contexts = 0;
  uint8_t ticket_keys[OTLS_TICKET_KEYS_LEN];
  int naccept = -1;
  const struct cli_flag *f;
  const char *v;
  while ((f = cli_next(&a, &v)) != NULL) {
    const char *n = f->name;
    if (!strcmp(n, "accept"))
      accept = v;
    else if (!strcmp(n, "cert"))
      t.cert = v;
    else if (!strcmp(n, "key"))
      t.key = v;
    else if (!strcmp(n, "cert_chain"))
      t.cert_chain = v;
    else if (!strcmp(n, "pass"))
      t.pass = v;
    else if (!strcmp(n, "pfx"))
      t.pfx = v;
    else if (!strcmp(n, "dhparam"))
      t.dhparam = v;
    else if (!strcmp(n, "CRL"))
      t.crl = v;
    else if (!strcmp(n, "cipher"))
      t.cipher = v;
    else if (!strcmp(n, "ciphersuites"))
      t.ciphersuites = v;
    else if (!strcmp(n, "curves"))
      t.curves = v;
    else if (!strcmp(n, "CAfile"))
      t.cafile = v;
    else if (!strcmp(n, "verify") || !strcmp(n, "Verify")) {
      (void)cli_int(&a, n, v); /* the depth: the chain limit is the library's */
      t.request_cert = true;
      t.reject_unauthorized = n[0] == 'V';
    } else if (!strcmp(n, "www"))
      sv.mode = MODE_WWW;
    else if (!strcmp(n, "echo"))
      sv.mode = MODE_ECHO;
    else if (!strcmp(n, "naccept"))
      naccept = cli_int(&a, n, v);
    else if (!strcmp(n, "tls1_2"))
      t.min_version = t.max_version = "TLSv1.2";
    else if (!strcmp(n, "tls1_3"))
      t.min_version = t.max_version = "TLSv1.3";
    else if (!strcmp(n, "timeout"))
      sv.timeout_ms = cli_int(&a, n, v);
    else if (!strcmp(n, "json"))
      sv.json = true;
    else if (!strcmp(n, "quiet"))
      sv.quiet = true;
    else if (!strcmp(n, "alpn"))
      alpn_list = v;
    else if (!strcmp(n, "status_file"))
      status_file = v;
    else if (!strcmp(n, "servername_context")) {
      if (n_contexts == sizeof(contexts) / sizeof(contexts[0]))
        cli_usage_error(&a, "-servername_context: at most %zu", n_contexts);
      contexts[n_contexts++] = v;
    } else if (!strcmp(n, "ticket_keys")) {
      if (strlen(v) != 2 * OTLS_TICKET_KEYS_LEN)
        cli_usage_error(&a, "-ticket_keys: need %u hex digits", 2 * OTLS_TICKET_KEYS_LEN);
      for (unsigned i = 0; i < OTLS_TICKET_KEYS_LEN; i++) {
        unsigned x;
        if (sscanf(v + 2 * i, "%2x", &x) != 1)
          cli_usage_error(&a, "-ticket_keys: not hex");
        ticket_keys[i] = (uint8_t)x;
      }
      t.ticket_keys = ticket_keys;
    } else if (!strcmp(n, "no_ticket"))
      t.no_ticket = true;
  }
  if (t.cert == NULL && t.pfx == NULL)
    cli_usage_error(&a, "-cert or -pfx is required");
  if (t.key && !t.cert)
    cli_usage_error(&a, "-key needs -cert");
  if (t.ciphersuites && !*t.ciphersuites)
    cli_usage_error(&a, "-ciphersuites needs at least one suite (limit TLS 1.3 with -tls1_2)");
  char *hp = strdup(accept);
  const char *host, *port;
  if (hp == NULL)
    return EXIT_FAIL;
  if (!cli_split_hostport(hp, true, &host, &port))
    cli_usage_error(&a, "-accept: expected [HOST:]PORT, got '%s'", accept);

  signal(SIGPIPE, SIG_IGN);
  json_init(&sv.j);
  int rc = EXIT_FAIL, lfd = -1;
  char detail[512] = "";
  int rv = cli_context(&sv.ctx, &t, detail, sizeof(detail));
  if (rv < 0) {
    cli_error(rv, detail);
    goto out;
  }
  otls_conn_options_init(&sv.co);
  sv.co.user = &sv;
  if (alpn_list) {
    int n = otls_alpn_encode(alpn_list, sv.alpn, sizeof(sv.alpn));
    if (n < 0)
      cli_usage_error(&a, "-alpn: '%s' is not a list of 1..255-byte names", alpn_list);
    sv.co.alpn_protocols = sv.alpn;
    sv.co.alpn_protocols_len = (size_t)n;
  }
  if (status_file) {
    if (!otls_backend_has(OTLS_CAP_OCSP_STAPLE)) {
      cli_error(OTLS_E_UNSUPPORTED, "-status_file: this backend cannot staple OCSP responses");
      goto out;
    }
    if ((sv.ocsp = cli_read_file(status_file, &sv.ocsp_len)) == NULL) {
      snprintf(detail, sizeof(detail), "-status_file: cannot read '%s'", status_file);
      cli_error(OTLS_E_FILE, detail);
      goto out;
    }
    sv.co.ocsp_request = ocsp_request;
  }
  for (size_t i = 0; i < n_contexts; i++) {
    /* NAME:CERT:KEY, the other settings as for the default context. */
    char *spec = strdup(contexts[i]);
    char *cert = spec ? strchr(spec, ':') : NULL;
    char *key = cert ? strchr(cert + 1, ':') : NULL;
    if (key == NULL)
      cli_usage_error(&a, "-servername_context: expected NAME:CERT:KEY, got '%s'", contexts[i]);
    *cert++ = 0;
    *key++ = 0;
    struct cli_tls ct = t;
    ct.cert = cert;
    ct.key = key;
    ct.cert_chain = NULL;
    ct.pfx = NULL;
    otls_context *ctx = NULL;
    rv = cli_context(&ctx, &ct, detail, sizeof(detail));
    if (rv == 0 && sv.sni == NULL)
      rv = otls_sni_map_new(&sv.sni);
    if (rv == 0)
      rv = otls_sni_map_add(sv.sni, spec, ctx);
    otls_context_free(ctx);
    free(spec);
    if (rv < 0) {
      cli_error(rv, detail);
      goto out;
    }
  }
  sv.co.sni_map = sv.sni;
  lfd = otls_socket_listen(host, port, 64);
  if (lfd < 0) {
    snprintf(detail, sizeof(detail), "cannot listen on %s:%s", host ? host : "*", port);
    cli_error(lfd, detail);
    goto out;
  }
  print_listening(lfd);
  for (int i = 0; naccept < 0 || i < naccept; i++)
    serve_one(&sv, lfd);
  rc = EXIT_OK;
out:
  if (lfd >= 0)
    close(lfd);
  otls_context_free(sv.ctx);
  otls_sni_map_free(sv.sni);
  free(sv.ocsp);
  json_free(&sv.j);
  free(hp);
  return rc;
}
