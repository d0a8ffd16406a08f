/*
 * theme_curses.h: a theme (theme.h) on the curses screen: colour pairs and
 * curses attributes for the roles.  theme.c decides what each role looks
 * like on a terminal of so many colours (theme_term_spec); this part asks
 * curses what the terminal has, allocates the pairs and hands out attr_t
 * values.  It is the only part that calls init_pair().
 */
#ifndef MPEEK_THEME_CURSES_H
#define MPEEK_THEME_CURSES_H

#include <curses.h>

#include "theme.h"

/*
 * Make t the theme on the current curses screen: when can_color, start
 * colours (start_color, use_default_colors) and allocate one colour pair
 * per distinct (fg, bg), degrading colours to what the terminal has.
 * ncolors <= 0 means COLORS as curses reports it; a positive value caps it
 * (8, 16, 256: e.g. a --colors option).  Without colour (can_color == 0,
 * or fewer than 8 colours) the roles get the mono theme's attributes.
 * On a direct-colour terminal (COLORS = 2^24, xterm-direct) palette
 * colours are sent as their RGB values.  Pairs beyond what the terminal
 * (or attr_t: 255) offers fall back to the default pair.  Pairs are
 * numbered from 1 on each call, so only the theme applied last is valid
 * (call again after switching themes).  Needs initscr()/newterm() first.
 * Returns RC_OK; RC_ARG if t is NULL.
 */
int theme_apply(struct theme *t, int ncolors, int can_color);

/* COLOR_PAIR(n) | attributes for a role, ready for wattrset(); before
 * theme_apply() the attributes alone.  A_NORMAL for a bad role. */
attr_t theme_attr(const struct theme *t, enum theme_role role);

/* The same for one byte class of a role. */
attr_t theme_class_attr(const struct theme *t, enum theme_role role,
                        enum theme_class cls);

/* The attributes for a byte of value byte_value drawn in role (a region or
 * heap role): the variant of its byte class. */
attr_t theme_byte_attr(const struct theme *t, enum theme_role role,
                       unsigned char byte_value);

#endif
