/*
 * ihex.c: Intel HEX parsing (see ihex.h).
 *
 * Records are collected as (address, length, offset into one byte store),
 * then sorted by address; touching records merge into segments and
 * overlapping ones are an error.
 */
#include "ihex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

struct rec {
    uint32_t addr;
    uint32_t len;
    size_t off;
    unsigned line;
};

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->line < y->line ? -1 : x->line > y->line;
}

void ihex_free(struct ihex *h)
{
    free(h->segs);
    free(h->bytes);
    memset(h, 0, sizeof *h);
}

int ihex_parse(const char *text, size_t len, const char *name,
               struct ihex *out, struct rc_msg *msg)
{
    memset(out, 0, sizeof *out);
    struct rec *recs = NULL;
    size_t nrecs = 0, caprecs = 0;
    uint8_t *store = NULL;
    size_t nstore = 0, capstore = 0;
    uint32_t base = 0;
    unsigned line = 0;
    int ended = 0;
    int rc = RC_OK;
    size_t i = 0;

    while (i < len) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n') {
            eol++;
        }
        size_t end = eol;
        while (end > i && (text[end - 1] == '\r' || text[end - 1] == ' ' ||
                           text[end - 1] == '\t')) {
            end--;
        }
        line++;
        const char *p = text + i;
        size_t n = end - i;
        i = eol + 1;
        if (n == 0) {
            continue;
        }
        if (ended) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: data after the end-of-file record",
                        name, line);
            goto fail;
        }
        if (p[0] != ':') {
            rc = rc_set(msg, RC_PARSE, "%s:%u: a record must start with ':'",
                        name, line);
            goto fail;
        }
        if (n < 11 || (n - 1) % 2 != 0) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: truncated record", name, line);
            goto fail;
        }
        uint8_t raw[261];
        size_t nraw = (n - 1) / 2;
        if (nraw > sizeof raw) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: record longer than 255 data bytes",
                        name, line);
            goto fail;
        }
        for (size_t k = 0; k < nraw; k++) {
            int hi = fmt_hex_digit((unsigned char)p[1 + 2 * k]);
            int lo = fmt_hex_digit((unsigned char)p[2 + 2 * k]);
            if (hi < 0 || lo < 0) {
                /* Shown escaped: a NUL or a control byte is data here. */
                size_t col = hi < 0 ? 1 + 2 * k : 2 + 2 * k;
                char shown[8];
                fmt_escape(p + col, 1, NULL, shown, sizeof shown);
                rc = rc_set(msg, RC_PARSE, "%s:%u:%zu: '%s' is not a hex digit",
                            name, line, col + 1, shown);
                goto fail;
            }
            raw[k] = (uint8_t)(hi << 4 | lo);
        }
        size_t count = raw[0];
        if (nraw != count + 5) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: record says %zu data bytes but "
                        "has %zu", name, line, count,
                        nraw >= 5 ? nraw - 5 : 0);
            goto fail;
        }
        unsigned sum = 0;
        for (size_t k = 0; k < nraw; k++) {
            sum += raw[k];
        }
        if ((sum & 0xff) != 0) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: bad checksum", name, line);
            goto fail;
        }
        uint32_t off = (uint32_t)raw[1] << 8 | raw[2];
        const uint8_t *data = raw + 4;
        switch (raw[3]) {
        case 0x00: {
            if (count == 0) {
                break;
            }
            uint64_t a = (uint64_t)base + off;
            if (a + count > 0x100000000ULL) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: data runs past 0xffffffff",
                            name, line);
                goto fail;
            }
            if (nrecs == caprecs) {
                caprecs = caprecs ? caprecs * 2 : 256;
                struct rec *t = realloc(recs, caprecs * sizeof *t);
                if (t == NULL) {
                    rc = rc_set(msg, RC_NOMEM, "%s: out of memory", name);
                    goto fail;
                }
                recs = t;
            }
            if (nstore + count > capstore) {
                capstore = capstore ? capstore * 2 : 4096;
                while (capstore < nstore + count) {
                    capstore *= 2;
                }
                uint8_t *t = realloc(store, capstore);
                if (t == NULL) {
                    rc = rc_set(msg, RC_NOMEM, "%s: out of memory", name);
                    goto fail;
                }
                store = t;
            }
            memcpy(store + nstore, data, count);
            recs[nrecs++] = (struct rec){(uint32_t)a, (uint32_t)count, nstore, line};
            nstore += count;
            break;
        }
        case 0x01:
            ended = 1;
            break;
        case 0x02:
        case 0x04:
            if (count != 2) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: address record needs 2 "
                            "data bytes", name, line);
                goto fail;
            }
            base = raw[3] == 0x02 ? ((uint32_t)data[0] << 8 | data[1]) << 4
                                  : ((uint32_t)data[0] << 8 | data[1]) << 16;
            break;
        case 0x03:
        case 0x05:
            if (count != 4) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: start record needs 4 "
                            "data bytes", name, line);
                goto fail;
            }
            out->has_start = 1;
            out->start = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                         (uint32_t)data[2] << 8 | data[3];
            break;
        default:
            rc = rc_set(msg, RC_PARSE, "%s:%u: unknown record type 0x%02x",
                        name, line, raw[3]);
            goto fail;
        }
    }
    if (!ended) {
        rc = rc_set(msg, RC_PARSE, "%s:%u: no end-of-file record (truncated "
                    "file?)", name, line);
        goto fail;
    }
    if (nrecs > 1) {
        qsort(recs, nrecs, sizeof *recs, cmp_rec);
    }
    out->segs = calloc(nrecs ? nrecs : 1, sizeof *out->segs);
    out->bytes = malloc(nstore ? nstore : 1);
    if (out->segs == NULL || out->bytes == NULL) {
        rc = rc_set(msg, RC_NOMEM, "%s: out of memory", name);
        goto fail;
    }
    size_t pos = 0;
    for (size_t k = 0; k < nrecs; k++) {
        struct rec *r = &recs[k];
        struct ihex_seg *last = out->nsegs ? &out->segs[out->nsegs - 1] : NULL;
        if (last != NULL && (uint64_t)last->addr + last->len > r->addr) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: record at 0x%08x overlaps "
                        "earlier data", name, r->line, (unsigned)r->addr);
            goto fail;
        }
        memcpy(out->bytes + pos, store + r->off, r->len); /* len > 0 */
        if (last != NULL && (uint64_t)last->addr + last->len == r->addr) {
            last->len += r->len;
        } else {
            out->segs[out->nsegs++] = (struct ihex_seg){r->addr, r->len, NULL};
        }
        pos += r->len;
    }
    pos = 0;
    for (size_t k = 0; k < out->nsegs; k++) {
        out->segs[k].data = out->bytes + pos;
        pos += out->segs[k].len;
    }
    free(recs);
    free(store);
    return RC_OK;
