/* omnitls CLI — shared helpers (cli.h). */
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- exit status and error names ------------------------------------------ */

const char *cli_prog = "omnitls";

const char cli_exit_status_help[] =
    "  0   success\n"
    "  1   the operation failed: TLS, certificate verification, network or file\n"
    "      error; stderr says which: \"error: NAME: detail (OTLS_E_...)\"\n"
    "  2   bad command line (unknown option, missing value or operand)\n"
    "  77  not supported by this backend (OTLS_E_UNSUPPORTED)\n";

static const struct {
  int code;
  const char *ident;
} errno_idents[] = {
#define IDENT(suffix, value, name, msg) {OTLS_E_##suffix, "OTLS_E_" #suffix},
    OTLS_ERRNO_MAP(IDENT)
#undef IDENT
};

const char *cli_errno_ident(int code) {
  for (size_t i = 0; i < sizeof(errno_idents) / sizeof(errno_idents[0]); i++)
    if (errno_idents[i].code == code)
      return errno_idents[i].ident;
  return "OTLS_E_?";
}

int cli_errno_by_name(const char *name) {
  if (name == NULL)
    return 0;
  for (size_t i = 0; i < sizeof(errno_idents) / sizeof(errno_idents[0]); i++)
    if (strcmp(otls_err_name(errno_idents[i].code), name) == 0)
      return errno_idents[i].code;
  return 0;
}

int cli_exit_status(int code) {
  return code == OTLS_E_UNSUPPORTED ? EXIT_UNSUPPORTED : EXIT_FAIL;
}

/* --- the command line ---------------------------------------------------- */

/* `text` word-wrapped to 79 columns, continuation lines indented by `indent`. */
static void put_wrapped(FILE *f, const char *text, int col, int indent) {
  const char *p = text;
  while (*p) {
    const char *sp = strchr(p, ' ');
    size_t w = sp ? (size_t)(sp - p) : strlen(p);
    if (col > indent && col + 1 + (int)w > 79) {
      fprintf(f, "\n%*s", indent, "");
      col = indent;
    } else if (col > indent) {
      fputc(' ', f);
      col++;
    }
    fwrite(p, 1, w, f);
    col += (int)w;
    p += w;
    while (*p == ' ')
      p++;
  }
  fputc('\n', f);
}

void cli_usage(FILE *f, const struct cli_args *a) {
  fprintf(f, "usage: %s %s %s\n", cli_prog, a->cmd, a->synopsis);
  if (a->about) {
    fputc('\n', f);
    /* Paragraphs separated by '\n' in `about`. */
    const char *p = a->about;
    while (*p) {
      const char *nl = strchr(p, '\n');
      size_t n = nl ? (size_t)(nl - p) : strlen(p);
      char para[1024];
      if (n >= sizeof(para))
        n = sizeof(para) - 1;
      memcpy(para, p, n);
      para[n] = 0;
      if (n)
        put_wrapped(f, para, 0, 0);
      else
        fputc('\n', f);
      p += n + (nl != NULL);
    }
  }
  fprintf(f, "\noptions:\n");
  for (const struct cli_flag *fl = a->flags; fl && fl->name; fl++) {
    char left[64];
    int n = snprintf(left, sizeof(left), "  -%s%s%s", fl->name, fl->arg ? " " : "",
                     fl->arg ? fl->arg : "");
    if (n > 26) { /* a long flag: its help on the next line */
      fprintf(f, "%s\n%*s", left, 28, "");
    } else {
      fprintf(f, "%-28s", left);
    }
    put_wrapped(f, fl->help, 28, 28);
  }
  fprintf(f, "%-28s%s\n", "  -help, --help, -h", "print this help and exit");
  fprintf(f, "\nexit status:\n%s", cli_exit_status_help);
}

void cli_usage_error(const struct cli_args *a, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s %s: ", cli_prog, a->cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nsee '%s %s --help'\n", cli_prog, a->cmd);
  exit(EXIT_USAGE);
}

