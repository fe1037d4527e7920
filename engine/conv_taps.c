/* conv_taps.c - see conv_taps.h. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "conv_cache.h"
#include "conv_par.h"
#include "conv_taps.h"
#include "error.h"
#include "layers.h" /* sst_reflect1 */

/* Tap planes of a band kept near the L2 cache: written by sgemm, read
 * once by the sums. */
#define TAPS_BAND_BYTES ((size_t)1 << 20)

typedef struct {
  const sst_tensor *in;
  const float *wt; /* 9 * cout x cin: row co * 9 + t */
  const float *bias;
  int cout, relu, band_rows;
  sst_tensor *out;
  float *scratch; /* per worker: the band's tap planes */
  size_t per_worker;
} taps_job;

/* One output row of channel co: bias plus the 9 taps of rows p[0..2]
 * (the tap planes of input rows y-1, y, y+1, reflected), each tap t's
 * plane `plane` floats after the previous one. */
static void taps_row(const float *const p[3], size_t plane, int w, float b,
                     int relu, float *o) {
  for (int x = 0; x < w; x++)
    o[x] = b;
  for (int ky = 0; ky < 3; ky++)
    for (int kx = 0; kx < 3; kx++) {
      const float *t = p[ky] + (size_t)(ky * 3 + kx) * plane;
      const int dx = kx - 1;
      if (w == 1) {
        o[0] += t[0];
        continue;
      }
      /* interior: x + dx stays inside; the border pixel reflects */
      const int x0 = dx < 0 ? 1 : 0, x1 = dx > 0 ? w - 1 : w;
      for (int x = x0; x < x1; x++)
        o[x] += t[x + dx];
      if (dx < 0)
        o[0] += t[1];
      else if (dx > 0)
        o[w - 1] += t[w - 2];
    }
  if (relu)
    for (int x = 0; x < w; x++)
      o[x] = o[x] > 0.0f ? o[x] : 0.0f;
}

static void taps_band(void *ctx, int band, int worker) {
  const taps_job *j = ctx;
  const int h = j->in->h, w = j->in->w, cin = j->in->c, cout = j->cout;
  const int y0 = band * j->band_rows;
  const int y1 = y0 + j->band_rows < h ? y0 + j->band_rows : h;
  /* input rows r0 .. r1 - 1 cover y0 - 1 .. y1 and their reflections */
  const int r0 = y0 > 0 ? y0 - 1 : 0, r1 = y1 < h ? y1 + 1 : h;
  const size_t n = (size_t)(r1 - r0) * (size_t)w;
  const size_t plane_in = (size_t)h * (size_t)w;
  float *P = j->scratch + (size_t)worker * j->per_worker;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 9 * cout, (int)n,
              cin, 1.0f, j->wt, cin, j->in->data + (size_t)r0 * (size_t)w,
              (int)plane_in, 0.0f, P, (int)n);
  for (int co = 0; co < cout; co++) {
    const float *Pc = P + (size_t)co * 9 * n;
    float *oc = j->out->data + (size_t)co * plane_in;
    for (int y = y0; y < y1; y++) {
      const float *p[3];
      for (int ky = 0; ky < 3; ky++)
        p[ky] = Pc + (size_t)(sst_reflect1(y + ky - 1, h) - r0) * (size_t)w;
      taps_row(p, n, w, j->bias[co], j->relu, oc + (size_t)y * (size_t)w);
    }
  }
}

sst_status sst_conv3x3_taps(const sst_tensor *in, const float *weight,
                            const float *bias, int cout, int relu,
                            sst_tensor *out, sst_ctx *p, sst_error *err) {
  out->c = out->h = out->w = 0;
  out->data = NULL;
  if (!in || !in->data || in->c <= 0 || in->h <= 0 || in->w <= 0 || !weight ||
      !bias || cout <= 0 || cout > SST_TAPS_MAX_COUT)
    return sst_fail(err, SST_ERR_INVALID, "tap convolution: invalid "
                                          "arguments");
  const int h = in->h, w = in->w, cin = in->c;
  if ((size_t)h * (size_t)w > (size_t)INT_MAX)
    return sst_fail(err, SST_ERR_INVALID, "tap convolution: %dx%dx%d too "
                                          "large", cin, h, w);
  int workers = sst_ctx_threads(p), nbands;
  const size_t row_bytes = (size_t)9 * cout * (size_t)w * sizeof(float);
  int band_rows = sst_band_rows(0, row_bytes, TAPS_BAND_BYTES, h, workers,
                                &nbands);
  if (workers > nbands)
    workers = nbands;
  /* a band's planes span band_rows + 2 input rows */
  size_t per_worker = (size_t)9 * cout * ((size_t)band_rows + 2) * (size_t)w;
  per_worker = (per_worker + 15) & ~(size_t)15;
  const size_t nwt = (size_t)9 * cout * (size_t)cin;
  sst_tensor scratch;
  sst_status s = sst_fmap_layer(out, cout, h, w, &scratch,
                                per_worker * (size_t)workers + nwt, err);
  if (s)
    return s;
  /* weights as rows co * 9 + t of cin taps: W'[co*9+t][ci] = w[co][ci][t] */
  float *wt = scratch.data + per_worker * (size_t)workers;
  for (int co = 0; co < cout; co++)
    for (int ci = 0; ci < cin; ci++)
      for (int t = 0; t < 9; t++)
        wt[((size_t)co * 9 + (size_t)t) * (size_t)cin + (size_t)ci] =
            weight[((size_t)co * cin + (size_t)ci) * 9 + (size_t)t];
  taps_job j = {in, wt, bias, cout, relu, band_rows, out, scratch.data,
                per_worker};
  return sst_fmap_layer_done(
      out, &scratch, sst_run_bands(nbands, workers, taps_band, &j, p, err));
}
