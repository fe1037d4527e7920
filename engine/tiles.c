/* tiles.c - tiled encoder and decoder runs (see tiles.h). */
#include <string.h>

#include "error.h"
#include "tiles.h"

int sst_layer_cell(sst_layer layer) { return sst_net_layer_cell(layer); }

int sst_tile_margin(sst_layer layer) {
  const int m = sst_net_pad_multiple(); /* tiles stay on the pooling grid */
  return (sst_net_receptive_radius(layer) + m - 1) / m * m;
}

int sst_tile_for(int opt, int w, int h) {
  if (opt < 0)
    return 0;
  if (opt > 0)
    return opt < 64 ? 64 : (opt + 7) / 8 * 8;
  return (double)w * h > SST_UNTILED_MAX_PIXELS ? SST_DEFAULT_TILE : 0;
}

/* A tile: the interior [x0,x1) x [y0,y1) and its extension [ex0,ex1) x
 * [ey0,ey1), all in the same units. */
typedef struct {
  int x0, x1, y0, y1, ex0, ex1, ey0, ey1;
} tile_rect;

static int tiles_along(int n, int tile) { return (n + tile - 1) / tile; }

static tile_rect tile_at(int i, int j, int tile, int margin, int w, int h) {
  tile_rect r;
  r.x0 = i * tile;
  r.x1 = r.x0 + tile < w ? r.x0 + tile : w;
  r.y0 = j * tile;
  r.y1 = r.y0 + tile < h ? r.y0 + tile : h;
  r.ex0 = r.x0 - margin > 0 ? r.x0 - margin : 0;
  r.ex1 = r.x1 + margin < w ? r.x1 + margin : w;
  r.ey0 = r.y0 - margin > 0 ? r.y0 - margin : 0;
  r.ey1 = r.y1 + margin < h ? r.y1 + margin : h;
  return r;
}

/* dst (c x dh x dw) at (dx, dy) <- the w x h block of src (c x sh x sw)
 * at (sx, sy). */
static void copy_block(const sst_tensor *src, int sx, int sy, sst_tensor *dst,
                       int dx, int dy, int w, int h) {
  for (int c = 0; c < src->c; c++)
    for (int y = 0; y < h; y++)
      memcpy(dst->data + ((size_t)c * dst->h + (size_t)(dy + y)) * dst->w + dx,
             src->data + ((size_t)c * src->h + (size_t)(sy + y)) * src->w + sx,
             sizeof(float) * (size_t)w);
}

/* Normalises a tile size: the whole image when <= 0 or not smaller. */
static int effective_tile(int tile, int w, int h) {
  if (tile <= 0 || (tile >= w && tile >= h))
    return w > h ? w : h;
  return (tile + 7) / 8 * 8;
}

/* The whole-tensor source and sink of sst_encode_tiled / sst_decode_tiled. */
static sst_status tensor_source(void *ctx, int x0, int y0, int w, int h,
                                float *out, sst_error *err) {
  (void)err;
  const sst_tensor *src = ctx;
  sst_tensor dst = {src->c, h, w, out};
  copy_block(src, x0, y0, &dst, 0, 0, w, h);
  return SST_OK;
}

static sst_status tensor_sink(void *ctx, int C, int x0, int y0, int w, int h,
                              const float *src, sst_error *err) {
  sst_tensor *t = ctx;
  if (!t->data)
    return sst_fail(err, SST_ERR_INVALID, "tiled run: no output tensor");
  sst_tensor s = {C, h, w, (float *)src};
  copy_block(&s, 0, 0, t, x0, y0, w, h);
  return SST_OK;
}

