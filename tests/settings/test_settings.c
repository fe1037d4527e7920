/* test_settings.c - the descriptor table is consistent, the engine's check
 * refuses every value just outside each row's range and accepts its bounds,
 * and sst_params_resolve applies the policies it documents. */
#include <math.h>
#include <string.h>

#include "../check.h"
#include "kernels.h"
#include "settings.h"

static int refused(const sst_params *p) {
  sst_error err = {0};
  return sst_params_check(p, &err) == SST_ERR_INVALID && err.msg[0] != '\0';
}

static void check_rows(void) {
  sst_params d;
  sst_params_default(&d);
  CHECK(sst_params_check(&d, NULL) == SST_OK, "defaults are refused");
  for (int i = 0; i < SST_N_SETTINGS; i++) {
    const sst_setting *s = sst_setting_get((sst_setting_id)i);
    const char *name = s->cli ? s->cli : s->arg ? s->arg : "(engine only)";
    CHECK((int)s->id == i, "row %d has id %d", i, (int)s->id);
    CHECK(s->help && s->help[0], "%s: no help", name);
    CHECK(!(s->where & SST_SETTING_ARG) || (s->arg && s->label),
          "%s: an argument needs a name and a label", name);
    CHECK(!(s->where & SST_SETTING_CLI) || s->cli, "%s: no CLI name", name);
    if (s->cli)
      CHECK(sst_setting_by_cli(s->cli) == s, "%s: CLI name not unique", name);
    if (s->arg)
      CHECK(sst_setting_by_arg(s->arg) == s, "%s: argument not unique", name);
    if (s->type == SST_SETTING_CHOICE) {
      CHECK(s->n_choices > 0, "%s: no choices", name);
      CHECK(sst_setting_choice_of(s, (int)s->def) != NULL,
            "%s: default is no choice", name);
      for (int c = 0; c < s->n_choices; c++) {
        sst_params p = d;
        sst_setting_store(&p, s, s->choices[c].value);
        CHECK(!refused(&p), "%s: choice %s refused", name, s->choices[c].name);
      }
      sst_params p = d;
      sst_setting_store(&p, s, 99);
      CHECK(refused(&p), "%s: value 99 accepted", name);
      continue;
    }
    CHECK(s->min < s->max, "%s: empty range", name);
    CHECK(s->ui_max == 0 || (s->ui_max > s->min && s->ui_max <= s->max),
          "%s: slider end %g outside the range", name, s->ui_max);
    CHECK(sst_setting_value(&d, s) == s->def, "%s: default not stored", name);
    double step = s->step > 0                  ? s->step
                  : s->type != SST_SETTING_DOUBLE ? 1.0
                                             : fmax(1e-3, 1e-6 * fabs(s->max));
    /* a row with a step: max and the default on its grid, the values
     * between two steps refused */
    const double mid =
        s->step > 0 ? s->min + s->step * floor(0.5 * (s->max - s->min) / s->step)
                    : 0.5 * (s->min + s->max);
    if (s->step > 0) {
      const double n = (s->max - s->min) / s->step;
      const double nd = (s->def - s->min) / s->step;
      CHECK(n == floor(n) && nd == floor(nd),
            "%s: max or default off the step grid", name);
      sst_params p = d;
      sst_setting_store(&p, s, s->min + 0.5 * s->step);
      if (s->type == SST_SETTING_DOUBLE || s->step >= 2)
        CHECK(refused(&p), "%s: %g between steps accepted", name,
              s->min + 0.5 * s->step);
    }
    const double ok[] = {s->min, s->max, mid};
    const double bad[] = {s->min - step, s->max + step, NAN, INFINITY};
    for (int k = 0; k < 3; k++) {
      sst_params p = d;
      sst_setting_store(&p, s, ok[k]);
      CHECK(!refused(&p), "%s: %g refused", name, ok[k]);
    }
    for (int k = 0; k < (s->type == SST_SETTING_DOUBLE ? 4 : 2); k++) {
      sst_params p = d;
      if (sst_setting_choice_of(s, (int)bad[k]))
        continue; /* a named extra value (--tile off is -1) */
      sst_setting_store(&p, s, bad[k]);
      CHECK(refused(&p), "%s: %g accepted", name, bad[k]);
    }
  }
}

/* The patch size is odd only: the table says so (step 2 from 1), and the
 * check, the parser and the range text all follow it. */
static void check_patch_size(void) {
  const sst_setting *s = sst_setting_get(SST_SET_PATCH_SIZE);
  char msg[200], range[64];
  double v;
  sst_setting_range_text(s, range, sizeof range);
  CHECK(strcmp(range, "1|3|5|7") == 0, "patch-size range text %s", range);
  for (int size = 0; size <= 8; size++) {
    sst_params p;
    sst_params_default(&p);
    p.method = SST_METHOD_PATCH;
    p.patch_size = size;
    const int odd = size % 2 == 1 && size <= SST_PATCH_SIZE_MAX;
    CHECK(refused(&p) == !odd, "patch size %d %s", size,
          odd ? "refused" : "accepted");
    char text[8];
    snprintf(text, sizeof text, "%d", size);
    int rc = sst_setting_parse(s, text, &v, "--", msg, sizeof msg);
    CHECK((rc == 0) == odd, "parse %s: %d (%s)", text, rc, rc ? msg : "");
    if (rc != 0)
      CHECK(strstr(msg, "--patch-size '") && strstr(msg, "1|3|5|7") &&
                !strchr(msg, '\n'), "patch size %d message: %s", size, msg);
  }
}

