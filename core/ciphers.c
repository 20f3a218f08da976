/*
 * omnitls — cipher strings: OpenSSL's grammar (openssl-ciphers(1)) evaluated
 * once, in core, against the one suite table (DESIGN.md §1), plus Node's
 * handling of TLS 1.3 names in the same string, the process-wide default
 * (Node's tls.DEFAULT_CIPHERS / --tls-cipher-list) and getCiphers().
 *
 * For TLS <= 1.2 suites this reproduces OpenSSL 3.0's ssl_create_cipher_list()
 * step by step: the same initial preference order, the same rule semantics
 * (add, '-' delete, '!' kill, '+' move to the end, '@STRENGTH'), the same
 * aliases with the same attribute masks, the same quirks. It is written from
 * the documented behaviour and checked against the `openssl` binary by
 * tests/unit/test_ciphers.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ciphers.h"

_Static_assert(OTLS_CIPHERS_MAX <= 0xffff, "suite indexes are 16-bit");

/* --- the rule engine over TLS <= 1.2 suites ------------------------------ */

enum rule { RULE_ADD, RULE_KILL, RULE_DEL, RULE_ORD, RULE_SPECIAL, RULE_BUMP };

/* Which suites a rule applies to: every non-zero field must match. */
struct pattern {
  uint16_t id; /* one suite (a name), 0 = any */
  uint32_t kx, auth, enc, mac;
  uint16_t min_version; /* exact minimum version (TLSv1.2 etc.), 0 = any */
  uint8_t strength;     /* OTLS__STR_* classes, 0 = any */
  int bits;             /* >= 0: only "strength bits == bits" counts */
};

/*
 * The list being ordered: indexes into otls__suites. Killed suites leave the
 * list for good; the others are active (selected) or not.
 */
struct engine {
  uint16_t order[OTLS_CIPHERS_MAX];
  size_t n;
  bool active[OTLS_CIPHERS_MAX]; /* by table index */
};

static bool matches(const struct otls__suite *s, const struct pattern *p) {
  if (p->bits >= 0)
    return s->bits == p->bits;
  if (p->id && p->id != s->id)
    return false;
  if ((p->kx && !(p->kx & s->kx)) || (p->auth && !(p->auth & s->auth)) ||
      (p->enc && !(p->enc & s->enc)) || (p->mac && !(p->mac & s->mac)))
    return false;
  if (p->min_version && p->min_version != s->min_version)
    return false;
  if ((p->strength & OTLS__STR_STRONG_MASK) && !(p->strength & OTLS__STR_STRONG_MASK & s->strength))
    return false;
  if ((p->strength & OTLS__STR_DEFAULT_MASK) &&
      !(p->strength & OTLS__STR_DEFAULT_MASK & s->strength))
    return false;
  return true;
}

/*
 * One rule, as OpenSSL's ssl_cipher_apply_rule() does it: ADD appends the
 * matching inactive suites to the end (in list order) and activates them;
 * ORD ('+') moves the matching active ones to the end; DEL ('-') moves them
 * to the front, inactive, so that a later ADD finds them in their old
 * relative order; BUMP moves them to the front, still active; KILL ('!')
 * removes every matching suite for good.
 */
static void apply(struct engine *en, const struct pattern *p, enum rule r) {
  uint16_t moved[OTLS_CIPHERS_MAX], kept[OTLS_CIPHERS_MAX];
  size_t nm = 0, nk = 0;
  for (size_t i = 0; i < en->n; i++) {
    uint16_t idx = en->order[i];
    bool m = matches(&otls__suites[idx], p);
    bool sel = r == RULE_KILL ? m : r == RULE_ADD ? m && !en->active[idx] : m && en->active[idx];
    if (sel)
      moved[nm++] = idx;
    else
      kept[nk++] = idx;
  }
  if (nm == 0)
    return;
  for (size_t i = 0; i < nm; i++)
    en->active[moved[i]] = r == RULE_ADD || r == RULE_ORD || r == RULE_BUMP;
  bool to_front = r == RULE_DEL || r == RULE_BUMP;
  if (r == RULE_KILL)
    nm = 0;
  const uint16_t *first = to_front ? moved : kept, *second = to_front ? kept : moved;
  size_t n1 = to_front ? nm : nk, n2 = to_front ? nk : nm;
  memcpy(en->order, first, n1 * sizeof(uint16_t));
  memcpy(en->order + n1, second, n2 * sizeof(uint16_t));
  en->n = n1 + n2;
}

