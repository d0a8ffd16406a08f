/*
 * test_view.c: the hex explorer's model without a terminal: the collapsed
 * address space of a micro:bit map, row text and cell decisions, heap
 * kinds, the status line, goto and search parsing, the incremental search,
 * navigation and the region panel.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ---- fixtures ----------------------------------------------------------- */

static void add(struct rmap *m, const char *name, uint32_t start, uint64_t end,
                enum rmap_kind kind, unsigned attrs, enum rmap_access acc)
{
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, name);
    r.start = start;
    r.end = end;
    r.attrs = attrs;
    r.kind = kind;
    r.source = RMAP_S_PROFILE;
    r.access = acc;
    CHECK_EQ_INT(rmap_add(m, &r), RC_OK);
}

#define RX (RMAP_A_R | RMAP_A_X)
#define RW (RMAP_A_R | RMAP_A_W)
#define RWX (RMAP_A_R | RMAP_A_W | RMAP_A_X)
#define HEAP_START 0x200004a0u
#define HEAP_END (0x200004a0u + 10048u)

static struct rmap *microbit(void)
{
    struct rmap *m;
    rmap_new(&m);
    add(m, "flash", 0, 0x40000, RMAP_K_FLASH, RX, RMAP_ACC_READ);
    add(m, "ficr", 0x10000000, 0x10000100, RMAP_K_ROM, RMAP_A_R, RMAP_ACC_READ);
    add(m, "uicr", 0x10001000, 0x10001100, RMAP_K_ROM, RMAP_A_R, RMAP_ACC_READ);
    add(m, "ram", 0x20000000, 0x20004000, RMAP_K_RAM, RWX, RMAP_ACC_READ);
    add(m, "gc-heap", HEAP_START, HEAP_END, RMAP_K_HEAP, RW, RMAP_ACC_READ);
    add(m, "apb", 0x40000000, 0x40080000, RMAP_K_PERIPHERAL, RW, RMAP_ACC_NONE);
    add(m, "ppb", 0xE0000000u, 0xE0100000u, RMAP_K_PERIPHERAL, RW, RMAP_ACC_NONE);
    rmap_finish(m);
    return m;
}

static struct view_space *space_of(const struct rmap *m, unsigned flags, unsigned bpr)
{
    struct view_space *s = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(view_space_new(m, flags, bpr, &s, &msg), RC_OK);
    return s;
}

/* A fake page cache: a few runs of bytes, each byte with its state;
 * everything else UNREAD. */
struct chunk {
    uint32_t base;
    uint32_t len;
    uint8_t data[256];
    uint8_t st[256];
};

struct mem {
    struct chunk c[6];
    int n;
    long calls;
};

static struct chunk *mem_add(struct mem *m, uint32_t base, const void *data, uint32_t len)
{
    struct chunk *c = &m->c[m->n++];
    c->base = base;
    c->len = len;
    memcpy(c->data, data, len);
    memset(c->st, VIEW_BYTE_OK, len);
    return c;
}

static int mem_get(void *ctx, uint32_t addr, uint8_t *value)
{
    struct mem *m = ctx;
    m->calls++;
    for (int i = 0; i < m->n; i++) {
        const struct chunk *c = &m->c[i];
        if (addr >= c->base && addr - c->base < c->len) {
            *value = c->data[addr - c->base];
            return c->st[addr - c->base];
        }
    }
    return VIEW_BYTE_UNREAD;
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

/* ---- layout ------------------------------------------------------------- */

TEST(widths_and_fit)
{
    CHECK_EQ_INT(view_row_width(16, 4), 78);
    CHECK_EQ_INT(view_row_width(16, 8), 76);
    CHECK_EQ_INT(view_row_width(8, 4), 44);
    CHECK_EQ_INT(view_row_width(32, 4), 146);
    CHECK_EQ_INT(view_row_width(32, 8), 142);
    CHECK_EQ_INT(view_row_width(8, 16), 43);   /* group clamped to bpr */
    CHECK_EQ_INT(view_row_width(12, 4), 0);
    CHECK_EQ_INT(view_row_width(16, 3), 0);
    CHECK_EQ_INT(view_row_width(32, 1), 170);
    CHECK(view_row_width(32, 1) < VIEW_LINE_MAX);

    CHECK_EQ_INT(view_fit_bpr(40, 4), 8);
    CHECK_EQ_INT(view_fit_bpr(80, 4), 16);
    CHECK_EQ_INT(view_fit_bpr(120, 4), 16);
    CHECK_EQ_INT(view_fit_bpr(200, 4), 32);
    CHECK_EQ_INT(view_fit_bpr(146, 4), 32);
    CHECK_EQ_INT(view_fit_bpr(145, 4), 16);
    CHECK_EQ_INT(view_fit_bpr(77, 4), 8);
    CHECK_EQ_INT(view_fit_bpr(77, 8), 16);
    CHECK_EQ_INT(view_fit_bpr(0, 4), 8);

    CHECK_EQ_INT(view_next_bpr(8), 16);
    CHECK_EQ_INT(view_next_bpr(16), 32);
    CHECK_EQ_INT(view_next_bpr(32), 8);

    CHECK_EQ_INT(view_hex_col(16, 4, 0), 10);
    CHECK_EQ_INT(view_hex_col(16, 4, 3), 19);
    CHECK_EQ_INT(view_hex_col(16, 4, 4), 23);
    CHECK_EQ_INT(view_hex_col(16, 4, 15), 58);
    CHECK_EQ_INT(view_ascii_col(16, 4, 0), 62);
    CHECK_EQ_INT(view_ascii_col(16, 4, 15), 77);
}

TEST(size_text)
{
    char b[32];
    view_size_text(0, b, sizeof b);
    CHECK_STR(b, "0 bytes");
    view_size_text(1, b, sizeof b);
    CHECK_STR(b, "1 byte");
    view_size_text(1023, b, sizeof b);
    CHECK_STR(b, "1023 bytes");
    view_size_text(1024, b, sizeof b);
    CHECK_STR(b, "1 KiB");
    view_size_text(1536, b, sizeof b);
    CHECK_STR(b, "1.5 KiB");
    view_size_text(2047, b, sizeof b);
    CHECK_STR(b, "1.9 KiB");                 /* rounded down */
    view_size_text(10048, b, sizeof b);
    CHECK_STR(b, "9.8 KiB");
    view_size_text(0x100000000ULL, b, sizeof b);
    CHECK_STR(b, "4 GiB");
    view_size_text(0xE0000000ULL, b, sizeof b);
    CHECK_STR(b, "3.5 GiB");
    view_size_text(0x100000000ULL - 1, b, sizeof b);
    CHECK_STR(b, "3.9 GiB");
    view_size_text(1024ULL << 40, b, sizeof b);
    CHECK_STR(b, "1024 TiB");
    view_size_text(12345, b, 4);
    CHECK_STR(b, "12.");
}

/* ---- the space ---------------------------------------------------------- */

TEST(microbit_rows_and_gaps)
{
    struct rmap *m = microbit();
    struct view_space *s = space_of(m, 0, 16);
    /* flash 16384 + ficr 16 + uicr 16 + ram 1024 + apb 32768 + ppb 65536
     * rows, and six gaps of one row each (the last one up to 4 GiB). */
    CHECK_EQ_INT(view_row_count(s), 115750);
    struct view_row r;
    char label[64];
    static const struct {
        uint64_t index;
        uint32_t addr;
        uint64_t end;
        const char *label;
    } gaps[] = {
        {16384, 0x40000, 0x10000000, "-- 255.7 MiB unmapped --"},
        {16401, 0x10000100, 0x10001000, "-- 3.7 KiB unmapped --"},
        {16418, 0x10001100, 0x20000000, "-- 255.9 MiB unmapped --"},
        {17443, 0x20004000, 0x40000000, "-- 511.9 MiB unmapped --"},
        {50212, 0x40080000, 0xE0000000u, "-- 2.4 GiB unmapped --"},
        {115749, 0xE0100000u, 0x100000000ULL, "-- 511 MiB unmapped --"},
    };
    for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
        CHECK_EQ_INT(view_row_at(s, gaps[i].index, &r), RC_OK);
        CHECK_EQ_INT(r.gap, 1);
        CHECK_EQ_INT(r.addr, gaps[i].addr);
        CHECK_EQ_INT(r.end, gaps[i].end);
        CHECK_EQ_INT(r.unmapped_start, gaps[i].addr);
        CHECK_EQ_INT(r.unmapped_end, gaps[i].end);
        view_gap_label(&r, label, sizeof label);
        CHECK_STR(label, gaps[i].label);
        CHECK_EQ_INT(view_row_of(s, gaps[i].addr), gaps[i].index);
        CHECK_EQ_INT(view_row_of(s, (uint32_t)(gaps[i].end - 1)), gaps[i].index);
    }
    CHECK_EQ_INT(view_row_of(s, 0xffffffffu), 115749);
    CHECK_EQ_INT(view_row_of(s, 0x30000000), 17443);
    CHECK_EQ_INT(view_row_of(s, 0), 0);
    CHECK_EQ_INT(view_row_of(s, 0x3ffff), 16383);
    CHECK_EQ_INT(view_row_of(s, 0x10000000), 16385);
    CHECK_EQ_INT(view_row_of(s, 0x20000000), 16419);
    CHECK_EQ_INT(view_row_of(s, 0x20003fff), 17442);
    CHECK_EQ_INT(view_row_of(s, 0xE0000000u), 50213);
    CHECK_EQ_INT(view_row_at(s, 16419, &r), RC_OK);
    CHECK_EQ_INT(r.gap, 0);
    CHECK_EQ_INT(r.addr, 0x20000000);
    CHECK_EQ_INT(r.end, 0x20000010);
    view_gap_label(&r, label, sizeof label);
    CHECK_STR(label, "");
    CHECK_EQ_INT(view_row_at(s, 115750, &r), RC_ARG);
    CHECK(view_space_contains(s, 0x3ffff));
    CHECK(!view_space_contains(s, 0x40000));
    CHECK(view_space_contains(s, 0xE00fffffu));
    CHECK(!view_space_contains(s, 0xffffffffu));
    view_space_free(s);
    rmap_free(m);
}

/* Every row against its neighbours, and every address of a sample against
 * its row, for each width. */
