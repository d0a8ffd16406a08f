/*
 * fscan.c: frozen-name tables in a flash dump (see fscan.h).
 */
#include "fscan.h"

#include <stdlib.h>
#include <string.h>

#include "rc.h"

#define NAME_MAX_LEN 127

/* Is mem[a..b) (no NUL inside) a plausible frozen name: printable, no
 * spaces, ending in ".py" or ".mpy"? */
static int plausible(const uint8_t *mem, size_t a, size_t b)
{
    size_t n = b - a;
    if (n < 4 || n > NAME_MAX_LEN) {
        return 0;
    }
    for (size_t i = a; i < b; i++) {
        if (mem[i] <= 0x20 || mem[i] >= 0x7f) {
            return 0;
        }
    }
    return memcmp(mem + b - 3, ".py", 3) == 0 ||
           (n >= 5 && memcmp(mem + b - 4, ".mpy", 4) == 0);
}

/* Start of the table holding the name at [s, e) (mem[e] == 0). */
static size_t table_start(const uint8_t *mem, size_t s)
{
    while (s >= 2 && mem[s - 1] == 0) {
        size_t p = s - 1; /* the previous name's NUL */
        size_t q = p;
        while (q > 0 && mem[q - 1] != 0 && p - (q - 1) <= NAME_MAX_LEN) {
            q--;
        }
        if (q == p || !plausible(mem, q, p) || (q > 0 && mem[q - 1] != 0)) {
            break;
        }
        s = q;
    }
    return s;
}

static int add_name(struct fscan_result *r, size_t *cap, const uint8_t *mem,
                    size_t a, size_t b, uint32_t base)
{
    if (r->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct fscan_name *nn = realloc(r->names, nc * sizeof *nn);
        if (nn == NULL) {
            return RC_NOMEM;
        }
        r->names = nn;
        *cap = nc;
    }
    struct fscan_name *f = &r->names[r->n++];
    memcpy(f->name, mem + a, b - a);
    f->name[b - a] = 0;
    f->addr = base + (uint32_t)a;
    return RC_OK;
}

/* Is the string "<mod>.py" / "<mod>/__init__.py" at [a, b) one of the
 * listed modules? */
static int listed(const char *modules, const uint8_t *mem, size_t a, size_t b)
{
    size_t n = b - a;
    const char *suffixes[] = {"/__init__.py", ".py", ".mpy"};
    for (size_t k = 0; k < 3; k++) {
        size_t sl = strlen(suffixes[k]);
        if (n <= sl || memcmp(mem + b - sl, suffixes[k], sl) != 0) {
            continue;
        }
        size_t ml = n - sl;
        const char *p = modules;
        while (*p != 0) {
            while (*p == ' ') {
                p++;
            }
            const char *e = p;
            while (*e != 0 && *e != ' ') {
                e++;
            }
            if ((size_t)(e - p) == ml && memcmp(p, mem + a, ml) == 0) {
                return 1;
            }
            p = e;
        }
    }
    return 0;
}

int fscan_names(const uint8_t *mem, size_t len, uint32_t base,
                const char *modules, struct fscan_result *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    size_t i = 0;
    while (i < len) {
        /* A string [i, e) ending in NUL at e, after a NUL (or at 0). */
        size_t e = i;
        while (e < len && mem[e] != 0 && e - i <= NAME_MAX_LEN) {
            e++;
        }
        if (e >= len || mem[e] != 0 || e == i || (i > 0 && mem[i - 1] != 0) ||
            !plausible(mem, i, e) || !listed(modules, mem, i, e)) {
            i = e + 1;
            continue;
        }
        /* A listed module's name: read its whole table. */
        size_t s = table_start(mem, i);
        if (out->ntables < 4) {
            out->table_addr[out->ntables] = base + (uint32_t)s;
        }
        out->ntables++;
        size_t p = s;
        for (;;) {
            size_t q = p;
            while (q < len && mem[q] != 0 && q - p <= NAME_MAX_LEN) {
                q++;
            }
            if (q >= len || mem[q] != 0 || !plausible(mem, p, q)) {
                break;
            }
            if (add_name(out, &cap, mem, p, q, base) < 0) {
                fscan_free(out);
                return RC_NOMEM;
            }
            p = q + 1;
        }
        i = p > i ? p : e + 1;
    }
    return RC_OK;
}

void fscan_free(struct fscan_result *r)
{
    free(r->names);
    memset(r, 0, sizeof *r);
}
