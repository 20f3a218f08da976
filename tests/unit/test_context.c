/*
 * Unit tests for core/context.c: every way of building a context, and a
 * precise error for every bad input — on every backend.
 */
#include "internal.h"
#include "otls_test.h"
#include "pkcs12.h"

static int build(const char *cert, const char *key, const char *pass, const char *ca) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source c = otls_source_file(cert ? pki(cert) : NULL);
  otls_source k = otls_source_file(key ? pki(key) : NULL);
  otls_source a = otls_source_file(ca ? pki(ca) : NULL);
  if (cert) {
    o.cert = &c;
    o.cert_count = 1;
  }
  if (key) {
    o.key = &k;
    o.key_count = 1;
  }
  if (ca) {
    o.ca = &a;
    o.ca_count = 1;
  }
  o.passphrase = pass;
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0) {
    CHECK(ctx == NULL);
    CHECK(detail[0] != 0); /* every failure says why */
    printf("  -> %s: %s\n", otls_err_name(rv), detail);
  }
  otls_context_free(ctx);
  return rv;
}

TEST(context_loads_key_and_chain_from_files) {
  CHECK_ERR(build("server-rsa-chain.pem", "server-rsa.key", NULL, "ca.pem"), 0);
  CHECK_ERR(build("server-ec-chain.pem", "server-ec.key", NULL, NULL), 0);
}

TEST(context_loads_key_and_chain_from_memory) {
  uint8_t *cert, *key;
  size_t clen, klen;
  CHECK_INT(otls__read_file(pki("server-ec-chain.pem"), &cert, &clen), 0);
  CHECK_INT(otls__read_file(pki("server-ec.key"), &key, &klen), 0);
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source c = otls_source_mem(cert, clen), k = otls_source_mem(key, klen);
  o.cert = &c;
  o.cert_count = 1;
  o.key = &k;
  o.key_count = 1;
  otls_context *ctx = NULL;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  CHECK(otls_context_has_cert(ctx));
  /* References: the context lives until the last one goes. */
  CHECK(otls_context_ref(ctx) == ctx);
  otls_context_free(ctx);
  CHECK(otls_context_has_cert(ctx));
  otls_context_free(ctx);
  free(cert);
  free(key);
}

TEST(context_opens_encrypted_keys_with_the_passphrase) {
  if (!otls_backend_has(OTLS_CAP_ENCRYPTED_KEYS))
    otls_test_skip("no encrypted keys");
  CHECK_ERR(build("server-rsa-chain.pem", "server-rsa-enc.key", "test-pass", NULL), 0);
  CHECK_ERR(build("server-rsa-chain.pem", "server-rsa-enc-trad.key", "test-pass", NULL), 0);
}

TEST(wrong_passphrase_is_bad_decrypt) {
  CHECK_ERR(build("server-rsa-chain.pem", "server-rsa-enc.key", "wrong", NULL), OTLS_E_BAD_DECRYPT);
  /* wolfSSL accepts a wrong passphrase on legacy PEM unless checked: we check. */
  CHECK_ERR(build("server-rsa-chain.pem", "server-rsa-enc-trad.key", "wrong", NULL),
            OTLS_E_BAD_DECRYPT);
}

TEST(missing_passphrase_is_bad_decrypt) {
  CHECK_ERR(build("server-rsa-chain.pem", "server-rsa-enc.key", NULL, NULL), OTLS_E_BAD_DECRYPT);
  CHECK_ERR(build("server-rsa-chain.pem", "server-rsa-enc-trad.key", NULL, NULL),
            OTLS_E_BAD_DECRYPT);
}

TEST(key_not_matching_certificate_is_rejected) {
  CHECK_ERR(build("server-rsa-chain.pem", "mismatch.key", NULL, NULL), OTLS_E_KEY_MISMATCH);
  CHECK_ERR(build("server-ec-chain.pem", "server-rsa.key", NULL, NULL), OTLS_E_KEY_MISMATCH);
}

TEST(key_without_certificate_is_rejected) {
  CHECK_ERR(build(NULL, "server-rsa.key", NULL, NULL), OTLS_E_NO_CERT);
  CHECK_ERR(build("server-rsa-chain.pem", NULL, NULL, NULL), OTLS_E_NO_CERT);
}

TEST(missing_file_is_a_file_error) {
  CHECK_ERR(build("does-not-exist.pem", "server-rsa.key", NULL, NULL), OTLS_E_FILE);
  CHECK_ERR(build(NULL, NULL, NULL, "does-not-exist.pem"), OTLS_E_FILE);
}

