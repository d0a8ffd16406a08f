/*
 * test_rmap.c: the merged region map: nesting, de-duplication, conflicts,
 * the read guard, and the table/CSV/JSON output.
 */
#include "rmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failalloc.h"
#include "harness.h"

static void add(struct rmap *m, const char *name, uint32_t start, uint64_t end,
                enum rmap_kind kind, enum rmap_source src, enum rmap_access acc)
{
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, name);
    r.start = start;
    r.end = end;
    r.attrs = RMAP_A_R;
    r.kind = kind;
    r.source = src;
    r.access = acc;
    CHECK_EQ_INT(rmap_add(m, &r), RC_OK);
}

static struct rmap *microbit(void)
{
    struct rmap *m;
    rmap_new(&m);
    add(m, "ram", 0x20000000, 0x20004000, RMAP_K_RAM, RMAP_S_PROFILE, RMAP_ACC_READ);
    add(m, "flash", 0, 0x40000, RMAP_K_FLASH, RMAP_S_PROFILE, RMAP_ACC_READ);
    add(m, "flash", 0, 0x40000, RMAP_K_FLASH, RMAP_S_BOARD, RMAP_ACC_READ);
    add(m, "gc-heap", 0x200004a0, 0x200004a0 + 10048, RMAP_K_HEAP, RMAP_S_BOARD, RMAP_ACC_READ);
    add(m, "apb", 0x40000000, 0x40080000, RMAP_K_PERIPHERAL, RMAP_S_PROFILE, RMAP_ACC_NONE);
    add(m, "ROM", 0, 0x100000, RMAP_K_FLASH, RMAP_S_LD, RMAP_ACC_UNKNOWN);
    rmap_finish(m);
    return m;
}

/* The naive answers, straight from the definitions. */
static int naive_parent(const struct rmap *m, size_t i)
{
    const struct rmap_region *r = rmap_get(m, i);
    int best = -1;
    for (size_t j = i; j-- > 0;) {
        const struct rmap_region *p = rmap_get(m, j);
        if (p->start <= r->start && r->end <= p->end &&
            (best < 0 || p->end - p->start <
                             rmap_get(m, (size_t)best)->end - rmap_get(m, (size_t)best)->start)) {
            best = (int)j;
        }
    }
    return best;
}

static const struct rmap_region *naive_lookup(const struct rmap *m, uint32_t a)
{
    const struct rmap_region *best = NULL;
    for (size_t i = 0; i < rmap_count(m); i++) {
        const struct rmap_region *r = rmap_get(m, i);
        if (r->start > a || a >= r->end) {
            continue;
        }
        /* the memory first: an image region only where no other holds a */
        int ri = r->source == RMAP_S_IMAGE, bi = best && best->source == RMAP_S_IMAGE;
        if (best == NULL || (bi && !ri) ||
            (ri == bi && (r->end - r->start < best->end - best->start ||
                          (r->end - r->start == best->end - best->start &&
                           r->depth > best->depth)))) {
            best = r;
        }
    }
    return best;
}

TEST(random_maps_agree_with_the_definitions)
{
    unsigned seed = 12345;
    for (int round = 0; round < 200; round++) {
        struct rmap *m;
        rmap_new(&m);
        int n = 1 + round % 40;
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t start = (seed >> 8) % 64;
            seed = seed * 1103515245u + 12345u;
            uint32_t len = 1 + (seed >> 8) % 32;
            char name[16];
            snprintf(name, sizeof name, "r%d", k);
            add(m, name, start, (uint64_t)start + len,
                k % 3 ? RMAP_K_FLASH : RMAP_K_HEAP,
                (enum rmap_source)(k % 4), RMAP_ACC_READ);
        }
        rmap_finish(m);
        for (size_t i = 0; i < rmap_count(m); i++) {
            const struct rmap_region *r = rmap_get(m, i);
            int want = naive_parent(m, i);
            CHECK_EQ_INT(r->parent, want);
            CHECK_EQ_INT(r->depth, want < 0 ? 0 : rmap_get(m, (size_t)want)->depth + 1);
        }
        for (uint32_t a = 0; a < 100; a++) {
            CHECK(rmap_lookup(m, a) == naive_lookup(m, a));
        }
        rmap_free(m);
    }
}

