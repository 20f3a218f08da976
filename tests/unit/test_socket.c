/*
 * core/socket.c — a TLS connection on a file descriptor: connect/listen/
 * accept over loopback, blocking and non-blocking modes, timeouts, errno
 * mapping, SNI defaults. Servers run in a thread of the test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "otls_test.h"

/* --- helpers ------------------------------------------------------------- */

static otls_context *server_ctx(void) {
  return make_ctx("server-rsa-chain.pem", "server-rsa.key", NULL);
}
static otls_context *client_ctx(void) { return make_ctx(NULL, NULL, "ca.pem"); }

static const char *port_of(int lfd, char *buf, size_t len) {
  struct sockaddr_storage ss;
  socklen_t l = sizeof(ss);
  CHECK(getsockname(lfd, (struct sockaddr *)&ss, &l) == 0);
  unsigned port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                           : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  snprintf(buf, len, "%u", port);
  return buf;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A blocking TLS server in a thread: accept one connection, then act. */
enum srv_mode {
  SRV_ECHO,      /* echo until the client closes, then close cleanly */
  SRV_DRAIN,     /* read and count everything until the client closes */
  SRV_DROP_TCP,  /* after the handshake, close the fd without close_notify */
};

struct srv {
  pthread_t th;
  int lfd;
  enum srv_mode mode;
  otls_context *ctx;
  int hs;              /* handshake result */
  int end;             /* result of the last read (0 = clean close) */
  size_t bytes;        /* plaintext received */
  unsigned char sum;   /* xor of all bytes received */
};

static void *srv_main(void *arg) {
  struct srv *sv = arg;
  otls_socket *s = NULL;
  sv->hs = otls_socket_accept(&s, sv->ctx, sv->lfd, NULL);
  if (sv->hs < 0)
    return NULL;
  if (sv->mode == SRV_DROP_TCP) {
    shutdown(otls_socket_fd(s), SHUT_RDWR);
    otls_socket_free(s);
    return NULL;
  }
  static __thread char buf[65536];
  for (;;) {
    int n = otls_socket_read(s, buf, sizeof(buf));
    if (n <= 0) {
      sv->end = n;
      break;
    }
    sv->bytes += (size_t)n;
    for (int i = 0; i < n; i++)
      sv->sum ^= (unsigned char)buf[i];
    if (sv->mode == SRV_ECHO && otls_socket_write(s, buf, (size_t)n) != n) {
      sv->end = OTLS_E_INTERNAL;
      break;
    }
  }
  if (sv->end == 0)
    otls_socket_close(s);
  otls_socket_free(s);
  return NULL;
}

static void srv_start(struct srv *sv, enum srv_mode mode, const char *host) {
  memset(sv, 0, sizeof(*sv));
  sv->mode = mode;
  sv->ctx = server_ctx();
  sv->lfd = otls_socket_listen(host, "0", 8);
  CHECK(sv->lfd >= 0);
  CHECK(pthread_create(&sv->th, NULL, srv_main, sv) == 0);
}

static void srv_join(struct srv *sv) {
  pthread_join(sv->th, NULL);
  close(sv->lfd);
  otls_context_free(sv->ctx);
}

/* --- blocking mode --------------------------------------------------------- */

TEST(blocking_connect_handshakes_and_echoes) {
  struct srv sv;
  srv_start(&sv, SRV_ECHO, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", port_of(sv.lfd, port, sizeof(port)), NULL),
            0);
  otls_conn *c = otls_socket_conn(s);
  CHECK(otls_conn_is_handshake_done(c));
  CHECK(otls_conn_is_authorized(c));
  CHECK_STR(otls_conn_servername(c), "localhost");
  CHECK_INT(otls_socket_write(s, "ping", 4), 4);
  char buf[16];
  CHECK_INT(otls_socket_read(s, buf, sizeof(buf)), 4);
  CHECK(memcmp(buf, "ping", 4) == 0);
  CHECK_ERR(otls_socket_close(s), 0);
  /* The server answers our close_notify with its own. */
  CHECK_INT(otls_socket_read(s, buf, sizeof(buf)), 0);
  otls_socket_free(s);
  srv_join(&sv);
  CHECK_ERR(sv.hs, 0);
  CHECK_ERR(sv.end, 0);
  otls_context_free(ctx);
}

TEST(ip_address_host_sends_no_sni_but_is_checked) {
  struct srv sv;
  srv_start(&sv, SRV_ECHO, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "127.0.0.1", port_of(sv.lfd, port, sizeof(port)), NULL),
            0);
  CHECK_STR(otls_conn_servername(otls_socket_conn(s)), NULL);
  CHECK(otls_conn_is_authorized(otls_socket_conn(s))); /* IP:127.0.0.1 in the SAN */
  CHECK_ERR(otls_socket_close(s), 0);
  otls_socket_free(s);
  srv_join(&sv);
  otls_context_free(ctx);
}

