/*
 * omnitls — conformance scenarios: client and server both omnitls, in one
 * process, over memory. Written once against the public API and compiled
 * once per backend variant. Each scenario asserts the behaviour and writes a
 * transcript of what a user could observe to
 * $OTLS_TRANSCRIPT_DIR/<scenario>.txt; the transcript-diff test compares the
 * transcripts of all backends (DESIGN.md §5).
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "otls_test.h"
#include "internal.h" /* otls__read_file */
#include "pem.h"

/* --- transcript ------------------------------------------------------------ */

static FILE *transcript;
static char transcript_path[1024];

/* A scenario that is Not Run on this backend leaves no transcript behind. */
static void drop_transcript(void) {
  if (transcript) {
    fclose(transcript);
    transcript = NULL;
    unlink(transcript_path);
  }
}

static void transcript_open(const char *scenario) {
  otls_test_on_skip(drop_transcript);
  const char *dir = getenv("OTLS_TRANSCRIPT_DIR");
  if (dir == NULL)
    return;
  char path[1024];
  /* mkdir -p of the last two levels is enough: <build>/transcripts/<backend> */
  snprintf(path, sizeof(path), "%s", dir);
  char *slash = strrchr(path, '/');
  if (slash) {
    *slash = 0;
    mkdir(path, 0755);
  }
  mkdir(dir, 0755);
  snprintf(path, sizeof(path), "%s/%s.txt", dir, scenario);
  snprintf(transcript_path, sizeof(transcript_path), "%s", path);
  transcript = fopen(path, "w");
  if (transcript == NULL)
    otls_test_fail(__FILE__, __LINE__, "cannot write %s: %s", path, strerror(errno));
}

static void T(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void T(const char *key, const char *fmt, ...) {
  if (transcript == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(transcript, "%s: ", key);
  vfprintf(transcript, fmt, ap);
  fprintf(transcript, "\n");
  va_end(ap);
  fflush(transcript);
}

static const char *str_or_false(const char *s) { return s ? s : "false"; }

/* Record everything a user can see of one side of a connection. */
static void observe(const char *side, otls_conn *c, int result) {
  char key[64];
  snprintf(key, sizeof(key), "%s.result", side);
  T(key, "%s", otls_err_name(result));
  if (result == 0) {
    otls_cipher_info ci;
    snprintf(key, sizeof(key), "%s.protocol", side);
    T(key, "%s", str_or_false(otls_conn_protocol(c)));
    if (otls_conn_cipher(c, &ci) == 0) {
      snprintf(key, sizeof(key), "%s.cipher", side);
      T(key, "%s %s %s", ci.name, ci.standard_name, ci.version);
    }
    snprintf(key, sizeof(key), "%s.authorized", side);
    T(key, "%s", otls_conn_is_authorized(c) ? "true" : "false");
    snprintf(key, sizeof(key), "%s.authorizationError", side);
    T(key, "%s", str_or_false(otls_conn_authorization_error(c)));
    snprintf(key, sizeof(key), "%s.servername", side);
    T(key, "%s", str_or_false(otls_conn_servername(c)));
    snprintf(key, sizeof(key), "%s.peerCertificates", side);
    T(key, "%zu", otls_conn_peer_cert_count(c));
  } else {
    bool sent = false;
    int alert = otls_conn_alert(c, &sent);
    snprintf(key, sizeof(key), "%s.alert", side);
    if (alert >= 0)
      T(key, "%s %s", otls_alert_name(alert), sent ? "sent" : "received");
    else
      T(key, "none");
  }
}

/* --- building blocks -------------------------------------------------------- */

struct pair {
  otls_context *cctx, *sctx;
  otls_conn *client, *server;
  int cerr, serr;
};

struct side_opts {
  const char *cert, *key, *ca;
  const char *min_version, *max_version;
  bool request_cert;
  int reject; /* -1 default */
  const char *crl;
  const char *ciphers, *ecdh_curve, *secure_protocol, *dhparam;
  bool honor_cipher_order;
  /* A second key/certificate pair, PKCS#12 bundles (with their passphrases). */
  const char *cert2, *key2;
  const char *pfx, *pfx_pass, *pfx2, *pfx2_pass;
  uint64_t secure_options;
  unsigned min_dh_size; /* client connection: minDHSize */
  const char *npn;      /* NPN list, comma-separated */
};

static otls_context *ctx_from(const struct side_opts *s) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source cert = otls_source_file(s->cert ? pki(s->cert) : NULL);
  otls_source key = otls_source_file(s->key ? pki(s->key) : NULL);
  otls_source ca = otls_source_file(s->ca ? pki(s->ca) : NULL);
  otls_source crl = otls_source_file(s->crl ? pki(s->crl) : NULL);
  otls_source dh = otls_source_file(s->dhparam ? pki(s->dhparam) : NULL);
  otls_source certs[2] = {cert, otls_source_file(s->cert2 ? pki(s->cert2) : NULL)};
  otls_source keys[2] = {key, otls_source_file(s->key2 ? pki(s->key2) : NULL)};
  otls_source pfx[2] = {otls_source_file(s->pfx ? pki(s->pfx) : NULL),
                        otls_source_file(s->pfx2 ? pki(s->pfx2) : NULL)};
  pfx[0].passphrase = s->pfx_pass;
  pfx[1].passphrase = s->pfx2_pass;
  if (s->cert) {
    o.cert = certs;
    o.cert_count = s->cert2 ? 2 : 1;
  }
  if (s->key) {
    o.key = keys;
    o.key_count = s->key2 ? 2 : 1;
  }
  if (s->pfx) {
    o.pfx = pfx;
    o.pfx_count = s->pfx2 ? 2 : 1;
  }
  o.secure_options = s->secure_options;
  uint8_t npn[256];
  if (s->npn) {
    int n = otls_alpn_encode(s->npn, npn, sizeof(npn));
    if (n < 0)
      otls_test_fail(__FILE__, __LINE__, "otls_alpn_encode(%s): %s", s->npn, otls_err_name(n));
    o.npn_protocols = npn;
    o.npn_protocols_len = (size_t)n;
  }
  if (s->ca) {
    o.ca = &ca;
    o.ca_count = 1;
  }
  if (s->crl) {
    o.crl = &crl;
    o.crl_count = 1;
  }
  o.min_version = s->min_version;
  o.max_version = s->max_version;
  o.request_cert = s->request_cert;
  o.ciphers = s->ciphers;
  o.honor_cipher_order = s->honor_cipher_order;
  o.ecdh_curve = s->ecdh_curve;
  o.secure_protocol = s->secure_protocol;
  o.dhparam = s->dhparam ? &dh : NULL;
  if (s->reject >= 0)
    o.reject_unauthorized = s->reject == 1;
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv == OTLS_E_UNSUPPORTED)
    otls_test_skip(detail);
  if (rv < 0)
    otls_test_fail(__FILE__, __LINE__, "context: %s: %s", otls_err_name(rv), detail);
  return ctx;
}

static const struct side_opts SERVER_RSA = {.cert = "server-rsa-chain.pem",
                                            .key = "server-rsa.key",
                                            .reject = -1};
static const struct side_opts CLIENT_TRUSTING = {.ca = "ca.pem", .reject = -1};

/* Handshake a client (host = servername) against a server; records both sides. */
static void run_pair(struct pair *p, const struct side_opts *client, const struct side_opts *server,
                     const char *host) {
  memset(p, 0, sizeof(*p));
  p->cctx = ctx_from(client);
  p->sctx = ctx_from(server);
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = host;
  co.min_dh_size = client->min_dh_size;
  so.is_server = true;
  CHECK_ERR(otls_conn_new(&p->client, p->cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&p->server, p->sctx, &so), 0);
  pump_handshake(p->client, p->server, &p->cerr, &p->serr);
  observe("client", p->client, p->cerr);
  observe("server", p->server, p->serr);
}

static void pair_free(struct pair *p) {
  otls_conn_free(p->client);
  otls_conn_free(p->server);
  otls_context_free(p->cctx);
  otls_context_free(p->sctx);
  if (transcript) {
    fclose(transcript);
    transcript = NULL;
  }
}

#define SCENARIO(name) \
  TEST(name) {         \
    transcript_open(#name);
#define END_SCENARIO }

/* --- handshakes -------------------------------------------------------------- */

SCENARIO(handshake_tls13_default)
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &SERVER_RSA, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  CHECK_STR(otls_conn_protocol(p.server), "TLSv1.3");
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
  CHECK_STR(ci.name, "TLS_AES_128_GCM_SHA256");
  CHECK_STR(ci.standard_name, "TLS_AES_128_GCM_SHA256");
  CHECK_STR(ci.version, "TLSv1.3");
  CHECK(otls_conn_is_authorized(p.client));
  CHECK_STR(otls_conn_authorization_error(p.client), NULL);
  CHECK_STR(otls_conn_servername(p.client), "localhost");
  CHECK_STR(otls_conn_servername(p.server), "localhost");
  CHECK_INT(otls_conn_peer_cert_count(p.client), 2);
  CHECK(!otls_conn_is_authorized(p.server)); /* no client certificate asked */
  pair_free(&p);
END_SCENARIO

SCENARIO(handshake_tls12_rsa)
  struct pair p;
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  run_pair(&p, &c, &SERVER_RSA, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.2");
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.server, &ci), 0);
  CHECK_STR(ci.name, "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK_STR(ci.standard_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  CHECK_STR(ci.version, "TLSv1.2");
  CHECK(otls_conn_is_authorized(p.client));
  pair_free(&p);
END_SCENARIO

SCENARIO(handshake_tls12_ecdsa)
  struct pair p;
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  struct side_opts s = {.cert = "server-ec-chain.pem", .key = "server-ec.key", .reject = -1};
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
  CHECK_STR(ci.name, "ECDHE-ECDSA-AES128-GCM-SHA256");
  CHECK(otls_conn_is_authorized(p.client));
  pair_free(&p);
END_SCENARIO

SCENARIO(handshake_tls13_ecdsa)
  struct pair p;
  struct side_opts s = {.cert = "server-ec-chain.pem", .key = "server-ec.key", .reject = -1};
  run_pair(&p, &CLIENT_TRUSTING, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  CHECK(otls_conn_is_authorized(p.client));
  pair_free(&p);
END_SCENARIO

SCENARIO(handshake_by_ip_address_sends_no_sni)
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &SERVER_RSA, "127.0.0.1");
  CHECK_ERR(p.cerr, 0);
  CHECK(otls_conn_is_authorized(p.client));
  CHECK_STR(otls_conn_servername(p.server), NULL);
  CHECK_STR(otls_conn_servername(p.client), NULL);
  pair_free(&p);
END_SCENARIO

SCENARIO(handshake_by_ipv6_address)
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &SERVER_RSA, "::1");
  CHECK_ERR(p.cerr, 0);
  CHECK(otls_conn_is_authorized(p.client));
  pair_free(&p);
END_SCENARIO

SCENARIO(handshake_wildcard_name)
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &SERVER_RSA, "api.example.test");
  CHECK_ERR(p.cerr, 0);
  CHECK(otls_conn_is_authorized(p.client));
  CHECK_STR(otls_conn_servername(p.server), "api.example.test");
  pair_free(&p);
END_SCENARIO

SCENARIO(version_mismatch_fails_on_both_sides)
  struct pair p;
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  struct side_opts s = SERVER_RSA;
  s.min_version = "TLSv1.3";
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.serr, OTLS_E_VERSION_MISMATCH);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  bool sent = true;
  CHECK_INT(otls_conn_alert(p.client, &sent), 70);
  CHECK(!sent);
  pair_free(&p);
END_SCENARIO

/* --- verification ----------------------------------------------------------- */

static void expect_verify_failure_crl(const char *cert, const char *key, const char *ca,
                                      const char *crl, const char *host, int want) {
  struct side_opts s = {.cert = cert, .key = key, .reject = -1};
  struct side_opts c = {.ca = ca, .crl = crl, .reject = -1};
  struct pair p;
  /* rejectUnauthorized (default): the client fails with the canonical code. */
  run_pair(&p, &c, &s, host);
  CHECK_ERR(p.cerr, want);
  CHECK_STR(otls_conn_authorization_error(p.client), otls_err_name(want));
  CHECK(!otls_conn_is_authorized(p.client));
  CHECK(!otls_conn_is_handshake_done(p.client));
  otls_conn_free(p.client);
  otls_conn_free(p.server);
  otls_context_free(p.cctx);
  otls_context_free(p.sctx);
  /* rejectUnauthorized=false: completes, not authorized, same error name. */
  c.reject = 0;
  run_pair(&p, &c, &s, host);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK(!otls_conn_is_authorized(p.client));
  CHECK_ERR(otls_conn_verify_error(p.client), want);
  CHECK_STR(otls_conn_authorization_error(p.client), otls_err_name(want));
  pair_free(&p);
}

static void expect_verify_failure(const char *cert, const char *key, const char *ca,
                                  const char *host, int want) {
  expect_verify_failure_crl(cert, key, ca, NULL, host, want);
}

SCENARIO(verify_expired_certificate)
  expect_verify_failure("expired-chain.pem", "expired.key", "ca.pem", "localhost",
                        OTLS_E_CERT_HAS_EXPIRED);
END_SCENARIO

SCENARIO(verify_not_yet_valid_certificate)
  expect_verify_failure("notyet-chain.pem", "notyet.key", "ca.pem", "localhost",
                        OTLS_E_CERT_NOT_YET_VALID);
END_SCENARIO

SCENARIO(verify_self_signed_leaf)
  expect_verify_failure("selfsigned.pem", "selfsigned.key", "ca.pem", "localhost",
                        OTLS_E_DEPTH_ZERO_SELF_SIGNED_CERT);
END_SCENARIO

SCENARIO(verify_unknown_ca_leaf_only)
  expect_verify_failure("unknownca-chain.pem", "unknownca.key", "ca.pem", "localhost",
                        OTLS_E_UNABLE_TO_VERIFY_LEAF_SIGNATURE);
END_SCENARIO

SCENARIO(verify_untrusted_chain_without_root)
  /* leaf + intermediate sent, but the client trusts another root */
  expect_verify_failure("server-rsa-chain.pem", "server-rsa.key", "untrusted-ca.pem", "localhost",
                        OTLS_E_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
END_SCENARIO

SCENARIO(verify_wrong_host)
  expect_verify_failure("wronghost-chain.pem", "wronghost.key", "ca.pem", "localhost",
                        OTLS_E_CERT_ALTNAME_INVALID);
END_SCENARIO

SCENARIO(verify_name_not_in_altnames)
  expect_verify_failure("server-rsa-chain.pem", "server-rsa.key", "ca.pem", "other.example.org",
                        OTLS_E_CERT_ALTNAME_INVALID);
END_SCENARIO

SCENARIO(verify_ip_not_in_altnames)
  expect_verify_failure("server-rsa-chain.pem", "server-rsa.key", "ca.pem", "127.0.0.2",
                        OTLS_E_CERT_ALTNAME_INVALID);
END_SCENARIO

SCENARIO(verify_revoked_with_crl)
  if (!otls_backend_has(OTLS_CAP_CRL))
    otls_test_skip("no CRL support");
  struct side_opts s = {.cert = "revoked-chain.pem", .key = "revoked.key", .reject = -1};
  struct side_opts c = {.ca = "ca.pem", .crl = "crl-all.pem", .reject = -1};
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, OTLS_E_CERT_REVOKED);
  pair_free(&p);
END_SCENARIO

/* A leaf whose signature bytes were altered (gen-pki.sh: badsig). */
SCENARIO(verify_bad_signature)
  expect_verify_failure("badsig-chain.pem", "badsig.key", "ca.pem", "localhost",
                        OTLS_E_CERT_SIGNATURE_FAILURE);
END_SCENARIO

/*
 * CRL checking covers every certificate of the chain (Node: CRL_CHECK |
 * CRL_CHECK_ALL): with the intermediate's CRL only, nothing says whether
 * the root revoked the intermediate.
 */
SCENARIO(verify_crl_missing_for_the_intermediates_issuer)
  if (!otls_backend_has(OTLS_CAP_CRL))
    otls_test_skip("no CRL support");
  expect_verify_failure_crl("server-rsa-chain.pem", "server-rsa.key", "ca.pem", "crl.pem",
                            "localhost", OTLS_E_UNABLE_TO_GET_CRL);
