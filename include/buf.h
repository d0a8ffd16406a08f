/*
 * buf.h: a growable byte buffer.
 *
 * Embedded by value; buf_init() makes it empty, buf_fini() frees it.  The
 * data is always followed by a NUL byte (not counted in len) so text can be
 * used as a C string.
 */
#ifndef MPEEK_BUF_H
#define MPEEK_BUF_H

#include <stddef.h>

struct buf {
    unsigned char *data;
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_fini(struct buf *b);
void buf_clear(struct buf *b);
/* Append n bytes; returns RC_OK or RC_NOMEM. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* The data as a C string (never NULL). */
const char *buf_str(const struct buf *b);

#endif
