/*
 * omnitls — the wolfSSL backend (wolfSSL 5.5.x, Debian's libwolfssl).
 *
 * The backend performs the protocol and reports facts; policy lives in core
 * (DESIGN.md §1, core/backend.h). This file exports exactly one symbol,
 * otls__backend; everything else is static.
 *
 * wolfSSL 5.5.4 does several things differently from OpenSSL; each is
 * handled next to the code that meets it, and README.md lists them all with
 * the evidence. In short: no TLS 1.0; one cipher list for 1.2 and 1.3; a
 * wrong passphrase accepted on traditional PEM keys and EC key mismatches
 * missed, so keys are opened and compared here; VERIFY_NONE does not
 * verify; verification codes that need translating; peer intermediates
 * cached in the verifying store for good; CRLs that cannot be loaded before
 * their issuer is known and that break the chain when missing; group lists
 * not enforced in TLS 1.2; a process-global session cache; SNI dropped on a
 * server without a callback; some fatal errors without an alert; a TLS 1.2
 * client that takes any answer to its ticket for a resumption; TLS 1.2
 * sessions that hold a client to a TLS 1.2 ClientHello; tickets that carry
 * no certificate.
 */
/* wolfSSL's build options first, in a block of their own: every other
 * wolfSSL header depends on them. */
#include <wolfssl/options.h>

#include <wolfssl/error-ssl.h>
#include <wolfssl/openssl/evp.h>
#include <wolfssl/openssl/hmac.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/ed448.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pkcs12.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "omnitls/errors.h"

/* Room for a message built before the connection can take it. */
#define DETAIL_LEN 256

struct wctx {
  WOLFSSL_CTX *ctx;
  bool request_cert;
  bool require_cert;
  /* Trust for per-connection stores: our own copies (one allocation each,
   * the blob array followed by the bytes). */
  struct otls__blob *ca;
  size_t n_ca;
  struct otls__blob *crl;
  size_t n_crl;
  bool shared_store;             /* system CA: verify against the context's own store */
  WOLFSSL_X509_STORE *crl_store; /* shared store with CRLs (system CA + CRLs) */
  /* groups we allow, to check what wolfSSL negotiated */
  uint16_t groups[WOLFSSL_MAX_GROUP_COUNT];
  size_t n_groups;
  uint16_t min_version, max_version; /* as wolfSSL was told (max may be capped) */
  unsigned session_timeout;          /* seconds */
  bool no_ticket;                    /* server: no tickets issued or taken */
};

struct wconn {
  WOLFSSL *ssl;
  struct otls_conn *conn;
  struct wctx *wctx;
  WOLFSSL_X509_STORE *store; /* own verify store, NULL when shared */
  bool is_server;
  unsigned vf; /* accumulated OTLS__VF_* facts */
  char *sni;   /* server: the name the client asked for */
  bool sni_done;
  WOLFSSL_ALERT_HISTORY seen; /* alert history at the last look */
  uint8_t *ticket;             /* client: the last ticket, copied for tls_ticket() */
  int alert;                  /* fatal alert that ended it, -1 = none */
  bool alert_sent;
  size_t bytes_out; /* ciphertext written so far */
  size_t bytes_in;  /* ciphertext read so far */
  bool not_tls;     /* client: the peer's first record is not TLS */
  bool checked;     /* post-handshake checks done */
  int post_rv;      /* their result */
  /* Server: the one ALPN protocol core chose (bare bytes), NULL = none. */
  uint8_t *alpn;
  size_t alpn_len;
  /* Client: TLS 1.3 tickets processed but not yet handed to core. */
  unsigned tickets_pending;
  /* Client: offered a saved session. */
  bool offered_session;
  /*
   * Client offering a TLS 1.2 ticket: the server's first flight is read
   * ahead into `hold` until it shows whether the ticket was taken
   * (probe_flight()), and handed to wolfSSL from there.
   */
  bool probe;
  uint8_t *hold;
  size_t hold_len, hold_off;
  /* The session id of a ServerHello that refused the ticket (len 0: none). */
  uint8_t refused_sid[32];
  size_t refused_sid_len;
  bool crls_checked; /* check_crls() ran */
  /*
   * Server, resuming: the client's certificate (leaf, DER) and the
   * verification facts of the connection that made the session, from the
   * ticket store or the session bytes; used once wolfSSL says it resumed.
   */
  bool res_known;
  unsigned res_vf;
  uint8_t *res_leaf;
  size_t res_leaf_len;
};

/* Where a native error happened; decides the fallback code. */
enum where {
  AT_CERT,        /* loading our own certificate chain */
  AT_KEY,         /* loading the private key */
  AT_KEY_PEM,     /* decoding its PEM */
  AT_KEY_DECRYPT, /* decrypting it */
  AT_CA,          /* loading trust anchors */
  AT_CRL,         /* loading CRLs */
  AT_CONFIG,      /* versions, suites, groups, ... */
  AT_HANDSHAKE,   /* during the handshake */
  AT_IO,          /* read / write / shutdown after the handshake */
};

/* Text for a native wolfSSL / wolfCrypt error code. */
static const char *native_text(int err) {
  const char *s = wolfSSL_ERR_reason_error_string((unsigned long)err);
  return s != NULL ? s : "unknown wolfSSL error";
}

/*
 * The one translation of native wolfSSL errors into OTLS_E_* codes
 * (CONVENTIONS.md "Errors"). `eof`: the transport had reached EOF.
 */
static int map_error(int err, enum where where, bool eof) {
  switch (err) {
  case MEMORY_E:
  case MEMORY_ERROR: return OTLS_E_NOMEM;
  case WANT_READ:
  case WOLFSSL_ERROR_WANT_READ: return OTLS_E_WANT_READ;
  /* FATAL_ERROR: we received a fatal alert. */
  case FATAL_ERROR: return OTLS_E_PEER_ALERT;
  case VERSION_ERROR:
  case UNSUPPORTED_PROTO_VERSION: return OTLS_E_VERSION_MISMATCH;
  case MATCH_SUITE_ERROR:
  case UNSUPPORTED_SUITE: return OTLS_E_NO_SHARED_CIPHER;
  case NO_PEER_CERT: return OTLS_E_PEER_CERT_REQUIRED;
  case SOCKET_PEER_CLOSED_E:
  case SOCKET_ERROR_E:
  case WOLFSSL_ERROR_SYSCALL:
    /* Transport EOF without close_notify; core turns it into CONNRESET
     * during the handshake. */
    return eof ? OTLS_E_TRUNCATED : OTLS_E_INTERNAL;
  case VERIFY_MAC_ERROR:
  case DECRYPT_ERROR:
  case PARSE_ERROR:
  case UNKNOWN_RECORD_TYPE:
  case LENGTH_ERROR:
  case BUFFER_ERROR:
  case RECV_OVERFLOW_E:
  case SANITY_MSG_E:
  case OUT_OF_ORDER_E:
  case DUPLICATE_MSG_E:
  case UNKNOWN_HANDSHAKE_TYPE:
  case INCOMPLETE_DATA:
  case BAD_HELLO:
  case DECODE_E:
  case HANDSHAKE_SIZE_ERROR:
  case AES_GCM_AUTH_E:
  case AES_CCM_AUTH_E: return OTLS_E_PROTOCOL;
  case NO_PASSWORD: return OTLS_E_BAD_DECRYPT;
  case ASN_NO_PEM_HEADER: return OTLS_E_PEM_NO_START_LINE;
  default: break;
  }
  switch (where) {
  case AT_CERT:
  case AT_CA:
  case AT_CRL: return OTLS_E_DER_BAD;
  case AT_KEY: return OTLS_E_BAD_KEY;
  case AT_KEY_PEM: return OTLS_E_PEM_BAD;
  case AT_KEY_DECRYPT: return OTLS_E_BAD_DECRYPT;
  case AT_CONFIG: return OTLS_E_INTERNAL;
  case AT_HANDSHAKE: return OTLS_E_HANDSHAKE;
  case AT_IO: return OTLS_E_PROTOCOL;
  }
  return OTLS_E_INTERNAL;
}

/*
 * The one translation of native verification results into OTLS__VF_*
 * facts. wolfSSL hands the callback either an X509_V_ERR_* number (its
 * compat table, in wolfssl/ssl.h) or a raw negative wolfSSL/wolfCrypt code.
 */
static unsigned map_verify(int err) {
  switch (err) {
  case X509_V_OK: return 0;
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
  case ASN_NO_SIGNER_E:
  case ASN_SELF_SIGNED_E: return OTLS__VF_ISSUER;
  /* The callback gets 14 / 13 ("error in field") for 10 / 9; a CRL past
   * its nextUpdate comes back from the CRL check as ASN_AFTER_DATE_E. */
  case X509_V_ERR_CERT_HAS_EXPIRED:
  case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
  case X509_V_ERR_CRL_HAS_EXPIRED:
  case ASN_AFTER_DATE_E:
  case CRL_CERT_DATE_ERR: return OTLS__VF_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
  case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
  case X509_V_ERR_CRL_NOT_YET_VALID:
  case ASN_BEFORE_DATE_E: return OTLS__VF_NOT_YET_VALID;
  case X509_V_ERR_CERT_REVOKED:
  case CRL_CERT_REVOKED:
  case OCSP_CERT_REVOKED: return OTLS__VF_REVOKED;
  /* A CRL whose issuer is unknown cannot be used: as if there were none. */
  case X509_V_ERR_UNABLE_TO_GET_CRL:
  case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
  case CRL_MISSING:
  case ASN_CRL_NO_SIGNER_E: return OTLS__VF_NO_CRL;
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_CRL_SIGNATURE_FAILURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
  case ASN_CRL_CONFIRM_E:
  case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
  case ASN_SIG_CONFIRM_E:
  case ASN_SIG_OID_E:
  case ASN_SIG_HASH_E:
  case ASN_SIG_KEY_E: return OTLS__VF_SIGNATURE;
  case X509_V_ERR_INVALID_CA:
  case X509_V_ERR_PATH_LENGTH_EXCEEDED:
  case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
  case NOT_CA_ERROR:
  case ASN_PATHLEN_INV_E:
  case ASN_PATHLEN_SIZE_E: return OTLS__VF_INVALID_CA;
  case X509_V_ERR_INVALID_PURPOSE:
  case EXTKEYUSE_AUTH_E:
  case KEYUSE_SIGNATURE_E:
  case KEYUSE_ENCIPHER_E: return OTLS__VF_PURPOSE;
  default: return OTLS__VF_OTHER;
  }
}

/* Record a failed connection operation; returns the OTLS_E_* code. */
static int conn_fail(struct wconn *w, int err, enum where where, const char *op) {
  bool eof = otls__tx_eof(w->conn);
  int code = map_error(err, where, eof);
  otls__conn_set_error(w->conn, "wolfSSL %s: %s (%d)", op, native_text(err), err);
  wolfSSL_ERR_clear_error();
  return code;
}

/* Record a failed context step in `detail`; returns the OTLS_E_* code. */
static int ctx_fail(char *detail, size_t dlen, int err, enum where where, const char *what) {
  int code = map_error(err, where, false);
  otls__detail(detail, dlen, "wolfSSL: %s: %s (%d)", what, native_text(err), err);
  wolfSSL_ERR_clear_error();
  return code;
}

static void wipe(void *p, size_t n) {
  volatile unsigned char *v = p;
  while (n--)
    *v++ = 0;
}

static const char *find(const char *hay, size_t n, const char *needle) {
  size_t m = strlen(needle);
  for (size_t i = 0; m <= n && i <= n - m; i++)
    if (memcmp(hay + i, needle, m) == 0)
      return hay + i;
  return NULL;
}

/* --- DER helpers ------------------------------------------------------- */

/* Read one TLV at p[*off..len): its tag, header size and value length. */
static bool der_tlv(const uint8_t *p, size_t len, size_t off, uint8_t *tag, size_t *hdr,
                    size_t *vlen) {
  if (off + 2 > len)
    return false;
  *tag = p[off];
  size_t l = p[off + 1], h = 2;
  if (l & 0x80) {
    size_t nb = l & 0x7f;
    if (nb == 0 || nb > sizeof(size_t) || off + 2 + nb > len)
      return false;
    l = 0;
    for (size_t i = 0; i < nb; i++)
      l = (l << 8) | p[off + 2 + i];
    h += nb;
  }
  if (l > len - off - h)
    return false;
  *hdr = h;
  *vlen = l;
  return true;
}

/*
 * True when p[0..*len) is one complete SEQUENCE, possibly followed by the
 * block-cipher padding wolfSSL leaves on a decrypted traditional PEM key
 * (it strips it after AES but not after DES-EDE3); *len is cut to the
 * SEQUENCE.
 */
static bool der_one_sequence(const uint8_t *p, size_t *len) {
  uint8_t tag;
  size_t hdr, vlen, total, pad;
  if (!der_tlv(p, *len, 0, &tag, &hdr, &vlen) || tag != 0x30)
    return false;
  total = hdr + vlen;
  pad = *len - total;
  if (pad > 16)
    return false;
  for (size_t i = total; i < *len; i++)
    if (p[i] != pad)
      return false;
  *len = total;
  return true;
}

/* Locate the SubjectPublicKeyInfo (whole TLV) inside a certificate. */
static bool cert_spki(const uint8_t *cert, size_t len, const uint8_t **spki, size_t *spki_len) {
  uint8_t tag;
  size_t hdr, vlen, off;
  if (!der_tlv(cert, len, 0, &tag, &hdr, &vlen) || tag != 0x30)
    return false;
  off = hdr; /* tbsCertificate */
  if (!der_tlv(cert, len, off, &tag, &hdr, &vlen) || tag != 0x30)
    return false;
  size_t end = off + hdr + vlen;
  off += hdr;
  /* [0] version (optional), serial, signature, issuer, validity, subject */
  int skip = 5;
  if (der_tlv(cert, end, off, &tag, &hdr, &vlen) && tag == 0xa0)
    skip = 6;
  for (int i = 0; i < skip; i++) {
    if (!der_tlv(cert, end, off, &tag, &hdr, &vlen))
      return false;
    off += hdr + vlen;
  }
  if (!der_tlv(cert, end, off, &tag, &hdr, &vlen) || tag != 0x30)
    return false;
  *spki = cert + off;
  *spki_len = hdr + vlen;
  return true;
}