static void apply_masks(struct engine *en, uint32_t kx, uint32_t auth, uint32_t enc, uint32_t mac,
                        uint16_t min_version, enum rule r) {
  struct pattern p = {
      .kx = kx, .auth = auth, .enc = enc, .mac = mac, .min_version = min_version, .bits = -1};
  apply(en, &p, r);
}

/* @STRENGTH: the active suites by decreasing strength bits, stably. */
#define MAX_BITS 256 /* no suite is stronger (test_ciphers checks the table) */
static void strength_sort(struct engine *en) {
  bool used[MAX_BITS + 1] = {false};
  for (size_t i = 0; i < en->n; i++)
    if (en->active[en->order[i]] && otls__suites[en->order[i]].bits <= MAX_BITS)
      used[otls__suites[en->order[i]].bits] = true;
  for (int b = MAX_BITS; b >= 0; b--)
    if (used[b]) {
      struct pattern p = {.bits = b};
      apply(en, &p, RULE_ORD);
    }
}

/*
 * OpenSSL's preference order before any cipher string is applied
 * (ssl_create_cipher_list()): start from its table in reverse, then ECDHE
 * with ECDSA first, AES-GCM over CHACHA20 over other AES, MD5 / anonymous /
 * RSA key exchange / PSK last, by strength, then TLS 1.2 suites, AEAD,
 * (EC)DHE and (EC)DHE+AEAD bumped to the front in that order. Everything
 * ends inactive, in that order.
 */
static void arrange(struct engine *en, unsigned backends) {
  en->n = 0;
  memset(en->active, 0, sizeof(en->active));
  for (size_t i = otls__n_suites; i-- > 0;) {
    const struct otls__suite *s = &otls__suites[i];
    if (s->min_version != OTLS__TLS1_3 && (s->backends & backends))
      en->order[en->n++] = (uint16_t)i;
  }
  apply_masks(en, OTLS__KX_ECDHE, OTLS__AU_ECDSA, 0, 0, 0, RULE_ADD);
  apply_masks(en, OTLS__KX_ECDHE, 0, 0, 0, 0, RULE_ADD);
  apply_masks(en, OTLS__KX_ECDHE, 0, 0, 0, 0, RULE_DEL);
  apply_masks(en, 0, 0, OTLS__ENC_AESGCM, 0, 0, RULE_ADD);
  apply_masks(en, 0, 0, OTLS__ENC_CHACHA20POLY1305, 0, 0, RULE_ADD);
  apply_masks(en, 0, 0, OTLS__ENC_AES ^ OTLS__ENC_AESGCM, 0, 0, RULE_ADD);
  apply_masks(en, 0, 0, 0, 0, 0, RULE_ADD);
  apply_masks(en, 0, 0, 0, OTLS__MAC_MD5, 0, RULE_ORD);
  apply_masks(en, 0, OTLS__AU_NULL, 0, 0, 0, RULE_ORD);
  apply_masks(en, OTLS__KX_RSA, 0, 0, 0, 0, RULE_ORD);
  apply_masks(en, OTLS__KX_PSK, 0, 0, 0, 0, RULE_ORD);
  apply_masks(en, 0, 0, OTLS__ENC_RC4, 0, 0, RULE_ORD);
  strength_sort(en);
  apply_masks(en, 0, 0, 0, 0, OTLS__TLS1_2, RULE_BUMP);
  apply_masks(en, 0, 0, 0, OTLS__MAC_AEAD, 0, RULE_BUMP);
  apply_masks(en, OTLS__KX_DHE | OTLS__KX_ECDHE, 0, 0, 0, 0, RULE_BUMP);
  apply_masks(en, OTLS__KX_DHE | OTLS__KX_ECDHE, 0, 0, OTLS__MAC_AEAD, 0, RULE_BUMP);
  apply_masks(en, 0, 0, 0, 0, 0, RULE_DEL);
}

/* --- names and aliases -------------------------------------------------- */

