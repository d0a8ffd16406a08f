/*
 * theme.h: colour themes, mapping the semantic roles the views draw with
 * (addresses, region kinds, heap objects, the cursor, the status line...)
 * to curses colours and attributes.
 *
 * A theme file (themes/NAME.theme) is plain text, one setting a line:
 *
 *   # comment ('#' starts a comment anywhere; blank lines are fine)
 *   background = dark | light      (optional; dark when left out)
 *   ROLE = FG [BG] [ATTRS]
 *   ROLE.CLASS = FG [BG] [ATTRS]
 *
 *   ROLE   one of the names below ("text", "flash", "heap-dict", ...)
 *   CLASS  a byte class: zero (0x00), ff (0xFF), print (printable ASCII
 *          0x20-0x7E) or byte (any other value)
 *   FG BG  default (the terminal's own colour), a name: black red green
 *          yellow blue magenta cyan white, bright-black (also gray, grey)
 *          bright-red ... bright-white, or a number 0-255 (the xterm-256
 *          palette).  Names ignore case, '-' and '_'.  BG left out is
 *          default ("flash.zero = 238 dim").
 *   ATTRS  none, or bold dim underline reverse standout italic joined by
 *          ',' '+' or spaces ("bold,underline", "bold + reverse").
 *   background  tells theme_apply() which way to degrade greys drawn on the
 *          terminal's own background (see below).
 *
 * Byte classes tint the bytes inside a region.  Every role has four class
 * variants besides its base setting; a variant the file does not set is
 * derived from the role's (resolved) base setting: zero and ff add dim
 * (and drop bold), print adds bold (and drops dim), byte is the base.  So
 * a theme sets "flash = 80" and gets dim zeros, bold text in flash; or it
 * sets "flash.ff = 238" to fade erased flash further.  The views use the
 * classes for the region and heap roles; theme_byte_attr() picks one.
 *
 * Inheritance: a role the file does not set takes the value compiled into
 * theme.c (the same as themes/default.theme), so a two-line user theme
 * works.  A role set twice: the last setting wins.
 *
 * Errors are "FILE:LINE: message" (unknown role or byte class, missing
 * '=', missing colour, unknown colour, colour out of range, unknown
 * attribute, line too long, NUL byte); the first error stops the parse.
 *
 * Where themes come from (theme_load, theme_list), first match wins:
 *   1. the user's: $XDG_CONFIG_HOME/mpeek/themes, else
 *      $HOME/.config/mpeek/themes;
 *   2. the built-in ones: $MPEEK_THEMES if set; otherwise themes/ next
 *      to the executable, then ../themes from there (the source tree,
 *      build-san/), then MPEEK_DATADIR/themes (compile-time, default
 *      /usr/local/share/mpeek).
 * "default" and "mono" always exist (compiled in) even with no files.
 *
 * Colour degradation: themes are written for 256 colours.  theme_apply()
 * maps each 0-255 colour to the nearest basic colour when the terminal has
 * fewer (16 or 8): greys by lightness, other colours by hue (which of
 * R, G, B stand out) and, for 16 colours, bright when light
 * (theme_color_degrade).  A grey foreground on the default background is
 * kept off the background's own colour: bright-black with 16 colours,
 * white (dark background) or black (light) with 8, dimmed if it was a
 * faint grey.  A pair whose colours become equal gets black or white text.
 * Without colour at all, a theme with colours shows the attributes of the
 * mono theme.
 *
 * This module is pure (parse, get, degrade, list, and how a role is drawn
 * on a terminal of given colours): it needs no terminal and no curses.
 * theme_curses.h applies a theme to the curses screen (colour pairs,
 * attributes).  Ownership: every struct theme * returned is the caller's,
 * freed with theme_free().
 */
#ifndef MPEEK_THEME_H
#define MPEEK_THEME_H

#include <stddef.h>

#include "heapmap.h"
#include "rc.h"
#include "rmap.h"

