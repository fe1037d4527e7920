/* test_fastpath.c - the affine fast path against the plain per-pixel
 * reference, gamma = 0, monotone loss, and the move toward the style. */
#include "kernels.h"
#include "recon_internal.h"
#include "recon_test_util.h"

enum { C = 16, N = 300, M = 200, K = 2 };
static float fc[C * N], fs[C * M], wc[K * N], ws[K * M];

static void make_data(void) {
  rng_seed(1234);
  fill_relu(fc, C * N, 1.0, 0.2);
  /* style: other scale, per-channel offsets and a channel correlation */
  for (int j = 0; j < M; j++) {
    double z = rng_normal();
    for (int c = 0; c < C; c++) {
      double v = 1.5 * rng_normal() + 0.3 * c / C + 0.8 * z;
      fs[c * M + j] = (float)(v > 0 ? 2.0 * v : 0.0);
    }
  }
  /* two soft content regions: a ramp across the pixel index */
  for (int i = 0; i < N; i++) {
    double t = 1.0 / (1.0 + exp(-(i - N / 2.0) / 20.0));
    wc[0 * N + i] = (float)(1.0 - t);
    wc[1 * N + i] = (float)t;
  }
  /* style regions: first half / second half with a soft seam */
  for (int j = 0; j < M; j++) {
    double t = j < M / 2 - 5   ? 0.0
               : j > M / 2 + 5 ? 1.0
                               : (j - (M / 2 - 5)) / 10.0;
    ws[0 * M + j] = (float)(1.0 - t);
    ws[1 * M + j] = (float)t;
  }
}

static void test_plain_vs_fast(const sst_recon_stats *st) {
  static const kcase cases[] = {
      {"linear", SST_KERNEL_LINEAR, 0.0, SST_KERNEL_NONE, 0.0},
      {"poly c=0", SST_KERNEL_POLY, 0.0, SST_KERNEL_NONE, 0.0},
      {"poly c=1", SST_KERNEL_POLY, 1.0, SST_KERNEL_NONE, 0.0},
      {"bn", SST_KERNEL_BN, 0.0, SST_KERNEL_NONE, 0.0},
      {"poly+bn", SST_KERNEL_POLY, 1.0, SST_KERNEL_BN, 0.5},
      {"gaussian", SST_KERNEL_GAUSSIAN, 0.0, SST_KERNEL_NONE, 0.0},
      {"bn+gauss", SST_KERNEL_BN, 0.0, SST_KERNEL_GAUSSIAN, 1.0},
  };
  static const double gammas[] = {0.5, 5.0, 50.0};
  static float a[C * N], b[C * N];
  sst_error err = {0};
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
    for (int gi = 0; gi < 3; gi++) {
      const kcase *kc = &cases[ci];
      sst_recon_params p = {kc->k, gammas[gi], kc->c, kc->fuse, kc->fw, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
      sst_status r1 = sst_reconstruct(st, &p, a, NULL, &err);
      CHECK(r1 == SST_OK, "fast %s: %s", kc->name, err.msg);
      sst_status r2 = sst_reconstruct_plain(st, &p, b, NULL, &err);
      CHECK(r2 == SST_OK, "plain %s: %s", kc->name, err.msg);
      double d = rel_diff_f(a, b, C * N), moved = rel_diff_f(b, fc, C * N);
      /* the Gaussian per-pixel path runs in float32 */
      double tol =
          kc->fuse == SST_KERNEL_GAUSSIAN || kc->k == SST_KERNEL_GAUSSIAN
              ? 1e-3
              : 1e-4;
      printf("  %-9s gamma %-4g: ||fast-plain||/||plain|| = %.2e  (moved %.3f "
             "from content)\n",
             kc->name, gammas[gi], d, moved);
      CHECK(d < tol, "%s gamma %g: fast and plain differ by %g", kc->name,
            gammas[gi], d);
      CHECK(moved > 1e-3, "%s gamma %g: output did not move", kc->name,
            gammas[gi]);
    }
}

static void test_gamma_zero(const sst_recon_stats *st) {
  static float a[C * N];
  sst_error err = {0};
  const sst_kernel ks[] = {SST_KERNEL_LINEAR, SST_KERNEL_POLY, SST_KERNEL_BN,
                           SST_KERNEL_GAUSSIAN};
  for (int q = 0; q < 4; q++) {
    sst_recon_params p = {ks[q], 0.0, 1.0, SST_KERNEL_BN, 1.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
    memset(a, 0xff, sizeof a);
    CHECK(sst_reconstruct(st, &p, a, NULL, &err) == SST_OK, "%s", err.msg);
    CHECK(memcmp(a, fc, sizeof a) == 0,
          "gamma 0 (kernel %d) is not the content", ks[q]);
    memset(a, 0xff, sizeof a);
    CHECK(sst_reconstruct_plain(st, &p, a, NULL, &err) == SST_OK, "%s",
          err.msg);
    CHECK(memcmp(a, fc, sizeof a) == 0,
          "plain gamma 0 (kernel %d) is not the content", ks[q]);
  }
  printf("gamma = 0 returns the content exactly (fast and plain, 4 kernels)\n");
}

/* Loss of a single-region output, computed here from the pixels. */
static double exact_gauss_S(const double *o, const double *s, double sigma2) {
  double too = 0, tos = 0, tss = 0, inv = 1.0 / (2 * sigma2);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < N; j++) {
      double d2 = 0;
      for (int c = 0; c < C; c++)
        d2 += (o[c * N + i] - o[c * N + j]) * (o[c * N + i] - o[c * N + j]);
      too += exp(-d2 * inv);
    }
    for (int j = 0; j < M; j++) {
      double d2 = 0;
      for (int c = 0; c < C; c++)
        d2 += (o[c * N + i] - s[c * M + j]) * (o[c * N + i] - s[c * M + j]);
      tos += exp(-d2 * inv);
    }
  }
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      double d2 = 0;
      for (int c = 0; c < C; c++)
        d2 += (s[c * M + i] - s[c * M + j]) * (s[c * M + i] - s[c * M + j]);
      tss += exp(-d2 * inv);
    }
  return sigma2 * (too / ((double)N * N) - 2 * tos / ((double)N * M) +
                   tss / ((double)M * M));
}

