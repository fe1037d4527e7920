/* tiles.h - encoder and decoder runs over overlapping tiles, so that any
 * image size runs in bounded memory with the result of a run in one piece.
 *
 * An output of a convolutional network depends only on the inputs within
 * its receptive radius.  Each tile is therefore extended by a margin of at
 * least that radius (clipped at the image border, where the tile's own
 * reflection padding is the image's), run on its own, and only its
 * interior is kept: the interior equals the untiled result up to float32
 * rounding order.  Tile origins, sizes and margins are multiples of 8 px so
 * that every pooling window lines up with the whole image's. */
#ifndef SST_TILES_H
#define SST_TILES_H
#include "nn.h"

/* Side of a feature-grid cell in image pixels: 4 for relu3_1, 8 for
 * relu4_1 (sst_net_layer_cell: from the encoder's table). */
int sst_layer_cell(sst_layer layer);

/* Overlap in image pixels for a feature layer: the receptive radius (10 px
 * for relu3_1 and its decoder, 30 px for relu4_1) rounded up to the
 * encoder's stride, 8 (both from the network tables, nn.h). */
int sst_tile_margin(sst_layer layer);

/* Tile side for a padded w x h image under the tile option (sst_params
 * .tile): 0 (one piece) when tiling is off or not needed. */
int sst_tile_for(int opt, int w, int h);

/* Supplies a rectangle [x0, x0+w) x [y0, y0+h) of planar input: 3 x h x w
 * image pixels for the encoder, C x h x w features for the decoder. */
typedef sst_status (*sst_rect_fn)(void *ctx, int x0, int y0, int w, int h,
                                  float *out, sst_error *err);
/* Takes a finished C x h x w planar block of output at (x0, y0): a tile's
 * interior, in feature cells (encoder) or image pixels (decoder). */
typedef sst_status (*sst_block_fn)(void *ctx, int C, int x0, int y0, int w,
                                   int h, const float *src, sst_error *err);

/* The tiled encoder with the input pulled and the output pushed a tile at
 * a time, so neither the W x H image tensor nor the features need exist
 * whole (W, H multiples of 8; tile as below).  Blocks arrive row-major by
 * tile. */
sst_status sst_encode_tiles(const sst_net *enc, int W, int H, sst_layer layer,
                            int tile, sst_rect_fn src, void *src_ctx,
                            sst_block_fn sink, void *sink_ctx, sst_ctx *p,
                            sst_error *err);

/* Encodes a 3 x H x W tensor (H, W multiples of 8) into the features of
 * `layer` (C x H/f x W/f, f = 4 or 8) in tiles of `tile` px (a multiple of
 * 8; <= 0 or >= the image: one piece). */
sst_status sst_encode_tiled(const sst_net *enc, const sst_tensor *rgb,
                            sst_layer layer, int tile, sst_tensor *feat,
                            sst_ctx *p, sst_error *err);

/* Supplies the decoder input for the feature-grid rectangle
 * [x0, x0+w) x [y0, y0+h): C x h x w into out. */
typedef sst_status (*sst_feature_rect_fn)(void *ctx, int x0, int y0, int w,
                                          int h, float *out, sst_error *err);

/* Decodes a C x gh x gw feature grid, produced tile by tile by fn, into
 * blocks of the 3 x (f gh) x (f gw) result pushed to sink; tile in image
 * px as above. */
sst_status sst_decode_tiles(const sst_net *dec, sst_layer layer, int C,
                            int gw, int gh, sst_feature_rect_fn fn, void *ctx,
                            int tile, sst_block_fn sink, void *sink_ctx,
                            sst_ctx *p, sst_error *err);
/* The same into a whole 3 x (f gh) x (f gw) tensor. */
sst_status sst_decode_tiled(const sst_net *dec, sst_layer layer, int C, int gw,
                            int gh, sst_feature_rect_fn fn, void *ctx, int tile,
                            sst_tensor *rgb, sst_ctx *p, sst_error *err);
#endif
