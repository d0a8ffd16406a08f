/*
 * test_qstr.c: qstr pools on hand-built boards (a small flash and RAM
 * holding a const pool and two chained heap pools, in both layout
 * families and each hash/length width), found with and without symbols;
 * corrupt pools (a loop in prev, len > alloc, pointers outside memory, a
 * wrong hash, a wrong length) refused with a clear message; and the real
 * firmware: MicroPython 1.29's ELF and Debian's micro:bit 1.9.2 HEX, alone
 * and with their RAM as QEMU ran them (tests/data/qstr/).  Hints (what a
 * search learned, as the qstr cache keeps it): used when they validate,
 * refused for a moved pool, other bytes, a wrong last_pool word or counts
 * that disagree with qstr_info, and the names always the scan's.
 */
#include "qstr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "harness.h"

#define FLASH 0x00008000u
#define RAM 0x20000000u
#define FSIZE 0x4000u
#define RSIZE 0x2000u
#define STATE_AT 0x40u    /* a fake mp_state_ctx in RAM: 64 bytes */
#define NCONST 40u        /* qstrs in the const pool */

/* ---- a fake board ------------------------------------------------------------ */

struct board {
    uint8_t flash[FSIZE];
    uint32_t fused;
    uint8_t ram[RSIZE];
    uint32_t rused;
    int fam;            /* 1: v1.9-v1.19, 2: v1.20+ */
    unsigned hw, lw;
    uint32_t const_pool, pool1, pool2;
    unsigned reads, ram_reads, outside;
};

static int board_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                      struct rc_msg *msg)
{
    struct board *b = ctx;
    b->reads++;
    if (addr >= FLASH && (uint64_t)addr + len <= FLASH + FSIZE) {
        memcpy(out, b->flash + (addr - FLASH), len);
        return RC_OK;
    }
    if (addr >= RAM && (uint64_t)addr + len <= RAM + RSIZE) {
        b->ram_reads++;
        memcpy(out, b->ram + (addr - RAM), len);
        return RC_OK;
    }
    b->outside++;
    return rc_set(msg, RC_NOTFOUND, "no memory at 0x%08x", addr);
}