/* OpenSSL 3.0's aliases (ssl_ciph.c, cipher_aliases[]). */
static const struct alias {
  const char *name;
  uint32_t kx, auth, enc, mac;
  uint16_t min_version;
  uint8_t strength;
} aliases[] = {
    /* "ALL" leaves out NULL encryption, which must be asked for by name. */
    {"ALL", .enc = ~OTLS__ENC_eNULL},
    {"COMPLEMENTOFALL", .enc = OTLS__ENC_eNULL},
    {"COMPLEMENTOFDEFAULT", .strength = OTLS__STR_NOT_DEFAULT},
    /* key exchange */
    {"kRSA", .kx = OTLS__KX_RSA},
    {"kEDH", .kx = OTLS__KX_DHE},
    {"kDHE", .kx = OTLS__KX_DHE},
    {"DH", .kx = OTLS__KX_DHE},
    {"kEECDH", .kx = OTLS__KX_ECDHE},
    {"kECDHE", .kx = OTLS__KX_ECDHE},
    {"ECDH", .kx = OTLS__KX_ECDHE},
    {"kPSK", .kx = OTLS__KX_PSK},
    {"kRSAPSK", .kx = OTLS__KX_RSAPSK},
    {"kECDHEPSK", .kx = OTLS__KX_ECDHEPSK},
    {"kDHEPSK", .kx = OTLS__KX_DHEPSK},
    {"kSRP", .kx = OTLS__KX_SRP},
    /* authentication */
    {"aRSA", .auth = OTLS__AU_RSA},
    {"aDSS", .auth = OTLS__AU_DSS},
    {"DSS", .auth = OTLS__AU_DSS},
    {"aNULL", .auth = OTLS__AU_NULL},
    {"aECDSA", .auth = OTLS__AU_ECDSA},
    {"ECDSA", .auth = OTLS__AU_ECDSA},
    {"aPSK", .auth = OTLS__AU_PSK},
    {"aSRP", .auth = OTLS__AU_SRP},
    /* key exchange + authentication */
    {"EDH", .kx = OTLS__KX_DHE, .auth = ~OTLS__AU_NULL},
    {"DHE", .kx = OTLS__KX_DHE, .auth = ~OTLS__AU_NULL},
    {"EECDH", .kx = OTLS__KX_ECDHE, .auth = ~OTLS__AU_NULL},
    {"ECDHE", .kx = OTLS__KX_ECDHE, .auth = ~OTLS__AU_NULL},
    {"NULL", .enc = OTLS__ENC_eNULL},
    {"RSA", .kx = OTLS__KX_RSA, .auth = OTLS__AU_RSA},
    {"ADH", .kx = OTLS__KX_DHE, .auth = OTLS__AU_NULL},
    {"AECDH", .kx = OTLS__KX_ECDHE, .auth = OTLS__AU_NULL},
    {"PSK", .kx = OTLS__KX_ALL_PSK},
    {"SRP", .kx = OTLS__KX_SRP},
    /* bulk encryption (RC4, RC2, IDEA and SEED select nothing: no such suite) */
    {"3DES", .enc = OTLS__ENC_3DES},
    {"RC4", .enc = OTLS__ENC_RC4},
    {"RC2", .enc = OTLS__ENC_RC2},
    {"IDEA", .enc = OTLS__ENC_IDEA},
    {"SEED", .enc = OTLS__ENC_SEED},
    {"eNULL", .enc = OTLS__ENC_eNULL},
    {"AES128",
     .enc = OTLS__ENC_AES128 | OTLS__ENC_AES128GCM | OTLS__ENC_AES128CCM | OTLS__ENC_AES128CCM8},
    {"AES256",
     .enc = OTLS__ENC_AES256 | OTLS__ENC_AES256GCM | OTLS__ENC_AES256CCM | OTLS__ENC_AES256CCM8},
    {"AES", .enc = OTLS__ENC_AES},
    {"AESGCM", .enc = OTLS__ENC_AESGCM},
    {"AESCCM", .enc = OTLS__ENC_AESCCM},
    {"AESCCM8", .enc = OTLS__ENC_AES128CCM8 | OTLS__ENC_AES256CCM8},
    {"CAMELLIA128", .enc = OTLS__ENC_CAMELLIA128},
    {"CAMELLIA256", .enc = OTLS__ENC_CAMELLIA256},
    {"CAMELLIA", .enc = OTLS__ENC_CAMELLIA},
    {"CHACHA20", .enc = OTLS__ENC_CHACHA20POLY1305},
    {"ARIA", .enc = OTLS__ENC_ARIA},
    {"ARIAGCM", .enc = OTLS__ENC_ARIA},
    {"ARIA128", .enc = OTLS__ENC_ARIA128GCM},
    {"ARIA256", .enc = OTLS__ENC_ARIA256GCM},
    {"CBC", .enc = OTLS__ENC_CBC},
    /* MAC */
    {"MD5", .mac = OTLS__MAC_MD5},
    {"SHA1", .mac = OTLS__MAC_SHA1},
    {"SHA", .mac = OTLS__MAC_SHA1},
    {"SHA256", .mac = OTLS__MAC_SHA256},
    {"SHA384", .mac = OTLS__MAC_SHA384},
    /* the suite's minimum protocol version, matched exactly */
    {"SSLv3", .min_version = OTLS__SSL3},
    {"TLSv1", .min_version = OTLS__TLS1_0},
    {"TLSv1.0", .min_version = OTLS__TLS1_0},
    {"TLSv1.2", .min_version = OTLS__TLS1_2},
    /* strength classes */
    {"LOW", .strength = OTLS__STR_LOW},
    {"MEDIUM", .strength = OTLS__STR_MEDIUM},
    {"HIGH", .strength = OTLS__STR_HIGH},
    {"FIPS", .enc = ~OTLS__ENC_eNULL, .strength = OTLS__STR_FIPS},
};

