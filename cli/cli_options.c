/* cli_options.c - option parsing and --help from the settings table.
 *
 * Every engine setting with a CLI name becomes "--NAME VALUE"; its range,
 * choices and help line come from the table, so the CLI refuses exactly
 * what the engine would and --help cannot drift from either. */
#include "cli_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "settings.h"

/* getopt values: the tool's own options, then 1000 + setting id. */
enum { O_OUTPUT = 'o', O_CMAP = 256, O_SMAP, O_WEIGHTS, O_TIMINGS, O_QUIET,
       O_MAXPIX, O_HELP, O_SETTING = 1000 };

typedef struct {
  const char *name, *metavar, *help;
  int val;
} own_option;

static const own_option own[] = {
    {"content-map", "PNG", "flat-colour map of the content's regions", O_CMAP},
    {"style-map", "PNG", "flat-colour map of the style's regions", O_SMAP},
    {"weights", "DIR", "weights folder (default: $SST_WEIGHTS_DIR, the "
                       "installed copy, the source tree)", O_WEIGHTS},
    {"timings", NULL, "print the seconds of each stage on stdout", O_TIMINGS},
    {"quiet", NULL, "no progress bar (it is drawn on stderr only when that "
                    "is a terminal)", O_QUIET},
    {"max-pixels", "N", "refuse input images above N pixels, from their "
                        "header, before decoding (default 100000000)", O_MAXPIX},
    {"help", NULL, "this help", O_HELP},
};
#define N_OWN (sizeof own / sizeof own[0])

static int error_line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("sst-stylize: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_ERROR;
}

/* "[--gamma G]" or "[--kernel linear|poly|gaussian|bn]". */
static void setting_synopsis(const sst_setting *s, char *buf, size_t n) {
  char range[160];
  if (s->type == SST_SETTING_BOOL) {
    snprintf(buf, n, "[--%s]", s->cli);
    return;
  }
  if (s->metavar && s->n_choices == 0) {
    snprintf(buf, n, "[--%s %s]", s->cli, s->metavar);
    return;
  }
  sst_setting_range_text(s, range, sizeof range);
  if (s->metavar) /* named values plus a number: auto|off|PIXELS */
    snprintf(buf, n, "[--%s %.*s|%s]", s->cli,
             (int)(strrchr(range, '|') - range), range, s->metavar);
  else
    snprintf(buf, n, "[--%s %s]", s->cli, range);
}

void cli_print_usage(FILE *f) {
  const char *lead = "usage: sst-stylize CONTENT STYLE -o OUTPUT";
  size_t col = strlen(lead);
  char item[256];
  fputs(lead, f);
  for (size_t i = 0; i < SST_N_SETTINGS + N_OWN; i++) {
    if (i < N_OWN) {
      if (own[i].val == O_HELP)
        continue;
      if (own[i].metavar)
        snprintf(item, sizeof item, "[--%s %s]", own[i].name, own[i].metavar);
      else
        snprintf(item, sizeof item, "[--%s]", own[i].name);
    } else {
      const sst_setting *s = sst_setting_get((sst_setting_id)(i - N_OWN));
      if (!s->cli)
        continue;
      setting_synopsis(s, item, sizeof item);
    }
    if (col + 1 + strlen(item) > 88) {
      fputs("\n           ", f);
      col = 11;
    }
    fprintf(f, " %s", item);
    col += 1 + strlen(item);
  }
  fputc('\n', f);
}

/* text from column 29 on, wrapped before column 80. */
static void print_wrapped(FILE *f, const char *text) {
  size_t col = 29;
  while (*text) {
    size_t word = strcspn(text, " ");
    if (col > 29 && col + 1 + word > 80) {
      fprintf(f, "\n%29s", "");
      col = 29;
    } else if (col > 29) {
      fputc(' ', f);
      col++;
    }
    fprintf(f, "%.*s", (int)word, text);
    col += word;
    text += word;
    while (*text == ' ')
      text++;
  }
  fputc('\n', f);
}

/* "  --gamma G" padded to column 29, then the wrapped help. */
static void print_option(FILE *f, const char *head, const char *help) {
  if (strlen(head) > 26)
    fprintf(f, "  %s\n%29s", head, "");
  else
    fprintf(f, "  %-26s ", head);
  print_wrapped(f, help);
}

