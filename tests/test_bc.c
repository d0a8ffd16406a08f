/*
 * test_bc.c: the bytecode model (bc.h) and its listing (bc_fmt.h) on
 * hand-built bytes.
 *
 * every_opcode: each of the 256 byte values against py/bc0.h's table as
 * written out below (v1.19+): its name, its length, its argument; the
 * values bc0.h leaves free are refused.  every_opcode_listing: a module
 * holding every opcode once (and a child made by MAKE_FUNCTION), laid out
 * in memory with its qstr and object tables, listed and compared byte for
 * byte with tests/data/bc_v6_every_op.dis.  Then arguments of several
 * bytes, signed small ints, two-byte jumps, preludes, line tables, and
 * bytes that end too soon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "bc_fmt.h"
#include "nativedis.h"
#include "harness.h"

/* py/bc0.h of v1.19..v1.29, as (value, name, what follows the opcode):
 * q qstr, u var-uint, s signed var-int, j offset, x extra byte. */
static const struct {
    unsigned op;
    const char *name;
    const char *args;
} BC0[] = {
    {0x10, "LOAD_CONST_STRING", "q"}, {0x11, "LOAD_NAME", "q"}, {0x12, "LOAD_GLOBAL", "q"},
    {0x13, "LOAD_ATTR", "q"}, {0x14, "LOAD_METHOD", "q"}, {0x15, "LOAD_SUPER_METHOD", "q"},
    {0x16, "STORE_NAME", "q"}, {0x17, "STORE_GLOBAL", "q"}, {0x18, "STORE_ATTR", "q"},
    {0x19, "DELETE_NAME", "q"}, {0x1a, "DELETE_GLOBAL", "q"}, {0x1b, "IMPORT_NAME", "q"},
    {0x1c, "IMPORT_FROM", "q"},
    {0x20, "MAKE_CLOSURE", "ux"}, {0x21, "MAKE_CLOSURE_DEFARGS", "ux"},
    {0x22, "LOAD_CONST_SMALL_INT", "s"}, {0x23, "LOAD_CONST_OBJ", "u"},
    {0x24, "LOAD_FAST_N", "u"}, {0x25, "LOAD_DEREF", "u"}, {0x26, "STORE_FAST_N", "u"},
    {0x27, "STORE_DEREF", "u"}, {0x28, "DELETE_FAST", "u"}, {0x29, "DELETE_DEREF", "u"},
    {0x2a, "BUILD_TUPLE", "u"}, {0x2b, "BUILD_LIST", "u"}, {0x2c, "BUILD_MAP", "u"},
    {0x2d, "BUILD_SET", "u"}, {0x2e, "BUILD_SLICE", "u"}, {0x2f, "STORE_COMP", "u"},
    {0x30, "UNPACK_SEQUENCE", "u"}, {0x31, "UNPACK_EX", "u"}, {0x32, "MAKE_FUNCTION", "u"},
    {0x33, "MAKE_FUNCTION_DEFARGS", "u"}, {0x34, "CALL_FUNCTION", "u"},
    {0x35, "CALL_FUNCTION_VAR_KW", "u"}, {0x36, "CALL_METHOD", "u"},
    {0x37, "CALL_METHOD_VAR_KW", "u"},
    {0x40, "UNWIND_JUMP", "jx"}, {0x42, "JUMP", "j"}, {0x43, "POP_JUMP_IF_TRUE", "j"},
    {0x44, "POP_JUMP_IF_FALSE", "j"}, {0x45, "JUMP_IF_TRUE_OR_POP", "j"},
    {0x46, "JUMP_IF_FALSE_OR_POP", "j"}, {0x47, "SETUP_WITH", "j"},
    {0x48, "SETUP_EXCEPT", "j"}, {0x49, "SETUP_FINALLY", "j"}, {0x4a, "POP_EXCEPT_JUMP", "j"},
    {0x4b, "FOR_ITER", "j"},
    {0x50, "LOAD_CONST_FALSE", ""}, {0x51, "LOAD_CONST_NONE", ""}, {0x52, "LOAD_CONST_TRUE", ""},
    {0x53, "LOAD_NULL", ""}, {0x54, "LOAD_BUILD_CLASS", ""}, {0x55, "LOAD_SUBSCR", ""},
    {0x56, "STORE_SUBSCR", ""}, {0x57, "DUP_TOP", ""}, {0x58, "DUP_TOP_TWO", ""},
    {0x59, "POP_TOP", ""}, {0x5a, "ROT_TWO", ""}, {0x5b, "ROT_THREE", ""},
    {0x5c, "WITH_CLEANUP", ""}, {0x5d, "END_FINALLY", ""}, {0x5e, "GET_ITER", ""},
    {0x5f, "GET_ITER_STACK", ""},
    {0x62, "STORE_MAP", ""}, {0x63, "RETURN_VALUE", ""}, {0x64, "RAISE_LAST", ""},
    {0x65, "RAISE_OBJ", ""}, {0x66, "RAISE_FROM", ""}, {0x67, "YIELD_VALUE", ""},
    {0x68, "YIELD_FROM", ""}, {0x69, "IMPORT_STAR", ""},
};
#define NBC0 (sizeof BC0 / sizeof BC0[0])

/* The name bc0.h gives op (the MULTI ranges included), or NULL. */
static const char *want_name(unsigned op, const char **args)
{
    *args = "";
    for (size_t i = 0; i < NBC0; i++) {
        if (BC0[i].op == op) {
            *args = BC0[i].args;
            return BC0[i].name;
        }
    }
    if (op >= 0x70 && op < 0xb0) {
        return "LOAD_CONST_SMALL_INT";
    }
    if (op >= 0xb0 && op < 0xc0) {
        return "LOAD_FAST";
    }
    if (op >= 0xc0 && op < 0xd0) {
        return "STORE_FAST";
    }
    if (op >= 0xd0 && op < 0xd4) {
        return "UNARY_OP";
    }
    if (op >= 0xd7 && op <= 0xf9) {
        return "BINARY_OP";
    }
    return NULL;
}

TEST(every_opcode)
{
    for (unsigned op = 0; op < 256; op++) {
        const char *args;
        const char *name = want_name(op, &args);
        uint8_t code[4] = {(uint8_t)op, 0x45, 0x07, 0x00};
        struct bc_insn in;
        struct rc_msg m;
        int rc = bc_insn_decode(BC_FMT_V6, code, sizeof code, 0, 0, &in, &m);
        if (name == NULL) {
            CHECK(rc == RC_PARSE && strstr(m.text, "unknown opcode") != NULL);
            CHECK(bc_op_name(BC_FMT_V6, (uint8_t)op) == NULL);
            continue;
        }
        CHECK_EQ_INT(rc, RC_OK);
        CHECK_STR(in.name, name);
        CHECK_STR(bc_op_name(BC_FMT_V6, (uint8_t)op), name);
        size_t len = 1 + strlen(args);
        CHECK_EQ_INT(in.len, len);
        CHECK_EQ_INT(in.has_extra, strchr(args, 'x') != NULL);
        if (strchr(args, 'x') != NULL) {
            CHECK_EQ_INT(in.extra, 0x07);
        }
        if (args[0] == 'q' || args[0] == 'u') {
            CHECK_EQ_INT(in.arg, 0x45);
        } else if (args[0] == 's') {
            CHECK_EQ_INT(in.arg, 0x45 - 0x80); /* bit 6 set: negative */
        } else if (args[0] == 'j') {
            int sgn = op == 0x40 || op == 0x42 || op == 0x43 || op == 0x44;
            CHECK_EQ_INT(in.arg, sgn ? 0x45 - 0x40 : 0x45);
            CHECK_EQ_INT(in.target, 2 + (sgn ? 5 : 0x45));
            CHECK_EQ_INT(in.argk, BC_A_JUMP);
        } else if (op >= 0x70 && op < 0xb0) {
            CHECK_EQ_INT(in.arg, (int)op - 0x70 - 16);
        } else if (op >= 0xb0 && op < 0xd0) {
            CHECK_EQ_INT(in.arg, op & 15);
        } else if (op >= 0xd0 && op < 0xd4) {
            CHECK_EQ_INT(in.arg, op - 0xd0);
            CHECK(in.opname != NULL);
        } else if (op >= 0xd7) {
            CHECK_EQ_INT(in.arg, op - 0xd7);
            CHECK(in.opname != NULL);
        } else {
            CHECK_EQ_INT(in.argk, BC_A_NONE);
        }
    }
    /* The operator names of py/runtime0.h's bytecode operators. */
    struct bc_insn in;
    struct rc_msg m;
    uint8_t add = 0xd7 + 27, not = 0xd3, pw = 0xf9;
    CHECK(bc_insn_decode(BC_FMT_V6, &add, 1, 0, 0, &in, &m) == RC_OK &&
          strcmp(in.opname, "__add__") == 0);
    CHECK(bc_insn_decode(BC_FMT_V6, &not, 1, 0, 0, &in, &m) == RC_OK &&
          strcmp(in.opname, "<not>") == 0);
    CHECK(bc_insn_decode(BC_FMT_V6, &pw, 1, 0, 0, &in, &m) == RC_OK &&
          strcmp(in.opname, "__pow__") == 0);
}

