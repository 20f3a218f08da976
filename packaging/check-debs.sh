#!/usr/bin/env bash
# omnitls: build the .deb packages of a build tree and check them without
# installing anything:
#   - every built variant has omnitls-<b> and omnitls-<b>-dev, plus omnitls-dev;
#   - everything a runtime package's ELF files need (DT_NEEDED) comes from a
#     package in its Depends (found with dpkg -S on this machine), and the
#     backend's runtime package is named there;
#   - no file is in two packages (all of them can be installed together);
#   - each package has /usr/share/doc/<package>/copyright naming MIT and, for
#     a variant, its backend's licence;
#   - the backend's runtime package and libuv1 carry a minimum version;
#   - the Maintainer is set, or cpack warned that it is the placeholder.
#
#   packaging/check-debs.sh BUILD_DIR      e.g. build/all (after cmake --build)
set -euo pipefail
build=$(cd "${1:?usage: check-debs.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omnitls-debs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

echo "== cpack -G DEB (in $tmp)"
if ! (cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out") >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"
  exit 1
fi
debs=("$tmp"/out/*.deb)
pkg_of() { dpkg-deb -f "$1" Package; }
declare -A file_owner

variants=$(for d in "${debs[@]}"; do pkg_of "$d"; done | sed -n 's/^omnitls-\(openssl\|boringssl\|wolfssl\|gnutls\)$/\1/p' | sort)
[ -n "$variants" ] || bad "no omnitls-<backend> package was built"
echo "variants: $(echo $variants)"
declare -A licence=([openssl]="Apache-2.0" [boringssl]="OpenSSL AND ISC" [wolfssl]="GPL-2.0-or-later"
                    [gnutls]="LGPL-2.1-or-later")
declare -A runtime=([openssl]=libssl3 [boringssl]=android-libboringssl [wolfssl]=libwolfssl35
                    [gnutls]=libgnutls30)

for d in "${debs[@]}"; do
  p=$(pkg_of "$d")
  mkdir -p "$tmp/x/$p"
  dpkg-deb -x "$d" "$tmp/x/$p"
  # One owner per file.
  while read -r f; do
    if [ -n "${file_owner[$f]:-}" ]; then bad "$f is in both ${file_owner[$f]} and $p"; fi
    file_owner[$f]=$p
  done < <(cd "$tmp/x/$p" && find . -type f -o -type l | sed 's|^\.||')
  # Under /usr only.
  if (cd "$tmp/x/$p" && find . -mindepth 1 -maxdepth 1 | grep -qv '^\./usr$'); then
    bad "$p installs outside /usr"
  fi
  c=$tmp/x/$p/usr/share/doc/$p/copyright
  if [ ! -f "$c" ]; then bad "$p has no /usr/share/doc/$p/copyright"; continue; fi
  grep -q '^License: MIT' "$c" || bad "$p: copyright does not state MIT"
  b=${p#omnitls-}
  b=${b%-dev}
  if [ -n "${licence[$b]:-}" ]; then
    grep -qF "Effective licence of the binaries in this package: ${licence[$b]} " "$c" ||
      bad "$p: copyright does not give the effective licence ${licence[$b]}"
  fi
done

for b in $variants; do
  for p in "omnitls-$b" "omnitls-$b-dev" omnitls-dev; do
    [ -d "$tmp/x/$p" ] || bad "package $p was not built"
  done
  p=omnitls-$b
  deps=$(dpkg-deb -f "$tmp"/out/"${p}"_*.deb Depends)
  echo "$p: Depends: $deps"
  grep -qE "(^|, )${runtime[$b]}( |,|$)" <<<"$deps" || bad "$p does not depend on ${runtime[$b]}"
  grep -qE "(^|, )${runtime[$b]} \(>= [^)]+\)" <<<"$deps" ||
    bad "$p: no minimum version of ${runtime[$b]}"
  if grep -qE "(^|, )libuv1( |,|$)" <<<"$deps"; then
    grep -qE "(^|, )libuv1 \(>= [^)]+\)" <<<"$deps" || bad "$p: no minimum version of libuv1"
  fi
  # What the ELF files need, and which package provides it here.
  needed=$(find "$tmp/x/$p" -type f -exec sh -c 'readelf -d "$1" 2>/dev/null' _ {} \; |
    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
  for so in $needed; do
    owner=$(dpkg -S "*/$so" 2>/dev/null | grep -v "^omnitls" | head -1 | cut -d: -f1 || true)
    if [ -z "$owner" ]; then bad "$p needs $so, which no installed package provides"; continue; fi
    grep -qE "(^|, )$owner( |,|$)" <<<"$deps" || bad "$p needs $so (package $owner), not in Depends"
  done
  dd=$(dpkg-deb -f "$tmp"/out/"${p}"-dev_*.deb Depends)
  grep -q "omnitls-$b (= " <<<"$dd" || bad "$p-dev does not depend on $p (= version)"
  grep -q "omnitls-dev (= " <<<"$dd" || bad "$p-dev does not depend on omnitls-dev (= version)"
done
[ -f "$tmp/x/omnitls-dev/usr/include/omnitls.h" ] || bad "omnitls-dev has no /usr/include/omnitls.h"

maint=$(dpkg-deb -f "${debs[0]}" Maintainer)
echo "Maintainer: $maint"
if [[ $maint == *".invalid>"* ]]; then
  grep -q "placeholder Maintainer" "$tmp/cpack.log" ||
    bad "the Maintainer is the placeholder and cpack did not warn"
  echo "note: the Maintainer is the placeholder; set OMNITLS_PACKAGE_MAINTAINER to ship (packaging/README.md)"
fi

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "debs: ok (${#debs[@]} packages)"
