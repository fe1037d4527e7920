/* sst-preview.c - live preview: one worker thread, a quick coarse pass
 * then the full one (each with its own cached encodings), stale jobs
 * dropped by generation, results drawn from the main loop. */
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "sst-preview.h"
#include "sst-pixels.h"
#include "sst-intl.h"
#include "pipeline.h" /* sst_session_counts: the debug log's encodings */

/* Wait this long after the last change before starting a job: coalesces a
 * burst of changes (Reset, a slider's motion events) into one job.  Kept
 * short because it adds to every refresh; a job that is already running is
 * cancelled at once by the generation counter anyway. */
#define DEBOUNCE_MS 40

/* A content no larger than this gets no coarse pass: the full pass is
 * cheap enough by itself. */
#define COARSE_MIN_SIDE (SST_PREVIEW_COARSE_SIZE * 5 / 4)

/* Share of the progress bar taken by the coarse pass. */
#define COARSE_SHARE 0.2f

/* When the full pass last needed less than this for reconstruction and
 * decoding (and, with repeated passes, their encoding), a change that keeps
 * its encodings skips the coarse pass: on a fast machine it would only add
 * time and a flicker. */
#define QUICK_ENOUGH_S 0.3

/* One downscaled input side; shared read-only between the main thread and
 * the worker through an atomic ref count. */
typedef struct {
  guint      serial;  /* identifies the input: changes => re-encode */
  sst_image  img;
  guint8    *map;     /* sst_pixels_read_map buffer (RGB8 then alpha, img's size), or NULL */
} Input;

typedef struct {
  gboolean    quit;
  gint        generation;
  Input      *content; /* refs */
  Input      *style;
  sst_params  params;
} Job;

typedef struct {
  SstPreview *preview;  /* ref */
  gint        generation;
  gboolean    final;    /* FALSE: the coarse pass, the full one follows */
  gint        side;     /* longest side the pass computed at */
  sst_image   out;      /* rgb NULL on failure */
  gchar      *error;
  sst_timings timings;  /* of this pass */
  gint        input_encodes; /* of the content and the style in this pass
                                (0: the cache served; repeated passes'
                                encodings of their own results excluded) */
  gdouble     elapsed;  /* seconds since the job started */
} Result;

struct _SstPreview {
  const sst_model *model;
  GThread         *thread;
  GAsyncQueue     *jobs;
  gint             generation; /* atomic: bumped on every change */
  gint             progress;   /* atomic: permille of the running job */
  gint             disposed;   /* atomic: widgets gone, drop results */

  /* main thread only */
  Input           *content;
  Input           *style;
  guint            next_serial;
  sst_params       params;
  gboolean         have_params;
  gboolean         enabled;
  gchar           *problem;
  guint            debounce_id;
  guint            progress_id;
  gboolean         busy;
  GtkWidget       *box;
  GtkWidget       *area;
  GtkWidget       *progress_bar;
  GtkWidget       *status;
};

/* ------------------------------------------------------------ refcounts */

static void
input_clear (gpointer data)
{
  Input *in = data;

  sst_image_free (&in->img);
  g_free (in->map);
}

static void
input_unref (Input *in)
{
  if (in)
    g_atomic_rc_box_release_full (in, input_clear);
}

static void
preview_clear (gpointer data)
{
  SstPreview *p = data;

  g_async_queue_unref (p->jobs);
  input_unref (p->content);
  input_unref (p->style);
  g_free (p->problem);
}

static SstPreview *
preview_ref (SstPreview *p)
{
  return g_atomic_rc_box_acquire (p);
}

static void
preview_unref (SstPreview *p)
{
  g_atomic_rc_box_release_full (p, preview_clear);
}

static void
job_free (Job *job)
{
  input_unref (job->content);
  input_unref (job->style);
  g_free (job);
}

/* A result that never left the worker (holds no preview reference). */
static void
result_free_unposted (Result *r)
{
  sst_image_free (&r->out);
  g_free (r->error);
  g_free (r);
}

static void
result_free (Result *r)
{
  preview_unref (r->preview);
  result_free_unposted (r);
}

/* --------------------------------------------------------------- worker */

