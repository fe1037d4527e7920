/* recon_affine.c - the diagonal affine path (linear, bn and their
 * fusion): the state is (A, b) with o_i = A c_i + b, every quantity a
 * function of the region's cached (mu_c, Sigma_c); A stays diagonal, so an
 * iteration and every line-search trial is O(C^2).  Kernels with a full G
 * (poly) take the factored path (recon_factored.c).  The regions run in
 * parallel through recon_regions.c. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "recon_internal.h"
#include "scratch_pool.h"

typedef struct {
  int C;
  char *block; /* the arrays below live in this one pooled block */
  size_t bytes;
  const sst_termset *ts;
  double gamma, poly_c;
  const double *mu_c, *sig_c;
  const sst_style_set *sty;
  double trS;
  /* state: A, b, X = A Sigma_c A^T, m = A mu_c, tr(A Sigma_c); cur and trial */
  double *A[2], *b[2], *X[2], *m[2], trAS[2];
  double *g_mu[2], *Gd[2]; /* no full G on this path */
  int cur;
  /* direction at cur: D, e and the products the trials need */
  double *D, *e, *DS, *Y, *Z, *Dmu, trDS;
  double *mu_o, *sig_o;
  float frac;
} affine_ctx;

/* J at the state in slot s, with the kernel gradients stored there. */
static double affine_J(affine_ctx *a, int s) {
  const int C = a->C;
  const double *X = a->X[s], *m = a->m[s], *b = a->b[s];
  double content = a->trS - 2.0 * a->trAS[s];
  for (int i = 0; i < C; i++) {
    a->mu_o[i] = m[i] + b[i];
    content +=
        X[(size_t)i * C + i] + 2.0 * b[i] * (m[i] - a->mu_c[i]) + b[i] * b[i];
    for (int j = 0; j < C; j++)
      a->sig_o[(size_t)i * C + j] =
          X[(size_t)i * C + j] + m[i] * b[j] + b[i] * m[j] + b[i] * b[j];
  }
  double S = sst_recon_stats_terms(a->ts, a->poly_c, C, a->mu_o, a->sig_o,
                                   a->sty, a->g_mu[s], NULL, a->Gd[s]);
  return content + a->gamma * S;
}

/* d_i = D c_i + e with D = (A - I) + gamma Gd A, e = b + gamma/2 g_mu +
 * gamma Gd b; returns mean_w ||d||^2 = tr(D Sigma_c D^T) + 2 e^T D mu_c +
 * ||e||^2.  Without a full G (linear, bn) A and D stay diagonal: every
 * product is a row/column scaling, O(C^2) (kernels with a full G take the
 * factored path, recon_factored.c). */
static double affine_direction(affine_ctx *a) {
  const int C = a->C, s = a->cur;
  const double g = a->gamma;
  const double *A = a->A[s], *b = a->b[s], *Gd = a->Gd[s];
  for (int i = 0; i < C; i++) {
    a->e[i] = b[i] + 0.5 * g * a->g_mu[s][i] + g * Gd[i] * b[i];
    for (int j = 0; j < C; j++) {
      const size_t ij = (size_t)i * C + j;
      a->D[ij] = A[ij] - (i == j) + g * Gd[i] * A[ij];
    }
  }
  for (int i = 0; i < C; i++) {
    const double di = a->D[(size_t)i * C + i];
    a->Dmu[i] = di * a->mu_c[i];
    for (int j = 0; j < C; j++) {
      const size_t ij = (size_t)i * C + j;
      const double ds = di * a->sig_c[ij];
      a->DS[ij] = ds;
      a->Y[ij] = ds * A[(size_t)j * C + j];
      a->Z[ij] = ds * a->D[(size_t)j * C + j];
    }
  }
  /* The trials only need Y + Y^T: symmetrise once here so they stream. */
  for (int i = 0; i < C; i++)
    for (int j = i; j < C; j++) {
      const double v = a->Y[(size_t)i * C + j] + a->Y[(size_t)j * C + i];
      a->Y[(size_t)i * C + j] = v;
      a->Y[(size_t)j * C + i] = v;
    }
  double dn = 0.0;
  a->trDS = 0.0;
  for (int i = 0; i < C; i++) {
    a->trDS += a->DS[(size_t)i * C + i];
    dn +=
        a->Z[(size_t)i * C + i] + 2.0 * a->e[i] * a->Dmu[i] + a->e[i] * a->e[i];
  }
  return dn;
}

/* Trial (A, b) - eta (D, e): every product updates in O(C^2), e.g.
 * X' = X - eta (Y + Y^T) + eta^2 Z with Y = D Sigma A^T, Z = D Sigma D^T
 * (a->Y already holds Y + Y^T). */
