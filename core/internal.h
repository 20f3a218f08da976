/*
 * omnitls — declarations shared between core files (private).
 */
#ifndef OTLS_CORE_INTERNAL_H
#define OTLS_CORE_INTERNAL_H

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

/* --- the context --------------------------------------------------------- */
struct otls_context {
  atomic_int refs;
  void *bctx; /* backend context */
  uint16_t min_version, max_version;
  bool reject_unauthorized;
  bool request_cert;
  bool has_cert;
  struct otls__der_list chain; /* own chain, leaf first (of the first key/cert pair) */
  /* sessionIdContext (at most 32 bytes), for the session cache */
  uint8_t session_id_context[32];
  size_t session_id_context_len;
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

struct otls_conn {
  struct otls_context *ctx;
  void *bc; /* backend connection */
  struct otls__buf in;  /* ciphertext received, not yet consumed */
  struct otls__buf out; /* ciphertext to send */
  enum conn_state state;
  int fatal;           /* the error that failed the connection */
  int verify_error;    /* 0 or a verification code */
  bool is_server;
  bool reject_unauthorized;
  bool verified;       /* verification ran (peer presented a chain / or checked) */
  bool in_eof;         /* transport EOF fed */
  bool peer_closed;    /* close_notify received */
  bool shut;           /* close_notify queued */
  char *servername;    /* client: SNI sent; server: received */
  char *host;          /* client: identity-check name */
  struct otls__der_list peer_chain;
  char err[OTLS__ERRBUF];
  unsigned min_dh_size; /* client: minDHSize (bits) */
};

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
