/*
 * tui_panel.c: the panels over the hex view: the regions ('p'), the
 * symbol list of the images ('S', typing filters it) and the frozen
 * modules ('F').
 *
 * A panel is a mode: it takes every key until Enter jumps to its
 * selected line or Esc closes it.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "frozen.h"
#include "image.h"
#include "rmap.h"
#include "theme.h"
#include "theme_curses.h"
#include "view.h"

/* ---- the regions -------------------------------------------------------- */

static void draw_regions(struct tui *t)
{
    size_t n = rmap_count(t->o->map);
    int w = t->cols - 2 < 100 ? t->cols - 2 : 100;
    int h = t->rows - 3;
    if (n == 0 || h <= 0) {
        return;
    }
    if (t->panel_sel >= n) {
        t->panel_sel = n - 1;
    }
    size_t first = t->panel_sel >= (size_t)h ? t->panel_sel - (size_t)h + 1 : 0;
    for (int i = 0; i < h && first + (size_t)i < n; i++) {
        struct view_panel_row pr;
        if (view_panel_row(t->o->map, first + (size_t)i, 16, &pr) != RC_OK) {
            continue;
        }
        char line[256];
        snprintf(line, sizeof line, " %-22s %s %9s %-4s %-10s %s", pr.label,
                 pr.start, pr.size, pr.attrs, pr.kind, pr.bar);
        attrset(theme_attr(t->theme, first + (size_t)i == t->panel_sel
                                         ? THEME_R_PANEL_SELECTED
                                         : THEME_R_PANEL));
        move(1 + i, 0);
        for (int x = 0; x < w + 1; x++) {
            addch(' ');
        }
        mvaddnstr(1 + i, 0, line, w);
    }
    attrset(A_NORMAL);
}

static void regions_key(struct tui *t, int ch)
{
    size_t n = rmap_count(t->o->map);
    switch (ch) {
    case KEY_UP: case 'k':
        if (t->panel_sel > 0) {
            t->panel_sel--;
        }
        return;
    case KEY_DOWN: case 'j':
        if (t->panel_sel + 1 < n) {
            t->panel_sel++;
        }
        return;
    case '\n': case '\r': case KEY_ENTER:
        tui_set_mode(t, &tui_mode_view);
        if (t->panel_sel < n) {
            tui_jump_to(t, rmap_get(t->o->map, t->panel_sel)->start);
        }
        return;
    case 'v':
        if (t->panel_sel < n) {
            const struct rmap_region *r = rmap_get(t->o->map, t->panel_sel);
            t->sel = 2;
            t->sel_a = r->start;
            t->sel_b = (uint32_t)(r->end - 1);
            tui_prompt_open(t, &tui_mode_save);
        }
        return;
    case TUI_KEY_ESC: case 'p': case 'q':
        tui_set_mode(t, &tui_mode_view);
        return;
    default:
        return;
    }
}

const struct tui_mode tui_mode_regions = {NULL, draw_regions, regions_key};

void tui_regions_open(struct tui *t)
{
    tui_set_mode(t, &tui_mode_regions);
    view_panel_find(t->o->map, t->cursor, &t->panel_sel);
}

/* ---- the symbol list and the frozen modules ------------------------------ */

/* A line of a list panel, as wide as w. */
static void panel_line(struct tui *t, int y, int w, const char *text, enum theme_role role)
{
    attrset(theme_attr(t->theme, role));
    move(y, 0);
    for (int x = 0; x < w + 1; x++) {
        addch(' ');
    }
    mvaddnstr(y, 0, text, w);
}

static void draw_symbols(struct tui *t)
{
    int w = t->cols - 2 < 110 ? t->cols - 2 : 110;
    int h = tui_list_height(t);
    char line[400];
    snprintf(line, sizeof line, " symbols: %zu of %zu   filter: %s_   (type to filter, "
             "Enter jumps, Esc closes)", t->nsym_idx, t->nsyms, t->sfilter);
    panel_line(t, 0, w, line, THEME_R_HEADER);
    if (t->spanel_sel >= t->nsym_idx) {
        t->spanel_sel = t->nsym_idx > 0 ? t->nsym_idx - 1 : 0;
    }
    size_t first = t->spanel_sel >= (size_t)h ? t->spanel_sel - (size_t)h + 1 : 0;
    for (int i = 0; i < h; i++) {
        size_t k = first + (size_t)i;
        if (k >= t->nsym_idx) {
            if (k == 0) {
                panel_line(t, 1, w, "   no symbol matches", THEME_R_PANEL);
            }
            break;
        }
        const struct tui_sym *ts = &t->syms[t->sym_idx[k]];
        int n = snprintf(line, sizeof line, " 0x%08x %7u %-4s %s", (unsigned)ts->sym->addr,
                         (unsigned)ts->sym->size, tui_sym_type_name(ts->sym->type),
                         ts->sym->name);
        if (t->o->nimages > 1 && n > 0 && (size_t)n < sizeof line) {
            snprintf(line + n, sizeof line - (size_t)n, "  (%s)",
                     tui_base_name(t->o->images[ts->img]->path));
        }
        panel_line(t, 1 + i, w, line,
                   k == t->spanel_sel ? THEME_R_PANEL_SELECTED : THEME_R_PANEL);
    }
    attrset(A_NORMAL);
}

