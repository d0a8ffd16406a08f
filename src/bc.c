/*
 * bc.c: MicroPython bytecode decoded from memory (see bc.h).
 *
 * The v6 decoders follow MicroPython v1.19..v1.29: py/bc0.h (opcodes and
 * their formats), py/bc.h (MP_BC_PRELUDE_SIG_DECODE_INTO,
 * MP_BC_PRELUDE_SIZE_DECODE_INTO, DECODE_ULABEL/SLABEL,
 * mp_bytecode_get_source_line), py/vm.c (what each argument means) and
 * tools/mpy-tool.py (mp_opcode_decode, extract_prelude), whose names the
 * instructions carry.
 */
#include "bc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frozen_int.h"

/* --- opcodes (py/bc0.h, v1.19+) ------------------------------------- */

#define F_BYTE 0
#define F_QSTR 1
#define F_VUINT 2
#define F_OFFSET 3

static int v6_format(uint8_t op)
{
    return (int)((0x000003a4u >> (2 * (op >> 4))) & 3u);
}

static const char *const v6_qstr_o[16] = {
    "LOAD_CONST_STRING", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_ATTR", "LOAD_METHOD",
    "LOAD_SUPER_METHOD", "STORE_NAME", "STORE_GLOBAL", "STORE_ATTR", "DELETE_NAME",
    "DELETE_GLOBAL", "IMPORT_NAME", "IMPORT_FROM", NULL, NULL, NULL,
};
static const char *const v6_vint_e[16] = {
    "MAKE_CLOSURE", "MAKE_CLOSURE_DEFARGS", "LOAD_CONST_SMALL_INT", "LOAD_CONST_OBJ",
    "LOAD_FAST_N", "LOAD_DEREF", "STORE_FAST_N", "STORE_DEREF", "DELETE_FAST",
    "DELETE_DEREF", "BUILD_TUPLE", "BUILD_LIST", "BUILD_MAP", "BUILD_SET",
    "BUILD_SLICE", "STORE_COMP",
};
static const char *const v6_vint_o[16] = {
    "UNPACK_SEQUENCE", "UNPACK_EX", "MAKE_FUNCTION", "MAKE_FUNCTION_DEFARGS",
    "CALL_FUNCTION", "CALL_FUNCTION_VAR_KW", "CALL_METHOD", "CALL_METHOD_VAR_KW",
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};
static const char *const v6_jump_e[16] = {
    "UNWIND_JUMP", NULL, "JUMP", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE",
    "JUMP_IF_TRUE_OR_POP", "JUMP_IF_FALSE_OR_POP", "SETUP_WITH", "SETUP_EXCEPT",
    "SETUP_FINALLY", "POP_EXCEPT_JUMP", "FOR_ITER", NULL, NULL, NULL, NULL,
};
static const char *const v6_byte_o[16] = {
    "LOAD_CONST_FALSE", "LOAD_CONST_NONE", "LOAD_CONST_TRUE", "LOAD_NULL",
    "LOAD_BUILD_CLASS", "LOAD_SUBSCR", "STORE_SUBSCR", "DUP_TOP", "DUP_TOP_TWO",
    "POP_TOP", "ROT_TWO", "ROT_THREE", "WITH_CLEANUP", "END_FINALLY", "GET_ITER",
    "GET_ITER_STACK",
};
static const char *const v6_byte_e[16] = {
    NULL, NULL, "STORE_MAP", "RETURN_VALUE", "RAISE_LAST", "RAISE_OBJ", "RAISE_FROM",
    "YIELD_VALUE", "YIELD_FROM", "IMPORT_STAR", NULL, NULL, NULL, NULL, NULL, NULL,
};

/* py/runtime0.h: the unary and binary operators that appear in bytecode,
 * by the method names mpy-tool prints. */
static const char *const v6_unary[4] = {"__pos__", "__neg__", "__invert__", "<not>"};
static const char *const v6_binary[35] = {
    "__lt__", "__gt__", "__eq__", "__le__", "__ge__", "__ne__", "<in>", "<is>",
    "<exception match>", "__ior__", "__ixor__", "__iand__", "__ilshift__",
    "__irshift__", "__iadd__", "__isub__", "__imul__", "__imatmul__",
    "__ifloordiv__", "__itruediv__", "__imod__", "__ipow__", "__or__", "__xor__",
    "__and__", "__lshift__", "__rshift__", "__add__", "__sub__", "__mul__",
    "__matmul__", "__floordiv__", "__truediv__", "__mod__", "__pow__",
};


/* --- opcodes of v1.9..v1.11 (that py/bc0.h) ------------------------------
 * What follows each opcode: b nothing, s signed var-int, q qstr, o object,
 * p raw code, u var-uint, J signed 16-bit offset, j unsigned one, B a byte,
 * x an extra byte after the argument. */
