/*
 * theme_curses.c: a theme on the curses screen (see theme_curses.h).
 *
 * theme.c decides how each role and byte class is drawn on a terminal
 * (theme_term_spec: colours degraded, attributes); this file only asks
 * curses what the terminal has, allocates one colour pair per distinct
 * (fg, bg) and turns THEME_A_* bits into curses attributes.  The chosen
 * pair and attributes are kept in the theme (theme_set_drawn), so
 * theme_attr() works on any theme, applied or not.  This is the only file
 * that calls init_pair().
 */
#include "theme_curses.h"

#define PAIRS_MAX 255 /* COLOR_PAIR() in an attr_t holds 8 bits */

static attr_t curses_attrs(unsigned a)
{
    attr_t r = A_NORMAL;
    if (a & THEME_A_BOLD) {
        r |= A_BOLD;
    }
    if (a & THEME_A_DIM) {
        r |= A_DIM;
    }
    if (a & THEME_A_UNDERLINE) {
        r |= A_UNDERLINE;
    }
    if (a & THEME_A_REVERSE) {
        r |= A_REVERSE;
    }
    if (a & THEME_A_STANDOUT) {
        r |= A_STANDOUT;
    }
#ifdef A_ITALIC
    if (a & THEME_A_ITALIC) {
        r |= A_ITALIC;
    }
#endif
    return r;
}

int theme_apply(struct theme *t, int ncolors, int can_color)
{
    if (t == NULL) {
        return RC_ARG;
    }
    int have = 0;
    if (can_color && has_colors() && start_color() == OK) {
        have = COLORS;
    }
    if (ncolors <= 0 || ncolors > have) {
        ncolors = have;
    }
    struct theme_term term = {ncolors, 0, 0};
    if (ncolors < 8) {
        for (int r = 0; r < THEME_R_COUNT; r++) {
            for (int c = 0; c < THEME_C_COUNT; c++) {
                unsigned attrs = 0;
                theme_term_spec(t, &term, (enum theme_role)r,
                                (enum theme_class)c, NULL, NULL, &attrs);
                theme_set_drawn(t, (enum theme_role)r, (enum theme_class)c, 0,
                                attrs);
            }
        }
        return RC_OK;
    }
    term.defaults = use_default_colors() == OK;
    /* direct-colour terminals (xterm-direct) take 0xRRGGBB above 7 */
    term.direct = have >= 0x1000000;
    int maxpair = COLOR_PAIRS - 1;
    if (maxpair > PAIRS_MAX) {
        maxpair = PAIRS_MAX;
    }
    int pfg[PAIRS_MAX + 1], pbg[PAIRS_MAX + 1];
    int npairs = 0;
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++) {
            int fg = -1, bg = -1;
            unsigned attrs = 0;
            theme_term_spec(t, &term, (enum theme_role)r, (enum theme_class)c,
                            &fg, &bg, &attrs);
            int pair = 0;
            if (!(fg == -1 && bg == -1) &&
                !(!term.defaults && fg == COLOR_WHITE && bg == COLOR_BLACK)) {
                for (int i = 1; i <= npairs; i++) {
                    if (pfg[i] == fg && pbg[i] == bg) {
                        pair = i;
                        break;
                    }
                }
                if (pair == 0 && npairs < maxpair) {
                    int ok;
#if defined(NCURSES_EXT_COLORS)
                    ok = init_extended_pair(npairs + 1, fg, bg) == OK;
#else
                    ok = fg < 32768 && bg < 32768 &&
                         init_pair((short)(npairs + 1), (short)fg,
                                   (short)bg) == OK;
#endif
                    if (ok) {
                        npairs++;
                        pfg[npairs] = fg;
                        pbg[npairs] = bg;
                        pair = npairs;
                    }
                }
            }
            theme_set_drawn(t, (enum theme_role)r, (enum theme_class)c, pair,
                            attrs);
        }
    }
    return RC_OK;
}

attr_t theme_class_attr(const struct theme *t, enum theme_role role,
                        enum theme_class cls)
{
    int pair;
    unsigned attrs;
    if (theme_drawn(t, role, cls, &pair, &attrs) != RC_OK) {
        return A_NORMAL;
    }
    return (attr_t)COLOR_PAIR(pair) | curses_attrs(attrs);
}

attr_t theme_attr(const struct theme *t, enum theme_role role)
{
    return theme_class_attr(t, role, THEME_C_BASE);
}

attr_t theme_byte_attr(const struct theme *t, enum theme_role role,
                       unsigned char byte_value)
{
    return theme_class_attr(t, role, theme_byte_class(byte_value));
}
