/*
 * test_theme.c: theme files (format, errors, inheritance, byte classes),
 * colour degradation, the shipped themes, where themes are found, and the
 * curses side on a screen written to /dev/null.
 */
#include "theme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* The source tree, as seen from where the test runs ("", "../", ...). */
static char root[64];

static void find_root(void)
{
    static const char *const cands[] = {"", "../", "../../"};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        char p[128];
        snprintf(p, sizeof p, "%sthemes/default.theme", cands[i]);
        if (access(p, R_OK) == 0) {
            snprintf(root, sizeof root, "%s", cands[i]);
            return;
        }
    }
}

static int parse(const char *text, struct theme **t, struct rc_msg *msg)
{
    return theme_parse(text, strlen(text), "t.theme", t, msg);
}

static void get(const struct theme *t, enum theme_role r, enum theme_class c,
                int *fg, int *bg, unsigned *a)
{
    *fg = *bg = -99;
    *a = 999;
    theme_get_class(t, r, c, fg, bg, a);
}

TEST(parse_basic)
{
    struct theme *t;
    struct rc_msg msg;
    const char *text =
        "# comment line\n"
        "\n"
        "   flash = 80 default   # after a comment\n"
        "ram = Bright-Green black bold,underline\n"
        "heap=yellow 17 bold + reverse\n"
        "stack = 209 italic standout\n" /* bg left out, attrs follow */
        "ROM = grey\n"
        "addr_cursor = gray 0 none\n"
        "cursor = 1 2 dim\n"
        "cursor = 3 4\n" /* last one wins */
        "flash.ff = 238 default dim\n"
        "flash.print = 15 default\n"
        "background = light\n";
    CHECK_EQ_INT(parse(text, &t, &msg), RC_OK);
    if (t == NULL) {
        return;
    }
    int fg, bg;
    unsigned a;
    get(t, THEME_R_FLASH, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 80);
    CHECK_EQ_INT(bg, -1);
    CHECK_EQ_INT(a, 0);
    get(t, THEME_R_RAM, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 10);
    CHECK_EQ_INT(bg, 0);
    CHECK_EQ_INT(a, THEME_A_BOLD | THEME_A_UNDERLINE);
    get(t, THEME_R_HEAP, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 3);
    CHECK_EQ_INT(bg, 17);
    CHECK_EQ_INT(a, THEME_A_BOLD | THEME_A_REVERSE);
    get(t, THEME_R_STACK, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 209);
    CHECK_EQ_INT(bg, -1);
    CHECK_EQ_INT(a, THEME_A_ITALIC | THEME_A_STANDOUT);
    get(t, THEME_R_ROM, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 8);
    get(t, THEME_R_ADDR_CURSOR, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 8);
    CHECK_EQ_INT(bg, 0);
    CHECK_EQ_INT(a, 0);
    get(t, THEME_R_CURSOR, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 3);
    CHECK_EQ_INT(bg, 4);
    CHECK_EQ_INT(a, 0);
    /* explicit byte classes, and derived ones */
    get(t, THEME_R_FLASH, THEME_C_FF, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 238);
    CHECK_EQ_INT(a, THEME_A_DIM);
    get(t, THEME_R_FLASH, THEME_C_PRINT, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 15);
    CHECK_EQ_INT(a, 0);
    get(t, THEME_R_FLASH, THEME_C_ZERO, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 80);
    CHECK_EQ_INT(a, THEME_A_DIM);
    get(t, THEME_R_FLASH, THEME_C_BYTE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 80);
    CHECK_EQ_INT(a, 0);
    get(t, THEME_R_RAM, THEME_C_ZERO, &fg, &bg, &a); /* bold dropped */
    CHECK_EQ_INT(a, THEME_A_DIM | THEME_A_UNDERLINE);
    get(t, THEME_R_RAM, THEME_C_PRINT, &fg, &bg, &a);
    CHECK_EQ_INT(a, THEME_A_BOLD | THEME_A_UNDERLINE);
    CHECK(theme_is_light(t));
    CHECK(theme_defined(t, THEME_R_FLASH));
    CHECK(!theme_defined(t, THEME_R_TEXT));
    CHECK_STR(theme_name(t), "t");
    CHECK_STR(theme_path(t), "t.theme");
    theme_free(t);
}

TEST(inherits_default)
{
    struct theme *t, *d = theme_default();
    struct rc_msg msg;
    CHECK_EQ_INT(parse("flash = red\n", &t, &msg), RC_OK);
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++) {
            int f1, b1, f2, b2;
            unsigned a1, a2;
            get(t, r, c, &f1, &b1, &a1);
            get(d, r, c, &f2, &b2, &a2);
            if (r == THEME_R_FLASH) {
                CHECK_EQ_INT(f1, 1);
                continue;
            }
            CHECK_EQ_INT(f1, f2);
            CHECK_EQ_INT(b1, b2);
            CHECK_EQ_INT(a1, a2);
        }
    }
    CHECK(!theme_is_light(t));
    theme_free(t);

    /* empty text: the default theme */
    CHECK_EQ_INT(theme_parse("", 0, NULL, &t, &msg), RC_OK);
    CHECK(t != NULL);
    int fg, bg;
    unsigned a;
    get(t, THEME_R_BAD, THEME_C_BASE, &fg, &bg, &a);
    int dfg, dbg;
    unsigned da;
    get(d, THEME_R_BAD, THEME_C_BASE, &dfg, &dbg, &da);
    CHECK_EQ_INT(fg, dfg);
    CHECK_EQ_INT(bg, dbg);
    theme_free(t);
    theme_free(d);
}

