/*
 * fuzz_modcost.c: the per-module heap walk (modcost.h) on arbitrary heap
 * bytes and block maps.  Byte 0 picks the function layout (and whether
 * __main__ skips helpers), byte 1 the number of blocks (1-64), the next
 * nblocks bytes the map ('.', 'h' or '=' by value mod 3), two bytes the
 * roots' module blocks, then the heap's bytes and 16 bytes of an
 * off-heap globals dict.  Classify goes by the low bits of a block's
 * first word.  Checks: no crash, each module's categories sum to its
 * total, and modules + shared + not attributed = the used blocks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modcost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL 0x20000000u
#define BSS 0x20010000u

struct img {
    uint8_t heap[64 * 16];
    uint8_t bss[16];
    uint32_t nbytes;
};

static int rd(void *ctx, uint32_t addr, uint32_t len, uint8_t *out, struct rc_msg *msg)
{
    const struct img *m = ctx;
    if (addr >= POOL && (uint64_t)addr + len <= (uint64_t)POOL + m->nbytes) {
        memcpy(out, m->heap + (addr - POOL), len);
        return RC_OK;
    }
    if (addr >= BSS && (uint64_t)addr + len <= (uint64_t)BSS + 16) {
        memcpy(out, m->bss + (addr - BSS), len);
        return RC_OK;
    }
    return rc_set(msg, RC_NOTFOUND, "nothing at 0x%08x", (unsigned)addr);
}

static enum modcost_obj classify(void *ctx, uint32_t addr)
{
    const struct img *m = ctx;
    if (addr < POOL || addr - POOL + 4 > m->nbytes) {
        return MODCOST_OBJ_NONE;
    }
    return (enum modcost_obj)(m->heap[addr - POOL] % 5);
}

static int key_text(void *ctx, uint32_t word, char *buf, size_t size)
{
    (void)ctx;
    if ((word & 3) != 2) {
        return 0;
    }
    snprintf(buf, size, "%s", (word >> 2) % 2 ? "_mpk1x" : "name");
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) {
        return 0;
    }
    static struct img m;
    memset(&m, 0, sizeof m);
    int family = data[0] & 1 ? MODCOST_FAMILY_OLD : MODCOST_FAMILY_SLOTS;
    int skip = (data[0] >> 1) & 1;
    uint32_t n = data[1] % 64 + 1;
    size_t p = 2;
    char text[256];
    int len = snprintf(text, sizeof text, "GC memory layout; from %x:\n00000: ", POOL);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b = p < size ? data[p++] : 0;
        text[len++] = (char)".h="[b % 3];
    }
    text[len++] = '\n';
    text[len] = 0;
    uint8_t r0 = p < size ? data[p++] : 0, r1 = p < size ? data[p++] : 0;
    m.nbytes = n * 16;
    for (uint32_t i = 0; i < m.nbytes && p < size; i++) {
        m.heap[i] = data[p++];
    }
    for (uint32_t i = 0; i < 16 && p < size; i++) {
        m.bss[i] = data[p++];
    }
    struct heapmap h;
    struct rc_msg msg;
    if (heapmap_parse(text, (size_t)len, 16, &h, &msg) != RC_OK) {
        return 0;
    }
    const struct frozen_mem mem = {rd, &m};
    const struct modcost_ops ops = {classify, key_text, &m};
    /* __main__: module off the heap, dict in "bss"; a second root on the heap. */
    struct modcost_root roots[2] = {
        {0x08000000u, BSS, skip},
        {POOL + 16u * (r0 % n), POOL + 16u * (r1 % n), 0},
    };
    uint32_t stop[1] = {POOL + 16u * ((r0 + r1) % n)};
    struct modcost_in in = {&h, &mem, &ops, family, roots, 2, stop, 1, "_mpk"};
    struct modcost_result r;
    if (modcost_measure(&in, &r, &msg) == RC_OK) {
        uint64_t sum = r.shared.total + r.unattributed_bytes;
        for (size_t i = 0; i < r.nmods; i++) {
            uint64_t cats = 0;
            for (int k = 0; k < MODCOST_NCAT; k++) {
                cats += r.mods[i].bytes[k];
            }
            if (cats != r.mods[i].total) {
                abort();
            }
            sum += r.mods[i].total;
        }
        if (sum != r.used_bytes) {
            abort();
        }
        modcost_result_fini(&r);
    } else if (msg.text[0] == 0) {
        abort(); /* an error always says why */
    }
    heapmap_fini(&h);
    return 0;
}
