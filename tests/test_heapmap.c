/*
 * test_heapmap.c: the GC heap model from mem_info text.  Real captures
 * from MicroPython 1.9.2 on the emulated micro:bit, hand-written v1.20+
 * and stm32 outputs (tests/data/meminfo/README), every lookup checked
 * against a brute-force walk, and malformed input.
 */
#include "heapmap.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define BS 16u
#define MB_POOL 0x200004a0u

/* ---- helpers ------------------------------------------------------------ */

static char *load(const char *name, size_t *len)
{
    static const char *dirs[] = {"tests/data/meminfo/", "../tests/data/meminfo/",
                                 "data/meminfo/"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", dirs[i], name);
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            continue;
        }
        char *buf = NULL;
        size_t n = 0, cap = 0;
        for (;;) {
            if (n + 4096 > cap) {
                cap = cap * 2 + 4096;
                char *nb = realloc(buf, cap + 1);
                if (nb == NULL) {
                    break;
                }
                buf = nb;
            }
            size_t got = fread(buf + n, 1, cap - n, f);
            if (got == 0) {
                break;
            }
            n += got;
        }
        fclose(f);
        if (buf != NULL) {
            buf[n] = 0;
        }
        *len = n;
        return buf;
    }
    printf("  cannot open fixture %s (run from the repository root)\n", name);
    return NULL;
}

/* Parse a fixture; prints the message on failure. */
static int parse_file(const char *name, struct heapmap *h)
{
    size_t len = 0;
    char *text = load(name, &len);
    if (text == NULL) {
        heapmap_init(h);
        return RC_NOTFOUND;
    }
    struct rc_msg msg = {{0}};
    int rc = heapmap_parse(text, len, BS, h, &msg);
    if (rc != RC_OK) {
        printf("  %s: %s\n", name, msg.text);
    }
    free(text);
    return rc;
}

static int parse_str(const char *text, struct heapmap *h, struct rc_msg *msg)
{
    memset(msg, 0, sizeof *msg);
    return heapmap_parse(text, strlen(text), BS, h, msg);
}

/* 64 copies of c. */
static const char *row(char c)
{
    static char bufs[4][65];
    static int next;
    char *b = bufs[next++ % 4];
    memset(b, c, 64);
    b[64] = 0;
    return b;
}

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

