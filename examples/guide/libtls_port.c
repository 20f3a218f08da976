/*
 * docs/migrating-from-libtls.md — a libtls-style non-blocking client on
 * omnitls: OTLS_E_WANT_READ / OTLS_E_WANT_WRITE are libtls's
 * TLS_WANT_POLLIN / TLS_WANT_POLLOUT, and the same call is repeated once
 * poll() says the fd is ready.
 *
 * Usage: libtls_port [-insecure] CA HOST PORT MESSAGE
 * Sends MESSAGE to an echo server and prints the answer. -insecure is
 * tls_config_insecure_noverifycert(): the handshake completes even when the
 * chain does not verify, and the result is printed instead.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <omnitls.h>

/* TLS_WANT_POLLIN / TLS_WANT_POLLOUT: wait, then call again. */
static int wait_for(otls_socket *s, int rv) {
  struct pollfd p = {.fd = otls_socket_fd(s), .events = rv == OTLS_E_WANT_READ ? POLLIN : POLLOUT};
  return poll(&p, 1, 10000) == 1 ? 0 : OTLS_E_TIMEDOUT;
}

/* After a WANT: wait for the fd; true = call the same function again. */
static bool again(otls_socket *s, int *rv) {
  if (*rv != OTLS_E_WANT_READ && *rv != OTLS_E_WANT_WRITE)
    return false;
  *rv = wait_for(s, *rv);
  return *rv == 0;
}

int main(int argc, char **argv) {
  bool insecure = argc > 1 && strcmp(argv[1], "-insecure") == 0;
  if (insecure) {
    argv++;
    argc--;
  }
  if (argc < 5) {
    fprintf(stderr, "usage: libtls_port [-insecure] CA HOST PORT MESSAGE\n");
    return 2;
  }
  const char *message = argv[4];

  /* tls_config_new() + tls_config_set_ca_file() + tls_config_set_protocols()
   * (+ tls_config_insecure_noverifycert()). */
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source ca = otls_source_file(argv[1]);
  opts.ca = &ca;
  opts.ca_count = 1;
  opts.min_version = "TLSv1.2"; /* TLS_PROTOCOLS_DEFAULT */
  opts.max_version = "TLSv1.3";
  opts.reject_unauthorized = !insecure;
  otls_context *ctx;
  char detail[256];
  int rv = otls_context_new(&ctx, &opts, detail, sizeof detail);
  if (rv < 0) {
    fprintf(stderr, "config: %s: %s\n", otls_err_name(rv), detail);
    return 1;
  }

  /* tls_client() + tls_configure() + tls_connect(): non-blocking. */
  otls_socket_options so;
  otls_socket_options_init(&so);
  so.nonblocking = true;
  otls_socket *s;
  rv = otls_socket_connect(&s, ctx, argv[2], argv[3], &so);
  otls_context_free(ctx);
  if (rv < 0) {
    fprintf(stderr, "connect: %s\n", otls_err_name(rv));
    return 1;
  }

  /* tls_handshake() until it stops asking for POLLIN / POLLOUT. */
  do
    rv = otls_socket_handshake(s);
  while (again(s, &rv));
  if (rv < 0) {
    fprintf(stderr, "handshake: %s: %s\n", otls_err_name(rv), otls_socket_error(s));
    otls_socket_free(s);
    return 1;
  }

  /* tls_conn_version(), tls_conn_cipher(), tls_peer_cert_subject(),
   * tls_peer_cert_notafter(); with noverifycert, what verification said. */
  otls_conn *c = otls_socket_conn(s);
  otls_cipher_info ci;
  otls_conn_cipher(c, &ci);
  const char *verr = otls_conn_authorization_error(c);
  printf("%s %s, verification %s\n", otls_conn_protocol(c), ci.name, verr ? verr : "OK");
  otls_cert *cert;
  if (otls_cert_peer(c, false, &cert) == 0 && cert) {
    time_t t = (time_t)otls_cert_not_after(cert);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d", gmtime(&t));
    printf("peer certificate: %s, not after %s\n", otls_cert_subjectaltname(cert), when);
    otls_cert_free(cert);
  }

  /* tls_write(): a count means that much was taken; repeat for the rest. */
  size_t len = strlen(message), off = 0;
  while (off < len) {
    do
      rv = otls_socket_write(s, message + off, len - off);
    while (again(s, &rv));
    if (rv < 0)
      break;
    off += (size_t)rv;
  }
  /* tls_read() until the whole echo is here (0 = close_notify). */
  size_t got = 0;
  char buf[1024];
  while (rv >= 0 && got < len) {
    do
      rv = otls_socket_read(s, buf, sizeof buf);
    while (again(s, &rv));
    if (rv <= 0)
      break;
    printf("received: %.*s\n", rv, buf);
    got += (size_t)rv;
  }
  if (rv < 0)
    fprintf(stderr, "error: %s: %s\n", otls_err_name(rv), otls_socket_error(s));

  /* tls_close() (may want POLLOUT too) + tls_free(). */
  do
    rv = otls_socket_close(s);
  while (again(s, &rv));
  otls_socket_free(s);
  return got == len ? 0 : 1;
}
