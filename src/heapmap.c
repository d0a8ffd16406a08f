/*
 * heapmap.c: the GC heap model from micropython.mem_info(1) (see heapmap.h).
 *
 * One pass over the lines.  Summary lines fill the numbers; a "GC memory
 * layout; from" line opens an area, whose table lines and "(n lines all
 * free)" lines append block characters to it until a line of another kind
 * closes it.  Every table line's offset is checked against the number of
 * blocks already in the area, so a lost or repeated line is caught where it
 * happens.  Growth is checked against HEAPMAP_MAX_BLOCKS and "GC: total"
 * before anything is allocated.
 *
 * After the pass each area gets a small index (two words per 64-block
 * line) so that a lookup never walks more than one line to find the head
 * and the end of the object under an address.
 *
 * A "run" is an object (a head and its tails), a maximal run of free
 * blocks, or a run of orphan tails.  Block i continues the run of block
 * i-1 when it is '=' after a used block, or '.' after '.'.
 */
#include "heapmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

enum {
    SEEN_MEM = 1,
    SEEN_STACK = 2,
    SEEN_GC = 4,
    SEEN_NO = 8,
};

struct parser {
    struct heapmap *h;
    struct rc_msg *msg;
    uint32_t bs;
    unsigned line;          /* current text line, from 1 */
    unsigned seen;          /* SEEN_* of the summary lines parsed so far */
    int stm32_left;         /* lines after stm32's "GC:" still to try */
    uint64_t total_blocks;  /* over all areas, the current one included */
    /* the open area (h->areas[h->nareas - 1]) */
    int in_area;
    size_t area_cap;        /* bytes allocated for its blocks */
    int area_has_lines;
    unsigned short_line;    /* line of a table line with < 64 blocks, 0 if none */
    size_t short_count;
};

/* ---- small helpers ---------------------------------------------------- */

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_letter(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void warn(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct parser *ps, const char *fmt, ...)
{
    struct heapmap *h = ps->h;
    if (h->nwarnings == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(h->warning, sizeof h->warning, fmt, ap);
        va_end(ap);
    }
    if (h->nwarnings < ~0u) {
        h->nwarnings++;
    }
}

/* Match pat at the start of s[0..n): '#' stands for a decimal number of 1
 * to 18 digits, stored in vals in order.  Returns the length matched, or 0
 * when s does not match. */
static size_t match(const char *s, size_t n, const char *pat, long *vals)
{
    size_t i = 0;
    int k = 0;
    for (const char *q = pat; *q != 0; q++) {
        if (*q == '#') {
            size_t d = 0;
            long v = 0;
            while (i < n && is_digit((unsigned char)s[i])) {
                if (d == 18) {
                    return 0;
                }
                v = v * 10 + (s[i] - '0');
                i++;
                d++;
            }
            if (d == 0) {
                return 0;
            }
            vals[k++] = v;
        } else {
            if (i >= n || s[i] != *q) {
                return 0;
            }
            i++;
        }
    }
    return i;
}

static int match_all(const char *s, size_t n, const char *pat, long *vals)
{
    return n > 0 && match(s, n, pat, vals) == n;
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static size_t skip_spaces(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    return i;
}

static int is_used_char(uint8_t c)
{
    return c != '.';
}

/* Does block i (i >= 1) continue the run of block i-1? */
static int continues(const uint8_t *b, uint32_t i)
{
    if (b[i] == '=') {
        return is_used_char(b[i - 1]);
    }
    return b[i] == '.' && b[i - 1] == '.';
}

/* The first block at or after i that is not free ('.'), or n.  Collapsed
 * runs make free runs long, so compare 8 blocks at a time. */
static uint32_t skip_free(const uint8_t *b, uint32_t i, uint32_t n)
{
    static const uint64_t dots = 0x2e2e2e2e2e2e2e2eull;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, b + i, sizeof w);
        if (w != dots) {
            break;
        }
        i += 8;
    }
    while (i < n && b[i] == '.') {
        i++;
    }
    return i;
}

/* ---- the public small functions --------------------------------------- */

enum heapmap_state heapmap_state_of(uint8_t c)
{
    switch (c) {
    case '.': return HEAPMAP_FREE;
    case '=': return HEAPMAP_TAIL;
    case 'm': return HEAPMAP_MARKED;
    default: return HEAPMAP_HEAD;
    }
}