TEST(long_arguments)
{
    struct bc_insn in;
    struct rc_msg m;
    /* var-uint of two bytes: 0x81 0x09 = 1 << 7 | 9 */
    uint8_t q[] = {0x12, 0x81, 0x09};
    CHECK(bc_insn_decode(BC_FMT_V6, q, 3, 0, 0, &in, &m) == RC_OK);
    CHECK_EQ_INT(in.arg, 137);
    CHECK_EQ_INT(in.len, 3);
    /* CALL_FUNCTION 0x82 0x01: n_args 1, n_kw 1 */
    uint8_t call[] = {0x34, 0x82, 0x01};
    CHECK(bc_insn_decode(BC_FMT_V6, call, 3, 0, 0, &in, &m) == RC_OK);
    CHECK_EQ_INT(in.arg, 0x101);
    CHECK_EQ_INT(in.argk, BC_A_CALL);
    /* signed small ints: -1, 64 (0x80 0x40), -65 (0xff 0x3f) */
    uint8_t s1[] = {0x22, 0x7f}, s2[] = {0x22, 0x80, 0x40}, s3[] = {0x22, 0xff, 0x3f};
    CHECK(bc_insn_decode(BC_FMT_V6, s1, 2, 0, 0, &in, &m) == RC_OK && in.arg == -1);
    CHECK(bc_insn_decode(BC_FMT_V6, s2, 3, 0, 0, &in, &m) == RC_OK && in.arg == 64);
    CHECK(bc_insn_decode(BC_FMT_V6, s3, 3, 0, 0, &in, &m) == RC_OK && in.arg == -65);
    /* two-byte jumps: 0x80 0x80 is 0x4000, signed 0; 0x85 0x02 is 0x105 */
    uint8_t j1[] = {0x42, 0x80, 0x80}, j2[] = {0x4b, 0x85, 0x02};
    CHECK(bc_insn_decode(BC_FMT_V6, j1, 3, 0, 0, &in, &m) == RC_OK && in.arg == 0 &&
          in.target == 3);
    CHECK(bc_insn_decode(BC_FMT_V6, j2, 3, 0, 0, &in, &m) == RC_OK && in.arg == 0x105 &&
          in.target == 3 + 0x105);
    /* backwards: JUMP 0x35 at 10 goes to 10 + 2 - 11 = 1 */
    uint8_t back[12] = {0};
    back[10] = 0x42;
    back[11] = 0x35;
    CHECK(bc_insn_decode(BC_FMT_V6, back, 12, 10, 0, &in, &m) == RC_OK && in.target == 1);
    /* UNWIND_JUMP: offset then the count byte (0x80: the for-iterator too) */
    uint8_t uw[] = {0x40, 0x41, 0x82};
    CHECK(bc_insn_decode(BC_FMT_V6, uw, 3, 0, 0, &in, &m) == RC_OK && in.target == 3 &&
          in.extra == 0x82 && in.len == 3);
}

TEST(cut_short)
{
    struct bc_insn in;
    struct rc_msg m;
    uint8_t a[] = {0x12, 0x81};       /* var-uint runs off the end */
    uint8_t b[] = {0x42, 0x80};       /* two-byte offset cut */
    uint8_t c[] = {0x20, 0x01};       /* MAKE_CLOSURE without its extra byte */
    uint8_t d[] = {0x23, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01}; /* 6 bytes */
    CHECK(bc_insn_decode(BC_FMT_V6, a, 2, 0, 0, &in, &m) == RC_PARSE &&
          strstr(m.text, "cut short") != NULL);
    CHECK(bc_insn_decode(BC_FMT_V6, b, 2, 0, 0, &in, &m) == RC_PARSE);
    CHECK(bc_insn_decode(BC_FMT_V6, c, 2, 0, 0, &in, &m) == RC_PARSE);
    CHECK(bc_insn_decode(BC_FMT_V6, d, 7, 0, 0, &in, &m) == RC_PARSE &&
          strstr(m.text, "longer than 5") != NULL);
    CHECK(bc_insn_decode(BC_FMT_V6, a, 2, 2, 0, &in, &m) == RC_PARSE);
    CHECK(bc_insn_decode(9, a, 2, 0, 0, &in, &m) == RC_PARSE &&
          strstr(m.text, "format 9 is not known") != NULL);
}

TEST(prelude)
{
    /* n_state 10 (S=9), n_exc_stack 1, n_pos_args 2, then xFSSKAED:
     * scope_flags 1, n_kwonly 1, n_def_pos 1; size: n_info 5, n_cell 1;
     * names 0 (simple), 1, 2, 3; line info 1 byte; cell 0. */
    uint8_t b[] = {0x80 | 9 << 3 | 1 << 2 | 2, 0x40 | 0x08 | 0x01, 5 << 1 | 1,
                   0, 1, 2, 3, 0x43, 0, 0x63};
    struct bc_prelude p;
    struct rc_msg m;
    CHECK_EQ_INT(bc_prelude_decode(b, sizeof b, &p, &m), RC_OK);
    CHECK_EQ_INT(p.n_state, 10);
    CHECK_EQ_INT(p.n_exc_stack, 1);
    CHECK_EQ_INT(p.scope_flags, 1);
    CHECK_EQ_INT(p.n_pos_args, 2);
    CHECK_EQ_INT(p.n_kwonly_args, 1);
    CHECK_EQ_INT(p.n_def_pos_args, 1);
    CHECK_EQ_INT(p.n_info, 5);
    CHECK_EQ_INT(p.n_cell, 1);
    CHECK_EQ_INT(p.nnames, 4);
    CHECK_EQ_INT(p.names[3], 3);
    CHECK_EQ_INT(p.lines_at, 7);
    CHECK_EQ_INT(p.closure_at, 8);
    CHECK_EQ_INT(p.code_at, 9);
    /* sizes past the end, names past the info, a signature that never ends */
    uint8_t big[] = {0x00, 60 << 1};
    CHECK(bc_prelude_decode(big, sizeof big, &p, &m) == RC_PARSE &&
          strstr(m.text, "past the function") != NULL);
    uint8_t names[] = {0x03, 1 << 1, 0, 0};
    CHECK(bc_prelude_decode(names, sizeof names, &p, &m) == RC_PARSE &&
          strstr(m.text, "argument names") != NULL);
    uint8_t sig[] = {0x80, 0x80, 0x80};
    CHECK(bc_prelude_decode(sig, sizeof sig, &p, &m) == RC_PARSE);
    CHECK(bc_prelude_decode(sig, 0, &p, &m) == RC_PARSE);
}