TEST(row_round_trips)
{
    struct rmap *m = microbit();
    struct view_space *s = space_of(m, 0, 16);
    static const unsigned widths[] = {8, 16, 32, 16};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        unsigned bpr = widths[w];
        CHECK_EQ_INT(view_space_set_bpr(s, bpr), RC_OK);
        CHECK_EQ_INT(view_space_bpr(s), bpr);
        uint64_t n = view_row_count(s);
        uint64_t expect = 0;
        long bad = 0, gaps = 0;
        int prev_gap = 0;
        for (uint64_t i = 0; i < n; i++) {
            struct view_row r;
            if (view_row_at(s, i, &r) != RC_OK || r.addr != expect || r.index != i ||
                view_row_of(s, r.addr) != i || view_row_of(s, (uint32_t)(r.end - 1)) != i ||
                r.addr % bpr != 0 || r.end % bpr != 0 || (r.gap && prev_gap) ||
                (!r.gap && r.end - r.addr != bpr)) {
                bad++;
            }
            gaps += r.gap;
            prev_gap = r.gap;
            expect = r.end;
        }
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(gaps, 6);
        CHECK_EQ_INT(expect, 0x100000000ULL);
        CHECK_EQ_INT(n, 6 + (0x40000 + 0x200 + 0x4000 + 0x80000 + 0x100000) / bpr);

        uint32_t x = 12345;
        for (int k = 0; k < 20000; k++) {
            x = x * 1664525u + 1013904223u;
            uint32_t a = k < 100 ? 0xffffffffu - (uint32_t)k : x;
            struct view_row r;
            uint64_t i = view_row_of(s, a);
            CHECK_EQ_INT(view_row_at(s, i, &r), RC_OK);
            if (!(r.addr <= a && a < r.end) ||
                (!r.gap && r.addr != (a & ~(bpr - 1))) ||
                (r.gap != !view_space_contains(s, a))) {
                bad++;
            }
        }
        CHECK_EQ_INT(bad, 0);
    }
    /* Re-laying keeps an address in the row that holds it. */
    CHECK_EQ_INT(view_space_set_bpr(s, 32), RC_OK);
    struct view_row r;
    view_row_at(s, view_row_of(s, 0x20000123), &r);
    CHECK_EQ_INT(r.addr, 0x20000120);
    CHECK_EQ_INT(view_space_set_bpr(s, 8), RC_OK);
    view_row_at(s, view_row_of(s, 0x20000123), &r);
    CHECK_EQ_INT(r.addr, 0x20000120);
    CHECK_EQ_INT(view_space_set_bpr(s, 12), RC_ARG);
    CHECK_EQ_INT(view_space_bpr(s), 8);
    view_space_free(s);
    rmap_free(m);
}

TEST(whole_space)
{
    struct view_space *s = space_of(NULL, 0, 16);
    CHECK_EQ_INT(view_row_count(s), 1ULL << 28);
    CHECK_EQ_INT(view_row_of(s, 0xffffffffu), (1ULL << 28) - 1);
    struct view_row r;
    CHECK_EQ_INT(view_row_at(s, (1ULL << 28) - 1, &r), RC_OK);
    CHECK_EQ_INT(r.addr, 0xfffffff0u);
    CHECK_EQ_INT(r.end, 0x100000000ULL);
    CHECK_EQ_INT(r.gap, 0);
    view_space_free(s);

    struct rmap *m = microbit();
    s = space_of(m, VIEW_SPACE_ALL, 8);
    CHECK_EQ_INT(view_row_count(s), 1ULL << 29);
    CHECK(view_space_contains(s, 0x30000000));
    /* Bytes outside the map are asked for and have no region. */
    struct mem mem = {0};
    uint8_t b[4] = {1, 2, 3, 4};
    mem_add(&mem, 0x30000000, b, 4);
    struct view_provider p = {mem_get, &mem};
    struct view_rowcells rc;
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x30000000), 4, &p, m, NULL, &rc), RC_OK);
    CHECK_EQ_INT(rc.cell[0].state, VIEW_BYTE_OK);
    CHECK_EQ_INT(rc.cell[0].kind, RMAP_K_UNMAPPED);
    CHECK(rc.cell[0].region == NULL);
    CHECK_EQ_INT(rc.cell[4].state, VIEW_BYTE_UNREAD);
    view_space_free(s);

    /* An empty map is the whole space too. */
    struct rmap *e;
    rmap_new(&e);
    rmap_finish(e);
    s = space_of(e, 0, 32);
    CHECK_EQ_INT(view_row_count(s), 1ULL << 27);
    view_space_free(s);
    rmap_free(e);

    struct rc_msg msg;
    s = (struct view_space *)&msg;
    CHECK_EQ_INT(view_space_new(m, 0, 24, &s, &msg), RC_ARG);
    CHECK(s == NULL);
    CHECK_HAS(msg.text, "8, 16 or 32");
    rmap_free(m);
}

/* Regions that share rows: no gap row, OUTSIDE cells between them. */
TEST(partial_rows)
{
    struct rmap *m;
    rmap_new(&m);
    add(m, "a", 0x1004, 0x1008, RMAP_K_RAM, RW, RMAP_ACC_READ);
    add(m, "b", 0x100c, 0x1010, RMAP_K_RAM, RW, RMAP_ACC_READ);
    add(m, "c", 0x1010, 0x1013, RMAP_K_FLASH, RX, RMAP_ACC_READ);
    add(m, "d", 0x1020, 0x1030, RMAP_K_FLASH, RX, RMAP_ACC_READ);
    rmap_finish(m);
    struct view_space *s = space_of(m, 0, 16);
    /* gap, 0x1000, 0x1010, gap (0x1013..0x1020 is not a whole row? it holds
     * 0x1013..0x101f only: no), so: gap, 3 data rows, gap */
    CHECK_EQ_INT(view_row_count(s), 5);
    struct view_row r;
    view_row_at(s, 0, &r);
    CHECK(r.gap && r.addr == 0 && r.end == 0x1000 && r.unmapped_end == 0x1004);
    view_row_at(s, 4, &r);
    CHECK(r.gap && r.addr == 0x1030 && r.unmapped_start == 0x1030);

    struct mem mem = {0};
    uint8_t b[48];
    for (int i = 0; i < 48; i++) {
        b[i] = (uint8_t)(0x30 + i);
    }
    mem_add(&mem, 0x1000, b, 48);
    struct view_provider p = {mem_get, &mem};
    struct view_rowcells rc;
    CHECK_EQ_INT(view_format_row(s, 1, 4, &p, m, NULL, &rc), RC_OK);
    CHECK_STR(rc.line, "00001000               34 35 36 37               3c 3d 3e 3f      "
                       "4567    <=>?");
    CHECK_EQ_INT(rc.cell[0].state, VIEW_BYTE_OUTSIDE);
    CHECK_EQ_INT(rc.cell[0].ink, VIEW_INK_OUTSIDE);
    CHECK_EQ_INT(rc.cell[0].kind, RMAP_K_UNMAPPED);
    CHECK_EQ_INT(rc.cell[4].flags & VIEW_CF_BOUNDARY, VIEW_CF_BOUNDARY);
    CHECK_EQ_INT(rc.cell[5].flags & VIEW_CF_BOUNDARY, 0);
    CHECK_EQ_INT(rc.cell[8].flags & VIEW_CF_BOUNDARY, VIEW_CF_BOUNDARY);
    CHECK_EQ_INT(rc.cell[12].flags & VIEW_CF_BOUNDARY, VIEW_CF_BOUNDARY);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_BOUNDARY, 0);
    CHECK_EQ_INT(rc.cell[4].flags & VIEW_CF_GROUP, VIEW_CF_GROUP);
    CHECK_EQ_INT(rc.cell[5].flags & VIEW_CF_GROUP, 0);
    /* c at 0x1010 follows b directly: a boundary on cell 0 of the next row. */
    CHECK_EQ_INT(view_format_row(s, 2, 4, &p, m, NULL, &rc), RC_OK);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_BOUNDARY, VIEW_CF_BOUNDARY);
    CHECK_EQ_INT(rc.cell[0].kind, RMAP_K_FLASH);
    CHECK_EQ_INT(rc.cell[3].state, VIEW_BYTE_OUTSIDE);
    CHECK_EQ_INT(rc.cell[3].flags & VIEW_CF_BOUNDARY, VIEW_CF_BOUNDARY);
    CHECK_STR(rc.ascii, "@AB             ");
    /* gap rows: address and label */
    CHECK_EQ_INT(view_format_row(s, 4, 4, &p, m, NULL, &rc), RC_OK);
    CHECK_EQ_INT(rc.ncells, 0);
    CHECK_STR(rc.line, "00001030  -- 3.9 GiB unmapped --");
    CHECK_EQ_INT(rc.width, strlen(rc.line));
    CHECK_EQ_INT(view_format_row(s, 5, 4, &p, m, NULL, &rc), RC_ARG);
    CHECK_EQ_INT(view_format_row(s, 1, 3, &p, m, NULL, &rc), RC_ARG);
    view_space_free(s);
    rmap_free(m);
}

/* ---- row cells ---------------------------------------------------------- */

TEST(format_states_and_classes)
{
    struct rmap *m = microbit();
    struct view_space *s = space_of(m, 0, 16);
    struct mem mem = {0};
    static const uint8_t b[16] = {0x00, 0xff, 0x41, 0x42, 0x7f, 0x80, 0x20, 0x7e,
                                  0x11, 0x22, 0x33, 0x43, 0x01, 0x02, 0x03, 0x04};
    struct chunk *c = mem_add(&mem, 0x20000000, b, 16);
    c->st[8] = VIEW_BYTE_UNREAD;
    c->st[9] = VIEW_BYTE_UNREAD;
    c->st[10] = VIEW_BYTE_BAD;
    c->st[11] = VIEW_BYTE_STALE;
    c->st[15] = VIEW_BYTE_OUTSIDE;
    struct view_provider p = {mem_get, &mem};
    struct view_rowcells rc;
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x20000000), 4, &p, m, NULL, &rc), RC_OK);
    CHECK_STR(rc.addr_text, "20000000");
    CHECK_STR(rc.line, "20000000  00 ff 41 42  7f 80 20 7e  .. .. !! 43  01 02 03     "
                       "..AB.. ~  !C... ");
    CHECK_EQ_INT(rc.width, 78);
    CHECK_EQ_INT(strlen(rc.line), 78);
    CHECK_STR(rc.ascii, "..AB.. ~  !C... ");
    CHECK_EQ_INT(rc.ncells, 16);
    CHECK_EQ_INT(rc.bpr, 16);
    CHECK_EQ_INT(rc.group, 4);
    CHECK_EQ_INT(rc.cell[0].cls, VIEW_CLASS_ZERO);
    CHECK_EQ_INT(rc.cell[0].ink, VIEW_INK_ZERO);
    CHECK_EQ_INT(rc.cell[1].cls, VIEW_CLASS_FF);
    CHECK_EQ_INT(rc.cell[1].ink, VIEW_INK_FF);
    CHECK_EQ_INT(rc.cell[2].cls, VIEW_CLASS_PRINT);
    CHECK_EQ_INT(rc.cell[2].ink, VIEW_INK_PRINT);
    CHECK_EQ_INT(rc.cell[4].cls, VIEW_CLASS_OTHER);   /* 0x7f */
    CHECK_EQ_INT(rc.cell[5].ink, VIEW_INK_OTHER);     /* 0x80 */
    CHECK_EQ_INT(rc.cell[6].cls, VIEW_CLASS_PRINT);   /* space */
    CHECK_EQ_INT(rc.cell[8].state, VIEW_BYTE_UNREAD);
    CHECK_EQ_INT(rc.cell[8].cls, VIEW_CLASS_NONE);
    CHECK_EQ_INT(rc.cell[8].ink, VIEW_INK_UNREAD);
    CHECK_STR(rc.cell[8].hex, "..");
    CHECK_EQ_INT(rc.cell[10].ink, VIEW_INK_BAD);
    CHECK_STR(rc.cell[10].hex, "!!");
    CHECK_EQ_INT(rc.cell[11].state, VIEW_BYTE_STALE);
    CHECK_EQ_INT(rc.cell[11].ink, VIEW_INK_STALE);
    CHECK_EQ_INT(rc.cell[11].cls, VIEW_CLASS_PRINT);
    CHECK_EQ_INT(rc.cell[11].value, 0x43);
    CHECK_STR(rc.cell[15].hex, "  ");
    CHECK_EQ_INT(rc.cell[15].ink, VIEW_INK_OUTSIDE);
    for (unsigned i = 0; i < 16; i++) {
        CHECK_EQ_INT(rc.cell[i].addr, 0x20000000 + i);
        CHECK_EQ_INT(rc.cell[i].kind, RMAP_K_RAM);
        CHECK_EQ_INT(rc.line[rc.cell[i].hex_col], rc.cell[i].hex[0]);
        CHECK_EQ_INT(rc.line[rc.cell[i].ascii_col], rc.cell[i].ascii);
        CHECK_EQ_INT(rc.cell[i].flags & VIEW_CF_HEAP, 0);
    }
    /* Groups of 8 and 32 bytes per row. */
    view_space_set_bpr(s, 32);
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x20000000), 8, &p, m, NULL, &rc), RC_OK);
    CHECK_EQ_INT(strlen(rc.line), 142);
    CHECK_EQ_INT(rc.cell[16].hex_col, 10 + 48 + 2);
    CHECK(strncmp(rc.line, "20000000  00 ff 41 42 7f 80 20 7e  .. .. !! 43 01 02 03     "
                           ".. .. ", 66) == 0);
    /* No provider: everything inside is unread. */
    CHECK_EQ_INT(view_format_row(s, 0, 4, NULL, m, NULL, &rc), RC_OK);
    CHECK_EQ_INT(rc.cell[31].state, VIEW_BYTE_UNREAD);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_BOUNDARY, 0);   /* address 0 */
    view_space_free(s);
    rmap_free(m);
}

