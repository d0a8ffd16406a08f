/*
 * bcmod.h: what decoding a frozen module's bytecode needs from the
 * firmware's ELF, shared by mpeek dis and the explorer's disassembly pane:
 * the MicroPython version from the image's banner, and a module's tables
 * (qstr table, object table, root raw code) through its frozen_module_*
 * symbol (v1.19+ layout, py/builtinimport.c / tools/mpy-tool.py).
 */
#ifndef MPEEK_BCMOD_H
#define MPEEK_BCMOD_H

#include <stdint.h>

#include "bc.h"
#include "frozen.h"
#include "rc.h"

struct image;

/* The version in img's banner text ("MicroPython v1.29.0"): 1, else 0. */
int bcmod_image_version(const struct image *img, int *major, int *minor);

/* The tables of frozen module mod (mp_frozen_module_t, v1.19+: constants
 * {qstr_table, obj_table}, then proto_fun) into src (qstr_table, nqstr,
 * obj_table, nobj, proto_fun), its root raw code in *root.  minor: the
 * version's (v1.23+ raw codes are proto_funs, unless the symbols say
 * otherwise).  RC_UNSUPP when the module has no such symbol. */
int bcmod_tables(const struct image *img, const struct frozen_mem *mem, int minor,
                 const struct frozen_mod *mod, struct bc_src *src, uint32_t *root,
                 struct rc_msg *msg);

#endif
