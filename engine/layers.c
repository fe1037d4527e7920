/* layers.c - convolutions (im2col + sgemm), pooling, upsampling.
 *
 * Row bands run on conv_par.c's worker threads, each band with its own
 * im2col copy, single-threaded sgemm and copy-out; the Winograd path is in
 * conv_winograd.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "conv_cache.h"
#include "conv_par.h"
#include "conv_taps.h"
#include "error.h"
#include "layers.h"

static void empty(sst_tensor *t) {
  t->c = t->h = t->w = 0;
  t->data = NULL;
}

/* dst[x] = src[sst_reflect1(x + dx)] for x in [0, w), dx in {-1, 0, 1}: one
 * memcpy plus one border element instead of a branch per element. */
static void shifted_row(float *dst, const float *src, int w, int dx) {
  if (dx == 0) {
    memcpy(dst, src, (size_t)w * sizeof *dst);
  } else if (w == 1) {
    dst[0] = src[0];
  } else if (dx < 0) {
    dst[0] = src[1];
    memcpy(dst + 1, src, (size_t)(w - 1) * sizeof *dst);
  } else {
    memcpy(dst, src + 1, (size_t)(w - 1) * sizeof *dst);
    dst[w - 1] = src[w - 2];
  }
}

/* Column matrix for output rows [y0, y1): row (c*9 + ky*3 + kx) holds the
 * input pixels seen by kernel tap (ky, kx) of channel c, so that the
 * PyTorch [cout, cin*9] weight matrix multiplies it directly. */
static void im2col_band(const sst_tensor *in, int y0, int y1, float *col) {
  const int w = in->w, h = in->h;
  const size_t nb = (size_t)(y1 - y0) * (size_t)w;
  const size_t plane = (size_t)h * (size_t)w;
  for (int c = 0; c < in->c; c++) {
    const float *chan = in->data + (size_t)c * plane;
    for (int ky = 0; ky < 3; ky++) {
      float *rows = col + (size_t)(c * 9 + ky * 3) * nb;
      for (int y = y0; y < y1; y++) {
        const float *src = chan + (size_t)sst_reflect1(y + ky - 1, h) * (size_t)w;
        size_t o = (size_t)(y - y0) * (size_t)w;
        for (int kx = 0; kx < 3; kx++)
          shifted_row(rows + (size_t)kx * nb + o, src, w, kx - 1);
      }
    }
  }
}

/* dst[co*ld + i] = src[co*n + i] + bias[co] (then ReLU), i < n: moves the
 * band's contiguous sgemm result into the planar output. */
static void bias_relu_store(float *dst, size_t ld, const float *src, size_t n,
                            int cout, const float *bias, int relu) {
  for (int co = 0; co < cout; co++) {
    float *o = dst + (size_t)co * ld;
    const float *s = src + (size_t)co * n;
    const float b = bias[co];
    if (relu)
      for (size_t i = 0; i < n; i++) {
        float v = s[i] + b;
        o[i] = v > 0.0f ? v : 0.0f;
      }
    else
      for (size_t i = 0; i < n; i++)
        o[i] = s[i] + b;
  }
}

static sst_status check_input(const sst_tensor *in, const float *weight,
                              const float *bias, int cout, sst_error *err) {
  if (!in || !in->data || in->c <= 0 || in->h <= 0 || in->w <= 0 || !weight ||
      !bias || cout <= 0)
    return sst_fail(err, SST_ERR_INVALID, "convolution: invalid arguments");
  /* sgemm takes int dimensions and leading dimensions. */
  if ((size_t)in->h * (size_t)in->w > (size_t)INT_MAX ||
      (size_t)in->c * 9 > (size_t)INT_MAX)
    return sst_fail(err, SST_ERR_INVALID, "convolution: %dx%dx%d too large",
                    in->c, in->h, in->w);
  return SST_OK;
}

