/* recon_terms.c - the kernel terms of one parameter set: the parameter
 * check every method runs first, and S with its gradients at given
 * statistics (the statistics kernels' maths is kernels.c). */
#include <math.h>
#include <string.h>

#include "error.h"
#include "kernels.h"
#include "recon_internal.h"

#define MAX_ITERATIONS 100000

sst_status sst_recon_check_params(const sst_recon_stats *st,
                                  const sst_recon_params *p, sst_termset *ts,
                                  sst_error *err) {
  if (!st || !p)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: missing argument");
  if (!sst_kernel_valid(p->kernel))
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: unknown kernel %d",
                    (int)p->kernel);
  if (p->fuse_kernel != SST_KERNEL_NONE && !sst_kernel_valid(p->fuse_kernel))
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: unknown fuse kernel %d",
                    (int)p->fuse_kernel);
  if (!isfinite(p->gamma) || p->gamma < 0.0)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: gamma must be >= 0");
  if (!isfinite(p->poly_c) || p->poly_c < 0.0)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: poly c must be >= 0");
  if (p->fuse_kernel != SST_KERNEL_NONE &&
      (!isfinite(p->fuse_weight) || p->fuse_weight < 0.0))
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: fuse weight must be >= 0");
  if (p->iterations < 0 || p->iterations > MAX_ITERATIONS)
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: iterations must be in 0..%d", MAX_ITERATIONS);
  memset(ts, 0, sizeof *ts);
  ts->ops[ts->n] = sst_kernel_ops_of(p->kernel);
  ts->wt[ts->n++] = 1.0;
  if (p->fuse_kernel != SST_KERNEL_NONE && p->fuse_weight > 0.0) {
    ts->ops[ts->n] = sst_kernel_ops_of(p->fuse_kernel);
    ts->wt[ts->n++] = p->fuse_weight;
  }
  for (int t = 0; t < ts->n; t++) {
    const sst_kernel_ops *o = ts->ops[t];
    if (o->stats_add)
      ts->stats = 1;
    if (o->full_G)
      ts->full = 1;
    if (!o->pixel)
      continue;
    /* the per-pixel method runs one estimator per region */
    if (ts->pixel && ts->pixel != o->pixel)
      return sst_fail(err, SST_ERR_INVALID,
                      "reconstruct: two different per-pixel kernels cannot "
                      "be fused");
    ts->pixel = o->pixel;
    ts->pixel_wt += ts->wt[t];
  }
  return SST_OK;
}

/* S and gradients of every statistics term at (mu_o, Sigma_o). */
double sst_recon_stats_terms(const sst_termset *ts, double poly_c, int C,
                             const double *mu_o, const double *sig_o,
                             const sst_style_set *sty, double *g_mu, double *G,
                             double *Gd) {
  double S = 0.0;
  memset(g_mu, 0, sizeof(double) * (size_t)C);
  memset(Gd, 0, sizeof(double) * (size_t)C);
  if (ts->full)
    memset(G, 0, sizeof(double) * (size_t)C * (size_t)C);
  for (int t = 0; t < ts->n; t++)
    if (ts->ops[t]->stats_add)
      ts->ops[t]->stats_add(poly_c, ts->wt[t], C, mu_o, sig_o, sty->mu,
                            sty->sig, &S, g_mu, G, Gd);
  return S;
}