END_SCENARIO

/* With the root's CRL only, nothing is known about the leaf. */
SCENARIO(verify_crl_missing_for_the_leafs_issuer)
  if (!otls_backend_has(OTLS_CAP_CRL))
    otls_test_skip("no CRL support");
  expect_verify_failure_crl("server-rsa-chain.pem", "server-rsa.key", "ca.pem", "crl-root.pem",
                            "localhost", OTLS_E_UNABLE_TO_GET_CRL);
END_SCENARIO

SCENARIO(verify_good_certificate_with_crl)
  if (!otls_backend_has(OTLS_CAP_CRL))
    otls_test_skip("no CRL support");
  struct side_opts c = {.ca = "ca.pem", .crl = "crl-all.pem", .reject = -1};
  struct pair p;
  run_pair(&p, &c, &SERVER_RSA, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK(otls_conn_is_authorized(p.client));
  pair_free(&p);
END_SCENARIO

/* --- client certificates ------------------------------------------------------ */

SCENARIO(client_cert_required_and_given)
  struct side_opts s = SERVER_RSA;
  s.ca = "ca.pem";
  s.request_cert = true;
  struct side_opts c = {.cert = "client-chain.pem", .key = "client.key", .ca = "ca.pem",
                        .reject = -1};
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK(otls_conn_is_authorized(p.server));
  CHECK_INT(otls_conn_peer_cert_count(p.server), 2);
  pair_free(&p);
END_SCENARIO

SCENARIO(client_cert_required_but_missing)
  struct side_opts s = SERVER_RSA;
  s.ca = "ca.pem";
  s.request_cert = true;
  for (int v = 0; v < 2; v++) {
    struct side_opts c = CLIENT_TRUSTING;
    c.max_version = v ? "TLSv1.2" : "TLSv1.3";
    if (v == 1)
      transcript_open("client_cert_required_but_missing_tls12");
    struct pair p;
    run_pair(&p, &c, &s, "localhost");
    CHECK_ERR(p.serr, OTLS_E_PEER_CERT_REQUIRED);
    if (v == 0) {
      /*
       * TLS 1.3: the client has sent its Finished before the server decides,
       * so its handshake completes and the alert arrives on the first read
       * (Node: 'secureConnect', then an 'error').
       */
      CHECK_ERR(p.cerr, 0);
      char buf[8];
      int rv = otls_conn_read(p.client, buf, sizeof(buf));
      CHECK_ERR(rv, OTLS_E_PEER_ALERT);
      T("client.read", "%s", otls_err_name(rv));
    } else {
      CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
    }
    bool sent = true;
    int alert = otls_conn_alert(p.client, &sent);
    CHECK(!sent);
    T("client.alert_after", "%s", otls_alert_name(alert));
    pair_free(&p);
  }
END_SCENARIO

SCENARIO(client_cert_requested_optional_missing)
  struct side_opts s = SERVER_RSA;
  s.ca = "ca.pem";
  s.request_cert = true;
  s.reject = 0;
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK(!otls_conn_is_authorized(p.server));
  CHECK_STR(otls_conn_authorization_error(p.server), "UNABLE_TO_GET_ISSUER_CERT");
  pair_free(&p);
END_SCENARIO

SCENARIO(client_cert_untrusted_rejected)
  struct side_opts s = SERVER_RSA;
  s.ca = "untrusted-ca.pem";
  s.request_cert = true;
  struct side_opts c = {.cert = "client-chain.pem", .key = "client.key", .ca = "ca.pem",
                        .reject = -1};
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.serr, OTLS_E_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  pair_free(&p);
END_SCENARIO

/* --- data --------------------------------------------------------------------- */

/* Send `len` bytes from a to b through the pump and check them. */
static void transfer(otls_conn *a, otls_conn *b, size_t len) {
  uint8_t *src = malloc(len), *dst = malloc(len);
  CHECK(src && dst);
  for (size_t i = 0; i < len; i++)
    src[i] = (uint8_t)(i * 131 + len);
  size_t sent = 0, got = 0;
  while (got < len) {
    if (sent < len) {
      size_t chunk = len - sent > 100000 ? 100000 : len - sent;
      int n = otls_conn_write(a, src + sent, chunk);
      CHECK_INT(n, (int)chunk);
      sent += chunk;
    }
    int moved = pump_once(a, b);
    CHECK(moved >= 0);
    while (got < len) {
      int n = otls_conn_read(b, dst + got, len - got);
      if (n == OTLS_E_WANT_READ)
        break;
      if (n <= 0)
        otls_test_fail(__FILE__, __LINE__, "read: %s (%s)", otls_err_name(n), otls_conn_error(b));
      got += (size_t)n;
    }
  }
  CHECK(memcmp(src, dst, len) == 0);
  free(src);
  free(dst);
}

SCENARIO(data_both_ways_all_sizes)
  static const size_t sizes[] = {1, 2, 100, 16383, 16384, 16385, 65536, 1u << 20};
  for (int v = 0; v < 2; v++) {
    struct side_opts c = CLIENT_TRUSTING;
    c.max_version = v ? "TLSv1.2" : "TLSv1.3";
    struct pair p;
    run_pair(&p, &c, &SERVER_RSA, "localhost");
    CHECK_ERR(p.cerr, 0);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
      transfer(p.client, p.server, sizes[i]);
      transfer(p.server, p.client, sizes[i]);
    }
    T("data", "%s ok", c.max_version);
    pair_free(&p);
  }
END_SCENARIO

SCENARIO(close_notify_ends_the_stream_cleanly)
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &SERVER_RSA, "localhost");
  CHECK_ERR(p.cerr, 0);
  transfer(p.client, p.server, 10);
  CHECK_ERR(otls_conn_shutdown(p.client), 0);
  CHECK_ERR(otls_conn_shutdown(p.client), 0); /* twice is harmless */
  CHECK_ERR(otls_conn_write(p.client, "x", 1), OTLS_E_WRITE_AFTER_END);
  CHECK(pump_once(p.client, p.server) > 0);
  char buf[16];
  CHECK_INT(otls_conn_read(p.server, buf, sizeof(buf)), 0);
  CHECK(otls_conn_is_peer_closed(p.server));
  /* The server can still write until it ends too. */
  CHECK_INT(otls_conn_write(p.server, "bye", 3), 3);
  CHECK_ERR(otls_conn_shutdown(p.server), 0);
  CHECK(pump_once(p.server, p.client) > 0);
  CHECK_INT(otls_conn_read(p.client, buf, sizeof(buf)), 3);
  CHECK_INT(otls_conn_read(p.client, buf, sizeof(buf)), 0);
  CHECK(otls_conn_wants(p.client) & OTLS_WANTS_CLOSED);
  CHECK(otls_conn_wants(p.server) & OTLS_WANTS_CLOSED);
  T("close", "clean");
  pair_free(&p);
END_SCENARIO

SCENARIO(eof_without_close_notify_is_truncation)
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &SERVER_RSA, "localhost");
  CHECK_ERR(p.cerr, 0);
  transfer(p.client, p.server, 10);
  CHECK_ERR(otls_conn_feed_eof(p.server), 0);
  char buf[16];
  int rv = otls_conn_read(p.server, buf, sizeof(buf));
  CHECK_ERR(rv, OTLS_E_TRUNCATED);
  T("server.read", "%s", otls_err_name(rv));
  CHECK(otls_conn_wants(p.server) & OTLS_WANTS_CLOSED);
  pair_free(&p);
END_SCENARIO

SCENARIO(eof_during_handshake_is_connreset)
  otls_context *cctx = make_ctx(NULL, NULL, "ca.pem");
  otls_conn *c = NULL;
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.servername = "localhost";
  CHECK_ERR(otls_conn_new(&c, cctx, &co), 0);
  CHECK_ERR(otls_conn_handshake(c), OTLS_E_WANT_READ);
  CHECK(otls_conn_pending_output(c) > 0);
  CHECK_ERR(otls_conn_feed_eof(c), 0);
  int rv = otls_conn_handshake(c);
  CHECK_ERR(rv, OTLS_E_CONNRESET);
  T("client.result", "%s", otls_err_name(rv));
  otls_conn_free(c);
  otls_context_free(cctx);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO

SCENARIO(garbage_instead_of_server_hello_fails)
  otls_context *cctx = make_ctx(NULL, NULL, "ca.pem");
  otls_conn *c = NULL;
  CHECK_ERR(otls_conn_new(&c, cctx, NULL), 0);
  CHECK_ERR(otls_conn_handshake(c), OTLS_E_WANT_READ);
  static const char junk[] = "HTTP/1.1 400 Bad Request\r\n\r\nnot TLS at all";
  CHECK_INT(otls_conn_feed(c, junk, sizeof(junk) - 1), (int)sizeof(junk) - 1);
  int rv = otls_conn_handshake(c);
  CHECK(rv < 0 && rv != OTLS_E_WANT_READ);
  T("client.garbage", "%s", rv == OTLS_E_PROTOCOL || rv == OTLS_E_HANDSHAKE ? "rejected" : otls_err_name(rv));
  CHECK(otls_conn_wants(c) & OTLS_WANTS_CLOSED);
  CHECK_ERR(otls_conn_write(c, "x", 1), OTLS_E_CLOSED);
  otls_conn_free(c);
  otls_context_free(cctx);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO

SCENARIO(input_is_bounded)
  otls_context *sctx = make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL);
  otls_conn *s = NULL;
  otls_conn_options so;
  otls_conn_options_init(&so);
  so.is_server = true;
  CHECK_ERR(otls_conn_new(&s, sctx, &so), 0);
  static uint8_t big[OTLS_CONN_INPUT_MAX + 100];
  CHECK_INT(otls_conn_feed(s, big, sizeof(big)), OTLS_CONN_INPUT_MAX);
  CHECK_INT(otls_conn_feed(s, big, 1), 0);
  T("server.feed", "bounded at %u", OTLS_CONN_INPUT_MAX);
  otls_conn_free(s);
  otls_context_free(sctx);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO

/* --- cipher suites ------------------------------------------------------------ */

SCENARIO(ciphers_option_selects_the_tls12_suite)
  if (!otls_backend_has(OTLS_CAP_EXACT_CIPHERS))
    otls_test_skip("the engine cannot enable exactly one TLS 1.2 suite");
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  /* One suite on the server; the default list on the client. */
  struct side_opts sv = SERVER_RSA;
  sv.ciphers = "ECDHE-RSA-AES256-GCM-SHA384";
  struct pair p;
  run_pair(&p, &c, &sv, "localhost");
  CHECK_ERR(p.cerr, 0);
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
  CHECK_STR(ci.name, "ECDHE-RSA-AES256-GCM-SHA384");
  pair_free(&p);
END_SCENARIO

SCENARIO(ciphers_option_with_no_common_suite_fails)
  if (!otls_backend_has(OTLS_CAP_EXACT_CIPHERS))
    otls_test_skip("the engine cannot enable exactly one TLS 1.2 suite");
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  struct side_opts sv = SERVER_RSA;
  sv.ciphers = "ECDHE-RSA-AES128-SHA"; /* not in the client's default list */
  struct pair p;
  run_pair(&p, &c, &sv, "localhost");
  CHECK_ERR(p.serr, OTLS_E_NO_SHARED_CIPHER);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  pair_free(&p);
END_SCENARIO

static otls_context *server_ctx_with(const char *ciphers, bool honor) {
  struct side_opts sv = SERVER_RSA;
  sv.ciphers = ciphers;
  sv.honor_cipher_order = honor;
  return ctx_from(&sv);
}

static otls_context *client_ctx_with(const char *ciphers, const char *max) {
  struct side_opts c = CLIENT_TRUSTING;
  c.ciphers = ciphers;
  c.max_version = max;
  return ctx_from(&c);
}

static const char *negotiate(otls_context *cctx, otls_context *sctx) {
  static char name[64];
  otls_conn *c = NULL, *s = NULL;
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  so.is_server = true;
  CHECK_ERR(otls_conn_new(&c, cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&s, sctx, &so), 0);
  int ce, se;
  pump_handshake(c, s, &ce, &se);
  CHECK_ERR(ce, 0);
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(c, &ci), 0);
  snprintf(name, sizeof(name), "%s", ci.name);
  otls_conn_free(c);
  otls_conn_free(s);
  return name;
}

SCENARIO(server_follows_client_order_unless_honor_cipher_order)
  if (!otls_backend_has(OTLS_CAP_CLIENT_CIPHER_ORDER) || !otls_backend_has(OTLS_CAP_EXACT_CIPHERS))
    otls_test_skip("the engine cannot follow the configured/client suite order");
  otls_context *cctx = client_ctx_with("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256",
                                       "TLSv1.2");
  otls_context *s1 = server_ctx_with("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384", false);
  otls_context *s2 = server_ctx_with("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384", true);
  const char *a = negotiate(cctx, s1);
  T("client_order", "%s", a);
  CHECK_STR(a, "ECDHE-RSA-AES256-GCM-SHA384");
  const char *b = negotiate(cctx, s2);
  T("server_order", "%s", b);
  CHECK_STR(b, "ECDHE-RSA-AES128-GCM-SHA256");
  otls_context_free(cctx);
  otls_context_free(s1);
  otls_context_free(s2);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO

SCENARIO(tls13_suite_chosen_by_ciphers_option)
  if (!otls_backend_has(OTLS_CAP_TLS13_CIPHERS)) {
    otls_context_options o;
    otls_context_options_init(&o);
    o.ciphers = "TLS_CHACHA20_POLY1305_SHA256";
    otls_context *ctx = NULL;
    CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_UNSUPPORTED);
    otls_test_skip("TLS 1.3 suites cannot be chosen (checked: OTLS_E_UNSUPPORTED)");
  }
  otls_context *cctx = client_ctx_with("TLS_CHACHA20_POLY1305_SHA256", NULL);
  otls_context *sctx = server_ctx_with(NULL, false);
  const char *a = negotiate(cctx, sctx);
  T("tls13", "%s", a);
  CHECK_STR(a, "TLS_CHACHA20_POLY1305_SHA256");
  otls_context_free(cctx);
  otls_context_free(sctx);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO

SCENARIO(cipher_string_selecting_nothing_is_rejected)
  otls_context_options o;
  otls_context_options_init(&o);
  o.ciphers = "NOTACIPHER";
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  CHECK_ERR(rv, OTLS_E_NO_CIPHER_MATCH);
  T("context", "%s", otls_err_name(rv));
  o.ciphers = "HIGH:!aNULL:!MD5";
  CHECK_ERR(otls_context_new(&ctx, &o, detail, sizeof(detail)), 0);
  otls_context_free(ctx);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO

/* --- ecdhCurve and secureProtocol ------------------------------------------ */

struct kx_opts {
  const char *ecdh_curve, *secure_protocol, *max_version, *ciphers;
};

static struct side_opts kx_side(bool server, const struct kx_opts *k) {
  struct side_opts o = server ? SERVER_RSA : CLIENT_TRUSTING;
  o.ecdh_curve = k->ecdh_curve;
  o.secure_protocol = k->secure_protocol;
  o.max_version = k->max_version;
  o.ciphers = k->ciphers;
  return o;
}

/* Handshake with these options; records both sides and the group each saw. */
static void kx_pair(struct pair *p, const struct kx_opts *client, const struct kx_opts *server) {
  struct side_opts c = kx_side(false, client), sv = kx_side(true, server);
  run_pair(p, &c, &sv, "localhost");
  T("client.ecdhGroup", "%s", str_or_false(otls_conn_ecdh_group(p->client)));
  T("server.ecdhGroup", "%s", str_or_false(otls_conn_ecdh_group(p->server)));
}

SCENARIO(ecdh_default_group_is_x25519)
  struct pair p;
  struct kx_opts k = {0};
  kx_pair(&p, &k, &k);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_ecdh_group(p.client), "X25519");
  CHECK_STR(otls_conn_ecdh_group(p.server), "X25519");
  pair_free(&p);
END_SCENARIO

SCENARIO(ecdh_curve_p384_on_both_sides_is_used_tls13)
  struct pair p;
  struct kx_opts k = {.ecdh_curve = "P-384"};
  kx_pair(&p, &k, &k);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  CHECK_STR(otls_conn_ecdh_group(p.client), "secp384r1");
  CHECK_STR(otls_conn_ecdh_group(p.server), "secp384r1");
  pair_free(&p);