TEST(many_segments_inside_flash)
{
    /* 65536 one-byte image segments with gaps, inside a profile's flash:
     * each is a child of the flash, found by lookup, no conflicts. */
    struct rmap *m;
    rmap_new(&m);
    enum { N = 65536 };
    for (uint32_t i = 0; i < N; i++) {
        char name[24];
        snprintf(name, sizeof name, "seg%u", (unsigned)i);
        add(m, name, 0x1000 + 2 * i, 0x1000 + 2 * i + 1, RMAP_K_FLASH,
            RMAP_S_IMAGE, RMAP_ACC_UNKNOWN);
    }
    add(m, "flash", 0, 0x40000, RMAP_K_FLASH, RMAP_S_PROFILE, RMAP_ACC_READ);
    rmap_finish(m);
    CHECK_EQ_INT(rmap_count(m), N + 1);
    CHECK_STR(rmap_get(m, 0)->name, "flash");
    int bad = 0;
    for (uint32_t i = 0; i < N; i++) {
        const struct rmap_region *r = rmap_get(m, 1 + i);
        const struct rmap_region *at = rmap_lookup_image(m, 0x1000 + 2 * i);
        const struct rmap_region *gap = rmap_lookup_image(m, 0x1000 + 2 * i + 1);
        bad += r->start != 0x1000 + 2 * i || r->parent != 0 || r->depth != 1 ||
               r->notes[0] != 0 || at != r || gap != NULL ||
               rmap_lookup(m, 0x1000 + 2 * i) != rmap_get(m, 0) ||
               rmap_lookup_inner(m, 0x1000 + 2 * i) != r ||
               rmap_lookup_inner(m, 0x1000 + 2 * i + 1) != rmap_get(m, 0);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(rmap_lookup(m, 0x40000) == NULL);
    int word;
    CHECK_EQ_INT(rmap_check_read(m, 0x1000, 64, &word, NULL), RC_OK);
    rmap_free(m);
}

/* No byte below 0x20 but the newlines of the format, no DEL, no C1. */
static int terminal_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f || *p == 0x9b ||
            (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
            return 0;
        }
    }
    return 1;
}

TEST(names_from_outside_are_escaped_in_every_format)
{
    struct rmap *m;
    rmap_new(&m);
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, "fw\x1b[2J\x1b]0;pwn\x07");
    strcpy(r.notes, "from \x9b" "31m a,\"file\"\n");
    r.start = 0x1000;
    r.end = 0x2000;
    r.attrs = RMAP_A_R;
    r.kind = RMAP_K_FLASH;
    r.source = RMAP_S_IMAGE;
    CHECK_EQ_INT(rmap_add(m, &r), RC_OK);
    rmap_note(m, "note \x1b[5m");
    rmap_finish(m);
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(rmap_format(m, RMAP_FMT_TABLE, &b), RC_OK);
    CHECK(terminal_safe(buf_str(&b)));
    CHECK(strstr(buf_str(&b), "fw\\x1b[2J\\x1b]0;pwn\\x07") != NULL);
    CHECK(strstr(buf_str(&b), "from \\x9b31m a,\"file\"\\x0a") != NULL);
    CHECK(strstr(buf_str(&b), "note: note \\x1b[5m") != NULL);
    buf_clear(&b);
    CHECK_EQ_INT(rmap_format(m, RMAP_FMT_CSV, &b), RC_OK);
    CHECK(terminal_safe(buf_str(&b)));
    CHECK(strstr(buf_str(&b), "\nfw\\x1b[2J\\x1b]0;pwn\\x07,0x00001000,") != NULL);
    CHECK(strstr(buf_str(&b), ",\"from \\x9b31m a,\"\"file\"\"\\x0a\"\n") != NULL);
    buf_clear(&b);
    CHECK_EQ_INT(rmap_format(m, RMAP_FMT_JSON, &b), RC_OK);
    CHECK(terminal_safe(buf_str(&b)));
    CHECK(strstr(buf_str(&b), "\"name\": \"fw\\u001b[2J\\u001b]0;pwn\\u0007\"") != NULL);
    CHECK(strstr(buf_str(&b), "\"notes\": \"from \\u009b31m a,\\\"file\\\"\\u000a\"") != NULL);
    buf_fini(&b);
    rmap_free(m);
}

