/*
 * Load and fault tests of the event layer (issue 8, item 4), over loopback
 * (127.0.0.1) with a real otls_uv_server and otls_uv_connect() clients:
 *
 *   idle_connections_are_held                 N idle TLS connections at once
 *   open_close_loop_leaks_no_fds_or_heap      rounds of 1000 open/echo/close
 *   slowloris_clients_end_by_handshake_timeout  partial ClientHellos, then silence
 *   a_client_that_never_reads_is_held_back_by_backpressure
 *   connection_limit_refuses_extras_cleanly   max_connections
 *
 * Each test prints its figures as `FIGURE <test> <backend> key=value ...`
 * lines. Sizes come from the environment, so that CTest runs a short version
 * and the record run (docs/security.md) the full one:
 *   OTLS_LOAD_IDLE_CONNS  idle connections (default 10000)
 *   OTLS_LOAD_SECONDS     duration of the open/close loop (default 60)
 *   OTLS_LOAD_CONNS       connections per open/close round (default 1000)
 * Heap figures are mallinfo2() in-use bytes; under AddressSanitizer they
 * mean nothing (its allocator is not glibc's), so the heap assertions are
 * skipped there (the fd, count and byte-conservation ones are not).
 * No assertion is about speed: only the handshake timeout under test is a
 * time, and every wait has a generous deadline that fails the test when hit.
 */
#include <dirent.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile_util.h"
#include "omnitls/uv.h"
#include "otls_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define LOAD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOAD_ASAN 1
#endif
#endif
#ifndef LOAD_ASAN
#define LOAD_ASAN 0
#endif

/* Every wait fails the test after this long (plus, for the waits whose work
 * grows with the connection count, a per-connection allowance): far beyond
 * what any step needs on a loaded machine, and it turns a hang into a
 * failure that names what was awaited. */
#define DEADLINE_MS 90000u

/* --- measuring ---------------------------------------------------------------- */

static unsigned env_uint(const char *name, unsigned dflt) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0')
    return dflt;
  char *end;
  unsigned long n = strtoul(v, &end, 10);
  if (*end != '\0' || n == 0 || n > 1000000)
    otls_test_fail(__FILE__, __LINE__, "%s=\"%s\": want a positive integer", name, v);
  return (unsigned)n;
}

static uint64_t now_ms(void) {
  return uv_hrtime() / 1000000u;
}

/* Bytes of heap in use (glibc). */
static long long heap_bytes(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long long)mi.uordblks + (long long)mi.hblkhd;
}

/* Resident set size, bytes. */
static long long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  CHECK(f != NULL);
  long long size = 0, res = 0;
  CHECK_INT(fscanf(f, "%lld %lld", &size, &res), 2);
  fclose(f);
  return res * sysconf(_SC_PAGESIZE);
}

/* Open file descriptors of this process. */
static int fd_count(void) {
  DIR *d = opendir("/proc/self/fd");
  CHECK(d != NULL);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1; /* the directory's own fd */
}

/* Room for `need` descriptors, up to the hard limit; exit 77 when it is too low. */
static void need_fds(rlim_t need) {
  struct rlimit rl;
  CHECK_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur >= need)
    return;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
    char msg[200];
    snprintf(msg, sizeof(msg),
             "RLIMIT_NOFILE hard limit %llu is below the %llu descriptors this test needs "
             "(raise it, or lower OTLS_LOAD_IDLE_CONNS)",
             (unsigned long long)rl.rlim_max, (unsigned long long)need);
    otls_test_skip(msg);
  }
  rl.rlim_cur = need;
  CHECK_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* --- one loop, one server, many clients ---------------------------------------- */

enum mode {
  M_IDLE,  /* handshake, then nothing */
  M_PING,  /* "ping", wait for the echo, end() */
  M_STALL, /* "stall", then pause(): never reads again until resumed */
};

struct cli {
  otls_uv_socket *s;
  struct load *L;
  enum mode mode;
  bool secure, closed, had_error;
  int err;
  size_t got;
};

struct load {
  uv_loop_t loop;
  uv_timer_t wake; /* keeps UV_RUN_ONCE from sleeping past a deadline check */
  otls_context *sctx, *cctx;
  otls_uv_server *srv;
  unsigned port;
  /* clients */
  struct cli *cli;
  size_t ncli, cap;
  unsigned c_secure, c_closed, c_closed_err, c_echoed;
  int c_last_err;
  void (*on_cli_close)(struct load *L, struct cli *c);
  /* server side */
  unsigned s_secure, s_closed, s_closed_err, s_client_errors, s_timeouts;
  int s_last_client_error, s_last_err;
  void (*srv_data)(struct load *L, otls_uv_socket *s, const uint8_t *d, size_t n);
  bool srv_closed;
};

static void on_wake(uv_timer_t *t) {
  (void)t;
}

static void run_until(struct load *L, bool (*done)(struct load *), const char *what,
                      unsigned deadline_ms) {
  uint64_t end = now_ms() + deadline_ms;
  while (!done(L)) {
    if (now_ms() > end)
      otls_test_fail(__FILE__, __LINE__, "timed out (%u ms) waiting for %s", deadline_ms, what);
    uv_run(&L->loop, UV_RUN_ONCE);
  }
}