/* --- the private key ---------------------------------------------------- */

/*
 * The public half of a private key, or of a SubjectPublicKeyInfo, as bytes
 * that can be compared: RSA n||e, EC curve id + X9.63 point, EdDSA raw key.
 */
struct pubkey {
  int type; /* 0 = none, 1 RSA, 2 EC, 3 Ed25519, 4 Ed448 */
  uint8_t data[1100];
  size_t len;
};

static bool rsa_pub(RsaKey *k, struct pubkey *pk) {
  word32 nlen = 1024, elen = 16;
  byte e[16];
  if (wc_RsaFlattenPublicKey(k, e, &elen, pk->data, &nlen) != 0 || nlen + elen > sizeof(pk->data))
    return false;
  memcpy(pk->data + nlen, e, elen);
  pk->len = nlen + elen;
  pk->type = 1;
  return true;
}

static bool ecc_pub(ecc_key *k, bool priv, struct pubkey *pk) {
  word32 olen = (word32)sizeof(pk->data) - 4;
  if (priv && k->type == ECC_PRIVATEKEY_ONLY && wc_ecc_make_pub(k, NULL) != 0)
    return false;
  int id = wc_ecc_get_curve_id(k->idx);
  if (wc_ecc_export_x963(k, pk->data + 4, &olen) != 0)
    return false;
  pk->data[0] = (uint8_t)(id >> 24);
  pk->data[1] = (uint8_t)(id >> 16);
  pk->data[2] = (uint8_t)(id >> 8);
  pk->data[3] = (uint8_t)id;
  pk->len = olen + 4;
  pk->type = 2;
  return true;
}

/* Decode a private key (PKCS#8 or traditional DER) into its public half. */
static bool key_public(const uint8_t *der, size_t len, struct pubkey *pk) {
  word32 idx;
  const uint8_t *trad = der;
  size_t trad_len = len;
  bool ok = false;

  pk->type = 0;
  if (len > UINT32_MAX)
    return false;
  {
    uint8_t *copy = malloc(len);
    word32 off = 0;
    if (copy == NULL)
      return false;
    memcpy(copy, der, len);
    int r = wc_GetPkcs8TraditionalOffset(copy, &off, (word32)len);
    wipe(copy, len);
    free(copy);
    if (r > 0 && off < len) {
      trad = der + off;
      trad_len = (size_t)r;
    }
  }

  RsaKey rsa;
  if (wc_InitRsaKey(&rsa, NULL) == 0) {
    idx = 0;
    if (wc_RsaPrivateKeyDecode(trad, &idx, &rsa, (word32)trad_len) == 0)
      ok = rsa_pub(&rsa, pk);
    wc_FreeRsaKey(&rsa);
    if (ok)
      return true;
  }
  ecc_key ecc;
  /* Try the whole PKCS#8 first: the curve may live only in its header. */
  for (int pass = 0; pass < 2 && !ok; pass++) {
    const uint8_t *in = pass == 0 ? der : trad;
    size_t in_len = pass == 0 ? len : trad_len;
    if (pass == 1 && in == der)
      break;
    if (wc_ecc_init(&ecc) != 0)
      break;
    idx = 0;
    if (wc_EccPrivateKeyDecode(in, &idx, &ecc, (word32)in_len) == 0)
      ok = ecc_pub(&ecc, true, pk);
    wc_ecc_free(&ecc);
  }
  if (ok)
    return true;
  ed25519_key ed;
  if (wc_ed25519_init(&ed) == 0) {
    idx = 0;
    if (wc_Ed25519PrivateKeyDecode(der, &idx, &ed, (word32)len) == 0) {
      word32 olen = ED25519_PUB_KEY_SIZE;
      if (!ed.pubKeySet)
        wc_ed25519_make_public(&ed, ed.p, ED25519_PUB_KEY_SIZE);
      if (wc_ed25519_export_public(&ed, pk->data, &olen) == 0) {
        pk->len = olen;
        pk->type = 3;
        ok = true;
      }
    }
    wc_ed25519_free(&ed);
    if (ok)
      return true;
  }
  ed448_key ed4;
  if (wc_ed448_init(&ed4) == 0) {
    idx = 0;
    if (wc_Ed448PrivateKeyDecode(der, &idx, &ed4, (word32)len) == 0) {
      word32 olen = ED448_PUB_KEY_SIZE;
      if (!ed4.pubKeySet)
        wc_ed448_make_public(&ed4, ed4.p, ED448_PUB_KEY_SIZE);
      if (wc_ed448_export_public(&ed4, pk->data, &olen) == 0) {
        pk->len = olen;
        pk->type = 4;
        ok = true;
      }
    }
    wc_ed448_free(&ed4);
  }
  return ok;
}

/* The public key of a certificate; false when its type is not handled. */
static bool cert_public(const uint8_t *cert, size_t len, struct pubkey *pk) {
  const uint8_t *spki;
  size_t slen;
  word32 idx;
  bool ok = false;

  pk->type = 0;
  if (!cert_spki(cert, len, &spki, &slen) || slen > UINT32_MAX)
    return false;
  RsaKey rsa;
  if (wc_InitRsaKey(&rsa, NULL) == 0) {
    idx = 0;
    if (wc_RsaPublicKeyDecode(spki, &idx, &rsa, (word32)slen) == 0)
      ok = rsa_pub(&rsa, pk);
    wc_FreeRsaKey(&rsa);
    if (ok)
      return true;
  }
  ecc_key ecc;
  if (wc_ecc_init(&ecc) == 0) {
    idx = 0;
    if (wc_EccPublicKeyDecode(spki, &idx, &ecc, (word32)slen) == 0)
      ok = ecc_pub(&ecc, false, pk);
    wc_ecc_free(&ecc);
    if (ok)
      return true;
  }
  ed25519_key ed;
  if (wc_ed25519_init(&ed) == 0) {
    idx = 0;
    word32 olen = ED25519_PUB_KEY_SIZE;
    if (wc_Ed25519PublicKeyDecode(spki, &idx, &ed, (word32)slen) == 0 &&
        wc_ed25519_export_public(&ed, pk->data, &olen) == 0) {
      pk->len = olen;
      pk->type = 3;
      ok = true;
    }
    wc_ed25519_free(&ed);
    if (ok)
      return true;
  }
  ed448_key ed4;
  if (wc_ed448_init(&ed4) == 0) {
    idx = 0;
    word32 olen = ED448_PUB_KEY_SIZE;
    if (wc_Ed448PublicKeyDecode(spki, &idx, &ed4, (word32)slen) == 0 &&
        wc_ed448_export_public(&ed4, pk->data, &olen) == 0) {
      pk->len = olen;
      pk->type = 4;
      ok = true;
    }
    wc_ed448_free(&ed4);
  }
  return ok;
}

/*
 * Load the private key. wolfSSL would accept a traditional encrypted PEM
 * with a wrong passphrase (it does not check the CBC padding) and its
 * check_private_key() misses a foreign EC key on the same curve, so the key
 * is decrypted here, parsed strictly, and compared with the leaf.
 */
