/*
 * omnitls benchmarks — the event-server scenarios' omnitls processes: the
 * libuv server (otls_uv_server) and the libuv clients (otls_uv_connect),
 * each a process of its own (bench-<backend> --ev-server / --ev-client),
 * driven by the harness (event.c) over stdin/stdout with one-line
 * commands. bench/node/evbench.js is the same two programs on Node.js's
 * `tls`; the protocol (event.h) is shared.
 *
 * Server: listens on 127.0.0.1, an ephemeral port; the EC chain of the test
 * PKI; counts completed handshakes (`secureConnection`) and the plaintext
 * bytes it reads, which it discards. Everything else is omnitls' defaults
 * (one ticket per full handshake, TLS 1.3 suites and groups in omnitls'
 * default order: AES-128-GCM and X25519 first).
 *
 * Client: `conns` slots on one loop. Handshake mode: each slot connects,
 * completes the handshake (verifying the chain and "localhost"), ends the
 * connection (close_notify; the server answers with its own, as Node does
 * by default) and, once it is closed, connects again, until the slice is
 * over. Bulk mode: `conns` connections opened once, each writing `size`
 * bytes at a time as fast as the write queue allows (waiting for `drain`
 * when write() says so), until the slice is over.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "omnitls.h"
#include "omnitls/uv.h"

#include "bench.h"
#include "event.h"

static uv_loop_t *loop;

__attribute__((format(printf, 1, 2), noreturn)) static void fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("omnitls event bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* Replies go out whole, at once: the harness reads them line by line. */
__attribute__((format(printf, 1, 2))) static void reply(const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(line))
    fatal("reply too long");
  if (write(STDOUT_FILENO, line, (size_t)n) != n)
    fatal("cannot write to the harness: %s", strerror(errno));
}

/* --- commands from the harness: one line each, on stdin ----------------------- */

static uv_pipe_t ctl;
static char ctl_buf[512];
static size_t ctl_len;
static void (*on_command)(char *line);

static void ctl_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  (void)h;
  (void)hint;
  *b = uv_buf_init(ctl_buf + ctl_len, (unsigned)(sizeof(ctl_buf) - ctl_len));
}

static void ctl_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  (void)st;
  (void)b;
  if (n < 0) /* EOF: the harness is gone */
    exit(n == UV_EOF ? 0 : 1);
  ctl_len += (size_t)n;
  char *nl;
  while ((nl = memchr(ctl_buf, '\n', ctl_len)) != NULL) {
    *nl = '\0';
    on_command(ctl_buf);
    size_t used = (size_t)(nl - ctl_buf) + 1;
    memmove(ctl_buf, nl + 1, ctl_len - used);
    ctl_len -= used;
  }
  if (ctl_len == sizeof(ctl_buf))
    fatal("command too long");
}

static void ctl_start(void (*cb)(char *line)) {
  on_command = cb;
  if (uv_pipe_init(loop, &ctl, 0) != 0 || uv_pipe_open(&ctl, STDIN_FILENO) != 0 ||
      uv_read_start((uv_stream_t *)&ctl, ctl_alloc, ctl_read) != 0)
    fatal("cannot read commands from stdin");
}

/* --- contexts ---------------------------------------------------------------------------- */

/* The contexts of the single-process TLS 1.3 ECDSA scenarios. */
static otls_context *make_context(const char *pki, bool server) {
  struct bench_setup setup = {.pki_dir = pki, .cert = BENCH_CERT_EC, .resume = BENCH_FULL};
  otls_context *ctx = bench_otls_context(&setup, server);
  if (ctx == NULL)
    fatal("cannot create the %s context", server ? "server" : "client");
  return ctx;
}

/* user + system CPU time of this process, in microseconds (as Node's
 * process.cpuUsage(): getrusage). */
static long long cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
         ru.ru_stime.tv_usec;
}

/* --- the server ------------------------------------------------------------------------- */

static otls_uv_server *srv;
static unsigned long long srv_handshakes, srv_bytes, srv_errors;

static void srv_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  (void)s;
  (void)data;
  srv_bytes += len;
}

static void srv_error(otls_uv_socket *s, int err) {
  /* A client that stops at the end of a run may reset: not the work. */
  if (err != OTLS_E_CONNRESET)
    fprintf(stderr, "omnitls event server: socket error %s: %s\n", otls_err_name(err),
            otls_uv_socket_error(s));
}

static void srv_secure(otls_uv_server *server, otls_uv_socket *s) {
  (void)server;
  static const otls_uv_socket_events ev = {.on_data = srv_data, .on_error = srv_error};
  srv_handshakes++;
  otls_uv_socket_set_events(s, &ev);
}

static void srv_client_error(otls_uv_server *server, otls_uv_socket *s, int err,
                             const char *detail) {
  (void)server;
  (void)s;
  srv_errors++;
  fprintf(stderr, "omnitls event server: tlsClientError %s: %s\n", otls_err_name(err), detail);
}

