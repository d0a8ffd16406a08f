/*
 * tui.c: the explorer's curses layer (see tui.h).
 *
 * One loop: poll the keyboard and the worker's wake pipe, handle keys,
 * ask the worker for what is visible, redraw.  Drawing reads only the page
 * cache, so a silent board never freezes the screen.
 *
 * With firmware images: no board (mpeek open) shows the images' bytes,
 * the first image holding an address giving its byte ("--" where none
 * does) and there is no reading thread; with a board the images are the
 * reference for 'd' (diff) and ')' / '(' (next / previous difference).
 * Either way their symbols name the cursor's place, mark where symbols
 * start, complete in the goto prompt and fill the symbol list ('S'); the
 * frozen modules fill their panel ('F') and their bytecode notes the info
 * line above the status line.
 *
 * The keys go to the current mode (tui_int.h): the plain view's key table
 * is in tui_keys.c, the boxes in tui_box.c, the panels in tui_panel.c and
 * the prompts in tui_prompt.c.
 */
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "frozen.h"
#include "frozen_notes.h"
#include "heapmap.h"
#include "inspect.h"
#include "image.h"
#include "ldscript.h"
#include "pcache.h"
#include "rmap.h"
#include "theme.h"
#include "theme_curses.h"
#include "tui_int.h"
#include "view.h"
#include "worker.h"

/* ---- the byte provider: the cache, limited to the readable map ---------- */

/* The first image holding addr (its byte in *value), or NULL. */
const struct image *tui_image_at(const struct tui *t, uint32_t addr, uint8_t *value,
                                 size_t *index_out)
{
    uint8_t v = 0;
    for (size_t i = 0; i < t->o->nimages; i++) {
        if (t->o->images[i] != NULL && image_byte(t->o->images[i], addr, &v)) {
            if (value != NULL) {
                *value = v;
            }
            if (index_out != NULL) {
                *index_out = i;
            }
            return t->o->images[i];
        }
    }
    return NULL;
}

/* The images' bytes: OK where one holds the address, else ABSENT. */
static int provide_image(void *ctx, uint32_t addr, uint8_t *value)
{
    const struct tui *t = ctx;
    return tui_image_at(t, addr, value, NULL) != NULL ? VIEW_BYTE_OK : VIEW_BYTE_ABSENT;
}

int tui_provide(void *ctx, uint32_t addr, uint8_t *value)
{
    struct tui *t = ctx;
    if (t->image_only) {
        return provide_image(ctx, addr, value);
    }
    switch (pcache_get(t->cache, addr, value, NULL)) {
    case PCACHE_OK:
        return VIEW_BYTE_OK;
    case PCACHE_BAD:
        return VIEW_BYTE_BAD;
    case PCACHE_STALE:
        return VIEW_BYTE_STALE;
    case PCACHE_UNREAD:
        break;
    }
    if (t->o->rrepl == NULL) {
        return VIEW_BYTE_OUTSIDE;
    }
    if (!t->o->unsafe) {
        int word;
        if (rmap_check_read(t->o->map, addr, 1, &word, NULL) != RC_OK) {
            return VIEW_BYTE_OUTSIDE;
        }
    }
    return VIEW_BYTE_UNREAD;
}

/* Goto names: linker-script symbols first, then the images' symbols. */
int tui_symbol(void *ctx, const char *name, uint32_t *value)
{
    const struct tui *t = ctx;
    const struct ldscript *ld = t->o->ld;
    const struct ldscript_symbol *s = ld ? ldscript_find_symbol(ld, name) : NULL;
    if (s != NULL && s->known && s->value <= 0xffffffffULL) {
        *value = (uint32_t)s->value;
        return RC_OK;
    }
    for (size_t i = 0; i < t->o->nimages; i++) {
        const struct image_sym *is = t->o->images[i] != NULL
                                         ? image_sym_find(t->o->images[i], name) : NULL;
        if (is != NULL) {
            *value = is->addr;
            return RC_OK;
        }
    }
    return RC_NOTFOUND;
}

/* The last part of a path, for the status line. */
const char *tui_base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b != NULL ? b + 1 : path;
}

/* The symbol naming addr: "name+0x4" when one covers it, "~name+0x40" for
 * the nearest one before it in the same region; "" when there is none. */
void tui_cursor_symbol(const struct tui *t, uint32_t addr, char *out, size_t size,
                       const struct image_sym **sym_out)
{
    out[0] = 0;
    if (sym_out != NULL) {
        *sym_out = NULL;
    }
    for (size_t i = 0; i < t->o->nimages; i++) {
        const struct image_sym *s = image_sym_at(t->o->images[i], addr);
        if (s != NULL) {
            view_sym_text(s->name, s->addr, addr, 1, out, size);
            if (sym_out != NULL) {
                *sym_out = s;
            }
            return;
        }
    }
    const struct image_sym *best = NULL;
    for (size_t i = 0; i < t->o->nimages; i++) {
        const struct image *img = t->o->images[i];
        size_t k = addr == 0xffffffffu ? img->nsyms : image_sym_lower(img, addr + 1);
        if (k > 0 && k <= img->nsyms && (best == NULL || img->syms[k - 1].addr > best->addr)) {
            best = &img->syms[k - 1];
        }
    }
    if (best == NULL) {
        return;
    }
    const struct rmap_region *ra = t->o->map ? rmap_lookup(t->o->map, addr) : NULL;
    const struct rmap_region *rs = t->o->map ? rmap_lookup(t->o->map, best->addr) : NULL;
    if (ra == rs && (ra != NULL || addr - best->addr < 0x10000)) {
        view_sym_text(best->name, best->addr, addr, 0, out, size);
    }
}

/* Bit i set when a symbol starts at addr + i (i < 32). */
static uint32_t symbol_starts(const struct tui *t, uint32_t addr, uint64_t end)
{
    uint32_t bits = 0;
    for (size_t i = 0; i < t->o->nimages; i++) {
        const struct image *img = t->o->images[i];
        for (size_t k = image_sym_lower(img, addr);
             k < img->nsyms && img->syms[k].addr < end; k++) {
            if (img->syms[k].addr - addr < 32) {
                bits |= 1u << (img->syms[k].addr - addr);
            }
        }
    }
    return bits;
}