TEST(an_image_inside_the_board_map)
{
    /* firmware.hex on the micro:bit: a 238 KiB segment at 0 in a 256 KiB
     * flash fits (no conflict); its UICR bytes are rom, as the UICR; the
     * flash names the address, the image segment is inside it. */
    struct rmap *m;
    rmap_new(&m);
    add(m, "flash", 0, 0x40000, RMAP_K_FLASH, RMAP_S_PROFILE, RMAP_ACC_READ);
    add(m, "uicr", 0x10001000, 0x10001100, RMAP_K_ROM, RMAP_S_PROFILE, RMAP_ACC_READ);
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, "fw.hex #1");
    r.start = 0;
    r.end = 0x3b88c;
    r.kind = RMAP_K_FLASH;
    r.kind_guess = 1;
    r.source = RMAP_S_IMAGE;
    CHECK_EQ_INT(rmap_add(m, &r), RC_OK);
    strcpy(r.name, "fw.hex #2");
    r.start = 0x100010c0;
    r.end = 0x100010dc;
    CHECK_EQ_INT(rmap_add(m, &r), RC_OK);
    strcpy(r.name, "too big");   /* an image larger than the flash */
    r.start = 0;
    r.end = 0x50000;
    r.kind_guess = 0;
    CHECK_EQ_INT(rmap_add(m, &r), RC_OK);
    rmap_finish(m);
    const struct rmap_region *flash = rmap_lookup(m, 0);
    CHECK(flash != NULL && strcmp(flash->name, "flash") == 0);
    const struct rmap_region *seg = rmap_lookup_image(m, 0);
    CHECK(seg != NULL && strcmp(seg->name, "fw.hex #1") == 0);
    CHECK(seg != NULL && rmap_lookup_inner(m, 0) == seg);
    CHECK(seg != NULL && strstr(seg->notes, "conflict") == NULL);
    CHECK(flash != NULL && strstr(flash->notes, "fw.hex") == NULL &&
          strstr(flash->notes, "image says 320 KiB") != NULL);
    const struct rmap_region *u = rmap_lookup_image(m, 0x100010c4);
    CHECK(u != NULL && u->kind == RMAP_K_ROM);
    CHECK(u != NULL && rmap_lookup_inner(m, 0x100010c4) == u);
    const struct rmap_region *uicr = rmap_lookup(m, 0x100010c4);
    CHECK(uicr != NULL && strcmp(uicr->name, "uicr") == 0);
    /* outside the board's map an image region names the address */
    const struct rmap_region *big = rmap_lookup(m, 0x48000);
    CHECK(big != NULL && strcmp(big->name, "too big") == 0 && big->kind == RMAP_K_FLASH);
    rmap_free(m);
}

TEST(nesting_and_dedupe)
{
    struct rmap *m = microbit();
    /* flash from board and profile merged into one row. */
    CHECK_EQ_INT(rmap_count(m), 5);
    const struct rmap_region *r0 = rmap_get(m, 0);
    CHECK_STR(r0->name, "ROM");          /* the biggest at 0 comes first */
    const struct rmap_region *r1 = rmap_get(m, 1);
    CHECK_STR(r1->name, "flash");
    CHECK_EQ_INT(r1->source, RMAP_S_BOARD);
    CHECK(strstr(r1->notes, "profile agrees") != NULL);
    CHECK_EQ_INT(r1->parent, 0);
    CHECK_EQ_INT(r1->depth, 1);
    const struct rmap_region *heap = rmap_lookup(m, 0x20001000);
    CHECK(heap != NULL && strcmp(heap->name, "gc-heap") == 0);
    CHECK(heap != NULL && heap->parent >= 0 &&
          strcmp(rmap_get(m, (size_t)heap->parent)->name, "ram") == 0);
    CHECK(rmap_lookup(m, 0x30000000) == NULL);
    rmap_free(m);
}

TEST(conflict_is_shown)
{
    struct rmap *m = microbit();
    /* ld says 1 MiB of ROM where the chip has 256 KiB. */
    const struct rmap_region *rom = rmap_get(m, 0);
    CHECK(strstr(rom->notes, "conflict") != NULL);
    CHECK(strstr(rom->notes, "1 MiB") != NULL && strstr(rom->notes, "256 KiB") != NULL);
    rmap_free(m);
}

