/*
 * objdec.c: decoding MicroPython objects from memory (the model; no text).
 *
 * Which source each decoder follows (32-bit words, little endian):
 *   object words   py/obj.h v1.9-v1.12 (repr A: qstr xx10 >> 2; repr C:
 *                  qstr (w & 0xff800007) == 6 >> 3, other xx10 floats)
 *                  and v1.19+ (repr A: qstr xx010 >> 3, immediates xx110:
 *                  0 None, 1 False, 3 True; repr C: qstr
 *                  (w & 0xff80000f) == 6 >> 4, immediates == 0xe >> 4).
 *   types          mp_obj_type_t: OLD {base, qstr name, print, ...};
 *                  v1.19 {base, u16 flags, u16 name, print, ...};
 *                  v1.20+ {base, u16 flags, u16 name, u8 slot_index_make_new,
 *                  u8 slot_index_print, ..., slots[]} (flag 0x0200
 *                  MP_TYPE_FLAG_INSTANCE_TYPE marks user classes).
 *   objects        objint_mpz (mpz_t {neg:1, fixed_dig:1, alloc, len,
 *                  dig*}, 16-bit digits), objfloat, objstr (hash, len,
 *                  data), objarray (typecode:8 free:24, len, items),
 *                  objlist (alloc, len, items), objtuple (len, items[]),
 *                  objdict + map.c (used<<3 | flags, alloc, table), objset
 *                  (alloc, used, table), objfun (v1.9: globals, bytecode,
 *                  const_table; v1.19+: context, child_table, bytecode),
 *                  objclosure (fun, n_closed, closed[]), objboundmeth
 *                  (meth, self), objgenerator (v1.9: globals; v1.19+:
 *                  pend_exc; then code_state.fun_bc), objmodule (globals),
 *                  objsingleton (qstr name), objbool (bool value),
 *                  objtype mp_obj_instance_t (members map, subobj[]).
 *   names          mp_obj_fun_get_name: v1.9-v1.11 prelude n_state,
 *                  n_exc_stack (uints), 4 bytes, code_info_size, then the
 *                  simple name (uint, or 2 raw bytes with
 *                  MICROPY_PERSISTENT_CODE); v1.12+ MP_BC_PRELUDE_SIG and
 *                  MP_BC_PRELUDE_SIZE (0x80-continued bytes), then the name
 *                  (v1.19+: an index into context->constants.qstr_table).
 *                  module_print: __name__ (and __file__) in the globals.
 * Map and set slots holding MP_OBJ_NULL (0) or MP_OBJ_SENTINEL (4, release
 * builds) are empty; repr walks the table in order, as dict_print does.
 * The struct offsets above were checked on the boards (v1.9.2 micro:bit,
 * v1.29 qemu) by reading objects with machine.mem32 (tests/data/
 * objdec_v*_heap.txt); the v1.12 prelude and the v1.19 type are from the
 * sources only.
 */
#include "objdec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tinfo {
    uint32_t addr;
    char name[128];
    int has_print;
    int instance_flag;
    uint32_t locals_dict; /* 0 when none or unknown */
    int has_parent;       /* a base class is set (v1.20+ slot, OLD parent) */
    int repr_looked;      /* has_repr is known */
    int has_repr;         /* locals_dict holds __repr__ */
};

#define TYPE_CACHE 16

struct dec {
    const struct objdec_layout *lay;
    const struct frozen_mem *mem;
    const struct objdec_qstr_ops *qs;
    unsigned max_items;
    uint32_t type_type; /* validated address of `type`, 0 until found */
    unsigned steps;     /* bounded work: reads */
    int placed;         /* the message already says which item failed */
    uint64_t budget;    /* items and text bytes the tree may still hold */
    struct tinfo types[TYPE_CACHE]; /* types read in this decode */
    unsigned ntypes;
    struct rc_msg *msg;
};

#define MAX_STEPS 200000u
#define MAX_BUDGET (32ull << 20)

