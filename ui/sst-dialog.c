/* sst-dialog.c - the Semantic Style dialog.
 *
 * Layout: live preview on the left; on the right the style layer chooser
 * first (the one choice that is always needed), then the optional semantic
 * maps with a hint on painting them, a "New map layers" button and the
 * region legend, then what an artist tunes (kernel, strength, colours),
 * and the engine's knobs (polynomial offset, fusion, iterations,
 * arithmetic, layer) folded away under "Advanced".  The widgets come from
 * GimpProcedureDialog so they stay bound to the procedure config
 * (last-used values, Reset, Python-fu all see the same settings). */
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "sst-dialog.h"
#include "sst-args.h"
#include "sst-pixels.h"
#include "sst-preview.h"
#include "sst-legend.h"
#include "sst-map-layers.h"
#include "sst-intl.h"
#include "settings.h"

/* The drawable arguments, in the order of DialogState.ids. */
static const gchar *const drawable_props[] = { "style-layer", "content-map", "style-map" };
#define N_DRAWABLE_PROPS G_N_ELEMENTS (drawable_props)

typedef struct {
  GimpProcedureConfig *config;
  GtkWidget           *style_name;
  GimpImage           *image;
  GimpDrawable        *drawable;
  SstPreview          *preview;
  SstLegendView       *legend;
  GtkWidget           *maps_status; /* what to do after "New map layers" */
  gboolean             content_dirty;
  gboolean             style_dirty;
  gint                 ids[N_DRAWABLE_PROPS]; /* item ids last seen, -1: none */
} DialogState;

static gint
drawable_prop_id (GimpProcedureConfig *config,
                  const gchar         *property)
{
  GimpDrawable *d  = NULL;
  gint          id = -1;

  g_object_get (config, property, &d, NULL);
  if (d)
    id = gimp_item_get_id (GIMP_ITEM (d));
  g_clear_object (&d);
  return id;
}

/* TRUE when property is a drawable argument whose value is the one seen
 * last time (a chooser re-setting the same drawable, see below): nothing
 * to re-read. */
static gboolean
drawable_unchanged (DialogState *st,
                    const gchar *property)
{
  for (guint i = 0; i < N_DRAWABLE_PROPS; i++)
    if (g_str_equal (property, drawable_props[i]))
      {
        gint id = drawable_prop_id (st->config, property);

        if (id == st->ids[i])
          return TRUE;
        st->ids[i] = id;
        return FALSE;
      }
  return FALSE;
}

/* GIMP 3.0's GimpDrawableChooser draws its thumbnail only when its drawable
 * is set, at the size its preview area has at that moment.  The procedure
 * dialog sets it while creating the widget, before any size allocation,
 * and GimpPreviewArea drops its pixels when it gets its real size: the
 * chooser stays blank until the user browses for another drawable.
 * Setting the same drawable again once the chooser has its size makes it
 * fetch and draw a thumbnail of the right size. */
static void
find_preview_area (GtkWidget *widget,
                   gpointer   data)
{
  GtkWidget **found = data;

  if (*found == NULL && GIMP_IS_PREVIEW_AREA (widget))
    *found = widget;
  else if (*found == NULL && GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), find_preview_area, data);
}

static gboolean
chooser_redraw (gpointer data)
{
  GimpDrawableChooser *chooser = data;
  GtkWidget           *top     = gtk_widget_get_toplevel (GTK_WIDGET (chooser));
  GtkWidget           *area    = NULL;
  gint                 x = 0, y = 0;

  /* Still in the dialog (not destroyed in the meantime)? */
  if (gtk_widget_is_toplevel (top))
    {
      gimp_drawable_chooser_set_drawable (chooser,
                                          gimp_drawable_chooser_get_drawable (chooser));

      /* Where the thumbnail is: lets the screenshot test check it. */
      find_preview_area (GTK_WIDGET (chooser), &area);
      if (area && gtk_widget_translate_coordinates (area, top, 0, 0, &x, &y))
        g_debug ("thumbnail %s: area=%d,%d,%d,%d",
                 (const gchar *) g_object_get_data (G_OBJECT (chooser), "sst-property"),
                 x, y, gtk_widget_get_allocated_width (area),
                 gtk_widget_get_allocated_height (area));
    }
  g_object_unref (chooser);
  return G_SOURCE_REMOVE;
}