static double loss(const sst_recon_stats *st, const sst_recon_params *p,
                   const float *out) {
  const double s = st->scale;
  static double mu_o[C], sig_o[C * C], g[C], G[C * C], Gd[C];
  static double o[C * N], sd[C * M];
  double content = 0.0;
  for (int q = 0; q < C * N; q++) {
    double d = (out[q] - fc[q]) / s;
    content += d * d;
    o[q] = out[q] / s;
  }
  content /= N;
  double S = 0.0;
  sst_kernel ks[2] = {p->kernel, p->fuse_kernel};
  double wt[2] = {1.0, p->fuse_weight};
  test_moments(out, C, N, NULL, s, mu_o, sig_o);
  for (int t = 0; t < 2; t++) {
    if (sst_kernel_is_stats(ks[t]))
      sst_kernel_stats_add(ks[t], p->poly_c, wt[t], C, mu_o, sig_o,
                           st->reg[0].style->mu, st->reg[0].style->sig, &S, g,
                           G, Gd);
    if (ks[t] == SST_KERNEL_GAUSSIAN) {
      for (int q = 0; q < C * M; q++)
        sd[q] = fs[q] / s;
      S += wt[t] * exact_gauss_S(o, sd, st->reg[0].sigma2);
    }
  }
  return content + p->gamma * S;
}

static void test_monotone(void) {
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(fc, C, N, NULL, fs, M, NULL, 1);
  if (!st)
    return;
  static const kcase cases[] = {
      {"linear", SST_KERNEL_LINEAR, 0.0, SST_KERNEL_NONE, 0.0},
      {"poly c=1", SST_KERNEL_POLY, 1.0, SST_KERNEL_NONE, 0.0},
      {"bn", SST_KERNEL_BN, 0.0, SST_KERNEL_NONE, 0.0},
      {"poly+bn", SST_KERNEL_POLY, 0.0, SST_KERNEL_BN, 1.0},
      {"gaussian", SST_KERNEL_GAUSSIAN, 0.0, SST_KERNEL_NONE, 0.0},
  };
  static float out[C * N];
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const kcase *kc = &cases[ci];
    double J[11];
    int mono = 1;
    for (int t = 0; t <= 10; t++) {
      sst_recon_params p = {kc->k, 20.0, kc->c, kc->fuse, kc->fw, t, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
      CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK, "%s", err.msg);
      J[t] = loss(st, &p, out);
      if (t > 0 && J[t] > J[t - 1] + 1e-6 * fabs(J[0]))
        mono = 0;
    }
    printf(
        "  J over 10 iterations (%s, gamma 20): %.5g -> %.5g -> %.5g -> %.5g\n",
        kc->name, J[0], J[1], J[5], J[10]);
    CHECK(mono, "%s: loss not monotone", kc->name);
    CHECK(J[10] < 0.9 * J[0], "%s: loss barely decreased (%g -> %g)", kc->name,
          J[0], J[10]);
  }
  sst_recon_stats_free(st);
}

