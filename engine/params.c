/* params.c - parameter defaults and the names used by the CLI and plug-in,
 * all read from the descriptor table (settings.c). */
#include <string.h>

#include "gemm_bf16.h"
#include "settings.h"
#include "sst.h"

double sst_kernel_default_gamma(sst_kernel k) {
  const sst_kernel_info *info = sst_kernel_get_info(k);
  return info ? info->default_gamma : 0.0;
}

void sst_params_default(sst_params *p) {
  memset(p, 0, sizeof *p);
  for (int i = 0; i < SST_N_SETTINGS; i++) {
    const sst_setting *s = sst_setting_get((sst_setting_id)i);
    sst_setting_store(p, s, s->def);
  }
  p->gamma = sst_kernel_default_gamma(p->kernel);
}

/* Name of value in setting id's choices, or fallback. */
static const char *choice_name(sst_setting_id id, int value,
                               const char *fallback) {
  const sst_choice *c = sst_setting_choice_of(sst_setting_get(id), value);
  return c ? c->name : fallback;
}

static int choice_value(sst_setting_id id, const char *name, int *out) {
  const sst_choice *c = sst_setting_choice(sst_setting_get(id), name);
  if (!c)
    return -1;
  *out = c->value;
  return 0;
}

/* The fusion choices are "none" plus every style kernel. */
const char *sst_kernel_name(sst_kernel k) {
  return choice_name(SST_SET_FUSE_KERNEL, (int)k, "?");
}

int sst_kernel_from_name(const char *name, sst_kernel *out) {
  int v;
  if (choice_value(SST_SET_FUSE_KERNEL, name, &v) != 0)
    return -1;
  *out = (sst_kernel)v;
  return 0;
}

const char *sst_layer_name(sst_layer l) {
  return choice_name(SST_SET_LAYER, (int)l, "relu3_1");
}

int sst_layer_from_name(const char *name, sst_layer *out) {
  int v;
  if (choice_value(SST_SET_LAYER, name, &v) != 0)
    return -1;
  *out = (sst_layer)v;
  return 0;
}

const char *sst_precision_name(sst_precision p) {
  return choice_name(SST_SET_PRECISION, (int)p, "float32");
}

int sst_precision_from_name(const char *name, sst_precision *out) {
  int v;
  if (choice_value(SST_SET_PRECISION, name, &v) != 0)
    return -1;
  *out = (sst_precision)v;
  return 0;
}

int sst_precision_available(sst_precision p) {
  return p == SST_PRECISION_FLOAT32 ||
         (p == SST_PRECISION_BF16 && sst_bf16_available());
}
