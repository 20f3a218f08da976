/* Unit tests for core/buf.c */
#include "buf.h"
#include "otls_test.h"

TEST(buf_appends_and_takes_in_order) {
  struct otls__buf b = {0};
  CHECK_INT(otls__buf_append(&b, "hello ", 6), 0);
  CHECK_INT(otls__buf_append(&b, "world", 5), 0);
  CHECK_INT(otls__buf_len(&b), 11);
  char out[16] = {0};
  CHECK_INT(otls__buf_take(&b, out, 5), 5);
  CHECK_STR(out, "hello");
  CHECK_INT(otls__buf_len(&b), 6);
  memset(out, 0, sizeof(out));
  CHECK_INT(otls__buf_take(&b, out, sizeof(out)), 6);
  CHECK_STR(out, " world");
  CHECK_INT(otls__buf_len(&b), 0);
  otls__buf_free(&b);
}

TEST(buf_grows_and_keeps_content) {
  struct otls__buf b = {0};
  uint8_t chunk[1000];
  for (int i = 0; i < 100; i++) {
    memset(chunk, i, sizeof(chunk));
    CHECK_INT(otls__buf_append(&b, chunk, sizeof(chunk)), 0);
  }
  CHECK_INT(otls__buf_len(&b), 100000);
  for (int i = 0; i < 100; i++) {
    CHECK_INT(otls__buf_take(&b, chunk, sizeof(chunk)), 1000);
    CHECK_INT(chunk[0], i);
    CHECK_INT(chunk[999], i);
  }
  otls__buf_free(&b);
}

TEST(buf_reuses_space_after_consume) {
  struct otls__buf b = {0};
  uint8_t chunk[3000] = {0};
  CHECK_INT(otls__buf_append(&b, chunk, sizeof(chunk)), 0);
  size_t cap = b.cap;
  for (int i = 0; i < 50; i++) {
    otls__buf_consume(&b, 2000);
    CHECK_INT(otls__buf_append(&b, chunk, 2000), 0);
  }
  CHECK_INT(b.cap, cap); /* steady state: no growth */
  otls__buf_consume(&b, 1u << 20); /* clamped */
  CHECK_INT(otls__buf_len(&b), 0);
  otls__buf_free(&b);
}
