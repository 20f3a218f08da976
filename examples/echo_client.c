/*
 * omnitls example — the echo client of Node's `tls` documentation:
 *
 *   const socket = tls.connect(8000, { ca: [ fs.readFileSync('ca.pem') ] }, () => {
 *     console.log('client connected', socket.authorized ? 'authorized' : 'unauthorized');
 *     process.stdin.pipe(socket);
 *   });
 *   socket.on('data', (data) => console.log(data));
 *
 * Usage: echo_client CA HOST PORT MESSAGE
 * Sends MESSAGE, prints everything the server sends back, then closes.
 */
#include <stdio.h>
#include <string.h>

#include <omnitls.h>

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s CA HOST PORT MESSAGE\n", argv[0]);
    return 2;
  }
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source ca = otls_source_file(argv[1]);
  opts.ca = &ca;
  opts.ca_count = 1;
  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof(detail));
  if (rv < 0) {
    fprintf(stderr, "context: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  /* tls.connect(port, host): connect + handshake + verification */
  otls_socket *s;
  rv = otls_socket_connect(&s, ctx, argv[2], argv[3], NULL);
  if (rv < 0) {
    fprintf(stderr, "error: %s (%s)\n", otls_err_name(rv), otls_strerror(rv));
    otls_context_free(ctx);
    return 1;
  }
  otls_conn *c = otls_socket_conn(s);
  printf("client connected %s %s\n", otls_conn_is_authorized(c) ? "authorized" : "unauthorized",
         otls_conn_protocol(c));

  size_t want = strlen("welcome!\n") + strlen(argv[4]);
  otls_socket_write(s, argv[4], strlen(argv[4]));
  char buf[4096];
  size_t got = 0;
  while (got < want) {
    int n = otls_socket_read(s, buf, sizeof(buf));
    if (n <= 0)
      break;
    fwrite(buf, 1, (size_t)n, stdout);
    got += (size_t)n;
  }
  printf("\n");
  otls_socket_close(s);
  otls_socket_free(s);
  otls_context_free(ctx);
  return got == want ? 0 : 1;
}
