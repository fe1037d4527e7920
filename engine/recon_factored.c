/* recon_factored.c - the affine path for kernels with a full second-moment
 * gradient (poly, alone or fused), in factored coordinates.
 *
 * The region's output is o_i = A~ c~_i with A~ = [A b] and c~ = [c; 1].
 * Every quantity the loss needs is a function of A~ L, where L (C+1 x r) is
 * a factor of the content's augmented second moment
 *     S~ = mean_w c~ c~^T = [[Sigma_c, mu_c], [mu_c^T, 1]] = L L^T:
 *     content term  mean_w ||o - c||^2 = ||X - P||_F^2,  P = [I 0] L,
 *     Sigma_o = X X^T,  mu_o = X v,  v = L^T e_C  (row C of L),
 * with X = A~ L.  The preconditioned step of the (A, b) iteration,
 * A~ <- A~ - eta D~ with D~ = (A~ - I~) + gamma (G A~ + Gd A~) + gamma/2
 * g_mu e_C^T, is a plain gradient step in X:
 *     X <- X - eta Delta,  Delta = D~ L = (X - P) + gamma (G + Gd) X
 *                                        + gamma/2 g_mu v^T,
 * so the iterates are the same as the (A, b) path's; an iteration costs
 * G X and X Delta^T (gemm) and Delta Delta^T (syrk) where the (A, b) form
 * needs four C x C x C products.  The three products run in float32
 * (sgemm at twice the dgemm rate); the state, the sums and the trials stay
 * float64.  Trials stay O(C^2):
 *     Sigma_o(eta) = Sigma_o - eta (X Delta^T + Delta X^T) + eta^2 Delta Delta^T.
 *
 * L comes from LAPACK's pivoted Cholesky (dpstrf), which also handles a
 * singular S~ (dead channels, regions with fewer pixels than channels): r
 * is then the numerical rank.  At the end A~ is recovered from X = A~ L;
 * on the directions the factor dropped (no content variance there) A~ keeps
 * the identity, so those pixels keep their content. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "recon_internal.h"
#include "scratch_pool.h"

#define SYM_TILE 32 /* rows and columns per tile when symmetrising */

/* LAPACK (OpenBLAS ships it; Debian has no LAPACKE header for it).  The
 * trailing length is gfortran's hidden length of the character argument. */
extern void dpstrf_(const char *uplo, const int *n, double *a, const int *lda,
                    int *piv, int *rank, const double *tol, double *work,
                    int *info, size_t uplo_len);

typedef struct {
  int C, n, r;
  char *block; /* every array below lives in this one pooled block */
  size_t bytes;
  const sst_termset *ts;
  double gamma, poly_c;
  const sst_style_set *sty;
  double *Lc;   /* dpstrf output, n x n column-major */
  int *piv;     /* 1-based pivots */
  double *work; /* 2n */
  double *Lt;   /* the factor L, n x r row-major (rows: C channels, then 1) */
  double *X;    /* current A~ L, C x r */
  /* per slot (current / trial): Sigma_o, mu_o, content term, gradients */
  double *sig[2], *mu[2], content[2];
  double *g_mu[2], *G[2], *Gd[2];
  int cur;
  double trial_eta; /* the step of the trial slot */
  /* direction at cur and the products the trials need */
  double *Delta, *Y, *Z, *Dv, xpd, dd, *tmp;
  /* float32 copies for the three C^3 products (sgemm runs at twice the
   * dgemm rate; sums and the trials stay float64) */
  float *Gf, *Xf, *Df, *Tf, *Yf, *Zf;
  float frac;
} sst_factored_ws;

/* Points the workspace's arrays into base (NULL: only counts) and
 * returns the bytes they take. */
