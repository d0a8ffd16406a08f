/*
 * theme.c: colour themes (see theme.h).
 *
 * A theme is a table spec[role][class] of (fg, bg, attrs) that is always
 * fully resolved: parsing starts from the compiled-in default, overwrites
 * what the file sets, then derives the byte-class variants the file left
 * out from each role's base.  drawn[role][class] is how the role is drawn
 * on the terminal now (a colour pair and THEME_A_* bits): pair 0 and the
 * role's own attributes until theme_curses.c applies the theme.
 * Pure: no curses here (theme_curses.c makes the curses calls), so the
 * parser is tested and fuzzed without a terminal.
 */
#include "theme.h"

#include "datadir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#define LINE_MAX_CHARS 255     /* per line, before any comment */
#define FILE_MAX_BYTES 65536   /* a theme file larger than this is refused */
#define DIRS_MAX 4

struct spec {
    short fg, bg;    /* -1 default, 0..255 */
    unsigned attrs;  /* THEME_A_* */
};

struct theme {
    char name[THEME_NAME_MAX];
    char path[512];
    struct spec spec[THEME_R_COUNT][THEME_C_COUNT];
    unsigned char set[THEME_R_COUNT][THEME_C_COUNT]; /* given by the file */
    int light;       /* "background = light" */
    struct drawn {
        int pair;         /* colour pair, 0 the default */
        unsigned attrs;   /* THEME_A_* */
    } drawn[THEME_R_COUNT][THEME_C_COUNT];
};

/* The basic colours the degrading falls back on (curses numbers them the
 * same: COLOR_BLACK, COLOR_WHITE). */
#define BLACK 0
#define WHITE 7

#define THEME_ROLE_NAME_(e, name) name,
static const char *const role_names[THEME_R_COUNT] = {
    THEME_ROLES(THEME_ROLE_NAME_)
};
#undef THEME_ROLE_NAME_

static const char *const class_names[THEME_C_COUNT] = {
    "", "zero", "ff", "print", "byte",
};

/* Shorthands for the compiled-in tables. */
#define D (-1)
#define BO THEME_A_BOLD
#define DI THEME_A_DIM
#define UL THEME_A_UNDERLINE
#define RV THEME_A_REVERSE
#define SO THEME_A_STANDOUT
#define IT THEME_A_ITALIC

/* The default theme, for dark terminals; themes/default.theme says the
 * same (test_theme checks). */
static const struct spec default_specs[THEME_R_COUNT] = {
    [THEME_R_TEXT] = {D, D, 0},
    [THEME_R_ADDR] = {244, D, 0},
    [THEME_R_ADDR_CURSOR] = {255, D, BO},
    [THEME_R_ASCII] = {250, D, 0},
    [THEME_R_GAP] = {240, D, IT},
    [THEME_R_UNREAD] = {239, D, 0},
    [THEME_R_BAD] = {231, 124, BO},
    [THEME_R_STALE] = {243, D, IT},
    [THEME_R_CHANGED] = {16, 214, BO},
    [THEME_R_CHANGED_FADE] = {214, D, BO},
    [THEME_R_CURSOR] = {16, 117, BO},
    [THEME_R_MARK] = {255, 24, 0},
    [THEME_R_BOUNDARY] = {231, D, BO},
    [THEME_R_SYMBOL] = {177, D, UL},
    [THEME_R_STATUS] = {252, 236, 0},
    [THEME_R_STATUS_ERROR] = {231, 124, BO},
    [THEME_R_STATUS_BUSY] = {222, 236, BO},
    [THEME_R_HEADER] = {252, 237, BO},
    [THEME_R_PANEL] = {250, 235, 0},
    [THEME_R_PANEL_SELECTED] = {16, 110, BO},
    [THEME_R_LEGEND] = {246, D, 0},
    [THEME_R_HELP] = {252, 235, 0},
    [THEME_R_SEARCH_HIT] = {16, 219, BO},
    [THEME_R_HEAP_HEAD] = {231, D, BO | UL},
    [THEME_R_DIFF] = {231, 90, BO},
    [THEME_R_FLASH] = {80, D, 0},
    [THEME_R_RAM] = {114, D, 0},
    [THEME_R_ROM] = {111, D, 0},
    [THEME_R_PERIPHERAL] = {167, D, 0},
    [THEME_R_HEAP] = {179, D, 0},
    [THEME_R_STACK] = {175, D, 0},
    [THEME_R_FILESYSTEM] = {37, D, 0},
    [THEME_R_PARTITION] = {73, D, 0},
    [THEME_R_FROZEN] = {141, D, 0},
    [THEME_R_UNMAPPED] = {240, D, 0},
    [THEME_R_OTHER] = {250, D, 0},
    [THEME_R_GC_TABLE] = {209, D, 0},
    [THEME_R_HEAP_FREE] = {246, 236, 0},
    [THEME_R_HEAP_TUPLE] = {78, D, 0},
    [THEME_R_HEAP_LIST] = {116, D, 0},
    [THEME_R_HEAP_DICT] = {216, D, 0},
    [THEME_R_HEAP_STR] = {222, D, 0},
    [THEME_R_HEAP_ARRAY] = {44, D, 0},
    [THEME_R_HEAP_FLOAT] = {183, D, 0},
    [THEME_R_HEAP_BYTECODE] = {105, D, 0},
    [THEME_R_HEAP_MODULE] = {133, D, 0},
    [THEME_R_HEAP_OTHER] = {178, D, 0},
    [THEME_R_HEAP_MPEEK] = {16, 250, IT},
};

