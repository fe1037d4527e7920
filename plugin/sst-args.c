/* sst-args.c - reading and checking the procedure's arguments.
 *
 * All checks that need no pixels happen here, before the model is loaded or
 * anything is computed, so a bad call fails fast and touches nothing. */
#include "sst-plugin.h"
#include "sst-intl.h"

G_DEFINE_QUARK (sst-plugin-error-quark, sst_plugin_error)

void
sst_args_from_config (GimpProcedureConfig *config,
                      SstArgs             *args)
{
  GimpDrawable *style_layer = NULL;
  GimpDrawable *content_map = NULL;
  GimpDrawable *style_map   = NULL;
  gdouble       gamma, poly_c, fuse_weight, color_match;
  gint          iterations;

  g_object_get (config,
                "style-layer", &style_layer,
                "content-map", &content_map,
                "style-map",   &style_map,
                "gamma",       &gamma,
                "poly-c",      &poly_c,
                "fuse-weight", &fuse_weight,
                "color-match", &color_match,
                "iterations",  &iterations,
                NULL);

  /* The config keeps its own references; hand out borrowed pointers so the
   * caller has nothing to free. */
  args->style_layer = style_layer;
  args->content_map = content_map;
  args->style_map   = style_map;
  g_clear_object (&style_layer);
  g_clear_object (&content_map);
  g_clear_object (&style_map);

  sst_params_default (&args->params);
  /* Choice ids are the engine's enum values (see the GimpChoice tables in
   * sst-plugin.c), so they map 1:1. */
  args->params.kernel      = (sst_kernel) gimp_procedure_config_get_choice_id (config, "kernel");
  args->params.fuse_kernel = (sst_kernel) gimp_procedure_config_get_choice_id (config, "fuse-kernel");
  args->params.layer       = (sst_layer)  gimp_procedure_config_get_choice_id (config, "feature-layer");
  args->params.precision   = (sst_precision) gimp_procedure_config_get_choice_id (config, "precision");
  args->params.gamma       = gamma;
  args->params.poly_c      = poly_c;
  args->params.fuse_weight = fuse_weight;
  args->params.color_match = color_match;
  args->params.iterations  = iterations;
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

  return GIMP_PDB_SUCCESS;
}

gchar *
sst_result_layer_name (GimpDrawable *style_layer)
{
  gchar *name = gimp_item_get_name (GIMP_ITEM (style_layer));
  /* The suffix is kept in English on purpose: scripts find the result
   * layer by this name whatever the UI language. */
  gchar *result = g_strdup_printf ("%s (semantic style)", name ? name : "style");

  g_free (name);
  return result;
}

const gchar *
sst_stage_label (const gchar *stage)
{
  if (stage == NULL)
    return _("Semantic Style");
  if (g_str_equal (stage, "encode content"))
    return _("Encoding the content image");
  if (g_str_equal (stage, "encode style"))
    return _("Encoding the style image");
  if (g_str_equal (stage, "reconstruct"))
    return _("Transferring the style");
  if (g_str_equal (stage, "decode"))
    return _("Decoding the result");
  return stage;
}
