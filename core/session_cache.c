/*
 * omnitls — the server's session cache (TLS <= 1.2 session IDs), one per
 * context, decided in core for every backend (BACKENDS.md (b) 4): wolfSSL's
 * own cache is process-wide and ignores the session-id context, GnuTLS's
 * needs callbacks anyway, so every backend calls the same hooks here.
 *
 * TLS 1.3 resumes by tickets only (core/tickets.c); a session ID cache there
 * would only work on OpenSSL. Node's `newSession` / `resumeSession` events
 * replace this cache when the application sets them (core/conn.c).
 *
 * Small and bounded: at most OTLS__SESS_CACHE_MAX entries, the oldest
 * replaced first; expired entries are never returned.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define OTLS__SESS_CACHE_MAX 1024u

struct otls__sess_entry {
  uint8_t id[32];
  uint8_t id_len;
  uint8_t *data;
  size_t len;
  uint64_t expires;
};

int otls__sess_cache_init(struct otls__sess_cache *sc) {
  memset(sc, 0, sizeof(*sc));
  return pthread_mutex_init(&sc->lock, NULL) == 0 ? 0 : OTLS_E_NOMEM;
}

void otls__sess_cache_free(struct otls__sess_cache *sc) {
  for (size_t i = 0; i < sc->n; i++)
    free(sc->e[i].data);
  free(sc->e);
  pthread_mutex_destroy(&sc->lock);
}

static uint64_t now(void) { return (uint64_t)time(NULL); }

void otls__sess_cache_put(struct otls__sess_cache *sc, const uint8_t *id, size_t id_len,
                          const uint8_t *data, size_t len, unsigned timeout) {
  if (id_len == 0 || id_len > 32 || len == 0)
    return;
  uint8_t *copy = malloc(len);
  if (copy == NULL)
    return; /* a cache may forget */
  memcpy(copy, data, len);
  pthread_mutex_lock(&sc->lock);
  struct otls__sess_entry *slot = NULL;
  for (size_t i = 0; i < sc->n && slot == NULL; i++)
    if (sc->e[i].id_len == id_len && memcmp(sc->e[i].id, id, id_len) == 0)
      slot = &sc->e[i];
  if (slot == NULL && sc->n < OTLS__SESS_CACHE_MAX) {
    if (sc->n == sc->cap) {
      size_t cap = sc->cap ? sc->cap * 2 : 16;
      struct otls__sess_entry *e = realloc(sc->e, cap * sizeof(*e));
      if (e) {
        sc->e = e;
        sc->cap = cap;
      }
    }
    if (sc->n < sc->cap) {
      slot = &sc->e[sc->n++];
      slot->data = NULL;
    }
  }
  if (slot == NULL) {
    /* Full: replace the entry written longest ago (a ring). */
    slot = &sc->e[sc->next++ % sc->n];
  }
  free(slot->data);
  memcpy(slot->id, id, id_len);
  slot->id_len = (uint8_t)id_len;
  slot->data = copy;
  slot->len = len;
  slot->expires = now() + timeout;
  pthread_mutex_unlock(&sc->lock);
}

int otls__sess_cache_get(struct otls__sess_cache *sc, const uint8_t *id, size_t id_len,
                         uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  int rv = 0;
  pthread_mutex_lock(&sc->lock);
  uint64_t t = now();
  for (size_t i = 0; i < sc->n; i++) {
    struct otls__sess_entry *e = &sc->e[i];
    if (e->id_len != id_len || memcmp(e->id, id, id_len) != 0)
      continue;
    if (e->expires <= t)
      break;
    if ((*data = malloc(e->len)) == NULL) {
      rv = OTLS_E_NOMEM;
      break;
    }
    memcpy(*data, e->data, e->len);
    *len = e->len;
    rv = 1;
    break;
  }
  pthread_mutex_unlock(&sc->lock);
  return rv;
}
