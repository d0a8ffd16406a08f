/*
 * test_heappic.c: the heap picture: one cell per block with the mem_info
 * characters, grouping when the heap does not fit, free runs and the
 * largest, the text form.
 */
#include "heappic.h"

#include <string.h>

#include "harness.h"

static const char micro[] =
    "GC: total: 1024, used: 192, free: 832\r\n"
    "GC memory layout; from 20001000:\r\n"
    "00000000: h=..L==...T=................................................DS==\r\n";

TEST(one_cell_per_block)
{
    struct heapmap h;
    struct heappic p;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(micro, strlen(micro), 16, &h, &msg), RC_OK);
    CHECK_EQ_INT(heappic_build(&h, 1000, &p, &msg), RC_OK);
    CHECK_EQ_INT((int)p.per_cell, 1);
    CHECK_EQ_INT((int)p.ncells, 64);
    CHECK(p.cells[0].ch == 'h' && p.cells[0].head && p.cells[0].kind == HEAPMAP_K_OTHER);
    CHECK(p.cells[1].ch == '=' && !p.cells[1].head && p.cells[1].kind == HEAPMAP_K_OTHER);
    CHECK(p.cells[4].ch == 'L' && p.cells[5].kind == HEAPMAP_K_LIST);
    CHECK(p.cells[2].ch == '.' && p.cells[2].kind == HEAPMAP_K_NONE);
    CHECK(p.cells[61].addr == 0x20001000 + 61 * 16);
    CHECK_EQ_INT((int)p.objects, 5);
    CHECK_EQ_INT((int)p.used_blocks, 11);
    CHECK_EQ_INT((int)p.free_blocks, 53);
    /* free runs: 2-3, 7-9, 12-59 */
    CHECK_EQ_INT((int)p.free_runs, 3);
    CHECK_EQ_INT((int)p.largest_free, 48);
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(heappic_text(&p, 32, 0, &b), RC_OK);
    CHECK(strstr(buf_str(&b), "20001000 h=..L==...T===") == NULL);
    CHECK(strstr(buf_str(&b), "20001000 h=..L==...T=...") != NULL);
    CHECK(strstr(buf_str(&b), "20001200 ") != NULL);
    CHECK(strstr(buf_str(&b), "64 blocks of 16 bytes: 11 used (5 objects), 53 free in 3 runs, "
                 "the largest 48 blocks (768 bytes)") != NULL);
    CHECK(strstr(buf_str(&b), "\x1b[") == NULL);
    buf_clear(&b);
    CHECK_EQ_INT(heappic_text(&p, 64, 1, &b), RC_OK);
    CHECK(strstr(buf_str(&b), "\x1b[32mL==") != NULL);
    buf_fini(&b);
    heappic_fini(&p);
    heapmap_fini(&h);
}

TEST(grouped_when_it_does_not_fit)
{
    struct heapmap h;
    struct heappic p;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(micro, strlen(micro), 16, &h, &msg), RC_OK);
    CHECK_EQ_INT(heappic_build(&h, 16, &p, &msg), RC_OK);
    CHECK_EQ_INT((int)p.per_cell, 4);
    CHECK_EQ_INT((int)p.ncells, 16);
    /* h=.. : half used -> 'h'; L==. -> 'L'; ..T= -> 'T' (half); .... free */
    CHECK(p.cells[0].ch == 'h' && p.cells[1].ch == 'L' && p.cells[2].ch == 'T');
    CHECK(p.cells[3].ch == '.');
    /* ...DS== over two cells: "....", ".DS=" then "=" */
    CHECK(p.cells[15].ch == 'D' || p.cells[15].ch == 'S');
    CHECK_EQ_INT((int)p.free_runs, 3);
    char line[300];
    heappic_summary(&p, line, sizeof line);
    CHECK(strstr(line, "(1 cell = 4 blocks)") != NULL);
    heappic_fini(&p);
    CHECK_EQ_INT(heappic_build(&h, 3, &p, &msg), RC_OK);
    CHECK(p.ncells <= 3);
    heappic_fini(&p);
    heapmap_fini(&h);
}

TEST(mostly_free_group)
{
    static const char text[] =
        "GC memory layout; from 20001000:\r\n"
        "00000000: h.......h.......\r\n";
    struct heapmap h;
    struct heappic p;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(text, strlen(text), 16, &h, &msg), RC_OK);
    CHECK_EQ_INT(heappic_build(&h, 2, &p, &msg), RC_OK);
    CHECK(p.cells[0].ch == ':' && p.cells[0].head && p.cells[1].ch == ':');
    CHECK_EQ_INT((int)p.largest_free, 7);
    heappic_fini(&p);
    heapmap_fini(&h);
}

TEST(no_table)
{
    struct heapmap h;
    struct heappic p;
    struct rc_msg msg;
    heapmap_init(&h);
    CHECK_EQ_INT(heappic_build(&h, 10, &p, &msg), RC_ARG);
    heappic_fini(&p);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(one_cell_per_block);
    RUN(grouped_when_it_does_not_fit);
    RUN(mostly_free_group);
    RUN(no_table);
    return harness_done("heappic");
}
