/* recon_pixel.c - the per-pixel method, used whenever a per-pixel kernel
 * (the Gaussian) is involved: float32 o for the region's pixels with weight > 0, sgemm for
 * the landmark kernel sums, the shared Armijo loop (recon_descent.c), and
 * the regions blended by their weights.  Its float64 twin, the reference
 * the tests check every method against, is recon_plain.c. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv_par.h"
#include "error.h"
#include "kernels.h"
#include "recon_internal.h"
#include "scratch_pool.h"

typedef struct {
  sst_pixel_region *rg;
  float *o[2], *d[2];
  double dn[2];
  float *Gf;
  int cur;
} pix_ctx;

/* d += alpha G o for a band of GO_COLS pixel columns: the C x n x C
 * product of a fused poly term, cut into bands for the engine's workers
 * (OpenBLAS stays at one thread, conv_par.h). */
#define GO_COLS 1024
typedef struct {
  const float *G, *o;
  float *d;
  int C, n;
  float alpha;
} go_job;

static void go_band(void *ctx, int band, int worker) {
  (void)worker;
  const go_job *j = ctx;
  const int p0 = band * GO_COLS;
  const int B = j->n - p0 < GO_COLS ? j->n - p0 : GO_COLS;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->C, B, j->C,
              j->alpha, j->G, j->C, j->o + p0, j->n, 1.0f, j->d + p0, j->n);
}

/* The per-pixel (Gaussian) term's blocks of pk->block pixels, spread over
 * the engine's workers, each with its own scratch; their sums are added in
 * block order, so the result does not depend on the thread timing.  The
 * calling thread watches (sst_run_bands_monitored) and passes a cancel on
 * between blocks.  Before, the blocks ran in order with OpenBLAS threading
 * each small product: ~40% of the time went to its threads' spinning
 * (bench/NOTES.md). */
typedef struct {
  sst_pixel_region *rg;
  const float *o;
  float *d;
  float alpha;
  double *vs;     /* per block */
  float *scratch; /* per worker: pk->scratch(est) floats */
  size_t per_worker;
} pixel_job;

static void pixel_band(void *ctx, int blk, int worker) {
  const pixel_job *j = ctx;
  const sst_pixel_region *rg = j->rg;
  const sst_pixel_kernel *pk = rg->ts->pixel;
  const int n = rg->n, p0 = blk * pk->block;
  const int B = n - p0 < pk->block ? n - p0 : pk->block;
  float *scratch = j->scratch + (size_t)worker * j->per_worker;
  j->vs[blk] = pk->block_fn(rg->est, scratch, j->o + p0, (size_t)n, B,
                            rg->w + p0, j->alpha, j->d + p0, (size_t)n);
}

static int pixel_monitor(void *ctx) {
  const pixel_job *j = ctx;
  return sst_ctx_tick(j->rg->prog, j->rg->frac);
}

static sst_status pixel_blocks(sst_pixel_region *rg, const float *o, float *d,
                               float alpha, double *vsum, sst_error *err) {
  const sst_pixel_kernel *pk = rg->ts->pixel;
  const int nblk = (rg->n + pk->block - 1) / pk->block;
  int workers = sst_ctx_threads(rg->prog);
  workers = workers < nblk ? workers : nblk;
  const size_t per_worker = pk->scratch(rg->est);
  const size_t scratch_bytes = sizeof(float) * per_worker * (size_t)workers;
  pixel_job j = {rg, o, d, alpha, calloc((size_t)nblk, sizeof(double)),
                 sst_scratch_take(scratch_bytes), per_worker};
  sst_status rc =
      !j.vs || !j.scratch
          ? sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory")
          : sst_run_bands_monitored(nblk, workers, pixel_band, &j,
                                    pixel_monitor, err);
  *vsum = 0.0;
  for (int b = 0; rc == SST_OK && b < nblk; b++)
    *vsum += j.vs[b];
  free(j.vs);
  sst_scratch_give(j.scratch, scratch_bytes);
  return rc;
}

