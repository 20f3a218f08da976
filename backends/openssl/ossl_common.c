/*
 * omnitls — code shared by the OpenSSL and BoringSSL backends.
 *
 * Compiled once into each of the two variants. Where the forks differ, the
 * code asks a CMake compile probe (OTLS_HAVE_*), never a version number.
 */
#include "ossl_common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define MAX_CHAIN 16

struct ossl_ctx {
  SSL_CTX *ctx;
  bool request_cert; /* server side: ask for a client certificate */
  uint8_t *npn;      /* NPN list (wire), NULL = none */
  unsigned npn_len;
};

struct ossl_conn {
  SSL *ssl;
  struct otls_conn *conn;
  unsigned facts;   /* OTLS__VF_* gathered by the verify callback */
  int alert;        /* fatal alert that ended the connection, -1 none */
  bool alert_sent;
  bool is_server;
  bool hs_done;     /* the first handshake completed */
  bool read_data;   /* application data since the last want-read */
  SSL_SESSION *last_sess; /* client: the newest session the server gave (getTLSTicket) */
  /* Server: the ALPN protocol core chose (NULL = none). */
  uint8_t *alpn;
  size_t alpn_len;
  /* Server: the OCSP response to staple (NULL = none). */
  uint8_t *ocsp;
  size_t ocsp_len;
  /* DER of the peer chain, encoded on demand and kept until free. */
  unsigned char *der[MAX_CHAIN];
  int der_len[MAX_CHAIN];
  size_t n_der;
};

static BIO_METHOD *bio_method;

/* --- the one native-error mapping ---------------------------------------- */

/*
 * Translate the state after a failed SSL_* call into an OTLS_E_* code and
 * put OpenSSL's message on the connection.
 */
static int map_error(struct ossl_conn *b, int ret, bool in_handshake) {
  int err = SSL_get_error(b->ssl, ret);
  unsigned long e = ERR_peek_last_error();
  char msg[200] = "";
  if (e)
    ERR_error_string_n(e, msg, sizeof(msg));
  ERR_clear_error();
  if ((err == SSL_ERROR_SYSCALL || err == SSL_ERROR_SSL) && otls__tx_eof(b->conn)) {
    otls__conn_set_error(b->conn, "transport EOF without close_notify%s%s", msg[0] ? ": " : "",
                         msg);
    return OTLS_E_TRUNCATED;
  }
  otls__conn_set_error(b->conn, "%s", msg[0] ? msg : "TLS failure");
  if (err != SSL_ERROR_SSL || e == 0)
    return in_handshake ? OTLS_E_HANDSHAKE : OTLS_E_PROTOCOL;
  int reason = ERR_GET_REASON(e);
  switch (reason) {
  case SSL_R_NO_SHARED_CIPHER:
    return OTLS_E_NO_SHARED_CIPHER;
  case SSL_R_UNSUPPORTED_PROTOCOL:
  case SSL_R_WRONG_VERSION_NUMBER:
#ifdef SSL_R_NO_PROTOCOLS_AVAILABLE
  case SSL_R_NO_PROTOCOLS_AVAILABLE:
#endif
    return OTLS_E_VERSION_MISMATCH;
  case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    return OTLS_E_PEER_CERT_REQUIRED;
  }
  if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256)
    return OTLS_E_PEER_ALERT;
  return in_handshake ? OTLS_E_HANDSHAKE : OTLS_E_PROTOCOL;
}

/* --- the one verification-result mapping ------------------------------------ */

static unsigned map_verify(int code) {
  switch (code) {
  case X509_V_OK:
    return 0;
  case X509_V_ERR_CERT_HAS_EXPIRED:
  case X509_V_ERR_CRL_HAS_EXPIRED:
    return OTLS__VF_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
  case X509_V_ERR_CRL_NOT_YET_VALID:
    return OTLS__VF_NOT_YET_VALID;
  case X509_V_ERR_CERT_REVOKED:
    return OTLS__VF_REVOKED;
  case X509_V_ERR_UNABLE_TO_GET_CRL:
  case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    return OTLS__VF_NO_CRL;
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_CRL_SIGNATURE_FAILURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
  case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    return OTLS__VF_SIGNATURE;
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
    return OTLS__VF_ISSUER;
  case X509_V_ERR_INVALID_CA:
  case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    return OTLS__VF_INVALID_CA;
  case X509_V_ERR_INVALID_PURPOSE:
    return OTLS__VF_PURPOSE;
  }
  return OTLS__VF_OTHER;
}

/* Accept every certificate but remember what was wrong (record-don't-fail). */
static int verify_cb(int ok, X509_STORE_CTX *store) {
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  struct ossl_conn *b = ssl ? SSL_get_app_data(ssl) : NULL;
  if (!ok && b)
    b->facts |= map_verify(X509_STORE_CTX_get_error(store));
  return 1;
}

static void info_cb(const SSL *ssl, int where, int ret) {
  struct ossl_conn *b = SSL_get_app_data(ssl);
  /*
   * Renegotiation (Node's hook): a handshake starting after the first one.
   * TLS 1.3 signals post-handshake messages (tickets, KeyUpdate) the same
   * way: those are not renegotiations.
   */
  if (b && b->hs_done && (where & (SSL_CB_HANDSHAKE_START | SSL_CB_HANDSHAKE_DONE)) &&
      SSL_version(ssl) <= TLS1_2_VERSION &&
      !(SSL_get_options(ssl) & SSL_OP_NO_RENEGOTIATION)) {
    if (where & SSL_CB_HANDSHAKE_START) {
      b->facts = 0; /* the new handshake is verified afresh */
      (void)otls__conn_reneg_start(b->conn);
    } else if (!SSL_renegotiate_pending((SSL *)ssl)) {
      otls__conn_reneg_done(b->conn);
    }
  }
  if (!(where & SSL_CB_ALERT))
    return;
  /* ret = level << 8 | description; keep the first fatal alert. */
  if (b && b->alert < 0 && (ret >> 8) == 2) {
    b->alert = ret & 0xff;
    b->alert_sent = (where & SSL_CB_WRITE) != 0;
  }
}

/* --- memory transport BIO ------------------------------------------------- */

static int bio_write(BIO *bio, const char *buf, int len) {
  struct otls_conn *c = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  if (len <= 0)
    return 0;
  return otls__tx_send(c, buf, (size_t)len) < 0 ? -1 : len;
}

