/*
 * omnitls — the one cipher-suite table. Every name omnitls reports comes
 * from here; backends only report the two-byte id (DESIGN.md §1).
 */
#include <string.h>

#include "internal.h"


static const struct otls__suite suites[] = {
    {0x1301, OTLS__TLS1_3, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
    {0x1302, OTLS__TLS1_3, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
    {0x1303, OTLS__TLS1_3, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
    {0xC02B, OTLS__TLS1_2, "ECDHE-ECDSA-AES128-GCM-SHA256",
     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02C, OTLS__TLS1_2, "ECDHE-ECDSA-AES256-GCM-SHA384",
     "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC02F, OTLS__TLS1_2, "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, OTLS__TLS1_2, "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xCCA9, OTLS__TLS1_2, "ECDHE-ECDSA-CHACHA20-POLY1305",
     "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCA8, OTLS__TLS1_2, "ECDHE-RSA-CHACHA20-POLY1305",
     "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xC023, OTLS__TLS1_2, "ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xC024, OTLS__TLS1_2, "ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xC027, OTLS__TLS1_2, "ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xC028, OTLS__TLS1_2, "ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xC009, OTLS__TLS1_0, "ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xC00A, OTLS__TLS1_0, "ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xC013, OTLS__TLS1_0, "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xC014, OTLS__TLS1_0, "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x009C, OTLS__TLS1_2, "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009D, OTLS__TLS1_2, "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x002F, 0x0300, "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, 0x0300, "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"},
};

const struct otls__suite *otls__suite_by_id(uint16_t id) {
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(suites); i++)
    if (suites[i].id == id)
      return &suites[i];
  return NULL;
}

/*
 * The default list. TLS 1.3 first, then ECDHE with AEAD only. AES-128-GCM
 * leads the TLS 1.3 suites (Node puts AES-256 first) because BoringSSL
 * cannot reorder its TLS 1.3 suites and always offers AES-128-GCM first:
 * with this order every backend negotiates the same suite by default.
 */
const uint16_t otls__default_suites[] = {
    0x1301, 0x1302, 0x1303, /* TLS 1.3 */
    0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
};
const size_t otls__n_default_suites = OTLS_ARRAY_SIZE(otls__default_suites);

/* X25519, P-256, P-384 (RFC 8446 NamedGroup ids). */
const uint16_t otls__default_groups[] = {29, 23, 24};
const size_t otls__n_default_groups = OTLS_ARRAY_SIZE(otls__default_groups);

const char *otls__version_name(uint16_t v) {
  switch (v) {
  case OTLS__TLS1_3: return "TLSv1.3";
  case OTLS__TLS1_2: return "TLSv1.2";
  case OTLS__TLS1_1: return "TLSv1.1";
  case OTLS__TLS1_0: return "TLSv1";
  case 0x0300: return "SSLv3";
  }
  return NULL;
}

/* Node's spellings; "TLSv1.0" is accepted as an alias of "TLSv1". */
int otls__version_parse(const char *s, uint16_t *v) {
  static const struct {
    const char *name;
    uint16_t v;
  } names[] = {{"TLSv1.3", OTLS__TLS1_3}, {"TLSv1.2", OTLS__TLS1_2}, {"TLSv1.1", OTLS__TLS1_1},
               {"TLSv1", OTLS__TLS1_0},   {"TLSv1.0", OTLS__TLS1_0}};
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(names); i++)
    if (strcmp(s, names[i].name) == 0) {
      *v = names[i].v;
      return 0;
    }
  return OTLS_E_BAD_VERSION;
}
