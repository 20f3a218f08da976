/*
 * omnitls — the GnuTLS backend.
 *
 * GnuTLS is driven through its push/pull transport callbacks in
 * non-blocking mode (BACKENDS.md §1). Everything GnuTLS would otherwise
 * decide by itself is pinned down explicitly, because core makes the
 * decisions (DESIGN.md §1):
 *
 *  - the priority string is built from the normalised config, starting from
 *    "NONE" (never NORMAL, @SYSTEM or the system priority file);
 *  - the handshake never verifies the peer (no gnutls_session_set_verify_cert);
 *    verification runs afterwards and is reported as OTLS__VF_* facts;
 *  - no OCSP status request from the client unless cfg->request_ocsp, no
 *    renegotiation, no certificate choice by SNI name, no CA-name list in
 *    CertificateRequest (as the OpenSSL backend); the server staples exactly
 *    the response core hands it;
 *  - ALPN: the server selects exactly the protocol core chose, or none;
 *  - sessions: tickets under keys derived from the context's 48-byte key
 *    (core/tickets.c), TLS <= 1.2 session ids in core's cache, lifetime
 *    cfg->session_timeout; exactly cfg->num_tickets TLS 1.3 tickets per
 *    handshake; the client hands every new session to core;
 *  - GnuTLS sends no alert by itself when a call fails: this file sends one
 *    (GnuTLS's choice, or OpenSSL's where they differ), so peers see the
 *    same alert whichever backend is inside.
 *
 * The traps handled here are listed in backends/gnutls/README.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include "../../core/backend.h"

/* Longest SNI host name (RFC 6066 §3: HostName<1..2^16-1>, DNS: 255) + NUL. */
#define SNI_MAX 256
/* Upper bound of retries on non-fatal results that made progress. */
#define MAX_SPINS 100000

struct crl_info {
  gnutls_datum_t issuer; /* raw issuer DN (malloc'ed) */
  time_t this_update;
  time_t next_update; /* -1: none */
};

struct gt_ctx {
  gnutls_certificate_credentials_t cred;
  gnutls_priority_t prio;
  gnutls_dh_params_t dh;             /* dhparam, NULL when none */
  uint16_t min_version, max_version; /* wire numbers */
  bool request_cert;
  bool require_cert;
  /* What crl_facts() needs of each loaded CRL. */
  struct crl_info *crls;
  size_t n_crl;
  bool tls13;               /* TLS 1.3 is in the priority string */
  unsigned num_tickets;     /* TLS 1.3 tickets per handshake */
  bool no_ticket;           /* secureOptions NO_TICKET: no tickets at all */
  bool no_renegotiation;    /* secureOptions NO_RENEGOTIATION: refuse the peer's */
  unsigned session_timeout; /* server: session and ticket lifetime, seconds */
  /* The ticket keys last derived from core's 48-byte key (derive_ticket_keys),
   * so that a server derives them once per key, not once per connection. */
  pthread_mutex_t stek_lock;
  bool stek_valid;
  uint8_t stek_node[48];
  uint8_t stek13[64], stek12[64];
};

struct gt_conn {
  gnutls_session_t s;
  struct gt_ctx *ctx;
  struct otls_conn *conn;
  bool is_server;
  bool pull_blocked; /* the last pull found no input (would block) */
  bool has_peek;     /* one byte read ahead by pull_timeout */
  uint8_t peek;
  int alert; /* the first fatal alert sent or received, -1 none */
  bool alert_sent;
  bool facts_done;
  unsigned facts;
  bool cipher_done;
  uint16_t cipher;
  bool sni_done;
  bool status_restored;     /* client: see client_hook() */
  unsigned tickets_pending; /* client: TLS 1.3 tickets that arrived, not exported yet */
  bool session_done;        /* the handshake's own session / tickets are dealt with */
  bool ticket_key_set;      /* server: set_ticket_key() ran */
  bool request_ocsp;        /* client: asked for a stapled OCSP response */
  bool rehandshake;         /* a renegotiation handshake is running */
  /*
   * Server: GnuTLS ticket master keys derived from the context's 48-byte key
   * when the connection was made (derive_ticket_keys()), one for TLS 1.3
   * handshakes and one for TLS <= 1.2; wiped once installed.
   */
  uint8_t stek13[64], stek12[64];
  uint8_t *ocsp; /* server: the OCSP response to staple (NULL = none) */
  size_t ocsp_len;
  uint8_t first[5]; /* the first bytes received (see first_record_phase()) */
  uint8_t n_first;
  char sni[SNI_MAX + 1];
};

/* --- the one native-error mapping ---------------------------------------- */

/* What was being done when GnuTLS failed: the same code means different things. */
enum phase {
  PH_CONFIG,    /* priority string, allocation */
  PH_SESSION,   /* setting up a session */
  PH_CERT,      /* importing a certificate, CA or CRL (DER) */
  PH_KEY,       /* importing an unencrypted private key */
  PH_KEY_CRYPT, /* importing an encrypted private key */
  PH_HANDSHAKE,
  PH_NOT_TLS,      /* handshake, and the peer's first bytes are no TLS record */
  PH_NOT_TLS_HTTP, /* ... but an HTTP request */
  PH_IO,           /* records after the handshake */
};

static bool is_asn1_error(int rv) {
  switch (rv) {
  case GNUTLS_E_ASN1_ELEMENT_NOT_FOUND:
  case GNUTLS_E_ASN1_IDENTIFIER_NOT_FOUND:
  case GNUTLS_E_ASN1_DER_ERROR:
  case GNUTLS_E_ASN1_VALUE_NOT_FOUND:
  case GNUTLS_E_ASN1_GENERIC_ERROR:
  case GNUTLS_E_ASN1_VALUE_NOT_VALID:
  case GNUTLS_E_ASN1_TAG_ERROR:
  case GNUTLS_E_ASN1_TAG_IMPLICIT:
  case GNUTLS_E_ASN1_TYPE_ANY_ERROR:
  case GNUTLS_E_ASN1_SYNTAX_ERROR:
  case GNUTLS_E_ASN1_DER_OVERFLOW:
  case GNUTLS_E_ASN1_EMBEDDED_NULL_IN_STRING:
  case GNUTLS_E_ASN1_TIME_ERROR: /* a malformed UTCTime/GeneralizedTime (found by fuzz_crl) */
  case GNUTLS_E_CERTIFICATE_ERROR:
  case GNUTLS_E_X509_UNSUPPORTED_ATTRIBUTE:
  case GNUTLS_E_X509_UNSUPPORTED_EXTENSION:
  case GNUTLS_E_X509_UNKNOWN_SAN:
  case GNUTLS_E_X509_DUPLICATE_EXTENSION:
  case GNUTLS_E_CERTIFICATE_TIME_ERROR:
  case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
  case GNUTLS_E_UNKNOWN_HASH_ALGORITHM:
  case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
  case GNUTLS_E_PARSING_ERROR: return true;
  }
  return false;
}

static int code_for(int rv, enum phase ph, bool is_server) {
  if (rv == GNUTLS_E_MEMORY_ERROR)
    return OTLS_E_NOMEM;
  switch (ph) {
  case PH_CONFIG:
    if (rv == GNUTLS_E_NO_PRIORITIES_WERE_SET || rv == GNUTLS_E_INVALID_REQUEST)
      return OTLS_E_UNSUPPORTED;
    return OTLS_E_INTERNAL;
  case PH_SESSION: return rv == GNUTLS_E_INVALID_REQUEST ? OTLS_E_INVAL : OTLS_E_INTERNAL;
  case PH_CERT:
    if (rv == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
      return OTLS_E_KEY_MISMATCH;
    if (rv == GNUTLS_E_FILE_ERROR)
      return OTLS_E_FILE;
    if (is_asn1_error(rv) || rv == GNUTLS_E_BASE64_DECODING_ERROR ||
        rv == GNUTLS_E_BASE64_UNEXPECTED_HEADER_ERROR || rv == GNUTLS_E_INVALID_REQUEST)
      return OTLS_E_DER_BAD;
    return OTLS_E_INTERNAL;
  case PH_KEY_CRYPT:
    /*
     * A wrong passphrase usually fails the padding check (DECRYPTION_FAILED),
     * but with a traditional (Proc-Type) key it may also "decrypt" to garbage
     * that then fails to parse: for an encrypted key both mean bad decrypt.
     */
    if (rv == GNUTLS_E_DECRYPTION_FAILED || is_asn1_error(rv) ||
        rv == GNUTLS_E_PK_INVALID_PRIVKEY || rv == GNUTLS_E_INVALID_PASSWORD)
      return OTLS_E_BAD_DECRYPT;
    /* fall through */
  case PH_KEY:
    switch (rv) {
    case GNUTLS_E_DECRYPTION_FAILED:
    case GNUTLS_E_INVALID_PASSWORD: return OTLS_E_BAD_DECRYPT;
    case GNUTLS_E_CERTIFICATE_KEY_MISMATCH: return OTLS_E_KEY_MISMATCH;
    case GNUTLS_E_BASE64_UNEXPECTED_HEADER_ERROR:
    case GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE: return OTLS_E_PEM_NO_START_LINE;
    case GNUTLS_E_BASE64_DECODING_ERROR: return OTLS_E_PEM_BAD;
    }
    if (is_asn1_error(rv))
      return OTLS_E_DER_BAD;
    return OTLS_E_BAD_KEY;
  case PH_NOT_TLS: return OTLS_E_VERSION_MISMATCH; /* OpenSSL: wrong version number */
  case PH_NOT_TLS_HTTP: return OTLS_E_HANDSHAKE;   /* OpenSSL: http request / https proxy request */
  case PH_HANDSHAKE:
  case PH_IO: break;
  }
  switch (rv) {
  case GNUTLS_E_FATAL_ALERT_RECEIVED: return OTLS_E_PEER_ALERT;
  case GNUTLS_E_PREMATURE_TERMINATION:
    return OTLS_E_TRUNCATED; /* core: CONNRESET during the handshake */
  case GNUTLS_E_PUSH_ERROR:
    return OTLS_E_NOMEM; /* our push fails only when the output cannot grow */
  case GNUTLS_E_PULL_ERROR: return OTLS_E_INTERNAL;
  }
  if (ph == PH_IO)
    return OTLS_E_PROTOCOL;
  switch (rv) {
  case GNUTLS_E_NO_CERTIFICATE_FOUND:
  case GNUTLS_E_CERTIFICATE_REQUIRED:
    /* Server: require_cert and the client sent none (the one allowed failure). */
    return is_server ? OTLS_E_PEER_CERT_REQUIRED : OTLS_E_HANDSHAKE;
  case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
  case GNUTLS_E_INAPPROPRIATE_FALLBACK: return OTLS_E_VERSION_MISMATCH;
  case GNUTLS_E_NO_CIPHER_SUITES:
  case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
  case GNUTLS_E_INSUFFICIENT_CREDENTIALS: return OTLS_E_NO_SHARED_CIPHER;
  case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
  case GNUTLS_E_UNEXPECTED_PACKET:
  case GNUTLS_E_RECORD_OVERFLOW:
  case GNUTLS_E_DECRYPTION_FAILED:
  case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET: return OTLS_E_PROTOCOL;
  }
  return OTLS_E_HANDSHAKE;
}

/*
 * Translate a GnuTLS error into OTLS_E_* and put GnuTLS's own message on the
 * connection (conn != NULL) or in the context's detail buffer.
 */
static int map_error(int rv, enum phase ph, bool is_server, struct otls_conn *conn, char *detail,
                     size_t detail_len, const char *what) {
  int code = code_for(rv, ph, is_server);
  const char *name = gnutls_strerror_name(rv);
  if (conn)
    otls__conn_set_error(conn, "gnutls: %s: %s (%s)", what, gnutls_strerror(rv), name ? name : "?");
  else
    otls__detail(detail, detail_len, "gnutls: %s: %s (%s)", what, gnutls_strerror(rv),
                 name ? name : "?");
  return code;
}

/* --- the one verification-result mapping ------------------------------------ */

static unsigned map_verify(unsigned status) {
  unsigned f = 0;
  /*
   * OCSP results are not verification facts (OpenSSL judges neither the
   * staple nor must-staple): verify_peer() skips GnuTLS's OCSP step; this
   * is a second line.
   */
  status &= ~(unsigned)(GNUTLS_CERT_MISSING_OCSP_STATUS | GNUTLS_CERT_INVALID_OCSP_STATUS);
  if ((status & ~(unsigned)GNUTLS_CERT_INVALID) == 0)
    return status ? OTLS__VF_ISSUER : 0; /* INVALID without a reason GnuTLS names */
  if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
    f |= OTLS__VF_ISSUER;
  if (status & (GNUTLS_CERT_SIGNER_NOT_CA | GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE))
    f |= OTLS__VF_INVALID_CA; /* OpenSSL: INVALID_CA, PATH_LENGTH_EXCEEDED */
  /* An expired / not yet valid CRL is EXPIRED / NOT_YET_VALID, as on OpenSSL. */
  if (status & (GNUTLS_CERT_EXPIRED | GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED))
    f |= OTLS__VF_EXPIRED;
  if (status & (GNUTLS_CERT_NOT_ACTIVATED | GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE))
    f |= OTLS__VF_NOT_YET_VALID;
  if (status & GNUTLS_CERT_REVOKED)
    f |= OTLS__VF_REVOKED;
  if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
    f |= OTLS__VF_SIGNATURE;
  if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
    f |= OTLS__VF_PURPOSE;
  /* INSECURE_ALGORITHM, UNKNOWN_CRIT_EXTENSIONS, ...: no canonical fact. */
  if (f == 0 || (status & (GNUTLS_CERT_INSECURE_ALGORITHM | GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS |
                           GNUTLS_CERT_MISMATCH | GNUTLS_CERT_UNEXPECTED_OWNER)))
    f |= OTLS__VF_OTHER;
  return f;
}

/* --- transport -------------------------------------------------------------- */

static ssize_t tx_push(gnutls_transport_ptr_t p, const void *buf, size_t len) {
  struct gt_conn *b = p;
  long n = otls__tx_send(b->conn, buf, len);
  if (n < 0) {
    gnutls_transport_set_errno(b->s, ENOMEM);
    return -1;
  }
  return (ssize_t)n;
}

static ssize_t tx_pull(gnutls_transport_ptr_t p, void *buf, size_t len) {
  struct gt_conn *b = p;
  uint8_t *out = buf;
  size_t got = 0;
  if (len == 0)
    return 0;
  if (b->has_peek) {
    out[got++] = b->peek;
    b->has_peek = false;
  }
  long n = got < len ? otls__tx_recv(b->conn, out + got, len - got) : 0;
  if (n > 0)
    got += (size_t)n;
  for (size_t i = 0; i < got && b->n_first < sizeof(b->first); i++)
    b->first[b->n_first++] = out[i];
  if (got > 0)
    return (ssize_t)got;
  if (n == 0) {
    /* Nothing buffered: "would block", never EOF (GnuTLS reads 0 as EOF). */
    b->pull_blocked = true;
    gnutls_transport_set_errno(b->s, EAGAIN);
    return -1;
  }
  return 0; /* transport EOF */
}

/*
 * GnuTLS asks this before pulling when a timeout is armed. Returning 0 would
 * mean "timed out" (GNUTLS_E_TIMEDOUT, fatal); in non-blocking use the answer
 * is "ready" (1) when a byte or EOF is there, and EAGAIN otherwise. The byte
 * read to find out is kept and handed out by the next pull.
 */
static int tx_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms) {
  struct gt_conn *b = p;
  (void)ms;
  if (b->has_peek)
    return 1;
  long n = otls__tx_recv(b->conn, &b->peek, 1);
  if (n > 0) {
    b->has_peek = true;
    return 1;
  }
  if (n < 0)
    return 1; /* EOF: the pull reports it */
  b->pull_blocked = true;
  gnutls_transport_set_errno(b->s, EAGAIN);
  return -1;
}