static void
chooser_size_allocate (GtkWidget     *chooser,
                       GtkAllocation *allocation,
                       gpointer       data)
{
  gint  size = allocation->width * 65536 + allocation->height;
  gint *last = g_object_get_data (G_OBJECT (chooser), "sst-drawn-size");

  (void) data;
  if (last && *last == size)
    return;
  if (! last)
    {
      last = g_new (gint, 1);
      g_object_set_data_full (G_OBJECT (chooser), "sst-drawn-size", last, g_free);
    }
  *last = size;
  /* Not from inside the allocation: drawing queues a redraw. */
  g_idle_add (chooser_redraw, g_object_ref (chooser));
}

static void
fix_chooser_thumbnails (GimpProcedureDialog *dialog)
{
  for (guint i = 0; i < N_DRAWABLE_PROPS; i++)
    {
      GtkWidget *w = gimp_procedure_dialog_get_widget (dialog, drawable_props[i],
                                                       G_TYPE_NONE);

      if (GIMP_IS_DRAWABLE_CHOOSER (w))
        {
          g_object_set_data (G_OBJECT (w), "sst-property",
                             (gpointer) drawable_props[i]);
          g_signal_connect (w, "size-allocate",
                            G_CALLBACK (chooser_size_allocate), NULL);
        }
    }
}

/* With no style layer chosen yet, start with the first layer of another
 * open image (the usual case: a painting opened next to a photo), else
 * another layer of this image. */
static void
preselect_style_layer (GimpProcedureConfig *config,
                       GimpImage           *image,
                       GimpDrawable        *drawable)
{
  GimpDrawable  *current = NULL;
  GimpImage    **images;
  GimpLayer     *pick = NULL;

  g_object_get (config, "style-layer", &current, NULL);
  if (current)
    {
      g_object_unref (current);
      return;
    }

  images = gimp_get_images ();
  for (gint pass = 0; pass < 2 && ! pick; pass++)
    for (gint i = 0; images && images[i] && ! pick; i++)
      {
        gboolean    other = gimp_image_get_id (images[i]) != gimp_image_get_id (image);
        GimpLayer **layers;

        if ((pass == 0) != other)
          continue;
        layers = gimp_image_get_layers (images[i]);
        for (gint j = 0; layers && layers[j] && ! pick; j++)
          if (gimp_item_get_id (GIMP_ITEM (layers[j])) !=
              gimp_item_get_id (GIMP_ITEM (drawable)))
            pick = g_object_ref (layers[j]);
        g_free (layers);
      }
  g_free (images);

  if (pick)
    {
      g_object_set (config, "style-layer", pick, NULL);
      g_object_unref (pick);
    }
}

/* Re-reads what changed into reduced copies for the preview, or tells the
 * preview why it cannot run yet. */
static void
refresh_preview (DialogState *st)
{
  SstArgs  args;
  GError  *error = NULL;

  sst_args_from_config (st->config, &args);

  if (sst_args_check (st->image, st->drawable, &args, &error) == GIMP_PDB_SUCCESS)
    {
      if (st->content_dirty)
        {
          sst_image  img = { 0 };
          guint8    *map = NULL;

          if (sst_pixels_read_image (st->drawable, SST_PREVIEW_SIZE, &img, NULL, &error) &&
              (args.content_map == NULL ||
               sst_pixels_read_map (args.content_map, SST_PREVIEW_SIZE, NULL,
                                    &map, NULL, NULL, &error)))
            {
              sst_preview_set_content (st->preview, &img, map);
              st->content_dirty = FALSE;
            }
          sst_image_free (&img);
        }
      if (error == NULL && st->style_dirty)
        {
          sst_image  img = { 0 };
          guint8    *map = NULL;

          if (sst_pixels_read_image (args.style_layer, SST_PREVIEW_SIZE, &img, NULL, &error) &&
              (args.style_map == NULL ||
               sst_pixels_read_map (args.style_map, SST_PREVIEW_SIZE, NULL,
                                    &map, NULL, NULL, &error)))
            {
              sst_preview_set_style (st->preview, &img, map);
              st->style_dirty = FALSE;
            }
          sst_image_free (&img);
        }
    }

  sst_preview_set_problem (st->preview, error ? error->message : NULL);
  sst_preview_set_params (st->preview, &args.params);
  g_clear_error (&error);
}

