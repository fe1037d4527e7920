/* recon_stats.c - per-region statistics cached for the reconstruction:
 * weighted mean and uncentred second moment of content and style (float64,
 * one streaming pass of dsyrk blocks), the style scale s, the Gaussian
 * bandwidth and landmarks.  Computed once per encoding; a gamma or kernel
 * change reuses them (see reconstruct.h). */
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

#define STAT_BLOCK 256 /* pixels per dsyrk block of the statistics pass */
#define MAX_REGIONS 4096

/* One streaming pass over the columns of f (C x n, leading dimension ld)
 * on the calling thread.  For each weight row r (w[r] == NULL: all ones)
 * accumulates sum w f into sf[r], the upper triangle of sum w f f^T into
 * sff[r] and sum w into W[r], over the columns with w > 0 only (soft
 * masks overlap little, so K regions cost about one pass).  Columns are
 * gathered STAT_BLOCK at a time as sqrt(w) f in float64 and multiplied
 * with dsyrk. */
static int moments_range(const float *f, int C, int n, size_t ld, int R,
                         const float *const *w, double *const *sf,
                         double *const *sff, double *W) {
  double *X = malloc(sizeof(double) * (size_t)C * STAT_BLOCK);
  int *col = malloc(sizeof(int) * STAT_BLOCK);
  double *wt = malloc(sizeof(double) * STAT_BLOCK);
  double *sw = malloc(sizeof(double) * STAT_BLOCK);
  if (!X || !col || !wt || !sw) {
    free(X);
    free(col);
    free(wt);
    free(sw);
    return -1;
  }
  for (int p0 = 0; p0 < n; p0 += STAT_BLOCK) {
    const int B = n - p0 < STAT_BLOCK ? n - p0 : STAT_BLOCK;
    for (int r = 0; r < R; r++) {
      int nb = 0;
      for (int b = 0; b < B; b++) {
        double v = w[r] ? (double)w[r][p0 + b] : 1.0;
        if (v > 0.0) {
          col[nb] = p0 + b;
          wt[nb] = v;
          sw[nb] = sqrt(v);
          W[r] += v;
          nb++;
        }
      }
      if (nb == 0)
        continue;
      for (int c = 0; c < C; c++) {
        const float *row = f + (size_t)c * ld;
        double *xr = X + (size_t)c * nb;
        double acc = 0.0;
        for (int b = 0; b < nb; b++) {
          double v = row[col[b]];
          xr[b] = sw[b] * v;
          acc += wt[b] * v;
        }
        sf[r][c] += acc;
      }
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, C, nb, 1.0, X, nb,
                  1.0, sff[r], C);
    }
  }
  free(X);
  free(col);
  free(wt);
  free(sw);
  return 0;
}

/* The columns cut into one contiguous share per worker, each summed into
 * its own accumulators (share 0 straight into the caller's) and added in
 * share order, so the result does not depend on thread timing. */
typedef struct {
  const float *f;
  int C, n, R, shares;
  size_t ld;
  const float *const *w;
  double *const *sf, *const *sff;
  double *W;
  double **psf, **psff, *pW; /* shares 1.. : R arrays each */
  const float **pw;          /* shares x R weight rows, offset */
  atomic_int fail;
} moments_job;

static void moments_share(void *ctx, int share, int worker) {
  (void)worker;
  moments_job *j = ctx;
  const int i0 = (int)((long long)j->n * share / j->shares);
  const int i1 = (int)((long long)j->n * (share + 1) / j->shares);
  const float **w = j->pw + (size_t)share * j->R;
  for (int r = 0; r < j->R; r++)
    w[r] = j->w[r] ? j->w[r] + i0 : NULL;
  double *const *sf = share ? j->psf + (size_t)(share - 1) * j->R : j->sf;
  double *const *sff = share ? j->psff + (size_t)(share - 1) * j->R : j->sff;
  double *W = share ? j->pW + (size_t)(share - 1) * j->R : j->W;
  if (moments_range(j->f + i0, j->C, i1 - i0, j->ld, j->R, w, sf, sff, W))
    atomic_store(&j->fail, 1);
}

