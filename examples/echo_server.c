/*
 * omnitls example — the echo server of Node's `tls` documentation, with
 * client certificates required, on the event layer (omnitls/uv.h, libuv):
 *
 *   const options = {
 *     key: fs.readFileSync('server-key.pem'),
 *     cert: fs.readFileSync('server-cert.pem'),
 *     requestCert: true,                          // ask for a client certificate
 *     ca: [ fs.readFileSync('client-ca.pem') ],   // ... issued by this CA
 *   };
 *   const server = tls.createServer(options, (socket) => {
 *     console.log('server connected', socket.authorized ? 'authorized' : 'unauthorized');
 *     socket.write('welcome!\n');
 *     socket.pipe(socket);
 *   });
 *   server.listen(8000, () => console.log('server bound'));
 *
 * and its PKCS#12 variant, where the key and chain come from one bundle:
 *
 *   const options = { pfx: fs.readFileSync('server.pfx'), passphrase: 'sample', ... };
 *
 * Usage: echo_server CERT KEY CA [PORT [NCONN]]
 *        echo_server -pfx FILE PASSPHRASE CA [PORT [NCONN]]
 * Listens on 127.0.0.1:PORT (default 8000; 0 = any free port) and prints
 * "PORT n". Serves clients concurrently; exits after NCONN connections
 * (default: never) have ended, successfully or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omnitls.h>
#include <omnitls/uv.h> /* the event layer: needs <uv.h> */

static unsigned ended, nconn;

/* A connection is over (done or failed): after NCONN, stop the server.
 * server.close() stops accepting; the loop ends with the last handle. */
static void connection_ended(otls_uv_server *srv) {
  if (++ended == nconn)
    otls_uv_server_close(srv, NULL);
}

/* socket.pipe(socket): write back what arrives. A write returning 0 means
 * the queue is at its high-water mark: stop reading until 'drain'. */
static void on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  if (otls_uv_socket_write(s, data, len, NULL, NULL) == 0)
    otls_uv_socket_pause(s);
}

static void on_drain(otls_uv_socket *s) {
  otls_uv_socket_resume(s);
}

/* 'close': the socket's memory is released when this returns. */
static void on_close(otls_uv_socket *s, bool had_error) {
  (void)had_error;
  connection_ended(otls_uv_socket_server(s));
}

/* 'secureConnection': the handshake is done (the client's certificate,
 * when required, was verified already). */
static void on_secure_connection(otls_uv_server *srv, otls_uv_socket *s) {
  (void)srv;
  otls_conn *c = otls_uv_socket_conn(s); /* every getter: protocol, cipher, peer cert ... */
  printf("server connected %s\n", otls_conn_is_authorized(c) ? "authorized" : "unauthorized");
  fflush(stdout);
  otls_uv_socket_events ev = {.on_data = on_data, .on_drain = on_drain, .on_close = on_close};
  otls_uv_socket_set_events(s, &ev);
  otls_uv_socket_write(s, "welcome!\n", 9, NULL, NULL);
}

/* 'tlsClientError': e.g. a client without a certificate
 * (ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE). Other clients go on. */
static void on_tls_client_error(otls_uv_server *srv, otls_uv_socket *s, int err,
                                const char *detail) {
  (void)s;
  printf("tlsClientError %s: %s\n", otls_err_name(err), detail);
  fflush(stdout);
  connection_ended(srv);
}

int main(int argc, char **argv) {
  bool pfx = argc > 1 && strcmp(argv[1], "-pfx") == 0;
  int a = pfx ? 2 : 1; /* the first of the two credential arguments */
  if (argc < a + 3) {
    fprintf(stderr, "usage: %s {CERT KEY | -pfx FILE PASSPHRASE} CA [PORT [NCONN]]\n", argv[0]);
    return 2;
  }
  unsigned port = argc > a + 3 ? (unsigned)atoi(argv[a + 3]) : 8000;
  nconn = argc > a + 4 ? (unsigned)atoi(argv[a + 4]) : 0;

  /* tls.createSecureContext(options) */
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source cred = otls_source_file(argv[a]), key = otls_source_file(argv[a + 1]);
  otls_source ca = otls_source_file(argv[a + 2]);
  if (pfx) {
    opts.pfx = &cred; /* pfx: the key and its chain in one PKCS#12 file */
    opts.pfx_count = 1;
    opts.passphrase = argv[a + 1];
  } else {
    opts.cert = &cred; /* cert: the leaf first, then its chain */
    opts.cert_count = 1;
    opts.key = &key;
    opts.key_count = 1;
  }
  opts.ca = &ca;
  opts.ca_count = 1;
  opts.request_cert = true;        /* requestCert */
  opts.reject_unauthorized = true; /* the default: no valid certificate, no connection */
  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof(detail));
  if (rv < 0) {
    fprintf(stderr, "context: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  /* tls.createServer(options, listener) on a libuv loop */
  uv_loop_t loop;
  uv_loop_init(&loop);
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = on_secure_connection;
  so.on_tls_client_error = on_tls_client_error;
  otls_uv_server *srv;
  rv = otls_uv_server_new(&srv, &loop, ctx, &so);
  otls_context_free(ctx); /* the server holds its own reference */
  if (rv < 0) {
    fprintf(stderr, "server: %s\n", otls_err_name(rv));
    return 1;
  }

  /* server.listen(port, '127.0.0.1') */
  rv = otls_uv_server_listen(srv, "127.0.0.1", port);
  if (rv < 0) {
    fprintf(stderr, "listen: %s\n", otls_err_name(rv));
    otls_uv_server_close(srv, NULL);
  } else {
    printf("server bound\nPORT %u\n", otls_uv_server_port(srv));
    fflush(stdout);
  }
  uv_run(&loop, UV_RUN_DEFAULT); /* returns once the server has closed */
  uv_loop_close(&loop);
  return rv < 0 ? 1 : 0;
}