fail:
    free(recs);
    free(store);
    ihex_free(out);
    return rc;
}

int ihex_load(const char *path, struct ihex *out, struct rc_msg *msg)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return rc_set(msg, errno == ENOENT ? RC_NOTFOUND : RC_IO,
                      "%s: %s", path, strerror(errno));
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 > cap) {
            cap = cap ? cap * 2 : 1 << 20;
            char *t = realloc(text, cap);
            if (t == NULL) {
                free(text);
                fclose(f);
                return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
            }
            text = t;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            break;
        }
        if (len > (64u << 20)) {
            free(text);
            fclose(f);
            return rc_set(msg, RC_PARSE, "%s: larger than 64 MiB; not an "
                          "Intel HEX image", path);
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(text);
        return rc_set(msg, RC_IO, "%s: read error", path);
    }
    int rc = ihex_parse(text, len, path, out, msg);
    free(text);
    return rc;
}

size_t ihex_render(const struct ihex *h, uint32_t base, uint32_t size,
                   uint8_t fill, uint8_t *out)
{
    memset(out, fill, size);
    size_t covered = 0;
    uint64_t end = (uint64_t)base + size;
    for (size_t k = 0; k < h->nsegs; k++) {
        const struct ihex_seg *s = &h->segs[k];
        uint64_t a = s->addr > base ? s->addr : base;
        uint64_t e = (uint64_t)s->addr + s->len < end ? (uint64_t)s->addr + s->len : end;
        if (e > a) {
            memcpy(out + (a - base), s->data + (a - s->addr), (size_t)(e - a));
            covered += (size_t)(e - a);
        }
    }
    return covered;
}
