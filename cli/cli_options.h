/* cli_options.h - sst-stylize's command line, read with getopt_long from the
 * engine's settings table (settings.h) plus the tool's own options. */
#ifndef CLI_OPTIONS_H
#define CLI_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "sst.h"

typedef struct {
  sst_params params;  /* defaults, then what was given (not yet resolved) */
  uint64_t given;     /* SST_GIVEN(id) for every setting on the line */
  const char *content, *style, *output;
  const char *content_map, *style_map, *weights;
  int timings;
  int quiet;          /* no progress bar */
  uint64_t max_pixels; /* --max-pixels; 0 = not given (image_io's default) */
} cli_options;

/* What cli_parse found. */
enum { CLI_RUN = 0, CLI_HELP, CLI_ERROR, CLI_USAGE_ERROR };

/* Parses argv into o.  Prints nothing for CLI_RUN and CLI_HELP; for
 * CLI_ERROR one "sst-stylize: error: ..." line, for CLI_USAGE_ERROR that
 * line and the usage, both on stderr. */
int cli_parse(int argc, char **argv, cli_options *o);

/* The synopsis and one line per option, generated from the table. */
void cli_print_help(FILE *f);
void cli_print_usage(FILE *f);

#endif