sst_status sst_encode_tiles(const sst_net *enc, int W, int H, sst_layer layer,
                            int tile, sst_rect_fn src, void *src_ctx,
                            sst_block_fn sink, void *sink_ctx, sst_ctx *p,
                            sst_error *err) {
  if (W <= 0 || H <= 0 || W % 8 || H % 8 || !src || !sink)
    return sst_fail(err, SST_ERR_INVALID,
                    "tiled encoder: input must be H x W, multiples of 8");
  const int f = sst_layer_cell(layer);
  tile = effective_tile(tile, W, H);
  const int nx = tiles_along(W, tile), ny = tiles_along(H, tile);
  const int margin = nx * ny > 1 ? sst_tile_margin(layer) : 0;
  sst_status st = SST_OK;
  for (int j = 0; j < ny && st == SST_OK; j++)
    for (int i = 0; i < nx && st == SST_OK; i++) {
      tile_rect r = tile_at(i, j, tile, margin, W, H);
      sst_tensor in = {0}, r31 = {0}, r41 = {0}, kept = {0};
      st = sst_tensor_alloc(&in, 3, r.ey1 - r.ey0, r.ex1 - r.ex0, err);
      if (st != SST_OK)
        break;
      st = src(src_ctx, r.ex0, r.ey0, in.w, in.h, in.data, err);
      int t = j * nx + i;
      sst_ctx tp = sst_ctx_sub(p, (float)t / (float)(nx * ny),
                                         (float)(t + 1) / (float)(nx * ny), NULL);
      if (st == SST_OK)
        st = sst_encoder_run(enc, &in, &r31, layer == SST_RELU4_1 ? &r41 : NULL,
                             p ? &tp : NULL, err);
      sst_tensor_free(&in);
      const sst_tensor *out = layer == SST_RELU4_1 ? &r41 : &r31;
      const int kw = (r.x1 - r.x0) / f, kh = (r.y1 - r.y0) / f;
      if (st == SST_OK && (kw != out->w || kh != out->h)) {
        /* only the interior goes to the sink, as one planar block */
        st = sst_tensor_alloc(&kept, out->c, kh, kw, err);
        if (st == SST_OK)
          copy_block(out, (r.x0 - r.ex0) / f, (r.y0 - r.ey0) / f, &kept, 0, 0,
                     kw, kh);
      }
      if (st == SST_OK)
        st = sink(sink_ctx, out->c, r.x0 / f, r.y0 / f, kw, kh,
                  kept.data ? kept.data : out->data, err);
      sst_tensor_free(&kept);
      sst_tensor_free(&r31);
      sst_tensor_free(&r41);
    }
  return st;
}

/* Allocates the whole feature tensor on the first block. */
typedef struct {
  sst_tensor *feat;
  int gw, gh;
} feat_sink_ctx;

static sst_status feat_sink(void *ctx, int C, int x0, int y0, int w, int h,
                            const float *src, sst_error *err) {
  feat_sink_ctx *fs = ctx;
  if (!fs->feat->data) {
    sst_status st = sst_tensor_alloc(fs->feat, C, fs->gh, fs->gw, err);
    if (st != SST_OK)
      return st;
  }
  return tensor_sink(fs->feat, C, x0, y0, w, h, src, err);
}

sst_status sst_encode_tiled(const sst_net *enc, const sst_tensor *rgb,
                            sst_layer layer, int tile, sst_tensor *feat,
                            sst_ctx *p, sst_error *err) {
  memset(feat, 0, sizeof *feat);
  if (!rgb || !rgb->data || rgb->c != 3 || rgb->w % 8 || rgb->h % 8 ||
      rgb->w <= 0 || rgb->h <= 0)
    return sst_fail(err, SST_ERR_INVALID,
                    "tiled encoder: input must be 3 x H x W, multiples of 8");
  const int W = rgb->w, H = rgb->h, f = sst_layer_cell(layer);
  tile = effective_tile(tile, W, H);
  if (tile >= W && tile >= H) { /* one piece: no copies */
    sst_tensor r31 = {0}, r41 = {0};
    sst_status st = sst_encoder_run(enc, rgb, &r31,
                                    layer == SST_RELU4_1 ? &r41 : NULL, p, err);
    if (layer == SST_RELU4_1) {
      sst_tensor_free(&r31);
      *feat = r41;
    } else {
      *feat = r31;
    }
    return st;
  }
  feat_sink_ctx fs = {feat, W / f, H / f};
  sst_status st = sst_encode_tiles(enc, W, H, layer, tile, tensor_source,
                                   (void *)rgb, feat_sink, &fs, p, err);
  if (st != SST_OK)
    sst_tensor_free(feat);
  return st;
}