static int bio_read(BIO *bio, char *buf, int len) {
  struct otls_conn *c = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  if (len <= 0)
    return 0;
  long n = otls__tx_recv(c, buf, (size_t)len);
  if (n > 0)
    return (int)n;
  if (n == 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  return 0; /* EOF */
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  (void)bio;
  (void)num;
  (void)ptr;
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1;
  default:
    return 0;
  }
}

static int bio_create(BIO *bio) {
  BIO_set_init(bio, 1);
  return 1;
}

static void make_bio_method(void) {
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "omnitls");
  if (m == NULL)
    return;
  BIO_meth_set_write(m, bio_write);
  BIO_meth_set_read(m, bio_read);
  BIO_meth_set_ctrl(m, bio_ctrl);
  BIO_meth_set_create(m, bio_create);
  bio_method = m;
}

int otls__ossl_global_init(void) {
#if defined(OTLS_HAVE_OPENSSL_INIT_NO_LOAD_CONFIG)
  /* Never inherit /etc/ssl/openssl.cnf silently (DESIGN: explicit defaults). */
  if (!OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL))
    return OTLS_E_INTERNAL;
#endif
  make_bio_method();
  return bio_method ? 0 : OTLS_E_NOMEM;
}

/* --- context ---------------------------------------------------------------- */

static int pass_cb(char *buf, int size, int rwflag, void *u) {
  (void)rwflag;
  const char *pass = u;
  if (pass == NULL)
    return 0; /* never prompt on a terminal */
  size_t n = strlen(pass);
  if (n > (size_t)size)
    return 0;
  memcpy(buf, pass, n);
  return (int)n;
}

static const char *group_name(uint16_t id) {
  switch (id) {
  case 29: return "X25519";
  case 30: return "X448";
  case 23: return "P-256";
  case 24: return "P-384";
  case 25: return "P-521";
  }
  return NULL;
}

static void detail_ossl(char *detail, size_t detail_len, const char *what) {
  char msg[200] = "";
  unsigned long e = ERR_peek_last_error();
  if (e)
    ERR_error_string_n(e, msg, sizeof(msg));
  ERR_clear_error();
  otls__detail(detail, detail_len, "%s%s%s", what, msg[0] ? ": " : "", msg);
}

/*
 * One key/certificate pair. OpenSSL keeps one pair per key type ("slot"):
 * SSL_CTX_use_certificate() selects the leaf's slot, the chain certificates
 * are added to it, and SSL_CTX_use_PrivateKey() goes to the key's slot and
 * makes it current, so SSL_CTX_check_private_key() compares the key with
 * the certificate of its own slot (none there: a mismatch too).
 */
static int load_cred(SSL_CTX *ctx, const struct otls__cred *cred, char *detail, size_t detail_len) {
  for (size_t i = 0; i < cred->n_chain; i++) {
    const unsigned char *p = cred->chain[i].data;
    X509 *x = d2i_X509(NULL, &p, (long)cred->chain[i].len);
    if (x == NULL) {
      detail_ossl(detail, detail_len, "certificate");
      return OTLS_E_DER_BAD;
    }
    int ok = i == 0 ? SSL_CTX_use_certificate(ctx, x) : SSL_CTX_add1_chain_cert(ctx, x);
    X509_free(x);
    if (!ok) {
      detail_ossl(detail, detail_len, "certificate");
      return OTLS_E_BAD_KEY;
    }
  }
  BIO *mem = BIO_new_mem_buf(cred->key_pem, (int)cred->key_pem_len);
  if (mem == NULL)
    return OTLS_E_NOMEM;
  EVP_PKEY *key = PEM_read_bio_PrivateKey(mem, NULL, pass_cb, (void *)cred->key_passphrase);
  BIO_free(mem);
  if (key == NULL) {
    bool encrypted = strstr(cred->key_pem, "ENCRYPTED") != NULL;
    detail_ossl(detail, detail_len, encrypted ? "key: cannot decrypt" : "key");
    return encrypted ? OTLS_E_BAD_DECRYPT : OTLS_E_BAD_KEY;
  }
  int ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (!ok || !SSL_CTX_check_private_key(ctx)) {
    detail_ossl(detail, detail_len, "key");
    return OTLS_E_KEY_MISMATCH;
  }
  return 0;
}

static int load_credentials(SSL_CTX *ctx, const struct otls__ctx_config *cfg, char *detail,
                            size_t detail_len) {
  for (size_t i = 0; i < cfg->n_creds; i++) {
    int rv = load_cred(ctx, &cfg->creds[i], detail, detail_len);
    if (rv < 0)
      return rv;
  }
  return 0;
}

static int load_trust(SSL_CTX *ctx, const struct otls__ctx_config *cfg, char *detail,
                      size_t detail_len) {
  X509_STORE *store = X509_STORE_new();
  if (store == NULL)
    return OTLS_E_NOMEM;
  SSL_CTX_set_cert_store(ctx, store); /* ctx owns it now */
  if (cfg->use_system_ca) {
    /* An unreadable system bundle means an empty store, as with Node. */
    if (!X509_STORE_load_locations(store, cfg->ca_file, NULL))
      ERR_clear_error();
  }
  for (size_t i = 0; i < cfg->n_ca; i++) {
    const unsigned char *p = cfg->ca[i].data;
    X509 *x = d2i_X509(NULL, &p, (long)cfg->ca[i].len);
    if (x == NULL) {
      detail_ossl(detail, detail_len, "ca");
      return OTLS_E_DER_BAD;
    }
    int ok = X509_STORE_add_cert(store, x);
    X509_free(x);
    if (!ok)
      ERR_clear_error(); /* duplicates are harmless */
  }
  for (size_t i = 0; i < cfg->n_crl; i++) {
    const unsigned char *p = cfg->crl[i].data;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)cfg->crl[i].len);
    if (crl == NULL) {
      detail_ossl(detail, detail_len, "crl");
      return OTLS_E_DER_BAD;
    }
    int ok = X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    if (!ok)
      ERR_clear_error();
  }
  if (cfg->n_crl)
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  return 0;
}

