/*
** The training loop of every model: it knows only that a task gives
** minibatches and that the task's chunk function (or the batcher's own
** regression head) turns the network's outputs into a loss and gradients:
** forecasters' series windows in train.c, language models in text.c,
** classifiers and taggers in seqtask.c.
**
** Rules (train.c's 4-6, 11 and 12 are these, for the forecaster):
**   1. The parameters start from the seeded generator (rnn_net_init);
**      each epoch the task begins a training pass (it may shuffle with the
**      same generator), then every minibatch draws its dropout masks,
**      computes the gradient in fixed chunks, clips it and takes an
**      optimiser step. The epoch's loss is the mean over its targets.
**   2. With validation examples, a validation pass (no dropout, no
**      gradient; or the task's own measure) follows each epoch; the best
**      epoch's parameters are kept and `patience` epochs without
**      improvement end training.
**   3. max_seconds covers the whole call (the caller's t0) and what the
**      task reserves for its work after training: before each minibatch
**      but an epoch's first, training stops if that minibatch, the
**      validation and the reserve would not fit; an epoch that would not
**      finish is not started; a partial epoch is not kept; no finished
**      epoch is an error.
**   4. The progress callback is asked after every minibatch and every
**      epoch, and every 10 ms inside a minibatch (core/parallel.c rule 6).
**   5. A loss or a parameter that stops being finite ends training with
**      the best epoch so far (none: an error).
**   6. A warm start (rnn_finetune) begins from the parameters given, which
**      count as epoch 0: with validation examples they are validated first
**      and kept unless an epoch does better; divergence, or a budget that
**      ends before the first epoch, keeps them rather than failing.
**   7. The set-up before the first minibatch (the chunks' buffers, which
**      a large network takes seconds to zero) asks the progress callback
**      (epoch 0) every 16 MiB, and stops with "interrupted". The budget
**      is not asked there: as before, the set-up and an epoch's first
**      minibatch always run, so data of one minibatch always gives a
**      model, however small max_seconds is.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"
#include "rng.h"

/* Rule 7: the callback asked as inside a minibatch (rnn_poll_caller),
** at epoch 0. */
void rnn_train_setup_init(rnn_train_setup *t, const rnn_train_ctl *ctl,
                          int epochs) {
  *t = (rnn_train_setup){.poll = {ctl, {.epochs = epochs}}};
  t->s = (rnn_setup){ctl && ctl->progress ? rnn_poll_caller : NULL, &t->poll};
}

rnn_status rnn_train_setup_fail(rnn_status rc, rnn_err *e) {
  return rc == RNN_EINTERRUPT ? rnn_fail(e, rc, "interrupted") : rc;
}

rnn_status rnn_seq_batcher(rnn_batcher *bt, const rnn_seqmodel *m, int B,
                           int flags, double data_bytes, const char *lower,
                           const rnn_train_setup *setup, rnn_err *e) {
  const rnn_options *o = &m->opts.base;
  int nc = rnn_chunks(B), cap = (B + nc - 1) / nc;
  /* The threads' buffers, the parameters several times over (gradients of
  ** every chunk, the sum, the best, the optimiser's moments) and the data. */
  double need = (double)rnn_batcher_works(B, o->threads) *
                    rnn_work_bytes_seq(&m->arch, cap, o->dropout, flags | RNN_WORK_GRADS) +
                (double)rnn_batcher_own_bytes(&m->arch, B, o->dropout, o->threads, flags) +
                (double)m->layout.n_params * 4 * (3 + nc + 2) + data_bytes;
  if (need > (double)RNN_MAX_MEMORY)
    return rnn_fail(e, RNN_ELIMIT,
                    "training would need about %.0f MB (limit %.0f MB); lower %s",
                    need / 1048576.0, (double)RNN_MAX_MEMORY / 1048576.0, lower);
  return rnn_train_setup_fail(
      rnn_batcher_init_seq(bt, &m->arch, &m->layout, B, o->dropout, o->threads,
                           RNN_LOSS_CE, flags, &setup->s),
      e);
}

/* Loss terms per example of a task (rnn_fit_task.loss_terms). */
static int loss_terms(const rnn_fit_task *task) {
  return task->loss_terms > 0 ? task->loss_terms : 1;
}

/* Rule 2: the mean loss of a validation pass; NaN when it was stopped. */
static double validate(rnn_batcher *bt, const rnn_fit_task *task,
                       const float *params) {
  if (task->validate) return task->validate(task->arg, params);
  double sum = 0.0;
  int64_t targets = 0;
  task->begin(task->arg, 0, NULL);
  bt->no_grad = 1;
  for (int got; (got = task->fill(task->arg, bt)) > 0;) {
    bt->loss_count = got * loss_terms(task);
    sum += rnn_batcher_run(bt, params, NULL) * got;
    targets += got;
    if (atomic_load(&bt->stop.flag)) break;
  }
  bt->no_grad = 0;
  if (atomic_load(&bt->stop.flag)) return NAN;
  return targets ? sum / (double)targets : NAN;
}

