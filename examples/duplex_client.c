/*
 * omnitls example — a TLS client over a transport the application drives
 * itself (Node.js: `tls.connect({ socket })` / `new tls.TLSSocket(duplex)`),
 * on the event layer (omnitls/uv.h, libuv).
 *
 * omnitls never sees a socket here. The program opens a plain TCP
 * connection with libuv (it could as well be a pipe, a proxy tunnel, a
 * serial line or a test harness) and hands omnitls an `otls_uv_duplex`:
 *
 *   omnitls wants to send ciphertext  -> duplex.write()   -> uv_write()
 *   libuv read ciphertext             -> otls_uv_socket_feed()
 *   libuv saw the end of the stream   -> otls_uv_socket_feed_eof()
 *   omnitls has no room for more      -> duplex.read_stop() -> uv_read_stop()
 *   omnitls sent close_notify         -> duplex.shutdown() -> uv_shutdown()
 *   the TLS socket closes             -> duplex.close()    -> uv_close()
 *
 * Node.js:
 *
 *   const raw = net.connect(port, host, () => {
 *     const s = tls.connect({ socket: raw, servername: host, ca }, () => {
 *       console.log('protocol', s.getProtocol(), s.authorized);
 *       s.end(message);
 *     });
 *     s.on('data', (d) => process.stdout.write(d));
 *   });
 *
 * Usage: duplex_client CA HOST PORT MESSAGE [SERVERNAME]
 * Connects to HOST:PORT; SERVERNAME (default HOST) is sent as SNI and must
 * be in the server's certificate. Prints the connection, sends MESSAGE and prints what comes back until
 * the echo of MESSAGE is complete, then ends. Exit status 0 when it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnitls.h>
#include <omnitls/uv.h>

/* The application's transport: one TCP connection, driven by this file. */
struct transport {
  uv_loop_t *loop;
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  uv_shutdown_t shutdown_req;
  otls_uv_socket *tls; /* NULL once the TLS socket has closed */
  otls_context *ctx;
  const char *host;
  char buf[16384];
};

static const char *message;
static size_t got;
static int status = 1;

/* --- the duplex: omnitls -> the transport ------------------------------------ */

/* Each write owns a request until libuv is done with it; the bytes stay
 * omnitls's until otls_uv_socket_write_done() is called. */
struct write_req {
  uv_write_t req;
  struct transport *t;
};

static void on_tcp_written(uv_write_t *req, int err) {
  struct write_req *w = (struct write_req *)req;
  if (w->t->tls) /* the TLS socket may have closed meanwhile */
    otls_uv_socket_write_done(w->t->tls, err < 0 ? OTLS_E_SYSCALL : 0);
  free(w);
}

static int duplex_write(otls_uv_socket *s, const uint8_t *buf, size_t len, void *data) {
  (void)s;
  struct transport *t = data;
  struct write_req *w = malloc(sizeof(*w));
  if (w == NULL)
    return OTLS_E_NOMEM; /* fails the TLS socket */
  w->t = t;
  uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&t->tcp, &b, 1, on_tcp_written) < 0) {
    free(w);
    return OTLS_E_SYSCALL;
  }
  return 0;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)hint;
  struct transport *t = h->data;
  *buf = uv_buf_init(t->buf, sizeof(t->buf));
}

/* Ciphertext from the peer goes to omnitls; so does the end of the stream
 * (a reset too: omnitls then reports the missing close_notify). */
static void on_tcp_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  struct transport *t = st->data;
  if (t->tls == NULL)
    return;
  if (n > 0)
    otls_uv_socket_feed(t->tls, buf->base, (size_t)n);
  else if (n < 0)
    otls_uv_socket_feed_eof(t->tls);
}

static void duplex_read_start(otls_uv_socket *s, void *data) {
  (void)s;
  struct transport *t = data;
  uv_read_start((uv_stream_t *)&t->tcp, on_alloc, on_tcp_read);
}

static void duplex_read_stop(otls_uv_socket *s, void *data) {
  (void)s;
  struct transport *t = data;
  uv_read_stop((uv_stream_t *)&t->tcp);
}

