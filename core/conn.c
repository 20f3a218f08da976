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
#include <time.h>

#include "alpn.h"
#include "client_hello.h"
#include "internal.h"
#include "session.h"

#define MAX_PEER_CHAIN 16

static int fail_with_alert(struct otls_conn *c, int rv, int alert);

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

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

static int dup_bytes(uint8_t **dst, size_t *dst_len, const uint8_t *src, size_t len) {
  *dst = malloc(len ? len : 1);
  if (*dst == NULL)
    return OTLS_E_NOMEM;
  if (len)
    memcpy(*dst, src, len);
  *dst_len = len;
  return 0;
}

/* Create the backend half of the connection on the current context. */
static int backend_conn_new(struct otls_conn *c, const uint8_t *alpn, size_t alpn_len) {
  struct otls__conn_config cfg = {
      .is_server = c->is_server,
      .servername = c->is_server ? NULL : c->servername,
      .alpn = alpn,
      .alpn_len = alpn_len,
      .session = c->session_in,
      .session_len = c->session_in_len,
      .request_ocsp = c->request_ocsp,
      .ocsp_response = c->is_server ? c->ocsp : NULL,
      .ocsp_response_len = c->is_server ? c->ocsp_len : 0,
  };
  int rv = otls__backend.conn_new(&c->bc, c->ctx->bctx, c, &cfg);
  if (rv < 0)
    c->bc = NULL;
  return rv;
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
  if ((opts->alpn_protocols || opts->alpn_protocols_len) &&
      !otls__alpn_wire_valid(opts->alpn_protocols, opts->alpn_protocols_len))
    return OTLS_E_INVAL;
  /* Node: ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS. */
  if (opts->is_server && opts->alpn_callback && opts->alpn_protocols)
    return OTLS_E_INVAL;
  if ((opts->session == NULL) != (opts->session_len == 0))
    return OTLS_E_INVAL;
  /* RFC 6066 §3 / RFC 1035: a host name is at most 255 bytes (engines differ
   * on longer ones: wolfSSL would send them). */
  if (!opts->is_server && opts->servername && strlen(opts->servername) > 255)
    return OTLS_E_INVAL;
  if (!opts->is_server && opts->request_ocsp && !otls_backend_has(OTLS_CAP_OCSP_CLIENT))
    return OTLS_E_UNSUPPORTED;
  if (opts->is_server && opts->ocsp_request && !otls_backend_has(OTLS_CAP_OCSP_STAPLE))
    return OTLS_E_UNSUPPORTED;
  struct otls_conn *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return OTLS_E_NOMEM;
  c->ctx = otls_context_ref(ctx);
  c->is_server = opts->is_server;
  c->reject_unauthorized =
      opts->reject_unauthorized < 0 ? ctx->reject_unauthorized : opts->reject_unauthorized == 1;
  c->alpn_cb = opts->alpn_callback;
  c->alpn_allow_no_overlap = opts->alpn_allow_no_overlap;
  c->sni_map = opts->sni_map;
  c->sni_cb = opts->sni_callback;
  c->on_session = opts->on_session;
  c->on_new_session = opts->on_new_session;
  c->on_resume_session = opts->on_resume_session;
  c->request_ocsp = !opts->is_server && opts->request_ocsp;
  c->ocsp_cb = opts->ocsp_request;
  c->user = opts->user;
  /*
   * minDHSize: Node's default is 1024 (lib/_tls_wrap.js), which is also
   * every engine's own floor (OpenSSL's security level 1); a smaller value
   * acts as 1024, so that no engine accepts what another refuses.
   */
  c->min_dh_size = opts->min_dh_size > 1024 ? opts->min_dh_size : 1024;
  c->reneg_request_cert = -1;
  int rv = OTLS_E_NOMEM;
  if (opts->alpn_protocols &&
      dup_bytes(&c->alpn, &c->alpn_len, opts->alpn_protocols, opts->alpn_protocols_len) < 0)
    goto out_free;
  if (c->is_server) {
    /* The backend is created once the ClientHello has been read. */
    c->phase = PH_HELLO;
    *out = c;
    return 0;
  }
  const char *host = opts->host ? opts->host : opts->servername;
  if (host && *host && (c->host = strdup(host)) == NULL)
    goto out_free;
  /* RFC 6066 §3: literal IP addresses are not permitted in SNI. */
  if (opts->servername && *opts->servername && !is_ip_literal(opts->servername) &&
      (c->servername = strdup(opts->servername)) == NULL)
    goto out_free;
  if (opts->session) {
    struct otls__session sess;
    if (otls__session_unwrap(opts->session, opts->session_len, &sess) < 0) {
      c->session_error = OTLS_E_BAD_SESSION;
    } else {
      if (dup_bytes(&c->session_in, &c->session_in_len, sess.data, sess.data_len) < 0)
        goto out_free;
      for (size_t i = 0; i < sess.n_chain; i++)
        if (otls__der_list_add(&c->resume_chain, sess.chain[i].data, sess.chain[i].len) < 0)
          goto out_free;
      c->resume_verify = sess.verify_error;
    }
  }
  rv = backend_conn_new(c, c->alpn, c->alpn_len);
  if (rv == OTLS_E_BAD_SESSION && c->session_in) {
    /* The backend could not parse its own bytes: full handshake instead. */
    free(c->session_in);
    c->session_in = NULL;
    c->session_in_len = 0;
    c->session_error = OTLS_E_BAD_SESSION;
    rv = backend_conn_new(c, c->alpn, c->alpn_len);
  }
  if (rv < 0)
    goto out_free;
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
  free(c->alpn);
  free(c->hello_alpn);
  free(c->alpn_sel);
  free(c->npn_sel);
  free(c->session_in);
  free(c->session_blob);
  free(c->session_raw);
  otls__der_list_clear(&c->session_queue);
  otls__der_list_clear(&c->resume_chain);
  free(c->srv_sess);
  free(c->ns_id);
  free(c->ns_blob);
  free(c->ocsp);
  otls_context_free(c->ctx);
  free(c);
}

