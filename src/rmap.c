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
};

static const char *const kind_names[RMAP_K_COUNT] = {
    "flash", "ram", "rom", "peripheral", "heap", "stack",
    "filesystem", "partition", "frozen", "unmapped", "other",
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
    return RC_OK;
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
    for (size_t i = 0; i < m->n; i++) {
        struct rmap_region *r = &m->r[i];
        r->parent = -1;
        r->depth = 0;
        for (size_t j = i; j-- > 0;) {
            const struct rmap_region *p = &m->r[j];
            if (p->start <= r->start && r->end <= p->end) {
                /* The smallest container: walk up from the nearest. */
                if (r->parent < 0 ||
                    p->end - p->start < m->r[r->parent].end - m->r[r->parent].start) {
                    r->parent = (int)j;
                }
            }
        }
        if (r->parent >= 0) {
            r->depth = m->r[r->parent].depth + 1;
        }
    }
    /* Conflicts: two memories from different sources that overlap without
     * one being the same as, or inside, the other. */
    for (size_t i = 0; i < m->n; i++) {
        for (size_t j = i + 1; j < m->n && m->r[j].start < m->r[i].end; j++) {
            struct rmap_region *a = &m->r[i], *b = &m->r[j];
            if (a->source == b->source || !is_memory_kind(a->kind) ||
                !is_memory_kind(b->kind)) {
                continue;
            }
            int same_start = a->start == b->start;
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
    }
}

const struct rmap_region *rmap_lookup(const struct rmap *m, uint32_t addr)
{
    const struct rmap_region *best = NULL;
    for (size_t i = 0; i < m->n; i++) {
        const struct rmap_region *r = &m->r[i];
        if (r->start <= addr && addr < r->end &&
            (best == NULL || r->end - r->start < best->end - best->start ||
             (r->end - r->start == best->end - best->start && r->depth > best->depth))) {
            best = r;
        }
    }
    return best;
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

static void csv_field(struct buf *out, const char *s)
{
    if (strpbrk(s, ",\"\n") == NULL) {
        buf_addstr(out, s);
        return;
    }
    buf_addstr(out, "\"");
    for (; *s; s++) {
        if (*s == '"') {
            buf_addstr(out, "\"\"");
        } else {
            buf_add(out, s, 1);
        }
    }
    buf_addstr(out, "\"");
}

static void json_str(struct buf *out, const char *s)
{
    buf_addstr(out, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_printf(out, "\\%c", c);
        } else if (c < 0x20) {
            buf_printf(out, "\\u%04x", c);
        } else {
            buf_add(out, s, 1);
        }
    }
    buf_addstr(out, "\"");
}

int rmap_format(const struct rmap *m, enum rmap_format fmt, struct buf *out)
{
    char attrs[4], size[24];
    if (fmt == RMAP_FMT_CSV) {
        buf_addstr(out, "name,start,end,size,attrs,kind,source,notes\n");
        for (size_t i = 0; i < m->n; i++) {
            const struct rmap_region *r = &m->r[i];
            rmap_attrs_text(r->attrs, attrs);
            csv_field(out, r->name);
            buf_printf(out, ",0x%08x,0x%08llx,0x%llx,%s,%s,", (unsigned)r->start,
                       (unsigned long long)r->end,
                       (unsigned long long)(r->end - r->start), attrs,
                       rmap_kind_name(r->kind));
            csv_field(out, rmap_source_name(r->source));
            buf_addstr(out, ",");
            csv_field(out, r->notes);
            buf_addstr(out, "\n");
        }
        return RC_OK;
    }
    if (fmt == RMAP_FMT_JSON) {
        buf_addstr(out, "{\"regions\": [");
        for (size_t i = 0; i < m->n; i++) {
            const struct rmap_region *r = &m->r[i];
            rmap_attrs_text(r->attrs, attrs);
            buf_addstr(out, i ? ",\n  {" : "\n  {");
            buf_addstr(out, "\"name\": ");
            json_str(out, r->name);
            buf_printf(out, ", \"start\": %u, \"end\": %llu, \"size\": %llu, "
                       "\"attrs\": \"%s\", \"kind\": \"%s\", \"source\": \"%s\", "
                       "\"access\": \"%s\", \"parent\": ", (unsigned)r->start,
                       (unsigned long long)r->end,
                       (unsigned long long)(r->end - r->start), attrs,
                       rmap_kind_name(r->kind), rmap_source_name(r->source),
                       rmap_access_name(r->access));
            if (r->parent >= 0) {
                json_str(out, m->r[r->parent].name);
            } else {
                buf_addstr(out, "null");
            }
            buf_addstr(out, ", \"notes\": ");
            json_str(out, r->notes);
            buf_addstr(out, "}");
        }
        buf_addstr(out, "\n], \"notes\": [");
        for (size_t i = 0; i < m->nnotes; i++) {
            buf_addstr(out, i ? ", " : "");
            json_str(out, m->notes[i]);
        }
        buf_addstr(out, "]}\n");
        return RC_OK;
    }
    /* Aligned table. */
    int namew = 4;
    for (size_t i = 0; i < m->n; i++) {
        int w = (int)strlen(m->r[i].name) + 2 * m->r[i].depth;
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
        buf_printf(out, "%*s%-*s  0x%08x  0x%08llx  %9s  %-5s  %-10s  %-13s  %s\n",
                   2 * r->depth, "", namew - 2 * r->depth, r->name,
                   (unsigned)r->start, (unsigned long long)r->end, size, attrs,
                   rmap_kind_name(r->kind), rmap_source_name(r->source),
                   r->notes);
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
        buf_printf(out, "note: %s\n", m->notes[i]);
    }
    return RC_OK;
}