/* Distance of the output's style statistic to the style's, per kernel. */
static double style_distance(const sst_recon_stats *st, sst_kernel k,
                             const float *out) {
  static double mu_o[C], sig_o[C * C], g[C], G[C * C], Gd[C];
  test_moments(out, C, N, NULL, st->scale, mu_o, sig_o);
  double S = 0.0;
  sst_kernel_stats_add(k, 0.0, 1.0, C, mu_o, sig_o, st->reg[0].style->mu,
                       st->reg[0].style->sig, &S, g, G, Gd);
  return S;
}

static void test_style_moves(void) {
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(fc, C, N, NULL, fs, M, NULL, 1);
  if (!st)
    return;
  static float out[C * N];
  const sst_kernel ks[] = {SST_KERNEL_BN, SST_KERNEL_POLY, SST_KERNEL_LINEAR};
  const char *names[] = {"bn (mean/std)", "poly (Gram)", "linear (mean)"};
  for (int q = 0; q < 3; q++) {
    double d0 = style_distance(st, ks[q], fc), prev = d0;
    printf("  %-14s distance to style: content %.4g", names[q], d0);
    for (double gamma = 0.5; gamma < 100; gamma *= 10) {
      sst_recon_params p = {ks[q], gamma, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
      CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK, "%s", err.msg);
      double d = style_distance(st, ks[q], out);
      printf(", gamma %g: %.4g", gamma, d);
      CHECK(d < prev, "%s: distance does not shrink with gamma", names[q]);
      prev = d;
    }
    printf("\n");
    CHECK(prev < 0.2 * d0, "%s: large gamma leaves %.3g of %.3g", names[q],
          prev, d0);
  }
  sst_recon_stats_free(st);
}

