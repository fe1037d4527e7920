/* conv_cache.c - see conv_cache.h. */
#include <pthread.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_usable_size */
#endif

#include "conv_cache.h"

#define MIN_FLOATS ((size_t)1 << 18) /* 1 MiB */

typedef struct {
  float *p;
  size_t n; /* capacity in floats */
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static block slots[SST_FMAP_CACHE_SLOTS];

/* The block's real capacity: a 123 MB block that served a 61 MB map must
 * come back as 123 MB, or it never serves a 123 MB map again.  Without
 * glibc, the size of the tensor it held (safe, only less reuse). */
static size_t capacity(float *p, size_t n) {
#ifdef __GLIBC__
  size_t u = malloc_usable_size(p) / sizeof(float);
  return u > n ? u : n;
#else
  (void)p;
  return n;
#endif
}

sst_status sst_fmap_alloc(sst_tensor *t, int c, int h, int w, sst_error *err) {
  if (c > 0 && h > 0 && w > 0) {
    size_t n = (size_t)c * (size_t)h * (size_t)w;
    float *p = NULL;
    pthread_mutex_lock(&lock);
    int best = -1; /* the smallest block that fits, wasting at most half */
    for (int i = 0; i < SST_FMAP_CACHE_SLOTS; i++)
      if (slots[i].p && slots[i].n >= n && slots[i].n / 2 <= n &&
          (best < 0 || slots[i].n < slots[best].n))
        best = i;
    if (best >= 0) {
      p = slots[best].p;
      slots[best].p = NULL;
      slots[best].n = 0;
    }
    pthread_mutex_unlock(&lock);
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

void sst_fmap_recycle(sst_tensor *t) {
  if (!t)
    return;
  size_t n = sst_tensor_size(t);
  float *p = t->data;
  t->data = NULL;
  t->c = t->h = t->w = 0;
  if (!p)
    return;
  float *drop = p;
  if (n >= MIN_FLOATS) {
    n = capacity(p, n);
    pthread_mutex_lock(&lock);
    int dst = -1;
    for (int i = 0; i < SST_FMAP_CACHE_SLOTS && dst < 0; i++)
      if (!slots[i].p)
        dst = i;
    if (dst < 0) { /* full: replace the smallest block if it is smaller */
      dst = 0;
      for (int i = 1; i < SST_FMAP_CACHE_SLOTS; i++)
        if (slots[i].n < slots[dst].n)
          dst = i;
      if (slots[dst].n >= n)
        dst = -1;
    }
    if (dst >= 0) {
      drop = slots[dst].p; /* NULL or the replaced block */
      slots[dst].p = p;
      slots[dst].n = n;
    }
    pthread_mutex_unlock(&lock);
  }
  free(drop);
}

void sst_fmap_trim(void) {
  block old[SST_FMAP_CACHE_SLOTS];
  pthread_mutex_lock(&lock);
  for (int i = 0; i < SST_FMAP_CACHE_SLOTS; i++) {
    old[i] = slots[i];
    slots[i].p = NULL;
    slots[i].n = 0;
  }
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < SST_FMAP_CACHE_SLOTS; i++)
    free(old[i].p);
}
