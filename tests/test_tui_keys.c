/*
 * test_tui_keys.c: the explorer's key table and the help box made from it,
 * and the modes keys move between; no terminal needed.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* A key is bound once: a second line with it would never be reached. */
TEST(each_key_once)
{
    for (size_t i = 0; i < tui_nkeys; i++) {
        CHECK(tui_keys[i].fn != NULL);
        CHECK(tui_keys[i].keys[0] != 0);
        for (size_t k = 0; k < TUI_KEY_MAX && tui_keys[i].keys[k] != 0; k++) {
            int key = tui_keys[i].keys[k];
            for (size_t j = 0; j < tui_nkeys; j++) {
                for (size_t l = 0; l < TUI_KEY_MAX && tui_keys[j].keys[l] != 0; l++) {
                    if ((j != i || l != k) && tui_keys[j].keys[l] == key) {
                        printf("  key %d is on lines %zu and %zu\n", key, i, j);
                        CHECK(0);
                    }
                }
            }
        }
    }
}

/* Every line is told in the help: by its name and words, or by the line
 * above (the first line has a name; only the resize has neither). */
TEST(every_line_told)
{
    CHECK(tui_nkeys > 20);
    CHECK(tui_keys[0].name != NULL);
    size_t untold = 0;
    for (size_t i = 0; i < tui_nkeys; i++) {
        CHECK((tui_keys[i].name == NULL) == (tui_keys[i].help == NULL));
        if (tui_keys[i].name != NULL) {
            CHECK(tui_keys[i].name[0] != 0 && tui_keys[i].help[0] != 0);
            CHECK(strlen(tui_keys[i].name) < 19);
        } else if (tui_keys[i].keys[0] == KEY_RESIZE) {
            untold++;
        }
    }
    CHECK_EQ_INT(untold, 1);
}

static struct tui *new_tui(void)
{
    struct tui *t = calloc(1, sizeof *t);
    static const struct tui_opts o;
    t->o = &o;
    t->mode = &tui_mode_view;
    return t;
}

/* '?' opens the help box, one line per named table line (more where the
 * words go on), the name in its column; '?' again closes it. */
TEST(help_from_table)
{
    struct tui *t = new_tui();
    tui_mode_view.key(t, '?');
    CHECK(t->mode == &tui_mode_help);
    CHECK_STR(t->box_title, "mpeek explorer keys");
    int k = 0;
    for (size_t i = 0; i < tui_nkeys; i++) {
        if (tui_keys[i].name == NULL) {
            continue;
        }
        const char *h = tui_keys[i].help;
        const char *line = t->box[k];
        size_t nl = strlen(tui_keys[i].name);
        CHECK(strncmp(line, tui_keys[i].name, nl) == 0);
        CHECK(strspn(line + nl, " ") == 19 - nl);
        CHECK(strncmp(line + 19, h, strcspn(h, "\n")) == 0);
        k++;
        for (const char *c = strchr(h, '\n'); c != NULL; c = strchr(c + 1, '\n')) {
            CHECK(strspn(t->box[k], " ") == 19);
            CHECK(strncmp(t->box[k] + 19, c + 1, strcspn(c + 1, "\n")) == 0);
            k++;
        }
    }
    CHECK(k + 2 <= TUI_BOX_LINES);
    CHECK_EQ_INT(t->nbox, k + 2);
    CHECK_STR(t->box[k], "");
    CHECK(strstr(t->box[k + 1], "In a box") == t->box[k + 1]);
    int seen = 0;
    for (int i = 0; i < t->nbox; i++) {
        seen |= strncmp(t->box[i], "?  ", 3) == 0 && strstr(t->box[i], "this help") != NULL;
    }
    CHECK(seen);
    /* Keys in the box stay in it; its own key closes it. */
    t->mode->key(t, 'j');
    t->mode->key(t, 'q' + 1);
    CHECK(t->mode == &tui_mode_help && !t->quit);
    t->mode->key(t, '?');
    CHECK(t->mode == &tui_mode_view);
    free(t);
}

/* m and ' wait for a letter: a mark is set, then jumped to. */
TEST(marks)
{
    struct tui *t = new_tui();
    t->cursor = 0x1234;
    tui_mode_view.key(t, 'm');
    CHECK(t->mode == &tui_mode_mark_set);
    t->mode->key(t, 'c');
    CHECK(t->mode == &tui_mode_view);
    CHECK_EQ_INT(t->marks[2], 0x1234);
    CHECK(t->marks_set == 1u << 2);
    CHECK(strstr(t->message, "mark c at 0x00001234") != NULL);
    tui_mode_view.key(t, '\'');
    CHECK(t->mode == &tui_mode_mark_jump);
    t->mode->key(t, 'd');
    CHECK(t->mode == &tui_mode_view);
    CHECK(t->message_error && strstr(t->message, "no mark d") != NULL);
    /* Another key after m is dropped. */
    tui_mode_view.key(t, 'm');
    t->mode->key(t, 'q');
    CHECK(t->mode == &tui_mode_view && !t->quit);
    tui_mode_view.key(t, 'q');
    CHECK(t->quit);
    free(t);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(each_key_once);
    RUN(every_line_told);
    RUN(help_from_table);
    RUN(marks);
    return harness_done("tui_keys");
}
