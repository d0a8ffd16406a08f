/*
 * tui_keys.c: the plain hex view's keys, and the help box made from them.
 *
 * One table holds every key the plain view takes: the key codes, the name
 * and words the help box shows, and the handler.  The help box ('?') is
 * the table printed in order, so a key cannot be added without its help
 * line, nor a help line left behind when a key goes.  A table line with no
 * name is told in the help line above it (B's line tells '='); the one
 * exception is the terminal's resize, not a key anybody presses.
 *
 * Also here: the two modes waiting for a mark's letter after m and '.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "heapmap.h"
#include "rmap.h"
#include "view.h"
#include "worker.h"

/* The help box: the key names in a column this wide, then the words. */
#define HELP_KEY_WIDTH 19

/* ---- moving ----------------------------------------------------------- */

static void key_move(struct tui *t, int ch)
{
    switch (ch) {
    case KEY_LEFT: case 'h':
        tui_move_to(t, view_step(t->space, t->cursor, -1));
        break;
    case KEY_RIGHT: case 'l':
        tui_move_to(t, view_step(t->space, t->cursor, 1));
        break;
    case KEY_UP: case 'k':
        tui_move_to(t, view_move_rows(t->space, t->cursor, -1, -1));
        break;
    default: /* KEY_DOWN, 'j' */
        tui_move_to(t, view_move_rows(t->space, t->cursor, 1, -1));
        break;
    }
}

static void key_page(struct tui *t, int ch)
{
    int h = tui_view_height(t);
    int down = ch == KEY_NPAGE || ch == ' ';
    tui_move_to(t, view_move_rows(t->space, t->cursor, down ? h - 1 : -(h - 1), -1));
}

/* g / G: the first / last byte of the cursor's region. */
static void key_region_ends(struct tui *t, int ch)
{
    uint32_t first, last;
    if (view_region_bounds(t->o->map, t->cursor, &first, &last) == RC_OK) {
        tui_move_to(t, ch == 'g' ? first : last);
    } else {
        tui_say(t, 1, "the cursor is in no region");
    }
}

/* Home / End: the first / last address of the map. */
static void key_map_ends(struct tui *t, int ch)
{
    struct view_row r;
    if (ch == KEY_HOME) {
        if (view_row_at(t->space, 0, &r) == RC_OK) {
            tui_move_to(t, r.addr);
        }
        return;
    }
    uint64_t n = view_row_count(t->space);
    if (n > 0 && view_row_at(t->space, n - 1, &r) == RC_OK) {
        tui_move_to(t, (uint32_t)(r.end - 1));
    }
}

static void key_next_region(struct tui *t, int ch)
{
    uint32_t a;
    if ((ch == '\t' ? view_next_region(t->o->map, t->cursor, &a)
                    : view_prev_region(t->o->map, t->cursor, &a)) == RC_OK) {
        tui_jump_to(t, a);
    }
}

static void key_goto(struct tui *t, int ch)
{
    (void)ch;
    tui_prompt_open(t, &tui_mode_goto);
}

/* '!': a line of Python for the board; '@': the goto prompt at '@'. */
static void key_python(struct tui *t, int ch)
{
    if (ch == '!') {
        tui_prompt_open(t, &tui_mode_python);
        return;
    }
    tui_prompt_open(t, &tui_mode_goto);
    t->input[0] = '@';
    t->input[1] = 0;
    t->ninput = 1;
}

/* 'O': the object panel. */
static void key_object(struct tui *t, int ch)
{
    (void)ch;
    tui_obj_open(t);
}

/* 'D': the disassembly pane. */
static void key_dis(struct tui *t, int ch)
{
    (void)ch;
    tui_dis_open(t);
}

/* 'H': the heap picture. */
static void key_heap(struct tui *t, int ch)
{
    (void)ch;
    tui_heap_open(t);
}

/* 'I': the data inspector on or off. */
static void key_inspect(struct tui *t, int ch)
{
    (void)ch;
    t->inspect = !t->inspect;
    if (t->inspect) {
        tui_py_layout(t);
    }
    tui_relayout(t);
}

static void key_search(struct tui *t, int ch)
{
    (void)ch;
    tui_prompt_open(t, &tui_mode_search);
}

static void key_next_match(struct tui *t, int ch)
{
    tui_start_search(t, ch == 'n' ? 1 : -1, 1);
}