/* --- global ------------------------------------------------------------------ */

static pthread_once_t version_once = PTHREAD_ONCE_INIT;
static char version_text[64];

static void make_version(void) {
  const char *v = gnutls_check_version(NULL);
  snprintf(version_text, sizeof(version_text), "GnuTLS %s", v ? v : "?");
}

static const char *gt_version(void) {
  pthread_once(&version_once, make_version);
  return version_text;
}

static int gt_global_init(void) {
  /* Implicit in a library constructor; this only takes a reference. */
  int rv = gnutls_global_init();
  return rv < 0 ? OTLS_E_INTERNAL : 0;
}

/* --- the priority string ------------------------------------------------------ */

struct strbuf {
  char buf[2048];
  size_t len;
  bool overflow;
};

static void sb_add(struct strbuf *sb, const char *tok) {
  int n = snprintf(sb->buf + sb->len, sizeof(sb->buf) - sb->len, ":%s", tok);
  if (n < 0 || (size_t)n >= sizeof(sb->buf) - sb->len)
    sb->overflow = true;
  else
    sb->len += (size_t)n;
}

/* Algorithm names in order of first appearance, without repeats. */
struct name_list {
  const char *names[48];
  size_t n;
};

static void add_once(struct name_list *l, const char *name) {
  if (name == NULL)
    return;
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->names[i], name) == 0)
      return;
  if (l->n < sizeof(l->names) / sizeof(l->names[0]))
    l->names[l->n++] = name;
}

/* TLS NamedGroup id -> priority-string name (RFC 8446 §4.2.7, RFC 7919). */
static const char *group_name(uint16_t id) {
  switch (id) {
  case 29: return "GROUP-X25519";
  case 30: return "GROUP-X448";
  case 23: return "GROUP-SECP256R1";
  case 24: return "GROUP-SECP384R1";
  case 25: return "GROUP-SECP521R1";
  case 256: return "GROUP-FFDHE2048";
  case 257: return "GROUP-FFDHE3072";
  case 258: return "GROUP-FFDHE4096";
  case 259: return "GROUP-FFDHE6144";
  case 260: return "GROUP-FFDHE8192";
  }
  return NULL;
}

/*
 * Signature algorithms, in OpenSSL 3's default order (TLS 1.3 names next to
 * their TLS 1.2 twins, which share the code point). SHA-1/SHA-224 last, for
 * TLS 1.2 peers that have nothing better.
 */
static const char *const sign_tokens[] = {
    "+SIGN-ECDSA-SECP256R1-SHA256",
    "+SIGN-ECDSA-SHA256",
    "+SIGN-ECDSA-SECP384R1-SHA384",
    "+SIGN-ECDSA-SHA384",
    "+SIGN-ECDSA-SECP521R1-SHA512",
    "+SIGN-ECDSA-SHA512",
    "+SIGN-EdDSA-Ed25519",
    "+SIGN-EdDSA-Ed448",
    "+SIGN-RSA-PSS-SHA256",
    "+SIGN-RSA-PSS-SHA384",
    "+SIGN-RSA-PSS-SHA512",
    "+SIGN-RSA-PSS-RSAE-SHA256",
    "+SIGN-RSA-PSS-RSAE-SHA384",
    "+SIGN-RSA-PSS-RSAE-SHA512",
    "+SIGN-RSA-SHA256",
    "+SIGN-RSA-SHA384",
    "+SIGN-RSA-SHA512",
    "+SIGN-ECDSA-SHA224",
    "+SIGN-RSA-SHA224",
    "+SIGN-ECDSA-SHA1",
    "+SIGN-RSA-SHA1",
};

/*
 * Key exchanges that need credentials omnitls never gives GnuTLS (PSK, SRP,
 * anonymous) are left out: such suites could never be negotiated, and
 * listing SRP or RSA-PSK makes GnuTLS drop TLS 1.3 altogether.
 */
static bool usable_kx(gnutls_kx_algorithm_t kx) {
  switch (kx) {
  case GNUTLS_KX_UNKNOWN: /* TLS 1.3 */
  case GNUTLS_KX_RSA:
  case GNUTLS_KX_DHE_DSS:
  case GNUTLS_KX_DHE_RSA:
  case GNUTLS_KX_ECDHE_RSA:
  case GNUTLS_KX_ECDHE_ECDSA: return true;
  default: return false;
  }
}

/* GnuTLS's own table entry for a two-byte suite id; false when unknown. */
static bool suite_lookup(uint16_t id, gnutls_kx_algorithm_t *kx, gnutls_cipher_algorithm_t *c,
                         gnutls_mac_algorithm_t *m, gnutls_protocol_t *minv) {
  unsigned char cs[2];
  for (size_t i = 0;; i++) {
    const char *name = gnutls_cipher_suite_info(i, cs, kx, c, m, minv);
    if (name == NULL)
      return false;
    if (((uint16_t)(cs[0] << 8) | cs[1]) == id)
      return true;
  }
}

/*
 * GnuTLS selects per algorithm: the enabled suites are every known
 * combination of the listed kx x cipher x MAC (TLS 1.3: cipher x AEAD), in
 * the order TLS 1.3 first, then kx-major. The config's ordered id list is
 * approximated by listing each algorithm at its first appearance
 * (README.md: "Cipher suites").
 */
static int build_priority(const struct otls__ctx_config *cfg, struct strbuf *sb, char *detail,
                          size_t detail_len) {
  static const struct {
    uint16_t v;
    const char *tok;
  } vers[] = {{OTLS__TLS1_3, "+VERS-TLS1.3"},
              {OTLS__TLS1_2, "+VERS-TLS1.2"},
              {OTLS__TLS1_1, "+VERS-TLS1.1"},
              {OTLS__TLS1_0, "+VERS-TLS1.0"}};
  if (cfg->min_version < OTLS__TLS1_0 || cfg->max_version > OTLS__TLS1_3 ||
      cfg->min_version > cfg->max_version) {
    otls__detail(detail, detail_len, "gnutls: unsupported protocol range 0x%04x..0x%04x",
                 cfg->min_version, cfg->max_version);
    return OTLS_E_BAD_VERSION;
  }
  struct name_list ciphers = {.n = 0}, macs = {.n = 0}, kxs = {.n = 0}, groups = {.n = 0};
  bool has13 = false, has12 = false; /* a TLS 1.3 / TLS <= 1.2 suite is enabled */
  for (size_t i = 0; i < cfg->n_suites; i++) {
    gnutls_kx_algorithm_t kx;
    gnutls_cipher_algorithm_t c;
    gnutls_mac_algorithm_t m;
    gnutls_protocol_t minv;
    if (!suite_lookup(cfg->suites[i], &kx, &c, &m, &minv) || !usable_kx(kx))
      continue;
    /* A NULL cipher makes GnuTLS drop TLS 1.3 altogether. */
    if (c == GNUTLS_CIPHER_NULL && cfg->max_version >= OTLS__TLS1_3)
      continue;
    /*
     * Out of the range, a TLS 1.3 suite would only leak its cipher into the
     * TLS 1.2 suites (GnuTLS enables ciphers, not suites), e.g. AES-128-GCM
     * next to a single ECDHE-RSA-AES256-GCM-SHA384.
     */
    if (minv == GNUTLS_TLS1_3 && cfg->max_version < OTLS__TLS1_3)
      continue;
    add_once(&ciphers, gnutls_cipher_get_name(c));
    add_once(&macs, gnutls_mac_get_name(m));
    if (minv == GNUTLS_TLS1_3) {
      has13 = true;
    } else {
      has12 = true;
      add_once(&kxs, gnutls_kx_get_name(kx));
    }
  }
  if (!has13 && !has12) {
    otls__detail(detail, detail_len, "gnutls: none of the %zu cipher suites is available",
                 cfg->n_suites);
    return OTLS_E_UNSUPPORTED;
  }
  /*
   * With no TLS 1.3 suite in the list, TLS 1.3 is left out (GnuTLS would
   * otherwise enable the TLS 1.3 suites of the listed ciphers); likewise
   * TLS <= 1.2 without a TLS <= 1.2 suite. Never both: then the range stays.
   */
  bool only12 = !has13 && cfg->min_version < OTLS__TLS1_3;
  bool only13 = !has12 && cfg->max_version >= OTLS__TLS1_3;
  sb->len = (size_t)snprintf(sb->buf, sizeof(sb->buf), "NONE");
  for (size_t i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
    uint16_t v = vers[i].v;
    if (v < cfg->min_version || v > cfg->max_version)
      continue;
    if ((only12 && v == OTLS__TLS1_3) || (only13 && v != OTLS__TLS1_3))
      continue;
    sb_add(sb, vers[i].tok);
  }
  for (size_t i = 0; i < cfg->n_groups; i++)
    add_once(&groups, group_name(cfg->groups[i])); /* unknown ids: skipped */
  const struct name_list *lists[] = {&ciphers, &macs, &kxs, &groups};
  for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
    for (size_t i = 0; i < lists[l]->n; i++) {
      char tok[64];
      snprintf(tok, sizeof(tok), "+%s", lists[l]->names[i]);
      sb_add(sb, tok);
    }
  for (size_t i = 0; i < sizeof(sign_tokens) / sizeof(sign_tokens[0]); i++)
    sb_add(sb, sign_tokens[i]);
  sb_add(sb, "+COMP-NULL");
  sb_add(sb, "+CTYPE-X509");
  /* Without honorCipherOrder the client's order wins, as Node's default. */
  if (cfg->honor_cipher_order)
    sb_add(sb, "%SERVER_PRECEDENCE");
  if (sb->overflow) {
    otls__detail(detail, detail_len, "gnutls: priority string too long");
    return OTLS_E_INVAL;
  }
  return 0;
}