static const struct {
    const char *name;
    const char *args;
} old_ops[0x70] = {
    [0x10] = {"LOAD_CONST_FALSE", ""}, [0x11] = {"LOAD_CONST_NONE", ""},
    [0x12] = {"LOAD_CONST_TRUE", ""}, [0x14] = {"LOAD_CONST_SMALL_INT", "s"},
    [0x16] = {"LOAD_CONST_STRING", "q"}, [0x17] = {"LOAD_CONST_OBJ", "o"},
    [0x18] = {"LOAD_NULL", ""}, [0x19] = {"LOAD_FAST_N", "u"}, [0x1a] = {"LOAD_DEREF", "u"},
    [0x1b] = {"LOAD_NAME", "q"}, [0x1c] = {"LOAD_GLOBAL", "q"}, [0x1d] = {"LOAD_ATTR", "q"},
    [0x1e] = {"LOAD_METHOD", "q"}, [0x1f] = {"LOAD_SUPER_METHOD", "q"},
    [0x20] = {"LOAD_BUILD_CLASS", ""}, [0x21] = {"LOAD_SUBSCR", ""},
    [0x22] = {"STORE_FAST_N", "u"}, [0x23] = {"STORE_DEREF", "u"},
    [0x24] = {"STORE_NAME", "q"}, [0x25] = {"STORE_GLOBAL", "q"}, [0x26] = {"STORE_ATTR", "q"},
    [0x27] = {"STORE_SUBSCR", ""}, [0x28] = {"DELETE_FAST", "u"}, [0x29] = {"DELETE_DEREF", "u"},
    [0x2a] = {"DELETE_NAME", "q"}, [0x2b] = {"DELETE_GLOBAL", "q"},
    [0x30] = {"DUP_TOP", ""}, [0x31] = {"DUP_TOP_TWO", ""}, [0x32] = {"POP_TOP", ""},
    [0x33] = {"ROT_TWO", ""}, [0x34] = {"ROT_THREE", ""},
    [0x35] = {"JUMP", "J"}, [0x36] = {"POP_JUMP_IF_TRUE", "J"},
    [0x37] = {"POP_JUMP_IF_FALSE", "J"}, [0x38] = {"JUMP_IF_TRUE_OR_POP", "J"},
    [0x39] = {"JUMP_IF_FALSE_OR_POP", "J"}, [0x3d] = {"SETUP_WITH", "j"},
    [0x3e] = {"WITH_CLEANUP", ""}, [0x3f] = {"SETUP_EXCEPT", "j"},
    [0x40] = {"SETUP_FINALLY", "j"}, [0x41] = {"END_FINALLY", ""}, [0x42] = {"GET_ITER", ""},
    [0x43] = {"FOR_ITER", "j"}, [0x44] = {"POP_BLOCK", ""}, [0x45] = {"POP_EXCEPT", ""},
    [0x46] = {"UNWIND_JUMP", "Jx"}, [0x47] = {"GET_ITER_STACK", ""},
    [0x50] = {"BUILD_TUPLE", "u"}, [0x51] = {"BUILD_LIST", "u"}, [0x53] = {"BUILD_MAP", "u"},
    [0x54] = {"STORE_MAP", ""}, [0x56] = {"BUILD_SET", "u"}, [0x57] = {"STORE_COMP", "u"},
    [0x58] = {"BUILD_SLICE", "u"}, [0x59] = {"UNPACK_SEQUENCE", "u"},
    [0x5a] = {"UNPACK_EX", "u"}, [0x5b] = {"RETURN_VALUE", ""}, [0x5c] = {"RAISE_VARARGS", "B"},
    [0x5d] = {"YIELD_VALUE", ""}, [0x5e] = {"YIELD_FROM", ""},
    [0x60] = {"MAKE_FUNCTION", "p"}, [0x61] = {"MAKE_FUNCTION_DEFARGS", "p"},
    [0x62] = {"MAKE_CLOSURE", "px"}, [0x63] = {"MAKE_CLOSURE_DEFARGS", "px"},
    [0x64] = {"CALL_FUNCTION", "u"}, [0x65] = {"CALL_FUNCTION_VAR_KW", "u"},
    [0x66] = {"CALL_METHOD", "u"}, [0x67] = {"CALL_METHOD_VAR_KW", "u"},
    [0x68] = {"IMPORT_NAME", "q"}, [0x69] = {"IMPORT_FROM", "q"}, [0x6a] = {"IMPORT_STAR", ""},
};

/* That py/runtime0.h's operators, by their method names. */
static const char *const old_unary[7] = {
    "__bool__", "__len__", "__hash__", "__pos__", "__neg__", "__invert__", "<not>",
};
static const char *const old_binary[36] = {
    "__or__", "__xor__", "__and__", "__lshift__", "__rshift__", "__add__", "__sub__",
    "__mul__", "__floordiv__", "__truediv__", "__mod__", "__pow__", "__divmod__",
    "__ior__", "__ixor__", "__iand__", "__ilshift__", "__irshift__", "__iadd__",
    "__isub__", "__imul__", "__ifloordiv__", "__itruediv__", "__imod__", "__ipow__",
    "__lt__", "__gt__", "__eq__", "__le__", "__ge__", "__ne__", "<in>", "<is>",
    "<exception match>", "<not in>", "<is not>",
};

static const char *old_name(uint8_t op, const char **args)
{
    *args = "";
    if (op < 0x70) {
        *args = old_ops[op].args;
        return old_ops[op].name;
    }
    if (op < 0xb0) {
        return "LOAD_CONST_SMALL_INT";
    }
    if (op < 0xc0) {
        return "LOAD_FAST";
    }
    if (op < 0xd0) {
        return "STORE_FAST";
    }
    if (op < 0xd7) {
        return "UNARY_OP";
    }
    if (op < 0xd7 + 36) {
        return "BINARY_OP";
    }
    return NULL;
}

static int old_insn(int fmt, const uint8_t *code, size_t n, size_t pos, uint32_t base,
                    struct bc_insn *in, struct rc_msg *msg)
{
    const char *args;
    uint8_t op = code[pos];
    in->name = old_name(op, &args);
    if (in->name == NULL) {
        return rc_set(msg, RC_PARSE, "unknown opcode 0x%02x", op);
    }
    int pc = fmt == BC_FMT_OLD_PC;
    size_t ip = pos + 1;
    for (const char *a = args; *a; a++) {
        switch (*a) {
        case 'q':
            if (pc) {
                if (ip + 2 > n) {
                    goto cut;
                }
                in->arg = code[ip] | code[ip + 1] << 8;
                ip += 2;
                in->argk = BC_A_QSTR;
                in->value = (uint32_t)in->arg;
                in->have_value = 1;
                break;
            }
            /* else a var-uint qstr id, as below */
            __attribute__((fallthrough));
        case 's':
        case 'u': {
            int64_t v = 0;
            if (ip >= n) {
                goto cut;
            }
            if (*a == 's' && (code[ip] & 0x40) != 0) {
                v = -1;
            }
            for (unsigned k = 0;; k++) {
                if (ip >= n) {
                    goto cut;
                }
                if (k >= 5) {
                    return rc_set(msg, RC_PARSE, "%s has an argument longer than 5 bytes",
                                  in->name);
                }
                uint8_t c = code[ip++];
                v = (int64_t)((uint64_t)v << 7) | (c & 0x7f);
                if ((c & 0x80) == 0) {
                    break;
                }
            }
            in->arg = v;
            if (*a == 'q') {
                in->argk = BC_A_QSTR;
                in->value = (uint32_t)v;
                in->have_value = 1;
            } else if (*a == 's') {
                in->argk = BC_A_SINT;
            } else {
                in->argk = op >= 0x64 && op <= 0x67 ? BC_A_CALL : BC_A_UINT;
            }
            break;
        }
        case 'o':
        case 'p':
            in->argk = *a == 'o' ? BC_A_OBJ : BC_A_CHILD;
            if (pc) {
                /* an index into the const_table, read by the loader */
                uint32_t v = 0;
                unsigned k = 0;
                for (;; k++) {
                    if (ip >= n) {
                        goto cut;
                    }
                    if (k >= 5) {
                        return rc_set(msg, RC_PARSE, "%s has an argument longer than 5 "
                                      "bytes", in->name);
                    }
                    uint8_t c = code[ip++];
                    v = v << 7 | (c & 0x7f);
                    if ((c & 0x80) == 0) {
                        break;
                    }
                }
                in->arg = v;
            } else {
                /* MP_ALIGN(ip, sizeof(void *)), then the word */
                uint64_t abs = (uint64_t)base + ip;
                ip += (size_t)((4 - (abs & 3)) & 3);
                if (ip + 4 > n) {
                    goto cut;
                }
                in->value = le32(code + ip);
                in->have_value = 1;
                in->arg = -1;
                ip += 4;
            }
            break;
        case 'J':
        case 'j': {
            if (ip + 2 > n) {
                goto cut;
            }
            int64_t v = code[ip] | code[ip + 1] << 8;
            ip += 2;
            if (*a == 'J') {
                v -= 0x8000;
            }
            in->arg = v;
            in->argk = BC_A_JUMP;
            int64_t t = (int64_t)ip + v;
            in->target = t < 0 || t > 0xffffffffLL ? 0xffffffffu : (uint32_t)t;
            break;
        }
        case 'B':
            if (ip >= n) {
                goto cut;
            }
            in->arg = code[ip++];
            in->argk = BC_A_UINT;
            break;
        case 'x':
            if (ip >= n) {
                goto cut;
            }
            in->has_extra = 1;
            in->extra = code[ip++];
            break;
        }
    }
    if (op >= 0x70 && op < 0xb0) {
        in->argk = BC_A_MULTI;
        in->arg = (int64_t)(op - 0x70) - 16;
    } else if (op >= 0xb0 && op < 0xd0) {
        in->argk = BC_A_MULTI;
        in->arg = op & 15;
    } else if (op >= 0xd0 && op < 0xd7) {
        in->argk = BC_A_MULTI;
        in->arg = op - 0xd0;
        in->opname = old_unary[op - 0xd0];
    } else if (op >= 0xd7) {
        in->argk = BC_A_MULTI;
        in->arg = op - 0xd7;
        in->opname = old_binary[op - 0xd7];
    }
    in->len = (uint8_t)(ip - pos);
    return RC_OK;
cut:
    return rc_set(msg, RC_PARSE, "%s cut short by the end of the code", in->name);
}