/* ---- frozen modules ------------------------------------------------------ */

size_t tui_nfrozen(const struct tui *t)
{
    return t->o->frozen != NULL ? t->o->frozen->n : 0;
}

/* The notes of module i, decoded from the first ELF image on first use. */
const struct frozen_notes *tui_module_notes(struct tui *t, size_t i)
{
    if (i >= tui_nfrozen(t) || t->notes == NULL) {
        return NULL;
    }
    if (!t->notes_done[i]) {
        t->notes_done[i] = 1;
        const struct image *elf = t->o->frozen_image;
        for (size_t k = 0; k < t->o->nimages && elf == NULL; k++) {
            if (t->o->images[k]->kind == IMAGE_ELF) {
                elf = t->o->images[k];
            }
        }
        if (elf != NULL) {
            struct frozen_mem mem;
            struct rc_msg msg = {{0}};
            frozen_mem_image(&mem, elf);
            if (frozen_annotate(elf, &mem, &t->o->frozen->mods[i], &t->notes[i], &msg) < 0) {
                frozen_notes_free(&t->notes[i]);
                memset(&t->notes[i], 0, sizeof t->notes[i]);
            }
        }
    }
    return &t->notes[i];
}

/* The frozen module holding addr (its index in *index_out), or NULL. */
const struct frozen_mod *tui_module_at(const struct tui *t, uint32_t addr,
                                       size_t *index_out)
{
    if (tui_nfrozen(t) == 0) {
        return NULL;
    }
    const struct frozen_mod *m = frozen_at(t->o->frozen, addr);
    if (m != NULL && index_out != NULL) {
        *index_out = (size_t)(m - t->o->frozen->mods);
    }
    return m;
}

/* The note covering addr, or NULL. */
static const struct frozen_note *note_at(struct tui *t, uint32_t addr)
{
    size_t i;
    if (tui_module_at(t, addr, &i) == NULL) {
        return NULL;
    }
    const struct frozen_notes *n = tui_module_notes(t, i);
    return n != NULL ? frozen_note_at(n, addr) : NULL;
}

void tui_say(struct tui *t, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->message, sizeof t->message, fmt, ap);
    va_end(ap);
    t->message_error = error;
}

/* ---- layout ------------------------------------------------------------- */

/* The info line (frozen-module notes) above the status line. */
static int has_info(const struct tui *t)
{
    return tui_nfrozen(t) > 0 && t->rows > 4 && !t->dis_on;
}

/* The inspector's lines, when it is on and there is room. */
static int inspect_lines(const struct tui *t)
{
    return t->inspect && t->rows > 8 ? TUI_INSPECT_LINES : 0;
}

int tui_view_height(const struct tui *t)
{
    int h = t->rows - 1 - has_info(t) - inspect_lines(t) - tui_dis_rows(t);
    return h > 1 ? h : 1;
}

void tui_relayout(struct tui *t)
{
    getmaxyx(stdscr, t->rows, t->cols);
    unsigned bpr = t->bpr_choice ? t->bpr_choice
                                 : view_fit_bpr((unsigned)t->cols, t->group);
    if (t->bpr_choice && view_row_width(bpr, t->group) > (unsigned)t->cols) {
        bpr = view_fit_bpr((unsigned)t->cols, t->group);
    }
    view_space_set_bpr(t->space, bpr);
    t->top = view_scroll_top(t->space, t->top, view_row_of(t->space, t->cursor),
                             (unsigned)tui_view_height(t));
}

void tui_move_to(struct tui *t, uint32_t addr)
{
    t->cursor = addr;
    t->top = view_scroll_top(t->space, t->top, view_row_of(t->space, addr),
                             (unsigned)tui_view_height(t));
}

/* A jump (goto, search, Tab, panel): the target near the top, with a few
 * rows of context above it, unless it is already on screen. */
static void push_history(struct tui *t)
{
    if (t->nback == 64) {
        memmove(t->back, t->back + 1, 63 * sizeof *t->back);
        t->nback--;
    }
    t->back[t->nback++] = t->cursor;
    t->nfwd = 0;
}

/* The cursor to addr, its row near the top unless already on screen. */
static void place(struct tui *t, uint32_t addr)
{
    uint64_t row = view_row_of(t->space, addr);
    uint64_t h = (uint64_t)tui_view_height(t);
    t->cursor = addr;
    if (row < t->top || row >= t->top + h) {
        uint64_t want = row > 3 ? row - 3 : 0;
        t->top = view_scroll_top(t->space, want, row, (unsigned)h);
    }
}

void tui_jump_to(struct tui *t, uint32_t addr)
{
    if (addr != t->cursor) {
        push_history(t);
    }
    place(t, addr);
}

/* Ask the worker for the visible rows, then the next screenful. */
static void request_visible(struct tui *t)
{
    if (t->worker == NULL) {
        return;
    }
    uint64_t n = view_row_count(t->space);
    uint64_t first = t->top, last = t->top + (uint64_t)tui_view_height(t);
    struct view_row row;
    int replace = 1;
    for (uint64_t i = first; i < last && i < n; i++) {
        if (view_row_at(t->space, i, &row) == RC_OK && !row.gap) {
            /* Coalesce consecutive data rows. */
            uint32_t a = row.addr;
            uint64_t e = row.end;
            while (i + 1 < last && i + 1 < n &&
                   view_row_at(t->space, i + 1, &row) == RC_OK && !row.gap &&
                   row.addr == e) {
                e = row.end;
                i++;
            }
            worker_request(t->worker, a, (uint32_t)(e - a), 0, replace);
            replace = 0;
        }
    }
    /* Prefetch the next screen. */
    for (uint64_t i = last; i < last + (uint64_t)tui_view_height(t) && i < n; i++) {
        if (view_row_at(t->space, i, &row) == RC_OK && !row.gap) {
            worker_request(t->worker, row.addr, (uint32_t)(row.end - row.addr), 0, 0);
        }
    }
}