/* A word of a rule: a TLS <= 1.2 suite (by either name) or an alias. */
struct word {
  uint16_t id; /* the suite's id, 0 for an alias */
  uint32_t kx, auth, enc, mac;
  uint16_t min_version;
  uint8_t strength;
};

static bool lookup_word(const char *w, size_t len, struct word *out) {
  const struct otls__suite *s = otls__suite_by_name(w, len);
  if (s != NULL && s->min_version != OTLS__TLS1_3) {
    *out = (struct word){s->id, s->kx, s->auth, s->enc, s->mac, s->min_version, s->strength};
    return true;
  }
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(aliases); i++) {
    const struct alias *a = &aliases[i];
    if (strlen(a->name) == len && memcmp(a->name, w, len) == 0) {
      *out = (struct word){0, a->kx, a->auth, a->enc, a->mac, a->min_version, a->strength};
      return true;
    }
  }
  return false;
}

/* "A+B": masks intersect; an empty intersection drops the whole rule. */
static bool narrow(uint32_t *acc, uint32_t v) {
  if (v == 0)
    return true;
  *acc = *acc ? *acc & v : v;
  return *acc != 0;
}

/*
 * The strength classes of "A+B", exactly as OpenSSL combines them (note
 * that a strength word after a NOT_DEFAULT word drops NOT_DEFAULT:
 * "COMPLEMENTOFDEFAULT+HIGH" is HIGH, in OpenSSL too).
 */
static bool narrow_strength(uint8_t *acc, uint8_t v) {
  const unsigned strong = OTLS__STR_STRONG_MASK, def = OTLS__STR_DEFAULT_MASK;
  if (v & strong) {
    if (*acc & strong) {
      *acc &= (uint8_t)((v & strong) | ~strong);
      if (!(*acc & strong))
        return false;
    } else {
      *acc = (uint8_t)(v & strong);
    }
  }
  if (v & def) {
    if (*acc & def) {
      *acc &= (uint8_t)((v & def) | ~def);
      if (!(*acc & def))
        return false;
    } else {
      *acc |= (uint8_t)(v & def);
    }
  }
  return true;
}

static bool is_sep(char c) {
  return c == ':' || c == ',' || c == ' ' || c == ';';
}

/* OpenSSL's word characters, plus '_' for IANA names. */
static bool is_word_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '=' || c == '_';
}

/*
 * Apply a rule string (ssl_cipher_process_rulestr()). Unknown words are
 * ignored; a rule that does not start with a word, or an unknown
 * "@command", is a syntax error.
 */