/* Server events: echo by default. */
static void srv_on_data(otls_uv_socket *s, const uint8_t *d, size_t n) {
  struct load *L = otls_uv_server_data(otls_uv_socket_server(s));
  if (L->srv_data) {
    L->srv_data(L, s, d, n);
    return;
  }
  int rv = otls_uv_socket_write(s, d, n, NULL, NULL);
  if (rv < 0)
    otls_test_fail(__FILE__, __LINE__, "server echo: %s", otls_err_name(rv));
}

static void srv_on_error(otls_uv_socket *s, int err) {
  struct load *L = otls_uv_server_data(otls_uv_socket_server(s));
  L->s_last_err = err;
}

static void srv_on_close(otls_uv_socket *s, bool had_error) {
  struct load *L = otls_uv_server_data(otls_uv_socket_server(s));
  L->s_closed++;
  if (had_error)
    L->s_closed_err++;
}

static const otls_uv_socket_events srv_ev = {
    .on_data = srv_on_data, .on_error = srv_on_error, .on_close = srv_on_close};

static void on_secure_connection(otls_uv_server *srv, otls_uv_socket *s) {
  struct load *L = otls_uv_server_data(srv);
  L->s_secure++;
  otls_uv_socket_set_events(s, &srv_ev);
}

static void on_tls_client_error(otls_uv_server *srv, otls_uv_socket *s, int err,
                                const char *detail) {
  (void)s;
  (void)detail;
  struct load *L = otls_uv_server_data(srv);
  L->s_client_errors++;
  L->s_last_client_error = err;
  if (err == OTLS_E_HANDSHAKE_TIMEOUT)
    L->s_timeouts++;
}

static void on_server_closed(otls_uv_server *srv) {
  struct load *L = otls_uv_server_data(srv);
  L->srv_closed = true;
}

/* Client events. */
static void cli_on_secure(otls_uv_socket *s) {
  struct cli *c = otls_uv_socket_data(s);
  c->secure = true;
  c->L->c_secure++;
  if (c->mode == M_PING)
    CHECK(otls_uv_socket_write(s, "ping", 4, NULL, NULL) >= 0);
  else if (c->mode == M_STALL) {
    CHECK(otls_uv_socket_write(s, "stall", 5, NULL, NULL) >= 0);
    otls_uv_socket_pause(s);
  }
}

static void cli_on_data(otls_uv_socket *s, const uint8_t *d, size_t n) {
  struct cli *c = otls_uv_socket_data(s);
  (void)d;
  c->got += n;
  if (c->mode == M_PING && c->got == 4) {
    c->L->c_echoed++;
    CHECK_ERR(otls_uv_socket_end(s), 0);
  }
}

static void cli_on_error(otls_uv_socket *s, int err) {
  struct cli *c = otls_uv_socket_data(s);
  c->err = err;
  c->L->c_last_err = err;
}

static void cli_on_close(otls_uv_socket *s, bool had_error) {
  struct cli *c = otls_uv_socket_data(s);
  struct load *L = c->L;
  c->closed = true;
  c->had_error = had_error;
  c->s = NULL;
  L->c_closed++;
  if (had_error)
    L->c_closed_err++;
  if (L->on_cli_close)
    L->on_cli_close(L, c);
}

static const otls_uv_socket_events cli_ev = {
    .on_data = cli_on_data, .on_error = cli_on_error, .on_close = cli_on_close};

static struct cli *cli_connect(struct load *L, enum mode mode) {
  CHECK(L->ncli < L->cap);
  struct cli *c = &L->cli[L->ncli++];
  memset(c, 0, sizeof(*c));
  c->L = L;
  c->mode = mode;
  otls_uv_socket_options o;
  otls_uv_socket_options_init(&o);
  o.servername = "localhost";
  int rv = otls_uv_connect(&c->s, &L->loop, L->cctx, "127.0.0.1", L->port, &o, cli_on_secure);
  CHECK_ERR(rv, 0);
  otls_uv_socket_set_data(c->s, c);
  otls_uv_socket_set_events(c->s, &cli_ev);
  return c;
}

/* The server certificate is ECDSA P-256: the handshakes under test cost the
 * event layer's work, not mostly RSA signatures. */
static otls_context *load_server_ctx(void) {
  return make_ctx("server-ec-chain.pem", "server-ec.key", NULL);
}

static void loop_begin(struct load *L, size_t cap) {
  memset(L, 0, sizeof(*L));
  CHECK_INT(uv_loop_init(&L->loop), 0);
  CHECK_INT(uv_timer_init(&L->loop, &L->wake), 0);
  CHECK_INT(uv_timer_start(&L->wake, on_wake, 50, 50), 0);
  L->cap = cap;
  if (cap) {
    L->cli = calloc(cap, sizeof(*L->cli));
    CHECK(L->cli != NULL);
  }
}

static void server_start(struct load *L, const otls_uv_server_options *tmpl) {
  L->sctx = load_server_ctx();
  otls_uv_server_options o;
  if (tmpl)
    o = *tmpl;
  else
    otls_uv_server_options_init(&o);
  o.on_secure_connection = on_secure_connection;
  o.on_tls_client_error = on_tls_client_error;
  o.data = L;
  CHECK_ERR(otls_uv_server_new(&L->srv, &L->loop, L->sctx, &o), 0);
  CHECK_ERR(otls_uv_server_listen(L->srv, "127.0.0.1", 0), 0);
  L->port = otls_uv_server_port(L->srv);
  CHECK(L->port != 0);
}

