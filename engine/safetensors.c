/* safetensors.c - reading and validating .safetensors files (see header).
 *
 * The header and the data area are read into memory once; weights are
 * small (tens of MB) and this keeps the code portable and immune to the
 * file changing under an mmap.  All byte ranges are validated in
 * sst_st_open, so the readers below index the buffer without more checks. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "error.h"
#include "json.h"
#include "safetensors.h"

struct sst_st_file {
  char *label;          /* last path component, for messages */
  unsigned char *data;  /* the data area (after the header) */
  size_t data_size;
  sst_json *meta;       /* "__metadata__" object or NULL (owned by json) */
  sst_json *json;
  sst_st_tensor *t;
  size_t n;
};

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

const char *sst_dtype_name(sst_dtype d) {
  switch (d) {
  case SST_DT_F32: return "F32";
  case SST_DT_F16: return "F16";
  case SST_DT_BF16: return "BF16";
  }
  return "?";
}

static size_t dtype_size(sst_dtype d) { return d == SST_DT_F32 ? 4 : 2; }

float sst_half_to_float(uint16_t h) {
  /* By bits, not ldexpf: the decoders' 4 M halves are converted on every
   * start, and the libm calls were 187 M instructions of it. */
  uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1F, m = h & 0x3FF;
  uint32_t u;
  if (e == 0) { /* zero and subnormals: m * 2^-24, exact in float */
    float v = (float)m * 0x1p-24f;
    memcpy(&u, &v, sizeof u);
    u |= sign;
  } else if (e == 31) { /* Inf, NaN */
    u = sign | 0x7F800000u | (m ? 0x400000u : 0);
  } else { /* rebias 15 -> 127 */
    u = sign | (e + 112) << 23 | m << 13;
  }
  float v;
  memcpy(&v, &u, sizeof v);
  return v;
}

float sst_bf16_to_float(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* Formats a shape as "[a,b,c]" into buf. */
static const char *shape_str(char *buf, size_t size, int ndim,
                             const int64_t *shape) {
  size_t n = 0;
  buf[0] = '\0';
  n += (size_t)snprintf(buf + n, size - n, "[");
  for (int i = 0; i < ndim && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? "," : "",
                          (long long)shape[i]);
  if (n < size)
    snprintf(buf + n, size - n, "]");
  return buf;
}

/* Reads exactly n bytes; 0 on success. */
static int read_exact(FILE *fp, void *dst, size_t n) {
  return fread(dst, 1, n, fp) == n ? 0 : -1;
}

static int parse_dtype(const char *s, sst_dtype *d) {
  if (strcmp(s, "F32") == 0)
    *d = SST_DT_F32;
  else if (strcmp(s, "F16") == 0)
    *d = SST_DT_F16;
  else if (strcmp(s, "BF16") == 0)
    *d = SST_DT_BF16;
  else
    return -1;
  return 0;
}

/* Validates one header entry and fills t (name is borrowed from json). */
static sst_status parse_entry(sst_st_file *f, const char *name,
                              const sst_json *v, sst_st_tensor *t,
                              sst_error *err) {
  const char *L = f->label;
  if (!name[0])
    return sst_fail(err, SST_ERR_FORMAT, "%s: tensor with an empty name", L);
  if (v->type != SST_JSON_OBJECT)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s: header entry is not an object", L, name);
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i];
    if (strcmp(k, "dtype") && strcmp(k, "shape") && strcmp(k, "data_offsets"))
      return sst_fail(err, SST_ERR_FORMAT, "%s: tensor %s: unknown field \"%s\"",
                      L, name, k);
  }
  const sst_json *dt = sst_json_get(v, "dtype");
  const sst_json *sh = sst_json_get(v, "shape");
  const sst_json *off = sst_json_get(v, "data_offsets");
  if (!dt || !sh || !off)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s: missing dtype, shape or data_offsets", L,
                    name);
  if (dt->type != SST_JSON_STRING)
    return sst_fail(err, SST_ERR_FORMAT, "%s: tensor %s: dtype is not a string",
                    L, name);
  if (parse_dtype(dt->str, &t->dtype))
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s has unsupported dtype \"%.16s\" (expected "
                    "F32, F16 or BF16)", L, name, dt->str);
  if (sh->type != SST_JSON_ARRAY || sh->n > SST_ST_MAX_DIMS)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s: shape is not an array of at most %d "
                    "integers", L, name, SST_ST_MAX_DIMS);
  t->ndim = (int)sh->n;
  size_t count = 1;
  const size_t max_count = (size_t)1 << 40; /* far beyond any header range */
  for (size_t i = 0; i < sh->n; i++) {
    const sst_json *d = &sh->items[i];
    if (d->type != SST_JSON_NUMBER || !d->is_int || d->integer < 0 ||
        (uint64_t)d->integer > max_count)
      return sst_fail(err, SST_ERR_FORMAT,
                      "%s: tensor %s: shape entry %zu is not a valid size", L,
                      name, i);
    t->shape[i] = d->integer;
    count *= (size_t)d->integer;
    if (count > max_count)
      return sst_fail(err, SST_ERR_FORMAT, "%s: tensor %s: shape too large",
                      L, name);
  }
  t->count = count;
  if (off->type != SST_JSON_ARRAY || off->n != 2)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s: data_offsets is not [begin, end]", L, name);
  for (int i = 0; i < 2; i++) {
    const sst_json *o = &off->items[i];
    if (o->type != SST_JSON_NUMBER || !o->is_int || o->integer < 0)
      return sst_fail(err, SST_ERR_FORMAT,
                      "%s: tensor %s: data_offsets are not non-negative "
                      "integers", L, name);
  }
  uint64_t b = (uint64_t)off->items[0].integer;
  uint64_t e = (uint64_t)off->items[1].integer;
  if (b > e || e > f->data_size)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s: data_offsets [%llu,%llu] outside the data "
                    "area of %zu bytes (truncated file?)", L, name,
                    (unsigned long long)b, (unsigned long long)e,
                    f->data_size);
  t->begin = (size_t)b;
  t->end = (size_t)e;
  if ((uint64_t)count * dtype_size(t->dtype) != e - b) {
    char sbuf[128];
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s: shape %s of %s needs %llu bytes but "
                    "data_offsets span %llu", L, name,
                    shape_str(sbuf, sizeof sbuf, t->ndim, t->shape),
                    sst_dtype_name(t->dtype),
                    (unsigned long long)count * dtype_size(t->dtype),
                    (unsigned long long)(e - b));
  }
  t->name = (char *)name;
  return SST_OK;
}