/* ---- drawing ------------------------------------------------------------ */

static attr_t cell_attr(const struct tui *t, const struct view_cell *c)
{
    switch (c->state) {
    case VIEW_BYTE_UNREAD:
    case VIEW_BYTE_ABSENT:
        return theme_attr(t->theme, THEME_R_UNREAD);
    case VIEW_BYTE_BAD:
        return theme_attr(t->theme, THEME_R_BAD);
    case VIEW_BYTE_STALE:
        return theme_attr(t->theme, THEME_R_STALE);
    case VIEW_BYTE_OUTSIDE:
        return theme_attr(t->theme, THEME_R_TEXT);
    case VIEW_BYTE_OK:
        break;
    }
    enum theme_role role = (c->flags & VIEW_CF_HEAP)
                               ? theme_role_of_heap(c->heap_kind)
                               : theme_role_of_kind(c->kind);
    attr_t a = theme_byte_attr(t->theme, role, c->value);
    if (c->flags & VIEW_CF_OBJSTART) {
        a |= theme_attr(t->theme, THEME_R_HEAP_HEAD) & ~A_COLOR;
    }
    return a;
}

static void draw_row(struct tui *t, int y, uint64_t index)
{
    struct view_rowcells rc;
    struct view_provider prov = {tui_provide, t};
    move(y, 0);
    clrtoeol();
    if (view_format_row(t->space, index, t->group, &prov, t->o->map, tui_heapmap(t),
                        &rc) != RC_OK) {
        return;
    }
    int cursor_row = !rc.row.gap && t->cursor >= rc.row.addr &&
                     (uint64_t)t->cursor < rc.row.end;
    attrset(theme_attr(t->theme, cursor_row ? THEME_R_ADDR_CURSOR : THEME_R_ADDR));
    mvaddstr(y, 0, rc.addr_text);
    if (rc.row.gap) {
        attrset(theme_attr(t->theme, THEME_R_GAP));
        mvaddstr(y, 10, rc.label);
        attrset(A_NORMAL);
        return;
    }
    uint32_t starts = t->o->nimages > 0 ? symbol_starts(t, rc.row.addr, rc.row.end) : 0;
    attr_t sym_attr = theme_attr(t->theme, THEME_R_SYMBOL) & ~A_COLOR;
    if (sym_attr == 0) {
        sym_attr = A_UNDERLINE;
    }
    /* The bytes of the bytecode note under the cursor. */
    const struct frozen_note *note = tui_nfrozen(t) > 0 ? note_at(t, t->cursor) : NULL;
    for (unsigned i = 0; i < rc.ncells; i++) {
        const struct view_cell *c = &rc.cell[i];
        if (c->hex_col >= (unsigned)t->cols) {
            break;
        }
        if ((c->flags & VIEW_CF_BOUNDARY) && c->hex_col > 0) {
            attrset(theme_attr(t->theme, THEME_R_BOUNDARY));
            mvaddch(y, (int)c->hex_col - 1, '|');
        } else if ((c->flags & VIEW_CF_OBJSTART) && c->hex_col > 0 &&
                   c->state != VIEW_BYTE_OUTSIDE) {
            /* A heap object starts here: seen without colour too. */
            attrset(theme_attr(t->theme, THEME_R_HEAP_HEAD) & ~A_UNDERLINE);
            mvaddch(y, (int)c->hex_col - 1, '>');
        }
        attr_t a = cell_attr(t, c);
        if (starts & (1u << i)) {
            a |= sym_attr;
        }
        if (note != NULL && c->addr >= note->addr &&
            (uint64_t)c->addr < (uint64_t)note->addr + note->len) {
            a |= A_REVERSE;
        }
        int differs = 0;
        if (t->diff && c->state == VIEW_BYTE_OK) {
            uint8_t want;
            if (tui_image_at(t, c->addr, &want, NULL) != NULL && want != c->value) {
                a = theme_attr(t->theme, THEME_R_DIFF);
                differs = 1;
            }
        }
        if (t->watch && c->state == VIEW_BYTE_OK) {
            unsigned g = 0, now = pcache_gen(t->cache);
            pcache_get(t->cache, c->addr, NULL, &g);
            if (g != 0 && now - g < 1) {
                a = theme_attr(t->theme, THEME_R_CHANGED);
            } else if (g != 0 && now - g < 4) {
                a = theme_attr(t->theme, THEME_R_CHANGED_FADE);
            }
        }
        if (t->sel) {
            uint32_t lo = t->sel == 1 ? (t->sel_a < t->cursor ? t->sel_a : t->cursor) : t->sel_a;
            uint32_t hi = t->sel == 1 ? (t->sel_a < t->cursor ? t->cursor : t->sel_a) : t->sel_b;
            if (c->addr >= lo && c->addr <= hi) {
                a = theme_attr(t->theme, THEME_R_MARK);
            }
        }
        int hit = t->have_hit && c->addr >= t->hit_addr &&
                  (uint64_t)c->addr < (uint64_t)t->hit_addr + t->hit_len;
        if (hit) {
            a = theme_attr(t->theme, THEME_R_SEARCH_HIT);
        }
        /* The object panel's object: its parts outlined (underlined), the
         * part of the selected line highlighted. */
        const struct objhl_span *part = t->mode == &tui_mode_object && c->state != VIEW_BYTE_OUTSIDE
                                            ? objhl_at(&t->obj_hl, c->addr) : NULL;
        if (part != NULL) {
            a |= A_UNDERLINE;
            if (part->line >= 0 && part->line == t->obj_sel) {
                a = theme_attr(t->theme, THEME_R_PANEL_SELECTED) | A_UNDERLINE;
                hit = 1; /* the ASCII column too */
            }
        }
        /* The disassembly pane's instruction: its bytes highlighted,
         * a jump's target outlined. */
        const struct dispane_span *ds = t->dis_on && c->state != VIEW_BYTE_OUTSIDE
                                            ? dispane_hl_at(&t->dis_hl, c->addr) : NULL;
        if (ds != NULL) {
            a |= A_UNDERLINE;
            if (ds->part == DISPANE_HL_INSN) {
                a = theme_attr(t->theme, THEME_R_PANEL_SELECTED) | A_UNDERLINE;
                hit = 1; /* the ASCII column too */
            }
        }
        if (c->addr == t->cursor) {
            a = theme_attr(t->theme, THEME_R_CURSOR);
        }
        attrset(a);
        mvaddnstr(y, (int)c->hex_col, c->hex, 2);
        if (c->ascii_col < (unsigned)t->cols) {
            attrset(c->addr == t->cursor || differs || hit ? a : (c->state == VIEW_BYTE_OK
                        ? theme_byte_attr(t->theme, THEME_R_ASCII, c->value)
                        : cell_attr(t, c)));
            mvaddch(y, (int)c->ascii_col, (chtype)(unsigned char)c->ascii);
        }
    }
    attrset(A_NORMAL);
}

