/* preserve_colors.c - the result's luma Y' with the content's chroma
 * (preserve_colors.h for the choice of space and the gamut rule). */
#include "preserve_colors.h"
#include "conv_par.h"

#define BAND_ROWS 32

typedef struct {
  sst_image *out;
  const float *content;   /* interleaved RGB, or */
  const uint8_t *content8; /* the same as bytes (q / 255) */
} job;

static double luma(const float *p) {
  return SST_LUMA_R * p[0] + SST_LUMA_G * p[1] + SST_LUMA_B * p[2];
}

/* One pixel: Y' (1,1,1) + t d with d the content's chroma offset from its
 * own grey, t the largest value in [0,1] keeping every channel in [0,1]. */
static void keep_chroma(float *o, const float *c) {
  const double y = luma(o), yc = luma(c);
  double d[3], t = 1.0;
  for (int i = 0; i < 3; i++) {
    d[i] = (double)c[i] - yc;
    if (d[i] > 0.0 && y + t * d[i] > 1.0)
      t = (1.0 - y) / d[i];
    else if (d[i] < 0.0 && y + t * d[i] < 0.0)
      t = y / -d[i];
  }
  for (int i = 0; i < 3; i++) {
    double v = y + t * d[i];
    o[i] = (float)(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v); /* round-off only */
  }
}

static void band(void *ctx, int b, int worker) {
  (void)worker;
  job *j = ctx;
  const int w = j->out->width;
  const int y1 = (b + 1) * BAND_ROWS < j->out->height ? (b + 1) * BAND_ROWS
                                                      : j->out->height;
  for (size_t i = (size_t)b * BAND_ROWS * w; i < (size_t)y1 * w; i++) {
    float c8[3];
    if (j->content8)
      for (int c = 0; c < 3; c++)
        c8[c] = j->content8[3 * i + c] / 255.0f;
    keep_chroma(j->out->rgb + 3 * i, j->content8 ? c8 : j->content + 3 * i);
  }
}

static void run(sst_image *out, job *j, const sst_ctx *ctx) {
  const int nb = (out->height + BAND_ROWS - 1) / BAND_ROWS;
  /* bands are independent pixels: any order gives the same result */
  if (sst_run_bands(nb, sst_ctx_threads(ctx), band, j, NULL, NULL) != SST_OK)
    for (int b = 0; b < nb; b++)
      band(j, b, 0);
}

void sst_preserve_colors(sst_image *out, const sst_image *content,
                         const sst_ctx *ctx) {
  if (!out || !content || !out->rgb || !content->rgb ||
      out->width != content->width || out->height != content->height)
    return;
  job j = {out, content->rgb, NULL};
  run(out, &j, ctx);
}

void sst_preserve_colors8(sst_image *out, const uint8_t *content, int width,
                          int height, const sst_ctx *ctx) {
  if (!out || !content || !out->rgb || out->width != width ||
      out->height != height)
    return;
  job j = {out, NULL, content};
  run(out, &j, ctx);
}
