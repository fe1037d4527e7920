/* test_labels.c - doodle maps: dominant colours, snapping of anti-aliased
 * and JPEG-noisy pixels, failure on photos / too many colours, label
 * matching, mask downsampling.
 * With arguments (binary PPM P6 files, see tools/check_semantic_maps.py) it
 * instead labels those maps and prints their palettes. */
#include "labels.h"
#include "recon_test_util.h"

static uint8_t *new_map(int w, int h) { return calloc((size_t)w * h * 3, 1); }
static void put(uint8_t *m, int w, int x, int y, int r, int g, int b) {
  uint8_t *p = m + 3 * ((size_t)y * w + x);
  p[0] = (uint8_t)r;
  p[1] = (uint8_t)g;
  p[2] = (uint8_t)b;
}
static int clamp255(double v) {
  return v < 0 ? 0 : v > 255 ? 255 : (int)(v + 0.5);
}
static int pal_index(const sst_palette *p, int r, int g, int b) {
  for (int i = 0; i < p->n; i++)
    if (p->rgb[i][0] == r && p->rgb[i][1] == g && p->rgb[i][2] == b)
      return i;
  return -1;
}

/* Red / blue halves split by a diagonal, edge pixels blended with a random
 * factor like an anti-aliased brush. */
static void test_antialias(void) {
  const int w = 128, h = 128;
  uint8_t *m = new_map(w, h), *lab = malloc((size_t)w * h);
  double *t = malloc(sizeof(double) * w * h);
  rng_seed(5);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double d = (x - y * 0.7 - 20) / 1.5; /* signed distance to the edge */
      double tt = d < -1 ? 1.0 : d > 1 ? 0.0 : rng_u01();
      t[y * w + x] = tt; /* fraction of red */
      put(m, w, x, y, clamp255(255 * tt), 0, clamp255(255 * (1 - tt)));
    }
  sst_map map = {w, h, m, NULL};
  sst_palette pal;
  sst_error err = {0};
  sst_status rc = sst_map_labels(&map, lab, &pal, &err);
  CHECK(rc == SST_OK, "anti-aliased map rejected: %s", err.msg);
  if (rc == SST_OK) {
    int red = pal_index(&pal, 255, 0, 0), blue = pal_index(&pal, 0, 0, 255);
    CHECK(pal.n == 2 && red >= 0 && blue >= 0, "palette has %d colours", pal.n);
    int wrong = 0;
    for (int i = 0; i < w * h; i++) {
      if (fabs(t[i] - 0.5) < 0.01)
        continue;
      wrong += lab[i] != (t[i] > 0.5 ? red : blue);
    }
    CHECK(wrong == 0, "%d anti-aliased pixels snapped wrongly", wrong);
    /* the colour covering more pixels comes first */
    int nred = 0;
    for (int i = 0; i < w * h; i++)
      nred += t[i] > 0.5;
    CHECK((nred > w * h / 2 ? red : blue) == 0,
          "palette not in decreasing count order");
    printf("anti-aliased edges snap to the nearest of %d colours\n", pal.n);
  }
  free(m);
  free(lab);
  free(t);
}

/* Three flat regions, 30%% of the pixels with JPEG-like noise, plus a patch
 * of one slightly-off colour frequent enough to be a candidate (merged). */
static void test_jpeg_noise(void) {
  const int w = 120, h = 90;
  const int cols[3][3] = {{200, 40, 40}, {40, 160, 60}, {250, 230, 90}};
  uint8_t *m = new_map(w, h), *lab = malloc((size_t)w * h);
  int *truth = malloc(sizeof(int) * w * h);
  rng_seed(6);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int r = x < 40 ? 0 : x < 80 ? 1 : 2;
      truth[y * w + x] = r;
      int n = rng_u01() < 0.3 ? 8 : 0;
      put(m, w, x, y, clamp255(cols[r][0] + n * (2 * rng_u01() - 1)),
          clamp255(cols[r][1] + n * (2 * rng_u01() - 1)),
          clamp255(cols[r][2] + n * (2 * rng_u01() - 1)));
    }
  for (int y = 0; y < 10; y++) /* 200 pixels of a near-duplicate colour */
    for (int x = 0; x < 20; x++)
      put(m, w, x, y, 210, 35, 44);
  sst_map map = {w, h, m, NULL};
  sst_palette pal;
  sst_error err = {0};
  sst_status rc = sst_map_labels(&map, lab, &pal, &err);
  CHECK(rc == SST_OK, "noisy map rejected: %s", err.msg);
  if (rc == SST_OK) {
    CHECK(pal.n == 3, "noisy map: %d labels, want 3", pal.n);
    int idx[3];
    for (int r = 0; r < 3; r++) {
      idx[r] = pal_index(&pal, cols[r][0], cols[r][1], cols[r][2]);
      CHECK(idx[r] >= 0, "colour %d missing from the palette", r);
    }
    int wrong = 0;
    for (int i = 0; i < w * h; i++)
      wrong += lab[i] != idx[truth[i]];
    CHECK(wrong == 0, "%d noisy pixels mislabelled", wrong);
    printf("JPEG-like noise snaps: %d labels, near-duplicate colour merged\n",
           pal.n);
  }
  free(m);
  free(lab);
  free(truth);
}

