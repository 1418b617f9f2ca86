/*
** sqlite-rnn core: the public API of the recurrent-network engine.
**
** This header and everything under core/ are plain C11 with no SQLite
** dependency, so the engine can be tested, benchmarked and fuzzed alone.
**
** Conventions:
**   1. Every function that can fail returns an rnn_status and, when given a
**      non-NULL rnn_err, writes a message the caller owns (no prefix: the
**      caller adds the name of the SQL function).
**   2. Memory comes from rnn_malloc/rnn_realloc/rnn_free (core/alloc.h);
**      the embedder links the definitions (ext/ routes them to SQLite).
**   3. Every *_new or *_decode has a matching *_free; returned pointers are
**      owned by the caller unless a comment says otherwise.
**   4. The core never prints, exits or aborts.
*/
#ifndef RNN_H
#define RNN_H

#include <stddef.h>
#include <stdint.h>

#define RNN_VERSION "0.1.0"

typedef enum rnn_status {
  RNN_OK = 0,
  RNN_ENOMEM,    /* an allocation failed */
  RNN_EINVAL,    /* bad argument, option or data; the message says which */
  RNN_ENOTMODEL, /* a BLOB that is not an rnn model at all (magic) */
  RNN_ECORRUPT,  /* an rnn model BLOB that is damaged or inconsistent */
  RNN_ENEWER,    /* an rnn model BLOB written by a newer format version */
  RNN_EINTERRUPT, /* training was stopped by the caller (rnn_train_ctl) */
  RNN_ELIMIT,     /* a resource limit would be exceeded; the message says which */
  RNN_ERANGE,     /* a result would not be finite; the message says which */
  RNN_EKIND       /* a model of another kind (forecasting, text, ...) */
} rnn_status;

/* Caller-owned error text. */
typedef struct rnn_err {
  char msg[512];
} rnn_err;

