/*
 * dispane.h: the model of the explorer's disassembly pane, over a decoded
 * bytecode program (bc.h): which instruction covers an address, the
 * bytes to outline on the hex rows, where Enter on an instruction goes.
 * Nothing here reads memory or draws.
 */
#ifndef MPEEK_DISPANE_H
#define MPEEK_DISPANE_H

#include <stddef.h>
#include <stdint.h>

#include "bc.h"
#include "rc.h"

/* Where an address is in a program. */
enum dispane_where {
    DISPANE_NONE = 0,   /* in none of its functions */
    DISPANE_INSN,       /* in an instruction (*fun, *insn) */
    DISPANE_PRELUDE,    /* in a function's prelude (before its code) */
    DISPANE_TAIL,       /* after its last decoded instruction (padding, or
                         * what did not decode: bc_fun.err) */
    DISPANE_MACHINE,    /* in a native, viper or asm_thumb function */
};

/* Where addr is: *fun the function (DISPANE_NONE: untouched), *insn the
 * instruction (DISPANE_INSN only). */
enum dispane_where dispane_locate(const struct bc_prog *p, uint32_t addr, size_t *fun,
                                  size_t *insn);

/* The address of instruction insn of function fun. */
uint32_t dispane_insn_addr(const struct bc_prog *p, size_t fun, size_t insn);

#define DISPANE_HL_INSN 0   /* the current instruction's bytes */
#define DISPANE_HL_TARGET 1 /* the instruction a jump goes to */

struct dispane_span {
    uint32_t addr;
    uint32_t len;
    int part;           /* DISPANE_HL_* */
};

struct dispane_hl {
    struct dispane_span span[2];
    size_t n;
};

/* The spans to outline for instruction insn of function fun: its bytes,
 * and for a jump within the function the bytes of the instruction it
 * goes to.  Spans never wrap past 2^32. */
void dispane_outline(const struct bc_prog *p, size_t fun, size_t insn, struct dispane_hl *out);

/* The span holding addr (the instruction's before the target's), or NULL. */
const struct dispane_span *dispane_hl_at(const struct dispane_hl *h, uint32_t addr);

/* Where Enter on instruction insn goes: a jump's target; for
 * MAKE_FUNCTION / MAKE_CLOSURE the child's first instruction (its
 * fun_data when the child did not decode).  RC_ARG with what it is for an
 * instruction that goes nowhere. */
int dispane_follow(const struct bc_prog *p, size_t fun, size_t insn, uint32_t *to,
                   struct rc_msg *msg);

#endif
