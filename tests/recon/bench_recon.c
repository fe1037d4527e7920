/* bench_recon.c - timings of the reconstruction at real sizes, and how far
 * each kernel moves random ReLU-like features toward the style per gamma.
 *   recon_bench [C N M [SWEEP_ITERATIONS]]   (default 256 30000 16384 10)
 * Set OPENBLAS_NUM_THREADS to control the BLAS threads. */
#include "kernels.h"
#include "recon_internal.h"
#include "recon_test_util.h"

static void make_features(float *f, int C, int n, double spread, double corr) {
  for (int c = 0; c < C; c++) {
    double a = 0.5 + spread * rng_u01(), b = spread * (rng_u01() - 0.6);
    for (int i = 0; i < n; i++) {
      double v = a * rng_normal() + b;
      f[(size_t)c * n + i] = (float)(v > 0 ? v : 0);
    }
  }
  if (corr > 0) /* shared low-rank component: channel correlations */
    for (int i = 0; i < n; i++) {
      double z = rng_normal();
      for (int c = 0; c < C; c++) {
        float *v = &f[(size_t)c * n + i];
        double nv = *v + corr * z * ((c % 7) - 3) / 3.0;
        *v = (float)(nv > 0 ? nv : 0);
      }
    }
}

static double timed(const sst_recon_stats *st, sst_recon_params p, float *out) {
  sst_error err = {0};
  double t0 = sst_now();
  sst_status rc = sst_reconstruct(st, &p, out, NULL, &err);
  double t = sst_now() - t0;
  if (rc != SST_OK)
    printf("reconstruct failed: %s\n", err.msg);
  return t;
}

/* Style distances (bn and Gram) of features f against style statistics. */
static void distances(const float *f, int C, int n, const float *fs, int M,
                      double *dbn, double *dgram) {
  sst_recon_stats *st = NULL;
  sst_error err = {0};
  if (sst_recon_stats_new(f, C, n, NULL, fs, M, NULL, 1, &st, NULL, &err) != SST_OK) {
    printf("stats failed: %s\n", err.msg);
    return;
  }
  double *g = calloc((size_t)C, sizeof(double)),
         *G = calloc((size_t)C * C, sizeof(double));
  double *Gd = calloc((size_t)C, sizeof(double));
  *dbn = *dgram = 0.0;
  sst_kernel_stats_add(SST_KERNEL_BN, 0.0, 1.0, C, st->reg[0].mu,
                       st->reg[0].sig, st->sets[0].mu, st->sets[0].sig, dbn, g,
                       G, Gd);
  sst_kernel_stats_add(SST_KERNEL_POLY, 0.0, 1.0, C, st->reg[0].mu,
                       st->reg[0].sig, st->sets[0].mu, st->sets[0].sig, dgram,
                       g, G, Gd);
  free(g);
  free(G);
  free(Gd);
  sst_recon_stats_free(st);
}

