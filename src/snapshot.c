/*
 * snapshot.c: the snapshot file format (see snapshot.h): writing it into
 * a buffer, and reading it back with every length checked before use.
 *
 * A parsed snapshot keeps one private copy of the file; the memory
 * blocks and the heap text point into it, the regions and notes are
 * copied out into arrays of their own.
 */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "recdec.h"

#define ADDR_LIMIT 0x100000000ULL
#define STR_MAX 0xffffu

struct store {
    uint8_t *bytes;
    struct rmap_region *regions;
    char **notes;
    size_t nnotes;
    struct snapshot_mem *mem;
};

int snapshot_is(const uint8_t *data, size_t len)
{
    return len >= SNAPSHOT_MAGIC_LEN &&
           memcmp(data, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN) == 0;
}

int snapshot_file_is(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    struct stat sb;
    uint8_t head[SNAPSHOT_MAGIC_LEN];
    ssize_t n = -1;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        n = read(fd, head, sizeof head);
    }
    close(fd);
    return n == (ssize_t)sizeof head && snapshot_is(head, sizeof head);
}

void snapshot_time_text(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (size == 0) {
        return;
    }
    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0) {
        snprintf(out, size, "%lld s after 1970", (long long)t);
    }
}

/* ---- writing ------------------------------------------------------------ */

static void put_le(struct buf *b, uint64_t v, unsigned n)
{
    uint8_t t[8];
    for (unsigned i = 0; i < n; i++) {
        t[i] = (uint8_t)(v >> (8 * i));
    }
    buf_add(b, t, n);
}

static void patch_le(struct buf *b, size_t at, uint64_t v, unsigned n)
{
    if (buf_failed(b)) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        b->data[at + i] = (uint8_t)(v >> (8 * i));
    }
}

static int put_str(struct buf *b, const char *s, const char *what,
                   struct rc_msg *msg)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n > STR_MAX) {
        return rc_set(msg, RC_ARG, "%s is %zu bytes; a snapshot string holds "
                      "at most %u", what, n, STR_MAX);
    }
    put_le(b, n, 2);
    buf_add(b, s, n);
    return RC_OK;
}

/* Start a section: its tag and a length patched by sect_end. */
static size_t sect_begin(struct buf *b, const char tag[4])
{
    buf_add(b, tag, 4);
    put_le(b, 0, 4);
    size_t at = b->len;
    put_le(b, 0, 8);
    return at;
}

static void sect_end(struct buf *b, size_t at)
{
    patch_le(b, at, b->len - at - 8, 8);
}

static const char *source_name(enum rmap_source s)
{
    return rmap_source_name(s);
}

int snapshot_encode(const struct snapshot *s, struct buf *out,
                    struct rc_msg *msg)
{
    size_t start = out->len;
    int rc = RC_OK;
    buf_add(out, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN);
    put_le(out, SNAPSHOT_VERSION, 4);
    put_le(out, 0, 4);
    size_t total_at = out->len;
    put_le(out, 0, 8);

