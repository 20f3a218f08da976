/*
 * omnitls benchmarks — the event-server scenarios: omnitls' libuv server
 * and clients against Node.js's `tls` server and clients doing the same
 * work in the same run (issue 7).
 *
 * Four processes per variant, each single-threaded on its own loop, talking
 * over 127.0.0.1 only: an omnitls server and an omnitls client process
 * (bench-<backend> --ev-server / --ev-client, event_omnitls.c), a Node.js
 * server and a Node.js client process (bench/node/evbench.js). The harness
 * (event.c) drives them with one-line commands on their stdin and reads
 * one-line replies on their stdout:
 *
 *   server, at start        -> "ready <port>"
 *   "stats"                 -> "stats <handshakes> <bytes> <connections> <cpu_us> <errors>"
 *                              (completed handshakes and plaintext bytes read
 *                              since start; open connections; the process's
 *                              user + system CPU time, getrusage());
 *   client, at start        -> "negotiated <protocol> <suite> <group> <tickets>"
 *                              (one probe connection), then "ready" once its
 *                              connections are up (bulk) or at once (handshakes);
 *   "run <ms>"              -> "done <n>": n handshakes completed, or n bytes
 *                              written, while the run lasted; sent when
 *                              nothing of the run is in flight any more
 *                              (connections closed / writes handed to the
 *                              kernel);
 *   "quit", or EOF          -> the process exits.
 *
 * A rate is the server's work over the server process's CPU time between
 * two `stats` taken before the run and after the server has seen all of it
 * (every handshake, every byte): the server's capacity per CPU-second,
 * however much of the machine the clients and other load leave it. The
 * same work per second of wall time is kept too (end to end: client,
 * kernel and server together, and whatever else runs on the machine).
 */
#ifndef OMNITLS_BENCH_EVENT_H
#define OMNITLS_BENCH_EVENT_H

#include <stdbool.h>
#include <stddef.h>

enum ev_mode { EV_HANDSHAKE, EV_BULK };

#define EV_MAX_CONNS 256

/* The two sides of an event scenario, in the order of the A/B pairs. */
enum ev_side { EV_NODE, EV_OMNITLS };

struct ev_config {
  const char *pki;
  const char *node;   /* node executable; NULL: no Node side */
  const char *script; /* bench/node/evbench.js */
};

/* bench-<backend> --ev-server | --ev-client ...: the omnitls processes. */
int bench_ev_child(int argc, char **argv);

/* Why the omnitls side cannot run here (NULL: it can). */
const char *bench_ev_unsupported(void);

/* omnitls' default cipher string and groups, given to Node as well. */
const char *bench_ev_ciphers(void);
const char *bench_ev_curves(void);

/*
 * Start the clients of one scenario (and, the first time, both servers).
 * `neg` gets what each side's probe connection negotiated:
 * "<protocol> <suite> <group> <tickets>". 0, or -1 after printing why.
 */
int ev_begin(const struct ev_config *cfg, enum ev_mode mode, unsigned conns, size_t size,
             char neg[2][160]);
/*
 * One slice on one side: the client works for `seconds`, then finishes what
 * it has in flight. Returns handshakes or MB (10^6 bytes) per CPU-second of
 * the server process; `*wall_rate` (if not NULL) gets the same work per
 * second of wall time, from "run" until the server had seen all of it.
 */
double ev_slice(enum ev_side side, double seconds, double *wall_rate);
/* Stop the clients of the scenario. */
void ev_end(void);
/* Stop the servers (at exit). */
void ev_shutdown(void);
/* Whether the Node side runs. */
bool ev_have_node(void);

#endif /* OMNITLS_BENCH_EVENT_H */
