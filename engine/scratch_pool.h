/* scratch_pool.h - reuse of the reconstruction's workspaces.
 *
 * A reconstruction solve needs a dozen C x C float64 buffers per worker
 * (~7 MB at C = 256).  Taken fresh from malloc on every solve they are new
 * mmap pages, and first-touch page faults are slow in virtual machines: on
 * the bench VM they were 39% of a one-region solve and made the live
 * preview's gamma change pay ~25 ms before the first iteration
 * (bench/NOTES.md).  This pool keeps a few freed blocks for the next solve,
 * which is the common case in the dialog (every slider move solves again).
 * The target blend (recon_result.c) keeps its per-worker scratch here too.
 * Thread-safe (one mutex). */
#ifndef SST_SCRATCH_POOL_H
#define SST_SCRATCH_POOL_H
#include <stddef.h>

#define SST_SCRATCH_SLOTS 4

/* A block of at least `bytes` (64-byte aligned, contents undefined), from
 * the pool when a block of bytes .. 2 * bytes is there; NULL when out of
 * memory. */
void *sst_scratch_take(size_t bytes);
/* Returns a block from sst_scratch_take (of the same `bytes`) to the pool,
 * or frees it when the pool is full.  NULL is ignored. */
void sst_scratch_give(void *p, size_t bytes);
/* Lays a workspace out in one block: returns base + *off and advances
 * *off by `bytes` rounded up to 64.  With base NULL it only counts (returns
 * NULL), so the same layout function sizes the block and then fills it. */
void *sst_scratch_carve(char *base, size_t *off, size_t bytes);
/* Frees every pooled block. */
void sst_scratch_trim(void);
#endif
