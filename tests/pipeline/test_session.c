/* test_session.c - which setting changes reuse a session's cached work.
 *
 * The live preview is fast because a gamma, kernel or colour change re-runs
 * only the reconstruction and the decoder: the encodings of both sides and
 * their region statistics stay.  Everything that changes what an encoding
 * is must drop it: the image or the map of a side (that side only), its
 * size limit (that side only), the feature layer (both), and the
 * arithmetic (both, where bf16 really runs; elsewhere bf16 runs as float32
 * and the encodings stay).  Read through the session's counters
 * (pipeline.h), one change at a time from a warm session; every run (but
 * the last, see there) must also give the output of a fresh session with
 * the same settings, so a cache hit that should have been a miss shows as
 * a wrong image too.
 *
 * Also checks the geometry the tiling reads from the network tables against
 * values worked out by hand from the VGG19 topology (nn.h). */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "nn.h"
#include "pipeline.h"
#include "pipeline_test_util.h"
#include "sst.h"
#include "tiles.h"

static void make_image(sst_image *img, int w, int h, int seed) {
  sst_image_alloc(img, w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        img->rgb[((size_t)y * w + x) * 3 + c] =
            0.2f + 0.6f * (float)((x * (c + 2) + y * (seed + 1)) % 89) / 89.0f;
}

static uint8_t *make_map(int w, int h, int split) {
  uint8_t *m = malloc((size_t)w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p = m + ((size_t)y * w + x) * 3;
      const int top = y < split;
      p[0] = top ? 40 : 220;
      p[1] = 120;
      p[2] = top ? 230 : 30;
    }
  return m;
}

typedef struct {
  sst_image content, style, style2;
  uint8_t *cmap, *smap, *smap2;
} inputs;

/* The output of a fresh session with these inputs and settings. */
static int fresh_run(const sst_model *m, const sst_image *c, const sst_map *cm,
                     const sst_image *s, const sst_map *sm,
                     const sst_params *p, sst_image *out) {
  sst_error err = {0};
  sst_status st = sst_stylize(m, c, cm, s, sm, p, NULL, NULL, out, &err);
  CHECK(st == SST_OK, "fresh run: %s", err.msg);
  return st == SST_OK;
}

static int same_image(const sst_image *a, const sst_image *b) {
  return a->width == b->width && a->height == b->height &&
         memcmp(a->rgb, b->rgb, sizeof(float) * 3 * (size_t)a->width *
                                    (size_t)a->height) == 0;
}

/* One step: apply a change, run, compare counters and output. */
typedef struct {
  const char *what;
  int content, style, stats; /* expected re-encodes / statistics builds */
  int fresh;                  /* output must equal a fresh session's */
} expect;

static void step(sst_session *s, const sst_model *m, const sst_params *p,
                 const sst_image *c, const sst_map *cm, const sst_image *y,
                 const sst_map *ym, expect e) {
  sst_session_counts before, after;
  sst_session_counts_get(s, &before);
  sst_image out = {0}, want = {0};
  sst_error err = {0};
  sst_status st = sst_session_run(s, p, &out, &err);
  CHECK(st == SST_OK, "%s: %s", e.what, err.msg);
  sst_session_counts_get(s, &after);
  const int dc = after.content_encodes - before.content_encodes;
  const int ds = after.style_encodes - before.style_encodes;
  const int dt = after.stats_builds - before.stats_builds;
  printf("%-28s content %d, style %d, statistics %d\n", e.what, dc, ds, dt);
  CHECK(dc == e.content, "%s: content encoded %d times, expected %d", e.what,
        dc, e.content);
  CHECK(ds == e.style, "%s: style encoded %d times, expected %d", e.what, ds,
        e.style);
  CHECK(dt == e.stats, "%s: statistics built %d times, expected %d", e.what,
        dt, e.stats);
  if (st == SST_OK && e.fresh && fresh_run(m, c, cm, y, ym, p, &want))
    CHECK(same_image(&out, &want),
          "%s: the session's output is not a fresh session's", e.what);
  sst_image_free(&out);
  sst_image_free(&want);
}

static void check_geometry(void) {
  /* cells: relu3_1 after two 2x2 poolings, relu4_1 after three */
  CHECK(sst_layer_cell(SST_RELU3_1) == 4 && sst_layer_cell(SST_RELU4_1) == 8,
        "cells %d / %d, expected 4 / 8", sst_layer_cell(SST_RELU3_1),
        sst_layer_cell(SST_RELU4_1));
  CHECK(sst_net_pad_multiple() == 8, "padding multiple %d, expected 8",
        sst_net_pad_multiple());
  /* encoder to relu3_1: 3x3 convs at strides 1,1,2,2,4 = 10 px; its
   * decoder 4 + 2+2 + 1+1 = 10.  relu4_1: 10 + 3*4 + 8 = 30; its decoder
   * 8 + 4*4 + 2*2 + 1*2 = 30.  Margins: rounded up to 8. */
  CHECK(sst_net_receptive_radius(SST_RELU3_1) == 10 &&
            sst_net_receptive_radius(SST_RELU4_1) == 30,
        "receptive radii %d / %d, expected 10 / 30",
        sst_net_receptive_radius(SST_RELU3_1),
        sst_net_receptive_radius(SST_RELU4_1));
  CHECK(sst_tile_margin(SST_RELU3_1) == 16 &&
            sst_tile_margin(SST_RELU4_1) == 32,
        "tile margins %d / %d, expected 16 / 32", sst_tile_margin(SST_RELU3_1),
        sst_tile_margin(SST_RELU4_1));
}

int main(void) {
  check_geometry();
  sst_model *m = test_model_load();
  if (!m)
    return 1;
  const int W = 160, H = 120, SW = 128, SH = 128;
  inputs in;
  make_image(&in.content, W, H, 1);
  make_image(&in.style, SW, SH, 4);
  make_image(&in.style2, SW, SH, 9);
  in.cmap = make_map(W, H, H / 2);
  in.smap = make_map(SW, SH, SH / 3);
  in.smap2 = make_map(SW, SH, 2 * SH / 3);
  sst_map cm = {W, H, in.cmap, NULL}, sm = {SW, SH, in.smap, NULL},
          sm2 = {SW, SH, in.smap2, NULL};

  sst_error err = {0};
  sst_session *s = sst_session_new(m);
  CHECK(sst_session_set_content(s, &in.content, &cm, &err) == SST_OK, "%s",
        err.msg);
  CHECK(sst_session_set_style(s, &in.style, &sm, &err) == SST_OK, "%s",
        err.msg);
  sst_params p;
  sst_params_default(&p);
  /* the cache of one pass; repeated passes' counts: test_passes.c */
  p.passes = 1;
  p.threads = 2;
  const sst_image *sty = &in.style;
  const sst_map *smp = &sm;
#define STEP(name, c, y, t) step(s, m, &p, &in.content, &cm, sty, smp, \
                                 (expect){name, c, y, t, 1})
  STEP("first run", 1, 1, 1);
  STEP("same settings", 0, 0, 0);
  p.gamma *= 4;
  STEP("gamma", 0, 0, 0);
  p.kernel = SST_KERNEL_LINEAR;
  p.gamma = sst_kernel_default_gamma(p.kernel);
  STEP("kernel", 0, 0, 0);
  p.iterations = 3;
  p.color_match = 0.5;
  STEP("iterations, colour match", 0, 0, 0);
  CHECK(sst_session_set_style(s, &in.style2, &sm, &err) == SST_OK, "%s",
        err.msg);
  sty = &in.style2;
  STEP("style image", 0, 1, 1);
  CHECK(sst_session_set_style(s, &in.style2, &sm2, &err) == SST_OK, "%s",
        err.msg);
  smp = &sm2;
  STEP("style map", 0, 1, 1);
  CHECK(sst_session_set_content(s, &in.content, NULL, &err) == SST_OK, "%s",
        err.msg);
  step(s, m, &p, &in.content, NULL, sty, smp,
       (expect){"content map removed", 1, 0, 1, 1});
  CHECK(sst_session_set_content(s, &in.content, &cm, &err) == SST_OK, "%s",
        err.msg);
  STEP("content map back", 1, 0, 1);
  p.max_size = 96;
  STEP("content size limit", 1, 0, 1);
  p.style_max_size = 64;
  STEP("style size limit", 0, 1, 1);
  if (sst_model_has_layer(m, SST_RELU4_1)) {
    p.layer = SST_RELU4_1;
    STEP("layer", 1, 1, 1);
    p.layer = SST_RELU3_1;
    STEP("layer back", 1, 1, 1);
  }
  p.precision = SST_PRECISION_BF16;
  const int bf16 = sst_precision_available(SST_PRECISION_BF16);
  STEP(bf16 ? "precision bf16" : "precision bf16 (runs as float32)", bf16,
       bf16, bf16);
  p.precision = SST_PRECISION_FLOAT32;
  STEP("precision float32", bf16, bf16, bf16);
  /* Neither keys the cache: a session keeps its encodings and statistics
   * (a tiled encoding, or moments summed on another thread count, differ
   * from them only in float rounding), so only the counters are checked. */
  p.threads = 1;
  p.tile = 64;
  step(s, m, &p, &in.content, &cm, sty, smp,
       (expect){"threads, tile (not keys)", 0, 0, 0, 0});
#undef STEP
  sst_session_free(s);
  sst_image_free(&in.content);
  sst_image_free(&in.style);
  sst_image_free(&in.style2);
  free(in.cmap);
  free(in.smap);
  free(in.smap2);
  sst_model_free(m);
  printf("%s\n", failures ? "FAILED" : "session cache checks passed");
  return failures != 0;
}