    const struct snapshot_info *in = &s->info;
    size_t at = sect_begin(out, "INFO");
    put_le(out, (uint64_t)in->recorded, 8);
    put_le(out, (uint32_t)(int32_t)in->repr_c, 4);
    const char *strs[] = {in->impl, in->version, in->firmware, in->machine,
                          in->platform, in->port, in->mpeek};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0] && rc == RC_OK; i++) {
        rc = put_str(out, strs[i], "a string of the board's info", msg);
    }
    sect_end(out, at);

    at = sect_begin(out, "REGN");
    put_le(out, s->nregions, 4);
    for (size_t i = 0; i < s->nregions && rc == RC_OK; i++) {
        const struct rmap_region *r = &s->regions[i];
        if (r->end <= r->start || r->end > ADDR_LIMIT) {
            return rc_set(msg, RC_ARG, "region %s: its end 0x%llx is not after "
                          "its start 0x%08x or past 2^32", r->name,
                          (unsigned long long)r->end, (unsigned)r->start);
        }
        char attrs[4];
        rmap_attrs_text(r->attrs, attrs);
        put_le(out, r->start, 4);
        put_le(out, r->end, 8);
        put_str(out, r->name, "a region name", msg);
        put_str(out, rmap_kind_name(r->kind), "a kind", msg);
        put_str(out, source_name(r->source), "a source", msg);
        put_str(out, rmap_access_name(r->access), "an access", msg);
        put_str(out, attrs, "attributes", msg);
        rc = put_str(out, r->notes, "a region's notes", msg);
    }
    sect_end(out, at);

    at = sect_begin(out, "NOTE");
    put_le(out, s->nnotes, 4);
    for (size_t i = 0; i < s->nnotes && rc == RC_OK; i++) {
        rc = put_str(out, s->notes[i], "a note of the map", msg);
    }
    sect_end(out, at);
    if (rc < 0) {
        return rc;
    }

    if (s->heap_text != NULL) {
        at = sect_begin(out, "HEAP");
        put_le(out, s->block_size, 4);
        buf_add(out, s->heap_text, s->heap_len);
        sect_end(out, at);
    }

    for (size_t i = 0; i < s->nmem; i++) {
        const struct snapshot_mem *m = &s->mem[i];
        if ((uint64_t)m->addr + m->len > ADDR_LIMIT || m->len == 0) {
            return rc_set(msg, RC_ARG, "memory block 0x%08x+%u is empty or runs "
                          "past 2^32", (unsigned)m->addr, (unsigned)m->len);
        }
        if (i > 0 && (uint64_t)s->mem[i - 1].addr + s->mem[i - 1].len > m->addr) {
            return rc_set(msg, RC_ARG, "memory blocks at 0x%08x and 0x%08x are "
                          "out of order or overlap", (unsigned)s->mem[i - 1].addr,
                          (unsigned)m->addr);
        }
        at = sect_begin(out, "MEM ");
        put_le(out, m->addr, 4);
        buf_add(out, m->data, m->len);
        sect_end(out, at);
    }
    size_t total = out->len - start + SNAPSHOT_DIGEST;
    if (total > SNAPSHOT_MAX_FILE) {
        return rc_set(msg, RC_ARG, "the snapshot would be %zu bytes; at most "
                      "%u MiB", total, SNAPSHOT_MAX_FILE >> 20);
    }
    patch_le(out, total_at, total, 8);
    if (buf_failed(out)) {
        return buf_check(out, msg, "the snapshot");
    }
    uint8_t dig[32];
    recdec_sha256(out->data + start, out->len - start, dig);
    buf_add(out, dig, sizeof dig);
    return buf_check(out, msg, "the snapshot");
}

/* ---- reading ------------------------------------------------------------ */

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

/* A cursor over one section's payload; the first problem is kept. */
struct cur {
    const uint8_t *p;
    size_t n;
    const char *name;   /* the file */
    const char *where;  /* "INFO", "region 3" ... */
    struct rc_msg *msg;
    int bad;
};

static int cur_fail(struct cur *c, const char *what, size_t need)
{
    if (!c->bad) {
        rc_set(c->msg, RC_PARSE, "%s: %s: %s needs %zu bytes, %zu remain in "
               "its section", c->name, c->where, what, need, c->n);
    }
    c->bad = 1;
    return 0;
}

static int take(struct cur *c, size_t n, const uint8_t **out, const char *what)
{
    if (c->bad) {
        return 0;
    }
    if (c->n < n) {
        return cur_fail(c, what, n);
    }
    *out = c->p;
    c->p += n;
    c->n -= n;
    return 1;
}

static uint64_t take_le(struct cur *c, unsigned n, const char *what)
{
    const uint8_t *p;
    return take(c, n, &p, what) ? get_le(p, n) : 0;
}

