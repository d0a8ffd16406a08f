/*
 * frozen.c: MicroPython's frozen modules in a firmware image (wire spec,
 * section 9): finding them and hashing them.  Manifests are in
 * frozen_manifest.c, the explorer's bytecode notes in frozen_notes.c; the
 * byte and symbol helpers all three use are here (frozen_int.h).
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frozen_int.h"
#include "image.h"
#include "recdec.h"

#define MAX_TABLE (1u << 20)      /* a names/sizes table we are willing to read */
#define MAX_MOD_BYTES (16u << 20) /* bytes hashed per module */

int frozen_read(const struct frozen_mem *mem, uint32_t addr, uint32_t len,
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

/* ---- bytes and symbols --------------------------------------------------- */

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
const struct image_sym *frozen_sym_named(const struct image *img,
                                         const char *name)
{
    return image_sym_find(img, name);
}

/* The smallest sized symbol covering addr (through the image's index when
 * it has one). */
const struct image_sym *frozen_sym_covering(const struct image *img,
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
const struct image_sym *frozen_sym_starting(const struct image *img,
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

int frozen_any_sym_prefix(const struct image *img, const char *prefix)
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

/* ---- module names -------------------------------------------------------- */

/* Printable text: no control bytes, valid UTF-8, no space at either end. */
int frozen_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > FROZEN_MAX_NAME || s[0] == ' ' || s[n - 1] == ' ') {
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
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f)) {
            /* also no C1 control: a name must print as it is */
            return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* mpy-tool's escaped module name: the path without its extension, every
 * character that is not a letter or digit turned into '_'. */
void frozen_escape_name(const char *name, char *out, size_t size)
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
    if (f->set->n >= FROZEN_MAX_MODS) {
        return rc_set(f->msg, RC_PARSE, "%s: more than %u frozen modules",
                      f->img->path, FROZEN_MAX_MODS);
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
    int rc = frozen_read(f->mem, s->addr, s->size, b, f->msg);
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
        if (!frozen_name_ok(nm, l)) {
            return rc_set(f->msg, RC_PARSE,
                          "%s: %s: name %zu is not a module name (%zu bytes)",
                          f->img->path, s->name, n, l);
        }
        if (n >= FROZEN_MAX_MODS) {
            return rc_set(f->msg, RC_PARSE, "%s: %s: more than %u names",
                          f->img->path, s->name, FROZEN_MAX_MODS);
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
    rc = frozen_read(f->mem, m->addr, size + 1, b, f->msg);
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
static long best_module(const char *s, char (*esc)[FROZEN_MAX_NAME + 1],
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
        for (size_t l = 0; l <= FROZEN_MAX_NAME; l++) {
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
static void claim(struct cands *c, size_t k, size_t mi, char (*esc)[FROZEN_MAX_NAME + 1])
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
        int rc = frozen_read(f->mem, s->addr, len, c->buf, &m);
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
                        size_t n, char (*esc)[FROZEN_MAX_NAME + 1])
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
static int claim_by_name(struct cands *c, char (*esc)[FROZEN_MAX_NAME + 1], size_t n)
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
    char (*esc)[FROZEN_MAX_NAME + 1] = calloc(n, sizeof *esc);
    size_t *cnt = calloc(n, sizeof *cnt);
    struct cands c;
    int rc = cands_init(&c, img);
    if (esc == NULL || cnt == NULL || rc != RC_OK) {
        rc = rc_set(f->msg, RC_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        frozen_escape_name((const char *)names_tab + offs[i], esc[i], sizeof esc[i]);
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
            rc = frozen_read(f->mem, m->ranges[j].addr, m->ranges[j].len, b + at, f->msg);
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
            r2 = frozen_read(f->mem, p, 12, w, f->msg);
            p = le32(w + 8);
        }
        if (r2 == RC_OK) {
            r2 = frozen_read(f->mem, p, 8, w, f->msg);
        }
        if (r2 == RC_OK) {
            const struct image_sym *cs = frozen_sym_covering(img, p);
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
            char sn[FROZEN_MAX_NAME + 40];
            snprintf(sn, sizeof sn, "fun_data_%s__lt_module_gt_", esc[i]);
            const struct image_sym *s = frozen_sym_named(img, sn);
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
    const struct image_sym *names = frozen_sym_named(img, "mp_frozen_names");
    const struct image_sym *sizes = frozen_sym_named(img, "mp_frozen_str_sizes");
    const struct image_sym *content = frozen_sym_named(img, "mp_frozen_str_content");
    const struct image_sym *mpy = frozen_sym_named(img, "mp_frozen_mpy_content");
    uint8_t *ntab = NULL, *stab = NULL, *ptab = NULL;
    size_t *offs = malloc(FROZEN_MAX_MODS * sizeof *offs);
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
    const struct image_sym *snames = frozen_sym_named(img, "mp_frozen_str_names");
    const struct image_sym *sizes = frozen_sym_named(img, "mp_frozen_str_sizes");
    const struct image_sym *content = frozen_sym_named(img, "mp_frozen_str_content");
    const struct image_sym *mnames = frozen_sym_named(img, "mp_frozen_mpy_names");
    const struct image_sym *mpy = frozen_sym_named(img, "mp_frozen_mpy_content");
    uint8_t *ntab = NULL, *stab = NULL, *mtab = NULL, *ptab = NULL;
    size_t *offs = malloc(FROZEN_MAX_MODS * sizeof *offs);
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
    const struct image_sym *names = frozen_sym_named(img, "mp_frozen_names");
    const struct image_sym *sizes = frozen_sym_named(img, "mp_frozen_sizes");
    const struct image_sym *content = frozen_sym_named(img, "mp_frozen_content");
    uint8_t *ntab = NULL, *stab = NULL;
    size_t *offs = malloc(FROZEN_MAX_MODS * sizeof *offs);
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
    const struct image_sym *sizes = frozen_sym_named(img, "mp_frozen_sizes");
    const struct image_sym *content = frozen_sym_named(img, "mp_frozen_content");
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
        if (off + l >= content->size || !frozen_name_ok(nm, l)) {
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
    if (frozen_sym_named(img, "mp_frozen_names") != NULL &&
        (frozen_sym_named(img, "mp_frozen_mpy_content") != NULL ||
         frozen_sym_named(img, "mp_frozen_str_sizes") != NULL)) {
        int fm = frozen_any_sym_prefix(img, "frozen_module_") ||
                 !frozen_any_sym_prefix(img, "raw_code_");
        snprintf(set->layout, sizeof set->layout, "%s",
                 fm ? "v1.19+ (mp_frozen_names, mp_frozen_mpy_content)"
                    : "v1.18 (mp_frozen_names, mp_frozen_mpy_content of raw code)");
        rc = find_v118(&f, fm);
    } else if (frozen_sym_named(img, "mp_frozen_str_names") != NULL ||
               frozen_sym_named(img, "mp_frozen_mpy_names") != NULL) {
        snprintf(set->layout, sizeof set->layout,
                 "v1.8-v1.17 (mp_frozen_str_names, mp_frozen_mpy_names)");
        rc = find_v108(&f);
    } else if (frozen_sym_named(img, "mp_frozen_names") != NULL &&
               frozen_sym_named(img, "mp_frozen_sizes") != NULL &&
               frozen_sym_named(img, "mp_frozen_content") != NULL) {
        snprintf(set->layout, sizeof set->layout,
                 "v1.6-v1.7 (mp_frozen_names, mp_frozen_sizes)");
        rc = find_v106(&f);
    } else if (frozen_sym_named(img, "mp_frozen_sizes") != NULL &&
               frozen_sym_named(img, "mp_frozen_content") != NULL) {
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
