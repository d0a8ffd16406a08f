/*
 * test_ownheap.c: mpeek's own objects on a hand-built heap: found from its
 * globals as the GC marks (pointers into head blocks), never through the
 * globals dict; marked in the map, the lookup, the counts and the picture.
 */
#include "ownheap.h"
#include "heappic.h"

#include <string.h>

#include "harness.h"

#define POOL 0x20001000u

/* 16 blocks: 0-1 the helper (h=), 2 its bytecode (B), 3 the globals dict
 * (D), 4 a user object (h), 5 free, 6-7 a str (S=), 8-9 a tuple (T=),
 * 10 a list (L), 11.. free. */
static const char meminfo[] =
    "GC: total: 1024, used: 176, free: 848\r\n"
    "GC memory layout; from 20001000:\r\n"
    "00000: h=BDh.S=T=L.....................................................\r\n";

static uint8_t ram[1024];

static void put(uint32_t addr, uint32_t w)
{
    uint32_t o = addr - POOL;
    ram[o] = (uint8_t)w;
    ram[o + 1] = (uint8_t)(w >> 8);
    ram[o + 2] = (uint8_t)(w >> 16);
    ram[o + 3] = (uint8_t)(w >> 24);
}

static int reads;

static int read_ram(void *ctx, uint32_t addr, uint32_t len, uint8_t *out, struct rc_msg *msg)
{
    (void)ctx;
    reads++;
    if (addr < POOL || addr - POOL + (uint64_t)len > sizeof ram) {
        return rc_set(msg, RC_ARG, "0x%08x is outside the test's memory", (unsigned)addr);
    }
    memcpy(out, ram + (addr - POOL), len);
    return RC_OK;
}

static void build(void)
{
    memset(ram, 0, sizeof ram);
    put(POOL + 0x00, 0x00012345);      /* the helper: its type, in ROM */
    put(POOL + 0x04, POOL + 0x30);     /* its globals: the dict (a stop) */
    put(POOL + 0x08, POOL + 0x20);     /* its bytecode */
    put(POOL + 0x0c, POOL + 0x64);     /* into the str's head block: followed */
    put(POOL + 0x10, POOL + 0x94);     /* into the tuple's tail: not followed */
    put(POOL + 0x20, POOL + 0x00);     /* the bytecode points back (a cycle) */
    put(POOL + 0x24, POOL + 0xa0);     /* and at the list (conservative, as the GC) */
    put(POOL + 0x28, POOL + 0x50);     /* and at a free block: nothing */
    put(POOL + 0x30, 0x00012000);      /* the dict: its type */
    put(POOL + 0x34, POOL + 0x40);     /* the user's object, only from the dict */
}

TEST(walk_marks_what_the_helper_holds)
{
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(meminfo, strlen(meminfo), 16, &h, &msg), RC_OK);
    build();
    struct frozen_mem mem = {read_ram, NULL};
    uint32_t roots[] = {POOL, 5}; /* the helper; a small int marks nothing */
    uint32_t stop = POOL + 0x30;
    size_t n = 0;
    CHECK_EQ_INT(ownheap_walk(&h, &mem, roots, 2, &stop, 1, &n, &msg), RC_OK);
    CHECK_EQ_INT((int)n, 4);
    CHECK(heapmap_is_own(&h, POOL));
    CHECK(heapmap_is_own(&h, POOL + 0x1f));   /* the helper's tail block */
    CHECK(heapmap_is_own(&h, POOL + 0x20));   /* bytecode */
    CHECK(heapmap_is_own(&h, POOL + 0x70));   /* the str, tail included */
    CHECK(heapmap_is_own(&h, POOL + 0xa0));   /* the list */
    CHECK(!heapmap_is_own(&h, POOL + 0x30));  /* the globals dict */
    CHECK(!heapmap_is_own(&h, POOL + 0x40));  /* the user's object */
    CHECK(!heapmap_is_own(&h, POOL + 0x80));  /* the tuple */
    CHECK(!heapmap_is_own(&h, POOL + 0x50));  /* free */
    struct heapmap_hit hit;
    CHECK_EQ_INT(heapmap_lookup(&h, POOL + 0x10, &hit), RC_OK);
    CHECK_EQ_INT(hit.kind, HEAPMAP_K_MPEEK);
    CHECK_STR(heapmap_kind_name(hit.kind), "mpeek's helper");
    /* the counts moved from their kinds to mpeek's */
    struct heapmap_stats st;
    heapmap_stats(&h, &st);
    CHECK_EQ_INT((int)st.kind_objects[HEAPMAP_K_MPEEK], 4);
    CHECK_EQ_INT((int)st.kind_blocks[HEAPMAP_K_MPEEK], 6);
    CHECK_EQ_INT((int)st.kind_objects[HEAPMAP_K_STR], 0);
    CHECK_EQ_INT((int)st.kind_objects[HEAPMAP_K_TUPLE], 1);
    CHECK_EQ_INT((int)st.kind_objects[HEAPMAP_K_OTHER], 1);
    /* marking again changes nothing */
    CHECK_EQ_INT(ownheap_walk(&h, &mem, roots, 2, &stop, 1, &n, &msg), RC_OK);
    heapmap_stats(&h, &st);
    CHECK_EQ_INT((int)st.kind_objects[HEAPMAP_K_MPEEK], 4);

    /* the picture: '@' for every block of mpeek's, and a legend line */
    struct heappic p;
    CHECK_EQ_INT(heappic_build(&h, 64, &p, &msg), RC_OK);
    CHECK_EQ_INT((int)p.own_objects, 4);
    char row[17];
    for (int i = 0; i < 16; i++) {
        row[i] = p.cells[i].ch;
    }
    row[16] = 0;
    CHECK_STR(row, "@@@Dh.@@T=@.....");
    CHECK_EQ_INT(p.cells[10].kind, HEAPMAP_K_MPEEK);
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(heappic_text(&p, 64, 0, &b), RC_OK);
    CHECK(strstr(buf_str(&b), "@ mpeek's own helper on the board (4 objects") != NULL);
    buf_fini(&b);
    heappic_fini(&p);
    heapmap_fini(&h);
}