enum heapmap_kind heapmap_kind_of(uint8_t c)
{
    switch (c) {
    case '.':
    case '=': return HEAPMAP_K_NONE;
    case 'T': return HEAPMAP_K_TUPLE;
    case 'L': return HEAPMAP_K_LIST;
    case 'D': return HEAPMAP_K_DICT;
    case 'S': return HEAPMAP_K_STR;
    case 'A': return HEAPMAP_K_ARRAY;
    case 'F': return HEAPMAP_K_FLOAT;
    case 'B': return HEAPMAP_K_BYTECODE;
    case 'M': return HEAPMAP_K_MODULE;
    default: return HEAPMAP_K_OTHER;
    }
}

const char *heapmap_kind_name(enum heapmap_kind k)
{
    switch (k) {
    case HEAPMAP_K_NONE: return "free";
    case HEAPMAP_K_OTHER: return "object";
    case HEAPMAP_K_TUPLE: return "tuple";
    case HEAPMAP_K_LIST: return "list";
    case HEAPMAP_K_DICT: return "dict";
    case HEAPMAP_K_STR: return "str/bytes";
    case HEAPMAP_K_ARRAY: return "array";
    case HEAPMAP_K_FLOAT: return "float";
    case HEAPMAP_K_BYTECODE: return "bytecode";
    case HEAPMAP_K_MODULE: return "module";
    case HEAPMAP_K_MPEEK: return "mpeek's helper";
    case HEAPMAP_K_COUNT: break;
    }
    return "object";
}

void heapmap_init(struct heapmap *h)
{
    memset(h, 0, sizeof *h);
    h->gc_total = h->gc_used = h->gc_free = -1;
    h->stack_used = h->stack_limit = -1;
    h->mem_total = h->mem_current = h->mem_peak = -1;
    h->one_blocks = h->two_blocks = h->max_block = h->max_free = -1;
    h->max_new_split = -1;
}

void heapmap_fini(struct heapmap *h)
{
    for (size_t i = 0; i < h->nareas; i++) {
        free(h->areas[i].blocks);
        free(h->areas[i].line_first);
        free(h->areas[i].line_end);
        free(h->areas[i].own);
    }
    free(h->areas);
    heapmap_init(h);
}

/* ---- summary lines ---------------------------------------------------- */

/* A summary line parsed: returns 1 if it starts a second mem_info output
 * (parsing stops), else records bit and returns 0. */
static int second_output(struct parser *ps, unsigned bit)
{
    if ((ps->seen & bit) != 0 || ps->h->nareas > 0) {
        warn(ps, "line %u: a second mem_info output starts here; ignored",
             ps->line);
        return 1;
    }
    ps->seen |= bit;
    return 0;
}

/* Try s as a summary line.  Returns 1 to stop parsing, else 0. */
static int summary_line(struct parser *ps, const char *s, size_t n)
{
    struct heapmap *h = ps->h;
    long v[5];

    if (ps->stm32_left > 0) {
        size_t k = skip_spaces(s, n);
        const char *t = s + k;
        size_t tn = n - k;
        ps->stm32_left--;
        if (k > 0 && match_all(t, tn, "# total", v)) {
            h->gc_total = v[0];
            return 0;
        }
        if (k > 0 && match_all(t, tn, "# : #", v)) {
            h->gc_used = v[0];
            h->gc_free = v[1];
            return 0;
        }
        if (k > 0 && match_all(t, tn, "1=# 2=# m=#", v)) {
            h->one_blocks = v[0];
            h->two_blocks = v[1];
            h->max_block = v[2];
            return 0;
        }
        ps->stm32_left = 0;
    }

    if (starts_with(s, n, "mem: total=")) {
        if (!match_all(s, n, "mem: total=#, current=#, peak=#", v)) {
            warn(ps, "line %u: a 'mem:' line that does not parse; ignored",
                 ps->line);
            return 0;
        }
        if (second_output(ps, SEEN_MEM)) {
            return 1;
        }
        h->mem_total = v[0];
        h->mem_current = v[1];
        h->mem_peak = v[2];
        return 0;
    }
    if (starts_with(s, n, "stack: ")) {
        int both = match_all(s, n, "stack: # out of #", v);
        if (!both && !match_all(s, n, "stack: #", v)) {
            warn(ps, "line %u: a 'stack:' line that does not parse; ignored",
                 ps->line);
            return 0;
        }
        if (second_output(ps, SEEN_STACK)) {
            return 1;
        }
        h->stack_used = v[0];
        h->stack_limit = both ? v[1] : -1;
        return 0;
    }
    if (starts_with(s, n, "GC: total: ")) {
        size_t k = match(s, n, "GC: total: #, used: #, free: #", v);
        int split = 0;
        if (k > 0 && k < n) {
            split = match_all(s + k, n - k, ", max new split: #", v + 3);
            if (!split) {
                k = 0;
            }
        }
        if (k == 0) {
            warn(ps, "line %u: a 'GC: total:' line that does not parse; ignored",
                 ps->line);
            return 0;
        }
        if (second_output(ps, SEEN_GC)) {
            return 1;
        }
        h->gc_total = v[0];
        h->gc_used = v[1];
        h->gc_free = v[2];
        h->max_new_split = split ? v[3] : -1;
        return 0;
    }
    if (n == 3 && memcmp(s, "GC:", 3) == 0) {
        if (second_output(ps, SEEN_GC)) {
            return 1;
        }
        h->stm32_info = 1;
        ps->stm32_left = 3;
        return 0;
    }
    size_t k = skip_spaces(s, n);
    if (starts_with(s + k, n - k, "No. of 1-blocks: ")) {
        if (!match_all(s + k, n - k,
                       "No. of 1-blocks: #, 2-blocks: #, max blk sz: #, max free sz: #",
                       v)) {
            warn(ps, "line %u: a 'No. of 1-blocks' line that does not parse; ignored",
                 ps->line);
            return 0;
        }
        if (second_output(ps, SEEN_NO)) {
            return 1;
        }
        h->one_blocks = v[0];
        h->two_blocks = v[1];
        h->max_block = v[2];
        h->max_free = v[3];
    }
    return 0;
}

