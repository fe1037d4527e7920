/* legend.c - the region legend (legend.h) from the pipeline's own labelling
 * and pairing, so what the dialog shows is what the run will do. */
#include "legend.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "labels.h"

/* Labels map and counts each label's pixels; *n = 0 for no map. */
static sst_status label_shares(const sst_map *map, sst_palette *pal,
                               double *share, sst_error *err) {
  memset(pal, 0, sizeof *pal);
  if (!map)
    return SST_OK;
  size_t npix = (size_t)map->width * (size_t)map->height;
  uint8_t *lab = malloc(npix ? npix : 1);
  if (!lab)
    return sst_fail(err, SST_ERR_NOMEM, "region legend: out of memory");
  sst_status st = sst_map_labels(map, lab, pal, err);
  if (st == SST_OK) {
    size_t count[SST_MAX_LABELS] = {0};
    for (size_t i = 0; i < npix; i++)
      count[lab[i]]++;
    for (int k = 0; k < pal->n; k++)
      share[k] = (double)count[k] / (double)npix;
  }
  free(lab);
  return st;
}

sst_status sst_region_legend(const sst_map *content, const sst_map *style,
                             sst_legend *out, sst_error *err) {
  if (!out)
    return sst_fail(err, SST_ERR_INVALID, "region legend: missing argument");
  memset(out, 0, sizeof *out);
  sst_palette cp, sp;
  double cshare[SST_MAX_LABELS] = {0}, sshare[SST_MAX_LABELS] = {0};
  sst_status st = label_shares(content, &cp, cshare, err);
  if (st == SST_OK)
    st = label_shares(style, &sp, sshare, err);
  if (st != SST_OK)
    return st;

  int partner[SST_MAX_LABELS], used[SST_MAX_LABELS] = {0};
  for (int k = 0; k < SST_MAX_LABELS; k++)
    partner[k] = -1;
  if (content && style)
    sst_match_labels(&cp, &sp, partner);
  for (int k = 0; k < cp.n; k++) {
    sst_legend_entry *e = &out->e[out->n++];
    memcpy(e->rgb, cp.rgb[k], 3);
    e->content_share = cshare[k];
    if (partner[k] >= 0) {
      e->kind = SST_REGION_MATCHED;
      e->style_share = sshare[partner[k]];
      used[partner[k]] = 1;
    } else {
      e->kind = SST_REGION_UNMATCHED;
    }
  }
  for (int j = 0; j < sp.n; j++) {
    if (used[j])
      continue;
    sst_legend_entry *e = &out->e[out->n++];
    memcpy(e->rgb, sp.rgb[j], 3);
    e->kind = SST_REGION_STYLE_ONLY;
    e->style_share = sshare[j];
  }
  return SST_OK;
}
