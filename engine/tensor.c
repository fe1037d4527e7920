/* tensor.c - aligned planar float tensors. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

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
  size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
  /* Large maps (feature maps, conv scratch) come fresh from mmap on every
   * allocation, and first-touch page faults are very slow in VMs: 123 MB of
   * 4 KiB pages cost 1.4-2 s on the 2-core bench VM against 0.03 s to
   * rewrite the same memory (bench/NOTES.md).  Transparent huge pages cut
   * the faults 512x; MADV_HUGEPAGE is only a hint (ignored where THP is
   * off), so failures are harmless. */
  const size_t huge = (size_t)2 << 20;
  if (bytes >= 2 * huge && bytes <= SIZE_MAX - huge) {
    bytes = (bytes + huge - 1) & ~(huge - 1);
    t->data = aligned_alloc(huge, bytes);
#ifdef MADV_HUGEPAGE
    if (t->data)
      (void)madvise(t->data, bytes, MADV_HUGEPAGE);
#endif
  } else {
    t->data = aligned_alloc(64, bytes);
  }
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
