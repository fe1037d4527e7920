/* bench_conv.c - section bench_conv: each 3x3 convolution of the bench's
 * 800x600 encode (to relu3_1) and decode, timed through the im2col + sgemm
 * path and the Winograd F(4x4,3x3) path, with the effective rate
 * (direct-convolution FLOPs / seconds, so Winograd can beat sgemm) next to
 * OpenBLAS's sgemm rate measured in the same run.  Also prints the scaled
 * difference between the two paths (max |wino - im2col| / max |im2col|),
 * and where the CPU has AVX-512 BF16 the Winograd path with bf16 products
 * (the --precision bf16 option) with its difference from im2col.
 * Random post-ReLU-like inputs and He-scaled weights: the cost does not
 * depend on the values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "conv_cache.h"
#include "conv_taps.h"
#include "conv_winograd.h"
#include "gemm_f32.h"
#include "layers.h"
#include "context.h" /* sst_now */

typedef struct {
  const char *name;
  int cin, cout, h, w, relu;
} conv_layer;

static const conv_layer LAYERS[] = {
    {"enc.conv1_1", 3, 64, 600, 800, 1},
    {"enc.conv1_2", 64, 64, 600, 800, 1},
    {"enc.conv2_1", 64, 128, 300, 400, 1},
    {"enc.conv2_2", 128, 128, 300, 400, 1},
    {"enc.conv3_1", 128, 256, 150, 200, 1},
    {"dec.conv3_1", 256, 128, 150, 200, 1},
    {"dec.conv2_2", 128, 128, 300, 400, 1},
    {"dec.conv2_1", 128, 64, 300, 400, 1},
    {"dec.conv1_2", 64, 64, 600, 800, 1},
    {"dec.conv1_1", 64, 3, 600, 800, 0},
};

static unsigned long long lcg = 12345;
static float frand(void) {
  lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((lcg >> 40) & 0xFFFFFF) / 16777216.0f;
}