const struct cli_flag *cli_next(struct cli_args *a, const char **val) {
  *val = NULL;
  for (;;) {
    if (a->i >= a->argc)
      return NULL;
    const char *arg = a->argv[a->i++];
    bool operand = a->no_more_flags || arg[0] != '-' || arg[1] == 0;
    if (!operand && strcmp(arg, "--") == 0) {
      a->no_more_flags = true;
      continue;
    }
    if (operand) {
      if (a->noperands >= a->max_operands || a->noperands >= CLI_MAX_OPERANDS)
        cli_usage_error(a, "unexpected argument '%s'", arg);
      a->operands[a->noperands++] = arg;
      continue;
    }
    if (strcmp(arg, "-help") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      cli_usage(stdout, a);
      exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL);
    }
    const char *name = arg + 1;
    if (*name == '-') /* --flag is accepted as -flag */
      name++;
    for (const struct cli_flag *fl = a->flags; fl->name; fl++) {
      if (strcmp(fl->name, name) != 0)
        continue;
      if (fl->arg) {
        if (a->i >= a->argc)
          cli_usage_error(a, "option -%s needs a value (%s)", fl->name, fl->arg);
        *val = a->argv[a->i++];
      }
      return fl;
    }
    cli_usage_error(a, "unknown option '%s'", arg);
  }
}

int cli_int(const struct cli_args *a, const char *flag, const char *val) {
  char *end;
  errno = 0;
  long v = strtol(val, &end, 10);
  if (errno || end == val || *end || v < 0 || v > 1000000000L)
    cli_usage_error(a, "option -%s: '%s' is not a non-negative integer", flag, val);
  return (int)v;
}

bool cli_split_hostport(char *s, bool allow_port_only, const char **host, const char **port) {
  *host = NULL;
  *port = NULL;
  if (s == NULL || *s == 0)
    return false;
  char *colon;
  if (s[0] == '[') { /* [v6]:port */
    char *close = strchr(s, ']');
    if (close == NULL || close[1] != ':' || close[2] == 0)
      return false;
    *close = 0;
    *host = s + 1;
    *port = close + 2;
    return **host != 0;
  }
  colon = strrchr(s, ':');
  if (colon == NULL) {
    if (!allow_port_only)
      return false;
    *port = s;
    return true;
  }
  if (strchr(s, ':') != colon) /* a bare IPv6 address needs brackets */
    return false;
  *colon = 0;
  *host = *s ? s : NULL;
  *port = colon + 1;
  return **port != 0 && (*host != NULL || allow_port_only);
}

/* --- the secure context ---------------------------------------------------- */

/* openssl's -pass syntax. Returns a malloc'ed passphrase or NULL. */
static char *passphrase(const char *spec, const char *prog) {
  if (spec == NULL)
    return NULL;
  if (strncmp(spec, "pass:", 5) == 0)
    return strdup(spec + 5);
  if (strncmp(spec, "env:", 4) == 0) {
    const char *v = getenv(spec + 4);
    if (v == NULL)
      fprintf(stderr, "%s: warning: environment variable %s is not set\n", prog, spec + 4);
    return strdup(v ? v : "");
  }
  if (strncmp(spec, "file:", 5) == 0) {
    FILE *f = fopen(spec + 5, "r");
    char line[1024] = "";
    if (f == NULL) {
      fprintf(stderr, "%s: warning: cannot open %s: %s\n", prog, spec + 5, strerror(errno));
      return strdup("");
    }
    if (fgets(line, sizeof(line), f) == NULL)
      line[0] = 0;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    return strdup(line);
  }
  return strdup(spec);
}