/* Pixels that no region covers keep the content; an empty region is skipped. */
static void test_uncovered(void) {
  static float w2[K * N], a[C * N];
  memcpy(w2, wc, sizeof w2);
  for (int i = 0; i < 40; i++)
    w2[i] = w2[N + i] = 0.0f;
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(fc, C, N, w2, fs, M, ws, K);
  if (!st)
    return;
  sst_recon_params p = {SST_KERNEL_POLY, 5.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
  CHECK(sst_reconstruct(st, &p, a, NULL, &err) == SST_OK, "%s", err.msg);
  int same = 1;
  for (int c = 0; c < C; c++)
    for (int i = 0; i < 40; i++)
      same &= a[c * N + i] == fc[c * N + i];
  CHECK(same, "uncovered pixels changed");
  sst_recon_stats_free(st);
  /* region 1 empty in the content */
  for (int i = 0; i < N; i++) {
    w2[i] = 1.0f;
    w2[N + i] = 0.0f;
  }
  CHECK(sst_recon_stats_new(fc, C, N, w2, fs, M, ws, K, &st, NULL, &err) == SST_OK,
        "%s", err.msg);
  if (!st)
    return;
  CHECK(st->reg[1].W == 0.0, "empty region has weight");
  static float b[C * N];
  CHECK(sst_reconstruct(st, &p, a, NULL, &err) == SST_OK, "%s", err.msg);
  CHECK(sst_reconstruct_plain(st, &p, b, NULL, &err) == SST_OK, "%s", err.msg);
  CHECK(rel_diff_f(a, b, C * N) < 1e-4, "empty region: fast != plain");
  sst_recon_stats_free(st);
  printf("uncovered pixels keep the content; empty regions are skipped\n");
}

/* Hard masks with a narrow soft seam: the apply writes whole blocks of one
 * region directly; must still equal the plain blend. */
static void test_hard_masks(void) {
  static float w2[K * N], a[C * N], b[C * N];
  for (int i = 0; i < N; i++) {
    double t = (i - 140) / 20.0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    w2[i] = (float)(1 - t);
    w2[N + i] = (float)t;
  }
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(fc, C, N, w2, fs, M, ws, K);
  if (!st)
    return;
  const sst_kernel ks[] = {SST_KERNEL_POLY, SST_KERNEL_BN, SST_KERNEL_GAUSSIAN};
  for (int q = 0; q < 3; q++) {
    sst_recon_params p = {ks[q], 5.0, 1.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
    CHECK(sst_reconstruct(st, &p, a, NULL, &err) == SST_OK, "%s", err.msg);
    CHECK(sst_reconstruct_plain(st, &p, b, NULL, &err) == SST_OK, "%s",
          err.msg);
    double d = rel_diff_f(a, b, C * N);
    printf("  hard masks + seam, kernel %d: ||fast-plain||/||plain|| = %.2e\n",
           ks[q], d);
    CHECK(d < 1e-4 * (ks[q] == SST_KERNEL_GAUSSIAN ? 10 : 1),
          "hard masks: fast != plain (%g)", d);
  }
  sst_recon_stats_free(st);
}

/* Degenerate sizes and values: one pixel, one channel, all-zero features,
 * non-finite features.  Must not crash and must stay finite. */
static void test_edges(void) {
  sst_error err = {0};
  const sst_kernel ks[] = {SST_KERNEL_LINEAR, SST_KERNEL_POLY, SST_KERNEL_BN,
                           SST_KERNEL_GAUSSIAN};
  float c1[3] = {0.5f, 0.0f, 2.0f}, s1[2] = {1.0f, 3.0f}, o1[3];
  float z3[3] = {0}, z2[2] = {0};
  struct {
    const float *c, *s;
    int C, N, M;
  } cfg[] = {{c1, s1, 1, 1, 1},
             {c1, s1, 1, 3, 2},
             {c1, c1, 3, 1, 1},
             {z3, z2, 1, 3, 2},
             {c1, z2, 1, 3, 2}};
  for (size_t q = 0; q < sizeof cfg / sizeof cfg[0]; q++) {
    sst_recon_stats *st = NULL;
    sst_status rc = sst_recon_stats_new(cfg[q].c, cfg[q].C, cfg[q].N, NULL,
                                        cfg[q].s, cfg[q].M, NULL, 1, &st, NULL, &err);
    CHECK(rc == SST_OK, "edge %zu: %s", q, err.msg);
    if (!st)
      continue;
    for (int k = 0; k < 4; k++) {
      sst_recon_params p = {ks[k], 5.0, 1.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
      size_t n = (size_t)cfg[q].C * cfg[q].N;
      int finite = 1;
      CHECK(sst_reconstruct(st, &p, o1, NULL, &err) == SST_OK, "edge %zu: %s",
            q, err.msg);
      for (size_t i = 0; i < n; i++)
        finite &= isfinite(o1[i]);
      CHECK(sst_reconstruct_plain(st, &p, o1, NULL, &err) == SST_OK,
            "edge %zu: %s", q, err.msg);
      for (size_t i = 0; i < n; i++)
        finite &= isfinite(o1[i]);
      CHECK(finite, "edge %zu kernel %d: non-finite output", q, ks[k]);
    }
    sst_recon_stats_free(st);
  }
  float bad[3] = {1.0f, NAN, 0.0f};
  sst_recon_stats *st = NULL;
  CHECK(sst_recon_stats_new(bad, 1, 3, NULL, s1, 2, NULL, 1, &st, NULL, &err) ==
            SST_ERR_INVALID,
        "NaN content accepted");
  CHECK(sst_recon_stats_new(c1, 1, 3, NULL, bad, 3, NULL, 1, &st, NULL, &err) ==
            SST_ERR_INVALID,
        "NaN style accepted");
  printf("degenerate sizes / zero / non-finite features handled\n");
}

static void test_invalid(const sst_recon_stats *st) {
  sst_error err = {0};
  static float a[C * N];
  sst_recon_stats *bad = NULL;
  CHECK(sst_recon_stats_new(fc, 0, N, NULL, fs, M, NULL, 1, &bad, NULL, &err) ==
            SST_ERR_INVALID,
        "C = 0 accepted");
  CHECK(sst_recon_stats_new(fc, C, N, NULL, fs, M, NULL, 2, &bad, NULL, &err) ==
            SST_ERR_INVALID,
        "K = 2 without weights accepted");
  CHECK(sst_recon_stats_new(NULL, C, N, NULL, fs, M, NULL, 1, &bad, NULL, &err) ==
            SST_ERR_INVALID,
        "NULL features accepted");
  static float wneg[K * N];
  memcpy(wneg, wc, sizeof wneg);
  wneg[17] = -0.5f;
  CHECK(sst_recon_stats_new(fc, C, N, wneg, fs, M, ws, K, &bad, NULL, &err) ==
            SST_ERR_INVALID,
        "negative weight accepted");
  wneg[17] = NAN;
  CHECK(sst_recon_stats_new(fc, C, N, wneg, fs, M, ws, K, &bad, NULL, &err) ==
            SST_ERR_INVALID,
        "NaN weight accepted");
  CHECK(bad == NULL, "stats returned on failure");
  const sst_recon_params ps[] = {
      {(sst_kernel)99, 1.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
      {SST_KERNEL_NONE, 1.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
      {SST_KERNEL_POLY, -1.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
      {SST_KERNEL_POLY, NAN, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
      {SST_KERNEL_POLY, 1.0, -1.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
      {SST_KERNEL_POLY, 1.0, 0.0, (sst_kernel)42, 1.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
      {SST_KERNEL_POLY, 1.0, 0.0, SST_KERNEL_BN, INFINITY, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
      {SST_KERNEL_POLY, 1.0, 0.0, SST_KERNEL_NONE, 0.0, -1, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0},
  };
  for (size_t q = 0; q < sizeof ps / sizeof ps[0]; q++) {
    CHECK(sst_reconstruct(st, &ps[q], a, NULL, &err) == SST_ERR_INVALID,
          "bad params %zu accepted", q);
    CHECK(sst_reconstruct_plain(st, &ps[q], a, NULL, &err) == SST_ERR_INVALID,
          "plain: bad params %zu accepted", q);
  }
  CHECK(sst_reconstruct(NULL, &ps[0], a, NULL, &err) == SST_ERR_INVALID,
        "NULL stats");
  printf("invalid arguments are rejected (last: %s)\n", err.msg);
}

/* Poly (c = 0 and 1) at gamma on stats of content f (n values): the fast
 * path against the plain reference, finite, and moved from the content.
 * a, b: scratch of n floats. */
static void poly_fast_vs_plain(const char *what, const sst_recon_stats *st,
                               double gamma, const float *f, size_t n,
                               float *a, float *b) {
  sst_error err = {0};
  const double cs[] = {0.0, 1.0};
  for (int q = 0; q < 2; q++) {
    sst_recon_params p = {SST_KERNEL_POLY, gamma, cs[q], SST_KERNEL_NONE, 0.0,
                          10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
    CHECK(sst_reconstruct(st, &p, a, NULL, &err) == SST_OK, "%s", err.msg);
    CHECK(sst_reconstruct_plain(st, &p, b, NULL, &err) == SST_OK, "%s",
          err.msg);
    double d = rel_diff_f(a, b, n), moved = rel_diff_f(b, f, n);
    printf("  %s, poly c=%g: ||fast-plain||/||plain|| = %.2e (moved %.3f)\n",
           what, cs[q], d, moved);
    CHECK(d < 1e-4, "%s poly c=%g: fast and plain differ by %g", what, cs[q],
          d);
    CHECK(moved > 1e-3, "%s: output did not move", what);
    int finite = 1;
    for (size_t i = 0; i < n; i++)
      finite &= isfinite(a[i]);
    CHECK(finite, "%s: non-finite output", what);
  }
}

/* The factored poly path (recon_factored.c) on singular content moments:
 * a channel that is zero over the whole content (a dead relu3_1 channel)
 * and a region with fewer pixels than channels.  The pivoted Cholesky then
 * has rank < C + 1; the result must still match the plain reference. */
static void test_singular_moments(void) {
  static float f[C * N], w2[2 * N], a[C * N], b[C * N];
  memcpy(f, fc, sizeof f);
  for (int i = 0; i < N; i++)
    f[3 * N + i] = 0.0f; /* dead channel */
  for (int i = 0; i < N; i++) { /* region 0: 7 pixels, region 1: the rest */
    w2[i] = i % 40 == 0 && i < 280 ? 1.0f : 0.0f;
    w2[N + i] = 1.0f - w2[i];
  }
  sst_recon_stats *st = stats_or_fail(f, C, N, w2, fs, M, ws, 2);
  if (!st)
    return;
  poly_fast_vs_plain("singular moments", st, 10.0, f, C * N, a, b);
  sst_recon_stats_free(st);
}

/* More channels than one 32-row tile of the factored path's
 * symmetrisation (recon_factored.c), with a ragged last tile: 72 = 2 x 32
 * + 8.  Fast against the plain reference. */
static void test_wide(void) {
  enum { CW = 72, NW = 400, MW = 300 };
  static float f[CW * NW], s[CW * MW], a[CW * NW], b[CW * NW];
  rng_seed(77);
  fill_relu(f, CW * NW, 1.0, 0.1);
  for (int j = 0; j < MW; j++) { /* correlated style channels */
    double z = rng_normal();
    for (int c = 0; c < CW; c++) {
      double v = rng_normal() + 0.7 * z * ((c % 5) - 2);
      s[c * MW + j] = (float)(v > 0 ? 1.5 * v : 0.0);
    }
  }
  sst_recon_stats *st = stats_or_fail(f, CW, NW, NULL, s, MW, NULL, 1);
  if (!st)
    return;
  poly_fast_vs_plain("C=72", st, 5.0, f, CW * NW, a, b);
  sst_recon_stats_free(st);
}

/* sst_recon_descend's halving cap (recon_internal.h): a J that never
 * decreases along the direction, as near the optimum of the Gaussian
 * path's approximate gradient.  The loop must try at most max_halvings + 1
 * step sizes (each with at most one parabola step), then stop without
 * accepting; without a cap it tries 31. */
typedef struct {
  int trials, accepts;
  float frac;
} flat_ctx;

static sst_status flat_trial(void *ctx, double eta, double *J,
                             sst_error *err) {
  (void)eta;
  (void)err;
  flat_ctx *f = ctx;
  f->trials++;
  *J = 2.0; /* above the start (1.0) for every step */
  return SST_OK;
}

static sst_status flat_accept(void *ctx, double *dn, sst_error *err) {
  (void)err;
  flat_ctx *f = ctx;
  f->accepts++;
  *dn = 1.0;
  return SST_OK;
}

static void test_halving_cap(void) {
  sst_error err = {0};
  const int caps[2] = {6, 0};
  int trials[2];
  for (int k = 0; k < 2; k++) {
    flat_ctx f = {0, 0, 0.0f};
    sst_descent_ops ops = {flat_trial, flat_accept, &f.frac, caps[k]};
    CHECK(sst_recon_descend(&ops, &f, 1.0, 1.0, 10, NULL, 0.0f, 1.0f, &err) ==
              SST_OK,
          "%s", err.msg);
    CHECK(f.accepts == 0, "a step that raised J was accepted");
    trials[k] = f.trials;
  }
  CHECK(trials[0] >= 7 && trials[0] <= 14,
        "cap 6: %d trials, expected 7..14", trials[0]);
  CHECK(trials[1] >= 31, "no cap: %d trials, expected >= 31", trials[1]);
  printf("halving cap: %d trials with max_halvings 6, %d without\n",
         trials[0], trials[1]);
}

int main(void) {
  make_data();
  sst_recon_stats *st = NULL;
  sst_error err = {0};
  sst_status rc = sst_recon_stats_new(fc, C, N, wc, fs, M, ws, K, &st, NULL, &err);
  CHECK(rc == SST_OK, "stats: %s", err.msg);
  if (rc != SST_OK)
    return 1;
  printf("plain vs fast, C=%d N=%d M=%d K=%d soft regions, 10 iterations:\n", C,
         N, M, K);
  test_plain_vs_fast(st);
  test_gamma_zero(st);
  test_invalid(st);
  sst_recon_stats_free(st);
  test_singular_moments();
  test_wide();
  test_halving_cap();
  printf("monotone loss (single region, J recomputed from the output):\n");
  test_monotone();
  printf("style statistics move toward the style as gamma grows:\n");
  test_style_moves();
  test_uncovered();
  test_hard_masks();
  test_edges();
  printf(failures ? "recon_fastpath: %d FAILURES\n"
                    : "recon_fastpath: all passed\n",
         failures);
  return failures ? 1 : 0;
}
