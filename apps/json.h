/*
 * omnitls CLI — a small streaming JSON writer (one document per line).
 *
 * Values are appended to one growable buffer, reused from line to line.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD, so the output is always valid JSON whatever a peer sent.
 */
#ifndef OMNITLS_APPS_JSON_H
#define OMNITLS_APPS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
  char *buf;
  size_t len, cap;
  int depth;
  bool first[JSON_MAX_DEPTH + 1]; /* no member written yet at this depth */
  bool after_key;                 /* a key was written; its value comes next */
  bool failed;                    /* out of memory or nesting too deep */
};

void json_init(struct json *j);
void json_free(struct json *j);
/* Start a new document (keeps the buffer). */
void json_reset(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);

/* Values. json_string(j, NULL) writes null. */
void json_string(struct json *j, const char *s);
void json_string_n(struct json *j, const char *s, size_t n);
void json_base64(struct json *j, const uint8_t *data, size_t n);
void json_bool(struct json *j, bool v);
/* A value that is already valid JSON text (e.g. otls_cert_to_json()). */
void json_raw(struct json *j, const char *text, size_t n);
void json_null(struct json *j);
void json_int(struct json *j, long long v);

/* key + value shorthands */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_string_or_false(struct json *j, const char *key, const char *s);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_int(struct json *j, const char *key, long long v);

/* The document so far, NUL-terminated ("" after a failure). */
const char *json_text(const struct json *j);

/*
 * Write the document and a newline to `f` and flush it at once (scripts read
 * these lines while the program keeps running). Returns 0, or -1 when the
 * document could not be built or written.
 */
int json_print_line(struct json *j, FILE *f);

#endif