char *cli_ciphers(const char *cipher, const char *ciphersuites, bool *oom) {
  *oom = false;
  if (ciphersuites == NULL) {
    if (cipher == NULL)
      return NULL;
    char *copy = strdup(cipher);
    *oom = copy == NULL;
    return copy;
  }
  /* The TLS <= 1.2 part: -cipher, else the default string minus its TLS_ names. */
  const char *base = cipher ? cipher : otls_default_ciphers();
  size_t cap = strlen(ciphersuites) + strlen(base) + 2;
  char *out = malloc(cap), *copy = strdup(base);
  if (out == NULL || copy == NULL) {
    free(out);
    free(copy);
    *oom = true;
    return NULL;
  }
  size_t used = (size_t)snprintf(out, cap, "%s", ciphersuites);
  char *save = NULL;
  for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
    if (cipher == NULL && strncmp(tok, "TLS_", 4) == 0)
      continue;
    used += (size_t)snprintf(out + used, cap - used, ":%s", tok);
  }
  free(copy);
  return out;
}

int cli_context(otls_context **out, const struct cli_tls *t, char *detail, size_t detail_len) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source cert, key, ca, pfx, crl, dh;
  char *chain = NULL;
  size_t chain_len = 0;
  int rv = OTLS_E_NOMEM;
  *out = NULL;
  if (t->cert && t->cert_chain) {
    /* One chain for the one key: -cert, then -cert_chain. */
    size_t al = 0, bl = 0;
    char *a = (char *)cli_read_file(t->cert, &al), *b = NULL;
    bool first = a != NULL;
    if (!first || (b = (char *)cli_read_file(t->cert_chain, &bl)) == NULL) {
      snprintf(detail, detail_len, "cannot read '%s'", first ? t->cert_chain : t->cert);
      free(a);
      return OTLS_E_FILE;
    }
    chain = malloc(al + bl + 1);
    if (chain) {
      memcpy(chain, a, al);
      chain[al] = '\n';
      memcpy(chain + al + 1, b, bl);
      chain_len = al + bl + 1;
    }
    free(a);
    free(b);
    if (chain == NULL)
      return OTLS_E_NOMEM;
    cert = otls_source_mem(chain, chain_len);
  } else if (t->cert) {
    cert = otls_source_file(t->cert);
  }
  if (t->cert) {
    o.cert = &cert;
    o.cert_count = 1;
    key = otls_source_file(t->key ? t->key : t->cert);
    o.key = &key;
    o.key_count = 1;
  }
  if (t->pfx) {
    pfx = otls_source_file(t->pfx);
    o.pfx = &pfx;
    o.pfx_count = 1;
  }
  if (t->cafile) {
    ca = otls_source_file(t->cafile);
    o.ca = &ca;
    o.ca_count = 1;
  }
  if (t->crl) {
    crl = otls_source_file(t->crl);
    o.crl = &crl;
    o.crl_count = 1;
  }
  if (t->dhparam) {
    dh = otls_source_file(t->dhparam);
    o.dhparam = &dh;
  }
  bool oom;
  char *ciphers = cli_ciphers(t->cipher, t->ciphersuites, &oom);
  char *pass = passphrase(t->pass, "omnitls");
  if (oom || (t->pass && pass == NULL))
    goto out;
  o.ciphers = ciphers;
  o.ecdh_curve = t->curves;
  o.passphrase = pass;
  o.min_version = t->min_version;
  o.max_version = t->max_version;
  o.reject_unauthorized = t->reject_unauthorized;
  o.request_cert = t->request_cert;
  if (t->ticket_keys) {
    o.ticket_keys = t->ticket_keys;
    o.ticket_keys_len = OTLS_TICKET_KEYS_LEN;
  }
  if (t->no_ticket)
    o.secure_options |= OTLS_OP_NO_TICKET;
  rv = otls_context_new(out, &o, detail, detail_len);
out:
  if (pass) {
    memset(pass, 0, strlen(pass));
    free(pass);
  }
  free(ciphers);
  free(chain);
  return rv;
}

/* --- driving a non-blocking socket ---------------------------------------- */