TEST(parse_errors)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"flash = 80\nflsh = 80\n", "t.theme:2: unknown role 'flsh'"},
        {"flash red\n", "t.theme:1: missing '=' (expected ROLE = FG BG ATTRS)"},
        {" = red\n", "t.theme:1: missing role name before '='"},
        {"flash =\n", "t.theme:1: missing colour after '=' for 'flash'"},
        {"flash = reddish\n",
         "t.theme:1: unknown colour 'reddish' (default, a name such as red "
         "or bright-blue, or 0-255)"},
        {"flash = red pinkish\n",
         "t.theme:1: unknown colour 'pinkish' (default, a name such as red "
         "or bright-blue, or 0-255)"},
        {"flash = -1\n",
         "t.theme:1: unknown colour '-1' (default, a name such as red or "
         "bright-blue, or 0-255)"},
        {"flash = 12x\n",
         "t.theme:1: unknown colour '12x' (default, a name such as red or "
         "bright-blue, or 0-255)"},
        {"\n\nflash = 256\n", "t.theme:3: colour 256 out of range (0-255)"},
        {"flash = 1 99999999999999999999\n",
         "t.theme:1: colour 99999999999999999999 out of range (0-255)"},
        {"flash = red black bold,blink\n",
         "t.theme:1: unknown attribute 'blink' (bold, dim, underline, "
         "reverse, standout, italic or none)"},
        {"flash = red bold,blink\n",
         "t.theme:1: unknown attribute 'blink' (bold, dim, underline, "
         "reverse, standout, italic or none)"},
        {"flash = red bold blink\n",
         "t.theme:1: unknown attribute 'blink' (bold, dim, underline, "
         "reverse, standout, italic or none)"},
        {"flash.zeros = red\n",
         "t.theme:1: unknown byte class 'zeros' (zero, ff, print or byte)"},
        {"status.zero = red\nflash.ff.print = red\n",
         "t.theme:2: unknown role 'flash.ff'"},
        {"background = grey\n",
         "t.theme:1: background is 'dark' or 'light', not 'grey'"},
        {"background = light dark\n",
         "t.theme:1: background is 'dark' or 'light', not 'light dark'"},
        {"fl\x01sh = red\n", "t.theme:1: unknown role 'fl?sh'"},
        {"a-very-long-role-name-that-goes-on-and-on-and-on = red\n",
         "t.theme:1: unknown role 'a-very-long-role-name-that-goes-on-and-o...'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct theme *t = (struct theme *)1;
        struct rc_msg msg = {{0}};
        CHECK_EQ_INT(parse(cases[i].text, &t, &msg), RC_PARSE);
        CHECK(t == NULL);
        CHECK_STR(msg.text, cases[i].want);
    }

    /* a NUL byte, and an over-long line (a long comment is fine) */
    struct theme *t;
    struct rc_msg msg;
    CHECK_EQ_INT(theme_parse("text = red\nflash\0 = red\n", 23, "n.theme", &t,
                             &msg),
                 RC_PARSE);
    CHECK_STR(msg.text, "n.theme:2: NUL byte (not a text file?)");
    char big[600];
    memset(big, ' ', sizeof big);
    memcpy(big, "flash = red", 11);
    big[sizeof big - 1] = 0;
    CHECK_EQ_INT(parse(big, &t, &msg), RC_PARSE);
    CHECK_STR(msg.text, "t.theme:1: line too long (over 255 characters)");
    memcpy(big, "flash = red #", 13);
    CHECK_EQ_INT(parse(big, &t, &msg), RC_OK);
    theme_free(t);
}

