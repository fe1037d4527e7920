/* big_alloc.c - see big_alloc.h. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "big_alloc.h"

#define HUGE_PAGE ((size_t)2 << 20)
/* Below two huge pages the rounding would waste up to half the block. */
#define HUGE_FROM (2 * HUGE_PAGE)

int sst_huge_pages_enabled(void) {
  /* -1: not asked yet; concurrent first calls compute the same answer */
  static atomic_int on = -1;
  int v = atomic_load_explicit(&on, memory_order_relaxed);
  if (v < 0) {
    const char *e = getenv("SST_HUGE_PAGES");
    v = !(e && strcmp(e, "0") == 0);
    atomic_store_explicit(&on, v, memory_order_relaxed);
  }
  return v;
}

void *sst_big_alloc(size_t bytes) {
  if (bytes == 0 || bytes > SIZE_MAX - HUGE_PAGE)
    return NULL;
  if (bytes < HUGE_FROM || !sst_huge_pages_enabled())
    return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
  bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  void *p = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
  if (p)
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}