long long cli_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cli_wait(otls_socket *s, int want, int timeout_ms) {
  struct pollfd p = {.fd = otls_socket_fd(s),
                     .events = want == OTLS_E_WANT_WRITE ? POLLOUT : POLLIN};
  long long deadline = timeout_ms >= 0 ? cli_now_ms() + timeout_ms : 0;
  for (;;) {
    int ms = -1;
    if (timeout_ms >= 0) {
      long long left = deadline - cli_now_ms();
      if (left <= 0)
        return OTLS_E_TIMEDOUT;
      ms = (int)left;
    }
    int n = poll(&p, 1, ms);
    if (n > 0)
      return 0;
    if (n == 0)
      return OTLS_E_TIMEDOUT;
    if (errno != EINTR)
      return OTLS_E_SYSCALL;
  }
}

/* Time left before `deadline` (0 = none): -1 for "forever", 0 when passed. */
static int left_ms(long long deadline) {
  if (deadline == 0)
    return -1;
  long long l = deadline - cli_now_ms();
  return l <= 0 ? 0 : (int)l;
}

static bool is_want(int rv) { return rv == OTLS_E_WANT_READ || rv == OTLS_E_WANT_WRITE; }

int cli_handshake(otls_socket *s, int timeout_ms) {
  long long deadline = timeout_ms > 0 ? cli_now_ms() + timeout_ms : 0;
  for (;;) {
    int rv = otls_socket_handshake(s);
    if (!is_want(rv))
      return rv;
    int w = cli_wait(s, rv, left_ms(deadline));
    if (w == OTLS_E_TIMEDOUT)
      return OTLS_E_HANDSHAKE_TIMEOUT;
    if (w < 0)
      return w;
  }
}

int cli_read(otls_socket *s, void *buf, size_t len, int timeout_ms) {
  long long deadline = timeout_ms > 0 ? cli_now_ms() + timeout_ms : 0;
  for (;;) {
    int rv = otls_socket_read(s, buf, len);
    if (!is_want(rv))
      return rv;
    int w = cli_wait(s, rv, left_ms(deadline));
    if (w < 0)
      return w;
  }
}

int cli_write_all(otls_socket *s, const void *buf, size_t len, int timeout_ms) {
  long long deadline = timeout_ms > 0 ? cli_now_ms() + timeout_ms : 0;
  const char *p = buf;
  for (;;) {
    int rv = len ? otls_socket_write(s, p, len) : otls_socket_flush(s);
    if (rv >= 0 && len) {
      p += rv;
      len -= (size_t)rv;
      continue;
    }
    if (rv >= 0)
      return 0; /* everything written and flushed */
    if (!is_want(rv))
      return rv;
    int w = cli_wait(s, rv, left_ms(deadline));
    if (w < 0)
      return w;
  }
}

int cli_close(otls_socket *s, int linger_ms) {
  long long deadline = cli_now_ms() + (linger_ms > 0 ? linger_ms : 0);
  int rv;
  for (;;) {
    rv = otls_socket_close(s);
    if (!is_want(rv))
      break;
    if (cli_wait(s, rv, left_ms(deadline)) < 0)
      return OTLS_E_TIMEDOUT;
  }
  if (rv < 0 || otls_conn_is_peer_closed(otls_socket_conn(s)))
    return rv;
  /* Drain until the peer's close_notify or EOF: closing with unread input
   * would send a TCP reset, which can destroy data still in flight to it. */
  char scratch[4096];
  for (;;) {
    int n = otls_socket_read(s, scratch, sizeof(scratch));
    if (n > 0)
      continue;
    if (!is_want(n))
      break;
    if (cli_wait(s, n, left_ms(deadline)) < 0)
      break;
  }
  return 0;
}

void cli_error(int code, const char *detail) {
  fprintf(stderr, "error: %s: %s (%s)\n", otls_err_name(code),
          detail && *detail ? detail : otls_strerror(code), cli_errno_ident(code));
}

/* --- describing a connection ----------------------------------------------- */

