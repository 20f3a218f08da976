/*
 * omnitls — the ephemeral key of the key exchange: Node's
 * getEphemeralKeyInfo() and the client's minDHSize check, decided here from
 * one backend fact (backend.h: peer_tmp_key), so every backend reports the
 * same object (BACKENDS.md (b) 7).
 */
#include <string.h>

#include "internal.h"

/*
 * NamedGroup id -> Node's object. Sizes as Node v20 prints them (OpenSSL's
 * EVP_PKEY_get_bits of the peer key): X25519 is 253 bits, X448 448; the
 * RFC 7919 groups are DH keys of their prime's size.
 */
static const struct {
  uint16_t id;
  const char *type;
  const char *name;
  unsigned size;
} groups[] = {
    {23, "ECDH", "prime256v1", 256}, {24, "ECDH", "secp384r1", 384}, {25, "ECDH", "secp521r1", 521},
    {29, "ECDH", "X25519", 253},     {30, "ECDH", "X448", 448},      {256, "DH", NULL, 2048},
    {257, "DH", NULL, 3072},         {258, "DH", NULL, 4096},        {259, "DH", NULL, 6144},
    {260, "DH", NULL, 8192},
};

/* The client's view; 0 with out->type NULL when there is no ephemeral key. */
static int key_info(const struct otls_conn *c, otls_ephemeral_key_info *out) {
  memset(out, 0, sizeof(*out));
  if (otls__backend.peer_tmp_key == NULL)
    return OTLS_E_UNSUPPORTED;
  uint16_t group = 0;
  unsigned bits = 0;
  int rv = otls__backend.peer_tmp_key(c->bc, &group, &bits);
  if (rv < 0)
    return rv;
  if (group != 0) {
    for (size_t i = 0; i < OTLS_ARRAY_SIZE(groups); i++)
      if (groups[i].id == group) {
        out->type = groups[i].type;
        out->name = groups[i].name;
        out->size = groups[i].size;
        return 0;
      }
    return OTLS_E_INTERNAL; /* a group omnitls never enables */
  }
  if (bits != 0) {
    out->type = "DH";
    out->size = bits;
  }
  return 0;
}

int otls_conn_ephemeral_key_info(const otls_conn *c, otls_ephemeral_key_info *out) {
  if (c == NULL || out == NULL)
    return OTLS_E_INVAL;
  memset(out, 0, sizeof(*out));
  if (c->is_server || c->state != CONN_OPEN)
    return OTLS_E_STATE;
  return key_info(c, out);
}

int otls__conn_check_min_dh(struct otls_conn *c) {
  otls_ephemeral_key_info k;
  if (c->is_server || otls__backend.peer_tmp_key == NULL)
    return 0;
  int rv = key_info(c, &k);
  if (rv < 0) {
    otls__conn_set_error(c, "cannot tell the server's ephemeral key (%s)", otls_err_name(rv));
    return rv;
  }
  /* Node (onConnectSecure): type 'DH' and size < minDHSize. */
  if (k.type != NULL && strcmp(k.type, "DH") == 0 && k.size < c->min_dh_size) {
    otls__conn_set_error(c, "DH parameter size %u is less than %u", k.size, c->min_dh_size);
    return OTLS_E_DH_PARAM_SIZE;
  }
  return 0;
}
