/* recon_result.c - target pixels from a solved reconstruction.
 * (A method with its own way of making pixels, the patch method, plugs in
 * through the result's span hook, with the same bands and scratch.)
 *
 * For the affine kernels a target pixel is the weight-blend of the region
 * maps, o_i = sum_k w_ki (A_k c_i + s b_k) / sum_k w_ki (content pixel where
 * the total weight is 0).  Computing it on demand, a run of pixels or a
 * rectangle at a time, lets the tiled decoder work on any image size with
 * only one tile of target in memory. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "conv_par.h"
#include "error.h"
#include "recon_internal.h"
#include "scratch_pool.h"

#define APPLY_BLOCK SST_RECON_SPAN_MAX /* pixels per sgemm block when blending */

void sst_recon_result_free(sst_recon_result *r) {
  if (!r)
    return;
  if (r->A)
    for (int k = 0; k < r->st->K; k++)
      free(r->A[k]);
  if (r->b)
    for (int k = 0; k < r->st->K; k++)
      free(r->b[k]);
  free(r->A);
  free(r->b);
  free(r->owned);
  if (r->impl_free)
    r->impl_free(r->impl);
  free(r);
}

/* out[c*ld + i] = (A x_i)_c + s b_c for i < n: one region's map of the
 * content pixels x (C rows, leading dimension xld). */
static void map_run(const sst_recon_stats *st, const float *A, const double *b,
                    const float *x, size_t xld, int n, float *out, size_t ld) {
  const int C = st->C;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, n, C, 1.0f, A, C,
              x, (int)xld, 0.0f, out, (int)ld);
  for (int c = 0; c < C; c++) {
    const float sb = (float)(st->scale * b[c]);
    float *row = out + (size_t)c * ld;
    for (int i = 0; i < n; i++)
      row[i] += sb;
  }
}

/* Region whose weight is exactly 1 over all of [p0, p0+n), or -1 (needs
 * the weights: the one-region case without them is handled by the caller). */
static int sole_region(const sst_recon_result *r, int p0, int n) {
  const sst_recon_stats *st = r->st;
  for (int k = 0; k < st->K; k++) {
    if (!r->A[k])
      continue;
    const float *w = st->wc + (size_t)k * st->N + p0;
    int full = 1;
    for (int i = 0; i < n && full; i++)
      full = w[i] == 1.0f;
    if (full)
      return k;
  }
  return -1;
}

/* Blend of every region touching [p0, p0+n), n <= APPLY_BLOCK, whose
 * content pixels are x (leading dimension xld). */
static void blend_block(const sst_recon_result *r, int p0, const float *x,
                        size_t xld, int n, float *out, size_t ld, float *tmp,
                        float *wsum) {
  const sst_recon_stats *st = r->st;
  const int C = st->C;
  memset(wsum, 0, sizeof(float) * (size_t)n);
  for (int c = 0; c < C; c++)
    memset(out + (size_t)c * ld, 0, sizeof(float) * (size_t)n);
  for (int k = 0; k < st->K; k++) {
    if (!r->A[k])
      continue;
    const float *w = st->wc + (size_t)k * st->N + p0;
    int any = 0;
    for (int i = 0; i < n && !any; i++)
      any = w[i] > 0.0f;
    if (!any)
      continue;
    map_run(st, r->A[k], r->b[k], x, xld, n, tmp, (size_t)n);
    for (int c = 0; c < C; c++) {
      float *orow = out + (size_t)c * ld;
      const float *trow = tmp + (size_t)c * n;
      for (int i = 0; i < n; i++)
        if (w[i] > 0.0f)
          orow[i] += w[i] * trow[i];
    }
    for (int i = 0; i < n; i++)
      if (w[i] > 0.0f)
        wsum[i] += w[i];
  }
  for (int c = 0; c < C; c++) {
    float *orow = out + (size_t)c * ld;
    const float *crow = x + (size_t)c * xld;
    for (int i = 0; i < n; i++)
      orow[i] = wsum[i] > 0.0f ? orow[i] / wsum[i] : crow[i];
  }
}