TEST(boundary_in_row)
{
    struct rmap *m = microbit();
    add(m, "stack", 0x20003808, 0x20004000, RMAP_K_STACK, RW, RMAP_ACC_READ);
    rmap_finish(m);
    struct view_space *s = space_of(m, 0, 16);
    struct view_rowcells rc;
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x20003800), 4, NULL, m, NULL, &rc), RC_OK);
    for (unsigned i = 0; i < 16; i++) {
        CHECK_EQ_INT((rc.cell[i].flags & VIEW_CF_BOUNDARY) != 0, i == 8);
        CHECK_EQ_INT(rc.cell[i].kind, i < 8 ? RMAP_K_RAM : RMAP_K_STACK);
    }
    CHECK_STR(rc.cell[9].region->name, "stack");
    /* The heap starts at a row start (0x4a0 is a multiple of 16 and 32):
     * the boundary is on cell 0, and none in the row before. */
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, HEAP_START), 4, NULL, m, NULL, &rc), RC_OK);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_BOUNDARY, VIEW_CF_BOUNDARY);
    CHECK_EQ_INT(rc.cell[0].kind, RMAP_K_HEAP);
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, HEAP_START) - 1, 4, NULL, m, NULL, &rc),
                 RC_OK);
    for (unsigned i = 0; i < 16; i++) {
        CHECK_EQ_INT(rc.cell[i].flags & VIEW_CF_BOUNDARY, 0);
    }
    /* At 8 bytes per row with the heap moved to 0x200004a4: mid-row. */
    view_space_free(s);
    rmap_free(m);
    rmap_new(&m);
    add(m, "ram", 0x20000000, 0x20004000, RMAP_K_RAM, RWX, RMAP_ACC_READ);
    add(m, "gc-heap", 0x200004a4, HEAP_END, RMAP_K_HEAP, RW, RMAP_ACC_READ);
    rmap_finish(m);
    s = space_of(m, 0, 8);
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, HEAP_START), 4, NULL, m, NULL, &rc), RC_OK);
    CHECK_EQ_INT(rc.row.addr, HEAP_START);
    CHECK_EQ_INT(rc.cell[4].flags & VIEW_CF_BOUNDARY, VIEW_CF_BOUNDARY);
    CHECK_EQ_INT(rc.cell[3].kind, RMAP_K_RAM);
    CHECK_EQ_INT(rc.cell[4].kind, RMAP_K_HEAP);
    view_space_free(s);
    rmap_free(m);
}

static const char heap_text[] =
    "GC: total: 256, used: 144, free: 112\r\n"
    "GC memory layout; from 200004a0:\r\n"
    "00000: h=L==D.T..S=....\r\n";

TEST(heap_cells)
{
    struct rmap *m = microbit();
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(heap_text, strlen(heap_text), 16, &h, &msg), RC_OK);
    struct view_space *s = space_of(m, 0, 16);
    struct view_rowcells rc;
    /* block 2: the head of a list of three blocks */
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x200004c0), 4, NULL, m, &h, &rc), RC_OK);
    for (unsigned i = 0; i < 16; i++) {
        CHECK_EQ_INT(rc.cell[i].flags & (VIEW_CF_HEAP | VIEW_CF_HEADBLK),
                     VIEW_CF_HEAP | VIEW_CF_HEADBLK);
        CHECK_EQ_INT(rc.cell[i].heap_kind, HEAPMAP_K_LIST);
        CHECK_EQ_INT(rc.cell[i].heap_state, HEAPMAP_HEAD);
        CHECK_EQ_INT((rc.cell[i].flags & VIEW_CF_OBJSTART) != 0, i == 0);
        CHECK_EQ_INT((rc.cell[i].flags & VIEW_CF_BLOCK) != 0, i == 0);
    }
    /* block 3: its tail */
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x200004d0), 4, NULL, m, &h, &rc), RC_OK);
    CHECK_EQ_INT(rc.cell[5].heap_kind, HEAPMAP_K_LIST);
    CHECK_EQ_INT(rc.cell[5].heap_state, HEAPMAP_TAIL);
    CHECK_EQ_INT(rc.cell[0].flags & (VIEW_CF_HEADBLK | VIEW_CF_OBJSTART), 0);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_BLOCK, VIEW_CF_BLOCK);
    /* block 6: free */
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x20000500), 4, NULL, m, &h, &rc), RC_OK);
    CHECK_EQ_INT(rc.cell[0].heap_state, HEAPMAP_FREE);
    CHECK_EQ_INT(rc.cell[0].heap_kind, HEAPMAP_K_NONE);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_HEADBLK, 0);
    /* past the printed blocks: not in the heap map */
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x200005a0), 4, NULL, m, &h, &rc), RC_OK);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_HEAP, 0);
    CHECK_EQ_INT(rc.cell[0].kind, RMAP_K_HEAP);
    /* 32 per row: the 'h' head block and its tail in one row */
    view_space_set_bpr(s, 32);
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x200004a0), 4, NULL, m, &h, &rc), RC_OK);
    CHECK_EQ_INT(rc.row.addr, 0x200004a0);
    CHECK_EQ_INT(rc.cell[0].heap_kind, HEAPMAP_K_OTHER);
    CHECK_EQ_INT(rc.cell[0].flags & VIEW_CF_OBJSTART, VIEW_CF_OBJSTART);
    CHECK_EQ_INT(rc.cell[15].flags & VIEW_CF_HEADBLK, VIEW_CF_HEADBLK);
    CHECK_EQ_INT(rc.cell[16].flags & (VIEW_CF_HEADBLK | VIEW_CF_BLOCK), VIEW_CF_BLOCK);
    CHECK_EQ_INT(rc.cell[16].heap_kind, HEAPMAP_K_OTHER);
    CHECK_EQ_INT(rc.cell[16].heap_state, HEAPMAP_TAIL);
    /* A real capture: the fixture's table from 0x200004a0 */
    heapmap_fini(&h);
    view_space_free(s);
    rmap_free(m);
}

/* ---- status line -------------------------------------------------------- */

TEST(status_values)
{
    struct rmap *m = microbit();
    struct mem mem = {0};
    static const uint8_t ptr[] = {0x10, 0x30, 0x00, 0x20, 0x41, 0xff};
    struct chunk *c = mem_add(&mem, 0x20000100, ptr, sizeof ptr);
    struct view_provider p = {mem_get, &mem};
    struct view_values v;
    view_values(&p, m, 0x20000100, &v);
    CHECK(v.have_u8 && v.have_u16 && v.have_u32);
    CHECK_EQ_INT(v.u8, 0x10);
    CHECK_EQ_INT(v.u16, 0x3010);
    CHECK_EQ_INT(v.u32, 0x20003010);
    CHECK(v.target != NULL);
    CHECK_STR(v.target->name, "ram");
    CHECK_EQ_INT(v.target_off, 0x3010);
    char text[256];
    size_t n = view_status_text(m, NULL, &v, "link: up", text, sizeof text);
    CHECK_STR(text, "0x20000100  ram+0x100 rwx ram  u8 0x10 16  u16 0x3010  "
                    "u32 0x20003010 -> ram+0x3010  | link: up");
    CHECK_EQ_INT(n, strlen(text));
    /* Truncated output still reports the full length. */
    char small[20];
    CHECK_EQ_INT(view_status_text(m, NULL, &v, "link: up", small, sizeof small), n);
    CHECK_EQ_INT(strlen(small), 19);
    CHECK(strncmp(small, text, 19) == 0);

    /* Two bytes left: u16 only; a printable u8. */
    view_values(&p, m, 0x20000104, &v);
    CHECK(v.have_u8 && v.have_u16 && !v.have_u32);
    CHECK_EQ_INT(v.u16, 0xff41);
    view_status_text(m, NULL, &v, NULL, text, sizeof text);
    CHECK_STR(text, "0x20000104  ram+0x104 rwx ram  u8 0x41 65 'A'  u16 0xff41  u32 --");
    /* A bad byte stops the values there. */
    c->st[1] = VIEW_BYTE_BAD;
    view_values(&p, m, 0x20000100, &v);
    CHECK(v.have_u8 && !v.have_u16 && !v.have_u32);
    c->st[0] = VIEW_BYTE_UNREAD;
    view_values(&p, m, 0x20000100, &v);
    CHECK(!v.have_u8);
    view_status_text(m, NULL, &v, "", text, sizeof text);
    CHECK_STR(text, "0x20000100  ram+0x100 rwx ram  u8 --  u16 --  u32 --");
    /* Unmapped, and the very last address. */
    view_values(&p, m, 0xffffffffu, &v);
    view_status_text(m, NULL, &v, NULL, text, sizeof text);
    CHECK_STR(text, "0xffffffff  unmapped  u8 --  u16 --  u32 --");
    rmap_free(m);
}

