/* test_passes.c - repeated passes (sst_params.passes) through a session:
 * 1. passes = 2 gives, bit for bit, what a second session gives when its
 *    content is the first pass's result (with the content's map and the
 *    same style): the definition of a pass, with a map, at full size and
 *    below it (max_size: the result is brought back to the content's size
 *    before it is painted again);
 * 2. passes = 3 equals three such sessions in a row;
 * 3. the session keeps the first pass's encodings and statistics for the
 *    next run (a gamma change re-encodes only the repeated passes'
 *    contents), and every repeated pass encodes once;
 * 4. passes 0 and 9 are refused with a message, and nothing is written;
 * 5. a session that does not keep its content (sst_session_set_keep_content
 *    0, the CLI's and the render's) gives the same result bit for bit,
 *    frees the first pass's encoding and statistics (the next run encodes
 *    and builds them again) and still keeps them at one pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "pipeline.h"
#include "pipeline_test_util.h"
#include "sst.h"

static sst_params params(int passes, int max_size) {
  sst_params p;
  sst_params_default(&p);
  p.iterations = 3;
  p.passes = passes;
  p.max_size = max_size;
  return p;
}

/* One session on content c (with the scene's maps and style). */
static int run(const sst_model *m, const test_scene *sc, const sst_image *c,
               const sst_params *p, sst_image *out) {
  sst_error err = {0};
  const sst_status st = sst_stylize(m, c, &sc->cmap, &sc->style, &sc->smap,
                                    p, NULL, NULL, out, &err);
  CHECK(st == SST_OK, "passes %d max_size %d: %s", p->passes, p->max_size,
        err.msg);
  return st == SST_OK;
}

static void same(const sst_image *a, const sst_image *b, const char *what) {
  CHECK(a->width == b->width && a->height == b->height, "%s: size differs",
        what);
  if (a->width != b->width || a->height != b->height)
    return;
  size_t differ = 0;
  for (size_t i = 0; i < (size_t)a->width * a->height * 3; i++)
    differ += a->rgb[i] != b->rgb[i];
  CHECK(differ == 0, "%s: %zu values differ", what, differ);
}

static void test_definition(const sst_model *m, const test_scene *sc,
                            int passes, int max_size) {
  char what[96];
  snprintf(what, sizeof what, "passes %d, max_size %d against %d sessions",
           passes, max_size, passes);
  sst_params one = params(1, max_size), many = params(passes, max_size);
  sst_image chain = {0}, direct = {0};
  int ok = run(m, sc, &sc->content, &one, &chain);
  for (int i = 1; ok && i < passes; i++) {
    sst_image next = {0};
    ok = run(m, sc, &chain, &one, &next);
    sst_image_free(&chain);
    chain = next;
  }
  if (ok && run(m, sc, &sc->content, &many, &direct)) {
    same(&direct, &chain, what);
    /* and a pass changes the picture: otherwise the check above is empty */
    sst_image first = {0};
    if (run(m, sc, &sc->content, &one, &first)) {
      size_t differ = 0;
      for (size_t i = 0; i < (size_t)first.width * first.height * 3; i++)
        differ += first.rgb[i] != direct.rgb[i];
      CHECK(differ > (size_t)first.width * first.height,
            "%s: only %zu values differ from one pass", what, differ);
    }
    sst_image_free(&first);
  }
  sst_image_free(&chain);
  sst_image_free(&direct);
}

/* Runs s with p and checks the session's counts after it (the style is
 * encoded once throughout). */
static void run_counting(sst_session *s, const sst_params *p, const char *what,
                         int content, int repeated, int stats) {
  sst_error err = {0};
  sst_image out = {0};
  sst_session_counts c;
  CHECK(sst_session_run(s, p, &out, &err) == SST_OK, "%s: %s", what, err.msg);
  sst_image_free(&out);
  sst_session_counts_get(s, &c);
  CHECK(c.content_encodes == content && c.style_encodes == 1 &&
            c.repeat_encodes == repeated && c.stats_builds == stats,
        "%s: content %d style %d repeated %d stats %d encodes, want %d 1 %d %d",
        what, c.content_encodes, c.style_encodes, c.repeat_encodes,
        c.stats_builds, content, repeated, stats);
}

/* A session on the scene with keep_content set as given. */
static sst_session *scene_session(const sst_model *m, const test_scene *sc,
                                  int keep) {
  sst_session *s = sst_session_new(m);
  sst_error err = {0};
  CHECK(s && sst_session_set_content(s, &sc->content, &sc->cmap, &err) ==
                 SST_OK &&
            sst_session_set_style(s, &sc->style, &sc->smap, &err) == SST_OK,
        "session: %s", err.msg);
  sst_session_set_keep_content(s, keep);
  return s;
}

static void test_cache(const sst_model *m, const test_scene *sc) {
  sst_session *s = scene_session(m, sc, 1);
  sst_error err = {0};
  sst_params p = params(3, 0);
  /* the first run encodes both sides and builds one statistics per pass */
  run_counting(s, &p, "run 1", 1, 2, 3);
  /* a gamma change: the first pass's cache holds, the repeated passes'
   * contents are new */
  p.gamma = 30.0;
  run_counting(s, &p, "gamma change", 1, 4, 5);
  for (int bad = 0; bad <= 9; bad += 9) {
    sst_params q = params(bad, 0);
    sst_image none = {0};
    err.msg[0] = 0;
    CHECK(sst_session_run(s, &q, &none, &err) != SST_OK && !none.rgb &&
              strstr(err.msg, "passes"),
          "passes %d: not refused (message '%s')", bad, err.msg);
  }
  sst_session_free(s);
}

static void test_keep_content(const sst_model *m, const test_scene *sc) {
  sst_session *kept = scene_session(m, sc, 1), *dropped = scene_session(m, sc, 0);
  sst_params p = params(2, 0);
  sst_image a = {0}, b = {0};
  sst_error err = {0};
  CHECK(sst_session_run(kept, &p, &a, &err) == SST_OK &&
            sst_session_run(dropped, &p, &b, &err) == SST_OK,
        "keep_content: %s", err.msg);
  if (a.rgb && b.rgb)
    same(&a, &b, "keep_content 0 against 1");
  sst_image_free(&a);
  sst_image_free(&b);
  /* the second run: the kept session reuses the first pass's encoding and
   * statistics, the other encodes and builds them again */
  p.gamma = 30.0;
  run_counting(kept, &p, "kept, gamma change", 1, 2, 3);
  run_counting(dropped, &p, "not kept, gamma change", 2, 2, 4);
  /* one pass has no repeated pass to make room for: kept */
  p.passes = 1;
  run_counting(dropped, &p, "not kept, one pass", 3, 2, 5);
  p.gamma = 40.0;
  run_counting(dropped, &p, "not kept, one pass again", 3, 2, 5);
  sst_session_free(kept);
  sst_session_free(dropped);
}

int main(void) {
  sst_model *m = test_model_load();
  if (!m)
    return 1;
  test_scene sc;
  test_scene_make(&sc, 160, 120, 128, 96);
  test_definition(m, &sc, 2, 0);
  test_definition(m, &sc, 2, 96);
  test_definition(m, &sc, 3, 0);
  test_cache(m, &sc);
  test_keep_content(m, &sc);
  test_scene_free(&sc);
  sst_model_free(m);
  printf(failures ? "pipeline_passes: %d FAILURES\n"
                  : "pipeline_passes: all passed\n",
         failures);
  return failures != 0;
}
