/* big_alloc.h - allocations that are backed by transparent huge pages.
 *
 * A fresh block from malloc is faulted in one 4 KiB page at a time on first
 * touch, and page faults are the slowest thing a one-shot run does in a VM:
 * about 20 us each on the 2-core bench VM, so reading the 22 MB of weights
 * into fresh buffers cost 13,000 faults and ~0.3 s of a 1.3 s run
 * (bench/NOTES.md, "one-shot").  Blocks of a few MB and more are therefore
 * 2 MiB aligned, rounded up to whole 2 MiB pages and advised MADV_HUGEPAGE,
 * which cuts the faults 512x where THP is on ("madvise" or "always"), and
 * is a harmless hint where it is off.  Free with free().
 *
 * SST_HUGE_PAGES=0 in the environment turns the advice off (and keeps
 * process_env.h from asking malloc for it): on a VM whose host takes
 * freed memory back at once (virtio free page reporting), fresh huge
 * pages wait for the host and a run started after a pause was 0.04-0.56 s
 * slower with them (bench/NOTES.md, "Idle pauses"). */
#ifndef SST_BIG_ALLOC_H
#define SST_BIG_ALLOC_H
#include <stddef.h>

/* Zero when SST_HUGE_PAGES is "0" (read once), else non-zero. */
int sst_huge_pages_enabled(void);

/* 64-byte aligned, uninitialised; NULL on failure or bytes == 0. */
void *sst_big_alloc(size_t bytes);
#endif
