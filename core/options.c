/*
** Training options (SPEC.md section 5): defaults and the JSON reader.
**
** Rules:
**   1. Options are one JSON object; NULL (handled by the caller) means all
**      defaults.
**   2. Every key must be known and given once; an unknown key is an error
**      that lists the allowed keys.
**   3. Every value must have the right type and range; the error names the
**      key and says what is allowed.
*/
#include <math.h>
#include <string.h>

#include "json.h"
#include "rnn.h"

void rnn_options_init(rnn_options *o) {
  memset(o, 0, sizeof *o);
  o->cell = RNN_CELL_RNN;
  o->activation = RNN_ACT_TANH;
  o->hidden = 32;
  o->window = RNN_WINDOW_AUTO;
  o->epochs = 200;
  o->batch = 32;
  o->lr = 0.005;
  o->clip = 1.0;
  o->normalize = RNN_NORM_STANDARD;
  o->seed = 0;
}

static const char *const cell_names[] = {"rnn", "gru", "lstm"};
static const char *const act_names[] = {"tanh", "relu", "sigmoid"};
static const char *const norm_names[] = {"standard", "minmax", "none"};

const char *rnn_cell_name(int cell) {
  return cell >= 0 && cell < 3 ? cell_names[cell] : "?";
}
const char *rnn_activation_name(int act) {
  return act >= 0 && act < 3 ? act_names[act] : "?";
}
const char *rnn_normalize_name(int norm) {
  return norm >= 0 && norm < 3 ? norm_names[norm] : "?";
}

/* Rule 3 for integers: a JSON number with no fraction in [lo, hi]. */
static rnn_status get_int(const rnn_json *v, const char *key, double lo,
                          double hi, double *out, rnn_err *e) {
  if (v->type != RNN_JSON_NUMBER || v->num != floor(v->num) || v->num < lo ||
      v->num > hi)
    return rnn_fail(e, RNN_EINVAL,
                    "option \"%s\" must be an integer from %.0f to %.0f", key,
                    lo, hi);
  *out = v->num;
  return RNN_OK;
}

/* Rule 3 for enumerations: one of n names. "allowed" is the list for the
** message, already quoted. */
static rnn_status get_enum(const rnn_json *v, const char *key,
                           const char *const *names, int n,
                           const char *allowed, int *out, rnn_err *e) {
  if (v->type == RNN_JSON_STRING)
    for (int i = 0; i < n; i++)
      if (strcmp(v->str, names[i]) == 0 && strlen(names[i]) == v->len) {
        *out = i;
        return RNN_OK;
      }
  return rnn_fail(e, RNN_EINVAL, "option \"%s\" must be %s", key, allowed);
}

#define ALLOWED_KEYS \
  "activation, batch, cell, clip, epochs, hidden, lr, normalize, seed, window"

rnn_status rnn_options_parse(rnn_options *o, const char *text, size_t len,
                             rnn_err *e) {
  rnn_json *root = NULL;
  rnn_err je;
  rnn_status rc = rnn_json_parse(&root, text, len, &je);
  if (rc == RNN_ENOMEM) return rc;
  if (rc != RNN_OK)
    return rnn_fail(e, RNN_EINVAL, "options are not valid JSON: %s", je.msg);
  /* Rule 1. */
  if (root->type != RNN_JSON_OBJECT) {
    rnn_json_free(root);
    return rnn_fail(e, RNN_EINVAL, "options must be a JSON object");
  }
  for (const rnn_json *m = root->child; m && rc == RNN_OK; m = m->next) {
    const char *k = m->key;
    double d = 0;
    /* Rule 2: given once, and known. */
    if (strlen(k) != m->key_len) {
      rc = rnn_fail(e, RNN_EINVAL, "unknown option \"%s\"; allowed: %s", k,
                    ALLOWED_KEYS);
    } else if (rnn_json_get(root, k) != m) {
      rc = rnn_fail(e, RNN_EINVAL, "option \"%s\" is given twice", k);
    } else if (!strcmp(k, "cell")) {
      rc = get_enum(m, k, cell_names, 1, "\"rnn\" (gru and lstm are not built yet)", &o->cell, e);
    } else if (!strcmp(k, "activation")) {
      rc = get_enum(m, k, act_names, 3, "\"tanh\", \"relu\" or \"sigmoid\"",
                    &o->activation, e);
    } else if (!strcmp(k, "normalize")) {
      rc = get_enum(m, k, norm_names, 3, "\"standard\", \"minmax\" or \"none\"",
                    &o->normalize, e);
    } else if (!strcmp(k, "hidden")) {
      if (!(rc = get_int(m, k, 1, RNN_MAX_HIDDEN, &d, e))) o->hidden = (int)d;
    } else if (!strcmp(k, "window")) {
      if (m->type == RNN_JSON_STRING && !strcmp(m->str, "auto")) {
        o->window = RNN_WINDOW_AUTO;
      } else if (m->type != RNN_JSON_NUMBER || m->num != floor(m->num) ||
                 m->num < 1 || m->num > RNN_MAX_WINDOW) {
        rc = rnn_fail(e, RNN_EINVAL,
                      "option \"window\" must be \"auto\" or an integer from 1 "
                      "to %d",
                      RNN_MAX_WINDOW);
      } else {
        o->window = (int)m->num;
      }
    } else if (!strcmp(k, "epochs")) {
      if (!(rc = get_int(m, k, 1, 100000, &d, e))) o->epochs = (int)d;
    } else if (!strcmp(k, "batch")) {
      if (!(rc = get_int(m, k, 1, 65536, &d, e))) o->batch = (int)d;
    } else if (!strcmp(k, "seed")) {
      if (!(rc = get_int(m, k, 0, 9007199254740991.0, &d, e)))
        o->seed = (uint64_t)d;
    } else if (!strcmp(k, "lr")) {
      if (m->type != RNN_JSON_NUMBER || !(m->num > 0) || m->num > 10)
        rc = rnn_fail(e, RNN_EINVAL,
                      "option \"lr\" must be a number greater than 0 and at "
                      "most 10");
      else
        o->lr = m->num;
    } else if (!strcmp(k, "clip")) {
      if (m->type != RNN_JSON_NUMBER || m->num < 0)
        rc = rnn_fail(e, RNN_EINVAL,
                      "option \"clip\" must be a number from 0 (off) upwards");
      else
        o->clip = m->num;
    } else {
      rc = rnn_fail(e, RNN_EINVAL, "unknown option \"%s\"; allowed: %s", k,
                    ALLOWED_KEYS);
    }
  }
  rnn_json_free(root);
  return rc;
}