/*
 * Node.js: tlsSocket.getPeerCertificate(). For now only `raw` (the leaf's
 * DER, base64); the full certificate object comes with the certificate API.
 * An empty object when the peer sent no certificate, as Node returns.
 */
/* Node's getPeerCertificate() object, as JSON.stringify prints it; {} when none. */
static void json_peer_certificate(struct json *j, otls_conn *c) {
  otls_cert *cert = NULL;
  char *text = NULL;
  size_t len = 0;
  if (otls_cert_peer(c, false, &cert) == 0 && cert != NULL &&
      otls_cert_to_json(cert, &text, &len) == 0) {
    json_raw(j, text, len);
  } else {
    json_object_begin(j);
    json_object_end(j);
  }
  free(text);
  otls_cert_free(cert);
}

void cli_json_tls_info(struct json *j, otls_conn *c) {
  json_kv_string(j, "protocol", otls_conn_protocol(c));
  json_key(j, "cipher");
  otls_cipher_info ci;
  if (otls_conn_cipher(c, &ci) == 0) {
    json_object_begin(j);
    json_kv_string(j, "name", ci.name);
    json_kv_string(j, "standardName", ci.standard_name);
    json_kv_string(j, "version", ci.version);
    json_object_end(j);
  } else {
    json_null(j);
  }
  size_t alpn_len = 0;
  const uint8_t *alpn = otls_conn_alpn_protocol(c, &alpn_len);
  if (alpn) {
    char name[256];
    memcpy(name, alpn, alpn_len);
    name[alpn_len] = 0;
    json_kv_string(j, "alpnProtocol", name);
  } else {
    json_kv_bool(j, "alpnProtocol", false);
  }
  json_kv_string_or_false(j, "servername", otls_conn_servername(c));
  json_kv_bool(j, "authorized", otls_conn_is_authorized(c));
  json_kv_string(j, "authorizationError", otls_conn_authorization_error(c));
  json_kv_bool(j, "isSessionReused", otls_conn_is_session_reused(c));
  if (!otls_conn_is_server(c))
    json_kv_int(j, "tickets", (long)otls_conn_tickets(c));
  json_key(j, "peerCertificate");
  json_peer_certificate(j, c);
}

void cli_json_error_begin(struct json *j, int code, const char *message) {
  json_reset(j);
  json_object_begin(j);
  json_kv_string(j, "error", otls_err_name(code));
  json_kv_string(j, "message", message && *message ? message : otls_strerror(code));
  json_kv_string(j, "otlsCode", cli_errno_ident(code));
}

/* --- relaying ------------------------------------------------------------------- */

static int write_fd_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/*
 * Copy `in_fd` (plaintext, e.g. stdin; -1 for none) to the TLS socket and the
 * socket's plaintext to `out_fd`, like `openssl s_client`: at the end of
 * `in_fd` send close_notify (unless !close_at_eof: -ign_eof) and keep
 * reading until the peer closes.
 * Returns 0 when the peer closed cleanly (close_notify), or an error.
 * The socket must be non-blocking and past its handshake.
 */