#define CHECK_HAS(text, needle)                                              \
    do {                                                                     \
        if (!contains((text), (needle))) {                                   \
            printf("  FAIL %s:%d: \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, \
                   (text), (needle));                                        \
            harness_failed_checks++;                                         \
        }                                                                    \
    } while (0)

/* Does a new run (object, free run or orphan run) start at block i? */
static int run_starts(const uint8_t *b, uint32_t i)
{
    if (i == 0) {
        return 1;
    }
    if (b[i] == '.') {
        return b[i - 1] != '.';
    }
    if (b[i] == '=') {
        return b[i - 1] == '.';
    }
    return 1; /* a head */
}

/* Check the lookup of every block of every area (its first and last byte)
 * against runs found in one pass. */
static void check_all_lookups(const struct heapmap *h)
{
    long bad = 0;
    for (size_t ai = 0; ai < h->nareas; ai++) {
        const struct heapmap_area *a = &h->areas[ai];
        const uint8_t *b = a->blocks;
        uint32_t s = 0;
        for (uint32_t e = 1; e <= a->nblocks; e++) {
            if (e < a->nblocks && !run_starts(b, e)) {
                continue;
            }
            for (uint32_t i = s; i < e; i++) {
                for (int end = 0; end < 2; end++) {
                    uint32_t addr = a->pool_start + i * h->block_size +
                                    (end ? h->block_size - 1 : 0);
                    struct heapmap_hit hit;
                    int ok = heapmap_lookup(h, addr, &hit) == RC_OK && hit.area == ai &&
                             hit.block == i &&
                             hit.block_addr == a->pool_start + i * h->block_size &&
                             hit.state == heapmap_state_of(b[i]) &&
                             hit.head_addr == a->pool_start + s * h->block_size &&
                             hit.obj_blocks == e - s && hit.orphan == (b[s] == '=') &&
                             hit.kind == (b[s] == '=' ? HEAPMAP_K_NONE
                                                      : heapmap_kind_of(b[s]));
                    if (!ok && bad++ < 5) {
                        printf("  lookup mismatch: area %zu block %u ('%c'): want run %u+%u\n",
                               ai, (unsigned)i, b[i], (unsigned)s, (unsigned)(e - s));
                    }
                }
            }
            s = e;
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* What the table says must equal the summary lines, exactly. */
static void check_consistent(const struct heapmap *h)
{
    struct heapmap_stats st;
    heapmap_stats(h, &st);
    CHECK_EQ_INT(st.blocks * h->block_size, h->gc_total);
    CHECK_EQ_INT(st.gc_used_blocks * h->block_size, h->gc_used);
    CHECK_EQ_INT(st.state_blocks[HEAPMAP_FREE] * h->block_size, h->gc_free);
    CHECK_EQ_INT(st.one_blocks, h->one_blocks);
    CHECK_EQ_INT(st.two_blocks, h->two_blocks);
    CHECK_EQ_INT(st.max_block, h->max_block);
    if (h->max_free >= 0) {
        CHECK_EQ_INT(st.max_free, h->max_free);
    }
    CHECK_EQ_INT(h->nwarnings, 0);
    if (h->nwarnings != 0) {
        printf("  warning: %s\n", h->warning);
    }
}

/* ---- the captured micro:bit outputs ---------------------------------------- */

TEST(microbit_boot)
{
    struct heapmap h;
    CHECK_EQ_INT(parse_file("microbit-1.9.2-boot.txt", &h), RC_OK);
    CHECK_EQ_INT(h.nareas, 1);
    if (h.nareas != 1) {
        heapmap_fini(&h);
        return;
    }
    CHECK_EQ_INT(h.areas[0].pool_start, MB_POOL);
    CHECK_EQ_INT(h.areas[0].nblocks, 628);
    CHECK_EQ_INT(h.areas[0].line, 4);
    CHECK_EQ_INT(h.offset_digits, 5);
    CHECK_EQ_INT(h.block_size, 16);
    CHECK_EQ_INT(h.stack_used, 528);
    CHECK_EQ_INT(h.stack_limit, 1800);
    CHECK_EQ_INT(h.gc_total, 10048);
    CHECK_EQ_INT(h.gc_used, 544);
    CHECK_EQ_INT(h.gc_free, 9504);
    CHECK_EQ_INT(h.one_blocks, 3);
    CHECK_EQ_INT(h.two_blocks, 1);
    CHECK_EQ_INT(h.max_block, 19);
    CHECK_EQ_INT(h.max_free, 540);
    CHECK_EQ_INT(h.mem_total, -1);
    CHECK_EQ_INT(h.mem_current, -1);
    CHECK_EQ_INT(h.mem_peak, -1);
    CHECK_EQ_INT(h.max_new_split, -1);
    CHECK_EQ_INT(h.stm32_info, 0);
    check_consistent(&h);

    struct heapmap_stats st;
    heapmap_stats(&h, &st);
    CHECK_EQ_INT(st.objects, 8);
    CHECK_EQ_INT(st.state_blocks[HEAPMAP_HEAD], 8);
    CHECK_EQ_INT(st.state_blocks[HEAPMAP_TAIL], 26);
    CHECK_EQ_INT(st.state_blocks[HEAPMAP_FREE], 594);
    CHECK_EQ_INT(st.state_blocks[HEAPMAP_MARKED], 0);
    CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_BYTECODE], 1);
    CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_OTHER], 7);
    CHECK_EQ_INT(st.kind_blocks[HEAPMAP_K_NONE], 594);
    CHECK_EQ_INT(st.orphan_tails, 0);

    /* "00000: h=h==================h===B.........hh==..." */
    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 5 * 16 + 7, &hit), RC_OK);
    CHECK_EQ_INT(hit.area, 0);
    CHECK_EQ_INT(hit.block, 5);
    CHECK_EQ_INT(hit.block_addr, MB_POOL + 5 * 16);
    CHECK_EQ_INT(hit.state, HEAPMAP_TAIL);
    CHECK_EQ_INT(hit.kind, HEAPMAP_K_OTHER);
    CHECK_EQ_INT(hit.head_addr, MB_POOL + 2 * 16);
    CHECK_EQ_INT(hit.obj_blocks, 19);
    CHECK_EQ_INT(hit.orphan, 0);

    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 25 * 16, &hit), RC_OK);
    CHECK_EQ_INT(hit.state, HEAPMAP_HEAD);
    CHECK_EQ_INT(hit.kind, HEAPMAP_K_BYTECODE);
    CHECK_EQ_INT(hit.obj_blocks, 1);
    CHECK_STR(heapmap_kind_name(hit.kind), "bytecode");

    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 30 * 16 + 1, &hit), RC_OK);
    CHECK_EQ_INT(hit.state, HEAPMAP_FREE);
    CHECK_EQ_INT(hit.kind, HEAPMAP_K_NONE);
    CHECK_EQ_INT(hit.head_addr, MB_POOL + 26 * 16);
    CHECK_EQ_INT(hit.obj_blocks, 9);

    /* the free run at the end crosses the collapsed lines: the longest */
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 10048 - 1, &hit), RC_OK);
    CHECK_EQ_INT(hit.block, 627);
    CHECK_EQ_INT(hit.state, HEAPMAP_FREE);
    CHECK_EQ_INT(hit.head_addr, MB_POOL + 88 * 16);
    CHECK_EQ_INT(hit.obj_blocks, 540);

    /* the line after "(7 lines all free)" is "02400:": block 576 */
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 0x2400, &hit), RC_OK);
    CHECK_EQ_INT(hit.block, 576);
    CHECK_EQ_INT(h.areas[0].blocks[127], '.');
    CHECK_EQ_INT(h.areas[0].blocks[128 + 7 * 64 - 1], '.');

    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL - 1, &hit), RC_NOTFOUND);
    CHECK_EQ_INT(hit.obj_blocks, 0);
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 10048, &hit), RC_NOTFOUND);
    CHECK_EQ_INT(heapmap_lookup(&h, 0, &hit), RC_NOTFOUND);
    CHECK_EQ_INT(heapmap_lookup(&h, 0xFFFFFFFFu, &hit), RC_NOTFOUND);

    char line[128];
    size_t n = heapmap_summary(&h, line, sizeof line);
    CHECK_STR(line, "GC heap 0x200004a0, 10048 bytes: 544 used (8 objects), 9504 free");
    CHECK_EQ_INT(n, strlen(line));
    char tiny[10];
    CHECK_EQ_INT(heapmap_summary(&h, tiny, sizeof tiny), n);
    CHECK_STR(tiny, "GC heap 0");
    CHECK_EQ_INT(heapmap_summary(&h, NULL, 0), n);

    check_all_lookups(&h);
    heapmap_fini(&h);
    CHECK_EQ_INT(h.nareas, 0);
    CHECK(h.areas == NULL);
    CHECK_EQ_INT(h.gc_total, -1);
    heapmap_fini(&h); /* twice is fine */
}