/* ---- areas and table lines -------------------------------------------- */

static struct heapmap_area *cur_area(struct parser *ps)
{
    return &ps->h->areas[ps->h->nareas - 1];
}

static int open_area(struct parser *ps, const char *s, size_t n)
{
    struct heapmap *h = ps->h;
    static const char prefix[] = "GC memory layout; from ";
    size_t i = sizeof prefix - 1;
    if (n >= i + 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
    }
    size_t d0 = i;
    uint64_t addr = 0;
    while (i < n && fmt_hex_digit((unsigned char)s[i]) >= 0) {
        if (addr <= 0xFFFFFFFFu) { /* saturates above 2^32: too big anyway */
            addr = addr << 4 | (uint64_t)fmt_hex_digit((unsigned char)s[i]);
        }
        i++;
    }
    if (i == d0 || i + 1 != n || s[i] != ':') {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: 'GC memory layout; from' needs a hex address and ':' "
                      "(\"%.*s\")", ps->line, (int)(n > 60 ? 60 : n), s);
    }
    if (addr > 0xFFFFFFFFu) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: heap address %.*s does not fit in 32 bits "
                      "(a 64-bit port?)", ps->line, (int)(n - d0 - 1), s + d0);
    }
    if (h->nareas >= HEAPMAP_MAX_AREAS) {
        return rc_set(ps->msg, RC_PARSE, "line %u: more than %u heap areas",
                      ps->line, HEAPMAP_MAX_AREAS);
    }
    struct heapmap_area *a = realloc(h->areas, (h->nareas + 1) * sizeof *a);
    if (a == NULL) {
        return rc_set(ps->msg, RC_NOMEM, "line %u: out of memory", ps->line);
    }
    h->areas = a;
    a = &h->areas[h->nareas++];
    memset(a, 0, sizeof *a);
    a->pool_start = (uint32_t)addr;
    a->line = ps->line;
    ps->in_area = 1;
    ps->area_cap = 0;
    ps->area_has_lines = 0;
    ps->short_line = 0;
    return RC_OK;
}

static int close_area(struct parser *ps)
{
    ps->in_area = 0;
    if (!ps->area_has_lines) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: 'GC memory layout; from' is followed by no table lines",
                      cur_area(ps)->line);
    }
    if (cur_area(ps)->nblocks == 0) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: the table after 'GC memory layout; from' has no blocks",
                      cur_area(ps)->line);
    }
    return RC_OK;
}