static void put16(uint8_t *p, uint32_t v, unsigned n)
{
    p[0] = (uint8_t)v;
    if (n == 2) {
        p[1] = (uint8_t)(v >> 8);
    }
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t djb2(const char *s, size_t n, unsigned hw)
{
    uint32_t h = 5381;
    for (size_t i = 0; i < n; i++) {
        h = (h * 33) ^ (uint8_t)s[i];
    }
    h &= hw == 1 ? 0xff : 0xffff;
    return h ? h : 1;
}

/* n bytes in flash (ram 0) or RAM, 4-aligned when align; their address. */
static uint32_t take(struct board *b, int ram, uint32_t n, int align)
{
    uint32_t *used = ram ? &b->rused : &b->fused;
    if (align) {
        *used = (*used + 3) & ~3u;
    }
    uint32_t a = *used;
    *used += n;
    if (*used > (ram ? RSIZE : FSIZE)) {
        abort();
    }
    return (ram ? RAM : FLASH) + a;
}

static uint8_t *at(struct board *b, uint32_t addr)
{
    return addr >= RAM ? b->ram + (addr - RAM) : b->flash + (addr - FLASH);
}

/* The text of qstr q on the fake board. */
static void name_of(const struct board *b, uint32_t q, char *out, size_t size)
{
    if (q < 2) {
        out[0] = 0;
    } else if (q == 2 && b->fam == 2) {
        snprintf(out, size, "__dir__");
    } else if (q < NCONST) {
        snprintf(out, size, "const_%u", q);
    } else {
        snprintf(out, size, "heap_name_%u", q);
    }
}

/* A string as the layout stores it; for family 1 the address of its
 * hash, for family 2 of its chars. */
static uint32_t put_str(struct board *b, int ram, uint32_t q)
{
    char s[64];
    name_of(b, q, s, sizeof s);
    uint32_t n = (uint32_t)strlen(s);
    if (b->fam == 1) {
        uint32_t a = take(b, ram, b->hw + b->lw + n + 1, 0);
        put16(at(b, a), q == 0 ? 0 : djb2(s, n, b->hw), b->hw);
        put16(at(b, a) + b->hw, n, b->lw);
        memcpy(at(b, a) + b->hw + b->lw, s, n + 1);
        return a;
    }
    uint32_t a = take(b, ram, n + 1, 0);
    memcpy(at(b, a), s, n + 1);
    return a;
}

/* A pool of len qstrs from first, alloc entries, prev; in RAM or flash. */
static uint32_t put_pool(struct board *b, int ram, uint32_t prev, uint32_t first,
                         uint32_t alloc, uint32_t len)
{
    uint32_t hdr = b->fam == 1 ? 16 : (b->hw ? 24 : 20);
    uint32_t cap = ram ? alloc : len;
    uint32_t size = hdr + 4 * cap + (b->fam == 2 ? (b->hw + b->lw) * cap : 0);
    uint32_t p = take(b, ram, size, 1);
    uint8_t *h = at(b, p);
    put32(h, prev);
    put32(h + 4, first);
    put32(h + 8, alloc);
    put32(h + 12, len);
    uint32_t hashes = p + hdr + 4 * cap, lengths = hashes + b->hw * cap;
    if (b->fam == 2) {
        if (b->hw) {
            put32(h + 16, hashes);
        }
        put32(h + hdr - 4, lengths);
    }
    for (uint32_t i = 0; i < len; i++) {
        uint32_t q = first + i;
        put32(at(b, p) + hdr + 4 * i, put_str(b, ram, q));
        if (b->fam == 2) {
            char s[64];
            name_of(b, q, s, sizeof s);
            size_t n = strlen(s);
            if (b->hw) {
                put16(at(b, hashes) + b->hw * i, q == 0 ? 0 : djb2(s, n, b->hw), b->hw);
            }
            put16(at(b, lengths) + b->lw * i, (uint32_t)n, b->lw);
        }
    }
    return p;
}

/* Bytes of code before the const pool in flash (another build of the
 * firmware puts the pool elsewhere). */
static uint32_t g_code = 0x100;

/* A board with a const pool of NCONST qstrs in flash and heap pools of 20
 * (full) and 40 (7 used) in RAM; mp_state_ctx's word 3 is last_pool. */
static struct board *build(int fam, unsigned hw, unsigned lw)
{
    struct board *b = calloc(1, sizeof *b);
    b->fam = fam;
    b->hw = hw;
    b->lw = lw;
    memset(b->ram, 0xa5, sizeof b->ram);
    take(b, 0, g_code, 0);         /* code before the pool */
    take(b, 1, STATE_AT + 64, 0);  /* .data/.bss with mp_state_ctx */
    memset(b->ram + STATE_AT, 0, 64);
    b->const_pool = put_pool(b, 0, 0, 0, 10, NCONST);
    b->pool1 = put_pool(b, 1, b->const_pool, NCONST, 20, 20);
    b->pool2 = put_pool(b, 1, b->pool1, NCONST + 20, 40, 7);
    put32(b->ram + STATE_AT + 12, b->pool2);
    return b;
}

static struct frozen_mem board_mem(struct board *b)
{
    struct frozen_mem m = {board_read, b};
    return m;
}

static struct qstr_where board_where(void)
{
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.flash[0].addr = FLASH;
    w.flash[0].len = FSIZE;
    w.nflash = 1;
    w.ram[0].addr = RAM;
    w.ram[0].len = RSIZE;
    w.nram = 1;
    return w;
}

/* A hand-built image that has only the symbols. */
struct symimg {
    struct image img;
    struct image_sym syms[2];
};

static const struct image *sym_image(struct symimg *s, const struct board *b, uint32_t state)
{
    memset(s, 0, sizeof *s);
    snprintf(s->img.path, sizeof s->img.path, "board.elf");
    s->syms[0] = (struct image_sym){"mp_qstr_const_pool", b->const_pool, 0, IMAGE_SYM_OBJECT, 1};
    s->syms[1] = (struct image_sym){"mp_state_ctx", state, 64, IMAGE_SYM_OBJECT, 1};
    s->img.syms = s->syms;
    s->img.nsyms = 2;
    return &s->img;
}

/* Every qstr of b reads back as its name and looks up as its number. */
static void check_all(struct board *b, struct qstr_tab *t, uint32_t count)
{
    struct rc_msg m;
    CHECK_EQ_INT(qstr_count(t), count);
    for (uint32_t q = 0; q < count; q++) {
        char want[64], got[64];
        name_of(b, q, want, sizeof want);
        CHECK_EQ_INT(qstr_text(t, q, got, sizeof got, &m), RC_OK);
        CHECK_STR(got, want);
        uint32_t back = 0;
        if (q >= 2) {
            CHECK_EQ_INT(qstr_lookup(t, want, &back, &m), RC_OK);
            CHECK_EQ_INT(back, q);
        }
    }
    uint32_t one = 0;
    CHECK_EQ_INT(qstr_lookup(t, "", &one, &m), RC_OK);
    CHECK_EQ_INT(one, 1);
    char buf[16];
    CHECK_EQ_INT(qstr_text(t, count, buf, sizeof buf, &m), RC_NOTFOUND);
    char want[80];
    snprintf(want, sizeof want, "qstr %u is past the last pool (%u qstrs)", count, count);
    CHECK_STR(m.text, want);
    CHECK_EQ_INT(qstr_lookup(t, "no_such_name", &one, &m), RC_NOTFOUND);
}

/* ---- good boards ----------------------------------------------------------- */

static void scan_ok(int fam, unsigned hw, unsigned lw)
{
    struct board *b = build(fam, hw, lw);
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    struct qstr_tab *t = NULL;
    struct rc_msg m;
    int rc = qstr_tab_new(&t, &mem, &w, &m);
    CHECK_EQ_INT(rc, RC_OK);
    if (rc != RC_OK) {
        printf("  (hash %u, length %u: %s)\n", hw, lw, m.text);
        free(b);
        return;
    }
    check_all(b, t, NCONST + 27);
    char want[300];
    snprintf(want, sizeof want, "%s pools: 3 (const %u qstrs in flash at 0x%08x, dynamic 27 "
             "qstrs in 2 pools in RAM), hash %u byte%s, length %u byte%s",
             fam == 1 ? "v1.9-v1.19" : "v1.20+", NCONST, b->const_pool, hw,
             hw == 1 ? "" : "s", lw, lw == 1 ? "" : "s");
    CHECK_STR(qstr_layout(t), want);
    uint32_t a, first, len;
    int ram;
    CHECK(qstr_pool(t, 2, &a, &first, &len, &ram));
    CHECK_EQ_INT(a, b->pool2);
    CHECK_EQ_INT(first, NCONST + 20);
    CHECK_EQ_INT(len, 7);
    CHECK_EQ_INT(ram, 1);
    CHECK(!qstr_pool(t, 3, &a, &first, &len, &ram));
    /* RAM is read once, in big reads; nothing outside is touched. */
    CHECK_EQ_INT(b->ram_reads, 1);
    CHECK_EQ_INT(b->outside, 0);
    qstr_tab_free(t);
    free(b);
}

TEST(scan_v19_layouts)
{
    scan_ok(1, 1, 1);
    scan_ok(1, 2, 1);
    scan_ok(1, 2, 2);
    scan_ok(1, 1, 2);
}

TEST(scan_v120_layouts)
{
    scan_ok(2, 2, 1);
    scan_ok(2, 1, 1);
    scan_ok(2, 0, 1);
    scan_ok(2, 2, 2);
}

TEST(symbols_find_last_pool)
{
    for (int fam = 1; fam <= 2; fam++) {
        struct board *b = build(fam, 2, 1);
        struct frozen_mem mem = board_mem(b);
        struct qstr_where w = board_where();
        struct symimg si;
        w.img = sym_image(&si, b, RAM + STATE_AT);
        struct qstr_tab *t = NULL;
        struct rc_msg m;
        CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
        if (t != NULL) {
            check_all(b, t, NCONST + 27);
            CHECK(strstr(qstr_layout(t), "dynamic 27 qstrs in 2 pools in RAM, last_pool at "
                         "mp_state_ctx+0xc)") != NULL);
            /* Only what was asked is read: no RAM scan. */
            CHECK(b->ram_reads < 8);
        }
        qstr_tab_free(t);
        /* Offline (no RAM): the const pool alone. */
        w.nram = 0;
        CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
        CHECK_EQ_INT(qstr_count(t), NCONST);
        CHECK(strstr(qstr_layout(t), "RAM not read") != NULL);
        qstr_tab_free(t);
        free(b);
    }
}

TEST(fresh_board_has_no_heap_pools)
{
    struct board *b = build(2, 2, 1);
    put32(b->ram + STATE_AT + 12, b->const_pool);
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    struct symimg si;
    w.img = sym_image(&si, b, RAM + STATE_AT);
    struct qstr_tab *t = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    CHECK_EQ_INT(qstr_count(t), NCONST);
    qstr_tab_free(t);
    /* Without symbols: the heap pools nothing points at are old ones. */
    w.img = NULL;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    CHECK_EQ_INT(qstr_count(t), NCONST);
    qstr_tab_free(t);
    free(b);
}

TEST(text_truncated_and_null)
{
    struct board *b = build(1, 1, 1);
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    struct qstr_tab *t = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    char buf[8];
    CHECK_EQ_INT(qstr_text(t, NCONST + 3, buf, sizeof buf, &m), RC_OK);
    CHECK_STR(buf, "heap...");
    CHECK_EQ_INT(qstr_text(t, 0, buf, sizeof buf, &m), RC_OK);
    CHECK_STR(buf, "");
    const char *d;
    size_t n;
    CHECK_EQ_INT(qstr_bytes(t, NCONST + 3, &d, &n, &m), RC_OK);
    CHECK_EQ_INT(n, strlen("heap_name_43"));
    CHECK(memcmp(d, "heap_name_43", n) == 0 && d[n] == 0);
    qstr_tab_free(t);
    free(b);
}

TEST(version_must_match_layout)
{
    struct board *b = build(2, 2, 1);
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    struct qstr_tab *t = NULL;
    struct rc_msg m;
    w.version = 10902;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_NOTFOUND);
    CHECK(t == NULL);
    CHECK(strstr(m.text, "no qstr pool found in flash 0x00008000-0x0000bfff") != NULL);
    w.version = 12200;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    qstr_tab_free(t);
    w.version = 10800;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_ARG);
    free(b);
    /* From v1.19 qstr 2 is "__dir__" (the static qstrs); 1.18 had no such rule. */
    b = build(1, 2, 1);
    mem = board_mem(b);
    w.version = 11900;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_NOTFOUND);
    CHECK(strstr(m.text, "qstr 2 is not \"__dir__\" (v1.19+ static qstrs)") != NULL);
    w.version = 11800;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    qstr_tab_free(t);
    free(b);
}

