/* recon_pixregion.c - one region's pixels for the per-pixel methods (the
 * float32 path, recon_pixel.c, and the float64 reference, recon_plain.c):
 * the pixels with weight > 0, their weights, scratch for the statistics
 * terms and, with a per-pixel (Gaussian) term, its landmark estimator. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "recon_internal.h"

void sst_pixel_region_free(sst_pixel_region *rc) {
  free(rc->idx);
  free(rc->w);
  free(rc->mu_o);
  free(rc->sig_o);
  free(rc->g_mu);
  free(rc->G);
  free(rc->Gd);
  if (rc->est)
    rc->ts->pixel->free(rc->est);
}

sst_status sst_pixel_region_init(sst_pixel_region *rc, const sst_recon_stats *st,
                              const sst_termset *ts, const sst_recon_params *p,
                              int k, sst_ctx *prog, sst_error *err) {
  memset(rc, 0, sizeof *rc);
  const int C = st->C, N = st->N;
  const sst_region_stats *r = &st->reg[k];
  rc->st = st;
  rc->r = r;
  rc->ts = ts;
  rc->gamma = p->gamma;
  rc->poly_c = p->poly_c;
  rc->C = C;
  rc->n = r->n;
  rc->W = r->W;
  rc->prog = prog;
  const size_t cc = (size_t)C * C;
  rc->idx = malloc(sizeof(int) * (size_t)r->n);
  rc->w = malloc(sizeof(float) * (size_t)r->n);
  rc->mu_o = calloc((size_t)C, sizeof(double));
  rc->sig_o = calloc(cc, sizeof(double));
  rc->g_mu = calloc((size_t)C, sizeof(double));
  rc->G = calloc(cc, sizeof(double));
  rc->Gd = calloc((size_t)C, sizeof(double));
  if (!rc->idx || !rc->w || !rc->mu_o || !rc->sig_o || !rc->g_mu || !rc->G ||
      !rc->Gd)
    goto nomem;
  const float *wk = st->wc ? st->wc + (size_t)k * N : NULL;
  int t = 0;
  for (int i = 0; i < N; i++) {
    float v = wk ? wk[i] : 1.0f;
    if (v > 0.0f && t < r->n) {
      rc->idx[t] = i;
      rc->w[t++] = v;
    }
  }
  if (ts->pixel) {
    const sst_style_set *sty = r->style;
    double *sv =
        malloc(sizeof(double) * (size_t)C * (size_t)(sty->L ? sty->L : 1));
    if (!sv)
      goto nomem;
    const double inv_s = 1.0 / st->scale;
    for (int c = 0; c < C; c++)
      for (int j = 0; j < sty->L; j++)
        sv[(size_t)c * sty->L + j] =
            st->fs[(size_t)c * st->M + (size_t)sty->lm[j]] * inv_s;
    rc->est = ts->pixel->init(C, r->sigma2, r->L, r->a, sty->L, sty->b, sv,
                              sty->diag);
    free(sv);
    if (!rc->est)
      goto nomem;
  }
  return SST_OK;
nomem:
  sst_pixel_region_free(rc);
  return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
}
