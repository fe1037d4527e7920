/* test_layers.c - single layers against PyTorch float64 goldens.
 *
 * tests/data/nn/layers.safetensors comes from tools/make_golden.py: inputs,
 * weights and expected outputs of 3x3 conv (reflection pad, odd sizes,
 * several band heights), 1x1 conv, ReLU, 2x2 max-pool (odd/even sizes) and
 * nearest x2 upsampling.  Also checks progress, cancellation and argument
 * errors of the layer functions. */
#include "../check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "nn_testutil.h"
#include "safetensors.h"

static sst_st_file *golden;


/* Loads a golden tensor as C x H x W (1-D and 4-D shapes are flattened
 * into c with h = w = 1 so weights load the same way). */
static sst_tensor load(const char *name) {
  sst_tensor t = {0};
  const sst_st_tensor *info = sst_st_find(golden, name);
  if (!info) {
    printf("FATAL: golden tensor %s missing; rerun tools/make_golden.py\n",
           name);
    exit(1);
  }
  int c = 1, h = 1, w = 1;
  if (info->ndim == 3) {
    c = (int)info->shape[0], h = (int)info->shape[1], w = (int)info->shape[2];
  } else {
    c = (int)info->count;
  }
  sst_error err = {0};
  if (sst_tensor_alloc(&t, c, h, w, &err) ||
      sst_st_read_f32(golden, name, info->ndim, info->shape, t.data, &err)) {
    printf("FATAL: %s\n", err.msg);
    exit(1);
  }
  return t;
}

static void expect_tensor(const char *what, const sst_tensor *got,
                          const sst_tensor *want, double atol, double rtol) {
  if (got->c != want->c || got->h != want->h || got->w != want->w) {
    CHECK(0, "%s: shape %dx%dx%d, expected %dx%dx%d", what, got->c, got->h,
          got->w, want->c, want->h, want->w);
    return;
  }
  failures += tw_compare(what, got->data, want->data, sst_tensor_size(want),
                         atol, rtol);
}

static void test_conv3(const char *prefix, const char *out_name, int relu,
                       const int *bands, int nbands) {
  char n[64];
  snprintf(n, sizeof n, "%s.input", prefix);
  sst_tensor x = load(n);
  snprintf(n, sizeof n, "%s.weight", prefix);
  sst_tensor w = load(n);
  snprintf(n, sizeof n, "%s.bias", prefix);
  sst_tensor b = load(n);
  snprintf(n, sizeof n, "%s.%s", prefix, out_name);
  sst_tensor want = load(n);
  for (int i = 0; i < nbands; i++) {
    sst_tensor y;
    sst_error err = {0};
    sst_status s = sst_conv3x3_banded(&x, w.data, b.data, want.c, relu,
                                      bands[i], &y, NULL, &err);
    CHECK(s == SST_OK, "conv3x3 %s: %s", prefix, err.msg);
    if (s == SST_OK) {
      char what[96];
      snprintf(what, sizeof what, "conv3x3 %s %s cin=%d %dx%d band_rows=%d",
               prefix, out_name, x.c, x.h, x.w, bands[i]);
      expect_tensor(what, &y, &want, 2e-5, 1e-5);
    }
    sst_tensor_free(&y);
  }
  sst_tensor_free(&x);
  sst_tensor_free(&w);
  sst_tensor_free(&b);
  sst_tensor_free(&want);
}

static void test_conv1(void) {
  sst_tensor x = load("conv1.input"), w = load("conv1.weight"),
             b = load("conv1.bias");
  const char *outs[2] = {"conv1.linear", "conv1.relu"};
  for (int relu = 0; relu < 2; relu++) {
    sst_tensor want = load(outs[relu]), y;
    sst_error err = {0};
    sst_status s = sst_conv1x1(&x, w.data, b.data, want.c, relu, &y, &err);
    CHECK(s == SST_OK, "conv1x1: %s", err.msg);
    if (!s)
      expect_tensor(outs[relu], &y, &want, 2e-6, 1e-6);
    sst_tensor_free(&y);
    sst_tensor_free(&want);
  }
  sst_tensor_free(&x);
  sst_tensor_free(&w);
  sst_tensor_free(&b);
}

static void test_relu(void) {
  sst_tensor y = load("conv_a.linear"), want = load("conv_a.relu");
  sst_relu(&y);
  expect_tensor("relu(conv_a.linear)", &y, &want, 2e-5, 1e-5);
  sst_tensor_free(&y);
  sst_tensor_free(&want);
}

static void test_pool_up(void) {
  const char *cases[3][3] = {{"pool_odd.input", "pool_odd.output", "pool"},
                             {"pool_even.input", "pool_even.output", "pool"},
                             {"up.input", "up.output", "up"}};
  for (int i = 0; i < 3; i++) {
    sst_tensor x = load(cases[i][0]), want = load(cases[i][1]), y;
    sst_error err = {0};
    sst_status s = cases[i][2][0] == 'p' ? sst_maxpool2(&x, &y, &err)
                                         : sst_upsample2(&x, &y, &err);
    CHECK(s == SST_OK, "%s: %s", cases[i][1], err.msg);
    if (!s) /* pure data movement: must be exact */
      expect_tensor(cases[i][1], &y, &want, 0, 0);
    sst_tensor_free(&y);
    sst_tensor_free(&x);
    sst_tensor_free(&want);
  }
}

