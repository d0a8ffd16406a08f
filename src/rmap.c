/*
 * rmap.c: the merged memory map (see rmap.h).
 */
#include "rmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#define MAX_NOTES 64

struct rmap {
    struct rmap_region *r;
    size_t n, cap;
    char *notes[MAX_NOTES];
    size_t nnotes;
    /* After rmap_finish: the address space cut at every region boundary,
     * with the innermost region of each piece (-1 for none), so a lookup is
     * a binary search.  indexed is 0 until then (and after rmap_add). */
    uint64_t *cut;
    int *cut_best;
    size_t ncut;
    /* The same for image regions alone. */
    uint64_t *icut;
    int *icut_best;
    size_t nicut;
    int indexed;
};

static const char *const kind_names[RMAP_K_COUNT] = {
    "flash", "ram", "rom", "peripheral", "heap", "stack",
    "filesystem", "partition", "frozen", "unmapped", "other", "gc-table",
};

const char *rmap_kind_name(enum rmap_kind k)
{
    return (unsigned)k < RMAP_K_COUNT ? kind_names[k] : "?";
}

int rmap_kind_parse(const char *s, enum rmap_kind *out)
{
    for (int i = 0; i < RMAP_K_COUNT; i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum rmap_kind)i;
            return RC_OK;
        }
    }
    return RC_PARSE;
}

const char *rmap_source_name(enum rmap_source s)
{
    switch (s) {
    case RMAP_S_BOARD: return "board";
    case RMAP_S_LD: return "linker script";
    case RMAP_S_PROFILE: return "profile";
    case RMAP_S_IMAGE: return "image";
    }
    return "?";
}

const char *rmap_access_name(enum rmap_access a)
{
    switch (a) {
    case RMAP_ACC_UNKNOWN: return "unknown";
    case RMAP_ACC_NONE: return "none";
    case RMAP_ACC_READ: return "read";
    case RMAP_ACC_WORD: return "word";
    }
    return "?";
}

int rmap_access_parse(const char *s, enum rmap_access *out)
{
    static const enum rmap_access all[] = {RMAP_ACC_UNKNOWN, RMAP_ACC_NONE,
                                           RMAP_ACC_READ, RMAP_ACC_WORD};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, rmap_access_name(all[i])) == 0) {
            *out = all[i];
            return RC_OK;
        }
    }
    return RC_PARSE;
}

void rmap_attrs_text(unsigned attrs, char out[4])
{
    out[0] = attrs & RMAP_A_R ? 'r' : '-';
    out[1] = attrs & RMAP_A_W ? 'w' : '-';
    out[2] = attrs & RMAP_A_X ? 'x' : '-';
    out[3] = 0;
}

int rmap_attrs_parse(const char *s, unsigned *out)
{
    unsigned a = 0;
    for (; *s; s++) {
        switch (*s) {
        case 'r': case 'R': a |= RMAP_A_R; break;
        case 'w': case 'W': a |= RMAP_A_W; break;
        case 'x': case 'X': a |= RMAP_A_X; break;
        case '-': break;
        default: return RC_PARSE;
        }
    }
    *out = a;
    return RC_OK;
}

int rmap_new(struct rmap **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? RC_OK : RC_NOMEM;
}

void rmap_free(struct rmap *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->nnotes; i++) {
        free(m->notes[i]);
    }
    free(m->r);
    free(m->cut);
    free(m->cut_best);
    free(m->icut);
    free(m->icut_best);
    free(m);
}

int rmap_add(struct rmap *m, const struct rmap_region *r)
{
    if (r->end <= r->start || r->end > 0x100000000ULL) {
        return RC_ARG;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        struct rmap_region *t = realloc(m->r, cap * sizeof *t);
        if (t == NULL) {
            return RC_NOMEM;
        }
        m->r = t;
        m->cap = cap;
    }
    m->r[m->n] = *r;
    m->r[m->n].parent = -1;
    m->r[m->n].depth = 0;
    m->n++;
    m->indexed = 0;
    return RC_OK;
}

