/* omnitls CLI — the JSON writer (json.h). */
#include "json.h"

#include <stdlib.h>
#include <string.h>

void json_init(struct json *j) {
  memset(j, 0, sizeof(*j));
  j->first[0] = true;
}

void json_free(struct json *j) {
  free(j->buf);
  memset(j, 0, sizeof(*j));
}

void json_reset(struct json *j) {
  j->len = 0;
  j->depth = 0;
  j->first[0] = true;
  j->after_key = false;
  j->failed = false;
  if (j->buf)
    j->buf[0] = 0;
}

static bool reserve(struct json *j, size_t more) {
  if (j->failed)
    return false;
  if (j->len + more + 1 <= j->cap)
    return true;
  size_t cap = j->cap ? j->cap : 256;
  while (cap < j->len + more + 1)
    cap *= 2;
  char *p = realloc(j->buf, cap);
  if (p == NULL) {
    j->failed = true;
    return false;
  }
  j->buf = p;
  j->cap = cap;
  return true;
}

static void put(struct json *j, const char *s, size_t n) {
  if (!reserve(j, n))
    return;
  memcpy(j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = 0;
}

static void putc_(struct json *j, char c) { put(j, &c, 1); }

/* The separator before a value or key at the current depth. */
static void before_value(struct json *j) {
  if (j->after_key) {
    j->after_key = false;
    return;
  }
  if (!j->first[j->depth])
    putc_(j, ',');
  j->first[j->depth] = false;
}

static void open_(struct json *j, char c) {
  before_value(j);
  if (j->depth == JSON_MAX_DEPTH) {
    j->failed = true;
    return;
  }
  putc_(j, c);
  j->depth++;
  j->first[j->depth] = true;
}

static void close_(struct json *j, char c) {
  if (j->depth == 0) {
    j->failed = true;
    return;
  }
  putc_(j, c);
  j->depth--;
}

void json_object_begin(struct json *j) { open_(j, '{'); }
void json_object_end(struct json *j) { close_(j, '}'); }
void json_array_begin(struct json *j) { open_(j, '['); }
void json_array_end(struct json *j) { close_(j, ']'); }

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. RFC 3629 §4. */
static size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; /* no overlong forms */
    if (c == 0xED)
      hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    if (c == 0xF4)
      hi = 0x8F;
  } else
    return 0;
  if (n < len)
    return 0;
  if (p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return len;
}

static void put_escaped(struct json *j, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  putc_(j, '"');
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      size_t k = i;
      while (k < n && p[k] >= 0x20 && p[k] < 0x7f && p[k] != '"' && p[k] != '\\')
        k++;
      put(j, s + i, k - i);
      i = k;
      continue;
    }
    switch (c) {
    case '"':
      put(j, "\\\"", 2);
      break;
    case '\\':
      put(j, "\\\\", 2);
      break;
    case '\n':
      put(j, "\\n", 2);
      break;
    case '\r':
      put(j, "\\r", 2);
      break;
    case '\t':
      put(j, "\\t", 2);
      break;
    case '\b':
      put(j, "\\b", 2);
      break;
    case '\f':
      put(j, "\\f", 2);
      break;
    default:
      if (c < 0x80) { /* other controls and DEL */
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        put(j, u, sizeof(u));
        break;
      }
      size_t l = utf8_len(p + i, n - i);
      if (l == 0) {
        put(j, "\\ufffd", 6);
        break;
      }
      put(j, s + i, l);
      i += l;
      continue;
    }
    i++;
  }
  putc_(j, '"');
}

void json_key(struct json *j, const char *key) {
  before_value(j);
  put_escaped(j, key, strlen(key));
  putc_(j, ':');
  j->after_key = true;
}

void json_string_n(struct json *j, const char *s, size_t n) {
  before_value(j);
  put_escaped(j, s, n);
}

void json_raw(struct json *j, const char *text, size_t n) {
  before_value(j);
  put(j, text, n);
}

void json_string(struct json *j, const char *s) {
  if (s == NULL)
    json_null(j);
  else
    json_string_n(j, s, strlen(s));
}

void json_base64(struct json *j, const uint8_t *d, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  before_value(j);
  if (!reserve(j, 4 * ((n + 2) / 3) + 2))
    return;
  char *o = j->buf + j->len;
  *o++ = '"';
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = tab[(v >> 6) & 63];
    *o++ = tab[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  *o++ = '"';
  j->len = (size_t)(o - j->buf);
  j->buf[j->len] = 0;
}

void json_bool(struct json *j, bool v) {
  before_value(j);
  if (v)
    put(j, "true", 4);
  else
    put(j, "false", 5);
}

void json_null(struct json *j) {
  before_value(j);
  put(j, "null", 4);
}

void json_int(struct json *j, long long v) {
  char b[32];
  int n = snprintf(b, sizeof(b), "%lld", v);
  before_value(j);
  put(j, b, (size_t)n);
}

void json_kv_string(struct json *j, const char *key, const char *s) {
  json_key(j, key);
  json_string(j, s);
}

void json_kv_string_or_false(struct json *j, const char *key, const char *s) {
  json_key(j, key);
  if (s)
    json_string(j, s);
  else
    json_bool(j, false);
}

void json_kv_bool(struct json *j, const char *key, bool v) {
  json_key(j, key);
  json_bool(j, v);
}

void json_kv_int(struct json *j, const char *key, long long v) {
  json_key(j, key);
  json_int(j, v);
}

const char *json_text(const struct json *j) { return j->failed || !j->buf ? "" : j->buf; }

int json_print_line(struct json *j, FILE *f) {
  if (j->failed || j->depth != 0 || j->len == 0)
    return -1;
  if (fwrite(j->buf, 1, j->len, f) != j->len || fputc('\n', f) == EOF || fflush(f) != 0)
    return -1;
  return 0;
}
