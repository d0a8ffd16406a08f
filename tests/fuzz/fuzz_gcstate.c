/*
 * fuzz_gcstate.c: what the board prints for the search of MicroPython's GC
 * state (discover_apply_gcstate) on arbitrary text, against the micro:bit's
 * heap: whatever is added lies in the RAM given, the tables below the pool
 * and of the length the block count gives, the stack clear of the heap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char meminfo[] =
    "stack: 528 out of 1800\r\n"
    "GC: total: 1024, used: 32, free: 992\r\n"
    "GC memory layout; from 20000400:\r\n"
    "00000: h=..............................................................\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct heapmap h;
    static int ready;
    struct rc_msg msg;
    if (!ready) {
        if (heapmap_parse(meminfo, strlen(meminfo), 16, &h, &msg) != RC_OK) {
            abort();
        }
        ready = 1;
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = 0;
    struct rmap *m;
    if (rmap_new(&m) != RC_OK) {
        free(text);
        return 0;
    }
    discover_apply_gcstate(m, &h, text, 0x20000000, 0x20004000);
    rmap_finish(m);
    for (size_t i = 0; i < rmap_count(m); i++) {
        const struct rmap_region *r = rmap_get(m, i);
        if (r->start < 0x20000000 || r->end > 0x20004000) {
            abort();
        }
        if (strcmp(r->name, "gc-atb") == 0 &&
            (r->end - r->start != 16 || r->end > 0x20000400)) {
            abort();
        }
        if (strcmp(r->name, "gc-ftb") == 0 &&
            (r->end - r->start != 8 || r->end > 0x20000400)) {
            abort();
        }
        if (strcmp(r->name, "stack") == 0 &&
            (r->end - r->start != 1800 ||
             (r->start < 0x20000800 && r->end > 0x20000400 - 24))) {
            abort();
        }
    }
    rmap_free(m);
    free(text);
    return 0;
}