int main(int argc, char **argv) {
  int C = argc > 3 ? atoi(argv[1]) : 256, N = argc > 3 ? atoi(argv[2]) : 30000,
      M = argc > 3 ? atoi(argv[3]) : 16384;
  const int K = 2;
  const int sweep_it = argc > 4 ? atoi(argv[4]) : 10;
  (void)failures;
  rng_seed(31337);
  float *fc = malloc(sizeof(float) * (size_t)C * N),
        *fs = malloc(sizeof(float) * (size_t)C * M);
  float *wc = malloc(sizeof(float) * (size_t)K * N),
        *ws = malloc(sizeof(float) * (size_t)K * M);
  float *out = malloc(sizeof(float) * (size_t)C * N);
  make_features(fc, C, N, 1.0, 0.0);
  make_features(fs, C, M, 2.0, 1.0);
  for (int i = 0; i < N; i++) { /* hard halves, soft seam of N/50 pixels */
    double t = (i - (N / 2.0 - N / 100.0)) / (N / 50.0);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    wc[i] = (float)(1 - t);
    wc[N + i] = (float)t;
  }
  for (int j = 0; j < M; j++) {
    ws[j] = j < M / 2 ? 1.0f : 0.0f;
    ws[M + j] = 1.0f - ws[j];
  }
  printf("C=%d N=%d M=%d K=%d, OPENBLAS_NUM_THREADS=%s\n", C, N, M, K,
         getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS")
                                        : "(unset)");
  sst_recon_stats *st = NULL, *st1 = NULL;
  sst_error err = {0};
  double t0 = sst_now();
  if (sst_recon_stats_new(fc, C, N, wc, fs, M, ws, K, &st, NULL, &err) != SST_OK) {
    printf("stats: %s\n", err.msg);
    return 1;
  }
  printf("sst_recon_stats_new K=2: %.3f s\n", sst_now() - t0);
  t0 = sst_now();
  sst_recon_stats_new(fc, C, N, NULL, fs, M, NULL, 1, &st1, NULL, &err);
  printf("sst_recon_stats_new K=1: %.3f s\n", sst_now() - t0);

  sst_recon_params p = {SST_KERNEL_POLY, 1.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
  printf("poly K=2 10 it: %.3f s; gamma change (gamma 3): %.3f s\n",
         timed(st, p, out), (p.gamma = 3.0, timed(st, p, out)));
  p.gamma = 1.0;
  printf("poly K=1 10 it: %.3f s\n", timed(st1, p, out));
  p.kernel = SST_KERNEL_BN;
  printf("bn   K=2 10 it: %.3f s\n", timed(st, p, out));
  p.kernel = SST_KERNEL_LINEAR;
  printf("linear K=2 10 it: %.3f s\n", timed(st, p, out));
  p.kernel = SST_KERNEL_POLY;
  p.fuse_kernel = SST_KERNEL_BN;
  p.fuse_weight = 1.0;
  printf("poly+bn K=2 10 it: %.3f s\n", timed(st, p, out));
  p.kernel = SST_KERNEL_GAUSSIAN;
  p.fuse_kernel = SST_KERNEL_NONE;
  printf("gaussian K=2 10 it: %.3f s\n", timed(st, p, out));
  p.iterations = 1;
  printf("gaussian K=2 1 it: %.3f s\n", timed(st, p, out));
  sst_recon_stats_free(st);
  sst_recon_stats_free(st1);

  /* Gamma sweep on a smaller single region: how much of the style distance
   * each kernel removes, and how far the features move. */
  const int n2 = N < 4096 ? N : 4096, m2 = M < 4096 ? M : 4096;
  float *o2 = malloc(sizeof(float) * (size_t)C * n2);
  if (sst_recon_stats_new(fc, C, n2, NULL, fs, m2, NULL, 1, &st1, NULL, &err) !=
      SST_OK)
    return 1;
  /* fc and fs are C x N / C x M: take the first n2 / m2 pixels per channel */
  float *c2 = malloc(sizeof(float) * (size_t)C * n2),
        *s2 = malloc(sizeof(float) * (size_t)C * m2);
  for (int c = 0; c < C; c++) {
    memcpy(c2 + (size_t)c * n2, fc + (size_t)c * N, sizeof(float) * n2);
    memcpy(s2 + (size_t)c * m2, fs + (size_t)c * M, sizeof(float) * m2);
  }
  sst_recon_stats_free(st1);
  sst_recon_stats_new(c2, C, n2, NULL, s2, m2, NULL, 1, &st1, NULL, &err);
  double b0, g0;
  distances(c2, C, n2, s2, m2, &b0, &g0);
  printf("\ngamma sweep (C=%d n=%d m=%d, %d it): removed fraction of the bn / "
         "Gram "
         "distance, ||o-c||/||c||\n",
         C, n2, m2, sweep_it);
  const sst_kernel ks[] = {SST_KERNEL_LINEAR, SST_KERNEL_POLY, SST_KERNEL_BN,
                           SST_KERNEL_GAUSSIAN};
  const double gs[] = {0.1, 0.3, 1, 3, 10, 30};
  for (int q = 0; q < (getenv("SWEEP_NO_GAUSS") ? 3 : 4); q++) {
    printf("%-9s", sst_kernel_valid(ks[q])
                       ? (ks[q] == SST_KERNEL_LINEAR ? "linear"
                          : ks[q] == SST_KERNEL_POLY ? "poly"
                          : ks[q] == SST_KERNEL_BN   ? "bn"
                                                     : "gaussian")
                       : "?");
    for (int gi = 0; gi < 6; gi++) {
      sst_recon_params pp = {ks[q],           gs[gi], 0.0,
                             SST_KERNEL_NONE, 0.0,    sweep_it, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
      double t = timed(st1, pp, o2), db, dg;
      (void)t;
      distances(o2, C, n2, s2, m2, &db, &dg);
      printf(" g=%-4g %.2f/%.2f/%.2f", gs[gi], 1 - db / b0, 1 - dg / g0,
             rel_diff_f(o2, c2, (size_t)C * n2));
    }
    printf("\n");
  }
  sst_recon_stats_free(st1);
  free(fc);
  free(fs);
  free(wc);
  free(ws);
  free(out);
  free(o2);
  free(c2);
  free(s2);
  return 0;
}
