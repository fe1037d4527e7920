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
#include "recon_internal.h"

#define T_GRID 16 /* grid steps on t in [0, 1] */

extern void dsyevd_(const char *jobz, const char *uplo, const int *n,
                    double *a, const int *lda, double *w, double *work,
                    const int *lwork, int *iwork, const int *liwork, int *info,
                    size_t jobz_len, size_t uplo_len);

/* out = M^1/2 for symmetric positive semi-definite M (C x C); eigenvalues
 * below a relative tolerance count as 0.  M is overwritten.  0 on
 * success. */
static int sym_sqrt(int C, double *M, double *out, double *ev) {
  int info = 0, lwork = -1, liwork = -1, iw = 0;
  double wq = 0.0;
  dsyevd_("V", "U", &C, M, &C, ev, &wq, &lwork, &iw, &liwork, &info, 1, 1);
  if (info != 0)
    return -1;
  lwork = (int)wq;
  liwork = iw;
  double *work = malloc(sizeof(double) * (size_t)lwork);
  int *iwork = malloc(sizeof(int) * (size_t)liwork);
  if (work && iwork)
    dsyevd_("V", "U", &C, M, &C, ev, work, &lwork, iwork, &liwork, &info, 1,
            1);
  else
    info = -1;
  free(work);
  free(iwork);
  if (info != 0)
    return -1;
  /* column-major eigenvectors = row k of M (row-major) is eigenvector k */
  const double tol = 1e-12 * fabs(ev[C - 1]) * C;
  for (int k = 0; k < C; k++) {
    const double f = ev[k] > tol ? sqrt(sqrt(ev[k])) : 0.0; /* l^1/4 */
    for (int i = 0; i < C; i++)
      M[(size_t)k * C + i] *= f;
  }
  /* M^1/2 = V^T diag(l^1/2) V = (diag(l^1/4) V)^T (diag(l^1/4) V) */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, C, C, 1.0, M, C, 0.0, out,
              C);
  for (int i = 0; i < C; i++)
    for (int j = 0; j < i; j++)
      out[(size_t)i * C + j] = out[(size_t)j * C + i];
  return 0;
}

/* M = (M + M^T) / 2 in place (C x C): exact symmetry after products
 * whose rounding differs between the two triangles. */
static void symmetrise(int C, double *M) {
  for (int i = 0; i < C; i++)
    for (int j = 0; j < i; j++)
      M[(size_t)i * C + j] = M[(size_t)j * C + i] =
          0.5 * (M[(size_t)i * C + j] + M[(size_t)j * C + i]);
}

extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
                    int *info, size_t uplo_len);

/* Sigma_c = U^T U (U upper triangular, row-major) into U; a ridge of
 * 1e-6 x the mean variance is added when Sigma_c is singular (dead
 * channels in the region).  0 on success. */
static int content_factor(int C, const double *sig_c, double *U) {
  const size_t cc = (size_t)C * C;
  double mean_var = 0.0;
  for (int i = 0; i < C; i++)
    mean_var += sig_c[(size_t)i * C + i] / C;
  for (int attempt = 0; attempt < 2; attempt++) {
    memcpy(U, sig_c, sizeof(double) * cc);
    if (attempt)
      for (int i = 0; i < C; i++)
        U[(size_t)i * C + i] += 1e-6 * mean_var;
    /* column-major lower L (Sigma_c = L L^T) is row-major upper U = L^T */
    int info = 0;
    dpotrf_("L", &C, U, &C, &info, 1);
    if (info == 0)
      return 0;
  }
  return -1;
}

/* T of the header into T; 0 on success.  With Sigma_c = U^T U the same map
 * is T = U^-1 (U Sigma_s U^T)^1/2 U^-T (symmetric, positive definite and
 * T Sigma_c T = U^-1 U Sigma_s U^T U^-T = Sigma_s, hence the unique such
 * map): one Cholesky and one eigendecomposition instead of two of the
 * latter. */
static int monge_map(int C, const double *sig_c, const double *sig_s,
                     double *T, double *a, double *b, double *ev) {
  const size_t cc = (size_t)C * C;
  if (content_factor(C, sig_c, a)) /* a = U */
    return -1;
  memcpy(b, sig_s, sizeof(double) * cc);
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans,
              CblasNonUnit, C, C, 1.0, a, C, b, C); /* b = U Sigma_s */
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasUpper, CblasTrans,
              CblasNonUnit, C, C, 1.0, a, C, b, C); /* b = U Sigma_s U^T */
  symmetrise(C, b); /* dsyevd reads one triangle */
  if (sym_sqrt(C, b, T, ev)) /* T = (U Sigma_s U^T)^1/2 */
    return -1;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans,
              CblasNonUnit, C, C, 1.0, a, C, T, C); /* U^-1 T */
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasTrans,
              CblasNonUnit, C, C, 1.0, a, C, T, C); /* ... U^-T */
  symmetrise(C, T);
  return 0;
}

void sst_warm_cache_free(sst_warm_cache *wc) {
  if (!wc)
    return;
  free(wc->D); /* one block: D, L1, L2, Dmu */
  free(wc);
}

/* Fills the cache from the region's moments: D = T - I and the products
 * the line needs.  Leaves state -1 (identity start) when the moments give
 * no map. */
static sst_status warm_prepare(const sst_region_stats *r, int C,
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
  if (monge_map(C, r->sig, r->style->sig, D, a, b, ev)) {
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
  if (!ts->full || ts->gauss_wt > 0.0 || !(gamma > 0.0) || !r->warm)
    return SST_OK;
  sst_warm_cache *wc = r->warm;
  if (wc->state == 0) {
    sst_status rc = warm_prepare(r, C, wc, err);
    if (rc != SST_OK)
      return rc;
  }
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
