/*
** A small strict JSON reader (RFC 8259) for options objects and windows.
**
** Rules:
**   1. The whole text must be one JSON value, with only whitespace around it.
**   2. Nesting deeper than RNN_JSON_MAX_DEPTH is an error (no stack blow-up
**      on hostile input).
**   3. Strings must be valid UTF-8 with no raw control characters; escapes
**      are decoded, \u surrogate pairs must be paired.
**   4. Numbers follow the JSON grammar exactly (no NaN, Infinity, hex, '+',
**      leading zeros or bare '.') and are read independently of the locale.
**      Numbers that overflow a double are errors.
**   5. Object members keep their order; duplicate keys are kept and left to
**      the caller to judge.
**   6. rnn_json_each reads a document whose top level is an array one
**      element at a time: each element is handed to a callback and freed,
**      so a window of millions of numbers never becomes a tree (a tree
**      takes about 40 bytes per number). The same rules and messages.
*/
#ifndef RNN_JSON_H
#define RNN_JSON_H

#include <stddef.h>

#include "rnn.h"

#define RNN_JSON_MAX_DEPTH 64

typedef enum rnn_json_type {
  RNN_JSON_NULL,
  RNN_JSON_FALSE,
  RNN_JSON_TRUE,
  RNN_JSON_NUMBER,
  RNN_JSON_STRING,
  RNN_JSON_ARRAY,
  RNN_JSON_OBJECT
} rnn_json_type;

typedef struct rnn_json rnn_json;
struct rnn_json {
  rnn_json_type type;
  double num;    /* NUMBER */
  char *str;     /* STRING: decoded UTF-8, NUL-terminated (may hold NULs) */
  size_t len;    /* STRING: bytes in str; ARRAY, OBJECT: children */
  char *key;     /* member name when the parent is an OBJECT, else NULL */
  size_t key_len;
  rnn_json *child; /* ARRAY, OBJECT: first element or member */
  rnn_json *next;  /* next sibling */
};

/* Parses text[0..len-1]. On success *out is a tree freed with
** rnn_json_free. On a syntax error returns RNN_EINVAL with the byte offset
** in the message. */
rnn_status rnn_json_parse(rnn_json **out, const char *text, size_t len,
                          rnn_err *e);

void rnn_json_free(rnn_json *j);

/* Rule 6: parses text[0..len-1]; when the top-level value is an array,
** calls each(arg, i, element) for its elements in order (a non-OK return
** stops the parse and is returned). *type and *n give the top-level value's
** type and, for an array, its length (the elements seen so far on an
** error). */
rnn_status rnn_json_each(const char *text, size_t len,
                         rnn_status (*each)(void *arg, size_t i,
                                            const rnn_json *elem),
                         void *arg, rnn_json_type *type, size_t *n,
                         rnn_err *e);

/* The member of object o named key (the last one if repeated), or NULL. */
const rnn_json *rnn_json_get(const rnn_json *o, const char *key);

/* Reads text[0..len-1] as exactly one JSON number (rule 4). */
rnn_status rnn_json_number(const char *text, size_t len, double *out);

/* Name of a type for messages: "null", "a number", "an array", ... */
const char *rnn_json_type_name(rnn_json_type t);

#endif
