/* nn_testutil.c - see nn_testutil.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn_testutil.h"

/* ---- network tables from the weights contract (NOT from engine/nn.c) ---
 * Pool / upsample entries keep their slot (name NULL) because the layer
 * index is part of the weight hash seed, as in tools/make_golden.py. */
typedef struct {
  const char *name;
  int cin, cout, k;
} conv_spec;

static const conv_spec ENC[] = {
    {"enc.conv0", 3, 3, 1},       {"enc.conv1_1", 3, 64, 3},
    {"enc.conv1_2", 64, 64, 3},   {NULL, 0, 0, 0},
    {"enc.conv2_1", 64, 128, 3},  {"enc.conv2_2", 128, 128, 3},
    {NULL, 0, 0, 0},              {"enc.conv3_1", 128, 256, 3},
    {"enc.conv3_2", 256, 256, 3}, {"enc.conv3_3", 256, 256, 3},
    {"enc.conv3_4", 256, 256, 3}, {NULL, 0, 0, 0},
    {"enc.conv4_1", 256, 512, 3},
};
static const conv_spec DEC3[] = {
    {"dec.conv3_1", 256, 128, 3}, {NULL, 0, 0, 0},
    {"dec.conv2_2", 128, 128, 3}, {"dec.conv2_1", 128, 64, 3},
    {NULL, 0, 0, 0},              {"dec.conv1_2", 64, 64, 3},
    {"dec.conv1_1", 64, 3, 3},
};
static const conv_spec DEC4[] = {
    {"dec.conv4_1", 512, 256, 3}, {NULL, 0, 0, 0},
    {"dec.conv3_4", 256, 256, 3}, {"dec.conv3_3", 256, 256, 3},
    {"dec.conv3_2", 256, 256, 3}, {"dec.conv3_1", 256, 128, 3},
    {NULL, 0, 0, 0},              {"dec.conv2_2", 128, 128, 3},
    {"dec.conv2_1", 128, 64, 3},  {NULL, 0, 0, 0},
    {"dec.conv1_2", 64, 64, 3},   {"dec.conv1_1", 64, 3, 3},
};

size_t tw_count(const tw_tensor *t) {
  size_t c = 1;
  for (int i = 0; i < t->ndim; i++)
    c *= (size_t)t->shape[i];
  return c;
}

static size_t elem_size(const char *dtype) {
  if (!strcmp(dtype, "F16") || !strcmp(dtype, "BF16"))
    return 2;
  if (!strcmp(dtype, "F64") || !strcmp(dtype, "I64"))
    return 8;
  return 4;
}

uint16_t tw_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
  float a = fabsf(f);
  if (isnan(f))
    return sign | 0x7E00;
  if (a >= 65520.0f) /* rounds to infinity */
    return sign | 0x7C00;
  if (a < 6.103515625e-05f) { /* subnormal: multiples of 2^-24 */
    float q = nearbyintf(a * 16777216.0f);
    return sign | (uint16_t)q;
  }
  uint32_t ax;
  memcpy(&ax, &a, 4);
  /* re-bias exponent 127 -> 15 and round the 23-bit mantissa to 10 bits */
  uint32_t e = ((ax >> 23) & 0xFF) - 127 + 15;
  uint32_t m = ax & 0x7FFFFF;
  uint32_t h = (e << 10) | (m >> 13);
  uint32_t rest = m & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    h++; /* a carry into the exponent is the right result */
  return sign | (uint16_t)h;
}

uint16_t tw_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if (isnan(f))
    return (uint16_t)((x >> 16) | 0x40);
  uint32_t lsb = (x >> 16) & 1;
  x += 0x7FFF + lsb;
  return (uint16_t)(x >> 16);
}

static int append(unsigned char **buf, size_t *len, size_t *cap,
                  const void *src, size_t n) {
  if (*len + n > *cap) {
    size_t nc = (*cap ? *cap : 4096);
    while (nc < *len + n)
      nc *= 2;
    unsigned char *b = realloc(*buf, nc);
    if (!b)
      return -1;
    *buf = b;
    *cap = nc;
  }
  memcpy(*buf + *len, src, n);
  *len += n;
  return 0;
}

