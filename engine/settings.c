/* settings.c - the descriptor table of sst_params and the style kernels
 * (settings.h), and the checks and policies that read it.
 *
 * Ranges (one set, used by the engine, the CLI and the plug-in alike):
 *  - gamma 0..10000: the gamma sweeps in weights/QUALITY.md go to 1000 and
 *    the poly warm start is tested at 3000 (tests/recon/test_warm.c); the
 *    dialog's slider ends at 300 (three times the default), where the gain
 *    has levelled off.
 *  - poly c 0..100 and fusion weight 0..100: features are divided by the
 *    style's RMS, so c or a weight beyond 10 already swamps the other terms;
 *    the slider ends at 10.
 *  - iterations 0..1000: 0 decodes the content's own features (a check the
 *    CLI tests use); ten suffice with the warm start, the slider ends at 50.
 *  - sizes and tiles up to 65536 px a side, threads up to 1024. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "kernels.h"
#include "settings.h"

/* Marks a string for xgettext (po/POTFILES lists this file); the plug-in
 * translates the rows with _(). */
#define N_(s) (s)

/* The default gamma, for every kernel and for the procedure argument (the
 * plug-in always passes gamma, so the two must be one number), and the
 * default number of passes: chosen together from the full evaluation in
 * weights/QUALITY.md (tools/eval, the contrastive encoder, 122 runs, poly).
 * One pass levels off: 0.764 / 0.389 / 0.680 (texture_ratio / style_ratio
 * / content SSIM) at gamma 30, 0.740 / 0.379 / 0.660 at 100, little more
 * beyond, since the decoder draws less of the matched statistics than the
 * features ask for.  A second pass matches the decoded result again and
 * moves the painting's strokes (0.641 / 0.342 / 0.608 at gamma 30: issue
 * 14's three targets met; at 100 content SSIM drops under 0.60), for about
 * 1.7x the time of one pass (README, "Passes"). */
#define DEFAULT_GAMMA 30.0
#define DEFAULT_PASSES 2

/* The style kernels: default gamma and the maths the reconstruction runs
 * (kernels.c); a new kernel is a row here, a choice below and its ops. */
static const sst_kernel_info kernel_infos[] = {
    {SST_KERNEL_LINEAR, DEFAULT_GAMMA, &sst_kernel_linear_ops},
    {SST_KERNEL_POLY, DEFAULT_GAMMA, &sst_kernel_poly_ops},
    {SST_KERNEL_GAUSSIAN, DEFAULT_GAMMA, &sst_kernel_gauss_ops},
    {SST_KERNEL_BN, DEFAULT_GAMMA, &sst_kernel_bn_ops},
};

#define KERNEL_CHOICES                                                         \
  {"linear", SST_KERNEL_LINEAR, N_("Linear"),                                  \
   N_("Match feature means: colours and overall tone")},                       \
      {"poly", SST_KERNEL_POLY, N_("Polynomial"),                              \
       N_("Match feature correlations (Gram matrix): textures and strokes")},  \
      {"gaussian", SST_KERNEL_GAUSSIAN, N_("Gaussian"),                        \
       N_("Match the whole feature distribution: finer, local patterns")},     \
  {                                                                            \
    "bn", SST_KERNEL_BN, N_("Batch normalization"),                            \
        N_("Match feature means and standard deviations: fast and smooth")    \
  }

static const sst_choice kernel_choices[] = {KERNEL_CHOICES};
static const sst_choice fuse_choices[] = {
    {"none", SST_KERNEL_NONE, N_("None"), N_("Use only the style kernel")},
    KERNEL_CHOICES};
static const sst_choice layer_choices[] = {
    {"relu3_1", SST_RELU3_1, N_("relu3_1 (finer detail, faster)"), NULL},
    {"relu4_1", SST_RELU4_1, N_("relu4_1 (larger patterns, slower)"), NULL}};
static const sst_choice precision_choices[] = {
    {"float32", SST_PRECISION_FLOAT32, N_("float32 (exact)"), NULL},
    {"bf16", SST_PRECISION_BF16, N_("bfloat16 (faster)"), NULL}};
static const sst_choice method_choices[] = {
    {"stats", SST_METHOD_STATS, N_("Statistics"),
     N_("Match each region's feature statistics (the kernels)")},
    {"patch", SST_METHOD_PATCH, N_("Patches"),
     N_("Replace each feature patch by the best-matching style patch of its "
        "region: more texture, less of the content's structure")}};
