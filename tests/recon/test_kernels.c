/* test_kernels.c - S and dS/do of every kernel against central finite
 * differences and against PyTorch float64 autograd golden values
 * (tools/make_recon_golden.py -> tests/data/recon/kernels_golden.txt);
 * the sgemm Gaussian block path against the literal float64 one; the
 * subsampled Gaussian estimator against the exact all-pairs MMD. */
#include "kernels.h"
#include "recon_internal.h"
#include "recon_test_util.h"
#include "../golden.h"

static float *to_float(const double *v, int n) {
  float *f = malloc(sizeof(float) * (size_t)n);
  for (int i = 0; i < n; i++)
    f[i] = (float)v[i];
  return f;
}

static double max_abs_diff(const double *a, const double *b, int n,
                           double *scale) {
  double m = 0.0, s = 0.0;
  for (int i = 0; i < n; i++) {
    double d = fabs(a[i] - b[i]);
    if (d > m)
      m = d;
    if (fabs(b[i]) > s)
      s = fabs(b[i]);
  }
  *scale = s;
  return m;
}

static const kcase CASES[] = {
    {"linear", SST_KERNEL_LINEAR, 0.0, SST_KERNEL_NONE, 0.0},
    {"poly0", SST_KERNEL_POLY, 0.0, SST_KERNEL_NONE, 0.0},
    {"poly1", SST_KERNEL_POLY, 1.0, SST_KERNEL_NONE, 0.0},
    {"bn", SST_KERNEL_BN, 0.0, SST_KERNEL_NONE, 0.0},
    {"gaussian", SST_KERNEL_GAUSSIAN, 0.0, SST_KERNEL_NONE, 0.0},
    {"poly1_bn", SST_KERNEL_POLY, 1.0, SST_KERNEL_BN, 0.5},
    {"bn_gaussian", SST_KERNEL_BN, 0.0, SST_KERNEL_GAUSSIAN, 2.0},
};
#define NCASES ((int)(sizeof CASES / sizeof CASES[0]))

