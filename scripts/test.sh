#!/usr/bin/env bash
# omnitls — the whole test suite, all four backends, on a fresh Debian 12:
# installs what is missing, builds every variant, runs every test, then runs
# the whole suite again under ASan + UBSan.
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    skip the sanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1

scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build: all variants"
cmake --preset all >/dev/null
cmake --build --preset all -j"$jobs"
echo "== test: all variants"
ctest --preset all -j"$jobs"

# One conformance scenario under valgrind memcheck: 0 when clean (or skipped,
# exit 77), else the log and 1. Leaks count when definite or indirect.
vg_one() {
  local exe=$1 t=$2 logs=$3 rc=0
  valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    "$exe" "$t" >"$logs/$t.log" 2>&1 || rc=$?
  case $rc in 0|77) return 0 ;; esac
  echo "valgrind: conformance $t failed (exit $rc)"
  cat "$logs/$t.log"
  return 1
}
export -f vg_one

if [ "$quick" -eq 0 ]; then
  # Memcheck finds what ASan cannot see into (uninitialised reads inside the
  # engines). One backend per run: wolfSSL's scenarios are the cheapest
  # under valgrind (about 1.8 CPU-seconds each, 121 of them; OpenSSL ~3.8).
  vg_backend=${OMNITLS_VALGRIND_BACKEND:-wolfssl}
  echo "== valgrind memcheck: conformance tests, $vg_backend backend"
  vg_logs=$(mktemp -d)
  (
    export OTLS_PKI_DIR=$PWD/build/all/pki OTLS_TRANSCRIPT_DIR=$vg_logs/transcripts
    exe=build/all/tests/conformance-$vg_backend
    "$exe" --list | xargs -P "$jobs" -I{} bash -c 'vg_one "$0" "$1" "$2"' "$exe" {} "$vg_logs"
  )
  rm -rf "$vg_logs"

  echo "== build: ASan + UBSan"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j"$jobs"
  echo "== test: ASan + UBSan (every test, leak checking on)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 ctest --preset asan -j"$jobs"
fi
