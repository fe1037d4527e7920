/* sst-weights.c - locating the weights and translations of an installed
 * plug-in.  Both are installed next to the binary
 * (<plugindir>/semantic-style/{weights,locale}), so a per-user install and a
 * system install work the same way without compiled-in paths. */
#include <libgimp/gimp.h>

#include "sst-weights.h"
#include "sst-args.h"
#include "sst-intl.h"

/* The directory GIMP started us from.  gimp_get_progname() is the path GIMP
 * used (it also defines "the plug-in folder" for libgimp); /proc/self/exe is
 * the fallback when that is not absolute. */
static gchar *
plugin_dir (void)
{
  const gchar *progname = gimp_get_progname ();
  gchar       *exe;
  gchar       *dir;

  if (progname && g_path_is_absolute (progname))
    return g_path_get_dirname (progname);

  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe == NULL)
    return NULL;
  dir = g_path_get_dirname (exe);
  g_free (exe);
  return dir;
}

gchar *
sst_plugin_data_path (const gchar *name)
{
  gchar *dir = plugin_dir ();
  gchar *path;

  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, name, NULL);
  g_free (dir);
  return path;
}

gchar *
sst_plugin_weights_dir (void)
{
  const gchar *env = g_getenv ("SST_WEIGHTS_DIR");

  if (env && *env)
    return g_strdup (env);
  return sst_plugin_data_path ("weights");
}

sst_model *
sst_plugin_load_model (GError **error)
{
  gchar     *dir   = sst_plugin_weights_dir ();
  sst_model *model = NULL;
  sst_error  err   = { 0 };

  if (dir == NULL)
    {
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Cannot find the plug-in's folder to load its weights. "
                     "Set SST_WEIGHTS_DIR to the weights folder."));
      return NULL;
    }

  if (sst_model_load (dir, &model, &err) != SST_OK)
    {
      /* err.msg names the file and what is wrong with it (missing,
       * truncated, wrong shape...); add where we looked and what to do. */
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Cannot load the network weights from “%s”: %s\n"
                     "Reinstall the plug-in (the weights are installed with "
                     "it) or set SST_WEIGHTS_DIR."),
                   dir, err.msg);
      model = NULL;
    }
  g_free (dir);
  return model;
}
