/* pipeline_test_util.h - what the whole-pipeline tests share: the shipped
 * weights, a photo-like test image and a two-region doodle map. */
#ifndef PIPELINE_TEST_UTIL_H
#define PIPELINE_TEST_UTIL_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sst.h"

/* $SST_WEIGHTS_DIR (meson's test environment), else ./weights. */
static inline const char *test_weights_dir(void) {
  const char *dir = getenv("SST_WEIGHTS_DIR");
  return dir && *dir ? dir : "weights";
}

/* The model in test_weights_dir(); NULL after a FAIL line. */
static inline sst_model *test_model_load(void) {
  sst_error err = {0};
  sst_model *m = NULL;
  if (sst_model_load(test_weights_dir(), &m, &err) != SST_OK) {
    printf("FAIL: cannot load the weights in %s: %s\n", test_weights_dir(),
           err.msg);
    return NULL;
  }
  return m;
}

/* Deterministic photo-like test image (img already allocated): smooth
 * gradients, hard-edged shapes (edges crossing tile borders) and fine
 * noise. */
static inline void test_image_fill(sst_image *img, int seed) {
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      for (int c = 0; c < 3; c++) {
        unsigned h = (unsigned)(x * 73856093u ^ y * 19349663u ^
                                (unsigned)(c + seed) * 83492791u);
        float v = 0.45f + 0.25f * sinf(0.013f * x * (c + 1) + seed) *
                              cosf(0.021f * y + 0.5f * c);
        if (((x / 97) + (y / 61) + seed) % 3 == 0)
          v = 0.15f + 0.1f * c;
        v += 0.08f * (float)(h % 1000) / 1000.0f;
        img->rgb[((size_t)y * img->width + x) * 3 + c] = v;
      }
}

/* Two flat regions (sky over ground, a ragged horizon), so masks and
 * per-region solves run; malloc'ed RGB8, w x h. */
static inline uint8_t *test_two_region_map(int w, int h) {
  uint8_t *m = malloc((size_t)w * h * 3);
  if (!m)
    return NULL;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p = m + ((size_t)y * w + x) * 3;
      int sky = y < h / 3 + (x * 7) % 90;
      p[0] = 30;
      p[1] = sky ? 80 : 180;
      p[2] = sky ? 220 : 50;
    }
  return m;
}
/* The usual two-region scene: a content w x h (fill seed 1) and a style
 * sw x sh (seed 5), each with its two-region map; free with
 * test_scene_free. */
typedef struct {
  sst_image content, style;
  sst_map cmap, smap;
} test_scene;

static inline void test_scene_make(test_scene *s, int w, int h, int sw,
                                   int sh) {
  sst_image_alloc(&s->content, w, h);
  sst_image_alloc(&s->style, sw, sh);
  test_image_fill(&s->content, 1);
  test_image_fill(&s->style, 5);
  s->cmap = (sst_map){w, h, test_two_region_map(w, h), NULL};
  s->smap = (sst_map){sw, sh, test_two_region_map(sw, sh), NULL};
}

static inline void test_scene_free(test_scene *s) {
  sst_image_free(&s->content);
  sst_image_free(&s->style);
  free((void *)s->cmap.rgb);
  free((void *)s->smap.rgb);
}
#endif