/* A 1x1 map (PyTorch refuses to reflect it): every tap sees the pixel, so
 * out = bias + x * sum of the 9 taps.  Checks it is defined and safe. */
static void test_conv_1x1_map(void) {
  sst_tensor x;
  sst_error err = {0};
  sst_tensor_alloc(&x, 2, 1, 1, &err);
  x.data[0] = 0.5f, x.data[1] = -2.0f;
  float w[2 * 2 * 9], b[2] = {0.25f, -1.0f};
  for (int i = 0; i < 36; i++)
    w[i] = (float)(i % 7) - 3.0f;
  sst_tensor y;
  sst_status s = sst_conv3x3(&x, w, b, 2, 0, &y, NULL, &err);
  CHECK(s == SST_OK, "conv3x3 on 1x1: %s", err.msg);
  if (!s) {
    for (int co = 0; co < 2; co++) {
      double want = b[co];
      for (int c = 0; c < 2; c++)
        for (int k = 0; k < 9; k++)
          want += (double)w[(co * 2 + c) * 9 + k] * x.data[c];
      CHECK(fabs(y.data[co] - want) < 1e-5, "1x1 map: got %g want %g",
            y.data[co], want);
    }
    printf("ok   conv3x3 on a 1x1 map (reflection degenerates to the pixel)\n");
  }
  sst_tensor_free(&y);
  sst_tensor_free(&x);
}


static void test_progress_cancel(void) {
  sst_tensor x = load("conv_b.input"), w = load("conv_b.weight"),
             b = load("conv_b.bias");
  sst_error err = {0};
  sst_tensor y;
  /* progress: monotonic, ends at the stage's hi */
  tw_progress_log log = {0, 1, 0, 0.0f, 0.0f};
  sst_ctx p = {.fn = tw_on_progress, .user = &log, .stage = "test", .lo = 0.25f, .hi = 0.75f};
  sst_status s = sst_conv3x3_banded(&x, w.data, b.data, 8, 1, 1, &y, &p, &err);
  CHECK(s == SST_OK, "progress run: %s", err.msg);
  CHECK(log.calls >= 1 && log.monotonic && fabsf(log.last - 0.75f) < 1e-6f,
        "progress: %d calls, monotonic %d, last %g (want 0.75)", log.calls,
        log.monotonic, log.last);
  sst_tensor_free(&y);
  /* cancellation on the first callback */
  tw_progress_log c = {0, 1, 1, 0.0f, 0.0f};
  sst_ctx pc = {.fn = tw_on_progress, .user = &c, .stage = "test", .lo = 0, .hi = 1};
  s = sst_conv3x3_banded(&x, w.data, b.data, 8, 1, 1, &y, &pc, &err);
  CHECK(s == SST_ERR_CANCELLED && y.data == NULL,
        "cancel: status %d, output %p", (int)s, (void *)y.data);
  printf("ok   conv progress (%d callbacks, last %.3f) and cancellation "
         "(status %d)\n", log.calls, log.last, (int)s);
  sst_tensor_free(&y);
  sst_tensor_free(&x);
  sst_tensor_free(&w);
  sst_tensor_free(&b);
}

static void test_bad_args(void) {
  sst_error err = {0};
  sst_tensor x, y;
  sst_tensor_alloc(&x, 3, 1, 5, &err);
  memset(x.data, 0, 15 * sizeof(float));
  sst_status s = sst_maxpool2(&x, &y, &err);
  CHECK(s == SST_ERR_INVALID && err.msg[0] && !y.data,
        "pool of a 1-row map: status %d", (int)s);
  printf("ok   max-pool of 5x1 rejected: %s\n", err.msg);
  float b[3] = {0};
  s = sst_conv3x3(&x, NULL, b, 3, 0, &y, NULL, &err);
  CHECK(s == SST_ERR_INVALID && !y.data, "conv without weights: %d", (int)s);
  s = sst_conv1x1(NULL, b, b, 3, 0, &y, &err);
  CHECK(s == SST_ERR_INVALID && !y.data, "conv1x1 without input: %d", (int)s);
  sst_tensor_free(&x);
}

int main(void) {
  const char *root = getenv("SST_SOURCE_ROOT");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/nn/layers.safetensors",
           root ? root : ".");
  sst_error err = {0};
  if (sst_st_open(path, &golden, &err)) {
    printf("FATAL: %s\n", err.msg);
    return 1;
  }
  const int bands_a[] = {0, 1, 2, 4, 100};
  const int bands_b[] = {0, 1, 3, 7, 40};
  const int bands_c[] = {0, 1};
  test_conv3("conv_a", "relu", 1, bands_a, 5);
  test_conv3("conv_a", "linear", 0, bands_a, 1);
  test_conv3("conv_b", "relu", 1, bands_b, 5);
  test_conv3("conv_c", "linear", 0, bands_c, 2);
  test_conv1();
  test_relu();
  test_pool_up();
  test_conv_1x1_map();
  test_progress_cancel();
  test_bad_args();
  sst_st_close(golden);
  printf("%s\n", failures ? "FAILED" : "all layer checks passed");
  return failures ? 1 : 0;
}
