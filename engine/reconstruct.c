/* reconstruct.c - the Armijo loop shared by every path, the affine fast
 * path and sst_reconstruct (see reconstruct.h).
 *
 * Three drivers share one Armijo loop (sst_recon_descend()):
 *  - affine fast path (linear / poly / bn and their fusions): the state is
 *    (A, b) with o_i = A c_i + b, every quantity is a function of the region's
 *    cached (mu_c, Sigma_c); for linear and bn A stays diagonal and an
 *    iteration is O(C^2) (below); with a poly term the same iteration runs
 *    in factored coordinates, two and a half C^3 products an iteration
 *    (recon_factored.c); line-search trials are O(C^2) on both;
 *  - per-pixel path (any Gaussian term): float32 o for the region's pixels,
 *    sgemm for the landmark kernel sums (recon_pixel.c);
 *  - plain reference: the same algorithm literally per pixel in float64
 *    (recon_pixel.c).
 * Statistics are computed once in recon_stats.c.
 * The kernel maths lives in kernels.c and is shared by all three. */
#include <cblas.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv_par.h"
#include "error.h"
#include "kernels.h"
#include "recon_internal.h"
#include "scratch_pool.h"

#define ARMIJO_C1 1e-4
#define MAX_HALVINGS 30
#define MAX_ITERATIONS 100000
#define ITER_SHARE 0.9f /* progress share of the iterations vs the apply */

/* ------------------------------------------------------------ parameters */

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
  ts->k[ts->n] = p->kernel;
  ts->wt[ts->n++] = 1.0;
  if (p->fuse_kernel != SST_KERNEL_NONE && p->fuse_weight > 0.0) {
    ts->k[ts->n] = p->fuse_kernel;
    ts->wt[ts->n++] = p->fuse_weight;
  }
  for (int t = 0; t < ts->n; t++) {
    if (sst_kernel_is_stats(ts->k[t]))
      ts->stats = 1;
    if (sst_kernel_has_full_G(ts->k[t]))
      ts->full = 1;
    if (ts->k[t] == SST_KERNEL_GAUSSIAN)
      ts->gauss_wt += ts->wt[t];
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
    if (sst_kernel_is_stats(ts->k[t]))
      sst_kernel_stats_add(ts->k[t], poly_c, ts->wt[t], C, mu_o, sig_o, sty->mu,
                           sty->sig, &S, g_mu, G, Gd);
  return S;
}

/* ------------------------------------------------------------ Armijo loop */

/* Preconditioned gradient descent with Armijo backtracking:
 * accept when J(new) <= J - c1 * eta * 2 mean_w ||d||^2 (the directional
 * derivative of J along -d is -2 mean_w ||d||^2), else halve eta.
 *
 * Each trial also fits the parabola through J(0), its slope and J(eta) and
 * tries its minimiser t.  Plain halving stalls at large gamma: the style
 * term makes J steep along the direction, the first step that passes
 * Armijo sits near the stability edge (e.g. eta = 1/16 for a curvature of
 * ~30) and the iterate oscillates, shrinking J by ~12% an iteration, so 10
 * iterations at gamma 30 moved less style than at gamma 10.  For the
 * linear kernel J is exactly quadratic along the line and t is the exact
 * minimiser; for the others the Armijo test still guards it. */
static int parabola_step(double J, double dn, double eta, double Jn,
                         double *t) {
  const double a = (Jn - J + 2.0 * dn * eta) / (eta * eta);
  if (!(a > 0.0) || !isfinite(a))
    return 0;
  *t = dn / a; /* argmin of J - 2 dn t + a t^2 */
  return *t > 0.0 && isfinite(*t) && fabs(*t - eta) > 0.05 * eta;
}

