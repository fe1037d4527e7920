/* bench.c - pipeline benchmark: median seconds per stage for a 600x800
 * content with two semantic regions and a 512-px style, the achieved
 * GFLOP/s of the convolutions, and OpenBLAS's sgemm rate measured in the
 * same run for comparison.  Prints a table; CI does not time it.
 *
 *   sst-bench [RUNS [THREADS [SECTIONS]]]
 *     SECTIONS: comma-separated subset of
 *       pipeline,conv,preview,gmic,scale,oneshot
 *     (default: all); weights from $SST_WEIGHTS_DIR or weights/ */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "context.h" /* sst_now */

/* Declared here rather than taken from cblas.h (see engine/nn.c). */
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *v, int n) {
  qsort(v, n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void bench_idle(double seconds) {
  if (seconds > 0.0) {
    struct timespec t = {(time_t)seconds,
                         (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&t, &t) != 0)
      ;
  }
}

/* Multiply-adds x2 of the 3x3 convolutions (and conv0) for an H x W input
 * to relu3_1, and of the relu3_1 decoder producing H x W. */
static double encoder_flops(double h, double w) {
  double p = h * w;
  return 2.0 * (3 * 3 * p + 9.0 * (3 * 64 * p + 64 * 64 * p + 64 * 128 * p / 4 +
                                   128 * 128 * p / 4 + 128 * 256 * p / 16));
}
static double decoder_flops(double h, double w) {
  double p = h * w;
  return 2.0 * 9.0 * (256 * 128 * p / 16 + 128 * 128 * p / 4 + 128 * 64 * p / 4 +
                      64 * 64 * p + 64 * 3 * p);
}

/* A smooth synthetic photo-like image, deterministic. */
int bench_image(sst_image *img, int w, int h, int seed) {
  if (sst_image_alloc(img, w, h))
    return 1;
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      for (int c = 0; c < 3; c++) {
        unsigned hash = (unsigned)(x * 73856093u ^ y * 19349663u ^ (c + seed) * 83492791u);
        float noise = (hash % 1000) / 1000.0f;
        img->rgb[((size_t)y * img->width + x) * 3 + c] =
            0.5f + 0.3f * __builtin_sinf(0.02f * x * (c + 1) + seed) *
                       __builtin_cosf(0.015f * y) + 0.1f * noise;
      }
  return 0;
}

uint8_t *bench_halves_map(int w, int h) {
  uint8_t *m = malloc((size_t)w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p = m + ((size_t)y * w + x) * 3;
      int top = y < h / 2; /* blue sky over green ground */
      p[0] = 40;
      p[1] = top ? 90 : 170;
      p[2] = top ? 230 : 60;
    }
  return m;
}

double bench_sgemm_rate(int threads) {
  int M = 256, K = 1152, N = 4096;
  float *a = calloc((size_t)M * K, 4), *b = calloc((size_t)K * N, 4),
        *c = calloc((size_t)M * N, 4);
  for (int i = 0; i < M * K; i++) a[i] = (i % 7) * 0.1f;
  for (int i = 0; i < K * N; i++) b[i] = (i % 5) * 0.1f;
  /* OpenBLAS's own rate on as many threads as the pipeline's workers (the
   * engine keeps OpenBLAS at one thread and splits the work itself). */
  if (threads <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cpus > 0 ? (int)cpus : 1;
  }
  openblas_set_num_threads(threads);
  double t[5];
  for (int r = 0; r < 5; r++) {
    double t0 = sst_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K,
                b, N, 0.0f, c, N);
    t[r] = sst_now() - t0;
  }
  free(a); free(b); free(c);
  openblas_set_num_threads(1);
  return 2.0 * M * N * K / bench_median(t, 5) / 1e9;
}

typedef struct {
  double enc, rec, dec, col, tot, regamma; /* medians, s */
} pipeline_times;

/* Medians of `runs` fresh sessions at precision prec with the given
 * reconstruction method and number of passes (0 = the default), and of a
 * re-run after a gamma change in each. */
static pipeline_times time_pipeline(const bench_ctx *ctx, sst_precision prec,
                                    sst_method method, int passes,
                                    const sst_image *content,
                                    const sst_map *cmap, const sst_image *style,
                                    const sst_map *smap) {
  const int runs = ctx->runs;
  sst_error err = {0};
  sst_image out;
  sst_params p;
  sst_params_default(&p);
  p.threads = ctx->threads;
  p.precision = prec;
  p.method = method;
  if (passes > 0)
    p.passes = passes;
  double enc[64], rec[64], dec[64], col[64], tot[64], regamma[64];
  for (int r = 0; r < runs; r++) {
    sst_session *s = sst_session_new(ctx->model);
    sst_timings t;
    if (sst_session_set_content(s, content, cmap, &err) ||
        sst_session_set_style(s, style, smap, &err) ||
        sst_session_run(s, &p, &out, &err)) {
      fprintf(stderr, "bench: %s\n", err.msg);
      exit(1);
    }
    sst_session_timings(s, &t);
    sst_image_free(&out);
    enc[r] = t.encode; rec[r] = t.reconstruct; dec[r] = t.decode; tot[r] = t.total;
    col[r] = t.color;
    /* preview-style re-run after a gamma change (encodings cached) */
    p.gamma *= 1.1;
    if (sst_session_run(s, &p, &out, &err)) {
      fprintf(stderr, "bench: %s\n", err.msg);
      exit(1);
    }
    sst_session_timings(s, &t);
    regamma[r] = t.total;
    sst_image_free(&out);
    sst_session_free(s);
  }
  pipeline_times pt = {bench_median(enc, runs), bench_median(rec, runs),
                       bench_median(dec, runs), bench_median(col, runs),
                       bench_median(tot, runs),
                       bench_median(regamma, runs)};
  return pt;
}

void bench_pipeline(const bench_ctx *ctx) {
  const int W = 800, H = 600, SW = 512, SH = 384;
  sst_image content, style;
  bench_image(&content, W, H, 1);
  bench_image(&style, SW, SH, 7);
  uint8_t *cm = bench_halves_map(W, H), *sm = bench_halves_map(SW, SH);
  sst_map cmap = {W, H, cm, NULL}, smap = {SW, SH, sm, NULL};
  const int bf16 = sst_precision_available(SST_PRECISION_BF16);
  pipeline_times f = time_pipeline(ctx, SST_PRECISION_FLOAT32,
                                   SST_METHOD_STATS, 0, &content, &cmap,
                                   &style, &smap);
  pipeline_times b = f;
  if (bf16)
    b = time_pipeline(ctx, SST_PRECISION_BF16, SST_METHOD_STATS, 0, &content,
                      &cmap, &style, &smap);
  const pipeline_times pf = time_pipeline(ctx, SST_PRECISION_FLOAT32,
                                          SST_METHOD_PATCH, 0, &content, &cmap,
                                          &style, &smap);
  /* one pass beside the default, so the price of the passes is in view */
  const pipeline_times f1 = time_pipeline(ctx, SST_PRECISION_FLOAT32,
                                          SST_METHOD_STATS, 1, &content, &cmap,
                                          &style, &smap);
  sst_params d;
  sst_params_default(&d);
  /* every pass encodes and decodes the content; the style is encoded once */
  const double flops = d.passes * (encoder_flops(H, W) + decoder_flops(H, W)) +
                       encoder_flops(SH, SW);
  double blas = bench_sgemm_rate(ctx->threads);
  printf("semantic-style bench: content %dx%d, style %dx%d, 2 regions, poly, relu3_1, "
         "%d passes (default), %d runs\n", W, H, SW, SH, d.passes, ctx->runs);
  printf("OpenBLAS kernels: %s%s\n", openblas_get_corename(),
         getenv("OPENBLAS_CORETYPE") ? " (OPENBLAS_CORETYPE is set)" : "");
  printf("%-28s %10s %10s\n", "stage (median s)", "float32",
         bf16 ? "bf16" : "bf16: n/a");
#define ROW(name, field)                                                       \
  if (bf16)                                                                    \
    printf("%-28s %10.3f %10.3f\n", name, f.field, b.field);                  \
  else                                                                         \
    printf("%-28s %10.3f\n", name, f.field)
  ROW("encode (content+style)", enc);
  ROW("reconstruct", rec);
  ROW("decode", dec);
  ROW("  of which colour match", col);
  ROW("total", tot);
  ROW("re-run after gamma change", regamma);
#undef ROW
  printf("%-28s %10.3f   (float32; --method patch, defaults)\n",
         "patch method: reconstruct", pf.rec);
  printf("%-28s %10.3f\n", "patch method: total", pf.tot);
  printf("%-28s %10.3f   (float32; --passes 1; re-run after gamma change %.3f)\n",
         "one pass: total", f1.tot, f1.regamma);
  printf("conv GFLOP/s (encode+decode): %.1f   OpenBLAS sgemm GFLOP/s: %.1f   ratio %.0f%%\n",
         flops / (f.enc + f.dec) / 1e9, blas, 100.0 * flops / (f.enc + f.dec) / 1e9 / blas);
  if (bf16)
    printf("  with bf16 products: %.1f GFLOP/s (float32-equivalent), %.0f%% of sgemm\n",
           flops / (b.enc + b.dec) / 1e9, 100.0 * flops / (b.enc + b.dec) / 1e9 / blas);
  free(cm); free(sm);
  sst_image_free(&content); sst_image_free(&style);
}

/* Is section `name` selected by the comma-separated list (NULL = all)? */
static int selected(const char *list, const char *name) {
  if (!list)
    return 1;
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
      return 1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && !strcmp(argv[1], "--child")) { /* see bench_scale.c */
    const char *dir = getenv("SST_WEIGHTS_DIR");
    sst_model *m;
    sst_error err = {0};
    if (sst_model_load(dir ? dir : "weights", &m, &err) != SST_OK)
      return 1;
    int rc = bench_scale_child(m, atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    sst_model_free(m);
    return rc;
  }
  bench_ctx ctx = {NULL, argc > 1 ? atoi(argv[1]) : 5, argc > 2 ? atoi(argv[2]) : 0};
  const char *sections = argc > 3 ? argv[3] : NULL;
  if (ctx.runs < 1) ctx.runs = 1;
  if (ctx.runs > 64) ctx.runs = 64;
  const char *dir = getenv("SST_WEIGHTS_DIR");
  sst_model *m;
  sst_error err = {0};
  if (sst_model_load(dir ? dir : "weights", &m, &err) != SST_OK) {
    fprintf(stderr, "bench: %s\n", err.msg);
    return 1;
  }
  ctx.model = m;
  if (selected(sections, "pipeline"))
    bench_pipeline(&ctx);
  if (selected(sections, "conv"))
    bench_conv(&ctx);
  if (selected(sections, "preview"))
    bench_preview(&ctx);
  if (selected(sections, "gmic"))
    bench_gmic(&ctx);
  if (selected(sections, "scale"))
    bench_scale(&ctx);
  if (selected(sections, "oneshot"))
    bench_oneshot(&ctx);
  sst_model_free(m);
  return 0;
}