TEST(microbit_all_captures_agree_with_their_summaries)
{
    /* On 1.9.2 "used" is exactly (head + tail blocks) * 16, "free" the free
     * blocks * 16, and the 1-/2-block, max and max-free counts match. */
    static const struct {
        const char *name;
        long objects, used;
        long lists, dicts, strs, arrays, bytecode, modules, tuples;
    } caps[] = {
        {"microbit-1.9.2-boot.txt", 8, 544, 0, 0, 0, 0, 1, 0, 0},
        {"microbit-1.9.2-objects.txt", 76, 4160, 10, 2, 3, 2, 7, 0, 1},
        {"microbit-1.9.2-module.txt", 38, 1872, 2, 2, 4, 0, 3, 1, 0},
        {"microbit-1.9.2-full.txt", 140, 8192, 1, 0, 2, 60, 2, 0, 0},
        {"microbit-1.9.2-collected.txt", 130, 7856, 1, 0, 0, 60, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        struct heapmap h;
        CHECK_EQ_INT(parse_file(caps[i].name, &h), RC_OK);
        CHECK_EQ_INT(h.nareas, 1);
        if (h.nareas != 1) {
            heapmap_fini(&h);
            continue;
        }
        CHECK_EQ_INT(h.areas[0].nblocks * 16, 10048);
        CHECK_EQ_INT(h.gc_used, caps[i].used);
        check_consistent(&h);
        struct heapmap_stats st;
        heapmap_stats(&h, &st);
        CHECK_EQ_INT(st.objects, caps[i].objects);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_LIST], caps[i].lists);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_DICT], caps[i].dicts);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_STR], caps[i].strs);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_ARRAY], caps[i].arrays);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_BYTECODE], caps[i].bytecode);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_MODULE], caps[i].modules);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_TUPLE], caps[i].tuples);
        CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_FLOAT], 0); /* floats are not boxed on the micro:bit */
        check_all_lookups(&h);
        heapmap_fini(&h);
    }
}

TEST(microbit_object_across_lines)
{
    /* objects.txt: line 0 ends "SShh==h========================", and line
     * 00400 starts "=======h": one object of 1 + 24 + 7 blocks. */
    struct heapmap h;
    CHECK_EQ_INT(parse_file("microbit-1.9.2-objects.txt", &h), RC_OK);
    struct heapmap_hit hit, hit2;
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 64 * 16, &hit), RC_OK);
    CHECK_EQ_INT(hit.state, HEAPMAP_TAIL);
    CHECK_EQ_INT(hit.head_addr, MB_POOL + 39 * 16);
    CHECK_EQ_INT(hit.obj_blocks, 32);
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 39 * 16, &hit2), RC_OK);
    CHECK_EQ_INT(hit2.state, HEAPMAP_HEAD);
    CHECK_EQ_INT(hit2.obj_blocks, 32);
    CHECK_EQ_INT(hit2.kind, HEAPMAP_K_OTHER);
    /* "(4 lines all free)" then "02400:" */
    CHECK_EQ_INT(h.areas[0].blocks[0x1000 / 16 + 6], '.');
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL + 0x2400 + 51 * 16, &hit), RC_OK);
    CHECK_EQ_INT(hit.block, 627);
    heapmap_fini(&h);
}

TEST(microbit_no_table)
{
    struct heapmap h;
    CHECK_EQ_INT(parse_file("microbit-1.9.2-noargs.txt", &h), RC_OK);
    CHECK_EQ_INT(h.nareas, 0);
    CHECK(h.areas == NULL);
    CHECK_EQ_INT(h.offset_digits, 0);
    CHECK_EQ_INT(h.gc_total, 10048);
    CHECK_EQ_INT(h.gc_used, 4288);
    CHECK_EQ_INT(h.gc_free, 5760);
    CHECK_EQ_INT(h.max_free, 305);
    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&h, MB_POOL, &hit), RC_NOTFOUND);
    char line[128];
    heapmap_summary(&h, line, sizeof line);
    CHECK_STR(line, "GC heap 10048 bytes: 4288 used, 5760 free (no allocation table)");
    heapmap_fini(&h);
}

TEST(microbit_text_around_and_lf_only)
{
    /* full.txt has "before the dump" and "after the dump" around it. */
    size_t len = 0;
    char *text = load("microbit-1.9.2-full.txt", &len);
    if (text == NULL) {
        CHECK(0);
        return;
    }
    struct heapmap a, b;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(text, len, BS, &a, &msg), RC_OK);
    CHECK_EQ_INT(a.nwarnings, 0);
    /* the same with \n only */
    char *lf = malloc(len + 1);
    size_t m = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '\r') {
            lf[m++] = text[i];
        }
    }
    CHECK_EQ_INT(heapmap_parse(lf, m, BS, &b, &msg), RC_OK);
    CHECK_EQ_INT(b.nareas, 1);
    if (a.nareas == 1 && b.nareas == 1) {
        CHECK_EQ_INT(a.areas[0].nblocks, b.areas[0].nblocks);
        CHECK(memcmp(a.areas[0].blocks, b.areas[0].blocks, a.areas[0].nblocks) == 0);
    }
    /* no final newline */
    heapmap_fini(&b);
    CHECK_EQ_INT(heapmap_parse(lf, m - 1, BS, &b, &msg), RC_OK);
    CHECK_EQ_INT(b.gc_total, 10048);
    heapmap_fini(&b);
    heapmap_fini(&a);
    free(lf);
    free(text);
}

/* ---- hand-written newer formats ---------------------------------------- */

