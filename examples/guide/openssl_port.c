/*
 * docs/migrating-from-openssl.md — a small OpenSSL client ported to omnitls.
 * Each step names the OpenSSL calls it replaces.
 *
 * Usage: openssl_port CA HOST PORT
 * Connects twice to an echo server that speaks ALPN http/1.1 (e.g.
 * `omnitls s_server -echo -alpn http/1.1`): the first connection does a
 * full handshake, prints what was negotiated and the server's certificate,
 * exports keying material and echoes "ping"; the second resumes the session
 * the first one received. Exit status 0 when both worked and the second
 * was resumed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnitls.h>

/* SSL_CTX_sess_set_new_cb(): keep the newest session the server gives us. */
static uint8_t *saved;
static size_t saved_len;

static void on_session(otls_conn *c, const uint8_t *session, size_t len, void *user) {
  (void)c;
  (void)user;
  uint8_t *copy = malloc(len); /* the blob is valid during the call only */
  if (!copy)
    return;
  memcpy(copy, session, len);
  free(saved);
  saved = copy;
  saved_len = len;
}

/* X509_get_subject_name() + X509_NAME_get_text_by_NID(NID_commonName). */
static const char *common_name(const otls_cert *cert, bool issuer) {
  const otls_cert_name_entry *e;
  int n = issuer ? otls_cert_issuer_name(cert, &e) : otls_cert_subject_name(cert, &e);
  for (int i = n - 1; i >= 0; i--)
    if (strcmp(e[i].type, "CN") == 0)
      return e[i].value;
  return "(none)";
}

static int session(otls_context *ctx, const char *host, const char *port, bool resume) {
  /* SSL_new() + SSL_set_tlsext_host_name() + SSL_set1_host() +
   * SSL_set_alpn_protos() + SSL_set_session(): connection options. */
  uint8_t alpn[32];
  int alpn_len = otls_alpn_encode("h2,http/1.1", alpn, sizeof alpn);
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.alpn_protocols = alpn;
  co.alpn_protocols_len = (size_t)alpn_len;
  co.on_session = on_session;
  if (resume) {
    co.session = saved;
    co.session_len = saved_len;
  }
  otls_socket_options so;
  otls_socket_options_init(&so);
  so.conn_options = &co;

  /* socket() + connect() + SSL_set_fd() + SSL_connect(). Verification
   * (SSL_VERIFY_PEER, host name check) happens inside: a failure is the
   * return value, as SSL_get_verify_result() would have told. */
  otls_socket *s;
  int rv = otls_socket_connect(&s, ctx, host, port, &so);
  if (rv < 0) {
    fprintf(stderr, "connect: %s (%s)\n", otls_err_name(rv), otls_strerror(rv));
    return rv;
  }
  otls_conn *c = otls_socket_conn(s);

  /* SSL_get_version(), SSL_get_current_cipher(), SSL_get0_alpn_selected(),
   * SSL_session_reused(), SSL_get_verify_result(). */
  otls_cipher_info ci;
  otls_conn_cipher(c, &ci);
  size_t alen = 0;
  const uint8_t *proto = otls_conn_alpn_protocol(c, &alen);
  const char *verr = otls_conn_authorization_error(c);
  printf("%s %s, ALPN %.*s, verify %s, reused %s\n", otls_conn_protocol(c), ci.name, (int)alen,
         proto ? (const char *)proto : "", verr ? verr : "OK",
         otls_conn_is_session_reused(c) ? "yes" : "no");

  if (!resume) {
    /* SSL_get1_peer_certificate() + X509_* inspection. */
    otls_cert *cert;
    if (otls_cert_peer(c, false, &cert) == 0 && cert) {
      printf("server certificate: CN=%s, issuer CN=%s, valid to %s\n", common_name(cert, false),
             common_name(cert, true), otls_cert_valid_to(cert));
      printf("sha256 fingerprint: %s\n", otls_cert_fingerprint256(cert));
      otls_cert_free(cert);
    }
    /* SSL_export_keying_material(). */
    uint8_t km[16];
    if (otls_conn_export_keying_material(c, km, sizeof km, "EXPORTER-omnitls-guide", NULL, 0) ==
        0) {
      printf("keying material: ");
      for (size_t i = 0; i < sizeof km; i++)
        printf("%02x", km[i]);
      printf("\n");
    }
  }

  /* SSL_write() / SSL_read(): a blocking socket, so no WANT_READ here. */
  char buf[64];
  rv = otls_socket_write(s, "ping", 4);
  int n = rv < 0 ? rv : otls_socket_read(s, buf, sizeof buf);
  if (n > 0)
    printf("echo: %.*s\n", n, buf);
  else
    fprintf(stderr, "read: %s\n", n == 0 ? "closed" : otls_err_name(n));

  /* SSL_shutdown() + close() + SSL_free(). */
  bool reused = otls_conn_is_session_reused(c);
  otls_socket_close(s);
  otls_socket_free(s);
  if (n <= 0)
    return n < 0 ? n : OTLS_E_CLOSED;
  return resume && !reused ? OTLS_E_BAD_SESSION : 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: openssl_port CA HOST PORT\n");
    return 2;
  }
  /* SSL_CTX_new(TLS_client_method()) + SSL_CTX_load_verify_locations() +
   * SSL_CTX_set_verify(SSL_VERIFY_PEER) + SSL_CTX_set_min_proto_version() +
   * SSL_CTX_set_cipher_list(): one options struct, one immutable context. */
  otls_context_options opts;
  otls_context_options_init(&opts); /* reject_unauthorized = true */
  otls_source ca = otls_source_file(argv[1]);
  opts.ca = &ca;
  opts.ca_count = 1;
  opts.min_version = "TLSv1.2";
  opts.ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20"; /* TLS 1.3 suites stay the defaults */
  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof detail);
  if (rv < 0) {
    /* ERR_get_error() + ERR_error_string(): the code and the sentence. */
    fprintf(stderr, "context: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }
  rv = session(ctx, argv[2], argv[3], false);
  if (rv == 0 && saved)
    rv = session(ctx, argv[2], argv[3], true);
  else if (rv == 0)
    rv = OTLS_E_BAD_SESSION; /* the server sent no session */
  otls_context_free(ctx);    /* SSL_CTX_free(): contexts are reference-counted */
  free(saved);
  return rv == 0 ? 0 : 1;
}