size_t rmap_vouched(const struct rmap *m, enum rmap_kind kind, int unsafe,
                    uint32_t *starts, uint32_t *lens, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; m != NULL && i < m->n && n < max; i++) {
        const struct rmap_region *r = &m->r[i];
        int word_only = 0;
        if (r->parent >= 0 || r->kind != kind || r->source == RMAP_S_LD ||
            r->source == RMAP_S_IMAGE || r->end - r->start > 0xffffffffULL ||
            (!unsafe && rmap_check_read(m, r->start, r->end - r->start, &word_only,
                                        NULL) != RC_OK)) {
            continue;
        }
        starts[n] = r->start;
        lens[n] = (uint32_t)(r->end - r->start);
        n++;
    }
    return n;
}

int rmap_widen(struct rmap *m, uint32_t addr, uint64_t end, enum rmap_kind kind,
               const char *why, struct rmap_region *was_out)
{
    if (end > 0x100000000ULL) {
        return 0;
    }
    for (size_t i = 0; i < m->n; i++) {
        struct rmap_region *r = &m->r[i];
        if (r->source != RMAP_S_PROFILE || r->kind != kind || addr < r->start ||
            addr >= r->end || end <= r->end) {
            continue;
        }
        if (was_out != NULL) {
            *was_out = *r;
        }
        r->end = end;
        size_t l = strlen(r->notes);
        snprintf(r->notes + l, sizeof r->notes - l, "%s%s", l ? "; " : "", why);
        m->indexed = 0;
        return 1;
    }
    return 0;
}

void rmap_note(struct rmap *m, const char *fmt, ...)
{
    if (m->nnotes == MAX_NOTES) {
        return;
    }
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < m->nnotes; i++) {
        if (strcmp(m->notes[i], text) == 0) {
            return;
        }
    }
    m->notes[m->nnotes] = strdup(text);
    if (m->notes[m->nnotes] != NULL) {
        m->nnotes++;
    }
}

size_t rmap_count(const struct rmap *m)
{
    return m->n;
}

const struct rmap_region *rmap_get(const struct rmap *m, size_t i)
{
    return i < m->n ? &m->r[i] : NULL;
}

size_t rmap_note_count(const struct rmap *m)
{
    return m->nnotes;
}

const char *rmap_note_text(const struct rmap *m, size_t i)
{
    return i < m->nnotes ? m->notes[i] : "";
}

static int cmp_region(const void *a, const void *b)
{
    const struct rmap_region *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    if (x->end != y->end) {
        return x->end > y->end ? -1 : 1; /* the bigger one first: parent */
    }
    /* Same extent: board before profile before linker script. */
    static const int rank[] = {[RMAP_S_BOARD] = 0, [RMAP_S_PROFILE] = 1,
                               [RMAP_S_LD] = 2, [RMAP_S_IMAGE] = 3};
    if (x->source != y->source) {
        return rank[x->source] - rank[y->source];
    }
    return strcmp(x->name, y->name);
}

static void append_note(struct rmap_region *r, const char *text)
{
    size_t n = strlen(r->notes);
    if (strstr(r->notes, text) != NULL) {
        return;
    }
    snprintf(r->notes + n, sizeof r->notes - n, "%s%s", n ? "; " : "", text);
}

static int is_memory_kind(enum rmap_kind k)
{
    return k == RMAP_K_FLASH || k == RMAP_K_RAM || k == RMAP_K_ROM;
}

/* Two overlapping regions a before b (sorted): note a conflict when both
 * are memories from different sources and neither holds the other. */