TEST(status_heap)
{
    struct rmap *m = microbit();
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(heap_text, strlen(heap_text), 16, &h, &msg), RC_OK);
    struct view_values v;
    char text[256];
    view_values(NULL, m, 0x200004d4, &v);
    view_status_text(m, &h, &v, NULL, text, sizeof text);
    CHECK_STR(text, "0x200004d4  gc-heap+0x34 rw- heap  u8 --  u16 --  u32 --  "
                    "heap: list head 0x200004c0, 3 blocks");
    view_values(NULL, m, 0x20000500, &v);
    view_status_text(m, &h, &v, NULL, text, sizeof text);
    CHECK_HAS(text, "heap: free, 1 blocks from 0x20000500");
    view_values(NULL, m, 0x20000510, &v);
    view_status_text(m, &h, &v, NULL, text, sizeof text);
    CHECK_HAS(text, "heap: tuple head 0x20000510, 1 block");
    heapmap_fini(&h);

    /* The real capture from the micro:bit: 'L' at block 2 */
    FILE *f = fopen("tests/data/meminfo/microbit-1.9.2-objects.txt", "rb");
    if (f != NULL) {
        char buf[8192];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        CHECK_EQ_INT(heapmap_parse(buf, len, 16, &h, &msg), RC_OK);
        view_values(NULL, m, 0x200004c0, &v);
        view_status_text(m, &h, &v, NULL, text, sizeof text);
        CHECK_HAS(text, "heap: list head 0x200004c0, 1 block");
        view_values(NULL, m, 0x20000590, &v);   /* block 15: '=' of 'h' at 13 */
        view_status_text(m, &h, &v, NULL, text, sizeof text);
        CHECK_HAS(text, "heap: object head 0x20000570, 4 blocks");
        heapmap_fini(&h);
    }
    rmap_free(m);
}

/* ---- goto --------------------------------------------------------------- */

static int symbols(void *ctx, const char *name, uint32_t *value)
{
    (void)ctx;
    if (strcmp(name, "_estack") == 0) {
        *value = 0x20004000;
        return RC_OK;
    }
    if (strcmp(name, ".data") == 0) {
        *value = 0x20000000;
        return RC_OK;
    }
    return RC_NOTFOUND;
}

static uint32_t go(const struct rmap *m, const char *text, int *rc)
{
    struct view_symbols sym = {symbols, NULL};
    struct rc_msg msg = {{0}};
    uint32_t a = 0xdeadbeef;
    *rc = view_parse_goto(text, m, &sym, 0x1000, &a, &msg);
    if (*rc != RC_OK) {
        printf("  goto '%s': %s\n", text, msg.text);
    }
    return a;
}

#define CHECK_GOTO(m, text, want)                                            \
    do {                                                                     \
        int rc_;                                                             \
        uint32_t got_ = go((m), (text), &rc_);                               \
        CHECK_EQ_INT(rc_, RC_OK);                                            \
        CHECK_EQ_INT(got_, (want));                                          \
    } while (0)

static void goto_err(const struct rmap *m, const char *text, const char *needle, int line)
{
    struct view_symbols sym = {symbols, NULL};
    struct rc_msg msg = {{0}};
    uint32_t a = 0x12345678;
    int rc = view_parse_goto(text, m, &sym, 0x1000, &a, &msg);
    if (rc != RC_ARG || a != 0x12345678 || !contains(msg.text, needle)) {
        printf("  FAIL line %d: goto '%s': rc %d, \"%s\" lacks \"%s\"\n", line, text, rc,
               msg.text, needle);
        harness_failed_checks++;
    }
}

TEST(goto_forms)
{
    struct rmap *m = microbit();
    CHECK_GOTO(m, "0x20000000", 0x20000000);
    CHECK_GOTO(m, "4096", 4096);
    CHECK_GOTO(m, "16K", 16384);
    CHECK_GOTO(m, "1M", 0x100000);
    CHECK_GOTO(m, "0b1010", 10);
    CHECK_GOTO(m, "0o17", 15);
    CHECK_GOTO(m, "2000h", 0x2000);
    CHECK_GOTO(m, "0xffffffff", 0xffffffffu);
    CHECK_GOTO(m, "0x2000_0000", 0x20000000);
    CHECK_GOTO(m, "ram", 0x20000000);
    CHECK_GOTO(m, "RAM", 0x20000000);
    CHECK_GOTO(m, "ram+0x100", 0x20000100);
    CHECK_GOTO(m, "ram+0x100-16", 0x200000f0);
    CHECK_GOTO(m, "ram + 32", 0x20000020);
    CHECK_GOTO(m, "  ficr  ", 0x10000000);
    CHECK_GOTO(m, "gc-heap", HEAP_START);
    CHECK_GOTO(m, "gc-heap-16", HEAP_START - 16);
    CHECK_GOTO(m, "gc-heap+ram-ram", HEAP_START);
    CHECK_GOTO(m, ".", 0x1000);
    CHECK_GOTO(m, ".+0x40", 0x1040);
    CHECK_GOTO(m, ". - 1K", 0xc00);
    CHECK_GOTO(m, "-16+ram", 0x1ffffff0);
    CHECK_GOTO(m, "+4", 4);
    CHECK_GOTO(m, "_estack", 0x20004000);
    CHECK_GOTO(m, "_estack-4", 0x20003ffc);
    CHECK_GOTO(m, ".data+8", 0x20000008);
    CHECK_GOTO(m, "0-1+1", 0);
    rmap_free(m);
}

TEST(goto_errors)
{
    struct rmap *m = microbit();
    goto_err(m, "", "give an address", __LINE__);
    goto_err(m, "   ", "give an address", __LINE__);
    goto_err(m, "foo", "no region or symbol named 'foo'; regions: flash, ficr, uicr, ram, "
             "gc-heap, apb, ppb", __LINE__);
    goto_err(m, "ram+foo", "named 'foo'", __LINE__);
    goto_err(m, "deadbeef", "(for hex, write 0xdeadbeef)", __LINE__);
    goto_err(m, "200004a0", "write hex as 0x200004a0", __LINE__);
    goto_err(m, "0-1", "negative", __LINE__);
    goto_err(m, "ram-0x20000001", "negative (-0x1)", __LINE__);
    goto_err(m, "0xffffffff+1", "0x100000000, beyond the 32-bit", __LINE__);
    goto_err(m, "0x100000000", "beyond the 32-bit address space", __LINE__);
    goto_err(m, "0x100000000-1", "'0x100000000' (0x100000000) is beyond", __LINE__);
    goto_err(m, "12ab", "write hex as 0x12ab", __LINE__);
    goto_err(m, "gc-heapx", "named 'gc'", __LINE__);
    goto_err(m, "99999999999999999999999", "too large", __LINE__);
    goto_err(m, "ram+", "column 5 (end of text)", __LINE__);
    goto_err(m, "ram*2", "unexpected '*' at column 4", __LINE__);
    goto_err(m, "ram 5", "unexpected '5' at column 5: join terms", __LINE__);
    goto_err(m, "0xg", "not a number", __LINE__);
    goto_err(m, "0b102", "not allowed in base 2", __LINE__);
    goto_err(m, "-", "end of text", __LINE__);
    goto_err(m, "ram++1", "unexpected '+'", __LINE__);
    /* no symbol table: the message says so */
    struct rc_msg msg;
    uint32_t a;
    CHECK_EQ_INT(view_parse_goto("_estack", m, NULL, 0, &a, &msg), RC_ARG);
    CHECK_HAS(msg.text, "no region named '_estack'");
    /* no map */
    CHECK_EQ_INT(view_parse_goto("ram", NULL, NULL, 0, &a, &msg), RC_ARG);
    CHECK_HAS(msg.text, "(the map has no regions)");
    CHECK_EQ_INT(view_parse_goto(NULL, NULL, NULL, 0, &a, &msg), RC_ARG);
    CHECK_EQ_INT(view_parse_goto("0x10", NULL, NULL, 0, &a, &msg), RC_OK);
    CHECK_EQ_INT(a, 16);
    /* A long chain stays in range. */
    char big[4096];
    size_t n = 0;
    for (int i = 0; i < 400; i++) {
        n += (size_t)sprintf(big + n, "0xffffffff+");
        if (n > sizeof big - 32) {
            break;
        }
    }
    strcpy(big + n, "0");
    CHECK_EQ_INT(view_parse_goto(big, m, NULL, 0, &a, &msg), RC_ARG);
    rmap_free(m);
}

/* ---- search ------------------------------------------------------------- */

static int pat(const char *text, struct view_pattern *p, struct rc_msg *msg)
{
    memset(msg, 0, sizeof *msg);
    return view_parse_search(text, p, msg);
}

