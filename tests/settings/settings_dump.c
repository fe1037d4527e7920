/* settings_dump.c - prints the engine's settings table as JSON, one object
 * per line, so tests in other languages (the CLI range test, the GIMP
 * procedure check) walk the same rows the programs are built from:
 *   {"cli": "gamma", "arg": "gamma", "type": "double", "min": 0, "max": 10000,
 *    "ui_max": 300, "step": 0, "default": 100, "choices": [...],
 *    "names": [...]}
 * (step > 0: only min, min + step, ... are values: the patch size)
 * "choices" are a choice row's values, "names" a numeric row's named extra
 * values (--tile auto|off). */
#include <stdio.h>

#include "settings.h"

static void str_or_null(const char *key, const char *s) {
  if (s)
    printf("\"%s\": \"%s\", ", key, s);
  else
    printf("\"%s\": null, ", key);
}

int main(void) {
  static const char *const types[] = {"double", "int", "choice", "bool"};
  sst_params d;
  sst_params_default(&d);
  for (int i = 0; i < SST_N_SETTINGS; i++) {
    const sst_setting *s = sst_setting_get((sst_setting_id)i);
    printf("{");
    str_or_null("cli", s->cli);
    str_or_null("arg", s->arg);
    printf("\"type\": \"%s\", \"min\": %.17g, \"max\": %.17g, "
           "\"ui_max\": %.17g, \"step\": %.17g, \"default\": %.17g, "
           "\"%s\": [",
           types[s->type], s->min, s->max, s->ui_max, s->step,
           sst_setting_value(&d, s),
           s->type == SST_SETTING_CHOICE ? "choices" : "names");
    for (int c = 0; c < s->n_choices; c++)
      printf("%s{\"name\": \"%s\", \"value\": %d}", c ? ", " : "",
             s->choices[c].name, s->choices[c].value);
    printf("]}\n");
  }
  return 0;
}