static void key_follow(struct tui *t, int ch)
{
    struct view_provider prov = {tui_provide, t};
    struct rc_msg msg = {{0}};
    uint32_t a;
    (void)ch;
    if (view_follow(&prov, t->cursor, &a, &msg) == RC_OK) {
        tui_jump_to(t, a);
    } else {
        tui_say(t, 1, "%s", msg.text);
    }
}

/* ---- layout ----------------------------------------------------------- */

static void key_bpr(struct tui *t, int ch)
{
    (void)ch;
    t->bpr_choice = view_next_bpr(view_space_bpr(t->space));
    tui_relayout(t);
}

static void key_group(struct tui *t, int ch)
{
    (void)ch;
    t->group = t->group == 4 ? 8 : 4;
    tui_relayout(t);
    tui_say(t, 0, "bytes grouped in %us", t->group);
}

static void key_resize(struct tui *t, int ch)
{
    (void)ch;
    tui_relayout(t);
}

/* ---- panels and boxes ------------------------------------------------- */

static void key_regions(struct tui *t, int ch)
{
    (void)ch;
    tui_regions_open(t);
}

static void key_heap_head(struct tui *t, int ch)
{
    struct heapmap_hit hit;
    (void)ch;
    if (tui_heapmap(t) != NULL && heapmap_lookup(tui_heapmap(t), t->cursor, &hit) == RC_OK &&
        hit.state != HEAPMAP_FREE && !hit.orphan) {
        tui_jump_to(t, hit.head_addr);
        tui_say(t, 0, "head of a %u-block %s", (unsigned)hit.obj_blocks,
                heapmap_kind_name(hit.kind));
    } else {
        tui_say(t, 1, "no heap object under the cursor");
    }
}

static void key_explain(struct tui *t, int ch)
{
    (void)ch;
    tui_explain_open(t);
}

static void key_watch(struct tui *t, int ch)
{
    (void)ch;
    if (t->worker == NULL) {
        tui_say(t, 1, "no board: nothing to watch");
        return;
    }
    t->watch = !t->watch;
    t->last_refresh = 0;
    tui_say(t, 0, t->watch ? "live watch on: the visible rows are re-read"
                           : "live watch off");
}

static void key_legend(struct tui *t, int ch)
{
    (void)ch;
    tui_legend_open(t);
}

static void key_mouse(struct tui *t, int ch)
{
    MEVENT ev;
    (void)ch;
    if (getmouse(&ev) != OK) {
        return;
    }
    if (ev.bstate & BUTTON4_PRESSED) {
        tui_move_to(t, view_move_rows(t->space, t->cursor, -3, -1));
    } else if (ev.bstate & BUTTON5_PRESSED) {
        tui_move_to(t, view_move_rows(t->space, t->cursor, 3, -1));
    } else if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) {
        unsigned bpr = view_space_bpr(t->space);
        struct view_row r;
        if (ev.y < tui_view_height(t) &&
            view_row_at(t->space, t->top + (uint64_t)ev.y, &r) == RC_OK) {
            uint32_t at = r.addr;
            for (unsigned i = 0; !r.gap && i < bpr; i++) {
                unsigned hc = view_hex_col(bpr, t->group, i);
                unsigned ac = view_ascii_col(bpr, t->group, i);
                if ((unsigned)ev.x == hc || (unsigned)ev.x == hc + 1 ||
                    (unsigned)ev.x == ac) {
                    at = r.addr + i;
                }
            }
            tui_move_to(t, at);
        }
    }
}

static void key_symbols(struct tui *t, int ch)
{
    (void)ch;
    if (t->nsyms == 0) {
        tui_say(t, 1, t->o->nimages == 0 ? "no symbols: give the firmware's ELF with --image"
                                         : "the images have no symbols (a .hex or .bin has "
                                           "none: give the ELF)");
        return;
    }
    tui_symbols_open(t);
}

static void key_frozen(struct tui *t, int ch)
{
    (void)ch;
    if (tui_nfrozen(t) == 0) {
        tui_say(t, 1, t->nsyms == 0 ? "no frozen modules known: they are found through "
                                      "symbols; give the firmware's ELF with --image"
                                    : "the image has no frozen modules");
        return;
    }
    tui_frozen_open(t);
}

/* ---- comparing with the images ---------------------------------------- */

static void key_diff(struct tui *t, int ch)
{
    (void)ch;
    if (t->o->nimages == 0 || t->nranges == 0) {
        tui_say(t, 1, "no image to compare with: give one with --image FILE");
    } else if (t->image_only) {
        tui_say(t, 1, "there is no board to compare with the image (mpeek --image FILE "
                "with a board compares them)");
    } else {
        t->diff = !t->diff;
        tui_say(t, 0, t->diff ? "diff on: bytes that differ from the image stand out; "
                                ") / ( next / previous difference"
                              : "diff off");
    }
}

