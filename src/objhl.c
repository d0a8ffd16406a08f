/*
 * objhl.c: where a decoded object's parts are (see objhl.h).
 */
#include "objhl.h"

#include <string.h>

static void add(struct objhl *h, uint64_t addr, uint64_t len, enum objhl_part part, int line)
{
    if (h->n >= OBJHL_MAX_SPANS || len == 0 || addr + len > 0x100000000ULL) {
        return;
    }
    h->span[h->n].addr = (uint32_t)addr;
    h->span[h->n].len = (uint32_t)len;
    h->span[h->n].part = part;
    h->span[h->n].line = line;
    h->n++;
}

void objhl_build(const struct objdec_obj *o, struct objhl *out)
{
    out->n = 0;
    if (o == NULL || o->addr == 0) {
        return;
    }
    add(out, o->addr, 4, OBJHL_TYPE, 0);
    int line = 1;
    uint32_t data = 0;
    for (size_t i = 0; i < o->nfields; i++, line++) {
        const struct objdec_field *f = &o->fields[i];
        /* only what was read (a small object at the end of memory) */
        if (f->off + f->size <= o->hdr_len) {
            add(out, (uint64_t)o->addr + f->off, f->size, OBJHL_FIELD, line);
        }
        if (f->is_ptr && (strcmp(f->name, "data") == 0 || strcmp(f->name, "items") == 0)) {
            data = f->value;
        }
    }
    int dict = o->kind == OBJDEC_DICT;
    for (size_t i = 0; i < o->nitems; i++) {
        const struct objdec_obj *c = o->items[i];
        if (c->at != 0) {
            add(out, c->at, 4, OBJHL_ITEM, line);
        }
        if (!dict || i % 2 == 1 || i + 1 == o->nitems) {
            line++;
        }
    }
    /* The bytes decoded from a str, bytes, bytearray or array. */
    if (data != 0 && o->text != NULL &&
        (o->kind == OBJDEC_STR || o->kind == OBJDEC_BYTES || o->kind == OBJDEC_BYTEARRAY ||
         o->kind == OBJDEC_ARRAY)) {
        add(out, data, o->len, OBJHL_DATA, -1);
    }
}

const struct objhl_span *objhl_at(const struct objhl *h, uint32_t addr)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct objhl_span *s = &h->span[i];
        if (addr >= s->addr && (uint64_t)addr < (uint64_t)s->addr + s->len) {
            return s;
        }
    }
    return NULL;
}
