/*
 * omnitls example — an HTTPS "hello world" server with ALPN, on the event
 * layer (omnitls/uv.h, libuv). Node.js:
 *
 *   const server = https.createServer({ key, cert }, (req, res) => {
 *     res.writeHead(200);
 *     res.end('hello world\n');
 *   });
 *   server.listen(8443);
 *
 * Like Node's https server it announces ALPNProtocols: ['http/1.1']: a
 * client offering "h2,http/1.1" gets http/1.1 (this server does not speak
 * HTTP/2); a client offering only protocols it does not know is refused
 * with a no_application_protocol alert (RFC 7301 §3.2), as Node does.
 * HTTP/1.1 keep-alive is honoured; "Connection: close" ends the connection.
 *
 * Usage: https_server CERT KEY [PORT [NCONN]]
 * Listens on 127.0.0.1:PORT (default 8443; 0 = any), prints "PORT n";
 * exits after NCONN connections (default: never) have ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <omnitls.h>
#include <omnitls/uv.h>

static unsigned ended, nconn;

/* What one connection has received of its current request head. */
struct request {
  size_t len;
  char head[8192];
};

static void connection_ended(otls_uv_server *srv) {
  if (++ended == nconn)
    otls_uv_server_close(srv, NULL); /* stop accepting; the loop then ends */
}

/* HTTP/1.1 keeps the connection unless the client says "Connection: close". */
static bool keep_alive(const char *head) {
  const char *eol = strstr(head, "\r\n"); /* the request line ends "... HTTP/1.1" */
  bool v11 = eol && eol - head >= 8 && strncmp(eol - 8, "HTTP/1.1", 8) == 0;
  return v11 && strcasestr(head, "\nconnection: close") == NULL;
}

/* 'data': collect the request head; at its blank line, answer. (A real
 * server would parse the request; this one answers every request alike.) */
static void on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  struct request *r = otls_uv_socket_data(s);
  for (size_t i = 0; i < len; i++) {
    if (r->len == sizeof(r->head) - 1) {
      otls_uv_socket_destroy(s); /* no head is this long */
      return;
    }
    r->head[r->len++] = (char)data[i];
    r->head[r->len] = 0;
    if (r->len < 4 || strcmp(r->head + r->len - 4, "\r\n\r\n") != 0)
      continue;
    static const char hello[] = "HTTP/1.1 200 OK\r\n"
                                "Content-Type: text/plain\r\n"
                                "Content-Length: 12\r\n"
                                "\r\n"
                                "hello world\n";
    otls_uv_socket_write(s, hello, sizeof(hello) - 1, NULL, NULL);
    if (!keep_alive(r->head)) {
      otls_uv_socket_end(s); /* close_notify; the socket closes when the client ends too */
      return;
    }
    r->len = 0;
  }
}

static void on_close(otls_uv_socket *s, bool had_error) {
  (void)had_error;
  free(otls_uv_socket_data(s));
  connection_ended(otls_uv_socket_server(s));
}

static void on_secure_connection(otls_uv_server *srv, otls_uv_socket *s) {
  (void)srv;
  /* The protocol ALPN chose (Node: socket.alpnProtocol). */
  size_t n;
  const uint8_t *alpn = otls_conn_alpn_protocol(otls_uv_socket_conn(s), &n);
  printf("secureConnection alpnProtocol %.*s\n", alpn ? (int)n : 5, alpn ? (const char *)alpn : "false");
  fflush(stdout);
  struct request *r = calloc(1, sizeof(*r));
  if (r == NULL) {
    otls_uv_socket_destroy(s);
    connection_ended(srv);
    return;
  }
  otls_uv_socket_set_data(s, r);
  otls_uv_socket_events ev = {.on_data = on_data, .on_close = on_close};
  otls_uv_socket_set_events(s, &ev);
}

static void on_tls_client_error(otls_uv_server *srv, otls_uv_socket *s, int err,
                                const char *detail) {
  (void)s;
  printf("tlsClientError %s: %s\n", otls_err_name(err), detail);
  fflush(stdout);
  connection_ended(srv);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s CERT KEY [PORT [NCONN]]\n", argv[0]);
    return 2;
  }
  unsigned port = argc > 3 ? (unsigned)atoi(argv[3]) : 8443;
  nconn = argc > 4 ? (unsigned)atoi(argv[4]) : 0;

  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source cert = otls_source_file(argv[1]), key = otls_source_file(argv[2]);
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

  /* ALPNProtocols: ['http/1.1'] — the wire format: length-prefixed names. */
  uint8_t alpn[32];
  int alpn_len = otls_alpn_encode("http/1.1", alpn, sizeof(alpn));
  otls_conn_options co;
  otls_conn_options_init(&co);
  co.alpn_protocols = alpn;
  co.alpn_protocols_len = (size_t)alpn_len;

  uv_loop_t loop;
  uv_loop_init(&loop);
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = on_secure_connection;
  so.on_tls_client_error = on_tls_client_error;
  so.conn_options = &co; /* copied: every accepted connection gets these */
  so.handshake_timeout_ms = 10000;
  otls_uv_server *srv;
  rv = otls_uv_server_new(&srv, &loop, ctx, &so);
  otls_context_free(ctx);
  if (rv < 0) {
    fprintf(stderr, "server: %s\n", otls_err_name(rv));
    return 1;
  }
  rv = otls_uv_server_listen(srv, "127.0.0.1", port);
  if (rv < 0) {
    fprintf(stderr, "listen: %s\n", otls_err_name(rv));
    otls_uv_server_close(srv, NULL);
  } else {
    printf("PORT %u\n", otls_uv_server_port(srv));
    fflush(stdout);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return rv < 0 ? 1 : 0;
}
