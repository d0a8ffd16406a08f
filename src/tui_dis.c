/*
 * tui_dis.c: the disassembly pane ('D'): where the cursor is inside a
 * frozen module's bytecode, the instructions around it (address, bytes,
 * name, argument as mpeek dis lists them), the current one highlighted
 * and its bytes outlined on the hex rows (dispane.h, with the instruction
 * a jump goes to).  j / k (arrows) go to the next / previous instruction
 * and move the cursor; Enter follows a jump, or MAKE_FUNCTION to the
 * child's code ('[' comes back: the explorer's history); q, D or Esc
 * close it.  Other keys are the plain view's: the pane follows the cursor.
 *
 * The pane's header carries the frozen-module notes line (the note under
 * the cursor), which the info line shows while the pane is closed.
 *
 * Frozen modules are decoded from the firmware's ELF (the frozen set the
 * explorer has, bcmod.h: v1.19+ frozen_module_* tables), once per module;
 * their bytes are in flash, so the image's bytes are the board's.  Qstr
 * text comes from the image's pools.  Anything else under the cursor is
 * said to be what it is ("not bytecode: ..."), never guessed at.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "bc_fmt.h"
#include "bcmod.h"
#include "bmem.h"
#include "buf.h"
#include "dispane.h"
#include "frozen.h"
#include "frozen_notes.h"
#include "heapmap.h"
#include "image.h"
#include "qstr.h"
#include "theme.h"
#include "theme_curses.h"

/* The ELF the frozen modules were found in. */
static const struct image *elf_of(const struct tui *t)
{
    const struct image *elf = t->o->frozen_image;
    for (size_t k = 0; k < t->o->nimages && elf == NULL; k++) {
        if (t->o->images[k]->kind == IMAGE_ELF) {
            elf = t->o->images[k];
        }
    }
    return elf;
}

/* The exact length of a frozen function's bytes: its fun_data_* symbol. */
static uint32_t len_of(void *ctx, uint32_t addr, int *exact)
{
    const struct image *img = ctx;
    const struct image_sym *sy = image_sym_at(img, addr);
    *exact = 0;
    if (sy != NULL && sy->addr == addr && sy->size > 0 &&
        strncmp(sy->name, "fun_data_", 9) == 0) {
        *exact = 1;
        return sy->size;
    }
    return 0;
}

static int name_qstr(void *ctx, uint32_t q, char *buf, size_t size)
{
    struct rc_msg m;
    return ctx != NULL && qstr_text(ctx, q, buf, size, &m) == RC_OK;
}

static void unload(struct tui *t)
{
    if (t->dis_prog != NULL) {
        bc_prog_free(t->dis_prog);
        free(t->dis_prog);
        t->dis_prog = NULL;
    }
    t->dis_mod = -1;
    t->dis_err[0] = 0;
}

