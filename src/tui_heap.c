/*
 * tui_heap.c: the heap picture in the explorer ('H'): the GC heap drawn a
 * cell per block (or group of blocks) in the theme's heap colours, object
 * heads underlined, with the totals, the free runs and the largest.
 * Arrows move a cell cursor, Enter goes to its block in the hex view, r
 * reads mem_info(1) again (and so does live watch, w, while it shows); the
 * heap map read again also colours the hex view from then on.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "theme.h"
#include "theme_curses.h"
#include "worker.h"

const struct heapmap *tui_heapmap(const struct tui *t)
{
    return t->have_heap_own ? &t->heap_own : t->o->heap;
}

void tui_heap_fini(struct tui *t)
{
    if (t->have_pic) {
        heappic_fini(&t->pic);
        t->have_pic = 0;
    }
    if (t->have_heap_own) {
        heapmap_fini(&t->heap_own);
        t->have_heap_own = 0;
    }
}

/* Rows of cells that fit: the screen less the title, summary, legend. */
static void build(struct tui *t)
{
    const struct heapmap *h = tui_heapmap(t);
    if (t->have_pic) {
        heappic_fini(&t->pic);
        t->have_pic = 0;
    }
    if (h == NULL) {
        return;
    }
    int w = t->cols - 10, rows = t->rows - 4;
    t->pic_width = w > 8 ? (unsigned)w : 8;
    /* Each area starts a row: leave room for the partial rows. */
    size_t room = (size_t)(rows > 1 ? rows : 1) * t->pic_width;
    size_t slack = h->nareas * t->pic_width;
    struct rc_msg msg;
    if (heappic_build(h, room > slack * 2 ? room - slack : room / 2 + 1, &t->pic, &msg) == RC_OK) {
        t->have_pic = 1;
        if (t->pic_sel >= t->pic.ncells) {
            t->pic_sel = 0;
        }
    }
}

void tui_heap_reread(struct tui *t)
{
    if (t->worker == NULL || t->py_pending != 0) {
        return;
    }
    if (worker_exec(t->worker, "__import__('micropython').mem_info(1)") == RC_OK) {
        t->py_pending = TUI_PY_HEAP;
        t->heap_read_at = clock_ms();
    }
}

void tui_heap_open(struct tui *t)
{
    if (tui_heapmap(t) == NULL) {
        tui_say(t, 1, "no heap map: the board gave no allocation table "
                "(micropython.mem_info(1))");
        return;
    }
    build(t);
    if (!t->have_pic) {
        tui_say(t, 1, "the heap map has no allocation table to draw");
        return;
    }
    /* Start at the cell of the cursor when it is in the heap. */
    for (size_t i = 0; i < t->pic.ncells; i++) {
        uint32_t end = t->pic.cells[i].addr + t->pic.per_cell * t->pic.block_size;
        if (t->cursor >= t->pic.cells[i].addr && t->cursor < end) {
            t->pic_sel = i;
            break;
        }
    }
    tui_set_mode(t, &tui_mode_heap);
}

void tui_heap_answer(struct tui *t, int rc, const char *text)
{
    if (rc != RC_OK) {
        tui_say(t, 1, "reading the heap again failed");
        return;
    }
    struct heapmap h;
    struct rc_msg msg;
    unsigned bs = tui_heapmap(t) != NULL ? tui_heapmap(t)->block_size : 16;
    if (heapmap_parse(text, strlen(text), bs, &h, &msg) != RC_OK) {
        tui_say(t, 1, "the board's mem_info(1): %s", msg.text);
        return;
    }
    /* mpeek's own objects marked before stay marked where they still are
     * (its helper does not move). */
    const struct heapmap *old = tui_heapmap(t);
    for (size_t a = 0; old != NULL && a < old->nareas; a++) {
        const struct heapmap_area *ar = &old->areas[a];
        for (uint32_t b = 0; ar->own != NULL && b < ar->nblocks; b++) {
            if (ar->own[b] && heapmap_state_of(ar->blocks[b]) != HEAPMAP_TAIL) {
                heapmap_mark_own(&h, ar->pool_start + b * old->block_size);
            }
        }
    }
    if (t->have_heap_own) {
        heapmap_fini(&t->heap_own);
    }
    t->heap_own = h;
    t->have_heap_own = 1;
    build(t);
}

