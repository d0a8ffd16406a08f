/*
 * bcfeed.h: the input layout the bytecode fuzz targets share (fuzz_bc.c,
 * fuzz_dispane.c): byte 0 picks the source (bits below), bytes 1-4 place
 * the qstr and object tables, the rest is memory at BCFEED_BASE, read
 * through a struct frozen_mem that refuses anything outside it and aborts
 * on an unbounded walk.
 *
 *   bit 0 proto_fun, bit 1 exact lengths, bit 2 load a raw code (else a
 *   function at the start), bit 3 a qstr table, bit 4 an object table,
 *   bits 5.. the format (an index into the target's own list).
 */
#ifndef MPEEK_TEST_BCFEED_H
#define MPEEK_TEST_BCFEED_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "frozen.h"

#define BCFEED_BASE 0x20000000u

struct bcfeed {
    const uint8_t *mem;
    size_t len;
    unsigned reads;
    int exact;
    struct frozen_mem fm;
};

static int bcfeed_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                       struct rc_msg *msg)
{
    struct bcfeed *f = ctx;
    f->reads++;
    if (f->reads > 200000) {
        abort(); /* unbounded walk */
    }
    if (addr < BCFEED_BASE || (uint64_t)addr - BCFEED_BASE + len > f->len) {
        return rc_set(msg, RC_NOTFOUND, "no memory at 0x%08x", addr);
    }
    memcpy(out, f->mem + (addr - BCFEED_BASE), len);
    return RC_OK;
}

static uint32_t bcfeed_len(void *ctx, uint32_t addr, int *exact)
{
    struct bcfeed *f = ctx;
    *exact = f->exact;
    if (addr < BCFEED_BASE || addr - BCFEED_BASE >= f->len) {
        return 0;
    }
    uint32_t rest = (uint32_t)(f->len - (addr - BCFEED_BASE));
    return rest > 300 ? 300 : rest;
}

/* Decode data (size >= 5) into *p as byte 0 says, the format taken from
 * fmts[(data[0] >> 5) % nfmts], with src->qstr_of_obj set to qobj (may be
 * NULL).  f and src must outlive p's use. */
static int bcfeed_load(const uint8_t *data, size_t size, const int *fmts, size_t nfmts,
                       int (*qobj)(void *ctx, uint32_t w, uint32_t *q), struct bcfeed *f,
                       struct bc_src *src, struct bc_prog *p, struct rc_msg *msg)
{
    memset(f, 0, sizeof *f);
    f->mem = data + 5;
    f->len = size - 5;
    f->exact = (data[0] >> 1) & 1;
    f->fm.read = bcfeed_read;
    f->fm.ctx = f;
    memset(src, 0, sizeof *src);
    src->mem = &f->fm;
    src->fmt = fmts[((size_t)data[0] >> 5) % nfmts];
    src->qstr_of_obj = qobj;
    src->proto_fun = data[0] & 1;
    src->qstr_table = BCFEED_BASE + (uint32_t)(data[1] | data[2] << 8);
    src->obj_table = BCFEED_BASE + (uint32_t)(data[3] | data[4] << 8);
    src->nqstr = (data[0] & 8) ? 40 : 0;
    src->nobj = (data[0] & 16) ? 10 : 0;
    src->len_of = bcfeed_len;
    src->ctx = f;
    src->max_len = 64;
    return (data[0] & 4) ? bc_load_proto(src, BCFEED_BASE, p, msg)
                         : bc_load(src, BCFEED_BASE, BCFEED_BASE, BCFEED_BASE + 8,
                                   BC_KIND_BYTECODE, p, msg);
}

#endif
