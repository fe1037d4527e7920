/* test_guide.c - the patch method's brightness guide through the engine:
 * 1. sst_image_cell_luma: hand-computed Rec. 601 cell means of a 3 x 3
 *    image of pure colours in 2 x 2 cells (the last row and column of
 *    cells read the edge pixels again), the same from 8-bit bytes, the
 *    same bits from bytes as from their floats (a tiled large image reads
 *    bytes, its one-piece run floats), and a refusal of an image without
 *    pixels.
 * 2. A real session: the guide changes the patch method's result (the
 *    pipeline hands both luminance grids to the reconstruction) and
 *    leaves the statistics method's result bit for bit as it was. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "image.h"
#include "pipeline_test_util.h"
#include "sst.h"

#define LR 0.299 /* luma of pure red, green, blue */
#define LG 0.587
#define LB 0.114

static void test_cell_luma(void) {
  /* rows: R G B / G B R / B R G; 2 x 2 cells on a 2 x 2 grid */
  static const int colour[9] = {0, 1, 2, 1, 2, 0, 2, 0, 1};
  sst_image img = {0};
  sst_image_alloc(&img, 3, 3);
  uint8_t bytes[27];
  for (int q = 0; q < 9; q++)
    for (int c = 0; c < 3; c++) {
      img.rgb[q * 3 + c] = c == colour[q] ? 1.0f : 0.0f;
      bytes[q * 3 + c] = c == colour[q] ? 255 : 0;
    }
  /* cell (0,0): R G / G B; (1,0): B B / R R (column 2 twice);
   * (0,1): B R / B R (row 2 twice); (1,1): G x 4 (pixel (2,2)) */
  const double want[4] = {(LR + 2 * LG + LB) / 4, (2 * LB + 2 * LR) / 4,
                          (2 * LB + 2 * LR) / 4, LG};
  for (int from_bytes = 0; from_bytes < 2; from_bytes++) {
    float *g = sst_image_cell_luma(&img, from_bytes ? bytes : NULL, 2, 2, 2);
    CHECK(g != NULL, "cell luma: NULL");
    for (int i = 0; g && i < 4; i++)
      CHECK(fabs(g[i] - want[i]) < 1e-6, "cell %d (%s): %g, want %g", i,
            from_bytes ? "bytes" : "floats", g[i], want[i]);
    free(g);
  }
  /* bytes and their floats q / 255.0f give the same bits (a tiled large
   * image reads bytes, the one-piece run floats) */
  for (int q = 0; q < 27; q++) {
    bytes[q] = (uint8_t)(q * 37 % 256);
    img.rgb[q] = bytes[q] / 255.0f;
  }
  {
    float *fb = sst_image_cell_luma(&img, bytes, 2, 2, 2);
    float *ff = sst_image_cell_luma(&img, NULL, 2, 2, 2);
    CHECK(fb && ff && memcmp(fb, ff, 4 * sizeof(float)) == 0,
          "cell luma from bytes differs from the same image's floats");
    free(fb);
    free(ff);
  }
  sst_image none = {3, 3, NULL};
  CHECK(sst_image_cell_luma(&none, NULL, 2, 2, 2) == NULL,
        "an image without pixels gave a luminance grid");
  sst_image_free(&img);
}

static int run(const sst_model *m, const test_scene *sc, sst_method method,
               double guide, sst_image *out) {
  sst_params p;
  sst_params_default(&p);
  p.method = method;
  p.patch_guide = guide;
  p.iterations = 3;
  sst_error err = {0};
  const sst_status st = sst_stylize(m, &sc->content, &sc->cmap, &sc->style,
                                    &sc->smap, &p, NULL, NULL, out, &err);
  CHECK(st == SST_OK, "method %d guide %g: %s", (int)method, guide, err.msg);
  return st == SST_OK;
}

static void test_session(void) {
  sst_model *m = test_model_load();
  if (!m) {
    failures++;
    return;
  }
  test_scene sc;
  test_scene_make(&sc, 160, 120, 128, 96);
  sst_image a = {0}, b = {0}, c = {0}, d = {0};
  if (run(m, &sc, SST_METHOD_PATCH, 0.0, &a) &&
      run(m, &sc, SST_METHOD_PATCH, 1.0, &b)) {
    size_t differ = 0;
    for (size_t i = 0; i < (size_t)160 * 120 * 3; i++)
      differ += a.rgb[i] != b.rgb[i];
    CHECK(differ > 160 * 120 / 10,
          "patch method: guide 1 changed only %zu values of guide 0's result",
          differ);
  }
  if (run(m, &sc, SST_METHOD_STATS, 0.0, &c) &&
      run(m, &sc, SST_METHOD_STATS, 1.0, &d))
    CHECK(memcmp(c.rgb, d.rgb, sizeof(float) * 160 * 120 * 3) == 0,
          "statistics method: the guide changed the result");
  sst_image_free(&a);
  sst_image_free(&b);
  sst_image_free(&c);
  sst_image_free(&d);
  test_scene_free(&sc);
  sst_model_free(m);
}

int main(void) {
  test_cell_luma();
  test_session();
  printf(failures ? "pipeline_guide: %d FAILURES\n" : "pipeline_guide: all passed\n",
         failures);
  return failures != 0;
}
