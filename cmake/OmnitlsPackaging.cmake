# omnitls — packages (CPack). Included from the top-level CMakeLists.txt
# after OmnitlsInstall, whose install components become the packages:
#
#   omnitls-<backend>       component <backend>: libomnitls-<backend>.so.N and
#                           the CLI omnitls-<backend> (the default variant's
#                           package also holds `omnitls`)
#   omnitls-<backend>-dev   component <backend>_dev: .so link, .a, .pc, CMake targets
#   omnitls-dev             component headers: include/, omnitlsConfig.cmake
#
# All of them can be installed side by side (no file is in two packages).
#
#   cd build/all && cpack -G DEB                            the .deb packages
#   cd build/all && cpack --config CPackSourceConfig.cmake  omnitls-<version>.tar.gz
#
#   packaging/check-debs.sh build/all                      build + check them
#
# Every package carries /usr/share/doc/<package>/copyright: the omnitls code
# is MIT, the effective licence of a binary is its backend's.
#
# Distributors: configure with -DOMNITLS_PACKAGE_MAINTAINER="Name <address>"
# (packaging/README.md); cpack warns when it is left at its placeholder.

# The Maintainer field. There is no official omnitls packager: whoever ships
# these packages is their maintainer, and must say so (packaging/README.md).
# The default is a labelled placeholder (the reserved .invalid domain), and
# cpack warns while it is left unchanged (packaging/cpack-project-config.cmake).
set(OMNITLS_PACKAGE_MAINTAINER_UNSET
    "Unofficial omnitls build (OMNITLS_PACKAGE_MAINTAINER not set) <unset@omnitls.invalid>")
set(OMNITLS_PACKAGE_MAINTAINER "${OMNITLS_PACKAGE_MAINTAINER_UNSET}" CACHE STRING
    "Maintainer field of the .deb packages: set this to your name and address (\"Name <you@example.org>\") when you ship them")
# (Build trees configured before carry the former placeholder: replace it.)
if(OMNITLS_PACKAGE_MAINTAINER STREQUAL "omnitls maintainers <omnitls@example.invalid>")
  set_property(CACHE OMNITLS_PACKAGE_MAINTAINER PROPERTY VALUE "${OMNITLS_PACKAGE_MAINTAINER_UNSET}")
  set(OMNITLS_PACKAGE_MAINTAINER "${OMNITLS_PACKAGE_MAINTAINER_UNSET}")
endif()
set(OMNITLS_PACKAGE_RELEASE "1" CACHE STRING "Debian revision of the .deb packages")

# Per backend: runtime package, its -dev package, licence of a linked binary.
# Minimum versions: the ones in Debian 12's main archive (bookworm, point
# release 12.x, from `apt-cache policy`), which every Debian 12 system can
# install; the build machine's (dpkg-query -W) may be newer security
# updates. BoringSSL is an Android snapshot without a stable ABI: the
# package is pinned to that snapshot (r24), any Debian revision of it.
set(_omnitls_deb_runtime_openssl "libssl3 (>= 3.0.20-1~deb12u2)")
set(_omnitls_deb_dev_openssl "libssl-dev (>= 3.0.20-1~deb12u2)")
set(_omnitls_licence_openssl "OpenSSL 3 (Debian package libssl3), licensed Apache-2.0")
set(_omnitls_spdx_openssl "Apache-2.0")
set(_omnitls_deb_runtime_boringssl
    "android-libboringssl (>= 13.0.0+r24-2), android-libboringssl (<< 13.0.0+r25~)")
set(_omnitls_deb_dev_boringssl
    "android-libboringssl-dev (>= 13.0.0+r24-2), android-libboringssl-dev (<< 13.0.0+r25~)")
set(_omnitls_licence_boringssl
    "BoringSSL (Debian package android-libboringssl), licensed under the OpenSSL and SSLeay licences and ISC")