/* Decode frozen module i into t->dis_prog (or say why not in dis_err). */
static void load_module(struct tui *t, size_t i)
{
    unload(t);
    t->dis_mod = (long)i;
    const struct frozen_mod *mod = &t->o->frozen->mods[i];
    const struct image *elf = elf_of(t);
    if (mod->source) {
        snprintf(t->dis_err, sizeof t->dis_err, "%s is frozen as source text (compiled "
                 "only when imported)", mod->name);
        return;
    }
    if (elf == NULL) {
        snprintf(t->dis_err, sizeof t->dis_err, "decoding %s needs the firmware's ELF "
                 "(--image FILE)", mod->name);
        return;
    }
    int major = 0, minor = 0;
    if (sscanf(t->o->version ? t->o->version : "", "%d.%d", &major, &minor) != 2 &&
        !bcmod_image_version(elf, &major, &minor)) {
        snprintf(t->dis_err, sizeof t->dis_err, "the MicroPython version is not known "
                 "(the bytecode format depends on it)");
        return;
    }
    if (major != 1 || minor < 19) {
        snprintf(t->dis_err, sizeof t->dis_err, "frozen bytecode of MicroPython %d.%d is "
                 "not decoded by the pane (1.19 and newer)", major, minor);
        return;
    }
    struct frozen_mem mem;
    frozen_mem_image(&mem, elf);
    struct rc_msg msg = {{0}};
    if (t->dis_qtab == NULL && !t->dis_qtab_tried) {
        struct qstr_where w;
        memset(&w, 0, sizeof w);
        w.img = elf;
        w.version = (uint32_t)(major * 10000 + minor * 100);
        bmem_qstr_where(&w, t->o->map, t->o->unsafe);
        t->dis_qtab_tried = 1;
        if (qstr_tab_new(&t->dis_qtab, &mem, &w, &msg) != RC_OK) {
            t->dis_qtab = NULL;
        }
    }
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = BC_FMT_V6;
    src.proto_fun = minor >= 23;
    src.len_of = len_of;
    src.ctx = (void *)elf;
    src.max_len = 1024;
    uint32_t root = 0;
    int rc = bcmod_tables(elf, &mem, minor, mod, &src, &root, &msg);
    struct bc_prog *p = calloc(1, sizeof *p);
    if (rc == RC_OK && p == NULL) {
        rc = rc_set(&msg, RC_NOMEM, "out of memory");
    }
    if (rc == RC_OK) {
        rc = bc_load_proto(&src, root, p, &msg);
    }
    if (rc != RC_OK) {
        snprintf(t->dis_err, sizeof t->dis_err, "%s", msg.text);
        if (p != NULL) {
            bc_prog_free(p);
            free(p);
        }
        return;
    }
    t->dis_prog = p;
}

/* The function's simple name. */
static void fun_name(const struct tui *t, const struct bc_fun *f, char *out, size_t size)
{
    if (!f->have_names || !name_qstr(t->dis_qtab, f->simple_name, out, size)) {
        snprintf(out, size, "function at 0x%08x", (unsigned)f->fun_data);
    }
}

/* Where the cursor is: t->dis_where, dis_fun, dis_insn, the outline and
 * t->dis_why (what it is when not an instruction). */
void tui_dis_sync(struct tui *t)
{
    t->dis_hl.n = 0;
    t->dis_where = DISPANE_NONE;
    t->dis_why[0] = 0;
    size_t i = 0;
    const struct frozen_mod *m = tui_module_at(t, t->cursor, &i);
    if (m == NULL) {
        struct heapmap_hit hit;
        const struct heapmap *h = tui_heapmap(t);
        if (h != NULL && heapmap_lookup(h, t->cursor, &hit) == RC_OK &&
            hit.state != HEAPMAP_FREE && !hit.orphan) {
            snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: a %s heap block at "
                     "0x%08x (functions on the heap: mpeek dis 0x%08x of the function "
                     "object)", heapmap_kind_name(hit.kind), (unsigned)hit.head_addr,
                     (unsigned)hit.head_addr);
        } else {
            snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: 0x%08x is in no "
                     "frozen module%s", (unsigned)t->cursor,
                     tui_nfrozen(t) == 0 ? " (none known: give the firmware's ELF)" : "");
        }
        return;
    }
    if (t->dis_mod != (long)i) {
        load_module(t, i);
    }
    if (t->dis_prog == NULL) {
        snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: %s", t->dis_err);
        return;
    }
    size_t fun = 0, insn = 0;
    t->dis_where = (int)dispane_locate(t->dis_prog, t->cursor, &fun, &insn);
    t->dis_fun = fun;
    t->dis_insn = insn;
    char name[96];
    const struct bc_fun *f = t->dis_where != DISPANE_NONE ? &t->dis_prog->f[fun] : NULL;
    if (f != NULL) {
        fun_name(t, f, name, sizeof name);
    }
    switch (t->dis_where) {
    case DISPANE_INSN:
        dispane_outline(t->dis_prog, fun, insn, &t->dis_hl);
        break;
    case DISPANE_PRELUDE:
        snprintf(t->dis_why, sizeof t->dis_why, "not an instruction: the prelude of %s "
                 "(j goes to its first instruction)", name);
        break;
    case DISPANE_TAIL:
        snprintf(t->dis_why, sizeof t->dis_why, "not an instruction: past the last one "
                 "of %s%s%s", name, f->err[0] ? ": " : "", f->err);
        break;
    case DISPANE_MACHINE:
        snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: %s is %s machine code "
                 "(mpeek dis %s lists it)", name, bc_kind_name(f->kind), m->name);
        break;
    default:
        snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: %s data outside its "
                 "functions' bytecode", m->name);
        break;
    }
}

