/*
 * inspect.c: the data inspector's text (see inspect.h).
 */
#include "inspect.h"

#include <stdio.h>
#include <string.h>

#include "heapmap.h"
#include "rmap.h"

static uint32_t le(const uint8_t *b, size_t n)
{
    uint32_t v = 0;
    for (size_t i = n; i-- > 0;) {
        v = v << 8 | b[i];
    }
    return v;
}

static uint32_t be(const uint8_t *b, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v << 8 | b[i];
    }
    return v;
}

static void f32_text(uint32_t bits, char *out, size_t size)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    snprintf(out, size, "%.9g", (double)f);
}

void inspect_numbers(const uint8_t *b, size_t n, char line1[INSPECT_LINE],
                     char line2[INSPECT_LINE])
{
    line1[0] = line2[0] = 0;
    if (n == 0) {
        snprintf(line1, INSPECT_LINE, "(the byte at the cursor is not read yet)");
        return;
    }
    size_t l = 0;
    l += (size_t)snprintf(line1 + l, INSPECT_LINE - l, "u8 %u  i8 %d", b[0], (int8_t)b[0]);
    if (n >= 2) {
        uint32_t a = le(b, 2), c = be(b, 2);
        snprintf(line1 + l, INSPECT_LINE - l, "  u16 0x%04x %u (be 0x%04x %u)  i16 %d (be %d)",
                 (unsigned)a, (unsigned)a, (unsigned)c, (unsigned)c, (int16_t)a, (int16_t)c);
    }
    if (n >= 4) {
        uint32_t a = le(b, 4), c = be(b, 4);
        char fa[32], fc[32];
        f32_text(a, fa, sizeof fa);
        f32_text(c, fc, sizeof fc);
        snprintf(line2, INSPECT_LINE, "u32 0x%08x %u (be 0x%08x)  i32 %d (be %d)  f32 %s (be %s)",
                 (unsigned)a, (unsigned)a, (unsigned)c, (int32_t)a, (int32_t)c, fa, fc);
    }
}

/* A pointer: the region chain's innermost name, and the heap object. */
static void pointer_text(uint32_t w, const struct rmap *map,
                         const struct heapmap *heap, char *line)
{
    const struct rmap_region *r = map != NULL ? rmap_lookup_inner(map, w) : NULL;
    size_t l = 0;
    if (r == NULL) {
        snprintf(line, INSPECT_LINE, "0x%08x: a pointer into no known region", (unsigned)w);
        return;
    }
    const struct rmap_region *top = r;
    while (top->parent >= 0) {
        top = rmap_get(map, (size_t)top->parent);
    }
    if (top == r) {
        l = (size_t)snprintf(line, INSPECT_LINE, "pointer into %s+0x%x", r->name,
                             (unsigned)(w - r->start));
    } else {
        l = (size_t)snprintf(line, INSPECT_LINE, "pointer into %s (%s+0x%x)", top->name,
                             r->name, (unsigned)(w - r->start));
    }
    struct heapmap_hit hit;
    if (heap != NULL && heapmap_lookup(heap, w, &hit) == RC_OK && l < INSPECT_LINE) {
        if (hit.state == HEAPMAP_FREE) {
            snprintf(line + l, INSPECT_LINE - l, ": a free heap block");
        } else if (!hit.orphan) {
            snprintf(line + l, INSPECT_LINE - l, ": %s a %u-block %s at 0x%08x",
                     hit.head_addr == w ? "the head of" : "inside",
                     (unsigned)hit.obj_blocks, heapmap_kind_name(hit.kind),
                     (unsigned)hit.head_addr);
        }
    }
}

/* No memory: a pointer's object is not decoded here. */
static int no_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                   struct rc_msg *msg)
{
    (void)ctx;
    (void)len;
    (void)out;
    return rc_set(msg, RC_NOTFOUND, "0x%08x not read", (unsigned)addr);
}

static int no_qstrs(void *ctx, uint32_t q, char *buf, size_t size,
                    struct rc_msg *msg)
{
    (void)ctx;
    (void)buf;
    (void)size;
    return rc_set(msg, RC_NOTFOUND, "the qstr pools are not loaded (qstr %u)", (unsigned)q);
}

void inspect_word(uint32_t w, const struct objdec_layout *lay,
                  const struct rmap *map, const struct heapmap *heap,
                  const struct objdec_qstr_ops *qs, char line[INSPECT_LINE])
{
    if (w == 0) {
        snprintf(line, INSPECT_LINE, "word 0: NULL, not a pointer");
        return;
    }
    if (lay == NULL || (w & 3) == 0) {
        char p[INSPECT_LINE];
        if ((w & 3) == 0) {
            pointer_text(w, map, heap, p);
            snprintf(line, INSPECT_LINE, "word: %.180s", p);
        } else {
            snprintf(line, INSPECT_LINE, "word 0x%08x: not aligned, no pointer "
                     "(its object reading needs the board's layout)", (unsigned)w);
        }
        return;
    }
    struct frozen_mem mem = {no_read, NULL};
    struct objdec_qstr_ops none = {no_qstrs, NULL};
    if (qs == NULL) {
        qs = &none;
    }
    struct objdec_limits lim = {0, 1};
    struct objdec_obj *o = NULL;
    struct rc_msg msg;
    int rc = objdec_decode(lay, &mem, qs, w, &lim, &o, &msg);
    if (rc == RC_OK) {
        switch (o->kind) {
        case OBJDEC_SMALL_INT:
            snprintf(line, INSPECT_LINE, "word: small int %ld", (long)o->ival);
            break;
        case OBJDEC_QSTR:
            snprintf(line, INSPECT_LINE, "word: qstr %u '%.*s'", (unsigned)o->fields[0].value,
                     (int)(o->len < 120 ? o->len : 120), o->text ? o->text : "");
            break;
        case OBJDEC_NONE:
            snprintf(line, INSPECT_LINE, "word: None");
            break;
        case OBJDEC_BOOL:
            snprintf(line, INSPECT_LINE, "word: %s", o->ival ? "True" : "False");
            break;
        case OBJDEC_FLOAT: {
            char f[40];
            objdec_float_repr(o->fbits, lay, f, sizeof f);
            snprintf(line, INSPECT_LINE, "word: float %s (inline)", f);
            break;
        }
        default:
            snprintf(line, INSPECT_LINE, "word: a %s", o->type_name);
            break;
        }
        objdec_free(o);
        return;
    }
    /* No object word of this representation, or a qstr with no text. */
    snprintf(line, INSPECT_LINE, "word 0x%08x: %.170s", (unsigned)w, msg.text);
}