/* Formats into e (if non-NULL) and returns status; printf-style. */
rnn_status rnn_fail(rnn_err *e, rnn_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---------------------------------------------------------------- options */

enum { RNN_CELL_RNN = 0, RNN_CELL_GRU = 1, RNN_CELL_LSTM = 2, RNN_CELL_COUNT };
enum { RNN_ACT_TANH = 0, RNN_ACT_RELU = 1, RNN_ACT_SIGMOID = 2 };
enum { RNN_NORM_STANDARD = 0, RNN_NORM_MINMAX = 1, RNN_NORM_NONE = 2 };
/* RNN_LOSS_CE (softmax cross-entropy) serves the classifiers, not rnn_train. */
enum { RNN_LOSS_MSE = 0, RNN_LOSS_MAE = 1, RNN_LOSS_HUBER = 2, RNN_LOSS_CE = 3 };
enum { RNN_OPT_ADAM = 0, RNN_OPT_SGD = 1, RNN_OPT_MOMENTUM = 2 };
enum { RNN_MISSING_INTERPOLATE = 0, RNN_MISSING_ERROR = 1 };
enum { RNN_DUP_ERROR = 0, RNN_DUP_MEAN = 1, RNN_DUP_LAST = 2 };
enum { RNN_SHORT_FALLBACK = 0, RNN_SHORT_ERROR = 1, RNN_SHORT_NULL = 2 };
/* The forecaster: the network and the simple components chosen on the
** validation windows (core/components.c), or the network alone. */
enum { RNN_METHOD_AUTO = 0, RNN_METHOD_NETWORK = 1 };
/* The covariates' same-step effect (core/xreg.c): kept when it explains
** the held-out rows' changes, always, or never. */
enum { RNN_XREG_AUTO = 0, RNN_XREG_ON = 1, RNN_XREG_OFF = 2 };
/* The most covariates (calendar columns included) the effect is fitted for. */
#define RNN_MAX_XREG 64

#define RNN_WINDOW_AUTO 0
#define RNN_HORIZON_AUTO 0
#define RNN_MAX_HIDDEN 1024
#define RNN_MAX_WINDOW 1000
#define RNN_MAX_LAYERS 8
#define RNN_MAX_HORIZON 1000
/* The most memory one training run or one prediction may plan to use; the
** estimate is checked before anything is allocated. (The fuzz targets build
** with a smaller limit.) */
/* The most arithmetic one prediction call may ask for (floating-point
** operations of the network's passes; tens of seconds on one core), so a
** BLOB from someone else's database file cannot ask for hours; interrupts
** stop anything shorter (core/predict.c rules 8 and 9). */
#define RNN_MAX_PREDICT_FLOPS 1e12
#ifndef RNN_MAX_MEMORY
#define RNN_MAX_MEMORY ((size_t)2 << 30)
#endif

/* Training options (SPEC.md section 5); rnn_options_init fills defaults. */
typedef struct rnn_options {
  int cell;        /* RNN_CELL_* */
  int activation;  /* RNN_ACT_*, the "rnn" cell only */
  int hidden;      /* units per layer, 1..RNN_MAX_HIDDEN */
  int layers;      /* stacked layers, 1..RNN_MAX_LAYERS */
  double dropout;  /* between stacked layers while training, 0..0.9 */
  int bidirectional; /* 0 or 1 */
  int window;      /* input steps, 1..RNN_MAX_WINDOW, or RNN_WINDOW_AUTO */
  int horizon;     /* outputs of the head, 1..RNN_MAX_HORIZON, or
                   ** RNN_HORIZON_AUTO (train.c rule 2) */
  int epochs;      /* passes over the training windows */
  int batch;       /* windows per minibatch */
  int optimizer;   /* RNN_OPT_* */
  double lr;       /* learning rate */
  double clip;     /* global gradient-norm clip, 0 = off */
  int loss;        /* RNN_LOSS_MSE, _MAE or _HUBER */
  int normalize;   /* RNN_NORM_* */
  uint64_t seed;   /* initialisation, shuffling and dropout */
  double validation; /* fraction of the latest windows held out, 0..0.5 */
  int patience;    /* epochs without validation improvement before stopping */
  int missing;     /* RNN_MISSING_* */
  int duplicates;  /* RNN_DUP_* */
  int short_policy; /* RNN_SHORT_*: too few rows for one window */
  int threads;     /* 0 = all cores; never changes the result */
  double max_seconds; /* training time budget, 0 = none */
  int verbose;     /* progress lines (printed by the caller) */
  int method;      /* RNN_METHOD_* */
  int xreg;        /* RNN_XREG_* */
  int calendar;    /* 1: calendar columns from date ts (core/calendar.c) */
  int calendar_columns; /* set by the caller of rnn_train, never parsed or
                        ** stored: the last this many of the k covariates
                        ** are calendar columns */
} rnn_options;

void rnn_options_init(rnn_options *o);

/* Parses a JSON object of options over the defaults already in o.
** Unknown keys and out-of-range values are RNN_EINVAL with a message that
** lists what is allowed. text need not be NUL-terminated. */
rnn_status rnn_options_parse(rnn_options *o, const char *text, size_t len,
                             rnn_err *e);

/* A forecaster's options as the JSON object rnn_options_parse reads back
** to the same values (the BLOB's TOPT, rnn_info's "options"), written
** whatever the C locale; snprintf's result. RNN_OPTIONS_JSON_MAX bytes
** always hold it, or a sequence model's (rnn_seq_options_json). */
#define RNN_OPTIONS_JSON_MAX 1024
int rnn_options_json(const rnn_options *o, char *buf, size_t n);

/* The builds of the kernels this CPU runs (core/nn.h; the same bits
** whichever): portable C, AVX2+FMA, or AVX-512F (products and element-wise
** kernels). */
enum { RNN_SIMD_PORTABLE, RNN_SIMD_AVX2, RNN_SIMD_AVX512 };
int rnn_simd(void);
const char *rnn_simd_name(int level);

/* Seconds on a monotonic clock (util.c): budgets and progress lines. */
double rnn_now(void);

/* Names of enumerated option values, for messages and rnn_info. */
const char *rnn_cell_name(int cell);
const char *rnn_activation_name(int act);
const char *rnn_normalize_name(int norm);
const char *rnn_loss_name(int loss);
const char *rnn_optimizer_name(int opt);
const char *rnn_missing_name(int v);
const char *rnn_duplicates_name(int v);
const char *rnn_short_name(int v);
const char *rnn_method_name(int v);
const char *rnn_xreg_name(int v); /* "auto", "true", "false" */

/* ------------------------------------------------------------- timestamps */

enum {
  RNN_TS_NONE = 0, /* no timestamp recorded */
  RNN_TS_INT = 1,  /* INTEGER ts: i */
  RNN_TS_REAL = 2, /* REAL ts: r */
  RNN_TS_DATE = 3, /* ISO date: i = milliseconds since 1970-01-01 */
  RNN_TS_DATETIME = 4 /* ISO date-time: i = milliseconds since 1970-01-01 */
};

/* How a date-time was written, so forecasts come back in the caller's
** format (0: the earlier builds' "YYYY-MM-DD HH:MM:SS[.fff]"). */
#define RNN_TSF_KNOWN 1   /* the bits below describe the text */
#define RNN_TSF_T 2       /* 'T' between date and time, else ' ' */
#define RNN_TSF_SECONDS 4 /* ":SS" */
#define RNN_TSF_MILLIS 8  /* ".fff" */
#define RNN_TSF_Z 16      /* a trailing 'Z' */
#define RNN_TSF_ALL 31

typedef struct rnn_ts {
  int kind;  /* RNN_TS_* */
  int64_t i; /* INT value, or milliseconds for DATE and DATETIME */
  double r;  /* REAL value; for the other kinds, i as a double (sort key) */
  int fmt;   /* DATETIME: RNN_TSF_* bits, 0 if unknown */
} rnn_ts;

/* Parses "YYYY-MM-DD", optionally followed by ' ' or 'T' and "HH:MM",
** "HH:MM:SS" or "HH:MM:SS.fff" and an optional 'Z'. Returns RNN_EINVAL for
** anything else, including impossible dates such as 2023-02-29. */
rnn_status rnn_ts_parse_iso(const char *s, size_t len, rnn_ts *out);

/* Compares two timestamps of compatible kinds: <0, 0, >0. */
int rnn_ts_cmp(const rnn_ts *a, const rnn_ts *b);

/* Splits milliseconds since 1970-01-01 into civil date and time fields
** (proleptic Gregorian calendar, UTC). */
typedef struct rnn_civil {
  int64_t year;
  int month, day, hour, minute, second, milli;
} rnn_civil;
void rnn_ts_civil(int64_t ms, rnn_civil *out);

/* The step of a regular series (SPEC.md section 1). */
enum {
  RNN_STEP_NONE = 0,   /* irregular, or fewer than two rows */
  RNN_STEP_NUMBER = 1, /* INTEGER or REAL ts: a fixed number */
  RNN_STEP_MILLIS = 2, /* dates: a fixed duration (minute, hour, day, week) */
  RNN_STEP_MONTHS = 3  /* dates: whole months (month, quarter, year) */
};
typedef struct rnn_step {
  int kind;        /* RNN_STEP_* */
  int integer;     /* NUMBER: every ts was an INTEGER (num is exact) */
  double num;      /* NUMBER */
  int64_t millis;  /* MILLIS */
  int months;      /* MONTHS */
  int month_end;   /* MONTHS: every ts is the last day of its month */
} rnn_step;

/* Infers the step of n sorted, distinct timestamps and, when regular,
** writes each one's grid position (pos[0] = 0) to pos (if non-NULL).
** Rules in timestamp.c. Returns the grid length pos[n-1] + 1, or 0 when
** the series has no regular step (step->kind = RNN_STEP_NONE). */
int64_t rnn_grid(const rnn_ts *ts, size_t n, rnn_step *step, int64_t *pos);

/* Why n sorted, distinct timestamps have no step (rnn_grid returned 0),
** timestamp.c rules 8 and 9, for rnn_info. Scratch of 16n bytes. */
enum {
  RNN_IRR_NONE = 0,      /* regular, or not known (BLOBs of earlier builds) */
  RNN_IRR_OFF_GRID = 1,  /* ts off the grid of the usual step */
  RNN_IRR_MONTH_DAY = 2, /* monthly dates on different days of the month */
  RNN_IRR_SPAN = 3,      /* differences too large to step through */
  RNN_IRR_OTHER = 4,
  RNN_IRR_COUNT = 5
};
typedef struct rnn_irregular {
  int reason;    /* RNN_IRR_* */
  int64_t count; /* OFF_GRID, MONTH_DAY: the ts off the grid (off the day) */
  int64_t rows;  /* of how many (a fine-tune's model: its first rows) */
  rnn_ts at;     /* the first of them */
  rnn_step step; /* OFF_GRID: the usual step (the median difference) */
} rnn_irregular;
rnn_status rnn_grid_why(const rnn_ts *ts, size_t n, rnn_irregular *why);

/* The timestamp k steps after origin (calendar arithmetic for months). */
rnn_ts rnn_ts_advance(const rnn_ts *origin, const rnn_step *s, int64_t k);

/* How many steps of s after origin t lies: k >= 1 with t equal to
** rnn_ts_advance(origin, s, k) (REAL steps within rule 4's 1e-6), 0 when
** t is not after origin or not on its grid (or s has no step). */
int64_t rnn_ts_steps(const rnn_ts *origin, const rnn_step *s, const rnn_ts *t);

/* A calendar step's name: "minute", "hour", "day", "week", "month",
** "quarter", "year", or "N <unit>s" for other multiples; "" otherwise. */
void rnn_step_name(const rnn_step *s, char *buf, size_t n);

/* ------------------------------------------------------------------ model */

/* Architecture: everything the forward pass needs besides the weights. */
typedef struct rnn_arch {
  int cell;       /* RNN_CELL_* */
  int activation; /* RNN_ACT_* (the "rnn" cell) */
  int input;      /* features per time step */
  int hidden;     /* units per layer and direction */
  int layers;     /* stacked layers */
  int dirs;       /* 1, or 2 when bidirectional */
  int window;     /* time steps per input window */
  int output;     /* outputs of the linear head */
} rnn_arch;

/* Offsets of one layer-direction's tensors in the flat parameter buffer.
** G is the number of gate blocks: 1 (rnn), 3 (gru), 4 (lstm). */
typedef struct rnn_layer_offsets {
  size_t w_ih; /* (G*H, I_l)  I_l = input for layer 0, dirs*H above */
  size_t w_hh; /* (G*H, H) */
  size_t b_ih; /* (G*H) */
  size_t b_hh; /* (G*H) */
} rnn_layer_offsets;

typedef struct rnn_layout {
  rnn_layer_offsets layer[RNN_MAX_LAYERS][2]; /* [layer][direction] */
  size_t w_out;    /* (output, dirs*H) */
  size_t b_out;    /* (output) */
  size_t n_params; /* total floats */
} rnn_layout;

/* Checks an architecture's ranges and computes its parameter layout. */
rnn_status rnn_arch_layout(const rnn_arch *a, rnn_layout *lo, rnn_err *e);

/* Number of gate blocks of a cell: 1, 3 or 4. */
int rnn_cell_gates(int cell);

enum {
  RNN_MODEL_NETWORK = 0, /* a trained recurrent network */
  RNN_MODEL_SNAIVE = 1   /* the short-series fallback: seasonal naive */
};

/* A forecasting component (core/components.c rule 1). */
enum {
  RNN_COMP_NETWORK = 0,
  RNN_COMP_NAIVE,
  RNN_COMP_DRIFT,         /* period: the rows the mean change is taken over */
  RNN_COMP_SMOOTH,
  RNN_COMP_SNAIVE,        /* period */
  RNN_COMP_PROFILE,       /* period, seasons */
  RNN_COMP_PROFILE_TREND, /* period, seasons */
  RNN_COMP_SNAIVE_TREND,  /* period, seasons (format 6 on) */
  /* The trend kinds with their slope damped (format 8 on; components.c
  ** rule 1): what each undamped kind reads, it reads. */
  RNN_COMP_DRIFT_DAMPED,        /* period */
  RNN_COMP_PROFILE_TREND_DAMPED, /* period, seasons */
  RNN_COMP_SNAIVE_TREND_DAMPED,  /* period, seasons */
  RNN_COMP_COUNT
};
typedef struct rnn_component {
  int kind, period, seasons;
} rnn_component;
#define RNN_MAX_CANDIDATES 12
#define RNN_MAX_COMPONENTS 3
/* The most rows a model keeps as its tail (a profile of 8 cycles of 1000). */
#define RNN_MAX_TAIL 8000
/* The rows a model keeps, tail and past together, for a fine-tune to find
** a longer second period and score its components (train.c rule 16): six
** weeks of hourly rows. */
#define RNN_KEEP_ROWS 1008
/* The most one-step errors a model keeps for rnn_anomaly (train.c rule 15). */
#define RNN_MAX_SURPRISE 200
/* fc_flags */
#define RNN_FC_LOG 1    /* profiles work on logarithms */
#define RNN_FC_NONNEG 2 /* forecasts are kept at or above zero */
#define RNN_FC_MEDIAN 4 /* the forecast is the median of three components, not
                        ** their mean (format 5 on) */
#define RNN_FC_SQRT 8   /* the interval's half-width grows with the square
                        ** root of the forecast (format 7 on; components.c
                        ** rule 5, rnn_band_factor) */

const char *rnn_component_name(int kind);
/* Rows of history a component reads. */
int rnn_component_rows(const rnn_component *c);
/* Whether a kind reads whole cycles (`seasons` of them, or as many as there
** are), on logarithms when the forecaster's are: the profiles and seasonal
** naive with trend. */
int rnn_component_cycles(int kind);
/* The damping of a kind's slope: RNN_DAMPING for the damped kinds, else 1
** (components.c rule 1). */
#define RNN_DAMPING 0.98
double rnn_component_damping(int kind);

/* Validation metrics over the held-out windows, data units (NaN: none). */
typedef struct rnn_metrics {
  int64_t windows; /* validation windows */
  double mae, rmse, smape, mase;
} rnn_metrics;

/* A trained model: network, normalisation, the training tail and the facts
** rnn_info reports. All pointers are owned by the model. */
typedef struct rnn_model {
  int format_version; /* of the BLOB it was decoded from; 0 if trained here */
  int kind;           /* RNN_MODEL_* */
  int anchored;       /* 1: windows are taken relative to their mean value
                      ** (predict.c rule 2); 0 in format 1 */
  rnn_arch arch;      /* arch.window and arch.input also hold for SNAIVE */
  rnn_layout layout;  /* NETWORK only */
  float *params;      /* layout.n_params; NETWORK only */
  int params_borrowed; /* params belong to a global model (not freed) */

  int norm;      /* RNN_NORM_* */
  double *shift; /* per column (value, then covariates): */
  double *scale; /*   z = (v - shift) / scale */

  double *tail; /* (tail_rows, arch.input): the last rows, data units */
  int tail_rows; /* rows a forecast reads: arch.window, or more when a
                 ** component needs a longer history */
  double *past;  /* (past_rows, arch.input): the rows before the tail, so
                 ** that the last RNN_KEEP_ROWS rows are kept for a
                 ** fine-tune (train.c rule 16); data units */
  int past_rows;

  /* The forecast: the median (RNN_FC_MEDIAN) or the mean of
  ** comp[0..n_comp-1] (n_comp 0: the network alone, as format 1 and 2
  ** models); the candidates and their validation scores, for rnn_info. */
  int fc_flags;  /* RNN_FC_* */
  int period2;   /* a second, longer seasonal period, 0 = none */
  int n_comp;
  rnn_component comp[RNN_MAX_COMPONENTS];
  int n_cand;
  rnn_component cand[RNN_MAX_CANDIDATES];
  double cand_mae[RNN_MAX_CANDIDATES];

  rnn_options opts; /* options used, window resolved */
  int period;       /* seasonal period of the training data, 1 = none */
  int64_t rows;     /* points of the training grid */
  int64_t missing;  /* missing values filled (values and gaps) */
  rnn_ts first_ts, last_ts;
  rnn_step step;
  rnn_irregular irregular; /* step NONE: why (chunk IRRG) */
  int epochs_run, best_epoch;
  double *train_loss; /* per epoch, normalised units: epochs_run values, */
  double *val_loss;   /* or history (NaN without validation) */
  int history;        /* 0: one value per epoch; else the values kept of
                      ** a longer run (their epochs: rnn_history_pick) */
  rnn_metrics metrics;

  /* Interval calibration: the absolute errors of the validation forecasts
  ** of steps s = 1..cal_steps, each divided by the scale of its step
  ** (cal_scale, or sqrt(s) in models without it), pooled, ascending. */
  int cal_steps;
  int cal_n;
  double *cal_resid; /* (cal_n) */
  double *cal_scale; /* (cal_steps) or NULL */
  int cal_origins;   /* with cal_scale: the forecasts the errors came from */
  double cal_level;  /* with RNN_FC_SQRT: the level at which a band has
                     ** the errors' own width (rnn_band_factor) */

  /* rnn_anomaly's calibration (predict.c rule 10): the absolute errors of
  ** the model's own one-step forecasts of the last training rows (at most
  ** RNN_MAX_SURPRISE), data units, ascending. surp_n 0: none (models of
  ** earlier builds; the pooled interval errors serve). surp_run: 0, the
  ** errors as they are (earlier builds); else the run (RNN_SURPRISE_RUN
  ** when trained here; a BLOB may hold 1..RNN_SURPRISE_RECENT): each error
  ** less the shift of the run before it (rnn_surprise_shift). */
  int surp_n;
  double *surp;
  int surp_run;

  /* The covariates' same-step effect (core/xreg.c): y = r + sum_j xreg[j]
  ** x_j, the forecaster trained on r; NULL: none (xreg_share then says
  ** why, NaN when not fitted). */
  double *xreg;      /* (arch.input - 1) */
  double xreg_share; /* of the held-out changes it explained */
  double xreg_ratio; /* the simple forecasters' validation error with it
                     ** over without (NaN: not compared) */

  /* Buffers rnn_predict keeps between calls (allocated at the first), so
  ** scoring row after row allocates nothing and transposes the weights
  ** once. A model is therefore used by one thread at a time. */
  struct rnn_predictor *pred;
  struct rnn_predictor *batch; /* the same for rnn_predict_rows */

  /* Set by the caller around a prediction (never stored): a prediction
  ** that runs longer than 10 ms calls cancel(cancel_arg) every 10 ms and
  ** stops with RNN_EINTERRUPT when it returns non-zero. May be NULL. */
  int (*cancel)(void *arg);
  void *cancel_arg;
} rnn_model;

void rnn_model_free(rnn_model *m);

/* Calendar columns (option calendar, core/calendar.c) of a series of dates
** with step s: how many (0: none apply), and those of timestamp t (out:
** that many). A model's: 0 without the option. */
int rnn_calendar_columns(const rnn_step *s);
void rnn_calendar_row(const rnn_step *s, const rnn_ts *t, double *out);
int rnn_model_calendar(const rnn_model *m);
struct rnn_predictor;
void rnn_predictor_free(struct rnn_predictor *p);

/* Progress of a training run, for rnn_train_ctl. */
typedef struct rnn_progress {
  int epoch;      /* 1-based epoch in progress or just finished; 0 while
                  ** the buffers are set up (asked with inside 1) */
  int epochs;     /* the upper bound */
  int epoch_done; /* 0 after a minibatch, 1 at the end of an epoch */
  int inside;     /* 1 when asked inside a long minibatch (between steps) */
  double train_loss, val_loss; /* of the finished epoch (val NaN if none) */
  int best_epoch;
} rnn_progress;

typedef struct rnn_train_ctl {
  /* Called after every minibatch and every epoch, inside long ones and
  ** during the set-up before the first; a non-zero return stops training
  ** with RNN_EINTERRUPT. May be NULL. */
  int (*progress)(void *arg, const rnn_progress *p);
  void *arg;
} rnn_train_ctl;

/* Trains a model on a regular series of n points: y (n) values and x
** (n, k) covariates, data units, in time order, NaN = missing (filled by
** linear interpolation). Rules in train.c. With too few points for one
** window (or, method "auto", one validation window), follows
** o->short_policy: a seasonal-naive model, RNN_EINVAL, or RNN_OK with
** *out = NULL. */
rnn_status rnn_train(rnn_model **out, const double *y, const double *x,
                     size_t n, int k, const rnn_options *o,
                     const rnn_train_ctl *ctl, rnn_err *e);

/* Continues training base on n new rows y (n) and x (n, k), laid out as
** rnn_train's, row 0 the step after base's last training row (train.c rule
** 16): a new model whose tail, rows, calibration and one-step errors
** include the new rows; o holds base's options with the caller's changes
** (those that would change the network are RNN_EINVAL); for a seasonal-
** naive base, whose options hold the window and horizon it used and not
** the caller's choice, o's window and horizon are RNN_WINDOW_AUTO and
** RNN_HORIZON_AUTO unless the caller gave them. The caller sets the
** timestamps (first_ts stays base's). */
rnn_status rnn_finetune(rnn_model **out, const rnn_model *base, const double *y,
                        const double *x, size_t n, int k, const rnn_options *o,
                        const rnn_train_ctl *ctl, rnn_err *e);
/* RNN_EINVAL, naming the option, when o changes one of base's options that
** a fine-tune cannot change (train.c rule 16); rnn_finetune checks it too. */
rnn_status rnn_finetune_options(const rnn_model *base, const rnn_options *o,
                                rnn_err *e);

/* One network across ns series (train.c rule 18): series s is y[s] (n[s])
** and x[s] (n[s], k), laid out as rnn_train's; out[s] is its model, whose
** network borrows *params (the shared parameters, rnn_free'd by the caller
** after the models; NULL when no series has a network) and whose
** components, calibration, tail and one-step errors are its own; a series
** too short for the window follows o->short_policy (RNN_SHORT_NULL:
** out[s] NULL). When a series fails the call, *bad says which. */
rnn_status rnn_train_global(rnn_model **out, float **params,
                            const double *const *y, const double *const *x,
                            const size_t *n, int ns, int k,
                            const rnn_options *o, const rnn_train_ctl *ctl,
                            int *bad, rnn_err *e);

/* Forecasts h steps after the rows win (tail_rows, arch.input) (data
** units, oldest first, NaN = missing). Writes h values to out. win may be
** NULL to start from the model's training tail. Covariates of future steps
** repeat the window's last row. A forecast that is not finite (values far
** outside what the model was trained on, or a hostile model) is
** RNN_ERANGE. */
rnn_status rnn_predict(rnn_model *m, const double *win, int h, double *out,
                       rnn_err *e);
/* The same with the covariates of the h forecast steps: future (h,
** arch.input - 1), data units, NaN = unknown (the step before's value);
** NULL: they repeat the window's last row (predict.c rule 3). */
rnn_status rnn_predict_future(rnn_model *m, const double *win, int h,
                              const double *future, double *out, rnn_err *e);

/* Forecasts of h steps from many origins of one series (n rows of
** arch.input values, data units, NaN = missing): out[j * h + s] is step
** s + 1 from origin first + j (the rows before it; first >= tail_rows,
** first + count <= n), as rnn_predict_future gives it from those rows'
** last tail_rows with the covariates of the rows forecast as the future;
** NaN beyond row n and where the window has a column with no known value.
** A forecast that is not finite is RNN_ERANGE. */
rnn_status rnn_predict_origins(rnn_model *m, const double *series, size_t n, size_t first,
                               int count, int h, double *out, rnn_err *e);
/* The same, keeping only step h of each origin: out[j] (count values), NaN
** where rnn_predict_origins gives NaN; the same limits and errors. */
rnn_status rnn_predict_origins_step(rnn_model *m, const double *series, size_t n,
                                    size_t first, int count, int h, double *out,
                                    rnn_err *e);

/* Windows per pass: few enough that a pass keeps its buffers in L2 (16 to
** 256 measured within 10% of each other on W4). */
#define RNN_ROWS_BATCH 32

/* One-step forecasts for many rows of one series, as rnn_predict gives them
** one by one but computed up to RNN_ROWS_BATCH windows at a time: out[j] is the
** forecast of row first + j of series (rows of arch.input values, data
** units, NaN = missing) from the tail_rows rows before it, NaN when that
** window has a column with no known value; a forecast that is not finite
** is RNN_ERANGE. first >= tail_rows; count
** rows from first on must exist. */
rnn_status rnn_predict_rows(rnn_model *m, const double *series, size_t first,
                            int count, double *out, rnn_err *e);

/* Half-width of the interval at level (0, 1) for forecast step s >= 1 whose
** forecast is value (split conformal on the pooled, step-scaled validation
** errors: the quantile times the step's scale, times rnn_band_factor;
** predict.c rule 5). Returns 0 and NaN when the model has no calibration. */
int rnn_interval(const rnn_model *m, int s, double level, double value,
                 double *half);
/* What a band's width is multiplied by at forecast value f:
** rnn_band_scale(rnn_band_level(m), f). */
double rnn_band_factor(const rnn_model *m, double f);
/* The level L of bands that grow with the forecast (RNN_FC_SQRT), or 0. */
double rnn_band_level(const rnn_model *m);
/* sqrt(max(f, L / 100) / L) (a forecast that is not a number counts as
** L / 100); 1 when L is 0 (for a caller that keeps L past the model). */
double rnn_band_scale(double L, double f);
/* The interval's lower end for a forecast value and its half-width:
** value - half, but at or above zero for a series that never went below
** zero (predict.c rule 5). */
double rnn_lower_bound(const rnn_model *m, double value, double half);
/* Whether rnn_lower_bound floors at zero, and the bound given that answer
** (for a caller that keeps it past the model). */
int rnn_lower_floored(const rnn_model *m);
double rnn_lower_floor(int floored, double value, double half);

/* How surprising a one-step error (actual - forecast, data units) is: 1 -
** its p-value among the model's one-step errors on its last training rows,
** with a fitted exponential tail beyond their 90th percentile (predict.c
** rule 10), in [0, 1]; NaN when the model has no such errors and no
** calibration, or err is NaN. */
double rnn_surprise(const rnn_model *m, double err);

/* The same, judged at the scale of the recent one-step errors (actual -
** forecast of the rows just before, oldest first, NaN for unknown): err
** is divided by the ratio of their mean absolute value (each capped at the
** largest calibration error), shrunk towards the calibration errors'
** (RNN_SURPRISE_PRIOR rows' worth), to the calibration errors' own
** (predict.c rule 10). Only the last RNN_SURPRISE_RECENT count; with no
** known one, rnn_surprise. */
#define RNN_SURPRISE_RECENT 24
#define RNN_SURPRISE_PRIOR 24
double rnn_surprise_recent(const rnn_model *m, double err, const double *recent,
                           int k);

/* A run of errors: when the last `run` of the k errors e (oldest first)
** are all known and of one sign, the forecast was off in one direction
** for that long, and the run's median is the shift an error is measured
** from (predict.c rule 10); otherwise 0. Models that record surp_run use
** it for their calibration errors and their scores alike. */
#define RNN_SURPRISE_RUN 9
double rnn_surprise_shift(const double *e, int k, int run);

/* ------------------------------------------------------------------- BLOB */

/* The format this build writes, and the newest it reads; it reads every
** version from 1 up to it. Format 4 adds a KIND chunk, the sequence
** models and keyed options; format 5 the median of three components;
** format 6 the seasonal naive with trend; format 7 square-root interval
** bands; format 8 the damped trend kinds (docs/blob-format.md). */
#define RNN_FORMAT_VERSION 8

/* A forecasting BLOB keeps at most RNN_MAX_HISTORY epochs' losses (format
** 5 on): evenly spaced over a longer run, the last epoch last. */
#define RNN_MAX_HISTORY 1000
/* How many loss values m holds. */
int rnn_history_len(const rnn_model *m);
/* Which of n values (0-based) entry i of `kept` evenly spaced ones is, the
** last last: the rule of both BLOBs; entry i of a model's thinned history
** is epoch rnn_history_pick(epochs_run, history, i) + 1. */
int rnn_history_pick(int n, int kept, int i);

/* What a model is for: format 4's KIND chunk (formats 1-3: forecasting). */
enum {
  RNN_KIND_FORECAST = 0,
  RNN_KIND_TEXT = 1,       /* a language model (rnn_train_text) */
  RNN_KIND_CLASSIFIER = 2, /* rnn_train_classifier */
  RNN_KIND_TAGGER = 3,     /* rnn_train_tagger */
  RNN_KIND_GLOBAL = 4,     /* rnn_train_global: forecasting models of many
                           ** series sharing one network (core/global.c) */
  RNN_KIND_COUNT
};
/* "forecasting", "text", "classifier", "tagger". */
const char *rnn_kind_name(int kind);
/* The function that reads a kind: "rnn_forecast", "rnn_generate",
** "rnn_classify", "rnn_tag". */
const char *rnn_kind_reader(int kind);
/* The kind of a model BLOB, from its header and KIND chunk alone (the
** container is checked: magic, version, length, checksum). */
rnn_status rnn_blob_kind(const void *blob, size_t len, int *kind, rnn_err *e);

/* Encodes m into a new buffer (rnn_free) of *len bytes. */
rnn_status rnn_model_encode(const rnn_model *m, unsigned char **out,
                            size_t *len);

/* The CRC-32 the BLOB trailer holds (zlib's polynomial). */
uint32_t rnn_crc32(const void *data, size_t n);

/* Rewrites the total length and checksum of b[0..len-1] to match its
** bytes (for tests and fuzzing, which change fields and must get past
** the checksum). */
void rnn_blob_reseal(unsigned char *b, size_t len);

/* Decodes a BLOB, validating every length before use. Returns
** RNN_ENOTMODEL, RNN_ECORRUPT or RNN_ENEWER for bad input. */
rnn_status rnn_model_decode(rnn_model **out, const void *blob, size_t len,
                            rnn_err *e);
/* The same for the series of a global model (blob.c rule 13): the
** network's parameters are left out (encode) and are shared (decode: the
** model borrows `shared`, n_shared floats, which must outlive it). */
rnn_status rnn_model_encode_part(const rnn_model *m, int omit_params,
                                 unsigned char **out, size_t *len);
rnn_status rnn_model_decode_part(rnn_model **out, const void *blob, size_t len,
                                 const float *shared, size_t n_shared,
                                 rnn_err *e);

#define RNN_MAX_SERIES 1000000
/* A global model (rnn_train_global): its series' models, in the order of
** their keys (rnn_label_cmp; distinct), the network models borrowing one
** set of parameters. */
typedef struct rnn_global {
  int format_version;      /* of the BLOB it was decoded from; 0 if built here */
  int n;
  struct rnn_label *keys;  /* (n); TEXT and BLOB bytes in key_bytes */
  char *key_bytes;
  rnn_model **models;      /* (n) */
  float *params;           /* (n_params) the shared network, or NULL */
  size_t n_params;
} rnn_global;
void rnn_global_free(rnn_global *g);
/* Which series key is (-1: none). */
int rnn_global_find(const rnn_global *g, const struct rnn_label *key);
/* Encodes g (core/global.c): its series' networks must have the same
** parameters (RNN_EINVAL otherwise). */
rnn_status rnn_global_encode(const rnn_global *g, unsigned char **out, size_t *len);
rnn_status rnn_global_decode(rnn_global **out, const void *blob, size_t len,
                             rnn_err *e);
/* Series key's model alone (global.c rule 5), with its own parameters;
** *out NULL (and RNN_OK) when the model has no such series. */
rnn_status rnn_global_decode_one(const void *blob, size_t len, const struct rnn_label *key,
                                 rnn_model **out, rnn_err *e);
/* A new series (global.c rule 4): a network model of g's that reads
** arch.window rows; rnn_global_stranger_window sets its statistics from
** the window (rows of arch.input values) it will forecast from. */
rnn_status rnn_global_stranger(const rnn_global *g, rnn_model **out, rnn_err *e);
void rnn_global_stranger_window(rnn_model *m, const double *win);

/* -------------------------------------------------------- sequence models */

/* Tokens of a text model (SPEC.md 8; core/text.c rule 1). */
enum { RNN_TOK_CHAR = 0, RNN_TOK_WORD = 1 };
/* Ids every vocabulary starts with. */
enum { RNN_TOKEN_EOS = 0, RNN_TOKEN_UNK = 1 };
#define RNN_MAX_VOCAB 100000
#define RNN_MAX_CONTEXT 1000

/* Options of rnn_train_text: the shared training options (the keys that
** apply to a language model) and its own. */
typedef struct rnn_seq_options {
  rnn_options base;
  int kind;    /* RNN_KIND_TEXT, _CLASSIFIER or _TAGGER: which keys apply */
  int tokens;  /* RNN_TOK_* */
  int lower;   /* words: lower-case them */
  int vocab;   /* most frequent tokens kept, 0 = default (text.c rule 2) */
  int context; /* steps of truncated BPTT, 0 = default (64 chars, 32 words) */
} rnn_seq_options;

/* The defaults of a kind (docs/sequence-models.md). */
void rnn_seq_options_init(rnn_seq_options *o, int kind);
const char *rnn_tokens_name(int v); /* "char", "word" */
/* The options as a JSON object (the BLOB's TOPT, rnn_info's "options"),
** written whatever the C locale; snprintf's result. */
int rnn_seq_options_json(const rnn_seq_options *t, char *buf, size_t n);
/* v (finite) with the fewest digits, 15 to 17, that read back as v, and
** '.' as the decimal point in any locale: JSON's number syntax. */
void rnn_format_double(double v, char *buf, size_t n);
/* Parses a JSON object of options over the values already in o; keys of
** rnn_train that do not apply to a language model are errors. */
rnn_status rnn_seq_options_parse(rnn_seq_options *o, const char *text,
                                  size_t len, rnn_err *e);

/* A vocabulary: token i's UTF-8 is text + off[i] (NUL-terminated, length
** off[i + 1] - off[i] - 1); 0 is <EOS>, 1 is <UNK>. */
typedef struct rnn_vocab {
  int n;
  char *text;
  uint32_t *off;
  int32_t *slot; /* hash table of ids (-1 empty), nslot a power of two */
  uint32_t nslot;
} rnn_vocab;

/* The id of the token bytes t[0..len-1], or -1. */
int rnn_vocab_find(const rnn_vocab *v, const char *t, size_t len);

/* A label of a classifier or tagger, with the SQL type it came with
** (INTEGER, REAL, TEXT or BLOB; s holds the bytes of the last two). */
enum { RNN_LABEL_INT = 1, RNN_LABEL_REAL = 2, RNN_LABEL_TEXT = 3,
       RNN_LABEL_BLOB = 4 };
typedef struct rnn_label {
  int type;
  int64_t i;
  double r;
  const char *s;
  size_t len;
} rnn_label;
/* SQLite's order: numbers by value (an INTEGER and a REAL of the same
** value are one label), then TEXT and BLOBs by their bytes. */
int rnn_label_cmp(const rnn_label *a, const rnn_label *b);
#define RNN_MAX_LABELS 10000

/* A sequence model: a language model (kind RNN_KIND_TEXT), a classifier
** or a tagger. */
typedef struct rnn_seqmodel {
  int format_version; /* of the BLOB it was decoded from; 0 if trained here */
  int kind;           /* RNN_KIND_* */
  rnn_arch arch;      /* text: input = output = vocabulary, window = context;
                      ** classifier, tagger: output = labels, window = the
                      ** longest training sequence */
  rnn_layout layout;
  float *params;
  rnn_seq_options opts; /* resolved: vocab and context set */
  rnn_vocab vocab;    /* token inputs (text, and classifiers and taggers of
                      ** text) */
  int features;       /* numeric inputs: values per element (0: tokens) */
  double *shift, *scale; /* numeric inputs: z = (x - shift) / scale */
  int n_labels;       /* classifier, tagger: the classes, in rnn_label_cmp */
  rnn_label *labels;  /* order; their bytes in label_bytes */
  char *label_bytes;
  double val_accuracy; /* classifier, tagger: of the kept parameters on the
                       ** validation examples (elements), NaN without */
  int64_t rows, tokens;  /* training rows and tokens, <EOS> included */
  int64_t val_rows, val_tokens;
  int epochs_run, best_epoch;
  double *train_loss, *val_loss; /* nats per token, per epoch, or */
  int history;         /* 0: one per epoch; else the values a BLOB kept of a
                       ** longer run (RNN_MAX_HISTORY, as a forecaster's) */
  double best_val;     /* with history: the best epoch's validation loss */
  double unigram_loss; /* the training tokens' unigram model on the
                       ** validation rows (nats per token), NaN without */
  struct rnn_textgen *gen; /* generation scratch, never stored */
  struct rnn_work *infer;  /* classifier, tagger: scratch, never stored */
  int infer_T;             /* its capacity in elements */
  /* As rnn_model's: checked every 10 ms by long generation (NULL: never). */
  int (*cancel)(void *arg);
  void *cancel_arg;
} rnn_seqmodel;

void rnn_seqmodel_free(rnn_seqmodel *m);

/* Trains a language model on n rows of UTF-8 text (row i is text[i],
** len[i] bytes; each row one sequence ending with <EOS>). */
rnn_status rnn_text_train(rnn_seqmodel **out, const char *const *text,
                          const size_t *len, size_t n,
                          const rnn_seq_options *o, const rnn_train_ctl *ctl,
                          rnn_err *e);

/* Calls each(arg, token, bytes) for the tokens of text in order
** (text.c rule 1): code points in "char" mode (invalid UTF-8 becomes
** U+FFFD), words and punctuation marks in "word" mode. A non-zero return
** stops the walk and is returned. */
int rnn_text_tokens(const char *text, size_t len, int mode, int lower,
                    int (*each)(void *arg, const char *tok, size_t n),
                    void *arg);

/* Appends to *out (rnn_malloc'd, grown; *n bytes) up to max_tokens tokens
** sampled after prefix (text.c rule 6): temperature 0 is greedy; the same
** seed gives the same text. */
rnn_status rnn_text_generate(rnn_seqmodel *m, const char *prefix, size_t plen,
                             int max_tokens, double temperature,
                             uint64_t seed, char **out, size_t *n, rnn_err *e);

/* The k most likely next tokens after prefix: ids in ids[0..*got-1],
** probabilities in p (<UNK> left out, rule 7). */
rnn_status rnn_text_next(rnn_seqmodel *m, const char *prefix, size_t plen,
                         int k, int *ids, double *p, int *got, rnn_err *e);

/* Per-token perplexity of text (its tokens and <EOS>) from a fresh state. */
rnn_status rnn_text_perplexity(rnn_seqmodel *m, const char *text, size_t len,
                               double *out, rnn_err *e);

/* One training example of a classifier or tagger: text (tokens) or
** `steps` rows of `features` numbers; classifier: label (type 0: the
** example is skipped); tagger: one label per element (type 0: none). */
typedef struct rnn_example {
  const char *text;
  size_t len;
  const double *x;
  int steps;
  rnn_label label;
  const rnn_label *tags;
  int ntags;
  int64_t row; /* its number in the caller's input, for errors (0: its index + 1) */
} rnn_example;

/* Trains a classifier or tagger (o->kind) on n examples; features 0 means
** text inputs. */
rnn_status rnn_seq_train(rnn_seqmodel **out, const rnn_example *ex, size_t n,
                         int features, const rnn_seq_options *o,
                         const rnn_train_ctl *ctl, rnn_err *e);
/* The class probabilities (m->n_labels) of one sequence (text, or steps
** rows of m->features numbers). */
rnn_status rnn_seq_classify(rnn_seqmodel *m, const char *text, size_t len,
                            const double *x, int steps, double *p, rnn_err *e);
/* The label id of every element of one sequence: *ids (rnn_free) of *n. */
rnn_status rnn_seq_tag(rnn_seqmodel *m, const char *text, size_t len,
                       const double *x, int steps, int **ids, int *n,
                       rnn_err *e);

/* The best epoch's validation loss (kept apart when a BLOB thinned the
** per-epoch losses). */
double rnn_seq_best_val(const rnn_seqmodel *m);
rnn_status rnn_seqmodel_encode(const rnn_seqmodel *m, unsigned char **out,
                                size_t *len);
rnn_status rnn_seqmodel_decode(rnn_seqmodel **out, const void *blob,
                                size_t len, rnn_err *e);
/* The same for a model that must be of kind `kind` (RNN_EKIND naming the
** function that reads it otherwise). */
rnn_status rnn_seqmodel_decode_as(rnn_seqmodel **out, const void *blob,
                                  size_t len, int kind, rnn_err *e);

#endif /* RNN_H */
