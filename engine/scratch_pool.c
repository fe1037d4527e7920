/* scratch_pool.c - see scratch_pool.h. */
#include <pthread.h>
#include <stdlib.h>

#include "scratch_pool.h"

#define ALIGN 64

typedef struct {
  void *p;
  size_t bytes;
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static block slots[SST_SCRATCH_SLOTS];

void *sst_scratch_take(size_t bytes) {
  bytes = (bytes + ALIGN - 1) / ALIGN * ALIGN;
  void *p = NULL;
  pthread_mutex_lock(&lock);
  int best = -1; /* the smallest block that fits, wasting at most half */
  for (int i = 0; i < SST_SCRATCH_SLOTS; i++)
    if (slots[i].p && slots[i].bytes >= bytes && slots[i].bytes / 2 <= bytes &&
        (best < 0 || slots[i].bytes < slots[best].bytes))
      best = i;
  if (best >= 0) {
    p = slots[best].p;
    slots[best].p = NULL;
  }
  pthread_mutex_unlock(&lock);
  return p ? p : aligned_alloc(ALIGN, bytes);
}

void sst_scratch_give(void *p, size_t bytes) {
  if (!p)
    return;
  bytes = (bytes + ALIGN - 1) / ALIGN * ALIGN;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < SST_SCRATCH_SLOTS && p; i++)
    if (!slots[i].p) {
      slots[i].p = p;
      slots[i].bytes = bytes;
      p = NULL;
    }
  pthread_mutex_unlock(&lock);
  free(p); /* pool full */
}

void *sst_scratch_carve(char *base, size_t *off, size_t bytes) {
  void *p = base ? base + *off : NULL;
  *off += (bytes + ALIGN - 1) / ALIGN * ALIGN;
  return p;
}

void sst_scratch_trim(void) {
  block old[SST_SCRATCH_SLOTS];
  pthread_mutex_lock(&lock);
  for (int i = 0; i < SST_SCRATCH_SLOTS; i++) {
    old[i] = slots[i];
    slots[i].p = NULL;
  }
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < SST_SCRATCH_SLOTS; i++)
    free(old[i].p);
}
