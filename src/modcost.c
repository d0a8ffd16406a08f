/*
 * modcost.c: the heap blocks each module holds (modcost.h).
 *
 * One array entry per heap block (heads only are used): which walk saw
 * it last, which root owns it (or SHARED), the best hint of what it is
 * (from the field that pointed at it; hints only rise, and a block
 * reached with a better hint is scanned again, so a block is scanned at
 * most once per hint level per root), and what classify said.  The
 * category is decided once all walks are done.
 *
 * Layouts: see modcost.h (v1.9 and v1.19+ py/objfun.h, py/emitglue.h,
 * py/bc.h, py/obj.h's mp_map_t).
 */
#include "modcost.h"

#include <stdlib.h>
#include <string.h>

/* Hints, in rising priority. */
enum {
    H_NONE = 0,
    H_CONST_DATA,  /* reached from a constant object */
    H_CONST_ENTRY, /* an entry of a const table (or inline in v1.9 bytecode) */
    H_RAWCODE,     /* a raw-code struct or module context */
    H_CONST_TABLE, /* a function's or context's table */
    H_BYTECODE,    /* a function's or raw code's bytecode */
};

#define OWNER_NONE (-1)
#define OWNER_SHARED (-2)
#define CLS_UNKNOWN 0xffu

struct blk {
    uint32_t walk;   /* 1 + the root whose walk saw it last; 0: none */
    int32_t owner;   /* root index, OWNER_NONE or OWNER_SHARED */
    uint8_t hint;
    uint8_t cls;     /* enum modcost_obj, or CLS_UNKNOWN before classify */
    uint8_t globals; /* a root's own module object, globals dict or table */
    uint8_t scanned; /* hint level it was last scanned at, plus one */
};

struct walk {
    const struct modcost_in *in;
    struct blk *blk;
    uint32_t *area_first; /* global index of each area's block 0 */
    uint32_t *stack;      /* head addresses to scan */
    size_t nstack, capstack;
    uint32_t *tables;     /* each root's globals table address (0: none) */
    uint8_t *buf;         /* a block's bytes */
    size_t capbuf;
    struct rc_msg *msg;
};

const char *modcost_cat_name(enum modcost_cat c)
{
    static const char *const n[MODCOST_NCAT] = {
        "bytecode", "raw code", "const tables", "const objects", "functions",
        "globals", "other"};
    return (unsigned)c < MODCOST_NCAT ? n[c] : "other";
}

const char *modcost_cat_key(enum modcost_cat c)
{
    static const char *const n[MODCOST_NCAT] = {
        "bytecode", "raw_code", "const_tables", "const_objects", "functions",
        "globals", "other"};
    return (unsigned)c < MODCOST_NCAT ? n[c] : "other";
}

uint64_t modcost_freeze_saving(const struct modcost_cost *c)
{
    return c->bytes[MODCOST_BYTECODE] + c->bytes[MODCOST_RAWCODE] +
           c->bytes[MODCOST_CONST_TABLE] + c->bytes[MODCOST_CONST_OBJ];
}

