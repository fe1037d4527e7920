/* settings.h - one descriptor table for every setting of sst_params and for
 * the style kernels.
 *
 * The engine's parameter check, the CLI's option parsing and --help, and the
 * plug-in's procedure arguments and dialog widgets all read these rows, so a
 * range, a default or a help line exists in exactly one place.  Adding a
 * setting = one sst_setting_id, one field in sst_params and one row in
 * settings.c, in the same place in both; the row order is the procedure's
 * argument order, so new arguments go after the existing ones.
 * tests/settings, tests/cli/test_ranges.py and the gimp-errors test walk
 * every row.
 *
 * Labels and help lines are English; they are marked for gettext in
 * settings.c (N_) so the plug-in translates them with _(row->label). */
#ifndef SST_SETTINGS_H
#define SST_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "sst.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SST_SETTING_DOUBLE,
  SST_SETTING_INT,
  SST_SETTING_CHOICE, /* an enum: only the values listed in choices */
  SST_SETTING_BOOL    /* an int field, 0 or 1 (min 0, max 1 in the row): a
                         CLI flag without a value, a boolean argument shown
                         as a check box */
} sst_setting_type;

/* Where a setting shows up besides the engine's check. */
enum {
  SST_SETTING_CLI = 1u << 0, /* a --cli option */
  SST_SETTING_ARG = 1u << 1, /* a procedure argument (and dialog widget) */
  SST_SETTING_ADVANCED = 1u << 2 /* an engine knob: the dialog folds it away
                                    under "Advanced"; without it the widget is
                                    in front, next to the kernel */
};

/* One named value.  For a CHOICE setting these are all its values; for a
 * numeric setting they are extra named values outside min..max (the CLI's
 * --tile auto|off). */
typedef struct {
  const char *name;  /* what the CLI and the procedure take: "poly" */
  int value;         /* the enum value (== the plug-in's choice id) */
  const char *label; /* for the dialog: "Polynomial" */
  const char *help;  /* one line for the dialog's tooltip */
} sst_choice;

/* Identifies a row; the table is indexed by it. */
typedef enum {
  SST_SET_KERNEL,
  SST_SET_GAMMA,
  SST_SET_POLY_C,
  SST_SET_FUSE_KERNEL,
  SST_SET_FUSE_WEIGHT,
  SST_SET_LAYER,
  SST_SET_COLOR_MATCH,
  SST_SET_ITERATIONS,
  SST_SET_PRECISION,
  SST_SET_MAX_SIZE,
  SST_SET_STYLE_MAX_SIZE,
  SST_SET_THREADS,
  SST_SET_TILE,
  /* issue 18; after the older rows so the procedure's signature keeps
   * their positions */
  SST_SET_PRESERVE_COLORS,
  SST_SET_STYLE_SCALE,
  SST_SET_METHOD,
  SST_SET_PATCH_SIZE,
  SST_SET_PATCH_BLEND,
  SST_SET_PATCH_SPREAD, /* issue 14; after the older rows, so their */
  SST_SET_PATCH_GUIDE,  /* positions in the procedure stay */
  SST_SET_PASSES,
  SST_N_SETTINGS
} sst_setting_id;

typedef struct {
  sst_setting_id id;
  const char *cli;     /* CLI option without "--" (NULL: none) */
  const char *arg;     /* procedure argument name (NULL: none) */
  const char *metavar; /* "G", "N", ... in the CLI usage (NULL for choices) */
  sst_setting_type type;
  size_t offset;       /* of the field in sst_params (double, int or enum) */
  double def;          /* default (for a CHOICE: the value) */
  double min, max;     /* the only values the engine accepts (numeric) */
  double ui_max;       /* end of the dialog slider (<= max); the number
                          field still takes up to max */
  int digits;          /* decimals shown in the dialog */
  unsigned where;      /* SST_SETTING_CLI | SST_SETTING_ARG */
  const char *label;   /* dialog label with mnemonic: "_Gamma (style strength)" */
  const char *help;    /* one line: CLI --help and dialog tooltip */
  const sst_choice *choices;
  int n_choices;
  double step;         /* > 0: the values are min, min + step, ... only
                          (patch size: odd); 0: every value in range.  The
                          check, the CLI's parsing and --help, and the
                          dialog's widget all read it */
} sst_setting;

/* Row id (0 <= id < SST_N_SETTINGS). */
const sst_setting *sst_setting_get(sst_setting_id id);
/* Row whose CLI option (without "--") or argument name is name; NULL if none. */
const sst_setting *sst_setting_by_cli(const char *name);
const sst_setting *sst_setting_by_arg(const char *name);

/* The setting's value in p as a double (enum and int fields converted). */
double sst_setting_value(const sst_params *p, const sst_setting *s);
/* Stores v in p's field (rounded for INT/CHOICE); no range check. */
void sst_setting_store(sst_params *p, const sst_setting *s, double v);
/* The choice named name, or NULL. */
const sst_choice *sst_setting_choice(const sst_setting *s, const char *name);
/* The choice whose value is value, or NULL. */
const sst_choice *sst_setting_choice_of(const sst_setting *s, int value);

/* Parses text for setting s (a number in range, a choice name or a named
 * extra value) into *value.  Returns 0, or -1 with a one-line reason in
 * msg: "--gamma 'abc' is not a number in 0..1000" (prefix is "--" for the
 * CLI, "" elsewhere). */
int sst_setting_parse(const sst_setting *s, const char *text, double *value,
                      const char *prefix, char *msg, size_t n);
/* Writes "0..1000", "linear|poly|gaussian|bn", "auto|off|64..65536", and
 * for a row with a step its values, "1|3|5|7" (or "1..99 step 2" when
 * there are more than SST_STEP_LISTED). */
#define SST_STEP_LISTED 8
void sst_setting_range_text(const sst_setting *s, char *buf, size_t n);

/* Every setting of p in range (and every enum a listed choice)?  One line
 * in err naming the setting when not. */
sst_status sst_params_check(const sst_params *p, sst_error *err);

/* Bit of a setting in sst_params_resolve's given mask. */
#define SST_GIVEN(id) ((uint64_t)1 << (id))

/* The policies that turn what a caller set into the parameters of a run:
 * - gamma not given: the kernel's default gamma;
 * - layer not given and the model has no relu3_1 decoder (a converted
 *   AdaIN pair ships only relu4_1): relu4_1;
 * - fuse weight given without a fusion kernel: refused;
 * then sst_params_check.  given is a mask of SST_GIVEN(id) for the
 * settings the caller chose explicitly; m may be NULL (no layer policy). */
sst_status sst_params_resolve(sst_params *p, const sst_model *m, uint64_t given,
                              sst_error *err);

/* --- kernels --------------------------------------------------------- */
/* The engine's maths of one kernel (engine/kernels.h): its statistics or
 * per-pixel functions. */
typedef struct sst_kernel_ops sst_kernel_ops;
typedef struct {
  sst_kernel kernel;
  double default_gamma;
  const sst_kernel_ops *ops; /* S and its gradient: what the reconstruction
                                runs for this kernel (kernels.c) */
} sst_kernel_info;

/* Row of a usable style kernel (LINEAR..BN); NULL for NONE or unknown. */
const sst_kernel_info *sst_kernel_get_info(sst_kernel k);

#ifdef __cplusplus
}
#endif
#endif