/* Named values of --tile besides a size: sst_params.tile 0 and -1. */
static const sst_choice tile_names[] = {
    {"auto", 0, NULL, NULL}, {"off", -1, NULL, NULL}};

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define FIELD(f) offsetof(sst_params, f)
#define CLI SST_SETTING_CLI
#define ARG SST_SETTING_ARG
#define ADV SST_SETTING_ADVANCED

/* In sst_setting_id order (checked by sst_setting_get's callers' tests). */
static const sst_setting table[SST_N_SETTINGS] = {
    {SST_SET_KERNEL, "kernel", "kernel", NULL, SST_SETTING_CHOICE,
     FIELD(kernel), SST_KERNEL_POLY, 0, 0, 0, 0, CLI | ARG, N_("_Kernel"),
     N_("Statistics of the style features that are matched"), kernel_choices,
     N_OF(kernel_choices), 0},
    {SST_SET_GAMMA, "gamma", "gamma", "G", SST_SETTING_DOUBLE, FIELD(gamma),
     DEFAULT_GAMMA, 0.0, 10000.0, 300.0, 1, CLI | ARG,
     N_("_Gamma (style strength)"),
     N_("Balance between content and style: higher transfers more style"),
     NULL, 0, 0},
    {SST_SET_POLY_C, "poly-c", "poly-c", "C", SST_SETTING_DOUBLE,
     FIELD(poly_c), 0.0, 0.0, 100.0, 10.0, 2, CLI | ARG | ADV,
     N_("Pol_ynomial offset c"),
     N_("Offset c of the polynomial kernel (x·y + c)²; 0 matches Gram "
        "matrices"),
     NULL, 0, 0},
    {SST_SET_FUSE_KERNEL, "fuse", "fuse-kernel", NULL, SST_SETTING_CHOICE,
     FIELD(fuse_kernel), SST_KERNEL_NONE, 0, 0, 0, 0, CLI | ARG | ADV,
     N_("_Fuse with"), N_("A second kernel whose style term is added, or none"),
     fuse_choices, N_OF(fuse_choices), 0},
    {SST_SET_FUSE_WEIGHT, "fuse-weight", "fuse-weight", "W",
     SST_SETTING_DOUBLE, FIELD(fuse_weight), 0.5, 0.0, 100.0, 10.0, 2,
     CLI | ARG | ADV, N_("Fusion _weight"),
     N_("Weight of the second kernel's style term"), NULL, 0, 0},
    {SST_SET_LAYER, "layer", "feature-layer", NULL, SST_SETTING_CHOICE,
     FIELD(layer), SST_RELU3_1, 0, 0, 0, 0, CLI | ARG | ADV, N_("Feat_ure layer"),
     N_("Network layer whose features are reconstructed"), layer_choices,
     N_OF(layer_choices), 0},
    {SST_SET_COLOR_MATCH, "color-match", "color-match", "S",
     SST_SETTING_DOUBLE, FIELD(color_match), 1.0, 0.0, 1.0, 1.0, 2, CLI | ARG,
     N_("Style _colours"),
     N_("How far each region's colours move to those of its style region "
        "after decoding: 1 takes the style's palette, 0 keeps the decoder's "
        "colours"),
     NULL, 0, 0},
    {SST_SET_ITERATIONS, "iterations", "iterations", "N", SST_SETTING_INT,
     FIELD(iterations), 10, 0, 1000, 50, 0, CLI | ARG | ADV, N_("_Iterations"),
     N_("Reconstruction iterations: more is closer to the optimum but slower"),
     NULL, 0, 0},
    {SST_SET_PRECISION, "precision", "precision", NULL, SST_SETTING_CHOICE,
     FIELD(precision), SST_PRECISION_FLOAT32, 0, 0, 0, 0, CLI | ARG | ADV,
     N_("_Arithmetic"),
     N_("float32 is exact; bf16 is about 1.7x faster on CPUs with AVX-512 "
        "BF16, with differences of a few levels at most (README, Precision)"),
     precision_choices, N_OF(precision_choices), 0},
    {SST_SET_MAX_SIZE, "max-size", NULL, "PIXELS", SST_SETTING_INT,
     FIELD(max_size), 0, 0, 65536, 0, 0, CLI, NULL,
     "longest side the content is processed at (0 = full size); the result "
     "is scaled back",
     NULL, 0, 0},
    {SST_SET_STYLE_MAX_SIZE, NULL, NULL, NULL, SST_SETTING_INT,
     FIELD(style_max_size), 512, 0, 65536, 0, 0, 0, NULL,
     "longest side the style is processed at (0 = full size)", NULL, 0, 0},
    {SST_SET_THREADS, "threads", NULL, "N", SST_SETTING_INT, FIELD(threads), 0,
     0, 1024, 0, 0, CLI, NULL, "worker threads (0 = every core)", NULL, 0, 0},
    {SST_SET_TILE, "tile", NULL, "PIXELS", SST_SETTING_INT, FIELD(tile), 0, 64,
     65536, 0, 0, CLI, NULL,
     "encoder/decoder tile side: auto tiles beyond 1 megapixel, off never",
     tile_names, N_OF(tile_names), 0},
    {SST_SET_PRESERVE_COLORS, "preserve-colors", "preserve-colors", NULL,
     SST_SETTING_BOOL, FIELD(preserve_colors), 0, 0, 1, 0, 0, CLI | ARG,
     N_("K_eep content colours"),
     N_("Keep the content's colours and take only the lightness from the "
        "stylized result (YCbCr, after the colour match)"),
     NULL, 0, 0},
    /* 0.25..4: at 4 the default 512 px style fit becomes 2048 px (about
     * 0.3 GB of relu3_1 features); below 0.25 a 512 px style is 128 px,
     * too few cells on the relu4_1 grid for its statistics. */
    {SST_SET_STYLE_SCALE, "style-scale", "style-scale", "S",
     SST_SETTING_DOUBLE, FIELD(style_scale), 1.0, 0.25, 4.0, 0, 2, CLI | ARG,
     N_("Style s_cale"),
     N_("Size of the style's strokes: the style image is resized by this "
        "factor before encoding (2 = strokes twice as large)"),
     NULL, 0, 0},
    /* The patch method (recon_patch.c).  Blend 1 by measurement (README,
     * "The patch method"): the only blend whose texture ratio beat the
     * statistics method's at a mean content SSIM >= 0.45. */
    {SST_SET_METHOD, "method", "method", NULL, SST_SETTING_CHOICE,
     FIELD(method), SST_METHOD_STATS, 0, 0, 0, 0, CLI | ARG, N_("_Method"),
     N_("How the target features are made: statistics or patches"),
     method_choices, N_OF(method_choices), 0},
    {SST_SET_PATCH_SIZE, "patch-size", "patch-size", "N", SST_SETTING_INT,
     FIELD(patch_size), 3, 1, SST_PATCH_SIZE_MAX, SST_PATCH_SIZE_MAX, 0,
     CLI | ARG | ADV,
     N_("Patch _size"),
     N_("Side of a feature patch in grid cells, odd (patch method)"), NULL, 0,
     2 /* odd only: a patch has a centre cell (recon_patch.c) */},
    {SST_SET_PATCH_BLEND, "patch-blend", "patch-blend", "B",
     SST_SETTING_DOUBLE, FIELD(patch_blend), 1.0, 0.0, 1.0, 1.0, 2,
     CLI | ARG | ADV, N_("Patch _blend"),
     N_("0 keeps the content's features, 1 takes the swapped patches "
        "(patch method)"),
     NULL, 0, 0},
    /* Spread (issue 14): nearest patches repeat the style's flattest few
     * over flat content; a usage price spreads them (recon_patch.c).  The
     * default is measured in README, "The patch method". */
    {SST_SET_PATCH_SPREAD, "patch-spread", "patch-spread", "S",
     SST_SETTING_DOUBLE, FIELD(patch_spread), 0.3, 0.0, 1.0, 1.0, 2,
     CLI | ARG | ADV, N_("Patch sp_read"),
     N_("How evenly the style's patches are used: 0 takes the nearest patch "
        "everywhere (flat areas repeat a few), higher spreads the painting's "
        "strokes over the picture (patch method)"),
     NULL, 0, 0},
    /* Guide (issue 14): without it a light face or wall could take the
     * style's darkest patches (dark blobs); the default is measured in
     * README, "The patch method". */
    {SST_SET_PATCH_GUIDE, "patch-guide", "patch-guide", "G",
     SST_SETTING_DOUBLE, FIELD(patch_guide), 0.3, 0.0, 1.0, 1.0, 2,
     CLI | ARG | ADV, N_("Keep lig_ht and dark"),
     N_("How strongly light parts of the photo take light patches of the "
        "style and dark parts dark ones: 0 matches by pattern only (faces "
        "can get dark blobs), higher keeps the photo's shading (patch "
        "method)"),
     NULL, 0, 0},
    /* Passes (issue 14): the default is DEFAULT_PASSES above; beyond 4
     * the picture only grows grainier, the number field still takes 8. */
    {SST_SET_PASSES, "passes", "passes", "N", SST_SETTING_INT, FIELD(passes),
     DEFAULT_PASSES, 1, 8, 4, 0, CLI | ARG, N_("Re_draw passes"),
     N_("How many times the picture is painted: each pass after the first "
        "stylizes the last one's result again and moves more of the "
        "painting's strokes and texture; each takes about as long as the "
        "first"),
     NULL, 0, 0},
};

