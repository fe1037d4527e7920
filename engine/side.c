/* side.c - a session's input side and its per-layer encodings (side.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "image.h"
#include "side.h"
#include "tiles.h"

static void level_drop(sst_side_level *lv) {
  sst_tensor_free(&lv->feat);
  sst_spill_free(lv->spill);
  free(lv->masks);
  free(lv->luma);
  memset(lv, 0, sizeof *lv);
}

void sst_side_keep(sst_side *sd, unsigned layers) {
  for (int l = 0; l < SST_LAYER_COUNT; l++)
    if (!(layers & (1u << l)))
      level_drop(&sd->level[l]);
}

void sst_side_free(sst_side *sd) {
  sst_side_keep(sd, 0);
  sst_image_free(&sd->img);
  free(sd->rgb8);
  sd->rgb8 = NULL;
  free(sd->labels);
  sd->labels = NULL;
  memset(&sd->pal, 0, sizeof sd->pal);
}

/* The n floats as bytes q with q / 255.0f == v for each, or NULL when
 * some value is not one (or out of memory: the float copy is made then). */
static uint8_t *exact_bytes(const float *v, size_t n) {
  uint8_t *q = malloc(n);
  for (size_t i = 0; q && i < n; i++) {
    const float x = v[i] * 255.0f;
    if (!(x >= 0.0f && x <= 255.0f)) {
      free(q);
      return NULL;
    }
    q[i] = (uint8_t)lrintf(x);
    if (q[i] / 255.0f != v[i]) {
      free(q);
      return NULL;
    }
  }
  return q;
}

/* The side's image as floats in tmp (allocated), for the steps that need
 * it whole: a resize, an untiled encoding, the colour targets. */
static sst_status side_floats(const sst_side *sd, sst_image *tmp,
                              sst_error *err) {
  if (sst_image_alloc(tmp, sd->img.width, sd->img.height) != SST_OK)
    return sst_fail(err, SST_ERR_NOMEM,
                    "out of memory for the %d x %d image as floats",
                    sd->img.width, sd->img.height);
  for (size_t i = 0; i < (size_t)sd->img.width * sd->img.height * 3; i++)
    tmp->rgb[i] = sd->rgb8[i] / 255.0f;
  return SST_OK;
}

/* The image is img's floats or, when img->rgb is NULL, the bytes b (q
 * meaning q / 255.0f), img->width x img->height. */
static sst_status side_set(sst_side *sd, const sst_image *img,
                           const uint8_t *b, const sst_map *map,
                           const char *what, sst_error *err) {
  if (!img || (!img->rgb && !b) || img->width <= 0 || img->height <= 0)
    return sst_fail(err, SST_ERR_INVALID, "the %s image is empty", what);
  if (img->width < SST_MIN_SIDE || img->height < SST_MIN_SIDE)
    return sst_fail(err, SST_ERR_INVALID,
                    "the %s image is %dx%d; at least %dx%d pixels are needed",
                    what, img->width, img->height, SST_MIN_SIDE, SST_MIN_SIDE);
  if (map && (map->width != img->width || map->height != img->height))
    return sst_fail(err, SST_ERR_MAP,
                    "the %s map is %dx%d but the %s image is %dx%d; "
                    "paint the map at the image's size",
                    what, map->width, map->height, what, img->width,
                    img->height);
  uint8_t *labels = NULL;
  sst_palette pal = {0};
  if (map) {
    labels = malloc((size_t)map->width * map->height);
    if (!labels)
      return sst_fail(err, SST_ERR_NOMEM,
                      "out of memory for the map's labels (%d x %d)",
                      map->width, map->height);
    sst_status st = sst_map_labels(map, labels, &pal, err);
    if (st == SST_OK && pal.n == 0) { /* nothing painted: no map */
      free(labels);
      labels = NULL;
    }
    if (st != SST_OK) {
      free(labels);
      /* prefix which map failed, keep the engine's explanation */
      if (err) {
        char tmp[sizeof err->msg];
        snprintf(tmp, sizeof tmp, "%s map: %.490s", what, err->msg);
        memcpy(err->msg, tmp, sizeof tmp);
      }
      return st;
    }
  }
  const size_t n = (size_t)img->width * img->height * 3;
  const int large = (double)img->width * img->height > SST_UNTILED_MAX_PIXELS;
  uint8_t *rgb8 = NULL;
  if (large && b) {
    rgb8 = malloc(n);
    if (rgb8)
      memcpy(rgb8, b, n);
  } else if (large) {
    rgb8 = exact_bytes(img->rgb, n);
  }
  sst_image copy = {img->width, img->height, NULL};
  if (!rgb8 && sst_image_alloc(&copy, img->width, img->height) != SST_OK) {
    free(labels);
    return sst_fail(err, SST_ERR_NOMEM,
                    "out of memory for a copy of the %d x %d image",
                    img->width, img->height);
  }
  if (!rgb8 && img->rgb)
    memcpy(copy.rgb, img->rgb, n * sizeof(float));
  else if (!rgb8)
    for (size_t i = 0; i < n; i++)
      copy.rgb[i] = b[i] / 255.0f;
  sst_side_free(sd);
  sd->img = copy;
  sd->rgb8 = rgb8;
  sd->labels = labels;
  sd->pal = pal;
  return SST_OK;
}

