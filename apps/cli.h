/*
 * omnitls CLI — helpers shared by the subcommands: argument parsing, building
 * a secure context from openssl-style flags, driving a non-blocking
 * otls_socket with poll(2), and describing a connection in JSON.
 */
#ifndef OMNITLS_APPS_CLI_H
#define OMNITLS_APPS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "omnitls.h"

/*
 * Exit codes of every subcommand (documented in `omnitls --help` and the
 * man page's EXIT STATUS).
 */
#define EXIT_OK 0
#define EXIT_FAIL 1         /* the operation failed: TLS, verification, network, file */
#define EXIT_USAGE 2        /* bad command line */
#define EXIT_UNSUPPORTED 77 /* OTLS_E_UNSUPPORTED: this backend cannot do what was asked */

/* The name the tool was run as (argv[0]'s last component): "omnitls-gnutls". */
extern const char *cli_prog;

/* The exit status for a failure with `code`: 77 for OTLS_E_UNSUPPORTED, else 1. */
int cli_exit_status(int code);

/* "OTLS_E_CERT_HAS_EXPIRED" for OTLS_E_CERT_HAS_EXPIRED; "OTLS_E_?" when unknown. */
const char *cli_errno_ident(int code);

/* The code whose otls_err_name() is `name` ("CERT_HAS_EXPIRED"), or 0. */
int cli_errno_by_name(const char *name);

/* The one-paragraph lines printed under "exit status:" by every -help. */
extern const char cli_exit_status_help[];

/* --- the command line ------------------------------------------------------- */

/* A flag of a subcommand; `arg` is the name of its value (NULL: no value). */
struct cli_flag {
  const char *name;
  const char *arg;
  const char *help;
};

/*
 * Iterate over argv. Returns the matching flag (its value in *val when it
 * takes one), NULL at the end. An operand (an argument not starting with
 * '-', or anything after "--") is stored in `operands` while fewer than
 * `max_operands` were seen. On an unknown flag, a missing value or a stray
 * operand prints a one-line message and "see '<prog> <cmd> --help'" to
 * stderr and exits 2; -help/--help/-h prints the usage to stdout and
 * exits 0.
 */