static int set_suites(SSL_CTX *ctx, const struct otls__ctx_config *cfg, char *detail,
                      size_t detail_len) {
  /* Room for every suite of the table: ~175 names of at most 40 bytes. */
  char tls12[8192] = "", tls13[512] = "";
  size_t u12 = 0, u13 = 0;
  for (size_t i = 0; i < cfg->n_suites; i++) {
    const struct otls__suite *s = otls__suite_by_id(cfg->suites[i]);
    if (s == NULL)
      continue;
    bool is13 = s->min_version == OTLS__TLS1_3;
    char *buf = is13 ? tls13 : tls12;
    size_t *used = is13 ? &u13 : &u12;
    size_t cap = is13 ? sizeof(tls13) : sizeof(tls12);
    int n = snprintf(buf + *used, cap - *used, "%s%s", *used ? ":" : "", s->name);
    if (n < 0 || (size_t)n >= cap - *used)
      return OTLS_E_INVAL;
    *used += (size_t)n;
  }
  /* An empty TLS <= 1.2 list must still be valid: "" disables them all. */
  if (!SSL_CTX_set_cipher_list(ctx, u12 ? tls12 : "") && u12) {
    detail_ossl(detail, detail_len, "cipher list");
    return OTLS_E_INVAL;
  }
  ERR_clear_error();
#if defined(OTLS_HAVE_SSL_CTX_SET_CIPHERSUITES)
  if (!SSL_CTX_set_ciphersuites(ctx, tls13)) {
    detail_ossl(detail, detail_len, "TLS 1.3 suites");
    return OTLS_E_INVAL;
  }
#endif
  return 0;
}

static int set_groups(SSL_CTX *ctx, const struct otls__ctx_config *cfg, char *detail,
                      size_t detail_len) {
  char list[256] = "";
  size_t used = 0;
  for (size_t i = 0; i < cfg->n_groups; i++) {
    const char *name = group_name(cfg->groups[i]);
    if (name == NULL)
      continue;
    int n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ":" : "", name);
    if (n < 0 || (size_t)n >= sizeof(list) - used)
      return OTLS_E_INVAL;
    used += (size_t)n;
  }
  if (used && !SSL_CTX_set1_curves_list(ctx, list)) {
    detail_ossl(detail, detail_len, "groups");
    return OTLS_E_INVAL;
  }
  return 0;
}

/*
 * Server DH parameters (PKCS#3 DER). OpenSSL 3 takes an EVP_PKEY; a fork
 * without SSL_CTX_set0_tmp_dh_pkey (BoringSSL: no DHE) never gets here,
 * because it lacks OTLS_CAP_DHPARAM.
 */
static int set_dhparam(SSL_CTX *ctx, const struct otls__ctx_config *cfg, char *detail,
                       size_t detail_len) {
  if (cfg->dhparam.len == 0)
    return 0;
#if defined(OTLS_HAVE_SSL_CTX_SET0_TMP_DH_PKEY)
  const unsigned char *p = cfg->dhparam.data;
  EVP_PKEY *pk = d2i_KeyParams(EVP_PKEY_DH, NULL, &p, (long)cfg->dhparam.len);
  if (pk == NULL) {
    detail_ossl(detail, detail_len, "dhparam");
    return OTLS_E_DER_BAD;
  }
  if (!SSL_CTX_set0_tmp_dh_pkey(ctx, pk)) {
    EVP_PKEY_free(pk);
    detail_ossl(detail, detail_len, "dhparam");
    return OTLS_E_INVAL;
  }
  return 0;
#else
  (void)ctx;
  otls__detail(detail, detail_len, "dhparam: not supported by this library");
  return OTLS_E_UNSUPPORTED;
#endif
}

/*
 * Server: answer the client's ALPN offer with exactly the protocol core
 * chose (core/conn.c), which core already found in the offer.
 */
/* NPN, server: advertise the context's list. */
static int npn_advertised_cb(SSL *ssl, const unsigned char **out, unsigned int *outlen,
                             void *arg) {
  (void)ssl;
  struct ossl_ctx *bctx = arg;
  *out = bctx->npn;
  *outlen = bctx->npn_len;
  return SSL_TLSEXT_ERR_OK;
}

/* NPN, client: core picks from the server's list. */
static int npn_select_cb(SSL *ssl, unsigned char **out, unsigned char *outlen,
                         const unsigned char *in, unsigned int inlen, void *arg) {
  (void)arg;
  struct ossl_conn *b = SSL_get_app_data(ssl);
  const uint8_t *name = NULL;
  size_t len = 0;
  if (b == NULL || otls__npn_select(b->conn, in, inlen, &name, &len) < 0)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = (unsigned char *)name;
  *outlen = (unsigned char)len;
  return SSL_TLSEXT_ERR_OK;
}

static int alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg) {
  (void)arg;
  struct ossl_conn *b = SSL_get_app_data(ssl);
  if (b == NULL || b->alpn == NULL)
    return SSL_TLSEXT_ERR_NOACK;
  for (unsigned int off = 0; off < inlen;) {
    unsigned int n = in[off];
    if (n > inlen - off - 1)
      break;
    if (n == b->alpn_len && memcmp(in + off + 1, b->alpn, n) == 0) {
      *out = in + off + 1;
      *outlen = (unsigned char)n;
      return SSL_TLSEXT_ERR_OK;
    }
    off += 1 + n;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

#if !defined(OTLS_HAVE_SSL_SET_OCSP_RESPONSE)
/*
 * OpenSSL: the status callback runs on both sides. A server staples what
 * core gave it; a client accepts whatever came (core only reports it).
 */
static int status_cb(SSL *ssl, void *arg) {
  (void)arg;
  struct ossl_conn *b = SSL_get_app_data(ssl);
  if (b == NULL || !b->is_server)
    return 1;
  if (b->ocsp == NULL)
    return SSL_TLSEXT_ERR_NOACK;
  unsigned char *copy = OPENSSL_malloc(b->ocsp_len);
  if (copy == NULL)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  memcpy(copy, b->ocsp, b->ocsp_len);
  if (!SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)b->ocsp_len)) {
    OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}
#endif

/*
 * Client: a new resumable session (each TLS 1.3 ticket, or the TLS 1.2
 * session at the end of the handshake) goes to core in serialised form.
 */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess) {
  struct ossl_conn *b = SSL_get_app_data(ssl);
  /* Servers: session IDs are a TLS <= 1.2 matter (core/session_cache.c). */
  if (b == NULL || !SSL_SESSION_is_resumable(sess) ||
      (b->is_server && SSL_version(ssl) > TLS1_2_VERSION))
    return 0;
  uint8_t *der = NULL;
  size_t len = 0;
#if defined(OTLS_HAVE_SSL_SESSION_TO_BYTES)
  if (!SSL_SESSION_to_bytes(sess, &der, &len))
    der = NULL;
#else
  int n = i2d_SSL_SESSION(sess, &der);
  len = n > 0 ? (size_t)n : 0;
#endif
  if (der != NULL && len > 0) {
    if (b->is_server) {
      unsigned int id_len = 0;
      const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
      otls__server_session_new(b->conn, id, id_len, der, len);
    } else {
      (void)otls__conn_new_session(b->conn, der, len);
    }
  }
  OPENSSL_free(der);
  if (!b->is_server && SSL_SESSION_up_ref(sess)) {
    SSL_SESSION_free(b->last_sess);
    b->last_sess = sess;
  }
  return 0; /* OpenSSL keeps its own reference */
}

