# shellcheck shell=bash
# Helpers for the example tests: a work directory, background processes
# that are always reaped, and a server's "PORT n" line. Loopback only.
set -u
PKI=${OTLS_PKI_DIR:?OTLS_PKI_DIR must point at the test PKI}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/omnitls-examples.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  local f
  echo "FAIL: $*" >&2
  for f in "$WORK"/*; do
    [ -f "$f" ] || continue
    echo "----- ${f##*/} -----" >&2
    head -c 8000 "$f" >&2
  done
  exit 1
}

# expect_fixed FILE STRING WHAT
expect_fixed() { grep -Fq -- "$2" "$1" || fail "$3"; }

# start NAME CMD... — run CMD in the background (output in $WORK/NAME.out),
# wait for its "PORT n" line; sets PORT and SERVER_PID.
start() {
  local name=$1 tries=0
  shift
  timeout 50 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  PORT=
  while [ $((tries += 1)) -le 100 ]; do
    PORT=$(sed -n 's/^PORT //p; s/^ACCEPT .*:\([0-9]*\)$/\1/p' "$WORK/$name.out" 2>/dev/null | head -n1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "$name did not start listening"
}

# wait_server — its exit status (124: it did not exit in time).
wait_server() {
  local rc=0
  wait "$SERVER_PID" || rc=$?
  [ "$rc" -ne 124 ] || fail "the server did not exit in time"
  return "$rc"
}