int sst_moments_pass(const float *f, int C, int n, size_t ld, int R,
                     const float *const *w, double *const *sf,
                     double *const *sff, double *W, const sst_ctx *ctx) {
  int shares = sst_ctx_threads(ctx);
  if (shares > n / STAT_BLOCK)
    shares = n / STAT_BLOCK;
  if (shares <= 1)
    return moments_range(f, C, n, ld, R, w, sf, sff, W);
  const size_t cc = (size_t)C * C, extra = (size_t)(shares - 1) * R;
  moments_job j = {.f = f, .C = C, .n = n, .R = R, .shares = shares,
                   .ld = ld, .w = w, .sf = sf, .sff = sff, .W = W};
  atomic_init(&j.fail, 0);
  j.psf = calloc(extra, sizeof *j.psf);
  j.psff = calloc(extra, sizeof *j.psff);
  j.pW = calloc(extra, sizeof *j.pW);
  j.pw = calloc((size_t)shares * R, sizeof *j.pw);
  int ok = j.psf && j.psff && j.pW && j.pw;
  for (size_t q = 0; ok && q < extra; q++) {
    j.psf[q] = calloc((size_t)C, sizeof(double));
    j.psff[q] = calloc(cc, sizeof(double));
    ok = j.psf[q] && j.psff[q];
  }
  if (ok) {
    sst_run_bands(shares, shares, moments_share, &j, NULL, NULL);
    ok = !atomic_load(&j.fail);
  }
  for (size_t q = 0; ok && q < extra; q++) {
    const int r = (int)(q % (size_t)R);
    for (int c = 0; c < C; c++)
      sf[r][c] += j.psf[q][c];
    for (int a = 0; a < C; a++) /* upper triangle only, as dsyrk writes */
      for (int b = a; b < C; b++)
        sff[r][(size_t)a * C + b] += j.psff[q][(size_t)a * C + b];
    W[r] += j.pW[q];
  }
  for (size_t q = 0; q < extra && j.psf && j.psff; q++) {
    free(j.psf[q]);
    free(j.psff[q]);
  }
  free(j.psf);
  free(j.psff);
  free(j.pW);
  free(j.pw);
  return ok ? 0 : -1;
}

/* Sums -> scaled mean and full symmetric second moment; 0 if finite. */
int sst_moments_finish(int C, double W, double s, double *mu, double *sig) {
  int ok = 1;
  const double im = 1.0 / (W * s), is = 1.0 / (W * s * s);
  for (int c = 0; c < C; c++) {
    mu[c] *= im;
    ok &= isfinite(mu[c]);
  }
  for (int r = 0; r < C; r++)
    for (int c = r; c < C; c++) {
      double v = sig[(size_t)r * C + c] * is;
      ok &= isfinite(v);
      sig[(size_t)r * C + c] = v;
      sig[(size_t)c * C + r] = v;
    }
  return ok ? 0 : -1;
}

static uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* Landmarks of one weighted pixel set (w NULL: all weight 1).  When at most
 * SST_LANDMARKS pixels have weight > 0 they are all taken with their
 * normalised weights (the estimator is then exact); otherwise SST_LANDMARKS
 * are drawn by systematic sampling with probability proportional to weight
 * (deterministic seeded offset; spatially spread because pixels are in scan
 * order), each with weight 1/L.  Indices are ranks among the positive pixels
 * when rank != 0, pixel indices otherwise.  Returns -1 when out of memory. */