static int build_mem(const char *cert_pem, const char *ca_pem) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source c = otls_source_mem(cert_pem, cert_pem ? strlen(cert_pem) : 0);
  otls_source a = otls_source_mem(ca_pem, ca_pem ? strlen(ca_pem) : 0);
  otls_source k = otls_source_file(pki("server-rsa.key"));
  if (cert_pem) {
    o.cert = &c;
    o.cert_count = 1;
    o.key = &k;
    o.key_count = 1;
  }
  if (ca_pem) {
    o.ca = &a;
    o.ca_count = 1;
  }
  otls_context *ctx = NULL;
  int rv = otls_context_new(&ctx, &o, NULL, 0);
  otls_context_free(ctx);
  return rv;
}

TEST(malformed_pem_is_rejected_precisely) {
  CHECK_ERR(build_mem("not a certificate", NULL), OTLS_E_PEM_NO_START_LINE);
  CHECK_ERR(build_mem(NULL, ""), OTLS_E_PEM_NO_START_LINE);
  CHECK_ERR(build_mem("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", NULL),
            OTLS_E_PEM_BAD);
  CHECK_ERR(build_mem(NULL, "-----BEGIN CERTIFICATE-----\nMIIB\n"), OTLS_E_PEM_BAD);
  /* valid base64, but not a certificate */
  CHECK_ERR(build_mem(NULL, "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"),
            OTLS_E_DER_BAD);
}

TEST(ca_file_with_garbage_between_certificates_loads) {
  uint8_t *ca, *inter;
  size_t alen, ilen;
  CHECK_INT(otls__read_file(pki("ca.pem"), &ca, &alen), 0);
  CHECK_INT(otls__read_file(pki("inter.pem"), &inter, &ilen), 0);
  char *mix = malloc(alen + ilen + 64);
  CHECK(mix != NULL);
  sprintf(mix, "# comment\n%s\nsome garbage here\n%s\ntrailing", (char *)ca, (char *)inter);
  CHECK_ERR(build_mem(NULL, mix), 0);
  free(mix);
  free(ca);
  free(inter);
}

TEST(protocol_versions_are_validated) {
  otls_context_options o;
  otls_context *ctx = NULL;
  otls_context_options_init(&o);
  o.min_version = "TLSv1.4";
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_BAD_VERSION);
  o.min_version = "TLSv1.3";
  o.max_version = "TLSv1.2";
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_BAD_VERSION);
  o.min_version = "TLSv1.2";
  o.max_version = "TLSv1.2";
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  otls_context_free(ctx);
  o.min_version = "TLSv1";
  int rv = otls_context_new(&ctx, &o, NULL, 0);
  if (otls_backend_has(OTLS_CAP_TLS1_0)) {
    CHECK_ERR(rv, 0);
    otls_context_free(ctx);
  } else {
    CHECK_ERR(rv, OTLS_E_UNSUPPORTED);
  }
}

TEST(uninitialised_options_are_rejected) {
  otls_context_options o;
  memset(&o, 0, sizeof(o));
  otls_context *ctx = (otls_context *)&o;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_INVAL);
  CHECK(ctx == NULL);
  CHECK_ERR(otls_context_new(&ctx, NULL, NULL, 0), OTLS_E_INVAL);
  CHECK_ERR(otls_context_new(NULL, NULL, NULL, 0), OTLS_E_INVAL);
  otls_context_options_init(&o);
  o.cert_count = 1; /* count without array */
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_INVAL);
  otls_context_free(NULL);
}

TEST(server_connection_needs_a_certificate) {
  otls_context *ctx = make_ctx(NULL, NULL, NULL);
  otls_conn_options so;
  otls_conn_options_init(&so);
  so.is_server = true;
  otls_conn *c = NULL;
  CHECK_ERR(otls_conn_new(&c, ctx, &so), OTLS_E_INVAL);
  CHECK(c == NULL);
  otls_conn_free(NULL);
  otls_context_free(ctx);
}

/* --- ecdhCurve ------------------------------------------------------------ */

static int build_with(const char *ecdh_curve, const char *secure_protocol, const char *min,
                      const char *max) {
  otls_context_options o;
  otls_context_options_init(&o);
  o.ecdh_curve = ecdh_curve;
  o.secure_protocol = secure_protocol;
  o.min_version = min;
  o.max_version = max;
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0) {
    CHECK(ctx == NULL);
    CHECK(detail[0] != 0);
    printf("  -> %s: %s\n", otls_err_name(rv), detail);
  }
  otls_context_free(ctx);
  return rv;
}