static void test_golden(const char *root) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/recon/kernels_golden.txt", root);
  if (load_golden(path)) {
    printf("FAIL cannot read %s\n", path);
    failures++;
    return;
  }
  const double *dims = golden("dims", 4);
  if (!dims)
    return;
  const int C = (int)dims[0], N = (int)dims[1], M = (int)dims[2],
            K = (int)dims[3];
  float *fc = to_float(golden("fc", C * N), C * N);
  float *fs = to_float(golden("fs", C * M), C * M);
  float *wc = to_float(golden("wc", K * N), K * N);
  float *ws = to_float(golden("ws", K * M), K * M);
  const double *o = golden("o", C * N);
  sst_recon_stats *st = NULL;
  sst_error err = {0};
  sst_status rc = sst_recon_stats_new(fc, C, N, wc, fs, M, ws, K, &st, NULL, &err);
  CHECK(rc == SST_OK, "stats_new: %s", err.msg);
  if (rc != SST_OK || !o)
    return;
  printf("golden: C=%d N=%d M=%d K=%d\n", C, N, M, K);
  CHECK(fabs(st->scale - golden("scale", 1)[0]) < 1e-12 * st->scale,
        "scale %.17g vs %.17g", st->scale, golden("scale", 1)[0]);
  char name[64];
  double sc;
  for (int k = 0; k < K; k++) {
    const sst_region_stats *r = &st->reg[k];
    CHECK(r->n == N, "region %d has %d positive pixels", k, r->n);
    CHECK(r->L == N, "region %d: %d landmarks, want all %d pixels", k, r->L, N);
    struct {
      const char *g;
      const double *v;
      int n;
    } sv[] = {{"mu_c", r->mu, C},
              {"sig_c", r->sig, C * C},
              {"mu_s", r->style->mu, C},
              {"sig_s", r->style->sig, C * C}};
    for (int q = 0; q < 4; q++) {
      snprintf(name, sizeof name, "%s%d", sv[q].g, k);
      const double *gv = golden(name, sv[q].n);
      if (!gv)
        continue;
      double d = max_abs_diff(sv[q].v, gv, sv[q].n, &sc);
      CHECK(d <= 1e-12 * (sc + 1e-300), "%s differs by %g (scale %g)", name, d,
            sc);
    }
    snprintf(name, sizeof name, "sigma2_%d", k);
    const double *gs2 = golden(name, 1);
    if (gs2)
      CHECK(fabs(r->sigma2 - gs2[0]) < 1e-10 * gs2[0],
            "sigma2 region %d: %.17g vs %.17g (all pairs)", k, r->sigma2,
            gs2[0]);
  }
  printf("golden: scale, per-region mean/second moment and sigma2 checked\n");

  double *grad = malloc(sizeof(double) * (size_t)C * N);
  double *op = malloc(sizeof(double) * (size_t)C * N);
  for (int ci = 0; ci < NCASES; ci++) {
    const kcase *kc = &CASES[ci];
    sst_recon_params p = {kc->k, 1.0, kc->c, kc->fuse, kc->fw, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
    for (int k = 0; k < K; k++) {
      double S = 0.0;
      rc = sst_recon_eval_plain(st, &p, k, o, &S, grad, &err);
      CHECK(rc == SST_OK, "eval %s: %s", kc->name, err.msg);
      snprintf(name, sizeof name, "S_%s_%d", kc->name, k);
      const double *gS = golden(name, 1);
      snprintf(name, sizeof name, "grad_%s_%d", kc->name, k);
      const double *gg = golden(name, C * N);
      if (!gS || !gg)
        continue;
      double eS = fabs(S - gS[0]) / fabs(gS[0]);
      double eg = max_abs_diff(grad, gg, C * N, &sc) / sc;
      /* finite differences of the engine's own S */
      double efd = 0.0;
      const double h = 1e-5;
      memcpy(op, o, sizeof(double) * (size_t)C * N);
      for (int q = 0; q < C * N; q++) {
        double Sp, Sm;
        op[q] = o[q] + h;
        sst_recon_eval_plain(st, &p, k, op, &Sp, grad + 0, &err);
        op[q] = o[q] - h;
        sst_recon_eval_plain(st, &p, k, op, &Sm, grad + 0, &err);
        op[q] = o[q];
        double fd = (Sp - Sm) / (2 * h);
        double d = fabs(fd - gg[q]) / sc;
        if (d > efd)
          efd = d;
      }
      printf(
          "  %-12s region %d: S=%-12.6g |S-torch|/S=%.2e  grad vs torch %.2e  "
          "FD vs torch %.2e\n",
          kc->name, k, S, eS, eg, efd);
      CHECK(eS < 1e-10, "%s region %d: S %.17g vs torch %.17g", kc->name, k, S,
            gS[0]);
      CHECK(eg < 1e-10, "%s region %d: gradient differs from autograd by %g",
            kc->name, k, eg);
      CHECK(efd < 1e-7, "%s region %d: finite differences differ by %g",
            kc->name, k, efd);
    }
  }
  free(grad);
  free(op);
  sst_recon_stats_free(st);
  free(fc);
  free(fs);
  free(wc);
  free(ws);
}

