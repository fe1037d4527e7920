/* bench_gmic.c - side by side with G'MIC's patch-based stylize, the filter
 * GIMP users reach for today (Debian package gmic), on the same 800x600
 * content and 512x384 style, in the same run.  Skipped with a note when
 * gmic is not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"
#include "context.h" /* sst_now */

static int write_ppm(const char *path, const sst_image *img) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  fprintf(f, "P6\n%d %d\n255\n", img->width, img->height);
  size_t n = (size_t)img->width * img->height * 3;
  for (size_t i = 0; i < n; i++) {
    float v = img->rgb[i] < 0 ? 0 : img->rgb[i] > 1 ? 1 : img->rgb[i];
    fputc((int)(v * 255.0f + 0.5f), f);
  }
  return fclose(f);
}

int bench_gmic_available(void) {
  return system("command -v gmic > /dev/null 2>&1") == 0;
}

double bench_gmic_seconds(const sst_image *content, const sst_image *style,
                          int runs, double idle) {
  char dir[] = "/tmp/sst-bench-XXXXXX";
  if (!mkdtemp(dir))
    return -1;
  char cpath[64], spath[64], opath[64], cmd[512];
  snprintf(cpath, sizeof cpath, "%s/content.ppm", dir);
  snprintf(spath, sizeof spath, "%s/style.ppm", dir);
  snprintf(opath, sizeof opath, "%s/out.ppm", dir);
  int ok = write_ppm(cpath, content) == 0 && write_ppm(spath, style) == 0;
  /* stylize the content [0] with the style [1], default parameters */
  snprintf(cmd, sizeof cmd,
           "gmic -v -1 %s %s stylize[0] [1] rm[1] o %s > /dev/null 2>&1",
           cpath, spath, opath);
  if (runs > 3)
    runs = 3; /* ~10 s each */
  double tg[3];
  for (int r = 0; r < runs && ok; r++) {
    bench_idle(idle);
    double t0 = sst_now();
    ok = system(cmd) == 0;
    tg[r] = sst_now() - t0;
  }
  remove(cpath);
  remove(spath);
  remove(opath);
  rmdir(dir);
  return ok ? bench_median(tg, runs) : -1;
}

void bench_gmic(const bench_ctx *ctx) {
  if (!bench_gmic_available()) {
    printf("\ngmic: not installed (apt install gmic) - comparison skipped\n");
    return;
  }
  const int W = 800, H = 600, SW = 512, SH = 384;
  sst_image content, style, out;
  bench_image(&content, W, H, 1);
  bench_image(&style, SW, SH, 7);
  const int runs = ctx->runs < 3 ? ctx->runs : 3;
  const double g = bench_gmic_seconds(&content, &style, runs, 0.0);
  int ok = g > 0;
  /* ours on the same pair, one region (gmic has no maps): float32, and the
   * bf16 option where the CPU has it */
  const int nprec = sst_precision_available(SST_PRECISION_BF16) ? 2 : 1;
  double ts[2][3];
  sst_error err = {0};
  for (int k = 0; k < nprec && ok; k++) {
    sst_params p;
    sst_params_default(&p);
    p.threads = ctx->threads;
    p.precision = k ? SST_PRECISION_BF16 : SST_PRECISION_FLOAT32;
    for (int r = 0; r < runs && ok; r++) {
      double t0 = sst_now();
      ok = sst_stylize(ctx->model, &content, NULL, &style, NULL, &p, NULL, NULL,
                       &out, &err) == SST_OK;
      ts[k][r] = sst_now() - t0;
      sst_image_free(&out);
    }
  }
  sst_image_free(&content);
  sst_image_free(&style);
  if (!ok) {
    printf("\ngmic comparison failed: %s\n",
           err.msg[0] ? err.msg : "gmic stylize did not run");
    return;
  }
  printf("\n%-34s %10s %10s\n", "800x600 content, 512x384 style", "median s",
         "speed-up");
  printf("%-34s %10.2f\n", "gmic stylize (defaults)", g);
  for (int k = 0; k < nprec; k++) {
    double s = bench_median(ts[k], runs);
    printf("%-34s %10.2f %9.1fx\n",
           k ? "semantic-style, bf16 option" : "semantic-style (poly, relu3_1)",
           s, g / s);
  }
}