/* Server: a client offers a session id; core knows whether it is resumable. */
#if defined(OTLS_HAVE_OPENSSL_IS_BORINGSSL)
static SSL_SESSION *get_session_cb(SSL *ssl, const uint8_t *id, int id_len, int *copy) {
#else
static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int id_len, int *copy) {
#endif
  struct ossl_conn *b = SSL_get_app_data(ssl);
  *copy = 0; /* the caller owns the session we return */
  const uint8_t *data;
  size_t len;
  if (b == NULL || id_len <= 0 || otls__server_session_get(b->conn, id, (size_t)id_len, &data, &len) != 1)
    return NULL;
#if defined(OTLS_HAVE_SSL_SESSION_FROM_BYTES)
  SSL_SESSION *sess = SSL_SESSION_from_bytes(data, len, SSL_get_SSL_CTX(ssl));
#else
  const unsigned char *p = data;
  SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)len);
#endif
  if (sess == NULL)
    ERR_clear_error();
  return sess;
}

/*
 * Server tickets under the context's key, kept in core (core/tickets.c):
 * Node's scheme, AES-128-CBC + HMAC-SHA256 with a 16-byte key name, so a
 * key set with setTicketKeys() works the same on every backend that can.
 * Returns 1 (key found / ticket made), 2 (decrypted with the previous key:
 * issue a new ticket), 0 (unknown key: full handshake), -1 (error).
 */
#if defined(OTLS_HAVE_SSL_CTX_SET_TLSEXT_TICKET_KEY_EVP_CB)
#include <openssl/core_names.h>
#include <openssl/rand.h>
typedef EVP_MAC_CTX ticket_mac_ctx;
static int ticket_mac_init(EVP_MAC_CTX *mac, const uint8_t *key) {
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                          OSSL_PARAM_construct_end()};
  return EVP_MAC_init(mac, key, 16, params);
}
#else
#include <openssl/hmac.h>
#include <openssl/rand.h>
typedef HMAC_CTX ticket_mac_ctx;
static int ticket_mac_init(HMAC_CTX *mac, const uint8_t *key) {
  return HMAC_Init_ex(mac, key, 16, EVP_sha256(), NULL);
}
#endif

static int ticket_key_cb(SSL *ssl, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cipher,
                         ticket_mac_ctx *mac, int enc) {
  struct ossl_conn *b = SSL_get_app_data(ssl);
  if (b == NULL)
    return -1;
  uint8_t key[48];
  int rv = 1;
  if (enc) {
    otls__ticket_key_current(b->conn, key);
    memcpy(name, key, 16);
    if (RAND_bytes(iv, 16) != 1)
      rv = -1;
  } else {
    rv = otls__ticket_key_find(b->conn, name, key);
  }
  if (rv > 0 && (!ticket_mac_init(mac, key + 16) ||
                 !(enc ? EVP_EncryptInit_ex(cipher, EVP_aes_128_cbc(), NULL, key + 32, iv)
                       : EVP_DecryptInit_ex(cipher, EVP_aes_128_cbc(), NULL, key + 32, iv))))
    rv = -1;
  OPENSSL_cleanse(key, sizeof(key));
  return rv;
}

int otls__ossl_ctx_new(void **out, const struct otls__ctx_config *cfg, char *detail,
                       size_t detail_len) {
  struct ossl_ctx *bctx = calloc(1, sizeof(*bctx));
  if (bctx == NULL)
    return OTLS_E_NOMEM;
  int rv = OTLS_E_NOMEM;
  ERR_clear_error();
  bctx->ctx = SSL_CTX_new(TLS_method());
  if (bctx->ctx == NULL)
    goto out_free;
  SSL_CTX *ctx = bctx->ctx;
  if (!SSL_CTX_set_min_proto_version(ctx, cfg->min_version) ||
      !SSL_CTX_set_max_proto_version(ctx, cfg->max_version)) {
    detail_ossl(detail, detail_len, "protocol versions");
    rv = OTLS_E_BAD_VERSION;
    goto out_free;
  }
#if defined(OTLS_HAVE_SSL_CTX_SET_SECURITY_LEVEL)
  /*
   * Node's level: 1 (Debian's system default is 2). Level 0 is needed for
   * TLS 1.0/1.1, whose handshakes sign with SHA-1: only when asked for.
   */
  SSL_CTX_set_security_level(ctx, cfg->min_version < OTLS__TLS1_2 ? 0 : 1);
#endif
  /*
   * No renegotiation or compression. Sessions: the client hands every new
   * session to core (no internal cache: a session is reused only when the
   * application passes it back); the server issues exactly
   * cfg->num_tickets tickets per handshake under the context's own keys,
   * and keeps no session-id cache of its own.
   */
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
  /*
   * Renegotiation: core's policy (limit, disableRenegotiation) acts through
   * the info callback. OpenSSL 3 refuses a client's renegotiation unless
   * allowed; BoringSSL cannot renegotiate as a server at all.
   */
  if (cfg->no_renegotiation)
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#if defined(SSL_OP_ALLOW_CLIENT_RENEGOTIATION)
  else
    SSL_CTX_set_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
#endif
#if defined(SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION)
  /* A renegotiation is a full handshake (a new certificate can be asked for). */
  SSL_CTX_set_options(ctx, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
#endif
  if (cfg->no_ticket)
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  else
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
  if (cfg->honor_cipher_order)
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  else
    SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_BOTH | SSL_SESS_CACHE_NO_INTERNAL);
  SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
  SSL_CTX_sess_set_get_cb(ctx, get_session_cb);
  /*
   * Sessions are kept per context by core; OpenSSL still wants an id
   * context before it resumes a session of a server that verifies clients.
   */
  SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"omnitls", 7);
  SSL_CTX_set_num_tickets(ctx, cfg->no_ticket ? 0 : cfg->num_tickets);
  SSL_CTX_set_timeout(ctx, cfg->session_timeout);
