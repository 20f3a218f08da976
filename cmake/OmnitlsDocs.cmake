# omnitls — the API reference (docs/api/), generated from the comments of the
# public headers by scripts/apidoc.py (Python 3, standard library only).
# Included once from the top-level CMakeLists.txt.
#
#   cmake --build build/all --target docs    rewrite docs/api/ from the headers
#
# The pages are committed; the test docs.api-reference (tests/docs) fails when
# they differ from what the headers produce, or when a public symbol has no
# documentation.

find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  # The interpreter itself rather than a launcher in front of it (a pyenv
  # shim costs seconds per start): the docs tests start it 13 times.
  execute_process(COMMAND ${Python3_EXECUTABLE} -c "import sys; print(sys.executable)"
                  OUTPUT_VARIABLE OMNITLS_PYTHON OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _omnitls_py_rv)
  if(NOT _omnitls_py_rv EQUAL 0 OR NOT EXISTS "${OMNITLS_PYTHON}")
    set(OMNITLS_PYTHON ${Python3_EXECUTABLE})
  endif()
  add_custom_target(docs
    COMMAND ${OMNITLS_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/apidoc.py generate
            --include ${PROJECT_SOURCE_DIR}/include --out ${PROJECT_SOURCE_DIR}/docs/api
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Regenerating the API reference (docs/api/) from include/"
    VERBATIM)
else()
  message(STATUS "omnitls: Python 3 not found: no 'docs' target (API reference) "
                 "and no docs tests")
endif()
