/*
 * omnitls example — the echo client of Node's `tls` documentation, which
 * presents a client certificate, on the event layer (omnitls/uv.h, libuv):
 *
 *   const options = {
 *     key: fs.readFileSync('client-key.pem'),     // the client certificate
 *     cert: fs.readFileSync('client-cert.pem'),   // the server asks for
 *     ca: [ fs.readFileSync('server-ca.pem') ],   // to verify the server
 *   };
 *   const socket = tls.connect(8000, options, () => {
 *     console.log('client connected', socket.authorized ? 'authorized' : 'unauthorized');
 *     socket.write(message);
 *   });
 *   socket.on('data', (data) => console.log(data));
 *   socket.on('end', () => console.log('server ends connection'));
 *
 * Usage: echo_client CERT KEY CA HOST PORT MESSAGE
 *        echo_client -pfx FILE PASSPHRASE CA HOST PORT MESSAGE
 *        echo_client -nocert CA HOST PORT MESSAGE   (no client certificate)
 * Sends MESSAGE, prints what comes back and, once "welcome!\n" and the
 * echo of MESSAGE have arrived, ends the connection. Exit status 0 when
 * they did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnitls.h>
#include <omnitls/uv.h> /* the event layer: needs <uv.h> */

static const char *message;
static size_t want, got;
static int status = 1;

/* 'data': print it; everything expected is here: socket.end(). */
static void on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  fwrite(data, 1, len, stdout);
  fflush(stdout);
  got += len;
  if (got >= want) {
    status = 0;
    otls_uv_socket_end(s); /* close_notify, then the socket closes */
  }
}

/* 'end': the server sent close_notify. */
static void on_end(otls_uv_socket *s) {
  (void)s;
  printf("\nserver ends connection\n");
}

/* 'error': connecting, the handshake, verification or the connection
 * failed (CERT_HAS_EXPIRED, ERR_SSL_... alerts from the server ...). */
static void on_error(otls_uv_socket *s, int err) {
  fprintf(stderr, "error: %s: %s\n", otls_err_name(err), otls_uv_socket_error(s));
  status = 1;
}

/* The tls.connect() callback ('secureConnect'). */
static void on_secure(otls_uv_socket *s) {
  otls_conn *c = otls_uv_socket_conn(s);
  printf("client connected %s %s\n", otls_conn_is_authorized(c) ? "authorized" : "unauthorized",
         otls_conn_protocol(c));
  otls_uv_socket_write(s, message, strlen(message), NULL, NULL);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  bool use_pfx = strcmp(mode, "-pfx") == 0, no_cert = strcmp(mode, "-nocert") == 0;
  int a = no_cert ? 2 : use_pfx ? 4 : 3; /* the CA's argument; the credentials before it */
  if (argc < a + 4) {
    fprintf(stderr,
            "usage: %s {CERT KEY | -pfx FILE PASSPHRASE | -nocert} CA HOST PORT MESSAGE\n",
            argv[0]);
    return 2;
  }
  message = argv[a + 3];
  want = strlen("welcome!\n") + strlen(message);

  /* tls.createSecureContext(options) */
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source ca = otls_source_file(argv[a]);
  opts.ca = &ca;
  opts.ca_count = 1;
  otls_source cred = otls_source_file(argv[a - 2]), key = otls_source_file(argv[a - 1]);
  if (use_pfx) {
    opts.pfx = &cred;
    opts.pfx_count = 1;
    opts.passphrase = argv[a - 1];
  } else if (!no_cert) {
    opts.cert = &cred;
    opts.cert_count = 1;
    opts.key = &key;
    opts.key_count = 1;
  }
  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof(detail));
  if (rv < 0) {
    fprintf(stderr, "context: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  /* tls.connect(port, host, callback): resolve, connect, handshake, verify
   * the chain and the host name (HOST is also the SNI name unless it is an
   * IP address). Every failure arrives as 'error', then 'close'. */
  uv_loop_t loop;
  uv_loop_init(&loop);
  otls_uv_socket *s;
  rv = otls_uv_connect(&s, &loop, ctx, argv[a + 1], (unsigned)atoi(argv[a + 2]), NULL, on_secure);
  otls_context_free(ctx); /* the socket holds its own reference */
  if (rv < 0) {
    fprintf(stderr, "connect: %s\n", otls_err_name(rv));
    return 1;
  }
  otls_uv_socket_events ev = {.on_data = on_data, .on_end = on_end, .on_error = on_error};
  otls_uv_socket_set_events(s, &ev);
  uv_run(&loop, UV_RUN_DEFAULT); /* returns once the socket has closed */
  uv_loop_close(&loop);
  printf("\n");
  return status;
}
