/*
 * qstr.c: MicroPython's qstr pools read from a board or an image (see
 * qstr.h for the layouts).
 *
 * Layouts followed, from MicroPython's py/qstr.h and py/qstr.c:
 *   family A (v1.9.x to v1.19.x; v1.19 changed only the order of the
 *     first qstrs, not the layout): qstr_pool_t {prev, total_prev_len,
 *     alloc, len, const byte *qstrs[]}, each string [hash][len] chars NUL
 *     with MICROPY_QSTR_BYTES_IN_HASH 1 or 2 and _IN_LEN 1 or 2 (Q_GET_HASH,
 *     Q_GET_LENGTH, Q_GET_DATA); qstr_add() grows by a heap pool of
 *     alloc * 2 entries when the newest pool is full.
 *   family B (v1.20 onwards): {prev, total_prev_len:31, is_sorted:1, alloc,
 *     len, qstr_hash_t *hashes (only when MICROPY_QSTR_BYTES_IN_HASH > 0),
 *     qstr_len_t *lengths, const char *qstrs[]}; a heap pool is one block:
 *     header, qstrs[alloc], hashes[alloc], lengths[alloc] (qstr_add()).
 * In both, qstr_compute_hash() is djb2 (5381, h * 33 ^ c) masked to the
 * hash width, with 0 turned into 1; qstr 0 (MP_QSTRnull) has hash 0 and
 * length 0, qstr 1 is "".  The const pools' alloc is a small number
 * (MICROPY_ALLOC_QSTR_ENTRIES_INIT, 10), not their length.  From v1.19 the
 * first qstrs are makeqstrdata.py's static list ("", "__dir__", "\n", ...);
 * before, the order of qstrdefs.h ("", "*", "_", "/", ... in 1.9.2).
 *
 * Invariants: every read stays inside the flash and RAM ranges the caller
 * gave (or the image's segments): a board may hang on other addresses.
 * Loops are impossible by construction: a chain is walked with a visited
 * list and a pool limit, and the qstr numbers must grow along it.
 */
#include "qstr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "recdec.h"

#define MAX_POOLS 40u           /* alloc doubles: 2^32 qstrs come sooner */
#define MAX_TOTAL (1u << 20)    /* qstrs in all pools */
#define MAX_TEXT (16u << 20)    /* bytes of their text */
#define MAX_RAM (16u << 20)     /* RAM read for a scan */
#define MAX_CANDS 65536u        /* pool headers kept by a scan */
#define SCAN_MIN 32u            /* qstrs in a first pool found by scanning */
#define PROBE 24u               /* entries checked to choose a layout */
#define FLASH_CHUNK 4096u
#define RAM_CHUNK 16384u
#define BLK 1024u
#define NBLK 64u
#define STATE_MAX 4096u         /* bytes of mp_state_ctx searched */
#define MAX_WORK (8u << 20)     /* entries checked in all, candidates included */

enum { FAM_A = 1, FAM_B = 2 };

struct fmt {
    int fam;
    unsigned hw;    /* bytes of hash: 0 (B only), 1, 2 */
    unsigned lw;    /* bytes of length: 1, 2 */
    unsigned hdr;   /* header bytes before qstrs[]: 16 (A), 20 or 24 (B) */
};

struct pool {
    uint32_t addr;
    uint32_t prev;
    uint32_t first;     /* total_prev_len */
    uint32_t alloc;
    uint32_t len;
    uint32_t hashes;    /* B */
    uint32_t lengths;   /* B */
    int in_ram;
};

struct qstr_tab {
    struct fmt f;
    struct pool pools[MAX_POOLS];   /* the first (prev NULL) first */
    size_t npools;
    size_t nconst;                  /* pools in flash */
    uint32_t count;
    uint32_t *off;                  /* count + 1 offsets into text */
    uint32_t offcap;
    char *text;                     /* each qstr's bytes and a NUL */
    size_t textlen, textcap;
    uint32_t *sorted;               /* qstrs 1 .. count-1 by text */
    char layout[300];
    struct qstr_hint learned;       /* what this search found */
    int have_learned;
    unsigned hint_used;             /* QSTR_HINT_* */
    char hint_note[300];            /* why a hint given was refused */
};

struct blk {
    uint32_t addr;
    uint32_t n;         /* bytes held; 0: not there */
    int used;
    uint8_t b[BLK];
};

