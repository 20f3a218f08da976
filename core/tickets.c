/*
 * omnitls — session-ticket keys (Node.js: `ticketKeys`, `getTicketKeys()`,
 * `setTicketKeys()`), decided in core for every backend (BACKENDS.md (b) 5).
 *
 * A key is Node's 48 bytes: 16 bytes of key name, 16 of HMAC-SHA256 key,
 * 16 of AES-128-CBC key. Each context has its own random key unless the
 * application sets one, so a ticket never resumes on another context; two
 * contexts (or servers) given the same key resume each other's tickets on
 * the same backend. Setting a new key keeps the previous one for
 * decryption, so tickets issued just before a rotation stay valid (and
 * are replaced by a fresh ticket under the new key).
 */
#include <string.h>
#include <sys/random.h>

#include "internal.h"

int otls__random(void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0)
      return OTLS_E_INTERNAL;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int otls__tickets_init(struct otls__tickets *t, const uint8_t *keys, size_t len) {
  if (len != 0 && len != OTLS_TICKET_KEYS_LEN)
    return OTLS_E_INVAL;
  if (pthread_mutex_init(&t->lock, NULL) != 0)
    return OTLS_E_NOMEM;
  t->has_prev = false;
  if (len)
    memcpy(t->cur, keys, len);
  else if (otls__random(t->cur, sizeof(t->cur)) < 0) {
    pthread_mutex_destroy(&t->lock);
    return OTLS_E_INTERNAL;
  }
  return 0;
}

void otls__tickets_free(struct otls__tickets *t) {
  explicit_bzero(t->cur, sizeof(t->cur));
  explicit_bzero(t->prev, sizeof(t->prev));
  pthread_mutex_destroy(&t->lock);
}

int otls_context_get_ticket_keys(otls_context *ctx, uint8_t *keys, size_t len) {
  if (ctx == NULL || keys == NULL || len != OTLS_TICKET_KEYS_LEN)
    return OTLS_E_INVAL;
  pthread_mutex_lock(&ctx->tickets.lock);
  memcpy(keys, ctx->tickets.cur, OTLS_TICKET_KEYS_LEN);
  pthread_mutex_unlock(&ctx->tickets.lock);
  return 0;
}

int otls_context_set_ticket_keys(otls_context *ctx, const uint8_t *keys, size_t len) {
  if (ctx == NULL || keys == NULL || len != OTLS_TICKET_KEYS_LEN)
    return OTLS_E_INVAL;
  struct otls__tickets *t = &ctx->tickets;
  pthread_mutex_lock(&t->lock);
  if (memcmp(t->cur, keys, OTLS_TICKET_KEYS_LEN) != 0) {
    memcpy(t->prev, t->cur, OTLS_TICKET_KEYS_LEN);
    t->has_prev = true;
    memcpy(t->cur, keys, OTLS_TICKET_KEYS_LEN);
  }
  pthread_mutex_unlock(&t->lock);
  return 0;
}

void otls__ticket_key_current(struct otls_conn *c, uint8_t key[OTLS_TICKET_KEYS_LEN]) {
  struct otls__tickets *t = &c->ctx->tickets;
  pthread_mutex_lock(&t->lock);
  memcpy(key, t->cur, OTLS_TICKET_KEYS_LEN);
  pthread_mutex_unlock(&t->lock);
}

int otls__ticket_key_find(struct otls_conn *c, const uint8_t name[16],
                          uint8_t key[OTLS_TICKET_KEYS_LEN]) {
  struct otls__tickets *t = &c->ctx->tickets;
  int found = 0;
  pthread_mutex_lock(&t->lock);
  if (memcmp(t->cur, name, 16) == 0) {
    memcpy(key, t->cur, OTLS_TICKET_KEYS_LEN);
    found = 1;
  } else if (t->has_prev && memcmp(t->prev, name, 16) == 0) {
    memcpy(key, t->prev, OTLS_TICKET_KEYS_LEN);
    found = 2;
  }
  pthread_mutex_unlock(&t->lock);
  return found;
}
