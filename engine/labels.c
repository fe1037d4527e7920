/* labels.c - doodle maps: exact-colour histogram, dominant colours, snapping
 * of anti-aliased / JPEG-noisy pixels, label matching, mask downsampling. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "image.h" /* sst_labels_resize, sst_labels_pad */
#include "labels.h"

#define MERGE_DIST2 (24 * 24) /* JPEG noise: same colour */
#define COVER_DIST2 (20 * 20) /* "close to a dominant colour": JPEG/AA noise */
#define MATCH_DIST2 (48 * 48) /* content/style label of the same colour */
#define COVER_FRACTION 0.90

/* Open-addressing hash table of 24-bit colours -> count (and later label). */
typedef struct {
  uint32_t key; /* colour + 1, 0 = empty */
  uint32_t count;
  int label;
} hist_entry;

typedef struct {
  hist_entry *e;
  size_t cap, used;
} hist;

static size_t hash_slot(uint32_t key, size_t cap) {
  uint32_t h = key * 2654435761u;
  h ^= h >> 15;
  return (size_t)h & (cap - 1);
}

static hist_entry *hist_find(hist *t, uint32_t key) {
  size_t i = hash_slot(key, t->cap);
  while (t->e[i].key && t->e[i].key != key)
    i = (i + 1) & (t->cap - 1);
  return &t->e[i];
}

static int hist_grow(hist *t) {
  hist n = {calloc(t->cap * 2, sizeof(hist_entry)), t->cap * 2, t->used};
  if (!n.e)
    return -1;
  for (size_t i = 0; i < t->cap; i++)
    if (t->e[i].key)
      *hist_find(&n, t->e[i].key) = t->e[i];
  free(t->e);
  *t = n;
  return 0;
}

static int hist_add(hist *t, uint32_t colour) {
  if (2 * (t->used + 1) > t->cap && hist_grow(t))
    return -1;
  hist_entry *e = hist_find(t, colour + 1);
  if (!e->key) {
    e->key = colour + 1;
    t->used++;
  }
  e->count++;
  return 0;
}

static int dist2(uint32_t a, uint32_t b) {
  int dr = (int)(a >> 16 & 255) - (int)(b >> 16 & 255);
  int dg = (int)(a >> 8 & 255) - (int)(b >> 8 & 255);
  int db = (int)(a & 255) - (int)(b & 255);
  return dr * dr + dg * dg + db * db;
}

typedef struct {
  uint32_t colour, count;
} cand;

static int cand_cmp(const void *pa, const void *pb) {
  const cand *a = pa, *b = pb;
  if (a->count != b->count)
    return a->count > b->count ? -1 : 1;
  return a->colour < b->colour ? -1 : a->colour > b->colour;
}