/* J at o and direction d (both C x n), mean_w ||d||^2 into *dn. */
static sst_status pix_eval(pix_ctx *px, const float *o, float *d, double *J,
                           double *dn, sst_error *err) {
  sst_pixel_region *rg = px->rg;
  const sst_recon_stats *st = rg->st;
  const int C = rg->C, n = rg->n, N = st->N;
  const double g = rg->gamma;
  const float inv_s = (float)(1.0 / st->scale);
  double *pw = calloc((size_t)n, sizeof(double)); /* per-pixel ||.||^2 sums */
  if (!pw)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  for (int c = 0; c < C; c++) {
    const float *orow = o + (size_t)c * n, *crow = st->fc + (size_t)c * N;
    float *drow = d + (size_t)c * n;
    for (int i = 0; i < n; i++) {
      float diff = orow[i] - crow[rg->idx[i]] * inv_s;
      drow[i] = diff;
      pw[i] += (double)diff * diff;
    }
  }
  double content = 0.0;
  for (int i = 0; i < n; i++)
    content += rg->w[i] * pw[i];
  content /= rg->W;
  double S = 0.0;
  if (rg->ts->stats) {
    const size_t cc = (size_t)C * C;
    memset(rg->mu_o, 0, sizeof(double) * (size_t)C);
    memset(rg->sig_o, 0, sizeof(double) * cc);
    double Wo = 0.0;
    const float *wrow = rg->w;
    if (sst_moments_pass(o, C, n, (size_t)n, 1, &wrow, &rg->mu_o, &rg->sig_o,
                         &Wo, rg->prog)) {
      free(pw);
      return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
    }
    sst_moments_finish(C, Wo, 1.0, rg->mu_o, rg->sig_o);
    S += sst_recon_stats_terms(rg->ts, rg->poly_c, C, rg->mu_o, rg->sig_o,
                               rg->r->style, rg->g_mu, rg->G, rg->Gd);
    /* d += gamma (g_mu/2 + G o) */
    if (rg->ts->full) {
      for (size_t q = 0; q < cc; q++)
        px->Gf[q] = (float)rg->G[q];
      go_job gj = {px->Gf, o, d, C, n, (float)g};
      sst_run_bands((n + GO_COLS - 1) / GO_COLS, sst_ctx_threads(rg->prog), go_band,
                    &gj, NULL, NULL);
    }
    for (int c = 0; c < C; c++) {
      const float add = (float)(0.5 * g * rg->g_mu[c]);
      const float gd = (float)(g * rg->Gd[c]);
      const float *orow = o + (size_t)c * n;
      float *drow = d + (size_t)c * n;
      for (int i = 0; i < n; i++)
        drow[i] += add + gd * orow[i];
    }
  }
  if (rg->est) {
    const sst_pixel_kernel *pk = rg->ts->pixel;
    pk->set_content_f(rg->est, o, (size_t)n, rg->r->lm);
    double vsum = 0.0;
    sst_status rc = pixel_blocks(rg, o, d, (float)(g * rg->ts->pixel_wt),
                                 &vsum, err);
    if (rc != SST_OK) {
      free(pw);
      return rc;
    }
    S += rg->ts->pixel_wt * pk->S(rg->est, vsum / rg->W);
  }
  memset(pw, 0, sizeof(double) * (size_t)n);
  for (int c = 0; c < C; c++) {
    const float *drow = d + (size_t)c * n;
    for (int i = 0; i < n; i++)
      pw[i] += (double)drow[i] * drow[i];
  }
  double dsum = 0.0;
  for (int i = 0; i < n; i++)
    dsum += rg->w[i] * pw[i];
  free(pw);
  *dn = dsum / rg->W;
  *J = content + g * S;
  return SST_OK;
}

static sst_status pix_trial(void *ctx, double eta, double *J, sst_error *err) {
  pix_ctx *px = ctx;
  const int s = px->cur, t = 1 - s;
  const size_t cn = (size_t)px->rg->C * px->rg->n;
  const float fe = (float)eta;
  for (size_t q = 0; q < cn; q++)
    px->o[t][q] = px->o[s][q] - fe * px->d[s][q];
  return pix_eval(px, px->o[t], px->d[t], J, &px->dn[t], err);
}

static sst_status pix_accept(void *ctx, double *dn, sst_error *err) {
  (void)err;
  pix_ctx *px = ctx;
  px->cur = 1 - px->cur;
  *dn = px->dn[px->cur];
  return SST_OK;
}

