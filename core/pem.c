/* omnitls — PEM decoding (see pem.h). */
#include "pem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *needle) {
  size_t n = strlen(needle);
  while ((size_t)(end - p) >= n) {
    const uint8_t *hit = memchr(p, needle[0], (size_t)(end - p) - n + 1);
    if (hit == NULL)
      return NULL;
    if (memcmp(hit, needle, n) == 0)
      return hit;
    p = hit + 1;
  }
  return NULL;
}

static int b64val(uint8_t ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

static bool is_space(uint8_t ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Strict base64: whitespace ignored, '=' only as final padding. */
static int b64_decode(const uint8_t *p, const uint8_t *end, uint8_t **out, size_t *out_len) {
  uint8_t *buf = malloc((size_t)(end - p) / 4 * 3 + 3);
  if (buf == NULL)
    return OTLS_E_NOMEM;
  uint32_t acc = 0;
  int nacc = 0, pad = 0;
  size_t n = 0;
  for (; p < end; p++) {
    if (is_space(*p))
      continue;
    if (*p == '=') {
      pad++;
      if (pad > 2)
        goto bad;
      continue;
    }
    int v = b64val(*p);
    if (v < 0 || pad)
      goto bad;
    acc = (acc << 6) | (uint32_t)v;
    if (++nacc == 4) {
      buf[n++] = (uint8_t)(acc >> 16);
      buf[n++] = (uint8_t)(acc >> 8);
      buf[n++] = (uint8_t)acc;
      acc = 0;
      nacc = 0;
    }
  }
  if (nacc == 2 && pad == 2) {
    buf[n++] = (uint8_t)(acc >> 4);
  } else if (nacc == 3 && pad == 1) {
    buf[n++] = (uint8_t)(acc >> 10);
    buf[n++] = (uint8_t)(acc >> 2);
  } else if (nacc != 0 || pad != 0) {
    goto bad;
  }
  if (n == 0)
    goto bad;
  *out = buf;
  *out_len = n;
  return 0;
bad:
  free(buf);
  return OTLS_E_PEM_BAD;
}

int otls__pem_next(const uint8_t **pp, const uint8_t *end, struct otls__pem_block *blk) {
  memset(blk, 0, sizeof(*blk));
  const uint8_t *begin = find(*pp, end, "-----BEGIN ");
  if (begin == NULL) {
    *pp = end;
    return 0;
  }
  const uint8_t *lab = begin + 11;
  const uint8_t *lab_end = find(lab, end, "-----");
  if (lab_end == NULL || lab_end - lab == 0 || (size_t)(lab_end - lab) >= sizeof(blk->label))
    return OTLS_E_PEM_BAD;
  for (const uint8_t *q = lab; q < lab_end; q++)
    if (*q < 0x20 || *q > 0x7e)
      return OTLS_E_PEM_BAD;
  size_t lab_len = (size_t)(lab_end - lab);
  memcpy(blk->label, lab, lab_len);
  blk->label[lab_len] = 0;

  const uint8_t *body = lab_end + 5;
  char endline[80];
  snprintf(endline, sizeof(endline), "-----END %s-----", blk->label);
  const uint8_t *stop = find(body, end, endline);
  if (stop == NULL)
    return OTLS_E_PEM_BAD;
  /* Nothing but whitespace may follow the BEGIN line on its own line. */
  while (body < stop && (*body == ' ' || *body == '\t' || *body == '\r'))
    body++;
  if (body < stop && *body == '\n')
    body++;

  /* RFC 1421 headers: "Name: value" lines ended by a blank line. */
  const uint8_t *line_end = memchr(body, '\n', (size_t)(stop - body));
  if (line_end != NULL && memchr(body, ':', (size_t)(line_end - body)) != NULL) {
    blk->has_headers = true;
    const uint8_t *blank = find(body, stop, "\n\n");
    const uint8_t *blank_crlf = find(body, stop, "\n\r\n");
    if (blank_crlf != NULL && (blank == NULL || blank_crlf < blank))
      blank = blank_crlf + 1;
    if (blank == NULL)
      return OTLS_E_PEM_BAD;
    body = blank + 2;
  }
  int rv = b64_decode(body, stop, &blk->der, &blk->der_len);
  if (rv < 0)
    return rv;
  blk->text = begin;
  blk->text_len = (size_t)(stop + strlen(endline) - begin);
  *pp = stop + strlen(endline);
  return 1;
}
