# omnitls — finding the TLS backends and probing their features.
#
# omnitls_backend_dep(<name> <found-var>) defines the INTERFACE target
# omnitls_dep_<name> (include dirs, libraries, OTLS_HAVE_* definitions) when
# the backend's development files are present, and sets <found-var>.

include(CheckSymbolExists)
include(CheckCSourceCompiles)

set(OMNITLS_BORINGSSL_INCLUDE_DIR "/usr/include/android" CACHE PATH
    "BoringSSL headers (Debian android-libboringssl-dev)")
set(OMNITLS_BORINGSSL_LIB_DIR "/usr/lib/x86_64-linux-gnu/android" CACHE PATH
    "BoringSSL libraries (Debian android-libboringssl)")

# Compile probes for the OpenSSL family: fork differences come from here,
# never from version numbers (CONVENTIONS.md).
function(_omnitls_ossl_probes target prefix incdir libs)
  set(CMAKE_REQUIRED_INCLUDES ${incdir})
  set(CMAKE_REQUIRED_LIBRARIES ${libs})
  set(CMAKE_REQUIRED_QUIET ON)
  set(_defs "")
  foreach(sym SSL_CTX_set_ciphersuites SSL_CTX_set_security_level SSL_get_negotiated_group
              SSL_get_curve_id SSL_CTX_set0_tmp_dh_pkey SSL_SESSION_to_bytes
              SSL_SESSION_from_bytes SSL_CTX_set_tlsext_ticket_key_evp_cb
              SSL_CTX_set_session_psk_dhe_timeout SSL_set_ocsp_response SSL_get_peer_tmp_key)
    string(TOUPPER "${sym}" _up)
    check_symbol_exists(${sym} "openssl/ssl.h" ${prefix}_HAVE_${_up})
    if(${prefix}_HAVE_${_up})
      list(APPEND _defs OTLS_HAVE_${_up}=1)
    endif()
  endforeach()
  # The fork itself (BoringSSL defers its TLS 1.3 tickets to the next write).
  check_symbol_exists(OPENSSL_IS_BORINGSSL "openssl/ssl.h" ${prefix}_HAVE_OPENSSL_IS_BORINGSSL)
  if(${prefix}_HAVE_OPENSSL_IS_BORINGSSL)
    list(APPEND _defs OTLS_HAVE_OPENSSL_IS_BORINGSSL=1)
  endif()
  check_symbol_exists(PKCS12_mac_present "openssl/pkcs12.h" ${prefix}_HAVE_PKCS12_MAC_PRESENT)
  if(${prefix}_HAVE_PKCS12_MAC_PRESENT)
    list(APPEND _defs OTLS_HAVE_PKCS12_MAC_PRESENT=1)
  endif()
  check_c_source_compiles("
    #include <openssl/ssl.h>
    int main(void) { return OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) ? 0 : 1; }"
    ${prefix}_HAVE_OPENSSL_INIT_NO_LOAD_CONFIG)
  if(${prefix}_HAVE_OPENSSL_INIT_NO_LOAD_CONFIG)
    list(APPEND _defs OTLS_HAVE_OPENSSL_INIT_NO_LOAD_CONFIG=1)
  endif()
  target_compile_definitions(${target} INTERFACE ${_defs})
endfunction()

function(omnitls_backend_dep name found_var)
  set(${found_var} FALSE PARENT_SCOPE)
  if(TARGET omnitls_dep_${name})
    set(${found_var} TRUE PARENT_SCOPE)
    return()
  endif()
  if(name STREQUAL "openssl")
    find_package(OpenSSL 3.0 QUIET)
    if(NOT OPENSSL_FOUND)
      return()
    endif()
    add_library(omnitls_dep_openssl INTERFACE)
    target_link_libraries(omnitls_dep_openssl INTERFACE OpenSSL::SSL OpenSSL::Crypto)
    _omnitls_ossl_probes(omnitls_dep_openssl OTLS_OPENSSL "${OPENSSL_INCLUDE_DIR}"
                         "${OPENSSL_SSL_LIBRARY};${OPENSSL_CRYPTO_LIBRARY}")
  elseif(name STREQUAL "boringssl")
    find_path(OMNITLS_BORINGSSL_BASE_H openssl/base.h
              PATHS ${OMNITLS_BORINGSSL_INCLUDE_DIR} NO_DEFAULT_PATH)
    find_library(OMNITLS_BORINGSSL_SSL NAMES ssl PATHS ${OMNITLS_BORINGSSL_LIB_DIR} NO_DEFAULT_PATH)
    find_library(OMNITLS_BORINGSSL_CRYPTO NAMES crypto PATHS ${OMNITLS_BORINGSSL_LIB_DIR}
                 NO_DEFAULT_PATH)
    if(NOT OMNITLS_BORINGSSL_BASE_H OR NOT OMNITLS_BORINGSSL_SSL OR NOT OMNITLS_BORINGSSL_CRYPTO)
      return()
    endif()
    add_library(omnitls_dep_boringssl INTERFACE)
    target_include_directories(omnitls_dep_boringssl BEFORE INTERFACE ${OMNITLS_BORINGSSL_INCLUDE_DIR})
    target_link_libraries(omnitls_dep_boringssl INTERFACE ${OMNITLS_BORINGSSL_SSL}
                          ${OMNITLS_BORINGSSL_CRYPTO})
    # The Debian package needs an rpath: its SONAMEs live outside the linker path.
    target_link_options(omnitls_dep_boringssl INTERFACE
                        "LINKER:-rpath,${OMNITLS_BORINGSSL_LIB_DIR}")
    _omnitls_ossl_probes(omnitls_dep_boringssl OTLS_BORINGSSL "${OMNITLS_BORINGSSL_INCLUDE_DIR}"
                         "${OMNITLS_BORINGSSL_SSL};${OMNITLS_BORINGSSL_CRYPTO}")
  elseif(name STREQUAL "wolfssl")
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
      pkg_check_modules(OMNITLS_WOLFSSL QUIET IMPORTED_TARGET wolfssl)
    endif()
    if(NOT OMNITLS_WOLFSSL_FOUND)
      return()
    endif()
    add_library(omnitls_dep_wolfssl INTERFACE)
    target_link_libraries(omnitls_dep_wolfssl INTERFACE PkgConfig::OMNITLS_WOLFSSL)
  elseif(name STREQUAL "gnutls")
    find_package(GnuTLS 3.6 QUIET)
    if(NOT GNUTLS_FOUND)
      return()
    endif()
    add_library(omnitls_dep_gnutls INTERFACE)
    target_link_libraries(omnitls_dep_gnutls INTERFACE GnuTLS::GnuTLS)
  else()
    message(FATAL_ERROR "omnitls: unknown backend '${name}' "
                        "(known: openssl boringssl wolfssl gnutls)")
  endif()
  set(${found_var} TRUE PARENT_SCOPE)
endfunction()

# The backend sources of each variant (explicit lists, no GLOB).
set(OMNITLS_SOURCES_openssl backends/openssl/ossl_common.c backends/openssl/openssl.c)
set(OMNITLS_SOURCES_boringssl backends/openssl/ossl_common.c backends/boringssl/boringssl.c)
set(OMNITLS_SOURCES_wolfssl backends/wolfssl/wolfssl.c)
set(OMNITLS_SOURCES_gnutls backends/gnutls/gnutls.c)
