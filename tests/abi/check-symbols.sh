#!/usr/bin/env bash
# omnitls ABI check: the dynamic symbols a shared library exports must be
# exactly the checked-in list (tests/abi/omnitls.symbols, plus
# omnitls-uv.symbols when the libuv event layer is built). Any difference —
# a public function added or removed, an internal otls__* or a backend
# symbol leaking — fails with a unified diff (- expected, + exported).
#
#   check-symbols.sh library LIB.so [--uv] [--update]
#   check-symbols.sh headers INCLUDE_DIR [--uv]
#
# `library` compares `nm -D --defined-only LIB.so` with the list; `--update`
# rewrites the list from the library instead (review the git diff: it is
# the ABI change). `headers` compares the functions the public headers
# declare with OTLS_EXTERN with the list, so the list, the headers and the
# libraries cannot drift apart.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nm=${NM:-nm}
mode=${1:?usage: check-symbols.sh library LIB.so [--uv] [--update] | headers DIR [--uv]}
arg=${2:?missing library or include directory}
uv=0 update=0
for o in "${@:3}"; do
  case $o in
  --uv) uv=1 ;;
  --update) update=1 ;;
  *) echo "check-symbols.sh: unknown option $o" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The checked-in lists: one name per line, '#' comments.
strip() { grep -v -e '^#' -e '^[[:space:]]*$' "$1" | sort -u; }
expected() {
  strip "$here/omnitls.symbols"
  [ "$uv" -eq 0 ] || strip "$here/omnitls-uv.symbols"
}

# Names declared `OTLS_EXTERN <type> name(` in a header.
declared() {
  grep -rhoE 'OTLS_EXTERN[^(;]*\b(otls_[a-z0-9_]+)[[:space:]]*\(' "$@" |
    sed -E 's/.*\b(otls_[a-z0-9_]+)[[:space:]]*\($/\1/' | sort -u
}

case $mode in
library)
  "$nm" -D --defined-only "$arg" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/actual"
  if [ "$update" -eq 1 ]; then
    {
      echo "# omnitls: the symbols every libomnitls-<backend>.so exports (one public API,"
      echo "# the same for all variants), except the event layer's (omnitls-uv.symbols)."
      echo "# Checked by tests/abi/check-symbols.sh; regenerate with"
      echo "#   tests/abi/check-symbols.sh library build/all/libomnitls-openssl.so --uv --update"
      grep -v '^otls_uv_' "$tmp/actual"
    } >"$here/omnitls.symbols"
    {
      echo "# omnitls: the symbols of the libuv event layer (include/omnitls/uv.h),"
      echo "# exported when omnitls is built with OMNITLS_WITH_UV=ON."
      grep '^otls_uv_' "$tmp/actual" || true
    } >"$here/omnitls-uv.symbols"
    echo "updated $here/omnitls.symbols and omnitls-uv.symbols"
    exit 0
  fi
  what="exported by $(basename "$arg")"
  ;;
headers)
  if [ "$uv" -eq 1 ]; then
    declared "$arg" >"$tmp/actual"
  else
    declared "$arg" --exclude=uv.h >"$tmp/actual"
  fi
  what="declared OTLS_EXTERN in $arg"
  ;;
*)
  echo "check-symbols.sh: unknown mode $mode" >&2
  exit 2
  ;;
esac

expected | sort -u >"$tmp/expected"
if diff -u --label "expected (tests/abi/*.symbols)" --label "$what" "$tmp/expected" "$tmp/actual" >"$tmp/diff"; then
  echo "ok: $(wc -l <"$tmp/actual") symbols $what match the checked-in list"
  exit 0
fi
cat "$tmp/diff"
leaked=$(grep -E '^\+' "$tmp/diff" | grep -vE '^\+\+\+' | grep -vE '^\+otls_[a-z0-9]' || true)
if [ -n "$leaked" ]; then
  echo
  echo "Not public API (only otls_<object>_* may be exported; internal otls__* and"
  echo "backend symbols must stay hidden: -fvisibility=hidden + OTLS_EXTERN):"
  echo "$leaked" | sed 's/^+/  /'
fi
echo
echo "The ABI differs from tests/abi/*.symbols. If the change is intended, run"
echo "  tests/abi/check-symbols.sh library <build>/libomnitls-openssl.so --uv --update"
echo "and commit the new list with the change that caused it."
exit 1
