/* recon_pixel.c - per-pixel reconstruction paths: the float32 BLAS path
 * used whenever a Gaussian term is involved, and the literal float64
 * reference (sst_reconstruct_plain) the tests check every path against.
 * Both run the shared Armijo loop of reconstruct.c on the region's pixels
 * with weight > 0 and blend the regions by their weights. */
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

/* Shared setup of one region for the per-pixel paths. */
typedef struct {
  const sst_recon_stats *st;
  const sst_region_stats *r;
  const sst_termset *ts;
  double gamma, poly_c;
  int C, n;
  int *idx; /* n pixel indices with weight > 0 */
  float *w; /* their weights */
  double W;
  int gauss_on;
  sst_gauss g;
  double *mu_o, *sig_o, *g_mu, *G, *Gd; /* statistics kernels */
  sst_ctx *prog;
  float frac;
} region_ctx;

static void region_free(region_ctx *rc) {
  free(rc->idx);
  free(rc->w);
  free(rc->mu_o);
  free(rc->sig_o);
  free(rc->g_mu);
  free(rc->G);
  free(rc->Gd);
  if (rc->gauss_on)
    sst_gauss_free(&rc->g);
}

static sst_status region_init(region_ctx *rc, const sst_recon_stats *st,
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
  if (ts->gauss_wt > 0.0) {
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
    int bad = sst_gauss_init(&rc->g, C, r->sigma2, r->L, r->a, sty->L, sty->b,
                             sv, sty->diag);
    free(sv);
    if (bad)
      goto nomem;
    rc->gauss_on = 1;
  }
  return SST_OK;
nomem:
  region_free(rc);
  return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
}

/* --- fast per-pixel path (float32, BLAS) --- */