const char *bc_op_name(int fmt, uint8_t op)
{
    if (fmt == BC_FMT_OLD || fmt == BC_FMT_OLD_PC) {
        const char *args;
        return old_name(op, &args);
    }
    if (fmt != BC_FMT_V6 && fmt != BC_FMT_V5 && fmt != BC_FMT_V5_PC) {
        return NULL;
    }
    switch (op >> 4) {
    case 1:
        return v6_qstr_o[op & 15];
    case 2:
        return v6_vint_e[op & 15];
    case 3:
        return v6_vint_o[op & 15];
    case 4:
        return v6_jump_e[op & 15];
    case 5:
        return v6_byte_o[op & 15];
    case 6:
        return v6_byte_e[op & 15];
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

const char *bc_kind_name(int kind)
{
    switch (kind) {
    case BC_KIND_BYTECODE:
        return "bytecode";
    case BC_KIND_NATIVE:
        return "native";
    case BC_KIND_VIPER:
        return "viper";
    case BC_KIND_ASM:
        return "asm_thumb";
    case BC_KIND_VIPER_OR_ASM:
        return "viper or asm_thumb";
    }
    return "unknown";
}

int bc_insn_decode(int fmt, const uint8_t *code, size_t n, size_t pos, uint32_t base,
                   struct bc_insn *in, struct rc_msg *msg)
{
    memset(in, 0, sizeof *in);
    in->child = -1;
    if (pos >= n) {
        return rc_set(msg, RC_PARSE, "no instruction at offset %zu", pos);
    }
    uint8_t op = code[pos];
    in->off = (uint32_t)pos;
    in->op = op;
    if (fmt == BC_FMT_OLD || fmt == BC_FMT_OLD_PC) {
        return old_insn(fmt, code, n, pos, base, in, msg);
    }
    if (fmt != BC_FMT_V6 && fmt != BC_FMT_V5 && fmt != BC_FMT_V5_PC) {
        return rc_set(msg, RC_PARSE, "bytecode format %d is not known", fmt);
    }
    int v5 = fmt != BC_FMT_V6, pc = fmt == BC_FMT_V5_PC;
    in->name = bc_op_name(fmt, op);
    if (in->name == NULL) {
        return rc_set(msg, RC_PARSE, "unknown opcode 0x%02x", op);
    }
    size_t ip = pos + 1;
    int f = v6_format(op);
    int is_ptr = op == 0x23 || op == 0x20 || op == 0x21 || op == 0x32 || op == 0x33;
    if (v5 && f == F_QSTR && pc) {
        /* v1.12-v1.18 with MICROPY_PERSISTENT_CODE: a 2-byte qstr id */
        if (ip + 2 > n) {
            return rc_set(msg, RC_PARSE, "%s cut short by the end of the code", in->name);
        }
        in->arg = code[ip] | code[ip + 1] << 8;
        ip += 2;
        in->argk = BC_A_QSTR;
        in->value = (uint32_t)in->arg;
        in->have_value = 1;
    } else if (v5 && f == F_VUINT && is_ptr && !pc) {
        /* v1.12-v1.18 without it: DECODE_OBJ / DECODE_PTR, the word
         * (object or raw code) inline at the next aligned address */
        uint64_t abs = (uint64_t)base + ip;
        ip += (size_t)((4 - (abs & 3)) & 3);
        if (ip + 4 > n) {
            return rc_set(msg, RC_PARSE, "%s cut short by the end of the code", in->name);
        }
        in->value = le32(code + ip);
        in->have_value = 1;
        in->arg = -1;
        in->argk = op == 0x23 ? BC_A_OBJ : BC_A_CHILD;
        ip += 4;
    } else if (v5 && f == F_OFFSET) {
        /* v1.12-v1.18: DECODE_SLABEL (16 bits, excess 0x8000) for UNWIND_JUMP,
         * JUMP, POP_JUMP_IF_*, JUMP_IF_*_OR_POP; DECODE_ULABEL for the rest */
        if (ip + 2 > n) {
            return rc_set(msg, RC_PARSE, "%s cut short by the end of the code", in->name);
        }
        int64_t v = code[ip] | code[ip + 1] << 8;
        ip += 2;
        if (op == 0x40 || (op >= 0x42 && op <= 0x46)) {
            v -= 0x8000;
        }
        in->arg = v;
        in->argk = BC_A_JUMP;
        int64_t t = (int64_t)ip + v;
        in->target = t < 0 || t > 0xffffffffLL ? 0xffffffffu : (uint32_t)t;
    } else if (f == F_QSTR || f == F_VUINT) {
        int64_t v = 0;
        if (ip >= n) {
            return rc_set(msg, RC_PARSE, "%s cut short by the end of the code", in->name);
        }
        if (op == 0x22 && (code[ip] & 0x40) != 0) {
            v = -1;
        }
        unsigned k = 0;
        for (;;) {
            if (ip >= n) {
                return rc_set(msg, RC_PARSE, "%s cut short by the end of the code",
                              in->name);
            }
            if (++k > 5) {
                return rc_set(msg, RC_PARSE, "%s has an argument longer than 5 bytes",
                              in->name);
            }
            uint8_t c = code[ip++];
            v = (int64_t)((uint64_t)v << 7) | (c & 0x7f);
            if ((c & 0x80) == 0) {
                break;
            }
        }
        in->arg = v;
        if (f == F_QSTR) {
            in->argk = BC_A_QSTR;
            if (v5) {
                /* a var-uint qstr id, not a table index */
                in->value = (uint32_t)v;
                in->have_value = 1;
            }
        } else if (op == 0x22) {
            in->argk = BC_A_SINT;
        } else if (op == 0x23) {
            in->argk = BC_A_OBJ;
        } else if (op == 0x20 || op == 0x21 || op == 0x32 || op == 0x33) {
            in->argk = BC_A_CHILD;
        } else if (op >= 0x34 && op <= 0x37) {
            in->argk = BC_A_CALL;
        } else {
            in->argk = BC_A_UINT;
        }
    } else if (f == F_OFFSET) {
        /* DECODE_SLABEL / DECODE_ULABEL: relative to the byte after the
         * offset (UNWIND_JUMP's count byte comes after that). */
        int sgn = op == 0x40 || op == 0x42 || op == 0x43 || op == 0x44;
        int64_t v;
        if (ip >= n) {
            return rc_set(msg, RC_PARSE, "%s cut short by the end of the code", in->name);
        }
        if ((code[ip] & 0x80) == 0) {
            v = code[ip];
            ip += 1;
            if (sgn) {
                v -= 0x40;
            }
        } else {
            if (ip + 1 >= n) {
                return rc_set(msg, RC_PARSE, "%s cut short by the end of the code",
                              in->name);
            }
            v = (code[ip] & 0x7f) | (int64_t)code[ip + 1] << 7;
            ip += 2;
            if (sgn) {
                v -= 0x4000;
            }
        }
        in->arg = v;
        in->argk = BC_A_JUMP;
        int64_t t = (int64_t)ip + v;
        in->target = t < 0 ? 0xffffffffu : (uint32_t)t;
    } else if (op >= 0x70 && op < 0xb0) {
        in->argk = BC_A_MULTI;
        in->arg = (int64_t)(op - 0x70) - 16;
    } else if (op >= 0xb0 && op < 0xd0) {
        in->argk = BC_A_MULTI;
        in->arg = op & 15;
    } else if (op >= 0xd0 && op < 0xd4) {
        in->argk = BC_A_MULTI;
        in->arg = op - 0xd0;
        in->opname = v6_unary[op - 0xd0];
    } else if (op >= 0xd7) {
        in->argk = BC_A_MULTI;
        in->arg = op - 0xd7;
        in->opname = v6_binary[op - 0xd7];
    }
    if ((op & 0x9e) == 0) {
        if (ip >= n) {
            return rc_set(msg, RC_PARSE, "%s cut short by the end of the code", in->name);
        }
        in->has_extra = 1;
        in->extra = code[ip++];
    }
    in->len = (uint8_t)(ip - pos);
    return RC_OK;
}

/* --- prelude (py/bc.h v1.19+) ---------------------------------------- */

int bc_vuint(const uint8_t *b, size_t n, size_t *pos, uint32_t *v)
{
    uint32_t x = 0;
    for (unsigned k = 0; k < 5; k++) {
        if (*pos >= n) {
            return 0;
        }
        uint8_t c = b[(*pos)++];
        x = x << 7 | (c & 0x7f);
        if ((c & 0x80) == 0) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

/* The signature and size parts (py/bc.h MP_BC_PRELUDE_SIG_DECODE_INTO and
 * MP_BC_PRELUDE_SIZE_DECODE_INTO, alike from v1.12 to the newest): p's
 * counts, *pos after them; RC_OK or RC_PARSE. */
static int sig_size(const uint8_t *b, size_t n, struct bc_prelude *p, size_t *at,
                    struct rc_msg *msg)
{
    memset(p, 0, sizeof *p);
    size_t pos = 0;
    if (n == 0) {
        return rc_set(msg, RC_PARSE, "the prelude is empty");
    }
    /* MP_BC_PRELUDE_SIG_DECODE_INTO: xSSSSEAA, then xFSSKAED bytes. */
    uint8_t z = b[pos++];
    uint32_t S = (z >> 3) & 0xf, E = (z >> 2) & 1, F = 0, A = z & 3, K = 0, D = 0;
    for (unsigned k = 0; z & 0x80; k++) {
        if (k >= 8 || pos >= n) {
            return rc_set(msg, RC_PARSE, "the prelude's signature does not end");
        }
        z = b[pos++];
        S |= (uint32_t)(z & 0x30) << (2 * k);
        E |= (uint32_t)(z & 0x02) << k;
        F |= (uint32_t)((z & 0x40) >> 6) << k;
        A |= (uint32_t)(z & 0x04) << k;
        K |= (uint32_t)((z & 0x08) >> 3) << k;
        D |= (uint32_t)(z & 0x01) << k;
    }
    p->n_state = S + 1;
    p->n_exc_stack = E;
    p->scope_flags = F;
    p->n_pos_args = A;
    p->n_kwonly_args = K;
    p->n_def_pos_args = D;
    p->size_at = (uint32_t)pos;
    /* MP_BC_PRELUDE_SIZE_DECODE_INTO: xIIIIIIC bytes. */
    uint32_t I = 0, C = 0;
    for (unsigned k = 0;; k++) {
        if (k >= 5 || pos >= n) {
            return rc_set(msg, RC_PARSE, "the prelude's size does not end");
        }
        z = b[pos++];
        C |= (uint32_t)(z & 1) << k;
        I |= (uint32_t)((z & 0x7e) >> 1) << (6 * k);
        if ((z & 0x80) == 0) {
            break;
        }
    }
    p->n_info = I;
    p->n_cell = C;
    p->info_at = (uint32_t)pos;
    if ((uint64_t)pos + I + C > n) {
        return rc_set(msg, RC_PARSE, "the prelude says %u bytes of source info and "
                      "%u of closure info, past the function's %zu bytes", I, C, n);
    }
    *at = pos;
    return RC_OK;
}

int bc_prelude_decode(const uint8_t *b, size_t n, struct bc_prelude *p,
                      struct rc_msg *msg)
{
    size_t pos;
    int rc = sig_size(b, n, p, &pos, msg);
    if (rc != RC_OK) {
        return rc;
    }
    uint32_t A = p->n_pos_args, K = p->n_kwonly_args, I = p->n_info, C = p->n_cell;
    uint64_t nn = 1 + (uint64_t)A + K;
    if (nn > BC_MAX_NAMES) {
        return rc_set(msg, RC_PARSE, "the prelude says %llu argument names (at most "
                      "%u)", (unsigned long long)nn - 1, BC_MAX_NAMES - 1);
    }
    size_t end = pos + I;
    for (uint32_t k = 0; k < nn; k++) {
        if (!bc_vuint(b, end, &pos, &p->names[k])) {
            return rc_set(msg, RC_PARSE, "the prelude's %s runs past its source info",
                          k == 0 ? "simple name" : "argument names");
        }
    }
    p->nnames = (uint32_t)nn;
    p->lines_at = (uint32_t)pos;
    p->closure_at = (uint32_t)end;
    p->code_at = (uint32_t)(end + C);
    if (p->n_state < p->n_pos_args + p->n_kwonly_args) {
        return rc_set(msg, RC_PARSE, "the prelude says n_state %u, fewer than its %u "
                      "arguments", p->n_state, p->n_pos_args + p->n_kwonly_args);
    }
    return RC_OK;
}

/* v1.12-v1.18 (py/bc.h, py/showbc.c and py/bc.c mp_setup_code_state of
 * those versions): the signature and size as v1.19, then the source info:
 * simple name and source file as qstr ids (2 bytes each with
 * MICROPY_PERSISTENT_CODE, else var-uints), the line info up to a 0 byte;
 * the n_cell cell numbers; without MICROPY_PERSISTENT_CODE the opcodes
 * start at the next word-aligned address (MP_ALIGN(ip, sizeof(mp_uint_t))).
 * Argument names are the const_table's first entries. */
int bc_prelude_decode_v5(int fmt, const uint8_t *b, size_t n, uint32_t base,
                         struct bc_prelude *p, struct rc_msg *msg)
{
    size_t pos;
    int rc = sig_size(b, n, p, &pos, msg);
    if (rc != RC_OK) {
        return rc;
    }
    p->old = 1;
    size_t end = pos + p->n_info;
    if (fmt == BC_FMT_V5_PC) {
        if (pos + 4 > end) {
            return rc_set(msg, RC_PARSE, "the source info (%u bytes) is too short for "
                          "its names", p->n_info);
        }
        p->names[0] = (uint32_t)(b[pos] | b[pos + 1] << 8);
        p->source_file = (uint32_t)(b[pos + 2] | b[pos + 3] << 8);
        pos += 4;
    } else if (!bc_vuint(b, end, &pos, &p->names[0]) || !bc_vuint(b, end, &pos, &p->source_file)) {
        return rc_set(msg, RC_PARSE, "the source info's names run past it");
    }
    p->lines_at = (uint32_t)pos;
    p->closure_at = (uint32_t)end;
    uint64_t code = (uint64_t)end + p->n_cell;
    if (fmt != BC_FMT_V5_PC) {
        code += (4 - (((uint64_t)base + code) & 3)) & 3;
    }
    if (code > n) {
        return rc_set(msg, RC_PARSE, "the prelude runs past the function's %zu bytes", n);
    }
    p->code_at = (uint32_t)code;
    p->nnames = 1 + p->n_pos_args + p->n_kwonly_args;
    if (p->nnames > BC_MAX_NAMES) {
        return rc_set(msg, RC_PARSE, "the prelude says %u arguments (at most %u)",
                      p->nnames - 1, BC_MAX_NAMES - 1);
    }
    if (p->n_state < p->n_pos_args + p->n_kwonly_args) {
        return rc_set(msg, RC_PARSE, "the prelude says n_state %u, fewer than its %u "
                      "arguments", p->n_state, p->n_pos_args + p->n_kwonly_args);
    }
    return RC_OK;
}

int bc_prelude_decode_old(int fmt, const uint8_t *b, size_t n, struct bc_prelude *p,
                          struct rc_msg *msg)
{
    memset(p, 0, sizeof *p);
    p->old = 1;
    size_t pos = 0;
    uint32_t cis;
    if (!bc_vuint(b, n, &pos, &p->n_state) || !bc_vuint(b, n, &pos, &p->n_exc_stack)) {
        return rc_set(msg, RC_PARSE, "the prelude's n_state/n_exc_stack do not end");
    }
    if (pos + 4 > n) {
        return rc_set(msg, RC_PARSE, "the prelude ends before its argument counts");
    }
    p->scope_flags = b[pos];
    p->n_pos_args = b[pos + 1];
    p->n_kwonly_args = b[pos + 2];
    p->n_def_pos_args = b[pos + 3];
    pos += 4;
    p->size_at = (uint32_t)pos;
    p->info_at = (uint32_t)pos;
    if (!bc_vuint(b, n, &pos, &cis)) {
        return rc_set(msg, RC_PARSE, "the prelude's code_info_size does not end");
    }
    if ((uint64_t)p->info_at + cis > n || p->info_at + cis < pos) {
        return rc_set(msg, RC_PARSE, "the prelude says %u bytes of code info, past the "
                      "function's %zu bytes", cis, n);
    }
    p->n_info = cis;
    size_t end = p->info_at + cis;
    if (fmt == BC_FMT_OLD_PC) {
        if (pos + 4 > end) {
            return rc_set(msg, RC_PARSE, "the code info is too short for its names");
        }
        p->names[0] = (uint32_t)(b[pos] | b[pos + 1] << 8);
        p->source_file = (uint32_t)(b[pos + 2] | b[pos + 3] << 8);
        pos += 4;
    } else if (!bc_vuint(b, end, &pos, &p->names[0]) || !bc_vuint(b, end, &pos, &p->source_file)) {
        return rc_set(msg, RC_PARSE, "the code info's names run past it");
    }
    p->lines_at = (uint32_t)pos;
    p->closure_at = (uint32_t)end;
    size_t k = end;
    while (k < n && b[k] != 255) {
        k++;
    }
    if (k >= n) {
        return rc_set(msg, RC_PARSE, "the cell list has no end (255)");
    }
    p->n_cell = (uint32_t)(k - end);
    p->code_at = (uint32_t)(k + 1);
    p->nnames = 1 + p->n_pos_args + p->n_kwonly_args;
    if (p->nnames > BC_MAX_NAMES) {
        return rc_set(msg, RC_PARSE, "the prelude says %u arguments (at most %u)",
                      p->nnames - 1, BC_MAX_NAMES - 1);
    }
    if (p->n_state < p->n_pos_args + p->n_kwonly_args) {
        return rc_set(msg, RC_PARSE, "the prelude says n_state %u, fewer than its %u "
                      "arguments", p->n_state, p->n_pos_args + p->n_kwonly_args);
    }
    return RC_OK;
}

int bc_lines_decode(const uint8_t *b, size_t n, uint32_t code_at,
                    struct bc_line **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    size_t cap = n + 1, k = 0;
    struct bc_line *l = malloc(cap * sizeof *l);
    if (l == NULL) {
        return RC_NOMEM;
    }
    uint64_t off = 0, line = 1;
    l[k++] = (struct bc_line){code_at, 1};
    size_t i = 0;
    while (i < n) {
        uint32_t c = b[i], bb, ll;
        if ((c & 0x80) == 0) {
            bb = c & 0x1f;
            ll = c >> 5;
            i += 1;
        } else {
            if (i + 1 >= n) {
                break;
            }
            bb = c & 0xf;
            ll = ((c << 4) & 0x700) | b[i + 1];
            i += 2;
        }
        off += bb;
        line += ll;
        if (off + code_at > 0xffffffffu || line > 0xffffffffu) {
            break;
        }
        if (l[k - 1].off == off + code_at) {
            l[k - 1].line = (uint32_t)line;
        } else {
            l[k++] = (struct bc_line){(uint32_t)(off + code_at), (uint32_t)line};
        }
    }
    *out = l;
    *nout = k;
    return RC_OK;
}

uint32_t bc_line_at(const struct bc_line *l, size_t n, uint32_t off)
{
    uint32_t line = 0;
    for (size_t i = 0; i < n && l[i].off <= off; i++) {
        line = l[i].line;
    }
    return line;
}

/* --- functions -------------------------------------------------------- */

struct ld {
    const struct bc_src *src;
    struct bc_prog *p;
    size_t cap;
    struct rc_msg *msg;
    int fatal;
};

/* 1 read, 0 not there (soft), -1 fatal (a->fatal set). */
static int rd(struct ld *a, uint32_t addr, uint32_t len, uint8_t *out)
{
    struct rc_msg m;
    int rc = frozen_read(a->src->mem, addr, len, out, &m);
    if (rc == RC_OK) {
        return 1;
    }
    if (soft_fail(rc)) {
        return 0;
    }
    if (!a->fatal) {
        a->fatal = rc;
        if (a->msg != NULL) {
            *a->msg = m;
        }
    }
    return -1;
}

static void fun_free(struct bc_fun *f)
{
    free(f->bytes);
    free(f->lines);
    free(f->insns);
}

void bc_prog_free(struct bc_prog *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        fun_free(&p->f[i]);
    }
    free(p->f);
    p->f = NULL;
    p->n = 0;
}

/* The qstr id at index i of the module's qstr table (1), or 0. */
static int qtab(struct ld *a, uint32_t i, uint32_t *q)
{
    const struct bc_src *s = a->src;
    if (s->qstr_table == 0 || (s->nqstr != 0 && i >= s->nqstr) || i > 65535) {
        return 0;
    }
    uint8_t w[2];
    if (rd(a, s->qstr_table + 2 * i, 2, w) != 1) {
        return 0;
    }
    *q = le16(w);
    return 1;
}

static int otab(struct ld *a, uint32_t i, uint32_t *word)
{
    const struct bc_src *s = a->src;
    if (s->obj_table == 0 || (s->nobj != 0 && i >= s->nobj) || i > 65535) {
        return 0;
    }
    uint8_t w[4];
    if (rd(a, s->obj_table + 4 * i, 4, w) != 1) {
        return 0;
    }
    *word = le32(w);
    return 1;
}

static int seen(const struct bc_prog *p, uint32_t addr)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->f[i].addr == addr) {
            return (int)i;
        }
    }
    return -1;
}