/* --- context ---------------------------------------------------------------- */

/*
 * Server: the OCSP response to staple, asked for by GnuTLS only when the
 * client sent status_request. Core sets cfg->ocsp_response only then too;
 * without one, nothing is stapled (no extension in a TLS 1.2 ServerHello).
 */
static int ocsp_status_cb(gnutls_session_t s, void *ptr, gnutls_datum_t *resp) {
  (void)ptr;
  struct gt_conn *b = gnutls_session_get_ptr(s);
  if (b == NULL || b->ocsp == NULL)
    return GNUTLS_E_NO_CERTIFICATE_STATUS;
  /* GnuTLS frees it with gnutls_free. */
  if ((resp->data = gnutls_malloc(b->ocsp_len)) == NULL)
    return GNUTLS_E_MEMORY_ERROR;
  memcpy(resp->data, b->ocsp, b->ocsp_len);
  resp->size = (unsigned)b->ocsp_len;
  return 0;
}

static void ctx_destroy(struct gt_ctx *x) {
  if (x == NULL)
    return;
  if (x->prio)
    gnutls_priority_deinit(x->prio);
  if (x->cred)
    gnutls_certificate_free_credentials(x->cred);
  if (x->dh)
    gnutls_dh_params_deinit(x->dh);
  for (size_t i = 0; i < x->n_crl; i++)
    free(x->crls[i].issuer.data);
  free(x->crls);
  gnutls_memset(x->stek_node, 0, sizeof(x->stek_node));
  gnutls_memset(x->stek13, 0, sizeof(x->stek13));
  gnutls_memset(x->stek12, 0, sizeof(x->stek12));
  pthread_mutex_destroy(&x->stek_lock);
  free(x);
}

static void gt_ctx_free(void *p) {
  ctx_destroy(p);
}

static int load_trust(struct gt_ctx *x, const struct otls__ctx_config *cfg, char *detail,
                      size_t detail_len) {
  int rv;
  if (cfg->use_system_ca) {
    /* An unreadable system bundle means an empty store (as with Node). */
    if (cfg->ca_file)
      (void)gnutls_certificate_set_x509_trust_file(x->cred, cfg->ca_file, GNUTLS_X509_FMT_PEM);
  } else {
    for (size_t i = 0; i < cfg->n_ca; i++) {
      gnutls_datum_t d = {(unsigned char *)cfg->ca[i].data, (unsigned)cfg->ca[i].len};
      if ((rv = gnutls_certificate_set_x509_trust_mem(x->cred, &d, GNUTLS_X509_FMT_DER)) < 0)
        return map_error(rv, PH_CERT, false, NULL, detail, detail_len, "ca");
    }
  }
  if (cfg->n_crl == 0)
    return 0;
  x->crls = calloc(cfg->n_crl, sizeof(*x->crls));
  if (x->crls == NULL)
    return OTLS_E_NOMEM;
  for (size_t i = 0; i < cfg->n_crl; i++) {
    gnutls_datum_t d = {(unsigned char *)cfg->crl[i].data, (unsigned)cfg->crl[i].len};
    gnutls_x509_crl_t crl;
    gnutls_datum_t dn = {NULL, 0};
    if ((rv = gnutls_x509_crl_init(&crl)) < 0)
      return map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, "crl");
    struct crl_info *ci = &x->crls[x->n_crl];
    rv = gnutls_x509_crl_import(crl, &d, GNUTLS_X509_FMT_DER);
    if (rv >= 0)
      rv = gnutls_x509_crl_get_raw_issuer_dn(crl, &dn);
    if (rv >= 0) {
      ci->this_update = gnutls_x509_crl_get_this_update(crl);
      ci->next_update = gnutls_x509_crl_get_next_update(crl);
    }
    gnutls_x509_crl_deinit(crl);
    if (rv < 0)
      return map_error(rv, PH_CERT, false, NULL, detail, detail_len, "crl");
    ci->issuer.data = malloc(dn.size ? dn.size : 1);
    if (ci->issuer.data == NULL) {
      gnutls_free(dn.data);
      return OTLS_E_NOMEM;
    }
    memcpy(ci->issuer.data, dn.data, dn.size);
    ci->issuer.size = dn.size;
    x->n_crl++;
    gnutls_free(dn.data);
    if ((rv = gnutls_certificate_set_x509_crl_mem(x->cred, &d, GNUTLS_X509_FMT_DER)) < 0)
      return map_error(rv, PH_CERT, false, NULL, detail, detail_len, "crl");
  }
  return 0;
}

/* The key's id must equal the certificate's: checked explicitly (BACKENDS.md (b)14). */
static bool key_matches(gnutls_pcert_st *leaf, gnutls_x509_privkey_t key) {
  unsigned char a[64], b[64];
  size_t la = sizeof(a), lb = sizeof(b);
  if (gnutls_pubkey_get_key_id(leaf->pubkey, 0, a, &la) < 0 ||
      gnutls_x509_privkey_get_key_id(key, 0, b, &lb) < 0)
    return false;
  return la == lb && memcmp(a, b, la) == 0;
}

/*
 * One key/certificate pair. GnuTLS keeps every pair of a credential and
 * picks the first one the client can use (key exchange, signature
 * algorithms) — or one whose names match the SNI name; see below.
 */
static int load_cred(struct gt_ctx *x, const struct otls__cred *cred, char *detail,
                     size_t detail_len) {
  if (cred->key_pem == NULL) {
    otls__detail(detail, detail_len, "gnutls: a certificate without a key");
    return OTLS_E_NO_CERT;
  }
  int rv;
  size_t n = 0;
  gnutls_x509_privkey_t xkey = NULL;
  gnutls_privkey_t pkey = NULL;
  gnutls_pcert_st *pcerts = calloc(cred->n_chain, sizeof(*pcerts));
  if (pcerts == NULL)
    return OTLS_E_NOMEM;
  for (; n < cred->n_chain; n++) {
    gnutls_datum_t d = {(unsigned char *)cred->chain[n].data, (unsigned)cred->chain[n].len};
    if ((rv = gnutls_pcert_import_x509_raw(&pcerts[n], &d, GNUTLS_X509_FMT_DER, 0)) < 0) {
      rv = map_error(rv, PH_CERT, false, NULL, detail, detail_len, "certificate");
      goto out_free;
    }
  }
  if ((rv = gnutls_x509_privkey_init(&xkey)) < 0) {
    rv = map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, "key");
    goto out_free;
  }
  /* Both encrypted forms: PKCS#8 "ENCRYPTED PRIVATE KEY" and "Proc-Type: 4,ENCRYPTED". */
  bool encrypted = strstr(cred->key_pem, "ENCRYPTED") != NULL;
  gnutls_datum_t kd = {(unsigned char *)cred->key_pem, (unsigned)cred->key_pem_len};
  /* import2 never prompts: no pin callback is set and a NULL password is "none". */
  rv = gnutls_x509_privkey_import2(xkey, &kd, GNUTLS_X509_FMT_PEM, cred->key_passphrase, 0);
  if (rv < 0) {
    rv = map_error(rv, encrypted ? PH_KEY_CRYPT : PH_KEY, false, NULL, detail, detail_len,
                   encrypted ? "key: cannot decrypt" : "key");
    goto out_free;
  }
  if (!key_matches(&pcerts[0], xkey)) {
    otls__detail(detail, detail_len, "gnutls: key: the private key does not match the certificate");
    rv = OTLS_E_KEY_MISMATCH;
    goto out_free;
  }
  if ((rv = gnutls_privkey_init(&pkey)) < 0 ||
      (rv = gnutls_privkey_import_x509(pkey, xkey, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE)) < 0) {
    rv = map_error(rv, PH_KEY, false, NULL, detail, detail_len, "key");
    goto out_free;
  }
  xkey = NULL; /* owned by pkey now */
  /*
   * names != NULL with names_size 0 gives the pair no DNS names at all, so
   * GnuTLS never prefers a pair because it matches the client's SNI
   * (NULL would take the names from the certificate): core chooses.
   */
  static const char *no_names[1] = {NULL};
  rv = gnutls_certificate_set_key(x->cred, no_names, 0, pcerts, (int)cred->n_chain, pkey);
  if (rv < 0) {
    rv = map_error(rv, PH_CERT, false, NULL, detail, detail_len, "certificate and key");
    goto out_free;
  }
  /* The credentials own the certificates and the key now. */
  free(pcerts);
  return 0;
out_free:
  for (size_t i = 0; i < n; i++)
    gnutls_pcert_deinit(&pcerts[i]);
  free(pcerts);
  if (pkey)
    gnutls_privkey_deinit(pkey);
  if (xkey)
    gnutls_x509_privkey_deinit(xkey);
  return rv;
}

/*
 * Where OpenSSL would rank a pair when both are usable: it follows the
 * client's signature algorithms, and every omnitls client (like OpenSSL's
 * default list) names ECDSA before EdDSA before RSA-PSS before RSA.
 */
static int pair_rank(const struct otls__cred *cred) {
  gnutls_x509_crt_t crt;
  gnutls_datum_t d = {(unsigned char *)cred->chain[0].data, (unsigned)cred->chain[0].len};
  int pk = GNUTLS_PK_UNKNOWN;
  if (gnutls_x509_crt_init(&crt) < 0)
    return 9;
  if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0)
    pk = gnutls_x509_crt_get_pk_algorithm(crt, NULL);
  gnutls_x509_crt_deinit(crt);
  switch (pk) {
  case GNUTLS_PK_ECDSA: return 0;
  case GNUTLS_PK_EDDSA_ED25519: return 1;
  case GNUTLS_PK_EDDSA_ED448: return 2;
  case GNUTLS_PK_RSA_PSS: return 3;
  case GNUTLS_PK_RSA: return 4;
  default: return 5;
  }
}

