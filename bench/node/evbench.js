'use strict';
// omnitls benchmarks — the event-server scenarios on Node.js's own `tls`:
// the same server and clients as bench/event_omnitls.c (omnitls' libuv
// layer), driven by the same harness over the same one-line protocol
// (bench/event.h):
//
//   node evbench.js server --pki DIR --ciphers STR --curves STR
//   node evbench.js client --pki DIR --port P --mode handshake|bulk
//                          --conns N --size BYTES --ciphers STR --curves STR
//
// The same work: 127.0.0.1 only; the server presents the test PKI's EC
// chain (server-ec-chain.pem, ECDSA P-256); the client trusts ca.pem only,
// sends SNI "localhost" and checks the certificate against it; both use
// omnitls' default cipher string and groups (given by the harness), so
// TLS 1.3 TLS_AES_128_GCM_SHA256 with X25519 is negotiated, as on the
// omnitls side. Everything else is Node's defaults (allowHalfOpen false,
// 16 KiB writableHighWaterMark, Node's ticket handling).

const tls = require('tls');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

function args(argv) {
  const o = { role: argv[0] };
  for (let i = 1; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) fail(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  return o;
}

function fail(msg) {
  process.stderr.write(`node event bench: ${msg}\n`);
  process.exit(1);
}

// One line to the harness, whole (stdout on a pipe is synchronous on POSIX).
function reply(line) {
  process.stdout.write(line + '\n');
}

function commands(handler, quit = () => process.exit(0)) {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line === 'quit') quit();
    else handler(line);
  });
  rl.on('close', () => process.exit(0)); // the harness is gone
}

function cpuMicros() {
  const u = process.cpuUsage(); // getrusage(RUSAGE_SELF): user + system
  return u.user + u.system;
}

const o = args(process.argv.slice(2));
if (!o.pki) fail('--pki is required');
const pki = (name) => fs.readFileSync(path.join(o.pki, name));
const tlsOptions = { ciphers: o.ciphers, ecdhCurve: o.curves };

function server() {
  let handshakes = 0;
  let bytes = 0;
  let conns = 0;
  let errors = 0;
  const srv = tls.createServer(
    { ...tlsOptions, key: pki('server-ec.key'), cert: pki('server-ec-chain.pem'), ca: pki('ca.pem') },
    (sock) => {
      handshakes++;
      sock.on('data', (d) => {
        bytes += d.length;
      });
      // A client that stops at the end of a run may reset: not the work.
      sock.on('error', (e) => {
        if (e.code !== 'ECONNRESET') process.stderr.write(`node event server: socket error ${e.code}: ${e.message}\n`);
      });
    },
  );
  srv.on('connection', (raw) => {
    conns++;
    raw.on('close', () => conns--);
  });
  srv.on('tlsClientError', (e) => {
    errors++;
    process.stderr.write(`node event server: tlsClientError ${e.code}: ${e.message}\n`);
  });
  srv.listen(0, '127.0.0.1', () => {
    commands((line) => {
      if (line === 'stats') reply(`stats ${handshakes} ${bytes} ${conns} ${cpuMicros()} ${errors}`);
      else fail(`server: unknown command '${line}'`);
    });
    reply(`ready ${srv.address().port}`);
  });
}

function client() {
  const port = Number(o.port);
  const mode = o.mode;
  const nconns = Number(o.conns);
  const size = Number(o.size);
  const ca = pki('ca.pem');
  let running = false;
  let done = null; // handshakes or bytes in this run; null: reported
  let active = 0;
  let quitting = false;
  const slots = [];
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 131 + 7) & 0xff;

  function maybeDone() {
    if (running || done === null) return;
    if (mode === 'handshake' && active > 0) return;
    if (mode === 'bulk' && slots.some((s) => s.queued > 0)) return;
    reply(`done ${done}`);
    done = null;
  }

  function connect(onSecure, onClose) {
    const s = tls.connect({ ...tlsOptions, host: '127.0.0.1', port, servername: 'localhost', ca });
    active++;
    s.on('error', (e) => fail(`client: ${e.code}: ${e.message}`));
    s.on('secureConnect', () => {
      if (!s.authorized) fail(`client: not authorized: ${s.authorizationError}`);
      onSecure(s);
    });
    s.on('close', () => {
      active--;
      if (quitting) {
        if (active === 0) process.exit(0);
        return;
      }
      onClose(s);
    });
    return s;
  }

  // Handshake mode: connect, handshake, end; when closed, again.
  function loop() {
    connect(
      (s) => {
        done++;
        s.end();
      },
      () => {
        if (running) loop();
        else maybeDone();
      },
    );
  }

  // Bulk mode: write while the queue takes it and the run goes on. A write
  // that the kernel takes at once leaves the queue empty, so write() keeps
  // returning true while the server keeps reading: after a burst, let the
  // loop run (timers, the other connections) before writing on.
  function pump(slot) {
    for (let burst = 0; running && !slot.waiting; burst++) {
      if (burst === 16) {
        setImmediate(pump, slot);
        return;
      }
      slot.queued++;
      done += size;
      const more = slot.sock.write(data, () => {
        slot.queued--;
        maybeDone();
      });
      if (!more) slot.waiting = true;
    }
  }

  function openBulk() {
    let up = 0;
    for (let i = 0; i < nconns; i++) {
      const slot = { sock: null, waiting: false, queued: 0 };
      slot.sock = connect(
        () => {
          if (++up === nconns) reply('ready');
        },
        () => {
          if (running) fail('client: a bulk connection closed');
        },
      );
      // 'drain' comes from process.nextTick() when the kernel took the data
      // at once: writing on from there would chain nextTicks and starve
      // the loop (the run's timer among others).
      slot.sock.on('drain', () => {
        slot.waiting = false;
        setImmediate(pump, slot);
      });
      slots.push(slot);
    }
  }

  function run(ms) {
    running = true;
    done = 0;
    setTimeout(() => {
      running = false;
      maybeDone();
    }, ms);
    for (let i = 0; i < nconns; i++) {
      if (mode === 'handshake') loop();
      else pump(slots[i]);
    }
  }

  // One probe connection first: what was negotiated, and the tickets.
  let tickets = 0;
  let negotiated = '';
  const probe = connect(
    (s) => {
      const c = s.getCipher();
      const k = s.getEphemeralKeyInfo();
      negotiated = `${s.getProtocol()} ${c.standardName} ${k && k.name ? k.name : 'none'}`;
      s.end();
    },
    () => {
      reply(`negotiated ${negotiated} ${tickets}`);
      commands(
        (line) => {
          const m = /^run (\d+)$/.exec(line);
          if (!m) fail(`client: unknown command '${line}'`);
          run(Number(m[1]));
        },
        () => {
          // Bulk: end the connections properly (the server stays for the
          // next scenario), then exit.
          if (active === 0) process.exit(0);
          quitting = true;
          running = false;
          for (const slot of slots) slot.sock.end();
        },
      );
      if (mode === 'bulk') openBulk();
      else reply('ready');
    },
  );
  probe.on('session', () => tickets++);
}

if (o.role === 'server') server();
else if (o.role === 'client') client();
else fail(`unknown role '${o.role}'`);
