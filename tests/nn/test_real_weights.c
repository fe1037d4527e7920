/* test_real_weights.c - the shipped weights load and run.
 *
 * Loads $SST_WEIGHTS_DIR/{encoder,decoder_relu3_1[,decoder_relu4_1]}
 * .safetensors and runs a 64x64 encode + decode: shapes must be right and
 * every value finite.  Prints the reconstruction PSNR for information (the
 * decoders are trained to invert the encoder, but this is a sanity check,
 * not a quality gate).  Exits 77 (meson's "skipped") without weights. */
#include "../check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"



static int exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f)
    fclose(f);
  return f != NULL;
}

static int all_finite(const sst_tensor *t) {
  for (size_t i = 0; i < sst_tensor_size(t); i++)
    if (!isfinite(t->data[i]))
      return 0;
  return 1;
}

static void check_shape(const char *what, const sst_tensor *t, int c, int h,
                        int w) {
  CHECK(t->data && t->c == c && t->h == h && t->w == w,
        "%s: shape %dx%dx%d, expected %dx%dx%d", what, t->c, t->h, t->w, c, h,
        w);
  CHECK(t->data && all_finite(t), "%s: non-finite values", what);
  if (t->data)
    printf("ok   %s %dx%dx%d, all finite\n", what, t->c, t->h, t->w);
}

static double psnr(const sst_tensor *a, const sst_tensor *b) {
  double se = 0;
  size_t n = sst_tensor_size(a);
  for (size_t i = 0; i < n; i++) {
    double v = fmin(1.0, fmax(0.0, b->data[i]));
    se += (a->data[i] - v) * (a->data[i] - v);
  }
  return 10.0 * log10(1.0 / fmax(se / (double)n, 1e-12));
}

static void decode(const char *dir, const char *file, sst_layer layer,
                   const sst_tensor *feat, const sst_tensor *img) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (!exists(path)) {
    printf("skip %s: not present\n", file);
    return;
  }
  sst_net *dec = NULL;
  sst_error err = {0};
  sst_status s = sst_decoder_load(path, layer, &dec, &err);
  CHECK(s == SST_OK, "%s", err.msg);
  if (s)
    return;
  sst_tensor out;
  double t0 = sst_now();
  sst_ctx two = {.threads = 2};
  s = sst_decoder_run(dec, feat, &out, &two, &err);
  CHECK(s == SST_OK, "%s: %s", file, err.msg);
  if (!s) {
    check_shape(file, &out, 3, img->h, img->w);
    printf("info %s: reconstruction PSNR %.2f dB (%.3f s)\n", file,
           psnr(img, &out), sst_now() - t0);
  }
  sst_tensor_free(&out);
  sst_net_free(dec);
}

int main(void) {
  const char *dir = getenv("SST_WEIGHTS_DIR");
  if (!dir || !*dir)
    dir = "weights";
  char path[1024];
  snprintf(path, sizeof path, "%s/encoder.safetensors", dir);
  if (!exists(path)) {
    printf("SKIP: %s not present (weights not generated yet)\n", path);
    return 77;
  }
  sst_net *enc = NULL;
  sst_error err = {0};
  if (sst_encoder_load(path, &enc, &err)) {
    printf("FAIL: %s\n", err.msg);
    return 1;
  }
  printf("ok   loaded %s\n", path);
  /* a smooth colour gradient with a bright disc: something with edges */
  sst_tensor img;
  if (sst_tensor_alloc(&img, 3, 64, 64, &err))
    return 1;
  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64; x++) {
      double d = hypot(x - 40.0, y - 24.0);
      img.data[0 * 4096 + y * 64 + x] = (float)(x / 63.0);
      img.data[1 * 4096 + y * 64 + x] = (float)(y / 63.0);
      img.data[2 * 4096 + y * 64 + x] = d < 12 ? 0.9f : 0.2f;
    }
  sst_tensor r3, r4;
  double t0 = sst_now();
  sst_ctx two = {.threads = 2};
  sst_status s = sst_encoder_run(enc, &img, &r3, &r4, &two, &err);
  CHECK(s == SST_OK, "encoder: %s", err.msg);
  if (!s) {
    printf("info encoder 64x64: %.3f s\n", sst_now() - t0);
    check_shape("relu3_1", &r3, 256, 16, 16);
    check_shape("relu4_1", &r4, 512, 8, 8);
    decode(dir, "decoder_relu3_1.safetensors", SST_RELU3_1, &r3, &img);
    decode(dir, "decoder_relu4_1.safetensors", SST_RELU4_1, &r4, &img);
  }
  sst_tensor_free(&r3);
  sst_tensor_free(&r4);
  sst_tensor_free(&img);
  sst_net_free(enc);
  printf("%s\n", failures ? "FAILED" : "real weights sanity checks passed");
  return failures ? 1 : 0;
}