END_SCENARIO

SCENARIO(ecdh_curve_p384_on_both_sides_is_used_tls12)
  struct pair p;
  struct kx_opts c = {.ecdh_curve = "secp384r1", .max_version = "TLSv1.2"};
  struct kx_opts s = {.ecdh_curve = "P-384"};
  kx_pair(&p, &c, &s);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.2");
  CHECK_STR(otls_conn_ecdh_group(p.client), "secp384r1");
  CHECK_STR(otls_conn_ecdh_group(p.server), "secp384r1");
  pair_free(&p);
END_SCENARIO

/* The client's first key share (P-256) is not acceptable: HelloRetryRequest. */
SCENARIO(ecdh_server_restricted_to_a_later_client_group)
  struct pair p;
  struct kx_opts c = {.ecdh_curve = "P-256:P-384"};
  struct kx_opts s = {.ecdh_curve = "P-384"};
  kx_pair(&p, &c, &s);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_ecdh_group(p.client), "secp384r1");
  CHECK_STR(otls_conn_ecdh_group(p.server), "secp384r1");
  pair_free(&p);
END_SCENARIO

/* OpenSSL's answer: the server sends handshake_failure (RFC 8446 §4.1.1). */
SCENARIO(ecdh_no_common_group_fails_on_both_sides_tls13)
  if (!otls_backend_has(OTLS_CAP_ECDH_CURVE_REFUSAL))
    otls_test_skip("the server does not refuse a client with no group in common");
  struct pair p;
  struct kx_opts c = {.ecdh_curve = "P-256"};
  struct kx_opts s = {.ecdh_curve = "P-384"};
  kx_pair(&p, &c, &s);
  CHECK_ERR(p.serr, OTLS_E_HANDSHAKE);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  bool sent = false;
  CHECK_INT(otls_conn_alert(p.server, &sent), 40);
  CHECK(sent);
  CHECK_INT(otls_conn_alert(p.client, &sent), 40);
  CHECK(!sent);
  pair_free(&p);
END_SCENARIO

/* TLS 1.2: no usable ECDHE suite is left, so OpenSSL's "no shared cipher". */
SCENARIO(ecdh_no_common_group_fails_on_both_sides_tls12)
  if (!otls_backend_has(OTLS_CAP_ECDH_CURVE_REFUSAL))
    otls_test_skip("the server does not refuse a client with no group in common");
  struct pair p;
  struct kx_opts c = {.ecdh_curve = "P-256", .max_version = "TLSv1.2"};
  struct kx_opts s = {.ecdh_curve = "P-384"};
  kx_pair(&p, &c, &s);
  CHECK_ERR(p.serr, OTLS_E_NO_SHARED_CIPHER);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  bool sent = false;
  CHECK_INT(otls_conn_alert(p.server, &sent), 40);
  CHECK(sent);
  CHECK_INT(otls_conn_alert(p.client, &sent), 40);
  CHECK(!sent);
  pair_free(&p);
END_SCENARIO

SCENARIO(ecdh_group_is_null_without_ecdhe)
  uint16_t ids[4];
  size_t n = 0;
  if (otls_ciphers_eval("AES128-GCM-SHA256", ids, 4, &n) < 0 || n == 0)
    otls_test_skip("no RSA key-exchange suite in this backend");
  struct pair p;
  struct kx_opts c = {.max_version = "TLSv1.2", .ciphers = "AES128-GCM-SHA256"};
  struct kx_opts s = {.ciphers = "AES128-GCM-SHA256"};
  kx_pair(&p, &c, &s);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
  CHECK_STR(ci.name, "AES128-GCM-SHA256");
  CHECK_STR(otls_conn_ecdh_group(p.client), NULL);
  CHECK_STR(otls_conn_ecdh_group(p.server), NULL);
  pair_free(&p);
END_SCENARIO

SCENARIO(ecdh_curve_x448_is_used_where_available)
  struct pair p;
  struct kx_opts k = {.ecdh_curve = "X448"};
  kx_pair(&p, &k, &k); /* skips with OTLS_E_UNSUPPORTED without OTLS_CAP_ECDH_X448 */
  CHECK_ERR(p.cerr, 0);
  CHECK_STR(otls_conn_ecdh_group(p.client), "X448");
  CHECK_STR(otls_conn_ecdh_group(p.server), "X448");
  pair_free(&p);
END_SCENARIO

SCENARIO(secure_protocol_tls12_method_negotiates_tls12)
  struct pair p;
  struct kx_opts c = {0};
  struct kx_opts s = {.secure_protocol = "TLSv1_2_server_method"};
  kx_pair(&p, &c, &s);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.2");
  CHECK_STR(otls_conn_protocol(p.server), "TLSv1.2");
  pair_free(&p);
END_SCENARIO

SCENARIO(secure_protocol_tls_method_negotiates_tls13)
  struct pair p;
  struct kx_opts k = {.secure_protocol = "TLS_method"};
  kx_pair(&p, &k, &k);
  CHECK_ERR(p.cerr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  pair_free(&p);
END_SCENARIO

/* --- dhparam ------------------------------------------------------------------ */

SCENARIO(dhparam_2048_is_used_by_a_dhe_suite)
  if (!otls_backend_has(OTLS_CAP_DHPARAM))
    otls_test_skip("no DHE in this backend (dhparam answers OTLS_E_UNSUPPORTED)");
  struct side_opts sv = SERVER_RSA;
  sv.dhparam = "dh2048.pem";
  sv.ciphers = "DHE-RSA-AES128-GCM-SHA256";
  sv.max_version = "TLSv1.2";
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  c.ciphers = "DHE-RSA-AES128-GCM-SHA256";
  struct pair p;
  run_pair(&p, &c, &sv, "localhost");
  T("client.ecdhGroup", "%s", str_or_false(otls_conn_ecdh_group(p.client)));
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
  CHECK_STR(ci.name, "DHE-RSA-AES128-GCM-SHA256");
  CHECK_STR(otls_conn_ecdh_group(p.client), NULL);
  pair_free(&p);
END_SCENARIO

/* --- ALPN, SNI and sessions (issue 5) ------------------------------------------ */

/* The protocol as Node shows `alpnProtocol`: the name or false. */
static void observe_alpn(const char *side, otls_conn *c) {
  size_t len = 0;
  const uint8_t *p = otls_conn_alpn_protocol(c, &len);
  char key[64];
  snprintf(key, sizeof(key), "%s.alpnProtocol", side);
  if (p)
    T(key, "%.*s", (int)len, (const char *)p);
  else
    T(key, "false");
}

static void check_alpn(otls_conn *c, const char *want) {
  size_t len = 0;
  const uint8_t *p = otls_conn_alpn_protocol(c, &len);
  if (want == NULL) {
    CHECK(p == NULL);
    return;
  }
  CHECK(p != NULL);
  CHECK_INT(len, strlen(want));
  CHECK(memcmp(p, want, len) == 0);
}

/* Encode a comma list into a static wire buffer (one per side). */
static const uint8_t *wire(int slot, const char *list, size_t *len) {
  static uint8_t buf[2][256];
  int n = otls_alpn_encode(list, buf[slot], sizeof(buf[slot]));
  if (n < 0)
    otls_test_fail(__FILE__, __LINE__, "otls_alpn_encode(%s): %s", list, otls_err_name(n));
  *len = (size_t)n;
  return buf[slot];
}

/* Like run_pair, with connection options for both sides. */
static void run_pair_opts(struct pair *p, const struct side_opts *client,
                          const struct side_opts *server, otls_conn_options *co,
                          otls_conn_options *so) {
  memset(p, 0, sizeof(*p));
  p->cctx = ctx_from(client);
  p->sctx = ctx_from(server);
  so->is_server = true;
  CHECK_ERR(otls_conn_new(&p->client, p->cctx, co), 0);
  CHECK_ERR(otls_conn_new(&p->server, p->sctx, so), 0);
  pump_handshake(p->client, p->server, &p->cerr, &p->serr);
  observe("client", p->client, p->cerr);
  observe("server", p->server, p->serr);
  observe_alpn("client", p->client);
  observe_alpn("server", p->server);
}

static void alpn_pair(struct pair *p, const char *client_list, const char *server_list,
                      bool allow_no_overlap) {
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  if (client_list)
    co.alpn_protocols = wire(0, client_list, &co.alpn_protocols_len);
  if (server_list)
    so.alpn_protocols = wire(1, server_list, &so.alpn_protocols_len);
  so.alpn_allow_no_overlap = allow_no_overlap;
  run_pair_opts(p, &CLIENT_TRUSTING, &SERVER_RSA, &co, &so);
}

SCENARIO(alpn_server_preference_wins)
  struct pair p;
  alpn_pair(&p, "http/1.1,h2", "h2,http/1.1", false);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  check_alpn(p.client, "h2");
  check_alpn(p.server, "h2");
  pair_free(&p);
END_SCENARIO

SCENARIO(alpn_single_common_protocol)
  struct pair p;
  alpn_pair(&p, "spdy/3,http/1.1", "h2,http/1.1", false);
  CHECK_ERR(p.cerr, 0);
  check_alpn(p.client, "http/1.1");
  check_alpn(p.server, "http/1.1");
  pair_free(&p);
END_SCENARIO

SCENARIO(alpn_no_overlap_is_fatal_no_application_protocol)
  struct pair p;
  alpn_pair(&p, "h3", "h2,http/1.1", false);
  CHECK_ERR(p.serr, OTLS_E_NO_APPLICATION_PROTOCOL);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  bool sent = true;
  CHECK_INT(otls_conn_alert(p.client, &sent), 120);
  CHECK(!sent);
  CHECK_INT(otls_conn_alert(p.server, &sent), 120);
  CHECK(sent);
  pair_free(&p);
END_SCENARIO

SCENARIO(alpn_no_overlap_allowed_goes_on_without_protocol)
  struct pair p;
  alpn_pair(&p, "h3", "h2,http/1.1", true);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  check_alpn(p.client, NULL);
  check_alpn(p.server, NULL);
  pair_free(&p);
END_SCENARIO

SCENARIO(alpn_offered_but_server_has_none)
  struct pair p;
  alpn_pair(&p, "h2", NULL, false);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  check_alpn(p.client, NULL);
  check_alpn(p.server, NULL);
  pair_free(&p);
END_SCENARIO

SCENARIO(alpn_server_list_but_client_offers_none)
  struct pair p;
  alpn_pair(&p, NULL, "h2", false);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  check_alpn(p.client, NULL);
  check_alpn(p.server, NULL);
  pair_free(&p);
END_SCENARIO

SCENARIO(alpn_tls12_server_preference_wins)
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  co.alpn_protocols = wire(0, "http/1.1,h2", &co.alpn_protocols_len);
  so.alpn_protocols = wire(1, "h2,http/1.1", &so.alpn_protocols_len);
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  struct pair p;
  run_pair_opts(&p, &c, &SERVER_RSA, &co, &so);
  CHECK_ERR(p.cerr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.2");
  check_alpn(p.client, "h2");
  check_alpn(p.server, "h2");
  pair_free(&p);
END_SCENARIO

static int pick_last(otls_conn *c, const char *servername, const uint8_t *offer, size_t len,
                     void *user) {
  (void)c;
  (void)user;
  CHECK_STR(servername, "localhost");
  int n = 0;
  for (size_t off = 0; off < len; off += 1u + offer[off])
    n++;
  return n - 1;
}

static int refuse(otls_conn *c, const char *servername, const uint8_t *offer, size_t len,
                  void *user) {
  (void)c, (void)servername, (void)offer, (void)len, (void)user;
  return -1;
}

SCENARIO(alpn_callback_chooses_and_refuses)
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  co.alpn_protocols = wire(0, "a,b,c", &co.alpn_protocols_len);
  so.alpn_callback = pick_last;
  struct pair p;
  run_pair_opts(&p, &CLIENT_TRUSTING, &SERVER_RSA, &co, &so);
  CHECK_ERR(p.cerr, 0);
  check_alpn(p.client, "c");
  check_alpn(p.server, "c");
  pair_free(&p);
  transcript_open("alpn_callback_chooses_and_refuses.refuse");
  so.alpn_callback = refuse;
  run_pair_opts(&p, &CLIENT_TRUSTING, &SERVER_RSA, &co, &so);
  CHECK_ERR(p.serr, OTLS_E_NO_APPLICATION_PROTOCOL);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  CHECK_INT(otls_conn_alert(p.client, NULL), 120);
  pair_free(&p);
END_SCENARIO

SCENARIO(alpn_bad_lists_are_rejected)
  uint8_t buf[300];
  CHECK_ERR(otls_alpn_encode("h2,,x", buf, sizeof(buf)), OTLS_E_INVAL);
  CHECK_ERR(otls_alpn_encode("", buf, sizeof(buf)), OTLS_E_INVAL);
  char longname[300];
  memset(longname, 'a', 256);
  longname[256] = 0;
  CHECK_ERR(otls_alpn_encode(longname, buf, sizeof(buf)), OTLS_E_INVAL);
  CHECK_ERR(otls_alpn_encode("h2,http/1.1", buf, 4), OTLS_E_BUFFER_FULL);
  otls_context *ctx = ctx_from(&CLIENT_TRUSTING);
  otls_conn_options co;
  otls_conn_options_init(&co);
  const uint8_t bad[] = {3, 'h', '2'}; /* the length runs past the end */
  co.alpn_protocols = bad;
  co.alpn_protocols_len = sizeof(bad);
  otls_conn *c = NULL;
  CHECK_ERR(otls_conn_new(&c, ctx, &co), OTLS_E_INVAL);
  const uint8_t empty[] = {0};
  co.alpn_protocols = empty;
  co.alpn_protocols_len = sizeof(empty);
  CHECK_ERR(otls_conn_new(&c, ctx, &co), OTLS_E_INVAL);
  T("bad_lists", "rejected");
  otls_context_free(ctx);
  pair_free(&(struct pair){0});
END_SCENARIO

/* --- SNI --------------------------------------------------------------------------- */

static const struct side_opts SERVER_EC = {.cert = "server-ec-chain.pem",
                                           .key = "server-ec.key",
                                           .reject = -1};
static const struct side_opts SERVER_WRONGHOST = {.cert = "wronghost-chain.pem",
                                                  .key = "wronghost.key",
                                                  .reject = -1};

/* Which of the fixture leaves the client got: by its key type and SAN. */
static void observe_leaf(struct pair *p) {
  otls_cert *cert = NULL;
  if (p->cerr != 0 || otls_cert_peer(p->client, false, &cert) < 0) {
    T("client.leaf", "none");
    return;
  }
  T("client.leaf", "%s bits=%d %s", otls_cert_asn1_curve(cert) ? "EC" : "RSA",
    otls_cert_bits(cert), str_or_false(otls_cert_subjectaltname(cert)));
  otls_cert_free(cert);
}

static bool leaf_is_ec(struct pair *p) {
  otls_cert *cert = NULL;
  if (otls_cert_peer(p->client, false, &cert) < 0)
    return false;
  bool ec = otls_cert_asn1_curve(cert) != NULL;
  otls_cert_free(cert);
  return ec;
}

static bool leaf_names(struct pair *p, const char *san) {
  otls_cert *cert = NULL;
  if (otls_cert_peer(p->client, false, &cert) < 0)
    return false;
  const char *s = otls_cert_subjectaltname(cert);
  bool ok = s && strcmp(s, san) == 0;
  otls_cert_free(cert);
  return ok;
}

/* A server with the RSA leaf by default and `map` for names; client asks `name`. */
static void sni_pair(struct pair *p, otls_sni_map *map, const char *name) {
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = name;
  co.reject_unauthorized = 0; /* the names are not all in the fixture leaves */
  so.sni_map = map;
  run_pair_opts(p, &CLIENT_TRUSTING, &SERVER_RSA, &co, &so);
  observe_leaf(p);
}

static otls_sni_map *test_map(otls_context **ec, otls_context **wrong) {
  otls_sni_map *map = NULL;
  CHECK_ERR(otls_sni_map_new(&map), 0);
  *ec = ctx_from(&SERVER_EC);
  *wrong = ctx_from(&SERVER_WRONGHOST);
  CHECK_ERR(otls_sni_map_add(map, "ec.example.test", *ec), 0);
  CHECK_ERR(otls_sni_map_add(map, "*.wild.example.test", *wrong), 0);
  return map;
}

SCENARIO(sni_exact_name_selects_the_context)
  otls_context *ec, *wrong;
  otls_sni_map *map = test_map(&ec, &wrong);
  struct pair p;
  sni_pair(&p, map, "ec.example.test");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_servername(p.server), "ec.example.test");
  CHECK(leaf_is_ec(&p));
  pair_free(&p);
  /* Names compare without regard to case. */
  transcript_open("sni_exact_name_selects_the_context.case");
  sni_pair(&p, map, "EC.Example.TEST");
  CHECK_ERR(p.cerr, 0);
  CHECK(leaf_is_ec(&p));
  pair_free(&p);
  otls_sni_map_free(map);
  otls_context_free(ec);
  otls_context_free(wrong);
END_SCENARIO

SCENARIO(sni_wildcard_matches_one_label)
  otls_context *ec, *wrong;
  otls_sni_map *map = test_map(&ec, &wrong);
  struct pair p;
  sni_pair(&p, map, "a.wild.example.test");
  CHECK_ERR(p.cerr, 0);
  CHECK(leaf_names(&p, "DNS:wrong.example.test"));
  pair_free(&p);
  transcript_open("sni_wildcard_matches_one_label.two_labels");
  sni_pair(&p, map, "a.b.wild.example.test");
  CHECK_ERR(p.cerr, 0);
  CHECK(!leaf_is_ec(&p));
  CHECK(!leaf_names(&p, "DNS:wrong.example.test"));
  pair_free(&p);
  otls_sni_map_free(map);
  otls_context_free(ec);
  otls_context_free(wrong);
END_SCENARIO

SCENARIO(sni_unknown_name_keeps_the_default_context)
  otls_context *ec, *wrong;
  otls_sni_map *map = test_map(&ec, &wrong);
  struct pair p;
  sni_pair(&p, map, "other.example.test");
  CHECK_ERR(p.cerr, 0);
  CHECK_STR(otls_conn_servername(p.server), "other.example.test");
  CHECK(!leaf_is_ec(&p));
  CHECK(!leaf_names(&p, "DNS:wrong.example.test"));
  pair_free(&p);
  otls_sni_map_free(map);
  otls_context_free(ec);
  otls_context_free(wrong);
END_SCENARIO

struct sni_async {
  int calls;
  char name[64];
  otls_context *answer;
  int err;
  bool sync;
};

static void sni_cb(otls_conn *c, const char *servername, void *user) {
  struct sni_async *a = user;
  a->calls++;
  snprintf(a->name, sizeof(a->name), "%s", servername);
  if (a->sync)
    CHECK_ERR(otls_conn_sni_done(c, a->answer, a->err), 0);
}

/* Handshake with a server whose SNI callback answers only when asked to. */
static void sni_async_pair(struct pair *p, struct sni_async *a) {
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "ec.example.test";
  co.reject_unauthorized = 0;
  so.sni_callback = sni_cb;
  so.user = a;
  so.is_server = true;
  memset(p, 0, sizeof(*p));
  p->cctx = ctx_from(&CLIENT_TRUSTING);
  p->sctx = ctx_from(&SERVER_RSA);
  CHECK_ERR(otls_conn_new(&p->client, p->cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&p->server, p->sctx, &so), 0);
  CHECK_ERR(otls_conn_handshake(p->client), OTLS_E_WANT_READ);
  CHECK(pump_once(p->client, p->server) > 0);
  int s = otls_conn_handshake(p->server);
  if (!a->sync) {
    /* The handshake pauses: nothing is sent, nothing more is read. */
    CHECK_ERR(s, OTLS_E_WANT_CALLBACK);
    CHECK_INT(a->calls, 1);
    CHECK(otls_conn_wants(p->server) & OTLS_WANTS_CALLBACK);
    CHECK_INT(otls_conn_pending_output(p->server), 0);
    CHECK_ERR(otls_conn_handshake(p->server), OTLS_E_WANT_CALLBACK);
    CHECK_INT(a->calls, 1);
    CHECK_ERR(otls_conn_sni_done(p->server, a->answer, a->err), 0);
    CHECK_ERR(otls_conn_sni_done(p->server, a->answer, a->err), OTLS_E_STATE);
  }
  pump_handshake(p->client, p->server, &p->cerr, &p->serr);
  CHECK_INT(a->calls, 1);
  CHECK_STR(a->name, "ec.example.test");
  observe("client", p->client, p->cerr);
  observe("server", p->server, p->serr);
  observe_leaf(p);
}

SCENARIO(sni_callback_answers_later)
  struct sni_async a = {0};
  a.answer = ctx_from(&SERVER_EC);
  struct pair p;
  sni_async_pair(&p, &a);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK(leaf_is_ec(&p));
  pair_free(&p);
  transcript_open("sni_callback_answers_later.sync");
  a = (struct sni_async){.answer = a.answer, .sync = true};
  sni_async_pair(&p, &a);
  CHECK_ERR(p.cerr, 0);
  CHECK(leaf_is_ec(&p));
  pair_free(&p);
  otls_context_free(a.answer);
END_SCENARIO

SCENARIO(sni_callback_error_fails_the_handshake)
  struct sni_async a = {.err = OTLS_E_INVAL};
  struct pair p;
  sni_async_pair(&p, &a);
  CHECK_ERR(p.serr, OTLS_E_INVAL);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  CHECK_INT(otls_conn_alert(p.client, NULL), 80);
  pair_free(&p);
END_SCENARIO

SCENARIO(sni_map_patterns)
  /* Node's addContext() language, plus case-insensitivity. */
  static const struct {
    const char *pattern, *name;
    bool match;
  } cases[] = {
      {"a.example", "a.example", true},     {"a.example", "A.EXAMPLE", true},
      {"a.example", "b.example", false},    {"*.example", "x.example", true},
      {"*.example", "example", false},      {"*.example", ".example", true},
      {"*.example", "x.y.example", false},  {"w*.example", "www.example", true},
      {"w*.example", "x.example", false},   {"*", "localhost", true},
      {"*", "a.b", false},                  {"*.*", "a.b", true},
      {"a.example", "a.example.", false},   {"**.example", "ab.example", true},
  };
  otls_context *ctx = ctx_from(&SERVER_RSA);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    otls_sni_map *map = NULL;
    CHECK_ERR(otls_sni_map_new(&map), 0);
    CHECK_ERR(otls_sni_map_add(map, cases[i].pattern, ctx), 0);
    bool got = otls_sni_map_find(map, cases[i].name) == ctx;
    if (got != cases[i].match)
      otls_test_fail(__FILE__, __LINE__, "pattern %s, name %s: got %d", cases[i].pattern,
                     cases[i].name, got);
    otls_sni_map_free(map);
  }
  /* Later additions win. */
  otls_context *ec = ctx_from(&SERVER_EC);
  otls_sni_map *map = NULL;
  CHECK_ERR(otls_sni_map_new(&map), 0);
  CHECK_ERR(otls_sni_map_add(map, "*.example", ctx), 0);
  CHECK_ERR(otls_sni_map_add(map, "a.example", ec), 0);
  CHECK(otls_sni_map_find(map, "a.example") == ec);
  CHECK(otls_sni_map_find(map, "b.example") == ctx);
  otls_context *client_only = ctx_from(&CLIENT_TRUSTING);
  CHECK_ERR(otls_sni_map_add(map, "c.example", client_only), OTLS_E_INVAL);
  CHECK_ERR(otls_sni_map_add(map, "", ctx), OTLS_E_INVAL);
  otls_sni_map_free(map);
  otls_context_free(client_only);
  otls_context_free(ec);
  otls_context_free(ctx);
  T("patterns", "ok");
  pair_free(&(struct pair){0});