struct ctx {
    const struct frozen_mem *mem;
    const struct image *img;    /* with symbols, else NULL */
    uint32_t version;
    struct frozen_range flash[QSTR_MAX_RANGES];
    size_t nflash;
    struct frozen_range ram[QSTR_MAX_RANGES];
    size_t nram;
    uint8_t *snap[QSTR_MAX_RANGES];    /* RAM read whole (scan), or NULL */
    struct blk *cache;
    unsigned next;
    int fatal;                  /* a read failed for good */
    struct rc_msg *msg;
    struct qstr_tab *t;
    char why[300];              /* why the last candidate was refused */
    int64_t fail_at;            /* the qstr it failed at; -1 its header */
    uint32_t ram_total;
    uint64_t work;              /* entries checked so far */
    int (*in_use)(void *ctx, uint32_t addr);
    void *in_use_ctx;
    int32_t n_pool, n_qstr;
    const struct qstr_hint *hint;
    uint32_t last_word;         /* where last_pool was seen, 0 unknown */
    struct frozen_range heap[QSTR_MAX_RANGES];
    size_t nheap;
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint32_t leN(const uint8_t *p, unsigned n)
{
    return n == 1 ? p[0] : (uint32_t)(p[0] | p[1] << 8);
}

__attribute__((format(printf, 2, 3)))
static int refuse(struct ctx *c, const char *fmt, ...)
{
    c->fail_at = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    return 0;
}

static int in_ranges(const struct frozen_range *r, size_t n, uint32_t addr,
                     uint32_t len, size_t *which)
{
    for (size_t i = 0; i < n; i++) {
        if (addr >= r[i].addr && (uint64_t)addr + len <= (uint64_t)r[i].addr + r[i].len) {
            if (which != NULL) {
                *which = i;
            }
            return 1;
        }
    }
    return 0;
}

static int in_flash(const struct ctx *c, uint32_t addr, uint32_t len)
{
    return in_ranges(c->flash, c->nflash, addr, len, NULL);
}

static int in_ram(const struct ctx *c, uint32_t addr, uint32_t len)
{
    return in_ranges(c->ram, c->nram, addr, len, NULL);
}

static int soft(int rc)
{
    return rc == RC_NOTFOUND || rc == RC_PARSE;
}

/* A read through mem of bytes known to be inside one range. */
static int raw(struct ctx *c, uint32_t addr, uint32_t len, uint8_t *out)
{
    struct rc_msg m;
    m.text[0] = 0;
    int rc = c->mem->read(c->mem->ctx, addr, len, out, &m);
    if (rc != RC_OK && !soft(rc) && !c->fatal) {
        c->fatal = rc;
        if (c->msg != NULL) {
            *c->msg = m;
        }
    }
    return rc;
}

/* len bytes at addr: 1 when read, 0 when not there (outside the ranges,
 * or the source has no such bytes; a hard failure is kept in c->fatal). */
static int get(struct ctx *c, uint32_t addr, uint32_t len, uint8_t *out)
{
    if (len == 0) {
        return 1;
    }
    if (c->fatal || (uint64_t)addr + len > 0x100000000ull) {
        return 0;
    }
    size_t w;
    const struct frozen_range *r;
    if (in_ranges(c->ram, c->nram, addr, len, &w)) {
        if (c->snap[w] != NULL) {
            memcpy(out, c->snap[w] + (addr - c->ram[w].addr), len);
            return 1;
        }
        r = &c->ram[w];
    } else if (in_ranges(c->flash, c->nflash, addr, len, &w)) {
        r = &c->flash[w];
    } else {
        return 0;
    }
    if (len > BLK / 2) {
        return raw(c, addr, len, out) == RC_OK;
    }
    while (len > 0) {
        uint32_t base = addr & ~(BLK - 1);
        uint64_t lo = base < r->addr ? r->addr : base;
        uint64_t hi = (uint64_t)base + BLK;
        if (hi > (uint64_t)r->addr + r->len) {
            hi = (uint64_t)r->addr + r->len;
        }
        struct blk *b = NULL;
        for (unsigned i = 0; i < NBLK; i++) {
            if (c->cache[i].used && c->cache[i].addr == (uint32_t)lo) {
                b = &c->cache[i];
                break;
            }
        }
        if (b == NULL) {
            b = &c->cache[c->next++ % NBLK];
            b->used = 1;
            b->addr = (uint32_t)lo;
            b->n = raw(c, (uint32_t)lo, (uint32_t)(hi - lo), b->b) == RC_OK
                   ? (uint32_t)(hi - lo) : 0;
            if (c->fatal) {
                b->used = 0;
                return 0;
            }
        }
        uint32_t take = (uint32_t)(hi - addr) < len ? (uint32_t)(hi - addr) : len;
        if (b->n < addr - b->addr + take) {
            /* The block is not all there: read just what is asked. */
            return raw(c, addr, len, out) == RC_OK;
        }
        memcpy(out, b->b + (addr - b->addr), take);
        out += take;
        addr += take;
        len -= take;
    }
    return 1;
}

static uint32_t qhash(const uint8_t *s, size_t n, unsigned hw)
{
    uint32_t h = 5381;
    for (size_t i = 0; i < n; i++) {
        h = (h * 33) ^ s[i];
    }
    h &= hw == 1 ? 0xffu : 0xffffu;
    return h == 0 ? 1 : h;
}

/* ---- the text store ---------------------------------------------------- */

static int add_text(struct ctx *c, const uint8_t *s, size_t n)
{
    struct qstr_tab *t = c->t;
    if (t->count + 1 >= MAX_TOTAL || t->textlen + n + 1 > MAX_TEXT) {
        return rc_set(c->msg, RC_PARSE, "the qstr pools hold more than %u qstrs or %u MiB of "
                      "text; not a MicroPython board?", MAX_TOTAL, MAX_TEXT >> 20);
    }
    if (t->count + 2 > t->offcap) {
        uint32_t nc = t->offcap ? t->offcap * 2 : 1024;
        uint32_t *o = realloc(t->off, nc * sizeof *o);
        if (o == NULL) {
            return rc_set(c->msg, RC_NOMEM, "out of memory");
        }
        t->off = o;
        t->offcap = nc;
    }
    if (t->textlen + n + 1 > t->textcap) {
        size_t nc = t->textcap ? t->textcap * 2 : 16384;
        while (nc < t->textlen + n + 1) {
            nc *= 2;
        }
        char *x = realloc(t->text, nc);
        if (x == NULL) {
            return rc_set(c->msg, RC_NOMEM, "out of memory");
        }
        t->text = x;
        t->textcap = nc;
    }
    t->off[t->count] = (uint32_t)t->textlen;
    memcpy(t->text + t->textlen, s, n);
    t->textlen += n;
    t->text[t->textlen++] = 0;
    t->count++;
    t->off[t->count] = (uint32_t)t->textlen;
    return RC_OK;
}

/* ---- one pool ------------------------------------------------------------ */

/* The pool header at addr under f (words w, at least 8 read). */
static void parse(struct pool *p, uint32_t addr, const uint8_t *w, const struct fmt *f)
{
    memset(p, 0, sizeof *p);
    p->addr = addr;
    p->prev = le32(w);
    p->first = le32(w + 4) & (f->fam == FAM_B ? 0x7fffffffu : 0xffffffffu);
    p->alloc = le32(w + 8);
    p->len = le32(w + 12);
    if (f->fam == FAM_B) {
        p->hashes = f->hw ? le32(w + 16) : 0;
        p->lengths = le32(w + (f->hw ? 20 : 16));
    }
}

static int read_hdr(struct ctx *c, uint32_t addr, uint8_t w[32])
{
    memset(w, 0, 32);
    if ((addr & 3) != 0 || !get(c, addr, 16, w)) {
        return 0;
    }
    get(c, addr + 16, 16, w + 16); /* a short pool may end before */
    return 1;
}

/*
 * Check entries [0, limit) of pool p (qstr numbers from p->first) under f;
 * with keep, add their text.  0 with c->why on a refusal.
 */
static int entries(struct ctx *c, const struct pool *p, const struct fmt *f,
                   uint32_t limit, int keep, int *err)
{
    *err = RC_OK;
    if (limit == 0) {
        return 1;
    }
    c->work += limit;
    if (c->work > MAX_WORK) {
        *err = rc_set(c->msg, RC_PARSE, "the candidate qstr pools would take more than %u "
                      "checks; not a MicroPython board?", MAX_WORK);
        return 0;
    }
    uint32_t qa = p->addr + f->hdr, cur = 0;
    uint8_t *ptrs = malloc(4 * (size_t)limit);
    uint8_t *hs = malloc(2 * (size_t)limit + 2);
    uint8_t *ls = malloc(2 * (size_t)limit + 2);
    uint8_t *s = malloc(65536 + 8);
    int ok = 0;
    if (ptrs == NULL || hs == NULL || ls == NULL || s == NULL) {
        *err = rc_set(c->msg, RC_NOMEM, "out of memory");
        goto out;
    }
    if (!get(c, qa, 4 * limit, ptrs)) {
        refuse(c, "qstr pool at 0x%08x: its %u pointers at 0x%08x are not in memory",
               p->addr, limit, qa);
        goto out;
    }
    if (f->fam == FAM_B) {
        if (f->hw && !get(c, p->hashes, f->hw * limit, hs)) {
            refuse(c, "qstr pool at 0x%08x: its hashes at 0x%08x are not in memory",
                   p->addr, p->hashes);
            goto out;
        }
        if (!get(c, p->lengths, f->lw * limit, ls)) {
            refuse(c, "qstr pool at 0x%08x: its lengths at 0x%08x are not in memory",
                   p->addr, p->lengths);
            goto out;
        }
    }
    for (uint32_t i = 0; i < limit; i++, cur++) {
        uint32_t q = p->first + i;
        uint32_t sa = le32(ptrs + 4 * i);
        uint32_t h = 0, n;
        if (f->fam == FAM_A) {
            uint8_t hl[4];
            if (!get(c, sa, f->hw + f->lw, hl)) {
                refuse(c, "qstr pool at 0x%08x, qstr %u: its data at 0x%08x is not in "
                       "flash or RAM", p->addr, q, sa);
                goto out;
            }
            h = leN(hl, f->hw);
            n = leN(hl + f->hw, f->lw);
            sa += f->hw + f->lw;
        } else {
            h = f->hw ? leN(hs + f->hw * i, f->hw) : 0;
            n = leN(ls + f->lw * i, f->lw);
        }
        if (!get(c, sa, n + 1, s)) {
            refuse(c, "qstr pool at 0x%08x, qstr %u: its %u bytes at 0x%08x are not in "
                   "flash or RAM", p->addr, q, n, sa);
            goto out;
        }
        if (s[n] != 0) {
            refuse(c, "qstr pool at 0x%08x, qstr %u: no NUL after its %u bytes at 0x%08x",
                   p->addr, q, n, sa);
            goto out;
        }
        if (q == 0) {
            if (n != 0 || h != 0) {
                refuse(c, "qstr pool at 0x%08x: qstr 0 is not the null qstr (length %u, "
                       "hash 0x%x)", p->addr, n, h);
                goto out;
            }
        } else if (f->hw && h != qhash(s, n, f->hw)) {
            refuse(c, "qstr pool at 0x%08x, qstr %u: stored hash 0x%x, computed 0x%x",
                   p->addr, q, h, qhash(s, n, f->hw));
            goto out;
        }
        if (q == 1 && n != 0) {
            refuse(c, "qstr pool at 0x%08x: qstr 1 is not \"\" (%u bytes)", p->addr, n);
            goto out;
        }
        if (q == 2 && (c->version >= 11900 || f->fam == FAM_B) &&
            (n != 7 || memcmp(s, "__dir__", 7) != 0)) {
            refuse(c, "qstr pool at 0x%08x: qstr 2 is not \"__dir__\" (v1.19+ static qstrs)",
                   p->addr);
            goto out;
        }
        if (keep) {
            *err = add_text(c, s, n);
            if (*err != RC_OK) {
                goto out;
            }
        }
        if (c->fatal) {
            *err = c->fatal;
            goto out;
        }
    }
    ok = 1;
out:
    if (!ok) {
        c->fail_at = p->first + (int64_t)cur;
    }
    free(ptrs);
    free(hs);
    free(ls);
    free(s);
    if (c->fatal && *err == RC_OK) {
        *err = c->fatal;
    }
    return ok;
}

/* The header-only checks of pool p following prev (NULL for the first). */
static int shape(struct ctx *c, const struct pool *p, const struct pool *prev,
                 const struct fmt *f, int dynamic, int newest)
{
    uint32_t want = prev ? prev->first + prev->len : 0;
    if (p->first != want) {
        return refuse(c, "qstr pool at 0x%08x: total_prev_len %u, but the pools before it "
                      "hold %u qstrs", p->addr, p->first, want);
    }
    if (p->len > MAX_TOTAL || (uint64_t)p->first + p->len > MAX_TOTAL) {
        return refuse(c, "qstr pool at 0x%08x: len %u is past any real board", p->addr, p->len);
    }
    if (prev == NULL && p->len < 2) {
        return refuse(c, "qstr pool at 0x%08x: the first pool holds %u qstrs (it starts with "
                      "the null and the empty qstr)", p->addr, p->len);
    }
    uint64_t end = (uint64_t)p->addr + f->hdr + 4ull * p->len;
    if (end > 0x100000000ull || !(dynamic ? in_ram(c, p->addr, (uint32_t)(end - p->addr))
                                          : in_flash(c, p->addr, (uint32_t)(end - p->addr)))) {
        return refuse(c, "qstr pool at 0x%08x: its %u entries run out of %s", p->addr, p->len,
                      dynamic ? "RAM" : "flash");
    }
    if (!dynamic) {
        return 1;
    }
    if (p->len > p->alloc) {
        return refuse(c, "qstr pool at 0x%08x: len %u > alloc %u", p->addr, p->len, p->alloc);
    }
    if (p->len == 0 || (!newest && p->len != p->alloc)) {
        return refuse(c, "qstr pool at 0x%08x: len %u of alloc %u, but only the newest pool "
                      "is not full", p->addr, p->len, p->alloc);
    }
    if ((uint64_t)p->alloc * (4 + f->hw + f->lw) + f->hdr > c->ram_total) {
        return refuse(c, "qstr pool at 0x%08x: alloc %u does not fit in RAM", p->addr, p->alloc);
    }
    if (f->fam == FAM_B) {
        uint32_t h = p->addr + f->hdr + 4 * p->alloc;
        uint32_t l = h + f->hw * p->alloc;
        if ((f->hw && p->hashes != h) || p->lengths != l) {
            return refuse(c, "qstr pool at 0x%08x: its hashes/lengths at 0x%08x/0x%08x are not "
                          "where qstr_add puts them (0x%08x/0x%08x)", p->addr, p->hashes,
                          p->lengths, h, l);
        }
        if (!in_ram(c, p->addr, l + f->lw * p->alloc - p->addr)) {
            return refuse(c, "qstr pool at 0x%08x: runs out of RAM", p->addr);
        }
    }
    return 1;
}

/* ---- choosing the layout from the first pool ------------------------------ */

static const char *fam_name(int fam)
{
    return fam == FAM_A ? "v1.9-v1.19" : "v1.20+";
}

/* The layout of the first pool at addr (words w): 1 and *f when exactly
 * one layout makes its first entries valid. */
static int detect(struct ctx *c, uint32_t addr, const uint8_t *w, struct fmt *f, int *err)
{
    struct fmt tries[8];
    size_t nt = 0;
    int want = c->version == 0 ? 0 : (c->version >= 12000 ? FAM_B : FAM_A);
    *err = RC_OK;
    if (want != FAM_B) {
        static const unsigned hl[4][2] = {{2, 1}, {1, 1}, {2, 2}, {1, 2}};
        for (int i = 0; i < 4; i++) {
            tries[nt++] = (struct fmt){FAM_A, hl[i][0], hl[i][1], 16};
        }
    }
    if (want != FAM_A) {
        uint8_t hb[4];
        if (get(c, le32(w + 16), 4, hb) && hb[0] == 0) {
            if (hb[1] == 0 && hb[2] == 0x05 && hb[3] == 0x15) {
                tries[nt++] = (struct fmt){FAM_B, 2, 1, 24};
                tries[nt++] = (struct fmt){FAM_B, 2, 2, 24};
            } else if (hb[1] == 0x05) {
                tries[nt++] = (struct fmt){FAM_B, 1, 1, 24};
                tries[nt++] = (struct fmt){FAM_B, 1, 2, 24};
            }
        }
        tries[nt++] = (struct fmt){FAM_B, 0, 1, 20};
        tries[nt++] = (struct fmt){FAM_B, 0, 2, 20};
    }
    int found = 0;
    char first_why[300] = "";
    int64_t best = -2;
    for (size_t i = 0; i < nt; i++) {
        struct pool p;
        parse(&p, addr, w, &tries[i]);
        if (p.prev != 0 || p.first != 0 || p.len < 2 || p.len > MAX_TOTAL) {
            continue;
        }
        c->why[0] = 0;
        if (!shape(c, &p, NULL, &tries[i], 0, 0) ||
            !entries(c, &p, &tries[i], p.len < PROBE ? p.len : PROBE, 0, err)) {
            if (*err != RC_OK) {
                return 0;
            }
            if (c->fail_at > best) {
                best = c->fail_at;
                snprintf(first_why, sizeof first_why, "%s", c->why);
            }
            continue;
        }
        if (found) {
            refuse(c, "qstr pool at 0x%08x reads as two layouts (%s, %u-byte hashes; %s, "
                   "%u-byte hashes)", addr, fam_name(f->fam), f->hw, fam_name(tries[i].fam),
                   tries[i].hw);
            return 0;
        }
        *f = tries[i];
        found = 1;
    }
    if (!found) {
        if (first_why[0] != 0) {
            snprintf(c->why, sizeof c->why, "%s", first_why);
        } else {
            refuse(c, "0x%08x is not a first qstr pool (prev NULL, total_prev_len 0, len >= 2)",
                   addr);
        }
    }
    return found;
}

/* Add pool p (already shaped) and its text; 0 and c->why when an entry is
 * refused (the table is left as it was). */
static int take(struct ctx *c, const struct pool *p, int *err)
{
    struct qstr_tab *t = c->t;
    uint32_t count = t->count;
    size_t textlen = t->textlen;
    if (t->npools >= MAX_POOLS) {
        return refuse(c, "more than %u qstr pools", MAX_POOLS);
    }
    if (!entries(c, p, &t->f, p->len, 1, err)) {
        t->count = count;
        t->textlen = textlen;
        return 0;
    }
    t->pools[t->npools++] = *p;
    return 1;
}

static void rollback(struct qstr_tab *t, size_t npools)
{
    if (t->npools > npools) {
        t->count = t->pools[npools].first;
        t->textlen = t->off[t->count];
        t->npools = npools;
    }
}

/* ---- symbols ------------------------------------------------------------- */

static const struct image_sym *sym(const struct image *img, const char *name)
{
    return img != NULL ? image_sym_find(img, name) : NULL;
}

/* The const pools from the symbols: newest is mp_qstr_frozen_const_pool or
 * mp_qstr_const_pool, followed back through prev. */
static int const_by_sym(struct ctx *c, const struct image_sym *s)
{
    uint32_t chain[MAX_POOLS];
    uint8_t w[MAX_POOLS][32];
    size_t n = 0;
    uint32_t a = s->addr;
    while (a != 0) {
        for (size_t i = 0; i < n; i++) {
            if (chain[i] == a) {
                return rc_set(c->msg, RC_PARSE, "%s at 0x%08x: the prev chain of its qstr "
                              "pools loops back to 0x%08x", s->name, s->addr, a);
            }
        }
        if (n == MAX_POOLS) {
            return rc_set(c->msg, RC_PARSE, "%s at 0x%08x: more than %u qstr pools",
                          s->name, s->addr, MAX_POOLS);
        }
        if (!in_flash(c, a, 16) || !read_hdr(c, a, w[n])) {
            if (c->fatal) {
                return c->fatal;
            }
            return rc_set(c->msg, RC_PARSE, "%s at 0x%08x: qstr pool at 0x%08x is not in "
                          "flash", s->name, s->addr, a);
        }
        chain[n] = a;
        a = le32(w[n]);
        n++;
    }
    int err;
    struct fmt f;
    if (!detect(c, chain[n - 1], w[n - 1], &f, &err)) {
        return err != RC_OK ? err : rc_set(c->msg, RC_PARSE, "%s: %s", s->name, c->why);
    }
    c->t->f = f;
    for (size_t k = n; k-- > 0;) {
        struct pool p;
        parse(&p, chain[k], w[k], &f);
        const struct pool *prev = c->t->npools ? &c->t->pools[c->t->npools - 1] : NULL;
        if (!shape(c, &p, prev, &f, 0, 0) || !take(c, &p, &err)) {
            return err != RC_OK ? err : rc_set(c->msg, RC_PARSE, "%s: %s", s->name, c->why);
        }
        if (k == 0 && s->size != 0 && s->size != f.hdr + 4 * p.len) {
            return rc_set(c->msg, RC_PARSE, "%s at 0x%08x: %u bytes, but a %s pool of %u "
                          "qstrs takes %u", s->name, s->addr, s->size, fam_name(f.fam),
                          p.len, f.hdr + 4 * p.len);
        }
    }
    return RC_OK;
}

/* ---- the flash scan ------------------------------------------------------- */

struct cand {
    uint32_t addr, prev, first, len, alloc;
    uint32_t refs;
    int state;          /* dynamic: 0 unknown, 1 chains to the const pools, 2 not */
    int pointed;        /* another chained candidate's prev */
};

struct cands {
    struct cand *v;
    size_t n, cap;
};

static int cand_add(struct ctx *c, struct cands *cs, uint32_t addr, const uint8_t *w)
{
    if (cs->n == MAX_CANDS) {
        return RC_OK;
    }
    if (cs->n == cs->cap) {
        size_t nc = cs->cap ? cs->cap * 2 : 64;
        struct cand *v = realloc(cs->v, nc * sizeof *v);
        if (v == NULL) {
            return rc_set(c->msg, RC_NOMEM, "out of memory");
        }
        cs->v = v;
        cs->cap = nc;
    }
    struct cand *k = &cs->v[cs->n++];
    memset(k, 0, sizeof *k);
    k->addr = addr;
    k->prev = le32(w);
    k->first = le32(w + 4) & 0x7fffffffu;
    k->alloc = le32(w + 8);
    k->len = le32(w + 12);
    return RC_OK;
}

static int scan_flash(struct ctx *c)
{
    struct cands roots = {0}, kids = {0};
    uint8_t *buf = malloc(FLASH_CHUNK + 16);
    int rc = RC_OK;
    if (buf == NULL) {
        return rc_set(c->msg, RC_NOMEM, "out of memory");
    }
    for (size_t r = 0; r < c->nflash && rc == RC_OK; r++) {
        const struct frozen_range *fr = &c->flash[r];
        uint64_t end = (uint64_t)fr->addr + fr->len;
        for (uint64_t a = (fr->addr + 3u) & ~3ull; a + 16 <= end && rc == RC_OK; a += FLASH_CHUNK) {
            uint32_t n = end - a < FLASH_CHUNK + 12 ? (uint32_t)(end - a) : FLASH_CHUNK + 12;
            if (raw(c, (uint32_t)a, n, buf) != RC_OK) {
                if (c->fatal) {
                    rc = c->fatal;
                }
                continue; /* not there: a hole in an image */
            }
            for (uint32_t o = 0; o + 16 <= n && o < FLASH_CHUNK; o += 4) {
                const uint8_t *w = buf + o;
                uint32_t prev = le32(w), first = le32(w + 4) & 0x7fffffffu;
                uint32_t alloc = le32(w + 8), len = le32(w + 12);
                if (prev == 0 && le32(w + 4) == 0 && len >= SCAN_MIN && len <= MAX_TOTAL &&
                    alloc <= MAX_TOTAL) {
                    rc = cand_add(c, &roots, (uint32_t)a + o, w);
                } else if (prev != 0 && (prev & 3) == 0 && prev != (uint32_t)a + o &&
                           in_flash(c, prev, 16) && first >= 2 && first < MAX_TOTAL &&
                           len >= 1 && len <= MAX_TOTAL && alloc <= MAX_TOTAL) {
                    rc = cand_add(c, &kids, (uint32_t)a + o, w);
                }
            }
        }
    }
    free(buf);
    char why[300] = "";
    int found = 0;
    for (size_t i = 0; i < roots.n && rc == RC_OK && !found; i++) {
        uint8_t w[32];
        struct fmt f;
        int err = RC_OK;
        if (read_hdr(c, roots.v[i].addr, w) && detect(c, roots.v[i].addr, w, &f, &err)) {
            struct pool p;
            c->t->f = f;
            parse(&p, roots.v[i].addr, w, &f);
            if (take(c, &p, &err)) {
                found = 1;
                break;
            }
        }
        if (err != RC_OK) {
            rc = err;
        } else if (why[0] == 0) {
            snprintf(why, sizeof why, "%s", c->why);
        }
    }
    /* The pools built after it (v1.20+: mp_qstr_const_pool; frozen code's
     * mp_qstr_frozen_const_pool), each the one whose prev is the last. */
    while (rc == RC_OK && found) {
        const struct pool *last = &c->t->pools[c->t->npools - 1];
        int more = 0;
        for (size_t i = 0; i < kids.n && rc == RC_OK; i++) {
            struct cand *k = &kids.v[i];
            if (k->prev != last->addr || k->first != last->first + last->len) {
                continue;
            }
            uint8_t w[32];
            struct pool p;
            int err = RC_OK;
            if (!read_hdr(c, k->addr, w)) {
                continue;
            }
            parse(&p, k->addr, w, &c->t->f);
            if (shape(c, &p, last, &c->t->f, 0, 0) && take(c, &p, &err)) {
                more = 1;
                break;
            }
            rc = err;
        }
        if (!more) {
            break;
        }
    }
    free(roots.v);
    free(kids.v);
    if (rc == RC_OK && !found) {
        char where[120] = "";
        size_t o = 0;
        for (size_t r = 0; r < c->nflash && o + 30 < sizeof where; r++) {
            o += (size_t)snprintf(where + o, sizeof where - o, "%s0x%08x-0x%08x", r ? ", " : "",
                                  c->flash[r].addr,
                                  (uint32_t)(c->flash[r].addr + c->flash[r].len - 1));
        }
        rc = rc_set(c->msg, RC_NOTFOUND, "no qstr pool found in flash %s%s%s%s", where,
                    why[0] ? " (nearest: " : "", why, why[0] ? ")" : "");
    }
    return rc;
}

/* ---- heap pools ------------------------------------------------------------ */

/* Take the chain of heap pools whose newest is at head, back to the const
 * pools.  0 with c->why when it does not validate (the table unchanged). */
static int dyn_chain(struct ctx *c, uint32_t head, int *err)
{
    struct qstr_tab *t = c->t;
    const struct pool *top = &t->pools[t->nconst - 1];
    uint32_t chain[MAX_POOLS];
    uint8_t w[MAX_POOLS][32];
    size_t n = 0;
    uint32_t a = head;
    *err = RC_OK;
    while (a != top->addr) {
        for (size_t i = 0; i < n; i++) {
            if (chain[i] == a) {
                return refuse(c, "the prev chain of the qstr pool at 0x%08x loops back to "
                              "0x%08x", head, a);
            }
        }
        if (n + t->nconst >= MAX_POOLS) {
            return refuse(c, "the qstr pool at 0x%08x has more than %u pools before it", head,
                          MAX_POOLS);
        }
        if (a == 0 || !in_ram(c, a, 16) || !read_hdr(c, a, w[n])) {
            *err = c->fatal;
            return refuse(c, "the prev chain of the qstr pool at 0x%08x reaches 0x%08x, "
                          "not a pool in RAM nor the const pool at 0x%08x", head, a,
                          top->addr);
        }
        chain[n] = a;
        a = le32(w[n]);
        n++;
    }
    size_t keep = t->npools;
    for (size_t k = n; k-- > 0;) {
        struct pool p;
        parse(&p, chain[k], w[k], &t->f);
        p.in_ram = 1;
        if (!shape(c, &p, &t->pools[t->npools - 1], &t->f, 1, k == 0) || !take(c, &p, err)) {
            rollback(t, keep);
            return 0;
        }
    }
    return 1;
}

static int dyn_by_state(struct ctx *c, const struct image_sym *s, char *note, size_t nsize)
{
    struct qstr_tab *t = c->t;
    uint32_t size = s->size ? s->size : 1024;
    if (size > STATE_MAX) {
        size = STATE_MAX;
    }
    uint8_t *st = malloc(size);
    if (st == NULL) {
        return rc_set(c->msg, RC_NOMEM, "out of memory");
    }
    if (!in_ram(c, s->addr, size) || !get(c, s->addr, size, st)) {
        free(st);
        if (c->fatal) {
            return c->fatal;
        }
        return rc_set(c->msg, RC_PARSE, "mp_state_ctx at 0x%08x (%u bytes) is not in the RAM "
                      "given: is the image the board's firmware?", s->addr, size);
    }
    const struct pool *top = &t->pools[t->nconst - 1];
    uint32_t found[4], offs[4];
    int nfound = 0, rc = RC_OK;
    char why[300] = "";
    for (uint32_t o = 0; o + 4 <= size && rc == RC_OK; o += 4) {
        uint32_t v = le32(st + o);
        int seen = 0;
        for (int i = 0; i < nfound && i < 4; i++) {
            seen |= found[i] == v;
        }
        if (seen) {
            continue;
        }
        int ok = v == top->addr;
        if (!ok) {
            uint8_t w[32];
            if ((v & 3) != 0 || !in_ram(c, v, 16) || !read_hdr(c, v, w)) {
                continue;
            }
            uint32_t prev = le32(w);
            if (prev != top->addr && !in_ram(c, prev, 16)) {
                continue; /* not shaped like a pool */
            }
            size_t keep = t->npools;
            int err;
            ok = dyn_chain(c, v, &err);
            rollback(t, keep);
            if (!ok && err != RC_OK) {
                rc = err;
            } else if (!ok && why[0] == 0) {
                snprintf(why, sizeof why, "%s", c->why);
            }
        }
        if (ok) {
            if (nfound < 4) {
                found[nfound] = v;
                offs[nfound] = o;
            }
            nfound++;
        }
    }
    free(st);
    if (rc != RC_OK) {
        return rc;
    }
    if (nfound == 0) {
        return rc_set(c->msg, RC_PARSE, "no word of mp_state_ctx (0x%08x, %u bytes) points at "
                      "a qstr pool chain ending at the const pool at 0x%08x%s%s", s->addr,
                      size, top->addr, why[0] ? ": " : "", why);
    }
    if (nfound > 1) {
        return rc_set(c->msg, RC_PARSE, "mp_state_ctx (0x%08x) points at %d different qstr "
                      "pool chains (+0x%x, +0x%x); cannot tell which is the VM's last_pool",
                      s->addr, nfound, offs[0], offs[1]);
    }
    int err = RC_OK;
    if (found[0] != top->addr && !dyn_chain(c, found[0], &err)) {
        return err != RC_OK ? err : rc_set(c->msg, RC_PARSE, "%s", c->why);
    }
    uint32_t off = offs[0];
    c->last_word = s->addr + off;
    snprintf(note, nsize, ", last_pool at mp_state_ctx+0x%x", off);
    return RC_OK;
}

static int cand_find(const struct cands *cs, uint32_t addr)
{
    size_t lo = 0, hi = cs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs->v[mid].addr < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < cs->n && cs->v[lo].addr == addr ? (int)lo : -1;
}

static int cmp_addr(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static int cmp_first(const void *x, const void *y)
{
    const struct cand *a = *(const struct cand *const *)x, *b = *(const struct cand *const *)y;
    return a->first < b->first ? -1 : a->first > b->first;
}

static int dyn_by_scan(struct ctx *c, char *note, size_t nsize)
{
    struct qstr_tab *t = c->t;
    const struct pool *top = &t->pools[t->nconst - 1];
    uint32_t total = top->first + top->len;
    int rc = RC_OK;
    for (size_t r = 0; r < c->nram; r++) {
        c->snap[r] = malloc(c->ram[r].len ? c->ram[r].len : 1);
        if (c->snap[r] == NULL) {
            return rc_set(c->msg, RC_NOMEM, "out of memory");
        }
        for (uint32_t o = 0; o < c->ram[r].len; o += RAM_CHUNK) {
            uint32_t n = c->ram[r].len - o < RAM_CHUNK ? c->ram[r].len - o : RAM_CHUNK;
            struct rc_msg m;
            int e = c->mem->read(c->mem->ctx, c->ram[r].addr + o, n, c->snap[r] + o, &m);
            if (e != RC_OK) {
                return rc_set(c->msg, e, "reading RAM at 0x%08x for the qstr pools: %s",
                              c->ram[r].addr + o, m.text);
            }
        }
    }
    struct cands cs = {0};
    for (size_t r = 0; r < c->nram && rc == RC_OK; r++) {
        for (uint32_t o = (4 - (c->ram[r].addr & 3)) & 3; o + 16 <= c->ram[r].len; o += 4) {
            const uint8_t *w = c->snap[r] + o;
            uint32_t prev = le32(w), first = le32(w + 4) & 0x7fffffffu;
            uint32_t alloc = le32(w + 8), len = le32(w + 12);
            if ((prev == top->addr || ((prev & 3) == 0 && in_ram(c, prev, 16))) &&
                first >= total && first < MAX_TOTAL && len >= 1 &&
                (uint64_t)len * 4 <= c->ram_total && (uint64_t)alloc * 4 <= c->ram_total) {
                rc = cand_add(c, &cs, c->ram[r].addr + o, w);
            }
        }
    }
    if (cs.n > 1) {
        qsort(cs.v, cs.n, sizeof *cs.v, cmp_addr);
    }
    /* Which candidates chain to the const pools by their headers alone:
     * in order of first qstr, so a pool's prev is decided before it. */
    struct cand **by = rc == RC_OK && cs.n ? malloc(cs.n * sizeof *by) : NULL;
    if (rc == RC_OK && cs.n && by == NULL) {
        rc = rc_set(c->msg, RC_NOMEM, "out of memory");
    }
    uint32_t top_refs = 0;
    if (rc == RC_OK && cs.n) {
        for (size_t i = 0; i < cs.n; i++) {
            by[i] = &cs.v[i];
        }
        qsort(by, cs.n, sizeof *by, cmp_first);
        for (size_t i = 0; i < cs.n; i++) {
            struct cand *k = by[i];
            k->state = 2;
            if (k->prev == top->addr) {
                k->state = k->first == total ? 1 : 2;
                continue;
            }
            int j = cand_find(&cs, k->prev);
            if (j >= 0 && cs.v[j].state == 1 && cs.v[j].first < k->first &&
                k->first == cs.v[j].first + cs.v[j].len && cs.v[j].len == cs.v[j].alloc) {
                k->state = 1;
                cs.v[j].pointed = 1;
            }
        }
    }
    /* References from RAM words that are not a chained pool's prev. */
    for (size_t r = 0; r < c->nram && rc == RC_OK; r++) {
        for (uint32_t o = (4 - (c->ram[r].addr & 3)) & 3; o + 4 <= c->ram[r].len; o += 4) {
            uint32_t v = le32(c->snap[r] + o);
            int self = cand_find(&cs, c->ram[r].addr + o);
            if (self >= 0 && cs.v[self].state == 1) {
                continue;
            }
            if (v == top->addr) {
                top_refs++;
            } else {
                int j = cand_find(&cs, v);
                if (j >= 0) {
                    cs.v[j].refs++;
                }
            }
        }
    }
    uint32_t heads[8];
    int nheads = 0;
    char why[300] = "";
    for (size_t i = 0; i < cs.n && rc == RC_OK; i++) {
        struct cand *k = &cs.v[i];
        if (k->state != 1 || k->pointed || k->refs == 0) {
            continue;
        }
        size_t keep = t->npools;
        int err;
        if (dyn_chain(c, k->addr, &err)) {
            rollback(t, keep);
            if (nheads < 8) {
                heads[nheads] = k->addr;
            }
            nheads++;
        } else if (err != RC_OK) {
            rc = err;
        } else if (why[0] == 0) {
            snprintf(why, sizeof why, "%s", c->why);
        }
    }
    if (rc == RC_OK && nheads > 1 && nheads <= 8 && c->n_pool > 0 && c->n_qstr >= 0) {
        /* The board counted its live heap pools (qstr_info): the chain
         * with exactly that many pools and qstrs. */
        int nmatch = 0;
        uint32_t match = 0;
        for (int h = 0; h < nheads; h++) {
            uint32_t a = heads[h];
            int64_t pools = 0, qstrs = 0;
            for (size_t steps = 0; a != top->addr && steps <= cs.n; steps++) {
                int j = cand_find(&cs, a);
                if (j < 0) {
                    pools = -1;
                    break;
                }
                pools++;
                qstrs += cs.v[j].len;
                a = cs.v[j].prev;
            }
            if (pools == c->n_pool && qstrs == c->n_qstr && a == top->addr) {
                nmatch++;
                match = heads[h];
            }
        }
        if (nmatch == 1) {
            heads[0] = match;
            nheads = 1;
        }
    }
    if (rc == RC_OK && nheads > 1 && nheads <= 8 && c->in_use != NULL) {
        /* Freed pools stay in RAM: the live chain is the one whose pools
         * the heap still holds, from its newest pool back to the const
         * pools. */
        int nlive = 0;
        uint32_t live = 0;
        for (int h = 0; h < nheads; h++) {
            int ok = 1;
            uint32_t a = heads[h];
            for (size_t steps = 0; ok && a != top->addr && steps <= cs.n; steps++) {
                int j = cand_find(&cs, a);
                if (j < 0) {
                    ok = 0;
                    break;
                }
                ok = c->in_use(c->in_use_ctx, a);
                a = cs.v[j].prev;
            }
            if (ok && a == top->addr) {
                nlive++;
                live = heads[h];
            }
        }
        if (nlive == 1) {
            heads[0] = live;
            nheads = 1;
        }
    }
    if (rc == RC_OK && nheads <= 1) {
        /* The one RAM word that holds the newest pool (a chained pool's
         * prev aside) is MP_STATE_VM(last_pool): where to look next time. */
        uint32_t head = nheads == 1 ? heads[0] : top->addr, at = 0, nat = 0;
        for (size_t r = 0; r < c->nram; r++) {
            for (uint32_t o = (4 - (c->ram[r].addr & 3)) & 3; o + 4 <= c->ram[r].len; o += 4) {
                int self = cand_find(&cs, c->ram[r].addr + o);
                if (le32(c->snap[r] + o) == head && (self < 0 || cs.v[self].state != 1) &&
                    !in_ranges(c->heap, c->nheap, c->ram[r].addr + o, 4, NULL)) {
                    at = c->ram[r].addr + o;
                    nat++;
                }
            }
        }
        c->last_word = nat == 1 ? at : 0;
    }
    free(by);
    free(cs.v);
    if (rc != RC_OK) {
        return rc;
    }
    if (nheads > 1) {
        return rc_set(c->msg, RC_PARSE, "RAM holds %d qstr pool chains that could be the live "
                      "one (newest pools at 0x%08x, 0x%08x%s); give the firmware's ELF so "
                      "mp_state_ctx tells", nheads, heads[0], heads[1], nheads > 2 ? ", ..." : "");
    }
    if (nheads == 0) {
        if (why[0] != 0) {
            return rc_set(c->msg, RC_PARSE, "%s", why);
        }
        snprintf(note, nsize, "%s", top_refs ? "" : ", none referenced");
        return RC_OK;
    }
    int err = RC_OK;
    if (!dyn_chain(c, heads[0], &err)) {
        return err != RC_OK ? err : rc_set(c->msg, RC_PARSE, "%s", c->why);
    }
    return RC_OK;
}

/* ---- a hint from an earlier search --------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int hint_refuse(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->t->hint_note, sizeof c->t->hint_note, fmt, ap);
    va_end(ap);
    return 0;
}

/* The layout a hint names, when it is one MicroPython has. */
static int hint_fmt(const struct qstr_hint *h, struct fmt *f)
{
    if (h->npools == 0 || h->npools > QSTR_HINT_POOLS || (h->lw != 1 && h->lw != 2)) {
        return 0;
    }
    if (h->fam == FAM_A && (h->hw == 1 || h->hw == 2) && h->hdr == 16) {
        *f = (struct fmt){FAM_A, h->hw, h->lw, 16};
        return 1;
    }
    if (h->fam == FAM_B && h->hw <= 2 && h->hdr == (h->hw ? 24u : 20u)) {
        *f = (struct fmt){FAM_B, h->hw, h->lw, h->hdr};
        return 1;
    }
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* SHA-256 of the layout, the first n pools' header fields and the text
 * of their qstrs (each with its length): what a hint's digest holds.
 * 0 when out of memory. */
static int pools_digest(const struct qstr_tab *t, size_t n, uint8_t out[32])
{
    uint32_t count = n ? t->pools[n - 1].first + t->pools[n - 1].len : 0;
    size_t text = count ? t->off[count] : 0;
    size_t size = 16 + 24 * n + 4 + 4 * (size_t)count + text;
    uint8_t *b = malloc(size ? size : 1), *p = b;
    if (b == NULL) {
        return 0;
    }
    put_le32(p, (uint32_t)t->f.fam);
    put_le32(p + 4, t->f.hw);
    put_le32(p + 8, t->f.lw);
    put_le32(p + 12, t->f.hdr);
    p += 16;
    for (size_t i = 0; i < n; i++, p += 24) {
        const struct pool *q = &t->pools[i];
        put_le32(p, q->addr);
        put_le32(p + 4, q->first);
        put_le32(p + 8, q->len);
        put_le32(p + 12, q->alloc);
        put_le32(p + 16, q->hashes);
        put_le32(p + 20, q->lengths);
    }
    put_le32(p, count);
    p += 4;
    for (uint32_t q = 0; q < count; q++, p += 4) {
        put_le32(p, t->off[q + 1] - t->off[q] - 1);
    }
    memcpy(p, t->text, text);
    recdec_sha256(b, size, out);
    free(b);
    return 1;
}

/* The const pools where the hint says, read and validated as the scan
 * would, and the same as when the hint was made (their header fields and
 * every qstr's bytes).  0 with t->hint_note when not (the table left
 * empty); a read that failed for good in *err. */
static int const_by_hint(struct ctx *c, int *err)
{
    const struct qstr_hint *h = c->hint;
    struct qstr_tab *t = c->t;
    struct fmt f;
    *err = RC_OK;
    if (!hint_fmt(h, &f)) {
        return hint_refuse(c, "its layout (family %u, hash %u, length %u, header %u, %u "
                           "pools) is not one MicroPython has", h->fam, h->hw, h->lw, h->hdr,
                           h->npools);
    }
    if (c->version != 0 && (c->version >= 12000) != (f.fam == FAM_B)) {
        return hint_refuse(c, "its %s layout is not the board's version's", fam_name(f.fam));
    }
    t->f = f;
    for (uint32_t i = 0; i < h->npools; i++) {
        const struct qstr_hint_pool *hp = &h->pools[i];
        uint8_t w[32];
        struct pool p;
        if (!in_flash(c, hp->addr, 16) || !read_hdr(c, hp->addr, w)) {
            *err = c->fatal;
            rollback(t, 0);
            return hint_refuse(c, "the const qstr pool at 0x%08x is not in flash", hp->addr);
        }
        parse(&p, hp->addr, w, &f);
        if (p.prev != (i ? h->pools[i - 1].addr : 0) || p.first != hp->first ||
            p.len != hp->len || p.alloc != hp->alloc || p.hashes != hp->hashes ||
            p.lengths != hp->lengths) {
            rollback(t, 0);
            return hint_refuse(c, "the const qstr pool at 0x%08x is not the one cached "
                               "(header: %u qstrs from %u, cached %u from %u)", hp->addr,
                               p.len, p.first, hp->len, hp->first);
        }
        const struct pool *prev = t->npools ? &t->pools[t->npools - 1] : NULL;
        if (!shape(c, &p, prev, &f, 0, 0) || !take(c, &p, err)) {
            rollback(t, 0);
            return *err != RC_OK ? 0 : hint_refuse(c, "%s", c->why);
        }
    }
    uint8_t d[32];
    if (!pools_digest(t, t->npools, d)) {
        rollback(t, 0);
        *err = rc_set(c->msg, RC_NOMEM, "out of memory");
        return 0;
    }
    if (t->count != h->count || memcmp(d, h->digest, sizeof d) != 0) {
        rollback(t, 0);
        return hint_refuse(c, "the const qstr pools at 0x%08x hold other qstrs than cached",
                           h->pools[0].addr);
    }
    return 1;
}

/* The heap pools from the word the hint says holds last_pool: the chain
 * it points at must validate, and agree with qstr_info's count and the
 * heap's allocation table when they are known.  0 with t->hint_note when
 * not (the table as it was). */
static int dyn_by_hint(struct ctx *c, int *err)
{
    struct qstr_tab *t = c->t;
    const struct pool *top = &t->pools[t->nconst - 1];
    uint32_t wa = c->hint->last_word;
    uint8_t b[4];
    *err = RC_OK;
    if ((wa & 3) != 0 || !in_ram(c, wa, 4) || !get(c, wa, 4, b)) {
        *err = c->fatal;
        return hint_refuse(c, "the cached last_pool word 0x%08x is not in RAM", wa);
    }
    uint32_t v = le32(b);
    size_t keep = t->npools;
    if (v != top->addr && !dyn_chain(c, v, err)) {
        return *err != RC_OK ? 0 : hint_refuse(c, "the cached last_pool word 0x%08x: %s",
                                               wa, c->why);
    }
    /* A pool's prev field holds a pool address too: the word must not
     * start a pool that continues the chain (then it is not the newest). */
    uint8_t w[32];
    if (in_ram(c, wa, 16) && read_hdr(c, wa, w)) {
        struct pool p;
        parse(&p, wa, w, &t->f);
        if (p.prev == v && p.first == t->count && p.len >= 1 && p.len <= p.alloc) {
            rollback(t, keep);
            return hint_refuse(c, "the cached last_pool word 0x%08x starts a qstr pool after "
                               "the one it points at", wa);
        }
    }
    if (c->fatal) {
        rollback(t, keep);
        *err = c->fatal;
        return 0;
    }
    uint32_t nq = 0;
    int live = 1;
    for (size_t i = keep; i < t->npools; i++) {
        nq += t->pools[i].len;
        if (c->in_use != NULL && !c->in_use(c->in_use_ctx, t->pools[i].addr)) {
            live = 0;
        }
    }
    if (c->n_pool > 0 && ((int64_t)(t->npools - keep) != c->n_pool ||
                          (int64_t)nq != c->n_qstr)) {
        rollback(t, keep);
        return hint_refuse(c, "the cached last_pool word 0x%08x leads to %zu heap pools of "
                           "%u qstrs, qstr_info says %d of %d", wa, t->npools - keep, nq,
                           (int)c->n_pool, (int)c->n_qstr);
    }
    if (!live) {
        rollback(t, keep);
        return hint_refuse(c, "the cached last_pool word 0x%08x leads to qstr pools the heap "
                           "does not hold", wa);
    }
    c->last_word = wa;
    return 1;
}

/* ---- the index ------------------------------------------------------------ */

static int cmp_q(const struct qstr_tab *t, uint32_t a, uint32_t b)
{
    size_t la = t->off[a + 1] - t->off[a] - 1, lb = t->off[b + 1] - t->off[b] - 1;
    int d = memcmp(t->text + t->off[a], t->text + t->off[b], la < lb ? la : lb);
    if (d != 0) {
        return d;
    }
    if (la != lb) {
        return la < lb ? -1 : 1;
    }
    return a < b ? -1 : a > b;
}

static void msort(const struct qstr_tab *t, uint32_t *v, uint32_t *tmp, size_t n)
{
    if (n < 2) {
        return;
    }
    size_t h = n / 2;
    msort(t, v, tmp, h);
    msort(t, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        tmp[k++] = cmp_q(t, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    }
    while (i < h) {
        tmp[k++] = v[i++];
    }
    while (j < n) {
        tmp[k++] = v[j++];
    }
    memcpy(v, tmp, n * sizeof *v);
}

static int build_index(struct qstr_tab *t, struct rc_msg *msg)
{
    size_t n = t->count > 1 ? t->count - 1 : 0;
    t->sorted = malloc((n ? n : 1) * sizeof *t->sorted);
    uint32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (t->sorted == NULL || tmp == NULL) {
        free(tmp);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        t->sorted[i] = (uint32_t)i + 1;
    }
    msort(t, t->sorted, tmp, n);
    free(tmp);
    return RC_OK;
}

/* ---- public ------------------------------------------------------------------ */

static void default_flash(struct ctx *c, const struct image *img)
{
    struct frozen_range r[QSTR_MAX_RANGES];
    size_t n = 0;
    for (size_t i = 0; img != NULL && i < img->nsegs; i++) {
        if (n == QSTR_MAX_RANGES) {
            /* Merge the two closest neighbours to make room. */
            size_t best = 0;
            uint64_t gap = UINT64_MAX;
            for (size_t k = 0; k + 1 < n; k++) {
                uint64_t g = r[k + 1].addr - ((uint64_t)r[k].addr + r[k].len);
                if (g < gap) {
                    gap = g;
                    best = k;
                }
            }
            r[best].len = r[best + 1].addr + r[best + 1].len - r[best].addr;
            memmove(&r[best + 1], &r[best + 2], (n - best - 2) * sizeof *r);
            n--;
        }
        r[n].addr = img->segs[i].addr;
        r[n].len = img->segs[i].len;
        n++;
    }
    memcpy(c->flash, r, n * sizeof *r);
    c->nflash = n;
}

int qstr_tab_new(struct qstr_tab **tab_out, const struct frozen_mem *mem,
                 const struct qstr_where *where, struct rc_msg *msg)
{
    *tab_out = NULL;
    if (mem == NULL || mem->read == NULL || where == NULL) {
        return rc_set(msg, RC_ARG, "qstr_tab_new: no memory to read");
    }
    if (where->version != 0 && where->version < 10900) {
        return rc_set(msg, RC_ARG, "MicroPython %u.%u: qstr pools are decoded from v1.9 on",
                      where->version / 10000, where->version / 100 % 100);
    }
    struct ctx *c = calloc(1, sizeof *c);
    struct qstr_tab *t = calloc(1, sizeof *t);
    struct blk *cache = calloc(NBLK, sizeof *cache);
    if (c == NULL || t == NULL || cache == NULL) {
        free(c);
        free(t);
        free(cache);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    c->mem = mem;
    c->msg = msg;
    c->t = t;
    c->cache = cache;
    c->version = where->version;
    c->in_use = where->in_use;
    c->in_use_ctx = where->in_use_ctx;
    c->n_pool = where->n_pool;
    c->n_qstr = where->n_qstr;
    c->img = where->img != NULL && where->img->nsyms > 0 ? where->img : NULL;
    c->nflash = where->nflash < QSTR_MAX_RANGES ? where->nflash : QSTR_MAX_RANGES;
    memcpy(c->flash, where->flash, c->nflash * sizeof *c->flash);
    c->nram = where->nram < QSTR_MAX_RANGES ? where->nram : QSTR_MAX_RANGES;
    memcpy(c->ram, where->ram, c->nram * sizeof *c->ram);
    int rc = RC_OK;
    uint64_t rt = 0;
    for (size_t i = 0; i < c->nram; i++) {
        rt += c->ram[i].len;
        if ((uint64_t)c->ram[i].addr + c->ram[i].len > 0x100000000ull) {
            rc = rc_set(msg, RC_ARG, "RAM range 0x%08x + %u runs past 4 GiB", c->ram[i].addr,
                        c->ram[i].len);
        }
    }
    for (size_t i = 0; i < c->nflash; i++) {
        if ((uint64_t)c->flash[i].addr + c->flash[i].len > 0x100000000ull) {
            rc = rc_set(msg, RC_ARG, "flash range 0x%08x + %u runs past 4 GiB",
                        c->flash[i].addr, c->flash[i].len);
        }
    }
    if (rc == RC_OK && rt > MAX_RAM) {
        rc = rc_set(msg, RC_ARG, "%llu bytes of RAM to search for qstr pools; at most %u MiB",
                    (unsigned long long)rt, MAX_RAM >> 20);
    }
    c->ram_total = (uint32_t)rt;
    if (rc == RC_OK && c->nflash == 0) {
        default_flash(c, where->img);
    }
    if (rc == RC_OK && c->nflash == 0) {
        rc = rc_set(msg, RC_ARG, "no flash to find the qstr pools in: give the firmware image "
                    "or a flash range");
    }
    const struct image_sym *cs = sym(c->img, "mp_qstr_frozen_const_pool");
    if (cs == NULL) {
        cs = sym(c->img, "mp_qstr_const_pool");
    }
    c->hint = where->hint;
    c->nheap = where->nheap < QSTR_MAX_RANGES ? where->nheap : QSTR_MAX_RANGES;
    memcpy(c->heap, where->heap, c->nheap * sizeof *c->heap);
    if (rc == RC_OK && cs != NULL) {
        rc = const_by_sym(c, cs);
    } else if (rc == RC_OK) {
        int done = 0;
        if (c->hint != NULL) {
            done = const_by_hint(c, &rc);
            t->hint_used |= done ? QSTR_HINT_CONST : 0;
        }
        if (rc == RC_OK && !done) {
            rc = scan_flash(c);
        }
    }
    t->nconst = t->npools;
    if (rc == RC_OK && t->nconst > 0 && t->nconst <= QSTR_HINT_POOLS) {
        struct qstr_hint *h = &t->learned;
        h->fam = (uint32_t)t->f.fam;
        h->hw = t->f.hw;
        h->lw = t->f.lw;
        h->hdr = t->f.hdr;
        h->npools = (uint32_t)t->nconst;
        for (size_t i = 0; i < t->nconst; i++) {
            const struct pool *p = &t->pools[i];
            h->pools[i] = (struct qstr_hint_pool){p->addr, p->first, p->len, p->alloc,
                                                  p->hashes, p->lengths};
        }
        h->count = t->count;
        t->have_learned = pools_digest(t, t->nconst, h->digest);
    }
    char note[80] = "";
    const struct image_sym *ss = sym(c->img, "mp_state_ctx");
    if (rc == RC_OK && c->nram > 0 && ss != NULL) {
        rc = dyn_by_state(c, ss, note, sizeof note);
    } else if (rc == RC_OK && c->nram > 0) {
        int done = 0;
        if ((t->hint_used & QSTR_HINT_CONST) && c->hint->last_word != 0) {
            done = dyn_by_hint(c, &rc);
            t->hint_used |= done ? QSTR_HINT_LAST : 0;
        }
        if (rc == RC_OK && !done) {
            rc = dyn_by_scan(c, note, sizeof note);
        }
    }
    t->learned.last_word = c->last_word;
    if (rc == RC_OK && c->fatal) {
        rc = c->fatal;
    }
    if (rc == RC_OK) {
        rc = build_index(t, msg);
    }
    if (rc == RC_OK) {
        uint32_t nd = 0;
        for (size_t i = t->nconst; i < t->npools; i++) {
            nd += t->pools[i].len;
        }
        char dyn[120];
        if (c->nram == 0) {
            snprintf(dyn, sizeof dyn, "RAM not read");
        } else {
            snprintf(dyn, sizeof dyn, "dynamic %u qstrs in %zu pool%s in RAM%s", nd,
                     t->npools - t->nconst, t->npools - t->nconst == 1 ? "" : "s", note);
        }
        snprintf(t->layout, sizeof t->layout,
                 "%s pools: %zu (const %u qstrs in flash at 0x%08x, %s), hash %u byte%s, "
                 "length %u byte%s", fam_name(t->f.fam), t->npools, t->count - nd,
                 t->pools[0].addr, dyn, t->f.hw, t->f.hw == 1 ? "" : "s", t->f.lw,
                 t->f.lw == 1 ? "" : "s");
    }
    for (size_t r = 0; r < QSTR_MAX_RANGES; r++) {
        free(c->snap[r]);
    }
    free(c->cache);
    free(c);
    if (rc != RC_OK) {
        qstr_tab_free(t);
        return rc;
    }
    *tab_out = t;
    return RC_OK;
}

void qstr_tab_free(struct qstr_tab *tab)
{
    if (tab == NULL) {
        return;
    }
    free(tab->off);
    free(tab->text);
    free(tab->sorted);
    free(tab);
}

int qstr_bytes(const struct qstr_tab *tab, uint32_t q, const char **data,
               size_t *len, struct rc_msg *msg)
{
    if (tab == NULL) {
        return rc_set(msg, RC_ARG, "no qstr table");
    }
    if (q >= tab->count) {
        return rc_set(msg, RC_NOTFOUND, "qstr %u is past the last pool (%u qstrs)", q,
                      tab->count);
    }
    *data = tab->text + tab->off[q];
    *len = tab->off[q + 1] - tab->off[q] - 1;
    return RC_OK;
}

int qstr_text(void *tab, uint32_t q, char *buf, size_t size, struct rc_msg *msg)
{
    const char *d;
    size_t n;
    if (buf == NULL || size == 0) {
        return rc_set(msg, RC_ARG, "qstr_text: no buffer");
    }
    buf[0] = 0;
    int rc = qstr_bytes(tab, q, &d, &n, msg);
    if (rc != RC_OK) {
        return rc;
    }
    if (n < size) {
        memcpy(buf, d, n + 1);
    } else if (size > 3) {
        memcpy(buf, d, size - 4);
        memcpy(buf + size - 4, "...", 4);
    } else {
        memset(buf, '.', size - 1);
        buf[size - 1] = 0;
    }
    return RC_OK;
}

uint32_t qstr_count(const struct qstr_tab *tab)
{
    return tab != NULL ? tab->count : 0;
}

int qstr_lookup_n(const struct qstr_tab *tab, const char *name, size_t len,
                  uint32_t *q, struct rc_msg *msg)
{
    if (tab == NULL || name == NULL || q == NULL) {
        return rc_set(msg, RC_ARG, "qstr_lookup: nothing to look up");
    }
    size_t lo = 0, hi = tab->count > 1 ? tab->count - 1 : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t m = tab->sorted[mid];
        size_t ml = tab->off[m + 1] - tab->off[m] - 1;
        int d = memcmp(tab->text + tab->off[m], name, ml < len ? ml : len);
        if (d < 0 || (d == 0 && ml < len)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (tab->count > 1 && lo < tab->count - 1) {
        uint32_t m = tab->sorted[lo];
        if (tab->off[m + 1] - tab->off[m] - 1 == len &&
            memcmp(tab->text + tab->off[m], name, len) == 0) {
            *q = m;
            return RC_OK;
        }
    }
    return rc_set(msg, RC_NOTFOUND, "no qstr \"%.*s\"", len > 60 ? 60 : (int)len, name);
}

int qstr_lookup(const struct qstr_tab *tab, const char *name, uint32_t *q,
                struct rc_msg *msg)
{
    if (name == NULL) {
        return rc_set(msg, RC_ARG, "qstr_lookup: nothing to look up");
    }
    return qstr_lookup_n(tab, name, strlen(name), q, msg);
}

int qstr_hint_get(const struct qstr_tab *tab, struct qstr_hint *out)
{
    if (tab == NULL || !tab->have_learned) {
        return 0;
    }
    *out = tab->learned;
    return 1;
}

unsigned qstr_hint_used(const struct qstr_tab *tab)
{
    return tab != NULL ? tab->hint_used : 0;
}

const char *qstr_hint_note(const struct qstr_tab *tab)
{
    return tab != NULL ? tab->hint_note : "";
}

const char *qstr_layout(const struct qstr_tab *tab)
{
    return tab != NULL ? tab->layout : "";
}

int qstr_pool(const struct qstr_tab *tab, size_t i, uint32_t *addr,
              uint32_t *first, uint32_t *len, int *in_ram_out)
{
    if (tab == NULL || i >= tab->npools) {
        return 0;
    }
    *addr = tab->pools[i].addr;
    *first = tab->pools[i].first;
    *len = tab->pools[i].len;
    *in_ram_out = tab->pools[i].in_ram;
    return 1;
}
