/* test_style_scale.c - the style scale's limits through a real session:
 * a scale that would make the style larger than the engine processes is
 * refused (SST_ERR_NOMEM, one line naming the scale and the limit) before
 * any style memory is taken; one that makes it smaller than 16 px is
 * refused as invalid; out-of-range scales are refused by the parameter
 * check; a valid scale with a style map runs and gives another result than
 * scale 1 (the map is resized with the style). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "pipeline_test_util.h"
#include "sst.h"

static sst_image pattern(int w, int h, int seed) {
  sst_image img = {0};
  sst_image_alloc(&img, w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        img.rgb[3 * ((size_t)y * w + x) + c] =
            0.5f + 0.4f * sinf(0.21f * x * (c + 1) + 0.13f * y * (seed + c));
  return img;
}

static sst_status run(const sst_model *m, const sst_image *content,
                      const sst_image *style, const sst_map *smap,
                      double scale, int style_max, sst_image *out,
                      sst_error *err) {
  sst_params p;
  sst_params_default(&p);
  p.style_scale = scale;
  p.style_max_size = style_max;
  p.iterations = 3;
  return sst_stylize(m, content, NULL, style, smap, &p, NULL, NULL, out, err);
}

int main(void) {
  sst_model *m = test_model_load();
  if (!m)
    return 1;
  sst_error err = {0};
  sst_image content = pattern(64, 48, 1), big = pattern(1100, 1000, 2),
            tiny = pattern(40, 30, 3), style = pattern(96, 80, 4), out = {0};

  /* 1100x1000 at full size (style_max_size 0) times 4: 17.6 megapixels */
  sst_status st = run(m, &content, &big, NULL, 4.0, 0, &out, &err);
  printf("x4 of 1100x1000: %s\n", err.msg);
  CHECK(st == SST_ERR_NOMEM && strstr(err.msg, "style scale 4") &&
            strstr(err.msg, "megapixels"),
        "too large a style accepted or unclear (%d: %s)", st, err.msg);
  sst_image_free(&out);
  /* the same style fitted to 200 px first, times 4 (800 px), is fine: the
   * scale is relative to the style_max_size fit */
  st = run(m, &content, &big, NULL, 4.0, 200, &out, &err);
  CHECK(st == SST_OK, "x4 of the 200 px fit refused: %s", err.msg);
  sst_image_free(&out);

  st = run(m, &content, &tiny, NULL, 0.25, 512, &out, &err);
  printf("x0.25 of 40x30: %s\n", err.msg);
  CHECK(st == SST_ERR_INVALID && strstr(err.msg, "style scale 0.25") &&
            strstr(err.msg, "smaller than 16"),
        "too small a style accepted or unclear (%d: %s)", st, err.msg);
  sst_image_free(&out);

  const double bad[] = {0.2, 4.5, NAN};
  for (int i = 0; i < 3; i++) {
    st = run(m, &content, &style, NULL, bad[i], 512, &out, &err);
    CHECK(st == SST_ERR_INVALID && strstr(err.msg, "style-scale"),
          "style scale %g: %d (%s)", bad[i], st, err.msg);
    sst_image_free(&out);
  }

  /* with a two-colour style map: scales 1 and 2 both run, differently */
  uint8_t *map = malloc((size_t)96 * 80 * 3);
  for (int i = 0; i < 96 * 80; i++) {
    const int left = i % 96 < 40;
    map[3 * i] = left ? 255 : 0;
    map[3 * i + 1] = 0;
    map[3 * i + 2] = left ? 0 : 255;
  }
  sst_map smap = {96, 80, map, NULL};
  sst_image o1 = {0}, o2 = {0};
  CHECK(run(m, &content, &style, &smap, 1.0, 512, &o1, &err) == SST_OK,
        "scale 1 with map: %s", err.msg);
  CHECK(run(m, &content, &style, &smap, 2.0, 512, &o2, &err) == SST_OK,
        "scale 2 with map: %s", err.msg);
  if (o1.rgb && o2.rgb) {
    double d = 0.0;
    for (size_t i = 0; i < (size_t)64 * 48 * 3; i++)
      d += fabs(o1.rgb[i] - o2.rgb[i]);
    d /= 64 * 48 * 3;
    printf("scale 2 vs 1 with a style map: mean |diff| %.4f\n", d);
    CHECK(d > 1e-3, "scale 2 gives the scale-1 result");
  }
  sst_image_free(&o1);
  sst_image_free(&o2);
  free(map);
  sst_image_free(&content);
  sst_image_free(&big);
  sst_image_free(&tiny);
  sst_image_free(&style);
  sst_model_free(m);
  printf("%s\n", failures ? "FAILED" : "all style-scale checks passed");
  return failures != 0;
}