static sst_status parse_header(sst_st_file *f, const char *text, size_t len,
                               sst_error *err) {
  const char *L = f->label;
  char why[256];
  f->json = sst_json_parse(text, len, why, sizeof why);
  if (!f->json)
    return sst_fail(err, SST_ERR_FORMAT, "%s: header is not valid JSON: %s", L,
                    why);
  const sst_json *j = f->json;
  if (j->type != SST_JSON_OBJECT)
    return sst_fail(err, SST_ERR_FORMAT, "%s: header is not a JSON object", L);
  f->t = calloc(j->n ? j->n : 1, sizeof *f->t);
  if (!f->t)
    return sst_fail(err, SST_ERR_NOMEM, "%s: out of memory", L);
  for (size_t i = 0; i < j->n; i++) {
    const char *key = j->keys[i];
    const sst_json *v = &j->items[i];
    if (strcmp(key, "__metadata__") == 0) {
      if (v->type != SST_JSON_OBJECT)
        return sst_fail(err, SST_ERR_FORMAT,
                        "%s: __metadata__ is not an object", L);
      for (size_t k = 0; k < v->n; k++)
        if (v->items[k].type != SST_JSON_STRING)
          return sst_fail(err, SST_ERR_FORMAT,
                          "%s: __metadata__ value \"%s\" is not a string", L,
                          v->keys[k]);
      f->meta = (sst_json *)v;
      continue;
    }
    sst_status s = parse_entry(f, key, v, &f->t[f->n], err);
    if (s)
      return s;
    f->n++;
  }
  return SST_OK;
}

sst_status sst_st_open(const char *path, sst_st_file **out, sst_error *err) {
  *out = NULL;
  if (!path)
    return sst_fail(err, SST_ERR_INVALID, "no weights path given");
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return sst_fail(err, SST_ERR_IO, "%s: cannot open: %s", path,
                    strerror(errno));
  sst_st_file *f = calloc(1, sizeof *f);
  char *header = NULL;
  sst_status s = SST_OK;
  if (!f || !(f->label = malloc(strlen(base_name(path)) + 1))) {
    s = sst_fail(err, SST_ERR_NOMEM, "out of memory");
    goto done;
  }
  strcpy(f->label, base_name(path));
  const char *L = f->label;
  long end = -1;
  if (fseek(fp, 0, SEEK_END) == 0)
    end = ftell(fp);
  if (end < 0 || fseek(fp, 0, SEEK_SET) != 0) {
    s = sst_fail(err, SST_ERR_IO, "%s: cannot determine the file size", path);
    goto done;
  }
  size_t size = (size_t)end;
  unsigned char len8[8];
  if (size < 8) {
    s = sst_fail(err, SST_ERR_FORMAT,
                 "%s: file too short (%zu bytes) for a safetensors header", L,
                 size);
    goto done;
  }
  if (read_exact(fp, len8, 8)) { /* e.g. a directory */
    s = sst_fail(err, SST_ERR_IO, "%s: read error: %s", path,
                 ferror(fp) ? strerror(errno) : "unexpected end of file");
    goto done;
  }
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | len8[i];
  if (hlen < 2 || hlen > SST_ST_MAX_HEADER || hlen > size - 8) {
    s = sst_fail(err, SST_ERR_FORMAT,
                 "%s: header length %llu is invalid (file has %zu bytes, "
                 "limit %u)", L, (unsigned long long)hlen, size,
                 SST_ST_MAX_HEADER);
    goto done;
  }
  f->data_size = size - 8 - (size_t)hlen;
  header = malloc((size_t)hlen);
  f->data = sst_big_alloc(f->data_size ? f->data_size : 1);
  if (!header || !f->data) {
    s = sst_fail(err, SST_ERR_NOMEM, "%s: out of memory (%zu bytes)", L, size);
    goto done;
  }
  if (read_exact(fp, header, (size_t)hlen) ||
      read_exact(fp, f->data, f->data_size)) {
    s = sst_fail(err, SST_ERR_IO, "%s: read error: %s", path,
                 ferror(fp) ? strerror(errno) : "unexpected end of file");
    goto done;
  }
  s = parse_header(f, header, (size_t)hlen, err);
done:
  fclose(fp);
  free(header);
  if (s) {
    sst_st_close(f);
    return s;
  }
  *out = f;
  return SST_OK;
}

