/*
 * fuzz_attcache.c: the attach cache file parser on arbitrary bytes; what
 * it accepts is written back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct board_warm w;
    struct rc_msg msg;
    if (attcache_parse((const char *)data, size, "fuzz", &w, &msg) == RC_OK) {
        char *again;
        size_t len;
        if (attcache_format("fuzz", &w, &again, &len, &msg) != RC_OK) {
            abort();
        }
        if (len != size || memcmp(again, data, size) != 0) {
            abort(); /* accepted bytes are exactly what mpeek writes */
        }
        free(again);
    }
    return 0;
}
