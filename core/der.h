/*
 * omnitls — a bounded DER (ASN.1) reader (private). Every read checks its
 * length against what remains; nothing is trusted.
 */
#ifndef OTLS_CORE_DER_H
#define OTLS_CORE_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct otls__der {
  const uint8_t *p;
  const uint8_t *end;
};

/* Universal / context tags as the full identifier byte. */
#define DER_BOOLEAN 0x01
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_UTF8 0x0c
#define DER_PRINTABLE 0x13
#define DER_T61 0x14
#define DER_IA5 0x16
#define DER_UTCTIME 0x17
#define DER_GENTIME 0x18
#define DER_BMP 0x1e
#define DER_UNIVERSAL 0x1c
#define DER_SEQUENCE 0x30
#define DER_SET 0x31

static inline struct otls__der otls__der_init(const uint8_t *p, size_t len) {
  struct otls__der d = {p, p + len};
  return d;
}
static inline bool otls__der_empty(const struct otls__der *d) { return d->p >= d->end; }

/*
 * Read one TLV. Returns 0 with *tag, *val, *len set (and `d` advanced), or
 * -1 on malformed input (high-tag-number form, indefinite or overlong
 * lengths, length past the end).
 */
int otls__der_next(struct otls__der *d, unsigned *tag, const uint8_t **val, size_t *len);

/* Read one TLV that must have tag `want`; its contents become `sub`. */
int otls__der_expect(struct otls__der *d, unsigned want, struct otls__der *sub);

/* Peek the next tag without consuming; -1 when empty. */
int otls__der_peek(const struct otls__der *d);

#endif
