/* check.h - the one assertion macro of the C tests: records a failure with
 * file, line and a printf message, and lets the test go on so one run shows
 * every failing check.  Tests return failures != 0 at the end. */
#ifndef SST_TEST_CHECK_H
#define SST_TEST_CHECK_H
#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      failures++;                                                              \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                              \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  } while (0)
#endif