/* Close the server and every handle; the loop must end with nothing open. */
static void loop_end(struct load *L) {
  if (L->srv)
    otls_uv_server_close(L->srv, on_server_closed);
  uv_close((uv_handle_t *)&L->wake, NULL);
  CHECK_INT(uv_run(&L->loop, UV_RUN_DEFAULT), 0);
  if (L->srv)
    CHECK(L->srv_closed);
  CHECK_INT(uv_loop_close(&L->loop), 0);
  otls_context_free(L->sctx);
  otls_context_free(L->cctx);
  free(L->cli);
}

static bool all_clients_closed(struct load *L) {
  return L->c_closed == L->ncli;
}
static bool server_has_no_connections(struct load *L) {
  return otls_uv_server_connections(L->srv) == 0;
}
static bool all_closed(struct load *L) {
  return all_clients_closed(L) && server_has_no_connections(L);
}

/* --- 1. idle connections held -------------------------------------------------- */

/*
 * The clients run in a child process, so that each side's heap is measured
 * alone (mallinfo2 in each process) and each process needs only N
 * descriptors. Parent and child talk over two pipes:
 *   child -> parent  "ready <heap> <rss>\n"   all N clients are secure
 *   parent -> child  "close\n"                the server holds all N too
 *   child -> parent  "closed <clean> <errors>\n"
 */
struct idle_parent {
  struct load *L;
  uv_pipe_t from_child;
  int to_child;
  char line[256];
  size_t line_len;
  bool child_ready, close_sent, child_closed, child_eof;
  long long c_heap, c_rss;
  unsigned c_clean, c_errors;
  long long s_heap, s_rss;
  long long heap0, rss0;
  unsigned n;
};

static void idle_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf) {
  static char b[256];
  (void)h;
  (void)sz;
  *buf = uv_buf_init(b, sizeof(b));
}

static void idle_maybe_close(struct idle_parent *P) {
  struct load *L = P->L;
  if (P->close_sent || !P->child_ready || L->s_secure < P->n)
    return;
  /* Both sides hold all N: measure the server, then let the child close. */
  CHECK_INT(otls_uv_server_connections(L->srv), P->n);
  P->s_heap = heap_bytes() - P->heap0;
  P->s_rss = rss_bytes() - P->rss0;
  CHECK_INT(write(P->to_child, "close\n", 6), 6);
  P->close_sent = true;
}

static void idle_line(struct idle_parent *P, const char *l) {
  if (strncmp(l, "ready ", 6) == 0) {
    CHECK_INT(sscanf(l + 6, "%lld %lld", &P->c_heap, &P->c_rss), 2);
    P->child_ready = true;
  } else if (strncmp(l, "closed ", 7) == 0) {
    CHECK_INT(sscanf(l + 7, "%u %u", &P->c_clean, &P->c_errors), 2);
    P->child_closed = true;
  } else {
    otls_test_fail(__FILE__, __LINE__, "child said \"%s\"", l);
  }
}

static void idle_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  struct idle_parent *P = st->data;
  if (n < 0) {
    P->child_eof = true;
    uv_read_stop(st);
    return;
  }
  for (ssize_t i = 0; i < n; i++) {
    char ch = buf->base[i];
    if (ch == '\n') {
      P->line[P->line_len] = '\0';
      idle_line(P, P->line);
      P->line_len = 0;
    } else {
      CHECK(P->line_len + 1 < sizeof(P->line));
      P->line[P->line_len++] = ch;
    }
  }
}

/* Clients: at most this many handshakes in flight (the listen backlog is 511). */
#define IDLE_INFLIGHT 200u

struct idle_child {
  unsigned n, started;
};
static struct idle_child idle_c;

static void idle_start_more(struct load *L) {
  while (idle_c.started < idle_c.n &&
         idle_c.started - (L->c_secure + L->c_closed) < IDLE_INFLIGHT) {
    cli_connect(L, M_IDLE);
    idle_c.started++;
  }
}

static bool idle_clients_settled(struct load *L) {
  idle_start_more(L);
  return L->c_secure + L->c_closed == idle_c.n;
}

static void write_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void write_line(int fd, const char *fmt, ...) {
  char b[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof(b), fmt, ap);
  va_end(ap);
  CHECK_INT(write(fd, b, (size_t)n), n);
}

