/* replay_main.c - runs a fuzz harness over files and folders of inputs
 * (the seed corpus and the crash reproducers kept as regression inputs),
 * so that the ordinary test suite, and CI's ASan/UBSan build with gcc,
 * replays them without libFuzzer.  Exit 0 when every input ran; a memory
 * error aborts under the sanitizers.
 * usage: replay HARNESS-NAME PATH... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path, int *count) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return -1;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      uint8_t *more = realloc(buf, cap * 2);
      if (!more)
        free(buf);
      buf = more;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) {
    fprintf(stderr, "%s: out of memory\n", path);
    return -1;
  }
  /* an exact-size copy, as libFuzzer gives: a read one past the end of the
   * input must land outside the allocation for ASan to see it */
  uint8_t *exact = malloc(n ? n : 1);
  if (!exact) {
    free(buf);
    fprintf(stderr, "%s: out of memory\n", path);
    return -1;
  }
  memcpy(exact, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  (*count)++;
  return 0;
}

static int replay_path(const char *path, int *count) {
  struct stat st;
  if (stat(path, &st) != 0) {
    perror(path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode))
    return replay_file(path, count);
  DIR *d = opendir(path);
  if (!d) {
    perror(path);
    return -1;
  }
  int rc = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') /* ., .. and .gitkeep-like files */
      continue;
    char *p = malloc(strlen(path) + strlen(e->d_name) + 2);
    if (!p) {
      rc = -1;
      break;
    }
    sprintf(p, "%s/%s", path, e->d_name);
    rc |= replay_path(p, count);
    free(p);
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s HARNESS-NAME PATH...\n", argv[0]);
    return 2;
  }
  int count = 0, rc = 0;
  for (int i = 2; i < argc; i++)
    rc |= replay_path(argv[i], &count);
  printf("%s: %d inputs replayed\n", argv[1], count);
  if (count == 0) {
    fprintf(stderr, "%s: no inputs found\n", argv[1]);
    return 1;
  }
  return rc ? 1 : 0;
}
