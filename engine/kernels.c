/* kernels.c - S and its gradient for every style kernel (see kernels.h).
 *
 * Derivations (per region, features already divided by the style RMS):
 *   linear   S = ||mu_o - mu_s||^2
 *            dS/dmu = 2 (mu_o - mu_s)
 *   poly(c)  S = (||Sigma_o - Sigma_s||_F^2 + 2c ||mu_o - mu_s||^2) / C
 *            dS/dmu = 4c (mu_o - mu_s) / C,  dS/dSigma = 2 (Sigma_o - Sigma_s)
 * / C bn       S = sum_ch (mu_o - mu_s)^2 + (sd_o - sd_s)^2, sd =
 * sqrt(max(Sigma_cc - mu_c^2, eps)) dS/dmu_c    = 2 (mu_o - mu_s) - 2 (sd_o -
 * sd_s) mu_o / sd_o dS/dSigma_cc = 2 (sd_o - sd_s) * d sd/d Sigma_cc = (sd_o -
 * sd_s) / sd_o (both sd terms vanish where the variance is clamped at eps).
 * With Sigma_o = sum w o o^T / W, dSigma_ab/do_i = (w_i/W)(e_a o_ib + o_ia
 * e_b), so dS/do_i = (w_i/W) (g_mu + 2 G o_i) for symmetric G = dS/dSigma. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

/* Which kernels exist, and their maths: the kernel table (settings.c),
 * whose rows point to the ops below. */
const sst_kernel_ops *sst_kernel_ops_of(sst_kernel k) {
  const sst_kernel_info *info = sst_kernel_get_info(k);
  return info ? info->ops : NULL;
}

int sst_kernel_valid(sst_kernel k) { return sst_kernel_ops_of(k) != NULL; }

int sst_kernel_is_stats(sst_kernel k) {
  const sst_kernel_ops *o = sst_kernel_ops_of(k);
  return o && o->stats_add;
}

int sst_kernel_has_full_G(sst_kernel k) {
  const sst_kernel_ops *o = sst_kernel_ops_of(k);
  return o && o->full_G;
}

void sst_kernel_stats_add(sst_kernel k, double poly_c, double weight, int C,
                          const double *mu_o, const double *sig_o,
                          const double *mu_s, const double *sig_s, double *S,
                          double *g_mu, double *G, double *Gdiag) {
  const sst_kernel_ops *o = sst_kernel_ops_of(k);
  if (o && o->stats_add)
    o->stats_add(poly_c, weight, C, mu_o, sig_o, mu_s, sig_s, S, g_mu, G,
                 Gdiag);
}

static void linear_stats(double poly_c, double weight, int C,
                         const double *mu_o, const double *sig_o,
                         const double *mu_s, const double *sig_s, double *S,
                         double *g_mu, double *G, double *Gdiag) {
  (void)poly_c, (void)sig_o, (void)sig_s, (void)G, (void)Gdiag;
  double acc = 0.0;
  for (int c = 0; c < C; c++) {
    double dm = mu_o[c] - mu_s[c];
    acc += dm * dm;
    g_mu[c] += weight * 2.0 * dm;
  }
  *S += weight * acc;
}

static void poly_stats(double poly_c, double weight, int C, const double *mu_o,
                       const double *sig_o, const double *mu_s,
                       const double *sig_s, double *S, double *g_mu,
                       double *G, double *Gdiag) {
  (void)Gdiag;
  double frob = 0.0, dmu2 = 0.0;
  const size_t cc = (size_t)C * (size_t)C;
  const double gs = weight * 2.0 / C;
  for (size_t e = 0; e < cc; e++) {
    double d = sig_o[e] - sig_s[e];
    frob += d * d;
    G[e] += gs * d;
  }
  for (int c = 0; c < C; c++) {
    double dm = mu_o[c] - mu_s[c];
    dmu2 += dm * dm;
    g_mu[c] += weight * 4.0 * poly_c * dm / C;
  }
  *S += weight * ((frob + 2.0 * poly_c * dmu2) / C);
}

static double bn_sd(double second, double mean) {
  double var = second - mean * mean;
  return sqrt(var > SST_BN_EPS ? var : SST_BN_EPS);
}

