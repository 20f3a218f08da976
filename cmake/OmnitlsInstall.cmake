# omnitls — what `cmake --install` puts where, and the files that let other
# projects find it: a CMake package (omnitlsConfig.cmake, imported targets
# omnitls::omnitls and omnitls::omnitls-<backend>) and one pkg-config file
# per variant. Included once from the top-level CMakeLists.txt, after the
# library targets exist.
#
# Install components (they become the .deb packages, see OmnitlsPackaging):
#   <backend>      libomnitls-<backend>.so.N, the CLI omnitls-<backend> (and,
#                  for the default variant, `omnitls`), its man page
#   <backend>_dev  libomnitls-<backend>.so and .a, omnitls-<backend>.pc, the
#                  CMake targets file of the variant (for the default variant
#                  also omnitls.pc)
#   headers        include/, omnitlsConfig.cmake + omnitlsConfigVersion.cmake

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(OMNITLS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/omnitls" CACHE STRING
    "Where omnitlsConfig.cmake is installed (relative to the prefix)")
set(_omnitls_gen "${PROJECT_BINARY_DIR}/omnitls-install")
file(MAKE_DIRECTORY "${_omnitls_gen}")

# --- headers (shared by every variant: same public API) ---------------------
# Without the event layer (OMNITLS_WITH_UV=OFF) its header would declare
# functions the libraries do not have: leave it out.
set(_omnitls_header_excludes)
if(NOT OMNITLS_WITH_UV)
  set(_omnitls_header_excludes PATTERN "uv.h" EXCLUDE)
endif()
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT headers
        FILES_MATCHING PATTERN "*.h" ${_omnitls_header_excludes})

# --- what each backend's static library needs from the outside -----------------
# (the shared libraries carry their dependencies in DT_NEEDED; a static
# archive's users must link them themselves.)
#   _omnitls_pc_requires_<b>  pkg-config modules (Requires.private)
#   _omnitls_pc_libs_<b>      plain linker flags (Libs.private)
#   _omnitls_cmake_deps_<b>   CMake code that defines _omnitls_deps (a list of
#                             link items; _omnitls_link_options if needed) or
#                             leaves it unset when the backend's development
#                             files are missing
set(_omnitls_pc_requires_openssl libssl libcrypto)
set(_omnitls_pc_libs_openssl "")
set(_omnitls_cmake_deps_openssl [=[
find_package(OpenSSL 3.0 QUIET)
if(OPENSSL_FOUND)
  set(_omnitls_deps OpenSSL::SSL OpenSSL::Crypto)
endif()]=])

set(_omnitls_pc_requires_boringssl)
set(_omnitls_pc_libs_boringssl
    "-L${OMNITLS_BORINGSSL_LIB_DIR} -Wl,-rpath,${OMNITLS_BORINGSSL_LIB_DIR} -lssl -lcrypto")