set(_omnitls_spdx_boringssl "OpenSSL AND ISC")
set(_omnitls_deb_runtime_wolfssl "libwolfssl35 (>= 5.5.4-2+deb12u2)")
set(_omnitls_deb_dev_wolfssl "libwolfssl-dev (>= 5.5.4-2+deb12u2)")
set(_omnitls_licence_wolfssl "wolfSSL (Debian package libwolfssl35), licensed GPL-2.0-or-later")
set(_omnitls_spdx_wolfssl "GPL-2.0-or-later")
set(_omnitls_deb_runtime_gnutls "libgnutls30 (>= 3.7.9-2+deb12u7)")
set(_omnitls_deb_dev_gnutls "libgnutls28-dev (>= 3.7.9-2+deb12u7)")
set(_omnitls_licence_gnutls "GnuTLS (Debian package libgnutls30), licensed LGPL-2.1-or-later")
set(_omnitls_spdx_gnutls "LGPL-2.1-or-later")

set(_omnitls_deb_version "${PROJECT_VERSION}-${OMNITLS_PACKAGE_RELEASE}")
set(_omnitls_runtime_common "libc6 (>= 2.34)")
set(_omnitls_dev_common "")
if(OMNITLS_WITH_UV)
  string(APPEND _omnitls_runtime_common ", libuv1 (>= 1.44.2-1+deb12u1)")
  set(_omnitls_dev_common ", libuv1-dev (>= 1.44.2-1+deb12u1)")
endif()

# The MIT text, in the copyright file's indented form.
file(READ "${PROJECT_SOURCE_DIR}/LICENSE" _omnitls_mit)
string(REGEX REPLACE "^.*Copyright[^\n]*\n\n" "" _omnitls_mit "${_omnitls_mit}")
string(REGEX REPLACE "\n+$" "" _omnitls_mit "${_omnitls_mit}")
string(REPLACE "\n\n" "\n.\n" _omnitls_mit "${_omnitls_mit}")
string(REPLACE "\n" "\n " OMNITLS_MIT_TEXT " ${_omnitls_mit}")

# omnitls_copyright(<package> <component> <headline> <note>): the headline is
# the first line of the Comment field as is, the note is wrapped below it.
function(omnitls_copyright pkg component headline note)
  # Wrap the note as a copyright-file field continuation (one space indent).
  string(REPLACE " " ";" _words "${note}")
  set(_line "")
  set(_out "")
  foreach(w IN LISTS _words)
    string(LENGTH "${_line} ${w}" _len)
    if(_line AND _len GREATER 72)
      string(APPEND _out " ${_line}\n")
      set(_line "${w}")
    elseif(_line)
      string(APPEND _line " ${w}")
    else()
      set(_line "${w}")
    endif()
  endforeach()
  set(OMNITLS_COPYRIGHT_NOTE " ${headline}\n .\n${_out} ${_line}")
  configure_file("${PROJECT_SOURCE_DIR}/packaging/copyright.in"
                 "${PROJECT_BINARY_DIR}/omnitls-install/doc/${pkg}/copyright" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/omnitls-install/doc/${pkg}/copyright"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/${pkg}" COMPONENT ${component})
endfunction()

set(_omnitls_components headers)
omnitls_copyright(omnitls-dev headers "omnitls code: MIT"
  "The omnitls code, including these headers and CMake files, is MIT-licensed (below). A program linked with an omnitls library is also bound by the licence of that variant's TLS backend: see the copyright file of the omnitls-<backend> package (OpenSSL: Apache-2.0, BoringSSL: OpenSSL AND ISC, wolfSSL: GPL-2.0-or-later, GnuTLS: LGPL-2.1-or-later).")
set(CPACK_DEBIAN_HEADERS_PACKAGE_NAME "omnitls-dev")
set(CPACK_DEBIAN_HEADERS_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_HEADERS_PACKAGE_DEPENDS "")
set(CPACK_DEBIAN_HEADERS_PACKAGE_SUGGESTS "omnitls-${OMNITLS_BACKEND}-dev")
set(CPACK_DEBIAN_HEADERS_DESCRIPTION
    "omnitls: headers and CMake package files\nThe public headers of omnitls (the Node.js tls API in C) and its CMake\npackage configuration. Install with at least one omnitls-<backend>-dev.")

