/*
 * frozen.c: MicroPython's frozen modules in a firmware image (wire spec,
 * section 9): finding them, hashing them, manifests, and decoding a
 * bytecode module for the explorer.
 *
 * The symbols (names, addresses, sizes) come from the image; every byte of
 * the tables comes through struct frozen_mem and is never trusted: names
 * must end inside their symbol, sizes must fit the content symbol, counts
 * are capped, pointers are only followed where a symbol says what they
 * point at.  A bytecode module's bytes are the sized symbols the freezer
 * made for it, hashed in address order (overlapping symbols merged so no
 * byte counts twice).  Which module a symbol belongs to is decided by the
 * pointers, not the names: from the module's entry (frozen_module_<mod>,
 * or its raw code before v1.19) every aligned word of a struct, table or
 * constant object that lands inside a freezer symbol reaches that symbol
 * (bytecode and qstr tables hold no pointers and are not scanned).  Names
 * matter only when two modules reach one symbol (the one whose patterns
 * fit it keeps it) and for symbols nothing reaches; escaped names can be
 * prefixes of one another ("hello" + scope "world" vs module
 * "hello_world"), so a name alone cannot say.  Each symbol has one owner.
 *
 * The work is bounded whatever the tables say: the symbol holding an
 * address is one binary search (spans built once per image), modules that
 * share an entry share one walk, aliases and names are matched through
 * sorted indexes, and all the walks of one frozen_find scan at most
 * WALK_BUDGET words before giving up with RC_PARSE.
 */
#include "frozen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "image.h"
#include "recdec.h"

#define MAX_MODS 4096u
#define MAX_TABLE (1u << 20)      /* a names/sizes table we are willing to read */
#define MAX_MOD_BYTES (16u << 20) /* bytes hashed per module */
#define MAX_NAME 127u

/* ---- bytes and symbols --------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static int mread(const struct frozen_mem *mem, uint32_t addr, uint32_t len,
                 uint8_t *out, struct rc_msg *msg)
{
    if (len == 0) {
        return RC_OK;
    }
    if ((uint64_t)addr + len > UINT64_C(0x100000000)) {
        return rc_set(msg, RC_PARSE, "0x%08x + %u runs past 4 GiB", addr,
                      len);
    }
    return mem->read(mem->ctx, addr, len, out, msg);
}

/* Read failures that mean "the table points nowhere sensible" rather than
 * "the board went away". */
static int soft_fail(int rc)
{
    return rc == RC_NOTFOUND || rc == RC_PARSE;
}

static int image_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                      struct rc_msg *msg)
{
    const struct image *img = ctx;
    if (image_copy(img, addr, len, out) == len) {
        return RC_OK;
    }
    /* A run address of a relocated section (.data): its bytes sit at the
     * load address. */
    for (size_t i = 0; i < img->nsects; i++) {
        const struct image_sect *s = &img->sects[i];
        if (s->load == s->addr || (s->flags & IMAGE_SF_NOBITS) != 0) {
            continue;
        }
        if (addr >= s->addr && (uint64_t)addr + len <= (uint64_t)s->addr + s->size) {
            uint32_t la = s->load + (addr - s->addr);
            if (image_copy(img, la, len, out) == len) {
                return RC_OK;
            }
        }
    }
    return rc_set(msg, RC_NOTFOUND, "%s holds no bytes at 0x%08x..0x%08x",
                  img->path, addr, (uint32_t)(addr + len - 1));
}

void frozen_mem_image(struct frozen_mem *mem, const struct image *img)
{
    mem->read = image_read;
    mem->ctx = (void *)(uintptr_t)img;
}

/* The symbol named name: a global one first.  A loaded image has an index;
 * a hand-built one (tests, fuzzing) is searched. */
static const struct image_sym *sym_named(const struct image *img,
                                         const char *name)
{
    if (img->store != NULL) {
        return image_sym_find(img, name);
    }
    const struct image_sym *found = NULL;
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *s = &img->syms[i];
        if (s->name != NULL && strcmp(s->name, name) == 0) {
            if (s->global) {
                return s;
            }
            if (found == NULL) {
                found = s;
            }
        }
    }
    return found;
}

/* The smallest sized symbol covering addr (through the image's index when
 * it has one). */
static const struct image_sym *sym_covering(const struct image *img,
                                            uint32_t addr)
{
    if (img->store != NULL) {
        return image_sym_at(img, addr);
    }
    const struct image_sym *best = NULL;
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *s = &img->syms[i];
        if (s->name == NULL || s->size == 0 || addr < s->addr ||
            (uint64_t)addr >= (uint64_t)s->addr + s->size) {
            continue;
        }
        if (best == NULL || s->size < best->size) {
            best = s;
        }
    }
    return best;
}

/* The sized symbol that starts at addr and whose name starts with prefix. */
static const struct image_sym *sym_starting(const struct image *img,
                                            uint32_t addr, const char *prefix)
{
    size_t pl = strlen(prefix);
    /* A loaded image keeps its symbols in address order: start at the
     * first one at addr.  Hand-built ones (tests) are searched whole. */
    size_t i = img->store != NULL ? image_sym_lower(img, addr) : 0;
    for (; i < img->nsyms; i++) {
        const struct image_sym *s = &img->syms[i];
        if (img->store != NULL && s->addr != addr) {
            break;
        }
        if (s->name != NULL && s->size > 0 && s->addr == addr &&
            strncmp(s->name, prefix, pl) == 0) {
            return s;
        }
    }
    return NULL;
}

static int any_sym_prefix(const struct image *img, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < img->nsyms; i++) {
        if (img->syms[i].name != NULL &&
            strncmp(img->syms[i].name, prefix, pl) == 0) {
            return 1;
        }
    }
    return 0;
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- module names -------------------------------------------------------- */

/* Printable text: no control bytes, valid UTF-8, no space at either end. */
static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_NAME || s[0] == ' ' || s[n - 1] == ' ') {
        return 0;
    }
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return 0;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + k >= n) {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            unsigned char d = (unsigned char)s[i + j];
            if ((d & 0xc0) != 0x80) {
                return 0;
            }
            cp = cp << 6 | (d & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* mpy-tool's escaped module name: the path without its extension, every
 * character that is not a letter or digit turned into '_'. */
static void escape_name(const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash != NULL ? slash : name, '.');
    if (dot != NULL && dot != name && (slash == NULL || dot > slash + 1)) {
        n = (size_t)(dot - name);
    }
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++) {
        unsigned char c = (unsigned char)name[i];
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                    (c >= 'A' && c <= 'Z');
        out[o++] = alnum ? (char)c : '_';
    }
    out[o] = 0;
}

/* Does symbol name s belong to the module whose escaped name is m? */
static int sym_of_module(const char *s, const char *m)
{
    static const char *const exact[] = {
        "frozen_module_", "const_qstr_table_data_", "const_obj_table_data_",
    };
    static const char *const scoped[] = {
        "proto_fun_", "raw_code_", "fun_data_", "children_",
        "const_table_data_",
    };
    size_t ml = strlen(m);
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        size_t pl = strlen(exact[i]);
        if (strncmp(s, exact[i], pl) == 0 && strcmp(s + pl, m) == 0) {
            return 1;
        }
    }
    if (strncmp(s, "const_obj_", 10) == 0 && strncmp(s + 10, m, ml) == 0 &&
        s[10 + ml] == '_') {
        /* const_obj_<mod>_<n>[_<m>...]; a suffix longer than any the
         * freezer makes is not one (and keeps this O(name length)). */
        const char *p = s + 10 + ml;
        if (strnlen(p, 65) > 64) {
            return 0;
        }
        while (*p == '_') {
            p++;
            if (*p < '0' || *p > '9') {
                return 0;
            }
            while (*p >= '0' && *p <= '9') {
                p++;
            }
        }
        return *p == 0;
    }
    for (size_t i = 0; i < sizeof scoped / sizeof scoped[0]; i++) {
        size_t pl = strlen(scoped[i]);
        if (strncmp(s, scoped[i], pl) == 0 && strncmp(s + pl, m, ml) == 0 &&
            s[pl + ml] == '_') {
            char c = s[pl + ml + 1];
            /* "_lt_module_gt_", a child's name, or a qstr-escaped one
             * ("_lt_lambda_gt_"): all start with a letter or '_'. */
            return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }
    }
    return 0;
}

/* ---- the set being built ------------------------------------------------- */

struct finder {
    const struct image *img;
    const struct frozen_mem *mem;
    struct rc_msg *msg;
    struct frozen_set *set;
    size_t cap;
    uint64_t work;      /* words scanned for pointers, against WALK_BUDGET */
};

