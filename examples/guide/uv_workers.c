/*
 * docs/event-layer.md — an echo server on several threads: otls_uv_workers
 * (one libuv loop and one otls_uv_server per thread, one port, one shared
 * context, so one session cache and ticket key).
 *
 * Usage: uv_workers CERT KEY NCONN
 * Two workers listen on 127.0.0.1 (an ephemeral port, printed as "PORT n"),
 * echo what clients send, and the set closes itself once NCONN connections
 * have ended.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <omnitls.h>
#include <omnitls/uv.h>

struct shared {
  _Atomic(otls_uv_workers *) workers;
  atomic_uint ended;
  unsigned nconn;
};

/* socket.pipe(socket), with backpressure. */
static void on_data(otls_uv_socket *s, const uint8_t *data, size_t len) {
  if (otls_uv_socket_write(s, data, len, NULL, NULL) == 0 && !otls_uv_socket_is_paused(s))
    otls_uv_socket_pause(s); /* queue full: stop reading until drain */
}

static void on_drain(otls_uv_socket *s) {
  otls_uv_socket_resume(s);
}

/* Runs on the worker's thread; after NCONN connections, close every worker. */
static void on_close(otls_uv_socket *s, bool had_error) {
  (void)had_error;
  struct shared *sh = otls_uv_server_data(otls_uv_socket_server(s));
  if (atomic_fetch_add(&sh->ended, 1) + 1 == sh->nconn)
    otls_uv_workers_close(atomic_load(&sh->workers)); /* allowed from a worker */
}

static void on_secure(otls_uv_server *srv, otls_uv_socket *s) {
  (void)srv;
  otls_uv_socket_events ev = {.on_data = on_data, .on_drain = on_drain, .on_close = on_close};
  otls_uv_socket_set_events(s, &ev);
}

/* On worker i's thread, before its loop runs. */
static void on_worker_start(otls_uv_workers *w, unsigned i, otls_uv_server *srv) {
  printf("worker %u of %u listening (loop %p)\n", i, otls_uv_workers_count(w),
         (void *)otls_uv_server_loop(srv));
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: uv_workers CERT KEY NCONN\n");
    return 2;
  }
  otls_context_options opts;
  otls_context_options_init(&opts);
  otls_source cert = otls_source_file(argv[1]), key = otls_source_file(argv[2]);
  opts.cert = &cert;
  opts.cert_count = 1;
  opts.key = &key;
  opts.key_count = 1;
  otls_context *ctx;
  int rv = otls_context_new(&ctx, &opts, NULL, 0);
  if (rv < 0) {
    fprintf(stderr, "context: %s\n", otls_err_name(rv));
    return 1;
  }

  static struct shared sh;
  sh.nconn = (unsigned)atoi(argv[3]);
  otls_uv_server_options so;
  otls_uv_server_options_init(&so);
  so.on_secure_connection = on_secure; /* runs on the worker threads */
  so.data = &sh;                       /* every worker's otls_uv_server_data() */
  otls_uv_workers_options wo;
  otls_uv_workers_options_init(&wo);
  wo.workers = 2; /* 0 = one per CPU */
  wo.host = "127.0.0.1";
  wo.port = 0; /* one ephemeral port, shared */
  wo.server_options = &so;
  wo.on_worker_start = on_worker_start;
  otls_uv_workers *w;
  rv = otls_uv_workers_start(&w, ctx, &wo);
  otls_context_free(ctx); /* the workers hold a reference until join */
  if (rv < 0) {
    fprintf(stderr, "workers: %s\n", otls_err_name(rv));
    return 1;
  }
  atomic_store(&sh.workers, w);
  printf("PORT %u\n", otls_uv_workers_port(w));
  fflush(stdout);

  otls_uv_workers_join(w); /* returns once a worker has called _close() */
  printf("served %u connections\n", atomic_load(&sh.ended));
  return 0;
}
