/*
 * test_theme.c: theme files (format, errors, inheritance, byte classes),
 * colour degradation, the shipped themes, where themes are found.  Pure:
 * no curses (test_theme_curses.c tests the curses side).
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

/* How a role is drawn on a terminal of so many colours, without one. */
TEST(term_spec)
{
    struct theme *d = theme_default();
    CHECK(d != NULL);
    struct theme_term t256 = {256, 1, 0}, t16 = {16, 1, 0}, t8 = {8, 1, 0};
    int fg, bg;
    unsigned a;

    CHECK_EQ_INT(theme_term_spec(d, &t256, THEME_R_FLASH, THEME_C_BASE, &fg,
                                 &bg, &a), RC_OK);
    CHECK_EQ_INT(fg, 80);
    CHECK_EQ_INT(bg, -1);
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(theme_term_spec(d, &t256, THEME_R_FLASH, THEME_C_ZERO, &fg,
                                 &bg, &a), RC_OK);
    CHECK_EQ_INT(a, THEME_A_DIM);
    theme_term_spec(d, &t16, THEME_R_FLASH, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 14);
    theme_term_spec(d, &t16, THEME_R_UNMAPPED, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 8); /* grey 240 kept off the dark background */
    theme_term_spec(d, &t8, THEME_R_FLASH, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 6);
    CHECK_EQ_INT(bg, -1);
    theme_term_spec(d, &t8, THEME_R_BAD, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 7);
    CHECK_EQ_INT(bg, 1);
    CHECK_EQ_INT(a, THEME_A_BOLD);
    theme_term_spec(d, &t8, THEME_R_UNREAD, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 7); /* dark grey 239: white, dimmed */
    CHECK_EQ_INT(a, THEME_A_DIM);

    /* direct colour: palette colours above 7 as RGB */
    struct theme_term direct = {256, 1, 1};
    theme_term_spec(d, &direct, THEME_R_FLASH, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 0x5fd7d7);
    CHECK_EQ_INT(bg, -1);

    /* no default colours: the background's own colours are asked for */
    struct theme_term nodef = {256, 0, 0};
    theme_term_spec(d, &nodef, THEME_R_TEXT, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 7);
    CHECK_EQ_INT(bg, 0);
    struct theme *l;
    struct rc_msg msg;
    CHECK_EQ_INT(parse("background = light\n", &l, &msg), RC_OK);
    theme_term_spec(l, &nodef, THEME_R_TEXT, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 0);
    CHECK_EQ_INT(bg, 7);
    theme_term_spec(l, &t8, THEME_R_UNREAD, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 0);
    theme_free(l);

    /* the same colour twice after degrading: readable text */
    struct theme *red;
    CHECK_EQ_INT(parse("text = 196 160 bold\n", &red, &msg), RC_OK);
    theme_term_spec(red, &t8, THEME_R_TEXT, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 7);
    CHECK_EQ_INT(bg, 1);
    theme_term_spec(red, &t256, THEME_R_TEXT, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, 196);
    CHECK_EQ_INT(bg, 160);
    theme_free(red);

    /* no colour: the mono attributes, or a colourless theme's own */
    struct theme_term none = {0, 1, 0};
    theme_term_spec(d, &none, THEME_R_CHANGED, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(fg, -1);
    CHECK_EQ_INT(bg, -1);
    CHECK_EQ_INT(a, THEME_A_BOLD | THEME_A_UNDERLINE);
    theme_term_spec(d, &none, THEME_R_BAD, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(a, THEME_A_REVERSE);
    struct theme *plain;
    const char *all_default =
        "text = default\naddr = default\naddr-cursor = default\n"
        "ascii = default\ngap = default\nunread = default\nbad = default\n"
        "stale = default\nchanged = default italic\nchanged-fade = default\n"
        "cursor = default\nmark = default\nboundary = default\n"
        "symbol = default\nstatus = default\nstatus-error = default\n"
        "status-busy = default\nheader = default\npanel = default\n"
        "panel-selected = default\nlegend = default\nhelp = default\n"
        "search-hit = default\nheap-head = default\ndiff = default\n"
        "flash = default\nram = default\nrom = default\n"
        "peripheral = default\nheap = default\nstack = default\n"
        "filesystem = default\npartition = default\nfrozen = default\n"
        "unmapped = default\nother = default\ngc-table = default\n"
        "heap-free = default\n"
        "heap-tuple = default\nheap-list = default\nheap-dict = default\n"
        "heap-str = default\nheap-array = default\nheap-float = default\n"
        "heap-bytecode = default\nheap-module = default\n"
        "heap-other = default\nheap-mpeek = default\n";
    CHECK_EQ_INT(parse(all_default, &plain, &msg), RC_OK);
    CHECK(!theme_has_color(plain));
    theme_term_spec(plain, &none, THEME_R_CHANGED, THEME_C_BASE, &fg, &bg, &a);
    CHECK_EQ_INT(a, THEME_A_ITALIC);
    theme_free(plain);

    /* NULL out pointers are fine; bad arguments are RC_ARG */
    CHECK_EQ_INT(theme_term_spec(d, &t8, THEME_R_TEXT, THEME_C_BASE, NULL,
                                 NULL, NULL), RC_OK);
    CHECK_EQ_INT(theme_term_spec(NULL, &t8, THEME_R_TEXT, THEME_C_BASE, &fg,
                                 &bg, &a), RC_ARG);
    CHECK_EQ_INT(theme_term_spec(d, NULL, THEME_R_TEXT, THEME_C_BASE, &fg,
                                 &bg, &a), RC_ARG);
    CHECK_EQ_INT(theme_term_spec(d, &t8, THEME_R_COUNT, THEME_C_BASE, &fg,
                                 &bg, &a), RC_ARG);
    CHECK_EQ_INT(theme_term_spec(d, &t8, THEME_R_TEXT, THEME_C_COUNT, &fg,
                                 &bg, &a), RC_ARG);
    theme_free(d);
}

/* What is drawn now: pair 0 and the role's own attributes until set. */
TEST(drawn)
{
    struct theme *d = theme_default();
    CHECK(d != NULL);
    int pair = -5;
    unsigned a = 999;
    CHECK_EQ_INT(theme_drawn(d, THEME_R_CHANGED, THEME_C_BASE, &pair, &a),
                 RC_OK);
    CHECK_EQ_INT(pair, 0);
    CHECK_EQ_INT(a, THEME_A_BOLD);
    theme_drawn(d, THEME_R_FLASH, THEME_C_FF, &pair, &a);
    CHECK_EQ_INT(a, THEME_A_DIM);
    theme_drawn(d, THEME_R_FLASH, THEME_C_PRINT, &pair, &a);
    CHECK_EQ_INT(a, THEME_A_BOLD);

    CHECK_EQ_INT(theme_set_drawn(d, THEME_R_FLASH, THEME_C_PRINT, 12,
                                 THEME_A_UNDERLINE), RC_OK);
    theme_drawn(d, THEME_R_FLASH, THEME_C_PRINT, &pair, &a);
    CHECK_EQ_INT(pair, 12);
    CHECK_EQ_INT(a, THEME_A_UNDERLINE);
    theme_drawn(d, THEME_R_FLASH, THEME_C_BASE, &pair, &a);
    CHECK_EQ_INT(pair, 0); /* the other classes keep theirs */
    /* what the theme says is not changed by how it is drawn */
    int fg;
    theme_get_class(d, THEME_R_FLASH, THEME_C_PRINT, &fg, NULL, &a);
    CHECK_EQ_INT(fg, 80);
    CHECK_EQ_INT(a, THEME_A_BOLD);

    CHECK_EQ_INT(theme_set_drawn(d, THEME_R_FLASH, THEME_C_PRINT, -1, 0),
                 RC_ARG);
    theme_drawn(d, THEME_R_FLASH, THEME_C_PRINT, &pair, &a);
    CHECK_EQ_INT(pair, 12);
    CHECK_EQ_INT(theme_set_drawn(d, THEME_R_COUNT, THEME_C_BASE, 1, 0), RC_ARG);
    CHECK_EQ_INT(theme_set_drawn(NULL, THEME_R_TEXT, THEME_C_BASE, 1, 0),
                 RC_ARG);
    CHECK_EQ_INT(theme_drawn(d, THEME_R_TEXT, THEME_C_COUNT, &pair, &a), RC_ARG);
    CHECK_EQ_INT(theme_drawn(NULL, THEME_R_TEXT, THEME_C_BASE, &pair, &a),
                 RC_ARG);
    CHECK_EQ_INT(theme_drawn(d, THEME_R_TEXT, THEME_C_BASE, NULL, NULL), RC_OK);
    theme_free(d);
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
    RUN(term_spec);
    RUN(drawn);
    return harness_done("theme");
}
