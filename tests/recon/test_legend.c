/* test_legend.c - the region legend: colours found in each map, their
 * pixel shares and their pairing (matched / unmatched / style-only), on maps
 * whose answer is known from how they are painted. */
#include "legend.h"
#include "recon_test_util.h"

/* Paints columns [x0, x1) of a w x h map. */
static void columns(uint8_t *m, int w, int h, int x0, int x1, int r, int g,
                    int b) {
  for (int y = 0; y < h; y++)
    for (int x = x0; x < x1; x++) {
      uint8_t *p = m + 3 * ((size_t)y * w + x);
      p[0] = (uint8_t)r;
      p[1] = (uint8_t)g;
      p[2] = (uint8_t)b;
    }
}

static const sst_legend_entry *find(const sst_legend *l, int r, int g, int b) {
  for (int i = 0; i < l->n; i++)
    if (l->e[i].rgb[0] == r && l->e[i].rgb[1] == g && l->e[i].rgb[2] == b)
      return &l->e[i];
  return NULL;
}

static void expect(const sst_legend *l, const char *what, int r, int g, int b,
                   sst_region_kind kind, double cshare, double sshare) {
  const sst_legend_entry *e = find(l, r, g, b);
  CHECK(e != NULL, "%s: colour %d,%d,%d not in the legend", what, r, g, b);
  if (!e)
    return;
  CHECK(e->kind == kind, "%s: kind %d, expected %d", what, (int)e->kind,
        (int)kind);
  CHECK(fabs(e->content_share - cshare) < 1e-12 &&
            fabs(e->style_share - sshare) < 1e-12,
        "%s: shares %g / %g, expected %g / %g", what, e->content_share,
        e->style_share, cshare, sshare);
}

int main(void) {
  /* Content 100 x 40: red 50 %, blue 25 %, green 25 %.
   * Style 50 x 20: red 60 %, a slightly different blue (JPEG-like, within
   * the pairing tolerance) 20 %, yellow 20 %. */
  const int cw = 100, ch = 40, sw = 50, sh = 20;
  uint8_t *c = calloc((size_t)cw * ch * 3, 1), *s = calloc((size_t)sw * sh * 3, 1);
  columns(c, cw, ch, 0, 50, 255, 0, 0);
  columns(c, cw, ch, 50, 75, 0, 0, 255);
  columns(c, cw, ch, 75, 100, 0, 255, 0);
  columns(s, sw, sh, 0, 30, 255, 0, 0);
  columns(s, sw, sh, 30, 40, 2, 0, 250);
  columns(s, sw, sh, 40, 50, 255, 255, 0);
  sst_map cm = {cw, ch, c}, sm = {sw, sh, s};
  sst_legend l;
  sst_error err = {0};

  CHECK(sst_region_legend(&cm, &sm, &l, &err) == SST_OK, "legend: %s", err.msg);
  CHECK(l.n == 4, "%d entries, expected 4", l.n);
  expect(&l, "red", 255, 0, 0, SST_REGION_MATCHED, 0.5, 0.6);
  expect(&l, "blue", 0, 0, 255, SST_REGION_MATCHED, 0.25, 0.2);
  expect(&l, "green", 0, 255, 0, SST_REGION_UNMATCHED, 0.25, 0.0);
  expect(&l, "yellow", 255, 255, 0, SST_REGION_STYLE_ONLY, 0.0, 0.2);
  CHECK(l.n == 4 && l.e[0].rgb[0] == 255 && l.e[0].rgb[1] == 0 &&
            l.e[3].kind == SST_REGION_STYLE_ONLY,
        "order: largest content region first, style-only last");

  /* No style map: every content colour takes the whole style. */
  CHECK(sst_region_legend(&cm, NULL, &l, &err) == SST_OK && l.n == 3,
        "no style map: %d entries", l.n);
  expect(&l, "no style map, green", 0, 255, 0, SST_REGION_UNMATCHED, 0.25, 0.0);
  expect(&l, "no style map, red", 255, 0, 0, SST_REGION_UNMATCHED, 0.5, 0.0);
  /* No content map: the style's colours are used by no region. */
  CHECK(sst_region_legend(NULL, &sm, &l, &err) == SST_OK && l.n == 3,
        "no content map: %d entries", l.n);
  expect(&l, "no content map, red", 255, 0, 0, SST_REGION_STYLE_ONLY, 0.0, 0.6);
  CHECK(sst_region_legend(NULL, NULL, &l, &err) == SST_OK && l.n == 0,
        "no maps: %d entries", l.n);

  /* A photo is no doodle: refused like the run refuses it. */
  rng_seed(3);
  for (int i = 0; i < cw * ch * 3; i++)
    c[i] = (uint8_t)(rng_u01() * 255);
  CHECK(sst_region_legend(&cm, &sm, &l, &err) == SST_ERR_MAP,
        "noise accepted as a map");
  free(c);
  free(s);
  printf(failures ? "recon_legend: %d FAILURES\n" : "recon_legend: all passed\n",
         failures);
  return failures ? 1 : 0;
}