/* --- sessions ------------------------------------------------------------ */

int otls__conn_new_session(struct otls_conn *c, const uint8_t *data, size_t len) {
  return otls__der_list_add(&c->session_queue, data, len);
}

void otls__server_session_new(struct otls_conn *c, const uint8_t *id, size_t id_len,
                              const uint8_t *data, size_t len) {
  if (id_len == 0 || id_len > 32)
    return;
  if (c->on_new_session == NULL) {
    otls__sess_cache_put(&c->ctx->sessions, id, id_len, data, len, c->ctx->session_timeout);
    return;
  }
  /* Announced once the backend call returns (see server_new_session). */
  struct otls__session s = {.data = data, .data_len = len};
  uint8_t *blob, *idc;
  size_t blob_len;
  if (otls__session_wrap(&s, &blob, &blob_len) < 0)
    return;
  if ((idc = malloc(id_len)) == NULL) {
    free(blob);
    return;
  }
  memcpy(idc, id, id_len);
  free(c->ns_id);
  free(c->ns_blob);
  c->ns_id = idc;
  c->ns_id_len = id_len;
  c->ns_blob = blob;
  c->ns_blob_len = blob_len;
}

int otls__server_session_get(struct otls_conn *c, const uint8_t *id, size_t id_len,
                             const uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  if (c->on_resume_session == NULL) {
    free(c->srv_sess);
    c->srv_sess = NULL;
    if (otls__sess_cache_get(&c->ctx->sessions, id, id_len, &c->srv_sess, &c->srv_sess_len) != 1)
      return 0;
  } else if (c->srv_sess == NULL || id_len != c->hello_sid_len ||
             memcmp(id, c->hello_sid, id_len) != 0) {
    return 0;
  }
  *data = c->srv_sess;
  *len = c->srv_sess_len;
  return 1;
}

int otls_conn_new_session_done(otls_conn *c) {
  if (c == NULL)
    return OTLS_E_INVAL;
  if (!c->ns_wait)
    return OTLS_E_STATE;
  c->ns_wait = false;
  return 0;
}

int otls_conn_resume_session_done(otls_conn *c, const uint8_t *data, size_t len) {
  if (c == NULL || (data == NULL && len > 0))
    return OTLS_E_INVAL;
  if (c->phase != PH_RESUME_WAIT || c->state != CONN_HANDSHAKE)
    return OTLS_E_STATE;
  struct otls__session s;
  if (data && otls__session_unwrap(data, len, &s) == 0 &&
      dup_bytes(&c->srv_sess, &c->srv_sess_len, s.data, s.data_len) < 0)
    return OTLS_E_NOMEM;
  c->phase = PH_OCSP;
  return 0;
}

int otls_conn_ocsp_done(otls_conn *c, const uint8_t *resp, size_t len, int err) {
  if (c == NULL || (resp == NULL && len > 0))
    return OTLS_E_INVAL;
  if (c->phase != PH_OCSP_WAIT || c->state != CONN_HANDSHAKE)
    return OTLS_E_STATE;
  if (err < 0) {
    otls__conn_set_error(c, "the OCSPRequest callback failed: %s", otls_err_name(err));
    fail_with_alert(c, err, 80 /* internal_error */);
    return 0;
  }
  if (resp && len && dup_bytes(&c->ocsp, &c->ocsp_len, resp, len) < 0)
    return OTLS_E_NOMEM;
  c->phase = PH_ALPN;
  return 0;
}

const uint8_t *otls_conn_ocsp_response(const otls_conn *c, size_t *len) {
  if (len)
    *len = c && !c->is_server ? c->ocsp_len : 0;
  return c && !c->is_server ? c->ocsp : NULL;
}

/*
 * Announce the sessions the backend produced during its last call, now that
 * it has returned (the application may call back into the connection) and
 * the handshake's results are known: each becomes the current session and
 * raises the `session` event. A session made on a connection whose chain
 * failed verification still records that result, so resuming it later shows
 * the same `authorized` / `authorizationError`.
 */
static int wrap_session(const struct otls_conn *c, const uint8_t *data, size_t len,
                        uint8_t **blob, size_t *blob_len) {
  struct otls__session s = {
      .verify_error = c->chain_error,
      .n_chain = c->peer_chain.n < OTLS__SESSION_MAX_CHAIN ? c->peer_chain.n
                                                          : OTLS__SESSION_MAX_CHAIN,
      .data = data,
      .data_len = len,
  };
  for (size_t k = 0; k < s.n_chain; k++)
    s.chain[k] = c->peer_chain.items[k];
  return otls__session_wrap(&s, blob, blob_len);
}

