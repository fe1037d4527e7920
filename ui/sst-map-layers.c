/* sst-map-layers.c - empty map layers to paint doodles on.
 *
 * Hidden by default: a map is a guide, not part of the picture, so adding
 * one leaves the image's look unchanged until the artist shows it to
 * paint. */
#include "sst-map-layers.h"

GimpLayer *
sst_map_layer_add (GimpDrawable *above,
                   const gchar  *name)
{
  GimpImage *image  = gimp_item_get_image (GIMP_ITEM (above));
  GimpItem  *parent = gimp_item_get_parent (GIMP_ITEM (above));
  GimpLayer *layer;
  gint       x = 0, y = 0;

  gimp_image_undo_group_start (image);
  layer = gimp_layer_new (image, name,
                          gimp_drawable_get_width (above),
                          gimp_drawable_get_height (above),
                          GIMP_RGBA_IMAGE, 100.0, GIMP_LAYER_MODE_NORMAL);
  /* Inserting at above's position puts the new layer right above it (in
   * the same layer group, if any). */
  gimp_image_insert_layer (image, layer, parent ? GIMP_LAYER (parent) : NULL,
                           gimp_image_get_item_position (image, GIMP_ITEM (above)));
  gimp_drawable_get_offsets (above, &x, &y);
  gimp_layer_set_offsets (layer, x, y);
  gimp_drawable_fill (GIMP_DRAWABLE (layer), GIMP_FILL_TRANSPARENT);
  gimp_item_set_visible (GIMP_ITEM (layer), FALSE);
  gimp_image_undo_group_end (image);
  return layer;
}
