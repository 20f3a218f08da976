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

if [ "$quick" -eq 0 ]; then
  echo "== build: ASan + UBSan"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j"$jobs"
  echo "== test: ASan + UBSan (every test, leak checking on)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 ctest --preset asan -j"$jobs"
fi