void bench_conv(const bench_ctx *ctx) {
  int runs = ctx->runs < 1 ? 1 : ctx->runs;
  const int bf16 = sst_precision_available(SST_PRECISION_BF16);
  /* the convolutions' context: the bench's threads, float32 or bf16 */
  const sst_ctx f32 = sst_ctx_make(ctx->threads, SST_PRECISION_FLOAT32, NULL,
                                   NULL, NULL);
  sst_ctx run = f32, b16 = f32;
  b16.precision = SST_PRECISION_BF16;
  double blas = bench_sgemm_rate(ctx->threads);
  printf("\nbench_conv: 3x3 convolutions of an 800x600 encode+decode, %d runs "
         "(median), sgemm %.1f GFLOP/s; Winograd products: %s\n", runs, blas,
         sst_f32_avx512_available() ? "own AVX-512 kernel" : "OpenBLAS");
  printf("%-12s %4s %4s %8s %9s %7s %9s %7s %6s %9s%s\n", "layer", "cin",
         "cout", "map", "im2col s", "GF/s", "wino s", "GF/s", "gain", "diff",
         bf16 ? "   bf16 s    GF/s      diff" : "");
  double tot_i = 0, tot_w = 0, tot_b = 0, tot_auto = 0, flops_all = 0;
  for (size_t l = 0; l < sizeof LAYERS / sizeof *LAYERS; l++) {
    const conv_layer *L = &LAYERS[l];
    sst_error err = {0};
    sst_tensor x, yi, yw;
    if (sst_tensor_alloc(&x, L->cin, L->h, L->w, &err)) {
      fprintf(stderr, "bench_conv: %s\n", err.msg);
      return;
    }
    for (size_t i = 0; i < sst_tensor_size(&x); i++)
      x.data[i] = frand();
    size_t nw = (size_t)L->cout * L->cin * 9;
    float *wt = malloc(nw * sizeof *wt), *b = malloc(L->cout * sizeof *b);
    float sc = sqrtf(6.0f / (9.0f * L->cin));
    for (size_t i = 0; i < nw; i++)
      wt[i] = (2 * frand() - 1) * sc;
    for (int i = 0; i < L->cout; i++)
      b[i] = 0.1f * (2 * frand() - 1);
    sst_wino_weights ww;
    if (sst_wino_weights_init(&ww, wt, L->cin, L->cout, &err)) {
      fprintf(stderr, "bench_conv: %s\n", err.msg);
      exit(1);
    }
    double ti[64], tw[64];
    yi.data = yw.data = NULL;
    for (int r = 0; r < runs; r++) {
      /* as in a forward pass: the previous outputs' storage is reused */
      sst_fmap_recycle(&yi);
      sst_fmap_recycle(&yw);
      double t0 = sst_now();
      sst_status s = sst_conv3x3(&x, wt, b, L->cout, L->relu, &yi, &run, &err);
      double t1 = sst_now();
      if (!s)
        s = sst_conv3x3_winograd(&x, &ww, b, L->relu, 0, &yw, &run, &err);
      double t2 = sst_now();
      if (s) {
        fprintf(stderr, "bench_conv: %s\n", err.msg);
        exit(1);
      }
      ti[r] = t1 - t0;
      tw[r] = t2 - t1;
    }
    double mi = bench_median(ti, runs), mw = bench_median(tw, runs);
    double flops = 2.0 * 9.0 * L->cin * L->cout * (double)L->h * L->w;
    double dmax = 0, ymax = 0;
    for (size_t i = 0; i < sst_tensor_size(&yi); i++) {
      dmax = fmax(dmax, fabs((double)yi.data[i] - yw.data[i]));
      ymax = fmax(ymax, fabs((double)yi.data[i]));
    }
    int auto_w = sst_conv_pick_winograd(&f32, L->cin, L->cout, L->h, L->w);
    int auto_t = sst_conv_pick_taps(&f32, L->cin, L->cout);
    printf("%-12s %4d %4d %4dx%-3d %9.4f %7.1f %9.4f %7.1f %5.2fx %9.2e",
           L->name, L->cin, L->cout, L->w, L->h, mi, flops / mi / 1e9, mw,
           flops / mw / 1e9, mi / mw, dmax / (ymax > 0 ? ymax : 1));
    if (bf16) {
      double tb[64], db = 0;
      for (int r = 0; r < runs; r++) {
        sst_fmap_recycle(&yw);
        double t0 = sst_now();
        if (sst_conv3x3_winograd(&x, &ww, b, L->relu, 0, &yw, &b16, &err)) {
          fprintf(stderr, "bench_conv: %s\n", err.msg);
          exit(1);
        }
        tb[r] = sst_now() - t0;
      }
      for (size_t i = 0; i < sst_tensor_size(&yi); i++)
        db = fmax(db, fabs((double)yi.data[i] - yw.data[i]));
      double mb = bench_median(tb, runs);
      tot_b += mb;
      printf(" %9.4f %7.1f %9.2e", mb, flops / mb / 1e9,
             db / (ymax > 0 ? ymax : 1));
    }
    printf("%s\n", auto_w ? "  *" : auto_t ? "  t" : "");
    double mt = 0;
    if (L->cout <= SST_TAPS_MAX_COUT) { /* the tap-plane path, conv_taps.h */
      double tt[64];
      sst_tensor yt = {0};
      for (int r = 0; r < runs; r++) {
        sst_fmap_recycle(&yt);
        double t0 = sst_now();
        if (sst_conv3x3_taps(&x, wt, b, L->cout, L->relu, &yt, &run, &err)) {
          fprintf(stderr, "bench_conv: %s\n", err.msg);
          exit(1);
        }
        tt[r] = sst_now() - t0;
      }
      mt = bench_median(tt, runs);
      double dt = 0;
      for (size_t i = 0; i < sst_tensor_size(&yi); i++)
        dt = fmax(dt, fabs((double)yi.data[i] - yt.data[i]));
      printf("%-12s %19s %9s %7s %9.4f %7.1f %5.2fx %9.2e  (tap planes; gain "
             "vs im2col)\n",
             "", "", "", "", mt, flops / mt / 1e9, mi / mt,
             dt / (ymax > 0 ? ymax : 1));
      sst_tensor_free(&yt);
    }
    tot_i += mi;
    tot_w += mw;
    tot_auto += auto_w ? mw : auto_t ? mt : mi;
    flops_all += flops;
    sst_tensor_free(&yi);
    sst_tensor_free(&yw);
    sst_wino_weights_free(&ww);
    sst_tensor_free(&x);
    free(wt);
    free(b);
  }
  printf("%-12s %19s %9.4f %7.1f %9.4f %7.1f %5.2fx", "all", "", tot_i,
         flops_all / tot_i / 1e9, tot_w, flops_all / tot_w / 1e9,
         tot_i / tot_w);
  if (bf16)
    printf(" %9s %9.4f %7.1f", "", tot_b, flops_all / tot_b / 1e9);
  printf("\n");
  printf("auto rule (* = winograd, t = tap planes): %.4f s, %.1f GFLOP/s = %.0f%% of sgemm "
         "(same run)\n", tot_auto, flops_all / tot_auto / 1e9,
         100.0 * flops_all / tot_auto / 1e9 / blas);
}
