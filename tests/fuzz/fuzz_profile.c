/*
 * fuzz_profile.c: board profile parsing on arbitrary text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct profile p;
    struct rc_msg msg;
    if (profile_parse((const char *)data, size, "fuzz.board", &p, &msg) == RC_OK) {
        for (size_t i = 0; i < p.nregions; i++) {
            if (p.regions[i].size == 0 ||
                (uint64_t)p.regions[i].start + p.regions[i].size > 0x100000000ULL) {
                abort();
            }
        }
        profile_fini(&p);
    }
    return 0;
}