typedef struct {
  SstPreview *preview;
  gint        generation;
  gfloat      lo, hi;  /* this pass's share of the progress bar */
} JobProgress;

/* Engine callback in the worker: publish progress, stop when stale. */
static int
job_progress (float        fraction,
              const char  *stage,
              void        *user)
{
  JobProgress *jp = user;
  gfloat       f  = jp->lo + (jp->hi - jp->lo) * CLAMP (fraction, 0.f, 1.f);

  (void) stage;
  g_atomic_int_set (&jp->preview->progress, (gint) (f * 1000));
  return g_atomic_int_get (&jp->preview->generation) != jp->generation ||
         g_atomic_int_get (&jp->preview->disposed);
}

static gboolean result_idle (gpointer data);

static void
post_result (SstPreview *p,
             Result     *r)
{
  r->preview = preview_ref (p);
  g_idle_add (result_idle, r);
}

/* One preview size: a session and which inputs it holds. */
typedef struct {
  sst_session *session;
  gint         max_side;  /* 0: the inputs as they are */
  guint        content_serial;
  guint        style_serial;
} Pass;

typedef sst_status (*InputSetter) (sst_session   *session,
                                   const sst_image *img,
                                   const sst_map   *map,
                                   sst_error       *err);

/* Hands input to the session through set unless the session already holds
 * it (*serial): setting an input drops its cached encoding. */
static sst_status
update_input (sst_session *session,
              const Input *input,
              guint       *serial,
              InputSetter  set,
              sst_error   *err)
{
  /* input->map is an sst_pixels_read_map buffer (colours, then alpha) */
  sst_map    map = sst_pixels_map_view (input->map, input->img.width,
                                        input->img.height);
  sst_status st;

  if (input->serial == *serial)
    return SST_OK;
  *serial = 0;
  st = set (session, &input->img, input->map ? &map : NULL, err);
  if (st == SST_OK)
    *serial = input->serial;
  return st;
}

/* Runs one pass of job; the caller owns *out. */
static sst_status
pass_run (Pass             *pass,
          const Job        *job,
          JobProgress      *jp,
          sst_image        *out,
          sst_timings      *timings,
          gint             *input_encodes,
          sst_error        *err)
{
  sst_params         params = job->params;
  sst_status         st     = SST_OK;
  sst_session_counts before, after;

  sst_session_counts_get (pass->session, &before);
  sst_session_set_progress (pass->session, job_progress, jp);

  st = update_input (pass->session, job->content, &pass->content_serial,
                     sst_session_set_content, err);
  if (st == SST_OK)
    st = update_input (pass->session, job->style, &pass->style_serial,
                       sst_session_set_style, err);
  if (st != SST_OK)
    return st;

  /* The inputs are already reduced; the coarse pass reduces them further
   * and the engine scales its result back up to the content's size.  The
   * limits stay the same from job to job, so the encodings stay cached. */
  params.max_size = pass->max_side;
  if (pass->max_side > 0)
    {
      params.style_max_size = pass->max_side;
      /* The coarse pass is the quick first look: one pass, so it comes as
       * fast as before repeated passes existed; the full pass paints as
       * many as asked. */
      params.passes = 1;
    }
  st = sst_session_run (pass->session, &params, out, err);
  if (st == SST_OK)
    sst_session_timings (pass->session, timings);
  sst_session_counts_get (pass->session, &after);
  *input_encodes = after.content_encodes - before.content_encodes +
                   after.style_encodes - before.style_encodes;
  return st;
}