END_SCENARIO

/* --- sessions ------------------------------------------------------------------------- */

struct sessions {
  int events;
  uint8_t *last;
  size_t last_len;
};

static void on_session(otls_conn *c, const uint8_t *blob, size_t len, void *user) {
  (void)c;
  struct sessions *s = user;
  s->events++;
  free(s->last);
  s->last = malloc(len);
  memcpy(s->last, blob, len);
  s->last_len = len;
}

/* Let the client read what the server sent after its handshake (TLS 1.3 tickets). */
static void settle(struct pair *p) {
  uint8_t buf[256];
  for (int i = 0; i < 8; i++) {
    if (pump_once(p->server, p->client) <= 0 && i > 0)
      break;
    int rv = otls_conn_read(p->client, buf, sizeof(buf));
    CHECK(rv == OTLS_E_WANT_READ);
    rv = otls_conn_read(p->server, buf, sizeof(buf));
    CHECK(rv == OTLS_E_WANT_READ);
  }
}

/* One connection on `sctx` offering `session` (may be NULL). */
static void session_conn(struct pair *p, otls_context *cctx, otls_context *sctx,
                         const uint8_t *session, size_t session_len, struct sessions *ev) {
  memset(p, 0, sizeof(*p));
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  co.session = session;
  co.session_len = session_len;
  co.on_session = on_session;
  co.user = ev;
  so.is_server = true;
  CHECK_ERR(otls_conn_new(&p->client, cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&p->server, sctx, &so), 0);
  pump_handshake(p->client, p->server, &p->cerr, &p->serr);
  CHECK_ERR(p->cerr, 0);
  CHECK_ERR(p->serr, 0);
  settle(p);
  observe("client", p->client, p->cerr);
  T("client.isSessionReused", "%s", otls_conn_is_session_reused(p->client) ? "true" : "false");
  T("server.isSessionReused", "%s", otls_conn_is_session_reused(p->server) ? "true" : "false");
  T("client.sessionEvents", "%d", ev->events);
  T("client.sessionError", "%s", otls_err_name(otls_conn_session_error(p->client)));
}

static void conns_free(struct pair *p) {
  otls_conn_free(p->client);
  otls_conn_free(p->server);
  p->client = p->server = NULL;
}

static void session_resumes(const char *version) {
  struct side_opts c = CLIENT_TRUSTING, s = SERVER_RSA;
  c.max_version = version;
  c.min_version = version;
  otls_context *cctx = ctx_from(&c), *sctx = ctx_from(&s);
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, NULL, 0, &ev);
  CHECK_STR(otls_conn_protocol(p.client), version);
  CHECK(!otls_conn_is_session_reused(p.client));
  CHECK_INT(ev.events, 1); /* one ticket per full handshake, on every backend */
  CHECK_INT(otls_conn_tickets(p.client), 1);
  uint8_t *blob = NULL;
  size_t blob_len = 0;
  CHECK_ERR(otls_conn_session(p.client, &blob, &blob_len), 0);
  CHECK_INT(blob_len, ev.last_len);
  CHECK(memcmp(blob, ev.last, blob_len) == 0);
  CHECK(memcmp(blob, "OTLS", 4) == 0);
  uint8_t *server_blob = NULL;
  size_t server_len = 0;
  CHECK_ERR(otls_conn_session(p.server, &server_blob, &server_len), OTLS_E_STATE);
  conns_free(&p);

  struct sessions ev2 = {0};
  session_conn(&p, cctx, sctx, blob, blob_len, &ev2);
  CHECK(otls_conn_is_session_reused(p.client));
  CHECK(otls_conn_is_session_reused(p.server));
  CHECK_ERR(otls_conn_session_error(p.client), 0);
  /* A resumed connection still authenticates the server as the first did. */
  CHECK(otls_conn_is_authorized(p.client));
  CHECK(otls_conn_peer_cert_count(p.client) > 0);
  conns_free(&p);
  free(blob);
  free(ev.last);
  free(ev2.last);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&p);
}

SCENARIO(session_resumes_tls13)
  session_resumes("TLSv1.3");
END_SCENARIO

SCENARIO(session_resumes_tls12)
  session_resumes("TLSv1.2");
END_SCENARIO

SCENARIO(session_never_resumes_on_another_context)
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING);
  otls_context *a = ctx_from(&SERVER_RSA), *b = ctx_from(&SERVER_EC);
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, a, NULL, 0, &ev);
  CHECK(ev.last != NULL);
  conns_free(&p);
  struct sessions ev2 = {0};
  session_conn(&p, cctx, b, ev.last, ev.last_len, &ev2);
  CHECK(!otls_conn_is_session_reused(p.client));
  CHECK(!otls_conn_is_session_reused(p.server));
  /* The client shows (and checked) B's certificate, not the session's. */
  CHECK(leaf_is_ec(&p));
  CHECK_INT(otls_conn_peer_cert_count(p.client), 2);
  conns_free(&p);
  free(ev.last);
  free(ev2.last);
  otls_context_free(cctx);
  otls_context_free(a);
  otls_context_free(b);
  pair_free(&p);
END_SCENARIO

SCENARIO(session_corrupt_or_foreign_blob_is_refused_cleanly)
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING), *sctx = ctx_from(&SERVER_RSA);
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, NULL, 0, &ev);
  CHECK(ev.last != NULL);
  conns_free(&p);
  /* Truncated, bit-flipped header, another backend's name, garbage inside. */
  size_t n = ev.last_len;
  uint8_t *bad = malloc(n + 16);
  const char *what[] = {"truncated", "magic", "backend", "payload", "trailing"};
  for (int k = 0; k < 5; k++) {
    memcpy(bad, ev.last, n);
    size_t len = n;
    switch (k) {
    case 0: len = n / 2; break;
    case 1: bad[0] ^= 0xff; break;
    case 2: bad[6] ^= 0x20; break; /* the first letter of the backend name */
    case 3: memset(bad + n - 40, 0xa5, 40); break;
    case 4: memcpy(bad + n, "extra", 5); len = n + 5; break;
    }
    struct sessions ev2 = {0};
    session_conn(&p, cctx, sctx, bad, len, &ev2);
    T("case", "%s", what[k]);
    CHECK(!otls_conn_is_session_reused(p.client));
    CHECK_ERR(otls_conn_session_error(p.client), OTLS_E_BAD_SESSION);
    conns_free(&p);
    free(ev2.last);
  }
  free(bad);
  free(ev.last);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&p);
END_SCENARIO

/* --- introspection and control ---------------------------------------------------- */

/* A connected pair at `version` ("TLSv1.3" / "TLSv1.2"). */
static void version_pair(struct pair *p, const char *version) {
  struct side_opts c = CLIENT_TRUSTING;
  c.min_version = c.max_version = version;
  run_pair(p, &c, &SERVER_RSA, "localhost");
  CHECK_ERR(p->cerr, 0);
  CHECK_ERR(p->serr, 0);
}

static void exporter(const char *version) {
  struct pair p;
  version_pair(&p, version);
  uint8_t a[48], b[48], c2[48], d[48];
  CHECK_ERR(otls_conn_export_keying_material(p.client, a, sizeof(a), "EXPERIMENTAL-omnitls",
                                             NULL, 0), 0);
  CHECK_ERR(otls_conn_export_keying_material(p.server, b, sizeof(b), "EXPERIMENTAL-omnitls",
                                             NULL, 0), 0);
  CHECK(memcmp(a, b, sizeof(a)) == 0);
  const uint8_t ctxv[] = {1, 2, 3};
  CHECK_ERR(otls_conn_export_keying_material(p.client, c2, sizeof(c2), "EXPERIMENTAL-omnitls",
                                             ctxv, sizeof(ctxv)), 0);
  CHECK_ERR(otls_conn_export_keying_material(p.server, d, sizeof(d), "EXPERIMENTAL-omnitls",
                                             ctxv, sizeof(ctxv)), 0);
  CHECK(memcmp(c2, d, sizeof(c2)) == 0);
  CHECK(memcmp(a, c2, sizeof(a)) != 0);
  CHECK_ERR(otls_conn_export_keying_material(p.client, d, sizeof(d), "EXPERIMENTAL-other", NULL,
                                             0), 0);
  CHECK(memcmp(a, d, sizeof(a)) != 0);
  CHECK_ERR(otls_conn_export_keying_material(p.client, d, 0, "x", NULL, 0), OTLS_E_INVAL);
  T("exporter", "equal on both sides, differs by label and context");
  pair_free(&p);
}

SCENARIO(export_keying_material_tls13)
  exporter("TLSv1.3");