typedef struct {
  const sst_tensor *in;
  const float *weight, *bias;
  int cout, relu, band_rows;
  sst_tensor *out;
  float *scratch; /* per worker: im2col matrix, then the band's result */
  size_t per_worker;
} im2col_job;

static void im2col_band_run(void *ctx, int band, int worker) {
  const im2col_job *j = ctx;
  const int h = j->in->h, w = j->in->w, k = j->in->c * 9, cout = j->cout;
  const int y0 = band * j->band_rows;
  const int y1 = y0 + j->band_rows < h ? y0 + j->band_rows : h;
  const int nb = (y1 - y0) * w;
  float *col = j->scratch + (size_t)worker * j->per_worker;
  float *res = col + (size_t)k * (size_t)j->band_rows * (size_t)w;
  im2col_band(j->in, y0, y1, col);
  /* beta = 0: BLAS must not read C, so res needs no initialisation.  The
   * result goes to a contiguous block: writing straight into the planar
   * output would stride every row by H*W floats, which measured 2-3x
   * slower (TLB and cache-set pressure). */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, nb, k, 1.0f,
              j->weight, k, col, nb, 0.0f, res, nb);
  bias_relu_store(j->out->data + (size_t)y0 * (size_t)w,
                  (size_t)h * (size_t)w, res, (size_t)nb, cout, j->bias,
                  j->relu);
}

sst_status sst_conv3x3_banded(const sst_tensor *in, const float *weight,
                              const float *bias, int cout, int relu,
                              int band_rows, sst_tensor *out, sst_ctx *p,
                              sst_error *err) {
  empty(out);
  sst_status s = check_input(in, weight, bias, cout, err);
  if (s)
    return s;
  const int h = in->h, w = in->w, k = in->c * 9;
  int workers = sst_ctx_threads(p);
  /* per output row: K im2col floats plus cout result floats per pixel */
  size_t row_bytes = ((size_t)k + (size_t)cout) * (size_t)w * sizeof(float);
  int nbands;
  band_rows = sst_band_rows(band_rows, row_bytes, SST_CONV_BAND_BYTES, h,
                            workers, &nbands);
  if (workers > nbands)
    workers = nbands;
  size_t per_worker = ((size_t)k + (size_t)cout) * (size_t)band_rows *
                      (size_t)w;
  per_worker = (per_worker + 15) & ~(size_t)15; /* 64-byte aligned parts */
  if ((size_t)band_rows * (size_t)w * (size_t)(k > cout ? k : cout) >
      (size_t)INT_MAX)
    return sst_fail(err, SST_ERR_INVALID, "convolution: %dx%dx%d too large",
                    in->c, h, w);
  sst_tensor scratch;
  s = sst_fmap_layer(out, cout, h, w, &scratch, per_worker * (size_t)workers,
                     err);
  if (s)
    return s;
  im2col_job j = {in, weight, bias, cout, relu, band_rows, out, scratch.data,
                  per_worker};
  return sst_fmap_layer_done(
      out, &scratch, sst_run_bands(nbands, workers, im2col_band_run, &j, p, err));
}

sst_status sst_conv3x3(const sst_tensor *in, const float *weight,
                       const float *bias, int cout, int relu, sst_tensor *out,
                       sst_ctx *p, sst_error *err) {
  return sst_conv3x3_banded(in, weight, bias, cout, relu, 0, out, p, err);
}

int sst_conv_pick_winograd(const sst_ctx *ctx, int cin, int cout, int h,
                           int w) {
  switch (sst_ctx_conv_path(ctx)) {
  case SST_CONV_IM2COL:
    return 0;
  case SST_CONV_WINOGRAD:
    return 1;
  default:
    /* With cin = 3 (conv1_1) the 36 products have K = 3 and are bound by
     * memory traffic, where im2col's single K = 27 product is cheaper; maps
     * under one tile waste most of the 6x6 transform.  Few outputs take
     * the tap planes (conv_taps.h). */
    return cin >= 16 && h >= 4 && w >= 4 && !sst_conv_pick_taps(ctx, cin, cout);
  }
}

