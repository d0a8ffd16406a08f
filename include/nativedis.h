/*
 * nativedis.h: machine code of native, viper and asm_thumb functions
 * disassembled with capstone (Thumb, M-profile, as on the Cortex-M boards
 * mpeek reads), one line per instruction, calls through MicroPython's
 * native function table named where they can be.
 */
#ifndef MPEEK_NATIVEDIS_H
#define MPEEK_NATIVEDIS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Which mp_fun_table the code calls through (its order is
 * py/runtime0.h's mp_fun_kind_t of that version). */
enum nativedis_table {
    NATIVEDIS_TABLE_NONE = 0,  /* not known: calls are not named */
    NATIVEDIS_TABLE_V19 = 1,   /* v1.9-v1.11 with set and slice built in */
    NATIVEDIS_TABLE_V112 = 2,  /* v1.12 on: py/nativeglue.h's mp_fun_kind_t */
};

/* The n bytes of code at addr as text lines appended to out:
 * "ADDR  BYTES  mnemonic operands  ; comment".  A call "ldr rX, [r7, #N]"
 * then "blx rX" (the native emitter's call through the table held in r7)
 * is named mp_fun_table[N/4] and its MP_F_ name.  Bytes capstone cannot
 * decode are shown as ".short" and skipped.  RC_OK, RC_NOMEM, or RC_UNSUPP
 * when capstone cannot be opened. */
int nativedis_thumb(const uint8_t *code, size_t n, uint32_t addr, int table,
                    struct buf *out);

/* The MP_F_ name of entry i of the table, or NULL. */
const char *nativedis_fun_name(int table, unsigned i);

#endif