static int add_mod(struct finder *f, const char *name, int source,
                   struct frozen_mod **out)
{
    if (f->set->n >= MAX_MODS) {
        return rc_set(f->msg, RC_PARSE, "%s: more than %u frozen modules",
                      f->img->path, MAX_MODS);
    }
    if (f->set->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 16;
        struct frozen_mod *m = realloc(f->set->mods, nc * sizeof *m);
        if (m == NULL) {
            return rc_set(f->msg, RC_NOMEM, "out of memory");
        }
        f->set->mods = m;
        f->cap = nc;
    }
    struct frozen_mod *m = &f->set->mods[f->set->n++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->source = source;
    *out = m;
    return RC_OK;
}

/* Read a whole sized table symbol into a fresh buffer. */
static int read_table(struct finder *f, const struct image_sym *s,
                      uint8_t **out)
{
    *out = NULL;
    if (s->size == 0) {
        return rc_set(f->msg, RC_PARSE, "%s: %s has no size", f->img->path,
                      s->name);
    }
    if (s->size > MAX_TABLE) {
        return rc_set(f->msg, RC_PARSE, "%s: %s is %u bytes, more than %u",
                      f->img->path, s->name, s->size, MAX_TABLE);
    }
    uint8_t *b = malloc(s->size + 1);
    if (b == NULL) {
        return rc_set(f->msg, RC_NOMEM, "out of memory");
    }
    int rc = mread(f->mem, s->addr, s->size, b, f->msg);
    if (rc != RC_OK) {
        free(b);
        return rc_prefix(f->msg, rc, "reading %s", s->name);
    }
    b[s->size] = 0;
    *out = b;
    return RC_OK;
}

/* A NUL-separated name list that ends with an empty name (or at the end of
 * its symbol).  Returns the names as offsets into tab. */
static int parse_names(struct finder *f, const struct image_sym *s,
                       const uint8_t *tab, size_t *offs, size_t *count)
{
    size_t n = 0;
    size_t i = 0;
    while (i < s->size && tab[i] != 0) {
        const char *nm = (const char *)tab + i;
        size_t l = strnlen(nm, s->size - i);
        if (i + l >= s->size) {
            return rc_set(f->msg, RC_PARSE,
                          "%s: %s: name %zu runs past the end of the symbol",
                          f->img->path, s->name, n);
        }
        if (!name_ok(nm, l)) {
            return rc_set(f->msg, RC_PARSE,
                          "%s: %s: name %zu is not a module name (%zu bytes)",
                          f->img->path, s->name, n, l);
        }
        if (n >= MAX_MODS) {
            return rc_set(f->msg, RC_PARSE, "%s: %s: more than %u names",
                          f->img->path, s->name, MAX_MODS);
        }
        offs[n++] = i;
        i += l + 1;
    }
    *count = n;
    return RC_OK;
}

/* Source module: [addr, addr+size) followed by its NUL. */
static int add_source(struct finder *f, const char *name,
                      const struct image_sym *content, uint64_t off,
                      uint32_t size)
{
    if (off + size + 1 > content->size && content->size != 0) {
        return rc_set(f->msg, RC_PARSE,
                      "%s: %s: %u bytes at offset %llu run past its %u bytes",
                      f->img->path, name, size, (unsigned long long)off,
                      content->size);
    }
    if (size > MAX_MOD_BYTES || off > UINT32_MAX ||
        (uint64_t)content->addr + off + size + 1 > UINT64_C(0x100000000)) {
        return rc_set(f->msg, RC_PARSE, "%s: %s: size %u makes no sense",
                      f->img->path, name, size);
    }
    struct frozen_mod *m;
    int rc = add_mod(f, name, 1, &m);
    if (rc != RC_OK) {
        return rc;
    }
    m->addr = content->addr + (uint32_t)off;
    m->size = size;
    if (size > 0) {
        /* An empty module (v1.8-v1.17 sizes may say 0) holds no bytes. */
        m->ranges = malloc(sizeof *m->ranges);
        if (m->ranges == NULL) {
            return rc_set(f->msg, RC_NOMEM, "out of memory");
        }
        m->ranges[0].addr = m->addr;
        m->ranges[0].len = size;
        m->nranges = 1;
    }
    uint8_t *b = malloc((size_t)size + 1);
    if (b == NULL) {
        return rc_set(f->msg, RC_NOMEM, "out of memory");
    }
    rc = mread(f->mem, m->addr, size + 1, b, f->msg);
    if (rc != RC_OK) {
        free(b);
        return rc_prefix(f->msg, rc, "%s", name);
    }
    if (b[size] != 0) {
        free(b);
        return rc_set(f->msg, RC_PARSE,
                      "%s: %s: no NUL after its %u bytes (the sizes lie)",
                      f->img->path, name, size);
    }
    recdec_sha256(b, size, m->sha256);
    free(b);
    return RC_OK;
}

static int cmp_range(const void *a, const void *b)
{
    const struct frozen_range *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * The escaped module names, sorted (then by module index), so the module a
 * symbol's name points to is found by looking up the few prefixes of the
 * name that could be an escaped module name, not by trying every module.
 */
struct esc_ix {
    const char *s;
    size_t len;
    size_t mod;
};

static int cmp_esc_ix(const void *a, const void *b)
{
    const struct esc_ix *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    if (c != 0) {
        return c;
    }
    return x->mod < y->mod ? -1 : x->mod > y->mod;
}

/* The first module (lowest index) whose escaped name is [r, r+l), or -1. */
static long esc_lookup(const struct esc_ix *ix, size_t n, const char *r, size_t l)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t ml = ix[mid].len;
        int c = memcmp(ix[mid].s, r, ml < l ? ml : l);
        if (c == 0) {
            c = ml < l ? -1 : ml > l;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < n && ix[lo].len == l && memcmp(ix[lo].s, r, l) == 0) {
        return (long)ix[lo].mod;
    }
    return -1;
}

/* Which bytecode module (index into esc) a symbol belongs to by name, or
 * -1: the longest escaped name whose patterns match (the first module of
 * that length).  An escaped name follows one of the prefixes and ends at
 * a '_' or at the end, so only those splits are looked up. */
static long best_module(const char *s, char (*esc)[MAX_NAME + 1],
                        const struct esc_ix *ix, size_t n)
{
    static const char *const prefixes[] = {
        "frozen_module_", "const_qstr_table_data_", "const_obj_table_data_",
        "const_obj_", "proto_fun_", "raw_code_", "fun_data_", "children_",
        "const_table_data_",
    };
    long best = -1;
    size_t bl = 0;
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        if (!has_prefix(s, prefixes[p])) {
            continue;
        }
        const char *r = s + strlen(prefixes[p]);
        for (size_t l = 0; l <= MAX_NAME; l++) {
            if (r[l] == '_' || r[l] == 0) {
                long m = esc_lookup(ix, n, r, l);
                if (m >= 0 && (best < 0 || l > bl || (l == bl && m < best)) &&
                    sym_of_module(s, esc[m])) {
                    best = m;
                    bl = l;
                }
            }
            if (r[l] == 0) {
                break;
            }
        }
    }
    return best;
}

static int known_prefix(const char *s)
{
    return has_prefix(s, "frozen_module_") || has_prefix(s, "const_") ||
           has_prefix(s, "proto_fun_") || has_prefix(s, "raw_code_") ||
           has_prefix(s, "fun_data_") || has_prefix(s, "children_");
}

/* ---- which module owns a symbol: following the pointers ------------------ */

#define WALK_MAX_DEPTH 64u      /* pointer hops from a module's entry */
#define WALK_MAX_SYMS 65536u    /* symbols reached per module */
#define WALK_MAX_BYTES 16384u   /* bytes of one symbol scanned for pointers */
/* Words scanned for pointers (and claims replayed) in one frozen_find.  A
 * real firmware's frozen objects are a small fraction of this; tables
 * that point many modules at big overlapping symbols would otherwise take
 * minutes. */
#define WALK_BUDGET (4u << 20)

/*
 * The symbols the freezer could have made: sized, with one of its name
 * prefixes; by address (then by place in img->syms).  Ownership is decided
 * over these.
 */
struct cand {
    uint32_t addr;
    size_t sym;         /* index into img->syms */
};

/* [start, next span's start): the innermost candidate there (-1: none). */
struct cspan {
    uint64_t start;
    long cand;
};

struct cands {
    const struct image *img;
    struct cand *v;
    size_t n;
    struct cspan *spans;
    size_t nspans;
    long *owner;        /* module index, -1: none yet */
    int *walked;        /* owner was set by a pointer, not by a name */
    size_t *stamp;      /* walk number + 1 of the walk that last reached it */
    uint16_t *depth;
    size_t *queue;      /* the last walk: what it reached, in order */
    uint8_t *buf;       /* WALK_MAX_BYTES */
};

static const struct image_sym *cand_sym(const struct cands *c, size_t k)
{
    return &c->img->syms[c->v[k].sym];
}

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void cands_free(struct cands *c)
{
    free(c->v);
    free(c->spans);
    free(c->owner);
    free(c->walked);
    free(c->stamp);
    free(c->depth);
    free(c->queue);
    free(c->buf);
    memset(c, 0, sizeof *c);
}

/* 1 when candidate a is the better answer for cand_at than b (both holding
 * the address): smaller, then later in order. */
static int cand_better(const struct cands *c, size_t a, size_t b)
{
    uint32_t sa = cand_sym(c, a)->size, sb = cand_sym(c, b)->size;
    return sa != sb ? sa < sb : a > b;
}

