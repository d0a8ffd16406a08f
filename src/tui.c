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
#include "fmt.h"
#include "frozen.h"
#include "frozen_notes.h"
#include "heapmap.h"
#include "image.h"
#include "ldscript.h"
#include "ofile.h"
#include "pcache.h"
#include "rmap.h"
#include "theme.h"
#include "theme_curses.h"
#include "view.h"
#include "worker.h"

#define KEY_ESC 27
#define CTRL(c) ((c) & 0x1f)

enum prompt_kind { PROMPT_NONE, PROMPT_GOTO, PROMPT_SEARCH, PROMPT_SAVE,
                   PROMPT_CONFIRM };

enum { OVER_NONE, OVER_HELP, OVER_LEGEND, OVER_EXPLAIN };

/* A symbol of one of the images, for the symbol list. */
struct tui_sym {
    const struct image_sym *sym;
    size_t img;
};

struct tui {
    const struct tui_opts *o;
    struct pcache *cache;
    struct worker *worker;
    int wake[2];
    struct view_space *space;
    struct theme *theme;
    unsigned bpr_choice;  /* 0: fit the terminal */
    unsigned group;
    int rows, cols;
    uint32_t cursor;
    uint64_t top;
    int panel;
    size_t panel_sel;
    enum prompt_kind prompt;
    char input[128];
    size_t ninput;
    char message[600];
    int message_error;
    struct view_pattern pat;
    int have_pat;
    int searching;        /* a search in progress */
    int search_dir;
    uint32_t search_pos;
    uint32_t search_from; /* where it began (wrapping stops there) */
    int search_wrapped;
    int64_t search_t0;
    int have_hit;         /* the last match, highlighted whole */
    uint32_t hit_addr;
    size_t hit_len;
    int quit;
    /* live watch */
    int watch;
    int64_t last_refresh;
    /* marks (a-z), pending 'm' or '\'' waiting for its letter */
    uint32_t marks[26];
    unsigned marks_set;
    int pending;
    /* jump history */
    uint32_t back[64], fwd[64];
    int nback, nfwd;
    /* an overlay of text lines in a box (help, legend, explain): scrolls,
     * takes every key until q or Esc closes it */
    int over_kind;        /* OVER_* */
    char over_title[64];
    char over[64][160];
    int over_role[64];    /* >= 0: a legend line, a sample in that role */
    int nover;
    int over_top;
    /* selection and export */
    int sel;              /* 1: selecting from sel_a, 2: range chosen */
    uint32_t sel_a, sel_b;
    int exporting;        /* waiting for the range's bytes */
    unsigned reconnects;
    char save_path[256];
    /* firmware images */
    int image_only;       /* no board: the bytes are the images' */
    struct view_range *ranges;  /* where the images hold bytes, merged */
    size_t nranges;
    const char **names;   /* regions and symbols, sorted: goto completion */
    size_t nnames;
    struct view_tab tab;
    char tab_hint[64];
    /* the symbol list */
    struct tui_sym *syms; /* every image's symbols by address */
    size_t nsyms;
    size_t *sym_idx;      /* the ones the filter lets through */
    size_t nsym_idx;
    int spanel;
    size_t spanel_sel;
    char sfilter[64];
    /* frozen modules */
    int fpanel;
    size_t fpanel_sel;
    struct frozen_notes *notes; /* per module, computed when first needed */
    unsigned char *notes_done;
    /* comparing the board with the images */
    int diff;
    int diffing;          /* 1: comparing, 2: waiting for bytes */
    int diff_dir;
    uint32_t diff_pos;
    uint32_t diff_asked;  /* the page last asked for while comparing */
    int diff_have_asked;
    struct view_diff_stats dstats;
};

/* ---- the byte provider: the cache, limited to the readable map ---------- */

/* The first image holding addr (its byte in *value), or NULL. */
static const struct image *image_at(const struct tui *t, uint32_t addr, uint8_t *value,
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
    return image_at(t, addr, value, NULL) != NULL ? VIEW_BYTE_OK : VIEW_BYTE_ABSENT;
}

static int provide(void *ctx, uint32_t addr, uint8_t *value)
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
static int symbol(void *ctx, const char *name, uint32_t *value)
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
static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b != NULL ? b + 1 : path;
}

/* The symbol naming addr: "name+0x4" when one covers it, "~name+0x40" for
 * the nearest one before it in the same region; "" when there is none. */