/* The sgemm block path must compute what the literal per-pixel path does. */
static void test_gauss_block(void) {
  const int C = 7, Lc = 11, Ls = 13, n = 300;
  rng_seed(77);
  double a[11], b[13], sa = 0, sb = 0;
  for (int l = 0; l < Lc; l++)
    sa += a[l] = 0.1 + rng_u01();
  for (int j = 0; j < Ls; j++)
    sb += b[j] = 0.1 + rng_u01();
  for (int l = 0; l < Lc; l++)
    a[l] /= sa;
  for (int j = 0; j < Ls; j++)
    b[j] /= sb;
  double *style = malloc(sizeof(double) * C * Ls);
  for (int q = 0; q < C * Ls; q++)
    style[q] = fmax(0.0, rng_normal() + 0.5);
  float *o = malloc(sizeof(float) * C * n), *w = malloc(sizeof(float) * n);
  fill_relu(o, (size_t)C * n, 1.0, 0.3);
  for (int i = 0; i < n; i++)
    w[i] = (float)rng_u01();
  int lm[11];
  for (int l = 0; l < Lc; l++)
    lm[l] = (l * 37) % n;
  sst_gauss g;
  CHECK(sst_gauss_init(&g, C, 4.0, Lc, a, Ls, b, style, -1.0) == 0,
        "gauss init");
  sst_gauss_set_content_f(&g, o, (size_t)n, lm);
  float *dst = calloc((size_t)C * n, sizeof(float));
  double vsum = 0.0;
  for (int p0 = 0; p0 < n; p0 += SST_GAUSS_BLOCK) {
    int B = n - p0 < SST_GAUSS_BLOCK ? n - p0 : SST_GAUSS_BLOCK;
    vsum += sst_gauss_block(&g, o + p0, (size_t)n, B, w + p0, 2.0f, dst + p0,
                            (size_t)n);
  }
  double *od = malloc(sizeof(double) * C), *h = malloc(sizeof(double) * C);
  double vref = 0.0, num = 0.0, den = 0.0;
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < C; c++)
      od[c] = o[(size_t)c * n + i];
    double v;
    sst_gauss_pixel(&g, od, 1, &v, h, 1);
    vref += w[i] * v;
    for (int c = 0; c < C; c++) {
      double d = dst[(size_t)c * n + i] - 2.0 * h[c];
      num += d * d;
      den += 4.0 * h[c] * h[c];
    }
  }
  double ev = fabs(vsum - vref) / fabs(vref), eh = sqrt(num / den);
  printf("gauss block vs per-pixel: value %.2e, gradient %.2e\n", ev, eh);
  CHECK(ev < 1e-5 && eh < 1e-4, "block path differs: value %g gradient %g", ev,
        eh);
  sst_gauss_free(&g);
  free(style);
  free(o);
  free(w);
  free(dst);
  free(od);
  free(h);
}

/* Exact weighted all-pairs Gaussian S and gradient (test's own float64). */
static double exact_gauss(const double *o, int n, const float *w,
                          const double *s, int m, double sigma2, int C,
                          double *grad) {
  double W = 0.0;
  for (int i = 0; i < n; i++)
    W += w[i];
  double too = 0.0, tos = 0.0, tss = 0.0;
  const double inv = 1.0 / (2 * sigma2);
  memset(grad, 0, sizeof(double) * (size_t)C * n);
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      double d2 = 0;
      for (int c = 0; c < C; c++) {
        double d = o[c * n + i] - o[c * n + j];
        d2 += d * d;
      }
      double k = exp(-d2 * inv);
      too += w[i] * w[j] * k;
      for (int c = 0; c < C; c++) /* d/do_i of the o-o double sum */
        grad[c * n + i] += 2 * w[i] * w[j] * k *
                           (-(o[c * n + i] - o[c * n + j]) / sigma2) / (W * W);
    }
    for (int j = 0; j < m; j++) {
      double d2 = 0;
      for (int c = 0; c < C; c++) {
        double d = o[c * n + i] - s[c * m + j];
        d2 += d * d;
      }
      double k = exp(-d2 * inv);
      tos += w[i] * k;
      for (int c = 0; c < C; c++)
        grad[c * n + i] -=
            2 * w[i] * k * (-(o[c * n + i] - s[c * m + j]) / sigma2) / (W * m);
    }
  }
  for (int j = 0; j < m; j++)
    for (int l = 0; l < m; l++) {
      double d2 = 0;
      for (int c = 0; c < C; c++) {
        double d = s[c * m + j] - s[c * m + l];
        d2 += d * d;
      }
      tss += exp(-d2 * inv);
    }
  for (int q = 0; q < C * n; q++)
    grad[q] *= sigma2;
  return sigma2 * (too / (W * W) - 2 * tos / (W * m) + tss / ((double)m * m));
}