int cli_relay(otls_socket *s, int in_fd, int out_fd, bool close_at_eof, struct relay_result *res) {
  char in[16384], out[16384];
  size_t in_off = 0, in_len = 0;
  bool in_eof = in_fd < 0;
  memset(res, 0, sizeof(*res));
  for (;;) {
    bool want_out = false;
    /* input -> TLS */
    while (in_off < in_len) {
      int n = otls_socket_write(s, in + in_off, in_len - in_off);
      if (n >= 0) {
        in_off += (size_t)n;
        continue;
      }
      if (n == OTLS_E_WANT_WRITE) {
        want_out = true;
        break;
      }
      if (n != OTLS_E_WANT_READ)
        return n;
      break;
    }
    if (in_off == in_len)
      in_off = in_len = 0;
    if (in_eof && in_len == 0 && close_at_eof && !res->sent_close) {
      int rv = otls_socket_close(s);
      if (rv == 0)
        res->sent_close = true;
      else if (rv == OTLS_E_WANT_WRITE)
        want_out = true;
      else if (rv != OTLS_E_WANT_READ)
        return rv;
    }
    /* TLS -> output */
    for (;;) {
      int n = otls_socket_read(s, out, sizeof(out));
      if (n > 0) {
        if (out_fd >= 0 && write_fd_all(out_fd, out, (size_t)n) < 0)
          return OTLS_E_PIPE;
        continue;
      }
      if (n == 0) {
        res->peer_closed = true;
        if (!res->sent_close) {
          /* Answer the peer's close_notify with ours. */
          res->sent_close = cli_close(s, 1000) == 0;
        }
        return 0;
      }
      if (n == OTLS_E_WANT_WRITE) {
        want_out = true;
        break;
      }
      if (n == OTLS_E_WANT_READ)
        break;
      return n;
    }
    if (otls_conn_pending_output(otls_socket_conn(s)) > 0)
      want_out = true;

    struct pollfd p[2] = {
        {.fd = otls_socket_fd(s), .events = (short)(POLLIN | (want_out ? POLLOUT : 0))},
        {.fd = in_fd, .events = POLLIN},
    };
    nfds_t nfds = (!in_eof && in_len == 0) ? 2 : 1;
    if (poll(p, nfds, -1) < 0) {
      if (errno == EINTR)
        continue;
      return OTLS_E_SYSCALL;
    }
    if (nfds == 2 && p[1].revents) {
      ssize_t r = read(in_fd, in, sizeof(in));
      if (r > 0)
        in_len = (size_t)r;
      else if (r == 0 || (errno != EINTR && errno != EAGAIN))
        in_eof = true;
    }
    if (p[0].revents & POLLOUT) {
      int rv = otls_socket_flush(s);
      if (rv < 0 && !is_want(rv))
        return rv;
    }
  }
}

void cli_json_ephemeral_key_info(struct json *j, otls_conn *c) {
  otls_ephemeral_key_info k;
  if (otls_conn_ephemeral_key_info(c, &k) < 0)
    return;
  json_key(j, "ephemeralKeyInfo");
  json_object_begin(j);
  if (k.type) {
    json_kv_string(j, "type", k.type);
    if (k.name)
      json_kv_string(j, "name", k.name);
    json_kv_int(j, "size", k.size);
  }
  json_object_end(j);
}

uint8_t *cli_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 8192, n = 0;
  uint8_t *buf = malloc(cap + 1);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) {
        free(buf);
        buf = NULL;
      }
      break;
    }
    if (n == cap) {
      uint8_t *b = cap < (64u << 20) ? realloc(buf, cap * 2 + 1) : NULL;
      if (b == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = b;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf) {
    buf[n] = 0;
    *len = n;
  }
  return buf;
}

void cli_json_hex(struct json *j, const char *key, const uint8_t *p, size_t n) {
  if (p == NULL) {
    json_key(j, key);
    json_null(j);
    return;
  }
  char *hex = malloc(2 * n + 1);
  if (hex == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    snprintf(hex + 2 * i, 3, "%02x", p[i]);
  hex[2 * n] = 0;
  json_kv_string(j, key, hex);
  free(hex);
}

void cli_json_conn_extras(struct json *j, otls_conn *c) {
  uint8_t fin[64];
  int n = otls_conn_finished(c, false, fin, sizeof(fin));
  cli_json_hex(j, "finished", n > 0 ? fin : NULL, n > 0 ? (size_t)n : 0);
  n = otls_conn_finished(c, true, fin, sizeof(fin));
  cli_json_hex(j, "peerFinished", n > 0 ? fin : NULL, n > 0 ? (size_t)n : 0);
  size_t len = 0;
  const uint8_t *ocsp = otls_conn_ocsp_response(c, &len);
  cli_json_hex(j, "ocspResponse", ocsp, len);
}

/* --- printing for people ----------------------------------------------------- */

void cli_put_safe(FILE *f, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch == 0x7f)
      fprintf(f, "\\x%02x", ch);
    else
      fputc(ch, f);
  }
}

