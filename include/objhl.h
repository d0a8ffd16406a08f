/*
 * objhl.h: where a decoded object (objdec.h) sits in memory, for the
 * explorer to outline its parts on the hex rows while the object panel
 * shows it: the type word, each field's bytes (objdec_field off/size), each
 * item's word (its slot in the items array, tuple or table), and the bytes
 * of a str/bytes/bytearray/array's data that were decoded.
 *
 * Each span carries the panel line that shows it, in the order the panel
 * (tui_obj.c) writes its lines: line 0 the type, then one line per field,
 * then one per item (one per key/value pair of a dict).  The data bytes
 * belong to no line (-1).  Spans never wrap past 2^32, and cover only
 * bytes the decoder read (objdec_obj.hdr_len).
 *
 * Nothing here draws; the explorer asks objhl_at for each byte it draws.
 */
#ifndef MPEEK_OBJHL_H
#define MPEEK_OBJHL_H

#include <stddef.h>
#include <stdint.h>

#include "objdec.h"

#define OBJHL_MAX_SPANS 600

enum objhl_part { OBJHL_TYPE, OBJHL_FIELD, OBJHL_ITEM, OBJHL_DATA };

struct objhl_span {
    uint32_t addr;
    uint32_t len;
    enum objhl_part part;
    int line;            /* the panel line that shows it, -1 none */
};

struct objhl {
    struct objhl_span span[OBJHL_MAX_SPANS];
    size_t n;
};

/* The spans of o (an empty set for a tagged word: it is in no memory). */
void objhl_build(const struct objdec_obj *o, struct objhl *out);

/* The span holding addr (the first one: a field before the data), or
 * NULL. */
const struct objhl_span *objhl_at(const struct objhl *h, uint32_t addr);

#endif