/* A string into out (size bytes with its NUL). */
static void take_str(struct cur *c, char *out, size_t size, const char *what)
{
    out[0] = 0;
    size_t n = (size_t)take_le(c, 2, what);
    const uint8_t *p;
    if (!take(c, n, &p, what)) {
        return;
    }
    if (n >= size) {
        rc_set(c->msg, RC_PARSE, "%s: %s: %s is %zu bytes; at most %zu", c->name,
               c->where, what, n, size - 1);
        c->bad = 1;
        return;
    }
    if (memchr(p, 0, n) != NULL) {
        rc_set(c->msg, RC_PARSE, "%s: %s: %s holds a NUL byte", c->name,
               c->where, what);
        c->bad = 1;
        return;
    }
    memcpy(out, p, n);
    out[n] = 0;
}

static void tag_text(const uint8_t *t, char out[20])
{
    int plain = 1;
    for (int i = 0; i < 4; i++) {
        plain &= t[i] >= 0x20 && t[i] < 0x7f && t[i] != '\'';
    }
    if (plain) {
        snprintf(out, 20, "'%c%c%c%c'", t[0], t[1], t[2], t[3]);
    } else {
        snprintf(out, 20, "0x%02x%02x%02x%02x", t[0], t[1], t[2], t[3]);
    }
}

static int parse_info(struct cur *c, struct snapshot_info *in)
{
    in->recorded = (int64_t)take_le(c, 8, "the time it was recorded");
    in->repr_c = (int)(int32_t)(uint32_t)take_le(c, 4, "how floats are stored");
    take_str(c, in->impl, sizeof in->impl, "the implementation");
    take_str(c, in->version, sizeof in->version, "the version");
    take_str(c, in->firmware, sizeof in->firmware, "the firmware string");
    take_str(c, in->machine, sizeof in->machine, "the machine string");
    take_str(c, in->platform, sizeof in->platform, "the platform");
    take_str(c, in->port, sizeof in->port, "the port");
    take_str(c, in->mpeek, sizeof in->mpeek, "the mpeek version");
    if (!c->bad && (in->repr_c < -1 || in->repr_c > 1)) {
        c->bad = 1;
        return rc_set(c->msg, RC_PARSE, "%s: INFO: how floats are stored is %d; "
                      "1, 0 or -1 (not known)", c->name, in->repr_c);
    }
    return c->bad ? RC_PARSE : RC_OK;
}

static int parse_source(const char *t, enum rmap_source *out)
{
    static const enum rmap_source all[] = {RMAP_S_BOARD, RMAP_S_LD,
                                           RMAP_S_PROFILE, RMAP_S_IMAGE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(t, rmap_source_name(all[i])) == 0) {
            *out = all[i];
            return RC_OK;
        }
    }
    return RC_PARSE;
}

/* The least bytes one region takes: start, end, six string lengths. */
#define REGION_MIN (4u + 8u + 6u * 2u)

static int parse_regions(struct cur *c, struct store *st, size_t *nout)
{
    uint64_t n = take_le(c, 4, "the count of regions");
    if (c->bad) {
        return RC_PARSE;
    }
    if (n > c->n / REGION_MIN) {
        return rc_set(c->msg, RC_PARSE, "%s: REGN: %llu regions cannot fit in "
                      "the %zu bytes of the section", c->name,
                      (unsigned long long)n, c->n);
    }
    st->regions = calloc(n ? (size_t)n : 1, sizeof *st->regions);
    if (st->regions == NULL) {
        return rc_set(c->msg, RC_NOMEM, "%s: out of memory", c->name);
    }
    char where[32];
    for (size_t i = 0; i < n; i++) {
        struct rmap_region *r = &st->regions[i];
        snprintf(where, sizeof where, "region %zu", i + 1);
        c->where = where;
        r->start = (uint32_t)take_le(c, 4, "its start");
        r->end = take_le(c, 8, "its end");
        char kind[24], source[24], access[24], attrs[8];
        take_str(c, r->name, sizeof r->name, "its name");
        take_str(c, kind, sizeof kind, "its kind");
        take_str(c, source, sizeof source, "its source");
        take_str(c, access, sizeof access, "its access");
        take_str(c, attrs, sizeof attrs, "its attributes");
        take_str(c, r->notes, sizeof r->notes, "its notes");
        if (c->bad) {
            return RC_PARSE;
        }
        const char *bad = NULL, *val = NULL;
        if (r->end <= r->start || r->end > ADDR_LIMIT) {
            return rc_set(c->msg, RC_PARSE, "%s: %s: end 0x%llx is not after its "
                          "start 0x%08x or is past 2^32", c->name, where,
                          (unsigned long long)r->end, (unsigned)r->start);
        }
        if (rmap_kind_parse(kind, &r->kind) < 0) {
            bad = "kind", val = kind;
        } else if (parse_source(source, &r->source) < 0) {
            bad = "source", val = source;
        } else if (rmap_access_parse(access, &r->access) < 0) {
            bad = "access", val = access;
        } else if (rmap_attrs_parse(attrs, &r->attrs) < 0) {
            bad = "attributes", val = attrs;
        }
        if (bad != NULL) {
            char e[100];
            return rc_set(c->msg, RC_PARSE, "%s: %s: unknown %s '%s'", c->name,
                          where, bad, fmt_esc(val, e, sizeof e));
        }
        r->parent = -1;
    }
    *nout = (size_t)n;
    return RC_OK;
}

