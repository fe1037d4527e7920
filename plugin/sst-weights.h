/* sst-weights.h - finding the plug-in's own files (weights, translations)
 * next to its executable, and loading the model. */
#ifndef SST_WEIGHTS_H
#define SST_WEIGHTS_H

#include <glib.h>

#include "sst.h"

/* <directory of the plug-in executable>/name, or NULL if that directory
 * cannot be determined.  Free with g_free. */
gchar     *sst_plugin_data_path  (const gchar *name);

/* The weights directory: $SST_WEIGHTS_DIR if set, else <plug-in dir>/weights. */
gchar     *sst_plugin_weights_dir (void);

/* Loads the model from sst_plugin_weights_dir(); NULL with a translated
 * message naming the directory on failure. */
sst_model *sst_plugin_load_model (GError **error);

#endif
