/*
 * fuzz_view.c: the goto prompt and search-pattern parsers of the hex view
 * on arbitrary text, with a small fixed map; a parsed pattern is then
 * searched for in a few bytes both ways and checked against brute force.
 *
 * The same text is then completed with Tab and Shift-Tab in goto-prompt
 * buffers of several sizes (never past the buffer, always NUL-terminated,
 * only ever a prefix of the text plus one of the names) and used as a list
 * filter (checked against a plain substring search).
 *
 * Input: the text, NUL-terminated at the first NUL (at most 1023 bytes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add(struct rmap *m, const char *name, uint32_t start, uint64_t end,
                enum rmap_kind kind)
{
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, name);
    r.start = start;
    r.end = end;
    r.attrs = RMAP_A_R;
    r.kind = kind;
    r.source = RMAP_S_PROFILE;
    r.access = RMAP_ACC_READ;
    rmap_add(m, &r);
}

static int symbol(void *ctx, const char *name, uint32_t *value)
{
    (void)ctx;
    if (strcmp(name, "_estack") == 0 || strcmp(name, "sym.x") == 0) {
        *value = 0x20004000;
        return RC_OK;
    }
    return RC_NOTFOUND;
}

/* 64 bytes at 0x1000 (the text itself, then a counter), byte 0x1020 unread. */
struct mem {
    uint8_t b[64];
};

static int get(void *ctx, uint32_t addr, uint8_t *value)
{
    const struct mem *m = ctx;
    if (addr < 0x1000 || addr >= 0x1040) {
        return VIEW_BYTE_UNREAD;
    }
    if (addr == 0x1020) {
        return VIEW_BYTE_UNREAD;
    }
    *value = m->b[addr - 0x1000];
    return VIEW_BYTE_OK;
}

static int brute(const struct mem *m, const struct view_pattern *p, int dir, uint32_t *at)
{
    int best = -1;
    for (int a = 0; a + (int)p->len <= 64; a++) {
        int ok = 1;
        for (size_t i = 0; i < p->len && ok; i++) {
            ok = (int)i + a != 0x20 && (m->b[a + i] & p->mask[i]) == p->bytes[i];
        }
        if (ok) {
            best = a;
            if (dir > 0) {
                break;
            }
        }
    }
    if (best < 0) {
        return VIEW_SEARCH_EXHAUSTED;
    }
    *at = 0x1000 + (uint32_t)best;
    return VIEW_SEARCH_FOUND;
}

