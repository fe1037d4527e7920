/* pipeline.c - model loading and the cached encode -> reconstruct -> decode
 * session behind both the CLI and the plug-in.
 *
 * A session keeps the content and style encodings and their region
 * statistics, so that changing gamma, the kernel or the iteration count only
 * re-runs the reconstruction and the decoder (what a live preview needs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_reserve.h"
#include "color_match.h"
#include "conv_par.h" /* sst_conv_threads */
#include "error.h"
#include "image.h"
#include "labels.h"
#include "layers.h" /* sst_conv_set_precision */
#include "nn.h"
#include "reconstruct.h"
#include "tiles.h"

/* The encoder's deepest pooling is /8: every processed image is padded to a
 * multiple of 8, and must be large enough that the /8 grid still has 2
 * rows and columns for the reflection padding of conv4_1. */
#define PAD_MULTIPLE 8
#define MIN_SIDE 16

struct sst_model {
  sst_net *enc;
  sst_net *dec[2]; /* by sst_layer; either may be NULL, not both */
};

/* One input side (content or style): the image, its labels, its encoding. */
typedef struct {
  sst_image img;
  uint8_t *labels; /* NULL: no map */
  sst_palette pal;
  /* encoding cache */
  int enc_valid;
  int enc_w, enc_h;   /* processed (resized) image size */
  sst_layer enc_layer;
  sst_precision enc_precision; /* arithmetic the encoding ran with */
  sst_tensor feat;    /* features at enc_layer */
  float *weights;     /* regions x grid, area-downsampled label masks */
  int block;          /* pixels per grid cell */
  /* RGB moments of the processed image, per label (when there is a map)
   * and of the whole image: the colour match's targets, style side only */
  sst_color_moments colors[SST_MAX_LABELS], color_all;
  int generation;     /* bumps when the encoding changes */
} side;

struct sst_session {
  const sst_model *model;
  sst_progress_fn fn;
  void *user;
  side content, style;
  /* reconstruction statistics cache */
  sst_recon_stats *stats;
  int stats_content_gen, stats_style_gen;
  float *style_weights; /* K x M, style weights per content region */
  int style_label[SST_MAX_LABELS]; /* per content region; -1 = whole style */
  sst_timings timings;
};

static const char *weight_names[2] = {"decoder_relu3_1.safetensors",
                                      "decoder_relu4_1.safetensors"};

static char *join_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static sst_status load_net(const char *dir, const char *name, int layer,
                           sst_net **out, sst_error *err) {
  char *path = join_path(dir, name);
  if (!path)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory for a weights path");
  sst_status st = layer < 0 ? sst_encoder_load(path, out, err)
                            : sst_decoder_load(path, (sst_layer)layer, out, err);
  free(path);
  return st;
}

sst_status sst_model_load(const char *dir, sst_model **out, sst_error *err) {
  *out = NULL;
  sst_model *m = calloc(1, sizeof *m);
  if (!m)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory for the model");
  sst_status st = load_net(dir, "encoder.safetensors", -1, &m->enc, err);
  /* Each decoder is optional (a converted AdaIN model has only relu4_1),
   * but at least one must be there, and a present-but-broken file is an
   * error rather than a silently missing layer. */
  for (int l = 0; l < 2 && st == SST_OK; l++) {
    char *p = join_path(dir, weight_names[l]);
    FILE *f = p ? fopen(p, "rb") : NULL;
    free(p);
    if (f) {
      fclose(f);
      st = load_net(dir, weight_names[l], l, &m->dec[l], err);
    }
  }
  if (st == SST_OK && !m->dec[0] && !m->dec[1])
    st = sst_fail(err, SST_ERR_IO, "no decoder in %s: %s or %s is needed", dir,
                  weight_names[0], weight_names[1]);
  if (st != SST_OK) {
    sst_model_free(m);
    return st;
  }
  *out = m;
  return SST_OK;
}

void sst_model_free(sst_model *m) {
  if (!m)
    return;
  sst_net_free(m->enc);
  sst_net_free(m->dec[0]);
  sst_net_free(m->dec[1]);
  free(m);
}