END_SCENARIO

SCENARIO(export_keying_material_tls12)
  exporter("TLSv1.2");
END_SCENARIO

SCENARIO(export_keying_material_needs_a_handshake)
  otls_context *ctx = ctx_from(&CLIENT_TRUSTING);
  otls_conn *c = NULL;
  CHECK_ERR(otls_conn_new(&c, ctx, NULL), 0);
  uint8_t buf[16];
  CHECK_ERR(otls_conn_export_keying_material(c, buf, sizeof(buf), "x", NULL, 0), OTLS_E_STATE);
  T("before_handshake", "%s",
    otls_err_name(otls_conn_export_keying_material(c, buf, sizeof(buf), "x", NULL, 0)));
  otls_conn_free(c);
  otls_context_free(ctx);
  pair_free(&(struct pair){0});
END_SCENARIO

static void finished(const char *version, int want_len) {
  if (!otls_backend_has(OTLS_CAP_FINISHED))
    otls_test_skip("the backend does not give the Finished messages");
  struct pair p;
  version_pair(&p, version);
  if (want_len == 0) {
    /* TLS 1.3: the length of the suite's hash. */
    otls_cipher_info ci;
    CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
    want_len = strstr(ci.name, "SHA384") ? 48 : 32;
  }
  uint8_t cf[64], sp[64], sf[64], cp[64];
  int n1 = otls_conn_finished(p.client, false, cf, sizeof(cf));
  int n2 = otls_conn_finished(p.server, true, sp, sizeof(sp));
  int n3 = otls_conn_finished(p.server, false, sf, sizeof(sf));
  int n4 = otls_conn_finished(p.client, true, cp, sizeof(cp));
  T("finished.lengths", "%d %d %d %d", n1, n2, n3, n4);
  CHECK_INT(n1, want_len);
  CHECK_INT(n2, want_len);
  CHECK_INT(n3, want_len);
  CHECK_INT(n4, want_len);
  CHECK(memcmp(cf, sp, (size_t)n1) == 0);
  CHECK(memcmp(sf, cp, (size_t)n3) == 0);
  CHECK(memcmp(cf, sf, (size_t)n1) != 0);
  pair_free(&p);
}

SCENARIO(finished_messages_tls12)
  finished("TLSv1.2", 12);
END_SCENARIO

SCENARIO(finished_messages_tls13)
  finished("TLSv1.3", 0);
END_SCENARIO

/* Count the TLS records in a buffer of ciphertext. */
static int count_records(const uint8_t *p, size_t n, size_t *largest) {
  int k = 0;
  *largest = 0;
  for (size_t off = 0; off + 5 <= n;) {
    size_t len = ((size_t)p[off + 3] << 8) | p[off + 4];
    if (len > *largest)
      *largest = len;
    off += 5 + len;
    k++;
  }
  return k;
}

static void max_fragment(const char *version) {
  struct pair p;
  version_pair(&p, version);
  static uint8_t data[4000];
  memset(data, 'x', sizeof(data));
  CHECK_ERR(otls_conn_set_max_send_fragment(p.client, 511), OTLS_E_INVAL);
  CHECK_ERR(otls_conn_set_max_send_fragment(p.client, 16385), OTLS_E_INVAL);
  CHECK_ERR(otls_conn_set_max_send_fragment(p.client, 512), 0);
  /* Drop whatever is pending (nothing after the handshake pump) first. */
  size_t pending = 0;
  otls_conn_output(p.client, &pending);
  otls_conn_consume(p.client, pending);
  CHECK_INT(otls_conn_write(p.client, data, sizeof(data)), (int)sizeof(data));
  size_t n = 0, largest = 0;
  const uint8_t *out = otls_conn_output(p.client, &n);
  int records = count_records(out, n, &largest);
  T("records", "%d", records);
  CHECK_INT(records, 8);
  /* The server gets all of it. */
  CHECK(pump_once(p.client, p.server) > 0);
  size_t got = 0;
  uint8_t buf[4096];
  for (int i = 0; i < 20 && got < sizeof(data); i++) {
    int rv = otls_conn_read(p.server, buf, sizeof(buf));
    if (rv <= 0)
      break;
    got += (size_t)rv;
  }
  CHECK_INT(got, sizeof(data));
  pair_free(&p);
}

SCENARIO(max_send_fragment_splits_records_tls13)
  max_fragment("TLSv1.3");
END_SCENARIO

SCENARIO(max_send_fragment_splits_records_tls12)
  max_fragment("TLSv1.2");
END_SCENARIO

/* Send `msg` from a to b and check it arrives. */
static void send_recv(otls_conn *a, otls_conn *b, const char *msg) {
  CHECK_INT(otls_conn_write(a, msg, strlen(msg)), (int)strlen(msg));
  char buf[256];
  int got = 0;
  for (int i = 0; i < 8 && got <= 0; i++) {
    pump_once(a, b);
    got = otls_conn_read(b, buf, sizeof(buf));
    pump_once(b, a);
    uint8_t tmp[64];
    (void)otls_conn_read(a, tmp, 0); /* nothing: only let `a` see replies */
  }
  CHECK_INT(got, (int)strlen(msg));
  CHECK(memcmp(buf, msg, strlen(msg)) == 0);
}

SCENARIO(key_update_keeps_data_flowing)
  struct pair p;
  version_pair(&p, "TLSv1.3");
  send_recv(p.client, p.server, "before");
  CHECK_ERR(otls_conn_key_update(p.client, true), 0);
  CHECK(otls_conn_pending_output(p.client) > 0);
  send_recv(p.client, p.server, "after client update");
  send_recv(p.server, p.client, "server after its update");
  CHECK_ERR(otls_conn_key_update(p.server, false), 0);
  send_recv(p.server, p.client, "after server update");
  send_recv(p.client, p.server, "still fine");
  T("key_update", "ok");
  pair_free(&p);
  transcript_open("key_update_keeps_data_flowing.tls12");
  version_pair(&p, "TLSv1.2");
  CHECK_ERR(otls_conn_key_update(p.client, false), OTLS_E_STATE);
  pair_free(&p);
END_SCENARIO

SCENARIO(local_certificate_is_the_one_the_peer_sees)
  struct pair p;
  version_pair(&p, "TLSv1.3");
  otls_cert *local = NULL, *peer = NULL, *none = NULL;
  CHECK_ERR(otls_cert_local(p.server, &local), 0);
  CHECK_ERR(otls_cert_peer(p.client, false, &peer), 0);
  CHECK(local != NULL && peer != NULL);
  CHECK_STR(otls_cert_fingerprint256(local), otls_cert_fingerprint256(peer));
  CHECK(otls_cert_issuer(local) == NULL);
  CHECK_ERR(otls_cert_local(p.client, &none), 0);
  CHECK(none == NULL);
  T("local", "server leaf equals client peer leaf; client has none");
  otls_cert_free(local);
  otls_cert_free(peer);
  pair_free(&p);
END_SCENARIO

/* --- ticket keys and session lifetime ---------------------------------------------- */

static otls_context *tk_server_ctx(const uint8_t *keys, unsigned timeout, const char *version) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source cert = otls_source_file(pki("server-rsa-chain.pem"));
  otls_source key = otls_source_file(pki("server-rsa.key"));
  o.cert = &cert;
  o.cert_count = 1;
  o.key = &key;
  o.key_count = 1;
  o.ticket_keys = keys;
  o.ticket_keys_len = keys ? OTLS_TICKET_KEYS_LEN : 0;
  o.session_timeout = timeout;
  o.min_version = o.max_version = version;
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0)
    otls_test_fail(__FILE__, __LINE__, "context: %s: %s", otls_err_name(rv), detail);
  return ctx;
}

/* A full handshake on `sctx`; returns its session blob (malloc'd). */
static uint8_t *first_session(otls_context *cctx, otls_context *sctx, size_t *len) {
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, NULL, 0, &ev);
  CHECK(ev.last != NULL);
  conns_free(&p);
  *len = ev.last_len;
  return ev.last;
}

/* Resume `blob` on `sctx`; returns whether it was reused (and the new session count). */
static bool resumes(otls_context *cctx, otls_context *sctx, const uint8_t *blob, size_t len,
                    int *events) {
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, blob, len, &ev);
  bool reused = otls_conn_is_session_reused(p.client);
  CHECK(reused == otls_conn_is_session_reused(p.server));
  if (events)
    *events = ev.events;
  conns_free(&p);
  free(ev.last);
  return reused;
}

static void shared_keys(const char *version) {
  uint8_t keys[OTLS_TICKET_KEYS_LEN];
  for (size_t i = 0; i < sizeof(keys); i++)
    keys[i] = (uint8_t)(i * 7 + 1);
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING);
  otls_context *a = tk_server_ctx(keys, 0, version), *b = tk_server_ctx(keys, 0, version);
  uint8_t got[OTLS_TICKET_KEYS_LEN];
  CHECK_ERR(otls_context_get_ticket_keys(a, got, sizeof(got)), 0);
  CHECK(memcmp(got, keys, sizeof(keys)) == 0);
  CHECK_ERR(otls_context_get_ticket_keys(a, got, 47), OTLS_E_INVAL);
  size_t len;
  uint8_t *blob = first_session(cctx, a, &len);
  CHECK(resumes(cctx, b, blob, len, NULL));
  T("resumed_on_second_server", "true");
  /* A server with another key does not. */
  otls_context *c = tk_server_ctx(NULL, 0, version);
  CHECK(!resumes(cctx, c, blob, len, NULL));
  free(blob);
  otls_context_free(cctx);
  otls_context_free(a);
  otls_context_free(b);
  otls_context_free(c);
  pair_free(&(struct pair){0});
}

SCENARIO(session_ticket_keys_shared_between_servers_tls13)
  shared_keys("TLSv1.3");
END_SCENARIO

SCENARIO(session_ticket_keys_shared_between_servers_tls12)
  shared_keys("TLSv1.2");
END_SCENARIO

SCENARIO(session_ticket_key_rotation)
  if (!otls_backend_has(OTLS_CAP_TICKET_KEY_ROTATION))
    otls_test_skip("the backend cannot decrypt tickets made under the previous key");
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING);
  otls_context *s = tk_server_ctx(NULL, 0, NULL);
  size_t len;
  uint8_t *blob = first_session(cctx, s, &len);
  uint8_t k1[OTLS_TICKET_KEYS_LEN], k2[OTLS_TICKET_KEYS_LEN];
  memset(k1, 0x11, sizeof(k1));
  memset(k2, 0x22, sizeof(k2));
  CHECK_ERR(otls_context_set_ticket_keys(s, k1, 47), OTLS_E_INVAL);
  CHECK_ERR(otls_context_set_ticket_keys(s, k1, sizeof(k1)), 0);
  /* The previous key still opens the old ticket, and a new ticket is issued. */
  int events = 0;
  CHECK(resumes(cctx, s, blob, len, &events));
  CHECK_INT(events, 1);
  /* One more rotation: the original key is gone. */
  CHECK_ERR(otls_context_set_ticket_keys(s, k2, sizeof(k2)), 0);
  CHECK(!resumes(cctx, s, blob, len, NULL));
  T("rotation", "previous key accepted, older refused");
  free(blob);
  otls_context_free(cctx);
  otls_context_free(s);
  pair_free(&(struct pair){0});
END_SCENARIO

static void expiry(const char *version) {
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING);
  /* Wide margins: a loaded machine must not make the first resumption late. */
  otls_context *s = tk_server_ctx(NULL, 3, version);
  size_t len;
  uint8_t *blob = first_session(cctx, s, &len);
  CHECK(resumes(cctx, s, blob, len, NULL));
  sleep(5);
  CHECK(!resumes(cctx, s, blob, len, NULL));
  T("expiry", "resumed before sessionTimeout, not after");
  free(blob);
  otls_context_free(cctx);
  otls_context_free(s);
  pair_free(&(struct pair){0});
}

SCENARIO(session_timeout_expiry_tls13)
  expiry("TLSv1.3");
END_SCENARIO

SCENARIO(session_timeout_expiry_tls12)
  expiry("TLSv1.2");
END_SCENARIO

/* --- OCSP stapling --------------------------------------------------------------------- */

struct ocsp_srv {
  int calls;
  bool later; /* answer after the callback returned */
  int err;
  const uint8_t *resp;
  size_t resp_len;
  size_t cert_len, issuer_len;
  bool cert_is_leaf;
};

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  static uint8_t buf[65536];
  *len = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  uint8_t *p = malloc(*len);
  memcpy(p, buf, *len);
  return p;
}

static void ocsp_cb(otls_conn *c, const uint8_t *cert, size_t cert_len, const uint8_t *issuer,
                    size_t issuer_len, void *user) {
  struct ocsp_srv *o = user;
  o->calls++;
  o->cert_len = cert_len;
  o->issuer_len = issuer_len;
  otls_cert *x = NULL;
  CHECK_ERR(otls_cert_from_der(&x, cert, cert_len), 0);
  o->cert_is_leaf = !otls_cert_is_ca(x);
  otls_cert_free(x);
  CHECK(issuer != NULL && issuer_len > 0);
  if (!o->later)
    CHECK_ERR(otls_conn_ocsp_done(c, o->resp, o->resp_len, o->err), 0);
}

/* One handshake: the client asks for a staple when `request`. */
static void ocsp_pair(struct pair *p, struct ocsp_srv *o, bool request, const char *version) {
  if (!otls_backend_has(OTLS_CAP_OCSP_CLIENT) || !otls_backend_has(OTLS_CAP_OCSP_STAPLE))
    otls_test_skip("the backend cannot staple, or give the client the raw staple");
  memset(p, 0, sizeof(*p));
  struct side_opts c = CLIENT_TRUSTING;
  c.min_version = c.max_version = version;
  p->cctx = ctx_from(&c);
  p->sctx = ctx_from(&SERVER_RSA);
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  co.request_ocsp = request;
  so.is_server = true;
  so.ocsp_request = ocsp_cb;
  so.user = o;
  CHECK_ERR(otls_conn_new(&p->client, p->cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&p->server, p->sctx, &so), 0);
  if (o->later) {
    CHECK_ERR(otls_conn_handshake(p->client), OTLS_E_WANT_READ);
    CHECK(pump_once(p->client, p->server) > 0);
    CHECK_ERR(otls_conn_handshake(p->server), OTLS_E_WANT_CALLBACK);
    CHECK(otls_conn_wants(p->server) & OTLS_WANTS_CALLBACK);
    CHECK_ERR(otls_conn_ocsp_done(p->server, o->resp, o->resp_len, o->err), 0);
    CHECK_ERR(otls_conn_ocsp_done(p->server, NULL, 0, 0), OTLS_E_STATE);
  }
  pump_handshake(p->client, p->server, &p->cerr, &p->serr);
  observe("client", p->client, p->cerr);
  observe("server", p->server, p->serr);
  size_t len = 0;
  const uint8_t *staple = otls_conn_ocsp_response(p->client, &len);
  T("client.ocspResponse", "%zu bytes%s", len,
    staple && o->resp && len == o->resp_len && memcmp(staple, o->resp, len) == 0 ? ", as sent" : "");
  T("server.ocspRequest", "%d call(s), leaf %s", o->calls, o->cert_is_leaf ? "yes" : "no");
}

static void ocsp_staple(const char *version, bool later) {
  size_t len;
  uint8_t *resp = read_all(pki("ocsp-good.der"), &len);
  struct ocsp_srv o = {.later = later, .resp = resp, .resp_len = len};
  struct pair p;
  ocsp_pair(&p, &o, true, version);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_INT(o.calls, 1);
  CHECK(o.cert_is_leaf);
  size_t got = 0;
  const uint8_t *staple = otls_conn_ocsp_response(p.client, &got);
  CHECK(staple != NULL);
  CHECK_INT(got, len);
  CHECK(memcmp(staple, resp, len) == 0);
  free(resp);
  pair_free(&p);
}

SCENARIO(ocsp_staple_tls13)
  ocsp_staple("TLSv1.3", false);
END_SCENARIO

SCENARIO(ocsp_staple_tls12)
  ocsp_staple("TLSv1.2", false);
END_SCENARIO

SCENARIO(ocsp_staple_answered_later)
  ocsp_staple("TLSv1.3", true);
END_SCENARIO

