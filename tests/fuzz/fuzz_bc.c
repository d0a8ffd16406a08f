/*
 * fuzz_bc.c: the bytecode decoder (bc.h) on arbitrary memory, then both
 * listings (bc_fmt.h).  Input: byte 0 picks the source (bit 0: v1.23+
 * proto_fun structs; bit 1: lengths known from a "symbol", else heap-style
 * upper bounds; bit 2: start at a raw code instead of fun_data; bits 3-4:
 * table sizes known or not; bits 5-7: the format, v1.19+, v1.9 without
 * or with persistent code, v1.12 without or with it), bytes 1-2 the qstr table's offset, bytes 3-4
 * the object table's; the rest is memory mapped at 0x20000000 (reads
 * outside it fail) and the function starts there.  Checks: no crash, no
 * read outside the data (the reader refuses, ASan catches the rest), a
 * bounded number of reads, and every instruction inside its function's
 * bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "bc_fmt.h"
#include "bcfeed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_qstr(void *ctx, uint32_t q, char *buf, size_t size)
{
    (void)ctx;
    if (q % 7 == 3) {
        return 0;
    }
    snprintf(buf, size, "q%u\n'\\", q);
    return 1;
}

static int fz_qobj(void *ctx, uint32_t w, uint32_t *q)
{
    (void)ctx;
    *q = w >> 2;
    return (w & 3) == 2;
}

static int fz_obj(void *ctx, uint32_t w, char **text)
{
    (void)ctx;
    char t[32];
    snprintf(t, sizeof t, "obj_%08x", w);
    *text = strdup(t);
    return *text != NULL && (w & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5) {
        return 0;
    }
    static const int fmts[8] = {BC_FMT_V6, BC_FMT_OLD, BC_FMT_OLD_PC, BC_FMT_V6,
                                BC_FMT_V5, BC_FMT_V5_PC, BC_FMT_V5, BC_FMT_V5_PC};
    struct bcfeed f;
    struct bc_src src;
    struct bc_prog p;
    struct rc_msg msg;
    int rc = bcfeed_load(data, size, fmts, 8, fz_qobj, &f, &src, &p, &msg);
    if (data[0] & 0x80) {
        /* a v1.12-v1.18 function object at the start of the memory */
        uint32_t bc, ct;
        (void)bc_fun_object_v5(&f.fm, BCFEED_BASE, BCFEED_BASE + 16, &bc, &ct, &msg);
    }
    if (rc != RC_OK) {
        return 0;
    }
    for (size_t i = 0; i < p.n; i++) {
        const struct bc_fun *fn = &p.f[i];
        for (size_t k = 0; k < fn->ninsns; k++) {
            if ((uint64_t)fn->insns[k].off + fn->insns[k].len > fn->len) {
                abort();
            }
        }
    }
    struct bc_names nm = {fz_qstr, fz_obj, NULL};
    struct buf b;
    buf_init(&b);
    bc_fmt_text(&p, &nm, &b);
    buf_fini(&b);
    buf_init(&b);
    bc_fmt_json(&p, &nm, &b);
    buf_fini(&b);
    bc_prog_free(&p);
    return 0;
}