TEST(ecdh_curve_accepts_node_and_openssl_spellings) {
  CHECK_ERR(build_with("P-256", NULL, NULL, NULL), 0);
  CHECK_ERR(build_with("prime256v1:secp384r1:secp521r1", NULL, NULL, NULL), 0);
  CHECK_ERR(build_with("secp256r1", NULL, NULL, NULL), 0);
  CHECK_ERR(build_with("P-521:P-384:P-256", NULL, NULL, NULL), 0);
  CHECK_ERR(build_with("X25519", NULL, NULL, NULL), 0);
  CHECK_ERR(build_with("x25519:p-384", NULL, NULL, NULL), 0); /* OpenSSL: case-insensitive */
}

TEST(ecdh_curve_auto_is_the_default_list) {
  CHECK_STR(OTLS_DEFAULT_ECDH_CURVE, "auto");
  CHECK_STR(otls_default_ecdh_curves(), "X25519:P-256:P-384");
  CHECK_ERR(build_with("auto", NULL, NULL, NULL), 0);
  CHECK_ERR(build_with(otls_default_ecdh_curves(), NULL, NULL, NULL), 0);
}

TEST(ecdh_curve_unknown_name_is_invalid) {
  CHECK_ERR(build_with("P-999", NULL, NULL, NULL), OTLS_E_INVAL);
  CHECK_ERR(build_with("P-256:brainpoolP256r1", NULL, NULL, NULL), OTLS_E_INVAL);
  CHECK_ERR(build_with("", NULL, NULL, NULL), OTLS_E_INVAL);
  CHECK_ERR(build_with("P-256:", NULL, NULL, NULL), OTLS_E_INVAL);
  CHECK_ERR(build_with(":P-256", NULL, NULL, NULL), OTLS_E_INVAL);
  CHECK_ERR(build_with("auto:P-256", NULL, NULL, NULL), OTLS_E_INVAL);
  CHECK_ERR(build_with("ffdhe2048", NULL, NULL, NULL), OTLS_E_INVAL);
}

TEST(ecdh_curve_repeated_group_is_invalid) {
  /* OpenSSL: "Duplicate group"; aliases name the same group. */
  CHECK_ERR(build_with("P-256:prime256v1", NULL, NULL, NULL), OTLS_E_INVAL);
  CHECK_ERR(build_with("X25519:x25519", NULL, NULL, NULL), OTLS_E_INVAL);
}

TEST(ecdh_curve_x448_needs_the_capability) {
  int rv = build_with("X448:P-256", NULL, NULL, NULL);
  CHECK_ERR(rv, otls_backend_has(OTLS_CAP_ECDH_X448) ? 0 : OTLS_E_UNSUPPORTED);
}

/* --- secureProtocol -------------------------------------------------------- */

TEST(secure_protocol_methods_set_the_range) {
  CHECK_ERR(build_with(NULL, "TLSv1_2_method", NULL, NULL), 0);
  CHECK_ERR(build_with(NULL, "TLSv1_2_client_method", NULL, NULL), 0);
  CHECK_ERR(build_with(NULL, "TLSv1_2_server_method", NULL, NULL), 0);
  CHECK_ERR(build_with(NULL, "TLS_method", NULL, NULL), 0);
  CHECK_ERR(build_with(NULL, "TLS_server_method", NULL, NULL), 0);
  CHECK_ERR(build_with(NULL, "SSLv23_method", NULL, NULL), 0);
  CHECK_ERR(build_with(NULL, "SSLv23_client_method", NULL, NULL), 0);
  CHECK_ERR(build_with(NULL, "TLSv1_1_method", NULL, NULL),
            otls_backend_has(OTLS_CAP_TLS1_1) ? 0 : OTLS_E_UNSUPPORTED);
  CHECK_ERR(build_with(NULL, "TLSv1_method", NULL, NULL),
            otls_backend_has(OTLS_CAP_TLS1_0) ? 0 : OTLS_E_UNSUPPORTED);
}

TEST(secure_protocol_unknown_or_disabled_method_is_rejected) {
  CHECK_ERR(build_with(NULL, "TLSv1_9_method", NULL, NULL), OTLS_E_INVALID_PROTOCOL_METHOD);
  /* Node has no TLSv1_3_method. */
  CHECK_ERR(build_with(NULL, "TLSv1_3_method", NULL, NULL), OTLS_E_INVALID_PROTOCOL_METHOD);
  CHECK_ERR(build_with(NULL, "SSLv3_method", NULL, NULL), OTLS_E_INVALID_PROTOCOL_METHOD);
  CHECK_ERR(build_with(NULL, "SSLv2_client_method", NULL, NULL), OTLS_E_INVALID_PROTOCOL_METHOD);
  CHECK_ERR(build_with(NULL, "_server_method", NULL, NULL), OTLS_E_INVALID_PROTOCOL_METHOD);
  CHECK_ERR(build_with(NULL, "", NULL, NULL), OTLS_E_INVALID_PROTOCOL_METHOD);
  CHECK_STR(otls_err_name(OTLS_E_INVALID_PROTOCOL_METHOD), "ERR_TLS_INVALID_PROTOCOL_METHOD");
}

