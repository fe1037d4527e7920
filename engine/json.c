/* json.c - strict recursive-descent JSON parser (see json.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 32

typedef struct {
  const char *s;
  size_t len, pos;
  char *why;
  size_t why_size;
  int failed;
} parser;

static int fail(parser *p, const char *fmt, ...) {
  if (!p->failed) {
    p->failed = 1;
    if (p->why && p->why_size) {
      char tmp[200];
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(tmp, sizeof tmp, fmt, ap);
      va_end(ap);
      snprintf(p->why, p->why_size, "%s at byte %zu", tmp, p->pos);
    }
  }
  return -1;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
    p->pos++;
  }
}

static int peek(parser *p) {
  return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static void free_value(sst_json *v) {
  if (!v)
    return;
  free(v->str);
  for (size_t i = 0; i < v->n; i++) {
    free_value(&v->items[i]);
    if (v->keys)
      free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  memset(v, 0, sizeof *v);
}

static int hex4(parser *p, unsigned *out) {
  if (p->len - p->pos < 4)
    return fail(p, "truncated \\u escape");
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos++];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return fail(p, "bad hex digit in \\u escape");
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *d, unsigned cp) {
  if (cp < 0x80) {
    d[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    d[0] = (char)(0xC0 | (cp >> 6));
    d[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (char)(0xF0 | (cp >> 18));
  d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  d[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Parses a string starting at the opening quote.  The decoded form is never
 * longer than the source, so one allocation of the source span suffices. */
static int parse_string(parser *p, char **out, size_t *out_len) {
  p->pos++; /* opening quote */
  size_t start = p->pos, end = start;
  while (end < p->len && p->s[end] != '"') {
    if (p->s[end] == '\\')
      end++;
    end++;
  }
  if (end >= p->len)
    return fail(p, "unterminated string");
  char *d = malloc(end - start + 1);
  if (!d)
    return fail(p, "out of memory");
  size_t n = 0;
  while (p->pos < end) {
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c < 0x20) {
      free(d);
      return fail(p, "control character in string");
    }
    if (c != '\\') {
      d[n++] = (char)c;
      p->pos++;
      continue;
    }
    p->pos++;
    char e = p->s[p->pos++];
    switch (e) {
    case '"': d[n++] = '"'; break;
    case '\\': d[n++] = '\\'; break;
    case '/': d[n++] = '/'; break;
    case 'b': d[n++] = '\b'; break;
    case 'f': d[n++] = '\f'; break;
    case 'n': d[n++] = '\n'; break;
    case 'r': d[n++] = '\r'; break;
    case 't': d[n++] = '\t'; break;
    case 'u': {
      unsigned cp;
      if (hex4(p, &cp)) {
        free(d);
        return -1;
      }
      if (cp >= 0xD800 && cp < 0xDC00) {
        unsigned lo;
        if (p->pos + 2 > end || p->s[p->pos] != '\\' ||
            p->s[p->pos + 1] != 'u') {
          free(d);
          return fail(p, "unpaired surrogate in string");
        }
        p->pos += 2;
        if (hex4(p, &lo)) {
          free(d);
          return -1;
        }
        if (lo < 0xDC00 || lo >= 0xE000) {
          free(d);
          return fail(p, "bad low surrogate in string");
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp < 0xE000) {
        free(d);
        return fail(p, "unpaired surrogate in string");
      }
      /* 6 source bytes (or 12 for a pair) always cover the UTF-8 output */
      n += put_utf8(d + n, cp);
      break;
    }
    default:
      free(d);
      return fail(p, "bad escape in string");
    }
    if (p->pos > end) { /* an escape ran over the closing quote */
      free(d);
      return fail(p, "bad escape in string");
    }
  }
  d[n] = '\0';
  p->pos = end + 1;
  *out = d;
  *out_len = n;
  return 0;
}

static int parse_number(parser *p, sst_json *v) {
  size_t start = p->pos;
  int is_int = 1;
  if (peek(p) == '-')
    p->pos++;
  if (peek(p) == '0') {
    p->pos++;
  } else if (peek(p) >= '1' && peek(p) <= '9') {
    while (peek(p) >= '0' && peek(p) <= '9')
      p->pos++;
  } else {
    return fail(p, "bad number");
  }
  if (peek(p) == '.') {
    is_int = 0;
    p->pos++;
    if (!(peek(p) >= '0' && peek(p) <= '9'))
      return fail(p, "bad number");
    while (peek(p) >= '0' && peek(p) <= '9')
      p->pos++;
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    is_int = 0;
    p->pos++;
    if (peek(p) == '+' || peek(p) == '-')
      p->pos++;
    if (!(peek(p) >= '0' && peek(p) <= '9'))
      return fail(p, "bad number");
    while (peek(p) >= '0' && peek(p) <= '9')
      p->pos++;
  }
  char buf[64];
  size_t n = p->pos - start;
  if (n >= sizeof buf)
    return fail(p, "number too long");
  memcpy(buf, p->s + start, n);
  buf[n] = '\0';
  v->type = SST_JSON_NUMBER;
  v->number = strtod(buf, NULL);
  if (is_int) {
    errno = 0;
    long long ll = strtoll(buf, NULL, 10);
    if (errno == 0) {
      v->is_int = 1;
      v->integer = (int64_t)ll;
    }
  }
  return 0;
}

