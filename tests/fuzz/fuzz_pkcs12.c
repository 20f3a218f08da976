/*
 * Fuzz target: PKCS#12 loading — core's PFX structure and algorithm check
 * (core/pkcs12.c), the backend's parser behind it, the PKCS#8 wrapping and
 * chain ordering — through otls_context_new() with one `pfx` item, the way
 * a user's bytes arrive. The corpus bundles use the passphrase "fuzz".
 */
#include <stdint.h>
#include <stdlib.h>

#include "omnitls.h"
#include "pkcs12.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint8_t empty[1];
  (void)otls__pkcs12_check(data, size, NULL, 0);

  otls_context_options o;
  otls_context_options_init(&o);
  otls_source pfx = otls_source_mem(size ? data : empty, size);
  pfx.passphrase = "fuzz";
  o.pfx = &pfx;
  o.pfx_count = 1;
  otls_context *ctx = NULL;
  char detail[256];
  int rv = otls_context_new(&ctx, &o, detail, sizeof(detail));
  if ((rv == 0) != (ctx != NULL))
    abort();
  otls_context_free(ctx);
  return 0;
}
