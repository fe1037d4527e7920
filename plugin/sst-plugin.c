/* sst-plugin.c - the GimpPlugIn: registers plug-in-semantic-style, sets up
 * translations, and dispatches a run to the dialog (interactive) and the
 * renderer.
 *
 * The entry point is the only file that sees both rooms: plugin/ (render,
 * weights) and ui/ (the dialog).  Both stand on gimpio/ and the engine and
 * never include each other (tests/layout/check_includes.sh).
 *
 * Everything that could fail is checked before the image is touched; the
 * result layer is only created once the stylized pixels exist, so a failure,
 * a cancel or GIMP killing the plug-in leaves the image exactly as it was. */
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "process_env.h"
#include "sst-args.h"
#include "sst-intl.h"
#include "sst-render.h"
#include "sst-weights.h"
#include "sst-dialog.h"
#include "settings.h"

#define SST_PLUG_IN_PROC   "plug-in-semantic-style"
#define SST_PLUG_IN_BINARY "semantic-style"

typedef struct { GimpPlugIn parent_instance; } SstPlugIn;
typedef struct { GimpPlugInClass parent_class; } SstPlugInClass;

#define SST_TYPE_PLUG_IN (sst_plug_in_get_type ())
GType sst_plug_in_get_type (void) G_GNUC_CONST;

static GList          *sst_query_procedures (GimpPlugIn *plug_in);
static GimpProcedure  *sst_create_procedure (GimpPlugIn  *plug_in,
                                             const gchar *name);
static gboolean        sst_set_i18n         (GimpPlugIn   *plug_in,
                                             const gchar  *name,
                                             gchar       **gettext_domain,
                                             gchar       **catalog_dir);
static GimpValueArray *sst_run              (GimpProcedure        *procedure,
                                             GimpRunMode           run_mode,
                                             GimpImage            *image,
                                             GimpDrawable        **drawables,
                                             GimpProcedureConfig  *config,
                                             gpointer              run_data);

G_DEFINE_TYPE (SstPlugIn, sst_plug_in, GIMP_TYPE_PLUG_IN)
/* GIMP_MAIN's main, after making OpenBLAS start without its thread pool:
 * those threads map a work buffer each at load and retry forever when
 * memory is short, so the plug-in would hang instead of reporting it; and
 * malloc on huge pages, fewer first-touch faults (engine/process_env.h).
 * The re-executed plug-in keeps GIMP's pipes. */
int
main (int argc, char *argv[])
{
  sst_process_env_reexec (argv);
  return gimp_main (SST_TYPE_PLUG_IN, argc, argv);
}

static void
sst_plug_in_class_init (SstPlugInClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  plug_in_class->query_procedures = sst_query_procedures;
  plug_in_class->create_procedure = sst_create_procedure;
  plug_in_class->set_i18n         = sst_set_i18n;
}

static void
sst_plug_in_init (SstPlugIn *self)
{
  (void) self;
}

/* Catalogs are installed in <plug-in dir>/locale/<lang>/LC_MESSAGES/
 * <GETTEXT_PACKAGE>.mo (po/meson.build).  libgimp resolves the relative
 * catalog dir against the plug-in's folder and binds the domain (UTF-8)
 * before create_procedure() and run(), so both the strings registered with
 * GIMP (menu label, help, argument labels) and the dialog are translated. */
static gboolean
sst_set_i18n (GimpPlugIn   *plug_in,
              const gchar  *name,
              gchar       **gettext_domain,
              gchar       **catalog_dir)
{
  (void) plug_in; (void) name;
  *gettext_domain = g_strdup (GETTEXT_PACKAGE);
  *catalog_dir    = g_strdup ("locale");
  return TRUE;
}

static GList *
sst_query_procedures (GimpPlugIn *plug_in)
{
  (void) plug_in;
  return g_list_append (NULL, g_strdup (SST_PLUG_IN_PROC));
}

/* A GimpChoice from a table row's choices.  The choice ids ARE the
 * engine's enum values, so sst_args_from_config can cast them directly. */
static GimpChoice *
setting_choice (const sst_setting *s)
{
  GimpChoice *choice = gimp_choice_new ();

  for (gint i = 0; i < s->n_choices; i++)
    gimp_choice_add (choice, s->choices[i].name, s->choices[i].value,
                     _(s->choices[i].label),
                     s->choices[i].help ? _(s->choices[i].help) : NULL);
  return choice;
}

/* One procedure argument per table row that has an argument name, in the
 * table's order (which is the procedure's signature: keep it). */
static void
add_setting_arguments (GimpProcedure *procedure)
{
  sst_params defaults;

  sst_params_default (&defaults);
  for (gint i = 0; i < SST_N_SETTINGS; i++)
    {
      const sst_setting *s   = sst_setting_get (i);
      gdouble            def = sst_setting_value (&defaults, s);

      if (! (s->where & SST_SETTING_ARG))
        continue;
      switch (s->type)
        {
        case SST_SETTING_CHOICE:
          gimp_procedure_add_choice_argument (procedure, s->arg, _(s->label), _(s->help),
                                              setting_choice (s),
                                              sst_setting_choice_of (s, (gint) def)->name,
                                              G_PARAM_READWRITE);
          break;
        case SST_SETTING_DOUBLE:
          gimp_procedure_add_double_argument (procedure, s->arg, _(s->label), _(s->help),
                                              s->min, s->max, def, G_PARAM_READWRITE);
          break;
        case SST_SETTING_BOOL:
          gimp_procedure_add_boolean_argument (procedure, s->arg, _(s->label), _(s->help),
                                               def != 0.0, G_PARAM_READWRITE);
          break;
        case SST_SETTING_INT:
          gimp_procedure_add_int_argument (procedure, s->arg, _(s->label), _(s->help),
                                           (gint) s->min, (gint) s->max, (gint) def,
                                           G_PARAM_READWRITE);
          break;
        }
    }
}

