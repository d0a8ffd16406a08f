/*
 * nativedis.c: Thumb machine code disassembled with capstone (see
 * nativedis.h).
 *
 * The native emitter of v1.9-v1.11 (py/asmthumb.c asm_thumb_bl_ind) calls
 * runtime helpers as "ldr rT, [r7, #4*id]; blx rT", r7 holding
 * mp_fun_table, whose order is py/runtime0.h's mp_fun_kind_t of that
 * version (the entries after MP_F_STORE_MAP exist only with
 * MICROPY_PY_BUILTINS_SET and _SLICE, hence the table kind).
 *
 * From v1.12 (dynamic native modules) the table is py/nativeglue.h's
 * mp_fun_table_t, indexed by its mp_fun_kind_t: it starts with the three
 * constants (None, False, True), then the helpers the emitter calls, the
 * same in every build (no entry depends on a config option any more).
 * The order here is that header's as stored for the v1.13-v1.18 line
 * (entries 0-49, MP_F_CONST_NONE_OBJ to MP_F_SETJMP; the entries from 50
 * on serve dynamic native modules, not the emitter).  v1.19 to the newest
 * keep that order as far as their .mpy native sub-versions say; later
 * renames (raw code to proto_fun) are not reflected in the names, and no
 * later header was at hand to check entry by entry.
 */
#include "nativedis.h"

#include <capstone.h>
#include <stdio.h>
#include <string.h>

#include "rc.h"

static const char *const v19_table[] = {
    "MP_F_CONVERT_OBJ_TO_NATIVE", "MP_F_CONVERT_NATIVE_TO_OBJ", "MP_F_LOAD_NAME",
    "MP_F_LOAD_GLOBAL", "MP_F_LOAD_BUILD_CLASS", "MP_F_LOAD_ATTR", "MP_F_LOAD_METHOD",
    "MP_F_LOAD_SUPER_METHOD", "MP_F_STORE_NAME", "MP_F_STORE_GLOBAL", "MP_F_STORE_ATTR",
    "MP_F_OBJ_SUBSCR", "MP_F_OBJ_IS_TRUE", "MP_F_UNARY_OP", "MP_F_BINARY_OP",
    "MP_F_BUILD_TUPLE", "MP_F_BUILD_LIST", "MP_F_LIST_APPEND", "MP_F_BUILD_MAP",
    "MP_F_STORE_MAP", "MP_F_BUILD_SET", "MP_F_STORE_SET", "MP_F_MAKE_FUNCTION_FROM_RAW_CODE",
    "MP_F_NATIVE_CALL_FUNCTION_N_KW", "MP_F_CALL_METHOD_N_KW", "MP_F_CALL_METHOD_N_KW_VAR",
    "MP_F_NATIVE_GETITER", "MP_F_NATIVE_ITERNEXT", "MP_F_NLR_PUSH", "MP_F_NLR_POP",
    "MP_F_NATIVE_RAISE", "MP_F_IMPORT_NAME", "MP_F_IMPORT_FROM", "MP_F_IMPORT_ALL",
    "MP_F_NEW_SLICE", "MP_F_UNPACK_SEQUENCE", "MP_F_UNPACK_EX", "MP_F_DELETE_NAME",
    "MP_F_DELETE_GLOBAL", "MP_F_NEW_CELL", "MP_F_MAKE_CLOSURE_FROM_RAW_CODE",
    "MP_F_SETUP_CODE_STATE",
};

