/*
 * tui_box.c: boxes of text over the hex view: the help ('?', its lines
 * made in tui_keys.c), the legend of colours ('L') and the byte explained
 * ('i').
 *
 * A box is a mode: it takes every key, scrolling or closing it, and never
 * acts on the view below.  q, Esc or the key that opened it closes it.
 * Its title sits in the top border, which of its lines show in the
 * bottom one.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frozen.h"
#include "frozen_notes.h"
#include "heapmap.h"
#include "image.h"
#include "ldscript.h"
#include "rmap.h"
#include "theme.h"
#include "theme_curses.h"
#include "view.h"

/* The rows of text a box shows at once. */
static int box_height(const struct tui *t)
{
    int h = tui_view_height(t) - 2; /* above the info and status lines, less the borders */
    if (h > t->nbox) {
        h = t->nbox;
    }
    return h > 1 ? h : 1;
}

static void box_scroll(struct tui *t, int delta)
{
    int max = t->nbox - box_height(t);
    t->box_top += delta;
    if (t->box_top > max) {
        t->box_top = max;
    }
    if (t->box_top < 0) {
        t->box_top = 0;
    }
}

/* The box: its title in the top border, the lines from box_top, and
 * where they are in the bottom border. */
static void draw_box(struct tui *t)
{
    int w = 4;
    for (int i = 0; i < t->nbox; i++) {
        int l = (int)strlen(t->box[i]) + (t->box_role[i] >= 0 ? 13 : 0) + 4;
        if (l > w) {
            w = l;
        }
    }
    if ((int)strlen(t->box_title) + 8 > w) {
        w = (int)strlen(t->box_title) + 8;
    }
    if (w < 44) {
        w = 44;
    }
    if (w > t->cols) {
        w = t->cols;
    }
    int h = box_height(t);
    box_scroll(t, 0);
    int x0 = (t->cols - w) / 2, y0 = 0;
    if (w < 4 || t->rows < 4) {
        return;
    }
    attr_t box = theme_attr(t->theme, THEME_R_HELP);
    attrset(box);
    mvaddch(y0, x0, ACS_ULCORNER);
    mvhline(y0, x0 + 1, ACS_HLINE, w - 2);
    mvaddch(y0, x0 + w - 1, ACS_URCORNER);
    char title[80];
    snprintf(title, sizeof title, " %s ", t->box_title);
    attrset(box | A_BOLD);
    mvaddnstr(y0, x0 + 2, title, w - 4);
    for (int i = 0; i < h; i++) {
        int y = y0 + 1 + i, k = t->box_top + i;
        attrset(box);
        mvaddch(y, x0, ACS_VLINE);
        for (int x = 1; x < w - 1; x++) {
            mvaddch(y, x0 + x, ' ');
        }
        mvaddch(y, x0 + w - 1, ACS_VLINE);
        if (k >= t->nbox) {
            continue;
        }
        int x = x0 + 2;
        if (t->box_role[k] >= 0) {
            enum theme_role role = (enum theme_role)t->box_role[k];
            attrset(theme_class_attr(t->theme, role, THEME_C_BYTE));
            mvaddnstr(y, x, "4d 41 00 ff", w - 4);
            x += 13;
            attrset(box);
        }
        if (x < x0 + w - 2) {
            mvaddnstr(y, x, t->box[k], x0 + w - 2 - x);
        }
    }
    attrset(box);
    int yb = y0 + 1 + h;
    mvaddch(yb, x0, ACS_LLCORNER);
    mvhline(yb, x0 + 1, ACS_HLINE, w - 2);
    mvaddch(yb, x0 + w - 1, ACS_LRCORNER);
    char foot[96];
    if (t->nbox > h) {
        snprintf(foot, sizeof foot, " %d-%d of %d  j/k/PgDn scroll  q closes ",
                 t->box_top + 1, t->box_top + h, t->nbox);
    } else {
        snprintf(foot, sizeof foot, " q/Esc closes ");
    }
    int fl = (int)strlen(foot);
    mvaddnstr(yb, fl + 2 < w ? x0 + w - 1 - fl : x0 + 1, foot, w - 2);
    attrset(A_NORMAL);
}

void tui_box_add(struct tui *t, const char *fmt, ...)
{
    if (t->nbox == TUI_BOX_LINES) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    t->box_role[t->nbox] = -1;
    vsnprintf(t->box[t->nbox++], sizeof t->box[0], fmt, ap);
    va_end(ap);
}