/* The monochrome theme: attributes only.  Region boundaries, the cursor,
 * selections and changes stay visible without colour. */
static const struct spec mono_specs[THEME_R_COUNT] = {
    [THEME_R_TEXT] = {D, D, 0},
    [THEME_R_ADDR] = {D, D, 0},
    [THEME_R_ADDR_CURSOR] = {D, D, BO | RV},
    [THEME_R_ASCII] = {D, D, 0},
    [THEME_R_GAP] = {D, D, DI | IT},
    [THEME_R_UNREAD] = {D, D, DI},
    [THEME_R_BAD] = {D, D, RV},
    [THEME_R_STALE] = {D, D, DI | UL},
    [THEME_R_CHANGED] = {D, D, BO | UL},
    [THEME_R_CHANGED_FADE] = {D, D, UL},
    [THEME_R_CURSOR] = {D, D, BO | RV},
    [THEME_R_MARK] = {D, D, RV},
    [THEME_R_BOUNDARY] = {D, D, BO},
    [THEME_R_SYMBOL] = {D, D, UL},
    [THEME_R_STATUS] = {D, D, RV},
    [THEME_R_STATUS_ERROR] = {D, D, BO | RV},
    [THEME_R_STATUS_BUSY] = {D, D, RV | DI},
    [THEME_R_HEADER] = {D, D, BO | RV},
    [THEME_R_PANEL] = {D, D, 0},
    [THEME_R_PANEL_SELECTED] = {D, D, RV},
    [THEME_R_LEGEND] = {D, D, 0},
    [THEME_R_HELP] = {D, D, 0},
    [THEME_R_SEARCH_HIT] = {D, D, SO | BO},
    [THEME_R_HEAP_HEAD] = {D, D, BO | UL},
    [THEME_R_DIFF] = {D, D, BO | RV},
    [THEME_R_FLASH] = {D, D, 0},
    [THEME_R_RAM] = {D, D, 0},
    [THEME_R_ROM] = {D, D, 0},
    [THEME_R_PERIPHERAL] = {D, D, 0},
    [THEME_R_HEAP] = {D, D, 0},
    [THEME_R_STACK] = {D, D, 0},
    [THEME_R_FILESYSTEM] = {D, D, 0},
    [THEME_R_PARTITION] = {D, D, 0},
    [THEME_R_FROZEN] = {D, D, 0},
    [THEME_R_UNMAPPED] = {D, D, DI},
    [THEME_R_OTHER] = {D, D, 0},
    [THEME_R_GC_TABLE] = {D, D, UL},
    [THEME_R_HEAP_FREE] = {D, D, DI | IT},
    [THEME_R_HEAP_TUPLE] = {D, D, 0},
    [THEME_R_HEAP_LIST] = {D, D, 0},
    [THEME_R_HEAP_DICT] = {D, D, 0},
    [THEME_R_HEAP_STR] = {D, D, 0},
    [THEME_R_HEAP_ARRAY] = {D, D, 0},
    [THEME_R_HEAP_FLOAT] = {D, D, 0},
    [THEME_R_HEAP_BYTECODE] = {D, D, 0},
    [THEME_R_HEAP_MODULE] = {D, D, 0},
    [THEME_R_HEAP_OTHER] = {D, D, 0},
    [THEME_R_HEAP_MPEEK] = {D, D, DI | IT},
};

#undef D
#undef BO
#undef DI
#undef UL
#undef RV
#undef SO
#undef IT

static const struct {
    const char *name; /* lower case, without '-' or '_' */
    short value;
} color_names[] = {
    {"default", -1},     {"black", 0},         {"red", 1},
    {"green", 2},        {"yellow", 3},        {"blue", 4},
    {"magenta", 5},      {"cyan", 6},          {"white", 7},
    {"brightblack", 8},  {"gray", 8},          {"grey", 8},
    {"brightred", 9},    {"brightgreen", 10},  {"brightyellow", 11},
    {"brightblue", 12},  {"brightmagenta", 13}, {"brightcyan", 14},
    {"brightwhite", 15},
};

static const struct {
    const char *name;
    unsigned bit;
} attr_names[] = {
    {"none", 0},
    {"bold", THEME_A_BOLD},
    {"dim", THEME_A_DIM},
    {"underline", THEME_A_UNDERLINE},
    {"reverse", THEME_A_REVERSE},
    {"standout", THEME_A_STANDOUT},
    {"italic", THEME_A_ITALIC},
};

