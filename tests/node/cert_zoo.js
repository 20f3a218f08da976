// Certificates with unusual fields, to compare omnitls's certificate object
// with Node's beyond what the test PKI covers: multi-valued and repeated
// attributes, every string type, every GeneralName form, escaping, odd
// serials and dates, other key types.
//
// usage: node cert_zoo.js PKI_DIR OUT_DIR
//
// Writes OUT_DIR/<name>.pem (and OUT_DIR/<name>.key for keys made here) and
// prints one line per certificate: "<name> <key file> <cert file>".
// The certificates carry a real public key (so that a TLS server can use
// them) and a dummy signature (clients with rejectUnauthorized false do not
// look at it).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const [pkiDir, outDir] = process.argv.slice(2);
if (!pkiDir || !outDir) {
  process.stderr.write('usage: node cert_zoo.js PKI_DIR OUT_DIR\n');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

// --- DER ------------------------------------------------------------------
function derLen(n) {
  if (n < 0x80) return Buffer.from([n]);
  const b = [];
  while (n) { b.unshift(n & 0xff); n = Math.floor(n / 256); }
  return Buffer.from([0x80 | b.length, ...b]);
}
function tlv(tag, ...parts) {
  const c = Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  return Buffer.concat([Buffer.from([tag]), derLen(c.length), c]);
}
const seq = (...p) => tlv(0x30, ...p);
const set = (...p) => tlv(0x31, ...p);
function oid(s) {
  const a = s.split('.').map(BigInt);
  const enc = (v) => {
    const b = [Number(v & 127n)];
    v >>= 7n;
    while (v) { b.unshift(Number(v & 127n) | 128); v >>= 7n; }
    return b;
  };
  const out = enc(a[0] * 40n + a[1]);
  for (const v of a.slice(2)) out.push(...enc(v));
  return tlv(0x06, Buffer.from(out));
}
const utf8 = (s) => tlv(0x0c, Buffer.from(s, 'utf8'));
const utf8raw = (bytes) => tlv(0x0c, Buffer.from(bytes));
const printable = (s) => tlv(0x13, Buffer.from(s, 'latin1'));
const t61 = (bytes) => tlv(0x14, Buffer.from(bytes));
const ia5 = (s) => tlv(0x16, Buffer.from(s, 'latin1'));
const numeric = (s) => tlv(0x12, Buffer.from(s, 'latin1'));
function bmp(s) {
  const b = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), i * 2);
  return tlv(0x1e, b);
}
function univ(s) {
  const cps = [...s].map((c) => c.codePointAt(0));
  const b = Buffer.alloc(cps.length * 4);
  cps.forEach((c, i) => b.writeUInt32BE(c, i * 4));
  return tlv(0x1c, b);
}
const integer = (bytes) => tlv(0x02, Buffer.from(bytes));
const utc = (s) => tlv(0x17, Buffer.from(s));
const gen = (s) => tlv(0x18, Buffer.from(s));
const atv = (o, v) => seq(oid(o), v);
const name = (...rdns) => seq(...rdns.map((r) => set(...(Array.isArray(r) ? r : [r]))));
function ext(o, val, critical) {
  return critical ? seq(oid(o), Buffer.from([1, 1, 0xff]), tlv(0x04, val))
    : seq(oid(o), tlv(0x04, val));
}
// GeneralName forms
const gnOther = (o, v) => tlv(0xa0, oid(o), tlv(0xa0, v));
const gnEmail = (s) => tlv(0x81, Buffer.from(s, 'latin1'));
const gnDns = (s) => tlv(0x82, Buffer.from(s, 'latin1'));
const gnDnsRaw = (bytes) => tlv(0x82, Buffer.from(bytes));
const gnX400 = (...p) => tlv(0xa3, ...p);
const gnDir = (n) => tlv(0xa4, n);
const gnEdi = (...p) => tlv(0xa5, ...p);
const gnUri = (s) => tlv(0x86, Buffer.from(s, 'latin1'));
const gnIp = (bytes) => tlv(0x87, Buffer.from(bytes));
const gnRid = (o) => { const e = oid(o); return Buffer.concat([Buffer.from([0x88]), e.subarray(1)]); };

const OID = {
  C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3',
  street: '2.5.4.9', title: '2.5.4.12', serialNumber: '2.5.4.5', email: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25', UID: '0.9.2342.19200300.100.1.1',
  san: '2.5.29.17', bc: '2.5.29.19', ku: '2.5.29.15', eku: '2.5.29.37',
  aia: '1.3.6.1.5.5.7.1.1', ocsp: '1.3.6.1.5.5.7.48.1', caIssuers: '1.3.6.1.5.5.7.48.2',
  caRepository: '1.3.6.1.5.5.7.48.5', timeStamping: '1.3.6.1.5.5.7.48.3',
  upn: '1.3.6.1.4.1.311.20.2.3', srv: '1.3.6.1.5.5.7.8.7', xmpp: '1.3.6.1.5.5.7.8.5',
  smtputf8: '1.3.6.1.5.5.7.8.9', nai: '1.3.6.1.5.5.7.8.8',
  ecdsaSha256: '1.2.840.10045.4.3.2', rsaSha256: '1.2.840.113549.1.1.11',
};

