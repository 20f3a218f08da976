/*
 * omnitls — contexts by server name (Node.js: `server.addContext()`); the
 * matching rules are decided here for every backend (DESIGN.md §1).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sni_entry {
  char *pattern;
  otls_context *ctx;
};

struct otls_sni_map {
  struct sni_entry *e;
  size_t n, cap;
};

int otls_sni_map_new(otls_sni_map **out) {
  if (out == NULL)
    return OTLS_E_INVAL;
  *out = calloc(1, sizeof(**out));
  return *out ? 0 : OTLS_E_NOMEM;
}

int otls_sni_map_add(otls_sni_map *map, const char *pattern, otls_context *ctx) {
  if (map == NULL || pattern == NULL || *pattern == 0 || ctx == NULL || !ctx->has_cert)
    return OTLS_E_INVAL;
  if (map->n == map->cap) {
    size_t cap = map->cap ? map->cap * 2 : 4;
    struct sni_entry *e = realloc(map->e, cap * sizeof(*e));
    if (e == NULL)
      return OTLS_E_NOMEM;
    map->e = e;
    map->cap = cap;
  }
  char *p = strdup(pattern);
  if (p == NULL)
    return OTLS_E_NOMEM;
  map->e[map->n].pattern = p;
  map->e[map->n].ctx = otls_context_ref(ctx);
  map->n++;
  return 0;
}

static char lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch; }

/*
 * Node turns a pattern into the regular expression ^pattern$ with every '*'
 * meaning [^.]* and matches case-insensitively. This is the same language
 * without a regex engine: the set of name positions reachable after each
 * pattern character, so a hostile name costs O(pattern x name), never more.
 */
bool otls__sni_match(const char *pat, const char *name) {
  size_t n = strlen(name);
  if (n > 255)
    return false;
  bool reach[256 + 1], next[256 + 1];
  memset(reach, 0, sizeof(reach));
  reach[0] = true;
  for (; *pat; pat++) {
    memset(next, 0, sizeof(next));
    bool any = false;
    for (size_t i = 0; i <= n; i++) {
      if (!reach[i])
        continue;
      if (*pat == '*') {
        /* Zero or more characters other than '.'. */
        for (size_t j = i; j <= n; j++) {
          next[j] = true;
          if (j == n || name[j] == '.')
            break;
        }
        any = true;
      } else if (i < n && lower(*pat) == lower(name[i])) {
        next[i + 1] = true;
        any = true;
      }
    }
    if (!any)
      return false;
    memcpy(reach, next, sizeof(reach));
  }
  return reach[n];
}

otls_context *otls_sni_map_find(const otls_sni_map *map, const char *servername) {
  if (map == NULL || servername == NULL)
    return NULL;
  for (size_t i = map->n; i-- > 0;)
    if (otls__sni_match(map->e[i].pattern, servername))
      return map->e[i].ctx;
  return NULL;
}

void otls_sni_map_free(otls_sni_map *map) {
  if (map == NULL)
    return;
  for (size_t i = 0; i < map->n; i++) {
    free(map->e[i].pattern);
    otls_context_free(map->e[i].ctx);
  }
  free(map->e);
  free(map);
}
