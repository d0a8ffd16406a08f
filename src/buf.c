/*
 * buf.c: growable byte buffer (see buf.h).
 *
 * Invariants: data is NULL (cap 0, len 0) or holds cap bytes with a NUL at
 * data[len]; a failed buffer has data NULL, len 0 and cap 0.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

void buf_fini(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_clear(struct buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data != NULL) {
        b->data[0] = 0;
    }
}

/* Out of memory: drop the text so none of it is taken for whole. */
int buf_set_failed(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 1;
    return RC_NOMEM;
}

static int buf_reserve(struct buf *b, size_t extra)
{
    if (b->failed) {
        return RC_NOMEM;
    }
    if (extra > SIZE_MAX - 1 - b->len) {
        return buf_set_failed(b);
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return RC_OK;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    unsigned char *p = realloc(b->data, cap);
    if (p == NULL) {
        return buf_set_failed(b);
    }
    b->data = p;
    b->cap = cap;
    return RC_OK;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != RC_OK) {
        return RC_NOMEM;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = 0;
    return RC_OK;
}

int buf_addstr(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    if (b->failed) {
        return RC_NOMEM;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return buf_set_failed(b);
    }
    if (buf_reserve(b, (size_t)n) != RC_OK) {
        return RC_NOMEM;
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return RC_OK;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        if (b->data != NULL) {
            b->data[0] = 0;
        }
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = 0;
}

const char *buf_str(const struct buf *b)
{
    return b->data != NULL && !b->failed ? (const char *)b->data : "";
}

int buf_failed(const struct buf *b)
{
    return b->failed;
}

int buf_check(const struct buf *b, struct rc_msg *msg, const char *what)
{
    if (!b->failed) {
        return RC_OK;
    }
    if (what == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    return rc_set(msg, RC_NOMEM, "out of memory building %s", what);
}
