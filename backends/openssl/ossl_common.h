/*
 * omnitls — functions shared by the OpenSSL and BoringSSL backends
 * (private; see ossl_common.c).
 */
#ifndef OTLS_OSSL_COMMON_H
#define OTLS_OSSL_COMMON_H

#include "../../core/backend.h"

int otls__ossl_global_init(void);
int otls__ossl_ctx_new(void **out, const struct otls__ctx_config *cfg, char *detail,
                       size_t detail_len);
void otls__ossl_ctx_free(void *bctx);
int otls__ossl_conn_new(void **out, void *bctx, struct otls_conn *conn,
                        const struct otls__conn_config *cfg);
void otls__ossl_conn_free(void *bc);
int otls__ossl_handshake(void *bc);
int otls__ossl_read(void *bc, void *buf, size_t len, size_t *n);
int otls__ossl_write(void *bc, const void *buf, size_t len);
int otls__ossl_shutdown(void *bc);
uint16_t otls__ossl_protocol(void *bc);
uint16_t otls__ossl_cipher_id(void *bc);
uint16_t otls__ossl_group(void *bc);
size_t otls__ossl_peer_chain(void *bc, struct otls__blob *out, size_t max);
unsigned otls__ossl_verify_facts(void *bc);
const char *otls__ossl_servername(void *bc);
int otls__ossl_alert(void *bc, bool *sent);
int otls__ossl_digest(int alg, const void *data, size_t len, uint8_t *out);
const uint8_t *otls__ossl_alpn_selected(void *bc, size_t *len);
bool otls__ossl_session_reused(void *bc);
const uint8_t *otls__ossl_ocsp_response(void *bc, size_t *len);
int otls__ossl_export_keying_material(void *bc, uint8_t *out, size_t len, const char *label,
                                      size_t label_len, const uint8_t *context,
                                      size_t context_len);
int otls__ossl_finished(void *bc, bool peer, uint8_t *out, size_t cap);
int otls__ossl_key_update(void *bc, bool request_peer);
int otls__ossl_renegotiate(void *bc, bool request_cert);
void otls__ossl_release_buffers(void *bc);
const uint8_t *otls__ossl_tls_ticket(void *bc, size_t *len);
const uint8_t *otls__ossl_npn_selected(void *bc, size_t *len);
int otls__ossl_pkcs12_parse(const uint8_t *der, size_t len, const char *pass,
                            const struct otls__pkcs12_sink *sink, char *detail, size_t detail_len);
int otls__ossl_peer_tmp_key(void *bc, uint16_t *group, unsigned *dh_bits);

/* The slots both variants fill the same way. */
#define OTLS__OSSL_COMMON_SLOTS                 \
  .ctx_new = otls__ossl_ctx_new,                \
  .ctx_free = otls__ossl_ctx_free,              \
  .conn_new = otls__ossl_conn_new,              \
  .conn_free = otls__ossl_conn_free,            \
  .handshake = otls__ossl_handshake,            \
  .read = otls__ossl_read,                      \
  .write = otls__ossl_write,                    \
  .shutdown = otls__ossl_shutdown,              \
  .protocol = otls__ossl_protocol,              \
  .cipher_id = otls__ossl_cipher_id,            \
  .group = otls__ossl_group,                    \
  .peer_chain = otls__ossl_peer_chain,          \
  .verify_facts = otls__ossl_verify_facts,      \
  .servername = otls__ossl_servername,          \
  .alert = otls__ossl_alert,                    \
  .alpn_selected = otls__ossl_alpn_selected,    \
  .session_reused = otls__ossl_session_reused,  \
  .ocsp_response = otls__ossl_ocsp_response,    \
  .export_keying_material = otls__ossl_export_keying_material, \
  .finished = otls__ossl_finished,              \
  .key_update = otls__ossl_key_update,          \
  .renegotiate = otls__ossl_renegotiate,        \
  .tls_ticket = otls__ossl_tls_ticket,          \
  .npn_selected = otls__ossl_npn_selected,      \
  .release_buffers = otls__ossl_release_buffers, \
  .digest = otls__ossl_digest,                  \
  .pkcs12_parse = otls__ossl_pkcs12_parse,      \
  .peer_tmp_key = otls__ossl_peer_tmp_key

#endif
