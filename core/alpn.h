/* omnitls — ALPN helpers (private; core/alpn.c). */
#ifndef OTLS_CORE_ALPN_H
#define OTLS_CORE_ALPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Iterate a wire list already checked with otls__alpn_wire_valid(): sets the
 * next name at *off and advances; false at the end (or on a bad length).
 */
bool otls__alpn_next(const uint8_t *wire, size_t len, size_t *off, const uint8_t **name,
                     size_t *name_len);

/* true when the wire list holds exactly `name`. */
bool otls__alpn_contains(const uint8_t *wire, size_t len, const uint8_t *name, size_t name_len);

/*
 * The server's choice: the first protocol of `server` (our preference
 * order) that `client` offered. false when there is none in common.
 */
bool otls__alpn_select(const uint8_t *server, size_t server_len, const uint8_t *client,
                       size_t client_len, const uint8_t **name, size_t *name_len);

#endif
