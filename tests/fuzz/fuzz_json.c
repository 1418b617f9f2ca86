/* libFuzzer target: the strict JSON reader (windows and options). Every
** accepted tree is walked; numbers must be finite. The element-by-element
** reader (rnn_json_each) must accept exactly what the tree reader accepts,
** with the same type and length, and hand over elements equal in size. */
#include <math.h>
#include <stdint.h>

#include "../../core/json.h"

static size_t walk(const rnn_json *j, int depth) {
  size_t n = 0;
  if (depth > RNN_JSON_MAX_DEPTH) __builtin_trap();
  for (; j; j = j->next, n++) {
    if (j->type == RNN_JSON_NUMBER && !isfinite(j->num)) __builtin_trap();
    if (j->type == RNN_JSON_OBJECT && j->child) rnn_json_get(j, j->child->key);
    n += walk(j->child, depth + 1);
  }
  return n;
}

typedef struct seen {
  int compare;          /* the tree reader accepted an array */
  const rnn_json *next; /* the tree's element expected next */
} seen;

static rnn_status check_element(void *arg, size_t i, const rnn_json *elem) {
  seen *s = arg;
  (void)i;
  if (!s->compare) return RNN_OK; /* elements before a syntax error */
  if (!s->next || s->next->type != elem->type ||
      walk(s->next->child, 1) != walk(elem->child, 1))
    __builtin_trap();
  s->next = s->next->next;
  return RNN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rnn_json *j = NULL;
  rnn_err e;
  rnn_status rc = rnn_json_parse(&j, (const char *)data, size, &e);
  seen s = {rc == RNN_OK && j->type == RNN_JSON_ARRAY,
            rc == RNN_OK && j->type == RNN_JSON_ARRAY ? j->child : NULL};
  rnn_json_type type;
  size_t n;
  rnn_status rc2 = rnn_json_each((const char *)data, size, check_element, &s,
                                 &type, &n, &e);
  if ((rc == RNN_OK) != (rc2 == RNN_OK) && rc != RNN_ENOMEM && rc2 != RNN_ENOMEM)
    __builtin_trap();
  if (rc == RNN_OK) {
    if (rc2 == RNN_OK && (type != j->type || n != j->len || s.next))
      __builtin_trap();
    walk(j, 0);
    rnn_json_free(j);
  }
  double d;
  rnn_json_number((const char *)data, size, &d);
  return 0;
}