TEST(fixture_errors)
{
    static const struct {
        const char *file, *want; /* want follows "<path>:" */
    } cases[] = {
        {"unknown_role", "3: unknown role 'flsh'"},
        {"unknown_colour",
         "3: unknown colour 'greenish' (default, a name such as red or "
         "bright-blue, or 0-255)"},
        {"bad_attribute",
         "1: unknown attribute 'blink' (bold, dim, underline, reverse, "
         "standout, italic or none)"},
        {"missing_equals", "5: missing '=' (expected ROLE = FG BG ATTRS)"},
        {"out_of_range", "1: colour 256 out of range (0-255)"},
        {"unknown_class",
         "2: unknown byte class 'zeros' (zero, ff, print or byte)"},
        {"missing_colour", "1: missing colour after '=' for 'flash'"},
        {"missing_role", "1: missing role name before '='"},
        {"bad_background", "1: background is 'dark' or 'light', not 'grey'"},
        {"long_line", "1: line too long (over 255 characters)"},
        {"nul_byte", "2: NUL byte (not a text file?)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256], want[600];
        snprintf(path, sizeof path, "%stests/data/themes/%s.theme", root,
                 cases[i].file);
        snprintf(want, sizeof want, "%s:%s", path, cases[i].want);
        struct theme *t = NULL;
        struct rc_msg msg = {{0}};
        CHECK_EQ_INT(theme_load(path, &t, &msg), RC_PARSE);
        CHECK_STR(msg.text, want);
        /* the caller still gets the default theme */
        CHECK(t != NULL);
        CHECK_STR(theme_name(t), "default");
        CHECK(theme_has_color(t));
        theme_free(t);
    }

    char path[256];
    struct theme *t = NULL;
    struct rc_msg msg;
    snprintf(path, sizeof path, "%stests/data/themes/minimal.theme", root);
    CHECK_EQ_INT(theme_load(path, &t, &msg), RC_OK);
    CHECK_STR(theme_name(t), "minimal");
    int fg, bg;
    unsigned a;
    get(t, THEME_R_RAM, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 2);
    CHECK_EQ_INT(bg, -1);
    CHECK_EQ_INT(a, THEME_A_BOLD);
    CHECK(!theme_defined(t, THEME_R_HEAP));
    theme_free(t);

    snprintf(path, sizeof path, "%stests/data/themes/no-such.theme", root);
    CHECK_EQ_INT(theme_load(path, &t, &msg), RC_NOTFOUND);
    CHECK(t != NULL);
    CHECK(strstr(msg.text, "no-such.theme: no such file") != NULL);
    theme_free(t);
    snprintf(path, sizeof path, "%stests/data/themes", root);
    CHECK_EQ_INT(theme_load(path, &t, &msg), RC_IO);
    CHECK(t != NULL);
    theme_free(t);
}

TEST(degrade)
{
    CHECK_EQ_INT(theme_color_degrade(196, 16), 9);
    CHECK_EQ_INT(theme_color_degrade(196, 8), 1);
    CHECK_EQ_INT(theme_color_degrade(196, 256), 196);
    CHECK_EQ_INT(theme_color_degrade(160, 16), 1);
    CHECK(theme_color_degrade(255, 16) == 7 || theme_color_degrade(255, 16) == 15);
    CHECK_EQ_INT(theme_color_degrade(255, 8), 7);
    CHECK_EQ_INT(theme_color_degrade(232, 16), 0);
    CHECK_EQ_INT(theme_color_degrade(232, 8), 0);
    CHECK_EQ_INT(theme_color_degrade(16, 8), 0);
    CHECK_EQ_INT(theme_color_degrade(231, 16), 15);
    CHECK_EQ_INT(theme_color_degrade(244, 16), 8);
    CHECK_EQ_INT(theme_color_degrade(21, 16), 12);  /* 0000ff */
    CHECK_EQ_INT(theme_color_degrade(18, 16), 4);   /* 000087 */
    CHECK_EQ_INT(theme_color_degrade(46, 8), 2);    /* 00ff00 */
    CHECK_EQ_INT(theme_color_degrade(226, 16), 11); /* ffff00 */
    CHECK_EQ_INT(theme_color_degrade(201, 16), 13); /* ff00ff */
    CHECK_EQ_INT(theme_color_degrade(51, 16), 14);  /* 00ffff */
    CHECK_EQ_INT(theme_color_degrade(30, 16), 6);   /* 008787 */
    /* the shipped themes' soft colours keep their hue */
    CHECK_EQ_INT(theme_color_degrade(80, 8), 6);   /* flash: cyan */
    CHECK_EQ_INT(theme_color_degrade(114, 8), 2);  /* ram: green */
    CHECK_EQ_INT(theme_color_degrade(179, 8), 3);  /* heap: yellow */
    CHECK_EQ_INT(theme_color_degrade(167, 8), 1);  /* peripheral: red */
    CHECK_EQ_INT(theme_color_degrade(111, 16), 12); /* rom: blue */
    /* basic colours */
    for (int c = 0; c < 16; c++) {
        CHECK_EQ_INT(theme_color_degrade(c, 16), c);
        CHECK_EQ_INT(theme_color_degrade(c, 8), c == 8 ? 7 : c & 7);
    }
    CHECK_EQ_INT(theme_color_degrade(-1, 8), -1);
    for (int c = 0; c < 256; c++) {
        int d16 = theme_color_degrade(c, 16), d8 = theme_color_degrade(c, 8);
        CHECK(d16 >= 0 && d16 < 16);
        CHECK(d8 >= 0 && d8 < 8);
        CHECK_EQ_INT(theme_color_degrade(c, 256), c);
    }
    CHECK_EQ_INT(theme_color_rgb(16), 0x000000);
    CHECK_EQ_INT(theme_color_rgb(231), 0xffffff);
    CHECK_EQ_INT(theme_color_rgb(67), 0x5f87af);
    CHECK_EQ_INT(theme_color_rgb(244), 0x808080);
    CHECK_EQ_INT(theme_color_rgb(9), 0xff0000);
    CHECK_EQ_INT(theme_color_rgb(256), -1);
}

static struct theme *load_file(const char *name, struct rc_msg *msg)
{
    char path[256];
    snprintf(path, sizeof path, "%sthemes/%s.theme", root, name);
    struct theme *t = NULL;
    int rc = theme_load(path, &t, msg);
    CHECK_EQ_INT(rc, RC_OK);
    if (rc != RC_OK) {
        printf("  %s\n", msg->text);
    }
    return t;
}

TEST(shipped_themes)
{
    static const char *const names[] = {"default", "light", "high-contrast"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct rc_msg msg;
        struct theme *t = load_file(names[i], &msg);
        if (t == NULL) {
            continue;
        }
        CHECK_STR(theme_name(t), names[i]);
        CHECK(theme_has_color(t));
        for (int r = 0; r < THEME_R_COUNT; r++) {
            if (!theme_defined(t, r)) {
                printf("  %s does not set %s\n", names[i], theme_role_name(r));
            }
            CHECK(theme_defined(t, r));
        }
        /* the cursor, a change and an error stand out from plain text */
        int fg, bg;
        unsigned a;
        get(t, THEME_R_CURSOR, THEME_C_BASE, &fg, &bg, &a);
        CHECK(bg >= 0 || (a & THEME_A_REVERSE));
        get(t, THEME_R_CHANGED, THEME_C_BASE, &fg, &bg, &a);
        CHECK(bg >= 0 || (a & THEME_A_REVERSE));
        get(t, THEME_R_STATUS_ERROR, THEME_C_BASE, &fg, &bg, &a);
        CHECK(bg >= 0 || (a & THEME_A_REVERSE));
        CHECK_EQ_INT(theme_is_light(t), strcmp(names[i], "light") == 0);
        theme_free(t);
    }

    /* themes/default.theme says exactly what is compiled in */
    struct rc_msg msg;
    struct theme *f = load_file("default", &msg), *d = theme_default();
    if (f != NULL && d != NULL) {
        for (int r = 0; r < THEME_R_COUNT; r++) {
            for (int c = 0; c < THEME_C_COUNT; c++) {
                int f1, b1, f2, b2;
                unsigned a1, a2;
                get(f, r, c, &f1, &b1, &a1);
                get(d, r, c, &f2, &b2, &a2);
                if (f1 != f2 || b1 != b2 || a1 != a2) {
                    printf("  default.theme differs at %s%s%s\n",
                           theme_role_name(r), c ? "." : "",
                           theme_class_name(c));
                }
                CHECK(f1 == f2 && b1 == b2 && a1 == a2);
            }
        }
    }
    theme_free(f);
    theme_free(d);
}

TEST(mono)
{
    struct theme *m = theme_mono();
    CHECK(m != NULL);
    CHECK(!theme_has_color(m));
    CHECK_STR(theme_name(m), "mono");
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++) {
            int fg, bg;
            unsigned a;
            get(m, r, c, &fg, &bg, &a);
            CHECK_EQ_INT(fg, -1);
            CHECK_EQ_INT(bg, -1);
        }
    }
    int fg, bg;
    unsigned a;
    get(m, THEME_R_BOUNDARY, THEME_C_BASE, &fg, &bg, &a);
    CHECK(a != 0);
    get(m, THEME_R_CHANGED, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(a, THEME_A_BOLD | THEME_A_UNDERLINE);
    get(m, THEME_R_UNREAD, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(a, THEME_A_DIM);
    get(m, THEME_R_BAD, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(a, THEME_A_REVERSE);
    get(m, THEME_R_CURSOR, THEME_C_BASE, &fg, &bg, &a);
    CHECK(a & THEME_A_REVERSE);
    get(m, THEME_R_HEADER, THEME_C_BASE, &fg, &bg, &a);
    CHECK(a & (THEME_A_BOLD | THEME_A_REVERSE));
    /* before theme_apply, theme_attr gives the attributes alone */
    CHECK_EQ_INT(theme_attr(m, THEME_R_CHANGED), A_BOLD | A_UNDERLINE);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 0x00), A_DIM);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 0xFF), A_DIM);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 'A'), A_BOLD);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 0x80), A_NORMAL);
    theme_free(m);
}

