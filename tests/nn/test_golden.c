/* test_golden.c - full encoder and decoders against PyTorch float64.
 *
 * The weights (real shapes, ~7.6 M values) are regenerated here from the
 * splitmix64 hash that tools/make_golden.py uses, written as F16 (encoder,
 * decoder_relu3_1) and BF16 (decoder_relu4_1) safetensors files, and loaded
 * through the real loader.  Their float64 sums are checked against the
 * golden metadata first, so a generator mismatch is reported as such.
 * tests/data/nn/tiny_net.safetensors holds the 3x24x32 input and the
 * expected relu3_1, relu4_1 and decoded images. */
#include "../check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "nn.h"
#include "nn_testutil.h"
#include "safetensors.h"



static sst_tensor load(sst_st_file *g, const char *name) {
  sst_tensor t = {0};
  const sst_st_tensor *info = sst_st_find(g, name);
  sst_error err = {0};
  if (!info || info->ndim != 3 ||
      sst_tensor_alloc(&t, (int)info->shape[0], (int)info->shape[1],
                       (int)info->shape[2], &err) ||
      sst_st_read_f32(g, name, 3, info->shape, t.data, &err)) {
    printf("FATAL: golden tensor %s unusable (%s); rerun "
           "tools/make_golden.py\n", name, err.msg);
    exit(1);
  }
  return t;
}

static double max_abs(const sst_tensor *t) {
  double m = 0;
  for (size_t i = 0; i < sst_tensor_size(t); i++)
    m = fmax(m, fabs(t->data[i]));
  return m;
}

/* Float32 through up to 12 convolutions with K up to 4608: relative error
 * grows to ~1e-5 of the activations' scale, so the tolerance is relative to
 * the tensor's largest value. */
static void expect(const char *what, const sst_tensor *got,
                   const sst_tensor *want) {
  if (!got->data || got->c != want->c || got->h != want->h ||
      got->w != want->w) {
    CHECK(0, "%s: shape %dx%dx%d, expected %dx%dx%d", what, got->c, got->h,
          got->w, want->c, want->h, want->w);
    return;
  }
  failures += tw_compare(what, got->data, want->data, sst_tensor_size(want),
                         5e-5 * max_abs(want), 1e-4);
}


static sst_net *load_net(const char *dir, const char *net, const char *dtype,
                         sst_st_file *g) {
  char path[512], key[64];
  snprintf(path, sizeof path, "%s/%s.safetensors", dir, net);
  double sum = 0;
  if (tw_save_net(path, net, dtype, &sum)) {
    printf("FATAL: cannot write %s\n", path);
    exit(1);
  }
  snprintf(key, sizeof key, "sum.%s", net);
  const char *want = sst_st_meta(g, key);
  double w = want ? strtod(want, NULL) : NAN;
  CHECK(fabs(sum - w) <= 1e-12 * fmax(1.0, fabs(w)),
        "%s weights generator differs from make_golden.py: sum %.17g vs %s",
        net, sum, want ? want : "(missing)");
  sst_net *n = NULL;
  sst_error err = {0};
  sst_status s = !strcmp(net, "encoder")
                     ? sst_encoder_load(path, &n, &err)
                     : sst_decoder_load(path,
                                        strstr(net, "4_1") ? SST_RELU4_1
                                                           : SST_RELU3_1,
                                        &n, &err);
  if (s) {
    printf("FATAL: loading %s (%s): %s\n", net, dtype, err.msg);
    exit(1);
  }
  printf("ok   loaded %s (%s, weight sum %.6f matches the golden)\n", net,
         dtype, sum);
  return n;
}

/* The value checks again with each convolution path forced: the default
 * run above mixes them (layers.h's rule), these isolate the im2col
 * reference and Winograd F(4x4,3x3) over every layer, relu4_1's 3x4 map
 * included. */
