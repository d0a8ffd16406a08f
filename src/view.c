/*
 * view.c: the hex explorer's model: the collapsed address space, row
 * layout and cell decisions, status text, goto and search parsing, the
 * incremental search, navigation and the region panel.
 *
 * A space holds the map's regions merged into sorted, disjoint, non-touching
 * spans (unaligned), and for the current bpr a list of segments that
 * partition [0, 2^32): data segments (spans widened to row boundaries, merged
 * where they share a row) and gap segments (one row each) between them.  Each
 * segment knows its first row index, so both directions of the row <->
 * address mapping are a binary search over segments.
 */
#include "view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

struct view_span {
    uint64_t start, end;
};

struct view_seg {
    uint64_t start, end;        /* aligned to bpr, end exclusive */
    uint64_t first_row;
    int gap;
    uint64_t un_start, un_end;  /* gap segments: the unmapped bytes */
};

struct view_space {
    unsigned flags;
    unsigned bpr;
    size_t nspans;
    struct view_span *spans;
    size_t nsegs;
    struct view_seg *segs;      /* room for 2 * nspans + 1 */
    uint64_t rows;
};

static int bpr_ok(unsigned bpr)
{
    return bpr == 8 || bpr == 16 || bpr == 32;
}

static int group_ok(unsigned group)
{
    return group >= 1 && group <= 32 && (group & (group - 1)) == 0;
}

static unsigned eff_group(unsigned bpr, unsigned group)
{
    return group > bpr ? bpr : group;
}

/* ---- layout ------------------------------------------------------------- */

unsigned view_row_width(unsigned bpr, unsigned group)
{
    if (!bpr_ok(bpr) || !group_ok(group)) {
        return 0;
    }
    return 10 + 4 * bpr + bpr / eff_group(bpr, group);
}

unsigned view_hex_col(unsigned bpr, unsigned group, unsigned i)
{
    if (!bpr_ok(bpr) || !group_ok(group) || i >= bpr) {
        return 0;
    }
    return 10 + 3 * i + i / eff_group(bpr, group);
}

unsigned view_ascii_col(unsigned bpr, unsigned group, unsigned i)
{
    if (!bpr_ok(bpr) || !group_ok(group) || i >= bpr) {
        return 0;
    }
    return 10 + 3 * bpr + bpr / eff_group(bpr, group) + i;
}

unsigned view_fit_bpr(unsigned cols, unsigned group)
{
    static const unsigned widths[] = {32, 16, 8};
    if (!group_ok(group)) {
        group = 4;
    }
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        if (view_row_width(widths[i], group) <= cols) {
            return widths[i];
        }
    }
    return 8;
}

unsigned view_next_bpr(unsigned bpr)
{
    switch (bpr) {
    case 8:
        return 16;
    case 16:
        return 32;
    case 32:
        return 8;
    default:
        return 16;
    }
}

void view_size_text(uint64_t n, char *out, size_t size)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (size == 0) {
        return;
    }
    if (n < 1024) {
        snprintf(out, size, "%llu byte%s", (unsigned long long)n, n == 1 ? "" : "s");
        return;
    }
    unsigned u = 0;
    uint64_t unit = 1024;
    while (u + 1 < sizeof units / sizeof units[0] && n / unit >= 1024) {
        unit <<= 10;
        u++;
    }
    if (n % unit == 0) {
        snprintf(out, size, "%llu %s", (unsigned long long)(n / unit), units[u]);
    } else {
        /* Tenths rounded down (unit <= 2^40: no overflow). */
        uint64_t whole = n / unit;
        uint64_t tenth = (n % unit) * 10 / unit;
        snprintf(out, size, "%llu.%llu %s", (unsigned long long)whole,
                 (unsigned long long)tenth, units[u]);
    }
}

/* ---- the space ---------------------------------------------------------- */

static int span_cmp(const void *a, const void *b)
{
    const struct view_span *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return x->end < y->end ? -1 : x->end > y->end;
}

static void layout(struct view_space *s)
{
    uint64_t bpr = s->bpr;
    uint64_t pos = 0, prev_end = 0, rows = 0;
    size_t n = 0;
    size_t i = 0;
    while (i < s->nspans) {
        uint64_t lo = s->spans[i].start;
        uint64_t as = lo / bpr * bpr;
        uint64_t ae = (s->spans[i].end + bpr - 1) / bpr * bpr;
        uint64_t hi = s->spans[i].end;
        size_t j = i + 1;
        while (j < s->nspans && s->spans[j].start / bpr * bpr <= ae) {
            uint64_t e = (s->spans[j].end + bpr - 1) / bpr * bpr;
            if (e > ae) {
                ae = e;
            }
            hi = s->spans[j].end;
            j++;
        }
        if (as > pos) {
            s->segs[n] = (struct view_seg){pos, as, rows, 1, prev_end, lo};
            n++;
            rows++;
        }
        s->segs[n] = (struct view_seg){as, ae, rows, 0, 0, 0};
        n++;
        rows += (ae - as) / bpr;
        pos = ae;
        prev_end = hi;
        i = j;
    }
    if (pos < VIEW_ADDR_END) {
        s->segs[n] = (struct view_seg){pos, VIEW_ADDR_END, rows, 1, prev_end, VIEW_ADDR_END};
        n++;
        rows++;
    }
    s->nsegs = n;
    s->rows = rows;
}

int view_space_new(const struct rmap *map, unsigned flags, unsigned bpr,
                   struct view_space **out, struct rc_msg *msg)
{
    return view_space_new_ranges(map, NULL, 0, flags, bpr, out, msg);
}

static int range_cmp(const void *a, const void *b)
{
    const struct view_range *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return x->end < y->end ? -1 : x->end > y->end;
}

size_t view_ranges_merge(struct view_range *r, size_t n)
{
    if (r == NULL || n == 0) {
        return 0;
    }
    qsort(r, n, sizeof *r, range_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t end = r[i].end > VIEW_ADDR_END ? VIEW_ADDR_END : r[i].end;
        if (end <= r[i].start) {
            continue;
        }
        if (m > 0 && r[i].start <= r[m - 1].end) {
            if (end > r[m - 1].end) {
                r[m - 1].end = end;
            }
        } else {
            r[m].start = r[i].start;
            r[m].end = end;
            m++;
        }
    }
    return m;
}

int view_space_new_ranges(const struct rmap *map, const struct view_range *extra,
                          size_t nextra, unsigned flags, unsigned bpr,
                          struct view_space **out, struct rc_msg *msg)
{
    *out = NULL;
    if (!bpr_ok(bpr)) {
        return rc_set(msg, RC_ARG, "bytes per row must be 8, 16 or 32, not %u", bpr);
    }
    size_t nreg = map != NULL ? rmap_count(map) : 0;
    if (extra == NULL) {
        nextra = 0;
    }
    int all = (flags & VIEW_SPACE_ALL) != 0 || nreg + nextra == 0;
    size_t cap = all ? 1 : nreg + nextra;
    struct view_space *s = calloc(1, sizeof *s);
    struct view_span *spans = calloc(cap, sizeof *spans);
    struct view_seg *segs = calloc(2 * cap + 1, sizeof *segs);
    if (s == NULL || spans == NULL || segs == NULL) {
        free(s);
        free(spans);
        free(segs);
        return rc_set(msg, RC_NOMEM, "out of memory building the view of %zu regions",
                      nreg + nextra);
    }
    s->flags = flags;
    s->bpr = bpr;
    s->spans = spans;
    s->segs = segs;
    if (all) {
        spans[0] = (struct view_span){0, VIEW_ADDR_END};
        s->nspans = 1;
    } else {
        size_t n = 0;
        for (size_t i = 0; i < nreg; i++) {
            const struct rmap_region *r = rmap_get(map, i);
            if (r == NULL || r->end <= r->start) {
                continue;
            }
            spans[n].start = r->start;
            spans[n].end = r->end > VIEW_ADDR_END ? VIEW_ADDR_END : r->end;
            n++;
        }
        for (size_t i = 0; i < nextra; i++) {
            if (extra[i].end <= extra[i].start) {
                continue;
            }
            spans[n].start = extra[i].start;
            spans[n].end = extra[i].end > VIEW_ADDR_END ? VIEW_ADDR_END : extra[i].end;
            n++;
        }
        qsort(spans, n, sizeof *spans, span_cmp);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (m > 0 && spans[i].start <= spans[m - 1].end) {
                if (spans[i].end > spans[m - 1].end) {
                    spans[m - 1].end = spans[i].end;
                }
            } else {
                spans[m++] = spans[i];
            }
        }
        if (m == 0) {
            spans[0] = (struct view_span){0, VIEW_ADDR_END};
            m = 1;
        }
        s->nspans = m;
    }
    layout(s);
    *out = s;
    return RC_OK;
}

