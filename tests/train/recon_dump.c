/* recon_dump.c - the engine's reconstruction of one region (no maps) from
 * raw feature files, for tests/train/test_screen_engine.py: it checks that
 * tools/screen/engine_recon.py (the numpy mirror the decoder-free screen
 * uses) computes the target feature the engine computes.  The engine keeps
 * its symbols hidden, so Python cannot call it; this links it statically.
 *
 *   recon_dump IN OUT KERNEL GAMMA POLY_C ITERATIONS
 *              [patch GRID_W STYLE_GRID_W PATCH_SIZE PATCH_BLEND]
 * IN: int32 C, N, M, then float32 fc (C x N) and fs (C x M), row-major.
 * OUT: float32 target (C x N).  KERNEL: linear|poly|gaussian|bn.  With
 * "patch" the engine's patch method runs (it needs the grid widths); the
 * screen uses that to invert the patch target, which has no mirror. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconstruct.h"
#include "sst.h"

static int read_all(FILE *f, void *p, size_t size, size_t n) {
  return fread(p, size, n, f) == n;
}

int main(int argc, char **argv) {
  if (argc != 7 && !(argc == 12 && strcmp(argv[7], "patch") == 0)) {
    fprintf(stderr, "usage: recon_dump IN OUT KERNEL GAMMA POLY_C ITERATIONS "
                    "[patch GRID_W STYLE_GRID_W PATCH_SIZE PATCH_BLEND]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  int32_t dims[3];
  if (!f || !read_all(f, dims, sizeof(int32_t), 3) || dims[0] < 1 ||
      dims[1] < 1 || dims[2] < 1) {
    fprintf(stderr, "recon_dump: cannot read %s\n", argv[1]);
    return 1;
  }
  const int C = dims[0], N = dims[1], M = dims[2];
  float *fc = malloc(sizeof(float) * (size_t)C * N);
  float *fs = malloc(sizeof(float) * (size_t)C * M);
  float *out = malloc(sizeof(float) * (size_t)C * N);
  if (!fc || !fs || !out || !read_all(f, fc, sizeof(float), (size_t)C * N) ||
      !read_all(f, fs, sizeof(float), (size_t)C * M)) {
    fprintf(stderr, "recon_dump: cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(f);
  sst_recon_params p = {0};
  if (sst_kernel_from_name(argv[3], &p.kernel) != 0) {
    fprintf(stderr, "recon_dump: unknown kernel %s\n", argv[3]);
    return 1;
  }
  p.gamma = atof(argv[4]);
  p.poly_c = atof(argv[5]);
  p.iterations = atoi(argv[6]);
  p.fuse_kernel = SST_KERNEL_NONE;
  p.method = SST_METHOD_STATS;
  const int patch = argc == 12;
  if (patch) {
    p.method = SST_METHOD_PATCH;
    p.patch_size = atoi(argv[10]);
    p.patch_blend = atof(argv[11]);
  }
  sst_error err = {0};
  sst_recon_stats *st = NULL;
  if (sst_recon_stats_new(fc, C, N, NULL, fs, M, NULL, 1, &st, NULL, &err) !=
          SST_OK ||
      (patch && sst_recon_stats_set_grids(st, atoi(argv[8]), atoi(argv[9]),
                                          &err) != SST_OK) ||
      sst_reconstruct(st, &p, out, NULL, &err) != SST_OK) {
    fprintf(stderr, "recon_dump: %s\n", err.msg);
    return 1;
  }
  FILE *o = fopen(argv[2], "wb");
  if (!o || fwrite(out, sizeof(float), (size_t)C * N, o) != (size_t)C * N ||
      fclose(o) != 0) {
    fprintf(stderr, "recon_dump: cannot write %s\n", argv[2]);
    return 1;
  }
  sst_recon_stats_free(st);
  free(fc);
  free(fs);
  free(out);
  return 0;
}
