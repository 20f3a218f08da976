/* Fuzz target: the PEM decoder (core/pem.c). */
#include <stdint.h>
#include <stdlib.h>

#include "pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *p = data, *end = data + size;
  struct otls__pem_block blk;
  while (otls__pem_next(&p, end, &blk) == 1)
    free(blk.der);
  return 0;
}