const sst_setting *sst_setting_get(sst_setting_id id) {
  if ((unsigned)id >= SST_N_SETTINGS)
    return NULL;
  return &table[id];
}

const sst_setting *sst_setting_by_cli(const char *name) {
  for (int i = 0; i < SST_N_SETTINGS; i++)
    if (name && table[i].cli && strcmp(name, table[i].cli) == 0)
      return &table[i];
  return NULL;
}

const sst_setting *sst_setting_by_arg(const char *name) {
  for (int i = 0; i < SST_N_SETTINGS; i++)
    if (name && table[i].arg && strcmp(name, table[i].arg) == 0)
      return &table[i];
  return NULL;
}

/* Enum fields are read and written as int: C11 leaves an enum's type to the
 * compiler, so make sure it is int-sized here. */
_Static_assert(sizeof(sst_kernel) == sizeof(int), "enum is not int-sized");
_Static_assert(sizeof(sst_layer) == sizeof(int), "enum is not int-sized");
_Static_assert(sizeof(sst_precision) == sizeof(int), "enum is not int-sized");
double sst_setting_value(const sst_params *p, const sst_setting *s) {
  const char *f = (const char *)p + s->offset;
  if (s->type == SST_SETTING_DOUBLE)
    return *(const double *)f;
  return *(const int *)f;
}

