/* process_env.h - the environment a one-shot program (CLI, plug-in) runs
 * the engine in, set by re-executing itself once at the start.
 *
 * Two settings can only take effect before the libraries load:
 * - OPENBLAS_NUM_THREADS=1.  OpenBLAS starts its own thread pool when the
 *   library is loaded, and each of those threads maps a work buffer at once,
 *   retrying forever when it cannot; exit() then waits for them, so an
 *   out-of-memory hung instead of failing (blas_reserve.h).  The engine
 *   runs OpenBLAS on one thread per caller anyway.
 * - glibc.malloc.hugetlb=1 in GLIBC_TUNABLES: malloc advises transparent
 *   huge pages for its blocks, as big_alloc.h does for the engine's own
 *   large ones, which reaches OpenBLAS's, libpng's and libjpeg's buffers
 *   too.  First-touch page faults were the largest one-shot cost: 27,500
 *   faults in an 800x600 run before big_alloc, 15,500 after it, 4,800 with
 *   this (bench/NOTES.md, "one-shot"); peak RSS unchanged (466 / 468 MB).
 *   glibc before 2.35 ignores the name.
 * OPENBLAS_NUM_THREADS is set to 1 whatever it was; the tunable is
 * appended to the user's GLIBC_TUNABLES unless those name hugetlb (so
 * glibc.malloc.hugetlb=0 turns it off) or SST_HUGE_PAGES=0 turns all of
 * the engine's huge-page advice off (big_alloc.h). */
#ifndef SST_PROCESS_ENV_H
#define SST_PROCESS_ENV_H

/* Call first thing in main().  When a setting is missing it sets both and
 * re-executes the program (same argv, same open descriptors); it returns
 * only when nothing was missing or exec failed (then the program runs as
 * it would have without them). */
void sst_process_env_reexec(char **argv);

#endif