static const char *link_text(struct tui *t, char *buf, size_t size, int *err)
{
    *err = 0;
    if (t->image_only) {
        size_t i = 0;
        if (tui_image_at(t, t->cursor, NULL, &i) != NULL) {
            snprintf(buf, size, "%s %s",
                     t->o->images[i]->kind == IMAGE_SNAP ? "snapshot" : "image",
                     tui_base_name(t->o->images[i]->path));
        } else {
            snprintf(buf, size, "no image holds this byte");
        }
        return buf;
    }
    if (t->worker == NULL) {
        snprintf(buf, size, "no board");
        return buf;
    }
    struct worker_status st;
    worker_status(t->worker, &st);
    switch (st.link) {
    case WORKER_IDLE:
        snprintf(buf, size, "connected %s", t->o->port_name ? t->o->port_name : "");
        break;
    case WORKER_READING:
        snprintf(buf, size, "reading at %.1f KiB/s", st.rate / 1024.0);
        break;
    case WORKER_TIMEOUT:
        snprintf(buf, size, "timed out: the board stopped answering");
        *err = 1;
        break;
    case WORKER_LOST:
        snprintf(buf, size, "disconnected: showing what was read");
        *err = 1;
        break;
    case WORKER_ERROR:
        snprintf(buf, size, "error: %s", st.message);
        *err = 1;
        break;
    }
    return buf;
}

/* The status line's middle part: the symbol, the comparison with the
 * image, the frozen module. */
static void where_text(struct tui *t, char *out, size_t size)
{
    size_t len = 0;
    out[0] = 0;
    /* The image's segment or section, after the board's region it is in. */
    const struct rmap_region *seg =
        t->o->map ? rmap_lookup_image(t->o->map, t->cursor) : NULL;
    if (seg != NULL && seg != rmap_lookup(t->o->map, t->cursor)) {
        snprintf(out, size, "%s+0x%x", seg->name, (unsigned)(t->cursor - seg->start));
        len = strlen(out);
    }
    if (t->o->nimages > 0 && len + 2 < size) {
        char sym[300];
        tui_cursor_symbol(t, t->cursor, sym, sizeof sym, NULL);
        if (sym[0]) {
            snprintf(out + len, size - len, "%s%s", len ? "  " : "", sym);
            len = strlen(out);
        }
    }
    if (t->diff && !t->image_only) {
        uint8_t want = 0, have = 0;
        int have_img = tui_image_at(t, t->cursor, &want, NULL) != NULL;
        int st = tui_provide(t, t->cursor, &have);
        if (!have_img) {
            snprintf(out + len, size - len, "%simage: --", len ? "  " : "");
        } else if (st != VIEW_BYTE_OK) {
            snprintf(out + len, size - len, "%simage: 0x%02x (board %s)", len ? "  " : "",
                     want, st == VIEW_BYTE_UNREAD ? "not read yet"
                         : st == VIEW_BYTE_BAD ? "failed verification"
                         : st == VIEW_BYTE_STALE ? "stale" : "not readable");
        } else if (want != have) {
            snprintf(out + len, size - len, "%simage: 0x%02x (board 0x%02x)",
                     len ? "  " : "", want, have);
        } else {
            snprintf(out + len, size - len, "%s= image", len ? "  " : "");
        }
        len = strlen(out);
    }
    uint8_t b = 0;
    const struct rmap_region *r = t->o->map != NULL ? rmap_lookup(t->o->map, t->cursor) : NULL;
    if (r != NULL && t->o->rrepl != NULL && tui_provide(t, t->cursor, &b) == VIEW_BYTE_OUTSIDE &&
        len < size) {
        snprintf(out + len, size - len, "%snot read: %s (--unsafe reads it)", len ? "  " : "",
                 r->kind == RMAP_K_PERIPHERAL ? "registers, reads have side effects"
                                              : "not safe to read");
        len = strlen(out);
    }
    const struct frozen_mod *m = tui_module_at(t, t->cursor, NULL);
    if (m != NULL && len < size) {
        snprintf(out + len, size - len, "%sfrozen %s", len ? "  " : "", m->name);
    }
}

/* The line above the status line: the bytecode note under the cursor. */
static void draw_info(struct tui *t)
{
    if (!has_info(t)) {
        return;
    }
    int y = t->rows - 2;
    char line[400];
    size_t i = 0;
    const struct frozen_mod *m = tui_module_at(t, t->cursor, &i);
    if (m == NULL) {
        snprintf(line, sizeof line, "%zu frozen module%s (%s): F lists them",
                 tui_nfrozen(t), tui_nfrozen(t) == 1 ? "" : "s", t->o->frozen->layout);
    } else {
        const struct frozen_notes *ns = tui_module_notes(t, i);
        const struct frozen_note *n = ns != NULL ? frozen_note_at(ns, t->cursor) : NULL;
        if (n != NULL) {
            snprintf(line, sizeof line, "%s +0x%x: %s", m->name,
                     (unsigned)(t->cursor - n->addr), n->text);
        } else {
            snprintf(line, sizeof line, "%s (%s, %u bytes at 0x%08x)", m->name,
                     m->source ? "source" : "bytecode", (unsigned)m->size,
                     (unsigned)m->addr);
        }
    }
    attrset(theme_attr(t->theme, THEME_R_HEADER));
    move(y, 0);
    for (int x = 0; x < t->cols; x++) {
        addch(' ');
    }
    mvaddnstr(y, 0, line, t->cols);
    attrset(A_NORMAL);
}

