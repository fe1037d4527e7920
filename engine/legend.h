/* legend.h - which regions two doodle maps make: the dialog's region legend.
 *
 * Labels both maps as the pipeline does (labels.h: dominant colours, the
 * same colour tolerance for pairing) and lists every colour found with its
 * share of its map's pixels and what the transfer will do with it. */
#ifndef SST_LEGEND_H
#define SST_LEGEND_H
#include "sst.h"

typedef enum {
  SST_REGION_MATCHED,   /* in both maps: takes its style region */
  SST_REGION_UNMATCHED, /* content only: takes the whole style image */
  SST_REGION_STYLE_ONLY /* style only: used by no content region */
} sst_region_kind;

typedef struct {
  uint8_t rgb[3];        /* the content's colour (the style's when style-only) */
  sst_region_kind kind;
  double content_share;  /* fraction of the content map's pixels (0..1) */
  double style_share;    /* fraction of the style map's pixels (0..1) */
} sst_legend_entry;

typedef struct {
  int n;
  sst_legend_entry e[2 * SST_MAX_LABELS];
} sst_legend;

/* Content regions first, in the order of the content's palette (largest
 * first), then the style-only regions (largest first).  A NULL map is one
 * region without colour: with no content map every style colour is
 * style-only (the whole content takes the whole style); with no style map
 * every content colour is unmatched.  Fails like sst_map_labels on a map
 * that is not a doodle. */
sst_status sst_region_legend(const sst_map *content, const sst_map *style,
                             sst_legend *out, sst_error *err);
#endif