static size_t layout(sst_factored_ws *w, char *base) {
  const size_t C = (size_t)w->C, n = (size_t)w->n;
  const size_t cc = C * C, cn = C * n, nn = n * n, d = sizeof(double),
               f = sizeof(float);
  size_t off = 0;
  w->Lc = sst_scratch_carve(base, &off, nn * d);
  w->piv = sst_scratch_carve(base, &off, n * sizeof(int));
  w->work = sst_scratch_carve(base, &off, 2 * n * d);
  w->Lt = sst_scratch_carve(base, &off, nn * d);
  w->X = sst_scratch_carve(base, &off, cn * d);
  for (int s = 0; s < 2; s++) {
    w->sig[s] = sst_scratch_carve(base, &off, cc * d);
    w->mu[s] = sst_scratch_carve(base, &off, C * d);
    w->g_mu[s] = sst_scratch_carve(base, &off, C * d);
    w->G[s] = sst_scratch_carve(base, &off, cc * d);
    w->Gd[s] = sst_scratch_carve(base, &off, C * d);
  }
  w->Delta = sst_scratch_carve(base, &off, cn * d);
  w->Y = sst_scratch_carve(base, &off, cc * d);
  w->Z = sst_scratch_carve(base, &off, cc * d);
  w->Dv = sst_scratch_carve(base, &off, C * d);
  w->tmp = sst_scratch_carve(base, &off, cn * d);
  w->Gf = sst_scratch_carve(base, &off, cc * f);
  w->Xf = sst_scratch_carve(base, &off, cn * f);
  w->Df = sst_scratch_carve(base, &off, cn * f);
  w->Tf = sst_scratch_carve(base, &off, cn * f);
  w->Yf = sst_scratch_carve(base, &off, cc * f);
  w->Zf = sst_scratch_carve(base, &off, cc * f);
  return off;
}

static void factored_free(void *ws) {
  sst_factored_ws *w = ws;
  if (!w)
    return;
  sst_scratch_give(w->block, w->bytes);
  free(w);
}

/* Workspace for regions of C channels, reused region after region; its
 * storage comes from the scratch pool (scratch_pool.h). */
static void *factored_new(int C) {
  sst_factored_ws *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->C = C;
  w->n = C + 1;
  w->bytes = layout(w, NULL);
  w->block = sst_scratch_take(w->bytes);
  if (!w->block) {
    free(w);
    return NULL;
  }
  layout(w, w->block);
  return w;
}

/* Factor S~ of region r into w->Lt (n x rank); 0 on success. */
static int factor_region(sst_factored_ws *w, const sst_region_stats *r) {
  const int C = w->C, n = w->n;
  /* S~ is symmetric, so row- and column-major storage coincide. */
  for (int i = 0; i < C; i++) {
    memcpy(w->Lc + (size_t)i * n, r->sig + (size_t)i * C,
           sizeof(double) * (size_t)C);
    w->Lc[(size_t)i * n + C] = r->mu[i];
    w->Lc[(size_t)C * n + i] = r->mu[i];
  }
  w->Lc[(size_t)C * n + C] = 1.0;
  const double tol = -1.0; /* LAPACK's default: n eps max(diag) */
  int rank = 0, info = 0;
  dpstrf_("L", &n, w->Lc, &n, w->piv, &rank, &tol, w->work, &info, 1);
  if (info < 0 || rank < 1)
    return -1;
  w->r = rank;
  /* P S~ P^T = L L^T  =>  row piv[i] of the factor is row i of L. */
  for (int i = 0; i < n; i++) {
    double *row = w->Lt + (size_t)(w->piv[i] - 1) * rank;
    for (int k = 0; k < rank; k++)
      row[k] = k <= i ? w->Lc[(size_t)k * n + i] : 0.0;
  }
  return 0;
}

/* J at slot s (Sigma_o, mu_o, content already there); fills the gradients. */
static double slot_J(sst_factored_ws *w, int s) {
  double S = sst_recon_stats_terms(w->ts, w->poly_c, w->C, w->mu[s], w->sig[s],
                                   w->sty, w->g_mu[s], w->G[s], w->Gd[s]);
  return w->content[s] + w->gamma * S;
}

/* One tile pair of the symmetrisation: for rows i0.. and columns j0..
 * (i0 <= j0), Y[i][j] = Y[j][i] = Yf[i][j] + Yf[j][i] and Z[i][j] = Z[j][i]
 * = Zf[i][j] (ssyrk fills the upper triangle).  The transposes happen in
 * small local tiles so that every access to the C x C matrices runs along
 * rows: walking down columns of them was half of direction()'s time. */