typedef struct {
  region_ctx *rg;
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

/* The Gaussian term's blocks of SST_GAUSS_BLOCK pixels, spread over the
 * engine's workers, each with its own scratch; their sums are added in
 * block order, so the result does not depend on the thread timing.  The
 * calling thread watches (sst_run_bands_monitored) and passes a cancel on
 * between blocks.  Before, the blocks ran in order with OpenBLAS threading
 * each small product: ~40% of the time went to its threads' spinning
 * (bench/NOTES.md). */
typedef struct {
  region_ctx *rg;
  const float *o;
  float *d;
  float alpha;
  double *vs;     /* per block */
  float *scratch; /* per worker: SST_GAUSS_SCRATCH(L) floats */
} gauss_job;

static void gauss_band(void *ctx, int blk, int worker) {
  const gauss_job *j = ctx;
  const region_ctx *rg = j->rg;
  const int n = rg->n, p0 = blk * SST_GAUSS_BLOCK;
  const int B = n - p0 < SST_GAUSS_BLOCK ? n - p0 : SST_GAUSS_BLOCK;
  float *scratch = j->scratch + (size_t)worker * SST_GAUSS_SCRATCH(rg->g.L);
  j->vs[blk] = sst_gauss_block_ws(&rg->g, scratch, j->o + p0, (size_t)n, B,
                                  rg->w + p0, j->alpha, j->d + p0, (size_t)n);
}

static int gauss_monitor(void *ctx) {
  const gauss_job *j = ctx;
  return sst_ctx_tick(j->rg->prog, j->rg->frac);
}

static sst_status gauss_blocks(region_ctx *rg, const float *o, float *d,
                               float alpha, double *vsum, sst_error *err) {
  const int nblk = (rg->n + SST_GAUSS_BLOCK - 1) / SST_GAUSS_BLOCK;
  int workers = sst_ctx_threads(rg->prog);
  workers = workers < nblk ? workers : nblk;
  const size_t scratch_bytes =
      sizeof(float) * SST_GAUSS_SCRATCH(rg->g.L) * (size_t)workers;
  gauss_job j = {rg, o, d, alpha, calloc((size_t)nblk, sizeof(double)),
                 sst_scratch_take(scratch_bytes)};
  sst_status rc =
      !j.vs || !j.scratch
          ? sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory")
          : sst_run_bands_monitored(nblk, workers, gauss_band, &j,
                                    gauss_monitor, err);
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
  region_ctx *rg = px->rg;
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
  if (rg->gauss_on) {
    sst_gauss_set_content_f(&rg->g, o, (size_t)n, rg->r->lm);
    double vsum = 0.0;
    sst_status rc = gauss_blocks(rg, o, d, (float)(g * rg->ts->gauss_wt),
                                 &vsum, err);
    if (rc != SST_OK) {
      free(pw);
      return rc;
    }
    S += rg->ts->gauss_wt * sst_gauss_S(&rg->g, vsum / rg->W);
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
  region_ctx rg;
  sst_status rc = region_init(&rg, st, ts, p, k, prog, err);
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
  region_free(&rg);
  return rc;
}

sst_status sst_recon_pixels(const sst_recon_stats *st, const sst_termset *ts,
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

/* ------------------------------------------------ plain reference (float64) */

typedef struct {
  region_ctx *rg;
  double *c; /* C x n scaled content */
  double *o[2], *d[2];
  double dn[2];
  double *pv; /* n per-pixel Gaussian values */
  int cur;
} plain_ctx;

/* S and h (C x n, dS/do_i = 2 (w_i/W) h_i) at o, literally per pixel. */
static double plain_S_h(plain_ctx *pc, const double *o, double *h) {
  region_ctx *rg = pc->rg;
  const int C = rg->C, n = rg->n;
  double S = 0.0;
  memset(h, 0, sizeof(double) * (size_t)C * n);
  if (rg->ts->stats) {
    /* statistics recomputed from the pixels */
    for (int a = 0; a < C; a++) {
      double m = 0.0;
      for (int i = 0; i < n; i++)
        m += rg->w[i] * o[(size_t)a * n + i];
      rg->mu_o[a] = m / rg->W;
      for (int b = 0; b < C; b++) {
        double s2 = 0.0;
        for (int i = 0; i < n; i++)
          s2 += rg->w[i] * o[(size_t)a * n + i] * o[(size_t)b * n + i];
        rg->sig_o[(size_t)a * C + b] = s2 / rg->W;
      }
    }
    S += sst_recon_stats_terms(rg->ts, rg->poly_c, C, rg->mu_o, rg->sig_o,
                               rg->r->style, rg->g_mu, rg->G, rg->Gd);
    for (int i = 0; i < n; i++)
      for (int a = 0; a < C; a++) {
        double v = 0.5 * rg->g_mu[a] + rg->Gd[a] * o[(size_t)a * n + i];
        if (rg->ts->full)
          for (int b = 0; b < C; b++)
            v += rg->G[(size_t)a * C + b] * o[(size_t)b * n + i];
        h[(size_t)a * n + i] = v;
      }
  }
  if (rg->gauss_on) {
    sst_gauss_set_content_d(&rg->g, o, (size_t)n, rg->r->lm);
    double *hg = malloc(sizeof(double) * (size_t)C);
    double vsum = 0.0;
    for (int i = 0; i < n && hg; i++) {
      double v;
      sst_gauss_pixel(&rg->g, o + i, (size_t)n, &v, hg, 1);
      vsum += rg->w[i] * v;
      for (int a = 0; a < C; a++)
        h[(size_t)a * n + i] += rg->ts->gauss_wt * hg[a];
    }
    if (!hg)
      return NAN; /* out of memory: the caller sees a non-finite S */
    free(hg);
    S += rg->ts->gauss_wt * sst_gauss_S(&rg->g, vsum / rg->W);
  }
  return S;
}

static sst_status plain_eval(plain_ctx *pc, const double *o, double *d,
                             double *J, double *dn, sst_error *err) {
  region_ctx *rg = pc->rg;
  const int C = rg->C, n = rg->n;
  double S = plain_S_h(pc, o, d);
  if (!isfinite(S) && rg->gauss_on)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  double content = 0.0, dsum = 0.0;
  for (int i = 0; i < n; i++) {
    double pc2 = 0.0, pd2 = 0.0;
    for (int a = 0; a < C; a++) {
      const size_t q = (size_t)a * n + i;
      double diff = o[q] - pc->c[q];
      d[q] = diff + rg->gamma * d[q];
      pc2 += diff * diff;
      pd2 += d[q] * d[q];
    }
    content += rg->w[i] * pc2;
    dsum += rg->w[i] * pd2;
  }
  *J = content / rg->W + rg->gamma * S;
  *dn = dsum / rg->W;
  return SST_OK;
}

static sst_status plain_trial(void *ctx, double eta, double *J,
                              sst_error *err) {
  plain_ctx *pc = ctx;
  const int s = pc->cur, t = 1 - s;
  const size_t cn = (size_t)pc->rg->C * pc->rg->n;
  for (size_t q = 0; q < cn; q++)
    pc->o[t][q] = pc->o[s][q] - eta * pc->d[s][q];
  return plain_eval(pc, pc->o[t], pc->d[t], J, &pc->dn[t], err);
}

static sst_status plain_accept(void *ctx, double *dn, sst_error *err) {
  (void)err;
  plain_ctx *pc = ctx;
  pc->cur = 1 - pc->cur;
  *dn = pc->dn[pc->cur];
  return SST_OK;
}

static void plain_free(plain_ctx *pc) {
  free(pc->c);
  for (int s = 0; s < 2; s++) {
    free(pc->o[s]);
    free(pc->d[s]);
  }
}

static sst_status plain_init(plain_ctx *pc, region_ctx *rg, sst_error *err) {
  memset(pc, 0, sizeof *pc);
  pc->rg = rg;
  const int C = rg->C, n = rg->n, N = rg->st->N;
  const size_t cn = (size_t)C * n;
  pc->c = malloc(sizeof(double) * cn);
  for (int s = 0; s < 2; s++) {
    pc->o[s] = malloc(sizeof(double) * cn);
    pc->d[s] = malloc(sizeof(double) * cn);
  }
  if (!pc->c || !pc->o[0] || !pc->o[1] || !pc->d[0] || !pc->d[1]) {
    plain_free(pc);
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  }
  const double inv_s = 1.0 / rg->st->scale;
  for (int a = 0; a < C; a++)
    for (int i = 0; i < n; i++)
      pc->c[(size_t)a * n + i] = rg->st->fc[(size_t)a * N + rg->idx[i]] * inv_s;
  return SST_OK;
}

/* o at the start: the map of recon_warm.c (the identity unless a poly
 * term chose another), applied literally to every pixel. */
static sst_status plain_start(plain_ctx *pc, const region_ctx *rg,
                              const sst_termset *ts, const sst_recon_params *p,
                              sst_error *err) {
  const int C = rg->C, n = rg->n;
  const size_t cc = (size_t)C * C;
  double *A = malloc(sizeof(double) * (2 * cc + C));
  if (!A)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  double content, t;
  sst_status rc = sst_recon_warm_start(rg->r, ts, p->gamma,
                                       p->poly_c, C, A, A + cc, A + 2 * cc,
                                       &content, &t, err);
  if (rc == SST_OK)
    for (int a = 0; a < C; a++)
      for (int i = 0; i < n; i++) {
        double v = 0.0;
        for (int q = 0; q < C; q++)
          v += A[(size_t)a * C + q] * pc->c[(size_t)q * n + i];
        pc->o[0][(size_t)a * n + i] = v;
      }
  free(A);
  return rc;
}

sst_status sst_reconstruct_plain(const sst_recon_stats *st,
                                 const sst_recon_params *p, float *out,
                                 sst_ctx *prog, sst_error *err) {
  sst_termset ts;
  if (!out)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: missing argument");
  sst_status rc = sst_recon_check_params(st, p, &ts, err);
  if (rc != SST_OK)
    return rc;
  if (p->gamma == 0.0 || p->iterations == 0)
    return sst_recon_copy_content(st, out, prog, err);
  const int C = st->C, N = st->N;
  double *acc = calloc((size_t)C * N, sizeof(double));
  double *wsum = calloc((size_t)N, sizeof(double));
  if (!acc || !wsum) {
    free(acc);
    free(wsum);
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  }
  const int nact = sst_recon_active_regions(st);
  int done_regions = 0;
  for (int k = 0; k < st->K && rc == SST_OK; k++) {
    if (!(st->reg[k].W > 0.0))
      continue;
    region_ctx rg;
    plain_ctx pc;
    rc = region_init(&rg, st, &ts, p, k, prog, err);
    if (rc != SST_OK)
      break;
    rc = plain_init(&pc, &rg, err);
    if (rc != SST_OK) {
      region_free(&rg);
      break;
    }
    double J, dn;
    rc = plain_start(&pc, &rg, &ts, p, err);
    if (rc == SST_OK)
      rc = plain_eval(&pc, pc.o[0], pc.d[0], &J, &dn, err);
    if (rc == SST_OK) {
      sst_descent_ops ops = {plain_trial, plain_accept, &rg.frac, 0};
      rc = sst_recon_descend(&ops, &pc, J, dn, p->iterations, prog,
                             (float)done_regions / (float)nact,
                             (float)(done_regions + 1) / (float)nact, err);
    }
    if (rc == SST_OK) {
      const double *o = pc.o[pc.cur];
      for (int a = 0; a < C; a++)
        for (int i = 0; i < rg.n; i++)
          acc[(size_t)a * N + rg.idx[i]] +=
              rg.w[i] * st->scale * o[(size_t)a * rg.n + i];
      for (int i = 0; i < rg.n; i++)
        wsum[rg.idx[i]] += rg.w[i];
    }
    plain_free(&pc);
    region_free(&rg);
    done_regions++;
  }
  if (rc == SST_OK) {
    for (int a = 0; a < C; a++)
      for (int i = 0; i < N; i++) {
        const size_t q = (size_t)a * N + i;
        out[q] = wsum[i] > 0.0 ? (float)(acc[q] / wsum[i]) : st->fc[q];
      }
    if (sst_ctx_tick(prog, 1.0f))
      rc = sst_fail(err, SST_ERR_CANCELLED, "cancelled");
  }
  free(acc);
  free(wsum);
  return rc;
}

sst_status sst_recon_eval_plain(const sst_recon_stats *st,
                                const sst_recon_params *p, int k,
                                const double *o, double *S, double *grad,
                                sst_error *err) {
  sst_termset ts;
  sst_status rc = sst_recon_check_params(st, p, &ts, err);
  if (rc != SST_OK)
    return rc;
  if (k < 0 || k >= st->K || !(st->reg[k].W > 0.0) || !o || !S || !grad)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: bad region %d", k);
  region_ctx rg;
  plain_ctx pc;
  rc = region_init(&rg, st, &ts, p, k, NULL, err);
  if (rc != SST_OK)
    return rc;
  rc = plain_init(&pc, &rg, err);
  if (rc != SST_OK) {
    region_free(&rg);
    return rc;
  }
  *S = plain_S_h(&pc, o, grad);
  for (int a = 0; a < rg.C; a++)
    for (int i = 0; i < rg.n; i++)
      grad[(size_t)a * rg.n + i] *= 2.0 * rg.w[i] / rg.W;
  plain_free(&pc);
  region_free(&rg);
  return SST_OK;
}
