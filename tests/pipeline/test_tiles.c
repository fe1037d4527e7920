/* test_tiles.c - tiled encoder/decoder runs against runs in one piece.
 *
 * Tiles overlap by at least the networks' receptive radius, so a tiled run
 * must match the one-piece run up to float32 rounding: any shortfall in the
 * margin, a misaligned pooling grid or a wrong interior copy shows as
 * differences of 1e-2 or more along tile borders.  Checked at three
 * levels with the real weights:
 *  - relu3_1 and relu4_1 features of the tiled encoder (small image, small
 *    tiles, so there are many tile borders, corners and clipped edges);
 *  - the full pipeline on a 1600 x 1064 image with two semantic regions,
 *    tiles of 512 px against one piece (the acceptance check);
 *  - the Gaussian kernel, whose target is a full C x N tensor rather than
 *    per-region maps, through the tiled decoder. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "image.h"
#include "nn.h"
#include "sst.h"
#include "tiles.h"
#include "pipeline_test_util.h"

static void compare(const float *a, const float *b, size_t n, double *mean,
                    double *max, double *peak) {
  double s = 0, m = 0, pk = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    s += d;
    m = d > m ? d : m;
    pk = fabs(a[i]) > pk ? fabs(a[i]) : pk;
  }
  *mean = s / (double)n;
  *max = m;
  *peak = pk;
}

static void check_encoder(const sst_net *enc, sst_layer layer, int w, int h,
                          int tile) {
  sst_image img;
  sst_image_alloc(&img, w, h);
  test_image_fill(&img, 3);
  sst_tensor rgb = {0}, one = {0}, tiled = {0};
  sst_error err = {0};
  CHECK(sst_image_to_tensor(&img, 8, &rgb, &err) == SST_OK, "%s", err.msg);
  CHECK(sst_encode_tiled(enc, &rgb, layer, 0, &one, NULL, &err) == SST_OK,
        "%s", err.msg);
  CHECK(sst_encode_tiled(enc, &rgb, layer, tile, &tiled, NULL, &err) == SST_OK,
        "%s", err.msg);
  if (one.data && tiled.data) {
    CHECK(one.c == tiled.c && one.h == tiled.h && one.w == tiled.w,
          "shape %dx%dx%d vs %dx%dx%d", one.c, one.h, one.w, tiled.c, tiled.h,
          tiled.w);
    double mean, max, peak;
    compare(one.data, tiled.data, sst_tensor_size(&one), &mean, &max, &peak);
    printf("encoder %s %dx%d tile %d: max |diff| %.3g (peak %.3g), mean %.3g\n",
           sst_layer_name(layer), w, h, tile, max, peak, mean);
    CHECK(max <= 2e-5 * peak, "tiled %s features differ: max %g, peak %g",
          sst_layer_name(layer), max, peak);
  }
  sst_tensor_free(&rgb);
  sst_tensor_free(&one);
  sst_tensor_free(&tiled);
  sst_image_free(&img);
}

/* Full pipeline, tiled against one piece. */
static void check_pipeline(const sst_model *m, int w, int h, sst_kernel k,
                           sst_layer layer, int tile, double max_bound,
                           double mean_bound) {
  sst_image one = {0}, tiled = {0};
  test_scene sc;
  test_scene_make(&sc, w, h, 384, 288);
  const sst_image content = sc.content, style = sc.style;
  const sst_map cmap = sc.cmap, smap = sc.smap;
  sst_params p;
  sst_params_default(&p);
  p.kernel = k;
  p.gamma = sst_kernel_default_gamma(k);
  p.layer = layer;
  sst_error err = {0};
  p.tile = -1;
  CHECK(sst_stylize(m, &content, &cmap, &style, &smap, &p, NULL, NULL, &one,
                    &err) == SST_OK, "%s", err.msg);
  p.tile = tile;
  CHECK(sst_stylize(m, &content, &cmap, &style, &smap, &p, NULL, NULL, &tiled,
                    &err) == SST_OK, "%s", err.msg);
  if (one.rgb && tiled.rgb) {
    double mean, max, peak, dmean, dmax, dpeak;
    size_t n = (size_t)w * h * 3;
    compare(one.rgb, tiled.rgb, n, &mean, &max, &peak);
    compare(one.rgb, content.rgb, n, &dmean, &dmax, &dpeak);
    printf("pipeline %s %s %dx%d tile %d: tiled vs one piece max %.3g mean "
           "%.3g (stylized vs content: mean %.3g)\n",
           sst_kernel_name(k), sst_layer_name(layer), w, h, tile, max, mean,
           dmean);
    CHECK(dmean > 0.02, "the run did not stylize (mean change %g)", dmean);
    CHECK(max <= max_bound, "tiled output differs: max %g > %g", max, max_bound);
    CHECK(mean <= mean_bound, "tiled output differs: mean %g > %g", mean,
          mean_bound);
  }
  test_scene_free(&sc);
  sst_image_free(&one);
  sst_image_free(&tiled);
}

int main(void) {
  const char *dir = test_weights_dir();
  char path[4096];
  snprintf(path, sizeof path, "%s/encoder.safetensors", dir);
  sst_net *enc = NULL;
  sst_error err = {0};
  sst_model *m = NULL;
  if (sst_encoder_load(path, &enc, &err) != SST_OK ||
      sst_model_load(dir, &m, &err) != SST_OK) {
    printf("FAIL: cannot load the weights in %s: %s\n", dir, err.msg);
    return 1;
  }
  /* many borders: 3x3 and 4x3 tiles, a clipped last row and column */
  check_encoder(enc, SST_RELU3_1, 300, 212, 96);
  check_encoder(enc, SST_RELU4_1, 330, 250, 128);
  /* the acceptance check of issue 5 */
  check_pipeline(m, 1600, 1064, SST_KERNEL_POLY, SST_RELU3_1, 512, 1e-4, 1e-6);
  check_pipeline(m, 320, 240, SST_KERNEL_GAUSSIAN, SST_RELU3_1, 128, 1e-4,
                 1e-6);
  if (sst_model_has_layer(m, SST_RELU4_1))
    check_pipeline(m, 400, 320, SST_KERNEL_BN, SST_RELU4_1, 128, 1e-4, 1e-6);
  sst_net_free(enc);
  sst_model_free(m);
  printf("%s\n", failures ? "FAILED" : "all tile checks passed");
  return failures != 0;
}