sst_status sst_map_labels(const sst_map *map, uint8_t *labels, sst_palette *pal,
                          sst_error *err) {
  if (!map || !labels || !pal)
    return sst_fail(err, SST_ERR_INVALID, "map labels: missing argument");
  if (map->width <= 0 || map->height <= 0 || !map->rgb)
    return sst_fail(err, SST_ERR_MAP, "semantic map is empty (%dx%d)",
                    map->width, map->height);
  if ((size_t)map->width > SIZE_MAX / 3 / (size_t)map->height)
    return sst_fail(err, SST_ERR_MAP, "semantic map too large");
  const size_t npix = (size_t)map->width * (size_t)map->height;
  const uint8_t *px = map->rgb, *alpha = map->alpha;
#define PAINTED(i) (!alpha || alpha[i] >= SST_MAP_PAINTED_ALPHA)
  /* Thresholds below are fractions of the painted pixels: a doodle painted
   * over part of a transparent layer is judged on what was painted. */
  size_t npaint = 0;
  for (size_t i = 0; i < npix; i++)
    npaint += PAINTED(i);
  memset(pal, 0, sizeof *pal);
  if (npaint == 0) { /* nothing painted: the caller runs without this map */
    memset(labels, 0, npix);
    return SST_OK;
  }
  const int has_unpainted = npaint < npix;
  const int max_colours = SST_MAX_LABELS - has_unpainted;

  hist t = {calloc(4096, sizeof(hist_entry)), 4096, 0};
  if (!t.e)
    return sst_fail(err, SST_ERR_NOMEM, "map labels: out of memory");
  for (size_t i = 0; i < npix; i++) {
    if (!PAINTED(i))
      continue;
    uint32_t c = (uint32_t)px[3 * i] << 16 | (uint32_t)px[3 * i + 1] << 8 |
                 px[3 * i + 2];
    if (hist_add(&t, c)) {
      free(t.e);
      return sst_fail(err, SST_ERR_NOMEM, "map labels: out of memory");
    }
  }

  /* Dominant colours: frequent enough, taken by decreasing count, near
   * duplicates (JPEG noise) merged into the colour already chosen. */
  double thr_f = 0.001 * (double)npaint;
  size_t thr =
      thr_f > 4.0 ? (size_t)thr_f + (thr_f > (double)(size_t)thr_f) : 4;
  size_t ncand = 0;
  for (size_t i = 0; i < t.cap; i++)
    if (t.e[i].key && t.e[i].count >= thr)
      ncand++;
  cand *cs = malloc(sizeof(cand) * (ncand ? ncand : 1));
  if (!cs) {
    free(t.e);
    return sst_fail(err, SST_ERR_NOMEM, "map labels: out of memory");
  }
  ncand = 0;
  for (size_t i = 0; i < t.cap; i++)
    if (t.e[i].key && t.e[i].count >= thr)
      cs[ncand++] = (cand){t.e[i].key - 1, t.e[i].count};
  qsort(cs, ncand, sizeof(cand), cand_cmp);
  cand dom[SST_MAX_LABELS + 1];
  int ndom = 0;
  for (size_t i = 0; i < ncand && ndom <= max_colours; i++) {
    int merged = 0;
    for (int d = 0; d < ndom && !merged; d++)
      if (dist2(cs[i].colour, dom[d].colour) <= MERGE_DIST2) {
        dom[d].count += cs[i].count;
        merged = 1;
      }
    if (!merged)
      dom[ndom++] = cs[i];
  }
  free(cs);
  size_t covered = 0;
  if (ndom <= max_colours && ndom > 0)
    for (size_t i = 0; i < t.cap; i++) {
      if (!t.e[i].key)
        continue;
      for (int d = 0; d < ndom; d++)
        if (dist2(t.e[i].key - 1, dom[d].colour) <= COVER_DIST2) {
          covered += t.e[i].count;
          break;
        }
    }
  if (ndom == 0 || ndom > max_colours ||
      (double)covered < COVER_FRACTION * (double)npaint) {
    size_t distinct = t.used;
    free(t.e);
    /* the search for dominant colours stops at one past the limit, so
     * that is all it knows: "more than 16", never a made-up count */
    if (ndom > max_colours)
      return sst_fail(err, SST_ERR_MAP,
                      "map has too many colours to be a doodle (more than %d "
                      "flat colours, %zu distinct in all; paint flat regions "
                      "with at most %d colours%s)",
                      max_colours, distinct, max_colours,
                      has_unpainted ? " besides the unpainted part" : "");
    return sst_fail(err, SST_ERR_MAP,
                    "map has too many colours to be a doodle (%zu distinct "
                    "colours, no flat regions covering it; paint flat regions "
                    "with at most %d colours%s)",
                    distinct, max_colours,
                    has_unpainted ? " besides the unpainted part" : "");
  }
  /* Palette order: decreasing pixel count (merged counts; stable sort keeps
   * the selection order on ties). */
  for (int a = 1; a < ndom; a++)
    for (int b = a; b > 0 && dom[b].count > dom[b - 1].count; b--) {
      cand tmp = dom[b];
      dom[b] = dom[b - 1];
      dom[b - 1] = tmp;
    }
  pal->n = ndom;
  for (int d = 0; d < ndom; d++) {
    pal->rgb[d][0] = (uint8_t)(dom[d].colour >> 16);
    pal->rgb[d][1] = (uint8_t)(dom[d].colour >> 8);
    pal->rgb[d][2] = (uint8_t)dom[d].colour;
  }
  /* Nearest dominant colour per distinct colour (ties: lower index). */
  for (size_t i = 0; i < t.cap; i++) {
    if (!t.e[i].key)
      continue;
    int best = 0, bd = dist2(t.e[i].key - 1, dom[0].colour);
    for (int d = 1; d < ndom; d++) {
      int v = dist2(t.e[i].key - 1, dom[d].colour);
      if (v < bd) {
        bd = v;
        best = d;
      }
    }
    t.e[i].label = best;
  }
  for (size_t i = 0; i < npix; i++) {
    if (!PAINTED(i)) {
      labels[i] = (uint8_t)ndom; /* the unpainted label, after the colours */
      continue;
    }
    uint32_t c = (uint32_t)px[3 * i] << 16 | (uint32_t)px[3 * i + 1] << 8 |
                 px[3 * i + 2];
    labels[i] = (uint8_t)hist_find(&t, c + 1)->label;
  }
#undef PAINTED
  free(t.e);
  if (has_unpainted) {
    pal->unpainted = 1;
    pal->n = ndom + 1; /* its colour stays 0,0,0 and is never matched */
  }
  return SST_OK;
}