static void note_conflict(struct rmap_region *a, struct rmap_region *b)
{
    if (a->source == b->source || !is_memory_kind(a->kind) ||
        !is_memory_kind(b->kind)) {
        return;
    }
    int same_start = a->start == b->start;
    if (same_start && a->end > b->end && b->source == RMAP_S_IMAGE) {
        return; /* an image smaller than the memory it is in: it fits */
    }
    if (same_start && a->end != b->end) {
        char sa[24], sb[24], t[200];
        fmt_size(a->end - a->start, sa, sizeof sa);
        fmt_size(b->end - b->start, sb, sizeof sb);
        snprintf(t, sizeof t, "conflict: %s says %s, %s says %s",
                 rmap_source_name(a->source), sa,
                 rmap_source_name(b->source), sb);
        append_note(a, t);
        append_note(b, t);
    } else if (b->end > a->end) {
        char t[200];
        snprintf(t, sizeof t, "conflict: overlaps %s (%s) partly",
                 b->name, rmap_source_name(b->source));
        append_note(a, t);
        snprintf(t, sizeof t, "conflict: overlaps %s (%s) partly",
                 a->name, rmap_source_name(a->source));
        append_note(b, t);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Index of v in the sorted unique array u[n] (v is there). */
static size_t rank_of(const uint64_t *u, size_t n, uint64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u[mid] < v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Is container j a better parent than k (-1: none)?  The smaller one; of
 * two the same size, the later in the sorted order (the nearer). */
static int better_parent(const struct rmap *m, int j, int k)
{
    if (k < 0) {
        return 1;
    }
    uint64_t sj = m->r[j].end - m->r[j].start, sk = m->r[k].end - m->r[k].start;
    return sj < sk || (sj == sk && j > k);
}

/*
 * Each region's parent: the smallest earlier region (in the sorted order,
 * so starting at or before it) that ends at or after it.  A Fenwick tree
 * over the end addresses, largest first, answers "the best region so far
 * ending at or after E" in log n.  On failure to allocate, the plain
 * quadratic walk.
 */
static void set_parents(struct rmap *m)
{
    size_t n = m->n;
    uint64_t *ends = malloc((n ? n : 1) * sizeof *ends);
    int *tree = malloc((n + 1) * sizeof *tree);
    size_t nu = 0;
    if (ends != NULL && tree != NULL) {
        for (size_t i = 0; i < n; i++) {
            ends[i] = m->r[i].end;
        }
        qsort(ends, n, sizeof *ends, cmp_u64);
        for (size_t i = 0; i < n; i++) {
            if (nu == 0 || ends[nu - 1] != ends[i]) {
                ends[nu++] = ends[i];
            }
        }
        for (size_t i = 0; i <= nu; i++) {
            tree[i] = -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct rmap_region *r = &m->r[i];
        r->parent = -1;
        r->depth = 0;
        if (ends == NULL || tree == NULL) {
            for (size_t j = i; j-- > 0;) {
                const struct rmap_region *p = &m->r[j];
                if (p->start <= r->start && r->end <= p->end &&
                    better_parent(m, (int)j, r->parent)) {
                    r->parent = (int)j;
                }
            }
        } else {
            /* Position 1 is the largest end: ends >= E are 1..pos(E). */
            size_t pos = nu - rank_of(ends, nu, r->end);
            for (size_t x = pos; x > 0; x -= x & (~x + 1)) {
                if (tree[x] >= 0 && better_parent(m, tree[x], r->parent)) {
                    r->parent = tree[x];
                }
            }
            for (size_t x = pos; x <= nu; x += x & (~x + 1)) {
                if (better_parent(m, (int)i, tree[x])) {
                    tree[x] = (int)i;
                }
            }
        }
        if (r->parent >= 0) {
            r->depth = m->r[r->parent].depth + 1;
        }
    }
    free(ends);
    free(tree);
}

/* Does region a answer a lookup before b (both holding the address)? */
static int lookup_before(const struct rmap *m, int a, int b)
{
    const struct rmap_region *x = &m->r[a], *y = &m->r[b];
    uint64_t sx = x->end - x->start, sy = y->end - y->start;
    int ix = x->source == RMAP_S_IMAGE, iy = y->source == RMAP_S_IMAGE;
    if (ix != iy) {
        return iy; /* the memory names the address, not an image's bytes */
    }
    if (sx != sy) {
        return sx < sy;
    }
    if (x->depth != y->depth) {
        return x->depth > y->depth;
    }
    return a < b;
}

static void heap_push(const struct rmap *m, int *h, size_t *n, int v)
{
    size_t i = (*n)++;
    h[i] = v;
    while (i > 0 && lookup_before(m, h[i], h[(i - 1) / 2])) {
        int t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_pop(const struct rmap *m, int *h, size_t *n)
{
    h[0] = h[--*n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < *n && lookup_before(m, h[l], h[b])) {
            b = l;
        }
        if (r < *n && lookup_before(m, h[r], h[b])) {
            b = r;
        }
        if (b == i) {
            break;
        }
        int t = h[i];
        h[i] = h[b];
        h[b] = t;
        i = b;
    }
}

/* Cut the address space at every start and end of the regions chosen
 * (images_only) and note the region naming each piece: one sweep with a
 * heap of the open regions.  0 when out of memory. */
static int build_cuts(const struct rmap *m, int images_only, uint64_t **cut_out,
                      int **best_out, size_t *n_out)
{
    size_t n = m->n;
    uint64_t *cut = malloc((2 * n + 1) * sizeof *cut);
    int *best = malloc((2 * n + 1) * sizeof *best);
    int *heap = malloc((n + 1) * sizeof *heap);
    *cut_out = NULL;
    *best_out = NULL;
    *n_out = 0;
    if (cut == NULL || best == NULL || heap == NULL) {
        free(cut);
        free(best);
        free(heap);
        return 0;
    }
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!images_only || m->r[i].source == RMAP_S_IMAGE) {
            cut[nc++] = m->r[i].start;
            cut[nc++] = m->r[i].end;
        }
    }
    qsort(cut, nc, sizeof *cut, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < nc; i++) {
        if (u == 0 || cut[u - 1] != cut[i]) {
            cut[u++] = cut[i];
        }
    }
    size_t nh = 0, next = 0;
    for (size_t k = 0; k < u; k++) {
        while (next < n && m->r[next].start <= cut[k]) {
            if (!images_only || m->r[next].source == RMAP_S_IMAGE) {
                heap_push(m, heap, &nh, (int)next);
            }
            next++;
        }
        while (nh > 0 && m->r[heap[0]].end <= cut[k]) {
            heap_pop(m, heap, &nh);
        }
        best[k] = nh > 0 ? heap[0] : -1;
    }
    free(heap);
    *cut_out = cut;
    *best_out = best;
    *n_out = u;
    return 1;
}

static void build_index(struct rmap *m)
{
    free(m->cut);
    free(m->cut_best);
    free(m->icut);
    free(m->icut_best);
    m->indexed = build_cuts(m, 0, &m->cut, &m->cut_best, &m->ncut) &&
                 build_cuts(m, 1, &m->icut, &m->icut_best, &m->nicut);
}

/* An image region's guessed kind: that of the innermost region of another
 * source holding it (the micro:bit's UICR bytes are not flash). */
static void settle_guessed_kinds(struct rmap *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct rmap_region *r = &m->r[i];
        if (!r->kind_guess) {
            continue;
        }
        for (int p = r->parent; p >= 0; p = m->r[p].parent) {
            if (m->r[p].source != RMAP_S_IMAGE) {
                r->kind = m->r[p].kind;
                break;
            }
        }
    }
}

void rmap_finish(struct rmap *m)
{
    if (m->n > 1) {
        qsort(m->r, m->n, sizeof *m->r, cmp_region);
    }
    /* The same region from two sources (the board measured what the
     * profile says): keep the better source, say the other agrees.  The
     * sort put the better one first. */
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (w > 0) {
            struct rmap_region *k = &m->r[w - 1];
            const struct rmap_region *r = &m->r[i];
            if (k->start == r->start && k->end == r->end && k->kind == r->kind &&
                strcmp(k->name, r->name) == 0 && k->source != r->source) {
                char t[64];
                snprintf(t, sizeof t, "%s agrees", rmap_source_name(r->source));
                append_note(k, t);
                if (k->access == RMAP_ACC_UNKNOWN) {
                    k->access = r->access;
                }
                continue;
            }
        }
        m->r[w++] = m->r[i];
    }
    m->n = w;
    set_parents(m);
    settle_guessed_kinds(m);
    /* Conflicts: two memories from different sources that overlap without
     * one being the same as, or inside, the other.  An image's regions
     * never conflict with each other (one source), so for a region of an
     * image only the regions of other sources are looked at: a map of many
     * image segments stays n log n. */
    size_t *others = malloc((m->n ? m->n : 1) * sizeof *others);
    size_t nothers = 0;
    for (size_t i = 0; others != NULL && i < m->n; i++) {
        if (m->r[i].source != RMAP_S_IMAGE && is_memory_kind(m->r[i].kind)) {
            others[nothers++] = i;
        }
    }
    for (size_t i = 0; i < m->n; i++) {
        struct rmap_region *a = &m->r[i];
        if (!is_memory_kind(a->kind)) {
            continue;
        }
        if (a->source != RMAP_S_IMAGE || others == NULL) {
            for (size_t j = i + 1; j < m->n && m->r[j].start < a->end; j++) {
                note_conflict(a, &m->r[j]);
            }
            continue;
        }
        /* The first region of another source after i. */
        size_t lo = 0, hi = nothers;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (others[mid] <= i) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (size_t k = lo; k < nothers && m->r[others[k]].start < a->end; k++) {
            note_conflict(a, &m->r[others[k]]);
        }
    }
    free(others);
    build_index(m);
}

/* The region of the last cut at or below addr, or NULL. */
static const struct rmap_region *cut_lookup(const struct rmap *m, const uint64_t *cut,
                                            const int *best, size_t n, uint32_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cut[mid] <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo > 0 && best[lo - 1] >= 0 ? &m->r[best[lo - 1]] : NULL;
}

/* The plain walk (before rmap_finish): the best region by lookup_before
 * among those holding addr; images only, or any (prefer_memory: as
 * rmap_lookup; else by size alone, as rmap_lookup_inner). */
static const struct rmap_region *walk_lookup(const struct rmap *m, uint32_t addr,
                                             int images_only, int prefer_memory)
{
    int best = -1;
    for (size_t i = 0; i < m->n; i++) {
        const struct rmap_region *r = &m->r[i];
        if (r->start > addr || addr >= r->end ||
            (images_only && r->source != RMAP_S_IMAGE)) {
            continue;
        }
        if (best < 0) {
            best = (int)i;
            continue;
        }
        const struct rmap_region *b = &m->r[best];
        uint64_t sr = r->end - r->start, sb = b->end - b->start;
        if (prefer_memory ? lookup_before(m, (int)i, best)
                          : (sr < sb || (sr == sb && r->depth > b->depth))) {
            best = (int)i;
        }
    }
    return best >= 0 ? &m->r[best] : NULL;
}

const struct rmap_region *rmap_lookup(const struct rmap *m, uint32_t addr)
{
    if (m->indexed) {
        return cut_lookup(m, m->cut, m->cut_best, m->ncut, addr);
    }
    return walk_lookup(m, addr, 0, 1);
}

const struct rmap_region *rmap_lookup_image(const struct rmap *m, uint32_t addr)
{
    if (m->indexed) {
        return cut_lookup(m, m->icut, m->icut_best, m->nicut, addr);
    }
    return walk_lookup(m, addr, 1, 1);
}

const struct rmap_region *rmap_lookup_inner(const struct rmap *m, uint32_t addr)
{
    const struct rmap_region *r = rmap_lookup(m, addr);
    const struct rmap_region *img = rmap_lookup_image(m, addr);
    if (img == NULL) {
        return r;
    }
    if (r == NULL) {
        return img;
    }
    /* The image region when it lies inside r (r is among its parents). */
    for (int p = img->parent; p >= 0; p = m->r[p].parent) {
        if (&m->r[p] == r) {
            return img;
        }
    }
    uint64_t si = img->end - img->start, sr = r->end - r->start;
    return si < sr ? img : r;
}

/* Does the map say anything about mapping (board or profile access)? */
static int has_authority(const struct rmap *m)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->r[i].source != RMAP_S_LD && m->r[i].source != RMAP_S_IMAGE &&
            m->r[i].access != RMAP_ACC_UNKNOWN) {
            return 1;
        }
    }
    return 0;
}