TEST(line_table)
{
    /* 0b0LLBBBBB: +3 bytes +2 lines; 0b1LLLBBBB LLLLLLLL (0x91 0x05): +1 byte +261
     * lines; then +0 bytes +1 line (same offset: the later line wins). */
    uint8_t li[] = {0x43, 0x91, 0x05, 0x20};
    struct bc_line *l;
    size_t n;
    CHECK_EQ_INT(bc_lines_decode(li, sizeof li, 10, &l, &n), RC_OK);
    CHECK_EQ_INT(n, 3);
    CHECK(l[0].off == 10 && l[0].line == 1);
    CHECK(l[1].off == 13 && l[1].line == 3);
    CHECK(l[2].off == 14 && l[2].line == 265);
    CHECK_EQ_INT(bc_line_at(l, n, 12), 1);
    CHECK_EQ_INT(bc_line_at(l, n, 13), 3);
    CHECK_EQ_INT(bc_line_at(l, n, 100), 265);
    free(l);
    /* a two-byte entry cut by the end is left out */
    uint8_t cut[] = {0x81};
    CHECK_EQ_INT(bc_lines_decode(cut, 1, 0, &l, &n), RC_OK);
    CHECK_EQ_INT(n, 1);
    free(l);
}

/* --- a whole module in memory ------------------------------------------ */

#define BASE 0x1000u
static uint8_t g_mem[0x600];

static int mem_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                    struct rc_msg *msg)
{
    (void)ctx;
    if (addr < BASE || (uint64_t)addr - BASE + len > sizeof g_mem) {
        return rc_set(msg, RC_NOTFOUND, "no memory at 0x%08x", addr);
    }
    memcpy(out, g_mem + (addr - BASE), len);
    return RC_OK;
}

static uint32_t g_lens[4][2];

static uint32_t mem_len(void *ctx, uint32_t addr, int *exact)
{
    (void)ctx;
    *exact = 1;
    for (size_t i = 0; i < 4; i++) {
        if (g_lens[i][0] == addr) {
            return g_lens[i][1];
        }
    }
    return 0;
}

static int nm_qstr(void *ctx, uint32_t q, char *buf, size_t size)
{
    (void)ctx;
    if (q == 1000) {
        snprintf(buf, size, "mod.py");
    } else if (q == 1001) {
        snprintf(buf, size, "<module>");
    } else if (q == 1002) {
        snprintf(buf, size, "it's");
    } else {
        snprintf(buf, size, "name%u", q);
    }
    return q != 1009;
}

static int nm_obj(void *ctx, uint32_t w, char **text)
{
    (void)ctx;
    char t[40];
    snprintf(t, sizeof t, "%s%u", w & 1 ? "" : "bad object ", w >> 1);
    *text = strdup(t);
    return w & 1;
}

