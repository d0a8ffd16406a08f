/*
 * test_theme_curses.c: a theme on the curses screen (theme_curses.h):
 * attributes before and after theme_apply(), colour pairs at 256, 16 and 8
 * colours and without colour, on screens written to /dev/null.
 */
#include "theme_curses.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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


/* Before theme_apply(), and for bad roles: the attributes alone. */
TEST(attrs_before_apply)
{
    struct theme *m = theme_mono();
    CHECK(m != NULL);
    /* before theme_apply, theme_attr gives the attributes alone */
    CHECK_EQ_INT(theme_attr(m, THEME_R_CHANGED), A_BOLD | A_UNDERLINE);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 0x00), A_DIM);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 0xFF), A_DIM);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 'A'), A_BOLD);
    CHECK_EQ_INT(theme_byte_attr(m, THEME_R_FLASH, 0x80), A_NORMAL);
    theme_free(m);
    struct theme *d = theme_default();
    CHECK_EQ_INT(theme_attr(d, THEME_R_COUNT), A_NORMAL);
    CHECK_EQ_INT(theme_attr(NULL, THEME_R_TEXT), A_NORMAL);
    theme_free(d);
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
    RUN(attrs_before_apply);
    RUN(curses_apply);
    RUN(curses_8_colour_terminal);
    RUN(heap_at_a_glance);
    return harness_done("theme_curses");
}