void view_space_free(struct view_space *s)
{
    if (s == NULL) {
        return;
    }
    free(s->spans);
    free(s->segs);
    free(s);
}

int view_space_set_bpr(struct view_space *s, unsigned bpr)
{
    if (!bpr_ok(bpr)) {
        return RC_ARG;
    }
    if (s->bpr != bpr) {
        s->bpr = bpr;
        layout(s);
    }
    return RC_OK;
}

unsigned view_space_bpr(const struct view_space *s)
{
    return s->bpr;
}

/* Index of the last span starting at or before addr, or -1. */
static long span_find(const struct view_space *s, uint64_t addr)
{
    size_t lo = 0, hi = s->nspans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->spans[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (long)lo - 1;
}

int view_space_contains(const struct view_space *s, uint32_t addr)
{
    long k = span_find(s, addr);
    return k >= 0 && addr < s->spans[k].end;
}

/* The segment holding addr (segments cover everything). */
static size_t seg_of_addr(const struct view_space *s, uint64_t addr)
{
    size_t lo = 0, hi = s->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->segs[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo > 0 ? lo - 1 : 0;
}

static size_t seg_of_row(const struct view_space *s, uint64_t index)
{
    size_t lo = 0, hi = s->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->segs[mid].first_row <= index) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo > 0 ? lo - 1 : 0;
}

uint64_t view_row_count(const struct view_space *s)
{
    return s->rows;
}

static void row_in_seg(const struct view_space *s, size_t k, uint64_t index,
                       struct view_row *out)
{
    const struct view_seg *g = &s->segs[k];
    memset(out, 0, sizeof *out);
    out->index = index;
    if (g->gap) {
        out->addr = (uint32_t)g->start;
        out->end = g->end;
        out->gap = 1;
        out->unmapped_start = g->un_start;
        out->unmapped_end = g->un_end;
    } else {
        uint64_t a = g->start + (index - g->first_row) * s->bpr;
        out->addr = (uint32_t)a;
        out->end = a + s->bpr;
    }
}

int view_row_at(const struct view_space *s, uint64_t index, struct view_row *out)
{
    if (index >= s->rows) {
        memset(out, 0, sizeof *out);
        return RC_ARG;
    }
    row_in_seg(s, seg_of_row(s, index), index, out);
    return RC_OK;
}

uint64_t view_row_of(const struct view_space *s, uint32_t addr)
{
    const struct view_seg *g = &s->segs[seg_of_addr(s, addr)];
    if (g->gap) {
        return g->first_row;
    }
    return g->first_row + (addr - g->start) / s->bpr;
}

void view_gap_label(const struct view_row *row, char *out, size_t size)
{
    if (size == 0) {
        return;
    }
    if (!row->gap) {
        out[0] = 0;
        return;
    }
    char sz[32];
    view_size_text(row->unmapped_end - row->unmapped_start, sz, sizeof sz);
    snprintf(out, size, "-- %s unmapped --", sz);
}

/* ---- row cells ---------------------------------------------------------- */

static int get_byte(const struct view_provider *p, uint32_t addr, uint8_t *v)
{
    if (p == NULL || p->get == NULL) {
        return VIEW_BYTE_UNREAD;
    }
    int st = p->get(p->ctx, addr, v);
    if (st < VIEW_BYTE_UNREAD || st > VIEW_BYTE_ABSENT) {
        return VIEW_BYTE_UNREAD;
    }
    return st;
}

static enum view_class class_of(uint8_t v)
{
    if (v == 0) {
        return VIEW_CLASS_ZERO;
    }
    if (v == 0xff) {
        return VIEW_CLASS_FF;
    }
    if (v >= 0x20 && v < 0x7f) {
        return VIEW_CLASS_PRINT;
    }
    return VIEW_CLASS_OTHER;
}

static const struct rmap_region *lookup(const struct rmap *map, uint32_t addr)
{
    return map != NULL ? rmap_lookup(map, addr) : NULL;
}

int view_format_row(const struct view_space *s, uint64_t index, unsigned group,
                    const struct view_provider *provider, const struct rmap *map,
                    const struct heapmap *heap, struct view_rowcells *out)
{
    static const char hexd[] = "0123456789abcdef";
    memset(out, 0, sizeof *out);
    if (!group_ok(group) || view_row_at(s, index, &out->row) != RC_OK) {
        memset(out, 0, sizeof *out);
        return RC_ARG;
    }
    unsigned bpr = s->bpr;
    out->bpr = bpr;
    out->group = eff_group(bpr, group);
    snprintf(out->addr_text, sizeof out->addr_text, "%08x", (unsigned)out->row.addr);
    if (out->row.gap) {
        view_gap_label(&out->row, out->label, sizeof out->label);
        int n = snprintf(out->line, sizeof out->line, "%s  %s", out->addr_text, out->label);
        out->width = n > 0 ? (unsigned)n : 0;
        return RC_OK;
    }

    out->ncells = bpr;
    unsigned width = view_row_width(bpr, out->group);
    memset(out->line, ' ', width);
    out->line[width] = 0;
    memcpy(out->line, out->addr_text, 8);
    out->width = width;

    /* The span at or before the row start; advanced as cells go by. */
    long k = span_find(s, out->row.addr);
    const struct rmap_region *prev = out->row.addr > 0 ? lookup(map, out->row.addr - 1) : NULL;
    struct heapmap_hit hit;
    int have_hit = 0;

    for (unsigned i = 0; i < bpr; i++) {
        struct view_cell *c = &out->cell[i];
        uint32_t a = out->row.addr + i;
        c->addr = a;
        c->hex_col = view_hex_col(bpr, out->group, i);
        c->ascii_col = view_ascii_col(bpr, out->group, i);
        if (i % out->group == 0) {
            c->flags |= VIEW_CF_GROUP;
        }
        while (k + 1 < (long)s->nspans && s->spans[k + 1].start <= a) {
            k++;
        }
        int inside = k >= 0 && a < s->spans[k].end;

        c->region = lookup(map, a);
        c->kind = c->region != NULL ? c->region->kind : RMAP_K_UNMAPPED;
        if (c->region != prev && (i > 0 || a > 0)) {
            c->flags |= VIEW_CF_BOUNDARY;
        }
        prev = c->region;

        if (heap != NULL && inside) {
            if (!have_hit || a < hit.block_addr ||
                (uint64_t)a >= (uint64_t)hit.block_addr + heap->block_size) {
                have_hit = heapmap_lookup(heap, a, &hit) == RC_OK;
            }
            if (have_hit) {
                c->flags |= VIEW_CF_HEAP;
                c->heap_state = hit.state;
                c->heap_kind = hit.kind;
                int is_obj = hit.state != HEAPMAP_FREE && !hit.orphan;
                if (is_obj && hit.block_addr == hit.head_addr) {
                    c->flags |= VIEW_CF_HEADBLK;
                    if (a == hit.head_addr) {
                        c->flags |= VIEW_CF_OBJSTART;
                    }
                }
                if (a == hit.block_addr) {
                    c->flags |= VIEW_CF_BLOCK;
                }
            }
        }

        int st = inside ? get_byte(provider, a, &c->value) : VIEW_BYTE_OUTSIDE;
        c->state = (enum view_byte)st;
        switch (c->state) {
        case VIEW_BYTE_OUTSIDE:
            c->value = 0;
            c->ink = VIEW_INK_OUTSIDE;
            strcpy(c->hex, "  ");
            c->ascii = ' ';
            break;
        case VIEW_BYTE_ABSENT:
            c->value = 0;
            c->ink = VIEW_INK_ABSENT;
            strcpy(c->hex, "--");
            c->ascii = ' ';
            break;
        case VIEW_BYTE_UNREAD:
            c->value = 0;
            c->ink = VIEW_INK_UNREAD;
            strcpy(c->hex, "..");
            c->ascii = ' ';
            break;
        case VIEW_BYTE_BAD:
            c->value = 0;
            c->ink = VIEW_INK_BAD;
            strcpy(c->hex, "!!");
            c->ascii = '!';
            break;
        case VIEW_BYTE_OK:
        case VIEW_BYTE_STALE:
            c->cls = class_of(c->value);
            c->hex[0] = hexd[c->value >> 4];
            c->hex[1] = hexd[c->value & 15];
            c->hex[2] = 0;
            c->ascii = c->cls == VIEW_CLASS_PRINT ? (char)c->value : '.';
            if (c->state == VIEW_BYTE_STALE) {
                c->ink = VIEW_INK_STALE;
            } else {
                static const enum view_ink by_class[] = {
                    VIEW_INK_OTHER, VIEW_INK_ZERO, VIEW_INK_FF, VIEW_INK_PRINT,
                    VIEW_INK_OTHER,
                };
                c->ink = by_class[c->cls];
            }
            break;
        }
        out->line[c->hex_col] = c->hex[0];
        out->line[c->hex_col + 1] = c->hex[1];
        out->line[c->ascii_col] = c->ascii;
        out->ascii[i] = c->ascii;
    }
    out->ascii[bpr] = 0;
    return RC_OK;
}

/* ---- status line -------------------------------------------------------- */

void view_values(const struct view_provider *provider, const struct rmap *map,
                 uint32_t addr, struct view_values *out)
{
    memset(out, 0, sizeof *out);
    out->addr = addr;
    uint8_t b[4];
    unsigned ok = 0, stale = 0;
    while (ok < 4 && (uint64_t)addr + ok < VIEW_ADDR_END) {
        int st = get_byte(provider, addr + ok, &b[ok]);
        if (st != VIEW_BYTE_OK && st != VIEW_BYTE_STALE) {
            break;
        }
        stale |= st == VIEW_BYTE_STALE;
        ok++;
    }
    if (ok >= 1) {
        out->have_u8 = 1;
        out->u8 = b[0];
    }
    if (ok >= 2) {
        out->have_u16 = 1;
        out->u16 = (uint16_t)(b[0] | b[1] << 8);
    }
    if (ok >= 4) {
        out->have_u32 = 1;
        out->u32 = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                   (uint32_t)b[3] << 24;
        /* Zero is NULL, not a pointer to the start of flash. */
        out->target = out->u32 != 0 ? lookup(map, out->u32) : NULL;
        if (out->target != NULL) {
            out->target_off = out->u32 - out->target->start;
        }
    }
    out->stale = stale != 0;
}

const char *view_byte_text(int state)
{
    switch (state) {
    case VIEW_BYTE_UNREAD:
        return "not read yet";
    case VIEW_BYTE_OK:
        return "read";
    case VIEW_BYTE_BAD:
        return "failed verification";
    case VIEW_BYTE_STALE:
        return "stale";
    case VIEW_BYTE_OUTSIDE:
        return "outside the map";
    case VIEW_BYTE_ABSENT:
        return "in no image";
    default:
        return "unknown";
    }
}

/* Append to a bounded buffer, counting what the whole text needs. */
struct sbuf {
    char *p;
    size_t size, len;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = b->len < b->size ? b->p + b->len : NULL;
    size_t room = b->len < b->size ? b->size - b->len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0) {
        b->len += (size_t)n;
    }
}