static void symmetrise_tile(const float *Yf, const float *Zf, double *Y,
                            double *Z, int C, int i0, int j0) {
  double y[SYM_TILE][SYM_TILE], z[SYM_TILE][SYM_TILE];
  const int bi = i0 + SYM_TILE < C ? SYM_TILE : C - i0;
  const int bj = j0 + SYM_TILE < C ? SYM_TILE : C - j0;
  const int diag = i0 == j0;
  for (int a = 0; a < bi; a++) /* rows i of the upper block */
    for (int b = 0; b < bj; b++) {
      const size_t ij = (size_t)(i0 + a) * C + (size_t)(j0 + b);
      y[a][b] = Yf[ij];
      /* on a diagonal tile only the upper triangle of Zf is valid */
      z[a][b] = diag && b < a ? 0.0 : Zf[ij];
    }
  for (int b = 0; b < bj; b++) /* rows j: Yf[j][i], contiguous in i */
    for (int a = 0; a < bi; a++)
      y[a][b] += Yf[(size_t)(j0 + b) * C + (size_t)(i0 + a)];
  if (diag) /* the tile is its own transpose: fill the lower half */
    for (int a = 0; a < bi; a++)
      for (int b = 0; b < a; b++) {
        y[a][b] = y[b][a];
        z[a][b] = z[b][a];
      }
  for (int a = 0; a < bi; a++)
    for (int b = 0; b < bj; b++) {
      const size_t ij = (size_t)(i0 + a) * C + (size_t)(j0 + b);
      Y[ij] = y[a][b];
      Z[ij] = z[a][b];
    }
  if (diag)
    return;
  for (int b = 0; b < bj; b++) /* the mirrored block, along its rows */
    for (int a = 0; a < bi; a++) {
      const size_t ji = (size_t)(j0 + b) * C + (size_t)(i0 + a);
      Y[ji] = y[a][b];
      Z[ji] = z[a][b];
    }
}

/* Delta at the current slot and the products trials need; returns
 * ||Delta||^2 = mean_w ||d||^2. */
static double direction(sst_factored_ws *w) {
  const int C = w->C, r = w->r, s = w->cur;
  const size_t cc = (size_t)C * C, cr = (size_t)C * r;
  const double g = w->gamma;
  const double *P = w->Lt, *v = w->Lt + (size_t)C * r;
  for (size_t q = 0; q < cc; q++)
    w->Gf[q] = (float)w->G[s][q];
  for (size_t q = 0; q < cr; q++)
    w->Xf[q] = (float)w->X[q];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, r, C, 1.0f, w->Gf,
              C, w->Xf, r, 0.0f, w->Tf, r);
  double xpd = 0.0, dd = 0.0;
  for (int i = 0; i < C; i++) {
    const double gd = w->Gd[s][i], gm = 0.5 * g * w->g_mu[s][i];
    const double *x = w->X + (size_t)i * r, *p = P + (size_t)i * r;
    const float *t = w->Tf + (size_t)i * r;
    double *d = w->Delta + (size_t)i * r;
    float *df = w->Df + (size_t)i * r;
    for (int k = 0; k < r; k++) {
      const double xp = x[k] - p[k];
      d[k] = xp + g * ((double)t[k] + gd * x[k]) + gm * v[k];
      df[k] = (float)d[k];
      xpd += xp * d[k];
      dd += d[k] * d[k];
    }
  }
  w->xpd = xpd;
  w->dd = dd;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, C, r, 1.0f, w->Xf, r,
              w->Df, r, 0.0f, w->Yf, C);
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, C, r, 1.0f, w->Df, r,
              0.0f, w->Zf, C);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, C, r, 1.0, w->Delta, r, v, 1, 0.0,
              w->Dv, 1);
  /* Trials need Y + Y^T and the full Z: symmetrise once here. */
  for (int i0 = 0; i0 < C; i0 += SYM_TILE)
    for (int j0 = i0; j0 < C; j0 += SYM_TILE)
      symmetrise_tile(w->Yf, w->Zf, w->Y, w->Z, C, i0, j0);
  return dd;
}

static sst_status trial(void *ctx, double eta, double *J, sst_error *err) {
  (void)err;
  sst_factored_ws *w = ctx;
  const int C = w->C, s = w->cur, t = 1 - w->cur;
  const size_t cc = (size_t)C * C;
  const double e2 = eta * eta;
  const double *sg = w->sig[s], *Y = w->Y, *Z = w->Z;
  double *st = w->sig[t];
  for (size_t q = 0; q < cc; q++)
    st[q] = sg[q] - eta * Y[q] + e2 * Z[q];
  for (int i = 0; i < C; i++)
    w->mu[t][i] = w->mu[s][i] - eta * w->Dv[i];
  w->content[t] = w->content[s] - 2.0 * eta * w->xpd + e2 * w->dd;
  w->trial_eta = eta;
  *J = slot_J(w, t);
  return SST_OK;
}

