/* fuzz_labels.c - doodle maps from any bytes: labels, palette matching and
 * mask downsampling must stay in bounds whatever the colours.
 * Input: width-1 and height-1 (mod 64) in the first two bytes (maps up to
 * 64x64: bigger only slows the search, the code paths are the same),
 * a block size in the third (its top bit: the map has an alpha plane, made
 * from the same bytes, so unpainted pixels are fuzzed too), then RGB pixels
 * (repeated when short). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "labels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4)
    return 0;
  int w = data[0] % 64 + 1, h = data[1] % 64 + 1, block = data[2] % 9 + 1;
  const int with_alpha = data[2] & 0x80;
  data += 3;
  size -= 3;
  size_t npix = (size_t)w * h;
  uint8_t *rgb = malloc(npix * 3), *labels = malloc(npix),
          *alpha = with_alpha ? malloc(npix) : NULL;
  if (!rgb || !labels || (with_alpha && !alpha))
    abort();
  for (size_t i = 0; i < npix * 3; i++)
    rgb[i] = data[i % size];
  for (size_t i = 0; with_alpha && i < npix; i++)
    alpha[i] = data[(i * 7 + 1) % size];
  sst_map map = {w, h, rgb, alpha};
  sst_palette pal;
  sst_error err = {0};
  if (sst_map_labels(&map, labels, &pal, &err) == SST_OK) {
    /* an all-unpainted map has no label: it means "no map", and its
     * labels mean nothing (labels.h) */
    if (pal.n < (with_alpha ? 0 : 1) || pal.n > SST_MAX_LABELS)
      abort();
    for (size_t i = 0; pal.n > 0 && i < npix; i++)
      if (labels[i] >= pal.n)
        abort(); /* a label outside the palette */
    int match[SST_MAX_LABELS];
    sst_match_labels(&pal, &pal, match);
    int gw = w / block, gh = h / block;
    if (gw > 0 && gh > 0 && pal.n > 0) {
      float *weights = malloc(sizeof(float) * pal.n * gw * gh);
      if (!weights)
        abort();
      sst_mask_downsample(labels, w, h, pal.n, block, gw, gh, weights);
      free(weights);
    }
  }
  free(rgb);
  free(labels);
  free(alpha);
  return 0;
}