static int decode_code(struct ld *a, struct bc_fun *f)
{
    const struct bc_src *s = a->src;
    struct rc_msg m;
    f->code_end = f->pre.code_at;
    size_t cap = 0;
    size_t pos = f->pre.code_at;
    uint32_t limit = f->len;
    size_t li = 0;
    uint32_t line = 0;
    while (pos < limit) {
        struct bc_insn in;
        if (!f->len_known) {
            /* The rest all zero: the heap block's padding. */
            size_t z = pos;
            while (z < limit && f->bytes[z] == 0) {
                z++;
            }
            if (z == limit) {
                f->npad = (uint32_t)(limit - pos);
                break;
            }
        }
        if (bc_insn_decode(s->fmt, f->bytes, limit, pos, f->fun_data, &in, &m) != RC_OK) {
            snprintf(f->err, sizeof f->err, "at 0x%08x: %s; the last %zu bytes are "
                     "not decoded", f->fun_data + (uint32_t)pos, m.text, limit - pos);
            break;
        }
        if (f->ninsns == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct bc_insn *ni = realloc(f->insns, nc * sizeof *ni);
            if (ni == NULL) {
                return rc_set(a->msg, RC_NOMEM, "out of memory");
            }
            f->insns = ni;
            cap = nc;
        }
        int ct = s->fmt == BC_FMT_OLD_PC || s->fmt == BC_FMT_V5_PC;
        if (s->fmt == BC_FMT_V6 && in.argk == BC_A_QSTR) {
            in.have_value = (uint8_t)qtab(a, (uint32_t)in.arg, &in.value);
        } else if (s->fmt == BC_FMT_V6 && in.argk == BC_A_OBJ) {
            in.have_value = (uint8_t)otab(a, (uint32_t)in.arg, &in.value);
        } else if (ct && (in.argk == BC_A_OBJ || in.argk == BC_A_CHILD) &&
                   f->children != 0 && in.arg >= 0 && in.arg < 65536) {
            /* an index into the function's const_table */
            uint8_t w[4];
            int r = rd(a, f->children + 4 * (uint32_t)in.arg, 4, w);
            if (r < 0) {
                return a->fatal;
            }
            in.have_value = r == 1;
            in.value = r == 1 ? le32(w) : 0;
        }
        /* The line table is in offset order, and so are the instructions. */
        while (li < f->nlines && f->lines[li].off <= pos) {
            line = f->lines[li++].line;
        }
        in.line = line;
        f->insns[f->ninsns++] = in;
        pos += in.len;
        f->code_end = (uint32_t)pos;
    }
    /* Labels, numbered in address order; instructions are in offset
     * order, so a target is found by bisection. */
    for (size_t k = 0; k < f->ninsns; k++) {
        struct bc_insn *j = &f->insns[k];
        if (j->argk != BC_A_JUMP) {
            continue;
        }
        size_t lo = 0, hi = f->ninsns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (f->insns[mid].off < j->target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo < f->ninsns && f->insns[lo].off == j->target) {
            f->insns[lo].is_label = 1;
            j->label = (uint32_t)lo + 1; /* the index for now */
        }
    }
    uint32_t next = 1;
    for (size_t i = 0; i < f->ninsns; i++) {
        if (f->insns[i].is_label) {
            f->insns[i].is_label = next++;
        }
    }
    for (size_t k = 0; k < f->ninsns; k++) {
        struct bc_insn *j = &f->insns[k];
        if (j->argk == BC_A_JUMP && j->label != 0) {
            j->label = f->insns[j->label - 1].is_label;
        }
    }
    return RC_OK;
}