TEST(names)
{
    for (int r = 0; r < THEME_R_COUNT; r++) {
        enum theme_role back;
        CHECK_EQ_INT(theme_role_parse(theme_role_name(r), &back), RC_OK);
        CHECK_EQ_INT(back, r);
    }
    enum theme_role r;
    CHECK_EQ_INT(theme_role_parse("heap_dict", &r), RC_OK);
    CHECK_EQ_INT(r, THEME_R_HEAP_DICT);
    CHECK_EQ_INT(theme_role_parse("nope", &r), RC_NOTFOUND);
    CHECK_STR(theme_role_name(THEME_R_COUNT), "?");
    CHECK_STR(theme_role_name(THEME_R_CHANGED_FADE), "changed-fade");
    CHECK_STR(theme_class_name(THEME_C_PRINT), "print");
    for (int k = 0; k < RMAP_K_COUNT; k++) {
        CHECK_STR(theme_role_name(theme_role_of_kind(k)), rmap_kind_name(k));
    }
    CHECK_EQ_INT(theme_role_of_kind(RMAP_K_COUNT), THEME_R_OTHER);
    CHECK_EQ_INT(theme_role_of_heap(HEAPMAP_K_NONE), THEME_R_HEAP_FREE);
    CHECK_EQ_INT(theme_role_of_heap(HEAPMAP_K_OTHER), THEME_R_HEAP_OTHER);
    CHECK_EQ_INT(theme_role_of_heap(HEAPMAP_K_BYTECODE), THEME_R_HEAP_BYTECODE);
    CHECK_STR(theme_role_name(theme_role_of_heap(HEAPMAP_K_DICT)), "heap-dict");
    CHECK_EQ_INT(theme_byte_class(0x00), THEME_C_ZERO);
    CHECK_EQ_INT(theme_byte_class(0xFF), THEME_C_FF);
    CHECK_EQ_INT(theme_byte_class(' '), THEME_C_PRINT);
    CHECK_EQ_INT(theme_byte_class('~'), THEME_C_PRINT);
    CHECK_EQ_INT(theme_byte_class(0x7F), THEME_C_BYTE);
    CHECK_EQ_INT(theme_byte_class(0x1F), THEME_C_BYTE);
    int fg;
    CHECK_EQ_INT(theme_get(NULL, THEME_R_TEXT, &fg, NULL, NULL), RC_ARG);
    struct theme *d = theme_default();
    CHECK_EQ_INT(theme_get(d, THEME_R_COUNT, &fg, NULL, NULL), RC_ARG);
    CHECK_EQ_INT(theme_get_class(d, THEME_R_TEXT, THEME_C_COUNT, &fg, NULL, NULL),
                 RC_ARG);
    CHECK_EQ_INT(theme_attr(d, THEME_R_COUNT), A_NORMAL);
    CHECK_EQ_INT(theme_attr(NULL, THEME_R_TEXT), A_NORMAL);
    theme_free(d);
    theme_free(NULL);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static char *saved_env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL ? strdup(v) : NULL;
}

