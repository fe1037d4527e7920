/* big_alloc.c - see big_alloc.h. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "big_alloc.h"

#define HUGE_PAGE ((size_t)2 << 20)
/* Below two huge pages the rounding would waste up to half the block. */
#define HUGE_FROM (2 * HUGE_PAGE)

void *sst_big_alloc(size_t bytes) {
  if (bytes == 0 || bytes > SIZE_MAX - HUGE_PAGE)
    return NULL;
  if (bytes < HUGE_FROM)
    return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
  bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  void *p = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
  if (p)
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}