/* X(ENUM_SUFFIX, "file name") for every role, in enum order. */
#define THEME_ROLES(X)                                                       \
    X(TEXT, "text")                     /* plain text, blank space */        \
    X(ADDR, "addr")                     /* the address column */             \
    X(ADDR_CURSOR, "addr-cursor")       /* the address of the cursor row */  \
    X(ASCII, "ascii")                   /* the ASCII column */               \
    X(GAP, "gap")                       /* collapsed unmapped rows */        \
    X(UNREAD, "unread")                 /* byte not read yet (placeholder) */\
    X(BAD, "bad")                       /* failed verification */            \
    X(STALE, "stale")                   /* read before the board was lost */ \
    X(CHANGED, "changed")               /* changed at the last refresh */    \
    X(CHANGED_FADE, "changed-fade")     /* changed a little while ago */     \
    X(CURSOR, "cursor")                                                      \
    X(MARK, "mark")                     /* the selected range */             \
    X(BOUNDARY, "boundary")             /* a region boundary inside a row */ \
    X(SYMBOL, "symbol")                 /* where a symbol starts */          \
    X(STATUS, "status")                                                      \
    X(STATUS_ERROR, "status-error")                                          \
    X(STATUS_BUSY, "status-busy")                                            \
    X(HEADER, "header")                                                      \
    X(PANEL, "panel")                                                        \
    X(PANEL_SELECTED, "panel-selected")                                      \
    X(LEGEND, "legend")                                                      \
    X(HELP, "help")                                                          \
    X(SEARCH_HIT, "search-hit")                                              \
    X(HEAP_HEAD, "heap-head")           /* the head block of an object */    \
    X(DIFF, "diff")                     /* differs from the compared data */ \
    /* one per enum rmap_kind, in its order */                               \
    X(FLASH, "flash")                                                        \
    X(RAM, "ram")                                                            \
    X(ROM, "rom")                                                            \
    X(PERIPHERAL, "peripheral")                                              \
    X(HEAP, "heap")                                                          \
    X(STACK, "stack")                                                        \
    X(FILESYSTEM, "filesystem")                                              \
    X(PARTITION, "partition")                                                \
    X(FROZEN, "frozen")                                                      \
    X(UNMAPPED, "unmapped")                                                  \
    X(OTHER, "other")                                                        \
    X(GC_TABLE, "gc-table")             /* the GC allocation table */        \
    /* one per enum heapmap_kind */                                          \
    X(HEAP_FREE, "heap-free")                                                \
    X(HEAP_TUPLE, "heap-tuple")                                              \
    X(HEAP_LIST, "heap-list")                                                \
    X(HEAP_DICT, "heap-dict")                                                \
    X(HEAP_STR, "heap-str")                                                  \
    X(HEAP_ARRAY, "heap-array")                                              \
    X(HEAP_FLOAT, "heap-float")                                              \
    X(HEAP_BYTECODE, "heap-bytecode")                                        \
    X(HEAP_MODULE, "heap-module")                                            \
    X(HEAP_OTHER, "heap-other")                                              \
    X(HEAP_MPEEK, "heap-mpeek")         /* mpeek's own helper on the heap */

#define THEME_ROLE_ENUM_(e, name) THEME_R_##e,
enum theme_role {
    THEME_ROLES(THEME_ROLE_ENUM_)
    THEME_R_COUNT
};
#undef THEME_ROLE_ENUM_

/* Byte classes; THEME_C_BASE is the role's own setting. */
enum theme_class {
    THEME_C_BASE,
    THEME_C_ZERO,  /* 0x00 */
    THEME_C_FF,    /* 0xFF */
    THEME_C_PRINT, /* 0x20..0x7E */
    THEME_C_BYTE,  /* anything else */
    THEME_C_COUNT
};

/* Attribute bits as theme_get() reports them (not curses bits). */
#define THEME_A_BOLD 0x01u
#define THEME_A_DIM 0x02u
#define THEME_A_UNDERLINE 0x04u
#define THEME_A_REVERSE 0x08u
#define THEME_A_STANDOUT 0x10u
#define THEME_A_ITALIC 0x20u

/* A colour of theme_get(): -1 for the terminal default, else 0..255. */
#define THEME_COLOR_DEFAULT (-1)

/* The longest theme name (without ".theme"), plus its NUL. */
#define THEME_NAME_MAX 64

struct theme;

/*
 * Parse a theme file's text (len bytes, no NUL needed); path names it in
 * messages.  Pure: no I/O, no curses.  RC_OK with a new theme in *out, or
 * RC_PARSE with "path:line: message" in msg and *out = NULL (RC_NOMEM
 * likewise).
 */
int theme_parse(const char *text, size_t len, const char *path,
                struct theme **out, struct rc_msg *msg);

/*
 * Find theme NAME (see the search order above) and parse it.  NULL or ""
 * means "default"; a trailing ".theme" is ignored.  A name containing '/'
 * is read as a file path.  On RC_OK *out is the theme.  On failure *out
 * is STILL a usable theme, the compiled-in default, and msg says why (for
 * the status line): RC_PARSE "file:line: message"
 * for a broken file, RC_NOTFOUND "unknown theme 'x' (themes: a, b, ...)",
 * RC_IO for a file that cannot be read, RC_ARG for a bad name.  Only on
 * RC_NOMEM is *out NULL.  The caller frees *out.
 */
int theme_load(const char *name, struct theme **out, struct rc_msg *msg);

/* The compiled-in default theme (as themes/default.theme), or NULL when
 * out of memory.  The caller frees it. */
struct theme *theme_default(void);

/* The monochrome theme (NO_COLOR, --no-color): attributes only, every
 * colour the terminal default.  NULL when out of memory. */