TEST(empty_servername_sends_no_sni) {
  struct srv sv;
  srv_start(&sv, SRV_ECHO, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.servername = "";
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", port_of(sv.lfd, port, sizeof(port)), &o),
            0);
  CHECK_STR(otls_conn_servername(otls_socket_conn(s)), NULL);
  CHECK(otls_conn_is_authorized(otls_socket_conn(s))); /* still checked against the host */
  CHECK_ERR(otls_socket_close(s), 0);
  otls_socket_free(s);
  srv_join(&sv);
  otls_context_free(ctx);
}

TEST(servername_overrides_the_identity_checked) {
  struct srv sv;
  srv_start(&sv, SRV_ECHO, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.servername = "wrong.example.org";
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "127.0.0.1", port_of(sv.lfd, port, sizeof(port)), &o),
            OTLS_E_CERT_ALTNAME_INVALID);
  CHECK(s == NULL);
  srv_join(&sv);
  otls_context_free(ctx);
}

TEST(large_blocking_write_arrives_whole) {
  struct srv sv;
  srv_start(&sv, SRV_DRAIN, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", port_of(sv.lfd, port, sizeof(port)), NULL),
            0);
  size_t len = 3u * 1024u * 1024u + 17u;
  unsigned char *big = malloc(len), sum = 0;
  CHECK(big != NULL);
  for (size_t i = 0; i < len; i++) {
    big[i] = (unsigned char)(i * 131u + 7u);
    sum ^= big[i];
  }
  CHECK_INT(otls_socket_write(s, big, len), (int)len);
  CHECK_ERR(otls_socket_close(s), 0);
  char buf[16];
  CHECK_INT(otls_socket_read(s, buf, sizeof(buf)), 0);
  otls_socket_free(s);
  srv_join(&sv);
  CHECK_INT(sv.bytes, len);
  CHECK_INT(sv.sum, sum);
  free(big);
  otls_context_free(ctx);
}

TEST(tcp_close_without_close_notify_is_truncated) {
  struct srv sv;
  srv_start(&sv, SRV_DROP_TCP, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", port_of(sv.lfd, port, sizeof(port)), NULL),
            0);
  char buf[16];
  int rv = otls_socket_read(s, buf, sizeof(buf));
  /* TLS 1.3 session tickets may arrive first; they are not data. */
  CHECK_ERR(rv, OTLS_E_TRUNCATED);
  CHECK(otls_socket_error(s)[0] != 0);
  otls_socket_free(s);
  srv_join(&sv);
  otls_context_free(ctx);
}

TEST(writing_to_a_vanished_peer_fails_without_sigpipe) {
  /* SIGPIPE keeps its default action: the test dies if the library raises it. */
  signal(SIGPIPE, SIG_DFL);
  struct srv sv;
  srv_start(&sv, SRV_DROP_TCP, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", port_of(sv.lfd, port, sizeof(port)), NULL),
            0);
  srv_join(&sv);
  int rv = 0;
  char chunk[4096] = {0};
  for (int i = 0; i < 1000 && rv >= 0; i++)
    rv = otls_socket_write(s, chunk, sizeof(chunk));
  CHECK(rv == OTLS_E_PIPE || rv == OTLS_E_CONNRESET);
  otls_socket_free(s);
  otls_context_free(ctx);
}

TEST(connect_to_a_closed_port_is_connrefused) {
  int lfd = otls_socket_listen("127.0.0.1", "0", 1);
  CHECK(lfd >= 0);
  char port[16];
  port_of(lfd, port, sizeof(port));
  close(lfd);
  otls_context *ctx = client_ctx();
  otls_socket *s = (otls_socket *)1;
  CHECK_ERR(otls_socket_connect(&s, ctx, "127.0.0.1", port, NULL), OTLS_E_CONNREFUSED);
  CHECK(s == NULL);
  otls_context_free(ctx);
}

TEST(unknown_host_is_notfound) {
  otls_context *ctx = client_ctx();
  otls_socket *s;
  CHECK_ERR(otls_socket_connect(&s, ctx, "no-such-host.invalid", "443", NULL), OTLS_E_NOTFOUND);
  otls_context_free(ctx);
}

