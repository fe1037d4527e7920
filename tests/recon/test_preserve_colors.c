/* test_preserve_colors.c - keeping the content's colours
 * (engine/preserve_colors.h) against numpy float64 golden values
 * (tools/make_preserve_golden.py -> tests/data/recon/preserve_golden.txt),
 * including pixels whose chroma must shrink to fit; and properties: the
 * output's luma is the stylized image's, its chroma the content's where it
 * fits, a second application changes nothing, the thread count does not
 * matter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../golden.h"
#include "preserve_colors.h"

static sst_image from_golden(const double *v, int w, int h) {
  sst_image img = {w, h, malloc(sizeof(float) * 3 * (size_t)w * h)};
  for (int i = 0; i < 3 * w * h; i++)
    img.rgb[i] = (float)v[i];
  return img;
}

static double luma(const float *p) {
  return SST_LUMA_R * p[0] + SST_LUMA_G * p[1] + SST_LUMA_B * p[2];
}

static void test_golden(void) {
  const double *d = golden("dims", 2);
  if (!d)
    return;
  const int w = (int)d[0], h = (int)d[1], n = w * h;
  const double *gc = golden("content", 3 * n), *gs = golden("stylized", 3 * n),
               *go = golden("out", 3 * n), *gt = golden("chroma_scale", n);
  if (!gc || !gs || !go || !gt)
    return;
  sst_image content = from_golden(gc, w, h), out = from_golden(gs, w, h);
  sst_preserve_colors(&out, &content, NULL);
  double e = 0.0, eluma = 0.0, echroma = 0.0;
  int reduced = 0;
  for (int i = 0; i < n; i++) {
    const float *o = out.rgb + 3 * i, *c = content.rgb + 3 * i;
    for (int k = 0; k < 3; k++)
      e = fmax(e, fabs(o[k] - go[3 * i + k]));
    float s[3] = {(float)gs[3 * i], (float)gs[3 * i + 1], (float)gs[3 * i + 2]};
    eluma = fmax(eluma, fabs(luma(o) - luma(s)));
    if (gt[i] < 1.0) {
      reduced++;
      continue;
    }
    /* chroma = the offset from the pixel's own grey */
    for (int k = 0; k < 3; k++)
      echroma = fmax(echroma, fabs((o[k] - luma(o)) - (c[k] - luma(c))));
  }
  CHECK(e < 2e-6, "output differs from the float64 reference by %.3g", e);
  CHECK(eluma < 2e-6, "luma is not the stylized image's (%.3g)", eluma);
  CHECK(echroma < 2e-6, "chroma is not the content's (%.3g)", echroma);
  CHECK(reduced >= 3, "the golden case has only %d gamut-limited pixels", reduced);
  printf("golden: max |out - ref| %.2g, luma %.2g, chroma %.2g, %d pixels "
         "with reduced chroma\n", e, eluma, echroma, reduced);
  /* idempotent: the result already has its luma and the content's chroma */
  sst_image again = {w, h, malloc(sizeof(float) * 3 * (size_t)n)};
  memcpy(again.rgb, out.rgb, sizeof(float) * 3 * (size_t)n);
  sst_preserve_colors(&again, &content, NULL);
  double ea = 0.0;
  for (int i = 0; i < 3 * n; i++)
    ea = fmax(ea, fabs(again.rgb[i] - out.rgb[i]));
  CHECK(ea < 1e-6, "a second application moved pixels by %.3g", ea);
  free(again.rgb);
  free(content.rgb);
  free(out.rgb);
}

/* A tall image on 1 and 3 threads: bit-identical. */
static void test_threads(void) {
  const int w = 37, h = 301, n = w * h;
  sst_image c = {w, h, malloc(sizeof(float) * 3 * (size_t)n)};
  sst_image o[2];
  for (int i = 0; i < 3 * n; i++)
    c.rgb[i] = (float)((i * 7919LL % 1000) / 999.0);
  for (int t = 0; t < 2; t++) {
    o[t] = (sst_image){w, h, malloc(sizeof(float) * 3 * (size_t)n)};
    for (int i = 0; i < 3 * n; i++)
      o[t].rgb[i] = (float)((i * 104729LL % 1000) / 999.0);
    sst_ctx ctx = sst_ctx_make(t ? 3 : 1, SST_PRECISION_FLOAT32, NULL, NULL, "");
    sst_preserve_colors(&o[t], &c, &ctx);
  }
  CHECK(memcmp(o[0].rgb, o[1].rgb, sizeof(float) * 3 * (size_t)n) == 0,
        "the result depends on the thread count");
  /* a size mismatch leaves the image alone */
  sst_image small = {w, h - 1, o[0].rgb};
  memcpy(o[0].rgb, o[1].rgb, sizeof(float) * 3 * (size_t)n);
  o[0].rgb[0] = 0.123f;
  sst_preserve_colors(&small, &c, NULL);
  CHECK(o[0].rgb[0] == 0.123f, "mismatched sizes were processed");
  free(c.rgb);
  free(o[0].rgb);
  free(o[1].rgb);
}

int main(void) {
  const char *root = getenv("SST_SOURCE_ROOT");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/recon/preserve_golden.txt",
           root ? root : ".");
  if (load_golden(path)) {
    printf("FAIL cannot read %s\n", path);
    return 1;
  }
  test_golden();
  test_threads();
  printf("%s\n", failures ? "FAILED" : "all preserve-colors checks passed");
  return failures != 0;
}
