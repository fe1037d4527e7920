/* golden.h - reader of the golden files written by tools/make_*_golden.py:
 * a sequence of "NAME COUNT" lines each followed by COUNT numbers. */
#ifndef SST_TEST_GOLDEN_H
#define SST_TEST_GOLDEN_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MAX_ENTRIES 128
typedef struct {
  char name[64];
  int n;
  double *v;
} entry;
static entry g_e[MAX_ENTRIES];
static int g_ne = 0;

static int load_golden(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  while (g_ne < MAX_ENTRIES) {
    entry *e = &g_e[g_ne];
    if (fscanf(f, "%63s %d", e->name, &e->n) != 2)
      break;
    if (e->n <= 0 || e->n > 1000000)
      break;
    e->v = malloc(sizeof(double) * (size_t)e->n);
    for (int i = 0; i < e->n; i++)
      if (fscanf(f, "%lf", &e->v[i]) != 1) {
        fclose(f);
        return -1;
      }
    g_ne++;
  }
  fclose(f);
  return g_ne > 0 ? 0 : -1;
}

static const double *golden(const char *name, int n) {
  for (int i = 0; i < g_ne; i++)
    if (strcmp(g_e[i].name, name) == 0) {
      if (g_e[i].n != n) {
        printf("FAIL golden %s has %d values, expected %d\n", name, g_e[i].n,
               n);
        failures++;
        return NULL;
      }
      return g_e[i].v;
    }
  printf("FAIL golden %s missing\n", name);
  failures++;
  return NULL;
}
#endif