static void test_photo(void) {
  const int w = 100, h = 80;
  uint8_t *m = new_map(w, h), *lab = malloc((size_t)w * h);
  rng_seed(7);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      put(m, w, x, y, clamp255(2.0 * x + 20 * rng_normal()),
          clamp255(3.0 * y + 20 * rng_normal()),
          clamp255(128 + 60 * sin(0.1 * x * y / 7.0) + 10 * rng_normal()));
  sst_map map = {w, h, m, NULL};
  sst_palette pal;
  sst_error err = {0};
  sst_status rc = sst_map_labels(&map, lab, &pal, &err);
  CHECK(rc == SST_ERR_MAP, "photo accepted as a doodle (%d)", rc);
  CHECK(strstr(err.msg, "too many colours") != NULL, "message: %s", err.msg);
  printf("photo-like image: %s\n", err.msg);
  free(m);
  free(lab);
}

static void test_stripes(int n, int expect_ok) {
  const int w = 17 * 12, h = 30;
  uint8_t *m = new_map(w, h), *lab = malloc((size_t)w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int s = x * n / w; /* stripe index 0..n-1, distinct far-apart colours */
      put(m, w, x, y, (s & 1) * 255, ((s >> 1) & 1) * 255,
          ((s >> 2) & 3) * 85 + ((s >> 4) & 1) * 40);
    }
  sst_map map = {w, h, m, NULL};
  sst_palette pal;
  sst_error err = {0};
  sst_status rc = sst_map_labels(&map, lab, &pal, &err);
  if (expect_ok) {
    CHECK(rc == SST_OK && pal.n == n, "%d stripes: rc %d, %d labels (%s)", n,
          rc, rc == SST_OK ? pal.n : -1, err.msg);
    printf("%d flat colours accepted\n", n);
  } else {
    CHECK(rc == SST_ERR_MAP && strstr(err.msg, "too many colours"),
          "%d stripes: rc %d (%s)", n, rc, err.msg);
    printf("%d flat colours: %s\n", n, err.msg);
  }
  free(m);
  free(lab);
}

static void test_empty(void) {
  uint8_t lab[4], px[12] = {0};
  sst_palette pal;
  sst_error err = {0};
  sst_map m0 = {0, 5, px, NULL}, m1 = {2, 2, NULL, NULL};
  CHECK(sst_map_labels(&m0, lab, &pal, &err) == SST_ERR_MAP,
        "empty map accepted");
  CHECK(sst_map_labels(&m1, lab, &pal, &err) == SST_ERR_MAP,
        "NULL pixels accepted");
  sst_map m2 = {2, 2, px, NULL};
  CHECK(sst_map_labels(&m2, lab, &pal, &err) == SST_OK && pal.n == 1 &&
            lab[0] == 0 && lab[3] == 0,
        "single-colour 2x2 map");
  printf("empty maps are SST_ERR_MAP; a one-colour map is one label\n");
}

static void test_match(void) {
  sst_palette c = {3, {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}}, 0};
  sst_palette s = {2, {{5, 3, 250}, {250, 10, 0}}, 0};
  int out[3];
  sst_match_labels(&c, &s, out);
  CHECK(out[0] == 1 && out[1] == -1 && out[2] == 0, "matching gave %d %d %d",
        out[0], out[1], out[2]);
  printf("label matching: red->%d green->%d blue->%d\n", out[0], out[1],
         out[2]);
}