TEST(secure_protocol_with_min_or_max_version_conflicts) {
  CHECK_ERR(build_with(NULL, "TLSv1_2_method", "TLSv1.2", NULL), OTLS_E_PROTOCOL_VERSION_CONFLICT);
  CHECK_ERR(build_with(NULL, "TLS_method", NULL, "TLSv1.3"), OTLS_E_PROTOCOL_VERSION_CONFLICT);
  /* Node checks the conflict before the method name. */
  CHECK_ERR(build_with(NULL, "bogus", "TLSv1.2", NULL), OTLS_E_PROTOCOL_VERSION_CONFLICT);
  CHECK_STR(otls_err_name(OTLS_E_PROTOCOL_VERSION_CONFLICT), "ERR_TLS_PROTOCOL_VERSION_CONFLICT");
}

/* --- dhparam ---------------------------------------------------------------- */

static int build_dh(const otls_source *dh) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source c = otls_source_file(pki("server-rsa-chain.pem"));
  otls_source k = otls_source_file(pki("server-rsa.key"));
  o.cert = &c;
  o.cert_count = 1;
  o.key = &k;
  o.key_count = 1;
  o.dhparam = dh;
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0) {
    CHECK(ctx == NULL);
    CHECK(detail[0] != 0);
    printf("  -> %s: %s\n", otls_err_name(rv), detail);
  }
  otls_context_free(ctx);
  return rv;
}

TEST(dhparam_of_1024_and_2048_bits_is_accepted) {
  int want = otls_backend_has(OTLS_CAP_DHPARAM) ? 0 : OTLS_E_UNSUPPORTED;
  /* One at a time: pki() reuses a few static buffers. */
  otls_source a = otls_source_file(pki("dh2048.pem"));
  CHECK_ERR(build_dh(&a), want);
  otls_source b = otls_source_file(pki("dh1024.pem"));
  CHECK_ERR(build_dh(&b), want);
}

TEST(dhparam_under_1024_bits_is_invalid) {
  if (!otls_backend_has(OTLS_CAP_DHPARAM))
    otls_test_skip("no DHE in this backend (checked by dhparam_of_1024_and_2048_bits_is_accepted)");
  /* Node: ERR_INVALID_ARG_VALUE "DH parameter is less than 1024 bits". */
  static const char dh512[] = "-----BEGIN DH PARAMETERS-----\n"
                              "MEYCQQCbXU4Znx50K1850TooO0LY7Sb8LlzFym9E9WzHD0fTjCbC3ZjPGVuQH+9l\n"
                              "86lQqqyl+HyxwOWO3gUy+ghr3y8HAgEC\n"
                              "-----END DH PARAMETERS-----\n";
  otls_source s = otls_source_mem(dh512, sizeof(dh512) - 1);
  CHECK_ERR(build_dh(&s), OTLS_E_INVAL);
}

TEST(dhparam_malformed_or_missing_is_rejected) {
  if (!otls_backend_has(OTLS_CAP_DHPARAM))
    otls_test_skip("no DHE in this backend (checked by dhparam_of_1024_and_2048_bits_is_accepted)");
  /* SEQUENCE { INTEGER 5 } only: no generator. */
  static const char bad[] =
      "-----BEGIN DH PARAMETERS-----\nMAMCAQU=\n-----END DH PARAMETERS-----\n";
  otls_source s = otls_source_mem(bad, sizeof(bad) - 1);
  CHECK_ERR(build_dh(&s), OTLS_E_DER_BAD);
  otls_source cert = otls_source_file(pki("ca.pem")); /* no DH PARAMETERS block */
  CHECK_ERR(build_dh(&cert), OTLS_E_PEM_NO_START_LINE);
}

/* --- several key/certificate pairs, per-key passphrases ------------------------ */

struct pairs_spec {
  const char *cert[3], *key[3], *key_pass[3];
  const char *pfx[3], *pfx_pass[3];
  const char *passphrase;
};

