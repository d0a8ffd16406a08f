/*
 * fuzz_heapmap.c: mem_info parsing on arbitrary text, then the model's
 * invariants: areas disjoint and below 2^32, block characters valid, and
 * lookups (sampled) agreeing with a brute-force walk.  The first byte
 * chooses the block size (8, 16 or 32); the rest is the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static void check_hit(const struct heapmap *h, size_t ai, uint32_t i, uint32_t s, uint32_t e)
{
    const struct heapmap_area *a = &h->areas[ai];
    const uint8_t *b = a->blocks;
    uint32_t addr = a->pool_start + i * h->block_size + (i % 3 == 0 ? h->block_size - 1 : 0);
    struct heapmap_hit hit;
    if (heapmap_lookup(h, addr, &hit) != RC_OK || hit.area != ai || hit.block != i ||
        hit.head_addr != a->pool_start + s * h->block_size || hit.obj_blocks != e - s ||
        hit.state != heapmap_state_of(b[i]) || hit.orphan != (b[s] == '=')) {
        abort();
    }
}

/* Big areas (up to HEAPMAP_MAX_BLOCKS): check ~1024 sampled lookups for
 * what needs no walk: the block lies in its run, the run starts at a run
 * boundary and ends at one. */
static void check_big_area(const struct heapmap *h, size_t ai)
{
    const struct heapmap_area *a = &h->areas[ai];
    uint32_t n = a->nblocks, bs = h->block_size;
    for (uint32_t k = 0; k <= 1024; k++) {
        uint32_t i = (uint32_t)((uint64_t)k * (n - 1) / 1024); /* 0 ... n-1 */
        struct heapmap_hit hit;
        if (heapmap_lookup(h, a->pool_start + i * bs, &hit) != RC_OK || hit.area != ai ||
            hit.block != i || hit.head_addr > hit.block_addr || hit.obj_blocks == 0) {
            abort();
        }
        uint32_t s = (hit.head_addr - a->pool_start) / bs;
        uint64_t e = (uint64_t)s + hit.obj_blocks;
        if (e <= i || e > n || !run_starts(a->blocks, s) ||
            (e < n && !run_starts(a->blocks, (uint32_t)e)) ||
            hit.orphan != (a->blocks[s] == '=')) {
            abort();
        }
    }
}

/* One pass over the area: when a run [s, e) closes, check the sampled
 * blocks in it (every step-th block, and the last one). */
static void check_area(const struct heapmap *h, size_t ai)
{
    const struct heapmap_area *a = &h->areas[ai];
    uint32_t n = a->nblocks;
    if (n > (1u << 20)) {
        check_big_area(h, ai);
        return;
    }
    uint32_t step = n <= 2048 ? 1 : n / 1024 + 1;
    uint32_t s = 0;
    for (uint32_t e = 1; e <= n; e++) {
        if (e < n && !run_starts(a->blocks, e)) {
            continue;
        }
        uint32_t i = (s + step - 1) / step * step;
        for (; i < e; i += step) {
            check_hit(h, ai, i, s, e);
        }
        if (e == n) {
            check_hit(h, ai, n - 1, s, e);
        }
        s = e;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    static const uint32_t sizes[] = {16, 8, 32, 16};
    uint32_t bs = sizes[data[0] % 4];
    struct heapmap h;
    struct rc_msg msg;
    int rc = heapmap_parse((const char *)data + 1, size - 1, bs, &h, &msg);
    if (rc != RC_OK) {
        if (h.nareas != 0 || h.areas != NULL || msg.text[0] == 0) {
            abort(); /* a failure leaves the model empty and says why */
        }
        heapmap_fini(&h);
        return 0;
    }
    uint64_t total = 0;
    for (size_t ai = 0; ai < h.nareas; ai++) {
        const struct heapmap_area *a = &h.areas[ai];
        total += a->nblocks;
        if (a->nblocks == 0 ||
            (uint64_t)a->pool_start + (uint64_t)a->nblocks * bs > 0x100000000ull) {
            abort();
        }
        for (size_t j = 0; j < h.nareas; j++) {
            const struct heapmap_area *o = &h.areas[j];
            if (j != ai && a->pool_start >= o->pool_start &&
                a->pool_start < (uint64_t)o->pool_start + (uint64_t)o->nblocks * bs) {
                abort();
            }
        }
        for (uint32_t i = 0; i < a->nblocks && i < (1u << 20); i++) {
            uint8_t c = a->blocks[i];
            if (!(c == '.' || c == '=' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
                abort();
            }
        }
        /* lookups: every block of small areas, a sample of big ones */
        check_area(&h, ai);
        struct heapmap_hit hit;
        if (a->pool_start > 0 && heapmap_lookup(&h, a->pool_start - 1, &hit) == RC_OK &&
            hit.area == ai) {
            abort();
        }
    }
    if (total > HEAPMAP_MAX_BLOCKS ||
        (h.gc_total >= 0 && total * bs > (uint64_t)h.gc_total)) {
        abort();
    }
    struct heapmap_stats st;
    heapmap_stats(&h, &st);
    if (st.blocks != total || st.state_blocks[0] + st.state_blocks[1] + st.state_blocks[2] +
                                      st.state_blocks[3] != total) {
        abort();
    }
    char line[160];
    size_t n = heapmap_summary(&h, line, sizeof line);
    if (n >= sizeof line || strlen(line) != n) {
        abort();
    }
    heapmap_fini(&h);
    return 0;
}
