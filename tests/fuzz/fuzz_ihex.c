/*
 * fuzz_ihex.c: Intel HEX parsing and rendering on arbitrary text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ihex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ihex h;
    struct rc_msg msg;
    if (ihex_parse((const char *)data, size, "fuzz.hex", &h, &msg) == RC_OK) {
        uint8_t out[256];
        for (size_t i = 0; i < h.nsegs; i++) {
            if (i > 0 && h.segs[i].addr < h.segs[i - 1].addr + h.segs[i - 1].len) {
                abort(); /* segments must be sorted and disjoint */
            }
        }
        if (h.nsegs > 0) {
            ihex_render(&h, h.segs[0].addr, sizeof out, 0xFF, out);
        }
    }
    ihex_free(&h);
    return 0;
}
