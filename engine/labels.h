/* labels.h - semantic doodle maps: colours -> labels -> soft feature masks. */
#ifndef SST_LABELS_H
#define SST_LABELS_H
#include "sst.h"

typedef struct {
  int n;                              /* number of labels, 1..SST_MAX_LABELS */
  uint8_t rgb[SST_MAX_LABELS][3];     /* label colours */
} sst_palette;

/* Finds the map's dominant colours and snaps every pixel (anti-aliased or
 * JPEG-noisy edges included) to the nearest one.  labels gets w*h label
 * indices.  Fails with SST_ERR_MAP when the map has too many colours to be a
 * doodle (dominant colours do not cover most of the map, or more than
 * SST_MAX_LABELS of them). */
sst_status sst_map_labels(const sst_map *map, uint8_t *labels, sst_palette *pal,
                          sst_error *err);

/* For each content label, the style label of the same colour (nearest within
 * a small RGB tolerance), or -1 when the style map has no such region (that
 * content region then takes the whole style image). */
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