int sst_conv_pick_taps(const sst_ctx *ctx, int cin, int cout) {
  return sst_ctx_conv_path(ctx) == SST_CONV_AUTO && cout <= SST_TAPS_MAX_COUT &&
         cin >= 16;
}

sst_status sst_conv1x1(const sst_tensor *in, const float *weight,
                       const float *bias, int cout, int relu, sst_tensor *out,
                       sst_error *err) {
  empty(out);
  sst_status s = check_input(in, weight, bias, cout, err);
  if (s)
    return s;
  s = sst_fmap_alloc(out, cout, in->h, in->w, err);
  if (s)
    return s;
  const int n = in->h * in->w;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, n, in->c, 1.0f,
              weight, in->c, in->data, n, 0.0f, out->data, n);
  /* in place: same layout, contiguous */
  bias_relu_store(out->data, (size_t)n, out->data, (size_t)n, cout, bias,
                  relu);
  return SST_OK;
}

void sst_relu(sst_tensor *t) {
  size_t n = sst_tensor_size(t);
  for (size_t i = 0; i < n; i++)
    t->data[i] = t->data[i] > 0.0f ? t->data[i] : 0.0f;
}

sst_status sst_maxpool2(const sst_tensor *in, sst_tensor *out,
                        sst_error *err) {
  empty(out);
  if (!in || !in->data || in->c <= 0)
    return sst_fail(err, SST_ERR_INVALID, "max-pool: invalid arguments");
  const int oh = in->h / 2, ow = in->w / 2;
  if (oh < 1 || ow < 1)
    return sst_fail(err, SST_ERR_INVALID,
                    "max-pool: a %dx%d feature map is too small to pool",
                    in->w, in->h);
  sst_status s = sst_fmap_alloc(out, in->c, oh, ow, err);
  if (s)
    return s;
  const size_t w = (size_t)in->w;
  for (int c = 0; c < in->c; c++) {
    const float *src = in->data + (size_t)c * (size_t)in->h * w;
    float *dst = out->data + (size_t)c * (size_t)oh * (size_t)ow;
    for (int y = 0; y < oh; y++) {
      const float *r0 = src + (size_t)(2 * y) * w, *r1 = r0 + w;
      for (int x = 0; x < ow; x++) {
        float a = r0[2 * x] > r0[2 * x + 1] ? r0[2 * x] : r0[2 * x + 1];
        float b = r1[2 * x] > r1[2 * x + 1] ? r1[2 * x] : r1[2 * x + 1];
        dst[(size_t)y * (size_t)ow + (size_t)x] = a > b ? a : b;
      }
    }
  }
  return SST_OK;
}

sst_status sst_upsample2(const sst_tensor *in, sst_tensor *out,
                         sst_error *err) {
  empty(out);
  if (!in || !in->data || in->c <= 0 || in->h <= 0 || in->w <= 0)
    return sst_fail(err, SST_ERR_INVALID, "upsample: invalid arguments");
  if (in->h > INT_MAX / 2 || in->w > INT_MAX / 2)
    return sst_fail(err, SST_ERR_INVALID, "upsample: input too large");
  sst_status s = sst_fmap_alloc(out, in->c, 2 * in->h, 2 * in->w, err);
  if (s)
    return s;
  const size_t w = (size_t)in->w, ow = 2 * w;
  for (int c = 0; c < in->c; c++) {
    const float *src = in->data + (size_t)c * (size_t)in->h * w;
    float *dst = out->data + (size_t)c * (size_t)out->h * ow;
    for (int y = 0; y < in->h; y++) {
      float *r = dst + (size_t)(2 * y) * ow;
      const float *sr = src + (size_t)y * w;
      for (size_t x = 0; x < w; x++)
        r[2 * x] = r[2 * x + 1] = sr[x];
      memcpy(r + ow, r, ow * sizeof *r);
    }
  }
  return SST_OK;
}
