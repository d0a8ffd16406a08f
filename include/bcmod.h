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
#include "objdec.h"
#include "rc.h"

struct image;

/* n little-endian words at addr (n at most 8). */
int bcmod_read_words(const struct frozen_mem *mem, uint32_t addr, uint32_t *w, size_t n,
                     struct rc_msg *msg);

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

/* A function object at word (following closures and bound methods, as
 * py/objfun.c, py/objclosure.c, py/objboundmeth.c lay them out): its
 * bytecode (or machine code), its children table (v1.9-v1.11: the
 * const_table), its kind (BC_KIND_*), and for v1.19+ its module context's
 * tables into src.  bc_type: the address of the bytecode function type
 * (id(type(lambda: 0))), 0 when not known: then img's mp_type_fun_*
 * symbols say the kind.  RC_ARG for what is no function with bytecode
 * (a built-in, another type), said with its type. */
int bcmod_fun_object(uint32_t bc_type, const struct objdec_layout *lay,
                     const struct frozen_mem *mem, const struct objdec_qstr_ops *qs,
                     const struct image *img, uint32_t word, struct bc_src *src,
                     uint32_t *bytecode, uint32_t *children, int *kind, struct rc_msg *msg);

/* The qstr of the qstr object word w, decoded with lay (the old formats'
 * argument names are such objects in the const_table): 1 with *q, or 0
 * when w is no qstr object. */
int bcmod_qstr_of_obj(const struct objdec_layout *lay, const struct frozen_mem *mem,
                      const struct objdec_qstr_ops *qs, uint32_t w, uint32_t *q);

#endif