TEST(nothing_says_where_flash_is)
{
    struct board *b = build(1, 1, 1);
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    struct qstr_tab *t = (struct qstr_tab *)&w;
    struct rc_msg m;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_ARG);
    CHECK(t == NULL);
    CHECK(strstr(m.text, "give the firmware image or a flash range") != NULL);
    free(b);
}

/* ---- corrupt boards ------------------------------------------------------------- */

/* qstr_tab_new on b must fail with rc and a message containing want. */
static void refused(struct board *b, int syms, int rc, const char *want)
{
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    struct symimg si;
    if (syms) {
        w.img = sym_image(&si, b, RAM + STATE_AT);
    }
    struct qstr_tab *t = (struct qstr_tab *)&w;
    struct rc_msg m;
    m.text[0] = 0;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), rc);
    CHECK(t == NULL);
    if (strstr(m.text, want) == NULL) {
        printf("  FAIL: message \"%s\" lacks \"%s\"\n", m.text, want);
        harness_failed_checks++;
    }
    CHECK_EQ_INT(b->outside, 0);
}

TEST(prev_loop_refused)
{
    for (int fam = 1; fam <= 2; fam++) {
        struct board *b = build(fam, 2, 1);
        put32(at(b, b->pool1), b->pool2); /* pool1.prev = pool2 */
        char want[120];
        snprintf(want, sizeof want, "the prev chain of the qstr pool at 0x%08x loops back to "
                 "0x%08x", b->pool2, b->pool2);
        refused(b, 1, RC_PARSE, want);
        /* Without symbols the looping pools are no chain at all. */
        struct frozen_mem mem = board_mem(b);
        struct qstr_where w = board_where();
        struct qstr_tab *t = NULL;
        struct rc_msg m;
        CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
        CHECK_EQ_INT(qstr_count(t), NCONST);
        qstr_tab_free(t);
        free(b);
    }
}

TEST(const_prev_loop_refused)
{
    struct board *b = build(1, 2, 1);
    put32(at(b, b->const_pool), b->const_pool);
    char want[120];
    snprintf(want, sizeof want, "the prev chain of its qstr pools loops back to 0x%08x",
             b->const_pool);
    refused(b, 1, RC_PARSE, want);
    free(b);
}

TEST(len_over_alloc_refused)
{
    for (int fam = 1; fam <= 2; fam++) {
        struct board *b = build(fam, 2, 1);
        put32(at(b, b->pool2) + 12, 41);
        char want[80];
        snprintf(want, sizeof want, "qstr pool at 0x%08x: len 41 > alloc 40", b->pool2);
        refused(b, 1, RC_PARSE, want);
        refused(b, 0, RC_PARSE, want);
        free(b);
    }
}

TEST(pointer_outside_memory_refused)
{
    for (int fam = 1; fam <= 2; fam++) {
        unsigned hdr = fam == 1 ? 16 : 24;
        struct board *b = build(fam, 2, 1);
        put32(at(b, b->const_pool) + hdr + 4 * 7, 0x30000000);
        char want[120];
        snprintf(want, sizeof want, "qstr pool at 0x%08x, qstr 7: its ", b->const_pool);
        refused(b, 1, RC_PARSE, want);
        refused(b, 0, RC_NOTFOUND, want);
        free(b);
        /* A heap pool's string outside memory. */
        b = build(fam, 2, 1);
        put32(at(b, b->pool1) + hdr + 4 * 3, 0xfffffffe);
        snprintf(want, sizeof want, "qstr pool at 0x%08x, qstr %u: its", b->pool1, NCONST + 3);
        refused(b, 1, RC_PARSE, want);
        refused(b, 0, RC_PARSE, want);
        free(b);
        /* last_pool pointing outside: no chain in mp_state_ctx. */
        b = build(fam, 2, 1);
        put32(b->ram + STATE_AT + 12, 0x7ffffff0);
        refused(b, 1, RC_PARSE, "no word of mp_state_ctx");
        free(b);
    }
}

TEST(wrong_hash_refused)
{
    for (int fam = 1; fam <= 2; fam++) {
        struct board *b = build(fam, 2, 1);
        /* qstr 5's stored hash, one off. */
        uint32_t hdr = fam == 1 ? 16 : 24;
        uint8_t *h;
        if (fam == 1) {
            h = at(b, get32(at(b, b->const_pool) + hdr + 4 * 5));
        } else {
            h = at(b, get32(at(b, b->const_pool) + 16)) + 2 * 5;
        }
        uint32_t good = (uint32_t)(h[0] | h[1] << 8);
        put16(h, good ^ 1, 2);
        char want[120];
        snprintf(want, sizeof want, "qstr pool at 0x%08x, qstr 5: stored hash 0x%x, computed "
                 "0x%x", b->const_pool, good ^ 1, good);
        refused(b, 1, RC_PARSE, want);
        refused(b, 0, RC_NOTFOUND, want);
        free(b);
    }
}