static void srv_command(char *line) {
  if (strcmp(line, "stats") == 0)
    reply("stats %llu %llu %u %lld %llu\n", srv_handshakes, srv_bytes,
          otls_uv_server_connections(srv), cpu_us(), srv_errors);
  else if (strcmp(line, "quit") == 0)
    exit(0);
  else
    fatal("server: unknown command '%s'", line);
}

static int run_server(const char *pki) {
  otls_context *ctx = make_context(pki, true);
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = srv_secure;
  so.on_tls_client_error = srv_client_error;
  int rv = otls_uv_server_new(&srv, loop, ctx, &so);
  if (rv == 0)
    rv = otls_uv_server_listen(srv, "127.0.0.1", 0);
  if (rv < 0)
    fatal("server: %s", otls_err_name(rv));
  otls_context_free(ctx); /* the server holds its reference */
  ctl_start(srv_command);
  reply("ready %u\n", otls_uv_server_port(srv));
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}

/* --- the clients ------------------------------------------------------------------------ */

struct slot {
  otls_uv_socket *s;
  bool secure;   /* bulk: established */
  bool waiting;  /* bulk: write() said wait for drain */
  size_t queued; /* bulk: writes whose callback has not fired */
};

static struct {
  otls_context *ctx;
  unsigned port;
  enum ev_mode mode;
  unsigned conns;
  size_t size;
  struct slot slots[EV_MAX_CONNS];
  unsigned active;  /* slots with a socket */
  unsigned secured; /* bulk set-up: slots established */
  bool running;     /* inside a `run` */
  bool probing;
  bool quitting;
  unsigned long long done; /* handshakes or bytes in this run */
  uv_timer_t timer;
  char negotiated[160];
  uint8_t *data;
} cl;

static void slot_connect(struct slot *sl);
static void pump(struct slot *sl);

/* The end of a run: the slice is over and nothing of it is in flight. */
static void maybe_done(void) {
  if (cl.running || cl.probing || cl.done == ~0ull)
    return;
  if (cl.mode == EV_HANDSHAKE && cl.active > 0)
    return;
  if (cl.mode == EV_BULK)
    for (unsigned i = 0; i < cl.conns; i++)
      if (cl.slots[i].queued > 0)
        return;
  reply("done %llu\n", cl.done);
  cl.done = ~0ull; /* reported */
}

static void cl_error(otls_uv_socket *s, int err) {
  fatal("client: %s: %s", otls_err_name(err), otls_uv_socket_error(s));
}

static void open_bulk(void);

static void cl_close(otls_uv_socket *s, bool had_error) {
  struct slot *sl = otls_uv_socket_data(s);
  (void)had_error;
  sl->s = NULL;
  sl->secure = false;
  cl.active--;
  if (cl.quitting) {
    if (cl.active == 0)
      exit(0);
    return;
  }
  if (cl.probing) {
    /* The tickets the server sent have all arrived by now. */
    cl.probing = false;
    reply("negotiated %s %u\n", cl.negotiated, otls_conn_tickets(otls_uv_socket_conn(s)));
    if (cl.mode == EV_HANDSHAKE)
      reply("ready\n");
    else
      open_bulk();
    return;
  }
  if (cl.mode == EV_HANDSHAKE && cl.running)
    slot_connect(sl);
  else
    maybe_done();
}

static void cl_drain(otls_uv_socket *s) {
  struct slot *sl = otls_uv_socket_data(s);
  sl->waiting = false;
  pump(sl);
}

static void cl_secure(otls_uv_socket *s) {
  struct slot *sl = otls_uv_socket_data(s);
  otls_conn *c = otls_uv_socket_conn(s);
  if (!otls_conn_is_authorized(c))
    fatal("client: the server was not authorized");
  if (cl.probing) {
    otls_cipher_info ci;
    otls_ephemeral_key_info ek;
    const char *proto = otls_conn_protocol(c);
    if (otls_conn_cipher(c, &ci) < 0 || otls_conn_ephemeral_key_info(c, &ek) < 0 || !proto)
      fatal("client: cannot tell what was negotiated");
    snprintf(cl.negotiated, sizeof(cl.negotiated), "%s %s %s", proto, ci.standard_name,
             ek.name ? ek.name : "none");
    otls_uv_socket_end(s);
    return;
  }
  if (cl.mode == EV_HANDSHAKE) {
    cl.done++;
    otls_uv_socket_end(s);
    return;
  }
  sl->secure = true;
  if (++cl.secured == cl.conns)
    reply("ready\n");
}