/* The xterm palette for 0..15 (the cube and greys are computed). */
static const long basic_rgb[16] = {
    0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd,
    0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
    0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

/* ---- names ------------------------------------------------------------ */

const char *theme_role_name(enum theme_role r)
{
    if ((int)r < 0 || r >= THEME_R_COUNT) {
        return "?";
    }
    return role_names[r];
}

const char *theme_class_name(enum theme_class c)
{
    if ((int)c < 0 || c >= THEME_C_COUNT) {
        return "?";
    }
    return class_names[c];
}

/* Equal ignoring case, with '_' the same as '-'. */
static int name_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
        if (ca == '_') {
            ca = '-';
        }
        if (cb == '_') {
            cb = '-';
        }
        if (ca != cb) {
            return 0;
        }
        if (ca == 0) {
            return 1;
        }
    }
}

int theme_role_parse(const char *s, enum theme_role *out)
{
    for (int r = 0; r < THEME_R_COUNT; r++) {
        if (name_eq(s, role_names[r])) {
            *out = (enum theme_role)r;
            return RC_OK;
        }
    }
    return RC_NOTFOUND;
}

static int class_parse(const char *s, enum theme_class *out)
{
    for (int c = THEME_C_ZERO; c < THEME_C_COUNT; c++) {
        if (name_eq(s, class_names[c])) {
            *out = (enum theme_class)c;
            return RC_OK;
        }
    }
    return RC_NOTFOUND;
}

enum theme_class theme_byte_class(unsigned char v)
{
    if (v == 0x00) {
        return THEME_C_ZERO;
    }
    if (v == 0xFF) {
        return THEME_C_FF;
    }
    if (v >= 0x20 && v <= 0x7E) {
        return THEME_C_PRINT;
    }
    return THEME_C_BYTE;
}

enum theme_role theme_role_of_kind(enum rmap_kind k)
{
    switch (k) {
    case RMAP_K_FLASH: return THEME_R_FLASH;
    case RMAP_K_RAM: return THEME_R_RAM;
    case RMAP_K_ROM: return THEME_R_ROM;
    case RMAP_K_PERIPHERAL: return THEME_R_PERIPHERAL;
    case RMAP_K_HEAP: return THEME_R_HEAP;
    case RMAP_K_STACK: return THEME_R_STACK;
    case RMAP_K_FILESYSTEM: return THEME_R_FILESYSTEM;
    case RMAP_K_PARTITION: return THEME_R_PARTITION;
    case RMAP_K_FROZEN: return THEME_R_FROZEN;
    case RMAP_K_UNMAPPED: return THEME_R_UNMAPPED;
    case RMAP_K_GCTABLE: return THEME_R_GC_TABLE;
    case RMAP_K_OTHER:
    case RMAP_K_COUNT:
        break;
    }
    return THEME_R_OTHER;
}

enum theme_role theme_role_of_heap(enum heapmap_kind k)
{
    switch (k) {
    case HEAPMAP_K_NONE: return THEME_R_HEAP_FREE;
    case HEAPMAP_K_TUPLE: return THEME_R_HEAP_TUPLE;
    case HEAPMAP_K_LIST: return THEME_R_HEAP_LIST;
    case HEAPMAP_K_DICT: return THEME_R_HEAP_DICT;
    case HEAPMAP_K_STR: return THEME_R_HEAP_STR;
    case HEAPMAP_K_ARRAY: return THEME_R_HEAP_ARRAY;
    case HEAPMAP_K_FLOAT: return THEME_R_HEAP_FLOAT;
    case HEAPMAP_K_BYTECODE: return THEME_R_HEAP_BYTECODE;
    case HEAPMAP_K_MODULE: return THEME_R_HEAP_MODULE;
    case HEAPMAP_K_MPEEK: return THEME_R_HEAP_MPEEK;
    case HEAPMAP_K_OTHER:
    case HEAPMAP_K_COUNT:
        break;
    }
    return THEME_R_HEAP_OTHER;
}

/* ---- colours ---------------------------------------------------------- */

long theme_color_rgb(int c)
{
    static const int level[6] = {0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff};
    if (c < 0 || c > 255) {
        return -1;
    }
    if (c < 16) {
        return basic_rgb[c];
    }
    if (c >= 232) {
        long g = 8 + 10 * (c - 232);
        return g << 16 | g << 8 | g;
    }
    c -= 16;
    return (long)level[c / 36] << 16 | (long)level[c / 6 % 6] << 8 |
           level[c % 6];
}

/*
 * Nearest basic colour.  Plain RGB distance sends most of the soft colours
 * a theme wants to grey, so: colours with little chroma go to the greys by
 * lightness; the others keep their hue (the channels at least half-way
 * between the smallest and the largest) and, with 16 colours, are bright
 * when light or fully saturated at the top.
 */
