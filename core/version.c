/* omnitls — library/backend identification and one-time initialisation. */
#include <pthread.h>

#include "internal.h"

const char *otls_version_string(void) { return OTLS_VERSION_STRING; }
unsigned otls_version_num(void) { return OTLS_VERSION_NUM; }
const char *otls_backend_name(void) { return otls__backend.name; }

const char *otls_backend_version(void) {
  return otls__backend.version ? otls__backend.version() : "unknown";
}

bool otls_backend_has(enum otls_cap cap) {
  if ((unsigned)cap >= OTLS_CAP__COUNT)
    return false;
  return (otls__backend.caps >> (unsigned)cap) & 1u;
}

const char *otls_cap_name(enum otls_cap cap) {
  switch (cap) {
#define X(suffix, bit, name, desc) \
  case OTLS_CAP_##suffix:          \
    return name;
    OTLS_CAP_MAP(X)
#undef X
  default:
    return NULL;
  }
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;

static void do_init(void) {
  init_result = otls__backend.global_init ? otls__backend.global_init() : 0;
}

int otls__global_init(void) {
  pthread_once(&init_once, do_init);
  return init_result;
}
