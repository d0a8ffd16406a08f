/*
 * frozen_notes.h: what a frozen bytecode module is made of, decoded for the
 * explorer's notes line: raw-code structs, bytecode preludes, qstr and
 * object tables.
 *
 * The bytes come through struct frozen_mem (frozen.h), the symbols and the
 * qstr pools from the image.  The notes are the caller's, freed with
 * frozen_notes_free().
 */
#ifndef MPEEK_FROZEN_NOTES_H
#define MPEEK_FROZEN_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "frozen.h"
#include "rc.h"

struct image;

/* One decoded piece of a module: [addr, addr+len) and what it is, e.g.
 * "prelude n_state=5 n_exc_stack=0 scope_flags=0x00 n_pos_args=0 ...",
 * "simple_name <module>", "arg names: self, x", "qstr table [3]: 'print'",
 * "bytecode 42 bytes", "raw code: kind bytecode, fun_data 0x2e4dd". */
struct frozen_note {
    uint32_t addr;
    uint32_t len;
    char text[160];
};

struct frozen_notes {
    struct frozen_note *n;     /* address order */
    size_t count;
    uint32_t maxlen;           /* the longest note (0: not known, as in a
                                * hand-made list) */
};

/*
 * Decode what the module is made of, reading through mem: its raw-code
 * structs, each function's bytecode prelude (signature, sizes, simple
 * name, argument names), its qstr and object tables with the names they
 * refer to (qstr strings found through the image's qstr pools).  Pieces
 * that cannot be decoded are left out, never guessed.
 */
int frozen_annotate(const struct image *img, const struct frozen_mem *mem,
                    const struct frozen_mod *mod, struct frozen_notes *out,
                    struct rc_msg *msg);
void frozen_notes_free(struct frozen_notes *notes);

/* The note covering addr, or NULL. */
const struct frozen_note *frozen_note_at(const struct frozen_notes *notes,
                                         uint32_t addr);


#endif