static void idle_child_run(int rd, int wr, unsigned n) {
  /* Wait for the port. */
  char b[64] = {0};
  size_t got = 0;
  while (got == 0 || b[got - 1] != '\n') {
    ssize_t r = read(rd, b + got, sizeof(b) - 1 - got);
    CHECK(r > 0);
    got += (size_t)r;
  }
  struct load *L = calloc(1, sizeof(*L));
  CHECK(L != NULL);
  loop_begin(L, n);
  L->port = (unsigned)atoi(b);
  L->cctx = make_ctx(NULL, NULL, "ca.pem");
  long long heap0 = heap_bytes(), rss0 = rss_bytes();
  idle_c.n = n;
  run_until(L, idle_clients_settled, "the clients' handshakes", DEADLINE_MS + n * 20u);
  if (L->c_secure != n)
    otls_test_fail(__FILE__, __LINE__, "%u of %u clients secure; last error %s", L->c_secure, n,
                   otls_err_name(L->c_last_err));
  write_line(wr, "ready %lld %lld\n", heap_bytes() - heap0, rss_bytes() - rss0);
  /* Hold them (the loop does not run: nothing may happen to an idle
   * connection anyway) until the server has measured its side. */
  got = 0;
  while (got < 6) {
    ssize_t r = read(rd, b + got, 6 - got);
    CHECK(r > 0);
    got += (size_t)r;
  }
  CHECK(memcmp(b, "close\n", 6) == 0);
  for (size_t i = 0; i < L->ncli; i++)
    CHECK_ERR(otls_uv_socket_end(L->cli[i].s), 0);
  run_until(L, all_clients_closed, "the clients to close", DEADLINE_MS + n * 20u);
  write_line(wr, "closed %u %u\n", L->c_closed - L->c_closed_err, L->c_closed_err);
  loop_end(L);
  free(L);
}

static struct idle_parent *idle_p;
static bool idle_parent_waiting(struct load *L) {
  struct idle_parent *P = idle_p;
  if (P->child_eof && !P->child_closed)
    otls_test_fail(__FILE__, __LINE__, "the client process ended early (see its output)");
  idle_maybe_close(P);
  return P->child_closed && L->s_closed == P->n;
}

TEST(idle_connections_are_held) {
  unsigned n = env_uint("OTLS_LOAD_IDLE_CONNS", 10000);
  need_fds(n + 64);
  int p2c[2], c2p[2];
  CHECK_INT(pipe(p2c), 0);
  CHECK_INT(pipe(c2p), 0);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p2c[1]);
    close(c2p[0]);
    idle_child_run(p2c[0], c2p[1], n);
    close(p2c[0]);
    close(c2p[1]);
    exit(0);
  }
  close(p2c[0]);
  close(c2p[1]);

  struct load *L = calloc(1, sizeof(*L));
  CHECK(L != NULL);
  loop_begin(L, 0);
  struct idle_parent P = {.L = L, .to_child = p2c[1], .n = n};
  idle_p = &P;
  server_start(L, NULL);
  CHECK_INT(uv_pipe_init(&L->loop, &P.from_child, 0), 0);
  CHECK_INT(uv_pipe_open(&P.from_child, c2p[0]), 0);
  P.from_child.data = &P;
  CHECK_INT(uv_read_start((uv_stream_t *)&P.from_child, idle_alloc, idle_read), 0);
  P.heap0 = heap_bytes();
  P.rss0 = rss_bytes();
  write_line(p2c[1], "%u\n", L->port);
  run_until(L, idle_parent_waiting, "both sides to hold and then close every connection",
            2 * DEADLINE_MS + n * 40u);
  uv_close((uv_handle_t *)&P.from_child, NULL); /* closes c2p[0] */
  close(p2c[1]);
  int status = 0;
  CHECK_INT(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status));
  CHECK_INT(WEXITSTATUS(status), 0);

  /* Every handshake completed, nothing timed out, every close was clean. */
  CHECK_INT(L->s_secure, n);
  CHECK_INT(L->s_client_errors, 0);
  CHECK_INT(L->s_closed, n);
  CHECK_INT(L->s_closed_err, 0);
  CHECK_INT(P.c_clean, n);
  CHECK_INT(P.c_errors, 0);
  printf("FIGURE idle_connections %s connections=%u server_heap_bytes_per_conn=%lld "
         "client_heap_bytes_per_conn=%lld server_rss_bytes_per_conn=%lld "
         "client_rss_bytes_per_conn=%lld asan=%d\n",
         otls_backend_name(), n, P.s_heap / n, P.c_heap / n, P.s_rss / n, P.c_rss / n, LOAD_ASAN);
  if (!LOAD_ASAN) {
    /* A bound, per side and connection, that the heaviest backend
     * (wolfSSL, about 110 KiB on the client) stays under: the event layer
     * must not add record-sized buffers of its own to idle connections. */
    CHECK(P.s_heap / n < 160 * 1024);
    CHECK(P.c_heap / n < 160 * 1024);
  }
  loop_end(L);
  free(L);
}

/* --- 2. open/close loop ---------------------------------------------------------- */

struct churn {
  unsigned per_round, started, inflight_max;
};
static struct churn churn;

static void churn_more(struct load *L) {
  while (churn.started < churn.per_round && churn.started - L->c_closed < churn.inflight_max) {
    cli_connect(L, M_PING);
    churn.started++;
  }
}

static void churn_on_close(struct load *L, struct cli *c) {
  (void)c;
  churn_more(L);
}

static bool churn_round_done(struct load *L) {
  return L->c_closed == churn.per_round && server_has_no_connections(L);
}