static void draw_status(struct tui *t)
{
    int y = t->rows - 1;
    char line[1200], link[600];
    int err = 0;
    move(y, 0);
    attrset(theme_attr(t->theme, THEME_R_STATUS));
    for (int x = 0; x < t->cols; x++) {
        addch(' ');
    }
    if (t->mode->prompt != NULL) {
        tui_prompt_status(t, y);
        return;
    }
    if (t->message[0]) {
        attrset(theme_attr(t->theme, t->message_error ? THEME_R_STATUS_ERROR
                                                      : THEME_R_STATUS));
        mvaddnstr(y, 0, t->message, t->cols);
        return;
    }
    link_text(t, link, sizeof link, &err);
    struct view_values v;
    struct view_provider prov = {tui_provide, t};
    view_values(&prov, t->o->map, t->cursor, &v);
    char where[400];
    where_text(t, where, sizeof where);
    int x = 0;
    if (t->watch && t->cols > 20) {
        /* Live watch on: say so where the eye starts. */
        attrset(theme_attr(t->theme, THEME_R_CHANGED));
        mvaddstr(y, 0, "WATCH");
        x = 6;
    }
    view_status_fit(t->o->map, tui_heapmap(t), &v, where, link, (unsigned)(t->cols - x), line,
                    sizeof line);
    attrset(theme_attr(t->theme, err ? THEME_R_STATUS_ERROR : THEME_R_STATUS));
    mvaddnstr(y, x, line, t->cols - x);
}

/* ---- modes ------------------------------------------------------------- */

void tui_set_mode(struct tui *t, const struct tui_mode *m)
{
    /* While the disassembly pane is on, the plain view is the pane's
     * (a prompt or a box closing comes back to it). */
    t->mode = m == &tui_mode_view && t->dis_on ? &tui_mode_dis : m;
}

/* A key goes to the current mode.  Outside a prompt it first clears the
 * status message and stops a search or a comparison (n, N, ')' and '('
 * start a new one). */
static void key(struct tui *t, int ch)
{
    if (t->mode->prompt == NULL) {
        t->message[0] = 0;
        t->searching = 0;
        t->diffing = 0;
    }
    t->mode->key(t, ch);
}

/* ---- panels ------------------------------------------------------------ */

int tui_list_height(const struct tui *t)
{
    int h = tui_view_height(t) - 1;
    return h > 0 ? h : 0;
}

const char *tui_sym_type_name(enum image_symtype k)
{
    return k == IMAGE_SYM_FUNC ? "func" : k == IMAGE_SYM_OBJECT ? "obj" : "-";
}

/* The data inspector: the bytes at the cursor as numbers and as an
 * object word. */
static void draw_inspect(struct tui *t)
{
    int n = inspect_lines(t);
    if (n == 0) {
        return;
    }
    int y = t->rows - 1 - has_info(t) - n;
    uint8_t b[8];
    size_t have = 0;
    while (have < sizeof b && (uint64_t)t->cursor + have <= 0xffffffffULL &&
           tui_provide(t, t->cursor + (uint32_t)have, &b[have]) == VIEW_BYTE_OK) {
        have++;
    }
    char l1[INSPECT_LINE], l2[INSPECT_LINE], l3[INSPECT_LINE];
    inspect_numbers(b, have, l1, l2);
    if (have >= 4) {
        uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24;
        inspect_word(w, t->have_lay == 1 ? &t->lay : NULL, t->o->map, tui_heapmap(t), NULL, l3);
        if (t->have_lay == 0 && t->py_pending == TUI_PY_REPR) {
            size_t l = strlen(l3);
            snprintf(l3 + l, sizeof l3 - l, "  (asking the board for its object layout)");
        }
    } else {
        snprintf(l3, sizeof l3, "word: (needs 4 read bytes at the cursor)");
    }
    const char *lines[3] = {l1, l2, l3};
    attrset(theme_attr(t->theme, THEME_R_HEADER));
    for (int i = 0; i < n; i++) {
        move(y + i, 0);
        clrtoeol();
        mvaddnstr(y + i, 0, lines[i], t->cols);
    }
    attrset(A_NORMAL);
}

static void draw(struct tui *t)
{
    erase();
    if (t->dis_on) {
        tui_dis_sync(t); /* the outline on the hex rows */
    }
    int h = tui_view_height(t);
    uint64_t n = view_row_count(t->space);
    for (int y = 0; y < h && t->top + (uint64_t)y < n; y++) {
        draw_row(t, y, t->top + (uint64_t)y);
    }
    tui_dis_draw(t);
    if (t->mode->draw != NULL) {
        t->mode->draw(t);
    }
    draw_inspect(t);
    draw_info(t);
    draw_status(t);
    refresh();
}

/* ---- search ------------------------------------------------------------- */

/* One step of a search: make sure the next stretch is read, then look in
 * it.  Returns 1 while the search goes on. */
