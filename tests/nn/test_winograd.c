/* test_winograd.c - the Winograd F(4x4,3x3) convolution against a float64
 * direct convolution computed here (and against the im2col path).
 *
 * Random inputs and weights over awkward shapes: sizes that are not
 * multiples of the 4x4 tile, 1-row / 1-column maps (reflection degenerates
 * to the pixel), cin = 3, cout = 3, one-tile-row bands.  Errors are
 * measured relative to the output's scale (max |reference|) because that is
 * what float32 round-off is proportional to: the im2col path's own error
 * is printed next to it.  Both paths run on 1, 2 and 3 band workers
 * (conv_par.c).  Also checks progress / cancellation, argument errors and
 * the buffer reuse of conv_cache.c. */
#include "../check.h"
#include <math.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_cache.h"
#include "conv_par.h"
#include "conv_taps.h"
#include "conv_winograd.h"
#include "layers.h"
#include "nn_testutil.h"

/* The context of the convolutions under test: threads and precision are
 * set by each check (zero: all cores, float32). */
static sst_ctx tctx;

static uint64_t rng = 0x9E3779B97F4A7C15u;
static double urand(void) { /* splitmix64 -> [0, 1) */
  uint64_t z = (rng += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* Reflection as the engine defines it (PyTorch's, plus n == 1 -> 0). */
static int refl(int i, int n) {
  if (n == 1)
    return 0;
  return i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i);
}

/* float64 reference: direct 3x3 convolution, reflection padding 1. */
static void conv_ref(const sst_tensor *x, const float *wt, const float *b,
                     int cout, int relu, double *y) {
  int h = x->h, w = x->w, cin = x->c;
  for (int co = 0; co < cout; co++)
    for (int yy = 0; yy < h; yy++)
      for (int xx = 0; xx < w; xx++) {
        double acc = b[co];
        for (int c = 0; c < cin; c++)
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
              acc += (double)wt[((co * cin + c) * 3 + ky) * 3 + kx] *
                     x->data[((size_t)c * h + refl(yy + ky - 1, h)) * w +
                             refl(xx + kx - 1, w)];
        if (relu && acc < 0)
          acc = 0;
        y[((size_t)co * h + yy) * w + xx] = acc;
      }
}

/* max |got - ref| / max |ref| */
static double scaled_err(const float *got, const double *ref, size_t n) {
  double e = 0, m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)got[i] - ref[i]);
    if (!(d <= e)) /* NaN propagates */
      e = d;
    m = fmax(m, fabs(ref[i]));
  }
  return e / (m > 0 ? m : 1);
}

typedef struct {
  int cin, cout, h, w, relu;
} shape;

static double worst_wino = 0, worst_im2col = 0, worst_taps = 0;

/* Bound on the scaled error: float32 round-off of a sum of 9*cin terms
 * whose magnitude is comparable with the output scale, amplified by the
 * transforms (entries up to 8 in A', 5/2 in B').  Measured worst case on
 * these shapes: 1.9e-6 (im2col: 6.5e-7); the bound leaves 3x margin and is
 * far below what a wrong tap or a misplaced border gives (0.1-1). */
#define WINO_TOL 6e-6

/* The reduced-precision path (SST_PRECISION_BF16): where the CPU has
 * AVX-512 BF16 its error must be clearly above float32's (so the bfloat16
 * products really ran) and within BF16_TOL; elsewhere it must fall back to
 * float32 exactly.  BF16_TOL: rounding the Winograd-domain inputs and
 * kernels to 8 significant bits (relative error up to 2^-9 each), then A'
 * (entries up to 8) on the sums; the measured worst scaled error over these
 * shapes is 2.3e-2 (cin = 3, where nothing averages out; 1.1-1.8e-2
 * otherwise), so the bound leaves ~2x.  A wrong tap or border gives 0.1-1;
 * the exact product code is checked tightly in nn_gemm. */
#define BF16_TOL 5e-2
static double worst_bf16 = 0;