TEST(listening_twice_on_one_port_is_addrinuse) {
  int lfd = otls_socket_listen("127.0.0.1", "0", 1);
  CHECK(lfd >= 0);
  char port[16];
  CHECK_ERR(otls_socket_listen("127.0.0.1", port_of(lfd, port, sizeof(port)), 1),
            OTLS_E_ADDRINUSE);
  close(lfd);
}

TEST(listen_without_host_takes_ipv4_and_ipv6) {
  int lfd = otls_socket_listen(NULL, "0", 4);
  CHECK(lfd >= 0);
  char port[16];
  port_of(lfd, port, sizeof(port));
  struct sockaddr_storage ss;
  socklen_t l = sizeof(ss);
  CHECK(getsockname(lfd, (struct sockaddr *)&ss, &l) == 0);
  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.nonblocking = true; /* nobody accepts: only the TCP connect matters */
  const char *hosts[] = {"127.0.0.1", "::1"};
  for (int i = 0; i < (ss.ss_family == AF_INET6 ? 2 : 1); i++) {
    otls_socket *s;
    int rv = otls_socket_connect(&s, ctx, hosts[i], port, &o);
    if (rv == OTLS_E_NOTFOUND || rv == OTLS_E_SYSCALL)
      continue; /* no ::1 on this host */
    CHECK_ERR(rv, 0);
    struct pollfd p = {.fd = otls_socket_fd(s), .events = POLLOUT};
    CHECK(poll(&p, 1, 5000) == 1);
    rv = otls_socket_handshake(s); /* connect done; ClientHello sent */
    CHECK_ERR(rv, OTLS_E_WANT_READ);
    otls_socket_free(s);
  }
  otls_context_free(ctx);
  close(lfd);
}

TEST(handshake_times_out_when_the_server_is_silent) {
  /* The kernel completes the TCP connect; nobody ever answers the hello. */
  int lfd = otls_socket_listen("127.0.0.1", "0", 4);
  CHECK(lfd >= 0);
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.timeout_ms = 300;
  otls_socket *s;
  long long t0 = now_ms();
  CHECK_ERR(otls_socket_connect(&s, ctx, "127.0.0.1", port_of(lfd, port, sizeof(port)), &o),
            OTLS_E_HANDSHAKE_TIMEOUT);
  long long took = now_ms() - t0;
  CHECK(took >= 250 && took < 5000);
  otls_context_free(ctx);
  close(lfd);
}

TEST(accept_on_a_nonblocking_listener_wants_read) {
  int lfd = otls_socket_listen("127.0.0.1", "0", 4);
  CHECK(lfd >= 0);
  CHECK(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0);
  otls_context *ctx = server_ctx();
  otls_socket *s;
  CHECK_ERR(otls_socket_accept(&s, ctx, lfd, NULL), OTLS_E_WANT_READ);
  otls_context_free(ctx);
  close(lfd);
}

/* --- non-blocking mode ---------------------------------------------------- */

/* Drive both ends in one thread until `done` says so. */
static void pair(otls_context *cctx, otls_context *sctx, otls_socket **cs, otls_socket **ss) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.nonblocking = true;
  o.servername = "localhost";
  CHECK_ERR(otls_socket_wrap_fd(cs, cctx, sv[0], false, &o), 0);
  o.servername = NULL;
  CHECK_ERR(otls_socket_wrap_fd(ss, sctx, sv[1], true, &o), 0);
  int c = OTLS_E_WANT_READ, s = OTLS_E_WANT_READ;
  for (int i = 0; i < 100 && (c != 0 || s != 0); i++) {
    if (c != 0) {
      c = otls_socket_handshake(*cs);
      CHECK(c == 0 || c == OTLS_E_WANT_READ || c == OTLS_E_WANT_WRITE);
    }
    if (s != 0) {
      s = otls_socket_handshake(*ss);
      CHECK(s == 0 || s == OTLS_E_WANT_READ || s == OTLS_E_WANT_WRITE);
    }
  }
  CHECK_ERR(c, 0);
  CHECK_ERR(s, 0);
}

