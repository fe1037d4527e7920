/* pipeline.c - model loading and the cached encode -> reconstruct -> decode
 * session behind both the CLI and the plug-in.
 *
 * A session keeps the content and style encodings (side.h) and their region
 * statistics, so that changing gamma, the kernel or the iteration count only
 * re-runs the reconstruction and the decoder (what a live preview needs).
 * A run is one level step (run_level) at the requested layer; each call
 * builds its own context (context.h) from its parameters and hands it
 * down, so sessions in different threads do not share settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_reserve.h"
#include "color_match.h"
#include "conv_par.h" /* sst_blas_single_thread */
#include "error.h"
#include "image.h"
#include "labels.h"
#include "nn.h"
#include "pipeline.h"
#include "preserve_colors.h"
#include "reconstruct.h"
#include "settings.h"
#include "side.h"
#include "tiles.h"

struct sst_model {
  sst_net *enc;
  sst_net *dec[2]; /* by sst_layer; either may be NULL, not both */
};

/* Reconstruction statistics for one pair of encodings (a level), kept
 * while their generations are the same. */
typedef struct {
  sst_recon_stats *stats;
  int content_gen, style_gen;
  int streamed;         /* built on spilled content (streamed stats) */
  float *style_weights; /* K x M, style weights per content region */
  int style_label[SST_MAX_LABELS]; /* per content region; -1 = whole style */
} stats_cache;

struct sst_session {
  const sst_model *model;
  sst_progress_fn fn;
  void *user;
  sst_side content, style;
  /* the first pass's statistics, kept between runs (the preview's speed);
   * a repeated pass's content is new every run, so its are not kept */
  stats_cache stats;
  size_t spill_bytes; /* the content's tiled features above this go to a file */
  int drop_content;   /* !sst_session_set_keep_content: free after pass 1 */
  sst_session_counts counts;       /* encodes and statistics, for tests */
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
  if (s) {
    s->model = m;
    s->spill_bytes = SST_SPILL_BYTES;
  }
  return s;
}

static void drop_stats(stats_cache *sc) {
  sst_recon_stats_free(sc->stats);
  free(sc->style_weights);
  memset(sc, 0, sizeof *sc);
}

void sst_session_free(sst_session *s) {
  if (!s)
    return;
  drop_stats(&s->stats);
  sst_side_free(&s->content);
  sst_side_free(&s->style);
  free(s);
}

void sst_session_set_progress(sst_session *s, sst_progress_fn fn, void *user) {
  s->fn = fn;
  s->user = user;
}

sst_status sst_session_set_content(sst_session *s, const sst_image *img,
                                   const sst_map *map, sst_error *err) {
  return sst_side_set(&s->content, img, map, "content", err);
}

sst_status sst_session_set_style(sst_session *s, const sst_image *img,
                                 const sst_map *map, sst_error *err) {
  return sst_side_set(&s->style, img, map, "style", err);
}

void sst_session_set_spill_bytes(sst_session *s, size_t bytes) {
  s->spill_bytes = bytes;
}

void sst_session_set_keep_content(sst_session *s, int keep) {
  s->drop_content = !keep;
}

static sst_status read_content(void *ctx, int x0, int y0, int w, int h,
                               float *out, sst_error *err) {
  return sst_side_features(ctx, x0, y0, w, h, out, err);
}

sst_status sst_session_set_content8(sst_session *s, int width, int height,
                                    const uint8_t *rgb, const sst_map *map,
                                    sst_error *err) {
  return sst_side_set8(&s->content, width, height, rgb, map, "content", err);
}

sst_status sst_session_set_style8(sst_session *s, int width, int height,
                                  const uint8_t *rgb, const sst_map *map,
                                  sst_error *err) {
  return sst_side_set8(&s->style, width, height, rgb, map, "style", err);
}

/* The reconstruction's share of the run's settings (one place, so a new
 * reconstruction setting is passed on by both the statistics and the
 * solve). */
static sst_recon_params recon_params_of(const sst_params *p) {
  const sst_recon_params rp = {p->kernel,      p->gamma,       p->poly_c,
                               p->fuse_kernel, p->fuse_weight, p->iterations,
                               p->method,      p->patch_size,  p->patch_blend,
                               p->patch_spread, p->patch_guide};
  return rp;
}

/* Region statistics for a level's pair of encodings (cached: generations
 * are unique per encoding, so they also tell the layers apart).  Spilled
 * content features stay in their file when the method keeps to region
 * maps (sst_recon_streamable); a method that needs them whole reads them
 * back into memory first. */