int theme_color_degrade(int c, int ncolors)
{
    if (c < 0 || c > 255) {
        return c < 0 ? -1 : c;
    }
    if (ncolors >= 256) {
        return c;
    }
    int sixteen = ncolors >= 16;
    if (c < 16) {
        if (sixteen) {
            return c;
        }
        if (c == 8) {
            return 7; /* dark grey reads better as white than as black */
        }
        return c & 7;
    }
    long rgb = theme_color_rgb(c);
    int ch[3] = {(int)(rgb >> 16) & 0xff, (int)(rgb >> 8) & 0xff,
                 (int)rgb & 0xff};
    int mx = ch[0], mn = ch[0];
    for (int i = 1; i < 3; i++) {
        mx = ch[i] > mx ? ch[i] : mx;
        mn = ch[i] < mn ? ch[i] : mn;
    }
    int light = (mx + mn) / 2;
    if (mx - mn <= 0x28) {
        if (sixteen) {
            return light < 0x40 ? 0 : light < 0xa0 ? 8 : light < 0xe0 ? 7 : 15;
        }
        return light < 0x60 ? 0 : 7;
    }
    int idx = 0;
    for (int i = 0; i < 3; i++) {
        if (2 * (ch[i] - mn) >= mx - mn) {
            idx |= 1 << i; /* red 1, green 2, blue 4 */
        }
    }
    if (sixteen && (light > 0x90 || mx >= 0xf0)) {
        idx += 8;
    }
    return idx;
}

/* ---- building themes -------------------------------------------------- */

static struct spec derive(struct spec base, enum theme_class c)
{
    switch (c) {
    case THEME_C_ZERO:
    case THEME_C_FF:
        base.attrs = (base.attrs & ~THEME_A_BOLD) | THEME_A_DIM;
        break;
    case THEME_C_PRINT:
        base.attrs = (base.attrs & ~THEME_A_DIM) | THEME_A_BOLD;
        break;
    case THEME_C_BASE:
    case THEME_C_BYTE:
    case THEME_C_COUNT:
        break;
    }
    return base;
}

/* Fill the class variants the source did not set; drawn as they are. */
static void resolve(struct theme *t)
{
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 1; c < THEME_C_COUNT; c++) {
            if (!t->set[r][c]) {
                t->spec[r][c] = derive(t->spec[r][0], (enum theme_class)c);
            }
        }
        for (int c = 0; c < THEME_C_COUNT; c++) {
            t->drawn[r][c].pair = 0;
            t->drawn[r][c].attrs = t->spec[r][c].attrs;
        }
    }
}

/* A theme holding the base specs of table; all roles count as set. */
static struct theme *theme_from(const struct spec *table, const char *name,
                                int mark_set)
{
    struct theme *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    snprintf(t->name, sizeof t->name, "%s", name);
    for (int r = 0; r < THEME_R_COUNT; r++) {
        t->spec[r][0] = table[r];
        t->set[r][0] = (unsigned char)mark_set;
    }
    return t;
}

struct theme *theme_default(void)
{
    struct theme *t = theme_from(default_specs, "default", 1);
    if (t != NULL) {
        resolve(t);
    }
    return t;
}

struct theme *theme_mono(void)
{
    struct theme *t = theme_from(mono_specs, "mono", 1);
    if (t != NULL) {
        resolve(t);
    }
    return t;
}

void theme_free(struct theme *t)
{
    free(t);
}

const char *theme_name(const struct theme *t)
{
    return t != NULL ? t->name : "";
}

const char *theme_path(const struct theme *t)
{
    return t != NULL ? t->path : "";
}

/* ---- parsing ---------------------------------------------------------- */