static void run_bf16(const sst_tensor *x, const sst_wino_weights *ww,
                     const float *b, shape s, const double *ref,
                     double e_f32) {
  sst_error err = {0};
  sst_tensor f = {0}, y = {0};
  const size_t nout = (size_t)s.cout * s.h * s.w;
  /* one tile row per band in both: the float32 products' rounding depends
   * on the band's width */
  sst_status st = sst_conv3x3_winograd(x, ww, b, s.relu, 1, &f, &tctx, &err);
  sst_ctx bf16 = tctx;
  bf16.precision = SST_PRECISION_BF16;
  if (!st)
    st = sst_conv3x3_winograd(x, ww, b, s.relu, 1, &y, &bf16, &err);
  CHECK(st == SST_OK, "bf16 winograd: %s", err.msg);
  if (!st && sst_precision_available(SST_PRECISION_BF16)) {
    double e = scaled_err(y.data, ref, nout);
    CHECK(e <= BF16_TOL, "bf16 winograd %dx%dx%d -> %d: scaled error %.3g > "
          "%.0e", s.cin, s.h, s.w, s.cout, e, BF16_TOL);
    CHECK(e > 10 * e_f32, "bf16 winograd %dx%dx%d -> %d: error %.3g not above "
          "float32's %.3g: did the bfloat16 products run?", s.cin, s.h, s.w,
          s.cout, e, e_f32);
    printf("     bf16 products: scaled max err %.2e\n", e);
    worst_bf16 = isnan(e) ? e : fmax(worst_bf16, e);
  } else if (!st) {
    CHECK(memcmp(f.data, y.data, nout * sizeof *f.data) == 0,
          "bf16 requested without AVX-512 BF16: result is not float32's");
  }
  sst_tensor_free(&f);
  sst_tensor_free(&y);
}

static void run_shape(shape s) {
  sst_error err = {0};
  sst_tensor x;
  if (sst_tensor_alloc(&x, s.cin, s.h, s.w, &err)) {
    CHECK(0, "alloc: %s", err.msg);
    return;
  }
  size_t nin = sst_tensor_size(&x), nw = (size_t)s.cout * s.cin * 9;
  size_t nout = (size_t)s.cout * s.h * s.w;
  float *wt = malloc(nw * sizeof *wt), *b = malloc(s.cout * sizeof *b);
  double *ref = malloc(nout * sizeof *ref);
  /* post-ReLU-like inputs, He-scaled symmetric weights */
  for (size_t i = 0; i < nin; i++)
    x.data[i] = (float)urand();
  double sc = sqrt(6.0 / (9.0 * s.cin));
  for (size_t i = 0; i < nw; i++)
    wt[i] = (float)((2 * urand() - 1) * sc);
  for (int i = 0; i < s.cout; i++)
    b[i] = (float)(0.2 * (2 * urand() - 1));
  conv_ref(&x, wt, b, s.cout, s.relu, ref);

  sst_tensor y;
  sst_status st = sst_conv3x3_banded(&x, wt, b, s.cout, s.relu, 0, &y, &tctx,
                                     &err);
  CHECK(st == SST_OK, "im2col: %s", err.msg);
  double e_im = st ? 1 : scaled_err(y.data, ref, nout);
  sst_tensor_free(&y);

  sst_wino_weights ww;
  st = sst_wino_weights_init(&ww, wt, s.cin, s.cout, &err);
  CHECK(st == SST_OK, "winograd weights: %s", err.msg);
  const int bands[3] = {0, 1, 2};
  double e_wi = 0;
  for (int k = 0; k < 3 && !st; k++) {
    st = sst_conv3x3_winograd(&x, &ww, b, s.relu, bands[k], &y, &tctx, &err);
    CHECK(st == SST_OK, "winograd: %s", err.msg);
    if (st)
      break;
    CHECK(y.c == s.cout && y.h == s.h && y.w == s.w, "winograd shape");
    double e = scaled_err(y.data, ref, nout);
    e_wi = isnan(e) ? e : fmax(e_wi, e);
    sst_tensor_free(&y);
  }
  int ok = e_wi <= WINO_TOL;
  CHECK(ok, "winograd %dx%dx%d -> %d: scaled error %.3g > %.1g", s.cin, s.h,
        s.w, s.cout, e_wi, WINO_TOL);
  printf("%s cin %3d cout %3d %3dx%-3d relu %d: scaled max err im2col %.2e  "
         "winograd %.2e (bands 0,1,2)\n", ok ? "ok  " : "FAIL", s.cin, s.cout,
         s.h, s.w, s.relu, e_im, e_wi);
  if (!st)
    run_bf16(&x, &ww, b, s, ref, e_wi);
  worst_wino = fmax(worst_wino, e_wi);
  worst_im2col = fmax(worst_im2col, e_im);
  if (s.cout <= SST_TAPS_MAX_COUT) { /* the tap-plane path (conv_taps.h) */
    st = sst_conv3x3_taps(&x, wt, b, s.cout, s.relu, &y, &tctx, &err);
    CHECK(st == SST_OK, "taps: %s", err.msg);
    if (!st) {
      CHECK(y.c == s.cout && y.h == s.h && y.w == s.w, "taps shape");
      double e = scaled_err(y.data, ref, nout);
      CHECK(e <= WINO_TOL, "taps %dx%dx%d -> %d: scaled error %.3g > %.1g",
            s.cin, s.h, s.w, s.cout, e, WINO_TOL);
      printf("     tap planes: scaled max err %.2e\n", e);
      worst_taps = isnan(e) ? e : fmax(worst_taps, e);
      sst_tensor_free(&y);
    }
  }
  sst_wino_weights_free(&ww);
  sst_tensor_free(&x);
  free(wt);
  free(b);
  free(ref);
}


