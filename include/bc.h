/*
 * bc.h: MicroPython bytecode decoded from memory, function by function and
 * instruction by instruction (the model of mpeek dis; no printing: the
 * listing is bc_fmt.h's).
 *
 * Format followed: BC_FMT_V6, the bytecode of .mpy version 6, which is
 * what MicroPython v1.19 to the newest (v1.29) compile and freeze: py/bc0.h,
 * py/bc.h and tools/mpy-tool.py (mp_opcode_decode, extract_prelude) of
 * those versions.  The opcode numbering, the prelude and the line-number
 * encoding have not changed since v1.19 (a change to any of them bumps the
 * .mpy version, which is still 6; the 6.1-6.3 sub-versions are about
 * native code).  Qstr arguments, names in the prelude and LOAD_CONST_OBJ
 * are indices into the module's qstr and object tables
 * (MICROPY_EMIT_BYTECODE_USES_QSTR_TABLE, on in every port that loads or
 * freezes .mpy); MAKE_FUNCTION's argument indexes the function's children.
 * Raw-code structs (py/emitglue.h): v1.23+ mp_raw_code_t starts with two
 * zero bytes (proto_fun_indicator), kind at +2, fun_data +4, children +8,
 * and a child without children of its own is its bytecode itself;
 * v1.19-v1.22 mp_raw_code_t starts with the kind in bits 0-2 of its first
 * word, fun_data +4, children +8 (as frozen: no fun_data_len).
 *
 * Format followed: BC_FMT_OLD(_PC), the bytecode of v1.9 to v1.11: that
 * py/bc0.h's own numbering (LOAD_CONST_FALSE 0x10 ... IMPORT_STAR 0x6a,
 * UNARY_OP 7 and BINARY_OP 36 operators of its py/runtime0.h), 16-bit
 * jump offsets (signed ones in excess 0x8000), and the prelude of its
 * py/bc.c (n_state and n_exc_stack as var-uints, scope_flags, n_pos_args,
 * n_kwonly_args, n_def_pos_args as bytes, code_info_size, simple name and
 * source file, the line info (offsets counted from the end of the code
 * info), cell numbers up to 255).  Without MICROPY_PERSISTENT_CODE (the
 * micro:bit's 1.9.2) a qstr argument is a var-uint qstr id and
 * LOAD_CONST_OBJ and MAKE_FUNCTION carry a pointer, word-aligned, in the
 * bytecode; with it a qstr is 2 bytes and both index the const_table.
 * Argument names are the first entries of the function's const_table
 * (qstr objects).
 *
 * Format followed: BC_FMT_V5(_PC), the bytecode of v1.12 to v1.18 (.mpy
 * version 5, unchanged through those versions: a change would have bumped
 * it): py/bc0.h, py/bc.h, py/showbc.c and py/bc.c of those versions.  The
 * opcode numbering is already v1.19's (grouped by argument kind, with
 * POP_EXCEPT_JUMP), and so are the prelude's signature and size bytes; but
 * every jump is a 16-bit offset (excess 0x8000 for UNWIND_JUMP, JUMP,
 * POP_JUMP_IF_* and JUMP_IF_*_OR_POP), the source info holds the simple
 * name and source file only (argument names are the const_table's first
 * entries, as before v1.12), its line offsets count from the first opcode
 * and end with a 0 byte.  Without MICROPY_PERSISTENT_CODE a qstr argument
 * is a var-uint qstr id, LOAD_CONST_OBJ and MAKE_FUNCTION* carry the word
 * itself at the next aligned address, and the opcodes start word-aligned;
 * with it a qstr is 2 bytes and objects and raw codes are var-uint indices
 * into the const_table.  The unary and binary operators are those of the
 * v1.13+ py/runtime0.h (with the @ operator, as v1.19's); whether v1.12
 * already had MP_BINARY_OP_MAT_MULTIPLY was not found in its sources, so
 * BINARY_OP names from __imatmul__ on are uncertain for v1.12 alone.
 * mp_obj_fun_bc_t is base, globals, bytecode, const_table (as v1.9-v1.11)
 * and mp_raw_code_t kind in bits 0-2 of its first word, fun_data +4,
 * const_table +8 (py/objfun.h, py/emitglue.h of those versions).
 *
 * Every byte is untrusted and comes through struct frozen_mem: a function
 * whose bytes do not decode says why (struct bc_fun.err) and the listing
 * goes on with the next; nothing is read outside what the lengths given
 * allow, and every loop is bounded.
 */
#ifndef MPEEK_BC_H
#define MPEEK_BC_H

#include <stddef.h>
#include <stdint.h>

#include "frozen.h"
#include "rc.h"

enum bc_format {
    BC_FMT_V6 = 1,     /* v1.19 .. newest */
    BC_FMT_OLD = 2,    /* v1.9 .. v1.11, MICROPY_PERSISTENT_CODE off */
    BC_FMT_OLD_PC = 3, /* v1.9 .. v1.11, MICROPY_PERSISTENT_CODE on */
    BC_FMT_V5 = 4,     /* v1.12 .. v1.18 (.mpy version 5), MICROPY_PERSISTENT_CODE off */
    BC_FMT_V5_PC = 5,  /* v1.12 .. v1.18, MICROPY_PERSISTENT_CODE on */
};

