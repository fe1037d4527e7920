/* test_process_env.c - sst_process_env_reexec (engine/process_env.h): the
 * program re-executes itself once with OPENBLAS_NUM_THREADS=1 and
 * glibc.malloc.hugetlb=1, keeps the user's other tunables and an explicit
 * hugetlb choice, leaves the tunable out under SST_HUGE_PAGES=0, and does
 * not re-execute when nothing is missing.
 *
 * The test runs itself as the child ("--child") with a controlled
 * environment; the child counts its executions in SST_TEST_RUNS and prints
 * "runs|OPENBLAS_NUM_THREADS|GLIBC_TUNABLES". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process_env.h"

static int child(char **argv) {
  const char *n = getenv("SST_TEST_RUNS");
  char b[16];
  snprintf(b, sizeof b, "%d", (n ? atoi(n) : 0) + 1);
  setenv("SST_TEST_RUNS", b, 1);
  sst_process_env_reexec(argv);
  const char *ob = getenv("OPENBLAS_NUM_THREADS"), *gt = getenv("GLIBC_TUNABLES");
  printf("%s|%s|%s\n", getenv("SST_TEST_RUNS"), ob ? ob : "(unset)",
         gt ? gt : "(unset)");
  return 0;
}

/* Runs self --child with exactly `envp`; the first line of its output. */
static int run(const char *self, char *const envp[], char *out, size_t size) {
  int fd[2];
  if (pipe(fd) != 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    char *argv[] = {(char *)self, "--child", NULL};
    execve(self, argv, envp);
    _exit(127);
  }
  close(fd[1]);
  ssize_t got = read(fd[0], out, size - 1);
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  out[got > 0 ? got : 0] = '\0';
  out[strcspn(out, "\n")] = '\0';
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--child") == 0)
    return child(argv);
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return 1;
  self[n] = '\0';
  static const struct {
    char *env[3];
    const char *want;
  } cases[] = {
      {{NULL}, "2|1|glibc.malloc.hugetlb=1"},
      {{"OPENBLAS_NUM_THREADS=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=1", NULL},
       "1|1|glibc.malloc.hugetlb=1"},
      {{"OPENBLAS_NUM_THREADS=4", "GLIBC_TUNABLES=glibc.malloc.check=0", NULL},
       "2|1|glibc.malloc.check=0:glibc.malloc.hugetlb=1"},
      {{"GLIBC_TUNABLES=glibc.malloc.hugetlb=0", NULL}, "2|1|glibc.malloc.hugetlb=0"},
      {{"OPENBLAS_NUM_THREADS=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=0", NULL},
       "1|1|glibc.malloc.hugetlb=0"},
      /* SST_HUGE_PAGES=0: no huge-page advice, only the thread setting */
      {{"SST_HUGE_PAGES=0", NULL}, "2|1|(unset)"},
      {{"SST_HUGE_PAGES=0", "OPENBLAS_NUM_THREADS=1", NULL}, "1|1|(unset)"},
      {{"SST_HUGE_PAGES=1", "OPENBLAS_NUM_THREADS=1", NULL},
       "2|1|glibc.malloc.hugetlb=1"},
  };
  int bad = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char out[4096];
    int rc = run(self, cases[i].env, out, sizeof out);
    if (rc != 0 || strcmp(out, cases[i].want) != 0) {
      fprintf(stderr, "FAIL case %zu: exit %d, printed \"%s\", want \"%s\"\n", i,
              rc, out, cases[i].want);
      bad++;
    }
  }
  if (!bad)
    printf("all %zu environment cases as expected\n", sizeof cases / sizeof *cases);
  return bad != 0;
}