static void test_progress_and_errors(void) {
  sst_error err = {0};
  sst_tensor x, y;
  sst_tensor_alloc(&x, 4, 13, 9, &err);
  for (size_t i = 0; i < sst_tensor_size(&x); i++)
    x.data[i] = (float)urand();
  float wt[4 * 4 * 9], b[4] = {0};
  for (int i = 0; i < 4 * 4 * 9; i++)
    wt[i] = (float)(urand() - 0.5);
  sst_wino_weights ww;
  sst_wino_weights_init(&ww, wt, 4, 4, &err);
  tw_progress_log log = {0, 1, 0, 0.0f, 0.0f};
  sst_ctx p = {.fn = tw_on_progress, .user = &log, .stage = "test", .lo = 0.25f, .hi = 0.75f};
  sst_status s = sst_conv3x3_winograd(&x, &ww, b, 1, 1, &y, &p, &err);
  CHECK(s == SST_OK && log.calls >= 1 && log.monotonic &&
            fabsf(log.last - 0.75f) < 1e-6f,
        "winograd progress: status %d, %d calls, last %g", (int)s, log.calls,
        log.last);
  sst_tensor_free(&y);
  tw_progress_log c = {0, 1, 1, 0.0f, 0.0f};
  sst_ctx pc = {.fn = tw_on_progress, .user = &c, .stage = "test", .lo = 0, .hi = 1};
  s = sst_conv3x3_winograd(&x, &ww, b, 1, 1, &y, &pc, &err);
  CHECK(s == SST_ERR_CANCELLED && !y.data, "winograd cancel: status %d",
        (int)s);
  printf("ok   winograd progress (%d callbacks) and cancellation\n",
         log.calls);
  /* wrong channel count, missing bias, bad weight shapes */
  sst_wino_weights w3;
  sst_wino_weights_init(&w3, wt, 3, 4, &err);
  s = sst_conv3x3_winograd(&x, &w3, b, 1, 0, &y, &tctx, &err);
  CHECK(s == SST_ERR_INVALID && !y.data, "cin mismatch: status %d", (int)s);
  s = sst_conv3x3_winograd(&x, &ww, NULL, 1, 0, &y, &tctx, &err);
  CHECK(s == SST_ERR_INVALID && !y.data, "no bias: status %d", (int)s);
  sst_wino_weights bad;
  s = sst_wino_weights_init(&bad, wt, 0, 4, &err);
  CHECK(s == SST_ERR_INVALID && !bad.u, "cin 0: status %d", (int)s);
  s = sst_wino_weights_init(&bad, NULL, 4, 4, &err);
  CHECK(s == SST_ERR_INVALID && !bad.u, "no weights: status %d", (int)s);
  printf("ok   winograd argument errors\n");
  sst_wino_weights_free(&w3);
  sst_wino_weights_free(&ww);
  sst_tensor_free(&x);
}