int sst_model_has_layer(const sst_model *m, sst_layer l) {
  return m && (unsigned)l < 2 && m->dec[l] != NULL;
}

sst_session *sst_session_new(const sst_model *m) {
  sst_session *s = calloc(1, sizeof *s);
  if (s)
    s->model = m;
  return s;
}

static void side_drop_encoding(side *sd) {
  sst_tensor_free(&sd->feat);
  free(sd->weights);
  sd->weights = NULL;
  sd->enc_valid = 0;
  sd->generation++;
}

static void side_clear(side *sd) {
  side_drop_encoding(sd);
  sst_image_free(&sd->img);
  free(sd->labels);
  sd->labels = NULL;
  memset(&sd->pal, 0, sizeof sd->pal);
}

static void drop_stats(sst_session *s) {
  sst_recon_stats_free(s->stats);
  s->stats = NULL;
  free(s->style_weights);
  s->style_weights = NULL;
}

void sst_session_free(sst_session *s) {
  if (!s)
    return;
  drop_stats(s);
  side_clear(&s->content);
  side_clear(&s->style);
  free(s);
}

void sst_session_set_progress(sst_session *s, sst_progress_fn fn, void *user) {
  s->fn = fn;
  s->user = user;
}

static sst_status set_side(side *sd, const sst_image *img, const sst_map *map,
                           const char *what, sst_error *err) {
  if (!img || !img->rgb || img->width <= 0 || img->height <= 0)
    return sst_fail(err, SST_ERR_INVALID, "the %s image is empty", what);
  if (img->width < MIN_SIDE || img->height < MIN_SIDE)
    return sst_fail(err, SST_ERR_INVALID,
                    "the %s image is %dx%d; at least %dx%d pixels are needed",
                    what, img->width, img->height, MIN_SIDE, MIN_SIDE);
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
  sst_image copy;
  if (sst_image_alloc(&copy, img->width, img->height) != SST_OK) {
    free(labels);
    return sst_fail(err, SST_ERR_NOMEM,
                    "out of memory for a copy of the %d x %d image",
                    img->width, img->height);
  }
  memcpy(copy.rgb, img->rgb, (size_t)img->width * img->height * 3 * sizeof(float));
  side_clear(sd);
  sd->img = copy;
  sd->labels = labels;
  sd->pal = pal;
  return SST_OK;
}

sst_status sst_session_set_content(sst_session *s, const sst_image *img,
                                   const sst_map *map, sst_error *err) {
  return set_side(&s->content, img, map, "content", err);
}

sst_status sst_session_set_style(sst_session *s, const sst_image *img,
                                 const sst_map *map, sst_error *err) {
  return set_side(&s->style, img, map, "style", err);
}

/* Tile side for a processed image (padded size w x h) under the tile
 * option: 0 (one piece) when tiling is off or not needed. */
static int tile_size(int opt, int w, int h) {
  if (opt < 0)
    return 0;
  if (opt > 0)
    return opt < 64 ? 64 : (opt + 7) / 8 * 8;
  return (double)w * h > SST_UNTILED_MAX_PIXELS ? SST_DEFAULT_TILE : 0;
}

/* Encodes one side at the size limit `max_side` for `layer`, unless the
 * cached encoding already matches; also builds its region masks and, for
 * the style, its colour moments. */
