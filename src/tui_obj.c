/*
 * tui_obj.c: the object panel ('O'): the MicroPython object under the
 * cursor decoded (objdec.h) with the same decoder as `mpeek obj`: the heap
 * object holding the cursor (from its head), else the word at the cursor
 * taken as an object word.  Its type, fields and items are lines; Enter on
 * a line that points somewhere follows it ('[' comes back), q closes.
 *
 * The bytes come from what the explorer has read: what is missing is asked
 * of the worker, and the decode runs again when it arrives (tui_obj_step).
 * The qstr pools are read the same way, once per session.
 *
 * While the panel is open the hex rows outline where the object's parts
 * are (objhl.h, built in the panel's line order) and highlight the part
 * of the selected line (tui.c draw_row).
 */
#include "tui_int.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmem.h"
#include "fmt.h"
#include "heapmap.h"
#include "pcache.h"
#include "qstr.h"
#include "theme.h"
#include "theme_curses.h"
#include "worker.h"

int tui_mem_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                    struct rc_msg *msg)
{
    struct tui_mem *m = ctx;
    for (uint32_t i = 0; i < len; i++) {
        int st = tui_provide(m->t, addr + i, &out[i]);
        if (st == VIEW_BYTE_OK) {
            continue;
        }
        if (st == VIEW_BYTE_UNREAD && m->t->worker != NULL) {
            m->missing = 1;
            m->at = addr + i;
            uint32_t page = (addr + i) & ~(PCACHE_PAGE - 1);
            uint32_t want = len - i > 16384 ? 16384 : len - i;
            worker_request(m->t->worker, page, want + (addr + i - page), 1, 0);
            return rc_set(msg, RC_NOTFOUND, "0x%08x is not read yet", (unsigned)(addr + i));
        }
        return rc_set(msg, RC_NOTFOUND, "0x%08x is %s", (unsigned)(addr + i),
                      st == VIEW_BYTE_BAD ? "bad (failed verification)"
                      : st == VIEW_BYTE_STALE ? "stale" : "not readable");
    }
    return RC_OK;
}

static void lines_clear(struct tui *t)
{
    t->nobj_lines = 0;
    t->obj_sel = 0;
    t->obj_hl.n = 0;
}

/* A line; target: where Enter goes (0 nowhere), is_obj: an object there
 * (decoded in the panel) or raw memory (the view only). */
static void line_add(struct tui *t, uint32_t target, int is_obj, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void line_add(struct tui *t, uint32_t target, int is_obj, const char *fmt, ...)
{
    if (t->nobj_lines >= TUI_OBJ_LINES) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->obj_lines[t->nobj_lines], sizeof t->obj_lines[0], fmt, ap);
    va_end(ap);
    t->obj_target[t->nobj_lines] = target;
    t->obj_is_obj[t->nobj_lines] = is_obj;
    t->nobj_lines++;
}