#if defined(OTLS_HAVE_SSL_CTX_SET_SESSION_PSK_DHE_TIMEOUT)
  SSL_CTX_set_session_psk_dhe_timeout(ctx, cfg->session_timeout);
#endif
#if defined(OTLS_HAVE_SSL_CTX_SET_TLSEXT_TICKET_KEY_EVP_CB)
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb);
#else
  SSL_CTX_set_tlsext_ticket_key_cb(ctx, ticket_key_cb);
#endif
  SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, NULL);
  if (cfg->npn) {
    if ((bctx->npn = malloc(cfg->npn_len)) == NULL) {
      rv = OTLS_E_NOMEM;
      goto out_free;
    }
    memcpy(bctx->npn, cfg->npn, cfg->npn_len);
    bctx->npn_len = (unsigned)cfg->npn_len;
    SSL_CTX_set_next_protos_advertised_cb(ctx, npn_advertised_cb, bctx);
    SSL_CTX_set_next_proto_select_cb(ctx, npn_select_cb, bctx);
  }
#if !defined(OTLS_HAVE_SSL_SET_OCSP_RESPONSE)
  SSL_CTX_set_tlsext_status_cb(ctx, status_cb);
#endif
  /*
   * No SSL_MODE_RELEASE_BUFFERS: it frees and allocates OpenSSL's record
   * buffers around every record (8% of the instructions of 1 KiB writes).
   * Idle connections release them through otls_conn_release_buffers()
   * instead (otls__ossl_release_buffers), which the socket and event layers
   * call whenever their transport goes quiet. (BoringSSL frees its idle
   * buffers itself; the mode is 0 there.)
   */
  SSL_CTX_set_info_callback(ctx, info_cb);
  if (cfg->session_id_context.len &&
      !SSL_CTX_set_session_id_context(ctx, cfg->session_id_context.data,
                                      (unsigned)cfg->session_id_context.len)) {
    detail_ossl(detail, detail_len, "session id context");
    rv = OTLS_E_INVAL;
    goto out_free;
  }
  if ((rv = set_suites(ctx, cfg, detail, detail_len)) < 0 ||
      (rv = set_groups(ctx, cfg, detail, detail_len)) < 0 ||
      (rv = set_dhparam(ctx, cfg, detail, detail_len)) < 0 ||
      (rv = load_credentials(ctx, cfg, detail, detail_len)) < 0 ||
      (rv = load_trust(ctx, cfg, detail, detail_len)) < 0)
    goto out_free;
  /* Client: always verify, never fail (core decides). Server: on request. */
  int mode = SSL_VERIFY_PEER;
  if (cfg->require_cert)
    mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, verify_cb);
  bctx->request_cert = cfg->request_cert;
  *out = bctx;
  return 0;
out_free:
  ERR_clear_error();
  SSL_CTX_free(bctx->ctx);
  free(bctx->npn);
  free(bctx);
  return rv;
}

void otls__ossl_ctx_free(void *p) {
  struct ossl_ctx *bctx = p;
  if (bctx == NULL)
    return;
  SSL_CTX_free(bctx->ctx);
  free(bctx->npn);
  free(bctx);
}

/* --- connection ----------------------------------------------------------- */

static void conn_free(struct ossl_conn *b);

int otls__ossl_conn_new(void **out, void *pctx, struct otls_conn *conn,
                        const struct otls__conn_config *cfg) {
  struct ossl_ctx *bctx = pctx;
  bool is_server = cfg->is_server;
  struct ossl_conn *b = calloc(1, sizeof(*b));
  if (b == NULL)
    return OTLS_E_NOMEM;
  b->conn = conn;
  b->alert = -1;
  b->is_server = is_server;
  b->ssl = SSL_new(bctx->ctx);
  BIO *rbio = b->ssl ? BIO_new(bio_method) : NULL;
  if (rbio == NULL) {
    SSL_free(b->ssl);
    free(b);
    return OTLS_E_NOMEM;
  }
  BIO_set_data(rbio, conn);
  /* One BIO both ways: SSL_set_bio() takes a single reference then. */
  SSL_set_bio(b->ssl, rbio, rbio);
  SSL_set_app_data(b->ssl, b);
  int rv = OTLS_E_INVAL;
  if (is_server) {
    /* Without requestCert a server never asks for a client certificate. */
    if (!bctx->request_cert)
      SSL_set_verify(b->ssl, SSL_VERIFY_NONE, NULL);
    if (cfg->alpn) {
      if ((b->alpn = malloc(cfg->alpn_len)) == NULL) {
        rv = OTLS_E_NOMEM;
        goto fail;
      }
      memcpy(b->alpn, cfg->alpn, cfg->alpn_len);
      b->alpn_len = cfg->alpn_len;
    }
    if (cfg->ocsp_response) {
#if defined(OTLS_HAVE_SSL_SET_OCSP_RESPONSE)
      /* BoringSSL sends it only to a client that asked. */
      if (!SSL_set_ocsp_response(b->ssl, cfg->ocsp_response, cfg->ocsp_response_len)) {
        rv = OTLS_E_NOMEM;
        goto fail;
      }
#else
      if ((b->ocsp = malloc(cfg->ocsp_response_len)) == NULL) {
        rv = OTLS_E_NOMEM;
        goto fail;
      }
      memcpy(b->ocsp, cfg->ocsp_response, cfg->ocsp_response_len);
      b->ocsp_len = cfg->ocsp_response_len;
#endif
    }
    SSL_set_accept_state(b->ssl);
  } else {
    SSL_set_verify(b->ssl, SSL_VERIFY_PEER, verify_cb);
    if (cfg->servername && !SSL_set_tlsext_host_name(b->ssl, cfg->servername))
      goto fail;
    if (cfg->request_ocsp) {
#if defined(OTLS_HAVE_SSL_SET_OCSP_RESPONSE)
      SSL_enable_ocsp_stapling(b->ssl);
#else
      if (!SSL_set_tlsext_status_type(b->ssl, TLSEXT_STATUSTYPE_ocsp))
        goto fail;
#endif
    }
    /* SSL_set_alpn_protos() returns 0 on success. */
    if (cfg->alpn && SSL_set_alpn_protos(b->ssl, cfg->alpn, (unsigned)cfg->alpn_len) != 0)
      goto fail;
    if (cfg->session) {
#if defined(OTLS_HAVE_SSL_SESSION_FROM_BYTES)
      SSL_SESSION *sess = SSL_SESSION_from_bytes(cfg->session, cfg->session_len, bctx->ctx);
#else
      const unsigned char *p = cfg->session;
      SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)cfg->session_len);
#endif
      int ok = sess != NULL && SSL_set_session(b->ssl, sess);
      SSL_SESSION_free(sess);
      if (!ok) {
        rv = OTLS_E_BAD_SESSION;
        goto fail;
      }
    }
    SSL_set_connect_state(b->ssl);
  }
  *out = b;
  return 0;
