/* test_spill.c - content features kept in a temporary file (spill.h)
 * against the same run with the features in memory and in one piece.
 *
 * Large images keep their tiled content features in a file and stream
 * them to the statistics (in bands of rows) and to the decoder (a
 * rectangle a tile); that path normally starts at SST_SPILL_BYTES (about
 * 4 MP), so the session's threshold is lowered to reach it at 480 x 360.
 * The result must equal the one-piece in-memory run up to float32
 * rounding (the README promises 1/255 for tiled runs; the bound here is
 * far tighter): a band or rectangle read at the wrong offset, a
 * transposition error in the file's cell-major layout or a weight row
 * misaligned with its band shows as differences of 1e-2 or more.
 * Checked for the default poly kernel (streamed), for gamma 0 (the
 * content itself, streamed), and for the Gaussian kernel on the same
 * session, which needs the whole content and reads it back into memory.
 * Last, a content of 8-bit values above SST_UNTILED_MAX_PIXELS, which the
 * session keeps as bytes (side.h): tiled from the bytes with preserved
 * colours (read from the bytes too) against the one-piece run, which
 * turns them back into floats, with the float content's colours, at the
 * default number of passes, the tiled session not keeping its content
 * (sst_session_set_keep_content 0, as the CLI). */
#include <math.h>
#include <stdlib.h>

#include "../check.h"
#include "pipeline.h"
#include "preserve_colors.h"
#include "pipeline_test_util.h"

static double max_diff(const sst_image *a, const sst_image *b) {
  double m = 0;
  for (size_t i = 0; i < (size_t)a->width * a->height * 3; i++) {
    double d = fabs((double)a->rgb[i] - b->rgb[i]);
    m = d > m ? d : m;
  }
  return m;
}

/* One run on s with p; *out gets the result. */
static void run(sst_session *s, const sst_params *p, sst_image *out) {
  sst_error err = {0};
  CHECK(sst_session_run(s, p, out, &err) == SST_OK, "%s", err.msg);
}

/* Above SST_UNTILED_MAX_PIXELS with values q / 255: kept as bytes. */
static void check_bytes(const sst_model *m) {
  const int w = 1040, h = 1024;
  sst_image content, style, a = {0}, b = {0};
  sst_image_alloc(&content, w, h);
  sst_image_alloc(&style, 256, 192);
  test_image_fill(&content, 2);
  test_image_fill(&style, 5);
  for (size_t i = 0; i < (size_t)w * h * 3; i++) {
    float v = content.rgb[i] < 0 ? 0 : content.rgb[i] > 1 ? 1 : content.rgb[i];
    content.rgb[i] = (float)lrintf(v * 255.0f) / 255.0f;
  }
  sst_error err = {0};
  sst_session *one = sst_session_new(m), *spilled = sst_session_new(m);
  CHECK(sst_session_set_content(one, &content, NULL, &err) == SST_OK &&
            sst_session_set_style(one, &style, NULL, &err) == SST_OK &&
            sst_session_set_content(spilled, &content, NULL, &err) == SST_OK &&
            sst_session_set_style(spilled, &style, NULL, &err) == SST_OK,
        "%s", err.msg);
  sst_session_set_spill_bytes(spilled, 1);
  /* as the CLI runs a large image: the first pass's spilled encoding is
   * freed before the second pass (the default's) spills its own */
  sst_session_set_keep_content(spilled, 0);
  sst_params p;
  sst_params_default(&p);
  p.tile = -1;
  run(one, &p, &a);
  /* the reference keeps the colours of the float content itself */
  sst_preserve_colors(&a, &content, NULL);
  p.preserve_colors = 1;
  p.tile = 256;
  run(spilled, &p, &b);
  if (a.rgb && b.rgb) {
    const double d = max_diff(&a, &b), moved = max_diff(&a, &content);
    printf("8-bit content %dx%d, preserved colours: spilled tiles vs one "
           "piece: max |diff| %.3g (output vs content: max %.3g)\n",
           w, h, d, moved);
    CHECK(d <= 1e-4, "8-bit content: spilled run differs by %g", d);
    CHECK(moved > 0.05, "8-bit content: the run changed nothing");
  }
  sst_image_free(&a);
  sst_image_free(&b);
  sst_session_free(one);
  sst_session_free(spilled);
  sst_image_free(&content);
  sst_image_free(&style);
}

int main(void) {
  sst_model *m = test_model_load();
  if (!m)
    return 1;
  test_scene sc;
  test_scene_make(&sc, 480, 360, 256, 192);
  const sst_image content = sc.content, style = sc.style;
  const sst_map cmap = sc.cmap, smap = sc.smap;
  sst_error err = {0};
  sst_session *one = sst_session_new(m), *spilled = sst_session_new(m);
  CHECK(sst_session_set_content(one, &content, &cmap, &err) == SST_OK &&
            sst_session_set_style(one, &style, &smap, &err) == SST_OK &&
            sst_session_set_content(spilled, &content, &cmap, &err) ==
                SST_OK &&
            sst_session_set_style(spilled, &style, &smap, &err) == SST_OK,
        "%s", err.msg);
  sst_session_set_spill_bytes(spilled, 1); /* every tiled encoding */

  const struct {
    const char *name;
    sst_kernel k;
    double gamma;
    /* statistics built so far: on the file, in all (gamma 0 reuses the
     * statistics; the Gaussian kernel rebuilds them in memory) */
    int streamed, builds;
  } steps[] = {{"poly", SST_KERNEL_POLY, -1, 1, 1},
               {"gamma 0", SST_KERNEL_POLY, 0.0, 1, 1},
               {"gaussian (read back)", SST_KERNEL_GAUSSIAN, -1, 1, 2}};
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
    sst_params p;
    sst_params_default(&p);
    p.passes = 1; /* the counts below are one pass's */
    p.kernel = steps[i].k;
    p.gamma = steps[i].gamma >= 0 ? steps[i].gamma
                                  : sst_kernel_default_gamma(steps[i].k);
    sst_image a = {0}, b = {0};
    p.tile = -1;
    run(one, &p, &a);
    p.tile = 128;
    run(spilled, &p, &b);
    sst_session_counts n;
    sst_session_counts_get(spilled, &n);
    CHECK(n.streamed_stats == steps[i].streamed &&
              n.stats_builds == steps[i].builds,
          "%s: %d statistics built (%d on spilled features), expected %d (%d)",
          steps[i].name, n.stats_builds, n.streamed_stats, steps[i].builds,
          steps[i].streamed);
    if (a.rgb && b.rgb) {
      const double d = max_diff(&a, &b), moved = max_diff(&a, &content);
      printf("%s: spilled tiles vs one piece in memory: max |diff| %.3g "
             "(output vs content: max %.3g)\n",
             steps[i].name, d, moved);
      CHECK(d <= 1e-4, "%s: spilled run differs by %g", steps[i].name, d);
      CHECK(moved > 0.05, "%s: the run changed nothing", steps[i].name);
    }
    sst_image_free(&a);
    sst_image_free(&b);
  }
  sst_session_counts n;
  sst_session_counts_get(spilled, &n);
  CHECK(n.content_encodes == 1, "the content was encoded %d times, once is "
                                "enough", n.content_encodes);
  sst_session_free(one);
  sst_session_free(spilled);
  check_bytes(m);
  sst_model_free(m);
  test_scene_free(&sc);
  printf("%s\n", failures ? "FAILED" : "all spill checks passed");
  return failures != 0;
}