TEST(v120_qemu_mps2_mem_line)
{
    struct heapmap h;
    CHECK_EQ_INT(parse_file("v1.20-qemu-mps2-mem.txt", &h), RC_OK);
    CHECK_EQ_INT(h.nareas, 1);
    if (h.nareas != 1) {
        heapmap_fini(&h);
        return;
    }
    CHECK_EQ_INT(h.offset_digits, 8);
    CHECK_EQ_INT(h.areas[0].pool_start, 0x31c30);
    CHECK_EQ_INT(h.areas[0].nblocks, 8752);
    CHECK_EQ_INT(h.mem_total, 7718);
    CHECK_EQ_INT(h.mem_current, 1389);
    CHECK_EQ_INT(h.mem_peak, 2913);
    CHECK_EQ_INT(h.stack_used, 508);
    CHECK_EQ_INT(h.stack_limit, 40960);
    CHECK_EQ_INT(h.one_blocks, 35);
    CHECK_EQ_INT(h.max_free, 8644);
    check_consistent(&h);
    struct heapmap_stats st;
    heapmap_stats(&h, &st);
    CHECK_EQ_INT(st.objects, 50);
    CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_TUPLE], 2);
    CHECK_EQ_INT(st.kind_objects[HEAPMAP_K_ARRAY], 1);
    /* "(134 lines all free)" then "00022000:" = block 136 * 64 */
    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&h, 0x31c30 + 0x22000, &hit), RC_OK);
    CHECK_EQ_INT(hit.block, 136 * 64);
    CHECK_EQ_INT(hit.state, HEAPMAP_FREE);
    CHECK_EQ_INT(hit.obj_blocks, 8644);
    /* "...hhhh==Bh" / "hhB..": the last 'h' of line 0 is a 1-block object */
    CHECK_EQ_INT(heapmap_lookup(&h, 0x31c30 + 63 * 16, &hit), RC_OK);
    CHECK_EQ_INT(hit.obj_blocks, 1);
    CHECK_EQ_INT(heapmap_lookup(&h, 0x31c30 + 8752 * 16, &hit), RC_NOTFOUND);
    check_all_lookups(&h);
    heapmap_fini(&h);
}

TEST(v120_esp32_split_heap)
{
    struct heapmap h;
    CHECK_EQ_INT(parse_file("v1.20-esp32-split.txt", &h), RC_OK);
    CHECK_EQ_INT(h.nareas, 2);
    if (h.nareas != 2) {
        heapmap_fini(&h);
        return;
    }
    CHECK_EQ_INT(h.max_new_split, 110592);
    CHECK_EQ_INT(h.gc_total, 97536);
    CHECK_EQ_INT(h.stack_limit, 15360);
    CHECK_EQ_INT(h.mem_total, -1);
    CHECK_EQ_INT(h.areas[0].pool_start, 0x3ffc5a70);
    CHECK_EQ_INT(h.areas[0].nblocks, 4096); /* ends in "(60 lines all free)" */
    CHECK_EQ_INT(h.areas[1].pool_start, 0x3ffe1e30);
    CHECK_EQ_INT(h.areas[1].nblocks, 2000);
    CHECK_EQ_INT(h.areas[1].line, 10);
    check_consistent(&h);

    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&h, 0x3ffc5a70, &hit), RC_OK);
    CHECK_EQ_INT(hit.area, 0);
    CHECK_EQ_INT(hit.kind, HEAPMAP_K_MODULE);
    CHECK_EQ_INT(hit.obj_blocks, 2);
    CHECK_EQ_INT(heapmap_lookup(&h, 0x3ffc5a70 + 4096 * 16 - 1, &hit), RC_OK);
    CHECK_EQ_INT(hit.area, 0);
    CHECK_EQ_INT(hit.state, HEAPMAP_FREE);
    CHECK_EQ_INT(hit.obj_blocks, 3850);
    /* between the areas */
    CHECK_EQ_INT(heapmap_lookup(&h, 0x3ffc5a70 + 4096 * 16, &hit), RC_NOTFOUND);
    CHECK_EQ_INT(heapmap_lookup(&h, 0x3ffe1e30 - 1, &hit), RC_NOTFOUND);
    /* second area: "h===================S==....L..." */
    CHECK_EQ_INT(heapmap_lookup(&h, 0x3ffe1e30 + 21 * 16 + 3, &hit), RC_OK);
    CHECK_EQ_INT(hit.area, 1);
    CHECK_EQ_INT(hit.block, 21);
    CHECK_EQ_INT(hit.state, HEAPMAP_TAIL);
    CHECK_EQ_INT(hit.kind, HEAPMAP_K_STR);
    CHECK_EQ_INT(hit.head_addr, 0x3ffe1e30 + 20 * 16);
    CHECK_EQ_INT(hit.obj_blocks, 3);
    CHECK_EQ_INT(heapmap_lookup(&h, 0x3ffe1e30 + 0x7c00, &hit), RC_OK);
    CHECK_EQ_INT(hit.area, 1);
    CHECK_EQ_INT(hit.block, 1984);
    CHECK_EQ_INT(heapmap_lookup(&h, 0x3ffe1e30 + 2000 * 16, &hit), RC_NOTFOUND);

    char line[128];
    heapmap_summary(&h, line, sizeof line);
    CHECK_STR(line, "GC heap in 2 areas, 97536 bytes: 4640 used (45 objects), 92896 free");
    check_all_lookups(&h);
    heapmap_fini(&h);
}

