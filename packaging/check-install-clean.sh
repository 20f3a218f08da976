#!/usr/bin/env bash
# omnitls: install the .deb packages on a clean Debian 12 system and use them.
#
# Builds the packages of a build tree (cpack -G DEB), makes a minimal
# Debian 12 root file system with debootstrap (a clean system: nothing of
# this machine's installed packages), installs every omnitls package there
# with `apt-get install ./omnitls-*.deb` (apt fetches the backends and libuv
# from Debian's archive), then inside it:
#   - runs each variant's CLI (`omnitls-<b> version`);
#   - makes a certificate with `omnitls`'s own test PKI script's commands
#     (the openssl CLI is installed for that only),
#   - has each variant's `s_client` talk to each variant's `s_server` on
#     127.0.0.1 and checks the echo;
#   - builds a program against the installed -dev packages with pkg-config
#     and runs it.
# Needs root (debootstrap, chroot) and Debian's archive; takes a few minutes,
# so CI does not run it.
#
#   packaging/check-install-clean.sh BUILD_DIR [ROOTFS_DIR]
set -euo pipefail
build=$(cd "${1:?usage: check-install-clean.sh BUILD_DIR [ROOTFS_DIR]}" && pwd)
root=${2:-$(mktemp -d "${TMPDIR:-/tmp}/omnitls-clean.XXXXXX")}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
src=$(cd "$(dirname "$0")/.." && pwd)

command -v debootstrap >/dev/null || apt-get install -y debootstrap >/dev/null

mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "== packages (cpack -G DEB)"
out=$(mktemp -d "${TMPDIR:-/tmp}/omnitls-debs.XXXXXX")
(cd "$out" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out/debs" >"$out/cpack.log" 2>&1) ||
  { cat "$out/cpack.log"; exit 1; }
ls "$out"/debs/*.deb | sed 's|.*/||'

if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "== debootstrap --variant=minbase bookworm $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$out/debootstrap.log" 2>&1 ||
    { tail -20 "$out/debootstrap.log"; exit 1; }
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
grep -qs "^127.0.0.1[[:space:]].*localhost" "$root/etc/hosts" ||
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >>"$root/etc/hosts"
for m in proc dev dev/pts sys; do
  mount --bind "/$m" "$root/$m"
  mounted=("$root/$m" "${mounted[@]}")
done
mkdir -p "$root/debs"
cp "$out"/debs/*.deb "$root/debs/"
cp "$src/tests/consumer/consumer.c" "$root/debs/consumer.c" 2>/dev/null || true

echo "== apt-get install ./omnitls-*.deb (in the clean system)"
chroot "$root" /bin/sh -ec '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  cd /debs && apt-get install -y -qq ./omnitls-*.deb >/tmp/install.log 2>&1 || { tail -30 /tmp/install.log; exit 1; }
  dpkg-query -W "omnitls*"
'

echo "== using it"
chroot "$root" /bin/bash -ec '
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq openssl gcc pkg-config >/dev/null
  variants=$(ls /usr/bin/omnitls-* | sed "s|.*/omnitls-||")
  for b in $variants; do omnitls-$b version | head -2; done
  omnitls version >/dev/null
  test -f /usr/share/man/man1/omnitls.1 || test -f /usr/share/man/man1/omnitls.1.gz
  cd /tmp
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout key.pem -out cert.pem 2>/dev/null
  port=18443
  for s in $variants; do
    for c in $variants; do
      port=$((port + 1))
      omnitls-$s s_server -accept 127.0.0.1:$port -cert cert.pem -key key.pem -echo -naccept 1 \
        >/tmp/srv.log 2>&1 &
      spid=$!
      for i in $(seq 100); do
        grep -q "^ACCEPT" /tmp/srv.log 2>/dev/null && break
        sleep 0.1
      done
      got=$(echo "hello $c to $s" | omnitls-$c s_client -connect localhost:$port -CAfile cert.pem -quiet 2>/tmp/cli.log || true)
      kill $spid 2>/dev/null || true
      wait $spid 2>/dev/null || true
      if [ "$got" != "hello $c to $s" ]; then
        echo "FAIL: $c client -> $s server: got \"$got\""; cat /tmp/cli.log /tmp/srv.log; exit 1
      fi
      echo "ok: omnitls-$c s_client -> omnitls-$s s_server"
    done
  done
  cat >hello.c <<EOF
#include <omnitls.h>
#include <stdio.h>
int main(void) {
  printf("%s on %s\n", otls_version_string(), otls_backend_name());
  return 0;
}
EOF
  for b in $variants; do
    gcc hello.c -o hello-$b $(pkg-config --cflags --libs omnitls-$b)
    ./hello-$b
  done
'
echo "clean install: ok (rootfs in $root)"