TEST(read_guard)
{
    struct rmap *m = microbit();
    struct rc_msg msg;
    int word = 0;
    CHECK_EQ_INT(rmap_check_read(m, 0, 0x40000, &word, &msg), RC_OK);
    CHECK_EQ_INT(word, 0);
    CHECK_EQ_INT(rmap_check_read(m, 0x20000000, 0x4000, &word, &msg), RC_OK);
    /* Past the measured flash, inside the linker script's ROM only. */
    CHECK_EQ_INT(rmap_check_read(m, 0x3fff0, 0x20, &word, &msg), RC_ARG);
    CHECK(strstr(msg.text, "0x00040000") != NULL);
    CHECK_EQ_INT(rmap_check_read(m, 0x30000000, 16, &word, &msg), RC_ARG);
    CHECK(strstr(msg.text, "0x30000000 is outside") != NULL);
    CHECK(strstr(msg.text, "ram 0x20000000-0x20004000 below") != NULL);
    CHECK(strstr(msg.text, "apb 0x40000000-0x40080000 above") != NULL);
    CHECK(strstr(msg.text, "--unsafe") != NULL);
    CHECK_EQ_INT(rmap_check_read(m, 0x40000000, 4, &word, &msg), RC_ARG);
    CHECK(strstr(msg.text, "not safe to read") != NULL);
    rmap_free(m);
}

TEST(linker_only_map_is_trusted)
{
    struct rmap *m;
    rmap_new(&m);
    add(m, "FLASH", 0x08000000, 0x08100000, RMAP_K_FLASH, RMAP_S_LD, RMAP_ACC_UNKNOWN);
    rmap_finish(m);
    struct rc_msg msg;
    int word = 0;
    CHECK_EQ_INT(rmap_check_read(m, 0x08000000, 256, &word, &msg), RC_OK);
    CHECK_EQ_INT(rmap_check_read(m, 0x20000000, 256, &word, &msg), RC_ARG);
    rmap_free(m);
}

TEST(word_only_and_innermost_decides)
{
    struct rmap *m;
    rmap_new(&m);
    add(m, "xip", 0x10000000, 0x11000000, RMAP_K_FLASH, RMAP_S_PROFILE, RMAP_ACC_NONE);
    add(m, "flash", 0x10000000, 0x10200000, RMAP_K_FLASH, RMAP_S_BOARD, RMAP_ACC_READ);
    add(m, "iram", 0x40100000, 0x40108000, RMAP_K_RAM, RMAP_S_PROFILE, RMAP_ACC_WORD);
    rmap_finish(m);
    struct rc_msg msg;
    int word = 0;
    CHECK_EQ_INT(rmap_check_read(m, 0x10000000, 0x200000, &word, &msg), RC_OK);
    CHECK_EQ_INT(rmap_check_read(m, 0x101ffff0, 0x20, &word, &msg), RC_ARG);
    CHECK_EQ_INT(rmap_check_read(m, 0x40100000, 64, &word, &msg), RC_OK);
    CHECK_EQ_INT(word, 1);
    rmap_free(m);
}

TEST(formats)
{
    struct rmap *m = microbit();
    rmap_note(m, "the board's FICR gives NUMRAMBLOCK=0xffffffff: implausible, not used");
    struct buf b;
    buf_init(&b);
    rmap_format(m, RMAP_FMT_CSV, &b);
    CHECK(strncmp(buf_str(&b), "name,start,end,size,attrs,kind,source,notes\n", 44) == 0);
    CHECK(strstr(buf_str(&b), "flash,0x00000000,0x00040000,0x40000,r--,flash,board,") != NULL);
    CHECK(strstr(buf_str(&b), "gc-heap,0x200004a0,0x20002be0,0x2740,r--,heap,board,") != NULL);
    buf_clear(&b);
    rmap_format(m, RMAP_FMT_JSON, &b);
    CHECK(strstr(buf_str(&b), "\"name\": \"gc-heap\"") != NULL);
    CHECK(strstr(buf_str(&b), "\"parent\": \"ram\"") != NULL);
    CHECK(strstr(buf_str(&b), "NUMRAMBLOCK") != NULL);
    buf_clear(&b);
    rmap_format(m, RMAP_FMT_TABLE, &b);
    CHECK(strstr(buf_str(&b), "  flash ") != NULL);  /* indented inside ROM */
    CHECK(strstr(buf_str(&b), "flash      1 MiB in 2 regions") != NULL);
    CHECK(strstr(buf_str(&b), "heap       9.8 KiB in 1 region") != NULL);
    CHECK(strstr(buf_str(&b), "note: the board's FICR") != NULL);
    buf_fini(&b);
    rmap_free(m);
}

