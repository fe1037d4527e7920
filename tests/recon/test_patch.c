/* test_patch.c - the patch method (engine/recon_patch.c).
 *
 * 1. Golden: seven small synthetic cases (soft masks, region pairing,
 *    patch sizes 1, 3, 5, 40 channels so the whitening subspace is cut,
 *    three with spread)
 *    against the float64 brute-force patch swap of
 *    tools/make_patch_golden.py -> tests/data/recon/patch_golden.txt.
 * 2. Blend 0 gives the content feature exactly.
 * 3. Region pairing: two style regions with far apart values; each content
 *    region's target takes its paired region's values, an unmatched one
 *    (style weights all ones) the whole style's.
 * 4. A rectangle of the target (what the tiled decoder asks for) equals the
 *    same pixels of the whole target, on a grid wider than a span.
 *    With spread as well.
 * 5. Bad sizes, blends, spreads, guides and missing grids are refused.
 * 6. Spread over more than one scoring chunk: the same bits on 1 and 3
 *    workers, and flat content spread over many style patches.
 * 7. The brightness guide decides where the pattern cannot: flat content
 *    whose light half takes the style's light patches and dark half its
 *    dark ones (and without the guide, not). */
#include "../golden.h"
#include "recon_internal.h"
#include "recon_test_util.h"

static sst_recon_params patch_params(int size, double blend, double spread) {
  sst_recon_params p = {SST_KERNEL_POLY, 30.0, 0.0,  SST_KERNEL_NONE,
                        0.0,             10,   SST_METHOD_PATCH, size,
                        blend,           spread, 0.0};
  return p;
}

static float *to_float(const double *v, size_t n) {
  float *f = malloc(sizeof(float) * (n ? n : 1));
  for (size_t i = 0; i < n && v; i++)
    f[i] = (float)v[i];
  return f;
}

static void test_golden(void) {
  const double *nc = golden("cases", 1);
  const int ncases = nc ? (int)nc[0] : 0;
  CHECK(ncases > 0, "no golden cases");
  for (int i = 0; i < ncases; i++) {
    char name[32];
#define G(key, n) (snprintf(name, sizeof name, "c%d_" key, i), golden(name, n))
    const double *dm = G("dims", 7), *bl = G("blend", 1), *sp = G("spread", 1),
                 *gd = G("guide", 1);
    if (!dm || !bl || !sp || !gd)
      return;
    const int C = (int)dm[0], W = (int)dm[1], H = (int)dm[2], Ws = (int)dm[3],
              Hs = (int)dm[4], K = (int)dm[5], ps = (int)dm[6];
    const int N = W * H, M = Ws * Hs;
    const double *gfc = G("fc", C * N), *gfs = G("fs", C * M),
                 *gws = G("ws", K * M), *gout = G("out", C * N);
    const double *gwc = K > 1 ? G("wc", K * N) : NULL;
    const double *ggc = G("gc", N), *ggs = G("gs", M);
#undef G
    if (!gfc || !gfs || !gws || !gout || (K > 1 && !gwc) || !ggc || !ggs)
      return;
    float *fc = to_float(gfc, (size_t)C * N), *fs = to_float(gfs, (size_t)C * M);
    float *lc = to_float(ggc, (size_t)N), *ls = to_float(ggs, (size_t)M);
    float *ws = to_float(gws, (size_t)K * M);
    float *wc = K > 1 ? to_float(gwc, (size_t)K * N) : NULL;
    float *out = malloc(sizeof(float) * (size_t)C * N);
    sst_error err = {0};
    sst_recon_stats *st = stats_or_fail(fc, C, N, wc, fs, M, ws, K);
    if (st) {
      CHECK(sst_recon_stats_set_grids(st, W, Ws, &err) == SST_OK, "grids: %s",
            err.msg);
      sst_recon_stats_set_guides(st, lc, ls);
      sst_recon_params p = patch_params(ps, bl[0], sp[0]);
      p.patch_guide = gd[0];
      CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK,
            "case %d: %s", i, err.msg);
      double worst = 0.0, scale = 0.0;
      for (int q = 0; q < C * N; q++) {
        worst = fmax(worst, fabs(out[q] - gout[q]));
        scale = fmax(scale, fabs(gout[q]));
      }
      CHECK(worst <= 1e-5 * scale, "case %d (C=%d p=%d K=%d): max |target - "
            "golden| %g of %g", i, C, ps, K, worst, scale);
      printf("case %d: C=%d p=%d K=%d guide %g max diff %.2e of %.2e\n", i,
             C, ps, K, gd[0], worst, scale);
    }
    sst_recon_stats_free(st);
    free(fc);
    free(fs);
    free(lc);
    free(ls);
    free(ws);
    free(wc);
    free(out);
  }
}