static void bn_stats(double poly_c, double weight, int C, const double *mu_o,
                     const double *sig_o, const double *mu_s,
                     const double *sig_s, double *S, double *g_mu, double *G,
                     double *Gdiag) {
  (void)poly_c, (void)G;
  double acc = 0.0;
  for (int c = 0; c < C; c++) {
    const size_t dg = (size_t)c * (size_t)C + (size_t)c;
    double dm = mu_o[c] - mu_s[c];
    double var_o = sig_o[dg] - mu_o[c] * mu_o[c];
    double sd_o = bn_sd(sig_o[dg], mu_o[c]);
    double sd_s = bn_sd(sig_s[dg], mu_s[c]);
    double dsd = sd_o - sd_s;
    acc += dm * dm + dsd * dsd;
    g_mu[c] += weight * 2.0 * dm;
    if (var_o > SST_BN_EPS) { /* clamped std has zero gradient */
      g_mu[c] -= weight * 2.0 * dsd * mu_o[c] / sd_o;
      Gdiag[c] += weight * dsd / sd_o;
    }
  }
  *S += weight * acc;
}

const sst_kernel_ops sst_kernel_linear_ops = {linear_stats, 0, NULL};
const sst_kernel_ops sst_kernel_poly_ops = {poly_stats, 1, NULL};
const sst_kernel_ops sst_kernel_bn_ops = {bn_stats, 0, NULL};

/* ---------------------------------------------------------------- Gaussian */

int sst_gauss_init(sst_gauss *g, int C, double sigma2, int Lc, const double *a,
                   int Ls, const double *b, const double *style,
                   double style_diag) {
  memset(g, 0, sizeof *g);
  const int L = Lc + Ls;
  g->C = C;
  g->Lc = Lc;
  g->Ls = Ls;
  g->L = L;
  g->sigma2 = sigma2;
  const size_t cl = (size_t)C * (size_t)L;
  g->coef_v = malloc(sizeof(double) * (size_t)L);
  g->coef_g = malloc(sizeof(double) * (size_t)L);
  g->xd = calloc(cl, sizeof(double));
  g->xf = calloc(cl, sizeof(float));
  g->xnorm = calloc((size_t)L, sizeof(float));
  g->scratch =
      malloc(sizeof(float) * (size_t)SST_GAUSS_BLOCK * (size_t)(L + 2));
  double *dots = malloc(sizeof(double) * (size_t)(Ls > 0 ? Ls : 1) *
                        (size_t)(Ls > 0 ? Ls : 1));
  double *snorm = calloc((size_t)(Ls > 0 ? Ls : 1), sizeof(double));
  if (!g->coef_v || !g->coef_g || !g->xd || !g->xf || !g->xnorm ||
      !g->scratch || !dots || !snorm) {
    free(dots);
    free(snorm);
    sst_gauss_free(g);
    return -1;
  }
  for (int l = 0; l < Lc; l++) {
    g->coef_v[l] = a[l];
    g->coef_g[l] = -a[l];
  }
  for (int j = 0; j < Ls; j++) {
    g->coef_v[Lc + j] = -2.0 * b[j];
    g->coef_g[Lc + j] = b[j];
  }
  for (int c = 0; c < C; c++)
    for (int j = 0; j < Ls; j++) {
      double v = style[(size_t)c * Ls + j];
      g->xd[(size_t)c * L + Lc + j] = v;
      g->xf[(size_t)c * L + Lc + j] = (float)v;
      snorm[j] += v * v;
    }
  for (int j = 0; j < Ls; j++) {
    float n = 0.0f;
    for (int c = 0; c < C; c++) {
      float v = g->xf[(size_t)c * L + Lc + j];
      n += v * v;
    }
    g->xnorm[Lc + j] = n;
  }
  /* kss: constant in o, so it only shifts S; kept so S is the MMD itself. */
  double kss = 0.0, koff = 0.0, boff = 0.0;
  if (Ls > 0) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Ls, Ls, C, 1.0, style,
                Ls, style, Ls, 0.0, dots, Ls);
    const double inv = 1.0 / (2.0 * sigma2);
    for (int j = 0; j < Ls; j++) {
      double row = 0.0, roff = 0.0;
      for (int k = 0; k < Ls; k++) {
        double d2 = snorm[j] + snorm[k] - 2.0 * dots[(size_t)j * Ls + k];
        if (d2 < 0.0 || j == k)
          d2 = 0.0;
        double kv = exp(-d2 * inv);
        row += b[k] * kv;
        if (k != j) {
          roff += b[k] * kv;
          boff += b[j] * b[k];
        }
      }
      kss += b[j] * row;
      koff += b[j] * roff;
    }
    if (style_diag >= 0.0 && boff > 0.0)
      kss = style_diag + (1.0 - style_diag) * koff / boff;
  }
  g->kss = kss;
  free(dots);
  free(snorm);
  return 0;
}