TEST(wrong_length_refused)
{
    struct board *b = build(2, 0, 1);
    uint8_t *l = at(b, get32(at(b, b->pool1) + 16)) + 4; /* qstr NCONST+4's length */
    *l += 1;
    char want[120];
    snprintf(want, sizeof want, "qstr pool at 0x%08x, qstr %u: no NUL after its", b->pool1,
             NCONST + 4);
    refused(b, 1, RC_PARSE, want);
    refused(b, 0, RC_PARSE, want);
    free(b);
}

TEST(total_prev_len_must_follow)
{
    struct board *b = build(1, 1, 1);
    put32(at(b, b->pool2) + 4, NCONST + 21);
    char want[120];
    snprintf(want, sizeof want, "qstr pool at 0x%08x: total_prev_len %u, but the pools before "
             "it hold %u qstrs", b->pool2, NCONST + 21, NCONST + 20);
    refused(b, 1, RC_PARSE, want);
    free(b);
}

TEST(stale_pool_after_a_pool_not_full)
{
    /* Only the newest pool may have room: a pool whose prev is not full
     * is a leftover (freed, not cleared), even when its numbers fit and
     * some stale word still points at it. */
    for (int fam = 1; fam <= 2; fam++) {
        struct board *b = build(fam, 2, 1);
        put32(at(b, b->pool1) + 12, 7);          /* pool1: 7 of 20 used */
        put32(at(b, b->pool2) + 4, NCONST + 7);  /* pool2 follows it by number */
        put32(b->ram + STATE_AT + 12, b->pool1); /* last_pool */
        put32(b->ram + STATE_AT + 40, b->pool2); /* a stale word */
        struct frozen_mem mem = board_mem(b);
        struct qstr_where w = board_where();
        struct qstr_tab *t = NULL;
        struct rc_msg m;
        CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
        CHECK_EQ_INT(qstr_count(t), NCONST + 7);
        CHECK(strstr(qstr_layout(t), "dynamic 7 qstrs in 1 pool in RAM") != NULL);
        qstr_tab_free(t);
        /* Through mp_state_ctx (word 10 is the stale one), the same. */
        struct symimg si;
        w.img = sym_image(&si, b, RAM + STATE_AT);
        put32(b->ram + STATE_AT + 40, 0);
        CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
        CHECK_EQ_INT(qstr_count(t), NCONST + 7);
        qstr_tab_free(t);
        /* And a last_pool that is a pool after one not full is refused. */
        put32(b->ram + STATE_AT + 12, b->pool2);
        refused(b, 1, RC_PARSE, "but only the newest pool is not full");
        free(b);
    }
}

TEST(two_live_chains_refused)
{
    /* A copy of pool2 elsewhere in RAM, referenced too: which is live? */
    struct board *b = build(1, 1, 1);
    uint32_t size = 16 + 4 * 40;
    uint32_t copy = (RAM + b->rused + 3) & ~3u;
    memcpy(at(b, copy), at(b, b->pool2), size);
    put32(b->ram + STATE_AT + 20, copy);
    refused(b, 0, RC_PARSE, "RAM holds 2 qstr pool chains that could be the live one");
    /* mp_state_ctx pointing at both is as bad. */
    refused(b, 1, RC_PARSE, "points at 2 different qstr pool chains");
    free(b);
}

/* in_use for the test: every address but the one in ctx ("freed") */
static int all_but(void *ctx, uint32_t addr)
{
    return addr != *(const uint32_t *)ctx;
}

TEST(two_chains_told_apart_by_the_heap)
{
    struct board *b = build(1, 1, 1);
    uint32_t size = 16 + 4 * 40;
    uint32_t copy = (RAM + b->rused + 3) & ~3u;
    memcpy(at(b, copy), at(b, b->pool2), size);
    put32(b->ram + STATE_AT + 20, copy);
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    struct qstr_tab *t = NULL;
    struct rc_msg m;
    /* The heap no longer holds the copy: pool2 is the live one. */
    w.in_use = all_but;
    w.in_use_ctx = &copy;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    uint32_t addr = 0, first, len;
    int in_ram = 0;
    size_t last = 0;
    for (size_t i = 0; qstr_pool(t, i, &addr, &first, &len, &in_ram); i++) {
        last = i;
    }
    CHECK(qstr_pool(t, last, &addr, &first, &len, &in_ram) && addr == b->pool2 && in_ram);
    qstr_tab_free(t);
    /* Both held: still two candidates, refused. */
    uint32_t none = 0;
    w.in_use_ctx = &none;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_PARSE);
    CHECK(strstr(m.text, "could be the live one") != NULL);
    /* The board's own count (qstr_info) cannot tell two copies apart. */
    w.in_use = NULL;
    w.n_pool = 1;
    w.n_qstr = 40;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_PARSE);
    free(b);
}

/* ---- real firmware ------------------------------------------------------------ */

static const char *modern_elf(void)
{
    static char path[512];
    const char *env = getenv("MPEEK_MODERN_FIRMWARE");
    const char *tries[] = {env, "../shared/firmware/micropython-1.29-qemu-microbit.elf",
                           "../../shared/firmware/micropython-1.29-qemu-microbit.elf"};
    for (size_t i = 0; i < 3; i++) {
        if (tries[i] != NULL && access(tries[i], R_OK) == 0) {
            snprintf(path, sizeof path, "%s", tries[i]);
            return path;
        }
    }
    return NULL;
}

/* Names every firmware has, and some of v1.29's or the micro:bit's own. */
static const char *const common_names[] = {
    "print", "__name__", "list", "dict", "tuple", "str", "int", "len", "range",
    "__init__", "__class__", "append", "pop", "keys", "items", "values",
    "isinstance", "getattr", "setattr", "ValueError", "TypeError", "KeyError",
    "StopIteration", "Exception", "object", "super", "__main__", "sys", "gc",
    "<module>", "join", "split", "format", "__len__", "__iter__", "__next__",
};

/* Every qstr q > 0 reads back and looks up as itself (texts are unique),
 * and the common names are there. */
