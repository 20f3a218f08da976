/*
 * omnitls — declarations shared between core files (private).
 */
#ifndef OTLS_CORE_INTERNAL_H
#define OTLS_CORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnitls.h"
#include "backend.h"
#include "buf.h"

#if defined(__GNUC__)
#define OTLS_MUST_CHECK __attribute__((warn_unused_result))
#else
#define OTLS_MUST_CHECK
#endif

#define OTLS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Default system trust bundle (Debian). */
#define OTLS__SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* Longest detail message kept on an object. */
#define OTLS__ERRBUF 256

/* Make sure the backend's global state is initialised (once, thread-safe). */
OTLS_MUST_CHECK int otls__global_init(void);

/* Read a whole file (at most 64 MiB). Caller frees *data. */
OTLS_MUST_CHECK int otls__read_file(const char *path, uint8_t **data, size_t *len);

/* Append n bytes of s to a bounded, always NUL-terminated string. */
void otls__append(char *buf, size_t cap, size_t *used, const char *s, size_t n);

/* --- owned DER lists ---------------------------------------------------- */
struct otls__der_list {
  struct otls__blob *items; /* each item's data is malloc'ed */
  size_t n, cap;
};
OTLS_MUST_CHECK int otls__der_list_add(struct otls__der_list *l, const uint8_t *der,
                                       size_t len);
void otls__der_list_clear(struct otls__der_list *l);

/* --- session-ticket keys (core/tickets.c) ------------------------------------- */
struct otls__tickets {
  pthread_mutex_t lock; /* keys may be replaced while connections use them */
  uint8_t cur[OTLS_TICKET_KEYS_LEN];
  uint8_t prev[OTLS_TICKET_KEYS_LEN];
  bool has_prev;
};
/* Random keys when len == 0, else exactly OTLS_TICKET_KEYS_LEN bytes. */
OTLS_MUST_CHECK int otls__tickets_init(struct otls__tickets *t, const uint8_t *keys, size_t len);
void otls__tickets_free(struct otls__tickets *t);
/* Cryptographically random bytes from the kernel. */
OTLS_MUST_CHECK int otls__random(void *buf, size_t len);

/* --- the server session cache (core/session_cache.c) ------------------------ */
struct otls__sess_entry;
struct otls__sess_cache {
  pthread_mutex_t lock;
  struct otls__sess_entry *e;
  size_t n, cap, next;
};
OTLS_MUST_CHECK int otls__sess_cache_init(struct otls__sess_cache *sc);
void otls__sess_cache_free(struct otls__sess_cache *sc);
/* Remember a session (a copy) for `timeout` seconds. */
void otls__sess_cache_put(struct otls__sess_cache *sc, const uint8_t *id, size_t id_len,
                          const uint8_t *data, size_t len, unsigned timeout);
/* 1 and a malloc'd copy when found and not expired, 0 when not, OTLS_E_NOMEM. */
int otls__sess_cache_get(struct otls__sess_cache *sc, const uint8_t *id, size_t id_len,
                         uint8_t **data, size_t *len);

/* --- the context --------------------------------------------------------- */
struct otls_context {
  atomic_int refs;
  void *bctx; /* backend context */
  uint16_t min_version, max_version;
  bool reject_unauthorized;
  bool request_cert;
  bool has_cert;
  struct otls__tickets tickets;
  bool tickets_ready;
  struct otls__sess_cache sessions;
  bool sessions_ready;
  unsigned session_timeout; /* seconds */
  struct otls__der_list chain; /* own chain, leaf first (of the first key/cert pair) */
  /* sessionIdContext (at most 32 bytes), for the session cache */
  uint8_t session_id_context[32];
  size_t session_id_context_len;
  uint8_t *npn; /* NPN list (wire), NULL = none */
  size_t npn_len;
  /* secureOptions kept for the session / renegotiation policy */
  bool no_ticket;
  bool no_renegotiation;
};

/* The context's sessionIdContext: NULL and *len = 0 when none. */
const uint8_t *otls__context_session_id_context(const struct otls_context *ctx, size_t *len);

/* --- the connection ----------------------------------------------------- */
enum conn_state {
  CONN_HANDSHAKE = 0,
  CONN_OPEN,
  CONN_FAILED,
};