void sst_gauss_free(sst_gauss *g) {
  if (!g)
    return;
  free(g->coef_v);
  free(g->coef_g);
  free(g->xd);
  free(g->xf);
  free(g->xnorm);
  free(g->scratch);
  memset(g, 0, sizeof *g);
}

static void content_norms(sst_gauss *g) {
  for (int l = 0; l < g->Lc; l++)
    g->xnorm[l] = 0.0f;
  for (int c = 0; c < g->C; c++) {
    const float *row = g->xf + (size_t)c * g->L;
    for (int l = 0; l < g->Lc; l++)
      g->xnorm[l] += row[l] * row[l];
  }
}

void sst_gauss_set_content_f(sst_gauss *g, const float *o, size_t ld,
                             const int *lm) {
  for (int c = 0; c < g->C; c++)
    for (int l = 0; l < g->Lc; l++) {
      float v = o[(size_t)c * ld + (size_t)lm[l]];
      g->xf[(size_t)c * g->L + l] = v;
      g->xd[(size_t)c * g->L + l] = v;
    }
  content_norms(g);
}

void sst_gauss_set_content_d(sst_gauss *g, const double *o, size_t ld,
                             const int *lm) {
  for (int c = 0; c < g->C; c++)
    for (int l = 0; l < g->Lc; l++) {
      double v = o[(size_t)c * ld + (size_t)lm[l]];
      g->xd[(size_t)c * g->L + l] = v;
      g->xf[(size_t)c * g->L + l] = (float)v;
    }
  content_norms(g);
}

double sst_gauss_S(const sst_gauss *g, double mean_v) {
  return g->sigma2 * (mean_v + g->kss);
}

void sst_gauss_pixel(const sst_gauss *g, const double *o, size_t stride,
                     double *v, double *h, size_t hstride) {
  const int C = g->C, L = g->L;
  const double inv = 1.0 / (2.0 * g->sigma2);
  double vs = 0.0;
  for (int c = 0; c < C; c++)
    h[(size_t)c * hstride] = 0.0;
  for (int t = 0; t < L; t++) {
    double d2 = 0.0;
    for (int c = 0; c < C; c++) {
      double d = o[(size_t)c * stride] - g->xd[(size_t)c * L + t];
      d2 += d * d;
    }
    double k = exp(-d2 * inv);
    vs += g->coef_v[t] * k;
    double f = g->coef_g[t] * k;
    for (int c = 0; c < C; c++)
      h[(size_t)c * hstride] +=
          f * (o[(size_t)c * stride] - g->xd[(size_t)c * L + t]);
  }
  *v = vs;
}

/* exp(x) for x <= 0 (or a round-off above) in plain arithmetic that
 * vectorises: Cody-Waite reduction x = n ln2 + r, |r| <= ln2 / 2, Cephes'
 * degree-6 polynomial for e^r, 2^n from the exponent bits; 8e-8 relative
 * error over [-87, 0] (measured against exp in double).  Arguments at or
 * below -87 (including -inf) give exp(-87) = 1.6e-38, which is 0 to every
 * sum it enters; the clamp compares the float's bits as an unsigned
 * integer (negative floats order by magnitude there), so no floating-point
 * branch stops the vectoriser. */
