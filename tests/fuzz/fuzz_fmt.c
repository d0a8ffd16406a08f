/*
 * fuzz_fmt.c: command-line number parsing and range checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
    memcpy(s, data, n);
    s[n] = 0;
    uint64_t v = 0;
    struct rc_msg msg;
    if (fmt_parse_u64(s, "ADDR", &v, &msg) == RC_OK) {
        fmt_check_range(v, 16, &msg);
        char line[100];
        uint8_t b[16] = {0};
        fmt_xxd_line((uint32_t)v, b, v % 17, line);
    }
    return 0;
}