set(_omnitls_cmake_deps_boringssl "
if(EXISTS \"${OMNITLS_BORINGSSL_SSL}\" AND EXISTS \"${OMNITLS_BORINGSSL_CRYPTO}\")
  set(_omnitls_deps \"${OMNITLS_BORINGSSL_SSL}\" \"${OMNITLS_BORINGSSL_CRYPTO}\")
  # Debian's BoringSSL lives outside the loader's path.
  set(_omnitls_link_options \"LINKER:-rpath,${OMNITLS_BORINGSSL_LIB_DIR}\")
endif()")

set(_omnitls_pc_requires_wolfssl wolfssl)
set(_omnitls_pc_libs_wolfssl "")
set(_omnitls_cmake_deps_wolfssl [=[
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(_omnitls_wolfssl QUIET IMPORTED_TARGET wolfssl)
  if(_omnitls_wolfssl_FOUND)
    set(_omnitls_deps PkgConfig::_omnitls_wolfssl)
  endif()
endif()]=])

# Not Requires.private: Debian's gnutls.pc lists, for --static, libraries
# whose development links libgnutls28-dev does not pull in (-lunistring), so
# `pkg-config --static --libs omnitls-gnutls` would fail; the archive needs
# only libgnutls itself.
set(_omnitls_pc_requires_gnutls)
set(_omnitls_pc_libs_gnutls "-lgnutls")
set(_omnitls_cmake_deps_gnutls [=[
find_package(GnuTLS 3.6 QUIET)
if(GNUTLS_FOUND)
  set(_omnitls_deps GnuTLS::GnuTLS)
endif()]=])

if(OMNITLS_WITH_UV)
  set(OMNITLS_CONFIG_WITH_UV ON)
  set(_omnitls_pc_uv "libuv >= 1.40")
else()
  set(OMNITLS_CONFIG_WITH_UV OFF)
  set(_omnitls_pc_uv)
endif()

# pkg-config files are written at install time, so that `prefix=` is the
# prefix actually installed to (`cmake --install --prefix X`, or /usr inside
# a .deb). Stage 1 (now) fills in everything else and leaves the literal
# @CMAKE_INSTALL_PREFIX@ for stage 2.
set(OMNITLS_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(OMNITLS_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(OMNITLS_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(OMNITLS_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(OMNITLS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

# omnitls_install_pc(<pc-name> <backend> <component>)
function(omnitls_install_pc name b component)
  set(OMNITLS_PC_NAME "${name}")
  set(OMNITLS_PC_BACKEND "${b}")
  set(_req ${_omnitls_pc_requires_${b}} ${_omnitls_pc_uv})
  list(JOIN _req ", " OMNITLS_PC_REQUIRES_PRIVATE)
  string(STRIP "${_omnitls_pc_libs_${b}} -pthread" OMNITLS_PC_LIBS_PRIVATE)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/omnitls.pc.in" "${_omnitls_gen}/${name}.pc.in" @ONLY)
  # (The staging directory is per destination: the consumer test and cpack
  # may install the same build to two places at once.)
  install(CODE "
    string(MD5 _omnitls_stage \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
    set(_omnitls_stage \"${_omnitls_gen}/stage-\${_omnitls_stage}\")
    configure_file(\"${_omnitls_gen}/${name}.pc.in\" \"\${_omnitls_stage}/${name}.pc\" @ONLY)
    file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig\"
         TYPE FILE FILES \"\${_omnitls_stage}/${name}.pc\")
    file(REMOVE_RECURSE \"\${_omnitls_stage}\")"
    COMPONENT ${component})
endfunction()

# The man page of the CLI, once per installed name (omnitls, omnitls-<b>).
# omnitls_install_man(<command-name> <backend> <component>)
function(omnitls_install_man cmd b component)
  set(OMNITLS_MAN_NAME "${cmd}")
  string(TOUPPER "${cmd}" OMNITLS_MAN_NAME_UPPER)
  string(REPLACE "-" "\\-" OMNITLS_MAN_NAME_ROFF "${cmd}")
  string(REPLACE "-" "\\-" OMNITLS_MAN_NAME_UPPER "${OMNITLS_MAN_NAME_UPPER}")
  set(OMNITLS_MAN_BACKEND "${b}")
  set(OMNITLS_MAN_VERSION "${PROJECT_VERSION}")
  configure_file("${PROJECT_SOURCE_DIR}/docs/man/omnitls.1.in" "${_omnitls_gen}/man/${cmd}.1" @ONLY)
  install(FILES "${_omnitls_gen}/man/${cmd}.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1"
          COMPONENT ${component})
endfunction()

# --- one variant at a time ---------------------------------------------------------
foreach(b IN LISTS OMNITLS_VARIANTS)
  install(TARGETS omnitls-${b}
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ${b} NAMELINK_SKIP)
  install(TARGETS omnitls-${b}
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ${b}_dev NAMELINK_ONLY)
  install(TARGETS omnitls-${b}-static
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ${b}_dev)

  # The CMake targets of this variant (written by hand rather than with
  # install(EXPORT): the static library's link interface must name the
  # backend as the *consumer's* machine finds it, not our internal
  # omnitls_dep_* targets with their compile probes and include paths).
  set(OMNITLS_T_BACKEND "${b}")
  set(OMNITLS_T_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
  set(OMNITLS_T_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
  set(OMNITLS_T_SONAME "libomnitls-${b}.so.${PROJECT_VERSION_MAJOR}")
  set(OMNITLS_T_REALNAME "libomnitls-${b}.so.${PROJECT_VERSION}")
  set(OMNITLS_T_DEPS_CODE "${_omnitls_cmake_deps_${b}}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/omnitls-variant-targets.cmake.in"
                 "${_omnitls_gen}/omnitls-${b}-targets.cmake" @ONLY)
  install(FILES "${_omnitls_gen}/omnitls-${b}-targets.cmake"
          DESTINATION "${OMNITLS_INSTALL_CMAKEDIR}" COMPONENT ${b}_dev)

  omnitls_install_pc(omnitls-${b} ${b} ${b}_dev)
  if(OMNITLS_BUILD_APPS)
    omnitls_install_man(omnitls-${b} ${b} ${b})
  endif()
endforeach()

# The default variant under the plain names: omnitls.pc, `omnitls` (the CLI
# is installed by apps/, into the default backend's component).
omnitls_install_pc(omnitls ${OMNITLS_BACKEND} ${OMNITLS_BACKEND}_dev)
if(OMNITLS_BUILD_APPS)
  omnitls_install_man(omnitls ${OMNITLS_BACKEND} ${OMNITLS_BACKEND})
endif()

# --- the package config: omnitls::omnitls-<b> for each installed variant ----------
set(OMNITLS_CONFIG_DEFAULT_BACKEND "${OMNITLS_BACKEND}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/omnitlsConfig.cmake.in"
                              "${_omnitls_gen}/omnitlsConfig.cmake"
                              INSTALL_DESTINATION "${OMNITLS_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${_omnitls_gen}/omnitlsConfigVersion.cmake"
                                 VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMajorVersion)
install(FILES "${_omnitls_gen}/omnitlsConfig.cmake" "${_omnitls_gen}/omnitlsConfigVersion.cmake"
        DESTINATION "${OMNITLS_INSTALL_CMAKEDIR}" COMPONENT headers)