void sst_match_labels(const sst_palette *content, const sst_palette *style,
                      int *style_label_of_content) {
  if (!content || !style || !style_label_of_content)
    return;
  const int cpainted = content->n - (content->unpainted ? 1 : 0);
  const int spainted = style->n - (style->unpainted ? 1 : 0);
  if (content->unpainted && content->n > 0)
    style_label_of_content[content->n - 1] =
        style->unpainted && style->n > 0 ? style->n - 1 : -1;
  for (int k = 0; k < cpainted && k < SST_MAX_LABELS; k++) {
    uint32_t a = (uint32_t)content->rgb[k][0] << 16 |
                 (uint32_t)content->rgb[k][1] << 8 | content->rgb[k][2];
    int best = -1, bd = MATCH_DIST2 + 1;
    for (int j = 0; j < spainted && j < SST_MAX_LABELS; j++) {
      uint32_t b = (uint32_t)style->rgb[j][0] << 16 |
                   (uint32_t)style->rgb[j][1] << 8 | style->rgb[j][2];
      int v = dist2(a, b);
      if (v < bd) {
        bd = v;
        best = j;
      }
    }
    style_label_of_content[k] = best;
  }
}

/* A cell that the image does not reach at all (grid larger than the image)
 * gets uniform weights so that every cell still sums to 1. */
void sst_mask_downsample(const uint8_t *labels, int w, int h, int nlabels,
                         int block, int gw, int gh, float *weights) {
  if (!labels || !weights || w <= 0 || h <= 0 || nlabels <= 0 || block <= 0 ||
      gw <= 0 || gh <= 0)
    return;
  const size_t cells = (size_t)gw * (size_t)gh;
  memset(weights, 0, sizeof(float) * cells * (size_t)nlabels);
  float *total = calloc(cells, sizeof(float));
  if (!total)
    return;
  const int ymax = (size_t)gh * block < (size_t)h ? gh * block : h;
  const int xmax = (size_t)gw * block < (size_t)w ? gw * block : w;
  for (int y = 0; y < ymax; y++) {
    const uint8_t *row = labels + (size_t)y * w;
    float *wrow = weights + (size_t)(y / block) * gw;
    float *trow = total + (size_t)(y / block) * gw;
    for (int x = 0; x < xmax; x++) {
      int l = row[x];
      if (l >= nlabels)
        continue; /* not a label of this palette */
      wrow[(size_t)l * cells + x / block] += 1.0f;
      trow[x / block] += 1.0f;
    }
  }
  for (size_t c = 0; c < cells; c++)
    for (int l = 0; l < nlabels; l++) {
      float *v = &weights[(size_t)l * cells + c];
      *v = total[c] > 0.0f ? *v / total[c] : 1.0f / (float)nlabels;
    }
  free(total);
}

sst_status sst_label_masks(const uint8_t *labels, int lw, int lh, int nlabels,
                           int w, int h, int pw, int ph, int block, int gw,
                           int gh, float **out, sst_error *err) {
  *out = NULL;
  uint8_t *lab = malloc((size_t)w * h);
  uint8_t *pad = malloc((size_t)pw * ph);
  float *masks = malloc((size_t)nlabels * gw * gh * sizeof(float));
  if (!lab || !pad || !masks) {
    free(lab);
    free(pad);
    free(masks);
    return sst_fail(err, SST_ERR_NOMEM, "out of memory for region masks");
  }
  sst_labels_resize(labels, lw, lh, lab, w, h);
  sst_labels_pad(lab, w, h, pad, pw, ph);
  sst_mask_downsample(pad, pw, ph, nlabels, block, gw, gh, masks);
  free(lab);
  free(pad);
  *out = masks;
  return SST_OK;
}
