/* sst-map-layers.h - the dialog's "New map layers" action. */
#ifndef SST_MAP_LAYERS_H
#define SST_MAP_LAYERS_H

#include <libgimp/gimp.h>

/* Adds a transparent, hidden layer named name of above's size and offsets
 * directly above it in its image (one undo step there) and returns it. */
GimpLayer *sst_map_layer_add (GimpDrawable *above,
                              const gchar  *name);

#endif