static int load_key(WOLFSSL_CTX *ctx, const struct otls__cred *cfg, char *detail, size_t dlen) {
  const char *pem = cfg->key_pem;
  size_t pem_len = cfg->key_pem_len;
  bool encrypted = find(pem, pem_len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
                   find(pem, pem_len, "Proc-Type: 4,ENCRYPTED") != NULL;
  struct pubkey kpub, cpub;
  uint8_t *der;
  size_t der_len;
  int n, rv;

  if (find(pem, pem_len, "-----BEGIN") == NULL) {
    otls__detail(detail, dlen, "private key: no PEM BEGIN line");
    return OTLS_E_PEM_NO_START_LINE;
  }
  if (encrypted && cfg->key_passphrase == NULL) {
    otls__detail(detail, dlen, "private key is encrypted and no passphrase was given");
    return OTLS_E_BAD_DECRYPT;
  }
  if (pem_len > INT_MAX)
    return OTLS_E_INVAL;
  der = malloc(pem_len + 1);
  if (der == NULL)
    return OTLS_E_NOMEM;
  n = wc_KeyPemToDer((const unsigned char *)pem, (int)pem_len, der, (int)pem_len + 1,
                     encrypted ? cfg->key_passphrase : NULL);
  if (n <= 0) {
    rv = ctx_fail(detail, dlen, n, encrypted ? AT_KEY_DECRYPT : AT_KEY_PEM,
                  encrypted ? "private key: cannot decrypt (wrong passphrase?)" : "private key");
    goto out_free_der;
  }
  /*
   * A wrong passphrase on traditional PEM decrypts to garbage whose padding
   * wolfSSL does not check: the result is not exactly one DER SEQUENCE, or
   * does not parse as a key. (As in the OpenSSL backend, an encrypted key
   * that does not open is always a decryption failure.)
   */
  der_len = (size_t)n;
  if (!der_one_sequence(der, &der_len) || !key_public(der, der_len, &kpub)) {
    otls__detail(detail, dlen, "private key: %s",
                 encrypted ? "cannot decrypt (wrong passphrase)" : "unsupported or invalid key");
    rv = encrypted ? OTLS_E_BAD_DECRYPT : OTLS_E_BAD_KEY;
    goto out_free_der;
  }
  rv = wolfSSL_CTX_use_PrivateKey_buffer(ctx, der, (long)der_len, WOLFSSL_FILETYPE_ASN1);
  if (rv != WOLFSSL_SUCCESS) {
    rv = ctx_fail(detail, dlen, rv, AT_KEY, "private key");
    goto out_free_der;
  }
  if (cfg->n_chain > 0) {
    bool known = cert_public(cfg->chain[0].data, cfg->chain[0].len, &cpub);
    if ((known && (kpub.type != cpub.type || kpub.len != cpub.len ||
                   memcmp(kpub.data, cpub.data, kpub.len) != 0)) ||
        wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS) {
      otls__detail(detail, dlen, "private key does not match the certificate");
      wolfSSL_ERR_clear_error();
      rv = OTLS_E_KEY_MISMATCH;
      goto out_free_der;
    }
  }
  rv = 0;
out_free_der:
  wipe(der, pem_len + 1);
  free(der);
  return rv;
}

/* --- ALPN ------------------------------------------------------------------ */

/*
 * Server: answer the client's offer with exactly the protocol core chose
 * (core/conn.c), which core already found in the offer; with none, answer
 * nothing. The compat select callback is used rather than a native
 * wolfSSL_UseALPN() list because it takes the name as bytes, so a name
 * containing ',' works too. (Returning an alert from it would be ignored by
 * wolfSSL, but core has already sent no_application_protocol itself when
 * that is the answer.)
 */
static int alpn_select_cb(WOLFSSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg) {
  struct wconn *w = wolfSSL_get_app_data(ssl);
  (void)arg;
  if (w == NULL || !w->is_server || w->alpn == NULL)
    return noack_return;
  for (unsigned int off = 0; off < inlen;) {
    unsigned int n = in[off];
    if (n > inlen - off - 1)
      break;
    if (n == w->alpn_len && memcmp(in + off + 1, w->alpn, n) == 0) {
      *out = in + off + 1;
      *outlen = (unsigned char)n;
      return 0; /* SSL_TLSEXT_ERR_OK */
    }
    off += 1 + n;
  }
  return noack_return;
}

/*
 * Client: offer the wire-format list `wire`. wolfSSL_UseALPN() takes a
 * comma-separated C string (it splits on ',' and stops at a NUL byte, and
 * keeps at most WOLFSSL_MAX_ALPN_NUMBER names), so a name containing ',' or
 * a NUL byte, or a longer list, cannot be expressed: OTLS_E_UNSUPPORTED.
 * FAILED_ON_MISMATCH: a server answering with a protocol we did not offer
 * fails the handshake, as on OpenSSL.
 */
static int client_alpn(struct wconn *w, const uint8_t *wire, size_t len) {
  char *list;
  size_t used = 0, count = 0;
  int r;
  if (len == 0 || len > UINT16_MAX)
    return OTLS_E_INVAL;
  list = malloc(len); /* n names: len - n bytes of names, n - 1 commas */
  if (list == NULL)
    return OTLS_E_NOMEM;
  for (size_t off = 0; off < len;) {
    size_t n = wire[off];
    if (n == 0 || n > len - off - 1) {
      free(list);
      return OTLS_E_INVAL; /* core validated it; never happens */
    }
    if (memchr(wire + off + 1, ',', n) != NULL || memchr(wire + off + 1, '\0', n) != NULL ||
        ++count > WOLFSSL_MAX_ALPN_NUMBER) {
      free(list);
      otls__conn_set_error(w->conn,
                           "wolfSSL cannot offer this ALPN list (a protocol name "
                           "containing ',' or a NUL byte, or more than %d names)",
                           WOLFSSL_MAX_ALPN_NUMBER);
      return OTLS_E_UNSUPPORTED;
    }
    if (used > 0)
      list[used++] = ',';
    memcpy(list + used, wire + off + 1, n);
    used += n;
    off += 1 + n;
  }
  r = wolfSSL_UseALPN(w->ssl, list, (unsigned int)used, WOLFSSL_ALPN_FAILED_ON_MISMATCH);
  free(list);
  if (r != WOLFSSL_SUCCESS) {
    otls__conn_set_error(w->conn, "wolfSSL: cannot set the ALPN offer: %s (%d)", native_text(r), r);
    wolfSSL_ERR_clear_error();
    return r == MEMORY_E ? OTLS_E_NOMEM : OTLS_E_INTERNAL;
  }
  return 0;
}

static const uint8_t *conn_alpn_selected(void *p, size_t *len) {
  struct wconn *w = p;
  const unsigned char *data = NULL;
  unsigned int n = 0;
  wolfSSL_get0_alpn_selected(w->ssl, &data, &n);
  *len = data != NULL ? n : 0;
  return *len ? data : NULL;
}

/* --- sessions ---------------------------------------------------------------- */

static void check_crls(struct wconn *w);

/* The number of peer certificates a session holds. */
static int session_chain_count(WOLFSSL_SESSION *sess) {
  WOLFSSL_X509_CHAIN *chain = wolfSSL_SESSION_get_peer_chain(sess);
  return chain != NULL ? wolfSSL_get_chain_count(chain) : 0;
}

/*
 * wolfSSL's serialised session carries the peer chain, and
 * wolfSSL_set_session() puts it back into the connection; when the server
 * then does not resume, wolfSSL appends the chain it receives to that one,
 * and the connection reports the old server's certificates first (seen:
 * four certificates, the refused session's two leading). Core keeps the
 * chain with the session itself (core/session.c), so it is cut out of the
 * bytes here. wolfSSL_i2d_SSL_SESSION() writes: side 1 | bornOn 4 |
 * timeout 4 | id length 1 | id | master secret | extended master secret 1 |
 * alternative id length 1 (0, or 32 when the server sent a ticket and no
 * session id) | alternative id | chain count 1 | count x (length 2 | DER) |
 * the rest. The result must parse back with no chain,
 * to the same bytes and master secret; false when it does not.
 */
static bool strip_chain(WOLFSSL_SESSION *sess, uint8_t *der, size_t *len) {
  unsigned char secret[2][64];
  int secret_len = wolfSSL_SESSION_get_master_key_length(sess);
  size_t n = *len, off = 9, count_at, stripped;
  const unsigned char *q;
  unsigned char *again = NULL, *r;
  WOLFSSL_SESSION *back;
  bool ok;

  if (secret_len <= 0 || secret_len > (int)sizeof(secret[0]) || off >= n)
    return false;
  off += 1 + der[off] + (size_t)secret_len + 1; /* id, secret, EMS */
  if (off >= n || (der[off] != 0 && der[off] != 32))
    return false;
  off += 1 + der[off]; /* alternative id */
  if (off >= n)
    return false;
  count_at = off++;
  for (unsigned i = der[count_at]; i > 0; i--) {
    if (n - off < 2 || n - off - 2 < ((size_t)der[off] << 8 | der[off + 1]))
      return false;
    off += 2 + ((size_t)der[off] << 8 | der[off + 1]);
  }
  memmove(der + count_at + 1, der + off, n - off);
  der[count_at] = 0;
  stripped = n - (off - count_at - 1);

  q = der;
  back = wolfSSL_d2i_SSL_SESSION(NULL, &q, (long)stripped);
  ok = back != NULL && session_chain_count(back) == 0 &&
       wolfSSL_i2d_SSL_SESSION(back, NULL) == (int)stripped &&
       wolfSSL_SESSION_get_master_key(sess, secret[0], secret_len) == secret_len &&
       wolfSSL_SESSION_get_master_key(back, secret[1], secret_len) == secret_len &&
       memcmp(secret[0], secret[1], (size_t)secret_len) == 0 && (again = malloc(stripped)) != NULL;
  r = again;
  ok =
      ok && wolfSSL_i2d_SSL_SESSION(back, &r) == (int)stripped && memcmp(again, der, stripped) == 0;
  wipe(secret, sizeof(secret));
  if (again != NULL) {
    wipe(again, stripped);
    free(again);
  }
  wolfSSL_SESSION_free(back);
  if (ok)
    *len = stripped;
  return ok;
}

/*
 * Session bytes handed to core, and taken back, start with a header of our
 * own. Client: "ow" 1 | wire version 2 | flags 1, then wolfSSL's
 * serialised session. Server (TLS <= 1.2 session ids): "os" 1 | facts 4 |
 * leaf length 2 | leaf | wolfSSL's serialised session. Neither keeps the
 * peer chain inside wolfSSL's bytes (strip_chain()).
 */
#define CLIENT_HDR 6
#define SERVER_HDR 10
/* Client flag: the server that made this TLS <= 1.2 session speaks TLS 1.3. */
#define SESS_SERVER_TLS13 0x01

/*
 * wolfSSL's serialised session after `room` bytes, its peer chain cut out;
 * NULL when it cannot be. `sid` (sid_len > 0): the session id to put in
 * when the session has none (see io_recv()).
 */
static uint8_t *session_der(WOLFSSL_SESSION *sess, size_t room, const uint8_t *sid, size_t sid_len,
                            size_t *len) {
  unsigned char *der, *q, *p;
  int n;
  if ((!wolfSSL_SESSION_is_resumable(sess) && sid_len == 0) ||
      (n = wolfSSL_i2d_SSL_SESSION(sess, NULL)) <= 0)
    return NULL;
  der = malloc(room + (size_t)n + sid_len);
  if (der == NULL)
    return NULL;
  p = q = der + room;
  *len = (size_t)n;
  if (wolfSSL_i2d_SSL_SESSION(sess, &q) != n || !strip_chain(sess, p, len))
    goto fail;
  if (sid_len > 0 && *len > 9 && p[9] == 0) {
    /* side 1 | bornOn 4 | timeout 4 | id length 1 | id (strip_chain()) */
    WOLFSSL_SESSION *back;
    memmove(p + 10 + sid_len, p + 10, *len - 10);
    memcpy(p + 10, sid, sid_len);
    p[9] = (uint8_t)sid_len;
    *len += sid_len;
    q = p;
    back = wolfSSL_d2i_SSL_SESSION(NULL, (const unsigned char **)&q, (long)*len);
    unsigned int got = 0;
    const unsigned char *id = back != NULL ? wolfSSL_SESSION_get_id(back, &got) : NULL;
    bool ok = id != NULL && got == sid_len && memcmp(id, sid, sid_len) == 0 &&
              wolfSSL_SESSION_is_resumable(back) &&
              wolfSSL_i2d_SSL_SESSION(back, NULL) == (int)*len;
    wolfSSL_SESSION_free(back);
    if (!ok)
      goto fail;
  } else if (!wolfSSL_SESSION_is_resumable(sess)) {
    goto fail;
  }
  return der;
fail:
  wipe(der, room + (size_t)n + sid_len);
  free(der);
  wolfSSL_ERR_clear_error();
  return NULL;
}

/*
 * Client: does the server speak TLS 1.3? A TLS 1.3 server that negotiates
 * TLS 1.2 ends its random with "DOWNGRD\x01" (RFC 8446 §4.1.3), whatever
 * the client offered.
 */
static bool server_speaks_tls13(struct wconn *w) {
  static const uint8_t sentinel[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
  uint8_t random[32];
  if (wolfSSL_version(w->ssl) == OTLS__TLS1_3)
    return true;
  return wolfSSL_get_server_random(w->ssl, random, sizeof(random)) == sizeof(random) &&
         memcmp(random + 24, sentinel, sizeof(sentinel)) == 0;
}

/*
 * Client: hand a session to core (header, then wolfSSL's serialised form
 * without its peer chain: a session that keeps one is not handed over, as
 * resuming it could report another server's certificate).
 */
static void emit(struct wconn *w, WOLFSSL_SESSION *sess) {
  size_t len;
  uint8_t *b = session_der(sess, CLIENT_HDR, w->refused_sid, w->refused_sid_len, &len);
  int v = wolfSSL_version(w->ssl);
  if (b == NULL)
    return;
  b[0] = 'o';
  b[1] = 'w';
  b[2] = 1;
  b[3] = (uint8_t)(v >> 8);
  b[4] = (uint8_t)v;
  b[5] = server_speaks_tls13(w) ? SESS_SERVER_TLS13 : 0;
  (void)otls__conn_new_session(w->conn, b, CLIENT_HDR + len);
  wipe(b, CLIENT_HDR + len);
  free(b);
  w->refused_sid_len = 0;
}

/* Client: hand the connection's current session to core. */
static void emit_session(struct wconn *w) {
  WOLFSSL_SESSION *sess = wolfSSL_get1_session(w->ssl);
  if (sess == NULL)
    return;
  emit(w, sess);
  wolfSSL_SESSION_free(sess);
}

/*
 * Client, TLS 1.3: wolfSSL calls this as it starts taking in each
 * NewSessionTicket, before it has stored the ticket's nonce and age (a
 * session serialised here does not resume). The session is complete when
 * wolfSSL then "adds" it, which calls new_session_cb(): the ticket is
 * counted here and handed over there. (A TLS 1.2 ticket arrives inside the
 * handshake; that session is handed over when the handshake completes.)
 */
static int ticket_cb(WOLFSSL *ssl, const unsigned char *ticket, int len, void *arg) {
  struct wconn *w = arg;
  (void)ticket;
  (void)len;
  if (w != NULL && !w->is_server && wolfSSL_version(ssl) == OTLS__TLS1_3)
    w->tickets_pending++;
  return 0;
}

/* Server: the client's leaf and the verification facts this connection reports. */
static void own_facts(struct wconn *w, const uint8_t **leaf, size_t *leaf_len, unsigned *vf) {
  *leaf = NULL;
  *leaf_len = 0;
  *vf = 0;
  if (wolfSSL_session_reused(w->ssl) == 1) {
    if (w->res_known) {
      *leaf = w->res_leaf;
      *leaf_len = w->res_leaf_len;
      *vf = w->res_vf;
    }
    return;
  }
  WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(w->ssl);
  int len =
      chain != NULL && wolfSSL_get_chain_count(chain) > 0 ? wolfSSL_get_chain_length(chain, 0) : 0;
  if (len <= 0)
    return;
  check_crls(w);
  *leaf = wolfSSL_get_chain_cert(chain, 0);
  *leaf_len = (size_t)len;
  *vf = w->vf;
}

/* Server: keep what a resumed connection will report (`leaf` may be NULL). */
static void set_resumed_facts(struct wconn *w, const uint8_t *leaf, size_t leaf_len, unsigned vf) {
  free(w->res_leaf);
  w->res_leaf = NULL;
  w->res_leaf_len = 0;
  w->res_known = false;
  if (leaf_len > 0) {
    if ((w->res_leaf = malloc(leaf_len)) == NULL)
      return;
    memcpy(w->res_leaf, leaf, leaf_len);
    w->res_leaf_len = leaf_len;
  }
  w->res_vf = vf;
  w->res_known = true;
}

/*
 * wolfSSL's "new session" hook (AddSession). It runs on both sides and at
 * other moments too (a TLS 1.2 handshake on the client, a server issuing a
 * TLS 1.3 ticket). Client: only a freshly received TLS 1.3 ticket counts.
 * Server: a TLS <= 1.2 session made by a full handshake goes to core's
 * session cache under its id (core/session_cache.c), with the client's
 * leaf and verification facts in front, since wolfSSL's session keeps no
 * verification result. Returns 0: wolfSSL keeps no reference for us.
 */
static int new_session_cb(WOLFSSL *ssl, WOLFSSL_SESSION *sess) {
  struct wconn *w = wolfSSL_get_app_data(ssl);
  if (w == NULL || sess == NULL)
    return 0;
  if (!w->is_server) {
    if (w->tickets_pending > 0) {
      w->tickets_pending--;
      emit(w, sess);
    }
    return 0;
  }
  if (wolfSSL_version(ssl) > OTLS__TLS1_2 || wolfSSL_session_reused(ssl) == 1)
    return 0;
  const uint8_t *leaf;
  size_t leaf_len, len;
  unsigned vf;
  unsigned int id_len = 0;
  const unsigned char *id = wolfSSL_SESSION_get_id(sess, &id_len);
  own_facts(w, &leaf, &leaf_len, &vf);
  if (id == NULL || id_len == 0 || leaf_len > UINT16_MAX)
    return 0;
  uint8_t *b = session_der(sess, SERVER_HDR + leaf_len, NULL, 0, &len);
  if (b == NULL)
    return 0;
  b[0] = 'o';
  b[1] = 's';
  b[2] = 1;
  b[3] = (uint8_t)(vf >> 24);
  b[4] = (uint8_t)(vf >> 16);
  b[5] = (uint8_t)(vf >> 8);
  b[6] = (uint8_t)vf;
  b[7] = (uint8_t)(leaf_len >> 8);
  b[8] = (uint8_t)leaf_len;
  b[9] = 0;
  if (leaf_len > 0)
    memcpy(b + SERVER_HDR, leaf, leaf_len);
  otls__server_session_new(w->conn, id, id_len, b, SERVER_HDR + leaf_len + len);
  wipe(b, SERVER_HDR + leaf_len + len);
  free(b);
  return 0;
}

/*
 * Server: a client offers a session id (TLS <= 1.2), or wolfSSL looks up
 * the id inside a ticket (WOLFSSL_TICKET_HAVE_ID): core knows whether it is
 * resumable. *copy = 0: wolfSSL owns (and frees) the session returned.
 */
static WOLFSSL_SESSION *get_session_cb(WOLFSSL *ssl, const unsigned char *id, int id_len,
                                       int *copy) {
  struct wconn *w = wolfSSL_get_app_data(ssl);
  const uint8_t *data;
  size_t len, leaf_len;
  *copy = 0;
  if (w == NULL || !w->is_server || id_len <= 0 || wolfSSL_version(ssl) > OTLS__TLS1_2 ||
      otls__server_session_get(w->conn, id, (size_t)id_len, &data, &len) != 1)
    return NULL;
  if (len < SERVER_HDR || data[0] != 'o' || data[1] != 's' || data[2] != 1 ||
      (leaf_len = (size_t)data[7] << 8 | data[8]) > len - SERVER_HDR ||
      len - SERVER_HDR - leaf_len > LONG_MAX)
    return NULL;
  const unsigned char *q = data + SERVER_HDR + leaf_len;
  WOLFSSL_SESSION *sess = wolfSSL_d2i_SSL_SESSION(NULL, &q, (long)(len - SERVER_HDR - leaf_len));
  if (sess == NULL) {
    wolfSSL_ERR_clear_error();
    return NULL;
  }
  set_resumed_facts(w, data + SERVER_HDR, leaf_len,
                    (unsigned)data[3] << 24 | (unsigned)data[4] << 16 | (unsigned)data[5] << 8 |
                        data[6]);
  return sess;
}

/*
 * After a call that may have read a NewSessionTicket: a ticket that did not
 * reach new_session_cb() (wolfSSL skips it when it cannot "add" the
 * session) is handed over from the connection's session, complete by now.
 */
static void flush_tickets(struct wconn *w) {
  for (; w->tickets_pending > 0; w->tickets_pending--)
    emit_session(w);
}

/*
 * Client: resume the session in `data` (bytes emit() produced). Bytes that
 * do not parse, or a session wolfSSL will not take, are OTLS_E_BAD_SESSION.
 * Some sessions are simply not offered, and a full handshake follows:
 *  - an expired one (as OpenSSL's client skips it);
 *  - one whose version our range excludes;
 *  - a TLS <= 1.2 session from a server that speaks TLS 1.3, when we may
 *    offer TLS 1.3: a wolfSSL client resuming a TLS 1.2 session sends a
 *    TLS 1.2-only ClientHello (it cannot put the session into a TLS 1.3
 *    one), which would hold the connection to TLS 1.2. OpenSSL offers both
 *    and the server answers with TLS 1.3 and a full handshake: the same
 *    outcome. From a TLS 1.2-only server the session is offered, and
 *    resumes as with OpenSSL.
 */
static int client_resume(struct wconn *w, const uint8_t *data, size_t len) {
  const unsigned char *q = data + CLIENT_HDR;
  WOLFSSL_SESSION *sess;
  long born, timeout, now = (long)time(NULL);
  uint16_t version;
  int r;
  if (len <= CLIENT_HDR || len - CLIENT_HDR > INT_MAX || data[0] != 'o' || data[1] != 'w' ||
      data[2] != 1) {
    otls__conn_set_error(w->conn, "wolfSSL: the session does not parse");
    return OTLS_E_BAD_SESSION;
  }
  version = (uint16_t)(data[3] << 8 | data[4]);
  sess = wolfSSL_d2i_SSL_SESSION(NULL, &q, (long)(len - CLIENT_HDR));
  /* One with a peer chain is not ours (see strip_chain()). */
  if (sess == NULL || !wolfSSL_SESSION_is_resumable(sess) || session_chain_count(sess) != 0 ||
      version < OTLS__TLS1_0 || version > OTLS__TLS1_3) {
    wolfSSL_SESSION_free(sess);
    otls__conn_set_error(w->conn, "wolfSSL: the session does not parse");
    wolfSSL_ERR_clear_error();
    return OTLS_E_BAD_SESSION;
  }
  born = wolfSSL_SESSION_get_time(sess);
  timeout = wolfSSL_SESSION_get_timeout(sess);
  if (now >= born + timeout || version < w->wctx->min_version || version > w->wctx->max_version ||
      (version < OTLS__TLS1_3 && w->wctx->max_version == OTLS__TLS1_3 &&
       (data[5] & SESS_SERVER_TLS13))) {
    wolfSSL_SESSION_free(sess);
    return 0;
  }
  r = wolfSSL_set_session(w->ssl, sess);
  /* TLS <= 1.2 with a ticket: see probe_flight(). */
  w->probe = r == WOLFSSL_SUCCESS && version < OTLS__TLS1_3 && wolfSSL_SESSION_has_ticket(sess);
  wolfSSL_SESSION_free(sess);
  if (r != WOLFSSL_SUCCESS) {
    otls__conn_set_error(w->conn, "wolfSSL: cannot resume the session");
    wolfSSL_ERR_clear_error();
    return OTLS_E_BAD_SESSION;
  }
  w->offered_session = true;
  return 0;
}

/*
 * Server: what a ticket cannot carry. A wolfSSL ticket holds the master
 * secret, version and suite but no certificate, so a server resuming one
 * would not know the client's certificate any more: a session made with a
 * verified client certificate would resume as "no certificate" (core:
 * UNABLE_TO_GET_ISSUER_CERT). OpenSSL keeps the peer's leaf and its
 * verification result in the ticket. So, for each ticket issued on a
 * connection with a client certificate, the leaf and the facts are kept
 * here, under the ticket's key name and IV (random per ticket), until the
 * ticket expires; a resumed connection reports them. The ticket is only
 * looked up once wolfSSL has resumed it, that is once its MAC verified
 * under a key of the context, so an entry is reached only through a ticket
 * made with that key. One store for the process (bounded: the oldest entry
 * goes first when full), so that servers sharing ticket keys share it, as
 * they would share the data if it were inside the ticket; across processes
 * a resumed connection shows no client certificate (README.md).
 */
#define TICKET_FACTS_MAX 4096

struct ticket_facts {
  uint8_t id[32]; /* key name | IV */
  time_t expires;
  unsigned vf;
  uint8_t *leaf;
  size_t leaf_len;
};

static pthread_mutex_t tf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ticket_facts *tf_tab; /* TICKET_FACTS_MAX entries once used */
static size_t tf_next;

static void ticket_facts_put(const uint8_t id[32], unsigned timeout, const uint8_t *leaf,
                             size_t leaf_len, unsigned vf) {
  uint8_t *copy = malloc(leaf_len);
  time_t now = time(NULL);
  struct ticket_facts *slot = NULL;
  if (copy == NULL)
    return; /* the connection will then resume without it */
  memcpy(copy, leaf, leaf_len);
  pthread_mutex_lock(&tf_lock);
  if (tf_tab == NULL)
    tf_tab = calloc(TICKET_FACTS_MAX, sizeof(*tf_tab));
  if (tf_tab != NULL) {
    /* A free or expired slot, else the next one of the ring. */
    for (size_t i = 0; i < TICKET_FACTS_MAX && slot == NULL; i++)
      if (tf_tab[i].leaf == NULL || tf_tab[i].expires <= now)
        slot = &tf_tab[i];
    if (slot == NULL)
      slot = &tf_tab[tf_next++ % TICKET_FACTS_MAX];
    free(slot->leaf);
    memcpy(slot->id, id, sizeof(slot->id));
    slot->expires = now + (time_t)timeout;
    slot->vf = vf;
    slot->leaf = copy;
    slot->leaf_len = leaf_len;
    copy = NULL;
  }
  pthread_mutex_unlock(&tf_lock);
  free(copy);
}

/* The facts kept for a ticket, into the connection; false when none. */
static bool ticket_facts_get(struct wconn *w, const uint8_t id[32]) {
  bool found = false;
  time_t now = time(NULL);
  pthread_mutex_lock(&tf_lock);
  for (size_t i = 0; tf_tab != NULL && i < TICKET_FACTS_MAX && !found; i++) {
    struct ticket_facts *e = &tf_tab[i];
    if (e->leaf != NULL && e->expires > now && memcmp(e->id, id, sizeof(e->id)) == 0) {
      set_resumed_facts(w, e->leaf, e->leaf_len, e->vf);
      found = true;
    }
  }
  pthread_mutex_unlock(&tf_lock);
  return found;
}

/*
 * Server tickets under the context's key, kept in core (core/tickets.c):
 * Node's scheme through wolfSSL's compat callback, as in the OpenSSL
 * backend: the first 16 bytes of the 48-byte key name the ticket, the next
 * 16 key HMAC-SHA256, the last 16 AES-128-CBC. wolfSSL then encrypts its
 * own ticket contents with them (its envelope adds a length, so tickets
 * never move between backends). Returns 1 (key found / ticket made), 2
 * (decrypted with the previous key: wolfSSL issues a new ticket), 0
 * (unknown key: full handshake) or -1 (error).
 *
 * wolfSSL refuses a ticket whose key name is 16 zero bytes
 * (CreateTicket(): "didn't set name", BAD_TICKET_ENCRYPT, fatal to the
 * handshake in which it encrypts the ticket), but any 48 bytes are a valid
 * key for Node. Such a name goes on the wire as 16 0xff bytes, with the
 * low bit of the IV's first byte set (clear for every other ticket): on
 * decryption that bit says "the key named by zeros". wolfSSL's compat
 * wrapper MACs the encrypted contents only; here the HMAC also covers the
 * name and IV as sent (as OpenSSL's does), so neither the bit nor the CBC
 * IV can be changed unnoticed.
 *
 * With no_ticket the server issues no ticket (wolfSSL is told so, 1.2 and
 * 1.3) and resumes none: any ticket offered is unknown.
 */
static int ticket_key_cb(WOLFSSL *ssl, unsigned char *name, unsigned char *iv,
                         WOLFSSL_EVP_CIPHER_CTX *cipher, WOLFSSL_HMAC_CTX *mac, int enc) {
  static const uint8_t zeros[16];
  struct wconn *w = wolfSSL_get_app_data(ssl);
  uint8_t key[48], id[32];
  int rv = 1;
  if (w == NULL || !w->is_server)
    return -1;
  if (w->wctx->no_ticket)
    return enc ? -1 : 0;
  if (enc) {
    otls__ticket_key_current(w->conn, key);
    if (wolfSSL_RAND_bytes(iv, 16) != WOLFSSL_SUCCESS)
      rv = -1;
    if (memcmp(key, zeros, 16) == 0) {
      memset(name, 0xff, 16);
      iv[0] |= 1;
    } else {
      memcpy(name, key, 16);
      iv[0] &= 0xfe;
    }
  } else if (iv[0] & 1) {
    static const uint8_t ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    rv = memcmp(name, ones, 16) == 0 ? otls__ticket_key_find(w->conn, zeros, key) : 0;
  } else {
    rv = otls__ticket_key_find(w->conn, name, key);
  }
  if (rv > 0 &&
      (wolfSSL_HMAC_Init_ex(mac, key + 16, 16, wolfSSL_EVP_sha256(), NULL) != WOLFSSL_SUCCESS ||
       wolfSSL_HMAC_Update(mac, name, 16) != WOLFSSL_SUCCESS ||
       wolfSSL_HMAC_Update(mac, iv, 16) != WOLFSSL_SUCCESS ||
       (enc ? wolfSSL_EVP_EncryptInit_ex(cipher, wolfSSL_EVP_aes_128_cbc(), NULL, key + 32, iv)
            : wolfSSL_EVP_DecryptInit_ex(cipher, wolfSSL_EVP_aes_128_cbc(), NULL, key + 32, iv)) !=
           WOLFSSL_SUCCESS))
    rv = -1;
  wipe(key, sizeof(key));
  if (rv > 0) {
    memcpy(id, name, 16);
    memcpy(id + 16, iv, 16);
    if (enc) {
      const uint8_t *leaf;
      size_t leaf_len;
      unsigned vf;
      own_facts(w, &leaf, &leaf_len, &vf);
      if (leaf_len > 0)
        ticket_facts_put(id, w->wctx->session_timeout, leaf, leaf_len, vf);
    } else if (!ticket_facts_get(w, id)) {
      set_resumed_facts(w, NULL, 0, 0); /* made without a client certificate */
    }
  }
  return rv;
}

static bool conn_session_reused(void *p) {
  struct wconn *w = p;
  return wolfSSL_session_reused(w->ssl) == 1;
}

/* --- context ------------------------------------------------------------ */

static int load_chain(WOLFSSL_CTX *ctx, const struct otls__cred *cfg, char *detail, size_t dlen) {
  size_t total = 0;
  unsigned char *buf;
  int r;
  /*
   * The whole chain in one call, as concatenated DER: wolfSSL then counts
   * the chain certificates it must send in a TLS 1.3 Certificate message.
   * (wolfSSL_CTX_add1_chain_cert() appends the DER but not the count, and a
   * TLS 1.3 server then sends the leaf alone.)
   */
  for (size_t i = 0; i < cfg->n_chain; i++) {
    if (cfg->chain[i].len > INT_MAX - total)
      return OTLS_E_INVAL;
    total += cfg->chain[i].len;
  }
  buf = malloc(total);
  if (buf == NULL)
    return OTLS_E_NOMEM;
  total = 0;
  for (size_t i = 0; i < cfg->n_chain; i++) {
    memcpy(buf + total, cfg->chain[i].data, cfg->chain[i].len);
    total += cfg->chain[i].len;
  }
  r = wolfSSL_CTX_use_certificate_chain_buffer_format(ctx, buf, (long)total, WOLFSSL_FILETYPE_ASN1);
  free(buf);
  if (r != WOLFSSL_SUCCESS)
    return ctx_fail(detail, dlen, r, AT_CERT, "certificate chain");
  return 0;
}

/*
 * Trust anchors. wolfSSL adds every intermediate a peer sends (once it
 * verifies) to the certificate manager it verified with, for good: a later
 * peer that omits that intermediate would then verify on wolfSSL and fail
 * on every other backend, and the shared context would change under
 * concurrent connections. So a connection that verifies its peer gets its
 * own store built from the configured DER (about 10 us per CA). The system
 * bundle (144 certificates, about 3.5 ms to load) is the exception: it is
 * loaded once into the context and shared, and intermediates do accumulate
 * there (README.md, "known differences").
 *
 * The context's own store is filled in every case, so that bad input is
 * reported by ctx_new() and not later. DATE_ERR_OKAY: a trust anchor is
 * trusted by configuration, as in OpenSSL's store.
 */
static int load_trust(WOLFSSL_CTX *ctx, const struct otls__ctx_config *cfg, char *detail,
                      size_t dlen) {
  int r;
  if (cfg->use_system_ca) {
    /*
     * A missing or unreadable system bundle (a system without the
     * ca-certificates package) means an empty store, as on the other
     * backends and with Node: a server needs none, and a client then fails
     * verification, not context creation.
     */
    r = wolfSSL_CTX_load_verify_locations_ex(
        ctx, cfg->ca_file, NULL, WOLFSSL_LOAD_FLAG_IGNORE_ERR | WOLFSSL_LOAD_FLAG_DATE_ERR_OKAY);
    if (r != WOLFSSL_SUCCESS)
      wolfSSL_ERR_clear_error();
    return 0;
  }
  for (size_t i = 0; i < cfg->n_ca; i++) {
    if (cfg->ca[i].len > INT_MAX)
      return OTLS_E_INVAL;
    r = wolfSSL_CTX_load_verify_buffer_ex(ctx, cfg->ca[i].data, (long)cfg->ca[i].len,
                                          WOLFSSL_FILETYPE_ASN1, 0,
                                          WOLFSSL_LOAD_FLAG_DATE_ERR_OKAY);
    if (r != WOLFSSL_SUCCESS)
      return ctx_fail(detail, dlen, r, AT_CA, "CA certificate");
  }
  return 0;
}

/*
 * CRLs into a store. wolfSSL_CTX_LoadCRLBuffer() verifies the CRL's
 * signature while loading, so its issuer must already be a loaded CA (-190
 * ASN_CRL_NO_SIGNER_E otherwise) — but the usual issuer is an intermediate
 * that the peer sends, not a trust anchor. wolfSSL_d2i_X509_CRL() parses
 * without that check and wolfSSL_X509_STORE_add_crl() adds the entry
 * unverified; wolfSSL verifies its signature when it is first used.
 *
 * These stores are never the one wolfSSL verifies the handshake with: when
 * CRL checking is on there, wolfSSL checks every issuer in the chain too,
 * and an issuer without a CRL (or a revoked one) is then never accepted as
 * the issuer of the next certificate, which fails as "no issuer" and is not
 * checked against its own CRL. check_crls() checks the chain afterwards.
 */
static int add_crls(WOLFSSL_X509_STORE *store, const struct otls__blob *crl, size_t n, char *detail,
                    size_t dlen) {
  int r;
  if (n == 0)
    return 0;
  r = wolfSSL_CertManagerEnableCRL(store->cm, WOLFSSL_CRL_CHECK);
  if (r != WOLFSSL_SUCCESS)
    return ctx_fail(detail, dlen, r, AT_CRL, "enabling CRL checks");
  for (size_t i = 0; i < n; i++) {
    WOLFSSL_X509_CRL *x;
    if (crl[i].len > INT_MAX)
      return OTLS_E_INVAL;
    x = wolfSSL_d2i_X509_CRL(NULL, crl[i].data, (int)crl[i].len);
    if (x == NULL) {
      otls__detail(detail, dlen, "wolfSSL: cannot parse CRL %zu", i);
      wolfSSL_ERR_clear_error();
      return OTLS_E_DER_BAD;
    }
    r = wolfSSL_X509_STORE_add_crl(store, x);
    wolfSSL_X509_CRL_free(x);
    if (r != WOLFSSL_SUCCESS)
      return ctx_fail(detail, dlen, r, AT_CRL, "CRL");
  }
  return 0;
}

/* A fresh store for one connection (see load_trust()). */
static int conn_store(struct wconn *w) {
  struct wctx *c = w->wctx;
  WOLFSSL_X509_STORE *st = wolfSSL_X509_STORE_new();
  if (st == NULL)
    return OTLS_E_NOMEM;
  for (size_t i = 0; i < c->n_ca; i++) {
    /* Checked by ctx_new(); an expired anchor may be refused here (no
     * DATE_ERR_OKAY for a bare certificate manager) and is then untrusted. */
    (void)wolfSSL_CertManagerLoadCABuffer(st->cm, c->ca[i].data, (long)c->ca[i].len,
                                          WOLFSSL_FILETYPE_ASN1);
  }
  wolfSSL_ERR_clear_error();
  if (wolfSSL_set1_verify_cert_store(w->ssl, st) != WOLFSSL_SUCCESS) {
    wolfSSL_X509_STORE_free(st);
    otls__conn_set_error(w->conn, "wolfSSL: cannot attach the certificate store");
    return OTLS_E_INTERNAL;
  }
  w->store = st; /* our reference; the WOLFSSL holds its own */
  return 0;
}

/*
 * Revocation, once the peer's chain is verified (after the handshake, or
 * earlier when a server records a session), over the chain it sent: every
 * certificate, leaf and issuers (Node sets CRL_CHECK | CRL_CHECK_ALL). The
 * intermediates are made known to the store first, so that the CRLs they
 * issued can be verified.
 */
static void check_crls(struct wconn *w) {
  struct wctx *c = w->wctx;
  WOLFSSL_X509_STORE *st = w->store != NULL ? w->store : c->crl_store;
  WOLFSSL_X509_CHAIN *chain;
  char detail[DETAIL_LEN];
  int count;

  if (w->crls_checked || c->n_crl == 0 || st == NULL)
    return;
  w->crls_checked = true;
  chain = wolfSSL_get_peer_chain(w->ssl);
  count = chain != NULL ? wolfSSL_get_chain_count(chain) : 0;
  if (count <= 0)
    return;
  /* The connection's own store: CRLs only now, after wolfSSL verified. */
  if (w->store != NULL && add_crls(st, c->crl, c->n_crl, detail, sizeof(detail)) < 0) {
    otls__conn_set_error(w->conn, "%s", detail);
    w->vf |= OTLS__VF_NO_CRL;
    return;
  }
  for (int i = 1; i < count; i++)
    (void)wolfSSL_CertManagerLoadCABuffer(st->cm, wolfSSL_get_chain_cert(chain, i),
                                          wolfSSL_get_chain_length(chain, i),
                                          WOLFSSL_FILETYPE_ASN1);
  for (int i = 0; i < count; i++) {
    int r = wolfSSL_CertManagerCheckCRL(st->cm, wolfSSL_get_chain_cert(chain, i),
                                        wolfSSL_get_chain_length(chain, i));
    if (r != WOLFSSL_SUCCESS) {
      unsigned f = map_verify(r);
      if (f == OTLS__VF_OTHER)
        otls__conn_set_error(w->conn, "wolfSSL CRL check: %s (%d) at depth %d", native_text(r), r,
                             i);
      w->vf |= f;
    }
  }
  wolfSSL_ERR_clear_error();
}

/*
 * The configured suites, in order, as one wolfSSL cipher list (wolfSSL
 * names, "TLS13-AES128-GCM-SHA256" / "ECDHE-RSA-AES128-GCM-SHA256"). One
 * list covers TLS 1.3 and 1.2. Suites this build lacks (the static-RSA key
 * exchange ones: 0x009C, 0x009D, 0x002F, 0x0035) are left out; none left is
 * OTLS_E_UNSUPPORTED.
 */
static int set_suites(WOLFSSL_CTX *ctx, const struct otls__ctx_config *cfg, bool *has13,
                      char *detail, size_t dlen) {
  size_t cap = 1 + cfg->n_suites * 48, used = 0;
  char *list;
  int r;

  *has13 = false;
  list = malloc(cap);
  if (list == NULL)
    return OTLS_E_NOMEM;
  list[0] = '\0';
  for (size_t i = 0; i < cfg->n_suites; i++) {
    uint16_t id = cfg->suites[i];
    /* wolfSSL's (cipherSuite0, cipherSuite) are the two IANA bytes. */
    const char *name =
        wolfSSL_get_cipher_name_from_suite((unsigned char)(id >> 8), (unsigned char)(id & 0xff));
    size_t nl;
    if (name == NULL || strcmp(name, "None") == 0)
      continue;
    nl = strlen(name);
    if (nl + 2 > cap - used)
      continue; /* no wolfSSL name is that long */
    if ((id >> 8) == 0x13)
      *has13 = true;
    if (used > 0)
      list[used++] = ':';
    memcpy(list + used, name, nl + 1);
    used += nl;
  }
  if (used == 0) {
    free(list);
    otls__detail(detail, dlen, "wolfSSL: none of the configured cipher suites is available");
    return OTLS_E_UNSUPPORTED;
  }
  r = wolfSSL_CTX_set_cipher_list(ctx, list);
  free(list);
  if (r != WOLFSSL_SUCCESS)
    return ctx_fail(detail, dlen, r, AT_CONFIG, "cipher list");
  return 0;
}

/* wolfSSL's name for an ECDHE group (for the curves list), NULL for others. */
static const char *curve_name(uint16_t group) {
  switch (group) {
  case 23: return "P-256";
  case 24: return "P-384";
  case 25: return "P-521";
  case 29: return "X25519";
  case 30: return "X448";
  default: return NULL;
  }
}

/*
 * Groups. wolfSSL_CTX_set_groups() orders the TLS 1.3 key shares but does
 * not restrict what a TLS 1.2 server picks for ECDHE; the compat curves
 * list does (it disables every curve not named). Both are set.
 */
static int set_groups(struct wctx *c, const struct otls__ctx_config *cfg, char *detail,
                      size_t dlen) {
  WOLFSSL_CTX *ctx = c->ctx;
  int groups[WOLFSSL_MAX_GROUP_COUNT];
  char names[WOLFSSL_MAX_GROUP_COUNT * 8 + 1];
  size_t used = 0;
  int r;
  if (cfg->n_groups == 0)
    return 0;
  if (cfg->n_groups > WOLFSSL_MAX_GROUP_COUNT) {
    otls__detail(detail, dlen, "wolfSSL: at most %d groups", WOLFSSL_MAX_GROUP_COUNT);
    return OTLS_E_UNSUPPORTED;
  }
  names[0] = '\0';
  for (size_t i = 0; i < cfg->n_groups; i++) {
    const char *n = curve_name(cfg->groups[i]);
    /* wolfSSL's WOLFSSL_ECC_* / WOLFSSL_FFDHE_* values are the NamedGroup ids. */
    groups[i] = cfg->groups[i];
    c->groups[i] = cfg->groups[i];
    if (n != NULL) {
      size_t l = strlen(n);
      if (used > 0)
        names[used++] = ':';
      memcpy(names + used, n, l + 1);
      used += l;
    }
  }
  if (used > 0 && wolfSSL_CTX_set1_curves_list(ctx, names) != WOLFSSL_SUCCESS) {
    otls__detail(detail, dlen, "wolfSSL: cannot set curves \"%s\"", names);
    wolfSSL_ERR_clear_error();
    return OTLS_E_UNSUPPORTED;
  }
  c->n_groups = cfg->n_groups;
  r = wolfSSL_CTX_set_groups(ctx, groups, (int)cfg->n_groups);
  if (r != WOLFSSL_SUCCESS) {
    otls__detail(detail, dlen, "wolfSSL: cannot set key-exchange groups: %s (%d)", native_text(r),
                 r);
    wolfSSL_ERR_clear_error();
    return OTLS_E_UNSUPPORTED;
  }
  return 0;
}

/* Server: keep the client's SNI name (wolfSSL drops it without a callback). */
static int sni_cb(WOLFSSL *ssl, int *alert, void *arg) {
  (void)ssl;
  (void)alert;
  (void)arg;
  return 0; /* SSL_TLSEXT_ERR_OK: never abort over the name */
}

/* Copy a list of blobs into one allocation (NULL with n == 0). */
static int copy_blobs(const struct otls__blob *in, size_t n, struct otls__blob **out) {
  size_t total = n * sizeof(**out);
  uint8_t *p;
  *out = NULL;
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (in[i].len > SIZE_MAX - total)
      return OTLS_E_NOMEM;
    total += in[i].len;
  }
  *out = malloc(total);
  if (*out == NULL)
    return OTLS_E_NOMEM;
  p = (uint8_t *)(*out + n);
  for (size_t i = 0; i < n; i++) {
    memcpy(p, in[i].data, in[i].len);
    (*out)[i].data = p;
    (*out)[i].len = in[i].len;
    p += in[i].len;
  }
  return 0;
}

static void ctx_free(void *p) {
  struct wctx *c = p;
  if (c == NULL)
    return;
  wolfSSL_CTX_free(c->ctx);
  wolfSSL_X509_STORE_free(c->crl_store);
  free(c->ca);
  free(c->crl);
  free(c);
}

static int ctx_new(void **out, const struct otls__ctx_config *cfg, char *detail, size_t dlen) {
  struct wctx *c;
  uint16_t max = cfg->max_version;
  bool has13;
  int rv;

  *out = NULL;
  if (cfg->min_version < OTLS__TLS1_1) {
    otls__detail(detail, dlen, "wolfSSL is built without TLS 1.0");
    return OTLS_E_UNSUPPORTED;
  }
  if (cfg->max_version > OTLS__TLS1_3 || cfg->max_version < cfg->min_version) {
    otls__detail(detail, dlen, "invalid protocol version range");
    return OTLS_E_BAD_VERSION;
  }
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return OTLS_E_NOMEM;
  c->request_cert = cfg->request_cert || cfg->require_cert;
  c->require_cert = cfg->require_cert;
  c->n_ca = cfg->n_ca;
  c->n_crl = cfg->n_crl;
  c->shared_store = cfg->use_system_ca;
  /* Core frees the CA and CRL lists once the context is built. */
  if ((rv = copy_blobs(cfg->ca, cfg->n_ca, &c->ca)) < 0 ||
      (rv = copy_blobs(cfg->crl, cfg->n_crl, &c->crl)) < 0)
    goto out_free;
  /* wolfSSLv23_method() has side "neither": the connection picks it. */
  c->ctx = wolfSSL_CTX_new(wolfSSLv23_method());
  if (c->ctx == NULL) {
    otls__detail(detail, dlen, "wolfSSL_CTX_new failed");
    rv = OTLS_E_NOMEM;
    goto out_free;
  }

  /*
   * wolfSSL's compat default retries a read that would block up to 10 times
   * inside one call (SSL_MODE_AUTO_RETRY); over memory that only repeats the
   * same empty read. Return at once instead.
   */
  wolfSSL_CTX_clear_mode(c->ctx, SSL_MODE_AUTO_RETRY);
  /*
   * Sessions must never cross contexts, and wolfSSL's own session cache is
   * process-global and ignores the session-id context: its internal store
   * and lookup stay off (NO_INTERNAL). The cache itself stays on, so that
   * wolfSSL hands every new session to new_session_cb() and asks
   * get_session_cb() for a session id a client offers (HAVE_EXT_CACHE):
   * those go to core's per-context cache (TLS <= 1.2 session ids; core
   * decides where sessions live). Tickets are encrypted under the
   * context's keys in core (ticket_key_cb()). A server sends
   * cfg->num_tickets TLS 1.3 tickets right after the client's Finished, in
   * the same call, and a TLS 1.2 ticket in its last flight; with no_ticket
   * none (TLS 1.2 then resumes by session id, TLS 1.3 not at all).
   */
  c->no_ticket = cfg->no_ticket;
  if (wolfSSL_CTX_set_session_cache_mode(c->ctx, WOLFSSL_SESS_CACHE_NO_INTERNAL) !=
          WOLFSSL_SUCCESS ||
      (cfg->no_ticket && wolfSSL_CTX_NoTicketTLSv12(c->ctx) != WOLFSSL_SUCCESS) ||
      (cfg->num_tickets == 0 || cfg->no_ticket
           ? wolfSSL_CTX_no_ticket_TLSv13(c->ctx) != 0 /* 0 = done */
           : wolfSSL_CTX_set_num_tickets(c->ctx, cfg->num_tickets) != WOLFSSL_SUCCESS)) {
    otls__detail(detail, dlen, "wolfSSL: cannot configure sessions");
    wolfSSL_ERR_clear_error();
    rv = OTLS_E_INTERNAL;
    goto out_free;
  }
  wolfSSL_CTX_sess_set_new_cb(c->ctx, new_session_cb);
  wolfSSL_CTX_sess_set_get_cb(c->ctx, get_session_cb);
  c->session_timeout = cfg->session_timeout;
  /*
   * Lifetime: sessions, and the tickets' lifetime hint, which a wolfSSL
   * server also checks a ticket's age against (and a client takes as the
   * session's lifetime). A TLS 1.3 hint may not exceed 7 days (RFC 8446
   * §4.6.1).
   */
  (void)wolfSSL_CTX_set_timeout(c->ctx, cfg->session_timeout);
  if (wolfSSL_CTX_set_TicketHint(c->ctx, cfg->session_timeout > 604800
                                             ? 604800
                                             : (int)cfg->session_timeout) != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_set_tlsext_ticket_key_cb(c->ctx, ticket_key_cb) != WOLFSSL_SUCCESS) {
    otls__detail(detail, dlen, "wolfSSL: cannot configure session tickets");
    wolfSSL_ERR_clear_error();
    rv = OTLS_E_INTERNAL;
    goto out_free;
  }

  if ((rv = set_suites(c->ctx, cfg, &has13, detail, dlen)) < 0)
    goto out_free;
  /* One list covers TLS 1.3 too: without a TLS 1.3 suite, 1.3 cannot work. */
  if (!has13 && max > OTLS__TLS1_2 && cfg->min_version <= OTLS__TLS1_2)
    max = OTLS__TLS1_2;
  c->min_version = cfg->min_version;
  c->max_version = max;
  if (wolfSSL_CTX_set_min_proto_version(c->ctx, cfg->min_version) != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_set_max_proto_version(c->ctx, max) != WOLFSSL_SUCCESS) {
    otls__detail(detail, dlen, "wolfSSL cannot use protocol range 0x%04x..0x%04x", cfg->min_version,
                 max);
    wolfSSL_ERR_clear_error();
    rv = OTLS_E_UNSUPPORTED;
    goto out_free;
  }
  if ((rv = set_groups(c, cfg, detail, dlen)) < 0)
    goto out_free;
  /*
   * dhparam. The configured groups never include an FFDHE one, so the
   * server does not swap these parameters for FFDHE-3072 (BACKENDS.md §4)
   * unless a foreign client offers FFDHE groups.
   */
  if (cfg->dhparam.len > 0) {
    int r = wolfSSL_CTX_SetTmpDH_buffer(c->ctx, cfg->dhparam.data, (long)cfg->dhparam.len,
                                        WOLFSSL_FILETYPE_ASN1);
    if (r != WOLFSSL_SUCCESS) {
      otls__detail(detail, dlen, "wolfSSL: cannot use dhparam: %s (%d)", native_text(r), r);
      wolfSSL_ERR_clear_error();
      rv = OTLS_E_UNSUPPORTED;
      goto out_free;
    }
  }

  /* One certificate slot: core never hands over more than one pair here. */
  if (cfg->n_creds > 1) {
    otls__detail(detail, dlen, "wolfSSL holds one key/certificate pair per context");
    rv = OTLS_E_UNSUPPORTED;
    goto out_free;
  }
  if (cfg->n_creds == 1) {
    if ((rv = load_chain(c->ctx, &cfg->creds[0], detail, dlen)) < 0 ||
        (rv = load_key(c->ctx, &cfg->creds[0], detail, dlen)) < 0)
      goto out_free;
  }
  if (cfg->session_id_context.len > 0 &&
      wolfSSL_CTX_set_session_id_context(c->ctx, cfg->session_id_context.data,
                                         (unsigned)cfg->session_id_context.len) !=
          WOLFSSL_SUCCESS) {
    otls__detail(detail, dlen, "wolfSSL: cannot set the session id context");
    wolfSSL_ERR_clear_error();
    rv = OTLS_E_INVAL;
    goto out_free;
  }
  /*
   * A client's smallest DH prime: core enforces minDHSize after the
   * handshake; the engine's own floor is the common one, 1024 bits.
   */
  if (wolfSSL_CTX_SetMinDhKey_Sz(c->ctx, 1024) != WOLFSSL_SUCCESS) {
    otls__detail(detail, dlen, "wolfSSL: cannot set the minimum DH size");
    wolfSSL_ERR_clear_error();
    rv = OTLS_E_INTERNAL;
    goto out_free;
  }
  if ((rv = load_trust(c->ctx, cfg, detail, dlen)) < 0)
    goto out_free;
  if (cfg->n_crl > 0 && cfg->use_system_ca) {
    /* Shared mode (see load_trust()): one store for revocation checks. */
    c->crl_store = wolfSSL_X509_STORE_new();
    if (c->crl_store == NULL) {
      rv = OTLS_E_NOMEM;
      goto out_free;
    }
    (void)wolfSSL_CertManagerLoadCA(c->crl_store->cm, cfg->ca_file, NULL);
    wolfSSL_ERR_clear_error();
  }
  if (cfg->n_crl > 0) {
    /* Check the DER now; connections parse their own copies. */
    WOLFSSL_X509_STORE *st = c->crl_store != NULL ? c->crl_store : wolfSSL_X509_STORE_new();
    if (st == NULL) {
      rv = OTLS_E_NOMEM;
      goto out_free;
    }
    rv = add_crls(st, cfg->crl, cfg->n_crl, detail, dlen);
    if (st != c->crl_store)
      wolfSSL_X509_STORE_free(st);
    if (rv < 0)
      goto out_free;
  }

  wolfSSL_CTX_set_servername_callback(c->ctx, sni_cb);
  wolfSSL_CTX_set_alpn_select_cb(c->ctx, alpn_select_cb, NULL);
  *out = c;
  return 0;

out_free:
  ctx_free(c);
  return rv;
}

/* --- transport ------------------------------------------------------------ */

/*
 * A TLS 1.2 wolfSSL client that offers a ticket takes any ServerHello for a
 * resumption: it sends no session id with the ticket and counts the ticket
 * as accepted whenever it has one. A server that refuses the ticket (another
 * context, other or expired keys) goes on with a full handshake, and the
 * client then fails on the Certificate (unexpected_message). Without a
 * ticket in the session, it decides as for a session id (resumed only when
 * the server echoes the session's id, which a full handshake never does).
 * So the server's first flight is looked at before wolfSSL reads it: the
 * message after the ServerHello tells. A resumption goes on with
 * NewSessionTicket or ChangeCipherSpec; a full handshake with Certificate,
 * ServerKeyExchange, CertificateRequest, ServerHelloDone or
 * CertificateStatus, and then the ticket is dropped from the connection's
 * session (it was already sent) so that wolfSSL follows the full handshake.
 */
enum { PROBE_MORE, PROBE_RESUMED, PROBE_FULL, PROBE_OTHER };

static int probe_flight(const uint8_t *p, size_t n) {
  int state = 0; /* 0: ServerHello header, 1: its body, 2: the next message */
  uint8_t hdr[4];
  size_t got = 0, skip = 0;
  for (size_t off = 0; off + 5 <= n;) {
    uint8_t type = p[off];
    size_t len = (size_t)p[off + 3] << 8 | p[off + 4];
    size_t avail = n - off - 5 < len ? n - off - 5 : len;
    const uint8_t *b = p + off + 5;
    if (type == 20 /* change_cipher_spec */ && state == 2)
      return PROBE_RESUMED;
    if (type != 22 /* handshake */)
      return PROBE_OTHER; /* an alert, or not what we expect: wolfSSL will say */
    for (size_t i = 0; i < avail;) {
      if (state == 0) {
        hdr[got++] = b[i++];
        if (got < 4)
          continue;
        if (hdr[0] != 2 /* server_hello */)
          return PROBE_OTHER;
        skip = (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
        state = 1;
      } else if (state == 1) {
        size_t k = avail - i < skip ? avail - i : skip;
        i += k;
        skip -= k;
      } else {
        switch (b[i]) {
        case 4: /* new_session_ticket */ return PROBE_RESUMED;
        case 11: /* certificate */
        case 12: /* server_key_exchange */
        case 13: /* certificate_request */
        case 14: /* server_hello_done */
        case 22: /* certificate_status */ return PROBE_FULL;
        default: return PROBE_OTHER;
        }
      }
      if (state == 1 && skip == 0)
        state = 2;
    }
    if (avail < len)
      break;
    off += 5 + len;
  }
  return PROBE_MORE;
}

/* Read ahead what the transport has (the probe above); false at EOF. */
static bool hold_fill(struct wconn *w) {
  while (w->hold_len < 65536) {
    size_t cap = w->hold_len + 4096;
    uint8_t *h = realloc(w->hold, cap);
    if (h == NULL)
      return true; /* decide with what there is */
    w->hold = h;
    long n = otls__tx_recv(w->conn, h + w->hold_len, cap - w->hold_len);
    if (n < 0)
      return false;
    if (n == 0)
      return true;
    w->hold_len += (size_t)n;
  }
  return true;
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *arg) {
  struct wconn *w = arg;
  long n;
  (void)ssl;
  if (sz <= 0)
    return 0;
  if (w->probe) {
    bool open = hold_fill(w);
    int r = probe_flight(w->hold, w->hold_len);
    /* Wait for more only while the flight can still be short of it. */
    if (r == PROBE_MORE && open && w->hold_len < 65536)
      return WOLFSSL_CBIO_ERR_WANT_READ;
    if (r == PROBE_FULL) {
      (void)wolfSSL_set_SessionTicket(w->ssl, NULL, 0);
      /* record 5 | type 1, length 3 | version 2 | random 32 | session id */
      const uint8_t *h = w->hold;
      size_t sid = w->hold_len > 43 ? h[43] : 0;
      if (sid <= 32 && 44 + sid <= w->hold_len && 44 + sid <= 5 + ((size_t)h[3] << 8 | h[4])) {
        memcpy(w->refused_sid, h + 44, sid);
        w->refused_sid_len = sid;
      }
    }
    w->probe = false;
  }
  if (w->hold_off < w->hold_len) {
    n = (long)(w->hold_len - w->hold_off < (size_t)sz ? w->hold_len - w->hold_off : (size_t)sz);
    memcpy(buf, w->hold + w->hold_off, (size_t)n);
    w->hold_off += (size_t)n;
    if (w->hold_off == w->hold_len) {
      free(w->hold);
      w->hold = NULL;
      w->hold_len = w->hold_off = 0;
    }
  } else {
    n = otls__tx_recv(w->conn, buf, (size_t)sz);
  }
  if (n == 0)
    return WOLFSSL_CBIO_ERR_WANT_READ;
  if (n < 0)
    return WOLFSSL_CBIO_ERR_CONN_CLOSE;
  /*
   * A client whose peer does not speak TLS at all (an HTTP server, say):
   * OpenSSL looks at the record version first and fails with "wrong version
   * number" (no alert); wolfSSL reads the bytes as a record length and sends
   * record_overflow. Look at the first record header the same way.
   */
  if (!w->is_server && w->bytes_in < 2) {
    for (long i = 0; i < n && w->bytes_in + (size_t)i < 2; i++)
      if (w->bytes_in + (size_t)i == 1 && (uint8_t)buf[i] != 3)
        w->not_tls = true;
  }
  w->bytes_in += (size_t)n;
  if (w->not_tls)
    return WOLFSSL_CBIO_ERR_GENERAL;
  return (int)n;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *arg) {
  struct wconn *w = arg;
  long n;
  (void)ssl;
  if (sz <= 0)
    return 0;
  n = otls__tx_send(w->conn, buf, (size_t)sz);
  if (n < 0)
    return WOLFSSL_CBIO_ERR_GENERAL;
  w->bytes_out += (size_t)n;
  return (int)n;
}

/* --- verification ---------------------------------------------------------- */

/*
 * Record-don't-fail: accumulate facts for every certificate and accept.
 * wolfSSL calls this for each certificate of the chain, issuers first
 * (WOLFSSL_ALWAYS_VERIFY_CB, WOLFSSL_VERIFY_CB_ALL_CERTS), with preverify 0
 * and an error when a check failed, including the leaf's CRL check.
 */
static int verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store) {
  struct wconn *w = store != NULL ? store->userCtx : NULL;
  if (w == NULL)
    return 1;
  if (!preverify || store->error != 0) {
    unsigned f = map_verify(store->error);
    if (f == OTLS__VF_OTHER)
      otls__conn_set_error(w->conn, "wolfSSL certificate verification: %s (%d) at depth %d",
                           native_text(store->error), store->error, store->error_depth);
    w->vf |= f;
  }
  return 1;
}

/* --- alerts ------------------------------------------------------------------ */

/*
 * Remember the fatal alert that ended the connection (the first one, sent
 * or received). wolfSSL keeps only the last alert each way; we look after
 * every call. close_notify and warnings are not fatal.
 */
static void note_alerts(struct wconn *w, int err) {
  WOLFSSL_ALERT_HISTORY h;
  if (wolfSSL_get_alert_history(w->ssl, &h) != WOLFSSL_SUCCESS)
    return;
  bool rx = (h.last_rx.code != w->seen.last_rx.code || h.last_rx.level != w->seen.last_rx.level) &&
            h.last_rx.level == alert_fatal && h.last_rx.code >= 0;
  bool tx = (h.last_tx.code != w->seen.last_tx.code || h.last_tx.level != w->seen.last_tx.level) &&
            h.last_tx.level == alert_fatal && h.last_tx.code >= 0;
  w->seen = h;
  if (w->alert >= 0 || (!rx && !tx))
    return;
  /* Both in one call: a received fatal alert is never answered. */
  if (rx && (!tx || err == FATAL_ERROR)) {
    w->alert = h.last_rx.code;
    w->alert_sent = false;
  } else {
    w->alert = h.last_tx.code;
    w->alert_sent = true;
  }
}

/*
 * wolfSSL ends some handshakes without telling the peer, where OpenSSL (and
 * so Node) sends a fatal alert; the peer would then only see the transport
 * close. In these cases our side has certainly not switched to encrypted
 * records yet, so the alert is written here, as a plaintext record:
 *  - TLS 1.2 server, require_cert and no client certificate (the client's
 *    flight is read before the server sends ChangeCipherSpec): 40;
 *  - a client that does not accept the version in the ServerHello (it has
 *    sent nothing but its ClientHello): 70.
 */
static void send_missing_alert(struct wconn *w, int err) {
  int desc = -1;
  int v = wolfSSL_version(w->ssl);
  if (w->alert >= 0)
    return;
  switch (err) {
  case NO_PEER_CERT:
    if (w->is_server && v <= OTLS__TLS1_2)
      desc = handshake_failure;
    break;
  case VERSION_ERROR:
  case UNSUPPORTED_PROTO_VERSION:
    if (!w->is_server)
      desc = wolfssl_alert_protocol_version;
    break;
  default: break;
  }
  if (desc < 0)
    return;
  if (v < OTLS__TLS1_0 || v > OTLS__TLS1_2)
    v = OTLS__TLS1_2; /* TLS 1.3 records say 1.2 */
  const uint8_t rec[7] = {21 /* alert */, (uint8_t)(v >> 8), (uint8_t)v, 0, 2,
                          alert_fatal,    (uint8_t)desc};
  if (otls__tx_send(w->conn, rec, sizeof(rec)) == (long)sizeof(rec)) {
    w->alert = desc;
    w->alert_sent = true;
  }
}

/* --- connection ------------------------------------------------------------ */

static void conn_free(void *p) {
  struct wconn *w = p;
  if (w == NULL)
    return;
  wolfSSL_free(w->ssl);
  wolfSSL_X509_STORE_free(w->store);
  free(w->sni);
  free(w->alpn);
  free(w->hold);
  free(w->res_leaf);
  free(w->ticket);
  free(w);
}

/* Client: the last session ticket the server sent (getTLSTicket). */
static const uint8_t *conn_tls_ticket(void *p, size_t *len) {
  struct wconn *w = p;
  *len = 0;
  if (w->is_server)
    return NULL;
  word32 n = 0;
  if (wolfSSL_get_SessionTicket(w->ssl, NULL, &n) != WOLFSSL_SUCCESS || n == 0) {
    /* Older builds do not answer the size query: ask with the largest size. */
    n = 0xffff;
  }
  uint8_t *buf = realloc(w->ticket, n);
  if (buf == NULL)
    return NULL;
  w->ticket = buf;
  if (wolfSSL_get_SessionTicket(w->ssl, buf, &n) != WOLFSSL_SUCCESS || n == 0)
    return NULL;
  *len = n;
  return buf;
}

static int conn_new(void **out, void *bctx, struct otls_conn *conn,
                    const struct otls__conn_config *cfg) {
  bool is_server = cfg->is_server;
  const char *servername = cfg->servername;
  struct wctx *c = bctx;
  struct wconn *w;
  int mode, rv;

  *out = NULL;
  w = calloc(1, sizeof(*w));
  if (w == NULL)
    return OTLS_E_NOMEM;
  w->conn = conn;
  w->wctx = c;
  w->is_server = is_server;
  w->alert = -1;
  w->ssl = wolfSSL_new(c->ctx);
  if (w->ssl == NULL) {
    otls__conn_set_error(conn, "wolfSSL_new failed");
    wolfSSL_ERR_clear_error();
    free(w);
    return OTLS_E_NOMEM;
  }
  wolfSSL_SSLSetIORecv(w->ssl, io_recv);
  wolfSSL_SSLSetIOSend(w->ssl, io_send);
  wolfSSL_SetIOReadCtx(w->ssl, w);
  wolfSSL_SetIOWriteCtx(w->ssl, w);
  wolfSSL_SetCertCbCtx(w->ssl, w);
  if (wolfSSL_set_app_data(w->ssl, w) != WOLFSSL_SUCCESS) {
    otls__conn_set_error(conn, "wolfSSL_set_app_data failed");
    wolfSSL_ERR_clear_error();
    conn_free(w);
    return OTLS_E_INTERNAL;
  }

  if (is_server) {
    wolfSSL_set_accept_state(w->ssl);
    if (cfg->alpn != NULL) {
      if (cfg->alpn_len == 0 || cfg->alpn_len > 255 || (w->alpn = malloc(cfg->alpn_len)) == NULL) {
        conn_free(w);
        return cfg->alpn_len == 0 || cfg->alpn_len > 255 ? OTLS_E_INVAL : OTLS_E_NOMEM;
      }
      memcpy(w->alpn, cfg->alpn, cfg->alpn_len);
      w->alpn_len = cfg->alpn_len;
    }
    /* Without request_cert no CertificateRequest is sent at all. */
    mode = WOLFSSL_VERIFY_NONE;
    if (c->request_cert)
      mode = WOLFSSL_VERIFY_PEER;
    if (c->require_cert)
      mode |= WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  } else {
    wolfSSL_set_connect_state(w->ssl);
    /* VERIFY_NONE would not verify at all; the callback never fails. */
    mode = WOLFSSL_VERIFY_PEER;
    if (servername != NULL && servername[0] != '\0') {
      size_t n = strlen(servername);
      if (n > UINT16_MAX || wolfSSL_UseSNI(w->ssl, WOLFSSL_SNI_HOST_NAME, servername,
                                           (unsigned short)n) != WOLFSSL_SUCCESS) {
        otls__conn_set_error(conn, "wolfSSL: cannot set SNI name");
        wolfSSL_ERR_clear_error();
        conn_free(w);
        return OTLS_E_INTERNAL;
      }
    }
    if (cfg->alpn != NULL && (rv = client_alpn(w, cfg->alpn, cfg->alpn_len)) < 0) {
      conn_free(w);
      return rv;
    }
    /*
     * Sessions: a TLS 1.2 wolfSSL client asks for a ticket only when told
     * to. Each new session reaches core once: a TLS 1.3 ticket through
     * ticket_cb() and new_session_cb(), the session of a full TLS 1.2
     * handshake when it completes (handshake()).
     */
    if (wolfSSL_UseSessionTicket(w->ssl) != WOLFSSL_SUCCESS ||
        wolfSSL_set_SessionTicket_cb(w->ssl, ticket_cb, w) != WOLFSSL_SUCCESS) {
      otls__conn_set_error(conn, "wolfSSL: cannot enable session tickets");
      wolfSSL_ERR_clear_error();
      conn_free(w);
      return OTLS_E_INTERNAL;
    }
    if (cfg->session != NULL && (rv = client_resume(w, cfg->session, cfg->session_len)) < 0) {
      conn_free(w);
      return rv;
    }
  }
  if (mode != WOLFSSL_VERIFY_NONE) {
    if (!c->shared_store && (rv = conn_store(w)) < 0) {
      conn_free(w);
      return rv;
    }
    wolfSSL_set_verify(w->ssl, mode, verify_cb);
  } else {
    wolfSSL_set_verify(w->ssl, WOLFSSL_VERIFY_NONE, NULL);
  }
  wolfSSL_get_alert_history(w->ssl, &w->seen);
  *out = w;
  return 0;
}

/* NamedGroup id for wolfSSL's name of the key exchange, 0 when none/FFDHE. */
static int group_from_name(const char *name) {
  static const struct {
    const char *name;
    int id;
  } tab[] = {{"SECP256R1", 23}, {"SECP384R1", 24}, {"SECP521R1", 25}, {"X25519", 29}, {"X448", 30}};
  if (name == NULL || strncmp(name, "FFDHE", 5) == 0)
    return 0;
  for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
    if (strcmp(name, tab[i].name) == 0)
      return tab[i].id;
  return -1; /* some other curve: never one we enabled */
}

/*
 * In TLS 1.2 wolfSSL does not enforce the group lists: with no curve in
 * common a server falls back to P-256, and a client accepts a curve it
 * never offered. So the negotiated ECDHE group is checked here.
 */
static int check_group(struct wconn *w) {
  const char *suite;
  int g;
  if (w->wctx->n_groups == 0)
    return 0;
  if (wolfSSL_version(w->ssl) != OTLS__TLS1_3) {
    suite = wolfSSL_get_cipher_name(w->ssl);
    if (suite == NULL || strncmp(suite, "ECDHE-", 6) != 0)
      return 0;
  }
  g = group_from_name(wolfSSL_get_curve_name(w->ssl));
  if (g == 0)
    return 0;
  for (size_t i = 0; i < w->wctx->n_groups; i++)
    if (w->wctx->groups[i] == g)
      return 0;
  otls__conn_set_error(w->conn, "wolfSSL negotiated key exchange group %s, which is not enabled",
                       wolfSSL_get_curve_name(w->ssl));
  return OTLS_E_HANDSHAKE;
}

static int handshake(void *p) {
  struct wconn *w = p;
  int rv;
  int r = wolfSSL_negotiate(w->ssl);
  int err = r == WOLFSSL_SUCCESS ? 0 : wolfSSL_get_error(w->ssl, r);
  note_alerts(w, err);
  flush_tickets(w);
  if (r == WOLFSSL_SUCCESS) {
    if (!w->checked) {
      /* Once: the facts wolfSSL does not establish itself. */
      w->checked = true;
      check_crls(w);
      w->post_rv = check_group(w);
      /* Client, TLS 1.2: the session of a full handshake (id or ticket). */
      if (!w->is_server && w->post_rv == 0 && wolfSSL_version(w->ssl) <= OTLS__TLS1_2 &&
          wolfSSL_session_reused(w->ssl) != 1)
        emit_session(w);
      /* Overridden verification errors stay in wolfSSL's per-thread queue. */
      wolfSSL_ERR_clear_error();
    }
    return w->post_rv;
  }
  if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE)
    return OTLS__IO_WANT_READ;
  if (w->not_tls) {
    /* OpenSSL's "wrong version number": no alert, a version mismatch. */
    rv = conn_fail(w, VERSION_ERROR, AT_HANDSHAKE, "handshake");
    otls__conn_set_error(w->conn, "wolfSSL handshake: the peer does not speak TLS "
                                  "(wrong version number)");
    return rv;
  }
  send_missing_alert(w, err);
  rv = conn_fail(w, err, AT_HANDSHAKE, "handshake");
  /*
   * A TLS 1.2 wolfSSL client that offers a ticket takes the ServerHello for
   * a resumption whatever it says: it sends an empty session id with the
   * ticket and counts any ticket as accepted. A server refusing the ticket
   * (another context, new keys) goes on with a full handshake, and the
   * client fails on its Certificate (unexpected_message). Nothing can undo
   * that here: say what happened.
   */
  if (!w->is_server && w->offered_session && err == OUT_OF_ORDER_E &&
      wolfSSL_version(w->ssl) <= OTLS__TLS1_2)
    otls__conn_set_error(w->conn,
                         "wolfSSL handshake: the server did not resume the TLS 1.2 "
                         "session offered, and a wolfSSL client cannot then go on with "
                         "a full handshake; connect again without the session (%d)",
                         err);
  return rv;
}