static GimpProcedure *
sst_create_procedure (GimpPlugIn  *plug_in,
                      const gchar *name)
{
  GimpProcedure *procedure;

  if (strcmp (name, SST_PLUG_IN_PROC) != 0)
    return NULL;

  procedure = gimp_image_procedure_new (plug_in, name,
                                        GIMP_PDB_PROC_TYPE_PLUGIN,
                                        sst_run, NULL, NULL);

  gimp_procedure_set_image_types (procedure, "RGB*");
  gimp_procedure_set_sensitivity_mask (procedure,
                                       GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, _("_Semantic Style Transfer..."));
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Artistic");

  gimp_procedure_set_documentation
    (procedure,
     _("Repaint a layer in the style of another image, region by region"),
     _("Transfers the look of a style layer (from any open image) onto the "
       "selected layer using neural feature reconstruction. The result is a "
       "new layer above the selected one; the source layers are not changed.\n\n"
       "Optional semantic maps say which part of the content takes its style "
       "from which part of the style image: paint each map with flat colours; "
       "the same colour marks the same region in both maps (for example sky "
       "blue, trees green). The content map must have the size of the layer "
       "being stylized and the style map the size of the style layer.\n\n"
       "Gamma balances content against style: higher values transfer more "
       "style. The kernel chooses which statistics of the style are matched; "
       "a second kernel can be fused in with its own weight. relu4_1 "
       "transfers larger patterns than relu3_1 but is slower."),
     name);
  gimp_procedure_set_attribution (procedure,
                                  "Semantic Style authors",
                                  "Semantic Style authors",
                                  "2025");

  gimp_procedure_add_drawable_argument (procedure, "style-layer",
                                        _("S_tyle layer"),
                                        _("Layer whose style is transferred (from any open image)"),
                                        TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_drawable_argument (procedure, "content-map",
                                        _("Co_ntent map"),
                                        _("Flat-colour map of the regions of the layer being stylized (same size as that layer), or none"),
                                        TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_drawable_argument (procedure, "style-map",
                                        _("Style _map"),
                                        _("Flat-colour map of the regions of the style layer (same size as the style layer), or none"),
                                        TRUE, G_PARAM_READWRITE);
  /* kernel, gamma, ... precision: from the settings table (settings.c).
   * bf16 falls back to float32 where the CPU lacks AVX-512 BF16 (the
   * engine checks); the dialog greys the choice out there. */
  add_setting_arguments (procedure);

  /* Dialog-only setting, not part of the PDB signature. */
  gimp_procedure_add_boolean_aux_argument (procedure, "show-preview",
                                           _("_Preview"),
                                           _("Show a live preview on a reduced copy"),
                                           TRUE, G_PARAM_READWRITE);
  return procedure;
}

static GimpValueArray *
error_return (GimpProcedure     *procedure,
              GimpPDBStatusType  status,
              GError            *error)
{
  return gimp_procedure_new_return_values (procedure, status, error);
}

static GimpValueArray *
sst_run (GimpProcedure        *procedure,
         GimpRunMode           run_mode,
         GimpImage            *image,
         GimpDrawable        **drawables,
         GimpProcedureConfig  *config,
         gpointer              run_data)
{
  GimpDrawable      *drawable;
  SstArgs            args;
  sst_model         *model = NULL;
  GimpPDBStatusType  status;
  GError            *error = NULL;

  (void) run_data;
  if (drawables == NULL || drawables[0] == NULL || drawables[1] != NULL)
    {
      g_set_error (&error, SST_PLUGIN_ERROR, 0,
                   _("Select exactly one layer to stylize."));
      return error_return (procedure, GIMP_PDB_CALLING_ERROR, error);
    }
  drawable = drawables[0];

  /* Checks that do not depend on the dialog's settings come first, so an
   * impossible run does not even open the dialog. */
  if (gimp_image_get_base_type (image) != GIMP_RGB ||
      ! gimp_item_is_layer (GIMP_ITEM (drawable)))
    {
      sst_args_from_config (config, &args);
      status = sst_args_check (image, drawable, &args, &error);
      if (status != GIMP_PDB_SUCCESS)
        return error_return (procedure, status, error);
    }

  /* Weights are needed by the preview too: a missing or corrupt file is
   * reported before any dialog appears. */
  model = sst_plugin_load_model (&error);
  if (model == NULL)
    return error_return (procedure, GIMP_PDB_EXECUTION_ERROR, error);

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      gimp_ui_init (SST_PLUG_IN_BINARY);
      if (! sst_dialog_run (procedure, config, image, drawable, model))
        {
          sst_model_free (model);
          return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);
        }
    }

  sst_args_from_config (config, &args);
  status = sst_args_check (image, drawable, &args, &error);
  if (status == GIMP_PDB_SUCCESS)
    status = sst_render (image, drawable, &args, model, run_mode, &error);

  sst_model_free (model);

  if (status != GIMP_PDB_SUCCESS)
    return error_return (procedure, status, error);

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();
  return gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
}