static int process_rules(struct engine *en, const char *l, struct otls__cipher_list *out,
                         char *detail, size_t detail_len) {
  for (;;) {
    char ch = *l;
    if (ch == '\0')
      break;
    enum rule rule = RULE_ADD;
    switch (ch) {
    case '-':
      rule = RULE_DEL;
      l++;
      break;
    case '+':
      rule = RULE_ORD;
      l++;
      break;
    case '!':
      rule = RULE_KILL;
      l++;
      break;
    case '@':
      rule = RULE_SPECIAL;
      l++;
      break;
    default:
      if (is_sep(ch)) {
        l++;
        continue;
      }
    }

    struct pattern p = {.bits = -1};
    bool found = false;
    const char *w;
    size_t wlen;
    for (;;) {
      w = l;
      for (wlen = 0; is_word_char(*l); wlen++)
        l++;
      if (wlen == 0) {
        otls__detail(detail, detail_len, "cipher string: a rule must be a name, at \"%.20s\"",
                     *w ? w : "(end)");
        return OTLS_E_INVAL;
      }
      if (rule == RULE_SPECIAL)
        break;
      bool multi = *l == '+';
      if (multi)
        l++;
      struct word wd;
      p.id = 0;
      if (!(found = lookup_word(w, wlen, &wd)))
        break;
      if (!narrow(&p.kx, wd.kx) || !narrow(&p.auth, wd.auth) || !narrow(&p.enc, wd.enc) ||
          !narrow(&p.mac, wd.mac) || !narrow_strength(&p.strength, wd.strength)) {
        found = false;
        break;
      }
      if (wd.id != 0) {
        /* A suite's own minimum version is not part of the pattern. */
        p.id = wd.id;
      } else if (wd.min_version != 0) {
        if (p.min_version != 0 && p.min_version != wd.min_version) {
          found = false;
          break;
        }
        p.min_version = wd.min_version;
      }
      if (!multi)
        break;
    }

    if (rule == RULE_SPECIAL) {
      if (wlen == 8 && memcmp(w, "STRENGTH", 8) == 0) {
        strength_sort(en);
      } else if (wlen == 10 && memcmp(w, "SECLEVEL=", 9) == 0 && w[9] >= '0' && w[9] <= '5') {
        out->seclevel = w[9] - '0';
      } else {
        otls__detail(detail, detail_len, "cipher string: unknown command \"@%.*s\"",
                     (int)(wlen > 40 ? 40 : wlen), w);
        return OTLS_E_INVAL;
      }
      /* "@" takes no "+" combinations: the rest of the word goes. */
      while (*l != '\0' && !is_sep(*l))
        l++;
    } else if (found) {
      apply(en, &p, rule);
    } else {
      while (*l != '\0' && !is_sep(*l))
        l++;
    }
    if (*l == '\0')
      break;
  }
  return 0;
}

/* OpenSSL's DEFAULT (OSSL_default_cipher_list()). */
static const char openssl_default[] = "ALL:!COMPLEMENTOFDEFAULT:!eNULL";

/* ssl_create_cipher_list() for a rule string already stripped of TLS 1.3 names. */
static int eval_tls12(const char *rules, unsigned backends, struct otls__cipher_list *out,
                      char *detail, size_t detail_len) {
  /* Suite B (RFC 6460) replaces the whole string, as in OpenSSL. */
  static const struct {
    const char *prefix, *rules;
  } suiteb[] = {
      {"SUITEB128ONLY", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"SUITEB128C2", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"SUITEB128", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"SUITEB192", "ECDHE-ECDSA-AES256-GCM-SHA384"},
  };
  for (size_t i = 0; i < OTLS_ARRAY_SIZE(suiteb); i++)
    if (strncmp(rules, suiteb[i].prefix, strlen(suiteb[i].prefix)) == 0) {
      rules = suiteb[i].rules;
      out->suiteb = true;
      break;
    }

  struct engine en;
  arrange(&en, backends);
  int rv;
  /* "DEFAULT" is only a keyword at the very start. */
  if (strncmp(rules, "DEFAULT", 7) == 0) {
    if ((rv = process_rules(&en, openssl_default, out, detail, detail_len)) < 0)
      return rv;
    rules += 7;
    if (*rules == ':')
      rules++;
  }
  if ((rv = process_rules(&en, rules, out, detail, detail_len)) < 0)
    return rv;
  for (size_t i = 0; i < en.n; i++)
    if (en.active[en.order[i]])
      out->ids[out->n++] = otls__suites[en.order[i]].id;
  return 0;
}