static void slot_connect(struct slot *sl) {
  static const otls_uv_socket_events ev = {
      .on_error = cl_error, .on_close = cl_close, .on_drain = cl_drain};
  otls_uv_socket_options o;
  otls_uv_socket_options_init(&o);
  o.servername = BENCH_HOST;
  int rv = otls_uv_connect(&sl->s, loop, cl.ctx, "127.0.0.1", cl.port, &o, cl_secure);
  if (rv < 0)
    fatal("client: otls_uv_connect: %s", otls_err_name(rv));
  otls_uv_socket_set_data(sl->s, sl);
  otls_uv_socket_set_events(sl->s, &ev);
  cl.active++;
}

static void wrote(otls_uv_socket *s, int status, void *arg) {
  struct slot *sl = arg;
  (void)s;
  if (status < 0)
    fatal("client: write: %s", otls_err_name(status));
  sl->queued--;
  maybe_done();
}

/* Bulk: write while the queue takes it and the run goes on. */
static void pump(struct slot *sl) {
  while (cl.running && !sl->waiting) {
    int rv = otls_uv_socket_write(sl->s, cl.data, cl.size, wrote, sl);
    if (rv == OTLS_E_WANT_WRITE) {
      sl->waiting = true;
      break;
    }
    if (rv < 0)
      fatal("client: write: %s", otls_err_name(rv));
    sl->queued++;
    cl.done += cl.size;
    if (rv == 0)
      sl->waiting = true;
  }
}

static void run_over(uv_timer_t *t) {
  (void)t;
  cl.running = false;
  maybe_done();
}

static void cl_command(char *line) {
  unsigned ms;
  if (sscanf(line, "run %u", &ms) == 1) {
    if (cl.running || cl.probing || (cl.mode == EV_BULK && cl.secured < cl.conns))
      fatal("client: 'run' while busy");
    cl.running = true;
    cl.done = 0;
    uv_timer_start(&cl.timer, run_over, ms, 0);
    for (unsigned i = 0; i < cl.conns; i++) {
      if (cl.mode == EV_HANDSHAKE)
        slot_connect(&cl.slots[i]);
      else
        pump(&cl.slots[i]);
    }
  } else if (strcmp(line, "quit") == 0) {
    /* Bulk: end the connections properly (the server stays for the next
     * scenario), then exit. */
    if (cl.active == 0)
      exit(0);
    cl.quitting = true;
    cl.running = false;
    for (unsigned i = 0; i < cl.conns; i++)
      if (cl.slots[i].s)
        otls_uv_socket_end(cl.slots[i].s);
  } else {
    fatal("client: unknown command '%s'", line);
  }
}

/* After the probe: bulk mode opens its connections (ready when all are up). */
static void open_bulk(void) {
  for (unsigned i = 0; i < cl.conns; i++)
    slot_connect(&cl.slots[i]);
}

static int run_client(const char *pki, unsigned port, enum ev_mode mode, unsigned conns,
                      size_t size) {
  cl.ctx = make_context(pki, false);
  cl.port = port;
  cl.mode = mode;
  cl.conns = conns;
  cl.size = size;
  cl.done = ~0ull;
  if (mode == EV_BULK) {
    if ((cl.data = malloc(size)) == NULL)
      fatal("out of memory");
    for (size_t i = 0; i < size; i++)
      cl.data[i] = (uint8_t)(i * 131u + 7u);
  }
  uv_timer_init(loop, &cl.timer);
  ctl_start(cl_command);
  /* One probe connection first: what was negotiated, and the tickets. */
  cl.probing = true;
  static struct slot probe;
  slot_connect(&probe);
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}

const char *bench_ev_unsupported(void) {
  return NULL;
}

const char *bench_ev_ciphers(void) {
  return otls_default_ciphers();
}

const char *bench_ev_curves(void) {
  return otls_default_ecdh_curves();
}

int bench_ev_child(int argc, char **argv) {
  const char *pki = NULL;
  unsigned port = 0, conns = 1;
  size_t size = 16384;
  enum ev_mode mode = EV_HANDSHAKE;
  bool server = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool more = i + 1 < argc;
    if (strcmp(a, "--ev-server") == 0)
      server = true;
    else if (strcmp(a, "--ev-client") == 0)
      server = false;
    else if (strcmp(a, "--pki") == 0 && more)
      pki = argv[++i];
    else if (strcmp(a, "--port") == 0 && more)
      port = (unsigned)strtoul(argv[++i], NULL, 10);
    else if (strcmp(a, "--conns") == 0 && more)
      conns = (unsigned)strtoul(argv[++i], NULL, 10);
    else if (strcmp(a, "--size") == 0 && more)
      size = strtoul(argv[++i], NULL, 10);
    else if (strcmp(a, "--mode") == 0 && more)
      mode = strcmp(argv[++i], "bulk") == 0 ? EV_BULK : EV_HANDSHAKE;
    else
      fatal("unknown argument '%s'", a);
  }
  if (pki == NULL || conns == 0 || conns > EV_MAX_CONNS || size == 0)
    fatal("bad arguments");
  loop = uv_default_loop();
  return server ? run_server(pki) : run_client(pki, port, mode, conns, size);
}