static const char *const v112_table[] = {
    "MP_F_CONST_NONE_OBJ", "MP_F_CONST_FALSE_OBJ", "MP_F_CONST_TRUE_OBJ",
    "MP_F_CONVERT_OBJ_TO_NATIVE", "MP_F_CONVERT_NATIVE_TO_OBJ", "MP_F_NATIVE_SWAP_GLOBALS",
    "MP_F_LOAD_NAME", "MP_F_LOAD_GLOBAL", "MP_F_LOAD_BUILD_CLASS", "MP_F_LOAD_ATTR",
    "MP_F_LOAD_METHOD", "MP_F_LOAD_SUPER_METHOD", "MP_F_STORE_NAME", "MP_F_STORE_GLOBAL",
    "MP_F_STORE_ATTR", "MP_F_OBJ_SUBSCR", "MP_F_OBJ_IS_TRUE", "MP_F_UNARY_OP",
    "MP_F_BINARY_OP", "MP_F_BUILD_TUPLE", "MP_F_BUILD_LIST", "MP_F_BUILD_MAP",
    "MP_F_BUILD_SET", "MP_F_STORE_SET", "MP_F_LIST_APPEND", "MP_F_STORE_MAP",
    "MP_F_MAKE_FUNCTION_FROM_RAW_CODE", "MP_F_NATIVE_CALL_FUNCTION_N_KW",
    "MP_F_CALL_METHOD_N_KW", "MP_F_CALL_METHOD_N_KW_VAR", "MP_F_NATIVE_GETITER",
    "MP_F_NATIVE_ITERNEXT", "MP_F_NLR_PUSH", "MP_F_NLR_POP", "MP_F_NATIVE_RAISE",
    "MP_F_IMPORT_NAME", "MP_F_IMPORT_FROM", "MP_F_IMPORT_ALL", "MP_F_NEW_SLICE",
    "MP_F_UNPACK_SEQUENCE", "MP_F_UNPACK_EX", "MP_F_DELETE_NAME", "MP_F_DELETE_GLOBAL",
    "MP_F_MAKE_CLOSURE_FROM_RAW_CODE", "MP_F_ARG_CHECK_NUM_SIG", "MP_F_SETUP_CODE_STATE",
    "MP_F_SMALL_INT_FLOOR_DIVIDE", "MP_F_SMALL_INT_MODULO", "MP_F_NATIVE_YIELD_FROM",
    "MP_F_SETJMP",
};

const char *nativedis_fun_name(int table, unsigned i)
{
    if (table == NATIVEDIS_TABLE_V19 && i < sizeof v19_table / sizeof v19_table[0]) {
        return v19_table[i];
    }
    if (table == NATIVEDIS_TABLE_V112 && i < sizeof v112_table / sizeof v112_table[0]) {
        return v112_table[i];
    }
    return NULL;
}

int nativedis_thumb(const uint8_t *code, size_t n, uint32_t addr, int table,
                    struct buf *out)
{
    csh h;
    if (cs_open(CS_ARCH_ARM, (cs_mode)(CS_MODE_THUMB | CS_MODE_MCLASS), &h) != CS_ERR_OK) {
        return RC_UNSUPP;
    }
    size_t pos = 0;
    int pending = -1;        /* register loaded from [r7, #N] */
    unsigned pending_off = 0;
    cs_insn *insn = cs_malloc(h);
    if (insn == NULL) {
        cs_close(&h);
        return RC_NOMEM;
    }
    while (pos + 1 < n) {
        const uint8_t *p = code + pos;
        size_t left = n - pos;
        uint64_t a = (uint64_t)addr + pos;
        char hx[24] = "";
        if (!cs_disasm_iter(h, &p, &left, &a, insn)) {
            buf_printf(out, "       0x%08x  %02x %02x                      .short 0x%04x"
                       "  ; not an instruction\n", addr + (uint32_t)pos, code[pos],
                       code[pos + 1], (unsigned)(code[pos] | code[pos + 1] << 8));
            pos += 2;
            pending = -1;
            continue;
        }
        size_t o = 0;
        for (size_t k = 0; k < insn->size && o + 4 < sizeof hx; k++) {
            o += (size_t)snprintf(hx + o, sizeof hx - o, "%s%02x", k ? " " : "",
                                  insn->bytes[k]);
        }
        char comment[96] = "";
        int rt;
        unsigned off;
        char tail[8];
        if (strcmp(insn->mnemonic, "ldr") == 0 &&
            (sscanf(insn->op_str, "r%d, [r7, #%i%1[]]", &rt, &off, tail) == 3 ||
             (sscanf(insn->op_str, "r%d, [r7%1[]]", &rt, tail) == 2 && (off = 0) == 0))) {
            pending = rt;
            pending_off = off;
        } else if (strcmp(insn->mnemonic, "blx") == 0 && pending >= 0 &&
                   sscanf(insn->op_str, "r%d", &rt) == 1 && rt == pending) {
            const char *nm = nativedis_fun_name(table, pending_off / 4);
            snprintf(comment, sizeof comment, "  ; mp_fun_table[%u]%s%s", pending_off / 4,
                     nm ? " " : "", nm ? nm : "");
            pending = -1;
        } else {
            pending = -1;
        }
        buf_printf(out, "       0x%08x  %-26s %s %s%s\n", addr + (uint32_t)pos, hx,
                   insn->mnemonic, insn->op_str, comment);
        pos += insn->size;
    }
    if (pos < n) {
        buf_printf(out, "       0x%08x  %02x                         .byte 0x%02x\n",
                   addr + (uint32_t)pos, code[pos], code[pos]);
    }
    cs_free(insn, 1);
    cs_close(&h);
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}