static void check_parse(void) {
  const sst_setting *g = sst_setting_get(SST_SET_GAMMA);
  const sst_setting *t = sst_setting_get(SST_SET_TILE);
  const sst_setting *k = sst_setting_get(SST_SET_KERNEL);
  double v;
  char msg[200];
  CHECK(sst_setting_parse(g, "12.5", &v, "--", msg, sizeof msg) == 0 && v == 12.5,
        "gamma 12.5");
  CHECK(sst_setting_parse(g, "12x", &v, "--", msg, sizeof msg) != 0 &&
            strstr(msg, "--gamma '12x'"), "gamma 12x: %s", msg);
  CHECK(sst_setting_parse(t, "off", &v, "--", msg, sizeof msg) == 0 && v == -1,
        "tile off");
  CHECK(sst_setting_parse(t, "-1", &v, "--", msg, sizeof msg) != 0,
        "tile -1 is no size");
  CHECK(sst_setting_parse(t, "1.5", &v, "--", msg, sizeof msg) != 0,
        "tile 1.5 is no integer");
  CHECK(sst_setting_parse(k, "bn", &v, "--", msg, sizeof msg) == 0 &&
            v == SST_KERNEL_BN, "kernel bn");
  CHECK(sst_setting_parse(k, "none", &v, "--", msg, sizeof msg) != 0 &&
            strstr(msg, "linear|poly|gaussian|bn"), "kernel none: %s", msg);
}

static void check_resolve(void) {
  sst_params p;
  sst_error err = {0};
  for (int k = SST_KERNEL_LINEAR; k <= SST_KERNEL_BN; k++) {
    const sst_kernel_info *info = sst_kernel_get_info((sst_kernel)k);
    CHECK(info && info->default_gamma > 0, "kernel %d: no default gamma", k);
    /* The plug-in always passes gamma (the procedure argument's default),
     * the CLI leaves it to the kernel: the same default either way. */
    CHECK(info && info->default_gamma == sst_setting_get(SST_SET_GAMMA)->def,
          "kernel %d: default gamma %g, the gamma setting's default %g", k,
          info ? info->default_gamma : 0.0, sst_setting_get(SST_SET_GAMMA)->def);
    sst_params_default(&p);
    p.kernel = (sst_kernel)k;
    p.gamma = 1234;
    CHECK(sst_params_resolve(&p, NULL, 0, &err) == SST_OK &&
              info && p.gamma == info->default_gamma,
          "kernel %d: gamma not given but kept", k);
    p.gamma = 1234;
    CHECK(sst_params_resolve(&p, NULL, SST_GIVEN(SST_SET_GAMMA), &err) == SST_OK &&
              p.gamma == 1234, "kernel %d: given gamma replaced", k);
  }
  CHECK(sst_kernel_get_info(SST_KERNEL_NONE) == NULL, "none has traits");
  /* every row carries its maths: statistics functions or a per-pixel
   * estimator, never both, never neither */
  for (int k = SST_KERNEL_LINEAR; k <= SST_KERNEL_BN; k++) {
    const sst_kernel_ops *o = sst_kernel_get_info((sst_kernel)k)->ops;
    CHECK(o && !o->stats_add != !o->pixel, "kernel %d: no functions", k);
    CHECK(!o->full_G || o->stats_add, "kernel %d: full G without stats", k);
  }
  CHECK(!sst_kernel_is_stats(SST_KERNEL_GAUSSIAN) &&
            sst_kernel_is_stats(SST_KERNEL_POLY) &&
            sst_kernel_has_full_G(SST_KERNEL_POLY) &&
            !sst_kernel_has_full_G(SST_KERNEL_BN), "stats traits");
  sst_params_default(&p);
  CHECK(sst_params_resolve(&p, NULL, SST_GIVEN(SST_SET_FUSE_WEIGHT), &err) ==
            SST_ERR_INVALID, "fuse weight without fusion kernel accepted");
  p.fuse_kernel = SST_KERNEL_LINEAR;
  CHECK(sst_params_resolve(&p, NULL, SST_GIVEN(SST_SET_FUSE_WEIGHT), &err) ==
            SST_OK, "fuse weight with fusion kernel refused: %s", err.msg);
  p.iterations = 5000;
  CHECK(sst_params_resolve(&p, NULL, ~(uint64_t)0, &err) == SST_ERR_INVALID &&
            strstr(err.msg, "iterations"), "resolve does not check: %s", err.msg);
}

int main(void) {
  check_rows();
  check_parse();
  check_patch_size();
  check_resolve();
  printf("settings: %d failure(s)\n", failures);
  return failures != 0;
}
