'use strict';
// omnitls — the reference side of the checkServerIdentity cases.
//
//   node identity_cases.js <identity_cases.txt>
//     Runs every case of the table (format: see the table's header) through
//     Node's own tls.checkServerIdentity(host, {subject: {CN}, subjectaltname})
//     and prints one line per case: "<line number>\t<result>", where result
//     is "ok", the error's `reason`, or "throw <code>", encoded with the
//     table's escapes (see encode()). A first line "# node <version>".
//
//   node identity_cases.js --der <file> <host>... [--der <file> <host>...]...
//     Runs each host (escaped the same way) against the DER certificate in
//     the <file> before it, as Node sees it after a handshake (X509Certificate's
//     legacy object, the shape of getPeerCertificate()), and prints
//     "<index>\t<result>", counting across all files; the result is
//     "unparseable <code>" when OpenSSL does not accept the certificate.
//
// tests/unit/test_identity.c runs this script and compares its output with
// omnitls' answers.

const fs = require('fs');
const tls = require('tls');
const { X509Certificate } = require('crypto');

// Table escapes -> bytes: \\ \t \n \r \xNN.
function decode(field) {
  const out = [];
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const e = field[++i];
    if (e === '\\') out.push(0x5c);
    else if (e === 't') out.push(0x09);
    else if (e === 'n') out.push(0x0a);
    else if (e === 'r') out.push(0x0d);
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(field.slice(i + 1, i + 3))) {
      out.push(parseInt(field.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      throw new Error(`bad escape \\${e} in ${JSON.stringify(field)}`);
    }
  }
  return Buffer.from(out);
}

const text = (field) => decode(field).toString('utf8');

// Bytes -> one shell- and line-safe word: everything outside 0x20..0x7e,
// and \ ' |, becomes \xNN.
function encode(str) {
  let s = '';
  for (const b of Buffer.from(str, 'utf8')) {
    if (b < 0x20 || b > 0x7e || b === 0x5c || b === 0x27 || b === 0x7c)
      s += '\\x' + b.toString(16).padStart(2, '0');
    else
      s += String.fromCharCode(b);
  }
  return s;
}

function run(host, cert) {
  let err;
  try {
    err = tls.checkServerIdentity(host, cert);
  } catch (e) {
    return 'throw ' + e.code;
  }
  if (err === undefined) return 'ok';
  if (err.code !== 'ERR_TLS_CERT_ALTNAME_INVALID') return 'throw ' + err.code;
  return err.reason;
}

function runTable(path) {
  const lines = fs.readFileSync(path, 'latin1').split('\n');
  // The file is read as bytes (latin1 keeps them 1:1) and decoded per field.
  lines.forEach((raw, i) => {
    const line = Buffer.from(raw, 'latin1').toString('utf8');
    if (line === '' || line.startsWith('#')) return;
    const f = line.split('\t');
    if (f.length !== 4) throw new Error(`line ${i + 1}: ${f.length} fields`);
    const cert = { subject: {} };
    if (f[1] !== '-') cert.subjectaltname = text(f[1]);
    if (f[2] !== '-') {
      const cns = f[2].split('|').map(text);
      cert.subject.CN = cns.length === 1 ? cns[0] : cns;
    }
    console.log(`${i + 1}\t${encode(run(text(f[0]), cert))}`);
  });
}

function runDer(args) {
  // Groups "--der <file> <host>..."; results are numbered across all groups.
  let n = 0;
  for (let i = 0; i < args.length;) {
    const file = args[i + 1];
    let j = i + 2;
    while (j < args.length && args[j] !== '--der') j++;
    const hosts = args.slice(i + 2, j);
    i = j;
    let cert;
    try {
      cert = new X509Certificate(fs.readFileSync(file)).toLegacyObject();
    } catch (e) {
      // OpenSSL refuses the certificate itself (no TLS peer could present it).
      for (const h of hosts) console.log(`${n++}\tunparseable ${e.code}`);
      continue;
    }
    for (const h of hosts) console.log(`${n++}\t${encode(run(text(h), cert))}`);
  }
}

console.log(`# node ${process.version}`);
const args = process.argv.slice(2);
if (args[0] === '--der')
  runDer(args);
else
  runTable(args[0]);