static int parse_value(parser *p, sst_json *v, int depth);

static int literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
    return fail(p, "unexpected character");
  p->pos += n;
  return 0;
}

/* Grows items (and keys for objects) to hold at least n+1 entries. */
static int grow(parser *p, sst_json *v, size_t *cap, int with_keys) {
  if (v->n < *cap)
    return 0;
  size_t nc = *cap ? *cap * 2 : 8;
  sst_json *it = realloc(v->items, nc * sizeof *it);
  if (!it)
    return fail(p, "out of memory");
  v->items = it;
  if (with_keys) {
    char **k = realloc(v->keys, nc * sizeof *k);
    if (!k)
      return fail(p, "out of memory");
    v->keys = k;
  }
  *cap = nc;
  return 0;
}

static int parse_array(parser *p, sst_json *v, int depth) {
  size_t cap = 0;
  v->type = SST_JSON_ARRAY;
  p->pos++;
  skip_ws(p);
  if (peek(p) == ']') {
    p->pos++;
    return 0;
  }
  for (;;) {
    if (grow(p, v, &cap, 0))
      return -1;
    sst_json *it = &v->items[v->n];
    memset(it, 0, sizeof *it);
    v->n++;
    if (parse_value(p, it, depth + 1))
      return -1;
    skip_ws(p);
    int c = peek(p);
    p->pos++;
    if (c == ']')
      return 0;
    if (c != ',') {
      p->pos--;
      return fail(p, "expected ',' or ']'");
    }
  }
}

static int parse_object(parser *p, sst_json *v, int depth) {
  size_t cap = 0;
  v->type = SST_JSON_OBJECT;
  p->pos++;
  skip_ws(p);
  if (peek(p) == '}') {
    p->pos++;
    return 0;
  }
  for (;;) {
    skip_ws(p);
    if (peek(p) != '"')
      return fail(p, "expected a string key");
    if (grow(p, v, &cap, 1))
      return -1;
    char *key;
    size_t key_len;
    if (parse_string(p, &key, &key_len))
      return -1;
    if (strlen(key) != key_len) {
      free(key);
      return fail(p, "NUL character in key");
    }
    for (size_t i = 0; i < v->n; i++)
      if (strcmp(v->keys[i], key) == 0) {
        free(key);
        return fail(p, "duplicate key");
      }
    sst_json *it = &v->items[v->n];
    memset(it, 0, sizeof *it);
    v->keys[v->n] = key;
    v->n++;
    skip_ws(p);
    if (peek(p) != ':')
      return fail(p, "expected ':'");
    p->pos++;
    if (parse_value(p, it, depth + 1))
      return -1;
    skip_ws(p);
    int c = peek(p);
    p->pos++;
    if (c == '}')
      return 0;
    if (c != ',') {
      p->pos--;
      return fail(p, "expected ',' or '}'");
    }
  }
}

static int parse_value(parser *p, sst_json *v, int depth) {
  if (depth > MAX_DEPTH)
    return fail(p, "nesting too deep");
  skip_ws(p);
  switch (peek(p)) {
  case '{':
    return parse_object(p, v, depth);
  case '[':
    return parse_array(p, v, depth);
  case '"':
    v->type = SST_JSON_STRING;
    return parse_string(p, &v->str, &v->len);
  case 't':
    v->type = SST_JSON_BOOL;
    v->boolean = 1;
    return literal(p, "true");
  case 'f':
    v->type = SST_JSON_BOOL;
    return literal(p, "false");
  case 'n':
    v->type = SST_JSON_NULL;
    return literal(p, "null");
  case -1:
    return fail(p, "unexpected end of text");
  default:
    if (peek(p) == '-' || (peek(p) >= '0' && peek(p) <= '9'))
      return parse_number(p, v);
    return fail(p, "unexpected character");
  }
}

sst_json *sst_json_parse(const char *text, size_t len, char *why,
                         size_t why_size) {
  parser p = {text, len, 0, why, why_size, 0};
  if (why && why_size)
    why[0] = '\0';
  sst_json *v = calloc(1, sizeof *v);
  if (!v) {
    fail(&p, "out of memory");
    return NULL;
  }
  if (parse_value(&p, v, 0) == 0) {
    skip_ws(&p);
    if (p.pos == p.len)
      return v;
    fail(&p, "trailing characters after the document");
  }
  sst_json_free(v);
  return NULL;
}

void sst_json_free(sst_json *v) {
  if (!v)
    return;
  free_value(v);
  free(v);
}

const sst_json *sst_json_get(const sst_json *v, const char *key) {
  if (!v || v->type != SST_JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < v->n; i++)
    if (strcmp(v->keys[i], key) == 0)
      return &v->items[i];
  return NULL;
}