// --- keys -----------------------------------------------------------------
function spkiOf(keyPem) {
  return crypto.createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
}
const keys = {};
function pkiKey(n) {
  const file = path.join(pkiDir, `${n}.key`);
  keys[n] = { file, spki: spkiOf(fs.readFileSync(file)) };
}
pkiKey('server-ec');
pkiKey('server-rsa');
function genKey(n, type, opts) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync(type, opts);
  const file = path.join(outDir, `${n}.key`);
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  keys[n] = { file, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}
genKey('p384', 'ec', { namedCurve: 'secp384r1' });
genKey('p521', 'ec', { namedCurve: 'secp521r1' });
genKey('ed25519', 'ed25519');
genKey('rsa-e3', 'rsa', { modulusLength: 2048, publicExponent: 3 });
genKey('rsa-pss', 'rsa-pss', { modulusLength: 2048 });

// The server-ec key in hybrid form (06/07 || X || Y).
function hybridSpki(spki) {
  const point = Buffer.from(spki.subarray(spki.length - 65));
  point[0] = 6 | (point[64] & 1);
  const alg = seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7'));
  return seq(alg, tlv(0x03, Buffer.from([0]), point));
}

// --- certificates ---------------------------------------------------------
const ISSUER = name(atv(OID.O, utf8('omnitls zoo')), atv(OID.CN, utf8('zoo issuer')));
const DUMMY_SIG = tlv(0x03, Buffer.from([0, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]));

function cert(o) {
  const sigalg = seq(oid(o.sigalg || OID.ecdsaSha256));
  const version = o.version || 3;
  const tbs = seq(
    version > 1 ? tlv(0xa0, integer([version - 1])) : Buffer.alloc(0),
    integer(o.serial || [0x01, 0x23, 0x45]),
    sigalg,
    o.issuer || ISSUER,
    seq(o.notBefore || utc('240101000000Z'), o.notAfter || gen('20510203040506Z')),
    o.subject || name(atv(OID.CN, utf8('zoo'))),
    o.spki || keys['server-ec'].spki,
    o.exts ? tlv(0xa3, seq(...o.exts)) : Buffer.alloc(0));
  return seq(tbs, sigalg, DUMMY_SIG);
}

const zoo = [];
function add(n, key, o) { zoo.push({ n, key, der: cert(o) }); }

