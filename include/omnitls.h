/*
 * omnitls — one TLS API (modelled on Node.js `tls`) over OpenSSL, BoringSSL,
 * wolfSSL or GnuTLS, chosen when the library is built.
 *
 * Umbrella header: include this one. See include/omnitls/common.h for the
 * conventions shared by every function (errors, ownership, buffers).
 */
#ifndef OMNITLS_H
#define OMNITLS_H

#include "omnitls/common.h"
#include "omnitls/errors.h"
#include "omnitls/version.h"
#include "omnitls/ciphers.h"
#include "omnitls/context.h"
#include "omnitls/conn.h"
#include "omnitls/cert.h"
#include "omnitls/identity.h"
#include "omnitls/socket.h"

#endif /* OMNITLS_H */