TEST(open_close_loop_leaks_no_fds_or_heap) {
  unsigned seconds = env_uint("OTLS_LOAD_SECONDS", 60);
  unsigned per_round = env_uint("OTLS_LOAD_CONNS", 1000);
  need_fds(2 * 200 + 64);
  struct load *L = calloc(1, sizeof(*L));
  CHECK(L != NULL);
  loop_begin(L, per_round);
  L->cctx = make_ctx(NULL, NULL, "ca.pem");
  server_start(L, NULL);
  L->on_cli_close = churn_on_close;
  churn.per_round = per_round;
  churn.inflight_max = 200;

  enum { MAX_ROUNDS = 10000 };
  static int fds[MAX_ROUNDS];
  static long long heap[MAX_ROUNDS];
  uint64_t t0 = now_ms();
  unsigned rounds = 0, total = 0;
  for (;;) {
    churn.started = 0;
    L->ncli = 0;
    L->c_closed = L->c_closed_err = L->c_echoed = L->c_secure = 0;
    churn_more(L);
    run_until(L, churn_round_done, "a round of connections to open and close",
              DEADLINE_MS + per_round * 20u);
    /* Every connection of the round completed its echo and closed cleanly. */
    CHECK_INT(L->c_secure, per_round);
    CHECK_INT(L->c_echoed, per_round);
    CHECK_INT(L->c_closed_err, 0);
    CHECK_INT(L->s_client_errors, 0);
    CHECK_INT(L->s_closed_err, 0);
    total += per_round;
    fds[rounds] = fd_count();
    heap[rounds] = heap_bytes();
    rounds++;
    /* Round 0 is the warm-up; at least two rounds are compared with it. */
    if ((now_ms() - t0 >= seconds * 1000u && rounds >= 3) || rounds == MAX_ROUNDS)
      break;
  }
  CHECK_INT(L->s_secure, total);
  CHECK_INT(L->s_closed, total);
  int fd_growth = 0;
  long long heap_growth = 0;
  for (unsigned r = 1; r < rounds; r++) {
    if (fds[r] - fds[0] > fd_growth)
      fd_growth = fds[r] - fds[0];
    if (heap[r] - heap[0] > heap_growth)
      heap_growth = heap[r] - heap[0];
  }
  printf("FIGURE open_close_loop %s seconds=%.1f rounds=%u connections=%u "
         "fds_after_warmup=%d max_fd_growth=%d heap_after_warmup=%lld max_heap_growth=%lld "
         "asan=%d\n",
         otls_backend_name(), (double)(now_ms() - t0) / 1000.0, rounds, total, fds[0], fd_growth,
         heap[0], heap_growth, LOAD_ASAN);
  /* Tolerances: no descriptor at all; 256 KiB of heap in total, i.e. a
   * fraction of a byte per connection over a full run. */
  for (unsigned r = 1; r < rounds; r++)
    CHECK_INT(fds[r], fds[0]);
  if (!LOAD_ASAN)
    CHECK(heap_growth <= 256 * 1024);
  loop_end(L);
  free(L);
}

/* --- 3. slowloris ------------------------------------------------------------------ */

#define SLOW_CLIENTS 200u
#define SLOW_NORMAL 50u
#define SLOW_TIMEOUT_MS 2000u
/* How late after the timeout a slow client may be closed: generous, the
 * machine may be loaded (the assertion is that the timeout ends it at all,
 * not how precisely). */
#define SLOW_SLACK_MS 20000u

struct slow {
  uv_tcp_t tcp;
  uv_connect_t creq;
  uv_write_t wreq;
  uint64_t t0, t_end;
  bool sent, ended;
  ssize_t end_status;
  size_t got;
};

static struct slow *slows;
static unsigned slow_sent, slow_ended;
static struct hbuf slow_hello;

static void slow_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf) {
  static char b[4096];
  (void)h;
  (void)sz;
  *buf = uv_buf_init(b, sizeof(b));
}

static void slow_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  (void)buf;
  struct slow *w = st->data;
  if (n > 0) {
    w->got += (size_t)n;
    return;
  }
  if (n == 0)
    return;
  w->t_end = now_ms();
  w->ended = true;
  w->end_status = n;
  slow_ended++;
  uv_close((uv_handle_t *)&w->tcp, NULL);
}

static void slow_written(uv_write_t *req, int status) {
  struct slow *w = req->data;
  CHECK_INT(status, 0);
  w->sent = true;
  slow_sent++;
}

static void slow_connected(uv_connect_t *req, int status) {
  struct slow *w = req->data;
  CHECK_INT(status, 0);
  /* Half of a real ClientHello: the record header announces more. */
  uv_buf_t b = uv_buf_init((char *)slow_hello.p, (unsigned)(slow_hello.len / 2));
  w->wreq.data = w;
  CHECK_INT(uv_write(&w->wreq, (uv_stream_t *)&w->tcp, &b, 1, slow_written), 0);
  CHECK_INT(uv_read_start((uv_stream_t *)&w->tcp, slow_alloc, slow_read), 0);
}

static void slow_normal_next(struct load *L, struct cli *c) {
  (void)c;
  if (L->ncli < SLOW_NORMAL)
    cli_connect(L, M_PING);
}

static bool slow_all_sent(struct load *L) {
  (void)L;
  return slow_sent == SLOW_CLIENTS;
}
static bool slow_all_done(struct load *L) {
  return slow_ended == SLOW_CLIENTS && L->c_closed == SLOW_NORMAL && server_has_no_connections(L);
}