static gpointer
worker_main (gpointer data)
{
  SstPreview *p = data;
  Pass        passes[2] = {
    { sst_session_new (p->model), SST_PREVIEW_COARSE_SIZE, 0, 0 },
    { sst_session_new (p->model), 0, 0, 0 },
  };
  gdouble     last_full = 0; /* what a change costs the full pass, from its last run */
  sst_layer   last_layer = SST_RELU3_1;

  while (TRUE)
    {
      Job    *job = g_async_queue_pop (p->jobs);
      Job    *newer;
      gint64  t0;
      gint    first;

      /* Only the newest queued job matters. */
      while (! job->quit && (newer = g_async_queue_try_pop (p->jobs)))
        {
          job_free (job);
          job = newer;
        }
      if (job->quit)
        {
          job_free (job);
          break;
        }
      if (job->generation != g_atomic_int_get (&p->generation))
        {
          job_free (job);
          continue;
        }
      if (passes[0].session == NULL || passes[1].session == NULL)
        {
          Result *r = g_new0 (Result, 1);

          r->generation = job->generation;
          r->final      = TRUE;
          r->error      = g_strdup ("out of memory");
          post_result (p, r);
          job_free (job);
          continue;
        }

      t0    = g_get_monotonic_time ();
      first = MAX (job->content->img.width, job->content->img.height) > COARSE_MIN_SIDE
              ? 0 : 1;
      if (job->content->serial == passes[1].content_serial &&
          job->style->serial == passes[1].style_serial &&
          job->params.layer == last_layer &&
          last_full > 0 && last_full < QUICK_ENOUGH_S)
        first = 1;
      for (gint i = first; i < 2; i++)
        {
          JobProgress jp  = { p, job->generation,
                              i == 0 ? 0.f : (first == 0 ? COARSE_SHARE : 0.f),
                              i == 0 ? COARSE_SHARE : 1.f };
          sst_error   err = { 0 };
          Result     *r   = g_new0 (Result, 1);
          sst_status  st;

          r->generation = job->generation;
          r->final      = i == 1;
          r->side       = passes[i].max_side > 0 ? passes[i].max_side
                          : MAX (job->content->img.width, job->content->img.height);
          st = pass_run (&passes[i], job, &jp, &r->out, &r->timings,
                         &r->input_encodes, &err);
          r->elapsed = (g_get_monotonic_time () - t0) / 1e6;

          if (st == SST_ERR_CANCELLED)
            {
              /* A newer job is on its way; nothing to show. */
              result_free_unposted (r);
              break;
            }
          if (st != SST_OK && ! r->final)
            {
              /* The coarse pass is only a foretaste (it can fail where the
               * full one works, e.g. on a very thin image): the full pass
               * reports real problems. */
              result_free_unposted (r);
              continue;
            }
          if (st != SST_OK)
            r->error = g_strdup (err.msg[0] ? err.msg : "error");
          if (st == SST_OK && r->final)
            {
              last_full  = r->timings.reconstruct + r->timings.decode;
              /* repeated passes encode their content again on every
               * change (an overestimate after a first run, which also
               * encoded the inputs: the quick pass then shows once more) */
              if (job->params.passes > 1)
                last_full += r->timings.encode;
              last_layer = job->params.layer;
            }
          post_result (p, r);
          if (st != SST_OK)
            break;
        }
      job_free (job);
    }

  for (gint i = 0; i < 2; i++)
    if (passes[i].session)
      sst_session_free (passes[i].session);
  preview_unref (p);
  return NULL;
}

/* ------------------------------------------------------------ main side */

static void
set_status (SstPreview  *p,
            const gchar *text)
{
  gtk_label_set_text (GTK_LABEL (p->status), text);
}

static void
draw_image (SstPreview      *p,
            const sst_image *img)
{
  gsize   n   = (gsize) img->width * img->height * 3;
  guchar *buf = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    buf[i] = (guchar) (CLAMP (img->rgb[i], 0.f, 1.f) * 255.f + 0.5f);
  gimp_preview_area_draw (GIMP_PREVIEW_AREA (p->area), 0, 0,
                          img->width, img->height, GIMP_RGB_IMAGE,
                          buf, img->width * 3);
  g_free (buf);
}

static void
set_busy (SstPreview *p,
          gboolean    busy);

static gboolean
progress_tick (gpointer data)
{
  SstPreview *p = data;

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (p->progress_bar),
                                 g_atomic_int_get (&p->progress) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
set_busy (SstPreview *p,
          gboolean    busy)
{
  p->busy = busy;
  gtk_widget_set_visible (p->progress_bar, busy);
  if (busy && p->progress_id == 0)
    {
      g_atomic_int_set (&p->progress, 0);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (p->progress_bar), 0.0);
      p->progress_id = g_timeout_add (100, progress_tick, p);
    }
  else if (! busy && p->progress_id)
    {
      g_source_remove (p->progress_id);
      p->progress_id = 0;
    }
}

