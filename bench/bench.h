/* bench.h - shared helpers of the one benchmark program (sst-bench).
 *
 * Each section lives in its own file (bench_<section>.c) and prints its own
 * rows; bench.c runs them in order.  CI builds the program but never times
 * it: the figures are for people, with the machine's load in mind. */
#ifndef SST_BENCH_H
#define SST_BENCH_H
#include <stdint.h>

#include "sst.h"

typedef struct {
  const sst_model *model;
  int runs;    /* repetitions per figure (medians are printed) */
  int threads; /* 0 = all cores */
} bench_ctx;

double bench_median(double *v, int n);
/* Sleeps that many seconds (none for <= 0): the idle pause before a timed
 * process, as a user's run has one (bench_oneshot.c, bench_gmic.c). */
void bench_idle(double seconds);
/* Allocates img (w x h) and fills it with a smooth, deterministic
 * photo-like image; non-zero when out of memory. */
int bench_image(sst_image *img, int w, int h, int seed);
/* Two flat regions: blue top half, green bottom half (caller frees). */
uint8_t *bench_halves_map(int w, int h);
/* OpenBLAS sgemm GFLOP/s at a conv-like shape, same thread rule. */
double bench_sgemm_rate(int threads);

/* sections */
void bench_pipeline(const bench_ctx *ctx);
void bench_conv(const bench_ctx *ctx);
void bench_preview(const bench_ctx *ctx);
void bench_scale(const bench_ctx *ctx);
void bench_gmic(const bench_ctx *ctx);
void bench_oneshot(const bench_ctx *ctx);
/* G'MIC's stylize (bench_gmic.c): is the gmic command there, and the median
 * seconds of min(runs, 3) runs on the pair (< 0 when it failed), each
 * after `idle` seconds of sleep (bench_idle). */
int bench_gmic_available(void);
double bench_gmic_seconds(const sst_image *content, const sst_image *style,
                          int runs, double idle);
/* The child process of bench_scale: one run at w x h, prints seconds. */
int bench_scale_child(const sst_model *m, int w, int h, int threads);
#endif
