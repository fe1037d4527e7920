/* scratch_pool.c - see scratch_pool.h. */
#include <stdlib.h>

#include "block_pool.h"
#include "scratch_pool.h"

#define ALIGN 64

static sst_pool_block slots[SST_SCRATCH_SLOTS];
static sst_block_pool pool = SST_BLOCK_POOL_INIT(slots);

static size_t rounded(size_t bytes) {
  return (bytes + ALIGN - 1) / ALIGN * ALIGN;
}

void *sst_scratch_take(size_t bytes) {
  bytes = rounded(bytes);
  void *p = sst_pool_take(&pool, bytes);
  return p ? p : aligned_alloc(ALIGN, bytes);
}

void sst_scratch_give(void *p, size_t bytes) {
  sst_pool_give(&pool, p, rounded(bytes));
}

void *sst_scratch_carve(char *base, size_t *off, size_t bytes) {
  void *p = base ? base + *off : NULL;
  *off += rounded(bytes);
  return p;
}

void sst_scratch_trim(void) { sst_pool_trim(&pool); }