static int build_pairs(const struct pairs_spec *p, char *detail, size_t detail_len) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source certs[3], keys[3], pfx[3];
  size_t nk = 0, np = 0;
  for (; nk < 3 && p->cert[nk]; nk++) {
    certs[nk] = otls_source_file(pki(p->cert[nk]));
    keys[nk] = otls_source_file(pki(p->key[nk]));
    keys[nk].passphrase = p->key_pass[nk];
  }
  for (; np < 3 && p->pfx[np]; np++) {
    pfx[np] = otls_source_file(pki(p->pfx[np]));
    pfx[np].passphrase = p->pfx_pass[np];
  }
  o.cert = certs;
  o.key = keys;
  o.cert_count = o.key_count = nk;
  o.pfx = pfx;
  o.pfx_count = np;
  o.passphrase = p->passphrase;
  otls_context *ctx = NULL;
  char buf[256];
  if (detail == NULL) {
    detail = buf;
    detail_len = sizeof(buf);
  }
  int rv = otls_context_new(&ctx, &o, detail, detail_len);
  if (rv < 0) {
    CHECK(ctx == NULL);
    CHECK(detail[0] != 0);
    printf("  -> %s: %s\n", otls_err_name(rv), detail);
  } else {
    CHECK(otls_context_has_cert(ctx));
  }
  otls_context_free(ctx);
  return rv;
}

#define MULTI(rv) (otls_backend_has(OTLS_CAP_MULTI_CERT) ? (rv) : OTLS_E_UNSUPPORTED)

TEST(rsa_and_ecdsa_pairs_need_multi_cert) {
  struct pairs_spec p = {.cert = {"server-rsa-chain.pem", "server-ec-chain.pem"},
                         .key = {"server-rsa.key", "server-ec.key"}};
  CHECK_ERR(build_pairs(&p, NULL, 0), MULTI(0));
}

TEST(two_pairs_of_one_key_type_are_invalid) {
  /* Both EC (P-256): OpenSSL would keep the second, GnuTLS use the first. */
  struct pairs_spec p = {.cert = {"server-ec-chain.pem", "client-chain.pem"},
                         .key = {"server-ec.key", "client.key"}};
  char detail[256];
  int rv = build_pairs(&p, detail, sizeof(detail));
  CHECK_ERR(rv, MULTI(OTLS_E_INVAL));
  if (rv == OTLS_E_INVAL)
    CHECK(strstr(detail, "EC") != NULL);
}

TEST(each_key_pairs_with_the_chain_of_the_same_index) {
  /* key[0] is the ECDSA one, cert[0] the RSA chain: a mismatch, not a swap. */
  struct pairs_spec p = {.cert = {"server-rsa-chain.pem", "server-ec-chain.pem"},
                         .key = {"server-ec.key", "server-rsa.key"}};
  CHECK_ERR(build_pairs(&p, NULL, 0), MULTI(OTLS_E_KEY_MISMATCH));
}

TEST(more_keys_than_chains_is_no_cert) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source certs[1] = {otls_source_file(pki("server-rsa-chain.pem"))};
  otls_source keys[2] = {otls_source_file(pki("server-rsa.key")),
                         otls_source_file(pki("server-ec.key"))};
  o.cert = certs;
  o.cert_count = 1;
  o.key = keys;
  o.key_count = 2;
  otls_context *ctx = NULL;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_NO_CERT);
  o.cert_count = 2;
  o.key_count = 1;
  otls_source two[2] = {certs[0], otls_source_file(pki("server-ec-chain.pem"))};
  o.cert = two;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_NO_CERT);
}

TEST(per_key_passphrase_overrides_the_shared_one) {
  if (!otls_backend_has(OTLS_CAP_ENCRYPTED_KEYS))
    otls_test_skip("no encrypted keys");
  /* The key's own passphrase is right, the shared one wrong: it opens. */
  struct pairs_spec p = {.cert = {"server-rsa-chain.pem"},
                         .key = {"server-rsa-enc.key"},
                         .key_pass = {"test-pass"},
                         .passphrase = "wrong"};
  CHECK_ERR(build_pairs(&p, NULL, 0), 0);
  /* The key's own is wrong, the shared one right: the key's own is used. */
  struct pairs_spec q = {.cert = {"server-rsa-chain.pem"},
                         .key = {"server-rsa-enc.key"},
                         .key_pass = {"wrong"},
                         .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&q, NULL, 0), OTLS_E_BAD_DECRYPT);
  q.key[0] = "server-rsa-enc-trad.key";
  CHECK_ERR(build_pairs(&q, NULL, 0), OTLS_E_BAD_DECRYPT);
}

TEST(two_keys_with_different_passphrases) {
  if (!otls_backend_has(OTLS_CAP_ENCRYPTED_KEYS))
    otls_test_skip("no encrypted keys");
  struct pairs_spec p = {.cert = {"server-rsa-chain.pem", "server-ec-chain.pem"},
                         .key = {"server-rsa-enc.key", "server-ec-enc.key"},
                         .key_pass = {NULL, "other-pass"},
                         .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&p, NULL, 0), MULTI(0));
  /* The shared passphrase does not open the second key. */
  p.key_pass[1] = NULL;
  CHECK_ERR(build_pairs(&p, NULL, 0), MULTI(OTLS_E_BAD_DECRYPT));
}