static void key_next_diff(struct tui *t, int ch)
{
    tui_start_diff(t, ch == ')' ? 1 : -1);
}

/* ---- marks, history, selection ------------------------------------------ */

static void key_mark(struct tui *t, int ch)
{
    tui_set_mode(t, ch == 'm' ? &tui_mode_mark_set : &tui_mode_mark_jump);
}

static void key_back(struct tui *t, int ch)
{
    (void)ch;
    tui_back(t);
}

void tui_back(struct tui *t)
{
    if (t->nback > 0) {
        if (t->nfwd < 64) {
            t->fwd[t->nfwd++] = t->cursor;
        }
        tui_move_to(t, t->back[--t->nback]);
    }
}

static void key_forward(struct tui *t, int ch)
{
    (void)ch;
    if (t->nfwd > 0) {
        if (t->nback < 64) {
            t->back[t->nback++] = t->cursor;
        }
        tui_move_to(t, t->fwd[--t->nfwd]);
    }
}

static void key_select(struct tui *t, int ch)
{
    (void)ch;
    if (t->sel != 1) {
        t->sel = 1;
        t->sel_a = t->cursor;
        tui_say(t, 0, "selecting from 0x%08x: move, then v again to save",
                (unsigned)t->cursor);
    } else {
        uint32_t a0 = t->sel_a < t->cursor ? t->sel_a : t->cursor;
        uint32_t b0 = t->sel_a < t->cursor ? t->cursor : t->sel_a;
        t->sel = 2;
        t->sel_a = a0;
        t->sel_b = b0;
        tui_prompt_open(t, &tui_mode_save);
    }
}

/* ---- the rest ----------------------------------------------------------- */

static void key_cancel(struct tui *t, int ch)
{
    (void)ch;
    if (t->worker != NULL) {
        worker_cancel(t->worker);
    }
    t->searching = 0;
    t->diffing = 0;
    t->exporting = 0;
    t->obj_state = 0;
    t->sel = 0;
    t->have_hit = 0;
    tui_say(t, 0, "cancelled");
}

static void key_help(struct tui *t, int ch)
{
    (void)ch;
    tui_help_open(t);
}

static void key_quit(struct tui *t, int ch)
{
    (void)ch;
    t->quit = 1;
}

const struct tui_key tui_keys[] = {
    {"arrows, h j k l", "move the cursor", key_move,
     {KEY_LEFT, 'h', KEY_RIGHT, 'l', KEY_UP, 'k', KEY_DOWN, 'j'}},
    {"PgUp PgDn, b Space", "page up / down", key_page, {KEY_PPAGE, KEY_NPAGE, 'b', ' '}},
    {"g / G", "start / end of the current region", key_region_ends, {'g', 'G'}},
    {"Home / End", "first / last address of the map", key_map_ends, {KEY_HOME, KEY_END}},
    {"Tab / Shift-Tab", "next / previous region", key_next_region, {'\t', KEY_BTAB}},
    {": or Ctrl-G", "go to: 0x.., decimal, REGION, REGION+OFF, symbol, . +/-,\n"
                    "@EXPR (Tab completes region and symbol names)", key_goto,
     {':', TUI_CTRL('g')}},
    {"! / @", "run a line of Python on the board (what it prints shows in\n"
              "a box; the view reads again) / go to the object a name or\n"
              "expression refers to (:@x also)", key_python, {'!', '@'}},
    {"/", "search: hex bytes (de ad ?? ef), \"text\", or plain\n"
          "text; the whole match lights up", key_search, {'/'}},
    {"n / N", "next / previous match (wraps round, saying so)", key_next_match, {'n', 'N'}},
    {"f", "follow the 32-bit value under the cursor as an address", key_follow, {'f'}},
    {"B", "bytes per row: 8, 16, 32;  =  group by 4 or 8", key_bpr, {'B'}},
    {NULL, NULL, key_group, {'='}},
    {"p", "region panel (Enter jumps, v saves the region)", key_regions, {'p'}},
    {"o", "jump to the head of the heap object under the cursor", key_heap_head, {'o'}},
    {"i", "explain the byte: region chain, heap object, value", key_explain, {'i'}},
    {"O", "object panel: the object under the cursor decoded (type,\n"
          "fields, items, value); Enter follows a pointer, [ back", key_object, {'O'}},
    {"H", "heap picture: a cell per block by kind, free runs; Enter goes\n"
          "to a block, r reads the heap again (live with w)", key_heap, {'H'}},
    {"I", "data inspector: the bytes at the cursor as u8..i32 (both\n"
          "orders), float32, and as an object word", key_inspect, {'I'}},
    {"w", "live watch (WATCH on the status line): changes light up", key_watch, {'w'}},
    {"m a-z / ' a-z", "set a mark / jump to it;  [ / ]  back / forward", key_mark,
     {'m', '\''}},
    {NULL, NULL, key_back, {'['}},
    {NULL, NULL, key_forward, {']'}},
    {"v ... v", "select a range and save it (raw, or xxd for .hex/.txt)", key_select, {'v'}},
    {"L", "legend of colours;  mouse: wheel scrolls, click moves", key_legend, {'L'}},
    {NULL, NULL, key_mouse, {KEY_MOUSE}},
    {"S", "symbol list of the images: type to filter, Enter jumps", key_symbols, {'S'}},
    {"F", "frozen modules (Enter jumps to the bytecode)", key_frozen, {'F'}},
    {"D", "disassembly pane: the bytecode at the cursor; j k by instruction,\n"
          "Enter follows a jump or a child function, [ back", key_dis, {'D'}},
    {"d", "diff: board bytes that differ from the image stand out", key_diff, {'d'}},
    {") / (", "next / previous byte that differs from the image", key_next_diff,
     {')', '('}},
    {"Esc", "cancel reads, search, prompt; close a panel or box", key_cancel,
     {TUI_KEY_ESC}},
    {"?", "this help", key_help, {'?'}},
    {"q", "quit (the board is left at its >>> prompt);\n"
          "in a box or panel, q closes it", key_quit, {'q'}},
    /* Not a key anybody presses: the terminal changed size. */
    {NULL, NULL, key_resize, {KEY_RESIZE}},
};