/* The decoded object as lines. */
static void fill(struct tui *t, const struct objdec_obj *o)
{
    char *v = NULL;
    struct rc_msg m;
    char e[300];
    lines_clear(t);
    if (o->addr != 0) {
        line_add(t, o->type_addr, 1, "%s at 0x%08x (type object at 0x%08x)", o->type_name,
                 (unsigned)o->addr, (unsigned)o->type_addr);
    } else {
        line_add(t, 0, 0, "%s: the immediate word 0x%08x", o->type_name, (unsigned)o->word);
    }
    for (size_t i = 0; i < o->nfields; i++) {
        const struct objdec_field *f = &o->fields[i];
        if (f->is_ptr) {
            line_add(t, f->value, 0, "  %s -> 0x%08x", f->name, (unsigned)f->value);
        } else {
            line_add(t, 0, 0, "  %s: %u", f->name, (unsigned)f->value);
        }
    }
    int dict = o->kind == OBJDEC_DICT;
    int first_item = t->nobj_lines;
    for (size_t i = 0; i < o->nitems; i += dict ? 2 : 1) {
        const struct objdec_obj *c = o->items[i];
        if (objdec_repr(c, &t->lay, &v, &m) != RC_OK) {
            v = NULL;
        }
        fmt_escape(v ? v : "?", strlen(v ? v : "?"), "", e, sizeof e);
        if (dict && i + 1 < o->nitems) {
            const struct objdec_obj *val = o->items[i + 1];
            char *vv = NULL, e2[300];
            if (objdec_repr(val, &t->lay, &vv, &m) != RC_OK) {
                vv = NULL;
            }
            fmt_escape(vv ? vv : "?", strlen(vv ? vv : "?"), "", e2, sizeof e2);
            line_add(t, val->addr, 1, "  %s: %s", e, e2);
            free(vv);
        } else {
            line_add(t, c->addr, 1, "  [%zu] 0x%08x %s %s", i, (unsigned)c->word, c->type_name,
                     c->kind == OBJDEC_CUT ? "..." : e);
        }
        free(v);
        v = NULL;
    }
    if (o->items_cut) {
        line_add(t, 0, 0, "  ... (%zu in all)", o->total);
    }
    if (objdec_repr(o, &t->lay, &v, &m) == RC_OK) {
        fmt_escape(v, strlen(v), "", e, sizeof e);
        line_add(t, 0, 0, "value: %s", e);
        free(v);
    }
    objhl_build(o, &t->obj_hl);
    /* The first item is selected (else the type line). */
    t->obj_sel = o->nitems > 0 && first_item < t->nobj_lines ? first_item : 0;
}

/* The qstr pools for the decoders (t->obj_qtab), found once per session;
 * 1 when there, 0 while bytes are still coming, -1 (said) when not. */
int tui_obj_qtab(struct tui *t, const struct frozen_mem *mem, struct tui_mem *om,
                 struct rc_msg *msg)
{
    if (t->obj_qtab == NULL) {
        struct qstr_where w;
        memset(&w, 0, sizeof w);
        for (size_t i = 0; i < t->o->nimages; i++) {
            if (t->o->images[i] != NULL && t->o->images[i]->nsyms > 0) {
                w.img = t->o->images[i];
                break;
            }
        }
        int major = 0, minor = 0;
        if (sscanf(t->o->version ? t->o->version : "", "%d.%d", &major, &minor) == 2) {
            w.version = (uint32_t)(major * 10000 + minor * 100);
        }
        bmem_qstr_where(&w, t->o->map, t->o->unsafe);
        if (tui_heapmap(t) != NULL) {
            /* freed pools stay in RAM: the heap says which are live */
            w.in_use = heapmap_head_at;
            w.in_use_ctx = (void *)tui_heapmap(t);
        }
        int qrc = t->o->qstr_tab != NULL
                      ? t->o->qstr_tab(t->o->qstr_ctx, mem, &w, &t->obj_qtab, msg)
                      : qstr_tab_new(&t->obj_qtab, mem, &w, msg);
        if (qrc != RC_OK) {
            if (om->missing) {
                tui_say(t, 0, "reading the qstr pools... 0x%08x (Esc stops)", (unsigned)om->at);
                return 0;
            }
            tui_say(t, 1, "the qstr pools: %s", msg->text);
            return -1;
        }
    }
    return 1;
}

/* Try the decode; 0 while bytes are still coming. */
static int attempt(struct tui *t)
{
    struct tui_mem om = {t, 0, 0};
    struct frozen_mem mem = {tui_mem_read, &om};
    struct rc_msg msg = {{0}};
    int q = tui_obj_qtab(t, &mem, &om, &msg);
    if (q <= 0) {
        return q;
    }
    struct objdec_qstr_ops qs = {qstr_text, t->obj_qtab};
    struct objdec_limits lim = {2, 256};
    struct objdec_obj *o = NULL;
    if (objdec_decode(&t->lay, &mem, &qs, t->obj_word, &lim, &o, &msg) != RC_OK) {
        if (om.missing) {
            tui_say(t, 0, "reading the object... 0x%08x (Esc stops)", (unsigned)om.at);
            return 0;
        }
        tui_say(t, 1, "the object 0x%08x: %s", (unsigned)t->obj_word, msg.text);
        return -1;
    }
    fill(t, o);
    objdec_free(o);
    t->message[0] = 0;
    return 1;
}