static gboolean
result_idle (gpointer data)
{
  Result     *r = data;
  SstPreview *p = r->preview;

  if (! g_atomic_int_get (&p->disposed) &&
      r->generation == g_atomic_int_get (&p->generation))
    {
      /* After a coarse pass the full one is still running. */
      set_busy (p, ! r->final);
      if (r->error)
        {
          gchar *msg = g_strdup_printf (_("No preview: %s"), r->error);

          set_status (p, msg);
          g_free (msg);
          g_debug ("preview failed: generation=%d: %s", r->generation, r->error);
        }
      else
        {
          gint   x = 0, y = 0;
          gchar *msg;

          draw_image (p, &r->out);
          if (r->final)
            msg = g_strdup_printf (_("Preview of a reduced copy (%d × %d), %.1f s"),
                                   r->out.width, r->out.height, r->elapsed);
          else
            msg = g_strdup_printf (_("Quick preview at %d px (%.1f s); refining…"),
                                   r->side, r->elapsed);
          set_status (p, msg);
          g_free (msg);

          /* Where the preview is inside the dialog window: lets the
           * screenshot test crop exactly the preview pixels. */
          gtk_widget_translate_coordinates (p->area,
                                            gtk_widget_get_toplevel (p->area),
                                            0, 0, &x, &y);
          g_debug ("preview %s: generation=%d size=%dx%d side=%d area=%d,%d,%d,%d "
                   "encode=%.3f reconstruct=%.3f decode=%.3f total=%.3f elapsed=%.3f "
                   "input_encodes=%d",
                   r->final ? "ready" : "coarse",
                   r->generation, r->out.width, r->out.height, r->side,
                   x, y, gtk_widget_get_allocated_width (p->area),
                   gtk_widget_get_allocated_height (p->area),
                   r->timings.encode, r->timings.reconstruct,
                   r->timings.decode, r->timings.total, r->elapsed,
                   r->input_encodes);
        }
    }
  result_free (r);
  return G_SOURCE_REMOVE;
}

static gboolean
start_job (gpointer data)
{
  SstPreview *p = data;
  Job        *job;

  p->debounce_id = 0;
  if (! p->enabled || p->problem || ! p->content || ! p->style || ! p->have_params)
    return G_SOURCE_REMOVE;

  job             = g_new0 (Job, 1);
  job->generation = g_atomic_int_get (&p->generation);
  job->content    = g_atomic_rc_box_acquire (p->content);
  job->style      = g_atomic_rc_box_acquire (p->style);
  job->params     = p->params;
  /* The inputs are already reduced: no further size limit. */
  job->params.max_size = 0;
  /* Every core: the engine's workers take bands one at a time and block
   * when done (OpenBLAS, whose idle threads spin, is kept at one thread),
   * so the dialog still gets the CPU it needs.  On 2 cores a gamma change
   * at 400 px measured 0.12 s with 2 threads vs 0.22 s with 1, and 0.17 vs
   * 0.22 s with a busy loop on one core (sst-bench, section preview). */
  job->params.threads = (gint) g_get_num_processors ();

  g_atomic_int_set (&p->progress, 0);
  set_busy (p, TRUE);
  set_status (p, _("Computing preview…"));
  g_async_queue_push (p->jobs, job);
  return G_SOURCE_REMOVE;
}

/* Any change: invalidate the running job now, start a new one shortly. */
static void
changed (SstPreview *p)
{
  g_atomic_int_inc (&p->generation);
  if (p->debounce_id)
    g_source_remove (p->debounce_id);
  p->debounce_id = 0;

  if (! p->enabled)
    {
      set_busy (p, FALSE);
      set_status (p, _("Preview is off."));
      return;
    }
  if (p->problem)
    {
      set_busy (p, FALSE);
      set_status (p, p->problem);
      return;
    }
  p->debounce_id = g_timeout_add (DEBOUNCE_MS, start_job, p);
}

