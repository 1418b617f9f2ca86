/*
** Strict JSON reader; the rules are listed in json.h and numbered here.
*/
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "json.h"

typedef struct parser {
  const unsigned char *s;
  size_t len, pos;
  rnn_err *e;
  /* rnn_json_each: called with each element of the top-level array, which
  ** is then freed instead of kept (NULL: build the whole tree). */
  rnn_status (*each)(void *arg, size_t i, const rnn_json *elem);
  void *arg;
} parser;

static rnn_status syntax(parser *p, const char *what) {
  return rnn_fail(p->e, RNN_EINVAL, "invalid JSON at offset %zu: %s", p->pos,
                  what);
}

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    unsigned char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int peek(parser *p) { return p->pos < p->len ? p->s[p->pos] : -1; }

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Exact powers of ten representable in a double (10^0 .. 10^22). */
static const double pow10_exact[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* 10^0 .. 10^27, exact in a long double of 64 significant bits or more
** (5^27 < 2^64): what the squaring loop of parse_number computes for
** them, without its loop (numbers of 17 significant digits, as printed by
** most languages, need 10^16 to 10^18). */
static const long double pow10_ld[] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/* Rule 4: the JSON number grammar, converted without strtod (whose decimal
** point follows the process locale). Up to 19 significant digits with a
** power of ten within 10^22 and a mantissa below 2^53 convert exactly
** (Clinger's fast path); others go through long double and may be off by
** one unit in the last place. */
static rnn_status parse_number(parser *p, double *out) {
  size_t start = p->pos;
  int neg = 0;
  if (peek(p) == '-') {
    neg = 1;
    p->pos++;
  }
  if (!is_digit(peek(p))) return syntax(p, "expected a digit");
  uint64_t mant = 0;
  int digits = 0;   /* significant digits kept in mant */
  int64_t exp10 = 0; /* decimal exponent applied to mant */
  if (peek(p) == '0') {
    p->pos++;
    if (is_digit(peek(p))) return syntax(p, "leading zero in a number");
  } else {
    while (is_digit(peek(p))) {
      int d = p->s[p->pos++] - '0';
      if (digits < 19) {
        mant = mant * 10 + (uint64_t)d;
        if (mant) digits++;
      } else {
        exp10++; /* dropped digit: only its magnitude counts */
      }
    }
  }
  if (peek(p) == '.') {
    p->pos++;
    if (!is_digit(peek(p))) return syntax(p, "expected a digit after '.'");
    while (is_digit(peek(p))) {
      int d = p->s[p->pos++] - '0';
      if (digits < 19) {
        mant = mant * 10 + (uint64_t)d;
        if (mant) digits++;
        exp10--;
      }
    }
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++;
    int eneg = 0;
    if (peek(p) == '+' || peek(p) == '-') eneg = p->s[p->pos++] == '-';
    if (!is_digit(peek(p))) return syntax(p, "expected a digit in exponent");
    int64_t ev = 0;
    while (is_digit(peek(p))) {
      if (ev < 100000) ev = ev * 10 + (p->s[p->pos] - '0');
      p->pos++;
    }
    exp10 += eneg ? -ev : ev;
  }
  double v;
  if (mant == 0) {
    v = 0.0;
  } else if (mant < (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
    v = exp10 >= 0 ? (double)mant * pow10_exact[exp10]
                   : (double)mant / pow10_exact[-exp10];
  } else if (exp10 > 400) {
    v = HUGE_VAL;
  } else if (exp10 < -400) {
    v = 0.0;
  } else {
    long double x = (long double)mant;
    long double f = 10.0L;
    int64_t k = exp10 < 0 ? -exp10 : exp10;
    long double scale = 1.0L;
    if (LDBL_MANT_DIG >= 64 && k < (int64_t)(sizeof pow10_ld / sizeof pow10_ld[0])) {
      scale = pow10_ld[k]; /* the product below would give the same */
      k = 0;
    }
    while (k) {
      if (k & 1) scale *= f;
      f *= f;
      k >>= 1;
    }
    x = exp10 < 0 ? x / scale : x * scale;
    v = (double)x;
  }
  if (isinf(v)) {
    p->pos = start;
    return syntax(p, "number too large");
  }
  *out = neg ? -v : v;
  return RNN_OK;
}

static int hex4(const unsigned char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = s[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return 0;
    v = v * 16 + d;
  }
  *out = v;
  return 1;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid:
** no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t k;
  unsigned cp, min;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) k = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) k = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) k = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (k > n) return 0;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return k;
}