add('names', 'server-ec', {
  subject: name(
    atv(OID.C, printable('US')),
    atv(OID.ST, bmp('\u00dcn\u00efc\u00f6de')),
    atv(OID.L, utf8('Z\u00fcrich \u{1f600}')),
    atv(OID.O, utf8('first')),
    atv(OID.O, utf8('second')),
    [atv(OID.CN, utf8('multi')), atv(OID.OU, utf8('valued'))],
    atv(OID.OU, utf8('a"b\\c\u0001d\ne\u007f')),
    atv(OID.street, t61([0x63, 0x61, 0x66, 0xe9])),
    atv(OID.title, univ('\u{10348}title')),
    atv(OID.email, ia5('zoo@example.test')),
    atv(OID.DC, ia5('example')),
    atv(OID.DC, ia5('test')),
    atv(OID.serialNumber, printable('1234')),
    atv(OID.UID, utf8('uid')),
    atv('1.2.3.4', utf8('custom')),
    atv('2.999.12345678901234567890', utf8('big arc')),
    atv(OID.CN, utf8('nul\u0000inside')),
    atv(OID.OU, utf8('')),
    atv('2.5.4.65', numeric('42 42'))),
});
add('issuer-multi', 'server-ec', {
  issuer: name(atv(OID.O, utf8('x')), [atv(OID.CN, utf8('a')), atv(OID.CN, utf8('b'))],
    atv(OID.CN, utf8('c'))),
});
add('empty-subject', 'server-ec', { subject: seq() });
add('san-forms', 'server-ec', {
  exts: [ext(OID.san, seq(
    gnDns('plain.example'),
    gnDns('comma,name.example'),
    gnDnsRaw([0x6c, 0x61, 0x74, 0xff, 0x31]),
    gnEmail('user@example.test'),
    gnUri('https://example.test/a?b=c'),
    gnUri('https://example.test/"q",\'s\''),
    gnIp([10, 1, 2, 3]),
    gnIp([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01]),
    gnIp([1, 2, 3, 4, 5]),
    gnRid('1.2.3.4'),
    gnOther(OID.upn, utf8('user@example.test')),
    gnOther(OID.upn, utf8('comma,user')),
    gnOther(OID.upn, utf8raw([0x62, 0x61, 0x64, 0xc3, 0x28, 0xff])),
    gnOther(OID.srv, ia5('_http.example.test')),
    gnOther(OID.xmpp, ia5('wrong-type@example.test')),
    gnOther(OID.smtputf8, utf8('\u00fcser@example.test')),
    gnOther(OID.nai, utf8('realm.example')),
    gnOther('1.2.3.4.5', utf8('unknown')),
    gnDir(name(atv(OID.CN, utf8('only')))),
    gnDir(name(atv(OID.C, printable('US')), atv(OID.O, utf8('Org, Inc.')),
      [atv(OID.CN, utf8('#hash')), atv(OID.OU, utf8(' spaced '))])),
    gnDir(name(atv('1.2.3.4', utf8('dumped')), atv(OID.CN, bmp('b\u00e9mp')),
      atv(OID.L, t61([0x6c, 0xe0])), atv(OID.O, utf8('caf\u00e9+x;y<z>')))),
    gnDir(seq()),
    gnX400(seq()),
    gnEdi(tlv(0xa1, utf8('party'))),
  ))],
});
add('san-empty', 'server-ec', { exts: [ext(OID.san, seq())] });
add('aia-forms', 'server-ec', {
  exts: [ext(OID.aia, seq(
    seq(oid(OID.ocsp), gnUri('http://ocsp.example.test/')),
    seq(oid(OID.caIssuers), gnUri('http://ca.example.test/1.crt')),
    seq(oid(OID.ocsp), gnUri('http://ocsp2.example.test/')),
    seq(oid(OID.caIssuers), gnUri('http://ca.example.test/a,b.crt')),
    seq(oid(OID.caRepository), gnUri('rsync://repo.example.test/')),
    seq(oid(OID.timeStamping), gnDns('tsa.example.test')),
    seq(oid('1.2.3.4'), gnUri('http://unknown.example.test/')),
    seq(oid(OID.caIssuers), gnDir(name(atv(OID.C, printable('US')), atv(OID.CN, utf8('x'))))),
    seq(oid(OID.ocsp), gnOther(OID.upn, utf8('ocsp,upn'))),
    seq(oid(OID.ocsp), gnIp([127, 0, 0, 1])),
  ))],
});
add('aia-empty', 'server-ec', { exts: [ext(OID.aia, seq())] });
add('eku', 'server-ec', {
  exts: [ext(OID.eku, seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'),
    oid('1.3.6.1.5.5.7.3.3'), oid('1.3.6.1.4.1.311.10.3.4'), oid('2.5.29.37.0'),
    oid('2.999.123456789012345678901234567890')))],
});
add('eku-empty', 'server-ec', { exts: [ext(OID.eku, seq())] });
add('ca-without-ku', 'server-ec', { exts: [ext(OID.bc, seq(Buffer.from([1, 1, 0xff]), integer([3])), true)] });
add('ca-ku-no-certsign', 'server-ec', {
  exts: [ext(OID.bc, seq(Buffer.from([1, 1, 0xff])), true),
    ext(OID.ku, tlv(0x03, Buffer.from([7, 0x80])), true)],
});
add('ca-ku-certsign', 'server-ec', {
  exts: [ext(OID.bc, seq(Buffer.from([1, 1, 0xff])), true),
    ext(OID.ku, tlv(0x03, Buffer.from([1, 0x06])), true)],
});
add('not-ca-bc-false', 'server-ec', { exts: [ext(OID.bc, seq(), true)] });
add('v1-negative-serial', 'server-ec', { version: 1, serial: [0xff, 0x01] });
add('serial-zero', 'server-ec', { serial: [0x00] });
add('serial-padded', 'server-ec', { serial: [0x00, 0x8f, 0x01] });
add('serial-small', 'server-ec', { serial: [0x0f] });
add('serial-long', 'server-ec', { serial: [0x7f, ...Array(25).fill(0xab)] });
add('times-utc-1950', 'server-ec', { notBefore: utc('500105010203Z'), notAfter: utc('491231235959Z') });
add('times-leap-day', 'server-ec', { notBefore: gen('20240229120000Z'), notAfter: gen('99991231235959Z') });
add('times-bad-day', 'server-ec', { notBefore: utc('230230000000Z'), notAfter: gen('21000229000000Z') });
add('times-second-60', 'server-ec', { notBefore: utc('161231235960Z') });
add('key-rsa', 'server-rsa', { spki: keys['server-rsa'].spki, sigalg: OID.rsaSha256 });
add('key-rsa-e3', 'rsa-e3', { spki: keys['rsa-e3'].spki, sigalg: OID.rsaSha256 });
add('key-rsa-pss', 'rsa-pss', { spki: keys['rsa-pss'].spki, sigalg: OID.rsaSha256 });
add('key-p384', 'p384', { spki: keys.p384.spki });
add('key-p521', 'p521', { spki: keys.p521.spki });
add('key-ed25519', 'ed25519', { spki: keys.ed25519.spki, sigalg: '1.3.101.112' });
add('key-ec-hybrid', 'server-ec', { spki: hybridSpki(keys['server-ec'].spki) });
// Not here, because omnitls differs (see include/omnitls/cert.h): a compressed
// point (Node prints it decompressed) and explicit parameters equal to a named
// curve (Node names the curve). Unit tests pin what omnitls prints for them:
// tests/unit/test_cert.c ec_*.

for (const z of zoo) {
  const file = path.join(outDir, `${z.n}.pem`);
  const b64 = z.der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  fs.writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`);
  process.stdout.write(`${z.n} ${keys[z.key].file} ${file}\n`);
}
