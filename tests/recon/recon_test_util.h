/* recon_test_util.h - small helpers shared by the reconstruction tests. */
#ifndef RECON_TEST_UTIL_H
#define RECON_TEST_UTIL_H
#include "../check.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconstruct.h"

/* One kernel configuration of a table of cases: kernel k with its
 * constant c (poly), fused with kernel fuse at weight fw (NONE: alone). */
typedef struct {
  const char *name;
  sst_kernel k;
  double c;
  sst_kernel fuse;
  double fw;
} kcase;

/* Deterministic generator (xorshift64*) so the tests never depend on libc. */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static inline void rng_seed(uint64_t s) { g_rng = s ? s : 1; }
static inline double rng_u01(void) {
  g_rng ^= g_rng >> 12;
  g_rng ^= g_rng << 25;
  g_rng ^= g_rng >> 27;
  return (double)((g_rng * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}
static inline double rng_normal(void) {
  double u = rng_u01(), v = rng_u01();
  if (u < 1e-300)
    u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
/* ReLU-like feature values: max(0, a*n + b). */
static inline void fill_relu(float *x, size_t n, double a, double b) {
  for (size_t i = 0; i < n; i++) {
    double v = a * rng_normal() + b;
    x[i] = (float)(v > 0.0 ? v : 0.0);
  }
}

/* Statistics a test needs: a failure to build them is a CHECK failure
 * (with the engine's message) and gives NULL. */
static inline sst_recon_stats *stats_or_fail(const float *fc, int C, int N,
                                             const float *wc, const float *fs,
                                             int M, const float *ws, int K) {
  sst_recon_stats *st = NULL;
  sst_error err = {0};
  CHECK(sst_recon_stats_new(fc, C, N, wc, fs, M, ws, K, &st, NULL, &err) == SST_OK,
        "statistics: %s", err.msg);
  return st;
}

/* ||a - b|| / ||b|| */
static inline double rel_diff_f(const float *a, const float *b, size_t n) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)a[i] - b[i];
    num += d * d;
    den += (double)b[i] * b[i];
  }
  return den > 0.0 ? sqrt(num / den) : sqrt(num);
}

/* Weighted mean and uncentred second moment of x (C x n, ld n), w NULL = 1,
 * everything divided by s. */
static inline void test_moments(const float *x, int C, int n, const float *w,
                                double s, double *mu, double *sig) {
  double W = 0.0;
  for (int i = 0; i < n; i++)
    W += w ? w[i] : 1.0;
  for (int a = 0; a < C; a++) {
    double m = 0.0;
    for (int i = 0; i < n; i++)
      m += (w ? w[i] : 1.0) * x[(size_t)a * n + i] / s;
    mu[a] = m / W;
    for (int b = 0; b < C; b++) {
      double t = 0.0;
      for (int i = 0; i < n; i++)
        t += (w ? w[i] : 1.0) * (x[(size_t)a * n + i] / s) *
             (x[(size_t)b * n + i] / s);
      sig[(size_t)a * C + b] = t / W;
    }
  }
}
#endif