static void test_downsample(void) {
  /* 7 x 5 labels, block 2, grid 3 x 2: column 6 and row 4 are ignored */
  const uint8_t L[5][7] = {{0, 0, 1, 1, 2, 0, 2},
                           {0, 1, 1, 1, 2, 2, 2},
                           {2, 2, 0, 0, 1, 0, 2},
                           {2, 2, 0, 1, 1, 0, 2},
                           {1, 1, 1, 1, 1, 1, 1}};
  float wts[3 * 6];
  sst_mask_downsample(&L[0][0], 7, 5, 3, 2, 3, 2, wts);
  const float want[3][6] = {{0.75f, 0.0f, 0.25f, 0.0f, 0.75f, 0.5f},
                            {0.25f, 1.0f, 0.0f, 0.0f, 0.25f, 0.5f},
                            {0.0f, 0.0f, 0.75f, 1.0f, 0.0f, 0.0f}};
  int exact = 1, sums = 1;
  for (int c = 0; c < 6; c++) {
    float s = 0;
    for (int k = 0; k < 3; k++) {
      exact &= wts[k * 6 + c] == want[k][c];
      s += wts[k * 6 + c];
    }
    sums &= s == 1.0f;
  }
  CHECK(exact, "downsample fractions wrong");
  CHECK(sums, "cell weights do not sum to 1");
  printf("mask downsample: exact quarter fractions, cells sum to 1\n");
}

/* A map painted in part: the left part red, the middle blue (painted,
 * alpha >= 128), the right part transparent with leftover colours of every
 * kind under it (they must be ignored), and a column at alpha 127 / 128 to
 * pin the 50 % threshold. */
static void half_painted(uint8_t *m, uint8_t *a, int w, int h, int painted_to) {
  rng_seed(11);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t)y * w + x;
      if (x < w / 3)
        put(m, w, x, y, 255, 0, 0);
      else if (x < painted_to)
        put(m, w, x, y, 0, 0, 255);
      else
        put(m, w, x, y, clamp255(255 * rng_u01()), clamp255(255 * rng_u01()),
            clamp255(255 * rng_u01()));
      a[i] = x < painted_to ? 255 : 0;
      if (x == painted_to - 1)
        a[i] = 128; /* exactly half: painted */
      if (x == painted_to)
        a[i] = 127; /* just under: unpainted */
    }
}

static void test_unpainted(void) {
  const int w = 60, h = 20;
  uint8_t *m = new_map(w, h), *a = malloc((size_t)w * h),
          *lab = malloc((size_t)w * h);
  half_painted(m, a, w, h, 40);
  sst_map map = {w, h, m, a};
  sst_palette pal;
  sst_error err = {0};
  sst_status rc = sst_map_labels(&map, lab, &pal, &err);
  CHECK(rc == SST_OK, "half-painted map rejected: %s", err.msg);
  if (rc == SST_OK) {
    CHECK(pal.n == 3 && pal.unpainted, "half-painted: %d labels, unpainted %d",
          pal.n, pal.unpainted);
    int red = pal_index(&pal, 255, 0, 0), blue = pal_index(&pal, 0, 0, 255);
    int wrong = 0;
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        wrong += lab[y * w + x] != (x < w / 3 ? red : x < 40 ? blue : pal.n - 1);
    CHECK(red >= 0 && blue >= 0 && red < 2 && blue < 2 && wrong == 0,
          "half-painted: %d pixels in the wrong region", wrong);
  }
  /* the same map without its alpha is a photo-like mess */
  sst_map opaque = {w, h, m, NULL};
  CHECK(sst_map_labels(&opaque, lab, &pal, &err) == SST_ERR_MAP,
        "without alpha the leftover colours should count");
  /* nothing painted: "no map" (0 labels), not an error */
  memset(a, 127, (size_t)w * h);
  rc = sst_map_labels(&map, lab, &pal, &err);
  CHECK(rc == SST_OK && pal.n == 0 && !pal.unpainted,
        "unpainted map: rc %d, %d labels", rc, pal.n);
  /* a fully opaque alpha plane is the same as none */
  memset(a, 255, (size_t)w * h);
  for (int i = 0; i < w * h; i++)
    put(m, w, i % w, i / w, i % w < 30 ? 255 : 0, 0, i % w < 30 ? 0 : 255);
  rc = sst_map_labels(&map, lab, &pal, &err);
  CHECK(rc == SST_OK && pal.n == 2 && !pal.unpainted,
        "opaque alpha: rc %d, %d labels, unpainted %d", rc, pal.n, pal.unpainted);
  printf("half-painted map: painted colours + one unpainted label; "
         "all-unpainted = no map\n");
  free(m);
  free(a);
  free(lab);
}

