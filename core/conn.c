/*
 * omnitls — the sans-IO connection (DESIGN.md §2). Owns the ciphertext
 * buffers, drives the backend, and makes the decisions a user can observe:
 * which error a failure is, whether the peer is authorized.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_PEER_CHAIN 16

void otls_conn_options_init(otls_conn_options *opts) {
  if (opts == NULL)
    return;
  memset(opts, 0, sizeof(*opts));
  opts->version = OTLS_CONN_OPTIONS_VERSION;
  opts->reject_unauthorized = -1;
}

void otls__conn_set_error(struct otls_conn *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, sizeof(c->err), fmt, ap);
  va_end(ap);
}

static bool is_ip_literal(const char *s) {
  uint8_t buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int otls_conn_new(otls_conn **out, otls_context *ctx, const otls_conn_options *opts) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  otls_conn_options defaults;
  if (opts == NULL) {
    otls_conn_options_init(&defaults);
    opts = &defaults;
  }
  if (ctx == NULL || opts->version == 0 || opts->version > OTLS_CONN_OPTIONS_VERSION ||
      opts->reject_unauthorized < -1 || opts->reject_unauthorized > 1)
    return OTLS_E_INVAL;
  if (opts->is_server && !ctx->has_cert)
    return OTLS_E_INVAL;
  struct otls_conn *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return OTLS_E_NOMEM;
  c->ctx = otls_context_ref(ctx);
  c->is_server = opts->is_server;
  c->reject_unauthorized =
      opts->reject_unauthorized < 0 ? ctx->reject_unauthorized : opts->reject_unauthorized == 1;
  /*
   * minDHSize: Node's default is 1024 (lib/_tls_wrap.js), which is also
   * every engine's own floor (OpenSSL's security level 1); a smaller value
   * acts as 1024, so that no engine accepts what another refuses.
   */
  c->min_dh_size = opts->min_dh_size > 1024 ? opts->min_dh_size : 1024;
  int rv = OTLS_E_NOMEM;
  const char *sni = NULL;
  if (!c->is_server) {
    const char *host = opts->host ? opts->host : opts->servername;
    if (host && *host && (c->host = strdup(host)) == NULL)
      goto out_free;
    /* RFC 6066 §3: literal IP addresses are not permitted in SNI. */
    if (opts->servername && *opts->servername && !is_ip_literal(opts->servername)) {
      if ((c->servername = strdup(opts->servername)) == NULL)
        goto out_free;
      sni = c->servername;
    }
  }
  rv = otls__backend.conn_new(&c->bc, ctx->bctx, c, c->is_server, sni);
  if (rv < 0) {
    c->bc = NULL;
    goto out_free;
  }
  *out = c;
  return 0;
out_free:
  otls_conn_free(c);
  return rv;
}

void otls_conn_free(otls_conn *c) {
  if (c == NULL)
    return;
  if (c->bc)
    otls__backend.conn_free(c->bc);
  otls__buf_free(&c->in);
  otls__buf_free(&c->out);
  otls__der_list_clear(&c->peer_chain);
  free(c->servername);
  free(c->host);
  otls_context_free(c->ctx);
  free(c);
}

/* --- transport services for the backend --------------------------------- */

long otls__tx_recv(struct otls_conn *c, void *buf, size_t len) {
  size_t n = otls__buf_take(&c->in, buf, len);
  if (n > 0)
    return (long)n;
  return c->in_eof ? -1 : 0;
}

long otls__tx_send(struct otls_conn *c, const void *buf, size_t len) {
  if (otls__buf_append(&c->out, buf, len) < 0)
    return -1;
  return (long)len;
}

bool otls__tx_eof(const struct otls_conn *c) { return c->in_eof && otls__buf_len(&c->in) == 0; }

/* --- moving ciphertext ---------------------------------------------------- */