/* Recycled storage serves the next map of a similar size, keeps its real
 * capacity, and small or far smaller requests get fresh memory. */
static void test_cache(void) {
  sst_error err = {0};
  sst_tensor a, b, c;
  sst_fmap_trim();
  CHECK(!sst_fmap_alloc(&a, 8, 256, 512, &err), "alloc: %s", err.msg);
  float *pa = a.data;
  for (size_t i = 0; i < sst_tensor_size(&a); i++) /* all of it writable */
    a.data[i] = 1.0f;
  sst_fmap_recycle(&a);
  CHECK(!a.data && !a.c, "recycle leaves the tensor empty");
  CHECK(!sst_fmap_alloc(&b, 7, 256, 512, &err) && b.data == pa,
        "a 7/8-size map reuses the block");
  for (size_t i = 0; i < sst_tensor_size(&b); i++)
    b.data[i] = 2.0f;
  sst_fmap_recycle(&b); /* comes back with the full 8x256x512 capacity */
  CHECK(!sst_fmap_alloc(&c, 8, 256, 512, &err) && c.data == pa,
        "the full size fits again after a smaller use");
  for (size_t i = 0; i < sst_tensor_size(&c); i++)
    c.data[i] = 3.0f;
  sst_fmap_recycle(&c);
  CHECK(!sst_fmap_alloc(&a, 2, 256, 512, &err) && a.data != pa,
        "a map under half the block gets fresh memory");
  sst_tensor_free(&a); /* plain free is always allowed */
  CHECK(!sst_fmap_alloc(&b, 16, 256, 512, &err) && b.data != pa,
        "a larger map gets fresh memory");
  sst_fmap_recycle(&b);
  sst_fmap_trim();
  printf("ok   feature-map buffer reuse\n");
}

/* sst_run_bands_monitored (conv_par.h): bands that run until told to
 * stop, a monitor that cancels at its third call.  The call must return
 * SST_ERR_CANCELLED with every band stopped (a band that never saw the
 * flag would spin until the test's timeout), the monitor must have run on
 * this thread, and a run without a cancel must do every band once. */
typedef struct {
  atomic_int stop, bands_done, entered;
  int monitor_calls, cancel_at;
  pthread_t caller;
  int wrong_thread;
  int hits[8];
} mon_ctx;

static void spin_band(void *ctx, int band, int worker) {
  (void)worker;
  mon_ctx *m = ctx;
  atomic_fetch_add(&m->entered, 1);
  m->hits[band]++;
  while (m->cancel_at > 0 && !atomic_load(&m->stop))
    ; /* a long band that polls its flag */
  atomic_fetch_add(&m->bands_done, 1);
}

static int count_monitor(void *ctx) {
  mon_ctx *m = ctx;
  m->wrong_thread |= !pthread_equal(pthread_self(), m->caller);
  if (m->cancel_at > 0 && ++m->monitor_calls >= m->cancel_at) {
    atomic_store(&m->stop, 1);
    return 1;
  }
  return 0;
}