static void cheap_push(const struct cands *c, size_t *h, size_t *n, size_t v)
{
    size_t i = (*n)++;
    h[i] = v;
    while (i > 0 && cand_better(c, h[i], h[(i - 1) / 2])) {
        size_t p = (i - 1) / 2, t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static void cheap_pop(const struct cands *c, size_t *h, size_t *n)
{
    h[0] = h[--*n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < *n && cand_better(c, h[l], h[b])) {
            b = l;
        }
        if (r < *n && cand_better(c, h[r], h[b])) {
            b = r;
        }
        if (b == i) {
            break;
        }
        size_t t = h[i];
        h[i] = h[b];
        h[b] = t;
        i = b;
    }
}

/* The spans for cand_at: a sweep over the candidates' start and end points
 * with a heap of those started (the best on top; ended ones are dropped
 * when they reach the top), so a lookup is one binary search however the
 * candidates nest or overlap. */
static int cands_spans(struct cands *c)
{
    uint64_t *pts = malloc((2 * c->n + 1) * sizeof *pts);
    size_t *heap = malloc((c->n + 1) * sizeof *heap);
    c->spans = malloc((2 * c->n + 1) * sizeof *c->spans);
    if (pts == NULL || heap == NULL || c->spans == NULL) {
        free(pts);
        free(heap);
        return RC_NOMEM;
    }
    size_t np = 0;
    for (size_t k = 0; k < c->n; k++) {
        const struct image_sym *s = cand_sym(c, k);
        pts[np++] = s->addr;
        pts[np++] = (uint64_t)s->addr + s->size;
    }
    qsort(pts, np, sizeof *pts, cmp_u64);
    size_t nh = 0, next = 0;
    for (size_t i = 0; i < np; i++) {
        if (i > 0 && pts[i] == pts[i - 1]) {
            continue;
        }
        while (next < c->n && c->v[next].addr <= pts[i]) {
            cheap_push(c, heap, &nh, next++);
        }
        while (nh > 0 && (uint64_t)cand_sym(c, heap[0])->addr +
                             cand_sym(c, heap[0])->size <= pts[i]) {
            cheap_pop(c, heap, &nh);
        }
        long top = nh > 0 ? (long)heap[0] : -1;
        if (c->nspans > 0 && c->spans[c->nspans - 1].cand == top) {
            continue;
        }
        c->spans[c->nspans].start = pts[i];
        c->spans[c->nspans++].cand = top;
    }
    free(pts);
    free(heap);
    return RC_OK;
}

static int cands_init(struct cands *c, const struct image *img)
{
    memset(c, 0, sizeof *c);
    c->img = img;
    size_t n = 0;
    for (size_t j = 0; j < img->nsyms; j++) {
        const struct image_sym *s = &img->syms[j];
        n += s->name != NULL && s->size > 0 && known_prefix(s->name);
    }
    size_t a = n ? n : 1;
    c->v = malloc(a * sizeof *c->v);
    c->owner = malloc(a * sizeof *c->owner);
    c->walked = calloc(a, sizeof *c->walked);
    c->stamp = calloc(a, sizeof *c->stamp);
    c->depth = calloc(a, sizeof *c->depth);
    c->queue = malloc(a * sizeof *c->queue);
    c->buf = malloc(WALK_MAX_BYTES);
    if (c->v == NULL || c->owner == NULL || c->walked == NULL ||
        c->stamp == NULL || c->depth == NULL || c->queue == NULL || c->buf == NULL) {
        cands_free(c);
        return RC_NOMEM;
    }
    for (size_t j = 0; j < img->nsyms; j++) {
        const struct image_sym *s = &img->syms[j];
        if (s->name != NULL && s->size > 0 && known_prefix(s->name)) {
            c->owner[c->n] = -1;
            c->v[c->n].addr = s->addr;
            c->v[c->n++].sym = j;
        }
    }
    /* A loaded image keeps its symbols by address; a hand-built one may not. */
    qsort(c->v, c->n, sizeof *c->v, cmp_cand);
    if (cands_spans(c) != RC_OK) {
        cands_free(c);
        return RC_NOMEM;
    }
    return RC_OK;
}

/* The candidate holding addr (the smallest when they nest, the last in
 * order of equal ones), or -1.  O(log n). */
static long cand_at(const struct cands *c, uint32_t addr)
{
    size_t lo = 0, hi = c->nspans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->spans[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo == 0 ? -1 : c->spans[lo - 1].cand;
}

/* Module mi reached candidate k: it owns it unless another module reached
 * it first; then the names break the tie (the module whose patterns match,
 * the longer name when both do), else the first one keeps it. */
static void claim(struct cands *c, size_t k, size_t mi, char (*esc)[MAX_NAME + 1])
{
    long o = c->owner[k];
    if (o < 0 || !c->walked[k]) {
        c->owner[k] = (long)mi;
        c->walked[k] = 1;
        return;
    }
    if ((size_t)o == mi) {
        return;
    }
    const char *name = cand_sym(c, k)->name;
    int pm = sym_of_module(name, esc[mi]), po = sym_of_module(name, esc[o]);
    if (pm && (!po || strlen(esc[mi]) > strlen(esc[o]))) {
        c->owner[k] = (long)mi;
    }
}

/* Symbols that hold no pointers: bytecode (or machine code) and qstr
 * tables.  The first word of a raw-code struct is bit fields. */
static int scan_from(const char *name, uint32_t addr, uint32_t *first)
{
    if (has_prefix(name, "fun_data_") || has_prefix(name, "const_qstr_table_data_")) {
        return 0;
    }
    *first = (4 - (addr & 3)) & 3;
    if ((has_prefix(name, "proto_fun_") || has_prefix(name, "raw_code_")) &&
        *first == 0) {
        *first = 4;
    }
    return 1;
}

static int over_budget(struct finder *f)
{
    return rc_set(f->msg, RC_PARSE,
                  "%s: the frozen tables point at more than %u MiB of objects; "
                  "not a real firmware image?",
                  f->img->path, WALK_BUDGET * 4u >> 20);
}

/*
 * Follow pointers from entry (a module's frozen_module_<mod> struct, or
 * its raw code before v1.19) through the candidates: every aligned word of
 * a struct, table or object that lands inside a candidate reaches it.
 * What was reached is c->queue[0..*reached), in the order reached.  Capped
 * in depth and count, and every word scanned counts against f->work; each
 * candidate is visited once per walk, so cycles end.
 */
static int walk_entry(struct finder *f, struct cands *c, uint32_t entry,
                      size_t walk, size_t *reached)
{
    size_t head = 0, tail = 0;
    *reached = 0;
    long k0 = cand_at(c, entry);
    if (k0 < 0) {
        return RC_OK;
    }
    c->stamp[k0] = walk + 1;
    c->depth[k0] = 0;
    c->queue[tail++] = (size_t)k0;
    while (head < tail) {
        size_t k = c->queue[head++];
        const struct image_sym *s = cand_sym(c, k);
        uint32_t first;
        if (c->depth[k] >= WALK_MAX_DEPTH || !scan_from(s->name, s->addr, &first) ||
            s->size < first + 4) {
            continue;
        }
        uint32_t len = s->size < WALK_MAX_BYTES ? s->size : WALK_MAX_BYTES;
        f->work += len / 4;
        if (f->work > WALK_BUDGET) {
            return over_budget(f);
        }
        struct rc_msg m;
        int rc = mread(f->mem, s->addr, len, c->buf, &m);
        if (rc != RC_OK) {
            if (soft_fail(rc)) {
                continue;
            }
            *f->msg = m;
            return rc_prefix(f->msg, rc, "reading %s", s->name);
        }
        for (uint32_t o = first; o + 4 <= len; o += 4) {
            long t = cand_at(c, le32(c->buf + o));
            if (t < 0 || c->stamp[t] == walk + 1) {
                continue;
            }
            if (tail >= WALK_MAX_SYMS) {
                *reached = tail;
                return RC_OK;
            }
            c->stamp[t] = walk + 1;
            c->depth[t] = (uint16_t)(c->depth[k] + 1);
            c->queue[tail++] = (size_t)t;
        }
    }
    *reached = tail;
    return RC_OK;
}

/*
 * Walk every module's entry, in module order, and let it claim what it
 * reached.  Modules that share an entry (which a real firmware never has)
 * share one walk: its list is kept until the last of them has claimed.
 */
static int walk_modules(struct finder *f, struct cands *c, const uint8_t *ptrs,
                        size_t n, char (*esc)[MAX_NAME + 1])
{
    uint64_t *key = malloc(n * sizeof *key);  /* entry << 32 | module */
    size_t *lead = malloc(n * sizeof *lead);  /* the first module with its entry */
    size_t *last = malloc(n * sizeof *last);  /* the last one (for the leader) */
    size_t **kept = calloc(n, sizeof *kept);  /* the leader's list, when shared */
    size_t *nkept = calloc(n, sizeof *nkept);
    int rc = RC_OK;
    if (key == NULL || lead == NULL || last == NULL || kept == NULL || nkept == NULL) {
        rc = rc_set(f->msg, RC_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        key[i] = (uint64_t)le32(ptrs + 4 * i) << 32 | i;
    }
    qsort(key, n, sizeof *key, cmp_u64);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && key[j] >> 32 == key[i] >> 32) {
            j++;
        }
        size_t first = (size_t)(key[i] & UINT32_MAX);
        for (size_t q = i; q < j; q++) {
            lead[key[q] & UINT32_MAX] = first;
        }
        last[first] = (size_t)(key[j - 1] & UINT32_MAX);
        i = j;
    }
    for (size_t i = 0; i < n && rc == RC_OK; i++) {
        size_t ld = lead[i], cnt;
        const size_t *list;
        if (ld == i) {
            rc = walk_entry(f, c, le32(ptrs + 4 * i), i, &cnt);
            if (rc != RC_OK) {
                break;
            }
            list = c->queue;
            if (last[i] != i && cnt > 0) {
                kept[i] = malloc(cnt * sizeof *kept[i]);
                if (kept[i] == NULL) {
                    rc = rc_set(f->msg, RC_NOMEM, "out of memory");
                    break;
                }
                memcpy(kept[i], c->queue, cnt * sizeof *kept[i]);
                nkept[i] = cnt;
            }
        } else {
            list = kept[ld];
            cnt = nkept[ld];
            f->work += cnt;
            if (f->work > WALK_BUDGET) {
                rc = over_budget(f);
                break;
            }
        }
        for (size_t q = 0; q < cnt; q++) {
            claim(c, list[q], i, esc);
        }
        if (ld != i && last[ld] == i) {
            free(kept[ld]);
            kept[ld] = NULL;
        }
    }
out:
    for (size_t i = 0; kept != NULL && i < n; i++) {
        free(kept[i]);
    }
    free(key);
    free(lead);
    free(last);
    free(kept);
    free(nkept);
    return rc;
}

/* Candidate order for claim_by_name: by address, size, then index. */
struct alias_key {
    uint32_t addr;
    uint32_t size;
    size_t k;
};

static int cmp_alias_key(const void *a, const void *b)
{
    const struct alias_key *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    if (x->size != y->size) {
        return x->size < y->size ? -1 : 1;
    }
    return x->k < y->k ? -1 : x->k > y->k;
}

/* Candidates no pointer reached: an alias (same address and size) of one
 * already given goes with the first such (in candidate order); the rest go
 * by name.  Aliases are taken a run at a time, so many of them at one
 * address cost no more than a sort. */
static int claim_by_name(struct cands *c, char (*esc)[MAX_NAME + 1], size_t n)
{
    struct alias_key *ak = malloc((c->n ? c->n : 1) * sizeof *ak);
    struct esc_ix *ix = malloc((n ? n : 1) * sizeof *ix);
    if (ak == NULL || ix == NULL) {
        free(ak);
        free(ix);
        return RC_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        ix[i].s = esc[i];
        ix[i].len = strlen(esc[i]);
        ix[i].mod = i;
    }
    qsort(ix, n, sizeof *ix, cmp_esc_ix);
    for (size_t k = 0; k < c->n; k++) {
        ak[k].addr = cand_sym(c, k)->addr;
        ak[k].size = cand_sym(c, k)->size;
        ak[k].k = k;
    }
    qsort(ak, c->n, sizeof *ak, cmp_alias_key);
    for (size_t i = 0; i < c->n;) {
        size_t j = i;
        while (j < c->n && ak[j].addr == ak[i].addr && ak[j].size == ak[i].size) {
            j++;
        }
        /* The first alias with an owner: a walked one anywhere in the run,
         * or one given earlier in this loop. */
        size_t walked = SIZE_MAX, given = SIZE_MAX;
        for (size_t q = i; q < j; q++) {
            if (c->walked[ak[q].k]) {
                walked = ak[q].k;
                break;
            }
        }
        for (size_t q = i; q < j; q++) {
            size_t k = ak[q].k;
            if (c->walked[k]) {
                continue;
            }
            size_t from = walked < given ? walked : given;
            if (from != SIZE_MAX) {
                c->owner[k] = c->owner[from];
            } else {
                c->owner[k] = best_module(cand_sym(c, k)->name, esc, ix, n);
            }
            if (c->owner[k] >= 0 && given == SIZE_MAX) {
                given = k;
            }
        }
        i = j;
    }
    free(ak);
    free(ix);
    return RC_OK;
}

/*
 * The bytecode modules: names[i] with entry pointers ptrs[i] (frozen
 * module structs when fm is set, else raw-code structs).
 */
static int add_bytecode(struct finder *f, const uint8_t *names_tab,
                        const size_t *offs, size_t n, const uint8_t *ptrs,
                        int fm)
{
    if (n == 0) {
        return RC_OK;
    }
    const struct image *img = f->img;
    char (*esc)[MAX_NAME + 1] = calloc(n, sizeof *esc);
    size_t *cnt = calloc(n, sizeof *cnt);
    struct cands c;
    int rc = cands_init(&c, img);
    if (esc == NULL || cnt == NULL || rc != RC_OK) {
        rc = rc_set(f->msg, RC_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        escape_name((const char *)names_tab + offs[i], esc[i], sizeof esc[i]);
    }
    rc = walk_modules(f, &c, ptrs, n, esc);
    if (rc != RC_OK) {
        goto out;
    }
    if (claim_by_name(&c, esc, n) != RC_OK) {
        rc = rc_set(f->msg, RC_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < c.n; k++) {
        if (c.owner[k] >= 0) {
            cnt[c.owner[k]]++;
        }
    }
    size_t first = f->set->n;
    for (size_t i = 0; i < n; i++) {
        const char *name = (const char *)names_tab + offs[i];
        struct frozen_mod *m;
        rc = add_mod(f, name, 0, &m);
        if (rc != RC_OK) {
            goto out;
        }
        if (cnt[i] == 0) {
            rc = rc_set(f->msg, RC_UNSUPP,
                        "%s: no symbols for frozen module %s "
                        "(fun_data_%s__lt_module_gt_ ...): is the ELF stripped?",
                        img->path, name, esc[i]);
            goto out;
        }
        m->ranges = malloc(cnt[i] * sizeof *m->ranges);
        if (m->ranges == NULL) {
            rc = rc_set(f->msg, RC_NOMEM, "out of memory");
            goto out;
        }
    }
    for (size_t k = 0; k < c.n; k++) {
        if (c.owner[k] >= 0) {
            struct frozen_mod *m = &f->set->mods[first + (size_t)c.owner[k]];
            m->ranges[m->nranges].addr = cand_sym(&c, k)->addr;
            m->ranges[m->nranges].len = cand_sym(&c, k)->size;
            m->nranges++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct frozen_mod *m = &f->set->mods[first + i];
        qsort(m->ranges, m->nranges, sizeof *m->ranges, cmp_range);
        /* Merge overlaps (aliases), so each byte is hashed once. */
        size_t k = 0;
        for (size_t j = 0; j < m->nranges; j++) {
            struct frozen_range r = m->ranges[j];
            uint64_t end = (uint64_t)r.addr + r.len;
            if (end > UINT64_C(0x100000000)) {
                rc = rc_set(f->msg, RC_PARSE, "%s: a symbol of %s runs past 4 GiB",
                            img->path, m->name);
                goto out;
            }
            if (k > 0 && r.addr < (uint64_t)m->ranges[k - 1].addr + m->ranges[k - 1].len) {
                uint64_t pend = (uint64_t)m->ranges[k - 1].addr + m->ranges[k - 1].len;
                if (end > pend) {
                    m->ranges[k - 1].len = (uint32_t)(end - m->ranges[k - 1].addr);
                }
                continue;
            }
            m->ranges[k++] = r;
        }
        m->nranges = k;
        uint64_t total = 0;
        for (size_t j = 0; j < k; j++) {
            total += m->ranges[j].len;
        }
        if (total > MAX_MOD_BYTES) {
            rc = rc_set(f->msg, RC_PARSE, "%s: %s: %llu bytes of symbols, more than %u",
                        img->path, m->name, (unsigned long long)total, MAX_MOD_BYTES);
            goto out;
        }
        m->size = (uint32_t)total;
        uint8_t *b = malloc(total ? (size_t)total : 1);
        if (b == NULL) {
            rc = rc_set(f->msg, RC_NOMEM, "out of memory");
            goto out;
        }
        size_t at = 0;
        for (size_t j = 0; j < k && rc == RC_OK; j++) {
            rc = mread(f->mem, m->ranges[j].addr, m->ranges[j].len, b + at, f->msg);
            at += m->ranges[j].len;
        }
        if (rc != RC_OK) {
            free(b);
            rc = rc_prefix(f->msg, rc, "%s", m->name);
            goto out;
        }
        recdec_sha256(b, (size_t)total, m->sha256);
        free(b);

        /* Its top-level bytecode: where the tables point, if that is one
         * of its own bytes; else the symbol. */
        uint32_t fun = 0;
        int have = 0;
        uint8_t w[12];
        uint32_t p = le32(ptrs + 4 * i);
        int r2 = RC_OK;
        if (fm) {
            r2 = mread(f->mem, p, 12, w, f->msg);
            p = le32(w + 8);
        }
        if (r2 == RC_OK) {
            r2 = mread(f->mem, p, 8, w, f->msg);
        }
        if (r2 == RC_OK) {
            const struct image_sym *cs = sym_covering(img, p);
            if (!fm || (w[0] == 0 && w[1] == 0) ||
                (cs != NULL && has_prefix(cs->name, "raw_code_"))) {
                fun = le32(w + 4);
            } else {
                fun = p;
            }
            for (size_t j = 0; j < k; j++) {
                if (fun >= m->ranges[j].addr &&
                    (uint64_t)fun < (uint64_t)m->ranges[j].addr + m->ranges[j].len) {
                    have = 1;
                }
            }
        } else if (!soft_fail(r2)) {
            rc = rc_prefix(f->msg, r2, "%s", m->name);
            goto out;
        }
        if (!have) {
            char sn[MAX_NAME + 40];
            snprintf(sn, sizeof sn, "fun_data_%s__lt_module_gt_", esc[i]);
            const struct image_sym *s = sym_named(img, sn);
            fun = s != NULL ? s->addr : m->ranges[0].addr;
        }
        m->addr = fun;
    }
out:
    free(esc);
    free(cnt);
    cands_free(&c);
    return rc;
}

static int need(struct finder *f, const struct image_sym *s, const char *what)
{
    if (s == NULL) {
        return rc_set(f->msg, RC_PARSE, "%s has %s but no %s", f->img->path,
                      f->set->layout, what);
    }
    return RC_OK;
}

/* Check that a table of n entries of width w fits its symbol. */
static int fits(struct finder *f, const struct image_sym *s, size_t n, size_t w)
{
    if ((uint64_t)n * w > s->size) {
        return rc_set(f->msg, RC_PARSE,
                      "%s: %s holds %u bytes, too few for %zu entries",
                      f->img->path, s->name, s->size, n);
    }
    return RC_OK;
}

static int find_sources_counted(struct finder *f, const uint8_t *ntab,
                                const size_t *offs, size_t nstr,
                                const struct image_sym *sizes,
                                const uint8_t *stab, size_t width,
                                const struct image_sym *content)
{
    uint64_t off = 0;
    for (size_t i = 0; i < nstr; i++) {
        uint32_t sz = width == 4 ? le32(stab + 4 * i) : le16(stab + 2 * i);
        int rc = add_source(f, (const char *)ntab + offs[i], content, off, sz);
        if (rc != RC_OK) {
            return rc;
        }
        off += (uint64_t)sz + 1;
    }
    (void)sizes;
    return RC_OK;
}

/* v1.18, v1.19+: mp_frozen_names (sources first), mp_frozen_str_sizes
 * closed by 0, mp_frozen_mpy_content. */
static int find_v118(struct finder *f, int fm)
{
    const struct image *img = f->img;
    const struct image_sym *names = sym_named(img, "mp_frozen_names");
    const struct image_sym *sizes = sym_named(img, "mp_frozen_str_sizes");
    const struct image_sym *content = sym_named(img, "mp_frozen_str_content");
    const struct image_sym *mpy = sym_named(img, "mp_frozen_mpy_content");
    uint8_t *ntab = NULL, *stab = NULL, *ptab = NULL;
    size_t *offs = malloc(MAX_MODS * sizeof *offs);
    size_t n = 0, nstr = 0;
    int rc = offs == NULL ? rc_set(f->msg, RC_NOMEM, "out of memory") : RC_OK;
    if (rc == RC_OK) {
        rc = read_table(f, names, &ntab);
    }
    if (rc == RC_OK) {
        rc = parse_names(f, names, ntab, offs, &n);
    }
    if (rc == RC_OK && sizes != NULL) {
        rc = read_table(f, sizes, &stab);
        while (rc == RC_OK && (nstr + 1) * 4 <= sizes->size &&
               le32(stab + 4 * nstr) != 0) {
            nstr++;
        }
        if (rc == RC_OK && (nstr + 1) * 4 > sizes->size) {
            rc = rc_set(f->msg, RC_PARSE, "%s: mp_frozen_str_sizes has no closing 0",
                        img->path);
        }
        if (rc == RC_OK && nstr > n) {
            rc = rc_set(f->msg, RC_PARSE,
                        "%s: mp_frozen_str_sizes counts %zu sources but mp_frozen_names has %zu names",
                        img->path, nstr, n);
        }
        if (rc == RC_OK && nstr > 0) {
            rc = need(f, content, "mp_frozen_str_content");
        }
    }
    if (rc == RC_OK) {
        rc = find_sources_counted(f, ntab, offs, nstr, sizes, stab, 4, content);
    }
    if (rc == RC_OK && n > nstr) {
        rc = need(f, mpy, "mp_frozen_mpy_content");
        if (rc == RC_OK) {
            rc = fits(f, mpy, n - nstr, 4);
        }
        if (rc == RC_OK) {
            rc = read_table(f, mpy, &ptab);
        }
        if (rc == RC_OK) {
            rc = add_bytecode(f, ntab, offs + nstr, n - nstr, ptab, fm);
        }
    }
    free(ntab);
    free(stab);
    free(ptab);
    free(offs);
    return rc;
}

/* v1.8-v1.17: separate source and bytecode name lists. */
static int find_v108(struct finder *f)
{
    const struct image *img = f->img;
    const struct image_sym *snames = sym_named(img, "mp_frozen_str_names");
    const struct image_sym *sizes = sym_named(img, "mp_frozen_str_sizes");
    const struct image_sym *content = sym_named(img, "mp_frozen_str_content");
    const struct image_sym *mnames = sym_named(img, "mp_frozen_mpy_names");
    const struct image_sym *mpy = sym_named(img, "mp_frozen_mpy_content");
    uint8_t *ntab = NULL, *stab = NULL, *mtab = NULL, *ptab = NULL;
    size_t *offs = malloc(MAX_MODS * sizeof *offs);
    size_t n = 0;
    int rc = offs == NULL ? rc_set(f->msg, RC_NOMEM, "out of memory") : RC_OK;
    if (rc == RC_OK && snames != NULL) {
        rc = read_table(f, snames, &ntab);
        if (rc == RC_OK) {
            rc = parse_names(f, snames, ntab, offs, &n);
        }
        if (rc == RC_OK && n > 0) {
            rc = need(f, sizes, "mp_frozen_str_sizes");
            if (rc == RC_OK) {
                rc = need(f, content, "mp_frozen_str_content");
            }
            if (rc == RC_OK) {
                rc = fits(f, sizes, n, 4);
            }
            if (rc == RC_OK) {
                rc = read_table(f, sizes, &stab);
            }
            if (rc == RC_OK) {
                rc = find_sources_counted(f, ntab, offs, n, sizes, stab, 4, content);
            }
        }
    }
    if (rc == RC_OK && mnames != NULL) {
        rc = read_table(f, mnames, &mtab);
        if (rc == RC_OK) {
            rc = parse_names(f, mnames, mtab, offs, &n);
        }
        if (rc == RC_OK && n > 0) {
            rc = need(f, mpy, "mp_frozen_mpy_content");
            if (rc == RC_OK) {
                rc = fits(f, mpy, n, 4);
            }
            if (rc == RC_OK) {
                rc = read_table(f, mpy, &ptab);
            }
            if (rc == RC_OK) {
                rc = add_bytecode(f, mtab, offs, n, ptab, 0);
            }
        }
    }
    free(ntab);
    free(stab);
    free(mtab);
    free(ptab);
    free(offs);
    return rc;
}

/* v1.6-v1.7: mp_frozen_names, mp_frozen_sizes (uint32), mp_frozen_content. */
static int find_v106(struct finder *f)
{
    const struct image *img = f->img;
    const struct image_sym *names = sym_named(img, "mp_frozen_names");
    const struct image_sym *sizes = sym_named(img, "mp_frozen_sizes");
    const struct image_sym *content = sym_named(img, "mp_frozen_content");
    uint8_t *ntab = NULL, *stab = NULL;
    size_t *offs = malloc(MAX_MODS * sizeof *offs);
    size_t n = 0;
    int rc = offs == NULL ? rc_set(f->msg, RC_NOMEM, "out of memory") : RC_OK;
    if (rc == RC_OK) {
        rc = read_table(f, names, &ntab);
    }
    if (rc == RC_OK) {
        rc = parse_names(f, names, ntab, offs, &n);
    }
    if (rc == RC_OK && n > 0) {
        rc = fits(f, sizes, n, 4);
        if (rc == RC_OK) {
            rc = read_table(f, sizes, &stab);
        }
        if (rc == RC_OK) {
            rc = find_sources_counted(f, ntab, offs, n, sizes, stab, 4, content);
        }
    }
    free(ntab);
    free(stab);
    free(offs);
    return rc;
}

/* v1.5 and older: mp_frozen_sizes (uint16, closed by 0) and
 * mp_frozen_content holding "name\0" then the text, per module. */
static int find_v105(struct finder *f)
{
    const struct image *img = f->img;
    const struct image_sym *sizes = sym_named(img, "mp_frozen_sizes");
    const struct image_sym *content = sym_named(img, "mp_frozen_content");
    uint8_t *stab = NULL, *ctab = NULL;
    int rc = read_table(f, sizes, &stab);
    if (rc == RC_OK) {
        rc = read_table(f, content, &ctab);
    }
    uint64_t off = 0;
    for (size_t i = 0; rc == RC_OK; i++) {
        if ((i + 1) * 2 > sizes->size) {
            rc = rc_set(f->msg, RC_PARSE, "%s: mp_frozen_sizes has no closing 0",
                        img->path);
            break;
        }
        uint32_t sz = le16(stab + 2 * i);
        if (sz == 0) {
            break;
        }
        if (off >= content->size) {
            rc = rc_set(f->msg, RC_PARSE, "%s: mp_frozen_content: module %zu starts past its end",
                        img->path, i);
            break;
        }
        const char *nm = (const char *)ctab + off;
        size_t l = strnlen(nm, content->size - off);
        if (off + l >= content->size || !name_ok(nm, l)) {
            rc = rc_set(f->msg, RC_PARSE, "%s: mp_frozen_content: module %zu has no name",
                        img->path, i);
            break;
        }
        off += l + 1;
        if (off + sz > content->size) {
            rc = rc_set(f->msg, RC_PARSE,
                        "%s: %s: %u bytes run past mp_frozen_content", img->path, nm, sz);
            break;
        }
        struct frozen_mod *m;
        rc = add_mod(f, nm, 1, &m);
        if (rc != RC_OK) {
            break;
        }
        m->addr = content->addr + (uint32_t)off;
        m->size = sz;
        m->ranges = malloc(sizeof *m->ranges);
        if (m->ranges == NULL) {
            rc = rc_set(f->msg, RC_NOMEM, "out of memory");
            break;
        }
        m->ranges[0].addr = m->addr;
        m->ranges[0].len = sz;
        m->nranges = 1;
        recdec_sha256(ctab + off, sz, m->sha256);
        off += sz;
    }
    free(stab);
    free(ctab);
    return rc;
}

int frozen_find(const struct image *img, const struct frozen_mem *mem,
                struct frozen_set *set, struct rc_msg *msg)
{
    memset(set, 0, sizeof *set);
    snprintf(set->layout, sizeof set->layout, "none");
    if (img == NULL || mem == NULL || mem->read == NULL) {
        return rc_set(msg, RC_ARG, "frozen_find: no image or memory");
    }
    if (img->nsyms == 0) {
        return rc_set(msg, RC_UNSUPP,
                      "%s has no symbols (a .hex, .uf2 or .bin has none): "
                      "give the firmware's ELF",
                      img->path);
    }
    struct finder f = {img, mem, msg, set, 0, 0};
    int rc;
    if (sym_named(img, "mp_frozen_names") != NULL &&
        (sym_named(img, "mp_frozen_mpy_content") != NULL ||
         sym_named(img, "mp_frozen_str_sizes") != NULL)) {
        int fm = any_sym_prefix(img, "frozen_module_") ||
                 !any_sym_prefix(img, "raw_code_");
        snprintf(set->layout, sizeof set->layout, "%s",
                 fm ? "v1.19+ (mp_frozen_names, mp_frozen_mpy_content)"
                    : "v1.18 (mp_frozen_names, mp_frozen_mpy_content of raw code)");
        rc = find_v118(&f, fm);
    } else if (sym_named(img, "mp_frozen_str_names") != NULL ||
               sym_named(img, "mp_frozen_mpy_names") != NULL) {
        snprintf(set->layout, sizeof set->layout,
                 "v1.8-v1.17 (mp_frozen_str_names, mp_frozen_mpy_names)");
        rc = find_v108(&f);
    } else if (sym_named(img, "mp_frozen_names") != NULL &&
               sym_named(img, "mp_frozen_sizes") != NULL &&
               sym_named(img, "mp_frozen_content") != NULL) {
        snprintf(set->layout, sizeof set->layout,
                 "v1.6-v1.7 (mp_frozen_names, mp_frozen_sizes)");
        rc = find_v106(&f);
    } else if (sym_named(img, "mp_frozen_sizes") != NULL &&
               sym_named(img, "mp_frozen_content") != NULL) {
        snprintf(set->layout, sizeof set->layout,
                 "v1.5 (mp_frozen_sizes, mp_frozen_content)");
        rc = find_v105(&f);
    } else {
        return RC_OK;
    }
    if (rc != RC_OK) {
        frozen_set_free(set);
    }
    return rc;
}

void frozen_set_free(struct frozen_set *set)
{
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        free(set->mods[i].ranges);
    }
    free(set->mods);
    set->mods = NULL;
    set->n = 0;
}

const struct frozen_mod *frozen_at(const struct frozen_set *set, uint32_t addr)
{
    for (size_t i = 0; set != NULL && i < set->n; i++) {
        const struct frozen_mod *m = &set->mods[i];
        for (size_t j = 0; j < m->nranges; j++) {
            if (addr >= m->ranges[j].addr &&
                (uint64_t)addr < (uint64_t)m->ranges[j].addr + m->ranges[j].len) {
                return m;
            }
        }
    }
    return NULL;
}

/* ---- manifests ----------------------------------------------------------- */

static void hex32(const uint8_t *h, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = d[h[i] >> 4];
        out[2 * i + 1] = d[h[i] & 15];
    }
    out[64] = 0;
}

/* A module name as shown: control characters and bytes that are not
 * UTF-8 escaped ("\x1b"), so a name from a file cannot drive the terminal. */
#define SHOWN_NAME (4 * 128)

static const char *shown_name(const char *name, char out[SHOWN_NAME])
{
    return fmt_esc(name, out, SHOWN_NAME);
}

int frozen_format(const struct frozen_set *set, enum frozen_format fmt,
                  struct buf *out)
{
    char h[65];
    int rc = RC_OK;
    size_t w = 4;
    char nm[SHOWN_NAME];
    for (size_t i = 0; i < set->n; i++) {
        size_t l = strlen(shown_name(set->mods[i].name, nm));
        w = l > w ? l : w;
    }
    switch (fmt) {
    case FROZEN_FMT_TABLE:
        rc = buf_printf(out, "%-*s  %-10s  %10s  %s\n", (int)w, "NAME",
                        "ADDRESS", "SIZE", "SHA256");
        for (size_t i = 0; rc == RC_OK && i < set->n; i++) {
            const struct frozen_mod *m = &set->mods[i];
            hex32(m->sha256, h);
            rc = buf_printf(out, "%-*s  0x%08x  %10u  %s\n", (int)w,
                            shown_name(m->name, nm), m->addr, m->size, h);
        }
        return rc;
    case FROZEN_FMT_CSV:
        rc = buf_addstr(out, "name,address,size,sha256\n");
        for (size_t i = 0; rc == RC_OK && i < set->n; i++) {
            const struct frozen_mod *m = &set->mods[i];
            hex32(m->sha256, h);
            rc = fmt_csv_field(out, m->name);
            if (rc == RC_OK) {
                rc = buf_printf(out, ",0x%08x,%u,%s\n", m->addr, m->size, h);
            }
        }
        return rc;
    case FROZEN_FMT_JSON:
        rc = buf_addstr(out, set->n == 0 ? "[" : "[\n");
        for (size_t i = 0; rc == RC_OK && i < set->n; i++) {
            const struct frozen_mod *m = &set->mods[i];
            hex32(m->sha256, h);
            rc = buf_addstr(out, "  {\"name\": ");
            if (rc == RC_OK) {
                rc = fmt_json_str(out, m->name);
            }
            if (rc == RC_OK) {
                rc = buf_printf(out,
                                ", \"address\": \"0x%08x\", \"size\": %u, \"sha256\": \"%s\"}%s\n",
                                m->addr, m->size, h, i + 1 < set->n ? "," : "");
            }
        }
        if (rc == RC_OK) {
            rc = buf_addstr(out, "]\n");
        }
        return rc;
    }
    return RC_ARG;
}

struct mparse {
    const char *t;
    size_t len;
    size_t pos;
    size_t line;
    const char *name;
    struct rc_msg *msg;
    struct frozen_manifest *out;
    size_t cap;
};

__attribute__((format(printf, 2, 3)))
static int perr(struct mparse *p, const char *fmt, ...)
{
    char text[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return rc_set(p->msg, RC_PARSE, "%s:%zu: %s", p->name, p->line, text);
}

/* Field checks shared by the three formats; s is not NUL-terminated. */
static int parse_addr(struct mparse *p, const char *s, size_t n)
{
    if (n < 3 || n > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        return perr(p, "address '%.*s' is not 0x followed by up to 8 hex digits",
                    (int)(n > 40 ? 40 : n), s);
    }
    for (size_t i = 2; i < n; i++) {
        if (fmt_hex_digit((unsigned char)s[i]) < 0) {
            return perr(p, "address '%.*s' is not 0x followed by up to 8 hex digits",
                        (int)n, s);
        }
    }
    return RC_OK;
}

static int parse_size(struct mparse *p, const char *s, size_t n, uint32_t *v)
{
    uint64_t x = 0;
    int cut = n > 40;
    if (n == 0 || (n > 1 && s[0] == '0')) {
        return perr(p, "size '%.*s%s' is not a decimal number",
                    (int)(cut ? 40 : n), s, cut ? "..." : "");
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return perr(p, "size '%.*s%s' is not a decimal number",
                        (int)(cut ? 40 : n), s, cut ? "..." : "");
        }
        if (i < 10) {
            x = x * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (n > 10 || x > UINT32_MAX) {
        return perr(p, "size %.*s%s is more than 4 GiB", (int)(cut ? 40 : n), s,
                    cut ? "..." : "");
    }
    *v = (uint32_t)x;
    return RC_OK;
}

static int parse_sha(struct mparse *p, const char *s, size_t n, uint8_t *h)
{
    if (n != 64) {
        return perr(p, "sha256 has %zu characters, not 64 hex digits", n);
    }
    for (size_t i = 0; i < 32; i++) {
        int a = fmt_hex_digit((unsigned char)s[2 * i]), b = fmt_hex_digit((unsigned char)s[2 * i + 1]);
        if (a < 0 || b < 0) {
            return perr(p, "sha256 '%.64s' is not 64 hex digits", s);
        }
        h[i] = (uint8_t)(a << 4 | b);
    }
    return RC_OK;
}

static int add_entry(struct mparse *p, const char *name, size_t nl,
                     uint32_t size, const uint8_t *sha)
{
    if (memchr(name, 0, nl) != NULL) {
        return perr(p, "a module name cannot contain NUL ('%.*s\\u0000...')",
                    (int)strnlen(name, 60), name);
    }
    if (!name_ok(name, nl)) {
        return perr(p, "'%.*s' is not a module name", (int)(nl > 60 ? 60 : nl), name);
    }
    for (size_t i = 0; i < p->out->n; i++) {
        if (strlen(p->out->e[i].name) == nl && memcmp(p->out->e[i].name, name, nl) == 0) {
            return perr(p, "module %.*s is listed twice", (int)nl, name);
        }
    }
    if (p->out->n >= MAX_MODS) {
        return perr(p, "more than %u modules", MAX_MODS);
    }
    if (p->out->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 16;
        struct frozen_entry *e = realloc(p->out->e, nc * sizeof *e);
        if (e == NULL) {
            return rc_set(p->msg, RC_NOMEM, "out of memory");
        }
        p->out->e = e;
        p->cap = nc;
    }
    struct frozen_entry *e = &p->out->e[p->out->n++];
    memcpy(e->name, name, nl);
    e->name[nl] = 0;
    e->size = size;
    memcpy(e->sha256, sha, 32);
    return RC_OK;
}

/* The next line [*s, *s+*n) without its newline (and \r); 0 at the end. */
static int next_line(struct mparse *p, const char **s, size_t *n)
{
    if (p->pos >= p->len) {
        return 0;
    }
    const char *b = p->t + p->pos;
    const char *nl = memchr(b, '\n', p->len - p->pos);
    size_t l = nl != NULL ? (size_t)(nl - b) : p->len - p->pos;
    p->pos += l + (nl != NULL);
    p->line++;
    if (l > 0 && b[l - 1] == '\r') {
        l--;
    }
    *s = b;
    *n = l;
    return 1;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t') {
            return 0;
        }
    }
    return 1;
}

/* Split off the last whitespace-separated token of [s, s+*n). */
static int last_token(const char *s, size_t *n, const char **tok, size_t *tl)
{
    size_t e = *n;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t')) {
        e--;
    }
    size_t b = e;
    while (b > 0 && s[b - 1] != ' ' && s[b - 1] != '\t') {
        b--;
    }
    if (b == e) {
        return 0;
    }
    *tok = s + b;
    *tl = e - b;
    *n = b;
    return 1;
}

static int parse_table(struct mparse *p)
{
    const char *s;
    size_t n;
    if (!next_line(p, &s, &n)) {
        return perr(p, "empty manifest");
    }
    {
        const char *want[] = {"SHA256", "SIZE", "ADDRESS", "NAME"};
        const char *tok;
        size_t tl;
        for (size_t i = 0; i < 4; i++) {
            if (!last_token(s, &n, &tok, &tl) || tl != strlen(want[i]) ||
                memcmp(tok, want[i], tl) != 0) {
                return perr(p, "header must be NAME ADDRESS SIZE SHA256");
            }
        }
        if (!blank(s, n)) {
            return perr(p, "header must be NAME ADDRESS SIZE SHA256");
        }
    }
    while (next_line(p, &s, &n)) {
        if (blank(s, n)) {
            continue;
        }
        const char *f[3];
        size_t fl[3];
        for (size_t i = 0; i < 3; i++) {
            if (!last_token(s, &n, &f[i], &fl[i])) {
                return perr(p, "a row needs NAME ADDRESS SIZE SHA256");
            }
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
        while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
            s++;
            n--;
        }
        if (n == 0) {
            return perr(p, "a row needs NAME ADDRESS SIZE SHA256");
        }
        uint32_t size;
        uint8_t sha[32];
        int rc = parse_addr(p, f[2], fl[2]);
        if (rc == RC_OK) {
            rc = parse_size(p, f[1], fl[1], &size);
        }
        if (rc == RC_OK) {
            rc = parse_sha(p, f[0], fl[0], sha);
        }
        if (rc == RC_OK) {
            rc = add_entry(p, s, n, size, sha);
        }
        if (rc != RC_OK) {
            return rc;
        }
    }
    return RC_OK;
}

static int parse_csv(struct mparse *p)
{
    const char *s;
    size_t n;
    if (!next_line(p, &s, &n) || n != 24 ||
        memcmp(s, "name,address,size,sha256", 24) != 0) {
        return perr(p, "header must be name,address,size,sha256");
    }
    while (next_line(p, &s, &n)) {
        if (n == 0) {
            continue;
        }
        char name[MAX_NAME + 2];
        size_t nl = 0, i = 0;
        if (s[0] == '"') {
            for (i = 1;; i++) {
                if (i >= n) {
                    return perr(p, "unterminated quoted name");
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                if (nl > MAX_NAME) {
                    return perr(p, "name longer than %u bytes", MAX_NAME);
                }
                name[nl++] = s[i];
            }
            if (i >= n || s[i] != ',') {
                return perr(p, "expected ',' after the quoted name");
            }
        } else {
            while (i < n && s[i] != ',') {
                if (s[i] == '"') {
                    return perr(p, "'\"' in an unquoted name");
                }
                if (nl > MAX_NAME) {
                    return perr(p, "name longer than %u bytes", MAX_NAME);
                }
                name[nl++] = s[i++];
            }
            if (i >= n) {
                return perr(p, "a row needs name,address,size,sha256");
            }
        }
        i++; /* the comma */
        const char *f[3];
        size_t fl[3];
        for (size_t k = 0; k < 3; k++) {
            f[k] = s + i;
            while (i < n && s[i] != ',') {
                i++;
            }
            fl[k] = (size_t)(s + i - f[k]);
            if (k < 2) {
                if (i >= n) {
                    return perr(p, "a row needs name,address,size,sha256");
                }
                i++;
            }
        }
        if (i != n) {
            return perr(p, "too many fields (a row is name,address,size,sha256)");
        }
        uint32_t size;
        uint8_t sha[32];
        int rc = parse_addr(p, f[0], fl[0]);
        if (rc == RC_OK) {
            rc = parse_size(p, f[1], fl[1], &size);
        }
        if (rc == RC_OK) {
            rc = parse_sha(p, f[2], fl[2], sha);
        }
        if (rc == RC_OK) {
            rc = add_entry(p, name, nl, size, sha);
        }
        if (rc != RC_OK) {
            return rc;
        }
    }
    return RC_OK;
}

/* ---- JSON (only what a manifest needs, strictly) ---- */

static void jws(struct mparse *p)
{
    while (p->pos < p->len) {
        char c = p->t[p->pos];
        if (c == '\n') {
            p->line++;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        p->pos++;
    }
}

static int jpeek(struct mparse *p)
{
    jws(p);
    return p->pos < p->len ? (unsigned char)p->t[p->pos] : -1;
}

static int jexpect(struct mparse *p, char c)
{
    if (jpeek(p) != (unsigned char)c) {
        if (p->pos >= p->len) {
            return perr(p, "expected '%c', found the end", c);
        }
        return perr(p, "expected '%c'", c);
    }
    p->pos++;
    return RC_OK;
}

static int put_utf8(char *out, size_t *n, size_t max, uint32_t cp)
{
    unsigned char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    if (*n + k > max) {
        return 0;
    }
    memcpy(out + *n, b, k);
    *n += k;
    return 1;
}

static int jhex4(struct mparse *p, uint32_t *v)
{
    if (p->len - p->pos < 4) {
        return perr(p, "truncated \\u escape");
    }
    *v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = fmt_hex_digit((unsigned char)p->t[p->pos + i]);
        if (h < 0) {
            return perr(p, "bad \\u escape");
        }
        *v = *v << 4 | (uint32_t)h;
    }
    p->pos += 4;
    return RC_OK;
}

/* A JSON string into out (at most max bytes). */
static int jstring(struct mparse *p, char *out, size_t max, size_t *n)
{
    int rc = jexpect(p, '"');
    if (rc != RC_OK) {
        return rc;
    }
    *n = 0;
    for (;;) {
        if (p->pos >= p->len) {
            return perr(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->t[p->pos++];
        if (c == '"') {
            return RC_OK;
        }
        if (c < 0x20) {
            return perr(p, "control character in a string");
        }
        if (c != '\\') {
            if (*n >= max) {
                return perr(p, "string longer than %zu bytes", max);
            }
            out[(*n)++] = (char)c;
            continue;
        }
        if (p->pos >= p->len) {
            return perr(p, "unterminated string");
        }
        c = (unsigned char)p->t[p->pos++];
        uint32_t cp;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            cp = c;
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u': {
            rc = jhex4(p, &cp);
            if (rc != RC_OK) {
                return rc;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return perr(p, "lone low surrogate in \\u escape");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo;
                if (p->len - p->pos < 2 || p->t[p->pos] != '\\' || p->t[p->pos + 1] != 'u') {
                    return perr(p, "high surrogate without its pair");
                }
                p->pos += 2;
                rc = jhex4(p, &lo);
                if (rc != RC_OK) {
                    return rc;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    return perr(p, "high surrogate without its pair");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            break;
        }
        default:
            return perr(p, "bad escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (!put_utf8(out, n, max, cp)) {
            return perr(p, "string longer than %zu bytes", max);
        }
    }
}

static int jnumber(struct mparse *p, uint32_t *v)
{
    jws(p);
    size_t b = p->pos;
    while (p->pos < p->len && p->t[p->pos] >= '0' && p->t[p->pos] <= '9') {
        p->pos++;
    }
    if (p->pos < p->len && (p->t[p->pos] == '.' || p->t[p->pos] == 'e' ||
                            p->t[p->pos] == 'E' || p->t[p->pos] == '-')) {
        return perr(p, "size must be a whole number");
    }
    if (p->pos == b) {
        return perr(p, "size must be a number");
    }
    return parse_size(p, p->t + b, p->pos - b, v);
}

static int parse_json(struct mparse *p)
{
    int rc = jexpect(p, '[');
    if (rc != RC_OK) {
        return rc;
    }
    if (jpeek(p) == ']') {
        p->pos++;
    } else {
        for (;;) {
            rc = jexpect(p, '{');
            if (rc != RC_OK) {
                return rc;
            }
            char name[MAX_NAME + 1], tmp[80];
            size_t nl = 0, tl;
            uint32_t size = 0;
            uint8_t sha[32];
            unsigned seen = 0;
            size_t obj_line = p->line;
            for (;;) {
                char key[16];
                size_t kl;
                rc = jstring(p, key, sizeof key - 1, &kl);
                if (rc == RC_OK) {
                    rc = jexpect(p, ':');
                }
                if (rc != RC_OK) {
                    return rc;
                }
                key[kl] = 0;
                if (strlen(key) != kl) {
                    return perr(p, "a key cannot contain NUL");
                }
                unsigned bit;
                if (strcmp(key, "name") == 0) {
                    bit = 1;
                    rc = jstring(p, name, MAX_NAME, &nl);
                } else if (strcmp(key, "address") == 0) {
                    bit = 2;
                    rc = jstring(p, tmp, sizeof tmp, &tl);
                    if (rc == RC_OK) {
                        rc = parse_addr(p, tmp, tl);
                    }
                } else if (strcmp(key, "size") == 0) {
                    bit = 4;
                    rc = jnumber(p, &size);
                } else if (strcmp(key, "sha256") == 0) {
                    bit = 8;
                    rc = jstring(p, tmp, sizeof tmp, &tl);
                    if (rc == RC_OK) {
                        rc = parse_sha(p, tmp, tl, sha);
                    }
                } else {
                    return perr(p, "unknown key '%s'", key);
                }
                if (rc != RC_OK) {
                    return rc;
                }
                if (seen & bit) {
                    return perr(p, "key '%s' given twice", key);
                }
                seen |= bit;
                int c = jpeek(p);
                if (c == ',') {
                    p->pos++;
                    continue;
                }
                rc = jexpect(p, '}');
                if (rc != RC_OK) {
                    return rc;
                }
                break;
            }
            if (seen != 15) {
                return perr(p, "an entry needs name, address, size and sha256");
            }
            size_t at = p->line;
            p->line = obj_line;
            rc = add_entry(p, name, nl, size, sha);
            p->line = at;
            if (rc != RC_OK) {
                return rc;
            }
            int c = jpeek(p);
            if (c == ',') {
                p->pos++;
                continue;
            }
            rc = jexpect(p, ']');
            if (rc != RC_OK) {
                return rc;
            }
            break;
        }
    }
    if (jpeek(p) != -1) {
        return perr(p, "text after the closing ']'");
    }
    return RC_OK;
}

int frozen_manifest_parse(const char *text, size_t len, const char *name,
                          struct frozen_manifest *out, struct rc_msg *msg)
{
    struct mparse p = {text, len, 0, 0, name ? name : "manifest", msg, out, 0};
    out->e = NULL;
    out->n = 0;
    if (text == NULL) {
        return rc_set(msg, RC_ARG, "%s: no text", p.name);
    }
    const char *nul = memchr(text, 0, len);
    if (nul != NULL) {
        size_t line = 1;
        for (const char *q = text; q < nul; q++) {
            line += *q == '\n';
        }
        return rc_set(msg, RC_PARSE, "%s:%zu: NUL byte in the manifest", p.name, line);
    }
    int rc;
    /* A UTF-8 byte-order mark (editors on Windows write one), then blank
     * lines and white space before the first line that counts. */
    size_t i = 0, line = 1;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        i = 3;
    }
    p.pos = i;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                       text[i] == '\n')) {
        line += text[i] == '\n';
        i++;
    }
    if (i < len && text[i] == '[') {
        p.line = 1;
        rc = parse_json(&p);
    } else {
        /* next_line counts the first line from here. */
        p.pos = i;
        p.line = line - 1;
        if (len - i >= 4 && memcmp(text + i, "name", 4) == 0) {
            rc = parse_csv(&p);
        } else if (len - i >= 4 && memcmp(text + i, "NAME", 4) == 0) {
            rc = parse_table(&p);
        } else {
            p.line = line;
            rc = perr(&p, "not a frozen-module manifest (table, CSV or JSON)");
        }
    }
    if (rc != RC_OK) {
        frozen_manifest_free(out);
    }
    return rc;
}

void frozen_manifest_free(struct frozen_manifest *m)
{
    if (m == NULL) {
        return;
    }
    free(m->e);
    m->e = NULL;
    m->n = 0;
}

const char *frozen_cmp_name(enum frozen_cmp c)
{
    switch (c) {
    case FROZEN_SAME:
        return "same";
    case FROZEN_CHANGED:
        return "changed";
    case FROZEN_ADDED:
        return "added";
    case FROZEN_REMOVED:
        return "removed";
    }
    return "?";
}

/* Names are compared as shown: a CSV manifest holds them escaped, a JSON
 * one (or the image) as they are. */
static int cmp_shown(const char *x, const char *y)
{
    char a[SHOWN_NAME], b[SHOWN_NAME];
    return strcmp(shown_name(x, a), shown_name(y, b));
}

static int cmp_modp(const void *a, const void *b)
{
    const struct frozen_mod *const *x = a, *const *y = b;
    return cmp_shown((*x)->name, (*y)->name);
}

static int cmp_entp(const void *a, const void *b)
{
    const struct frozen_entry *const *x = a, *const *y = b;
    return cmp_shown((*x)->name, (*y)->name);
}

int frozen_compare(const struct frozen_set *set,
                   const struct frozen_manifest *old, struct buf *out,
                   int *differs)
{
    size_t na = set->n, nb = old->n;
    const struct frozen_mod **a = malloc((na ? na : 1) * sizeof *a);
    const struct frozen_entry **b = malloc((nb ? nb : 1) * sizeof *b);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return RC_NOMEM;
    }
    for (size_t i = 0; i < na; i++) {
        a[i] = &set->mods[i];
    }
    for (size_t i = 0; i < nb; i++) {
        b[i] = &old->e[i];
    }
    qsort(a, na, sizeof *a, cmp_modp);
    qsort(b, nb, sizeof *b, cmp_entp);
    size_t count[4] = {0, 0, 0, 0};
    size_t i = 0, j = 0;
    int rc = RC_OK;
    *differs = 0;
    while (rc == RC_OK && (i < na || j < nb)) {
        int c = i >= na ? 1 : j >= nb ? -1 : cmp_shown(a[i]->name, b[j]->name);
        enum frozen_cmp k;
        char nm[SHOWN_NAME];
        if (c < 0) {
            k = FROZEN_ADDED;
            rc = buf_printf(out, "%-9s%s\n", "added", shown_name(a[i]->name, nm));
            i++;
        } else if (c > 0) {
            k = FROZEN_REMOVED;
            rc = buf_printf(out, "%-9s%s\n", "removed", shown_name(b[j]->name, nm));
            j++;
        } else {
            if (a[i]->size == b[j]->size &&
                memcmp(a[i]->sha256, b[j]->sha256, 32) == 0) {
                k = FROZEN_SAME;
                rc = buf_printf(out, "%-9s%s\n", "same", shown_name(a[i]->name, nm));
            } else {
                k = FROZEN_CHANGED;
                rc = buf_printf(out, "%-9s%s (%u -> %u bytes)\n", "changed",
                                shown_name(a[i]->name, nm), b[j]->size, a[i]->size);
            }
            i++;
            j++;
        }
        count[k]++;
        if (k != FROZEN_SAME) {
            *differs = 1;
        }
    }
    if (rc == RC_OK) {
        rc = buf_printf(out, "%zu same, %zu changed, %zu added, %zu removed\n",
                        count[0], count[1], count[2], count[3]);
    }
    free(a);
    free(b);
    return rc;
}

/* ---- annotation ---------------------------------------------------------- */

#define MAX_POOLS 8
#define MAX_NOTES 20000u
#define MAX_VISIT 1024u
#define MAX_QTAB 65536u

struct qpool {
    uint32_t total_prev;
    uint32_t len;
    uint32_t lengths;   /* address of the length array */
    uint32_t qstrs;     /* address of the pointer array */
    unsigned lwidth;    /* 1 or 2 bytes per length; 0 unknown */
};

struct ann {
    const struct image *img;
    const struct frozen_mem *mem;
    struct rc_msg *msg;
    struct frozen_notes *out;
    size_t cap;
    struct qpool pools[MAX_POOLS];
    size_t npools;
    uint16_t *qtab;     /* the module's qstr table */
    size_t nq;
    uint32_t visited[MAX_VISIT];
    size_t nvisited;
    int v123;           /* proto_fun layout (v1.23+), else raw_code (v1.19-v1.22) */
    int fatal;          /* a read failed for a reason other than "not there" */
};

__attribute__((format(printf, 4, 5)))
static int note(struct ann *a, uint32_t addr, uint32_t len, const char *fmt, ...)
{
    if (a->out->count >= MAX_NOTES) {
        return RC_OK;
    }
    if (a->out->count == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 32;
        struct frozen_note *n = realloc(a->out->n, nc * sizeof *n);
        if (n == NULL) {
            return rc_set(a->msg, RC_NOMEM, "out of memory");
        }
        a->out->n = n;
        a->cap = nc;
    }
    struct frozen_note *n = &a->out->n[a->out->count++];
    n->addr = addr;
    n->len = len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
    return RC_OK;
}

/* Read for annotation: 1 when read, 0 when not there (skip it). */
static int aread(struct ann *a, uint32_t addr, uint32_t len, uint8_t *out)
{
    struct rc_msg m;
    int rc = mread(a->mem, addr, len, out, &m);
    if (rc == RC_OK) {
        return 1;
    }
    if (!soft_fail(rc) && !a->fatal) {
        a->fatal = rc;
        if (a->msg != NULL) {
            *a->msg = m;
        }
    }
    return 0;
}

static void load_pools(struct ann *a)
{
    const struct image_sym *s = sym_named(a->img, "mp_qstr_frozen_const_pool");
    if (s == NULL) {
        s = sym_named(a->img, "mp_qstr_const_pool");
    }
    while (s != NULL && a->npools < MAX_POOLS) {
        uint8_t h[24];
        if (s->size < 20 || !aread(a, s->addr, 24 <= s->size ? 24 : 20, h)) {
            return;
        }
        struct qpool *q = &a->pools[a->npools];
        q->len = le32(h + 12);
        if (q->len > s->size / 4) {
            return;
        }
        uint32_t hdr = s->size - 4 * q->len;
        if (hdr != 20 && hdr != 24) {
            return; /* not the v1.19+ layout we know */
        }
        q->total_prev = le32(h + 4) & 0x7fffffffu;
        q->lengths = le32(h + hdr - 4);
        q->qstrs = s->addr + hdr;
        q->lwidth = 0;
        const struct image_sym *ls = sym_starting(a->img, q->lengths, "");
        if (ls != NULL && q->len > 0 && (ls->size == q->len || ls->size == 2 * q->len)) {
            q->lwidth = ls->size / q->len;
        }
        a->npools++;
        uint32_t prev = le32(h);
        if (prev == 0) {
            return;
        }
        s = sym_starting(a->img, prev, "");
    }
}

/* The text of qstr id q, quoted and escaped, or 0 when unknown. */
static int qstr_text(struct ann *a, uint32_t q, char *out, size_t size, int quote)
{
    for (size_t i = 0; i < a->npools; i++) {
        const struct qpool *p = &a->pools[i];
        if (q < p->total_prev || q - p->total_prev >= p->len) {
            continue;
        }
        uint32_t idx = q - p->total_prev;
        uint8_t w[4];
        if (!aread(a, p->qstrs + 4 * idx, 4, w)) {
            return 0;
        }
        uint32_t sa = le32(w);
        uint8_t s[64];
        size_t n = 0, want = 48;
        int trunc = 0;
        if (p->lwidth != 0) {
            uint8_t l[2] = {0, 0};
            if (!aread(a, p->lengths + p->lwidth * idx, p->lwidth, l)) {
                return 0;
            }
            size_t ql = p->lwidth == 1 ? l[0] : le16(l);
            n = ql > want ? want : ql;
            trunc = ql > want;
            if (!aread(a, sa, (uint32_t)n, s)) {
                return 0;
            }
        } else {
            while (n < want) {
                if (!aread(a, sa + (uint32_t)n, 1, s + n)) {
                    return 0;
                }
                if (s[n] == 0) {
                    break;
                }
                n++;
            }
            trunc = n == want;
        }
        size_t o = 0;
        if (quote) {
            out[o++] = '\'';
        }
        for (size_t k = 0; k < n && o + 8 < size; k++) {
            if (s[k] < 0x20 || s[k] >= 0x7f || s[k] == '\'' || s[k] == '\\') {
                o += (size_t)snprintf(out + o, size - o, "\\x%02x", s[k]);
            } else {
                out[o++] = (char)s[k];
            }
        }
        if (trunc && o + 4 < size) {
            memcpy(out + o, "...", 3);
            o += 3;
        }
        if (quote) {
            out[o++] = '\'';
        }
        out[o] = 0;
        return 1;
    }
    return 0;
}

/* A qstr-table index as text: the string, or "[i]". */
static void qidx_text(struct ann *a, uint32_t i, char *out, size_t size)
{
    if (i >= a->nq || !qstr_text(a, a->qtab[i], out, size, 0)) {
        snprintf(out, size, "[%u]", i);
    }
}

static int varuint(const uint8_t *b, size_t n, size_t *pos, uint32_t *v)
{
    uint32_t x = 0;
    for (size_t k = 0; k < 5; k++) {
        if (*pos >= n) {
            return 0;
        }
        uint8_t c = b[(*pos)++];
        x = x << 7 | (c & 0x7f);
        if ((c & 0x80) == 0) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

/* The v1.19+ (.mpy v6) bytecode prelude of fun_data at addr. */
static int decode_prelude(struct ann *a, uint32_t addr)
{
    const struct image_sym *fs = sym_starting(a->img, addr, "fun_data_");
    if (fs == NULL) {
        return RC_OK; /* its length is not known for sure */
    }
    uint8_t b[512];
    size_t n = fs->size < sizeof b ? fs->size : sizeof b;
    if (!aread(a, addr, (uint32_t)n, b)) {
        return RC_OK;
    }
    size_t pos = 0;
    uint8_t z = b[pos++];
    uint32_t S = (z >> 3) & 0xf, E = (z >> 2) & 1, F = 0, A = z & 3, K = 0, D = 0;
    for (unsigned k = 0; z & 0x80; k++) {
        if (k >= 6 || pos >= n) {
            return RC_OK;
        }
        z = b[pos++];
        S |= (uint32_t)(z & 0x30) << (2 * k);
        E |= (uint32_t)(z & 0x02) << k;
        F |= (uint32_t)((z & 0x40) >> 6) << k;
        A |= (uint32_t)(z & 0x04) << k;
        K |= (uint32_t)((z & 0x08) >> 3) << k;
        D |= (uint32_t)(z & 0x01) << k;
    }
    S += 1;
    size_t sig_len = pos;
    uint32_t I = 0, C = 0;
    for (unsigned k = 0;; k++) {
        if (k >= 5 || pos >= n) {
            return RC_OK;
        }
        z = b[pos++];
        C |= (uint32_t)(z & 1) << k;
        I |= (uint32_t)((z & 0x7e) >> 1) << (6 * k);
        if ((z & 0x80) == 0) {
            break;
        }
    }
    int rc = note(a, addr, (uint32_t)sig_len,
                  "prelude n_state=%u n_exc_stack=%u scope_flags=0x%02x n_pos_args=%u n_kwonly=%u n_def_pos=%u",
                  S, E, F, A, K, D);
    if (rc == RC_OK) {
        rc = note(a, addr + (uint32_t)sig_len, (uint32_t)(pos - sig_len),
                  "prelude size n_info=%u n_cell=%u", I, C);
    }
    size_t src = pos;
    if (rc != RC_OK || (uint64_t)src + I + C > fs->size) {
        return rc;
    }
    size_t info_end = src + I;
    uint32_t nnames = 1 + A + K;
    if (nnames > 256) {
        return RC_OK;
    }
    size_t p = src;
    char text[160], one[64];
    size_t tl = 0;
    uint32_t q;
    if (!varuint(b, info_end < n ? info_end : n, &p, &q)) {
        return RC_OK;
    }
    qidx_text(a, q, one, sizeof one);
    rc = note(a, addr + (uint32_t)src, (uint32_t)(p - src), "simple_name %s", one);
    size_t args_at = p;
    text[0] = 0;
    for (uint32_t k = 1; rc == RC_OK && k < nnames; k++) {
        if (!varuint(b, info_end < n ? info_end : n, &p, &q)) {
            return RC_OK;
        }
        qidx_text(a, q, one, sizeof one);
        int w = snprintf(text + tl, sizeof text - tl, "%s%s", k > 1 ? ", " : "", one);
        if (w > 0) {
            tl = tl + (size_t)w < sizeof text ? tl + (size_t)w : sizeof text - 1;
        }
    }
    if (rc == RC_OK && nnames > 1) {
        rc = note(a, addr + (uint32_t)args_at, (uint32_t)(p - args_at),
                  "arg names: %s", text);
    }
    if (rc == RC_OK && info_end > p) {
        rc = note(a, addr + (uint32_t)p, (uint32_t)(info_end - p), "line info %zu bytes",
                  info_end - p);
    }
    if (rc == RC_OK && C > 0) {
        rc = note(a, addr + (uint32_t)info_end, C, "closure %u cell%s", C,
                  C == 1 ? "" : "s");
    }
    size_t code = info_end + C;
    if (rc == RC_OK && code < fs->size) {
        rc = note(a, addr + (uint32_t)code, fs->size - (uint32_t)code,
                  "bytecode %u bytes", fs->size - (uint32_t)code);
    }
    return rc;
}

static const char *kind_name(unsigned k)
{
    switch (k) {
    case 2:
        return "bytecode";
    case 3:
        return "native";
    case 4:
        return "viper";
    case 5:
        return "asm";
    }
    return "unknown";
}

static int walk(struct ann *a, uint32_t ptr, unsigned depth)
{
    if (depth > 32 || a->nvisited >= MAX_VISIT) {
        return RC_OK;
    }
    for (size_t i = 0; i < a->nvisited; i++) {
        if (a->visited[i] == ptr) {
            return RC_OK;
        }
    }
    a->visited[a->nvisited++] = ptr;
    uint8_t w[12];
    if (!aread(a, ptr, 8, w)) {
        return RC_OK;
    }
    uint32_t fun, children = 0;
    unsigned kind;
    int rc = RC_OK;
    if (a->v123 && w[0] == 0 && w[1] == 0) {
        if (!aread(a, ptr, 12, w)) {
            return RC_OK;
        }
        kind = w[2];
        fun = le32(w + 4);
        children = le32(w + 8);
        rc = note(a, ptr, 12,
                  "raw code: kind %s, generator %u, fun_data 0x%08x, children 0x%08x",
                  kind_name(kind), w[3], fun, children);
    } else if (a->v123) {
        kind = 2; /* proto_fun points straight at bytecode */
        fun = ptr;
    } else {
        const struct image_sym *rs = sym_starting(a->img, ptr, "raw_code_");
        if (rs == NULL) {
            return RC_OK;
        }
        uint32_t w0 = le32(w);
        kind = w0 & 7;
        fun = le32(w + 4);
        if (rs->size == 12 && aread(a, ptr, 12, w)) {
            children = le32(w + 8);
            rc = note(a, ptr, 12,
                      "raw code: kind %s, scope_flags 0x%02x, n_pos_args %u, fun_data 0x%08x, children 0x%08x",
                      kind_name(kind), (w0 >> 3) & 0x7f, (w0 >> 10) & 0x7ff, fun, children);
        } else {
            rc = note(a, ptr, 8,
                      "raw code: kind %s, scope_flags 0x%02x, n_pos_args %u, fun_data 0x%08x",
                      kind_name(kind), (w0 >> 3) & 0x7f, (w0 >> 10) & 0x7ff, fun);
        }
    }
    if (rc == RC_OK && kind == 2) {
        rc = decode_prelude(a, fun);
    }
    if (rc != RC_OK || children == 0) {
        return rc;
    }
    const struct image_sym *cs = sym_starting(a->img, children, "children_");
    if (cs == NULL) {
        return RC_OK;
    }
    uint32_t nc = cs->size / 4;
    if (nc > 256) {
        nc = 256;
    }
    uint8_t cb[1024];
    if (nc == 0 || !aread(a, children, 4 * nc, cb)) {
        return RC_OK;
    }
    rc = note(a, children, 4 * nc, "children: %u", nc);
    for (uint32_t i = 0; rc == RC_OK && i < nc; i++) {
        uint32_t c = le32(cb + 4 * i);
        const struct image_sym *t = sym_covering(a->img, c);
        if (t == NULL || t->addr != c) {
            continue;
        }
        size_t tl = strlen(t->name);
        if (has_prefix(t->name, "proto_fun_") || has_prefix(t->name, "raw_code_") ||
            (has_prefix(t->name, "fun_data_") &&
             !(tl > 8 && strcmp(t->name + tl - 8, "_prelude") == 0))) {
            rc = walk(a, c, depth + 1);
        }
    }
    return rc;
}

static void obj_text(struct ann *a, uint32_t addr, uint32_t size, char *out,
                     size_t osize)
{
    uint8_t w[16];
    out[0] = 0;
    if (size < 4 || !aread(a, addr, size >= 16 ? 16 : 4, w)) {
        return;
    }
    const struct image_sym *t = sym_starting(a->img, le32(w), "mp_type_");
    if (t == NULL) {
        return;
    }
    if ((strcmp(t->name, "mp_type_str") == 0 || strcmp(t->name, "mp_type_bytes") == 0) &&
        size >= 16) {
        uint32_t len = le32(w + 8), data = le32(w + 12);
        uint8_t s[40];
        uint32_t n = len < sizeof s ? len : (uint32_t)sizeof s;
        if (!aread(a, data, n, s)) {
            snprintf(out, osize, "%s object, %u bytes", t->name + 8, len);
            return;
        }
        size_t o = (size_t)snprintf(out, osize, "%s '", t->name + 8);
        for (uint32_t k = 0; k < n && o + 8 < osize; k++) {
            if (s[k] < 0x20 || s[k] >= 0x7f || s[k] == '\'' || s[k] == '\\') {
                o += (size_t)snprintf(out + o, osize - o, "\\x%02x", s[k]);
            } else {
                out[o++] = (char)s[k];
            }
        }
        snprintf(out + o, osize - o, "%s' (%u bytes)", len > n ? "..." : "", len);
        return;
    }
    if (strcmp(t->name, "mp_type_tuple") == 0 && size >= 8) {
        snprintf(out, osize, "tuple of %u", le32(w + 4));
        return;
    }
    snprintf(out, osize, "%s object", t->name + 8);
}

static int cmp_note(const void *x, const void *y)
{
    const struct frozen_note *a = x, *b = y;
    if (a->addr != b->addr) {
        return a->addr < b->addr ? -1 : 1;
    }
    return a->len > b->len ? -1 : a->len < b->len;
}

int frozen_annotate(const struct image *img, const struct frozen_mem *mem,
                    const struct frozen_mod *mod, struct frozen_notes *out,
                    struct rc_msg *msg)
{
    out->n = NULL;
    out->count = 0;
    if (img == NULL || mem == NULL || mod == NULL) {
        return rc_set(msg, RC_ARG, "frozen_annotate: nothing to annotate");
    }
    if (mod->source) {
        return RC_OK;
    }
    struct ann *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    a->img = img;
    a->mem = mem;
    a->msg = msg;
    a->out = out;
    int rc = RC_OK;
    char esc[MAX_NAME + 1], sn[MAX_NAME + 40];
    escape_name(mod->name, esc, sizeof esc);
    snprintf(sn, sizeof sn, "frozen_module_%s", esc);
    const struct image_sym *fm = sym_named(img, sn);
    uint8_t w[12];
    if (fm == NULL || fm->size < 12 || !aread(a, fm->addr, 12, w)) {
        /* Before v1.19 (or unknown): name the module's symbols only. */
        for (size_t i = 0; rc == RC_OK && i < mod->nranges; i++) {
            const struct image_sym *s = sym_starting(img, mod->ranges[i].addr, "");
            if (s != NULL && s->size == mod->ranges[i].len) {
                rc = note(a, s->addr, s->size, "%s", s->name);
            }
        }
        goto done;
    }
    a->v123 = any_sym_prefix(img, "proto_fun_") || !any_sym_prefix(img, "raw_code_");
    load_pools(a);
    uint32_t qt = le32(w), ot = le32(w + 4), pf = le32(w + 8);
    rc = note(a, fm->addr, 12,
              "frozen module: qstr_table 0x%08x, obj_table 0x%08x, %s 0x%08x",
              qt, ot, a->v123 ? "proto_fun" : "raw_code", pf);

    snprintf(sn, sizeof sn, "const_qstr_table_data_%s", esc);
    const struct image_sym *qs = sym_named(img, sn);
    if (rc == RC_OK && qs != NULL && qs->addr == qt && qs->size >= 2 &&
        qs->size / 2 <= MAX_QTAB) {
        size_t nq = qs->size / 2;
        uint8_t *qb = malloc(qs->size);
        a->qtab = malloc(nq * sizeof *a->qtab);
        if (qb == NULL || a->qtab == NULL) {
            free(qb);
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            goto done;
        }
        if (aread(a, qt, qs->size, qb)) {
            a->nq = nq;
            for (size_t i = 0; i < nq; i++) {
                a->qtab[i] = le16(qb + 2 * i);
            }
        }
        free(qb);
        for (size_t i = 0; rc == RC_OK && i < a->nq; i++) {
            char t[120];
            if (qstr_text(a, a->qtab[i], t, sizeof t, 1)) {
                rc = note(a, qt + 2 * (uint32_t)i, 2, "qstr table [%zu] = %s", i, t);
            } else {
                rc = note(a, qt + 2 * (uint32_t)i, 2, "qstr table [%zu] = qstr %u", i,
                          a->qtab[i]);
            }
        }
    }

    snprintf(sn, sizeof sn, "const_obj_table_data_%s", esc);
    const struct image_sym *os = sym_named(img, sn);
    if (rc == RC_OK && os != NULL && os->addr == ot && os->size >= 4) {
        uint32_t no = os->size / 4;
        if (no > 4096) {
            no = 4096;
        }
        uint8_t *ob = malloc(4 * (size_t)no);
        if (ob == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            goto done;
        }
        if (aread(a, ot, 4 * no, ob)) {
            for (uint32_t i = 0; rc == RC_OK && i < no; i++) {
                uint32_t v = le32(ob + 4 * i);
                const struct image_sym *t = sym_starting(img, v, "");
                if (t != NULL) {
                    rc = note(a, ot + 4 * i, 4, "obj table [%u] = %s", i, t->name);
                } else {
                    rc = note(a, ot + 4 * i, 4, "obj table [%u] = 0x%08x", i, v);
                }
            }
        }
        free(ob);
    }
    /* The module's constant objects. */
    for (size_t i = 0; rc == RC_OK && i < mod->nranges; i++) {
        const struct image_sym *s = sym_starting(img, mod->ranges[i].addr, "const_obj_");
        if (s != NULL && !has_prefix(s->name, "const_obj_table_data_")) {
            char t[120];
            obj_text(a, s->addr, s->size, t, sizeof t);
            rc = note(a, s->addr, s->size, "%s%s%s", s->name, t[0] ? ": " : "", t);
        }
    }
    if (rc == RC_OK) {
        rc = walk(a, pf, 0);
    }
done:
    if (rc == RC_OK && a->fatal) {
        rc = a->fatal;
    }
    free(a->qtab);
    free(a);
    if (rc != RC_OK) {
        frozen_notes_free(out);
        return rc;
    }
    if (out->count > 1) {
        qsort(out->n, out->count, sizeof *out->n, cmp_note);
    }
    out->maxlen = 0;
    for (size_t i = 0; i < out->count; i++) {
        if (out->n[i].len > out->maxlen) {
            out->maxlen = out->n[i].len;
        }
    }
    return RC_OK;
}

void frozen_notes_free(struct frozen_notes *notes)
{
    if (notes == NULL) {
        return;
    }
    free(notes->n);
    notes->n = NULL;
    notes->count = 0;
}

const struct frozen_note *frozen_note_at(const struct frozen_notes *notes,
                                         uint32_t addr)
{
    const struct frozen_note *best = NULL;
    if (notes == NULL || notes->count == 0) {
        return NULL;
    }
    size_t from = 0, to = notes->count;
    if (notes->maxlen > 0) {
        /* Address order: only notes starting in (addr - maxlen, addr] can
         * hold addr. */
        size_t lo = 0, hi = notes->count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (notes->n[mid].addr <= addr) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        to = lo;
        uint32_t first = addr >= notes->maxlen ? addr - notes->maxlen + 1 : 0;
        lo = 0;
        hi = to;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (notes->n[mid].addr < first) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        from = lo;
    }
    for (size_t i = from; i < to; i++) {
        const struct frozen_note *n = &notes->n[i];
        if (addr >= n->addr && (uint64_t)addr < (uint64_t)n->addr + n->len &&
            (best == NULL || n->len < best->len)) {
            best = n;
        }
    }
    return best;
}