/*
 * GnuTLS uses the first pair (in the order they were added) that suits the
 * negotiated suite and the client's signature algorithms; so the pairs are
 * added in the order OpenSSL would prefer them (pair_rank), and both
 * backends pick the same certificate for the same client.
 */
static int load_credentials(struct gt_ctx *x, const struct otls__ctx_config *cfg, char *detail,
                            size_t detail_len) {
  for (int rank = 0; rank <= 9; rank++)
    for (size_t i = 0; i < cfg->n_creds; i++) {
      if (pair_rank(&cfg->creds[i]) != rank)
        continue;
      int rv = load_cred(x, &cfg->creds[i], detail, detail_len);
      if (rv < 0)
        return rv;
    }
  return 0;
}

static int gt_ctx_new(void **out, const struct otls__ctx_config *cfg, char *detail,
                      size_t detail_len) {
  *out = NULL;
  struct gt_ctx *x = calloc(1, sizeof(*x));
  if (x == NULL)
    return OTLS_E_NOMEM;
  pthread_mutex_init(&x->stek_lock, NULL);
  int rv;
  struct strbuf sb = {.len = 0, .overflow = false};
  if ((rv = build_priority(cfg, &sb, detail, detail_len)) < 0)
    goto out_free;
  const char *err_pos = NULL;
  if ((rv = gnutls_priority_init2(&x->prio, sb.buf, &err_pos, 0)) < 0) {
    x->prio = NULL;
    char what[96];
    snprintf(what, sizeof(what), "priority string at \"%.40s\"", err_pos ? err_pos : "");
    rv = map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, what);
    goto out_free;
  }
  if ((rv = gnutls_certificate_allocate_credentials(&x->cred)) < 0) {
    x->cred = NULL;
    rv = map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, "credentials");
    goto out_free;
  }
  if ((rv = load_credentials(x, cfg, detail, detail_len)) < 0 ||
      (rv = load_trust(x, cfg, detail, detail_len)) < 0)
    goto out_free;
  /*
   * dhparam. The priority string names only the configured groups, never a
   * GROUP-FFDHE*, so the server uses these parameters and not an RFC 7919
   * group of its own (BACKENDS.md §4).
   */
  if (cfg->dhparam.len > 0) {
    gnutls_datum_t d = {(unsigned char *)cfg->dhparam.data, (unsigned)cfg->dhparam.len};
    if ((rv = gnutls_dh_params_init(&x->dh)) < 0) {
      x->dh = NULL;
      rv = map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, "dhparam");
      goto out_free;
    }
    if ((rv = gnutls_dh_params_import_pkcs3(x->dh, &d, GNUTLS_X509_FMT_DER)) < 0) {
      rv = map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, "dhparam");
      goto out_free;
    }
    gnutls_certificate_set_dh_params(x->cred, x->dh);
  }
  /*
   * OCSP stapling: the credentials ask the connection (ocsp_status_cb) for
   * the response core handed it; GnuTLS calls this only when the client
   * asked for a staple, for the leaf (TLS 1.2 CertificateStatus, TLS 1.3
   * Certificate entry). Unlike ..._set_ocsp_status_request_mem, the
   * function form does not check the response against the certificate: the
   * application's bytes are sent as they are, as on OpenSSL.
   */
  if (cfg->n_creds > 0 && (rv = gnutls_certificate_set_ocsp_status_request_function2(
                               x->cred, 0, ocsp_status_cb, NULL)) < 0) {
    rv = map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, "OCSP status function");
    goto out_free;
  }
  const unsigned *protos = NULL;
  int n_protos = gnutls_priority_protocol_list(x->prio, &protos);
  for (int i = 0; i < n_protos; i++)
    if (protos[i] == GNUTLS_TLS1_3)
      x->tls13 = true;
  x->num_tickets = cfg->no_ticket ? 0 : cfg->num_tickets;
  x->no_ticket = cfg->no_ticket;
  x->no_renegotiation = cfg->no_renegotiation;
  x->session_timeout = cfg->session_timeout;
  x->min_version = cfg->min_version;
  x->max_version = cfg->max_version;
  x->request_cert = cfg->request_cert || cfg->require_cert;
  x->require_cert = cfg->require_cert;
  *out = x;
  return 0;
out_free:
  ctx_destroy(x);
  return rv;
}

/* --- connection ----------------------------------------------------------- */

/*
 * GnuTLS 3.7 clients ask for an OCSP staple by default and 3.7 has neither
 * GNUTLS_NO_STATUS_REQUEST (3.8) nor a priority keyword for it, and the
 * built-in status_request extension cannot be overridden (it predates 3.6).
 * So a client that must not ask (cfg->request_ocsp false) drops the
 * extension's state before the ClientHello (no state = nothing sent) and,
 * for TLS <= 1.2 only, installs a fresh "not requested" state when the
 * server's Certificate arrives: GnuTLS 3.7 reads that state unconditionally
 * in the TLS 1.2 CertificateStatus step. TLS 1.3 never looks at it, and a
 * HelloRetryRequest's second ClientHello still sends nothing. A client that
 * asks keeps GnuTLS's own request (made explicit in conn_new).
 */
#define TLS_EXT_STATUS_REQUEST 5

/*
 * The client's one hook (GnuTLS keeps a single hook per session, so it
 * watches every message and picks): the status_request state above, before
 * an incoming Certificate; and, after each incoming TLS 1.3
 * NewSessionTicket, a note that a new session exists. The session is
 * exported only once gnutls_record_recv() has returned (take_tickets()),
 * not from inside GnuTLS: gnutls_session_get_data2() on a TLS 1.3 session
 * whose ticket is not marked received yet goes and reads (with a timeout).
 * 3.7.9 marks it before this hook runs (run: the data exported here and
 * after the return are identical), but that is an internal order.
 */
static int client_hook(gnutls_session_t s, unsigned int htype, unsigned when, unsigned int incoming,
                       const gnutls_datum_t *msg) {
  (void)msg;
  struct gt_conn *b = gnutls_session_get_ptr(s);
  if (b == NULL || !incoming)
    return 0;
  if (when == GNUTLS_HOOK_PRE && htype == GNUTLS_HANDSHAKE_CERTIFICATE_PKT && !b->request_ocsp &&
      !b->status_restored && gnutls_protocol_get_version(s) != GNUTLS_TLS1_3) {
    b->status_restored = true;
    return gnutls_ocsp_status_request_enable_client(s, NULL, 0, NULL);
  }
  if (when == GNUTLS_HOOK_POST && htype == GNUTLS_HANDSHAKE_NEW_SESSION_TICKET &&
      gnutls_protocol_get_version(s) == GNUTLS_TLS1_3)
    b->tickets_pending++;
  return 0;
}

/*
 * Server: no protocol version in common must end in a protocol_version alert
 * (RFC 8446 §4.2.1), as OpenSSL does. GnuTLS 3.7 instead picks a version the
 * client did not offer and fails later with handshake_failure ("no cipher
 * suites"), so the ClientHello's offer is checked here first.
 */
#define TLS_EXT_SUPPORTED_VERSIONS 43

struct version_offer {
  uint16_t min, max;
  bool has_list; /* supported_versions present */
  bool match;
  bool tls13; /* TLS 1.3 offered */
};

static int offer_cb(void *p, unsigned tls_id, const unsigned char *d, unsigned n) {
  struct version_offer *o = p;
  if (tls_id != TLS_EXT_SUPPORTED_VERSIONS || o->has_list)
    return 0;
  o->has_list = true;
  unsigned len = n > 0 ? d[0] : 0;
  for (unsigned i = 1; i + 1 <= len && i + 1 < n; i += 2) {
    uint16_t v = (uint16_t)(d[i] << 8 | d[i + 1]);
    if (v >= o->min && v <= o->max)
      o->match = true;
    if (v == OTLS__TLS1_3)
      o->tls13 = true;
  }
  return 0;
}

/*
 * Server ticket keys. Core owns Node's 48-byte key per context
 * (otls__ticket_key_current); GnuTLS takes only a 64-byte master key of its
 * own, with no callback. So each server connection derives GnuTLS's keys
 * from the context's current 48 bytes when it is made, deterministically:
 * HMAC-SHA512(key = the 48 bytes, message = a fixed label), one label per
 * kind of handshake (see set_ticket_key() for why there are two). Two
 * contexts or servers with the same 48-byte key (and the same
 * sessionTimeout: GnuTLS derives its rotating key from the master key and
 * a time window of 3 x the session lifetime) resume each other's tickets,
 * and a key set with setTicketKeys() applies to the connections made after
 * it. The previous key is not kept: a ticket made under it makes a full
 * handshake (no OTLS_CAP_TICKET_KEY_ROTATION).
 */
static const char stek_label13[] = "omnitls GnuTLS ticket master key, TLS 1.3";
static const char stek_label12[] = "omnitls GnuTLS ticket master key, TLS 1.2";

static int derive_ticket_keys(struct gt_conn *b) {
  struct gt_ctx *x = b->ctx;
  uint8_t node[48];
  int rv = 0;
  otls__ticket_key_current(b->conn, node);
  /* The derivation (two HMAC-SHA512) is the same for every connection until
   * the key changes: done once per key and context. */
  pthread_mutex_lock(&x->stek_lock);
  if (!x->stek_valid || memcmp(x->stek_node, node, sizeof(node)) != 0) {
    x->stek_valid = false;
    rv = gnutls_hmac_fast(GNUTLS_MAC_SHA512, node, sizeof(node), stek_label13,
                          sizeof(stek_label13) - 1, x->stek13);
    if (rv >= 0)
      rv = gnutls_hmac_fast(GNUTLS_MAC_SHA512, node, sizeof(node), stek_label12,
                            sizeof(stek_label12) - 1, x->stek12);
    if (rv >= 0) {
      memcpy(x->stek_node, node, sizeof(node));
      x->stek_valid = true;
    }
  }
  if (rv >= 0) {
    memcpy(b->stek13, x->stek13, sizeof(b->stek13));
    memcpy(b->stek12, x->stek12, sizeof(b->stek12));
  }
  pthread_mutex_unlock(&x->stek_lock);
  gnutls_memset(node, 0, sizeof(node));
  return rv;
}

/*
 * Server session cache for TLS <= 1.2 session IDs, kept by core (the
 * context's cache, or the application's newSession/resumeSession store).
 * GnuTLS stores a session only after a full TLS <= 1.2 handshake in which it
 * sent no ticket (as OpenSSL, which gives a ticket-holding session an empty
 * id), and looks one up when a TLS <= 1.2 ClientHello offers a session id;
 * it checks the lifetime packed in the entry (gnutls_db_set_cache_expiration)
 * itself. TLS 1.3 resumes by tickets only: never stored or looked up there.
 */
static int db_store(void *ptr, gnutls_datum_t key, gnutls_datum_t data) {
  struct gt_conn *b = ptr;
  if (b == NULL || gnutls_protocol_get_version(b->s) == GNUTLS_TLS1_3)
    return 0;
  otls__server_session_new(b->conn, key.data, key.size, data.data, data.size);
  return 0;
}

static gnutls_datum_t db_retrieve(void *ptr, gnutls_datum_t key) {
  struct gt_conn *b = ptr;
  gnutls_datum_t none = {NULL, 0};
  const uint8_t *data;
  size_t len;
  if (b == NULL || gnutls_protocol_get_version(b->s) == GNUTLS_TLS1_3 || key.size == 0 ||
      otls__server_session_get(b->conn, key.data, key.size, &data, &len) != 1 || len == 0 ||
      (unsigned)len != len)
    return none;
  /* GnuTLS frees the entry with gnutls_free. */
  gnutls_datum_t d = {gnutls_malloc(len), (unsigned)len};
  if (d.data == NULL)
    return none;
  memcpy(d.data, data, len);
  return d;
}