/* The cipher string proper: TLS 1.3 names apart, as Node does. */
static int eval_string(const char *str, unsigned backends, struct otls__cipher_list *out,
                       char *detail, size_t detail_len) {
  *out = (struct otls__cipher_list){.seclevel = -1};
  size_t len = strlen(str);
  if (len > OTLS__CIPHERS_MAXLEN) {
    otls__detail(detail, detail_len, "cipher string longer than %d bytes", OTLS__CIPHERS_MAXLEN);
    return OTLS_E_INVAL;
  }

  /* Split at separators; keep TLS <= 1.2 rules, joined by ':', in `rules`. */
  char rules[OTLS__CIPHERS_MAXLEN + 1];
  size_t rlen = 0, n_rules = 0, n_tls13_words = 0;
  uint16_t tls13[OTLS_CIPHERS_MAX];
  size_t n13 = 0;
  for (const char *p = str; *p != '\0';) {
    if (is_sep(*p)) {
      p++;
      continue;
    }
    const char *e = p;
    while (*e != '\0' && !is_sep(*e))
      e++;
    size_t elen = (size_t)(e - p);
    const struct otls__suite *s = NULL;
    bool tls13_word = false;
    if (elen >= 4 && memcmp(p, "TLS_", 4) == 0) {
      s = otls__suite_by_name(p, elen);
      tls13_word = s == NULL || s->min_version == OTLS__TLS1_3;
    }
    if (tls13_word) {
      n_tls13_words++;
      bool dup = false;
      for (size_t i = 0; s != NULL && i < n13; i++)
        dup = dup || tls13[i] == s->id;
      if (s != NULL && (s->backends & backends) && !dup)
        tls13[n13++] = s->id;
    } else {
      if (rlen)
        rules[rlen++] = ':';
      memcpy(rules + rlen, p, elen);
      rlen += elen;
      n_rules++;
    }
    p = e;
  }
  rules[rlen] = '\0';

  if (n_rules == 0 && n_tls13_words == 0) {
    otls__detail(detail, detail_len, "cipher string names no cipher");
    return OTLS_E_INVAL;
  }
  if (n_tls13_words > 0 && n13 == 0) {
    otls__detail(detail, detail_len, "no TLS 1.3 cipher suite matches the cipher string");
    return OTLS_E_NO_CIPHER_MATCH;
  }
  if (n_tls13_words == 0) {
    for (size_t i = 0; i < otls__n_default_suites; i++) {
      const struct otls__suite *s = otls__suite_by_id(otls__default_suites[i]);
      if (s != NULL && s->min_version == OTLS__TLS1_3 && (s->backends & backends))
        tls13[n13++] = s->id;
    }
  }
  out->tls13_named = n_tls13_words > 0;
  memcpy(out->ids, tls13, n13 * sizeof(uint16_t));
  out->n = out->n13 = n13;

  if (n_rules > 0) {
    int rv = eval_tls12(rules, backends, out, detail, detail_len);
    if (rv < 0)
      return rv;
    if (out->n == out->n13) {
      otls__detail(detail, detail_len, "no TLS <= 1.2 cipher suite matches the cipher string");
      return OTLS_E_NO_CIPHER_MATCH;
    }
  }
  return 0;
}

/* --- the process default -------------------------------------------------- */

/* Every default ever set is kept, so returned pointers stay valid. */
struct kept {
  struct kept *next;
  char s[];
};

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept *kept_strings;
static const char *default_string; /* NULL: the built-in one */
static int env_error;              /* OMNITLS_CIPHER_LIST could not be kept */

/* Caller holds default_lock (or runs inside pthread_once). */
static const char *keep(const char *s) {
  size_t len = strlen(s);
  struct kept *k = malloc(sizeof(*k) + len + 1);
  if (k == NULL)
    return NULL;
  memcpy(k->s, s, len + 1);
  k->next = kept_strings;
  kept_strings = k;
  return k->s;
}

static void read_env(void) {
#if defined(__GLIBC__)
  const char *e = secure_getenv("OMNITLS_CIPHER_LIST");
#else
  const char *e = getenv("OMNITLS_CIPHER_LIST");
#endif
  if (e == NULL || *e == '\0')
    return;
  if ((default_string = keep(e)) == NULL)
    env_error = OTLS_E_NOMEM;
}

