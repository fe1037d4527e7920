/* fuzz_image.c - the CLI's image loader (PNG and JPEG by content) on any
 * bytes: decode or refuse with one line, never a memory error. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "image_io.h"

volatile uint8_t fuzz_image_sink; /* keeps the reads above */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* a small limit: a header may declare anything, and decoding a real
   * 100-MP image per input would only slow the search down */
  image_set_max_pixels((uint64_t)1 << 22);
  if (size == 0)
    return 0;
  FILE *f = fmemopen((void *)data, size, "rb");
  if (!f)
    return 0;
  uint8_t *rgb = NULL;
  int w = 0, h = 0;
  char msg[512];
  if (image_decode_rgb8(f, "fuzz", &rgb, &w, &h, msg, sizeof msg) == 0) {
    uint8_t sum = 0; /* every pixel the loader claims is read */
    for (size_t i = 0; i < (size_t)w * h * 3; i++)
      sum += rgb[i];
    fuzz_image_sink = sum;
    free(rgb);
  }
  fclose(f);
  return 0;
}