static void check_path(sst_conv_path path, const char *name, sst_net *enc,
                       sst_net *dec3, sst_net *dec4, const sst_tensor *x,
                       const sst_tensor *r3w, const sst_tensor *r4w,
                       const sst_tensor *d3w, const sst_tensor *d4w) {
  const sst_ctx ctx = {.threads = 2, .conv_path = path};
  sst_ctx c1 = ctx, c2 = ctx, c3 = ctx;
  sst_error err = {0};
  sst_tensor r3, r4, d3, d4;
  char what[96];
  sst_status s = sst_encoder_run(enc, x, &r3, &r4, &c1, &err);
  CHECK(s == SST_OK, "%s encoder: %s", name, err.msg);
  if (!s) {
    snprintf(what, sizeof what, "[%s] encoder relu3_1", name);
    expect(what, &r3, r3w);
    snprintf(what, sizeof what, "[%s] encoder relu4_1", name);
    expect(what, &r4, r4w);
  }
  s = sst_decoder_run(dec3, r3w, &d3, &c2, &err);
  CHECK(s == SST_OK, "%s decoder_relu3_1: %s", name, err.msg);
  if (!s) {
    snprintf(what, sizeof what, "[%s] decoder_relu3_1", name);
    expect(what, &d3, d3w);
  }
  s = sst_decoder_run(dec4, r4w, &d4, &c3, &err);
  CHECK(s == SST_OK, "%s decoder_relu4_1: %s", name, err.msg);
  if (!s) {
    snprintf(what, sizeof what, "[%s] decoder_relu4_1", name);
    expect(what, &d4, d4w);
  }
  sst_tensor *all[] = {&r3, &r4, &d3, &d4};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    sst_tensor_free(all[i]);
}