/* Target pixels of one span [p0, p0+n) into out (leading dimension ld),
 * APPLY_BLOCK pixels at a time, from its content pixels x (leading
 * dimension xld); tmp (C x APPLY_BLOCK) and wsum are the caller's
 * scratch. */
static void apply_span(const sst_recon_result *r, int p0, const float *x,
                       size_t xld, int n, float *out, size_t ld, float *tmp,
                       float *wsum) {
  const sst_recon_stats *st = r->st;
  const int C = st->C;
  if (r->content_only) {
    for (int c = 0; c < C; c++)
      memcpy(out + (size_t)c * ld, x + (size_t)c * xld,
             sizeof(float) * (size_t)n);
    return;
  }
  if (r->target) { /* content copy or per-pixel solution */
    for (int c = 0; c < C; c++)
      memcpy(out + (size_t)c * ld, r->target + (size_t)c * st->N + p0,
             sizeof(float) * (size_t)n);
    return;
  }
  if (r->span) { /* a method's own pixels (the patch method) */
    for (int i0 = 0; i0 < n; i0 += APPLY_BLOCK)
      r->span(r, p0 + i0, n - i0 < APPLY_BLOCK ? n - i0 : APPLY_BLOCK,
              out + i0, ld, tmp, wsum);
    return;
  }
  if (st->K == 1 && !st->wc) { /* one region covering everything */
    if (r->A[0])
      map_run(st, r->A[0], r->b[0], x, xld, n, out, ld);
    else /* region skipped: the content */
      for (int c = 0; c < C; c++)
        memcpy(out + (size_t)c * ld, x + (size_t)c * xld,
               sizeof(float) * (size_t)n);
    return;
  }
  for (int i0 = 0; i0 < n; i0 += APPLY_BLOCK) {
    const int B = n - i0 < APPLY_BLOCK ? n - i0 : APPLY_BLOCK;
    /* Inside a hard region the blend is the identity: map straight in. */
    int only = sole_region(r, p0 + i0, B);
    if (only >= 0)
      map_run(st, r->A[only], r->b[only], x + i0, xld, B, out + i0, ld);
    else
      blend_block(r, p0 + i0, x + i0, xld, B, out + i0, ld, tmp, wsum);
  }
}

/* Pixels base + y * stride + [0, w) for rows y < h (the last row may be
 * shorter: last_w), written to out + y * w with plane stride ld: a
 * rectangle of the feature grid, or a run cut into rows.  Bands of whole
 * rows, ~APPLY_BLOCK pixels a band, are spread over the engine's workers
 * (conv_par.h), each with its own scratch. */
typedef struct {
  const sst_recon_result *r;
  int base, stride, w, h, last_w, rows_per_band;
  float *out;
  size_t ld;
  /* the content pixels: NULL = the stats' own fc; else the rectangle read
   * through the stats' reader, w x h with plane stride ld */
  const float *x;
  float *tmp[SST_MAX_WORKERS], *wsum[SST_MAX_WORKERS];
} apply_job;

static void apply_band(void *ctx, int band, int worker) {
  apply_job *j = ctx;
  const int y1 = (band + 1) * j->rows_per_band;
  const sst_recon_stats *st = j->r->st;
  for (int y = band * j->rows_per_band; y < y1 && y < j->h; y++) {
    const int p0 = j->base + y * j->stride;
    const float *x = j->x ? j->x + (size_t)y * j->w : st->fc + p0;
    apply_span(j->r, p0, x, j->x ? j->ld : (size_t)st->N,
               y == j->h - 1 ? j->last_w : j->w, j->out + (size_t)y * j->w,
               j->ld, j->tmp[worker], j->wsum[worker]);
  }
}