size_t view_status_text(const struct rmap *map, const struct heapmap *heap,
                        const struct view_values *v, const char *link,
                        char *out, size_t size)
{
    return view_status_fit(map, heap, v, NULL, link, 0, out, size);
}

size_t view_status_compose(const struct rmap *map, const struct heapmap *heap,
                           const struct view_values *v, const char *where,
                           const char *link, char *out, size_t size)
{
    return view_status_fit(map, heap, v, where, link, 0, out, size);
}

/* The fields of the status line in the order shown. */
enum { SF_ADDR, SF_REGION, SF_KIND, SF_WHERE, SF_U8, SF_U16, SF_U32, SF_HEAP, SF_LINK,
       SF_COUNT };

/* What a narrow terminal gives up, in this order, until the line fits:
 * a field's short form first where it has one, then the field. */
static const struct {
    unsigned char field, drop;
} sf_steps[] = {
    {SF_U16, 1}, {SF_KIND, 1}, {SF_U32, 0}, {SF_HEAP, 0}, {SF_U32, 1}, {SF_WHERE, 1},
    {SF_U8, 1}, {SF_LINK, 0}, {SF_HEAP, 1}, {SF_LINK, 1},
};

size_t view_status_fit(const struct rmap *map, const struct heapmap *heap,
                       const struct view_values *v, const char *where,
                       const char *link, unsigned width, char *out, size_t size)
{
    /* Each field's long and short form ("" when it has none). */
    char f[SF_COUNT][2][160];
    memset(f, 0, sizeof f);
    snprintf(f[SF_ADDR][0], sizeof f[0][0], "0x%08x", (unsigned)v->addr);
    const struct rmap_region *r = lookup(map, v->addr);
    if (r != NULL) {
        char attrs[4];
        rmap_attrs_text(r->attrs, attrs);
        snprintf(f[SF_REGION][0], sizeof f[0][0], "  %s+0x%x", r->name,
                 (unsigned)(v->addr - r->start));
        snprintf(f[SF_KIND][0], sizeof f[0][0], " %s %s", attrs[0] ? attrs : "---",
                 rmap_kind_name(r->kind));
    } else {
        snprintf(f[SF_REGION][0], sizeof f[0][0], "  unmapped");
    }
    if (where != NULL && where[0] != 0) {
        snprintf(f[SF_WHERE][0], sizeof f[0][0], "  %.150s", where);
    }
    const char *st = v->stale ? "stale " : "";
    if (v->have_u8) {
        if (v->u8 >= 0x20 && v->u8 < 0x7f) {
            snprintf(f[SF_U8][0], sizeof f[0][0], "  %su8 0x%02x %u '%c'", st,
                     (unsigned)v->u8, (unsigned)v->u8, (char)v->u8);
        } else {
            snprintf(f[SF_U8][0], sizeof f[0][0], "  %su8 0x%02x %u", st, (unsigned)v->u8,
                     (unsigned)v->u8);
        }
    } else {
        snprintf(f[SF_U8][0], sizeof f[0][0], "  u8 --");
    }
    if (v->have_u16) {
        snprintf(f[SF_U16][0], sizeof f[0][0], "  u16 0x%04x", (unsigned)v->u16);
    } else {
        snprintf(f[SF_U16][0], sizeof f[0][0], "  u16 --");
    }
    if (v->have_u32) {
        snprintf(f[SF_U32][1], sizeof f[0][0], "  u32 0x%08x", (unsigned)v->u32);
        if (v->target != NULL) {
            snprintf(f[SF_U32][0], sizeof f[0][0], "  u32 0x%08x -> %s+0x%x",
                     (unsigned)v->u32, v->target->name, (unsigned)v->target_off);
        } else {
            memcpy(f[SF_U32][0], f[SF_U32][1], sizeof f[0][0]);
        }
    } else {
        snprintf(f[SF_U32][0], sizeof f[0][0], "  u32 --");
    }
    struct heapmap_hit hit;
    if (heap != NULL && heapmap_lookup(heap, v->addr, &hit) == RC_OK) {
        if (hit.state == HEAPMAP_FREE) {
            snprintf(f[SF_HEAP][0], sizeof f[0][0], "  heap: free, %u blocks from 0x%08x",
                     (unsigned)hit.obj_blocks, (unsigned)hit.head_addr);
            snprintf(f[SF_HEAP][1], sizeof f[0][0], "  heap: free");
        } else if (hit.orphan) {
            snprintf(f[SF_HEAP][0], sizeof f[0][0],
                     "  heap: orphan tail, %u blocks from 0x%08x",
                     (unsigned)hit.obj_blocks, (unsigned)hit.head_addr);
            snprintf(f[SF_HEAP][1], sizeof f[0][0], "  heap: orphan tail");
        } else {
            snprintf(f[SF_HEAP][0], sizeof f[0][0], "  heap: %s%s head 0x%08x, %u block%s",
                     heapmap_kind_name(hit.kind),
                     hit.state == HEAPMAP_MARKED ? " (marked)" : "",
                     (unsigned)hit.head_addr, (unsigned)hit.obj_blocks,
                     hit.obj_blocks == 1 ? "" : "s");
            snprintf(f[SF_HEAP][1], sizeof f[0][0], "  heap: %s 0x%08x",
                     heapmap_kind_name(hit.kind), (unsigned)hit.head_addr);
        }
    }
    if (link != NULL && link[0] != 0) {
        snprintf(f[SF_LINK][0], sizeof f[0][0], "  | %.150s", link);
        /* The state alone: up to a ':', else the first word. */
        size_t cut = strcspn(link, ":");
        if (link[cut] == 0) {
            cut = strcspn(link, " ");
        }
        snprintf(f[SF_LINK][1], sizeof f[0][0], "  | %.*s", (int)(cut < 150 ? cut : 150),
                 link);
    }
    size_t total = 0;
    int form[SF_COUNT]; /* 0 long, 1 short, 2 left out */
    for (int i = 0; i < SF_COUNT; i++) {
        form[i] = 0;
        total += strlen(f[i][0]);
    }
    for (size_t k = 0; width > 0 && total > width && k < sizeof sf_steps / sizeof sf_steps[0];
         k++) {
        int i = sf_steps[k].field;
        if (form[i] == 2 || (!sf_steps[k].drop && f[i][1][0] == 0)) {
            continue;
        }
        total -= strlen(f[i][form[i]]);
        form[i] = sf_steps[k].drop ? 2 : 1;
        if (form[i] == 1) {
            total += strlen(f[i][1]);
        }
    }
    struct sbuf b = {out, size, 0};
    if (size > 0) {
        out[0] = 0;
    }
    for (int i = 0; i < SF_COUNT; i++) {
        if (form[i] < 2) {
            sb_add(&b, "%s", f[i][form[i]]);
        }
    }
    return b.len;
}