/* A word for an error message: printable, at most 40 characters. */
static const char *shown(const char *s, char out[48])
{
    size_t n = 0;
    for (; s[n] != 0 && n < 40; n++) {
        unsigned char ch = (unsigned char)s[n];
        out[n] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (s[n] != 0) {
        out[n++] = '.';
        out[n++] = '.';
        out[n++] = '.';
    }
    out[n] = 0;
    return out;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Parse one colour word into *out; 0, or -1 if unknown, -2 if out of
 * range. */
static int color_parse(const char *w, short *out)
{
    if (isdigit((unsigned char)w[0])) {
        long v = 0;
        for (const char *p = w; *p; p++) {
            if (!isdigit((unsigned char)*p)) {
                return -1;
            }
            if (v <= 255) {
                v = v * 10 + (*p - '0');
            }
        }
        if (v > 255) {
            return -2;
        }
        *out = (short)v;
        return 0;
    }
    char norm[24];
    size_t n = 0;
    for (const char *p = w; *p; p++) {
        if (*p == '-' || *p == '_') {
            continue;
        }
        if (n + 1 >= sizeof norm) {
            return -1;
        }
        norm[n++] = (char)tolower((unsigned char)*p);
    }
    norm[n] = 0;
    for (size_t i = 0; i < sizeof color_names / sizeof color_names[0]; i++) {
        if (strcmp(norm, color_names[i].name) == 0) {
            *out = color_names[i].value;
            return 0;
        }
    }
    return -1;
}

/* Parse a list of attributes (words separated by ',' '+' or blanks) from
 * s, which is modified.  0, or -1 with *bad pointing at the unknown word. */
static int attrs_parse(char *s, unsigned *out, const char **bad)
{
    unsigned a = 0;
    char *p = s;
    for (;;) {
        while (*p == ',' || *p == '+' || is_blank(*p)) {
            p++;
        }
        if (*p == 0) {
            break;
        }
        char *w = p;
        while (*p != 0 && *p != ',' && *p != '+' && !is_blank(*p)) {
            p++;
        }
        char end = *p;
        *p = 0;
        size_t i = 0;
        size_t n = sizeof attr_names / sizeof attr_names[0];
        for (; i < n; i++) {
            if (name_eq(w, attr_names[i].name)) {
                a |= attr_names[i].bit;
                break;
            }
        }
        if (i == n) {
            *bad = w;
            return -1;
        }
        *p = end;
    }
    *out = a;
    return 0;
}

/* Next blank-separated word of *p (modified in place), or NULL. */
static char *next_word(char **p)
{
    char *s = *p;
    while (is_blank(*s)) {
        s++;
    }
    if (*s == 0) {
        *p = s;
        return NULL;
    }
    char *w = s;
    while (*s != 0 && !is_blank(*s)) {
        s++;
    }
    if (*s != 0) {
        *s++ = 0;
    }
    *p = s;
    return w;
}

static void trim(char **s)
{
    char *b = *s;
    while (is_blank(*b)) {
        b++;
    }
    size_t n = strlen(b);
    while (n > 0 && is_blank(b[n - 1])) {
        b[--n] = 0;
    }
    *s = b;
}

static int bad_attr(struct rc_msg *msg, const char *path, unsigned lineno,
                    const char *word)
{
    char w[48];
    return rc_set(msg, RC_PARSE,
                  "%s:%u: unknown attribute '%s' (bold, dim, underline, "
                  "reverse, standout, italic or none)",
                  path, lineno, shown(word, w));
}

/* One non-blank, comment-free line into t.  RC_OK or RC_PARSE. */
static int parse_line(struct theme *t, char *line, const char *path,
                      unsigned lineno, struct rc_msg *msg)
{
    char w1[48], w2[48];
    char *eq = strchr(line, '=');
    if (eq == NULL) {
        return rc_set(msg, RC_PARSE,
                      "%s:%u: missing '=' (expected ROLE = FG BG ATTRS)",
                      path, lineno);
    }
    *eq = 0;
    char *left = line, *right = eq + 1;
    trim(&left);
    if (*left == 0) {
        return rc_set(msg, RC_PARSE, "%s:%u: missing role name before '='",
                      path, lineno);
    }
    if (name_eq(left, "background")) {
        trim(&right);
        int light = name_eq(right, "light");
        if (!light && !name_eq(right, "dark")) {
            return rc_set(msg, RC_PARSE,
                          "%s:%u: background is 'dark' or 'light', not '%s'",
                          path, lineno, shown(right, w1));
        }
        t->light = light;
        return RC_OK;
    }
    enum theme_class cls = THEME_C_BASE;
    char *dot = strrchr(left, '.');
    if (dot != NULL) {
        *dot = 0;
        if (class_parse(dot + 1, &cls) != RC_OK) {
            return rc_set(msg, RC_PARSE,
                          "%s:%u: unknown byte class '%s' (zero, ff, print or "
                          "byte)",
                          path, lineno, shown(dot + 1, w1));
        }
    }
    enum theme_role role;
    if (theme_role_parse(left, &role) != RC_OK) {
        return rc_set(msg, RC_PARSE, "%s:%u: unknown role '%s'", path, lineno,
                      shown(left, w1));
    }

    struct spec s = {-1, -1, 0};
    char *p = right;
    char *fg = next_word(&p);
    if (fg == NULL) {
        return rc_set(msg, RC_PARSE, "%s:%u: missing colour after '=' for '%s'",
                      path, lineno, role_names[role]);
    }
    char *words[2] = {fg, next_word(&p)};
    short *dest[2] = {&s.fg, &s.bg};
    const char *bad = NULL;
    for (int i = 0; i < 2 && words[i] != NULL; i++) {
        int e = color_parse(words[i], dest[i]);
        if (e == -1 && i == 1) {
            /* "ROLE = FG ATTRS": the background left out */
            char probe[LINE_MAX_CHARS + 1];
            snprintf(probe, sizeof probe, "%s", words[1]);
            if (attrs_parse(probe, &s.attrs, &bad) == 0) {
                break;
            }
            if (bad != probe) { /* "bold,blink": attributes after all */
                return bad_attr(msg, path, lineno, bad);
            }
        }
        if (e == -1) {
            return rc_set(msg, RC_PARSE,
                          "%s:%u: unknown colour '%s' (default, a name such "
                          "as red or bright-blue, or 0-255)",
                          path, lineno, shown(words[i], w2));
        }
        if (e == -2) {
            return rc_set(msg, RC_PARSE,
                          "%s:%u: colour %s out of range (0-255)", path,
                          lineno, shown(words[i], w2));
        }
    }
    unsigned more = 0;
    if (attrs_parse(p, &more, &bad) != 0) {
        return bad_attr(msg, path, lineno, bad);
    }
    s.attrs |= more;
    t->spec[role][cls] = s;
    t->set[role][cls] = 1;
    return RC_OK;
}

/* The base name of path without ".theme". */
static void name_from_path(const char *path, char out[THEME_NAME_MAX])
{
    const char *b = strrchr(path, '/');
    b = b != NULL ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 6 && strcmp(b + n - 6, ".theme") == 0) {
        n -= 6;
    }
    if (n >= THEME_NAME_MAX) {
        n = THEME_NAME_MAX - 1;
    }
    memcpy(out, b, n);
    out[n] = 0;
}

int theme_parse(const char *text, size_t len, const char *path,
                struct theme **out, struct rc_msg *msg)
{
    *out = NULL;
    if (path == NULL) {
        path = "(theme)";
    }
    struct theme *t = theme_from(default_specs, "", 0);
    if (t == NULL) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
    }
    name_from_path(path, t->name);
    snprintf(t->path, sizeof t->path, "%s", path);

    size_t pos = 0;
    unsigned lineno = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3; /* UTF-8 byte-order mark */
    }
    while (pos < len) {
        lineno++;
        size_t end = pos;
        while (end < len && text[end] != '\n') {
            end++;
        }
        size_t stop = pos;
        while (stop < end && text[stop] != '#') {
            stop++;
        }
        char line[LINE_MAX_CHARS + 1];
        size_t n = stop - pos;
        int rc = RC_OK;
        if (memchr(text + pos, 0, n) != NULL) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: NUL byte (not a text file?)",
                        path, lineno);
        } else if (n > LINE_MAX_CHARS) {
            rc = rc_set(msg, RC_PARSE,
                        "%s:%u: line too long (over %d characters)", path,
                        lineno, LINE_MAX_CHARS);
        } else {
            memcpy(line, text + pos, n);
            line[n] = 0;
            char *l = line;
            trim(&l);
            if (*l != 0) {
                rc = parse_line(t, l, path, lineno, msg);
            }
        }
        if (rc != RC_OK) {
            theme_free(t);
            return rc;
        }
        pos = end + 1;
    }
    resolve(t);
    *out = t;
    return RC_OK;
}