static sst_status encode_side(sst_session *s, side *sd, int max_side,
                              sst_layer layer, int tile_opt, sst_progress *prog,
                              sst_error *err) {
  int w, h;
  sst_fit_size(sd->img.width, sd->img.height, max_side, &w, &h);
  if (w < MIN_SIDE || h < MIN_SIDE)
    return sst_fail(err, SST_ERR_INVALID,
                    "the %s image (%dx%d) is too thin: at its size limit of "
                    "%d pixels it would be %dx%d, and both sides need at "
                    "least %d",
                    sd == &s->style ? "style" : "content", sd->img.width,
                    sd->img.height, max_side, w, h, MIN_SIDE);
  /* the arithmetic that will run: bf16 falls back to float32 without
   * AVX-512 BF16, and then an encoding from either request is the same */
  const sst_precision prec = sst_precision_available(sst_conv_get_precision())
                                 ? sst_conv_get_precision()
                                 : SST_PRECISION_FLOAT32;
  if (sd->enc_valid && sd->enc_w == w && sd->enc_h == h &&
      sd->enc_layer == layer && sd->enc_precision == prec)
    return SST_OK;
  side_drop_encoding(sd);

  sst_image small = {0};
  const sst_image *src = &sd->img;
  sst_status st = SST_OK;
  if (w != sd->img.width || h != sd->img.height) {
    st = sst_image_resize(&sd->img, w, h, &small, err);
    if (st != SST_OK)
      return st;
    src = &small;
  }
  sst_tensor rgb = {0};
  st = sst_image_to_tensor(src, PAD_MULTIPLE, &rgb, err);
  if (st != SST_OK) {
    sst_image_free(&small);
    return st;
  }

  int pw = rgb.w, ph = rgb.h;
  st = sst_encode_tiled(s->model->enc, &rgb, layer, tile_size(tile_opt, pw, ph),
                        &sd->feat, prog, err);
  sst_tensor_free(&rgb);
  if (st != SST_OK) {
    sst_image_free(&small);
    return st;
  }
  sd->block = pw / sd->feat.w;

  /* Region masks on the feature grid: labels resized to the processed size,
   * mirror-padded like the image, area-downsampled per cell. */
  if (sd->labels) {
    uint8_t *lab = malloc((size_t)w * h);
    uint8_t *pad = malloc((size_t)pw * ph);
    size_t grid = (size_t)sd->feat.w * sd->feat.h;
    sd->weights = malloc((size_t)sd->pal.n * grid * sizeof(float));
    if (!lab || !pad || !sd->weights) {
      free(lab);
      free(pad);
      sst_image_free(&small);
      side_drop_encoding(sd);
      return sst_fail(err, SST_ERR_NOMEM, "out of memory for region masks");
    }
    sst_labels_resize(sd->labels, sd->img.width, sd->img.height, lab, w, h);
    sst_labels_pad(lab, w, h, pad, pw, ph);
    sst_mask_downsample(pad, pw, ph, sd->pal.n, sd->block, sd->feat.w, sd->feat.h,
                        sd->weights);
    free(lab);
    free(pad);
  }
  if (sd == &s->style) {
    /* the colour match's targets (color_match.h); its source is the
     * decoded output, so the content's own moments are never needed */
    sst_color_moments_compute(src, NULL, &sd->color_all);
    if (sd->weights) {
      sst_region_masks m = {sd->weights, sd->pal.n, sd->feat.w, sd->feat.h,
                            sd->block};
      sst_color_moments_compute(src, &m, sd->colors);
    }
  }
  sst_image_free(&small);
  sd->enc_w = w;
  sd->enc_h = h;
  sd->enc_layer = layer;
  sd->enc_precision = prec;
  sd->enc_valid = 1;
  return SST_OK;
}

/* Region statistics for the current pair of encodings (cached). */
static sst_status ensure_stats(sst_session *s, sst_error *err) {
  side *c = &s->content, *y = &s->style;
  if (s->stats && s->stats_content_gen == c->generation &&
      s->stats_style_gen == y->generation)
    return SST_OK;
  drop_stats(s);
  int C = c->feat.c;
  int N = c->feat.w * c->feat.h, M = y->feat.w * y->feat.h;
  int K = c->labels ? c->pal.n : 1;
  const float *ws = NULL;
  if (c->labels) {
    int match[SST_MAX_LABELS];
    for (int k = 0; k < SST_MAX_LABELS; k++)
      match[k] = -1;
    if (c->labels && y->labels)
      sst_match_labels(&c->pal, &y->pal, match);
    memcpy(s->style_label, match, sizeof match);
    s->style_weights = malloc((size_t)K * M * sizeof(float));
    if (!s->style_weights)
      return sst_fail(err, SST_ERR_NOMEM, "out of memory for style masks");
    for (int k = 0; k < K; k++) {
      float *dst = s->style_weights + (size_t)k * M;
      if (match[k] >= 0)
        memcpy(dst, y->weights + (size_t)match[k] * M, (size_t)M * sizeof(float));
      else
        for (int j = 0; j < M; j++)
          dst[j] = 1.0f; /* no such style region: the whole style image */
    }
    ws = s->style_weights;
  }
  sst_status st = sst_recon_stats_new(c->feat.data, C, N, c->labels ? c->weights : NULL,
                                      y->feat.data, M, ws, K, &s->stats, err);
  if (st != SST_OK)
    return st;
  s->stats_content_gen = c->generation;
  s->stats_style_gen = y->generation;
  return SST_OK;
}