void tui_box_open(struct tui *t, const struct tui_mode *m, const char *title)
{
    tui_set_mode(t, m);
    t->nbox = 0;
    t->box_top = 0;
    snprintf(t->box_title, sizeof t->box_title, "%s", title);
}

static void box_close(struct tui *t)
{
    tui_set_mode(t, &tui_mode_view);
    t->nbox = 0;
}

void tui_legend_open(struct tui *t)
{
    static const enum theme_role roles[] = {
        THEME_R_FLASH, THEME_R_RAM, THEME_R_ROM, THEME_R_PERIPHERAL,
        THEME_R_HEAP, THEME_R_STACK, THEME_R_FILESYSTEM, THEME_R_PARTITION,
        THEME_R_FROZEN, THEME_R_GC_TABLE, THEME_R_OTHER, THEME_R_HEAP_FREE, THEME_R_HEAP_HEAD,
        THEME_R_HEAP_TUPLE, THEME_R_HEAP_LIST, THEME_R_HEAP_DICT, THEME_R_HEAP_STR,
        THEME_R_HEAP_ARRAY, THEME_R_HEAP_FLOAT, THEME_R_HEAP_BYTECODE,
        THEME_R_HEAP_MODULE, THEME_R_HEAP_OTHER, THEME_R_HEAP_MPEEK, THEME_R_UNREAD, THEME_R_BAD,
        THEME_R_STALE, THEME_R_CHANGED, THEME_R_SEARCH_HIT, THEME_R_DIFF,
        THEME_R_BOUNDARY,
    };
    tui_box_open(t, &tui_mode_legend, "legend of colours");
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        tui_box_add(t, "%s", theme_role_name(roles[i]));
        t->box_role[t->nbox - 1] = (int)roles[i];
    }
}

/* A key in a box: it scrolls it or closes it; so does the key that
 * opened the box (self). */
static void box_key(struct tui *t, int ch, int self)
{
    int h = box_height(t);
    switch (ch) {
    case KEY_UP: case 'k':
        box_scroll(t, -1);
        break;
    case KEY_DOWN: case 'j': case '\n': case '\r': case KEY_ENTER:
        box_scroll(t, 1);
        break;
    case KEY_NPAGE: case ' ': case TUI_CTRL('f'): case TUI_CTRL('d'):
        box_scroll(t, h > 1 ? h - 1 : 1);
        break;
    case KEY_PPAGE: case 'b': case TUI_CTRL('b'): case TUI_CTRL('u'):
        box_scroll(t, -(h > 1 ? h - 1 : 1));
        break;
    case KEY_HOME: case 'g':
        t->box_top = 0;
        break;
    case KEY_END: case 'G':
        box_scroll(t, t->nbox);
        break;
    case KEY_RESIZE:
        tui_relayout(t);
        break;
    case 'q': case TUI_KEY_ESC: case TUI_CTRL('c'):
        box_close(t);
        break;
    default:
        if (ch == self) {
            box_close(t);
        }
        break;
    }
}

static void help_key(struct tui *t, int ch)
{
    box_key(t, ch, '?');
}

static void legend_key(struct tui *t, int ch)
{
    box_key(t, ch, 'L');
}

static void explain_key(struct tui *t, int ch)
{
    box_key(t, ch, 'i');
}

const struct tui_mode tui_mode_help = {NULL, draw_box, help_key};
const struct tui_mode tui_mode_legend = {NULL, draw_box, legend_key};
const struct tui_mode tui_mode_explain = {NULL, draw_box, explain_key};

/* 'i': the byte under the cursor as a chain: region -> ... -> heap object
 * -> what it holds. */