static sst_status accept(void *ctx, double *dn, sst_error *err) {
  (void)err;
  sst_factored_ws *w = ctx;
  const size_t cr = (size_t)w->C * w->r;
  for (size_t q = 0; q < cr; q++)
    w->X[q] -= w->trial_eta * w->Delta[q];
  w->cur = 1 - w->cur;
  *dn = direction(w);
  return SST_OK;
}

/* A~ from X = A~ L: A_out (float C x C) and b_out (C).  In pivoted column
 * order L = [L1; L2] with L1 (r x r) lower triangular; the columns of A~
 * outside the rank keep the identity's, so A~_1 = (X - I~_2 L2) L1^-1. */
static void recover_map(sst_factored_ws *w, float *A_out, double *b_out) {
  const int C = w->C, n = w->n, r = w->r;
  double *R = w->tmp; /* C x r */
  memcpy(R, w->X, sizeof(double) * (size_t)C * r);
  for (int m = r; m < n; m++) {
    const int j = w->piv[m] - 1;
    if (j < C)
      for (int k = 0; k < r; k++)
        R[(size_t)j * r + k] -= w->Lc[(size_t)k * n + m];
  }
  /* L1 in row-major is the column-major dpstrf output read transposed:
   * solve R L1 = ... as R (L1^T)^T with the column-major upper view. */
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasTrans, CblasNonUnit,
              C, r, 1.0, w->Lc, n, R, r);
  memset(A_out, 0, sizeof(float) * (size_t)C * C);
  memset(b_out, 0, sizeof(double) * (size_t)C);
  for (int m = 0; m < n; m++) {
    const int j = w->piv[m] - 1;
    for (int i = 0; i < C; i++) {
      const double a = m < r ? R[(size_t)i * r + m] : (i == j ? 1.0 : 0.0);
      if (j < C)
        A_out[(size_t)i * C + j] = (float)a;
      else
        b_out[i] = a;
    }
  }
}

static sst_status factored_region(void *ws, const sst_recon_stats *st,
                                  const sst_termset *ts,
                                  const sst_recon_params *p, int k,
                                  float *A_out, double *b_out,
                                  sst_ctx *prog, float f0, float f1,
                                  sst_error *err) {
  sst_factored_ws *w = ws;
  const int C = st->C;
  const sst_region_stats *r = &st->reg[k];
  if (factor_region(w, r))
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: region %d statistics are not positive "
                    "semi-definite",
                    k);
  w->ts = ts;
  w->gamma = p->gamma;
  w->poly_c = p->poly_c;
  w->sty = r->style;
  w->cur = 0;
  /* Start at o = A0 c (recon_warm.c): X = A0 P, P the first C rows of L.
   * Y is free until the first direction() and holds A0. */
  double t0 = 0.0;
  sst_status rc = sst_recon_warm_start(r, ts, p->gamma, p->poly_c, C, w->Y,
                                       w->sig[0], w->mu[0], &w->content[0],
                                       &t0, err);
  if (rc != SST_OK)
    return rc;
  if (t0 > 0.0)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, w->r, C, 1.0,
                w->Y, C, w->Lt, w->r, 0.0, w->X, w->r);
  else
    memcpy(w->X, w->Lt, sizeof(double) * (size_t)C * w->r);
  double J = slot_J(w, 0);
  double dn = direction(w);
  sst_descent_ops ops = {trial, accept, &w->frac, 0};
  rc = sst_recon_descend(&ops, w, J, dn, p->iterations, prog, f0, f1, err);
  if (rc == SST_OK)
    recover_map(w, A_out, b_out);
  return rc;
}

static const sst_region_solver factored_solver = {factored_new, factored_free,
                                                  factored_region};

sst_status sst_recon_factored_solve(const sst_recon_stats *st,
                                    const sst_termset *ts,
                                    const sst_recon_params *p,
                                    sst_recon_result *res, sst_ctx *prog,
                                    sst_error *err) {
  return sst_recon_solve_regions(&factored_solver, st, ts, p, res, prog, err);
}
