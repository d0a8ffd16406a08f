/*
 * fuzz_dispane.c: the disassembly pane's model (dispane.h) over bytecode
 * decoded from arbitrary memory (bc.h), input as fuzz_bc.c takes it (byte
 * 0 the source, bytes 1-4 the tables, the rest memory at 0x20000000).
 * Checks, for every address of every function and a few around them: the
 * instruction dispane_locate names covers it, the outline lies inside the
 * function's bytes, and Enter's target is inside the program's functions
 * or a child's address; no crash, no read outside the data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "dispane.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE 0x20000000u

struct fz {
    const uint8_t *mem;
    size_t len;
    unsigned reads;
    int exact;
};

static int fz_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                   struct rc_msg *msg)
{
    struct fz *f = ctx;
    f->reads++;
    if (f->reads > 200000) {
        abort(); /* unbounded walk */
    }
    if (addr < BASE || (uint64_t)addr - BASE + len > f->len) {
        return rc_set(msg, RC_NOTFOUND, "no memory at 0x%08x", addr);
    }
    memcpy(out, f->mem + (addr - BASE), len);
    return RC_OK;
}

static uint32_t fz_len(void *ctx, uint32_t addr, int *exact)
{
    struct fz *f = ctx;
    *exact = f->exact;
    if (addr < BASE || addr - BASE >= f->len) {
        return 0;
    }
    uint32_t rest = (uint32_t)(f->len - (addr - BASE));
    return rest > 300 ? 300 : rest;
}

static void check_addr(const struct bc_prog *p, uint32_t a)
{
    size_t fun = 0, insn = 0;
    enum dispane_where w = dispane_locate(p, a, &fun, &insn);
    if (w == DISPANE_NONE) {
        return;
    }
    if (fun >= p->n) {
        abort();
    }
    const struct bc_fun *f = &p->f[fun];
    if (a < f->fun_data || (uint64_t)a >= (uint64_t)f->fun_data + f->len) {
        abort();
    }
    if (w != DISPANE_INSN) {
        return;
    }
    const struct bc_insn *in = &f->insns[insn];
    uint32_t at = dispane_insn_addr(p, fun, insn);
    if (insn >= f->ninsns || at != f->fun_data + in->off || a < at ||
        (uint64_t)a >= (uint64_t)at + in->len) {
        abort();
    }
    struct dispane_hl h;
    dispane_outline(p, fun, insn, &h);
    for (size_t i = 0; i < h.n; i++) {
        if (h.span[i].addr < f->fun_data ||
            (uint64_t)h.span[i].addr + h.span[i].len > (uint64_t)f->fun_data + f->len) {
            abort();
        }
    }
    if (h.n == 0 || dispane_hl_at(&h, a) == NULL) {
        abort();
    }
    uint32_t to;
    struct rc_msg msg;
    if (dispane_follow(p, fun, insn, &to, &msg) == RC_OK && in->argk == BC_A_JUMP &&
        to != f->fun_data + in->target) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5) {
        return 0;
    }
    struct fz f = {data + 5, size - 5, 0, (data[0] >> 1) & 1};
    struct frozen_mem mem = {fz_read, &f};
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    static const int fmts[4] = {BC_FMT_V6, BC_FMT_OLD, BC_FMT_OLD_PC, BC_FMT_V6};
    src.fmt = fmts[(data[0] >> 5) & 3];
    src.proto_fun = data[0] & 1;
    src.qstr_table = BASE + (uint32_t)(data[1] | data[2] << 8);
    src.obj_table = BASE + (uint32_t)(data[3] | data[4] << 8);
    src.nqstr = (data[0] & 8) ? 40 : 0;
    src.nobj = (data[0] & 16) ? 10 : 0;
    src.len_of = fz_len;
    src.ctx = &f;
    src.max_len = 64;
    struct bc_prog p;
    struct rc_msg msg;
    int rc = (data[0] & 4) ? bc_load_proto(&src, BASE, &p, &msg)
                           : bc_load(&src, BASE, BASE, BASE + 8, BC_KIND_BYTECODE, &p, &msg);
    if (rc != RC_OK) {
        return 0;
    }
    for (size_t i = 0; i < p.n; i++) {
        const struct bc_fun *fn = &p.f[i];
        for (uint64_t a = fn->fun_data > 2 ? fn->fun_data - 2 : 0;
             a < (uint64_t)fn->fun_data + fn->len + 2 && a <= 0xffffffffULL; a++) {
            check_addr(&p, (uint32_t)a);
        }
    }
    bc_prog_free(&p);
    return 0;
}