/* With no stop the dict and what it holds are reached too: the stop is
 * what keeps the program's objects out. */
TEST(walk_without_the_stop_reaches_the_program)
{
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(meminfo, strlen(meminfo), 16, &h, &msg), RC_OK);
    build();
    struct frozen_mem mem = {read_ram, NULL};
    uint32_t root = POOL;
    size_t n = 0;
    CHECK_EQ_INT(ownheap_walk(&h, &mem, &root, 1, NULL, 0, &n, &msg), RC_OK);
    CHECK_EQ_INT((int)n, 6);
    CHECK(heapmap_is_own(&h, POOL + 0x40));
    heapmap_fini(&h);
}

/* A read that fails ends the walk with its reason; nothing is marked. */
TEST(walk_read_error)
{
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(meminfo, strlen(meminfo), 16, &h, &msg), RC_OK);
    build();
    struct frozen_mem mem = {read_ram, NULL};
    /* a heap map whose pool is elsewhere than the memory */
    h.areas[0].pool_start = 0x30000000;
    uint32_t root = 0x30000000;
    size_t n = 9;
    CHECK_EQ_INT(ownheap_walk(&h, &mem, &root, 1, NULL, 0, &n, &msg), RC_ARG);
    CHECK(strstr(msg.text, "mpeek's own object at 0x30000000") != NULL);
    CHECK_EQ_INT((int)n, 0);
    CHECK(!heapmap_is_own(&h, 0x30000000));
    heapmap_fini(&h);
}

TEST(parse_ids)
{
    uint32_t roots[4], stop = 1;
    CHECK_EQ_INT((int)ownheap_parse_ids("own=536875008\r\nown=5\r\nown=-3\r\nown=x\r\n"
                                        "own=99999999999\r\nglob=536875056\r\n",
                                        roots, 4, &stop), 2);
    CHECK_EQ_INT((int)roots[0], 536875008);
    CHECK_EQ_INT((int)roots[1], 5);
    CHECK_EQ_INT((int)stop, 536875056);
    CHECK_EQ_INT((int)ownheap_parse_ids("", roots, 4, &stop), 0);
    CHECK_EQ_INT((int)stop, 0);
    CHECK_EQ_INT((int)ownheap_parse_ids("own=1\nown=2\nown=3\n", roots, 2, &stop), 2);
}

/* Marking: only an object's head; an unknown address is RC_NOTFOUND. */
TEST(mark_own)
{
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(meminfo, strlen(meminfo), 16, &h, &msg), RC_OK);
    CHECK_EQ_INT(heapmap_mark_own(&h, POOL + 0x10), RC_NOTFOUND); /* a tail */
    CHECK_EQ_INT(heapmap_mark_own(&h, POOL + 0x50), RC_NOTFOUND); /* free */
    CHECK_EQ_INT(heapmap_mark_own(&h, POOL + 0x2000), RC_NOTFOUND);
    CHECK_EQ_INT(heapmap_mark_own(&h, POOL + 0x80), RC_OK);
    CHECK(heapmap_is_own(&h, POOL + 0x9f));
    CHECK(!heapmap_is_own(&h, POOL + 0xa0));
    heapmap_fini(&h);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(walk_marks_what_the_helper_holds);
    RUN(walk_without_the_stop_reaches_the_program);
    RUN(walk_read_error);
    RUN(parse_ids);
    RUN(mark_own);
    return harness_done("ownheap");
}
