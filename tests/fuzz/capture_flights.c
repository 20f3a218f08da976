/*
 * omnitls — writes the seed corpus of the connection fuzz targets: what a
 * client and a server of this backend variant send each other in a real
 * handshake over the sans-IO API (TLS 1.3 and TLS 1.2, with SNI and ALPN),
 * with the compiled-in fuzz credentials.
 *
 *   capture_flights-<backend> DIR
 *
 * writes DIR/server_conn/<backend>-<version>-{hello,stream} (what the client
 * sent: its first flight, then everything) and DIR/client_conn/<backend>-
 * <version>-{flight,stream} (what the server sent). Each file starts with the
 * feed-size byte fuzz_run() reads: 0xff, everything at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_creds.h"
#include "omnitls.h"

struct stream {
  uint8_t *p;
  size_t len;
};

static void die(const char *what, int rv) {
  fprintf(stderr, "capture_flights: %s: %s\n", what, otls_err_name(rv));
  exit(1);
}

static void put(struct stream *s, const uint8_t *p, size_t n) {
  s->p = realloc(s->p, s->len + n);
  if (s->p == NULL)
    die("realloc", OTLS_E_NOMEM);
  memcpy(s->p + s->len, p, n);
  s->len += n;
}

/* Move from -> to, recording the bytes. */
static void move(otls_conn *from, otls_conn *to, struct stream *rec) {
  size_t n;
  const uint8_t *p;
  while ((p = otls_conn_output(from, &n)) != NULL) {
    int fed = otls_conn_feed(to, p, n);
    if (fed <= 0)
      die("feed", fed);
    put(rec, p, (size_t)fed);
    otls_conn_consume(from, (size_t)fed);
  }
}

static void write_file(const char *dir, const char *sub, const char *name, const struct stream *s,
                       size_t len) {
  char path[1024];
  mkdir(dir, 0755);
  snprintf(path, sizeof(path), "%s/%s", dir, sub);
  mkdir(path, 0755);
  snprintf(path, sizeof(path), "%s/%s/%s-%s", dir, sub, otls_backend_name(), name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fputc(0xff, f) == EOF || fwrite(s->p, 1, len, f) != len || fclose(f) != 0)
    die(path, OTLS_E_FILE);
}

static otls_context *context(bool server, const char *max_version) {
  otls_context_options o;
  otls_context_options_init(&o);
  otls_source cert = otls_source_mem(fuzz_cert_pem, sizeof(fuzz_cert_pem) - 1);
  otls_source key = otls_source_mem(fuzz_key_pem, sizeof(fuzz_key_pem) - 1);
  if (server) {
    o.cert = &cert;
    o.cert_count = 1;
    o.key = &key;
    o.key_count = 1;
  }
  o.ca = &cert;
  o.ca_count = 1;
  o.max_version = max_version;
  otls_context *ctx;
  int rv = otls_context_new(&ctx, &o, NULL, 0);
  if (rv < 0)
    die("context", rv);
  return ctx;
}

static void capture(const char *dir, const char *version, const char *max_version) {
  otls_context *cctx = context(false, max_version), *sctx = context(true, NULL);
  static const uint8_t alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  otls_conn_options co, so;
  otls_conn_options_init(&co);
  co.servername = "localhost";
  co.alpn_protocols = alpn;
  co.alpn_protocols_len = sizeof(alpn);
  otls_conn_options_init(&so);
  so.is_server = true;
  so.alpn_protocols = alpn;
  so.alpn_protocols_len = sizeof(alpn);
  otls_conn *c, *s;
  int rv;
  if ((rv = otls_conn_new(&c, cctx, &co)) < 0 || (rv = otls_conn_new(&s, sctx, &so)) < 0)
    die("conn", rv);
  struct stream to_server = {0}, to_client = {0};
  size_t hello_len = 0, flight_len = 0;
  int cr = OTLS_E_WANT_READ, sr = OTLS_E_WANT_READ;
  for (int i = 0; i < 20 && (cr != 0 || sr != 0); i++) {
    if (cr != 0 && (cr = otls_conn_handshake(c)) < 0 && cr != OTLS_E_WANT_READ)
      die("client handshake", cr);
    move(c, s, &to_server);
    if (hello_len == 0)
      hello_len = to_server.len;
    if (sr != 0 && (sr = otls_conn_handshake(s)) < 0 && sr != OTLS_E_WANT_READ)
      die("server handshake", sr);
    move(s, c, &to_client);
    if (flight_len == 0)
      flight_len = to_client.len;
  }
  if (cr != 0 || sr != 0)
    die("handshake did not finish", cr ? cr : sr);
  /* Some data both ways, then close_notify both ways. */
  char buf[256];
  if ((rv = otls_conn_write(c, "GET / HTTP/1.1\r\n\r\n", 18)) < 0)
    die("write", rv);
  move(c, s, &to_server);
  while ((rv = otls_conn_read(s, buf, sizeof(buf))) > 0)
    ;
  if ((rv = otls_conn_write(s, "HTTP/1.1 200 OK\r\n\r\n", 19)) < 0)
    die("write", rv);
  otls_conn_shutdown(s);
  move(s, c, &to_client);
  while ((rv = otls_conn_read(c, buf, sizeof(buf))) > 0)
    ;
  otls_conn_shutdown(c);
  move(c, s, &to_server);
  char name[64];
  snprintf(name, sizeof(name), "%s-hello", version);
  write_file(dir, "server_conn", name, &to_server, hello_len);
  snprintf(name, sizeof(name), "%s-stream", version);
  write_file(dir, "server_conn", name, &to_server, to_server.len);
  snprintf(name, sizeof(name), "%s-flight", version);
  write_file(dir, "client_conn", name, &to_client, flight_len);
  snprintf(name, sizeof(name), "%s-stream", version);
  write_file(dir, "client_conn", name, &to_client, to_client.len);
  free(to_server.p);
  free(to_client.p);
  otls_conn_free(c);
  otls_conn_free(s);
  otls_context_free(cctx);
  otls_context_free(sctx);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  if (otls_backend_has(OTLS_CAP_TLS1_3))
    capture(argv[1], "tls13", NULL);
  capture(argv[1], "tls12", "TLSv1.2");
  return 0;
}