int tui_dis_rows(const struct tui *t)
{
    if (!t->dis_on) {
        return 0;
    }
    int p = (t->rows - 1) / 2;
    return p > 12 ? 12 : p < 3 ? 0 : p;
}

void tui_dis_open(struct tui *t)
{
    t->dis_on = 1;
    tui_set_mode(t, &tui_mode_dis);
    tui_relayout(t);
}

void tui_dis_fini(struct tui *t)
{
    unload(t);
    qstr_tab_free(t->dis_qtab);
    t->dis_qtab = NULL;
}

static void close_pane(struct tui *t)
{
    t->dis_on = 0;
    tui_set_mode(t, &tui_mode_view);
    tui_relayout(t);
}

/* One instruction's line. */
static void insn_line(struct tui *t, const struct bc_fun *f, size_t k, char *out, size_t size)
{
    const struct bc_insn *in = &f->insns[k];
    char hex[16] = "";
    size_t o = 0;
    for (unsigned b = 0; b < in->len && b < 4 && in->off + b < f->len; b++) {
        o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x", f->bytes[in->off + b]);
    }
    if (in->len > 4 && o + 2 < sizeof hex) {
        snprintf(hex + o, sizeof hex - o, "..");
    }
    struct buf b;
    buf_init(&b);
    struct bc_names nm = {name_qstr, NULL, t->dis_qtab};
    bc_fmt_insn(t->dis_prog, f, in, &nm, &b);
    snprintf(out, size, "%c 0x%08x  %-10s %s", k == t->dis_insn ? '>' : ' ',
             (unsigned)(f->fun_data + in->off), hex, buf_failed(&b) ? "?" : buf_str(&b));
    buf_fini(&b);
}

void tui_dis_draw(struct tui *t)
{
    int h = tui_dis_rows(t);
    if (h < 3) {
        return;
    }
    tui_dis_sync(t);
    int y0 = tui_view_height(t);
    int w = t->cols;
    char head[600], name[96] = "";
    size_t mi = 0;
    const struct frozen_mod *m = tui_module_at(t, t->cursor, &mi);
    const struct frozen_notes *ns = m != NULL ? tui_module_notes(t, mi) : NULL;
    const struct frozen_note *n = ns != NULL ? frozen_note_at(ns, t->cursor) : NULL;
    if (t->dis_where != DISPANE_NONE && t->dis_prog != NULL) {
        fun_name(t, &t->dis_prog->f[t->dis_fun], name, sizeof name);
    }
    snprintf(head, sizeof head, " bytecode%s%s%s%s", m ? " " : "", m ? m->name : "",
             name[0] ? " " : "", name);
    size_t len = strlen(head);
    if (n != NULL) {
        snprintf(head + len, sizeof head - len, " | +0x%x: %s",
                 (unsigned)(t->cursor - n->addr), n->text);
    }
    len = strlen(head);
    snprintf(head + len, sizeof head - len, " | j k Enter [ q ");
    attrset(theme_attr(t->theme, THEME_R_HELP));
    mvhline(y0, 0, ACS_HLINE, w);
    mvaddnstr(y0, 0, head, w);
    int rows = h - 1;
    char line[400];
    const struct bc_fun *f = t->dis_where == DISPANE_INSN ? &t->dis_prog->f[t->dis_fun] : NULL;
    size_t first = 0;
    if (f != NULL) {
        size_t above = (size_t)(rows - 1) / 2;
        first = t->dis_insn > above ? t->dis_insn - above : 0;
        if (f->ninsns > (size_t)rows && first + (size_t)rows > f->ninsns) {
            first = f->ninsns - (size_t)rows;
        }
    }
    for (int i = 0; i < rows; i++) {
        size_t k = first + (size_t)i;
        int cur = f != NULL && k == t->dis_insn;
        attrset(theme_attr(t->theme, cur ? THEME_R_PANEL_SELECTED : THEME_R_PANEL));
        move(y0 + 1 + i, 0);
        clrtoeol();
        if (f != NULL && k < f->ninsns) {
            insn_line(t, f, k, line, sizeof line);
            mvaddnstr(y0 + 1 + i, 1, line, w - 2);
        } else if (f == NULL && i == 0) {
            mvaddnstr(y0 + 1, 1, t->dis_why, w - 2);
        }
    }
    attrset(A_NORMAL);
}