static int conn_read(void *p, void *buf, size_t len, size_t *n) {
  struct wconn *w = p;
  int r, err;
  *n = 0;
  if (len == 0)
    return OTLS__IO_OK;
  r = wolfSSL_read(w->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
  err = r > 0 ? 0 : wolfSSL_get_error(w->ssl, r);
  note_alerts(w, err);
  flush_tickets(w);
  if (r > 0) {
    *n = (size_t)r;
    return OTLS__IO_OK;
  }
  switch (err) {
  case WOLFSSL_ERROR_WANT_READ:
  case WOLFSSL_ERROR_WANT_WRITE: return OTLS__IO_WANT_READ;
  case WOLFSSL_ERROR_ZERO_RETURN: return OTLS__IO_CLOSED;
  default: break;
  }
  /* A zero return without close_notify is the transport ending. */
  if (err == WOLFSSL_ERROR_NONE || err == 0)
    err = SOCKET_PEER_CLOSED_E;
  return conn_fail(w, err, AT_IO, "read");
}

static int conn_write(void *p, const void *buf, size_t len) {
  struct wconn *w = p;
  const unsigned char *b = buf;
  while (len > 0) {
    int chunk = len > INT_MAX ? INT_MAX : (int)len;
    int r = wolfSSL_write(w->ssl, b, chunk);
    if (r > 0) {
      b += r;
      len -= (size_t)r;
      continue;
    }
    int err = wolfSSL_get_error(w->ssl, r);
    note_alerts(w, err);
    if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
      /* Output never blocks here; input is only needed mid-handshake. */
      otls__conn_set_error(w->conn, "wolfSSL write: unexpected want-read/write");
      return OTLS_E_INTERNAL;
    }
    return conn_fail(w, err, AT_IO, "write");
  }
  note_alerts(w, 0);
  return OTLS__IO_OK;
}