/* Re-reads both maps into the legend; TRUE when their pixels changed. */
static gboolean
update_legend (DialogState *st)
{
  SstArgs args;

  sst_args_from_config (st->config, &args);
  return sst_legend_view_update (st->legend, args.content_map, args.style_map);
}

/* The file an image came from (XCF, else imported), else GIMP's name. */
static gchar *
image_label (GimpImage *image)
{
  GFile *file = gimp_image_get_file (image);
  gchar *name;

  if (file == NULL)
    file = gimp_image_get_imported_file (image);
  if (file == NULL)
    return gimp_image_get_name (image);
  name = g_file_get_basename (file);
  g_object_unref (file);
  return name;
}

/* The chooser shows only a thumbnail: name the chosen layer and its image
 * so it is clear what the style comes from. */
static void
show_style_name (DialogState *st)
{
  GimpDrawable *layer = NULL;
  gchar        *text;

  g_object_get (st->config, "style-layer", &layer, NULL);
  if (layer && gimp_item_is_valid (GIMP_ITEM (layer)))
    {
      GimpImage *img        = gimp_item_get_image (GIMP_ITEM (layer));
      gchar     *layer_name = gimp_item_get_name (GIMP_ITEM (layer));
      gchar     *image_name = img ? image_label (img) : NULL;

      /* TRANSLATORS: "<layer name>" in "<image name>" */
      text = g_strdup_printf (_("“%s” in %s"), layer_name,
                              image_name ? image_name : "?");
      g_free (layer_name);
      g_free (image_name);
    }
  else
    {
      text = g_strdup (_("No style layer chosen: click Browse…"));
    }
  gtk_label_set_text (GTK_LABEL (st->style_name), text);
  g_free (text);
  g_clear_object (&layer);
}

static void
config_notify (GObject     *config,
               GParamSpec  *pspec,
               DialogState *st)
{
  const gchar *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "show-preview"))
    {
      gboolean show;

      g_object_get (config, "show-preview", &show, NULL);
      sst_preview_set_enabled (st->preview, show);
      return;
    }
  if (drawable_unchanged (st, name))
    return;
  if (g_str_equal (name, "content-map"))
    st->content_dirty = TRUE;
  else if (g_str_equal (name, "style-layer") || g_str_equal (name, "style-map"))
    st->style_dirty = TRUE;
  if (g_str_equal (name, "style-layer"))
    show_style_name (st);
  if (g_str_equal (name, "content-map") || g_str_equal (name, "style-map"))
    update_legend (st);
  refresh_preview (st);
}

/* Every 2 s: the maps' pixels at the legend's small size.  When the artist
 * painted on a map meanwhile, the legend and the preview follow. */
static gboolean
poll_maps (gpointer data)
{
  DialogState *st = data;

  if (update_legend (st))
    {
      st->content_dirty = TRUE;
      st->style_dirty   = TRUE;
      refresh_preview (st);
    }
  return G_SOURCE_CONTINUE;
}

/* "New map layers": a hidden, transparent "content map" above the layer
 * being stylized and a "style map" above the style layer, chosen as the
 * maps; the artist paints them with GIMP's own tools. */
static void
new_map_layers (GtkButton   *button,
                DialogState *st)
{
  GimpDrawable *style_layer = NULL;
  GimpLayer    *cmap, *smap = NULL;

  (void) button;
  g_object_get (st->config, "style-layer", &style_layer, NULL);
  cmap = sst_map_layer_add (st->drawable, _("content map"));
  if (style_layer && gimp_item_is_valid (GIMP_ITEM (style_layer)) &&
      gimp_item_get_id (GIMP_ITEM (style_layer)) != gimp_item_get_id (GIMP_ITEM (st->drawable)))
    smap = sst_map_layer_add (style_layer, _("style map"));
  g_clear_object (&style_layer);

  g_object_set (st->config, "content-map", cmap, NULL);
  if (smap)
    g_object_set (st->config, "style-map", smap, NULL);
  gimp_displays_flush ();

  gtk_label_set_text (GTK_LABEL (st->maps_status),
                      smap ?
                      _("Added hidden layers “content map” and “style map”. Show them "
                        "(eye icon) and paint each region with one flat colour, e.g. "
                        "with the Pencil; use the same colour for regions that belong "
                        "together. Unpainted parts of the two maps pair with each "
                        "other.") :
                      _("Added a hidden layer “content map”. Show it (eye icon) and "
                        "paint each region with one flat colour, e.g. with the Pencil. "
                        "Choose a style layer to get a style map too."));
  gtk_widget_show (st->maps_status);
  g_debug ("new map layers: content=%d style=%d",
           gimp_item_get_id (GIMP_ITEM (cmap)),
           smap ? gimp_item_get_id (GIMP_ITEM (smap)) : -1);
}