static sst_status apply_rows(apply_job *j, sst_ctx *prog,
                             sst_error *err) {
  j->rows_per_band = j->w >= APPLY_BLOCK ? 1 : APPLY_BLOCK / j->w;
  const int nbands = (j->h + j->rows_per_band - 1) / j->rows_per_band;
  int workers = sst_ctx_threads(prog);
  workers = workers < nbands ? workers : nbands;
  workers = workers < SST_MAX_WORKERS ? workers : SST_MAX_WORKERS;
  /* per worker one pooled block (scratch_pool.h): the decoder asks for
   * the target tile by tile, each call a fresh 1 MB per worker otherwise */
  const size_t C = (size_t)j->r->st->C;
  const size_t tmp_bytes = sizeof(float) * C * APPLY_BLOCK;
  size_t bytes = 0;
  sst_scratch_carve(NULL, &bytes, tmp_bytes);
  sst_scratch_carve(NULL, &bytes, sizeof(float) * APPLY_BLOCK);
  char *block[SST_MAX_WORKERS];
  int ok = 1;
  for (int t = 0; t < workers; t++) {
    block[t] = sst_scratch_take(bytes);
    ok &= block[t] != NULL;
    size_t off = 0;
    j->tmp[t] = sst_scratch_carve(block[t], &off, tmp_bytes);
    j->wsum[t] = sst_scratch_carve(block[t], &off, sizeof(float) * APPLY_BLOCK);
  }
  sst_status rc =
      ok ? sst_run_bands(nbands, workers, apply_band, j, prog, err)
         : sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  for (int t = 0; t < workers; t++)
    sst_scratch_give(block[t], bytes);
  return rc;
}

sst_status sst_recon_result_run(const sst_recon_result *r, int p0, int n,
                                float *out, size_t ld, sst_ctx *prog,
                                sst_error *err) {
  if (!r || !out || p0 < 0 || n < 0 || p0 > r->st->N - n || ld < (size_t)n)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: bad pixel range");
  if (!r->st->fc)
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: streamed content is made by rectangles");
  if (n == 0)
    return sst_ctx_tick(prog, 1.0f)
               ? sst_fail(err, SST_ERR_CANCELLED, "cancelled")
               : SST_OK;
  const int w = n < APPLY_BLOCK ? n : APPLY_BLOCK, h = (n + w - 1) / w;
  apply_job j = {.r = r, .base = p0, .stride = w, .w = w, .h = h,
                 .last_w = n - (h - 1) * w, .out = out, .ld = ld};
  return apply_rows(&j, prog, err);
}

sst_status sst_recon_result_rect(const sst_recon_result *r, int grid_w, int x0,
                                 int y0, int w, int h, float *out,
                                 sst_error *err) {
  if (!r || !out || grid_w <= 0 || r->st->N % grid_w != 0 || x0 < 0 || y0 < 0 ||
      w <= 0 || h <= 0 || x0 > grid_w - w || y0 > r->st->N / grid_w - h)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: bad rectangle");
  const size_t plane = (size_t)w * (size_t)h;
  const sst_recon_stats *st = r->st;
  if (!st->fc) { /* streamed: this rectangle's content, read in first */
    float *x = malloc(sizeof(float) * (size_t)st->C * plane);
    if (!x)
      return sst_fail(err, SST_ERR_NOMEM,
                      "reconstruct: out of memory for a content tile");
    sst_status rc = st->rd.read(st->rd.ctx, x0, y0, w, h, x, err);
    apply_job j = {.r = r, .base = y0 * grid_w + x0, .stride = grid_w,
                   .w = w, .h = h, .last_w = w, .out = out, .ld = plane,
                   .x = x};
    if (rc == SST_OK)
      rc = apply_rows(&j, NULL, err);
    free(x);
    return rc;
  }
  if (x0 == 0 && w == grid_w) /* whole rows: one contiguous run */
    return sst_recon_result_run(r, y0 * grid_w, w * h, out, plane, NULL, err);
  apply_job j = {.r = r, .base = y0 * grid_w + x0, .stride = grid_w, .w = w,
                 .h = h, .last_w = w, .out = out, .ld = plane};
  return apply_rows(&j, NULL, err);
}