static void round_trip(struct qstr_tab *t)
{
    struct rc_msg m;
    uint32_t n = qstr_count(t), bad = 0;
    for (uint32_t q = 2; q < n; q++) {
        const char *d;
        size_t len;
        uint32_t back = 0;
        char buf[300];
        if (qstr_bytes(t, q, &d, &len, &m) != RC_OK ||
            qstr_lookup_n(t, d, len, &back, &m) != RC_OK || back != q ||
            qstr_text(t, q, buf, sizeof buf, &m) != RC_OK ||
            (len < sizeof buf && memcmp(buf, d, len + 1) != 0)) {
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    for (size_t i = 0; i < sizeof common_names / sizeof common_names[0]; i++) {
        uint32_t q = 0;
        char buf[64];
        int rc = qstr_lookup(t, common_names[i], &q, &m);
        if (rc != RC_OK) {
            printf("  FAIL: no qstr \"%s\"\n", common_names[i]);
            harness_failed_checks++;
            continue;
        }
        CHECK_EQ_INT(qstr_text(t, q, buf, sizeof buf, &m), RC_OK);
        CHECK_STR(buf, common_names[i]);
    }
}

TEST(modern_elf_const_pools)
{
    const char *path = modern_elf();
    if (path == NULL) {
        SKIP("needs the MicroPython 1.29 ELF (../shared/firmware or MPEEK_MODERN_FIRMWARE)");
    }
    struct image *img = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(image_load(path, 0, 0, &img, &m), RC_OK);
    if (img == NULL) {
        return;
    }
    struct frozen_mem mem;
    frozen_mem_image(&mem, img);
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.img = img;
    struct qstr_tab *t = NULL;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    if (t != NULL) {
        /* The count is what the pools' own len fields say (the oracle:
         * the symbols' bytes, read here without the module). */
        static const char *const pools[] = {"mp_qstr_const_pool_static", "mp_qstr_const_pool",
                                            "mp_qstr_frozen_const_pool"};
        uint32_t want = 0;
        for (size_t i = 0; i < 3; i++) {
            const struct image_sym *s = image_sym_find(img, pools[i]);
            uint8_t hdr[16];
            CHECK(s != NULL && image_copy(img, s->addr, 16, hdr) == 16);
            if (s != NULL) {
                want += get32(hdr + 12);
                CHECK_EQ_INT(s->size, 24 + 4 * get32(hdr + 12));
            }
        }
        CHECK(want > 500);
        CHECK_EQ_INT(qstr_count(t), want);
        char lay[200];
        snprintf(lay, sizeof lay, "v1.20+ pools: 3 (const %u qstrs in flash at 0x%08x, RAM "
                 "not read), hash 2 bytes, length 1 byte", want,
                 image_sym_find(img, pools[0])->addr);
        CHECK_STR(qstr_layout(t), lay);
        round_trip(t);
        uint32_t q = 0;
        CHECK_EQ_INT(qstr_lookup(t, "__dir__", &q, &m), RC_OK);
        CHECK_EQ_INT(q, 2);
    }
    qstr_tab_free(t);
    /* Live without the board's RAM: said, not guessed. */
    w.ram[0].addr = 0x20000000;
    w.ram[0].len = 0x40000;
    w.nram = 1;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_PARSE);
    CHECK(strstr(m.text, "mp_state_ctx") != NULL);
    image_free(img);
}

TEST(microbit_hex_flash_scan)
{
    const char *fw = "/usr/share/firmware-microbit-micropython/firmware.hex";
    if (access(fw, R_OK) != 0) {
        SKIP("needs firmware-microbit-micropython's firmware.hex (not installed)");
    }
    struct image *img = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(image_load(fw, 0, 0, &img, &m), RC_OK);
    if (img == NULL) {
        return;
    }
    struct frozen_mem mem;
    frozen_mem_image(&mem, img);
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.img = img;
    w.version = 10902;
    struct qstr_tab *t = NULL;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    if (t != NULL) {
        CHECK(qstr_count(t) > 500);
        CHECK(strncmp(qstr_layout(t), "v1.9-v1.19 pools: 1 (const ", 27) == 0);
        CHECK(strstr(qstr_layout(t), "hash 1 byte, length 1 byte") != NULL);
        round_trip(t);
        static const char *const mb[] = {"microbit", "display", "scroll", "button_a",
                                         "is_pressed", "Image", "HEART", "sleep"};
        for (size_t i = 0; i < sizeof mb / sizeof mb[0]; i++) {
            uint32_t q;
            CHECK_EQ_INT(qstr_lookup(t, mb[i], &q, &m), RC_OK);
        }
    }
    qstr_tab_free(t);
    /* As v1.20+ it is not. */
    w.version = 12000;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_NOTFOUND);
    CHECK(t == NULL);
    image_free(img);
}


/* ---- real RAM: the boards' RAM taken in QEMU (tests/data/qstr/README) -- */

struct live {
    struct frozen_mem flash;    /* the firmware image */
    uint8_t *ram;
    uint32_t ram_len;
    unsigned outside;
    unsigned ram_reads;
    uint64_t ram_bytes;
};

static int live_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                     struct rc_msg *msg)
{
    struct live *l = ctx;
    if (addr >= RAM && (uint64_t)addr + len <= (uint64_t)RAM + l->ram_len) {
        l->ram_reads++;
        l->ram_bytes += len;
        memcpy(out, l->ram + (addr - RAM), len);
        return RC_OK;
    }
    if (addr >= 0x10000000u) {
        l->outside++;
    }
    return l->flash.read(l->flash.ctx, addr, len, out, msg);
}

/* RAM of ram_len bytes: zero, then the dump's bytes. */
static int live_open(struct live *l, const struct image *fw, const char *dump, uint32_t ram_len)
{
    struct image *d = NULL;
    struct rc_msg m;
    memset(l, 0, sizeof *l);
    if (image_load(dump, 0, 0, &d, &m) != RC_OK) {
        printf("  %s\n", m.text);
        return 0;
    }
    l->ram = calloc(1, ram_len);
    l->ram_len = ram_len;
    image_copy(d, RAM, ram_len, l->ram);
    image_free(d);
    frozen_mem_image(&l->flash, fw);
    return 1;
}

/* The qstrs after the const pools are exactly names, in order. */
static void check_runtime(struct qstr_tab *t, uint32_t nconst, const char *const *names,
                          size_t n)
{
    struct rc_msg m;
    CHECK_EQ_INT(qstr_count(t), nconst + n);
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        uint32_t q = 0;
        CHECK_EQ_INT(qstr_text(t, nconst + (uint32_t)i, buf, sizeof buf, &m), RC_OK);
        CHECK_STR(buf, names[i]);
        CHECK_EQ_INT(qstr_lookup(t, names[i], &q, &m), RC_OK);
        CHECK_EQ_INT(q, nconst + i);
    }
}