TEST(nonblocking_handshake_over_a_socketpair) {
  otls_context *cctx = client_ctx(), *sctx = server_ctx();
  otls_socket *cs, *ss;
  pair(cctx, sctx, &cs, &ss);
  CHECK(otls_conn_is_authorized(otls_socket_conn(cs)));
  CHECK_STR(otls_conn_servername(otls_socket_conn(ss)), "localhost");
  char buf[64];
  CHECK_ERR(otls_socket_read(ss, buf, sizeof(buf)), OTLS_E_WANT_READ);
  CHECK_INT(otls_socket_write(cs, "hello", 5), 5);
  int n;
  while ((n = otls_socket_read(ss, buf, sizeof(buf))) == OTLS_E_WANT_READ)
    ;
  CHECK_INT(n, 5);
  CHECK(memcmp(buf, "hello", 5) == 0);
  CHECK_ERR(otls_socket_close(cs), 0);
  while ((n = otls_socket_read(ss, buf, sizeof(buf))) == OTLS_E_WANT_READ)
    ;
  CHECK_INT(n, 0);
  otls_socket_free(cs);
  otls_socket_free(ss);
  otls_context_free(cctx);
  otls_context_free(sctx);
}

TEST(nonblocking_write_wants_write_and_accepts_nothing_when_full) {
  otls_context *cctx = client_ctx(), *sctx = server_ctx();
  otls_socket *cs, *ss;
  pair(cctx, sctx, &cs, &ss);
  static char chunk[10000];
  size_t sent = 0;
  unsigned char sum = 0;
  int rv = 0;
  for (int i = 0; i < 10000; i++) {
    memset(chunk, i & 0xff, sizeof(chunk));
    size_t before = otls_conn_pending_output(otls_socket_conn(cs));
    rv = otls_socket_write(cs, chunk, sizeof(chunk));
    if (rv == OTLS_E_WANT_WRITE) {
      CHECK_INT(otls_conn_pending_output(otls_socket_conn(cs)), before);
      break;
    }
    CHECK(rv > 0);
    for (int k = 0; k < rv; k++)
      sum ^= (unsigned char)(i & 0xff);
    sent += (size_t)rv;
  }
  CHECK_ERR(rv, OTLS_E_WANT_WRITE);
  /* Drain the server; flushing finishes; everything arrives in order. */
  size_t got = 0;
  unsigned char gsum = 0;
  char buf[16384];
  int flushed = OTLS_E_WANT_WRITE;
  while (got < sent) {
    int n = otls_socket_read(ss, buf, sizeof(buf));
    if (n > 0) {
      for (int k = 0; k < n; k++)
        gsum ^= (unsigned char)buf[k];
      got += (size_t)n;
    } else {
      CHECK_ERR(n, OTLS_E_WANT_READ);
    }
    if (flushed != 0) {
      flushed = otls_socket_flush(cs);
      CHECK(flushed == 0 || flushed == OTLS_E_WANT_WRITE);
    }
  }
  CHECK_INT(got, sent);
  CHECK_INT(gsum, sum);
  CHECK_ERR(otls_socket_flush(cs), 0);
  otls_socket_free(cs);
  otls_socket_free(ss);
  otls_context_free(cctx);
  otls_context_free(sctx);
}

TEST(nonblocking_connect_finishes_in_handshake) {
  struct srv sv;
  srv_start(&sv, SRV_ECHO, "127.0.0.1");
  char port[16];
  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.nonblocking = true;
  otls_socket *s;
  /* "localhost" may be ::1 first, where nobody listens: the next address is tried. */
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", port_of(sv.lfd, port, sizeof(port)), &o),
            0);
  int rv;
  while ((rv = otls_socket_handshake(s)) == OTLS_E_WANT_READ || rv == OTLS_E_WANT_WRITE) {
    struct pollfd p = {.fd = otls_socket_fd(s),
                       .events = rv == OTLS_E_WANT_READ ? POLLIN : POLLOUT};
    CHECK(poll(&p, 1, 10000) == 1);
  }
  CHECK_ERR(rv, 0);
  CHECK(otls_conn_is_authorized(otls_socket_conn(s)));
  while ((rv = otls_socket_close(s)) == OTLS_E_WANT_WRITE)
    ;
  CHECK_ERR(rv, 0);
  otls_socket_free(s);
  srv_join(&sv);
  CHECK_ERR(sv.end, 0);
  otls_context_free(ctx);
}

TEST(nonblocking_connect_to_a_closed_port_reports_connrefused) {
  int lfd = otls_socket_listen("127.0.0.1", "0", 1);
  CHECK(lfd >= 0);
  char port[16];
  port_of(lfd, port, sizeof(port));
  close(lfd);
  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.nonblocking = true;
  otls_socket *s = NULL;
  int rv = otls_socket_connect(&s, ctx, "127.0.0.1", port, &o);
  if (rv == 0) {
    while ((rv = otls_socket_handshake(s)) == OTLS_E_WANT_WRITE) {
      struct pollfd p = {.fd = otls_socket_fd(s), .events = POLLOUT};
      poll(&p, 1, 1000);
    }
    CHECK(otls_socket_error(s)[0] != 0);
    otls_socket_free(s);
  }
  CHECK_ERR(rv, OTLS_E_CONNREFUSED);
  otls_context_free(ctx);
}