/*
 * GnuTLS calls this only from gnutls_db_remove_session(), which the backend
 * never calls; core has no removal either (OpenSSL's backend sets none).
 */
static int db_remove(void *ptr, gnutls_datum_t key) {
  (void)ptr;
  (void)key;
  return 0;
}

/*
 * Server tickets. GnuTLS 3.7.9 has a server bug: a TLS 1.2 session ticket
 * (extension 35) that decrypts marks the session resumed even when TLS 1.3
 * is negotiated, and the server then runs a TLS 1.3 handshake without
 * Certificate/CertificateVerify and without a PSK, which the client refuses
 * (unexpected_message). That happens whenever a client that keeps a TLS 1.2
 * session offers TLS 1.3 as well (OpenSSL clients included). So there is
 * one ticket key per kind of handshake (derive_ticket_keys()), and the key
 * is chosen once the
 * ClientHello shows which kind this is (GnuTLS picks TLS 1.3 whenever both
 * offer it): a TLS 1.2 ticket never decrypts in a TLS 1.3 handshake (a full
 * handshake follows, as with OpenSSL), nor a TLS 1.3 ticket in TLS 1.2.
 * GnuTLS uses the key first while parsing that ClientHello, after this hook.
 */
static int set_ticket_key(struct gt_conn *b, bool tls13) {
  if (b->ticket_key_set)
    return 0; /* a second ClientHello (HelloRetryRequest) */
  b->ticket_key_set = true;
  if (b->ctx->no_ticket) {
    /* No tickets: TLS <= 1.2 resumes by session id (core's cache). */
    gnutls_memset(b->stek13, 0, sizeof(b->stek13));
    gnutls_memset(b->stek12, 0, sizeof(b->stek12));
    return 0;
  }
  gnutls_datum_t key = {tls13 && b->ctx->tls13 ? b->stek13 : b->stek12, 64};
  /* GnuTLS copies the key. */
  int rv = gnutls_session_ticket_enable_server(b->s, &key);
  gnutls_memset(b->stek13, 0, sizeof(b->stek13));
  gnutls_memset(b->stek12, 0, sizeof(b->stek12));
  return rv;
}

static int server_hook(gnutls_session_t s, unsigned int htype, unsigned when, unsigned int incoming,
                       const gnutls_datum_t *msg) {
  (void)when;
  struct gt_conn *b = gnutls_session_get_ptr(s);
  if (b == NULL || !incoming || htype != GNUTLS_HANDSHAKE_CLIENT_HELLO)
    return 0;
  struct version_offer o = {.min = b->ctx->min_version, .max = b->ctx->max_version};
  /* Malformed hellos are left to GnuTLS, which names the problem itself. */
  bool parsed = msg != NULL && msg->size >= 2 &&
                gnutls_ext_raw_parse(&o, offer_cb, msg, GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO) >= 0;
  int rv = set_ticket_key(b, parsed && o.tls13);
  if (rv < 0 || !parsed)
    return rv;
  if (!o.has_list) /* legacy negotiation: the client's highest version */
    o.match = (uint16_t)(msg->data[0] << 8 | msg->data[1]) >= o.min;
  return o.match ? 0 : GNUTLS_E_UNSUPPORTED_VERSION_PACKET;
}

/*
 * GnuTLS 3.7 keeps ALPN names in fixed arrays: at most 8 names
 * (MAX_ALPN_PROTOCOLS), each shorter than 32 bytes (MAX_ALPN_PROTOCOL_NAME);
 * gnutls_alpn_set_protocols() refuses anything else with INVALID_REQUEST.
 */
#define GT_ALPN_MAX 8
#define GT_ALPN_NAME_MAX 31

/*
 * Client: offer the wire-format list (core validated it). Server: select
 * exactly the one protocol core chose from the client's offer. GnuTLS's
 * server picks the first of its own names the client offered; with one name
 * that is core's choice, and without GNUTLS_ALPN_MANDATORY it never sends
 * no_application_protocol by itself.
 */
static int set_alpn(struct gt_conn *b, const struct otls__conn_config *cfg) {
  gnutls_datum_t names[GT_ALPN_MAX];
  unsigned n = 0;
  if (b->is_server) {
    if (cfg->alpn_len == 0 || cfg->alpn_len > GT_ALPN_NAME_MAX) {
      otls__conn_set_error(b->conn,
                           "gnutls: cannot select an ALPN protocol of %zu bytes "
                           "(GnuTLS 3.7 takes 1 to %d)",
                           cfg->alpn_len, GT_ALPN_NAME_MAX);
      return OTLS_E_UNSUPPORTED;
    }
    names[n].data = (unsigned char *)cfg->alpn;
    names[n++].size = (unsigned)cfg->alpn_len;
  } else {
    for (size_t off = 0; off < cfg->alpn_len;) {
      size_t len = cfg->alpn[off];
      if (len == 0 || len > cfg->alpn_len - off - 1)
        return OTLS_E_INVAL; /* core validates the list: not reached */
      if (n == GT_ALPN_MAX || len > GT_ALPN_NAME_MAX) {
        otls__conn_set_error(b->conn,
                             "gnutls: cannot offer this ALPN list (GnuTLS 3.7 takes "
                             "at most %d names of at most %d bytes)",
                             GT_ALPN_MAX, GT_ALPN_NAME_MAX);
        return OTLS_E_UNSUPPORTED;
      }
      names[n].data = (unsigned char *)cfg->alpn + off + 1;
      names[n++].size = (unsigned)len;
      off += 1 + len;
    }
  }
  int rv = gnutls_alpn_set_protocols(b->s, names, n, 0);
  return rv < 0 ? map_error(rv, PH_SESSION, b->is_server, b->conn, NULL, 0, "ALPN") : 0;
}

static void gt_conn_free(void *p) {
  struct gt_conn *b = p;
  if (b == NULL)
    return;
  if (b->s)
    gnutls_deinit(b->s);
  gnutls_memset(b->stek13, 0, sizeof(b->stek13));
  gnutls_memset(b->stek12, 0, sizeof(b->stek12));
  free(b->ocsp);
  free(b);
}

static int gt_conn_new(void **out, void *pctx, struct otls_conn *conn,
                       const struct otls__conn_config *cfg) {
  bool is_server = cfg->is_server;
  const char *servername = cfg->servername;
  struct gt_ctx *x = pctx;
  *out = NULL;
  struct gt_conn *b = calloc(1, sizeof(*b));
  if (b == NULL)
    return OTLS_E_NOMEM;
  b->ctx = x;
  b->conn = conn;
  b->is_server = is_server;
  b->alert = -1;
  b->request_ocsp = !is_server && cfg->request_ocsp;
  /*
   * Tickets on both sides and in both versions (a client without them
   * would make TLS 1.2 sessions that only the server's session-id cache
   * could resume). NO_AUTO_SEND_TICKET: the server sends its TLS 1.3
   * tickets itself, exactly cfg->num_tickets of them (end_handshake()).
   * FORCE_CLIENT_CERT: send the client certificate whatever CA names the
   * server lists, as OpenSSL does.
   */
  unsigned flags = GNUTLS_NONBLOCK;
  flags |= is_server ? (GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET)
                     : (GNUTLS_CLIENT | GNUTLS_FORCE_CLIENT_CERT);
  int rv;
  if (is_server) {
    if (cfg->ocsp_response && cfg->ocsp_response_len > 0) {
      /* CertificateStatus / CertificateEntry: OCSPResponse<1..2^24-1>. */
      if (cfg->ocsp_response_len > 0xffffffu) {
        otls__conn_set_error(conn, "gnutls: an OCSP response of %zu bytes cannot be stapled",
                             cfg->ocsp_response_len);
        free(b);
        return OTLS_E_INVAL;
      }
      if ((b->ocsp = malloc(cfg->ocsp_response_len)) == NULL) {
        free(b);
        return OTLS_E_NOMEM;
      }
      memcpy(b->ocsp, cfg->ocsp_response, cfg->ocsp_response_len);
      b->ocsp_len = cfg->ocsp_response_len;
    }
    /* No tickets (OTLS_OP_NO_TICKET): no keys (set_ticket_key). */
    if (!x->no_ticket && (rv = derive_ticket_keys(b)) < 0) {
      gt_conn_free(b);
      return map_error(rv, PH_CONFIG, true, conn, NULL, 0, "session ticket key");
    }
  }
  rv = gnutls_init(&b->s, flags);
  if (rv < 0) {
    b->s = NULL;
    goto out_err;
  }
  if ((rv = gnutls_priority_set(b->s, x->prio)) < 0 ||
      (rv = gnutls_credentials_set(b->s, GNUTLS_CRD_CERTIFICATE, x->cred)) < 0)
    goto out_err;
  gnutls_session_set_ptr(b->s, b); /* for the hooks */
  gnutls_transport_set_ptr(b->s, b);
  gnutls_transport_set_push_function(b->s, tx_push);
  gnutls_transport_set_pull_function(b->s, tx_pull);
  gnutls_transport_set_pull_timeout_function(b->s, tx_pull_timeout);
  /* Handshake timeouts are core's (and the event layer's) business. */
  gnutls_handshake_set_timeout(b->s, 0);
  if (is_server) {
    if (x->request_cert)
      gnutls_certificate_server_set_request(b->s, x->require_cert ? GNUTLS_CERT_REQUIRE
                                                                  : GNUTLS_CERT_REQUEST);
    /* No CA-name list in CertificateRequest, like the OpenSSL backend. */
    gnutls_certificate_send_x509_rdn_sequence(b->s, 1);
    gnutls_handshake_set_hook_function(b->s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE,
                                       server_hook);
    /*
     * The lifetime of sessions and tickets: GnuTLS checks it when a TLS 1.2
     * ticket or cached session comes back, sends it as the TLS 1.3
     * ticket_lifetime and checks the ticket's age. Set before the ticket
     * key (set by the hook, set_ticket_key()): GnuTLS rotates the key it
     * derives from the master key every 3 x this many seconds. Bounded so
     * that GnuTLS's unsigned 3 x expiration cannot wrap.
     */
    unsigned timeout = x->session_timeout ? x->session_timeout : 1;
    gnutls_db_set_cache_expiration(b->s, (int)(timeout < 0x2aaaaaaau ? timeout : 0x2aaaaaaau));
    /* TLS <= 1.2 session ids: core's cache (db_store(), db_retrieve()). */
    gnutls_db_set_ptr(b->s, b);
    gnutls_db_set_store_function(b->s, db_store);
    gnutls_db_set_retrieve_function(b->s, db_retrieve);
    gnutls_db_set_remove_function(b->s, db_remove);
  } else {
    if (!b->request_ocsp)
      gnutls_ext_set_data(b->s, TLS_EXT_STATUS_REQUEST, NULL);
    else if ((rv = gnutls_ocsp_status_request_enable_client(b->s, NULL, 0, NULL)) < 0)
      goto out_err;
    gnutls_handshake_set_hook_function(b->s, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_BOTH, client_hook);
    if (servername &&
        (rv = gnutls_server_name_set(b->s, GNUTLS_NAME_DNS, servername, strlen(servername))) < 0)
      goto out_err;
  }
  if (cfg->alpn && (rv = set_alpn(b, cfg)) < 0) {
    gt_conn_free(b);
    return rv;
  }
  if (!is_server && cfg->session &&
      (rv = gnutls_session_set_data(b->s, cfg->session, cfg->session_len)) < 0) {
    /* Bytes GnuTLS cannot unpack (core then retries without them). */
    const char *name = gnutls_strerror_name(rv);
    otls__conn_set_error(conn, "gnutls: session: %s (%s)", gnutls_strerror(rv), name ? name : "?");
    gt_conn_free(b);
    return rv == GNUTLS_E_MEMORY_ERROR ? OTLS_E_NOMEM : OTLS_E_BAD_SESSION;
  }
  *out = b;
  return 0;
out_err:
  gt_conn_free(b);
  return map_error(rv, PH_SESSION, is_server, conn, NULL, 0, "session");
}