void modcost_result_fini(struct modcost_result *r)
{
    free(r->mods);
    memset(r, 0, sizeof *r);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The head block at addr: its global index and size in blocks; 0 when
 * addr is not the first block of a used object. */
static int head(const struct walk *w, uint32_t addr, uint32_t *idx, uint32_t *nblocks)
{
    const struct heapmap *h = w->in->heap;
    if (addr % h->block_size != 0) {
        return 0;
    }
    struct heapmap_hit hit;
    if (heapmap_lookup(h, addr, &hit) != RC_OK || hit.head_addr != addr || hit.orphan ||
        (hit.state != HEAPMAP_HEAD && hit.state != HEAPMAP_MARKED)) {
        return 0;
    }
    *idx = w->area_first[hit.area] + hit.block;
    *nblocks = hit.obj_blocks;
    return 1;
}

static int stopped(const struct walk *w, uint32_t addr, size_t root)
{
    const struct modcost_in *in = w->in;
    for (size_t i = 0; i < in->nstop; i++) {
        if (in->stop[i] == addr) {
            return 1;
        }
    }
    for (size_t i = 0; i < in->nroots; i++) {
        if (i != root && (in->roots[i].module == addr || in->roots[i].globals == addr ||
                          w->tables[i] == addr)) {
            return 1;
        }
    }
    return 0;
}

static int push(struct walk *w, uint32_t addr)
{
    if (w->nstack == w->capstack) {
        size_t cap = w->capstack * 2 + 64;
        uint32_t *n = realloc(w->stack, cap * sizeof *n);
        if (n == NULL) {
            return rc_set(w->msg, RC_NOMEM, "out of memory walking the heap");
        }
        w->stack = n;
        w->capstack = cap;
    }
    w->stack[w->nstack++] = addr;
    return RC_OK;
}

/* A word seen in a block of root's walk, with the hint its field gives. */
static int reach(struct walk *w, size_t root, uint32_t word, int hint)
{
    uint32_t idx, nb;
    if (!head(w, word, &idx, &nb) || stopped(w, word, root)) {
        return RC_OK;
    }
    struct blk *b = &w->blk[idx];
    int again = 0;
    if (b->walk != root + 1) {
        b->walk = (uint32_t)root + 1;
        b->owner = b->owner == OWNER_NONE ? (int32_t)root : OWNER_SHARED;
        b->scanned = 0;
        again = 1;
    }
    if (hint > b->hint) {
        b->hint = (uint8_t)hint;
        again = 1;
    }
    if (b->cls == CLS_UNKNOWN) {
        b->cls = (uint8_t)w->in->ops->classify(w->in->ops->ctx, word);
    }
    return again ? push(w, word) : RC_OK;
}

static enum modcost_cat cat_of(const struct blk *b, int family)
{
    if (b->globals) {
        return MODCOST_GLOBALS;
    }
    switch (b->cls) {
    case MODCOST_OBJ_FUN_BC:
    case MODCOST_OBJ_FUNLIKE:
        return MODCOST_FUNCTION;
    case MODCOST_OBJ_MODULE:
        return family == MODCOST_FAMILY_SLOTS && b->hint == H_RAWCODE ? MODCOST_RAWCODE
                                                                      : MODCOST_OTHER;
    case MODCOST_OBJ_OTHER:
        return b->hint == H_CONST_ENTRY || b->hint == H_CONST_DATA ? MODCOST_CONST_OBJ
                                                                   : MODCOST_OTHER;
    default:
        break;
    }
    switch (b->hint) {
    case H_BYTECODE:
        return MODCOST_BYTECODE;
    case H_CONST_TABLE:
        return MODCOST_CONST_TABLE;
    case H_RAWCODE:
    case H_CONST_ENTRY:
        return MODCOST_RAWCODE;
    case H_CONST_DATA:
        return MODCOST_CONST_OBJ;
    default:
        return MODCOST_OTHER;
    }
}

/* The hint a word at byte offset off of block b gives what it points at. */
static int child_hint(const struct blk *b, uint32_t off, int family)
{
    if (b->cls == MODCOST_OBJ_FUN_BC) {
        if (family == MODCOST_FAMILY_OLD) {
            return off == 8 ? H_BYTECODE : off == 12 ? H_CONST_TABLE : H_NONE;
        }
        return off == 4 ? H_RAWCODE : off == 8 ? H_CONST_TABLE
                                               : off == 12 ? H_BYTECODE : H_NONE;
    }
    if (b->cls == MODCOST_OBJ_MODULE) {
        /* v1.19+: a module context's constants. */
        return family == MODCOST_FAMILY_SLOTS && (off == 8 || off == 12) ? H_CONST_TABLE
                                                                         : H_NONE;
    }
    if (b->cls == MODCOST_OBJ_NONE) {
        switch (b->hint) {
        case H_RAWCODE:
        case H_CONST_ENTRY: /* v1.9: a raw code from a const table */
            if (off == 4) {
                return H_BYTECODE;
            }
            /* v1.19-v1.21 with fun_data_len (MICROPY_PERSISTENT_CODE_SAVE
             * or MICROPY_DEBUG_PRINTERS) put children at +12; a length
             * is no block head, so both are followed. */
            return off == 8 || (family == MODCOST_FAMILY_SLOTS && off == 12) ? H_CONST_TABLE
                                                                             : H_NONE;
        case H_CONST_TABLE:
        case H_BYTECODE:
            return H_CONST_ENTRY;
        case H_CONST_DATA:
            return H_CONST_DATA;
        default:
            return H_NONE;
        }
    }
    if (b->cls == MODCOST_OBJ_OTHER &&
        (b->hint == H_CONST_ENTRY || b->hint == H_CONST_DATA)) {
        return H_CONST_DATA;
    }
    return H_NONE;
}

static int read_block(struct walk *w, uint32_t addr, uint32_t len)
{
    if (len > w->capbuf) {
        uint8_t *n = realloc(w->buf, len);
        if (n == NULL) {
            return rc_set(w->msg, RC_NOMEM, "out of memory reading a heap block");
        }
        w->buf = n;
        w->capbuf = len;
    }
    int rc = w->in->mem->read(w->in->mem->ctx, addr, len, w->buf, w->msg);
    if (rc < 0) {
        return rc_prefix(w->msg, rc, "the heap block at 0x%08x", (unsigned)addr);
    }
    return RC_OK;
}

/* Scan one reached block: every word that is a block head. */
static int scan(struct walk *w, size_t root, uint32_t addr, struct modcost_cost *c)
{
    uint32_t idx, nb;
    if (!head(w, addr, &idx, &nb)) {
        return RC_OK;
    }
    struct blk *b = &w->blk[idx];
    if (b->scanned == b->hint + 1) {
        return RC_OK;
    }
    int first = b->scanned == 0;
    b->scanned = (uint8_t)(b->hint + 1);
    uint32_t len = nb * w->in->heap->block_size;
    int rc = read_block(w, addr, len);
    if (rc < 0) {
        return rc;
    }
    int family = w->in->family;
    if (first && b->cls == MODCOST_OBJ_FUN_BC && len >= 16) {
        uint32_t code = rd32(w->buf + (family == MODCOST_FAMILY_OLD ? 8 : 12));
        struct heapmap_hit hit;
        if (heapmap_lookup(w->in->heap, code, &hit) == RC_OK) {
            c->fun_heap_code++;
        } else {
            c->fun_rom_code++;
        }
    }
    /* reach() reads nothing into w->buf (classify reads through its own
     * context), so the block stays there for the whole loop. */
    for (uint32_t off = 0; off + 4 <= len; off += 4) {
        if ((rc = reach(w, root, rd32(w->buf + off), child_hint(b, off, family))) < 0) {
            return rc;
        }
        b = &w->blk[idx];
    }
    return RC_OK;
}

/* Mark a root's own block (module, dict, table) as its globals. */
static void own(struct walk *w, size_t root, uint32_t addr)
{
    uint32_t idx, nb;
    if (!head(w, addr, &idx, &nb)) {
        return;
    }
    struct blk *b = &w->blk[idx];
    if (b->walk != root + 1) {
        b->walk = (uint32_t)root + 1;
        b->owner = b->owner == OWNER_NONE ? (int32_t)root : OWNER_SHARED;
    }
    b->globals = 1;
    b->scanned = 0xff; /* scanned here, not by scan() */
    if (b->cls == CLS_UNKNOWN) {
        b->cls = (uint8_t)w->in->ops->classify(w->in->ops->ctx, addr);
    }
}

static int skip_key(const struct walk *w, uint32_t key)
{
    const char *p = w->in->skip_prefix;
    char text[64];
    if (p == NULL || p[0] == 0 || !w->in->ops->key_text(w->in->ops->ctx, key, text,
                                                        sizeof text)) {
        return 0;
    }
    return strncmp(text, p, strlen(p)) == 0;
}

static int walk_root(struct walk *w, size_t r, struct modcost_cost *c)
{
    const struct modcost_in *in = w->in;
    const struct modcost_root *root = &in->roots[r];
    uint32_t idx, nb;
    int rc;
    own(w, r, root->module);
    own(w, r, root->globals);
    own(w, r, w->tables[r]);
    /* The module object's words past base and globals (a v1.19+ context's
     * constants) when it is a heap block. */
    if (head(w, root->module, &idx, &nb)) {
        uint32_t len = nb * in->heap->block_size;
        if ((rc = read_block(w, root->module, len)) < 0) {
            return rc;
        }
        uint32_t words[4] = {0, 0, 0, 0};
        for (uint32_t i = 2; i < 4 && 4 * i + 4 <= len; i++) {
            words[i] = rd32(w->buf + 4 * i);
        }
        for (uint32_t i = 2; i < 4; i++) {
            int hint = in->family == MODCOST_FAMILY_SLOTS ? H_CONST_TABLE : H_NONE;
            if ((rc = reach(w, r, words[i], hint)) < 0) {
                return rc;
            }
        }
    }
    /* The globals table, pair by pair. */
    uint32_t table = w->tables[r];
    if (table != 0 && head(w, table, &idx, &nb)) {
        uint8_t d[16];
        if ((rc = in->mem->read(in->mem->ctx, root->globals, 16, d, w->msg)) < 0) {
            return rc_prefix(w->msg, rc, "the globals dict at 0x%08x",
                             (unsigned)root->globals);
        }
        uint64_t alloc = rd32(d + 8);
        uint64_t len = (uint64_t)nb * in->heap->block_size;
        if (alloc * 8 > len) {
            alloc = len / 8;
        }
        if ((rc = read_block(w, table, (uint32_t)len)) < 0) {
            return rc;
        }
        uint32_t *pairs = malloc((size_t)alloc * 8 + 8);
        if (pairs == NULL) {
            return rc_set(w->msg, RC_NOMEM, "out of memory reading a globals table");
        }
        for (uint64_t i = 0; i < alloc * 2; i++) {
            pairs[i] = rd32(w->buf + 4 * i);
        }
        for (uint64_t i = 0; i < alloc && rc == RC_OK; i++) {
            if (root->skip && skip_key(w, pairs[2 * i])) {
                c->skipped++;
                continue;
            }
            rc = reach(w, r, pairs[2 * i], H_NONE);
            if (rc == RC_OK) {
                rc = reach(w, r, pairs[2 * i + 1], H_NONE);
            }
        }
        free(pairs);
        if (rc < 0) {
            return rc;
        }
    }
    while (w->nstack > 0) {
        uint32_t a = w->stack[--w->nstack];
        if ((rc = scan(w, r, a, c)) < 0) {
            return rc;
        }
    }
    return RC_OK;
}

int modcost_measure(const struct modcost_in *in, struct modcost_result *out,
                    struct rc_msg *msg)
{
    memset(out, 0, sizeof *out);
    if (in == NULL || in->heap == NULL || in->mem == NULL || in->ops == NULL ||
        in->ops->classify == NULL || in->ops->key_text == NULL ||
        (in->nroots > 0 && in->roots == NULL) || in->nroots > MODCOST_MAX_ROOTS ||
        (in->nstop > 0 && in->stop == NULL) ||
        (in->family != MODCOST_FAMILY_OLD && in->family != MODCOST_FAMILY_SLOTS) ||
        in->heap->block_size < 16) {
        return rc_set(msg, RC_ARG, "modcost_measure: bad arguments");
    }
    const struct heapmap *h = in->heap;
    struct walk w;
    memset(&w, 0, sizeof w);
    w.in = in;
    w.msg = msg;
    uint64_t nblk = 0;
    w.area_first = calloc(h->nareas + 1, sizeof *w.area_first);
    for (size_t i = 0; w.area_first != NULL && i < h->nareas; i++) {
        w.area_first[i] = (uint32_t)nblk;
        nblk += h->areas[i].nblocks;
    }
    w.blk = calloc((size_t)nblk + 1, sizeof *w.blk);
    w.tables = calloc(in->nroots + 1, sizeof *w.tables);
    out->mods = calloc(in->nroots + 1, sizeof *out->mods);
    int rc = RC_OK;
    if (w.area_first == NULL || w.blk == NULL || w.tables == NULL || out->mods == NULL) {
        rc = rc_set(msg, RC_NOMEM, "out of memory for the heap's %llu blocks",
                    (unsigned long long)nblk);
    }
    for (uint64_t i = 0; rc == RC_OK && i < nblk; i++) {
        w.blk[i].owner = OWNER_NONE;
        w.blk[i].cls = CLS_UNKNOWN;
    }
    /* Each root's globals table: +12 of its dict. */
    for (size_t r = 0; rc == RC_OK && r < in->nroots; r++) {
        uint8_t d[16];
        rc = in->mem->read(in->mem->ctx, in->roots[r].globals, 16, d, msg);
        if (rc < 0) {
            rc_prefix(msg, rc, "the globals dict at 0x%08x", (unsigned)in->roots[r].globals);
        } else {
            w.tables[r] = rd32(d + 12);
        }
    }
    for (size_t r = 0; rc == RC_OK && r < in->nroots; r++) {
        rc = walk_root(&w, r, &out->mods[r]);
    }
    if (rc == RC_OK) {
        out->nmods = in->nroots;
        uint64_t attributed = 0;
        for (size_t a = 0; a < h->nareas; a++) {
            const struct heapmap_area *ar = &h->areas[a];
            for (uint32_t i = 0; i < ar->nblocks; i++) {
                const struct blk *b = &w.blk[w.area_first[a] + i];
                if (b->owner == OWNER_NONE) {
                    continue;
                }
                uint32_t idx, nb;
                if (!head(&w, ar->pool_start + i * h->block_size, &idx, &nb)) {
                    continue;
                }
                struct modcost_cost *c = b->owner == OWNER_SHARED ? &out->shared
                                                                  : &out->mods[b->owner];
                uint64_t bytes = (uint64_t)nb * h->block_size;
                c->bytes[cat_of(b, in->family)] += bytes;
                c->total += bytes;
                c->objects++;
                attributed += bytes;
            }
        }
        out->used_bytes = h->stats.gc_used_blocks * h->block_size;
        out->unattributed_bytes = out->used_bytes > attributed ? out->used_bytes - attributed
                                                               : 0;
    } else {
        free(out->mods);
        memset(out, 0, sizeof *out);
    }
    free(w.area_first);
    free(w.blk);
    free(w.tables);
    free(w.stack);
    free(w.buf);
    return rc;
}
