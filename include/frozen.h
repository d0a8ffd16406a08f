/*
 * frozen.h: MicroPython's frozen modules, found in a firmware image or in
 * a board's memory.
 *
 * A frozen module is either source text (mp_frozen_str_content) or
 * bytecode compiled into C data by mpy-tool (per-module symbols such as
 * frozen_module_<mod>, proto_fun_/raw_code_<scope>, fun_data_<scope>,
 * children_<scope>, const_qstr_table_data_<mod>, const_obj_table_data_<mod>,
 * const_obj_<mod>_<n>).  The tables and symbol patterns per MicroPython
 * version are in the wire spec, section 9.
 *
 * The symbols come from an ELF image (struct image); the bytes come through
 * struct frozen_mem, which reads either the image itself or the board (the
 * same addresses, read live), so one walk gives both manifests.
 * Manifests are in frozen_manifest.h, the explorer's bytecode notes in
 * frozen_notes.h.
 *
 * Per module:
 *   name   as in mp_frozen_names ("unittest/__init__.py")
 *   addr   source: its text; bytecode: the module's top-level bytecode
 *          (fun_data_<mod>__lt_module_gt_, or what proto_fun points at)
 *   size   the number of bytes hashed
 *   sha256 over the module's bytes: source text without its NUL; for
 *          bytecode, every object the freezer generated for the module
 *          (the sized symbols above that belong to it), in address order,
 *          overlaps counted once.  A symbol belongs to the module whose
 *          pointers reach it: from frozen_module_<mod> (v1.19+) or the
 *          raw code in mp_frozen_mpy_content (older) through raw-code
 *          structs, children arrays, the qstr and object tables and the
 *          constant objects.  The name patterns decide only between two
 *          modules that reach the same symbol and for symbols nothing
 *          reaches; no symbol belongs to two modules.  So a change to
 *          hello.world() changes hello.py, never hello_world.py.
 *          Those objects hold pointers, so a module that only moved also
 *          counts as changed: "same" is never said of different bytes.
 */
#ifndef MPEEK_FROZEN_H
#define MPEEK_FROZEN_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct image;

/* Where bytes come from.  read() fills out with len bytes at addr or
 * returns an rc with a message (unreadable, board gone). */
struct frozen_mem {
    int (*read)(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                struct rc_msg *msg);
    void *ctx;
};

/* A frozen_mem over the image's own load bytes (RC_NOTFOUND with a message
 * for bytes the image does not hold). */
void frozen_mem_image(struct frozen_mem *mem, const struct image *img);

struct frozen_range {
    uint32_t addr;
    uint32_t len;
};

struct frozen_mod {
    char name[128];
    int source;                 /* 1: frozen as source text */
    uint32_t addr;
    uint32_t size;
    uint8_t sha256[32];
    struct frozen_range *ranges; /* what was hashed, address order */
    size_t nranges;
};

struct frozen_set {
    struct frozen_mod *mods;    /* in mp_frozen_names order */
    size_t n;
    char layout[64];            /* "v1.19+ (mp_frozen_names, mp_frozen_mpy_content)", ... */
};

/*
 * Find the frozen modules of img (which must have symbols: an ELF that was
 * not stripped), reading bytes through mem.  RC_OK with set->n == 0 and a
 * layout of "none" when the image has no frozen tables; RC_UNSUPP with a
 * message for an image without symbols of any kind ("FILE has no symbols
 * (a .hex, .uf2 or .bin has none): give the firmware's ELF"); RC_PARSE for
 * tables that make no sense (names past the end of the image, sizes that
 * lie) and for tables whose pointers would have the walk scan more than
 * 16 MiB of objects ("FILE: the frozen tables point at more than 16 MiB of
 * objects; not a real firmware image?"), so a crafted image costs at most
 * a fraction of a second.
 */
int frozen_find(const struct image *img, const struct frozen_mem *mem,
                struct frozen_set *set, struct rc_msg *msg);

void frozen_set_free(struct frozen_set *set);

/* The module whose bytes hold addr (its ranges), or NULL. */
const struct frozen_mod *frozen_at(const struct frozen_set *set, uint32_t addr);

#endif
