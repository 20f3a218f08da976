/* omnitls — error names and messages, from the one table in errors.h. */
#include <string.h>

#include "internal.h"

const char *otls_err_name(int code) {
  switch (code) {
  case 0:
    return "OK";
#define X(suffix, value, name, msg) \
  case value:                       \
    return name;
    OTLS_ERRNO_MAP(X)
#undef X
  }
  return "ERR_OTLS_UNKNOWN";
}

const char *otls_strerror(int code) {
  switch (code) {
  case 0:
    return "success";
#define X(suffix, value, name, msg) \
  case value:                       \
    return msg;
    OTLS_ERRNO_MAP(X)
#undef X
  }
  return "unknown error";
}

int otls_err_from_name(const char *name) {
  if (name == NULL)
    return OTLS_E_INVAL;
#define X(suffix, value, ename, msg) \
  if (strcmp(name, ename) == 0)      \
    return value;
  OTLS_ERRNO_MAP(X)
#undef X
  return OTLS_E_INVAL;
}

bool otls_err_is_verify(int code) {
  return code <= OTLS_E_UNABLE_TO_GET_ISSUER_CERT && code >= OTLS_E_CERT_ALTNAME_INVALID;
}

/* RFC 8446 §6 / RFC 5246 §7.2 alert descriptions. */
const char *otls_alert_name(int alert) {
  switch (alert) {
  case 0: return "close_notify";
  case 10: return "unexpected_message";
  case 20: return "bad_record_mac";
  case 21: return "decryption_failed";
  case 22: return "record_overflow";
  case 30: return "decompression_failure";
  case 40: return "handshake_failure";
  case 41: return "no_certificate";
  case 42: return "bad_certificate";
  case 43: return "unsupported_certificate";
  case 44: return "certificate_revoked";
  case 45: return "certificate_expired";
  case 46: return "certificate_unknown";
  case 47: return "illegal_parameter";
  case 48: return "unknown_ca";
  case 49: return "access_denied";
  case 50: return "decode_error";
  case 51: return "decrypt_error";
  case 60: return "export_restriction";
  case 70: return "protocol_version";
  case 71: return "insufficient_security";
  case 80: return "internal_error";
  case 86: return "inappropriate_fallback";
  case 90: return "user_canceled";
  case 100: return "no_renegotiation";
  case 109: return "missing_extension";
  case 110: return "unsupported_extension";
  case 111: return "certificate_unobtainable";
  case 112: return "unrecognized_name";
  case 113: return "bad_certificate_status_response";
  case 114: return "bad_certificate_hash_value";
  case 115: return "unknown_psk_identity";
  case 116: return "certificate_required";
  case 120: return "no_application_protocol";
  }
  return NULL;
}