const char *otls_default_ciphers(void) {
  pthread_once(&env_once, read_env);
  pthread_mutex_lock(&default_lock);
  const char *s = default_string ? default_string : otls__default_cipher_string;
  pthread_mutex_unlock(&default_lock);
  return s;
}

int otls_set_default_ciphers(const char *str) {
  pthread_once(&env_once, read_env);
  if (str != NULL) {
    struct otls__cipher_list l;
    int rv = eval_string(str, otls__backend_bit(), &l, NULL, 0);
    if (rv < 0)
      return rv;
  }
  pthread_mutex_lock(&default_lock);
  int rv = 0;
  if (str == NULL) {
    default_string = NULL;
    env_error = 0;
  } else {
    const char *k = keep(str);
    if (k != NULL) {
      default_string = k;
      env_error = 0;
    } else {
      rv = OTLS_E_NOMEM;
    }
  }
  pthread_mutex_unlock(&default_lock);
  return rv;
}

int otls__ciphers_eval(const char *str, unsigned backends, struct otls__cipher_list *out,
                       char *detail, size_t detail_len) {
  if (out == NULL)
    return OTLS_E_INVAL;
  if (str == NULL || *str == '\0') {
    pthread_once(&env_once, read_env);
    pthread_mutex_lock(&default_lock);
    int err = env_error;
    str = default_string ? default_string : otls__default_cipher_string;
    pthread_mutex_unlock(&default_lock);
    if (err < 0) {
      otls__detail(detail, detail_len, "cannot keep OMNITLS_CIPHER_LIST");
      return err;
    }
  }
  return eval_string(str, backends, out, detail, detail_len);
}

/* --- the public API -------------------------------------------------------- */

/* Copy `count` entries out under the buffer rules of ciphers.h. */
static int copy_out(void *dst, size_t max, size_t *n, const void *src, size_t count, size_t size) {
  *n = count;
  if (dst == NULL && max == 0)
    return 0;
  if (count > max)
    return OTLS_E_INVAL;
  memcpy(dst, src, count * size);
  return 0;
}

int otls_ciphers_eval(const char *str, uint16_t *ids, size_t max, size_t *n) {
  if (n == NULL || (ids == NULL && max > 0))
    return OTLS_E_INVAL;
  struct otls__cipher_list l;
  int rv = otls__ciphers_eval(str, otls__backend_bit(), &l, NULL, 0);
  if (rv < 0)
    return rv;
  return copy_out(ids, max, n, l.ids, l.n, sizeof(uint16_t));
}

static const char *kx_text(uint32_t kx) {
  switch (kx) {
  case OTLS__KX_RSA: return "RSA";
  case OTLS__KX_DHE: return "DH";
  case OTLS__KX_ECDHE: return "ECDH";
  case OTLS__KX_PSK: return "PSK";
  case OTLS__KX_RSAPSK: return "RSAPSK";
  case OTLS__KX_ECDHEPSK: return "ECDHEPSK";
  case OTLS__KX_DHEPSK: return "DHEPSK";
  case OTLS__KX_SRP: return "SRP";
  case OTLS__KX_ANY: return "any";
  }
  return "unknown";
}

static const char *auth_text(uint32_t auth) {
  switch (auth) {
  case OTLS__AU_RSA: return "RSA";
  case OTLS__AU_DSS: return "DSS";
  case OTLS__AU_NULL: return "None";
  case OTLS__AU_ECDSA: return "ECDSA";
  case OTLS__AU_PSK: return "PSK";
  case OTLS__AU_SRP: return "SRP";
  case OTLS__AU_ANY: return "any";
  }
  return "unknown";
}

