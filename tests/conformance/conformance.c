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