/* Access at addr: what the innermost region with a statement about it
 * says (a measured flash inside a larger window decides for its bytes), and
 * where that answer may change (*until). */
static enum rmap_access access_at(const struct rmap *m, uint64_t addr,
                                  int authority, uint64_t *until)
{
    const struct rmap_region *best = NULL;
    enum rmap_access acc = RMAP_ACC_UNKNOWN;
    uint64_t end = 0x100000000ULL;
    for (size_t i = 0; i < m->n; i++) {
        const struct rmap_region *r = &m->r[i];
        if (authority && r->source == RMAP_S_IMAGE) {
            continue; /* says nothing about access; many segments cost steps */
        }
        if (r->start > addr) {
            if (r->start < end) {
                end = r->start;
            }
            continue;
        }
        if (addr >= r->end) {
            continue;
        }
        if (r->end < end) {
            end = r->end;
        }
        enum rmap_access a = r->access;
        if (!authority && (r->source == RMAP_S_LD || r->source == RMAP_S_IMAGE)) {
            a = RMAP_ACC_READ;
        }
        if (a == RMAP_ACC_UNKNOWN) {
            continue;
        }
        uint64_t size = r->end - r->start;
        if (best == NULL || size < best->end - best->start ||
            (size == best->end - best->start && a == RMAP_ACC_NONE)) {
            best = r;
            acc = a;
        }
    }
    *until = end;
    return acc;
}