/* Content W x H in K = 3 vertical bands (hard masks); style Ws x Hs in
 * two halves: left channel values near 10, right near 0.  Content band 0
 * is paired with the left half, band 1 with the right, band 2 unmatched. */
enum { C = 8, W = 40, H = 12, Ws = 24, Hs = 10, K = 3 };
static float fc[C * W * H], fs[C * Ws * Hs], wc[K * W * H], ws[K * Ws * Hs];

static void make_regions(void) {
  rng_seed(1234);
  fill_relu(fc, C * W * H, 1.0, 0.3);
  for (int c = 0; c < C; c++)
    for (int y = 0; y < Hs; y++)
      for (int x = 0; x < Ws; x++)
        fs[(c * Hs + y) * Ws + x] =
            (float)((x < Ws / 2 ? 10.0 : 0.0) + 0.5 * rng_u01());
  for (int q = 0; q < W * H; q++)
    for (int k = 0; k < K; k++)
      wc[k * W * H + q] = (q % W) * K / W == k;
  for (int q = 0; q < Ws * Hs; q++) {
    ws[q] = (q % Ws) < Ws / 2;
    ws[Ws * Hs + q] = (q % Ws) >= Ws / 2;
    ws[2 * Ws * Hs + q] = 1.0f; /* unmatched: the whole style */
  }
}

static void test_blend0_and_pairing(sst_recon_stats *st) {
  float *out = malloc(sizeof fc);
  sst_error err = {0};
  sst_recon_params p = patch_params(3, 0.0, 0.0);
  CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK, "blend 0: %s",
        err.msg);
  CHECK(memcmp(out, fc, sizeof fc) == 0, "blend 0 is not the content exactly");
  p = patch_params(3, 1.0, 0.0);
  CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK, "blend 1: %s",
        err.msg);
  double mean[K] = {0}, lo[K], hi[K];
  int cnt[K] = {0};
  for (int k = 0; k < K; k++) {
    lo[k] = 1e9;
    hi[k] = -1e9;
  }
  for (int c = 0; c < C; c++)
    for (int q = 0; q < W * H; q++) {
      const int k = (q % W) * K / W;
      mean[k] += out[c * W * H + q];
      lo[k] = fmin(lo[k], out[c * W * H + q]);
      hi[k] = fmax(hi[k], out[c * W * H + q]);
      cnt[k]++;
    }
  for (int k = 0; k < K; k++)
    mean[k] /= cnt[k];
  /* Style patches centred in a half, with the whole window in it, carry
   * only its values; windows across the middle mix: bounds are loose. */
  CHECK(mean[0] > 9.0 && lo[0] >= 0.0, "region 0 (left style) mean %g",
        mean[0]);
  CHECK(mean[1] < 1.0 && hi[1] <= 10.5, "region 1 (right style) mean %g",
        mean[1]);
  CHECK(lo[2] >= 0.0 && hi[2] <= 10.5, "region 2 (whole style) range %g..%g",
        lo[2], hi[2]);
  free(out);
}

