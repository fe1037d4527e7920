/* test_color.c - the colour match (engine/color_match.h) against numpy
 * float64 golden values (tools/make_color_golden.py ->
 * tests/data/recon/color_golden.txt): region moments from soft grid masks,
 * the per-region maps and the blended, clamped output; the gain clamp on a
 * nearly flat image; strength 0 is the identity bit for bit; at strength 1
 * (no clamping) the output has the target's mean and covariance (up to
 * the ridge's known effect); the result does not depend on the thread
 * count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../golden.h"
#include "color_match.h"

static float *to_float(const double *v, int n) {
  float *f = malloc(sizeof(float) * (size_t)n);
  for (int i = 0; i < n; i++)
    f[i] = (float)v[i];
  return f;
}

static double max_abs(const float *a, const double *b, int n) {
  double m = 0.0;
  for (int i = 0; i < n; i++)
    m = fmax(m, fabs((double)a[i] - b[i]));
  return m;
}

/* |moments - golden (w, mean 3, cov 9 per region)|, relative to max(1, w) for w */
static double moments_err(const sst_color_moments *m, const double *g, int K) {
  double e = 0.0;
  for (int k = 0; k < K; k++, g += 13) {
    e = fmax(e, fabs(m[k].w - g[0]) / fmax(1.0, g[0]));
    for (int i = 0; i < 3; i++)
      e = fmax(e, fabs(m[k].mean[i] - g[1 + i]));
    for (int i = 0; i < 9; i++)
      e = fmax(e, fabs(m[k].cov[i] - g[4 + i]));
  }
  return e;
}

static void test_golden_regions(void) {
  const double *d = golden("dims", 9), *s = golden("strength", 1);
  if (!d || !s)
    return;
  const int w = (int)d[0], h = (int)d[1], K = (int)d[2], gw = (int)d[3],
            gh = (int)d[4], sw = (int)d[5], sh = (int)d[6], sgw = (int)d[7],
            sgh = (int)d[8];
  const double *gi = golden("img", w * h * 3), *gg = golden("grid", K * gw * gh),
               *gs = golden("style", sw * sh * 3), *gsg = golden("sgrid", 2 * sgw * sgh),
               *gmo = golden("moments_img", 13 * K), *gms = golden("moments_style", 26),
               *gma = golden("moments_style_all", 13), *gout = golden("out", w * h * 3);
  if (!gi || !gg || !gs || !gsg || !gmo || !gms || !gma || !gout)
    return;
  float *grid = to_float(gg, K * gw * gh), *sgrid = to_float(gsg, 2 * sgw * sgh);
  sst_image img = {w, h, to_float(gi, w * h * 3)}, sty = {sw, sh, to_float(gs, sw * sh * 3)};
  sst_region_masks mc = {grid, K, gw, gh, 4}, ms = {sgrid, 2, sgw, sgh, 4};
  sst_color_moments mo[SST_MAX_LABELS], mst[SST_MAX_LABELS], mall;
  sst_color_moments_compute(&img, &mc, mo, NULL);
  sst_color_moments_compute(&sty, &ms, mst, NULL);
  sst_color_moments_compute(&sty, NULL, &mall, NULL);
  double e1 = moments_err(mo, gmo, K), e2 = moments_err(mst, gms, 2), e3 = moments_err(&mall, gma, 1);
  printf("moments vs numpy: image %.2e, style labels %.2e, whole style %.2e\n", e1, e2, e3);
  CHECK(e1 < 1e-6 && e2 < 1e-6 && e3 < 1e-6, "region moments differ from numpy's");

  const int match[2] = {1, 0}; /* as in the generator */
  double maps[SST_MAX_LABELS][12];
  for (int k = 0; k < K; k++)
    sst_color_map_solve(&mo[k], &mst[match[k]], s[0], maps[k]);
  sst_color_apply(&img, &mc, (const double(*)[12])maps, NULL);
  double e = max_abs(img.rgb, gout, w * h * 3);
  printf("output vs numpy: max abs error %.2e\n", e);
  CHECK(e < 2e-6, "colour-matched output differs from numpy's by %.2e", e);
  free(grid);
  free(sgrid);
  free(img.rgb);
  free(sty.rgb);
}

static void test_flat_clamp(void) {
  const double *d = golden("flat_dims", 2), *sa = golden("moments_style_all", 13);
  if (!d || !sa)
    return;
  const int w = (int)d[0], h = (int)d[1];
  const double *gf = golden("flat", w * h * 3), *go = golden("flat_out", w * h * 3),
               *gg = golden("flat_gain", 1);
  if (!gf || !go || !gg)
    return;
  CHECK(fabs(gg[0] - SST_COLOR_MAX_GAIN) < 1e-9, "the golden flat case does not reach the clamp");
  sst_image img = {w, h, to_float(gf, w * h * 3)};
  sst_color_moments mo, ms = {sa[0], {sa[1], sa[2], sa[3]}, {0}};
  for (int i = 0; i < 9; i++)
    ms.cov[i] = sa[4 + i];
  sst_color_moments_compute(&img, NULL, &mo, NULL);
  double map[12];
  sst_color_map_solve(&mo, &ms, 1.0, map);
  sst_color_apply(&img, NULL, (const double(*)[12])&map, NULL);
  double e = max_abs(img.rgb, go, w * h * 3);
  printf("flat image (gain clamped to %.0f): max abs error %.2e\n", SST_COLOR_MAX_GAIN, e);
  CHECK(e < 2e-6, "clamped map differs from numpy's by %.2e", e);
  free(img.rgb);
}