sst_status sst_decode_tiles(const sst_net *dec, sst_layer layer, int C,
                            int gw, int gh, sst_feature_rect_fn fn, void *ctx,
                            int tile, sst_block_fn sink, void *sink_ctx,
                            sst_ctx *p, sst_error *err) {
  if (!dec || !fn || !sink || C <= 0 || gw <= 0 || gh <= 0)
    return sst_fail(err, SST_ERR_INVALID, "tiled decoder: invalid arguments");
  const int f = sst_layer_cell(layer);
  /* in feature cells from here on */
  int tc = effective_tile(tile, gw * f, gh * f) / f;
  if (tc < 1)
    tc = 1;
  const int nx = tiles_along(gw, tc), ny = tiles_along(gh, tc);
  const int margin = nx * ny > 1 ? sst_tile_margin(layer) / f : 0;
  sst_status st = SST_OK;
  for (int j = 0; j < ny && st == SST_OK; j++)
    for (int i = 0; i < nx && st == SST_OK; i++) {
      tile_rect r = tile_at(i, j, tc, margin, gw, gh);
      sst_tensor in = {0}, out = {0}, kept = {0};
      st = sst_tensor_alloc(&in, C, r.ey1 - r.ey0, r.ex1 - r.ex0, err);
      if (st == SST_OK)
        st = fn(ctx, r.ex0, r.ey0, in.w, in.h, in.data, err);
      int t = j * nx + i;
      sst_ctx tp = sst_ctx_sub(p, (float)t / (float)(nx * ny),
                                         (float)(t + 1) / (float)(nx * ny), NULL);
      if (st == SST_OK)
        st = sst_decoder_run(dec, &in, &out, p ? &tp : NULL, err);
      sst_tensor_free(&in);
      const int kw = (r.x1 - r.x0) * f, kh = (r.y1 - r.y0) * f;
      if (st == SST_OK && (kw != out.w || kh != out.h)) {
        st = sst_tensor_alloc(&kept, out.c, kh, kw, err);
        if (st == SST_OK)
          copy_block(&out, (r.x0 - r.ex0) * f, (r.y0 - r.ey0) * f, &kept, 0, 0,
                     kw, kh);
      }
      if (st == SST_OK)
        st = sink(sink_ctx, out.c, r.x0 * f, r.y0 * f, kw, kh,
                  kept.data ? kept.data : out.data, err);
      sst_tensor_free(&kept);
      sst_tensor_free(&out);
    }
  return st;
}

sst_status sst_decode_tiled(const sst_net *dec, sst_layer layer, int C, int gw,
                            int gh, sst_feature_rect_fn fn, void *ctx, int tile,
                            sst_tensor *rgb, sst_ctx *p, sst_error *err) {
  memset(rgb, 0, sizeof *rgb);
  if (!dec || !fn || C <= 0 || gw <= 0 || gh <= 0)
    return sst_fail(err, SST_ERR_INVALID, "tiled decoder: invalid arguments");
  const int f = sst_layer_cell(layer);
  sst_status st = sst_tensor_alloc(rgb, 3, gh * f, gw * f, err);
  if (st == SST_OK)
    st = sst_decode_tiles(dec, layer, C, gw, gh, fn, ctx, tile, tensor_sink,
                          rgb, p, err);
  if (st != SST_OK)
    sst_tensor_free(rgb);
  return st;
}