sst_status sst_side_set(sst_side *sd, const sst_image *img, const sst_map *map,
                        const char *what, sst_error *err) {
  return side_set(sd, img, NULL, map, what, err);
}

sst_status sst_side_set8(sst_side *sd, int width, int height,
                         const uint8_t *rgb, const sst_map *map,
                         const char *what, sst_error *err) {
  const sst_image size = {width, height, NULL};
  return side_set(sd, &size, rgb, map, what, err);
}

sst_status sst_side_adopt(sst_side *sd, sst_image *img, const sst_side *like,
                          sst_error *err) {
  if (!img->rgb || img->width != like->img.width ||
      img->height != like->img.height)
    return sst_fail(err, SST_ERR_INVALID,
                    "a repeated pass needs the %dx%d result, got %dx%d",
                    like->img.width, like->img.height, img->width,
                    img->height);
  uint8_t *labels = NULL;
  if (like->labels) {
    const size_t n = (size_t)img->width * img->height;
    labels = malloc(n);
    if (!labels)
      return sst_fail(err, SST_ERR_NOMEM,
                      "out of memory for the map's labels (%d x %d)",
                      img->width, img->height);
    memcpy(labels, like->labels, n);
  }
  sst_side_free(sd);
  sd->img = *img;
  memset(img, 0, sizeof *img);
  sd->labels = labels;
  sd->pal = like->pal;
  return SST_OK;
}

/* Masks and (style) colours of a fresh encoding of `src`, the processed
 * image, padded to pw x ph. */
static sst_status describe(const sst_side *sd, const sst_image *src, int pw,
                           int ph, int with_colors, sst_side_level *lv,
                           const sst_ctx *ctx, sst_error *err) {
  if (sd->labels) {
    sst_status st = sst_label_masks(sd->labels, sd->img.width, sd->img.height,
                                    sd->pal.n, lv->w, lv->h, pw, ph, lv->block,
                                    lv->feat.w, lv->feat.h, &lv->masks, err);
    if (st != SST_OK)
      return st;
  }
  if (with_colors) {
    /* the colour match's targets (color_match.h); its source is the
     * decoded output, so the content's own moments are never needed */
    sst_color_moments_compute(src, NULL, &lv->color_all, ctx);
    if (lv->masks) {
      sst_region_masks m = {lv->masks, sd->pal.n, lv->feat.w, lv->feat.h,
                            lv->block};
      sst_color_moments_compute(src, &m, lv->colors, ctx);
    }
  }
  return SST_OK;
}

/* Largest processed style (pixels) a style scale may ask for: its relu3_1
 * features alone take 64 bytes a pixel, 1 GiB here. */
#define STYLE_MAX_PIXELS (4096 * 4096)

/* Processed size of a side: the max_side fit, times the style scale (1 =
 * that fit); refuses sizes below SST_MIN_SIDE or above STYLE_MAX_PIXELS
 * with a message naming the scale. */
