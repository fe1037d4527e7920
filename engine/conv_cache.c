/* conv_cache.c - see conv_cache.h. */
#include <limits.h>
#include <stdlib.h>

#include "block_pool.h"
#include "conv_cache.h"
#include "error.h"

#define MIN_FLOATS ((size_t)1 << 18) /* 1 MiB */

static sst_pool_block slots[SST_FMAP_CACHE_SLOTS];
static sst_block_pool pool = SST_BLOCK_POOL_INIT(slots);

sst_status sst_fmap_alloc(sst_tensor *t, int c, int h, int w, sst_error *err) {
  if (c > 0 && h > 0 && w > 0) {
    size_t n = (size_t)c * (size_t)h * (size_t)w;
    float *p = sst_pool_take(&pool, n * sizeof(float));
    if (p) {
      t->c = c;
      t->h = h;
      t->w = w;
      t->data = p;
      return SST_OK;
    }
  }
  return sst_tensor_alloc(t, c, h, w, err);
}

sst_status sst_fmap_layer(sst_tensor *out, int c, int h, int w,
                          sst_tensor *scratch, size_t floats, sst_error *err) {
  const size_t rows = floats / 1024 + 1;
  scratch->c = scratch->h = scratch->w = 0;
  scratch->data = NULL;
  if (rows > (size_t)INT_MAX)
    return sst_fail(err, SST_ERR_INVALID, "scratch of %zu floats is too large",
                    floats);
  sst_status s = sst_fmap_alloc(out, c, h, w, err);
  if (s)
    return s;
  s = sst_fmap_alloc(scratch, 1, (int)rows, 1024, err);
  if (s)
    sst_fmap_recycle(out);
  return s;
}

sst_status sst_fmap_layer_done(sst_tensor *out, sst_tensor *scratch,
                               sst_status s) {
  sst_fmap_recycle(scratch);
  if (s)
    sst_fmap_recycle(out);
  return s;
}

void sst_fmap_recycle(sst_tensor *t) {
  if (!t)
    return;
  size_t n = sst_tensor_size(t);
  float *p = t->data;
  t->data = NULL;
  t->c = t->h = t->w = 0;
  if (p && n >= MIN_FLOATS)
    sst_pool_give(&pool, p, n * sizeof(float));
  else
    free(p);
}

void sst_fmap_trim(void) { sst_pool_trim(&pool); }
