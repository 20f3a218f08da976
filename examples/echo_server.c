/*
 * omnitls example — the echo server of Node's `tls` documentation:
 *
 *   const server = tls.createServer({ key, cert }, (socket) => {
 *     socket.write('welcome!\n');
 *     socket.pipe(socket);
 *   });
 *   server.listen(8000);
 *
 * Usage: echo_server CERT KEY [PORT] [NCONN]   (PORT 0 = any; prints "PORT n")
 * Serves NCONN connections (default 1) one after another, then exits.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <omnitls.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s CERT KEY [PORT] [NCONN]\n", argv[0]);
    return 2;
  }
  const char *port = argc > 3 ? argv[3] : "8000";
  int nconn = argc > 4 ? atoi(argv[4]) : 1;

  /* tls.createSecureContext({ key, cert }) */
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source cert = otls_source_file(argv[1]);
  otls_source key = otls_source_file(argv[2]);
  opts.cert = &cert;
  opts.cert_count = 1;
  opts.key = &key;
  opts.key_count = 1;
  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof(detail));
  if (rv < 0) {
    fprintf(stderr, "context: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  /* server.listen(port) */
  int lfd = otls_socket_listen("127.0.0.1", port, 16);
  if (lfd < 0) {
    fprintf(stderr, "listen: %s\n", otls_err_name(lfd));
    return 1;
  }
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  getsockname(lfd, (struct sockaddr *)&ss, &sl);
  printf("PORT %u\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
  fflush(stdout);

  for (int i = 0; i < nconn; i++) {
    otls_socket *s;
    rv = otls_socket_accept(&s, ctx, lfd, NULL); /* accept + handshake */
    if (rv < 0) {
      fprintf(stderr, "tlsClientError: %s\n", otls_err_name(rv));
      continue;
    }
    printf("server connected %s\n",
           otls_conn_is_authorized(otls_socket_conn(s)) ? "authorized" : "unauthorized");
    fflush(stdout);
    otls_socket_write(s, "welcome!\n", 9);
    char buf[4096];
    int n;
    while ((n = otls_socket_read(s, buf, sizeof(buf))) > 0) /* socket.pipe(socket) */
      if (otls_socket_write(s, buf, (size_t)n) < 0)
        break;
    if (n < 0)
      fprintf(stderr, "read: %s\n", otls_err_name(n));
    otls_socket_close(s); /* end(): close_notify */
    otls_socket_free(s);
  }
  otls_context_free(ctx);
  return 0;
}