/* A smooth random image and a target with other moments. */
static void make_image(sst_image *img, int w, int h, unsigned seed) {
  img->width = w;
  img->height = h;
  img->rgb = malloc(sizeof(float) * (size_t)w * h * 3);
  srand(seed);
  for (int i = 0; i < w * h * 3; i++)
    img->rgb[i] = 0.35f + 0.3f * (float)rand() / (float)RAND_MAX;
}

static void test_properties(void) {
  sst_image img, copy;
  make_image(&img, 40, 30, 7);
  make_image(&copy, 40, 30, 7);
  sst_color_moments mo, target = {1.0, {0.45, 0.5, 0.55}, {0}};
  /* a covariance near the image's scale, so nothing clamps or clips */
  const double cov[9] = {0.009, 0.002, 0.001, 0.002, 0.006, 0.0005, 0.001, 0.0005, 0.004};
  for (int i = 0; i < 9; i++)
    target.cov[i] = cov[i];
  sst_color_moments_compute(&img, NULL, &mo, NULL);
  double map[12];

  sst_color_map_solve(&mo, &target, 0.0, map);
  sst_color_apply(&img, NULL, (const double(*)[12])&map, NULL);
  int same = 1;
  for (int i = 0; i < 40 * 30 * 3; i++)
    same &= img.rgb[i] == copy.rgb[i];
  CHECK(same, "strength 0 changed the image");

  sst_color_map_solve(&mo, &target, 1.0, map);
  sst_color_apply(&img, NULL, (const double(*)[12])&map, NULL);
  sst_color_moments after;
  sst_color_moments_compute(&img, NULL, &after, NULL);
  double e = 0.0;
  for (int i = 0; i < 3; i++)
    e = fmax(e, fabs(after.mean[i] - target.mean[i]));
  /* the ridge r is added to both sides: A (cov + r I) A = target + r I, so
   * the output's covariance is target + r (I - A^2) */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double a2 = 0.0;
      for (int l = 0; l < 3; l++)
        a2 += map[i * 3 + l] * map[l * 3 + j];
      const double want = target.cov[i * 3 + j] + SST_COLOR_RIDGE * ((i == j) - a2);
      e = fmax(e, fabs(after.cov[i * 3 + j] - want));
    }
  printf("strength 1: output moments within %.2e of the target's\n", e);
  CHECK(e < 1e-6, "output moments are %.2e from the target's", e);
  free(img.rgb);
  free(copy.rgb);
}

/* Bands of rows on the workers: the same moments and output, bit for bit,
 * on 1 and on 3 threads (a tall image, many bands, two soft regions). */
static void test_threads(void) {
  const int w = 37, h = 150, gw = 10, gh = 38;
  float *grid = malloc(sizeof(float) * 2 * gw * gh);
  for (int i = 0; i < gw * gh; i++) {
    grid[i] = (float)(i % 7) / 6.0f;
    grid[gw * gh + i] = 1.0f - grid[i];
  }
  sst_region_masks m = {grid, 2, gw, gh, 4};
  sst_color_moments mo[2][2], target = {1.0, {0.3, 0.6, 0.5}, {0.01, 0, 0, 0, 0.02, 0, 0, 0, 0.015}};
  sst_image img[2];
  for (int t = 0; t < 2; t++) {
    const sst_ctx ctx = {.threads = t ? 3 : 1};
    make_image(&img[t], w, h, 11);
    sst_color_moments_compute(&img[t], &m, mo[t], &ctx);
    double maps[2][12];
    for (int k = 0; k < 2; k++)
      sst_color_map_solve(&mo[t][k], &target, 0.8, maps[k]);
    sst_color_apply(&img[t], &m, (const double(*)[12])maps, &ctx);
  }
  CHECK(memcmp(mo[0], mo[1], sizeof mo[0]) == 0, "moments depend on the thread count");
  CHECK(memcmp(img[0].rgb, img[1].rgb, sizeof(float) * w * h * 3) == 0,
        "output depends on the thread count");
  free(grid);
  free(img[0].rgb);
  free(img[1].rgb);
}

int main(void) {
  const char *root = getenv("SST_SOURCE_ROOT");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/recon/color_golden.txt", root ? root : ".");
  if (load_golden(path)) {
    printf("FAIL cannot read %s\n", path);
    return 1;
  }
  test_golden_regions();
  test_flat_clamp();
  test_properties();
  test_threads();
  printf("%s\n", failures ? "FAILED" : "all colour match checks passed");
  return failures != 0;
}