void view_sym_text(const char *name, uint32_t sym_addr, uint32_t addr, int covers,
                   char *out, size_t size)
{
    if (size == 0) {
        return;
    }
    char off[16];
    snprintf(off, sizeof off, "+0x%x", (unsigned)(addr - sym_addr));
    const char *mark = covers ? "" : "~";
    size_t room = size - 1;
    size_t fixed = strlen(mark) + strlen(off);
    size_t nlen = strlen(name != NULL ? name : "");
    if (fixed >= room) {
        snprintf(out, size, "%s%s", mark, name != NULL ? name : "");
        return;
    }
    if (nlen > room - fixed) {
        nlen = room - fixed;
    }
    snprintf(out, size, "%s%.*s%s", mark, (int)nlen, name != NULL ? name : "", off);
}

/* ---- goto --------------------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '$';
}

/* What may follow a region name ('-' and '+' join terms). */
static int is_delim(char c)
{
    return !is_ident(c);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The region whose name is the longest match at p followed by a
 * delimiter: exact case first, then any case.  *len_out its length. */
static const struct rmap_region *match_region(const struct rmap *map, const char *p,
                                              size_t *len_out)
{
    if (map == NULL) {
        return NULL;
    }
    for (int pass = 0; pass < 2; pass++) {
        const struct rmap_region *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < rmap_count(map); i++) {
            const struct rmap_region *r = rmap_get(map, i);
            size_t n = strnlen(r->name, sizeof r->name);
            if (n == 0 || n <= best_len) {
                continue;
            }
            size_t j = 0;
            while (j < n && p[j] != 0 &&
                   (pass == 0 ? p[j] == r->name[j] : lower((unsigned char)p[j]) ==
                                                        lower((unsigned char)r->name[j]))) {
                j++;
            }
            if (j == n && is_delim(p[n])) {
                best = r;
                best_len = n;
            }
        }
        if (best != NULL) {
            *len_out = best_len;
            return best;
        }
    }
    return NULL;
}

/* "; regions: flash, ficr, ..." into out (bounded). */
static void region_list(const struct rmap *map, char *out, size_t size)
{
    out[0] = 0;
    size_t n = map != NULL ? rmap_count(map) : 0;
    if (n == 0) {
        snprintf(out, size, " (the map has no regions)");
        return;
    }
    size_t len = (size_t)snprintf(out, size, "; regions: ");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const struct rmap_region *r = rmap_get(map, i);
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) {
            dup = strcmp(rmap_get(map, j)->name, r->name) == 0;
        }
        if (dup || r->name[0] == 0) {
            continue;
        }
        size_t need = strnlen(r->name, sizeof r->name) + 2;
        if (len + need + 5 >= size) {
            snprintf(out + len, size - len, ", ...");
            return;
        }
        len += (size_t)snprintf(out + len, size - len, "%s%s", first ? "" : ", ", r->name);
        first = 0;
    }
}

static int all_hex(const char *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (fmt_hex_digit((unsigned char)s[i]) < 0) {
            return 0;
        }
    }
    return 1;
}