static sst_status affine_trial(void *ctx, double eta, double *J,
                               sst_error *err) {
  (void)err;
  affine_ctx *a = ctx;
  const int C = a->C, s = a->cur, t = 1 - a->cur;
  const size_t cc = (size_t)C * C;
  for (size_t q = 0; q < cc; q++)
    a->A[t][q] = a->A[s][q] - eta * a->D[q];
  for (int i = 0; i < C; i++) {
    a->b[t][i] = a->b[s][i] - eta * a->e[i];
    a->m[t][i] = a->m[s][i] - eta * a->Dmu[i];
    for (int j = 0; j < C; j++) {
      const size_t ij = (size_t)i * C + j;
      a->X[t][ij] = a->X[s][ij] - eta * a->Y[ij] + eta * eta * a->Z[ij];
    }
  }
  a->trAS[t] = a->trAS[s] - eta * a->trDS;
  *J = affine_J(a, t);
  return SST_OK;
}

static sst_status affine_accept(void *ctx, double *dn, sst_error *err) {
  (void)err;
  affine_ctx *a = ctx;
  a->cur = 1 - a->cur;
  *dn = affine_direction(a);
  return SST_OK;
}

static void affine_free(void *ws) {
  affine_ctx *a = ws;
  if (!a)
    return;
  sst_scratch_give(a->block, a->bytes);
  free(a);
}

/* Points the workspace's arrays into base (NULL: only counts) and returns
 * the bytes they take. */
static size_t affine_layout(affine_ctx *a, char *base) {
  const size_t C = (size_t)a->C, cc = C * C, d = sizeof(double);
  size_t off = 0;
  for (int s = 0; s < 2; s++) {
    a->A[s] = sst_scratch_carve(base, &off, cc * d);
    a->X[s] = sst_scratch_carve(base, &off, cc * d);
    a->b[s] = sst_scratch_carve(base, &off, C * d);
    a->m[s] = sst_scratch_carve(base, &off, C * d);
    a->g_mu[s] = sst_scratch_carve(base, &off, C * d);
    a->Gd[s] = sst_scratch_carve(base, &off, C * d);
  }
  a->D = sst_scratch_carve(base, &off, cc * d);
  a->DS = sst_scratch_carve(base, &off, cc * d);
  a->Y = sst_scratch_carve(base, &off, cc * d);
  a->Z = sst_scratch_carve(base, &off, cc * d);
  a->sig_o = sst_scratch_carve(base, &off, cc * d);
  a->e = sst_scratch_carve(base, &off, C * d);
  a->Dmu = sst_scratch_carve(base, &off, C * d);
  a->mu_o = sst_scratch_carve(base, &off, C * d);
  return off;
}

/* Workspace of the affine path, reused by every region of a solve and
 * pooled between solves (scratch_pool.h: fresh pages fault slowly). */
static void *affine_new(int C) {
  affine_ctx *a = calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->C = C;
  a->bytes = affine_layout(a, NULL);
  a->block = sst_scratch_take(a->bytes);
  if (!a->block) {
    free(a);
    return NULL;
  }
  memset(a->block, 0, a->bytes);
  affine_layout(a, a->block);
  return a;
}

/* Runs one region; on success A_out (float C x C) and b_out (C) hold the map.
 */
static sst_status affine_region(void *ws, const sst_recon_stats *st,
                                const sst_termset *ts,
                                const sst_recon_params *p, int k, float *A_out,
                                double *b_out, sst_ctx *prog, float f0,
                                float f1, sst_error *err) {
  affine_ctx *a = ws;
  const int C = st->C;
  const size_t cc = (size_t)C * C;
  const sst_region_stats *r = &st->reg[k];
  a->ts = ts;
  a->gamma = p->gamma;
  a->poly_c = p->poly_c;
  a->mu_c = r->mu;
  a->sig_c = r->sig;
  a->sty = r->style;
  a->cur = 0;
  /* Start at o = c: A = I, b = 0, X = Sigma_c, m = mu_c. */
  memset(a->A[0], 0, sizeof(double) * cc);
  memset(a->b[0], 0, sizeof(double) * (size_t)C);
  a->trS = 0.0;
  for (int i = 0; i < C; i++) {
    a->A[0][(size_t)i * C + i] = 1.0;
    a->m[0][i] = r->mu[i];
    a->trS += r->sig[(size_t)i * C + i];
  }
  memcpy(a->X[0], r->sig, sizeof(double) * cc);
  a->trAS[0] = a->trS;
  double J = affine_J(a, 0);
  double dn = affine_direction(a);
  sst_descent_ops ops = {affine_trial, affine_accept, &a->frac, 0};
  sst_status rc =
      sst_recon_descend(&ops, a, J, dn, p->iterations, prog, f0, f1, err);
  if (rc == SST_OK) {
    for (size_t q = 0; q < cc; q++)
      A_out[q] = (float)a->A[a->cur][q];
    memcpy(b_out, a->b[a->cur], sizeof(double) * (size_t)C);
  }
  return rc;
}

static const sst_region_solver affine_solver = {affine_new, affine_free,
                                                affine_region};

sst_status sst_recon_affine_solve(const sst_recon_stats *st,
                                  const sst_termset *ts,
                                  const sst_recon_params *p,
                                  sst_recon_result *res, sst_ctx *prog,
                                  sst_error *err) {
  return sst_recon_solve_regions(&affine_solver, st, ts, p, res, prog, err);
}
