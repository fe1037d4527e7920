/* block_pool.c - see block_pool.h. */
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_usable_size */
#endif

#include "block_pool.h"

/* The block's real capacity: a 123 MB block that served a 61 MB map must
 * come back as 123 MB, or it never serves a 123 MB map again.  Without
 * glibc, the size it was last asked for (safe, only less reuse). */
static size_t capacity(void *p, size_t bytes) {
#ifdef __GLIBC__
  size_t u = malloc_usable_size(p);
  return u > bytes ? u : bytes;
#else
  (void)p;
  return bytes;
#endif
}

void *sst_pool_take(sst_block_pool *pool, size_t bytes) {
  void *p = NULL;
  pthread_mutex_lock(&pool->lock);
  int best = -1; /* the smallest block that fits, wasting at most half */
  for (int i = 0; i < pool->nslots; i++) {
    const sst_pool_block *b = &pool->slots[i];
    if (b->p && b->bytes >= bytes && b->bytes / 2 <= bytes &&
        (best < 0 || b->bytes < pool->slots[best].bytes))
      best = i;
  }
  if (best >= 0) {
    p = pool->slots[best].p;
    pool->slots[best].p = NULL;
    pool->slots[best].bytes = 0;
  }
  pthread_mutex_unlock(&pool->lock);
  return p;
}

void sst_pool_give(sst_block_pool *pool, void *p, size_t bytes) {
  if (!p)
    return;
  bytes = capacity(p, bytes);
  void *drop = p;
  pthread_mutex_lock(&pool->lock);
  int dst = -1;
  for (int i = 0; i < pool->nslots && dst < 0; i++)
    if (!pool->slots[i].p)
      dst = i;
  if (dst < 0) { /* full: replace the smallest block if it is smaller */
    dst = 0;
    for (int i = 1; i < pool->nslots; i++)
      if (pool->slots[i].bytes < pool->slots[dst].bytes)
        dst = i;
    if (pool->slots[dst].bytes >= bytes)
      dst = -1;
  }
  if (dst >= 0) {
    drop = pool->slots[dst].p; /* NULL or the replaced block */
    pool->slots[dst].p = p;
    pool->slots[dst].bytes = bytes;
  }
  pthread_mutex_unlock(&pool->lock);
  free(drop);
}

void sst_pool_trim(sst_block_pool *pool) {
  for (;;) { /* free outside the lock, one block at a time */
    void *p = NULL;
    pthread_mutex_lock(&pool->lock);
    for (int i = 0; i < pool->nslots && !p; i++)
      if (pool->slots[i].p) {
        p = pool->slots[i].p;
        pool->slots[i].p = NULL;
        pool->slots[i].bytes = 0;
      }
    pthread_mutex_unlock(&pool->lock);
    if (!p)
      return;
    free(p);
  }
}