fail:
  ERR_clear_error();
  conn_free(b);
  return rv;
}

const uint8_t *otls__ossl_alpn_selected(void *p, size_t *len) {
  struct ossl_conn *b = p;
  const unsigned char *data = NULL;
  unsigned int n = 0;
  SSL_get0_alpn_selected(b->ssl, &data, &n);
  *len = n;
  return n ? data : NULL;
}

int otls__ossl_export_keying_material(void *p, uint8_t *out, size_t len, const char *label,
                                      size_t label_len, const uint8_t *context,
                                      size_t context_len) {
  struct ossl_conn *b = p;
  if (SSL_export_keying_material(b->ssl, out, len, label, label_len, context, context_len,
                                 context != NULL) != 1) {
    ERR_clear_error();
    return OTLS_E_INTERNAL;
  }
  return 0;
}

int otls__ossl_finished(void *p, bool peer, uint8_t *out, size_t cap) {
  struct ossl_conn *b = p;
  uint8_t buf[EVP_MAX_MD_SIZE];
  size_t n = peer ? SSL_get_peer_finished(b->ssl, buf, sizeof(buf))
                  : SSL_get_finished(b->ssl, buf, sizeof(buf));
  if (n == 0 || n > sizeof(buf))
    return OTLS_E_UNSUPPORTED;
  memcpy(out, buf, n < cap ? n : cap);
  return (int)n;
}

int otls__ossl_key_update(void *p, bool request_peer) {
  struct ossl_conn *b = p;
  ERR_clear_error();
  if (SSL_key_update(b->ssl, request_peer ? SSL_KEY_UPDATE_REQUESTED
                                          : SSL_KEY_UPDATE_NOT_REQUESTED) != 1)
    return map_error(b, 0, false);
  /* Send it now rather than with the next application data. */
#if defined(OTLS_HAVE_OPENSSL_IS_BORINGSSL)
  int ret = SSL_write(b->ssl, "", 0);
  if (ret == 0)
    ret = 1;
#else
  int ret = SSL_do_handshake(b->ssl);
#endif
  if (ret != 1 && SSL_get_error(b->ssl, ret) != SSL_ERROR_WANT_READ)
    return map_error(b, ret, false);
  return 0;
}

const uint8_t *otls__ossl_npn_selected(void *p, size_t *len) {
  struct ossl_conn *b = p;
  const unsigned char *data = NULL;
  unsigned n = 0;
  SSL_get0_next_proto_negotiated(b->ssl, &data, &n);
  *len = n;
  return n ? data : NULL;
}

const uint8_t *otls__ossl_tls_ticket(void *p, size_t *len) {
  struct ossl_conn *b = p;
  *len = 0;
  /* The newest session: BoringSSL's SSL_get_session() keeps the handshake's. */
  SSL_SESSION *sess = b->is_server ? NULL : b->last_sess;
  if (sess == NULL)
    return NULL;
  const unsigned char *t = NULL;
  size_t n = 0;
  SSL_SESSION_get0_ticket(sess, &t, &n);
  *len = t ? n : 0;
  return *len ? t : NULL;
}

int otls__ossl_renegotiate(void *p, bool request_cert) {
  struct ossl_conn *b = p;
#if defined(OTLS_HAVE_OPENSSL_IS_BORINGSSL)
  (void)b;
  (void)request_cert;
  return OTLS_E_UNSUPPORTED; /* BoringSSL never starts one (BACKENDS.md §14) */
#else
  ERR_clear_error();
  if (b->is_server)
    SSL_set_verify(b->ssl, request_cert ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                   request_cert ? verify_cb : NULL);
  if (SSL_renegotiate(b->ssl) != 1)
    return map_error(b, 0, false);
  int ret = SSL_do_handshake(b->ssl);
  if (ret != 1 && SSL_get_error(b->ssl, ret) != SSL_ERROR_WANT_READ)
    return map_error(b, ret, false);
  return 0;
#endif
}

const uint8_t *otls__ossl_ocsp_response(void *p, size_t *len) {
  struct ossl_conn *b = p;
#if defined(OTLS_HAVE_SSL_SET_OCSP_RESPONSE)
  const uint8_t *data = NULL;
  SSL_get0_ocsp_response(b->ssl, &data, len);
  return *len ? data : NULL;
#else
  const unsigned char *data = NULL;
  long n = SSL_get_tlsext_status_ocsp_resp(b->ssl, &data);
  *len = n > 0 ? (size_t)n : 0;
  return n > 0 ? data : NULL;
#endif
}

bool otls__ossl_session_reused(void *p) {
  struct ossl_conn *b = p;
  return SSL_session_reused(b->ssl) == 1;
}

static void clear_der(struct ossl_conn *b) {
  for (size_t i = 0; i < b->n_der; i++)
    OPENSSL_free(b->der[i]);
  b->n_der = 0;
}

static void conn_free(struct ossl_conn *b) {
  if (b == NULL)
    return;
  clear_der(b);
  SSL_SESSION_free(b->last_sess);
  SSL_free(b->ssl);
  free(b->alpn);
  free(b->ocsp);
  free(b);
}

void otls__ossl_conn_free(void *p) { conn_free(p); }

/*
 * SSL_get_error() needs an empty error queue before each call. Our own
 * failures always leave it empty (map_error clears it), so only a stale
 * entry from elsewhere in the thread needs clearing: peeking costs a
 * quarter of ERR_clear_error() on OpenSSL 3, and this is the per-record path.
 */
static inline void clear_stale_errors(void) {
  if (ERR_peek_error() != 0)
    ERR_clear_error();
}

/*
 * The same before SSL_do_handshake, SSL_read and SSL_write. BoringSSL's
 * own entry points empty the queue first (ssl_reset_error_state), so there
 * it would only repeat their work.
 */
