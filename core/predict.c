/*
** Forecasting with a trained model.
**
** Rules:
**   1. The input is the last W values (data units), oldest first: the
**      caller's window or the model's training tail. Missing values (NaN)
**      in it are filled as in training (series.c rule 1); a window with no
**      known value is an error.
**   2. Values are normalised with the training statistics, the network
**      emits its outputs, and they are mapped back to data units.
**   3. Forecasts longer than the network's output count feed the
**      predictions back as inputs (recursive strategy).
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"

rnn_status rnn_predict(const rnn_model *m, const double *win, int h,
                       double *out, rnn_err *e) {
  const rnn_arch *a = &m->arch;
  int W = a->window, O = a->output;
  rnn_status rc;
  if (h < 1) return rnn_fail(e, RNN_EINVAL, "h must be at least 1");
  double *buf = rnn_malloc((size_t)W * sizeof *buf);
  if (!buf) return RNN_ENOMEM;
  memcpy(buf, win ? win : m->tail, (size_t)W * sizeof *buf);
  /* Rule 1. */
  if (rnn_fill_missing(buf, (size_t)W) < 0) {
    rnn_free(buf);
    return rnn_fail(e, RNN_EINVAL, "every value in the window is missing");
  }
  rnn_work w;
  if ((rc = rnn_work_init(&w, a, 1, 0.0))) {
    rnn_free(buf);
    return rc;
  }
  /* Rule 3: buf is a ring of the last W inputs starting at head. */
  int head = 0;
  for (int done = 0; done < h;) {
    for (int t = 0; t < W; t++)
      w.x[t] = (float)((buf[(head + t) % W] - m->norm_shift) / m->norm_scale);
    rnn_net_forward(&w, a, &m->layout, m->params, 1, 0);
    for (int o = 0; o < O && done < h; o++, done++) {
      /* Rule 2. */
      double v = (double)w.y[o] * m->norm_scale + m->norm_shift;
      out[done] = v;
      buf[head] = v;
      head = (head + 1) % W;
    }
  }
  rnn_work_free(&w);
  rnn_free(buf);
  return RNN_OK;
}