static sst_status ensure_stats(sst_session *s, stats_cache *sc,
                               const sst_side *cs, sst_side_level *c,
                               const sst_side_level *y, const sst_params *p,
                               const sst_ctx *ctx, sst_error *err) {
  const sst_side *ys = &s->style;
  sst_recon_params rp = recon_params_of(p);
  const int stream = c->spill && sst_recon_streamable(&rp);
  if (sc->stats && sc->content_gen == c->generation &&
      sc->style_gen == y->generation && (!sc->streamed || stream))
    return SST_OK;
  drop_stats(sc);
  if (c->spill && !stream) {
    sst_status st = sst_side_unspill(c, err);
    if (st != SST_OK)
      return st;
  }
  int C = c->feat.c;
  int N = c->feat.w * c->feat.h, M = y->feat.w * y->feat.h;
  int K = cs->labels ? cs->pal.n : 1;
  const float *ws = NULL;
  if (cs->labels) {
    int match[SST_MAX_LABELS];
    for (int k = 0; k < SST_MAX_LABELS; k++)
      match[k] = -1;
    if (ys->labels)
      sst_match_labels(&cs->pal, &ys->pal, match);
    memcpy(sc->style_label, match, sizeof match);
    sc->style_weights = malloc((size_t)K * M * sizeof(float));
    if (!sc->style_weights)
      return sst_fail(err, SST_ERR_NOMEM, "out of memory for style masks");
    for (int k = 0; k < K; k++) {
      float *dst = sc->style_weights + (size_t)k * M;
      if (match[k] >= 0)
        memcpy(dst, y->masks + (size_t)match[k] * M, (size_t)M * sizeof(float));
      else
        for (int j = 0; j < M; j++)
          dst[j] = 1.0f; /* no such style region: the whole style image */
    }
    ws = sc->style_weights;
  }
  sst_feature_reader rd = {read_content, c};
  sst_status st =
      stream ? sst_recon_stats_new_streamed(&rd, C, N, c->feat.w, c->masks,
                                            y->feat.data, M, ws, K, &sc->stats,
                                            ctx, err)
             : sst_recon_stats_new(c->feat.data, C, N, c->masks, y->feat.data,
                                   M, ws, K, &sc->stats, ctx, err);
  if (st == SST_OK) /* the patch method works on the grids */
    st = sst_recon_stats_set_grids(sc->stats, c->feat.w, y->feat.w, err);
  if (st == SST_OK)
    sst_recon_stats_set_guides(sc->stats, c->luma, y->luma);
  if (st != SST_OK)
    return st;
  s->counts.stats_builds++;
  sc->content_gen = c->generation;
  sc->style_gen = y->generation;
  sc->streamed = stream;
  s->counts.streamed_stats += stream;
  return SST_OK;
}

