/*
 * docs/sans-io.md — the sans-IO connection (omnitls/conn.h) over a
 * transport the program drives itself: a client and a server otls_conn in
 * one process, one on each end of a socketpair, moved by hand with poll().
 *
 * Usage: sans_io CERT KEY CA
 * The server presents CERT/KEY; the client trusts CA and expects the name
 * "localhost". The server's SNI callback is answered on a later turn of
 * the loop (the handshake pauses meanwhile). The client sends a message,
 * the server echoes it, both close with close_notify. Exit status 0 when
 * all of that happened; with an untrusted CA the handshake fails and both
 * ends print their error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <omnitls.h>

enum state { HANDSHAKE, TALK, CLOSING, DONE, FAILED };

struct peer {
  const char *name;
  otls_conn *c;
  int fd;
  enum state state;
  bool zero_copy;   /* receive with input_space/commit instead of feed */
  uint8_t in[4096]; /* feed(): bytes received but not yet accepted */
  size_t in_len;
  char got[256]; /* plaintext received */
  size_t got_len;
};

static const char message[] = "hello, sans-IO";

/* A pending SNI question, answered on the next turn of the loop. */
static otls_conn *sni_waiting;

static void on_sni(otls_conn *c, const char *servername, void *user) {
  (void)user;
  printf("server: SNI callback for '%s', answered later\n", servername);
  sni_waiting = c; /* no otls_conn_sni_done() here: the handshake pauses */
}

/* Send what the connection has for the peer, as far as the socket takes it. */
static int pump_out(struct peer *p) {
  size_t n;
  const uint8_t *out;
  while ((out = otls_conn_output(p->c, &n)) != NULL) {
    ssize_t w = send(p->fd, out, n, MSG_NOSIGNAL);
    if (w < 0)
      return errno == EAGAIN ? 0 : OTLS_E_SYSCALL;
    otls_conn_consume(p->c, (size_t)w);
  }
  return 0;
}

/* Move received ciphertext into the connection. */
static int pump_in(struct peer *p) {
  ssize_t r;
  if (p->zero_copy) {
    /* Receive straight into the connection's input buffer. */
    uint8_t *buf;
    size_t room;
    int rv = otls_conn_input_space(p->c, &buf, &room);
    if (rv == OTLS_E_BUFFER_FULL)
      return 0; /* process what it has first (handshake/read) */
    if (rv < 0)
      return rv;
    r = recv(p->fd, buf, room, 0);
    otls_conn_input_commit(p->c, r > 0 ? (size_t)r : 0);
  } else {
    /* Receive into our own buffer, then feed() a copy. */
    if (p->in_len == 0) {
      r = recv(p->fd, p->in, sizeof p->in, 0);
      if (r > 0)
        p->in_len = (size_t)r;
    } else {
      r = 1; /* still feeding what we have */
    }
    int n = otls_conn_feed(p->c, p->in, p->in_len);
    if (n < 0)
      return n;
    memmove(p->in, p->in + n, p->in_len - (size_t)n); /* keep the rest for later */
    p->in_len -= (size_t)n;
  }
  if (r == 0)
    return otls_conn_feed_eof(p->c); /* the transport ended (TCP FIN) */
  if (r < 0 && errno != EAGAIN)
    return OTLS_E_SYSCALL;
  return 0;
}

/* Read all the plaintext there is; returns 0 at close_notify, 1 if more may come. */
static int read_all(struct peer *p) {
  for (;;) {
    char buf[256];
    int n = otls_conn_read(p->c, buf, sizeof buf);
    if (n == OTLS_E_WANT_READ)
      return 1;
    if (n <= 0)
      return n; /* 0: the peer's close_notify; < 0: a fatal error */
    if ((size_t)n > sizeof p->got - 1 - p->got_len)
      n = (int)(sizeof p->got - 1 - p->got_len);
    memcpy(p->got + p->got_len, buf, (size_t)n);
    p->got_len += (size_t)n;
    if (otls_conn_is_server(p->c)) /* the server echoes */
      otls_conn_write(p->c, buf, (size_t)n);
  }
}

/* Advance one end as far as its input allows. */
static int step(struct peer *p) {
  int rv;
  switch (p->state) {
  case HANDSHAKE:
    rv = otls_conn_handshake(p->c);
    if (rv == OTLS_E_WANT_READ || rv == OTLS_E_WANT_CALLBACK)
      return 0; /* more input, or our answer to a callback */
    if (rv < 0)
      return rv;
    if (!otls_conn_is_server(p->c)) {
      otls_cipher_info ci;
      otls_conn_cipher(p->c, &ci);
      printf("client: %s %s, %s\n", otls_conn_protocol(p->c), ci.name,
             otls_conn_is_authorized(p->c) ? "authorized" : "unauthorized");
      otls_conn_write(p->c, message, strlen(message)); /* queued as ciphertext */
    }
    p->state = TALK;
    /* fall through */
  case TALK:
    rv = read_all(p);
    if (rv < 0)
      return rv;
    if (rv == 0) { /* the client ended: end our side too */
      printf("%s: close_notify received\n", p->name);
      otls_conn_shutdown(p->c);
      p->state = DONE;
      return 0;
    }
    if (!otls_conn_is_server(p->c) && p->got_len == strlen(message)) {
      printf("client: echo '%.*s'\n", (int)p->got_len, p->got);
      otls_conn_shutdown(p->c); /* queue our close_notify */
      p->state = CLOSING;
    }
    return 0;
  case CLOSING: /* wait for the peer's close_notify */
    rv = read_all(p);
    if (rv == 0) {
      printf("%s: close_notify received\n", p->name);
      p->state = DONE;
    }
    return rv < 0 ? rv : 0;
  default: return 0;
  }
}

