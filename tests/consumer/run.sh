#!/usr/bin/env bash
# omnitls consumer test: what a user does with an installed omnitls.
#
#   run.sh install BUILD_DIR   cmake --install BUILD_DIR into a temp prefix, then test it
#   run.sh installed PREFIX    test an omnitls already installed there (e.g. /usr from .debs)
#
# Builds tests/consumer/consumer.c outside the omnitls tree twice — with
# CMake's find_package(omnitls) (tests/consumer/project) and with pkg-config
# + cc — for the default variant and every installed variant (shared and
# static), then runs each build against the installed `omnitls s_server
# -echo` on 127.0.0.1: handshake, verification, echoed data, and the
# variant the program ended up linked with.
#
# Environment: OTLS_PKI_DIR (test certificates, required), CC (default cc),
# CONSUMER_CFLAGS (e.g. the sanitizer flags the library was built with).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: run.sh install BUILD_DIR | installed PREFIX}
arg=${2:?usage: run.sh install BUILD_DIR | installed PREFIX}
pki=${OTLS_PKI_DIR:?OTLS_PKI_DIR must name the test PKI}
cc=${CC:-cc}
cflags=${CONSUMER_CFLAGS:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omnitls-consumer.XXXXXX")
server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
step() { echo "== $*"; }
run_logged() { # run_logged LOG CMD...: quiet unless it fails
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    cat "$log"
    echo "FAILED: $*"
    exit 1
  fi
}

case $mode in
install)
  prefix=$tmp/prefix
  step "cmake --install $arg --prefix $prefix"
  run_logged "$tmp/install.log" cmake --install "$arg" --prefix "$prefix"
  ;;
installed) prefix=$arg ;;
*)
  echo "run.sh: unknown mode $mode" >&2
  exit 2
  ;;
esac

libdir=
for d in lib lib64 lib/x86_64-linux-gnu; do
  if [ -f "$prefix/$d/pkgconfig/omnitls.pc" ]; then libdir=$prefix/$d; break; fi
done
[ -n "$libdir" ] || { echo "no omnitls.pc under $prefix/lib*"; exit 1; }
variants=$(cd "$libdir/pkgconfig" && ls omnitls-*.pc | sed 's/^omnitls-//; s/\.pc$//' | sort)
default=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --variable=backend omnitls)
echo "installed variants: $(echo $variants) (default: $default)"

# What the install must hold besides the libraries.
for f in include/omnitls.h include/omnitls/conn.h bin/omnitls share/man/man1/omnitls.1; do
  [ -e "$prefix/$f" ] || { echo "missing from the install: $prefix/$f"; exit 1; }
done
for b in $variants; do
  for f in "$libdir/libomnitls-$b.so" "$libdir/libomnitls-$b.a"; do
    [ -e "$f" ] || { echo "missing from the install: $f"; exit 1; }
  done
  soname=$(readelf -d "$libdir/libomnitls-$b.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ -e "$libdir/$soname" ] || { echo "libomnitls-$b.so: SONAME '$soname' is not installed"; exit 1; }
done
with_uv=
[ -f "$prefix/include/omnitls/uv.h" ] && with_uv=-DCONSUMER_WITH_UV

# --- the server: the installed CLI ----------------------------------------------
step "server: $prefix/bin/omnitls s_server -echo on 127.0.0.1"
"$prefix/bin/omnitls" s_server -accept 127.0.0.1:0 -cert "$pki/server-rsa-chain.pem" \
  -key "$pki/server-rsa.key" -echo -quiet >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
port=
for _ in $(seq 200); do
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/server.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$port" ] || { echo "s_server did not start"; cat "$tmp/server.out" "$tmp/server.err"; exit 1; }

checked=0
check() { # check PROGRAM EXPECTED-BACKEND
  local out
  if ! out=$(timeout 20 "$1" "$pki/ca.pem" "$port" "hello from $(basename "$1")" "$2" 2>&1); then
    echo "$out"
    echo "FAILED: $1"
    echo "-- server stderr:"
    cat "$tmp/server.err"
    exit 1
  fi
  echo "  $(basename "$1"): $out"
  checked=$((checked + 1))
}

# --- 1. CMake: find_package(omnitls) ----------------------------------------------
step "CMake consumer: find_package(omnitls)"
run_logged "$tmp/cmake-configure.log" cmake -S "$here/project" -B "$tmp/cmake-build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" \
  -DCMAKE_BUILD_TYPE=Debug
run_logged "$tmp/cmake-build.log" cmake --build "$tmp/cmake-build" -j2
check "$tmp/cmake-build/consumer" "$default"
for b in $variants; do
  check "$tmp/cmake-build/consumer-$b" "$b"
  check "$tmp/cmake-build/consumer-$b-static" "$b"
done

# --- 2. pkg-config + cc ------------------------------------------------------------
step "pkg-config consumer: cc \$(pkg-config --cflags --libs omnitls-<backend>)"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pc_build() { # pc_build OUT MODULE [--static]
  local out=$1 mod=$2 flags libs
  flags=$(pkg-config --cflags "$mod")
  if [ "${3:-}" = --static ]; then
    # Link the archive: the rest of `pkg-config --static --libs` must be
    # enough to satisfy it (Requires.private / Libs.private).
    libs=$(pkg-config --static --libs "$mod" | sed "s/-lomnitls-[a-z]*/-l:libomnitls-${mod#omnitls-}.a/")
    flags="$flags -DOMNITLS_STATIC"
  else
    libs="$(pkg-config --libs "$mod") -Wl,-rpath,$(pkg-config --variable=libdir "$mod")"
  fi
  # shellcheck disable=SC2086 # word splitting of flags is intended
  run_logged "$tmp/pc-$(basename "$out").log" "$cc" $cflags $with_uv $flags -o "$out" \
    "$here/consumer.c" $libs
}
mkdir -p "$tmp/pc-build"
pc_build "$tmp/pc-build/consumer" omnitls
check "$tmp/pc-build/consumer" "$default"
for b in $variants; do
  pc_build "$tmp/pc-build/consumer-$b" "omnitls-$b"
  check "$tmp/pc-build/consumer-$b" "$b"
  pc_build "$tmp/pc-build/consumer-$b-static" "omnitls-$b" --static
  check "$tmp/pc-build/consumer-$b-static" "$b"
done

# The server must have seen every connection succeed.
if grep -q . "$tmp/server.err"; then
  echo "s_server reported errors:"
  cat "$tmp/server.err"
  exit 1
fi
echo "consumer: ok ($checked programs, find_package and pkg-config, on 127.0.0.1:$port)"