int otls_conn_feed(otls_conn *c, const void *data, size_t len) {
  if (c == NULL || (data == NULL && len > 0))
    return OTLS_E_INVAL;
  if (c->in_eof)
    return OTLS_E_STATE;
  size_t have = otls__buf_len(&c->in);
  size_t room = have >= OTLS_CONN_INPUT_MAX ? 0 : OTLS_CONN_INPUT_MAX - have;
  if (len > room)
    len = room;
  if (len > INT_MAX)
    len = INT_MAX;
  if (otls__buf_append(&c->in, data, len) < 0)
    return OTLS_E_NOMEM;
  return (int)len;
}

int otls_conn_feed_eof(otls_conn *c) {
  if (c == NULL)
    return OTLS_E_INVAL;
  c->in_eof = true;
  return 0;
}

const uint8_t *otls_conn_output(otls_conn *c, size_t *len) {
  size_t n = c ? otls__buf_len(&c->out) : 0;
  if (len)
    *len = n;
  return n ? otls__buf_peek(&c->out) : NULL;
}

void otls_conn_consume(otls_conn *c, size_t n) {
  if (c)
    otls__buf_consume(&c->out, n);
}

size_t otls_conn_take(otls_conn *c, void *buf, size_t cap) {
  if (c == NULL || buf == NULL)
    return 0;
  return otls__buf_take(&c->out, buf, cap);
}

size_t otls_conn_pending_output(const otls_conn *c) { return c ? otls__buf_len(&c->out) : 0; }

unsigned otls_conn_wants(const otls_conn *c) {
  if (c == NULL)
    return OTLS_WANTS_CLOSED;
  unsigned w = 0;
  if (otls__buf_len(&c->out))
    w |= OTLS_WANTS_WRITE;
  if (c->state == CONN_FAILED || (c->peer_closed && c->shut) ||
      (c->in_eof && otls__buf_len(&c->in) == 0 && c->state != CONN_OPEN) ||
      (c->state == CONN_OPEN && c->in_eof && c->peer_closed))
    return w | OTLS_WANTS_CLOSED;
  if (!c->peer_closed && !c->in_eof)
    w |= OTLS_WANTS_READ;
  return w;
}

/* --- failures -------------------------------------------------------------- */

/*
 * One error per failure, whatever the backend: a fatal alert received is
 * OTLS_E_PEER_ALERT; an alert we sent names the local reason (DESIGN.md §4).
 */
static int normalize_failure(struct otls_conn *c, int rv) {
  bool sent = false;
  int alert = otls__backend.alert ? otls__backend.alert(c->bc, &sent) : -1;
  if (rv == OTLS_E_TRUNCATED && c->state == CONN_HANDSHAKE)
    return OTLS_E_CONNRESET;
  if (alert > 0 && !sent)
    return OTLS_E_PEER_ALERT;
  if (alert > 0 && sent) {
    switch (alert) {
    case 70: /* protocol_version */
      return OTLS_E_VERSION_MISMATCH;
    case 116: /* certificate_required */
      return OTLS_E_PEER_CERT_REQUIRED;
    case 40: /* handshake_failure */
      if (rv == OTLS_E_NO_SHARED_CIPHER || rv == OTLS_E_PEER_CERT_REQUIRED ||
          rv == OTLS_E_VERSION_MISMATCH)
        return rv;
      return OTLS_E_HANDSHAKE;
    case 10: case 20: case 22: case 47: case 50: case 51:
      return OTLS_E_PROTOCOL;
    }
  }
  return rv;
}

static int fail(struct otls_conn *c, int rv) {
  rv = normalize_failure(c, rv);
  c->state = CONN_FAILED;
  c->fatal = rv;
  bool sent = false;
  int alert = otls__backend.alert ? otls__backend.alert(c->bc, &sent) : -1;
  if (alert > 0) {
    char prev[OTLS__ERRBUF];
    memcpy(prev, c->err, sizeof(prev));
    const char *an = otls_alert_name(alert);
    otls__conn_set_error(c, "%s: alert %d (%s) %s; %s", otls_err_name(rv), alert,
                         an ? an : "unknown", sent ? "sent" : "received", prev);
  } else if (c->err[0] == 0) {
    otls__conn_set_error(c, "%s", otls_strerror(rv));
  }
  return rv;
}

