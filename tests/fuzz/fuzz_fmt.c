/*
 * fuzz_fmt.c: command-line number parsing and range checks; escaping of
 * text from outside (never a control byte out, never past the buffer).
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
    char out[80];
    size_t cap = size > 0 ? 1 + data[0] % sizeof out : sizeof out;
    fmt_escape((const char *)data, size, size > 1 && data[1] & 1 ? "\n" : NULL,
               out, cap);
    for (const char *c = out; *c; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\n') {
            abort();
        }
    }
    if (fmt_needs_escape(out, strlen(out), "\n") &&
        !fmt_needs_escape((const char *)data, size, "\n")) {
        abort();
    }
    struct buf b;
    buf_init(&b);
    fmt_escape_buf(&b, (const char *)data, size, NULL);
    if (fmt_needs_escape(buf_str(&b), b.len, NULL)) {
        abort();
    }
    buf_clear(&b);
    fmt_json_str(&b, s);
    fmt_csv_field(&b, s);
    buf_fini(&b);
    return 0;
}