int main(void) {
  const char *root = getenv("SST_SOURCE_ROOT");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/nn/tiny_net.safetensors",
           root ? root : ".");
  sst_error err = {0};
  sst_st_file *g;
  if (sst_st_open(path, &g, &err)) {
    printf("FATAL: %s\n", err.msg);
    return 1;
  }
  const char *dir = tw_tmpdir();
  if (!dir) {
    printf("FATAL: no temporary directory\n");
    return 1;
  }
  sst_net *enc = load_net(dir, "encoder", "F16", g);
  sst_net *dec3 = load_net(dir, "decoder_relu3_1", "F16", g);
  sst_net *dec4 = load_net(dir, "decoder_relu4_1", "BF16", g);
  tw_cleanup(dir);

  sst_tensor x = load(g, "input"), r3w = load(g, "relu3_1"),
             r4w = load(g, "relu4_1"), d3w = load(g, "decoded3"),
             d4w = load(g, "decoded4");
  sst_st_close(g);

  /* encoder, both outputs, with progress */
  sst_tensor r3, r4, r3only, d3, d4, d3e;
  tw_progress_log log = {0, 1, 0, 0.0f, 0.0f};
  sst_ctx p = {.fn = tw_on_progress, .user = &log, .stage = "encode", .lo = 0, .hi = 1, .threads = 2};
  sst_status s = sst_encoder_run(enc, &x, &r3, &r4, &p, &err);
  CHECK(s == SST_OK, "encoder: %s", err.msg);
  if (!s) {
    expect("encoder relu3_1 (256x6x8)", &r3, &r3w);
    expect("encoder relu4_1 (512x3x4)", &r4, &r4w);
  }
  CHECK(log.calls >= 2 && log.monotonic && fabsf(log.last - 1.0f) < 1e-6f,
        "encoder progress: %d calls, monotonic %d, last %g", log.calls,
        log.monotonic, log.last);
  /* relu3_1 only: stops early, same values */
  s = sst_encoder_run(enc, &x, &r3only, NULL, NULL, &err);
  CHECK(s == SST_OK, "encoder relu3_1 only: %s", err.msg);
  if (!s)
    expect("encoder relu3_1 only (no relu4_1 requested)", &r3only, &r3w);

  /* decoders on the golden features (isolates decoder error) */
  s = sst_decoder_run(dec3, &r3w, &d3, NULL, &err);
  CHECK(s == SST_OK, "decoder_relu3_1: %s", err.msg);
  if (!s)
    expect("decoder_relu3_1 (3x24x32)", &d3, &d3w);
  s = sst_decoder_run(dec4, &r4w, &d4, NULL, &err);
  CHECK(s == SST_OK, "decoder_relu4_1: %s", err.msg);
  if (!s)
    expect("decoder_relu4_1 (3x24x32)", &d4, &d4w);
  /* end to end: decode what the C encoder produced */
  s = sst_decoder_run(dec3, &r3, &d3e, NULL, &err);
  CHECK(s == SST_OK, "encode+decode: %s", err.msg);
  if (!s)
    expect("encode+decode relu3_1 end to end", &d3e, &d3w);

  check_path(SST_CONV_IM2COL, "im2col", enc, dec3, dec4, &x, &r3w, &r4w, &d3w,
             &d4w);
  check_path(SST_CONV_WINOGRAD, "winograd", enc, dec3, dec4, &x, &r3w, &r4w,
             &d3w, &d4w);

  /* mismatched inputs are argument errors, not crashes */
  sst_tensor bad;
  s = sst_decoder_run(dec4, &r3w, &bad, NULL, &err);
  CHECK(s == SST_ERR_INVALID && !bad.data, "relu3_1 into decoder_relu4_1: %d",
        (int)s);
  printf("ok   256-channel input to decoder_relu4_1 rejected: %s\n", err.msg);
  s = sst_encoder_run(enc, &r3w, &bad, NULL, NULL, &err);
  CHECK(s == SST_ERR_INVALID && !bad.data, "256-channel encoder input: %d",
        (int)s);
  s = sst_encoder_run(dec3, &x, &bad, NULL, NULL, &err);
  CHECK(s == SST_ERR_INVALID, "decoder used as encoder: %d", (int)s);
  sst_tensor tiny;
  sst_tensor_alloc(&tiny, 3, 4, 4, &err);
  memset(tiny.data, 0, 48 * sizeof(float));
  sst_tensor t4;
  s = sst_encoder_run(enc, &tiny, &bad, &t4, NULL, &err);
  CHECK(s == SST_ERR_INVALID && !bad.data && !t4.data,
        "4x4 image to relu4_1: %d", (int)s);
  printf("ok   4x4 input to relu4_1 rejected: %s\n", err.msg);
  s = sst_encoder_run(enc, &tiny, &bad, NULL, NULL, &err);
  CHECK(s == SST_OK && bad.h == 1 && bad.w == 1, "4x4 image to relu3_1: %d",
        (int)s);
  sst_tensor_free(&bad);
  sst_tensor_free(&tiny);

  /* cancellation in the middle of the encoder */
  tw_progress_log c = {0, 1, 0, 0.5f, 0.0f};
  sst_ctx pc = {.fn = tw_on_progress, .user = &c, .stage = "encode", .lo = 0, .hi = 1, .threads = 2};
  sst_tensor c3, c4;
  s = sst_encoder_run(enc, &x, &c3, &c4, &pc, &err);
  CHECK(s == SST_ERR_CANCELLED && !c3.data && !c4.data,
        "cancel: status %d", (int)s);
  printf("ok   cancellation mid-encoder: status %d after %d callbacks\n",
         (int)s, c.calls);

  sst_tensor *all[] = {&x, &r3w, &r4w, &d3w, &d4w, &r3, &r4, &r3only,
                       &d3, &d4, &d3e};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    sst_tensor_free(all[i]);
  sst_net_free(enc);
  sst_net_free(dec3);
  sst_net_free(dec4);
  printf("%s\n", failures ? "FAILED" : "all network golden checks passed");
  return failures ? 1 : 0;
}