static void restore_env(const char *name, char *v)
{
    if (v != NULL) {
        setenv(name, v, 1);
        free(v);
    } else {
        unsetenv(name);
    }
}

TEST(search_and_list)
{
    char *old_xdg = saved_env("XDG_CONFIG_HOME");
    char *old_home = saved_env("HOME");
    char *old_themes = saved_env("MPEEK_THEMES");
    char tmp[] = "/tmp/mpeek-theme-XXXXXX";
    if (mkdtemp(tmp) == NULL) {
        CHECK(0);
        return;
    }
    char builtin[256], dir[300], p1[400], p2[400], p3[400], p4[400];
    snprintf(builtin, sizeof builtin, "%sthemes", root);
    setenv("MPEEK_THEMES", builtin, 1);
    setenv("XDG_CONFIG_HOME", tmp, 1);
    snprintf(dir, sizeof dir, "%s/mpeek", tmp);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/mpeek/themes", tmp);
    mkdir(dir, 0700);
    snprintf(p1, sizeof p1, "%s/light.theme", dir);
    snprintf(p2, sizeof p2, "%s/mine.theme", dir);
    snprintf(p3, sizeof p3, "%s/broken.theme", dir);
    snprintf(p4, sizeof p4, "%s/.hidden.theme", dir);
    write_text(p1, "# my own light theme\nflash = 21\n");
    write_text(p2, "ram = green\n");
    write_text(p3, "ram = green\n\nheap = orange\n");
    write_text(p4, "ram = green\n");

    char ud[400];
    theme_user_dir(ud, sizeof ud);
    CHECK_STR(ud, dir);

    char names[16][THEME_NAME_MAX];
    size_t n = theme_list(names, 16);
    CHECK_EQ_INT(n, 6);
    static const char *const want[] = {"broken", "default", "high-contrast",
                                       "light", "mine", "mono"};
    for (size_t i = 0; i < n && i < 6; i++) {
        CHECK_STR(names[i], want[i]);
    }
    CHECK_EQ_INT(theme_list(names, 2), 2);
    CHECK_STR(names[1], "default");

    struct theme *t = NULL;
    struct rc_msg msg;
    int fg, bg;
    unsigned a;
    /* the user's "light" wins over the built-in one */
    CHECK_EQ_INT(theme_load("light", &t, &msg), RC_OK);
    CHECK_STR(theme_path(t), p1);
    get(t, THEME_R_FLASH, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 21);
    CHECK(!theme_is_light(t));
    theme_free(t);
    CHECK_EQ_INT(theme_load("mine.theme", &t, &msg), RC_OK);
    CHECK_STR(theme_path(t), p2);
    theme_free(t);
    CHECK_EQ_INT(theme_load("high-contrast", &t, &msg), RC_OK);
    CHECK(strstr(theme_path(t), "themes/high-contrast.theme") != NULL);
    theme_free(t);
    CHECK_EQ_INT(theme_load(NULL, &t, &msg), RC_OK);
    CHECK_STR(theme_name(t), "default");
    theme_free(t);
    CHECK_EQ_INT(theme_load("mono", &t, &msg), RC_OK);
    CHECK(!theme_has_color(t));
    theme_free(t);

    char want_msg[600];
    snprintf(want_msg, sizeof want_msg, "%s:3: unknown colour 'orange' "
             "(default, a name such as red or bright-blue, or 0-255)", p3);
    CHECK_EQ_INT(theme_load("broken", &t, &msg), RC_PARSE);
    CHECK_STR(msg.text, want_msg);
    CHECK(t != NULL);
    CHECK_STR(theme_name(t), "default");
    theme_free(t);

    CHECK_EQ_INT(theme_load("nope", &t, &msg), RC_NOTFOUND);
    CHECK_STR(msg.text, "unknown theme 'nope' (themes: broken, default, "
                        "high-contrast, light, mine, mono)");
    CHECK(t != NULL);
    theme_free(t);
    CHECK_EQ_INT(theme_load("bad name", &t, &msg), RC_ARG);
    CHECK(t != NULL);
    theme_free(t);
    CHECK_EQ_INT(theme_load(".hidden", &t, &msg), RC_ARG);
    theme_free(t);

    /* $HOME/.config when XDG_CONFIG_HOME is unset (or not absolute) */
    setenv("XDG_CONFIG_HOME", "relative", 1);
    setenv("HOME", "/home/someone", 1);
    theme_user_dir(ud, sizeof ud);
    CHECK_STR(ud, "/home/someone/.config/mpeek/themes");
    unsetenv("XDG_CONFIG_HOME");
    snprintf(dir, sizeof dir, "%s/.config", tmp);
    setenv("HOME", tmp, 1);
    theme_user_dir(ud, sizeof ud);
    snprintf(p4, sizeof p4, "%s/.config/mpeek/themes", tmp);
    CHECK_STR(ud, p4);
    n = theme_list(names, 16);
    CHECK_EQ_INT(n, 4); /* default, high-contrast, light, mono */

    /* no theme files at all: the compiled-in ones still work */
    setenv("MPEEK_THEMES", "/nonexistent", 1);
    n = theme_list(names, 16);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(theme_load("default", &t, &msg), RC_OK);
    CHECK_STR(theme_path(t), "");
    theme_free(t);

    unlink(p1);
    unlink(p2);
    unlink(p3);
    snprintf(p4, sizeof p4, "%s/mpeek/themes/.hidden.theme", tmp);
    unlink(p4);
    snprintf(dir, sizeof dir, "%s/mpeek/themes", tmp);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/mpeek", tmp);
    rmdir(dir);
    rmdir(tmp);
    restore_env("XDG_CONFIG_HOME", old_xdg);
    restore_env("HOME", old_home);
    restore_env("MPEEK_THEMES", old_themes);
}