#define CLI_MAX_OPERANDS 4
struct cli_args {
  int argc, i;
  char **argv;
  const char *cmd;
  const char *synopsis;         /* after "usage: omnitls <cmd> " */
  const char *about;            /* what the command does (printed by -help) */
  const struct cli_flag *flags; /* ends with {NULL} */
  int max_operands, noperands;
  const char *operands[CLI_MAX_OPERANDS];
  bool no_more_flags; /* "--" was seen */
};
const struct cli_flag *cli_next(struct cli_args *a, const char **val);
/* Print the usage (synopsis, about, flags, exit status) of `a` to `f`. */
void cli_usage(FILE *f, const struct cli_args *a);
/* Print "<prog> <cmd>: <msg>" and "see '<prog> <cmd> --help'" to stderr, exit 2. */
void cli_usage_error(const struct cli_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Parse a non-negative integer flag value, or cli_usage_error(). */
int cli_int(const struct cli_args *a, const char *flag, const char *val);

/*
 * Split "HOST:PORT", "[V6]:PORT" or (when allow_port_only) "PORT" into
 * `host` (NULL when absent) and `port`. Returns false when malformed.
 */
bool cli_split_hostport(char *s, bool allow_port_only, const char **host, const char **port);

/* --- the secure context ---------------------------------------------------- */

struct cli_tls {
  const char *cafile;
  const char *cert;
  const char *key; /* NULL: the key is in `cert` */
  const char *cert_chain;
  const char *pass; /* openssl syntax: pass:X, env:VAR, file:PATH, or X */
  const char *min_version, *max_version;
  bool reject_unauthorized;
  bool request_cert;
  /* -cipher / -ciphersuites, combined into Node's one `ciphers` string */
  const char *cipher, *ciphersuites;
  const char *curves;  /* -curves: ecdhCurve */
  const char *dhparam; /* -dhparam FILE (server) */
  const char *pfx;     /* -pfx FILE: PKCS#12 key + chain, opened with -pass */
  const char *crl;     /* -CRL FILE: CRLs (PEM) */
  const uint8_t *ticket_keys; /* -ticket_keys: 48 bytes */
  bool no_ticket;             /* -no_ticket */
};

/* --- issue-5 helpers (apps/cli.c) ---------------------------------------- */

/*
 * Read a whole file (at most 64 MiB) into a malloc'd buffer, with a NUL
 * after the `*len` bytes; NULL when it cannot be read.
 */
uint8_t *cli_read_file(const char *path, size_t *len);

/* Lower-case hex of `n` bytes as a JSON string value (key given). */
void cli_json_hex(struct json *j, const char *key, const uint8_t *p, size_t n);

/* The client-side extras of -json: finished, peerFinished, ocspResponse, tickets. */
void cli_json_conn_extras(struct json *j, otls_conn *c);

/*
 * Node's `ciphers` from openssl's -cipher (TLS <= 1.2) and -ciphersuites
 * (TLS 1.3): the suites first, then the cipher string (the default one
 * without its TLS 1.3 names when only -ciphersuites is given). NULL when
 * neither is set; malloc'ed otherwise (NULL also on ENOMEM: *oom set).
 */
char *cli_ciphers(const char *cipher, const char *ciphersuites, bool *oom);

/* Build the context; on failure return the code with a sentence in `detail`. */
int cli_context(otls_context **out, const struct cli_tls *t, char *detail, size_t detail_len);

/* --- driving a non-blocking socket ----------------------------------------- */

/*
 * Wait until the socket can make the progress `want` (OTLS_E_WANT_READ or
 * OTLS_E_WANT_WRITE) asked for. timeout_ms < 0: forever. Returns 0, or
 * OTLS_E_TIMEDOUT.
 */
int cli_wait(otls_socket *s, int want, int timeout_ms);

/* Run the handshake to completion; OTLS_E_HANDSHAKE_TIMEOUT after timeout_ms (>0). */
int cli_handshake(otls_socket *s, int timeout_ms);
/* Read what is available (waiting for at least one byte): > 0, 0 at a clean
 * close, or an error (OTLS_E_TIMEDOUT when idle for timeout_ms > 0). */
int cli_read(otls_socket *s, void *buf, size_t len, int timeout_ms);
/* Write and send everything. */
int cli_write_all(otls_socket *s, const void *buf, size_t len, int timeout_ms);
/* close_notify, flushed, then wait (up to linger_ms) for the peer to finish,
 * so that unread input does not turn our close into a reset. */
int cli_close(otls_socket *s, int linger_ms);

/*
 * Print "error: NAME: detail (OTLS_E_X)" to stderr: Node's error name
 * first (scripts grep for it), the library's code last.
 */
void cli_error(int code, const char *detail);

/* --- printing for people --------------------------------------------------- */

/*
 * Write `n` bytes of text that came from a certificate or a peer, with
 * control characters (C0, DEL) escaped as \xNN so that they cannot drive
 * the terminal.
 */
void cli_put_safe(FILE *f, const char *s, size_t n);
/* A distinguished name as "C=US, O=Example, CN=host" (control characters escaped). */
void cli_put_name(FILE *f, const otls_cert_name_entry *e, int n);
/*
 * A certificate as text, each line starting with `indent`: subject, issuer,
 * validity, serial, subject alternative names, key, CA flag, extended key
 * usage, SHA-1 and SHA-256 fingerprints.
 */
void cli_print_cert(FILE *f, const otls_cert *cert, const char *indent);

/* Milliseconds on the monotonic clock. */
long long cli_now_ms(void);

/* --- describing a connection ---------------------------------------------------- */

/*
 * Add the properties a Node.js TLSSocket shows (protocol, cipher,
 * alpnProtocol, servername, authorized, authorizationError, isSessionReused,
 * peerCertificate) to the open JSON object.
 */
void cli_json_tls_info(struct json *j, otls_conn *c);

/*
 * Client: "ephemeralKeyInfo": Node's getEphemeralKeyInfo() object
 * ({"type":"ECDH","name":"X25519","size":253}, {"type":"DH","size":2048}
 * or {}); nothing on a server (Node: null).
 */
void cli_json_ephemeral_key_info(struct json *j, otls_conn *c);

/* {"error": NAME, "message": ..., "otlsCode": "OTLS_E_X"} + extra keys added by the caller; opens the object. */
void cli_json_error_begin(struct json *j, int code, const char *message);

/* Relay between plaintext fds and the TLS socket (see cli.c). */
struct relay_result {
  bool sent_close;     /* we sent close_notify (our input ended) */
  bool peer_closed;    /* the peer sent close_notify */
};
/* close_at_eof: send close_notify at the end of `in_fd` (else wait for the peer). */
int cli_relay(otls_socket *s, int in_fd, int out_fd, bool close_at_eof, struct relay_result *res);

#endif
