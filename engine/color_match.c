/* color_match.c - see color_match.h.
 *
 * Both passes over the pixels run in bands of BAND_ROWS rows on the
 * engine's workers; the moments are summed per band and the bands added in
 * order, so the result does not depend on the number of threads. */
#include <stdlib.h>
#include <string.h>

#include "color_match.h"
#include "conv_par.h"
#include "monge.h"

#define BAND_ROWS 32

/* Bilinear weights of pixel (x, y) for every region of m into wk (K).
 * Sample positions outside the grid's cell centres clamp to the border. */
static void pixel_weights(const sst_region_masks *m, int x, int y, float *wk) {
  const float gx = ((float)x + 0.5f) / (float)m->block - 0.5f;
  const float gy = ((float)y + 0.5f) / (float)m->block - 0.5f;
  int x0 = gx < 0.0f ? 0 : (int)gx, y0 = gy < 0.0f ? 0 : (int)gy;
  if (x0 > m->gw - 1)
    x0 = m->gw - 1;
  if (y0 > m->gh - 1)
    y0 = m->gh - 1;
  const int x1 = x0 + 1 < m->gw ? x0 + 1 : x0, y1 = y0 + 1 < m->gh ? y0 + 1 : y0;
  float fx = gx - (float)x0, fy = gy - (float)y0;
  fx = fx < 0.0f ? 0.0f : fx > 1.0f ? 1.0f : fx;
  fy = fy < 0.0f ? 0.0f : fy > 1.0f ? 1.0f : fy;
  const size_t plane = (size_t)m->gw * m->gh;
  for (int k = 0; k < m->K; k++) {
    const float *g = m->grid + (size_t)k * plane;
    const float top = g[(size_t)y0 * m->gw + x0] * (1.0f - fx) + g[(size_t)y0 * m->gw + x1] * fx;
    const float bot = g[(size_t)y1 * m->gw + x0] * (1.0f - fx) + g[(size_t)y1 * m->gw + x1] * fx;
    wk[k] = top * (1.0f - fy) + bot * fy;
  }
}

/* Raw sums per region: w, w x (3), w x x^T (upper 6). */
typedef struct {
  double w, s[3], q[6];
} sums;

static void accumulate(sums *a, double w, const float *px) {
  const double r = px[0], g = px[1], b = px[2];
  a->w += w;
  a->s[0] += w * r;
  a->s[1] += w * g;
  a->s[2] += w * b;
  a->q[0] += w * r * r;
  a->q[1] += w * r * g;
  a->q[2] += w * r * b;
  a->q[3] += w * g * g;
  a->q[4] += w * g * b;
  a->q[5] += w * b * b;
}