static int conn_shutdown(void *p) {
  struct wconn *w = p;
  int r = wolfSSL_shutdown(w->ssl);
  int err =
      (r == WOLFSSL_SUCCESS || r == WOLFSSL_SHUTDOWN_NOT_DONE) ? 0 : wolfSSL_get_error(w->ssl, r);
  note_alerts(w, err);
  flush_tickets(w);
  if (err == 0 || err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_ZERO_RETURN)
    return 0;
  return conn_fail(w, err, AT_IO, "shutdown");
}

/* --- facts ------------------------------------------------------------------ */

static uint16_t conn_protocol(void *p) {
  struct wconn *w = p;
  if (!wolfSSL_is_init_finished(w->ssl))
    return 0;
  int v = wolfSSL_version(w->ssl);
  switch (v) {
  case OTLS__TLS1_0:
  case OTLS__TLS1_1:
  case OTLS__TLS1_2:
  case OTLS__TLS1_3: return (uint16_t)v;
  default: return 0;
  }
}

static uint16_t conn_cipher_id(void *p) {
  struct wconn *w = p;
  if (!wolfSSL_is_init_finished(w->ssl))
    return 0;
  /* (cipherSuite0 << 8) | cipherSuite: the two IANA bytes, first byte high. */
  int cs = wolfSSL_get_current_cipher_suite(w->ssl);
  return cs > 0 ? (uint16_t)cs : 0;
}