/* Ranges and choices come from the settings table (settings.c). */
static sst_status check_params(const sst_model *m, const sst_params *p,
                               sst_error *err) {
  sst_status st = sst_params_check(p, err);
  if (st != SST_OK)
    return st;
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

/* The decoder's tiles go straight into the result image, clamped to
 * [0,1] and cropped to its size (the padding is dropped). */
static sst_status image_sink(void *ctx, int C, int x0, int y0, int w, int h,
                             const float *src, sst_error *err) {
  sst_image *img = ctx;
  if (C != 3)
    return sst_fail(err, SST_ERR_INVALID, "decoder output has %d channels", C);
  const size_t plane = (size_t)w * h;
  for (int y = 0; y < h && y0 + y < img->height; y++)
    for (int x = 0; x < w && x0 + x < img->width; x++)
      for (int c = 0; c < 3; c++) {
        float v = src[c * plane + (size_t)y * w + x];
        v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        img->rgb[((size_t)(y0 + y) * img->width + x0 + x) * 3 + c] = v;
      }
  return SST_OK;
}

static sst_status target_rect(void *ctx, int x0, int y0, int w, int h,
                              float *out, sst_error *err) {
  const rect_ctx *rc = ctx;
  return sst_recon_result_rect(rc->res, rc->grid_w, x0, y0, w, h, out, err);
}

/* The colour match (color_match.h) on the decoded image at the processed
 * size: each content region's colours towards its style region's. */
static void match_colors(const stats_cache *sc, const sst_side *cs,
                         const sst_side_level *c, const sst_side_level *y,
                         double strength, sst_image *img, const sst_ctx *ctx) {
  sst_region_masks m = {c->masks, cs->pal.n, c->feat.w, c->feat.h, c->block};
  const sst_region_masks *mp = cs->labels ? &m : NULL;
  const int K = mp ? m.K : 1;
  sst_color_moments out[SST_MAX_LABELS];
  double maps[SST_MAX_LABELS][12];
  sst_color_moments_compute(img, mp, out, ctx);
  for (int k = 0; k < K; k++) {
    const int l = mp ? sc->style_label[k] : -1;
    sst_color_map_solve(&out[k], l >= 0 ? &y->colors[l] : &y->color_all,
                        strength, maps[k]);
  }
  sst_color_apply(img, mp, (const double(*)[12])maps, ctx);
}

/* Progress shares of a level: encoding the content, the style, the
 * reconstruction, the decoder (with the colour match). */
static const float LEVEL_SPLIT[5] = {0.0f, 0.35f, 0.5f, 0.6f, 1.0f};

/* One level of the pipeline: the content side cs and the style encoded
 * at `layer` (cached), their statistics (cached in sc), the
 * reconstruction, the decoder and the colour match.  *out gets the result
 * at the content's processed size.  cs is the session's content or, in a
 * repeated pass, the last pass's result (*encodes counts its encodings).
 * A multi-level run (a relu4_1 -> relu3_1 cascade) would call it once per
 * layer; the side cache is keyed by layer for that. */
static sst_status run_level(sst_session *s, sst_side *cs, stats_cache *sc,
                            int *encodes, sst_layer layer,
                            const sst_params *p, sst_ctx *ctx, sst_image *out,
                            sst_error *err) {
  memset(out, 0, sizeof *out);
  const double t0 = sst_now();
  const sst_side_level *cc = NULL, *y = NULL;
  sst_side_request rq = {s->model->enc, layer,  p->max_size,   1.0,
                         p->tile,      0,      s->spill_bytes, "content"};
  sst_ctx pc = sst_ctx_sub(ctx, LEVEL_SPLIT[0], LEVEL_SPLIT[1],
                           "encode content");
  sst_status st = sst_side_encode(cs, &rq, encodes, &pc, &cc, err);
  /* A repeated pass's content (the last pass's float result, whole) is
   * read only by its encoding: it goes before the decoder allocates this
   * pass's result (48 MP: 576 MB off the peak). */
  if (st == SST_OK && cs != &s->content)
    sst_image_free(&cs->img);
  /* the session's own level: ensure_stats may read spilled features back */
  sst_side_level *c = (sst_side_level *)cc;
  if (st == SST_OK) {
    sst_side_request ry = {s->model->enc, layer, p->style_max_size,
                           p->style_scale, p->tile, 1, 0,  "style"};
    sst_ctx ps = sst_ctx_sub(ctx, LEVEL_SPLIT[1], LEVEL_SPLIT[2],
                             "encode style");
    st = sst_side_encode(&s->style, &ry, &s->counts.style_encodes, &ps, &y,
                         err);
  }
  const double t1 = sst_now();
  if (st == SST_OK)
    st = ensure_stats(s, sc, cs, c, y, p, ctx, err);
  if (st != SST_OK)
    return st;

  sst_recon_params rp = recon_params_of(p);
  sst_ctx pr = sst_ctx_sub(ctx, LEVEL_SPLIT[2], LEVEL_SPLIT[3], "reconstruct");
  sst_recon_result *res = NULL;
  st = sst_recon_solve(sc->stats, &rp, &res, &pr, err);
  const double t2 = sst_now();

  /* The decoder pulls the target tile by tile from the solved maps and
   * pushes its tiles into the result. */
  if (st == SST_OK && sst_image_alloc(out, c->w, c->h) != SST_OK)
    st = sst_fail(err, SST_ERR_NOMEM, "out of memory for the %dx%d result",
                  c->w, c->h);
  if (st == SST_OK) {
    sst_ctx pd = sst_ctx_sub(ctx, LEVEL_SPLIT[3], LEVEL_SPLIT[4], "decode");
    rect_ctx rc = {res, c->feat.w};
    const int f = sst_layer_cell(layer);
    st = sst_decode_tiles(s->model->dec[layer], layer, c->feat.c, c->feat.w,
                          c->feat.h, target_rect, &rc,
                          sst_tile_for(p->tile, f * c->feat.w, f * c->feat.h),
                          image_sink, out, &pd, err);
  }
  sst_recon_result_free(res);
  if (st != SST_OK)
    sst_image_free(out);
  if (st == SST_OK && p->color_match > 0.0) {
    const double tc = sst_now();
    match_colors(sc, cs, c, y, p->color_match, out, ctx);
    s->timings.color += sst_now() - tc;
  }
  s->timings.encode += t1 - t0;
  s->timings.reconstruct += t2 - t1;
  s->timings.decode += sst_now() - t2;
  return st;
}

sst_status sst_session_run(sst_session *s, const sst_params *p, sst_image *out,
                           sst_error *err) {
  memset(out, 0, sizeof *out);
  memset(&s->timings, 0, sizeof s->timings);
  sst_status st = check_params(s->model, p, err);
  if (st != SST_OK)
    return st;
  if (!s->content.img.width || !s->style.img.width)
    return sst_fail(err, SST_ERR_INVALID, "content and style images must be set");
  sst_blas_single_thread();
  /* everything this call may vary, handed down (context.h) */
  sst_ctx ctx = sst_ctx_make(p->threads, p->precision, s->fn, s->user,
                             "encode content");
  /* OpenBLAS's buffers for every worker now, or an out-of-memory later
   * would be its endless retry (blas_reserve.h) */
  st = sst_blas_reserve(sst_ctx_threads(&ctx), err);
  if (st != SST_OK)
    return st;

  const double t0 = sst_now();
  /* one level; the encodings of layers this run does not use go first,
   * so a layer change never holds two encodings of a side */
  sst_side_keep(&s->content, 1u << p->layer);
  sst_side_keep(&s->style, 1u << p->layer);
  /* Passes: each after the first takes the last one's result, at the
   * content's size and with the content's map, as its content, and the
   * style's encoding and colour targets as they are.  The decoder draws
   * less of the matched statistics than the features ask for; matching
   * its result again moves more of the style's texture each time
   * (measured: README, "Passes"). */
  sst_side again = {0};
  stats_cache again_stats = {0};
  for (int pass = 0; st == SST_OK && pass < p->passes; pass++) {
    const float n = (float)p->passes;
    sst_ctx pc = sst_ctx_sub(&ctx, pass / n, (pass + 1) / n, "encode content");
    sst_image small = {0}, full = {0};
    if (pass == 0)
      st = run_level(s, &s->content, &s->stats, &s->counts.content_encodes,
                     p->layer, p, &pc, &small, err);
    else
      st = run_level(s, &again, &again_stats, &s->counts.repeat_encodes,
                     p->layer, p, &pc, &small, err);
    if (st == SST_OK && (small.width != s->content.img.width ||
                         small.height != s->content.img.height)) {
      /* processed below full size (max_size): back to the content's size */
      const double tr = sst_now();
      st = sst_image_resize(&small, s->content.img.width,
                            s->content.img.height, &full, err);
      sst_image_free(&small);
      s->timings.decode += sst_now() - tr;
    } else if (st == SST_OK) {
      full = small;
    }
    if (st == SST_OK && pass + 1 < p->passes) {
      /* a one-run session: the repeated passes need only the content's
       * labels and colours, so its features go before pass 2 adds its own */
      if (pass == 0 && s->drop_content) {
        drop_stats(&s->stats);
        sst_side_keep(&s->content, 0);
      }
      st = sst_side_adopt(&again, &full, &s->content, err);
      sst_image_free(&full);
    } else if (st == SST_OK) {
      *out = full;
    }
  }
  drop_stats(&again_stats);
  sst_side_free(&again);
  /* last, at full size, so the chroma is the content's own */
  if (st == SST_OK && p->preserve_colors && s->content.rgb8)
    sst_preserve_colors8(out, s->content.rgb8, s->content.img.width,
                         s->content.img.height, &ctx);
  else if (st == SST_OK && p->preserve_colors)
    sst_preserve_colors(out, &s->content.img, &ctx);
  if (st == SST_OK && ctx.fn)
    ctx.fn(1.0f, "done", ctx.user);
  s->timings.total = sst_now() - t0;
  return st;
}

void sst_session_counts_get(const sst_session *s, sst_session_counts *out) {
  *out = s->counts;
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
  sst_session_set_keep_content(s, 0);
  sst_status st = sst_session_set_content(s, content, content_map, err);
  if (st == SST_OK)
    st = sst_session_set_style(s, style, style_map, err);
  if (st == SST_OK)
    st = sst_session_run(s, p, out, err);
  sst_session_free(s);
  return st;
}
