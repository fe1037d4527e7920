/* sst-intl.h - gettext for the plug-in: _() looks strings up in our own
 * domain (GETTEXT_PACKAGE, set by meson) so GIMP's domains never interfere.
 * The catalogs live in <plug-in dir>/locale; libgimp binds the domain
 * there as asked by set_i18n() in sst-plugin.c. */
#ifndef SST_INTL_H
#define SST_INTL_H

#ifndef GETTEXT_PACKAGE
#error "GETTEXT_PACKAGE must be defined by the build"
#endif

#include <glib/gi18n-lib.h>

#endif
