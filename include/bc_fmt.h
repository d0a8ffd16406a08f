/*
 * bc_fmt.h: the listing of a decoded bytecode program (bc.h), as text or
 * JSON.  Reads no memory: qstr text and object literals come through
 * struct bc_names.
 */
#ifndef MPEEK_BC_FMT_H
#define MPEEK_BC_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "bc.h"
#include "buf.h"

struct bc_names {
    /* The text of qstr id q into buf (NUL-terminated): 1, or 0 unknown. */
    int (*qstr)(void *ctx, uint32_t q, char *buf, size_t size);
    /* The Python literal of object word w, malloc'd into *text: 1, or 0
     * when it cannot be decoded (*text may then hold why, malloc'd). */
    int (*obj)(void *ctx, uint32_t w, char **text);
    void *ctx;
};

/*
 * One block per function (depth first, as in bc_prog):
 *
 *   function NAME  (file SRC)
 *     address  0x... (raw code) fun_data 0x... (N bytes)
 *     kind     bytecode [, generator]
 *     prelude  n_state=.. n_exc_stack=.. scope_flags=0x.. n_pos_args=..
 *              n_kwonly_args=.. n_def_pos_args=.. (n_info=.. n_cell=..)
 *     args     a, b
 *     lines    0x...:1 0x...:3 ...
 *   LINE  ADDR        BYTES           LABEL INSTRUCTION ARGUMENT
 *
 * The instruction is bc0.h's name as mpy-tool.py -d prints it, then its
 * argument decoded.  Returns RC_OK or RC_NOMEM (buf failed).
 */
int bc_fmt_text(const struct bc_prog *p, const struct bc_names *nm, struct buf *out);

/* The same as one JSON object: {"format":..,"functions":[{...,"insns":[..]}]}. */
int bc_fmt_json(const struct bc_prog *p, const struct bc_names *nm, struct buf *out);

/* One instruction of function f of p as the listing writes it: the name,
 * then its argument decoded ("LOAD_NAME print", "JUMP L2 (0x0002e4f1)"). */
int bc_fmt_insn(const struct bc_prog *p, const struct bc_fun *f, const struct bc_insn *in,
                const struct bc_names *nm, struct buf *out);

#endif
