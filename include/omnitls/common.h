/*
 * omnitls — common definitions shared by every public header.
 *
 * Conventions that hold for the whole public API (stated once here):
 *
 *  - Functions that can fail return `int`: 0 (or a non-negative count) on
 *    success, a negative OTLS_E_* code on failure (see errors.h).
 *  - Constructors take an out-pointer (`otls_x_new(otls_x **out, ...)`); on
 *    failure `*out` is set to NULL. Every `_new` has a `_free` that accepts
 *    NULL.
 *  - Buffers are passed as pointer + length. A NULL pointer with a non-zero
 *    length is OTLS_E_INVAL. Strings are NUL-terminated UTF-8.
 *  - Strings returned as `const char *` are owned by the object they came
 *    from and stay valid until that object is freed, unless stated otherwise.
 *  - Option structs are versioned: call the matching `_options_init()` first,
 *    then set only the fields you need.
 *  - Objects other than contexts belong to one thread at a time. Contexts are
 *    immutable once built, reference-counted and shareable across threads.
 */
#ifndef OMNITLS_COMMON_H
#define OMNITLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * OTLS_BEGIN_DECLS / OTLS_END_DECLS — open and close the declarations of
 * every public header: `extern "C" {` ... `}` when the header is compiled
 * as C++, so that C++ programs link against the C library; nothing in C.
 */
#ifdef __cplusplus
#define OTLS_BEGIN_DECLS extern "C" {
#define OTLS_END_DECLS }
#else
#define OTLS_BEGIN_DECLS
#define OTLS_END_DECLS
#endif

/*
 * OTLS_EXTERN — marks every exported function of the library. The library
 * is built with hidden visibility, so only these names are exported (the
 * list is checked in: tests/abi/omnitls.symbols). With OMNITLS_STATIC
 * defined (the CMake target omnitls::omnitls-<backend>-static defines it
 * for its users) it expands to nothing, as the static library needs no
 * export marks; leaving it undefined there is harmless.
 */
#if defined(OMNITLS_STATIC)
#define OTLS_EXTERN
#elif defined(__GNUC__)
#define OTLS_EXTERN __attribute__((visibility("default")))
#else
#define OTLS_EXTERN
#endif

#endif /* OMNITLS_COMMON_H */