TEST(microbit_ram_scan)
{
    const char *fw = "/usr/share/firmware-microbit-micropython/firmware.hex";
    if (access(fw, R_OK) != 0) {
        SKIP("needs firmware-microbit-micropython's firmware.hex (not installed)");
    }
    struct image *img = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(image_load(fw, 0, 0, &img, &m), RC_OK);
    struct live l;
    if (img == NULL || !live_open(&l, img, "tests/data/qstr/microbit-1.9.2-ram.hex", 0x4000)) {
        CHECK(0);
        image_free(img);
        return;
    }
    struct frozen_mem mem = {live_read, &l};
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.flash[0].addr = 0;
    w.flash[0].len = 0x40000;
    w.nflash = 1;
    w.ram[0].addr = RAM;
    w.ram[0].len = 0x4000;
    w.nram = 1;
    struct qstr_tab *t = NULL;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    if (t != NULL) {
        uint32_t a, first, len, nconst;
        int ram;
        CHECK(qstr_pool(t, 0, &a, &first, &nconst, &ram));
        static const char *const names[] = {"zebra_qstr_one", "giraffe_func", "alpha_arg",
                                            "beta_arg"};
        check_runtime(t, nconst, names, 4);
        CHECK(qstr_pool(t, 1, &a, &first, &len, &ram));
        CHECK(ram && a >= RAM && first == nconst && len == 4);
        CHECK(strstr(qstr_layout(t), "dynamic 4 qstrs in 1 pool in RAM)") != NULL);
    }
    /* RAM read once, whole, in one read (16 KiB). */
    CHECK_EQ_INT(l.ram_reads, 1);
    CHECK_EQ_INT(l.ram_bytes, 0x4000);
    CHECK_EQ_INT(l.outside, 0);
    qstr_tab_free(t);
    free(l.ram);
    image_free(img);
}

TEST(modern_ram_by_symbols_and_by_scan)
{
    const char *path = modern_elf();
    if (path == NULL) {
        SKIP("needs the MicroPython 1.29 ELF (../shared/firmware or MPEEK_MODERN_FIRMWARE)");
    }
    struct image *img = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(image_load(path, 0, 0, &img, &m), RC_OK);
    struct live l;
    if (img == NULL || !live_open(&l, img, "tests/data/qstr/micropython-1.29-ram.hex", 0x40000)) {
        CHECK(0);
        image_free(img);
        return;
    }
    struct frozen_mem mem = {live_read, &l};
    static const char *const names[] = {"zebra_qstr_one", "giraffe_func", "alpha_arg",
                                        "beta_arg", "i"};
    uint32_t last_pool[2] = {0, 1};
    for (int by_syms = 1; by_syms >= 0; by_syms--) {
        struct qstr_where w;
        memset(&w, 0, sizeof w);
        if (by_syms) {
            w.img = img;
        } else {
            w.flash[0].addr = 0;
            w.flash[0].len = 0x2c418;
            w.nflash = 1;
        }
        w.ram[0].addr = RAM;
        w.ram[0].len = 0x40000;
        w.nram = 1;
        struct qstr_tab *t = NULL;
        l.ram_bytes = 0;
        CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
        /* A scan reads RAM once; through mp_state_ctx only what is needed. */
        if (by_syms) {
            CHECK(l.ram_bytes < 0x4000);
        } else {
            CHECK_EQ_INT(l.ram_bytes, 0x40000);
        }
        if (t == NULL) {
            printf("  (%s)\n", m.text);
            continue;
        }
        uint32_t nconst = 0, a, first, len;
        int ram;
        for (size_t i = 0; qstr_pool(t, i, &a, &first, &len, &ram); i++) {
            if (!ram) {
                nconst = first + len;
            } else {
                last_pool[by_syms] = a;
            }
        }
        CHECK(nconst > 500);
        check_runtime(t, nconst, names, 5);
        if (by_syms) {
            /* The word found is where mp_state_ctx keeps last_pool. */
            const struct image_sym *s = image_sym_find(img, "mp_state_ctx");
            const char *at_ = strstr(qstr_layout(t), "last_pool at mp_state_ctx+0x");
            CHECK(s != NULL && at_ != NULL);
            if (s != NULL && at_ != NULL) {
                uint32_t off = (uint32_t)strtoul(at_ + 28, NULL, 16);
                CHECK_EQ_INT(get32(l.ram + (s->addr - RAM) + off), last_pool[1]);
            }
        }
        qstr_tab_free(t);
    }
    /* Both ways find the same newest pool. */
    CHECK_EQ_INT(last_pool[0], last_pool[1]);
    CHECK_EQ_INT(l.outside, 0);
    free(l.ram);
    image_free(img);
}

/* The 1.9.2 board's table from a RAM dump, by scanning; NULL on failure. */
static struct qstr_tab *microbit_tab(const char *dump, struct live *l, struct image **img)
{
    struct rc_msg m;
    *img = NULL;
    if (image_load("/usr/share/firmware-microbit-micropython/firmware.hex", 0, 0, img, &m) !=
        RC_OK || !live_open(l, *img, dump, 0x4000)) {
        return NULL;
    }
    struct frozen_mem mem = {live_read, l};
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.flash[0].addr = 0;
    w.flash[0].len = 0x40000;
    w.nflash = 1;
    w.ram[0].addr = RAM;
    w.ram[0].len = 0x4000;
    w.nram = 1;
    struct qstr_tab *t = NULL;
    if (qstr_tab_new(&t, &mem, &w, &m) != RC_OK) {
        printf("  (%s)\n", m.text);
    }
    return t;
}

TEST(microbit_three_heap_pools)
{
    if (access("/usr/share/firmware-microbit-micropython/firmware.hex", R_OK) != 0) {
        SKIP("needs firmware-microbit-micropython's firmware.hex (not installed)");
    }
    struct live l;
    struct image *img;
    struct qstr_tab *t = microbit_tab("tests/data/qstr/microbit-1.9.2-ram-many.hex", &l, &img);
    CHECK(t != NULL);
    if (t != NULL) {
        static char names_buf[101][24];
        const char *names[101];
        names[0] = "i";
        for (int i = 0; i < 100; i++) {
            snprintf(names_buf[i], sizeof names_buf[i], "many_name_%d", i);
            names[i + 1] = names_buf[i];
        }
        uint32_t a, first, nconst;
        int ram;
        CHECK(qstr_pool(t, 0, &a, &first, &nconst, &ram));
        check_runtime(t, nconst, names, 101);
        /* Pools of 20 and 40 (full) and 80, as qstr_add doubles them. */
        uint32_t len, want_first = nconst;
        for (size_t i = 1; i <= 3; i++) {
            CHECK(qstr_pool(t, i, &a, &first, &len, &ram));
            CHECK(ram && first == want_first);
            want_first += len;
        }
        CHECK(strstr(qstr_layout(t), "dynamic 101 qstrs in 3 pools in RAM") != NULL);
    }
    qstr_tab_free(t);
    free(l.ram);
    image_free(img);
}