/* --- pfx ------------------------------------------------------------------------ */

TEST(pfx_bundles_load_with_their_passphrase) {
  struct pairs_spec p = {.pfx = {"server-rsa.p12"}, .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&p, NULL, 0), 0);
  p.pfx[0] = "server-rsa-3des.p12";
  CHECK_ERR(build_pairs(&p, NULL, 0), 0);
  p.pfx[0] = "server-rsa-fullchain.p12";
  CHECK_ERR(build_pairs(&p, NULL, 0), 0);
  struct pairs_spec q = {
      .pfx = {"server-ec.p12"}, .pfx_pass = {"other-pass"}, .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&q, NULL, 0), 0);
}

TEST(pfx_wrong_or_missing_passphrase_is_bad_decrypt) {
  static const char *const files[] = {"server-rsa.p12", "server-rsa-3des.p12"};
  for (size_t i = 0; i < 2; i++) {
    struct pairs_spec p = {.pfx = {files[i]}, .passphrase = "wrong"};
    CHECK_ERR(build_pairs(&p, NULL, 0), OTLS_E_BAD_DECRYPT);
    p.passphrase = NULL;
    CHECK_ERR(build_pairs(&p, NULL, 0), OTLS_E_BAD_DECRYPT);
    /* The item's own passphrase wins over the shared one, right or wrong. */
    p.pfx_pass[0] = "wrong";
    p.passphrase = "test-pass";
    CHECK_ERR(build_pairs(&p, NULL, 0), OTLS_E_BAD_DECRYPT);
    p.pfx_pass[0] = "test-pass";
    p.passphrase = "wrong";
    CHECK_ERR(build_pairs(&p, NULL, 0), 0);
  }
}

static int build_pfx_mem(const void *data, size_t len) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source s = otls_source_mem(data, len);
  o.pfx = &s;
  o.pfx_count = 1;
  o.passphrase = "test-pass";
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if (rv < 0)
    printf("  -> %s: %s\n", otls_err_name(rv), detail);
  otls_context_free(ctx);
  return rv;
}

TEST(pfx_malformed_is_der_bad) {
  uint8_t *p12;
  size_t len;
  CHECK_INT(otls__read_file(pki("server-rsa.p12"), &p12, &len), 0);
  CHECK_ERR(build_pfx_mem(p12, len), 0);
  CHECK_ERR(build_pfx_mem(p12, len / 2), OTLS_E_DER_BAD); /* truncated */
  CHECK_ERR(build_pfx_mem(p12, 0), OTLS_E_DER_BAD);
  uint8_t *longer = malloc(len + 1);
  CHECK(longer != NULL);
  memcpy(longer, p12, len);
  longer[len] = 0; /* trailing garbage */
  CHECK_ERR(build_pfx_mem(longer, len + 1), OTLS_E_DER_BAD);
  free(longer);
  free(p12);
  /* PEM is not a PFX (Node: "wrong tag"). */
  CHECK_INT(otls__read_file(pki("server-rsa.key"), &p12, &len), 0);
  CHECK_ERR(build_pfx_mem(p12, len), OTLS_E_DER_BAD);
  free(p12);
  /* A certificate is DER, but not a PFX. */
  static const uint8_t not_pfx[] = {0x30, 0x03, 0x02, 0x01, 0x03};
  CHECK_ERR(build_pfx_mem(not_pfx, sizeof(not_pfx)), OTLS_E_DER_BAD);
}

/* No MAC: Node v20 (OpenSSL 3.0) refuses it ("mac absent"); so does every backend. */
TEST(pfx_without_mac_is_unsupported_everywhere) {
  struct pairs_spec p = {.pfx = {"server-rsa-nomac.p12"}, .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&p, NULL, 0), OTLS_E_UNSUPPORTED_PFX);
}

TEST(pfx_without_a_key_is_no_cert) {
  struct pairs_spec p = {.pfx = {"certs-only.p12"}, .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&p, NULL, 0), OTLS_E_NO_CERT);
}

TEST(pfx_file_missing_is_a_file_error) {
  struct pairs_spec p = {.pfx = {"does-not-exist.p12"}, .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&p, NULL, 0), OTLS_E_FILE);
}

TEST(pfx_counts_as_a_key_certificate_pair) {
  struct pairs_spec p = {.cert = {"server-ec-chain.pem"},
                         .key = {"server-ec.key"},
                         .pfx = {"server-rsa.p12"},
                         .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&p, NULL, 0), MULTI(0));
  struct pairs_spec q = {.pfx = {"server-rsa.p12", "server-ec.p12"},
                         .pfx_pass = {"test-pass", "other-pass"}};
  CHECK_ERR(build_pairs(&q, NULL, 0), MULTI(0));
  /* Two RSA pairs. */
  struct pairs_spec r = {.cert = {"server-rsa-chain.pem"},
                         .key = {"server-rsa.key"},
                         .pfx = {"server-rsa-3des.p12"},
                         .passphrase = "test-pass"};
  CHECK_ERR(build_pairs(&r, NULL, 0), MULTI(OTLS_E_INVAL));
}