TEST(csv_quotes)
{
    struct rmap *m;
    rmap_new(&m);
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, "odd,name");
    r.start = 0x100;
    r.end = 0x200;
    strcpy(r.notes, "say \"hi\", twice");
    rmap_add(m, &r);
    rmap_finish(m);
    struct buf b;
    buf_init(&b);
    rmap_format(m, RMAP_FMT_CSV, &b);
    CHECK(strstr(buf_str(&b), "\"odd,name\",0x00000100,0x00000200,0x100,") != NULL);
    CHECK(strstr(buf_str(&b), "\"say \"\"hi\"\", twice\"") != NULL);
    buf_fini(&b);
    rmap_free(m);
}

TEST(bad_regions_rejected)
{
    struct rmap *m;
    rmap_new(&m);
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    r.start = 0x100;
    r.end = 0x100;
    CHECK_EQ_INT(rmap_add(m, &r), RC_ARG);
    r.end = 0x100000001ULL;
    CHECK_EQ_INT(rmap_add(m, &r), RC_ARG);
    rmap_free(m);
}

/* Whichever allocation fails while the map is formatted, in whatever
 * format, the caller gets RC_NOMEM and no text, never a map with a hole. */
TEST(out_of_memory_while_formatting_is_reported)
{
    struct rmap *m = microbit();
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, "odd,\x1b\"name\"");
    strcpy(r.notes, "notes, with \"quotes\" and \x7f");
    r.start = 0x20001000;
    r.end = 0x20002000;
    r.attrs = RMAP_A_R | RMAP_A_W;
    r.kind = RMAP_K_RAM;
    r.source = RMAP_S_IMAGE;
    CHECK_EQ_INT(rmap_add(m, &r), RC_OK);
    rmap_note(m, "a note, \x1b[1m with \"quotes\"");
    rmap_note(m, "another note");
    rmap_finish(m);
    const enum rmap_format fmts[] = {RMAP_FMT_TABLE, RMAP_FMT_CSV, RMAP_FMT_JSON};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        struct buf whole, b;
        buf_init(&whole);
        long before = failalloc_calls;
        CHECK_EQ_INT(rmap_format(m, fmts[f], &whole), RC_OK);
        long n = failalloc_calls - before;
        CHECK(n >= 2);
        for (long k = 0; k < n; k++) {
            buf_init(&b);
            failalloc_arm(k);
            int rc = rmap_format(m, fmts[f], &b);
            CHECK(failalloc_fired());
            failalloc_disarm();
            CHECK_EQ_INT(rc, RC_NOMEM);
            CHECK(buf_failed(&b));
            CHECK_STR(buf_str(&b), "");
            buf_fini(&b);
        }
        /* Memory back: the same text as before. */
        buf_init(&b);
        CHECK_EQ_INT(rmap_format(m, fmts[f], &b), RC_OK);
        CHECK_STR(buf_str(&b), buf_str(&whole));
        buf_fini(&b);
        buf_fini(&whole);
    }
    rmap_free(m);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(random_maps_agree_with_the_definitions);
    RUN(many_segments_inside_flash);
    RUN(names_from_outside_are_escaped_in_every_format);
    RUN(an_image_inside_the_board_map);
    RUN(nesting_and_dedupe);
    RUN(conflict_is_shown);
    RUN(read_guard);
    RUN(linker_only_map_is_trusted);
    RUN(word_only_and_innermost_decides);
    RUN(formats);
    RUN(csv_quotes);
    RUN(bad_regions_rejected);
    RUN(out_of_memory_while_formatting_is_reported);
    return harness_done("rmap");
}
