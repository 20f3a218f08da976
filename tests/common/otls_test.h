/*
 * omnitls — the tiny test framework shared by every test program.
 *
 * TEST(name) defines one behaviour, named as a sentence. Each test program
 * runs the test named in argv[1] (or all, in order, with no argument); CMake
 * registers every TEST as its own CTest entry by reading the source.
 * A failed check prints both sides and exits 1; otls_test_skip() exits 77
 * ("Not Run"), and is only ever called because a capability query said so.
 */
#ifndef OTLS_TEST_H
#define OTLS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omnitls.h"

typedef void (*otls_test_fn)(void);
void otls_test_register(const char *name, otls_test_fn fn);

#define TEST(name)                                                               \
  static void name(void);                                                        \
  __attribute__((constructor)) static void otls_test_reg_##name(void) {         \
    otls_test_register(#name, name);                                             \
  }                                                                              \
  static void name(void)

void otls_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
void otls_test_skip(const char *reason) __attribute__((noreturn));
/* Called by otls_test_skip() before it exits (e.g. to drop a partial transcript). */
void otls_test_on_skip(void (*hook)(void));

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond))                                                                 \
      otls_test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);             \
  } while (0)

#define CHECK_INT(a, b)                                                          \
  do {                                                                           \
    long long otls_a_ = (long long)(a), otls_b_ = (long long)(b);                \
    if (otls_a_ != otls_b_)                                                      \
      otls_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,       \
                     otls_a_, otls_b_);                                          \
  } while (0)

/* Compare OTLS_E_* codes, printing their names. */
#define CHECK_ERR(a, b)                                                          \
  do {                                                                           \
    int otls_a_ = (int)(a), otls_b_ = (int)(b);                                  \
    if (otls_a_ != otls_b_)                                                      \
      otls_test_fail(__FILE__, __LINE__, "%s: got %s (%d), want %s (%d)", #a,    \
                     otls_err_name(otls_a_), otls_a_, otls_err_name(otls_b_),    \
                     otls_b_);                                                   \
  } while (0)

#define CHECK_STR(a, b)                                                          \
  do {                                                                           \
    const char *otls_a_ = (a), *otls_b_ = (b);                                   \
    if ((otls_a_ == NULL) != (otls_b_ == NULL) ||                                \
        (otls_a_ && strcmp(otls_a_, otls_b_) != 0))                              \
      otls_test_fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", #a,      \
                     otls_a_ ? otls_a_ : "(null)", otls_b_ ? otls_b_ : "(null)"); \
  } while (0)

/* --- helpers for tests that need TLS objects ------------------------------ */

/* Path of a file of the generated test PKI ($OTLS_PKI_DIR/name). One of 16 static
 * buffers used in turn: valid until 16 more calls. */
const char *pki(const char *name);

/*
 * Build a context from PKI file names (any may be NULL): cert chain, key,
 * CA bundle. Fails the test on error.
 */
otls_context *make_ctx(const char *cert, const char *key, const char *ca);

/*
 * Move bytes between two connections until both handshakes finish or one
 * fails. Returns 0, or the first error; *cerr / *serr get each side's result.
 */
int pump_handshake(otls_conn *client, otls_conn *server, int *cerr, int *serr);

/* Move all pending output of `from` into `to`. Returns bytes moved or error. */
int pump_once(otls_conn *from, otls_conn *to);

#endif