/* Make room for add more blocks in the open area, within every limit. */
static int grow(struct parser *ps, uint64_t add)
{
    struct heapmap_area *a = cur_area(ps);
    struct heapmap *h = ps->h;
    uint64_t total = ps->total_blocks + add;
    if (total > HEAPMAP_MAX_BLOCKS) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: the heap would have more than %u blocks; refusing",
                      ps->line, HEAPMAP_MAX_BLOCKS);
    }
    if (h->gc_total >= 0 && total * ps->bs > (uint64_t)h->gc_total) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: the table shows %llu bytes (%llu blocks of %u), more than "
                      "'GC: total' %ld",
                      ps->line, (unsigned long long)(total * ps->bs),
                      (unsigned long long)total, ps->bs, h->gc_total);
    }
    uint64_t need = (uint64_t)a->nblocks + add;
    if ((uint64_t)a->pool_start + need * ps->bs > 0x100000000ull) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: the area from 0x%08x would run past 0xffffffff",
                      ps->line, (unsigned)a->pool_start);
    }
    if (need > ps->area_cap) {
        uint64_t cap = ps->area_cap < 256 ? 256 : (uint64_t)ps->area_cap * 2;
        if (cap < need) {
            cap = need;
        }
        if (cap > HEAPMAP_MAX_BLOCKS) {
            cap = HEAPMAP_MAX_BLOCKS;
        }
        uint8_t *b = realloc(a->blocks, (size_t)cap);
        if (b == NULL) {
            return rc_set(ps->msg, RC_NOMEM,
                          "line %u: out of memory for %llu blocks", ps->line,
                          (unsigned long long)cap);
        }
        a->blocks = b;
        ps->area_cap = (size_t)cap;
    }
    ps->total_blocks = total;
    return RC_OK;
}

static int check_not_after_short(struct parser *ps)
{
    if (ps->short_line != 0) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: line %u before it has %zu blocks, but only the last "
                      "line of an area may have fewer than 64",
                      ps->line, ps->short_line, ps->short_count);
    }
    return RC_OK;
}

/* s[0..ndig) are the offset's hex digits and s[ndig] is ':'. */
static int table_line(struct parser *ps, const char *s, size_t n, size_t ndig)
{
    struct heapmap *h = ps->h;
    struct heapmap_area *a = cur_area(ps);
    int rc = check_not_after_short(ps);
    if (rc != RC_OK) {
        return rc;
    }
    if (h->offset_digits == 0) {
        h->offset_digits = (int)ndig;
    } else if ((size_t)h->offset_digits != ndig) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: offset %.*s has %zu digits, earlier lines %d",
                      ps->line, (int)ndig, s, ndig, h->offset_digits);
    }
    uint32_t off = 0;
    for (size_t i = 0; i < ndig; i++) {
        off = off << 4 | (uint32_t)fmt_hex_digit((unsigned char)s[i]);
    }
    uint32_t mask = ndig == 5 ? 0xFFFFFu : 0xFFFFFFFFu;
    uint32_t want = (uint32_t)((uint64_t)a->nblocks * ps->bs) & mask;
    if (off != want) {
        char hint[64] = "";
        for (uint32_t bs = 4; bs <= 1024 && a->nblocks > 0; bs *= 2) {
            if (bs != ps->bs && (((uint64_t)a->nblocks * bs) & mask) == off) {
                snprintf(hint, sizeof hint, "; it fits %u-byte blocks", (unsigned)bs);
                break;
            }
        }
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: offset %.*s should be %0*x (block %u of the area, "
                      "%u bytes per block)%s",
                      ps->line, (int)ndig, s, (int)ndig, (unsigned)want,
                      (unsigned)a->nblocks, (unsigned)ps->bs, hint);
    }
    const char *p = s + ndig + 1;
    size_t np = n - ndig - 1;
    if (np > 0) {
        if (p[0] != ' ') {
            return rc_set(ps->msg, RC_PARSE,
                          "line %u, column %zu: expected a space after the offset",
                          ps->line, ndig + 2);
        }
        p++;
        np--;
    }
    if (np > HEAPMAP_LINE_BLOCKS) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: %zu blocks on one line; a line holds at most 64",
                      ps->line, np);
    }
    for (size_t i = 0; i < np; i++) {
        uint8_t c = (uint8_t)p[i];
        if (c == '.' || c == '=' || is_letter(c)) {
            continue;
        }
        size_t col = ndig + 3 + i;
        if (c >= 0x21 && c < 0x7F) {
            return rc_set(ps->msg, RC_PARSE,
                          "line %u, column %zu: '%c' is not a block character",
                          ps->line, col, c);
        }
        return rc_set(ps->msg, RC_PARSE,
                      "line %u, column %zu: byte 0x%02x is not a block character",
                      ps->line, col, (unsigned)c);
    }
    rc = grow(ps, np);
    if (rc != RC_OK) {
        return rc;
    }
    a = cur_area(ps);
    for (size_t i = 0; i < np; i++) {
        uint8_t c = (uint8_t)p[i];
        if (is_letter(c) && strchr("mhTLDSAFBM", c) == NULL) {
            warn(ps, "line %u, column %zu: unknown block letter '%c' taken as an "
                     "object head", ps->line, ndig + 3 + i, c);
        }
        a->blocks[a->nblocks + i] = c;
    }
    a->nblocks += (uint32_t)np;
    ps->area_has_lines = 1;
    if (np < HEAPMAP_LINE_BLOCKS) {
        ps->short_line = ps->line;
        ps->short_count = np;
    }
    return RC_OK;
}