enum bc_kind {
    BC_KIND_BYTECODE = 2,
    BC_KIND_NATIVE = 3,
    BC_KIND_VIPER = 4,
    BC_KIND_ASM = 5,
    /* Machine code whose object does not say which of the two (their
     * function objects are alike): viper or asm_thumb. */
    BC_KIND_VIPER_OR_ASM = 6,
};

#define BC_MAX_FUN_BYTES (64u << 10) /* bytes of one function read at most */
#define BC_MAX_FUNS 1024u            /* functions in one listing */
#define BC_MAX_NAMES 256u            /* simple name + argument names */
#define BC_MAX_CHILDREN 1024u
#define BC_MAX_DEPTH 32u

/* What an instruction's argument is. */
enum bc_arg {
    BC_A_NONE = 0,
    BC_A_QSTR,   /* arg: qstr-table index; value: the qstr id (have_value) */
    BC_A_UINT,   /* arg: a count or local number */
    BC_A_SINT,   /* arg: LOAD_CONST_SMALL_INT's signed value */
    BC_A_OBJ,    /* arg: object-table index; value: the object word */
    BC_A_JUMP,   /* arg: the relative offset; target: where it goes */
    BC_A_CALL,   /* arg: n_args | n_kw << 8 */
    BC_A_CHILD,  /* arg: child index; value: the child's address */
    BC_A_MULTI,  /* arg: the number in the opcode (LOAD_FAST 3, BINARY_OP 27) */
};

struct bc_insn {
    uint32_t off;        /* from the start of fun_data */
    uint8_t len;
    uint8_t op;
    uint8_t argk;        /* enum bc_arg */
    uint8_t has_extra;   /* the byte after: UNWIND_JUMP's count,
                          * MAKE_CLOSURE's n_closed_over */
    uint8_t extra;
    uint8_t have_value;
    const char *name;    /* py/bc0.h's name without MP_BC_ ("LOAD_FAST") */
    const char *opname;  /* UNARY_OP/BINARY_OP: "__add__", else NULL */
    int64_t arg;
    uint32_t value;      /* see enum bc_arg */
    uint32_t target;     /* BC_A_JUMP: offset in fun_data */
    uint32_t line;       /* source line (0: no line table) */
    uint32_t label;      /* BC_A_JUMP: the target's label number */
    uint32_t is_label;   /* this instruction is label N (0: none) */
    int child;           /* BC_A_CHILD: index of the child in the program, -1 */
};

struct bc_prelude {
    uint32_t n_state, n_exc_stack, scope_flags;
    uint32_t n_pos_args, n_kwonly_args, n_def_pos_args;
    uint32_t n_info, n_cell;
    uint32_t names[BC_MAX_NAMES]; /* qstr-table indices: simple name, args */
    uint32_t nnames;
    /* Offsets in fun_data. */
    uint32_t size_at;    /* the n_info/n_cell bytes */
    uint32_t info_at;    /* simple name, argument names, line info */
    uint32_t lines_at;   /* line info */
    uint32_t closure_at; /* n_cell bytes of cell numbers */
    uint32_t code_at;    /* the first instruction */
    /* Old formats: the source file's qstr id (names[0] is the simple
     * name's id, not an index); argument names come from the const_table. */
    uint32_t source_file;
    int old;
};

struct bc_line {
    uint32_t off;  /* first code offset (from the start of fun_data) */
    uint32_t line;
};

struct bc_fun {
    uint32_t addr;        /* the raw-code struct, or fun_data itself */
    uint32_t fun_data;
    uint32_t len;         /* bytes read at fun_data */
    int len_known;        /* len came from a symbol; 0: an upper bound */
    int kind;             /* enum bc_kind; 0 unknown */
    int generator;        /* -1 not said */
    unsigned depth;
    int parent;           /* index in the program, -1 for the root */
    uint32_t child_index;
    uint32_t children;    /* the children table (old formats: the
                           * const_table), 0 none */
    uint8_t *bytes;
    int have_prelude;
    struct bc_prelude pre;
    uint32_t simple_name, source_file; /* qstr ids (have_names) */
    uint32_t arg_qstr[BC_MAX_NAMES];
    int have_names;
    struct bc_line *lines;
    size_t nlines;
    struct bc_insn *insns;
    size_t ninsns;
    uint32_t code_end;    /* offset after the last decoded instruction */
    uint32_t npad;        /* zero bytes after it up to len (heap padding) */
    char err[640];        /* why (part of) the function is not decoded */
    /* Native, viper and asm_thumb functions: bytes/len hold the machine
     * code (up to the padding), disassembled by the listing. */
};

struct bc_prog {
    struct bc_fun *f;     /* depth first: a function, then its children */
    size_t n;
    int fmt;
    int truncated;        /* more than BC_MAX_FUNS */
    int native_table;     /* enum nativedis_table of native code */
};

