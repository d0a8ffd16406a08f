/* Unit tests for the reader's read policy (mread.h): guarded ranges are
 * refused before anything is sent, and the loads follow the map. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mread.h"
#include "rmap.h"

static void add(struct rmap *m, const char *name, uint32_t start, uint64_t end,
                enum rmap_kind kind, enum rmap_access acc)
{
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", name);
    r.start = start;
    r.end = end;
    r.attrs = RMAP_A_R;
    r.kind = kind;
    r.source = RMAP_S_PROFILE;
    r.access = acc;
    rmap_add(m, &r);
}

static struct rmap *esp_map(void)
{
    struct rmap *m;
    rmap_new(&m);
    add(m, "dram", 0x3ffe8000, 0x40000000, RMAP_K_RAM, RMAP_ACC_READ);
    add(m, "iram", 0x40100000, 0x40108000, RMAP_K_RAM, RMAP_ACC_WORD);
    add(m, "periph", 0x60000000, 0x60001000, RMAP_K_PERIPHERAL, RMAP_ACC_NONE);
    rmap_finish(m);
    return m;
}

static void board(struct board_info *info, int mem32)
{
    memset(info, 0, sizeof *info);
    info->uctypes = 1;
    info->mem32 = mem32;
    info->hexlify = 1;
    info->method.access = BOARD_ACC_UCTYPES;
    info->method.enc = RECDEC_HEX;
    info->method.chunk = 256;
}

static void no_chunk(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)addr;
    (void)data;
    (void)len;
}

/* A range the map does not know to be safe is refused with the map's
 * reason, before the reader touches the link (it has none here). */
TEST(guarded_ranges_are_refused)
{
    struct rmap *map = esp_map();
    struct board_info info;
    board(&info, 1);
    struct mread *m = NULL;
    CHECK_EQ_INT(mread_new(NULL, &info, &m), RC_OK);
    mread_set_map(m, map, 0);
    struct mread_cb cb = {no_chunk, NULL, NULL};
    struct rc_msg msg;
    msg.text[0] = 0;
    CHECK_EQ_INT(mread_read(m, 0x60000000, 4, &cb, &msg), RC_ARG);
    CHECK(strstr(msg.text, "not safe to read") != NULL);
    msg.text[0] = 0;
    CHECK_EQ_INT(mread_read(m, 0x3ffffff0, 0x20, &cb, &msg), RC_ARG);
    CHECK(strstr(msg.text, "0x40000000") != NULL);
    /* Asked before a read, the same answer. */
    CHECK_EQ_INT(mread_check(m, 0x60000000, 4, &msg), RC_ARG);
    CHECK_EQ_INT(mread_check(m, 0x3ffe8000, 0x100, &msg), RC_OK);
    CHECK_EQ_INT(mread_check(m, 0x40100000, 0x100, &msg), RC_OK);
    mread_set_map(m, map, 1); /* --unsafe */
    CHECK_EQ_INT(mread_check(m, 0x60000000, 4, &msg), RC_OK);
    mread_free(m);
    rmap_free(map);
}

/* The loads follow the map: words on word-only memory (the method is
 * switched and switched back), the board's method elsewhere. */
TEST(loads_follow_the_map)
{
    struct rmap *map = esp_map();
    struct board_info info;
    board(&info, 1);
    struct mread *m = NULL;
    CHECK_EQ_INT(mread_new(NULL, &info, &m), RC_OK);
    mread_set_map(m, map, 0);
    struct rc_msg msg;
    CHECK_EQ_INT(mread_select(m, 0x3ffe8000, 0x100, &msg), RC_OK);
    CHECK_EQ_INT(info.method.access, BOARD_ACC_UCTYPES);
    mread_select_end(m);
    CHECK_EQ_INT(mread_select(m, 0x40100000, 0x100, &msg), RC_OK);
    CHECK_EQ_INT(info.method.access, BOARD_ACC_MEM32);
    mread_select_end(m);
    CHECK_EQ_INT(info.method.access, BOARD_ACC_UCTYPES);
    CHECK_EQ_INT(info.method.chunk, 256);
    /* --unsafe reads anywhere, and still with words where bytes fault. */
    mread_set_map(m, map, 1);
    CHECK_EQ_INT(mread_select(m, 0x40100000, 0x100, &msg), RC_OK);
    CHECK_EQ_INT(info.method.access, BOARD_ACC_MEM32);
    mread_select_end(m);
    /* No map: the board's method. */
    mread_set_map(m, NULL, 0);
    CHECK_EQ_INT(mread_select(m, 0x40100000, 0x100, &msg), RC_OK);
    CHECK_EQ_INT(info.method.access, BOARD_ACC_UCTYPES);
    mread_select_end(m);
    mread_free(m);
    /* Word-only memory on a board without machine.mem32. */
    board(&info, 0);
    CHECK_EQ_INT(mread_new(NULL, &info, &m), RC_OK);
    mread_set_map(m, map, 0);
    msg.text[0] = 0;
    CHECK_EQ_INT(mread_select(m, 0x40100000, 0x100, &msg), RC_UNSUPP);
    CHECK(strstr(msg.text, "mem32") != NULL);
    CHECK_EQ_INT(info.method.access, BOARD_ACC_UCTYPES);
    mread_free(m);
    rmap_free(map);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(guarded_ranges_are_refused);
    RUN(loads_follow_the_map);
    return harness_done("mread");
}
