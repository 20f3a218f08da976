/*
 * docs/getting-started.md — a TLS client on the blocking socket layer
 * (omnitls/socket.h): connect, verify the server, send one message, print
 * the answer, close.
 *
 * Usage: hello_client CA HOST PORT MESSAGE [SERVERNAME]
 * CA is the PEM file of the certificate authorities to trust. HOST is
 * where to connect; the server's certificate must name SERVERNAME (by
 * default HOST). Exit status 0 when the echo came back, 1 on an error.
 */
#include <stdio.h>
#include <string.h>

#include <omnitls.h>

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: hello_client CA HOST PORT MESSAGE [SERVERNAME]\n");
    return 2;
  }
  const char *host = argv[2], *port = argv[3], *message = argv[4];

  /* 1. A context: whom we trust. */
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source ca = otls_source_file(argv[1]);
  opts.ca = &ca;
  opts.ca_count = 1;
  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof detail);
  if (rv < 0) {
    fprintf(stderr, "error: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  /* 2. Connect and handshake: the chain and the name are verified here. */
  otls_socket_options so;
  otls_socket_options_init(&so);
  so.servername = argc > 5 ? argv[5] : NULL; /* NULL: HOST (unless an IP) */
  so.timeout_ms = 10000;
  otls_socket *s;
  rv = otls_socket_connect(&s, ctx, host, port, &so);
  otls_context_free(ctx); /* the socket keeps its own reference */
  if (rv < 0) {
    fprintf(stderr, "error: %s (%s)\n", otls_err_name(rv), otls_strerror(rv));
    return 1;
  }

  /* 3. What was negotiated. */
  otls_conn *c = otls_socket_conn(s);
  otls_cipher_info ci;
  otls_conn_cipher(c, &ci);
  printf("connected: %s %s, %s\n", otls_conn_protocol(c), ci.name,
         otls_conn_is_authorized(c) ? "authorized" : "unauthorized");

  /* 4. Talk: send, then read until the whole message came back. */
  size_t len = strlen(message), got = 0;
  char buf[4096];
  rv = otls_socket_write(s, message, len);
  while (rv >= 0 && got < len) {
    rv = otls_socket_read(s, buf, sizeof buf);
    if (rv == 0) /* the server closed with close_notify */
      break;
    if (rv > 0) {
      printf("received: %.*s\n", rv, buf);
      got += (size_t)rv;
    }
  }
  if (rv < 0)
    fprintf(stderr, "error: %s: %s\n", otls_err_name(rv), otls_socket_error(s));

  /* 5. close_notify, then release the socket (and its fd). */
  otls_socket_close(s);
  otls_socket_free(s);
  return got == len ? 0 : 1;
}
