/*
 * buf.h: a growable byte buffer.
 *
 * Embedded by value; buf_init() makes it empty, buf_fini() frees it.  The
 * data is always followed by a NUL byte (not counted in len) so text can be
 * used as a C string.
 *
 * Running out of memory is sticky: once an append cannot grow the buffer,
 * the buffer is failed.  A failed buffer holds nothing (data NULL, len 0,
 * buf_str() ""), so no truncated text can pass for whole text, and every
 * later append does nothing and returns RC_NOMEM.  The owner builds the
 * whole text without checking each append, then checks once with
 * buf_failed() or buf_check() before using it.  buf_clear() and buf_fini()
 * forget the failure.
 */
#ifndef MPEEK_BUF_H
#define MPEEK_BUF_H

#include <stddef.h>

struct rc_msg;

struct buf {
    unsigned char *data;
    size_t len;
    size_t cap;
    int failed;        /* an append ran out of memory; see above */
};

void buf_init(struct buf *b);
void buf_fini(struct buf *b);
/* Empty it (keeping its memory) and forget a failure: a new text starts. */
void buf_clear(struct buf *b);
/* Append n bytes; RC_OK, or RC_NOMEM when this or an earlier append ran out
 * of memory (the buffer is then failed). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (a failed buffer stays failed). */
void buf_consume(struct buf *b, size_t n);
/* The data as a C string (never NULL; "" when the buffer is failed). */
const char *buf_str(const struct buf *b);
/* Nonzero when an append ran out of memory since buf_init/buf_clear. */
int buf_failed(const struct buf *b);
/* Make b failed, as if an append had run out of memory: for code that
 * appends to b and ran out of memory elsewhere (a scratch buffer, say), so
 * the owner's one check still sees it.  Returns RC_NOMEM. */
int buf_set_failed(struct buf *b);
/* RC_OK, or RC_NOMEM with "out of memory building <what>" in msg (which may
 * be NULL) when the buffer is failed. */
int buf_check(const struct buf *b, struct rc_msg *msg, const char *what);

#endif