/* Server: where the ClientHello pre-parse stands (DESIGN.md §2). */
enum conn_phase {
  PH_BACKEND = 0, /* the backend runs the handshake (always, on a client) */
  PH_HELLO,       /* buffering the first flight until the ClientHello is whole */
  PH_SNI,         /* choose the context by server name */
  PH_SNI_WAIT,    /* waiting for otls_conn_sni_done() */
  PH_RESUME,      /* ask the application for the offered session (resumeSession) */
  PH_RESUME_WAIT, /* waiting for otls_conn_resume_session_done() */
  PH_OCSP,        /* ask the application for a staple (OCSPRequest) */
  PH_OCSP_WAIT,   /* waiting for otls_conn_ocsp_done() */
  PH_ALPN,        /* choose the application protocol, then create the backend */
};

struct otls_conn {
  struct otls_context *ctx;
  void *bc; /* backend connection */
  struct otls__buf in;  /* ciphertext received, not yet consumed */
  struct otls__buf out; /* ciphertext to send */
  size_t in_space;      /* room handed out by otls_conn_input_space() */
  enum conn_state state;
  int fatal;           /* the error that failed the connection */
  int verify_error;    /* 0 or a verification code */
  bool is_server;
  bool reject_unauthorized;
  bool verified;       /* verification ran (peer presented a chain / or checked) */
  bool in_eof;         /* transport EOF fed */
  bool hit_eof;        /* the backend asked for input past the transport's end */
  bool peer_closed;    /* close_notify received */
  bool shut;           /* close_notify queued */
  char *servername;    /* client: SNI sent; server: received */
  char *host;          /* client: identity-check name */
  struct otls__der_list peer_chain;
  char err[OTLS__ERRBUF];

  /* options kept from otls_conn_options */
  uint8_t *alpn; /* client: offer; server: our list (wire format) */
  size_t alpn_len;
  int (*alpn_cb)(otls_conn *, const char *, const uint8_t *, size_t, void *);
  bool alpn_allow_no_overlap;
  const struct otls_sni_map *sni_map;
  void (*sni_cb)(otls_conn *, const char *, void *);
  void (*on_session)(otls_conn *, const uint8_t *, size_t, void *);
  void *user;

  /* server pre-parse */
  enum conn_phase phase;
  uint8_t *hello_alpn; /* the client's ALPN offer (wire), NULL when none */
  size_t hello_alpn_len;
  int core_alert; /* an alert core itself sent, or 0 */

  /* results */
  uint8_t *alpn_sel; /* the agreed protocol, NULL when none */
  size_t alpn_sel_len;
  bool reused;

  /* sessions (client) */
  uint8_t *session_in; /* backend bytes of the `session` option */
  size_t session_in_len;
  struct otls__der_list resume_chain; /* the peer chain stored with that session */
  int resume_verify;                  /* and its chain verification result */
  int session_error;
  int chain_error; /* the chain's verification result, without the identity check */
  uint8_t *session_blob; /* the newest session, wrapped (when already asked for) */
  size_t session_blob_len;
  uint8_t *session_raw; /* the newest session, the backend's bytes */
  size_t session_raw_len;
  struct otls__der_list session_queue; /* backend sessions not yet announced */
  unsigned tickets;
  size_t max_frag; /* largest plaintext per record we send (0 = 16384) */

  /* sessions (server) */
  void (*on_new_session)(otls_conn *, const uint8_t *, size_t, const uint8_t *, size_t, void *);
  void (*on_resume_session)(otls_conn *, const uint8_t *, size_t, void *);
  uint8_t hello_sid[32]; /* the session id the client offered */
  size_t hello_sid_len;
  bool hello_tls12_only; /* the handshake cannot be TLS 1.3 */
  bool hello_has_ticket; /* the client offered a ticket / PSK */
  uint8_t *srv_sess;     /* backend bytes found for the offered id */
  size_t srv_sess_len;
  uint8_t *ns_id;        /* a new session to announce (on_new_session) */
  size_t ns_id_len;
  uint8_t *ns_blob;
  size_t ns_blob_len;
  bool ns_wait;          /* output held until otls_conn_new_session_done() */
  bool backend_done;     /* the backend's handshake returned OK */
  void *layer;           /* the event-layer socket driving this connection */