/* Parse a number token of n chars. */
static int number_term(const char *tok, size_t n, uint64_t *v, struct rc_msg *msg)
{
    char buf[72];
    if (n >= sizeof buf) {
        return rc_set(msg, RC_ARG, "number '%.20s...' is too long", tok);
    }
    memcpy(buf, tok, n);
    buf[n] = 0;
    struct rc_msg m2;
    if (fmt_parse_u64(buf, "address", v, &m2) == RC_OK) {
        return RC_OK;
    }
    if (n >= 2 && (buf[n - 1] == 'h' || buf[n - 1] == 'H') && all_hex(buf, n - 1)) {
        if (n - 1 > 16) {
            return rc_set(msg, RC_ARG, "number '%s' is too large", buf);
        }
        uint64_t x = 0;
        for (size_t i = 0; i + 1 < n; i++) {
            x = x << 4 | (uint64_t)fmt_hex_digit((unsigned char)buf[i]);
        }
        *v = x;
        return RC_OK;
    }
    int prefixed = buf[0] == '0' && strchr("xXoObB", buf[1]) != NULL && buf[1] != 0;
    int letters = 0;
    for (size_t i = 0; i < n; i++) {
        letters |= (buf[i] >= 'a' && buf[i] <= 'f') || (buf[i] >= 'A' && buf[i] <= 'F');
    }
    if (!prefixed && letters && all_hex(buf, n)) {
        return rc_set(msg, RC_ARG, "'%s' is not a decimal number: write hex as 0x%s", buf,
                      buf);
    }
    return rc_set(msg, RC_ARG, "%s", m2.text);
}

#define TERM_LIMIT 0x10000000000LL /* intermediate sums stay far from overflow */

int view_parse_goto(const char *text, const struct rmap *map,
                    const struct view_symbols *symbols, uint32_t current,
                    uint32_t *addr_out, struct rc_msg *msg)
{
    const char *p = text != NULL ? text : "";
    int64_t acc = 0;
    int sign = 1;
    int nterms = 0;
    while (is_space(*p)) {
        p++;
    }
    if (*p == 0) {
        return rc_set(msg, RC_ARG, "give an address: 0x20000000, 4096, a region such "
                      "as ram, ram+0x100, or . for the cursor");
    }
    for (;;) {
        while (is_space(*p)) {
            p++;
        }
        if (nterms == 0 && (*p == '+' || *p == '-')) {
            sign = *p == '-' ? -1 : 1;
            p++;
            while (is_space(*p)) {
                p++;
            }
        }
        size_t col = (size_t)(p - text) + 1;
        if (*p == 0) {
            return rc_set(msg, RC_ARG, "expected a number, region or symbol at column %zu "
                          "(end of text)", col);
        }
        uint64_t v = 0;
        size_t n = 0;
        const struct rmap_region *r = match_region(map, p, &n);
        if (r != NULL) {
            v = r->start;
        } else if (*p >= '0' && *p <= '9') {
            while (is_ident(p[n]) && p[n] != '.' && p[n] != '$') {
                n++;
            }
            int rc = number_term(p, n, &v, msg);
            if (rc != RC_OK) {
                return rc;
            }
        } else if (is_ident(*p)) {
            while (is_ident(p[n])) {
                n++;
            }
            if (n == 1 && *p == '.') {
                v = current;
            } else {
                char name[128];
                if (n >= sizeof name) {
                    return rc_set(msg, RC_ARG, "name '%.40s...' is too long", p);
                }
                memcpy(name, p, n);
                name[n] = 0;
                uint32_t sv = 0;
                if (symbols != NULL && symbols->lookup != NULL &&
                    symbols->lookup(symbols->ctx, name, &sv) == RC_OK) {
                    v = sv;
                } else {
                    char list[400];
                    region_list(map, list, sizeof list);
                    const char *hint = all_hex(name, n) ? " (for hex, write 0x" : "";
                    return rc_set(msg, RC_ARG, "no region %snamed '%s'%s%s%s%s",
                                  symbols != NULL && symbols->lookup != NULL ? "or symbol " : "",
                                  name, hint, hint[0] ? name : "", hint[0] ? ")" : "",
                                  list);
                }
            }
        } else {
            return rc_set(msg, RC_ARG, "unexpected '%c' at column %zu: expected a number, "
                          "region or symbol", *p, col);
        }
        if (v > 0xffffffffULL) {
            return rc_set(msg, RC_ARG, "'%.*s' (0x%llx) is beyond the 32-bit address space "
                          "(0 to 0xffffffff)", (int)(n < 40 ? n : 40), p,
                          (unsigned long long)v);
        }
        acc += sign * (int64_t)v;
        nterms++;
        if (acc > TERM_LIMIT || acc < -TERM_LIMIT) {
            return rc_set(msg, RC_ARG, "the expression is far outside 0 to 0xffffffff");
        }
        p += n;
        while (is_space(*p)) {
            p++;
        }
        if (*p == 0) {
            break;
        }
        if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            p++;
            continue;
        }
        return rc_set(msg, RC_ARG, "unexpected '%c' at column %zu: join terms with + or -",
                      *p, (size_t)(p - text) + 1);
    }
    if (acc < 0) {
        return rc_set(msg, RC_ARG, "'%s' is negative (-0x%llx): addresses run from 0 to "
                      "0xffffffff", text, (unsigned long long)-acc);
    }
    if (acc > 0xffffffffLL) {
        return rc_set(msg, RC_ARG, "'%s' is 0x%llx, beyond the 32-bit address space "
                      "(0 to 0xffffffff)", text, (unsigned long long)acc);
    }
    *addr_out = (uint32_t)acc;
    return RC_OK;
}

/* ---- completion ------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t view_names_sort(const char **names, size_t n)
{
    if (names == NULL || n == 0) {
        return 0;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (names[i] != NULL && names[i][0] != 0) {
            names[m++] = names[i];
        }
    }
    qsort(names, m, sizeof *names, name_cmp);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (k == 0 || strcmp(names[k - 1], names[i]) != 0) {
            names[k++] = names[i];
        }
    }
    return k;
}

size_t view_names_prefix(const char *const *names, size_t n, const char *prefix,
                         size_t *first_out)
{
    size_t plen = strlen(prefix);
    /* First name >= prefix. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(names[mid], prefix) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    size_t first = lo;
    /* First name past the ones starting with prefix. */
    hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strncmp(names[mid], prefix, plen) == 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (first_out != NULL) {
        *first_out = first;
    }
    return lo - first;
}

size_t view_goto_word(const char *text)
{
    size_t n = strlen(text);
    while (n > 0 && is_ident(text[n - 1])) {
        n--;
    }
    return n;
}

void view_tab_reset(struct view_tab *tab)
{
    memset(tab, 0, sizeof *tab);
}

/* Put word in place of text[at..] when it fits. */
static int tab_put(char *text, size_t size, size_t at, const char *word)
{
    size_t n = strlen(word);
    if (at + n + 1 > size) {
        return 0;
    }
    memcpy(text + at, word, n + 1);
    return 1;
}

/* Where the word to complete starts: the longest tail of text that begins
 * the text or follows a space or an operator and that some name starts
 * with (names may hold spaces and '-': "firmware.hex #1", "gc-heap");
 * view_goto_word's answer when there is none. */
static size_t tab_word(const char *const *names, size_t n, const char *text)
{
    size_t len = strlen(text);
    for (size_t at = 0; at < len; at++) {
        if (text[at] == ' ' || (at > 0 && text[at - 1] != ' ' && text[at - 1] != '+' &&
                                text[at - 1] != '-')) {
            continue;
        }
        if (len - at < 128 && view_names_prefix(names, n, text + at, NULL) > 0) {
            return at;
        }
    }
    return view_goto_word(text);
}