foreach(b IN LISTS OMNITLS_VARIANTS)
  string(TOUPPER "${b}" B)
  list(APPEND _omnitls_components ${b} ${b}_dev)
  set(_note "The omnitls source code is MIT-licensed (below). The binaries in this package are linked with ${_omnitls_licence_${b}}, so their effective licence is the backend's: ${_omnitls_spdx_${b}}. Redistribution must follow that licence as well as the MIT terms. See /usr/share/doc/ of the backend's package for its full text. The event layer links libuv (MIT).")
  set(_head "Effective licence of the binaries in this package: ${_omnitls_spdx_${b}} (omnitls code: MIT)")
  omnitls_copyright(omnitls-${b} ${b} "${_head}" "${_note}")
  omnitls_copyright(omnitls-${b}-dev ${b}_dev "${_head}" "${_note}")

  set(CPACK_DEBIAN_${B}_PACKAGE_NAME "omnitls-${b}")
  set(CPACK_DEBIAN_${B}_PACKAGE_SECTION "libs")
  set(CPACK_DEBIAN_${B}_PACKAGE_DEPENDS "${_omnitls_deb_runtime_${b}}, ${_omnitls_runtime_common}")
  set(_desc "omnitls: one TLS API (Node.js tls) in C - ${b} variant\nThe omnitls library libomnitls-${b}.so and the command-line tool\nomnitls-${b}")
  if(b STREQUAL OMNITLS_BACKEND)
    string(APPEND _desc " (also installed as omnitls, the default variant)")
  endif()
  string(APPEND _desc ", built on\n${_omnitls_licence_${b}}.\nThe effective licence of these binaries is ${_omnitls_spdx_${b}}.")
  set(CPACK_DEBIAN_${B}_DESCRIPTION "${_desc}")

  set(CPACK_DEBIAN_${B}_DEV_PACKAGE_NAME "omnitls-${b}-dev")
  set(CPACK_DEBIAN_${B}_DEV_PACKAGE_SECTION "libdevel")
  set(CPACK_DEBIAN_${B}_DEV_PACKAGE_DEPENDS
      "omnitls-${b} (= ${_omnitls_deb_version}), omnitls-dev (= ${_omnitls_deb_version}), ${_omnitls_deb_dev_${b}}${_omnitls_dev_common}")
  set(CPACK_DEBIAN_${B}_DEV_DESCRIPTION
      "omnitls: development files of the ${b} variant\nlibomnitls-${b}.so (link), libomnitls-${b}.a, omnitls-${b}.pc and the\nCMake targets omnitls::omnitls-${b} and omnitls::omnitls-${b}-static.")
endforeach()

set(CPACK_PACKAGE_NAME "omnitls")
set(CPACK_PACKAGE_VENDOR "The omnitls authors")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
# Empty on purpose: each package's description starts with its own summary
# line, and CPack would put this one above it.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGE_CONTACT "${OMNITLS_PACKAGE_MAINTAINER}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_GENERATOR "DEB")
# (.deb packages install under /usr: the DEB generator's default prefix.)
set(CPACK_COMPONENTS_ALL ${_omnitls_components})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT") # <package>_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE "${OMNITLS_PACKAGE_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${OMNITLS_PACKAGE_MAINTAINER}")
# cpack (not cmake) reads this file: it warns while the Maintainer is the placeholder.
set(CPACK_OMNITLS_MAINTAINER_UNSET "${OMNITLS_PACKAGE_MAINTAINER_UNSET}")
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_SOURCE_DIR}/packaging/cpack-project-config.cmake")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF) # the Depends above are explicit
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)

# The source tarball: the tree as in git, without build output.
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_PACKAGE_FILE_NAME "omnitls-${PROJECT_VERSION}")
set(CPACK_SOURCE_IGNORE_FILES
    "/\\\\.git/" "/\\\\.git$" "/build/" "/build-[^/]*/" "/_CPack_Packages/" "\\\\.deb$"
    "/CMakeUserPresets\\\\.json$" "~$" "\\\\.swp$" "/__pycache__/")

include(CPack)