static sst_status check_params(const sst_model *m, const sst_params *p,
                               sst_error *err) {
  if (p->kernel < SST_KERNEL_LINEAR || p->kernel > SST_KERNEL_BN)
    return sst_fail(err, SST_ERR_INVALID, "unknown style kernel %d", (int)p->kernel);
  if (p->fuse_kernel < SST_KERNEL_NONE || p->fuse_kernel > SST_KERNEL_BN)
    return sst_fail(err, SST_ERR_INVALID, "unknown fusion kernel %d",
                    (int)p->fuse_kernel);
  if (!(p->gamma >= 0 && p->gamma <= 1e6))
    return sst_fail(err, SST_ERR_INVALID, "gamma must be between 0 and 1e6");
  if (!(p->color_match >= 0 && p->color_match <= 1))
    return sst_fail(err, SST_ERR_INVALID, "color match must be between 0 and 1");
  if (!(p->fuse_weight >= 0 && p->fuse_weight <= 1e6))
    return sst_fail(err, SST_ERR_INVALID, "fuse weight must be between 0 and 1e6");
  if (!(p->poly_c >= 0 && p->poly_c <= 1e3))
    return sst_fail(err, SST_ERR_INVALID, "poly-c must be between 0 and 1000");
  if (p->iterations < 0 || p->iterations > 1000)
    return sst_fail(err, SST_ERR_INVALID, "iterations must be between 0 and 1000");
  if (p->max_size < 0 || p->style_max_size < 0)
    return sst_fail(err, SST_ERR_INVALID, "size limits must not be negative");
  if (p->layer != SST_RELU3_1 && p->layer != SST_RELU4_1)
    return sst_fail(err, SST_ERR_INVALID, "unknown feature layer %d", (int)p->layer);
  if (p->precision != SST_PRECISION_FLOAT32 &&
      p->precision != SST_PRECISION_BF16)
    return sst_fail(err, SST_ERR_INVALID, "unknown precision %d",
                    (int)p->precision);
  if (!sst_model_has_layer(m, p->layer))
    return sst_fail(err, SST_ERR_IO,
                    "no decoder for %s is installed (weights/%s is missing)",
                    sst_layer_name(p->layer), weight_names[p->layer]);
  return SST_OK;
}

typedef struct {
  const sst_recon_result *res;
  int grid_w;
} rect_ctx;

static sst_status target_rect(void *ctx, int x0, int y0, int w, int h,
                              float *out, sst_error *err) {
  const rect_ctx *rc = ctx;
  return sst_recon_result_rect(rc->res, rc->grid_w, x0, y0, w, h, out, err);
}

/* The colour match (color_match.h) on the decoded image at the processed
 * size: each content region's colours towards its style region's. */
static void match_colors(const sst_session *s, double strength,
                         sst_image *img) {
  const side *c = &s->content, *y = &s->style;
  sst_region_masks m = {c->weights, c->pal.n, c->feat.w, c->feat.h, c->block};
  const sst_region_masks *mp = c->labels ? &m : NULL;
  const int K = mp ? m.K : 1;
  sst_color_moments out[SST_MAX_LABELS];
  double maps[SST_MAX_LABELS][12];
  sst_color_moments_compute(img, mp, out);
  for (int k = 0; k < K; k++) {
    const int l = mp ? s->style_label[k] : -1;
    sst_color_map_solve(&out[k], l >= 0 ? &y->colors[l] : &y->color_all,
                        strength, maps[k]);
  }
  sst_color_apply(img, mp, (const double(*)[12])maps);
}