SCENARIO(ocsp_no_staple_when_the_server_has_none)
  struct ocsp_srv o = {0};
  struct pair p;
  ocsp_pair(&p, &o, true, "TLSv1.3");
  CHECK_ERR(p.cerr, 0);
  CHECK_INT(o.calls, 1);
  size_t len = 1;
  CHECK(otls_conn_ocsp_response(p.client, &len) == NULL);
  CHECK_INT(len, 0);
  pair_free(&p);
END_SCENARIO

SCENARIO(ocsp_not_asked_not_called)
  size_t len;
  uint8_t *resp = read_all(pki("ocsp-good.der"), &len);
  struct ocsp_srv o = {.resp = resp, .resp_len = len};
  struct pair p;
  ocsp_pair(&p, &o, false, "TLSv1.3");
  CHECK_ERR(p.cerr, 0);
  CHECK_INT(o.calls, 0);
  CHECK(otls_conn_ocsp_response(p.client, NULL) == NULL);
  free(resp);
  pair_free(&p);
END_SCENARIO

SCENARIO(ocsp_callback_error_fails_the_handshake)
  struct ocsp_srv o = {.err = OTLS_E_INVAL, .later = true};
  struct pair p;
  ocsp_pair(&p, &o, true, "TLSv1.3");
  CHECK_ERR(p.serr, OTLS_E_INVAL);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  CHECK_INT(otls_conn_alert(p.client, NULL), 80);
  pair_free(&p);
END_SCENARIO

/* --- sessions across versions, with client certificates, and ALPN on resumption ------ */

SCENARIO(session_from_tls12_only_client_on_a_tls13_handshake)
  struct side_opts c12 = CLIENT_TRUSTING;
  c12.max_version = "TLSv1.2";
  otls_context *cctx12 = ctx_from(&c12), *cctx = ctx_from(&CLIENT_TRUSTING);
  otls_context *sctx = ctx_from(&SERVER_RSA);
  size_t len;
  uint8_t *blob = first_session(cctx12, sctx, &len);
  /* The TLS 1.2 session cannot resume a TLS 1.3 handshake: a full one follows. */
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, blob, len, &ev);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  CHECK(!otls_conn_is_session_reused(p.client));
  CHECK(!otls_conn_is_session_reused(p.server));
  CHECK(otls_conn_is_authorized(p.client));
  conns_free(&p);
  free(ev.last);
  free(blob);
  otls_context_free(cctx12);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&p);
END_SCENARIO

static void client_cert_resumption(const char *version) {
  if (!otls_backend_has(OTLS_CAP_CLIENT_CERT))
    otls_test_skip("no client certificates");
  struct side_opts c = {.cert = "client-chain.pem", .key = "client.key", .ca = "ca.pem",
                        .reject = -1, .min_version = version, .max_version = version};
  struct side_opts s = SERVER_RSA;
  s.ca = "ca.pem";
  s.request_cert = true;
  otls_context *cctx = ctx_from(&c), *sctx = ctx_from(&s);
  size_t len;
  uint8_t *blob = first_session(cctx, sctx, &len);
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, blob, len, &ev);
  CHECK(otls_conn_is_session_reused(p.client));
  CHECK(otls_conn_is_session_reused(p.server));
  /* The server still knows who the client is, and that it was verified. */
  CHECK(otls_conn_is_authorized(p.server));
  CHECK(otls_conn_peer_cert_count(p.server) >= 1);
  T("server.authorized", "%s", otls_conn_is_authorized(p.server) ? "true" : "false");
  conns_free(&p);
  free(ev.last);
  free(blob);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&p);
}

SCENARIO(session_resumes_with_client_certificate_tls13)
  client_cert_resumption("TLSv1.3");
END_SCENARIO

SCENARIO(session_resumes_with_client_certificate_tls12)
  client_cert_resumption("TLSv1.2");
END_SCENARIO

SCENARIO(alpn_is_negotiated_again_on_resumption)
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING), *sctx = ctx_from(&SERVER_RSA);
  struct sessions ev = {0};
  struct pair p;
  for (int round = 0; round < 2; round++) {
    memset(&p, 0, sizeof(p));
    otls_conn_options co, so;
    otls_conn_options_init(&co);
    otls_conn_options_init(&so);
    co.servername = "localhost";
    co.alpn_protocols = wire(0, round ? "http/1.1,h2" : "h2", &co.alpn_protocols_len);
    co.on_session = on_session;
    co.user = &ev;
    co.session = round ? ev.last : NULL;
    co.session_len = round ? ev.last_len : 0;
    so.is_server = true;
    so.alpn_protocols = wire(1, round ? "http/1.1" : "h2", &so.alpn_protocols_len);
    CHECK_ERR(otls_conn_new(&p.client, cctx, &co), 0);
    CHECK_ERR(otls_conn_new(&p.server, sctx, &so), 0);
    pump_handshake(p.client, p.server, &p.cerr, &p.serr);
    CHECK_ERR(p.cerr, 0);
    settle(&p);
    observe_alpn("client", p.client);
    CHECK(otls_conn_is_session_reused(p.client) == (round == 1));
    check_alpn(p.client, round ? "http/1.1" : "h2");
    check_alpn(p.server, round ? "http/1.1" : "h2");
    conns_free(&p);
  }
  free(ev.last);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&p);
END_SCENARIO

/* --- key/certificate pairs and PKCS#12 ---------------------------------------- */

/* The DER of the first certificate in a PKI file (malloc'ed). */
static uint8_t *pki_cert_der(const char *name, size_t *len) {
  uint8_t *pem;
  size_t pem_len;
  CHECK_INT(otls__read_file(pki(name), &pem, &pem_len), 0);
  const uint8_t *p = pem;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, pem + pem_len, &blk), 1);
  free(pem);
  *len = blk.der_len;
  return blk.der;
}

/* true when the peer's certificate number `index` is the one in PKI file `name`. */
static bool peer_cert_is(otls_conn *c, size_t index, const char *name) {
  const uint8_t *der;
  size_t len, want_len;
  if (otls_conn_peer_cert_der(c, index, &der, &len) < 0)
    return false;
  uint8_t *want = pki_cert_der(name, &want_len);
  bool same = len == want_len && memcmp(der, want, len) == 0;
  free(want);
  return same;
}

/* Record which of the fixture leaves the client got. */
static void record_leaf(otls_conn *c) {
  static const char *const leaves[] = {"server-rsa.pem", "server-ec.pem"};
  const char *got = "other";
  for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
    if (peer_cert_is(c, 0, leaves[i]))
      got = leaves[i];
  T("client.leaf", "%s", got);
}

static void pfx_serves_its_chain(const char *pfx) {
  struct side_opts s = {.pfx = pfx, .pfx_pass = "test-pass", .reject = -1};
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK(otls_conn_is_authorized(p.client));
  CHECK_INT(otls_conn_peer_cert_count(p.client), 2);
  CHECK(peer_cert_is(p.client, 0, "server-rsa.pem"));
  CHECK(peer_cert_is(p.client, 1, "inter.pem"));
  record_leaf(p.client);
  pair_free(&p);
}

SCENARIO(pfx_aes_bundle_serves_its_key_and_chain)
  pfx_serves_its_chain("server-rsa.p12");
END_SCENARIO

SCENARIO(pfx_3des_bundle_serves_its_key_and_chain)
  pfx_serves_its_chain("server-rsa-3des.p12");
END_SCENARIO

/* The bundle lists the root before the intermediate: sent leaf, intermediate, root. */
SCENARIO(pfx_chain_is_sent_in_issuer_order)
  struct side_opts s = {.pfx = "server-rsa-fullchain.p12", .pfx_pass = "test-pass",
                        .reject = -1};
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_INT(otls_conn_peer_cert_count(p.client), 3);
  CHECK(peer_cert_is(p.client, 0, "server-rsa.pem"));
  CHECK(peer_cert_is(p.client, 1, "inter.pem"));
  CHECK(peer_cert_is(p.client, 2, "ca.pem"));
  T("client.chain", "leaf inter root");
  pair_free(&p);
END_SCENARIO

SCENARIO(pfx_client_certificate)
  struct side_opts s = SERVER_RSA;
  s.ca = "ca.pem";
  s.request_cert = true;
  struct side_opts c = {.pfx = "client.p12", .pfx_pass = "test-pass", .ca = "ca.pem",
                        .reject = -1};
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK(otls_conn_is_authorized(p.server));
  CHECK(peer_cert_is(p.server, 0, "client.pem"));
  pair_free(&p);
END_SCENARIO

/* An RSA and an ECDSA pair on one server (Node: key: [rsa, ec], cert: [...]). */
static const struct side_opts SERVER_RSA_AND_EC = {.cert = "server-rsa-chain.pem",
                                                   .key = "server-rsa.key",
                                                   .cert2 = "server-ec-chain.pem",
                                                   .key2 = "server-ec.key",
                                                   .reject = -1};

static void skip_without_multi_cert(const struct side_opts *server) {
  if (otls_backend_has(OTLS_CAP_MULTI_CERT))
    return;
  /* Checked, not assumed: such a context is refused. */
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source certs[2] = {otls_source_file(pki(server->cert ? server->cert : "server-rsa-chain.pem")),
                          otls_source_file(pki("server-ec-chain.pem"))};
  otls_source keys[2] = {otls_source_file(pki(server->key ? server->key : "server-rsa.key")),
                         otls_source_file(pki("server-ec.key"))};
  o.cert = certs;
  o.key = keys;
  o.cert_count = o.key_count = 2;
  otls_context *ctx = NULL;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_UNSUPPORTED);
  otls_test_skip("one key/certificate pair per context (checked: OTLS_E_UNSUPPORTED)");
}

static void multi_cert_pick(const struct side_opts *server, const char *ciphers,
                            const char *want_leaf, const char *want_cipher) {
  skip_without_multi_cert(server);
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  c.ciphers = ciphers;
  struct pair p;
  run_pair(&p, &c, server, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK(otls_conn_is_authorized(p.client));
  CHECK(peer_cert_is(p.client, 0, want_leaf));
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
  CHECK_STR(ci.name, want_cipher);
  record_leaf(p.client);
  pair_free(&p);
}

SCENARIO(multi_cert_ecdsa_only_client_gets_the_ecdsa_leaf)
  multi_cert_pick(&SERVER_RSA_AND_EC, "ECDHE-ECDSA-AES128-GCM-SHA256", "server-ec.pem",
                  "ECDHE-ECDSA-AES128-GCM-SHA256");
END_SCENARIO

SCENARIO(multi_cert_rsa_only_client_gets_the_rsa_leaf)
  multi_cert_pick(&SERVER_RSA_AND_EC, "ECDHE-RSA-AES128-GCM-SHA256", "server-rsa.pem",
                  "ECDHE-RSA-AES128-GCM-SHA256");
END_SCENARIO

/* Two bundles, each opened with its own passphrase. */
SCENARIO(multi_cert_from_two_pfx_bundles)
  struct side_opts s = {.pfx = "server-rsa.p12", .pfx_pass = "test-pass",
                        .pfx2 = "server-ec.p12", .pfx2_pass = "other-pass", .reject = -1};
  multi_cert_pick(&s, "ECDHE-ECDSA-AES128-GCM-SHA256", "server-ec.pem",
                  "ECDHE-ECDSA-AES128-GCM-SHA256");
END_SCENARIO

SCENARIO(multi_cert_key_pair_and_pfx_bundle)
  struct side_opts s = {.cert = "server-ec-chain.pem", .key = "server-ec.key",
                        .pfx = "server-rsa.p12", .pfx_pass = "test-pass", .reject = -1};
  multi_cert_pick(&s, "ECDHE-RSA-AES128-GCM-SHA256", "server-rsa.pem",
                  "ECDHE-RSA-AES128-GCM-SHA256");
END_SCENARIO

/* --- secureOptions ------------------------------------------------------------- */

SCENARIO(secure_options_no_tlsv1_3_on_the_server_negotiates_tls12)
  struct side_opts s = SERVER_RSA;
  s.secure_options = OTLS_OP_NO_TLSv1_3;
  struct pair p;
  run_pair(&p, &CLIENT_TRUSTING, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.2");
  CHECK_STR(otls_conn_protocol(p.server), "TLSv1.2");
  pair_free(&p);
END_SCENARIO

SCENARIO(secure_options_no_tlsv1_3_on_the_client_negotiates_tls12)
  struct side_opts c = CLIENT_TRUSTING;
  c.secure_options = OTLS_OP_NO_TLSv1_3 | OTLS_OP_NO_SSLv3 | OTLS_OP_NO_COMPRESSION;
  struct pair p;
  run_pair(&p, &c, &SERVER_RSA, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.2");
  pair_free(&p);
END_SCENARIO

SCENARIO(secure_options_no_tlsv1_2_on_the_server_leaves_tls13)
  struct side_opts s = SERVER_RSA;
  s.secure_options = OTLS_OP_NO_TLSv1_2;
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.serr, OTLS_E_VERSION_MISMATCH);
  CHECK_ERR(p.cerr, OTLS_E_PEER_ALERT);
  pair_free(&p);
END_SCENARIO

SCENARIO(secure_options_cipher_server_preference_is_honor_cipher_order)
  if (!otls_backend_has(OTLS_CAP_EXACT_CIPHERS))
    otls_test_skip("the engine cannot enable exactly the configured suites, in order");
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  c.ciphers = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256";
  struct side_opts s = SERVER_RSA;
  s.ciphers = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";
  s.secure_options = OTLS_OP_CIPHER_SERVER_PREFERENCE;
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  otls_cipher_info ci;
  CHECK_ERR(otls_conn_cipher(p.client, &ci), 0);
  CHECK_STR(ci.name, "ECDHE-RSA-AES128-GCM-SHA256");
  pair_free(&p);
END_SCENARIO

/* --- getEphemeralKeyInfo, minDHSize ----------------------------------------------- */

static void record_key_info(otls_conn *c) {
  otls_ephemeral_key_info k;
  int rv = otls_conn_ephemeral_key_info(c, &k);
  if (rv < 0)
    T("client.ephemeralKeyInfo", "%s", otls_err_name(rv));
  else if (k.type == NULL)
    T("client.ephemeralKeyInfo", "{}");
  else
    T("client.ephemeralKeyInfo", "%s %s %u", k.type, k.name ? k.name : "-", k.size);
}

static void expect_ecdh_key(const char *curve, const char *max, const char *name, unsigned size) {
  struct side_opts c = CLIENT_TRUSTING, s = SERVER_RSA;
  c.ecdh_curve = s.ecdh_curve = curve; /* X448 without the capability: skipped here */
  c.max_version = max;
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  CHECK_STR(otls_conn_protocol(p.client), max ? max : "TLSv1.3");
  record_key_info(p.client);
  otls_ephemeral_key_info k;
  CHECK_ERR(otls_conn_ephemeral_key_info(p.client, &k), 0);
  CHECK_STR(k.type, "ECDH");
  CHECK_STR(k.name, name);
  CHECK_INT(k.size, size);
  pair_free(&p);
}

SCENARIO(ephemeral_key_x25519_tls13)
  expect_ecdh_key("X25519", NULL, "X25519", 253);
END_SCENARIO

SCENARIO(ephemeral_key_p256_tls13)
  expect_ecdh_key("P-256", NULL, "prime256v1", 256);
END_SCENARIO

SCENARIO(ephemeral_key_p384_tls13)
  expect_ecdh_key("P-384", NULL, "secp384r1", 384);
END_SCENARIO

SCENARIO(ephemeral_key_p521_tls13)
  expect_ecdh_key("P-521", NULL, "secp521r1", 521);
END_SCENARIO

SCENARIO(ephemeral_key_x448_tls13)
  expect_ecdh_key("X448", NULL, "X448", 448);
END_SCENARIO

SCENARIO(ephemeral_key_x25519_tls12)
  expect_ecdh_key("X25519", "TLSv1.2", "X25519", 253);
END_SCENARIO

SCENARIO(ephemeral_key_p256_tls12)
  expect_ecdh_key("prime256v1", "TLSv1.2", "prime256v1", 256);
END_SCENARIO

SCENARIO(ephemeral_key_p521_tls12)
  expect_ecdh_key("secp521r1", "TLSv1.2", "secp521r1", 521);
END_SCENARIO

SCENARIO(ephemeral_key_is_empty_for_rsa_key_exchange)
  uint16_t ids[4];
  size_t n = 0;
  if (otls_ciphers_eval("AES128-GCM-SHA256", ids, 4, &n) < 0 || n == 0)
    otls_test_skip("no RSA key-exchange suite in this backend");
  struct side_opts c = CLIENT_TRUSTING, s = SERVER_RSA;
  c.max_version = "TLSv1.2";
  c.ciphers = s.ciphers = "AES128-GCM-SHA256";
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, 0);
  record_key_info(p.client);
  otls_ephemeral_key_info k = {"x", "y", 1};
  CHECK_ERR(otls_conn_ephemeral_key_info(p.client, &k), 0);
  CHECK_STR(k.type, NULL);
  CHECK_STR(k.name, NULL);
  CHECK_INT(k.size, 0);
  pair_free(&p);
END_SCENARIO

/* Node returns null on a server, and {} before the handshake: both are OTLS_E_STATE. */
SCENARIO(ephemeral_key_is_a_state_error_on_servers_and_before_the_handshake)
  otls_context *cctx = make_ctx(NULL, NULL, "ca.pem");
  otls_context *sctx = make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL);
  otls_conn *c = NULL, *sv = NULL;
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  so.is_server = true;
  CHECK_ERR(otls_conn_new(&c, cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&sv, sctx, &so), 0);
  otls_ephemeral_key_info k;
  CHECK_ERR(otls_conn_ephemeral_key_info(c, &k), OTLS_E_STATE);
  CHECK_ERR(otls_conn_ephemeral_key_info(NULL, &k), OTLS_E_INVAL);
  CHECK_ERR(otls_conn_ephemeral_key_info(c, NULL), OTLS_E_INVAL);
  int ce, se;
  pump_handshake(c, sv, &ce, &se);
  CHECK_ERR(ce, 0);
  CHECK_ERR(se, 0);
  int rv = otls_conn_ephemeral_key_info(sv, &k);
  CHECK_ERR(rv, OTLS_E_STATE);
  T("server.ephemeralKeyInfo", "%s", otls_err_name(rv));
  CHECK_ERR(otls_conn_ephemeral_key_info(c, &k), 0);
  CHECK_STR(k.type, "ECDH");
  otls_conn_free(c);
  otls_conn_free(sv);
  otls_context_free(cctx);
  otls_context_free(sctx);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO

static void dhe_pair(struct pair *p, const char *dhparam, unsigned min_dh_size) {
  if (!otls_backend_has(OTLS_CAP_DHPARAM))
    otls_test_skip("no DHE in this backend (dhparam answers OTLS_E_UNSUPPORTED)");
  struct side_opts s = SERVER_RSA, c = CLIENT_TRUSTING;
  s.dhparam = dhparam;
  s.ciphers = c.ciphers = "DHE-RSA-AES128-GCM-SHA256";
  s.max_version = c.max_version = "TLSv1.2";
  c.min_dh_size = min_dh_size;
  run_pair(p, &c, &s, "localhost");
}

SCENARIO(min_dh_size_2048_accepts_a_2048_bit_prime)
  struct pair p;
  dhe_pair(&p, "dh2048.pem", 2048);
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  record_key_info(p.client);
  otls_ephemeral_key_info k;
  CHECK_ERR(otls_conn_ephemeral_key_info(p.client, &k), 0);
  CHECK_STR(k.type, "DH");
  CHECK_STR(k.name, NULL);
  CHECK_INT(k.size, 2048);
  pair_free(&p);
END_SCENARIO

SCENARIO(min_dh_size_3072_rejects_a_2048_bit_prime)
  struct pair p;
  dhe_pair(&p, "dh2048.pem", 3072);
  CHECK_ERR(p.cerr, OTLS_E_DH_PARAM_SIZE);
  CHECK(!otls_conn_is_handshake_done(p.client));
  CHECK(strstr(otls_conn_error(p.client), "2048") != NULL);
  bool sent;
  CHECK_INT(otls_conn_alert(p.client, &sent), -1); /* Node sends no alert either */
  pair_free(&p);
END_SCENARIO

/* The default (Node's 1024) accepts a 1024-bit prime on every engine. */
SCENARIO(min_dh_size_default_accepts_a_1024_bit_prime)
  struct pair p;
  dhe_pair(&p, "dh1024.pem", 0);
  CHECK_ERR(p.cerr, 0);
  record_key_info(p.client);
  otls_ephemeral_key_info k;
  CHECK_ERR(otls_conn_ephemeral_key_info(p.client, &k), 0);
  CHECK_STR(k.type, "DH");
  CHECK_INT(k.size, 1024);
  pair_free(&p);
END_SCENARIO

/* minDHSize is checked before the certificate (Node's order). */
SCENARIO(min_dh_size_is_checked_before_verification)
  if (!otls_backend_has(OTLS_CAP_DHPARAM))
    otls_test_skip("no DHE in this backend (dhparam answers OTLS_E_UNSUPPORTED)");
  struct side_opts s = SERVER_RSA;
  struct side_opts c = {.ca = "untrusted-ca.pem", .reject = -1, .min_dh_size = 3072};
  s.dhparam = "dh2048.pem";
  s.ciphers = c.ciphers = "DHE-RSA-AES128-GCM-SHA256";
  s.max_version = c.max_version = "TLSv1.2";
  struct pair p;
  run_pair(&p, &c, &s, "localhost");
  CHECK_ERR(p.cerr, OTLS_E_DH_PARAM_SIZE);
  pair_free(&p);
END_SCENARIO

/*
 * TLS 1.3, both pairs usable: the client's signature algorithms decide
 * (ECDSA first in every omnitls client). The SNI name matches only the RSA
 * certificate (*.example.test): a server must not switch to it by name
 * (GnuTLS would, by itself).
 */
SCENARIO(multi_cert_tls13_is_not_chosen_by_sni_name)
  skip_without_multi_cert(&SERVER_RSA_AND_EC);
  struct side_opts c = CLIENT_TRUSTING;
  c.reject = 0;
  struct pair p;
  run_pair(&p, &c, &SERVER_RSA_AND_EC, "api.example.test");
  CHECK_ERR(p.cerr, 0);
  CHECK_ERR(p.serr, 0);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  CHECK_STR(otls_conn_servername(p.server), "api.example.test");
  CHECK(peer_cert_is(p.client, 0, "server-ec.pem"));
  CHECK_ERR(otls_conn_verify_error(p.client), OTLS_E_CERT_ALTNAME_INVALID);
  record_leaf(p.client);
  pair_free(&p);
END_SCENARIO

/* --- session ids (no tickets): the context's cache and an external store ----------- */

static otls_context *no_ticket_server(void) {
  struct side_opts s = SERVER_RSA;
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source cert = otls_source_file(pki(s.cert)), key = otls_source_file(pki(s.key));
  o.cert = &cert;
  o.cert_count = 1;
  o.key = &key;
  o.key_count = 1;
  o.secure_options = OTLS_OP_NO_TICKET;
  otls_context *ctx = NULL;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  return ctx;
}

SCENARIO(session_id_resumes_from_the_context_cache_tls12)
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  otls_context *cctx = ctx_from(&c), *sctx = no_ticket_server();
  size_t len;
  uint8_t *blob = first_session(cctx, sctx, &len);
  int events = 0;
  CHECK(resumes(cctx, sctx, blob, len, &events));
  /* Another context has another cache. */
  otls_context *other = no_ticket_server();
  CHECK(!resumes(cctx, other, blob, len, NULL));
  free(blob);
  otls_context_free(cctx);
  otls_context_free(sctx);
  otls_context_free(other);
  pair_free(&(struct pair){0});
END_SCENARIO

SCENARIO(no_ticket_means_no_tls13_resumption)
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING), *sctx = no_ticket_server();
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, NULL, 0, &ev);
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  CHECK_INT(ev.events, 0);
  uint8_t *blob;
  size_t len;
  CHECK_ERR(otls_conn_session(p.client, &blob, &len), OTLS_E_STATE);
  conns_free(&p);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&p);
END_SCENARIO

/* An external session store (Node's newSession / resumeSession), answering later. */
struct store {
  uint8_t id[32];
  size_t id_len;
  uint8_t *data;
  size_t len;
  int news, resumes, hits;
  bool later;
};

static void store_new(otls_conn *c, const uint8_t *id, size_t id_len, const uint8_t *data,
                      size_t len, void *user) {
  struct store *st = user;
  st->news++;
  CHECK(id_len > 0 && id_len <= 32);
  memcpy(st->id, id, id_len);
  st->id_len = id_len;
  free(st->data);
  st->data = malloc(len);
  memcpy(st->data, data, len);
  st->len = len;
  if (!st->later)
    CHECK_ERR(otls_conn_new_session_done(c), 0);
}

static void store_resume(otls_conn *c, const uint8_t *id, size_t id_len, void *user) {
  struct store *st = user;
  st->resumes++;
  bool hit = id_len == st->id_len && memcmp(id, st->id, id_len) == 0;
  st->hits += hit;
  if (!st->later)
    CHECK_ERR(otls_conn_resume_session_done(c, hit ? st->data : NULL, hit ? st->len : 0), 0);
}

/* One TLS 1.2 connection against a no-ticket server with the store. */
static bool store_conn(otls_context *cctx, otls_context *sctx, struct store *st,
                       const uint8_t *session, size_t session_len, struct sessions *ev) {
  struct pair p;
  memset(&p, 0, sizeof(p));
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  co.session = session;
  co.session_len = session_len;
  co.on_session = on_session;
  co.user = ev;
  so.is_server = true;
  so.on_new_session = store_new;
  so.on_resume_session = store_resume;
  so.user = st;
  CHECK_ERR(otls_conn_new(&p.client, cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&p.server, sctx, &so), 0);
  int c = OTLS_E_WANT_READ, s = OTLS_E_WANT_READ;
  int waits = 0;
  for (int round = 0; round < 50 && (c != 0 || s != 0); round++) {
    if (c == OTLS_E_WANT_READ)
      c = otls_conn_handshake(p.client);
    pump_once(p.client, p.server);
    if (s == OTLS_E_WANT_READ || s == OTLS_E_WANT_CALLBACK)
      s = otls_conn_handshake(p.server);
    if (s == OTLS_E_WANT_CALLBACK) {
      /* Held: nothing goes out until the store answers. */
      CHECK_INT(otls_conn_pending_output(p.server), 0);
      CHECK(otls_conn_wants(p.server) & OTLS_WANTS_CALLBACK);
      waits++;
      /* The store answers now: whichever question is pending. */
      if (otls_conn_new_session_done(p.server) != 0) {
        bool hit = st->id_len && session;
        (void)otls_conn_resume_session_done(p.server, hit ? st->data : NULL, hit ? st->len : 0);
      }
      continue;
    }
    pump_once(p.server, p.client);
  }
  CHECK_ERR(c, 0);
  CHECK_ERR(s, 0);
  if (st->later)
    CHECK(waits >= 1);
  bool reused = otls_conn_is_session_reused(p.client);
  CHECK(reused == otls_conn_is_session_reused(p.server));
  otls_conn_free(p.client);
  otls_conn_free(p.server);
  return reused;
}

static void external_store(bool later) {
  struct side_opts c = CLIENT_TRUSTING;
  c.max_version = "TLSv1.2";
  otls_context *cctx = ctx_from(&c), *sctx = no_ticket_server();
  struct store st = {.later = later};
  struct sessions ev = {0};
  CHECK(!store_conn(cctx, sctx, &st, NULL, 0, &ev));
  CHECK_INT(st.news, 1);
  CHECK_INT(st.resumes, 0);
  CHECK(ev.last != NULL);
  struct sessions ev2 = {0};
  CHECK(store_conn(cctx, sctx, &st, ev.last, ev.last_len, &ev2));
  CHECK_INT(st.resumes, 1);
  CHECK_INT(st.news, 1); /* a resumed handshake makes no new session */
  T("store", "news=%d resumes=%d", st.news, st.resumes);
  free(st.data);
  free(ev.last);
  free(ev2.last);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&(struct pair){0});
}

SCENARIO(session_external_store_answers_now)
  external_store(false);
END_SCENARIO

SCENARIO(session_external_store_answers_later)
  external_store(true);
END_SCENARIO

/* --- renegotiation (TLS 1.2) ------------------------------------------------------- */

struct reneg_seen {
  int calls;
  int err;
};

static void reneg_cb(otls_conn *c, int err, void *arg) {
  (void)c;
  struct reneg_seen *r = arg;
  r->calls++;
  r->err = err;
}

/*
 * Move bytes both ways and let both sides read, until nothing moves; the
 * last read result of each side goes to *cres / *sres (0 = nothing to read).
 */
static void pump_reads(struct pair *p, int *cres, int *sres) {
  int cr = 0, sr = 0;
  for (int round = 0; round < 64; round++) {
    char buf[256];
    int a = pump_once(p->client, p->server);
    int r = otls_conn_read(p->server, buf, sizeof(buf));
    if (r != OTLS_E_WANT_READ)
      sr = r;
    int b = pump_once(p->server, p->client);
    r = otls_conn_read(p->client, buf, sizeof(buf));
    if (r != OTLS_E_WANT_READ)
      cr = r;
    if (a <= 0 && b <= 0 && round > 0)
      break;
  }
  if (cres)
    *cres = cr;
  if (sres)
    *sres = sr;
}

static void skip_without_renegotiation(otls_conn *c) {
  if (otls_backend_has(OTLS_CAP_RENEGOTIATION))
    return;
  CHECK_ERR(otls_conn_renegotiate(c, NULL, NULL, NULL), OTLS_E_UNSUPPORTED);
  otls_test_skip("no renegotiation in this backend (checked: OTLS_E_UNSUPPORTED)");
}

/* A TLS 1.2 pair whose client has a certificate the server does not ask for yet. */
static void reneg_pair(struct pair *p, uint64_t server_secure_options) {
  struct side_opts s = SERVER_RSA;
  s.ca = "ca.pem";
  s.secure_options = server_secure_options;
  struct side_opts c = {.cert = "client-chain.pem", .key = "client.key", .ca = "ca.pem",
                        .reject = -1, .max_version = "TLSv1.2"};
  run_pair(p, &c, &s, "localhost");
  CHECK_ERR(p->cerr, 0);
  CHECK_ERR(p->serr, 0);
}

SCENARIO(renegotiation_by_client_and_by_server_tls12)
  struct pair p;
  reneg_pair(&p, 0);
  skip_without_renegotiation(p.client);
  CHECK_INT(otls_conn_peer_cert_count(p.server), 0);
  struct reneg_seen rc = {0, 99};
  CHECK_ERR(otls_conn_renegotiate(p.client, NULL, reneg_cb, &rc), 0);
  CHECK(otls_conn_is_renegotiating(p.client));
  CHECK_ERR(otls_conn_renegotiate(p.client, NULL, reneg_cb, &rc), OTLS_E_STATE);
  int cres = 0, sres = 0;
  pump_reads(&p, &cres, &sres);
  CHECK_INT(rc.calls, 1);
  CHECK_ERR(rc.err, 0);
  CHECK(!otls_conn_is_renegotiating(p.client));
  CHECK(!otls_conn_is_renegotiating(p.server));
  CHECK_INT(otls_conn_renegotiations(p.client), 1);
  CHECK_INT(otls_conn_renegotiations(p.server), 1);
  send_recv(p.client, p.server, "after the client's renegotiation");
  send_recv(p.server, p.client, "and back");
  T("client_renegotiation", "callback once, err 0; both sides count 1; data flows");
  /* The server renegotiates to ask for the client's certificate (Node's use). */
  otls_renegotiate_options ro;
  otls_renegotiate_options_init(&ro);
  ro.request_cert = 1;
  ro.reject_unauthorized = 1;
  struct reneg_seen rs = {0, 99};
  CHECK_ERR(otls_conn_renegotiate(p.server, &ro, reneg_cb, &rs), 0);
  pump_reads(&p, &cres, &sres);
  CHECK_INT(rs.calls, 1);
  CHECK_ERR(rs.err, 0);
  CHECK_INT(otls_conn_renegotiations(p.server), 2);
  CHECK_INT(otls_conn_renegotiations(p.client), 2);
  CHECK_INT(otls_conn_peer_cert_count(p.server), 2);
  CHECK(otls_conn_is_authorized(p.server));
  CHECK_STR(otls_conn_protocol(p.server), "TLSv1.2");
  send_recv(p.server, p.client, "after the server's renegotiation");
  T("server_renegotiation", "request_cert: client certificate received (%zu), authorized %d",
    otls_conn_peer_cert_count(p.server), otls_conn_is_authorized(p.server));
  pair_free(&p);