SstPreview *
sst_preview_new (const sst_model *model)
{
  SstPreview *p = g_atomic_rc_box_new0 (SstPreview);
  GtkWidget  *frame;

  p->model   = model;
  p->jobs    = g_async_queue_new ();
  p->enabled = TRUE;

  p->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_size_request (p->box, SST_PREVIEW_SIZE, -1);

  frame = gtk_frame_new (NULL);
  gtk_frame_set_shadow_type (GTK_FRAME (frame), GTK_SHADOW_IN);
  gtk_widget_set_halign (frame, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (frame, GTK_ALIGN_START);
  gtk_box_pack_start (GTK_BOX (p->box), frame, FALSE, FALSE, 0);

  p->area = gimp_preview_area_new ();
  gtk_widget_set_size_request (p->area, 64, 64);
  gtk_container_add (GTK_CONTAINER (frame), p->area);

  p->progress_bar = gtk_progress_bar_new ();
  gtk_widget_set_no_show_all (p->progress_bar, TRUE);
  gtk_box_pack_start (GTK_BOX (p->box), p->progress_bar, FALSE, FALSE, 0);

  p->status = gtk_label_new (_("Choose a style layer."));
  gtk_label_set_line_wrap (GTK_LABEL (p->status), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (p->status), 40);
  gtk_label_set_xalign (GTK_LABEL (p->status), 0.0);
  gimp_label_set_attributes (GTK_LABEL (p->status),
                             PANGO_ATTR_STYLE, PANGO_STYLE_ITALIC, -1);
  gtk_box_pack_start (GTK_BOX (p->box), p->status, FALSE, FALSE, 0);

  gtk_widget_show_all (p->box);

  p->thread = g_thread_new ("sst-preview", worker_main, preview_ref (p));
  return p;
}

GtkWidget *
sst_preview_get_widget (SstPreview *p)
{
  return p->box;
}

static Input *
new_input (SstPreview *p,
           sst_image  *img,
           guint8     *map)
{
  Input *in = g_atomic_rc_box_new0 (Input);

  in->serial = ++p->next_serial;
  in->img    = *img;   /* takes the pixels */
  in->map    = map;
  memset (img, 0, sizeof *img);
  return in;
}

void
sst_preview_set_content (SstPreview *p,
                         sst_image  *img,
                         guint8     *map)
{
  input_unref (p->content);
  p->content = new_input (p, img, map);

  /* The area takes the reduced content's size; until the first result it
   * shows the content itself. */
  gtk_widget_set_size_request (p->area, p->content->img.width,
                               p->content->img.height);
  draw_image (p, &p->content->img);
  changed (p);
}

void
sst_preview_set_style (SstPreview *p,
                       sst_image  *img,
                       guint8     *map)
{
  input_unref (p->style);
  p->style = new_input (p, img, map);
  changed (p);
}

void
sst_preview_set_params (SstPreview       *p,
                        const sst_params *params)
{
  if (p->have_params && memcmp (&p->params, params, sizeof *params) == 0)
    return;
  p->params      = *params;
  p->have_params = TRUE;
  changed (p);
}

void
sst_preview_set_enabled (SstPreview *p,
                         gboolean    enabled)
{
  if (p->enabled == enabled)
    return;
  p->enabled = enabled;
  changed (p);
}

void
sst_preview_set_problem (SstPreview  *p,
                         const gchar *msg)
{
  if (g_strcmp0 (p->problem, msg) == 0)
    return;
  g_free (p->problem);
  p->problem = g_strdup (msg);
  changed (p);
}

void
sst_preview_free (SstPreview *p)
{
  Job *quit = g_new0 (Job, 1);

  /* Stop the running job (its progress callback sees disposed), tell the
   * worker to exit and wait for it: the session must not outlive the
   * model, which the caller frees next. */
  g_atomic_int_set (&p->disposed, 1);
  g_atomic_int_inc (&p->generation);
  if (p->debounce_id)
    g_source_remove (p->debounce_id);
  if (p->progress_id)
    g_source_remove (p->progress_id);
  p->debounce_id = p->progress_id = 0;

  quit->quit = TRUE;
  g_async_queue_push (p->jobs, quit);
  g_thread_join (p->thread);

  /* Pending result idles hold their own references and see disposed. */
  preview_unref (p);
}
