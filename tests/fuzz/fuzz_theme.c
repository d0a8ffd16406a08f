/*
 * fuzz_theme.c: theme file parsing on arbitrary text, and the queries on
 * whatever it accepts, including how each role is drawn on terminals of
 * 256, 16 and 8 colours and none.  Links the pure theme module alone (no
 * curses).
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
    static const struct theme_term terms[] = {
        {256, 1, 0}, {16, 1, 0}, {8, 1, 0}, {8, 0, 0}, {0, 1, 0}, {256, 1, 1},
    };
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
            for (size_t k = 0; k < sizeof terms / sizeof terms[0]; k++) {
                const struct theme_term *tt = &terms[k];
                int tf, tb;
                unsigned ta;
                if (theme_term_spec(t, tt, (enum theme_role)r,
                                    (enum theme_class)c, &tf, &tb, &ta) != RC_OK ||
                    ta > 0x3f) {
                    abort();
                }
                int top = tt->direct ? 0xffffff : tt->ncolors < 8 ? -1
                                                   : tt->ncolors - 1;
                if (tf < -1 || tf > top || tb < -1 || tb > top ||
                    (!tt->defaults && tt->ncolors >= 8 && (tf < 0 || tb < 0)) ||
                    (!tt->direct && tf == tb && tf >= 0)) {
                    /* out of range, or the same colour twice (on a
                     * direct-colour terminal 0 is black both as an index
                     * and as RGB, so "16 on 0" stays what the theme says) */
                    abort();
                }
            }
            int pair;
            if (theme_drawn(t, (enum theme_role)r, (enum theme_class)c, &pair,
                            &a) != RC_OK || pair != 0) {
                abort();
            }
        }
    }
    theme_free(t);
    return 0;
}