TEST(slowloris_clients_end_by_handshake_timeout) {
  need_fds(2 * (SLOW_CLIENTS + SLOW_NORMAL) + 64);
  struct load *L = calloc(1, sizeof(*L));
  CHECK(L != NULL);
  loop_begin(L, SLOW_NORMAL);
  L->cctx = make_ctx(NULL, NULL, "ca.pem");
  otls_uv_server_options o;
  otls_uv_server_options_init(&o);
  o.handshake_timeout_ms = SLOW_TIMEOUT_MS;
  server_start(L, &o);
  struct hello_spec spec = {0};
  build_client_hello(&slow_hello, &spec, 0);
  CHECK(slow_hello.len > 40);
  slows = calloc(SLOW_CLIENTS, sizeof(*slows));
  CHECK(slows != NULL);
  struct sockaddr_in sa;
  CHECK_INT(uv_ip4_addr("127.0.0.1", (int)L->port, &sa), 0);
  for (unsigned i = 0; i < SLOW_CLIENTS; i++) {
    struct slow *w = &slows[i];
    CHECK_INT(uv_tcp_init(&L->loop, &w->tcp), 0);
    w->tcp.data = w->creq.data = w;
    w->t0 = now_ms();
    CHECK_INT(uv_tcp_connect(&w->creq, &w->tcp, (const struct sockaddr *)&sa, slow_connected), 0);
  }
  run_until(L, slow_all_sent, "the slow clients' partial ClientHellos", DEADLINE_MS);
  /* While the slow ones hang, normal clients come, ten at a time (so that
   * none of them nears the timeout on a slow machine), and must all be
   * served. */
  L->on_cli_close = slow_normal_next;
  for (unsigned i = 0; i < 10; i++)
    cli_connect(L, M_PING);
  run_until(L, slow_all_done, "the slow clients' timeouts and the normal clients",
            DEADLINE_MS + SLOW_SLACK_MS);

  CHECK_INT(L->c_secure, SLOW_NORMAL);
  CHECK_INT(L->c_echoed, SLOW_NORMAL);
  CHECK_INT(L->c_closed_err, 0);
  CHECK_INT(L->s_secure, SLOW_NORMAL);
  /* The server reported each slow client as a handshake timeout, and only them. */
  CHECK_INT(L->s_client_errors, SLOW_CLIENTS);
  CHECK_INT(L->s_timeouts, SLOW_CLIENTS);
  CHECK_ERR(L->s_last_client_error, OTLS_E_HANDSHAKE_TIMEOUT);
  CHECK_STR(otls_err_name(L->s_last_client_error), "ERR_TLS_HANDSHAKE_TIMEOUT");
  uint64_t min_ms = UINT64_MAX, max_ms = 0;
  for (unsigned i = 0; i < SLOW_CLIENTS; i++) {
    struct slow *w = &slows[i];
    CHECK(w->ended);
    /* Closed by the server, without a byte of TLS sent back. */
    CHECK(w->end_status == UV_EOF || w->end_status == UV_ECONNRESET);
    CHECK_INT(w->got, 0);
    uint64_t d = w->t_end - w->t0;
    if (d < min_ms)
      min_ms = d;
    if (d > max_ms)
      max_ms = d;
  }
  printf("FIGURE slowloris %s slow_clients=%u normal_clients=%u handshake_timeout_ms=%u "
         "slow_closed_after_ms_min=%llu slow_closed_after_ms_max=%llu\n",
         otls_backend_name(), SLOW_CLIENTS, SLOW_NORMAL, SLOW_TIMEOUT_MS,
         (unsigned long long)min_ms, (unsigned long long)max_ms);
  /* Not before the timeout (the server's timer starts after our connect
   * began; 10 ms for libuv's loop clock, which may be the coarse monotonic
   * clock, a tick behind ours), and within timeout + slack. */
  CHECK(min_ms + 10 >= SLOW_TIMEOUT_MS);
  CHECK(max_ms <= SLOW_TIMEOUT_MS + SLOW_SLACK_MS);
  loop_end(L);
  free(slows);
  hb_free(&slow_hello);
}

/* --- 4. a client that never reads ------------------------------------------------- */

#define FLOOD_CHUNK (64u * 1024u)
#define FLOOD_NORMAL 20u

struct flood {
  otls_uv_socket *s;  /* the server's socket to the stalled client */
  struct cli *victim; /* the stalled client */
  uv_timer_t tick;
  uint8_t *chunk;
  size_t accepted, written, max_queue;
  unsigned returned_false, want_write;
  uint64_t last_progress;
  bool stalled, stopped, ended;
  uint64_t stall_at;
  long long heap_stall, heap_end;
  size_t accepted_stall, accepted_end;
};
static struct flood fl;

static void flood_written(otls_uv_socket *s, int status, void *arg) {
  (void)s;
  (void)arg;
  if (status == 0) {
    fl.written += FLOOD_CHUNK;
    fl.last_progress = now_ms();
  }
}

