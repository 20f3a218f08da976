// What Node.js prints for a certificate: the reference for otls_cert_to_json().
//
// usage: node cert_json.js KEY CERT [CERT...]
//        node cert_json.js --batch FILE     (FILE: one "KEY CERT [CERT...]" per line)
//
// For each case: serves the certificates (concatenated, leaf first) with KEY
// from a tls server on 127.0.0.1 (an ephemeral port), connects a client with
// rejectUnauthorized false, and prints, one line each, JSON.stringify() of
// getPeerCertificate(true) and of every certificate reached through
// issuerCertificate, each without its issuerCertificate. The case's last line
// is "SELF" when the last certificate is its own issuer, else "END".
// Exits 1 (message on stderr) on any failure.
'use strict';
const fs = require('fs');
const tls = require('tls');

function fail(err) {
  process.stderr.write(`cert_json.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

function peerChain(keyFile, certFiles) {
  const key = fs.readFileSync(keyFile);
  const cert = Buffer.concat(certFiles.map((f) => fs.readFileSync(f)));
  return new Promise((resolve, reject) => {
    const server = tls.createServer({ key, cert }, (s) => s.end());
    server.on('tlsClientError', reject);
    server.listen(0, '127.0.0.1', () => {
      const client = tls.connect({
        host: '127.0.0.1',
        port: server.address().port,
        rejectUnauthorized: false,
      }, () => {
        const lines = [];
        let c = client.getPeerCertificate(true);
        const seen = new Set();
        for (;;) {
          const { issuerCertificate, ...fields } = c;
          lines.push(JSON.stringify(fields));
          seen.add(c);
          if (issuerCertificate === c) {
            lines.push('SELF');
            break;
          }
          if (!issuerCertificate || seen.has(issuerCertificate)) {
            lines.push('END');
            break;
          }
          c = issuerCertificate;
        }
        client.end();
        server.close(() => resolve(lines));
      });
      client.on('error', reject);
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  let cases;
  if (args[0] === '--batch' && args.length === 2) {
    cases = fs.readFileSync(args[1], 'utf8').split('\n').filter((l) => l.trim())
      .map((l) => l.trim().split(/\s+/));
  } else if (args.length >= 2 && args[0] !== '--batch') {
    cases = [args];
  } else {
    process.stderr.write('usage: node cert_json.js KEY CERT [CERT...] | --batch FILE\n');
    process.exit(2);
  }
  for (const [key, ...certs] of cases) {
    const lines = await peerChain(key, certs);
    process.stdout.write(lines.join('\n') + '\n');
  }
}

main().catch(fail);