TEST(search_parse)
{
    struct view_pattern p;
    struct rc_msg msg;
    CHECK_EQ_INT(pat("de ad be ef", &p, &msg), RC_OK);
    CHECK_EQ_INT(p.len, 4);
    CHECK(memcmp(p.bytes, "\xde\xad\xbe\xef", 4) == 0);
    CHECK(memcmp(p.mask, "\xff\xff\xff\xff", 4) == 0);
    CHECK_EQ_INT(pat("DEADBEEF", &p, &msg), RC_OK);
    CHECK(p.len == 4 && memcmp(p.bytes, "\xde\xad\xbe\xef", 4) == 0);
    CHECK_EQ_INT(pat("de ?? b? ?f", &p, &msg), RC_OK);
    CHECK_EQ_INT(p.len, 4);
    CHECK(memcmp(p.mask, "\xff\x00\xf0\x0f", 4) == 0);
    CHECK(memcmp(p.bytes, "\xde\x00\xb0\x0f", 4) == 0);
    CHECK_EQ_INT(pat("\"MicroPython\"", &p, &msg), RC_OK);
    CHECK(p.len == 11 && memcmp(p.bytes, "MicroPython", 11) == 0);
    CHECK_EQ_INT(pat("\"a\\n\\r\\t\\0\\\\\\\"\\'\\x41\\x7z\"", &p, &msg), RC_OK);
    CHECK_EQ_INT(p.len, 11);
    CHECK(memcmp(p.bytes, "a\n\r\t\0\\\"'A\x07z", 11) == 0);
    CHECK_EQ_INT(pat("0x20000100", &p, &msg), RC_OK);
    CHECK(p.len == 4 && memcmp(p.bytes, "\x00\x01\x00\x20", 4) == 0);
    CHECK_EQ_INT(pat("0x41", &p, &msg), RC_OK);
    CHECK(p.len == 1 && p.bytes[0] == 0x41);
    CHECK_EQ_INT(pat("0x4142", &p, &msg), RC_OK);
    CHECK(p.len == 2 && memcmp(p.bytes, "\x42\x41", 2) == 0);
    CHECK_EQ_INT(pat("0x123", &p, &msg), RC_OK);
    CHECK(p.len == 2 && memcmp(p.bytes, "\x23\x01", 2) == 0);
    CHECK_EQ_INT(pat("\"MP\" 00 ?? 0x1,ff", &p, &msg), RC_OK);
    CHECK(p.len == 6 && memcmp(p.bytes, "MP\0\0\x01\xff", 6) == 0);
    CHECK_EQ_INT(pat("\"\"00", &p, &msg), RC_OK);
    CHECK_EQ_INT(p.len, 1);

    CHECK_EQ_INT(pat("abc", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "odd number of hex digits in 'abc'");
    CHECK_EQ_INT(p.len, 0);
    CHECK_EQ_INT(pat("\"abc", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "no closing");
    CHECK_EQ_INT(pat("\"ab\\", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "no closing");
    CHECK_EQ_INT(pat("\"\\q\"", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "unknown escape '\\q' at column 2");
    CHECK_EQ_INT(pat("\"\\xg\"", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "\\x at column 2 needs a hex digit");
    CHECK_EQ_INT(pat("de xyz", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "unexpected 'x' at column 4");
    CHECK_EQ_INT(pat("", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "empty pattern");
    CHECK_EQ_INT(pat("  \"\" ", &p, &msg), RC_ARG);
    CHECK_EQ_INT(pat(NULL, &p, &msg), RC_ARG);
    CHECK_EQ_INT(pat("?? ??", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "all wildcards");
    CHECK_EQ_INT(pat("0x123456789", &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "1 to 8 hex digits");
    CHECK_EQ_INT(pat("0x", &p, &msg), RC_ARG);
    CHECK_EQ_INT(pat("0x1?", &p, &msg), RC_ARG);
    char big[600];
    memset(big, 'a', 514);
    big[514] = 0;
    CHECK_EQ_INT(pat(big, &p, &msg), RC_ARG);
    CHECK_HAS(msg.text, "longer than 256 bytes");
    big[512] = 0;
    CHECK_EQ_INT(pat(big, &p, &msg), RC_OK);
    CHECK_EQ_INT(p.len, 256);
}

static int find(struct mem *mem, const struct view_space *s, const char *text,
                uint32_t start, int dir, uint32_t *at)
{
    struct view_pattern p;
    struct rc_msg msg;
    if (view_parse_search(text, &p, &msg) != RC_OK) {
        printf("  search '%s': %s\n", text, msg.text);
        return -100;
    }
    struct view_provider prov = {mem_get, mem};
    return view_search(&prov, s, &p, start, dir, 0, at);
}

TEST(search)
{
    struct rmap *m = microbit();
    struct view_space *s = space_of(m, 0, 16);
    struct mem mem = {0};
    static const char banner[] = "....MicroPython v1.9.2 on 2017;\x00\x01\xde\xad\xbe\xef";
    uint32_t blen = (uint32_t)sizeof banner - 1;   /* 37: ends at 0x1025 */
    mem_add(&mem, 0x1000, banner, blen);
    /* "Micro" then an unread byte then "Python": no match across it */
    mem_add(&mem, 0x20000100, "MicroPytho", 10);
    struct chunk *c = mem_add(&mem, 0x20000200, "MicroPython", 11);
    c->st[5] = VIEW_BYTE_UNREAD;
    /* another copy in ppb, at its very end */
    mem_add(&mem, 0xE00ffff5, "MicroPython", 11);

    uint32_t at = 0;
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x1004);
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0x1005, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0xE00ffff5);          /* skipped the split and cut copies */
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0xE00ffff6, 1, &at), VIEW_SEARCH_EXHAUSTED);
    /* at the end of a cached range */
    CHECK_EQ_INT(find(&mem, s, "de ad be ef", 0, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x1000 + blen - 4);
    CHECK_EQ_INT(find(&mem, s, "0xefbeadde", 0, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x1000 + blen - 4);
    CHECK_EQ_INT(find(&mem, s, "de ad be ef 00", 0, 1, &at), VIEW_SEARCH_EXHAUSTED);
    CHECK_EQ_INT(find(&mem, s, "00 01 de ?? be", 0, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x1000 + blen - 6);
    /* backwards: the last match at or before start */
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0xffffffffu, -1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0xE00ffff5);
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0xE00ffff4, -1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x1004);
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0x1004, -1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x1004);
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0x1003, -1, &at), VIEW_SEARCH_EXHAUSTED);
    CHECK_EQ_INT(find(&mem, s, "\"Micro\"", 0x20000300, -1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x20000200);
    CHECK_EQ_INT(find(&mem, s, "\"ython\"", 0x20000300, -1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x20000206);
    CHECK_EQ_INT(find(&mem, s, "\"Pytho\"", 0x20000300, -1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x20000105);

    /* A stale byte is not matched either. */
    c->st[5] = VIEW_BYTE_STALE;
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0x20000000, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0xE00ffff5);
    c->st[5] = VIEW_BYTE_OK;
    CHECK_EQ_INT(find(&mem, s, "\"MicroPython\"", 0x20000000, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x20000200);

    /* Resumable with a limit; unmapped stretches cost nothing. */
    struct view_pattern p;
    struct rc_msg msg;
    CHECK_EQ_INT(view_parse_search("\"MicroPython\"", &p, &msg), RC_OK);
    struct view_provider prov = {mem_get, &mem};
    uint32_t pos = 0x20000300;
    int rounds = 0, r;
    mem.calls = 0;
    while ((r = view_search(&prov, s, &p, pos, 1, 4096, &pos)) == VIEW_SEARCH_NOT_FOUND_YET) {
        rounds++;
        CHECK(mem.calls <= (long)(4096 + p.len) * rounds);
    }
    CHECK_EQ_INT(r, VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(pos, 0xE00ffff5);
    /* ram rest, apb and ppb: about 1.5 MiB of candidates */
    CHECK(rounds > 300 && rounds < 500);
    pos = 0xffffffffu;
    rounds = 0;
    while ((r = view_search(&prov, s, &p, pos, -1, 100000, &pos)) == VIEW_SEARCH_NOT_FOUND_YET) {
        rounds++;
    }
    CHECK_EQ_INT(r, VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(pos, 0xE00ffff5);
    /* gaps only: a search from inside a gap starts at the next region */
    mem_add(&mem, 0x40000000, "\x55", 1);
    CHECK_EQ_INT(find(&mem, s, "55", 0x30000000, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x40000000);
    CHECK_EQ_INT(find(&mem, s, "55", 0x30000000, -1, &at), VIEW_SEARCH_EXHAUSTED);
    CHECK_EQ_INT(view_search(&prov, s, &p, 0, 0, 0, &at), RC_ARG);
    CHECK_EQ_INT(view_search(&prov, s, NULL, 0, 1, 0, &at), RC_ARG);
    /* whole space: the pattern at the top of the address space */
    view_space_free(s);
    s = space_of(NULL, 0, 16);
    mem_add(&mem, 0xfffffffeu, "\x12\x34", 2);
    CHECK_EQ_INT(find(&mem, s, "12 34", 0xfffff000u, 1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0xfffffffeu);
    CHECK_EQ_INT(find(&mem, s, "12 34", 0xffffffffu, -1, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0xfffffffeu);
    CHECK_EQ_INT(find(&mem, s, "12 34", 0xffffffffu, 1, &at), VIEW_SEARCH_EXHAUSTED);
    view_space_free(s);
    rmap_free(m);
}

/* ---- navigation --------------------------------------------------------- */

TEST(navigation)
{
    struct rmap *m = microbit();
    struct view_space *s = space_of(m, 0, 16);
    uint32_t a = 0, b = 0;
    CHECK_EQ_INT(view_next_region(m, 0x100, &a), RC_OK);
    CHECK_EQ_INT(a, 0x10000000);
    CHECK_EQ_INT(view_next_region(m, 0x20000000, &a), RC_OK);
    CHECK_EQ_INT(a, HEAP_START);
    CHECK_EQ_INT(view_next_region(m, 0xE0000000u, &a), RC_NOTFOUND);
    CHECK_EQ_INT(view_prev_region(m, 0x20000000, &a), RC_OK);
    CHECK_EQ_INT(a, 0x10001000);
    CHECK_EQ_INT(view_prev_region(m, 0x20000001, &a), RC_OK);
    CHECK_EQ_INT(a, 0x20000000);
    CHECK_EQ_INT(view_prev_region(m, 0, &a), RC_NOTFOUND);
    CHECK_EQ_INT(view_region_bounds(m, 0x20001000, &a, &b), RC_OK);
    CHECK_EQ_INT(a, HEAP_START);
    CHECK_EQ_INT(b, HEAP_END - 1);
    CHECK_EQ_INT(view_region_bounds(m, 0x20000010, &a, &b), RC_OK);
    CHECK_EQ_INT(b, 0x20003fff);
    CHECK_EQ_INT(view_region_bounds(m, 0x30000000, &a, &b), RC_NOTFOUND);

    /* rows: a gap row counts as one */
    CHECK_EQ_INT(view_move_rows(s, 0x3fff5, 1, -1), 0x40000);
    CHECK_EQ_INT(view_move_rows(s, 0x3fff5, 2, -1), 0x10000005);
    CHECK_EQ_INT(view_move_rows(s, 0x40000, 1, -1), 0x10000000);
    CHECK_EQ_INT(view_move_rows(s, 0x40000, 1, 7), 0x10000007);
    CHECK_EQ_INT(view_move_rows(s, 0x10000005, -2, -1), 0x3fff5);
    CHECK_EQ_INT(view_move_rows(s, 0x5, -5, -1), 0x5);
    CHECK_EQ_INT(view_move_rows(s, 0x25, -5, 99), 0xf);
    CHECK_EQ_INT(view_move_rows(s, 0xE00ffff0u, 1000, -1), 0xE0100000u);
    CHECK_EQ_INT(view_move_rows(s, 0, INT64_MAX, -1), 0xE0100000u);
    CHECK_EQ_INT(view_move_rows(s, 0xffffffffu, INT64_MIN, -1), 0);
    CHECK_EQ_INT(view_move_rows(s, 0x30000000, 0, -1), 0x20004000);

    /* bytes: a gap row is one position */
    CHECK_EQ_INT(view_step(s, 0x3ffff, 1), 0x40000);
    CHECK_EQ_INT(view_step(s, 0x40000, 1), 0x10000000);
    CHECK_EQ_INT(view_step(s, 0x10000000, -1), 0x40000);
    CHECK_EQ_INT(view_step(s, 0x40000, -1), 0x3ffff);
    CHECK_EQ_INT(view_step(s, 0x30000000, 1), 0x40000000);
    CHECK_EQ_INT(view_step(s, 0x30000000, -1), 0x20003fff);
    CHECK_EQ_INT(view_step(s, 0x3fff0, 32), 0x1000000f);
    CHECK_EQ_INT(view_step(s, 0x1000000f, -32), 0x3fff0);
    CHECK_EQ_INT(view_step(s, 0xfffffff0u, 1), 0xfffffff0u);
    CHECK_EQ_INT(view_step(s, 0xE00fffffu, 1), 0xE0100000u);
    CHECK_EQ_INT(view_step(s, 0xE00fffffu, 5), 0xE0100000u);
    CHECK_EQ_INT(view_step(s, 0, -1), 0);
    CHECK_EQ_INT(view_step(s, 5, -10), 0);
    CHECK_EQ_INT(view_step(s, 5, 0), 5);
    CHECK_EQ_INT(view_step(s, 0, INT64_MAX), 0xE0100000u);
    CHECK_EQ_INT(view_step(s, 0xffffffffu, INT64_MIN), 0);
    struct view_space *all = space_of(NULL, 0, 16);
    CHECK_EQ_INT(view_step(all, 0xfffffff0u, 100), 0xffffffffu);
    CHECK_EQ_INT(view_step(all, 0x10, -1), 0xf);
    view_space_free(all);

    /* scrolling */
    CHECK_EQ_INT(view_scroll_top(s, 0, 25, 20), 6);
    CHECK_EQ_INT(view_scroll_top(s, 6, 3, 20), 3);
    CHECK_EQ_INT(view_scroll_top(s, 6, 10, 20), 6);
    CHECK_EQ_INT(view_scroll_top(s, 0, 115749, 20), 115730);
    CHECK_EQ_INT(view_scroll_top(s, 115740, 115745, 20), 115730);
    CHECK_EQ_INT(view_scroll_top(s, 5, 5, 0), 5);

    /* follow */
    struct mem mem = {0};
    mem_add(&mem, 0x20000100, "\x10\x30\x00\x20\x01", 5);
    struct view_provider p = {mem_get, &mem};
    struct rc_msg msg;
    CHECK_EQ_INT(view_follow(&p, 0x20000100, &a, &msg), RC_OK);
    CHECK_EQ_INT(a, 0x20003010);
    CHECK_EQ_INT(view_follow(&p, 0x20000102, &a, &msg), RC_NOTFOUND);
    CHECK_HAS(msg.text, "byte 0x20000105 is not read yet");
    mem.c[0].st[3] = VIEW_BYTE_BAD;
    CHECK_EQ_INT(view_follow(&p, 0x20000100, &a, &msg), RC_NOTFOUND);
    CHECK_HAS(msg.text, "failed verification");
    CHECK_EQ_INT(view_follow(&p, 0xfffffffdu, &a, &msg), RC_ARG);
    CHECK_EQ_INT(view_follow(NULL, 0xfffffffcu, &a, &msg), RC_NOTFOUND);
    view_space_free(s);
    rmap_free(m);
}

/* ---- region panel ------------------------------------------------------- */

TEST(panel)
{
    struct rmap *m = microbit();
    struct view_panel_row r;
    CHECK_EQ_INT(rmap_count(m), 7);
    static const struct {
        const char *label, *start, *size, *kind, *attrs, *bar;
    } want[] = {
        {"flash", "0x00000000", "256 KiB", "flash", "r-x", "##################  "},
        {"ficr", "0x10000000", "256 bytes", "rom", "r--", "########            "},
        {"uicr", "0x10001000", "256 bytes", "rom", "r--", "########            "},
        {"ram", "0x20000000", "16 KiB", "ram", "rwx", "##############      "},
        {"  gc-heap", "0x200004a0", "9.8 KiB", "heap", "rw-", "=============       "},
        {"apb", "0x40000000", "512 KiB", "peripheral", "rw-", "################### "},
        {"ppb", "0xe0000000", "1 MiB", "peripheral", "rw-", "####################"},
    };
    for (size_t i = 0; i < 7; i++) {
        CHECK_EQ_INT(view_panel_row(m, i, 20, &r), RC_OK);
        CHECK_STR(r.label, want[i].label);
        CHECK_STR(r.start, want[i].start);
        CHECK_STR(r.size, want[i].size);
        CHECK_STR(r.kind, want[i].kind);
        CHECK_STR(r.attrs, want[i].attrs);
        CHECK_STR(r.bar, want[i].bar);
        CHECK_EQ_INT(r.index, i);
        CHECK(r.region == rmap_get(m, i));
    }
    CHECK_EQ_INT(view_panel_row(m, 7, 20, &r), RC_ARG);
    CHECK_EQ_INT(view_panel_row(m, 0, 0, &r), RC_OK);
    CHECK_STR(r.bar, "#");
    CHECK_EQ_INT(view_panel_row(m, 1, 1000, &r), RC_OK);
    CHECK_EQ_INT(strlen(r.bar), VIEW_BAR_MAX);
    CHECK_EQ_INT(r.fill, 26);   /* 8/20 of 64, rounded */
    size_t idx = 99;
    CHECK_EQ_INT(view_panel_find(m, 0x20001000, &idx), RC_OK);
    CHECK_EQ_INT(idx, 4);
    CHECK_EQ_INT(view_panel_find(m, 0x20003000, &idx), RC_OK);
    CHECK_EQ_INT(idx, 3);
    CHECK_EQ_INT(view_panel_find(m, 0x30000000, &idx), RC_NOTFOUND);

    /* A tiny region next to a 4 GiB one still shows. */
    struct rmap *t;
    rmap_new(&t);
    add(t, "all", 0, 0x100000000ULL, RMAP_K_OTHER, 0, RMAP_ACC_UNKNOWN);
    add(t, "one", 0x100, 0x101, RMAP_K_OTHER, 0, RMAP_ACC_UNKNOWN);
    rmap_finish(t);
    CHECK_EQ_INT(view_panel_row(t, 1, 20, &r), RC_OK);
    CHECK_STR(r.bar, "=                   ");
    CHECK_STR(r.attrs, "---");
    CHECK_EQ_INT(view_panel_row(t, 0, 10, &r), RC_OK);
    CHECK_STR(r.bar, "##########");
    CHECK_STR(r.size, "4 GiB");
    rmap_free(t);
    rmap_free(m);
}

/* ---- images: extra ranges, absent bytes -------------------------------- */

TEST(ranges_merge)
{
    struct view_range r[] = {
        {0x300, 0x400}, {0x100, 0x200}, {0x180, 0x250}, {0x250, 0x260},
        {0x500, 0x500}, {0x10, 0x8}, {0xfffffff0u, 0x100000010ULL},
    };
    size_t n = view_ranges_merge(r, sizeof r / sizeof r[0]);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(r[0].start, 0x100);
    CHECK_EQ_INT(r[0].end, 0x260);        /* overlapping and touching merge */
    CHECK_EQ_INT(r[1].start, 0x300);
    CHECK_EQ_INT(r[1].end, 0x400);
    CHECK_EQ_INT(r[2].start, 0xfffffff0u);
    CHECK(r[2].end == VIEW_ADDR_END);     /* clamped at 4 GiB */
    CHECK_EQ_INT(view_ranges_merge(NULL, 0), 0);
}

static int absent_get(void *ctx, uint32_t addr, uint8_t *value)
{
    (void)ctx;
    if (addr >= 0x20000004 && addr < 0x20000008) {
        *value = (uint8_t)(0x41 + (addr & 3));
        return VIEW_BYTE_OK;
    }
    return VIEW_BYTE_ABSENT;
}

TEST(space_with_ranges)
{
    struct rmap *m;
    rmap_new(&m);
    add(m, ".text", 0x100, 0x180, RMAP_K_FLASH, RX, RMAP_ACC_UNKNOWN);
    rmap_finish(m);
    /* .data's load bytes at 0x180..0x190 lie in no region; RAM bytes too */
    struct view_range extra[] = {{0x180, 0x190}, {0x20000004, 0x20000008}};
    struct view_space *s = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(view_space_new_ranges(m, extra, 2, 0, 16, &s, &msg), RC_OK);
    CHECK(view_space_contains(s, 0x100));
    CHECK(view_space_contains(s, 0x18f));
    CHECK(!view_space_contains(s, 0x190));
    CHECK(view_space_contains(s, 0x20000007));
    CHECK(!view_space_contains(s, 0x20000008));
    /* gap, 0x100-0x18f (9 rows), gap, one row at 0x20000000, gap */
    CHECK_EQ_INT(view_row_count(s), 1 + 9 + 1 + 1 + 1);
    struct view_rowcells rc;
    struct view_provider prov = {absent_get, NULL};
    uint64_t i = view_row_of(s, 0x20000000);
    CHECK_EQ_INT(view_format_row(s, i, 4, &prov, m, NULL, &rc), RC_OK);
    CHECK_STR(rc.line, "20000000               41 42 43 44                                ABCD        ");
    CHECK_EQ_INT(rc.cell[0].state, VIEW_BYTE_OUTSIDE);
    CHECK_EQ_INT(rc.cell[4].state, VIEW_BYTE_OK);
    view_space_free(s);

    /* Absent bytes inside the space read "--", blank in ASCII. */
    CHECK_EQ_INT(view_space_new_ranges(NULL, extra, 2, 0, 8, &s, &msg), RC_OK);
    CHECK_EQ_INT(view_row_count(s), 1 + 2 + 1 + 1 + 1);
    CHECK_EQ_INT(view_format_row(s, view_row_of(s, 0x188), 4, &prov, NULL, NULL, &rc), RC_OK);
    CHECK_STR(rc.line, "00000188  -- -- -- --  -- -- -- --          ");
    CHECK_EQ_INT(rc.cell[0].state, VIEW_BYTE_ABSENT);
    CHECK_EQ_INT(rc.cell[0].ink, VIEW_INK_ABSENT);
    CHECK_EQ_INT(rc.cell[0].ascii, ' ');
    struct view_values v;
    view_values(&prov, NULL, 0x188, &v);
    CHECK(!v.have_u8);
    view_values(&prov, NULL, 0x20000004, &v);
    CHECK(v.have_u32 && v.u32 == 0x44434241);
    view_values(&prov, NULL, 0x20000005, &v);
    CHECK(v.have_u16 && !v.have_u32);     /* the fourth byte is absent */
    /* a search does not match across an absent byte */
    struct view_pattern pat;
    CHECK_EQ_INT(view_parse_search("\"ABCD\"", &pat, &msg), RC_OK);
    uint32_t at = 0;
    CHECK_EQ_INT(view_search(&prov, s, &pat, 0, 1, 0, &at), VIEW_SEARCH_FOUND);
    CHECK_EQ_INT(at, 0x20000004);
    CHECK_EQ_INT(view_parse_search("\"DA\"", &pat, &msg), RC_OK);
    CHECK_EQ_INT(view_search(&prov, s, &pat, 0, 1, 0, &at), VIEW_SEARCH_EXHAUSTED);
    view_space_free(s);

    /* Nothing at all: the whole space, as before. */
    CHECK_EQ_INT(view_space_new_ranges(NULL, NULL, 5, 0, 16, &s, &msg), RC_OK);
    CHECK(view_row_count(s) == VIEW_ADDR_END / 16);
    view_space_free(s);
    rmap_free(m);
}

TEST(status_where_and_symbols)
{
    struct rmap *m = microbit();
    struct mem mem = {0};
    mem_add(&mem, 0x104, "\x01\x02\x03\x04", 4);
    struct view_provider prov = {mem_get, &mem};
    struct view_values v;
    view_values(&prov, m, 0x104, &v);
    char a[300], b[300];
    view_status_compose(m, NULL, &v, "main+0x4  image: 0x12 (board 0x01)", "link", a, sizeof a);
    CHECK_STR(a, "0x00000104  flash+0x104 r-x flash  main+0x4  image: 0x12 (board 0x01)"
                 "  u8 0x01 1  u16 0x0201  u32 0x04030201  | link");
    /* no where: exactly view_status_text */
    view_status_compose(m, NULL, &v, NULL, "link", a, sizeof a);
    view_status_text(m, NULL, &v, "link", b, sizeof b);
    CHECK_STR(a, b);
    view_status_compose(m, NULL, &v, "", "link", a, sizeof a);
    CHECK_STR(a, b);
    /* bounded like snprintf */
    size_t need = view_status_compose(m, NULL, &v, "sym", "link", a, sizeof a);
    char small[20];
    CHECK_EQ_INT(view_status_compose(m, NULL, &v, "sym", "link", small, sizeof small), need);
    CHECK_EQ_INT(strlen(small), sizeof small - 1);

    char t[64];
    view_sym_text("main", 0x100, 0x104, 1, t, sizeof t);
    CHECK_STR(t, "main+0x4");
    view_sym_text("main", 0x100, 0x100, 1, t, sizeof t);
    CHECK_STR(t, "main+0x0");
    view_sym_text("main", 0x100, 0x140, 0, t, sizeof t);
    CHECK_STR(t, "~main+0x40");
    view_sym_text("a_very_long_symbol_name", 0x100, 0x1ff, 1, t, 12);
    CHECK_STR(t, "a_very+0xff");              /* the name is cut, the offset kept */
    view_sym_text("x", 0, 0xffffffffu, 0, t, sizeof t);
    CHECK_STR(t, "~x+0xffffffff");
    view_sym_text("x", 0, 1, 1, t, 1);
    CHECK_STR(t, "");
    rmap_free(m);
}

/* ---- completion and filtering --------------------------------------------- */

TEST(names_and_prefix)
{
    const char *names[] = {"main", "mp_init", "flash", "", "main", "mp_deinit", NULL,
                           "mp_init_gc", "Main", "mp_", "z"};
    size_t n = view_names_sort(names, sizeof names / sizeof names[0]);
    CHECK_EQ_INT(n, 8);
    static const char *const want[] = {"Main", "flash", "main", "mp_", "mp_deinit",
                                       "mp_init", "mp_init_gc", "z"};
    for (size_t i = 0; i < n && i < 8; i++) {
        CHECK_STR(names[i], want[i]);
    }
    size_t first = 99;
    CHECK_EQ_INT(view_names_prefix(names, n, "mp_", &first), 4);
    CHECK_EQ_INT(first, 3);
    CHECK_EQ_INT(view_names_prefix(names, n, "mp_init", &first), 2);
    CHECK_EQ_INT(first, 5);
    CHECK_EQ_INT(view_names_prefix(names, n, "m", &first), 5);
    CHECK_EQ_INT(first, 2);
    CHECK_EQ_INT(view_names_prefix(names, n, "q", &first), 0);
    CHECK_EQ_INT(view_names_prefix(names, n, "zz", NULL), 0);
    CHECK_EQ_INT(view_names_prefix(names, n, "", &first), 8);
    CHECK_EQ_INT(first, 0);
    CHECK_EQ_INT(view_names_prefix(names, 0, "a", &first), 0);

    CHECK_EQ_INT(view_goto_word("mp_in"), 0);
    CHECK_EQ_INT(view_goto_word("ram+mp_in"), 4);
    CHECK_EQ_INT(view_goto_word(".text - 4"), 8);
    CHECK_EQ_INT(view_goto_word(".text - "), 8);
    CHECK_EQ_INT(view_goto_word("0x10+"), 5);
    CHECK_EQ_INT(view_goto_word(""), 0);
}

TEST(tab_completion)
{
    const char *names[] = {"main", "mp_deinit", "mp_init", "mp_init_gc", "mp_init_ll",
                           "ram", "uart_init"};
    size_t n = view_names_sort(names, sizeof names / sizeof names[0]);
    const char *const *nm = names;
    struct view_tab tab;
    view_tab_reset(&tab);
    char text[64];

    /* a unique match completes */
    strcpy(text, "ma");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 1);
    CHECK_STR(text, "main");
    CHECK(!tab.cycling);
    /* only the last term */
    view_tab_reset(&tab);
    strcpy(text, "ram+ua");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 1);
    CHECK_STR(text, "ram+uart_init");
    /* no match: unchanged */
    view_tab_reset(&tab);
    strcpy(text, "0x10+zz");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 0);
    CHECK_STR(text, "0x10+zz");
    /* an empty word does not complete */
    strcpy(text, "0x10+");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 0);
    CHECK_STR(text, "0x10+");

    /* several: the common prefix first, then cycling in name order */
    view_tab_reset(&tab);
    strcpy(text, "mp_i");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 3);
    CHECK_STR(text, "mp_init");
    CHECK(!tab.cycling);
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 3);
    CHECK_STR(text, "mp_init");
    CHECK(tab.cycling);
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 3);
    CHECK_STR(text, "mp_init_gc");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 3);
    CHECK_STR(text, "mp_init_ll");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 3);
    CHECK_STR(text, "mp_init");           /* wraps */
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, -1), 3);
    CHECK_STR(text, "mp_init_ll");        /* Shift-Tab goes back */

    /* "mp_" is already the common prefix of four: cycling from the start */
    view_tab_reset(&tab);
    strcpy(text, ".+mp_");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 4);
    CHECK_STR(text, ".+mp_deinit");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 4);
    CHECK_STR(text, ".+mp_init");
    view_tab_reset(&tab);
    strcpy(text, "mp_");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, -1), 4);
    CHECK_STR(text, "mp_init_ll");        /* backwards starts at the last */

    /* a name that does not fit the buffer is passed over */
    view_tab_reset(&tab);
    char tiny[10];
    strcpy(tiny, "mp_init");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, tiny, sizeof tiny, 1), 3);
    CHECK_STR(tiny, "mp_init");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, tiny, sizeof tiny, 1), 3);
    CHECK_STR(tiny, "mp_init");           /* _gc and _ll need 11 bytes */
    view_tab_reset(&tab);
    char tiny9[9];
    strcpy(tiny9, "ua");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, tiny9, sizeof tiny9, 1), 1);
    CHECK_STR(tiny9, "ua");               /* uart_init does not fit */
    CHECK_EQ_INT(view_tab_complete(nm, 0, &tab, text, sizeof text, 1), 0);
}