size_t view_tab_complete(const char *const *names, size_t n, struct view_tab *tab,
                         char *text, size_t size, int dir)
{
    if (names == NULL || n == 0 || text == NULL || size == 0) {
        return 0;
    }
    if (!tab->cycling) {
        size_t at = tab_word(names, n, text);
        const char *word = text + at;
        if (word[0] == 0 || strlen(word) >= sizeof tab->stem) {
            return 0;
        }
        size_t first = 0;
        size_t count = view_names_prefix(names, n, word, &first);
        if (count == 0) {
            return 0;
        }
        /* The common prefix of a sorted run is that of its first and last. */
        const char *a = names[first], *z = names[first + count - 1];
        size_t common = 0;
        while (a[common] != 0 && a[common] == z[common]) {
            common++;
        }
        size_t wlen = strlen(word);
        if (count == 1 || common > wlen) {
            char buf[256];
            size_t len = common < sizeof buf - 1 ? common : sizeof buf - 1;
            memcpy(buf, a, len);
            buf[len] = 0;
            if (count == 1) {
                snprintf(buf, sizeof buf, "%s", a);
            }
            tab_put(text, size, at, buf);
            return count;
        }
        snprintf(tab->stem, sizeof tab->stem, "%s", word);
        tab->word_at = at;
        tab->cycling = 1;
        /* The first press shows the first (or, backwards, the last) match. */
        tab->index = dir < 0 ? first : first + count - 1;
    }
    size_t first = 0;
    size_t count = view_names_prefix(names, n, tab->stem, &first);
    if (count == 0 || tab->word_at >= size) {
        return 0;
    }
    if (tab->index < first || tab->index >= first + count) {
        tab->index = first;
    }
    /* Step to the next match that fits, at most once round. */
    for (size_t tries = 0; tries < count; tries++) {
        size_t k = tab->index - first;
        k = dir < 0 ? (k + count - 1) % count : (k + 1) % count;
        tab->index = first + k;
        if (tab_put(text, size, tab->word_at, names[tab->index])) {
            break;
        }
    }
    return count;
}

/* ---- filtering ---------------------------------------------------------- */

int view_contains_ci(const char *hay, const char *needle)
{
    if (needle == NULL || needle[0] == 0) {
        return 1;
    }
    if (hay == NULL) {
        return 0;
    }
    int first = lower((unsigned char)needle[0]);
    for (const char *h = hay; *h != 0; h++) {
        if (lower((unsigned char)*h) != first) {
            continue;
        }
        size_t i = 1;
        while (needle[i] != 0 && h[i] != 0 &&
               lower((unsigned char)h[i]) == lower((unsigned char)needle[i])) {
            i++;
        }
        if (needle[i] == 0) {
            return 1;
        }
        if (h[i] == 0) {
            return 0;
        }
    }
    return 0;
}

size_t view_filter(const char *(*name_of)(void *ctx, size_t i), void *ctx, size_t n,
                   const char *needle, size_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = name_of(ctx, i);
        if (name != NULL && view_contains_ci(name, needle)) {
            out[m++] = i;
        }
    }
    return m;
}

/* ---- search ------------------------------------------------------------- */

static int pat_add(struct view_pattern *out, uint8_t byte, uint8_t mask, struct rc_msg *msg)
{
    if (out->len >= VIEW_PATTERN_MAX) {
        return rc_set(msg, RC_ARG, "the pattern is longer than %u bytes", VIEW_PATTERN_MAX);
    }
    out->bytes[out->len] = byte & mask;
    out->mask[out->len] = mask;
    out->len++;
    return RC_OK;
}

static int search_fail(struct view_pattern *out, int rc)
{
    out->len = 0;
    return rc;
}

int view_parse_search(const char *text, struct view_pattern *out, struct rc_msg *msg)
{
    static const char usage[] = "give hex bytes (de ad be ef), ?? for any byte, "
                                "0x20000100 for a little-endian word, or a quoted "
                                "string (\"MicroPython\")";
    memset(out, 0, sizeof *out);
    const char *p = text != NULL ? text : "";
    for (;;) {
        while (is_space(*p) || *p == ',') {
            p++;
        }
        if (*p == 0) {
            break;
        }
        size_t col = (size_t)(p - text) + 1;
        int rc = RC_OK;
        if (*p == '"') {
            p++;
            while (*p != '"') {
                uint8_t c;
                if (*p == 0) {
                    return search_fail(out, rc_set(msg, RC_ARG, "the string at column %zu "
                                                   "has no closing '\"'", col));
                }
                if (*p != '\\') {
                    c = (uint8_t)*p++;
                } else {
                    size_t ecol = (size_t)(p - text) + 1;
                    p++;
                    switch (*p) {
                    case 'n': c = '\n'; p++; break;
                    case 'r': c = '\r'; p++; break;
                    case 't': c = '\t'; p++; break;
                    case '0': c = 0; p++; break;
                    case '\\': c = '\\'; p++; break;
                    case '"': c = '"'; p++; break;
                    case '\'': c = '\''; p++; break;
                    case 'x': {
                        p++;
                        int d0 = fmt_hex_digit((unsigned char)*p);
                        if (d0 < 0) {
                            return search_fail(out, rc_set(msg, RC_ARG, "\\x at column %zu "
                                                           "needs a hex digit", ecol));
                        }
                        p++;
                        int d1 = fmt_hex_digit((unsigned char)*p);
                        if (d1 >= 0) {
                            p++;
                            c = (uint8_t)(d0 << 4 | d1);
                        } else {
                            c = (uint8_t)d0;
                        }
                        break;
                    }
                    default:
                        if (*p == 0) {
                            return search_fail(out, rc_set(msg, RC_ARG, "the string at "
                                                           "column %zu has no closing '\"'",
                                                           col));
                        }
                        return search_fail(out, rc_set(msg, RC_ARG, "unknown escape '\\%c' "
                                                       "at column %zu: use \\n \\r \\t \\0 "
                                                       "\\\\ \\\" \\' or \\xHH", *p, ecol));
                    }
                }
                rc = pat_add(out, c, 0xff, msg);
                if (rc != RC_OK) {
                    return search_fail(out, rc);
                }
            }
            p++;
            continue;
        }
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            const char *q = p + 2;
            size_t n = 0;
            while (fmt_hex_digit((unsigned char)q[n]) >= 0) {
                n++;
            }
            if (n == 0 || n > 8 || q[n] == '?' || is_ident(q[n])) {
                return search_fail(out, rc_set(msg, RC_ARG, "'%.*s' at column %zu: a 0x "
                                               "number takes 1 to 8 hex digits (a "
                                               "little-endian byte, half-word or word)",
                                               (int)(n + 2 < 20 ? n + 2 : 20), p, col));
            }
            uint32_t v = 0;
            for (size_t i = 0; i < n; i++) {
                v = v << 4 | (uint32_t)fmt_hex_digit((unsigned char)q[i]);
            }
            size_t bytes = n <= 2 ? 1 : n <= 4 ? 2 : 4;
            for (size_t i = 0; i < bytes && rc == RC_OK; i++) {
                rc = pat_add(out, (uint8_t)(v >> (8 * i)), 0xff, msg);
            }
            if (rc != RC_OK) {
                return search_fail(out, rc);
            }
            p = q + n;
            continue;
        }
        if (fmt_hex_digit((unsigned char)*p) >= 0 || *p == '?') {
            size_t n = 0;
            while (fmt_hex_digit((unsigned char)p[n]) >= 0 || p[n] == '?') {
                n++;
            }
            if (n % 2 != 0) {
                return search_fail(out, rc_set(msg, RC_ARG, "odd number of hex digits in "
                                               "'%.*s' at column %zu: write bytes as pairs "
                                               "(0a, not a)", (int)(n < 40 ? n : 40), p,
                                               col));
            }
            for (size_t i = 0; i < n && rc == RC_OK; i += 2) {
                uint8_t b = 0, m = 0;
                for (size_t j = 0; j < 2; j++) {
                    int d = fmt_hex_digit((unsigned char)p[i + j]);
                    b = (uint8_t)(b << 4);
                    m = (uint8_t)(m << 4);
                    if (d >= 0) {
                        b = (uint8_t)(b | d);
                        m = (uint8_t)(m | 0xf);
                    }
                }
                rc = pat_add(out, b, m, msg);
            }
            if (rc != RC_OK) {
                return search_fail(out, rc);
            }
            p += n;
            continue;
        }
        return search_fail(out, rc_set(msg, RC_ARG, "unexpected '%c' at column %zu: %s", *p,
                                       col, usage));
    }
    if (out->len == 0) {
        return search_fail(out, rc_set(msg, RC_ARG, "empty pattern: %s", usage));
    }
    int fixed = 0;
    for (size_t i = 0; i < out->len && !fixed; i++) {
        fixed = out->mask[i] != 0;
    }
    if (!fixed) {
        return search_fail(out, rc_set(msg, RC_ARG, "the pattern is all wildcards: it "
                                       "would match anywhere"));
    }
    return RC_OK;
}