void sst_setting_store(sst_params *p, const sst_setting *s, double v) {
  char *f = (char *)p + s->offset;
  if (s->type == SST_SETTING_DOUBLE)
    *(double *)f = v;
  else
    *(int *)f = (int)lround(v);
}

const sst_choice *sst_setting_choice(const sst_setting *s, const char *name) {
  for (int i = 0; i < s->n_choices; i++)
    if (name && strcmp(name, s->choices[i].name) == 0)
      return &s->choices[i];
  return NULL;
}

const sst_choice *sst_setting_choice_of(const sst_setting *s, int value) {
  for (int i = 0; i < s->n_choices; i++)
    if (s->choices[i].value == value)
      return &s->choices[i];
  return NULL;
}

static void append(char *buf, size_t n, const char *fmt, const char *text) {
  size_t used = strlen(buf);
  if (used < n)
    snprintf(buf + used, n - used, fmt, text);
}

void sst_setting_range_text(const sst_setting *s, char *buf, size_t n) {
  if (n == 0)
    return;
  buf[0] = '\0';
  for (int i = 0; i < s->n_choices; i++)
    append(buf, n, i ? "|%s" : "%s", s->choices[i].name);
  if (s->type == SST_SETTING_CHOICE)
    return;
  if (s->type == SST_SETTING_BOOL) {
    append(buf, n, "%s", "on|off");
    return;
  }
  char range[64];
  if (s->step > 0 && (s->max - s->min) / s->step < SST_STEP_LISTED) {
    for (double v = s->min; v <= s->max; v += s->step) {
      snprintf(range, sizeof range, "%g", v);
      append(buf, n, v > s->min || s->n_choices ? "|%s" : "%s", range);
    }
    return;
  }
  if (s->step > 0)
    snprintf(range, sizeof range, "%g..%g step %g", s->min, s->max, s->step);
  else
    snprintf(range, sizeof range, "%g..%g", s->min, s->max);
  append(buf, n, s->n_choices ? "|%s" : "%s", range);
}

/* The choice or named extra value equal to v, or NULL (also for values no
 * int can hold: converting those would be undefined). */
static const sst_choice *named_value(const sst_setting *s, double v) {
  if (!(v >= -2147483648.0 && v <= 2147483647.0) || v != (double)(int)v)
    return NULL;
  return sst_setting_choice_of(s, (int)v);
}

