'use strict';
// Is every item of Node's `tls` module in docs/node-map.md?
//
//   node check-node-map.js docs/node-map.md tests/docs-node/node-tls-items.txt
//
// The items are (1) what this node reports at run time — the keys of
// require('tls') (section "module"), the own properties of
// tls.TLSSocket.prototype ("socket-members"), tls.Server.prototype
// ("server-members") and crypto.X509Certificate.prototype ("x509"), and the
// ERR_TLS_* codes node defines in JavaScript ("errors") — leaving out
// `constructor` and the underscore-prefixed internals Node does not document;
// and (2) the checked-in list of documented option, event and field names,
// "<section> <name>" per line.
//
// The map is split into sections by `<!-- node-map-section: NAME -->`
// markers. An item counts as mapped when its name is the name of a
// backticked span in the FIRST cell (the Node.js column) of a table row in
// its section: `tls.connect(options)` names "connect", `'secureConnect'`
// names "secureConnect", `minVersion`, `maxVersion` name both. Mentions
// anywhere else do not count. Exit 0 when all are mapped, 1 otherwise.
const fs = require('fs');

const [mapPath, itemsPath] = process.argv.slice(2);
if (!mapPath || !itemsPath) {
  console.error('usage: node check-node-map.js NODE_MAP_MD ITEMS_TXT');
  process.exit(2);
}

const wanted = new Map(); // section -> Map(name -> origin)
function want(section, name, origin) {
  if (!wanted.has(section)) wanted.set(section, new Map());
  if (!wanted.get(section).has(name)) wanted.get(section).set(name, origin);
}

// (1) the run-time surface
const tls = require('tls');
const crypto = require('crypto');
const documented = (n) => n !== 'constructor' && !n.startsWith('_');
for (const k of Object.keys(tls)) if (documented(k)) want('module', k, 'Object.keys(tls)');
for (const k of Object.getOwnPropertyNames(tls.TLSSocket.prototype))
  if (documented(k)) want('socket-members', k, 'tls.TLSSocket.prototype');
for (const k of Object.getOwnPropertyNames(tls.Server.prototype))
  if (documented(k)) want('server-members', k, 'tls.Server.prototype');
for (const k of Object.getOwnPropertyNames(crypto.X509Certificate.prototype))
  if (documented(k)) want('x509', k, 'crypto.X509Certificate.prototype');
// Node's JavaScript error codes; internal/errors needs --expose-internals.
try {
  const { codes } = require('internal/errors');
  for (const k of Object.keys(codes)) if (/^ERR_TLS_/.test(k)) want('errors', k, 'internal/errors');
} catch (e) {
  console.error(`note: run with --expose-internals to check node's ERR_TLS_* codes (${e.code})`);
}

// (2) the documented names
const itemLines = fs.readFileSync(itemsPath, 'utf8').split('\n');
itemLines.forEach((line, i) => {
  line = line.trim();
  if (!line || line.startsWith('#')) return;
  const m = /^([a-z0-9-]+)\s+(\S+)$/.exec(line);
  if (!m) {
    console.error(`${itemsPath}:${i + 1}: cannot read "${line}"`);
    process.exit(2);
  }
  want(m[1], m[2], `${itemsPath}:${i + 1}`);
});

// The map: the names in the first cell of each table row, per section.
const mapped = new Map(); // section -> Set(name)
let section = null;
for (const line of fs.readFileSync(mapPath, 'utf8').split('\n')) {
  const marker = /<!--\s*node-map-section:\s*([a-z0-9-]+)\s*-->/.exec(line);
  if (marker) {
    section = marker[1];
    if (!mapped.has(section)) mapped.set(section, new Set());
    continue;
  }
  if (section === null || !line.startsWith('|') || /^\|\s*-/.test(line)) continue;
  const first = line.slice(1).split(/(?<!\\)\|/)[0];
  for (const span of first.match(/`[^`]+`/g) || []) {
    // `tls.connect(options[, cb])` -> "connect"; `'secureConnect'` -> "secureConnect"
    let s = span.slice(1, -1).replace(/^['"]|['"]$/g, '');
    s = s.split(/[([\s=]/)[0].replace(/['"]/g, '');
    const name = s.split('.').pop();
    if (name) mapped.get(section).add(name);
  }
}

let missing = 0;
let total = 0;
for (const [sec, names] of wanted) {
  if (!mapped.has(sec)) {
    console.error(`${mapPath}: no "<!-- node-map-section: ${sec} -->" section (${names.size} items)`);
    missing += names.size;
    total += names.size;
    continue;
  }
  for (const [name, origin] of names) {
    total++;
    if (!mapped.get(sec).has(name)) {
      console.error(`missing: ${sec} ${name} (from ${origin})`);
      missing++;
    }
  }
}
if (missing) {
  console.error(`${missing} of ${total} Node.js tls items are not mapped in ${mapPath}`);
  process.exit(1);
}
console.log(`all ${total} Node.js ${process.version} tls items are mapped in ${mapPath}`);