static void test_monitored(void) {
  sst_error err = {0};
  mon_ctx m = {.cancel_at = 3, .caller = pthread_self()};
  atomic_init(&m.stop, 0);
  atomic_init(&m.bands_done, 0);
  atomic_init(&m.entered, 0);
  sst_status rc =
      sst_run_bands_monitored(2, 2, spin_band, &m, count_monitor, &err);
  CHECK(rc == SST_ERR_CANCELLED, "monitored cancel gave %d", rc);
  CHECK(atomic_load(&m.bands_done) == atomic_load(&m.entered),
        "monitored: %d bands entered, %d returned", atomic_load(&m.entered),
        atomic_load(&m.bands_done));
  CHECK(m.monitor_calls == 3, "monitored: %d monitor calls", m.monitor_calls);
  mon_ctx n = {.cancel_at = 0, .caller = pthread_self()};
  atomic_init(&n.stop, 0);
  atomic_init(&n.bands_done, 0);
  atomic_init(&n.entered, 0);
  rc = sst_run_bands_monitored(5, 2, spin_band, &n, count_monitor, &err);
  int once = 1;
  for (int b = 0; b < 5; b++)
    once &= n.hits[b] == 1;
  CHECK(rc == SST_OK && once && atomic_load(&n.bands_done) == 5,
        "monitored run: rc %d, %d bands", rc, atomic_load(&n.bands_done));
  CHECK(!m.wrong_thread && !n.wrong_thread,
        "the monitor ran on another thread");
  printf("ok   monitored bands: cancel stops running bands, monitor on the "
         "calling thread\n");
}

/* The persistent workers (conv_par.c): a loop whose bands start loops of
 * their own (nested: the pool is taken, so they get fresh threads), two
 * callers at once (one of them without the pool), and narrow loops after
 * wide ones.  Every band of every loop must run exactly once. */
typedef struct {
  atomic_int hits[64];
  int inner; /* bands of the nested loop each band starts (0: none) */
} pool_ctx;

static void count_band(void *ctx, int band, int worker) {
  (void)worker;
  pool_ctx *c = ctx;
  atomic_fetch_add(&c->hits[band], 1);
  if (c->inner) {
    pool_ctx in = {.inner = 0};
    for (int b = 0; b < 64; b++)
      atomic_init(&in.hits[b], 0);
    sst_error err = {0};
    sst_run_bands(c->inner, 3, count_band, &in, NULL, &err);
    for (int b = 0; b < c->inner; b++)
      if (atomic_load(&in.hits[b]) != 1)
        atomic_fetch_add(&c->hits[63], 1000); /* flags a nested miss */
  }
}

static int ran_once(pool_ctx *c, int nbands) {
  for (int b = 0; b < 64; b++)
    if (atomic_load(&c->hits[b]) != (b < nbands ? 1 : 0))
      return 0;
  return 1;
}

static void *pool_caller(void *arg) {
  pool_ctx *c = arg;
  sst_error err = {0};
  for (int r = 0; r < 50; r++) {
    for (int b = 0; b < 64; b++)
      atomic_store(&c->hits[b], 0);
    if (sst_run_bands(40, 3, count_band, c, NULL, &err) != SST_OK ||
        !ran_once(c, 40))
      return (void *)1;
  }
  return NULL;
}

