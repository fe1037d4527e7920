/* blas_reserve.c - see blas_reserve.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blas_reserve.h"
#include "conv_par.h" /* SST_MAX_WORKERS */
#include "error.h"

/* OpenBLAS's own buffer pool; exported by libopenblas but in no header.
 * Weak, so that a BLAS without them links and simply is not reserved. */
void *blas_memory_alloc(int procpos) __attribute__((weak));
void blas_memory_free(void *buffer) __attribute__((weak));

/* The size OpenBLAS maps per buffer: BUFFER_SIZE of Debian's DYNAMIC_ARCH
 * build (32 << 22, seen in its mmap calls), plus a little for what it adds. */
#define BLAS_BUFFER_BYTES ((size_t)128 << 20)
#define BLAS_BUFFER_SLACK ((size_t)1 << 20)
#define MAX_RESERVED SST_MAX_WORKERS /* the most concurrent callers */

static pthread_mutex_t reserve_lock = PTHREAD_MUTEX_INITIALIZER;
/* buffers OpenBLAS holds in its pool because of us; read without the lock
 * on the fast path (every band run asks) */
static atomic_int reserved;

/* Whether `n` buffers' worth of address space can be mapped now: OpenBLAS
 * would map them next, and its failure is a hang, ours an error. */
static int room_for(int n) {
  void *probe[MAX_RESERVED];
  int got = 0;
  for (; got < n; got++) {
    probe[got] = mmap(NULL, BLAS_BUFFER_BYTES + BLAS_BUFFER_SLACK,
                      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (probe[got] == MAP_FAILED)
      break;
  }
  for (int i = 0; i < got; i++)
    munmap(probe[i], BLAS_BUFFER_BYTES + BLAS_BUFFER_SLACK);
  return got == n;
}

sst_status sst_blas_reserve(int callers, sst_error *err) {
  if (!blas_memory_alloc || !blas_memory_free)
    return SST_OK;
  if (callers < 1)
    callers = 1;
  if (callers > MAX_RESERVED)
    callers = MAX_RESERVED;
  if (callers <= atomic_load(&reserved))
    return SST_OK;
  pthread_mutex_lock(&reserve_lock);
  sst_status s = SST_OK;
  int have = atomic_load(&reserved);
  if (callers > have) {
    /* the buffers already reserved are free in the pool and reused first:
     * taking `callers` at once maps only the missing ones */
    if (!room_for(callers - have)) {
      s = sst_fail(err, SST_ERR_NOMEM,
                   "out of memory for OpenBLAS's work buffers (%d x %zu MB)",
                   callers - have, BLAS_BUFFER_BYTES >> 20);
    } else {
      void *held[MAX_RESERVED];
      for (int i = 0; i < callers; i++)
        held[i] = blas_memory_alloc(0);
      for (int i = 0; i < callers; i++)
        blas_memory_free(held[i]);
      atomic_store(&reserved, callers);
    }
  }
  pthread_mutex_unlock(&reserve_lock);
  return s;
}
