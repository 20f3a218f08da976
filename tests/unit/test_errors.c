/* Unit tests for core/errors.c */
#include "otls_test.h"

TEST(every_code_has_a_distinct_name_and_message) {
#define X(suffix, value, name, msg)                                   \
  CHECK_STR(otls_err_name(value), name);                              \
  CHECK_STR(otls_strerror(value), msg);                               \
  CHECK_INT(otls_err_from_name(name), value);
  OTLS_ERRNO_MAP(X)
#undef X
}

TEST(node_names_are_used_for_verification_errors) {
  CHECK_STR(otls_err_name(OTLS_E_CERT_HAS_EXPIRED), "CERT_HAS_EXPIRED");
  CHECK_STR(otls_err_name(OTLS_E_CERT_ALTNAME_INVALID), "ERR_TLS_CERT_ALTNAME_INVALID");
  CHECK_STR(otls_err_name(OTLS_E_DEPTH_ZERO_SELF_SIGNED_CERT), "DEPTH_ZERO_SELF_SIGNED_CERT");
  CHECK_STR(otls_err_name(OTLS_E_HANDSHAKE_TIMEOUT), "ERR_TLS_HANDSHAKE_TIMEOUT");
}

TEST(unknown_codes_have_a_fallback_name) {
  CHECK_STR(otls_err_name(0), "OK");
  CHECK_STR(otls_err_name(-9999), "ERR_OTLS_UNKNOWN");
  CHECK_STR(otls_strerror(-9999), "unknown error");
  CHECK_INT(otls_err_from_name("NOPE"), OTLS_E_INVAL);
  CHECK_INT(otls_err_from_name(NULL), OTLS_E_INVAL);
}

TEST(verify_codes_are_classified) {
  CHECK(otls_err_is_verify(OTLS_E_CERT_HAS_EXPIRED));
  CHECK(otls_err_is_verify(OTLS_E_UNABLE_TO_GET_ISSUER_CERT));
  CHECK(otls_err_is_verify(OTLS_E_CERT_ALTNAME_INVALID));
  CHECK(!otls_err_is_verify(OTLS_E_WANT_READ));
  CHECK(!otls_err_is_verify(OTLS_E_PEER_ALERT));
  CHECK(!otls_err_is_verify(0));
}

TEST(alert_names_follow_the_rfc) {
  CHECK_STR(otls_alert_name(0), "close_notify");
  CHECK_STR(otls_alert_name(40), "handshake_failure");
  CHECK_STR(otls_alert_name(70), "protocol_version");
  CHECK_STR(otls_alert_name(116), "certificate_required");
  CHECK_STR(otls_alert_name(120), "no_application_protocol");
  CHECK_STR(otls_alert_name(7), NULL);
}

TEST(backend_is_identified) {
  const char *n = otls_backend_name();
  CHECK(strcmp(n, "openssl") == 0 || strcmp(n, "boringssl") == 0 || strcmp(n, "wolfssl") == 0 ||
        strcmp(n, "gnutls") == 0);
  CHECK(strlen(otls_backend_version()) > 0);
  CHECK_STR(otls_version_string(), OTLS_VERSION_STRING);
  CHECK_INT(otls_version_num(), OTLS_VERSION_NUM);
  CHECK(otls_backend_has(OTLS_CAP_TLS1_2));
  CHECK(otls_backend_has(OTLS_CAP_TLS1_3));
  CHECK(!otls_backend_has((enum otls_cap)63));
  CHECK_STR(otls_cap_name(OTLS_CAP_TLS1_3), "tls1.3");
}