/* The pair colours behind an attribute. */
static void pair_of(attr_t a, int *fg, int *bg)
{
    int p = (int)PAIR_NUMBER(a);
    *fg = *bg = -99;
    extended_pair_content(p, fg, bg);
}

static SCREEN *open_screen(const char *term, FILE **out, FILE **in)
{
    *out = fopen("/dev/null", "w");
    *in = fopen("/dev/null", "r");
    if (*out == NULL || *in == NULL) {
        return NULL;
    }
    return newterm(term, *out, *in);
}

static void close_screen(SCREEN *s, FILE *out, FILE *in)
{
    if (s != NULL) {
        endwin();
        delscreen(s);
    }
    if (out != NULL) {
        fclose(out);
    }
    if (in != NULL) {
        fclose(in);
    }
}

TEST(curses_apply)
{
    FILE *out, *in;
    SCREEN *s = open_screen("xterm-256color", &out, &in);
    if (s == NULL) {
        close_screen(s, out, in);
        SKIP("needs the xterm-256color terminfo (ncurses-term)");
    }
    struct theme *d = theme_default();
    struct theme *m = theme_mono();
    int fg, bg;

    CHECK_EQ_INT(theme_apply(d, 0, 1), RC_OK);
    CHECK(PAIR_NUMBER(theme_attr(d, THEME_R_FLASH)) > 0);
    pair_of(theme_attr(d, THEME_R_FLASH), &fg, &bg);
    CHECK_EQ_INT(fg, 80);
    CHECK_EQ_INT(bg, -1);
    pair_of(theme_attr(d, THEME_R_CHANGED), &fg, &bg);
    CHECK_EQ_INT(fg, 16);
    CHECK_EQ_INT(bg, 214);
    CHECK(theme_attr(d, THEME_R_CHANGED) & A_BOLD);
    CHECK_EQ_INT(PAIR_NUMBER(theme_attr(d, THEME_R_TEXT)), 0);
    /* byte classes share the region's pair, with their attributes */
    CHECK_EQ_INT(PAIR_NUMBER(theme_byte_attr(d, THEME_R_RAM, 0)),
                 PAIR_NUMBER(theme_attr(d, THEME_R_RAM)));
    CHECK(theme_byte_attr(d, THEME_R_RAM, 0) & A_DIM);
    CHECK(theme_byte_attr(d, THEME_R_RAM, 'x') & A_BOLD);
    /* equal colours share one pair */
    CHECK_EQ_INT(PAIR_NUMBER(theme_attr(d, THEME_R_ASCII)),
                 PAIR_NUMBER(theme_attr(d, THEME_R_OTHER)));
    CHECK(PAIR_NUMBER(theme_attr(d, THEME_R_HEAP)) !=
          PAIR_NUMBER(theme_attr(d, THEME_R_RAM)));

    /* 16 and 8 colours */
    CHECK_EQ_INT(theme_apply(d, 16, 1), RC_OK);
    pair_of(theme_attr(d, THEME_R_FLASH), &fg, &bg);
    CHECK_EQ_INT(fg, 14);
    pair_of(theme_attr(d, THEME_R_UNMAPPED), &fg, &bg); /* 240: grey */
    CHECK_EQ_INT(fg, 8);
    CHECK_EQ_INT(theme_apply(d, 8, 1), RC_OK);
    pair_of(theme_attr(d, THEME_R_FLASH), &fg, &bg);
    CHECK_EQ_INT(fg, 6);
    CHECK_EQ_INT(bg, -1);
    pair_of(theme_attr(d, THEME_R_BAD), &fg, &bg);
    CHECK_EQ_INT(fg, 7);
    CHECK_EQ_INT(bg, 1);
    /* a dark grey on a dark terminal: white, dimmed (not black) */
    pair_of(theme_attr(d, THEME_R_UNREAD), &fg, &bg);
    CHECK_EQ_INT(fg, 7);
    CHECK(theme_attr(d, THEME_R_UNREAD) & A_DIM);
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++) {
            pair_of(theme_class_attr(d, r, c), &fg, &bg);
            CHECK(fg < 8 && bg < 8);
            CHECK(fg != bg || fg == -1);
        }
    }

    /* a light theme: light greys turn black on a light terminal */
    struct theme *l;
    struct rc_msg msg;
    const char *lt = "background = light\nunread = 250\naddr = 16 255\n";
    CHECK_EQ_INT(theme_parse(lt, strlen(lt), "l.theme", &l, &msg), RC_OK);
    CHECK_EQ_INT(theme_apply(l, 8, 1), RC_OK);
    pair_of(theme_attr(l, THEME_R_UNREAD), &fg, &bg);
    CHECK_EQ_INT(fg, 0);
    CHECK(theme_attr(l, THEME_R_UNREAD) & A_DIM);
    pair_of(theme_attr(l, THEME_R_ADDR), &fg, &bg);
    CHECK_EQ_INT(fg, 0);
    CHECK_EQ_INT(bg, 7);
    CHECK_EQ_INT(theme_apply(l, 16, 1), RC_OK);
    pair_of(theme_attr(l, THEME_R_UNREAD), &fg, &bg);
    CHECK_EQ_INT(fg, 8);
    theme_free(l);

    /* no colour: mono attributes, no pairs */
    CHECK_EQ_INT(theme_apply(d, 0, 0), RC_OK);
    CHECK_EQ_INT(theme_attr(d, THEME_R_CHANGED), A_BOLD | A_UNDERLINE);
    CHECK_EQ_INT(PAIR_NUMBER(theme_attr(d, THEME_R_FLASH)), 0);
    CHECK_EQ_INT(theme_attr(d, THEME_R_BOUNDARY), A_BOLD);
    CHECK_EQ_INT(theme_apply(m, 0, 1), RC_OK);
    for (int r = 0; r < THEME_R_COUNT; r++) {
        CHECK_EQ_INT(PAIR_NUMBER(theme_attr(m, r)), 0);
    }
    CHECK_EQ_INT(theme_attr(m, THEME_R_BAD), A_REVERSE);
    CHECK_EQ_INT(theme_apply(NULL, 0, 1), RC_ARG);

    /* more distinct colours than attr_t can name: the rest use pair 0 */
    char *big = malloc(THEME_R_COUNT * 5 * 40);
    size_t len = 0;
    int k = 0;
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++, k++) {
            len += (size_t)sprintf(big + len, "%s%s%s = %d %d\n",
                                   theme_role_name(r), c ? "." : "",
                                   theme_class_name(c), k % 256, (k / 7) % 256);
        }
    }
    struct theme *b;
    CHECK_EQ_INT(theme_parse(big, len, "big.theme", &b, &msg), RC_OK);
    free(big);
    CHECK_EQ_INT(theme_apply(b, 0, 1), RC_OK);
    int maxpair = 0;
    for (int r = 0; r < THEME_R_COUNT; r++) {
        for (int c = 0; c < THEME_C_COUNT; c++) {
            int p = (int)PAIR_NUMBER(theme_class_attr(b, r, c));
            maxpair = p > maxpair ? p : maxpair;
        }
    }
    CHECK(maxpair > 0 && maxpair <= 255);
    theme_free(b);

    theme_free(d);
    theme_free(m);
    close_screen(s, out, in);
}