/* With more pixels than landmarks the estimator is close to the exact MMD. */
static void test_estimator(void) {
  const int C = 8, N = 2000, M = 1500;
  rng_seed(4242);
  float *fc = malloc(sizeof(float) * C * N),
        *fs = malloc(sizeof(float) * C * M);
  float *wc = malloc(sizeof(float) * N);
  fill_relu(fc, (size_t)C * N, 1.0, 0.2);
  fill_relu(fs, (size_t)C * M, 1.5, 0.8);
  for (int i = 0; i < N; i++)
    wc[i] = i < N / 4 ? 0.0f : (float)(0.2 + 0.8 * rng_u01());
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(fc, C, N, wc, fs, M, NULL, 1);
  if (!st)
    return;
  const sst_region_stats *r = &st->reg[0];
  CHECK(r->n == N - N / 4 && r->L == SST_LANDMARKS &&
            r->style->L == SST_LANDMARKS,
        "landmark counts %d %d", r->L, r->style->L);
  double asum = 0;
  int inrange = 1;
  for (int l = 0; l < r->L; l++) {
    asum += r->a[l];
    inrange &= r->lm[l] >= 0 && r->lm[l] < r->n;
  }
  CHECK(fabs(asum - 1.0) < 1e-12 && inrange, "content landmarks bad");
  const int n = r->n;
  double *o = malloc(sizeof(double) * C * n),
         *s = malloc(sizeof(double) * C * M);
  float *w = malloc(sizeof(float) * n);
  for (int i = 0; i < n; i++) {
    w[i] = wc[N / 4 + i];
    for (int c = 0; c < C; c++)
      o[c * n + i] = fc[c * N + N / 4 + i] / st->scale;
  }
  for (int q = 0; q < C * M; q++)
    s[q] = fs[q] / st->scale;
  double *ge = malloc(sizeof(double) * C * n),
         *gx = malloc(sizeof(double) * C * n);
  double Sx = exact_gauss(o, n, w, s, M, r->sigma2, C, gx);
  sst_recon_params p = {SST_KERNEL_GAUSSIAN, 1.0, 0.0,
                        SST_KERNEL_NONE,     0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
  double Se;
  CHECK(sst_recon_eval_plain(st, &p, 0, o, &Se, ge, &err) == SST_OK, "%s",
        err.msg);
  double dot = 0, ne = 0, nx = 0;
  for (int q = 0; q < C * n; q++) {
    dot += ge[q] * gx[q];
    ne += ge[q] * ge[q];
    nx += gx[q] * gx[q];
  }
  double cosv = dot / sqrt(ne * nx), rel = fabs(Se - Sx) / Sx;
  printf("estimator (L=%d of n=%d, M=%d): S %.5g vs exact %.5g (rel %.3f), "
         "gradient cosine %.4f, norm ratio %.3f\n",
         r->L, n, M, Se, Sx, rel, cosv, sqrt(ne / nx));
  /* S is a small difference of O(1) kernel means, so the landmark sampling
   * noise (~1/sqrt(L)) shows more in S than in its gradient. */
  CHECK(rel < 0.15, "estimated S off by %.3f", rel);
  CHECK(cosv > 0.98, "estimated gradient cosine %.3f", cosv);
  free(o);
  free(s);
  free(w);
  free(ge);
  free(gx);
  free(fc);
  free(fs);
  free(wc);
  sst_recon_stats_free(st);
}

int main(void) {
  const char *root = getenv("SST_SOURCE_ROOT");
  test_golden(root ? root : ".");
  test_gauss_block();
  test_estimator();
  for (int i = 0; i < g_ne; i++)
    free(g_e[i].v);
  printf(failures ? "recon_kernels: %d FAILURES\n"
                    : "recon_kernels: all passed\n",
         failures);
  return failures ? 1 : 0;
}