void sst_st_close(sst_st_file *f) {
  if (!f)
    return;
  free(f->data);
  free(f->t);
  sst_json_free(f->json);
  free(f->label);
  free(f);
}

const char *sst_st_name(const sst_st_file *f) { return f->label; }

const char *sst_st_meta(const sst_st_file *f, const char *key) {
  const sst_json *v = sst_json_get(f->meta, key);
  return v && v->type == SST_JSON_STRING ? v->str : NULL;
}

size_t sst_st_count(const sst_st_file *f) { return f->n; }

const sst_st_tensor *sst_st_tensor_at(const sst_st_file *f, size_t i) {
  return i < f->n ? &f->t[i] : NULL;
}

const sst_st_tensor *sst_st_find(const sst_st_file *f, const char *name) {
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->t[i].name, name) == 0)
      return &f->t[i];
  return NULL;
}

/* The index of the first NaN or Inf in x, or n: a branch-free scan by
 * blocks (all-ones exponent = not finite), then the exact index. */
static size_t first_non_finite(const float *x, size_t n) {
  const size_t B = 1024;
  for (size_t b = 0; b < n; b += B) {
    size_t e = n - b < B ? n - b : B;
    uint32_t any = 0;
    for (size_t i = 0; i < e; i++) {
      uint32_t u;
      memcpy(&u, &x[b + i], sizeof u);
      any |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    if (any)
      for (size_t i = 0; i < e; i++)
        if (!isfinite(x[b + i]))
          return b + i;
  }
  return n;
}

sst_status sst_st_read_f32(sst_st_file *f, const char *name, int ndim,
                           const int64_t *shape, float *dst, sst_error *err) {
  const char *L = f->label;
  sst_st_tensor *t = (sst_st_tensor *)sst_st_find(f, name);
  if (!t)
    return sst_fail(err, SST_ERR_FORMAT, "%s: tensor %s is missing", L, name);
  int same = t->ndim == ndim;
  for (int i = 0; same && i < ndim; i++)
    same = t->shape[i] == shape[i];
  if (!same) {
    char a[128], b[128];
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s has shape %s, expected %s", L, name,
                    shape_str(a, sizeof a, t->ndim, t->shape),
                    shape_str(b, sizeof b, ndim, shape));
  }
  const unsigned char *p = f->data + t->begin;
  /* Bytes are assembled explicitly: the data is little-endian and its
   * offsets need not be aligned.  The loop only converts; the finiteness
   * check is a separate pass over the floats, so that both loops have no
   * early exit and vectorise (the weights of a one-shot run go through
   * here: 5.6 M values). */
  if (t->dtype == SST_DT_F32) {
    for (size_t i = 0; i < t->count; i++, p += 4) {
      uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                   (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
      memcpy(&dst[i], &u, sizeof u);
    }
  } else {
    const int half = t->dtype == SST_DT_F16;
    for (size_t i = 0; i < t->count; i++, p += 2) {
      uint16_t u = (uint16_t)(p[0] | p[1] << 8);
      dst[i] = half ? sst_half_to_float(u) : sst_bf16_to_float(u);
    }
  }
  size_t bad = first_non_finite(dst, t->count);
  if (bad < t->count)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: tensor %s has a non-finite value (NaN or Inf) at "
                    "element %zu", L, name, bad);
  t->used = 1;
  return SST_OK;
}

sst_status sst_st_check_all_used(const sst_st_file *f, const char *net,
                                 sst_error *err) {
  for (size_t i = 0; i < f->n; i++)
    if (!f->t[i].used)
      return sst_fail(err, SST_ERR_FORMAT,
                      "%s: unexpected tensor %s (not part of the %s network)",
                      f->label, f->t[i].name, net);
  return SST_OK;
}