static void finish(const sums *a, sst_color_moments *out) {
  memset(out, 0, sizeof *out);
  out->w = a->w;
  if (!(a->w > 0.0))
    return;
  for (int i = 0; i < 3; i++)
    out->mean[i] = a->s[i] / a->w;
  static const int upper[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      out->cov[i * 3 + j] = a->q[upper[i][j]] / a->w - out->mean[i] * out->mean[j];
}

typedef struct {
  const sst_image *img;
  const sst_region_masks *m;
  sums *part;                /* bands x K, or K shared by all bands */
  int shared;
  const double (*maps)[12];
  sst_image *out;
} band_job;

static void band_moments(void *ctx, int band, int worker) {
  (void)worker;
  const band_job *j = ctx;
  const int K = j->m ? j->m->K : 1;
  sums *acc = j->part + (j->shared ? 0 : (size_t)band * K);
  float wk[SST_MAX_LABELS];
  const int y1 = (band + 1) * BAND_ROWS < j->img->height ? (band + 1) * BAND_ROWS
                                                          : j->img->height;
  for (int y = band * BAND_ROWS; y < y1; y++)
    for (int x = 0; x < j->img->width; x++) {
      const float *px = j->img->rgb + ((size_t)y * j->img->width + x) * 3;
      if (!j->m) {
        accumulate(&acc[0], 1.0, px);
        continue;
      }
      pixel_weights(j->m, x, y, wk);
      for (int k = 0; k < K; k++)
        if (wk[k] > 0.0f)
          accumulate(&acc[k], wk[k], px);
    }
}

static int band_count(const sst_image *img) {
  return (img->height + BAND_ROWS - 1) / BAND_ROWS;
}

/* Runs fn over every band on the engine's workers; in order on this
 * thread when they cannot be started. */
static void run_bands(int nbands, sst_band_fn fn, band_job *j,
                      const sst_ctx *ctx) {
  if (sst_run_bands(nbands, sst_ctx_threads(ctx), fn, j, NULL, NULL) != SST_OK)
    for (int b = 0; b < nbands; b++)
      fn(j, b, 0);
}

void sst_color_moments_compute(const sst_image *img, const sst_region_masks *m,
                               sst_color_moments *out, const sst_ctx *ctx) {
  const int K = m ? m->K : 1, nb = band_count(img);
  sums one[SST_MAX_LABELS];
  sums *part = calloc((size_t)nb * K, sizeof *part);
  band_job j = {img, m, part, 0, NULL, NULL};
  if (part) {
    run_bands(nb, band_moments, &j, ctx);
  } else { /* no memory for the bands: in order, one accumulator */
    memset(one, 0, sizeof one);
    j.part = one;
    j.shared = 1;
    for (int b = 0; b < nb; b++)
      band_moments(&j, b, 0);
  }
  for (int k = 0; k < K; k++) {
    sums t;
    memset(&t, 0, sizeof t);
    for (int b = 0; b < (part ? nb : 1); b++) {
      const sums *p = part ? &part[(size_t)b * K + k] : &one[k];
      t.w += p->w;
      for (int i = 0; i < 3; i++)
        t.s[i] += p->s[i];
      for (int i = 0; i < 6; i++)
        t.q[i] += p->q[i];
    }
    finish(&t, &out[k]);
  }
  free(part);
}

void sst_color_map_solve(const sst_color_moments *src,
                         const sst_color_moments *dst, double strength,
                         double map[12]) {
  memset(map, 0, 12 * sizeof(double));
  map[0] = map[4] = map[8] = 1.0;
  if (!(strength > 0.0) || !(src->w > 0.0) || !(dst->w > 0.0))
    return;
  double cs[9], cd[9], T[9], a[9], b[9], ev[3];
  memcpy(cs, src->cov, sizeof cs);
  memcpy(cd, dst->cov, sizeof cd);
  for (int i = 0; i < 3; i++) {
    cs[i * 4] += SST_COLOR_RIDGE;
    cd[i * 4] += SST_COLOR_RIDGE;
  }
  if (sst_monge_map(3, cs, cd, T, a, b, ev) ||
      sst_sym_clamp(3, T, 0.0, SST_COLOR_MAX_GAIN, a, ev)) {
    /* no map (LAPACK failure): move the mean only */
    memset(T, 0, sizeof T);
    T[0] = T[4] = T[8] = 1.0;
  }
  for (int i = 0; i < 3; i++) {
    double tm = 0.0;
    for (int j = 0; j < 3; j++) {
      map[i * 3 + j] = (1.0 - strength) * (i == j) + strength * T[i * 3 + j];
      tm += T[i * 3 + j] * src->mean[j];
    }
    map[9 + i] = strength * (dst->mean[i] - tm);
  }
}

static inline float clamp01(double v) {
  return v < 0.0 ? 0.0f : v > 1.0 ? 1.0f : (float)v;
}

static void band_apply(void *ctx, int band, int worker) {
  (void)worker;
  const band_job *j = ctx;
  const int K = j->m ? j->m->K : 1;
  float wk[SST_MAX_LABELS] = {1.0f};
  sst_image *img = j->out;
  const int y1 = (band + 1) * BAND_ROWS < img->height ? (band + 1) * BAND_ROWS
                                                       : img->height;
  for (int y = band * BAND_ROWS; y < y1; y++)
    for (int x = 0; x < img->width; x++) {
      float *px = img->rgb + ((size_t)y * img->width + x) * 3;
      if (j->m)
        pixel_weights(j->m, x, y, wk);
      const double r = px[0], g = px[1], b = px[2];
      double o[3] = {0.0, 0.0, 0.0};
      for (int k = 0; k < K; k++) {
        if (!(wk[k] > 0.0f))
          continue;
        const double *A = j->maps[k];
        for (int i = 0; i < 3; i++)
          o[i] += wk[k] * (A[i * 3] * r + A[i * 3 + 1] * g + A[i * 3 + 2] * b + A[9 + i]);
      }
      for (int i = 0; i < 3; i++)
        px[i] = clamp01(o[i]);
    }
}

void sst_color_apply(sst_image *img, const sst_region_masks *m,
                     const double (*maps)[12], const sst_ctx *ctx) {
  band_job j = {img, m, NULL, 0, maps, img};
  run_bands(band_count(img), band_apply, &j, ctx);
}