struct theme *theme_mono(void);

/* Free a theme; NULL is fine. */
void theme_free(struct theme *t);

/* The theme's name ("default", "light", the file name without .theme) and
 * the file it came from ("" for compiled-in themes); owned by t. */
const char *theme_name(const struct theme *t);
const char *theme_path(const struct theme *t);

/*
 * The names of every theme found in the search folders plus the compiled-in
 * "default" and "mono", sorted and without duplicates.  Stores at most max
 * names; returns the number stored.
 */
size_t theme_list(char names[][THEME_NAME_MAX], size_t max);

/*
 * The folder for the user's own themes ($XDG_CONFIG_HOME/mpeek/themes or
 * $HOME/.config/mpeek/themes) into out; "" when neither variable is set.
 */
void theme_user_dir(char *out, size_t size);

/* --- pure helpers ------------------------------------------------------ */

/* The byte class of a value (never THEME_C_BASE). */
enum theme_class theme_byte_class(unsigned char byte_value);

/* The role of a region kind / heap object kind (THEME_R_OTHER,
 * THEME_R_HEAP_OTHER for values out of range). */
enum theme_role theme_role_of_kind(enum rmap_kind k);
enum theme_role theme_role_of_heap(enum heapmap_kind k);

/* The file name of a role ("addr-cursor"), "?" when out of range. */
const char *theme_role_name(enum theme_role r);

/* Role by file name; RC_OK or RC_NOTFOUND. */
int theme_role_parse(const char *s, enum theme_role *out);

/* The file name of a byte class ("zero"), "" for THEME_C_BASE. */
const char *theme_class_name(enum theme_class c);

/*
 * The nearest basic colour to xterm-256 colour color256 (0..255) on a
 * terminal with ncolors colours: an index 0..7 when ncolors < 16, 0..15
 * when ncolors < 256, color256 itself otherwise.  -1 (default) stays -1.
 */
int theme_color_degrade(int color256, int ncolors);

/* The xterm-256 palette entry of a colour as 0xRRGGBB (-1 if out of
 * range). */
long theme_color_rgb(int color256);

/*
 * What a theme says for a role (and byte class), resolved: inherited and
 * derived values filled in.  fg/bg are -1 (default) or 0..255, attrs are
 * THEME_A_* bits; any pointer may be NULL.  RC_OK, or RC_ARG for a bad
 * role or class.
 */
int theme_get(const struct theme *t, enum theme_role r, int *fg, int *bg,
              unsigned *attrs);
int theme_get_class(const struct theme *t, enum theme_role r,
                    enum theme_class cls, int *fg, int *bg, unsigned *attrs);

/* 1 if the theme's file set role r (base setting) itself, 0 if inherited;
 * 1 for every role of the compiled-in themes. */
int theme_defined(const struct theme *t, enum theme_role r);

/* 1 if the theme says "background = light". */
int theme_is_light(const struct theme *t);

/* 1 if any role of t has a colour other than the terminal default. */
int theme_has_color(const struct theme *t);

/* --- on a terminal (pure; theme_curses.h makes the curses calls) -------- */

/* What a terminal offers, as theme_apply() finds it. */
struct theme_term {
    int ncolors;  /* colours to use (256 at most counts); < 8: none */
    int defaults; /* 1: the terminal's own colours can be asked for (-1) */
    int direct;   /* 1: direct colour (xterm-direct): colours above 7 are
                   * asked for as 0xRRGGBB */
};

/*
 * How role r, byte class c of t is drawn on term, as described at the top
 * of this file: fg and bg are the colours to ask for (-1 the terminal's
 * own, else a palette index or, on a direct-colour terminal, 0xRRGGBB
 * above 7), attrs the THEME_A_* bits (a grey made faint adds dim).  Without
 * colour (ncolors < 8) fg = bg = -1 and attrs are the mono theme's, or
 * t's own when t has no colours.  Any out pointer may be NULL.  RC_OK, or
 * RC_ARG for a NULL theme or term or a bad role or class.
 */
int theme_term_spec(const struct theme *t, const struct theme_term *term,
                    enum theme_role r, enum theme_class c, int *fg, int *bg,
                    unsigned *attrs);

/*
 * How role r, class c is drawn now: a colour pair (0: the terminal's
 * default pair) and THEME_A_* bits.  A new theme has pair 0 and each
 * role's own attributes; theme_apply() records what it chose with
 * theme_set_drawn().  Both return RC_OK, or RC_ARG for a NULL theme, a
 * bad role or class, or a negative pair (nothing is changed then).
 */
int theme_set_drawn(struct theme *t, enum theme_role r, enum theme_class c,
                    int pair, unsigned attrs);
int theme_drawn(const struct theme *t, enum theme_role r, enum theme_class c,
                int *pair, unsigned *attrs);

#endif
