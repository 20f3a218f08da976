/*
 * omnitls — cipher suites and cipher strings.
 *
 * omnitls understands OpenSSL's cipher-string language (openssl-ciphers(1):
 * "HIGH:!aNULL:!MD5", "ECDHE+AESGCM:@STRENGTH", ...) on every backend: the
 * string is evaluated once, by omnitls, against one table of cipher suites,
 * and each backend is given the resulting explicit, ordered list. A string
 * therefore means the same thing whichever TLS library is inside, and the
 * same thing OpenSSL 3.0 makes of it (for TLS <= 1.2 suites: same suites,
 * same order).
 *
 * TLS 1.3 suites are named in the same string, as Node.js accepts them:
 * "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:HIGH:!aNULL". They
 * come first in the result, in the order given. A string that names no TLS
 * 1.3 suite keeps the default ones (TLS_AES_128_GCM_SHA256,
 * TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256), as Node does: its
 * `ciphers` option only replaces the TLS 1.3 suites when it names some.
 *
 * Names: OpenSSL names ("ECDHE-RSA-AES128-GCM-SHA256") and IANA names
 * ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") are both accepted, case-
 * sensitively. Unknown words are ignored, as OpenSSL ignores them.
 *
 * Differences from OpenSSL 3.0, all deliberate:
 *  - IANA names of TLS <= 1.2 suites are accepted as names ('_' is a name
 *    character), so "HIGH:_x" ignores "_x" where OpenSSL fails;
 *  - the string is split into elements at separators first and empty
 *    elements dropped, as Node does, so ":DEFAULT" still starts with
 *    DEFAULT (OpenSSL only expands DEFAULT at the very start);
 *  - TLS 1.3 names may be separated by ',', ' ' or ';' as well as ':'
 *    (Node only splits at ':');
 *  - "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" is a TLS 1.2 rule in its place
 *    (Node hands every "TLS_" element to the TLS 1.3 list).
 * A TLS 1.3 name behind an operator ("!TLS_AES_128_GCM_SHA256") is ignored,
 * as in Node: to restrict TLS 1.3, name the suites wanted. docs/ciphers.md
 * has the full rules and how they were checked.
 */
#ifndef OMNITLS_CIPHERS_H
#define OMNITLS_CIPHERS_H

#include "common.h"

OTLS_BEGIN_DECLS

/* Room that is always enough for any cipher list omnitls returns. */
#define OTLS_CIPHERS_MAX 256

/*
 * struct otls_cipher_info (typedef otls_cipher_info) — { name, standard_name,
 * version, id } of one suite, the type of Node's tlsSocket.getCipher(),
 * declared with otls_conn_cipher() in conn.h. Every string is static.
 */
struct otls_cipher_info;

/*
 * otls_ciphers_eval() — evaluate a cipher string (the `ciphers` context
 * option) for this library variant's backend, into ids: TLS 1.3 suites
 * first, then TLS <= 1.2 suites in preference order, only suites the
 * backend can negotiate. NULL or "" means the process default
 * (otls_default_ciphers()), as Node treats an empty `ciphers`.
 *
 * Returns 0 with *n set to the number of ids written. Errors:
 *  - OTLS_E_NO_CIPHER_MATCH: the TLS <= 1.2 part of the string selects no
 *    suite ("!aNULL" alone, "FOO"), or it names TLS 1.3 suites of which the
 *    backend has none ("TLS_FOO") — Node's ERR_SSL_NO_CIPHER_MATCH;
 *  - OTLS_E_INVAL: syntax error ("ECDHE+", "@FOO", "@SECLEVEL=9"), a string
 *    of separators only, longer than 4096 bytes, n == NULL, ids == NULL
 *    with max > 0, or max too small (then *n is the number needed; a buffer
 *    of OTLS_CIPHERS_MAX is always enough). ids == NULL with max == 0 asks
 *    for the size: returns 0 with *n set and writes nothing.
 * "@SECLEVEL=n" is accepted (0..5) and does not change the list.
 */
OTLS_EXTERN int otls_ciphers_eval(const char *str, uint16_t *ids, size_t max, size_t *n);

/*
 * otls_cipher_lookup() — the names of the suite with code point `id`, as
 * getCipher() reports them: OpenSSL name (for TLS 1.3 suites the IANA
 * name), IANA name, and the oldest protocol the suite works with in
 * OpenSSL's spelling ("TLSv1.3", "TLSv1.2", "TLSv1.0", "SSLv3").
 * Returns 0, or OTLS_E_INVAL when omnitls does not know the suite (or out is
 * NULL). Knowing a suite does not mean this backend has it: otls_get_ciphers()
 * lists those.
 */
OTLS_EXTERN int otls_cipher_lookup(uint16_t id, struct otls_cipher_info *out);

/*
 * otls_cipher_lookup_name() — the same by OpenSSL name or IANA name,
 * ignoring case (so the lower-case names of otls_get_ciphers() work).
 * Returns 0 or OTLS_E_INVAL.
 */
OTLS_EXTERN int otls_cipher_lookup_name(const char *name, struct otls_cipher_info *out);

/*
 * otls_get_ciphers() — the names of every suite this library variant can
 * negotiate, lower-case and sorted, as Node's tls.getCiphers() returns them
 * ("aes128-gcm-sha256", ..., "tls_aes_128_gcm_sha256"). The strings are
 * static. Same buffer rules as otls_ciphers_eval(): 0 with *n written, or
 * OTLS_E_INVAL with *n the number needed; names == NULL with max == 0 asks
 * for the size.
 */
OTLS_EXTERN int otls_get_ciphers(const char **names, size_t max, size_t *n);

/*
 * otls_default_ciphers() — the process-wide default cipher string, used
 * when a context sets no `ciphers` (Node: tls.DEFAULT_CIPHERS). It is, in
 * order of precedence: the last otls_set_default_ciphers(); the
 * environment variable OMNITLS_CIPHER_LIST (Node: --tls-cipher-list), read
 * once, the first time the default is needed (ignored in set-user-ID
 * programs, as glibc's secure_getenv() does); the built-in list (TLS 1.3
 * suites, then ECDHE with AES-GCM and CHACHA20-POLY1305 — the same on
 * every backend). The string stays valid for the life of the process.
 *
 * An OMNITLS_CIPHER_LIST that does not evaluate is kept anyway, as Node
 * keeps a bad --tls-cipher-list: every context that relies on the default
 * then fails with the evaluation error. Set the variable before the process
 * creates its first context (before it calls any omnitls function is
 * safest): it is not read again.
 */
OTLS_EXTERN const char *otls_default_ciphers(void);

/*
 * otls_set_default_ciphers() — replace the process default (NULL: back to
 * the built-in list). The string is evaluated first and rejected with that
 * evaluation's error (the default is then unchanged); "" is OTLS_E_INVAL. Thread-safe, but
 * contexts being created at the same moment may see either default; call it
 * at start-up. Each call keeps its string for the life of the process.
 * Returns 0, or an error of otls_ciphers_eval(), or OTLS_E_NOMEM.
 */
OTLS_EXTERN int otls_set_default_ciphers(const char *str);

OTLS_END_DECLS

#endif /* OMNITLS_CIPHERS_H */
