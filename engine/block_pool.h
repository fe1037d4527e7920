/* block_pool.h - a few large freed blocks kept for the next allocation.
 *
 * First-touch page faults of fresh memory are slow in virtual machines
 * (bench/NOTES.md: writing a 123 MB map for the first time took 1.4-2 s
 * against 0.03 s for rewriting it).  The feature-map cache (conv_cache.c)
 * and the reconstruction's workspaces (scratch_pool.c) keep freed blocks
 * in pools like this one.  Thread-safe (one mutex per pool). */
#ifndef SST_BLOCK_POOL_H
#define SST_BLOCK_POOL_H
#include <pthread.h>
#include <stddef.h>

typedef struct {
  void *p;
  size_t bytes; /* capacity */
} sst_pool_block;

typedef struct {
  pthread_mutex_t lock;
  int nslots;
  sst_pool_block *slots;
} sst_block_pool;

/* A pool over a static array of slots. */
#define SST_BLOCK_POOL_INIT(slots)                                             \
  {PTHREAD_MUTEX_INITIALIZER, (int)(sizeof(slots) / sizeof *(slots)), slots}

/* Takes the smallest pooled block of `bytes` .. 2 * `bytes` out of the pool
 * (at most half of it wasted), or returns NULL. */
void *sst_pool_take(sst_block_pool *pool, size_t bytes);
/* Keeps p (a malloc'ed block of at least `bytes`; with glibc its real
 * capacity is used) in a free slot, or in place of the smallest pooled
 * block when that one is smaller; frees whatever is dropped. */
void sst_pool_give(sst_block_pool *pool, void *p, size_t bytes);
/* Frees every pooled block. */
void sst_pool_trim(sst_block_pool *pool);
#endif