static void fire_sessions(struct otls_conn *c) {
  if (c->session_queue.n == 0 || c->state != CONN_OPEN)
    return;
  struct otls__der_list q = c->session_queue;
  memset(&c->session_queue, 0, sizeof(c->session_queue));
  for (size_t i = 0; i < q.n; i++) {
    c->tickets++;
    /* Wrapping (a copy of the chain and a hash) waits until someone asks. */
    free(c->session_blob);
    c->session_blob = NULL;
    free(c->session_raw);
    c->session_raw = (uint8_t *)q.items[i].data;
    c->session_raw_len = q.items[i].len;
    q.items[i].data = NULL;
    if (c->on_session) {
      uint8_t *blob;
      size_t blob_len;
      if (wrap_session(c, c->session_raw, c->session_raw_len, &blob, &blob_len) < 0)
        continue;
      c->session_blob = blob;
      c->session_blob_len = blob_len;
      c->on_session(c, blob, blob_len, c->user);
    }
  }
  otls__der_list_clear(&q);
}

/* --- transport services for the backend --------------------------------- */

long otls__tx_recv(struct otls_conn *c, void *buf, size_t len) {
  size_t n = otls__buf_take(&c->in, buf, len);
  if (n > 0)
    return (long)n;
  if (c->in_eof)
    c->hit_eof = true;
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
  c->in_space = 0;
  if (otls__buf_append(&c->in, data, len) < 0)
    return OTLS_E_NOMEM;
  return (int)len;
}

/* One full-size record with room for any AEAD/MAC overhead in practice. */
#define INPUT_SPACE_MAX (16384u + 512u)

int otls_conn_input_space(otls_conn *c, uint8_t **buf, size_t *len) {
  if (c == NULL || buf == NULL || len == NULL)
    return OTLS_E_INVAL;
  *buf = NULL;
  *len = 0;
  if (c->in_eof)
    return OTLS_E_STATE;
  size_t have = otls__buf_len(&c->in);
  size_t room = have >= OTLS_CONN_INPUT_MAX ? 0 : OTLS_CONN_INPUT_MAX - have;
  if (room == 0)
    return OTLS_E_BUFFER_FULL;
  if (room > INPUT_SPACE_MAX)
    room = INPUT_SPACE_MAX;
  uint8_t *p = otls__buf_reserve(&c->in, room);
  if (p == NULL)
    return OTLS_E_NOMEM;
  c->in_space = room;
  *buf = p;
  *len = room;
  return 0;
}

void otls_conn_release_buffers(otls_conn *c) {
  if (c == NULL)
    return;
  if (otls__buf_len(&c->in) == 0) {
    otls__buf_free(&c->in);
    c->in_space = 0;
  }
  if (otls__buf_len(&c->out) == 0)
    otls__buf_free(&c->out);
  if (c->bc != NULL && otls__backend.release_buffers != NULL)
    otls__backend.release_buffers(c->bc);
}

int otls_conn_input_commit(otls_conn *c, size_t n) {
  if (c == NULL || n > c->in_space)
    return OTLS_E_INVAL;
  otls__buf_commit(&c->in, n);
  c->in_space = 0;
  return 0;
}

int otls_conn_feed_eof(otls_conn *c) {
  if (c == NULL)
    return OTLS_E_INVAL;
  c->in_eof = true;
  return 0;
}

const uint8_t *otls_conn_output(otls_conn *c, size_t *len) {
  size_t n = c && !c->ns_wait ? otls__buf_len(&c->out) : 0;
  if (len)
    *len = n;
  return n ? otls__buf_peek(&c->out) : NULL;
}

void otls_conn_consume(otls_conn *c, size_t n) {
  if (c)
    otls__buf_consume(&c->out, n);
}

size_t otls_conn_take(otls_conn *c, void *buf, size_t cap) {
  if (c == NULL || buf == NULL || c->ns_wait)
    return 0;
  return otls__buf_take(&c->out, buf, cap);
}

size_t otls_conn_pending_output(const otls_conn *c) {
  return c && !c->ns_wait ? otls__buf_len(&c->out) : 0;
}