/*
 * The alert to send for a fatal error: GnuTLS's choice, except where OpenSSL
 * (the reference) sends another one for the same condition.
 */
static int alert_for(struct gt_conn *b, int rv, int *level) {
  if (b->is_server &&
      (rv == GNUTLS_E_NO_CERTIFICATE_FOUND || rv == GNUTLS_E_CERTIFICATE_REQUIRED)) {
    /* GnuTLS: decode_error in TLS 1.2. OpenSSL: handshake_failure / certificate_required. */
    *level = GNUTLS_AL_FATAL;
    return gnutls_protocol_get_version(b->s) == GNUTLS_TLS1_3 ? GNUTLS_A_CERTIFICATE_REQUIRED
                                                              : GNUTLS_A_HANDSHAKE_FAILURE;
  }
  return gnutls_error_to_alert(rv, level);
}

/*
 * A peer that does not speak TLS at all: OpenSSL looks at the first record's
 * major version (3) and, without sending an alert, reports "wrong version
 * number", or "http request" / "https proxy request" for the obvious cases.
 * GnuTLS reports a bad content type or version instead, and would send
 * unexpected_message. Returns PH_HANDSHAKE when the peer looked like TLS.
 */
static enum phase first_record_phase(const struct gt_conn *b) {
  static const char *const http[] = {"GET ", "POST ", "HEAD ", "PUT ", "CONNE"};
  if (b->n_first < 3 || b->first[1] == 3)
    return PH_HANDSHAKE;
  for (size_t i = 0; i < sizeof(http) / sizeof(http[0]); i++) {
    size_t n = strlen(http[i]);
    if (b->n_first >= n && memcmp(b->first, http[i], n) == 0)
      return PH_NOT_TLS_HTTP;
  }
  return PH_NOT_TLS;
}

/*
 * A fatal GnuTLS error: GnuTLS sends no alert by itself, so send one,
 * remember the first fatal alert sent or received, and map.
 */
static int fail(struct gt_conn *b, int rv, enum phase ph, const char *what) {
  bool transport = rv == GNUTLS_E_PREMATURE_TERMINATION || rv == GNUTLS_E_PUSH_ERROR ||
                   rv == GNUTLS_E_PULL_ERROR || rv == GNUTLS_E_MEMORY_ERROR;
  if (ph == PH_HANDSHAKE && !transport && rv != GNUTLS_E_FATAL_ALERT_RECEIVED)
    ph = first_record_phase(b);
  if (ph == PH_NOT_TLS || ph == PH_NOT_TLS_HTTP) {
    /* no alert to a peer that does not speak TLS */
  } else if (rv == GNUTLS_E_FATAL_ALERT_RECEIVED) {
    if (b->alert < 0) {
      b->alert = (int)gnutls_alert_get(b->s);
      b->alert_sent = false;
    }
  } else if (!transport) {
    int level = 0;
    int a = alert_for(b, rv, &level);
    if (a >= 0 && level == GNUTLS_AL_FATAL &&
        gnutls_alert_send(b->s, GNUTLS_AL_FATAL, (gnutls_alert_description_t)a) == 0 &&
        b->alert < 0) {
      b->alert = a;
      b->alert_sent = true;
    }
  }
  return map_error(rv, ph, b->is_server, b->conn, NULL, 0, what);
}

/* --- sessions ------------------------------------------------------------------ */

/* Client: hand the current session to core, serialised by GnuTLS. */
static void export_session(struct gt_conn *b) {
  gnutls_datum_t d = {NULL, 0};
  if (gnutls_session_get_data2(b->s, &d) == 0 && d.data && d.size > 0)
    (void)otls__conn_new_session(b->conn, d.data, d.size);
  gnutls_free(d.data);
}

/*
 * Client: one session per TLS 1.3 ticket the hook saw, now that GnuTLS has
 * stored it. GnuTLS keeps only the latest ticket: when one call processed
 * several (one record carrying two NewSessionTickets), each event carries
 * the latest.
 */
static void take_tickets(struct gt_conn *b) {
  for (; b->tickets_pending > 0; b->tickets_pending--)
    export_session(b);
}

/*
 * The end of a handshake. Client: a full TLS <= 1.2 handshake made a new
 * session (with the server's ticket, if it sent one); a resumed one makes
 * none (as OpenSSL). TLS 1.3 sessions come with the tickets, after the
 * handshake. Server: TLS 1.3 tickets, exactly cfg->num_tickets, queued
 * right behind a full handshake so the client gets them without waiting
 * for application data. A resumed handshake gets none: the ticket used was
 * made under the current key, and OpenSSL (through core's ticket keys) and
 * Node renew only a ticket made under the previous key, which a GnuTLS
 * server never accepts.
 */
static int end_handshake(struct gt_conn *b) {
  if (b->session_done)
    return OTLS__IO_OK;
  b->session_done = true;
  bool tls13 = gnutls_protocol_get_version(b->s) == GNUTLS_TLS1_3;
  if (!b->is_server) {
    if (!tls13 && !gnutls_session_is_resumed(b->s))
      export_session(b);
    take_tickets(b);
    return OTLS__IO_OK;
  }
  if (!tls13 || b->ctx->num_tickets == 0 || gnutls_session_is_resumed(b->s))
    return OTLS__IO_OK;
  for (int i = 0; i < 16; i++) {
    int rv = gnutls_session_ticket_send(b->s, b->ctx->num_tickets, 0);
    if (rv == GNUTLS_E_SUCCESS)
      return OTLS__IO_OK;
    if (rv != GNUTLS_E_AGAIN && rv != GNUTLS_E_INTERRUPTED)
      return fail(b, rv, PH_IO, "sending session tickets");
  }
  return fail(b, GNUTLS_E_PUSH_ERROR, PH_IO, "sending session tickets stalled");
}

static int gt_handshake(void *p) {
  struct gt_conn *b = p;
  for (int spins = 0; spins < MAX_SPINS; spins++) {
    b->pull_blocked = false;
    int rv = gnutls_handshake(b->s);
    if (rv == GNUTLS_E_SUCCESS)
      return end_handshake(b);
    if (rv == GNUTLS_E_AGAIN || rv == GNUTLS_E_INTERRUPTED) {
      /* A short read also gives AGAIN: retry until the input is drained. */
      if (b->pull_blocked)
        return OTLS__IO_WANT_READ;
      continue;
    }
    if (rv == GNUTLS_E_WARNING_ALERT_RECEIVED) {
      if (gnutls_alert_get(b->s) == GNUTLS_A_CLOSE_NOTIFY)
        return fail(b, rv, PH_HANDSHAKE, "close_notify during the handshake");
      continue; /* e.g. unrecognized_name: the handshake goes on */
    }
    if (!gnutls_error_is_fatal(rv))
      continue;
    return fail(b, rv, PH_HANDSHAKE, "handshake");
  }
  return OTLS__IO_WANT_READ;
}

/*
 * Drive a running renegotiation one step. Returns 1 to go on reading
 * records, OTLS__IO_WANT_READ, or a negative OTLS_E_*.
 */
static int rehandshake_step(struct gt_conn *b) {
  int rv = gnutls_handshake(b->s);
  if (rv == GNUTLS_E_SUCCESS) {
    b->rehandshake = false;
    b->facts_done = b->cipher_done = false; /* the new handshake's facts */
    otls__conn_reneg_done(b->conn);
    return 1;
  }
  if (rv == GNUTLS_E_GOT_APPLICATION_DATA)
    return 1;
  if (rv == GNUTLS_E_AGAIN || rv == GNUTLS_E_INTERRUPTED)
    return b->pull_blocked ? OTLS__IO_WANT_READ : 0;
  if (rv == GNUTLS_E_WARNING_ALERT_RECEIVED) {
    gnutls_alert_description_t a = gnutls_alert_get(b->s);
    if (a == GNUTLS_A_NO_RENEGOTIATION) {
      /* Our renegotiation was refused: end it as OpenSSL does. */
      if (gnutls_alert_send(b->s, GNUTLS_AL_FATAL, GNUTLS_A_HANDSHAKE_FAILURE) == 0 &&
          b->alert < 0) {
        b->alert = GNUTLS_A_HANDSHAKE_FAILURE;
        b->alert_sent = true;
      }
      otls__conn_set_error(b->conn, "the peer refused the renegotiation (no_renegotiation)");
      return OTLS_E_HANDSHAKE;
    }
    return 0;
  }
  if (!gnutls_error_is_fatal(rv))
    return 0;
  return fail(b, rv, PH_IO, "renegotiation");
}

static int gt_renegotiate(void *p, bool request_cert) {
  struct gt_conn *b = p;
  int rv;
  if (b->is_server) {
    gnutls_certificate_server_set_request(b->s, request_cert ? GNUTLS_CERT_REQUEST
                                                             : GNUTLS_CERT_IGNORE);
    /* HelloRequest; the client's ClientHello then arrives as E_REHANDSHAKE. */
    for (int i = 0; i < 16; i++) {
      rv = gnutls_rehandshake(b->s);
      if (rv == GNUTLS_E_SUCCESS)
        return otls__conn_reneg_start(b->conn);
      if (rv != GNUTLS_E_AGAIN && rv != GNUTLS_E_INTERRUPTED)
        break;
    }
    return fail(b, rv, PH_IO, "renegotiation (HelloRequest)");
  }
  if ((rv = otls__conn_reneg_start(b->conn)) < 0)
    return rv;
  b->rehandshake = true;
  b->facts = 0;
  b->pull_blocked = false;
  rv = rehandshake_step(b);
  return rv < 0 ? rv : 0;
}

static int gt_read(void *p, void *buf, size_t len, size_t *n) {
  struct gt_conn *b = p;
  bool drop_hello = false;
  *n = 0;
  for (int spins = 0; spins < MAX_SPINS; spins++) {
    b->pull_blocked = false;
    if (b->rehandshake) {
      int hrv = rehandshake_step(b);
      if (hrv < 0 || hrv == OTLS__IO_WANT_READ)
        return hrv;
      if (hrv == 0)
        continue;
      b->pull_blocked = false;
    }
    ssize_t r = gnutls_record_recv(b->s, buf, len);
    take_tickets(b);
    if (r == GNUTLS_E_UNEXPECTED_PACKET && drop_hello) {
      /* GnuTLS just discarded the refused ClientHello it had kept. */
      drop_hello = false;
      continue;
    }
    if (r > 0) {
      *n = (size_t)r;
      return OTLS__IO_OK;
    }
    if (r == 0)
      return OTLS__IO_CLOSED; /* close_notify */
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
      /* AGAIN also follows a post-handshake message (NewSessionTicket...). */
      if (b->pull_blocked)
        return OTLS__IO_WANT_READ;
      continue;
    }
    if (r == GNUTLS_E_REHANDSHAKE && !b->ctx->no_renegotiation &&
        gnutls_protocol_get_version(b->s) != GNUTLS_TLS1_3) {
      /* The peer's ClientHello (server) or HelloRequest (client). */
      int prv = otls__conn_reneg_start(b->conn);
      if (prv < 0)
        return prv;
      b->rehandshake = true;
      b->facts = 0;
      continue;
    }
    if (r == GNUTLS_E_REHANDSHAKE) {
      /*
       * secureOptions NO_RENEGOTIATION: a no_renegotiation warning, as
       * OpenSSL's SSL_OP_NO_RENEGOTIATION. A
       * server's GnuTLS keeps the client's ClientHello queued ahead of the
       * data, and hands it out (and drops it) as GNUTLS_E_UNEXPECTED_PACKET
       * on the next call; that one is expected, not fatal.
       */
      int rv = gnutls_alert_send(b->s, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
      if (rv < 0 && gnutls_error_is_fatal(rv))
        return fail(b, rv, PH_IO, "refusing renegotiation");
      drop_hello = b->is_server;
      continue;
    }
    if (r == GNUTLS_E_WARNING_ALERT_RECEIVED) {
      if (gnutls_alert_get(b->s) == GNUTLS_A_CLOSE_NOTIFY)
        return OTLS__IO_CLOSED;
      continue;
    }
    if (!gnutls_error_is_fatal((int)r))
      continue;
    return fail(b, (int)r, PH_IO, "read");
  }
  return OTLS__IO_WANT_READ;
}