/* The key-exchange group as a NamedGroup id, 0 when none (RSA, TLS 1.2 DHE). */
static uint16_t conn_group(void *p) {
  static const struct {
    const char *name;
    uint16_t id;
  } ffdhe[] = {{"FFDHE_2048", 256},
               {"FFDHE_3072", 257},
               {"FFDHE_4096", 258},
               {"FFDHE_6144", 259},
               {"FFDHE_8192", 260}};
  struct wconn *w = p;
  if (!wolfSSL_is_init_finished(w->ssl))
    return 0;
  /* In TLS 1.2 the curve name is meaningful only for an ECDHE suite. */
  if (wolfSSL_version(w->ssl) != OTLS__TLS1_3) {
    const char *suite = wolfSSL_get_cipher_name(w->ssl);
    if (suite == NULL || strncmp(suite, "ECDHE-", 6) != 0)
      return 0;
  }
  const char *name = wolfSSL_get_curve_name(w->ssl);
  int g = group_from_name(name);
  if (g > 0)
    return (uint16_t)g;
  for (size_t i = 0; name != NULL && i < sizeof(ffdhe) / sizeof(ffdhe[0]); i++)
    if (strcmp(name, ffdhe[i].name) == 0)
      return ffdhe[i].id;
  return 0;
}