void tui_explain_open(struct tui *t)
{
    char title[40];
    snprintf(title, sizeof title, "the byte at 0x%08x", (unsigned)t->cursor);
    tui_box_open(t, &tui_mode_explain, title);
    const struct rmap_region *r = rmap_lookup(t->o->map, t->cursor);
    if (r == NULL) {
        tui_box_add(t, "  in no known region");
    }
    for (; r != NULL; r = r->parent >= 0 ? rmap_get(t->o->map, (size_t)r->parent) : NULL) {
        char size[24];
        view_size_text(r->end - r->start, size, sizeof size);
        tui_box_add(t, "  in %s +0x%x: %s, %s, from the %s", r->name,
                    (unsigned)(t->cursor - r->start), rmap_kind_name(r->kind), size,
                    rmap_source_name(r->source));
        if (r->notes[0]) {
            tui_box_add(t, "     %s", r->notes);
        }
    }
    if (t->o->ld != NULL) {
        /* The nearest linker symbol at or below the cursor. */
        const struct ldscript_symbol *best = NULL;
        for (size_t i = 0; i < ldscript_symbol_count(t->o->ld); i++) {
            const struct ldscript_symbol *sy = ldscript_symbol(t->o->ld, i);
            if (sy->known && sy->value <= t->cursor &&
                (best == NULL || sy->value > best->value)) {
                best = sy;
            }
        }
        if (best != NULL) {
            tui_box_add(t, "  after symbol %s (0x%08llx) +0x%llx", best->name,
                        (unsigned long long)best->value,
                        (unsigned long long)(t->cursor - best->value));
        }
    }
    if (t->o->nimages > 0) {
        const struct image_sym *sy = NULL;
        char txt[200];
        uint8_t b = 0;
        size_t k = 0;
        tui_cursor_symbol(t, t->cursor, txt, sizeof txt, &sy);
        if (sy != NULL) {
            tui_box_add(t, "  in symbol %s: %s at 0x%08x, %u bytes", txt,
                        tui_sym_type_name(sy->type), (unsigned)sy->addr, (unsigned)sy->size);
        } else if (txt[0]) {
            tui_box_add(t, "  after symbol %s (no sized symbol covers it)", txt + 1);
        }
        if (tui_image_at(t, t->cursor, &b, &k) != NULL) {
            tui_box_add(t, "  image %s holds 0x%02x here", tui_base_name(t->o->images[k]->path), b);
        } else {
            tui_box_add(t, "  no image holds this byte");
        }
    }
    {
        size_t k = 0;
        const struct frozen_mod *m = tui_module_at(t, t->cursor, &k);
        if (m != NULL) {
            const struct frozen_notes *ns = tui_module_notes(t, k);
            const struct frozen_note *n = ns != NULL ? frozen_note_at(ns, t->cursor) : NULL;
            tui_box_add(t, "  frozen module %s (%s, %u bytes at 0x%08x)", m->name,
                        m->source ? "source" : "bytecode", (unsigned)m->size, (unsigned)m->addr);
            if (n != NULL) {
                tui_box_add(t, "     %.140s", n->text);
            }
        }
    }
    struct heapmap_hit hit;
    if (tui_heapmap(t) != NULL && heapmap_lookup(tui_heapmap(t), t->cursor, &hit) == RC_OK) {
        if (hit.state == HEAPMAP_FREE) {
            tui_box_add(t, "  heap: a free block (a run of %u blocks from 0x%08x)",
                        (unsigned)hit.obj_blocks, (unsigned)hit.head_addr);
        } else {
            tui_box_add(t, "  heap: %s of a %u-block %s at 0x%08x, offset %u",
                        hit.block_addr == hit.head_addr ? "head" : "tail",
                        (unsigned)hit.obj_blocks, heapmap_kind_name(hit.kind),
                        (unsigned)hit.head_addr, (unsigned)(t->cursor - hit.head_addr));
        }
    }
    struct view_values v;
    struct view_provider prov = {tui_provide, t};
    view_values(&prov, t->o->map, t->cursor, &v);
    const char *stale = v.stale ? " (stale: read before the board went away)" : "";
    if (v.have_u32) {
        tui_box_add(t, "  value: u8 0x%02x, u16 0x%04x, u32 0x%08x%s%s%s", v.u8, v.u16,
                    (unsigned)v.u32, v.target ? " -> " : v.u32 == 0 ? " (NULL)" : "",
                    v.target ? v.target->name : "", stale);
    } else if (v.have_u8) {
        tui_box_add(t, "  value: u8 0x%02x%s", v.u8, stale);
    } else {
        uint8_t b = 0;
        int st = tui_provide(t, t->cursor, &b);
        struct rc_msg why = {{0}};
        int word;
        if (st == VIEW_BYTE_OUTSIDE && t->o->rrepl != NULL &&
            rmap_check_read(t->o->map, t->cursor, 1, &word, &why) != RC_OK) {
            tui_box_add(t, "  value: not read, and never will be:");
            /* The reason, wrapped at about 70 columns. */
            const char *w = why.text;
            while (*w != 0) {
                size_t n = strlen(w);
                if (n > 70) {
                    n = 70;
                    while (n > 30 && w[n] != ' ') {
                        n--;
                    }
                }
                tui_box_add(t, "     %.*s", (int)n, w);
                w += n;
                while (*w == ' ') {
                    w++;
                }
            }
        } else if (st == VIEW_BYTE_OUTSIDE && t->o->rrepl == NULL && !t->image_only) {
            tui_box_add(t, "  value: not read: no board");
        } else {
            tui_box_add(t, "  value: %s", view_byte_text(st));
        }
    }
}
