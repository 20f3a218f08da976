/*
 * docs/getting-started.md — a TLS echo server on the blocking socket layer
 * (omnitls/socket.h): one client at a time, no event loop.
 *
 * Usage: hello_server [-pass PASSPHRASE] CERT KEY [PORT [NCONN]]
 * Listens on 127.0.0.1:PORT (0 = any free port; default 8443), prints
 * "PORT n", echoes what each client sends until it closes, and exits after
 * NCONN connections (default: never).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <omnitls.h>

static int serve(otls_context *ctx, int lfd) {
  otls_socket *s;
  /* Accept one TCP connection and run the TLS handshake on it. */
  int rv = otls_socket_accept(&s, ctx, lfd, NULL);
  if (rv < 0) {
    fprintf(stderr, "handshake failed: %s\n", otls_err_name(rv));
    return rv;
  }
  otls_conn *c = otls_socket_conn(s);
  printf("client connected: %s, SNI %s\n", otls_conn_protocol(c),
         otls_conn_servername(c) ? otls_conn_servername(c) : "(none)");
  fflush(stdout);

  char buf[4096];
  int n;
  while ((n = otls_socket_read(s, buf, sizeof buf)) > 0) /* 0: close_notify */
    if ((rv = otls_socket_write(s, buf, (size_t)n)) < 0)
      break;
  if (n < 0)
    fprintf(stderr, "read: %s\n", otls_err_name(n));
  otls_socket_close(s); /* our close_notify */
  otls_socket_free(s);  /* closes the fd */
  return 0;
}

int main(int argc, char **argv) {
  const char *pass = NULL;
  if (argc > 2 && strcmp(argv[1], "-pass") == 0) {
    pass = argv[2];
    argv += 2;
    argc -= 2;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: hello_server [-pass PASSPHRASE] CERT KEY [PORT [NCONN]]\n");
    return 2;
  }
  const char *port = argc > 3 ? argv[3] : "8443";
  int nconn = argc > 4 ? atoi(argv[4]) : -1;

  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source cert = otls_source_file(argv[1]); /* leaf first, then the intermediates */
  otls_source key = otls_source_file(argv[2]);
  opts.cert = &cert;
  opts.cert_count = 1;
  opts.key = &key;
  opts.key_count = 1;
  opts.passphrase = pass; /* for an encrypted key; NULL = none */

  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof detail);
  if (rv < 0) {
    fprintf(stderr, "error: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  int lfd = otls_socket_listen("127.0.0.1", port, 16);
  if (lfd < 0) {
    fprintf(stderr, "listen: %s\n", otls_err_name(lfd));
    otls_context_free(ctx);
    return 1;
  }
  struct sockaddr_in addr; /* the port, when 0 picked a free one */
  socklen_t alen = sizeof addr;
  getsockname(lfd, (struct sockaddr *)&addr, &alen);
  printf("PORT %u\n", (unsigned)ntohs(addr.sin_port));
  fflush(stdout);

  for (int i = 0; nconn < 0 || i < nconn; i++)
    serve(ctx, lfd); /* a failed handshake does not stop the server */

  close(lfd);
  otls_context_free(ctx);
  return 0;
}