static void draw_frozen(struct tui *t)
{
    size_t n = tui_nfrozen(t);
    int w = t->cols - 2 < 110 ? t->cols - 2 : 110;
    int h = tui_list_height(t);
    char line[400];
    snprintf(line, sizeof line, " frozen modules: %zu (%s)   Enter jumps, Esc closes", n,
             t->o->frozen->layout);
    panel_line(t, 0, w, line, THEME_R_HEADER);
    if (t->fpanel_sel >= n) {
        t->fpanel_sel = n > 0 ? n - 1 : 0;
    }
    size_t first = t->fpanel_sel >= (size_t)h ? t->fpanel_sel - (size_t)h + 1 : 0;
    for (int i = 0; i < h && first + (size_t)i < n; i++) {
        const struct frozen_mod *m = &t->o->frozen->mods[first + (size_t)i];
        snprintf(line, sizeof line, " %-36s 0x%08x %8u  %s", m->name, (unsigned)m->addr,
                 (unsigned)m->size, m->source ? "source" : "bytecode");
        panel_line(t, 1 + i, w, line, first + (size_t)i == t->fpanel_sel
                                          ? THEME_R_PANEL_SELECTED : THEME_R_PANEL);
    }
    attrset(A_NORMAL);
}

/* ---- the symbol list ---------------------------------------------------- */

static const char *sym_name_of(void *ctx, size_t i)
{
    const struct tui *t = ctx;
    return t->syms[i].sym->name;
}

void tui_sym_filter(struct tui *t)
{
    t->nsym_idx = view_filter(sym_name_of, t, t->nsyms, t->sfilter, t->sym_idx);
    t->spanel_sel = 0;
}

/* Select the last listed symbol at or before addr. */
static void sym_select_near(struct tui *t, uint32_t addr)
{
    size_t lo = 0, hi = t->nsym_idx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->syms[t->sym_idx[mid]].sym->addr <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    t->spanel_sel = lo > 0 ? lo - 1 : 0;
}

static void symbols_key(struct tui *t, int ch)
{
    size_t h = (size_t)(tui_list_height(t) > 1 ? tui_list_height(t) : 1);
    size_t n = t->nsym_idx;
    size_t len = strlen(t->sfilter);
    switch (ch) {
    case KEY_UP:
        if (t->spanel_sel > 0) {
            t->spanel_sel--;
        }
        return;
    case KEY_DOWN:
        if (t->spanel_sel + 1 < n) {
            t->spanel_sel++;
        }
        return;
    case KEY_PPAGE:
        t->spanel_sel = t->spanel_sel > h ? t->spanel_sel - h : 0;
        return;
    case KEY_NPAGE:
        t->spanel_sel = n == 0 ? 0 : t->spanel_sel + h < n ? t->spanel_sel + h : n - 1;
        return;
    case KEY_HOME:
        t->spanel_sel = 0;
        return;
    case KEY_END:
        t->spanel_sel = n > 0 ? n - 1 : 0;
        return;
    case '\n': case '\r': case KEY_ENTER:
        if (t->spanel_sel < n) {
            const struct image_sym *sy = t->syms[t->sym_idx[t->spanel_sel]].sym;
            tui_jump_to(t, sy->addr);
            tui_say(t, 0, "%s: %s at 0x%08x, %u bytes", sy->name,
                    tui_sym_type_name(sy->type), (unsigned)sy->addr, (unsigned)sy->size);
            tui_set_mode(t, &tui_mode_view);
        }
        return;
    case TUI_KEY_ESC:
        tui_set_mode(t, &tui_mode_view);
        return;
    case KEY_BACKSPACE: case 127: case 8:
        if (len > 0) {
            t->sfilter[len - 1] = 0;
            tui_sym_filter(t);
        }
        return;
    case TUI_CTRL('u'):
        t->sfilter[0] = 0;
        tui_sym_filter(t);
        return;
    case KEY_RESIZE:
        tui_relayout(t);
        return;
    default:
        if (ch > 0x20 && ch < 0x7f && len + 1 < sizeof t->sfilter) {
            t->sfilter[len] = (char)ch;
            t->sfilter[len + 1] = 0;
            tui_sym_filter(t);
        }
        return;
    }
}

static void frozen_key(struct tui *t, int ch)
{
    size_t n = tui_nfrozen(t);
    switch (ch) {
    case KEY_UP: case 'k':
        if (t->fpanel_sel > 0) {
            t->fpanel_sel--;
        }
        return;
    case KEY_DOWN: case 'j':
        if (t->fpanel_sel + 1 < n) {
            t->fpanel_sel++;
        }
        return;
    case KEY_PPAGE: case KEY_HOME:
        t->fpanel_sel = 0;
        return;
    case KEY_NPAGE: case KEY_END:
        t->fpanel_sel = n > 0 ? n - 1 : 0;
        return;
    case '\n': case '\r': case KEY_ENTER:
        if (t->fpanel_sel < n) {
            const struct frozen_mod *m = &t->o->frozen->mods[t->fpanel_sel];
            tui_jump_to(t, m->addr);
            tui_say(t, 0, "frozen %s: %s, %u bytes at 0x%08x", m->name,
                    m->source ? "source" : "bytecode", (unsigned)m->size, (unsigned)m->addr);
        }
        tui_set_mode(t, &tui_mode_view);
        return;
    case TUI_KEY_ESC: case 'F': case 'q':
        tui_set_mode(t, &tui_mode_view);
        return;
    case KEY_RESIZE:
        tui_relayout(t);
        return;
    default:
        return;
    }
}

const struct tui_mode tui_mode_symbols = {NULL, draw_symbols, symbols_key};
const struct tui_mode tui_mode_frozen = {NULL, draw_frozen, frozen_key};

void tui_symbols_open(struct tui *t)
{
    tui_set_mode(t, &tui_mode_symbols);
    sym_select_near(t, t->cursor);
}

void tui_frozen_open(struct tui *t)
{
    size_t i;
    tui_set_mode(t, &tui_mode_frozen);
    if (tui_module_at(t, t->cursor, &i) != NULL) {
        t->fpanel_sel = i;
    }
}
