/* kernels.h - the style discrepancy S of each kernel and its gradient
 * (internal to the engine; see reconstruct.h for the objective).
 *
 * All quantities are on features divided by the style RMS s.  For one region
 * with content weights w_i (sum W) and current output pixels o_i:
 *   mu_o = sum w_i o_i / W,  Sigma_o = sum w_i o_i o_i^T / W (uncentred).
 * The per-pixel gradient is always written as
 *   dS/do_i = 2 (w_i / W) h_i
 * so that the preconditioned descent direction is d_i = (o_i - c_i) + gamma
 * h_i. statistics kernels: h_i = g_mu / 2 + G o_i   (g_mu = dS/dmu_o, G =
 * dS/dSigma_o) Gaussian:           h_i = sum_t coef_g[t] k(o_i, x_t) (o_i -
 * x_t) Every path (affine fast path, per-pixel path, plain reference) takes the
 * kernel maths from this file only. */
#ifndef SST_KERNELS_H
#define SST_KERNELS_H
#include <stddef.h>

#include "settings.h"
#include "sst.h"

#define SST_BN_EPS 1e-8     /* variance floor of the BN kernel's std */
#define SST_LANDMARKS 512   /* landmarks per set of the Gaussian estimator */
#define SST_GAUSS_BLOCK 256 /* pixels per block of the Gaussian block path */

/* ---- the kernel rows' functions ----
 * Each row of the kernel table (settings.c) points to one sst_kernel_ops:
 * a statistics kernel sets stats_add, a per-pixel kernel sets pixel.  The
 * reconstruction reads only these, so a new kernel is one row and its ops
 * (below) with their functions, and no switch elsewhere. */

/* Adds weight * S into *S, weight * dS/dmu_o into g_mu (C) and weight *
 * dS/dSigma_o into G (full symmetric C x C, row-major; only when the ops
 * say full_G) or Gdiag (C).  Sigma arrays are full symmetric C x C.  No
 * allocation; O(C^2). */
typedef void sst_kernel_stats_fn(double poly_c, double weight, int C,
                                 const double *mu_o, const double *sig_o,
                                 const double *mu_s, const double *sig_s,
                                 double *S, double *g_mu, double *G,
                                 double *Gdiag);

/* A per-pixel kernel: a landmark estimator of S over a region's pixels
 * (the Gaussian's is described below; est is its state). */
typedef struct {
  /* style landmarks: C x Ls scaled values (row-major, ld Ls) with weights
   * b; content landmarks: Lc weights a; sigma2 the region's bandwidth;
   * style_diag as sst_gauss_init.  NULL when out of memory. */
  void *(*init)(int C, double sigma2, int Lc, const double *a, int Ls,
                const double *b, const double *style, double style_diag);
  void (*free)(void *est);
  /* the current content landmark values: pixels lm[] of o (C x n, ld) */
  void (*set_content_f)(void *est, const float *o, size_t ld, const int *lm);
  void (*set_content_d)(void *est, const double *o, size_t ld, const int *lm);
  int block;                              /* pixels per block call */
  size_t (*scratch)(const void *est);     /* floats of one block's scratch */
  /* adds alpha h_i of B <= block pixels into dst, returns sum_i w_i v_i */
  double (*block_fn)(const void *est, float *scratch, const float *o,
                     size_t ldo, int B, const float *w, float alpha,
                     float *dst, size_t ldd);
  /* float64, one pixel: v and h (the reference path) */
  void (*pixel)(const void *est, const double *o, size_t stride, double *v,
                double *h, size_t hstride);
  double (*S)(const void *est, double mean_v); /* from mean_w v */
} sst_pixel_kernel;

struct sst_kernel_ops {
  sst_kernel_stats_fn *stats_add; /* statistics kernels, else NULL */
  int full_G;                     /* stats_add writes the full G */
  const sst_pixel_kernel *pixel;  /* per-pixel kernels, else NULL */
};

extern const sst_kernel_ops sst_kernel_linear_ops, sst_kernel_poly_ops,
    sst_kernel_gauss_ops, sst_kernel_bn_ops;

/* The ops of a usable style kernel (the table's row); NULL for NONE or an
 * unknown value. */