TEST(stm32_machine_info)
{
    struct heapmap h;
    CHECK_EQ_INT(parse_file("v1.19-stm32-machine-info.txt", &h), RC_OK);
    CHECK_EQ_INT(h.stm32_info, 1);
    CHECK_EQ_INT(h.nareas, 1);
    CHECK_EQ_INT(h.offset_digits, 5);
    CHECK_EQ_INT(h.gc_total, 100928);
    CHECK_EQ_INT(h.gc_used, 2448);
    CHECK_EQ_INT(h.one_blocks, 8);
    CHECK_EQ_INT(h.two_blocks, 7);
    CHECK_EQ_INT(h.max_block, 40);
    CHECK_EQ_INT(h.max_free, -1);
    CHECK_EQ_INT(h.stack_used, -1);
    if (h.nareas == 1) {
        CHECK_EQ_INT(h.areas[0].pool_start, 0x200035b8);
        check_consistent(&h);
        check_all_lookups(&h);
    }
    heapmap_fini(&h);
}

/* ---- built by hand in the tests ------------------------------------------ */

TEST(collapsed_run_then_objects)
{
    char t[1024];
    snprintf(t, sizeof t,
             "GC memory layout; from 1000:\n"
             "00000: h=%.62s\n"
             "       (3 lines all free)\n"
             "01000: ..h===L\n",
             row('.'));
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nareas, 1);
    CHECK_EQ_INT(h.gc_total, -1);
    if (h.nareas == 1) {
        CHECK_EQ_INT(h.areas[0].nblocks, 4 * 64 + 7);
        struct heapmap_hit hit;
        CHECK_EQ_INT(heapmap_lookup(&h, 0x1000 + 0x1000 + 3 * 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.block, 258 + 1);
        CHECK_EQ_INT(hit.head_addr, 0x2000 + 2 * 16);
        CHECK_EQ_INT(hit.obj_blocks, 4);
        CHECK_EQ_INT(heapmap_lookup(&h, 0x1000 + 100 * 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.state, HEAPMAP_FREE);
        CHECK_EQ_INT(hit.head_addr, 0x1000 + 2 * 16);
        CHECK_EQ_INT(hit.obj_blocks, 62 + 3 * 64 + 2);
        CHECK_EQ_INT(heapmap_lookup(&h, 0x1000 + 262 * 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.kind, HEAPMAP_K_LIST);
        check_all_lookups(&h);
    }
    heapmap_fini(&h);
}

TEST(collapsed_run_at_the_end_and_old_offsets_wrap)
{
    /* The old format prints offsets modulo 2^20: after 1100 free lines the
     * next line is at 0x113400, printed "13400". */
    char t[1024];
    snprintf(t, sizeof t,
             "GC memory layout; from 20000000:\n"
             "00000: %s\n"
             "       (1100 lines all free)\n"
             "13400: hh\n",
             row('h'));
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    if (h.nareas == 1) {
        CHECK_EQ_INT(h.areas[0].nblocks, 1101 * 64 + 2);
        struct heapmap_hit hit;
        CHECK_EQ_INT(heapmap_lookup(&h, 0x20113410, &hit), RC_OK);
        CHECK_EQ_INT(hit.block, 1101 * 64 + 1);
        CHECK_EQ_INT(hit.state, HEAPMAP_HEAD);
    }
    heapmap_fini(&h);

    snprintf(t, sizeof t,
             "GC memory layout; from 20000000:\n"
             "00000000: %s\n"
             "       (1100 lines all free)\n"
             "00113400: hh\n",
             row('h'));
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.offset_digits, 8);
    heapmap_fini(&h);

    /* ends with a collapsed run, no line after it */
    snprintf(t, sizeof t,
             "GC: total: 3072, used: 16, free: 3056\n"
             "GC memory layout; from 20000000:\n"
             "00000000: h%.63s\n"
             "       (2 lines all free)\n",
             row('.'));
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nwarnings, 0);
    if (h.nareas == 1) {
        CHECK_EQ_INT(h.areas[0].nblocks, 192);
    }
    heapmap_fini(&h);
}