static void flood_tick(uv_timer_t *t) {
  (void)t;
  if (fl.s == NULL || fl.stopped)
    return;
  for (int i = 0; i < 64; i++) {
    int rv = otls_uv_socket_write(fl.s, fl.chunk, FLOOD_CHUNK, flood_written, NULL);
    size_t q = otls_uv_socket_write_queue_size(fl.s);
    if (q > fl.max_queue)
      fl.max_queue = q;
    if (rv == 1) {
      fl.accepted += FLOOD_CHUNK;
      continue;
    }
    if (rv == 0) { /* accepted, but the queue reached the high-water mark */
      fl.accepted += FLOOD_CHUNK;
      fl.returned_false++;
      break;
    }
    CHECK_ERR(rv, OTLS_E_WANT_WRITE); /* refused: the queue is full */
    fl.want_write++;
    break;
  }
}

static void flood_srv_data(struct load *L, otls_uv_socket *s, const uint8_t *d, size_t n) {
  (void)L;
  if (n == 5 && memcmp(d, "stall", 5) == 0) {
    fl.s = s;
    fl.last_progress = now_ms();
    return;
  }
  CHECK(otls_uv_socket_write(s, d, n, NULL, NULL) >= 0);
}

static bool flood_stalled(struct load *L) {
  (void)L;
  /* No write completed for a second while a megabyte and more went out:
   * the kernel buffers are full and the client reads nothing. */
  return fl.s && fl.accepted > (1u << 20) && fl.want_write > 0 &&
         now_ms() - fl.last_progress > 1000;
}

static bool flood_phase_done(struct load *L) {
  return L->c_closed == FLOOD_NORMAL && /* every normal client, not the stalled one */
         now_ms() - fl.stall_at >= 1500;
}

static bool victim_done(struct load *L) {
  return fl.victim->closed && L->c_closed == L->ncli;
}

TEST(a_client_that_never_reads_is_held_back_by_backpressure) {
  need_fds(2 * (FLOOD_NORMAL + 1) + 64);
  struct load *L = calloc(1, sizeof(*L));
  CHECK(L != NULL);
  loop_begin(L, 1 + FLOOD_NORMAL);
  L->cctx = make_ctx(NULL, NULL, "ca.pem");
  server_start(L, NULL);
  L->srv_data = flood_srv_data;
  memset(&fl, 0, sizeof(fl));
  fl.chunk = malloc(FLOOD_CHUNK);
  CHECK(fl.chunk != NULL);
  memset(fl.chunk, 'x', FLOOD_CHUNK);
  CHECK_INT(uv_timer_init(&L->loop, &fl.tick), 0);
  CHECK_INT(uv_timer_start(&fl.tick, flood_tick, 5, 5), 0);

  fl.victim = cli_connect(L, M_STALL);
  run_until(L, flood_stalled, "the server's writes to the stalled client to back up", DEADLINE_MS);
  fl.stalled = true;
  fl.stall_at = now_ms();
  fl.heap_stall = heap_bytes();
  fl.accepted_stall = fl.accepted;
  /* The server keeps trying to write to it while other clients come. */
  for (unsigned i = 0; i < FLOOD_NORMAL; i++)
    cli_connect(L, M_PING);
  run_until(L, flood_phase_done, "the other clients while the server is backed up", DEADLINE_MS);
  fl.heap_end = heap_bytes();
  fl.accepted_end = fl.accepted;
  CHECK_INT(L->c_echoed, FLOOD_NORMAL);
  CHECK_INT(L->c_closed_err, 0);
  CHECK_INT(L->s_client_errors, 0);
  CHECK(!fl.victim->closed);
  size_t hwm = OTLS_UV_HIGH_WATER_MARK;
  printf("FIGURE never_reading_client %s accepted_before_stall=%zu accepted_after=%zu "
         "max_write_queue=%zu high_water_mark=%zu write_false=%u want_write=%u "
         "heap_growth_while_stalled=%lld asan=%d\n",
         otls_backend_name(), fl.accepted_stall, fl.accepted_end, fl.max_queue, hwm,
         fl.returned_false, fl.want_write, fl.heap_end - fl.heap_stall, LOAD_ASAN);
  /* The queue never holds more than the mark plus one write, and the server
   * accepted nothing more once stalled (write() refused it). */
  CHECK(fl.max_queue <= hwm + FLOOD_CHUNK);
  CHECK_INT(fl.accepted_end, fl.accepted_stall);
  CHECK(fl.want_write > 0);
  if (!LOAD_ASAN)
    CHECK(fl.heap_end - fl.heap_stall <= 256 * 1024);

  /* The client reads again: it gets every byte the server accepted, then
   * the server's end. */
  fl.stopped = true;
  CHECK_ERR(otls_uv_socket_end(fl.s), 0);
  otls_uv_socket_resume(fl.victim->s);
  run_until(L, victim_done, "the stalled client to read everything", DEADLINE_MS);
  CHECK(!fl.victim->had_error);
  CHECK_INT(fl.victim->got, fl.accepted);
  CHECK_INT(L->s_closed_err, 0);
  uv_close((uv_handle_t *)&fl.tick, NULL);
  loop_end(L);
  free(fl.chunk);
}

/* --- 5. connection limit --------------------------------------------------------- */

#define LIMIT 10u

static unsigned lim_target_secure, lim_target_closed;
static bool lim_secure(struct load *L) {
  return L->c_secure == lim_target_secure && L->s_secure == lim_target_secure;
}
static bool lim_closed(struct load *L) {
  return L->c_closed == lim_target_closed;
}
static bool lim_server_count(struct load *L) {
  return otls_uv_server_connections(L->srv) == lim_target_secure;
}
static unsigned lim_echo_want;
static size_t lim_echo_from;
static bool lim_echoed(struct load *L) {
  for (size_t i = lim_echo_from; i < lim_echo_from + LIMIT; i++)
    if (L->cli[i].got < lim_echo_want)
      return false;
  return true;
}