const sst_kernel_ops *sst_kernel_ops_of(sst_kernel k);
/* LINEAR, POLY, GAUSSIAN or BN (a usable main kernel). */
int sst_kernel_valid(sst_kernel k);
/* 1 for kernels whose S is a function of (mu_o, Sigma_o): linear, poly, bn
 * (these keep o affine in c, so they run on the fast path). */
int sst_kernel_is_stats(sst_kernel k);
/* k's stats_add through its row (nothing for a per-pixel kernel). */
void sst_kernel_stats_add(sst_kernel k, double poly_c, double weight, int C,
                          const double *mu_o, const double *sig_o,
                          const double *mu_s, const double *sig_s, double *S,
                          double *g_mu, double *G, double *Gdiag);
/* 1 when k's stats_add may write the full G (poly). */
int sst_kernel_has_full_G(sst_kernel k);

/* Gaussian kernel k(x,y) = exp(-||x-y||^2 / (2 sigma2)) with the
 * landmark estimator:
 *   S = sigma2 * ( sum_i (w_i/W) v_i + kss ),
 *   v_i = sum_l a_l k(o_i, o_l) - 2 sum_j b_j k(o_i, s_j),
 *   kss = sum_jj' b_j b_j' k(s_j, s_j'),
 * over Lc content landmarks o_l (their CURRENT values, weights a, sum 1) and
 * Ls style landmarks s_j (weights b, sum 1).  The gradient uses the
 * symmetrised form  h_i = sum_j b_j k_ij (o_i - s_j) - sum_l a_l k_il (o_i -
 * o_l), which is the exact gradient of the exact MMD when the landmarks are all
 * pixels with their normalised weights. */
typedef struct {
  int C, Lc, Ls, L; /* L = Lc + Ls; content landmarks first */
  double sigma2;
  double kss;
  double *coef_v; /* L: a_l, then -2 b_j */
  double *coef_g; /* L: -a_l, then +b_j */
  double *xd;     /* C x L landmark values (row-major, ld L), float64 */
  float *xf;      /* the same in float32 for the block path */
  float *xnorm;   /* L squared norms of xf */
  float *scratch; /* SST_GAUSS_BLOCK x L, plus per-pixel sums */
} sst_gauss;

/* style: C x Ls values (row-major, ld Ls), already scaled.  style_diag < 0:
 * the style landmarks are all style pixels with their weights (kss exact).
 * Otherwise they are a sample and style_diag = sum_j (v_j/V)^2 over all
 * style pixels: kss is then style_diag + (1 - style_diag) * (mean of k over
 * distinct landmark pairs), which removes the 1/L self-pair bias.  Returns 0
 * on success, -1 when out of memory. */
int sst_gauss_init(sst_gauss *g, int C, double sigma2, int Lc, const double *a,
                   int Ls, const double *b, const double *style,
                   double style_diag);
void sst_gauss_free(sst_gauss *g);
/* Loads the current content landmark values: pixel lm[l] of o (C x n,
 * row-major with leading dimension ld). */
void sst_gauss_set_content_f(sst_gauss *g, const float *o, size_t ld,
                             const int *lm);
void sst_gauss_set_content_d(sst_gauss *g, const double *o, size_t ld,
                             const int *lm);
/* sigma2 * (mean_v + kss): S from the weighted mean of v_i. */
double sst_gauss_S(const sst_gauss *g, double mean_v);

/* Literal float64 evaluation for one pixel o (C values with stride). */
void sst_gauss_pixel(const sst_gauss *g, const double *o, size_t stride,
                     double *v, double *h, size_t hstride);
/* Block evaluation with sgemm for B <= SST_GAUSS_BLOCK pixels o (C x B,
 * leading dimension ldo): adds alpha * h_i into dst (C x B, leading
 * dimension ldd) and returns sum_i w_i v_i. */
double sst_gauss_block(sst_gauss *g, const float *o, size_t ldo, int B,
                       const float *w, float alpha, float *dst, size_t ldd);
/* The same with the caller's scratch (SST_GAUSS_SCRATCH(g->L) floats), so
 * that worker threads can run blocks side by side. */
#define SST_GAUSS_SCRATCH(L) ((size_t)SST_GAUSS_BLOCK * ((size_t)(L) + 2))
double sst_gauss_block_ws(const sst_gauss *g, float *scratch, const float *o,
                          size_t ldo, int B, const float *w, float alpha,
                          float *dst, size_t ldd);
#endif