/* ---- queries ---------------------------------------------------------- */

int theme_get_class(const struct theme *t, enum theme_role r,
                    enum theme_class cls, int *fg, int *bg, unsigned *attrs)
{
    if (t == NULL || (int)r < 0 || r >= THEME_R_COUNT || (int)cls < 0 ||
        cls >= THEME_C_COUNT) {
        return RC_ARG;
    }
    const struct spec *s = &t->spec[r][cls];
    if (fg != NULL) {
        *fg = s->fg;
    }
    if (bg != NULL) {
        *bg = s->bg;
    }
    if (attrs != NULL) {
        *attrs = s->attrs;
    }
    return RC_OK;
}

int theme_get(const struct theme *t, enum theme_role r, int *fg, int *bg,
              unsigned *attrs)
{
    return theme_get_class(t, r, THEME_C_BASE, fg, bg, attrs);
}

int theme_defined(const struct theme *t, enum theme_role r)
{
    if (t == NULL || (int)r < 0 || r >= THEME_R_COUNT) {
        return 0;
    }
    return t->set[r][0];
}

int theme_is_light(const struct theme *t)
{
    return t != NULL && t->light;
}

int theme_has_color(const struct theme *t)
{
    if (t == NULL) {
        return 0;
    }
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++) {
            if (t->spec[r][c].fg != -1 || t->spec[r][c].bg != -1) {
                return 1;
            }
        }
    }
    return 0;
}

/* ---- finding theme files ---------------------------------------------- */

void theme_user_dir(char *out, size_t size)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg != NULL && xdg[0] == '/') {
        snprintf(out, size, "%s/mpeek/themes", xdg);
    } else if (home != NULL && *home) {
        snprintf(out, size, "%s/.config/mpeek/themes", home);
    } else if (size > 0) {
        out[0] = 0;
    }
}

/* The folders to search, user's first.  Returns how many. */
static size_t search_dirs(char dirs[DIRS_MAX][DATADIR_PATH_MAX])
{
    size_t n = 0;
    theme_user_dir(dirs[n], sizeof dirs[n]);
    if (dirs[n][0] != 0) {
        n++;
    }
    n += datadir_candidates("themes", "MPEEK_THEMES", dirs + n, DIRS_MAX - n);
    return n;
}

static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= THEME_NAME_MAX || name[0] == '.') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.') {
            return 0;
        }
    }
    return 1;
}

/* Read a whole file (at most FILE_MAX_BYTES).  RC_OK with *text (the
 * caller frees), RC_NOTFOUND if it does not exist, else RC_IO/RC_PARSE. */
