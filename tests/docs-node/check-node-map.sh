#!/bin/sh
# docs.node-map: every item of Node.js's `tls` module has a row in
# docs/node-map.md (see check-node-map.js). Not Run (77) without node.
#   check-node-map.sh NODE_MAP_MD ITEMS_TXT [NODE]
map=$1
items=$2
node=${3:-}
if [ -z "$node" ] || [ ! -x "$node" ]; then
  node=$(command -v node 2>/dev/null) || node=
fi
if [ -z "$node" ]; then
  echo "SKIP: node (Node.js) is not installed; cannot ask it for the tls module's surface"
  exit 77
fi
exec "$node" --expose-internals "$(dirname "$0")/check-node-map.js" "$map" "$items"