static void put32(uint32_t addr, uint32_t v)
{
    uint8_t *p = g_mem + (addr - BASE);
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Lay out: raw code 0x1000 -> fun_data 0x1100 (every opcode), children
 * 0x1080 -> [0x1400 (a child's bytecode itself)], qstr table 0x1500,
 * object table 0x1580.  Returns the module's fun_data length. */
static uint32_t build_module(void)
{
    memset(g_mem, 0, sizeof g_mem);
    put32(0x1000, 0x00020000u); /* 00 00, kind 2, not a generator */
    put32(0x1004, 0x1100);
    put32(0x1008, 0x1080);
    put32(0x1080, 0x1400);
    put32(0x1084, 0x1400);
    for (uint32_t i = 0; i < 12; i++) {
        g_mem[0x1500 - BASE + 2 * i] = (uint8_t)((1000 + i) & 0xff);
        g_mem[0x1500 - BASE + 2 * i + 1] = (uint8_t)((1000 + i) >> 8);
    }
    put32(0x1580, 5);           /* small int 2 */
    put32(0x1584, 0x2000);      /* not decodable */
    /* Module: n_state 4, no args; names: simple name [1]; line info:
     * +0 bytes line 3, then every 8 bytes one line more. */
    uint8_t *p = g_mem + (0x1100 - BASE);
    size_t n = 0;
    p[n++] = 3 << 3;            /* S = 3 */
    size_t size_at = n++;
    p[n++] = 1;                 /* simple name: qstr table [1] */
    p[n++] = 0x40;              /* +0 bytes, +2 lines */
    for (int k = 0; k < 60; k++) {
        p[n++] = 0x28;          /* +8 bytes, +1 line */
    }
    p[size_at] = (uint8_t)((n - size_at - 1) << 1);
    for (unsigned op = 0; op < 256; op++) {
        const char *args;
        if (want_name(op, &args) == NULL) {
            continue;
        }
        p[n++] = (uint8_t)op;
        for (const char *a = args; *a; a++) {
            if (*a == 'q') {
                p[n++] = (uint8_t)(op & 3); /* qstr table [0..3] */
            } else if (*a == 's') {
                p[n++] = 0x7e;              /* -2 */
            } else if (*a == 'u') {
                /* MAKE_*: child 0 or 1; LOAD_CONST_OBJ: obj 0; else op & 7 */
                p[n++] = (uint8_t)(op == 0x23 ? 0 : (op >= 0x20 && op <= 0x21) ||
                                   (op >= 0x32 && op <= 0x33) ? op & 1 : op & 7);
            } else if (*a == 'j') {
                /* to the next instruction (UNWIND_JUMP: past its count) */
                int sgn = op == 0x40 || op == 0x42 || op == 0x43 || op == 0x44;
                p[n++] = (uint8_t)((op == 0x40 ? 1 : 0) + (sgn ? 0x40 : 0));
            } else if (*a == 'x') {
                p[n++] = op == 0x40 ? 0x81 : 2;
            }
        }
    }
    p[n++] = 0x23;                  /* LOAD_CONST_OBJ 1: not decodable */
    p[n++] = 1;
    p[n++] = 0x23;                  /* LOAD_CONST_OBJ 9: past the table */
    p[n++] = 9;
    p[n++] = 0x11;                  /* LOAD_NAME [9]: a qstr with no text */
    p[n++] = 9;
    p[n++] = 0x42;                  /* JUMP back to the start */
    p[n++] = (uint8_t)(0x40 - 2);
    /* Child at 0x1400: def f(x, *, y): return x; cell 0 */
    uint8_t *c = g_mem + (0x1400 - BASE);
    size_t k = 0;
    c[k++] = 0x80 | 2 << 3 | 1;     /* n_state 3, 1 positional */
    c[k++] = 0x08;                  /* 1 keyword-only */
    c[k++] = 4 << 1 | 1;            /* n_info 4, n_cell 1 */
    c[k++] = 2;                     /* simple name [2] */
    c[k++] = 4;
    c[k++] = 5;
    c[k++] = 0x21;                  /* +1 byte, +1 line */
    c[k++] = 0;                     /* cell: local 0 */
    c[k++] = 0xb0;                  /* LOAD_FAST 0 */
    c[k++] = 0x63;                  /* RETURN_VALUE */
    g_lens[0][0] = 0x1100;
    g_lens[0][1] = (uint32_t)n;
    g_lens[1][0] = 0x1400;
    g_lens[1][1] = (uint32_t)k;
    return (uint32_t)n;
}

static int load_module(struct bc_prog *prog, struct rc_msg *m)
{
    static struct frozen_mem mem = {mem_read, NULL};
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = BC_FMT_V6;
    src.proto_fun = 1;
    src.qstr_table = 0x1500;
    src.nqstr = 12;
    src.obj_table = 0x1580;
    src.nobj = 2;
    src.len_of = mem_len;
    return bc_load_proto(&src, 0x1000, prog, m);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *b = malloc(1 << 20);
    *len = b ? fread(b, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (b) {
        b[*len] = 0;
    }
    return b;
}

TEST(every_opcode_listing)
{
    build_module();
    struct bc_prog prog;
    struct rc_msg m;
    CHECK_EQ_INT(load_module(&prog, &m), RC_OK);
    CHECK_EQ_INT(prog.n, 2);
    if (prog.n < 1) {
        return;
    }
    CHECK_EQ_INT(prog.f[0].err[0], 0);
    CHECK_EQ_INT(prog.f[1].parent, 0);
    CHECK_STR(prog.f[0].err, "");
    struct bc_names nm = {nm_qstr, nm_obj, NULL};
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(bc_fmt_text(&prog, &nm, &b), RC_OK);
    const char *path = "tests/data/bc_v6_every_op.dis";
    if (getenv("MPEEK_WRITE_GOLDEN") != NULL) {
        FILE *f = fopen(path, "wb");
        if (f != NULL) {
            fwrite(buf_str(&b), 1, b.len, f);
            fclose(f);
        }
    }
    size_t len;
    char *want = slurp(path, &len);
    CHECK(want != NULL);
    if (want != NULL) {
        CHECK(len == b.len && memcmp(want, buf_str(&b), len) == 0);
        if (len != b.len || memcmp(want, buf_str(&b), len) != 0) {
            fprintf(stderr, "listing differs from %s; got:\n%s", path, buf_str(&b));
        }
    }
    free(want);
    buf_clear(&b);
    CHECK_EQ_INT(bc_fmt_json(&prog, &nm, &b), RC_OK);
    CHECK(strstr(buf_str(&b), "\"op\": \"UNWIND_JUMP\"") != NULL);
    buf_fini(&b);
    bc_prog_free(&prog);
}

TEST(broken_module)
{
    struct bc_prog prog;
    struct rc_msg m;
    uint32_t n = build_module();
    /* An unknown opcode part way: decoded up to it, then said. */
    g_mem[0x1100 - BASE + n - 8] = 0x6a;
    CHECK_EQ_INT(load_module(&prog, &m), RC_OK);
    CHECK(prog.n >= 1 && strstr(prog.f[0].err, "unknown opcode 0x6a") != NULL &&
          strstr(prog.f[0].err, "the last 8 bytes") != NULL);
    bc_prog_free(&prog);
    /* A prelude that claims more than the function holds. */
    build_module();
    g_mem[0x1400 - BASE + 2] = 60 << 1;
    CHECK_EQ_INT(load_module(&prog, &m), RC_OK);
    CHECK(prog.n == 2 && strstr(prog.f[1].err, "prelude does not decode") != NULL);
    bc_prog_free(&prog);
    /* A child table pointing at itself (a cycle) and outside memory. */
    build_module();
    put32(0x1080, 0x1000);
    put32(0x1084, 0x9000);
    CHECK_EQ_INT(load_module(&prog, &m), RC_OK);
    CHECK_EQ_INT(prog.n, 1);
    bc_prog_free(&prog);
    /* A raw code outside memory. */
    static struct frozen_mem mem = {mem_read, NULL};
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = BC_FMT_V6;
    src.proto_fun = 1;
    CHECK(bc_load_proto(&src, 0x9000, &prog, &m) == RC_NOTFOUND &&
          strstr(m.text, "0x00009000") != NULL);
    src.fmt = 7;
    CHECK(bc_load_proto(&src, 0x1000, &prog, &m) == RC_UNSUPP);
}


/* py/bc0.h of v1.9..v1.11, as (value, name, what follows): q qstr, s
 * signed var-int, u var-uint, o object, p raw code, J signed 16-bit
 * offset, j unsigned, B a byte, x an extra byte. */
static const struct {
    unsigned op;
    const char *name;
    const char *args;
} OLD0[] = {
    {0x10, "LOAD_CONST_FALSE", ""}, {0x11, "LOAD_CONST_NONE", ""}, {0x12, "LOAD_CONST_TRUE", ""},
    {0x14, "LOAD_CONST_SMALL_INT", "s"}, {0x16, "LOAD_CONST_STRING", "q"},
    {0x17, "LOAD_CONST_OBJ", "o"}, {0x18, "LOAD_NULL", ""}, {0x19, "LOAD_FAST_N", "u"},
    {0x1a, "LOAD_DEREF", "u"}, {0x1b, "LOAD_NAME", "q"}, {0x1c, "LOAD_GLOBAL", "q"},
    {0x1d, "LOAD_ATTR", "q"}, {0x1e, "LOAD_METHOD", "q"}, {0x1f, "LOAD_SUPER_METHOD", "q"},
    {0x20, "LOAD_BUILD_CLASS", ""}, {0x21, "LOAD_SUBSCR", ""}, {0x22, "STORE_FAST_N", "u"},
    {0x23, "STORE_DEREF", "u"}, {0x24, "STORE_NAME", "q"}, {0x25, "STORE_GLOBAL", "q"},
    {0x26, "STORE_ATTR", "q"}, {0x27, "STORE_SUBSCR", ""}, {0x28, "DELETE_FAST", "u"},
    {0x29, "DELETE_DEREF", "u"}, {0x2a, "DELETE_NAME", "q"}, {0x2b, "DELETE_GLOBAL", "q"},
    {0x30, "DUP_TOP", ""}, {0x31, "DUP_TOP_TWO", ""}, {0x32, "POP_TOP", ""},
    {0x33, "ROT_TWO", ""}, {0x34, "ROT_THREE", ""}, {0x35, "JUMP", "J"},
    {0x36, "POP_JUMP_IF_TRUE", "J"}, {0x37, "POP_JUMP_IF_FALSE", "J"},
    {0x38, "JUMP_IF_TRUE_OR_POP", "J"}, {0x39, "JUMP_IF_FALSE_OR_POP", "J"},
    {0x3d, "SETUP_WITH", "j"}, {0x3e, "WITH_CLEANUP", ""}, {0x3f, "SETUP_EXCEPT", "j"},
    {0x40, "SETUP_FINALLY", "j"}, {0x41, "END_FINALLY", ""}, {0x42, "GET_ITER", ""},
    {0x43, "FOR_ITER", "j"}, {0x44, "POP_BLOCK", ""}, {0x45, "POP_EXCEPT", ""},
    {0x46, "UNWIND_JUMP", "Jx"}, {0x47, "GET_ITER_STACK", ""}, {0x50, "BUILD_TUPLE", "u"},
    {0x51, "BUILD_LIST", "u"}, {0x53, "BUILD_MAP", "u"}, {0x54, "STORE_MAP", ""},
    {0x56, "BUILD_SET", "u"}, {0x57, "STORE_COMP", "u"}, {0x58, "BUILD_SLICE", "u"},
    {0x59, "UNPACK_SEQUENCE", "u"}, {0x5a, "UNPACK_EX", "u"}, {0x5b, "RETURN_VALUE", ""},
    {0x5c, "RAISE_VARARGS", "B"}, {0x5d, "YIELD_VALUE", ""}, {0x5e, "YIELD_FROM", ""},
    {0x60, "MAKE_FUNCTION", "p"}, {0x61, "MAKE_FUNCTION_DEFARGS", "p"},
    {0x62, "MAKE_CLOSURE", "px"}, {0x63, "MAKE_CLOSURE_DEFARGS", "px"},
    {0x64, "CALL_FUNCTION", "u"}, {0x65, "CALL_FUNCTION_VAR_KW", "u"},
    {0x66, "CALL_METHOD", "u"}, {0x67, "CALL_METHOD_VAR_KW", "u"},
    {0x68, "IMPORT_NAME", "q"}, {0x69, "IMPORT_FROM", "q"}, {0x6a, "IMPORT_STAR", ""},
};

static const char *old_want(unsigned op, const char **args)
{
    *args = "";
    for (size_t i = 0; i < sizeof OLD0 / sizeof OLD0[0]; i++) {
        if (OLD0[i].op == op) {
            *args = OLD0[i].args;
            return OLD0[i].name;
        }
    }
    if (op >= 0x70 && op < 0xb0) {
        return "LOAD_CONST_SMALL_INT";
    }
    if (op >= 0xb0 && op < 0xc0) {
        return "LOAD_FAST";
    }
    if (op >= 0xc0 && op < 0xd0) {
        return "STORE_FAST";
    }
    if (op >= 0xd0 && op < 0xd7) {
        return "UNARY_OP";
    }
    if (op >= 0xd7 && op <= 0xfa) {
        return "BINARY_OP";
    }
    return NULL;
}

TEST(every_old_opcode)
{
    for (int pc = 0; pc < 2; pc++) {
        int fmt = pc ? BC_FMT_OLD_PC : BC_FMT_OLD;
        for (unsigned op = 0; op < 256; op++) {
            const char *args;
            const char *name = old_want(op, &args);
            /* at address 0x101: a pointer is aligned to 0x104 */
            uint8_t code[12] = {(uint8_t)op, 0x05, 0x80, 0x77, 0x66, 0x55, 0x44, 0x09};
            struct bc_insn in;
            struct rc_msg m;
            int rc = bc_insn_decode(fmt, code, sizeof code, 0, 0x101, &in, &m);
            if (name == NULL) {
                CHECK(rc == RC_PARSE && strstr(m.text, "unknown opcode") != NULL);
                continue;
            }
            CHECK_EQ_INT(rc, RC_OK);
            CHECK_STR(in.name, name);
            char a = args[0];
            size_t len = 1;
            if (a == 'q' && pc) {
                len = 3;
                CHECK_EQ_INT(in.arg, 0x8005);
            } else if (a == 'q' || a == 's' || a == 'u' || a == 'B' ||
                       ((a == 'o' || a == 'p') && pc)) {
                len = 2;
                CHECK_EQ_INT(in.arg, 5);
            } else if (a == 'o' || a == 'p') {
                len = 7; /* 2 bytes of padding to 0x104, then the word */
                CHECK_EQ_INT(in.value, 0x44556677);
                CHECK(in.have_value && in.arg == -1);
            } else if (a == 'J' || a == 'j') {
                len = 3;
                CHECK_EQ_INT(in.arg, a == 'J' ? 0x8005 - 0x8000 : 0x8005);
                CHECK_EQ_INT(in.target, 3 + in.arg);
            }
            if (strchr(args, 'x') != NULL) {
                CHECK(in.has_extra);
                len++;
            }
            CHECK_EQ_INT(in.len, len);
        }
    }
    uint8_t ops[] = {0xd6, 0xd7 + 33, 0xfa};
    const char *want[] = {"<not>", "<exception match>", "<is not>"};
    for (size_t i = 0; i < 3; i++) {
        struct bc_insn in;
        struct rc_msg m;
        CHECK(bc_insn_decode(BC_FMT_OLD, &ops[i], 1, 0, 0, &in, &m) == RC_OK &&
              strcmp(in.opname, want[i]) == 0);
    }
}

/* A v1.9 function as the micro:bit's 1.9.2 keeps it on the heap (no
 * persistent code): fun_data 0x1100, const_table 0x1200 (argument names as
 * qstr objects, repr A here), a child raw code 0x1300 with bytecode 0x1380. */
static int old_qstr_of_obj(void *ctx, uint32_t w, uint32_t *q)
{
    (void)ctx;
    if ((w & 3) != 2) {
        return 0;
    }
    *q = w >> 2;
    return 1;
}

TEST(old_listing)
{
    memset(g_mem, 0, sizeof g_mem);
    uint8_t *p = g_mem + (0x1100 - BASE);
    static const uint8_t fn[] = {
        5, 0,                   /* n_state 5, n_exc_stack 0 */
        0x00, 2, 0, 1,          /* scope_flags, 2 positional, 0 kw-only, 1 default */
        6, 0x81, 0x09, 7, 0x42, 0x00, /* code_info 6: name 137, file 7, +2 bytes +2 lines */
        0, 255,                 /* cell: local 0 */
        0x16, 0x81, 0x10,       /* LOAD_CONST_STRING 144 */
        0x17, 0, 0, 0x07, 0, 0, 0, /* LOAD_CONST_OBJ: padding, word 7 (small int 3) */
        0x62, 0, 0, 0, 0x00, 0x13, 0, 0, 2, /* MAKE_CLOSURE: padding, 0x1300, n_closed 2 */
        0x37, 0x02, 0x80,       /* POP_JUMP_IF_FALSE +2 */
        0x5c, 1,                /* RAISE_VARARGS 1 */
        0x11, 0x5b,             /* LOAD_CONST_NONE, RETURN_VALUE */
    };
    memcpy(p, fn, sizeof fn);
    put32(0x1200, 201 << 2 | 2); /* arg names: qstr 201, 202 */
    put32(0x1204, 202 << 2 | 2);
    put32(0x1300, 2);           /* kind bytecode */
    put32(0x1304, 0x1380);
    put32(0x1308, 0);
    static const uint8_t child[] = {1, 0, 0, 0, 0, 0, 3, 5, 7, 255, 0x5b};
    memcpy(g_mem + (0x1380 - BASE), child, sizeof child);
    g_lens[0][0] = 0x1100;
    g_lens[0][1] = sizeof fn;
    g_lens[1][0] = 0x1380;
    g_lens[1][1] = sizeof child;
    static struct frozen_mem mem = {mem_read, NULL};
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = BC_FMT_OLD;
    src.len_of = mem_len;
    src.qstr_of_obj = old_qstr_of_obj;
    struct bc_prog prog;
    struct rc_msg m;
    CHECK_EQ_INT(bc_load(&src, 0x1100, 0x1100, 0x1200, BC_KIND_BYTECODE, &prog, &m), RC_OK);
    CHECK_EQ_INT(prog.n, 2);
    struct bc_names nm = {nm_qstr, nm_obj, NULL};
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(bc_fmt_text(&prog, &nm, &b), RC_OK);
    const char *path = "tests/data/bc_old_listing.dis";
    if (getenv("MPEEK_WRITE_GOLDEN") != NULL) {
        FILE *f = fopen(path, "wb");
        if (f != NULL) {
            fwrite(buf_str(&b), 1, b.len, f);
            fclose(f);
        }
    }
    size_t len;
    char *want = slurp(path, &len);
    CHECK(want != NULL && len == b.len && memcmp(want, buf_str(&b), len) == 0);
    if (want == NULL || len != b.len || memcmp(want, buf_str(&b), len) != 0) {
        fprintf(stderr, "listing differs from %s; got:\n%s", path, buf_str(&b));
    }
    free(want);
    buf_fini(&b);
    bc_prog_free(&prog);
    /* The old prelude's own errors. */
    struct bc_prelude pr;
    uint8_t nocell[] = {1, 0, 0, 0, 0, 0, 3, 5, 7, 1, 2};
    CHECK(bc_prelude_decode_old(BC_FMT_OLD, nocell, sizeof nocell, &pr, &m) == RC_PARSE &&
          strstr(m.text, "255") != NULL);
    uint8_t many[] = {0x81, 4, 0, 0, 200, 200, 0, 3, 5, 7, 255};
    CHECK(bc_prelude_decode_old(BC_FMT_OLD, many, sizeof many, &pr, &m) == RC_PARSE &&
          strstr(m.text, "400 arguments") != NULL);
    uint8_t bigci[] = {1, 0, 0, 0, 0, 0, 90, 5, 7, 255};
    CHECK(bc_prelude_decode_old(BC_FMT_OLD, bigci, sizeof bigci, &pr, &m) == RC_PARSE);
    uint8_t pcnames[] = {1, 0, 0, 0, 0, 0, 5, 0x34, 0x12, 0x78, 0x56, 255};
    CHECK(bc_prelude_decode_old(BC_FMT_OLD_PC, pcnames, sizeof pcnames, &pr, &m) == RC_OK &&
          pr.names[0] == 0x1234 && pr.source_file == 0x5678 && pr.code_at == 12);
}

/* py/bc0.h of v1.12..v1.18 (.mpy version 5), as (value, name, what
 * follows): q qstr, s signed var-int, u var-uint, o object, p raw code, J
 * signed 16-bit offset (excess 0x8000), j unsigned one, x an extra byte. */
static const struct {
    unsigned op;
    const char *name;
    const char *args;
} V5OPS[] = {
    {0x10, "LOAD_CONST_STRING", "q"}, {0x11, "LOAD_NAME", "q"}, {0x12, "LOAD_GLOBAL", "q"},
    {0x13, "LOAD_ATTR", "q"}, {0x14, "LOAD_METHOD", "q"}, {0x15, "LOAD_SUPER_METHOD", "q"},
    {0x16, "STORE_NAME", "q"}, {0x17, "STORE_GLOBAL", "q"}, {0x18, "STORE_ATTR", "q"},
    {0x19, "DELETE_NAME", "q"}, {0x1a, "DELETE_GLOBAL", "q"}, {0x1b, "IMPORT_NAME", "q"},
    {0x1c, "IMPORT_FROM", "q"},
    {0x20, "MAKE_CLOSURE", "px"}, {0x21, "MAKE_CLOSURE_DEFARGS", "px"},
    {0x22, "LOAD_CONST_SMALL_INT", "s"}, {0x23, "LOAD_CONST_OBJ", "o"},
    {0x24, "LOAD_FAST_N", "u"}, {0x25, "LOAD_DEREF", "u"}, {0x26, "STORE_FAST_N", "u"},
    {0x27, "STORE_DEREF", "u"}, {0x28, "DELETE_FAST", "u"}, {0x29, "DELETE_DEREF", "u"},
    {0x2a, "BUILD_TUPLE", "u"}, {0x2b, "BUILD_LIST", "u"}, {0x2c, "BUILD_MAP", "u"},
    {0x2d, "BUILD_SET", "u"}, {0x2e, "BUILD_SLICE", "u"}, {0x2f, "STORE_COMP", "u"},
    {0x30, "UNPACK_SEQUENCE", "u"}, {0x31, "UNPACK_EX", "u"}, {0x32, "MAKE_FUNCTION", "p"},
    {0x33, "MAKE_FUNCTION_DEFARGS", "p"}, {0x34, "CALL_FUNCTION", "u"},
    {0x35, "CALL_FUNCTION_VAR_KW", "u"}, {0x36, "CALL_METHOD", "u"},
    {0x37, "CALL_METHOD_VAR_KW", "u"},
    {0x40, "UNWIND_JUMP", "Jx"}, {0x42, "JUMP", "J"}, {0x43, "POP_JUMP_IF_TRUE", "J"},
    {0x44, "POP_JUMP_IF_FALSE", "J"}, {0x45, "JUMP_IF_TRUE_OR_POP", "J"},
    {0x46, "JUMP_IF_FALSE_OR_POP", "J"}, {0x47, "SETUP_WITH", "j"},
    {0x48, "SETUP_EXCEPT", "j"}, {0x49, "SETUP_FINALLY", "j"}, {0x4a, "POP_EXCEPT_JUMP", "j"},
    {0x4b, "FOR_ITER", "j"},
    {0x50, "LOAD_CONST_FALSE", ""}, {0x51, "LOAD_CONST_NONE", ""}, {0x52, "LOAD_CONST_TRUE", ""},
    {0x53, "LOAD_NULL", ""}, {0x54, "LOAD_BUILD_CLASS", ""}, {0x55, "LOAD_SUBSCR", ""},
    {0x56, "STORE_SUBSCR", ""}, {0x57, "DUP_TOP", ""}, {0x58, "DUP_TOP_TWO", ""},
    {0x59, "POP_TOP", ""}, {0x5a, "ROT_TWO", ""}, {0x5b, "ROT_THREE", ""},
    {0x5c, "WITH_CLEANUP", ""}, {0x5d, "END_FINALLY", ""}, {0x5e, "GET_ITER", ""},
    {0x5f, "GET_ITER_STACK", ""},
    {0x62, "STORE_MAP", ""}, {0x63, "RETURN_VALUE", ""}, {0x64, "RAISE_LAST", ""},
    {0x65, "RAISE_OBJ", ""}, {0x66, "RAISE_FROM", ""}, {0x67, "YIELD_VALUE", ""},
    {0x68, "YIELD_FROM", ""}, {0x69, "IMPORT_STAR", ""},
};

static const char *v5_want(unsigned op, const char **args)
{
    *args = "";
    for (size_t i = 0; i < sizeof V5OPS / sizeof V5OPS[0]; i++) {
        if (V5OPS[i].op == op) {
            *args = V5OPS[i].args;
            return V5OPS[i].name;
        }
    }
    if (op >= 0x70 && op < 0xb0) {
        return "LOAD_CONST_SMALL_INT";
    }
    if (op >= 0xb0 && op < 0xc0) {
        return "LOAD_FAST";
    }
    if (op >= 0xc0 && op < 0xd0) {
        return "STORE_FAST";
    }
    if (op >= 0xd0 && op < 0xd4) {
        return "UNARY_OP";
    }
    if (op >= 0xd7 && op < 0xd7 + 35) {
        return "BINARY_OP";
    }
    return NULL;
}

TEST(every_v5_opcode)
{
    for (int pc = 0; pc < 2; pc++) {
        int fmt = pc ? BC_FMT_V5_PC : BC_FMT_V5;
        for (unsigned op = 0; op < 256; op++) {
            const char *args;
            const char *name = v5_want(op, &args);
            /* at address 0x101: a word is aligned to 0x104 */
            uint8_t code[12] = {(uint8_t)op, 0x05, 0x80, 0x77, 0x66, 0x55, 0x44, 0x09};
            struct bc_insn in;
            struct rc_msg m;
            int rc = bc_insn_decode(fmt, code, sizeof code, 0, 0x101, &in, &m);
            if (name == NULL) {
                CHECK(rc == RC_PARSE && strstr(m.text, "unknown opcode") != NULL);
                CHECK(bc_op_name(fmt, (uint8_t)op) == NULL);
                continue;
            }
            CHECK_EQ_INT(rc, RC_OK);
            CHECK_STR(in.name, name);
            char a = args[0];
            size_t len = 1;
            if (a == 'q') {
                len = pc ? 3 : 2;
                CHECK_EQ_INT(in.arg, pc ? 0x8005 : 5);
                CHECK(in.argk == BC_A_QSTR && in.have_value && in.value == in.arg);
            } else if (a == 's' || a == 'u' || ((a == 'o' || a == 'p') && pc)) {
                len = 2;
                CHECK_EQ_INT(in.arg, 5);
            } else if (a == 'o' || a == 'p') {
                len = 7; /* 2 bytes of padding to 0x104, then the word */
                CHECK_EQ_INT(in.value, 0x44556677);
                CHECK(in.have_value && in.arg == -1);
            } else if (a == 'J' || a == 'j') {
                len = 3;
                CHECK_EQ_INT(in.arg, a == 'J' ? 0x8005 - 0x8000 : 0x8005);
                CHECK_EQ_INT(in.target, 3 + in.arg);
                CHECK_EQ_INT(in.argk, BC_A_JUMP);
            }
            if (a == 'o') {
                CHECK_EQ_INT(in.argk, BC_A_OBJ);
            } else if (a == 'p') {
                CHECK_EQ_INT(in.argk, BC_A_CHILD);
            }
            if (strchr(args, 'x') != NULL) {
                CHECK(in.has_extra && in.extra == code[len]);
                len++;
            }
            CHECK_EQ_INT(in.len, len);
            /* cut one byte short: said, not read past */
            if (len > 1) {
                CHECK(bc_insn_decode(fmt, code, len - 1, 0, 0x101, &in, &m) == RC_PARSE &&
                      strstr(m.text, "cut short") != NULL);
            }
        }
    }
    uint8_t ops[] = {0xd3, 0xd7 + 8, 0xd7 + 17, 0xd7 + 34};
    const char *want[] = {"<not>", "<exception match>", "__imatmul__", "__pow__"};
    for (size_t i = 0; i < 4; i++) {
        struct bc_insn in;
        struct rc_msg m;
        CHECK(bc_insn_decode(BC_FMT_V5, &ops[i], 1, 0, 0, &in, &m) == RC_OK &&
              strcmp(in.opname, want[i]) == 0);
    }
}

/* Every v1.12-v1.18 opcode in one function on a heap, reached as @EXPR
 * finds it: a closure 0x1010 (type 0x1030) over the function object 0x1000
 * (mp_obj_fun_bc_t: type 0x1020, globals 0x1040, bytecode 0x1100,
 * const_table 0x1080: argument names qstr 1010, 1011, the object small int
 * 3, the raw code 0x1300 of a child whose bytecode is at 0x1380). */
static uint32_t build_v5(int pc)
{
    memset(g_mem, 0, sizeof g_mem);
    put32(0x1000, 0x1020);
    put32(0x1004, 0x1040);
    put32(0x1008, 0x1100);
    put32(0x100c, 0x1080);
    put32(0x1010, 0x1030);
    put32(0x1014, 0x1000);
    put32(0x1018, 1);
    put32(0x1080, 1010 << 2 | 2);
    put32(0x1084, 1011 << 2 | 2);
    put32(0x1088, 7);
    put32(0x108c, 0x1300);
    put32(0x1300, 2);           /* kind bytecode */
    put32(0x1304, 0x1380);
    put32(0x1308, 0);
    uint8_t *p = g_mem + (0x1100 - BASE);
    size_t n = 0;
    p[n++] = 0x80 | 3 << 3 | 2; /* n_state 4, 2 positional */
    p[n++] = 0x01;              /* 1 default */
    size_t size_at = n++;
    size_t info = n;
    if (pc) {
        p[n++] = 1001 & 0xff;   /* simple name, source file: 2 bytes each */
        p[n++] = 1001 >> 8;
        p[n++] = 1000 & 0xff;
        p[n++] = 1000 >> 8;
    } else {
        p[n++] = 0x87;          /* var-uints 1001, 1000 */
        p[n++] = 0x69;
        p[n++] = 0x87;
        p[n++] = 0x68;
    }
    p[n++] = 0x40;              /* +0 bytes, +2 lines */
    for (int k = 0; k < 10; k++) {
        p[n++] = 0x28;          /* +8 bytes, +1 line */
    }
    p[n++] = 0;                 /* the end of the line info */
    p[size_at] = (uint8_t)((n - info) << 1 | 1); /* n_cell 1 */
    p[n++] = 0;                 /* cell: local 0 */
    if (!pc) {
        n = (n + 3) & ~(size_t)3; /* the opcodes start word-aligned */
    }
    size_t code_at = n;
    for (unsigned op = 0; op < 256; op++) {
        const char *args;
        if (v5_want(op, &args) == NULL) {
            continue;
        }
        p[n++] = (uint8_t)op;
        for (const char *a = args; *a; a++) {
            if (*a == 'q') {
                uint32_t q = 1000 + (op & 3);
                if (pc) {
                    p[n++] = (uint8_t)q;
                    p[n++] = (uint8_t)(q >> 8);
                } else {
                    p[n++] = (uint8_t)(0x80 | q >> 7);
                    p[n++] = (uint8_t)(q & 0x7f);
                }
            } else if (*a == 's') {
                p[n++] = 0x7e;      /* -2 */
            } else if (*a == 'u') {
                p[n++] = (uint8_t)(op & 7);
            } else if (*a == 'o' || *a == 'p') {
                if (pc) {
                    p[n++] = *a == 'o' ? 2 : 3; /* const_table index */
                } else {
                    while ((0x1100 + n) & 3) {
                        p[n++] = 0;
                    }
                    put32((uint32_t)(0x1100 + n), *a == 'o' ? 7 : 0x1300);
                    n += 4;
                }
            } else if (*a == 'J' || *a == 'j') {
                /* to the next instruction (UNWIND_JUMP: past its count) */
                unsigned v = (op == 0x40 ? 1 : 0) + (*a == 'J' ? 0x8000 : 0);
                p[n++] = (uint8_t)v;
                p[n++] = (uint8_t)(v >> 8);
            } else if (*a == 'x') {
                p[n++] = op == 0x40 ? 0x81 : 2;
            }
        }
    }
    /* JUMP back to the first opcode */
    unsigned back = (unsigned)(0x8000 + code_at - (n + 3));
    p[n++] = 0x42;
    p[n++] = (uint8_t)back;
    p[n++] = (uint8_t)(back >> 8);
    uint8_t *c = g_mem + (0x1380 - BASE);
    size_t k = 0;
    c[k++] = 0;                 /* n_state 1 */
    c[k++] = (uint8_t)((pc ? 5 : 3) << 1);
    if (pc) {
        c[k++] = 5;
        c[k++] = 0;
        c[k++] = 7;
        c[k++] = 0;
    } else {
        c[k++] = 5;
        c[k++] = 7;
    }
    c[k++] = 0;
    if (!pc) {
        k = (k + 3) & ~(size_t)3;
    }
    c[k++] = 0x63;              /* RETURN_VALUE */
    g_lens[0][0] = 0x1100;
    g_lens[0][1] = (uint32_t)n;
    g_lens[1][0] = 0x1380;
    g_lens[1][1] = (uint32_t)k;
    return (uint32_t)n;
}

static void v5_golden(const struct bc_prog *prog, const char *path)
{
    struct bc_names nm = {nm_qstr, nm_obj, NULL};
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(bc_fmt_text(prog, &nm, &b), RC_OK);
    if (getenv("MPEEK_WRITE_GOLDEN") != NULL) {
        FILE *f = fopen(path, "wb");
        if (f != NULL) {
            fwrite(buf_str(&b), 1, b.len, f);
            fclose(f);
        }
    }
    size_t len;
    char *want = slurp(path, &len);
    CHECK(want != NULL && len == b.len && memcmp(want, buf_str(&b), len) == 0);
    if (want == NULL || len != b.len || memcmp(want, buf_str(&b), len) != 0) {
        fprintf(stderr, "listing differs from %s; got:\n%s", path, buf_str(&b));
    }
    free(want);
    buf_clear(&b);
    CHECK_EQ_INT(bc_fmt_json(prog, &nm, &b), RC_OK);
    CHECK(strstr(buf_str(&b), "\"format\": \"v5 (MicroPython 1.12-1.18)\"") != NULL &&
          strstr(buf_str(&b), "\"op\": \"POP_EXCEPT_JUMP\"") != NULL);
    buf_fini(&b);
}

TEST(v5_listing)
{
    static struct frozen_mem mem = {mem_read, NULL};
    for (int pc = 0; pc < 2; pc++) {
        build_v5(pc);
        uint32_t bytecode = 0, ct = 0;
        struct rc_msg m;
        /* @EXPR: the closure, followed to its function */
        CHECK_EQ_INT(bc_fun_object_v5(&mem, 0x1010, 0x1020, &bytecode, &ct, &m), RC_OK);
        CHECK(bytecode == 0x1100 && ct == 0x1080);
        struct bc_src src;
        memset(&src, 0, sizeof src);
        src.mem = &mem;
        src.fmt = pc ? BC_FMT_V5_PC : BC_FMT_V5;
        src.len_of = mem_len;
        src.qstr_of_obj = old_qstr_of_obj;
        struct bc_prog prog;
        CHECK_EQ_INT(bc_load(&src, bytecode, bytecode, ct, BC_KIND_BYTECODE, &prog, &m), RC_OK);
        CHECK_EQ_INT(prog.n, 2);
        if (prog.n == 2) {
            CHECK_STR(prog.f[0].err, "");
            CHECK_STR(prog.f[1].err, "");
            CHECK(prog.f[0].simple_name == 1001 && prog.f[0].source_file == 1000 &&
                  prog.f[0].arg_qstr[0] == 1010 && prog.f[0].arg_qstr[1] == 1011);
            CHECK(prog.f[1].parent == 0 && prog.f[1].addr == 0x1300);
        }
        v5_golden(&prog, pc ? "tests/data/bc_v5pc_every_op.dis" : "tests/data/bc_v5_every_op.dis");
        bc_prog_free(&prog);
    }
    /* Objects that are no bytecode function, or not one of its layout. */
    static struct frozen_mem mem2 = {mem_read, NULL};
    uint32_t bc, ct;
    struct rc_msg m;
    build_v5(0);
    CHECK(bc_fun_object_v5(&mem2, 0x1010, 0x1024, &bc, &ct, &m) == RC_ARG &&
          strstr(m.text, "no bytecode function") != NULL);
    CHECK(bc_fun_object_v5(&mem2, 0x1002, 0x1020, &bc, &ct, &m) == RC_ARG &&
          strstr(m.text, "not word-aligned") != NULL);
    CHECK(bc_fun_object_v5(&mem2, 0x9000, 0x1020, &bc, &ct, &m) < 0);
    put32(0x1004, 0);           /* no globals */
    CHECK(bc_fun_object_v5(&mem2, 0x1000, 0x1020, &bc, &ct, &m) == RC_ARG &&
          strstr(m.text, "not its layout") != NULL);
    put32(0x1004, 0x1010);      /* a closure over itself: bounded */
    put32(0x1000, 0x1030);
    put32(0x1014, 0x1010);
    CHECK(bc_fun_object_v5(&mem2, 0x1010, 0x1030 + 4, &bc, &ct, &m) == RC_ARG);
    /* The v5 prelude's own errors. */
    struct bc_prelude pr;
    uint8_t shortpc[] = {0x00, 2 << 1, 1, 2, 0x63};
    CHECK(bc_prelude_decode_v5(BC_FMT_V5_PC, shortpc, sizeof shortpc, 0, &pr, &m) ==
              RC_PARSE && strstr(m.text, "too short for its names") != NULL);
    uint8_t runs[] = {0x00, 2 << 1, 0x85, 0x85};
    CHECK(bc_prelude_decode_v5(BC_FMT_V5, runs, sizeof runs, 0, &pr, &m) == RC_PARSE &&
          strstr(m.text, "run past") != NULL);
    uint8_t align[] = {0x00, 3 << 1, 5, 7, 0, 0x63};
    CHECK(bc_prelude_decode_v5(BC_FMT_V5, align, sizeof align, 0, &pr, &m) == RC_PARSE &&
          strstr(m.text, "runs past") != NULL);
    CHECK(bc_prelude_decode_v5(BC_FMT_V5, align, sizeof align, 3, &pr, &m) == RC_OK &&
          pr.code_at == 5 && pr.names[0] == 5 && pr.source_file == 7);
}

/* Thumb through capstone: a call through the native function table
 * (ldr r3, [r7, #56]; blx r3) is named; bytes that are no instruction
 * are said. */
TEST(native_thumb)
{
    static const uint8_t code[] = {
        0xf2, 0xb5,             /* push {r1, r4, r5, r6, r7, lr} */
        0xbb, 0x6b, 0x98, 0x47, /* ldr r3, [r7, #0x38]; blx r3 */
        0x3b, 0x68, 0x98, 0x47, /* ldr r3, [r7]; blx r3 */
        0x40, 0x1c,             /* adds r0, r0, #1 */
        0xf2, 0xbd,             /* pop {r1, r4, r5, r6, r7, pc} */
        0xff,                   /* a lone byte */
    };
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(nativedis_thumb(code, sizeof code, 0x20000100, NATIVEDIS_TABLE_V19, &b),
                 RC_OK);
    const char *t = buf_str(&b);
    CHECK(strstr(t, "0x20000100  f2 b5") != NULL && strstr(t, "push {r1, r4, r5, r6, r7, lr}"));
    CHECK(strstr(t, "blx r3  ; mp_fun_table[14] MP_F_BINARY_OP") != NULL);
    CHECK(strstr(t, "blx r3  ; mp_fun_table[0] MP_F_CONVERT_OBJ_TO_NATIVE") != NULL);
    CHECK(strstr(t, "adds r0, r0, #1") != NULL);
    CHECK(strstr(t, ".byte 0xff") != NULL);
    buf_clear(&b);
    CHECK_EQ_INT(nativedis_thumb(code, 6, 0, NATIVEDIS_TABLE_NONE, &b), RC_OK);
    CHECK(strstr(buf_str(&b), "mp_fun_table[14]\n") != NULL);
    buf_fini(&b);
    CHECK(nativedis_fun_name(NATIVEDIS_TABLE_V19, 41) != NULL &&
          strcmp(nativedis_fun_name(NATIVEDIS_TABLE_V19, 41), "MP_F_SETUP_CODE_STATE") == 0);
    CHECK(nativedis_fun_name(NATIVEDIS_TABLE_V19, 42) == NULL);
    CHECK(nativedis_fun_name(NATIVEDIS_TABLE_NONE, 0) == NULL);
}

/* v1.12 on: the same call bytes name py/nativeglue.h's mp_fun_kind_t
 * entries, three constants first (ldr r3, [r7, #0x38] is entry 14,
 * MP_F_STORE_ATTR there; MP_F_BINARY_OP is entry 18, #0x48). */
TEST(native_thumb_v112)
{
    static const uint8_t code[] = {
        0xbb, 0x6b, 0x98, 0x47, /* ldr r3, [r7, #0x38]; blx r3 */
        0xbb, 0x6c, 0x98, 0x47, /* ldr r3, [r7, #0x48]; blx r3 */
        0x3b, 0x68,             /* ldr r3, [r7]: the None object, no call */
        0x18, 0x46,             /* mov r0, r3 */
        0xfb, 0x6b, 0x98, 0x47, /* ldr r3, [r7, #0x3c]; blx r3 */
    };
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(nativedis_thumb(code, sizeof code, 0x20000100, NATIVEDIS_TABLE_V112, &b),
                 RC_OK);
    const char *t = buf_str(&b);
    CHECK(strstr(t, "blx r3  ; mp_fun_table[14] MP_F_STORE_ATTR") != NULL);
    CHECK(strstr(t, "blx r3  ; mp_fun_table[18] MP_F_BINARY_OP") != NULL);
    CHECK(strstr(t, "blx r3  ; mp_fun_table[15] MP_F_OBJ_SUBSCR") != NULL);
    CHECK(strstr(t, "MP_F_CONST_NONE_OBJ") == NULL);
    if (strstr(t, "MP_F_STORE_ATTR") == NULL) {
        fprintf(stderr, "%s", t);
    }
    buf_fini(&b);
    CHECK_STR(nativedis_fun_name(NATIVEDIS_TABLE_V112, 0), "MP_F_CONST_NONE_OBJ");
    CHECK_STR(nativedis_fun_name(NATIVEDIS_TABLE_V112, 49), "MP_F_SETJMP");
    CHECK(nativedis_fun_name(NATIVEDIS_TABLE_V112, 50) == NULL);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(every_opcode);
    RUN(long_arguments);
    RUN(cut_short);
    RUN(prelude);
    RUN(line_table);
    RUN(every_opcode_listing);
    RUN(broken_module);
    RUN(every_old_opcode);
    RUN(old_listing);
    RUN(every_v5_opcode);
    RUN(v5_listing);
    RUN(native_thumb);
    RUN(native_thumb_v112);
    return harness_done("bc");
}