static const char *const filter_names[] = {"mp_init", "MP_STATE", NULL, "gc_init", "main"};

static const char *filter_name(void *ctx, size_t i)
{
    (void)ctx;
    return filter_names[i];
}

static char big_names[50000][16];

static const char *big_name(void *ctx, size_t i)
{
    (void)ctx;
    return big_names[i];
}

TEST(filtering)
{
    CHECK(view_contains_ci("mp_init", "INIT"));
    CHECK(view_contains_ci("MP_STATE", "p_st"));
    CHECK(view_contains_ci("abc", ""));
    CHECK(view_contains_ci("abc", NULL));
    CHECK(!view_contains_ci("abc", "abcd"));
    CHECK(!view_contains_ci(NULL, "a"));
    CHECK(view_contains_ci("aab", "ab"));   /* a false start, then the match */
    CHECK(view_contains_ci("xxababc", "abc"));
    CHECK(!view_contains_ci("ab", "b_"));
    size_t out[5];
    CHECK_EQ_INT(view_filter(filter_name, NULL, 5, "init", out), 2);
    CHECK_EQ_INT(out[0], 0);
    CHECK_EQ_INT(out[1], 3);
    CHECK_EQ_INT(view_filter(filter_name, NULL, 5, "mp", out), 2);
    CHECK_EQ_INT(out[1], 1);
    CHECK_EQ_INT(view_filter(filter_name, NULL, 5, "", out), 4);   /* NULL never */
    CHECK_EQ_INT(view_filter(filter_name, NULL, 5, "zzz", out), 0);

    /* tens of thousands of names: one pass */
    for (size_t i = 0; i < 50000; i++) {
        snprintf(big_names[i], sizeof big_names[i], "sym_%05zu_%s", i, i % 7 ? "fn" : "OBJ");
    }
    static size_t idx[50000];
    CHECK_EQ_INT(view_filter(big_name, NULL, 50000, "_obj", idx), 7143);
    CHECK_EQ_INT(idx[1], 7);
    /* 04999 14999 24999 34999 44999 49990..49999 */
    CHECK_EQ_INT(view_filter(big_name, NULL, 50000, "4999", idx), 15);
}