int view_search(const struct view_provider *provider, const struct view_space *s,
                const struct view_pattern *pat, uint32_t start, int dir,
                uint64_t limit, uint32_t *addr_out)
{
    if (pat == NULL || pat->len == 0 || pat->len > VIEW_PATTERN_MAX || dir == 0 ||
        s == NULL) {
        return RC_ARG;
    }
    uint64_t len = pat->len;
    uint64_t calls = 0;
    if (dir > 0) {
        uint64_t a = start;
        for (;;) {
            if (a + len > VIEW_ADDR_END) {
                return VIEW_SEARCH_EXHAUSTED;
            }
            long k = span_find(s, a);
            if (k < 0 || a >= s->spans[k].end || a + len > s->spans[k].end) {
                if ((size_t)(k + 1) >= s->nspans) {
                    return VIEW_SEARCH_EXHAUSTED;
                }
                a = s->spans[k + 1].start;
                continue;
            }
            if (limit != 0 && calls >= limit) {
                *addr_out = (uint32_t)a;
                return VIEW_SEARCH_NOT_FOUND_YET;
            }
            uint64_t i;
            int skip = 0;
            for (i = 0; i < len; i++) {
                uint8_t v = 0;
                calls++;
                if (get_byte(provider, (uint32_t)(a + i), &v) != VIEW_BYTE_OK) {
                    skip = 1;
                    break;
                }
                if ((v & pat->mask[i]) != pat->bytes[i]) {
                    break;
                }
            }
            if (i == len) {
                *addr_out = (uint32_t)a;
                return VIEW_SEARCH_FOUND;
            }
            a = skip ? a + i + 1 : a + 1;
        }
    }
    int64_t a = start;
    for (;;) {
        if (a < 0) {
            return VIEW_SEARCH_EXHAUSTED;
        }
        if ((uint64_t)a + len > VIEW_ADDR_END) {
            a = (int64_t)(VIEW_ADDR_END - len);
            continue;
        }
        long k = span_find(s, (uint64_t)a);
        if (k < 0) {
            return VIEW_SEARCH_EXHAUSTED;
        }
        const struct view_span *sp = &s->spans[k];
        if ((uint64_t)a + len > sp->end) {
            if (sp->end - sp->start >= len) {
                a = (int64_t)(sp->end - len);
            } else {
                a = (int64_t)sp->start - 1;
            }
            continue;
        }
        if (limit != 0 && calls >= limit) {
            *addr_out = (uint32_t)a;
            return VIEW_SEARCH_NOT_FOUND_YET;
        }
        uint64_t i;
        int skip = 0;
        for (i = 0; i < len; i++) {
            uint8_t v = 0;
            calls++;
            if (get_byte(provider, (uint32_t)((uint64_t)a + i), &v) != VIEW_BYTE_OK) {
                skip = 1;
                break;
            }
            if ((v & pat->mask[i]) != pat->bytes[i]) {
                break;
            }
        }
        if (i == len) {
            *addr_out = (uint32_t)a;
            return VIEW_SEARCH_FOUND;
        }
        a = skip ? a + (int64_t)i - (int64_t)len : a - 1;
    }
}

/* ---- comparing with an image ----------------------------------------- */

/* Index of the range holding addr or, dir > 0, the first one after it /
 * dir < 0, the last one before it; -1 or nranges when there is none. */
static long range_at(const struct view_range *r, size_t n, uint32_t addr, int dir)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].end <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    /* lo: the first range ending after addr. */
    if (dir > 0) {
        return (long)lo;
    }
    if (lo < n && r[lo].start <= addr) {
        return (long)lo;
    }
    return (long)lo - 1;
}

int view_diff_next(const struct view_provider *board, const struct view_provider *image,
                   const struct view_range *ranges, size_t nranges, uint32_t start,
                   int dir, uint64_t limit, int stop_unread, uint32_t *addr_out,
                   struct view_diff_stats *stats)
{
    struct view_diff_stats dummy;
    if (stats == NULL) {
        memset(&dummy, 0, sizeof dummy);
        stats = &dummy;
    }
    if (dir == 0) {
        return RC_ARG;
    }
    if (ranges == NULL || nranges == 0) {
        return VIEW_DIFF_NONE;
    }
    uint64_t looked = 0;
    long k = range_at(ranges, nranges, start, dir);
    uint64_t a = start;
    while (k >= 0 && (size_t)k < nranges) {
        const struct view_range *r = &ranges[k];
        if (dir > 0 && a < r->start) {
            a = r->start;
        }
        if (dir < 0 && a >= r->end) {
            a = r->end - 1;
        }
        while (a >= r->start && a < r->end) {
            if (limit != 0 && looked >= limit) {
                *addr_out = (uint32_t)a;
                return VIEW_DIFF_MORE;
            }
            looked++;
            uint8_t want = 0, have = 0;
            int si = get_byte(image, (uint32_t)a, &want);
            int sb = get_byte(board, (uint32_t)a, &have);
            if (si != VIEW_BYTE_OK) {
                stats->skipped++;
            } else if (sb == VIEW_BYTE_OK) {
                stats->compared++;
                if (have != want) {
                    *addr_out = (uint32_t)a;
                    return VIEW_DIFF_FOUND;
                }
            } else if (sb == VIEW_BYTE_UNREAD) {
                if (stop_unread) {
                    *addr_out = (uint32_t)a;
                    return VIEW_DIFF_UNREAD;
                }
                stats->unread++;
            } else {
                stats->skipped++;
            }
            if (dir < 0 && a == 0) {
                return VIEW_DIFF_NONE;
            }
            a = dir > 0 ? a + 1 : a - 1;
        }
        k += dir > 0 ? 1 : -1;
    }
    return VIEW_DIFF_NONE;
}

/* ---- navigation --------------------------------------------------------- */

int view_next_region(const struct rmap *map, uint32_t addr, uint32_t *start_out)
{
    int found = 0;
    uint32_t best = 0;
    size_t n = map != NULL ? rmap_count(map) : 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t st = rmap_get(map, i)->start;
        if (st > addr && (!found || st < best)) {
            best = st;
            found = 1;
        }
    }
    if (!found) {
        return RC_NOTFOUND;
    }
    *start_out = best;
    return RC_OK;
}