static void cursor_symbol(const struct tui *t, uint32_t addr, char *out, size_t size,
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

static size_t nfrozen(const struct tui *t)
{
    return t->o->frozen != NULL ? t->o->frozen->n : 0;
}

/* The notes of module i, decoded from the first ELF image on first use. */
static const struct frozen_notes *module_notes(struct tui *t, size_t i)
{
    if (i >= nfrozen(t) || t->notes == NULL) {
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
static const struct frozen_mod *module_at(const struct tui *t, uint32_t addr,
                                          size_t *index_out)
{
    if (nfrozen(t) == 0) {
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
    if (module_at(t, addr, &i) == NULL) {
        return NULL;
    }
    const struct frozen_notes *n = module_notes(t, i);
    return n != NULL ? frozen_note_at(n, addr) : NULL;
}

static void say(struct tui *t, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct tui *t, int error, const char *fmt, ...)
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
    return nfrozen(t) > 0 && t->rows > 4;
}

static int view_height(const struct tui *t)
{
    int h = t->rows - 1 - has_info(t);
    return h > 1 ? h : 1;
}

static void relayout(struct tui *t)
{
    getmaxyx(stdscr, t->rows, t->cols);
    unsigned bpr = t->bpr_choice ? t->bpr_choice
                                 : view_fit_bpr((unsigned)t->cols, t->group);
    if (t->bpr_choice && view_row_width(bpr, t->group) > (unsigned)t->cols) {
        bpr = view_fit_bpr((unsigned)t->cols, t->group);
    }
    view_space_set_bpr(t->space, bpr);
    t->top = view_scroll_top(t->space, t->top, view_row_of(t->space, t->cursor),
                             (unsigned)view_height(t));
}

static void move_to(struct tui *t, uint32_t addr)
{
    t->cursor = addr;
    t->top = view_scroll_top(t->space, t->top, view_row_of(t->space, addr),
                             (unsigned)view_height(t));
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
    uint64_t h = (uint64_t)view_height(t);
    t->cursor = addr;
    if (row < t->top || row >= t->top + h) {
        uint64_t want = row > 3 ? row - 3 : 0;
        t->top = view_scroll_top(t->space, want, row, (unsigned)h);
    }
}

static void jump_to(struct tui *t, uint32_t addr)
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
    uint64_t first = t->top, last = t->top + (uint64_t)view_height(t);
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
    for (uint64_t i = last; i < last + (uint64_t)view_height(t) && i < n; i++) {
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
    struct view_provider prov = {provide, t};
    move(y, 0);
    clrtoeol();
    if (view_format_row(t->space, index, t->group, &prov, t->o->map, t->o->heap,
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
    const struct frozen_note *note = nfrozen(t) > 0 ? note_at(t, t->cursor) : NULL;
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
            if (image_at(t, c->addr, &want, NULL) != NULL && want != c->value) {
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
        if (image_at(t, t->cursor, NULL, &i) != NULL) {
            snprintf(buf, size, "image %s", base_name(t->o->images[i]->path));
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
        cursor_symbol(t, t->cursor, sym, sizeof sym, NULL);
        if (sym[0]) {
            snprintf(out + len, size - len, "%s%s", len ? "  " : "", sym);
            len = strlen(out);
        }
    }
    if (t->diff && !t->image_only) {
        uint8_t want = 0, have = 0;
        int have_img = image_at(t, t->cursor, &want, NULL) != NULL;
        int st = provide(t, t->cursor, &have);
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
    if (r != NULL && t->o->rrepl != NULL && provide(t, t->cursor, &b) == VIEW_BYTE_OUTSIDE &&
        len < size) {
        snprintf(out + len, size - len, "%snot read: %s (--unsafe reads it)", len ? "  " : "",
                 r->kind == RMAP_K_PERIPHERAL ? "registers, reads have side effects"
                                              : "not safe to read");
        len = strlen(out);
    }
    const struct frozen_mod *m = module_at(t, t->cursor, NULL);
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
    const struct frozen_mod *m = module_at(t, t->cursor, &i);
    if (m == NULL) {
        snprintf(line, sizeof line, "%zu frozen module%s (%s): F lists them",
                 nfrozen(t), nfrozen(t) == 1 ? "" : "s", t->o->frozen->layout);
    } else {
        const struct frozen_notes *ns = module_notes(t, i);
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
    if (t->prompt != PROMPT_NONE) {
        const char *label = t->prompt == PROMPT_GOTO ? "goto: "
                          : t->prompt == PROMPT_SEARCH ? "search: "
                          : t->prompt == PROMPT_SAVE ? "save to (.hex or .txt: xxd dump; else raw): "
                          : "the file exists; overwrite it? (y/n) ";
        snprintf(line, sizeof line, "%s%s", label, t->input);
        int at = (int)strlen(line) < t->cols ? (int)strlen(line) : t->cols - 1;
        if (t->prompt == PROMPT_GOTO && t->tab_hint[0]) {
            size_t l = strlen(line);
            snprintf(line + l, sizeof line - l, "   %s", t->tab_hint);
        }
        mvaddnstr(y, 0, line, t->cols);
        move(y, at);
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
    struct view_provider prov = {provide, t};
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
    view_status_fit(t->o->map, t->o->heap, &v, where, link, (unsigned)(t->cols - x), line,
                    sizeof line);
    attrset(theme_attr(t->theme, err ? THEME_R_STATUS_ERROR : THEME_R_STATUS));
    mvaddnstr(y, x, line, t->cols - x);
}

static const char *const help_lines[] = {
    "arrows, h j k l    move the cursor",
    "PgUp PgDn, b Space page up / down",
    "g / G              start / end of the current region",
    "Home / End         first / last address of the map",
    "Tab / Shift-Tab    next / previous region",
    ": or Ctrl-G        go to: 0x.., decimal, REGION, REGION+OFF, symbol, . +/-",
    "                   (Tab completes region and symbol names)",
    "/                  search: hex bytes (de ad ?? ef), \"text\", or plain",
    "                   text; the whole match lights up",
    "n / N              next / previous match (wraps round, saying so)",
    "f                  follow the 32-bit value under the cursor as an address",
    "B                  bytes per row: 8, 16, 32;  =  group by 4 or 8",
    "p                  region panel (Enter jumps, v saves the region)",
    "o                  jump to the head of the heap object under the cursor",
    "i                  explain the byte: region chain, heap object, value",
    "w                  live watch (WATCH on the status line): changes light up",
    "m a-z / ' a-z      set a mark / jump to it;  [ / ]  back / forward",
    "v ... v            select a range and save it (raw, or xxd for .hex/.txt)",
    "L                  legend of colours;  mouse: wheel scrolls, click moves",
    "S                  symbol list of the images: type to filter, Enter jumps",
    "F                  frozen modules (Enter jumps to the bytecode)",
    "d                  diff: board bytes that differ from the image stand out",
    ") / (              next / previous byte that differs from the image",
    "Esc                cancel reads, search, prompt; close a panel or box",
    "?                  this help",
    "q                  quit (the board is left at its >>> prompt);",
    "                   in a box or panel, q closes it",
    "",
    "In a box like this one: j k arrows PgUp PgDn Space b g G scroll.",
};

static void draw_panel(struct tui *t)
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

/* The rows a list panel shows (below its header line). */
static int list_height(const struct tui *t)
{
    int h = view_height(t) - 1;
    return h > 0 ? h : 0;
}

static void panel_line(struct tui *t, int y, int w, const char *text, enum theme_role role)
{
    attrset(theme_attr(t->theme, role));
    move(y, 0);
    for (int x = 0; x < w + 1; x++) {
        addch(' ');
    }
    mvaddnstr(y, 0, text, w);
}

static const char *sym_type_name(enum image_symtype k)
{
    return k == IMAGE_SYM_FUNC ? "func" : k == IMAGE_SYM_OBJECT ? "obj" : "-";
}

static void draw_symbols(struct tui *t)
{
    int w = t->cols - 2 < 110 ? t->cols - 2 : 110;
    int h = list_height(t);
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
                         (unsigned)ts->sym->size, sym_type_name(ts->sym->type),
                         ts->sym->name);
        if (t->o->nimages > 1 && n > 0 && (size_t)n < sizeof line) {
            snprintf(line + n, sizeof line - (size_t)n, "  (%s)",
                     base_name(t->o->images[ts->img]->path));
        }
        panel_line(t, 1 + i, w, line,
                   k == t->spanel_sel ? THEME_R_PANEL_SELECTED : THEME_R_PANEL);
    }
    attrset(A_NORMAL);
}

static void draw_frozen(struct tui *t)
{
    size_t n = nfrozen(t);
    int w = t->cols - 2 < 110 ? t->cols - 2 : 110;
    int h = list_height(t);
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

/* The rows of text an overlay box shows at once. */
static int over_height(const struct tui *t)
{
    int h = view_height(t) - 2; /* above the info and status lines, less the borders */
    if (h > t->nover) {
        h = t->nover;
    }
    return h > 1 ? h : 1;
}

static void over_scroll(struct tui *t, int delta)
{
    int max = t->nover - over_height(t);
    t->over_top += delta;
    if (t->over_top > max) {
        t->over_top = max;
    }
    if (t->over_top < 0) {
        t->over_top = 0;
    }
}

/* The overlay: a box with its title in the top border, the lines from
 * over_top, and where they are in the bottom border. */
static void draw_overlay(struct tui *t)
{
    int w = 4;
    for (int i = 0; i < t->nover; i++) {
        int l = (int)strlen(t->over[i]) + (t->over_role[i] >= 0 ? 13 : 0) + 4;
        if (l > w) {
            w = l;
        }
    }
    if ((int)strlen(t->over_title) + 8 > w) {
        w = (int)strlen(t->over_title) + 8;
    }
    if (w < 44) {
        w = 44;
    }
    if (w > t->cols) {
        w = t->cols;
    }
    int h = over_height(t);
    over_scroll(t, 0);
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
    snprintf(title, sizeof title, " %s ", t->over_title);
    attrset(box | A_BOLD);
    mvaddnstr(y0, x0 + 2, title, w - 4);
    for (int i = 0; i < h; i++) {
        int y = y0 + 1 + i, k = t->over_top + i;
        attrset(box);
        mvaddch(y, x0, ACS_VLINE);
        for (int x = 1; x < w - 1; x++) {
            mvaddch(y, x0 + x, ' ');
        }
        mvaddch(y, x0 + w - 1, ACS_VLINE);
        if (k >= t->nover) {
            continue;
        }
        int x = x0 + 2;
        if (t->over_role[k] >= 0) {
            enum theme_role role = (enum theme_role)t->over_role[k];
            attrset(theme_class_attr(t->theme, role, THEME_C_BYTE));
            mvaddnstr(y, x, "4d 41 00 ff", w - 4);
            x += 13;
            attrset(box);
        }
        if (x < x0 + w - 2) {
            mvaddnstr(y, x, t->over[k], x0 + w - 2 - x);
        }
    }
    attrset(box);
    int yb = y0 + 1 + h;
    mvaddch(yb, x0, ACS_LLCORNER);
    mvhline(yb, x0 + 1, ACS_HLINE, w - 2);
    mvaddch(yb, x0 + w - 1, ACS_LRCORNER);
    char foot[96];
    if (t->nover > h) {
        snprintf(foot, sizeof foot, " %d-%d of %d  j/k/PgDn scroll  q closes ",
                 t->over_top + 1, t->over_top + h, t->nover);
    } else {
        snprintf(foot, sizeof foot, " q/Esc closes ");
    }
    int fl = (int)strlen(foot);
    mvaddnstr(yb, fl + 2 < w ? x0 + w - 1 - fl : x0 + 1, foot, w - 2);
    attrset(A_NORMAL);
}

static void draw(struct tui *t)
{
    erase();
    int h = view_height(t);
    uint64_t n = view_row_count(t->space);
    for (int y = 0; y < h && t->top + (uint64_t)y < n; y++) {
        draw_row(t, y, t->top + (uint64_t)y);
    }
    if (t->panel) {
        draw_panel(t);
    }
    if (t->spanel) {
        draw_symbols(t);
    }
    if (t->fpanel) {
        draw_frozen(t);
    }
    if (t->over_kind != OVER_NONE) {
        draw_overlay(t);
    }
    draw_info(t);
    draw_status(t);
    refresh();
}

/* ---- search ------------------------------------------------------------- */

/* One step of a search: make sure the next stretch is read, then look in
 * it.  Returns 1 while the search goes on. */
static int search_step(struct tui *t)
{
    struct view_provider prov = {provide, t};
    const uint64_t stretch = 16384;
    /* Bytes the board has but we did not read yet: ask for them first. */
    uint32_t a = t->search_pos;
    for (uint64_t i = 0; i < stretch; i += 256) {
        uint64_t at = t->search_dir > 0 ? (uint64_t)a + i : (uint64_t)a - i;
        if (at > 0xffffffffULL || (t->search_dir < 0 && i > a)) {
            break;
        }
        uint8_t v;
        if (provide(t, (uint32_t)at, &v) == VIEW_BYTE_UNREAD && t->worker != NULL) {
            uint32_t page = (uint32_t)at - (uint32_t)at % PCACHE_PAGE;
            worker_request(t->worker, page, (uint32_t)stretch, 0, 1);
            say(t, 0, "searching... 0x%08x (Esc stops)", (unsigned)at);
            return 2; /* wait for the bytes: the worker wakes us */
        }
    }
    uint32_t found = 0;
    int rc = view_search(&prov, t->space, &t->pat, t->search_pos, t->search_dir,
                         stretch, &found);
    if (rc == VIEW_SEARCH_FOUND &&
        (!t->search_wrapped || (t->search_dir > 0 ? found <= t->search_from
                                                  : found >= t->search_from))) {
        jump_to(t, found);
        t->have_hit = 1;
        t->hit_addr = found;
        t->hit_len = t->pat.len;
        if (t->search_wrapped) {
            say(t, 0, "found at 0x%08x (search hit the %s, went on from the %s)",
                (unsigned)found, t->search_dir > 0 ? "end" : "start",
                t->search_dir > 0 ? "start" : "end");
        } else {
            say(t, 0, "found at 0x%08x", (unsigned)found);
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
        say(t, 0, "searching... from the %s (Esc stops)", t->search_dir > 0 ? "start" : "end");
        return 1;
    }
    if (rc == VIEW_SEARCH_NOT_FOUND_YET &&
        !(t->search_wrapped && (t->search_dir > 0 ? found > t->search_from
                                                  : found < t->search_from))) {
        t->search_pos = found;
        say(t, 0, "searching... 0x%08x (Esc stops)", (unsigned)found);
        return 1;
    }
    t->searching = 0;
    if (rc > 0) {
        say(t, 1, "not found");
    } else {
        say(t, 1, "search failed");
    }
    return 0;
}

/* Search from the cursor (at: 1 for n and N, 0 for a new pattern, which
 * may match at the cursor itself), wrapping round once. */
static void start_search(struct tui *t, int dir, int step)
{
    if (!t->have_pat) {
        say(t, 1, "no search yet: press / to search");
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
    struct view_provider board = {provide, t}, img = {provide_image, t};
    uint32_t at = 0;
    int r = view_diff_next(&board, &img, t->ranges, t->nranges, t->diff_pos, t->diff_dir,
                           65536, t->worker != NULL, &at, &t->dstats);
    unsigned long long n = (unsigned long long)t->dstats.compared;
    if (r == VIEW_DIFF_FOUND) {
        uint8_t want = 0, have = 0;
        image_at(t, at, &want, NULL);
        provide(t, at, &have);
        jump_to(t, at);
        say(t, 0, "difference at 0x%08x  image: 0x%02x (board 0x%02x), %llu byte%s compared",
            (unsigned)at, want, have, n, n == 1 ? "" : "s");
        return 0;
    }
    if (r == VIEW_DIFF_MORE) {
        t->diff_pos = at;
        say(t, 0, "comparing... 0x%08x, %llu bytes so far (Esc stops)", (unsigned)at, n);
        return 1;
    }
    if (r == VIEW_DIFF_UNREAD) {
        struct worker_status st;
        worker_status(t->worker, &st);
        if (st.link == WORKER_TIMEOUT || st.link == WORKER_LOST || st.link == WORKER_ERROR) {
            say(t, 1, "no difference in the %llu bytes read so far; the board is not "
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
        say(t, 0, "reading to compare... 0x%08x, %llu bytes compared so far (Esc stops)",
            (unsigned)at, n);
        return 2;
    }
    char extra[120] = "";
    if (t->dstats.skipped > 0) {
        snprintf(extra, sizeof extra, "; %llu could not be compared (unreadable, failed "
                 "verification or stale)", (unsigned long long)t->dstats.skipped);
    }
    if (t->worker == NULL || t->dstats.unread > 0) {
        say(t, 0, "no difference in the %llu byte%s read so far; scroll to read more%s",
            n, n == 1 ? "" : "s", extra);
    } else {
        say(t, 0, "no difference %s 0x%08x: %llu byte%s compared with the image%s",
            t->diff_dir > 0 ? "after" : "before", (unsigned)t->cursor, n, n == 1 ? "" : "s",
            extra);
    }
    return 0;
}

static void start_diff(struct tui *t, int dir)
{
    if (t->o->nimages == 0 || t->nranges == 0) {
        say(t, 1, "no image to compare with: give one with --image FILE");
        return;
    }
    if (t->image_only) {
        say(t, 1, "there is no board to compare with the image (mpeek --image FILE "
            "with a board compares them)");
        return;
    }
    if (!t->diff) {
        t->diff = 1;
    }
    if ((dir > 0 && t->cursor == 0xffffffffu) || (dir < 0 && t->cursor == 0)) {
        say(t, 0, "no difference %s 0x%08x", dir > 0 ? "after" : "before",
            (unsigned)t->cursor);
        return;
    }
    t->diffing = 1;
    t->diff_dir = dir;
    t->diff_pos = dir > 0 ? t->cursor + 1 : t->cursor - 1;
    t->diff_have_asked = 0;
    memset(&t->dstats, 0, sizeof t->dstats);
}

/* ---- the symbol list ---------------------------------------------------- */

static const char *sym_name_of(void *ctx, size_t i)
{
    const struct tui *t = ctx;
    return t->syms[i].sym->name;
}

static void sym_filter(struct tui *t)
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

static void key_symbols(struct tui *t, int ch)
{
    size_t h = (size_t)(list_height(t) > 1 ? list_height(t) : 1);
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
            jump_to(t, sy->addr);
            say(t, 0, "%s: %s at 0x%08x, %u bytes", sy->name, sym_type_name(sy->type),
                (unsigned)sy->addr, (unsigned)sy->size);
            t->spanel = 0;
        }
        return;
    case KEY_ESC:
        t->spanel = 0;
        return;
    case KEY_BACKSPACE: case 127: case 8:
        if (len > 0) {
            t->sfilter[len - 1] = 0;
            sym_filter(t);
        }
        return;
    case CTRL('u'):
        t->sfilter[0] = 0;
        sym_filter(t);
        return;
    case KEY_RESIZE:
        relayout(t);
        return;
    default:
        if (ch > 0x20 && ch < 0x7f && len + 1 < sizeof t->sfilter) {
            t->sfilter[len] = (char)ch;
            t->sfilter[len + 1] = 0;
            sym_filter(t);
        }
        return;
    }
}

static void key_frozen(struct tui *t, int ch)
{
    size_t n = nfrozen(t);
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
            jump_to(t, m->addr);
            say(t, 0, "frozen %s: %s, %u bytes at 0x%08x", m->name,
                m->source ? "source" : "bytecode", (unsigned)m->size, (unsigned)m->addr);
        }
        t->fpanel = 0;
        return;
    case KEY_ESC: case 'F': case 'q':
        t->fpanel = 0;
        return;
    case KEY_RESIZE:
        relayout(t);
        return;
    default:
        return;
    }
}

/* ---- keys --------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Write the selection once every byte of it is verified. */
static void save_now(struct tui *t)
{
    uint64_t n = (uint64_t)t->sel_b - t->sel_a + 1;
    struct ofile of;
    struct rc_msg om;
    if (ofile_open(&of, t->save_path, &om) < 0) {
        say(t, 1, "%s", om.text);
        t->exporting = 0;
        return;
    }
    FILE *f = of.f; /* the file is replaced whole, or left as it was */
    int xxd = ends_with(t->save_path, ".hex") || ends_with(t->save_path, ".txt");
    int bad = 0;
    uint8_t row[16];
    for (uint64_t off = 0; off < n && !bad; off += 16) {
        size_t k = n - off < 16 ? (size_t)(n - off) : 16;
        for (size_t i = 0; i < k; i++) {
            row[i] = 0;
            provide(t, t->sel_a + (uint32_t)(off + i), &row[i]);
        }
        if (xxd) {
            char line[100];
            size_t l = fmt_xxd_line(t->sel_a + (uint32_t)off, row, k, line);
            bad = fwrite(line, 1, l, f) != l;
        } else {
            bad = fwrite(row, 1, k, f) != k;
        }
    }
    bad = ofile_commit(&of, &om) < 0;
    t->exporting = 0;
    t->sel = 0;
    if (bad) {
        say(t, 1, "%s", om.text);
    } else {
        say(t, 0, "saved %llu bytes 0x%08x-0x%08llx to %s%s", (unsigned long long)n,
            (unsigned)t->sel_a, (unsigned long long)t->sel_b + 1, t->save_path,
            xxd ? " (xxd dump)" : "");
    }
}

/* Saving: read what is missing first; the loop calls this until done. */
static void export_step(struct tui *t)
{
    uint64_t n = (uint64_t)t->sel_b - t->sel_a + 1;
    for (uint64_t off = 0; off < n; off++) {
        uint8_t v;
        int st = provide(t, t->sel_a + (uint32_t)off, &v);
        if (st == VIEW_BYTE_OK) {
            continue;
        }
        if (st == VIEW_BYTE_UNREAD && t->worker != NULL) {
            uint32_t a = t->sel_a + (uint32_t)off;
            worker_request(t->worker, a, (uint32_t)(n - off < 0x10000 ? n - off : 0x10000), 1, 0);
            say(t, 0, "reading the range to save... 0x%08x (Esc stops)", (unsigned)a);
            return;
        }
        say(t, 1, "0x%08x is %s: only verified bytes are saved",
            (unsigned)(t->sel_a + off), st == VIEW_BYTE_BAD ? "bad (failed verification)"
                                       : st == VIEW_BYTE_STALE ? "stale"
                                       : st == VIEW_BYTE_ABSENT ? "in no image" : "not readable");
        t->exporting = 0;
        return;
    }
    save_now(t);
}

static void prompt_done(struct tui *t)
{
    struct rc_msg msg = {{0}};
    if (t->prompt == PROMPT_GOTO) {
        uint32_t addr;
        struct view_symbols syms = {symbol, t};
        if (view_parse_goto(t->input, t->o->map, &syms, t->cursor, &addr, &msg) == RC_OK) {
            jump_to(t, addr);
            t->message[0] = 0;
        } else {
            say(t, 1, "%s", msg.text);
        }
    } else if (t->prompt == PROMPT_SAVE) {
        if (t->input[0] == 0) {
            say(t, 1, "no file named; nothing saved");
        } else {
            snprintf(t->save_path, sizeof t->save_path, "%s", t->input);
            if (access(t->save_path, F_OK) == 0) {
                t->prompt = PROMPT_CONFIRM;
                t->ninput = 0;
                t->input[0] = 0;
                return;
            }
            t->exporting = 1;
        }
    } else if (t->prompt == PROMPT_CONFIRM) {
        if (t->input[0] == 'y' || t->input[0] == 'Y') {
            t->exporting = 1;
        } else {
            say(t, 0, "not saved: %s exists", t->save_path);
            t->sel = 0;
        }
    } else if (t->prompt == PROMPT_SEARCH) {
        int ok = view_parse_search(t->input, &t->pat, &msg) == RC_OK;
        if (!ok && strchr(t->input, '"') == NULL && t->input[0] != 0) {
            /* Not bytes and no quotes: the text as typed ("hello"). */
            char q[2 * sizeof t->input + 3];
            size_t n = 0;
            q[n++] = '"';
            for (const char *c = t->input; *c != 0; c++) {
                if (*c == '\\') {
                    q[n++] = '\\';
                }
                q[n++] = *c;
            }
            q[n++] = '"';
            q[n] = 0;
            ok = view_parse_search(q, &t->pat, &msg) == RC_OK;
        }
        if (ok) {
            t->have_pat = 1;
            t->have_hit = 0;
            start_search(t, 1, 0);
        } else {
            say(t, 1, "%s", msg.text);
        }
    }
    t->prompt = PROMPT_NONE;
}

static void key_prompt(struct tui *t, int ch)
{
    if (t->prompt == PROMPT_GOTO && (ch == '\t' || ch == KEY_BTAB)) {
        size_t n = view_tab_complete(t->names, t->nnames, &t->tab, t->input,
                                     sizeof t->input, ch == KEY_BTAB ? -1 : 1);
        t->ninput = strlen(t->input);
        if (n == 0) {
            snprintf(t->tab_hint, sizeof t->tab_hint, "[no name starts so]");
        } else if (n == 1) {
            t->tab_hint[0] = 0;
        } else {
            snprintf(t->tab_hint, sizeof t->tab_hint, "[%zu matches%s]", n,
                     t->tab.cycling ? ": Tab for the next" : "");
        }
        return;
    }
    view_tab_reset(&t->tab);
    t->tab_hint[0] = 0;
    if (t->prompt == PROMPT_CONFIRM && ch != KEY_ESC && ch != CTRL('c') && ch != KEY_RESIZE) {
        /* One key answers: y writes, anything else keeps the file. */
        t->input[0] = (char)(ch == 'y' || ch == 'Y' ? 'y' : 'n');
        t->input[1] = 0;
        prompt_done(t);
        return;
    }
    if (ch == KEY_ESC || ch == CTRL('c')) {
        if (t->prompt == PROMPT_SAVE || t->prompt == PROMPT_CONFIRM) {
            t->sel = 0;
        }
        t->prompt = PROMPT_NONE;
    } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        prompt_done(t);
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (t->ninput > 0) {
            t->input[--t->ninput] = 0;
        }
    } else if (ch >= 0x20 && ch < 0x7f && t->ninput + 1 < sizeof t->input) {
        t->input[t->ninput++] = (char)ch;
        t->input[t->ninput] = 0;
    }
}

static void over_add(struct tui *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void over_add(struct tui *t, const char *fmt, ...)
{
    if (t->nover == (int)(sizeof t->over / sizeof t->over[0])) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    t->over_role[t->nover] = -1;
    vsnprintf(t->over[t->nover++], sizeof t->over[0], fmt, ap);
    va_end(ap);
}

/* Open an empty overlay of kind with title. */
static void over_open(struct tui *t, int kind, const char *title)
{
    t->over_kind = kind;
    t->nover = 0;
    t->over_top = 0;
    snprintf(t->over_title, sizeof t->over_title, "%s", title);
}

static void over_close(struct tui *t)
{
    t->over_kind = OVER_NONE;
    t->nover = 0;
}

static void open_help(struct tui *t)
{
    over_open(t, OVER_HELP, "mpeek explorer keys");
    for (size_t i = 0; i < sizeof help_lines / sizeof help_lines[0]; i++) {
        over_add(t, "%s", help_lines[i]);
    }
}

static void open_legend(struct tui *t)
{
    static const enum theme_role roles[] = {
        THEME_R_FLASH, THEME_R_RAM, THEME_R_ROM, THEME_R_PERIPHERAL,
        THEME_R_HEAP, THEME_R_STACK, THEME_R_FILESYSTEM, THEME_R_PARTITION,
        THEME_R_FROZEN, THEME_R_OTHER, THEME_R_HEAP_FREE, THEME_R_HEAP_HEAD,
        THEME_R_HEAP_TUPLE, THEME_R_HEAP_LIST, THEME_R_HEAP_DICT, THEME_R_HEAP_STR,
        THEME_R_HEAP_ARRAY, THEME_R_HEAP_FLOAT, THEME_R_HEAP_BYTECODE,
        THEME_R_HEAP_MODULE, THEME_R_HEAP_OTHER, THEME_R_UNREAD, THEME_R_BAD,
        THEME_R_STALE, THEME_R_CHANGED, THEME_R_SEARCH_HIT, THEME_R_DIFF,
        THEME_R_BOUNDARY,
    };
    over_open(t, OVER_LEGEND, "legend of colours");
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        over_add(t, "%s", theme_role_name(roles[i]));
        t->over_role[t->nover - 1] = (int)roles[i];
    }
}

/* Keys in an overlay: they scroll it or close it, and never act on the
 * view below. */
static void key_overlay(struct tui *t, int ch)
{
    int h = over_height(t);
    switch (ch) {
    case KEY_UP: case 'k':
        over_scroll(t, -1);
        break;
    case KEY_DOWN: case 'j': case '\n': case '\r': case KEY_ENTER:
        over_scroll(t, 1);
        break;
    case KEY_NPAGE: case ' ': case CTRL('f'): case CTRL('d'):
        over_scroll(t, h > 1 ? h - 1 : 1);
        break;
    case KEY_PPAGE: case 'b': case CTRL('b'): case CTRL('u'):
        over_scroll(t, -(h > 1 ? h - 1 : 1));
        break;
    case KEY_HOME: case 'g':
        t->over_top = 0;
        break;
    case KEY_END: case 'G':
        over_scroll(t, t->nover);
        break;
    case KEY_RESIZE:
        relayout(t);
        break;
    case 'q': case KEY_ESC: case CTRL('c'):
        over_close(t);
        break;
    case '?':
        if (t->over_kind == OVER_HELP) {
            over_close(t);
        }
        break;
    case 'L':
        if (t->over_kind == OVER_LEGEND) {
            over_close(t);
        }
        break;
    case 'i':
        if (t->over_kind == OVER_EXPLAIN) {
            over_close(t);
        }
        break;
    default:
        break;
    }
}

/* 'i': the byte under the cursor as a chain: region -> ... -> heap object
 * -> what it holds. */
static void explain(struct tui *t)
{
    char title[40];
    snprintf(title, sizeof title, "the byte at 0x%08x", (unsigned)t->cursor);
    over_open(t, OVER_EXPLAIN, title);
    const struct rmap_region *r = rmap_lookup(t->o->map, t->cursor);
    if (r == NULL) {
        over_add(t, "  in no known region");
    }
    for (; r != NULL; r = r->parent >= 0 ? rmap_get(t->o->map, (size_t)r->parent) : NULL) {
        char size[24];
        view_size_text(r->end - r->start, size, sizeof size);
        over_add(t, "  in %s +0x%x: %s, %s, from the %s", r->name,
                 (unsigned)(t->cursor - r->start), rmap_kind_name(r->kind), size,
                 rmap_source_name(r->source));
        if (r->notes[0]) {
            over_add(t, "     %s", r->notes);
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
            over_add(t, "  after symbol %s (0x%08llx) +0x%llx", best->name,
                     (unsigned long long)best->value,
                     (unsigned long long)(t->cursor - best->value));
        }
    }
    if (t->o->nimages > 0) {
        const struct image_sym *sy = NULL;
        char txt[200];
        uint8_t b = 0;
        size_t k = 0;
        cursor_symbol(t, t->cursor, txt, sizeof txt, &sy);
        if (sy != NULL) {
            over_add(t, "  in symbol %s: %s at 0x%08x, %u bytes", txt,
                     sym_type_name(sy->type), (unsigned)sy->addr, (unsigned)sy->size);
        } else if (txt[0]) {
            over_add(t, "  after symbol %s (no sized symbol covers it)", txt + 1);
        }
        if (image_at(t, t->cursor, &b, &k) != NULL) {
            over_add(t, "  image %s holds 0x%02x here", base_name(t->o->images[k]->path), b);
        } else {
            over_add(t, "  no image holds this byte");
        }
    }
    {
        size_t k = 0;
        const struct frozen_mod *m = module_at(t, t->cursor, &k);
        if (m != NULL) {
            const struct frozen_notes *ns = module_notes(t, k);
            const struct frozen_note *n = ns != NULL ? frozen_note_at(ns, t->cursor) : NULL;
            over_add(t, "  frozen module %s (%s, %u bytes at 0x%08x)", m->name,
                     m->source ? "source" : "bytecode", (unsigned)m->size, (unsigned)m->addr);
            if (n != NULL) {
                over_add(t, "     %.140s", n->text);
            }
        }
    }
    struct heapmap_hit hit;
    if (t->o->heap != NULL && heapmap_lookup(t->o->heap, t->cursor, &hit) == RC_OK) {
        if (hit.state == HEAPMAP_FREE) {
            over_add(t, "  heap: a free block (a run of %u blocks from 0x%08x)",
                     (unsigned)hit.obj_blocks, (unsigned)hit.head_addr);
        } else {
            over_add(t, "  heap: %s of a %u-block %s at 0x%08x, offset %u",
                     hit.block_addr == hit.head_addr ? "head" : "tail",
                     (unsigned)hit.obj_blocks, heapmap_kind_name(hit.kind),
                     (unsigned)hit.head_addr, (unsigned)(t->cursor - hit.head_addr));
        }
    }
    struct view_values v;
    struct view_provider prov = {provide, t};
    view_values(&prov, t->o->map, t->cursor, &v);
    const char *stale = v.stale ? " (stale: read before the board went away)" : "";
    if (v.have_u32) {
        over_add(t, "  value: u8 0x%02x, u16 0x%04x, u32 0x%08x%s%s%s", v.u8, v.u16,
                 (unsigned)v.u32, v.target ? " -> " : v.u32 == 0 ? " (NULL)" : "",
                 v.target ? v.target->name : "", stale);
    } else if (v.have_u8) {
        over_add(t, "  value: u8 0x%02x%s", v.u8, stale);
    } else {
        uint8_t b = 0;
        int st = provide(t, t->cursor, &b);
        struct rc_msg why = {{0}};
        int word;
        if (st == VIEW_BYTE_OUTSIDE && t->o->rrepl != NULL &&
            rmap_check_read(t->o->map, t->cursor, 1, &word, &why) != RC_OK) {
            over_add(t, "  value: not read, and never will be:");
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
                over_add(t, "     %.*s", (int)n, w);
                w += n;
                while (*w == ' ') {
                    w++;
                }
            }
        } else if (st == VIEW_BYTE_OUTSIDE && t->o->rrepl == NULL && !t->image_only) {
            over_add(t, "  value: not read: no board");
        } else {
            over_add(t, "  value: %s", view_byte_text(st));
        }
    }
}

static void key(struct tui *t, int ch)
{
    if (t->prompt != PROMPT_NONE) {
        key_prompt(t, ch);
        return;
    }
    int h = view_height(t);
    unsigned bpr = view_space_bpr(t->space);
    uint32_t a;
    t->message[0] = 0;
    t->searching = 0; /* any key ends a search; n and N start a new one */
    t->diffing = 0;   /* and a comparison */
    if (t->spanel) {
        key_symbols(t, ch);
        return;
    }
    if (t->fpanel) {
        key_frozen(t, ch);
        return;
    }
    if (t->pending) {
        int kind = t->pending;
        t->pending = 0;
        if (ch >= 'a' && ch <= 'z') {
            unsigned i = (unsigned)(ch - 'a');
            if (kind == 'm') {
                t->marks[i] = t->cursor;
                t->marks_set |= 1u << i;
                say(t, 0, "mark %c at 0x%08x", ch, (unsigned)t->cursor);
            } else if (t->marks_set & (1u << i)) {
                jump_to(t, t->marks[i]);
            } else {
                say(t, 1, "no mark %c (set one with m%c)", ch, ch);
            }
        }
        return;
    }
    if (t->over_kind != OVER_NONE) {
        key_overlay(t, ch);
        return;
    }
    if (t->panel) {
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
            if (t->panel_sel < n) {
                jump_to(t, rmap_get(t->o->map, t->panel_sel)->start);
            }
            t->panel = 0;
            return;
        case 'v':
            if (t->panel_sel < n) {
                const struct rmap_region *r = rmap_get(t->o->map, t->panel_sel);
                t->sel = 2;
                t->sel_a = r->start;
                t->sel_b = (uint32_t)(r->end - 1);
                t->panel = 0;
                t->prompt = PROMPT_SAVE;
                t->ninput = 0;
                t->input[0] = 0;
            }
            return;
        case KEY_ESC: case 'p': case 'q':
            t->panel = 0;
            return;
        default:
            return;
        }
    }
    switch (ch) {
    case 'q':
        t->quit = 1;
        break;
    case KEY_LEFT: case 'h':
        move_to(t, view_step(t->space, t->cursor, -1));
        break;
    case KEY_RIGHT: case 'l':
        move_to(t, view_step(t->space, t->cursor, 1));
        break;
    case KEY_UP: case 'k':
        move_to(t, view_move_rows(t->space, t->cursor, -1, -1));
        break;
    case KEY_DOWN: case 'j':
        move_to(t, view_move_rows(t->space, t->cursor, 1, -1));
        break;
    case KEY_NPAGE: case ' ':
        move_to(t, view_move_rows(t->space, t->cursor, h - 1, -1));
        break;
    case KEY_PPAGE: case 'b':
        move_to(t, view_move_rows(t->space, t->cursor, -(h - 1), -1));
        break;
    case 'g': case 'G': {
        uint32_t first, last;
        if (view_region_bounds(t->o->map, t->cursor, &first, &last) == RC_OK) {
            move_to(t, ch == 'g' ? first : last);
        } else {
            say(t, 1, "the cursor is in no region");
        }
        break;
    }
    case KEY_HOME: {
        struct view_row r;
        if (view_row_at(t->space, 0, &r) == RC_OK) {
            move_to(t, r.addr);
        }
        break;
    }
    case KEY_END: {
        struct view_row r;
        uint64_t n = view_row_count(t->space);
        if (n > 0 && view_row_at(t->space, n - 1, &r) == RC_OK) {
            move_to(t, (uint32_t)(r.end - 1));
        }
        break;
    }
    case '\t':
        if (view_next_region(t->o->map, t->cursor, &a) == RC_OK) {
            jump_to(t, a);
        }
        break;
    case KEY_BTAB:
        if (view_prev_region(t->o->map, t->cursor, &a) == RC_OK) {
            jump_to(t, a);
        }
        break;
    case ':': case CTRL('g'):
        t->prompt = PROMPT_GOTO;
        t->ninput = 0;
        t->input[0] = 0;
        break;
    case '/':
        t->prompt = PROMPT_SEARCH;
        t->ninput = 0;
        t->input[0] = 0;
        break;
    case 'n':
        start_search(t, 1, 1);
        break;
    case 'N':
        start_search(t, -1, 1);
        break;
    case 'f': {
        struct view_provider prov = {provide, t};
        struct rc_msg msg = {{0}};
        if (view_follow(&prov, t->cursor, &a, &msg) == RC_OK) {
            jump_to(t, a);
        } else {
            say(t, 1, "%s", msg.text);
        }
        break;
    }
    case 'B':
        t->bpr_choice = view_next_bpr(bpr);
        relayout(t);
        break;
    case '=':
        t->group = t->group == 4 ? 8 : 4;
        relayout(t);
        say(t, 0, "bytes grouped in %us", t->group);
        break;
    case 'p':
        t->panel = 1;
        view_panel_find(t->o->map, t->cursor, &t->panel_sel);
        break;
    case '?':
        open_help(t);
        break;
    case 'i':
        explain(t);
        break;
    case 'v':
        if (t->sel != 1) {
            t->sel = 1;
            t->sel_a = t->cursor;
            say(t, 0, "selecting from 0x%08x: move, then v again to save", (unsigned)t->cursor);
        } else {
            uint32_t a0 = t->sel_a < t->cursor ? t->sel_a : t->cursor;
            uint32_t b0 = t->sel_a < t->cursor ? t->cursor : t->sel_a;
            t->sel = 2;
            t->sel_a = a0;
            t->sel_b = b0;
            t->prompt = PROMPT_SAVE;
            t->ninput = 0;
            t->input[0] = 0;
        }
        break;
    case 'L':
        open_legend(t);
        break;
    case 'S':
        if (t->nsyms == 0) {
            say(t, 1, t->o->nimages == 0 ? "no symbols: give the firmware's ELF with --image"
                                         : "the images have no symbols (a .hex or .bin has "
                                           "none: give the ELF)");
            break;
        }
        t->spanel = 1;
        sym_select_near(t, t->cursor);
        break;
    case 'F':
        if (nfrozen(t) == 0) {
            say(t, 1, t->nsyms == 0 ? "no frozen modules known: they are found through "
                                      "symbols; give the firmware's ELF with --image"
                                    : "the image has no frozen modules");
            break;
        }
        t->fpanel = 1;
        {
            size_t i;
            if (module_at(t, t->cursor, &i) != NULL) {
                t->fpanel_sel = i;
            }
        }
        break;
    case 'd':
        if (t->o->nimages == 0 || t->nranges == 0) {
            say(t, 1, "no image to compare with: give one with --image FILE");
        } else if (t->image_only) {
            say(t, 1, "there is no board to compare with the image (mpeek --image FILE "
                "with a board compares them)");
        } else {
            t->diff = !t->diff;
            say(t, 0, t->diff ? "diff on: bytes that differ from the image stand out; "
                                ") / ( next / previous difference"
                              : "diff off");
        }
        break;
    case ')':
        start_diff(t, 1);
        break;
    case '(':
        start_diff(t, -1);
        break;
    case 'o': {
        struct heapmap_hit hit;
        if (t->o->heap != NULL && heapmap_lookup(t->o->heap, t->cursor, &hit) == RC_OK &&
            hit.state != HEAPMAP_FREE && !hit.orphan) {
            jump_to(t, hit.head_addr);
            say(t, 0, "head of a %u-block %s", (unsigned)hit.obj_blocks,
                heapmap_kind_name(hit.kind));
        } else {
            say(t, 1, "no heap object under the cursor");
        }
        break;
    }
    case 'm': case '\'':
        t->pending = ch;
        break;
    case '[':
        if (t->nback > 0) {
            if (t->nfwd < 64) {
                t->fwd[t->nfwd++] = t->cursor;
            }
            move_to(t, t->back[--t->nback]);
        }
        break;
    case ']':
        if (t->nfwd > 0) {
            if (t->nback < 64) {
                t->back[t->nback++] = t->cursor;
            }
            move_to(t, t->fwd[--t->nfwd]);
        }
        break;
    case 'w':
        if (t->worker == NULL) {
            say(t, 1, "no board: nothing to watch");
            break;
        }
        t->watch = !t->watch;
        t->last_refresh = 0;
        say(t, 0, t->watch ? "live watch on: the visible rows are re-read"
                           : "live watch off");
        break;
    case KEY_MOUSE: {
        MEVENT ev;
        if (getmouse(&ev) != OK) {
            break;
        }
        if (ev.bstate & BUTTON4_PRESSED) {
            move_to(t, view_move_rows(t->space, t->cursor, -3, -1));
        } else if (ev.bstate & BUTTON5_PRESSED) {
            move_to(t, view_move_rows(t->space, t->cursor, 3, -1));
        } else if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) {
            struct view_row r;
            if (ev.y < view_height(t) &&
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
                move_to(t, at);
            }
        }
        break;
    }
    case KEY_ESC:
        if (t->worker != NULL) {
            worker_cancel(t->worker);
        }
        t->searching = 0;
        t->diffing = 0;
        t->exporting = 0;
        t->sel = 0;
        t->have_hit = 0;
        say(t, 0, "cancelled");
        break;
    case KEY_RESIZE:
        relayout(t);
        break;
    default:
        break;
    }
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
    if (nfrozen(t) > 0) {
        t->notes = calloc(nfrozen(t), sizeof *t->notes);
        t->notes_done = calloc(nfrozen(t), 1);
    }
    if (t->ranges == NULL || t->syms == NULL || t->sym_idx == NULL || t->names == NULL ||
        (nfrozen(t) > 0 && (t->notes == NULL || t->notes_done == NULL))) {
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
    sym_filter(t);
    return RC_OK;
}

static void images_fini(struct tui *t)
{
    if (t->notes != NULL && t->notes_done != NULL) {
        for (size_t i = 0; i < nfrozen(t); i++) {
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
    t.o = o;
    t.group = 4;
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
        say(&t, 1, "%s (using the default theme)", tmsg.text);
    }
    if (o->start_expr != NULL) {
        struct view_symbols syms = {symbol, &t};
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
    relayout(&t);
    /* A start address is placed as a goto places it. */
    t.top = 0;
    place(&t, t.cursor);
    request_visible(&t);
    if (o->hint != NULL && o->hint[0] != 0) {
        say(&t, 0, "%s", o->hint);
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
                    say(&t, 0, "the board is back");
                    moved = 1;
                }
            }
        }
        if (t.exporting) {
            export_step(&t);
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
            for (int y = 0; y < view_height(&t) && t.top + (uint64_t)y < nrows; y++) {
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
    images_fini(&t);
    theme_free(t.theme);
    pcache_free(t.cache);
    if (t.wake[0] >= 0) {
        close(t.wake[0]);
        close(t.wake[1]);
    }
    return rc;
}
