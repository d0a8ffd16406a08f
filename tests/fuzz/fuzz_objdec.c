/*
 * fuzz_objdec.c: objdec_decode on arbitrary memory and an arbitrary root
 * word, then repr and JSON.  Input: byte 0 picks the layout (family, repr,
 * minor, qstr table, instance_print), bytes 1-4 the root word, byte 5 the
 * depth (0-7) and byte 6 the item limit (0-63); the rest is memory mapped
 * at 0x20000000 (reads outside it fail).  Qstr n < 4096 has the text of
 * names[n % N] (type names included, so types can validate); others fail.
 * Checks: no crash, no out-of-bounds read (ASan), every read inside the
 * data, a bounded number of reads, and *out NULL exactly on failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objdec.h"
#include "objhl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE 0x20000000u

struct fz {
    const uint8_t *mem;
    size_t len;
    unsigned reads;
};

static const char *const names[] = {
    "type", "list", "tuple", "dict", "str", "bytes", "int", "float", "set",
    "frozenset", "bytearray", "array", "memoryview", "function", "closure",
    "bound_method", "generator", "module", "NoneType", "bool", "", "A",
    "OrderedDict", "__name__", "__file__", "__repr__", "Ellipsis", "x\"y'z\n",
};

static int fz_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                   struct rc_msg *msg)
{
    struct fz *f = ctx;
    f->reads++;
    if (addr < BASE || (uint64_t)addr - BASE + len > f->len) {
        return rc_set(msg, RC_NOTFOUND, "no memory at 0x%08x", addr);
    }
    memcpy(out, f->mem + (addr - BASE), len);
    return RC_OK;
}

static int fz_text(void *ctx, uint32_t q, char *buf, size_t size,
                   struct rc_msg *msg)
{
    (void)ctx;
    if (q >= 4096) {
        return rc_set(msg, RC_NOTFOUND, "qstr %u is in no pool", q);
    }
    snprintf(buf, size, "%s", names[q % (sizeof names / sizeof names[0])]);
    return RC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 7) {
        return 0;
    }
    static const int minors[4] = {9, 12, 19, 29};
    struct objdec_layout lay;
    struct rc_msg msg;
    if (objdec_layout_for(&lay, 1, minors[data[0] & 3],
                          data[0] & 4 ? OBJDEC_REPR_C : OBJDEC_REPR_A,
                          &msg) != RC_OK) {
        abort();
    }
    lay.persistent_code = (data[0] >> 3) & 1;
    lay.bc_qstr_table = (data[0] >> 4) & 1;
    lay.unicode = (data[0] >> 5) & 1;
    lay.instance_print = data[0] & 0x40 ? 0x1235 : 0;
    if (data[0] & 0x80) {
        lay.float_text = OBJDEC_FLOAT_UNKNOWN;
    }
    uint32_t word = (uint32_t)data[1] | (uint32_t)data[2] << 8 |
                    (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
    struct objdec_limits lim = {data[5] & 7u, data[6] & 63u};
    struct fz f = {data + 7, size - 7, 0};
    struct frozen_mem mem = {fz_read, &f};
    struct objdec_qstr_ops qs = {fz_text, NULL};
    struct objdec_obj *o = (struct objdec_obj *)&f;
    int rc = objdec_decode(&lay, &mem, &qs, word, &lim, &o, &msg);
    if ((rc == RC_OK) != (o != NULL) || f.reads > 200000u) {
        abort();
    }
    if (rc != RC_OK) {
        if (msg.text[0] == '\0' || strchr(msg.text, '\n') != NULL) {
            abort(); /* one line, always */
        }
        return 0;
    }
    /* Where the parts are: every span in memory that was read, every
     * item's slot holding its word, every field in the object's first 16
     * bytes. */
    static struct objhl hl;
    objhl_build(o, &hl);
    uint8_t w4[4];
    for (size_t i = 0; i < hl.n; i++) {
        uint8_t *tmp = malloc(hl.span[i].len ? hl.span[i].len : 1);
        if (tmp == NULL) {
            break;
        }
        if (fz_read(&f, hl.span[i].addr, hl.span[i].len, tmp, &msg) != RC_OK) {
            abort();
        }
        free(tmp);
    }
    for (size_t i = 0; i < o->nfields; i++) {
        if (o->fields[i].off + o->fields[i].size > 16 || (o->addr != 0 && o->hdr_len != 8 &&
                                                         o->hdr_len != 16)) {
            abort();
        }
    }
    for (size_t i = 0; i < o->nitems; i++) {
        const struct objdec_obj *c = o->items[i];
        if (c->at != 0 && (fz_read(&f, c->at, 4, w4, &msg) != RC_OK ||
                           ((uint32_t)w4[0] | (uint32_t)w4[1] << 8 | (uint32_t)w4[2] << 16 |
                            (uint32_t)w4[3] << 24) != c->word)) {
            abort();
        }
    }
    char *t = NULL, *j = NULL;
    if (objdec_repr(o, &lay, &t, &msg) != RC_OK ||
        objdec_json(o, &lay, &j, &msg) != RC_OK) {
        abort();
    }
    if (strlen(j) < strlen("{\"type\":") || j[strlen(j) - 1] != '}') {
        abort();
    }
    free(t);
    free(j);
    objdec_free(o);
    return 0;
}