static void test_pool(void) {
  sst_error err = {0};
  pool_ctx nested = {.inner = 7};
  for (int b = 0; b < 64; b++)
    atomic_init(&nested.hits[b], 0);
  sst_status rc = sst_run_bands(9, 3, count_band, &nested, NULL, &err);
  CHECK(rc == SST_OK && ran_once(&nested, 9), "nested loops: a band ran "
                                              "twice or not at all");
  pool_ctx a = {0}, b = {0};
  pthread_t ta, tb;
  void *ra = (void *)1, *rb = (void *)1;
  if (pthread_create(&ta, NULL, pool_caller, &a) == 0) {
    if (pthread_create(&tb, NULL, pool_caller, &b) == 0)
      pthread_join(tb, &rb);
    pthread_join(ta, &ra);
  }
  CHECK(!ra && !rb, "two callers at once: a band ran twice or not at all");
  /* wide (monitored, 4 workers) then narrow (2) then wide again */
  int ok = 1;
  for (int r = 0; r < 20 && ok; r++) {
    mon_ctx m = {.cancel_at = 0, .caller = pthread_self()};
    atomic_init(&m.stop, 0);
    atomic_init(&m.bands_done, 0);
    atomic_init(&m.entered, 0);
    ok = sst_run_bands_monitored(4, 4, spin_band, &m, count_monitor, &err) ==
             SST_OK &&
         atomic_load(&m.bands_done) == 4;
    pool_ctx n = {0};
    for (int k = 0; k < 64; k++)
      atomic_init(&n.hits[k], 0);
    ok = ok && sst_run_bands(5, 2, count_band, &n, NULL, &err) == SST_OK &&
         ran_once(&n, 5);
  }
  CHECK(ok, "wide and narrow loops in turn: a band ran twice or not at all");
  printf("ok   persistent workers: nested loops, two callers at once, wide "
         "and narrow loops in turn\n");
}

static int same_tensor(const sst_tensor *a, const sst_tensor *b) {
  return a->data && b->data && a->c == b->c && a->h == b->h && a->w == b->w &&
         memcmp(a->data, b->data, sst_tensor_size(a) * sizeof(float)) == 0;
}

/* The fused variants (conv_winograd.h) against the separate layers:
 * upsample then convolve, convolve then max-pool.  Same floats in the same
 * order, so the results must be bit-identical, on odd sizes (pooling
 * drops the last row / column), a 1-pixel input and banding across
 * workers. */
static void test_fused_at(sst_precision prec) {
  const shape shapes[] = {{16, 8, 7, 9, 1},  {8, 16, 1, 1, 0},
                          {32, 8, 12, 10, 1}, {16, 16, 13, 6, 0},
                          {8, 3, 2, 3, 1}};
  int identical = 1, ran = 0;
  tctx.precision = prec;
  for (int t = 1; t <= 3; t++) {
    tctx.threads = t;
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
      const shape s = shapes[k];
      sst_error err = {0};
      sst_tensor x, up = {0}, y = {0}, yf = {0}, pooled = {0}, pf = {0};
      if (sst_tensor_alloc(&x, s.cin, s.h, s.w, &err))
        break;
      for (size_t i = 0; i < sst_tensor_size(&x); i++)
        x.data[i] = (float)urand();
      size_t nw = (size_t)s.cout * s.cin * 9;
      float *wt = malloc(nw * sizeof *wt), *b = malloc(s.cout * sizeof *b);
      for (size_t i = 0; i < nw; i++)
        wt[i] = (float)(2 * urand() - 1);
      for (int i = 0; i < s.cout; i++)
        b[i] = (float)(0.2 * (2 * urand() - 1));
      sst_wino_weights ww = {0};
      CHECK(sst_wino_weights_init(&ww, wt, s.cin, s.cout, &err) == SST_OK,
            "%s", err.msg);
      /* upsampled input */
      CHECK(sst_upsample2(&x, &up, &err) == SST_OK, "%s", err.msg);
      CHECK(sst_conv3x3_winograd(&up, &ww, b, s.relu, 0, &y, &tctx, &err) ==
                SST_OK,
            "%s", err.msg);
      CHECK(sst_conv3x3_winograd_fused(&x, &ww, b, s.relu, 0,
                                       SST_WINO_UPSAMPLED_INPUT, &yf, &tctx,
                                       &err) == SST_OK,
            "fused upsample %dx%d: %s", s.w, s.h, err.msg);
      identical &= same_tensor(&y, &yf);
      /* pooled output (the input itself, when it can be pooled) */
      if (s.h >= 2 && s.w >= 2) {
        sst_tensor_free(&y);
        CHECK(sst_conv3x3_winograd(&x, &ww, b, s.relu, 0, &y, &tctx, &err) ==
                  SST_OK,
              "%s", err.msg);
        CHECK(sst_maxpool2(&y, &pooled, &err) == SST_OK, "%s", err.msg);
        CHECK(sst_conv3x3_winograd_fused(&x, &ww, b, s.relu, 0,
                                         SST_WINO_POOLED_OUTPUT, &pf, &tctx,
                                         &err) == SST_OK,
              "fused pool %dx%d: %s", s.w, s.h, err.msg);
        identical &= same_tensor(&pooled, &pf);
      } else {
        CHECK(sst_conv3x3_winograd_fused(&x, &ww, b, s.relu, 0,
                                         SST_WINO_POOLED_OUTPUT, &pf, &tctx,
                                         &err) == SST_ERR_INVALID,
              "fused pool of a 1-pixel map did not fail");
      }
      ran++;
      sst_wino_weights_free(&ww);
      sst_tensor_free(&x);
      sst_tensor_free(&up);
      sst_tensor_free(&y);
      sst_tensor_free(&yf);
      sst_tensor_free(&pooled);
      sst_tensor_free(&pf);
      free(wt);
      free(b);
    }
  }
  tctx.threads = 2;
  tctx.precision = SST_PRECISION_FLOAT32;
  CHECK(ran == 15, "fused: only %d of 15 cases ran", ran);
  CHECK(identical, "fused upsample / pool differ from the separate layers "
        "(%s)", sst_precision_name(prec));
  printf("fused upsample+conv and conv+pool bit-identical to the separate "
         "layers (%d cases, %s)\n",
         ran, sst_precision_name(prec));
}