TEST(microbit_soft_reset_leaves_old_pools)
{
    if (access("/usr/share/firmware-microbit-micropython/firmware.hex", R_OK) != 0) {
        SKIP("needs firmware-microbit-micropython's firmware.hex (not installed)");
    }
    struct live l;
    struct image *img;
    struct qstr_tab *t = microbit_tab("tests/data/qstr/microbit-1.9.2-ram-reset.hex", &l, &img);
    CHECK(t != NULL);
    /* The old pools' strings are there to be mistaken... */
    size_t stale = 0;
    for (uint32_t o = 0; l.ram != NULL && o + 10 <= l.ram_len; o++) {
        stale += memcmp(l.ram + o, "many_name_", 10) == 0;
    }
    CHECK(stale > 50);
    if (t != NULL) {
        /* ...but the live chain is the one mp_state_ctx points at. */
        static const char *const names[] = {"after_reset_name", "kangaroo"};
        uint32_t a, first, nconst;
        int ram;
        CHECK(qstr_pool(t, 0, &a, &first, &nconst, &ram));
        check_runtime(t, nconst, names, 2);
        uint32_t q;
        struct rc_msg m;
        CHECK_EQ_INT(qstr_lookup(t, "many_name_5", &q, &m), RC_NOTFOUND);
    }
    qstr_tab_free(t);
    free(l.ram);
    image_free(img);
}

/* ---- hints: what an earlier search learned (qstr_where.hint) ------------- */

/* A search of b with hint h (may be NULL); the table, or NULL. */
static struct qstr_tab *search(struct board *b, const struct qstr_hint *h, int32_t n_pool,
                               int32_t n_qstr)
{
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    w.hint = h;
    w.n_pool = n_pool;
    w.n_qstr = n_qstr;
    struct qstr_tab *t = NULL;
    struct rc_msg m;
    b->reads = b->ram_reads = 0;
    int rc = qstr_tab_new(&t, &mem, &w, &m);
    CHECK_EQ_INT(rc, RC_OK);
    if (rc != RC_OK) {
        printf("  %s\n", m.text);
    }
    return t;
}

TEST(hint_learned_then_used)
{
    for (int fam = 1; fam <= 2; fam++) {
        struct board *b = build(fam, 2, 1);
        /* Miss: no hint; the search scans, and says what it learned. */
        struct qstr_tab *t = search(b, NULL, 0, 0);
        struct qstr_hint h;
        unsigned scan_reads = b->reads;
        CHECK(t != NULL && qstr_hint_get(t, &h));
        CHECK_EQ_INT(qstr_hint_used(t), 0);
        CHECK_STR(qstr_hint_note(t), "");
        CHECK_EQ_INT(h.npools, 1);
        CHECK_EQ_INT(h.pools[0].addr, b->const_pool);
        CHECK_EQ_INT(h.count, NCONST);
        CHECK_EQ_INT(h.last_word, RAM + STATE_AT + 12);
        CHECK_EQ_INT(h.fam, fam);
        qstr_tab_free(t);
        /* Hit: the same names, no scan of flash or RAM. */
        t = search(b, &h, 2, 27);
        CHECK(t != NULL);
        if (t != NULL) {
            check_all(b, t, NCONST + 27);
            CHECK_EQ_INT(qstr_hint_used(t), QSTR_HINT_CONST | QSTR_HINT_LAST);
            CHECK_STR(qstr_hint_note(t), "");
            struct qstr_hint again;
            CHECK(qstr_hint_get(t, &again) && memcmp(&again, &h, sizeof h) == 0);
        }
        CHECK(b->reads < scan_reads);
        CHECK(b->ram_reads < 8);
        qstr_tab_free(t);
        /* A new heap pool since: followed from last_pool, named. */
        b->pool2 = put_pool(b, 1, b->pool1, NCONST + 20, 7, 7);
        uint32_t p3 = put_pool(b, 1, b->pool2, NCONST + 27, 14, 3);
        put32(b->ram + STATE_AT + 12, p3);
        t = search(b, &h, 3, 30);
        if (t != NULL) {
            check_all(b, t, NCONST + 30);
            CHECK_EQ_INT(qstr_hint_used(t), QSTR_HINT_CONST | QSTR_HINT_LAST);
        }
        qstr_tab_free(t);
        free(b);
    }
}

TEST(last_pool_word_learned_outside_the_heap)
{
    struct board *b = build(1, 2, 1);
    /* A copy of mp_state_ctx in a freed heap block (a read buffer). */
    uint32_t copy = take(b, 1, 64, 1);
    memcpy(at(b, copy), b->ram + STATE_AT, 64);
    struct qstr_tab *t = search(b, NULL, 0, 0);
    struct qstr_hint h;
    CHECK(t != NULL && qstr_hint_get(t, &h));
    CHECK_EQ_INT(h.last_word, 0);   /* two words hold it: which is not known */
    qstr_tab_free(t);
    struct frozen_mem mem = board_mem(b);
    struct qstr_where w = board_where();
    w.heap[0].addr = copy - 0x10;
    w.heap[0].len = 0x100;
    w.nheap = 1;
    t = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    CHECK(t != NULL && qstr_hint_get(t, &h));
    CHECK_EQ_INT(h.last_word, RAM + STATE_AT + 12);
    qstr_tab_free(t);
    free(b);
}

TEST(hint_of_a_moved_pool_rescans)
{
    struct board *b = build(1, 2, 1);
    struct qstr_tab *t = search(b, NULL, 0, 0);
    struct qstr_hint h;
    CHECK(t != NULL && qstr_hint_get(t, &h));
    qstr_tab_free(t);
    free(b);
    /* Another build of the firmware: its pool 0x40 bytes further on. */
    g_code = 0x140;
    b = build(1, 2, 1);
    g_code = 0x100;
    CHECK(b->const_pool != h.pools[0].addr);
    t = search(b, &h, 0, 0);
    CHECK(t != NULL);
    if (t != NULL) {
        check_all(b, t, NCONST + 27);
        CHECK_EQ_INT(qstr_hint_used(t), 0);
        CHECK(strstr(qstr_hint_note(t), "is not the one cached") != NULL ||
              strstr(qstr_hint_note(t), "not in flash") != NULL);
        struct qstr_hint now;
        CHECK(qstr_hint_get(t, &now) && now.pools[0].addr == b->const_pool);
    }
    qstr_tab_free(t);
    free(b);
}