static const char *const NAMES[] = {
    "Reset_Handler", "_estack", "flash", "gc-heap", "main", "mp_state_ctx",
    "mp_state_ctx_x", "mp_state_main", "ram", "sym.x",
};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static const char *name_of(void *ctx, size_t i)
{
    (void)ctx;
    return NAMES[i];
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int has_ci(const char *hay, const char *needle)
{
    size_t h = strlen(hay), k = strlen(needle);
    for (size_t i = 0; i + k <= h; i++) {
        size_t j = 0;
        while (j < k && lower((unsigned char)hay[i + j]) == lower((unsigned char)needle[j])) {
            j++;
        }
        if (j == k) {
            return 1;
        }
    }
    return 0;
}

static void complete_and_filter(const char *text, const uint8_t *data)
{
    static const size_t sizes[] = {1, 8, 24, 256};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        char buf[256 + 8];
        memset(buf, 0x7e, sizeof buf);
        size_t size = sizes[si];
        snprintf(buf, size, "%s", text);
        struct view_tab tab;
        view_tab_reset(&tab);
        for (int k = 0; k < 6; k++) {
            int dir = (data[0] >> (k % 8)) & 1 ? -1 : 1;
            size_t got = view_tab_complete(NAMES, NNAMES, &tab, buf, size, dir);
            if (got > NNAMES || memchr(buf, 0, size) == NULL) {
                abort();
            }
            for (size_t i = size; i < sizeof buf; i++) {
                if (buf[i] != 0x7e) {
                    abort(); /* wrote past the buffer */
                }
            }
        }
    }
    size_t out[NNAMES];
    size_t m = view_filter(name_of, NULL, NNAMES, text, out);
    size_t want = 0;
    for (size_t i = 0; i < NNAMES; i++) {
        if (has_ci(NAMES[i], text)) {
            if (want >= m || out[want] != i) {
                abort();
            }
            want++;
        }
    }
    if (want != m) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[1024];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = 0;

    if (size > 0) {
        complete_and_filter(text, data);
    }

    struct rmap *m;
    if (rmap_new(&m) != RC_OK) {
        return 0;
    }
    add(m, "flash", 0, 0x40000, RMAP_K_FLASH);
    add(m, "FLASH", 0, 0x100000, RMAP_K_FLASH);
    add(m, "ram", 0x20000000, 0x20004000, RMAP_K_RAM);
    add(m, "gc-heap", 0x200004a0, 0x20002be0, RMAP_K_HEAP);
    add(m, "gc", 0x20003000, 0x20003010, RMAP_K_OTHER);
    add(m, "ppb", 0xE0000000u, 0x100000000ULL, RMAP_K_PERIPHERAL);
    rmap_finish(m);

    struct rc_msg msg;
    struct view_symbols sym = {symbol, NULL};
    uint32_t addr = 0x5a5a5a5a;
    memset(&msg, 0, sizeof msg);
    int rc = view_parse_goto(text, m, (data[0] & 1) ? &sym : NULL, 0x1234, &addr, &msg);
    if (rc != RC_OK && (rc != RC_ARG || msg.text[0] == 0 || addr != 0x5a5a5a5a)) {
        abort();
    }

    struct view_pattern pat;
    memset(&msg, 0, sizeof msg);
    rc = view_parse_search(text, &pat, &msg);
    if (rc == RC_OK) {
        int fixed = 0;
        if (pat.len == 0 || pat.len > VIEW_PATTERN_MAX) {
            abort();
        }
        for (size_t i = 0; i < pat.len; i++) {
            if (pat.bytes[i] & ~pat.mask[i]) {
                abort();
            }
            fixed |= pat.mask[i] != 0;
        }
        if (!fixed) {
            abort();
        }
        struct mem mem;
        for (size_t i = 0; i < sizeof mem.b; i++) {
            mem.b[i] = i < n ? data[i] : (uint8_t)i;
        }
        /* The bytes lie in two touching regions; a third one lies beyond
         * a gap. */
        struct rmap *sm;
        struct view_space *s = NULL;
        if (rmap_new(&sm) == RC_OK) {
            add(sm, "a", 0xff8, 0x1030, RMAP_K_RAM);
            add(sm, "b", 0x1030, 0x1044, RMAP_K_RAM);
            add(sm, "c", 0x2000, 0x2010, RMAP_K_RAM);
            rmap_finish(sm);
            view_space_new(sm, (unsigned)(data[0] >> 7), 8u << (data[0] % 3), &s, &msg);
            rmap_free(sm);
        }
        if (s != NULL) {
            struct view_provider p = {get, &mem};
            /* Forward over a whole 4 GiB space would scan 4 GiB. */
            int last_dir = (data[0] >> 7) ? -1 : 1;
            for (int dir = -1; dir <= last_dir; dir += 2) {
                uint32_t at = 0, want = 0;
                uint32_t pos = dir > 0 ? 0 : 0x2100;
                int r;
                while ((r = view_search(&p, s, &pat, pos, dir, 1000, &pos)) ==
                       VIEW_SEARCH_NOT_FOUND_YET) {
                }
                at = pos;
                int w = brute(&mem, &pat, dir, &want);
                if (r != w || (r == VIEW_SEARCH_FOUND && at != want)) {
                    abort();
                }
            }
            /* The status line at any width, with the text as where and
             * link: bounded, NUL-terminated, the length it reports. */
            struct view_values v;
            view_values(&p, NULL, 0x1000u + data[0], &v);
            char line[64];
            unsigned width = data[0] % 120;
            size_t need = view_status_fit(NULL, NULL, &v, text, text, width, line,
                                          sizeof line);
            if (memchr(line, 0, sizeof line) == NULL || need < strlen(line) ||
                (need < sizeof line && need != strlen(line))) {
                abort();
            }
            view_space_free(s);
        }
    } else if (rc != RC_ARG || msg.text[0] == 0 || pat.len != 0) {
        abort();
    }
    rmap_free(m);
    return 0;
}