int view_prev_region(const struct rmap *map, uint32_t addr, uint32_t *start_out)
{
    int found = 0;
    uint32_t best = 0;
    size_t n = map != NULL ? rmap_count(map) : 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t st = rmap_get(map, i)->start;
        if (st < addr && (!found || st > best)) {
            best = st;
            found = 1;
        }
    }
    if (!found) {
        return RC_NOTFOUND;
    }
    *start_out = best;
    return RC_OK;
}

int view_region_bounds(const struct rmap *map, uint32_t addr, uint32_t *first_out,
                       uint32_t *last_out)
{
    const struct rmap_region *r = lookup(map, addr);
    if (r == NULL) {
        return RC_NOTFOUND;
    }
    *first_out = r->start;
    *last_out = (uint32_t)(r->end - 1);
    return RC_OK;
}

uint32_t view_move_rows(const struct view_space *s, uint32_t addr, int64_t delta, int col)
{
    struct view_row cur, dst;
    uint64_t idx = view_row_of(s, addr);
    row_in_seg(s, seg_of_row(s, idx), idx, &cur);
    uint64_t target;
    if (delta < 0) {
        uint64_t d = delta == INT64_MIN ? (uint64_t)INT64_MAX + 1 : (uint64_t)-delta;
        target = d > idx ? 0 : idx - d;
    } else {
        uint64_t d = (uint64_t)delta;
        target = d >= s->rows - 1 - idx ? s->rows - 1 : idx + d;
    }
    row_in_seg(s, seg_of_row(s, target), target, &dst);
    if (dst.gap) {
        return dst.addr;
    }
    unsigned c;
    if (col >= 0) {
        c = (unsigned)col < s->bpr ? (unsigned)col : s->bpr - 1;
    } else {
        c = cur.gap ? 0 : addr - cur.addr;
    }
    return dst.addr + c;
}

uint32_t view_step(const struct view_space *s, uint32_t addr, int64_t delta)
{
    uint64_t pos = addr;
    if (delta > 0) {
        uint64_t rem = (uint64_t)delta;
        while (rem > 0) {
            const struct view_seg *g = &s->segs[seg_of_addr(s, pos)];
            if (g->end >= VIEW_ADDR_END && (g->gap || pos + rem >= g->end)) {
                return g->gap ? (uint32_t)pos : (uint32_t)(VIEW_ADDR_END - 1);
            }
            if (g->gap) {
                pos = g->end;
                rem--;
            } else if (rem <= g->end - 1 - pos) {
                pos += rem;
                rem = 0;
            } else {
                rem -= g->end - pos;
                pos = g->end;
            }
        }
        return (uint32_t)pos;
    }
    uint64_t rem = delta == INT64_MIN ? (uint64_t)INT64_MAX + 1 : (uint64_t)-delta;
    while (rem > 0) {
        const struct view_seg *g = &s->segs[seg_of_addr(s, pos)];
        if (g->gap) {
            if (g->start == 0) {
                return (uint32_t)pos;
            }
            pos = g->start - 1;
            rem--;
        } else if (rem <= pos - g->start) {
            pos -= rem;
            rem = 0;
        } else {
            if (g->start == 0) {
                return 0;
            }
            rem -= pos - g->start + 1;
            pos = g->start - 1;
            const struct view_seg *h = &s->segs[seg_of_addr(s, pos)];
            if (h->gap) {
                pos = h->start;
            }
        }
    }
    return (uint32_t)pos;
}

uint64_t view_scroll_top(const struct view_space *s, uint64_t top, uint64_t cursor,
                         unsigned height)
{
    uint64_t h = height > 0 ? height : 1;
    uint64_t max_top = s->rows > h ? s->rows - h : 0;
    if (cursor >= s->rows) {
        cursor = s->rows > 0 ? s->rows - 1 : 0;
    }
    if (cursor < top) {
        top = cursor;
    } else if (cursor >= top + h) {
        top = cursor - h + 1;
    }
    return top > max_top ? max_top : top;
}

int view_follow(const struct view_provider *provider, uint32_t addr, uint32_t *target_out,
                struct rc_msg *msg)
{
    if (addr > 0xfffffffcu) {
        return rc_set(msg, RC_ARG, "0x%08x: a 32-bit word there runs past 0xffffffff",
                      (unsigned)addr);
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; i++) {
        uint8_t b = 0;
        int st = get_byte(provider, addr + i, &b);
        if (st != VIEW_BYTE_OK) {
            return rc_set(msg, RC_NOTFOUND, "cannot follow the word at 0x%08x: byte 0x%08x "
                          "is %s", (unsigned)addr, (unsigned)(addr + i), view_byte_text(st));
        }
        v |= (uint32_t)b << (8 * i);
    }
    if (v == 0) {
        return rc_set(msg, RC_NOTFOUND, "the word at 0x%08x is 0 (NULL): not a pointer",
                      (unsigned)addr);
    }
    *target_out = v;
    return RC_OK;
}

/* ---- region panel ------------------------------------------------------- */

/* log2(n) in 1/256 units: the exponent plus a linear fraction. */
static uint64_t log2_fixed(uint64_t n)
{
    if (n <= 1) {
        return 0;
    }
    unsigned e = 63;
    while (!(n >> e & 1)) {
        e--;
    }
    uint64_t rest = n - (1ULL << e);
    uint64_t frac = e >= 8 ? rest >> (e - 8) : rest << (8 - e);
    return (uint64_t)e * 256 + frac;
}

int view_panel_row(const struct rmap *map, size_t i, unsigned bar_width,
                   struct view_panel_row *out)
{
    memset(out, 0, sizeof *out);
    size_t n = map != NULL ? rmap_count(map) : 0;
    if (i >= n) {
        return RC_ARG;
    }
    const struct rmap_region *r = rmap_get(map, i);
    uint64_t max = 1;
    for (size_t j = 0; j < n; j++) {
        const struct rmap_region *q = rmap_get(map, j);
        if (q->end - q->start > max) {
            max = q->end - q->start;
        }
    }
    uint64_t size = r->end - r->start;
    out->region = r;
    out->index = i;
    out->depth = r->depth;
    int ind = r->depth > 0 ? 2 * r->depth : 0;
    if (ind > 16) {
        ind = 16;
    }
    snprintf(out->label, sizeof out->label, "%*s%s", ind, "", r->name);
    snprintf(out->start, sizeof out->start, "0x%08x", (unsigned)r->start);
    view_size_text(size, out->size, sizeof out->size);
    out->kind = rmap_kind_name(r->kind);
    rmap_attrs_text(r->attrs, out->attrs);

    unsigned w = bar_width < 1 ? 1 : bar_width > VIEW_BAR_MAX ? VIEW_BAR_MAX : bar_width;
    uint64_t lmax = log2_fixed(max);
    uint64_t fill = lmax == 0 ? w : (w * log2_fixed(size) + lmax / 2) / lmax;
    if (fill < 1) {
        fill = 1;
    }
    if (fill > w) {
        fill = w;
    }
    out->fill = (unsigned)fill;
    for (unsigned j = 0; j < w; j++) {
        out->bar[j] = j < fill ? (r->depth > 0 ? '=' : '#') : ' ';
    }
    out->bar[w] = 0;
    return RC_OK;
}

int view_panel_find(const struct rmap *map, uint32_t addr, size_t *index_out)
{
    const struct rmap_region *r = lookup(map, addr);
    if (r == NULL) {
        return RC_NOTFOUND;
    }
    for (size_t i = 0; i < rmap_count(map); i++) {
        if (rmap_get(map, i) == r) {
            *index_out = i;
            return RC_OK;
        }
    }
    return RC_NOTFOUND;
}