TEST(hint_refuted_by_the_bytes)
{
    struct board *b = build(2, 2, 1);
    struct qstr_tab *t = search(b, NULL, 0, 0);
    struct qstr_hint h, bad;
    CHECK(t != NULL && qstr_hint_get(t, &h));
    qstr_tab_free(t);
    /* The same place and header, other text (a renamed qstr). */
    bad = h;
    bad.digest[5] ^= 1;
    t = search(b, &bad, 0, 0);
    if (t != NULL) {
        check_all(b, t, NCONST + 27);
        CHECK_EQ_INT(qstr_hint_used(t), 0);
        CHECK(strstr(qstr_hint_note(t), "hold other qstrs than cached") != NULL);
    }
    qstr_tab_free(t);
    /* A layout the board's pools do not have. */
    bad = h;
    bad.lw = 2;
    t = search(b, &bad, 0, 0);
    if (t != NULL) {
        check_all(b, t, NCONST + 27);
        CHECK_EQ_INT(qstr_hint_used(t), 0);
    }
    qstr_tab_free(t);
    /* Nonsense layout: refused before any read. */
    bad = h;
    bad.hdr = 17;
    t = search(b, &bad, 0, 0);
    if (t != NULL) {
        CHECK(strstr(qstr_hint_note(t), "is not one MicroPython has") != NULL);
        check_all(b, t, NCONST + 27);
    }
    qstr_tab_free(t);
    /* last_pool's word elsewhere: the heap pools are searched for. */
    bad = h;
    bad.last_word = RAM + STATE_AT + 4;
    t = search(b, &bad, 0, 0);
    if (t != NULL) {
        check_all(b, t, NCONST + 27);
        CHECK_EQ_INT(qstr_hint_used(t), QSTR_HINT_CONST);
        CHECK(strstr(qstr_hint_note(t), "last_pool word 0x20000044") != NULL);
        struct qstr_hint now;
        CHECK(qstr_hint_get(t, &now) && now.last_word == h.last_word);
    }
    qstr_tab_free(t);
    /* qstr_info counts other heap pools than the word leads to. */
    t = search(b, &h, 3, 40);
    if (t != NULL) {
        CHECK_EQ_INT(qstr_hint_used(t), QSTR_HINT_CONST);
        CHECK(strstr(qstr_hint_note(t), "qstr_info says 3 of 40") != NULL);
    }
    qstr_tab_free(t);
    /* The word is the newest pool's prev (it points at the pool before
     * the newest): not last_pool. */
    bad = h;
    bad.last_word = b->pool2;
    t = search(b, &bad, 0, 0);
    if (t != NULL) {
        check_all(b, t, NCONST + 27);
        CHECK(strstr(qstr_hint_note(t), "starts a qstr pool after the one it points at") != NULL);
    }
    qstr_tab_free(t);
    /* The word outside RAM. */
    bad = h;
    bad.last_word = 0x30000000;
    t = search(b, &bad, 0, 0);
    if (t != NULL) {
        check_all(b, t, NCONST + 27);
        CHECK(strstr(qstr_hint_note(t), "not in RAM") != NULL);
    }
    CHECK_EQ_INT(b->outside, 0);
    qstr_tab_free(t);
    free(b);
}

TEST(microbit_hint_skips_the_scans)
{
    const char *fw = "/usr/share/firmware-microbit-micropython/firmware.hex";
    if (access(fw, R_OK) != 0) {
        SKIP("needs firmware-microbit-micropython's firmware.hex (not installed)");
    }
    struct image *img = NULL;
    struct rc_msg m;
    CHECK_EQ_INT(image_load(fw, 0, 0, &img, &m), RC_OK);
    struct live l;
    if (img == NULL || !live_open(&l, img, "tests/data/qstr/microbit-1.9.2-ram.hex", 0x4000)) {
        CHECK(0);
        image_free(img);
        return;
    }
    struct frozen_mem mem = {live_read, &l};
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.flash[0].len = 0x40000;
    w.nflash = 1;
    w.ram[0].addr = RAM;
    w.ram[0].len = 0x4000;
    w.nram = 1;
    w.version = 10902;
    struct qstr_tab *t = NULL, *t2 = NULL;
    struct qstr_hint h;
    CHECK_EQ_INT(qstr_tab_new(&t, &mem, &w, &m), RC_OK);
    CHECK(t != NULL && qstr_hint_get(t, &h));
    CHECK(h.last_word >= RAM && h.last_word < RAM + 0x4000);
    w.hint = &h;
    l.ram_reads = 0;
    l.ram_bytes = 0;
    CHECK_EQ_INT(qstr_tab_new(&t2, &mem, &w, &m), RC_OK);
    if (t != NULL && t2 != NULL) {
        CHECK_EQ_INT(qstr_hint_used(t2), QSTR_HINT_CONST | QSTR_HINT_LAST);
        CHECK_EQ_INT(qstr_count(t2), qstr_count(t));
        for (uint32_t q = 0; q < qstr_count(t); q++) {
            char a[80], b2[80];
            qstr_text(t, q, a, sizeof a, &m);
            qstr_text(t2, q, b2, sizeof b2, &m);
            CHECK_STR(b2, a);
        }
        /* Not RAM whole: the word and the one heap pool. */
        CHECK(l.ram_bytes < 0x4000 / 4);
    }
    qstr_tab_free(t);
    qstr_tab_free(t2);
    free(l.ram);
    image_free(img);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(scan_v19_layouts);
    RUN(scan_v120_layouts);
    RUN(symbols_find_last_pool);
    RUN(fresh_board_has_no_heap_pools);
    RUN(text_truncated_and_null);
    RUN(version_must_match_layout);
    RUN(nothing_says_where_flash_is);
    RUN(prev_loop_refused);
    RUN(const_prev_loop_refused);
    RUN(len_over_alloc_refused);
    RUN(pointer_outside_memory_refused);
    RUN(wrong_hash_refused);
    RUN(hint_learned_then_used);
    RUN(last_pool_word_learned_outside_the_heap);
    RUN(hint_of_a_moved_pool_rescans);
    RUN(hint_refuted_by_the_bytes);
    RUN(microbit_hint_skips_the_scans);
    RUN(wrong_length_refused);
    RUN(total_prev_len_must_follow);
    RUN(two_live_chains_refused);
    RUN(two_chains_told_apart_by_the_heap);
    RUN(stale_pool_after_a_pool_not_full);
    RUN(modern_elf_const_pools);
    RUN(microbit_hex_flash_scan);
    RUN(microbit_ram_scan);
    RUN(modern_ram_by_symbols_and_by_scan);
    RUN(microbit_three_heap_pools);
    RUN(microbit_soft_reset_leaves_old_pools);
    return harness_done("qstr");
}