/* j / k: the next (dir 1) or previous (-1) instruction. */
static void step(struct tui *t, int dir, int ch)
{
    tui_dis_sync(t);
    const struct bc_prog *p = t->dis_prog;
    if (t->dis_where == DISPANE_INSN) {
        const struct bc_fun *f = &p->f[t->dis_fun];
        if ((dir > 0 && t->dis_insn + 1 >= f->ninsns) || (dir < 0 && t->dis_insn == 0)) {
            tui_say(t, 0, "the %s instruction of the function", dir > 0 ? "last" : "first");
            return;
        }
        tui_move_to(t, dispane_insn_addr(p, t->dis_fun, t->dis_insn + (dir > 0 ? 1 : (size_t)-1)));
        return;
    }
    if (t->dis_where == DISPANE_PRELUDE && dir > 0 && p->f[t->dis_fun].ninsns > 0) {
        tui_move_to(t, dispane_insn_addr(p, t->dis_fun, 0));
        return;
    }
    if (t->dis_where == DISPANE_TAIL && dir < 0 && p->f[t->dis_fun].ninsns > 0) {
        tui_move_to(t, dispane_insn_addr(p, t->dis_fun, p->f[t->dis_fun].ninsns - 1));
        return;
    }
    tui_mode_view.key(t, ch); /* not in bytecode: the cursor moves by rows */
}

static void dis_key(struct tui *t, int ch)
{
    switch (ch) {
    case KEY_DOWN: case 'j':
        step(t, 1, ch);
        break;
    case KEY_UP: case 'k':
        step(t, -1, ch);
        break;
    case '\n': case '\r': case KEY_ENTER: {
        tui_dis_sync(t);
        struct rc_msg msg = {{0}};
        uint32_t to;
        if (t->dis_where != DISPANE_INSN) {
            tui_say(t, 1, "%s", t->dis_why);
        } else if (dispane_follow(t->dis_prog, t->dis_fun, t->dis_insn, &to, &msg) == RC_OK) {
            tui_jump_to(t, to);
        } else {
            tui_say(t, 1, "%s", msg.text);
        }
        break;
    }
    case 'q': case 'D': case TUI_KEY_ESC: case TUI_CTRL('c'):
        close_pane(t);
        break;
    default:
        /* '[', ']', h l, goto, ...: the plain view's keys (a prompt or
         * a box they open comes back to the pane) */
        tui_mode_view.key(t, ch);
        break;
    }
}

/* The pane is drawn by tui_dis_draw while it is on, under a box or a
 * prompt it opened. */
const struct tui_mode tui_mode_dis = {NULL, NULL, dis_key};
