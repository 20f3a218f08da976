# shellcheck shell=bash
# omnitls interop tests — shared helpers (sourced by run.sh).
#
# Every process a test starts is recorded and killed on exit; every one of
# them runs under `timeout`, so nothing outlives or hangs a test. Servers
# listen on 127.0.0.1 (or ::1) only, and clients connect only there.

set -u

: "${OTLS_PKI_DIR:?OTLS_PKI_DIR must point at the generated test PKI}"
: "${OMNITLS:?OMNITLS must be the omnitls-<backend> binary under test}"

PKI=$OTLS_PKI_DIR
WORK=$(mktemp -d "${TMPDIR:-/tmp}/omnitls-interop.XXXXXX")
PIDS=()

cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Print every log this test wrote, to explain a failure.
dump_logs() {
  local f
  for f in "$WORK"/*; do
    [ -f "$f" ] || continue
    echo "----- ${f##*/} -----" >&2
    head -c 20000 "$f" >&2
    echo >&2
  done
}

fail() {
  echo "FAIL: $*" >&2
  # The interop matrix report reads one result file per matrix cell.
  [ -z "${RESULT_FILE:-}" ] || echo "FAIL $*" >"$RESULT_FILE"
  dump_logs
  exit 1
}

skip() {
  echo "SKIP: $*" >&2
  exit 77
}

[ -f "$PKI/.complete" ] || fail "the test PKI in $PKI is missing or incomplete"
[ -x "$OMNITLS" ] || fail "$OMNITLS is not an executable"

need() {
  command -v "$1" >/dev/null 2>&1 ||
    fail "'$1' is not installed; this test needs it (CI installs it) and must not pass without it"
}

# expect FILE PATTERN [WHAT] — FILE must contain a line matching the ERE.
expect() {
  grep -Eq -- "$2" "$1" || fail "${3:-$1 does not match /$2/}"
}

# expect_not FILE PATTERN [WHAT]
expect_not() {
  if grep -Eq -- "$2" "$1"; then fail "${3:-$1 unexpectedly matches /$2/}"; fi
}

# expect_fixed FILE STRING [WHAT] — literal substring.
expect_fixed() {
  local what=${3:-"${1##*/} does not contain: $2"}
  grep -Fq -- "$2" "$1" || fail "$what"
}

# Every line of FILE starting with '{' must be valid JSON (jq, else python3).
expect_json_lines() {
  if command -v jq >/dev/null 2>&1; then
    grep '^{' "$1" | jq -e . >/dev/null || fail "invalid JSON in ${1##*/}"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="strict"), 1):
    if line.startswith("{"):
        try:
            json.loads(line)
        except ValueError as e:
            sys.exit("line %d is not valid JSON: %s" % (n, e))
' "$1" || fail "invalid JSON in ${1##*/}"
  else
    echo "note: neither jq nor python3 is installed; JSON syntax not checked" >&2
  fi
}

# SHA-256 fingerprint as Node prints peerCertificate.fingerprint256.
cert_fp256() {
  openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'
}

# The one line of FILE holding `"event":"EVENT"`.
json_event() {
  grep -F "\"event\":\"$2\"" "$1" | head -n1
}

# start_omnitls_server BIN OUT ARGS... — run `BIN s_server ARGS` in the
# background, output in $WORK/OUT.{out,err}; wait for its ACCEPT line and set
# SERVER_PID and PORT.
start_omnitls_server() {
  local bin=$1 out=$2 line="" tries=0
  shift 2
  timeout 50 "$bin" s_server "$@" >"$WORK/$out.out" 2>"$WORK/$out.err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  while [ $((tries += 1)) -le 100 ]; do
    # ACCEPT is the first line; `read` fails until its newline is written.
    if [ -f "$WORK/$out.out" ] && IFS= read -r line <"$WORK/$out.out" && [[ $line == "ACCEPT "* ]]; then
      break
    fi
    line=""
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$line" ] || fail "omnitls s_server did not start listening"
  PORT=${line##*:}
  case $PORT in
    '' | *[!0-9]*) fail "cannot read the port from '$line'" ;;
  esac
}

# start_openssl_server OUT ARGS... — `openssl s_server` on 127.0.0.1 and a
# random high port, retried on another port when that one is taken. Sets
# SERVER_PID and PORT.
start_openssl_server() {
  local out=$1 attempt=0
  shift
  while [ $((attempt += 1)) -le 20 ]; do
    PORT=$((20000 + RANDOM % 40000))
    timeout 50 openssl s_server -accept "127.0.0.1:$PORT" "$@" \
      </dev/null >"$WORK/$out.out" 2>&1 &
    SERVER_PID=$!
    local tries=0
    while [ $((tries += 1)) -le 100 ]; do
      if grep -q '^ACCEPT' "$WORK/$out.out" 2>/dev/null; then
        PIDS+=("$SERVER_PID")
        return 0
      fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  done
  fail "openssl s_server could not listen on any port tried"
}

# wait_server — wait for the server to exit by itself (-naccept); its status.
wait_server() {
  local rc=0
  wait "$SERVER_PID" || rc=$?
  [ "$rc" -ne 124 ] || fail "the server did not exit in time"
  return "$rc"
}

# Sanitizer builds: a report in any log fails the test, even from a process
# whose exit status the test does not look at.
no_sanitizer_reports() {
  if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK"/* >/dev/null 2>&1; then
    fail "a sanitizer reported an error"
  fi
}