static int gt_write(void *p, const void *buf, size_t len) {
  struct gt_conn *b = p;
  const unsigned char *q = buf;
  int stalls = 0;
  /* gnutls_record_send takes at most one record per call: loop. */
  while (len > 0) {
    ssize_t r = gnutls_record_send(b->s, q, len);
    if (r > 0) {
      q += r;
      len -= (size_t)r;
      stalls = 0;
      continue;
    }
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
      /*
       * Our push never blocks, so this is not expected. GnuTLS keeps the
       * record: (NULL, 0) finishes it and returns how much of q it took.
       */
      if (++stalls > 16)
        return fail(b, GNUTLS_E_PUSH_ERROR, PH_IO, "write stalled");
      r = gnutls_record_send(b->s, NULL, 0);
      if (r > 0) {
        q += r;
        len -= (size_t)r < len ? (size_t)r : len;
      } else if (r < 0 && r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED) {
        return fail(b, (int)r, PH_IO, "write");
      }
      continue;
    }
    if (r == 0)
      return fail(b, GNUTLS_E_INTERNAL_ERROR, PH_IO, "write made no progress");
    return fail(b, (int)r, PH_IO, "write");
  }
  return OTLS__IO_OK;
}

static int gt_shutdown(void *p) {
  struct gt_conn *b = p;
  /* SHUT_WR only queues close_notify; it never waits for the peer's. */
  for (int i = 0; i < 16; i++) {
    int rv = gnutls_bye(b->s, GNUTLS_SHUT_WR);
    if (rv == GNUTLS_E_SUCCESS)
      return 0;
    if (rv != GNUTLS_E_AGAIN && rv != GNUTLS_E_INTERRUPTED)
      return fail(b, rv, PH_IO, "shutdown");
  }
  return 0;
}

/* --- facts after the handshake ------------------------------------------------ */

static uint16_t gt_protocol(void *p) {
  struct gt_conn *b = p;
  switch (gnutls_protocol_get_version(b->s)) {
  case GNUTLS_SSL3: return 0x0300;
  case GNUTLS_TLS1_0: return OTLS__TLS1_0;
  case GNUTLS_TLS1_1: return OTLS__TLS1_1;
  case GNUTLS_TLS1_2: return OTLS__TLS1_2;
  case GNUTLS_TLS1_3: return OTLS__TLS1_3;
  default: return 0;
  }
}

/* The key-exchange group as a NamedGroup id (RFC 8446 §4.2.7), 0 when none. */
static uint16_t gt_group(void *p) {
  struct gt_conn *b = p;
  switch (gnutls_group_get(b->s)) {
  case GNUTLS_GROUP_SECP256R1: return 23;
  case GNUTLS_GROUP_SECP384R1: return 24;
  case GNUTLS_GROUP_SECP521R1: return 25;
  case GNUTLS_GROUP_X25519: return 29;
  case GNUTLS_GROUP_X448: return 30;
  /* GnuTLS numbers 6144 and 8192 the other way round from IANA. */
  case GNUTLS_GROUP_FFDHE2048: return 256;
  case GNUTLS_GROUP_FFDHE3072: return 257;
  case GNUTLS_GROUP_FFDHE4096: return 258;
  case GNUTLS_GROUP_FFDHE6144: return 259;
  case GNUTLS_GROUP_FFDHE8192: return 260;
  default: return 0;
  }
}

/*
 * The two-byte id of the negotiated suite, found in GnuTLS's own table: TLS
 * 1.3 suites are keyed by cipher alone (kx unknown, MAC "AEAD"), TLS <= 1.2
 * ones by kx x cipher x MAC.
 */
static uint16_t gt_cipher_id(void *p) {
  struct gt_conn *b = p;
  if (b->cipher_done)
    return b->cipher;
  gnutls_protocol_t ver = gnutls_protocol_get_version(b->s);
  gnutls_kx_algorithm_t kx = gnutls_kx_get(b->s);
  gnutls_cipher_algorithm_t c = gnutls_cipher_get(b->s);
  gnutls_mac_algorithm_t m = gnutls_mac_get(b->s);
  unsigned char cs[2];
  gnutls_kx_algorithm_t ekx;
  gnutls_cipher_algorithm_t ec;
  gnutls_mac_algorithm_t em;
  gnutls_protocol_t ev;
  for (size_t i = 0;; i++) {
    if (gnutls_cipher_suite_info(i, cs, &ekx, &ec, &em, &ev) == NULL)
      return 0;
    if (ec != c)
      continue;
    bool match =
        ver == GNUTLS_TLS1_3 ? ev == GNUTLS_TLS1_3 : (ev != GNUTLS_TLS1_3 && ekx == kx && em == m);
    if (match) {
      b->cipher = (uint16_t)((cs[0] << 8) | cs[1]);
      b->cipher_done = true;
      return b->cipher;
    }
  }
}

static size_t gt_peer_chain(void *p, struct otls__blob *out, size_t max) {
  struct gt_conn *b = p;
  unsigned n = 0;
  /* DER as sent, leaf first, on both sides; valid until gnutls_deinit. */
  const gnutls_datum_t *certs = gnutls_certificate_get_peers(b->s, &n);
  if (certs == NULL)
    return 0;
  size_t k = n < max ? n : max;
  for (size_t i = 0; i < k; i++) {
    out[i].data = certs[i].data;
    out[i].len = certs[i].size;
  }
  return k;
}

/*
 * With CRLs loaded, OpenSSL (CRL_CHECK_ALL) wants a CRL from the issuer of
 * every certificate of the chain, and one that is current; GnuTLS silently
 * accepts a missing CRL and uses an outdated one. So, for each certificate
 * sent: no CRL from its issuer -> NO_CRL; only CRLs past their nextUpdate ->
 * EXPIRED; only CRLs before their thisUpdate -> NOT_YET_VALID (OpenSSL:
 * UNABLE_TO_GET_CRL, CRL_HAS_EXPIRED, CRL_NOT_YET_VALID).
 */
static unsigned crl_facts(struct gt_conn *b, const gnutls_datum_t *certs, unsigned n) {
  struct gt_ctx *x = b->ctx;
  unsigned facts = 0;
  time_t now = time(NULL);
  for (unsigned i = 0; i < n; i++) {
    gnutls_x509_crt_t crt;
    gnutls_datum_t dn = {NULL, 0};
    if (gnutls_x509_crt_init(&crt) < 0)
      return facts | OTLS__VF_OTHER;
    int rv = gnutls_x509_crt_import(crt, &certs[i], GNUTLS_X509_FMT_DER);
    if (rv >= 0)
      rv = gnutls_x509_crt_get_raw_issuer_dn(crt, &dn);
    gnutls_x509_crt_deinit(crt);
    if (rv < 0)
      return facts | OTLS__VF_OTHER;
    bool found = false, current = false, expired = false;
    for (size_t j = 0; j < x->n_crl; j++) {
      const struct crl_info *ci = &x->crls[j];
      if (ci->issuer.size != dn.size || memcmp(ci->issuer.data, dn.data, dn.size) != 0)
        continue;
      found = true;
      if (ci->next_update != (time_t)-1 && ci->next_update < now)
        expired = true;
      else if (ci->this_update <= now)
        current = true;
    }
    gnutls_free(dn.data);
    if (!found)
      facts |= OTLS__VF_NO_CRL;
    else if (!current)
      facts |= expired ? OTLS__VF_EXPIRED : OTLS__VF_NOT_YET_VALID;
  }
  return facts;
}

/*
 * gnutls_certificate_verify_peers() also judges OCSP when the client asked
 * for a staple: a stapled response (revoked, stale, unrelated,
 * unverifiable: REVOKED, REVOCATION_DATA_SUPERSEDED, INVALID_OCSP_STATUS),
 * or its absence for a must-staple certificate (MISSING_OCSP_STATUS).
 * OpenSSL does neither: the staple is the application's to judge (run: a
 * revoked staple made the chain CERT_REVOKED through verify_peers). So a
 * client that asked verifies the chain the way verify_peers does it, minus
 * that step: the credentials' trust list (CAs and CRLs), their verification
 * flags, the same typed data, the same depth limit. Otherwise verify_peers
 * has no OCSP step to take (nothing was requested), and runs as is.
 */
#define GT_VERIFY_MAX_DEPTH 16 /* GnuTLS's default verify_depth */

static int verify_peer(struct gt_conn *b, const gnutls_datum_t *certs, unsigned n,
                       gnutls_typed_vdata_st *data, unsigned *status) {
  if (b->is_server || !b->request_ocsp)
    return gnutls_certificate_verify_peers(b->s, data, 1, status);
  if (n > GT_VERIFY_MAX_DEPTH)
    return GNUTLS_E_CONSTRAINT_ERROR; /* as verify_peers */
  gnutls_x509_crt_t list[GT_VERIFY_MAX_DEPTH];
  unsigned k = 0;
  int rv = 0;
  for (; k < n && rv >= 0; k++) {
    if ((rv = gnutls_x509_crt_init(&list[k])) < 0)
      break;
    rv = gnutls_x509_crt_import(list[k], &certs[k], GNUTLS_X509_FMT_DER);
  }
  if (rv >= 0) {
    gnutls_x509_trust_list_t tl = NULL;
    gnutls_certificate_get_trust_list(b->ctx->cred, &tl);
    rv = gnutls_x509_trust_list_verify_crt2(
        tl, list, n, data, 1, gnutls_certificate_get_verify_flags(b->ctx->cred), status, NULL);
  }
  for (unsigned i = 0; i < k; i++)
    gnutls_x509_crt_deinit(list[i]);
  return rv;
}

static unsigned gt_verify_facts(void *p) {
  struct gt_conn *b = p;
  if (b->facts_done)
    return b->facts;
  unsigned n = 0;
  const gnutls_datum_t *certs = gnutls_certificate_get_peers(b->s, &n);
  if (certs == NULL || n == 0) {
    b->facts = OTLS__VF_ISSUER; /* nothing reaches a trust anchor */
  } else {
    /* The purpose TLS needs of the peer, as OpenSSL checks it (ssl_server / ssl_client). */
    gnutls_typed_vdata_st data = {
        .type = GNUTLS_DT_KEY_PURPOSE_OID,
        .data =
            (unsigned char *)(b->is_server ? GNUTLS_KP_TLS_WWW_CLIENT : GNUTLS_KP_TLS_WWW_SERVER),
        .size = 0};
    unsigned status = 0;
    int rv = verify_peer(b, certs, n, &data, &status);
    if (rv < 0) {
      b->facts = rv == GNUTLS_E_NO_CERTIFICATE_FOUND ? OTLS__VF_ISSUER : OTLS__VF_OTHER;
    } else {
      b->facts = map_verify(status);
      if (b->ctx->n_crl > 0)
        b->facts |= crl_facts(b, certs, n);
    }
  }
  b->facts_done = true;
  return b->facts;
}

static const char *gt_servername(void *p) {
  struct gt_conn *b = p;
  if (!b->is_server)
    return NULL;
  if (!b->sni_done) {
    size_t len = sizeof(b->sni);
    unsigned type = 0;
    int rv = gnutls_server_name_get(b->s, b->sni, &len, &type, 0);
    if (rv < 0 || type != GNUTLS_NAME_DNS || len == 0)
      b->sni[0] = 0;
    b->sni_done = true;
  }
  return b->sni[0] ? b->sni : NULL;
}

