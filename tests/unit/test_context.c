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
