/* recon_warm.c - where the poly iteration starts (see recon_internal.h).
 *
 * With a poly term the descent starts at o = c and, at large gamma, ten
 * Armijo steps do not reach the style's second moment: the style term's
 * curvature spreads with the eigenvalues of Sigma_s, so gamma 300-1000 moved
 * *less* style than gamma 30 (QUALITY.md's sweep, 0.86 against 0.79).
 * The gamma -> infinity limit has a closed form: among linear maps o = T c
 * with T Sigma_c T = Sigma_s (Sigma = uncentred second moments), the one
 * closest to the identity in mean_w ||o - c||^2 is
 *     T = S^1/2 (S^1/2 Sigma_c S^1/2)^-1/2 S^1/2,   S = Sigma_s
 * (the Gram-matching "Monge map"; in the factored coordinates X = A~ L it
 * is the orthogonal-Procrustes projection of the content onto
 * X X^T = Sigma_s).  The start is A(t) = I + t (T - I), b = 0, with t on a
 * grid in [0, 1] minimising the full J (content term + gamma * every
 * statistics term), so it is never worse than the identity (t = 0 wins
 * ties) and the descent then refines it.  Along the line everything is a
 * quadratic in t of C x C matrices:
 *     Sigma_o(t) = Sigma_c + t (D Sigma_c + Sigma_c D^T) + t^2 D Sigma_c D^T,
 *     mu_o(t) = mu_c + t D mu_c,  content(t) = t^2 tr(D Sigma_c D^T),
 * D = T - I, so a grid point costs O(C^2).  Both the fast path and the
 * plain reference start from this map. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "monge.h"
#include "recon_internal.h"

#define T_GRID 16 /* grid steps on t in [0, 1] */

void sst_warm_cache_free(sst_warm_cache *wc) {
  if (!wc)
    return;
  free(wc->D); /* one block: D, L1, L2, Dmu */
  free(wc);
}

/* Fills the cache from the region's moments: D = T - I and the products
 * the line needs.  Leaves state -1 (identity start) when the moments give
 * no map.  Independent of gamma and the kernel, so it is built once with
 * the statistics and only read by the solves. */
sst_status sst_warm_prepare(const sst_region_stats *r, int C,
                               sst_warm_cache *wc, sst_error *err) {
  const size_t cc = (size_t)C * C;
  double *blk = malloc(sizeof(double) * (3 * cc + C));
  double *tmp = malloc(sizeof(double) * (2 * cc + C));
  if (!blk || !tmp) {
    free(blk);
    free(tmp);
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  }
  double *D = blk, *L1 = D + cc, *L2 = L1 + cc, *Dmu = L2 + cc;
  double *a = tmp, *b = a + cc, *ev = b + cc;
  if (sst_monge_map(C, r->sig, r->style->sig, D, a, b, ev)) {
    free(blk);
    free(tmp);
    wc->state = -1;
    return SST_OK;
  }
  for (int i = 0; i < C; i++)
    D[(size_t)i * C + i] -= 1.0;
  cblas_dsymm(CblasRowMajor, CblasRight, CblasUpper, C, C, 1.0, r->sig, C, D,
              C, 0.0, a, C); /* a = D Sigma_c */
  for (int i = 0; i < C; i++)
    for (int j = 0; j < C; j++)
      L1[(size_t)i * C + j] = a[(size_t)i * C + j] + a[(size_t)j * C + i];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, C, C, 1.0, a, C, D,
              C, 0.0, L2, C);
  double tr = 0.0;
  for (int i = 0; i < C; i++)
    tr += L2[(size_t)i * C + i];
  cblas_dgemv(CblasRowMajor, CblasNoTrans, C, C, 1.0, D, C, r->mu, 1, 0.0, Dmu,
              1);
  free(tmp);
  wc->D = D;
  wc->L1 = L1;
  wc->L2 = L2;
  wc->Dmu = Dmu;
  wc->trL2 = tr;
  wc->state = 1;
  return SST_OK;
}

/* Sigma_o and mu_o at the point t of the line (see the header). */
static void line_point(const sst_region_stats *r, const sst_warm_cache *wc,
                       int C, double t, double *sig_o, double *mu_o) {
  const size_t cc = (size_t)C * C;
  for (size_t e = 0; e < cc; e++)
    sig_o[e] = r->sig[e] + t * wc->L1[e] + t * t * wc->L2[e];
  for (int i = 0; i < C; i++)
    mu_o[i] = r->mu[i] + t * wc->Dmu[i];
}

sst_status sst_recon_warm_start(const sst_region_stats *r,
                                const sst_termset *ts, double gamma,
                                double poly_c, int C, double *A,
                                double *sig_o, double *mu_o, double *content,
                                double *t_out, sst_error *err) {
  const size_t cc = (size_t)C * C;
  /* start at the identity until a better t is found */
  memset(A, 0, sizeof(double) * cc);
  for (int i = 0; i < C; i++)
    A[(size_t)i * C + i] = 1.0;
  memcpy(sig_o, r->sig, sizeof(double) * cc);
  memcpy(mu_o, r->mu, sizeof(double) * (size_t)C);
  *content = 0.0;
  *t_out = 0.0;
  if (!ts->full || ts->pixel || !(gamma > 0.0) || !r->warm)
    return SST_OK;
  const sst_warm_cache *wc = r->warm;
  if (wc->state != 1)
    return SST_OK;
  /* scratch for the grid: Sigma_o(t), mu_o(t) and the unused gradients */
  double *buf = malloc(sizeof(double) * (2 * cc + 3 * (size_t)C));
  if (!buf)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  double *sg = buf, *G = sg + cc, *mu = G + cc, *gm = mu + C, *gd = gm + C;
  double best = gamma * sst_recon_stats_terms(ts, poly_c, C, r->mu, r->sig,
                                              r->style, gm, G, gd);
  double best_t = 0.0;
  for (int q = 1; q <= T_GRID; q++) {
    const double t = (double)q / T_GRID;
    line_point(r, wc, C, t, sg, mu);
    const double J = t * t * wc->trL2 + gamma * sst_recon_stats_terms(
                                                    ts, poly_c, C, mu, sg,
                                                    r->style, gm, G, gd);
    if (J < best) {
      best = J;
      best_t = t;
    }
  }
  if (best_t > 0.0) {
    const double t = best_t;
    for (size_t e = 0; e < cc; e++)
      A[e] += t * wc->D[e];
    line_point(r, wc, C, t, sig_o, mu_o);
    *content = t * t * wc->trL2;
    *t_out = t;
  }
  free(buf);
  return SST_OK;
}