static int in_range(const sst_setting *s, double v) {
  if (named_value(s, v))
    return 1; /* a choice, or a named extra value such as --tile off */
  if (s->type == SST_SETTING_CHOICE)
    return 0;
  if (!(v >= s->min && v <= s->max)) /* also NaN */
    return 0;
  const double k = s->step > 0 ? (v - s->min) / s->step : 0.0;
  return k == floor(k); /* on a step of the row's grid */
}

int sst_setting_parse(const sst_setting *s, const char *text, double *value,
                      const char *prefix, char *msg, size_t n) {
  const char *name = s->cli ? s->cli : s->arg;
  const sst_choice *c = sst_setting_choice(s, text);
  if (c) {
    *value = c->value;
    return 0;
  }
  if (s->type == SST_SETTING_BOOL) { /* the CLI's flags take no text */
    int on = text && (!strcmp(text, "on") || !strcmp(text, "1"));
    if (on || (text && (!strcmp(text, "off") || !strcmp(text, "0")))) {
      *value = on;
      return 0;
    }
    snprintf(msg, n, "%s%s '%s' is not on or off", prefix, name, text);
    return -1;
  }
  if (s->type == SST_SETTING_CHOICE) {
    char range[160];
    sst_setting_range_text(s, range, sizeof range);
    snprintf(msg, n, "unknown %s%s '%s' (use %s)", prefix, name, text, range);
    return -1;
  }
  char *end;
  double v = s->type != SST_SETTING_DOUBLE ? (double)strtol(text, &end, 10)
                                         : strtod(text, &end);
  if (end == text || *end != '\0' || !isfinite(v) || !in_range(s, v) ||
      named_value(s, v)) {
    /* A named extra value counts only by its name: "--tile -1" is no
     * tile size. */
    char names[100] = "";
    if (s->step > 0) { /* "--patch-size '4' is not one of 1|3|5|7" */
      sst_setting_range_text(s, names, sizeof names);
      snprintf(msg, n, "%s%s '%s' is not one of %s", prefix, name, text,
               names);
      return -1;
    }
    for (int i = 0; i < s->n_choices; i++)
      append(names, sizeof names, i ? "|%s" : " or one of %s", s->choices[i].name);
    snprintf(msg, n, "%s%s '%s' is not %s in %g..%g%s", prefix, name, text,
             s->type != SST_SETTING_DOUBLE ? "an integer" : "a number", s->min,
             s->max, names);
    return -1;
  }
  *value = v;
  return 0;
}

sst_status sst_params_check(const sst_params *p, sst_error *err) {
  if (!p)
    return sst_fail(err, SST_ERR_INVALID, "missing parameters");
  for (int i = 0; i < SST_N_SETTINGS; i++) {
    const sst_setting *s = &table[i];
    double v = sst_setting_value(p, s);
    if (in_range(s, v))
      continue;
    const char *name = s->cli ? s->cli : s->arg ? s->arg : "style max size";
    char range[160];
    sst_setting_range_text(s, range, sizeof range);
    if (s->type == SST_SETTING_CHOICE)
      return sst_fail(err, SST_ERR_INVALID, "unknown %s %g (use %s)", name, v,
                      range);
    return sst_fail(err, SST_ERR_INVALID, "%s %g is not in %s", name, v,
                    range);
  }
  return SST_OK;
}

sst_status sst_params_resolve(sst_params *p, const sst_model *m, uint64_t given,
                              sst_error *err) {
  if (!(given & SST_GIVEN(SST_SET_GAMMA))) {
    const sst_kernel_info *k = sst_kernel_get_info(p->kernel);
    if (k)
      p->gamma = k->default_gamma;
  }
  /* A weights folder with only a relu4_1 decoder (a converted AdaIN pair)
   * works without choosing the layer; a chosen layer is never overridden. */
  if (m && !(given & SST_GIVEN(SST_SET_LAYER)) &&
      !sst_model_has_layer(m, SST_RELU3_1))
    p->layer = SST_RELU4_1;
  if ((given & SST_GIVEN(SST_SET_FUSE_WEIGHT)) &&
      p->fuse_kernel == SST_KERNEL_NONE)
    return sst_fail(err, SST_ERR_INVALID,
                    "fuse-weight is set but no fusion kernel (fuse) is chosen");
  return sst_params_check(p, err);
}

const sst_kernel_info *sst_kernel_get_info(sst_kernel k) {
  for (int i = 0; i < N_OF(kernel_infos); i++)
    if (kernel_infos[i].kernel == k)
      return &kernel_infos[i];
  return NULL;
}