static int read_file(const char *path, char **text, size_t *len,
                     struct rc_msg *msg)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return RC_NOTFOUND;
        }
        return rc_set(msg, RC_IO, "%s: %s", path, strerror(errno));
    }
    char *buf = malloc(FILE_MAX_BYTES + 1);
    if (buf == NULL) {
        fclose(f);
        return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, FILE_MAX_BYTES + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return rc_set(msg, RC_IO, "%s: cannot read (is it a folder?)", path);
    }
    if (n > FILE_MAX_BYTES) {
        free(buf);
        return rc_set(msg, RC_PARSE, "%s: larger than %d KiB", path,
                      FILE_MAX_BYTES / 1024);
    }
    *text = buf;
    *len = n;
    return RC_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

size_t theme_list(char names[][THEME_NAME_MAX], size_t max)
{
    size_t n = 0, cap = 16;
    char (*all)[THEME_NAME_MAX] = malloc(cap * sizeof *all);
    if (all == NULL) {
        return 0;
    }
    snprintf(all[n++], THEME_NAME_MAX, "default");
    snprintf(all[n++], THEME_NAME_MAX, "mono");
    char dirs[DIRS_MAX][DATADIR_PATH_MAX];
    size_t nd = search_dirs(dirs);
    for (size_t d = 0; d < nd; d++) {
        DIR *dir = opendir(dirs[d]);
        if (dir == NULL) {
            continue;
        }
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len <= 6 || strcmp(e->d_name + len - 6, ".theme") != 0) {
                continue;
            }
            char name[THEME_NAME_MAX];
            if (len - 6 >= sizeof name) {
                continue;
            }
            memcpy(name, e->d_name, len - 6);
            name[len - 6] = 0;
            if (!name_ok(name)) {
                continue;
            }
            if (n == cap) {
                void *grown = realloc(all, 2 * cap * sizeof *all);
                if (grown == NULL) {
                    break;
                }
                all = grown;
                cap *= 2;
            }
            memcpy(all[n++], name, sizeof name);
        }
        closedir(dir);
    }
    qsort(all, n, sizeof *all, cmp_names);
    size_t out = 0;
    for (size_t i = 0; i < n && out < max; i++) {
        if (out > 0 && strcmp(names[out - 1], all[i]) == 0) {
            continue;
        }
        memcpy(names[out++], all[i], THEME_NAME_MAX);
    }
    free(all);
    return out;
}