/* With unpainted pixels one label is reserved: 15 colours fit, 16 do not. */
static void test_unpainted_limit(void) {
  const int w = 17 * 12, h = 30;
  for (int n = SST_MAX_LABELS - 1; n <= SST_MAX_LABELS; n++) {
    uint8_t *m = new_map(w, h), *a = malloc((size_t)w * h),
            *lab = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int s = x * n / w;
        put(m, w, x, y, (s & 1) * 255, ((s >> 1) & 1) * 255,
            ((s >> 2) & 3) * 85 + ((s >> 4) & 1) * 40);
        a[y * w + x] = y < h - 5 ? 255 : 0; /* bottom rows unpainted */
      }
    sst_map map = {w, h, m, a};
    sst_palette pal;
    sst_error err = {0};
    sst_status rc = sst_map_labels(&map, lab, &pal, &err);
    if (n < SST_MAX_LABELS)
      CHECK(rc == SST_OK && pal.n == n + 1 && pal.unpainted,
            "%d colours + unpainted: rc %d (%s)", n, rc, err.msg);
    else
      CHECK(rc == SST_ERR_MAP && strstr(err.msg, "besides the unpainted part"),
            "%d colours + unpainted: rc %d (%s)", n, rc, err.msg);
    free(m);
    free(a);
    free(lab);
  }
  printf("unpainted pixels take one of the %d labels\n", SST_MAX_LABELS);
}

/* Pairing: unpainted with unpainted only. */
static void test_match_unpainted(void) {
  /* content: red, black (painted), unpainted */
  sst_palette c = {3, {{255, 0, 0}, {0, 0, 0}, {0, 0, 0}}, 1};
  /* style: red, unpainted (its colour slot is 0,0,0 too) */
  sst_palette s = {2, {{250, 5, 0}, {0, 0, 0}}, 1};
  int out[3];
  sst_match_labels(&c, &s, out);
  CHECK(out[0] == 0 && out[1] == -1 && out[2] == 1,
        "content red/black/unpainted -> %d %d %d, want 0 -1 1", out[0], out[1],
        out[2]);
  /* style fully painted (black included): unpainted content takes the
   * whole style, painted black takes the style's black */
  sst_palette f = {2, {{0, 0, 0}, {255, 0, 0}}, 0};
  sst_match_labels(&c, &f, out);
  CHECK(out[0] == 1 && out[1] == 0 && out[2] == -1,
        "against a fully painted style: %d %d %d, want 1 0 -1", out[0], out[1],
        out[2]);
  /* content fully painted, style with an unpainted part: no pairing with it */
  sst_palette cp = {1, {{0, 0, 0}}, 0};
  sst_match_labels(&cp, &s, out);
  CHECK(out[0] == -1, "painted black paired with unpainted style (%d)", out[0]);
  printf("unpainted pairs with unpainted (or the whole style) only\n");
}

/* ---- optional: label real maps given as binary PPM files ---- */
static int label_ppm(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    printf("FAIL cannot open %s\n", path);
    return 1;
  }
  int w, h, maxv;
  if (fscanf(f, "P6 %d %d %d", &w, &h, &maxv) != 3 || maxv != 255 || w <= 0 ||
      h <= 0 || fgetc(f) == EOF) {
    fclose(f);
    printf("FAIL %s is not a binary PPM\n", path);
    return 1;
  }
  uint8_t *px = malloc((size_t)w * h * 3), *lab = malloc((size_t)w * h);
  size_t got = fread(px, 1, (size_t)w * h * 3, f);
  fclose(f);
  int fail = got != (size_t)w * h * 3;
  sst_map map = {w, h, px, NULL};
  sst_palette pal;
  sst_error err = {0};
  sst_status rc = fail ? SST_ERR_IO : sst_map_labels(&map, lab, &pal, &err);
  if (rc == SST_OK) {
    size_t cnt[SST_MAX_LABELS] = {0};
    for (size_t i = 0; i < (size_t)w * h; i++)
      cnt[lab[i]]++;
    printf("%s: %d labels:", path, pal.n);
    for (int k = 0; k < pal.n; k++)
      printf(" #%02x%02x%02x(%.1f%%)", pal.rgb[k][0], pal.rgb[k][1],
             pal.rgb[k][2], 100.0 * cnt[k] / ((double)w * h));
    printf("\n");
  } else {
    printf("FAIL %s: %s\n", path, err.msg);
    fail = 1;
  }
  free(px);
  free(lab);
  return fail;
}

int main(int argc, char **argv) {
  if (argc > 1) {
    int fails = 0;
    for (int i = 1; i < argc; i++)
      fails += label_ppm(argv[i]);
    return fails ? 1 : 0;
  }
  test_antialias();
  test_jpeg_noise();
  test_photo();
  test_stripes(16, 1);
  test_stripes(17, 0);
  test_empty();
  test_match();
  test_unpainted();
  test_unpainted_limit();
  test_match_unpainted();
  test_downsample();
  printf(failures ? "recon_labels: %d FAILURES\n"
                    : "recon_labels: all passed\n",
         failures);
  return failures ? 1 : 0;
}