static int gt_alert(void *p, bool *sent) {
  struct gt_conn *b = p;
  *sent = b->alert_sent;
  return b->alert;
}

static const uint8_t *gt_alpn_selected(void *p, size_t *len) {
  struct gt_conn *b = p;
  gnutls_datum_t d = {NULL, 0};
  *len = 0;
  if (gnutls_alpn_get_selected_protocol(b->s, &d) < 0 || d.data == NULL || d.size == 0)
    return NULL;
  *len = d.size;
  return d.data;
}

/* Client: the raw stapled response (TLS 1.2 CertificateStatus, or TLS 1.3 leaf entry). */
static const uint8_t *gt_ocsp_response(void *p, size_t *len) {
  struct gt_conn *b = p;
  gnutls_datum_t d = {NULL, 0};
  *len = 0;
  if (b->is_server || !b->request_ocsp || gnutls_ocsp_status_request_get(b->s, &d) < 0 ||
      d.data == NULL || d.size == 0)
    return NULL;
  *len = d.size;
  return d.data;
}

/*
 * RFC 5705 / RFC 8446 §7.5. In TLS <= 1.2 GnuTLS appends the context (with
 * its 2-byte length) only when `context` is not NULL, so no context and an
 * empty one differ, as the RFC and OpenSSL have it; in TLS 1.3 both are the
 * empty context.
 */
static int gt_export_keying_material(void *p, uint8_t *out, size_t len, const char *label,
                                     size_t label_len, const uint8_t *context, size_t context_len) {
  struct gt_conn *b = p;
  int rv = gnutls_prf_rfc5705(b->s, label_len, label, context ? context_len : 0,
                              (const char *)context, len, (char *)out);
  if (rv < 0) {
    const char *name = gnutls_strerror_name(rv);
    otls__conn_set_error(b->conn, "gnutls: exporter: %s (%s)", gnutls_strerror(rv),
                         name ? name : "?");
    return rv == GNUTLS_E_MEMORY_ERROR ? OTLS_E_NOMEM : OTLS_E_INTERNAL;
  }
  return 0;
}

/*
 * TLS 1.3 KeyUpdate, sent now (GnuTLS writes the message and switches our
 * keys in the call); GNUTLS_KU_PEER sets update_requested, and the peer's
 * GnuTLS/OpenSSL answers with its own KeyUpdate when it reads it.
 */
static int gt_key_update(void *p, bool request_peer) {
  struct gt_conn *b = p;
  for (int i = 0; i < 16; i++) {
    int rv = gnutls_session_key_update(b->s, request_peer ? GNUTLS_KU_PEER : 0);
    if (rv == GNUTLS_E_SUCCESS)
      return 0;
    if (rv != GNUTLS_E_AGAIN && rv != GNUTLS_E_INTERRUPTED)
      return fail(b, rv, PH_IO, "key update");
  }
  return fail(b, GNUTLS_E_PUSH_ERROR, PH_IO, "key update stalled");
}

static bool gt_session_reused(void *p) {
  struct gt_conn *b = p;
  return gnutls_session_is_resumed(b->s) != 0;
}

static int gt_digest(int alg, const void *data, size_t len, uint8_t *out) {
  gnutls_digest_algorithm_t d;
  switch (alg) {
  case OTLS__MD_SHA1: d = GNUTLS_DIG_SHA1; break;
  case OTLS__MD_SHA256: d = GNUTLS_DIG_SHA256; break;
  case OTLS__MD_SHA384: d = GNUTLS_DIG_SHA384; break;
  case OTLS__MD_SHA512: d = GNUTLS_DIG_SHA512; break;
  default: return OTLS_E_UNSUPPORTED;
  }
  if (gnutls_hash_fast(d, data, len, out) < 0)
    return OTLS_E_INTERNAL;
  return (int)gnutls_hash_get_len(d);
}

/* --- PKCS#12 ------------------------------------------------------------------ */

static int sink_crt(const struct otls__pkcs12_sink *sink, gnutls_x509_crt_t crt, bool leaf,
                    char *detail, size_t detail_len) {
  gnutls_datum_t d = {NULL, 0};
  int rv = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d);
  if (rv < 0)
    return map_error(rv, PH_CERT, false, NULL, detail, detail_len, "pfx certificate");
  rv = sink->cert(sink->arg, d.data, d.size, leaf);
  gnutls_free(d.data);
  return rv;
}

/*
 * gnutls_pkcs12_simple_parse() finds the key and the chain that belongs to
 * it (leaf first); certificates that are not part of that chain come back
 * as extra_certs. The MAC is checked first, so that a wrong password is
 * told apart from a damaged bundle.
 */
static int gt_pkcs12_parse(const uint8_t *der, size_t len, const char *pass,
                           const struct otls__pkcs12_sink *sink, char *detail, size_t detail_len) {
  gnutls_pkcs12_t p12 = NULL;
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t *chain = NULL, *extra = NULL;
  unsigned n_chain = 0, n_extra = 0;
  gnutls_datum_t in = {(unsigned char *)der, (unsigned)len}, kd = {NULL, 0};
  int rv = gnutls_pkcs12_init(&p12);
  if (rv < 0)
    return map_error(rv, PH_CONFIG, false, NULL, detail, detail_len, "pfx");
  if ((rv = gnutls_pkcs12_import(p12, &in, GNUTLS_X509_FMT_DER, 0)) < 0) {
    rv = map_error(rv, PH_CERT, false, NULL, detail, detail_len, "pfx");
    rv = rv == OTLS_E_NOMEM ? rv : OTLS_E_DER_BAD;
    goto out;
  }
  rv = gnutls_pkcs12_verify_mac(p12, pass);
  if (rv == GNUTLS_E_MAC_VERIFY_FAILED) {
    rv = map_error(rv, PH_KEY_CRYPT, false, NULL, detail, detail_len, "pfx: MAC");
    rv = OTLS_E_BAD_DECRYPT;
    goto out;
  }
  rv = gnutls_pkcs12_simple_parse(p12, pass, &key, &chain, &n_chain, &extra, &n_extra, NULL,
                                  GNUTLS_PKCS12_SP_INCLUDE_SELF_SIGNED);
  if (rv < 0) {
    int code = rv == GNUTLS_E_DECRYPTION_FAILED || rv == GNUTLS_E_MAC_VERIFY_FAILED
                   ? OTLS_E_BAD_DECRYPT
               : rv == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ? OTLS_E_NO_CERT
               : rv == GNUTLS_E_MEMORY_ERROR                 ? OTLS_E_NOMEM
                                                             : OTLS_E_DER_BAD;
    (void)map_error(rv, PH_CERT, false, NULL, detail, detail_len, "pfx");
    rv = code;
    goto out;
  }
  if (key == NULL || n_chain == 0) {
    otls__detail(detail, detail_len, "gnutls: pfx: no key, or no certificate for it");
    rv = OTLS_E_NO_CERT;
    goto out;
  }
  if ((rv = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN,
                                              &kd)) < 0) {
    rv = map_error(rv, PH_KEY, false, NULL, detail, detail_len, "pfx: private key");
    goto out;
  }
  rv = sink->key(sink->arg, kd.data, kd.size);
  for (unsigned i = 0; rv == 0 && i < n_chain; i++)
    rv = sink_crt(sink, chain[i], i == 0, detail, detail_len);
  for (unsigned i = 0; rv == 0 && i < n_extra; i++)
    rv = sink_crt(sink, extra[i], false, detail, detail_len);
out:
  if (kd.data) {
    gnutls_memset(kd.data, 0, kd.size);
    gnutls_free(kd.data);
  }
  for (unsigned i = 0; i < n_chain; i++)
    gnutls_x509_crt_deinit(chain[i]);
  gnutls_free(chain);
  for (unsigned i = 0; i < n_extra; i++)
    gnutls_x509_crt_deinit(extra[i]);
  gnutls_free(extra);
  if (key)
    gnutls_x509_privkey_deinit(key);
  gnutls_pkcs12_deinit(p12);
  return rv;
}

/*
 * The server's ephemeral key: the group in TLS 1.3 and for ECDHE; for TLS
 * 1.2 DHE the prime's size (gnutls_dh_get_prime_bits), even when the prime
 * is one of the RFC 7919 groups, as OpenSSL reports it.
 */
static int gt_peer_tmp_key(void *p, uint16_t *group, unsigned *dh_bits) {
  struct gt_conn *b = p;
  *group = 0;
  *dh_bits = 0;
  if (gnutls_protocol_get_version(b->s) == GNUTLS_TLS1_3) {
    *group = gt_group(p);
    return 0;
  }
  switch (gnutls_kx_get(b->s)) {
  case GNUTLS_KX_ECDHE_RSA:
  case GNUTLS_KX_ECDHE_ECDSA: *group = gt_group(p); break;
  case GNUTLS_KX_DHE_RSA:
  case GNUTLS_KX_DHE_DSS: {
    int bits = gnutls_dh_get_prime_bits(b->s);
    if (bits > 0)
      *dh_bits = (unsigned)bits;
    break;
  }
  default: break;
  }
  return 0;
}

const struct otls_backend otls__backend = {
    .name = "gnutls",
    .caps = (1ull << OTLS_CAP_TLS1_3) | (1ull << OTLS_CAP_TLS1_2) | (1ull << OTLS_CAP_TLS1_1) |
            (1ull << OTLS_CAP_TLS1_0) | (1ull << OTLS_CAP_ENCRYPTED_KEYS) |
            (1ull << OTLS_CAP_CLIENT_CERT) | (1ull << OTLS_CAP_CRL) |
            (1ull << OTLS_CAP_TLS13_CIPHERS) | (1ull << OTLS_CAP_ECDH_X448) |
            (1ull << OTLS_CAP_ECDH_CURVE_REFUSAL) | (1ull << OTLS_CAP_DHPARAM) |
            (1ull << OTLS_CAP_MULTI_CERT) | (1ull << OTLS_CAP_OCSP_CLIENT) |
            (1ull << OTLS_CAP_OCSP_STAPLE) | (1ull << OTLS_CAP_RENEGOTIATION),
    /*
     * No EXACT_CIPHERS: priority strings enable ciphers x key exchanges, so
     * a list is approximated (README); and without an exact list the client
     * order cannot be the configured one either (no CLIENT_CIPHER_ORDER).
     * Core will choose the suite itself once it pre-parses the ClientHello.
     * No FINISHED: GnuTLS has no getter for the Finished messages. No
     * TICKET_KEY_ROTATION: a GnuTLS server decrypts only under its current
     * master key (derive_ticket_keys()).
     */
    .version = gt_version,
    .global_init = gt_global_init,
    .ctx_new = gt_ctx_new,
    .ctx_free = gt_ctx_free,
    .conn_new = gt_conn_new,
    .conn_free = gt_conn_free,
    .handshake = gt_handshake,
    .read = gt_read,
    .write = gt_write,
    .shutdown = gt_shutdown,
    .protocol = gt_protocol,
    .cipher_id = gt_cipher_id,
    .group = gt_group,
    .peer_chain = gt_peer_chain,
    .verify_facts = gt_verify_facts,
    .servername = gt_servername,
    .alert = gt_alert,
    .alpn_selected = gt_alpn_selected,
    .ocsp_response = gt_ocsp_response,
    .session_reused = gt_session_reused,
    .export_keying_material = gt_export_keying_material,
    .finished = NULL,
    .key_update = gt_key_update,
    .renegotiate = gt_renegotiate,
    .digest = gt_digest,
    .pkcs12_parse = gt_pkcs12_parse,
    .peer_tmp_key = gt_peer_tmp_key,
};