void tui_heap_step(struct tui *t)
{
    int period = t->o->refresh_ms > 0 ? t->o->refresh_ms : 500;
    if (t->mode == &tui_mode_heap && t->watch && clock_ms() - t->heap_read_at >= period) {
        tui_heap_reread(t);
    }
}

static void draw_heap(struct tui *t)
{
    if (!t->have_pic) {
        return;
    }
    erase();
    attrset(theme_attr(t->theme, THEME_R_HEADER));
    mvaddnstr(0, 0, "GC heap: arrows move, Enter goes to the block, r reads it again "
              "(w: live), H or q closes", t->cols);
    attrset(A_NORMAL);
    const struct heappic *p = &t->pic;
    int y = 1;
    for (size_t a = 0; a < p->nareas && y < t->rows - 3; a++) {
        size_t first = p->area_first[a];
        size_t end = a + 1 < p->nareas ? p->area_first[a + 1] : p->ncells;
        for (size_t c = first; c < end && y < t->rows - 3; c += t->pic_width, y++) {
            char addr[12];
            snprintf(addr, sizeof addr, "%08x ", (unsigned)p->cells[c].addr);
            attrset(theme_attr(t->theme, THEME_R_ADDR));
            mvaddstr(y, 0, addr);
            for (size_t i = c; i < end && i < c + t->pic_width; i++) {
                const struct heappic_cell *cell = &p->cells[i];
                attr_t at = theme_attr(t->theme, theme_role_of_heap(cell->kind));
                if (cell->head) {
                    at |= A_UNDERLINE;
                }
                if (i == t->pic_sel) {
                    at |= A_REVERSE;
                }
                attrset(at);
                addch((chtype)(unsigned char)cell->ch);
            }
        }
    }
    attrset(A_NORMAL);
    char line[300];
    heappic_summary(p, line, sizeof line);
    mvaddnstr(t->rows - 3, 0, line, t->cols);
    const struct heappic_cell *s = &p->cells[t->pic_sel];
    snprintf(line, sizeof line, "cell 0x%08x: %s%s%s", (unsigned)s->addr,
             s->kind == HEAPMAP_K_NONE ? "free" : heapmap_kind_name(s->kind),
             s->head ? ", an object starts here" : "",
             t->have_heap_own ? "" : "  (as read at the start; r reads it again)");
    mvaddnstr(t->rows - 2, 0, line, t->cols);
}

static void heap_key(struct tui *t, int ch)
{
    size_t n = t->have_pic ? t->pic.ncells : 0;
    size_t w = t->pic_width ? t->pic_width : 1;
    switch (ch) {
    case KEY_LEFT: case 'h':
        t->pic_sel = t->pic_sel > 0 ? t->pic_sel - 1 : 0;
        break;
    case KEY_RIGHT: case 'l':
        t->pic_sel = t->pic_sel + 1 < n ? t->pic_sel + 1 : t->pic_sel;
        break;
    case KEY_UP: case 'k':
        t->pic_sel = t->pic_sel >= w ? t->pic_sel - w : t->pic_sel;
        break;
    case KEY_DOWN: case 'j':
        t->pic_sel = t->pic_sel + w < n ? t->pic_sel + w : t->pic_sel;
        break;
    case '\n': case '\r': case KEY_ENTER:
        if (n > 0) {
            tui_set_mode(t, &tui_mode_view);
            tui_jump_to(t, t->pic.cells[t->pic_sel].addr);
        }
        break;
    case 'r':
        tui_heap_reread(t);
        break;
    case 'w':
        t->watch = !t->watch;
        break;
    case KEY_RESIZE:
        tui_relayout(t);
        build(t);
        break;
    case 'q': case 'H': case TUI_KEY_ESC: case TUI_CTRL('c'):
        tui_set_mode(t, &tui_mode_view);
        break;
    default:
        break;
    }
}

const struct tui_mode tui_mode_heap = {NULL, draw_heap, heap_key};