TEST(pfx_count_without_array_is_invalid) {
  otls_context_options o;
  otls_context_options_init(&o);
  o.pfx_count = 1;
  otls_context *ctx = NULL;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), OTLS_E_INVAL);
}

/* --- sessionIdContext --------------------------------------------------------- */

TEST(session_id_context_is_kept_up_to_32_bytes) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_context *ctx = NULL;
  size_t len = 99;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  CHECK(otls__context_session_id_context(ctx, &len) == NULL);
  CHECK_INT(len, 0);
  otls_context_free(ctx);
  static const char id32[] = "0123456789abcdef0123456789abcdef";
  o.session_id_context = id32;
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  const uint8_t *id = otls__context_session_id_context(ctx, &len);
  CHECK_INT(len, 32);
  CHECK(id != NULL && memcmp(id, id32, 32) == 0);
  otls_context_free(ctx);
  /* A server context passes it to the engine too. */
  otls_source c = otls_source_file(pki("server-rsa-chain.pem"));
  otls_source k = otls_source_file(pki("server-rsa.key"));
  o.cert = &c;
  o.key = &k;
  o.cert_count = o.key_count = 1;
  o.session_id_context = "my app";
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  id = otls__context_session_id_context(ctx, &len);
  CHECK_INT(len, 6);
  CHECK(memcmp(id, "my app", 6) == 0);
  otls_context_free(ctx);
  /* "" is none, as Node ignores an empty sessionIdContext. */
  o.session_id_context = "";
  CHECK_ERR(otls_context_new(&ctx, &o, NULL, 0), 0);
  CHECK(otls__context_session_id_context(ctx, &len) == NULL);
  otls_context_free(ctx);
}

TEST(session_id_context_over_32_bytes_is_invalid) {
  otls_context_options o;
  otls_context_options_init(&o);
  o.session_id_context = "0123456789abcdef0123456789abcdef!";
  otls_context *ctx = NULL;
  char detail[256];
  CHECK_ERR(otls_context_new(&ctx, &o, detail, sizeof(detail)), OTLS_E_INVAL);
  CHECK(ctx == NULL);
  CHECK(strstr(detail, "33") != NULL);
}

/* --- secureOptions ---------------------------------------------------------------- */

static int build_ops(uint64_t ops, const char *min, const char *max, otls_context **out,
                     char *detail, size_t detail_len) {
  otls_context_options o;
  otls_context_options_init(&o);
  o.secure_options = ops;
  o.min_version = min;
  o.max_version = max;
  *out = NULL;
  int rv = otls_context_new(out, &o, detail, detail_len);
  if (rv < 0)
    printf("  -> %s: %s\n", otls_err_name(rv), detail);
  return rv;
}

static void check_range(uint64_t ops, const char *min, const char *max, uint16_t want_min,
                        uint16_t want_max) {
  otls_context *ctx;
  char detail[256];
  CHECK_ERR(build_ops(ops, min, max, &ctx, detail, sizeof(detail)), 0);
  CHECK_INT(ctx->min_version, want_min);
  CHECK_INT(ctx->max_version, want_max);
  otls_context_free(ctx);
}

TEST(secure_options_narrow_the_protocol_range) {
  check_range(0, NULL, NULL, OTLS__TLS1_2, OTLS__TLS1_3);
  check_range(OTLS_OP_NO_TLSv1_3, NULL, NULL, OTLS__TLS1_2, OTLS__TLS1_2);
  check_range(OTLS_OP_NO_TLSv1_2, NULL, NULL, OTLS__TLS1_3, OTLS__TLS1_3);
  /* A gap cuts off everything below it (OpenSSL's rule). */
  check_range(OTLS_OP_NO_TLSv1_2, "TLSv1.1", NULL, OTLS__TLS1_3, OTLS__TLS1_3);
  /* Versions the backend lacks are fine once taken out (wolfSSL: no TLS 1.0). */
  check_range(OTLS_OP_NO_TLSv1, "TLSv1", NULL,
              otls_backend_has(OTLS_CAP_TLS1_1) ? OTLS__TLS1_1 : OTLS__TLS1_2, OTLS__TLS1_3);
}