static GimpValueArray *
string_values (const gchar *value)
{
  GimpValueArray *values = gimp_value_array_new (1);
  GValue          v      = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, value);
  gimp_value_array_append (values, &v);
  g_value_unset (&v);
  return values;
}

/* A slider for a numeric table row: the slider covers the useful range
 * (the row's ui_max), the number field still accepts the procedure's
 * full range. */
static void
scale_entry (GimpProcedureDialog *dialog,
             const sst_setting   *s)
{
  GtkWidget *w = gimp_procedure_dialog_get_scale_entry (dialog, s->arg, 1.0);

  if (s->ui_max > 0 && s->ui_max < s->max)
    gimp_scale_entry_set_bounds (GIMP_SCALE_ENTRY (w), s->min, s->ui_max, FALSE);
  gimp_label_spin_set_digits (GIMP_LABEL_SPIN (w), s->digits);
}

/* An integer row with a step and few values (the odd patch size): a combo
 * of exactly the row's values, so the dialog offers none that the engine
 * refuses (a slider would stop on every integer).  A value the list lacks
 * (saved by a version whose slider allowed even sizes) goes back to the
 * row's default.  The debug line lets the dialog test compare the list
 * with the table. */
static void
step_combo (GimpProcedureDialog *dialog,
            GimpProcedureConfig *config,
            const sst_setting   *s)
{
  GtkListStore *store = g_object_new (GIMP_TYPE_INT_STORE, NULL);
  GString      *values = g_string_new (NULL);
  GtkTreeIter   iter;
  gint          current;

  for (gdouble v = s->min; v <= s->max; v += s->step)
    {
      gchar *label = g_strdup_printf ("%g", v);

      gtk_list_store_insert_with_values (store, NULL, -1,
                                         GIMP_INT_STORE_VALUE, (gint) v,
                                         GIMP_INT_STORE_LABEL, label, -1);
      g_string_append_printf (values, "%s%s", values->len ? "," : "", label);
      g_free (label);
    }
  g_object_get (config, s->arg, &current, NULL);
  if (! gimp_int_store_lookup_by_value (GTK_TREE_MODEL (store), current, &iter))
    g_object_set (config, s->arg, (gint) s->def, NULL);
  /* takes the store (transfer full): no unref here */
  gimp_procedure_dialog_get_int_combo (dialog, s->arg, GIMP_INT_STORE (store));
  g_debug ("setting %s: combo values=%s", s->arg, values->str);
  g_string_free (values, TRUE);
}

static void
scale_entries (GimpProcedureDialog *dialog,
               GimpProcedureConfig *config)
{
  for (gint i = 0; i < SST_N_SETTINGS; i++)
    {
      const sst_setting *s = sst_setting_get (i);

      if (! (s->where & SST_SETTING_ARG))
        continue;
      if (s->type == SST_SETTING_INT && s->step > 0 &&
          (s->max - s->min) / s->step < SST_STEP_LISTED)
        step_combo (dialog, config, s);
      else if (s->type == SST_SETTING_DOUBLE || s->type == SST_SETTING_INT)
        scale_entry (dialog, s);
    }
}

/* Where the Advanced expander is and whether it is open: lets the dialog
 * test click it and check that it opened. */