static inline void clear_stale_errors_before_io(void) {
#if !defined(OTLS_HAVE_OPENSSL_IS_BORINGSSL)
  clear_stale_errors();
#endif
}

int otls__ossl_handshake(void *p) {
  struct ossl_conn *b = p;
  clear_stale_errors_before_io();
  int ret = SSL_do_handshake(b->ssl);
  if (ret == 1) {
    b->hs_done = true;
#if defined(OTLS_HAVE_OPENSSL_IS_BORINGSSL)
    /*
     * A BoringSSL server holds its TLS 1.3 tickets until the next write;
     * OpenSSL sends them with the handshake. An empty write flushes them, so
     * a client sees its `session` event at the same moment on every backend.
     */
    if (b->is_server && SSL_write(b->ssl, "", 0) < 0)
      ERR_clear_error();
#endif
    return OTLS__IO_OK;
  }
  int err = SSL_get_error(b->ssl, ret);
  if (err == SSL_ERROR_WANT_READ && !otls__tx_eof(b->conn))
    return OTLS__IO_WANT_READ;
  return map_error(b, ret, true);
}

int otls__ossl_read(void *p, void *buf, size_t len, size_t *n) {
  struct ossl_conn *b = p;
  clear_stale_errors_before_io();
  int ret = SSL_read(b->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
  if (ret > 0) {
    *n = (size_t)ret;
    b->read_data = true;
    return OTLS__IO_OK;
  }
  int err = SSL_get_error(b->ssl, ret);
  if (err == SSL_ERROR_ZERO_RETURN)
    return OTLS__IO_CLOSED;
  if (err == SSL_ERROR_WANT_READ && !otls__tx_eof(b->conn)) {
#if !defined(OTLS_HAVE_OPENSSL_IS_BORINGSSL)
    /*
     * A want-read that followed no application data (a post-handshake
     * message alone, such as a TLS 1.3 ticket): the connection is most
     * likely idle now, so free OpenSSL's buffers even for an application
     * that never calls otls_conn_release_buffers(). Not after data: on the
     * per-record path the call is not free.
     */
    if (!b->read_data)
      (void)SSL_free_buffers(b->ssl);
#endif
    b->read_data = false;
    return OTLS__IO_WANT_READ;
  }
  return map_error(b, ret, false);
}

int otls__ossl_write(void *p, const void *buf, size_t len) {
  struct ossl_conn *b = p;
  const unsigned char *q = buf;
  clear_stale_errors_before_io();
  while (len > 0) {
    int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
    int ret = SSL_write(b->ssl, q, chunk);
    if (ret <= 0)
      return map_error(b, ret, false);
    q += ret;
    len -= (size_t)ret;
  }
  return OTLS__IO_OK;
}

void otls__ossl_release_buffers(void *p) {
  struct ossl_conn *b = p;
#if !defined(OTLS_HAVE_OPENSSL_IS_BORINGSSL)
  /* Frees nothing, and says so, while a record is pending either way. */
  if (b->ssl != NULL)
    (void)SSL_free_buffers(b->ssl);
#else
  (void)b;
#endif
}

int otls__ossl_shutdown(void *p) {
  struct ossl_conn *b = p;
  clear_stale_errors();
  int ret = SSL_shutdown(b->ssl);
  if (ret >= 0)
    return 0;
  int err = SSL_get_error(b->ssl, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    return 0;
  }
  return map_error(b, ret, false);
}

uint16_t otls__ossl_protocol(void *p) {
  struct ossl_conn *b = p;
  return (uint16_t)SSL_version(b->ssl);
}

uint16_t otls__ossl_cipher_id(void *p) {
  struct ossl_conn *b = p;
  const SSL_CIPHER *c = SSL_get_current_cipher(b->ssl);
  return c ? SSL_CIPHER_get_protocol_id(c) : 0;
}

/*
 * The negotiated group as a NamedGroup id. OpenSSL 3.0 answers with a NID
 * (SSL_get_negotiated_group); BoringSSL with the id (SSL_get_curve_id).
 */
uint16_t otls__ossl_group(void *p) {
  struct ossl_conn *b = p;
#if defined(OTLS_HAVE_SSL_GET_CURVE_ID)
  return SSL_get_curve_id(b->ssl);
#elif defined(OTLS_HAVE_SSL_GET_NEGOTIATED_GROUP)
  static const struct {
    int nid;
    uint16_t id;
  } tab[] = {{NID_X9_62_prime256v1, 23}, {NID_secp384r1, 24},  {NID_secp521r1, 25},
             {NID_X25519, 29},           {NID_X448, 30},       {NID_ffdhe2048, 256},
             {NID_ffdhe3072, 257},       {NID_ffdhe4096, 258}, {NID_ffdhe6144, 259},
             {NID_ffdhe8192, 260}};
  int nid = (int)SSL_get_negotiated_group(b->ssl);
  for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
    if (tab[i].nid == nid)
      return tab[i].id;
  return 0;
#else
  (void)b;
  return 0;
#endif
}

static int push_der(struct ossl_conn *b, X509 *x) {
  if (b->n_der == MAX_CHAIN)
    return 0;
  unsigned char *der = NULL;
  int len = i2d_X509(x, &der);
  if (len <= 0)
    return -1;
  b->der[b->n_der] = der;
  b->der_len[b->n_der] = len;
  b->n_der++;
  return 0;
}

size_t otls__ossl_peer_chain(void *p, struct otls__blob *out, size_t max) {
  struct ossl_conn *b = p;
  clear_der(b);
  STACK_OF(X509) *chain = SSL_get_peer_cert_chain(b->ssl);
  /* The server-side chain excludes the leaf on both forks. */
  if (b->is_server) {
    X509 *leaf = SSL_get_peer_certificate(b->ssl);
    if (leaf == NULL)
      return 0;
    int rv = push_der(b, leaf);
    X509_free(leaf);
    if (rv < 0)
      return 0;
  }
  for (size_t i = 0; chain && i < (size_t)sk_X509_num(chain); i++)
    if (push_der(b, sk_X509_value(chain, (int)i)) < 0)
      break;
  size_t n = b->n_der < max ? b->n_der : max;
  for (size_t i = 0; i < n; i++) {
    out[i].data = b->der[i];
    out[i].len = (size_t)b->der_len[i];
  }
  return n;
}

unsigned otls__ossl_verify_facts(void *p) {
  struct ossl_conn *b = p;
  unsigned facts = b->facts;
  /* The callback may not have seen everything (e.g. a failure outside it). */
  long res = SSL_get_verify_result(b->ssl);
  if (res != X509_V_OK)
    facts |= map_verify((int)res);
  return facts;
}

const char *otls__ossl_servername(void *p) {
  struct ossl_conn *b = p;
  return SSL_get_servername(b->ssl, TLSEXT_NAMETYPE_host_name);
}

int otls__ossl_alert(void *p, bool *sent) {
  struct ossl_conn *b = p;
  *sent = b->alert_sent;
  return b->alert;
}

int otls__ossl_digest(int alg, const void *data, size_t len, uint8_t *out) {
  const EVP_MD *md;
  switch (alg) {
  case OTLS__MD_SHA1: md = EVP_sha1(); break;
  case OTLS__MD_SHA256: md = EVP_sha256(); break;
  case OTLS__MD_SHA384: md = EVP_sha384(); break;
  case OTLS__MD_SHA512: md = EVP_sha512(); break;
  default: return OTLS_E_UNSUPPORTED;
  }
  unsigned int n = 0;
  if (!EVP_Digest(data, len, out, &n, md, NULL)) {
    ERR_clear_error();
    return OTLS_E_INTERNAL;
  }
  return (int)n;
}

/* --- PKCS#12 ------------------------------------------------------------------ */

/* Hand one certificate to core as DER. */
static int sink_x509(const struct otls__pkcs12_sink *sink, X509 *x, bool leaf) {
  unsigned char *der = NULL;
  int len = i2d_X509(x, &der);
  if (len <= 0) {
    ERR_clear_error();
    return OTLS_E_DER_BAD;
  }
  int rv = sink->cert(sink->arg, der, (size_t)len, leaf);
  OPENSSL_free(der);
  return rv;
}

/* Was the last failure a wrong password (MAC or decryption)? */
static bool password_error(unsigned long e) {
  int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);
#if defined(PKCS12_R_MAC_VERIFY_FAILURE)
  if (lib == ERR_LIB_PKCS12 &&
      (reason == PKCS12_R_MAC_VERIFY_FAILURE || reason == PKCS12_R_PKCS12_CIPHERFINAL_ERROR))
    return true;
#endif
#if defined(PKCS8_R_INCORRECT_PASSWORD)
  if (lib == ERR_LIB_PKCS8 && reason == PKCS8_R_INCORRECT_PASSWORD)
    return true;
#endif
#if defined(EVP_R_BAD_DECRYPT)
  if (lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT)
    return true;
#endif
  (void)lib;
  (void)reason;
  return false;
}