int rmap_check_read(const struct rmap *m, uint32_t addr, uint64_t len,
                    int *word_only, struct rc_msg *msg)
{
    int authority = has_authority(m);
    uint64_t a = addr, end = (uint64_t)addr + len;
    *word_only = 0;
    while (a < end) {
        uint64_t until;
        enum rmap_access acc = access_at(m, a, authority, &until);
        if (acc == RMAP_ACC_READ || acc == RMAP_ACC_WORD) {
            *word_only |= acc == RMAP_ACC_WORD;
            a = until;
            continue;
        }
        if (msg == NULL) {
            return RC_ARG; /* a quick question (drawing, the worker) */
        }
        /* Name what is around the first bad address. */
        const struct rmap_region *below = NULL, *above = NULL, *at = NULL;
        for (size_t i = 0; i < m->n; i++) {
            const struct rmap_region *r = &m->r[i];
            if (r->start <= a && a < r->end) {
                at = r;
            } else if (r->end <= a && (below == NULL || r->end > below->end)) {
                below = r;
            } else if (r->start > a && (above == NULL || r->start < above->start)) {
                above = r;
            }
        }
        char near[300] = "";
        size_t o = 0;
        if (below != NULL) {
            o += (size_t)snprintf(near + o, sizeof near - o,
                                  "%s 0x%08x-0x%08llx below", below->name,
                                  (unsigned)below->start,
                                  (unsigned long long)below->end);
        }
        if (above != NULL && o < sizeof near) {
            snprintf(near + o, sizeof near - o, "%s%s 0x%08x-0x%08llx above",
                     o ? ", " : "", above->name, (unsigned)above->start,
                     (unsigned long long)above->end);
        }
        if (at != NULL && acc == RMAP_ACC_NONE) {
            return rc_set(msg, RC_ARG,
                          "0x%08llx is in %s (%s), which is not safe to read "
                          "(%s); use --unsafe to read it anyway",
                          (unsigned long long)a, at->name,
                          rmap_kind_name(at->kind),
                          at->notes[0] ? at->notes : "reads can fault or "
                          "have side effects");
        }
        return rc_set(msg, RC_ARG,
                      "0x%08llx is outside the memory known to be mapped "
                      "(nearest: %s); reading unmapped memory can hang the "
                      "board: check the address, or use --unsafe to read "
                      "anyway", (unsigned long long)a,
                      near[0] ? near : "no regions known");
    }
    return RC_OK;
}