TEST(orphans_marks_and_unknown_letters)
{
    char t[1024];
    snprintf(t, sizeof t,
             "GC memory layout; from 100:\n"
             "00000: ==h=.==m==Q=.\n");
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK(h.nwarnings >= 3); /* two orphan runs and 'Q' */
    CHECK(h.warning[0] != 0);
    if (h.nareas == 1) {
        struct heapmap_hit hit;
        CHECK_EQ_INT(heapmap_lookup(&h, 0x100 + 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.state, HEAPMAP_TAIL);
        CHECK_EQ_INT(hit.orphan, 1);
        CHECK_EQ_INT(hit.kind, HEAPMAP_K_NONE);
        CHECK_EQ_INT(hit.head_addr, 0x100);
        CHECK_EQ_INT(hit.obj_blocks, 2);
        CHECK_EQ_INT(heapmap_lookup(&h, 0x100 + 6 * 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.orphan, 1);
        CHECK_EQ_INT(hit.head_addr, 0x100 + 5 * 16);
        CHECK_EQ_INT(hit.obj_blocks, 2);
        CHECK_EQ_INT(heapmap_lookup(&h, 0x100 + 8 * 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.state, HEAPMAP_TAIL);
        CHECK_EQ_INT(hit.orphan, 0);
        CHECK_EQ_INT(hit.head_addr, 0x100 + 7 * 16);
        CHECK_EQ_INT(hit.kind, HEAPMAP_K_OTHER);
        CHECK_EQ_INT(heapmap_lookup(&h, 0x100 + 7 * 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.state, HEAPMAP_MARKED);
        CHECK_EQ_INT(hit.obj_blocks, 3);
        CHECK_EQ_INT(heapmap_lookup(&h, 0x100 + 10 * 16, &hit), RC_OK);
        CHECK_EQ_INT(hit.state, HEAPMAP_HEAD);
        CHECK_EQ_INT(hit.kind, HEAPMAP_K_OTHER);
        CHECK_EQ_INT(hit.obj_blocks, 2);
        struct heapmap_stats st;
        heapmap_stats(&h, &st);
        CHECK_EQ_INT(st.orphan_tails, 4);
        CHECK_EQ_INT(st.objects, 3);
        CHECK_EQ_INT(st.state_blocks[HEAPMAP_MARKED], 1);
        CHECK_EQ_INT(st.kind_blocks[HEAPMAP_K_NONE], 4 + 2);
        check_all_lookups(&h);
    }
    heapmap_fini(&h);
}

TEST(second_output_and_junk_lines)
{
    char t[2048];
    snprintf(t, sizeof t,
             ">>> micropython.mem_info(1)\r\n"
             "stack: 12\r\n"
             "GC: total: 1024, used: 32, free: 992\r\n"
             "GC: total: lots\r\n"
             " No. of 1-blocks: 2, 2-blocks: 0, max blk sz: 1, max free sz: 62\r\n"
             "GC memory layout; from 8000:\r\n"
             "00000: hh%.62s\r\n"
             ">>> micropython.mem_info(1)\r\n"
             "stack: 12\r\n"
             "GC: total: 1024, used: 48, free: 976\r\n"
             "GC memory layout; from 9000:\r\n"
             "00000: hhh%.61s\r\n"
             ">>> \r\n",
             row('.'), row('.'));
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nareas, 1);
    CHECK_EQ_INT(h.stack_used, 12);
    CHECK_EQ_INT(h.stack_limit, -1);
    CHECK_EQ_INT(h.gc_used, 32);
    CHECK_EQ_INT(h.nwarnings, 2);
    CHECK_HAS(h.warning, "line 4");
    if (h.nareas == 1) {
        CHECK_EQ_INT(h.areas[0].pool_start, 0x8000);
    }
    heapmap_fini(&h);

    /* a table cut short: fewer blocks than GC total is a warning */
    snprintf(t, sizeof t,
             "GC: total: 2048, used: 32, free: 2016\n"
             "GC memory layout; from 8000:\n"
             "00000: hh%.62s\n"
             "00400: ....\n",
             row('.'));
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nwarnings, 1);
    CHECK_HAS(h.warning, "cut short");
    heapmap_fini(&h);

    /* summary numbers that disagree with the table */
    snprintf(t, sizeof t,
             "GC: total: 1024, used: 48, free: 992\n"
             " No. of 1-blocks: 2, 2-blocks: 0, max blk sz: 1, max free sz: 62\n"
             "GC memory layout; from 8000:\n"
             "00000: hh%.62s\n",
             row('.'));
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nwarnings, 1);
    CHECK_HAS(h.warning, "used: 48");
    heapmap_fini(&h);

    /* xxd-looking lines before any "from" line are not table lines */
    snprintf(t, sizeof t,
             "00000000: 0040 0020 d9cc 0100  .@. ....\n"
             "GC: total: 1024, used: 0, free: 1024\n");
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nareas, 0);
    heapmap_fini(&h);
}

/* Each case must fail with RC_PARSE and a message containing want, and
 * leave the model empty. */