/* --- unix sockets and wrapped fds ---------------------------------------- */

struct unix_srv {
  int lfd;
  otls_context *ctx;
  int rv;
};

static void *unix_srv_main(void *arg) {
  struct unix_srv *u = arg;
  int fd = accept(u->lfd, NULL, NULL);
  otls_socket *s;
  u->rv = otls_socket_wrap_fd(&s, u->ctx, fd, true, NULL);
  if (u->rv < 0)
    return NULL;
  char buf[64];
  int n = otls_socket_read(s, buf, sizeof(buf));
  u->rv = n > 0 ? otls_socket_write(s, buf, (size_t)n) : n;
  if (u->rv > 0)
    u->rv = otls_socket_close(s);
  otls_socket_free(s); /* own_fd: closes fd */
  return NULL;
}

TEST(unix_socket_connect_with_servername) {
  char path[108];
  snprintf(path, sizeof(path), "/tmp/otls-test-%d.sock", (int)getpid());
  unlink(path);
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  memcpy(sun.sun_path, path, strlen(path) + 1);
  struct unix_srv u = {.lfd = socket(AF_UNIX, SOCK_STREAM, 0), .ctx = server_ctx()};
  CHECK(u.lfd >= 0);
  CHECK(bind(u.lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
  CHECK(listen(u.lfd, 1) == 0);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, unix_srv_main, &u) == 0);

  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.servername = "localhost";
  otls_socket *s;
  CHECK_ERR(otls_socket_connect_unix(&s, ctx, path, &o), 0);
  CHECK(otls_conn_is_authorized(otls_socket_conn(s)));
  CHECK_INT(otls_socket_write(s, "abc", 3), 3);
  char buf[8];
  CHECK_INT(otls_socket_read(s, buf, sizeof(buf)), 3);
  CHECK_INT(otls_socket_read(s, buf, sizeof(buf)), 0);
  otls_socket_free(s);
  pthread_join(th, NULL);
  CHECK_ERR(u.rv, 0);
  close(u.lfd);
  unlink(path);
  otls_context_free(ctx);
  otls_context_free(u.ctx);
}

TEST(wrap_fd_without_own_fd_leaves_it_open) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  otls_context *ctx = client_ctx();
  otls_socket_options o;
  otls_socket_options_init(&o);
  o.own_fd = false;
  otls_socket *s;
  CHECK_ERR(otls_socket_wrap_fd(&s, ctx, sv[0], false, &o), 0);
  CHECK_INT(otls_socket_fd(s), sv[0]);
  otls_socket_free(s);
  CHECK(fcntl(sv[0], F_GETFD) >= 0);
  close(sv[0]);
  close(sv[1]);
  otls_context_free(ctx);
}

TEST(bad_arguments_are_inval) {
  otls_context *ctx = client_ctx();
  otls_socket *s = (otls_socket *)1;
  CHECK_ERR(otls_socket_connect(&s, NULL, "localhost", "443", NULL), OTLS_E_INVAL);
  CHECK(s == NULL);
  CHECK_ERR(otls_socket_connect(&s, ctx, NULL, "443", NULL), OTLS_E_INVAL);
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", NULL, NULL), OTLS_E_INVAL);
  otls_socket_options o;
  memset(&o, 0, sizeof(o)); /* not initialised: version 0 */
  CHECK_ERR(otls_socket_connect(&s, ctx, "localhost", "443", &o), OTLS_E_INVAL);
  CHECK_ERR(otls_socket_wrap_fd(&s, ctx, -1, false, NULL), OTLS_E_INVAL);
  CHECK_ERR(otls_socket_connect_unix(&s, ctx, "", NULL), OTLS_E_INVAL);
  CHECK_ERR(otls_socket_listen("127.0.0.1", NULL, 1), OTLS_E_INVAL);
  CHECK_ERR(otls_socket_read(NULL, NULL, 0), OTLS_E_INVAL);
  CHECK_ERR(otls_socket_write(NULL, "x", 1), OTLS_E_INVAL);
  CHECK_ERR(otls_socket_close(NULL), OTLS_E_INVAL);
  CHECK(otls_socket_conn(NULL) == NULL);
  CHECK_STR(otls_socket_error(NULL), "");
  otls_socket_free(NULL);
  otls_context_free(ctx);
}