/* ---- diff ------------------------------------------------------------------ */

TEST(diff_next)
{
    /* The image: 0x100..0x120 and 0x200..0x210.  The board has read
     * 0x100..0x11f (0x108 differs, 0x110 failed verification) and
     * 0x200..0x20f (0x20c differs, 0x204 unread). */
    struct mem img = {0}, brd = {0};
    uint8_t a[32], b[32];
    for (int i = 0; i < 32; i++) {
        a[i] = b[i] = (uint8_t)(i * 7);
    }
    b[8] = 0xfd;
    mem_add(&img, 0x100, a, 32);
    mem_add(&img, 0x200, a, 16);
    struct chunk *c1 = mem_add(&brd, 0x100, b, 32);
    c1->st[0x10] = VIEW_BYTE_BAD;
    uint8_t b2[16];
    memcpy(b2, a, 16);
    b2[12] ^= 1;
    struct chunk *c2 = mem_add(&brd, 0x200, b2, 16);
    c2->st[4] = VIEW_BYTE_UNREAD;
    struct view_range r[] = {{0x100, 0x120}, {0x200, 0x210}};
    struct view_provider bp = {mem_get, &brd}, ip = {mem_get, &img};
    uint32_t at = 0;
    struct view_diff_stats st = {0, 0, 0};

    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0, 1, 0, 0, &at, &st), VIEW_DIFF_FOUND);
    CHECK_EQ_INT(at, 0x108);
    CHECK_EQ_INT(st.compared, 9);           /* 0x100..0x108 */
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0x109, 1, 0, 0, &at, &st), VIEW_DIFF_FOUND);
    CHECK_EQ_INT(at, 0x20c);
    CHECK_EQ_INT(st.skipped, 1);            /* the bad byte */
    CHECK_EQ_INT(st.unread, 1);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0x20d, 1, 0, 0, &at, &st), VIEW_DIFF_NONE);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0xffffffffu, 1, 0, 0, &at, NULL), VIEW_DIFF_NONE);
    /* stop at an unread byte to have it read */
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0x150, 1, 0, 1, &at, NULL), VIEW_DIFF_UNREAD);
    CHECK_EQ_INT(at, 0x204);
    c2->st[4] = VIEW_BYTE_OK;
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0x150, 1, 0, 1, &at, NULL), VIEW_DIFF_FOUND);
    CHECK_EQ_INT(at, 0x20c);
    /* backwards: the last difference at or before start */
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0xffffffffu, -1, 0, 0, &at, NULL), VIEW_DIFF_FOUND);
    CHECK_EQ_INT(at, 0x20c);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0x20b, -1, 0, 0, &at, NULL), VIEW_DIFF_FOUND);
    CHECK_EQ_INT(at, 0x108);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0x108, -1, 0, 0, &at, NULL), VIEW_DIFF_FOUND);
    CHECK_EQ_INT(at, 0x108);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0x107, -1, 0, 0, &at, NULL), VIEW_DIFF_NONE);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0, -1, 0, 0, &at, NULL), VIEW_DIFF_NONE);
    /* resumable: limit addresses per call */
    uint32_t pos = 0x109;
    int rounds = 0, rc;
    while ((rc = view_diff_next(&bp, &ip, r, 2, pos, 1, 4, 0, &pos, NULL)) == VIEW_DIFF_MORE) {
        rounds++;
    }
    CHECK_EQ_INT(rc, VIEW_DIFF_FOUND);
    CHECK_EQ_INT(pos, 0x20c);
    CHECK_EQ_INT(rounds, (23 + 12) / 4);   /* 0x109..0x11f, then 0x200..0x20b */
    /* equal bytes everywhere: nothing */
    struct view_provider same = {mem_get, &img};
    CHECK_EQ_INT(view_diff_next(&same, &ip, r, 2, 0, 1, 0, 1, &at, NULL), VIEW_DIFF_NONE);
    /* an image that lacks a byte inside a range counts it as skipped */
    struct view_range wide[] = {{0x100, 0x130}};
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(view_diff_next(&same, &ip, wide, 1, 0x118, 1, 0, 0, &at, &st), VIEW_DIFF_NONE);
    CHECK_EQ_INT(st.compared, 8);
    CHECK_EQ_INT(st.skipped, 16);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, r, 2, 0, 0, 0, 0, &at, NULL), RC_ARG);
    CHECK_EQ_INT(view_diff_next(&bp, &ip, NULL, 0, 0, 1, 0, 0, &at, NULL), VIEW_DIFF_NONE);
    /* the very top of the address space */
    struct mem top = {0};
    mem_add(&top, 0xfffffff0u, a, 16);
    struct view_range tr[] = {{0xfffffff0u, VIEW_ADDR_END}};
    struct view_provider tp = {mem_get, &top};
    CHECK_EQ_INT(view_diff_next(&tp, &tp, tr, 1, 0xfffffff0u, 1, 0, 0, &at, NULL), VIEW_DIFF_NONE);
    CHECK_EQ_INT(view_diff_next(&tp, &tp, tr, 1, 0xffffffffu, -1, 0, 0, &at, NULL), VIEW_DIFF_NONE);
}