/* s is "(<digits> lines all free)" after leading spaces. */
static int collapsed_line(struct parser *ps, const char *s, size_t n)
{
    int rc = check_not_after_short(ps);
    if (rc != RC_OK) {
        return rc;
    }
    uint64_t lines = 0;
    size_t i = 1;
    while (i < n && is_digit((unsigned char)s[i])) {
        if (lines <= HEAPMAP_MAX_BLOCKS) {
            lines = lines * 10 + (uint64_t)(s[i] - '0');
        }
        i++;
    }
    if (i == 1 || i != n - strlen(" lines all free)")) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: expected \"(<number> lines all free)\"", ps->line);
    }
    if (lines == 0) {
        return rc_set(ps->msg, RC_PARSE, "line %u: zero lines all free", ps->line);
    }
    if (lines > HEAPMAP_MAX_BLOCKS / HEAPMAP_LINE_BLOCKS) {
        return rc_set(ps->msg, RC_PARSE,
                      "line %u: %.*s free lines is more than the %u blocks allowed",
                      ps->line, (int)(i - 1 > 20 ? 20 : i - 1), s + 1,
                      HEAPMAP_MAX_BLOCKS);
    }
    uint64_t add = lines * HEAPMAP_LINE_BLOCKS;
    rc = grow(ps, add);
    if (rc != RC_OK) {
        return rc;
    }
    struct heapmap_area *a = cur_area(ps);
    memset(a->blocks + a->nblocks, '.', (size_t)add);
    a->nblocks += (uint32_t)add;
    ps->area_has_lines = 1;
    return RC_OK;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Inside an area: handle s if it is a table or collapsed line.  Returns
 * RC_OK and sets *taken, or an error. */
static int area_line(struct parser *ps, const char *s, size_t n, int *taken)
{
    size_t ndig = 0;
    while (ndig < n && ndig <= 8 && fmt_hex_digit((unsigned char)s[ndig]) >= 0) {
        ndig++;
    }
    if ((ndig == 5 || ndig == 8) && ndig < n && s[ndig] == ':') {
        *taken = 1;
        return table_line(ps, s, n, ndig);
    }
    size_t k = skip_spaces(s, n);
    if (k < n && s[k] == '(' && ends_with(s + k, n - k, " lines all free)")) {
        *taken = 1;
        return collapsed_line(ps, s + k, n - k);
    }
    *taken = 0;
    return RC_OK;
}

/* ---- after the pass ----------------------------------------------------- */

struct span {
    uint64_t start, end;
    size_t idx;
};