sst_status sst_session_run(sst_session *s, const sst_params *p, sst_image *out,
                           sst_error *err) {
  memset(out, 0, sizeof *out);
  memset(&s->timings, 0, sizeof s->timings);
  sst_status st = check_params(s->model, p, err);
  if (st != SST_OK)
    return st;
  if (!s->content.img.rgb || !s->style.img.rgb)
    return sst_fail(err, SST_ERR_INVALID, "content and style images must be set");
  sst_set_threads(p->threads);
  sst_conv_set_precision(p->precision);
  /* OpenBLAS's buffers for every worker now, or an out-of-memory later
   * would be its endless retry (blas_reserve.h) */
  st = sst_blas_reserve(sst_conv_threads(), err);
  if (st != SST_OK)
    return st;

  double t0 = sst_now();
  sst_progress root = {s->fn, s->user, "encode content", 0.0f, 1.0f, 0.0, 0};
  sst_progress pc = sst_progress_sub(&root, 0.0f, 0.35f, "encode content");
  st = encode_side(s, &s->content, p->max_size, p->layer, p->tile, &pc, err);
  if (st == SST_OK) {
    sst_progress ps = sst_progress_sub(&root, 0.35f, 0.5f, "encode style");
    st = encode_side(s, &s->style, p->style_max_size, p->layer, p->tile, &ps,
                     err);
  }
  double t1 = sst_now();
  if (st == SST_OK)
    st = ensure_stats(s, err);
  if (st != SST_OK)
    return st;

  const sst_tensor *fc = &s->content.feat;
  sst_recon_params rp = {p->kernel, p->gamma, p->poly_c, p->fuse_kernel,
                         p->fuse_weight, p->iterations};
  sst_progress pr = sst_progress_sub(&root, 0.5f, 0.6f, "reconstruct");
  sst_recon_result *res = NULL;
  st = sst_recon_solve(s->stats, &rp, &res, &pr, err);
  double t2 = sst_now();

  /* The decoder pulls the target tile by tile from the solved maps. */
  sst_tensor rgb = {0};
  if (st == SST_OK) {
    sst_progress pd = sst_progress_sub(&root, 0.6f, 1.0f, "decode");
    rect_ctx rc = {res, fc->w};
    const int f = sst_layer_cell(p->layer);
    st = sst_decode_tiled(s->model->dec[p->layer], p->layer, fc->c, fc->w,
                          fc->h, target_rect, &rc,
                          tile_size(p->tile, f * fc->w, f * fc->h), &rgb, &pd,
                          err);
  }
  sst_recon_result_free(res);
  if (st == SST_OK) {
    sst_image small = {0};
    st = sst_tensor_to_image(&rgb, s->content.enc_w, s->content.enc_h, &small, err);
    if (st == SST_OK && p->color_match > 0.0) {
      const double tc = sst_now();
      match_colors(s, p->color_match, &small);
      s->timings.color = sst_now() - tc;
    }
    if (st == SST_OK && (small.width != s->content.img.width ||
                         small.height != s->content.img.height)) {
      /* processed below full size (max_size): bring back to the content's size */
      st = sst_image_resize(&small, s->content.img.width, s->content.img.height,
                            out, err);
      sst_image_free(&small);
    } else if (st == SST_OK) {
      *out = small;
    }
  }
  sst_tensor_free(&rgb);
  double t3 = sst_now();
  if (st == SST_OK && root.fn)
    root.fn(1.0f, "done", root.user);
  s->timings.encode = t1 - t0;
  s->timings.reconstruct = t2 - t1;
  s->timings.decode = t3 - t2;
  s->timings.total = t3 - t0;
  return st;
}

void sst_session_timings(const sst_session *s, sst_timings *t) { *t = s->timings; }

sst_status sst_stylize(const sst_model *m, const sst_image *content,
                       const sst_map *content_map, const sst_image *style,
                       const sst_map *style_map, const sst_params *p,
                       sst_progress_fn fn, void *user, sst_image *out,
                       sst_error *err) {
  sst_session *s = sst_session_new(m);
  if (!s)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory for the session");
  sst_session_set_progress(s, fn, user);
  sst_status st = sst_session_set_content(s, content, content_map, err);
  if (st == SST_OK)
    st = sst_session_set_style(s, style, style_map, err);
  if (st == SST_OK)
    st = sst_session_run(s, p, out, err);
  sst_session_free(s);
  return st;
}