static void
log_expander (GtkWidget     *expander,
              GtkAllocation *allocation,
              gpointer       data)
{
  GtkWidget *top = gtk_widget_get_toplevel (expander);
  gint       x = 0, y = 0;

  (void) allocation; (void) data;
  if (gtk_widget_translate_coordinates (expander, top, 0, 0, &x, &y))
    g_debug ("advanced expander: area=%d,%d,%d,%d", x, y,
             gtk_widget_get_allocated_width (expander),
             gtk_widget_get_allocated_height (expander));
}

static void
log_expanded (GObject    *expander,
              GParamSpec *pspec,
              gpointer    data)
{
  (void) pspec; (void) data;
  g_debug ("advanced expander: expanded=%d",
           gtk_expander_get_expanded (GTK_EXPANDER (expander)));
}

/* The table's procedure arguments, in table order: the ones marked
 * advanced, or the others (kernel, strength, colours, ...). */
static void
fill_settings_box (GimpProcedureDialog *dialog,
                   const gchar         *box_id,
                   gboolean             advanced)
{
  GList *names = NULL;

  for (gint i = 0; i < SST_N_SETTINGS; i++)
    {
      const sst_setting *s = sst_setting_get (i);

      if ((s->where & SST_SETTING_ARG) &&
          ! (s->where & SST_SETTING_ADVANCED) == ! advanced)
        names = g_list_append (names, (gpointer) s->arg);
    }
  gimp_procedure_dialog_fill_box_list (dialog, box_id, names);
  g_list_free (names);
}