/* --- the handshake ----------------------------------------------------- */

/* Verification policy, decided here for every backend (DESIGN.md §1). */
static int after_handshake(struct otls_conn *c) {
  struct otls__blob chain[MAX_PEER_CHAIN];
  size_t n = otls__backend.peer_chain(c->bc, chain, MAX_PEER_CHAIN);
  for (size_t i = 0; i < n; i++)
    if (otls__der_list_add(&c->peer_chain, chain[i].data, chain[i].len) < 0)
      return fail(c, OTLS_E_NOMEM);
  if (c->is_server && otls__backend.servername) {
    const char *sn = otls__backend.servername(c->bc);
    if (sn && (c->servername = strdup(sn)) == NULL)
      return fail(c, OTLS_E_NOMEM);
  }
  /* minDHSize comes first, as in Node's onConnectSecure(). */
  int dh = otls__conn_check_min_dh(c);
  if (dh < 0)
    return fail(c, dh);
  bool verify = !c->is_server || c->ctx->request_cert;
  if (verify) {
    c->verified = true;
    unsigned facts = n ? otls__backend.verify_facts(c->bc) : 0;
    c->verify_error = otls__verify_classify(facts, c->peer_chain.items, c->peer_chain.n);
    if (c->verify_error == 0 && !c->is_server && c->host) {
      char reason[OTLS__ERRBUF];
      int rv = otls__check_identity(c->host, c->peer_chain.items[0].data,
                                    c->peer_chain.items[0].len, reason, sizeof(reason));
      if (rv == OTLS_E_NOMEM)
        return fail(c, rv);
      if (rv < 0) {
        c->verify_error = rv;
        otls__conn_set_error(c, "%s", reason);
      }
    }
    if (c->verify_error && c->reject_unauthorized) {
      if (c->err[0] == 0)
        otls__conn_set_error(c, "%s", otls_strerror(c->verify_error));
      c->state = CONN_FAILED;
      c->fatal = c->verify_error;
      return c->fatal;
    }
  }
  c->state = CONN_OPEN;
  /* An idle connection should not hold the handshake's buffers. */
  if (otls__buf_len(&c->in) == 0)
    otls__buf_free(&c->in);
  if (otls__buf_len(&c->out) == 0)
    otls__buf_free(&c->out);
  return 0;
}

int otls_conn_handshake(otls_conn *c) {
  if (c == NULL)
    return OTLS_E_INVAL;
  if (c->state == CONN_OPEN)
    return 0;
  if (c->state == CONN_FAILED)
    return c->fatal;
  int rv = otls__backend.handshake(c->bc);
  if (rv == OTLS__IO_WANT_READ) {
    if (otls__tx_eof(c)) {
      otls__conn_set_error(c, "the transport ended during the handshake");
      return fail(c, OTLS_E_CONNRESET);
    }
    return OTLS_E_WANT_READ;
  }
  if (rv < 0)
    return fail(c, rv);
  return after_handshake(c);
}

int otls_conn_read(otls_conn *c, void *buf, size_t len) {
  if (c == NULL || (buf == NULL && len > 0))
    return OTLS_E_INVAL;
  if (c->state != CONN_OPEN) {
    int rv = otls_conn_handshake(c);
    if (rv < 0)
      return rv;
  }
  if (c->peer_closed)
    return 0;
  if (len == 0)
    return 0;
  if (len > INT_MAX)
    len = INT_MAX;
  size_t n = 0;
  int rv = otls__backend.read(c->bc, buf, len, &n);
  if (rv == OTLS__IO_OK)
    return (int)n;
  if (rv == OTLS__IO_CLOSED) {
    c->peer_closed = true;
    return 0;
  }
  if (rv == OTLS__IO_WANT_READ) {
    if (otls__tx_eof(c)) {
      otls__conn_set_error(c, "the peer closed the transport without close_notify");
      return fail(c, OTLS_E_TRUNCATED);
    }
    return OTLS_E_WANT_READ;
  }
  return fail(c, rv);
}