static int search_step(struct tui *t)
{
    struct view_provider prov = {tui_provide, t};
    const uint64_t stretch = 16384;
    /* Bytes the board has but we did not read yet: ask for them first. */
    uint32_t a = t->search_pos;
    for (uint64_t i = 0; i < stretch; i += 256) {
        uint64_t at = t->search_dir > 0 ? (uint64_t)a + i : (uint64_t)a - i;
        if (at > 0xffffffffULL || (t->search_dir < 0 && i > a)) {
            break;
        }
        uint8_t v;
        if (tui_provide(t, (uint32_t)at, &v) == VIEW_BYTE_UNREAD && t->worker != NULL) {
            uint32_t page = (uint32_t)at - (uint32_t)at % PCACHE_PAGE;
            worker_request(t->worker, page, (uint32_t)stretch, 0, 1);
            tui_say(t, 0, "searching... 0x%08x (Esc stops)", (unsigned)at);
            return 2; /* wait for the bytes: the worker wakes us */
        }
    }
    uint32_t found = 0;
    int rc = view_search(&prov, t->space, &t->pat, t->search_pos, t->search_dir,
                         stretch, &found);
    if (rc == VIEW_SEARCH_FOUND &&
        (!t->search_wrapped || (t->search_dir > 0 ? found <= t->search_from
                                                  : found >= t->search_from))) {
        tui_jump_to(t, found);
        t->have_hit = 1;
        t->hit_addr = found;
        t->hit_len = t->pat.len;
        if (t->search_wrapped) {
            tui_say(t, 0, "found at 0x%08x (search hit the %s, went on from the %s)",
                    (unsigned)found, t->search_dir > 0 ? "end" : "start",
                    t->search_dir > 0 ? "start" : "end");
        } else {
            tui_say(t, 0, "found at 0x%08x", (unsigned)found);
        }
        t->searching = 0;
        return 0;
    }
    if (rc == VIEW_SEARCH_EXHAUSTED && !t->search_wrapped) {
        /* Wrap around, as less and vim do: the far end, up to the start. */
        struct view_row r;
        uint64_t nrows = view_row_count(t->space);
        t->search_wrapped = 1;
        if (t->search_dir > 0) {
            t->search_pos = view_row_at(t->space, 0, &r) == RC_OK ? r.addr : 0;
        } else {
            t->search_pos = nrows > 0 && view_row_at(t->space, nrows - 1, &r) == RC_OK
                                ? (uint32_t)(r.end - 1) : 0xffffffffu;
        }
        tui_say(t, 0, "searching... from the %s (Esc stops)", t->search_dir > 0 ? "start" : "end");
        return 1;
    }
    if (rc == VIEW_SEARCH_NOT_FOUND_YET &&
        !(t->search_wrapped && (t->search_dir > 0 ? found > t->search_from
                                                  : found < t->search_from))) {
        t->search_pos = found;
        tui_say(t, 0, "searching... 0x%08x (Esc stops)", (unsigned)found);
        return 1;
    }
    t->searching = 0;
    if (rc > 0) {
        tui_say(t, 1, "not found");
    } else {
        tui_say(t, 1, "search failed");
    }
    return 0;
}

/* Search from the cursor (at: 1 for n and N, 0 for a new pattern, which
 * may match at the cursor itself), wrapping round once. */
void tui_start_search(struct tui *t, int dir, int step)
{
    if (!t->have_pat) {
        tui_say(t, 1, "no search yet: press / to search");
        return;
    }
    t->searching = 1;
    t->search_dir = dir;
    t->search_wrapped = 0;
    t->search_from = t->cursor;
    if (step && dir > 0 && t->cursor == 0xffffffffu) {
        t->search_pos = 0;
        t->search_wrapped = 1;
    } else if (step && dir < 0 && t->cursor == 0) {
        t->search_pos = 0xffffffffu;
        t->search_wrapped = 1;
    } else {
        t->search_pos = step ? (dir > 0 ? t->cursor + 1 : t->cursor - 1) : t->cursor;
    }
    t->search_t0 = clock_ms();
}

/* ---- comparing with the images ----------------------------------------- */

/* One step of the search for the next (previous) differing byte: compare
 * what is read, and have the board read what is not.  Returns 1 while it
 * goes on, 2 while it waits for bytes, 0 when done. */
static int diff_step(struct tui *t)
{
    struct view_provider board = {tui_provide, t}, img = {provide_image, t};
    uint32_t at = 0;
    int r = view_diff_next(&board, &img, t->ranges, t->nranges, t->diff_pos, t->diff_dir,
                           65536, t->worker != NULL, &at, &t->dstats);
    unsigned long long n = (unsigned long long)t->dstats.compared;
    if (r == VIEW_DIFF_FOUND) {
        uint8_t want = 0, have = 0;
        tui_image_at(t, at, &want, NULL);
        tui_provide(t, at, &have);
        tui_jump_to(t, at);
        tui_say(t, 0, "difference at 0x%08x  image: 0x%02x (board 0x%02x), %llu byte%s compared",
                (unsigned)at, want, have, n, n == 1 ? "" : "s");
        return 0;
    }
    if (r == VIEW_DIFF_MORE) {
        t->diff_pos = at;
        tui_say(t, 0, "comparing... 0x%08x, %llu bytes so far (Esc stops)", (unsigned)at, n);
        return 1;
    }
    if (r == VIEW_DIFF_UNREAD) {
        struct worker_status st;
        worker_status(t->worker, &st);
        if (st.link == WORKER_TIMEOUT || st.link == WORKER_LOST || st.link == WORKER_ERROR) {
            tui_say(t, 1, "no difference in the %llu bytes read so far; the board is not "
                    "answering, so 0x%08x on could not be compared", n, (unsigned)at);
            return 0;
        }
        uint32_t page = at - at % PCACHE_PAGE;
        /* Ask again when the worker went idle without it (a key press
         * replaced the queue with the visible rows). */
        if (!t->diff_have_asked || t->diff_asked != page ||
            (st.link == WORKER_IDLE && st.queued == 0)) {
            uint32_t len = t->diff_dir > 0 ? 16384 : PCACHE_PAGE;
            uint32_t from = page;
            if (t->diff_dir < 0) {
                /* Backwards: read the 16 KiB that end at this page. */
                from = page >= 16384 - PCACHE_PAGE ? page - (16384 - PCACHE_PAGE) : 0;
                len = page + PCACHE_PAGE - from;
            }
            worker_request(t->worker, from, len, 1, 1);
            t->diff_asked = page;
            t->diff_have_asked = 1;
        }
        t->diff_pos = at;
        tui_say(t, 0, "reading to compare... 0x%08x, %llu bytes compared so far (Esc stops)",
                (unsigned)at, n);
        return 2;
    }
    char extra[120] = "";
    if (t->dstats.skipped > 0) {
        snprintf(extra, sizeof extra, "; %llu could not be compared (unreadable, failed "
                 "verification or stale)", (unsigned long long)t->dstats.skipped);
    }
    if (t->worker == NULL || t->dstats.unread > 0) {
        tui_say(t, 0, "no difference in the %llu byte%s read so far; scroll to read more%s",
                n, n == 1 ? "" : "s", extra);
    } else {
        tui_say(t, 0, "no difference %s 0x%08x: %llu byte%s compared with the image%s",
                t->diff_dir > 0 ? "after" : "before", (unsigned)t->cursor, n, n == 1 ? "" : "s",
                extra);
    }
    return 0;
}

