/* tensor.c - aligned planar float tensors. */
#include <stdint.h>
#include <stdlib.h>

#include "big_alloc.h"
#include "error.h"
#include "tensor.h"

sst_status sst_tensor_alloc(sst_tensor *t, int c, int h, int w, sst_error *err) {
  t->c = c;
  t->h = h;
  t->w = w;
  t->data = NULL;
  if (c <= 0 || h <= 0 || w <= 0)
    return sst_fail(err, SST_ERR_INVALID, "empty tensor %dx%dx%d", c, h, w);
  size_t n = (size_t)c * (size_t)h * (size_t)w;
  if (n > SIZE_MAX / sizeof(float) - 64)
    return sst_fail(err, SST_ERR_NOMEM, "tensor %dx%dx%d too large", c, h, w);
  /* feature maps and conv scratch are large and fresh: huge pages
   * (big_alloc.h says why) */
  t->data = sst_big_alloc(n * sizeof(float));
  if (!t->data)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory for a %dx%dx%d tensor",
                    c, h, w);
  return SST_OK;
}

void sst_tensor_free(sst_tensor *t) {
  if (!t)
    return;
  free(t->data);
  t->data = NULL;
  t->c = t->h = t->w = 0;
}