void cli_put_name(FILE *f, const otls_cert_name_entry *e, int n) {
  if (n <= 0) {
    fputs(n == 0 ? "(empty)" : "(undecodable)", f);
    return;
  }
  for (int i = 0; i < n; i++) {
    /* Attributes of one multi-valued RDN are joined with '+', as RFC 4514 does. */
    if (i)
      fputs(e[i].rdn == e[i - 1].rdn ? " + " : ", ", f);
    cli_put_safe(f, e[i].type, strlen(e[i].type));
    fputc('=', f);
    cli_put_safe(f, e[i].value, e[i].value_len);
  }
}

static void put_line(FILE *f, const char *indent, const char *label, const char *value) {
  fprintf(f, "%s%-22s", indent, label);
  cli_put_safe(f, value, strlen(value));
  fputc('\n', f);
}

void cli_print_cert(FILE *f, const otls_cert *cert, const char *indent) {
  const otls_cert_name_entry *e;
  int n = otls_cert_subject_name(cert, &e);
  fprintf(f, "%s%-22s", indent, "Subject:");
  cli_put_name(f, e, n);
  fputc('\n', f);
  n = otls_cert_issuer_name(cert, &e);
  fprintf(f, "%s%-22s", indent, "Issuer:");
  cli_put_name(f, e, n);
  fputc('\n', f);
  const char *from = otls_cert_valid_from(cert), *to = otls_cert_valid_to(cert);
  put_line(f, indent, "Not Before:", from ? from : "?");
  put_line(f, indent, "Not After:", to ? to : "?");
  const char *serial = otls_cert_serial_number(cert);
  put_line(f, indent, "Serial Number:", serial ? serial : "?");
  const char *san = otls_cert_subjectaltname(cert);
  if (san)
    put_line(f, indent, "Subject Alt Names:", san);
  const char *curve = otls_cert_asn1_curve(cert);
  int bits = otls_cert_bits(cert);
  if (otls_cert_modulus(cert))
    fprintf(f, "%s%-22sRSA %d bits, exponent %s\n", indent, "Public Key:", bits,
            otls_cert_exponent(cert) ? otls_cert_exponent(cert) : "?");
  else if (curve)
    fprintf(f, "%s%-22sEC %s (%d bits)\n", indent, "Public Key:", curve, bits);
  else
    fprintf(f, "%s%-22sother (not RSA or EC on a named curve)\n", indent, "Public Key:");
  put_line(f, indent, "CA:", otls_cert_is_ca(cert) ? "yes" : "no");
  if (otls_cert_has_ext_key_usage(cert)) {
    const char *const *oids = NULL;
    size_t k = otls_cert_ext_key_usage(cert, &oids);
    fprintf(f, "%s%-22s", indent, "Ext Key Usage:");
    for (size_t i = 0; i < k; i++) {
      /* The two a TLS user looks for, by name; the others as OIDs. */
      const char *o = oids[i];
      const char *name = !strcmp(o, "1.3.6.1.5.5.7.3.1")   ? "serverAuth"
                         : !strcmp(o, "1.3.6.1.5.5.7.3.2") ? "clientAuth"
                                                           : NULL;
      fprintf(f, "%s", i ? ", " : "");
      if (name)
        fprintf(f, "%s (%s)", name, o);
      else
        cli_put_safe(f, o, strlen(o));
    }
    fputc('\n', f);
  }
  const char *fp1 = otls_cert_fingerprint(cert), *fp256 = otls_cert_fingerprint256(cert);
  if (fp1)
    put_line(f, indent, "SHA-1 Fingerprint:", fp1);
  if (fp256)
    put_line(f, indent, "SHA-256 Fingerprint:", fp256);
}