int tw_build(const tw_tensor *t, int n, const char *meta, unsigned char **out,
             size_t *len) {
  /* header text */
  size_t hcap = 256 + (meta ? strlen(meta) : 0) + (size_t)n * 256;
  char *h = malloc(hcap);
  if (!h)
    return -1;
  size_t hl = (size_t)snprintf(h, hcap, "{");
  if (meta)
    hl += (size_t)snprintf(h + hl, hcap - hl, "\"__metadata__\":%s", meta);
  uint64_t off = 0;
  for (int i = 0; i < n; i++) {
    uint64_t bytes = tw_count(&t[i]) * elem_size(t[i].dtype);
    uint64_t b = t[i].override_offsets ? t[i].begin : off;
    uint64_t e = t[i].override_offsets ? t[i].end : off + bytes;
    hl += (size_t)snprintf(h + hl, hcap - hl, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[",
                           (meta || i) ? "," : "", t[i].name, t[i].dtype);
    for (int d = 0; d < t[i].ndim; d++)
      hl += (size_t)snprintf(h + hl, hcap - hl, "%s%lld", d ? "," : "",
                             (long long)t[i].shape[d]);
    hl += (size_t)snprintf(h + hl, hcap - hl,
                           "],\"data_offsets\":[%llu,%llu]}",
                           (unsigned long long)b, (unsigned long long)e);
    off += bytes;
  }
  hl += (size_t)snprintf(h + hl, hcap - hl, "}");
  while (hl % 8) /* pad with spaces like the reference implementation */
    h[hl++] = ' ';
  unsigned char *buf = NULL;
  size_t bl = 0, cap = 0;
  unsigned char l8[8];
  for (int i = 0; i < 8; i++)
    l8[i] = (unsigned char)((uint64_t)hl >> (8 * i));
  int rc = append(&buf, &bl, &cap, l8, 8) || append(&buf, &bl, &cap, h, hl);
  free(h);
  for (int i = 0; i < n && !rc; i++) {
    size_t c = tw_count(&t[i]), es = elem_size(t[i].dtype);
    unsigned char *d = malloc(c * es + 1);
    if (!d) {
      rc = -1;
      break;
    }
    for (size_t j = 0; j < c; j++) {
      float v = t[i].values ? t[i].values[j] : 0.0f;
      uint32_t u;
      memcpy(&u, &v, 4);
      if (es == 2) {
        uint16_t hv = !strcmp(t[i].dtype, "F16") ? tw_f16(v) : tw_bf16(v);
        d[2 * j] = (unsigned char)hv;
        d[2 * j + 1] = (unsigned char)(hv >> 8);
      } else {
        for (size_t k = 0; k < es; k++)
          d[es * j + k] = k < 4 ? (unsigned char)(u >> (8 * k)) : 0;
      }
    }
    rc = append(&buf, &bl, &cap, d, c * es);
    free(d);
  }
  if (rc) {
    free(buf);
    return -1;
  }
  *out = buf;
  *len = bl;
  return 0;
}

int tw_write(const char *path, const unsigned char *buf, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  int rc = fwrite(buf, 1, len, f) == len ? 0 : -1;
  if (fclose(f))
    rc = -1;
  return rc;
}

int tw_save(const char *path, const tw_tensor *t, int n, const char *meta) {
  unsigned char *buf;
  size_t len;
  if (tw_build(t, n, meta, &buf, &len))
    return -1;
  int rc = tw_write(path, buf, len);
  free(buf);
  return rc;
}

/* splitmix64 finaliser of (seed + i + 1) * golden ratio, as make_golden.py */
static uint64_t mix(uint64_t seed, uint64_t i) {
  uint64_t z = (seed + i + 1) * 0x9E3779B97F4A7C15ull;
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}

static void hashed(uint64_t seed, size_t n, int scale_exp, int fine,
                   float *dst, double *sum) {
  int bits = fine ? 10 : 7;
  uint64_t span = ((uint64_t)1 << (bits + 1)) - 1;
  for (size_t i = 0; i < n; i++) {
    int64_t k = (int64_t)((mix(seed, i) >> 40) % span) - (int64_t)(span / 2);
    double v = ldexp((double)k, scale_exp - bits);
    dst[i] = (float)v; /* exact: |k| < 2^bits */
    *sum += v;
  }
}

static int bit_length(int v) {
  int b = 0;
  while (v) {
    b++;
    v >>= 1;
  }
  return b;
}

int tw_net(const char *net, const char *dtype, tw_tensor *t, int max,
           double *sum) {
  const conv_spec *spec;
  int ns, id, fine;
  if (!strcmp(net, "encoder")) {
    spec = ENC, ns = (int)(sizeof ENC / sizeof *ENC), id = 1, fine = 1;
  } else if (!strcmp(net, "decoder_relu3_1")) {
    spec = DEC3, ns = (int)(sizeof DEC3 / sizeof *DEC3), id = 2, fine = 1;
  } else if (!strcmp(net, "decoder_relu4_1")) {
    spec = DEC4, ns = (int)(sizeof DEC4 / sizeof *DEC4), id = 3, fine = 0;
  } else {
    return 0;
  }
  double s = 0;
  int n = 0;
  for (int li = 0; li < ns; li++) {
    const conv_spec *c = &spec[li];
    if (!c->name)
      continue;
    if (n + 2 > max)
      goto fail;
    tw_tensor *w = &t[n], *b = &t[n + 1];
    memset(w, 0, sizeof *w);
    memset(b, 0, sizeof *b);
    n += 2;
    snprintf(w->name, sizeof w->name, "%s.weight", c->name);
    snprintf(b->name, sizeof b->name, "%s.bias", c->name);
    snprintf(w->dtype, sizeof w->dtype, "%s", dtype);
    snprintf(b->dtype, sizeof b->dtype, "%s", dtype);
    w->ndim = 4;
    w->shape[0] = c->cout, w->shape[1] = c->cin;
    w->shape[2] = w->shape[3] = c->k;
    b->ndim = 1;
    b->shape[0] = c->cout;
    w->values = malloc(tw_count(w) * sizeof(float));
    b->values = malloc(tw_count(b) * sizeof(float));
    if (!w->values || !b->values)
      goto fail;
    uint64_t seed = (uint64_t)(id * 1000 + li * 2);
    int fan_in = c->cin * c->k * c->k;
    hashed(seed, tw_count(w), 1 - (bit_length(fan_in) - 1) / 2, fine,
           w->values, &s);
    hashed(seed + 1, tw_count(b), -4, fine, b->values, &s);
  }
  if (sum)
    *sum = s;
  return n;
fail:
  tw_free(t, n);
  return 0;
}

void tw_free(tw_tensor *t, int n) {
  for (int i = 0; i < n; i++) {
    free(t[i].values);
    t[i].values = NULL;
  }
}

const char *tw_meta(const char *net) {
  static char buf[256];
  snprintf(buf, sizeof buf,
           "{\"format\":\"semantic-style-weights\",\"net\":\"%s\","
           "\"seed\":\"test\"}", net);
  return buf;
}

int tw_save_net(const char *path, const char *net, const char *dtype,
                double *sum) {
  tw_tensor t[32];
  int n = tw_net(net, dtype, t, 32, sum);
  if (!n)
    return -1;
  int rc = tw_save(path, t, n, tw_meta(net));
  tw_free(t, n);
  return rc;
}

int tw_compare(const char *what, const float *got, const float *want,
               size_t n, double atol, double rtol) {
  double max_abs = 0, max_rel = 0;
  size_t bad = 0, first_bad = 0;
  for (size_t i = 0; i < n; i++) {
    double g = got[i], w = want[i], d = fabs(g - w);
    double r = d / (fabs(w) > 1e-30 ? fabs(w) : 1e-30);
    if (!(d <= atol + rtol * fabs(w))) { /* also catches NaN */
      if (!bad)
        first_bad = i;
      bad++;
    }
    if (d > max_abs || isnan(d))
      max_abs = d;
    if (fabs(w) > atol && r > max_rel)
      max_rel = r;
  }
  printf("%s %s: max abs err %.3g, max rel err %.3g (|w| > %.1g) over %zu "
         "values", bad ? "FAIL" : "ok  ", what, max_abs, max_rel, atol, n);
  if (bad)
    printf("; %zu out of tolerance, first at %zu: got %.9g want %.9g", bad,
           first_bad, got[first_bad], want[first_bad]);
  printf("\n");
  return bad ? 1 : 0;
}

const char *tw_tmpdir(void) {
  static char dir[256];
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/sst-nn-XXXXXX", base && *base ? base : "/tmp");
  return mkdtemp(dir);
}

void tw_cleanup(const char *dir) {
  if (!dir)
    return;
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
        continue;
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      remove(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

int tw_on_progress(float fraction, const char *stage, void *user) {
  tw_progress_log *l = user;
  (void)stage;
  if (fraction < l->last)
    l->monotonic = 0;
  l->last = fraction;
  l->calls++;
  return (l->cancel_at && l->calls >= l->cancel_at) ||
         (l->cancel_from > 0.0f && fraction >= l->cancel_from);
}