TEST(curses_8_colour_terminal)
{
    FILE *out, *in;
    SCREEN *s = open_screen("xterm", &out, &in);
    if (s == NULL) {
        close_screen(s, out, in);
        SKIP("needs the xterm terminfo");
    }
    /* the terminal says 8 colours and 64 pairs: a 256-colour request is
     * capped, and every pair fits */
    static const char *const names[] = {"default", "light", "high-contrast"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct rc_msg msg;
        struct theme *t = load_file(names[i], &msg);
        if (t == NULL) {
            continue;
        }
        CHECK_EQ_INT(theme_apply(t, 256, 1), RC_OK);
        for (int r = 0; r < THEME_R_COUNT; r++) {
            for (int c = 0; c < THEME_C_COUNT; c++) {
                attr_t a = theme_class_attr(t, r, c);
                int fg, bg;
                CHECK((int)PAIR_NUMBER(a) < COLOR_PAIRS);
                pair_of(a, &fg, &bg);
                CHECK(fg < 8 && bg < 8);
            }
        }
        theme_free(t);
    }
    close_screen(s, out, in);
}

/* The default theme tells free heap space, object heads and object kinds
 * apart at 256, 16 and 8 colours and without colour. */
TEST(heap_at_a_glance)
{
    FILE *out, *in;
    SCREEN *s = open_screen("xterm-256color", &out, &in);
    if (s == NULL) {
        close_screen(s, out, in);
        SKIP("needs the xterm-256color terminfo (ncurses-term)");
    }
    static const enum theme_role kinds[] = {
        THEME_R_HEAP_TUPLE, THEME_R_HEAP_LIST, THEME_R_HEAP_DICT, THEME_R_HEAP_STR,
        THEME_R_HEAP_ARRAY, THEME_R_HEAP_FLOAT, THEME_R_HEAP_BYTECODE,
        THEME_R_HEAP_MODULE, THEME_R_HEAP_OTHER,
    };
    const int nk = (int)(sizeof kinds / sizeof kinds[0]);
    struct theme *d = theme_default();
    int depths[] = {256, 16, 8};
    for (int di = 0; di < 3; di++) {
        CHECK_EQ_INT(theme_apply(d, depths[di], 1), RC_OK);
        int ffg, fbg, kfg[16], kbg;
        pair_of(theme_byte_attr(d, THEME_R_HEAP_FREE, 0), &ffg, &fbg);
        for (int i = 0; i < nk; i++) {
            pair_of(theme_byte_attr(d, kinds[i], 0x41), &kfg[i], &kbg);
            /* free space looks like no object, zero or not */
            int zfg, zbg;
            pair_of(theme_byte_attr(d, kinds[i], 0), &zfg, &zbg);
            CHECK(ffg != kfg[i] || fbg != kbg);
            CHECK(ffg != zfg || fbg != zbg);
        }
        /* each kind its own colour: all nine at 256 and 16 colours; at
         * 8 at least six of them */
        int distinct = 0;
        for (int i = 0; i < nk; i++) {
            int seen = 0;
            for (int j = 0; j < i; j++) {
                seen |= kfg[j] == kfg[i];
            }
            distinct += !seen;
        }
        if (depths[di] >= 16) {
            CHECK_EQ_INT(distinct, nk);
        } else {
            CHECK(distinct >= 6);
        }
        /* free space has its own band at 256 colours */
        if (depths[di] == 256) {
            CHECK(fbg >= 0);
        }
        /* an object's first byte stands out by more than bold */
        attr_t head = theme_attr(d, THEME_R_HEAP_HEAD) & ~A_COLOR;
        CHECK((head & A_BOLD) && (head & (A_UNDERLINE | A_REVERSE)));
    }
    /* no colour: free space dim and italic, heads bold and underlined,
     * none of it like the cursor */
    CHECK_EQ_INT(theme_apply(d, 0, 0), RC_OK);
    attr_t free0 = theme_byte_attr(d, THEME_R_HEAP_FREE, 0);
    for (int i = 0; i < nk; i++) {
        CHECK(free0 != theme_byte_attr(d, kinds[i], 0));
        CHECK(free0 != theme_byte_attr(d, kinds[i], 0x41));
    }
    attr_t head = theme_attr(d, THEME_R_HEAP_HEAD);
    CHECK((head & A_BOLD) && (head & A_UNDERLINE));
    CHECK(head != theme_attr(d, THEME_R_CURSOR));
    theme_free(d);
    close_screen(s, out, in);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    find_root();
    RUN(parse_basic);
    RUN(inherits_default);
    RUN(parse_errors);
    RUN(fixture_errors);
    RUN(degrade);
    RUN(shipped_themes);
    RUN(mono);
    RUN(names);
    RUN(search_and_list);
    RUN(curses_apply);
    RUN(curses_8_colour_terminal);
    RUN(heap_at_a_glance);
    return harness_done("theme");
}
