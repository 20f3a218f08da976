#!/usr/bin/env bash
# omnitls — install the Debian 12 packages the build, the tests and the demo
# need, when missing. Safe to run again. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ca-certificates
  libssl-dev openssl                 # OpenSSL backend + reference CLI peer
  android-libboringssl-dev           # BoringSSL backend
  libwolfssl-dev                     # wolfSSL backend
  libgnutls28-dev gnutls-bin         # GnuTLS backend + gnutls-cli/-serv peers
  libuv1-dev                         # event layer
  curl                               # interop peer
  clang libclang-rt-14-dev           # fuzz targets (libFuzzer)
  valgrind
  python3                            # scripts/apidoc.py: API reference + docs tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js (interop peer): any install will do; Debian's package otherwise.
if ! command -v node >/dev/null 2>&1; then
  missing+=(nodejs)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