static int load_one(struct ld *a, uint32_t addr, uint32_t fun_data, uint32_t children,
                    int kind, int gen, int parent, uint32_t child_index, unsigned depth);

/* A proto_fun (v1.23+) or raw code (v1.19-v1.22) at ptr. */
static int load_proto(struct ld *a, uint32_t ptr, int parent, uint32_t child_index,
                      unsigned depth, int *index)
{
    uint8_t w[12];
    *index = -1;
    int r = rd(a, ptr, 12, w);
    if (r < 0) {
        return a->fatal;
    }
    if (r == 0) {
        r = rd(a, ptr, 2, w);
        if (r < 0) {
            return a->fatal;
        }
        if (r == 0) {
            return RC_OK;
        }
    }
    size_t before = a->p->n;
    int rc;
    if (a->src->proto_fun) {
        if (w[0] != 0 || w[1] != 0) {
            rc = load_one(a, ptr, ptr, 0, BC_KIND_BYTECODE, -1, parent, child_index, depth);
        } else if (r == 0) {
            return RC_OK;
        } else {
            rc = load_one(a, ptr, le32(w + 4), le32(w + 8), w[2] & 7, w[3], parent,
                          child_index, depth);
        }
    } else {
        if (r == 0) {
            return RC_OK;
        }
        uint32_t w0 = le32(w);
        rc = load_one(a, ptr, le32(w + 4), le32(w + 8), (int)(w0 & 7), -1, parent,
                      child_index, depth);
    }
    if (a->p->n > before) {
        *index = (int)before;
    }
    return rc;
}