TEST(malformed_input)
{
    static char cases[32][1024];
    static const char *want[32];
    int n = 0;
    const char *dots = row('.');

#define CASE(w, ...)                                                          \
    do {                                                                      \
        snprintf(cases[n], sizeof cases[n], __VA_ARGS__);                     \
        want[n++] = (w);                                                      \
    } while (0)

    CASE("line 4: offset 00000 should be 00800",
         "GC memory layout; from 1000:\n00000: %s\n00400: %s\n00000: hh\n", dots, dots);
    CASE("line 3: offset 00800 should be 00400",
         "GC memory layout; from 1000:\n00000: %s\n00800: hh\n", dots);
    CASE("line 1: 'GC memory layout; from' needs a hex address",
         "GC memory layout; from 20zz04a0:\n00000: hh\n");
    CASE("line 1: 'GC memory layout; from' needs a hex address",
         "GC memory layout; from :\n00000: hh\n");
    CASE("does not fit in 32 bits",
         "GC memory layout; from 7f5e2a001000:\n00000000: hh\n");
    CASE("line 2 before it has 10 blocks",
         "GC memory layout; from 1000:\n00000: hhhhhhhhhh\n00400: hh\n");
    CASE("line 2 before it has 10 blocks",
         "GC memory layout; from 1000:\n00000: hhhhhhhhhh\n       (3 lines all free)\n");
    CASE("line 2: 999999999 free lines is more than",
         "GC memory layout; from 1000:\n       (999999999 lines all free)\n");
    CASE("line 2: 99999999999999999999 free lines is more than",
         "GC memory layout; from 1000:\n       (9999999999999999999999999 lines all free)\n");
    CASE("line 2: 1048577 free lines is more than",
         "GC memory layout; from 0:\n       (1048577 lines all free)\n");
    CASE("line 4: the heap would have more than 67108864 blocks",
         "GC memory layout; from 0:\n       (1000000 lines all free)\n"
         "GC memory layout; from 40000000:\n       (100000 lines all free)\n");
    CASE("line 2: zero lines all free",
         "GC memory layout; from 1000:\n       (0 lines all free)\n");
    CASE("line 3: expected \"(<number> lines all free)\"",
         "GC memory layout; from 1000:\n00000: %s\n  (x lines all free)\n", dots);
    CASE("line 4: the table shows 2048 bytes (128 blocks of 16), more than 'GC: total' 1024",
         "GC: total: 1024, used: 0, free: 1024\nGC memory layout; from 1000:\n"
         "00000: %s\n00400: %s\n", dots, dots);
    CASE("line 2: 66 blocks on one line",
         "GC memory layout; from 1000:\n00000: %s..\n", dots);
    CASE("line 2, column 10: '#' is not a block character",
         "GC memory layout; from 1000:\n00000: hh#\n");
    CASE("line 2, column 9: byte 0x01 is not a block character",
         "GC memory layout; from 1000:\n00000: h\001\n");
    CASE("line 2, column 9: byte 0x20 is not a block character",
         "GC memory layout; from 1000:\n00000: h h\n");
    CASE("line 2, column 7: expected a space after the offset",
         "GC memory layout; from 1000:\n00000:hh\n");
    CASE("line 3: offset 00000400 has 8 digits, earlier lines 5",
         "GC memory layout; from 1000:\n00000: %s\n00000400: hh\n", dots);
    CASE("line 1: 'GC memory layout; from' is followed by no table lines",
         "GC memory layout; from 1000:\nGC memory layout; from 2000:\n00000: h\n");
    CASE("line 3: 'GC memory layout; from' is followed by no table lines",
         "GC memory layout; from 1000:\n00000: h\nGC memory layout; from 2000:\n");
    CASE("line 1: the table after 'GC memory layout; from' has no blocks",
         "GC memory layout; from 1000:\n00000:\n");
    CASE("line 3: the heap area from 0x00001010 overlaps the one from 0x00001000 (line 1)",
         "GC memory layout; from 1000:\n00000: hh\nGC memory layout; from 1010:\n00000: h\n");
    CASE("line 2: the area from 0xffffff00 would run past 0xffffffff",
         "GC memory layout; from ffffff00:\n00000: %s\n", dots);
    CASE("no micropython.mem_info() output", "hello\nstack: 5 out of 10\n");
    CASE("no micropython.mem_info() output", "%s", "");
    CASE("it fits 16-byte blocks", "GC memory layout; from 1000:\n00000: %s\n00400: h\n", dots);
#undef CASE

    for (int i = 0; i < n; i++) {
        struct heapmap h;
        struct rc_msg msg;
        uint32_t bs = contains(want[i], "16-byte") ? 32 : BS;
        memset(&msg, 0, sizeof msg);
        int rc = heapmap_parse(cases[i], strlen(cases[i]), bs, &h, &msg);
        if (rc != RC_PARSE || !contains(msg.text, want[i])) {
            printf("  case %d: rc %d, \"%s\", want \"%s\"\n", i, rc, msg.text, want[i]);
            harness_failed_checks++;
        }
        CHECK_EQ_INT(h.nareas, 0);
        CHECK(h.areas == NULL);
        CHECK_EQ_INT(h.gc_total, -1);
        heapmap_fini(&h);
    }
}

TEST(summary_line_variants)
{
    struct heapmap h;
    struct rc_msg msg;
    /* lines that start like summary lines but do not parse: warnings */
    const char *t =
        "mem: total=1, current=x\n"
        "stack: lots\n"
        "GC: total: 1024, used: 0, free: 1024, max new split\n"
        " No. of 1-blocks: 1, 2-blocks: 2\n"
        "GC: total: 1024, used: 0, free: 1024\n"
        "stack: 1234567890123456789 out of 1\n";
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nwarnings, 5);
    CHECK_HAS(h.warning, "line 1: a 'mem:' line");
    CHECK_EQ_INT(h.gc_total, 1024);
    CHECK_EQ_INT(h.stack_used, -1);
    CHECK_EQ_INT(h.max_new_split, -1);
    heapmap_fini(&h);

    /* a repeated summary line starts a second output, even without a table */
    t = "mem: total=1, current=2, peak=3\nstack: 4\n"
        "GC: total: 1024, used: 0, free: 1024\n"
        " No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 64\n"
        "mem: total=5, current=6, peak=7\nGC:\n  2048 total\n";
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.mem_total, 1);
    CHECK_EQ_INT(h.gc_total, 1024);
    CHECK_EQ_INT(h.max_free, 64);
    CHECK_EQ_INT(h.nwarnings, 1);
    CHECK_HAS(h.warning, "line 5: a second mem_info output");
    heapmap_fini(&h);
    t = "GC: total: 1024, used: 0, free: 1024\nGC:\n";
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.stm32_info, 0);
    CHECK_EQ_INT(h.nwarnings, 1);
    heapmap_fini(&h);
    t = " No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 64\n"
        " No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 65\n";
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.max_free, 64);
    CHECK_EQ_INT(h.nwarnings, 1);
    heapmap_fini(&h);

    /* stm32: the lines after "GC:" are only taken in their place */
    t = "GC:\n  1=3 2=4 m=5\nrandom\n  99 total\n";
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.stm32_info, 1);
    CHECK_EQ_INT(h.one_blocks, 3);
    CHECK_EQ_INT(h.max_block, 5);
    CHECK_EQ_INT(h.gc_total, -1);
    heapmap_fini(&h);

    /* "0x" before the pool address is accepted */
    t = "GC memory layout; from 0x2000:\n00000: hh=\n";
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nareas, 1);
    if (h.nareas == 1) {
        CHECK_EQ_INT(h.areas[0].pool_start, 0x2000);
    }
    heapmap_fini(&h);

    /* block counts that disagree with the table */
    t = " No. of 1-blocks: 1, 2-blocks: 0, max blk sz: 2, max free sz: 0\n"
        "GC memory layout; from 2000:\n00000: hh=\n";
    CHECK_EQ_INT(parse_str(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nwarnings, 1);
    CHECK_HAS(h.warning, "differ from the table's (1, 1, 2, 0)");
    heapmap_fini(&h);
}

