# omnitls — read by cpack (CPACK_PROJECT_CONFIG_FILE) once per generator,
# after CPackConfig.cmake: the place to check what cpack is about to write.

# The Maintainer field must name whoever ships the packages: there is no
# official omnitls packager, and the default is a labelled placeholder (any
# address in the reserved .invalid domain is one).
if(CPACK_GENERATOR STREQUAL "DEB" AND
   (CPACK_DEBIAN_PACKAGE_MAINTAINER STREQUAL CPACK_OMNITLS_MAINTAINER_UNSET OR
    CPACK_DEBIAN_PACKAGE_MAINTAINER MATCHES "@[^>]*\\.invalid>?$"))
  message(WARNING
    "omnitls: the .deb packages get the placeholder Maintainer "
    "\"${CPACK_DEBIAN_PACKAGE_MAINTAINER}\". If you ship them, configure with "
    "-DOMNITLS_PACKAGE_MAINTAINER=\"Your Name <you@example.org>\" "
    "(see packaging/README.md).")
endif()
