/*
 * fuzz_theme.c: theme file parsing on arbitrary text, and the queries on
 * whatever it accepts (no curses).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct theme *t = NULL;
    struct rc_msg msg;
    int rc = theme_parse((const char *)data, size, "fuzz.theme", &t, &msg);
    if (rc != RC_OK) {
        if (t != NULL || memchr(msg.text, 0, sizeof msg.text) == NULL) {
            abort(); /* failure leaves no theme and a terminated message */
        }
        return 0;
    }
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++) {
            int fg, bg;
            unsigned a;
            if (theme_get_class(t, (enum theme_role)r, (enum theme_class)c,
                                &fg, &bg, &a) != RC_OK ||
                fg < -1 || fg > 255 || bg < -1 || bg > 255 || a > 0x3f) {
                abort();
            }
            if (theme_color_degrade(fg, 8) > 7 ||
                theme_color_degrade(bg, 16) > 15) {
                abort();
            }
            (void)theme_class_attr(t, (enum theme_role)r, (enum theme_class)c);
        }
    }
    theme_free(t);
    return 0;
}