TEST(secure_options_disabling_every_version_is_bad_version) {
  otls_context *ctx;
  char detail[256];
  CHECK_ERR(
      build_ops(OTLS_OP_NO_TLSv1_2 | OTLS_OP_NO_TLSv1_3, NULL, NULL, &ctx, detail, sizeof(detail)),
      OTLS_E_BAD_VERSION);
  CHECK(ctx == NULL);
  CHECK_ERR(build_ops(OTLS_OP_NO_TLSv1_3, "TLSv1.3", NULL, &ctx, detail, sizeof(detail)),
            OTLS_E_BAD_VERSION);
}

TEST(secure_options_that_are_always_on_are_accepted) {
  otls_context *ctx;
  char detail[256];
  CHECK_INT(OTLS_OP_NO_SSLv2, 0);
  CHECK_ERR(build_ops(OTLS_OP_NO_SSLv2 | OTLS_OP_NO_SSLv3 | OTLS_OP_NO_COMPRESSION, NULL, NULL,
                      &ctx, detail, sizeof(detail)),
            0);
  CHECK(!ctx->no_ticket && !ctx->no_renegotiation);
  otls_context_free(ctx);
}

TEST(secure_options_ticket_and_renegotiation_bits_are_kept) {
  otls_context *ctx;
  char detail[256];
  CHECK_ERR(build_ops(OTLS_OP_NO_TICKET | OTLS_OP_NO_RENEGOTIATION, NULL, NULL, &ctx, detail,
                      sizeof(detail)),
            0);
  CHECK(ctx->no_ticket);
  CHECK(ctx->no_renegotiation);
  otls_context_free(ctx);
  CHECK_ERR(build_ops(OTLS_OP_CIPHER_SERVER_PREFERENCE, NULL, NULL, &ctx, detail, sizeof(detail)),
            0);
  otls_context_free(ctx);
}

TEST(secure_options_other_bits_are_invalid_and_named) {
  otls_context *ctx;
  char detail[256];
  CHECK_ERR(build_ops(0x4, NULL, NULL, &ctx, detail, sizeof(detail)), OTLS_E_INVAL);
  CHECK(strstr(detail, "SSL_OP_LEGACY_SERVER_CONNECT") != NULL);
  CHECK_ERR(build_ops(OTLS_OP_NO_TICKET | (1ull << 21), NULL, NULL, &ctx, detail, sizeof(detail)),
            OTLS_E_INVAL);
  CHECK(strstr(detail, "SSL_OP_PRIORITIZE_CHACHA") != NULL);
  CHECK_ERR(build_ops(1ull << 40, NULL, NULL, &ctx, detail, sizeof(detail)), OTLS_E_INVAL);
  CHECK(strstr(detail, "0x10000000000") != NULL);
  /* SSL_OP_ALL (Node's crypto.constants) contains bits omnitls does not take. */
  CHECK_ERR(build_ops(0x80000850ull, NULL, NULL, &ctx, detail, sizeof(detail)), OTLS_E_INVAL);
}

/*
 * `openssl pkcs12 -export -legacy` (RC2-40 certificates) is refused on every
 * backend, as Node v20 refuses it; gen-pki.sh falls back to 3DES where the
 * CLI lacks the legacy provider, and that one loads.
 */
TEST(pfx_legacy_rc2_bundle_is_unsupported_everywhere) {
  uint8_t *der;
  size_t len;
  CHECK_INT(otls__read_file(pki("server-rsa-legacy.p12"), &der, &len), 0);
  int want = otls__pkcs12_check(der, len, NULL, 0);
  CHECK(want == 0 || want == OTLS_E_UNSUPPORTED_PFX);
  printf("  fixture: %s\n", want ? "RC2 (openssl pkcs12 -legacy)" : "3DES fallback");
  CHECK_ERR(build_pfx_mem(der, len), want);
  free(der);
  CHECK_STR(otls_err_name(OTLS_E_UNSUPPORTED_PFX), "ERR_CRYPTO_UNSUPPORTED_OPERATION");
}

/* --- minDHSize ---------------------------------------------------------------------- */

TEST(min_dh_size_defaults_to_1024_and_never_goes_below) {
  otls_context *ctx = make_ctx(NULL, NULL, "ca.pem");
  static const unsigned asked[] = {0, 1, 512, 1024, 2048, 3072};
  static const unsigned want[] = {1024, 1024, 1024, 1024, 2048, 3072};
  for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
    otls_conn_options co;
    otls_conn_options_init(&co);
    CHECK_INT(co.min_dh_size, 0);
    co.min_dh_size = asked[i];
    otls_conn *c = NULL;
    CHECK_ERR(otls_conn_new(&c, ctx, &co), 0);
    CHECK_INT(c->min_dh_size, want[i]);
    otls_conn_free(c);
  }
  otls_context_free(ctx);
}