int otls__ossl_pkcs12_parse(const uint8_t *der, size_t len, const char *pass,
                            const struct otls__pkcs12_sink *sink, char *detail, size_t detail_len) {
  ERR_clear_error();
  const unsigned char *p = der;
  PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
  if (p12 == NULL) {
    detail_ossl(detail, detail_len, "pfx");
    return OTLS_E_DER_BAD;
  }
  int rv;
  EVP_PKEY *pkey = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;
  /*
   * The MAC first, so that a wrong password is told apart from a damaged
   * bundle. "" also means "no password" (OpenSSL's PKCS12_parse does both).
   */
#if defined(OTLS_HAVE_PKCS12_MAC_PRESENT)
  bool has_mac = PKCS12_mac_present(p12);
#else
  bool has_mac = true; /* BoringSSL always verifies the MAC */
#endif
  if (has_mac && !PKCS12_verify_mac(p12, pass, -1) &&
      !(pass[0] == 0 && PKCS12_verify_mac(p12, NULL, 0))) {
    detail_ossl(detail, detail_len, "pfx: MAC verification failed (wrong passphrase?)");
    rv = OTLS_E_BAD_DECRYPT;
    goto out;
  }
  ERR_clear_error();
  if (!PKCS12_parse(p12, pass, &pkey, &cert, &ca)) {
    bool pw = password_error(ERR_peek_last_error());
    detail_ossl(detail, detail_len, pw ? "pfx: cannot decrypt" : "pfx");
    rv = pw ? OTLS_E_BAD_DECRYPT : OTLS_E_DER_BAD;
    goto out;
  }
  rv = 0;
  if (pkey != NULL) {
    /* The key in its own form (RSAPrivateKey, ECPrivateKey) or PKCS#8. */
    unsigned char *kd = NULL;
    int kl = i2d_PrivateKey(pkey, &kd);
    if (kl <= 0) {
      detail_ossl(detail, detail_len, "pfx: private key");
      rv = OTLS_E_BAD_KEY;
      goto out;
    }
    rv = sink->key(sink->arg, kd, (size_t)kl);
    OPENSSL_cleanse(kd, (size_t)kl);
    OPENSSL_free(kd);
  }
  if (rv == 0 && cert != NULL)
    rv = sink_x509(sink, cert, true);
  for (size_t i = 0; rv == 0 && ca && i < (size_t)sk_X509_num(ca); i++)
    rv = sink_x509(sink, sk_X509_value(ca, (int)i), false);
out:
  ERR_clear_error();
  EVP_PKEY_free(pkey);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  return rv;
}

/* --- the ephemeral key ---------------------------------------------------------- */

/*
 * OpenSSL hands over the peer's key (SSL_get_peer_tmp_key): a DH key is
 * reported by its size unless it came from a TLS 1.3 ffdhe group; the
 * group of an EC / X25519 / X448 key comes from otls__ossl_group().
 * BoringSSL has neither the call nor DHE: the curve id is all there is.
 */
int otls__ossl_peer_tmp_key(void *p, uint16_t *group, unsigned *dh_bits) {
  *group = 0;
  *dh_bits = 0;
#if defined(OTLS_HAVE_SSL_GET_PEER_TMP_KEY)
  struct ossl_conn *b = p;
  EVP_PKEY *pk = NULL;
  if (SSL_get_peer_tmp_key(b->ssl, &pk) && pk != NULL) {
    uint16_t g = otls__ossl_group(p);
    if (EVP_PKEY_base_id(pk) == EVP_PKEY_DH && (g < 256 || g > 260))
      *dh_bits = (unsigned)EVP_PKEY_bits(pk);
    else
      *group = g;
    EVP_PKEY_free(pk);
  }
  ERR_clear_error();
#else
  *group = otls__ossl_group(p);
#endif
  return 0;
}
