// omnitls interop: a Node.js tls peer, loopback only.
//
//   node node_peer.js server PKI_DIR VERSION   -> prints "ACCEPT 127.0.0.1:PORT", then for the
//        first connection one JSON line {protocol, cipher, servername, authorized}, echoes
//        what it receives and exits when the client closes.
//   node node_peer.js client PKI_DIR VERSION PORT MESSAGE -> connects to localhost:PORT
//        (127.0.0.1), prints one JSON line {protocol, cipher, authorized, authorizationError},
//        sends MESSAGE, prints what comes back, and exits when the server closes.
'use strict';
const tls = require('tls');
const fs = require('fs');
const path = require('path');

const [mode, pki, version] = process.argv.slice(2);
const file = (n) => fs.readFileSync(path.join(pki, n));
const range = { minVersion: version, maxVersion: version };
const info = (s) => ({
  protocol: s.getProtocol(),
  cipher: s.getCipher(),
  servername: s.servername || false,
  authorized: s.authorized,
  authorizationError: s.authorizationError || null,
});
setTimeout(() => { console.error('node_peer: timeout'); process.exit(3); }, 20000).unref();

if (mode === 'server') {
  const server = tls.createServer(
    { key: file('server-rsa.key'), cert: file('server-rsa-chain.pem'), ...range },
    (s) => {
      console.log(JSON.stringify({ event: 'secureConnection', ...info(s) }));
      s.pipe(s);
      s.on('end', () => server.close());
      s.on('error', (e) => { console.error('node_peer server:', e.code); process.exit(1); });
    });
  server.on('tlsClientError', (e) => { console.error('tlsClientError', e.code); process.exit(1); });
  server.listen(0, '127.0.0.1', () => console.log(`ACCEPT 127.0.0.1:${server.address().port}`));
} else if (mode === 'client') {
  const [port, message] = process.argv.slice(5);
  const s = tls.connect({ host: '127.0.0.1', servername: 'localhost', port: Number(port),
                          ca: file('ca.pem'), ...range }, () => {
    console.log(JSON.stringify(info(s)));
    s.write(message);
    s.end();
  });
  s.setEncoding('utf8');
  s.on('data', (d) => process.stdout.write(d));
  s.on('end', () => process.exit(0));
  s.on('error', (e) => { console.error('node_peer client:', e.code, e.message); process.exit(1); });
} else if (mode === 'echo-server') {
  // The echo server of Node's tls documentation, client certificates
  // required: 'welcome!\n', then everything back. One JSON line per
  // connection (with the client certificate's subject CN); exits after N.
  const n = Number(process.argv[5] || 1);
  let seen = 0;
  const server = tls.createServer(
    { key: file('server-rsa.key'), cert: file('server-rsa-chain.pem'), ca: file('ca.pem'),
      requestCert: true, rejectUnauthorized: true, ...range },
    (s) => {
      console.log(JSON.stringify({ event: 'secureConnection', ...info(s),
                                   peerCN: s.getPeerCertificate().subject.CN }));
      s.write('welcome!\n');
      s.pipe(s);
      s.on('close', () => { if (++seen === n) server.close(); });
      s.on('error', (e) => { console.error('node_peer server:', e.code); process.exit(1); });
    });
  server.on('tlsClientError', (e) => { console.error('tlsClientError', e.code); process.exit(1); });
  server.listen(0, '127.0.0.1', () => console.log(`ACCEPT 127.0.0.1:${server.address().port}`));
} else if (mode === 'resume-server') {
  // N connections with ALPN h2 and an OCSP staple; one JSON line each.
  const n = Number(process.argv[5] || 6);
  let seen = 0;
  const staple = file('ocsp-good.der');
  const server = tls.createServer(
    { key: file('server-rsa.key'), cert: file('server-rsa-chain.pem'), ALPNProtocols: ['h2'],
      ...range },
    (s) => {
      console.log(JSON.stringify({ event: 'secureConnection', ...info(s),
                                   isSessionReused: s.isSessionReused(),
                                   alpnProtocol: s.alpnProtocol }));
      s.on('data', () => {});
      s.on('end', () => { s.end(); if (++seen === n) server.close(); });
      s.on('error', () => { if (++seen === n) server.close(); });
    });
  server.on('OCSPRequest', (cert, issuer, cb) => cb(null, staple));
  server.on('tlsClientError', (e) => { console.error('tlsClientError', e.code); process.exit(1); });
  server.listen(0, '127.0.0.1', () => console.log(`ACCEPT 127.0.0.1:${server.address().port}`));
} else if (mode === 'resume-client') {
  // Connect, keep the session (the 'session' event), connect again with it;
  // one JSON line per connection.
  const port = Number(process.argv[5]);
  let session = null;
  const once = (round) => {
    const s = tls.connect({ host: '127.0.0.1', servername: 'localhost', port, ca: file('ca.pem'),
                            ALPNProtocols: ['h2', 'http/1.1'], requestOCSP: true, session,
                            ...range });
    let ocsp = null;
    s.on('OCSPResponse', (r) => { ocsp = r; });
    s.on('session', (sess) => { session = sess; });
    s.on('secureConnect', () => {
      // Give TLS 1.3 tickets a moment to arrive, then report and close.
      setTimeout(() => {
        console.log(JSON.stringify({ ...info(s), isSessionReused: s.isSessionReused(),
                                     alpnProtocol: s.alpnProtocol,
                                     ocspResponse: ocsp ? ocsp.toString('hex') : null,
                                     haveSession: session !== null }));
        s.end();
      }, 200);
    });
    s.on('close', () => { if (round < 1) once(round + 1); else process.exit(0); });
    s.on('error', (e) => { console.error('node_peer client:', e.code, e.message); process.exit(1); });
  };
  once(0);
} else if (mode === 'concurrent-client') {
  // N clients at once, ALPN offered; each sends 64 KiB and checks the echo,
  // then waits until every client has had its echo before it ends: a server
  // serving one connection at a time never gets there. One JSON line per
  // client, then {"done":N}.
  const port = Number(process.argv[5]);
  const n = Number(process.argv[6] || 8);
  const size = 64 * 1024;
  let echoed = 0;
  let closed = 0;
  const waiting = [];
  for (let i = 0; i < n; i++) {
    const payload = Buffer.alloc(size, String.fromCharCode(97 + (i % 26)));
    const s = tls.connect({ host: '127.0.0.1', servername: 'localhost', port, ca: file('ca.pem'),
                            ALPNProtocols: ['http/1.1'], ...range });
    const got = [];
    let have = 0;
    s.on('secureConnect', () => s.write(payload));
    s.on('data', (d) => {
      got.push(d);
      have += d.length;
      if (have !== size) return;
      if (!Buffer.concat(got).equals(payload)) {
        console.error(`node_peer: client ${i} got other data back`);
        process.exit(1);
      }
      console.log(JSON.stringify({ client: i, ...info(s), alpnProtocol: s.alpnProtocol,
                                   echoed: have }));
      waiting.push(s);
      if (++echoed === n) waiting.forEach((w) => w.end());
    });
    s.on('close', () => { if (++closed === n) { console.log(JSON.stringify({ done: echoed })); process.exit(echoed === n ? 0 : 1); } });
    s.on('error', (e) => { console.error(`node_peer client ${i}:`, e.code, e.message); process.exit(1); });
  }
} else {
  console.error('usage: node_peer.js server|client|echo-server|resume-server|resume-client|concurrent-client PKI VERSION [PORT MESSAGE|N]');
  process.exit(2);
}
