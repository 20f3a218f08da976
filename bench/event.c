/*
 * omnitls benchmarks — the harness side of the event-server scenarios
 * (event.h): starts the server and client processes of both sides, drives
 * a slice, and turns the servers' counters into a rate. No TLS here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"

/* A reply must come within this; the slowest is a 256-connection set-up
 * on a loaded machine. */
#define REPLY_TIMEOUT_MS 120000

struct proc {
  pid_t pid;
  int to, from; /* its stdin, its stdout */
  char buf[512];
  size_t len;
  char what[48];
};

struct side {
  struct proc server, client;
  unsigned port;
  bool up;
};

static struct {
  struct side side[2];
  bool node;
  enum ev_mode mode;
  const struct ev_config *cfg;
} ev;

static const char *side_name(enum ev_side s) {
  return s == EV_NODE ? "node" : "omnitls";
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench event: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  ev_shutdown();
  exit(1);
}

static int spawn(struct proc *p, const char *what, char *const argv[]) {
  int in[2], out[2];
  memset(p, 0, sizeof(*p));
  snprintf(p->what, sizeof(p->what), "%s", what);
  if (pipe2(in, O_CLOEXEC) < 0)
    return -1;
  if (pipe2(out, O_CLOEXEC) < 0) {
    close(in[0]);
    close(in[1]);
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
      _exit(127);
    execv(argv[0], argv);
    fprintf(stderr, "bench event: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  p->pid = pid;
  p->to = in[1];
  p->from = out[0];
  return 0;
}

/* Ask the process to stop and wait for it. */
static void reap(struct proc *p) {
  if (p->pid <= 0)
    return;
  static const char quit[] = "quit\n";
  if (write(p->to, quit, sizeof(quit) - 1) < 0) { /* already gone: fine */
  }
  close(p->to);
  close(p->from);
  int st;
  for (int i = 0; i < 3000; i++) { /* 30 s: 256 connections to close */
    if (waitpid(p->pid, &st, WNOHANG) == p->pid)
      goto out;
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  kill(p->pid, SIGKILL);
  waitpid(p->pid, &st, 0);
out:
  p->pid = 0;
}

static void send_line(struct proc *p, const char *line) {
  size_t n = strlen(line);
  if (write(p->to, line, n) != (ssize_t)n)
    die("%s: cannot send '%s': %s", p->what, line, strerror(errno));
}

/* The next line from the process (without its newline). */
static void read_line(struct proc *p, char *line, size_t cap) {
  for (;;) {
    char *nl = memchr(p->buf, '\n', p->len);
    if (nl) {
      size_t n = (size_t)(nl - p->buf);
      if (n >= cap)
        die("%s: reply too long", p->what);
      memcpy(line, p->buf, n);
      line[n] = '\0';
      memmove(p->buf, nl + 1, p->len - n - 1);
      p->len -= n + 1;
      return;
    }
    if (p->len == sizeof(p->buf))
      die("%s: reply too long", p->what);
    struct pollfd pfd = {.fd = p->from, .events = POLLIN};
    int rv = poll(&pfd, 1, REPLY_TIMEOUT_MS);
    if (rv == 0)
      die("%s: no reply within %d s", p->what, REPLY_TIMEOUT_MS / 1000);
    if (rv < 0 && errno == EINTR)
      continue;
    ssize_t got = read(p->from, p->buf + p->len, sizeof(p->buf) - p->len);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      die("%s exited (see its messages above)", p->what);
    p->len += (size_t)got;
  }
}

struct stats {
  unsigned long long handshakes, bytes, errors;
  unsigned conns;
  long long cpu_us;
};

static struct stats server_stats(struct side *s, enum ev_side which) {
  char line[256];
  struct stats st;
  send_line(&s->server, "stats\n");
  read_line(&s->server, line, sizeof(line));
  if (sscanf(line, "stats %llu %llu %u %lld %llu", &st.handshakes, &st.bytes, &st.conns,
             &st.cpu_us, &st.errors) != 5)
    die("%s server: unexpected reply '%s'", side_name(which), line);
  if (st.errors > 0)
    die("%s server: %llu failed handshakes (tlsClientError)", side_name(which), st.errors);
  return st;
}

static const char *self_exe(void) {
  static char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0)
    die("cannot find my own executable: %s", strerror(errno));
  path[n] = '\0';
  return path;
}

static void start_server(enum ev_side which) {
  struct side *s = &ev.side[which];
  char what[48], line[128];
  snprintf(what, sizeof(what), "the %s server", side_name(which));
  int rv;
  if (which == EV_OMNITLS) {
    char *argv[] = {(char *)self_exe(), "--ev-server", "--pki", (char *)ev.cfg->pki, NULL};
    rv = spawn(&s->server, what, argv);
  } else {
    char *argv[] = {(char *)ev.cfg->node, (char *)ev.cfg->script, "server", "--pki",
                    (char *)ev.cfg->pki, "--ciphers", (char *)bench_ev_ciphers(), "--curves",
                    (char *)bench_ev_curves(), NULL};
    rv = spawn(&s->server, what, argv);
  }
  if (rv < 0)
    die("cannot start %s: %s", what, strerror(errno));
  read_line(&s->server, line, sizeof(line));
  if (sscanf(line, "ready %u", &s->port) != 1 || s->port == 0)
    die("%s: unexpected reply '%s'", what, line);
  s->up = true;
}

static void start_client(enum ev_side which, enum ev_mode mode, unsigned conns, size_t size) {
  struct side *s = &ev.side[which];
  char what[48], port[16], nconns[16], nsize[24];
  snprintf(what, sizeof(what), "the %s client", side_name(which));
  snprintf(port, sizeof(port), "%u", s->port);
  snprintf(nconns, sizeof(nconns), "%u", conns);
  snprintf(nsize, sizeof(nsize), "%zu", size);
  char *m = mode == EV_BULK ? "bulk" : "handshake";
  int rv;
  if (which == EV_OMNITLS) {
    char *argv[] = {(char *)self_exe(), "--ev-client", "--pki", (char *)ev.cfg->pki, "--port",
                    port, "--mode", m, "--conns", nconns, "--size", nsize, NULL};
    rv = spawn(&s->client, what, argv);
  } else {
    char *argv[] = {(char *)ev.cfg->node, (char *)ev.cfg->script, "client", "--pki",
                    (char *)ev.cfg->pki, "--port", port, "--mode", m, "--conns", nconns,
                    "--size", nsize, "--ciphers", (char *)bench_ev_ciphers(), "--curves",
                    (char *)bench_ev_curves(), NULL};
    rv = spawn(&s->client, what, argv);
  }
  if (rv < 0)
    die("cannot start %s: %s", what, strerror(errno));
}

/* What the client's probe connection negotiated. */
static void read_negotiated(enum ev_side which, char *neg, size_t cap) {
  char line[256];
  read_line(&ev.side[which].client, line, sizeof(line));
  if (strncmp(line, "negotiated ", 11) != 0 || strlen(line + 11) >= cap)
    die("the %s client: unexpected reply '%s'", side_name(which), line);
  memcpy(neg, line + 11, strlen(line + 11) + 1);
}

static void wait_ready(enum ev_side which) {
  char line[64];
  read_line(&ev.side[which].client, line, sizeof(line));
  if (strcmp(line, "ready") != 0)
    die("the %s client: unexpected reply '%s'", side_name(which), line);
}

bool ev_have_node(void) {
  return ev.node;
}

int ev_begin(const struct ev_config *cfg, enum ev_mode mode, unsigned conns, size_t size,
             char neg[2][160]) {
  ev.cfg = cfg;
  ev.node = cfg->node != NULL && cfg->script != NULL;
  ev.mode = mode;
  for (int i = ev.node ? 0 : 1; i < 2; i++)
    if (!ev.side[i].up)
      start_server((enum ev_side)i);
  /* Both clients start together (each has its own server); they do their
   * set-up while nothing is measured. */
  neg[EV_NODE][0] = '\0';
  for (int i = ev.node ? 0 : 1; i < 2; i++)
    start_client((enum ev_side)i, mode, conns, size);
  for (int i = ev.node ? 0 : 1; i < 2; i++)
    read_negotiated((enum ev_side)i, neg[i], sizeof(neg[i]));
  for (int i = ev.node ? 0 : 1; i < 2; i++)
    wait_ready((enum ev_side)i);
  return 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ev_slice(enum ev_side which, double seconds, double *wall_rate) {
  struct side *s = &ev.side[which];
  char cmd[32], line[64];
  unsigned long long n;
  struct stats a = server_stats(s, which), b;
  snprintf(cmd, sizeof(cmd), "run %u\n", (unsigned)(seconds * 1000 + 0.5));
  double t_run = now();
  send_line(&s->client, cmd);
  read_line(&s->client, line, sizeof(line));
  if (sscanf(line, "done %llu", &n) != 1)
    die("the %s client: unexpected reply '%s'", side_name(which), line);
  /* The server may still be reading the last bytes or closing the last
   * connections: wait until it has seen all of the run. */
  double t0 = now();
  for (;;) {
    b = server_stats(s, which);
    unsigned long long got = ev.mode == EV_BULK ? b.bytes - a.bytes : b.handshakes - a.handshakes;
    if (got > n)
      die("the %s server counted %llu, its client %llu", side_name(which), got, n);
    if (got == n && (ev.mode == EV_BULK || b.conns == 0))
      break;
    if (now() - t0 > 30)
      die("the %s server saw %llu of %llu within 30 s", side_name(which), got, n);
    nanosleep(&(struct timespec){0, 500 * 1000}, NULL);
  }
  if (getenv("BENCH_EV_DEBUG"))
    fprintf(stderr, "bench event: %s: %llu in a %.2f s run, %.3f s until the server saw all, "
            "server CPU %.3f s\n", side_name(which), n, seconds, now() - t_run,
            (double)(b.cpu_us - a.cpu_us) * 1e-6);
  if (n == 0)
    die("the %s side did no work in %.2f s", side_name(which), seconds);
  double cpu = (double)(b.cpu_us - a.cpu_us) * 1e-6, wall = now() - t_run;
  if (cpu <= 0)
    die("the %s server used no CPU time", side_name(which));
  double scale = ev.mode == EV_BULK ? 1e-6 : 1;
  if (wall_rate)
    *wall_rate = (double)n / wall * scale;
  return (double)n / cpu * scale;
}

void ev_end(void) {
  for (int i = 0; i < 2; i++)
    reap(&ev.side[i].client);
}

void ev_shutdown(void) {
  for (int i = 0; i < 2; i++) {
    reap(&ev.side[i].client);
    reap(&ev.side[i].server);
    ev.side[i].up = false;
  }
}

#ifndef BENCH_HAVE_UV
/* Built without libuv: the omnitls side of these scenarios does not exist. */
int bench_ev_child(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "bench: built without the event layer (OMNITLS_WITH_UV=OFF)\n");
  return 1;
}

const char *bench_ev_unsupported(void) {
  return "built without the event layer (OMNITLS_WITH_UV=OFF)";
}

const char *bench_ev_ciphers(void) {
  return "";
}

const char *bench_ev_curves(void) {
  return "";
}
#endif