static void fail(struct peer *p, int err) {
  bool sent;
  int alert = otls_conn_alert(p->c, &sent);
  printf("%s: failed: %s (%s)", p->name, otls_err_name(err), otls_conn_error(p->c));
  if (alert >= 0)
    printf(", alert %s %s", otls_alert_name(alert), sent ? "sent" : "received");
  printf("\n");
  p->state = FAILED;
}

static bool finished(const struct peer *p) {
  return p->state == DONE || p->state == FAILED;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: sans_io CERT KEY CA\n");
    return 2;
  }
  /* Two contexts: the server's credentials, the client's trust. */
  otls_context_options so, co;
  otls_context_options_init(&so);
  otls_source cert = otls_source_file(argv[1]), key = otls_source_file(argv[2]);
  so.cert = &cert;
  so.cert_count = 1;
  so.key = &key;
  so.key_count = 1;
  otls_context_options_init(&co);
  otls_source ca = otls_source_file(argv[3]);
  co.ca = &ca;
  co.ca_count = 1;
  otls_context *sctx, *cctx;
  int rv = otls_context_new(&sctx, &so, NULL, 0);
  if (rv < 0 || (rv = otls_context_new(&cctx, &co, NULL, 0)) < 0) {
    fprintf(stderr, "context: %s\n", otls_err_name(rv));
    return 1;
  }

  /* The connections: no socket anywhere in them. */
  otls_conn_options copts, sopts;
  otls_conn_options_init(&copts);
  copts.servername = "localhost"; /* SNI, and the name to verify */
  otls_conn_options_init(&sopts);
  sopts.is_server = true;
  sopts.sni_callback = on_sni;
  struct peer client = {.name = "client"}, server = {.name = "server", .zero_copy = true};
  if ((rv = otls_conn_new(&client.c, cctx, &copts)) < 0 ||
      (rv = otls_conn_new(&server.c, sctx, &sopts)) < 0) {
    fprintf(stderr, "conn: %s\n", otls_err_name(rv));
    return 1;
  }

  /* The transport: a socketpair, non-blocking. */
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
    return 1;
  client.fd = fds[0];
  server.fd = fds[1];
  fcntl(client.fd, F_SETFL, O_NONBLOCK);
  fcntl(server.fd, F_SETFL, O_NONBLOCK);

  struct peer *peers[2] = {&client, &server};
  while (!finished(&client) || !finished(&server)) {
    struct pollfd pfd[2];
    for (int i = 0; i < 2; i++) {
      struct peer *p = peers[i];
      if (!finished(p) && (rv = step(p)) < 0)
        fail(p, rv);
      pump_out(p); /* also sends the alert of a failed handshake */
      unsigned wants = otls_conn_wants(p->c);
      pfd[i].fd = p->fd;
      pfd[i].events =
          (short)((finished(p) ? 0 : POLLIN) | (wants & OTLS_WANTS_WRITE ? POLLOUT : 0));
      if (!(wants & OTLS_WANTS_WRITE))
        otls_conn_release_buffers(p->c); /* idle: give the buffers back */
      if (p->state == FAILED && !(wants & OTLS_WANTS_WRITE))
        shutdown(p->fd, SHUT_WR); /* alert sent: end the transport too */
    }
    if (sni_waiting) {
      /* A turn later: answer the SNI question; the handshake goes on. */
      printf("server: wants %s\n", otls_conn_wants(sni_waiting) & OTLS_WANTS_CALLBACK
                                       ? "an answer (OTLS_WANTS_CALLBACK)"
                                       : "?");
      otls_conn_sni_done(sni_waiting, sctx, 0);
      sni_waiting = NULL;
      continue;
    }
    if (finished(&client) && finished(&server))
      break;
    if (poll(pfd, 2, 5000) <= 0) {
      fprintf(stderr, "stuck: nothing moved for 5 s\n");
      return 1;
    }
    for (int i = 0; i < 2; i++)
      if ((pfd[i].revents & (POLLIN | POLLHUP)) && !finished(peers[i]) &&
          (rv = pump_in(peers[i])) < 0)
        fail(peers[i], rv);
  }
  if (server.got_len)
    printf("server: received '%.*s'\n", (int)server.got_len, server.got);

  int status = client.state == DONE && server.state == DONE ? 0 : 1;
  otls_conn_free(client.c);
  otls_conn_free(server.c);
  otls_context_free(cctx);
  otls_context_free(sctx);
  close(fds[0]);
  close(fds[1]);
  return status;
}