rnn_status rnn_fit(rnn_fitted *f, rnn_batcher *bt, const rnn_fit_task *task,
                   int has_val, const rnn_options *o, const rnn_train_ctl *ctl,
                   double t0, rnn_err *e) {
  size_t np = f->layout->n_params;
  int terms = loss_terms(task);
  float *grad = rnn_malloc(np * sizeof *grad);
  float *best = rnn_malloc(np * sizeof *best);
  rnn_optim opt = {0};
  rnn_status rc = RNN_OK;
  if (!grad || !best) {
    rc = RNN_ENOMEM;
    goto done;
  }
  if ((rc = rnn_optim_init(&opt, o->optimizer, np, o->lr))) goto done;
  rnn_train_poll poll = {.ctl = ctl};
  if (ctl && ctl->progress) {
    bt->stop.poll = rnn_poll_caller;
    bt->stop.arg = &poll;
  }
  bt->task = task->chunk;
  bt->task_arg = task->arg;
  rnn_rng rng;
  rnn_rng_seed(&rng, o->seed);
  if (!f->warm) rnn_net_init(f->params, f->arch, f->layout, &rng);
  memcpy(best, f->params, np * sizeof *best);
  rnn_epoch_log log = {f->train_loss, f->val_loss, f->epochs_run,
                       f->best_epoch, INFINITY, best, np, o->epochs,
                       o->patience};
  if (f->warm && has_val) { /* rule 6 */
    double val0 = validate(bt, task, f->params);
    if (atomic_load(&bt->stop.flag)) {
      rc = rnn_fail(e, RNN_EINTERRUPT, "interrupted");
      goto done;
    }
    if (isfinite(val0)) log.best_val = val0;
  }
  double per_batch = 0.0, per_val = 0.0, reserve = 0.0;
  int out_of_time = 0, diverged = 0;
  for (int ep = 0; ep < o->epochs && !out_of_time; ep++) {
    double t_ep = rnn_now();
    task->begin(task->arg, 1, &rng);
    double sum = 0.0;
    int64_t seen = 0;
    int batches = 0, finished = 0;
    for (;;) {
      int got = task->fill(task->arg, bt);
      if (!got) {
        finished = 1;
        break;
      }
      if (batches > 0 && o->max_seconds > 0 &&
          rnn_now() - t0 + per_batch + per_val + reserve >= o->max_seconds) {
        out_of_time = 1;
        break;
      }
      for (int c = 0; c < bt->nc; c++) {
        rnn_chunk *ch = &bt->chunk[c];
        rnn_net_dropout_masks(&ch->w, f->arch, ch->count, o->dropout, &rng);
      }
      bt->loss_count = got * terms;
      poll.p = (rnn_progress){.epoch = ep + 1, .epochs = o->epochs,
                              .best_epoch = *f->best_epoch};
      double loss;
      if ((rc = rnn_batch_step(bt, f->params, grad, &opt, o->clip, &loss, e)))
        goto done;
      if (!isfinite(loss)) {
        diverged = ep + 1;
        break;
      }
      sum += loss * got;
      seen += got;
      batches++;
      if (ctl && ctl->progress && ctl->progress(ctl->arg, &poll.p)) {
        rc = rnn_fail(e, RNN_EINTERRUPT, "interrupted");
        goto done;
      }
    }
    for (size_t i = 0; i < np && !diverged; i++)
      if (!isfinite(f->params[i])) diverged = ep + 1;
    if (diverged || !finished) break; /* rule 3: a partial epoch is not kept */
    double t_val = rnn_now();
    double val = has_val ? validate(bt, task, f->params) : NAN;
    if (atomic_load(&bt->stop.flag)) {
      rc = rnn_fail(e, RNN_EINTERRUPT, "interrupted");
      goto done;
    }
    if (has_val && !isfinite(val)) {
      diverged = ep + 1;
      break;
    }
    double now = rnn_now();
    per_batch = (t_val - t_ep) / (batches ? batches : 1);
    per_val = now - t_val;
    if (task->reserve) reserve = task->reserve(task->arg, now - t_ep);
    int stop;
    if ((rc = rnn_epoch_end(&log, ep, seen ? sum / (double)seen : NAN, val,
                            has_val, f->params, ctl, &stop, e)))
      goto done;
    if (stop) break;
    if (ep + 1 < o->epochs && o->max_seconds > 0 &&
        rnn_now() - t0 + (per_batch * batches + per_val) + reserve >= o->max_seconds)
      out_of_time = 1; /* another epoch would not fit */
  }
  f->out_of_time = out_of_time;
  if (!f->warm && (rc = rnn_epochs_outcome(diverged, *f->best_epoch,
                                           *f->epochs_run, o->max_seconds, e)))
    goto done;
  memcpy(f->params, best, np * sizeof *best);
done:
  bt->task = NULL;
  bt->stop.poll = NULL;
  rnn_optim_free(&opt);
  rnn_free(grad);
  rnn_free(best);
  return rc;
}