const size_t tui_nkeys = sizeof tui_keys / sizeof tui_keys[0];

/* The plain view: the key's line of the table, if any, handles it. */
static void view_key(struct tui *t, int ch)
{
    for (size_t i = 0; i < tui_nkeys; i++) {
        for (const int *k = tui_keys[i].keys; k < tui_keys[i].keys + TUI_KEY_MAX && *k != 0; k++) {
            if (*k == ch) {
                tui_keys[i].fn(t, ch);
                return;
            }
        }
    }
}

const struct tui_mode tui_mode_view = {NULL, NULL, view_key};

void tui_help_open(struct tui *t)
{
    tui_box_open(t, &tui_mode_help, "mpeek explorer keys");
    for (size_t i = 0; i < tui_nkeys; i++) {
        const char *name = tui_keys[i].name, *h = tui_keys[i].help;
        if (name == NULL) {
            continue;
        }
        for (;;) {
            const char *nl = strchr(h, '\n');
            int n = nl != NULL ? (int)(nl - h) : (int)strlen(h);
            tui_box_add(t, "%-*s%.*s", HELP_KEY_WIDTH, name, n, h);
            if (nl == NULL) {
                break;
            }
            name = "";
            h = nl + 1;
        }
    }
    tui_box_add(t, "%s", "");
    tui_box_add(t, "%s", "In a box like this one: j k arrows PgUp PgDn Space b g G scroll.");
}

/* ---- marks: m or ' then a letter ---------------------------------------- */

/* The letter after m or ' (any other key is dropped). */
static void mark_key(struct tui *t, int ch, int set)
{
    tui_set_mode(t, &tui_mode_view);
    if (ch < 'a' || ch > 'z') {
        return;
    }
    unsigned i = (unsigned)(ch - 'a');
    if (set) {
        t->marks[i] = t->cursor;
        t->marks_set |= 1u << i;
        tui_say(t, 0, "mark %c at 0x%08x", ch, (unsigned)t->cursor);
    } else if (t->marks_set & (1u << i)) {
        tui_jump_to(t, t->marks[i]);
    } else {
        tui_say(t, 1, "no mark %c (set one with m%c)", ch, ch);
    }
}

static void mark_set_key(struct tui *t, int ch)
{
    mark_key(t, ch, 1);
}

static void mark_jump_key(struct tui *t, int ch)
{
    mark_key(t, ch, 0);
}

const struct tui_mode tui_mode_mark_set = {NULL, NULL, mark_set_key};
const struct tui_mode tui_mode_mark_jump = {NULL, NULL, mark_jump_key};