/*
 * The chain the peer sent. A resumed server connection reports what the
 * session recorded (the client's leaf, as OpenSSL does): wolfSSL has no
 * certificate for it.
 */
static size_t conn_peer_chain(void *p, struct otls__blob *out, size_t max) {
  struct wconn *w = p;
  if (w->is_server && wolfSSL_session_reused(w->ssl) == 1) {
    if (!w->res_known || w->res_leaf_len == 0 || max == 0)
      return 0;
    out[0].data = w->res_leaf;
    out[0].len = w->res_leaf_len;
    return 1;
  }
  WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(w->ssl);
  int count = chain != NULL ? wolfSSL_get_chain_count(chain) : 0;
  size_t n = 0;
  for (int i = 0; i < count && n < max; i++) {
    unsigned char *der = wolfSSL_get_chain_cert(chain, i);
    int len = wolfSSL_get_chain_length(chain, i);
    if (der == NULL || len <= 0)
      break;
    out[n].data = der;
    out[n].len = (size_t)len;
    n++;
  }
  return n;
}

static unsigned conn_verify_facts(void *p) {
  struct wconn *w = p;
  if (w->is_server && wolfSSL_session_reused(w->ssl) == 1)
    return w->res_known ? w->res_vf : 0;
  return w->vf;
}