static size_t lim_new_first;
static bool lim_new_echoed(struct load *L) {
  for (size_t i = lim_new_first; i < lim_new_first + 3; i++)
    if (L->cli[i].got < 4)
      return false;
  return true;
}

/* `k` extra clients, which the server must refuse. */
static void lim_refuse(struct load *L, unsigned k) {
  size_t first = L->ncli;
  unsigned before_secure = L->s_secure;
  lim_target_closed = L->c_closed + k;
  for (unsigned i = 0; i < k; i++)
    cli_connect(L, M_IDLE);
  run_until(L, lim_closed, "the refused clients to close", DEADLINE_MS);
  for (size_t i = first; i < L->ncli; i++) {
    struct cli *c = &L->cli[i];
    CHECK(!c->secure);
    CHECK(c->had_error);
    /* Closed before any TLS byte came back. */
    if (c->err != OTLS_E_CONNRESET && c->err != OTLS_E_PIPE)
      otls_test_fail(__FILE__, __LINE__, "refused client: %s (%s)", otls_err_name(c->err),
                     "want ECONNRESET or EPIPE");
  }
  CHECK_INT(L->s_secure, before_secure);
  CHECK_INT(L->s_client_errors, 0); /* refused before TLS: no tlsClientError */
  CHECK_INT(otls_uv_server_connections(L->srv), LIMIT);
}

TEST(connection_limit_refuses_extras_cleanly) {
  /* libuv opens its process-wide signal pipe with the first loop: not ours. */
  uv_loop_t first;
  CHECK_INT(uv_loop_init(&first), 0);
  CHECK_INT(uv_loop_close(&first), 0);
  int fds0 = fd_count();
  struct load *L = calloc(1, sizeof(*L));
  CHECK(L != NULL);
  loop_begin(L, 64);
  L->cctx = make_ctx(NULL, NULL, "ca.pem");
  otls_uv_server_options o;
  otls_uv_server_options_init(&o);
  o.max_connections = LIMIT;
  server_start(L, &o);
  int fds_listening = fd_count();

  /* The allowed ones. */
  for (unsigned i = 0; i < LIMIT; i++)
    cli_connect(L, M_IDLE);
  lim_target_secure = LIMIT;
  run_until(L, lim_secure, "the allowed clients", DEADLINE_MS);
  CHECK_INT(otls_uv_server_connections(L->srv), LIMIT);

  /* Extra ones are refused: no handshake, closed. */
  lim_refuse(L, 5);

  /* The allowed ones are still served. */
  for (size_t i = 0; i < LIMIT; i++)
    CHECK(otls_uv_socket_write(L->cli[i].s, "ping", 4, NULL, NULL) >= 0);
  lim_echo_from = 0;
  lim_echo_want = 4;
  run_until(L, lim_echoed, "the echo on the allowed clients", DEADLINE_MS);

  /* Three leave; three new ones are accepted; one more is refused again. */
  for (size_t i = 0; i < 3; i++)
    CHECK_ERR(otls_uv_socket_end(L->cli[i].s), 0);
  lim_target_closed = L->c_closed + 3;
  run_until(L, lim_closed, "three clients to leave", DEADLINE_MS);
  lim_target_secure = LIMIT - 3;
  run_until(L, lim_server_count, "the server to drop three connections", DEADLINE_MS);
  for (size_t i = 0; i < 3; i++)
    CHECK(!L->cli[i].had_error);
  size_t first_new = L->ncli;
  for (unsigned i = 0; i < 3; i++)
    cli_connect(L, M_IDLE);
  lim_target_secure = LIMIT + 3;
  run_until(L, lim_secure, "three new clients", DEADLINE_MS);
  CHECK_INT(otls_uv_server_connections(L->srv), LIMIT);
  lim_refuse(L, 1);
  for (size_t i = first_new; i < first_new + 3; i++)
    CHECK(otls_uv_socket_write(L->cli[i].s, "pong", 4, NULL, NULL) >= 0);
  lim_new_first = first_new;
  run_until(L, lim_new_echoed, "the echo on the new clients", DEADLINE_MS);

  printf("FIGURE connection_limit %s max_connections=%u served=%u refused=%u\n",
         otls_backend_name(), LIMIT, L->s_secure, 6u);
  /* Everyone leaves; nothing stays open. */
  for (size_t i = 0; i < L->ncli; i++)
    if (L->cli[i].s)
      CHECK_ERR(otls_uv_socket_end(L->cli[i].s), 0);
  run_until(L, all_closed, "every connection to close", DEADLINE_MS);
  for (size_t i = first_new; i < first_new + 3; i++) {
    CHECK_INT(L->cli[i].got, 4);
    CHECK(!L->cli[i].had_error);
  }
  CHECK_INT(L->s_closed_err, 0);
  CHECK_INT(fd_count(), fds_listening);
  loop_end(L);
  free(L);
  CHECK_INT(fd_count(), fds0);
}