void tui_start_diff(struct tui *t, int dir)
{
    if (t->o->nimages == 0 || t->nranges == 0) {
        tui_say(t, 1, "no image to compare with: give one with --image FILE");
        return;
    }
    if (t->image_only) {
        tui_say(t, 1, "there is no board to compare with the image (mpeek --image FILE "
                "with a board compares them)");
        return;
    }
    if (!t->diff) {
        t->diff = 1;
    }
    if ((dir > 0 && t->cursor == 0xffffffffu) || (dir < 0 && t->cursor == 0)) {
        tui_say(t, 0, "no difference %s 0x%08x", dir > 0 ? "after" : "before",
                (unsigned)t->cursor);
        return;
    }
    t->diffing = 1;
    t->diff_dir = dir;
    t->diff_pos = dir > 0 ? t->cursor + 1 : t->cursor - 1;
    t->diff_have_asked = 0;
    memset(&t->dstats, 0, sizeof t->dstats);
}

/* ---- the loop ----------------------------------------------------------- */

static int sym_cmp(const void *a, const void *b)
{
    const struct tui_sym *x = a, *y = b;
    if (x->sym->addr != y->sym->addr) {
        return x->sym->addr < y->sym->addr ? -1 : 1;
    }
    if (x->img != y->img) {
        return x->img < y->img ? -1 : 1;
    }
    return x->sym < y->sym ? -1 : x->sym > y->sym;
}

/* What the images give the explorer: where they hold bytes, the names for
 * completion, the symbol list, room for the frozen notes. */
static int images_init(struct tui *t, struct rc_msg *msg)
{
    const struct tui_opts *o = t->o;
    size_t nsegs = 0, nsyms = 0;
    for (size_t i = 0; i < o->nimages; i++) {
        nsegs += o->images[i]->nsegs;
        nsyms += o->images[i]->nsyms;
    }
    size_t nreg = o->map != NULL ? rmap_count(o->map) : 0;
    size_t nld = o->ld != NULL ? ldscript_symbol_count(o->ld) : 0;
    t->ranges = calloc(nsegs + 1, sizeof *t->ranges);
    t->syms = calloc(nsyms + 1, sizeof *t->syms);
    t->sym_idx = calloc(nsyms + 1, sizeof *t->sym_idx);
    t->names = calloc(nreg + nld + nsyms + 1, sizeof *t->names);
    if (tui_nfrozen(t) > 0) {
        t->notes = calloc(tui_nfrozen(t), sizeof *t->notes);
        t->notes_done = calloc(tui_nfrozen(t), 1);
    }
    if (t->ranges == NULL || t->syms == NULL || t->sym_idx == NULL || t->names == NULL ||
        (tui_nfrozen(t) > 0 && (t->notes == NULL || t->notes_done == NULL))) {
        return rc_set(msg, RC_NOMEM, "out of memory for the images' symbols");
    }
    size_t nr = 0, ns = 0, nn = 0;
    for (size_t i = 0; i < o->nimages; i++) {
        const struct image *img = o->images[i];
        for (size_t k = 0; k < img->nsegs; k++) {
            t->ranges[nr].start = img->segs[k].addr;
            t->ranges[nr].end = (uint64_t)img->segs[k].addr + img->segs[k].len;
            nr++;
        }
        for (size_t k = 0; k < img->nsyms; k++) {
            t->syms[ns].sym = &img->syms[k];
            t->syms[ns].img = i;
            ns++;
            t->names[nn++] = img->syms[k].name;
        }
    }
    t->nranges = view_ranges_merge(t->ranges, nr);
    t->nsyms = ns;
    qsort(t->syms, ns, sizeof *t->syms, sym_cmp);
    for (size_t i = 0; i < nreg; i++) {
        t->names[nn++] = rmap_get(o->map, i)->name;
    }
    for (size_t i = 0; i < nld; i++) {
        const struct ldscript_symbol *sy = ldscript_symbol(o->ld, i);
        if (sy->known) {
            t->names[nn++] = sy->name;
        }
    }
    t->nnames = view_names_sort(t->names, nn);
    tui_sym_filter(t);
    return RC_OK;
}

static void images_fini(struct tui *t)
{
    if (t->notes != NULL && t->notes_done != NULL) {
        for (size_t i = 0; i < tui_nfrozen(t); i++) {
            if (t->notes_done[i]) {
                frozen_notes_free(&t->notes[i]);
            }
        }
    }
    free(t->notes);
    free(t->notes_done);
    free(t->ranges);
    free(t->syms);
    free(t->sym_idx);
    free(t->names);
}

