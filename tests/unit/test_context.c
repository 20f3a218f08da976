/*
 * Unit tests for core/context.c: every way of building a context, and a
 * precise error for every bad input — on every backend.
 */
#include "internal.h"
#include "otls_test.h"

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