static int load_one(struct ld *a, uint32_t addr, uint32_t fun_data, uint32_t children,
                    int kind, int gen, int parent, uint32_t child_index, unsigned depth)
{
    struct bc_prog *p = a->p;
    if (p->n >= BC_MAX_FUNS) {
        p->truncated = 1;
        return RC_OK;
    }
    if (p->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        struct bc_fun *nf = realloc(p->f, nc * sizeof *nf);
        if (nf == NULL) {
            return rc_set(a->msg, RC_NOMEM, "out of memory");
        }
        p->f = nf;
        a->cap = nc;
    }
    size_t me = p->n++;
    struct bc_fun *f = &p->f[me];
    memset(f, 0, sizeof *f);
    f->addr = addr;
    f->fun_data = fun_data;
    f->children = children;
    f->kind = kind;
    f->generator = gen;
    f->parent = parent;
    f->child_index = child_index;
    f->depth = depth;
    const struct bc_src *s = a->src;
    if (kind != BC_KIND_BYTECODE && kind != BC_KIND_NATIVE && kind != BC_KIND_VIPER &&
        kind != BC_KIND_ASM && kind != BC_KIND_VIPER_OR_ASM) {
        snprintf(f->err, sizeof f->err, "its kind %d is none MicroPython has", kind);
        return RC_OK;
    }
    int exact = 0;
    uint32_t len = s->len_of != NULL ? s->len_of(s->ctx, fun_data, &exact) : 0;
    f->len_known = len != 0 && exact;
    if (len == 0) {
        len = s->max_len != 0 ? s->max_len : BC_MAX_FUN_BYTES;
    }
    if (len > BC_MAX_FUN_BYTES) {
        len = BC_MAX_FUN_BYTES;
    }
    if ((uint64_t)fun_data + len > 0x100000000ULL) {
        len = (uint32_t)(0x100000000ULL - fun_data);
    }
    f->bytes = malloc(len ? len : 1);
    if (f->bytes == NULL) {
        return rc_set(a->msg, RC_NOMEM, "out of memory");
    }
    int r = rd(a, fun_data, len, f->bytes);
    if (r < 0) {
        return a->fatal;
    }
    if (r == 0) {
        snprintf(f->err, sizeof f->err, "its %u bytes at 0x%08x cannot be read", len,
                 fun_data);
        return RC_OK;
    }
    f->len = len;
    if (kind != BC_KIND_BYTECODE) {
        /* Machine code: up to the zero bytes that end its heap block. */
        if (!f->len_known) {
            uint32_t e = len;
            while (e > 0 && f->bytes[e - 1] == 0) {
                e--;
            }
            e = (e + 1) & ~1u; /* Thumb: halfwords */
            f->npad = len - (e < len ? e : len);
            f->code_end = len - f->npad;
        } else {
            f->code_end = len;
        }
        return RC_OK;
    }
    struct rc_msg m;
    int old = s->fmt != BC_FMT_V6;
    int v5 = s->fmt == BC_FMT_V5 || s->fmt == BC_FMT_V5_PC;
    if ((v5 ? bc_prelude_decode_v5(s->fmt, f->bytes, len, fun_data, &f->pre, &m)
            : old ? bc_prelude_decode_old(s->fmt, f->bytes, len, &f->pre, &m)
                  : bc_prelude_decode(f->bytes, len, &f->pre, &m)) != RC_OK) {
        snprintf(f->err, sizeof f->err, "its prelude does not decode: %s", m.text);
        return RC_OK;
    }
    f->have_prelude = 1;
    f->have_names = 1;
    if (old) {
        /* Names are qstr ids; argument names are the first entries of the
         * const_table, as qstr objects. */
        f->simple_name = f->pre.names[0];
        f->source_file = f->pre.source_file;
        for (uint32_t k = 1; k < f->pre.nnames; k++) {
            uint8_t w[4];
            r = children != 0 ? rd(a, children + 4 * (k - 1), 4, w) : 0;
            if (r < 0) {
                return a->fatal;
            }
            if (r == 0 || s->qstr_of_obj == NULL ||
                !s->qstr_of_obj(s->ctx, le32(w), &f->arg_qstr[k - 1])) {
                f->have_names = 0;
            }
        }
    } else {
        for (uint32_t k = 0; k < f->pre.nnames; k++) {
            if (!qtab(a, f->pre.names[k], k == 0 ? &f->simple_name : &f->arg_qstr[k - 1])) {
                f->have_names = 0;
            }
        }
        if (!qtab(a, 0, &f->source_file)) {
            f->have_names = 0;
        }
    }
    if (a->fatal) {
        return a->fatal;
    }
    /* v1.19+: offsets from the first opcode, bounded by the info; v1.12-
     * v1.18: from the first opcode, up to a 0 byte; v1.9-v1.11: from the
     * end of the code info, up to a 0 byte. */
    size_t nli = f->pre.closure_at - f->pre.lines_at;
    if (old) {
        const uint8_t *z = memchr(f->bytes + f->pre.lines_at, 0, nli);
        if (z != NULL) {
            nli = (size_t)(z - (f->bytes + f->pre.lines_at));
        }
    }
    int rc = bc_lines_decode(f->bytes + f->pre.lines_at, nli,
                             old && !v5 ? f->pre.closure_at : f->pre.code_at, &f->lines,
                             &f->nlines);
    if (rc != RC_OK) {
        return rc_set(a->msg, RC_NOMEM, "out of memory");
    }
    if ((rc = decode_code(a, f)) != RC_OK) {
        return rc;
    }
    if (a->fatal) {
        return a->fatal;
    }
    if (old) {
        /* Before v1.19: MAKE_FUNCTION carries the raw code's address (or
         * its const_table index, read above). */
        for (size_t i = 0; i < f->ninsns && depth < BC_MAX_DEPTH; i++) {
            if (f->insns[i].argk != BC_A_CHILD || !f->insns[i].have_value) {
                continue;
            }
            uint32_t ca = f->insns[i].value;
            int idx = seen(p, ca);
            if (idx < 0) {
                uint32_t ci = 0;
                for (size_t k = 0; k < i; k++) {
                    ci += f->insns[k].argk == BC_A_CHILD;
                }
                if ((rc = load_proto(a, ca, (int)me, ci, depth + 1, &idx)) != RC_OK) {
                    return rc;
                }
                f = &p->f[me]; /* p->f may have moved */
            }
            f->insns[i].child = idx;
        }
        return RC_OK;
    }
    /* The children, in the order of their index (as mpy-tool lists them). */
    uint32_t nchild = 0;
    for (size_t i = 0; i < f->ninsns; i++) {
        const struct bc_insn *in = &f->insns[i];
        if (in->argk == BC_A_CHILD && in->arg >= 0 && in->arg < BC_MAX_CHILDREN &&
            (uint32_t)in->arg + 1 > nchild) {
            nchild = (uint32_t)in->arg + 1;
        }
    }
    if (nchild > 0 && children == 0) {
        snprintf(f->err, sizeof f->err, "it makes functions but has no children table");
        return RC_OK;
    }
    if (depth >= BC_MAX_DEPTH) {
        return RC_OK;
    }
    uint32_t *caddr = calloc(nchild ? nchild : 1, sizeof *caddr);
    int *cidx = calloc(nchild ? nchild : 1, sizeof *cidx);
    if (caddr == NULL || cidx == NULL) {
        free(caddr);
        free(cidx);
        return rc_set(a->msg, RC_NOMEM, "out of memory");
    }
    rc = RC_OK;
    for (uint32_t c = 0; c < nchild && rc == RC_OK; c++) {
        uint8_t w[4];
        cidx[c] = -2; /* not readable */
        r = rd(a, children + 4 * c, 4, w);
        if (r < 0) {
            rc = a->fatal;
            break;
        }
        if (r == 0) {
            continue;
        }
        caddr[c] = le32(w);
        cidx[c] = seen(p, caddr[c]);
        if (cidx[c] < 0) {
            rc = load_proto(a, caddr[c], (int)me, c, depth + 1, &cidx[c]);
        }
    }
    f = &p->f[me]; /* p->f may have moved */
    for (size_t i = 0; rc == RC_OK && i < f->ninsns; i++) {
        struct bc_insn *in = &f->insns[i];
        if (in->argk == BC_A_CHILD && in->arg >= 0 && in->arg < (int64_t)nchild &&
            cidx[in->arg] != -2) {
            in->value = caddr[in->arg];
            in->have_value = 1;
            in->child = cidx[in->arg];
        }
    }
    free(caddr);
    free(cidx);
    return rc;
}

