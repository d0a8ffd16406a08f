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
#include "bcfeed.h"
#include "dispane.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    static const int fmts[4] = {BC_FMT_V6, BC_FMT_OLD, BC_FMT_OLD_PC, BC_FMT_V6};
    struct bcfeed f;
    struct bc_src src;
    struct bc_prog p;
    struct rc_msg msg;
    int rc = bcfeed_load(data, size, fmts, 4, NULL, &f, &src, &p, &msg);
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