static int pick_landmarks(const float *w, int n, uint64_t seed, int rank,
                          int *npos_out, int **lm_out, double **wt_out,
                          int *L_out) {
  int npos = 0;
  double Wsum = 0.0;
  for (int i = 0; i < n; i++) {
    double v = w ? (double)w[i] : 1.0;
    if (v > 0.0) {
      npos++;
      Wsum += v;
    }
  }
  *npos_out = npos;
  const int L = npos <= SST_LANDMARKS ? npos : SST_LANDMARKS;
  int *lm = malloc(sizeof(int) * (size_t)(L > 0 ? L : 1));
  double *wt = malloc(sizeof(double) * (size_t)(L > 0 ? L : 1));
  if (!lm || !wt) {
    free(lm);
    free(wt);
    return -1;
  }
  if (npos <= SST_LANDMARKS) {
    int t = 0;
    for (int i = 0; i < n; i++) {
      double v = w ? (double)w[i] : 1.0;
      if (v > 0.0) {
        lm[t] = rank ? t : i;
        wt[t] = v / Wsum;
        t++;
      }
    }
  } else {
    const double step = Wsum / L;
    const double u = (double)(splitmix64(seed) >> 11) * 0x1.0p-53 * step;
    double cum = 0.0;
    int t = 0, r = 0, last = 0;
    for (int i = 0; i < n && t < L; i++) {
      double v = w ? (double)w[i] : 1.0;
      if (!(v > 0.0))
        continue;
      cum += v;
      last = rank ? r : i;
      while (t < L && u + t * step < cum)
        lm[t++] = last;
      r++;
    }
    while (t < L) /* rounding at the very end of the cumulative sum */
      lm[t++] = last;
    for (int l = 0; l < L; l++)
      wt[l] = 1.0 / L;
  }
  *lm_out = lm;
  *wt_out = wt;
  *L_out = L;
  return 0;
}

sst_status sst_recon_stats_set_grids(sst_recon_stats *st, int grid_w,
                                     int style_grid_w, sst_error *err) {
  if (!st || grid_w <= 0 || style_grid_w <= 0 || st->N % grid_w != 0 ||
      st->M % style_grid_w != 0)
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: grid widths %d and %d do not divide the "
                    "feature sizes",
                    grid_w, style_grid_w);
  st->grid_w = grid_w;
  st->style_grid_w = style_grid_w;
  return SST_OK;
}

void sst_recon_stats_set_guides(sst_recon_stats *st, const float *gc,
                                const float *gs) {
  if (st) {
    st->gc = gc;
    st->gs = gs;
  }
}

void sst_recon_stats_free(sst_recon_stats *st) {
  if (!st)
    return;
  if (st->reg)
    for (int k = 0; k < st->K; k++) {
      free(st->reg[k].mu);
      free(st->reg[k].sig);
      free(st->reg[k].lm);
      free(st->reg[k].a);
      sst_warm_cache_free(st->reg[k].warm);
    }
  if (st->sets)
    for (int s = 0; s < st->nsets; s++) {
      free(st->sets[s].mu);
      free(st->sets[s].sig);
      free(st->sets[s].lm);
      free(st->sets[s].b);
    }
  free(st->reg);
  free(st->sets);
  free(st);
}

static int weights_ok(const float *w, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!(w[i] >= 0.0f) || !isfinite(w[i]))
      return 0;
  return 1;
}

/* Moments of the content read through rd, bands of whole rows at a time
 * (about 8 M floats a band), added into sf / sff / W like one pass. */
static int streamed_moments(const sst_feature_reader *rd, int C, int N,
                            int grid_w, int K, const float *wc,
                            double *const *sf, double *const *sff, double *W,
                            const sst_ctx *ctx, sst_status *rc,
                            sst_error *err) {
  const int gh = N / grid_w;
  int rows = (int)((size_t)(8 << 20) / ((size_t)C * grid_w));
  rows = rows < 1 ? 1 : (rows > gh ? gh : rows);
  float *band = malloc(sizeof(float) * (size_t)C * grid_w * rows);
  const float *wrow[MAX_REGIONS];
  if (!band)
    return -1;
  for (int y0 = 0; y0 < gh; y0 += rows) {
    const int h = gh - y0 < rows ? gh - y0 : rows, n = h * grid_w;
    *rc = rd->read(rd->ctx, 0, y0, grid_w, h, band, err);
    if (*rc != SST_OK)
      break;
    for (int k = 0; k < K; k++)
      wrow[k] = wc ? wc + (size_t)k * N + (size_t)y0 * grid_w : NULL;
    if (sst_moments_pass(band, C, n, (size_t)n, K, wrow, sf, sff, W, ctx)) {
      free(band);
      return -1;
    }
  }
  free(band);
  return 0;
}