int tui_run(const struct tui_opts *o, struct rc_msg *msg)
{
    struct tui t;
    memset(&t, 0, sizeof t);
    t.dis_mod = -1;
    t.o = o;
    t.group = 4;
    t.mode = &tui_mode_view;
    t.wake[0] = t.wake[1] = -1;
    int rc = RC_OK;
    int quit_cut;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        return rc_set(msg, RC_ARG, "the explorer needs a terminal; for scripts "
                      "use info, regions or read");
    }
    if (pcache_new(&t.cache) != 0 || pipe(t.wake) != 0) {
        rc = rc_set(msg, RC_NOMEM, "out of memory");
        goto out;
    }
    fcntl(t.wake[0], F_SETFL, O_NONBLOCK);
    fcntl(t.wake[1], F_SETFL, O_NONBLOCK);
    t.image_only = o->rrepl == NULL && o->nimages > 0;
    if ((rc = images_init(&t, msg)) < 0) {
        goto out;
    }
    if (t.image_only) {
        /* The map and the load bytes no region covers (.data's initial
         * values in flash, a .hex with no map at all). */
        rc = view_space_new_ranges(o->map, t.ranges, t.nranges,
                                   o->unsafe ? VIEW_SPACE_ALL : 0, 16, &t.space, msg);
    } else {
        rc = view_space_new(o->map, rmap_count(o->map) == 0 || o->unsafe
                                        ? VIEW_SPACE_ALL : 0,
                            16, &t.space, msg);
    }
    if (rc < 0) {
        goto out;
    }
    struct rc_msg tmsg = {{0}};
    if (o->no_color) {
        t.theme = theme_mono();
    } else if (theme_load(o->theme ? o->theme : "default", &t.theme, &tmsg) < 0) {
        if (t.theme == NULL) {
            rc = rc_set(msg, RC_ARG, "%s", tmsg.text);
            goto out;
        }
        tui_say(&t, 1, "%s (using the default theme)", tmsg.text);
    }
    if (o->start_expr != NULL) {
        struct view_symbols syms = {tui_symbol, &t};
        struct rc_msg gm = {{0}};
        if (view_parse_goto(o->start_expr, o->map, &syms, 0, &t.cursor, &gm) != RC_OK) {
            rc = rc_set(msg, RC_ARG, "ADDR '%s': %s", o->start_expr, gm.text);
            goto out;
        }
    } else if (o->have_start) {
        t.cursor = o->start;
    } else {
        struct view_row r;
        if (view_row_at(t.space, 0, &r) == RC_OK) {
            t.cursor = r.addr;
        }
    }
    if (o->rrepl != NULL && o->reader != NULL &&
        worker_start(o->rrepl, o->reader, t.cache, o->map, o->unsafe, t.wake[1],
                     o->reconnect.fn != NULL ? &o->reconnect : NULL,
                     &t.worker) != RC_OK) {
        rc = rc_set(msg, RC_NOMEM, "cannot start the reading thread");
        goto out;
    }

    if (initscr() == NULL) {
        rc = rc_set(msg, RC_IO, "cannot start the terminal (is TERM set?)");
        goto out;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    curs_set(0);
    theme_apply(t.theme, has_colors() ? COLORS : 0, has_colors() && !o->no_color);
    tui_relayout(&t);
    /* A start address is placed as a goto places it. */
    t.top = 0;
    place(&t, t.cursor);
    request_visible(&t);
    if (o->hint != NULL && o->hint[0] != 0) {
        tui_say(&t, 0, "%s", o->hint);
    }
    draw(&t);
    while (!t.quit && !(o->cancel != NULL && *o->cancel)) {
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {t.wake[0], POLLIN, 0}};
        int n = poll(p, 2, t.searching == 1 || t.diffing == 1 ? 0 : t.watch ? 50 : 250);
        if (n < 0 && errno != EINTR) {
            break;
        }
        int moved = 0;
        int ch;
        while ((ch = getch()) != ERR) {
            key(&t, ch);
            moved = 1;
            if (t.quit) {
                break;
            }
        }
        if (p[1].revents & POLLIN) {
            char buf[256];
            while (read(t.wake[0], buf, sizeof buf) > 0) {
            }
            if (t.worker != NULL) {
                struct worker_status st;
                worker_status(t.worker, &st);
                if (st.reconnects != t.reconnects) {
                    /* The board is back: read the (stale) screen again. */
                    t.reconnects = st.reconnects;
                    tui_say(&t, 0, "the board is back");
                    moved = 1;
                }
            }
        }
        if (t.exporting) {
            tui_export_step(&t);
        }
        if (t.py_pending) {
            tui_py_step(&t);
        }
        tui_heap_step(&t);
        if (t.obj_state == 1) {
            tui_obj_step(&t);
        }
        if (t.searching) {
            int r = search_step(&t);
            t.searching = r == 0 ? 0 : r;
        }
        if (t.diffing) {
            t.diffing = diff_step(&t);
        }
        if (moved) {
            request_visible(&t);
        }
        int period = o->refresh_ms > 0 ? o->refresh_ms : 500;
        if (t.watch && t.worker != NULL && clock_ms() - t.last_refresh >= period) {
            t.last_refresh = clock_ms();
            pcache_next_gen(t.cache);
            struct view_row r;
            uint64_t nrows = view_row_count(t.space);
            for (int y = 0; y < tui_view_height(&t) && t.top + (uint64_t)y < nrows; y++) {
                if (view_row_at(t.space, t.top + (uint64_t)y, &r) == RC_OK && !r.gap) {
                    worker_refresh(t.worker, r.addr, (uint32_t)(r.end - r.addr));
                }
            }
        }
        draw(&t);
    }
    endwin();
out:
    /* Quitting: cut a read in progress short (the caller resynchronises
     * the REPL before leaving), unless a signal already did. */
    quit_cut = t.quit && o->cancel != NULL && !*o->cancel && t.worker != NULL;
    if (quit_cut) {
        *o->cancel = 1;
    }
    worker_stop(t.worker);
    if (quit_cut) {
        *o->cancel = 0;
    }
    view_space_free(t.space);
    tui_heap_fini(&t);
    tui_obj_fini(&t);
    tui_dis_fini(&t);
    images_fini(&t);
    theme_free(t.theme);
    pcache_free(t.cache);
    if (t.wake[0] >= 0) {
        close(t.wake[0]);
        close(t.wake[1]);
    }
    return rc;
}