void tui_obj_step(struct tui *t)
{
    if (t->obj_state != 1) {
        return;
    }
    if (t->have_lay == 0) {
        return; /* the layout is being asked for */
    }
    if (t->have_lay < 0) {
        tui_say(t, 1, "the object layout of this board is not known (a MicroPython "
                "version mpeek decodes: 1.9-1.12, 1.19 on)");
        t->obj_state = 0;
        return;
    }
    int r = attempt(t);
    if (r == 1) {
        t->obj_state = 2;
        tui_set_mode(t, &tui_mode_object);
    } else if (r < 0) {
        t->obj_state = 0;
    }
}

/* Decode the object word w into the panel. */
static void open_word(struct tui *t, uint32_t w)
{
    t->obj_word = w;
    t->obj_state = 1;
    tui_py_layout(t);
    tui_obj_step(t);
}

void tui_obj_open(struct tui *t)
{
    struct heapmap_hit hit;
    const struct heapmap *h = tui_heapmap(t);
    if (h != NULL && heapmap_lookup(h, t->cursor, &hit) == RC_OK &&
        hit.state != HEAPMAP_FREE && !hit.orphan) {
        open_word(t, hit.head_addr);
        return;
    }
    uint8_t b[4];
    for (int i = 0; i < 4; i++) {
        if (tui_provide(t, t->cursor + (uint32_t)i, &b[i]) != VIEW_BYTE_OK) {
            tui_say(t, 1, "the word at the cursor is not read yet");
            return;
        }
    }
    open_word(t, (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24);
}

void tui_obj_fini(struct tui *t)
{
    qstr_tab_free(t->obj_qtab);
    t->obj_qtab = NULL;
}

static void draw_object(struct tui *t)
{
    int h = t->nobj_lines + 2;
    if (h > t->rows / 2) {
        h = t->rows / 2;
    }
    if (h < 3) {
        return;
    }
    int y0 = t->rows - 1 - h;
    int w = t->cols;
    attrset(theme_attr(t->theme, THEME_R_HELP));
    mvhline(y0, 0, ACS_HLINE, w);
    char title[80];
    snprintf(title, sizeof title, " object 0x%08x: Enter follows, [ back, q closes ",
             (unsigned)t->obj_word);
    mvaddnstr(y0, 2, title, w - 4);
    int rows = h - 1;
    int first = t->obj_sel >= rows ? t->obj_sel - rows + 1 : 0;
    for (int i = 0; i < rows; i++) {
        int k = first + i;
        attrset(theme_attr(t->theme, k == t->obj_sel ? THEME_R_PANEL_SELECTED : THEME_R_PANEL));
        move(y0 + 1 + i, 0);
        clrtoeol();
        if (k < t->nobj_lines) {
            mvaddnstr(y0 + 1 + i, 1, t->obj_lines[k], w - 2);
        }
    }
    attrset(A_NORMAL);
}

static void object_key(struct tui *t, int ch)
{
    switch (ch) {
    case KEY_UP: case 'k':
        t->obj_sel = t->obj_sel > 0 ? t->obj_sel - 1 : 0;
        break;
    case KEY_DOWN: case 'j':
        t->obj_sel = t->obj_sel + 1 < t->nobj_lines ? t->obj_sel + 1 : t->obj_sel;
        break;
    case '\n': case '\r': case KEY_ENTER: {
        uint32_t to = t->nobj_lines > 0 ? t->obj_target[t->obj_sel] : 0;
        if (to == 0) {
            tui_say(t, 1, "this line points nowhere");
            break;
        }
        tui_jump_to(t, to);
        if (t->obj_is_obj[t->obj_sel]) {
            open_word(t, to);
        } else {
            tui_set_mode(t, &tui_mode_view);
            t->obj_state = 0;
        }
        break;
    }
    case '[':
        tui_set_mode(t, &tui_mode_view);
        tui_back(t);
        break;
    case KEY_RESIZE:
        tui_relayout(t);
        break;
    case 'q': case 'O': case TUI_KEY_ESC: case TUI_CTRL('c'):
        tui_set_mode(t, &tui_mode_view);
        t->obj_state = 0;
        break;
    default:
        break;
    }
}

const struct tui_mode tui_mode_object = {NULL, draw_object, object_key};