sst_status sst_recon_descend(const sst_descent_ops *ops, void *ctx, double J,
                             double dn, int iterations, sst_ctx *prog,
                             float f0, float f1, sst_error *err) {
  double eta = 1.0;
  for (int it = 0; it < iterations; it++) {
    float f = f0 + (f1 - f0) * (float)it / (float)iterations;
    *ops->frac = f;
    if (sst_ctx_tick(prog, f))
      return sst_fail(err, SST_ERR_CANCELLED, "cancelled");
    if (!(dn > 0.0))
      break; /* stationary (gamma 0 or converged) */
    int accepted = 0;
    const int halvings = ops->max_halvings > 0 ? ops->max_halvings
                                               : MAX_HALVINGS;
    for (int h = 0; h <= halvings && !accepted; h++) {
      double Jn, Jt, t;
      sst_status rc = ops->trial(ctx, eta, &Jn, err);
      if (rc != SST_OK)
        return rc;
      const int eta_ok = Jn <= J - ARMIJO_C1 * eta * 2.0 * dn;
      if (parabola_step(J, dn, eta, Jn, &t)) {
        rc = ops->trial(ctx, t, &Jt, err);
        if (rc != SST_OK)
          return rc;
        if (Jt <= J - ARMIJO_C1 * t * 2.0 * dn && (!eta_ok || Jt <= Jn)) {
          eta = t; /* the trial slot holds t */
          accepted = 1;
        } else if (eta_ok) {
          rc = ops->trial(ctx, eta, &Jn, err); /* back to eta */
          if (rc != SST_OK)
            return rc;
          accepted = 1;
        }
        if (accepted)
          Jn = eta == t ? Jt : Jn;
      } else {
        accepted = eta_ok;
      }
      if (accepted) {
        rc = ops->accept(ctx, &dn, err);
        if (rc != SST_OK)
          return rc;
        J = Jn;
      } else {
        eta *= 0.5;
      }
    }
    if (!accepted)
      break;
    eta = 2.0 * eta < 1.0 ? 2.0 * eta : 1.0;
  }
  return SST_OK;
}

sst_status sst_recon_copy_content(const sst_recon_stats *st, float *out,
                                  sst_ctx *prog, sst_error *err) {
  memcpy(out, st->fc, sizeof(float) * (size_t)st->C * (size_t)st->N);
  if (sst_ctx_tick(prog, 1.0f))
    return sst_fail(err, SST_ERR_CANCELLED, "cancelled");
  return SST_OK;
}

int sst_recon_active_regions(const sst_recon_stats *st) {
  int n = 0;
  for (int k = 0; k < st->K; k++)
    n += st->reg[k].W > 0.0;
  return n;
}

/* ------------------------------------------------------------ affine path */

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