int otls_conn_write(otls_conn *c, const void *buf, size_t len) {
  if (c == NULL || (buf == NULL && len > 0) || len > INT_MAX)
    return OTLS_E_INVAL;
  if (c->state == CONN_FAILED)
    return OTLS_E_CLOSED;
  if (c->shut)
    return OTLS_E_WRITE_AFTER_END;
  if (c->state != CONN_OPEN) {
    int rv = otls_conn_handshake(c);
    if (rv < 0)
      return rv;
  }
  if (len == 0)
    return 0;
  int rv = otls__backend.write(c->bc, buf, len);
  if (rv < 0)
    return fail(c, rv);
  return (int)len;
}

int otls_conn_shutdown(otls_conn *c) {
  if (c == NULL)
    return OTLS_E_INVAL;
  if (c->shut || c->state == CONN_FAILED)
    return 0;
  if (c->state != CONN_OPEN)
    return OTLS_E_STATE;
  c->shut = true;
  int rv = otls__backend.shutdown(c->bc);
  return rv < 0 ? fail(c, rv) : 0;
}

/* --- queries ---------------------------------------------------------------- */

bool otls_conn_is_handshake_done(const otls_conn *c) { return c && c->state == CONN_OPEN; }
bool otls_conn_is_server(const otls_conn *c) { return c && c->is_server; }
bool otls_conn_is_peer_closed(const otls_conn *c) { return c && c->peer_closed; }

const char *otls_conn_protocol(const otls_conn *c) {
  if (c == NULL || c->state != CONN_OPEN)
    return NULL;
  return otls__version_name(otls__backend.protocol(c->bc));
}

int otls_conn_cipher(const otls_conn *c, otls_cipher_info *out) {
  if (c == NULL || out == NULL)
    return OTLS_E_INVAL;
  if (c->state != CONN_OPEN)
    return OTLS_E_STATE;
  uint16_t id = otls__backend.cipher_id(c->bc);
  const struct otls__suite *s = otls__suite_by_id(id);
  if (s == NULL)
    return OTLS_E_INTERNAL;
  out->id = s->id;
  out->name = s->name;
  out->standard_name = s->iana;
  /* OpenSSL's SSL_CIPHER_get_version() spelling, as Node reports it. */
  out->version = s->min_version == OTLS__TLS1_0 ? "TLSv1.0" : otls__version_name(s->min_version);
  return 0;
}

const char *otls_conn_ecdh_group(const otls_conn *c) {
  if (c == NULL || c->state != CONN_OPEN || otls__backend.group == NULL)
    return NULL;
  return otls__group_node_name(otls__backend.group(c->bc));
}

bool otls_conn_is_authorized(const otls_conn *c) {
  return c && c->state == CONN_OPEN && c->verified && c->verify_error == 0;
}

int otls_conn_verify_error(const otls_conn *c) { return c ? c->verify_error : OTLS_E_INVAL; }

const char *otls_conn_authorization_error(const otls_conn *c) {
  if (c == NULL || c->verify_error == 0)
    return NULL;
  return otls_err_name(c->verify_error);
}

const char *otls_conn_servername(const otls_conn *c) { return c ? c->servername : NULL; }

size_t otls_conn_peer_cert_count(const otls_conn *c) { return c ? c->peer_chain.n : 0; }

int otls_conn_peer_cert_der(const otls_conn *c, size_t index, const uint8_t **der, size_t *len) {
  if (c == NULL || der == NULL || len == NULL || index >= c->peer_chain.n)
    return OTLS_E_INVAL;
  *der = c->peer_chain.items[index].data;
  *len = c->peer_chain.items[index].len;
  return 0;
}

const char *otls_conn_error(const otls_conn *c) { return c ? c->err : ""; }

int otls_conn_alert(const otls_conn *c, bool *sent) {
  bool s = false;
  int a = (c && otls__backend.alert) ? otls__backend.alert(c->bc, &s) : -1;
  if (sent)
    *sent = s;
  return a;
}