static const char *conn_servername(void *p) {
  struct wconn *w = p;
  void *data = NULL;
  unsigned short n;
  if (!w->is_server)
    return NULL;
  if (w->sni_done)
    return w->sni;
  n = wolfSSL_SNI_GetRequest(w->ssl, WOLFSSL_SNI_HOST_NAME, &data);
  if (n == 0 || data == NULL || memchr(data, '\0', n) != NULL)
    return NULL;
  w->sni = malloc((size_t)n + 1);
  if (w->sni == NULL)
    return NULL;
  memcpy(w->sni, data, n);
  w->sni[n] = '\0';
  w->sni_done = true;
  return w->sni;
}

static int conn_alert(void *p, bool *sent) {
  struct wconn *w = p;
  if (sent != NULL)
    *sent = w->alert_sent;
  return w->alert;
}

/* --- exporter, Finished, key update ------------------------------------------- */

/*
 * RFC 5705 / RFC 8446 §7.5. `context` NULL is "no context" (use_context 0),
 * which differs from an empty one in TLS 1.2. wolfSSL refuses the labels
 * the TLS 1.2 PRF itself uses ("master secret", "key expansion", ...), as
 * OpenSSL does.
 */
static int conn_export_keying_material(void *p, uint8_t *out, size_t len, const char *label,
                                       size_t label_len, const uint8_t *context,
                                       size_t context_len) {
  struct wconn *w = p;
  int r = wolfSSL_export_keying_material(w->ssl, out, len, label, label_len, context, context_len,
                                         context != NULL);
  if (r != WOLFSSL_SUCCESS) {
    otls__conn_set_error(w->conn, "wolfSSL cannot export keying material (%d)", r);
    wolfSSL_ERR_clear_error();
    return OTLS_E_INTERNAL;
  }
  return 0;
}

/*
 * The Finished message sent (peer false) or received (peer true): 12 bytes
 * in TLS <= 1.2, the suite's hash length in TLS 1.3. wolfSSL copies the
 * whole message whatever `count` says (it only refuses less than 12), so it
 * always gets a buffer large enough for any hash.
 */
static int conn_finished(void *p, bool peer, uint8_t *out, size_t cap) {
  struct wconn *w = p;
  uint8_t buf[WC_MAX_DIGEST_SIZE];
  size_t n = peer ? wolfSSL_get_peer_finished(w->ssl, buf, sizeof(buf))
                  : wolfSSL_get_finished(w->ssl, buf, sizeof(buf));
  if (n == 0 || n > sizeof(buf))
    return OTLS_E_UNSUPPORTED;
  memcpy(out, buf, n < cap ? n : cap);
  return (int)n;
}

/*
 * TLS 1.3 KeyUpdate, written at once (wolfSSL_update_keys() sends the
 * message itself, through io_send()). wolfSSL always asks the peer to
 * update as well (update_requested): there is no way to send
 * update_not_requested, so `request_peer` false still makes the peer answer
 * with a KeyUpdate of its own (harmless: both directions just move to new
 * keys).
 */
static int conn_key_update(void *p, bool request_peer) {
  struct wconn *w = p;
  (void)request_peer;
  int r = wolfSSL_update_keys(w->ssl);
  note_alerts(w, r == WOLFSSL_SUCCESS ? 0 : r);
  if (r != WOLFSSL_SUCCESS)
    return conn_fail(w, r, AT_IO, "key update");
  return 0;
}

/* --- crypto helpers ------------------------------------------------------------ */

static int backend_digest(int alg, const void *data, size_t len, uint8_t *out) {
  int r, n;
  if (len > UINT32_MAX)
    return OTLS_E_INVAL;
  switch (alg) {
  case OTLS__MD_SHA1:
    r = wc_ShaHash(data, (word32)len, out);
    n = WC_SHA_DIGEST_SIZE;
    break;
  case OTLS__MD_SHA256:
    r = wc_Sha256Hash(data, (word32)len, out);
    n = WC_SHA256_DIGEST_SIZE;
    break;
  case OTLS__MD_SHA384:
    r = wc_Sha384Hash(data, (word32)len, out);
    n = WC_SHA384_DIGEST_SIZE;
    break;
  case OTLS__MD_SHA512:
    r = wc_Sha512Hash(data, (word32)len, out);
    n = WC_SHA512_DIGEST_SIZE;
    break;
  default: return OTLS_E_UNSUPPORTED;
  }
  return r == 0 ? n : OTLS_E_INTERNAL;
}

/* --- PKCS#12 ------------------------------------------------------------------ */

/* Free what wc_PKCS12_parse() allocated (wc_FreeCertList() is not exported). */
static void free_cert_list(WC_DerCertList *l) {
  while (l != NULL) {
    WC_DerCertList *next = l->next;
    XFREE(l->buffer, NULL, DYNAMIC_TYPE_PKCS);
    XFREE(l, NULL, DYNAMIC_TYPE_PKCS);
    l = next;
  }
}

/*
 * wc_PKCS12_parse() checks the MAC first (MAC_CMP_FAILED_E for a wrong
 * password), returns the key in its traditional form (core wraps it back
 * into PKCS#8 with the certificate's algorithm: for EC keys the curve is
 * only there), the certificate that matches the key, and the others.
 */
static int backend_pkcs12_parse(const uint8_t *der, size_t len, const char *pass,
                                const struct otls__pkcs12_sink *sink, char *detail, size_t dlen) {
  byte *key = NULL, *cert = NULL;
  word32 key_len = 0, cert_len = 0;
  WC_DerCertList *ca = NULL;
  int r, rv;
  if (len > UINT32_MAX)
    return OTLS_E_DER_BAD;
  WC_PKCS12 *p12 = wc_PKCS12_new();
  if (p12 == NULL)
    return OTLS_E_NOMEM;
  r = wc_d2i_PKCS12(der, (word32)len, p12);
  if (r != 0) {
    rv = ctx_fail(detail, dlen, r, AT_CERT, "pfx");
    goto out;
  }
  r = wc_PKCS12_parse(p12, pass, &key, &key_len, &cert, &cert_len, &ca);
  if (r != 0) {
    rv = ctx_fail(detail, dlen, r, r == MAC_CMP_FAILED_E ? AT_KEY_DECRYPT : AT_CERT, "pfx");
    goto out;
  }
  if (key == NULL || cert == NULL) {
    otls__detail(detail, dlen, "wolfSSL: pfx: no key, or no certificate for it");
    rv = OTLS_E_NO_CERT;
    goto out;
  }
  rv = sink->key(sink->arg, key, key_len);
  if (rv == 0)
    rv = sink->cert(sink->arg, cert, cert_len, true);
  for (WC_DerCertList *l = ca; rv == 0 && l != NULL; l = l->next)
    rv = sink->cert(sink->arg, l->buffer, l->bufferSz, false);
out:
  if (key != NULL) {
    wipe(key, key_len);
    XFREE(key, NULL, DYNAMIC_TYPE_PUBLIC_KEY);
  }
  XFREE(cert, NULL, DYNAMIC_TYPE_PKCS);
  free_cert_list(ca);
  wc_PKCS12_free(p12);
  return rv;
}

/*
 * The server's ephemeral key (wolfSSL_get_server_tmp_key() fails in this
 * build): the named group as for conn_group(), else for a TLS 1.2 DHE
 * suite the prime's size.
 */
static int conn_peer_tmp_key(void *p, uint16_t *group, unsigned *dh_bits) {
  struct wconn *w = p;
  *group = conn_group(p);
  *dh_bits = 0;
  if (*group == 0 && wolfSSL_version(w->ssl) != OTLS__TLS1_3) {
    const char *suite = wolfSSL_get_cipher_name(w->ssl);
    if (suite != NULL && strncmp(suite, "DHE-", 4) == 0) {
      int bits = wolfSSL_GetDhKey_Sz(w->ssl);
      if (bits > 0)
        *dh_bits = (unsigned)bits;
    }
  }
  return 0;
}

/* --- globals ------------------------------------------------------------------ */

static const char *backend_version(void) {
  return wolfSSL_lib_version();
}

static int backend_global_init(void) {
  /* Never paired with wolfSSL_Cleanup(): it would pull global state from
   * under any other wolfSSL user in the process. */
  return wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : OTLS_E_INTERNAL;
}

const struct otls_backend otls__backend = {
    .name = "wolfssl",
    .caps = (1ull << OTLS_CAP_TLS1_3) | (1ull << OTLS_CAP_TLS1_2) | (1ull << OTLS_CAP_TLS1_1) |
            (1ull << OTLS_CAP_ENCRYPTED_KEYS) | (1ull << OTLS_CAP_CLIENT_CERT) |
            (1ull << OTLS_CAP_CRL) | (1ull << OTLS_CAP_TLS13_CIPHERS) |
            (1ull << OTLS_CAP_EXACT_CIPHERS) | (1ull << OTLS_CAP_ECDH_X448) |
            (1ull << OTLS_CAP_DHPARAM) | (1ull << OTLS_CAP_FINISHED) |
            (1ull << OTLS_CAP_TICKET_KEY_ROTATION) | (1ull << OTLS_CAP_TLS_TICKET),
    /* A wolfSSL server always picks by its own order: no CLIENT_CIPHER_ORDER. */
    /*
     * No OCSP_CLIENT (no API gives the client the raw staple) and no
     * OCSP_STAPLE (wolfSSL staples only a response it has validated, and
     * needs the issuer in the store that verifies clients): README trap 33.
     */
    /*
     * No ECDH_CURVE_REFUSAL: with no group in common a TLS 1.2 server falls
     * back to P-256 (check_group() then fails the server only, after the
     * client has finished), and a TLS 1.3 server fails with BAD_FUNC_ARG
     * and sends no alert, leaving the client waiting.
     */
    .version = backend_version,
    .global_init = backend_global_init,
    .ctx_new = ctx_new,
    .ctx_free = ctx_free,
    .conn_new = conn_new,
    .conn_free = conn_free,
    .handshake = handshake,
    .read = conn_read,
    .write = conn_write,
    .shutdown = conn_shutdown,
    .protocol = conn_protocol,
    .cipher_id = conn_cipher_id,
    .group = conn_group,
    .peer_chain = conn_peer_chain,
    .verify_facts = conn_verify_facts,
    .servername = conn_servername,
    .alert = conn_alert,
    .alpn_selected = conn_alpn_selected,
    .session_reused = conn_session_reused,
    .export_keying_material = conn_export_keying_material,
    .finished = conn_finished,
    .key_update = conn_key_update,
    .tls_ticket = conn_tls_ticket,
    .digest = backend_digest,
    .pkcs12_parse = backend_pkcs12_parse,
    .peer_tmp_key = conn_peer_tmp_key,
};