static int cmp_span(const void *x, const void *y)
{
    const struct span *a = x, *b = y;
    if (a->start != b->start) {
        return a->start < b->start ? -1 : 1;
    }
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int check_overlap(struct parser *ps)
{
    struct heapmap *h = ps->h;
    if (h->nareas < 2) {
        return RC_OK;
    }
    struct span *sp = malloc(h->nareas * sizeof *sp);
    if (sp == NULL) {
        return rc_set(ps->msg, RC_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < h->nareas; i++) {
        sp[i].start = h->areas[i].pool_start;
        sp[i].end = sp[i].start + (uint64_t)h->areas[i].nblocks * ps->bs;
        sp[i].idx = i;
    }
    qsort(sp, h->nareas, sizeof *sp, cmp_span);
    int rc = RC_OK;
    for (size_t i = 1; i < h->nareas; i++) {
        if (sp[i].start < sp[i - 1].end) {
            rc = rc_set(ps->msg, RC_PARSE,
                        "line %u: the heap area from 0x%08x overlaps the one from "
                        "0x%08x (line %u)",
                        h->areas[sp[i].idx].line, (unsigned)sp[i].start,
                        (unsigned)sp[i - 1].start, h->areas[sp[i - 1].idx].line);
            break;
        }
    }
    free(sp);
    return rc;
}

/* One forward pass over the runs of the area: each line gets the start
 * of the run holding its first block and the end of the run holding its
 * last block.  Orphan runs are counted as warnings. */
static int build_index(struct parser *ps, struct heapmap_area *a)
{
    const uint32_t L = HEAPMAP_LINE_BLOCKS;
    uint32_t n = a->nblocks;
    uint32_t nlines = (n + L - 1) / L;
    a->line_first = malloc((size_t)nlines * sizeof *a->line_first);
    a->line_end = malloc((size_t)nlines * sizeof *a->line_end);
    if (a->line_first == NULL || a->line_end == NULL) {
        return rc_set(ps->msg, RC_NOMEM, "out of memory for the heap index");
    }
    const uint8_t *b = a->blocks;
    for (uint32_t i = 0; i < n;) {
        uint32_t e;
        if (b[i] == '.') {
            e = skip_free(b, i, n);
        } else {
            if (b[i] == '=') {
                warn(ps, "block %u of the area from 0x%08x (line %u) is a tail "
                         "with no head before it",
                     (unsigned)i, (unsigned)a->pool_start, a->line);
            }
            e = i + 1;
            while (e < n && b[e] == '=') {
                e++;
            }
        }
        /* the run is [i, e) */
        for (uint32_t line = (i + L - 1) / L; line * L < e; line++) {
            a->line_first[line] = i;
        }
        for (uint32_t line = i / L; line < nlines; line++) {
            uint32_t last = line * L + L - 1 < n ? line * L + L - 1 : n - 1;
            if (last >= e) {
                break;
            }
            a->line_end[line] = e;
        }
        i = e;
    }
    return RC_OK;
}

/* Compare the summary numbers with the table (warnings only). */
static void cross_check(struct parser *ps)
{
    struct heapmap *h = ps->h;
    if (h->nareas == 0) {
        return;
    }
    const struct heapmap_stats st = h->stats;
    uint64_t bytes = st.blocks * ps->bs;
    if (h->gc_total >= 0 && bytes < (uint64_t)h->gc_total) {
        warn(ps, "the table covers %llu of the %ld bytes of 'GC: total' "
                 "(output cut short?)",
             (unsigned long long)bytes, h->gc_total);
        return;
    }
    if (h->gc_used >= 0 && st.gc_used_blocks * ps->bs != (uint64_t)h->gc_used) {
        warn(ps, "'used: %ld' but the table has %llu used bytes", h->gc_used,
             (unsigned long long)(st.gc_used_blocks * ps->bs));
    }
    if (h->gc_free >= 0 &&
        st.state_blocks[HEAPMAP_FREE] * ps->bs != (uint64_t)h->gc_free) {
        warn(ps, "'free: %ld' but the table has %llu free bytes", h->gc_free,
             (unsigned long long)(st.state_blocks[HEAPMAP_FREE] * ps->bs));
    }
    if ((h->one_blocks >= 0 && st.one_blocks != (uint64_t)h->one_blocks) ||
        (h->two_blocks >= 0 && st.two_blocks != (uint64_t)h->two_blocks) ||
        (h->max_block >= 0 && st.max_block != (uint64_t)h->max_block) ||
        (h->max_free >= 0 && st.max_free != (uint64_t)h->max_free)) {
        warn(ps, "the block counts (1-blocks %ld, 2-blocks %ld, max %ld, max free %ld) "
                 "differ from the table's (%llu, %llu, %llu, %llu)",
             h->one_blocks, h->two_blocks, h->max_block, h->max_free,
             (unsigned long long)st.one_blocks, (unsigned long long)st.two_blocks,
             (unsigned long long)st.max_block, (unsigned long long)st.max_free);
    }
}

/* Count blocks and objects over all areas, and what MicroPython's
 * gc_info() would report for them (per area, as it counts). */
static void compute_stats(const struct heapmap *h, struct heapmap_stats *st)
{
    memset(st, 0, sizeof *st);
    for (size_t ai = 0; ai < h->nareas; ai++) {
        const struct heapmap_area *a = &h->areas[ai];
        const uint8_t *b = a->blocks;
        enum heapmap_kind kind = HEAPMAP_K_NONE;
        uint64_t len = 0, len_free = 0; /* as MicroPython's gc_info() */
        st->blocks += a->nblocks;
        for (uint32_t i = 0; i < a->nblocks; i++) {
            enum heapmap_state state = heapmap_state_of(b[i]);
            if (state == HEAPMAP_FREE) {
                /* the whole free run at once: for all but its last block
                 * the next block is free, which changes nothing below */
                uint32_t e = skip_free(b, i, a->nblocks);
                st->state_blocks[HEAPMAP_FREE] += e - i;
                st->kind_blocks[HEAPMAP_K_NONE] += e - i;
                len_free += e - i;
                len = 0;
                kind = HEAPMAP_K_NONE;
                i = e - 1;
            } else if (state == HEAPMAP_TAIL) {
                if (i == 0 || b[i - 1] == '.') {
                    kind = HEAPMAP_K_NONE; /* an orphan run starts */
                }
                if (kind == HEAPMAP_K_NONE) {
                    st->orphan_tails++;
                }
                st->state_blocks[state]++;
                st->kind_blocks[kind]++;
                st->gc_used_blocks++;
                len++;
            } else { /* a head, marked or not */
                kind = heapmap_kind_of(b[i]);
                st->state_blocks[state]++;
                st->kind_blocks[kind]++;
                st->objects++;
                st->kind_objects[kind]++;
                if (state == HEAPMAP_HEAD) {
                    st->gc_used_blocks++;
                    len = 1;
                }
            }
            /* gc_info(): an allocation ends before a free block or a head */
            int finish = i + 1 == a->nblocks;
            enum heapmap_state next = finish ? HEAPMAP_FREE : heapmap_state_of(b[i + 1]);
            if (finish || next == HEAPMAP_FREE || next == HEAPMAP_HEAD) {
                if (len == 1) {
                    st->one_blocks++;
                } else if (len == 2) {
                    st->two_blocks++;
                }
                if (len > st->max_block) {
                    st->max_block = len;
                }
                if (finish || next == HEAPMAP_HEAD) {
                    if (len_free > st->max_free) {
                        st->max_free = len_free;
                    }
                    len_free = 0;
                }
            }
        }
    }
}

/* ---- the parser --------------------------------------------------------- */

static int parse_lines(struct parser *ps, const char *text, size_t len)
{
    size_t pos = 0;
    int rc;
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        if (ps->line < ~0u) {
            ps->line++;
        }
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
        if (ps->in_area) {
            int taken = 0;
            rc = area_line(ps, s, n, &taken);
            if (rc != RC_OK || taken) {
                if (rc != RC_OK) {
                    return rc;
                }
                continue;
            }
            rc = close_area(ps);
            if (rc != RC_OK) {
                return rc;
            }
        }
        if (starts_with(s, n, "GC memory layout; from ")) {
            ps->stm32_left = 0;
            rc = open_area(ps, s, n);
            if (rc != RC_OK) {
                return rc;
            }
            continue;
        }
        if (summary_line(ps, s, n)) {
            break;
        }
    }
    if (ps->in_area) {
        return close_area(ps);
    }
    return RC_OK;
}

int heapmap_parse(const char *text, size_t len, uint32_t block_size,
                  struct heapmap *out, struct rc_msg *msg)
{
    if (out == NULL) {
        return rc_set(msg, RC_ARG, "heapmap_parse: no output model");
    }
    heapmap_init(out);
    if (text == NULL && len > 0) {
        return rc_set(msg, RC_ARG, "heapmap_parse: no text");
    }
    if (block_size < 4 || block_size > 1024 || (block_size & (block_size - 1)) != 0) {
        return rc_set(msg, RC_ARG,
                      "block size %u: must be a power of two from 4 to 1024",
                      (unsigned)block_size);
    }
    out->block_size = block_size;
    struct parser ps;
    memset(&ps, 0, sizeof ps);
    ps.h = out;
    ps.msg = msg;
    ps.bs = block_size;

    int rc = parse_lines(&ps, text, len);
    if (rc == RC_OK && out->nareas == 0 && (ps.seen & (SEEN_GC | SEEN_NO)) == 0) {
        rc = rc_set(msg, RC_PARSE,
                    "no micropython.mem_info() output in the text (no 'GC: total' "
                    "or 'GC memory layout' line)");
    }
    if (rc == RC_OK) {
        rc = check_overlap(&ps);
    }
    for (size_t i = 0; rc == RC_OK && i < out->nareas; i++) {
        rc = build_index(&ps, &out->areas[i]);
    }
    if (rc != RC_OK) {
        heapmap_fini(out);
        out->block_size = block_size;
        return rc;
    }
    compute_stats(out, &out->stats);
    cross_check(&ps);
    return RC_OK;
}

/* ---- queries ------------------------------------------------------------ */

int heapmap_lookup(const struct heapmap *h, uint32_t addr, struct heapmap_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    for (size_t i = 0; i < h->nareas; i++) {
        const struct heapmap_area *a = &h->areas[i];
        if (addr < a->pool_start ||
            (uint64_t)(addr - a->pool_start) >= (uint64_t)a->nblocks * h->block_size) {
            continue;
        }
        const uint8_t *b = a->blocks;
        uint32_t blk = (addr - a->pool_start) / h->block_size;
        uint32_t line = blk / HEAPMAP_LINE_BLOCKS;
        uint32_t lo = line * HEAPMAP_LINE_BLOCKS;
        uint32_t hi = lo + HEAPMAP_LINE_BLOCKS;
        if (hi > a->nblocks) {
            hi = a->nblocks;
        }
        uint32_t s = blk;
        while (s > lo && continues(b, s)) {
            s--;
        }
        uint32_t first = s == lo ? a->line_first[line] : s;
        uint32_t e = blk;
        while (e + 1 < hi && continues(b, e + 1)) {
            e++;
        }
        uint32_t end = e + 1 == hi ? a->line_end[line] : e + 1;

        hit->area = i;
        hit->block = blk;
        hit->block_addr = a->pool_start + blk * h->block_size;
        hit->state = heapmap_state_of(b[blk]);
        hit->head_addr = a->pool_start + first * h->block_size;
        hit->obj_blocks = end - first;
        if (b[first] == '=') {
            hit->orphan = 1;
            hit->kind = HEAPMAP_K_NONE;
        } else {
            hit->kind = a->own != NULL && a->own[first] ? HEAPMAP_K_MPEEK
                                                        : heapmap_kind_of(b[first]);
        }
        return RC_OK;
    }
    return RC_NOTFOUND;
}

int heapmap_mark_own(struct heapmap *h, uint32_t head_addr)
{
    struct heapmap_hit hit;
    if (heapmap_lookup(h, head_addr, &hit) != RC_OK || hit.orphan ||
        hit.state == HEAPMAP_FREE || hit.state == HEAPMAP_TAIL ||
        hit.head_addr != hit.block_addr) {
        return RC_NOTFOUND;
    }
    struct heapmap_area *a = &h->areas[hit.area];
    if (a->own == NULL && (a->own = calloc(a->nblocks, 1)) == NULL) {
        return RC_NOMEM;
    }
    if (a->own[hit.block]) {
        return RC_OK;
    }
    memset(a->own + hit.block, 1, hit.obj_blocks);
    h->stats.kind_objects[hit.kind]--;
    h->stats.kind_blocks[hit.kind] -= hit.obj_blocks;
    h->stats.kind_objects[HEAPMAP_K_MPEEK]++;
    h->stats.kind_blocks[HEAPMAP_K_MPEEK] += hit.obj_blocks;
    return RC_OK;
}

int heapmap_is_own(const struct heapmap *h, uint32_t addr)
{
    struct heapmap_hit hit;
    return heapmap_lookup(h, addr, &hit) == RC_OK && hit.kind == HEAPMAP_K_MPEEK;
}

void heapmap_stats(const struct heapmap *h, struct heapmap_stats *st)
{
    *st = h->stats;
}

size_t heapmap_summary(const struct heapmap *h, char *out, size_t size)
{
    int n;
    char dummy[1];
    if (out == NULL || size == 0) {
        out = dummy;
        size = sizeof dummy;
    }
    if (h->nareas == 0) {
        if (h->gc_total >= 0) {
            n = snprintf(out, size, "GC heap %ld bytes: %ld used, %ld free "
                         "(no allocation table)", h->gc_total, h->gc_used, h->gc_free);
        } else {
            n = snprintf(out, size, "GC heap: no allocation table");
        }
        return n < 0 ? 0 : (size_t)n;
    }
    const struct heapmap_stats st = h->stats;
    unsigned long long bs = h->block_size;
    unsigned long long bytes = st.blocks * bs;
    unsigned long long freeb = st.state_blocks[HEAPMAP_FREE] * bs;
    char where[48];
    if (h->nareas == 1) {
        snprintf(where, sizeof where, "0x%08x", (unsigned)h->areas[0].pool_start);
    } else {
        snprintf(where, sizeof where, "in %zu areas", h->nareas);
    }
    n = snprintf(out, size, "GC heap %s, %llu bytes: %llu used (%llu objects), %llu free",
                 where, bytes, bytes - freeb, (unsigned long long)st.objects, freeb);
    return n < 0 ? 0 : (size_t)n;
}

int heapmap_head_at(void *ctx, uint32_t addr)
{
    struct heapmap_hit hit;
    return heapmap_lookup(ctx, addr, &hit) == RC_OK && hit.head_addr == addr &&
           (hit.state == HEAPMAP_HEAD || hit.state == HEAPMAP_MARKED);
}
