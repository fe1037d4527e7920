/* convert_run.c - runs the engine's networks on raw float32 files, for
 * tests/convert/test_convert.py (which compares the results with a PyTorch
 * float64 forward pass of the original state dicts).
 *
 *   convert_run ENCODER DECODER4|- H W RGB FEAT4|- OUTPREFIX
 *
 * RGB is a 3 x H x W planar float32 file (native byte order), FEAT4 a
 * 512 x H/8 x W/8 one.  Writes OUTPREFIX.relu3_1, OUTPREFIX.relu4_1 (the
 * encoder's features of RGB) and, with a decoder, OUTPREFIX.dec4 (the
 * decoder's output for FEAT4), all raw float32.  One BLAS thread.  Any
 * engine error is printed and gives exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

static int read_raw(const char *path, sst_tensor *t, int c, int h, int w,
                    sst_error *err) {
  if (sst_tensor_alloc(t, c, h, w, err))
    return 1;
  FILE *f = fopen(path, "rb");
  size_t n = sst_tensor_size(t);
  size_t got = f ? fread(t->data, sizeof(float), n, f) : 0;
  int extra = f ? fgetc(f) != EOF : 0;
  if (f)
    fclose(f);
  if (got != n || extra) {
    fprintf(stderr, "convert_run: %s: expected exactly %zu floats\n", path, n);
    return 1;
  }
  return 0;
}

static int write_raw(const char *prefix, const char *suffix,
                     const sst_tensor *t) {
  char path[4096];
  snprintf(path, sizeof path, "%s.%s", prefix, suffix);
  FILE *f = fopen(path, "wb");
  size_t n = sst_tensor_size(t);
  int ok = f && fwrite(t->data, sizeof(float), n, f) == n;
  if (f && fclose(f) != 0)
    ok = 0;
  if (!ok)
    fprintf(stderr, "convert_run: cannot write %s\n", path);
  else
    printf("%s: %d x %d x %d\n", path, t->c, t->h, t->w);
  return !ok;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: convert_run ENCODER DECODER4|- H W RGB FEAT4|- "
                    "OUTPREFIX\n");
    return 2;
  }
  int h = atoi(argv[3]), w = atoi(argv[4]);
  if (h < 8 || w < 8 || h % 8 || w % 8 || h > 4096 || w > 4096) {
    fprintf(stderr, "convert_run: H and W must be multiples of 8 in [8, "
                    "4096]\n");
    return 2;
  }
  sst_ctx one = {.threads = 1}; /* the engine on one thread */
  sst_ctx one_dec = one;
  sst_error err = {0};
  sst_net *enc = NULL, *dec = NULL;
  sst_tensor rgb = {0}, f3 = {0}, f4 = {0}, feat = {0}, out = {0};
  int rc = 1;
  const int use_dec = strcmp(argv[2], "-") != 0;
  if (sst_encoder_load(argv[1], &enc, &err) ||
      (use_dec && sst_decoder_load(argv[2], SST_RELU4_1, &dec, &err)) ||
      read_raw(argv[5], &rgb, 3, h, w, &err) ||
      sst_encoder_run(enc, &rgb, &f3, &f4, &one, &err) ||
      write_raw(argv[7], "relu3_1", &f3) || write_raw(argv[7], "relu4_1", &f4))
    goto done;
  if (use_dec &&
      (read_raw(argv[6], &feat, 512, h / 8, w / 8, &err) ||
       sst_decoder_run(dec, &feat, &out, &one_dec, &err) ||
       write_raw(argv[7], "dec4", &out)))
    goto done;
  rc = 0;
done:
  if (rc && err.msg[0])
    fprintf(stderr, "convert_run: %s\n", err.msg);
  sst_tensor_free(&rgb);
  sst_tensor_free(&f3);
  sst_tensor_free(&f4);
  sst_tensor_free(&feat);
  sst_tensor_free(&out);
  sst_net_free(enc);
  sst_net_free(dec);
  return rc;
}