static sst_status stats_new(const float *fc, const sst_feature_reader *rd,
                            int grid_w, int C, int N, const float *wc,
                            const float *fs, int M, const float *ws, int K,
                            sst_recon_stats **out, const sst_ctx *ctx,
                            sst_error *err) {
  if (!out)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: no output pointer");
  *out = NULL;
  if ((!fc && (!rd || !rd->read || grid_w <= 0 || N % grid_w)) || !fs ||
      C <= 0 || N <= 0 || M <= 0 || K <= 0 || K > MAX_REGIONS)
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: bad features (C=%d N=%d M=%d K=%d)", C, N, M,
                    K);
  if (K > 1 && !wc)
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: %d regions need content weights", K);
  if ((size_t)C > SIZE_MAX / sizeof(double) / (size_t)C ||
      (size_t)K > SIZE_MAX / sizeof(float) / (size_t)N ||
      (size_t)K > SIZE_MAX / sizeof(float) / (size_t)M)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: sizes too large");
  if ((wc && !weights_ok(wc, (size_t)K * N)) ||
      (ws && !weights_ok(ws, (size_t)K * M)))
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: region weights must be finite and >= 0");

  sst_recon_stats *st = calloc(1, sizeof *st);
  if (!st)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  st->C = C;
  st->N = N;
  st->M = M;
  st->K = K;
  st->fc = fc;
  if (!fc)
    st->rd = *rd;
  st->wc = wc;
  st->fs = fs;
  st->ws = ws;
  st->reg = calloc((size_t)K, sizeof *st->reg);
  st->sets = calloc((size_t)K, sizeof *st->sets);
  const float **wrow = calloc((size_t)K, sizeof *wrow);
  double **sf = calloc((size_t)K, sizeof *sf);
  double **sff = calloc((size_t)K, sizeof *sff);
  double *Wacc = calloc((size_t)K, sizeof *Wacc);
  sst_status rc = SST_OK;
  const size_t cc = (size_t)C * (size_t)C;
  if (!st->reg || !st->sets || !wrow || !sf || !sff || !Wacc)
    goto nomem;

  /* Scale: RMS of all style features, so gamma is dimensionless. */
  double ss = 0.0;
  for (size_t e = 0; e < (size_t)C * M; e++)
    ss += (double)fs[e] * fs[e];
  if (!isfinite(ss)) {
    rc = sst_fail(err, SST_ERR_INVALID,
                  "reconstruct: style features are not finite");
    goto fail;
  }
  st->scale = ss > 0.0 ? sqrt(ss / ((double)M * C)) : 1.0;

  /* Distinct style weight sets: regions matched to the same style label (or
   * to the whole style image) share statistics and landmarks. */
  int set_of[MAX_REGIONS];
  for (int k = 0; k < K; k++) {
    const float *row = ws ? ws + (size_t)k * M : NULL;
    if (row) {
      double V = 0.0;
      for (int j = 0; j < M; j++)
        V += row[j];
      if (!(V > 0.0))
        row = NULL; /* empty style region: use the whole style image */
    }
    int found = -1;
    for (int s = 0; s < st->nsets && found < 0; s++) {
      const float *o = st->sets[s].w;
      if ((!o && !row) ||
          (o && row && memcmp(o, row, sizeof(float) * (size_t)M) == 0))
        found = s;
    }
    if (found < 0) {
      found = st->nsets++;
      st->sets[found].w = row;
    }
    set_of[k] = found;
  }
  for (int s = 0; s < st->nsets; s++) {
    sst_style_set *set = &st->sets[s];
    set->mu = calloc((size_t)C, sizeof(double));
    set->sig = calloc(cc, sizeof(double));
    if (!set->mu || !set->sig)
      goto nomem;
    wrow[s] = set->w;
    sf[s] = set->mu;
    sff[s] = set->sig;
    Wacc[s] = 0.0;
  }
  if (sst_moments_pass(fs, C, M, (size_t)M, st->nsets, wrow, sf, sff, Wacc, ctx))
    goto nomem;
  for (int s = 0; s < st->nsets; s++) {
    sst_style_set *set = &st->sets[s];
    set->V = Wacc[s];
    int npos;
    if (sst_moments_finish(C, set->V, st->scale, set->mu, set->sig)) {
      rc = sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: style features are not finite");
      goto fail;
    }
    if (pick_landmarks(set->w, M, 0x57E1E000ull + (uint64_t)s, 0, &npos,
                       &set->lm, &set->b, &set->L))
      goto nomem;
    double d = 0.0;
    for (int j = 0; j < M; j++) {
      double v = set->w ? (double)set->w[j] / set->V : 1.0 / M;
      d += v > 0.0 ? v * v : 0.0;
    }
    set->diag = set->L < npos ? d : -1.0; /* -1: landmarks are exact */
  }

  /* Content regions. */
  for (int k = 0; k < K; k++) {
    sst_region_stats *r = &st->reg[k];
    r->mu = calloc((size_t)C, sizeof(double));
    r->sig = calloc(cc, sizeof(double));
    r->warm = calloc(1, sizeof *r->warm);
    if (!r->mu || !r->sig || !r->warm)
      goto nomem;
    wrow[k] = wc ? wc + (size_t)k * N : NULL;
    sf[k] = r->mu;
    sff[k] = r->sig;
    Wacc[k] = 0.0;
  }
  if (fc ? sst_moments_pass(fc, C, N, (size_t)N, K, wrow, sf, sff, Wacc, ctx)
         : streamed_moments(rd, C, N, grid_w, K, wc, sf, sff, Wacc, ctx, &rc,
                            err))
    goto nomem;
  if (rc != SST_OK)
    goto fail;
  for (int k = 0; k < K; k++) {
    sst_region_stats *r = &st->reg[k];
    r->style = &st->sets[set_of[k]];
    r->W = Wacc[k];
    if (!(r->W > 0.0)) {
      r->W = 0.0; /* nothing of this label in the content: skipped */
      continue;
    }
    if (sst_moments_finish(C, r->W, st->scale, r->mu, r->sig)) {
      rc = sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: content features are not finite");
      goto fail;
    }
    /* Mean squared content-style distance in closed form, fixed from the
     * original content so the kernel does not change under the iteration. */
    double s2 = 0.0;
    for (int c = 0; c < C; c++)
      s2 += r->sig[(size_t)c * C + c] + r->style->sig[(size_t)c * C + c] -
            2.0 * r->mu[c] * r->style->mu[c];
    r->sigma2 = s2 > 1e-12 ? s2 : 1.0;
    if (pick_landmarks(wrow[k], N, 0x5EED0000ull + (uint64_t)k, 1, &r->n,
                       &r->lm, &r->a, &r->L))
      goto nomem;
    rc = sst_warm_prepare(r, C, r->warm, err);
    if (rc != SST_OK)
      goto fail;
  }
  free(wrow);
  free(sf);
  free(sff);
  free(Wacc);
  *out = st;
  return SST_OK;

nomem:
  rc =
      sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory for statistics");
fail:
  free(wrow);
  free(sf);
  free(sff);
  free(Wacc);
  sst_recon_stats_free(st);
  return rc;
}

sst_status sst_recon_stats_new(const float *fc, int C, int N, const float *wc,
                               const float *fs, int M, const float *ws, int K,
                               sst_recon_stats **out, const sst_ctx *ctx,
                               sst_error *err) {
  if (!fc) {
    if (out)
      *out = NULL;
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: bad features (C=%d N=%d M=%d K=%d)", C, N,
                    M, K);
  }
  return stats_new(fc, NULL, 0, C, N, wc, fs, M, ws, K, out, ctx, err);
}

sst_status sst_recon_stats_new_streamed(const sst_feature_reader *rd, int C,
                                        int N, int grid_w, const float *wc,
                                        const float *fs, int M, const float *ws,
                                        int K, sst_recon_stats **out,
                                        const sst_ctx *ctx, sst_error *err) {
  return stats_new(NULL, rd, grid_w, C, N, wc, fs, M, ws, K, out, ctx, err);
}