int bc_load(const struct bc_src *src, uint32_t addr, uint32_t fun_data,
            uint32_t children, int kind, struct bc_prog *out, struct rc_msg *msg)
{
    memset(out, 0, sizeof *out);
    out->fmt = src->fmt;
    if (src->fmt < BC_FMT_V6 || src->fmt > BC_FMT_V5_PC) {
        return rc_set(msg, RC_UNSUPP, "this bytecode format is not known");
    }
    struct ld a = {src, out, 0, msg, 0};
    out->native_table = src->native_table;
    int rc = load_one(&a, addr, fun_data, children, kind, -1, -1, 0, 0);
    if (rc == RC_OK && a.fatal) {
        rc = a.fatal;
    }
    if (rc != RC_OK) {
        bc_prog_free(out);
    }
    return rc;
}

int bc_load_proto(const struct bc_src *src, uint32_t proto, struct bc_prog *out,
                  struct rc_msg *msg)
{
    memset(out, 0, sizeof *out);
    out->fmt = src->fmt;
    if (src->fmt < BC_FMT_V6 || src->fmt > BC_FMT_V5_PC) {
        return rc_set(msg, RC_UNSUPP, "this bytecode format is not known");
    }
    struct ld a = {src, out, 0, msg, 0};
    out->native_table = src->native_table;
    int idx;
    int rc = load_proto(&a, proto, -1, 0, 0, &idx);
    if (rc == RC_OK && a.fatal) {
        rc = a.fatal;
    }
    if (rc == RC_OK && out->n == 0) {
        rc = rc_set(msg, RC_NOTFOUND, "no function at 0x%08x: its raw code cannot be "
                    "read", proto);
    }
    if (rc != RC_OK) {
        bc_prog_free(out);
    }
    return rc;
}

