/* omnitls — bounded DER reader (see der.h). */
#include "der.h"

int otls__der_next(struct otls__der *d, unsigned *tag, const uint8_t **val, size_t *len) {
  const uint8_t *p = d->p, *end = d->end;
  if (end - p < 2)
    return -1;
  unsigned t = *p++;
  if ((t & 0x1f) == 0x1f) /* high tag numbers are not used in X.509 */
    return -1;
  size_t l = *p++;
  if (l & 0x80) {
    unsigned nbytes = l & 0x7f;
    if (nbytes == 0 || nbytes > 4 || (size_t)(end - p) < nbytes)
      return -1;
    l = 0;
    for (unsigned i = 0; i < nbytes; i++)
      l = (l << 8) | *p++;
    if (l < 0x80) /* DER: short form must be used */
      return -1;
  }
  if ((size_t)(end - p) < l)
    return -1;
  *tag = t;
  *val = p;
  *len = l;
  d->p = p + l;
  return 0;
}

int otls__der_expect(struct otls__der *d, unsigned want, struct otls__der *sub) {
  unsigned tag;
  const uint8_t *v;
  size_t l;
  struct otls__der save = *d;
  if (otls__der_next(d, &tag, &v, &l) < 0 || tag != want) {
    *d = save;
    return -1;
  }
  sub->p = v;
  sub->end = v + l;
  return 0;
}

int otls__der_peek(const struct otls__der *d) {
  if (d->p >= d->end)
    return -1;
  return *d->p;
}