static int spend(struct dec *d, uint64_t n)
{
    if (n > d->budget) {
        return rc_set(d->msg, RC_PARSE, "the object holds more than %llu items "
                      "and bytes in all; lower the depth or item limits",
                      (unsigned long long)MAX_BUDGET);
    }
    d->budget -= n;
    return RC_OK;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int rd(struct dec *d, uint32_t addr, uint32_t len, uint8_t *out,
              const char *what)
{
    if (len == 0) {
        return RC_OK;
    }
    if ((uint64_t)addr + len > 0x100000000ull) {
        return rc_set(d->msg, RC_PARSE, "%s at 0x%08x: %u bytes run past the "
                      "end of the address space", what, addr, len);
    }
    if (++d->steps > MAX_STEPS) {
        return rc_set(d->msg, RC_PARSE, "%s at 0x%08x: too many reads for one "
                      "object; lower the depth or item limits", what, addr);
    }
    struct rc_msg m = {{0}};
    int rc = d->mem->read(d->mem->ctx, addr, len, out, &m);
    if (rc != RC_OK) {
        return rc_set(d->msg, rc < 0 ? rc : RC_IO, "%s at 0x%08x (%u bytes) "
                      "is not readable: %s", what, addr, len,
                      m.text[0] ? m.text : rc_name(rc));
    }
    return RC_OK;
}

static int word_at(struct dec *d, uint32_t addr, uint32_t *v, const char *what)
{
    uint8_t b[4];
    int rc = rd(d, addr, 4, b, what);
    if (rc == RC_OK) {
        *v = rd32(b);
    }
    return rc;
}

static int qstr_text(struct dec *d, uint32_t q, char *buf, size_t size,
                     const char *what)
{
    struct rc_msg m = {{0}};
    buf[0] = '\0';
    int rc = d->qs->text(d->qs->ctx, q, buf, size, &m);
    if (rc != RC_OK) {
        return rc_set(d->msg, rc < 0 ? rc : RC_PARSE, "%s: qstr %u has no "
                      "text: %s", what, q, m.text[0] ? m.text : rc_name(rc));
    }
    buf[size - 1] = '\0';
    return RC_OK;
}

static struct objdec_obj *new_obj(uint32_t word)
{
    struct objdec_obj *o = calloc(1, sizeof *o);
    if (o != NULL) {
        o->word = word;
        o->exact = 1;
    }
    return o;
}

void objdec_free(struct objdec_obj *o)
{
    if (o == NULL) {
        return;
    }
    for (size_t i = 0; i < o->nitems; i++) {
        objdec_free(o->items[i]);
    }
    free(o->items);
    free(o->text);
    free(o->file);
    free(o);
}

/* A field of the object, stored in the size bytes at offset off from its
 * address (size 0: not stored in the object, e.g. a tagged word's). */
static void field_at(struct objdec_obj *o, const char *name, uint32_t v, int ptr,
                     uint32_t off, uint32_t size)
{
    if (o->nfields < OBJDEC_MAX_FIELDS) {
        o->fields[o->nfields].name = name;
        o->fields[o->nfields].value = v;
        o->fields[o->nfields].is_ptr = ptr;
        o->fields[o->nfields].off = off;
        o->fields[o->nfields].size = size;
        o->nfields++;
    }
}

/* A field that is the whole word at off. */
static void field(struct objdec_obj *o, const char *name, uint32_t v, int ptr, uint32_t off)
{
    field_at(o, name, v, ptr, off, 4);
}

static int set_text(struct dec *d, struct objdec_obj *o, const char *s, size_t n)
{
    free(o->text);
    o->text = malloc(n + 1);
    if (o->text == NULL) {
        return rc_set(d->msg, RC_NOMEM, "out of memory for an object's text");
    }
    memcpy(o->text, s, n);
    o->text[n] = '\0';
    o->len = n;
    return RC_OK;
}

/* ---- types ---------------------------------------------------------------- */

static int slots_v20(const struct objdec_layout *lay)
{
    return lay->family == OBJDEC_FAMILY_SLOTS && lay->minor >= 20;
}

/* Read the type object at t: its name and whether it prints.  It is valid
 * only if its own type T is `type`, i.e. T's type is T itself. */
static int read_type_mem(struct dec *d, uint32_t t, struct tinfo *ti);

/* read_type_mem, once per type in a decode (a list of 64 str objects reads
 * the str type once). */
static int read_type(struct dec *d, uint32_t t, struct tinfo *ti)
{
    for (unsigned i = 0; i < d->ntypes && i < TYPE_CACHE; i++) {
        if (d->types[i].addr == t) {
            *ti = d->types[i];
            return RC_OK;
        }
    }
    int rc = read_type_mem(d, t, ti);
    if (rc == RC_OK) {
        d->types[d->ntypes++ % TYPE_CACHE] = *ti;
    }
    return rc;
}

static int read_type_mem(struct dec *d, uint32_t t, struct tinfo *ti)
{
    uint8_t b[64] = {0};
    memset(ti, 0, sizeof *ti);
    ti->addr = t;
    if (t == 0 || (t & 3) != 0) {
        return rc_set(d->msg, RC_PARSE, "type pointer 0x%08x is not an object "
                      "address", t);
    }
    uint32_t n = slots_v20(d->lay) ? 20 : d->lay->family == OBJDEC_FAMILY_OLD ? 60 : 12;
    int rc = rd(d, t, n, b, "type object");
    if (rc != RC_OK) {
        return rc;
    }
    uint32_t meta = rd32(b);
    if (meta != d->type_type || d->type_type == 0) {
        uint8_t mb[8];
        rc = rd(d, meta, 8, mb, "type of a type object");
        if (rc != RC_OK) {
            return rc;
        }
        uint32_t metameta = rd32(mb);
        if (metameta != meta || meta == 0) {
            return rc_set(d->msg, RC_PARSE, "0x%08x is no type object: its type "
                          "0x%08x is not `type` (whose type is itself)", t, meta);
        }
        uint32_t mq = d->lay->family == OBJDEC_FAMILY_OLD ? rd32(mb + 4)
                                                          : (uint32_t)(mb[6] | mb[7] << 8);
        char mname[128];
        rc = qstr_text(d, mq, mname, sizeof mname, "name of type `type`");
        if (rc != RC_OK) {
            return rc;
        }
        if (strcmp(mname, "type") != 0) {
            return rc_set(d->msg, RC_PARSE, "0x%08x is no type object: the type "
                          "of its type is named '%s', not 'type'", t, mname);
        }
        d->type_type = meta;
    }
    uint32_t q;
    if (d->lay->family == OBJDEC_FAMILY_OLD) {
        q = rd32(b + 4);
        ti->has_print = rd32(b + 8) != 0;
        ti->instance_flag = d->lay->instance_print != 0 &&
                            rd32(b + 8) == d->lay->instance_print;
        ti->locals_dict = rd32(b + 56);
        ti->has_parent = rd32(b + 52) != 0;
    } else {
        uint16_t flags = (uint16_t)(b[4] | b[5] << 8);
        q = (uint32_t)(b[6] | b[7] << 8);
        if (slots_v20(d->lay)) {
            ti->has_print = b[9] != 0;
            ti->instance_flag = (flags & 0x0200) != 0;
            ti->has_parent = b[18] != 0;
            uint8_t li = b[19];
            if (li != 0) {
                rc = word_at(d, t + 20 + 4u * (li - 1u), &ti->locals_dict,
                             "type's locals_dict slot");
                if (rc != RC_OK) {
                    return rc;
                }
            }
        } else {
            ti->has_print = rd32(b + 8) != 0;
        }
    }
    char what[48];
    snprintf(what, sizeof what, "name of type 0x%08x", t);
    return qstr_text(d, q, ti->name, sizeof ti->name, what);
}

/* ---- values --------------------------------------------------------------- */

static int decode(struct dec *d, uint32_t word, unsigned depth,
                  struct objdec_obj **out);

static int add_child(struct dec *d, struct objdec_obj *o, uint32_t word, uint32_t at,
                     unsigned depth, const char *what, size_t index)
{
    struct objdec_obj *c = NULL;
    int rc = spend(d, sizeof *c);
    if (rc != RC_OK) {
        return rc;
    }
    if (depth == 0) {
        c = new_obj(word);
        if (c == NULL) {
            return rc_set(d->msg, RC_NOMEM, "out of memory");
        }
        c->kind = OBJDEC_CUT;
        rc = RC_OK;
    } else {
        rc = decode(d, word, depth - 1, &c);
        if (rc != RC_OK) {
            if (d->placed) {
                return rc; /* the innermost place is the useful one */
            }
            d->placed = 1;
            return rc_prefix(d->msg, rc, "%s %zu of %s at 0x%08x", what, index,
                             o->type_name, o->addr);
        }
    }
    c->at = at;
    o->items[o->nitems++] = c;
    return RC_OK;
}

static int alloc_items(struct dec *d, struct objdec_obj *o, size_t n)
{
    int rc = spend(d, (uint64_t)n * sizeof *o->items + sizeof *o);
    if (rc != RC_OK) {
        return rc;
    }
    o->items = calloc(n ? n : 1, sizeof *o->items);
    if (o->items == NULL) {
        return rc_set(d->msg, RC_NOMEM, "out of memory for %zu items", n);
    }
    return RC_OK;
}

/* Children from an array of n words at addr (list items, tuple items). */
static int word_array(struct dec *d, struct objdec_obj *o, uint32_t addr,
                      uint32_t n, unsigned depth, const char *what)
{
    size_t show = n < d->max_items ? n : d->max_items;
    o->total = n;
    o->items_cut = show < n;
    int rc = alloc_items(d, o, show);
    if (rc != RC_OK || show == 0) {
        return rc;
    }
    uint8_t *buf = malloc(show * 4);
    if (buf == NULL) {
        return rc_set(d->msg, RC_NOMEM, "out of memory");
    }
    rc = rd(d, addr, (uint32_t)show * 4, buf, what);
    for (size_t i = 0; rc == RC_OK && i < show; i++) {
        rc = add_child(d, o, rd32(buf + 4 * i), addr + 4u * (uint32_t)i, depth, "item", i);
    }
    free(buf);
    return rc;
}

/* Filled slots of a table of alloc entries of `stride` words (2: map,
 * 1: set), read in chunks, at most max_items entries. */
static int table_walk(struct dec *d, struct objdec_obj *o, uint32_t table,
                      uint32_t alloc, uint32_t used, unsigned stride,
                      unsigned depth)
{
    if (alloc > OBJDEC_MAX_ALLOC) {
        return rc_set(d->msg, RC_PARSE, "table size %u is beyond "
                      "any sane bound", alloc);
    }
    if (used > alloc) {
        return rc_set(d->msg, RC_PARSE, "%u used entries in a "
                      "table of %u", used, alloc);
    }
    size_t show = used < d->max_items ? used : d->max_items;
    int rc = alloc_items(d, o, show * stride);
    if (rc != RC_OK) {
        return rc;
    }
    o->total = used;
    uint8_t buf[64 * 8];
    uint32_t found = 0;
    for (uint32_t i = 0; i < alloc && found < show;) {
        uint32_t chunk = alloc - i < 64 ? alloc - i : 64;
        rc = rd(d, table + i * 4u * stride, chunk * 4u * stride, buf, "table");
        if (rc != RC_OK) {
            return rc;
        }
        for (uint32_t k = 0; k < chunk && found < show; k++) {
            uint32_t key = rd32(buf + k * 4u * stride);
            if (key == 0 || key == 4) {
                continue;
            }
            uint32_t slot = table + (i + k) * 4u * stride;
            rc = add_child(d, o, key, slot, depth, stride == 2 ? "key" : "item", found);
            if (rc == RC_OK && stride == 2) {
                rc = add_child(d, o, rd32(buf + k * 8u + 4), slot + 4, depth, "value",
                               found);
            }
            if (rc != RC_OK) {
                return rc;
            }
            found++;
        }
        i += chunk;
    }
    if (found < show) {
        return rc_set(d->msg, RC_PARSE, "the table holds %u "
                      "entries, not the %u it claims",
                      found, used);
    }
    o->items_cut = show < used;
    return RC_OK;
}

/* Bytes at data: at most max_items*16 (and OBJDEC_MAX_BYTES) are read. */
static int read_bytes(struct dec *d, struct objdec_obj *o, uint32_t data,
                      uint32_t len, uint32_t item)
{
    uint64_t cap = (uint64_t)d->max_items * 16u;
    if (cap > OBJDEC_MAX_BYTES) {
        cap = OBJDEC_MAX_BYTES;
    }
    uint64_t n = (uint64_t)len * item;
    if (n > 0xffffffffu) {
        return rc_set(d->msg, RC_PARSE, "length %u is beyond any "
                      "sane bound", len);
    }
    o->total = len;
    if (n > cap) {
        n = cap - cap % item;
        o->text_cut = 1;
    }
    int rc0 = spend(d, n);
    if (rc0 != RC_OK) {
        return rc0;
    }
    o->text = malloc((size_t)n + 1);
    if (o->text == NULL) {
        return rc_set(d->msg, RC_NOMEM, "out of memory for %u bytes", (unsigned)n);
    }
    int rc = rd(d, data, (uint32_t)n, (uint8_t *)o->text, "data");
    if (rc != RC_OK) {
        return rc;
    }
    o->text[n] = '\0';
    o->len = (size_t)n;
    return RC_OK;
}

/* Decimal text of an mpz (16-bit digits, least significant first). */
static int mpz_text(struct dec *d, struct objdec_obj *o, const uint8_t *dig,
                    uint32_t len, int neg)
{
    uint16_t *w = malloc((len ? len : 1) * sizeof *w);
    size_t cap = (size_t)len * 5 + 3;
    char *out = malloc(cap);
    if (w == NULL || out == NULL) {
        free(w);
        free(out);
        return rc_set(d->msg, RC_NOMEM, "out of memory for a big int");
    }
    for (uint32_t i = 0; i < len; i++) {
        w[i] = (uint16_t)(dig[2 * i] | dig[2 * i + 1] << 8);
    }
    uint32_t n = len;
    while (n > 0 && w[n - 1] == 0) {
        n--;
    }
    size_t k = 0;
    if (n == 0) {
        out[k++] = '0';
    }
    while (n > 0) {
        uint32_t rem = 0;
        for (uint32_t i = n; i-- > 0;) {
            uint32_t cur = rem << 16 | w[i];
            w[i] = (uint16_t)(cur / 10000u);
            rem = cur % 10000u;
        }
        while (n > 0 && w[n - 1] == 0) {
            n--;
        }
        for (int j = 0; j < 4 && (n > 0 || rem > 0 || j == 0); j++) {
            out[k++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    if (neg && !(k == 1 && out[0] == '0')) {
        out[k++] = '-';
    }
    for (size_t i = 0; i < k / 2; i++) {
        char t = out[i];
        out[i] = out[k - 1 - i];
        out[k - 1 - i] = t;
    }
    out[k] = '\0';
    free(w);
    o->text = out;
    o->len = k;
    return RC_OK;
}

static int decode_uint(const uint8_t *b, size_t n, size_t *at, uint32_t *v)
{
    uint32_t u = 0;
    for (int k = 0; k < 5; k++) {
        if (*at >= n) {
            return -1;
        }
        uint8_t c = b[(*at)++];
        u = u << 7 | (c & 0x7f);
        if (!(c & 0x80)) {
            *v = u;
            return 0;
        }
    }
    return -1;
}

static int skip_cont(const uint8_t *b, size_t n, size_t *at)
{
    for (int k = 0; k < 6; k++) {
        if (*at >= n) {
            return -1;
        }
        if (!(b[(*at)++] & 0x80)) {
            return 0;
        }
    }
    return -1;
}

/* The simple name of the bytecode function at f (mp_obj_fun_get_name). */
static int fun_name(struct dec *d, uint32_t f, char *name, size_t size)
{
    uint8_t fb[16];
    int rc = rd(d, f, 16, fb, "function object");
    if (rc != RC_OK) {
        return rc;
    }
    int old = d->lay->family == OBJDEC_FAMILY_OLD;
    uint32_t bc = old ? rd32(fb + 8) : rd32(fb + 12);
    uint8_t b[24];
    rc = rd(d, bc, sizeof b, b, "bytecode prelude");
    if (rc != RC_OK) {
        return rc;
    }
    size_t at = 0;
    uint32_t q = 0, tmp;
    int bad;
    if (old && d->lay->minor < 12) {
        /* v1.9-v1.11: n_state, n_exc_stack (uints), 4 bytes, code_info_size */
        bad = decode_uint(b, sizeof b, &at, &tmp) || decode_uint(b, sizeof b, &at, &tmp);
        at += 4;
        bad = bad || decode_uint(b, sizeof b, &at, &tmp);
    } else {
        /* v1.12+: MP_BC_PRELUDE_SIG then MP_BC_PRELUDE_SIZE, both 0x80-continued */
        bad = skip_cont(b, sizeof b, &at) || skip_cont(b, sizeof b, &at);
    }
    if (!bad && old && d->lay->persistent_code) {
        bad = at + 2 > sizeof b;
        if (!bad) {
            q = (uint32_t)(b[at] | b[at + 1] << 8);
        }
    } else if (!bad) {
        bad = decode_uint(b, sizeof b, &at, &q);
    }
    if (bad) {
        return rc_set(d->msg, RC_PARSE, "its bytecode "
                      "prelude at 0x%08x does not decode", bc);
    }
    if (!old && d->lay->bc_qstr_table) {
        uint32_t ctx = rd32(fb + 4), table;
        uint8_t qb[2];
        if (q > 0xffff) {
            return rc_set(d->msg, RC_PARSE, "qstr index %u "
                          "out of range", q);
        }
        rc = word_at(d, ctx + 8, &table, "module context's qstr table");
        if (rc == RC_OK) {
            rc = rd(d, table + 2 * q, 2, qb, "qstr table entry");
        }
        if (rc != RC_OK) {
            return rc;
        }
        q = (uint32_t)(qb[0] | qb[1] << 8);
    }
    return qstr_text(d, q, name, size, "function name");
}

/* Text of a str value (qstr word or str object) for module names. */
static int str_value(struct dec *d, uint32_t w, char **out)
{
    struct objdec_obj *o = NULL;
    int rc = decode(d, w, 0, &o);
    if (rc != RC_OK) {
        return rc;
    }
    if ((o->kind != OBJDEC_QSTR && o->kind != OBJDEC_STR) || o->text_cut) {
        objdec_free(o);
        return rc_set(d->msg, RC_PARSE, "0x%08x is no str", w);
    }
    *out = o->text;
    o->text = NULL;
    objdec_free(o);
    return RC_OK;
}

/* Look qstr-named keys up in the dict at dict_addr: for each of names[i]
 * found, vals[i] is its value word (else 0). */
static int dict_lookup(struct dec *d, uint32_t dict_addr, const char *const *names,
                       uint32_t *vals, size_t nnames)
{
    uint8_t b[16];
    int rc = rd(d, dict_addr, 16, b, "dict");
    if (rc != RC_OK) {
        return rc;
    }
    uint32_t alloc = rd32(b + 8), table = rd32(b + 12);
    if (alloc > OBJDEC_MAX_ALLOC) {
        return rc_set(d->msg, RC_PARSE, "dict at 0x%08x: table size %u is beyond "
                      "any sane bound", dict_addr, alloc);
    }
    memset(vals, 0, nnames * sizeof *vals);
    uint8_t buf[64 * 8];
    for (uint32_t i = 0; i < alloc;) {
        uint32_t chunk = alloc - i < 64 ? alloc - i : 64;
        rc = rd(d, table + i * 8u, chunk * 8u, buf, "dict table");
        if (rc != RC_OK) {
            return rc;
        }
        for (uint32_t k = 0; k < chunk; k++) {
            uint32_t key = rd32(buf + 8 * k), q;
            int is_q;
            if (d->lay->repr == OBJDEC_REPR_C) {
                uint32_t mask = d->lay->family == OBJDEC_FAMILY_OLD ? 0xff800007u : 0xff80000fu;
                is_q = (key & mask) == 6;
                q = key >> (d->lay->family == OBJDEC_FAMILY_OLD ? 3 : 4);
            } else {
                is_q = d->lay->family == OBJDEC_FAMILY_OLD ? (key & 3) == 2 : (key & 7) == 2;
                q = key >> (d->lay->family == OBJDEC_FAMILY_OLD ? 2 : 3);
            }
            if (!is_q) {
                continue;
            }
            char t[256];
            rc = qstr_text(d, q, t, sizeof t, "dict key");
            if (rc != RC_OK) {
                return rc;
            }
            for (size_t j = 0; j < nnames; j++) {
                if (strcmp(t, names[j]) == 0) {
                    vals[j] = rd32(buf + 8 * k + 4);
                }
            }
        }
        i += chunk;
    }
    return RC_OK;
}

static const struct {
    const char *name;
    enum objdec_kind kind;
} known[] = {
    {"NoneType", OBJDEC_NONE},     {"bool", OBJDEC_BOOL},
    {"", OBJDEC_SINGLETON},        {"float", OBJDEC_FLOAT},
    {"int", OBJDEC_INT},           {"str", OBJDEC_STR},
    {"bytes", OBJDEC_BYTES},       {"bytearray", OBJDEC_BYTEARRAY},
    {"array", OBJDEC_ARRAY},       {"memoryview", OBJDEC_MEMORYVIEW},
    {"list", OBJDEC_LIST},         {"tuple", OBJDEC_TUPLE},
    {"dict", OBJDEC_DICT},         {"OrderedDict", OBJDEC_DICT},
    {"set", OBJDEC_SET},           {"frozenset", OBJDEC_FROZENSET},
    {"function", OBJDEC_FUNCTION}, {"closure", OBJDEC_CLOSURE},
    {"bound_method", OBJDEC_BOUND_METH}, {"generator", OBJDEC_GENERATOR},
    {"type", OBJDEC_CLASS},        {"module", OBJDEC_MODULE},
};

static int decode_body(struct dec *d, struct objdec_obj *o, unsigned depth)
{
    uint32_t a = o->addr;
    uint8_t b[16];
    int rc = rd(d, a, 16, b, "object");
    o->hdr_len = 16;
    if (rc != RC_OK) {
        /* small objects at the end of readable memory: retry with 8 bytes */
        memset(b, 0, sizeof b);
        rc = rd(d, a, 8, b, "object");
        if (rc != RC_OK) {
            return rc;
        }
        o->hdr_len = 8;
    }
    struct tinfo ti;
    rc = read_type(d, rd32(b), &ti);
    if (rc != RC_OK) {
        return rc_prefix(d->msg, rc, "object at 0x%08x", a);
    }
    o->type_addr = ti.addr;
    snprintf(o->type_name, sizeof o->type_name, "%s", ti.name);
    o->has_print = ti.has_print;
    o->kind = OBJDEC_OTHER;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(ti.name, known[i].name) == 0) {
            o->kind = known[i].kind;
        }
    }
    if (ti.instance_flag) {
        o->kind = OBJDEC_INSTANCE;
    }
    uint32_t w1 = rd32(b + 4), w2 = rd32(b + 8), w3 = rd32(b + 12);
    char name[128];
    switch (o->kind) {
    case OBJDEC_NONE:
        return RC_OK;
    case OBJDEC_BOOL:
        o->ival = (w1 & 0xff) != 0;
        field_at(o, "value", w1 & 0xff, 0, 4, 1);
        return RC_OK;
    case OBJDEC_SINGLETON:
        field(o, "name", w1, 0, 4);
        rc = qstr_text(d, w1, name, sizeof name, "singleton name");
        return rc != RC_OK ? rc : set_text(d, o, name, strlen(name));
    case OBJDEC_FLOAT:
        o->fbits = w1;
        field(o, "value", w1, 0, 4);
        return RC_OK;
    case OBJDEC_INT: {
        uint32_t alloc = w1 >> 2, len = w2;
        field(o, "neg", w1 & 1, 0, 4);
        field(o, "alloc", alloc, 0, 4);
        field(o, "len", len, 0, 8);
        field(o, "dig", w3, 1, 12);
        if (len > alloc || len > OBJDEC_MAX_MPZ_DIGS) {
            return rc_set(d->msg, RC_PARSE, "%u digits (alloc %u) "
                          "is no sane big int", len, alloc);
        }
        uint8_t *dig = malloc(len ? 2u * len : 1);
        if (dig == NULL) {
            return rc_set(d->msg, RC_NOMEM, "out of memory");
        }
        rc = rd(d, w3, 2 * len, dig, "big int digits");
        if (rc == RC_OK) {
            rc = spend(d, 5ull * len);
        }
        if (rc == RC_OK) {
            rc = mpz_text(d, o, dig, len, w1 & 1);
        }
        free(dig);
        return rc;
    }
    case OBJDEC_STR:
    case OBJDEC_BYTES:
        field(o, "hash", w1, 0, 4);
        field(o, "len", w2, 0, 8);
        field(o, "data", w3, 1, 12);
        return read_bytes(d, o, w3, w2, 1);
    case OBJDEC_BYTEARRAY:
    case OBJDEC_ARRAY:
    case OBJDEC_MEMORYVIEW: {
        static const char codes[] = "bBhHiIlLqQfd";
        static const unsigned sizes[] = {1, 1, 2, 2, 4, 4, 4, 4, 8, 8, 4, 8};
        uint8_t tc = (uint8_t)(w1 & 0xff);
        field_at(o, "typecode", tc, 0, 4, 1);
        field_at(o, "free", w1 >> 8, 0, 5, 3);
        field(o, "len", w2, 0, 8);
        field(o, "items", w3, 1, 12);
        o->total = w2;
        if (o->kind == OBJDEC_MEMORYVIEW && o->has_print == 0) {
            return RC_OK; /* prints "<memoryview>" */
        }
        unsigned size = 0;
        if (tc == 1) {
            size = 1;
        } else {
            for (size_t i = 0; codes[i]; i++) {
                if (codes[i] == (char)(tc & 0x7f)) {
                    size = sizes[i];
                }
            }
        }
        if (size == 0) {
            return rc_set(d->msg, RC_PARSE, "typecode 0x%02x is "
                          "not one objdec decodes (b B h H i I l L q Q f d)", tc);
        }
        o->typecode = (char)(tc & 0x7f);
        return read_bytes(d, o, w3, w2, size);
    }
    case OBJDEC_LIST:
        field(o, "alloc", w1, 0, 4);
        field(o, "len", w2, 0, 8);
        field(o, "items", w3, 1, 12);
        if (w2 > w1 || w1 > OBJDEC_MAX_ALLOC) {
            return rc_set(d->msg, RC_PARSE, "len %u, alloc %u is "
                          "no sane list", w2, w1);
        }
        return word_array(d, o, w3, w2, depth, "list items");
    case OBJDEC_TUPLE:
        field(o, "len", w1, 0, 4);
        if (w1 > OBJDEC_MAX_ALLOC) {
            return rc_set(d->msg, RC_PARSE, "len %u is beyond any "
                          "sane bound", w1);
        }
        return word_array(d, o, a + 8, w1, depth, "tuple items");
    case OBJDEC_DICT:
        field(o, "used", w1 >> 3, 0, 4);
        field(o, "flags", w1 & 7, 0, 4);
        field(o, "alloc", w2, 0, 8);
        field(o, "table", w3, 1, 12);
        return table_walk(d, o, w3, w2, w1 >> 3, 2, depth);
    case OBJDEC_SET:
    case OBJDEC_FROZENSET:
        field(o, "alloc", w1, 0, 4);
        field(o, "used", w2, 0, 8);
        field(o, "table", w3, 1, 12);
        return table_walk(d, o, w3, w1, w2, 1, depth);
    case OBJDEC_FUNCTION:
        if (d->lay->family == OBJDEC_FAMILY_OLD) {
            field(o, "globals", w1, 1, 4);
            field(o, "bytecode", w2, 1, 8);
        } else {
            field(o, "context", w1, 1, 4);
            field(o, "child_table", w2, 1, 8);
            field(o, "bytecode", w3, 1, 12);
        }
        if (!o->has_print) {
            return RC_OK; /* builtin functions, or no fun_bc_print: "<function>" */
        }
        rc = fun_name(d, a, name, sizeof name);
        return rc != RC_OK ? rc : set_text(d, o, name, strlen(name));
    case OBJDEC_GENERATOR:
        field(o, d->lay->family == OBJDEC_FAMILY_OLD ? "globals" : "pend_exc", w1, 0, 4);
        field(o, "fun_bc", w2, 1, 8);
        if (!o->has_print) {
            return RC_OK; /* the generator function itself: "<generator>" */
        }
        rc = fun_name(d, w2, name, sizeof name);
        if (rc != RC_OK) {
            return rc_prefix(d->msg, rc, "its function at 0x%08x", w2);
        }
        return set_text(d, o, name, strlen(name));
    case OBJDEC_CLOSURE:
        field(o, "fun", w1, 1, 4);
        field(o, "n_closed", w2, 0, 8);
        o->exact = !o->has_print;
        return RC_OK;
    case OBJDEC_BOUND_METH:
        field(o, "meth", w1, 1, 4);
        field(o, "self", w2, 1, 8);
        o->exact = !o->has_print;
        return RC_OK;
    case OBJDEC_CLASS: {
        struct tinfo ci;
        rc = read_type(d, a, &ci);
        if (rc != RC_OK) {
            return rc;
        }
        return set_text(d, o, ci.name, strlen(ci.name));
    }
    case OBJDEC_MODULE: {
        static const char *const names[] = {"__name__", "__file__"};
        uint32_t vals[2];
        field(o, "globals", w1, 1, 4);
        rc = dict_lookup(d, w1, names, vals, 2);
        if (rc == RC_OK && vals[0] != 0) {
            rc = str_value(d, vals[0], &o->text);
            o->len = o->text ? strlen(o->text) : 0;
        }
        if (rc == RC_OK && vals[1] != 0) {
            rc = str_value(d, vals[1], &o->file);
        }
        if (rc == RC_OK && o->text == NULL) {
            rc = set_text(d, o, "", 0);
        }
        return rc;
    }
    case OBJDEC_INSTANCE: {
        field(o, "members.used", w1 >> 3, 0, 4);
        field(o, "members.alloc", w2, 0, 8);
        field(o, "members.table", w3, 1, 12);
        struct tinfo *cached = NULL;
        for (unsigned i = 0; i < d->ntypes && i < TYPE_CACHE; i++) {
            if (d->types[i].addr == ti.addr) {
                cached = &d->types[i];
            }
        }
        if (cached != NULL && cached->repr_looked) {
            ti.has_repr = cached->has_repr;
        } else if (ti.locals_dict != 0) {
            static const char *const names[] = {"__repr__"};
            uint32_t v;
            rc = dict_lookup(d, ti.locals_dict, names, &v, 1);
            if (rc != RC_OK) {
                return rc_prefix(d->msg, rc, "its class's locals dict");
            }
            ti.has_repr = v != 0;
        }
        if (cached != NULL) {
            cached->repr_looked = 1;
            cached->has_repr = ti.has_repr;
        }
        if (ti.has_repr) {
            o->exact = 0; /* its own __repr__ would run on the board */
        }
        if (ti.has_parent) {
            /* a base class may bring __repr__, or a native base's print
             * (instance_print prints subobj[0] then): not modelled */
            o->exact = 0;
        }
        return RC_OK;
    }
    default:
        /* A type we do not model: with no print function MicroPython prints
         * "<NAME>"; with one, its text is unknown here. */
        o->exact = !o->has_print;
        return RC_OK;
    }
}

/* The object at o->addr; a failure names it ("list at 0x...") unless a
 * child's failure already says where it was. */
static int decode_ptr(struct dec *d, struct objdec_obj *o, unsigned depth)
{
    int rc = decode_body(d, o, depth);
    if (rc != RC_OK && !d->placed && o->type_addr != 0) {
        return rc_prefix(d->msg, rc, "%s at 0x%08x",
                         o->type_name[0] ? o->type_name : "object", o->addr);
    }
    return rc;
}

static int decode(struct dec *d, uint32_t w, unsigned depth,
                  struct objdec_obj **out)
{
    struct objdec_obj *o = new_obj(w);
    char t[256];
    int rc = RC_OK;
    *out = NULL;
    if (o == NULL) {
        return rc_set(d->msg, RC_NOMEM, "out of memory");
    }
    int old = d->lay->family == OBJDEC_FAMILY_OLD;
    int c = d->lay->repr == OBJDEC_REPR_C;
    uint32_t q = 0;
    int is_q = 0, is_imm = 0, is_float = 0;
    if (w & 1) {
        o->kind = OBJDEC_SMALL_INT;
        o->ival = (int32_t)w >> 1;
        strcpy(o->type_name, "int");
        *out = o;
        return RC_OK;
    }
    if (c) {
        uint32_t m = old ? 0xff800007u : 0xff80000fu;
        is_q = (w & m) == 6;
        is_imm = !old && (w & m) == 0xe;
        is_float = (w & 3) == 2 && (w & 0xff800007u) != 6;
        q = w >> (old ? 3 : 4);
    } else if (old) {
        is_q = (w & 3) == 2;
        q = w >> 2;
    } else {
        is_q = (w & 7) == 2;
        is_imm = (w & 7) == 6;
        q = w >> 3;
    }
    if (is_float) {
        o->kind = OBJDEC_FLOAT;
        o->fbits = objdec_repr_c_float_bits(w);
        strcpy(o->type_name, "float");
    } else if (is_q) {
        o->kind = OBJDEC_QSTR;
        strcpy(o->type_name, "str");
        field_at(o, "qstr", q, 0, 0, 0);
        rc = qstr_text(d, q, t, sizeof t, "interned str");
        if (rc == RC_OK) {
            rc = set_text(d, o, t, strlen(t));
        }
    } else if (is_imm) {
        uint32_t v = c ? w >> 4 : w >> 3;
        if (v == 0) {
            o->kind = OBJDEC_NONE;
            strcpy(o->type_name, "NoneType");
        } else if (v == 1 || v == 3) {
            o->kind = OBJDEC_BOOL;
            o->ival = v == 3;
            strcpy(o->type_name, "bool");
        } else {
            rc = rc_set(d->msg, RC_PARSE, "0x%08x is an immediate object word "
                        "with the unknown value %u", w, v);
        }
    } else if ((w & 3) != 0) {
        rc = rc_set(d->msg, RC_PARSE, "0x%08x is no object word of this "
                    "representation", w);
    } else if (w == 0) {
        rc = rc_set(d->msg, RC_PARSE, "0x00000000 is MP_OBJ_NULL, no object");
    } else {
        o->addr = w;
        rc = decode_ptr(d, o, depth);
    }
    if (rc != RC_OK) {
        objdec_free(o);
        return rc;
    }
    *out = o;
    return RC_OK;
}

int objdec_decode(const struct objdec_layout *lay, const struct frozen_mem *mem,
                  const struct objdec_qstr_ops *qs, uint32_t word,
                  const struct objdec_limits *lim, struct objdec_obj **out,
                  struct rc_msg *msg)
{
    *out = NULL;
    if (lay == NULL || mem == NULL || mem->read == NULL || qs == NULL ||
        qs->text == NULL) {
        return rc_set(msg, RC_ARG, "objdec: layout, memory and qstr reader "
                      "are required");
    }
    if (lay->word_size != 4 || lay->float_size != 4 ||
        (lay->family != OBJDEC_FAMILY_OLD && lay->family != OBJDEC_FAMILY_SLOTS) ||
        (lay->repr != OBJDEC_REPR_A && lay->repr != OBJDEC_REPR_C)) {
        return rc_set(msg, RC_UNSUPP, "objdec: only 32-bit words, single floats, "
                      "object representation A or C of the OLD or SLOTS family "
                      "are supported");
    }
    unsigned depth = lim ? lim->depth : OBJDEC_DEFAULT_DEPTH;
    unsigned items = lim ? lim->max_items : OBJDEC_DEFAULT_ITEMS;
    if (depth > OBJDEC_MAX_DEPTH || items > OBJDEC_MAX_ITEMS) {
        return rc_set(msg, RC_ARG, "objdec: depth %u / items %u beyond the "
                      "limits %u / %u", depth, items, OBJDEC_MAX_DEPTH,
                      OBJDEC_MAX_ITEMS);
    }
    struct dec *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    *d = (struct dec){lay, mem, qs, items, 0, 0, 0, MAX_BUDGET, {{0}}, 0, msg};
    int rc = decode(d, word, depth, out);
    free(d);
    if (rc != RC_OK && msg != NULL) {
        /* names from the board's qstrs may hold control characters: the
         * message stays one line */
        for (char *c = msg->text; *c; c++) {
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                *c = '?';
            }
        }
    }
    return rc;
}

int objdec_layout_for(struct objdec_layout *lay, int major, int minor, int repr,
                      struct rc_msg *msg)
{
    memset(lay, 0, sizeof *lay);
    if (repr != OBJDEC_REPR_A && repr != OBJDEC_REPR_C) {
        return rc_set(msg, RC_UNSUPP, "object representation %d is not "
                      "supported (A or C only)", repr);
    }
    if (major != 1 || minor < 9 || (minor >= 13 && minor <= 18)) {
        return rc_set(msg, RC_UNSUPP, "MicroPython %d.%d: object layouts are "
                      "known for 1.9-1.12 and 1.19 on, not for this version",
                      major, minor);
    }
    lay->word_size = 4;
    lay->float_size = 4;
    lay->minor = minor;
    lay->repr = repr;
    lay->family = minor <= 12 ? OBJDEC_FAMILY_OLD : OBJDEC_FAMILY_SLOTS;
    lay->float_text = minor >= 29 ? OBJDEC_FLOAT_APPROX
                     : minor >= 23 ? OBJDEC_FLOAT_UNKNOWN : OBJDEC_FLOAT_G;
    lay->bc_qstr_table = lay->family == OBJDEC_FAMILY_SLOTS;
    lay->unicode = 1; /* MICROPY_PY_BUILTINS_STR_UNICODE, on in the micro:bit's v1.9.2 */
    return RC_OK;
}
