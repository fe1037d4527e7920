/* recon_plain.c - the literal float64 reference (sst_reconstruct_plain):
 * the same algorithm as the methods, per pixel, with statistics recomputed
 * from the pixels at every step.  Slow; the tests check every method
 * against it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "kernels.h"
#include "recon_internal.h"

typedef struct {
  sst_pixel_region *rg;
  double *c; /* C x n scaled content */
  double *o[2], *d[2];
  double dn[2];
  double *pv; /* n per-pixel kernel values */
  int cur;
} plain_ctx;

/* S and h (C x n, dS/do_i = 2 (w_i/W) h_i) at o, literally per pixel. */
static double plain_S_h(plain_ctx *pc, const double *o, double *h) {
  sst_pixel_region *rg = pc->rg;
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
  const sst_pixel_kernel *pk = rg->ts->pixel;
  if (rg->est) {
    pk->set_content_d(rg->est, o, (size_t)n, rg->r->lm);
    double *hg = malloc(sizeof(double) * (size_t)C);
    double vsum = 0.0;
    for (int i = 0; i < n && hg; i++) {
      double v;
      pk->pixel(rg->est, o + i, (size_t)n, &v, hg, 1);
      vsum += rg->w[i] * v;
      for (int a = 0; a < C; a++)
        h[(size_t)a * n + i] += rg->ts->pixel_wt * hg[a];
    }
    if (!hg)
      return NAN; /* out of memory: the caller sees a non-finite S */
    free(hg);
    S += rg->ts->pixel_wt * pk->S(rg->est, vsum / rg->W);
  }
  return S;
}

static sst_status plain_eval(plain_ctx *pc, const double *o, double *d,
                             double *J, double *dn, sst_error *err) {
  sst_pixel_region *rg = pc->rg;
  const int C = rg->C, n = rg->n;
  double S = plain_S_h(pc, o, d);
  if (!isfinite(S) && rg->est)
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

static sst_status plain_init(plain_ctx *pc, sst_pixel_region *rg, sst_error *err) {
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
static sst_status plain_start(plain_ctx *pc, const sst_pixel_region *rg,
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
    sst_pixel_region rg;
    plain_ctx pc;
    rc = sst_pixel_region_init(&rg, st, &ts, p, k, prog, err);
    if (rc != SST_OK)
      break;
    rc = plain_init(&pc, &rg, err);
    if (rc != SST_OK) {
      sst_pixel_region_free(&rg);
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
    sst_pixel_region_free(&rg);
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
  sst_pixel_region rg;
  plain_ctx pc;
  rc = sst_pixel_region_init(&rg, st, &ts, p, k, NULL, err);
  if (rc != SST_OK)
    return rc;
  rc = plain_init(&pc, &rg, err);
  if (rc != SST_OK) {
    sst_pixel_region_free(&rg);
    return rc;
  }
  *S = plain_S_h(&pc, o, grad);
  for (int a = 0; a < rg.C; a++)
    for (int i = 0; i < rg.n; i++)
      grad[(size_t)a * rg.n + i] *= 2.0 * rg.w[i] / rg.W;
  plain_free(&pc);
  sst_pixel_region_free(&rg);
  return SST_OK;
}