TEST(too_many_areas)
{
    size_t cap = (HEAPMAP_MAX_AREAS + 1) * 48 + 1;
    char *t = malloc(cap);
    size_t n = 0, n_max = 0;
    for (unsigned i = 0; i <= HEAPMAP_MAX_AREAS; i++) {
        n_max = n;
        n += (size_t)snprintf(t + n, cap - n, "GC memory layout; from %x:\n00000: h\n",
                              0x1000 + 16 * i);
    }
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(t, n, BS, &h, &msg), RC_PARSE);
    CHECK_HAS(msg.text, "line 2049: more than 1024 heap areas");
    /* the largest number allowed is fine */
    CHECK_EQ_INT(heapmap_parse(t, n_max, BS, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nareas, HEAPMAP_MAX_AREAS);
    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&h, 0x1000 + 16 * 1000 + 5, &hit), RC_OK);
    CHECK_EQ_INT(hit.area, 1000);
    heapmap_fini(&h);
    free(t);
}

TEST(bad_arguments)
{
    struct heapmap h;
    struct rc_msg msg;
    const char *t = "GC: total: 1024, used: 0, free: 1024\n";
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 0, &h, &msg), RC_ARG);
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 12, &h, &msg), RC_ARG);
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 2048, &h, &msg), RC_ARG);
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 8, &h, &msg), RC_OK);
    heapmap_fini(&h);
    CHECK_EQ_INT(heapmap_parse(NULL, 5, 16, &h, &msg), RC_ARG);
    CHECK_EQ_INT(heapmap_parse(NULL, 0, 16, &h, &msg), RC_PARSE);
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 16, NULL, &msg), RC_ARG);
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 16, &h, NULL), RC_OK);
    heapmap_fini(&h);

    struct heapmap e;
    heapmap_init(&e);
    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&e, 0, &hit), RC_NOTFOUND);
    char line[64];
    heapmap_summary(&e, line, sizeof line);
    CHECK_STR(line, "GC heap: no allocation table");
    heapmap_fini(&e);
}

TEST(block_size_8_and_32)
{
    /* 16-bit ports have 8-byte blocks, 64-bit ports 32-byte blocks. */
    char t[512];
    snprintf(t, sizeof t,
             "GC memory layout; from 1000:\n00000: %s\n00200: hh=\n", row('.'));
    struct heapmap h;
    struct rc_msg msg;
    memset(&msg, 0, sizeof msg);
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 8, &h, &msg), RC_OK);
    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&h, 0x1000 + 0x200 + 8 * 2, &hit), RC_OK);
    CHECK_EQ_INT(hit.head_addr, 0x1000 + 0x200 + 8);
    CHECK_EQ_INT(hit.obj_blocks, 2);
    heapmap_fini(&h);
    snprintf(t, sizeof t,
             "GC memory layout; from 1000:\n00000000: %s\n00000800: hh=\n", row('.'));
    CHECK_EQ_INT(heapmap_parse(t, strlen(t), 32, &h, &msg), RC_OK);
    CHECK_EQ_INT(heapmap_lookup(&h, 0x1000 + 0x800 + 32 * 2, &hit), RC_OK);
    CHECK_EQ_INT(hit.head_addr, 0x1000 + 0x800 + 32);
    heapmap_fini(&h);
}

TEST(names_and_chars)
{
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_NONE), "free");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_OTHER), "object");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_TUPLE), "tuple");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_LIST), "list");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_DICT), "dict");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_STR), "str/bytes");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_ARRAY), "array");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_FLOAT), "float");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_BYTECODE), "bytecode");
    CHECK_STR(heapmap_kind_name(HEAPMAP_K_MODULE), "module");
    CHECK_STR(heapmap_kind_name((enum heapmap_kind)99), "object");
    CHECK_EQ_INT(heapmap_kind_of('h'), HEAPMAP_K_OTHER);
    CHECK_EQ_INT(heapmap_kind_of('m'), HEAPMAP_K_OTHER);
    CHECK_EQ_INT(heapmap_kind_of('F'), HEAPMAP_K_FLOAT);
    CHECK_EQ_INT(heapmap_kind_of('.'), HEAPMAP_K_NONE);
    CHECK_EQ_INT(heapmap_state_of('.'), HEAPMAP_FREE);
    CHECK_EQ_INT(heapmap_state_of('='), HEAPMAP_TAIL);
    CHECK_EQ_INT(heapmap_state_of('m'), HEAPMAP_MARKED);
    CHECK_EQ_INT(heapmap_state_of('T'), HEAPMAP_HEAD);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(microbit_boot);
    RUN(microbit_all_captures_agree_with_their_summaries);
    RUN(microbit_object_across_lines);
    RUN(microbit_no_table);
    RUN(microbit_text_around_and_lf_only);
    RUN(v120_qemu_mps2_mem_line);
    RUN(v120_esp32_split_heap);
    RUN(stm32_machine_info);
    RUN(collapsed_run_then_objects);
    RUN(collapsed_run_at_the_end_and_old_offsets_wrap);
    RUN(orphans_marks_and_unknown_letters);
    RUN(second_output_and_junk_lines);
    RUN(malformed_input);
    RUN(summary_line_variants);
    RUN(too_many_areas);
    RUN(bad_arguments);
    RUN(block_size_8_and_32);
    RUN(names_and_chars);
    return harness_done("heapmap");
}