END_SCENARIO

SCENARIO(renegotiation_limit_ends_the_connection)
  struct pair p;
  reneg_pair(&p, 0);
  skip_without_renegotiation(p.client);
  int cres = 0, sres = 0;
  for (int i = 1; i <= OTLS_CLIENT_RENEG_LIMIT; i++) {
    struct reneg_seen rc = {0, 99};
    CHECK_ERR(otls_conn_renegotiate(p.client, NULL, reneg_cb, &rc), 0);
    pump_reads(&p, &cres, &sres);
    CHECK_INT(rc.calls, 1);
    CHECK_ERR(rc.err, 0);
    CHECK_ERR(sres, 0);
  }
  CHECK_INT(otls_conn_renegotiations(p.server), OTLS_CLIENT_RENEG_LIMIT);
  /* The server's own renegotiations do not count. */
  struct reneg_seen rs = {0, 99};
  CHECK_ERR(otls_conn_renegotiate(p.server, NULL, reneg_cb, &rs), 0);
  pump_reads(&p, &cres, &sres);
  CHECK_ERR(rs.err, 0);
  CHECK_ERR(sres, 0);
  struct reneg_seen rc = {0, 99};
  CHECK_ERR(otls_conn_renegotiate(p.client, NULL, reneg_cb, &rc), 0);
  pump_reads(&p, &cres, &sres);
  CHECK_ERR(sres, OTLS_E_SESSION_ATTACK);
  char buf[8];
  CHECK_ERR(otls_conn_read(p.server, buf, sizeof(buf)), OTLS_E_SESSION_ATTACK);
  CHECK_ERR(otls_conn_write(p.server, "x", 1), OTLS_E_CLOSED);
  T("limit", "renegotiation %d by the client: server %s", OTLS_CLIENT_RENEG_LIMIT + 1,
    otls_err_name(sres));
  pair_free(&p);
END_SCENARIO

SCENARIO(renegotiation_after_disable_renegotiation_fails)
  struct pair p;
  reneg_pair(&p, 0);
  skip_without_renegotiation(p.client);
  CHECK_ERR(otls_conn_disable_renegotiation(p.server), 0);
  CHECK_ERR(otls_conn_renegotiate(p.server, NULL, NULL, NULL), OTLS_E_RENEGOTIATION_DISABLED);
  send_recv(p.client, p.server, "still fine");
  struct reneg_seen rc = {0, 99};
  CHECK_ERR(otls_conn_renegotiate(p.client, NULL, reneg_cb, &rc), 0);
  int cres = 0, sres = 0;
  pump_reads(&p, &cres, &sres);
  CHECK_ERR(sres, OTLS_E_RENEGOTIATION_DISABLED);
  CHECK_STR(otls_err_name(sres), "ERR_TLS_RENEGOTIATION_DISABLED");
  T("disabled", "server %s", otls_err_name(sres));
  pair_free(&p);
END_SCENARIO

SCENARIO(renegotiation_refused_by_no_renegotiation_option)
  struct pair p;
  reneg_pair(&p, OTLS_OP_NO_RENEGOTIATION);
  skip_without_renegotiation(p.client);
  CHECK_ERR(otls_conn_renegotiate(p.server, NULL, NULL, NULL), OTLS_E_RENEGOTIATION_DISABLED);
  struct reneg_seen rc = {0, 99};
  CHECK_ERR(otls_conn_renegotiate(p.client, NULL, reneg_cb, &rc), 0);
  int cres = 0, sres = 0;
  pump_reads(&p, &cres, &sres);
  /*
   * The server refuses with a no_renegotiation warning; a client whose
   * renegotiation is refused ends the connection (handshake_failure), as
   * OpenSSL does.
   */
  CHECK_INT(rc.calls, 1);
  CHECK_ERR(rc.err, OTLS_E_HANDSHAKE);
  CHECK_ERR(cres, OTLS_E_HANDSHAKE);
  CHECK_ERR(sres, OTLS_E_PEER_ALERT);
  bool sent = false;
  CHECK_INT(otls_conn_alert(p.client, &sent), 40);
  CHECK(sent);
  CHECK_INT(otls_conn_renegotiations(p.server), 0);
  T("refused", "client %s (alert %d sent), server %s", otls_err_name(rc.err),
    otls_conn_alert(p.client, &sent), otls_err_name(sres));
  pair_free(&p);
END_SCENARIO

SCENARIO(renegotiation_is_refused_in_tls13)
  struct pair p;
  version_pair(&p, "TLSv1.3");
  skip_without_renegotiation(p.client);
  CHECK_ERR(otls_conn_renegotiate(p.client, NULL, NULL, NULL), OTLS_E_WRONG_SSL_VERSION);
  CHECK_ERR(otls_conn_renegotiate(p.server, NULL, NULL, NULL), OTLS_E_WRONG_SSL_VERSION);
  send_recv(p.client, p.server, "the connection is unharmed");
  T("tls13", "%s", otls_err_name(OTLS_E_WRONG_SSL_VERSION));
  pair_free(&p);
END_SCENARIO

/* --- getTLSTicket ------------------------------------------------------------------ */

static void tls_ticket(const char *version) {
  struct side_opts c = CLIENT_TRUSTING, s = SERVER_RSA;
  c.min_version = c.max_version = version;
  otls_context *cctx = ctx_from(&c), *sctx = ctx_from(&s);
  struct sessions ev = {0};
  struct pair p;
  session_conn(&p, cctx, sctx, NULL, 0, &ev);
  const uint8_t *t = NULL;
  size_t n = 0;
  if (!otls_backend_has(OTLS_CAP_TLS_TICKET)) {
    CHECK_ERR(otls_conn_tls_ticket(p.client, &t, &n), OTLS_E_UNSUPPORTED);
    otls_test_skip("the backend does not give the raw ticket (checked: OTLS_E_UNSUPPORTED)");
  }
  CHECK_ERR(otls_conn_tls_ticket(p.client, &t, &n), 0);
  CHECK(t != NULL && n >= 32);
  uint8_t first[4096];
  size_t first_len = n < sizeof(first) ? n : sizeof(first);
  memcpy(first, t, first_len);
  CHECK_ERR(otls_conn_tls_ticket(p.server, &t, &n), 0);
  CHECK(t == NULL && n == 0);
  conns_free(&p);
  struct sessions ev2 = {0};
  session_conn(&p, cctx, sctx, NULL, 0, &ev2);
  CHECK_ERR(otls_conn_tls_ticket(p.client, &t, &n), 0);
  CHECK(t != NULL && n >= 32);
  CHECK(n != first_len || memcmp(first, t, n) != 0);
  T("tls_ticket", "client has one, new per handshake; server: none");
  conns_free(&p);
  free(ev.last);
  free(ev2.last);
  otls_context_free(sctx);
  /* A server that issues no tickets: the client has none. */
  s.secure_options = OTLS_OP_NO_TICKET;
  sctx = ctx_from(&s);
  struct sessions ev3 = {0};
  session_conn(&p, cctx, sctx, NULL, 0, &ev3);
  CHECK_ERR(otls_conn_tls_ticket(p.client, &t, &n), 0);
  CHECK(t == NULL && n == 0);
  conns_free(&p);
  free(ev3.last);
  otls_context_free(cctx);
  otls_context_free(sctx);
  pair_free(&p);
}

SCENARIO(tls_ticket_tls12)
  tls_ticket("TLSv1.2");
END_SCENARIO

SCENARIO(tls_ticket_tls13)
  tls_ticket("TLSv1.3");
END_SCENARIO

/* --- NPN (TLS <= 1.2) ------------------------------------------------------------------ */

static void npn_pair(struct pair *p, const char *client_npn, const char *server_npn,
                     const char *client_alpn, const char *server_alpn, const char *version) {
  struct side_opts c = CLIENT_TRUSTING, s = SERVER_RSA;
  c.npn = client_npn;
  s.npn = server_npn;
  c.max_version = version;
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  if (client_alpn)
    co.alpn_protocols = wire(0, client_alpn, &co.alpn_protocols_len);
  if (server_alpn)
    so.alpn_protocols = wire(1, server_alpn, &so.alpn_protocols_len);
  if (!otls_backend_has(OTLS_CAP_NPN)) {
    otls_context_options o;
    otls_context_options_init(&o);
    size_t len = 0;
    o.npn_protocols = wire(0, "x", &len);
    o.npn_protocols_len = len;
    otls_context *ctx = NULL;
    CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_UNSUPPORTED);
    otls_test_skip("no NPN in this backend (checked: OTLS_E_UNSUPPORTED)");
  }
  run_pair_opts(p, &c, &s, &co, &so);
  CHECK_ERR(p->cerr, 0);
  CHECK_ERR(p->serr, 0);
}

static void check_npn(otls_conn *c, const char *want) {
  size_t len = 0;
  const uint8_t *got = otls_conn_npn_protocol(c, &len);
  if (want == NULL) {
    CHECK(got == NULL && len == 0);
    return;
  }
  CHECK(got != NULL);
  CHECK_INT(len, strlen(want));
  CHECK(memcmp(got, want, len) == 0);
}

SCENARIO(npn_client_takes_the_server_order)
  struct pair p;
  npn_pair(&p, "spdy/3,http/1.1", "http/1.1,spdy/3", NULL, NULL, "TLSv1.2");
  check_npn(p.client, "http/1.1");
  check_npn(p.server, "http/1.1");
  CHECK(otls_conn_alpn_protocol(p.client, NULL) == NULL);
  T("npn", "http/1.1 on both sides");
  pair_free(&p);
  /* No overlap: the client's own first protocol (NPN's rule). */
  transcript_open("npn_client_takes_the_server_order.no_overlap");
  npn_pair(&p, "x-mine,x-other", "http/1.1", NULL, NULL, "TLSv1.2");
  check_npn(p.client, "x-mine");
  check_npn(p.server, "x-mine");
  T("npn", "x-mine on both sides");
  pair_free(&p);
END_SCENARIO

SCENARIO(npn_gives_way_to_alpn_and_to_tls13)
  struct pair p;
  npn_pair(&p, "spdy/3", "spdy/3", "h2", "h2", "TLSv1.2");
  check_alpn(p.client, "h2");
  check_npn(p.client, NULL);
  check_npn(p.server, NULL);
  T("npn", "ALPN h2 agreed: no NPN");
  pair_free(&p);
  transcript_open("npn_gives_way_to_alpn_and_to_tls13.tls13");
  npn_pair(&p, "spdy/3", "spdy/3", NULL, NULL, "TLSv1.3");
  CHECK_STR(otls_conn_protocol(p.client), "TLSv1.3");
  check_npn(p.client, NULL);
  check_npn(p.server, NULL);
  T("npn", "TLS 1.3: no NPN");
  pair_free(&p);
  /* Only one side has NPN: none. */
  transcript_open("npn_gives_way_to_alpn_and_to_tls13.one_side");
  npn_pair(&p, NULL, "spdy/3", NULL, NULL, "TLSv1.2");
  check_npn(p.client, NULL);
  check_npn(p.server, NULL);
  pair_free(&p);
END_SCENARIO

/* --- zero-copy input ----------------------------------------------------------------- */

/* Move `from`'s output into `to` through otls_conn_input_space/commit, in small pieces. */
static int pump_space(otls_conn *from, otls_conn *to) {
  size_t len;
  const uint8_t *p = otls_conn_output(from, &len);
  int moved = 0;
  while (len > 0) {
    uint8_t *dst = NULL;
    size_t room = 0;
    int rv = otls_conn_input_space(to, &dst, &room);
    if (rv == OTLS_E_BUFFER_FULL)
      break;
    CHECK_ERR(rv, 0);
    CHECK(dst != NULL && room > 0 && room <= 16384 + 512);
    size_t n = len < room ? len : room;
    if (n > 700)
      n = 700; /* records split across commits */
    memcpy(dst, p, n);
    CHECK_ERR(otls_conn_input_commit(to, n), 0);
    otls_conn_consume(from, n);
    moved += (int)n;
    p = otls_conn_output(from, &len);
  }
  return moved;
}

SCENARIO(input_space_carries_a_whole_connection)
  otls_context *cctx = ctx_from(&CLIENT_TRUSTING), *sctx = ctx_from(&SERVER_RSA);
  otls_conn *c = NULL, *s = NULL;
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  otls_conn_options_init(&so);
  co.servername = "localhost";
  so.is_server = true;
  CHECK_ERR(otls_conn_new(&c, cctx, &co), 0);
  CHECK_ERR(otls_conn_new(&s, sctx, &so), 0);
  int crv = OTLS_E_WANT_READ, srv = OTLS_E_WANT_READ;
  for (int round = 0; round < 50 && (crv == OTLS_E_WANT_READ || srv == OTLS_E_WANT_READ); round++) {
    if (crv == OTLS_E_WANT_READ)
      crv = otls_conn_handshake(c);
    pump_space(c, s);
    if (srv == OTLS_E_WANT_READ)
      srv = otls_conn_handshake(s);
    pump_space(s, c);
  }
  CHECK_ERR(crv, 0);
  CHECK_ERR(srv, 0);
  static uint8_t msg[40000], got[40000];
  for (size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (uint8_t)(i * 7);
  CHECK_INT(otls_conn_write(c, msg, sizeof(msg)), (int)sizeof(msg));
  size_t have = 0;
  for (int round = 0; round < 200 && have < sizeof(msg); round++) {
    pump_space(c, s);
    int n = otls_conn_read(s, got + have, sizeof(got) - have);
    if (n > 0)
      have += (size_t)n;
    else
      CHECK_ERR(n, OTLS_E_WANT_READ);
  }
  CHECK_INT(have, sizeof(msg));
  CHECK(memcmp(msg, got, sizeof(msg)) == 0);
  /* Idle: buffers go, and come back when needed. */
  otls_conn_release_buffers(c);
  otls_conn_release_buffers(s);
  otls_conn_release_buffers(NULL);
  CHECK_INT(otls_conn_write(s, "reply", 5), 5);
  pump_space(s, c);
  char rb[16];
  CHECK_INT(otls_conn_read(c, rb, sizeof(rb)), 5);
  CHECK(memcmp(rb, "reply", 5) == 0);
  /* Bad use: committing more than was given, or after the end of stream. */
  uint8_t *dst = NULL;
  size_t room = 0;
  CHECK_ERR(otls_conn_input_space(s, &dst, &room), 0);
  CHECK_ERR(otls_conn_input_commit(s, room + 1), OTLS_E_INVAL);
  CHECK_ERR(otls_conn_input_commit(s, 0), 0);
  CHECK_ERR(otls_conn_input_commit(s, 1), OTLS_E_INVAL);
  CHECK_ERR(otls_conn_input_space(NULL, &dst, &room), OTLS_E_INVAL);
  CHECK_ERR(otls_conn_feed_eof(s), 0);
  CHECK_ERR(otls_conn_input_space(s, &dst, &room), OTLS_E_STATE);
  CHECK(dst == NULL && room == 0);
  /* The input stays bounded at OTLS_CONN_INPUT_MAX. */
  otls_conn *s2 = NULL;
  CHECK_ERR(otls_conn_new(&s2, sctx, &so), 0);
  size_t total = 0;
  for (int i = 0; i < 100; i++) {
    int rv = otls_conn_input_space(s2, &dst, &room);
    if (rv == OTLS_E_BUFFER_FULL)
      break;
    CHECK_ERR(rv, 0);
    memset(dst, 0x16, room);
    CHECK_ERR(otls_conn_input_commit(s2, room), 0);
    total += room;
  }
  CHECK_INT(total, OTLS_CONN_INPUT_MAX);
  T("input_space", "handshake and 40000 bytes through input_space; bounded at %zu", total);
  otls_conn_free(s2);
  otls_conn_free(c);
  otls_conn_free(s);
  otls_context_free(cctx);
  otls_context_free(sctx);
  fclose(transcript);
  transcript = NULL;
END_SCENARIO
