/*
 * fuzz_rrepl.c: the raw-REPL engine and the board probe against a "board"
 * that answers with arbitrary bytes.  The fake transport hands out the
 * input in pieces and then reports silence; nothing may crash, hang or
 * read out of bounds, whatever the board says.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "buf.h"
#include "mread.h"
#include "rrepl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
    const uint8_t *p;
    size_t n;
    size_t off;
};

static ssize_t fake_read(void *ctx, void *buf, size_t len, int timeout_ms,
                         struct rc_msg *msg)
{
    (void)timeout_ms;
    (void)msg;
    struct feed *f = ctx;
    if (f->off >= f->n) {
        return 0; /* silence */
    }
    size_t take = 1 + f->p[f->off] % 64;
    f->off++;
    if (take > f->n - f->off) {
        take = f->n - f->off;
    }
    if (take > len) {
        take = len;
    }
    memcpy(buf, f->p + f->off, take);
    f->off += take;
    return (ssize_t)take;
}

static int fake_write(void *ctx, const void *buf, size_t len, int timeout_ms,
                      struct rc_msg *msg)
{
    (void)ctx;
    (void)buf;
    (void)len;
    (void)timeout_ms;
    (void)msg;
    return RC_OK;
}

static void sink(void *ctx, uint32_t addr, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)addr;
    volatile uint8_t x = 0;
    for (size_t i = 0; i < n; i++) {
        x ^= d[i];
    }
    (void)x;
}

static int prefetch_send(void *ctx, const char *gate, struct rc_msg *msg)
{
    return mread_prefetch(ctx, 0x1000, 300, gate, msg);
}

static int prefetch_drop(void *ctx, struct rc_msg *msg)
{
    return mread_prefetch_drop(ctx, msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed f = {data, size, 0};
    struct rrepl_io io = {fake_read, fake_write, &f, "fuzz"};
    struct rrepl_opts o = {.timeout_ms = 1};
    struct rrepl *r = NULL;
    struct rc_msg msg;
    if (rrepl_new(&io, &o, &r) != RC_OK) {
        return 0;
    }
    rrepl_set_slices(r, 4096, 0);
    if (rrepl_enter(r, &msg) == RC_OK) {
        struct board_info info;
        /* Odd first byte: attach warm, with what a cache would hold. */
        struct board_warm warm, learnt;
        memset(&warm, 0, sizeof warm);
        snprintf(warm.text, sizeof warm.text,
                 "impl=micropython\nver=1.29.0\nplat=qemu\nmach=m\nfeat="
                 "uctypes,sha256:hashlib,stdoutbuf,mem32\nhlp=1\nbin=1\n");
        snprintf(warm.ident, sizeof warm.ident, "micropython 1.29.0 qemu m ");
        int used;
        struct mread *m = NULL;
        if (mread_new(r, &info, &m) != RC_OK) {
            rrepl_free(r);
            return 0;
        }
        struct mread_cb cb = {sink, NULL, NULL};
        /* Bit 1: the read goes before any probe (mread_read_ahead); bit 2:
         * right behind the warm probe (board_prefetch), as a session does. */
        int rc = RC_UNSUPP;
        if (size > 0 && (data[0] & 2)) {
            struct board_info bi;
            struct buf code;
            buf_init(&code);
            if (board_warm_info(&warm, &bi) &&
                board_warm_read_code(&warm, &bi, 0x1000, 300, &code) == RC_OK) {
                info = bi;
                rc = mread_read_ahead(m, buf_str(&code), 0x1000, 300, &msg);
            }
            buf_fini(&code);
        }
        if (rc == RC_OK) {
            mread_set_last(m, MREAD_LAST_LEAVE);
            mread_read(m, 0x1000, 300, &cb, &msg);
        } else if (rc == RC_UNSUPP || rc == RC_NOTFOUND) {
            struct board_prefetch pf = {prefetch_send, prefetch_drop, m, 0};
            int ahead = size > 0 && (data[0] & 4);
            if (ahead) {
                mread_set_last(m, MREAD_LAST_LEAVE);
            }
            if (board_probe_warm(r, &info, size > 0 && (data[0] & 1) ? &warm : NULL,
                                 &used, &learnt, ahead ? &pf : NULL, &msg) == RC_OK) {
                mread_read(m, 0x1000, 300, &cb, &msg);
            }
        }
        mread_free(m);
        rrepl_leave(r, &msg);
    }
    rrepl_free(r);
    return 0;
}