static void test_fused(void) {
  test_fused_at(SST_PRECISION_FLOAT32);
  test_fused_at(SST_PRECISION_BF16);
}

int main(void) {
  const shape shapes[] = {
      {3, 64, 23, 37, 1},   /* cin = 3 (conv1_1), odd sizes */
      {64, 3, 18, 29, 0},   /* cout = 3, no ReLU (last decoder conv) */
      {64, 3, 41, 33, 1},   /* cout = 3 over several bands */
      {16, 4, 1, 13, 1},    /* tap planes on one row */
      {16, 2, 11, 1, 0},    /* ... and one column */
      {16, 16, 1, 13, 1},   /* one row */
      {16, 8, 11, 1, 0},    /* one column */
      {8, 8, 2, 2, 0},      /* a single partial tile */
      {8, 8, 4, 8, 0},      /* exact tiles */
      {5, 7, 6, 10, 1},     /* 1.5 tiles each way */
      {64, 64, 33, 47, 1},
      {128, 32, 17, 18, 1},
      {256, 64, 9, 12, 1},  /* K like conv3_x */
      {512, 16, 8, 9, 0},   /* K like dec.conv4_1 */
  };
  const int threads[3] = {1, 2, 3};
  for (int t = 0; t < 3; t++) {
    printf("-- %d band worker%s\n", threads[t], threads[t] > 1 ? "s" : "");
    tctx.threads = threads[t];
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
      run_shape(shapes[i]);
  }
  tctx.threads = 2;
  printf("worst scaled error: im2col %.2e, winograd %.2e, tap planes %.2e "
         "(bound %.0e)\n",
         worst_im2col, worst_wino, worst_taps, WINO_TOL);
  if (sst_precision_available(SST_PRECISION_BF16))
    printf("worst scaled error of the bf16 products: %.2e (bound %.0e)\n",
           worst_bf16, BF16_TOL);
  else
    printf("no AVX-512 BF16 here: bf16 requests ran as float32, "
           "bit-identical\n");
  test_progress_and_errors();
  test_cache();
  test_fused();
  test_monitored();
  test_pool();
  printf("%s\n", failures ? "FAILED" : "all winograd checks passed");
  return failures ? 1 : 0;
}