/* Rule 3. On entry p->pos is at the opening quote. */
static rnn_status parse_string(parser *p, char **out, size_t *out_len) {
  p->pos++;
  /* First pass: find the end and validate; decoded length <= raw length. */
  size_t start = p->pos, i = start;
  while (1) {
    if (i >= p->len) {
      p->pos = i;
      return syntax(p, "unterminated string");
    }
    unsigned char c = p->s[i];
    if (c == '"') break;
    if (c < 0x20) {
      p->pos = i;
      return syntax(p, "control character in string");
    }
    if (c == '\\') {
      i += 2;
      continue;
    }
    size_t k = utf8_len(p->s + i, p->len - i);
    if (!k) {
      p->pos = i;
      return syntax(p, "invalid UTF-8 in string");
    }
    i += k;
  }
  size_t raw = i - start;
  char *buf = rnn_malloc(raw + 1);
  if (!buf) return RNN_ENOMEM;
  size_t o = 0;
  i = start;
  while (i < start + raw) {
    unsigned char c = p->s[i];
    if (c != '\\') {
      buf[o++] = (char)c;
      i++;
      continue;
    }
    p->pos = i;
    unsigned char esc = p->s[i + 1];
    i += 2;
    switch (esc) {
      case '"': buf[o++] = '"'; break;
      case '\\': buf[o++] = '\\'; break;
      case '/': buf[o++] = '/'; break;
      case 'b': buf[o++] = '\b'; break;
      case 'f': buf[o++] = '\f'; break;
      case 'n': buf[o++] = '\n'; break;
      case 'r': buf[o++] = '\r'; break;
      case 't': buf[o++] = '\t'; break;
      case 'u': {
        unsigned cp, lo;
        if (i + 4 > start + raw || !hex4(p->s + i, &cp)) goto bad_escape;
        i += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) goto bad_escape;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (i + 6 > start + raw || p->s[i] != '\\' || p->s[i + 1] != 'u' ||
              !hex4(p->s + i + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            goto bad_escape;
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        o += put_utf8(buf + o, cp);
        break;
      }
      default:
        goto bad_escape;
    }
  }
  buf[o] = 0;
  p->pos = start + raw + 1;
  *out = buf;
  *out_len = o;
  return RNN_OK;
bad_escape:
  rnn_free(buf);
  return syntax(p, "invalid escape in string");
}

static int match_word(parser *p, const char *w) {
  size_t n = strlen(w);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0) return 0;
  p->pos += n;
  return 1;
}

static rnn_status parse_value(parser *p, rnn_json *v, int depth);

