/* sst-legend.c - the region legend view.
 *
 * The maps are read at 128 px (nearest neighbour, as the preview reads
 * them): enough for shares to the percent, cheap enough to poll while the
 * artist paints. */
#include "sst-legend.h"

#include <libgimp/gimpui.h>

#include "legend.h"
#include "sst-intl.h"
#include "sst-pixels.h"

#define LEGEND_READ_SIZE 128

struct _SstLegendView {
  GtkWidget *box;
  guint      last_hash; /* of the maps' pixels and sizes at the last update */
};

SstLegendView *
sst_legend_view_new (void)
{
  SstLegendView *view = g_new0 (SstLegendView, 1);

  view->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_name (view->box, "sst-legend");
  g_object_ref_sink (view->box);
  return view;
}

GtkWidget *
sst_legend_view_widget (SstLegendView *view)
{
  return view->box;
}

static void
add_line (SstLegendView *view,
          const guint8  *rgb,
          const gchar   *text)
{
  GtkWidget *row   = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (text);

  if (rgb)
    {
      GtkWidget *swatch = gtk_label_new (NULL);
      gchar     *markup = g_strdup_printf ("<span background=\"#%02x%02x%02x\">"
                                           "\342\200\203\342\200\203\342\200\203</span>",
                                           rgb[0], rgb[1], rgb[2]);

      gtk_label_set_markup (GTK_LABEL (swatch), markup);
      g_free (markup);
      gtk_box_pack_start (GTK_BOX (row), swatch, FALSE, FALSE, 0);
    }
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gimp_label_set_attributes (GTK_LABEL (label), PANGO_ATTR_SCALE, PANGO_SCALE_SMALL, -1);
  gtk_box_pack_start (GTK_BOX (row), label, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (view->box), row, FALSE, FALSE, 0);
  gtk_widget_show_all (row);
}

static void
destroy_child (GtkWidget *child,
               gpointer   data)
{
  (void) data;
  gtk_widget_destroy (child);
}

static gint
percent (gdouble share)
{
  return (gint) (share * 100.0 + 0.5);
}

static gchar *
entry_text (const sst_legend_entry *e)
{
  switch (e->kind)
    {
    case SST_REGION_MATCHED:
      /* TRANSLATORS: a region found in both maps, with its pixel shares */
      return g_strdup_printf (_("matched: %d %% of the content, %d %% of the style"),
                              percent (e->content_share), percent (e->style_share));
    case SST_REGION_UNMATCHED:
      return g_strdup_printf (_("not in the style map: %d %% of the content takes the whole style"),
                              percent (e->content_share));
    case SST_REGION_STYLE_ONLY:
    default:
      return g_strdup_printf (_("only in the style map (%d %% of the style): unused"),
                              percent (e->style_share));
    }
}

/* Reads a map at LEGEND_READ_SIZE; NULL drawable: no map.  On failure
 * *message gets the reason. */
static gboolean
read_map (GimpDrawable  *drawable,
          const gchar   *empty_message,
          sst_map       *map,
          guint8       **buf,
          guint         *hash,
          gchar        **message)
{
  GError *error = NULL;
  gint    w = 0, h = 0;

  *buf = NULL;
  if (drawable == NULL)
    return TRUE;
  if (! sst_pixels_read_map (drawable, empty_message, LEGEND_READ_SIZE,
                             buf, &w, &h, &error))
    {
      *message = g_strdup (error->message);
      *hash    = *hash * 31 + g_str_hash (error->message);
      g_clear_error (&error);
      return FALSE;
    }
  map->width  = w;
  map->height = h;
  map->rgb    = *buf;
  for (gsize i = 0; i < (gsize) w * h * 3; i++)
    *hash = *hash * 31 + (*buf)[i];
  *hash = *hash * 31 + (guint) (w * 65536 + h);
  return TRUE;
}

gboolean
sst_legend_view_update (SstLegendView *view,
                        GimpDrawable  *content_map,
                        GimpDrawable  *style_map)
{
  sst_map     cmap = { 0 }, smap = { 0 };
  guint8     *cbuf = NULL, *sbuf = NULL;
  gchar      *message = NULL;
  guint       hash = 17;
  gboolean    ok, changed;
  sst_legend  legend;
  sst_error   err = { 0 };

  ok = read_map (content_map,
                 _("The content map has no painted pixels yet."),
                 &cmap, &cbuf, &hash, &message) &&
       read_map (style_map,
                 _("The style map has no painted pixels yet."),
                 &smap, &sbuf, &hash, &message);
  hash = hash * 31 + (content_map ? 1u : 2u) + (style_map ? 4u : 8u);
  changed = hash != view->last_hash;
  view->last_hash = hash;
  if (! changed)
    {
      g_free (cbuf);
      g_free (sbuf);
      g_free (message);
      return FALSE;
    }

  gtk_container_foreach (GTK_CONTAINER (view->box), destroy_child, NULL);
  if (ok && sst_region_legend (content_map ? &cmap : NULL, style_map ? &smap : NULL,
                               &legend, &err) != SST_OK)
    {
      ok      = FALSE;
      message = g_strdup (err.msg);
    }
  if (! ok)
    {
      add_line (view, NULL, message);
      g_debug ("legend: problem: %s", message);
    }
  else if (legend.n == 0)
    {
      add_line (view, NULL, _("No maps: the whole style styles the whole layer."));
      g_debug ("legend: no maps");
    }
  else
    {
      for (gint i = 0; i < legend.n; i++)
        {
          const sst_legend_entry *e    = &legend.e[i];
          gchar                  *text = entry_text (e);
          static const gchar     *kinds[] = { "matched", "unmatched", "style-only" };

          add_line (view, e->rgb, text);
          /* What the legend shows, for the dialog test. */
          g_debug ("legend: %02x%02x%02x %s content=%.3f style=%.3f",
                   e->rgb[0], e->rgb[1], e->rgb[2], kinds[e->kind],
                   e->content_share, e->style_share);
          g_free (text);
        }
    }
  g_free (cbuf);
  g_free (sbuf);
  g_free (message);
  return TRUE;
}

void
sst_legend_view_free (SstLegendView *view)
{
  if (view == NULL)
    return;
  g_object_unref (view->box);
  g_free (view);
}