static void test_rect(sst_recon_stats *st, double spread) {
  sst_error err = {0};
  sst_recon_params p = patch_params(5, 0.7, spread);
  sst_recon_result *res = NULL;
  CHECK(sst_recon_solve(st, &p, &res, NULL, &err) == SST_OK, "solve: %s",
        err.msg);
  if (!res)
    return;
  float *all = malloc(sizeof fc);
  const int x0 = 7, y0 = 3, w = 19, h = 6;
  float *rect = malloc(sizeof(float) * C * w * h);
  CHECK(sst_recon_result_run(res, 0, W * H, all, W * H, NULL, &err) == SST_OK,
        "run: %s", err.msg);
  CHECK(sst_recon_result_rect(res, W, x0, y0, w, h, rect, &err) == SST_OK,
        "rect: %s", err.msg);
  int same = 1;
  for (int c = 0; c < C; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        same &= rect[(c * h + y) * w + x] ==
                all[c * W * H + (y0 + y) * W + x0 + x];
  CHECK(same, "rectangle differs from the whole target");
  int moved = 0;
  for (int q = 0; q < C * W * H; q++)
    moved += all[q] != fc[q];
  CHECK(moved > C * W * H / 2, "blend 0.7 left %d of %d values unmoved",
        C * W * H - moved, C * W * H);
  sst_recon_result_free(res);
  free(all);
  free(rect);
}

static void test_refusals(sst_recon_stats *st) {
  sst_error err = {0};
  sst_recon_result *res = NULL;
  const int sizes[] = {0, 2, 9, -1};
  for (int i = 0; i < 4; i++) {
    sst_recon_params p = patch_params(sizes[i], 1.0, 0.0);
    CHECK(sst_recon_solve(st, &p, &res, NULL, &err) == SST_ERR_INVALID &&
              !res,
          "patch size %d accepted", sizes[i]);
  }
  const double blends[] = {-0.1, 1.5, NAN};
  for (int i = 0; i < 3; i++) {
    sst_recon_params p = patch_params(3, blends[i], 0.0);
    CHECK(sst_recon_solve(st, &p, &res, NULL, &err) == SST_ERR_INVALID &&
              !res,
          "blend %g accepted", blends[i]);
  }
  /* a style grid narrower than the patch */
  sst_recon_params p = patch_params(7, 1.0, 0.0);
  sst_recon_stats *tall = stats_or_fail(fc, C, W * H, wc, fs, Ws * Hs, ws, K);
  if (tall) {
    CHECK(sst_recon_stats_set_grids(tall, W, 6, &err) == SST_OK, "grids: %s",
          err.msg); /* 6 x 40: too narrow for 7 x 7 */
    CHECK(sst_recon_solve(tall, &p, &res, NULL, &err) == SST_ERR_INVALID,
          "7x7 patch on a 6-wide style grid accepted");
  }
  sst_recon_stats_free(tall);
  sst_recon_stats *nogrid = stats_or_fail(fc, C, W * H, wc, fs, Ws * Hs, ws, K);
  if (nogrid) {
    p = patch_params(3, 1.0, 0.0);
    CHECK(sst_recon_solve(nogrid, &p, &res, NULL, &err) == SST_ERR_INVALID,
          "patch method without grids accepted");
    CHECK(sst_recon_stats_set_grids(nogrid, 7, Ws, &err) == SST_ERR_INVALID,
          "grid width 7 accepted for %d pixels", W * H);
  }
  sst_recon_stats_free(nogrid);
  const double spreads[] = {-0.1, 1.5, NAN};
  for (int i = 0; i < 3; i++) {
    p = patch_params(3, 1.0, spreads[i]);
    CHECK(sst_recon_solve(st, &p, &res, NULL, &err) == SST_ERR_INVALID &&
              !res,
          "spread %g accepted", spreads[i]);
  }
  const double guides[] = {-0.1, 1.5, NAN};
  for (int i = 0; i < 3; i++) {
    p = patch_params(3, 1.0, 0.0);
    p.patch_guide = guides[i];
    CHECK(sst_recon_solve(st, &p, &res, NULL, &err) == SST_ERR_INVALID &&
              !res,
          "guide %g accepted", guides[i]);
  }
}

/* Flat content (every normalised correlation 0, so only the guide can
 * choose), light in its left half and dark in its right; the style of
 * make_regions (values ~10 left, ~0 right) dark on the left and light on
 * the right.  With guide 1 the light half must take the right (~0) style
 * values and the dark half the left (~10) ones, with and without spread;
 * with guide 0 both halves take the same patch. */
static void test_guide(void) {
  float *flat = malloc(sizeof fc), *out = malloc(sizeof fc);
  float lc[W * H], ls[Ws * Hs];
  for (int i = 0; i < C * W * H; i++)
    flat[i] = 1.0f;
  for (int q = 0; q < W * H; q++)
    lc[q] = (q % W) < W / 2 ? 0.9f : 0.1f;
  for (int q = 0; q < Ws * Hs; q++)
    ls[q] = (q % Ws) < Ws / 2 ? 0.1f : 0.9f;
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(flat, C, W * H, NULL, fs, Ws * Hs, NULL, 1);
  if (st && sst_recon_stats_set_grids(st, W, Ws, &err) == SST_OK) {
    sst_recon_stats_set_guides(st, lc, ls);
    for (int t = 0; t < 3; t++) {
      sst_recon_params p = patch_params(3, 1.0, t == 1 ? 0.3 : 0.0);
      p.patch_guide = t < 2 ? 1.0 : 0.0;
      CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK, "guide: %s",
            err.msg);
      double light = 0.0, dark = 0.0; /* channel 0, away from the middle */
      int nl = 0, nd = 0;
      for (int q = 0; q < W * H; q++) {
        const int x = q % W;
        if (x < W / 2 - 3) {
          light += out[q];
          nl++;
        } else if (x >= W / 2 + 3) {
          dark += out[q];
          nd++;
        }
      }
      light /= nl;
      dark /= nd;
      if (t < 2)
        CHECK(light < 1.0 && dark > 9.0,
              "guide 1 (spread %s): light half %g, dark half %g (want < 1, "
              "> 9)", t ? "0.3" : "0", light, dark);
      else
        CHECK(fabs(light - dark) < 1.0,
              "guide 0: halves %g and %g differ on flat content", light, dark);
    }
  } else {
    CHECK(0, "guide stats: %s", err.msg);
  }
  sst_recon_stats_free(st);
  free(flat);
  free(out);
}