/* A region's name and notes as the table shows them (escaped). */
struct shown_region {
    char name[4 * 48];
    char notes[4 * 200];
};

static void show_region(const struct rmap_region *r, struct shown_region *o)
{
    fmt_esc(r->name, o->name, sizeof o->name);
    fmt_esc(r->notes, o->notes, sizeof o->notes);
}

int rmap_format(const struct rmap *m, enum rmap_format fmt, struct buf *out)
{
    char attrs[4], size[24];
    if (fmt == RMAP_FMT_CSV) {
        buf_addstr(out, "name,start,end,size,attrs,kind,source,notes\n");
        for (size_t i = 0; i < m->n; i++) {
            const struct rmap_region *r = &m->r[i];
            rmap_attrs_text(r->attrs, attrs);
            fmt_csv_field(out, r->name);
            buf_printf(out, ",0x%08x,0x%08llx,0x%llx,%s,%s,", (unsigned)r->start,
                       (unsigned long long)r->end,
                       (unsigned long long)(r->end - r->start), attrs,
                       rmap_kind_name(r->kind));
            fmt_csv_field(out, rmap_source_name(r->source));
            buf_addstr(out, ",");
            fmt_csv_field(out, r->notes);
            buf_addstr(out, "\n");
        }
        return buf_failed(out) ? RC_NOMEM : RC_OK;
    }
    if (fmt == RMAP_FMT_JSON) {
        buf_addstr(out, "{\"regions\": [");
        for (size_t i = 0; i < m->n; i++) {
            const struct rmap_region *r = &m->r[i];
            rmap_attrs_text(r->attrs, attrs);
            buf_addstr(out, i ? ",\n  {" : "\n  {");
            buf_addstr(out, "\"name\": ");
            fmt_json_str(out, r->name);
            buf_printf(out, ", \"start\": %u, \"end\": %llu, \"size\": %llu, "
                       "\"attrs\": \"%s\", \"kind\": \"%s\", \"source\": \"%s\", "
                       "\"access\": \"%s\", \"parent\": ", (unsigned)r->start,
                       (unsigned long long)r->end,
                       (unsigned long long)(r->end - r->start), attrs,
                       rmap_kind_name(r->kind), rmap_source_name(r->source),
                       rmap_access_name(r->access));
            if (r->parent >= 0) {
                fmt_json_str(out, m->r[r->parent].name);
            } else {
                buf_addstr(out, "null");
            }
            buf_addstr(out, ", \"notes\": ");
            fmt_json_str(out, r->notes);
            buf_addstr(out, "}");
        }
        buf_addstr(out, "\n], \"notes\": [");
        for (size_t i = 0; i < m->nnotes; i++) {
            buf_addstr(out, i ? ", " : "");
            fmt_json_str(out, m->notes[i]);
        }
        buf_addstr(out, "]}\n");
        return buf_failed(out) ? RC_NOMEM : RC_OK;
    }
    /* Aligned table. */
    int namew = 4;
    struct shown_region sh;
    for (size_t i = 0; i < m->n; i++) {
        show_region(&m->r[i], &sh);
        int w = (int)strlen(sh.name) + 2 * m->r[i].depth;
        if (w > namew) {
            namew = w;
        }
    }
    buf_printf(out, "%-*s  %-10s  %-10s  %9s  %-5s  %-10s  %-13s  %s\n", namew,
               "name", "start", "end", "size", "attrs", "kind", "source",
               "notes");
    for (size_t i = 0; i < m->n; i++) {
        const struct rmap_region *r = &m->r[i];
        rmap_attrs_text(r->attrs, attrs);
        fmt_size(r->end - r->start, size, sizeof size);
        show_region(r, &sh);
        buf_printf(out, "%*s%-*s  0x%08x  0x%08llx  %9s  %-5s  %-10s  %-13s  %s\n",
                   2 * r->depth, "", namew - 2 * r->depth, sh.name,
                   (unsigned)r->start, (unsigned long long)r->end, size, attrs,
                   rmap_kind_name(r->kind), rmap_source_name(r->source),
                   sh.notes);
    }
    /* One line per kind: total bytes (outermost regions of that kind). */
    buf_addstr(out, "\n");
    for (int k = 0; k < RMAP_K_COUNT; k++) {
        uint64_t total = 0;
        unsigned count = 0;
        for (size_t i = 0; i < m->n; i++) {
            const struct rmap_region *r = &m->r[i];
            if (r->kind != (enum rmap_kind)k) {
                continue;
            }
            count++;
            /* Count bytes not already inside a counted region of this kind. */
            int nested = 0;
            for (int p = r->parent; p >= 0; p = m->r[p].parent) {
                nested |= m->r[p].kind == r->kind;
            }
            if (!nested) {
                total += r->end - r->start;
            }
        }
        if (count > 0) {
            fmt_size(total, size, sizeof size);
            buf_printf(out, "%-10s %s in %u region%s\n", rmap_kind_name(k), size,
                       count, count == 1 ? "" : "s");
        }
    }
    for (size_t i = 0; i < m->nnotes; i++) {
        buf_addstr(out, "note: ");
        fmt_escape_buf(out, m->notes[i], strlen(m->notes[i]), NULL);
        buf_addstr(out, "\n");
    }
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}
