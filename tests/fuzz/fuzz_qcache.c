/*
 * fuzz_qcache.c: the qstr cache's file (qcache.h) and the hint it holds.
 *
 *   1. qcache_decode() of the input as a file of a fixed firmware: what it
 *      takes encodes back to the same bytes.
 *   2. The input's fields at the file's offsets, unchecked, as a hint to
 *      qstr_tab_new() on a small fixed board (a v1.9 const pool in flash,
 *      a heap pool in RAM, last_pool in a word of RAM): nothing is read
 *      outside its flash and RAM (the read callback aborts), and the
 *      qstrs found are exactly those found with no hint.  A hint only
 *      ever saves work; it never changes a name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "qcache.h"
#include "qstr.h"

#define FLASH 0x00001000u
#define RAM 0x20000000u
#define FL 0x800u
#define RL 0x400u
#define NCONST 34u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t flash[FL], ram[RL];

static int fake_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                     struct rc_msg *msg)
{
    (void)ctx;
    (void)msg;
    if (addr >= FLASH && (uint64_t)addr + len <= (uint64_t)FLASH + FL) {
        memcpy(out, flash + (addr - FLASH), len);
        return RC_OK;
    }
    if (addr >= RAM && (uint64_t)addr + len <= (uint64_t)RAM + RL) {
        memcpy(out, ram + (addr - RAM), len);
        return RC_OK;
    }
    abort(); /* a read outside the ranges given */
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
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* A v1.9 pool (hash 1, length 1 byte) of qstrs first .. first+len-1 at
 * *base in mem (based at addr), strings after it. */
static void pool(uint8_t *mem, uint32_t addr, uint32_t at, uint32_t prev, uint32_t first,
                 uint32_t alloc, uint32_t len)
{
    uint8_t *h = mem + at;
    put32(h, prev);
    put32(h + 4, first);
    put32(h + 8, alloc);
    put32(h + 12, len);
    uint32_t s = at + 16 + 4 * (alloc > len ? alloc : len);
    for (uint32_t i = 0; i < len; i++) {
        uint32_t q = first + i;
        char t[16] = "";
        if (q >= 2) {
            snprintf(t, sizeof t, "n%u", q);
        }
        uint32_t n = (uint32_t)strlen(t), hash = 5381;
        for (uint32_t k = 0; k < n; k++) {
            hash = (hash * 33) ^ (uint8_t)t[k];
        }
        hash &= 0xff;
        put32(h + 16 + 4 * i, addr + s);
        mem[s] = q == 0 ? 0 : (uint8_t)(hash ? hash : 1);
        mem[s + 1] = (uint8_t)n;
        memcpy(mem + s + 2, t, n + 1);
        s += n + 3;
    }
}

static struct qstr_where where(void)
{
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.flash[0] = (struct frozen_range){FLASH, FL};
    w.nflash = 1;
    w.ram[0] = (struct frozen_range){RAM, RL};
    w.nram = 1;
    return w;
}

static struct qstr_tab *base;

static void setup(void)
{
    if (base != NULL) {
        return;
    }
    memset(flash, 0xff, sizeof flash);
    pool(flash, FLASH, 0x40, 0, 0, 10, NCONST);
    pool(ram, RAM, 0x40, FLASH + 0x40, NCONST, 4, 2);
    put32(ram + 0x10, RAM + 0x40);
    struct frozen_mem mem = {fake_read, NULL};
    struct qstr_where w = where();
    struct rc_msg m;
    if (qstr_tab_new(&base, &mem, &w, &m) != RC_OK || qstr_count(base) != NCONST + 2) {
        abort();
    }
}

static void same_as_base(const struct qstr_hint *h)
{
    struct frozen_mem mem = {fake_read, NULL};
    struct qstr_where w = where();
    w.hint = h;
    struct qstr_tab *t = NULL;
    struct rc_msg m;
    if (qstr_tab_new(&t, &mem, &w, &m) != RC_OK || qstr_count(t) != qstr_count(base)) {
        abort();
    }
    for (uint32_t q = 0; q < qstr_count(t); q++) {
        const char *a, *b;
        size_t la, lb;
        if (qstr_bytes(t, q, &a, &la, &m) != RC_OK || qstr_bytes(base, q, &b, &lb, &m) != RC_OK ||
            la != lb || memcmp(a, b, la) != 0) {
            abort();
        }
    }
    struct qstr_hint learned;
    if (!qstr_hint_get(t, &learned) || learned.count != NCONST || strlen(qstr_hint_note(t)) > 299) {
        abort();
    }
    qstr_tab_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    struct board_info bi;
    memset(&bi, 0, sizeof bi);
    snprintf(bi.impl, sizeof bi.impl, "micropython");
    snprintf(bi.version, sizeof bi.version, "1.9.2");
    uint8_t id[32];
    qcache_identity(&bi, id);
    struct qstr_hint h;
    struct rc_msg m;
    if (qcache_decode(data, size, id, &h, &m) == RC_OK) {
        uint8_t b[QCACHE_MAX];
        size_t n = qcache_encode(&h, id, b);
        if (n != size || memcmp(b, data, n) != 0) {
            abort();
        }
        same_as_base(&h);
    } else if (strchr(m.text, '\n') != NULL) {
        abort();
    }
    if (size >= QCACHE_HEAD) {
        memset(&h, 0, sizeof h);
        h.fam = get32(data + 44);
        h.hw = get32(data + 48);
        h.lw = get32(data + 52);
        h.hdr = get32(data + 56);
        h.npools = get32(data + 60) % (QSTR_HINT_POOLS + 2);
        h.count = get32(data + 64);
        memcpy(h.digest, data + 68, 32);
        h.last_word = get32(data + 100);
        for (uint32_t i = 0; i < QSTR_HINT_POOLS && QCACHE_HEAD + 24 * (i + 1) <= size; i++) {
            const uint8_t *p = data + QCACHE_HEAD + 24 * i;
            h.pools[i] = (struct qstr_hint_pool){get32(p), get32(p + 4), get32(p + 8),
                                                 get32(p + 12), get32(p + 16), get32(p + 20)};
        }
        same_as_base(&h);
        /* The right pools with its digest: used, the same names. */
        struct qstr_hint good;
        if (qstr_hint_get(base, &good)) {
            good.last_word = h.last_word;
            same_as_base(&good);
        }
    }
    return 0;
}