/* Parses the elements of an array or the members of an object into v. */
static rnn_status parse_container(parser *p, rnn_json *v, int depth) {
  int is_obj = v->type == RNN_JSON_OBJECT;
  char close = is_obj ? '}' : ']';
  /* Rule 2. */
  if (depth >= RNN_JSON_MAX_DEPTH) return syntax(p, "nested too deeply");
  p->pos++;
  skip_ws(p);
  if (peek(p) == close) {
    p->pos++;
    return RNN_OK;
  }
  rnn_json **tail = &v->child;
  /* Rule 6: the elements of the top-level array one at a time. */
  int stream = p->each && depth == 0 && !is_obj;
  while (1) {
    /* A streamed element lives on the stack (no allocation for a number:
    ** rnn_predict reads its window this way on every call). */
    rnn_json elem = {0}, *c = stream ? &elem : rnn_calloc(1, sizeof *c);
    if (!c) return RNN_ENOMEM;
    if (!stream) {
      *tail = c;
      tail = &c->next;
    }
    v->len++;
    rnn_status rc;
    if (is_obj) {
      skip_ws(p);
      if (peek(p) != '"') return syntax(p, "expected a string key");
      if ((rc = parse_string(p, &c->key, &c->key_len))) return rc;
      skip_ws(p);
      if (peek(p) != ':') return syntax(p, "expected ':'");
      p->pos++;
    }
    rc = parse_value(p, c, depth + 1);
    if (stream) {
      if (rc == RNN_OK) rc = p->each(p->arg, v->len - 1, c);
      rnn_json_free(elem.child);
      rnn_free(elem.str);
    }
    if (rc) return rc;
    skip_ws(p);
    int ch = peek(p);
    if (ch == ',') {
      p->pos++;
      continue;
    }
    if (ch == close) {
      p->pos++;
      return RNN_OK;
    }
    return syntax(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static rnn_status parse_value(parser *p, rnn_json *v, int depth) {
  skip_ws(p);
  int c = peek(p);
  switch (c) {
    case '{': v->type = RNN_JSON_OBJECT; return parse_container(p, v, depth);
    case '[': v->type = RNN_JSON_ARRAY; return parse_container(p, v, depth);
    case '"': v->type = RNN_JSON_STRING; return parse_string(p, &v->str, &v->len);
    case 't':
      v->type = RNN_JSON_TRUE;
      return match_word(p, "true") ? RNN_OK : syntax(p, "unexpected character");
    case 'f':
      v->type = RNN_JSON_FALSE;
      return match_word(p, "false") ? RNN_OK : syntax(p, "unexpected character");
    case 'n':
      v->type = RNN_JSON_NULL;
      return match_word(p, "null") ? RNN_OK : syntax(p, "unexpected character");
    case -1:
      return syntax(p, "unexpected end of text");
    default:
      if (c == '-' || is_digit(c)) {
        v->type = RNN_JSON_NUMBER;
        return parse_number(p, &v->num);
      }
      return syntax(p, "unexpected character");
  }
}

rnn_status rnn_json_each(const char *text, size_t len,
                         rnn_status (*each)(void *arg, size_t i,
                                            const rnn_json *elem),
                         void *arg, rnn_json_type *type, size_t *n,
                         rnn_err *e) {
  parser p = {(const unsigned char *)text, len, 0, e, each, arg};
  rnn_json root = {0};
  rnn_status rc = parse_value(&p, &root, 0);
  if (rc == RNN_OK) {
    skip_ws(&p);
    if (p.pos != p.len) rc = syntax(&p, "unexpected text after the value");
  }
  *type = root.type;
  *n = root.len;
  rnn_json_free(root.child);
  rnn_free(root.str);
  return rc;
}

rnn_status rnn_json_parse(rnn_json **out, const char *text, size_t len,
                          rnn_err *e) {
  *out = NULL;
  parser p = {(const unsigned char *)text, len, 0, e, NULL, NULL};
  rnn_json *root = rnn_calloc(1, sizeof *root);
  if (!root) return RNN_ENOMEM;
  rnn_status rc = parse_value(&p, root, 0);
  if (rc == RNN_OK) {
    /* Rule 1. */
    skip_ws(&p);
    if (p.pos != p.len) rc = syntax(&p, "unexpected text after the value");
  }
  if (rc != RNN_OK) {
    rnn_json_free(root);
    return rc;
  }
  *out = root;
  return RNN_OK;
}

void rnn_json_free(rnn_json *j) {
  /* Siblings iteratively; depth is bounded by rule 2. */
  while (j) {
    rnn_json *next = j->next;
    rnn_json_free(j->child);
    rnn_free(j->str);
    rnn_free(j->key);
    rnn_free(j);
    j = next;
  }
}

rnn_status rnn_json_number(const char *text, size_t len, double *out) {
  parser p = {(const unsigned char *)text, len, 0, NULL, NULL, NULL};
  if (parse_number(&p, out) != RNN_OK || p.pos != len) return RNN_EINVAL;
  return RNN_OK;
}

const rnn_json *rnn_json_get(const rnn_json *o, const char *key) {
  const rnn_json *found = NULL;
  if (!o || o->type != RNN_JSON_OBJECT) return NULL;
  size_t n = strlen(key);
  for (const rnn_json *c = o->child; c; c = c->next)
    if (c->key_len == n && memcmp(c->key, key, n) == 0) found = c;
  return found;
}

const char *rnn_json_type_name(rnn_json_type t) {
  switch (t) {
    case RNN_JSON_NULL: return "null";
    case RNN_JSON_FALSE:
    case RNN_JSON_TRUE: return "a boolean";
    case RNN_JSON_NUMBER: return "a number";
    case RNN_JSON_STRING: return "a string";
    case RNN_JSON_ARRAY: return "an array";
    case RNN_JSON_OBJECT: return "an object";
  }
  return "?";
}