unsigned otls_conn_wants(const otls_conn *c) {
  if (c == NULL)
    return OTLS_WANTS_CLOSED;
  unsigned w = 0;
  if (otls__buf_len(&c->out))
    w |= OTLS_WANTS_WRITE;
  if (c->state == CONN_HANDSHAKE && (c->phase == PH_SNI_WAIT || c->phase == PH_RESUME_WAIT ||
                                     c->phase == PH_OCSP_WAIT || c->ns_wait))
    return OTLS_WANTS_CALLBACK;
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
static int conn_alert(const struct otls_conn *c, bool *sent) {
  *sent = false;
  if (c->core_alert) {
    *sent = true;
    return c->core_alert;
  }
  return (c->bc && otls__backend.alert) ? otls__backend.alert(c->bc, sent) : -1;
}

static int normalize_failure(struct otls_conn *c, int rv) {
  bool sent = false;
  int alert = conn_alert(c, &sent);
  if (c->core_alert)
    return rv; /* core failed the handshake itself and named the reason */
  if (rv == OTLS_E_TRUNCATED && c->state == CONN_HANDSHAKE)
    return OTLS_E_CONNRESET;
  if (alert > 0 && !sent)
    return OTLS_E_PEER_ALERT;
  /*
   * The backend failed after it asked for bytes past the transport's end:
   * the stream was cut (in a record, maybe), whatever alert the engine
   * chose to answer with (wolfSSL: bad_record_mac, GnuTLS: decode_error).
   */
  if (c->hit_eof && (rv == OTLS_E_TRUNCATED || rv == OTLS_E_PROTOCOL || rv == OTLS_E_HANDSHAKE ||
                     rv == OTLS_E_INTERNAL))
    return c->state == CONN_HANDSHAKE ? OTLS_E_CONNRESET : OTLS_E_TRUNCATED;
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
  int alert = conn_alert(c, &sent);
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

/*
 * The peer's chain and its verification, decided here for every backend
 * (DESIGN.md §1): after the first handshake and after each renegotiation.
 * Returns 0, or the error that failed the connection.
 */
static int take_peer_chain(struct otls_conn *c, bool from_session) {
  struct otls__blob chain[MAX_PEER_CHAIN];
  size_t n = 0;
  otls__der_list_clear(&c->peer_chain);
  if (from_session) {
    for (size_t i = 0; i < c->resume_chain.n; i++)
      chain[n++] = c->resume_chain.items[i];
  } else {
    n = otls__backend.peer_chain(c->bc, chain, MAX_PEER_CHAIN);
  }
  for (size_t i = 0; i < n; i++)
    if (otls__der_list_add(&c->peer_chain, chain[i].data, chain[i].len) < 0)
      return fail(c, OTLS_E_NOMEM);
  return 0;
}

static int verify_peer(struct otls_conn *c, bool from_session) {
  bool request = c->reneg_request_cert >= 0 ? c->reneg_request_cert == 1 : c->ctx->request_cert;
  if (c->is_server && !request)
    return 0;
  c->verified = true;
  c->verify_error = 0;
  if (from_session) {
    c->verify_error = c->resume_verify;
  } else {
    unsigned facts = c->peer_chain.n ? otls__backend.verify_facts(c->bc) : 0;
    c->verify_error = otls__verify_classify(facts, c->peer_chain.items, c->peer_chain.n);
  }
  c->chain_error = c->verify_error;
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
  return 0;
}

static int after_handshake(struct otls_conn *c) {
  c->reused = otls__backend.session_reused && otls__backend.session_reused(c->bc);
  if (!c->is_server && c->request_ocsp && otls__backend.ocsp_response) {
    size_t len = 0;
    const uint8_t *p = otls__backend.ocsp_response(c->bc, &len);
    if (p && len && dup_bytes(&c->ocsp, &c->ocsp_len, p, len) < 0)
      return fail(c, OTLS_E_NOMEM);
  }
  /*
   * A resumed client connection shows the chain stored with the session
   * (backends keep at most the leaf), and the result of verifying it then.
   */
  bool from_session = !c->is_server && c->reused && c->session_in;
  int rv = take_peer_chain(c, from_session);
  if (rv < 0)
    return rv;
  if (otls__backend.alpn_selected) {
    size_t len = 0;
    const uint8_t *p = otls__backend.alpn_selected(c->bc, &len);
    if (p && len && dup_bytes(&c->alpn_sel, &c->alpn_sel_len, p, len) < 0)
      return fail(c, OTLS_E_NOMEM);
  }
  if (otls__backend.npn_selected && c->ctx->npn && c->alpn_sel == NULL) {
    size_t len = 0;
    const uint8_t *p = otls__backend.npn_selected(c->bc, &len);
    if (p && len && dup_bytes(&c->npn_sel, &c->npn_sel_len, p, len) < 0)
      return fail(c, OTLS_E_NOMEM);
  }
  /* minDHSize comes first, as in Node's onConnectSecure(). */
  int dh = otls__conn_check_min_dh(c);
  if (dh < 0)
    return fail(c, dh);
  if ((rv = verify_peer(c, from_session)) < 0)
    return rv;
  c->state = CONN_OPEN;
  c->reneg_last_ms = now_ms();
  /* An idle connection should not hold the handshake's buffers. */
  if (otls__buf_len(&c->in) == 0)
    otls__buf_free(&c->in);
  if (otls__buf_len(&c->out) == 0)
    otls__buf_free(&c->out);
  return 0;
}

/*
 * Core fails the handshake itself, before or instead of the backend: send
 * `alert` (a plaintext record: nothing is encrypted before ServerHello) and
 * record `rv` as the error.
 */
static int fail_with_alert(struct otls_conn *c, int rv, int alert) {
  if (alert > 0 && c->bc == NULL) {
    const uint8_t rec[7] = {21, 3, 3, 0, 2, 2 /* fatal */, (uint8_t)alert};
    if (otls__buf_append(&c->out, rec, sizeof(rec)) == 0)
      c->core_alert = alert;
  }
  return fail(c, rv);
}

/* The server's choice of application protocol, before the backend runs. */
static int choose_alpn(struct otls_conn *c, const uint8_t **name, size_t *name_len) {
  *name = NULL;
  *name_len = 0;
  if (c->hello_alpn == NULL)
    return 0; /* the client offered nothing */
  if (c->alpn_cb) {
    int idx = c->alpn_cb(c, c->servername, c->hello_alpn, c->hello_alpn_len, c->user);
    if (idx >= 0) {
      size_t off = 0;
      for (int i = 0; otls__alpn_next(c->hello_alpn, c->hello_alpn_len, &off, name, name_len);
           i++)
        if (i == idx)
          return 0;
      *name = NULL;
      *name_len = 0;
      otls__conn_set_error(c, "the ALPN callback returned %d, not a position in the client's "
                              "list", idx);
      return fail_with_alert(c, OTLS_E_INVAL, 80 /* internal_error */);
    }
  } else if (c->alpn == NULL) {
    return 0; /* we take part in no ALPN */
  } else if (otls__alpn_select(c->alpn, c->alpn_len, c->hello_alpn, c->hello_alpn_len, name,
                               name_len) ||
             c->alpn_allow_no_overlap) {
    return 0;
  }
  otls__conn_set_error(c, "the client offered no application protocol we accept");
  return fail_with_alert(c, OTLS_E_NO_APPLICATION_PROTOCOL, 120 /* no_application_protocol */);
}

/* Switch a server connection to another context (SNI). */
static void use_context(struct otls_conn *c, otls_context *ctx) {
  if (ctx == NULL || ctx == c->ctx)
    return;
  otls_context *old = c->ctx;
  c->ctx = otls_context_ref(ctx);
  otls_context_free(old);
}

/*
 * Hand the backend the ClientHello in as few records as possible, however
 * the client fragmented it (a hello in 1-byte records is legal; wolfSSL
 * cannot take it). `msg_len` is the hello's length. Note: `ch` pointers into
 * the assembled message stay valid; only c->in changes.
 */
static int coalesce_hello(struct otls_conn *c, size_t msg_len) {
  uint8_t *rec;
  size_t rec_len, used, have = otls__buf_len(&c->in);
  const uint8_t *in = otls__buf_peek(&c->in);
  int rv = otls__ch_coalesce(in, have, msg_len, &rec, &rec_len, &used);
  if (rv <= 0)
    return rv;
  struct otls__buf nb = {0};
  if (otls__buf_append(&nb, rec, rec_len) < 0 || otls__buf_append(&nb, in + used, have - used) < 0) {
    otls__buf_free(&nb);
    free(rec);
    return OTLS_E_NOMEM;
  }
  free(rec);
  otls__buf_free(&c->in);
  c->in = nb;
  return 0;
}

/*
 * The server side of DESIGN.md §2: read the ClientHello from the buffered
 * first flight, run the application's hooks (which may answer later), and
 * create the backend connection already configured. Returns 0 once the
 * backend exists, or OTLS_E_WANT_READ / OTLS_E_WANT_CALLBACK / a failure.
 */
static int server_prepare(struct otls_conn *c) {
  for (;;) {
    switch (c->phase) {
    case PH_HELLO: {
      uint8_t *msg = NULL;
      size_t len = 0;
      int rv = otls__ch_assemble(otls__buf_peek(&c->in), otls__buf_len(&c->in), &msg, &len);
      if (rv == 0) {
        if (c->in_eof) {
          otls__conn_set_error(c, "the transport ended before the ClientHello was complete");
          return fail(c, OTLS_E_CONNRESET);
        }
        return OTLS_E_WANT_READ;
      }
      if (rv == OTLS_E_NOMEM)
        return fail(c, rv);
      struct otls__client_hello ch;
      if (rv > 0)
        rv = otls__ch_parse(msg, len, &ch);
      if (rv == 0 && ch.servername &&
          (c->servername = strndup((const char *)ch.servername, ch.servername_len)) == NULL)
        rv = OTLS_E_NOMEM;
      if (rv == 0 && ch.alpn &&
          dup_bytes(&c->hello_alpn, &c->hello_alpn_len, ch.alpn, ch.alpn_len) < 0)
        rv = OTLS_E_NOMEM;
      if (rv == 0)
        rv = coalesce_hello(c, len);
      if (rv == 0) {
        c->hello_sid_len = ch.session_id_len <= 32 ? ch.session_id_len : 0;
        memcpy(c->hello_sid, ch.session_id, c->hello_sid_len);
        c->hello_has_ticket = (ch.has_session_ticket && ch.session_ticket_len > 0) || ch.has_psk;
        c->hello_status_request = ch.status_request;
        bool offers13 = false;
        for (size_t i = 0; ch.supported_versions && i + 1 < ch.supported_versions_len; i += 2)
          if (((ch.supported_versions[i] << 8) | ch.supported_versions[i + 1]) == OTLS__TLS1_3)
            offers13 = true;
        c->hello_tls12_only = !offers13;
      }
      free(msg);
      if (rv == OTLS_E_NOMEM)
        return fail(c, rv);
      if (rv < 0) {
        otls__conn_set_error(c, "%s", rv == OTLS_E_EXCESSIVE_MESSAGE_SIZE
                                          ? "the ClientHello is larger than omnitls accepts"
                                          : "the first flight is not a well-formed ClientHello");
        return fail_with_alert(c, rv, 50 /* decode_error */);
      }
      c->phase = PH_SNI;
      break;
    }
    case PH_SNI:
      if (c->servername && c->sni_cb) {
        c->phase = PH_SNI_WAIT;
        c->sni_cb(c, c->servername, c->user);
        if (c->state == CONN_FAILED)
          return c->fatal;
        if (c->phase == PH_SNI_WAIT)
          return OTLS_E_WANT_CALLBACK;
      } else {
        if (c->servername && c->sni_map)
          use_context(c, otls_sni_map_find(c->sni_map, c->servername));
        c->phase = PH_RESUME;
      }
      break;
    case PH_SNI_WAIT:
      return OTLS_E_WANT_CALLBACK;
    case PH_RESUME:
      /* Node's resumeSession, for the handshakes a session id can resume. */
      if (c->on_resume_session && c->hello_sid_len > 0 && !c->hello_has_ticket &&
          (c->hello_tls12_only || c->ctx->max_version < OTLS__TLS1_3)) {
        c->phase = PH_RESUME_WAIT;
        c->on_resume_session(c, c->hello_sid, c->hello_sid_len, c->user);
        if (c->state == CONN_FAILED)
          return c->fatal;
        if (c->phase == PH_RESUME_WAIT)
          return OTLS_E_WANT_CALLBACK;
      } else {
        c->phase = PH_OCSP;
      }
      break;
    case PH_RESUME_WAIT:
      return OTLS_E_WANT_CALLBACK;
    case PH_OCSP:
      /* Node's OCSPRequest: only when the client asked, for the chosen cert. */
      if (c->ocsp_cb && c->hello_status_request && c->ctx->chain.n > 0) {
        const struct otls__der_list *ch = &c->ctx->chain;
        c->phase = PH_OCSP_WAIT;
        c->ocsp_cb(c, ch->items[0].data, ch->items[0].len, ch->n > 1 ? ch->items[1].data : NULL,
                   ch->n > 1 ? ch->items[1].len : 0, c->user);
        if (c->state == CONN_FAILED)
          return c->fatal;
        if (c->phase == PH_OCSP_WAIT)
          return OTLS_E_WANT_CALLBACK;
      } else {
        c->phase = PH_ALPN;
      }
      break;
    case PH_OCSP_WAIT:
      return OTLS_E_WANT_CALLBACK;
    case PH_ALPN: {
      const uint8_t *name;
      size_t name_len;
      int rv = choose_alpn(c, &name, &name_len);
      if (rv < 0)
        return rv;
      rv = backend_conn_new(c, name, name_len);
      if (rv < 0)
        return fail_with_alert(c, rv, 80 /* internal_error */);
      c->phase = PH_BACKEND;
      return 0;
    }
    case PH_BACKEND:
      return 0;
    }
  }
}

int otls_conn_sni_done(otls_conn *c, otls_context *ctx, int err) {
  if (c == NULL)
    return OTLS_E_INVAL;
  if (c->phase != PH_SNI_WAIT || c->state != CONN_HANDSHAKE)
    return OTLS_E_STATE;
  if (ctx && !ctx->has_cert)
    return OTLS_E_INVAL;
  if (err < 0) {
    otls__conn_set_error(c, "the SNI callback failed: %s", otls_err_name(err));
    fail_with_alert(c, err, 80 /* internal_error */);
    return 0;
  }
  use_context(c, ctx);
  c->phase = PH_RESUME;
  return 0;
}

int otls_conn_handshake(otls_conn *c) {
  if (c == NULL)
    return OTLS_E_INVAL;
  if (c->state == CONN_OPEN)
    return 0;
  if (c->state == CONN_FAILED)
    return c->fatal;
  if (c->bc == NULL) {
    int prv = server_prepare(c);
    if (prv != 0)
      return prv;
  }
  if (c->ns_wait)
    return OTLS_E_WANT_CALLBACK;
  /*
   * After a newSession pause the backend has already finished: calling it
   * again could start a second handshake (GnuTLS renegotiates then).
   */
  int rv = c->backend_done ? OTLS__IO_OK : otls__backend.handshake(c->bc);
  if (rv == OTLS__IO_OK)
    c->backend_done = true;
  if (c->ns_blob && rv == OTLS__IO_OK) {
    /* Node's newSession: hold the last flight until the store answers. */
    uint8_t *id = c->ns_id, *blob = c->ns_blob;
    size_t id_len = c->ns_id_len, blob_len = c->ns_blob_len;
    c->ns_id = c->ns_blob = NULL;
    c->ns_wait = true;
    c->on_new_session(c, id, id_len, blob, blob_len, c->user);
    free(id);
    free(blob);
    if (c->state == CONN_FAILED)
      return c->fatal;
    if (c->ns_wait)
      return OTLS_E_WANT_CALLBACK;
  }
  if (rv == OTLS__IO_WANT_READ) {
    if (otls__tx_eof(c)) {
      otls__conn_set_error(c, "the transport ended during the handshake");
      return fail(c, OTLS_E_CONNRESET);
    }
    return OTLS_E_WANT_READ;
  }
  if (rv < 0)
    return fail(c, rv);
  rv = after_handshake(c);
  fire_sessions(c);
  return rv;
}

/* --- renegotiation ---------------------------------------------------------- */

void otls_renegotiate_options_init(otls_renegotiate_options *opts) {
  if (opts == NULL)
    return;
  memset(opts, 0, sizeof(*opts));
  opts->version = OTLS_RENEGOTIATE_OPTIONS_V1;
  opts->request_cert = -1;
  opts->reject_unauthorized = -1;
}

int otls__conn_reneg_start(struct otls_conn *c) {
  if (c->reneg_error)
    return c->reneg_error;
  if (c->reneg_active)
    return 0; /* the same renegotiation (a HelloRequest, then the ClientHello) */
  c->reneg_active = true;
  if (c->reneg_local)
    return 0;
  /* Node's onhandshakestart(): the window restarts after a quiet period. */
  uint64_t now = now_ms();
  if (now - c->reneg_last_ms >= (uint64_t)OTLS_CLIENT_RENEG_WINDOW * 1000u)
    c->reneg_count = 0;
  c->reneg_last_ms = now;
  if (++c->reneg_count > OTLS_CLIENT_RENEG_LIMIT) {
    otls__conn_set_error(c, "%u renegotiations by the peer within %u s (limit %u)",
                         c->reneg_count, OTLS_CLIENT_RENEG_WINDOW, OTLS_CLIENT_RENEG_LIMIT);
    c->reneg_error = OTLS_E_SESSION_ATTACK;
  } else if (c->reneg_disabled) {
    otls__conn_set_error(c, "the peer started a renegotiation after disableRenegotiation()");
    c->reneg_error = OTLS_E_RENEGOTIATION_DISABLED;
  }
  return c->reneg_error;
}

void otls__conn_reneg_done(struct otls_conn *c) {
  if (c->reneg_active)
    c->reneg_finished = true;
}

/* The connection failed: a pending renegotiate() callback learns why. */
static int reneg_abort(struct otls_conn *c) {
  otls_renegotiate_cb cb = c->reneg_cb;
  c->reneg_cb = NULL;
  c->reneg_active = c->reneg_local = c->reneg_finished = false;
  if (cb)
    cb(c, c->fatal, c->reneg_arg);
  return c->fatal;
}

/* After a backend call: act on what it reported (policy refusal, completion). */
static int reneg_settle(struct otls_conn *c) {
  if (c->reneg_error) {
    fail(c, c->reneg_error);
    return reneg_abort(c);
  }
  c->reneg_finished = c->reneg_active = c->reneg_local = false;
  c->reneg_done++;
  int rv = take_peer_chain(c, false);
  if (rv == 0)
    rv = verify_peer(c, false);
  if (rv < 0)
    return reneg_abort(c); /* the pending callback learns why */
  otls_renegotiate_cb cb = c->reneg_cb;
  c->reneg_cb = NULL;
  if (cb)
    cb(c, 0, c->reneg_arg);
  return 0;
}

int otls_conn_renegotiate(otls_conn *c, const otls_renegotiate_options *opts,
                          otls_renegotiate_cb cb, void *arg) {
  otls_renegotiate_options defaults;
  if (opts == NULL) {
    otls_renegotiate_options_init(&defaults);
    opts = &defaults;
  }
  if (c == NULL || opts->version == 0 || opts->version > OTLS_RENEGOTIATE_OPTIONS_V1 ||
      opts->request_cert < -1 || opts->request_cert > 1 || opts->reject_unauthorized < -1 ||
      opts->reject_unauthorized > 1)
    return OTLS_E_INVAL;
  if (!otls_backend_has(OTLS_CAP_RENEGOTIATION) || otls__backend.renegotiate == NULL)
    return OTLS_E_UNSUPPORTED;
  if (c->state != CONN_OPEN || c->shut || c->reneg_active)
    return OTLS_E_STATE;
  if (otls__backend.protocol(c->bc) >= OTLS__TLS1_3) {
    otls__conn_set_error(c, "TLS 1.3 has no renegotiation");
    return OTLS_E_WRONG_SSL_VERSION;
  }
  if (c->reneg_disabled || c->ctx->no_renegotiation)
    return OTLS_E_RENEGOTIATION_DISABLED;
  if (opts->request_cert >= 0 && c->is_server)
    c->reneg_request_cert = opts->request_cert;
  if (opts->reject_unauthorized >= 0)
    c->reject_unauthorized = opts->reject_unauthorized == 1;
  bool request = c->reneg_request_cert >= 0 ? c->reneg_request_cert == 1 : c->ctx->request_cert;
  c->reneg_local = true;
  c->reneg_cb = cb;
  c->reneg_arg = arg;
  int rv = otls__backend.renegotiate(c->bc, c->is_server && request);
  if (rv < 0) {
    c->reneg_cb = NULL;
    c->reneg_local = c->reneg_active = false;
    return fail(c, rv);
  }
  /* The backend reports the start; make sure core knows even if it did not. */
  c->reneg_active = true;
  return 0;
}

int otls__npn_select(struct otls_conn *c, const uint8_t *server, size_t server_len,
                     const uint8_t **name, size_t *name_len) {
  const uint8_t *mine = c->ctx->npn;
  size_t mine_len = c->ctx->npn_len;
  if (mine == NULL || !otls__alpn_wire_valid(server, server_len))
    return OTLS_E_INVAL;
  /* The server's order; no overlap: our own first protocol (NPN's rule). */
  if (otls__alpn_select(server, server_len, mine, mine_len, name, name_len))
    return 0;
  *name = mine + 1;
  *name_len = mine[0];
  return 0;
}

const uint8_t *otls_conn_npn_protocol(const otls_conn *c, size_t *len) {
  if (len)
    *len = c && c->npn_sel ? c->npn_sel_len : 0;
  return c ? c->npn_sel : NULL;
}

int otls_conn_tls_ticket(const otls_conn *c, const uint8_t **data, size_t *len) {
  if (c == NULL || data == NULL || len == NULL)
    return OTLS_E_INVAL;
  *data = NULL;
  *len = 0;
  if (!otls_backend_has(OTLS_CAP_TLS_TICKET) || otls__backend.tls_ticket == NULL)
    return OTLS_E_UNSUPPORTED;
  if (c->state != CONN_OPEN)
    return OTLS_E_STATE;
  if (c->is_server)
    return 0;
  *data = otls__backend.tls_ticket(c->bc, len);
  if (*data == NULL)
    *len = 0;
  return 0;
}

int otls_conn_disable_renegotiation(otls_conn *c) {
  if (c == NULL)
    return OTLS_E_INVAL;
  c->reneg_disabled = true;
  return 0;
}

bool otls_conn_is_renegotiating(const otls_conn *c) { return c && c->reneg_active; }

unsigned otls_conn_renegotiations(const otls_conn *c) { return c ? c->reneg_done : 0; }

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
  fire_sessions(c);
  if (c->state == CONN_FAILED)
    return reneg_abort(c);
  if (c->reneg_error || c->reneg_finished) {
    int rrv = reneg_settle(c);
    if (rrv < 0)
      return rrv;
  }
  if (rv == OTLS__IO_OK)
    return (int)n;
  if (rv == OTLS__IO_CLOSED) {
    c->peer_closed = true;
    return 0;
  }
  if (rv == OTLS__IO_WANT_READ) {
    if (otls__tx_eof(c)) {
      otls__conn_set_error(c, "the peer closed the transport without close_notify");
      fail(c, OTLS_E_TRUNCATED);
      return reneg_abort(c);
    }
    return OTLS_E_WANT_READ;
  }
  fail(c, rv);
  return reneg_abort(c);
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
  /* setMaxSendFragment(): split here, the same way on every backend. */
  size_t step = c->max_frag ? c->max_frag : len;
  for (size_t off = 0; off < len; off += step) {
    size_t n = len - off < step ? len - off : step;
    int rv = otls__backend.write(c->bc, (const uint8_t *)buf + off, n);
    if (rv < 0)
      return fail(c, rv);
  }
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
  int a = c ? conn_alert(c, &s) : -1;
  if (sent)
    *sent = s;
  return a;
}

const uint8_t *otls_conn_alpn_protocol(const otls_conn *c, size_t *len) {
  if (len)
    *len = c ? c->alpn_sel_len : 0;
  return c ? c->alpn_sel : NULL;
}

int otls_conn_session(const otls_conn *c, uint8_t **out, size_t *len) {
  if (c == NULL || out == NULL || len == NULL)
    return OTLS_E_INVAL;
  *out = NULL;
  *len = 0;
  if (c->session_blob)
    return dup_bytes(out, len, c->session_blob, c->session_blob_len);
  if (c->session_raw == NULL)
    return OTLS_E_STATE;
  return wrap_session(c, c->session_raw, c->session_raw_len, out, len);
}

bool otls_conn_is_session_reused(const otls_conn *c) {
  return c && c->state == CONN_OPEN && c->reused;
}

int otls_conn_session_error(const otls_conn *c) { return c ? c->session_error : OTLS_E_INVAL; }

unsigned otls_conn_tickets(const otls_conn *c) { return c ? c->tickets : 0; }

int otls_conn_export_keying_material(const otls_conn *c, uint8_t *out, size_t len,
                                     const char *label, const uint8_t *context,
                                     size_t context_len) {
  if (c == NULL || out == NULL || label == NULL || len == 0 || len > 16384 ||
      (context == NULL && context_len > 0) || context_len > 0xffff)
    return OTLS_E_INVAL;
  if (c->state != CONN_OPEN)
    return OTLS_E_STATE;
  if (otls__backend.export_keying_material == NULL)
    return OTLS_E_UNSUPPORTED;
  return otls__backend.export_keying_material(c->bc, out, len, label, strlen(label), context,
                                              context_len);
}

int otls_conn_finished(const otls_conn *c, bool peer, uint8_t *out, size_t cap) {
  if (c == NULL || (out == NULL && cap > 0))
    return OTLS_E_INVAL;
  if (otls__backend.finished == NULL || !otls_backend_has(OTLS_CAP_FINISHED))
    return OTLS_E_UNSUPPORTED;
  if (c->state != CONN_OPEN)
    return OTLS_E_STATE;
  return otls__backend.finished(c->bc, peer, out, cap);
}

int otls_conn_set_max_send_fragment(otls_conn *c, size_t size) {
  if (c == NULL || size < 512 || size > 16384)
    return OTLS_E_INVAL;
  c->max_frag = size;
  return 0;
}

int otls_conn_key_update(otls_conn *c, bool request_peer) {
  if (c == NULL)
    return OTLS_E_INVAL;
  if (c->state != CONN_OPEN || c->shut || otls__backend.protocol(c->bc) != OTLS__TLS1_3)
    return OTLS_E_STATE;
  if (otls__backend.key_update == NULL)
    return OTLS_E_UNSUPPORTED;
  int rv = otls__backend.key_update(c->bc, request_peer);
  return rv < 0 ? fail(c, rv) : 0;
}
