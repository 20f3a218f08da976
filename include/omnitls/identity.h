/*
 * omnitls — server identity: does a certificate name the host we meant?
 *
 * A client connection runs this check by itself after the chain verifies
 * (otls_conn_options.host); the function here is the same check on its own,
 * for callers that verify a certificate they obtained some other way, or that
 * want to reproduce Node's decision.
 */
#ifndef OMNITLS_IDENTITY_H
#define OMNITLS_IDENTITY_H

#include "common.h"

OTLS_BEGIN_DECLS

/*
 * otls_check_server_identity() — does the certificate `der` (one X.509
 * certificate, DER, `len` bytes) name `host`?
 *
 * The rules are exactly Node.js v20's:
 *  - an IP address `host` (IPv4 dotted quad, or IPv6 in any textual form,
 *    an "%zone" suffix ignored) matches only IP-address SANs, compared as
 *    addresses ("::1" matches 0:0:0:0:0:0:0:1; "127.0.0.1" does not match
 *    "::ffff:127.0.0.1");
 *  - any other `host` matches the DNS SANs, or the subject CN(s) only when
 *    the certificate has no DNS SAN at all; URI and email SANs never count;
 *  - comparison ignores ASCII case, a trailing dot on the SAN/CN and up to
 *    two on `host` (Node drops one dot twice);
 *  - a SAN or CN with an empty label or a byte outside 0x21..0x7f (a
 *    U-label, a blank, a NUL) never matches;
 *  - '*' is allowed once, in the left-most label only, and may stand for
 *    part of it ("b*z.example.com"), but never inside a label containing
 *    "xn--" and never in a pattern of fewer than three labels ("*.com").
 *
 * Returns 0 when the certificate names `host`, with `reason` set to "".
 * Errors:
 *  - OTLS_E_CERT_ALTNAME_INVALID: it does not; `reason` receives Node's
 *    `err.reason`, e.g. "Host: a.example. is not in the cert's altnames:
 *    DNS:b.example" or "IP: 10.0.0.1 is not in the cert's list: 10.0.0.2"
 *    (text from a certificate CN containing a NUL byte ends there);
 *  - OTLS_E_DER_BAD: `der` is not a certificate ("Cert cannot be parsed");
 *  - OTLS_E_INVAL: `host` is NULL, `der` is NULL with `len` > 0, or `reason`
 *    is NULL with `reason_len` > 0;
 *  - OTLS_E_NOMEM.
 *
 * `reason` may be NULL (with `reason_len` 0); otherwise it is always
 * NUL-terminated, truncated to `reason_len` bytes. Nothing is retained.
 *
 * Node.js: `tls.checkServerIdentity(hostname, cert)`, which returns
 * undefined or an Error with `code` 'ERR_TLS_CERT_ALTNAME_INVALID' and this
 * `reason`.
 */
OTLS_EXTERN int otls_check_server_identity(const char *host, const uint8_t *der, size_t len,
                                           char *reason, size_t reason_len);

OTLS_END_DECLS

#endif /* OMNITLS_IDENTITY_H */