static int parse_notes(struct cur *c, struct store *st)
{
    uint64_t n = take_le(c, 4, "the count of notes");
    if (c->bad) {
        return RC_PARSE;
    }
    if (n > c->n / 2) {
        return rc_set(c->msg, RC_PARSE, "%s: NOTE: %llu notes cannot fit in the "
                      "%zu bytes of the section", c->name, (unsigned long long)n,
                      c->n);
    }
    st->notes = calloc(n ? (size_t)n : 1, sizeof *st->notes);
    if (st->notes == NULL) {
        return rc_set(c->msg, RC_NOMEM, "%s: out of memory", c->name);
    }
    char where[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(where, sizeof where, "note %zu", i + 1);
        c->where = where;
        char *t = malloc(STR_MAX + 1);
        if (t == NULL) {
            return rc_set(c->msg, RC_NOMEM, "%s: out of memory", c->name);
        }
        st->notes[st->nnotes++] = t;
        take_str(c, t, STR_MAX + 1, "its text");
        if (c->bad) {
            return RC_PARSE;
        }
    }
    return RC_OK;
}

static int cmp_mem(const void *a, const void *b)
{
    const struct snapshot_mem *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void snapshot_free(struct snapshot *s)
{
    if (s == NULL) {
        return;
    }
    struct store *st = s->store;
    if (st != NULL) {
        free(st->bytes);
        free(st->regions);
        for (size_t i = 0; i < st->nnotes; i++) {
            free(st->notes[i]);
        }
        free(st->notes);
        free(st->mem);
        free(st);
    }
    free(s);
}

/* The sections of d[SNAPSHOT_HEADER, end), already digest-checked. */
static int parse_sections(struct snapshot *s, struct store *st, const uint8_t *d,
                          size_t end, const char *name, struct rc_msg *msg)
{
    int have_info = 0, have_regn = 0, have_note = 0, have_heap = 0;
    size_t nmem = 0, capmem = 0, pos = SNAPSHOT_HEADER;
    for (unsigned k = 1; pos < end; k++) {
        if (end - pos < 16) {
            return rc_set(msg, RC_PARSE, "%s: section %u at offset 0x%zx: its "
                          "header needs 16 bytes, %zu remain", name, k, pos, end - pos);
        }
        const uint8_t *tag = d + pos;
        uint64_t n = get_le(d + pos + 8, 8);
        char tt[20];
        tag_text(tag, tt);
        if (n > end - pos - 16) {
            return rc_set(msg, RC_PARSE, "%s: section %u (%s) at offset 0x%zx says "
                          "it holds %llu bytes; only %zu remain", name, k, tt, pos,
                          (unsigned long long)n, end - pos - 16);
        }
        struct cur c = {d + pos + 16, (size_t)n, name, "", msg, 0};
        pos += 16 + (size_t)n;
        int *once = memcmp(tag, "INFO", 4) == 0 ? &have_info
                  : memcmp(tag, "REGN", 4) == 0 ? &have_regn
                  : memcmp(tag, "NOTE", 4) == 0 ? &have_note
                  : memcmp(tag, "HEAP", 4) == 0 ? &have_heap : NULL;
        if (once != NULL && *once) {
            return rc_set(msg, RC_PARSE, "%s: section %u: a second %s section",
                          name, k, tt);
        }
        if (once != NULL) {
            *once = 1;
        }
        int rc = RC_OK;
        if (memcmp(tag, "INFO", 4) == 0) {
            c.where = "INFO";
            rc = parse_info(&c, &s->info);
        } else if (memcmp(tag, "REGN", 4) == 0) {
            c.where = "REGN";
            rc = parse_regions(&c, st, &s->nregions);
            s->regions = st->regions;
        } else if (memcmp(tag, "NOTE", 4) == 0) {
            c.where = "NOTE";
            rc = parse_notes(&c, st);
            s->notes = (const char *const *)st->notes;
            s->nnotes = st->nnotes;
        } else if (memcmp(tag, "HEAP", 4) == 0) {
            c.where = "HEAP";
            s->block_size = (uint32_t)take_le(&c, 4, "the GC block size");
            uint32_t bs = s->block_size;
            if (!c.bad && (bs < 4 || bs > 1024 || (bs & (bs - 1)) != 0)) {
                rc = rc_set(msg, RC_PARSE, "%s: HEAP: a GC block of %u bytes; "
                            "a power of two from 4 to 1024", name, (unsigned)bs);
            } else {
                s->heap_text = (const char *)c.p;
                s->heap_len = c.n;
            }
        } else if (memcmp(tag, "MEM ", 4) == 0) {
            c.where = "MEM";
            uint32_t addr = (uint32_t)take_le(&c, 4, "the address");
            if (!c.bad && (c.n == 0 || (uint64_t)addr + c.n > ADDR_LIMIT)) {
                rc = rc_set(msg, RC_PARSE, "%s: section %u: the memory block at "
                            "0x%08x (%zu bytes) is empty or runs past 2^32", name,
                            k, (unsigned)addr, c.n);
            } else if (!c.bad) {
                if (nmem == capmem) {
                    capmem = capmem ? capmem * 2 : 16;
                    struct snapshot_mem *t = realloc(st->mem, capmem * sizeof *t);
                    if (t == NULL) {
                        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
                    }
                    st->mem = t;
                }
                st->mem[nmem++] = (struct snapshot_mem){addr, (uint32_t)c.n, c.p};
            }
        }
        if (rc == RC_OK && c.bad) {
            rc = RC_PARSE;
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (!have_info || !have_regn) {
        return rc_set(msg, RC_PARSE, "%s: the %s section is missing", name,
                      !have_info ? "INFO" : "REGN");
    }
    if (nmem > 1) {
        qsort(st->mem, nmem, sizeof *st->mem, cmp_mem);
    }
    for (size_t i = 1; i < nmem; i++) {
        if ((uint64_t)st->mem[i - 1].addr + st->mem[i - 1].len > st->mem[i].addr) {
            return rc_set(msg, RC_PARSE, "%s: memory blocks overlap at 0x%08x",
                          name, (unsigned)st->mem[i].addr);
        }
    }
    s->mem = st->mem;
    s->nmem = nmem;
    return RC_OK;
}

/* Parse d (malloc'd; taken over, freed on failure). */
/* The header, the length and the digest. */
static int check_head(const uint8_t *data, size_t len, const char *name,
                      struct rc_msg *msg)
{
    if (!snapshot_is(data, len)) {
        return rc_set(msg, RC_PARSE, "%s: not an mpeek snapshot (it does not "
                      "start with " SNAPSHOT_MAGIC ")", name);
    }
    if (len < SNAPSHOT_HEADER) {
        return rc_set(msg, RC_PARSE, "%s: truncated: %zu bytes are too few for a "
                      "snapshot's header (%u)", name, len, SNAPSHOT_HEADER);
    }
    uint32_t version = (uint32_t)get_le(data + 8, 4);
    if (version != SNAPSHOT_VERSION) {
        return rc_set(msg, RC_PARSE, "%s: snapshot format version %u; this mpeek "
                      "reads version %u%s", name, (unsigned)version,
                      SNAPSHOT_VERSION, version > SNAPSHOT_VERSION
                      ? " (a newer mpeek wrote it: update mpeek)" : "");
    }
    uint64_t total = get_le(data + 16, 8);
    if (total < SNAPSHOT_HEADER + SNAPSHOT_DIGEST || total > SNAPSHOT_MAX_FILE) {
        return rc_set(msg, RC_PARSE, "%s: its header gives an impossible length "
                      "(%llu bytes)", name, (unsigned long long)total);
    }
    if (len < total) {
        return rc_set(msg, RC_PARSE, "%s: truncated: %zu bytes of the %llu its "
                      "header says", name, len, (unsigned long long)total);
    }
    if (len > total) {
        return rc_set(msg, RC_PARSE, "%s: %zu bytes after the end its header "
                      "gives (%llu bytes)", name, len - (size_t)total,
                      (unsigned long long)total);
    }
    uint8_t dig[32];
    recdec_sha256(data, len - SNAPSHOT_DIGEST, dig);
    if (memcmp(dig, data + len - SNAPSHOT_DIGEST, SNAPSHOT_DIGEST) != 0) {
        return rc_set(msg, RC_PARSE, "%s: damaged: its SHA-256 does not match "
                      "its contents (the file was altered or cut short)", name);
    }
    return RC_OK;
}

/* Parse data (malloc'd; taken over, freed on failure). */
static int parse_owned(uint8_t *data, size_t len, const char *name,
                       struct snapshot **out, struct rc_msg *msg)
{
    *out = NULL;
    int rc = check_head(data, len, name, msg);
    struct snapshot *s = rc == RC_OK ? calloc(1, sizeof *s) : NULL;
    struct store *st = rc == RC_OK ? calloc(1, sizeof *st) : NULL;
    if (rc == RC_OK && (s == NULL || st == NULL)) {
        rc = rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    if (rc < 0) {
        free(s);
        free(st);
        free(data);
        return rc;
    }
    s->store = st;
    s->version = SNAPSHOT_VERSION;
    st->bytes = data;
    rc = parse_sections(s, st, data, len - SNAPSHOT_DIGEST, name, msg);
    if (rc < 0) {
        snapshot_free(s);
        return rc;
    }
    *out = s;
    return RC_OK;
}

int snapshot_parse(const uint8_t *data, size_t len, const char *name,
                   struct snapshot **out, struct rc_msg *msg)
{
    *out = NULL;
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    if (len > 0) {
        memcpy(copy, data, len);
    }
    return parse_owned(copy, len, name, out, msg);
}

static int os_error(const char *path, int err, struct rc_msg *msg)
{
    int rc = err == ENOENT || err == ENOTDIR ? RC_NOTFOUND
             : err == EACCES || err == EPERM ? RC_PERM
                                             : RC_IO;
    return rc_set(msg, rc, "%s: %s", path, strerror(err));
}

int snapshot_load(const char *path, struct snapshot **out, struct rc_msg *msg)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return os_error(path, errno, msg);
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return os_error(path, err, msg);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return rc_set(msg, RC_ARG, "%s: not a regular file; a snapshot is a "
                      "file mpeek snapshot wrote", path);
    }
    if ((uint64_t)sb.st_size > SNAPSHOT_MAX_FILE) {
        close(fd);
        return rc_set(msg, RC_PARSE, "%s: larger than %u MiB; too big for a "
                      "snapshot", path, SNAPSHOT_MAX_FILE >> 20);
    }
    size_t len = (size_t)sb.st_size, got = 0;
    uint8_t *d = malloc(len ? len : 1);
    if (d == NULL) {
        close(fd);
        return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
    }
    while (got < len) {
        ssize_t n = read(fd, d + got, len - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int err = errno;
            free(d);
            close(fd);
            return os_error(path, err, msg);
        }
        if (n == 0) {
            break; /* shrank while read: the checks below say truncated */
        }
        got += (size_t)n;
    }
    close(fd);
    return parse_owned(d, got, path, out, msg);
}