gboolean
sst_dialog_run (GimpProcedure       *procedure,
                GimpProcedureConfig *config,
                GimpImage           *image,
                GimpDrawable        *drawable,
                const sst_model     *model)
{
  GimpProcedureDialog *dialog;
  GtkWidget           *widget, *main_box, *hint;
  DialogState          st = { config, NULL, image, drawable, NULL, NULL, NULL,
                                TRUE, TRUE, { -1, -1, -1 } };
  gboolean             show_preview = TRUE;
  gboolean             ok;
  gulong               handler;
  guint                poll;

  preselect_style_layer (config, image, drawable);

  dialog = GIMP_PROCEDURE_DIALOG (gimp_procedure_dialog_new (procedure, config,
                                                             _("Semantic Style Transfer")));

  /* Style: first and prominent. */
  gimp_procedure_dialog_get_label (dialog, "style-title",
                                   _("<b>Style</b>"), TRUE, FALSE);
  st.style_name = gimp_procedure_dialog_get_label (dialog, "style-name", "",
                                                   FALSE, FALSE);
  gtk_label_set_xalign (GTK_LABEL (st.style_name), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (st.style_name), PANGO_ELLIPSIZE_MIDDLE);
  show_style_name (&st);
  gimp_procedure_dialog_fill_box (dialog, "style-box", "style-layer",
                                  "style-name", NULL);
  gimp_procedure_dialog_fill_frame (dialog, "style-frame", "style-title",
                                    FALSE, "style-box");

  /* Semantic maps. */
  gimp_procedure_dialog_get_label (dialog, "maps-title",
                                   _("<b>Semantic maps</b> (optional)"), TRUE, FALSE);
  hint = gimp_procedure_dialog_get_label
    (dialog, "maps-hint",
     _("Paint each map with flat colours; the same colour marks the same "
       "region in both maps (e.g. sky blue, trees green). Parts left "
       "transparent form one more region: in the content it takes the "
       "transparent parts of the style map, or the whole style."),
     FALSE, FALSE);
  gtk_label_set_line_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (hint), 44);
  gtk_label_set_xalign (GTK_LABEL (hint), 0.0);
  gimp_label_set_attributes (GTK_LABEL (hint),
                             PANGO_ATTR_SCALE, PANGO_SCALE_SMALL, -1);
  widget = gimp_procedure_dialog_fill_box (dialog, "maps-box",
                                           "content-map", "style-map", "maps-hint", NULL);
  {
    GtkWidget *button = gtk_button_new_with_mnemonic (_("New map _layers"));

    gtk_widget_set_tooltip_text (button,
                                 _("Add empty, hidden map layers above the layer being "
                                   "stylized and above the style layer, ready to paint"));
    g_signal_connect (button, "clicked", G_CALLBACK (new_map_layers), &st);
    gtk_widget_set_halign (button, GTK_ALIGN_START);
    gtk_box_pack_start (GTK_BOX (widget), button, FALSE, FALSE, 0);
    gtk_widget_show (button);

    st.maps_status = gtk_label_new (NULL);
    gtk_label_set_line_wrap (GTK_LABEL (st.maps_status), TRUE);
    gtk_label_set_max_width_chars (GTK_LABEL (st.maps_status), 44);
    gtk_label_set_xalign (GTK_LABEL (st.maps_status), 0.0);
    gimp_label_set_attributes (GTK_LABEL (st.maps_status),
                               PANGO_ATTR_SCALE, PANGO_SCALE_SMALL, -1);
    gtk_box_pack_start (GTK_BOX (widget), st.maps_status, FALSE, FALSE, 0);

    st.legend = sst_legend_view_new ();
    gtk_box_pack_start (GTK_BOX (widget), sst_legend_view_widget (st.legend),
                        FALSE, FALSE, 0);
    gtk_widget_show (sst_legend_view_widget (st.legend));
  }
  gimp_procedure_dialog_fill_frame (dialog, "maps-frame", "maps-title",
                                    FALSE, "maps-box");

  /* In front: what changes the look. */
  scale_entries (dialog, config);
  gimp_procedure_dialog_get_label (dialog, "transfer-title",
                                   _("<b>Transfer</b>"), TRUE, FALSE);
  fill_settings_box (dialog, "transfer-box", FALSE);
  gimp_procedure_dialog_fill_frame (dialog, "transfer-frame", "transfer-title",
                                    FALSE, "transfer-box");

  /* Folded away: the engine's knobs. */
  gimp_procedure_dialog_get_label (dialog, "advanced-title",
                                   _("Advanced"), FALSE, FALSE);
  fill_settings_box (dialog, "advanced-box", TRUE);
  widget = gimp_procedure_dialog_fill_expander (dialog, "advanced-expander",
                                                "advanced-title", FALSE, "advanced-box");
  g_signal_connect (widget, "size-allocate", G_CALLBACK (log_expander), NULL);
  g_signal_connect (widget, "notify::expanded", G_CALLBACK (log_expanded), NULL);
  gimp_procedure_dialog_set_sensitive_if_in (dialog, "fuse-weight", NULL,
                                             "fuse-kernel",
                                             string_values ("none"), FALSE);
  /* Without AVX-512 BF16 the engine would run bf16 as float32 anyway. */
  if (! sst_precision_available (SST_PRECISION_BF16))
    gimp_procedure_dialog_set_sensitive (dialog, "precision", FALSE,
                                         NULL, NULL, FALSE);

  widget = gimp_procedure_dialog_fill_box (dialog, "settings-box",
                                           "style-frame", "maps-frame",
                                           "transfer-frame", "advanced-expander",
                                           "show-preview", NULL);
  gtk_widget_set_size_request (widget, 340, -1);

  /* Preview left of the settings. */
  st.preview = sst_preview_new (model);
  main_box = gimp_procedure_dialog_fill_box (dialog, "main-box",
                                             "settings-box", NULL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (main_box),
                                  GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (GTK_BOX (main_box), 12);
  widget = sst_preview_get_widget (st.preview);
  gtk_box_pack_start (GTK_BOX (main_box), widget, FALSE, FALSE, 0);
  gtk_box_reorder_child (GTK_BOX (main_box), widget, 0);
  gimp_procedure_dialog_fill (dialog, "main-box", NULL);

  fix_chooser_thumbnails (dialog);
  for (guint i = 0; i < N_DRAWABLE_PROPS; i++)
    st.ids[i] = drawable_prop_id (config, drawable_props[i]);

  g_object_get (config, "show-preview", &show_preview, NULL);
  sst_preview_set_enabled (st.preview, show_preview);
  update_legend (&st);
  refresh_preview (&st);
  handler = g_signal_connect (config, "notify", G_CALLBACK (config_notify), &st);
  poll = g_timeout_add_seconds (2, poll_maps, &st);

  ok = gimp_procedure_dialog_run (dialog);

  g_source_remove (poll);
  g_signal_handler_disconnect (config, handler);
  sst_preview_free (st.preview);
  sst_legend_view_free (st.legend);
  gtk_widget_destroy (GTK_WIDGET (dialog));
  return ok;
}