static const char *enc_text(uint32_t enc) {
  switch (enc) {
  case OTLS__ENC_3DES: return "3DES(168)";
  case OTLS__ENC_eNULL: return "None";
  case OTLS__ENC_AES128: return "AES(128)";
  case OTLS__ENC_AES256: return "AES(256)";
  case OTLS__ENC_AES128GCM: return "AESGCM(128)";
  case OTLS__ENC_AES256GCM: return "AESGCM(256)";
  case OTLS__ENC_AES128CCM: return "AESCCM(128)";
  case OTLS__ENC_AES256CCM: return "AESCCM(256)";
  case OTLS__ENC_AES128CCM8: return "AESCCM8(128)";
  case OTLS__ENC_AES256CCM8: return "AESCCM8(256)";
  case OTLS__ENC_CAMELLIA128: return "Camellia(128)";
  case OTLS__ENC_CAMELLIA256: return "Camellia(256)";
  case OTLS__ENC_CHACHA20POLY1305: return "CHACHA20/POLY1305(256)";
  case OTLS__ENC_ARIA128GCM: return "ARIAGCM(128)";
  case OTLS__ENC_ARIA256GCM: return "ARIAGCM(256)";
  }
  return "unknown";
}

static const char *mac_text(uint32_t mac) {
  switch (mac) {
  case OTLS__MAC_MD5: return "MD5";
  case OTLS__MAC_SHA1: return "SHA1";
  case OTLS__MAC_SHA256: return "SHA256";
  case OTLS__MAC_SHA384: return "SHA384";
  case OTLS__MAC_AEAD: return "AEAD";
  }
  return "unknown";
}

/* SSL_CIPHER_get_version()'s spelling, which Node's getCipher() reports. */
static const char *suite_version_text(uint16_t v) {
  switch (v) {
  case OTLS__TLS1_3: return "TLSv1.3";
  case OTLS__TLS1_2: return "TLSv1.2";
  case OTLS__TLS1_0: return "TLSv1.0";
  case OTLS__SSL3: return "SSLv3";
  }
  return "unknown";
}

void otls__suite_text(const struct otls__suite *s, struct otls__suite_text *out) {
  *out = (struct otls__suite_text){
      .version = suite_version_text(s->min_version),
      .kx = kx_text(s->kx),
      .auth = auth_text(s->auth),
      .enc = enc_text(s->enc),
      .mac = mac_text(s->mac),
  };
}

static void fill_info(const struct otls__suite *s, otls_cipher_info *out) {
  out->id = s->id;
  out->name = s->name;
  out->standard_name = s->iana;
  out->version = suite_version_text(s->min_version);
}

int otls_cipher_lookup(uint16_t id, otls_cipher_info *out) {
  const struct otls__suite *s = otls__suite_by_id(id);
  if (s == NULL || out == NULL)
    return OTLS_E_INVAL;
  fill_info(s, out);
  return 0;
}

int otls_cipher_lookup_name(const char *name, otls_cipher_info *out) {
  if (name == NULL || out == NULL)
    return OTLS_E_INVAL;
  for (size_t i = 0; i < otls__n_suites; i++) {
    const struct otls__suite *s = &otls__suites[i];
    if (strcasecmp(name, s->name) == 0 || strcasecmp(name, s->iana) == 0) {
      fill_info(s, out);
      return 0;
    }
  }
  return OTLS_E_INVAL;
}

/* getCiphers(): built once per process (the backend never changes). */
static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static char lower_names[OTLS_CIPHERS_MAX][48];
static const char *sorted_names[OTLS_CIPHERS_MAX];
static size_t n_names;

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void build_names(void) {
  unsigned bit = otls__backend_bit();
  for (size_t i = 0; i < otls__n_suites && n_names < OTLS_CIPHERS_MAX; i++) {
    const struct otls__suite *s = &otls__suites[i];
    if (!(s->backends & bit))
      continue;
    char *d = lower_names[n_names];
    size_t j = 0;
    for (; s->name[j] != '\0' && j + 1 < sizeof(lower_names[0]); j++)
      d[j] = (char)(s->name[j] >= 'A' && s->name[j] <= 'Z' ? s->name[j] - 'A' + 'a' : s->name[j]);
    d[j] = '\0';
    sorted_names[n_names++] = d;
  }
  qsort(sorted_names, n_names, sizeof(sorted_names[0]), cmp_names);
}

int otls_get_ciphers(const char **names, size_t max, size_t *n) {
  if (n == NULL || (names == NULL && max > 0))
    return OTLS_E_INVAL;
  pthread_once(&names_once, build_names);
  return copy_out(names, max, n, sorted_names, n_names, sizeof(sorted_names[0]));
}