/* Where the functions come from. */
struct bc_src {
    const struct frozen_mem *mem;
    int fmt;                  /* enum bc_format */
    int proto_fun;            /* v1.23+ raw codes (proto_fun), else v1.19-v1.22 */
    uint32_t qstr_table;      /* the module's tables; 0: not there */
    uint32_t nqstr;           /* entries; 0: not known (read as referenced) */
    uint32_t obj_table;
    uint32_t nobj;
    /* The length of the bytes at fun_data: *exact 1 when something says
     * it (a symbol), 0 for an upper bound (the rest of a heap block: there
     * trailing zero bytes are padding); 0 when nothing is known (then
     * max_len bytes are read, an upper bound). */
    uint32_t (*len_of)(void *ctx, uint32_t fun_data, int *exact);
    void *ctx;
    uint32_t max_len;         /* when len_of says 0; 0: BC_MAX_FUN_BYTES */
    /* Old formats: the qstr of a qstr object word (argument names in the
     * const_table): 1, or 0 when w is none. */
    int (*qstr_of_obj)(void *ctx, uint32_t w, uint32_t *q);
    int native_table;         /* enum nativedis_table (nativedis.h) */
};

/* The var-uint (7 bits a byte, most significant first, as py/bc.h and
 * mpy-tool write them) at b[*pos] (at most 5 bytes, none past n): 1 and
 * *pos past it, or 0. */
int bc_vuint(const uint8_t *b, size_t n, size_t *pos, uint32_t *v);

/* The code of a v1.19+ prelude from b (n bytes): RC_OK, or RC_PARSE with
 * what is wrong in msg. */
int bc_prelude_decode(const uint8_t *b, size_t n, struct bc_prelude *p,
                      struct rc_msg *msg);

/* The same for v1.12-v1.18 (fmt BC_FMT_V5 or BC_FMT_V5_PC); base is the
 * address of b[0] (the opcodes of BC_FMT_V5 start word-aligned). */
int bc_prelude_decode_v5(int fmt, const uint8_t *b, size_t n, uint32_t base,
                         struct bc_prelude *p, struct rc_msg *msg);

/* The same for the old formats (fmt BC_FMT_OLD or BC_FMT_OLD_PC). */
int bc_prelude_decode_old(int fmt, const uint8_t *b, size_t n, struct bc_prelude *p,
                          struct rc_msg *msg);

/* One instruction at code[pos] (n bytes in all; code[0] is at address
 * base, for the old formats' aligned pointers): RC_OK, RC_PARSE for an
 * unknown opcode or one cut by the end (msg says which). */
int bc_insn_decode(int fmt, const uint8_t *code, size_t n, size_t pos, uint32_t base,
                   struct bc_insn *in, struct rc_msg *msg);

/* The line table from line info bytes [b, b+n): (offset, line) pairs for
 * offsets counted from code_at, into *out (malloc'd). */
int bc_lines_decode(const uint8_t *b, size_t n, uint32_t code_at,
                    struct bc_line **out, size_t *nout);

/* The source line of code offset off (from fun_data) by the table. */
uint32_t bc_line_at(const struct bc_line *l, size_t n, uint32_t off);

/* Decode one function: fun_data's bytes (read through src), then each of
 * its children, depth first.  addr is what points at it (a raw code or
 * fun_data), kind BC_KIND_*.  For a v1.23+ proto_fun give
 * bc_load_proto().  RC_OK even when functions do not decode (their err
 * says why); an error only for a read that failed for another reason than
 * "not there" (the board went away) and RC_NOMEM. */
int bc_load(const struct bc_src *src, uint32_t addr, uint32_t fun_data,
            uint32_t children, int kind, struct bc_prog *out,
            struct rc_msg *msg);

/* The same from a proto_fun / raw-code pointer (a frozen module's root or
 * a child). */
int bc_load_proto(const struct bc_src *src, uint32_t proto, struct bc_prog *out,
                  struct rc_msg *msg);

void bc_prog_free(struct bc_prog *p);

/* A v1.12-v1.18 bytecode function object at word (py/objfun.h
 * mp_obj_fun_bc_t: base, globals, bytecode, const_table), bc_type the
 * address of mp_type_fun_bc (the board's id(type(lambda: 0))).  A closure
 * (mp_obj_closure_t: base, fun, ...) or bound method (mp_obj_bound_meth_t:
 * base, meth, self) is followed to the function in its second word.
 * RC_OK with *bytecode and *const_table; RC_ARG naming what is not a
 * bytecode function; a read's error. */
int bc_fun_object_v5(const struct frozen_mem *mem, uint32_t word, uint32_t bc_type,
                     uint32_t *bytecode, uint32_t *const_table, struct rc_msg *msg);

/* py/bc0.h's name of opcode op in format fmt (without MP_BC_), NULL if none. */
const char *bc_op_name(int fmt, uint8_t op);

const char *bc_kind_name(int kind);

#endif