/* Spread on a grid with more content patches than one scoring chunk
 * (1024): bit-identical on 1 and 3 workers, and the prices do spread
 * the matches (more distinct style patches than the nearest-patch run,
 * whose flat left half all maps to one patch). */
static void test_spread_threads(void) {
  enum { SC = 4, SW = 110, SH = 90, SWs = 24, SHs = 20 };
  float *f = malloc(sizeof(float) * SC * SW * SH);
  float *g = malloc(sizeof(float) * SC * SWs * SHs);
  for (int c = 0; c < SC; c++) {
    for (int q = 0; q < SW * SH; q++) /* left half flat, right half textured */
      f[c * SW * SH + q] = (q % SW) < SW / 2
                               ? 1.0f + 0.1f * c
                               : 1.0f + 0.5f * sinf(0.7f * q + 1.3f * c);
    for (int q = 0; q < SWs * SHs; q++)
      g[c * SWs * SHs + q] = 1.0f + 0.6f * sinf(0.37f * q * (c + 1) + c);
  }
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(f, SC, SW * SH, NULL, g, SWs * SHs, NULL, 1);
  float *out[3];
  int distinct[3] = {0};
  for (int t = 0; t < 3; t++) {
    out[t] = calloc((size_t)SC * SW * SH, sizeof(float));
    if (!st)
      continue;
    CHECK(sst_recon_stats_set_grids(st, SW, SWs, &err) == SST_OK, "grids: %s",
          err.msg);
    const sst_ctx ctx = {.threads = t == 1 ? 3 : 1};
    sst_recon_params p = patch_params(3, 1.0, t == 2 ? 0.0 : 0.5);
    sst_ctx run = ctx;
    CHECK(sst_reconstruct(st, &p, out[t], &run, &err) == SST_OK, "spread: %s",
          err.msg);
    /* distinct target vectors over the flat left half */
    for (int y = 2; y < SH - 2; y += 2)
      for (int x = 2; x < SW / 2 - 2; x += 2) {
        int seen = 0;
        for (int y2 = 2; y2 <= y && !seen; y2 += 2)
          for (int x2 = 2; x2 < SW / 2 - 2 && !seen; x2 += 2) {
            if (y2 == y && x2 >= x)
              break;
            int same = 1;
            for (int c = 0; c < SC && same; c++)
              same = out[t][c * SW * SH + y2 * SW + x2] ==
                     out[t][c * SW * SH + y * SW + x];
            seen = same;
          }
        distinct[t] += !seen;
      }
  }
  CHECK(memcmp(out[0], out[1], sizeof(float) * SC * SW * SH) == 0,
        "spread differs between 1 and 3 workers");
  CHECK(distinct[0] > 4 * distinct[2] && distinct[0] > 50,
        "spread 0.5 gave %d distinct targets on the flat half, nearest %d",
        distinct[0], distinct[2]);
  for (int t = 0; t < 3; t++)
    free(out[t]);
  sst_recon_stats_free(st);
  free(f);
  free(g);
}

int main(void) {
  char path[1024];
  const char *root = getenv("SST_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/tests/data/recon/patch_golden.txt",
           root ? root : ".");
  if (load_golden(path) != 0) {
    printf("FAIL cannot read %s\n", path);
    return 1;
  }
  test_golden();
  make_regions();
  sst_recon_stats *st = stats_or_fail(fc, C, W * H, wc, fs, Ws * Hs, ws, K);
  sst_error err = {0};
  if (st && sst_recon_stats_set_grids(st, W, Ws, &err) == SST_OK) {
    test_blend0_and_pairing(st);
    test_rect(st, 0.0);
    test_rect(st, 0.5);
    test_refusals(st);
  } else {
    CHECK(0, "grids: %s", err.msg);
  }
  sst_recon_stats_free(st);
  test_spread_threads();
  test_guide();
  printf(failures ? "recon_patch: %d FAILURES\n" : "recon_patch: all passed\n",
         failures);
  return failures != 0;
}