static sst_status scaled_size(const sst_image *img, int max_side, double scale,
                              int *w, int *h, sst_error *err) {
  sst_fit_size(img->width, img->height, max_side, w, h);
  if (scale == 1.0)
    return SST_OK;
  const double sw = *w * scale, sh = *h * scale;
  if (sw * sh > (double)STYLE_MAX_PIXELS)
    return sst_fail(err, SST_ERR_NOMEM,
                    "style scale %g makes the style %.0fx%.0f pixels; at most "
                    "%d megapixels can be processed, use a smaller style scale",
                    scale, sw, sh, STYLE_MAX_PIXELS >> 20);
  *w = (int)lround(sw);
  *h = (int)lround(sh);
  if (*w < SST_MIN_SIDE || *h < SST_MIN_SIDE)
    return sst_fail(err, SST_ERR_INVALID,
                    "style scale %g makes the %dx%d style %dx%d pixels, "
                    "smaller than %d; use a larger style scale",
                    scale, img->width, img->height, *w, *h, SST_MIN_SIDE);
  return SST_OK;
}

static int round_up8(int v) {
  const int m = sst_net_pad_multiple();
  return (v + m - 1) / m * m;
}

/* The encoder's input tiles straight from the image, mirror-padded as
 * sst_image_to_tensor pads it, so the padded image tensor never exists
 * whole. */
typedef struct {
  const sst_image *img; /* size, and the floats unless rgb8 */
  const uint8_t *rgb8;
} image_src;

static sst_status image_rect(void *ctx, int x0, int y0, int w, int h,
                             float *out, sst_error *err) {
  (void)err;
  const image_src *is = ctx;
  const sst_image *img = is->img;
  const size_t plane = (size_t)w * h;
  for (int y = 0; y < h; y++) {
    const size_t row = (size_t)sst_mirror(y0 + y, img->height) * img->width;
    for (int x = 0; x < w; x++) {
      const size_t px = (row + (size_t)sst_mirror(x0 + x, img->width)) * 3;
      const size_t o = (size_t)y * w + x;
      for (int c = 0; c < 3; c++)
        out[c * plane + o] =
            is->rgb8 ? is->rgb8[px + c] / 255.0f : img->rgb[px + c];
    }
  }
  return SST_OK;
}

/* Where the encoder's tiles go: the feature tensor, allocated on the
 * first block, or the spill file when the features would be larger than
 * the request's spill_bytes. */
typedef struct {
  sst_side_level *lv;
  int gw, gh;
  size_t spill_bytes;
} level_sink_ctx;

static sst_status level_sink(void *ctx, int C, int x0, int y0, int w, int h,
                             const float *src, sst_error *err) {
  level_sink_ctx *ls = ctx;
  sst_side_level *lv = ls->lv;
  if (!lv->feat.data && !lv->spill) {
    const size_t bytes = sizeof(float) * (size_t)C * ls->gw * ls->gh;
    sst_status st = SST_ERR_IO;
    if (ls->spill_bytes && bytes > ls->spill_bytes)
      st = sst_spill_new(C, ls->gw, ls->gh, &lv->spill, err);
    /* no temporary file to be had (read-only or full $TMPDIR): memory, as
     * for a smaller image; its own out-of-memory message if that fails */
    if (st != SST_OK)
      st = sst_tensor_alloc(&lv->feat, C, ls->gh, ls->gw, err);
    if (st != SST_OK)
      return st;
    lv->feat.c = C;
    lv->feat.w = ls->gw;
    lv->feat.h = ls->gh;
  }
  if (lv->spill)
    return sst_spill_put(lv->spill, x0, y0, w, h, src, err);
  const size_t plane = (size_t)lv->feat.w * lv->feat.h, bp = (size_t)w * h;
  for (int c = 0; c < C; c++)
    for (int y = 0; y < h; y++)
      memcpy(lv->feat.data + c * plane + (size_t)(y0 + y) * lv->feat.w + x0,
             src + c * bp + (size_t)y * w, sizeof(float) * (size_t)w);
  return SST_OK;
}

static sst_status encode_tiles(const sst_side_request *req,
                               const sst_image *src, const uint8_t *src8,
                               int pw, int ph, int tile, sst_side_level *lv,
                               sst_ctx *ctx, sst_error *err) {
  const int f = sst_net_layer_cell(req->layer);
  level_sink_ctx ls = {lv, pw / f, ph / f, req->spill_bytes};
  image_src is = {src, src8};
  return sst_encode_tiles(req->enc, pw, ph, req->layer, tile, image_rect, &is,
                          level_sink, &ls, ctx, err);
}

