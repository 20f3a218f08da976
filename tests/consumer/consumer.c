/*
 * omnitls consumer test — a program outside the omnitls tree, built only
 * against an *installed* omnitls (find_package or pkg-config; see run.sh).
 *
 *   consumer CA.pem PORT MESSAGE [BACKEND]
 *
 * Connects to 127.0.0.1:PORT (an `omnitls s_server -echo`), verifies the
 * server against CA.pem (the certificate names IP 127.0.0.1), sends MESSAGE
 * and expects it back. With BACKEND, also checks that the library it was
 * linked with is that variant. Exit 0 on success, 1 with a reason otherwise.
 */
#include <omnitls.h>
#ifdef CONSUMER_WITH_UV
#include <omnitls/uv.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rv, const char *detail) {
  fprintf(stderr, "consumer: %s: %s (%s)%s%s\n", what, rv < 0 ? otls_err_name(rv) : "-",
          rv < 0 ? otls_strerror(rv) : "", detail ? ": " : "", detail ? detail : "");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: consumer CA.pem PORT MESSAGE [BACKEND]\n");
    return 2;
  }
  const char *ca_file = argv[1], *port = argv[2], *msg = argv[3];
  const char *want_backend = argc > 4 ? argv[4] : NULL;

  if (want_backend && strcmp(otls_backend_name(), want_backend) != 0) {
    fprintf(stderr, "consumer: linked with the %s variant, expected %s\n", otls_backend_name(),
            want_backend);
    return 1;
  }
  if (otls_version_num() != OTLS_VERSION_NUM) {
    fprintf(stderr, "consumer: header version %u, library version %u\n",
            (unsigned)OTLS_VERSION_NUM, otls_version_num());
    return 1;
  }
#ifdef CONSUMER_WITH_UV
  /* The event layer's header is installed and its symbols link. */
  otls_uv_socket_options uo;
  otls_uv_socket_options_init(&uo);
#endif

  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source ca = otls_source_file(ca_file);
  opts.ca = &ca;
  opts.ca_count = 1;
  otls_context *ctx;
  int rv = otls_context_new(&ctx, &opts, NULL, 0);
  if (rv < 0)
    return fail("otls_context_new", rv, NULL);

  otls_socket_options so;
  otls_socket_options_init(&so);
  so.timeout_ms = 10000;
  otls_socket *s;
  rv = otls_socket_connect(&s, ctx, "127.0.0.1", port, &so);
  if (rv < 0) {
    otls_context_free(ctx);
    return fail("connect to 127.0.0.1", rv, NULL);
  }
  int status = 1;
  otls_conn *c = otls_socket_conn(s);
  if (!otls_conn_is_authorized(c)) {
    fail("server not authorized", 0, otls_conn_authorization_error(c));
    goto out;
  }
  otls_cipher_info ci;
  if ((rv = otls_conn_cipher(c, &ci)) < 0) {
    fail("otls_conn_cipher", rv, NULL);
    goto out;
  }

  size_t len = strlen(msg);
  if ((rv = otls_socket_write(s, msg, len)) < 0) {
    fail("write", rv, otls_socket_error(s));
    goto out;
  }
  char buf[4096];
  size_t got = 0;
  while (got < len && got < sizeof(buf)) {
    rv = otls_socket_read(s, buf + got, sizeof(buf) - got);
    if (rv <= 0) {
      fail("read", rv, rv == 0 ? "closed before the echo" : otls_socket_error(s));
      goto out;
    }
    got += (size_t)rv;
  }
  if (got != len || memcmp(buf, msg, len) != 0) {
    fprintf(stderr, "consumer: echo mismatch: sent '%s', got '%.*s'\n", msg, (int)got, buf);
    goto out;
  }
  printf("consumer: %s %s, authorized, echo ok (omnitls %s on %s)\n", otls_conn_protocol(c),
         ci.name, otls_version_string(), otls_backend_name());
  status = 0;
out:
  otls_socket_close(s);
  otls_socket_free(s);
  otls_context_free(ctx);
  return status;
}
