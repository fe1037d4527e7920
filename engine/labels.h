/* labels.h - semantic doodle maps: colours -> labels -> soft feature masks. */
#ifndef SST_LABELS_H
#define SST_LABELS_H
#include "sst.h"

typedef struct {
  int n;                              /* number of labels, 0..SST_MAX_LABELS */
  uint8_t rgb[SST_MAX_LABELS][3];     /* label colours */
  int unpainted; /* non-zero: label n-1 is the map's unpainted pixels (alpha
                    under SST_MAP_PAINTED_ALPHA); its colour means nothing */
} sst_palette;

/* Finds the map's dominant colours among its painted pixels and snaps every
 * painted pixel (anti-aliased or JPEG-noisy edges included) to the nearest
 * one; unpainted pixels, if any, get one more label (pal->unpainted).  A map
 * without a painted pixel gives pal->n == 0: "no map".  labels gets w*h
 * label indices.  Fails with SST_ERR_MAP when the map has too many colours
 * to be a doodle (dominant colours do not cover most of the painted pixels,
 * or more than SST_MAX_LABELS labels would be needed). */
sst_status sst_map_labels(const sst_map *map, uint8_t *labels, sst_palette *pal,
                          sst_error *err);

/* For each content label, the style label of the same colour (nearest within
 * a small RGB tolerance), or -1 when the style map has no such region (that
 * content region then takes the whole style image).  Unpainted pairs with
 * unpainted only: the content's unpainted label takes the style's unpainted
 * label, or -1 when the style map is fully painted; a painted colour never
 * pairs with the style's unpainted label. */
void sst_match_labels(const sst_palette *content, const sst_palette *style,
                      int *style_label_of_content);

/* Area-downsamples a label image to a feature grid: weights[k*gw*gh + y*gw+x]
 * is the fraction of pixels of label k in the block x block cell (x, y).
 * Pixels outside gw*block x gh*block are ignored.  Weights of a cell sum to 1. */
void sst_mask_downsample(const uint8_t *labels, int w, int h, int nlabels,
                         int block, int gw, int gh, float *weights);

/* The region masks of a side's map for one encoding: the lw x lh labels
 * resized (nearest) to the processed size w x h, mirror-padded to pw x ph
 * like the image, area-downsampled to the gw x gh feature grid of
 * block x block cells.  *out gets nlabels x gw x gh weights (malloc'ed;
 * NULL on failure). */
sst_status sst_label_masks(const uint8_t *labels, int lw, int lh, int nlabels,
                           int w, int h, int pw, int ph, int block, int gw,
                           int gh, float **out, sst_error *err);
#endif
