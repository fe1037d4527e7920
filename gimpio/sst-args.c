/* sst-args.c - reading and checking the procedure's arguments.
 *
 * All checks that need no pixels happen here, before the model is loaded or
 * anything is computed, so a bad call fails fast and touches nothing. */
#include "sst-args.h"
#include "sst-intl.h"
#include "settings.h"

G_DEFINE_QUARK (sst-plugin-error-quark, sst_plugin_error)

void
sst_args_from_config (GimpProcedureConfig *config,
                      SstArgs             *args)
{
  GimpDrawable *style_layer = NULL;
  GimpDrawable *content_map = NULL;
  GimpDrawable *style_map   = NULL;

  g_object_get (config,
                "style-layer", &style_layer,
                "content-map", &content_map,
                "style-map",   &style_map,
                NULL);

  /* The config keeps its own references; hand out borrowed pointers so the
   * caller has nothing to free. */
  args->style_layer = style_layer;
  args->content_map = content_map;
  args->style_map   = style_map;
  g_clear_object (&style_layer);
  g_clear_object (&content_map);
  g_clear_object (&style_map);

  /* Every setting that is a procedure argument, by the table (settings.c);
   * engine defaults for the rest. */
  sst_params_default (&args->params);
  for (gint i = 0; i < SST_N_SETTINGS; i++)
    {
      const sst_setting *s = sst_setting_get (i);
      gdouble            d = 0.0;
      gint               n = 0;

      if (! (s->where & SST_SETTING_ARG))
        continue;
      switch (s->type)
        {
        case SST_SETTING_CHOICE:
          /* Choice ids are the engine's enum values (sst-plugin.c). */
          d = gimp_procedure_config_get_choice_id (config, s->arg);
          break;
        case SST_SETTING_DOUBLE:
          g_object_get (config, s->arg, &d, NULL);
          break;
        case SST_SETTING_INT:
          g_object_get (config, s->arg, &n, NULL);
          d = n;
          break;
        case SST_SETTING_BOOL:
          {
            gboolean b = FALSE;

            g_object_get (config, s->arg, &b, NULL);
            d = b ? 1.0 : 0.0;
          }
          break;
        }
      sst_setting_store (&args->params, s, d);
    }
}

static gboolean
same_size (GimpDrawable *a,
           GimpDrawable *b)
{
  return gimp_drawable_get_width (a)  == gimp_drawable_get_width (b) &&
         gimp_drawable_get_height (a) == gimp_drawable_get_height (b);
}

static GimpPDBStatusType
calling_error (GError     **error,
               const gchar *format,
               ...) G_GNUC_PRINTF (2, 3);

static GimpPDBStatusType
calling_error (GError     **error,
               const gchar *format,
               ...)
{
  va_list args;
  gchar  *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SST_PLUGIN_ERROR, 0, msg);
  g_free (msg);
  return GIMP_PDB_CALLING_ERROR;
}

GimpPDBStatusType
sst_args_check (GimpImage     *image,
                GimpDrawable  *drawable,
                const SstArgs *args,
                GError       **error)
{
  if (gimp_image_get_base_type (image) != GIMP_RGB)
    return calling_error (error,
                          _("Semantic Style works on RGB images only. "
                            "Convert the image with Image > Mode > RGB first."));

  if (! gimp_item_is_layer (GIMP_ITEM (drawable)))
    return calling_error (error,
                          _("Select a layer to stylize (not a channel or a mask)."));

  if (args->style_layer == NULL || ! gimp_item_is_valid (GIMP_ITEM (args->style_layer)))
    return calling_error (error,
                          _("Choose a style layer: an open image or layer whose "
                            "look should be transferred."));

  if (gimp_item_get_id (GIMP_ITEM (args->style_layer)) ==
      gimp_item_get_id (GIMP_ITEM (drawable)))
    return calling_error (error,
                          _("The style layer is the layer being stylized. "
                            "Choose a different layer as style."));

  if (args->content_map != NULL)
    {
      if (! gimp_item_is_valid (GIMP_ITEM (args->content_map)))
        return calling_error (error, _("The content map no longer exists."));

      if (! same_size (args->content_map, drawable))
        return calling_error (error,
                              _("The content map is %d × %d pixels but the layer "
                                "to stylize is %d × %d. Both must have the same size."),
                              gimp_drawable_get_width (args->content_map),
                              gimp_drawable_get_height (args->content_map),
                              gimp_drawable_get_width (drawable),
                              gimp_drawable_get_height (drawable));
    }

  if (args->style_map != NULL)
    {
      if (! gimp_item_is_valid (GIMP_ITEM (args->style_map)))
        return calling_error (error, _("The style map no longer exists."));

      if (! same_size (args->style_map, args->style_layer))
        return calling_error (error,
                              _("The style map is %d × %d pixels but the style "
                                "layer is %d × %d. Both must have the same size."),
                              gimp_drawable_get_width (args->style_map),
                              gimp_drawable_get_height (args->style_map),
                              gimp_drawable_get_width (args->style_layer),
                              gimp_drawable_get_height (args->style_layer));
    }

  if (args->params.kernel == SST_KERNEL_NONE)
    return calling_error (error, _("The style kernel cannot be “none”."));

  /* The PDB keeps every argument in the table's range already; this is the
   * engine's own check of the whole set (a procedure gives every setting,
   * except that a fusion weight without a fusion kernel is simply unused). */
  {
    sst_params p      = args->params;
    uint64_t   given  = ~(uint64_t) 0 & ~SST_GIVEN (SST_SET_FUSE_WEIGHT);
    sst_error  err    = { 0 };

    if (sst_params_resolve (&p, NULL, given, &err) != SST_OK)
      return calling_error (error, "%s", err.msg);
  }

  return GIMP_PDB_SUCCESS;
}