static void affine_free(affine_ctx *a) {
  sst_scratch_give(a->block, a->bytes);
  a->block = NULL;
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
static int affine_alloc(affine_ctx *a, int C) {
  memset(a, 0, sizeof *a);
  a->C = C;
  a->bytes = affine_layout(a, NULL);
  a->block = sst_scratch_take(a->bytes);
  if (!a->block)
    return -1;
  memset(a->block, 0, a->bytes);
  affine_layout(a, a->block);
  return 0;
}

/* Runs one region; on success A_out (float C x C) and b_out (C) hold the map.
 */
static sst_status affine_region(affine_ctx *a, const sst_recon_stats *st,
                                const sst_termset *ts,
                                const sst_recon_params *p, int k, float *A_out,
                                double *b_out, sst_ctx *prog, float f0,
                                float f1, sst_error *err) {
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

/* ------------------------------------------------- regions in parallel */

/* The active regions are independent problems: with more than one worker
 * (the dialog's preview runs two regions on two cores) every region runs
 * on a worker thread with its own workspace, and the calling thread
 * watches (sst_run_bands_monitored): it alone reports progress, from the
 * fractions the regions publish, and on a cancel raises `stop`, which the
 * regions' descents poll through their probe.  With one worker the
 * regions run in order on the calling thread with the real progress. */
typedef struct {
  const sst_recon_stats *st;
  const sst_termset *ts;
  const sst_recon_params *p;
  sst_recon_result *res;
  int nact, *region;    /* the active regions in order */
  affine_ctx *aff;      /* per worker (diagonal kernels) */
  sst_factored_ws **fw; /* per worker (kernels with a full G) */
  sst_status *rc;       /* per active region */
  sst_error *errs;      /* per active region */
  sst_ctx *prog;
  int monitored;
  atomic_int *permille; /* per active region, monitored runs */
  atomic_int stop;
} regions_job;

typedef struct {
  regions_job *j;
  int band;
} region_probe;

/* A region's progress in a monitored run: published, never shown. */
static int probe_region(float fraction, const char *stage, void *user) {
  (void)stage;
  region_probe *rp = user;
  atomic_store(&rp->j->permille[rp->band], (int)(1000.0f * fraction));
  return atomic_load(&rp->j->stop);
}

static int regions_monitor(void *ctx) {
  regions_job *j = ctx;
  double sum = 0.0;
  for (int a = 0; a < j->nact; a++)
    sum += atomic_load(&j->permille[a]);
  if (sst_ctx_tick(j->prog, (float)(sum / (1000.0 * j->nact)))) {
    atomic_store(&j->stop, 1);
    return 1;
  }
  return 0;
}

static void solve_one_region(void *ctx, int band, int worker) {
  regions_job *j = ctx;
  const int k = j->region[band], C = j->st->C;
  sst_error *err = &j->errs[band];
  if (atomic_load(&j->stop)) {
    j->rc[band] = sst_fail(err, SST_ERR_CANCELLED, "cancelled");
    return;
  }
  j->res->A[k] = malloc(sizeof(float) * (size_t)C * C);
  j->res->b[k] = malloc(sizeof(double) * (size_t)C);
  if (!j->res->A[k] || !j->res->b[k]) {
    j->rc[band] = sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
    atomic_store(&j->stop, 1);
    return;
  }
  region_probe rp = {j, band};
  sst_ctx probe = sst_ctx_rebase(j->prog, probe_region, &rp, "reconstruct");
  sst_ctx *prog = j->monitored ? &probe : j->prog;
  const float f0 = j->monitored ? 0.0f : (float)band / (float)j->nact;
  const float f1 = j->monitored ? 1.0f : (float)(band + 1) / (float)j->nact;
  sst_status rc =
      j->fw ? sst_factored_region(j->fw[worker], j->st, j->ts, j->p, k,
                                  j->res->A[k], j->res->b[k], prog, f0, f1,
                                  err)
            : affine_region(&j->aff[worker], j->st, j->ts, j->p, k,
                            j->res->A[k], j->res->b[k], prog, f0, f1, err);
  j->rc[band] = rc;
  if (j->monitored)
    atomic_store(&j->permille[band], 1000);
  if (rc != SST_OK)
    atomic_store(&j->stop, 1);
}

/* Solves every active region; the result keeps the maps (A_k, b_k).
 * Kernels with a full G take the factored path (recon_factored.c), the
 * diagonal ones (linear, bn) the (A, b) path above. */
static sst_status solve_affine(const sst_recon_stats *st, const sst_termset *ts,
                               const sst_recon_params *p,
                               sst_recon_result *res, sst_ctx *prog,
                               sst_error *err) {
  const int K = st->K, C = st->C;
  res->A = calloc((size_t)K, sizeof *res->A);
  res->b = calloc((size_t)K, sizeof *res->b);
  regions_job j = {.st = st, .ts = ts, .p = p, .res = res, .prog = prog};
  atomic_init(&j.stop, 0);
  j.nact = sst_recon_active_regions(st);
  int workers = sst_ctx_threads(prog);
  workers = workers < j.nact ? workers : j.nact;
  j.monitored = workers > 1;
  j.region = malloc(sizeof(int) * (size_t)(j.nact + 1));
  j.rc = calloc((size_t)j.nact + 1, sizeof(sst_status));
  j.errs = calloc((size_t)j.nact + 1, sizeof(sst_error));
  j.permille = calloc((size_t)j.nact + 1, sizeof *j.permille);
  if (ts->full)
    j.fw = calloc((size_t)workers + 1, sizeof *j.fw);
  else
    j.aff = calloc((size_t)workers + 1, sizeof *j.aff);
  int ok = res->A && res->b && j.region && j.rc && j.errs && j.permille &&
           (j.fw || j.aff);
  int ready = 0; /* workspaces allocated */
  while (ok && ready < workers) {
    ok = j.fw ? !!(j.fw[ready] = sst_factored_new(C))
              : affine_alloc(&j.aff[ready], C) == 0;
    ready += ok;
  }
  sst_status rc = SST_OK;
  if (!ok) {
    rc = sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  } else {
    for (int k = 0, a = 0; k < K; k++)
      if (st->reg[k].W > 0.0)
        j.region[a++] = k;
    for (int a = 0; a < j.nact; a++)
      atomic_init(&j.permille[a], 0);
    if (j.monitored)
      rc = sst_run_bands_monitored(j.nact, workers, solve_one_region, &j,
                                   regions_monitor, err);
    else /* in order here; the regions tick the progress themselves */
      for (int a = 0; a < j.nact; a++)
        solve_one_region(&j, a, 0);
    /* A real error outranks the cancellations it caused in other regions. */
    for (int pass = 0; pass < 2; pass++)
      for (int a = 0; rc == SST_OK && a < j.nact; a++)
        if (j.rc[a] != SST_OK && (pass || j.rc[a] != SST_ERR_CANCELLED)) {
          rc = j.rc[a];
          if (err)
            *err = j.errs[a];
        }
  }
  for (int w = 0; w < ready; w++) {
    if (j.fw)
      sst_factored_free(j.fw[w]);
    else
      affine_free(&j.aff[w]);
  }
  free(j.fw);
  free(j.aff);
  free(j.region);
  free(j.rc);
  free(j.errs);
  free(j.permille);
  return rc;
}

sst_status sst_recon_solve(const sst_recon_stats *st, const sst_recon_params *p,
                           sst_recon_result **out, sst_ctx *prog,
                           sst_error *err) {
  *out = NULL;
  sst_termset ts;
  sst_status rc = sst_recon_check_params(st, p, &ts, err);
  if (rc != SST_OK)
    return rc;
  sst_recon_result *res = calloc(1, sizeof *res);
  if (!res)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  res->st = st;
  if (p->gamma == 0.0 || p->iterations == 0) {
    res->target = st->fc; /* exactly the content */
    if (sst_ctx_tick(prog, 1.0f))
      rc = sst_fail(err, SST_ERR_CANCELLED, "cancelled");
  } else if (ts.gauss_wt > 0.0) {
    float *t = malloc(sizeof(float) * (size_t)st->C * (size_t)st->N);
    if (!t)
      rc = sst_fail(err, SST_ERR_NOMEM,
                    "reconstruct: out of memory for the target feature");
    else {
      res->target = res->owned = t;
      rc = sst_recon_pixels(st, &ts, p, t, prog, err);
    }
  } else {
    rc = solve_affine(st, &ts, p, res, prog, err);
  }
  if (rc != SST_OK) {
    sst_recon_result_free(res);
    return rc;
  }
  *out = res;
  return SST_OK;
}

sst_status sst_reconstruct(const sst_recon_stats *st, const sst_recon_params *p,
                           float *out, sst_ctx *prog, sst_error *err) {
  if (!out)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: missing argument");
  sst_ctx solve = sst_ctx_sub(prog, 0.0f, ITER_SHARE, NULL);
  sst_ctx apply = sst_ctx_sub(prog, ITER_SHARE, 1.0f, NULL);
  sst_recon_result *res;
  sst_status rc = sst_recon_solve(st, p, &res, prog ? &solve : NULL, err);
  if (rc != SST_OK)
    return rc;
  rc = sst_recon_result_run(res, 0, st->N, out, (size_t)st->N,
                            prog ? &apply : NULL, err);
  sst_recon_result_free(res);
  return rc;
}