int bc_fun_object_v5(const struct frozen_mem *mem, uint32_t word, uint32_t bc_type,
                     uint32_t *bytecode, uint32_t *const_table, struct rc_msg *msg)
{
    uint32_t at = word;
    for (int hop = 0; hop < 4; hop++) {
        uint8_t b[16];
        if ((at & 3) != 0 || at == 0) {
            return rc_set(msg, RC_ARG, "0x%08x is no object pointer (null or not "
                          "word-aligned): not a function", at);
        }
        int rc = frozen_read(mem, at, 16, b, msg);
        if (rc != RC_OK) {
            return rc_prefix(msg, rc, "the object 0x%08x", at);
        }
        uint32_t w[4] = {le32(b), le32(b + 4), le32(b + 8), le32(b + 12)};
        if (w[0] == bc_type) {
            if (w[1] == 0 || (w[1] & 3) != 0 || w[2] == 0 || (w[3] & 3) != 0) {
                return rc_set(msg, RC_ARG, "0x%08x has the bytecode function type but "
                              "not its layout (globals 0x%08x, bytecode 0x%08x, "
                              "const_table 0x%08x)", at, w[1], w[2], w[3]);
            }
            *bytecode = w[2];
            *const_table = w[3];
            return RC_OK;
        }
        uint8_t t[4];
        struct rc_msg m;
        if (w[1] != 0 && (w[1] & 3) == 0 && frozen_read(mem, w[1], 4, t, &m) == RC_OK &&
            le32(t) == bc_type) {
            at = w[1];
            continue;
        }
        return rc_set(msg, RC_ARG, "0x%08x is no bytecode function (its type 0x%08x is "
                      "not mp_type_fun_bc 0x%08x, nor is it a closure or bound method of "
                      "one)", at, w[0], bc_type);
    }
    return rc_set(msg, RC_ARG, "0x%08x: closures or bound methods nested too deep", word);
}