/* On failure theme_load hands back the default theme with rc and msg. */
static int fail_default(struct theme **out, int rc, struct rc_msg *msg)
{
    *out = theme_default();
    if (*out == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    return rc;
}

static int load_path(const char *path, struct theme **out, struct rc_msg *msg)
{
    char *text;
    size_t len = 0;
    int rc = read_file(path, &text, &len, msg);
    if (rc == RC_NOTFOUND) {
        rc = rc_set(msg, RC_NOTFOUND, "%s: no such file", path);
    }
    if (rc != RC_OK) {
        return rc;
    }
    rc = theme_parse(text, len, path, out, msg);
    free(text);
    return rc;
}

int theme_load(const char *name, struct theme **out, struct rc_msg *msg)
{
    *out = NULL;
    if (name == NULL || *name == 0) {
        name = "default";
    }
    int rc;
    if (strchr(name, '/') != NULL) {
        rc = load_path(name, out, msg);
        return rc == RC_OK || rc == RC_NOMEM ? rc : fail_default(out, rc, msg);
    }
    char shown_name[48], bare[THEME_NAME_MAX];
    size_t nlen = strlen(name);
    if (nlen > 6 && nlen - 6 < sizeof bare &&
        strcmp(name + nlen - 6, ".theme") == 0) {
        memcpy(bare, name, nlen - 6); /* "--theme light.theme" */
        bare[nlen - 6] = 0;
        name = bare;
    }
    if (!name_ok(name)) {
        rc = rc_set(msg, RC_ARG,
                    "bad theme name '%s' (letters, digits, '-', '_', '.')",
                    shown(name, shown_name));
        return fail_default(out, rc, msg);
    }
    char dirs[DIRS_MAX][DATADIR_PATH_MAX];
    size_t nd = search_dirs(dirs);
    for (size_t d = 0; d < nd; d++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s.theme", dirs[d], name);
        rc = load_path(path, out, msg);
        if (rc == RC_NOTFOUND) {
            continue;
        }
        return rc == RC_OK || rc == RC_NOMEM ? rc : fail_default(out, rc, msg);
    }
    if (strcmp(name, "default") == 0) {
        *out = theme_default();
        return *out != NULL ? RC_OK : rc_set(msg, RC_NOMEM, "out of memory");
    }
    if (strcmp(name, "mono") == 0) {
        *out = theme_mono();
        return *out != NULL ? RC_OK : rc_set(msg, RC_NOMEM, "out of memory");
    }
    char names[32][THEME_NAME_MAX];
    size_t n = theme_list(names, 32);
    char list[400];
    size_t used = 0;
    list[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = strlen(names[i]);
        if (used + w + 8 >= sizeof list) {
            snprintf(list + used, sizeof list - used, ", ...");
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i > 0 ? ", " : "", names[i]);
    }
    rc = rc_set(msg, RC_NOTFOUND, "unknown theme '%s' (themes: %s)",
                shown(name, shown_name), list);
    return fail_default(out, rc, msg);
}

/* ---- on a terminal ---------------------------------------------------- */

/* Is palette colour c light (black text reads on it)? */
static int is_light(int c)
{
    long rgb = theme_color_rgb(c);
    if (rgb < 0) {
        return 0;
    }
    return ((rgb >> 16 & 0xff) * 3 + (rgb >> 8 & 0xff) * 6 + (rgb & 0xff)) >
           1280;
}

/*
 * A grey foreground on the terminal's own background, with fewer than 256
 * colours.  Plain degrading could land on the background itself (dark
 * grey to black on a dark terminal, light grey to white on a light one),
 * so keep it off that: 16 colours use bright-black instead; 8 colours
 * use the other of black and white, dimmed if the grey leaned toward the
 * background.  Returns the colour, or -2 if c is not a grey.
 */
static int grey_on_default(int c, int ncolors, int light, unsigned *attrs)
{
    long rgb = theme_color_rgb(c);
    int r = (int)(rgb >> 16) & 0xff, g = (int)(rgb >> 8) & 0xff,
        b = (int)rgb & 0xff;
    int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
    if (mx - mn > 0x28) {
        return -2;
    }
    int lightness = (mx + mn) / 2;
    if (ncolors >= 16) {
        int d = theme_color_degrade(c, 16);
        if (!light && d == 0) {
            return 8;
        }
        if (light && (d == 7 || d == 15)) {
            return 8;
        }
        return d;
    }
    if (light ? lightness > 0x80 : lightness < 0x80) {
        *attrs |= THEME_A_DIM;
    }
    return light ? BLACK : WHITE;
}

int theme_term_spec(const struct theme *t, const struct theme_term *term,
                    enum theme_role r, enum theme_class c, int *fg_out,
                    int *bg_out, unsigned *attrs_out)
{
    if (t == NULL || term == NULL || (int)r < 0 || r >= THEME_R_COUNT ||
        (int)c < 0 || c >= THEME_C_COUNT) {
        return RC_ARG;
    }
    const struct spec *s = &t->spec[r][c];
    unsigned attrs = s->attrs;
    int fg = -1, bg = -1;
    int ncolors = term->ncolors > 256 ? 256 : term->ncolors;
    if (ncolors < 8) {
        /* no colour: a theme with colours shows the mono attributes, one
         * without (mono itself, an attributes-only file) its own */
        if (theme_has_color(t)) {
            attrs = derive(mono_specs[r], c).attrs;
        }
    } else {
        fg = theme_color_degrade(s->fg, ncolors);
        bg = theme_color_degrade(s->bg, ncolors);
        if (s->fg >= 0 && s->bg < 0 && ncolors < 256) {
            int grey = grey_on_default(s->fg, ncolors, t->light, &attrs);
            fg = grey >= 0 ? grey : fg;
        }
        if (!term->defaults) {
            if (fg < 0) {
                fg = t->light ? BLACK : WHITE;
            }
            if (bg < 0) {
                bg = t->light ? WHITE : BLACK;
            }
        }
        if (fg == bg && fg >= 0) {
            /* the same colour twice after degrading: keep it readable */
            fg = is_light(bg) ? BLACK : ncolors >= 16 ? 15 : WHITE;
        }
        if (term->direct) {
            fg = fg < 8 ? fg : (int)theme_color_rgb(fg);
            bg = bg < 8 ? bg : (int)theme_color_rgb(bg);
        }
    }
    if (fg_out != NULL) {
        *fg_out = fg;
    }
    if (bg_out != NULL) {
        *bg_out = bg;
    }
    if (attrs_out != NULL) {
        *attrs_out = attrs;
    }
    return RC_OK;
}

int theme_set_drawn(struct theme *t, enum theme_role r, enum theme_class c,
                    int pair, unsigned attrs)
{
    if (t == NULL || (int)r < 0 || r >= THEME_R_COUNT || (int)c < 0 ||
        c >= THEME_C_COUNT || pair < 0) {
        return RC_ARG;
    }
    t->drawn[r][c].pair = pair;
    t->drawn[r][c].attrs = attrs;
    return RC_OK;
}

int theme_drawn(const struct theme *t, enum theme_role r, enum theme_class c,
                int *pair, unsigned *attrs)
{
    if (t == NULL || (int)r < 0 || r >= THEME_R_COUNT || (int)c < 0 ||
        c >= THEME_C_COUNT) {
        return RC_ARG;
    }
    if (pair != NULL) {
        *pair = t->drawn[r][c].pair;
    }
    if (attrs != NULL) {
        *attrs = t->drawn[r][c].attrs;
    }
    return RC_OK;
}
