/* nn_bench.c - times the encoder / decoder on a W x H image.
 *
 *   nn_bench [WIDTH HEIGHT [THREADS [relu3_1|relu4_1 [RUNS]]]]
 *   (default 800 600 2 relu3_1 3; each run times the im2col path, then the
 *   automatic choice)
 *
 * Uses $SST_WEIGHTS_DIR weights when present, otherwise the hash-generated
 * test weights (same shapes, so the same cost).  Not a test: built only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "nn.h"
#include "nn_testutil.h"

static double median(double *v, int n) {
  for (int i = 1; i < n; i++) /* insertion sort: n <= 64 */
    for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static sst_net *load(const char *wdir, const char *tmp, const char *net,
                     int layer) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.safetensors", wdir ? wdir : "", net);
  FILE *f = wdir ? fopen(path, "rb") : NULL;
  if (f) {
    fclose(f);
  } else {
    snprintf(path, sizeof path, "%s/%s.safetensors", tmp, net);
    if (tw_save_net(path, net, "F32", NULL))
      return NULL;
  }
  sst_net *n = NULL;
  sst_error err = {0};
  sst_status s = layer < 0 ? sst_encoder_load(path, &n, &err)
                           : sst_decoder_load(path, (sst_layer)layer, &n, &err);
  if (s)
    fprintf(stderr, "%s\n", err.msg);
  else
    printf("weights: %s\n", path);
  return n;
}

int main(int argc, char **argv) {
  int w = argc > 2 ? atoi(argv[1]) : 800, h = argc > 2 ? atoi(argv[2]) : 600;
  int threads = argc > 3 ? atoi(argv[3]) : 2;
  int deep = argc > 4 && !strcmp(argv[4], "relu4_1");
  int runs = argc > 5 ? atoi(argv[5]) : 3;
  runs = runs < 1 ? 1 : (runs > 64 ? 64 : runs);
  const char *tmp = tw_tmpdir();
  const char *wdir = getenv("SST_WEIGHTS_DIR");
  sst_net *enc = load(wdir, tmp, "encoder", -1);
  sst_net *dec = load(wdir, tmp, deep ? "decoder_relu4_1" : "decoder_relu3_1",
                      deep ? SST_RELU4_1 : SST_RELU3_1);
  tw_cleanup(tmp);
  if (!enc || !dec)
    return 1;
  sst_tensor img;
  sst_error err = {0};
  if (sst_tensor_alloc(&img, 3, h, w, &err))
    return 1;
  for (size_t i = 0; i < sst_tensor_size(&img); i++)
    img.data[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
  /* Both convolution paths, alternating within each repetition so that
   * their ratio survives a noisy machine. */
  const sst_conv_path paths[2] = {SST_CONV_IM2COL, SST_CONV_AUTO};
  const char *names[2] = {"im2col", "auto"};
  double te[2][64], td[2][64];
  for (int r = 0; r < runs; r++)
    for (int k = 0; k < 2; k++) {
      sst_tensor r3, r4 = {0}, out;
      sst_ctx ce = {.threads = threads, .conv_path = paths[k]}, cd = ce;
      double t0 = sst_now();
      if (sst_encoder_run(enc, &img, &r3, deep ? &r4 : NULL, &ce, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      double t1 = sst_now();
      if (sst_decoder_run(dec, deep ? &r4 : &r3, &out, &cd, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      te[k][r] = t1 - t0;
      td[k][r] = sst_now() - t1;
      sst_tensor_free(&r3);
      sst_tensor_free(&r4);
      sst_tensor_free(&out);
    }
  for (int k = 0; k < 2; k++)
    printf("%dx%d, %d threads, %s path, median of %d: encode to %s %.3f s, "
           "decode %.3f s\n", w, h, threads, names[k], runs,
           deep ? "relu4_1" : "relu3_1", median(te[k], runs),
           median(td[k], runs));
  sst_tensor_free(&img);
  sst_net_free(enc);
  sst_net_free(dec);
  return 0;
}