/* After close_notify: half-close, as TCP's FIN. */
static void duplex_shutdown(otls_uv_socket *s, void *data) {
  (void)s;
  struct transport *t = data;
  uv_shutdown(&t->shutdown_req, (uv_stream_t *)&t->tcp, NULL);
}

/* The TLS socket is closing: no more calls with it; close the transport. */
static void duplex_close(otls_uv_socket *s, void *data) {
  (void)s;
  struct transport *t = data;
  t->tls = NULL;
  uv_close((uv_handle_t *)&t->tcp, NULL);
}

/* --- the TLS socket's events ---------------------------------------------------- */

static void on_secure(otls_uv_socket *s) {
  otls_conn *c = otls_uv_socket_conn(s);
  otls_cipher_info ci = {0};
  otls_conn_cipher(c, &ci);
  const char *err = otls_conn_authorization_error(c);
  printf("protocol: %s\ncipher: %s\nauthorized: %s\n", otls_conn_protocol(c), ci.name,
         otls_conn_is_authorized(c) ? "true" : err);
  fflush(stdout);
  otls_uv_socket_write(s, message, strlen(message), NULL, NULL);
}

static void on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  fwrite(data, 1, len, stdout);
  fflush(stdout);
  got += len;
  if (got >= strlen(message)) {
    status = 0;
    otls_uv_socket_end(s);
  }
}

static void on_error(otls_uv_socket *s, int err) {
  fprintf(stderr, "error: %s: %s\n", otls_err_name(err), otls_uv_socket_error(s));
  status = 1;
}

/* --- the transport connects, then TLS starts over it ---------------------- */

static void on_tcp_connected(uv_connect_t *req, int err) {
  struct transport *t = req->data;
  if (err < 0) {
    fprintf(stderr, "connect: %s\n", uv_strerror(err));
    uv_close((uv_handle_t *)&t->tcp, NULL);
    return;
  }
  otls_uv_duplex d = {
      .data = t,
      .write = duplex_write,
      .read_start = duplex_read_start,
      .read_stop = duplex_read_stop,
      .shutdown = duplex_shutdown,
      .close = duplex_close,
  };
  otls_uv_socket_options o;
  otls_uv_socket_options_init(&o);
  o.servername = t->host; /* SNI, and the name the certificate must match */
  int rv = otls_uv_wrap(&t->tls, t->loop, t->ctx, &d, &o, on_secure);
  if (rv < 0) {
    fprintf(stderr, "wrap: %s\n", otls_err_name(rv));
    uv_close((uv_handle_t *)&t->tcp, NULL);
    return;
  }
  otls_uv_socket_events ev = {.on_data = on_data, .on_error = on_error};
  otls_uv_socket_set_events(t->tls, &ev);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s CA HOST PORT MESSAGE [SERVERNAME]\n", argv[0]);
    return 2;
  }
  message = argv[4];
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source ca = otls_source_file(argv[1]);
  opts.ca = &ca;
  opts.ca_count = 1;
  static struct transport t;
  char detail[256];
  int rv = otls_context_new(&t.ctx, &opts, detail, sizeof(detail));
  if (rv < 0) {
    fprintf(stderr, "context: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  /* The application's own transport: a TCP connection to HOST:PORT
   * (resolved here with getaddrinfo; loopback in the tests). */
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
  if (getaddrinfo(argv[2], argv[3], &hints, &ai) != 0) {
    fprintf(stderr, "cannot resolve %s\n", argv[2]);
    otls_context_free(t.ctx);
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  t.loop = &loop;
  t.host = argc > 5 ? argv[5] : argv[2];
  uv_tcp_init(&loop, &t.tcp);
  t.tcp.data = &t;
  t.connect_req.data = &t;
  uv_tcp_connect(&t.connect_req, &t.tcp, ai->ai_addr, on_tcp_connected);
  freeaddrinfo(ai);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  otls_context_free(t.ctx);
  printf("\n");
  return status;
}