/* Accumulates w_i * s * o_i of region k into acc (C x N) and w_i into wsum. */
static sst_status pix_region(const sst_recon_stats *st, const sst_termset *ts,
                             const sst_recon_params *p, int k, float *acc,
                             float *wsum, sst_ctx *prog, float f0,
                             float f1, sst_error *err) {
  sst_pixel_region rg;
  sst_status rc = sst_pixel_region_init(&rg, st, ts, p, k, prog, err);
  if (rc != SST_OK)
    return rc;
  const int C = st->C, n = rg.n, N = st->N;
  const size_t cn = (size_t)C * n;
  pix_ctx px;
  memset(&px, 0, sizeof px);
  px.rg = &rg;
  for (int s = 0; s < 2; s++) {
    px.o[s] = malloc(sizeof(float) * cn);
    px.d[s] = malloc(sizeof(float) * cn);
  }
  px.Gf = ts->full ? malloc(sizeof(float) * (size_t)C * C) : NULL;
  if (!px.o[0] || !px.o[1] || !px.d[0] || !px.d[1] || (ts->full && !px.Gf)) {
    rc = sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
    goto done;
  }
  const float inv_s = (float)(1.0 / st->scale);
  for (int c = 0; c < C; c++)
    for (int i = 0; i < n; i++)
      px.o[0][(size_t)c * n + i] = st->fc[(size_t)c * N + rg.idx[i]] * inv_s;
  rg.frac = f0;
  double J, dn;
  rc = pix_eval(&px, px.o[0], px.d[0], &J, &dn, err);
  if (rc != SST_OK)
    goto done;
  px.dn[0] = dn;
  /* The direction treats the Gaussian estimator's content landmarks, which
   * move with o, as fixed, so it is only near the gradient of J: close to
   * the optimum no step passes Armijo.  An 800x600 run then halved the
   * step down to 1e-8, 60 evaluations an iteration, and spent most of its
   * 17.7 s there; after 6 failed halvings (step 1/64) it stops. */
  sst_descent_ops ops = {pix_trial, pix_accept, &rg.frac, 6};
  rc = sst_recon_descend(&ops, &px, J, dn, p->iterations, prog, f0, f1, err);
  if (rc != SST_OK)
    goto done;
  {
    const float s = (float)st->scale;
    const float *o = px.o[px.cur];
    for (int c = 0; c < C; c++)
      for (int i = 0; i < n; i++)
        acc[(size_t)c * N + rg.idx[i]] += rg.w[i] * s * o[(size_t)c * n + i];
    for (int i = 0; i < n; i++)
      wsum[rg.idx[i]] += rg.w[i];
  }
done:
  for (int s = 0; s < 2; s++) {
    free(px.o[s]);
    free(px.d[s]);
  }
  free(px.Gf);
  sst_pixel_region_free(&rg);
  return rc;
}

static sst_status pixels_run(const sst_recon_stats *st, const sst_termset *ts,
                             const sst_recon_params *p, float *out,
                             sst_ctx *prog, sst_error *err) {
  const int C = st->C, N = st->N;
  float *wsum = calloc((size_t)N, sizeof(float));
  if (!wsum)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  memset(out, 0, sizeof(float) * (size_t)C * N);
  const int nact = sst_recon_active_regions(st);
  int done_regions = 0;
  sst_status rc = SST_OK;
  for (int k = 0; k < st->K && rc == SST_OK; k++) {
    if (!(st->reg[k].W > 0.0))
      continue;
    float f0 = (float)done_regions / (float)nact;
    float f1 = (float)(done_regions + 1) / (float)nact;
    rc = pix_region(st, ts, p, k, out, wsum, prog, f0, f1, err);
    done_regions++;
  }
  if (rc == SST_OK) {
    for (int c = 0; c < C; c++) {
      float *orow = out + (size_t)c * N;
      const float *crow = st->fc + (size_t)c * N;
      for (int i = 0; i < N; i++)
        orow[i] = wsum[i] > 0.0f ? orow[i] / wsum[i] : crow[i];
    }
    if (sst_ctx_tick(prog, 1.0f))
      rc = sst_fail(err, SST_ERR_CANCELLED, "cancelled");
  }
  free(wsum);
  return rc;
}

/* The method: the C x N target is made here, whole, and owned by the
 * result. */
sst_status sst_recon_pixel_solve(const sst_recon_stats *st,
                                 const sst_termset *ts,
                                 const sst_recon_params *p,
                                 sst_recon_result *res, sst_ctx *prog,
                                 sst_error *err) {
  float *t = malloc(sizeof(float) * (size_t)st->C * (size_t)st->N);
  if (!t)
    return sst_fail(err, SST_ERR_NOMEM,
                    "reconstruct: out of memory for the target feature");
  res->target = res->owned = t;
  return pixels_run(st, ts, p, t, prog, err);
}
