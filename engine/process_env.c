/* process_env.c - see process_env.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "big_alloc.h" /* sst_huge_pages_enabled */
#include "process_env.h"

#define HUGETLB "glibc.malloc.hugetlb=1"

/* Sets what is missing; returns 1 when something was set. */
static int set_missing(void) {
  int changed = 0;
  const char *blas = getenv("OPENBLAS_NUM_THREADS");
  if ((!blas || strcmp(blas, "1") != 0) &&
      setenv("OPENBLAS_NUM_THREADS", "1", 1) == 0)
    changed = 1;
  const char *tun = getenv("GLIBC_TUNABLES");
  if (sst_huge_pages_enabled() &&
      (!tun || !strstr(tun, "glibc.malloc.hugetlb"))) {
    char buf[2048];
    int n = tun && *tun ? snprintf(buf, sizeof buf, "%s:%s", tun, HUGETLB)
                        : snprintf(buf, sizeof buf, "%s", HUGETLB);
    if (n > 0 && (size_t)n < sizeof buf && setenv("GLIBC_TUNABLES", buf, 1) == 0)
      changed = 1;
  }
  return changed;
}

void sst_process_env_reexec(char **argv) {
  if (!argv || !argv[0] || !set_missing())
    return;
  /* the real path rather than /proc/self/exe, whose name ("exe") would
   * become the process name that ps, top and pgrep show */
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    execv(self, argv);
  }
  /* exec failed: carry on as we are */
}