void cli_print_help(FILE *f) {
  cli_print_usage(f);
  fputs("\nRepaints CONTENT in the style of STYLE, region by region when "
        "maps are given.\n\noptions:\n", f);
  print_option(f, "-o, --output FILE", "result (.png, .jpg, .jpeg)");
  char head[64], range[160];
  for (size_t i = 0; i < N_OWN; i++) {
    snprintf(head, sizeof head, "--%s%s%s", own[i].name,
             own[i].metavar ? " " : "", own[i].metavar ? own[i].metavar : "");
    print_option(f, head, own[i].help);
  }
  sst_params d;
  sst_params_default(&d);
  for (int i = 0; i < SST_N_SETTINGS; i++) {
    const sst_setting *s = sst_setting_get((sst_setting_id)i);
    if (!s->cli)
      continue;
    if (s->type == SST_SETTING_BOOL)
      snprintf(head, sizeof head, "--%s", s->cli);
    else
      snprintf(head, sizeof head, "--%s %s", s->cli,
               s->metavar ? s->metavar : "NAME");
    sst_setting_range_text(s, range, sizeof range);
    double v = sst_setting_value(&d, s);
    const sst_choice *c = sst_setting_choice_of(s, (int)v);
    char def[64];
    if (s->type == SST_SETTING_BOOL)
      snprintf(def, sizeof def, "%s", v != 0 ? "on" : "off");
    else if (i == SST_SET_GAMMA)
      snprintf(def, sizeof def, "%g for every kernel", v);
    else if (c && (s->type == SST_SETTING_CHOICE || v == (int)v))
      snprintf(def, sizeof def, "%s", c->name);
    else
      snprintf(def, sizeof def, "%g", v);
    char text[600];
    if (s->type == SST_SETTING_BOOL)
      snprintf(text, sizeof text, "%s (a flag; default %s)", s->help, def);
    else
      snprintf(text, sizeof text, "%s (%s; default %s)", s->help, range, def);
    print_option(f, head, text);
  }
}

int cli_parse(int argc, char **argv, cli_options *o) {
  struct option opts[SST_N_SETTINGS + N_OWN + 2];
  size_t n = 0;
  opts[n++] = (struct option){"output", required_argument, 0, O_OUTPUT};
  for (size_t i = 0; i < N_OWN; i++)
    opts[n++] = (struct option){own[i].name,
                                own[i].metavar ? required_argument : no_argument,
                                0, own[i].val};
  for (int i = 0; i < SST_N_SETTINGS; i++) {
    const sst_setting *s = sst_setting_get((sst_setting_id)i);
    if (s->cli)
      opts[n++] = (struct option){s->cli,
                                  s->type == SST_SETTING_BOOL ? no_argument
                                                              : required_argument,
                                  0, O_SETTING + i};
  }
  opts[n] = (struct option){0, 0, 0, 0};

  memset(o, 0, sizeof *o);
  sst_params_default(&o->params);
  opterr = 0;
  int c;
  char msg[400];
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
    case O_OUTPUT: o->output = optarg; break;
    case O_CMAP: o->content_map = optarg; break;
    case O_SMAP: o->style_map = optarg; break;
    case O_WEIGHTS: o->weights = optarg; break;
    case O_TIMINGS: o->timings = 1; break;
    case O_QUIET: o->quiet = 1; break;
    case O_MAXPIX: { /* images above it are refused from their header */
      char *end;
      errno = 0;
      unsigned long long v = strtoull(optarg, &end, 10);
      if (end == optarg || *end || errno || v < 1 || optarg[0] == '-')
        return error_line("--max-pixels '%s' is not a pixel count >= 1", optarg);
      o->max_pixels = v;
      break;
    }
    case 'h':
    case O_HELP: return CLI_HELP;
    default:
      if (c >= O_SETTING && c < O_SETTING + SST_N_SETTINGS) {
        const sst_setting *s = sst_setting_get((sst_setting_id)(c - O_SETTING));
        double v;
        if (s->type == SST_SETTING_BOOL) /* a flag: present = on */
          v = 1;
        else if (sst_setting_parse(s, optarg, &v, "--", msg, sizeof msg) != 0)
          return error_line("%s", msg);
        sst_setting_store(&o->params, s, v);
        o->given |= SST_GIVEN(s->id);
        break;
      }
      if (optopt > 0 && optopt < 256)
        error_line("option -%c needs a value or is unknown", optopt);
      else
        error_line("unknown option or missing value: %s", argv[optind - 1]);
      return CLI_USAGE_ERROR;
    }
  }
  if (argc - optind != 2 || !o->output) {
    error_line("need CONTENT, STYLE and -o OUTPUT");
    return CLI_USAGE_ERROR;
  }
  o->content = argv[optind];
  o->style = argv[optind + 1];
  return CLI_RUN;
}