sst_status sst_side_features(const sst_side_level *lv, int x0, int y0, int w,
                             int h, float *out, sst_error *err) {
  if (lv->spill)
    return sst_spill_get(lv->spill, x0, y0, w, h, out, err);
  const sst_tensor *t = &lv->feat;
  const size_t plane = (size_t)t->w * t->h, bp = (size_t)w * h;
  for (int c = 0; c < t->c; c++)
    for (int y = 0; y < h; y++)
      memcpy(out + c * bp + (size_t)y * w,
             t->data + c * plane + (size_t)(y0 + y) * t->w + x0,
             sizeof(float) * (size_t)w);
  return SST_OK;
}

sst_status sst_side_unspill(sst_side_level *lv, sst_error *err) {
  if (!lv->spill)
    return SST_OK;
  sst_tensor t = {0};
  sst_status st = sst_tensor_alloc(&t, lv->feat.c, lv->feat.h, lv->feat.w, err);
  if (st == SST_OK)
    st = sst_spill_get(lv->spill, 0, 0, t.w, t.h, t.data, err);
  if (st != SST_OK) {
    sst_tensor_free(&t);
    return st;
  }
  lv->feat = t;
  sst_spill_free(lv->spill);
  lv->spill = NULL;
  return SST_OK;
}

sst_status sst_side_encode(sst_side *sd, const sst_side_request *req,
                           int *counter, sst_ctx *ctx,
                           const sst_side_level **out, sst_error *err) {
  *out = NULL;
  int w, h;
  sst_status sz = scaled_size(&sd->img, req->max_side, req->scale, &w, &h, err);
  if (sz != SST_OK)
    return sz;
  if (w < SST_MIN_SIDE || h < SST_MIN_SIDE)
    return sst_fail(err, SST_ERR_INVALID,
                    "the %s image (%dx%d) is too thin: at its size limit of "
                    "%d pixels it would be %dx%d, and both sides need at "
                    "least %d",
                    req->what, sd->img.width, sd->img.height, req->max_side, w,
                    h, SST_MIN_SIDE);
  /* the arithmetic that will run: bf16 falls back to float32 without
   * AVX-512 BF16, and then an encoding from either request is the same */
  const sst_precision prec = sst_ctx_precision(ctx);
  sst_side_level *lv = &sd->level[req->layer];
  if (lv->valid && lv->w == w && lv->h == h && lv->precision == prec) {
    *out = lv;
    return SST_OK;
  }
  level_drop(lv);

  const int pw = round_up8(w), ph = round_up8(h);
  const int tile = sst_tile_for(req->tile, pw, ph);
  const int tiled = tile > 0 && (tile < pw || tile < ph);
  const int resized = w != sd->img.width || h != sd->img.height;
  sst_image small = {0}, floats = {0};
  const sst_image *src = &sd->img;
  const uint8_t *src8 = sd->rgb8; /* only the tiled encoder reads bytes */
  sst_status st = SST_OK;
  if (src8 && (resized || !tiled || req->with_colors)) {
    st = side_floats(sd, &floats, err);
    src = &floats;
    src8 = NULL;
  }
  if (st == SST_OK && resized) {
    st = sst_image_resize(src, w, h, &small, err);
    src = &small;
    sst_image_free(&floats); /* the resized copy is all that is needed */
  }
  if (st != SST_OK) {
    sst_image_free(&floats);
    return st;
  }
  if (tiled) {
    st = encode_tiles(req, src, src8, pw, ph, tile, lv, ctx, err);
  } else {
    sst_tensor rgb = {0};
    st = sst_image_to_tensor(src, sst_net_pad_multiple(), &rgb, err);
    if (st == SST_OK)
      st = sst_encode_tiled(req->enc, &rgb, req->layer, 0, &lv->feat, ctx,
                            err);
    sst_tensor_free(&rgb);
  }
  if (st == SST_OK) {
    lv->w = w;
    lv->h = h;
    lv->block = pw / lv->feat.w;
    st = describe(sd, src, pw, ph, req->with_colors, lv, ctx, err);
  }
  if (st == SST_OK) {
    lv->luma = sst_image_cell_luma(src, src8, lv->block, lv->feat.w, lv->feat.h);
    if (!lv->luma)
      st = sst_fail(err, SST_ERR_NOMEM, "out of memory for the luminance grid");
  }
  sst_image_free(&small);
  sst_image_free(&floats);
  if (st != SST_OK) {
    level_drop(lv);
    return st;
  }
  lv->precision = prec;
  lv->generation = ++*counter;
  lv->valid = 1;
  *out = lv;
  return SST_OK;
}