  /* OCSP */
  bool request_ocsp;     /* client: asked for a staple */
  bool hello_status_request; /* server: the client asked */
  void (*ocsp_cb)(otls_conn *, const uint8_t *, size_t, const uint8_t *, size_t, void *);
  uint8_t *ocsp;         /* server: the staple to send; client: the one received */
  size_t ocsp_len;
  unsigned min_dh_size; /* client: minDHSize (bits) */

  uint8_t *npn_sel; /* the protocol NPN agreed on, NULL when none */
  size_t npn_sel_len;

  /* renegotiation (core/conn.c) */
  bool reneg_disabled;    /* otls_conn_disable_renegotiation() */
  bool reneg_active;      /* a renegotiation handshake is running */
  bool reneg_local;       /* ... and we started it */
  bool reneg_finished;    /* the backend reported its end; core not yet told the app */
  int reneg_request_cert; /* server: -1 = the context's request_cert, else 0/1 */
  int reneg_error;        /* the policy refused a peer's renegotiation */
  unsigned reneg_count;   /* peer-started renegotiations in the current window */
  unsigned reneg_done;    /* completed renegotiations */
  uint64_t reneg_last_ms; /* when the last handshake started (monotonic) */
  otls_renegotiate_cb reneg_cb;
  void *reneg_arg;
};

/* --- ALPN and SNI (core/alpn.c, core/sni.c) ------------------------------- */
/* Node's addContext() pattern match (case-insensitive). */
bool otls__sni_match(const char *pattern, const char *name);

/*
 * Client, after the handshake: fail when the server's DH prime is under
 * min_dh_size (Node checks this before verification). 0 or
 * OTLS_E_DH_PARAM_SIZE (the message is set on the connection).
 */
int otls__conn_check_min_dh(struct otls_conn *c);

/* --- the suite table (core/suites.c; lookup declared in backend.h) ------- */
/* The default ordered list, TLS 1.3 suites first. */
extern const uint16_t otls__default_suites[];
extern const size_t otls__n_default_suites;
extern const uint16_t otls__default_groups[];
extern const size_t otls__n_default_groups;
/* Node's name of an ECDH NamedGroup ("prime256v1", "X25519"), NULL for others. */
const char *otls__group_node_name(uint16_t id);

/* Node's protocol names. */
const char *otls__version_name(uint16_t v);
int otls__version_parse(const char *s, uint16_t *v);

/* --- verification policy (core/verify.c) ----------------------------------- */
/* Canonical verification error for `facts` and the chain the peer sent. */
int otls__verify_classify(unsigned facts, const struct otls__blob *chain, size_t n);

/* --- checkServerIdentity (core/identity.c) ---------------------------------- */
/*
 * A certificate's identities, already extracted, as Node's
 * tls.checkServerIdentity(host, cert) sees them. Values are borrowed.
 */
struct otls__id_names {
  const struct otls__blob *dns; /* DNS SAN values, raw bytes */
  size_t n_dns;
  const struct otls__blob *ip; /* IP SAN values, binary; a length other than 4/16 never matches */
  size_t n_ip;
  const struct otls__blob *cn; /* subject CN values in UTF-8 (one: `subject.CN` is a string) */
  size_t n_cn;
  const char *subjectaltname; /* Node's `cert.subjectaltname`, quoted in the reason; may be NULL */
};

/*
 * 0 when `host` (NUL-terminated, not NULL) is named by `names`; else
 * OTLS_E_CERT_ALTNAME_INVALID with Node's `err.reason` in `reason` (truncated
 * to reason_len; "" on success). Never allocates.
 */
int otls__check_identity_names(const char *host, const struct otls__id_names *names, char *reason,
                               size_t reason_len);

/*
 * The same check on a DER leaf: 0, OTLS_E_CERT_ALTNAME_INVALID (also for DER
 * that does not parse) or OTLS_E_NOMEM.
 */
int otls__check_identity(const char *host, const uint8_t *leaf_der, size_t leaf_len,
                         char *reason, size_t reason_len);

#endif /* OTLS_CORE_INTERNAL_H */