static inline float exp_nonpositive(float x) {
  uint32_t xb;
  memcpy(&xb, &x, sizeof xb);
  xb = xb > 0xC2AE0000u ? 0xC2AE0000u : xb; /* 0xC2AE0000 = -87.0f */
  memcpy(&x, &xb, sizeof x);
  const int n = (int)(x * 1.44269504088896341f - 0.5f); /* round, x <= 0 */
  const float fn = (float)n;
  const float r = x - fn * 0.693359375f - fn * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const uint32_t bits = (uint32_t)(n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

double sst_gauss_block(sst_gauss *g, const float *o, size_t ldo, int B,
                       const float *w, float alpha, float *dst, size_t ldd) {
  return sst_gauss_block_ws(g, g->scratch, o, ldo, B, w, alpha, dst, ldd);
}

double sst_gauss_block_ws(const sst_gauss *g, float *scratch, const float *o,
                          size_t ldo, int B, const float *w, float alpha,
                          float *dst, size_t ldd) {
  const int C = g->C, L = g->L;
  float *Q = scratch; /* B x L */
  float *onorm = scratch + (size_t)SST_GAUSS_BLOCK * L;
  float *q = onorm + SST_GAUSS_BLOCK;
  const float inv = (float)(1.0 / (2.0 * g->sigma2));
  /* ||o_i - x_t||^2 = |o_i|^2 + |x_t|^2 - 2 o_i.x_t; the dot products are
   * the O(B L C) part and go through sgemm. */
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, B, L, C, 1.0f, o,
              (int)ldo, g->xf, L, 0.0f, Q, L);
  for (int i = 0; i < B; i++)
    onorm[i] = 0.0f;
  for (int c = 0; c < C; c++) {
    const float *row = o + (size_t)c * ldo;
    for (int i = 0; i < B; i++)
      onorm[i] += row[i] * row[i];
  }
  double vsum = 0.0;
  for (int i = 0; i < B; i++) {
    float *qi = Q + (size_t)i * L;
    /* The kernel values in a loop the compiler vectorises (libm's expf,
     * a call per value, was a third of the Gaussian path's time), then the
     * float64 sums in order.  d2 < 0 only from round-off: exp of the tiny
     * positive argument is 1 to float precision. */
    const float oi = onorm[i];
    for (int t = 0; t < L; t++)
      qi[t] = exp_nonpositive(-(oi + g->xnorm[t] - 2.0f * qi[t]) * inv);
    double vi = 0.0, qs = 0.0;
    for (int t = 0; t < L; t++) {
      const float k = qi[t];
      vi += g->coef_v[t] * k;
      float f = (float)g->coef_g[t] * k;
      qs += f;
      qi[t] = f;
    }
    q[i] = (float)qs;
    vsum += (w ? (double)w[i] : 1.0) * vi;
  }
  /* h_i = o_i q_i - sum_t Q_it x_t */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, B, L, -alpha, g->xf,
              L, Q, L, 1.0f, dst, (int)ldd);
  for (int c = 0; c < C; c++) {
    const float *orow = o + (size_t)c * ldo;
    float *drow = dst + (size_t)c * ldd;
    for (int i = 0; i < B; i++)
      drow[i] += alpha * q[i] * orow[i];
  }
  return vsum;
}

/* The Gaussian's row: the functions above behind the per-pixel interface. */
static void *gauss_new(int C, double sigma2, int Lc, const double *a, int Ls,
                       const double *b, const double *style,
                       double style_diag) {
  sst_gauss *g = malloc(sizeof *g);
  if (g && sst_gauss_init(g, C, sigma2, Lc, a, Ls, b, style, style_diag)) {
    free(g);
    return NULL;
  }
  return g;
}

static void gauss_delete(void *est) {
  sst_gauss_free(est);
  free(est);
}

static void gauss_content_f(void *est, const float *o, size_t ld,
                            const int *lm) {
  sst_gauss_set_content_f(est, o, ld, lm);
}

static void gauss_content_d(void *est, const double *o, size_t ld,
                            const int *lm) {
  sst_gauss_set_content_d(est, o, ld, lm);
}

static size_t gauss_scratch(const void *est) {
  return SST_GAUSS_SCRATCH(((const sst_gauss *)est)->L);
}

static double gauss_block(const void *est, float *scratch, const float *o,
                          size_t ldo, int B, const float *w, float alpha,
                          float *dst, size_t ldd) {
  return sst_gauss_block_ws(est, scratch, o, ldo, B, w, alpha, dst, ldd);
}

static void gauss_pixel(const void *est, const double *o, size_t stride,
                        double *v, double *h, size_t hstride) {
  sst_gauss_pixel(est, o, stride, v, h, hstride);
}

static double gauss_S(const void *est, double mean_v) {
  return sst_gauss_S(est, mean_v);
}

static const sst_pixel_kernel gauss_pixel_kernel = {
    gauss_new,       gauss_delete,  gauss_content_f, gauss_content_d,
    SST_GAUSS_BLOCK, gauss_scratch, gauss_block,     gauss_pixel,
    gauss_S};
const sst_kernel_ops sst_kernel_gauss_ops = {NULL, 0, &gauss_pixel_kernel};
