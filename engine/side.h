/* side.h - one input side of a session (the content or the style): its
 * image, its doodle map's labels, and its encodings, one per feature
 * layer.
 *
 * An encoding is what a level of the pipeline (pipeline.c, run_level)
 * needs from a side: the features at that layer, the region masks on
 * their grid and, for the style, the colour match's targets.  It is kept
 * until the image, the map, the size limit or the arithmetic change, so
 * that a gamma or kernel change re-runs only the reconstruction and the
 * decoder (the live preview's speed rests on it).  Keyed by layer, so a
 * run that uses two layers (a relu4_1 -> relu3_1 cascade) can hold both;
 * sst_side_keep drops the layers a run does not use before it encodes,
 * so a one-layer run holds one encoding at a time. */
#ifndef SST_SIDE_H
#define SST_SIDE_H
#include "color_match.h"
#include "context.h"
#include "labels.h"
#include "nn.h"
#include "spill.h"

#define SST_LAYER_COUNT 2 /* relu3_1, relu4_1 (sst_layer values) */

/* One side's encoding at one layer. */
typedef struct {
  int valid;
  int w, h;                /* processed (resized) image size */
  sst_precision precision; /* arithmetic it ran with */
  sst_tensor feat;         /* C x gh x gw features; data NULL when spilled */
  sst_spill *spill;        /* or the same features in a file (spill.h) */
  float *masks;            /* regions x grid (NULL: no map) */
  float *luma;             /* mean luminance of each grid cell (grid) */
  int block;               /* pixels per grid cell */
  /* RGB moments of the processed image per label (with a map) and of the
   * whole image: the colour match's targets, style side only */
  sst_color_moments colors[SST_MAX_LABELS], color_all;
  int generation;          /* unique per encoding (sst_side_encode) */
} sst_side_level;

typedef struct {
  /* The image: its size always; its pixels as floats in img.rgb or, for
   * an image above SST_UNTILED_MAX_PIXELS whose every value is exactly
   * an 8-bit one (q / 255.0f: what the CLI and an 8-bit GIMP layer give),
   * as those bytes in rgb8 with img.rgb NULL: a quarter of the memory, the
   * same floats back. */
  sst_image img;
  uint8_t *rgb8;
  uint8_t *labels; /* NULL: no map */
  sst_palette pal;
  sst_side_level level[SST_LAYER_COUNT];
} sst_side;

/* Replaces image and map (copied; map may be NULL), dropping every
 * encoding.  `what` ("content", "style") names the side in errors. */
sst_status sst_side_set(sst_side *sd, const sst_image *img, const sst_map *map,
                        const char *what, sst_error *err);
/* The same from interleaved RGB8, value q meaning q / 255.0f. */
sst_status sst_side_set8(sst_side *sd, int width, int height,
                         const uint8_t *rgb, const sst_map *map,
                         const char *what, sst_error *err);
/* Makes sd (freed first) the side of *img, which it takes over (*img is
 * left empty), with the regions of `like`, an image of the same size: the
 * content of a repeated pass (pipeline.c) is the last pass's result with
 * the content's map. */
sst_status sst_side_adopt(sst_side *sd, sst_image *img, const sst_side *like,
                          sst_error *err);
void sst_side_free(sst_side *sd);
/* Drops the encodings of the layers whose bit (1 << layer) is not in
 * `layers`. */
void sst_side_keep(sst_side *sd, unsigned layers);

/* What an encoding is asked for. */
typedef struct {
  const sst_net *enc;
  sst_layer layer;
  int max_side;    /* longest processed side; 0 = full size */
  double scale;    /* times the max_side fit (the style scale; 1 = as fit) */
  int tile;        /* the tile option (sst_params.tile, sst_tile_for) */
  int with_colors; /* compute the colour match's targets */
  size_t spill_bytes; /* tiled features above this many bytes go to a
                         temporary file (spill.h); 0 = never */
  const char *what; /* "content" or "style", for messages */
} sst_side_request;

/* The side's encoding for `req` with ctx's arithmetic: the cached one
 * when its size and arithmetic match, else encoded now (with its masks
 * and colours), after which *counter is incremented and becomes the new
 * encoding's generation.  The tile option does not key the cache (a tiled
 * encoding equals the one-piece one up to float32 rounding). */
sst_status sst_side_encode(sst_side *sd, const sst_side_request *req,
                           int *counter, sst_ctx *ctx,
                           const sst_side_level **out, sst_error *err);

/* Reads the rectangle [x0, x0+w) x [y0, y0+h) of a level's features,
 * in memory or spilled, as planar C x h x w. */
sst_status sst_side_features(const sst_side_level *lv, int x0, int y0, int w,
                             int h, float *out, sst_error *err);
/* Brings spilled features back into lv->feat (a method that needs them
 * whole: the Gaussian kernel, the patch method); no-op when in memory. */
sst_status sst_side_unspill(sst_side_level *lv, sst_error *err);

/* Smallest image side the encoder takes: the /8 grid must keep 2 rows and
 * columns for the reflection padding of conv4_1. */
#define SST_MIN_SIDE 16
#endif