/* Bytes read before the board went away: their values, marked stale. */
TEST(status_stale_values)
{
    struct rmap *m = microbit();
    struct mem mem = {0};
    static const uint8_t ptr[] = {0x41, 0x30, 0x00, 0x20};
    struct chunk *c = mem_add(&mem, 0x20000100, ptr, sizeof ptr);
    memset(c->st, VIEW_BYTE_STALE, sizeof ptr);
    struct view_provider p = {mem_get, &mem};
    struct view_values v;
    char text[256];
    view_values(&p, m, 0x20000100, &v);
    CHECK(v.have_u8 && v.have_u16 && v.have_u32 && v.stale);
    view_status_text(m, NULL, &v, "disconnected", text, sizeof text);
    CHECK_STR(text, "0x20000100  ram+0x100 rwx ram  stale u8 0x41 65 'A'  u16 0x3041  "
                    "u32 0x20003041 -> ram+0x3041  | disconnected");
    /* one fresh byte and three stale ones: still stale */
    c->st[0] = VIEW_BYTE_OK;
    view_values(&p, m, 0x20000100, &v);
    CHECK(v.have_u32 && v.stale);
    /* all fresh: not */
    memset(c->st, VIEW_BYTE_OK, sizeof ptr);
    view_values(&p, m, 0x20000100, &v);
    CHECK(v.have_u32 && !v.stale);
    rmap_free(m);
}

/* Zero is NULL: no "-> flash+0x0", and f does not follow it. */
TEST(null_is_not_a_pointer)
{
    struct rmap *m = microbit();
    struct mem mem = {0};
    mem_add(&mem, 0x20000100, "\0\0\0\0", 4);
    struct view_provider p = {mem_get, &mem};
    struct view_values v;
    char text[256];
    view_values(&p, m, 0x20000100, &v);
    CHECK(v.have_u32 && v.u32 == 0 && v.target == NULL);
    view_status_text(m, NULL, &v, NULL, text, sizeof text);
    CHECK_STR(text, "0x20000100  ram+0x100 rwx ram  u8 0x00 0  u16 0x0000  u32 0x00000000");
    uint32_t a = 0x1234;
    struct rc_msg msg;
    CHECK_EQ_INT(view_follow(&p, 0x20000100, &a, &msg), RC_NOTFOUND);
    CHECK_HAS(msg.text, "0x20000100 is 0 (NULL)");
    CHECK_EQ_INT(a, 0x1234);
    rmap_free(m);
}

/* Following a word with a byte no image holds names that state. */
TEST(follow_every_state)
{
    struct mem mem = {0};
    struct chunk *c = mem_add(&mem, 0x100, "\x10\x30\x00\x20", 4);
    struct view_provider p = {mem_get, &mem};
    uint32_t a;
    struct rc_msg msg;
    c->st[2] = VIEW_BYTE_ABSENT;
    CHECK_EQ_INT(view_follow(&p, 0x100, &a, &msg), RC_NOTFOUND);
    CHECK_HAS(msg.text, "byte 0x00000102 is in no image");
    c->st[2] = VIEW_BYTE_OUTSIDE;
    CHECK_EQ_INT(view_follow(&p, 0x100, &a, &msg), RC_NOTFOUND);
    CHECK_HAS(msg.text, "byte 0x00000102 is outside the map");
    c->st[2] = VIEW_BYTE_STALE;
    CHECK_EQ_INT(view_follow(&p, 0x100, &a, &msg), RC_NOTFOUND);
    CHECK_HAS(msg.text, "byte 0x00000102 is stale");
    CHECK_STR(view_byte_text(VIEW_BYTE_ABSENT), "in no image");
    CHECK_STR(view_byte_text(99), "unknown");
    CHECK_STR(view_byte_text(-1), "unknown");
}

/* A narrow terminal keeps the most useful fields of the status line. */
TEST(status_fit)
{
    struct rmap *m = microbit();
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(heap_text, strlen(heap_text), 16, &h, &msg), RC_OK);
    struct mem mem = {0};
    mem_add(&mem, 0x200004d4, "\x41\x30\x00\x20", 4);
    struct view_provider p = {mem_get, &mem};
    struct view_values v;
    view_values(&p, m, 0x200004d4, &v);
    char full[512], text[512];
    size_t n = view_status_fit(m, &h, &v, "mp_state+0x4", "connected /dev/ttyACM0", 0,
                               full, sizeof full);
    CHECK_STR(full, "0x200004d4  gc-heap+0x34 rw- heap  mp_state+0x4  u8 0x41 65 'A'  "
                    "u16 0x3041  u32 0x20003041 -> ram+0x3041  "
                    "heap: list head 0x200004c0, 3 blocks  | connected /dev/ttyACM0");
    CHECK_EQ_INT(n, strlen(full));
    /* wide enough: the same */
    view_status_fit(m, &h, &v, "mp_state+0x4", "connected /dev/ttyACM0", (unsigned)n, text,
                    sizeof text);
    CHECK_STR(text, full);
    /* 120 columns: u16, the attrs and kind and u32's target go first */
    view_status_fit(m, &h, &v, "mp_state+0x4", "connected /dev/ttyACM0", 120, text,
                    sizeof text);
    CHECK_STR(text, "0x200004d4  gc-heap+0x34  mp_state+0x4  u8 0x41 65 'A'  "
                    "u32 0x20003041  heap: list 0x200004c0  | connected /dev/ttyACM0");
    view_status_fit(m, &h, &v, "mp_state+0x4", "connected /dev/ttyACM0", 100, text,
                    sizeof text);
    CHECK_STR(text, "0x200004d4  gc-heap+0x34  u8 0x41 65 'A'  "
                    "heap: list 0x200004c0  | connected /dev/ttyACM0");
    /* 80 columns: the heap object and the link stay */
    view_status_fit(m, &h, &v, "mp_state+0x4", "connected /dev/ttyACM0", 80, text,
                    sizeof text);
    CHECK_STR(text, "0x200004d4  gc-heap+0x34  heap: list 0x200004c0  "
                    "| connected /dev/ttyACM0");
    /* 50 columns: the link's state without its detail */
    view_status_fit(m, &h, &v, "mp_state+0x4", "timed out: the board stopped answering", 60,
                    text, sizeof text);
    CHECK_STR(text, "0x200004d4  gc-heap+0x34  heap: list 0x200004c0  | timed out");
    /* 40 columns: the address, the region and the link */
    view_status_fit(m, &h, &v, "mp_state+0x4", "connected", 40, text, sizeof text);
    CHECK_STR(text, "0x200004d4  gc-heap+0x34  | connected");
    /* too narrow for even that: the address and region stay (the painter cuts) */
    view_status_fit(m, &h, &v, "x", "y", 10, text, sizeof text);
    CHECK_STR(text, "0x200004d4  gc-heap+0x34");
    heapmap_fini(&h);
    rmap_free(m);
}

/* Names with spaces (an image's segments: "firmware.hex #1") complete. */
TEST(tab_names_with_spaces)
{
    const char *names[] = {"firmware.hex #1", "firmware.hex #2", "gc-heap", "ram"};
    size_t n = view_names_sort(names, 4);
    const char *const *nm = names;
    struct view_tab tab;
    char text[64];
    view_tab_reset(&tab);
    strcpy(text, "firmware.hex #");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 2);
    CHECK_STR(text, "firmware.hex #1");
    view_tab_reset(&tab);
    strcpy(text, "firmware.hex #2");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 1);
    CHECK_STR(text, "firmware.hex #2");
    view_tab_reset(&tab);
    strcpy(text, "firmware.hex #1+0x10 - firmware.hex #");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 2);
    CHECK_STR(text, "firmware.hex #1+0x10 - firmware.hex #1");
    view_tab_reset(&tab);
    strcpy(text, "ram+gc-h");
    CHECK_EQ_INT(view_tab_complete(nm, n, &tab, text, sizeof text, 1), 1);
    CHECK_STR(text, "ram+gc-heap");
    /* and such a name is a goto term */
    struct rmap *m;
    rmap_new(&m);
    add(m, "firmware.hex #1", 0x1000, 0x2000, RMAP_K_FLASH, RX, RMAP_ACC_READ);
    rmap_finish(m);
    uint32_t a = 0;
    struct rc_msg msg;
    CHECK_EQ_INT(view_parse_goto("firmware.hex #1+0x10", m, NULL, 0, &a, &msg), RC_OK);
    CHECK_EQ_INT(a, 0x1010);
    rmap_free(m);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(widths_and_fit);
    RUN(size_text);
    RUN(microbit_rows_and_gaps);
    RUN(row_round_trips);
    RUN(whole_space);
    RUN(partial_rows);
    RUN(format_states_and_classes);
    RUN(boundary_in_row);
    RUN(heap_cells);
    RUN(status_values);
    RUN(status_heap);
    RUN(goto_forms);
    RUN(goto_errors);
    RUN(search_parse);
    RUN(search);
    RUN(navigation);
    RUN(panel);
    RUN(ranges_merge);
    RUN(space_with_ranges);
    RUN(status_where_and_symbols);
    RUN(names_and_prefix);
    RUN(tab_completion);
    RUN(filtering);
    RUN(diff_next);
    RUN(status_stale_values);
    RUN(null_is_not_a_pointer);
    RUN(follow_every_state);
    RUN(status_fit);
    RUN(tab_names_with_spaces);
    return harness_done("view");
}
